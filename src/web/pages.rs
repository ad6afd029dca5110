//! What every page shares: the signed-in context (session, language, client address, CSRF),
//! error pages, the language switch.

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::html::{self, page, url_enc, Chrome, Markup};
use super::AppState;
use crate::access::session::{self, Session};
use crate::access::{role_name, Reader};
use crate::audit::Actor;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Lang};

pub const SESSION_COOKIE: &str = "wl_session";
pub const LANG_COOKIE: &str = "wl_lang";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The page language: `?lang=`, then the language cookie, then `Accept-Language`.
pub fn page_lang(parts: &Parts) -> Lang {
    let from_query = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .and_then(Lang::from_code)
    });
    from_query
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::from_code))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Anyone, signed in or not.
pub struct Visitor {
    pub lang: Lang,
    pub ip: String,
    pub here: String,
    pub session: Option<(String, Session)>,
}

impl<S> FromRequestParts<S> for Visitor
where
    S: Send + Sync,
    Db: axum::extract::FromRef<S>,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = page_lang(parts);
        let db = <Db as axum::extract::FromRef<S>>::from_ref(state);
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(tok) => match session::lookup(&db, tok).await {
                Ok(s) => s.map(|s| (tok.to_owned(), s)),
                Err(e) => return Err(error_page(lang, None, e)),
            },
            None => None,
        };
        Ok(Visitor {
            lang,
            ip: client_ip(parts),
            here: parts
                .uri
                .path_and_query()
                .map_or("/".into(), |p| p.as_str().to_owned()),
            session,
        })
    }
}

impl Visitor {
    /// The chrome of a public page: no user, no menu.
    pub fn chrome(&self) -> Chrome<'_> {
        Chrome::anon(self.lang, &self.here)
    }
}

/// This site's origin as the client reached it (`https://host`), for links printed on
/// posters and QR codes.
pub fn origin(h: &HeaderMap) -> String {
    let host = h
        .get("x-forwarded-host")
        .or_else(|| h.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// A fully signed-in user (password and, where due, the second factor).
pub struct Ctx {
    pub lang: Lang,
    pub ip: String,
    pub here: String,
    pub token: String,
    pub session: Session,
    /// The user's unread notifications (the header shows the count).
    pub unread: i64,
}

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    Db: axum::extract::FromRef<S>,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let v = Visitor::from_request_parts(parts, state).await?;
        match v.session {
            Some((token, s)) if s.verified => {
                // One indexed count a page; a failure only hides the count.
                let db = <Db as axum::extract::FromRef<S>>::from_ref(state);
                let unread = crate::notify::unread(&db, s.reader.account_id)
                    .await
                    .unwrap_or(0);
                Ok(Ctx {
                    lang: v.lang,
                    ip: v.ip,
                    here: v.here,
                    token,
                    session: s,
                    unread,
                })
            }
            Some(_) => Err(Redirect::to("/login/totp").into_response()),
            None => Err(Redirect::to(&format!("/login?next={}", url_enc(&v.here))).into_response()),
        }
    }
}

impl Ctx {
    pub fn reader(&self) -> &Reader {
        &self.session.reader
    }

    pub fn actor(&self) -> Actor {
        self.session.actor(&self.ip)
    }

    pub fn chrome(&self) -> Chrome<'_> {
        let r = &self.session.reader;
        Chrome {
            lang: self.lang,
            here: &self.here,
            user: Some((
                &r.display_name,
                role_name(&r.role, self.lang),
                r.is_admin(),
                r.can_read_audit(),
            )),
            csrf: Some(&self.session.csrf),
            can_import: r.can_write_registry(),
            role: &r.role,
            unread: self.unread,
            account: r.account_id,
        }
    }

    /// A whole page for this user.
    pub fn page(&self, title: &str, body: Markup) -> Response {
        html_response(StatusCode::OK, page(&self.chrome(), title, body))
    }

    /// Refuse a state-changing request whose form does not carry this session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if constant_eq(sent.as_bytes(), self.session.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(self.error(AppError::Forbidden(crate::i18n::Msg::new(
                "the form expired or did not come from this site; go back, reload and try again",
                "表单已过期或并非来自本站；请返回、刷新后重试",
            ))))
        }
    }

    pub fn error(&self, e: AppError) -> Response {
        error_page(self.lang, Some(&self.chrome()), e)
    }

    pub fn t(&self, id: &str) -> String {
        t(self.lang, id)
    }
}

pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn html_response(status: StatusCode, m: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        m.0,
    )
        .into_response()
}

/// An error as a page, in the user's language; internal causes are logged, not shown.
pub fn error_page(lang: Lang, chrome: Option<&Chrome>, e: AppError) -> Response {
    let status = match &e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict(_) | AppError::Db(crate::db::DbError::Unique(_)) => StatusCode::CONFLICT,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Db(crate::db::DbError::Unavailable(_)) | AppError::Busy(..) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::warn!("{e}");
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("internal error: {e}");
    }
    let title = match status {
        StatusCode::NOT_FOUND => t(lang, "error-not-found"),
        StatusCode::FORBIDDEN => t(lang, "error-forbidden"),
        _ => t(lang, "error-title"),
    };
    let body = html!(
        "<h1>{}</h1><p class=\"errors\">{}</p><p><a class=\"btn alt\" href=\"/\">{}</a></p>",
        title,
        e.message(lang),
        t(lang, "back-home")
    );
    let anon = Chrome::anon(lang, "/");
    html_response(status, page(chrome.unwrap_or(&anon), &title, body))
}

pub async fn not_found(v: Visitor) -> Response {
    if v.here.starts_with("/api/") {
        return super::ApiError(AppError::NotFound, v.lang).into_response();
    }
    error_page(v.lang, None, AppError::NotFound)
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Where a `next` parameter may send the browser: a path on this site, or else `/`.
///
/// Accepted: starts with one `/` (not `//` or `/\`, which browsers read as another host), and
/// holds no backslash, no whitespace and no control character anywhere (browsers strip tabs
/// and newlines, so `/\t/evil.example` becomes `//evil.example`; and a newline cannot go into
/// a `Location` header at all). The one function every followed `next` goes through.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.to_owned()
        }
        _ => "/".into(),
    }
}

/// Switch the language: a cookie for a year, then back where the user was.
async fn switch_lang(Path(code): Path<String>, Query(n): Query<Next>) -> Response {
    let lang = Lang::from_code(&code).unwrap_or(Lang::Zh);
    let mut next = safe_next(n.next.as_deref());
    // A `lang=` in the address would override the cookie: drop it.
    if let Some((path, query)) = next.clone().split_once('?') {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.starts_with("lang="))
            .collect();
        next = if kept.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", kept.join("&"))
        };
    }
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.tag()
            ),
        )],
        Redirect::to(&next),
    )
        .into_response()
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(switch_lang))
}

/// A small helper for list pages: the "next page" link keeping the other query parameters.
pub fn next_link(lang: Lang, base: &str, params: &[(&str, &str)], next: Option<&str>) -> Markup {
    let Some(n) = next else {
        return Markup::default();
    };
    let mut q: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_enc(v)))
        .collect();
    q.push(format!("after={}", url_enc(n)));
    html!(
        "<div class=\"pager\"><span></span><a class=\"btn alt\" rel=\"next\" href=\"{}?{}\">{}</a></div>",
        base,
        q.join("&"),
        t(lang, "next-page")
    )
}

pub use html::esc;
