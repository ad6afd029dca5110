//! The pages of care visits: the visits and open follow-up items of the reader's scope
//! (`/visits`), the form to record a visit (`/visits/new?resident=ID`) and solving a
//! follow-up item (from `/visits` or a branch's page).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::branch::{branch_view, AreaNames};
use super::branch_views::{Again, BranchAgain};
use super::visits_views::{self as views, NewVisitPage};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::mobilization::branches::{self, Branch};
use crate::mobilization::visits::{self, NewVisit};
use crate::web::html::Markup;
use crate::web::kit::{self, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// How many visits `/visits` lists (the newest).
/// Visits on one page of `/visits`.
const VISITS_PAGE: i64 = 50;

fn page(ctx: &Ctx, r: Result<(String, Markup), AppError>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

/// The visits page's address: a notice of what was done, and the visit just recorded.
#[derive(Deserialize, Default)]
#[serde(default)]
struct VisitsQuery {
    done: String,
    visit: String,
    page: String,
}

async fn visits_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<VisitsQuery>) -> Response {
    let just = match q.visit.trim().parse::<i64>() {
        // Not found (another's scope): no button, the page still shows.
        Ok(id) => visits::one(&db, ctx.reader(), id).await.ok(),
        Err(_) => None,
    };
    let page = q.page.trim().parse().unwrap_or(1);
    visits_view(&db, &ctx, q.done.trim(), None, just, page).await
}

async fn visits_view(
    db: &Db,
    ctx: &Ctx,
    done: &str,
    solve: Option<Again<SolveForm>>,
    just: Option<visits::Visit>,
    page_no: i64,
) -> Response {
    let r = ctx.reader();
    let run = async {
        let open = visits::followups(db, r, None, true).await?;
        // The newest visits over the whole scope (one range per scope root), a page at a time.
        let roots = r.registry_scope().roots;
        let mut total = 0;
        for root in &roots {
            total += visits::count(db, r, root).await?;
        }
        let pages = ((total + VISITS_PAGE - 1) / VISITS_PAGE).max(1);
        let page = page_no.clamp(1, pages);
        let skip = (page - 1) * VISITS_PAGE;
        let list = match roots.as_slice() {
            [root] => visits::list(db, r, root, None, VISITS_PAGE, skip).await?,
            _ => {
                let mut all = Vec::new();
                for root in &roots {
                    all.extend(visits::list(db, r, root, None, skip + VISITS_PAGE, 0).await?);
                }
                all.sort_by(|a, b| (&b.visited_on, b.id).cmp(&(&a.visited_on, a.id)));
                all.dedup_by_key(|v| v.id);
                all.into_iter()
                    .skip(skip as usize)
                    .take(VISITS_PAGE as usize)
                    .collect()
            }
        };
        let mut body = views::visits(ctx, &open, &list, done, solve.as_ref(), just.as_ref());
        if pages > 1 {
            body.push(super::pager(
                ctx.lang,
                page as usize,
                pages as usize,
                "visits-pager",
                |n| format!("/visits?page={n}"),
            ));
        }
        Ok((t(ctx.lang, "visit-title"), body))
    };
    page(ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewVisitQuery {
    resident: String,
}

async fn new_visit_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<NewVisitQuery>,
) -> Response {
    new_visit_view(&db, &ctx, q.resident.trim(), None).await
}

async fn new_visit_view(
    db: &Db,
    ctx: &Ctx,
    resident: &str,
    again: Option<Again<VisitForm>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        visits::require_visitor(r)?;
        if resident.is_empty() {
            return Ok((t(l, "visit-new"), views::no_resident(l)));
        }
        let rid: i64 = resident.parse().map_err(|_| AppError::NotFound)?;
        let resident = crate::registry::residents::resident(db, &r.registry_scope(), rid).await?;
        let area = AreaNames::default().get(db, &resident.area_path).await?;
        // The branches serving the resident's community (a grid worker's grid has none).
        let active: Vec<Branch> = visits::serving(db, &resident.area_path).await?;
        let p = NewVisitPage {
            resident,
            area,
            branches: active,
            today: branches::today_cst(),
        };
        Ok((t(l, "visit-new"), views::new_visit(ctx, &p, again.as_ref())))
    };
    page(ctx, run.await)
}

/// A visit as sent: the resident's id, the branch's id (or none), the date, who visited, what
/// they found, and whether the needs become the branch's follow-up item.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VisitForm {
    pub resident: String,
    pub branch: String,
    pub visited_on: String,
    pub visitors: String,
    pub situation: String,
    pub needs: String,
    pub follow_up: String,
}

async fn create_visit(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<VisitForm>) -> Response {
    let Ok(resident) = f.resident.trim().parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let branch = match f.branch.trim() {
        "" => None,
        // Not a number: no branch of the reader's (the engine says to choose one).
        s => Some(s.parse().unwrap_or(0)),
    };
    let visit = NewVisit {
        resident,
        branch,
        visited_on: f.visited_on.clone(),
        visitors: f.visitors.clone(),
        situation: f.situation.clone(),
        needs: f.needs.clone(),
        follow_up: !f.follow_up.is_empty(),
    };
    let r = visits::record(&db, &ctx.actor(), ctx.reader(), &visit).await;
    let l = ctx.lang;
    let labels = [
        ("visited_on", t(l, "visit-date")),
        ("visitors", t(l, "visit-visitors")),
        ("situation", t(l, "visit-situation")),
        ("needs", t(l, "visit-needs")),
        ("branch", t(l, "visit-branch")),
    ];
    let resident = resident.to_string();
    kit::answer(
        &ctx,
        r,
        |id| format!("/visits?done=visit&visit={id}"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            new_visit_view(&db, &ctx, &resident, Some(again))
        },
    )
    .await
}

/// How a follow-up item was solved, and the page the form was on (`/branches/ID` or the
/// visits); `id`, the item's, comes from the address.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SolveForm {
    #[serde(skip)]
    pub id: i64,
    pub back: String,
    pub solution: String,
}

/// Where a solve form goes back to: the branch page it came from, else the visits.
fn solve_back(back: &str) -> Option<i64> {
    back.strip_prefix("/branches/").and_then(|n| n.parse().ok())
}

async fn solve_followup(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, mut f): CsrfForm<SolveForm>,
) -> Response {
    f.id = id;
    let branch = solve_back(&f.back);
    let r = visits::solve(&db, &ctx.actor(), ctx.reader(), id, &f.solution).await;
    let l = ctx.lang;
    let labels = [("description", t(l, "visit-solution"))];
    kit::answer(
        &ctx,
        r,
        |()| match branch {
            Some(b) => format!("/branches/{b}?done=solved#followups"),
            None => "/visits?done=solved".to_owned(),
        },
        |e| async {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            match branch {
                Some(b) => branch_view(&db, &ctx, b, "", Some(BranchAgain::Solve(again))).await,
                None => visits_view(&db, &ctx, "", Some(again), None, 1).await,
            }
        },
    )
    .await
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(visits_page).post(create_visit))
        .route("/visits/new", get(new_visit_page))
        .route("/visits/followups/{id}/solve", post(solve_followup))
}
