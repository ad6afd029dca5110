//! The rounds and a round's overview as markup.

use crate::html;

use super::views::{
    area_link, bar, child_rows, figures, level_name, percent, pool_options, pool_text, round_href,
    site_kind, status_tag, task_kind, window,
};
use crate::db::now_ms;
use crate::i18n::{t, ta, Arg};
use crate::registry::areas::Area;
use crate::registry::model::{LEVEL_COMMUNITY, LEVEL_GRID};
use crate::testing::coverage::{AreaCoverage, Coverage};
use crate::testing::results::Task;
use crate::testing::{NewRound, Round, Site};
use crate::web::html::{csrf_field, error_box, field, notice, select, Markup};
use crate::web::pages::Ctx;

/// Today at `hh:00` China time, as a datetime-local value.
fn today_at(hh: i64) -> String {
    let days = (now_ms() + crate::testing::CST_MS).div_euclid(86_400_000);
    let (y, m, d) = crate::registry::validate::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:00")
}

/// The rounds the reader sees (each with its area's name), and for managers the form for a new
/// round (with the areas they may start one over, and the values sent when it comes again).
pub(super) fn rounds_body(
    ctx: &Ctx,
    list: &[(Round, String)],
    opts: &[(String, String)],
    f: &NewRound,
    errors: &[String],
) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let mut body = html!("<h1>{}</h1>", t(l, "testing-title"));
    if list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-rounds\">{}</p>",
            t(l, "testing-no-rounds")
        ));
    } else {
        body.push(Markup("<ul class=\"rounds\" id=\"rounds\">".into()));
        for (x, area) in list {
            body.push(html!(
                "<li><a href=\"{}\"><b>{}</b></a> {}<span class=\"sub\">{} · {} · {}</span></li>",
                round_href(x.id),
                x.name,
                status_tag(l, x),
                area,
                window(x),
                pool_text(l, x.pool_size)
            ));
        }
        body.0.push_str("</ul>");
    }
    let mut links = Markup::default();
    if r.can_read_registry() {
        links.push(html!(
            "<a class=\"btn alt\" href=\"/testing/walkins\">{}</a>",
            t(l, "walkins-title")
        ));
    }
    if !links.0.is_empty() {
        body.push(html!("<div class=\"actions\">{}</div>", links));
    }
    if crate::testing::can_manage(r) {
        let v = |x: &str, d: String| {
            if x.is_empty() {
                d
            } else {
                x.to_owned()
            }
        };
        let area = v(
            &f.area,
            opts.first().map(|o| o.0.clone()).unwrap_or_default(),
        );
        body.push(html!(
            "<h2>{}</h2>{}<form method=\"post\" action=\"/testing\" class=\"box\" id=\"round-form\">{}{}{}<div class=\"two\">{}{}</div>{}<p class=\"muted\">{}</p><button>{}</button></form>",
            t(l, "testing-new-round"),
            error_box(l, errors),
            csrf_field(&ctx.session.csrf),
            select("area", &t(l, "col-area"), opts, &area, None),
            field("name", &t(l, "testing-round-name"), &f.name, None, "required maxlength=\"100\""),
            field("starts", &t(l, "testing-starts"), &v(&f.starts, today_at(6)), None, "type=\"datetime-local\" required"),
            field("ends", &t(l, "testing-ends"), &v(&f.ends, today_at(22)), None, "type=\"datetime-local\" required"),
            select("pool_size", &t(l, "testing-pool"), &pool_options(l), &v(&f.pool_size, "10".into()), None),
            t(l, "testing-time-hint"),
            t(l, "testing-create-round")
        ));
    }
    body
}

