//! The testing pages: the rounds, a round's overview (coverage by area with drill-down, pooling,
//! sites and collectors, follow-up tasks), tube lookup and the walk-ins waiting for a grid
//! worker. The missing list, the collector's scan page and the lab's results page have files of
//! their own (`missing_pages`, `collect_pages`, `results_pages`).
//!
//! Every page first finds the round among those the reader may see (else 404), then checks the
//! role (403 with a message saying who may), then resolves the area within the reader's scope
//! and the round (else 404).

pub mod collect;
pub mod lab;
pub mod missing;

use crate::html;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::access::Scope;
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Lang, Msg};
use crate::registry::areas::{self, Area};
use crate::registry::model::{LEVELS, LEVEL_COMMUNITY, LEVEL_GRID};
use crate::testing::coverage::{self, Coverage};
use crate::testing::results;
use crate::testing::{Round, Site, POOL_SIZES};
use crate::web::html::{clock, minutes};
use crate::web::html::{crumbs, csrf_field, error_box, field, notice, select, url_enc, Markup};
use crate::web::kit::{error_lines, first, is_form_error, q, with_status, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

pub(super) fn round_href(id: i64) -> String {
    format!("/testing/rounds/{id}")
}

/// A link to a round's page for an area (`sub`: "" for the overview, "/missing", …).
pub(super) fn area_link(round: i64, sub: &str, code: &str) -> String {
    if code.is_empty() {
        format!("/testing/rounds/{round}{sub}")
    } else {
        format!("/testing/rounds/{round}{sub}?area={}", url_enc(code))
    }
}

/// The round by the id in the address, if the reader may see it; otherwise not found.
pub(super) async fn find_round(db: &Db, ctx: &Ctx, id: &str) -> Result<Round, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    crate::testing::visible_round(db, ctx.reader(), id).await
}

/// The time window of a round: the end date is left out when it is the start date.
pub(super) fn window(r: &Round) -> String {
    let (s, e) = (minutes(r.starts_ms), minutes(r.ends_ms));
    if s[..10] == e[..10] {
        format!("{s} – {}", &e[11..])
    } else {
        format!("{s} – {e}")
    }
}

pub(super) fn pool_text(l: Lang, n: i64) -> String {
    if n == 0 {
        t(l, "testing-pool-household")
    } else {
        ta(l, "testing-pool-n", &[("n", Arg::N(n))])
    }
}

pub(super) fn pool_options(l: Lang) -> Vec<(String, String)> {
    POOL_SIZES
        .iter()
        .map(|&n| (n.to_string(), pool_text(l, n)))
        .collect()
}

/// Upcoming, open or over, as a tag.
pub(super) fn status_tag(l: Lang, r: &Round) -> Markup {
    let now = now_ms();
    let (class, id) = if now < r.starts_ms {
        ("st-soon", "testing-status-upcoming")
    } else if now <= r.ends_ms {
        ("st-open", "testing-status-open")
    } else {
        ("st-over", "testing-status-over")
    };
    html!("<span class=\"tag {}\">{}</span>", class, t(l, id))
}

pub(super) fn level_name(l: Lang, level: i64) -> String {
    LEVELS
        .get((level - 1).max(0) as usize)
        .map(|x| if l == Lang::Zh { x.zh } else { x.en })
        .unwrap_or("")
        .to_owned()
}

/// `91.3%` from per mille.
pub(super) fn percent(pm: i64) -> String {
    format!("{}.{}%", pm / 10, pm % 10)
}

/// A stacked bar: sampled, then exempt; the rest (missing) is the bar's background. SVG
/// attributes, not inline styles, so the strict CSP holds.
pub(super) fn bar(l: Lang, c: &Coverage) -> Markup {
    let total = c.expected.max(1);
    let s = (c.sampled * 1000 / total).clamp(0, 1000);
    let e = (c.exempt * 1000 / total).clamp(0, 1000 - s);
    html!(
        "<svg class=\"bar\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><rect class=\"bs\" width=\"{}\" height=\"10\"/><rect class=\"be\" x=\"{}\" width=\"{}\" height=\"10\"/></svg>",
        ta(l, "testing-bar-label", &[("pct", Arg::S(percent(c.permille())))]),
        s,
        s,
        e
    )
}

