//! The staff's needs pages as views: the queue, a need with its dispatch forms, the intake form,
//! a household's door plate and its needs section, the figures and the deadlines.

use super::forms::{
    err, lines, state, val, ActForm, Back, DeadlinesForm, ItemForm, NeedForm, QueueQuery,
};
use super::views::{
    action_form, area_select, facts, history_view, item_form, need_fields, queue_head, queue_row,
    reason_form, short_code, span, PAGE,
};
use std::collections::HashMap;

use crate::access::Reader;
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::visits::Visit;
use crate::needs::deadlines::Deadlines;
use crate::needs::figures::{Figures, Period, Report};
use crate::needs::{
    can_intake, label, tags_text, Choices, Item, Need, Step, CATEGORIES, ITEM_KINDS, SOURCES,
    STATUSES, URGENCIES,
};
use crate::registry::areas::Area;
use crate::web::html::{
    crumbs, csrf_field, error_box, field, notice, select, url_enc, vocab_options, Markup,
};

/// What the queue page shows.
pub struct QueueView<'a> {
    pub reader: &'a Reader,
    pub area: &'a Area,
    pub q: &'a QueueQuery,
    pub page: i64,
    pub late_only: bool,
    pub list: &'a [Need],
    pub total: i64,
    /// Open needs by status.
    pub counts: &'a [(String, i64)],
    /// The most urgent late needs escalated to the reader's level, and how many there are.
    pub late: Option<(Vec<Need>, i64)>,
    pub choices: &'a [(String, String)],
    pub d: &'a Deadlines,
    pub now: i64,
}

pub fn queue(l: Lang, v: &QueueView) -> Markup {
    let (r, area, qs, d, now, page, late_only) =
        (v.reader, v.area, v.q, v.d, v.now, v.page, v.late_only);
    let status = qs.status.as_str();
    // Filters: area, status tabs, category, urgency.
    let mut cats = vec![(String::new(), t(l, "need-any"))];
    cats.extend(vocab_options(CATEGORIES, l));
    let mut urgs = vec![(String::new(), t(l, "need-any"))];
    urgs.extend(vocab_options(URGENCIES, l));
    let all: i64 = v.counts.iter().map(|c| c.1).sum();
    let base = format!(
        "/needs?area={}&late={}&status={}&category={}&urgency={}",
        url_enc(&area.code),
        if late_only { "1" } else { "" },
        url_enc(status),
        url_enc(&qs.category),
        url_enc(&qs.urgency)
    );
    let pages = ((v.total + PAGE - 1) / PAGE).max(1);
    maud::html! {
        (crumbs(&[(t(l, "need-title"), String::new())]))
        h1 { (t(l, "need-title")) " · " (area.name) }
        @if qs.done == "created" { (notice(&t(l, "need-done-created"))) }
        p.actions.noprint {
            a.btn.alt #to-figures href={ "/needs/figures?area=" (area.code) } { (t(l, "need-figures")) }
            @if can_intake(r) {
                a.btn.alt #to-intake href="/needs/new" { (t(l, "need-new")) }
            }
            @if matches!(r.role.as_str(), "admin" | "hq") {
                a.btn.alt #to-deadlines href="/needs/deadlines" { (t(l, "need-deadlines")) }
            }
        }
        // The most urgent late needs escalated to the reader's level, whatever the filters,
        // and a link to all of them.
        @if let Some((late, n_late)) = &v.late {
            @if *n_late > 0 {
                section.box.escalated #escalated {
                    h2 { (ta(l, "need-escalated-n", &[("n", Arg::N(*n_late))])) }
                    table.stack {
                        (queue_head(l))
                        tbody { @for n in late { (queue_row(l, n, d, now)) } }
                    }
                    p { a.btn.alt #all-late href={ "/needs?area=" (area.code) "&late=1" } { (t(l, "need-all-late")) } }
                }
            }
        } @else if late_only {
            p.notice #late-only {
                (t(l, "need-late-only")) " "
                a href={ "/needs?area=" (area.code) } { (t(l, "need-open-all")) }
            }
        }
        form.filters.noprint method="get" action="/needs" {
            (area_select(l, v.choices, &area.code))
            input type="hidden" name="status" value=(status);
            input type="hidden" name="late" value=(if late_only { "1" } else { "" });
            (select("category", &t(l, "need-category"), &cats, &qs.category, None))
            (select("urgency", &t(l, "need-urgency"), &urgs, &qs.urgency, None))
            button { (t(l, "need-show")) }
        }
        nav.actions.tabs {
            a.tab.home[status.is_empty()] href={ "/needs?area=" (area.code) } {
                (t(l, "need-open-all")) " " b { (all) }
            }
            @for s in crate::needs::OPEN {
                @let n = v.counts.iter().find(|c| c.0 == s).map_or(0, |c| c.1);
                a.tab.home[status == s] id={ "tab-" (s) } href={ "/needs?area=" (area.code) "&status=" (s) } {
                    (label(STATUSES, s, l)) " " b { (n) }
                }
            }
        }
        @if v.list.is_empty() {
            p.muted #queue-empty { (t(l, "need-queue-empty")) }
        } @else {
            table.stack #queue {
                (queue_head(l))
                tbody { @for n in v.list { (queue_row(l, n, d, now)) } }
            }
            nav.pager.needs-pager {
                @if page > 1 {
                    a.btn.alt #prev-page href={ (base) "&page=" (page - 1) } { "‹ " (t(l, "need-prev")) }
                } @else { span {} }
                span.muted {
                    (ta(l, "need-shown", &[
                        ("from", Arg::N((page - 1) * PAGE + 1)),
                        ("to", Arg::N((page - 1) * PAGE + v.list.len() as i64)),
                        ("n", Arg::N(v.total)),
                    ]))
                    " · "
                    (ta(l, "need-page-of", &[("page", Arg::N(page)), ("pages", Arg::N(pages))]))
                }
                @if page * PAGE < v.total {
                    a.btn.alt #next-page href={ (base) "&page=" (page + 1) } { (t(l, "need-next")) " ›" }
                } @else { span {} }
            }
        }
    }
    .into()
}

