//! Views of duty: the printable duty table (值班安排表), the hours report, a volunteer's own
//! shifts (with the crews a leader checks in), the check-in page behind a place's QR code, and
//! the service-hours certificate.

use crate::html;

use super::duty::MyShifts;
use super::rosters_views::{day_start_ms, hours_label, mine_table, weekday_name, window};
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::duty::{Certificate, Checked, Hours, Mine};
use crate::mobilization::roster::{Holder, Place, Shift};
use crate::mobilization::rules::{day_of, half_hours_text, ymd};
use crate::registry::areas::Area;
use crate::web::html::clock;
use crate::web::html::{crumbs, csrf_field, field, select, url_enc, Markup};

/// The duty table of a week: per place and post, rows are the shift times, columns the days.
pub(super) fn duty_table(l: Lang, area: &Area, week: i64, list: &[(Shift, Vec<Holder>)]) -> Markup {
    let mut body = html!(
        "<div class=\"printable\" id=\"duty-table\"><h1>{}</h1><p>{} · {} – {}</p>",
        t(l, "mob-duty-table"),
        area.name,
        ymd(week),
        ymd(week + 6)
    );
    let mut groups: Vec<(String, String, i64)> = Vec::new();
    for (s, _) in list {
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
        // Rows are the shift times, columns the days; on a phone each row is a card of the
        // seven days (`table.stack`), so the week is never wider than the screen.
        let days: Vec<(i64, String)> = (week..week + 7).map(|d| (d, weekday_name(l, d))).collect();
        let names_on = |d: i64, tw: &str| -> String {
            let names: Vec<String> = mine
                .iter()
                .filter(|(s, _)| day_of(s.start) == d && window(s.start, s.end) == tw)
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
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join("、")
            }
        };
        body.push(Markup::from(maud::html! {
            h2 { (place) " · " (post) }
            table.duty.stack {
                thead { tr {
                    th { (t(l, "mob-col-shift")) }
                    @for (_, name) in &days { th { (name) } }
                } }
                tbody {
                    @for (_, tw) in &times {
                        tr {
                            td.title.nowrap { b { (tw) } }
                            @for (d, name) in &days {
                                td data-label=(name) { (names_on(*d, tw)) }
                            }
                        }
                    }
                }
            }
        }));
    }
    if groups.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-week-empty")));
    }
    body.push(html!("<p class=\"muted small\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>", t(l, "mob-leader-star"), t(l, "mob-print")));
    body
}

/// The hours report: its filters (`by`: volunteer, team, unit or area), totals and lines.
pub(super) fn hours_report(
    l: Lang,
    areas: &[(String, String)],
    area: &Area,
    (from, to): (i64, i64),
    by: &str,
    rows: &[Hours],
) -> Markup {
    let bys = vec![
        ("volunteer".to_owned(), t(l, "mob-by-volunteer")),
        ("team".to_owned(), t(l, "mob-by-team")),
        ("unit".to_owned(), t(l, "mob-by-unit")),
        ("area".to_owned(), t(l, "mob-by-area")),
    ];
    let mut body = html!(
        "{}<h1>{}</h1><form method=\"get\" action=\"/roster/hours\" class=\"filters box\">{}{}{}{}<button>{}</button></form>",
        crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}", url_enc(&area.code))), (t(l, "mob-hours-title"), String::new())]),
        t(l, "mob-hours-title"),
        select("area", &t(l, "mob-f-area"), areas, &area.code, None),
        field("from", &t(l, "mob-f-from-date"), &ymd(from), None, "type=\"date\""),
        field("to", &t(l, "mob-f-to-date"), &ymd(to), None, "type=\"date\""),
        select("by", &t(l, "mob-f-by"), &bys, by, None),
        t(l, "mob-show")
    );
    let total: i64 = rows.iter().map(|r| r.half_hours).sum();
    let turns: i64 = rows.iter().map(|r| r.shifts).sum();
    body.push(html!(
        "<p id=\"hours-total\">{}</p><table id=\"hours\" class=\"stack\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        ta(l, "mob-hours-summary", &[("turns", Arg::N(turns)), ("h", Arg::S(half_hours_text(total)))]),
        t(l, &format!("mob-by-{by}")),
        t(l, "mob-col-people"),
        t(l, "mob-col-turns"),
        t(l, "mob-col-hours")
    ));
    for x in rows {
        let name = if by == "volunteer" {
            html!(
                "<a class=\"name\" href=\"/volunteers/{}\">{}</a>",
                x.key.clone(),
                x.label.clone()
            )
        } else {
            html!("{}", x.label.clone())
        };
        body.push(html!("<tr><td class=\"title\">{}</td><td class=\"n\" data-label=\"{}\">{}</td><td class=\"n\" data-label=\"{}\">{}</td><td class=\"n\" data-label=\"{}\">{}</td></tr>", name, t(l, "mob-col-people"), x.volunteers, t(l, "mob-col-turns"), x.shifts, t(l, "mob-col-hours"), half_hours_text(x.half_hours)));
    }
    body.0.push_str("</tbody></table>");
    if rows.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-hours-none")));
    }
    body
}

/// "My shifts" of someone with no volunteer record.
pub(super) fn not_a_volunteer(l: Lang) -> Markup {
    html!(
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        t(l, "nav-myshifts"),
        t(l, "mob-not-volunteer")
    )
}

