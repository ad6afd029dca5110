//! The roster and duty pages: places and their shifts, the week's calendar per place with
//! placements (rule breaches and recorded overrides shown), auto-fill and its report of what it
//! could not fill and why, no-shows, the printable duty table (值班安排表) and its XLSX export,
//! hours reports, a volunteer's own shifts, the check-in page behind a place's QR code, and the
//! service-hours certificate.

use crate::html;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{area_options, origin, qr_svg, skill_boxes};
use crate::audit::{self, Event};
use crate::db::{now_ms, Db};
use crate::error::{AppError, FieldError};
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::autofill::{self, Unfilled};
use crate::mobilization::duty::{self, Checked, Mine};
use crate::mobilization::roster::{self, Holder, Shift};
use crate::mobilization::rules::{day_of, half_hours_text, weekday, ymd, Rules, CST_MS, DAY_MS};
use crate::mobilization::volunteers::{self, Filter};
use crate::mobilization::{label, PLACE_KINDS};
use crate::registry::areas::{self, Area};
use crate::registry::validate::{civil_from_days, mask_phone};
use crate::web::html::vocab_options;
use crate::web::html::{clock, minutes};
use crate::web::html::{crumbs, csrf_field, error_box, field, select, url_enc, Markup};
use crate::web::kit::{all, error_lines, first, is_form_error, q, with_status, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

fn day_of_ymd(s: &str) -> Option<i64> {
    crate::mobilization::rules::day_number(s)
}

/// The Monday (day number) of the week holding `day`.
fn monday(day: i64) -> i64 {
    day - weekday(day)
}

fn day_start_ms(day: i64) -> i64 {
    day * DAY_MS - CST_MS
}

/// `08:00–16:00`, with `+1` when the shift ends the next day.
fn window(s_ms: i64, e_ms: i64) -> String {
    let next = day_of(e_ms - 1) > day_of(s_ms);
    let end = if clock(e_ms) == "00:00" {
        "24:00".to_owned()
    } else {
        clock(e_ms)
    };
    format!(
        "{}–{}{}",
        clock(s_ms),
        end,
        if next && end != "24:00" { " +1" } else { "" }
    )
}

fn weekday_name(l: Lang, day: i64) -> String {
    let w = &crate::mobilization::WEEKDAYS[weekday(day) as usize];
    let (_, m, d) = civil_from_days(day);
    if l == Lang::Zh {
        format!("{}月{}日 {}", m, d, w.2)
    } else {
        format!("{} {}-{:02}", w.1, m, d)
    }
}

/// The reader's area from `?area=CODE` (the first scope root when absent); out of scope → 404.
async fn area_of(db: &Db, ctx: &Ctx, code: &str) -> Result<Area, AppError> {
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

/// The week asked for (`?week=YYYY-MM-DD`, any day of it), else this week: its Monday.
fn week_of(qs: &HashMap<String, String>) -> i64 {
    monday(day_of_ymd(q(qs, "week")).unwrap_or_else(|| day_of(now_ms())))
}

fn hours_label(l: Lang, half: i64) -> String {
    ta(l, "mob-hours-n", &[("h", Arg::S(half_hours_text(half)))])
}

/// A volunteer's shifts as a table (their own page, an officer's view of them).
pub(super) fn mine_table(l: Lang, list: &[Mine]) -> Markup {
    let mut m = html!(
        "<table class=\"mine\"><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr>",
        t(l, "mob-col-when"),
        t(l, "mob-col-where"),
        t(l, "mob-col-state"),
        t(l, "mob-col-hours")
    );
    let now = now_ms();
    for s in list {
        let state = match (s.checkin, s.checkout) {
            (Some(_), Some(_)) => html!("<span class=\"tag ok\">{}</span>", t(l, "mob-state-done")),
            (Some(i), None) => html!(
                "<span class=\"tag st-open\">{} {}</span>",
                t(l, "mob-state-in"),
                clock(i)
            ),
            (None, _) if now > s.start + duty::NO_SHOW_AFTER_MS => {
                html!(
                    "<span class=\"tag bad\">{}</span>",
                    t(l, "mob-state-noshow")
                )
            }
            _ => html!("<span class=\"tag\">{}</span>", t(l, "mob-state-upcoming")),
        };
        m.push(html!(
            "<tr><td class=\"nowrap\">{}<span class=\"sub\">{}</span></td><td>{}<span class=\"sub\">{}{}</span></td><td>{}</td><td class=\"n\">{}</td></tr>",
            weekday_name(l, day_of(s.start)),
            window(s.start, s.end),
            s.place,
            if l == Lang::Zh { &s.post_zh } else { &s.post_en },
            if s.leader { format!(" · {}", t(l, "mob-leader")) } else { String::new() },
            state,
            if s.checkout.is_some() { half_hours_text(s.half_hours) } else { "—".into() }
        ));
    }
    m.0.push_str("</table>");
    m
}

// ---- The roster home of an area ----

async fn roster_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    roster_view(&db, &ctx, &qs, &[], &[]).await
}

async fn roster_view(
    db: &Db,
    ctx: &Ctx,
    qs: &HashMap<String, String>,
    f: &[(String, String)],
    errors: &[String],
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        crate::mobilization::require_reader(r)?;
        let code = if first(f, "area").is_empty() {
            q(qs, "area")
        } else {
            first(f, "area")
        };
        let area = area_of(db, ctx, code).await?;
        let week = week_of(qs);
        let places = roster::places(db, r, Some(&area.path)).await?;
        let areas_opt = area_options(db, ctx).await?;
        let mut body = html!(
            "<h1>{} · {}</h1>{}<form method=\"get\" action=\"/roster\" class=\"filters box\">{}{}<button>{}</button></form>",
            t(l, "mob-roster-title"),
            area.name,
            error_box(l, errors),
            select("area", &t(l, "mob-f-area"), &areas_opt, &area.code, None),
            field("week", &t(l, "mob-f-week"), &ymd(week), None, "type=\"date\""),
            t(l, "mob-show")
        );
        let aq = format!("area={}&week={}", url_enc(&area.code), ymd(week));
        body.push(html!(
            "<div class=\"actions\"><a class=\"btn alt\" href=\"/roster/table?{}\" id=\"duty-table-link\">{}</a><a class=\"btn alt\" href=\"/roster/table.xlsx?{}\">{}</a><a class=\"btn alt\" href=\"/roster/hours?area={}\" id=\"hours-link\">{}</a></div>",
            aq.clone(),
            t(l, "mob-duty-table"),
            aq.clone(),
            t(l, "mob-duty-xlsx"),
            url_enc(&area.code),
            t(l, "mob-hours-title")
        ));
        let rules = Rules::load(db).await?;
        body.push(html!(
            "<p class=\"muted small\" id=\"rules\">{}</p>",
            ta(
                l,
                "mob-rules-line",
                &[
                    (
                        "h24",
                        Arg::S(crate::mobilization::rules::hours_text(
                            rules.max_minutes_in_24
                        ))
                    ),
                    (
                        "rest",
                        Arg::S(crate::mobilization::rules::hours_text(
                            rules.min_rest_minutes
                        ))
                    ),
                    ("days", Arg::N(rules.max_consecutive_days)),
                ]
            )
        ));
        // Places.
        body.push(html!("<h2>{}</h2>", t(l, "mob-places-title")));
        if places.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-places-none")));
        } else {
            body.0.push_str("<ul class=\"home\" id=\"places\">");
            for p in &places {
                body.push(html!(
                    "<li><a href=\"/roster/places/{}?week={}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\"><a href=\"/roster/places/{}/qr\">{}</a></span></li>",
                    p.id,
                    ymd(week),
                    p.name,
                    label(PLACE_KINDS, &p.kind, l),
                    p.id,
                    t(l, "mob-place-qr")
                ));
            }
            body.0.push_str("</ul>");
        }
        // No-shows of the last two days.
        let ns = duty::no_shows(db, r, &area.path, now_ms(), 2).await?;
        if !ns.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ul class=\"home\" id=\"no-shows\">",
                t(l, "mob-noshows-title")
            ));
            for (s, _, name) in &ns {
                body.push(html!(
                    "<li><b>{}</b> <span class=\"tag bad\">{}</span><span class=\"sub\">{} · {} {} · {}</span></li>",
                    name,
                    t(l, "mob-state-noshow"),
                    s.place,
                    weekday_name(l, day_of(s.start)),
                    window(s.start, s.end),
                    s.post(l).to_owned()
                ));
            }
            body.0.push_str("</ul>");
        }
        // Auto-fill runs.
        let runs = roster::runs(db, r, &area.path, 5).await?;
        if !runs.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ul class=\"home\" id=\"runs\">",
                t(l, "mob-runs-title")
            ));
            for x in &runs {
                body.push(html!(
                    "<li><a href=\"/roster/runs/{}\">{} – {}</a><span class=\"sub\">{}</span></li>",
                    x.int(0),
                    ymd(day_of(x.int(1))),
                    ymd(day_of(x.int(2) - 1)),
                    ta(
                        l,
                        "mob-run-summary",
                        &[
                            ("filled", Arg::N(x.int(3))),
                            ("unfilled", Arg::N(x.int(4))),
                            ("by", Arg::S(x.string(6)))
                        ]
                    )
                ));
            }
            body.0.push_str("</ul>");
        }
        if crate::mobilization::can_manage(r) {
            let v = |k: &str, d: &str| {
                let x = first(f, k);
                if x.is_empty() {
                    d.to_owned()
                } else {
                    x.to_owned()
                }
            };
            body.push(html!(
                "<h2>{}</h2><form method=\"post\" action=\"/roster/autofill\" class=\"box\" id=\"autofill-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><div class=\"two\">{}{}</div><p class=\"muted\">{}</p><button>{}</button></form>",
                t(l, "mob-autofill-title"),
                csrf_field(&ctx.session.csrf),
                area.code,
                field("from", &t(l, "mob-f-first-day"), &v("from", &ymd(week)), None, "type=\"date\" required"),
                field("days", &t(l, "mob-f-days-n"), &v("days", "7"), None, "type=\"number\" min=\"1\" max=\"31\" required"),
                t(l, "mob-autofill-hint"),
                t(l, "mob-autofill-run")
            ));
            let place_opts: Vec<(String, String)> = places
                .iter()
                .map(|p| (p.id.to_string(), p.name.clone()))
                .collect();
            let posts = roster::posts(db).await?;
            let post_opts: Vec<(String, String)> = posts
                .iter()
                .filter(|p| p.active)
                .map(|p| (p.id.to_string(), p.name(l).to_owned()))
                .collect();
            let patterns = vec![
                ("3x8".to_owned(), t(l, "mob-pattern-3x8")),
                ("2x12".to_owned(), t(l, "mob-pattern-2x12")),
                ("day".to_owned(), t(l, "mob-pattern-day")),
                ("custom".to_owned(), t(l, "mob-pattern-custom")),
            ];
            if !places.is_empty() {
                body.push(html!(
                    "<details class=\"box\"{}><summary>{}</summary><form method=\"post\" action=\"/roster/shifts\" id=\"shifts-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><div class=\"two\">{}{}</div><div class=\"two\">{}{}</div>{}<div class=\"two\">{}{}</div>{}{}<button>{}</button></form></details>",
                    Markup(if first(f, "form") == "shifts" { " open".into() } else { String::new() }),
                    t(l, "mob-shifts-new"),
                    csrf_field(&ctx.session.csrf),
                    area.code,
                    select("place", &t(l, "mob-f-place"), &place_opts, first(f, "place"), None),
                    select("post", &t(l, "mob-f-post"), &post_opts, first(f, "post"), None),
                    field("first_day", &t(l, "mob-f-first-day"), &v("first_day", &ymd(week)), None, "type=\"date\" required"),
                    field("days", &t(l, "mob-f-days-n"), &v("days", "7"), None, "type=\"number\" min=\"1\" max=\"31\" required"),
                    select("pattern", &t(l, "mob-f-pattern"), &patterns, &v("pattern", "3x8"), None),
                    field("start", &t(l, "mob-f-custom-start"), first(f, "start"), None, "type=\"time\""),
                    field("end", &t(l, "mob-f-custom-end"), first(f, "end"), None, "type=\"time\""),
                    field("headcount", &t(l, "mob-f-headcount"), &v("headcount", "2"), None, "type=\"number\" min=\"1\" max=\"50\" required"),
                    skill_boxes(l, "skills", &all(f, "skills")),
                    t(l, "mob-shifts-create")
                ));
            }
            body.push(html!(
                "<details class=\"box\"{}><summary>{}</summary><form method=\"post\" action=\"/roster/places\" id=\"place-form\">{}{}{}{}<button>{}</button></form></details>",
                Markup(if first(f, "form") == "place" || places.is_empty() { " open".into() } else { String::new() }),
                t(l, "mob-place-new"),
                csrf_field(&ctx.session.csrf),
                select("area", &t(l, "mob-f-area"), &areas_opt, &area.code, None),
                field("name", &t(l, "mob-f-place-name"), if first(f, "form") == "place" { first(f, "name") } else { "" }, None, "required maxlength=\"100\""),
                select("kind", &t(l, "mob-f-place-kind"), &vocab_options(PLACE_KINDS, l), first(f, "kind"), None),
                t(l, "mob-place-create")
            ));
            // The catalogue of posts: retire, bring back, add.
            let mut list = Markup("<ul class=\"home\" id=\"posts\">".into());
            for p in &posts {
                list.push(html!(
                    "<li>{} / {} {}<form method=\"post\" action=\"/roster/posts/{}\" class=\"inline\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input type=\"hidden\" name=\"active\" value=\"{}\"><button class=\"link small\">{}</button></form></li>",
                    p.name_zh.clone(),
                    p.name_en.clone(),
                    if p.active { Markup::default() } else { html!("<span class=\"tag\">{}</span>", t(l, "mob-post-retired")) },
                    p.id,
                    csrf_field(&ctx.session.csrf),
                    area.code,
                    if p.active { "0" } else { "1" },
                    if p.active { t(l, "mob-post-retire") } else { t(l, "mob-post-restore") }
                ));
            }
            list.0.push_str("</ul>");
            body.push(html!(
                "<details class=\"box\"{}><summary>{}</summary>{}<form method=\"post\" action=\"/roster/posts\" id=\"post-form\" class=\"inline-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input name=\"zh\" required maxlength=\"60\" placeholder=\"{}\" aria-label=\"{}\"><input name=\"en\" required maxlength=\"60\" placeholder=\"{}\" aria-label=\"{}\"><button class=\"alt\">{}</button></form></details>",
                Markup(if first(f, "form") == "post" { " open".into() } else { String::new() }),
                t(l, "mob-posts-title"),
                list,
                csrf_field(&ctx.session.csrf),
                area.code,
                t(l, "mob-post-zh"),
                t(l, "mob-post-zh"),
                t(l, "mob-post-en"),
                t(l, "mob-post-en"),
                t(l, "mob-add")
            ));
        }
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => {
            let resp = ctx.page(&t(l, "mob-roster-title"), b);
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn form_error(
    db: &Db,
    ctx: &Ctx,
    f: &[(String, String)],
    form: &str,
    e: AppError,
) -> Response {
    let mut f = f.to_vec();
    f.push(("form".into(), form.into()));
    roster_view(db, ctx, &HashMap::new(), &f, &error_lines(ctx.lang, &e)).await
}

/// After a roster form: back to the area's roster, or the roster again with the form's errors.
async fn back_to_roster<T>(
    db: &Db,
    ctx: &Ctx,
    f: &[(String, String)],
    form: &str,
    res: Result<T, AppError>,
) -> Response {
    match res {
        Ok(_) => {
            Redirect::to(&format!("/roster?area={}", url_enc(first(f, "area")))).into_response()
        }
        Err(e) if is_form_error(&e) => form_error(db, ctx, f, form, e).await,
        Err(e) => ctx.error(e),
    }
}

async fn add_place(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let (area, name, kind) = (first(&f, "area"), first(&f, "name"), first(&f, "kind"));
    let res = roster::add_place(&db, &ctx.actor(), ctx.reader(), area, name, kind).await;
    back_to_roster(&db, &ctx, &f, "place", res).await
}

async fn add_post(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let (en, zh) = (first(&f, "en"), first(&f, "zh"));
    let res = roster::add_post(&db, &ctx.actor(), ctx.reader(), en, zh).await;
    back_to_roster(&db, &ctx, &f, "post", res).await
}

async fn set_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let active = first(&f, "active") == "1";
    let res = roster::set_post_active(&db, &ctx.actor(), ctx.reader(), id, active).await;
    back_to_roster(&db, &ctx, &f, "post", res).await
}

