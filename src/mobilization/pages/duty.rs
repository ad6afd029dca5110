//! The duty pages: the printable duty table (值班安排表) and its XLSX export, hours reports, a
//! volunteer's own shifts, the check-in page behind a place's QR code, and the service-hours
//! certificate.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::area_options;
use super::duty_views as views;
use super::rosters::{area_of, day_of_ymd, week_of, RosterQuery};
use super::rosters_views::day_start_ms;
use crate::audit::{self, Event};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::mobilization::duty::{self, Crew, Mine};
use crate::mobilization::roster::{self, Holder, Shift};
use crate::mobilization::rules::{day_of, half_hours_text, ymd, DAY_MS};
use crate::mobilization::volunteers;
use crate::registry::areas::Area;
use crate::registry::validate::{civil_from_days, days_from_civil};
use crate::web::html::{clock, minutes};
use crate::web::kit::{CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

// ---- Duty table and export ----

async fn table_data(
    db: &Db,
    ctx: &Ctx,
    q: &RosterQuery,
) -> AppResult<(Area, i64, Vec<(Shift, Vec<Holder>)>)> {
    crate::mobilization::require_reader(ctx.reader())?;
    let area = area_of(db, ctx, q.area.trim()).await?;
    let week = week_of(&q.week);
    let (from, to) = (day_start_ms(week), day_start_ms(week + 7));
    let list = roster::roster(db, ctx.reader(), &area.path, None, from, to).await?;
    Ok((area, week, list))
}

async fn duty_table(State(db): State<Db>, ctx: Ctx, Query(q): Query<RosterQuery>) -> Response {
    let l = ctx.lang;
    match table_data(&db, &ctx, &q).await {
        Ok((area, week, list)) => ctx.page(
            &t(l, "mob-duty-table"),
            views::duty_table(l, &area, week, &list),
        ),
        Err(e) => ctx.error(e),
    }
}

/// The week's placements as an XLSX sheet, and how many rows it has.
fn duty_sheet(l: crate::i18n::Lang, list: &[(Shift, Vec<Holder>)]) -> AppResult<(Vec<u8>, i64)> {
    let heads = [
        "mob-x-date",
        "mob-x-start",
        "mob-x-end",
        "mob-x-place",
        "mob-x-post",
        "mob-x-name",
        "mob-x-unit",
        "mob-x-phone",
        "mob-x-leader",
        "mob-x-in",
        "mob-x-out",
        "mob-x-hours",
        "mob-x-override",
    ];
    let internal = |e: std::io::Error| AppError::Internal(e.to_string());
    let mut w =
        crate::registry::xlsx::XlsxWriter::new(Vec::new(), &t(l, "mob-duty-table"), heads.len())
            .map_err(internal)?;
    w.row(&heads.iter().map(|h| t(l, h)).collect::<Vec<_>>())
        .map_err(internal)?;
    let mut n = 0;
    for (s, hs) in list {
        for h in hs {
            w.row(&[
                ymd(day_of(s.start)),
                clock(s.start),
                clock(s.end),
                s.place.clone(),
                s.post(l).to_owned(),
                h.name.clone(),
                h.unit.clone(),
                h.phone.clone(),
                if h.leader {
                    "★".into()
                } else {
                    String::new()
                },
                h.checkin.map(minutes).unwrap_or_default(),
                h.checkout.map(minutes).unwrap_or_default(),
                if h.checkout.is_some() {
                    half_hours_text(h.half_hours)
                } else {
                    String::new()
                },
                if h.override_rules.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{} ({}: {})",
                        super::places_views::override_text(l, &h.override_rules),
                        h.override_by,
                        h.override_reason
                    )
                },
            ])
            .map_err(internal)?;
            n += 1;
        }
    }
    Ok((w.finish().map_err(internal)?, n))
}

