//! The pages of party branches, teams and care visits.
use crate::web::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
