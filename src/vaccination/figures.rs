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

/// The figures of an area in the reader's scope on `today`. Coverage is read from the area's
/// own tally rows (one index range, whatever the area's size), its children's likewise.
pub async fn of_area(db: &Db, r: &Reader, area: &Area, today: i64) -> AppResult<Figures> {
    super::require_read(r)?;
    let (from, to) = (area.path.clone(), path_end(&area.path));
    let targets = catalogue::targets(db).await?;
    let year = year_of(today);
    let counted = Some(super::tallies::ensure_counted(db).await?);
    super::tallies::catch_up(db, &area.path).await?;
    let kids = if area.level < LEVEL_COMMUNITY {
        db.query_as::<Kid>(
            "SELECT code, name, path FROM areas WHERE parent_id = $1 ORDER BY code",
            args![area.id],
        )
        .await?
    } else {
        Vec::new()
    };
    let mut paths: Vec<&str> = vec![area.path.as_str()];
    paths.extend(kids.iter().map(|k| k.path.as_str()));
    let mut tallies = super::tallies::of_paths(db, &paths).await?;
    let by = tallies.remove(&area.path).unwrap_or_default();
    let children = kids
        .iter()
        .map(|k| ChildFigures {
            code: k.code.clone(),
            name: k.name.clone(),
            bands: tallies
                .get(&k.path)
                .cloned()
                .unwrap_or_default()
                .bands(year, &targets),
        })
        .collect();
    let today_s = super::ymd(today);
    let reasons = db
        .query_as::<ReasonN>(
            "SELECT reason, COUNT(*) AS n FROM vax_tickoffs WHERE path >= $1 AND path < $2 AND current = 1 GROUP BY reason",
            args![from.as_str(), to.as_str()],
        )
        .await?;
    let reasons: Vec<(String, i64)> = super::REASONS
        .iter()
        .map(|(code, _, _)| {
            let n = reasons
                .iter()
                .find(|r| r.reason == *code)
                .map_or(0, |r| r.n);
            (code.to_string(), n)
        })
        .collect();
    let deferrals_due = db
        .scalar::<i64>(
            "SELECT COUNT(*) FROM vax_tickoffs WHERE path >= $1 AND path < $2 AND current = 1 \
             AND reason = 'temp_contra' AND recheck_on <= $3",
            args![from.as_str(), to.as_str(), today_s.as_str()],
        )
        .await?;
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

struct Kid {
    code: String,
    name: String,
    path: String,
}
crate::from_row!(Kid { code, name, path });

struct ReasonN {
    reason: String,
    n: i64,
}
crate::from_row!(ReasonN { reason, n });
