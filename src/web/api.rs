//! The read-only JSON API of the registry. Every handler takes the reader and filters by its
//! scope; outside it the answer is 404 with no count, no name, nothing.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json_};

use super::{ApiError, AppState, Auth};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::registry::areas::{self, Area, Counts};
use crate::registry::residents::{self, Page};

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize, Default)]
pub struct PageParams {
    pub after: Option<String>,
    pub limit: Option<i64>,
    pub q: Option<String>,
}

const MAX_LIMIT: i64 = 200;

fn limit(p: &PageParams) -> i64 {
    p.limit.unwrap_or(50).clamp(1, MAX_LIMIT)
}

fn after_id(p: &PageParams) -> Result<Option<i64>, AppError> {
    match p.after.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            AppError::BadRequest(Msg::new("the page cursor is not valid", "翻页参数无效"))
        }),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/areas", get(scope_roots))
        .route("/areas/{code}", get(area))
        .route("/areas/{code}/children", get(children))
        .route("/areas/{code}/households", get(households))
        .route("/households/{id}", get(household))
        .route("/residents/search", get(search))
        .route("/residents/{id}", get(resident))
}

async fn me(Auth(r, _): Auth) -> ApiResult<Json_> {
    Ok(Json(json!({
        "username": r.username,
        "role": r.role,
        "scope": r.scope.roots,
    })))
}

#[derive(Serialize)]
struct AreaDetail {
    #[serde(flatten)]
    area: Area,
    level_name: &'static str,
    counts: Counts,
    ancestors: Vec<Area>,
}

/// The areas the reader's scope starts at, with their counts.
async fn scope_roots(State(db): State<Db>, Auth(r, lang): Auth) -> ApiResult<Vec<AreaDetail>> {
    let mut out = Vec::new();
    let scope = r.registry_scope();
    for root in &scope.roots {
        let a = areas::scoped(&db, root, &scope)
            .await
            .map_err(|e| ApiError(e, lang))?;
        out.push(detail(&db, a, &r).await.map_err(|e| ApiError(e, lang))?);
    }
    Ok(Json(out))
}

async fn detail(db: &Db, a: Area, r: &crate::access::Reader) -> Result<AreaDetail, AppError> {
    let counts = areas::subtree_counts(db, &a.path).await?;
    // Breadcrumbs stop at the top of the reader's scope.
    let ancestors = areas::ancestors(db, &a)
        .await?
        .into_iter()
        .filter(|x| r.registry_scope().contains(&x.path))
        .collect();
    Ok(AreaDetail {
        level_name: crate::registry::model::level_code(a.level),
        area: a,
        counts,
        ancestors,
    })
}

async fn area(
    State(db): State<Db>,
    Path(code): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<AreaDetail> {
    // Counts are personal data in aggregate: the registry scope, not the bare area scope.
    let run = async {
        let a = areas::scoped(&db, &code, &r.registry_scope()).await?;
        detail(&db, a, &r).await
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

async fn children(
    State(db): State<Db>,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<areas::Child>> {
    let run = async {
        let a = areas::scoped(&db, &code, &r.registry_scope()).await?;
        let n = limit(&p);
        let mut items = areas::children(&db, &a, p.after.as_deref(), n + 1).await?;
        let next = if items.len() as i64 > n {
            items.truncate(n as usize);
            items.last().map(|c| c.area.code.clone())
        } else {
            None
        };
        Ok(Page { items, next })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

async fn households(
    State(db): State<Db>,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<residents::HouseholdView>> {
    let run = async {
        let scope = r.registry_scope();
        let a = areas::scoped(&db, &code, &scope).await?;
        residents::households_under(&db, &a, after_id(&p)?, limit(&p)).await
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

async fn household(
    State(db): State<Db>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
) -> ApiResult<residents::HouseholdDetail> {
    residents::household(&db, &r.registry_scope(), id)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, lang))
}

async fn resident(
    State(db): State<Db>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
) -> ApiResult<residents::ResidentView> {
    residents::resident(&db, &r.registry_scope(), id)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, lang))
}

async fn search(
    State(db): State<Db>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<residents::ResidentView>> {
    let run = async {
        let q = p.q.clone().unwrap_or_default();
        residents::search(&db, &r.registry_scope(), &q, after_id(&p)?, limit(&p)).await
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