/// A plain fill bar: `n` of `of` (a tube's people of its capacity).
pub(super) fn bar_of(n: i64, of: i64) -> Markup {
    let w = (n * 1000 / of.max(1)).clamp(0, 1000);
    html!(
        "<svg class=\"bar fill\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"bs\" width=\"{}\" height=\"10\"/></svg>",
        w
    )
}

/// One line of figures under a bar.
pub(super) fn figures(l: Lang, c: &Coverage) -> Markup {
    html!(
        "<span class=\"k-s\">{}</span> · <span class=\"k-e\">{}</span> · <span class=\"k-m\">{}</span>",
        ta(l, "testing-fig-sampled", &[("n", Arg::N(c.sampled))]),
        ta(l, "testing-fig-exempt", &[("n", Arg::N(c.exempt))]),
        ta(
            l,
            "testing-fig-missing",
            &[
                ("n", Arg::N(c.missing)),
                ("hh", Arg::N(c.households_missing))
            ]
        )
    )
}

pub(super) fn registry_readers_only(ctx: &Ctx) -> Result<(), Response> {
    if ctx.reader().can_read_registry() {
        Ok(())
    } else {
        Err(ctx.error(AppError::Forbidden(Msg::new(
            "only officers and grid workers who keep the registry see who is missing, tubes' contents and walk-ins",
            "只有负责登记的干部和网格员可以查看未采人员、试管内人员和临时人员",
        ))))
    }
}

/// A fresh client id for one rendering of a form: a double submit or a refresh sends the same
/// one again, and the sampling writer answers it with the stored reply.
pub(super) fn client_id() -> String {
    crate::access::random_hex(12)
}

/// Breadcrumbs within a round: testing › round › the areas from the top of the reader's view
/// of the round down to `area`.
pub(super) async fn round_crumbs(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    area: Option<&Area>,
    last: Option<String>,
) -> Result<Markup, AppError> {
    let l = ctx.lang;
    let mut items = vec![
        (t(l, "nav-testing"), "/testing".to_owned()),
        (round.name.clone(), round_href(round.id)),
    ];
    if let Some(a) = area {
        let scope = ctx.reader().registry_scope();
        for x in areas::ancestors(db, a).await? {
            if scope.contains(&x.path) && round.covers(&x.path) {
                items.push((x.name.clone(), area_link(round.id, "", &x.code)));
            }
        }
        items.push((a.name.clone(), area_link(round.id, "", &a.code)));
    }
    if let Some(last) = last {
        items.push((last, String::new()));
    }
    Ok(crumbs(&items))
}

// ---- The rounds ----

/// Today at `hh:00` China time, as a datetime-local value.
fn today_at(hh: i64) -> String {
    let days = (now_ms() + crate::testing::CST_MS).div_euclid(86_400_000);
    let (y, m, d) = crate::registry::validate::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:00")
}

async fn rounds_page(State(db): State<Db>, ctx: Ctx) -> Response {
    rounds_view(&db, &ctx, &[], &[]).await
}

