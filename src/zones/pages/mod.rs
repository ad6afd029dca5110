//! The zones pages: an area's zones (`/zones?area=`: in force, its children with theirs, the
//! history, paged), the declaration form (`/zones/new?area=` or `?household=`), a zone with its
//! changes and the extend and lift forms (`/zones/{id}`), the figures by area
//! (`/zones/figures`), and the zone part of a household's page.

pub mod area_part;
pub mod forms;
pub mod household_part;
pub mod views;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use self::forms::{AreaQuery, ChangeFields, DeclareForm, DoneQuery, FiguresQuery, NewQuery};
use self::views::{AreaView, Names, ZoneView, PAGE};
use crate::args;
use crate::db::{now_ms, placeholders, Db, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, ta, Arg};
use crate::registry::areas::{self, Area};
use crate::web::html::{minutes, Markup};
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;
use crate::zones::lifecycle::{self, Which, Zone};
use crate::zones::{self as engine, figures};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zones", get(area_page))
        .route("/zones/new", get(new_page).post(new_post))
        .route("/zones/figures", get(figures_page))
        .route("/zones/{id}", get(zone_page))
        .route("/zones/{id}/extend", post(extend_post))
        .route("/zones/{id}/lift", post(lift_post))
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

/// A client id for a form (a retry of the same form changes nothing twice).
fn client_id() -> String {
    crate::access::random_hex(12)
}

pub use crate::zones::area_for as zone_area;

/// Names for the zones listed: areas, households' addresses, and the people who recorded.
async fn names(db: &Db, zs: &[&Zone], logins: &[&str]) -> AppResult<Names> {
    let mut area_ids: Vec<i64> = zs
        .iter()
        .filter(|z| z.target == "area")
        .map(|z| z.area_id)
        .collect();
    area_ids.sort_unstable();
    area_ids.dedup();
    let mut hh: Vec<i64> = zs.iter().filter_map(|z| z.household_id).collect();
    hh.sort_unstable();
    hh.dedup();
    let mut out = Names {
        areas: HashMap::new(),
        households: HashMap::new(),
        people: crate::access::display_names(db, logins).await?,
    };
    if !area_ids.is_empty() {
        // A grid or building is named with its parent (第1网格 1栋): "1栋" alone says little.
        let rows: Vec<AreaName> = db
            .query_as(
                &format!(
                    "SELECT a.id, a.level, a.name, p.name AS parent FROM areas a \
                     LEFT JOIN areas p ON p.id = a.parent_id WHERE a.id IN ({})",
                    placeholders(1, area_ids.len())
                ),
                area_ids.iter().map(|&i| Value::from(i)).collect(),
            )
            .await?;
        out.areas = rows
            .into_iter()
            .map(|a| {
                let name = match a.parent {
                    Some(p) if a.level >= 6 => format!("{p} {}", a.name),
                    _ => a.name,
                };
                (a.id, name)
            })
            .collect();
    }
    if !hh.is_empty() {
        let rows: Vec<IdAddress> = db
            .query_as(
                &format!(
                    "SELECT id, address FROM households WHERE id IN ({})",
                    placeholders(1, hh.len())
                ),
                hh.iter().map(|&i| Value::from(i)).collect(),
            )
            .await?;
        out.households = rows.into_iter().map(|r| (r.id, r.address)).collect();
    }
    Ok(out)
}

struct AreaName {
    id: i64,
    level: i64,
    name: String,
    parent: Option<String>,
}
crate::from_row!(AreaName {
    id,
    level,
    name,
    parent
});

struct IdAddress {
    id: i64,
    address: String,
}
crate::from_row!(IdAddress { id, address });

// ---- An area's zones ----

