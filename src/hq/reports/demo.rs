//! Demo briefing and report for `serve --demo`: on first start, the demo district's briefing
//! issued as demo-hq, and every report locked at today's 10:00 (yesterday's before 10:00) (China time) for each top
//! area, as the cut-off sweep would have.

use crate::audit::Actor;
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::hq::briefing::{self, day_of, text::Period};
use crate::registry::areas;

/// Issue the briefing and lock the 10:00 reports when nothing is stored yet; the number of
/// snapshots locked.
pub async fn create(db: &Db) -> AppResult<Option<usize>> {
    let any: i64 = db
        .scalar("SELECT COUNT(*) AS n FROM hq_snapshots", vec![])
        .await?;
    if any > 0 {
        return Ok(None);
    }
    let now = now_ms();
    // Today's 10:00, or yesterday's before 10:00.
    let mut day = day_of(now);
    let mut ten = day * 86_400_000 - 8 * 3_600_000 + 10 * 3_600_000;
    if ten > now {
        day -= 1;
        ten -= 86_400_000;
    }
    let cutoff = Actor {
        account_id: None,
        username: "cut-off".into(),
        ip: "local".into(),
    };
    let mut n = 0;
    for area in super::top_areas(db).await? {
        for rep in super::catalogue() {
            super::lock(db, &cutoff, rep, &area, day, ten).await?;
            n += 1;
        }
    }
    if let Some(d) = areas::by_code(db, "431102").await? {
        let hq = Actor {
            account_id: None,
            username: "demo-hq".into(),
            ip: "local".into(),
        };
        let b = briefing::generate(db, &d, Period::All, now).await?;
        briefing::issue(db, &hq, &b).await?;
    }
    Ok(Some(n))
}
