//! The missing list as markup: households in walking order, the people to sample at home,
//! the exemptions, and the exemption form.

use crate::html;
use std::collections::HashMap;

use super::views::{area_link, bar, figures, percent};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::Area;
use crate::registry::model::{RELATIONS, TAGS};
use crate::registry::pages::parts::call_button;
use crate::testing::coverage::{self, Coverage, MissingHousehold, MissingPerson};
use crate::testing::results::Exemption;
use crate::testing::{Round, EXEMPT_REASONS};
use crate::web::html::minutes;
use crate::web::html::{csrf_field, error_box, notice, url_enc, Markup};
use crate::web::pages::Ctx;

pub(super) fn sex_text(l: Lang, sex: i64) -> String {
    match sex {
        1 => t(l, "sex-male"),
        2 => t(l, "sex-female"),
        _ => "—".into(),
    }
}

pub(super) fn term(l: Lang, terms: &[crate::registry::model::Term], code: &str) -> String {
    terms
        .iter()
        .find(|x| x.code == code)
        .map(|x| if l == Lang::Zh { x.zh } else { x.en })
        .unwrap_or(code)
        .to_owned()
}

fn reason_text(l: Lang, code: &str) -> String {
    EXEMPT_REASONS
        .iter()
        .find(|x| x.0 == code)
        .map(|x| if l == Lang::Zh { x.2 } else { x.1 })
        .unwrap_or(code)
        .to_owned()
}

fn age_text(l: Lang, age: Option<i64>) -> String {
    age.map(|a| ta(l, "age-years", &[("age", Arg::N(a))]))
        .unwrap_or_default()
}

/// The flags of a missing person: re-sample, home visit, vulnerable tags.
fn flags(l: Lang, p: &MissingPerson) -> Markup {
    let mut m = Markup::default();
    if p.resample {
        m.push(html!(
            "<span class=\"tag warn\">{}</span>",
            t(l, "missing-resample")
        ));
    }
    if p.home_visit {
        m.push(html!(
            "<span class=\"tag home\">{}</span>",
            t(l, "missing-home")
        ));
    }
    for c in &p.tags {
        m.push(html!("<span class=\"tag\">{}</span>", term(l, TAGS, c)));
    }
    m
}

/// The link to exempt a person: a small page of its own with the form (the list stays light).
fn exempt_link(ctx: &Ctx, round: i64, area: &str, page: usize, p: &MissingPerson) -> Markup {
    maud::html! {
        a.btn.alt.exempt.noprint href={ "/testing/rounds/" (round) "/exempt?resident=" (p.resident_id) "&area=" (url_enc(area)) "&page=" (page) } {
            (t(ctx.lang, "exempt-open"))
        }
    }
    .into()
}

/// Who is exempted, for the exemption page.
pub(super) struct ExemptWho<'a> {
    pub round: &'a Round,
    pub resident_id: i64,
    pub name: &'a str,
    pub address: &'a str,
    pub area: &'a str,
    pub page: usize,
}

/// The exemption page: the person, the reason and note (as typed, with errors), and back.
pub(super) fn exempt_body(
    ctx: &Ctx,
    w: &ExemptWho,
    reason: &str,
    note: &str,
    errors: &[String],
) -> Markup {
    let l = ctx.lang;
    let mut back = area_link(w.round.id, "/missing", w.area);
    back.push(if back.contains('?') { '&' } else { '?' });
    back.push_str(&format!("page={}", w.page));
    maud::html! {
        h1 { (t(l, "exempt-submit")) " · " (w.name) }
        p.muted { (w.round.name) " · " (w.address) }
        (error_box(l, errors))
        form.box #exempt-form method="post" action={ "/testing/rounds/" (w.round.id) "/exempt" } {
            (csrf_field(&ctx.session.csrf))
            input type="hidden" name="area" value=(w.area);
            input type="hidden" name="page" value=(w.page);
            input type="hidden" name="resident" value=(w.resident_id);
            div.field {
                label for="exempt-reason" { (t(l, "field-reason")) }
                select #exempt-reason name="reason" {
                    @for x in EXEMPT_REASONS {
                        option value=(x.0) selected[x.0 == reason] { (if l == Lang::Zh { x.2 } else { x.1 }) }
                    }
                }
            }
            div.field {
                label for="exempt-note" { (t(l, "exempt-note")) }
                input #exempt-note name="note" maxlength="200" value=(note);
            }
            div.actions {
                button type="submit" { (t(l, "exempt-submit")) }
                a.btn.alt href=(back) { (t(l, "exempt-cancel")) }
            }
        }
    }
    .into()
}

