//! Retention of the pass log: entries are personal data gathered for one purpose (who went
//! through which gate when, with their health code and temperature). They are deleted after
//! 28 days by default (`[retention] pass_log = N` in the configuration file to change it) by the
//! scheduled sweep, which is audited (`retention`); with them go the vehicle passes, the
//! visitors' self-registrations and the stored replies to devices. The figures (`pass_tallies`)
//! are never touched. The checkpoint page shows the period and the last sweep.

use crate::audit::retention::{Kind, Step};
use crate::db::Db;
use crate::error::AppResult;

pub const DEFAULT_DAYS: u32 = 28;

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "pass_log",
        en: "checkpoint pass logs, vehicle passes and visitors' registrations",
        zh: "卡口通行记录、车辆通行记录和外来人员登记",
        default_days: DEFAULT_DAYS,
        why: "two incubation periods (2 × 14 days) cover tracing a case back through the gates; the figures need none of it",
        steps: &[
            Step {
                en: "pass log entries",
                zh: "通行记录",
                does: "delete",
                count: "SELECT COUNT(*) FROM pass_entries WHERE at_ms < $1",
                apply: "DELETE FROM pass_entries WHERE at_ms < $1",
            },
            Step {
                en: "vehicle passes",
                zh: "车辆通行记录",
                does: "delete",
                count: "SELECT COUNT(*) FROM vehicle_passes WHERE at_ms < $1",
                apply: "DELETE FROM vehicle_passes WHERE at_ms < $1",
            },
            Step {
                en: "visitors' self-registrations",
                zh: "外来人员自助登记",
                does: "delete",
                count: "SELECT COUNT(*) FROM checkpoint_visitors WHERE created_ms < $1",
                apply: "DELETE FROM checkpoint_visitors WHERE created_ms < $1",
            },
            Step {
                en: "stored replies to checkpoint devices",
                zh: "卡口设备的应答记录",
                does: "delete",
                count: "SELECT COUNT(*) FROM pass_replies WHERE at_ms < $1",
                apply: "DELETE FROM pass_replies WHERE at_ms < $1",
            },
            Step {
                en: "visitor form attempts (hashed addresses)",
                zh: "外来人员登记请求记录（地址哈希）",
                does: "delete",
                count: "SELECT COUNT(*) FROM checkpoint_visitor_attempts WHERE at_ms < $1",
                apply: "DELETE FROM checkpoint_visitor_attempts WHERE at_ms < $1",
            },
        ],
    }]
}

/// The last sweep that ran the pass-log kind: (when, the period in days then, entries deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSweep {
    pub at_ms: i64,
    pub days: i64,
    pub entries: i64,
}

/// The last sweep of the pass log, read from the audit log (the sweep's own entry).
pub async fn last_sweep(db: &Db) -> AppResult<Option<LastSweep>> {
    struct E {
        at_ms: i64,
        detail: String,
    }
    crate::from_row!(E { at_ms, detail });
    let rows: Vec<E> = db
        .query_as(
            "SELECT at_ms, detail FROM audit_log WHERE action = 'retention' \
             ORDER BY seq DESC LIMIT 3",
            vec![],
        )
        .await?;
    for e in rows {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.detail) else {
            continue;
        };
        let kinds = v["kinds"].as_array().cloned().unwrap_or_default();
        if let Some(k) = kinds.iter().find(|k| k["kind"] == "pass_log") {
            if k["cutoff_ms"].is_null() {
                continue;
            }
            return Ok(Some(LastSweep {
                at_ms: e.at_ms,
                days: k["days"].as_i64().unwrap_or(0),
                entries: k["rows"][0].as_i64().unwrap_or(0),
            }));
        }
    }
    Ok(None)
}

/// Rows deleted per transaction by [`purge_in_chunks`]: a short write, so the pass-log writer
/// waits a few milliseconds, not the length of the whole purge.
pub const CHUNK: i64 = 2_000;

/// The pause between two chunks: the pass-log writer gets the database to itself for a while.
pub const PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// The pass-log kind's deletion in short transactions of at most `chunk` rows per table, with
/// a short pause between them, each audited as a `retention` run of the kind (so the
/// checkpoint page shows it as the last sweep), until nothing older than `days` is left. The
/// server runs it every ten minutes (`trickle`) and before the daily sweep
/// (`crate::retention::run`), so ingest never waits behind a million-row delete. Returns the
/// entries deleted.
pub async fn purge_in_chunks(db: &Db, days: u32, now: i64, chunk: i64) -> AppResult<i64> {
    Ok(purge_rows(db, days, now, chunk).await?[0])
}

/// [`purge_in_chunks`], returning the rows deleted per step of the kind (in [`kinds`]' order).
pub async fn purge_rows(db: &Db, days: u32, now: i64, chunk: i64) -> AppResult<[i64; 5]> {
    let mut done = [0i64; 5];
    if days == 0 {
        return Ok(done);
    }
    let cutoff = now - i64::from(days) * crate::audit::retention::DAY_MS;
    let steps: [(&str, &str, &str); 5] = [
        ("pass_entries", "id", "at_ms"),
        ("vehicle_passes", "id", "at_ms"),
        ("checkpoint_visitors", "id", "created_ms"),
        ("pass_replies", "key", "at_ms"),
        ("checkpoint_visitor_attempts", "ip_hash", "at_ms"),
    ];
    loop {
        let mut tx = db.begin().await?;
        let mut rows = Vec::with_capacity(steps.len());
        for (table, key, at) in steps {
            let sql = if table == "checkpoint_visitor_attempts" {
                // No key of its own: old rows go whole (a day's worth at most).
                format!("DELETE FROM {table} WHERE {at} < $1")
            } else {
                format!(
                    "DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} \
                     WHERE {at} < $1 ORDER BY {at} LIMIT $2)"
                )
            };
            let params = if table == "checkpoint_visitor_attempts" {
                crate::args![cutoff]
            } else {
                crate::args![cutoff, chunk]
            };
            rows.push(tx.execute(&sql, params).await? as i64);
        }
        let total: i64 = rows.iter().sum();
        if total == 0 {
            return Ok(done);
        }
        for (d, n) in done.iter_mut().zip(&rows) {
            *d += n;
        }
        crate::audit::record(
            &mut tx,
            &crate::audit::retention::system(),
            crate::audit::Event::new("retention", "retention", "pass_log").detail(
                serde_json::json!({
                    "kinds": [{"kind": "pass_log", "days": days, "cutoff_ms": cutoff, "rows": rows}],
                    "total": total,
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        if rows.iter().all(|n| *n < chunk) {
            return Ok(done);
        }
        tokio::time::sleep(PAUSE).await;
    }
}

/// Run [`purge_in_chunks`] every ten minutes with the period in force (from the policy).
pub async fn trickle(db: Db, days: u32) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
        match purge_in_chunks(&db, days, crate::db::now_ms(), CHUNK).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("pass log: {n} expired entries deleted"),
            Err(e) => tracing::warn!("pass-log purge failed: {e}"),
        }
    }
}
