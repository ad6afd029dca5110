//! The public sign-up: a form behind a link or QR code for a community or campaign (no
//! account; rate-limited), the confirmation with the reference to keep, and the status of an
//! application by that reference (with a way to withdraw).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::signup_views::{self as views, Application};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::mobilization::volunteers::{self, Link, SignUp};
use crate::web::html::{page, url_enc};
use crate::web::kit::{error_lines, with_status, PublicForm};
use crate::web::pages::{error_page, html_response, Visitor};
use crate::web::AppState;

async fn join_page(State(db): State<Db>, v: Visitor, Path(token): Path<String>) -> Response {
    match volunteers::link_by_token(&db, &token).await {
        Ok(link) => form_view(&db, &v, &link, &SignUp::default(), &[]).await,
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

async fn form_view(db: &Db, v: &Visitor, link: &Link, f: &SignUp, errors: &[String]) -> Response {
    let units = volunteers::units(db).await.unwrap_or_default();
    let area = crate::registry::areas::by_path(db, &link.path)
        .await
        .ok()
        .flatten()
        .map(|a| a.name)
        .unwrap_or_default();
    let body = views::form(v.lang, link, &area, &units, f, errors);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_response(status, page(&v.chrome(), &link.title, body))
}

async fn join_submit(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    PublicForm(f): PublicForm<SignUp>,
) -> Response {
    let link = match volunteers::link_by_token(&db, &token).await {
        Ok(l) => l,
        Err(e) => return error_page(v.lang, Some(&v.chrome()), e),
    };
    match volunteers::sign_up(&db, &link, &v.ip, &f).await {
        Ok(r) => {
            Redirect::to(&format!("/join/status/{}?new=1", url_enc(&r.ref_code))).into_response()
        }
        Err(e @ AppError::Invalid(_)) => {
            form_view(&db, &v, &link, &f, &error_lines(v.lang, &e)).await
        }
        Err(e @ AppError::Conflict(_)) => with_status(
            form_view(&db, &v, &link, &f, &error_lines(v.lang, &e)).await,
            StatusCode::CONFLICT,
        ),
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LookupQuery {
    #[serde(rename = "ref")]
    reference: String,
}

async fn status_lookup(v: Visitor, Query(qs): Query<LookupQuery>) -> Response {
    let l = v.lang;
    let r = qs.reference.trim();
    if !r.is_empty() {
        return Redirect::to(&format!(
            "/join/status/{}",
            url_enc(&r.to_ascii_uppercase())
        ))
        .into_response();
    }
    html_response(
        StatusCode::OK,
        page(&v.chrome(), &t(l, "mob-status-title"), views::lookup(l)),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusQuery {
    new: String,
}

async fn status_page(
    State(db): State<Db>,
    v: Visitor,
    Path(r): Path<String>,
    Query(qs): Query<StatusQuery>,
) -> Response {
    let l = v.lang;
    let (name, status, reason, title) = match volunteers::by_ref(&db, &r).await {
        Ok(x) => x,
        Err(e) => return error_page(l, Some(&v.chrome()), e),
    };
    let a = Application {
        reference: r.to_ascii_uppercase(),
        can_withdraw: volunteers::allowed(&status, "withdrawn"),
        name,
        status,
        reason,
        title,
        new: qs.new.trim() == "1",
    };
    html_response(
        StatusCode::OK,
        page(&v.chrome(), &t(l, "mob-status-title"), views::status(l, &a)),
    )
}

async fn withdraw(State(db): State<Db>, v: Visitor, Path(r): Path<String>) -> Response {
    match volunteers::withdraw_by_ref(&db, &r).await {
        Ok(()) => Redirect::to(&format!(
            "/join/status/{}",
            url_enc(&r.to_ascii_uppercase())
        ))
        .into_response(),
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/join/status", get(status_lookup))
        .route("/join/status/{r}", get(status_page))
        .route("/join/status/{r}/withdraw", post(withdraw))
        .route("/join/{token}", get(join_page).post(join_submit))
}
