//! Figures by area: coverage by age band (60–69, 70–79, 80+, all adults) for the first dose,
//! the full course and the booster, against the targets; people ticked off by reason;
//! deferrals due for a recheck; dropouts (a course begun and not completed in its window).
//!
//! Coverage of a community or anything above it is read from the tallies (a SUM over a path
//! range of community rows, a few hundred for a district); a grid or a building is counted
//! from its own rows. The denominators, residents by birth year, are recounted from the
//! registry ([`count_population`]) after an import, on an officer's request, or when missing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalogue::{self, Target};
use super::{year_of, BANDS};
use crate::access::Reader;
use crate::args;
use crate::db::{path_end, Db, Value};
use crate::error::AppResult;
use crate::registry::areas::Area;

/// Residents and vaccinated people by birth year.
#[derive(Debug, Clone, Default)]
pub struct ByYear {
    /// birth year → (population, partial, full, boosted)
    pub years: BTreeMap<i64, [i64; 4]>,
}

impl ByYear {
    fn add(&mut self, year: i64, slot: usize, n: i64) {
        self.years.entry(year).or_default()[slot] += n;
    }

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
    /// When the population was last counted (None: counted just now, or a grid counted live).
    pub population_counted_ms: Option<i64>,
    pub children: Vec<ChildFigures>,
}

const LEVEL_COMMUNITY: i64 = 5;

