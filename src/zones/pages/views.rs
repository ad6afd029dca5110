//! The zones pages as views: an area's zones (in force, its children, history), a zone with its
//! changes and the extend/lift forms, the declaration form, the figures; and the badge the other
//! pages show for the zone in force.

use std::collections::HashMap;

use maud::html;

use super::forms::{ChangeFields, DeclareForm, FiguresQuery};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::Area;
use crate::web::html::{
    crumbs, csrf_field, error_box, field, minutes, notice, select, textarea, url_enc, Markup,
};
use crate::web::kit::FormErrors;
use crate::zones::figures::{Figures, Tally};
use crate::zones::lifecycle::{Change, State, Zone};
use crate::zones::{ZoneInForce, ZoneKind};

pub const PAGE: i64 = 20;

/// The tag of a kind (coloured: sealed red, controlled amber, precaution blue).
pub fn kind_tag(l: Lang, k: ZoneKind) -> Markup {
    html! { span class={ "tag zone-" (k.code()) } { (k.name(l)) } }.into()
}

/// The badge for the zone in force (on the area browser, a household, a list row): its kind,
/// until when, linked to the zone.
pub fn badge(l: Lang, z: &ZoneInForce) -> Markup {
    html! {
        a class={ "tag zone-badge zone-" (z.kind.code()) } href={ "/zones/" (z.id) } {
            (z.kind.name(l))
            @if let Some(e) = z.planned_end_ms {
                " · " (ta(l, "zone-until", &[("when", Arg::S(minutes(e)[5..].to_owned()))]))
            }
        }
    }
    .into()
}

fn state_tag(l: Lang, s: State) -> Markup {
    let class = match s {
        State::InForce => "tag bad",
        State::Planned => "tag warn",
        State::Ended | State::Lifted => "tag",
    };
    html! { span class=(class) { (t(l, &format!("zone-state-{}", s.code().replace('_', "-")))) } }
        .into()
}

/// What a zone covers, in words: the area's name or the household's address.
pub struct Names {
    pub areas: HashMap<i64, String>,
    pub households: HashMap<i64, String>,
    pub people: HashMap<String, String>,
}

impl Names {
    pub fn target(&self, l: Lang, z: &Zone) -> String {
        match z.household_id {
            Some(h) => self
                .households
                .get(&h)
                .cloned()
                .unwrap_or_else(|| ta(l, "zone-household-n", &[("n", Arg::N(h))])),
            None if z.target == "household" => t(l, "zone-household-gone"),
            None => self.areas.get(&z.area_id).cloned().unwrap_or_default(),
        }
    }
    pub fn person(&self, login: &str) -> String {
        self.people
            .get(login)
            .cloned()
            .unwrap_or_else(|| login.to_owned())
    }
}

fn period(l: Lang, z: &Zone) -> String {
    let end = match (z.lifted_ms, z.planned_end_ms) {
        (Some(x), _) => minutes(x),
        (None, Some(e)) => minutes(e),
        (None, None) => t(l, "zone-open-ended"),
    };
    format!("{} – {}", minutes(z.start_ms), end)
}

fn zone_rows(l: Lang, zs: &[Zone], names: &Names, now: i64, id: &str) -> Markup {
    html! {
        table.stack id=(id) {
            thead { tr {
                th { (t(l, "zone-kind")) } th { (t(l, "zone-target")) } th { (t(l, "zone-period")) } th { (t(l, "zone-state")) }
            } }
            tbody {
                @for z in zs {
                    tr {
                        td data-label=(t(l, "zone-kind")) { a href={ "/zones/" (z.id) } { (kind_tag(l, z.kind)) " #" (z.id) } }
                        td data-label=(t(l, "zone-target")) {
                            @if let Some(h) = z.household_id {
                                a href={ "/households/" (h) } { (names.target(l, z)) }
                            } @else { (names.target(l, z)) }
                        }
                        td data-label=(t(l, "zone-period")) { (period(l, z)) }
                        td data-label=(t(l, "zone-state")) { (state_tag(l, z.state(now))) }
                    }
                }
            }
        }
    }
    .into()
}

