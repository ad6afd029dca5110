//! The needs' JSON API: the figures of an area over a period, for the reports headquarters
//! compiles (listed in `server::api::API_ROUTES`).

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::figures::{self, Period, Report};
use crate::db::now_ms;
use crate::error::AppResult;
use crate::web::{ApiError, AppState, Auth};

#[derive(Deserialize)]
pub struct FiguresQuery {
    pub area: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Serialize)]
pub struct FiguresView {
    pub area: String,
    pub name: String,
    pub period: Period,
    #[serde(flatten)]
    pub report: Report,
}

/// `GET /needs/figures?area=&from=&to=`: the reader's top area and the last 7 days by default.
pub async fn figures_of(
    State(s): State<AppState>,
    Query(q): Query<FiguresQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<FiguresView>, ApiError> {
    let run = async {
        super::require_read(&r)?;
        let area = super::area_in_scope(&s.db, &r, q.area.as_deref().unwrap_or("")).await?;
        let now = now_ms();
        let p = figures::period(
            q.from.as_deref().unwrap_or(""),
            q.to.as_deref().unwrap_or(""),
            now,
        )?;
        let report = figures::report(&s.db, &r, &area.path, p.from_ms, p.to_ms, now).await?;
        AppResult::Ok(FiguresView {
            area: area.code,
            name: area.name,
            period: p,
            report,
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
