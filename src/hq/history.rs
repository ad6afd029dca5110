//! The overview's history: each area's figures per China day in `hq_daily`, written by a
//! background task ([`run`]: every 10 minutes for today, and once more for a day just ended),
//! read back for the 14-day charts and the change since yesterday.

use std::collections::{BTreeMap, BTreeSet};

use super::metrics::{self, day_of, Figure, METRICS};
use crate::args;
use crate::db::{now_ms, placeholders, Db, Value};
use crate::error::AppResult;
use crate::registry::areas::{self, Area};

/// One stored figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub area_id: i64,
    pub day: i64,
    pub metric: String,
    pub value: Option<i64>,
}
crate::from_row!(Stored {
    area_id,
    day,
    metric,
    value
});

/// Store an area's figures for a day (replacing what was stored).
pub async fn store(db: &Db, area_id: i64, day: i64, figs: &[Figure]) -> AppResult<()> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM hq_daily WHERE area_id = $1 AND day = $2",
        args![area_id, day],
    )
    .await?;
    for f in figs {
        tx.execute(
            "INSERT INTO hq_daily (area_id, day, metric, value, updated_ms) VALUES ($1, $2, $3, $4, $5)",
            args![area_id, day, f.key, f.value, now],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Compute and store an area's figures for a day; returns them.
pub async fn record(db: &Db, area: &Area, day: i64) -> AppResult<Vec<Figure>> {
    let figs = metrics::figures_of(db, area, day, now_ms()).await?;
    store(db, area.id, day, &figs).await?;
    Ok(figs)
}

/// The stored figures of `areas` for the days `[from, to]`: area → day → metric → value.
pub type Series = BTreeMap<i64, BTreeMap<i64, BTreeMap<String, Option<i64>>>>;

pub async fn series(db: &Db, area_ids: &[i64], from: i64, to: i64) -> AppResult<Series> {
    let mut out = Series::new();
    for chunk in area_ids.chunks(500) {
        let mut params: Vec<Value> = vec![Value::from(from), Value::from(to)];
        params.extend(chunk.iter().map(|&id| Value::from(id)));
        let rows: Vec<Stored> = db
            .query_as(
                &format!(
                    "SELECT area_id, day, metric, value FROM hq_daily \
                     WHERE day >= $1 AND day <= $2 AND area_id IN ({})",
                    placeholders(3, chunk.len())
                ),
                params,
            )
            .await?;
        for s in rows {
            out.entry(s.area_id)
                .or_default()
                .entry(s.day)
                .or_default()
                .insert(s.metric, s.value);
        }
    }
    Ok(out)
}

/// The areas whose history is kept: every community/village with residents, and the street
/// and district (county) above each.
pub async fn tracked_areas(db: &Db) -> AppResult<Vec<Area>> {
    let paths: Vec<String> = db
        .column(
            "SELECT path FROM community_counts WHERE residents > 0",
            args![],
        )
        .await?;
    let mut ids = BTreeSet::new();
    for p in &paths {
        for n in [6, 9, 12] {
            if let Some(id) = p.get(..n).and_then(|c| c.parse::<i64>().ok()) {
                ids.insert(id);
            }
        }
    }
    let mut out = Vec::new();
    for id in ids {
        if let Some(a) = areas::by_id(db, id).await? {
            out.push(a);
        }
    }
    Ok(out)
}

/// Record today's figures of every tracked area (and `also_day`'s, for a day just ended).
pub async fn refresh(db: &Db, day: i64) -> AppResult<usize> {
    let all = tracked_areas(db).await?;
    for a in &all {
        record(db, a, day).await?;
    }
    Ok(all.len())
}

/// Back-fill the last `days` days (before today) of every tracked area that has no row for
/// them (the demo's first start): event figures are the day's; states are today's.
pub async fn backfill(db: &Db, today: i64, days: i64) -> AppResult<usize> {
    let all = tracked_areas(db).await?;
    let mut n = 0;
    for a in &all {
        for d in today - days..today {
            let have: i64 = db
                .scalar(
                    "SELECT COUNT(*) AS n FROM hq_daily WHERE area_id = $1 AND day = $2",
                    args![a.id, d],
                )
                .await?;
            if have == 0 {
                record(db, a, d).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The background task: every 10 minutes record today's figures; when the day turns, record
/// the day that ended once more (its figures as of its end).
pub async fn run(db: Db) {
    let mut last_day = day_of(now_ms());
    loop {
        let today = day_of(now_ms());
        if today != last_day {
            if let Err(e) = refresh(&db, last_day).await {
                tracing::warn!("hq: recording the day that ended failed: {e}");
            }
            last_day = today;
        }
        match refresh(&db, today).await {
            Ok(n) => tracing::debug!("hq: figures of {n} areas recorded"),
            Err(e) => tracing::warn!("hq: recording the figures failed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

/// Metric keys, for checks.
pub fn keys() -> Vec<&'static str> {
    METRICS.iter().map(|m| m.key).collect()
}