async fn add_shifts(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let pattern = first(&f, "pattern");
    let times: Vec<(i64, i64)> = match roster::PATTERNS.iter().find(|p| p.0 == pattern) {
        Some(p) => p.1.to_vec(),
        None => match (
            crate::mobilization::parse_hhmm(first(&f, "start")),
            crate::mobilization::parse_hhmm(first(&f, "end")),
        ) {
            (Some(a), Some(b)) => vec![(a, if b == 1440 { 1440 } else { b })],
            _ => vec![],
        },
    };
    let ns = roster::NewShifts {
        place: first(&f, "place").parse().unwrap_or(0),
        post: first(&f, "post").parse().unwrap_or(0),
        first_day: first(&f, "first_day").to_owned(),
        days: first(&f, "days").trim().parse().unwrap_or(0),
        times,
        headcount: first(&f, "headcount").trim().parse().unwrap_or(0),
        skills: all(&f, "skills").into_iter().map(str::to_owned).collect(),
    };
    match roster::add_shifts(&db, &ctx.actor(), ctx.reader(), &ns).await {
        Ok(_) => Redirect::to(&format!(
            "/roster/places/{}?week={}",
            ns.place,
            url_enc(&ns.first_day)
        ))
        .into_response(),
        Err(e) if is_form_error(&e) => form_error(&db, &ctx, &f, "shifts", e).await,
        Err(e) => ctx.error(e),
    }
}

