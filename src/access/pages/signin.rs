//! Sign-in (password, then a TOTP code where due) and sign-out.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::forms::{CodeForm, LoginForm, NextQuery};
use super::signin_views as views;
use super::{anon, secure_attr};
use crate::access::session::{self, Login};
use crate::access::totp;
use crate::db::Db;
use crate::i18n::{t, ta, Arg};
use crate::web::html::{self, page};
use crate::web::kit::NoFields;
use crate::web::kit::{CsrfForm, PublicForm};
use crate::web::pages::{constant_eq, cookie, html_response, safe_next, Visitor, SESSION_COOKIE};

const PRE_COOKIE: &str = "wl_pre";

pub(super) async fn login_page(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    if v.session.as_ref().is_some_and(|(_, s)| s.verified) {
        return Redirect::to("/").into_response();
    }
    let pre = crate::access::random_hex(16);
    let next = safe_next(q.next.as_deref());
    let body = views::login_form(v.lang, &pre, &next, "", None);
    let mut resp = html_response(
        StatusCode::OK,
        page(&anon(v.lang, &v.here), &t(v.lang, "login-title"), body),
    );
    if let Ok(c) = format!("{PRE_COOKIE}={pre}; Path=/login; HttpOnly; SameSite=Strict").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

pub(super) async fn login_submit(
    State(db): State<Db>,
    v: Visitor,
    headers: HeaderMap,
    PublicForm(f): PublicForm<LoginForm>,
) -> Response {
    let l = v.lang;
    let next = safe_next(Some(&f.next));
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or("");
    let again = |err: String| {
        let body = views::login_form(l, pre, &next, &f.username, Some(err));
        html_response(
            StatusCode::UNAUTHORIZED,
            page(&anon(l, "/login"), &t(l, "login-title"), body),
        )
    };
    // Login CSRF: the form's token must match the cookie set with the form.
    if pre.is_empty() || !constant_eq(pre.as_bytes(), f.pre.as_bytes()) {
        return again(t(l, "login-expired"));
    }
    match session::login(&db, &f.username, &f.password, &v.ip).await {
        Ok(Login::Ok { token, verified }) => {
            let dest = if verified { next } else { "/login/totp".into() };
            (
                [(
                    header::SET_COOKIE,
                    format!(
                        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
                        session::SESSION_MS / 1000,
                        secure_attr(&headers)
                    ),
                )],
                Redirect::to(&dest),
            )
                .into_response()
        }
        Ok(Login::Invalid) => again(t(l, "login-invalid")),
        Ok(Login::Locked { until_ms }) => again(ta(
            l,
            "login-locked",
            &[("until", Arg::S(html::datetime(until_ms)))],
        )),
        Ok(Login::Throttled) => again(t(l, "login-throttled")),
        Err(e) => crate::web::pages::error_page(l, None, e),
    }
}

/// The second step: a code from the authenticator, or (administrators without one) enrolment.
pub(super) async fn totp_page(State(db): State<Db>, v: Visitor) -> Response {
    totp_form(&db, &v, None).await
}

async fn totp_form(db: &Db, v: &Visitor, err: Option<String>) -> Response {
    let l = v.lang;
    let Some((_, s)) = &v.session else {
        return Redirect::to("/login").into_response();
    };
    if s.verified {
        return Redirect::to("/").into_response();
    }
    let enrol = if s.totp_enabled {
        None
    } else {
        match session::enrolment_secret(db, s.reader.account_id).await {
            Ok(sec) => {
                let uri = totp::otpauth_uri(&s.reader.username, &sec);
                Some((sec, uri))
            }
            Err(e) => return crate::web::pages::error_page(l, None, e),
        }
    };
    let enrol = enrol.as_ref().map(|(s, u)| (s.as_str(), u.as_str()));
    let body = views::totp(l, &s.csrf, enrol, err);
    html_response(
        StatusCode::OK,
        page(&anon(l, &v.here), &t(l, "totp-title"), body),
    )
}

pub(super) async fn totp_submit(
    State(db): State<Db>,
    v: Visitor,
    PublicForm(f): PublicForm<CodeForm>,
) -> Response {
    let Some((token, s)) = &v.session else {
        return Redirect::to("/login").into_response();
    };
    if !constant_eq(f.csrf.as_bytes(), s.csrf.as_bytes()) {
        return Redirect::to("/login").into_response();
    }
    let r = if s.totp_enabled {
        session::second_factor(&db, token, s, &f.code, &v.ip).await
    } else {
        session::finish_enrolment(&db, token, s, &f.code, &v.ip).await
    };
    match r {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let msg = e.message(v.lang);
            totp_form(&db, &v, Some(msg)).await
        }
    }
}

pub(super) async fn logout(State(db): State<Db>, CsrfForm(ctx, _): CsrfForm<NoFields>) -> Response {
    if let Err(e) = session::logout(
        &db,
        &ctx.token,
        &ctx.actor(),
        ctx.reader().scope.roots.first().map_or("", |p| p.as_str()),
    )
    .await
    {
        return ctx.error(e);
    }
    (
        [
            (
                header::SET_COOKIE,
                format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
            ),
            // What the offline pages kept on the phone (cached pages, the queue) goes with
            // the session (issue 19).
            (
                header::HeaderName::from_static("clear-site-data"),
                "\"cache\", \"storage\"".to_owned(),
            ),
        ],
        Redirect::to("/login"),
    )
        .into_response()
}
