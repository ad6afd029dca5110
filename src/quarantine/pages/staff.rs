//! The staff's health follow-up pages: the worklist (grid workers, contact persons), a check's
//! form, the overview of an area, an order with its forms and printable notices, the order
//! form, and the pairings.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::views::{self, tr, NoticeFacts, OrderView};
use crate::access::Scope;
use crate::args;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::quarantine::checks::{self, Input};
use crate::quarantine::orders::{self, EndChange, Ending, NewOrder};
use crate::quarantine::pairings::{self, LogInput};
use crate::quarantine::{self as q, day_of, figures, worklist};
use crate::registry::pages::parts::wants_json;
use crate::web::html::Markup;
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    pub done: String,
    pub area: String,
    pub page: String,
    pub q: String,
    pub resident: String,
    pub household: String,
    /// A checkpoint referral (`/followup/referred`) to make the order from.
    pub entry: String,
    /// The worklist's page: after this check of the walk.
    pub after: String,
}

fn show(ctx: &Ctx, title: &str, r: AppResult<Markup>) -> Response {
    match r {
        Ok(body) => ctx.page(title, body),
        Err(e) => ctx.error(e),
    }
}

/// The worklist: grid workers, officers who check, and contact persons (their paired
/// households only).
pub async fn today_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let now = now_ms();
    let r = ctx.reader();
    let run = async {
        let w = worklist::page(&db, r, now, &qs.after).await?;
        Ok(views::worklist(
            l,
            &ctx.session.csrf,
            &w,
            now,
            qs.done.trim(),
            r.can_call(),
        ))
    };
    show(&ctx, &t(l, "nav-worklist"), run.await)
}

/// The open referrals of the reader's area (the medic's first page; officers too).
pub async fn referrals_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let run = async {
        let list = checks::open_referrals(&db, ctx.reader(), 500).await?;
        Ok(views::referrals(
            l,
            &ctx.session.csrf,
            &list,
            qs.done.trim(),
        ))
    };
    show(&ctx, &t(l, "nav-referrals"), run.await)
}

/// Tap to call the person of a referral or an escalation (the medic from the referrals page):
/// the phone whole, audited; JSON for the page's script, else a small page with the link.
pub async fn task_call(
    State(db): State<Db>,
    crate::web::kit::Id(id): crate::web::kit::Id,
    headers: axum::http::HeaderMap,
    crate::web::kit::CsrfForm(ctx, f): crate::web::kit::CsrfForm<
        crate::registry::pages::parts::CallForm,
    >,
) -> Response {
    use crate::registry::pages::parts;
    let json = parts::wants_json(&headers);
    let phone = checks::task_phone(&db, &ctx.actor(), ctx.reader(), id).await;
    let title = tr(ctx.lang, "Call", "拨打电话");
    parts::call_answer(&ctx, json, phone, title, &f.back)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckForm {
    pub outcome: String,
    pub temperature: String,
    pub symptoms: Vec<String>,
    pub note: String,
    pub reason: String,
    pub client_id: String,
    pub back: String,
}

async fn check_context(db: &Db, c: &checks::Check) -> AppResult<(String, String)> {
    // A visitor's check (negated visitor id): the masked label and where they stay.
    let (name_sql, address_sql, subject) = if c.resident_id < 0 {
        (
            "SELECT label FROM quarantine_visitors WHERE id = $1",
            "SELECT stay FROM quarantine_visitors WHERE id = $1",
            -c.resident_id,
        )
    } else {
        (
            "SELECT name FROM residents WHERE id = $1",
            "SELECT address FROM households WHERE id = $1",
            c.resident_id,
        )
    };
    let name = db
        .scalar_opt::<String>(name_sql, args![subject])
        .await?
        .unwrap_or_default();
    let household = if c.resident_id < 0 {
        subject
    } else {
        c.household_id
    };
    let address = db
        .scalar_opt::<String>(address_sql, args![household])
        .await?
        .unwrap_or_default();
    Ok((name, address))
}

async fn check_view(db: &Db, ctx: &Ctx, id: i64, errors: &FormErrors) -> AppResult<Markup> {
    let c = checks::fetch(db, id).await?;
    // Who may record it may see it.
    checks::by_for(db, ctx.reader(), c.household_id, &c.path).await?;
    let (name, address) = check_context(db, &c).await?;
    Ok(views::check_form(
        ctx.lang,
        &ctx.session.csrf,
        &c,
        &name,
        &address,
        now_ms(),
        errors,
        "/followup/today",
    ))
}

pub async fn check_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let l = ctx.lang;
    let r = check_view(&db, &ctx, id, &FormErrors::none()).await;
    show(&ctx, tr(l, "Health check", "健康监测"), r)
}

