//! The checkpoints' pages as markup (maud): the checker's gate page (scan or type, the person's
//! card with the suggestion and the decision buttons, the visitor form, the waiting visitors),
//! the vehicle form, the checkpoint page (settings, log, figures, retention), the list, the area
//! figures and the visitors' public form.

use maud::html;

use crate::checkpoints::figures::{Figures, Group};
use crate::checkpoints::ingest::Outcome;
use crate::checkpoints::visitors::Waiting;
use crate::checkpoints::{
    label, reasons_text, temp_text, Checkpoint, Lane, LogEntry, PersonCard, BANDS, CODES,
    DECISIONS, DIRECTIONS, KINDS, TEST_STATUSES, VEHICLE_CLASSES, ZONES,
};
use crate::i18n::{t, ta, Arg, Lang};
use crate::web::html::{csrf_field, datetime, error_box, notice, Markup};

pub fn pager(l: Lang, page: i64, pages: i64, href: impl Fn(i64) -> String) -> maud::Markup {
    html! {
        nav.pager #log-pager {
            @if page > 1 {
                a.btn.alt rel="prev" href=(href(page - 1)) { (t(l, "cp-prev-page")) }
            } @else { span {} }
            span.muted { (ta(l, "cp-page-of", &[("n", Arg::N(page)), ("of", Arg::N(pages))])) }
            @if page < pages {
                a.btn.alt rel="next" href=(href(page + 1)) { (t(l, "cp-next-page")) }
            } @else { span {} }
        }
    }
}

fn radios(l: Lang, name: &str, v: crate::mobilization::Vocab, chosen: &str) -> maud::Markup {
    html! {
        @for (code, en, zh) in v {
            label.tag {
                input type="radio" name=(name) value=(code) checked[*code == chosen];
                (if l == Lang::Zh { *zh } else { *en })
            }
        }
    }
}

fn options(l: Lang, v: crate::mobilization::Vocab, chosen: &str) -> maud::Markup {
    html! {
        @for (code, en, zh) in v {
            option value=(code) selected[*code == chosen] { (if l == Lang::Zh { *zh } else { *en }) }
        }
    }
}

/// The checks and the decision buttons, shared by the resident's card, the visitor form and a
/// confirmation.
pub fn checks(l: Lang, direction: &str, lanes: &[Lane], suggested: &str) -> maud::Markup {
    html! {
        fieldset.field {
            legend { (t(l, "cp-health-code")) }
            (radios(l, "health_code", CODES, "green"))
        }
        div.two {
            label.field { span { (t(l, "cp-temperature")) }
                input type="number" name="temperature" step="0.1" min="34" max="42" inputmode="decimal" placeholder="36.5";
            }
            label.field { span { (t(l, "cp-direction")) }
                select name="direction" { (options(l, DIRECTIONS, direction)) }
            }
        }
        label.tag { input type="checkbox" name="star" value="1"; (t(l, "cp-star")) }
        @if !lanes.is_empty() {
            label.field { span { (t(l, "cp-lane")) }
                select name="lane" {
                    option value="" { (t(l, "cp-lane-any")) }
                    @for x in lanes { option value=(x.id) { (x.name) } }
                }
            }
        }
        label.field { span { (t(l, "cp-note")) } input name="note" maxlength="500"; }
        div.actions.decide {
            @for (code, en, zh) in DECISIONS {
                button name="decision" value=(code) id={ "decide-" (code) }
                    class=(if *code == suggested { "big" } else { "big alt" })
                    data-confirm=[(*code != "pass").then(|| t(l, "cp-confirm-stop"))] {
                    (if l == Lang::Zh { *zh } else { *en })
                }
            }
        }
    }
}

fn zone_tag(l: Lang, zone: &str) -> maud::Markup {
    html! {
        @if zone.is_empty() { span.tag.ok { (t(l, "cp-zone-none")) } }
        @else { span.tag.bad.zone { (label(ZONES, zone, l)) } }
    }
}

