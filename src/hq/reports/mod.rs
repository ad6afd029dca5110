//! Reports with cut-offs. The catalogue (`reports.toml`, embedded) defines each report once as
//! metric keys by area rows, with layouts (column order, headers) as data. At the cut-off
//! (default 10:00 China time, setting `hq.cutoff`) the sweep computes each report for every
//! top area and **locks** it: the rows are stored as canonical JSON with a SHA-256 over them
//! (table `hq_snapshots`, revision 0) and an audit entry. A correction never changes a
//! snapshot: it stores the next revision, and the page shows what differs. A value `null` is
//! "not reported" (the capability has nothing there), apart from zero.

pub mod api;
pub mod demo;
pub mod export;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::hq::metrics;
use crate::i18n::Msg;
use crate::registry::areas::{self, Area, AREA_COLS};

#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    pub report: Vec<Report>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Report {
    pub key: String,
    pub title_zh: String,
    pub title_en: String,
    /// "community" or "street": the rows under the snapshot's area.
    pub rows: String,
    pub metrics: Vec<String>,
    pub layout: Vec<Layout>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Layout {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// [metric key, Chinese header, English header], in the layout's order.
    pub columns: Vec<[String; 3]>,
}

impl Report {
    pub fn title(&self, l: crate::i18n::Lang) -> &str {
        match l {
            crate::i18n::Lang::Zh => &self.title_zh,
            crate::i18n::Lang::En => &self.title_en,
        }
    }
    pub fn layout(&self, key: &str) -> Option<&Layout> {
        self.layout
            .iter()
            .find(|l| l.key == key)
            .or(self.layout.first())
    }
    pub fn row_level(&self) -> i64 {
        match self.rows.as_str() {
            "street" => crate::registry::model::LEVEL_STREET,
            _ => crate::registry::model::LEVEL_COMMUNITY,
        }
    }
}

pub const CATALOGUE_TOML: &str = include_str!("reports.toml");

/// The catalogue, parsed once (its validity is a unit test).
pub fn catalogue() -> &'static [Report] {
    static C: OnceLock<Vec<Report>> = OnceLock::new();
    C.get_or_init(|| {
        toml::from_str::<Catalogue>(CATALOGUE_TOML)
            .map(|c| c.report)
            .unwrap_or_default()
    })
}

pub fn report(key: &str) -> Option<&'static Report> {
    catalogue().iter().find(|r| r.key == key)
}

// ---- The cut-off ----

pub const DEFAULT_CUTOFF: &str = "10:00";

/// Minutes after midnight (China time) of an `HH:MM`.
pub fn parse_cutoff(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) && m.to_string().len() <= 2).then_some(h * 60 + m)
}

/// The cut-off time of day (`HH:MM`, China time): the setting `hq.cutoff`, else 10:00.
pub async fn cutoff(db: &Db) -> AppResult<String> {
    let v: Option<String> = db
        .scalar_opt(
            "SELECT value FROM settings WHERE key = 'hq.cutoff'",
            args![],
        )
        .await?;
    Ok(v.filter(|v| parse_cutoff(v).is_some())
        .unwrap_or_else(|| DEFAULT_CUTOFF.to_owned()))
}

/// Set the cut-off (HQ and admins), audited.
pub async fn set_cutoff(db: &Db, r: &Reader, actor: &Actor, value: &str) -> AppResult<()> {
    require_hq(r)?;
    let Some(mins) = parse_cutoff(value) else {
        return Err(FieldError::new(
            "cutoff",
            "the cut-off is a time of day, HH:MM",
            "截止时间应为“时:分”",
        )
        .into());
    };
    let v = format!("{:02}:{:02}", mins / 60, mins % 60);
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('hq.cutoff', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        args![v.clone()],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("report_cutoff_set", "settings", 0).detail(json!({"cutoff": v})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub fn require_hq(r: &Reader) -> AppResult<()> {
    if matches!(r.role.as_str(), "hq" | "admin") {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "reports are locked and corrected by headquarters",
            "报表由指挥部锁定和更正",
        )))
    }
}

// ---- Snapshots ----

/// One row of a snapshot: an area and its values in the report's metric order (`None`: not
/// reported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub area_id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    pub values: Vec<Option<i64>>,
}

