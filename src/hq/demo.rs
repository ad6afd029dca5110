//! Demo history for `serve --demo`: the last 14 days of every tracked area back-filled from
//! the generated data on first start (event figures are each day's, states today's), so the
//! overview's charts and "change since yesterday" show at once.

use super::history;
use super::metrics::day_of;
use super::overview::DAYS;
use crate::db::{now_ms, Db};
use crate::error::AppResult;

/// Back-fill when no history is stored yet; the number of area-days written.
pub async fn create(db: &Db) -> AppResult<Option<usize>> {
    let any: i64 = db
        .scalar("SELECT COUNT(*) AS n FROM hq_daily", vec![])
        .await?;
    if any > 0 {
        return Ok(None);
    }
    let today = day_of(now_ms());
    let n = history::backfill(db, today, DAYS - 1).await?;
    history::refresh(db, today).await?;
    Ok(Some(n))
}
