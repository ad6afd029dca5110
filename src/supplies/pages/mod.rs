//! The supplies pages.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
