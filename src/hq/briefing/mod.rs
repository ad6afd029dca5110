//! The daily briefing (简报): the text of an area's work and state, in Chinese and English,
//! written from the same figures as the overview ([`crate::hq::metrics::figures`]); issuing
//! one stores it (table `hq_briefings`) and is audited, so the next says what changed.
//! The text's rules are in [`text`], the number conventions in [`numbers`].

pub mod api;
pub mod numbers;
pub mod text;

use serde::Serialize;
use serde_json::json;

use self::text::{Facts, Lag, Moment, Paragraph, Period};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::hq::metrics::{self, Figure, Span};
use crate::registry::areas::{self, Area};

const DAY_MS: i64 = 86_400_000;
const CST_MS: i64 = 8 * 3_600_000;

/// The day number (China time) of a moment.
pub use crate::calendar::china_day as day_of;

/// Month, day and hour (China time) of a moment.
pub fn moment(ms: i64) -> Moment {
    let day = day_of(ms);
    let (_, month, day) = crate::calendar::civil_from_days(day);
    let hour = ((ms + CST_MS).rem_euclid(DAY_MS) / 3_600_000) as u32;
    Moment { month, day, hour }
}

/// A briefing as generated (not yet issued, or as issued).
#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub area: Area,
    pub period: Period,
    pub as_of_ms: i64,
    /// The figures the text is written from: over a day or a week, totals are their growth.
    pub figures: Vec<Figure>,
    pub zh: Vec<Paragraph>,
    pub en: Vec<Paragraph>,
    pub lagging: Vec<Lag>,
    /// The previous issued briefing of the area and period compared with, if any.
    pub previous: Option<Issued>,
}

impl Briefing {
    pub fn text_zh(&self) -> String {
        text::plain(&self.zh)
    }
    pub fn text_en(&self) -> String {
        text::plain(&self.en)
    }
}

/// An issued briefing, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    pub id: i64,
    pub area_id: i64,
    pub period: String,
    pub issued_ms: i64,
    pub issued_by: String,
    pub text_zh: String,
    pub text_en: String,
    #[serde(skip)]
    pub figures: String,
}
crate::from_row!(Issued {
    id,
    area_id,
    period,
    issued_ms,
    issued_by,
    text_zh,
    text_en,
    figures
});

const ISSUED_COLS: &str = "id, area_id, period, issued_ms, issued_by, text_zh, text_en, figures";

/// Figures as stored: a JSON object of key → value (null: absent).
pub fn figures_json(fs: &[Figure]) -> String {
    let mut m = serde_json::Map::new();
    for f in fs {
        m.insert(f.key.to_owned(), json!(f.value));
    }
    serde_json::Value::Object(m).to_string()
}

/// Figures back from their JSON (keys no longer in the vocabulary are dropped).
pub fn figures_from_json(s: &str) -> Vec<Figure> {
    let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
    let Some(obj) = v.as_object() else {
        return Vec::new();
    };
    metrics::METRICS
        .iter()
        .filter_map(|m| {
            let v = obj.get(m.key)?;
            Some(Figure {
                key: m.key,
                value: v.as_i64(),
                scale: m.scale,
                unit: m.unit,
            })
        })
        .collect()
}

/// An area the reader may brief: by code, or the reader's first area.
pub async fn area_in_scope(db: &Db, r: &Reader, code: &str) -> AppResult<Area> {
    crate::hq::require_read(r)?;
    let scope = crate::hq::scope(r);
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

/// The figures of an area over a period ending on `day`: states as they are, totals as
/// their growth since the end of the day before the period (all: as they are).
pub async fn period_figures(
    db: &Db,
    area_id: i64,
    period: Period,
    day: i64,
) -> AppResult<Vec<Figure>> {
    let now = metrics::figures(db, area_id, day).await?;
    let Some(n) = period.days() else {
        return Ok(now);
    };
    let before = metrics::figures(db, area_id, day - n).await?;
    Ok(now
        .into_iter()
        .map(|mut f| {
            let total = metrics::metric(f.key).is_some_and(|m| m.span == Span::Total);
            if total {
                let b = before.iter().find(|b| b.key == f.key).and_then(|b| b.value);
                f.value = match (f.value, b) {
                    (Some(v), Some(b)) => Some(v - b),
                    (Some(v), None) => Some(v),
                    (None, _) => None,
                };
            }
            f
        })
        .collect())
}

/// The last issued briefing of an area and period.
pub async fn last_issued(db: &Db, area_id: i64, period: Period) -> AppResult<Option<Issued>> {
    Ok(db
        .query_opt_as::<Issued>(
            &format!(
                "SELECT {ISSUED_COLS} FROM hq_briefings WHERE area_id = $1 AND period = $2 \
                 ORDER BY issued_ms DESC, id DESC LIMIT 1"
            ),
            args![area_id, period.as_str()],
        )
        .await?)
}

/// Issued briefings of an area, newest first.
pub async fn issued_list(db: &Db, area_id: i64, limit: i64) -> AppResult<Vec<Issued>> {
    Ok(db
        .query_as::<Issued>(
            &format!(
                "SELECT {ISSUED_COLS} FROM hq_briefings WHERE area_id = $1 \
                 ORDER BY issued_ms DESC, id DESC LIMIT $2"
            ),
            args![area_id, limit],
        )
        .await?)
}

/// Generate the briefing of `area` over `period` as of `now` (not stored).
pub async fn generate(db: &Db, area: &Area, period: Period, now: i64) -> AppResult<Briefing> {
    let day = day_of(now);
    let figures = period_figures(db, area.id, period, day).await?;
    // Children that lag: their current state figures.
    let kids = areas::children(db, area, None, 500).await?;
    let mut child_figs = Vec::with_capacity(kids.len());
    for c in kids {
        let fs = metrics::figures(db, c.area.id, day).await?;
        child_figs.push((c.area.id, c.area.name, fs));
    }
    let lagging = text::pick_lagging(&child_figs);
    let previous = last_issued(db, area.id, period).await?;
    let prev_figs = previous
        .as_ref()
        .map(|p| (moment(p.issued_ms), figures_from_json(&p.figures)));
    let from = period.days().map(|n| moment((day - n + 1) * DAY_MS));
    let facts = Facts {
        area: area.id,
        level: area.level,
        period,
        as_of: moment(now),
        from,
        figures: &figures,
        previous: prev_figs.as_ref().map(|(m, f)| (*m, f.as_slice())),
        lagging: &lagging,
    };
    let zh = text::compose(&facts, crate::i18n::Lang::Zh);
    let en = text::compose(&facts, crate::i18n::Lang::En);
    Ok(Briefing {
        area: area.clone(),
        period,
        as_of_ms: now,
        figures,
        zh,
        en,
        lagging,
        previous,
    })
}

/// Issue a briefing: store it with its figures and texts, audited. Returns its id.
pub async fn issue(db: &Db, actor: &Actor, b: &Briefing) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO hq_briefings (area_id, path, period, issued_ms, issued_by, figures, \
             text_zh, text_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![
                b.area.id,
                b.area.path.clone(),
                b.period.as_str(),
                b.as_of_ms,
                actor.username.clone(),
                figures_json(&b.figures),
                b.text_zh(),
                b.text_en()
            ],
        )
        .await?
        .get("id")?;
    audit::record(
        &mut tx,
        actor,
        Event::new("briefing_issued", "briefing", id)
            .area(&b.area.path)
            .detail(json!({"period": b.period.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