/// What a need's page shows.
pub struct NeedView<'a> {
    pub n: &'a Need,
    pub d: &'a Deadlines,
    pub now: i64,
    pub done: &'a str,
    pub csrf: &'a str,
    /// Whether the reader dispatches (the forms show).
    pub dispatch: bool,
    /// The teams and volunteers to assign to, when the need can be assigned.
    pub choices: Option<&'a Choices>,
    pub items: &'a [Item],
    pub steps: &'a [Step],
    /// People's names for the login names in the history.
    pub names: &'a HashMap<String, String>,
    /// Whether the reader may call the resident (the call button shows on an open need).
    pub can_call: bool,
    pub act: Option<&'a Back<'a, ActForm>>,
    pub item: Option<&'a Back<'a, ItemForm>>,
}

/// Tap to call the number a need is to be called back on: the registry's call pattern
/// (`data-call`, the page's script turns it into a `tel:` link in place), posting to the
/// need's own reveal, since the number may be one typed with the need.
pub fn call_form(l: Lang, csrf: &str, n: &Need) -> Markup {
    maud::html! {
        form.inline.call method="post" action={ "/needs/" (n.id) "/call" } data-call {
            (csrf_field(csrf))
            input type="hidden" name="back" value={ "/needs/" (n.id) };
            button.alt.call #call-need type="submit" {
                (t(l, "need-call")) " " span.masked { (n.masked_phone()) }
            }
        }
    }
    .into()
}

