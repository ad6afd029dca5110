//! Views of the roster home of an area and of an auto-fill run's report, and the time helpers
//! the roster and duty views share: pure functions from typed data to markup.

use crate::html;
use std::collections::HashMap;

use super::rosters::{RosterForm, RosterHome, RunReport};
use super::skill_boxes;
use crate::db::now_ms;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::autofill;
use crate::mobilization::duty::{self, Mine};
use crate::mobilization::roster::Shift;
use crate::mobilization::rules::{day_of, half_hours_text, hours_text, weekday, ymd};
use crate::mobilization::rules::{CST_MS, DAY_MS};
use crate::mobilization::{label, PLACE_KINDS};
use crate::registry::validate::civil_from_days;
use crate::web::html::vocab_options;
use crate::web::html::{clock, minutes};
use crate::web::html::{crumbs, csrf_field, error_box, field, select, url_enc, Markup};

/// The Monday (day number) of the week holding `day`.
pub(super) fn monday(day: i64) -> i64 {
    day - weekday(day)
}

pub(super) fn day_start_ms(day: i64) -> i64 {
    day * DAY_MS - CST_MS
}

/// `08:00–16:00`, with `+1` when the shift ends the next day.
pub(super) fn window(s_ms: i64, e_ms: i64) -> String {
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

pub(super) fn weekday_name(l: Lang, day: i64) -> String {
    let w = &crate::mobilization::WEEKDAYS[weekday(day) as usize];
    let (_, m, d) = civil_from_days(day);
    if l == Lang::Zh {
        format!("{}月{}日 {}", m, d, w.2)
    } else {
        format!("{} {}-{:02}", w.1, m, d)
    }
}

pub(super) fn hours_label(l: Lang, half: i64) -> String {
    ta(l, "mob-hours-n", &[("h", Arg::S(half_hours_text(half)))])
}

/// A volunteer's shifts as a table (their own page, an officer's view of them).
pub(crate) fn mine_table(l: Lang, list: &[Mine]) -> Markup {
    let mut m = html!(
        "<table class=\"mine stack\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
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
            "<tr><td class=\"title\"><b>{} {}</b></td><td data-label=\"{}\"><span>{}<span class=\"sub\">{}{}</span></span></td><td data-label=\"{}\">{}</td><td class=\"n\" data-label=\"{}\">{}</td></tr>",
            weekday_name(l, day_of(s.start)),
            window(s.start, s.end),
            t(l, "mob-col-where"),
            s.place,
            if l == Lang::Zh { &s.post_zh } else { &s.post_en },
            if s.leader { format!(" · {}", t(l, "mob-leader")) } else { String::new() },
            t(l, "mob-col-state"),
            state,
            t(l, "mob-col-hours"),
            if s.checkout.is_some() { half_hours_text(s.half_hours) } else { "—".into() }
        ));
    }
    m.0.push_str("</tbody></table>");
    m
}

