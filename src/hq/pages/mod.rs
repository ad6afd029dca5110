//! The HQ pages: the overview of an area (`/hq/overview?area=`); views in `views`.

pub mod briefing;
pub mod briefing_views;
pub mod commendations;
pub mod commendations_views;
pub mod reports;
pub mod reports_views;
pub mod views;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::db::Db;
use crate::hq::overview;
use crate::i18n::t;
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hq/overview", get(overview_page))
        .merge(briefing::routes())
        .merge(reports::routes())
        .merge(commendations::routes())
}

/// `?area=`: the area's code (default: the reader's first area).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Qs {
    pub area: String,
}

async fn overview_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let area = overview::area_in_scope(&db, r, &q.area).await?;
        let o = overview::overview(&db, &area).await?;
        // The parent, when the reader may read it too (a link up).
        let up = match area.parent_id {
            Some(p) => crate::registry::areas::by_id(&db, p)
                .await?
                .filter(|a| crate::hq::scope(r).contains(&a.path)),
            None => None,
        };
        crate::error::AppResult::Ok(views::overview(l, &o, up.as_ref()))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "hq-title"), body),
        Err(e) => ctx.error(e),
    }
}
