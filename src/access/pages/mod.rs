//! Pages of the access capability: sign-in (password, then a TOTP code where due), sign-out,
//! the user's own account (password, second factor, API tokens) and account management for
//! administrators.

use crate::html;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::access::session::{self, Login};
use crate::access::{role_name, totp, NewAccount, ROLES};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Lang};
use crate::web::html::{self, csrf_field, error_box, field, notice, page, select, Chrome, Markup};
use crate::web::pages::{
    constant_eq, cookie, html_response, next_link, safe_next, Ctx, Visitor, SESSION_COOKIE,
};
use crate::web::AppState;

type FormMap = Form<HashMap<String, String>>;

fn fv<'a>(f: &'a HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or("")
}

const PRE_COOKIE: &str = "wl_pre";

fn anon(lang: Lang, here: &str) -> Chrome<'_> {
    Chrome {
        lang,
        here,
        user: None,
        csrf: None,
        can_import: false,
        role: "",
    }
}

fn secure_attr(h: &HeaderMap) -> &'static str {
    match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "; Secure",
        _ => "",
    }
}

fn login_form(v: &Visitor, pre: &str, next: &str, username: &str, err: Option<String>) -> Markup {
    let l = v.lang;
    let mut body = html!("<h1>{}</h1>", t(l, "login-title"));
    if let Some(e) = err {
        body.push(error_box(l, &[e]));
    }
    body.push(html!(
        "<form method=\"post\" action=\"/login\" class=\"box\" id=\"login-form\">\
         <input type=\"hidden\" name=\"pre\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">{}{}\
         <button type=\"submit\" id=\"login-submit\">{}</button></form><p class=\"muted\">{}</p>",
        pre,
        next,
        field("username", &t(l, "field-username"), username, None, "autocomplete=\"username\" required autofocus"),
        field("password", &t(l, "field-password"), "", None, "type=\"password\" autocomplete=\"current-password\" required"),
        t(l, "login-submit"),
        t(l, "login-hint")
    ));
    body
}