/// What the area page shows.
pub struct AreaView<'a> {
    pub area: &'a Area,
    pub parent: Option<&'a Area>,
    pub over: Option<&'a ZoneInForce>,
    pub current: &'a [Zone],
    pub history: &'a [Zone],
    pub history_total: i64,
    pub page: i64,
    pub children: &'a [(Area, Option<ZoneInForce>)],
    pub names: &'a Names,
    pub can_declare: bool,
    /// The area lies within the reader's scope (not only over it): its figures, candidates and
    /// registry page are linked.
    pub in_scope: bool,
    pub done: &'a str,
    pub now: i64,
}

pub fn area(l: Lang, v: &AreaView) -> Markup {
    let a = v.area;
    let pages = ((v.history_total + PAGE - 1) / PAGE).max(1);
    let base = format!("/zones?area={}", url_enc(&a.code));
    html! {
        (crumbs(&[(t(l, "zone-title"), String::new())]))
        h1 { (t(l, "zone-title")) " · " (a.name) }
        @if v.done == "declared" { (notice(&t(l, "zone-done-declared"))) }
        p #zone-over {
            @match v.over {
                Some(z) => { (t(l, "zone-area-now")) " " (badge(l, z)) }
                None => { span.muted { (t(l, "zone-area-none")) } }
            }
        }
        p.actions {
            @if v.can_declare {
                a.btn #zone-declare href={ "/zones/new?area=" (url_enc(&a.code)) } { (t(l, "zone-declare")) }
            }
            @if v.in_scope {
                a.btn.alt #zone-figures href={ "/zones/figures?area=" (url_enc(&a.code)) } { (t(l, "zone-figures")) }
                @if a.level <= 5 {
                    a.btn.alt #zone-candidates href={ "/zones/candidates?area=" (url_enc(&a.code)) } { (t(l, "zone-candidates")) }
                }
                a.btn.alt href={ "/areas/" (url_enc(&a.code)) } { (t(l, "zone-to-area")) }
            }
            @if let Some(p) = v.parent {
                a.btn.alt #zone-up href={ "/zones?area=" (url_enc(&p.code)) } { "‹ " (p.name) }
            }
        }
        h2 { (t(l, "zone-current")) }
        @if v.current.is_empty() {
            p.muted #zones-current-none { (t(l, "zone-current-none")) }
        } @else {
            (zone_rows(l, v.current, v.names, v.now, "zones-current"))
        }
        @if !v.children.is_empty() {
            h2 { (t(l, "zone-children")) }
            ul.home #zone-children {
                @for (c, z) in v.children {
                    li {
                        a href={ "/zones?area=" (url_enc(&c.code)) } { b { (c.name) } }
                        " "
                        @if let Some(z) = z { (badge(l, z)) }
                    }
                }
            }
        }
        h2 { (t(l, "zone-history")) }
        @if v.history.is_empty() {
            p.muted { (t(l, "zone-history-none")) }
        } @else {
            (zone_rows(l, v.history, v.names, v.now, "zones-history"))
            nav.pager {
                @if v.page > 1 {
                    a.btn.alt rel="prev" href={ (base) "&page=" (v.page - 1) } { "‹ " (t(l, "zone-prev")) }
                } @else { span {} }
                span.muted { (ta(l, "zone-page-of", &[("page", Arg::N(v.page)), ("pages", Arg::N(pages))])) }
                @if v.page < pages {
                    a.btn.alt rel="next" href={ (base) "&page=" (v.page + 1) } { (t(l, "zone-next")) " ›" }
                } @else { span {} }
            }
        }
    }
    .into()
}

fn kind_options(l: Lang) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(l, "zone-choose"))];
    v.extend(ZoneKind::ALL.iter().map(|k| {
        let text = match l {
            Lang::Zh => format!("{}（{}）", k.name(l), k.rule(l)),
            Lang::En => format!("{} ({})", k.name(l), k.rule(l)),
        };
        (k.code().to_owned(), text)
    }));
    v
}

/// The labels of the declaration form's fields, for its error lines.
pub fn declare_labels(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("zone_kind", t(l, "zone-kind")),
        ("area", t(l, "zone-target")),
        ("household", t(l, "zone-target")),
        ("starts", t(l, "zone-start")),
        ("ends", t(l, "zone-planned-end")),
        ("reason", t(l, "zone-reason")),
        ("decided_by", t(l, "zone-decided-by")),
    ]
}

