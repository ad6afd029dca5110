//! Retention of the stored answers to API writes (`api_replies`, see [`super::replies`]): a
//! device retries a lost request within minutes or, queued offline, within a shift or two; after
//! 7 days by default (`[retention] api_reply = N`) the answers go. They hold no personal data
//! beyond ids and the answer's fields, but a table that only grows is a cost. The daily sweep
//! (`crate::retention::run`) deletes them in short transactions of [`CHUNK`] rows, each audited
//! as a `retention` run of the kind, so field writes never wait behind one long delete.

use crate::audit::retention::{Kind, Step};
use crate::db::Db;
use crate::error::AppResult;

pub const KIND: &str = "api_reply";
pub const DEFAULT_DAYS: u32 = 7;

/// Rows deleted per transaction.
pub const CHUNK: i64 = 2_000;

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: KIND,
        en: "stored answers to field devices' API writes (for retries)",
        zh: "现场设备接口写入的应答记录（用于重试）",
        default_days: DEFAULT_DAYS,
        why: "a device resends a lost or queued write within hours; a week covers a phone left offline over a weekend",
        steps: &[Step {
            en: "stored API answers",
            zh: "接口应答记录",
            does: "delete",
            count: "SELECT COUNT(*) FROM api_replies WHERE at_ms < $1",
            apply: "DELETE FROM api_replies WHERE at_ms < $1",
        }],
    }]
}

/// Delete the answers older than `days` at `now` in transactions of at most `chunk` rows, each
/// audited (`retention`, entity `api_reply`), until none is left. Returns the rows deleted.
pub async fn purge_in_chunks(db: &Db, days: u32, now: i64, chunk: i64) -> AppResult<i64> {
    if days == 0 {
        return Ok(0);
    }
    let cutoff = now - i64::from(days) * crate::audit::retention::DAY_MS;
    let mut done = 0i64;
    loop {
        let mut tx = db.begin().await?;
        let rows = tx
            .execute(
                "DELETE FROM api_replies WHERE key IN (SELECT key FROM api_replies \
                 WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
                crate::args![cutoff, chunk],
            )
            .await? as i64;
        if rows == 0 {
            return Ok(done);
        }
        done += rows;
        crate::audit::record(
            &mut tx,
            &crate::audit::retention::system(),
            crate::audit::Event::new("retention", "retention", KIND).detail(serde_json::json!({
                "kinds": [{"kind": KIND, "days": days, "cutoff_ms": cutoff, "rows": [rows]}],
                "total": rows,
            })),
        )
        .await?;
        tx.commit().await?;
        if rows < chunk {
            return Ok(done);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
