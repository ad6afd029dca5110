//! The staff's needs pages: the queue of an area (most urgent and oldest first, late ones
//! escalated to the reader on top), a need with its history and the dispatch forms, the intake
//! form, a household's door plate, the figures and the deadlines.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::forms::{
    action_labels, deadline_labels, need_labels, refused_form, ActForm, Back, DeadlinesForm,
    DoneQuery, FiguresQuery, HouseholdQuery, ItemForm, NeedForm, QueueQuery,
};
use super::staff_views::{self as views, NeedView, NewView, QueueView};
use super::views::{client_id, history_logins, PAGE};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::mobilization::visits::Visit;
use crate::needs::deadlines::Deadlines;
use crate::needs::figures;
use crate::needs::flow::{self, Action, QueueFilter, Who};
use crate::needs::{can_dispatch, intake, level_of_role};
use crate::registry::areas::scope_choices;
use crate::registry::pages::parts::{call_answer, wants_json, CallForm};
use crate::web::html::qr_svg;
use crate::web::html::Markup;
use crate::web::kit::NoFields;
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::origin;
use crate::web::pages::Ctx;

/// A page, or the error page.
fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

fn need_href(id: i64, done: &str) -> String {
    format!("/needs/{id}?done={done}")
}

// ---- The queue ----

pub(super) async fn queue_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<QueueQuery>,
) -> Response {
    let qs = qs.trimmed();
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        crate::needs::require_read(r)?;
        let area = crate::needs::area_in_scope(&db, r, &qs.area).await?;
        let d = Deadlines::load(&db).await?;
        let page = qs.page.parse::<i64>().unwrap_or(1).max(1);
        // `late=1`: only the needs escalated to the reader's level.
        let my_level = level_of_role(&r.role);
        let late_only = qs.late == "1";
        let filter = QueueFilter {
            status: Some(qs.status.clone()).filter(|s| !s.is_empty()),
            category: Some(qs.category.clone()).filter(|s| !s.is_empty()),
            urgency: qs.urgency.parse().ok(),
            escalated: my_level.filter(|_| late_only),
            limit: PAGE,
            offset: (page - 1) * PAGE,
        };
        let (list, total) = flow::queue(&db, r, &area.path, &filter).await?;
        let counts = flow::open_counts(&db, r, &area.path).await?;
        let late = match my_level.filter(|_| !late_only) {
            Some(level) => {
                let f = QueueFilter {
                    escalated: Some(level),
                    limit: 5,
                    ..QueueFilter::default()
                };
                Some(flow::queue(&db, r, &area.path, &f).await?)
            }
            None => None,
        };
        let choices = scope_choices(&db, &r.registry_scope()).await?;
        let v = QueueView {
            reader: r,
            area: &area,
            q: &qs,
            page,
            late_only,
            list: &list,
            total,
            counts: &counts,
            late,
            choices: &choices,
            d: &d,
            now,
        };
        Ok((t(l, "need-title"), views::queue(l, &v)))
    };
    show(&ctx, run.await)
}

// ---- One need ----

pub(super) async fn need_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<DoneQuery>,
) -> Response {
    let r = need_view(&db, &ctx, id, qs.done.trim(), None, None).await;
    show(&ctx, r)
}

async fn need_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    act: Option<&Back<'_, ActForm>>,
    item: Option<&Back<'_, ItemForm>>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let n = crate::needs::get(db, r, id).await?;
    let d = Deadlines::load(db).await?;
    let dispatch = can_dispatch(r);
    let choices = if dispatch && matches!(n.status.as_str(), "new" | "assigned" | "claimed") {
        Some(crate::needs::dispatch_choices(db, r, &n).await?)
    } else {
        None
    };
    let items = crate::needs::items(db, n.id).await?;
    let steps = crate::needs::history(db, n.id).await?;
    let names = history_names(db, &items, &steps).await?;
    let v = NeedView {
        n: &n,
        d: &d,
        now,
        done,
        csrf: &ctx.session.csrf,
        dispatch,
        choices: choices.as_ref(),
        items: &items,
        steps: &steps,
        names: &names,
        can_call: r.can_call(),
        act,
        item,
    };
    Ok((
        format!("#{} {}", n.id, n.category_label(l)),
        views::need(l, &v),
    ))
}

/// People's names for the login names a need's history mentions.
pub(super) async fn history_names(
    db: &Db,
    items: &[crate::needs::Item],
    steps: &[crate::needs::Step],
) -> AppResult<HashMap<String, String>> {
    crate::access::display_names(db, &history_logins(items, steps)).await
}

/// Tap to call a need's number (see [`flow::call_phone`] and the registry's `call_answer`).
pub(super) async fn call_post(
    State(db): State<Db>,
    Id(id): Id,
    headers: HeaderMap,
    CsrfForm(ctx, f): CsrfForm<CallForm>,
) -> Response {
    let phone = flow::call_phone(&db, &ctx.actor(), ctx.reader(), id, now_ms()).await;
    let title = t(ctx.lang, "need-call-title");
    call_answer(&ctx, wants_json(&headers), phone, &title, &f.back)
}