/// The start all the addresses share (county, street, community …), to print once: a walk
/// list reads better as "1栋2单元402室" than as the whole address each time.
fn common_prefix(list: &[MissingHousehold]) -> String {
    let Some(first) = list.first() else {
        return String::new();
    };
    let mut n = first.address.chars().count();
    for h in &list[1..] {
        n = n.min(
            first
                .address
                .chars()
                .zip(h.address.chars())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    // Never the whole address, and cut before the digits of a number (1栋 and 12栋 share "1").
    let chars: Vec<char> = first.address.chars().collect();
    while n > 0 && (n >= chars.len() || chars[n - 1].is_ascii_digit()) {
        n -= 1;
    }
    if list.len() < 2 || n < 4 {
        return String::new();
    }
    chars[..n].iter().collect()
}

/// How the list is drawn: the page's own address (to come back to after a call), and whether
/// it is the print view (no buttons, every household).
pub(super) struct Draw<'a> {
    pub back: &'a str,
    pub print: bool,
    pub page: usize,
}

fn household_block(
    ctx: &Ctx,
    round: i64,
    area: &str,
    h: &MissingHousehold,
    prefix: &str,
    sample_link: bool,
    d: &Draw,
) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let csrf = &ctx.session.csrf;
    let call = r.can_call() && !d.print;
    let head_call = match (h.head_id, &h.head_phone_masked) {
        // The head is called from their own line when they are missing too.
        (Some(id), Some(p)) if call && !h.missing.iter().any(|m| m.resident_id == id) => {
            Some(call_button(l, csrf, id, p, d.back))
        }
        _ => None,
    };
    maud::html! {
        section.hh id={ "h-" (h.household_id) } {
            div.hh-head {
                a href={ "/households/" (h.household_id) } title=(h.address) {
                    (h.address.strip_prefix(prefix).unwrap_or(&h.address))
                }
                span.tag.bad {
                    (ta(l, "missing-of", &[("n", Arg::N(h.missing.len() as i64)), ("of", Arg::N(h.members))]))
                }
            }
            @if let Some(z) = &h.zone {
                div { a class={ "tag zone-badge zone-" (z.kind.code()) } href={ "/zones/" (z.id) } { (z.kind.name(l)) " · " (z.kind.rule(l)) } }
            }
            @if let Some(n) = &h.head_name {
                div.sub {
                    (ta(l, "missing-head", &[("name", Arg::S(n.clone()))]))
                    @if let Some(p) = &h.head_phone_masked {
                        @if let Some(b) = &head_call { " " (b) } @else { " " span.masked.nowrap { (p) } }
                    }
                }
            }
            ul {
                @for p in &h.missing {
                    li.person id={ "p-" (p.resident_id) } {
                        div.who {
                            a href={ "/residents/" (p.resident_id) } { b { (p.name) } }
                            " "
                            span.muted {
                                (sex_text(l, p.sex)) " " (age_text(l, p.age)) " · " (term(l, RELATIONS, &p.relation))
                                @if let (Some(x), false) = (&p.phone_masked, call) {
                                    " · " span.masked.nowrap { (x) }
                                }
                            }
                            " " (flags(l, p))
                        }
                        @if let (Some(x), true) = (&p.phone_masked, call) {
                            (call_button(l, csrf, p.resident_id, x, d.back))
                        }
                        @if r.can_write_registry() && !d.print {
                            (exempt_link(ctx, round, area, d.page, p))
                        }
                    }
                }
            }
            @if sample_link && !d.print {
                a.btn.alt.noprint href={ "/testing/rounds/" (round) "/collect?household=" (h.household_id) } {
                    (t(l, "missing-sample-here"))
                }
            }
        }
    }
    .into()
}

/// Households shown on one page of the missing list.
pub const PAGE_HOUSEHOLDS: usize = 40;

/// The pager: previous and next page (keeping the area), and "page X of Y".
fn pager(l: Lang, round: i64, area: &str, page: usize, pages: usize) -> Markup {
    let href = |n: usize| {
        let mut to = area_link(round, "/missing", area);
        to.push(if to.contains('?') { '&' } else { '?' });
        to.push_str(&format!("page={n}"));
        to
    };
    maud::html! {
        nav.pager.noprint #missing-pager aria-label=(t(l, "missing-pages")) {
            @if page > 1 {
                a.btn.alt rel="prev" href=(href(page - 1)) { (t(l, "missing-prev")) }
            } @else { span {} }
            span.page-of {
                (ta(l, "missing-page-of", &[("page", Arg::N(page as i64)), ("pages", Arg::N(pages as i64))]))
            }
            @if page < pages {
                a.btn.alt rel="next" href=(href(page + 1)) { (t(l, "missing-next")) }
            } @else { span {} }
        }
    }
    .into()
}

