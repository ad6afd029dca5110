//! The roster pages: the roster home of an area with its forms (places, posts, shifts,
//! auto-fill) and an auto-fill run's report of what it could not fill and why. A place's week
//! and its placements (`places`) and duty, hours and the certificate (`duty`) have files of
//! their own; [`routes`] gathers them all.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::area_options;
use super::rosters_views::{self as views, day_start_ms, monday};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::t;
use crate::mobilization::autofill::{self, Fairness, Unfilled};
use crate::mobilization::duty;
use crate::mobilization::roster::{self, Place, Post, Run, Shift};
use crate::mobilization::rules::{day_of, Rules};
use crate::registry::areas::{self, Area};
use crate::web::html::url_enc;
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

pub(crate) use super::rosters_views::mine_table;

pub(super) fn day_of_ymd(s: &str) -> Option<i64> {
    crate::mobilization::rules::day_number(s)
}

/// The reader's area from `?area=CODE` (the first scope root when absent); out of scope → 404.
pub(super) async fn area_of(db: &Db, ctx: &Ctx, code: &str) -> Result<Area, AppError> {
    let scope = ctx.reader().registry_scope();
    let a = if code.is_empty() {
        match scope.roots.first() {
            Some(p) => areas::by_path(db, p).await?,
            None => None,
        }
    } else {
        areas::by_code(db, code).await?
    };
    a.filter(|a| scope.contains(&a.path))
        .ok_or(AppError::NotFound)
}

/// The week asked for (`YYYY-MM-DD`, any day of it), else this week: its Monday.
pub(super) fn week_of(week: &str) -> i64 {
    monday(day_of_ymd(week.trim()).unwrap_or_else(|| day_of(now_ms())))
}

/// The query string of the roster pages (each reads the parameters it knows).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RosterQuery {
    pub area: String,
    pub week: String,
    pub shift: String,
    pub from: String,
    pub to: String,
    pub by: String,
    /// What was just done, for the notice (`shifts`, `assigned`), and how many.
    pub done: String,
    pub n: String,
}

/// The forms of the roster home (a place, a post, retiring a post, shifts, an auto-fill): each
/// posts the fields it has; on an error the page shows them again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RosterForm {
    pub area: String,
    // Auto-fill.
    pub from: String,
    pub days: String,
    // Shifts.
    pub place: String,
    pub post: String,
    pub first_day: String,
    pub pattern: String,
    pub start: String,
    pub end: String,
    pub headcount: String,
    pub skills: Vec<String>,
    // A place.
    pub name: String,
    pub kind: String,
    // A post.
    pub en: String,
    pub zh: String,
    pub active: String,
}

/// What the roster home of an area shows.
pub(super) struct RosterHome {
    pub area: Area,
    pub week: i64,
    pub areas: Vec<(String, String)>,
    pub places: Vec<Place>,
    pub rules: Rules,
    pub no_shows: Vec<(Shift, i64, String)>,
    pub runs: Vec<Run>,
    /// The catalogue of posts, for a reader who manages rosters (who sees the forms).
    pub posts: Option<Vec<Post>>,
}

async fn roster_home(db: &Db, ctx: &Ctx, code: &str, week: i64) -> AppResult<RosterHome> {
    let r = ctx.reader();
    crate::mobilization::require_reader(r)?;
    let area = area_of(db, ctx, code).await?;
    let places = roster::places(db, r, Some(&area.path)).await?;
    let areas = area_options(db, ctx).await?;
    let rules = Rules::load(db).await?;
    let no_shows = duty::no_shows(db, r, &area.path, now_ms(), 2).await?;
    let mut runs = roster::runs(db, r, &area.path, 5).await?;
    // People by name, not by login.
    let logins: Vec<&str> = runs.iter().map(|x| x.run_by.as_str()).collect();
    let names = crate::access::display_names(db, &logins).await?;
    for x in &mut runs {
        if let Some(n) = names.get(&x.run_by) {
            x.run_by = n.clone();
        }
    }
    let posts = if crate::mobilization::can_manage(r) {
        Some(roster::posts(db).await?)
    } else {
        None
    };
    Ok(RosterHome {
        area,
        week,
        areas,
        places,
        rules,
        no_shows,
        runs,
        posts,
    })
}

