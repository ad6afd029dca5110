//! The missing list as markup: households in walking order, the people to sample at home,
//! the exemptions, and the exemption form.

use crate::html;
use std::collections::HashMap;

use super::views::{area_link, bar, figures, percent};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::Area;
use crate::registry::model::{RELATIONS, TAGS};
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

fn exempt_form(ctx: &Ctx, round: i64, area: &str, p: &MissingPerson) -> Markup {
    let l = ctx.lang;
    let reasons: Markup = Markup(
        EXEMPT_REASONS
            .iter()
            .map(|x| {
                html!(
                    "<option value=\"{}\">{}</option>",
                    x.0,
                    if l == Lang::Zh { x.2 } else { x.1 }
                )
                .0
            })
            .collect(),
    );
    html!(
        "<details class=\"exempt noprint\"><summary>{}</summary><form method=\"post\" action=\"/testing/rounds/{}/exempt\" class=\"exempt-form\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input type=\"hidden\" name=\"resident\" value=\"{}\"><select name=\"reason\" aria-label=\"{}\">{}</select><input name=\"note\" maxlength=\"200\" placeholder=\"{}\" aria-label=\"{}\"><button>{}</button></form></details>",
        t(l, "exempt-open"),
        round,
        csrf_field(&ctx.session.csrf),
        area,
        p.resident_id,
        t(l, "field-reason"),
        reasons,
        t(l, "exempt-note"),
        t(l, "exempt-note"),
        t(l, "exempt-submit")
    )
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

fn household_block(
    ctx: &Ctx,
    round: i64,
    area: &str,
    h: &MissingHousehold,
    prefix: &str,
    sample_link: bool,
) -> Markup {
    let l = ctx.lang;
    let head = match (&h.head_name, &h.head_phone_masked) {
        (Some(n), Some(p)) => html!(
            "{} <span class=\"masked nowrap\">{}</span>",
            ta(l, "missing-head", &[("name", Arg::S(n.clone()))]),
            p
        ),
        (Some(n), None) => html!("{}", ta(l, "missing-head", &[("name", Arg::S(n.clone()))])),
        _ => Markup::default(),
    };
    let mut m = html!(
        "<section class=\"hh\" id=\"h-{}\"><div class=\"hh-head\"><a href=\"/households/{}\" title=\"{}\">{}</a><span class=\"tag bad\">{}</span></div><div class=\"sub\">{}</div><ul>",
        h.household_id,
        h.household_id,
        h.address,
        h.address.strip_prefix(prefix).unwrap_or(&h.address),
        ta(
            l,
            "missing-of",
            &[
                ("n", Arg::N(h.missing.len() as i64)),
                ("of", Arg::N(h.members))
            ]
        ),
        head
    );
    for p in &h.missing {
        let phone = p
            .phone_masked
            .as_deref()
            .map(|x| html!(" · <span class=\"masked nowrap\">{}</span>", x))
            .unwrap_or_default();
        let form = if ctx.reader().can_write_registry() {
            exempt_form(ctx, round, area, p)
        } else {
            Markup::default()
        };
        m.push(html!(
            "<li class=\"person\" id=\"p-{}\"><div class=\"who\"><a href=\"/residents/{}\"><b>{}</b></a> <span class=\"muted\">{} {} · {}{}</span> {}</div>{}</li>",
            p.resident_id,
            p.resident_id,
            p.name,
            sex_text(l, p.sex),
            age_text(l, p.age),
            term(l, RELATIONS, &p.relation),
            phone,
            flags(l, p),
            form
        ));
    }
    m.0.push_str("</ul>");
    if sample_link {
        m.push(html!(
            "<a class=\"btn alt small noprint\" href=\"/testing/rounds/{}/collect?household={}\">{}</a>",
            round,
            h.household_id,
            t(l, "missing-sample-here")
        ));
    }
    m.0.push_str("</section>");
    m
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
    body.push(html!(
        "<div class=\"actions noprint\"><a class=\"btn alt\" href=\"{}\">{}</a><a class=\"btn alt\" id=\"missing-csv\" href=\"{}\">{}</a><button type=\"button\" class=\"alt\" data-print hidden>{}</button></div>",
        area_link(round.id, "", &area.code),
        t(l, "missing-back"),
        format!("/testing/rounds/{}/missing.csv?area={}", round.id, url_enc(&area.code)),
        t(l, "export-csv"),
        t(l, "missing-print")
    ));
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
    // People to sample at home, on their own list for the door-to-door team.
    let home: Vec<(&MissingHousehold, &MissingPerson)> = list
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
    body.push(Markup("<div id=\"missing\">".into()));
    // A heading per building (or grid), in walking order.
    let mut group = String::new();
    for h in list.iter() {
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
        ));
    }
    body.0.push_str("</div>");
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
        body.push(html!(
            "<table class=\"wide\" id=\"exemptions\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"opt\">{}</th><th class=\"noprint\"></th></tr>",
            t(l, "col-name"),
            t(l, "field-reason"),
            t(l, "col-address"),
            t(l, "exempt-by")
        ));
        for x in exemptions.iter() {
            let undo = if r.can_write_registry() {
                html!(
                    "<form method=\"post\" action=\"/testing/rounds/{}/unexempt\" class=\"inline\">{}<input type=\"hidden\" name=\"area\" value=\"{}\"><input type=\"hidden\" name=\"resident\" value=\"{}\"><button class=\"link\">{}</button></form>",
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
                "<tr id=\"e-{}\"><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td>{}{}</td><td class=\"opt\">{}</td><td class=\"opt\">{}<span class=\"sub\">{}</span></td><td class=\"noprint\">{}</td></tr>",
                x.resident_id,
                x.resident_id,
                x.name,
                reason_text(l, &x.reason),
                note,
                x.address,
                x.by,
                minutes(x.at_ms),
                undo
            ));
        }
        body.0.push_str("</table>");
    }
    body
}
