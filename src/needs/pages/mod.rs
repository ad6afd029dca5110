//! The needs pages. The staff's (`staff`): the queue of an area, a need with its history and
//! the dispatch forms, the intake form, a household's door plate, the figures and the
//! deadlines. The household link's (`public`) and the volunteer's (`volunteer`). Handlers are
//! apart from their views (`*_views`, and `views` for the pieces they share); the posted forms
//! are typed in `forms`.

pub mod forms;
pub mod household_part;
pub mod public;
pub mod public_views;
pub mod staff;
pub mod staff_views;
pub mod views;
pub mod volunteer;
pub mod volunteer_views;

use axum::routing::{get, post};
use axum::Router;

pub use staff::household_section;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    use staff::*;
    Router::new()
        .route("/needs", get(queue_page))
        .route("/needs/new", get(new_page).post(new_post))
        .route("/needs/figures", get(figures_page))
        .route("/needs/deadlines", get(deadlines_page).post(deadlines_post))
        .route("/needs/{id}", get(need_page))
        .route("/needs/{id}/act", post(act_post))
        .route("/needs/{id}/items", post(item_post))
        .route("/needs/{id}/call", post(call_post))
        .route("/households/{id}/plate", get(plate_page))
        .route("/households/{id}/plate/renew", post(plate_renew))
        .merge(self::public::routes())
        .merge(self::volunteer::routes())
}
