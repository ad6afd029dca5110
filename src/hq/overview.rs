//! The overview of an area: every metric now, its change since yesterday and its last 14 days
//! (stored rows of `hq_daily`), and the child areas ranked by what lags.

use std::collections::BTreeMap;

use serde::Serialize;

use super::history;
use super::metrics::{day_of, Figure, Unit, METRICS};
use crate::access::Reader;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::registry::areas::{self, Area};

/// Days a sparkline covers (today included).
pub const DAYS: i64 = 14;

/// One figure of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub key: &'static str,
    pub unit: Unit,
    pub scale: u32,
    /// None: absent.
    pub value: Option<i64>,
    /// Yesterday's stored value (None: absent or not recorded).
    pub yesterday: Option<i64>,
    /// `value - yesterday` when both are present.
    pub change: Option<i64>,
    pub link: String,
    pub headline: bool,
    /// The last [`DAYS`] days, oldest first (today last).
    pub days: Vec<Option<i64>>,
}

/// A child area with its headline figures (today's stored row) and why it lags.
#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub figures: BTreeMap<&'static str, Option<i64>>,
    /// 1 = lags most.
    pub rank: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub area: Area,
    /// The China day (days since 1970-01-01).
    pub day: i64,
    pub date: String,
    pub lines: Vec<Line>,
    pub children: Vec<ChildRow>,
}

/// The area an overview is asked for: the code, or the reader's first scope root; inside the
/// reader's HQ scope, else not found.
pub async fn area_in_scope(db: &Db, r: &Reader, code: &str) -> AppResult<Area> {
    super::require_read(r)?;
    let scope = super::scope(r);
    let a = match code.trim() {
        "" => match scope.roots.first() {
            Some(p) => areas::by_path(db, p).await?,
            None => None,
        },
        c => areas::by_code(db, c).await?,
    };
    a.filter(|a| scope.contains(&a.path))
        .ok_or(AppError::NotFound)
}

fn date_text(day: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// How much a child lags: a lower round coverage first (absent last), then more late needs,
/// then more people missing from the round.
fn lag_key(f: &BTreeMap<&'static str, Option<i64>>) -> (i64, i64, i64) {
    let g = |k: &str| f.get(k).copied().flatten();
    (
        g("round_coverage").unwrap_or(i64::MAX),
        -g("needs_late").unwrap_or(0),
        -g("round_missing").unwrap_or(0),
    )
}

/// The overview of `area` now: today's figures computed (and stored), the history read.
pub async fn overview(db: &Db, area: &Area) -> AppResult<Overview> {
    let now = now_ms();
    let today = day_of(now);
    let figs: Vec<Figure> = history::record(db, area, today).await?;
    let kids = areas::children(db, area, None, 500).await?;
    let mut ids: Vec<i64> = vec![area.id];
    ids.extend(kids.iter().map(|k| k.area.id));
    let series = history::series(db, &ids, today - DAYS + 1, today).await?;
    let empty = BTreeMap::new();
    let mine = series.get(&area.id).unwrap_or(&empty);
    let lines = METRICS
        .iter()
        .zip(&figs)
        .map(|(m, f)| {
            let stored = |d: i64| {
                mine.get(&d)
                    .and_then(|row| row.get(m.key).copied())
                    .flatten()
            };
            let yesterday = stored(today - 1);
            let days = (today - DAYS + 1..=today)
                .map(|d| if d == today { f.value } else { stored(d) })
                .collect();
            Line {
                key: m.key,
                unit: m.unit,
                scale: m.scale,
                value: f.value,
                yesterday,
                change: f.value.zip(yesterday).map(|(a, b)| a - b),
                link: (m.link)(area.id),
                headline: m.headline,
                days,
            }
        })
        .collect();
    // Each child's latest stored row (today's, which the background task records every 10
    // minutes for every area with residents, else the latest of the 14 days): one read for
    // all children, none computed here. A child with no row at all shows its figures absent.
    let mut children = Vec::new();
    for k in &kids {
        let latest = series.get(&k.area.id).and_then(|s| s.values().next_back());
        let row = METRICS
            .iter()
            .filter(|m| m.headline)
            .map(|m| {
                (
                    m.key,
                    latest.and_then(|row| row.get(m.key).copied().flatten()),
                )
            })
            .collect();
        children.push(ChildRow {
            code: k.area.code.clone(),
            name: k.area.name.clone(),
            figures: row,
            rank: 0,
        });
    }
    children.sort_by_key(|c| lag_key(&c.figures));
    for (i, c) in children.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    Ok(Overview {
        area: area.clone(),
        day: today,
        date: date_text(today),
        lines,
        children,
    })
}
