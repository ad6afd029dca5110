//! The vaccination pages' views (maud; every value escaped).

use std::collections::HashMap;

use maud::html;

use super::{DoseFields, Posted, ProductFields, RideFields, TickFields};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::Area;
use crate::vaccination::catalogue::{Product, Target};
use crate::vaccination::doses::{Person, Status};
use crate::vaccination::figures::{pct_text, Band, Figures};
use crate::vaccination::import::ImportReport;
use crate::vaccination::rides::RIDE_STATES;
use crate::vaccination::worklist::{Item, Part, Tick};
use crate::vaccination::{
    self as vax, detail_label, label, BANDS, DETAILS, GROUPS, REASONS, STATUSES,
};
use crate::web::html::{csrf_field, datetime, notice, select, Markup};
use crate::web::kit::FormErrors;
use crate::web::pages::Ctx;

fn opts(v: crate::needs::Vocab, l: Lang) -> Vec<(String, String)> {
    v.iter()
        .map(|(c, en, zh)| {
            (
                c.to_string(),
                if l == Lang::Zh {
                    zh.to_string()
                } else {
                    en.to_string()
                },
            )
        })
        .collect()
}

fn band_label(code: &str, l: Lang) -> String {
    BANDS
        .iter()
        .find(|b| b.0 == code)
        .map(|b| {
            if l == Lang::Zh {
                b.2.to_string()
            } else {
                b.1.to_string()
            }
        })
        .unwrap_or_else(|| code.to_string())
}

fn done_notice(l: Lang, done: &str) -> Markup {
    let id = match done {
        "dose" => "vax-done-dose",
        "tick" => "vax-done-tick",
        "ride" => "vax-done-ride",
        "recount" => "vax-done-recount",
        "saved" => "vax-done-saved",
        _ => return Markup::default(),
    };
    notice(&t(l, id))
}

fn errors_box(e: &FormErrors) -> maud::Markup {
    html! {
        @if !e.is_empty() {
            div.errors role="alert" { ul { @for line in &e.lines { li { (line) } } } }
        }
    }
}

/// A labelled input kept simple: name, label, value, type, error.
fn input(name: &str, label: &str, value: &str, kind: &str, err: Option<&str>) -> maud::Markup {
    html! {
        label.field.bad[err.is_some()] {
            span { (label) }
            input name=(name) type=(kind) value=(value);
            @if let Some(e) = err { em.err { (e) } }
        }
    }
}

fn links(ctx: &Ctx, area: &str) -> maud::Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    html! {
        p.actions #vax-links {
            a.btn.alt href={ "/vaccination?area=" (area) } { (t(l, "vax-worklist")) }
            " "
            a.btn.alt #vax-figures-link href={ "/vaccination/figures?area=" (area) } { (t(l, "vax-figures")) }
            @if vax::can_import(r) {
                " "
                a.btn.alt href="/vaccination/import" { (t(l, "vax-import")) }
            }
            " "
            a.btn.alt href="/vaccination/catalogue" { (t(l, "vax-catalogue")) }
        }
    }
}

pub struct ListView<'a> {
    pub area: &'a Area,
    pub group: &'a str,
    pub part: Part,
    pub items: &'a [Item],
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub choices: &'a [(String, String)],
    pub done: &'a str,
    /// The list narrowed to one household.
    pub household: Option<i64>,
}

fn status_line(l: Lang, i: &Item) -> String {
    let mut s = label(STATUSES, i.status, l);
    if let Some(d) = &i.next_due_on {
        if i.status == "partial" {
            s.push_str(" · ");
            s.push_str(&ta(l, "vax-next-due", &[("d", Arg::S(d.clone()))]));
        }
    }
    s
}

