//! The referred-to-quarantine queue for officers and grid workers (`/followup/referred`): the
//! people a checkpoint referred in the reader's area, masked, waiting first; a reveal (audited)
//! shows one whole; "make an order" opens the order form for the referral (`/followup/new?entry=`),
//! a visitor's order made by `quarantine::visitors`. Views in `referred_views`.

use axum::extract::{Query, State};
use axum::response::Response;

use super::referred_views as views;
use super::staff::Done;
use super::views::tr;
use crate::db::{now_ms, Db};
use crate::quarantine::{referred, visitors};
use crate::web::kit::{CsrfForm, Id, NoFields};
use crate::web::pages::Ctx;

pub async fn queue_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<Done>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    match referred::queue(&db, r, now_ms()).await {
        Ok(list) => ctx.page(
            tr(l, "Referred by checkpoints", "卡口转隔离"),
            views::queue(
                l,
                &ctx.session.csrf,
                &list,
                crate::quarantine::can_order(r),
                qs.done.trim(),
            ),
        ),
        Err(e) => ctx.error(e),
    }
}

/// One referral whole (audited).
pub async fn reveal_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let l = ctx.lang;
    match referred::reveal(&db, &ctx.actor(), ctx.reader(), id).await {
        Ok(v) => ctx.page(
            tr(l, "Referred by checkpoints", "卡口转隔离"),
            views::revealed(l, &v, crate::quarantine::can_order(ctx.reader())),
        ),
        Err(e) => ctx.error(e),
    }
}

/// A visitor's details on their order, whole (audited).
pub async fn visitor_reveal_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let l = ctx.lang;
    match visitors::reveal(&db, &ctx.actor(), ctx.reader(), id).await {
        Ok(v) => ctx.page(tr(l, "Visitor", "访客"), views::visitor(l, &v)),
        Err(e) => ctx.error(e),
    }
}