fn test_tag(l: Lang, test: &str, validity_h: i64) -> maud::Markup {
    let cls = match test {
        "negative" => "tag ok",
        "positive" => "tag bad",
        _ => "tag warn",
    };
    html! {
        span class=(cls) #test-status {
            @if test == "negative" { (ta(l, "cp-test-negative", &[("h", Arg::N(validity_h))])) }
            @else { (label(TEST_STATUSES, test, l)) }
        }
    }
}

/// What the gate page shows.
pub struct Gate<'a> {
    pub cp: &'a Checkpoint,
    pub lanes: &'a [Lane],
    pub csrf: &'a str,
    pub done: &'a str,
    pub waiting: &'a [Waiting],
    pub errors: Vec<String>,
    /// The code typed, kept after an error.
    pub code: &'a str,
    /// A fresh client id for the forms.
    pub client_id: &'a str,
}

pub fn gate(l: Lang, g: &Gate) -> Markup {
    let id = g.cp.id;
    html! {
        p.crumbs { a href={ "/checkpoints/" (id) } { (g.cp.name) } }
        h1.collect-h { (t(l, "cp-gate-title")) " · " (g.cp.name) }
        @if !g.done.is_empty() { (notice(g.done)) }
        (error_box(l, &g.errors))
        form.box.scan-form #lookup-form method="post" action={ "/checkpoints/" (id) "/lookup" } {
            (csrf_field(g.csrf))
            label.field.big { span { (t(l, "cp-code")) }
                input #code name="code" value=(g.code) required autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus;
            }
            div.row {
                button.scan.alt.big type="button" data-scan="code" hidden { (t(l, "cp-scan")) }
                button.big #find { (t(l, "cp-find")) }
            }
        }
        div #scanner .scanner hidden {
            video #scanner-video playsinline muted {}
            p.muted #scanner-msg { (t(l, "cp-scan-hint")) }
            button.alt.big type="button" #scanner-stop { (t(l, "cp-scan-stop")) }
        }
        h2 { (t(l, "cp-waiting")) }
        @if g.waiting.is_empty() {
            p.muted #no-waiting { (t(l, "cp-waiting-none")) }
        } @else {
            ul.home #waiting {
                @for w in g.waiting {
                    li {
                        a href={ "/checkpoints/" (id) "/visitors/" (w.id) } {
                            b { "#" (w.id) " " (w.name) } " · " (w.from_place)
                        }
                        span.sub { (label(DIRECTIONS, &w.direction, l)) " · " span.masked { (w.doc_number) } " · " (datetime(w.created_ms)) }
                    }
                }
            }
        }
        p.actions {
            a.btn.alt #vehicle-link href={ "/checkpoints/" (id) "/vehicle" } { (t(l, "cp-vehicle")) }
            a.btn.alt #visitor-qr href={ "/checkpoints/" (id) "/poster" } { (t(l, "cp-poster")) }
        }
        details.box #visitor-box {
            summary { (t(l, "cp-visitor")) }
            form method="post" action={ "/checkpoints/" (id) "/pass" } #visitor-form {
                (csrf_field(g.csrf))
                input type="hidden" name="client_id" value=(g.client_id);
                input type="hidden" name="kind" value="visitor";
                (visitor_fields(l, &VisitorValues::default()))
                (checks(l, "in", g.lanes, "pass"))
            }
        }
    }
    .into()
}