async fn rounds_view(db: &Db, ctx: &Ctx, f: &[(String, String)], errors: &[String]) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let list = crate::testing::rounds(db, r).await?;
        let mut body = html!("<h1>{}</h1>", t(l, "testing-title"));
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-rounds\">{}</p>",
                t(l, "testing-no-rounds")
            ));
        } else {
            body.push(Markup("<ul class=\"rounds\" id=\"rounds\">".into()));
            for x in &list {
                let area = areas::by_path(db, &x.path)
                    .await?
                    .map(|a| a.name)
                    .unwrap_or_default();
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
            let v = |k: &str, d: String| {
                let x = first(f, k);
                if x.is_empty() {
                    d
                } else {
                    x.to_owned()
                }
            };
            let opts = areas::scope_choices(db, &r.scope).await?;
            let area = v(
                "area",
                opts.first().map(|o| o.0.clone()).unwrap_or_default(),
            );
            body.push(html!(
                "<h2>{}</h2>{}<form method=\"post\" action=\"/testing\" class=\"box\" id=\"round-form\">{}{}{}<div class=\"two\">{}{}</div>{}<p class=\"muted\">{}</p><button>{}</button></form>",
                t(l, "testing-new-round"),
                error_box(l, errors),
                csrf_field(&ctx.session.csrf),
                select("area", &t(l, "col-area"), &opts, &area, None),
                field("name", &t(l, "testing-round-name"), first(f, "name"), None, "required maxlength=\"100\""),
                field("starts", &t(l, "testing-starts"), &v("starts", today_at(6)), None, "type=\"datetime-local\" required"),
                field("ends", &t(l, "testing-ends"), &v("ends", today_at(22)), None, "type=\"datetime-local\" required"),
                select("pool_size", &t(l, "testing-pool"), &pool_options(l), &v("pool_size", "10".into()), None),
                t(l, "testing-time-hint"),
                t(l, "testing-create-round")
            ));
        }
        Ok::<Markup, AppError>(body)
    };
    match run.await {
        Ok(body) => {
            let resp = ctx.page(&t(l, "testing-title"), body);
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn create_round(State(db): State<Db>, ctx: Ctx, Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let form = crate::testing::NewRound {
        area: first(&f, "area").to_owned(),
        name: first(&f, "name").to_owned(),
        starts: first(&f, "starts").to_owned(),
        ends: first(&f, "ends").to_owned(),
        pool_size: first(&f, "pool_size").to_owned(),
    };
    match crate::testing::create_round(&db, &ctx.actor(), ctx.reader(), &form).await {
        Ok(id) => Redirect::to(&round_href(id)).into_response(),
        Err(e) if is_form_error(&e) => rounds_view(&db, &ctx, &f, &error_lines(ctx.lang, &e)).await,
        Err(e) => ctx.error(e),
    }
}

// ---- A round ----

/// Per child: a bar with its figures, a link further down (and to the missing list from the
/// grid down).
fn child_rows(l: Lang, round: i64, kids: &[coverage::AreaCoverage]) -> Markup {
    let mut m = Markup("<div class=\"covlist\" id=\"children\">".into());
    for k in kids {
        let missing = if k.level >= LEVEL_GRID && k.coverage.missing > 0 {
            html!(
                " <a class=\"small nowrap\" href=\"{}\">{}</a>",
                area_link(round, "/missing", &k.code),
                t(l, "missing-link-short")
            )
        } else {
            Markup::default()
        };
        m.push(html!(
            "<div class=\"cov\"><div class=\"cov-head\"><a href=\"{}\">{}</a><b>{}</b></div>{}<div class=\"muted\">{}{}</div></div>",
            area_link(round, "", &k.code),
            k.name,
            percent(k.coverage.permille()),
            bar(l, &k.coverage),
            figures(l, &k.coverage),
            missing
        ));
    }
    m.0.push_str("</div>");
    m
}

fn task_kind(l: Lang, kind: &str) -> String {
    match kind {
        "retest" => t(l, "task-retest"),
        "resample" => t(l, "task-resample"),
        other => other.to_owned(),
    }
}

/// What a round's overview shows for one area, and the forms' errors.
struct Overview<'a> {
    area: Option<&'a str>,
    sort: &'a str,
    done: &'a str,
    errors: Vec<String>,
}

async fn round_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let ov = Overview {
        area: Some(q(&qs, "area")).filter(|s| !s.is_empty()),
        sort: q(&qs, "sort"),
        done: q(&qs, "done"),
        errors: vec![],
    };
    round_view(&db, &ctx, &id, ov).await
}

fn site_kind(l: Lang, kind: &str) -> String {
    match kind {
        "door" => t(l, "site-door"),
        _ => t(l, "site-fixed"),
    }
}