/// What a round's overview shows, from the engines.
pub(super) struct Overview {
    pub round: Round,
    pub crumbs: Markup,
    /// The name of the round's area.
    pub area_name: String,
    /// The pooling rules the reader sees: (place, pool size).
    pub rules: Vec<(String, i64)>,
    /// Whether the reader samples in this round (a link to the scan page).
    pub collects: bool,
    /// Walk-ins of this round waiting under the area (registry readers).
    pub walkins: usize,
    /// The area shown (registry readers).
    pub area: Option<AreaPart>,
    /// Sites with their place names: those in the area shown (or above it), else the reader's own.
    pub sites: Vec<(Site, String)>,
    /// The areas a manager may put a site or a pooling rule in: the area and its children.
    pub manage_areas: Vec<(String, String)>,
}

/// The coverage of the area shown, its children and its open follow-up tasks.
pub(super) struct AreaPart {
    pub area: Area,
    pub coverage: Coverage,
    pub kids: Vec<AreaCoverage>,
    /// The zone in force over each child (by path), for its badge.
    pub zones: std::collections::HashMap<String, crate::zones::ZoneInForce>,
    pub tasks: Vec<Task>,
}

/// How the overview is asked for: the children's order, what was just done, the forms' errors.
pub(super) struct Shown<'a> {
    pub sort: &'a str,
    pub done: &'a str,
    pub errors: &'a [String],
}