/// Record a check. With `Accept: application/json` (the worklist's script) the answer is JSON
/// and the page stays where it is; otherwise a 303 back to the worklist at the row.
pub async fn check_post(
    State(db): State<Db>,
    headers: HeaderMap,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<CheckForm>,
) -> Response {
    let input = Input {
        outcome: f.outcome.clone(),
        temperature: f.temperature.clone(),
        symptoms: f.symptoms.clone(),
        note: f.note.clone(),
        reason: f.reason.clone(),
        client_id: f.client_id.clone(),
    };
    let result = checks::record(&db, &ctx.actor(), ctx.reader(), id, &input, now_ms()).await;
    if wants_json(&headers) {
        return match result {
            Ok(r) => axum::Json(r).into_response(),
            Err(e) => crate::web::ApiError(e, ctx.lang).into_response(),
        };
    }
    let l = ctx.lang;
    let (ctx, db) = (&ctx, &db);
    kit::answer(
        ctx,
        result,
        |r| format!("/followup/today?done={}#c-{}", r.status, r.check_id),
        |errs| async move {
            show(
                ctx,
                tr(l, "Health check", "健康监测"),
                check_view(db, ctx, id, &errs).await,
            )
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    pub note: String,
}

pub async fn task_close(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<NoteForm>,
) -> Response {
    match checks::close_task(&db, &ctx.actor(), ctx.reader(), id, &f.note, now_ms()).await {
        Ok(()) if q::is_medic(ctx.reader()) => {
            Redirect::to("/followup/referrals?done=task").into_response()
        }
        Ok(()) => Redirect::to("/followup/today?done=task").into_response(),
        Err(e) => ctx.error(e),
    }
}

/// A contact log from the worklist; "needs found" goes on to the needs form for the household.
pub async fn contact_post(
    State(db): State<Db>,
    Id(household): Id,
    CsrfForm(ctx, f): CsrfForm<LogInput>,
) -> Response {
    match pairings::log_contact(&db, &ctx.actor(), ctx.reader(), household, &f, now_ms()).await {
        Ok(_) if f.outcome.trim() == "needs" => {
            Redirect::to(&format!("/needs/new?household={household}")).into_response()
        }
        Ok(_) => Redirect::to("/followup/today?done=contact").into_response(),
        Err(e) => ctx.error(e),
    }
}

/// The overview of an area: figures of the day and the people under quarantine.
pub async fn overview_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        q::require_read(r)?;
        checks::ensure_today(&db, now).await?;
        let area = q::area_in_scope(&db, r, &qs.area).await?;
        let day = day_of(now);
        let f = figures::of(&db, r, &area.path, day, 3).await?;
        let byc = figures::by_contact(&db, r, &area.path, day).await?;
        let page = qs.page.trim().parse::<i64>().unwrap_or(1).max(1);
        let (list, total) = orders::list(&db, r, &area.path, true, 50, (page - 1) * 50).await?;
        let pages = (total + 49) / 50;
        Ok(views::overview(
            l,
            &area.name,
            &area.code,
            &f,
            &list,
            page,
            pages.max(1),
            q::can_order(r),
            q::can_order(r) || q::can_check(r),
            qs.done.trim(),
            &byc,
        ))
    };
    show(&ctx, &t(l, "nav-followup"), run.await)
}