pub fn worklist(ctx: &Ctx, v: &ListView) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let csrf = &ctx.session.csrf;
    let part_code = if v.part == Part::Ticked {
        "ticked"
    } else {
        "todo"
    };
    let one = v
        .household
        .map(|h| format!("&household={h}"))
        .unwrap_or_default();
    let here = format!(
        "/vaccination?area={}&group={}&part={part_code}&page={}{one}",
        v.area.code,
        crate::web::html::url_enc(v.group),
        v.page
    );
    let whole = format!(
        "/vaccination?area={}&group={}&part={part_code}",
        v.area.code,
        crate::web::html::url_enc(v.group)
    );
    let parts = vec![
        ("todo".to_string(), t(l, "vax-todo")),
        ("ticked".to_string(), t(l, "vax-ticked")),
    ];
    let pager_href = |n: usize| format!("{whole}&page={n}{one}");
    html! {
        h1 { (t(l, "vax-title")) " · " (v.area.name) }
        (done_notice(l, v.done))
        (links(ctx, &v.area.code))
        form.filters method="get" action="/vaccination" #vax-filter {
            (select("area", &t(l, "vax-area"), v.choices, &v.area.code, None))
            (select("group", &t(l, "vax-group"), &opts(GROUPS, l), v.group, None))
            (select("part", &t(l, "vax-worklist"), &parts, if v.part == Part::Ticked { "ticked" } else { "todo" }, None))
            @if let Some(h) = v.household {
                input type="hidden" name="household" value=(h);
            }
            button type="submit" { (t(l, "vax-show")) }
        }
        @if v.household.is_some() {
            p #vax-one-household {
                (t(l, "vax-one-household")) " "
                a.btn.alt href=(whole) { (t(l, "vax-whole-list")) }
            }
        }
        p.muted #vax-count { (ta(l, "vax-count", &[("n", Arg::N(v.total as i64))])) }
        @if v.items.is_empty() {
            p.muted #vax-empty { (t(l, if v.part == Part::Ticked { "vax-none-ticked" } else { "vax-none-todo" })) }
        } @else {
            table.stack #vax-list {
                thead { tr {
                    th { (t(l, "vax-worklist")) }
                    th { (t(l, "vax-status")) }
                    th { (t(l, "vax-reason")) }
                    th { (t(l, "vax-ride")) }
                    th {}
                } }
                tbody {
                    @for i in v.items {
                        tr data-resident=(i.resident_id) {
                            td data-label=(t(l, "vax-worklist")) {
                                b { (i.name) } " · " (ta(l, "vax-age", &[("n", Arg::N(i.age))]))
                                br;
                                @if v.household.is_some() {
                                    span.sub { (i.address) }
                                } @else {
                                    a.sub href={ (whole) "&household=" (i.household_id) } { (i.address) }
                                }
                            }
                            td data-label=(t(l, "vax-status")) { (status_line(l, i)) }
                            td data-label=(t(l, "vax-reason")) {
                                @if let Some(reason) = &i.reason {
                                    (label(REASONS, reason, l))
                                    @if let Some(d) = &i.detail { " · " (detail_label(d, l)) }
                                    @if let Some(b) = &i.back_on {
                                        br; span.sub { (ta(l, "vax-back-on", &[("d", Arg::S(b.clone()))])) }
                                    }
                                } @else { "—" }
                            }
                            td data-label=(t(l, "vax-ride")) {
                                @if let Some(ride) = i.ride { (label(RIDE_STATES, ride, l)) } @else { "—" }
                            }
                            td.actions {
                                @if r.can_call() && !i.phone_masked.is_empty() {
                                    (crate::registry::pages::parts::call_button(l, csrf, i.resident_id, &i.phone_masked, &here))
                                }
                                " "
                                a.btn href={ "/vaccination/residents/" (i.resident_id) } { (t(l, "vax-open")) }
                            }
                        }
                    }
                }
            }
            @if v.pages > 1 {
                nav.pager #vax-pager {
                    @if v.page > 1 { a.btn.alt rel="prev" href=(pager_href(v.page - 1)) { (t(l, "mob-prev-page")) } } @else { span {} }
                    span.muted { (ta(l, "mob-page-of", &[("n", Arg::N(v.page as i64)), ("of", Arg::N(v.pages as i64))])) }
                    @if v.page < v.pages { a.btn.alt rel="next" href=(pager_href(v.page + 1)) { (t(l, "mob-next-page")) } } @else { span {} }
                }
            }
        }
    }
    .into()
}

pub struct ResidentView<'a> {
    pub person: &'a Person,
    pub status: &'a Status,
    pub history: &'a [Tick],
    pub catalogue: &'a [Product],
    pub phone_masked: String,
    pub names: &'a HashMap<String, String>,
    pub done: &'a str,
    pub today: i64,
    pub posted: Posted,
}

fn source_label(l: Lang, s: &str) -> String {
    match s {
        "import" => t(l, "vax-source-import"),
        "tickoff" => t(l, "vax-source-tickoff"),
        _ => t(l, "vax-source-entry"),
    }
}

fn client_id() -> String {
    crate::access::random_hex(12)
}