/// A visitor's details as typed (kept after an error).
#[derive(Default)]
pub struct VisitorValues {
    pub doc_type: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

pub fn visitor_fields(l: Lang, v: &VisitorValues) -> maud::Markup {
    html! {
        label.field { span { (t(l, "cp-doc-type")) }
            select name="doc_type" {
                @for d in crate::registry::model::DOC_TYPES {
                    option value=(d.code) selected[d.code == v.doc_type] { (if l == Lang::Zh { d.zh } else { d.en }) }
                }
            }
        }
        label.field { span { (t(l, "cp-doc-number")) } input name="number" value=(v.number) required autocomplete="off"; }
        label.field { span { (t(l, "cp-name")) } input name="name" value=(v.name) required maxlength="50"; }
        label.field { span { (t(l, "cp-phone")) } input name="phone" value=(v.phone) type="tel" inputmode="tel"; }
        label.field { span { (t(l, "cp-from")) } input name="from" value=(v.from) required maxlength="100"; }
        label.field { span { (t(l, "cp-to")) } input name="to" value=(v.to) maxlength="100"; }
        label.field { span { (t(l, "cp-reason")) } input name="reason" value=(v.reason) maxlength="200"; }
    }
}

/// The person found: masked name, sex, age, zone, test, the suggestion, the checks and the
/// decision buttons.
#[allow(clippy::too_many_arguments)]
pub fn card(
    l: Lang,
    cp: &Checkpoint,
    lanes: &[Lane],
    csrf: &str,
    p: &PersonCard,
    code: &str,
    client_id: &str,
    errors: &[String],
) -> Markup {
    let (suggested, reasons) = crate::checkpoints::suggest(&crate::checkpoints::Checks {
        health_code: "green",
        star: false,
        temp_dc: None,
        test: &p.test,
        zone: &p.zone,
        direction: "in",
        require_test: cp.require_test,
    });
    let sex = match p.sex {
        1 => t(l, "cp-male"),
        2 => t(l, "cp-female"),
        _ => String::new(),
    };
    html! {
        p.crumbs { a href={ "/checkpoints/" (cp.id) "/gate" } { (t(l, "cp-gate-title")) } }
        (error_box(l, errors))
        div.box #person-card {
            h1 #person-name { (p.name) }
            p { (sex) @if let Some(a) = p.age { " · " (ta(l, "cp-age", &[("n", Arg::N(a))])) } }
            p { (zone_tag(l, &p.zone)) " " (test_tag(l, &p.test, cp.validity_h)) }
            p #suggestion class={ "outcome " (if suggested == "pass" { "ok" } else { "bad" }) } {
                b { (t(l, "cp-suggestion")) ": " (label(DECISIONS, suggested, l)) }
                @if !reasons.is_empty() { " — " (reasons_text(&reasons.join(" "), l)) }
                br;
                span.small { (t(l, "cp-suggestion-hint")) }
            }
        }
        form.box method="post" action={ "/checkpoints/" (cp.id) "/pass" } #pass-form {
            (csrf_field(csrf))
            input type="hidden" name="client_id" value=(client_id);
            input type="hidden" name="kind" value="resident";
            input type="hidden" name="code" value=(code);
            (checks(l, "in", lanes, suggested))
        }
    }
    .into()
}

/// A visitor's self-registration to confirm.
pub fn confirm(
    l: Lang,
    cp: &Checkpoint,
    lanes: &[Lane],
    csrf: &str,
    w: &Waiting,
    client_id: &str,
    errors: &[String],
) -> Markup {
    html! {
        p.crumbs { a href={ "/checkpoints/" (cp.id) "/gate" } { (t(l, "cp-gate-title")) } }
        h1 { (t(l, "cp-confirm-visitor")) " #" (w.id) }
        (error_box(l, errors))
        dl.kv #visitor-card {
            dt { (t(l, "cp-name")) } dd #visitor-name { (w.name) }
            dt { (t(l, "cp-doc-number")) } dd.masked { (w.doc_number) }
            dt { (t(l, "cp-phone")) } dd {
                @if w.phone.is_empty() { "—" } @else {
                    form.inline.call method="post" action={ "/checkpoints/" (cp.id) "/visitors/" (w.id) "/call" } data-call #call-visitor {
                        (csrf_field(csrf))
                        input type="hidden" name="back" value={ "/checkpoints/" (cp.id) "/visitors/" (w.id) };
                        button.alt.call type="submit" {
                            (t(l, "call-phone")) " " span.masked { (w.phone) }
                        }
                    }
                }
            }
            dt { (t(l, "cp-from")) } dd { (w.from_place) }
            dt { (t(l, "cp-to")) } dd { (w.to_place) }
            dt { (t(l, "cp-reason")) } dd { (w.reason) }
        }
        form.box method="post" action={ "/checkpoints/" (cp.id) "/pass" } #confirm-form {
            (csrf_field(csrf))
            input type="hidden" name="client_id" value=(client_id);
            input type="hidden" name="kind" value="registered";
            input type="hidden" name="registered" value=(w.id);
            (checks(l, &w.direction, lanes, "pass"))
        }
    }
    .into()
}

