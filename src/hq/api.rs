//! HQ's JSON API (listed in `server::api::API_ROUTES`): `GET /hq/overview?area=`, the same
//! figures as the page, in the reader's scope.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use super::overview::{self, Overview};
use crate::web::{ApiError, AppState, Auth};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OverviewQuery {
    pub area: String,
}

/// `GET /hq/overview?area=`.
pub async fn overview_of(
    State(s): State<AppState>,
    Query(q): Query<OverviewQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<Overview>, ApiError> {
    let run = async {
        let area = overview::area_in_scope(&s.db, &r, &q.area).await?;
        overview::overview(&s.db, &area).await
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
