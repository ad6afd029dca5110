//! Tube lookup (what is in a tube) and the walk-ins waiting for a grid worker to register or
//! dismiss them.

use crate::web::kit::NoFields;
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::lookup_views::{tube_body, tube_form, walkins_body};
use super::{find_round, registry_readers_only, round_crumbs};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::registry::areas;
use crate::testing::results;
use crate::web::kit::{with_status, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The lookup's address: the barcode asked for.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TubeQuery {
    barcode: String,
}

async fn tube_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<TubeQuery>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let round = find_round(&db, &ctx, id).await?;
        registry_readers_only(&ctx)?;
        let barcode = qs.barcode.trim();
        let mut body = round_crumbs(&db, &ctx, &round, None, Some(t(l, "tube-title"))).await?;
        body.push(tube_form(l, &round, barcode));
        if barcode.is_empty() {
            return Ok(body);
        }
        let tv = results::tube(&db, round.id, barcode, &r.registry_scope()).await?;
        body.push(tube_body(l, &tv));
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "tube-title"), body),
        Err(e) => ctx.error(e),
    }
}

/// The walk-ins' address: what was just done.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

async fn walkins_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<DoneQuery>) -> Response {
    walkins_view(&db, &ctx, qs.done.trim(), &[]).await
}

async fn walkins_view(db: &Db, ctx: &Ctx, done: &str, errors: &[String]) -> Response {
    if let Err(e) = registry_readers_only(ctx) {
        return ctx.error(e);
    }
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let mut list = results::walkins(db, &r.registry_scope()).await?;
        // Those who register walk-ins see the document numbers whole, to match them.
        crate::testing::walkins::reveal_docs(db, &ctx.actor(), r, &mut list).await?;
        // The grids each walk-in filed under a community may be moved to.
        let mut grids: HashMap<String, Vec<(String, String)>> = HashMap::new();
        if r.can_write_registry() {
            for w in &list {
                if !grids.contains_key(&w.site_path) {
                    let g =
                        crate::testing::walkins::grids_under(db, &w.site_path, &r.registry_scope())
                            .await?;
                    grids.insert(w.site_path.clone(), g);
                }
            }
        }
        // The (code, name) of each site's area.
        let mut names: HashMap<String, (String, String)> = HashMap::new();
        for w in &list {
            if !names.contains_key(&w.site_path) {
                let a = areas::by_path(db, &w.site_path).await?;
                names.insert(
                    w.site_path.clone(),
                    a.map(|a| (a.code, a.name)).unwrap_or_default(),
                );
            }
        }
        Ok::<_, AppError>(walkins_body(ctx, &list, &names, &grids, done, errors))
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

/// Link or dismiss a walk-in; a walk-in dealt with already (or not yet registered, for a
/// link) shows the list again with the reason (409).
async fn resolve_walkin(db: &Db, ctx: &Ctx, id: i64, link: bool) -> Response {
    match results::resolve_walkin(db, &ctx.actor(), ctx.reader(), id, link).await {
        Ok(()) => Redirect::to(&format!(
            "/testing/walkins?done={}",
            if link { "link" } else { "dismiss" }
        ))
        .into_response(),
        Err(e @ AppError::Conflict(_)) => {
            walkins_view(db, ctx, "", &FormErrors::of(ctx.lang, &e).lines).await
        }
        Err(e) => ctx.error(e),
    }
}

/// The grid to file a walk-in under.
#[derive(Deserialize, Default)]
#[serde(default)]
struct GridForm {
    grid: String,
}

async fn walkin_grid(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<GridForm>,
) -> Response {
    match crate::testing::walkins::assign_grid(&db, &ctx.actor(), ctx.reader(), id, &f.grid).await {
        Ok(()) => Redirect::to("/testing/walkins?done=grid").into_response(),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            walkins_view(&db, &ctx, "", &FormErrors::of(ctx.lang, &e).lines).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn link_walkin(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, NoFields {}): CsrfForm<NoFields>,
) -> Response {
    resolve_walkin(&db, &ctx, id, true).await
}

async fn dismiss_walkin(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, NoFields {}): CsrfForm<NoFields>,
) -> Response {
    resolve_walkin(&db, &ctx, id, false).await
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/testing/walkins", get(walkins_page))
        .route("/testing/walkins/{id}/link", post(link_walkin))
        .route("/testing/walkins/{id}/dismiss", post(dismiss_walkin))
        .route("/testing/walkins/{id}/grid", post(walkin_grid))
        .route("/testing/rounds/{id}/tubes", get(tube_page))
}