async fn login_page(v: Visitor, Query(q): Query<HashMap<String, String>>) -> Response {
    if v.session.as_ref().is_some_and(|(_, s)| s.verified) {
        return Redirect::to("/areas").into_response();
    }
    let pre = crate::access::random_hex(16);
    let next = safe_next(q.get("next").map(String::as_str));
    let body = login_form(&v, &pre, &next, "", None);
    let mut resp = html_response(
        StatusCode::OK,
        page(&anon(v.lang, &v.here), &t(v.lang, "login-title"), body),
    );
    if let Ok(c) = format!("{PRE_COOKIE}={pre}; Path=/login; HttpOnly; SameSite=Strict").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

async fn login_submit(
    State(db): State<Db>,
    v: Visitor,
    headers: HeaderMap,
    Form(f): FormMap,
) -> Response {
    let l = v.lang;
    let next = safe_next(Some(fv(&f, "next")));
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or("");
    let again = |err: String| {
        let body = login_form(&v, pre, &next, fv(&f, "username"), Some(err));
        html_response(
            StatusCode::UNAUTHORIZED,
            page(&anon(l, "/login"), &t(l, "login-title"), body),
        )
    };
    // Login CSRF: the form's token must match the cookie set with the form.
    if pre.is_empty() || !constant_eq(pre.as_bytes(), fv(&f, "pre").as_bytes()) {
        return again(t(l, "login-expired"));
    }
    match session::login(&db, fv(&f, "username"), fv(&f, "password"), &v.ip).await {
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
async fn totp_page(State(db): State<Db>, v: Visitor) -> Response {
    totp_form(&db, &v, None).await
}

async fn totp_form(db: &Db, v: &Visitor, err: Option<String>) -> Response {
    let l = v.lang;
    let Some((_, s)) = &v.session else {
        return Redirect::to("/login").into_response();
    };
    if s.verified {
        return Redirect::to("/areas").into_response();
    }
    let mut body = html!("<h1>{}</h1>", t(l, "totp-title"));
    if let Some(e) = err {
        body.push(error_box(l, &[e]));
    }
    if !s.totp_enabled {
        let secret = match session::enrolment_secret(db, s.reader.account_id).await {
            Ok(sec) => sec,
            Err(e) => return crate::web::pages::error_page(l, None, e),
        };
        body.push(html!(
            "<p>{}</p><p class=\"box\"><span class=\"muted\">{}</span><br><code id=\"totp-secret\">{}</code><br>\
             <span class=\"muted\">{}</span><br><code>{}</code></p>",
            t(l, "totp-enrol-intro"),
            t(l, "totp-secret"),
            secret,
            t(l, "totp-uri"),
            totp::otpauth_uri(&s.reader.username, &secret)
        ));
    } else {
        body.push(html!("<p>{}</p>", t(l, "totp-intro")));
    }
    body.push(html!(
        "<form method=\"post\" action=\"/login/totp\" class=\"box\">{}{}<button type=\"submit\">{}</button></form>",
        csrf_field(&s.csrf),
        field("code", &t(l, "field-totp-code"), "", None, "inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required autofocus"),
        t(l, "totp-submit")
    ));
    html_response(
        StatusCode::OK,
        page(&anon(l, &v.here), &t(l, "totp-title"), body),
    )
}

async fn totp_submit(State(db): State<Db>, v: Visitor, Form(f): FormMap) -> Response {
    let Some((token, s)) = &v.session else {
        return Redirect::to("/login").into_response();
    };
    if !constant_eq(fv(&f, "csrf").as_bytes(), s.csrf.as_bytes()) {
        return Redirect::to("/login").into_response();
    }
    let code = fv(&f, "code");
    let r = if s.totp_enabled {
        session::second_factor(&db, token, s, code, &v.ip).await
    } else {
        session::finish_enrolment(&db, token, s, code, &v.ip).await
    };
    match r {
        Ok(()) => Redirect::to("/areas").into_response(),
        Err(e) => {
            let msg = e.message(v.lang);
            totp_form(&db, &v, Some(msg)).await
        }
    }
}

async fn logout(State(db): State<Db>, ctx: Ctx, Form(f): FormMap) -> Response {
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
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
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

// ---- The user's own account: password, API tokens. ----

async fn account_page(State(db): State<Db>, ctx: Ctx) -> Response {
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
    let r = ctx.reader();
    let mut body = html!(
        "<h1>{}</h1><dl class=\"kv\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "account-title"),
        t(l, "field-username"),
        r.username,
        t(l, "field-display-name"),
        r.display_name,
        t(l, "field-role"),
        role_name(&r.role, l),
        t(l, "field-scope"),
        r.scope.roots.join(", ")
    );
    if let Some(m) = ok {
        body.push(notice(&m));
    }
    body.push(error_box(l, &errors));
    if let Some(tok) = new_token {
        body.push(html!(
            "<div class=\"notice\" role=\"status\"><p>{}</p><code id=\"new-token\">{}</code></div>",
            t(l, "token-shown-once"),
            tok
        ));
    }
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/account/password\" class=\"box\">{}{}{}<button>{}</button></form>",
        t(l, "password-change"),
        csrf_field(&ctx.session.csrf),
        field("current", &t(l, "field-current-password"), "", None, "type=\"password\" autocomplete=\"current-password\" required"),
        field("password", &t(l, "field-new-password"), "", None, "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "save")
    ));
    if ctx.session.totp_enabled {
        body.push(html!(
            "<h2>{}</h2><p>{}</p>",
            t(l, "field-totp"),
            t(l, "totp-on")
        ));
    } else {
        body.push(html!(
            "<h2>{}</h2><p>{}</p><p><a class=\"btn alt\" href=\"/account/totp\">{}</a></p>",
            t(l, "field-totp"),
            t(l, "totp-off"),
            t(l, "totp-enable")
        ));
    }
    body.push(html!(
        "<h2>{}</h2><p class=\"muted\">{}</p>",
        t(l, "tokens-title"),
        t(l, "tokens-intro")
    ));
    match crate::access::tokens(db, r.account_id).await {
        Ok(list) if !list.is_empty() => {
            body.push(html!(
                "<table><tr><th>{}</th><th>{}</th><th></th></tr>",
                t(l, "field-label"),
                t(l, "field-created")
            ));
            for tk in list {
                let action = match tk.revoked_ms {
                    Some(ms) => html!("<span class=\"muted\">{} {}</span>", t(l, "token-revoked"), html::datetime(ms)),
                    None => html!(
                        "<form method=\"post\" action=\"/account/tokens/{}/revoke\" class=\"inline\">{}<button class=\"alt\" data-confirm=\"{}\">{}</button></form>",
                        tk.id,
                        csrf_field(&ctx.session.csrf),
                        t(l, "token-revoke-confirm"),
                        t(l, "token-revoke")
                    ),
                };
                body.push(html!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    tk.label,
                    html::datetime(tk.created_ms),
                    action
                ));
            }
            body.0.push_str("</table>");
        }
        Ok(_) => body.push(html!("<p class=\"muted\">{}</p>", t(l, "tokens-none"))),
        Err(e) => return ctx.error(e),
    }
    body.push(html!(
        "<form method=\"post\" action=\"/account/tokens\" class=\"box\">{}{}<button>{}</button></form>",
        csrf_field(&ctx.session.csrf),
        field("label", &t(l, "field-label"), "", None, "required maxlength=\"80\""),
        t(l, "token-create")
    ));
    ctx.page(&t(l, "account-title"), body)
}

async fn change_password(State(db): State<Db>, ctx: Ctx, Form(f): FormMap) -> Response {
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
    let l = ctx.lang;
    // The current password is an attempt like a sign-in: counted (against the account and the
    // address) before it is checked; wrong ones can lock the account, which ends this session.
    match session::check_current_password(&db, &ctx.token, &ctx.session, fv(&f, "current"), &ctx.ip)
        .await
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
    match crate::access::set_password(
        &db,
        &ctx.actor(),
        ctx.reader().account_id,
        fv(&f, "password"),
    )
    .await
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

async fn create_token(State(db): State<Db>, ctx: Ctx, Form(f): FormMap) -> Response {
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
    match crate::access::create_token_for(
        &db,
        &ctx.actor(),
        ctx.reader().account_id,
        fv(&f, "label"),
    )
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

async fn revoke_token(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): FormMap,
) -> Response {
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match crate::access::revoke_token(&db, &ctx.actor(), ctx.reader().account_id, id).await {
        Ok(()) => {
            account_view(
                &db,
                &ctx,
                Some(t(ctx.lang, "token-revoked-ok")),
                vec![],
                None,
            )
            .await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- Administrators: accounts within their own scope. ----

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

async fn accounts_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    let l = ctx.lang;
    let after = q.get("after").map(String::as_str).unwrap_or("");
    let list = match crate::access::list_accounts(&db, &ctx.reader().scope, after, 51).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let more = list.len() > 50;
    let mut body = html!(
        "<h1>{}</h1><p class=\"actions\"><a class=\"btn\" href=\"/admin/accounts/new\">{}</a></p>\
         <table class=\"wide\"><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"opt\">{}</th></tr>",
        t(l, "accounts-title"),
        t(l, "account-new"),
        t(l, "field-username"),
        t(l, "field-display-name"),
        t(l, "field-role"),
        t(l, "field-scope"),
        t(l, "field-status")
    );
    for a in list.iter().take(50) {
        body.push(html!(
            "<tr><td><a href=\"/admin/accounts/{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"opt\">{}</td><td class=\"opt\">{}</td></tr>",
            a.id,
            crate::privacy::mask_digit_runs(&a.username).into_owned(),
            a.display_name,
            role_name(&a.role, l),
            a.scope.join(", "),
            status_text(l, a)
        ));
    }
    body.0.push_str("</table>");
    let next = if more {
        list.get(49).map(|a| a.username.clone())
    } else {
        None
    };
    body.push(next_link(l, "/admin/accounts", &[], next.as_deref()));
    ctx.page(&t(l, "accounts-title"), body)
}

fn status_text(l: Lang, a: &crate::access::AccountView) -> String {
    if a.disabled {
        t(l, "status-disabled")
    } else if a.locked_until_ms > crate::db::now_ms() {
        t(l, "status-locked")
    } else {
        t(l, "status-active")
    }
}

fn role_options(l: Lang) -> Vec<(String, String)> {
    ROLES
        .iter()
        .map(|(c, _, _)| (c.to_string(), role_name(c, l).to_owned()))
        .collect()
}

fn new_account_form(
    ctx: &Ctx,
    f: &HashMap<String, String>,
    errors: &HashMap<String, String>,
    top: Vec<String>,
) -> Response {
    let l = ctx.lang;
    let e = |k: &str| errors.get(k).map(String::as_str);
    let role = if fv(f, "role").is_empty() {
        "grid"
    } else {
        fv(f, "role")
    };
    let body = html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"/admin/accounts/new\" class=\"box\">{}{}{}{}{}{}<p class=\"muted\">{}</p><button>{}</button></form>",
        t(l, "account-new"),
        error_box(l, &top),
        csrf_field(&ctx.session.csrf),
        field("username", &t(l, "field-username"), fv(f, "username"), e("username"), "required maxlength=\"64\""),
        field("display_name", &t(l, "field-display-name"), fv(f, "display_name"), e("display_name"), "required maxlength=\"50\""),
        select("role", &t(l, "field-role"), &role_options(l), role, e("role")),
        field("scope", &t(l, "field-scope-codes"), fv(f, "scope"), e("scope"), "required"),
        field("password", &t(l, "field-initial-password"), "", e("password"), "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "scope-hint"),
        t(l, "account-create")
    );
    let status = if errors.is_empty() && top.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = ctx.page(&t(l, "account-new"), body);
    *resp.status_mut() = status;
    resp
}

async fn new_account_page(ctx: Ctx) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    new_account_form(&ctx, &HashMap::new(), &HashMap::new(), vec![])
}

async fn new_account_submit(State(db): State<Db>, ctx: Ctx, Form(f): FormMap) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
    let l = ctx.lang;
    let codes: Vec<String> = fv(&f, "scope")
        .split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    // An administrator grants only what lies within their own scope.
    for c in &codes {
        match crate::registry::areas::by_code(&db, c).await {
            Ok(Some(a)) if ctx.reader().scope.contains(&a.path) => {}
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
    let display = fv(&f, "display_name").trim();
    let display = if display.is_empty() {
        fv(&f, "username")
    } else {
        display
    };
    let na = NewAccount {
        username: fv(&f, "username"),
        display_name: display,
        role: fv(&f, "role"),
        scope_codes: &codes,
        password: Some(fv(&f, "password")),
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

async fn account_detail(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = admin_only(&ctx) {
        return r;
    }
    account_detail_view(&db, &ctx, &id, None, vec![]).await
}

async fn account_detail_view(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    ok: Option<String>,
    errors: Vec<String>,
) -> Response {
    let l = ctx.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let a = match crate::access::account(db, &ctx.reader().scope, id).await {
        Ok(a) => a,
        Err(e) => return ctx.error(e),
    };
    let csrf = &ctx.session.csrf;
    let mut body = html!(
        "<h1>{}</h1>{}{}<dl class=\"kv\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        crate::privacy::mask_digit_runs(&a.username).into_owned(),
        ok.map(|m| notice(&m)).unwrap_or_default(),
        error_box(l, &errors),
        t(l, "field-display-name"),
        a.display_name,
        t(l, "field-role"),
        role_name(&a.role, l),
        t(l, "field-scope"),
        a.scope.join(", "),
        t(l, "field-totp"),
        if a.totp_enabled { t(l, "yes") } else { t(l, "no") },
        t(l, "field-status"),
        status_text(l, &a)
    );
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/admin/accounts/{}/password\" class=\"box\">{}{}<button>{}</button></form>",
        t(l, "password-reset"),
        a.id,
        csrf_field(csrf),
        field("password", &t(l, "field-new-password"), "", None, "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "save")
    ));
    if a.id != ctx.reader().account_id {
        let (action, label) = if a.disabled {
            ("enable", "account-enable")
        } else {
            ("disable", "account-disable")
        };
        body.push(html!(
            "<form method=\"post\" action=\"/admin/accounts/{}/{}\" class=\"actions\">{}<button class=\"alt\">{}</button></form>",
            a.id,
            action,
            csrf_field(csrf),
            t(l, label)
        ));
    }
    body.push(html!(
        "<p><a href=\"/audit?user={}\">{}</a> · <a href=\"/admin/accounts\">{}</a></p>",
        html::url_enc(&a.username),
        t(l, "account-audit-link"),
        t(l, "accounts-title")
    ));
    ctx.page(&crate::privacy::mask_digit_runs(&a.username), body)
}

async fn admin_set_password(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): FormMap,
) -> Response {
    if let Err(r) = admin_only(&ctx).and_then(|_| ctx.check_csrf(fv(&f, "csrf"))) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    if let Err(e) = crate::access::account(&db, &ctx.reader().scope, n).await {
        return ctx.error(e);
    }
    match crate::access::set_password(&db, &ctx.actor(), n, fv(&f, "password")).await {
        Ok(()) => {
            account_detail_view(
                &db,
                &ctx,
                &id,
                Some(t(ctx.lang, "password-reset-ok")),
                vec![],
            )
            .await
        }
        Err(AppError::Invalid(errs)) => {
            let msgs = errs.iter().map(|e| e.render(ctx.lang)).collect();
            account_detail_view(&db, &ctx, &id, None, msgs).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn admin_disable(
    State(db): State<Db>,
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    Form(f): FormMap,
) -> Response {
    if let Err(r) = admin_only(&ctx).and_then(|_| ctx.check_csrf(fv(&f, "csrf"))) {
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
        Ok(()) => account_detail_view(&db, &ctx, &id, Some(t(ctx.lang, "saved")), vec![]).await,
        Err(e) => ctx.error(e),
    }
}

/// Turn on the second factor for one's own account (optional for all roles but administrators,
/// who enrol at sign-in).
async fn totp_enrol_page(State(db): State<Db>, ctx: Ctx) -> Response {
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
    let body = html!(
        "<h1>{}</h1>{}<p>{}</p><p class=\"box\"><span class=\"muted\">{}</span><br><code id=\"totp-secret\">{}</code><br>\
         <span class=\"muted\">{}</span><br><code>{}</code></p>\
         <form method=\"post\" action=\"/account/totp\" class=\"box\">{}{}<button>{}</button></form>",
        t(l, "totp-enable"),
        error_box(l, &err.into_iter().collect::<Vec<_>>()),
        t(l, "totp-enrol-optional"),
        t(l, "totp-secret"),
        secret,
        t(l, "totp-uri"),
        totp::otpauth_uri(&ctx.reader().username, &secret),
        csrf_field(&ctx.session.csrf),
        field("code", &t(l, "field-totp-code"), "", None, "inputmode=\"numeric\" autocomplete=\"one-time-code\" required"),
        t(l, "totp-submit")
    );
    ctx.page(&t(l, "totp-enable"), body)
}

async fn totp_enrol_submit(State(db): State<Db>, ctx: Ctx, Form(f): FormMap) -> Response {
    if let Err(r) = ctx.check_csrf(fv(&f, "csrf")) {
        return r;
    }
    match session::finish_enrolment(&db, &ctx.token, &ctx.session, fv(&f, "code"), &ctx.ip).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => {
            let m = e.message(ctx.lang);
            totp_enrol_view(&db, &ctx, Some(m)).await
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/login/totp", get(totp_page).post(totp_submit))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route(
            "/account/totp",
            get(totp_enrol_page).post(totp_enrol_submit),
        )
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/accounts", get(accounts_page))
        .route(
            "/admin/accounts/new",
            get(new_account_page).post(new_account_submit),
        )
        .route("/admin/accounts/{id}", get(account_detail))
        .route("/admin/accounts/{id}/password", post(admin_set_password))
        .route("/admin/accounts/{id}/{action}", post(admin_disable))
}