pub fn need(l: Lang, v: &NeedView) -> Markup {
    let n = v.n;
    let mut body = crumbs(&[
        (t(l, "need-title"), "/needs".to_owned()),
        (format!("#{}", n.id), String::new()),
    ]);
    body.push(html!("<h1>#{} {}</h1>", n.id, n.category_label(l)));
    if !v.done.is_empty() {
        body.push(notice(&t(l, &format!("need-done-{}", short_code(v.done)))));
    }
    let phone = if v.can_call && n.is_open() && n.phone.is_some() {
        call_form(l, v.csrf, n)
    } else {
        html!("<span class=\"masked\">{}</span>", n.masked_phone())
    };
    body.push(facts(l, n, v.d, v.now, phone));
    body.push(
        maud::html! {
            p.actions.noprint {
                a.btn.alt #to-household href={ "/households/" (n.household_id) } { (t(l, "need-household")) }
                a.btn.alt #to-plate href={ "/households/" (n.household_id) "/plate" } { (t(l, "need-plate")) }
            }
        }
        .into(),
    );
    if let Some(p) = v.act.filter(|p| p.form == "act") {
        body.push(error_box(l, &p.errs.lines));
    }
    if v.dispatch {
        let url = format!("/needs/{}/act", n.id);
        let csrf = v.csrf;
        if let Some(c) = v.choices {
            body.push(assign_form(l, csrf, n, c, v.act));
        }
        match n.status.as_str() {
            "assigned" | "claimed" => body.push(action_form(
                csrf,
                &url,
                "start",
                n.version,
                &t(l, "need-do-start"),
                Markup::default(),
                "",
                None,
            )),
            "in_progress" => body.push(action_form(
                csrf,
                &url,
                "done",
                n.version,
                &t(l, "need-do-done"),
                Markup::default(),
                "",
                Some(&t(l, "need-do-done-confirm")),
            )),
            _ => {}
        }
        if matches!(n.status.as_str(), "assigned" | "claimed" | "in_progress") {
            body.push(reason_form(l, csrf, &url, "unable", n.version, v.act));
        }
        if n.is_open() {
            body.push(reason_form(l, csrf, &url, "cancel", n.version, v.act));
        } else {
            body.push(reason_form(l, csrf, &url, "reopen", n.version, v.act));
        }
        if matches!(n.status.as_str(), "in_progress" | "done") {
            body.push(item_form(
                l,
                csrf,
                &format!("/needs/{}/items", n.id),
                v.item,
            ));
        }
    }
    body.push(history_view(l, v.items, v.steps, v.names));
    body
}

fn assign_form(
    l: Lang,
    csrf: &str,
    n: &Need,
    c: &Choices,
    posted: Option<&Back<ActForm>>,
) -> Markup {
    let s = state(posted, "assign", 0);
    let mut teams = vec![(String::new(), t(l, "need-choose"))];
    for team in &c.teams {
        teams.push((
            team.id.to_string(),
            format!("{} ({})", team.name, team.members),
        ));
    }
    let mut vs = vec![(String::new(), t(l, "need-choose"))];
    vs.extend(c.volunteers.iter().map(|v| {
        (
            v.id.to_string(),
            format!(
                "{} {}",
                v.name,
                crate::registry::validate::mask_phone(&v.phone)
            ),
        )
    }));
    let open = if s.is_some() { " open" } else { "" };
    html!(
        "<details class=\"box\"{}><summary id=\"open-assign\">{}</summary>{}{}</details>",
        Markup(open.into()),
        t(l, "need-do-assign"),
        error_box(l, lines(s)),
        action_form(
            csrf,
            &format!("/needs/{}/act", n.id),
            "assign",
            n.version,
            &t(l, "need-do-assign"),
            html!(
                "<p class=\"muted\">{}</p><div class=\"two\">{}{}</div>",
                t(l, "need-assign-how"),
                select(
                    "team",
                    &t(l, "need-team"),
                    &teams,
                    &val(s, |f| &f.team, ""),
                    err(s, "team")
                ),
                select(
                    "volunteer",
                    &t(l, "need-volunteer"),
                    &vs,
                    &val(s, |f| &f.volunteer, ""),
                    err(s, "volunteer")
                )
            ),
            "",
            None
        )
    )
}

