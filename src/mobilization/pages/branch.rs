//! The pages of party branches and teams: the branches and teams of the reader's scope with the
//! officers' forms to set them up (`/branches`), a branch with its members, teams and
//! follow-up items (`/branches/{id}`) and a team (`/teams/{id}`). The care visits have
//! `visits`.
//!
//! The engine checks every request: the role first (403 with a message saying who may), then
//! the scope (a branch, team or resident outside it is simply not found, 404). A form with
//! problems comes back with them and with the values as sent (422).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::branch_views::{self as views, Again, BranchAgain, BranchPage, BranchesAgain};
use super::branch_views::{BranchesPage, TeamPage};
use crate::db::Db;
use crate::error::{AppError, FieldError};
use crate::i18n::{t, Lang};
use crate::mobilization::branches::{self, NewBranch, Team};
use crate::mobilization::can_manage;
use crate::mobilization::visits;
use crate::mobilization::volunteers::{self, Volunteer};
use crate::registry::areas;
use crate::registry::areas::scope_choices;
use crate::registry::model::LEVEL_COMMUNITY;
use crate::web::html::Markup;
use crate::web::kit::NoFields;
use crate::web::kit::{self, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// How many volunteers a member form offers.
const POOL_LIMIT: i64 = 2000;

/// A page's `?done=` notice.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    pub done: String,
}

// ---- Shared pieces ----

/// Area names by path, for lists that name many areas: a grid or a building with its
/// community (every community has a 第1网格).
#[derive(Default)]
pub(super) struct AreaNames(HashMap<String, String>);

impl AreaNames {
    pub(super) async fn get(&mut self, db: &Db, path: &str) -> Result<String, AppError> {
        if let Some(n) = self.0.get(path) {
            return Ok(n.clone());
        }
        let name = match areas::by_path(db, path).await? {
            None => path.to_owned(),
            Some(a) if a.level <= LEVEL_COMMUNITY => a.name,
            Some(a) => {
                let c = areas::by_path(db, areas::community_path(path))
                    .await?
                    .map(|c| c.name)
                    .unwrap_or_default();
                format!("{c} {}", a.name)
            }
        };
        self.0.insert(path.to_owned(), name.clone());
        Ok(name)
    }
}

/// Approved volunteers in the reader's scope, by name (for a member form); `party`: CPC
/// members and probationary members only.
async fn pool(db: &Db, ctx: &Ctx, party: bool) -> Result<Vec<Volunteer>, AppError> {
    let f = volunteers::Filter {
        status: Some("approved".into()),
        ..Default::default()
    };
    let mut list: Vec<Volunteer> = volunteers::list(db, ctx.reader(), &f, POOL_LIMIT)
        .await?
        .into_iter()
        .filter(|v| !party || matches!(v.political.as_str(), "party" | "probationary"))
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(list)
}

/// A page, or the error page.
fn page(ctx: &Ctx, r: Result<(String, Markup), AppError>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

// ---- The branches and teams ----

async fn branches_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    branches_view(&db, &ctx, q.done.trim(), None).await
}

async fn branches_view(db: &Db, ctx: &Ctx, done: &str, again: Option<BranchesAgain>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let list = branches::list(db, r).await?;
        let teams = branches::teams(db, r).await?;
        let mut open: HashMap<i64, i64> = HashMap::new();
        for f in visits::followups(db, r, None, true).await? {
            *open.entry(f.branch_id).or_default() += 1;
        }
        let mut names = AreaNames::default();
        for b in &list {
            names.get(db, &b.path).await?;
        }
        for x in &teams {
            let in_list = x.branch_id.is_some_and(|b| list.iter().any(|y| y.id == b));
            if !in_list {
                names.get(db, &x.path).await?;
            }
        }
        let areas = if can_manage(r) {
            Some(scope_choices(db, &r.scope).await?)
        } else {
            None
        };
        let p = BranchesPage {
            list,
            teams,
            open,
            names: names.0,
            areas,
            today: branches::today_cst(),
        };
        Ok((
            t(l, "br-title"),
            views::branches(ctx, &p, done, again.as_ref()),
        ))
    };
    page(ctx, run.await)
}

