//! The user's own account: password, second factor, API tokens.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::account_views::{self as views, AccountView};
use super::forms::{CodeForm, PasswordForm, TokenForm};
use crate::access::{session, totp};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::web::kit::NoFields;
use crate::web::kit::{CsrfForm, Id};
use crate::web::pages::{Ctx, SESSION_COOKIE};

pub(super) async fn account_page(State(db): State<Db>, ctx: Ctx) -> Response {
    account_view(&db, &ctx, None, vec![], None).await
}

async fn account_view(
    db: &Db,
    ctx: &Ctx,
    ok: Option<String>,
    errors: Vec<String>,
    new_token: Option<String>,
) -> Response {
    let l = ctx.lang;
    let tokens = match crate::access::tokens(db, ctx.reader().account_id).await {
        Ok(list) => list,
        Err(e) => return ctx.error(e),
    };
    let v = AccountView {
        reader: ctx.reader(),
        csrf: &ctx.session.csrf,
        totp_enabled: ctx.session.totp_enabled,
        ok,
        errors: &errors,
        new_token,
        tokens: &tokens,
    };
    ctx.page(&t(l, "account-title"), views::account(l, &v))
}

pub(super) async fn change_password(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<PasswordForm>,
) -> Response {
    let l = ctx.lang;
    // The current password is an attempt like a sign-in: counted (against the account and the
    // address) before it is checked; wrong ones can lock the account, which ends this session.
    match session::check_current_password(&db, &ctx.token, &ctx.session, &f.current, &ctx.ip).await
    {
        Ok(Ok(())) => {}
        Ok(Err(true)) => {
            return (
                [(
                    header::SET_COOKIE,
                    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
                )],
                Redirect::to("/login"),
            )
                .into_response()
        }
        Ok(Err(false)) => {
            return account_view(&db, &ctx, None, vec![t(l, "password-current-wrong")], None).await
        }
        Err(e) => return ctx.error(e),
    }
    match crate::access::set_password(&db, &ctx.actor(), ctx.reader().account_id, &f.password).await
    {
        // Every session ended with the change, this one too: sign in again.
        Ok(()) => Redirect::to("/login").into_response(),
        Err(AppError::Invalid(errs)) => {
            let msgs = errs.iter().map(|e| e.render(l)).collect();
            account_view(&db, &ctx, None, msgs, None).await
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn create_token(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<TokenForm>,
) -> Response {
    match crate::access::create_token_for(&db, &ctx.actor(), ctx.reader().account_id, &f.label)
        .await
    {
        Ok(tok) => account_view(&db, &ctx, None, vec![], Some(tok)).await,
        Err(AppError::Invalid(errs)) => {
            let msgs = errs.iter().map(|e| e.render(ctx.lang)).collect();
            account_view(&db, &ctx, None, msgs, None).await
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn revoke_token(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    match crate::access::revoke_token(&db, &ctx.actor(), ctx.reader().account_id, id).await {
        Ok(()) => {
            let ok = Some(t(ctx.lang, "token-revoked-ok"));
            account_view(&db, &ctx, ok, vec![], None).await
        }
        Err(e) => ctx.error(e),
    }
}

/// Turn on the second factor for one's own account (optional for all roles but administrators,
/// who enrol at sign-in).
pub(super) async fn totp_enrol_page(State(db): State<Db>, ctx: Ctx) -> Response {
    totp_enrol_view(&db, &ctx, None).await
}

async fn totp_enrol_view(db: &Db, ctx: &Ctx, err: Option<String>) -> Response {
    let l = ctx.lang;
    if ctx.session.totp_enabled {
        return Redirect::to("/account").into_response();
    }
    let id = ctx.reader().account_id;
    let secret = match session::enrolment_secret(db, id).await {
        Ok(sec) => sec,
        Err(e) => return ctx.error(e),
    };
    let uri = totp::otpauth_uri(&ctx.reader().username, &secret);
    let body = views::totp_enrol(l, &ctx.session.csrf, &secret, &uri, err);
    ctx.page(&t(l, "totp-enable"), body)
}

pub(super) async fn totp_enrol_submit(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<CodeForm>,
) -> Response {
    match session::finish_enrolment(&db, &ctx.token, &ctx.session, &f.code, &ctx.ip).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => {
            let m = e.message(ctx.lang);
            totp_enrol_view(&db, &ctx, Some(m)).await
        }
    }
}
