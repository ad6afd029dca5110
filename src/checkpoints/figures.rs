//! The figures of the pass log, read from the tallies (`pass_tallies`, one row per checkpoint ×
//! checker × shift × hour, kept in the transaction of every write and never purged): per
//! checkpoint by checker, by shift and by hour, and totals by area for any period. A read
//! sums a few hundred rows whatever the size of the log, and stays after the entries are gone.

use serde::Serialize;

use super::HOUR_MS;
use crate::db::{path_end, Db, Value};
use crate::error::AppResult;

/// The counters.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Figures {
    pub people: i64,
    pub n_in: i64,
    pub n_out: i64,
    pub n_through: i64,
    pub vehicles: i64,
    pub visitors: i64,
    pub passed: i64,
    pub returned: i64,
    pub quarantine: i64,
    pub medical: i64,
    pub overrides: i64,
    pub fever: i64,
}
crate::from_row!(Figures {
    people,
    n_in,
    n_out,
    n_through,
    vehicles,
    visitors,
    passed,
    returned,
    quarantine,
    medical,
    overrides,
    fever
});

const SUMS: &str = "CAST(COALESCE(SUM(people), 0) AS BIGINT) AS people, \
    CAST(COALESCE(SUM(n_in), 0) AS BIGINT) AS n_in, \
    CAST(COALESCE(SUM(n_out), 0) AS BIGINT) AS n_out, \
    CAST(COALESCE(SUM(n_through), 0) AS BIGINT) AS n_through, \
    CAST(COALESCE(SUM(vehicles), 0) AS BIGINT) AS vehicles, \
    CAST(COALESCE(SUM(visitors), 0) AS BIGINT) AS visitors, \
    CAST(COALESCE(SUM(passed), 0) AS BIGINT) AS passed, \
    CAST(COALESCE(SUM(returned), 0) AS BIGINT) AS returned, \
    CAST(COALESCE(SUM(quarantine), 0) AS BIGINT) AS quarantine, \
    CAST(COALESCE(SUM(medical), 0) AS BIGINT) AS medical, \
    CAST(COALESCE(SUM(overrides), 0) AS BIGINT) AS overrides, \
    CAST(COALESCE(SUM(fever), 0) AS BIGINT) AS fever";

/// A group of the figures: its key (a checker's account, a shift, an hour, a checkpoint).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

impl crate::db::FromRow for Group {
    fn from_row(r: &crate::db::Row) -> crate::db::DbResult<Self> {
        Ok(Group {
            key: r.get("k")?,
            figures: Figures::from_row(r)?,
        })
    }
}

/// How a checkpoint's figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Checker,
    Shift,
    Hour,
}

/// A checkpoint's totals over [from, to) (hours starting in it).
pub async fn of_checkpoint(db: &Db, place_id: i64, from: i64, to: i64) -> AppResult<Figures> {
    Ok(db
        .query_one_as(
            &format!(
                "SELECT {SUMS} FROM pass_tallies WHERE place_id = $1 AND hour_ms >= $2 AND hour_ms < $3"
            ),
            crate::args![place_id, floor(from), to],
        )
        .await?)
}

/// A checkpoint's figures over [from, to), grouped.
pub async fn grouped(db: &Db, place_id: i64, by: By, from: i64, to: i64) -> AppResult<Vec<Group>> {
    let col = match by {
        By::Checker => "account_id",
        By::Shift => "shift_id",
        By::Hour => "hour_ms",
    };
    Ok(db
        .query_as(
            &format!(
                "SELECT {col} AS k, {SUMS} FROM pass_tallies WHERE place_id = $1 AND hour_ms >= $2 \
                 AND hour_ms < $3 GROUP BY {col} ORDER BY {col}"
            ),
            crate::args![place_id, floor(from), to],
        )
        .await?)
}