async fn run_autofill(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let res = async {
        let area = area_of(&db, &ctx, first(&f, "area")).await?;
        // Both fields checked, every problem reported at once.
        let from = day_of_ymd(first(&f, "from"));
        let days: i64 = first(&f, "days").trim().parse().unwrap_or(0);
        let mut errs = Vec::new();
        if from.is_none() {
            errs.push(FieldError::new(
                "first_day",
                "give the first day (YYYY-MM-DD)",
                "请填写起始日期（年-月-日）",
            ));
        }
        if !(1..=31).contains(&days) {
            errs.push(FieldError::new("period", "from 1 to 31 days", "1 至 31 天"));
        }
        let Some(from) = from.filter(|_| errs.is_empty()) else {
            return Err(AppError::Invalid(errs));
        };
        autofill::run(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &area.path,
            day_start_ms(from),
            day_start_ms(from + days),
        )
        .await
    };
    match res.await {
        Ok(r) => Redirect::to(&format!("/roster/runs/{}", r.run_id)).into_response(),
        Err(e) if is_form_error(&e) => form_error(&db, &ctx, &f, "autofill", e).await,
        Err(e) => ctx.error(e),
    }
}

fn unfilled_line(l: Lang, u: &Unfilled) -> String {
    let m = autofill::reasons_msg(u);
    m.get(l).to_owned()
}