/// Recount the residents by community and birth year under `path` (a community or above).
pub async fn count_population(db: &Db, path: &str, now: i64) -> AppResult<usize> {
    let rows = db
        .query_as::<Pop>(
            "SELECT h.community_id, COALESCE(CAST(substr(r.birth_date, 1, 4) AS BIGINT), 0) AS birth_year, COUNT(*) AS n \
             FROM residents r JOIN households h ON h.id = r.household_id \
             WHERE h.path >= $1 AND h.path < $2 GROUP BY 1, 2",
            args![path, path_end(path)],
        )
        .await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM vax_population WHERE path >= $1 AND path < $2",
        args![path, path_end(path)],
    )
    .await?;
    let mut vals = Vec::with_capacity(rows.len() * 5);
    for r in &rows {
        let cid = r.community_id;
        vals.extend([
            Value::from(cid),
            Value::from(cid.to_string()),
            Value::from(r.birth_year),
            Value::from(r.n),
            Value::from(now),
        ]);
    }
    tx.bulk_insert(
        "vax_population",
        &["community_id", "path", "birth_year", "n", "counted_ms"],
        vals,
        Some("ON CONFLICT (community_id, birth_year) DO UPDATE SET n = excluded.n, counted_ms = excluded.counted_ms"),
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// The figures of an area in the reader's scope on `today`.
pub async fn of_area(db: &Db, r: &Reader, area: &Area, today: i64) -> AppResult<Figures> {
    super::require_read(r)?;
    let (from, to) = (area.path.clone(), path_end(&area.path));
    let targets = catalogue::targets(db).await?;
    let year = year_of(today);
    let mut by = ByYear::default();
    let mut per_community: BTreeMap<String, ByYear> = BTreeMap::new();
    let mut counted = None;
    let kids = if area.level < LEVEL_COMMUNITY {
        db.query_as::<Kid>(
            "SELECT code, name, path FROM areas WHERE parent_id = $1 ORDER BY code",
            args![area.id],
        )
        .await?
    } else {
        Vec::new()
    };
    if area.level >= 6 {
        // A grid or a building: counted from its own rows.
        for row in db
            .query_as::<Row4>(
                "SELECT '' AS path, COALESCE(CAST(substr(r.birth_date, 1, 4) AS BIGINT), 0) AS birth_year, '' AS status, COUNT(*) AS n \
                 FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE h.path >= $1 AND h.path < $2 GROUP BY 2",
                args![from.as_str(), to.as_str()],
            )
            .await?
        {
            by.add(row.birth_year, 0, row.n);
        }
        for row in db
            .query_as::<Row4>(
                "SELECT '' AS path, birth_year, status, COUNT(*) AS n FROM vax_status WHERE path >= $1 AND path < $2 GROUP BY 2, 3",
                args![from.as_str(), to.as_str()],
            )
            .await?
        {
            by.add(row.birth_year, slot(&row.status), row.n);
        }
    } else {
        let scope_path = area.path.clone();
        let has = db
            .scalar::<Option<i64>>(
                "SELECT MIN(counted_ms) FROM vax_population WHERE path >= $1 AND path < $2",
                args![scope_path.as_str(), path_end(&scope_path)],
            )
            .await?;
        if has.is_none() {
            // Counting begins with the whole registry, so that the registry's changes keep
            // every community's count from then on (`household_watch`); an area that has no
            // count yet while others do is counted on its own.
            let begun = db
                .query_opt("SELECT 1 AS one FROM vax_population LIMIT 1", vec![])
                .await?
                .is_some();
            let what = if begun { scope_path.as_str() } else { "" };
            count_population(db, what, crate::db::now_ms()).await?;
        } else {
            counted = has;
        }
        // Summed in the database by child area and age class, so that a city reads a few
        // hundred rows, not every community's birth years.
        let class = age_class_sql(year);
        let len = key_len(&kids);
        for row in db
            .query_as::<Row4>(
                &format!(
                    "SELECT substr(path, 1, {len}) AS path, {class} AS birth_year, '' AS status, \
                     CAST(SUM(n) AS BIGINT) AS n FROM vax_population WHERE path >= $1 AND path < $2 \
                     GROUP BY 1, 2"
                ),
                args![from.as_str(), to.as_str()],
            )
            .await?
        {
            per_community
                .entry(row.path)
                .or_default()
                .add(row.birth_year, 0, row.n);
        }
        for row in db
            .query_as::<Row4>(
                &format!(
                    "SELECT substr(path, 1, {len}) AS path, {class} AS birth_year, status, \
                     CAST(SUM(n) AS BIGINT) AS n FROM vax_tallies WHERE path >= $1 AND path < $2 \
                     AND n <> 0 GROUP BY 1, 2, 3"
                ),
                args![from.as_str(), to.as_str()],
            )
            .await?
        {
            per_community.entry(row.path).or_default().add(
                row.birth_year,
                slot(&row.status),
                row.n,
            );
        }
        for c in per_community.values() {
            for (y, v) in &c.years {
                for (i, n) in v.iter().enumerate() {
                    by.add(*y, i, *n);
                }
            }
        }
    }
    let mut children = Vec::new();
    if area.level < LEVEL_COMMUNITY {
        for k in kids {
            let kp = k.path.as_str();
            let mut cb = ByYear::default();
            for (p, c) in per_community.range(kp.to_owned()..path_end(kp)) {
                debug_assert!(p.starts_with(kp));
                for (y, v) in &c.years {
                    for (i, n) in v.iter().enumerate() {
                        cb.add(*y, i, *n);
                    }
                }
            }
            children.push(ChildFigures {
                code: k.code.clone(),
                name: k.name.clone(),
                bands: cb.bands(year, &targets),
            });
        }
    }
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
    let dropout = db
        .scalar::<i64>(
            "SELECT COUNT(*) FROM vax_status WHERE path >= $1 AND path < $2 AND status = 'partial' AND dropout_on < $3",
            args![from.as_str(), to.as_str(), today_s.as_str()],
        )
        .await?;
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

/// The length of the path prefix rows are summed by: the child areas' (all of one level, so
/// one length), else the community's.
fn key_len(kids: &[Kid]) -> usize {
    match kids.first() {
        Some(k) if kids.iter().all(|x| x.path.len() == k.path.len()) => k.path.len(),
        _ => 12,
    }
}

/// SQL mapping `birth_year` to one birth year per age class of `this_year` — the classes the
/// bands' edges cut ages into (under 18, 18–59, 60–69, 70–79, 80–200) — so that rows summed by
/// it fall in the same bands as their birth years would; unknown or impossible ages map to 0.
fn age_class_sql(this_year: i64) -> String {
    let mut edges: Vec<i64> = BANDS.iter().flat_map(|b| [b.3, b.4 + 1]).collect();
    edges.sort_unstable();
    edges.dedup();
    let mut s = format!(
        "CAST(CASE WHEN birth_year = 0 THEN 0 WHEN birth_year > {} THEN {this_year}",
        this_year - edges[0]
    );
    for w in edges.windows(2) {
        s.push_str(&format!(
            " WHEN birth_year > {} THEN {}",
            this_year - w[1],
            this_year - w[0]
        ));
    }
    s.push_str(" ELSE 0 END AS BIGINT)");
    s
}

struct Pop {
    community_id: i64,
    birth_year: i64,
    n: i64,
}
crate::from_row!(Pop {
    community_id,
    birth_year,
    n
});

struct Row4 {
    path: String,
    birth_year: i64,
    status: String,
    n: i64,
}
crate::from_row!(Row4 {
    path,
    birth_year,
    status,
    n
});

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

fn slot(status: &str) -> usize {
    match status {
        "partial" => 1,
        "full" => 2,
        _ => 3,
    }
}
