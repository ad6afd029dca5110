//! Views of a place: its week of shifts with who is on each (rule breaches and recorded
//! overrides shown, and the officers' buttons), the assignment form, and its check-in poster.

use crate::html;

use super::places::{AssignForm, PlaceWeek};
use super::rosters_views::{weekday_name, window};
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::duty;
use crate::mobilization::roster::{self, Holder, Place, Shift};
use crate::mobilization::rules::{day_of, half_hours_text, ymd};
use crate::mobilization::{label, PLACE_KINDS};
use crate::registry::validate::mask_phone;
use crate::web::html::clock;
use crate::web::html::qr_svg;
use crate::web::html::{crumbs, csrf_field, error_box, field, select, url_enc, Markup};

/// The overridden rules of a placement in words ("overlap hours24 over_headcount" →
/// "另一班次重叠、…"): the stored codes are never shown.
pub(super) fn override_text(l: Lang, codes: &str) -> String {
    codes
        .split_whitespace()
        .map(|c| {
            let id = match c {
                "overlap" => "mob-ov-overlap",
                "hours24" => "mob-ov-hours24",
                "rest" => "mob-ov-rest",
                "days" => "mob-ov-days",
                "availability" => "mob-ov-availability",
                "skill" => "mob-ov-skill",
                roster::OVER_HEADCOUNT => "mob-ov-over-headcount",
                _ => "mob-ov-other",
            };
            t(l, id)
        })
        .collect::<Vec<_>>()
        .join(if l == Lang::Zh { "、" } else { ", " })
}

/// One person on a shift: name, flags, state, the rules the placement breaks, and for officers
/// the check-in, remove and leader buttons.
fn holder_line(
    l: Lang,
    csrf: &str,
    now: i64,
    w: &PlaceWeek,
    h: &Holder,
    s: &Shift,
    week: &str,
) -> Markup {
    let (rules, manage) = (&w.rules, w.manage);
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
            " <span class=\"tag\" title=\"{}\">{}</span>",
            t(l, "mob-auto"),
            t(l, "mob-auto-tag")
        ));
    }
    let mut overridden = Markup::default();
    if !h.override_rules.is_empty() {
        flags.push(html!(
            " <span class=\"tag warn override\">{}</span>",
            t(l, "mob-override")
        ));
        // On a phone a title is never seen: the reason and who gave it, in words.
        let by = w.names.get(&h.override_by).unwrap_or(&h.override_by);
        overridden = html!(
            "<span class=\"sub override-why\">{}</span>",
            ta(
                l,
                "mob-override-why",
                &[
                    ("what", Arg::S(override_text(l, &h.override_rules))),
                    ("reason", Arg::S(h.override_reason.clone())),
                    ("by", Arg::S(by.clone()))
                ]
            )
        );
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
                csrf_field(csrf),
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
                "",
            ));
        } else if h.checkin.is_some() && h.checkout.is_none() {
            ops.push(form(
                "check",
                t(l, "mob-check-out"),
                "<input type=\"hidden\" name=\"action\" value=\"out\">",
                "",
            ));
        }
        if h.checkin.is_none() {
            ops.push(form("remove", t(l, "mob-remove"), "", "alt"));
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
            "alt",
        ));
    }
    html!(
        "<li class=\"holder\"><a class=\"name\" href=\"/volunteers/{}\">{}</a>{}{}<span class=\"sub\">{}{}</span>{}{}<span class=\"ops\">{}</span></li>",
        h.volunteer,
        h.name,
        flags,
        state,
        mask_phone(&h.phone),
        if h.unit.is_empty() { String::new() } else { format!(" · {}", h.unit) },
        overridden,
        breach,
        ops
    )
}