/// Take the action a posted form asks for (with the version the form carries); its kind.
pub(super) async fn act_of_form(
    db: &Db,
    actor: &crate::audit::Actor,
    who: &Who<'_>,
    id: i64,
    f: &ActForm,
    allowed: fn(&Action) -> bool,
) -> AppResult<&'static str> {
    let action = f.action()?;
    if !allowed(&action) {
        return Err(AppError::NotFound);
    }
    flow::act(db, actor, who, id, &action, f.seen(), now_ms()).await?;
    Ok(action.kind())
}

/// Record the item a posted item form describes.
pub(super) async fn item_of_form(
    db: &Db,
    actor: &crate::audit::Actor,
    who: &Who<'_>,
    id: i64,
    f: &ItemForm,
) -> AppResult<()> {
    flow::add_item(
        db,
        actor,
        who,
        id,
        &f.kind,
        &f.description,
        &f.quantity,
        now_ms(),
    )
    .await
}

/// The errors of a form that came back, named by its fields' labels.
pub(super) fn back<'a, F>(
    l: Lang,
    form: &'static str,
    target: i64,
    f: &'a F,
    errs: FormErrors,
    labels: &[(&str, String)],
) -> Back<'a, F> {
    Back {
        form,
        target,
        f,
        errs: errs.labelled(l, labels),
    }
}

pub(super) async fn act_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ActForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let who = Who::Staff(ctx.reader());
    let result = act_of_form(db, &ctx.actor(), &who, id, f, |_| true).await;
    let form = refused_form(&result, f);
    kit::answer(
        ctx,
        result,
        |kind| need_href(id, kind),
        move |errs| async move {
            let b = back(ctx.lang, form, 0, f, errs, &action_labels(ctx.lang));
            show(ctx, need_view(db, ctx, id, "", Some(&b), None).await)
        },
    )
    .await
}

pub(super) async fn item_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ItemForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let who = Who::Staff(ctx.reader());
    match item_of_form(db, &ctx.actor(), &who, id, f).await {
        // Only field errors come back to the form.
        Err(e @ AppError::Conflict(_)) => ctx.error(e),
        result => {
            kit::answer(
                ctx,
                result,
                |()| need_href(id, "item"),
                move |errs| async move {
                    let b = back(ctx.lang, "item", 0, f, errs, &action_labels(ctx.lang));
                    show(ctx, need_view(db, ctx, id, "", None, Some(&b)).await)
                },
            )
            .await
        }
    }
}

/// On the registry's household page: the household's needs, and the links to register one
/// and to print its door plate.
pub async fn household_section(db: &Db, ctx: &Ctx, household: i64) -> AppResult<Markup> {
    let r = ctx.reader();
    if !crate::needs::can_read(r) {
        return Ok(Markup::default());
    }
    let now = now_ms();
    let list = intake::household_needs(db, household, now).await?;
    let d = if list.is_empty() {
        None
    } else {
        Some(Deadlines::load(db).await?)
    };
    Ok(views::household_section(
        ctx.lang,
        r,
        household,
        &list,
        d.as_ref(),
        now,
    ))
}

// ---- Intake by staff ----

pub(super) async fn new_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HouseholdQuery>,
) -> Response {
    let r = async {
        match qs.visit.trim() {
            "" => new_view(&db, &ctx, qs.household.trim(), None, None).await,
            v => {
                // From a care visit: its household, the needs it found as the description,
                // the person visited as the one it is for.
                let vid: i64 = v.parse().map_err(|_| AppError::NotFound)?;
                let (visit, hid) = intake::visit_household(&db, ctx.reader(), vid).await?;
                let earlier = intake::needs_from_visit(&db, visit.id).await?;
                let f = NeedForm {
                    client_id: client_id(),
                    description: visit.needs.clone(),
                    resident: visit.resident.to_string(),
                    source: "visit".into(),
                    visit: visit.id.to_string(),
                    ..NeedForm::default()
                };
                let b = Back {
                    form: "need",
                    target: 0,
                    f: &f,
                    errs: FormErrors::none(),
                };
                new_view(
                    &db,
                    &ctx,
                    &hid.to_string(),
                    Some(&b),
                    Some((&visit, &earlier)),
                )
                .await
            }
        }
    };
    show(&ctx, r.await)
}

async fn new_view(
    db: &Db,
    ctx: &Ctx,
    household: &str,
    back: Option<&Back<'_, NeedForm>>,
    visit: Option<(&Visit, &[i64])>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let r = ctx.reader();
    crate::needs::require_intake(r)?;
    if household.is_empty() {
        return Ok((t(l, "need-new"), views::new_how(l)));
    }
    let hid: i64 = household.parse().map_err(|_| AppError::NotFound)?;
    let hh = crate::registry::residents::household(db, &r.registry_scope(), hid).await?;
    let members: Vec<(String, String)> = hh
        .residents
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    let tags = crate::needs::household_tags(db, &[hid])
        .await?
        .get(&hid)
        .copied()
        .unwrap_or(0);
    let v = NewView {
        household: hid,
        address: &hh.household.address,
        tags,
        members: &members,
        csrf: &ctx.session.csrf,
        source: if r.role == "grid" { "grid" } else { "hotline" },
        client_id: &client_id(),
        back,
        visit,
    };
    Ok((t(l, "need-new"), views::new_need(l, &v)))
}