/// On the registry's household page: the household's needs, and the links to register one
/// and to print its door plate.
pub fn household_section(
    l: Lang,
    r: &Reader,
    household: i64,
    list: &[Need],
    d: Option<&Deadlines>,
    now: i64,
) -> Markup {
    maud::html! {
        h2 { (t(l, "need-household-needs")) }
        @match d {
            Some(d) if !list.is_empty() => {
                table.stack #household-needs {
                    (queue_head(l))
                    tbody { @for n in list { (queue_row(l, n, d, now)) } }
                }
            }
            _ => { p.muted { (t(l, "need-household-none")) } }
        }
        p.actions.noprint {
            @if can_intake(r) {
                a.btn #register-need href={ "/needs/new?household=" (household) } { (t(l, "need-new")) }
            }
            a.btn.alt #door-plate href={ "/households/" (household) "/plate" } { (t(l, "need-plate")) }
        }
    }
    .into()
}

/// The intake page without a household: how to find one.
pub fn new_how(l: Lang) -> Markup {
    let mut body = crumbs(&[
        (t(l, "need-title"), "/needs".to_owned()),
        (t(l, "need-new"), String::new()),
    ]);
    body.push(html!("<h1>{}</h1>", t(l, "need-new")));
    body.push(html!(
        "<p class=\"muted\">{}</p><p class=\"actions\"><a class=\"btn\" href=\"/search\" id=\"find-household\">{}</a></p>",
        t(l, "need-new-how"),
        t(l, "need-find-household")
    ));
    body
}

/// What the intake form of a household shows.
pub struct NewView<'a> {
    pub household: i64,
    pub address: &'a str,
    pub tags: i64,
    /// The household's members (id, name).
    pub members: &'a [(String, String)],
    pub csrf: &'a str,
    /// The source chosen when the form is new.
    pub source: &'a str,
    pub client_id: &'a str,
    pub back: Option<&'a Back<'a, NeedForm>>,
    /// The care visit the need was found on, when the form was opened from it, and the needs
    /// registered from it before.
    pub visit: Option<(&'a Visit, &'a [i64])>,
}

pub fn new_need(l: Lang, v: &NewView) -> Markup {
    let mut body = crumbs(&[
        (t(l, "need-title"), "/needs".to_owned()),
        (t(l, "need-new"), String::new()),
    ]);
    body.push(html!("<h1>{}</h1>", t(l, "need-new")));
    body.push(html!(
        "<p class=\"box who-card\" id=\"need-household\"><b>{}</b><span class=\"sub\">{}</span></p>",
        v.address,
        tags_text(v.tags, l)
    ));
    let s = v.back;
    if let Some((visit, earlier)) = v.visit {
        body.push(
            maud::html! {
                p.box.who-card #from-visit {
                    b { (ta(l, "need-from-visit", &[("day", Arg::S(visit.visited_on.clone()))])) }
                    span.sub { (t(l, "need-from-visit-how")) }
                }
                @if !earlier.is_empty() {
                    div.notice #visit-earlier {
                        p { (t(l, "need-from-visit-earlier")) }
                        p.actions {
                            @for id in earlier {
                                a.btn.alt href={ "/needs/" (id) } { "#" (id) }
                            }
                        }
                    }
                }
            }
            .into(),
        );
    }
    let visit = val(s, |f| &f.visit, "");
    let mut sources = vocab_options(SOURCES, l);
    sources.retain(|x| x.0 != "resident");
    body.push(html!(
        "<form method=\"post\" action=\"/needs/new?household={}\" class=\"box\" id=\"need-form\">{}{}{}{}{}<button class=\"big\" id=\"save-need\">{}</button></form>",
        v.household,
        error_box(l, lines(s)),
        csrf_field(v.csrf),
        if visit.is_empty() {
            Markup::default()
        } else {
            maud::html! { input type="hidden" name="visit" value=(visit); }.into()
        },
        select("source", &t(l, "need-source"), &sources, &val(s, |f| &f.source, v.source), err(s, "source")),
        need_fields(l, s, Some(v.members), v.client_id),
        t(l, "need-save")
    ));
    body
}

