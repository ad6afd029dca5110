//! The figures of the pass log, read from the tallies (`pass_tallies`, one row per checkpoint ×
//! checker × shift × hour, and `pass_day_tallies`, the same by China day; both kept in the
//! transaction of every write and never purged): per checkpoint by checker, by shift and by
//! hour, and totals by area for any period. Whole days come from the day tallies and only the
//! hours at either end of a period from the hourly ones, so a read sums a few hundred rows
//! whatever the size of the log, and stays after the entries are gone.

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

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.people += o.people;
        self.n_in += o.n_in;
        self.n_out += o.n_out;
        self.n_through += o.n_through;
        self.vehicles += o.vehicles;
        self.visitors += o.visitors;
        self.passed += o.passed;
        self.returned += o.returned;
        self.quarantine += o.quarantine;
        self.medical += o.medical;
        self.overrides += o.overrides;
        self.fever += o.fever;
    }
}

/// Whose tallies: one checkpoint, or every checkpoint in an area (its subtree).
enum Of<'a> {
    Place(i64),
    Area(&'a str),
}

impl Of<'_> {
    /// The condition (from `$1`) and its parameters.
    fn cond(&self) -> (&'static str, Vec<Value>) {
        match self {
            Of::Place(id) => ("place_id = $1", vec![Value::Int(*id)]),
            Of::Area(path) => (
                "path >= $1 AND path < $2",
                vec![Value::from(*path), Value::from(path_end(path))],
            ),
        }
    }
}

/// A period cut for reading: the whole China days [d0, d1) if any, and the hour ranges
/// [a, b) (milliseconds) around them.
pub type Split = (Option<(i64, i64)>, Vec<(i64, i64)>);

/// [from, to) cut into the whole China days inside it (read from `pass_day_tallies`) and the
/// hours before and after them (read from `pass_tallies`).
pub fn split(from: i64, to: i64) -> Split {
    let from = floor(from);
    let mut d0 = china_day(from);
    if day_start(d0) < from {
        d0 += 1;
    }
    let d1 = china_day(to);
    if d0 >= d1 {
        return (None, vec![(from, to)]);
    }
    let hours = [(from, day_start(d0)), (day_start(d1), to)]
        .into_iter()
        .filter(|(a, b)| a < b)
        .collect();
    (Some((d0, d1)), hours)
}

/// The sums of `of`'s tallies over [from, to), grouped by `col` (`None`: one group, key 0):
/// whole days from the day tallies, the hours at either end from the hourly ones.
async fn sums(db: &Db, of: Of<'_>, col: Option<&str>, from: i64, to: i64) -> AppResult<Vec<Group>> {
    let (cond, base) = of.cond();
    let n = base.len();
    let (days, hours) = split(from, to);
    let mut parts: Vec<(&str, &str, i64, i64)> = Vec::new();
    if let Some((d0, d1)) = days {
        parts.push(("pass_day_tallies", "day", d0, d1));
    }
    for (a, b) in hours {
        parts.push(("pass_tallies", "hour_ms", a, b));
    }
    let mut out: std::collections::BTreeMap<i64, Figures> = Default::default();
    if col.is_none() {
        out.insert(0, Figures::default());
    }
    for (table, at, a, b) in parts {
        let (key, group) = match col {
            Some(c) => (c.to_owned(), format!(" GROUP BY {c}")),
            None => ("CAST(0 AS BIGINT)".to_owned(), String::new()),
        };
        let mut args = base.clone();
        args.extend([Value::Int(a), Value::Int(b)]);
        let rows: Vec<Group> = db
            .query_as(
                &format!(
                    "SELECT {key} AS k, {SUMS} FROM {table} WHERE {cond} AND {at} >= ${} \
                     AND {at} < ${}{group}",
                    n + 1,
                    n + 2
                ),
                args,
            )
            .await?;
        for g in rows {
            out.entry(g.key).or_default().add(&g.figures);
        }
    }
    Ok(out
        .into_iter()
        .map(|(key, figures)| Group { key, figures })
        .collect())
}

/// A checkpoint's totals over [from, to) (hours starting in it).
pub async fn of_checkpoint(db: &Db, place_id: i64, from: i64, to: i64) -> AppResult<Figures> {
    let mut g = sums(db, Of::Place(place_id), None, from, to).await?;
    Ok(g.pop().map(|g| g.figures).unwrap_or_default())
}

/// A checkpoint's figures over [from, to), grouped.
pub async fn grouped(db: &Db, place_id: i64, by: By, from: i64, to: i64) -> AppResult<Vec<Group>> {
    match by {
        By::Checker => sums(db, Of::Place(place_id), Some("account_id"), from, to).await,
        By::Shift => sums(db, Of::Place(place_id), Some("shift_id"), from, to).await,
        By::Hour => Ok(db
            .query_as(
                &format!(
                    "SELECT hour_ms AS k, {SUMS} FROM pass_tallies WHERE place_id = $1 \
                     AND hour_ms >= $2 AND hour_ms < $3 GROUP BY hour_ms ORDER BY hour_ms"
                ),
                crate::args![place_id, floor(from), to],
            )
            .await?),
    }
}

/// Totals of every checkpoint in an area (its subtree) over [from, to).
pub async fn of_area(db: &Db, path: &str, from: i64, to: i64) -> AppResult<Figures> {
    let mut g = sums(db, Of::Area(path), None, from, to).await?;
    Ok(g.pop().map(|g| g.figures).unwrap_or_default())
}

/// The area's checkpoints, each with its totals over [from, to) (key: the place id).
pub async fn by_checkpoint(db: &Db, path: &str, from: i64, to: i64) -> AppResult<Vec<Group>> {
    sums(db, Of::Area(path), Some("place_id"), from, to).await
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