/// The stored content: what the hash is over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub report: String,
    pub day: String,
    pub area: String,
    pub metrics: Vec<String>,
    pub rows: Vec<Row>,
}

impl Content {
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("content serialises")
    }
}

pub fn sha256_hex(s: &str) -> String {
    crate::hex::hex(&Sha256::digest(s.as_bytes()))
}

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub report: String,
    pub day: i64,
    pub area_id: i64,
    pub path: String,
    pub revision: i64,
    #[serde(skip)]
    pub content: String,
    pub sha256: String,
    pub locked_ms: i64,
    pub locked_by: String,
    pub reason: String,
}
crate::from_row!(Snapshot {
    id,
    report,
    day,
    area_id,
    path,
    revision,
    content,
    sha256,
    locked_ms,
    locked_by,
    reason
});

const SNAP_COLS: &str =
    "id, report, day, area_id, path, revision, content, sha256, locked_ms, locked_by, reason";

impl Snapshot {
    /// Does the stored hash match the stored content?
    pub fn verified(&self) -> bool {
        sha256_hex(&self.content) == self.sha256
    }
    pub fn parsed(&self) -> AppResult<Content> {
        serde_json::from_str(&self.content)
            .map_err(|e| AppError::Internal(format!("snapshot {} content: {e}", self.id)))
    }
}

/// The rows' areas under `area` at the report's row level, in code order.
pub async fn row_areas(db: &Db, area: &Area, level: i64) -> AppResult<Vec<Area>> {
    if area.level >= level {
        return Ok(vec![area.clone()]);
    }
    Ok(db
        .query_as::<Area>(
            &format!(
                "SELECT {AREA_COLS} FROM areas WHERE path >= $1 AND path < $2 AND level = $3 \
                 ORDER BY code"
            ),
            args![area.path.clone(), path_end(&area.path), level],
        )
        .await?)
}

/// Compute a report's content for an area on a day (as the figures stand now for that day).
pub async fn compute(db: &Db, rep: &Report, area: &Area, day: i64) -> AppResult<Content> {
    let mut rows = Vec::new();
    for a in row_areas(db, area, rep.row_level()).await? {
        let figs = metrics::figures(db, a.id, day).await?;
        let values = rep
            .metrics
            .iter()
            .map(|k| figs.iter().find(|f| f.key == k).and_then(|f| f.value))
            .collect();
        rows.push(Row {
            area_id: a.id,
            code: a.code,
            name: a.name,
            path: a.path,
            values,
        });
    }
    Ok(Content {
        report: rep.key.clone(),
        day: crate::mobilization::rules::ymd(day),
        area: area.code.clone(),
        metrics: rep.metrics.clone(),
        rows,
    })
}

/// The latest revision of a report's snapshot for an area and day.
pub async fn latest(db: &Db, report: &str, day: i64, area_id: i64) -> AppResult<Option<Snapshot>> {
    Ok(db
        .query_opt_as::<Snapshot>(
            &format!(
                "SELECT {SNAP_COLS} FROM hq_snapshots WHERE report = $1 AND day = $2 \
                 AND area_id = $3 ORDER BY revision DESC LIMIT 1"
            ),
            args![report, day, area_id],
        )
        .await?)
}

pub async fn by_id(db: &Db, id: i64) -> AppResult<Option<Snapshot>> {
    Ok(db
        .query_opt_as::<Snapshot>(
            &format!("SELECT {SNAP_COLS} FROM hq_snapshots WHERE id = $1"),
            args![id],
        )
        .await?)
}

/// A snapshot the reader may see: its area in the reader's scope, or the reader's areas under
/// it (then only their rows are shown: see [`visible_rows`]).
pub fn readable(r: &Reader, s: &Snapshot) -> bool {
    let scope = crate::hq::scope(r);
    scope.contains(&s.path) || scope.roots.iter().any(|p| p.starts_with(&s.path))
}

/// The rows of a snapshot within the reader's scope.
pub fn visible_rows(r: &Reader, c: &Content) -> Vec<Row> {
    let scope = crate::hq::scope(r);
    c.rows
        .iter()
        .filter(|row| scope.contains(&row.path))
        .cloned()
        .collect()
}