/// The one assignment form of the page: the shift, a searchable list of the approved
/// volunteers serving the place's community, and the override reason.
fn assign_form(
    l: Lang,
    csrf: &str,
    w: &PlaceWeek,
    vols: &[(i64, String, String)],
    f: &AssignForm,
    errors: &[String],
) -> Markup {
    let wk = ymd(w.week);
    let mut dl = Markup("<datalist id=\"vol-list\">".into());
    for (id, name, unit) in vols {
        dl.push(html!("<option value=\"{} · {} #{}\">", name, unit, id));
    }
    dl.0.push_str("</datalist>");
    let shift_opts: Vec<(String, String)> = w
        .list
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
    let chosen_full = w
        .list
        .iter()
        .any(|(s, hs)| s.id.to_string() == f.shift && hs.len() as i64 >= s.headcount);
    let hint = if errors.is_empty() && !chosen_full {
        None
    } else {
        Some(t(l, "mob-override-hint"))
    };
    html!(
        "<form method=\"post\" action=\"/roster/assign\" class=\"box\" id=\"assign\">{}<input type=\"hidden\" name=\"week\" value=\"{}\">{}<label class=\"field\"><span>{}</span><input name=\"volunteer\" list=\"vol-list\" required autocomplete=\"off\" value=\"{}\"></label>{}{}{}<button>{}</button></form>",
        csrf_field(csrf),
        wk,
        select("shift", &t(l, "mob-f-shift"), &shift_opts, &f.shift, None),
        t(l, "mob-f-volunteer"),
        f.volunteer.as_str(),
        dl,
        field("override_reason", &t(l, "mob-f-override"), &f.override_reason, hint.as_deref(), "maxlength=\"300\""),
        Markup(String::new()),
        t(l, "mob-assign")
    )
}

/// A place's week: its shifts day by day with who is on each; for officers the assignment
/// form (with `f`'s values and `errors` when an assignment failed).
pub(super) fn place_week(
    l: Lang,
    csrf: &str,
    now: i64,
    w: &PlaceWeek,
    f: &AssignForm,
    errors: &[String],
    top: Markup,
) -> Markup {
    let (place, area, week, list) = (&w.place, &w.area, w.week, &w.list);
    let wk = ymd(week);
    let mut body = html!(
        "{}<h1>{}</h1><p class=\"muted\">{} · {}</p>{}{}<div class=\"actions\"><a class=\"btn alt\" href=\"/roster/places/{}?week={}\">‹ {}</a><a class=\"btn alt\" href=\"/roster/places/{}?week={}\">{} ›</a><a class=\"btn alt\" href=\"/roster/places/{}/qr\">{}</a></div>",
        crumbs(&[(t(l, "mob-roster-title"), format!("/roster?area={}&week={}", url_enc(&area.code), wk)), (place.name.clone(), String::new())]),
        place.name,
        label(PLACE_KINDS, &place.kind, l),
        ta(l, "mob-week-of", &[("d", Arg::S(wk.clone()))]),
        top,
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
    if let Some(vols) = &w.volunteers {
        body.push(assign_form(l, csrf, w, vols, f, errors));
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
                body.push(holder_line(l, csrf, now, w, h, s, &wk));
            }
            if w.manage && now < s.end {
                // A full shift takes one more with a reason (the form says so).
                body.push(html!(
                    "<li><a class=\"btn alt add\" href=\"/roster/places/{}?week={}&shift={}#assign\">+ {}</a></li>",
                    place.id,
                    wk,
                    s.id,
                    t(l, if full { "mob-assign-extra" } else { "mob-assign" })
                ));
            }
            body.0.push_str("</ul></div>");
        }
        body.0.push_str("</section>");
    }
    body.0.push_str("</div>");
    body
}

/// The printable poster of a place's check-in QR code, pointing at `url`.
pub(super) fn place_poster(l: Lang, p: &Place, url: &str) -> Markup {
    html!(
        "<div class=\"poster\" id=\"place-poster\"><h1>{}</h1><p>{}</p>{}<p class=\"mono\">{}</p><p class=\"muted\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button></div>",
        p.name,
        t(l, "mob-qr-checkin"),
        qr_svg(url),
        url,
        t(l, "mob-qr-checkin-hint"),
        t(l, "mob-print")
    )
}
