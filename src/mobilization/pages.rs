//! The pages of the volunteer pool and screening; the public sign-up (`signup_pages`), the
//! roster and duty (`roster_pages`) and branches, teams and care visits (`branch_pages`) have
//! files of their own.
use crate::web::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(super::signup_pages::routes())
        .merge(super::roster_pages::routes())
        .merge(super::branch_pages::routes())
}
