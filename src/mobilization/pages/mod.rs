//! The mobilization pages, each area a handler file (extract → engine call → view) beside its
//! views file (pure functions from typed data to markup): the volunteer pool, screening,
//! sign-up links and units (`volunteers`), the public sign-up (`signup`), the roster and duty
//! (`rosters`), branches and teams (`branch`) and care visits (`visits`); and the pieces they
//! share (QR codes, the request's origin, skill boxes, area options).

pub mod branch;
pub mod duty;
pub mod duty_views;
pub mod places;
pub mod places_views;
pub mod resident_part;
pub mod rosters;
pub mod rosters_views;
pub mod signup;

pub mod branch_views;
pub mod signup_views;
pub mod visits;
pub mod visits_views;
pub mod volunteers;
pub mod volunteers_views;

use axum::Router;

use self::signup_views::checkboxes;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Lang};
use crate::mobilization::SKILLS;
use crate::registry::areas::scope_choices;
use crate::web::html::Markup;
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(self::volunteers::routes())
        .merge(self::signup::routes())
        .merge(self::rosters::routes())
        .merge(self::branch::routes())
        .merge(self::visits::routes())
}

/// Skills checkboxes (used by the shift form too).
pub(super) fn skill_boxes(l: Lang, name: &str, checked: &[&str]) -> Markup {
    checkboxes(name, &t(l, "mob-f-skills-needed"), SKILLS, l, checked)
}

/// The reader's areas (scope roots and their children) for area selects.
pub(super) async fn area_options(db: &Db, ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    scope_choices(db, &ctx.reader().scope).await
}

/// A list's pager: previous and next page (`href(n)` is page n's address) and "page X of Y".
pub(super) fn pager(
    l: Lang,
    page: usize,
    pages: usize,
    id: &str,
    href: impl Fn(usize) -> String,
) -> crate::web::html::Markup {
    use crate::i18n::{ta, Arg};
    maud::html! {
        nav.pager id=(id) {
            @if page > 1 {
                a.btn.alt rel="prev" href=(href(page - 1)) { (t(l, "mob-prev-page")) }
            } @else { span {} }
            span.muted { (ta(l, "mob-page-of", &[("n", Arg::N(page as i64)), ("of", Arg::N(pages as i64))])) }
            @if page < pages {
                a.btn.alt rel="next" href=(href(page + 1)) { (t(l, "mob-next-page")) }
            } @else { span {} }
        }
    }
    .into()
}