async fn area_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<AreaQuery>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        let a = zone_area(&db, r, &q.area).await?;
        let page = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000);
        let (current, _) = lifecycle::of_area(&db, r, &a.path, Which::Current, now, 200, 0).await?;
        let (history, total) =
            lifecycle::of_area(&db, r, &a.path, Which::All, now, PAGE, (page - 1) * PAGE).await?;
        let over = engine::for_area(&db, &a.path, now).await?;
        let scope = r.registry_scope();
        let kids: Vec<Area> = if a.level < 7 {
            db.query_as::<Area>(
                &format!(
                    "SELECT {} FROM areas WHERE parent_id = $1 ORDER BY code LIMIT 300",
                    areas::AREA_COLS
                ),
                args![a.id],
            )
            .await?
            .into_iter()
            .filter(|c| {
                scope.contains(&c.path)
                    || (c.level >= 5 && scope.roots.iter().any(|root| root.starts_with(&c.path)))
            })
            .collect()
        } else {
            vec![]
        };
        let paths: Vec<String> = kids.iter().map(|k| k.path.clone()).collect();
        let mut badges = engine::for_areas(&db, &paths, now).await?;
        let children: Vec<(Area, Option<engine::ZoneInForce>)> = kids
            .into_iter()
            .map(|k| {
                let z = badges.remove(&k.path);
                (k, z)
            })
            .collect();
        let parent = match a.parent_id {
            Some(p) if a.level > 5 => areas::by_id(&db, p).await?,
            _ => None,
        };
        let all: Vec<&Zone> = current.iter().chain(&history).collect();
        let names = names(&db, &all, &[]).await?;
        let v = AreaView {
            area: &a,
            parent: parent.as_ref(),
            over: over.as_ref(),
            current: &current,
            history: &history,
            history_total: total,
            page,
            children: &children,
            names: &names,
            can_declare: engine::can_declare(r) && scope.contains(&a.path) && a.level >= 5,
            in_scope: scope.contains(&a.path),
            done: q.done.trim(),
            now,
        };
        Ok((
            format!("{} · {}", t(l, "zone-title"), a.name),
            views::area(l, &v),
        ))
    };
    show(&ctx, run.await)
}

// ---- Declaring ----

/// What the declaration form is about: the area or the household, named, and where "back" is.
async fn declare_target(
    db: &Db,
    ctx: &Ctx,
    area: &str,
    household: &str,
) -> AppResult<(String, String)> {
    let r = ctx.reader();
    engine::require_declare(r)?;
    let scope = r.registry_scope();
    if !household.trim().is_empty() {
        let id: i64 = household.trim().parse().map_err(|_| AppError::NotFound)?;
        let h: Option<PathAddress> = db
            .query_opt_as(
                "SELECT path, address FROM households WHERE id = $1",
                args![id],
            )
            .await?;
        let h = h
            .filter(|h| scope.contains(&h.path))
            .ok_or(AppError::NotFound)?;
        return Ok((h.address, format!("/households/{id}")));
    }
    let a = areas::scoped(db, area.trim(), &scope).await?;
    if !(5..=7).contains(&a.level) {
        return Err(AppError::BadRequest(crate::i18n::Msg::new(
            "a zone covers a community or village, a grid, a building or one household: open one of them",
            "风险区域可划定到社区/村、网格、楼栋（小区）或单户：请先打开其中之一",
        )));
    }
    Ok((
        a.name,
        format!("/zones?area={}", crate::web::html::url_enc(&a.code)),
    ))
}

struct PathAddress {
    path: String,
    address: String,
}
crate::from_row!(PathAddress { path, address });

async fn new_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<NewQuery>) -> Response {
    let run = async {
        let (name, back) = declare_target(&db, &ctx, &q.area, &q.household).await?;
        let now = minutes(now_ms());
        let f = DeclareForm {
            area: q.area.trim().to_owned(),
            household: q.household.trim().to_owned(),
            start_date: now[..10].to_owned(),
            start_time: now[11..16].to_owned(),
            client_id: client_id(),
            ..DeclareForm::default()
        };
        let l = ctx.lang;
        Ok((
            t(l, "zone-declare"),
            views::declare(l, &ctx.session.csrf, &name, &back, &f, &FormErrors::none()),
        ))
    };
    show(&ctx, run.await)
}

async fn new_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<DeclareForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let result = async {
        let z = f.parse()?;
        lifecycle::declare(db, &ctx.actor(), ctx.reader(), &z, now_ms()).await
    }
    .await;
    kit::answer(
        ctx,
        result,
        |d| format!("/zones/{}?done=declared", d.id),
        move |errs| async move {
            let l = ctx.lang;
            let run = async {
                let (name, back) = declare_target(db, ctx, &f.area, &f.household).await?;
                let errs = errs.labelled(l, &views::declare_labels(l));
                Ok((
                    t(l, "zone-declare"),
                    views::declare(l, &ctx.session.csrf, &name, &back, f, &errs),
                ))
            };
            show(ctx, run.await)
        },
    )
    .await
}

