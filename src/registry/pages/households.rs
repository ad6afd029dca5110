//! A household's page, its merge and removal, and the forms to register and correct one.

use crate::web::kit::NoFields;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::areas::crumbs_to;
use super::households_views::{self as views, HouseholdForm, HouseholdPage};
use super::views::area_href;
use super::writers_only;
use crate::db::Db;
use crate::error::{AppError, FieldError};
use crate::i18n::{t, Lang};
use crate::registry::{areas, edit, residents};
use crate::web::html::url_enc;
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;

pub(super) async fn household_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    household_view(&db, &ctx, id, None).await
}

/// The household page; `failed` holds a refused merge or removal (the number typed in and the
/// errors).
async fn household_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    failed: Option<(&str, &FormErrors)>,
) -> Response {
    let r = ctx.reader();
    let run = async {
        let d = residents::household(db, &r.registry_scope(), id).await?;
        let h = &d.household;
        let crumbs = crumbs_to(db, ctx, &h.area_path, (h.address.clone(), String::new())).await?;
        let needs = super::parts::household_sections(db, ctx, h.id).await?;
        Ok::<_, AppError>((d, crumbs, needs))
    };
    match run.await {
        Ok((detail, crumbs, needs)) => {
            let page = HouseholdPage {
                detail: &detail,
                crumbs,
                can_write: r.can_write_registry(),
                needs,
                csrf: &ctx.session.csrf,
                failed,
            };
            ctx.page(&detail.household.address, views::household(ctx.lang, &page))
        }
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MergeForm {
    /// The number of the household to merge into.
    into: String,
}

pub(super) async fn merge_household_submit(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<MergeForm>,
) -> Response {
    let typed = f.into.trim();
    let field_error = |id: &str| {
        AppError::Invalid(vec![FieldError::new(
            "into",
            t(Lang::En, id),
            t(Lang::Zh, id),
        )])
    };
    let r = match typed.parse::<i64>() {
        Ok(into) => edit::merge_households(&db, &ctx.actor(), ctx.reader(), n, into)
            .await
            .map(|()| into),
        Err(_) => Err(field_error("household-merge-not-number")),
    };
    let r = match r {
        // This household is within scope (else its page is not found either): the number
        // typed in is what was not found.
        Err(AppError::NotFound)
            if residents::household(&db, &ctx.reader().registry_scope(), n)
                .await
                .is_ok() =>
        {
            Err(field_error("household-merge-unknown"))
        }
        r => r,
    };
    let (db, ctx) = (&db, &ctx);
    kit::answer(
        ctx,
        r,
        |into| format!("/households/{into}"),
        |errs| async move { household_view(db, ctx, n, Some((typed, &errs))).await },
    )
    .await
}

pub(super) async fn remove_household_submit(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    // Where to go afterwards: the area the household hangs off.
    let area = match residents::household(&db, &ctx.reader().registry_scope(), n).await {
        Ok(d) => areas::by_id(&db, d.household.area_id).await,
        Err(e) => return ctx.error(e),
    };
    let area = match area {
        Ok(Some(a)) => a,
        Ok(None) => return ctx.error(AppError::NotFound),
        Err(e) => return ctx.error(e),
    };
    let r = edit::remove_household(&db, &ctx.actor(), ctx.reader(), n).await;
    let (db, ctx) = (&db, &ctx);
    kit::answer(
        ctx,
        r,
        |()| area_href(&area.code),
        |errs| async move { household_view(db, ctx, n, Some(("", &errs))).await },
    )
    .await
}

/// The household form as a page.
fn form_page(ctx: &Ctx, action: &str, title: &str, f: &HouseholdForm, e: &FormErrors) -> Response {
    let title = ctx.t(title);
    let body = views::household_form(ctx.lang, &ctx.session.csrf, action, &title, f, e);
    ctx.page(&title, body)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AreaQuery {
    /// The code of the area to register the household at.
    area: String,
}

fn new_action(area: &str) -> String {
    format!("/households/new?area={}", url_enc(area))
}

pub(super) async fn new_household_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<AreaQuery>,
) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    if let Err(e) = areas::scoped(&db, &q.area, &ctx.reader().registry_scope()).await {
        return ctx.error(e);
    }
    form_page(
        &ctx,
        &new_action(&q.area),
        "household-new",
        &HouseholdForm::default(),
        &FormErrors::none(),
    )
}

pub(super) async fn new_household_submit(
    State(db): State<Db>,
    Query(q): Query<AreaQuery>,
    CsrfForm(ctx, f): CsrfForm<HouseholdForm>,
) -> Response {
    let r = edit::create_household(
        &db,
        &ctx.actor(),
        ctx.reader(),
        &q.area,
        &f.address,
        Some(&f.kind),
    )
    .await;
    let (ctx, f) = (&ctx, &f);
    let action = new_action(&q.area);
    kit::answer(
        ctx,
        r,
        |id| format!("/households/{id}"),
        |errs| async move { form_page(ctx, &action, "household-new", f, &errs) },
    )
    .await
}

pub(super) async fn edit_household_page(State(db): State<Db>, ctx: Ctx, Id(n): Id) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    match residents::household(&db, &ctx.reader().registry_scope(), n).await {
        Ok(d) => {
            let f = HouseholdForm {
                address: d.household.address,
                kind: d.household.kind,
            };
            let action = format!("/households/{n}/edit");
            form_page(&ctx, &action, "household-edit", &f, &FormErrors::none())
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) async fn edit_household_submit(
    State(db): State<Db>,
    Id(n): Id,
    CsrfForm(ctx, f): CsrfForm<HouseholdForm>,
) -> Response {
    let r = edit::update_household(
        &db,
        &ctx.actor(),
        ctx.reader(),
        n,
        &f.address,
        Some(&f.kind),
    )
    .await;
    let action = format!("/households/{n}/edit");
    let (ctx, f) = (&ctx, &f);
    kit::answer(
        ctx,
        r,
        |()| format!("/households/{n}"),
        |errs| async move { form_page(ctx, &action, "household-edit", f, &errs) },
    )
    .await
}