async fn roster_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<RosterQuery>) -> Response {
    let home = roster_home(&db, &ctx, q.area.trim(), week_of(&q.week)).await;
    roster_view(&ctx, home, &RosterForm::default(), "", &FormErrors::none())
}

fn roster_view(
    ctx: &Ctx,
    home: AppResult<RosterHome>,
    f: &RosterForm,
    form: &str,
    errs: &FormErrors,
) -> Response {
    match home {
        Ok(h) => {
            let l = ctx.lang;
            let body = views::roster_home(l, &ctx.session.csrf, &h, f, form, &errs.lines);
            ctx.page(&t(l, "mob-roster-title"), body)
        }
        Err(e) => ctx.error(e),
    }
}

/// The roster home again (this week) with the failed form `form`'s values and errors.
async fn roster_again(
    db: &Db,
    ctx: &Ctx,
    f: &RosterForm,
    form: &str,
    errs: FormErrors,
) -> Response {
    let home = roster_home(db, ctx, &f.area, week_of("")).await;
    roster_view(ctx, home, f, form, &errs)
}

/// After a roster form: back to the area's roster, or the roster again with the form's errors.
async fn back_to_roster<T>(
    db: &Db,
    ctx: &Ctx,
    f: &RosterForm,
    form: &str,
    res: AppResult<T>,
) -> Response {
    kit::answer(
        ctx,
        res,
        |_| format!("/roster?area={}", url_enc(&f.area)),
        |errs| roster_again(db, ctx, f, form, errs),
    )
    .await
}

async fn add_place(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<RosterForm>) -> Response {
    let res = roster::add_place(&db, &ctx.actor(), ctx.reader(), &f.area, &f.name, &f.kind).await;
    back_to_roster(&db, &ctx, &f, "place", res).await
}

async fn add_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<RosterForm>) -> Response {
    let res = roster::add_post(&db, &ctx.actor(), ctx.reader(), &f.en, &f.zh).await;
    back_to_roster(&db, &ctx, &f, "post", res).await
}

async fn set_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<RosterForm>,
) -> Response {
    let active = f.active == "1";
    let res = roster::set_post_active(&db, &ctx.actor(), ctx.reader(), id, active).await;
    back_to_roster(&db, &ctx, &f, "post", res).await
}

/// A whole number of the form, 0 when absent or not a number (the engine then says what range
/// it wants).
fn number(s: &str) -> i64 {
    s.trim().parse().unwrap_or(0)
}

/// The shifts the form asks for: the pattern's times, or the custom start and end.
fn new_shifts(f: &RosterForm) -> roster::NewShifts {
    let times: Vec<(i64, i64)> = match roster::PATTERNS.iter().find(|p| p.0 == f.pattern) {
        Some(p) => p.1.to_vec(),
        None => match (
            crate::mobilization::parse_hhmm(&f.start),
            crate::mobilization::parse_hhmm(&f.end),
        ) {
            (Some(a), Some(b)) => vec![(a, b)],
            _ => vec![],
        },
    };
    roster::NewShifts {
        place: number(&f.place),
        post: number(&f.post),
        first_day: f.first_day.clone(),
        days: number(&f.days),
        times,
        headcount: number(&f.headcount),
        skills: f.skills.clone(),
    }
}

async fn add_shifts(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<RosterForm>) -> Response {
    let ns = new_shifts(&f);
    let res = roster::add_shifts(&db, &ctx.actor(), ctx.reader(), &ns).await;
    kit::answer(
        &ctx,
        res,
        |n| {
            format!(
                "/roster/places/{}?week={}&done=shifts&n={n}",
                ns.place,
                url_enc(&ns.first_day)
            )
        },
        |errs| roster_again(&db, &ctx, &f, "shifts", errs),
    )
    .await
}