// ---- A zone ----

async fn zone_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    back: Option<(&str, &ChangeFields, &FormErrors)>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let z = lifecycle::get(db, r, id).await?;
    let changes = lifecycle::changes(db, r, id).await?;
    let mut logins: Vec<&str> = changes.iter().map(|c| c.actor.as_str()).collect();
    logins.push(&z.recorded_by);
    let names = names(db, &[&z], &logins).await?;
    let area = if z.target == "area" {
        areas::by_id(db, z.area_id).await?
    } else {
        // A household zone: link back to its community's zones.
        areas::by_path(db, areas::community_path(&z.area_path)).await?
    };
    let (c1, c2) = (client_id(), client_id());
    let v = ZoneView {
        z: &z,
        area: area.as_ref(),
        changes: &changes,
        names: &names,
        can_change: engine::can_declare(r) && r.registry_scope().contains(&z.area_path),
        csrf: &ctx.session.csrf,
        done,
        now,
        back,
        client_ids: (&c1, &c2),
    };
    Ok((format!("{} #{}", z.kind.name(l), z.id), views::zone(l, &v)))
}

async fn zone_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<DoneQuery>,
) -> Response {
    let r = zone_view(&db, &ctx, id, q.done.trim(), None).await;
    show(&ctx, r)
}

async fn change_post(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    f: &ChangeFields,
    form: &'static str,
) -> Response {
    let result = async {
        let c = f.parse(form == "extend")?;
        let now = now_ms();
        if form == "extend" {
            lifecycle::extend(db, &ctx.actor(), ctx.reader(), id, &c, now).await
        } else {
            lifecycle::lift(db, &ctx.actor(), ctx.reader(), id, &c, now).await
        }
    }
    .await;
    let done = if form == "extend" {
        "extended"
    } else {
        "lifted"
    };
    kit::answer(
        ctx,
        result,
        |_| format!("/zones/{id}?done={done}"),
        move |errs| async move {
            let errs = errs.labelled(ctx.lang, &views::change_labels(ctx.lang));
            show(
                ctx,
                zone_view(db, ctx, id, "", Some((form, f, &errs))).await,
            )
        },
    )
    .await
}

async fn extend_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ChangeFields>,
) -> Response {
    change_post(&db, &ctx, id, &f, "extend").await
}

async fn lift_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ChangeFields>,
) -> Response {
    change_post(&db, &ctx, id, &f, "lift").await
}

// ---- Figures ----

async fn figures_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<FiguresQuery>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let scope = r.registry_scope();
        engine::require_read(r)?;
        let code = match q.area.trim() {
            "" => scope.roots.first().cloned().unwrap_or_default(),
            c => c.to_owned(),
        };
        // A national area's code is its path, and a local one's too: the first root resolves.
        let a = areas::scoped(&db, &code, &scope).await?;
        let now = now_ms();
        let (from, to, when) = match q.day.trim() {
            "" => (
                now,
                now,
                ta(l, "zone-figures-now", &[("when", Arg::S(minutes(now)))]),
            ),
            d => match figures::day_window(d) {
                Some((a, b)) if a <= now => (
                    a,
                    b,
                    ta(l, "zone-figures-day", &[("day", Arg::S(d.to_owned()))]),
                ),
                _ => {
                    return Err(crate::error::FieldError::new(
                        "day",
                        format!("{d:?} is not a past day (use YYYY-MM-DD)"),
                        format!("“{d}”不是已过去的日期（格式为 YYYY-MM-DD）"),
                    )
                    .into())
                }
            },
        };
        let (total, children) = figures::by_area(&db, r, &a, from, to).await?;
        Ok((
            format!("{} · {}", t(l, "zone-figures"), a.name),
            views::figures(l, &a, &q, &total, &children, &when),
        ))
    };
    show(&ctx, run.await)
}