/// One occupant row of the vehicle form, as typed.
#[derive(Default, Clone)]
pub struct OccupantValues {
    pub code: String,
    pub name: String,
    pub number: String,
    pub phone: String,
    pub from: String,
    pub health_code: String,
    pub temperature: String,
    pub decision: String,
}

pub const OCCUPANT_ROWS: usize = 5;

pub struct VehicleForm<'a> {
    pub plate: &'a str,
    pub class: &'a str,
    pub cargo: &'a str,
    pub direction: &'a str,
    pub rows: &'a [OccupantValues],
    pub client_id: &'a str,
    /// The answer to the last try, shown above the form.
    pub outcome: Option<&'a Outcome>,
    pub errors: Vec<String>,
}

pub fn vehicle(l: Lang, cp: &Checkpoint, csrf: &str, v: &VehicleForm) -> Markup {
    html! {
        p.crumbs { a href={ "/checkpoints/" (cp.id) "/gate" } { (t(l, "cp-gate-title")) } }
        h1 { (t(l, "cp-vehicle")) }
        (error_box(l, &v.errors))
        @if let Some(o) = v.outcome {
            div #vehicle-outcome class={ "outcome " (if o.occupants.iter().all(|x| x.is_logged()) { "ok" } else { "warn" }) } {
                b { (o.message.get(l)) }
                ol.outcomes {
                    @for (i, x) in o.occupants.iter().enumerate() {
                        li class={ "outcome " (if x.is_logged() { "ok" } else { "bad" }) } id={ "occupant-" (i) } {
                            @if let Some(p) = &x.person { b { (p.name) } " " }
                            (x.message.get(l))
                        }
                    }
                }
            }
        }
        form.box method="post" action={ "/checkpoints/" (cp.id) "/vehicle" } #vehicle-form {
            (csrf_field(csrf))
            input type="hidden" name="client_id" value=(v.client_id);
            div.two {
                label.field { span { (t(l, "cp-plate")) } input name="plate" value=(v.plate) required autocapitalize="characters" placeholder="湘M12345"; }
                label.field { span { (t(l, "cp-class")) } select name="class" { (options(l, VEHICLE_CLASSES, v.class)) } }
            }
            div.two {
                label.field { span { (t(l, "cp-direction")) } select name="direction" { (options(l, DIRECTIONS, v.direction)) } }
                label.field { span { (t(l, "cp-cargo")) } input name="cargo" value=(v.cargo) maxlength="200"; }
            }
            @for i in 0..OCCUPANT_ROWS {
                @let r = v.rows.get(i).cloned().unwrap_or_default();
                fieldset.box.occupant id={ "row-" (i) } {
                    legend { (if i == 0 { t(l, "cp-driver") } else { ta(l, "cp-passenger", &[("n", Arg::N(i as i64))]) }) }
                    label.field { span { (t(l, "cp-code")) } input name="code" value=(r.code) autocomplete="off"; }
                    details open[!r.name.is_empty() || !r.number.is_empty()] {
                        summary { (t(l, "cp-occupant-visitor")) }
                        label.field { span { (t(l, "cp-name")) } input name="name" value=(r.name) maxlength="50"; }
                        label.field { span { (t(l, "cp-doc-number")) } input name="number" value=(r.number) autocomplete="off"; }
                        label.field { span { (t(l, "cp-phone")) } input name="phone" value=(r.phone) type="tel"; }
                        label.field { span { (t(l, "cp-from")) } input name="from" value=(r.from) maxlength="100"; }
                    }
                    div.two {
                        label.field { span { (t(l, "cp-health-code")) }
                            select name="health_code" { (options(l, CODES, if r.health_code.is_empty() { "green" } else { &r.health_code })) } }
                        label.field { span { (t(l, "cp-temperature")) }
                            input name="temperature" value=(r.temperature) type="number" step="0.1" min="34" max="42" inputmode="decimal"; }
                    }
                    label.field { span { (t(l, "cp-decision")) }
                        select name="decision" { (options(l, DECISIONS, if r.decision.is_empty() { "pass" } else { &r.decision })) } }
                }
            }
            button.big.wide #log-vehicle { (t(l, "cp-log-vehicle")) }
        }
    }
    .into()
}

