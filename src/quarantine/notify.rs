//! The follow-up's notifications (issue 19): a health check missed today goes to the grid
//! workers of the household's grid (urgent: it is sent in quiet hours too). A sweep of the
//! server's background loop, after the checks' own sweep marked them missed. A check whose
//! message is in the outbox already is left out by the query (so a sweep a minute does not try
//! again for each worker); a grid worker appointed after the message went is not told of it.

use std::collections::HashMap;

use crate::args;
use crate::db::Db;
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::notify::{self, Note};

/// How far back a missed check is still worth telling.
const WINDOW_MS: i64 = 6 * 3600 * 1000;

struct Missed {
    id: i64,
    order_id: i64,
    path: String,
}
crate::from_row!(Missed { id, order_id, path });

/// The checks missed in (`$2`, `$1`] whose grid workers were not told yet (also the notify bench's plan).
pub const MISSED_SQL: &str = "SELECT id, order_id, path FROM quarantine_checks \
             WHERE status = 'missed' AND missed_ms <= $1 AND missed_ms > $2 \
             AND NOT EXISTS (SELECT 1 FROM notify_outbox o \
             WHERE o.once_key = 'check_missed:' || quarantine_checks.id)";

/// Mark the checks due by `now` missed (as the follow-up's sweep does) and tell the grid
/// workers of each missed within the last hours, once per check.
pub async fn missed(db: &Db, now: i64) -> AppResult<u64> {
    super::checks::sweep(db, now).await?;
    let rows: Vec<Missed> = db.query_as(MISSED_SQL, args![now, now - WINDOW_MS]).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let mut added = 0;
    // The grid workers of each household's path, read once a sweep (a household's checks, and
    // a grid's households, share them).
    let mut workers: HashMap<String, Vec<notify::GridWorker>> = HashMap::new();
    for r in rows {
        if !workers.contains_key(&r.path) {
            let found = notify::grid_workers(&mut tx, &r.path).await?;
            workers.insert(r.path.clone(), found);
        }
        for g in workers[&r.path].iter().cloned() {
            let note = Note {
                kind: "check_missed",
                account_id: g.account_id,
                link: format!("/followup/checks/{}", r.id),
                path: r.path.clone(),
                args: vec![("area", Arg::S(g.area)), ("order", Arg::N(r.order_id))],
                once_key: format!("check_missed:{}", r.id),
                recheck: String::new(),
            };
            added += u64::from(notify::enqueue(&mut tx, &note, now).await?);
        }
    }
    tx.commit().await?;
    Ok(added)
}
