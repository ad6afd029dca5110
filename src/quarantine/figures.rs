//! The figures of an area for a day: people under quarantine now (by kind and by reason),
//! orders started and released that day, the day's checks done on time, late and missed,
//! fevers referred, and the share of paired households contacted.

use serde::Serialize;

use super::{day_start, DAY_MS};
use crate::access::Reader;
use crate::args;
use crate::db::Db;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    pub code: String,
    pub n: i64,
}
crate::from_row!(Count { code, n });

#[derive(Debug, Clone, Serialize, Default)]
pub struct Figures {
    pub day: String,
    pub active: i64,
    pub by_kind: Vec<Count>,
    pub by_reason: Vec<Count>,
    pub started: i64,
    pub released: i64,
    pub checks_owed: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub not_attempted: i64,
    pub referrals: i64,
    pub escalations: i64,
    pub paired: i64,
    pub contacted: i64,
    /// Paired households with no contact in the last `stale_days` days.
    pub not_contacted_for: i64,
    pub stale_days: i64,
}

pub async fn of(db: &Db, r: &Reader, path: &str, day: i64, stale_days: i64) -> AppResult<Figures> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let end = crate::db::path_end(path);
    let (p, e) = (path, end.as_str());
    let (from, to) = (day_start(day), day_start(day) + DAY_MS);
    let count = |sql: &'static str, extra: Vec<crate::db::Value>| {
        let mut a = args![p, e];
        a.extend(extra);
        async move { db.scalar::<i64>(sql, a).await }
    };
    let mut f = Figures {
        day: super::date_of(day),
        stale_days,
        ..Default::default()
    };
    f.active = count(
        "SELECT COUNT(*) AS n FROM quarantine_orders WHERE status = 'active' AND path >= $1 AND path < $2",
        vec![],
    )
    .await?;
    f.by_kind = db
        .query_as(
            "SELECT kind AS code, COUNT(*) AS n FROM quarantine_orders WHERE status = 'active' \
             AND path >= $1 AND path < $2 GROUP BY kind ORDER BY kind",
            args![p, e],
        )
        .await?;
    f.by_reason = db
        .query_as(
            "SELECT reason AS code, COUNT(*) AS n FROM quarantine_orders WHERE status = 'active' \
             AND path >= $1 AND path < $2 GROUP BY reason ORDER BY reason",
            args![p, e],
        )
        .await?;
    f.started = count(
        "SELECT COUNT(*) AS n FROM quarantine_orders WHERE path >= $1 AND path < $2 AND start_day = $3",
        args![day],
    )
    .await?;
    f.released = count(
        "SELECT COUNT(*) AS n FROM quarantine_orders WHERE path >= $1 AND path < $2 \
         AND end_reason = 'released' AND ended_ms >= $3 AND ended_ms < $4",
        args![from, to],
    )
    .await?;
    f.checks_owed = count(
        "SELECT COUNT(*) AS n FROM quarantine_checks WHERE path >= $1 AND path < $2 AND day = $3",
        args![day],
    )
    .await?;
    f.on_time = count(
        "SELECT COUNT(*) AS n FROM quarantine_checks WHERE path >= $1 AND path < $2 AND day = $3 \
         AND status IN ('well', 'unwell') AND done_ms <= late_ms",
        args![day],
    )
    .await?;
    f.late = count(
        "SELECT COUNT(*) AS n FROM quarantine_checks WHERE path >= $1 AND path < $2 AND day = $3 \
         AND status IN ('well', 'unwell') AND done_ms > late_ms",
        args![day],
    )
    .await?;
    f.missed = count(
        "SELECT COUNT(*) AS n FROM quarantine_checks WHERE path >= $1 AND path < $2 AND day = $3 \
         AND status = 'missed'",
        args![day],
    )
    .await?;
    f.not_attempted = count(
        "SELECT COUNT(*) AS n FROM quarantine_checks WHERE path >= $1 AND path < $2 AND day = $3 \
         AND status = 'not_attempted'",
        args![day],
    )
    .await?;
    f.referrals = count(
        "SELECT COUNT(*) AS n FROM quarantine_tasks WHERE path >= $1 AND path < $2 \
         AND kind = 'referral' AND created_ms >= $3 AND created_ms < $4",
        args![from, to],
    )
    .await?;
    f.escalations = count(
        "SELECT COUNT(*) AS n FROM quarantine_tasks WHERE path >= $1 AND path < $2 \
         AND kind = 'escalation' AND created_ms >= $3 AND created_ms < $4",
        args![from, to],
    )
    .await?;
    f.paired = count(
        "SELECT COUNT(*) AS n FROM pairings WHERE path >= $1 AND path < $2 AND until_ms IS NULL",
        vec![],
    )
    .await?;
    f.contacted = count(
        "SELECT COUNT(DISTINCT p.household_id) AS n FROM pairings p JOIN contact_logs l \
         ON l.household_id = p.household_id AND l.day = $3 \
         WHERE p.path >= $1 AND p.path < $2 AND p.until_ms IS NULL",
        args![day],
    )
    .await?;
    f.not_contacted_for = count(
        "SELECT COUNT(*) AS n FROM pairings p WHERE p.path >= $1 AND p.path < $2 AND p.until_ms IS NULL \
         AND NOT EXISTS (SELECT 1 FROM contact_logs l WHERE l.household_id = p.household_id AND l.day > $3)",
        args![day - stale_days],
    )
    .await?;
    Ok(f)
}

/// Contacts by contact person under an area for a day: (name, paired, contacted).
#[derive(Debug, Clone, Serialize)]
pub struct ByContact {
    pub account_id: i64,
    pub name: String,
    pub paired: i64,
    pub contacted: i64,
}
crate::from_row!(ByContact {
    account_id,
    name,
    paired,
    contacted
});

pub async fn by_contact(db: &Db, r: &Reader, path: &str, day: i64) -> AppResult<Vec<ByContact>> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let end = crate::db::path_end(path);
    Ok(db
        .query_as(
            "SELECT p.account_id, a.display_name AS name, COUNT(*) AS paired, \
             SUM(CASE WHEN EXISTS (SELECT 1 FROM contact_logs l WHERE l.household_id = p.household_id AND l.day = $3) THEN 1 ELSE 0 END) AS contacted \
             FROM pairings p JOIN accounts a ON a.id = p.account_id \
             WHERE p.path >= $1 AND p.path < $2 AND p.until_ms IS NULL \
             GROUP BY p.account_id, a.display_name ORDER BY a.display_name LIMIT 500",
            args![path, end.as_str(), day],
        )
        .await?)
}
