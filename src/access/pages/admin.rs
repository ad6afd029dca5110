//! Administrators: accounts within their own scope.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::admin_views as views;
use super::forms::{AfterQuery, NewAccountForm, PasswordForm};
use crate::access::NewAccount;
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::{t, ta, Arg};
use crate::web::kit::NoFields;
use crate::web::kit::{with_status, CsrfForm, Id};
use crate::web::pages::Ctx;

fn admin_only(ctx: &Ctx) -> Result<(), Response> {
    if ctx.reader().is_admin() {
        Ok(())
    } else {
        Err(ctx.error(AppError::Forbidden(crate::i18n::Msg::new(
            "only system administrators manage accounts",
            "只有系统管理员可以管理账号",
        ))))
    }
}

pub(super) async fn accounts_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<AfterQuery>,
) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    let l = ctx.lang;
    match crate::access::list_accounts(&db, &ctx.reader().scope, &q.after, 51).await {
        Ok(list) => ctx.page(&t(l, "accounts-title"), views::accounts(l, &list, now_ms())),
        Err(e) => ctx.error(e),
    }
}

fn new_account_form(
    ctx: &Ctx,
    f: &NewAccountForm,
    errors: &HashMap<String, String>,
    top: Vec<String>,
) -> Response {
    let l = ctx.lang;
    let body = views::new_account(l, &ctx.session.csrf, f, errors, &top);
    let resp = ctx.page(&t(l, "account-new"), body);
    if errors.is_empty() && top.is_empty() {
        resp
    } else {
        with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
    }
}

pub(super) async fn new_account_page(ctx: Ctx) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    new_account_form(&ctx, &NewAccountForm::default(), &HashMap::new(), vec![])
}

pub(super) async fn new_account_submit(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<NewAccountForm>,
) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    let l = ctx.lang;
    let codes: Vec<String> = f
        .scope
        .split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    // An administrator grants only what lies within their own scope.
    for c in &codes {
        match crate::access::scope_area_path(&db, c).await {
            Ok(Some(path)) if ctx.reader().scope.contains(&path) => {}
            Ok(_) => {
                let mut errs = HashMap::new();
                errs.insert(
                    "scope".to_owned(),
                    ta(l, "scope-outside", &[("code", Arg::S(c.clone()))]),
                );
                return new_account_form(&ctx, &f, &errs, vec![]);
            }
            Err(e) => return ctx.error(e),
        }
    }
    let display = f.display_name.trim();
    let display = if display.is_empty() {
        f.username.as_str()
    } else {
        display
    };
    let na = NewAccount {
        username: &f.username,
        display_name: display,
        role: &f.role,
        scope_codes: &codes,
        password: Some(&f.password),
    };
    match crate::access::create_account_as(&db, &ctx.actor(), &na).await {
        Ok(id) => Redirect::to(&format!("/admin/accounts/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            let map = errs
                .iter()
                .map(|e| (e.field.to_owned(), e.message.get(l).to_owned()))
                .collect();
            new_account_form(&ctx, &f, &map, vec![])
        }
        Err(AppError::Conflict(m)) => {
            new_account_form(&ctx, &f, &HashMap::new(), vec![m.get(l).to_owned()])
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn account_detail(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    account_detail_view(&db, &ctx, id, None, vec![]).await
}

async fn account_detail_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    ok: Option<String>,
    errors: Vec<String>,
) -> Response {
    let l = ctx.lang;
    let a = match crate::access::account(db, &ctx.reader().scope, id).await {
        Ok(a) => a,
        Err(e) => return ctx.error(e),
    };
    let own = a.id == ctx.reader().account_id;
    let body = views::account(l, &ctx.session.csrf, &a, own, ok, &errors, now_ms());
    ctx.page(&crate::privacy::mask_digit_runs(&a.username), body)
}

pub(super) async fn admin_set_password(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<PasswordForm>,
) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    if let Err(e) = crate::access::account(&db, &ctx.reader().scope, n).await {
        return ctx.error(e);
    }
    match crate::access::set_password(&db, &ctx.actor(), n, &f.password).await {
        Ok(()) => {
            let ok = Some(t(ctx.lang, "password-reset-ok"));
            account_detail_view(&db, &ctx, n, ok, vec![]).await
        }
        Err(AppError::Invalid(errs)) => {
            let msgs = errs.iter().map(|e| e.render(ctx.lang)).collect();
            account_detail_view(&db, &ctx, n, None, msgs).await
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn admin_disable(
    State(db): State<Db>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return ctx.error(AppError::NotFound),
    };
    if let Err(e) = crate::access::account(&db, &ctx.reader().scope, n).await {
        return ctx.error(e);
    }
    if disable && n == ctx.reader().account_id {
        return ctx.error(AppError::BadRequest(crate::i18n::Msg::new(
            "you cannot disable your own account",
            "不能停用自己的账号",
        )));
    }
    match crate::access::set_disabled(&db, &ctx.actor(), n, disable).await {
        Ok(()) => {
            let ok = Some(t(ctx.lang, "saved"));
            account_detail_view(&db, &ctx, n, ok, vec![]).await
        }
        Err(e) => ctx.error(e),
    }
}