/// A household's door plate with its link's QR code.
#[allow(clippy::too_many_arguments)]
pub fn plate(
    l: Lang,
    household: i64,
    address: &str,
    url: &str,
    qr: Markup,
    renewed: bool,
    renew_csrf: Option<&str>,
    may_register: bool,
) -> Markup {
    let mut body = crumbs(&[
        (t(l, "need-household"), format!("/households/{household}")),
        (t(l, "need-plate"), String::new()),
    ]);
    if renewed {
        body.push(notice(&t(l, "need-plate-renewed")));
    }
    body.push(html!(
        "<section class=\"plate\" id=\"plate\"><h1>{}</h1><p class=\"plate-addr\">{}</p>{}<p>{}</p><p class=\"mono small\" id=\"plate-url\">{}</p><p class=\"small\">{}</p></section>",
        t(l, "need-plate-title"),
        address,
        qr,
        t(l, "need-plate-text"),
        url,
        t(l, "need-plate-private")
    ));
    let register = if may_register {
        html!(
            " <a class=\"btn alt\" href=\"/needs/new?household={}\">{}</a>",
            household,
            t(l, "need-new")
        )
    } else {
        Markup::default()
    };
    body.push(html!(
        "<p class=\"actions noprint\"><button type=\"button\" id=\"print-plate\" data-print hidden>{}</button>{}</p>",
        t(l, "need-print"),
        register
    ));
    if let Some(csrf) = renew_csrf {
        body.push(html!(
            "<form method=\"post\" action=\"/households/{}/plate/renew\" class=\"box noprint\">{}<p class=\"muted\">{}</p><button class=\"warn\" id=\"renew-link\" data-confirm=\"{}\">{}</button></form>",
            household,
            csrf_field(csrf),
            t(l, "need-plate-renew-how"),
            t(l, "need-plate-renew-confirm"),
            t(l, "need-plate-renew")
        ));
    }
    body
}

/// The figures' columns: the names in the head, and each cell's label on a phone.
fn fig_labels(l: Lang) -> [String; 7] {
    [
        t(l, "need-fig-registered"),
        t(l, "need-fig-solved"),
        t(l, "need-fig-emergencies"),
        t(l, "need-fig-contact"),
        t(l, "need-fig-done"),
        t(l, "need-fig-open"),
        t(l, "need-fig-late"),
    ]
}

/// One row of the figures: the category as its title, then a cell per figure.
fn fig_row(l: Lang, id: &str, title: &str, f: &Figures) -> Markup {
    let m = |v: Option<i64>| v.map_or("—".to_owned(), |x| span(l, x * 60_000));
    let k = fig_labels(l);
    maud::html! {
        tr id=(id) {
            td.row-title { b { (title) } }
            td.n data-label=(k[0]) { (f.registered) }
            td.n data-label=(k[1]) { (f.solved) }
            td.n data-label=(k[2]) { (f.emergencies_solved) }
            td.n data-label=(k[3]) { (m(f.contact_median)) " / " (m(f.contact_p90)) }
            td.n data-label=(k[4]) { (m(f.done_median)) " / " (m(f.done_p90)) }
            td.n data-label=(k[5]) { (f.open_now) }
            td.n data-label=(k[6]) { (f.late_now) }
        }
    }
    .into()
}

