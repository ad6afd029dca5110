//! The health follow-up pages. The staff's (`staff`): the worklist, a check, the overview of
//! an area, an order with its forms and printable notices, the order form, the pairings. The
//! household link's self-report (`public`). Views in `views`.

pub mod public;
pub mod referred;
pub mod referred_views;
pub mod staff;
pub mod views;

use axum::routing::{get, post};
use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    use staff::*;
    Router::new()
        .route("/followup", get(overview_page))
        .route("/followup/today", get(today_page))
        .route("/followup/referrals", get(referrals_page))
        .route("/followup/new", get(new_page).post(new_post))
        .route("/followup/checks/{id}", get(check_page).post(check_post))
        .route("/followup/tasks/{id}/close", post(task_close))
        .route("/followup/tasks/{id}/call", post(task_call))
        .route("/followup/contacts/{id}", post(contact_post))
        .route("/followup/orders/{id}", get(order_page))
        .route("/followup/orders/{id}/change", post(change_post))
        .route("/followup/orders/{id}/end", post(end_post))
        .route("/followup/orders/{id}/notice", get(notice_page))
        .route("/followup/orders/{id}/release", get(release_page))
        .route("/followup/pairings", get(pairings_page).post(pairings_post))
        .route("/followup/referred", get(referred::queue_page))
        .route(
            "/followup/referred/{id}/reveal",
            post(referred::reveal_post),
        )
        .route(
            "/followup/orders/{id}/visitor",
            post(referred::visitor_reveal_post),
        )
        .route(
            "/h/{token}/health",
            get(public::health_page).post(public::health_post),
        )
}