pub fn resident(ctx: &Ctx, v: &ResidentView) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let csrf = &ctx.session.csrf;
    let p = v.person;
    let products: Vec<(String, String)> = v
        .catalogue
        .iter()
        .filter(|x| x.active)
        .map(|x| (x.code.clone(), x.name(l).to_owned()))
        .collect();
    let mut product_opts = vec![(String::new(), "—".to_string())];
    product_opts.extend(products.iter().cloned());
    let (tf, te) = v
        .posted
        .tick
        .clone()
        .unwrap_or_else(|| (TickFields::default(), FormErrors::none()));
    let (df, de) = v
        .posted
        .dose
        .clone()
        .unwrap_or_else(|| (DoseFields::default(), FormErrors::none()));
    let (rf, re) = v
        .posted
        .ride
        .clone()
        .unwrap_or_else(|| (RideFields::default(), FormErrors::none()));
    let mut reasons = vec![(String::new(), t(l, "vax-detail-none"))];
    reasons.extend(opts(REASONS, l));
    let mut details = vec![(String::new(), t(l, "vax-detail-none"))];
    details.extend(DETAILS.iter().map(|d| {
        (
            d.1.to_string(),
            format!(
                "{} · {}",
                label(REASONS, d.0, l),
                if l == Lang::Zh { d.3 } else { d.2 }
            ),
        )
    }));
    // The resident's grid (or community, without one): within the scope of whoever reads this.
    let community = p.path.split("/B").next().unwrap_or(&p.path).to_owned();
    let back = format!("/vaccination/residents/{}", p.id);
    let cat_name = |code: &str| {
        v.catalogue
            .iter()
            .find(|x| x.code == code)
            .map(|x| x.name(l).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let tomorrow = vax::ymd(v.today + 1);
    html! {
        h1 { (ta(l, "vax-resident", &[("name", Arg::S(p.name.clone()))])) }
        (done_notice(l, v.done))
        p.actions {
            a.btn.alt href={ "/vaccination?area=" (community) } { (t(l, "vax-worklist")) }
            @if r.can_call() && !v.phone_masked.is_empty() {
                " " (crate::registry::pages::parts::call_button(l, csrf, p.id, &v.phone_masked, &back))
            }
        }
        dl.kv #vax-facts {
            dt { (t(l, "vax-status")) }
            dd #vax-status { (v.status.label(l)) }
            @if let Some(d) = &v.status.derived {
                @if let Some(n) = &d.next_due_on {
                    dt { (t(l, "vax-given-on")) }
                    dd { (ta(l, "vax-next-due", &[("d", Arg::S(n.clone()))])) }
                }
            }
        }
        h2 { (t(l, "vax-doses")) }
        @if v.status.doses.is_empty() {
            p.muted { (t(l, "vax-no-doses")) }
        } @else {
            table.stack #vax-doses {
                thead { tr {
                    th { (t(l, "vax-dose-no")) } th { (t(l, "vax-product")) } th { (t(l, "vax-given-on")) }
                    th { (t(l, "vax-site")) } th { (t(l, "vax-batch")) } th { (t(l, "vax-source")) }
                } }
                tbody {
                    @for d in &v.status.doses {
                        tr {
                            td data-label=(t(l, "vax-dose-no")) { (d.dose_no) }
                            td data-label=(t(l, "vax-product")) { (cat_name(&d.product)) }
                            td data-label=(t(l, "vax-given-on")) { (d.given_on) }
                            td data-label=(t(l, "vax-site")) { (d.site) }
                            td data-label=(t(l, "vax-batch")) { (d.batch) }
                            td data-label=(t(l, "vax-source")) { (source_label(l, &d.source)) }
                        }
                    }
                }
            }
        }
        @if vax::can_work(r) {
            h2 { (t(l, "vax-tick-title")) }
            form.box #vax-tick method="post" action={ "/vaccination/residents/" (p.id) "/tick" } {
                (errors_box(&te))
                (csrf_field(csrf))
                input type="hidden" name="client_id" value=(if tf.client_id.is_empty() { client_id() } else { tf.client_id.clone() });
                p.muted.small { (t(l, "vax-tick-help")) }
                (select("reason", &t(l, "vax-reason"), &reasons, &tf.reason, te.field("reason")))
                (select("detail", &t(l, "vax-detail"), &details, &tf.detail, te.field("detail")))
                (input("recheck_on", &t(l, "vax-recheck-on"), &tf.recheck_on, "date", te.field("recheck_on")))
                (input("appt_on", &t(l, "vax-appt-on"), &tf.appt_on, "date", te.field("appt_on")))
                (input("site", &t(l, "vax-site"), &tf.site, "text", te.field("site")))
                (select("product", &t(l, "vax-product"), &product_opts, &tf.product, te.field("product")))
                (input("given_on", &t(l, "vax-given-on"), &tf.given_on, "date", te.field("given_on")))
                (input("batch", &t(l, "vax-batch"), &tf.batch, "text", te.field("batch")))
                (input("note", &t(l, "vax-note"), &tf.note, "text", te.field("note")))
                button type="submit" { (t(l, "vax-tick")) }
            }
            @if crate::needs::can_intake(r) {
                h2 { (t(l, "vax-ride-title")) }
                form.box #vax-ride method="post" action={ "/vaccination/residents/" (p.id) "/ride" } {
                    (errors_box(&re))
                    (csrf_field(csrf))
                    input type="hidden" name="client_id" value=(if rf.client_id.is_empty() { client_id() } else { rf.client_id.clone() });
                    p.muted.small { (t(l, "vax-ride-help")) }
                    (input("site", &t(l, "vax-site"), &rf.site, "text", re.field("site")))
                    (input("on_day", &t(l, "vax-ride-day"), if rf.on_day.is_empty() { &tomorrow } else { &rf.on_day }, "date", re.field("on_day")))
                    (input("note", &t(l, "vax-note"), &rf.note, "text", re.field("note")))
                    button type="submit" { (t(l, "vax-ride-request")) }
                }
            }
            h2 { (t(l, "vax-record-dose")) }
            form.box #vax-dose method="post" action={ "/vaccination/residents/" (p.id) "/dose" } {
                (errors_box(&de))
                (csrf_field(csrf))
                input type="hidden" name="client_id" value=(if df.client_id.is_empty() { client_id() } else { df.client_id.clone() });
                (select("product", &t(l, "vax-product"), &product_opts, &df.product, de.field("product")))
                (input("dose_no", &t(l, "vax-dose-no"), &df.dose_no, "number", de.field("dose_no")))
                (input("given_on", &t(l, "vax-given-on"), &df.given_on, "date", de.field("given_on")))
                (input("site", &t(l, "vax-site"), &df.site, "text", de.field("site")))
                (input("batch", &t(l, "vax-batch"), &df.batch, "text", de.field("batch")))
                button type="submit" { (t(l, "vax-record")) }
            }
        }
        h2 { (t(l, "vax-history")) }
        @if v.history.is_empty() {
            p.muted { (t(l, "vax-no-history")) }
        } @else {
            ul.home #vax-history {
                @for h in v.history {
                    li {
                        b { (label(REASONS, &h.reason, l)) }
                        @if !h.detail.is_empty() { " · " (detail_label(&h.detail, l)) }
                        @if let Some(d) = &h.appt_on { " · " (t(l, "vax-appt-on")) " " (d) " " (h.site) }
                        @if let Some(d) = &h.recheck_on { " · " (t(l, "vax-recheck-on")) " " (d) }
                        @if !h.note.is_empty() { " · " (h.note) }
                        br;
                        span.sub { (ta(l, "vax-ticked-by", &[
                            ("who", Arg::S(v.names.get(&h.by_login).cloned().unwrap_or_else(|| h.by_login.clone()))),
                            ("when", Arg::S(datetime(h.at_ms))),
                        ])) }
                    }
                }
            }
        }
    }
    .into()
}

