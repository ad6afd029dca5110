//! The household link (`/h/{token}`, the QR code on the door plate): a short form to ask for
//! help without an account, the household's own requests with their state, and the forms to
//! confirm and rate a done one or withdraw one nobody has taken yet.
//!
//! The page shows nothing that the plate's finder should not see: no names, no phone numbers,
//! no descriptions of earlier requests — only what was asked for, when, and where it stands.
//! Every request through a link counts against the sender's rate limit, and an unknown link
//! (or one of a merged or removed household) is "not found", counted the same way.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::forms::{action_labels, need_labels, ActForm, Back, DoneQuery, NeedForm};
use super::public_views::{self as views, LinkView};
use super::staff::act_of_form;
use super::views::{client_id, WITHDRAWN};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::needs::flow::{Action, Who};
use crate::needs::intake::{self, Household, LinkMember};
use crate::registry::codes::resident_code;
use crate::web::html::page;
use crate::web::kit::{is_form_error, with_status, FormErrors, PublicForm};
use crate::web::pages::{error_page, html_response, Visitor};
use crate::web::AppState;

/// The household of a link, counting the request against the sender's limit.
async fn open(db: &Db, v: &Visitor, token: &str) -> AppResult<Household> {
    let hh = intake::link_household(db, token).await?;
    intake::guard(db, &v.ip, now_ms()).await?;
    hh.ok_or(AppError::NotFound)
}

async fn link_page(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    Query(qs): Query<DoneQuery>,
) -> Response {
    match open(&db, &v, &token).await {
        Ok(hh) => view(&db, &v, &token, &hh, qs.done.trim(), None, None).await,
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

/// The page; 422 when a form came back with its errors.
async fn view(
    db: &Db,
    v: &Visitor,
    token: &str,
    hh: &Household,
    done: &str,
    need: Option<&Back<'_, NeedForm>>,
    act: Option<&Back<'_, ActForm>>,
) -> Response {
    let l = v.lang;
    let now = now_ms();
    match intake::household_needs(db, hh.id, now).await {
        Ok(list) => {
            let lv = LinkView {
                token,
                hh,
                list: &list,
                done,
                client_id: &client_id(),
                need,
                act,
            };
            let resp = html_response(
                StatusCode::OK,
                page(&v.chrome(), &t(l, "need-ask-title"), views::link(l, &lv)),
            );
            if need.is_some() || act.is_some() {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                resp
            }
        }
        Err(e) => error_page(l, Some(&v.chrome()), e),
    }
}

async fn ask(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    PublicForm(f): PublicForm<NeedForm>,
) -> Response {
    let hh = match open(&db, &v, &token).await {
        Ok(hh) => hh,
        Err(e) => return error_page(v.lang, Some(&v.chrome()), e),
    };
    match intake::create_by_link(&db, &hh, &f.new_need(), now_ms()).await {
        Ok(c) => {
            let done = if c.duplicate_of.is_some() {
                "dup"
            } else {
                "created"
            };
            Redirect::to(&format!("/h/{}?done={done}", token.trim())).into_response()
        }
        Err(e) if is_form_error(&e) => {
            let errs = FormErrors::of(v.lang, &e).labelled(v.lang, &need_labels(v.lang));
            let b = Back {
                form: "need",
                target: 0,
                f: &f,
                errs,
            };
            view(&db, &v, &token, &hh, "", Some(&b), None).await
        }
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

/// The household's personal codes (个人码): one QR code per member, to show the collector at a
/// sampling site, with the name masked and the relation only.
async fn codes_page(State(db): State<Db>, v: Visitor, Path(token): Path<String>) -> Response {
    let l = v.lang;
    let run = async {
        let hh = open(&db, &v, &token).await?;
        let members = intake::link_members(&db, &hh).await?;
        let secret = crate::access::settings::qr_secret(&db).await?;
        let codes: Vec<(LinkMember, String)> = members
            .into_iter()
            .map(|m| {
                let code = resident_code(&secret, m.id);
                (m, code)
            })
            .collect();
        Ok::<_, AppError>(views::codes(l, token.trim(), &hh, &codes))
    };
    match run.await {
        Ok(body) => html_response(
            StatusCode::OK,
            page(&v.chrome(), &t(l, "need-codes-title"), body),
        ),
        Err(e) => error_page(l, Some(&v.chrome()), e),
    }
}

async fn act(
    State(db): State<Db>,
    v: Visitor,
    Path((token, id)): Path<(String, String)>,
    PublicForm(mut f): PublicForm<ActForm>,
) -> Response {
    // A withdrawal through the link records a fixed reason (shown translated), whatever was
    // posted.
    if f.action == "cancel" {
        f.reason = WITHDRAWN.to_owned();
    }
    let hh = match open(&db, &v, &token).await {
        Ok(hh) => hh,
        Err(e) => return error_page(v.lang, Some(&v.chrome()), e),
    };
    let target = id.trim().parse::<i64>().unwrap_or(0);
    let actor = crate::audit::Actor {
        account_id: None,
        username: "household link".into(),
        ip: v.ip.clone(),
    };
    // Through the link, a household confirms or withdraws; nothing else.
    let who = Who::Household(hh.id);
    let run = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        act_of_form(&db, &actor, &who, id, &f, |a| {
            matches!(a, Action::Confirm { .. } | Action::Cancel { .. })
        })
        .await
    };
    match run.await {
        Ok(kind) => Redirect::to(&format!("/h/{}?done={kind}", token.trim())).into_response(),
        Err(e) if is_form_error(&e) => {
            let confirm = matches!(e, AppError::Invalid(_)) && f.action == "confirm";
            let errs = FormErrors::of(v.lang, &e).labelled(v.lang, &action_labels(v.lang));
            let b = Back {
                form: if confirm { "confirm" } else { "act" },
                target: if confirm { target } else { 0 },
                f: &f,
                errs,
            };
            view(&db, &v, &token, &hh, "", None, Some(&b)).await
        }
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/h/{token}", get(link_page).post(ask))
        .route("/h/{token}/needs/{id}", post(act))
        .route("/h/{token}/codes", get(codes_page))
}
