//! The reports' JSON API (listed in `server::api::API_ROUTES`): the catalogue with the
//! cut-off, the locked snapshots the reader may see, and one snapshot's JSON (the rows within
//! the reader's scope, `null` for "not reported") with its hash check.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{Report, Row, Snapshot};
use crate::error::{AppError, AppResult};
use crate::web::{ApiError, AppState, Auth};

#[derive(Serialize)]
pub struct CatalogueView {
    pub cutoff: String,
    pub reports: &'static [Report],
}

/// `GET /hq/reports`.
pub async fn catalogue_of(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
) -> Result<Json<CatalogueView>, ApiError> {
    let run = async {
        crate::hq::require_read(&r)?;
        AppResult::Ok(CatalogueView {
            cutoff: super::cutoff(&s.db).await?,
            reports: super::catalogue(),
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub limit: Option<i64>,
}

/// `GET /hq/snapshots?limit=`: newest first.
pub async fn snapshots(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<Vec<Snapshot>>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    super::list(&s.db, &r, limit)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, lang))
}

#[derive(Serialize)]
pub struct SnapshotView {
    #[serde(flatten)]
    pub snapshot: Snapshot,
    pub day_ymd: String,
    pub verified: bool,
    pub metrics: Vec<String>,
    pub rows: Vec<Row>,
}

/// `GET /hq/snapshots/{id}`.
pub async fn snapshot(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> Result<Json<SnapshotView>, ApiError> {
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let snap = super::get_readable(&s.db, &r, id).await?;
        let c = snap.parsed()?;
        AppResult::Ok(SnapshotView {
            verified: snap.verified(),
            rows: super::visible_rows(&r, &c),
            day_ymd: c.day,
            metrics: c.metrics,
            snapshot: snap,
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