async fn run_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        crate::mobilization::require_reader(r)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let row = db
            .query_opt(
                "SELECT path, from_ms, to_ms, filled, unfilled, detail, run_by, run_ms FROM autofill_runs WHERE id = $1",
                crate::args![id],
            )
            .await?
            .filter(|x| r.registry_scope().contains(x.text(0)))
            .ok_or(AppError::NotFound)?;
        let area = areas::by_path(&db, row.text(0))
            .await?
            .ok_or(AppError::NotFound)?;
        let detail: serde_json::Value = serde_json::from_str(row.text(5)).unwrap_or_default();
        let unfilled: Vec<Unfilled> =
            serde_json::from_value(detail["unfilled"].clone()).unwrap_or_default();
        let proven = detail["proven"].as_bool().unwrap_or(false);
        // Fairness over the period as it stands now.
        let list = roster::roster(&db, r, &area.path, None, row.int(1), row.int(2)).await?;
        let mut mins: HashMap<i64, i64> = HashMap::new();
        let mut names: HashMap<i64, String> = HashMap::new();
        for (s, hs) in &list {
            for h in hs {
                *mins.entry(h.volunteer).or_default() += (s.end - s.start) / 60_000;
                names.insert(h.volunteer, h.name.clone());
            }
        }
        let fair = autofill::fairness(&mins.values().copied().collect::<Vec<_>>());
        let shifts: HashMap<i64, &Shift> = list.iter().map(|(s, _)| (s.id, s)).collect();
        let mut body = html!(
            "{}<h1>{}</h1><div class=\"cards\" id=\"run-figures\"><div class=\"card\"><b id=\"run-filled\">{}</b><span>{}</span></div><div class=\"card{}\"><b id=\"run-unfilled\">{}</b><span>{}</span></div><div class=\"card\"><b>{}</b><span>{}</span></div><div class=\"card\"><b>{}–{}</b><span>{}</span></div></div><p class=\"muted\">{} · {} · {}</p>",
            crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}", url_enc(&area.code))), (t(l, "mob-run-title"), String::new())]),
            ta(l, "mob-run-heading", &[("from", Arg::S(ymd(day_of(row.int(1))))), ("to", Arg::S(ymd(day_of(row.int(2) - 1)))), ("area", Arg::S(area.name.clone()))]),
            row.int(3),
            t(l, "mob-run-filled"),
            if row.int(4) > 0 { " warn" } else { "" },
            row.int(4),
            t(l, "mob-run-unfilled"),
            fair.volunteers,
            t(l, "mob-run-people"),
            format!("{:.0}", fair.min_hours),
            format!("{:.0}", fair.max_hours),
            t(l, "mob-run-spread"),
            ta(l, "mob-run-mean", &[("mean", Arg::S(format!("{:.1}", fair.mean_hours))), ("sd", Arg::S(format!("{:.1}", fair.stddev_hours)))]),
            if proven { t(l, "mob-run-proven") } else { t(l, "mob-run-not-proven") },
            ta(l, "mob-run-by", &[("by", Arg::S(row.string(6))), ("at", Arg::S(minutes(row.int(7))))])
        );
        if !unfilled.is_empty() {
            body.push(html!("<h2>{}</h2><table id=\"unfilled\"><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr>", t(l, "mob-unfilled-title"), t(l, "mob-col-when"), t(l, "mob-col-where"), t(l, "mob-col-open"), t(l, "mob-col-why")));
            for u in &unfilled {
                let (when, where_) = match shifts.get(&u.shift) {
                    Some(s) => (
                        format!(
                            "{} {}",
                            weekday_name(l, day_of(s.start)),
                            window(s.start, s.end)
                        ),
                        html!(
                            "<a href=\"/roster/places/{}?week={}#shift-{}\">{}</a> · {}",
                            s.place_id,
                            ymd(monday(day_of(s.start))),
                            s.id,
                            s.place,
                            s.post(l).to_owned()
                        ),
                    ),
                    None => ("—".into(), Markup("—".into())),
                };
                body.push(html!("<tr><td class=\"nowrap\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>", when, where_, u.open, unfilled_line(l, u)));
            }
            body.0.push_str("</table>");
        }
        // The busiest people, so an officer sees who carries most.
        let mut top: Vec<(i64, i64)> = mins.into_iter().collect();
        top.sort_by_key(|(v, m)| (std::cmp::Reverse(*m), *v));
        if !top.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ul class=\"home\">",
                t(l, "mob-run-busiest")
            ));
            for (v, m) in top.iter().take(5) {
                body.push(html!(
                    "<li><a href=\"/volunteers/{}\">{}</a><span class=\"sub\">{}</span></li>",
                    *v,
                    names.get(v).cloned().unwrap_or_default(),
                    hours_label(l, m / 30)
                ));
            }
            body.0.push_str("</ul>");
        }
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-run-title"), b),
        Err(e) => ctx.error(e),
    }
}

// ---- A place's week ----

async fn place_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    place_view(&db, &ctx, &id, &qs, &[], &[]).await
}

fn holder_line(
    ctx: &Ctx,
    rules: &Rules,
    h: &Holder,
    s: &Shift,
    manage: bool,
    week: &str,
) -> Markup {
    let l = ctx.lang;
    let now = now_ms();
    let state = match (h.checkin, h.checkout) {
        (Some(_), Some(_)) => html!(
            " <span class=\"tag ok\">{} {}</span>",
            t(l, "mob-state-done"),
            half_hours_text(h.half_hours)
        ),
        (Some(i), None) => html!(
            " <span class=\"tag st-open\">{} {}</span>",
            t(l, "mob-state-in"),
            clock(i)
        ),
        (None, _) if now > s.start + duty::NO_SHOW_AFTER_MS => html!(
            " <span class=\"tag bad\">{}</span>",
            t(l, "mob-state-noshow")
        ),
        _ => Markup::default(),
    };
    let mut flags = Markup::default();
    if h.leader {
        flags.push(html!(" <span class=\"tag\">{}</span>", t(l, "mob-leader")));
    }
    if h.how == "auto" {
        flags.push(html!(
            " <span class=\"tag\" title=\"{}\">A</span>",
            t(l, "mob-auto")
        ));
    }
    if !h.override_rules.is_empty() {
        flags.push(html!(
            " <span class=\"tag warn override\" title=\"{}\">{}</span>",
            format!("{} · {}", h.override_by, h.override_reason),
            t(l, "mob-override")
        ));
    }
    let mut breach = Markup::default();
    if !h.breaches.is_empty() {
        let m = roster::breaches_msg(rules, &h.breaches);
        breach = html!(
            "<span class=\"sub breach\">⚠ {}</span>",
            m.get(l).to_owned()
        );
    }
    let mut ops = Markup::default();
    if manage {
        let form = |action: &str, label: String, extra: &str, class: &str| {
            html!(
                "<form method=\"post\" action=\"/roster/assignments/{}/{}\" class=\"inline\">{}<input type=\"hidden\" name=\"week\" value=\"{}\">{}<button class=\"{}\">{}</button></form>",
                h.assignment,
                action,
                csrf_field(&ctx.session.csrf),
                week,
                Markup(extra.to_owned()),
                class,
                label
            )
        };
        if h.checkin.is_none() && now >= s.start - duty::EARLY_MS {
            ops.push(form(
                "check",
                t(l, "mob-check-in"),
                "<input type=\"hidden\" name=\"action\" value=\"in\">",
                "small",
            ));
        } else if h.checkin.is_some() && h.checkout.is_none() {
            ops.push(form(
                "check",
                t(l, "mob-check-out"),
                "<input type=\"hidden\" name=\"action\" value=\"out\">",
                "small",
            ));
        }
        if h.checkin.is_none() {
            ops.push(form("remove", t(l, "mob-remove"), "", "link small"));
        }
        ops.push(form(
            "leader",
            if h.leader {
                t(l, "mob-unmake-leader")
            } else {
                t(l, "mob-make-leader")
            },
            if h.leader {
                "<input type=\"hidden\" name=\"leader\" value=\"0\">"
            } else {
                "<input type=\"hidden\" name=\"leader\" value=\"1\">"
            },
            "link small",
        ));
    }
    html!(
        "<li class=\"holder\"><a href=\"/volunteers/{}\">{}</a>{}{}<span class=\"sub\">{}{}</span>{}<span class=\"ops\">{}</span></li>",
        h.volunteer,
        h.name,
        flags,
        state,
        mask_phone(&h.phone),
        if h.unit.is_empty() { String::new() } else { format!(" · {}", h.unit) },
        breach,
        ops
    )
}

