//! The public disclosure (公示), no sign-in: `/public/supplies/{code}` (printable HTML), and
//! the same as CSV, XLSX and JSON. Read from the ledgers at each request. It never names a
//! person who received goods, nor a household.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::public_views;
use crate::db::{now_ms, Db};
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
}

fn ok_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '/')
}

async fn html_page(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    if !ok_code(&code) {
        return error_page(v.lang, Some(&v.chrome()), crate::error::AppError::NotFound);
    }
    match disclosure::of_area(&db, &code, now_ms()).await {
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

async fn csv_file(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    if !ok_code(&code) {
        return error_page(v.lang, None, crate::error::AppError::NotFound);
    }
    match disclosure::of_area(&db, &code, now_ms()).await {
        Ok(d) => match disclosure::csv(&d, v.lang) {
            Ok(b) => file(
                b,
                "text/csv; charset=utf-8",
                format!("disclosure-{}.csv", d.area),
            ),
            Err(e) => error_page(
                v.lang,
                None,
                crate::error::AppError::Internal(e.to_string()),
            ),
        },
        Err(e) => error_page(v.lang, None, e),
    }
}

async fn xlsx_file(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    if !ok_code(&code) {
        return error_page(v.lang, None, crate::error::AppError::NotFound);
    }
    match disclosure::of_area(&db, &code, now_ms()).await {
        Ok(d) => match disclosure::xlsx(&d, v.lang) {
            Ok(b) => file(
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("disclosure-{}.xlsx", d.area),
            ),
            Err(e) => error_page(
                v.lang,
                None,
                crate::error::AppError::Internal(e.to_string()),
            ),
        },
        Err(e) => error_page(v.lang, None, e),
    }
}

async fn json_doc(State(db): State<Db>, v: Visitor, Path(code): Path<String>) -> Response {
    if !ok_code(&code) {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "not found"})),
        )
            .into_response();
    }
    match disclosure::of_area(&db, &code, now_ms()).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => crate::web::ApiError(e, v.lang).into_response(),
    }
}