fn measure_cell(l: Lang, b: &Band, n: i64, target: Option<i64>, id: String) -> maud::Markup {
    let ok = target.map(|t| crate::vaccination::figures::permille(n, b.population) >= t * 10);
    html! {
        span id=(id) { (pct_text(n, b.population)) }
        " (" span id={ (id) "-n" } { (n) } ")"
        @if let Some(tp) = target {
            br;
            span.sub.warn[ok == Some(false)] { (ta(l, "vax-target", &[("p", Arg::N(tp))])) }
        }
    }
}

fn bands_table(l: Lang, id: &str, bands: &[Band]) -> maud::Markup {
    html! {
        table.stack id=(id) {
            thead { tr {
                th { (t(l, "vax-band")) } th.n { (t(l, "vax-population")) }
                th.n { (t(l, "vax-first")) } th.n { (t(l, "vax-full")) } th.n { (t(l, "vax-booster")) }
            } }
            tbody {
                @for b in bands {
                    tr data-band=(b.band) {
                        td data-label=(t(l, "vax-band")) { (band_label(b.band, l)) }
                        td.n data-label=(t(l, "vax-population")) { (b.population) }
                        td.n data-label=(t(l, "vax-first")) { (measure_cell(l, b, b.first, b.target_first, format!("{id}-{}-first", b.band))) }
                        td.n data-label=(t(l, "vax-full")) { (measure_cell(l, b, b.full, b.target_full, format!("{id}-{}-full", b.band))) }
                        td.n data-label=(t(l, "vax-booster")) { (measure_cell(l, b, b.booster, b.target_booster, format!("{id}-{}-booster", b.band))) }
                    }
                }
            }
        }
    }
}