pub async fn get_readable(db: &Db, r: &Reader, id: i64) -> AppResult<Snapshot> {
    crate::hq::require_read(r)?;
    by_id(db, id)
        .await?
        .filter(|s| readable(r, s))
        .ok_or(AppError::NotFound)
}

/// Snapshots the reader may see, newest first.
pub async fn list(db: &Db, r: &Reader, limit: i64) -> AppResult<Vec<Snapshot>> {
    crate::hq::require_read(r)?;
    let all = db
        .query_as::<Snapshot>(
            &format!(
                "SELECT {SNAP_COLS} FROM hq_snapshots ORDER BY day DESC, report, area_id, \
                 revision DESC LIMIT $1"
            ),
            args![limit * 4],
        )
        .await?;
    Ok(all
        .into_iter()
        .filter(|s| readable(r, s))
        .take(limit as usize)
        .collect())
}

/// All revisions of a snapshot's report, area and day, oldest first.
pub async fn revisions(db: &Db, s: &Snapshot) -> AppResult<Vec<Snapshot>> {
    Ok(db
        .query_as::<Snapshot>(
            &format!(
                "SELECT {SNAP_COLS} FROM hq_snapshots WHERE report = $1 AND day = $2 \
                 AND area_id = $3 ORDER BY revision"
            ),
            args![s.report.clone(), s.day, s.area_id],
        )
        .await?)
}

