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
