//! The first page of each role (`/`): today's work first, each figure a link to the page
//! behind it. It reads the capabilities' engines (testing coverage, needs, mobilization) and
//! queries nothing itself; everything is within the reader's scope, so an account sees nothing
//! of another area, not even a number.
//!
//! - officers, HQ, administrators and grid workers: each area of their scope with its people,
//!   the current testing round (coverage, people not yet sampled → the missing list), needs
//!   open and late, and the care visits' follow-ups still open;
//! - branch secretaries: their branches (members, follow-ups), the roster, then their area;
//! - volunteers: their shifts today and next, their tasks;
//! - collectors: their sites in the current rounds (→ the scan page);
//! - labs: tubes waiting for results per round (→ the results page);
//! - auditors: straight to the audit log.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup as Maud};

use crate::access::Reader;
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::rules::{day_of, CST_MS, DAY_MS};
use crate::registry::areas::{self, Area};
use crate::testing::{coverage, Round};
use crate::web::html::{clock, minutes, url_enc};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// At most this many areas of a scope get a section (an account normally has one).
const MAX_AREAS: usize = 6;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(db): State<Db>, ctx: Ctx) -> Response {
    let r = ctx.reader();
    if r.role == "auditor" {
        return Redirect::to("/audit").into_response();
    }
    if r.role == "medic" {
        return Redirect::to("/followup/referrals").into_response();
    }
    let l = ctx.lang;
    let now = now_ms();
    let body = match r.role.as_str() {
        "volunteer" => volunteer(&db, r, l, now).await,
        "collector" => collector(&db, r, l, now).await,
        "lab" => lab(&db, r, l).await,
        "branch" => branch(&db, r, l, now).await,
        _ => officer(&db, r, l, now).await,
    };
    match body {
        Ok(b) => {
            let page = html! { h1 { (t(l, "home-title")) } (b) };
            ctx.page(&t(l, "home-title"), page.into())
        }
        Err(e) => ctx.error(e),
    }
}

/// A figure that links to the page behind it.
fn figure(href: &str, n: impl maud::Render, label: &str, id: &str, warn: bool) -> Maud {
    html! {
        a.card.fig.warn[warn] href=(href) id=(id) { b { (n) } span { (label) } }
    }
}

/// The label of a code in a vocabulary (code, English, Chinese).
fn vocab(v: &[(&str, &str, &str)], code: &str, l: Lang) -> String {
    v.iter()
        .find(|x| x.0 == code)
        .map(|x| if l == Lang::Zh { x.2 } else { x.1 })
        .unwrap_or("")
        .to_owned()
}

// ---- Officers, HQ, administrators, grid workers ----

async fn officer(db: &Db, r: &Reader, l: Lang, now: i64) -> AppResult<Maud> {
    let roots = scope_areas(db, r).await?;
    if roots.is_empty() {
        return Ok(html! { p.muted { (t(l, "areas-none")) } });
    }
    let rounds = crate::testing::rounds(db, r).await?;
    let mut sections = Vec::new();
    for a in &roots {
        sections.push(area_section(db, r, l, a, &rounds, now).await?);
    }
    let follow = followups(db, r, l, None).await?;
    Ok(html! {
        @for s in &sections { (s) }
        (follow)
        @if r.is_admin() {
            p.actions { a.btn.alt href="/admin/accounts" { (t(l, "nav-accounts")) } a.btn.alt href="/audit" { (t(l, "nav-audit")) } }
        }
    })
}

/// The areas at the roots of the reader's registry scope.
async fn scope_areas(db: &Db, r: &Reader) -> AppResult<Vec<Area>> {
    let mut out = Vec::new();
    for p in r.registry_scope().roots.iter().take(MAX_AREAS) {
        if let Some(a) = areas::by_path(db, p).await? {
            out.push(a);
        }
    }
    Ok(out)
}

/// The round to show for an area: open now, else the next to start, else the latest; among
/// the rounds that cover the area or lie within it.
fn current_round<'a>(rounds: &'a [Round], path: &str, now: i64) -> Option<&'a Round> {
    let here: Vec<&Round> = rounds
        .iter()
        .filter(|x| path.starts_with(x.path.as_str()) || x.path.starts_with(path))
        .collect();
    here.iter()
        .find(|x| x.is_open_at(now))
        .or_else(|| {
            here.iter()
                .filter(|x| x.starts_ms > now)
                .min_by_key(|x| x.starts_ms)
        })
        .or_else(|| here.first())
        .copied()
}