#[allow(clippy::too_many_arguments)]
async fn store(
    db: &Db,
    actor: &Actor,
    area: &Area,
    c: &Content,
    day: i64,
    revision: i64,
    reason: &str,
    now: i64,
) -> AppResult<Option<i64>> {
    let body = c.canonical();
    let hash = sha256_hex(&body);
    let mut tx = db.begin().await?;
    let id: Option<i64> = tx
        .query_opt(
            "INSERT INTO hq_snapshots (report, day, area_id, path, revision, content, sha256, \
             locked_ms, locked_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (report, day, area_id, revision) DO NOTHING RETURNING id",
            args![
                c.report.clone(),
                day,
                area.id,
                area.path.clone(),
                revision,
                body,
                hash.clone(),
                now,
                actor.username.clone(),
                reason
            ],
        )
        .await?
        .map(|r| r.get("id"))
        .transpose()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let action = if revision == 0 {
        "snapshot_locked"
    } else {
        "snapshot_revised"
    };
    audit::record(
        &mut tx,
        actor,
        Event::new(action, "snapshot", id)
            .area(&area.path)
            .detail(json!({
                "report": c.report,
                "day": c.day,
                "revision": revision,
                "sha256": hash,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Lock a report for an area and day: revision 0, once (a second call finds it locked and
/// returns the existing snapshot).
pub async fn lock(
    db: &Db,
    actor: &Actor,
    rep: &Report,
    area: &Area,
    day: i64,
    now: i64,
) -> AppResult<Snapshot> {
    if let Some(s) = latest(db, &rep.key, day, area.id).await? {
        return Ok(s);
    }
    let c = compute(db, rep, area, day).await?;
    store(db, actor, area, &c, day, 0, "", now).await?;
    latest(db, &rep.key, day, area.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Correct a locked snapshot: recompute the day's figures and store them as the next revision
/// with the reason, when they differ (else none).
pub async fn correct(
    db: &Db,
    r: &Reader,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: i64,
) -> AppResult<Option<Snapshot>> {
    require_hq(r)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(
            FieldError::new("reason", "a correction states its reason", "更正须说明原因").into(),
        );
    }
    let s = get_readable(db, r, id).await?;
    let rep = report(&s.report).ok_or(AppError::NotFound)?;
    let area = areas::by_id(db, s.area_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let last = latest(db, &s.report, s.day, s.area_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = compute(db, rep, &area, s.day).await?;
    if c == last.parsed()? {
        return Ok(None);
    }
    store(db, actor, &area, &c, s.day, last.revision + 1, reason, now).await?;
    latest(db, &s.report, s.day, s.area_id).await
}

/// A value that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub code: String,
    pub name: String,
    pub metric: String,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// What differs from `a` to `b` (rows matched by area code).
pub fn diff(a: &Content, b: &Content) -> Vec<Change> {
    let mut out = Vec::new();
    for rb in &b.rows {
        let ra = a.rows.iter().find(|r| r.code == rb.code);
        for (i, m) in b.metrics.iter().enumerate() {
            let after = rb.values.get(i).copied().flatten();
            let before = ra.and_then(|ra| {
                a.metrics
                    .iter()
                    .position(|x| x == m)
                    .and_then(|j| ra.values.get(j).copied().flatten())
            });
            if before != after {
                out.push(Change {
                    code: rb.code.clone(),
                    name: rb.name.clone(),
                    metric: m.clone(),
                    before,
                    after,
                });
            }
        }
    }
    out
}

/// The areas the sweep locks reports for: the top areas of the tree.
pub async fn top_areas(db: &Db) -> AppResult<Vec<Area>> {
    Ok(db
        .query_as::<Area>(
            &format!("SELECT {AREA_COLS} FROM areas WHERE parent_id IS NULL ORDER BY code"),
            args![],
        )
        .await?)
}

/// The sweep: once today's cut-off has passed, lock every report for every top area (each
/// once). Returns the snapshots newly locked.
pub async fn sweep(db: &Db, now: i64) -> AppResult<usize> {
    let mins = parse_cutoff(&cutoff(db).await?).unwrap_or(600);
    let day = crate::hq::briefing::day_of(now);
    let since_midnight = (now + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    if since_midnight < mins {
        return Ok(0);
    }
    let actor = Actor {
        account_id: None,
        username: "cut-off".into(),
        ip: "local".into(),
    };
    let mut n = 0;
    for area in top_areas(db).await? {
        for rep in catalogue() {
            if latest(db, &rep.key, day, area.id).await?.is_none() {
                lock(db, &actor, rep, &area, day, now).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The sweep every minute, for the server.
pub async fn run_sweep(db: Db) {
    loop {
        if let Err(e) = sweep(&db, crate::db::now_ms()).await {
            tracing::warn!("report cut-off sweep failed: {e}");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A value as written in a cell: scaled decimals; "not reported" apart from zero.
pub fn cell(v: Option<i64>, scale: u32, not_reported: &str) -> String {
    match v {
        None => not_reported.to_owned(),
        Some(v) if scale == 0 => v.to_string(),
        Some(v) => {
            let p = 10i64.pow(scale);
            let sign = if v < 0 { "-" } else { "" };
            let a = v.abs();
            format!("{sign}{}.{:0w$}", a / p, a % p, w = scale as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_every_column_is_a_metric_of_its_report() {
        let c = catalogue();
        assert!(c.len() >= 2);
        for r in c {
            assert!(!r.layout.is_empty(), "{}", r.key);
            for m in &r.metrics {
                assert!(metrics::metric(m).is_some(), "{}: {m}", r.key);
            }
            for l in &r.layout {
                for col in &l.columns {
                    assert!(
                        r.metrics.contains(&col[0]),
                        "{}/{}: {}",
                        r.key,
                        l.key,
                        col[0]
                    );
                }
            }
        }
    }

    #[test]
    fn cutoffs_and_cells() {
        assert_eq!(parse_cutoff("10:00"), Some(600));
        assert_eq!(parse_cutoff("09:30"), Some(570));
        assert_eq!(parse_cutoff("24:00"), None);
        assert_eq!(parse_cutoff("ten"), None);
        assert_eq!(cell(None, 0, "未报"), "未报");
        assert_eq!(cell(Some(0), 0, "未报"), "0");
        assert_eq!(cell(Some(963), 1, "-"), "96.3");
        assert_eq!(cell(Some(1005), 2, "-"), "10.05");
    }

    #[test]
    fn diff_lists_changed_values_and_reported_vs_not() {
        let row = |v: Vec<Option<i64>>| Row {
            area_id: 1,
            code: "c1".into(),
            name: "一社区".into(),
            path: "p".into(),
            values: v,
        };
        let a = Content {
            report: "r".into(),
            day: "2026-12-03".into(),
            area: "d".into(),
            metrics: vec!["x".into(), "y".into()],
            rows: vec![row(vec![Some(0), None])],
        };
        let mut b = a.clone();
        b.rows[0].values = vec![Some(0), Some(0)];
        let d = diff(&a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].metric.as_str(), d[0].before, d[0].after),
            ("y", None, Some(0))
        );
        assert_ne!(sha256_hex(&a.canonical()), sha256_hex(&b.canonical()));
    }
}