/// What the missing list shows: the round and area, their coverage, the missing households
/// (in walking order), the exemptions, and the names of the buildings or grids they are in.
pub(super) struct Missing {
    pub round: Round,
    pub area: Area,
    pub crumbs: Markup,
    pub coverage: Coverage,
    pub list: Vec<MissingHousehold>,
    pub truncated: bool,
    pub exemptions: Vec<Exemption>,
    /// Whether the reader samples here (a link to sample a household).
    pub sample_link: bool,
    /// Area names by path.
    pub places: HashMap<String, String>,
    /// The page shown (from 1), unless `print`: then every household.
    pub page: usize,
    pub print: bool,
}

impl Missing {
    pub fn pages(&self) -> usize {
        self.list.len().div_ceil(PAGE_HOUSEHOLDS).max(1)
    }

    /// The page asked for, within the pages there are.
    pub fn page(&self) -> usize {
        self.page.clamp(1, self.pages())
    }

    /// The households this view draws.
    pub fn shown(&self) -> &[MissingHousehold] {
        if self.print {
            return &self.list;
        }
        let from = (self.page() - 1) * PAGE_HOUSEHOLDS;
        &self.list[from.min(self.list.len())..(from + PAGE_HOUSEHOLDS).min(self.list.len())]
    }

    /// The address of the view (to come back to after a call).
    pub fn href(&self) -> String {
        let mut to = area_link(self.round.id, "/missing", &self.area.code);
        to.push(if to.contains('?') { '&' } else { '?' });
        if self.print {
            to.push_str("print=1");
        } else {
            to.push_str(&format!("page={}", self.page()));
        }
        to
    }
}