pub fn figures(
    ctx: &Ctx,
    area: &Area,
    f: &Figures,
    choices: &[(String, String)],
    done: &str,
    list: crate::vaccination::figures::List,
) -> Markup {
    use crate::vaccination::figures::List;
    let l = ctx.lang;
    // Above a street, the communities are not its children: a link lists every one of them.
    let above_street = area.level < 4;
    html! {
        h1 { (t(l, "vax-figures")) " · " (area.name) }
        (done_notice(l, done))
        (links(ctx, &area.code))
        form.filters method="get" action="/vaccination/figures" {
            (select("area", &t(l, "vax-area"), choices, &area.code, None))
            button type="submit" { (t(l, "vax-show")) }
        }
        (bands_table(l, "vax-cov", &f.bands))
        div.cards #vax-cards {
            div.card.warn[f.deferrals_due > 0] { b #vax-deferrals { (f.deferrals_due) } span { (t(l, "vax-deferrals-due")) } }
            div.card { b #vax-dropout { (f.dropout) } span { (t(l, "vax-dropout")) } }
        }
        h2 { (t(l, "vax-reasons")) }
        div.cards #vax-reasons {
            @for (reason, n) in &f.reasons {
                div.card { b { (n) } span { (label(REASONS, reason, l)) } }
            }
        }
        @if above_street {
            div.actions #vax-list-by {
                @if list == List::Communities {
                    a href={ "/vaccination/figures?area=" (area.code) } { (t(l, "vax-by-area")) }
                } @else {
                    a href={ "/vaccination/figures?area=" (area.code) "&by=community" } { (t(l, "vax-by-community")) }
                }
            }
        }
        @if !f.children.is_empty() {
            h2 { (t(l, if list == List::Communities { "vax-by-community" } else { "vax-by-area" })) }
            @for c in &f.children {
                h3 { a href={ "/vaccination/figures?area=" (c.code) } { (c.name) } }
                (bands_table(l, &format!("vax-cov-{}", c.code), &c.bands))
            }
        }
        @if let Some(ms) = f.population_counted_ms {
            p.muted.small { (ta(l, "vax-counted", &[("when", Arg::S(datetime(ms)))])) }
        }
        @if vax::can_import(ctx.reader()) {
            form.inline method="post" action="/vaccination/figures/recount" {
                (csrf_field(&ctx.session.csrf))
                input type="hidden" name="area" value=(area.code);
                button.alt type="submit" { (t(l, "vax-recount")) }
            }
        }
        p.muted.small { (t(l, "vax-fig-how")) }
    }
    .into()
}

pub fn import(ctx: &Ctx, rep: Option<&ImportReport>) -> Markup {
    let l = ctx.lang;
    html! {
        h1 { (t(l, "vax-import")) }
        @if let Some(r) = rep {
            div #vax-import-report {
                @for n in &r.notes { p.muted { (n.get(l)) } }
                p { (ta(l, "vax-import-report", &[
                    ("rows", Arg::N(r.rows as i64)), ("doses", Arg::N(r.doses as i64)),
                    ("residents", Arg::N(r.residents as i64)), ("skipped", Arg::N(r.skipped as i64)),
                ])) }
                @if !r.errors.is_empty() {
                    div.errors role="alert" {
                        p { (t(l, "vax-import-errors")) }
                        ul { @for e in &r.errors { li { (e.render(l)) } } }
                        @if r.more_errors > 0 { p { (ta(l, "vax-import-more", &[("n", Arg::N(r.more_errors as i64))])) } }
                    }
                } @else if r.committed {
                    (notice(&t(l, "vax-done-import")))
                } @else {
                    (notice(&t(l, "vax-import-checked")))
                }
            }
        }
        p.muted { (t(l, "vax-import-help")) }
        form.box #vax-import-form method="post" action="/vaccination/import" enctype="multipart/form-data" {
            (csrf_field(&ctx.session.csrf))
            label.field { span { (t(l, "vax-file")) } input type="file" name="file" accept=".csv,.xlsx,text/csv"; }
            label.check { input type="checkbox" name="dry_run" value="1"; " " (t(l, "vax-dry-run")) }
            button type="submit" { (t(l, "vax-upload")) }
        }
        p { a.btn.alt href="/vaccination" { (t(l, "vax-worklist")) } }
    }
    .into()
}