async fn place_view(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    qs: &HashMap<String, String>,
    f: &[(String, String)],
    errors: &[String],
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let place = roster::place(db, r, id).await?;
        let area = areas::by_path(db, &place.path)
            .await?
            .ok_or(AppError::NotFound)?;
        let week = if first(f, "week").is_empty() {
            week_of(qs)
        } else {
            monday(day_of_ymd(first(f, "week")).unwrap_or_else(|| day_of(now_ms())))
        };
        let list = roster::roster(
            db,
            r,
            &place.path,
            Some(place.id),
            day_start_ms(week),
            day_start_ms(week + 7),
        )
        .await?;
        let rules = Rules::load(db).await?;
        let manage = crate::mobilization::can_manage(r);
        let wk = ymd(week);
        let mut body = html!(
            "{}<h1>{}</h1><p class=\"muted\">{} · {}</p>{}<div class=\"actions\"><a class=\"btn alt\" href=\"/roster/places/{}?week={}\">‹ {}</a><a class=\"btn alt\" href=\"/roster/places/{}?week={}\">{} ›</a><a class=\"btn alt\" href=\"/roster/places/{}/qr\">{}</a></div>",
            crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}&week={}", url_enc(&area.code), wk)), (place.name.clone(), String::new())]),
            place.name,
            label(PLACE_KINDS, &place.kind, l),
            ta(l, "mob-week-of", &[("d", Arg::S(wk.clone()))]),
            error_box(l, errors),
            place.id,
            ymd(week - 7),
            t(l, "mob-prev-week"),
            place.id,
            ymd(week + 7),
            t(l, "mob-next-week"),
            place.id,
            t(l, "mob-place-qr")
        );
        if manage && !list.is_empty() {
            // One assignment form for the page, with the shift and a searchable list of the
            // approved volunteers serving the place's community (or whatever area it is in).
            let community = place.path.split('/').next().unwrap_or(&place.path);
            let vols = volunteers::list(
                db,
                r,
                &Filter {
                    status: Some("approved".into()),
                    path: Some(community.to_owned()),
                    ..Default::default()
                },
                5000,
            )
            .await?;
            let mut dl = Markup("<datalist id=\"vol-list\">".into());
            for v in &vols {
                dl.push(html!(
                    "<option value=\"{} · {} #{}\">",
                    v.name,
                    v.unit,
                    v.id
                ));
            }
            dl.0.push_str("</datalist>");
            let chosen = if first(f, "shift").is_empty() {
                q(qs, "shift").to_owned()
            } else {
                first(f, "shift").to_owned()
            };
            let shift_opts: Vec<(String, String)> = list
                .iter()
                .map(|(s, hs)| {
                    (
                        s.id.to_string(),
                        format!(
                            "{} {} · {} ({}/{})",
                            weekday_name(l, day_of(s.start)),
                            window(s.start, s.end),
                            s.post(l),
                            hs.len(),
                            s.headcount
                        ),
                    )
                })
                .collect();
            body.push(html!(
                "<form method=\"post\" action=\"/roster/assign\" class=\"box\" id=\"assign\">{}<input type=\"hidden\" name=\"week\" value=\"{}\">{}<label class=\"field\"><span>{}</span><input name=\"volunteer\" list=\"vol-list\" required autocomplete=\"off\" value=\"{}\"></label>{}{}{}<button>{}</button></form>",
                csrf_field(&ctx.session.csrf),
                wk,
                select("shift", &t(l, "mob-f-shift"), &shift_opts, &chosen, None),
                t(l, "mob-f-volunteer"),
                first(f, "volunteer"),
                dl,
                field("override_reason", &t(l, "mob-f-override"), first(f, "override_reason"), if errors.is_empty() { None } else { Some(t(l, "mob-override-hint")) }.as_deref(), "maxlength=\"300\""),
                Markup(String::new()),
                t(l, "mob-assign")
            ));
        }
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-shifts\">{}</p>",
                t(l, "mob-week-empty")
            ));
        }
        body.0.push_str("<div class=\"week\" id=\"week\">");
        for d in week..week + 7 {
            let day_shifts: Vec<&(Shift, Vec<Holder>)> =
                list.iter().filter(|(s, _)| day_of(s.start) == d).collect();
            body.push(html!(
                "<section class=\"day\"><h3>{}</h3>",
                weekday_name(l, d)
            ));
            if day_shifts.is_empty() {
                body.push(html!(
                    "<p class=\"muted small\">{}</p>",
                    t(l, "mob-day-empty")
                ));
            }
            for (s, hs) in day_shifts {
                let full = hs.len() as i64 >= s.headcount;
                body.push(html!(
                    "<div class=\"shift{}\" id=\"shift-{}\"><div class=\"shift-head\"><b>{}</b> {} <span class=\"tag{}\">{}/{}</span>{}</div><ul>",
                    if full { "" } else { " short" },
                    s.id,
                    window(s.start, s.end),
                    s.post(l).to_owned(),
                    if full { " ok" } else { " warn" },
                    hs.len() as i64,
                    s.headcount,
                    if s.skills.is_empty() { Markup::default() } else { html!("<span class=\"sub\">{}: {}</span>", t(l, "mob-f-skills-needed"), crate::mobilization::skills_text(&s.skills, l)) }
                ));
                for h in hs {
                    body.push(holder_line(ctx, &rules, h, s, manage, &wk));
                }
                if manage && !full {
                    body.push(html!("<li><a class=\"small\" href=\"/roster/places/{}?week={}&shift={}#assign\">+ {}</a></li>", place.id, wk, s.id, t(l, "mob-assign")));
                }
                body.0.push_str("</ul></div>");
            }
            body.0.push_str("</section>");
        }
        body.0.push_str("</div>");
        Ok::<_, AppError>((place.name, body))
    };
    match run.await {
        Ok((name, b)) => {
            let resp = ctx.page(&name, b);
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::CONFLICT)
            }
        }
        Err(e) => ctx.error(e),
    }
}