/// The page's body.
pub(super) fn missing_body(ctx: &Ctx, m: &Missing, done: &str, errors: &[String]) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let (round, area, c, list, truncated, exemptions, sample_link) = (
        &m.round,
        &m.area,
        &m.coverage,
        &m.list,
        m.truncated,
        &m.exemptions,
        m.sample_link,
    );
    let mut body = m.crumbs.clone();
    body.push(html!(
        "<h1>{} · {}</h1><p class=\"muted print-only\">{} · {}</p>",
        t(l, "missing-title"),
        area.name,
        round.name,
        ta(
            l,
            "missing-printed",
            &[("at", Arg::S(minutes(crate::db::now_ms())))]
        )
    ));
    body.push(html!(
        "<div class=\"cov big\" id=\"coverage\"><div class=\"cov-head\"><span>{}</span><b>{}</b></div>{}<div class=\"muted\">{}</div></div>",
        ta(l, "missing-summary", &[("n", Arg::N(c.missing)), ("hh", Arg::N(c.households_missing))]),
        percent(c.permille()),
        bar(l, c),
        figures(l, c)
    ));
    let print_href = {
        let mut to = area_link(round.id, "/missing", &area.code);
        to.push(if to.contains('?') { '&' } else { '?' });
        to.push_str("print=1");
        to
    };
    body.push(
        maud::html! {
            div.actions.noprint {
                a.btn.alt href=(area_link(round.id, "", &area.code)) { (t(l, "missing-back")) }
                a.btn.alt #missing-csv href={ "/testing/rounds/" (round.id) "/missing.csv?area=" (url_enc(&area.code)) } {
                    (t(l, "export-csv"))
                }
                @if m.print {
                    a.btn.alt #missing-paged href=(area_link(round.id, "/missing", &area.code)) { (t(l, "missing-paged")) }
                    button.alt type="button" data-print hidden { (t(l, "missing-print")) }
                } @else {
                    a.btn.alt #missing-print href=(print_href) { (t(l, "missing-print-all")) }
                }
            }
        }
        .into(),
    );
    match done {
        "exempt" => body.push(notice(&t(l, "exempt-done"))),
        "unexempt" => body.push(notice(&t(l, "unexempt-done"))),
        _ => {}
    }
    body.push(error_box(l, errors));
    if truncated {
        body.push(html!(
            "<p class=\"errors\">{}</p>",
            ta(
                l,
                "missing-truncated",
                &[("n", Arg::N(coverage::MISSING_LIMIT as i64))]
            )
        ));
    }
    // The households of this page (every household in the print view).
    let shown = m.shown();
    let d = Draw {
        back: &m.href(),
        print: m.print,
        page: m.page(),
    };
    // People to sample at home, on their own list for the door-to-door team (of the
    // households on this page; the print view lists them all).
    let home: Vec<(&MissingHousehold, &MissingPerson)> = shown
        .iter()
        .flat_map(|h| {
            h.missing
                .iter()
                .filter(|p| p.home_visit)
                .map(move |p| (h, p))
        })
        .collect();
    if !home.is_empty() {
        body.push(html!(
            "<h2>{}</h2><p class=\"muted\">{}</p><ul class=\"home\" id=\"home-visits\">",
            ta(l, "missing-home-title", &[("n", Arg::N(home.len() as i64))]),
            t(l, "missing-home-hint")
        ));
        for (h, p) in &home {
            body.push(html!(
                "<li><a href=\"#h-{}\"><b>{}</b></a> <span class=\"muted\">{} · {}</span> {}<span class=\"sub\">{}</span></li>",
                h.household_id,
                p.name,
                sex_text(l, p.sex),
                age_text(l, p.age),
                flags(l, p),
                h.address
            ));
        }
        body.0.push_str("</ul>");
    }
    body.push(html!(
        "<h2>{}</h2>",
        ta(l, "missing-households", &[("n", Arg::N(list.len() as i64))])
    ));
    if list.is_empty() {
        body.push(html!(
            "<p class=\"notice\" id=\"none-missing\">{}</p>",
            t(l, "missing-none")
        ));
    }
    let prefix = common_prefix(list);
    if !prefix.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"address-prefix\">{}</p>",
            ta(
                l,
                "missing-address-prefix",
                &[("prefix", Arg::S(prefix.clone()))]
            )
        ));
    }
    let pages = m.pages();
    if !m.print && pages > 1 {
        body.push(pager(l, round.id, &area.code, m.page(), pages));
    }
    body.push(Markup("<div id=\"missing\">".into()));
    // A heading per building (or grid), in walking order.
    let mut group = String::new();
    for h in shown.iter() {
        let at = h.path.clone();
        if at != group {
            group = at;
            let (name, n) = (
                m.places.get(&group).cloned().unwrap_or_default(),
                list.iter().filter(|x| x.path == group).count(),
            );
            body.push(html!(
                "<h3 class=\"bld\">{} <span class=\"muted\">{}</span></h3>",
                name,
                ta(l, "missing-bld-households", &[("n", Arg::N(n as i64))])
            ));
        }
        body.push(household_block(
            ctx,
            round.id,
            &area.code,
            h,
            &prefix,
            sample_link,
            &d,
        ));
    }
    body.0.push_str("</div>");
    if !m.print && pages > 1 {
        body.push(pager(l, round.id, &area.code, m.page(), pages));
    }
    body.push(html!(
        "<h2>{}</h2>",
        ta(
            l,
            "exemptions-title",
            &[("n", Arg::N(exemptions.len() as i64))]
        )
    ));
    if exemptions.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "exemptions-none")));
    } else {
        let (c_name, c_reason, c_addr, c_by) = (
            t(l, "col-name"),
            t(l, "field-reason"),
            t(l, "col-address"),
            t(l, "exempt-by"),
        );
        body.push(html!(
            "<table class=\"wide stack\" id=\"exemptions\"><thead><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"opt\">{}</th><th class=\"noprint\"></th></tr></thead><tbody>",
            c_name,
            c_reason,
            c_addr,
            c_by
        ));
        for x in exemptions.iter() {
            let undo = if r.can_write_registry() && !m.print {
                html!(
                    "<form method=\"post\" action=\"/testing/rounds/{}/unexempt\" class=\"inline\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input type=\"hidden\" name=\"resident\" value=\"{}\"><button class=\"alt\">{}</button></form>",
                    round.id,
                    csrf_field(&ctx.session.csrf),
                    area.code,
                    x.resident_id,
                    t(l, "exempt-undo")
                )
            } else {
                Markup::default()
            };
            let note = if x.note.is_empty() {
                Markup::default()
            } else {
                html!("<span class=\"sub\">{}</span>", x.note)
            };
            body.push(html!(
                "<tr id=\"e-{}\"><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td data-label=\"{}\">{}{}</td><td class=\"opt\" data-label=\"{}\">{}</td><td class=\"opt\" data-label=\"{}\">{}<span class=\"sub\">{}</span></td><td class=\"noprint\">{}</td></tr>",
                x.resident_id,
                x.resident_id,
                x.name,
                c_reason,
                reason_text(l, &x.reason),
                note,
                c_addr,
                x.address,
                c_by,
                x.by,
                minutes(x.at_ms),
                undo
            ));
        }
        body.0.push_str("</tbody>");
        body.0.push_str("</table>");
    }
    body
}