fn figures_cards(l: Lang, f: &Figures) -> maud::Markup {
    let cards: [(&str, i64); 9] = [
        ("cp-fig-people", f.people),
        ("cp-fig-in", f.n_in),
        ("cp-fig-out", f.n_out),
        ("cp-fig-vehicles", f.vehicles),
        ("cp-fig-visitors", f.visitors),
        ("cp-fig-returned", f.returned),
        ("cp-fig-quarantine", f.quarantine),
        ("cp-fig-medical", f.medical),
        ("cp-fig-overrides", f.overrides),
    ];
    html! {
        div.cards #figures {
            @for (id, n) in cards {
                div.card id=(id) { b { (n) } span { (t(l, id)) } }
            }
        }
    }
}

fn groups_table(l: Lang, id: &str, head: &str, rows: &[(String, &Figures)]) -> maud::Markup {
    html! {
        table.stack id=(id) {
            thead { tr {
                th { (head) } th.n { (t(l, "cp-fig-people")) } th.n { (t(l, "cp-fig-in")) }
                th.n { (t(l, "cp-fig-out")) } th.n { (t(l, "cp-fig-vehicles")) }
                th.n { (t(l, "cp-fig-returned")) } th.n { (t(l, "cp-fig-referred")) } th.n { (t(l, "cp-fig-overrides")) }
            } }
            tbody {
                @for (k, f) in rows {
                    tr {
                        td data-label=(head) { (k) }
                        td.n data-label=(t(l, "cp-fig-people")) { (f.people) }
                        td.n data-label=(t(l, "cp-fig-in")) { (f.n_in) }
                        td.n data-label=(t(l, "cp-fig-out")) { (f.n_out) }
                        td.n data-label=(t(l, "cp-fig-vehicles")) { (f.vehicles) }
                        td.n data-label=(t(l, "cp-fig-returned")) { (f.returned) }
                        td.n data-label=(t(l, "cp-fig-referred")) { (f.quarantine + f.medical) }
                        td.n data-label=(t(l, "cp-fig-overrides")) { (f.overrides) }
                    }
                }
            }
        }
    }
}

/// The checkpoint's figures for a period: totals, by checker, shift and hour.
pub struct FiguresView<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub total: &'a Figures,
    pub by_checker: &'a [(String, &'a Figures)],
    pub by_shift: &'a [(String, &'a Figures)],
    pub by_hour: &'a [(String, &'a Figures)],
}

fn period_form(l: Lang, action: &str, from: &str, to: &str, extra: maud::Markup) -> maud::Markup {
    html! {
        form.filters.box method="get" action=(action) #period {
            (extra)
            label.field { span { (t(l, "cp-from-day")) } input type="date" name="from" value=(from); }
            label.field { span { (t(l, "cp-to-day")) } input type="date" name="to" value=(to); }
            button { (t(l, "cp-show")) }
        }
    }
}