pub fn figures(
    l: Lang,
    area: &Area,
    p: &Period,
    rep: &Report,
    choices: &[(String, String)],
) -> Markup {
    let mut body = crumbs(&[
        (t(l, "need-title"), format!("/needs?area={}", area.code)),
        (t(l, "need-figures"), String::new()),
    ]);
    body.push(html!("<h1>{} · {}</h1>", t(l, "need-figures"), area.name));
    body.push(html!(
        "<form class=\"filters noprint\" method=\"get\" action=\"/needs/figures\">{}{}{}<button>{}</button></form>",
        area_select(l, choices, &area.code),
        field("from", &t(l, "need-from"), &p.from, None, "type=\"date\""),
        field("to", &t(l, "need-to"), &p.to, None, "type=\"date\""),
        t(l, "need-show")
    ));
    let a = &rep.all;
    body.push(html!(
        "<div class=\"cards\" id=\"fig-cards\"><div class=\"card\"><b id=\"fig-registered\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-solved\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-emergencies\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-open\">{}</b><span>{}</span></div><div class=\"card{}\"><b id=\"fig-late\">{}</b><span>{}</span></div></div>",
        a.registered,
        t(l, "need-fig-registered"),
        a.solved,
        t(l, "need-fig-solved"),
        a.emergencies_solved,
        t(l, "need-fig-emergencies"),
        a.open_now,
        t(l, "need-fig-open"),
        Markup(if a.late_now > 0 { " warn".into() } else { String::new() }),
        a.late_now,
        t(l, "need-fig-late")
    ));
    let k = fig_labels(l);
    body.push(
        maud::html! {
            table.stack #fig-table {
                thead { tr {
                    th { (t(l, "need-category")) }
                    @for name in &k { th.n { (name) } }
                } }
                tbody {
                    (fig_row(l, "fig-all", &t(l, "need-fig-all"), a))
                    @for c in &rep.by_category {
                        @if c.figures != Figures::default() {
                            (fig_row(l, &format!("fig-{}", c.category), &label(CATEGORIES, &c.category, l), &c.figures))
                        }
                    }
                }
            }
        }
        .into(),
    );
    if !rep.items.is_empty() {
        body.push(html!(
            "<h2>{}</h2><div class=\"cards\" id=\"fig-items\">",
            t(l, "need-items")
        ));
        for i in &rep.items {
            body.push(html!(
                "<div class=\"card\"><b>{}</b><span>{}</span></div>",
                i.quantity,
                label(ITEM_KINDS, &i.kind, l)
            ));
        }
        body.0.push_str("</div>");
    }
    body.push(html!(
        "<p class=\"muted small\">{}</p>",
        t(l, "need-fig-how")
    ));
    body
}

pub fn deadlines(
    l: Lang,
    d: &Deadlines,
    saved: bool,
    editable: bool,
    csrf: &str,
    s: Option<&Back<DeadlinesForm>>,
) -> Markup {
    let mut body = crumbs(&[
        (t(l, "need-title"), "/needs".to_owned()),
        (t(l, "need-deadlines"), String::new()),
    ]);
    body.push(html!("<h1>{}</h1>", t(l, "need-deadlines")));
    if saved {
        body.push(notice(&t(l, "need-done-deadlines")));
    }
    body.push(html!(
        "<p class=\"muted\">{}</p>",
        t(l, "need-deadlines-how")
    ));
    let attrs = if editable {
        "inputmode=\"numeric\""
    } else {
        "readonly"
    };
    let mut rows = Markup::default();
    for u in 0..4 {
        let (c, f) = crate::needs::deadlines::FIELDS[u];
        rows.push(html!(
            "<tr><td class=\"row-title\"><b>{}</b></td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
            label(URGENCIES, &(u + 1).to_string(), l),
            t(l, "need-contact-target"),
            field(
                c,
                &t(l, "need-minutes"),
                &val(s, |f| f.contact()[u], &d.contact_min[u].to_string()),
                err(s, c),
                attrs
            ),
            t(l, "need-done-target"),
            field(
                f,
                &t(l, "need-minutes"),
                &val(s, |f| f.complete()[u], &d.complete_min[u].to_string()),
                err(s, f),
                attrs
            )
        ));
    }
    body.push(html!(
        "<form method=\"post\" action=\"/needs/deadlines\" class=\"box\" id=\"deadlines-form\">{}{}<table class=\"stack\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>{}</form>",
        error_box(l, lines(s)),
        csrf_field(csrf),
        t(l, "need-urgency"),
        t(l, "need-contact-target"),
        t(l, "need-done-target"),
        rows,
        if editable { html!("<button>{}</button>", t(l, "need-save")) } else { Markup::default() }
    ));
    body
}