/// The volunteer id in "Name · Unit #123", a bare id, or a mobile number.
/// The volunteer meant by the assignment form: "Name · Unit #123" from the list, a bare id, a
/// mobile number, or a name that only one approved volunteer in scope has.
async fn volunteer_ref(db: &Db, ctx: &Ctx, s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((_, id)) = s.rsplit_once('#') {
        return id.trim().parse().ok();
    }
    let filter = if s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        Filter {
            phone: Some(s.to_owned()),
            ..Default::default()
        }
    } else if let Ok(id) = s.parse() {
        return Some(id);
    } else {
        Filter {
            status: Some("approved".into()),
            q: Some(s.to_owned()),
            ..Default::default()
        }
    };
    let found = volunteers::list(db, ctx.reader(), &filter, 50).await.ok()?;
    let mut exact = found.iter().filter(|v| v.name == s || v.phone == s);
    match (exact.next(), exact.next()) {
        (Some(v), None) => Some(v.id),
        _ => None,
    }
}

async fn assign(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let shift_id: i64 = first(&f, "shift").parse().unwrap_or(0);
    let place = match roster::shift(&db, ctx.reader(), shift_id).await {
        Ok(s) => s.place_id,
        Err(e) => return ctx.error(e),
    };
    let res = match volunteer_ref(&db, &ctx, first(&f, "volunteer")).await {
        Some(v) => {
            roster::assign(
                &db,
                &ctx.actor(),
                ctx.reader(),
                shift_id,
                v,
                first(&f, "override_reason"),
            )
            .await
        }
        None => Err(FieldError::new(
            "volunteer",
            "choose a volunteer from the list",
            "请从列表中选择志愿者",
        )
        .into()),
    };
    match res {
        Ok(_) => Redirect::to(&format!(
            "/roster/places/{}?week={}#shift-{}",
            place,
            url_enc(first(&f, "week")),
            shift_id
        ))
        .into_response(),
        Err(e) if is_form_error(&e) => {
            let lines = error_lines(ctx.lang, &e);
            place_view(&db, &ctx, &place.to_string(), &HashMap::new(), &f, &lines).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn assignment_op(
    State(db): State<Db>,
    ctx: Ctx,
    Path((id, op)): Path<(String, String)>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let place = db
        .query_opt("SELECT s.place_id, s.id FROM assignments a JOIN shifts s ON s.id = a.shift_id WHERE a.id = $1", crate::args![id])
        .await
        .ok()
        .flatten()
        .map(|r| (r.int(0), r.int(1)));
    let Some((place, shift)) = place else {
        return ctx.error(AppError::NotFound);
    };
    let actor = ctx.actor();
    let r = ctx.reader();
    let res = match op.as_str() {
        "remove" => roster::unassign(&db, &actor, r, id).await,
        "leader" => roster::set_leader(&db, &actor, r, id, first(&f, "leader") == "1").await,
        "check" => duty::check_other(&db, &actor, r, id, first(&f, "action") == "in", now_ms())
            .await
            .map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match res {
        Ok(()) if first(&f, "back") == "mine" => Redirect::to("/me/shifts").into_response(),
        Ok(()) => Redirect::to(&format!(
            "/roster/places/{}?week={}#shift-{}",
            place,
            url_enc(first(&f, "week")),
            shift
        ))
        .into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn place_qr(
    State(db): State<Db>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let p = roster::place(&db, ctx.reader(), id).await?;
        let url = format!("{}/duty/{}", origin(&headers), p.qr_token);
        Ok::<_, AppError>(html!(
            "<div class=\"poster\" id=\"place-poster\"><h1>{}</h1><p>{}</p>{}<p class=\"mono\">{}</p><p class=\"muted\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>",
            p.name,
            t(l, "mob-qr-checkin"),
            qr_svg(&url),
            url,
            t(l, "mob-qr-checkin-hint"),
            t(l, "mob-print")
        ))
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-qr-checkin"), b),
        Err(e) => ctx.error(e),
    }
}

// ---- Duty table and export ----

async fn table_data(
    db: &Db,
    ctx: &Ctx,
    qs: &HashMap<String, String>,
) -> Result<(Area, i64, Vec<(Shift, Vec<Holder>)>), AppError> {
    crate::mobilization::require_reader(ctx.reader())?;
    let area = area_of(db, ctx, q(qs, "area")).await?;
    let week = week_of(qs);
    let list = roster::roster(
        db,
        ctx.reader(),
        &area.path,
        None,
        day_start_ms(week),
        day_start_ms(week + 7),
    )
    .await?;
    Ok((area, week, list))
}

async fn duty_table(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let (area, week, list) = table_data(&db, &ctx, &qs).await?;
        let mut body = html!(
            "<div class=\"printable\" id=\"duty-table\"><h1>{}</h1><p>{} · {} – {}</p>",
            t(l, "mob-duty-table"),
            area.name,
            ymd(week),
            ymd(week + 6)
        );
        // Per place and post: rows are the shift times, columns the days.
        let mut groups: Vec<(String, String, i64)> = Vec::new();
        for (s, _) in &list {
            let key = (s.place.clone(), s.post(l).to_owned(), s.place_id);
            if !groups.contains(&key) {
                groups.push(key);
            }
        }
        groups.sort();
        for (place, post, pid) in &groups {
            let mine: Vec<&(Shift, Vec<Holder>)> = list
                .iter()
                .filter(|(s, _)| s.place_id == *pid && s.post(l) == post)
                .collect();
            let mut times: Vec<(i64, String)> = mine
                .iter()
                .map(|(s, _)| {
                    (
                        (s.start - day_start_ms(day_of(s.start))),
                        window(s.start, s.end),
                    )
                })
                .collect();
            times.sort();
            times.dedup_by(|a, b| a.1 == b.1);
            body.push(html!(
                "<h2>{} · {}</h2><table class=\"duty\"><tr><th>{}</th>",
                place.clone(),
                post.clone(),
                t(l, "mob-col-shift")
            ));
            for d in week..week + 7 {
                body.push(html!("<th>{}</th>", weekday_name(l, d)));
            }
            body.0.push_str("</tr>");
            for (_, tw) in &times {
                body.push(html!("<tr><th class=\"nowrap\">{}</th>", tw.clone()));
                for d in week..week + 7 {
                    let names: Vec<String> = mine
                        .iter()
                        .filter(|(s, _)| day_of(s.start) == d && &window(s.start, s.end) == tw)
                        .flat_map(|(_, hs)| {
                            hs.iter().map(|h| {
                                if h.leader {
                                    format!("{}★", h.name)
                                } else {
                                    h.name.clone()
                                }
                            })
                        })
                        .collect();
                    body.push(html!("<td>{}</td>", names.join("、")));
                }
                body.0.push_str("</tr>");
            }
            body.0.push_str("</table>");
        }
        if groups.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-week-empty")));
        }
        body.push(html!("<p class=\"muted small\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>", t(l, "mob-leader-star"), t(l, "mob-print")));
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-duty-table"), b),
        Err(e) => ctx.error(e),
    }
}

async fn duty_xlsx(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let (area, week, list) = table_data(&db, &ctx, &qs).await?;
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
        let mut w = crate::registry::xlsx::XlsxWriter::new(
            Vec::new(),
            &t(l, "mob-duty-table"),
            heads.len(),
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        w.row(&heads.iter().map(|h| t(l, h)).collect::<Vec<_>>())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut n = 0;
        for (s, hs) in &list {
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
                            h.override_rules, h.override_by, h.override_reason
                        )
                    },
                ])
                .map_err(|e| AppError::Internal(e.to_string()))?;
                n += 1;
            }
        }
        let bytes = w.finish().map_err(|e| AppError::Internal(e.to_string()))?;
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