async fn order_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    errors: &FormErrors,
) -> AppResult<Markup> {
    let r = ctx.reader();
    let now = now_ms();
    checks::ensure_today(db, now).await?;
    let o = orders::get(db, r, id).await?;
    let tests = orders::tests(db, &o).await?;
    let blockers = if o.is_active() {
        orders::release_blockers(&o, &tests, day_of(now))
    } else {
        vec![]
    };
    let changes = orders::changes(db, id).await?;
    let cs = checks::of_order(db, id, 60).await?;
    let tasks = checks::tasks_of_order(db, id).await?;
    let mut logins: Vec<&str> = changes.iter().map(|c| c.actor.as_str()).collect();
    logins.extend(cs.iter().filter_map(|c| c.by_login.as_deref()));
    let names = crate::access::display_names(db, &logins).await?;
    Ok(views::order(
        ctx.lang,
        &OrderView {
            o: &o,
            tests: &tests,
            changes: &changes,
            checks: &cs,
            tasks: &tasks,
            blockers: &blockers,
            today: day_of(now),
            now,
            can_order: q::can_order(r),
            csrf: &ctx.session.csrf,
            done,
            errors,
            names: &names,
        },
    ))
}

pub async fn order_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<Done>,
) -> Response {
    let l = ctx.lang;
    let r = order_view(&db, &ctx, id, qs.done.trim(), &FormErrors::none()).await;
    show(&ctx, tr(l, "Quarantine order", "隔离单"), r)
}

pub async fn change_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<EndChange>,
) -> Response {
    let result = orders::change_end(&db, &ctx.actor(), ctx.reader(), id, &f, now_ms()).await;
    order_answer(&db, &ctx, id, result).await
}

pub async fn end_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<Ending>,
) -> Response {
    let result = orders::end(&db, &ctx.actor(), ctx.reader(), id, &f, now_ms()).await;
    order_answer(&db, &ctx, id, result).await
}

async fn order_answer(db: &Db, ctx: &Ctx, id: i64, result: AppResult<()>) -> Response {
    let l = ctx.lang;
    kit::answer(
        ctx,
        result,
        |_| format!("/followup/orders/{id}?done=saved"),
        |errs| async move {
            show(
                ctx,
                tr(l, "Quarantine order", "隔离单"),
                order_view(db, ctx, id, "", &errs).await,
            )
        },
    )
    .await
}

/// The community an order lies in: its name and the phone of its office (the first community
/// officer's account has none: the registry keeps no office phones, so the community's
/// hotline is read from the settings when set).
async fn community_of(db: &Db, path: &str) -> AppResult<(String, String)> {
    let c = path.get(..12).unwrap_or(path);
    let name = db
        .scalar_opt::<String>("SELECT official_name FROM areas WHERE path = $1", args![c])
        .await?
        .unwrap_or_default();
    let phone = db
        .scalar_opt::<String>(
            "SELECT value FROM settings WHERE key = $1",
            args![format!("hotline:{c}")],
        )
        .await?
        .unwrap_or_default();
    Ok((name, phone))
}

pub async fn notice_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let l = ctx.lang;
    let run = async {
        let o = orders::get(&db, ctx.reader(), id).await?;
        let (community, phone) = community_of(&db, &o.path).await?;
        // The grid worker of the household's grid: the first grid account scoped to it.
        let grid_phone = db
            .scalar_opt::<String>(
                "SELECT s.value FROM settings s WHERE s.key = $1",
                args![format!(
                    "hotline:{}",
                    o.path.split('/').take(2).collect::<Vec<_>>().join("/")
                )],
            )
            .await?
            .unwrap_or_else(|| phone.clone());
        let na = tr(l, "(ask the community)", "（请咨询社区）");
        Ok(views::start_notice(
            l,
            &NoticeFacts {
                o: &o,
                grid_phone: if grid_phone.is_empty() {
                    na
                } else {
                    &grid_phone
                },
                community: &community,
                community_phone: if phone.is_empty() { na } else { &phone },
            },
        ))
    };
    show(&ctx, tr(l, "Notice of quarantine", "隔离告知书"), run.await)
}