async fn area_section(
    db: &Db,
    r: &Reader,
    l: Lang,
    a: &Area,
    rounds: &[Round],
    now: i64,
) -> AppResult<Maud> {
    let counts = areas::subtree_counts(db, &a.path).await?;
    let area_href = format!("/areas/{}", url_enc(&a.code));
    // The round: its coverage over the deeper of the area and the round's own area.
    let round = match current_round(rounds, &a.path, now) {
        Some(x) => {
            let (path, code) = if a.path.starts_with(x.path.as_str()) {
                (a.path.clone(), a.code.clone())
            } else {
                let code = areas::by_path(db, &x.path)
                    .await?
                    .map(|a| a.code)
                    .unwrap_or_default();
                (x.path.clone(), code)
            };
            let c = coverage::subtree(db, x.id, &path).await?;
            Some((x, code, c))
        }
        None => None,
    };
    // Needs open and late (escalated to the reader's level).
    let needs = if crate::needs::can_read(r) {
        let open: i64 = crate::needs::flow::open_counts(db, r, &a.path)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let late = match crate::needs::level_of_role(&r.role) {
            Some(level) => {
                let f = crate::needs::flow::QueueFilter {
                    escalated: Some(level),
                    limit: 1,
                    ..Default::default()
                };
                Some(crate::needs::flow::queue(db, r, &a.path, &f).await?.1)
            }
            None => None,
        };
        Some((open, late))
    } else {
        None
    };
    let code = url_enc(&a.code);
    Ok(html! {
        section.box.home-area {
            h2 { a href=(area_href) { (a.name) } }
            div.cards {
                (figure(&area_href, counts.households, &t(l, "home-households"), "fig-households", false))
                (figure(&area_href, counts.residents, &t(l, "home-residents"), "fig-residents", false))
            }
            @match &round {
                Some((x, rcode, c)) => {
                    h3 {
                        a href={ "/testing/rounds/" (x.id) "?area=" (url_enc(rcode)) } { (x.name) }
                        " "
                        @if x.is_open_at(now) {
                            span.tag.st-open { (t(l, "home-round-open")) }
                        } @else if x.starts_ms > now {
                            span.tag.st-soon { (minutes(x.starts_ms)) }
                        } @else {
                            span.tag.st-over { (t(l, "home-round-over")) }
                        }
                    }
                    div.cards {
                        (figure(
                            &format!("/testing/rounds/{}?area={}", x.id, url_enc(rcode)),
                            format!("{}%", c.permille() / 10),
                            &t(l, "home-coverage"),
                            "fig-coverage",
                            false,
                        ))
                        (figure(
                            &format!("/testing/rounds/{}/missing?area={}", x.id, url_enc(rcode)),
                            c.missing,
                            &t(l, "home-missing"),
                            "fig-missing",
                            c.missing > 0,
                        ))
                    }
                }
                None => p.muted { (t(l, "home-no-round")) }
            }
            @if let Some((open, late)) = needs {
                h3 { a href={ "/needs?area=" (code) } { (t(l, "nav-needs")) } }
                div.cards {
                    (figure(&format!("/needs?area={code}"), open, &t(l, "home-needs-open"), "fig-needs", false))
                    @if let Some(late) = late {
                        (figure(&format!("/needs?area={code}&late=1"), late, &t(l, "home-needs-late"), "fig-late", late > 0))
                    }
                }
            }
        }
    })
}

/// The care visits' follow-ups still open in the scope (of one branch when given).
async fn followups(db: &Db, r: &Reader, l: Lang, branch: Option<i64>) -> AppResult<Maud> {
    if !crate::mobilization::can_visit(r) {
        return Ok(html! {});
    }
    let list = crate::mobilization::visits::followups(db, r, branch, true).await?;
    Ok(html! {
        section.box #home-followups {
            h2 { a href="/visits" { (t(l, "home-followups")) } " " span.tag.warn[!list.is_empty()] { (list.len()) } }
            @if list.is_empty() {
                p.muted { (t(l, "home-followups-none")) }
            } @else {
                ul.home {
                    @for f in list.iter().take(5) {
                        li {
                            a href="/visits" { b { (f.resident) } }
                            span.sub { (f.branch) " · " (f.description) }
                        }
                    }
                }
            }
        }
    })
}

// ---- Branch secretaries ----

async fn branch(db: &Db, r: &Reader, l: Lang, now: i64) -> AppResult<Maud> {
    use crate::mobilization::branches;
    let mut ids = branches::led_by_account(db, r.account_id).await?;
    if ids.is_empty() {
        ids = branches::list(db, r)
            .await?
            .into_iter()
            .filter(|b| b.dissolved.is_none())
            .take(MAX_AREAS)
            .map(|b| b.id)
            .collect();
    }
    let mut mine = Vec::new();
    for id in ids {
        // A branch outside the reader's scope is simply not shown.
        if let Ok(b) = branches::get(db, r, id).await {
            let open = crate::mobilization::visits::followups(db, r, Some(id), true)
                .await?
                .len();
            mine.push((b, open));
        }
    }
    let rest = officer(db, r, l, now).await?;
    Ok(html! {
        section.box #home-branches {
            h2 { a href="/branches" { (t(l, "home-branches")) } }
            @if mine.is_empty() {
                p.muted { (t(l, "home-branches-none")) }
            } @else {
                ul.home {
                    @for (b, open) in &mine {
                        li {
                            a href={ "/branches/" (b.id) } { b { (b.name) } }
                            span.sub {
                                (ta(l, "home-branch-members", &[("n", Arg::N(b.members))]))
                                " · "
                                (ta(l, "home-branch-followups", &[("n", Arg::N(*open as i64))]))
                            }
                        }
                    }
                }
            }
            p.actions {
                a.btn.alt href="/visits" { (t(l, "nav-visits")) }
                a.btn.alt href="/roster" { (t(l, "home-roster")) }
            }
        }
        (rest)
    })
}

