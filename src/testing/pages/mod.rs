//! The testing pages: the rounds, a round's overview (coverage by area with drill-down, pooling,
//! sites and collectors, follow-up tasks), tube lookup and the walk-ins waiting for a grid
//! worker. The missing list, the collector's scan page and the lab's results page have files of
//! their own (`missing`, `collect`, `lab`); handlers and views live in separate files.
//!
//! Every page first finds the round among those the reader may see (else 404), then checks the
//! role (403 with a message saying who may), then resolves the area within the reader's scope
//! and the round (else 404).

pub mod collect;
mod collect_views;
pub mod lab;
mod lab_views;
mod lookup;
mod lookup_views;
pub mod missing;
mod missing_views;
pub mod no_epidemic;
pub mod resident_part;
mod rounds;
mod rounds_views;
mod views;

pub use missing_views::PAGE_HOUSEHOLDS;
pub use views::person_status_tag;

use axum::Router;

use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::registry::areas::{self, Area};
use crate::registry::model::LEVEL_COMMUNITY;
use crate::testing::Round;
use crate::web::html::{crumbs, Markup};
use crate::web::pages::Ctx;
use crate::web::AppState;

use views::{area_link, round_href};

/// The round by the id in the address, if the reader may see it; otherwise not found.
pub(super) async fn find_round(db: &Db, ctx: &Ctx, id: i64) -> Result<Round, AppError> {
    crate::testing::visible_round(db, ctx.reader(), id).await
}

/// Who may see who is missing, tubes' contents and walk-ins (403 otherwise).
pub(super) fn registry_readers_only(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.reader().can_read_registry() {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only officers and grid workers who keep the registry see who is missing, tubes' contents and walk-ins",
            "只有负责登记的干部和网格员可以查看未采人员、试管内人员和临时人员",
        )))
    }
}

/// A fresh client id for one rendering of a form: a double submit or a refresh sends the same
/// one again, and the sampling writer answers it with the stored reply.
pub(super) fn client_id() -> String {
    crate::access::random_hex(12)
}

/// Breadcrumbs within a round: testing › round › the areas from the top of the reader's view
/// of the round down to `area`.
pub(super) async fn round_crumbs(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    area: Option<&Area>,
    last: Option<String>,
) -> Result<Markup, AppError> {
    let l = ctx.lang;
    let mut items = vec![
        (t(l, "nav-testing"), "/testing".to_owned()),
        (round.name.clone(), round_href(round.id)),
    ];
    if let Some(a) = area {
        let scope = ctx.reader().registry_scope();
        for x in areas::ancestors(db, a).await? {
            if scope.contains(&x.path) && round.covers(&x.path) {
                items.push((x.name.clone(), area_link(round.id, "", &x.code)));
            }
        }
        items.push((a.name.clone(), area_link(round.id, "", &a.code)));
    }
    if let Some(last) = last {
        items.push((last, String::new()));
    }
    Ok(crumbs(&items))
}

/// An area's name for a list that mixes places: a grid or a building with its community
/// (every community has a 第1网格).
pub(super) async fn place_name(db: &Db, path: &str) -> Result<String, AppError> {
    let Some(a) = areas::by_path(db, path).await? else {
        return Ok(path.to_owned());
    };
    if a.level <= LEVEL_COMMUNITY {
        return Ok(a.name);
    }
    let community = areas::by_path(db, areas::community_path(path))
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(format!("{community} {}", a.name))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(self::rounds::routes())
        .merge(self::lookup::routes())
        .merge(self::missing::routes())
        .merge(self::collect::routes())
        .merge(self::lab::routes())
        .merge(self::no_epidemic::routes())
}