pub async fn release_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let l = ctx.lang;
    let run = async {
        let o = orders::get(&db, ctx.reader(), id).await?;
        if o.end_reason.as_deref() != Some("released") {
            return Err(AppError::NotFound);
        }
        let (community, _) = community_of(&db, &o.path).await?;
        Ok(views::release_notice(l, &o, &community))
    };
    show(&ctx, tr(l, "Release notice", "解除通知单"), run.await)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OrderForm {
    pub resident: String,
    pub household: String,
    pub entry: String,
    #[serde(flatten)]
    pub f: NewOrder,
}

async fn target(
    db: &Db,
    ctx: &Ctx,
    resident: &str,
    household: &str,
    entry: &str,
) -> AppResult<(String, (&'static str, i64))> {
    let scope: Scope = ctx.reader().registry_scope();
    let l = ctx.lang;
    if let Ok(id) = entry.trim().parse::<i64>() {
        let x = crate::checkpoints::referrals::referral(db, &scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let who = if x.resident_id.is_some() {
            tr(l, "resident", "居民")
        } else {
            tr(l, "visitor", "访客")
        };
        return Ok((
            format!(
                "{} · {} · {} {}",
                crate::privacy::mask_name(&x.name),
                who,
                tr(l, "referred at", "转介卡口"),
                x.place
            ),
            ("entry", id),
        ));
    }
    if let Ok(id) = resident.trim().parse::<i64>() {
        let v = crate::registry::residents::resident(db, &scope, id).await?;
        return Ok((
            format!("{} · {}", v.name, v.doc_number_masked),
            ("resident", id),
        ));
    }
    if let Ok(id) = household.trim().parse::<i64>() {
        let address = db
            .scalar_opt::<String>("SELECT path FROM households WHERE id = $1", args![id])
            .await?
            .filter(|p| scope.contains(p))
            .ok_or(AppError::NotFound)?;
        let _ = address;
        let addr: String = db
            .scalar("SELECT address FROM households WHERE id = $1", args![id])
            .await?;
        return Ok((
            format!("{} · {}", tr(l, "the whole household", "全户"), addr),
            ("household", id),
        ));
    }
    Err(AppError::NotFound)
}

pub async fn new_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let run = async {
        q::require_order(ctx.reader())?;
        if qs.resident.is_empty() && qs.household.is_empty() && qs.entry.is_empty() {
            let hits = if qs.q.trim().is_empty() {
                vec![]
            } else {
                crate::registry::residents::search(
                    &db,
                    &ctx.reader().registry_scope(),
                    &qs.q,
                    None,
                    20,
                )
                .await?
                .items
            };
            return Ok(views::pick(l, &qs.q, &hits));
        }
        let (who, field) = target(&db, &ctx, &qs.resident, &qs.household, &qs.entry).await?;
        let rules = orders::rules(&db).await?;
        let f = NewOrder {
            kind: "home".into(),
            reason: if qs.entry.is_empty() {
                String::new()
            } else {
                "checkpoint".into()
            },
            rule: rules.first().map(|r| r.code.clone()).unwrap_or_default(),
            ..Default::default()
        };
        Ok(views::new_order(
            l,
            &ctx.session.csrf,
            &who,
            field,
            &rules,
            &f,
            &FormErrors::none(),
            day_of(now_ms()),
        ))
    };
    show(&ctx, tr(l, "New order", "新增隔离"), run.await)
}

pub async fn new_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<OrderForm>) -> Response {
    let l = ctx.lang;
    let now = now_ms();
    let (ctx, db, f) = (&ctx, &db, &f);
    let result = async {
        if let Ok(id) = f.resident.trim().parse::<i64>() {
            orders::create(db, &ctx.actor(), ctx.reader(), id, &f.f, now).await
        } else if let Ok(id) = f.household.trim().parse::<i64>() {
            orders::create_household(db, &ctx.actor(), ctx.reader(), id, &f.f, now).await
        } else if let Ok(id) = f.entry.trim().parse::<i64>() {
            crate::quarantine::visitors::order(db, &ctx.actor(), ctx.reader(), id, &f.f, now)
                .await
                .map(|o| orders::Made {
                    ids: vec![o.order_id],
                    replayed: o.replayed,
                })
        } else {
            Err(AppError::NotFound)
        }
    }
    .await;
    kit::answer(
        ctx,
        result,
        |m| match m.ids.as_slice() {
            [one] => format!("/followup/orders/{one}?done=ordered"),
            _ => "/followup?done=ordered".into(),
        },
        |errs| async move {
            let run = async {
                let (who, field) = target(db, ctx, &f.resident, &f.household, &f.entry).await?;
                let rules = orders::rules(db).await?;
                Ok(views::new_order(
                    l,
                    &ctx.session.csrf,
                    &who,
                    field,
                    &rules,
                    &f.f,
                    &errs,
                    day_of(now),
                ))
            };
            show(ctx, tr(l, "New order", "新增隔离"), run.await)
        },
    )
    .await
}

