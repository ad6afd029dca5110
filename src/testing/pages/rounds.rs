//! The rounds (the list and a new round) and a round's overview with its managers' forms
//! (pooling, sites, collectors).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::rounds_views::{overview_body, rounds_body, AreaPart, Overview, Shown};
use super::views::{area_link, round_href};
use super::{find_round, place_name, round_crumbs};
use crate::access::Scope;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::registry::areas;
use crate::registry::areas::scope_choices;
use crate::registry::model::LEVEL_COMMUNITY;
use crate::testing::coverage;
use crate::testing::results;
use crate::testing::{NewRound, Round, Site};
use crate::web::kit::{self, is_form_error, with_status, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

// ---- The rounds ----

async fn rounds_page(State(db): State<Db>, ctx: Ctx) -> Response {
    rounds_view(&db, &ctx, &NewRound::default(), &[]).await
}

async fn rounds_view(db: &Db, ctx: &Ctx, f: &NewRound, errors: &[String]) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let mut list = Vec::new();
        for x in crate::testing::rounds(db, r).await? {
            let area = areas::by_path(db, &x.path)
                .await?
                .map(|a| a.name)
                .unwrap_or_default();
            list.push((x, area));
        }
        let opts = if crate::testing::can_manage(r) {
            scope_choices(db, &r.scope).await?
        } else {
            vec![]
        };
        Ok::<_, AppError>(rounds_body(ctx, &list, &opts, f, errors))
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

async fn create_round(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<NewRound>) -> Response {
    let r = crate::testing::create_round(&db, &ctx.actor(), ctx.reader(), &f).await;
    let (db, c, f) = (&db, &ctx, &f);
    kit::answer(c, r, round_href, |errs| async move {
        rounds_view(db, c, f, &errs.lines).await
    })
    .await
}

// ---- A round ----

/// The overview's address: the area shown, the children's order, what was just done.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OverviewQuery {
    area: String,
    sort: String,
    done: String,
}

/// What a round's overview shows for one area, and the forms' errors.
struct Ask<'a> {
    area: Option<&'a str>,
    sort: &'a str,
    done: &'a str,
    errors: Vec<String>,
}

async fn round_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<OverviewQuery>,
) -> Response {
    let ov = Ask {
        area: Some(qs.area.trim()).filter(|s| !s.is_empty()),
        sort: qs.sort.trim(),
        done: qs.done.trim(),
        errors: vec![],
    };
    round_view(&db, &ctx, id, ov).await
}

/// What the overview shows, from the engines.
async fn overview(db: &Db, ctx: &Ctx, id: i64, want: Option<&str>) -> Result<Overview, AppError> {
    let r = ctx.reader();
    let round = find_round(db, ctx, id).await?;
    let reads = r.can_read_registry();
    let area = if reads {
        Some(crate::testing::round_area(db, &round, want, r).await?)
    } else if want.is_some() {
        return Err(AppError::NotFound);
    } else {
        None
    };
    let crumbs = round_crumbs(db, ctx, &round, area.as_ref(), None).await?;
    let area_name = areas::by_path(db, &round.path)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let mut rules = Vec::new();
    for x in crate::testing::pool_rules(db, round.id).await? {
        if reads && !r.registry_scope().contains(&x.path) {
            continue;
        }
        rules.push((place_name(db, &x.path).await?, x.pool_size));
    }
    let mine = crate::testing::my_sites(db, r.account_id, round.id).await?;
    let collects = !mine.is_empty()
        || (crate::testing::samples_in_scope(r)
            && round_has_sites_in(db, &round, &r.scope).await?);
    let scope_here = Scope {
        roots: area.iter().map(|a| a.path.clone()).collect(),
    };
    let walkins = if reads {
        results::walkins(db, &scope_here)
            .await?
            .iter()
            .filter(|w| w.round_id == round.id)
            .count()
    } else {
        0
    };
    let sites: Vec<Site> = match &area {
        Some(a) => crate::testing::sites(db, round.id, None)
            .await?
            .into_iter()
            .filter(|s| s.path.starts_with(a.path.as_str()) || a.path.starts_with(s.path.as_str()))
            .collect(),
        None => mine,
    };
    // Collectors by name, not by login.
    let mut sites = sites;
    let logins: Vec<String> = sites.iter().flat_map(|s| s.collectors.clone()).collect();
    let logins: Vec<&str> = logins.iter().map(String::as_str).collect();
    let names = crate::access::display_names(db, &logins).await?;
    for s in &mut sites {
        for c in &mut s.collectors {
            if let Some(n) = names.get(c.as_str()) {
                *c = n.clone();
            }
        }
    }
    let mut placed = Vec::with_capacity(sites.len());
    for s in sites {
        let place = place_name(db, &s.path).await?;
        placed.push((s, place));
    }
    let mut manage_areas = Vec::new();
    if let Some(a) = area.as_ref().filter(|_| crate::testing::can_manage(r)) {
        manage_areas.push((a.code.clone(), a.name.clone()));
        for c in areas::children(db, a, None, 300).await? {
            manage_areas.push((c.area.code.clone(), format!("　{}", c.area.name)));
        }
    }
    let area = match area {
        Some(a) => {
            let coverage = coverage::subtree(db, round.id, &a.path).await?;
            let kids = coverage::children(db, round.id, &a).await?;
            let zones = if crate::zones::can_read(r) {
                let paths: Vec<String> = kids.iter().map(|k| k.path.clone()).collect();
                crate::zones::for_areas(db, &paths, crate::db::now_ms()).await?
            } else {
                Default::default()
            };
            // Names for the community and below (above it the bars say enough).
            let tasks = if a.level >= LEVEL_COMMUNITY {
                results::tasks(db, round.id, &scope_here, 200).await?
            } else {
                vec![]
            };
            Some(AreaPart {
                area: a,
                coverage,
                kids,
                zones,
                tasks,
            })
        }
        None => None,
    };
    Ok(Overview {
        round,
        crumbs,
        area_name,
        rules,
        collects,
        walkins,
        area,
        sites: placed,
        manage_areas,
    })
}