async fn hours_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        crate::mobilization::require_reader(ctx.reader())?;
        let area = area_of(&db, &ctx, q(&qs, "area")).await?;
        let today = day_of(now_ms());
        let from = day_of_ymd(q(&qs, "from")).unwrap_or(today - 30);
        let to = day_of_ymd(q(&qs, "to")).unwrap_or(today);
        let by = match q(&qs, "by") {
            b @ ("team" | "unit" | "area") => b,
            _ => "volunteer",
        };
        let rows = duty::hours(
            &db,
            ctx.reader(),
            &area.path,
            day_start_ms(from),
            day_start_ms(to + 1),
            by,
        )
        .await?;
        let bys = vec![
            ("volunteer".to_owned(), t(l, "mob-by-volunteer")),
            ("team".to_owned(), t(l, "mob-by-team")),
            ("unit".to_owned(), t(l, "mob-by-unit")),
            ("area".to_owned(), t(l, "mob-by-area")),
        ];
        let areas_opt = area_options(&db, &ctx).await?;
        let mut body = html!(
            "{}<h1>{}</h1><form method=\"get\" action=\"/roster/hours\" class=\"filters box\">{}{}{}{}<button>{}</button></form>",
            crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}", url_enc(&area.code))), (t(l, "mob-hours-title"), String::new())]),
            t(l, "mob-hours-title"),
            select("area", &t(l, "mob-f-area"), &areas_opt, &area.code, None),
            field("from", &t(l, "mob-f-from-date"), &ymd(from), None, "type=\"date\""),
            field("to", &t(l, "mob-f-to-date"), &ymd(to), None, "type=\"date\""),
            select("by", &t(l, "mob-f-by"), &bys, by, None),
            t(l, "mob-show")
        );
        let total: i64 = rows.iter().map(|r| r.half_hours).sum();
        let turns: i64 = rows.iter().map(|r| r.shifts).sum();
        body.push(html!(
            "<p id=\"hours-total\">{}</p><table id=\"hours\"><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
            ta(l, "mob-hours-summary", &[("turns", Arg::N(turns)), ("h", Arg::S(half_hours_text(total)))]),
            t(l, &format!("mob-by-{by}")),
            t(l, "mob-col-people"),
            t(l, "mob-col-turns"),
            t(l, "mob-col-hours")
        ));
        for x in &rows {
            let name = if by == "volunteer" {
                html!(
                    "<a href=\"/volunteers/{}\">{}</a>",
                    x.key.clone(),
                    x.label.clone()
                )
            } else {
                html!("{}", x.label.clone())
            };
            body.push(html!("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>", name, x.volunteers, x.shifts, half_hours_text(x.half_hours)));
        }
        body.0.push_str("</table>");
        if rows.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-hours-none")));
        }
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-hours-title"), b),
        Err(e) => ctx.error(e),
    }
}

// ---- A volunteer's own pages ----

async fn my_shifts(State(db): State<Db>, ctx: Ctx) -> Response {
    let l = ctx.lang;
    let run = async {
        let Some(v) = volunteers::of_account(&db, ctx.reader().account_id).await? else {
            return Ok::<_, AppError>(html!(
                "<h1>{}</h1><p class=\"muted\">{}</p>",
                t(l, "nav-myshifts"),
                t(l, "mob-not-volunteer")
            ));
        };
        let now = now_ms();
        let today = day_of(now);
        let list = duty::shifts_of(
            &db,
            v.id,
            day_start_ms(today - 30),
            day_start_ms(today + 30),
        )
        .await?;
        let month_start = {
            let (y, m, _) = civil_from_days(today);
            crate::registry::validate::days_from_civil(y, m, 1)
        };
        let month: i64 = list
            .iter()
            .filter(|s| day_of(s.start) >= month_start && s.checkout.is_some())
            .map(|s| s.half_hours)
            .sum();
        let (upcoming, past): (Vec<Mine>, Vec<Mine>) = list
            .into_iter()
            .partition(|s| s.end > now && s.checkout.is_none());
        let mut body = html!(
            "<h1>{}</h1><div class=\"cards\"><div class=\"card\"><b id=\"month-hours\">{}</b><span>{}</span></div><div class=\"card\"><b>{}</b><span>{}</span></div></div><p class=\"muted\">{}</p>",
            t(l, "nav-myshifts"),
            half_hours_text(month),
            t(l, "mob-month-hours"),
            upcoming.len() as i64,
            t(l, "mob-upcoming"),
            t(l, "mob-scan-hint")
        );
        body.push(html!("<h2>{}</h2>", t(l, "mob-upcoming")));
        if upcoming.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-upcoming\">{}</p>",
                t(l, "mob-upcoming-none")
            ));
        } else {
            body.push(mine_table(l, &upcoming));
        }
        // A shift leader checks the others of a shift under way in and out.
        for m in upcoming
            .iter()
            .filter(|m| m.leader && m.start - duty::EARLY_MS <= now)
        {
            let crew = db
                .query(
                    "SELECT a.id, v.name, a.checkin_ms, a.checkout_ms FROM assignments a \
                     JOIN volunteers v ON v.id = a.volunteer_id WHERE a.shift_id = $1 AND a.id <> $2 ORDER BY v.name",
                    crate::args![m.shift, m.assignment],
                )
                .await?;
            body.push(html!(
                "<h3>{} · {}</h3><ul class=\"home crew\" id=\"crew-{}\">",
                t(l, "mob-crew"),
                window(m.start, m.end),
                m.shift
            ));
            for c in &crew {
                let (action, label) = match (c.opt_int(2), c.opt_int(3)) {
                    (None, _) => ("in", t(l, "mob-check-in")),
                    (Some(_), None) => ("out", t(l, "mob-check-out")),
                    _ => ("", t(l, "mob-state-done")),
                };
                let button = if action.is_empty() {
                    html!("<span class=\"tag ok\">{}</span>", label)
                } else {
                    html!(
                        "<form method=\"post\" action=\"/roster/assignments/{}/check\" class=\"inline\">{}<input type=\"hidden\" name=\"back\" value=\"mine\"><input type=\"hidden\" name=\"action\" value=\"{}\"><button class=\"small\">{}</button></form>",
                        c.int(0),
                        csrf_field(&ctx.session.csrf),
                        action,
                        label
                    )
                };
                body.push(html!("<li>{} {}</li>", c.string(1), button));
            }
            body.0.push_str("</ul>");
        }
        if !past.is_empty() {
            let mut past = past;
            past.reverse();
            body.push(html!("<h2>{}</h2>", t(l, "mob-past")));
            body.push(mine_table(l, &past));
        }
        body.push(html!(
            "<p><a class=\"btn alt\" href=\"/volunteers/{}/certificate\" id=\"my-cert\">{}</a></p>",
            v.id,
            t(l, "mob-cert-link")
        ));
        Ok(body)
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
        let mine = match &v {
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
        let mut body = html!("<h1>{}</h1>", place.name);
        match current {
            Some(m) => {
                let out = m.checkin.is_some();
                body.push(html!(
                    "<p class=\"big\">{} · {}</p><form method=\"post\" action=\"/duty/{}\">{}<input type=\"hidden\" name=\"action\" value=\"{}\"><button class=\"huge\" id=\"duty-button\">{}</button></form>",
                    window(m.start, m.end),
                    if l == Lang::Zh { m.post_zh.clone() } else { m.post_en.clone() },
                    url_enc(&token),
                    csrf_field(&ctx.session.csrf),
                    if out { "out" } else { "in" },
                    if out { t(l, "mob-check-out") } else { t(l, "mob-check-in") }
                ));
            }
            None => body.push(html!(
                "<p class=\"muted\" id=\"no-duty\">{}</p>",
                t(l, "mob-no-duty-here")
            )),
        }
        body.push(html!(
            "<p><a href=\"/me/shifts\">{}</a></p>",
            t(l, "nav-myshifts")
        ));
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-qr-checkin"), b),
        Err(e) => ctx.error(e),
    }
}