struct GridName {
    code: String,
    name: String,
}
crate::from_row!(GridName { code, name });

async fn pairings_view(
    db: &Db,
    ctx: &Ctx,
    code: &str,
    done: &str,
    errors: &FormErrors,
) -> AppResult<Markup> {
    let r = ctx.reader();
    let area = q::area_in_scope(db, r, code).await?;
    let end = crate::db::path_end(&area.path);
    let grids: Vec<(String, String)> = db
        .query_as::<GridName>(
            "SELECT code, name FROM areas WHERE level = 6 AND path >= $1 AND path < $2 ORDER BY path LIMIT 300",
            args![area.path.as_str(), end.as_str()],
        )
        .await?
        .into_iter()
        .map(|g| (g.code, g.name))
        .collect();
    let grids = if grids.is_empty() {
        vec![(area.code.clone(), area.name.clone())]
    } else {
        grids
    };
    let candidates = pairings::candidates(db, r, &area.path).await?;
    let list = pairings::under(db, r, &area.path, 2000).await?;
    Ok(views::pairings(
        ctx.lang,
        &ctx.session.csrf,
        &area.name,
        &area.code,
        &grids,
        &candidates,
        &list,
        q::can_pair(r),
        done,
        errors,
    ))
}

pub async fn pairings_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let r = pairings_view(&db, &ctx, &qs.area, qs.done.trim(), &FormErrors::none()).await;
    show(&ctx, tr(l, "Pairings", "分包联户"), r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PairForm {
    pub area: String,
    pub account: String,
    pub limit: String,
    pub back: String,
}

pub async fn pairings_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<PairForm>) -> Response {
    let l = ctx.lang;
    let (ctx, db, f) = (&ctx, &db, &f);
    let result = async {
        let mut c = kit::Check::default();
        let account = c.int("account", &f.account);
        let limit = c.opt_int("limit", &f.limit).unwrap_or(0);
        c.finish()?;
        let area = crate::registry::areas::by_code(db, f.area.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        pairings::pair_area(
            db,
            &ctx.actor(),
            ctx.reader(),
            &area.path,
            account.unwrap_or(0),
            limit,
            now_ms(),
        )
        .await
    }
    .await;
    kit::answer(
        ctx,
        result,
        |n| format!("/followup/pairings?area={}&done={n}", f.back.trim()),
        |errs| async move {
            show(
                ctx,
                tr(l, "Pairings", "分包联户"),
                pairings_view(db, ctx, &f.back, "", &errs).await,
            )
        },
    )
    .await
}
