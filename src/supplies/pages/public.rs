//! The public disclosure (公示), no sign-in: `/public/supplies/{code}` of an area and
//! `/public/supplies-branch/{id}` of a party branch (printable HTML), and the same as CSV,
//! XLSX and JSON. Read from the ledgers at each request. It never names a
//! person who received goods, nor a household.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::public_views;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::supplies::disclosure;
use crate::web::html::page;
use crate::web::pages::{error_page, html_response, Visitor};
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/supplies/{code}", get(html_page))
        .route("/public/supplies/{code}/csv", get(csv_file))
        .route("/public/supplies/{code}/xlsx", get(xlsx_file))
        .route("/public/supplies/{code}/json", get(json_doc))
        .route("/public/supplies-branch/{id}", get(branch_html))
        .route("/public/supplies-branch/{id}/csv", get(branch_csv))
        .route("/public/supplies-branch/{id}/xlsx", get(branch_xlsx))
        .route("/public/supplies-branch/{id}/json", get(branch_json))
}

fn ok_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '/')
}

/// Whose disclosure a request asks for.
enum Who {
    Area(String),
    Branch(String),
}

async fn load(db: &Db, who: &Who) -> AppResult<disclosure::Disclosure> {
    match who {
        Who::Area(code) if ok_code(code) => disclosure::of_area(db, code, now_ms()).await,
        Who::Branch(id) => match id.parse::<i64>() {
            Ok(id) => disclosure::of_branch(db, id, now_ms()).await,
            Err(_) => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    }
}

async fn html(db: &Db, v: &Visitor, who: Who) -> Response {
    match load(db, &who).await {
        Ok(d) => {
            let l = v.lang;
            let title = format!("{} · {}", t(l, "sup-public"), d.name);
            html_response(
                StatusCode::OK,
                page(&v.chrome(), &title, public_views::disclosure(l, &d)),
            )
        }
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

fn file(body: Vec<u8>, mime: &'static str, name: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn csv(db: &Db, v: &Visitor, who: Who) -> Response {
    match load(db, &who).await {
        Ok(d) => match disclosure::csv(&d, v.lang) {
            Ok(b) => file(
                b,
                "text/csv; charset=utf-8",
                format!("disclosure-{}.csv", d.area),
            ),
            Err(e) => error_page(v.lang, None, AppError::Internal(e.to_string())),
        },
        Err(e) => error_page(v.lang, None, e),
    }
}

async fn xlsx(db: &Db, v: &Visitor, who: Who) -> Response {
    match load(db, &who).await {
        Ok(d) => match disclosure::xlsx(&d, v.lang) {
            Ok(b) => file(
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("disclosure-{}.xlsx", d.area),
            ),
            Err(e) => error_page(v.lang, None, AppError::Internal(e.to_string())),
        },
        Err(e) => error_page(v.lang, None, e),
    }
}

async fn json(db: &Db, v: &Visitor, who: Who) -> Response {
    match load(db, &who).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => crate::web::ApiError(e, v.lang).into_response(),
    }
}

async fn html_page(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    html(&db, &v, Who::Area(code)).await
}

async fn csv_file(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    csv(&db, &v, Who::Area(code)).await
}

async fn xlsx_file(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    xlsx(&db, &v, Who::Area(code)).await
}

async fn json_doc(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    json(&db, &v, Who::Area(code)).await
}

async fn branch_html(State(db): State<Db>, v: Visitor, Path(id): Path<String>) -> Response {
    html(&db, &v, Who::Branch(id)).await
}

async fn branch_csv(State(db): State<Db>, v: Visitor, Path(id): Path<String>) -> Response {
    csv(&db, &v, Who::Branch(id)).await
}

async fn branch_xlsx(State(db): State<Db>, v: Visitor, Path(id): Path<String>) -> Response {
    xlsx(&db, &v, Who::Branch(id)).await
}

async fn branch_json(State(db): State<Db>, v: Visitor, Path(id): Path<String>) -> Response {
    json(&db, &v, Who::Branch(id)).await
}