fn branch_labels(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("area", t(l, "br-area")),
        ("name", t(l, "br-name")),
        ("kind", t(l, "br-kind")),
        ("place", t(l, "br-attach")),
        ("founded", t(l, "br-founded")),
    ]
}

async fn create_branch(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<NewBranch>) -> Response {
    let r = branches::create(&db, &ctx.actor(), ctx.reader(), &f).await;
    let l = ctx.lang;
    kit::answer(
        &ctx,
        r,
        |id| format!("/branches/{id}?done=created"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &branch_labels(l)),
            };
            branches_view(&db, &ctx, "", Some(BranchesAgain::Branch(again)))
        },
    )
    .await
}

/// A new team: where it belongs (`area:CODE` or `branch:ID`), its name and kind.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    #[serde(rename = "where")]
    pub place: String,
    pub name: String,
    pub kind: String,
}

async fn create_team(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<TeamForm>) -> Response {
    let (area, branch) = match f.place.split_once(':') {
        Some(("branch", id)) => ("", Some(id.trim().parse::<i64>().unwrap_or(0))),
        Some(("area", code)) => (code, None),
        _ => ("", None),
    };
    let l = ctx.lang;
    let r = branches::create_team(
        &db,
        &ctx.actor(),
        ctx.reader(),
        area,
        &f.name,
        &f.kind,
        branch,
    )
    .await;
    let r = match r {
        // A branch not found (or out of scope) is a wrong choice on the form, not a missing page.
        Err(AppError::NotFound) if branch.is_some() => Err(AppError::from(FieldError::new(
            "branch",
            "choose a branch in your scope",
            "请选择您管辖范围内的党支部",
        ))),
        r => r,
    };
    let labels = [
        ("area", t(l, "team-where")),
        ("branch", t(l, "team-where")),
        ("team", t(l, "team-name")),
        ("kind", t(l, "team-kind")),
    ];
    kit::answer(
        &ctx,
        r,
        |id| format!("/teams/{id}?done=team"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            branches_view(&db, &ctx, "", Some(BranchesAgain::Team(again)))
        },
    )
    .await
}

// ---- A branch ----

async fn branch_page(
    State(db): State<Db>,
    Id(id): Id,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Response {
    branch_view(&db, &ctx, id, q.done.trim(), None).await
}

pub(super) async fn branch_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    again: Option<BranchAgain>,
) -> Response {
    let r = ctx.reader();
    let run = async {
        let branch = branches::get(db, r, id).await?;
        let members = branches::members(db, r, id).await?;
        let teams: Vec<Team> = branches::teams(db, r)
            .await?
            .into_iter()
            .filter(|x| x.branch_id == Some(id))
            .collect();
        let followups = visits::followups(db, r, Some(id), false).await?;
        let area = AreaNames::default().get(db, &branch.path).await?;
        let pool = if can_manage(r) && branch.dissolved.is_none() {
            Some(pool(db, ctx, true).await?)
        } else {
            None
        };
        let p = BranchPage {
            branch,
            members,
            teams,
            followups,
            area,
            pool,
            today: branches::today_cst(),
        };
        let body = views::branch(ctx, &p, done, again.as_ref());
        Ok((p.branch.name, body))
    };
    page(ctx, run.await)
}

/// A member to add (or whose role to change): the volunteer's id and the role.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    pub volunteer: String,
    pub role: String,
}

impl MemberForm {
    /// The volunteer's id; anything else is no one (the engine says to choose one).
    fn volunteer(&self) -> i64 {
        self.volunteer.trim().parse().unwrap_or(0)
    }
}