async fn duty_xlsx(State(db): State<Db>, ctx: Ctx, Query(q): Query<RosterQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        let (area, week, list) = table_data(&db, &ctx, &q).await?;
        let (bytes, n) = duty_sheet(l, &list)?;
        audit::record_now(
            &db,
            &ctx.actor(),
            Event::new("roster_export", "area", area.id)
                .area(&area.path)
                .detail(serde_json::json!({"week": ymd(week), "rows": n})),
        )
        .await?;
        Ok::<_, AppError>((format!("roster-{}-{}.xlsx", area.code, ymd(week)), bytes))
    };
    match run.await {
        Ok((name, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---- Hours ----

async fn hours_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<RosterQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        crate::mobilization::require_reader(ctx.reader())?;
        let area = area_of(&db, &ctx, q.area.trim()).await?;
        let today = day_of(now_ms());
        let from = day_of_ymd(&q.from).unwrap_or(today - 30);
        let to = day_of_ymd(&q.to).unwrap_or(today);
        let by = match q.by.trim() {
            b @ ("team" | "unit" | "area") => b,
            _ => "volunteer",
        };
        let (a, b) = (day_start_ms(from), day_start_ms(to + 1));
        let rows = duty::hours(&db, ctx.reader(), &area.path, a, b, by).await?;
        let areas = area_options(&db, &ctx).await?;
        Ok::<_, AppError>(views::hours_report(l, &areas, &area, (from, to), by, &rows))
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-hours-title"), b),
        Err(e) => ctx.error(e),
    }
}

// ---- A volunteer's own pages ----

/// What "my shifts" shows: the month's hours, upcoming and past shifts (latest first), and
/// the crews of the shifts under way that the volunteer leads.
pub(super) struct MyShifts {
    pub volunteer: i64,
    pub month_half_hours: i64,
    pub upcoming: Vec<Mine>,
    pub past: Vec<Mine>,
    pub crews: Vec<(Mine, Vec<Crew>)>,
}

async fn my_shifts_of(db: &Db, volunteer: i64) -> AppResult<MyShifts> {
    let now = now_ms();
    let today = day_of(now);
    let (a, b) = (day_start_ms(today - 30), day_start_ms(today + 30));
    let list = duty::shifts_of(db, volunteer, a, b).await?;
    let month_start = {
        let (y, m, _) = civil_from_days(today);
        days_from_civil(y, m, 1)
    };
    let month_half_hours: i64 = list
        .iter()
        .filter(|s| day_of(s.start) >= month_start && s.checkout.is_some())
        .map(|s| s.half_hours)
        .sum();
    let (upcoming, mut past): (Vec<Mine>, Vec<Mine>) = list
        .into_iter()
        .partition(|s| s.end > now && s.checkout.is_none());
    past.reverse();
    let mut crews = Vec::new();
    for m in upcoming
        .iter()
        .filter(|m| m.leader && m.start - duty::EARLY_MS <= now)
    {
        crews.push((m.clone(), duty::crew(db, m.shift, m.assignment).await?));
    }
    Ok(MyShifts {
        volunteer,
        month_half_hours,
        upcoming,
        past,
        crews,
    })
}

async fn my_shifts(State(db): State<Db>, ctx: Ctx) -> Response {
    let l = ctx.lang;
    let run = async {
        let Some(v) = volunteers::of_account(&db, ctx.reader().account_id).await? else {
            return Ok::<_, AppError>(views::not_a_volunteer(l));
        };
        let x = my_shifts_of(&db, v.id).await?;
        Ok(views::my_shifts(l, &ctx.session.csrf, &x))
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "nav-myshifts"), b),
        Err(e) => ctx.error(e),
    }
}

async fn duty_page(State(db): State<Db>, ctx: Ctx, Path(token): Path<String>) -> Response {
    let l = ctx.lang;
    let run = async {
        let place = roster::place_by_token(&db, &token)
            .await?
            .ok_or(AppError::NotFound)?;
        let v = volunteers::of_account(&db, ctx.reader().account_id).await?;
        let now = now_ms();
        let mine: Vec<Mine> = match &v {
            Some(v) => duty::shifts_of(&db, v.id, now - 2 * DAY_MS, now + DAY_MS)
                .await?
                .into_iter()
                .filter(|m| m.place_id == place.id)
                .collect(),
            None => vec![],
        };
        let current = mine
            .iter()
            .find(|m| m.checkin.is_some() && m.checkout.is_none())
            .or_else(|| {
                mine.iter()
                    .find(|m| m.checkin.is_none() && m.start - duty::EARLY_MS <= now && now < m.end)
            });
        let csrf = &ctx.session.csrf;
        Ok::<_, AppError>(views::duty_here(l, csrf, &place, &token, current))
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-qr-checkin"), b),
        Err(e) => ctx.error(e),
    }
}

/// The check-in page's button: `in` or `out`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ScanForm {
    action: String,
}

async fn duty_scan(
    State(db): State<Db>,
    Path(token): Path<String>,
    CsrfForm(ctx, f): CsrfForm<ScanForm>,
) -> Response {
    let l = ctx.lang;
    let want = match f.action.as_str() {
        "in" => Some(true),
        "out" => Some(false),
        _ => None,
    };
    let account = ctx.reader().account_id;
    match duty::scan_for(&db, &ctx.actor(), account, &token, now_ms(), want).await {
        Ok((c, m)) => ctx.page(&t(l, "mob-qr-checkin"), views::duty_done(l, c, &m)),
        Err(e) => ctx.error(e),
    }
}

async fn certificate(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<RosterQuery>,
) -> Response {
    let l = ctx.lang;
    let today = day_of(now_ms());
    let from = day_of_ymd(&q.from).unwrap_or(today - 365);
    let to = day_of_ymd(&q.to).unwrap_or(today);
    let (a, b) = (day_start_ms(from), day_start_ms(to + 1));
    match duty::certificate(&db, ctx.reader(), id, a, b).await {
        Ok(c) => ctx.page(
            &t(l, "mob-cert-title"),
            views::certificate(l, &c, (from, to), today),
        ),
        Err(e) => ctx.error(e),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/roster/table", get(duty_table))
        .route("/roster/table.xlsx", get(duty_xlsx))
        .route("/roster/hours", get(hours_page))
        .route("/me/shifts", get(my_shifts))
        .route("/duty/{token}", get(duty_page).post(duty_scan))
        .route("/volunteers/{id}/certificate", get(certificate))
}