pub(super) async fn new_post(
    State(db): State<Db>,
    Query(qs): Query<HouseholdQuery>,
    CsrfForm(ctx, f): CsrfForm<NeedForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let household = qs.household.trim();
    let result = match household.parse::<i64>() {
        Ok(hid) => {
            let (actor, r) = (ctx.actor(), ctx.reader());
            intake::create(db, &actor, r, hid, &f.new_need(), now_ms()).await
        }
        Err(_) => Err(AppError::NotFound),
    };
    kit::answer(
        ctx,
        result,
        |c| {
            need_href(
                c.id,
                if c.duplicate_of.is_some() {
                    "dup"
                } else {
                    "created"
                },
            )
        },
        move |errs| async move {
            let b = back(ctx.lang, "need", 0, f, errs, &need_labels(ctx.lang));
            let visit = match f.visit.trim().parse::<i64>() {
                Ok(v) => intake::visit_household(db, ctx.reader(), v).await.ok(),
                Err(_) => None,
            };
            let visit = visit.map(|(v, _)| v);
            let none: &[i64] = &[];
            let visit = visit.as_ref().map(|v| (v, none));
            show(ctx, new_view(db, ctx, household, Some(&b), visit).await)
        },
    )
    .await
}

// ---- A household's door plate ----

pub(super) async fn plate_page(
    State(db): State<Db>,
    ctx: Ctx,
    headers: HeaderMap,
    Id(hid): Id,
    Query(qs): Query<DoneQuery>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let token = intake::link_token(&db, r, hid).await?;
        let hh = crate::registry::residents::household(&db, &r.registry_scope(), hid).await?;
        let url = format!("{}/h/{token}", origin(&headers));
        let body = views::plate(
            l,
            hid,
            &hh.household.address,
            &url,
            qr_svg(&url),
            qs.done.trim() == "renewed",
            can_dispatch(r).then_some(ctx.session.csrf.as_str()),
            crate::needs::can_intake(r),
        );
        Ok((t(l, "need-plate"), body))
    };
    show(&ctx, run.await)
}

pub(super) async fn plate_renew(
    State(db): State<Db>,
    Id(hid): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    match intake::renew_link(&db, &ctx.actor(), ctx.reader(), hid).await {
        Ok(()) => Redirect::to(&format!("/households/{hid}/plate?done=renewed")).into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---- Figures ----

pub(super) async fn figures_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<FiguresQuery>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        crate::needs::require_read(r)?;
        let area = crate::needs::area_in_scope(&db, r, qs.area.trim()).await?;
        let p = figures::period(qs.from.trim(), qs.to.trim(), now)?;
        let rep = figures::report(&db, r, &area.path, p.from_ms, p.to_ms, now).await?;
        let choices = scope_choices(&db, &r.registry_scope()).await?;
        Ok((
            t(l, "need-figures"),
            views::figures(l, &area, &p, &rep, &choices),
        ))
    };
    show(&ctx, run.await)
}

// ---- Deadlines ----

fn require_hq(ctx: &Ctx) -> AppResult<()> {
    if matches!(ctx.reader().role.as_str(), "admin" | "hq") {
        Ok(())
    } else {
        Err(AppError::Forbidden(crate::i18n::Msg::new(
            "deadlines are set by headquarters",
            "处置时限由指挥部设置",
        )))
    }
}

pub(super) async fn deadlines_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<DoneQuery>,
) -> Response {
    let r = deadlines_view(&db, &ctx, qs.done.trim() == "saved", None).await;
    show(&ctx, r)
}

async fn deadlines_view(
    db: &Db,
    ctx: &Ctx,
    saved: bool,
    back: Option<&Back<'_, DeadlinesForm>>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let d = Deadlines::load(db).await?;
    let editable = require_hq(ctx).is_ok();
    let body = views::deadlines(l, &d, saved, editable, &ctx.session.csrf, back);
    Ok((t(l, "need-deadlines"), body))
}

pub(super) async fn deadlines_post(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<DeadlinesForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let run = async {
        require_hq(ctx)?;
        let own = |v: [&str; 4]| v.map(str::to_owned);
        let d = Deadlines::parse(&own(f.contact()), &own(f.complete()))?;
        d.save(db, &ctx.actor()).await
    };
    match run.await {
        // Only field errors come back to the form.
        Err(e @ AppError::Conflict(_)) => ctx.error(e),
        result => {
            kit::answer(
                ctx,
                result,
                |()| "/needs/deadlines?done=saved".to_owned(),
                move |errs| async move {
                    let b = back(
                        ctx.lang,
                        "deadlines",
                        0,
                        f,
                        errs,
                        &deadline_labels(ctx.lang),
                    );
                    show(ctx, deadlines_view(db, ctx, false, Some(&b)).await)
                },
            )
            .await
        }
    }
}
