//! The HQ pages: the overview of an area (`/hq/overview?area=`).

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/hq/overview", get(overview_page))
}

async fn overview_page() -> Response {
    axum::http::StatusCode::NOT_FOUND.into_response()
}
