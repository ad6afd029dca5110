//! Pages of the registry: the area browser (breadcrumbs, tallies, children), the households of
//! a grid, a household with its members, a resident (masked, with "break the glass"), forms to
//! register and correct households and residents, search within the reader's scope, and the
//! imports and exports (`exchange`).
//!
//! Handler files (`areas`, `households`, `residents`, `exchange`) extract, call the engine and
//! hand typed data to the view files (`*_views`, `views`), which only render.

mod areas;
mod areas_views;
pub mod exchange;
mod exchange_views;
mod households;
mod households_views;
pub mod parts;
mod residents;
mod residents_views;
mod views;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::registry::edit;
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The forms are for roles that write the registry; others get 403 before any form.
pub(super) fn writers_only(ctx: &Ctx) -> Result<(), Response> {
    if ctx.reader().can_write_registry() {
        Ok(())
    } else {
        Err(ctx.error(edit::forbidden()))
    }
}

pub fn routes() -> Router<AppState> {
    use households::*;
    use residents::*;
    Router::new()
        .route("/areas", get(areas::scope_roots))
        .route("/areas/{code}", get(areas::area_page))
        .route(
            "/households/new",
            get(new_household_page).post(new_household_submit),
        )
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/merge", post(merge_household_submit))
        .route("/households/{id}/remove", post(remove_household_submit))
        .route(
            "/households/{id}/edit",
            get(edit_household_page).post(edit_household_submit),
        )
        .route(
            "/households/{id}/residents/new",
            get(new_resident_page).post(new_resident_submit),
        )
        .route("/residents/{id}", get(resident_page))
        .route(
            "/residents/{id}/edit",
            get(edit_resident_page).post(edit_resident_submit),
        )
        .route("/residents/{id}/reveal", post(reveal))
        .route("/residents/{id}/call", post(residents::call))
        .route("/search", get(search_page))
}