pub fn change_labels(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("ends", t(l, "zone-new-end")),
        ("reason", t(l, "zone-reason")),
        ("decided_by", t(l, "zone-decided-by")),
    ]
}

/// The declaration form over `target_name`.
pub fn declare(
    l: Lang,
    csrf: &str,
    target_name: &str,
    back: &str,
    f: &DeclareForm,
    errs: &FormErrors,
) -> Markup {
    html! {
        (crumbs(&[(t(l, "zone-title"), back.to_owned()), (t(l, "zone-declare"), String::new())]))
        h1 { (t(l, "zone-declare")) }
        p #zone-new-target { (t(l, "zone-target")) ": " b { (target_name) } }
        (error_box(l, &errs.lines))
        form.box #zone-new method="post" action="/zones/new" novalidate {
            (csrf_field(csrf))
            input type="hidden" name="client_id" value=(f.client_id);
            input type="hidden" name="area" value=(f.area);
            input type="hidden" name="household" value=(f.household);
            (select("kind", &t(l, "zone-kind"), &kind_options(l), &f.kind, errs.field("zone_kind")))
            div.two {
                (field("start_date", &t(l, "zone-start-date"), &f.start_date, errs.field("starts"), "type=\"date\" required"))
                (field("start_time", &t(l, "zone-time"), &f.start_time, None, "type=\"time\""))
            }
            div.two {
                (field("end_date", &t(l, "zone-end-date"), &f.end_date, errs.field("ends"), "type=\"date\""))
                (field("end_time", &t(l, "zone-time"), &f.end_time, None, "type=\"time\""))
            }
            p.muted { (t(l, "zone-end-hint")) }
            (textarea("reason", &t(l, "zone-reason"), &f.reason, errs.field("reason"), "required maxlength=\"500\""))
            (field("decided_by", &t(l, "zone-decided-by"), &f.decided_by, errs.field("decided_by"), &format!("required maxlength=\"200\" placeholder=\"{}\"", t(l, "zone-decided-by-hint"))))
            button.big #zone-new-submit type="submit" data-confirm=(t(l, "zone-declare-confirm")) { (t(l, "zone-declare")) }
        }
    }
    .into()
}

/// What a zone's page shows.
pub struct ZoneView<'a> {
    pub z: &'a Zone,
    pub area: Option<&'a Area>,
    pub changes: &'a [Change],
    pub names: &'a Names,
    pub can_change: bool,
    pub csrf: &'a str,
    pub done: &'a str,
    pub now: i64,
    /// The form that came back: ("extend" | "lift", values, errors).
    pub back: Option<(&'a str, &'a ChangeFields, &'a FormErrors)>,
    pub client_ids: (&'a str, &'a str),
}

