//! The briefing's JSON API (listed in `server::api::API_ROUTES`): the text in both languages
//! and the figures it is written from, for an area in the reader's scope.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::text::{Paragraph, Period};
use crate::db::now_ms;
use crate::error::AppResult;
use crate::hq::metrics::Figure;
use crate::web::{ApiError, AppState, Auth};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BriefingQuery {
    pub area: String,
    pub period: String,
}

#[derive(Serialize)]
pub struct BriefingView {
    pub area: String,
    pub name: String,
    pub period: Period,
    pub as_of_ms: i64,
    pub text_zh: String,
    pub text_en: String,
    /// The paragraphs as segments: text, and numbers with the metric behind them.
    pub zh: Vec<Paragraph>,
    pub en: Vec<Paragraph>,
    pub figures: Vec<Figure>,
}

/// `GET /hq/briefing?area=&period=day|week|all`: the reader's top area and the whole response
/// by default. Not issued (issuing is on the page).
pub async fn briefing_of(
    State(s): State<AppState>,
    Query(q): Query<BriefingQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<BriefingView>, ApiError> {
    let run = async {
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        let b = super::generate(&s.db, &area, Period::parse(&q.period), now_ms()).await?;
        AppResult::Ok(BriefingView {
            text_zh: b.text_zh(),
            text_en: b.text_en(),
            area: b.area.code,
            name: b.area.name,
            period: b.period,
            as_of_ms: b.as_of_ms,
            zh: b.zh,
            en: b.en,
            figures: b.figures,
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