/// The auto-fill form's period: its first day and the day after its last; every problem
/// reported at once.
fn autofill_period(f: &RosterForm) -> AppResult<(i64, i64)> {
    let mut c = kit::Check::default();
    let from = day_of_ymd(&f.from);
    let days = number(&f.days);
    if from.is_none() {
        c.push(FieldError::new(
            "first_day",
            "give the first day (YYYY-MM-DD)",
            "请填写起始日期（年-月-日）",
        ));
    }
    if !(1..=31).contains(&days) {
        c.push(FieldError::new("period", "from 1 to 31 days", "1 至 31 天"));
    }
    c.finish()?;
    let from = from.expect("checked");
    Ok((from, from + days))
}

async fn run_autofill(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<RosterForm>) -> Response {
    let res = async {
        let area = area_of(&db, &ctx, &f.area).await?;
        let (from, to) = autofill_period(&f)?;
        let (a, b) = (day_start_ms(from), day_start_ms(to));
        autofill::run(&db, &ctx.actor(), ctx.reader(), &area.path, a, b).await
    };
    let res = res.await;
    kit::answer(
        &ctx,
        res,
        |r| format!("/roster/runs/{}", r.run_id),
        |errs| roster_again(&db, &ctx, &f, "autofill", errs),
    )
    .await
}

/// What an auto-fill run's page shows: the run, its area, what it left open, the fairness of
/// the period as it stands now and its busiest people (id, name, minutes).
pub(super) struct RunReport {
    pub run: Run,
    pub area: Area,
    pub unfilled: Vec<Unfilled>,
    pub proven: bool,
    pub shifts: Vec<Shift>,
    pub fairness: Fairness,
    pub busiest: Vec<(i64, String, i64)>,
    /// The name of who ran it.
    pub run_by_name: String,
}

async fn run_report(db: &Db, ctx: &Ctx, id: i64) -> AppResult<RunReport> {
    let r = ctx.reader();
    crate::mobilization::require_reader(r)?;
    let run = roster::run(db, r, id).await?;
    let area = areas::by_path(db, &run.path)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail: serde_json::Value = serde_json::from_str(&run.detail).unwrap_or_default();
    let unfilled: Vec<Unfilled> =
        serde_json::from_value(detail["unfilled"].clone()).unwrap_or_default();
    let proven = detail["proven"].as_bool().unwrap_or(false);
    // Fairness over the period as it stands now.
    let list = roster::roster(db, r, &area.path, None, run.from_ms, run.to_ms).await?;
    let mut mins: HashMap<i64, i64> = HashMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    for (s, hs) in &list {
        for h in hs {
            *mins.entry(h.volunteer).or_default() += (s.end - s.start) / 60_000;
            names.insert(h.volunteer, h.name.clone());
        }
    }
    let fairness = autofill::fairness(&mins.values().copied().collect::<Vec<_>>());
    // The busiest people, so an officer sees who carries most.
    let mut top: Vec<(i64, i64)> = mins.into_iter().collect();
    top.sort_by_key(|(v, m)| (std::cmp::Reverse(*m), *v));
    let busiest = top
        .into_iter()
        .take(5)
        .map(|(v, m)| (v, names.get(&v).cloned().unwrap_or_default(), m))
        .collect();
    let run_by_name = crate::access::display_names(db, &[run.run_by.as_str()])
        .await?
        .remove(&run.run_by)
        .unwrap_or_else(|| run.run_by.clone());
    Ok(RunReport {
        run_by_name,
        run,
        area,
        unfilled,
        proven,
        shifts: list.into_iter().map(|(s, _)| s).collect(),
        fairness,
        busiest,
    })
}

async fn run_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    match run_report(&db, &ctx, id).await {
        Ok(x) => ctx.page(
            &t(ctx.lang, "mob-run-title"),
            views::run_report(ctx.lang, &x),
        ),
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/roster", get(roster_page))
        .route("/roster/places", post(add_place))
        .route("/roster/posts", post(add_post))
        .route("/roster/posts/{id}", post(set_post))
        .route("/roster/shifts", post(add_shifts))
        .route("/roster/autofill", post(run_autofill))
        .route("/roster/runs/{id}", get(run_page))
        .merge(super::places::routes())
        .merge(super::duty::routes())
}