/// Totals of every checkpoint in an area (its subtree) over [from, to).
pub async fn of_area(db: &Db, path: &str, from: i64, to: i64) -> AppResult<Figures> {
    Ok(db
        .query_one_as(
            &format!(
                "SELECT {SUMS} FROM pass_tallies WHERE path >= $1 AND path < $2 \
                 AND hour_ms >= $3 AND hour_ms < $4"
            ),
            vec![
                Value::from(path),
                Value::from(path_end(path)),
                Value::Int(floor(from)),
                Value::Int(to),
            ],
        )
        .await?)
}

/// The area's checkpoints, each with its totals over [from, to) (key: the place id).
pub async fn by_checkpoint(db: &Db, path: &str, from: i64, to: i64) -> AppResult<Vec<Group>> {
    Ok(db
        .query_as(
            &format!(
                "SELECT place_id AS k, {SUMS} FROM pass_tallies WHERE path >= $1 AND path < $2 \
                 AND hour_ms >= $3 AND hour_ms < $4 GROUP BY place_id ORDER BY place_id"
            ),
            vec![
                Value::from(path),
                Value::from(path_end(path)),
                Value::Int(floor(from)),
                Value::Int(to),
            ],
        )
        .await?)
}

/// The start of the hour holding `ms`.
fn floor(ms: i64) -> i64 {
    ms - ms.rem_euclid(HOUR_MS)
}

/// The China day (days since 1970) of a time.
pub fn china_day(ms: i64) -> i64 {
    (ms + 8 * HOUR_MS).div_euclid(86_400_000)
}

/// The first millisecond of a China day.
pub fn day_start(day: i64) -> i64 {
    day * 86_400_000 - 8 * HOUR_MS
}

/// A China day from `YYYY-MM-DD`; `field` names it in the error.
pub fn parse_day(field: &'static str, s: &str) -> Result<i64, crate::error::FieldError> {
    let d = crate::mobilization::parse_day(field, s)?;
    let y: i32 = d[0..4].parse().unwrap_or(1970);
    let m: u32 = d[5..7].parse().unwrap_or(1);
    let dd: u32 = d[8..10].parse().unwrap_or(1);
    Ok(crate::calendar::days_from_civil(y, m, dd))
}

/// `YYYY-MM-DD` of a China day.
pub fn day_text(day: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A period of whole China days from the form's `from` and `to` (both kept; empty: today), as
/// [start, end) in milliseconds, with the days. At most 366 days.
pub fn period(from: &str, to: &str, now: i64) -> crate::error::AppResult<(i64, i64, i64, i64)> {
    let today = china_day(now);
    let mut c = Vec::new();
    let f = if from.trim().is_empty() {
        Some(today)
    } else {
        parse_day("from", from).map_err(|e| c.push(e)).ok()
    };
    let t = if to.trim().is_empty() {
        f.map(|f| f.max(today)).or(Some(today))
    } else {
        parse_day("to", to).map_err(|e| c.push(e)).ok()
    };
    if let (Some(f), Some(t)) = (f, t) {
        if t < f || t - f > 366 {
            c.push(crate::error::FieldError::new(
                "to",
                "the last day must be on or after the first, at most a year later",
                "结束日期须不早于开始日期，且相隔不超过一年",
            ));
        }
    }
    if !c.is_empty() {
        return Err(crate::error::AppError::Invalid(c));
    }
    let (f, t) = (f.expect("checked"), t.expect("checked"));
    Ok((day_start(f), day_start(t + 1), f, t))
}

/// How many checkpoints lie under the area at `path` (none: the overview shows its
/// checkpoint figures as absent).
pub async fn count_under(db: &Db, path: &str) -> AppResult<i64> {
    Ok(db
        .scalar(
            "SELECT COUNT(*) AS n FROM checkpoints c JOIN places p ON p.id = c.place_id \
             WHERE p.path >= $1 AND p.path < $2",
            vec![Value::from(path), Value::from(path_end(path))],
        )
        .await?)
}