pub(super) fn overview_body(ctx: &Ctx, o: &Overview, ov: &Shown) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let (round, area) = (&o.round, o.area.as_ref().map(|a| &a.area));
    let mut body = o.crumbs.clone();
    let rule_text: Vec<String> = o
        .rules
        .iter()
        .map(|(name, pool)| {
            ta(
                l,
                "testing-rule",
                &[
                    ("area", Arg::S(name.clone())),
                    ("pool", Arg::S(pool_text(l, *pool))),
                ],
            )
        })
        .collect();
    body.push(html!(
        "<h1>{} {}</h1><dl class=\"kv\" id=\"round\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id=\"pool-rules\">{}</dd></dl>",
        round.name,
        status_tag(l, round),
        t(l, "col-area"),
        o.area_name,
        t(l, "testing-window"),
        window(round),
        t(l, "testing-pool"),
        pool_text(l, round.pool_size),
        t(l, "testing-pool-rules"),
        if rule_text.is_empty() { "—".to_owned() } else { rule_text.join(" · ") }
    ));
    if !ov.done.is_empty() {
        let id = match ov.done {
            "pool" => "testing-done-pool",
            "site" => "testing-done-site",
            "collector" => "testing-done-collector",
            _ => "saved",
        };
        body.push(notice(&t(l, id)));
    }
    body.push(error_box(l, ov.errors));
    // What this reader does here.
    let mut actions = Markup::default();
    if o.collects {
        actions.push(html!(
            "<a class=\"btn big\" id=\"go-collect\" href=\"/testing/rounds/{}/collect\">{}</a>",
            round.id,
            t(l, "collect-title")
        ));
    }
    if crate::testing::can_enter_results(r) {
        actions.push(html!(
            "<a class=\"btn\" id=\"go-results\" href=\"/testing/rounds/{}/results\">{}</a>",
            round.id,
            t(l, "results-title")
        ));
    }
    {
        let n = o.walkins;
        if n > 0 {
            actions.push(html!(
                "<a class=\"btn alt\" href=\"/testing/walkins\">{}</a>",
                ta(l, "walkins-pending-n", &[("n", Arg::N(n as i64))])
            ));
        }
    }
    if !actions.0.is_empty() {
        body.push(html!("<div class=\"actions\">{}</div>", actions));
    }
    if let Some(av) = &o.area {
        let (a, c) = (&av.area, av.coverage);
        body.push(html!(
            "<h2>{} <span class=\"muted\">{}</span></h2><div class=\"cov big\" id=\"coverage\"><div class=\"cov-head\"><span>{}</span><b>{}</b></div>{}<div class=\"muted\">{}</div></div>",
            ta(l, "testing-coverage-of", &[("area", Arg::S(a.name.clone()))]),
            level_name(l, a.level),
            ta(l, "testing-expected", &[("n", Arg::N(c.expected)), ("hh", Arg::N(c.households))]),
            percent(c.permille()),
            bar(l, &c),
            figures(l, &c)
        ));
        body.push(html!(
            "<div class=\"cards\" id=\"cov-cards\"><div class=\"card\" data-count=\"sampled\"><b>{}</b><span>{}</span></div><div class=\"card\" data-count=\"exempt\"><b>{}</b><span>{}</span></div><div class=\"card warn\" data-count=\"missing\"><b>{}</b><span>{}</span></div><div class=\"card warn\" data-count=\"households-missing\"><b>{}</b><span>{}</span></div></div>",
            c.sampled,
            t(l, "cov-sampled"),
            c.exempt,
            t(l, "cov-exempt"),
            c.missing,
            t(l, "cov-missing"),
            c.households_missing,
            t(l, "cov-households-missing")
        ));
        let mut links = Markup::default();
        if a.level >= LEVEL_GRID || (a.level == LEVEL_COMMUNITY && c.missing <= 2000) {
            links.push(html!(
                "<a class=\"btn\" id=\"missing-link\" href=\"{}\">{}</a>",
                area_link(round.id, "/missing", &a.code),
                ta(l, "missing-link", &[("n", Arg::N(c.missing))])
            ));
        }
        links.push(html!(
            "<form method=\"get\" action=\"/testing/rounds/{}/tubes\" class=\"inline-form\" role=\"search\"><input name=\"barcode\" placeholder=\"{}\" aria-label=\"{}\" autocomplete=\"off\"><button class=\"alt\">{}</button></form>",
            round.id,
            t(l, "tube-barcode"),
            t(l, "tube-barcode"),
            t(l, "tube-find")
        ));
        body.push(html!("<div class=\"actions\">{}</div>", links));
        let mut kids = av.kids.clone();
        if !kids.is_empty() {
            let by_code = ov.sort == "code";
            if !by_code {
                kids.sort_by_key(|k| (k.coverage.permille(), k.code.clone()));
            }
            let base = area_link(round.id, "", &a.code);
            let sep = if base.contains('?') { '&' } else { '?' };
            let toggle = if by_code {
                html!(
                    "<a id=\"sort-toggle\" href=\"{}\">{}</a>",
                    base,
                    t(l, "sort-laggards")
                )
            } else {
                html!(
                    "<a id=\"sort-toggle\" href=\"{}\">{}</a>",
                    format!("{base}{sep}sort=code"),
                    t(l, "sort-code")
                )
            };
            body.push(html!(
                "<h2>{} <span class=\"muted small\">{} · {}</span></h2>",
                t(l, "testing-by-area"),
                if by_code {
                    t(l, "sorted-code")
                } else {
                    t(l, "sorted-laggards")
                },
                toggle
            ));
            body.push(child_rows(l, round.id, &kids, &av.zones));
        }
        // Follow-up tasks of this area: names, for the community and below (above it the
        // bars say enough).
        let tasks = &av.tasks;
        if !tasks.is_empty() {
            body.push(html!(
                "<h2>{}</h2><table class=\"wide stack\" id=\"tasks\"><thead><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th>{}</th><th class=\"opt\">{}</th></tr></thead><tbody>",
                ta(l, "tasks-title", &[("n", Arg::N(tasks.len() as i64))]),
                t(l, "task-kind"),
                t(l, "col-name"),
                t(l, "col-address"),
                t(l, "col-phone"),
                t(l, "tube-barcode")
            ));
            let (c_kind, c_addr, c_phone, c_tube) = (
                t(l, "task-kind"),
                t(l, "col-address"),
                t(l, "col-phone"),
                t(l, "tube-barcode"),
            );
            let back = format!("/testing/rounds/{}", round.id);
            for x in tasks {
                // Tap to call whoever must come back (the phone alone, recorded).
                let phone = match &x.phone_masked {
                    Some(p) if r.can_call() => crate::registry::pages::parts::call_button(
                        l,
                        &ctx.session.csrf,
                        x.resident_id,
                        p,
                        &back,
                    ),
                    Some(p) => html!("<span class=\"masked nowrap\">{}</span>", p),
                    None => html!("—"),
                };
                body.push(html!(
                    "<tr><td data-label=\"{}\"><span class=\"tag warn\">{}</span></td><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td class=\"opt\" data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td class=\"opt mono\" data-label=\"{}\">{}</td></tr>",
                    c_kind,
                    task_kind(l, &x.kind),
                    x.resident_id,
                    x.name,
                    c_addr,
                    x.address,
                    c_phone,
                    phone,
                    c_tube,
                    x.barcode
                ));
            }
            body.0.push_str("</tbody></table>");
        }
    }
    // Sites: those in the area shown (or above it), else the reader's own.
    let sites = &o.sites;
    let manage = crate::testing::can_manage(r) && area.is_some();
    body.push(html!("<h2>{}</h2>", t(l, "sites-title")));
    if sites.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "sites-none")));
    }
    body.push(Markup("<ul class=\"sites\" id=\"sites\">".into()));
    for (s, place) in sites {
        let collectors = if s.collectors.is_empty() {
            t(l, "sites-no-collectors")
        } else {
            s.collectors.join("、")
        };
        let mut add = Markup::default();
        if manage {
            add = html!(
                "<form method=\"post\" action=\"/testing/rounds/{}/sites/{}/collectors\" class=\"inline-form noprint\">{}<input type=\"hidden\" name=\"back\" value=\"{}\"><input name=\"username\" placeholder=\"{}\" aria-label=\"{}\" required autocomplete=\"off\"><button class=\"alt\">{}</button></form>",
                round.id,
                s.id,
                csrf_field(&ctx.session.csrf),
                area.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
                t(l, "field-username"),
                t(l, "field-username"),
                t(l, "collector-add")
            );
        }
        body.push(html!(
            "<li><b>{}</b> <span class=\"tag\">{}</span><span class=\"sub\">{} · {}</span>{}</li>",
            s.name,
            site_kind(l, &s.kind),
            place,
            ta(l, "sites-collectors", &[("names", Arg::S(collectors))]),
            add
        ));
    }
    body.0.push_str("</ul>");
    if manage {
        let a = area.as_ref().expect("managers read the registry");
        let opts = &o.manage_areas;
        let kinds = vec![
            ("fixed".to_owned(), t(l, "site-fixed")),
            ("door".to_owned(), t(l, "site-door")),
        ];
        body.push(html!(
            "<details class=\"noprint\" id=\"manage\"><summary>{}</summary>\
             <form method=\"post\" action=\"/testing/rounds/{}/sites\" class=\"box\" id=\"site-form\">{}<input type=\"hidden\" name=\"back\" value=\"{}\"><h3>{}</h3>{}{}{}<button>{}</button></form>\
             <form method=\"post\" action=\"/testing/rounds/{}/pool\" class=\"box\" id=\"pool-form\">{}<input type=\"hidden\" name=\"back\" value=\"{}\"><h3>{}</h3><p class=\"muted\">{}</p>{}{}<button>{}</button></form></details>",
            t(l, "testing-manage"),
            round.id,
            csrf_field(&ctx.session.csrf),
            a.code,
            t(l, "site-new"),
            select("area", &t(l, "col-area"), opts, &a.code, None),
            field("name", &t(l, "site-name"), "", None, "required maxlength=\"100\""),
            select("kind", &t(l, "site-kind"), &kinds, "fixed", None),
            t(l, "site-add"),
            round.id,
            csrf_field(&ctx.session.csrf),
            a.code,
            t(l, "pool-rule-title"),
            t(l, "pool-rule-hint"),
            select("area", &t(l, "col-area"), opts, &a.code, None),
            select("pool_size", &t(l, "testing-pool"), &pool_options(l), "1", None),
            t(l, "pool-rule-set")
        ));
    }
    body
}