/// A volunteer's own shifts: the month's hours, upcoming shifts (and the crews of those they
/// lead that are under way, to check in and out), past shifts, the certificate link.
pub(super) fn my_shifts(l: Lang, csrf: &str, x: &MyShifts) -> Markup {
    let mut body = html!(
        "<h1>{}</h1><div class=\"cards\"><div class=\"card\"><b id=\"month-hours\">{}</b><span>{}</span></div><div class=\"card\"><b>{}</b><span>{}</span></div></div><p class=\"muted\">{}</p>",
        t(l, "nav-myshifts"),
        half_hours_text(x.month_half_hours),
        t(l, "mob-month-hours"),
        x.upcoming.len() as i64,
        t(l, "mob-upcoming"),
        t(l, "mob-scan-hint")
    );
    body.push(html!("<h2>{}</h2>", t(l, "mob-upcoming")));
    if x.upcoming.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-upcoming\">{}</p>",
            t(l, "mob-upcoming-none")
        ));
    } else {
        body.push(mine_table(l, &x.upcoming));
    }
    // A shift leader checks the others of a shift under way in and out.
    for (m, crew) in &x.crews {
        body.push(html!(
            "<h3>{} · {}</h3><ul class=\"home crew\" id=\"crew-{}\">",
            t(l, "mob-crew"),
            window(m.start, m.end),
            m.shift
        ));
        for c in crew {
            let (action, label) = match (c.checkin, c.checkout) {
                (None, _) => ("in", t(l, "mob-check-in")),
                (Some(_), None) => ("out", t(l, "mob-check-out")),
                _ => ("", t(l, "mob-state-done")),
            };
            let button = if action.is_empty() {
                html!("<span class=\"tag ok\">{}</span>", label)
            } else {
                html!(
                    "<form method=\"post\" action=\"/roster/assignments/{}/check\" class=\"inline\">{}<input type=\"hidden\" name=\"back\" value=\"mine\"><input type=\"hidden\" name=\"action\" value=\"{}\"><button>{}</button></form>",
                    c.assignment,
                    csrf_field(csrf),
                    action,
                    label
                )
            };
            body.push(html!("<li>{} {}</li>", c.name.clone(), button));
        }
        body.0.push_str("</ul>");
    }
    if !x.past.is_empty() {
        body.push(html!("<h2>{}</h2>", t(l, "mob-past")));
        body.push(mine_table(l, &x.past));
    }
    body.push(html!(
        "<p><a class=\"btn alt\" href=\"/volunteers/{}/certificate\" id=\"my-cert\">{}</a></p>",
        x.volunteer,
        t(l, "mob-cert-link")
    ));
    body
}

/// The check-in page behind a place's QR code: the button for the shift open there, if any.
pub(super) fn duty_here(
    l: Lang,
    csrf: &str,
    place: &Place,
    token: &str,
    current: Option<&Mine>,
) -> Markup {
    let mut body = html!("<h1>{}</h1>", place.name);
    match current {
        Some(m) => {
            let out = m.checkin.is_some();
            body.push(html!(
                "<p class=\"big\">{} · {}</p><form method=\"post\" action=\"/duty/{}\">{}<input type=\"hidden\" name=\"action\" value=\"{}\"><button class=\"huge\" id=\"duty-button\">{}</button></form>",
                window(m.start, m.end),
                if l == Lang::Zh { m.post_zh.clone() } else { m.post_en.clone() },
                url_enc(token),
                csrf_field(csrf),
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
        "<p><a class=\"btn alt\" href=\"/me/shifts\">{}</a></p>",
        t(l, "nav-myshifts")
    ));
    body
}

/// What a scan did.
pub(super) fn duty_done(l: Lang, c: Checked, m: &Mine) -> Markup {
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
    html!("<h1>{}</h1><p class=\"notice\" role=\"status\" id=\"duty-done\">{}</p><p><a class=\"btn\" href=\"/me/shifts\">{}</a></p>", m.place, msg, t(l, "nav-myshifts"))
}

/// The service-hours certificate of `[from, to]` (day numbers), issued `today`.
pub(super) fn certificate(l: Lang, c: &Certificate, (from, to): (i64, i64), today: i64) -> Markup {
    let (fd, td) = match (c.shifts.first(), c.shifts.last()) {
        (Some(a), Some(b)) => (ymd(day_of(a.start)), ymd(day_of(b.start))),
        _ => (ymd(from), ymd(to)),
    };
    let mut body = html!(
        "<form method=\"get\" class=\"filters box noprint\">{}{}<button>{}</button></form><div class=\"certificate printable\" id=\"certificate\"><h1>{}</h1><p class=\"cert-text\">{}</p><p class=\"cert-total\" id=\"cert-hours\">{}</p><table class=\"stack\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
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
            "<tr><td class=\"title\"><b>{} {}</b></td><td data-label=\"{}\">{} · {}</td><td data-label=\"{}\">{}–{}</td><td class=\"n\" data-label=\"{}\">{}</td></tr>",
            ymd(day_of(s.start)),
            window(s.start, s.end),
            t(l, "mob-col-where"),
            s.place,
            if l == Lang::Zh { s.post_zh.clone() } else { s.post_en.clone() },
            t(l, "mob-col-checked"),
            s.checkin.map(clock).unwrap_or_default(),
            s.checkout.map(clock).unwrap_or_default(),
            t(l, "mob-col-hours"),
            half_hours_text(s.half_hours)
        ));
    }
    body.push(html!(
        "</tbody></table><p class=\"muted small\">{}</p><p class=\"cert-sign\">{}<br>{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>",
        t(l, "mob-cert-rule"),
        ta(l, "mob-cert-issuer", &[("area", Arg::S(c.area_name.clone()))]),
        ymd(today),
        t(l, "mob-print")
    ));
    body
}