/// What the checkpoint page shows.
pub struct CheckpointPage<'a> {
    pub cp: &'a Checkpoint,
    pub officer: bool,
    pub manager: bool,
    pub csrf: &'a str,
    pub done: &'a str,
    pub lanes: &'a [Lane],
    pub log: &'a [LogEntry],
    pub names: &'a std::collections::HashMap<i64, String>,
    pub page: i64,
    pub pages: i64,
    pub day: &'a str,
    pub figures: Option<FiguresView<'a>>,
    pub retention_days: i64,
    pub last_sweep: Option<(i64, i64)>,
    pub errors: Vec<String>,
}

pub fn checkpoint(l: Lang, v: &CheckpointPage) -> Markup {
    let cp = v.cp;
    let day_q = if v.day.is_empty() {
        String::new()
    } else {
        format!("&day={}", v.day)
    };
    html! {
        p.crumbs { a href="/checkpoints" { (t(l, "cp-title")) } }
        h1 { (cp.name) }
        @if !v.done.is_empty() { (notice(v.done)) }
        (error_box(l, &v.errors))
        p {
            span.tag { (label(KINDS, &cp.kind, l)) }
            span.tag { (ta(l, "cp-validity", &[("h", Arg::N(cp.validity_h))])) }
            @if cp.require_test { span.tag.warn { (t(l, "cp-require-test")) } }
        }
        p.actions {
            a.btn.big #gate-link href={ "/checkpoints/" (cp.id) "/gate" } { (t(l, "cp-gate-title")) }
            a.btn.alt href={ "/checkpoints/" (cp.id) "/poster" } { (t(l, "cp-poster")) }
        }
        p.muted #retention {
            (ta(l, "cp-retention", &[("days", Arg::N(v.retention_days))]))
            " "
            @match v.last_sweep {
                Some((at, n)) => { (ta(l, "cp-last-sweep", &[("at", Arg::S(datetime(at))), ("n", Arg::N(n))])) }
                None => { (t(l, "cp-no-sweep")) }
            }
        }
        @if let Some(f) = &v.figures {
            h2 { (t(l, "cp-figures")) }
            (period_form(l, &format!("/checkpoints/{}", cp.id), f.from, f.to, html! {}))
            (figures_cards(l, f.total))
            h3 { (t(l, "cp-by-checker")) }
            (groups_table(l, "by-checker", &t(l, "cp-checker"), f.by_checker))
            h3 { (t(l, "cp-by-shift")) }
            (groups_table(l, "by-shift", &t(l, "cp-shift"), f.by_shift))
            details {
                summary { (t(l, "cp-by-hour")) }
                (groups_table(l, "by-hour", &t(l, "cp-hour"), f.by_hour))
            }
        }
        h2 { (t(l, "cp-log")) }
        @if v.officer {
            form.filters.box method="get" action={ "/checkpoints/" (cp.id) } #log-day {
                label.field { span { (t(l, "cp-day")) } input type="date" name="day" value=(v.day); }
                button { (t(l, "cp-show")) }
            }
        } @else {
            p.muted { (t(l, "cp-log-24h")) }
        }
        @if v.log.is_empty() {
            p.muted #log-empty { (t(l, "cp-log-empty")) }
        } @else {
            table.stack #log {
                thead { tr {
                    th { (t(l, "cp-time")) } th { (t(l, "cp-who")) } th { (t(l, "cp-checks")) }
                    th { (t(l, "cp-decision")) } th { (t(l, "cp-checker")) }
                } }
                tbody {
                    @for e in v.log {
                        tr {
                            td data-label=(t(l, "cp-time")) { (datetime(e.at_ms)) span.sub { (label(DIRECTIONS, &e.direction, l)) } }
                            td data-label=(t(l, "cp-who")) {
                                (e.name)
                                @if e.resident_id.is_none() { " " span.tag { (t(l, "cp-visitor-tag")) } }
                                @if let Some(p) = &e.plate { span.sub { (p) " · " (label(crate::checkpoints::SEATS, &e.seat, l)) } }
                                @if !e.from_place.is_empty() { span.sub { (t(l, "cp-from")) ": " (e.from_place) } }
                            }
                            td data-label=(t(l, "cp-checks")) {
                                (label(CODES, &e.health_code, l))
                                @if let Some(dc) = e.temp_dc { " · " (temp_text(dc)) "℃ " (label(BANDS, &e.temp_band, l)) }
                                @if e.star { " · " (t(l, "cp-star")) }
                                @if !e.zone.is_empty() { " · " (label(ZONES, &e.zone, l)) }
                                span.sub { (label(TEST_STATUSES, &e.test_status, l)) }
                            }
                            td data-label=(t(l, "cp-decision")) {
                                (label(DECISIONS, &e.decision, l))
                                @if e.overridden {
                                    span.sub.override { (t(l, "cp-overridden")) ": " (label(DECISIONS, &e.suggestion, l)) }
                                }
                                @if !e.reasons.is_empty() { span.sub { (reasons_text(&e.reasons, l)) } }
                                @if !e.note.is_empty() { span.sub { (e.note) } }
                            }
                            td data-label=(t(l, "cp-checker")) { (v.names.get(&e.account_id).cloned().unwrap_or_default()) }
                        }
                    }
                }
            }
            (pager(l, v.page, v.pages, |n| format!("/checkpoints/{}?page={n}{day_q}", cp.id)))
        }
        @if v.manager {
            details.box #settings {
                summary { (t(l, "cp-settings")) }
                (settings_form(l, v.csrf, &format!("/checkpoints/{}/settings", cp.id), &cp.kind, cp.validity_h, cp.require_test,
                    &v.lanes.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join("\n")))
            }
        }
    }
    .into()
}