async fn set_member(
    State(db): State<Db>,
    Id(branch): Id,
    CsrfForm(ctx, f): CsrfForm<MemberForm>,
) -> Response {
    let r = branches::set_member(
        &db,
        &ctx.actor(),
        ctx.reader(),
        branch,
        f.volunteer(),
        &f.role,
    )
    .await;
    let l = ctx.lang;
    let labels = [
        ("volunteer", t(l, "br-volunteer")),
        ("role", t(l, "br-col-role")),
    ];
    kit::answer(
        &ctx,
        r,
        |()| format!("/branches/{branch}?done=member"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            branch_view(&db, &ctx, branch, "", Some(BranchAgain::Member(again)))
        },
    )
    .await
}

async fn remove_member(
    State(db): State<Db>,
    Path((id, volunteer)): Path<(String, String)>,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let parse = |s: &str| s.trim().parse::<i64>();
    let (Ok(branch), Ok(volunteer)) = (parse(&id), parse(&volunteer)) else {
        return ctx.error(AppError::NotFound);
    };
    match branches::remove_member(&db, &ctx.actor(), ctx.reader(), branch, volunteer).await {
        Ok(()) => Redirect::to(&format!("/branches/{branch}?done=removed")).into_response(),
        Err(e) => ctx.error(e),
    }
}

/// The date a branch is dissolved on.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DissolveForm {
    pub dissolved: String,
}

async fn dissolve(
    State(db): State<Db>,
    Id(branch): Id,
    CsrfForm(ctx, f): CsrfForm<DissolveForm>,
) -> Response {
    let r = branches::dissolve(&db, &ctx.actor(), ctx.reader(), branch, &f.dissolved).await;
    let l = ctx.lang;
    let labels = [("dissolved", t(l, "br-dissolved"))];
    kit::answer(
        &ctx,
        r,
        |()| format!("/branches/{branch}?done=dissolved"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            branch_view(&db, &ctx, branch, "", Some(BranchAgain::Dissolve(again)))
        },
    )
    .await
}

// ---- A team ----

async fn team_page(
    State(db): State<Db>,
    Id(id): Id,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Response {
    team_view(&db, &ctx, id, q.done.trim(), None).await
}

async fn team_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    again: Option<Again<MemberForm>>,
) -> Response {
    let r = ctx.reader();
    let run = async {
        let team = branches::team(db, r, id).await?;
        let members = branches::team_members(db, r, id).await?;
        let branch = match team.branch_id {
            Some(b) => Some(branches::get(db, r, b).await?),
            None => None,
        };
        let area = AreaNames::default().get(db, &team.path).await?;
        let pool = if can_manage(r) {
            Some(pool(db, ctx, false).await?)
        } else {
            None
        };
        let p = TeamPage {
            team,
            members,
            branch,
            area,
            pool,
        };
        let body = views::team(ctx, &p, done, again.as_ref());
        Ok((p.team.name, body))
    };
    page(ctx, run.await)
}

async fn set_team_member(
    State(db): State<Db>,
    Id(team): Id,
    CsrfForm(ctx, f): CsrfForm<MemberForm>,
) -> Response {
    let leader = f.role == "leader";
    let r = branches::set_team_member(&db, &ctx.actor(), ctx.reader(), team, f.volunteer(), leader)
        .await;
    let l = ctx.lang;
    let labels = [("volunteer", t(l, "br-volunteer"))];
    kit::answer(
        &ctx,
        r,
        |()| format!("/teams/{team}?done=team-member"),
        |e| {
            let again = Again {
                form: f,
                errors: e.labelled(l, &labels),
            };
            team_view(&db, &ctx, team, "", Some(again))
        },
    )
    .await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/branches", get(branches_page).post(create_branch))
        .route("/branches/{id}", get(branch_page))
        .route("/branches/{id}/members", post(set_member))
        .route(
            "/branches/{id}/members/{volunteer}/remove",
            post(remove_member),
        )
        .route("/branches/{id}/dissolve", post(dissolve))
        .route("/teams", post(create_team))
        .route("/teams/{id}", get(team_page))
        .route("/teams/{id}/members", post(set_team_member))
}
