//! The supplies pages: the keeper's and officers' (`staff`: stores, stock cards, receipts,
//! movements, stock-takes, trips, the catalogue; `funds`: funds, gifts, spending and its
//! approvals), the volunteer's handout through a need (`volunteer`), and the public disclosure
//! without sign-in (`public`). Views in `views` and `public_views`.

pub mod funds;
pub mod household_part;
pub mod public;
pub mod public_views;
pub mod settings;
pub mod staff;
pub mod views;
pub mod volunteer;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::error::AppResult;
use crate::web::html::Markup;
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    use staff::*;
    Router::new()
        .route("/supplies", get(home_page))
        .route("/supplies/items", get(items_page).post(items_post))
        .route(
            "/supplies/stores/new",
            get(store_new_page).post(store_new_post),
        )
        .route("/supplies/stores/{id}", get(store_page))
        .route(
            "/supplies/stores/{id}/count",
            get(count_page).post(count_post),
        )
        .route("/supplies/receive", get(receive_page).post(receive_post))
        .route("/supplies/move", get(move_page).post(move_post))
        .route("/supplies/moves/{id}", get(move_doc_page))
        .route("/supplies/moves/{id}/reverse", post(reverse_post))
        .route("/supplies/trips", get(trips_page).post(trips_post))
        .route("/supplies/figures", get(figures_page))
        .route(
            "/supplies/funds/new",
            get(funds::fund_new_page).post(funds::fund_new_post),
        )
        .route("/supplies/funds/{id}", get(funds::fund_page))
        .route(
            "/supplies/gift",
            get(funds::gift_page).post(funds::gift_post),
        )
        .route(
            "/supplies/spend",
            get(funds::spend_page).post(funds::spend_post),
        )
        .route("/supplies/spends/{id}/approve", post(funds::approve_post))
        .route("/supplies/transfers", post(funds::transfer_post))
        .route("/supplies/money/{id}", get(funds::entry_page))
        .route(
            "/supplies/money/{id}/reverse",
            post(funds::entry_reverse_post),
        )
        .route(
            "/supplies/settings",
            get(settings::settings_page).post(settings::settings_post),
        )
        .route("/me/supplies", get(volunteer::mine_page))
        .route(
            "/me/needs/{id}/supplies",
            get(volunteer::handout_page).post(volunteer::handout_post),
        )
        .merge(public::routes())
}

/// `?done=` after an action, `?page=` for lists, `?store=`/`?fund=` to preselect.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Qs {
    pub done: String,
    pub page: String,
    pub store: String,
    pub fund: String,
    pub item: String,
    pub area: String,
    pub from: String,
    pub to: String,
}

impl Qs {
    pub fn page(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, 100_000)
    }
}

pub(crate) fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

pub const PAGE: i64 = 50;

/// A list's pager: previous and next page and "page X of Y".
pub fn pager(
    l: crate::i18n::Lang,
    page: i64,
    total: i64,
    id: &str,
    href: impl Fn(i64) -> String,
) -> Markup {
    use crate::i18n::{t, ta, Arg};
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    if pages <= 1 {
        return Markup::default();
    }
    maud::html! {
        nav.pager id=(id) {
            @if page > 1 {
                a.btn.alt rel="prev" href=(href(page - 1)) { (t(l, "sup-prev-page")) }
            } @else { span {} }
            span.muted { (ta(l, "sup-page-of", &[("n", Arg::N(page)), ("of", Arg::N(pages))])) }
            @if page < pages {
                a.btn.alt rel="next" href=(href(page + 1)) { (t(l, "sup-next-page")) }
            } @else { span {} }
        }
    }
    .into()
}