pub fn settings_form(
    l: Lang,
    csrf: &str,
    action: &str,
    kind: &str,
    validity_h: i64,
    require_test: bool,
    lanes: &str,
) -> maud::Markup {
    html! {
        form method="post" action=(action) {
            (csrf_field(csrf))
            label.field { span { (t(l, "cp-kind")) } select name="kind" { (options(l, KINDS, kind)) } }
            label.field { span { (t(l, "cp-validity-h")) }
                select name="validity_h" {
                    @for h in [24_i64, 48, 72] { option value=(h) selected[h == validity_h] { (h) } }
                }
            }
            label.tag { input type="checkbox" name="require_test" value="1" checked[require_test]; (t(l, "cp-require-test")) }
            label.field { span { (t(l, "cp-lanes")) } textarea name="lanes" rows="3" { (lanes) } }
            button #save-settings { (t(l, "cp-save")) }
        }
    }
}

/// The list of checkpoints, with today's totals and (for officers who set them up) the places
/// that could be.
pub fn list(
    l: Lang,
    csrf: &str,
    cps: &[(Checkpoint, Option<Figures>)],
    candidates: &[(i64, String)],
    officer: bool,
    done: &str,
) -> Markup {
    html! {
        h1 { (t(l, "cp-title")) }
        @if !done.is_empty() { (notice(done)) }
        @if officer {
            p.actions { a.btn.alt #area-figures href="/checkpoints/figures" { (t(l, "cp-area-figures")) } }
        }
        @if cps.is_empty() {
            p.muted #no-checkpoints { (if officer { t(l, "cp-none") } else { t(l, "cp-none-on-duty") }) }
        } @else {
            ul.home #checkpoints {
                @for (c, f) in cps {
                    li {
                        a href={ "/checkpoints/" (c.id) (if officer { "" } else { "/gate" }) } { b { (c.name) } }
                        span.sub { (label(KINDS, &c.kind, l)) }
                        @if let Some(f) = f {
                            span.sub { (ta(l, "cp-today", &[("n", Arg::N(f.people)), ("r", Arg::N(f.returned))])) }
                        }
                    }
                }
            }
        }
        @if !candidates.is_empty() {
            details.box #setup {
                summary { (t(l, "cp-setup")) }
                p.muted { (t(l, "cp-setup-hint")) }
                @for (id, name) in candidates {
                    h3 { (name) }
                    (settings_form(l, csrf, &format!("/checkpoints/{id}/settings"), "gate", 48, false, ""))
                }
            }
        }
    }
    .into()
}