async fn duty_scan(
    State(db): State<Db>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let l = ctx.lang;
    let want = match first(&f, "action") {
        "in" => Some(true),
        "out" => Some(false),
        _ => None,
    };
    match duty::scan_for(
        &db,
        &ctx.actor(),
        ctx.reader().account_id,
        &token,
        now_ms(),
        want,
    )
    .await
    {
        Ok((c, m)) => {
            let msg = match c {
                Checked::In => ta(
                    l,
                    "mob-checked-in",
                    &[("t", Arg::S(clock(m.checkin.unwrap_or_default())))],
                ),
                Checked::Out { half_hours } => ta(
                    l,
                    "mob-checked-out",
                    &[
                        ("t", Arg::S(clock(m.checkout.unwrap_or_default()))),
                        ("h", Arg::S(half_hours_text(half_hours))),
                    ],
                ),
            };
            ctx.page(
                &t(l, "mob-qr-checkin"),
                html!("<h1>{}</h1><p class=\"notice\" role=\"status\" id=\"duty-done\">{}</p><p><a class=\"btn\" href=\"/me/shifts\">{}</a></p>", m.place, msg, t(l, "nav-myshifts")),
            )
        }
        Err(e) => ctx.error(e),
    }
}

async fn certificate(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let today = day_of(now_ms());
        let from = day_of_ymd(q(&qs, "from")).unwrap_or(today - 365);
        let to = day_of_ymd(q(&qs, "to")).unwrap_or(today);
        let c = duty::certificate(
            &db,
            ctx.reader(),
            id,
            day_start_ms(from),
            day_start_ms(to + 1),
        )
        .await?;
        let (fd, td) = match (c.shifts.first(), c.shifts.last()) {
            (Some(a), Some(b)) => (ymd(day_of(a.start)), ymd(day_of(b.start))),
            _ => (ymd(from), ymd(to)),
        };
        let mut body = html!(
            "<form method=\"get\" class=\"filters box noprint\">{}{}<button>{}</button></form><div class=\"certificate printable\" id=\"certificate\"><h1>{}</h1><p class=\"cert-text\">{}</p><p class=\"cert-total\" id=\"cert-hours\">{}</p><table><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr>",
            field("from", &t(l, "mob-f-from-date"), &ymd(from), None, "type=\"date\""),
            field("to", &t(l, "mob-f-to-date"), &ymd(to), None, "type=\"date\""),
            t(l, "mob-show"),
            t(l, "mob-cert-title"),
            ta(l, "mob-cert-text", &[
                ("name", Arg::S(c.volunteer.name.clone())),
                ("unit", Arg::S(if c.volunteer.unit.is_empty() { "—".into() } else { c.volunteer.unit.clone() })),
                ("area", Arg::S(c.area_name.clone())),
                ("from", Arg::S(fd)),
                ("to", Arg::S(td)),
                ("n", Arg::N(c.shifts.len() as i64)),
            ]),
            hours_label(l, c.half_hours),
            t(l, "mob-col-when"),
            t(l, "mob-col-where"),
            t(l, "mob-col-checked"),
            t(l, "mob-col-hours")
        );
        for s in &c.shifts {
            body.push(html!(
                "<tr><td class=\"nowrap\">{} {}</td><td>{} · {}</td><td class=\"nowrap\">{}–{}</td><td class=\"n\">{}</td></tr>",
                ymd(day_of(s.start)),
                window(s.start, s.end),
                s.place,
                if l == Lang::Zh { s.post_zh.clone() } else { s.post_en.clone() },
                s.checkin.map(clock).unwrap_or_default(),
                s.checkout.map(clock).unwrap_or_default(),
                half_hours_text(s.half_hours)
            ));
        }
        body.push(html!(
            "</table><p class=\"muted small\">{}</p><p class=\"cert-sign\">{}<br>{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>",
            t(l, "mob-cert-rule"),
            ta(l, "mob-cert-issuer", &[("area", Arg::S(c.area_name.clone()))]),
            ymd(today),
            t(l, "mob-print")
        ));
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-cert-title"), b),
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
        .route("/roster/places/{id}", get(place_page))
        .route("/roster/places/{id}/qr", get(place_qr))
        .route("/roster/assign", post(assign))
        .route("/roster/assignments/{id}/{op}", post(assignment_op))
        .route("/roster/table", get(duty_table))
        .route("/roster/table.xlsx", get(duty_xlsx))
        .route("/roster/hours", get(hours_page))
        .route("/me/shifts", get(my_shifts))
        .route("/duty/{token}", get(duty_page).post(duty_scan))
        .route("/volunteers/{id}/certificate", get(certificate))
}
