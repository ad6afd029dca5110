//! A resident's page and "break the glass", the forms to register and correct a resident, and
//! the search within the reader's scope.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::areas::crumbs_to;
use super::residents_views::{self as views, ResidentForm, ResidentPage};
use super::{parts, writers_only};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::registry::{edit, residents};
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;

/// The resident page; `revealed` holds the full values after a reveal, `errors` a refused one.
async fn resident_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    revealed: Option<edit::Revealed>,
    errors: Vec<String>,
) -> Response {
    let r = ctx.reader();
    let scope = r.registry_scope();
    let run = async {
        let v = residents::resident(db, &scope, id).await?;
        let crumbs = crumbs_to(db, ctx, &v.area_path, (v.name.clone(), String::new())).await?;
        let sections = super::parts::resident_sections(db, ctx, &v).await?;
        Ok::<_, AppError>((v, crumbs, sections))
    };
    match run.await {
        Ok((v, crumbs, sections)) => {
            let page = ResidentPage {
                v: &v,
                crumbs,
                revealed: revealed.as_ref(),
                errors: &errors,
                can_write: r.can_write_registry(),
                actions: super::parts::resident_actions(ctx, &v),
                can_reveal: r.can_reveal(),
                csrf: &ctx.session.csrf,
                sections,
            };
            ctx.page(&v.name, views::resident(ctx.lang, &page))
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn resident_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    resident_view(&db, &ctx, id, None, vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RevealForm {
    reason: String,
}

/// "Break the glass": the page again with the full values, or with why not.
pub(super) async fn reveal(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<RevealForm>,
) -> Response {
    match edit::reveal(&db, &ctx.actor(), ctx.reader(), n, &f.reason).await {
        Ok(x) => resident_view(&db, &ctx, n, Some(x), vec![]).await,
        Err(AppError::Invalid(errs)) => {
            let msgs = errs
                .iter()
                .map(|e| e.message.get(ctx.lang).to_owned())
                .collect();
            resident_view(&db, &ctx, n, None, msgs).await
        }
        Err(e) => ctx.error(e),
    }
}

/// Tap to call (see [`edit::call_phone`] and [`parts::call_answer`]).
pub(super) async fn call(
    State(db): State<Db>,
    Id(n): Id,
    headers: axum::http::HeaderMap,
    CsrfForm(ctx, f): CsrfForm<parts::CallForm>,
) -> Response {
    let json = parts::wants_json(&headers);
    let phone = edit::call_phone(&db, &ctx.actor(), ctx.reader(), n).await;
    let mut title = String::new();
    if phone.is_ok() && !json {
        let name = residents::resident(&db, &ctx.reader().registry_scope(), n)
            .await
            .map(|r| r.name)
            .unwrap_or_default();
        title = crate::i18n::ta(
            ctx.lang,
            "call-title",
            &[("name", crate::i18n::Arg::S(name))],
        );
    }
    parts::call_answer(&ctx, json, phone, &title, &f.back)
}

/// The resident form as a page.
fn form_page(ctx: &Ctx, action: &str, title: &str, f: &ResidentForm, e: &FormErrors) -> Response {
    let title = ctx.t(title);
    let body = views::resident_form(ctx.lang, &ctx.session.csrf, action, &title, f, e);
    ctx.page(&title, body)
}

pub(super) async fn new_resident_page(State(db): State<Db>, ctx: Ctx, Id(n): Id) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    // Only for a household within scope.
    let h = match residents::household(&db, &ctx.reader().registry_scope(), n).await {
        Ok(h) => h,
        Err(e) => return ctx.error(e),
    };
    // A household without a head (a new one) gets its head first.
    let f = ResidentForm {
        relation: if h.household.head_id.is_none() {
            "head"
        } else {
            "other"
        }
        .into(),
        ..ResidentForm::default()
    };
    form_page(
        &ctx,
        &format!("/households/{n}/residents/new"),
        "resident-new",
        &f,
        &FormErrors::none(),
    )
}

pub(super) async fn new_resident_submit(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<ResidentForm>,
) -> Response {
    let r = edit::add_resident(&db, &ctx.actor(), ctx.reader(), n, &f.input()).await;
    let action = format!("/households/{n}/residents/new");
    let (ctx, f) = (&ctx, &f);
    kit::answer(
        ctx,
        r,
        |rid| format!("/residents/{rid}"),
        |errs| async move { form_page(ctx, &action, "resident-new", f, &errs) },
    )
    .await
}

pub(super) async fn edit_resident_page(State(db): State<Db>, ctx: Ctx, Id(n): Id) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    match residents::resident(&db, &ctx.reader().registry_scope(), n).await {
        Ok(v) => form_page(
            &ctx,
            &format!("/residents/{n}/edit"),
            "resident-edit-title",
            &ResidentForm::of(&v),
            &FormErrors::none(),
        ),
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn edit_resident_submit(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<ResidentForm>,
) -> Response {
    let r = edit::update_resident(&db, &ctx.actor(), ctx.reader(), n, &f.input()).await;
    let action = format!("/residents/{n}/edit");
    let (ctx, f) = (&ctx, &f);
    kit::answer(
        ctx,
        r,
        |()| format!("/residents/{n}"),
        |errs| async move { form_page(ctx, &action, "resident-edit-title", f, &errs) },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SearchQuery {
    /// A name (prefix), a full ID number or a mobile number.
    q: String,
    /// The cursor: the last resident id shown.
    after: String,
}

/// Search within the reader's scope: by name (prefix), full ID number or mobile number.
pub(super) async fn search_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Response {
    let l = ctx.lang;
    let term_q = q.q.trim();
    let after = match Some(q.after.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>())
    {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return ctx.error(AppError::NotFound),
    };
    let results = if term_q.is_empty() {
        None
    } else {
        match residents::search(&db, &ctx.reader().registry_scope(), term_q, after, 50).await {
            Ok(page) => Some(page),
            Err(e) => return ctx.error(e),
        }
    };
    ctx.page(
        &t(l, "search-title"),
        views::search(l, term_q, results.as_ref()),
    )
}