/// The roster home of an area: filters, links, the rules, places, no-shows, auto-fill runs,
/// and for officers the forms (with `f`'s values kept when `form` failed).
pub(super) fn roster_home(
    l: Lang,
    csrf: &str,
    h: &RosterHome,
    f: &RosterForm,
    form: &str,
    errors: &[String],
) -> Markup {
    let (area, week, places) = (&h.area, h.week, &h.places);
    let mut body = html!(
        "<h1>{} · {}</h1>{}<form method=\"get\" action=\"/roster\" class=\"filters box\">{}{}<button>{}</button></form>",
        t(l, "mob-roster-title"),
        area.name,
        error_box(l, errors),
        select("area", &t(l, "mob-f-area"), &h.areas, &area.code, None),
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
    let rules = &h.rules;
    body.push(html!(
        "<p class=\"muted small\" id=\"rules\">{}</p>",
        ta(
            l,
            "mob-rules-line",
            &[
                ("h24", Arg::S(hours_text(rules.max_minutes_in_24))),
                ("rest", Arg::S(hours_text(rules.min_rest_minutes))),
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
        for p in places {
            body.push(html!(
                "<li><a class=\"name\" href=\"/roster/places/{}?week={}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\"><a class=\"name\" href=\"/roster/places/{}/qr\">{}</a></span></li>",
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
    if !h.no_shows.is_empty() {
        body.push(html!(
            "<h2>{}</h2><ul class=\"home\" id=\"no-shows\">",
            t(l, "mob-noshows-title")
        ));
        for (s, _, name) in &h.no_shows {
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
    if !h.runs.is_empty() {
        body.push(html!(
            "<h2>{}</h2><ul class=\"home\" id=\"runs\">",
            t(l, "mob-runs-title")
        ));
        for x in &h.runs {
            body.push(html!(
                "<li><a class=\"name\" href=\"/roster/runs/{}\">{} – {}</a><span class=\"sub\">{}</span></li>",
                x.id,
                ymd(day_of(x.from_ms)),
                ymd(day_of(x.to_ms - 1)),
                ta(
                    l,
                    "mob-run-summary",
                    &[
                        ("filled", Arg::N(x.filled)),
                        ("unfilled", Arg::N(x.unfilled)),
                        ("by", Arg::S(x.run_by.clone()))
                    ]
                )
            ));
        }
        body.0.push_str("</ul>");
    }
    if let Some(posts) = &h.posts {
        body.push(manage_forms(l, csrf, h, posts, f, form));
    }
    body
}

/// The officers' forms of the roster home: auto-fill, new shifts, a new place, the posts.
fn manage_forms(
    l: Lang,
    csrf: &str,
    h: &RosterHome,
    posts: &[crate::mobilization::roster::Post],
    f: &RosterForm,
    form: &str,
) -> Markup {
    let (area, week, places) = (&h.area, h.week, &h.places);
    let v = |x: &str, d: &str| {
        if x.is_empty() {
            d.to_owned()
        } else {
            x.to_owned()
        }
    };
    let open = |yes: bool| Markup(if yes { " open".into() } else { String::new() });
    let mut body = html!(
        "<h2>{}</h2><form method=\"post\" action=\"/roster/autofill\" class=\"box\" id=\"autofill-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><div class=\"two\">{}{}</div><p class=\"muted\">{}</p><button>{}</button></form>",
        t(l, "mob-autofill-title"),
        csrf_field(csrf),
        area.code,
        field("from", &t(l, "mob-f-first-day"), &v(&f.from, &ymd(week)), None, "type=\"date\" required"),
        field("days", &t(l, "mob-f-days-n"), &v(&f.days, "7"), None, "type=\"number\" min=\"1\" max=\"31\" required"),
        t(l, "mob-autofill-hint"),
        t(l, "mob-autofill-run")
    );
    let place_opts: Vec<(String, String)> = places
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
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
        let skills: Vec<&str> = f.skills.iter().map(String::as_str).collect();
        body.push(html!(
            "<details class=\"box\"{}><summary>{}</summary><form method=\"post\" action=\"/roster/shifts\" id=\"shifts-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><div class=\"two\">{}{}</div><div class=\"two\">{}{}</div>{}<div class=\"two\">{}{}</div>{}{}<button>{}</button></form></details>",
            open(form == "shifts"),
            t(l, "mob-shifts-new"),
            csrf_field(csrf),
            area.code,
            select("place", &t(l, "mob-f-place"), &place_opts, &f.place, None),
            select("post", &t(l, "mob-f-post"), &post_opts, &f.post, None),
            field("first_day", &t(l, "mob-f-first-day"), &v(&f.first_day, &ymd(week)), None, "type=\"date\" required"),
            field("days", &t(l, "mob-f-days-n"), &v(&f.days, "7"), None, "type=\"number\" min=\"1\" max=\"31\" required"),
            select("pattern", &t(l, "mob-f-pattern"), &patterns, &v(&f.pattern, "3x8"), None),
            field("start", &t(l, "mob-f-custom-start"), &f.start, None, "type=\"time\""),
            field("end", &t(l, "mob-f-custom-end"), &f.end, None, "type=\"time\""),
            field("headcount", &t(l, "mob-f-headcount"), &v(&f.headcount, "2"), None, "type=\"number\" min=\"1\" max=\"50\" required"),
            skill_boxes(l, "skills", &skills),
            t(l, "mob-shifts-create")
        ));
    }
    body.push(html!(
        "<details class=\"box\"{}><summary>{}</summary><form method=\"post\" action=\"/roster/places\" id=\"place-form\">{}{}{}{}<button>{}</button></form></details>",
        open(form == "place" || places.is_empty()),
        t(l, "mob-place-new"),
        csrf_field(csrf),
        select("area", &t(l, "mob-f-area"), &h.areas, &area.code, None),
        field("name", &t(l, "mob-f-place-name"), if form == "place" { &f.name } else { "" }, None, "required maxlength=\"100\""),
        select("kind", &t(l, "mob-f-place-kind"), &vocab_options(PLACE_KINDS, l), &f.kind, None),
        t(l, "mob-place-create")
    ));
    // The catalogue of posts: retire, bring back, add.
    let mut list = Markup("<ul class=\"home\" id=\"posts\">".into());
    for p in posts {
        list.push(html!(
            "<li>{} {}<form method=\"post\" action=\"/roster/posts/{}\" class=\"inline\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input type=\"hidden\" name=\"active\" value=\"{}\"><button class=\"alt\">{}</button></form></li>",
            p.name(l).to_owned(),
            if p.active { Markup::default() } else { html!("<span class=\"tag\">{}</span>", t(l, "mob-post-retired")) },
            p.id,
            csrf_field(csrf),
            area.code,
            if p.active { "0" } else { "1" },
            if p.active { t(l, "mob-post-retire") } else { t(l, "mob-post-restore") }
        ));
    }
    list.0.push_str("</ul>");
    body.push(html!(
        "<details class=\"box\"{}><summary>{}</summary>{}<form method=\"post\" action=\"/roster/posts\" id=\"post-form\" class=\"inline-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input name=\"zh\" required maxlength=\"60\" placeholder=\"{}\" aria-label=\"{}\"><input name=\"en\" required maxlength=\"60\" placeholder=\"{}\" aria-label=\"{}\"><button class=\"alt\">{}</button></form></details>",
        open(form == "post"),
        t(l, "mob-posts-title"),
        list,
        csrf_field(csrf),
        area.code,
        t(l, "mob-post-zh"),
        t(l, "mob-post-zh"),
        t(l, "mob-post-en"),
        t(l, "mob-post-en"),
        t(l, "mob-add")
    ));
    body
}

/// An auto-fill run's report: its figures, what it could not fill and why, the busiest people.
pub(super) fn run_report(l: Lang, x: &RunReport) -> Markup {
    let (run, area, fair) = (&x.run, &x.area, &x.fairness);
    let mut body = html!(
        "{}<h1>{}</h1><div class=\"cards\" id=\"run-figures\"><div class=\"card\"><b id=\"run-filled\">{}</b><span>{}</span></div><div class=\"card{}\"><b id=\"run-unfilled\">{}</b><span>{}</span></div><div class=\"card\"><b>{}</b><span>{}</span></div><div class=\"card\"><b>{}–{}</b><span>{}</span></div></div><p class=\"muted\">{}{} · {}</p>",
        crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}", url_enc(&area.code))), (t(l, "mob-run-title"), String::new())]),
        ta(l, "mob-run-heading", &[("from", Arg::S(ymd(day_of(run.from_ms)))), ("to", Arg::S(ymd(day_of(run.to_ms - 1)))), ("area", Arg::S(area.name.clone()))]),
        run.filled,
        t(l, "mob-run-filled"),
        if run.unfilled > 0 { " warn" } else { "" },
        run.unfilled,
        t(l, "mob-run-unfilled"),
        fair.volunteers,
        t(l, "mob-run-people"),
        format!("{:.0}", fair.min_hours),
        format!("{:.0}", fair.max_hours),
        t(l, "mob-run-spread"),
        ta(l, "mob-run-mean", &[("mean", Arg::S(format!("{:.1}", fair.mean_hours))), ("sd", Arg::S(format!("{:.1}", fair.stddev_hours)))]),
        // Whether more could be filled is said only when places stay open.
        match (run.unfilled > 0, x.proven) {
            (false, _) => String::new(),
            (true, true) => format!(" · {}", t(l, "mob-run-proven")),
            (true, false) => format!(" · {}", t(l, "mob-run-not-proven")),
        },
        ta(l, "mob-run-by", &[("by", Arg::S(x.run_by_name.clone())), ("at", Arg::S(minutes(run.run_ms)))])
    );
    if !x.unfilled.is_empty() {
        let shifts: HashMap<i64, &Shift> = x.shifts.iter().map(|s| (s.id, s)).collect();
        body.push(html!("<h2>{}</h2><table id=\"unfilled\" class=\"stack\"><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>", t(l, "mob-unfilled-title"), t(l, "mob-col-when"), t(l, "mob-col-where"), t(l, "mob-col-open"), t(l, "mob-col-why")));
        for u in &x.unfilled {
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
            let why = autofill::reasons_msg(u).get(l).to_owned();
            body.push(html!("<tr><td class=\"title\"><b>{}</b></td><td data-label=\"{}\"><span>{}</span></td><td class=\"n\" data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>", when, t(l, "mob-col-where"), where_, t(l, "mob-col-open"), u.open, t(l, "mob-col-why"), why));
        }
        body.0.push_str("</tbody></table>");
    }
    // The busiest people, so an officer sees who carries most.
    if !x.busiest.is_empty() {
        body.push(html!(
            "<h2>{}</h2><ul class=\"home\">",
            t(l, "mob-run-busiest")
        ));
        for (v, name, m) in &x.busiest {
            body.push(html!(
                "<li><a class=\"name\" href=\"/volunteers/{}\">{}</a><span class=\"sub\">{}</span></li>",
                *v,
                name.clone(),
                hours_label(l, m / 30)
            ));
        }
        body.0.push_str("</ul>");
    }
    body
}