pub fn zone(l: Lang, v: &ZoneView) -> Markup {
    let z = v.z;
    let state = z.state(v.now);
    let back = |form: &str| v.back.filter(|b| b.0 == form);
    let empty = ChangeFields::default();
    let none = FormErrors::none();
    let (ef, ee) = back("extend").map_or((&empty, &none), |b| (b.1, b.2));
    let (lf, le) = back("lift").map_or((&empty, &none), |b| (b.1, b.2));
    let area_href = v
        .area
        .map(|a| format!("/zones?area={}", url_enc(&a.code)))
        .unwrap_or_else(|| "/zones".into());
    html! {
        (crumbs(&[(t(l, "zone-title"), area_href.clone()), (format!("#{}", z.id), String::new())]))
        h1 { (kind_tag(l, z.kind)) " " (v.names.target(l, z)) }
        @match v.done {
            "extended" => { (notice(&t(l, "zone-done-extended"))) }
            "lifted" => { (notice(&t(l, "zone-done-lifted"))) }
            "declared" => { (notice(&t(l, "zone-done-declared"))) }
            _ => {}
        }
        dl.kv #zone-facts {
            dt { (t(l, "zone-state")) } dd { (state_tag(l, state)) }
            dt { (t(l, "zone-kind")) } dd { (z.kind.name(l)) span.muted { " · " (z.kind.rule(l)) } }
            dt { (t(l, "zone-target")) } dd {
                @if let Some(h) = z.household_id {
                    a href={ "/households/" (h) } { (v.names.target(l, z)) }
                } @else if let Some(a) = v.area {
                    a href=(area_href) { (a.name) }
                }
            }
            dt { (t(l, "zone-start")) } dd { (minutes(z.start_ms)) }
            dt { (t(l, "zone-planned-end")) } dd #zone-end {
                @match z.planned_end_ms { Some(e) => { (minutes(e)) } None => { (t(l, "zone-open-ended")) } }
            }
            @if let Some(x) = z.lifted_ms {
                dt { (t(l, "zone-lifted-at")) } dd #zone-lifted { (minutes(x)) }
            }
            dt { (t(l, "zone-reason")) } dd { (z.reason) }
            dt { (t(l, "zone-decided-by")) } dd { (z.decided_by) }
            dt { (t(l, "zone-recorded-by")) } dd { (v.names.person(&z.recorded_by)) " · " (minutes(z.created_ms)) }
        }
        h2 { (t(l, "zone-changes")) }
        table.stack #zone-changes {
            thead { tr { th { (t(l, "zone-when")) } th { (t(l, "zone-change")) } th { (t(l, "zone-decided-by")) } th { (t(l, "zone-by")) } } }
            tbody {
                @for c in v.changes {
                    tr {
                        td data-label=(t(l, "zone-when")) { (minutes(c.at_ms)) }
                        td data-label=(t(l, "zone-change")) {
                            div {
                                b { (t(l, &format!("zone-change-{}", c.change))) }
                                @if c.change == "extended" {
                                    " " span.muted {
                                        (c.old_end_ms.map(minutes).unwrap_or_default()) " → " (c.new_end_ms.map(minutes).unwrap_or_default())
                                    }
                                }
                                @if !c.reason.is_empty() { div { (c.reason) } }
                            }
                        }
                        td data-label=(t(l, "zone-decided-by")) { (c.decided_by) }
                        td data-label=(t(l, "zone-by")) { (v.names.person(&c.actor)) }
                    }
                }
            }
        }
        @if v.can_change && matches!(state, State::InForce | State::Planned) {
            @if z.planned_end_ms.is_some() {
                h2 { (t(l, "zone-extend")) }
                (error_box(l, &ee.lines))
                form.box #zone-extend method="post" action={ "/zones/" (z.id) "/extend" } novalidate {
                    (csrf_field(v.csrf))
                    input type="hidden" name="client_id" value=(if ef.client_id.is_empty() { v.client_ids.0 } else { &ef.client_id });
                    div.two {
                        (field("end_date", &t(l, "zone-new-end"), &ef.end_date, ee.field("ends"), "type=\"date\" required"))
                        (field("end_time", &t(l, "zone-time"), &ef.end_time, None, "type=\"time\""))
                    }
                    (textarea("reason", &t(l, "zone-reason"), &ef.reason, ee.field("reason"), "required maxlength=\"500\""))
                    (field("decided_by", &t(l, "zone-decided-by"), &ef.decided_by, ee.field("decided_by"), "required maxlength=\"200\""))
                    button #zone-extend-submit type="submit" data-confirm=(t(l, "zone-extend-confirm")) { (t(l, "zone-extend")) }
                }
            }
            h2 { (t(l, "zone-lift")) }
            (error_box(l, &le.lines))
            form.box #zone-lift method="post" action={ "/zones/" (z.id) "/lift" } novalidate {
                (csrf_field(v.csrf))
                input type="hidden" name="client_id" value=(if lf.client_id.is_empty() { v.client_ids.1 } else { &lf.client_id });
                (textarea("reason", &t(l, "zone-lift-reason"), &lf.reason, le.field("reason"), "required maxlength=\"500\""))
                (field("decided_by", &t(l, "zone-decided-by"), &lf.decided_by, le.field("decided_by"), "required maxlength=\"200\""))
                button.warn #zone-lift-submit type="submit" data-confirm=(t(l, "zone-lift-confirm")) { (t(l, "zone-lift")) }
            }
        }
    }
    .into()
}