async fn round_view(db: &Db, ctx: &Ctx, id: &str, ov: Overview<'_>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let round = find_round(db, ctx, id).await?;
        let reads = r.can_read_registry();
        let area = if reads {
            Some(crate::testing::round_area(db, &round, ov.area, r).await?)
        } else if ov.area.is_some() {
            return Err(AppError::NotFound);
        } else {
            None
        };
        let mut body = round_crumbs(db, ctx, &round, area.as_ref(), None).await?;
        let round_area_name = areas::by_path(db, &round.path)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let rules = crate::testing::pool_rules(db, round.id).await?;
        let mut rule_text = Vec::new();
        for x in &rules {
            if reads && !r.registry_scope().contains(&x.path) {
                continue;
            }
            let name = place_name(db, &x.path).await?;
            rule_text.push(ta(
                l,
                "testing-rule",
                &[
                    ("area", Arg::S(name)),
                    ("pool", Arg::S(pool_text(l, x.pool_size))),
                ],
            ));
        }
        body.push(html!(
            "<h1>{} {}</h1><dl class=\"kv\" id=\"round\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id=\"pool-rules\">{}</dd></dl>",
            round.name,
            status_tag(l, &round),
            t(l, "col-area"),
            round_area_name,
            t(l, "testing-window"),
            window(&round),
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
        body.push(error_box(l, &ov.errors));
        // What this reader does here.
        let mine = crate::testing::my_sites(db, r.account_id, round.id).await?;
        let mut actions = Markup::default();
        if !mine.is_empty()
            || (crate::testing::samples_in_scope(r)
                && round_has_sites_in(db, &round, &r.scope).await?)
        {
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
        let scope_here = Scope {
            roots: area.iter().map(|a| a.path.clone()).collect(),
        };
        if reads {
            let n = results::walkins(db, &scope_here)
                .await?
                .iter()
                .filter(|w| w.round_id == round.id)
                .count();
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
        if let Some(a) = &area {
            let c = coverage::subtree(db, round.id, &a.path).await?;
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
            let mut kids = coverage::children(db, round.id, a).await?;
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
                body.push(child_rows(l, round.id, &kids));
            }
            // Follow-up tasks of this area: names, for the community and below (above it the
            // bars say enough).
            let tasks = if a.level >= LEVEL_COMMUNITY {
                results::tasks(db, round.id, &scope_here, 200).await?
            } else {
                vec![]
            };
            if !tasks.is_empty() {
                body.push(html!(
                    "<h2>{}</h2><table class=\"wide\" id=\"tasks\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th>{}</th><th class=\"opt\">{}</th></tr>",
                    ta(l, "tasks-title", &[("n", Arg::N(tasks.len() as i64))]),
                    t(l, "task-kind"),
                    t(l, "col-name"),
                    t(l, "col-address"),
                    t(l, "col-phone"),
                    t(l, "tube-barcode")
                ));
                for x in &tasks {
                    body.push(html!(
                        "<tr><td><span class=\"tag warn\">{}</span></td><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td class=\"opt\">{}</td><td class=\"masked nowrap\">{}</td><td class=\"opt mono\">{}</td></tr>",
                        task_kind(l, &x.kind),
                        x.resident_id,
                        x.name,
                        x.address,
                        x.phone_masked.clone().unwrap_or_else(|| "—".into()),
                        x.barcode
                    ));
                }
                body.0.push_str("</table>");
            }
        }
        // Sites: those in the area shown (or above it), else the reader's own.
        let sites: Vec<Site> = match &area {
            Some(a) => crate::testing::sites(db, round.id, None)
                .await?
                .into_iter()
                .filter(|s| {
                    s.path.starts_with(a.path.as_str()) || a.path.starts_with(s.path.as_str())
                })
                .collect(),
            None => mine.clone(),
        };
        let manage = crate::testing::can_manage(r) && area.is_some();
        body.push(html!("<h2>{}</h2>", t(l, "sites-title")));
        if sites.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "sites-none")));
        }
        body.push(Markup("<ul class=\"sites\" id=\"sites\">".into()));
        for s in &sites {
            let place = place_name(db, &s.path).await?;
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
            let mut opts = vec![(a.code.clone(), a.name.clone())];
            for c in areas::children(db, a, None, 300).await? {
                opts.push((c.area.code.clone(), format!("　{}", c.area.name)));
            }
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
                select("area", &t(l, "col-area"), &opts, &a.code, None),
                field("name", &t(l, "site-name"), "", None, "required maxlength=\"100\""),
                select("kind", &t(l, "site-kind"), &kinds, "fixed", None),
                t(l, "site-add"),
                round.id,
                csrf_field(&ctx.session.csrf),
                a.code,
                t(l, "pool-rule-title"),
                t(l, "pool-rule-hint"),
                select("area", &t(l, "col-area"), &opts, &a.code, None),
                select("pool_size", &t(l, "testing-pool"), &pool_options(l), "1", None),
                t(l, "pool-rule-set")
            ));
        }
        Ok::<(String, Markup), AppError>((round.name.clone(), body))
    };
    match run.await {
        Ok((title, body)) => {
            let resp = ctx.page(&title, body);
            if ov.errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

/// An area's name for a list that mixes places: a grid or a building with its community
/// (every community has a 第1网格).
pub(super) async fn place_name(db: &Db, path: &str) -> Result<String, AppError> {
    let Some(a) = areas::by_path(db, path).await? else {
        return Ok(path.to_owned());
    };
    if a.level <= LEVEL_COMMUNITY {
        return Ok(a.name);
    }
    let community = areas::by_path(db, areas::community_path(path))
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(format!("{community} {}", a.name))
}

async fn round_has_sites_in(db: &Db, round: &Round, scope: &Scope) -> Result<bool, AppError> {
    Ok(!crate::testing::sites(db, round.id, Some(scope))
        .await?
        .is_empty())
}

/// The answer to a manager's form on the overview: back to the area with a notice, or the
/// overview again with the errors.
async fn manage_answer(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    f: &[(String, String)],
    r: Result<(), AppError>,
    done: &str,
) -> Response {
    let back = first(f, "back");
    match r {
        Ok(()) => {
            let mut to = area_link(id.parse().unwrap_or(0), "", back);
            to.push(if to.contains('?') { '&' } else { '?' });
            to.push_str("done=");
            to.push_str(done);
            Redirect::to(&to).into_response()
        }
        Err(e) if is_form_error(&e) => {
            let ov = Overview {
                area: Some(back).filter(|s| !s.is_empty()),
                sort: "",
                done: "",
                errors: error_lines(ctx.lang, &e),
            };
            round_view(db, ctx, id, ov).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn set_pool(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let r = async {
        let round = find_round(&db, &ctx, &id).await?;
        crate::testing::set_pool_rule(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &round,
            first(&f, "area"),
            first(&f, "pool_size"),
        )
        .await
    }
    .await;
    manage_answer(&db, &ctx, &id, &f, r, "pool").await
}

async fn add_site(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let r = async {
        let round = find_round(&db, &ctx, &id).await?;
        crate::testing::add_site(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &round,
            first(&f, "area"),
            first(&f, "name"),
            first(&f, "kind"),
        )
        .await
        .map(|_| ())
    }
    .await;
    manage_answer(&db, &ctx, &id, &f, r, "site").await
}

async fn add_collector(
    State(db): State<Db>,
    ctx: Ctx,
    Path((id, site)): Path<(String, String)>,
    Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let r = async {
        let round = find_round(&db, &ctx, &id).await?;
        let site: i64 = site.parse().map_err(|_| AppError::NotFound)?;
        // The site must belong to this round.
        if !crate::testing::sites(&db, round.id, None)
            .await?
            .iter()
            .any(|s| s.id == site)
        {
            return Err(AppError::NotFound);
        }
        crate::testing::add_collector(&db, &ctx.actor(), ctx.reader(), site, first(&f, "username"))
            .await
    }
    .await;
    manage_answer(&db, &ctx, &id, &f, r, "collector").await
}

// ---- Tube lookup ----

pub(super) fn result_text(l: Lang, code: &str) -> String {
    results::RESULTS
        .iter()
        .find(|x| x.0 == code)
        .map(|x| if l == Lang::Zh { x.2 } else { x.1 })
        .unwrap_or(code)
        .to_owned()
}

pub(super) fn result_tag(l: Lang, code: Option<&str>) -> Markup {
    match code {
        None => html!("<span class=\"tag\">{}</span>", t(l, "result-none")),
        Some(c) => {
            let class = match c {
                "negative" => "ok",
                "positive" => "bad",
                _ => "warn",
            };
            html!("<span class=\"tag {}\">{}</span>", class, result_text(l, c))
        }
    }
}

/// A person's state in a round, in words.
pub(super) fn person_status(l: Lang, s: &str) -> String {
    let id = match s {
        "pending" => "pstatus-pending",
        "negative" => "pstatus-negative",
        "positive" => "pstatus-positive",
        "retest" => "pstatus-retest",
        "retest_pending" => "pstatus-retest-pending",
        "resample" => "pstatus-resample",
        _ => return s.to_owned(),
    };
    t(l, id)
}

/// A person's state in a round as a coloured tag (the resident page shows it too).
pub fn person_status_tag(l: Lang, s: &str) -> Markup {
    let class = match s {
        "negative" => "ok",
        "positive" => "bad",
        "pending" => "",
        _ => "warn",
    };
    html!(
        "<span class=\"tag {}\">{}</span>",
        class,
        person_status(l, s)
    )
}

async fn tube_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let round = find_round(&db, &ctx, &id).await?;
        if let Err(resp) = registry_readers_only(&ctx) {
            return Ok(Err(resp));
        }
        let barcode = q(&qs, "barcode");
        let mut body = round_crumbs(&db, &ctx, &round, None, Some(t(l, "tube-title"))).await?;
        body.push(html!(
            "<h1>{}</h1><form method=\"get\" action=\"/testing/rounds/{}/tubes\" class=\"box filters\" role=\"search\">{}<button>{}</button></form>",
            t(l, "tube-title"),
            round.id,
            field("barcode", &t(l, "tube-barcode"), barcode, None, "autofocus autocomplete=\"off\""),
            t(l, "tube-find")
        ));
        if barcode.is_empty() {
            return Ok(Ok(body));
        }
        let tv = results::tube(&db, round.id, barcode, &r.registry_scope()).await?;
        body.push(html!(
            "<dl class=\"kv\" id=\"tube\"><dt>{}</dt><dd class=\"mono\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} / {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            t(l, "tube-barcode"),
            tv.barcode,
            t(l, "collect-site"),
            tv.site_name,
            t(l, "tube-people"),
            tv.n,
            if tv.capacity == 0 { t(l, "testing-pool-household") } else { tv.capacity.to_string() },
            t(l, "tube-opened"),
            minutes(tv.opened_ms),
            t(l, "tube-closed"),
            tv.closed_ms.map(minutes).unwrap_or_else(|| t(l, "tube-still-open")),
            t(l, "tube-result"),
            result_tag(l, tv.result.as_deref())
        ));
        body.push(html!(
            "<table class=\"wide\" id=\"tube-people\"><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"opt\">{}</th></tr>",
            t(l, "col-name"),
            t(l, "tube-taken"),
            t(l, "field-status"),
            t(l, "tube-note")
        ));
        for p in &tv.people {
            let name = match p.resident_id {
                Some(rid) => html!("<a href=\"/residents/{}\">{}</a>", rid, p.name),
                None => html!(
                    "{} <span class=\"tag\">{}</span>",
                    p.name,
                    t(l, "walkin-tag")
                ),
            };
            let mut note = Vec::new();
            if p.duplicate {
                note.push(t(l, "tube-duplicate"));
            }
            if p.retest {
                note.push(t(l, "tube-retest"));
            }
            body.push(html!(
                "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"opt\">{}</td></tr>",
                name,
                clock(p.taken_ms),
                p.status.as_deref().map(|s| person_status(l, s)).unwrap_or_else(|| "—".into()),
                note.join("、")
            ));
        }
        body.0.push_str("</table>");
        Ok::<Result<Markup, Response>, AppError>(Ok(body))
    };
    match run.await {
        Ok(Ok(body)) => ctx.page(&t(l, "tube-title"), body),
        Ok(Err(resp)) => resp,
        Err(e) => ctx.error(e),
    }
}

// ---- Walk-ins ----

async fn walkins_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    walkins_view(&db, &ctx, q(&qs, "done"), &[]).await
}

async fn walkins_view(db: &Db, ctx: &Ctx, done: &str, errors: &[String]) -> Response {
    if let Err(r) = registry_readers_only(ctx) {
        return r;
    }
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let list = results::walkins(db, &r.registry_scope()).await?;
        let mut body = crumbs(&[
            (t(l, "nav-testing"), "/testing".to_owned()),
            (t(l, "walkins-title"), String::new()),
        ]);
        body.push(html!(
            "<h1>{}</h1><p class=\"muted\">{}</p>",
            t(l, "walkins-title"),
            t(l, "walkins-intro")
        ));
        match done {
            "link" => body.push(notice(&t(l, "walkins-linked"))),
            "dismiss" => body.push(notice(&t(l, "walkins-dismissed"))),
            _ => {}
        }
        body.push(error_box(l, errors));
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-walkins\">{}</p>",
                t(l, "walkins-none")
            ));
        }
        let writes = r.can_write_registry();
        body.push(Markup("<ul class=\"walkins\" id=\"walkins\">".into()));
        let mut names: HashMap<String, (String, String)> = HashMap::new();
        for w in &list {
            if !names.contains_key(&w.site_path) {
                let a = areas::by_path(db, &w.site_path).await?;
                names.insert(
                    w.site_path.clone(),
                    a.map(|a| (a.code, a.name)).unwrap_or_default(),
                );
            }
            let (code, place) = names[&w.site_path].clone();
            let doc = crate::registry::model::DOC_TYPES
                .iter()
                .find(|d| d.code == w.doc_type)
                .map(|d| if l == Lang::Zh { d.zh } else { d.en })
                .unwrap_or(&w.doc_type);
            let mut actions = Markup::default();
            if writes {
                actions = html!(
                    "<div class=\"actions noprint\"><a class=\"btn alt\" href=\"/areas/{}?view=households\">{}</a>\
                     <form method=\"post\" action=\"/testing/walkins/{}/link\" class=\"inline\">{}<button>{}</button></form>\
                     <form method=\"post\" action=\"/testing/walkins/{}/dismiss\" class=\"inline\">{}<button class=\"alt\" data-confirm=\"{}\">{}</button></form></div>",
                    url_enc(&code),
                    t(l, "walkins-register"),
                    w.id,
                    csrf_field(&ctx.session.csrf),
                    t(l, "walkins-link"),
                    w.id,
                    csrf_field(&ctx.session.csrf),
                    t(l, "walkins-dismiss-confirm"),
                    t(l, "walkins-dismiss")
                );
            }
            body.push(html!(
                "<li id=\"walkin-{}\"><b>{}</b> {}<span class=\"sub\">{} <span class=\"masked\">{}</span> · {} <span class=\"masked\">{}</span></span><span class=\"sub\">{} · {} · {} <span class=\"mono\">{}</span> · {}</span>{}</li>",
                w.id,
                w.name,
                result_tag(l, w.tube_result.as_deref()),
                doc,
                w.doc_number_masked,
                t(l, "col-phone"),
                w.phone_masked.clone().unwrap_or_else(|| "—".into()),
                w.round_name,
                place,
                t(l, "tube-barcode"),
                w.barcode,
                minutes(w.taken_ms),
                actions
            ));
        }
        body.0.push_str("</ul>");
        Ok::<Markup, AppError>(body)
    };
    match run.await {
        Ok(body) => {
            let resp = ctx.page(&t(l, "walkins-title"), body);
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::CONFLICT)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn resolve_walkin(
    db: &Db,
    ctx: &Ctx,
    f: &[(String, String)],
    id: &str,
    link: bool,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(f, "csrf")) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match results::resolve_walkin(db, &ctx.actor(), ctx.reader(), n, link).await {
        Ok(()) => Redirect::to(&format!(
            "/testing/walkins?done={}",
            if link { "link" } else { "dismiss" }
        ))
        .into_response(),
        Err(e @ AppError::Conflict(_)) => {
            walkins_view(db, ctx, "", &error_lines(ctx.lang, &e)).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn link_walkin(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    resolve_walkin(&db, &ctx, &f, &id, true).await
}

async fn dismiss_walkin(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    resolve_walkin(&db, &ctx, &f, &id, false).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/testing", get(rounds_page).post(create_round))
        .route("/testing/walkins", get(walkins_page))
        .route("/testing/walkins/{id}/link", post(link_walkin))
        .route("/testing/walkins/{id}/dismiss", post(dismiss_walkin))
        .route("/testing/rounds/{id}", get(round_page))
        .route("/testing/rounds/{id}/pool", post(set_pool))
        .route("/testing/rounds/{id}/sites", post(add_site))
        .route(
            "/testing/rounds/{id}/sites/{site}/collectors",
            post(add_collector),
        )
        .route("/testing/rounds/{id}/tubes", get(tube_page))
        .merge(self::missing::routes())
        .merge(self::collect::routes())
        .merge(self::lab::routes())
}