pub fn catalogue(
    ctx: &Ctx,
    cat: &[Product],
    targets: &[Target],
    done: &str,
    posted: Option<(&ProductFields, FormErrors)>,
) -> Markup {
    let l = ctx.lang;
    let hq = vax::can_edit_catalogue(ctx.reader());
    let csrf = &ctx.session.csrf;
    let (pf, pe) = match posted {
        Some((f, e)) => (f.clone(), e),
        None => (
            ProductFields {
                active: "1".into(),
                ..ProductFields::default()
            },
            FormErrors::none(),
        ),
    };
    let yes_no = vec![
        ("1".to_string(), t(l, "vax-yes")),
        ("0".to_string(), t(l, "vax-no")),
    ];
    let bands: Vec<(String, String)> = BANDS
        .iter()
        .map(|b| (b.0.to_string(), band_label(b.0, l)))
        .collect();
    html! {
        h1 { (t(l, "vax-catalogue")) }
        (done_notice(l, done))
        h2 { (t(l, "vax-products")) }
        table.stack #vax-products {
            thead { tr {
                th { (t(l, "vax-product")) } th.n { (t(l, "vax-primary")) } th.n { (t(l, "vax-interval")) }
                th.n { (t(l, "vax-booster-after")) } th.n { (t(l, "vax-window")) } th { (t(l, "vax-active")) }
            } }
            tbody {
                @for p in cat {
                    tr {
                        td data-label=(t(l, "vax-product")) { (p.name(l)) }
                        td.n data-label=(t(l, "vax-primary")) { (p.primary_doses) }
                        td.n data-label=(t(l, "vax-interval")) { (p.interval_days) }
                        td.n data-label=(t(l, "vax-booster-after")) { (p.booster_after_days) }
                        td.n data-label=(t(l, "vax-window")) { (p.window_days) }
                        td data-label=(t(l, "vax-active")) { (t(l, if p.active { "vax-yes" } else { "vax-no" })) }
                    }
                }
            }
        }
        h2 { (t(l, "vax-targets")) }
        ul.home #vax-targets {
            @for x in targets {
                li { (band_label(&x.band, l)) " · " (label(crate::vaccination::MEASURES, &x.measure, l)) " · " (x.percent) "%" }
            }
        }
        @if hq {
            h2 { (t(l, "vax-add-product")) }
            form.box #vax-product-form method="post" action="/vaccination/catalogue/product" {
                (errors_box(&pe))
                (csrf_field(csrf))
                (input("code", &t(l, "vax-code"), &pf.code, "text", pe.field("code")))
                (input("name_zh", &t(l, "vax-name-zh"), &pf.name_zh, "text", pe.field("name_zh")))
                (input("name_en", &t(l, "vax-name-en"), &pf.name_en, "text", pe.field("name_en")))
                (input("primary_doses", &t(l, "vax-primary"), &pf.primary_doses, "number", pe.field("primary_doses")))
                (input("interval_days", &t(l, "vax-interval"), &pf.interval_days, "number", pe.field("interval_days")))
                (input("booster_after_days", &t(l, "vax-booster-after"), &pf.booster_after_days, "number", pe.field("booster_after_days")))
                (input("window_days", &t(l, "vax-window"), &pf.window_days, "number", pe.field("window_days")))
                (select("active", &t(l, "vax-active"), &yes_no, &pf.active, None))
                button type="submit" { (t(l, "vax-save")) }
            }
            h2 { (t(l, "vax-set-target")) }
            form.box #vax-target-form method="post" action="/vaccination/catalogue/target" {
                (csrf_field(csrf))
                (select("band", &t(l, "vax-band"), &bands, "80+", None))
                (select("measure", &t(l, "vax-measure"), &opts(crate::vaccination::MEASURES, l), "first", None))
                (input("percent", &t(l, "vax-percent"), "", "number", None))
                button type="submit" { (t(l, "vax-save")) }
            }
        }
    }
    .into()
}