/// Totals by area for a period.
#[allow(clippy::too_many_arguments)]
pub fn area(
    l: Lang,
    area_name: &str,
    area_code: &str,
    from: &str,
    to: &str,
    total: &Figures,
    per: &[(String, &Group)],
    children: &[(String, String)],
) -> Markup {
    html! {
        p.crumbs { a href="/checkpoints" { (t(l, "cp-title")) } }
        h1 { (t(l, "cp-area-figures")) " · " (area_name) }
        (period_form(l, "/checkpoints/figures", from, to, html! {
            @if !children.is_empty() {
                label.field { span { (t(l, "cp-area")) }
                    select name="area" {
                        @for (code, name) in children { option value=(code) selected[code == area_code] { (name) } }
                    }
                }
            }
        }))
        (figures_cards(l, total))
        @let rows: Vec<(String, &Figures)> = per.iter().map(|(n, g)| (n.clone(), &g.figures)).collect();
        (groups_table(l, "by-checkpoint", &t(l, "cp-checkpoint"), &rows))
    }
    .into()
}

/// The visitors' public form behind the checkpoint's printed QR code.
pub fn public_form(
    l: Lang,
    cp_name: &str,
    token: &str,
    v: &VisitorValues,
    direction: &str,
    errors: &[String],
) -> Markup {
    html! {
        h1 { (t(l, "cp-public-title")) }
        p { b { (cp_name) } }
        p.muted { (t(l, "cp-public-hint")) }
        (error_box(l, errors))
        form.box method="post" action={ "/v/" (token) } #public-form {
            (visitor_fields(l, v))
            label.field { span { (t(l, "cp-direction")) } select name="direction" { (options(l, DIRECTIONS, direction)) } }
            p.muted.small { (t(l, "cp-public-privacy")) }
            button.big.wide #register { (t(l, "cp-register")) }
        }
    }
    .into()
}

pub fn public_done(l: Lang, cp_name: &str, id: i64) -> Markup {
    html! {
        h1 { (t(l, "cp-public-title")) }
        p { b { (cp_name) } }
        div.outcome.ok #registered {
            b { (ta(l, "cp-registered", &[("n", Arg::N(id))])) }
        }
        p { (t(l, "cp-registered-hint")) }
    }
    .into()
}

/// The poster: the visitor QR code's address, to print.
pub fn poster(l: Lang, cp: &Checkpoint, url: &str, svg: Markup) -> Markup {
    html! {
        p.crumbs.no-print { a href={ "/checkpoints/" (cp.id) } { (cp.name) } }
        h1 { (cp.name) " · " (t(l, "cp-public-title")) }
        div.qr { (maud::PreEscaped(svg.0)) }
        p.mono #visitor-url { (url) }
        p { (t(l, "cp-poster-hint")) }
    }
    .into()
}

/// A door plate scanned: the household's members (masked), each opening their card.
pub fn members(l: Lang, cp: &Checkpoint, csrf: &str, m: &[crate::checkpoints::Member]) -> Markup {
    html! {
        p.crumbs { a href={ "/checkpoints/" (cp.id) "/gate" } { (t(l, "cp-gate-title")) } }
        h1 { (t(l, "cp-household")) }
        p.muted { (t(l, "cp-household-hint")) }
        ul.home #members {
            @for x in m {
                li {
                    form method="post" action={ "/checkpoints/" (cp.id) "/lookup" } {
                        (csrf_field(csrf))
                        input type="hidden" name="code" value=(x.code);
                        button.alt.wide {
                            (x.name) " · "
                            (match x.sex { 1 => t(l, "cp-male"), 2 => t(l, "cp-female"), _ => String::new() })
                            @if let Some(a) = x.age { " · " (ta(l, "cp-age", &[("n", Arg::N(a))])) }
                        }
                    }
                }
            }
        }
    }
    .into()
}