fn tally_cells(l: Lang, f: &Figures) -> Markup {
    html! {
        @for k in ZoneKind::ALL {
            @let x: Tally = f.of(k);
            td data-label=(k.name(l)) class={ "num zone-" (k.code()) } {
                (ta(l, "zone-hh-people", &[("hh", Arg::N(x.households)), ("people", Arg::N(x.people))]))
            }
        }
    }
    .into()
}

/// The figures page.
pub fn figures(
    l: Lang,
    area: &Area,
    q: &FiguresQuery,
    total: &Figures,
    children: &[(Area, Figures)],
    when: &str,
) -> Markup {
    html! {
        (crumbs(&[(t(l, "zone-title"), format!("/zones?area={}", url_enc(&area.code))), (t(l, "zone-figures"), String::new())]))
        h1 { (t(l, "zone-figures")) " · " (area.name) }
        form.filters method="get" action="/zones/figures" {
            input type="hidden" name="area" value=(area.code);
            (field("day", &t(l, "zone-day"), &q.day, None, "type=\"date\""))
            button { (t(l, "zone-show")) }
        }
        p.muted #zone-figures-when { (when) }
        div.cards #zone-figures-total {
            @for k in ZoneKind::ALL {
                @let x = total.of(k);
                div class={ "card zone-" (k.code()) } {
                    b { (ta(l, "zone-hh", &[("n", Arg::N(x.households))])) }
                    span { (k.name(l)) " · " (ta(l, "zone-people", &[("n", Arg::N(x.people))])) }
                }
            }
        }
        @if !children.is_empty() {
            table.stack #zone-figures-children {
                thead { tr {
                    th { (t(l, "zone-area")) }
                    @for k in ZoneKind::ALL { th { (k.name(l)) } }
                } }
                tbody {
                    @for (a, f) in children {
                        tr {
                            td data-label=(t(l, "zone-area")) { a href={ "/zones/figures?area=" (url_enc(&a.code)) "&day=" (url_enc(&q.day)) } { (a.name) } }
                            (tally_cells(l, f))
                        }
                    }
                }
            }
        }
        p.muted { (t(l, "zone-figures-note")) }
    }
    .into()
}

/// On a household's page: the zone in force over it, and for officers who declare, the link to
/// declare one over this household.
pub fn household_section(
    l: Lang,
    household: i64,
    z: Option<&ZoneInForce>,
    can_declare: bool,
) -> Markup {
    html! {
        section.box #household-zone {
            h2 { (t(l, "zone-title")) }
            @match z {
                Some(z) => p { (badge(l, z)) " " span.muted { (z.kind.rule(l)) } }
                None => p.muted { (t(l, "zone-household-none")) }
            }
            @if can_declare {
                p { a.btn.alt #zone-declare-household href={ "/zones/new?household=" (household) } { (t(l, "zone-declare-household")) } }
            }
        }
    }
    .into()
}

/// On an area's page, after its tallies: the zone in force over it, the households and people
/// in each kind of zone inside it, and the way to the area's zones.
pub fn area_section(l: Lang, area: &Area, over: Option<&ZoneInForce>, f: &Figures) -> Markup {
    let any = f.total().households > 0;
    html! {
        section.box #area-zones {
            h2 { (t(l, "zone-title")) }
            @if let Some(z) = over {
                p { (t(l, "zone-area-now")) " " (badge(l, z)) }
            }
            @if any {
                div.cards {
                    @for k in ZoneKind::ALL {
                        @let x = f.of(k);
                        @if x.households > 0 {
                            div class={ "card zone-" (k.code()) } {
                                b { (ta(l, "zone-hh", &[("n", Arg::N(x.households))])) }
                                span { (k.name(l)) " · " (ta(l, "zone-people", &[("n", Arg::N(x.people))])) }
                            }
                        }
                    }
                }
            } @else {
                p.muted { (t(l, "zone-area-clear")) }
            }
            p { a.btn.alt #to-zones href={ "/zones?area=" (url_enc(&area.code)) } { (t(l, "zone-open")) } }
        }
    }
    .into()
}
