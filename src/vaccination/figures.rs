//! Figures by area: coverage by age band (60–69, 70–79, 80+, all adults) for the first dose,
//! the full course and the booster, against the targets; people ticked off by reason;
//! deferrals due for a recheck; dropouts (a course begun and not completed in its window).
//!
//! Coverage of any area — a building, a grid, a community, a district, the city — is read from
//! its own rows of the per-area tallies (`tallies`: about a hundred birth-year rows, one index
//! range, whatever the area's size), and each child's the same way; the dropouts likewise.
//! The denominators, residents by birth year, are kept by the registry's changes once counted
//! (the whole registry on the first read), and recounted ([`count_population`]) on an
//! officer's request.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalogue::{self, Target};
use super::{year_of, BANDS};
use crate::access::Reader;
use crate::args;
use crate::db::{path_end, Db};
use crate::error::AppResult;
use crate::registry::areas::Area;

/// Residents and vaccinated people by birth year.
#[derive(Debug, Clone, Default)]
pub struct ByYear {
    /// birth year → (population, partial, full, boosted)
    pub years: BTreeMap<i64, [i64; 4]>,
}

impl ByYear {
    /// Coverage of each age band in `this_year`.
    pub fn bands(&self, this_year: i64, targets: &[Target]) -> Vec<Band> {
        BANDS
            .iter()
            .map(|&(code, _, _, lo, hi)| {
                let mut b = Band {
                    band: code,
                    ..Band::default()
                };
                for (&year, v) in &self.years {
                    let age = this_year - year;
                    if year == 0 || age < lo || age > hi {
                        continue;
                    }
                    b.population += v[0];
                    b.first += v[1] + v[2] + v[3];
                    b.full += v[2] + v[3];
                    b.booster += v[3];
                }
                let t = |m: &str| {
                    targets
                        .iter()
                        .find(|t| t.band == code && t.measure == m)
                        .map(|t| t.percent)
                };
                b.target_first = t("first");
                b.target_full = t("full");
                b.target_booster = t("booster");
                b
            })
            .collect()
    }
}

/// Coverage of one age band.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Band {
    pub band: &'static str,
    pub population: i64,
    pub first: i64,
    pub full: i64,
    pub booster: i64,
    pub target_first: Option<i64>,
    pub target_full: Option<i64>,
    pub target_booster: Option<i64>,
}

/// A share in tenths of a percent (so 95.0% reads exactly), 0 for no population.
pub fn permille(n: i64, of: i64) -> i64 {
    if of <= 0 {
        0
    } else {
        n * 1000 / of
    }
}

/// `95.3%`
pub fn pct_text(n: i64, of: i64) -> String {
    let p = permille(n, of);
    format!("{}.{}%", p / 10, p % 10)
}