// ---- Volunteers ----

async fn volunteer(db: &Db, r: &Reader, l: Lang, now: i64) -> AppResult<Maud> {
    let Some(v) = crate::mobilization::volunteers::of_account(db, r.account_id).await? else {
        return Ok(html! { p.muted { (t(l, "home-no-volunteer")) } });
    };
    let today = day_of(now);
    let from = today * DAY_MS - CST_MS;
    let shifts = crate::mobilization::duty::shifts_of(db, v.id, from, from + 8 * DAY_MS).await?;
    let shifts: Vec<_> = shifts.into_iter().filter(|s| s.end > now).collect();
    let tasks = crate::needs::flow::tasks(db, &v, 5).await?;
    Ok(html! {
        section.box #home-shifts {
            h2 { a href="/me/shifts" { (t(l, "home-my-shifts")) } }
            @if shifts.is_empty() {
                p.muted { (t(l, "home-shifts-none")) }
            } @else {
                ul.home {
                    @for s in shifts.iter().take(5) {
                        li {
                            a href="/me/shifts" {
                                b {
                                    @if day_of(s.start) == today { (t(l, "home-today")) " " (clock(s.start)) }
                                    @else { (minutes(s.start)) }
                                    "–" (clock(s.end))
                                }
                            }
                            span.sub {
                                (s.place) " · " (if l == Lang::Zh { &s.post_zh } else { &s.post_en })
                                @if s.leader { " · " (t(l, "home-shift-leader")) }
                            }
                        }
                    }
                }
            }
        }
        section.box #home-tasks {
            h2 { a href="/me/needs" { (t(l, "home-my-tasks")) } }
            div.cards {
                (figure("/me/needs", tasks.mine.len() as i64, &t(l, "home-tasks-mine"), "fig-mine", !tasks.mine.is_empty()))
                (figure("/me/needs", tasks.queue.len() as i64, &t(l, "home-tasks-queue"), "fig-queue", false))
            }
            @if !tasks.mine.is_empty() {
                ul.home {
                    @for n in tasks.mine.iter().take(5) {
                        li {
                            a href={ "/me/needs/" (n.id) } { b { (vocab(crate::needs::CATEGORIES, &n.category, l)) } }
                            span.sub { (vocab(crate::needs::URGENCIES, &n.urgency.to_string(), l)) " · " (n.address) }
                        }
                    }
                }
            }
        }
    })
}

// ---- Collectors ----

async fn collector(db: &Db, r: &Reader, l: Lang, now: i64) -> AppResult<Maud> {
    let mut rows = Vec::new();
    for x in crate::testing::rounds(db, r).await? {
        if x.ends_ms < now {
            continue;
        }
        let sites = crate::testing::my_sites(db, r.account_id, x.id).await?;
        if !sites.is_empty() {
            rows.push((x, sites));
        }
    }
    Ok(html! {
        section.box #home-sites {
            h2 { (t(l, "home-sites")) }
            @if rows.is_empty() {
                p.muted { (t(l, "home-no-sites")) }
            }
            @for (x, sites) in &rows {
                h3 { (x.name) " "
                    @if x.is_open_at(now) { span.tag.st-open { (t(l, "home-round-open")) } }
                    @else { span.tag.st-soon { (minutes(x.starts_ms)) } }
                }
                ul.sites {
                    @for s in sites {
                        li {
                            a.btn.big.wide href={ "/testing/rounds/" (x.id) "/collect?site=" (s.id) } { (s.name) }
                        }
                    }
                }
            }
        }
    })
}

// ---- Labs ----

async fn lab(db: &Db, r: &Reader, l: Lang) -> AppResult<Maud> {
    let mut rows = Vec::new();
    for x in crate::testing::rounds(db, r).await?.into_iter().take(5) {
        let (n, _) = crate::testing::tubes::awaiting(db, x.id, &r.scope).await?;
        rows.push((x, n));
    }
    Ok(html! {
        section.box #home-tubes {
            h2 { (t(l, "home-tubes")) }
            @if rows.is_empty() {
                p.muted { (t(l, "home-no-rounds")) }
            }
            div.cards {
                @for (x, n) in &rows {
                    (figure(&format!("/testing/rounds/{}/results", x.id), *n, &x.name, &format!("fig-tubes-{}", x.id), *n > 0))
                }
            }
        }
    })
}