async fn round_view(db: &Db, ctx: &Ctx, id: i64, ov: Ask<'_>) -> Response {
    match overview(db, ctx, id, ov.area).await {
        Ok(o) => {
            let shown = Shown {
                sort: ov.sort,
                done: ov.done,
                errors: &ov.errors,
            };
            let resp = ctx.page(&o.round.name, overview_body(ctx, &o, &shown));
            if ov.errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn round_has_sites_in(db: &Db, round: &Round, scope: &Scope) -> Result<bool, AppError> {
    Ok(!crate::testing::sites(db, round.id, Some(scope))
        .await?
        .is_empty())
}

/// A manager's form on the overview: `back` is the area shown, to return to.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ManageForm {
    back: String,
    area: String,
    pool_size: String,
    name: String,
    kind: String,
    username: String,
}

/// The answer to a manager's form on the overview: back to the area with a notice, or the
/// overview again with the errors.
async fn manage_answer(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    f: &ManageForm,
    r: Result<(), AppError>,
    done: &str,
) -> Response {
    let back = f.back.as_str();
    match r {
        Ok(()) => {
            let mut to = area_link(id, "", back);
            to.push(if to.contains('?') { '&' } else { '?' });
            to.push_str("done=");
            to.push_str(done);
            Redirect::to(&to).into_response()
        }
        Err(e) if is_form_error(&e) => {
            let ov = Ask {
                area: Some(back).filter(|s| !s.is_empty()),
                sort: "",
                done: "",
                errors: FormErrors::of(ctx.lang, &e).lines,
            };
            round_view(db, ctx, id, ov).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn set_pool(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ManageForm>,
) -> Response {
    let r = async {
        let round = find_round(&db, &ctx, id).await?;
        crate::testing::set_pool_rule(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &round,
            &f.area,
            &f.pool_size,
        )
        .await
    }
    .await;
    manage_answer(&db, &ctx, id, &f, r, "pool").await
}

async fn add_site(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ManageForm>,
) -> Response {
    let r = async {
        let round = find_round(&db, &ctx, id).await?;
        crate::testing::add_site(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &round,
            &f.area,
            &f.name,
            &f.kind,
        )
        .await
        .map(|_| ())
    }
    .await;
    manage_answer(&db, &ctx, id, &f, r, "site").await
}

async fn add_collector(
    State(db): State<Db>,
    Path((id, site)): Path<(String, String)>,
    CsrfForm(ctx, f): CsrfForm<ManageForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let r = async {
        let round = find_round(&db, &ctx, id).await?;
        let site: i64 = site.parse().map_err(|_| AppError::NotFound)?;
        // The site must belong to this round.
        if !crate::testing::sites(&db, round.id, None)
            .await?
            .iter()
            .any(|s| s.id == site)
        {
            return Err(AppError::NotFound);
        }
        crate::testing::add_collector(&db, &ctx.actor(), ctx.reader(), site, &f.username).await
    }
    .await;
    manage_answer(&db, &ctx, id, &f, r, "collector").await
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/testing", get(rounds_page).post(create_round))
        .route("/testing/rounds/{id}", get(round_page))
        .route("/testing/rounds/{id}/pool", post(set_pool))
        .route("/testing/rounds/{id}/sites", post(add_site))
        .route(
            "/testing/rounds/{id}/sites/{site}/collectors",
            post(add_collector),
        )
}
