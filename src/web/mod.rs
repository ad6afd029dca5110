//! The web kit every page and API module uses: the router's state, the language of a request,
//! the API's error body and token extractor (here), markup (`html`), the signed-in page context
//! and error pages (`pages`), posted forms and their answers (`kit`). It knows the storage,
//! audit and access layers and no capability; `crate::server` composes the capabilities' routes
//! into the application.

#[macro_use]
pub mod html;
pub mod kit;
pub mod offline;
pub mod replies;
pub mod reply_retention;

pub mod pages;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::access::{self, Reader};
use crate::db::{Db, DbError};
use crate::error::AppError;
use crate::i18n::Lang;

/// The router's state: the database. A capability's own services (the registry's import jobs,
/// the sampling writer's queue) reach its handlers as `Extension`s that `crate::server` adds.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Db {
        s.db.clone()
    }
}

/// The language of the request: `?lang=` first, then `Accept-Language`.
pub struct UserLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UserLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UserLang(lang_of(parts)))
    }
}

pub fn lang_of(parts: &Parts) -> Lang {
    let from_query = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .and_then(Lang::from_code)
    });
    from_query.unwrap_or_else(|| {
        Lang::from_accept_language(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

/// An error on its way out, with the language to tell it in.
pub struct ApiError(pub AppError, pub Lang);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(err, lang) = self;
        let (status, code) = match &err {
            AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::TooMany(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many"),
            AppError::Db(DbError::Unique(_)) => (StatusCode::CONFLICT, "conflict"),
            AppError::Db(DbError::Unavailable(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            AppError::Busy(..) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            AppError::Db(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("internal error: {err}");
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            shed_warning(&err);
        }
        let fields = match &err {
            AppError::Invalid(errs) => errs
                .iter()
                .map(|e| json!({"field": e.field, "row": e.row, "message": e.message.get(lang)}))
                .collect(),
            _ => vec![],
        };
        let body = json!({"error": {"code": code, "message": err.message(lang), "fields": fields}});
        let mut resp = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // A shed write says when the queue is expected to have room; anything else
            // unavailable (the database) asks for half a minute.
            let after = match &err {
                AppError::Busy(_, s) => (*s).max(1),
                _ => 30,
            };
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after));
        }
        resp
    }
}

/// The signed-in reader, from `Authorization: Bearer TOKEN`, or — for a page's own script,
/// such as the offline queue sending what it kept — from the page's session cookie with the
/// session's CSRF token in the `X-CSRF-Token` header (a cross-site page can send the cookie
/// but cannot read the token nor set that header without a CORS preflight, which is refused).
pub struct Auth(pub Reader, pub Lang);

/// The header a page's script sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session of a request carrying its cookie and its CSRF token in [`CSRF_HEADER`].
async fn page_session(db: &Db, parts: &Parts) -> Result<Option<Reader>, AppError> {
    let (Some(tok), Some(sent)) = (
        pages::cookie(&parts.headers, pages::SESSION_COOKIE),
        parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
    ) else {
        return Ok(None);
    };
    Ok(access::session::lookup(db, tok)
        .await?
        .filter(|s| s.verified && pages::constant_eq(sent.as_bytes(), s.csrf.as_bytes()))
        .map(|s| s.reader))
}

impl<S> FromRequestParts<S> for Auth
where
    S: Send + Sync,
    Db: FromRef<S>,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(parts);
        let db = Db::from_ref(state);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = bearer else {
            return match page_session(&db, parts).await {
                Ok(Some(r)) => Ok(Auth(r, lang)),
                Ok(None) => Err(ApiError(AppError::Unauthorized, lang)),
                Err(e) => Err(ApiError(e, lang)),
            };
        };
        access::authenticate(&db, token)
            .await
            .map(|r| Auth(r, lang))
            .map_err(|e| ApiError(e, lang))
    }
}

/// A refusal for overload, logged at most once a second with how many were refused since the
/// last line: under overload every request may be refused, and a line each would add to the
/// load it reports.
fn shed_warning(err: &AppError) {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    static LAST_SECOND: AtomicI64 = AtomicI64::new(0);
    static SINCE: AtomicU64 = AtomicU64::new(0);
    let n = SINCE.fetch_add(1, Ordering::Relaxed) + 1;
    let second = crate::db::now_ms() / 1000;
    let last = LAST_SECOND.load(Ordering::Relaxed);
    if second != last
        && LAST_SECOND
            .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        SINCE.store(0, Ordering::Relaxed);
        tracing::warn!("{err} ({n} refused since the last such line)");
    }
}