impl Band {
    /// Whether a measure reaches its target (None: no target).
    pub fn meets(&self, measure: &str) -> Option<bool> {
        let (n, t) = match measure {
            "first" => (self.first, self.target_first),
            "full" => (self.full, self.target_full),
            _ => (self.booster, self.target_booster),
        };
        t.map(|t| permille(n, self.population) >= t * 10)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildFigures {
    pub code: String,
    pub name: String,
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub area: String,
    pub name: String,
    /// The year ages are counted in.
    pub year: i64,
    pub bands: Vec<Band>,
    /// Current tick-offs by reason.
    pub reasons: Vec<(String, i64)>,
    /// Temporary contraindications whose recheck date has come.
    pub deferrals_due: i64,
    /// Courses begun and not completed within their window.
    pub dropout: i64,
    /// When the population was last counted whole or in part (the registry's changes keep it
    /// between counts).
    pub population_counted_ms: Option<i64>,
    pub children: Vec<ChildFigures>,
}

const LEVEL_COMMUNITY: i64 = 5;

/// Recount the residents by birth year of every area under `path` (a community or above; ''
/// for the whole registry) from the registry, and correct the tallies above it.
pub async fn count_population(db: &Db, path: &str, now: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    super::tallies::count_population(&mut tx, path, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Which areas under an area the figures list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum List {
    /// Its children (the streets of a district, the communities of a street).
    #[default]
    Children,
    /// Every community under it (all the communities of a city or district).
    Communities,
}

impl List {
    /// `by=` of the page and the API: empty for the children, `community` for every community.
    pub fn parse(s: &str) -> Option<List> {
        match s.trim() {
            "" => Some(List::Children),
            "community" => Some(List::Communities),
            _ => None,
        }
    }
}

/// The figures of an area in the reader's scope on `today`. Coverage is read from the area's
/// own tally rows (one index range, whatever the area's size), its children's in one query.
pub async fn of_area(db: &Db, r: &Reader, area: &Area, today: i64) -> AppResult<Figures> {
    of_area_listing(db, r, area, today, List::Children).await
}

/// [`of_area`] with the areas listed below it chosen: its children, or every community under
/// it (both read in one query over the tallies, [`children_of`]).
pub async fn of_area_listing(
    db: &Db,
    r: &Reader,
    area: &Area,
    today: i64,
    list: List,
) -> AppResult<Figures> {
    super::require_read(r)?;
    let targets = catalogue::targets(db).await?;
    let year = year_of(today);
    let counted = Some(super::tallies::ensure_counted(db).await?);
    super::tallies::catch_up(db, &area.path).await?;
    let by = super::tallies::of_paths(db, &[area.path.as_str()])
        .await?
        .remove(&area.path)
        .unwrap_or_default();
    let children = if area.level < LEVEL_COMMUNITY {
        let among = match list {
            List::Children => Among::ChildrenOf(area.id),
            List::Communities => Among::CommunitiesUnder(&area.path),
        };
        children_of(db, among, year, &targets).await?
    } else {
        Vec::new()
    };
    let today_s = super::ymd(today);
    let by_reason = super::tallies::tickoffs_by_reason(db, &area.path).await?;
    let reasons: Vec<(String, i64)> = super::REASONS
        .iter()
        .map(|(code, _, _)| (code.to_string(), by_reason.get(*code).copied().unwrap_or(0)))
        .collect();
    let deferrals_due = super::tallies::deferrals_due(db, &area.path, &today_s).await?;
    let dropout = super::tallies::dropout(db, &area.path, &today_s).await?;
    Ok(Figures {
        area: area.code.clone(),
        name: area.name.clone(),
        year,
        bands: by.bands(year, &targets),
        reasons,
        deferrals_due,
        dropout,
        population_counted_ms: counted,
        children,
    })
}

/// Coverage by age band of an area alone (its own tally rows, one index range): what the HQ
/// metrics read for each area and child area, without the children, reasons or dropouts.
pub async fn bands_of(db: &Db, r: &Reader, area: &Area, today: i64) -> AppResult<Vec<Band>> {
    super::require_read(r)?;
    let targets = catalogue::targets(db).await?;
    super::tallies::ensure_counted(db).await?;
    super::tallies::catch_up(db, &area.path).await?;
    let by = super::tallies::of_paths(db, &[area.path.as_str()])
        .await?
        .remove(&area.path)
        .unwrap_or_default();
    Ok(by.bands(year_of(today), &targets))
}

/// The areas whose coverage [`children_of`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Among<'a> {
    /// The children of an area (by id).
    ChildrenOf(i64),
    /// Every community (level 5) under an area path.
    CommunitiesUnder(&'a str),
}

/// The ages (by year of birth) where some band begins or ends: the bands are unions of the
/// spans between two consecutive cuts. Ascending, the last one past the oldest band.
pub(super) fn age_cuts() -> Vec<i64> {
    let mut cuts: Vec<i64> = BANDS
        .iter()
        .flat_map(|&(_, _, _, lo, hi)| [lo, hi + 1])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Coverage by age band of many areas in one query: the span tallies of every area listed
/// (`vax_span_tallies`: four rows per area for the year ages are counted in, built on the
/// year's first read), in code order. An area with no residents is listed with zeros. Each
/// area's figures equal those [`of_area`] reads for it alone from its birth-year rows.
pub async fn children_of(
    db: &Db,
    among: Among<'_>,
    year: i64,
    targets: &[Target],
) -> AppResult<Vec<ChildFigures>> {
    super::tallies::ensure_spans(db, year).await?;
    let (filter, params) = match among {
        Among::ChildrenOf(id) => ("a.parent_id = $2".to_owned(), args![year, id]),
        Among::CommunitiesUnder(path) => (
            format!("a.path >= $2 AND a.path < $3 AND a.level = {LEVEL_COMMUNITY}"),
            args![year, path, path_end(path)],
        ),
    };
    let rows = db
        .query_as::<SpanRow>(
            &format!(
                "SELECT a.code, a.name, COALESCE(t.span, -1) AS span, \
                 COALESCE(t.n_pop, 0) AS n_pop, COALESCE(t.n_partial, 0) AS n_partial, \
                 COALESCE(t.n_full, 0) AS n_full, COALESCE(t.n_boosted, 0) AS n_boosted \
                 FROM areas a LEFT JOIN vax_span_tallies t ON t.year = $1 AND t.path = a.path \
                 WHERE {filter} ORDER BY a.code"
            ),
            params,
        )
        .await?;
    let mut out: Vec<(String, String, ByYear)> = Vec::new();
    for r in rows {
        if out.last().map(|(c, _, _)| c != &r.code).unwrap_or(true) {
            out.push((r.code.clone(), r.name.clone(), ByYear::default()));
        }
        if let Some((_, _, by)) = out.last_mut() {
            // A span read as one birth year whose age is the span's first age:
            // ByYear::bands then sums the spans as it sums years.
            if r.span >= 0 {
                by.years
                    .insert(year - r.span, [r.n_pop, r.n_partial, r.n_full, r.n_boosted]);
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(code, name, by)| ChildFigures {
            code,
            name,
            bands: by.bands(year, targets),
        })
        .collect())
}

/// Coverage by age band of every community under `area` (a street, a district, a city), in
/// one query over the tallies, for a reader whose scope holds `area`.
pub async fn communities(
    db: &Db,
    r: &Reader,
    area: &Area,
    today: i64,
) -> AppResult<Vec<ChildFigures>> {
    super::require_read(r)?;
    let targets = catalogue::targets(db).await?;
    super::tallies::ensure_counted(db).await?;
    super::tallies::catch_up(db, &area.path).await?;
    children_of(
        db,
        Among::CommunitiesUnder(&area.path),
        year_of(today),
        &targets,
    )
    .await
}

struct SpanRow {
    code: String,
    name: String,
    span: i64,
    n_pop: i64,
    n_partial: i64,
    n_full: i64,
    n_boosted: i64,
}
crate::from_row!(SpanRow {
    code,
    name,
    span,
    n_pop,
    n_partial,
    n_full,
    n_boosted
});
