//! Coverage tallies per area (`vax_area_tallies`, `vax_area_dropout`, migration 0021): for every
//! level of the area path — province, city, district, street, community, grid, building — the
//! residents (`n_pop`) and the statuses (partial, full, boosted) by birth year, and the partial
//! courses by dropout day. Every write adds deltas at each prefix of the resident's household
//! path, in the transaction of the dose, tick-off or registry change that moved them, so the
//! coverage of any area is one index range of about a hundred birth-year rows, the same for a
//! grid and for a city of ten million.
//!
//! Birthdays: ages are counted by year of birth (the age reached this calendar year, the
//! campaign's rule), so the rows are keyed by birth year and summed into age bands when read.
//! Nothing rolls over on a birthday; on the 1st of January every band shifts by one year at
//! read time, with no write.
//!
//! Population: counting begins with the whole registry the first time coverage is read
//! ([`ensure_counted`]); from then on the registry's household changes (`household_watch`)
//! and imports recount the communities concerned and add the differences up the path.

use std::collections::{BTreeMap, HashMap};

use super::figures::ByYear;
use crate::args;
use crate::db::{path_end, Db, DbResult, Tx, Value};

/// Lengths of national area codes (province, city, district, street, community).
const NATIONAL: [usize; 5] = [2, 4, 6, 9, 12];

/// The area paths a household path lies under, itself included: the national prefixes, then
/// each local segment (`/G0001`, `/B00001`).
pub fn prefixes(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = NATIONAL
        .iter()
        .filter(|&&l| l <= path.len() && path.is_char_boundary(l))
        .map(|&l| &path[..l])
        .collect();
    if path.len() > 12 {
        for (i, _) in path.match_indices('/').filter(|(i, _)| *i > 12) {
            out.push(&path[..i]);
        }
        out.push(path);
    } else if !NATIONAL.contains(&path.len()) && !path.is_empty() {
        out.push(path);
    }
    out
}

/// Deltas to add to the tallies.
#[derive(Debug, Default)]
pub struct Delta {
    /// (path, birth year) → [pop, partial, full, boosted]
    counts: HashMap<(String, i64), [i64; 4]>,
    /// (path, dropout day) → partial courses
    dropout: HashMap<(String, String), i64>,
    /// Status changes by household path, birth year, slot and dropout day, spread over the
    /// path's prefixes when written (a thousand residents of one building: one key).
    statuses: HashMap<(String, i64, usize, Option<String>), i64>,
}

fn slot(status: &str) -> Option<usize> {
    match status {
        "partial" => Some(1),
        "full" => Some(2),
        "boosted" => Some(3),
        _ => None,
    }
}

impl Delta {
    /// A status (`partial`, `full`, `boosted`) counted (+1) or no longer (-1) under `path`.
    pub fn status(
        &mut self,
        path: &str,
        birth_year: i64,
        status: &str,
        dropout_on: Option<&str>,
        sign: i64,
    ) {
        let Some(s) = slot(status) else { return };
        let day = if s == 1 { dropout_on } else { None };
        *self
            .statuses
            .entry((path.to_owned(), birth_year, s, day.map(str::to_owned)))
            .or_default() += sign;
    }

    fn spread_statuses(&mut self) {
        for ((path, year, s, day), n) in std::mem::take(&mut self.statuses) {
            if n == 0 {
                continue;
            }
            for p in prefixes(&path) {
                self.counts.entry((p.to_owned(), year)).or_default()[s] += n;
                if let Some(d) = &day {
                    *self.dropout.entry((p.to_owned(), d.clone())).or_default() += n;
                }
            }
        }
    }

    /// Residents added to (or taken from) the population of exactly `path` (no prefixes).
    fn pop_at(&mut self, path: &str, birth_year: i64, n: i64) {
        self.counts
            .entry((path.to_owned(), birth_year))
            .or_default()[0] += n;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.dropout.is_empty() && self.statuses.is_empty()
    }

    /// Add the deltas, inside the caller's transaction (rows in key order, so that two
    /// writers take them in the same order).
    pub async fn write(mut self, tx: &mut Tx) -> DbResult<()> {
        self.spread_statuses();
        let counts: BTreeMap<_, _> = self
            .counts
            .into_iter()
            .filter(|(_, v)| v.iter().any(|n| *n != 0))
            .collect();
        let spans = span_deltas(tx, &counts).await?;
        add_counts(
            tx,
            "vax_area_tallies",
            &["path", "birth_year", N_POP, N_PARTIAL, N_FULL, N_BOOSTED],
            "ON CONFLICT (path, birth_year) DO UPDATE SET \
             n_pop = vax_area_tallies.n_pop + excluded.n_pop, \
             n_partial = vax_area_tallies.n_partial + excluded.n_partial, \
             n_full = vax_area_tallies.n_full + excluded.n_full, \
             n_boosted = vax_area_tallies.n_boosted + excluded.n_boosted",
            counts
                .into_iter()
                .map(|((path, year), v)| (vec![Value::from(path), Value::from(year)], v)),
        )
        .await?;
        add_counts(
            tx,
            "vax_span_tallies",
            &["year", "path", "span", N_POP, N_PARTIAL, N_FULL, N_BOOSTED],
            "ON CONFLICT (year, path, span) DO UPDATE SET \
             n_pop = vax_span_tallies.n_pop + excluded.n_pop, \
             n_partial = vax_span_tallies.n_partial + excluded.n_partial, \
             n_full = vax_span_tallies.n_full + excluded.n_full, \
             n_boosted = vax_span_tallies.n_boosted + excluded.n_boosted",
            spans.into_iter().map(|((year, path, span), v)| {
                (
                    vec![Value::from(year), Value::from(path), Value::from(span)],
                    v,
                )
            }),
        )
        .await?;
        let dropout: BTreeMap<_, _> = self.dropout.into_iter().filter(|(_, n)| *n != 0).collect();
        let mut vals = Vec::with_capacity(dropout.len() * 3);
        for ((path, day), n) in dropout {
            vals.extend([Value::from(path), Value::from(day), Value::from(n)]);
        }
        if !vals.is_empty() {
            tx.bulk_insert(
                "vax_area_dropout",
                &["path", "dropout_on", "n"],
                vals,
                Some(
                    "ON CONFLICT (path, dropout_on) DO UPDATE SET n = vax_area_dropout.n + excluded.n",
                ),
            )
            .await?;
        }
        Ok(())
    }
}

const N_POP: &str = "n_pop";
const N_PARTIAL: &str = "n_partial";
const N_FULL: &str = "n_full";
const N_BOOSTED: &str = "n_boosted";

/// Add rows of (key columns…, population, partial, full, boosted) to a tally table in one
/// bulk upsert (`columns`: the key's, then the four counts').
async fn add_counts(
    tx: &mut Tx,
    table: &'static str,
    columns: &'static [&'static str],
    on_conflict: &'static str,
    rows: impl Iterator<Item = (Vec<Value>, [i64; 4])>,
) -> DbResult<()> {
    let mut vals = Vec::new();
    for (key, v) in rows {
        vals.extend(key);
        vals.extend(v.map(Value::from));
    }
    if vals.is_empty() {
        return Ok(());
    }
    tx.bulk_insert(table, columns, vals, Some(on_conflict))
        .await
}

/// The span tallies' key: (calendar year, area path, span).
type SpanKey = (i64, String, i64);

/// The span of an age (by year of birth): the first age of the stretch between two of the
/// bands' cuts it falls in; none below the youngest band or past the oldest.
pub fn span_of(age: i64) -> Option<i64> {
    super::figures::age_cuts()
        .windows(2)
        .find(|w| age >= w[0] && age < w[1])
        .map(|w| w[0])
}

/// The cuts as stored with a built year (a change of the bands rebuilds the spans).
fn cuts_text() -> String {
    let cuts: Vec<String> = super::figures::age_cuts()
        .iter()
        .map(i64::to_string)
        .collect();
    cuts.join(",")
}

/// Whether an area's coverage is kept by span too: the areas down to communities.
fn spans_kept(path: &str) -> bool {
    path.len() <= 12
}

/// The birth-year deltas summed into the spans of every year built, under the shared lock of
/// the spans (PostgreSQL), so that a build and these deltas are ordered.
async fn span_deltas(
    tx: &mut Tx,
    counts: &BTreeMap<(String, i64), [i64; 4]>,
) -> DbResult<BTreeMap<SpanKey, [i64; 4]>> {
    let mut out: BTreeMap<SpanKey, [i64; 4]> = BTreeMap::new();
    if !counts.keys().any(|(p, _)| spans_kept(p)) {
        return Ok(out);
    }
    if tx.backend() == crate::db::Backend::Postgres {
        tx.query(
            "SELECT taken FROM cluster_locks WHERE name = 'vax_spans' FOR SHARE",
            vec![],
        )
        .await?;
    }
    let years = tx
        .column::<i64>(
            "SELECT year FROM vax_span_years WHERE cuts = $1",
            args![cuts_text()],
        )
        .await?;
    for year in years {
        for ((path, birth_year), v) in counts.iter().filter(|((p, _), _)| spans_kept(p)) {
            if *birth_year == 0 {
                continue;
            }
            let Some(span) = span_of(year - birth_year) else {
                continue;
            };
            let e = out.entry((year, path.clone(), span)).or_default();
            for i in 0..4 {
                e[i] += v[i];
            }
        }
    }
    out.retain(|_, v| v.iter().any(|n| *n != 0));
    Ok(out)
}

/// Build the span tallies of `year` from the birth-year tallies if they are not built yet
/// (with the bands' current cuts); years more than one away from it are dropped. Taken under
/// the exclusive lock of the spans, so no write's deltas fall between the build and the
/// writes that follow it.
pub async fn ensure_spans(db: &Db, year: i64) -> DbResult<()> {
    const BUILT: &str = "SELECT 1 AS one FROM vax_span_years WHERE year = $1 AND cuts = $2";
    let cuts = cuts_text();
    if db
        .query_opt(BUILT, args![year, cuts.as_str()])
        .await?
        .is_some()
    {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE cluster_locks SET taken = taken + 1 WHERE name = 'vax_spans'",
        vec![],
    )
    .await?;
    if tx
        .query_opt(BUILT, args![year, cuts.as_str()])
        .await?
        .is_some()
    {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM vax_span_tallies WHERE year = $1 OR year < $2 OR year > $3 \
         OR year IN (SELECT year FROM vax_span_years WHERE cuts <> $4)",
        args![year, year - 1, year + 1, cuts.as_str()],
    )
    .await?;
    tx.execute(
        "DELETE FROM vax_span_years WHERE year = $1 OR year < $2 OR year > $3 OR cuts <> $4",
        args![year, year - 1, year + 1, cuts.as_str()],
    )
    .await?;
    let c = super::figures::age_cuts();
    if c.len() >= 2 {
        // Integers computed here and formatted into the SQL, so both backends see literals.
        let mut span = String::from("CASE");
        for w in c.windows(2).take(c.len() - 2) {
            span.push_str(&format!(" WHEN birth_year > {} THEN {}", year - w[1], w[0]));
        }
        span.push_str(&format!(" ELSE {} END", c[c.len() - 2]));
        let sum = |col: &str| format!("CAST(SUM({col}) AS BIGINT)");
        tx.execute(
            &format!(
                "INSERT INTO vax_span_tallies (year, path, span, n_pop, n_partial, n_full, n_boosted) \
                 SELECT {year}, path, {span}, {}, {}, {}, {} FROM vax_area_tallies \
                 WHERE length(path) <= 12 AND birth_year > {} AND birth_year <= {} \
                 GROUP BY path, {span}",
                sum("n_pop"),
                sum("n_partial"),
                sum("n_full"),
                sum("n_boosted"),
                year - c[c.len() - 1],
                year - c[0],
            ),
            vec![],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO vax_span_years (year, cuts, built_ms) VALUES ($1, $2, $3)",
        args![year, cuts.as_str(), crate::db::now_ms()],
    )
    .await?;
    tx.commit().await
}

struct PathYearN {
    path: String,
    birth_year: i64,
    n: i64,
}
crate::from_row!(PathYearN {
    path,
    birth_year,
    n
});

const BIRTH_YEAR_SQL: &str = "COALESCE(CAST(substr(r.birth_date, 1, 4) AS BIGINT), 0)";

/// Recount the residents by birth year of every area under `root` (an area path, or '' for
/// the whole registry) and add the differences there and on `root`'s ancestors. Above
/// community level the count goes community by community (memory bounded by one community's
/// buildings, whatever the city's size), then the levels between `root` and its communities
/// are set to the sums of their communities' rows (households hang under communities).
pub async fn count_population(tx: &mut Tx, root: &str, now: i64) -> DbResult<()> {
    let mut delta = if root.len() >= 12 {
        recount_subtree(tx, root).await?
    } else {
        let communities = tx
            .column::<String>(
                "SELECT path FROM areas WHERE level = 5 AND path >= $1 AND path < $2 ORDER BY path",
                args![root, path_end(root)],
            )
            .await?;
        // Rows under communities that are gone (nothing left to count there) go to zero.
        let known: std::collections::HashSet<&str> =
            communities.iter().map(String::as_str).collect();
        let orphans = tx
            .query_as::<PathYearN>(
                "SELECT path, birth_year, n_pop AS n FROM vax_area_tallies \
                 WHERE path >= $1 AND path < $2 AND length(path) >= 12 AND n_pop <> 0",
                args![root, path_end(root)],
            )
            .await?;
        let mut gone = Delta::default();
        for o in orphans
            .iter()
            .filter(|o| !known.contains(crate::registry::areas::community_path(&o.path)))
        {
            gone.pop_at(&o.path, o.birth_year, -o.n);
        }
        gone.write(tx).await?;
        for c in &communities {
            recount_subtree(tx, c).await?.write(tx).await?;
        }
        // The levels from `root` down to the communities: the sums of the communities' rows.
        let mut new: HashMap<(String, i64), i64> = HashMap::new();
        for row in tx
            .query_as::<PathYearN>(
                "SELECT path, birth_year, n_pop AS n FROM vax_area_tallies \
                 WHERE path >= $1 AND path < $2 AND length(path) = 12 AND n_pop <> 0",
                args![root, path_end(root)],
            )
            .await?
        {
            for p in prefixes(&row.path) {
                if p.len() >= root.len() && p.len() < 12 {
                    *new.entry((p.to_owned(), row.birth_year)).or_default() += row.n;
                }
            }
        }
        let old = tx
            .query_as::<PathYearN>(
                "SELECT path, birth_year, n_pop AS n FROM vax_area_tallies \
                 WHERE path >= $1 AND path < $2 AND length(path) < 12 AND n_pop <> 0",
                args![root, path_end(root)],
            )
            .await?;
        differences(old, new)
    };
    // What changed at the root changed as much on every area above it.
    let ancestors: Vec<String> = prefixes(root)
        .into_iter()
        .filter(|p| p.len() < root.len())
        .map(str::to_owned)
        .collect();
    if !ancestors.is_empty() {
        let at_root: Vec<(i64, i64)> = delta
            .counts
            .iter()
            .filter(|((p, _), _)| p == root)
            .map(|((_, y), v)| (*y, v[0]))
            .collect();
        for a in &ancestors {
            for (y, n) in &at_root {
                delta.pop_at(a, *y, *n);
            }
        }
    }
    delta.write(tx).await?;
    tx.execute(
        "INSERT INTO vax_pop_counted (path, counted_ms) VALUES ($1, $2) \
         ON CONFLICT (path) DO UPDATE SET counted_ms = excluded.counted_ms",
        args![root, now],
    )
    .await?;
    Ok(())
}

/// The population deltas that make the rows of `root` and every area under it (a community or
/// below) equal a count of the registry, not yet written and without `root`'s ancestors.
async fn recount_subtree(tx: &mut Tx, root: &str) -> DbResult<Delta> {
    let fresh = tx
        .query_as::<PathYearN>(
            &format!(
                "SELECT h.path, {BIRTH_YEAR_SQL} AS birth_year, COUNT(*) AS n \
                 FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE h.path >= $1 AND h.path < $2 GROUP BY h.path, {BIRTH_YEAR_SQL}"
            ),
            args![root, path_end(root)],
        )
        .await?;
    let mut new: HashMap<(String, i64), i64> = HashMap::new();
    for row in &fresh {
        for p in prefixes(&row.path) {
            if p.len() >= root.len() {
                *new.entry((p.to_owned(), row.birth_year)).or_default() += row.n;
            }
        }
    }
    let old = tx
        .query_as::<PathYearN>(
            "SELECT path, birth_year, n_pop AS n FROM vax_area_tallies \
             WHERE path >= $1 AND path < $2 AND n_pop <> 0",
            args![root, path_end(root)],
        )
        .await?;
    Ok(differences(old, new))
}

/// The deltas from the rows stored (`old`) to the counts (`new`).
fn differences(old: Vec<PathYearN>, mut new: HashMap<(String, i64), i64>) -> Delta {
    let mut delta = Delta::default();
    for o in old {
        let n = new.remove(&(o.path.clone(), o.birth_year)).unwrap_or(0);
        if n != o.n {
            delta.pop_at(&o.path, o.birth_year, n - o.n);
        }
    }
    for ((p, y), n) in new {
        delta.pop_at(&p, y, n);
    }
    delta
}

/// Whether the population has been counted once (the registry's changes keep it since).
pub async fn counting_begun(tx: &mut Tx) -> DbResult<bool> {
    Ok(tx
        .query_opt("SELECT 1 AS one FROM vax_pop_counted LIMIT 1", vec![])
        .await?
        .is_some())
}

/// Count the whole registry if it never was; the time of the latest count.
pub async fn ensure_counted(db: &Db) -> DbResult<i64> {
    if let Some(ms) = db
        .scalar::<Option<i64>>("SELECT MAX(counted_ms) FROM vax_pop_counted", vec![])
        .await?
    {
        return Ok(ms);
    }
    let now = crate::db::now_ms();
    let mut tx = db.begin().await?;
    if !counting_begun(&mut tx).await? {
        count_population(&mut tx, "", now).await?;
    }
    tx.commit().await?;
    Ok(now)
}

struct PathN {
    path: String,
    n: i64,
}
crate::from_row!(PathN { path, n });

/// Catch the population under `path` up with the registry's own per-community counts
/// (`community_counts`, kept by every registry write). The registry import writes new
/// households and residents without the household watchers (its residents are new: no dose,
/// no status to move), so after one the totals differ and the communities that differ are
/// recounted here, on the next read of coverage over them. Otherwise this costs one sum of
/// the area's community rows and one of its own tally rows.
pub async fn catch_up(db: &Db, path: &str) -> DbResult<()> {
    let base = crate::registry::areas::community_path(path);
    let registry = db
        .scalar::<Option<i64>>(
            "SELECT CAST(SUM(residents) AS BIGINT) FROM community_counts WHERE path >= $1 AND path < $2",
            args![base, path_end(base)],
        )
        .await?
        .unwrap_or(0);
    let kept = db
        .scalar::<Option<i64>>(
            "SELECT CAST(SUM(n_pop) AS BIGINT) FROM vax_area_tallies WHERE path = $1",
            args![base],
        )
        .await?
        .unwrap_or(0);
    if registry == kept {
        return Ok(());
    }
    let counted: HashMap<String, i64> = db
        .query_as::<PathN>(
            "SELECT path, CAST(SUM(n_pop) AS BIGINT) AS n FROM vax_area_tallies \
             WHERE path >= $1 AND path < $2 AND length(path) = 12 GROUP BY path",
            args![base, path_end(base)],
        )
        .await?
        .into_iter()
        .map(|r| (r.path, r.n))
        .collect();
    let stale: Vec<String> = db
        .query_as::<PathN>(
            "SELECT path, residents AS n FROM community_counts WHERE path >= $1 AND path < $2",
            args![base, path_end(base)],
        )
        .await?
        .into_iter()
        .filter(|c| counted.get(&c.path).copied().unwrap_or(0) != c.n)
        .map(|c| c.path)
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    recount_communities(&mut tx, &stale).await?;
    tx.commit().await
}

/// Recount the communities of these household paths' (after registry changes), once counting
/// has begun.
pub async fn recount_communities(tx: &mut Tx, communities: &[String]) -> DbResult<()> {
    if communities.is_empty() || !counting_begun(tx).await? {
        return Ok(());
    }
    let now = crate::db::now_ms();
    let mut seen: Vec<&str> = communities
        .iter()
        .map(|p| crate::registry::areas::community_path(p))
        .filter(|p| !p.is_empty())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    for c in seen {
        count_population(tx, c, now).await?;
    }
    Ok(())
}

struct TallyRow {
    path: String,
    birth_year: i64,
    n_pop: i64,
    n_partial: i64,
    n_full: i64,
    n_boosted: i64,
}
crate::from_row!(TallyRow {
    path,
    birth_year,
    n_pop,
    n_partial,
    n_full,
    n_boosted
});

const TALLY_COLS: &str = "path, birth_year, n_pop, n_partial, n_full, n_boosted";

/// The tallies of these areas by birth year (one index range each).
pub async fn of_paths(db: &Db, paths: &[&str]) -> DbResult<HashMap<String, ByYear>> {
    let mut out: HashMap<String, ByYear> = HashMap::new();
    for chunk in paths.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let rows = db
            .query_as::<TallyRow>(
                &format!(
                    "SELECT {TALLY_COLS} FROM vax_area_tallies WHERE path IN ({})",
                    crate::db::placeholders(1, chunk.len())
                ),
                chunk.iter().map(|p| Value::from(*p)).collect(),
            )
            .await?;
        for r in rows {
            out.entry(r.path)
                .or_default()
                .years
                .insert(r.birth_year, [r.n_pop, r.n_partial, r.n_full, r.n_boosted]);
        }
    }
    Ok(out)
}

/// Partial courses under `path` whose dropout day is before `day` (YYYY-MM-DD).
pub async fn dropout(db: &Db, path: &str, day: &str) -> DbResult<i64> {
    db.scalar::<Option<i64>>(
        "SELECT CAST(SUM(n) AS BIGINT) FROM vax_area_dropout WHERE path = $1 AND dropout_on < $2",
        args![path, day],
    )
    .await
    .map(|n| n.unwrap_or(0))
}

/// A current tick-off as the tick-off tallies count it.
pub struct Ticked {
    pub id: i64,
    pub path: String,
    pub reason: String,
    pub recheck_on: Option<String>,
}
crate::from_row!(Ticked {
    id,
    path,
    reason,
    recheck_on
});

impl Ticked {
    /// The recheck day the tallies keep: a temporary contraindication's, '' otherwise.
    fn day(&self) -> &str {
        if self.reason == "temp_contra" {
            self.recheck_on.as_deref().unwrap_or("")
        } else {
            ""
        }
    }
}

/// The current tick-offs matching `filter` (SQL over `vax_tickoffs`, with `params`).
pub async fn current_tickoffs(
    tx: &mut Tx,
    filter: &str,
    params: Vec<Value>,
) -> DbResult<Vec<Ticked>> {
    tx.query_as::<Ticked>(
        &format!(
            "SELECT id, path, reason, recheck_on FROM vax_tickoffs WHERE current = 1 AND ({filter})"
        ),
        params,
    )
    .await
}

/// Add to the tick-off tallies: each tick-off counted (+1) or no longer (-1) under a path
/// (its own, or the one it moves to), at every prefix of that path, in the caller's
/// transaction.
pub async fn tickoff_deltas(tx: &mut Tx, moves: &[(&Ticked, &str, i64)]) -> DbResult<()> {
    let mut sum: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for (t, path, sign) in moves {
        for p in prefixes(path) {
            *sum.entry((p.to_owned(), t.reason.clone(), t.day().to_owned()))
                .or_default() += sign;
        }
    }
    tx.add_counts3(
        "vax_tickoff_tallies",
        &["path", "reason", "recheck_on", "n"],
        "ON CONFLICT (path, reason, recheck_on) DO UPDATE SET n = vax_tickoff_tallies.n + excluded.n",
        sum,
    )
    .await
}

/// The current tick-offs matching `filter` moved to `to` (a merge, a move of household), with
/// their tallies, in the caller's transaction.
pub async fn move_tickoffs(
    tx: &mut Tx,
    filter: &str,
    params: Vec<Value>,
    to: &str,
) -> DbResult<()> {
    let rows = current_tickoffs(tx, filter, params).await?;
    let moves: Vec<(&Ticked, &str, i64)> = rows
        .iter()
        .filter(|t| t.path != to)
        .flat_map(|t| [(t, t.path.as_str(), -1), (t, to, 1)])
        .collect();
    tickoff_deltas(tx, &moves).await
}

struct ReasonN {
    reason: String,
    n: i64,
}
crate::from_row!(ReasonN { reason, n });

/// Current tick-offs under `path` by reason (its own tally rows).
pub async fn tickoffs_by_reason(db: &Db, path: &str) -> DbResult<HashMap<String, i64>> {
    Ok(db
        .query_as::<ReasonN>(
            "SELECT reason, CAST(SUM(n) AS BIGINT) AS n FROM vax_tickoff_tallies \
             WHERE path = $1 GROUP BY reason",
            args![path],
        )
        .await?
        .into_iter()
        .map(|r| (r.reason, r.n))
        .collect())
}

/// Temporary contraindications under `path` whose recheck day (YYYY-MM-DD) is `day` or before.
pub async fn deferrals_due(db: &Db, path: &str, day: &str) -> DbResult<i64> {
    db.scalar::<Option<i64>>(
        "SELECT CAST(SUM(n) AS BIGINT) FROM vax_tickoff_tallies WHERE path = $1 \
         AND reason = 'temp_contra' AND recheck_on <> '' AND recheck_on <= $2",
        args![path, day],
    )
    .await
    .map(|n| n.unwrap_or(0))
}

/// One tally row as compared: (path, birth year or dropout day, [pop, partial, full, boosted]),
/// or (path, `tick-off REASON DAY`, [0, 0, 0, tick-offs]).
pub type Kept = Vec<(String, String, [i64; 4])>;

/// The tallies as stored, and as recounted from the statuses and (once counting has begun)
/// the registry, zero rows left out, sorted. Equal unless something wrote around the engine.
pub async fn kept_and_recounted(db: &Db) -> DbResult<(Kept, Kept)> {
    let mut kept = Vec::new();
    for r in db
        .query_as::<TallyRow>(
            &format!("SELECT {TALLY_COLS} FROM vax_area_tallies"),
            vec![],
        )
        .await?
    {
        kept.push((
            r.path,
            r.birth_year.to_string(),
            [r.n_pop, r.n_partial, r.n_full, r.n_boosted],
        ));
    }
    for r in db
        .query_as::<DropRow>("SELECT path, dropout_on, n FROM vax_area_dropout", vec![])
        .await?
    {
        kept.push((r.path, r.dropout_on, [0, r.n, 0, 0]));
    }
    for r in db
        .query_as::<TickTally>(
            "SELECT path, reason, recheck_on, n FROM vax_tickoff_tallies",
            vec![],
        )
        .await?
    {
        kept.push((
            r.path,
            format!("tick-off {} {}", r.reason, r.recheck_on),
            [0, 0, 0, r.n],
        ));
    }
    let mut counted: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for s in db
        .query_as::<StatusOf>(
            "SELECT path, birth_year, status, dropout_on FROM vax_status",
            vec![],
        )
        .await?
    {
        let Some(i) = slot(&s.status) else { continue };
        for p in prefixes(&s.path) {
            counted
                .entry((p.to_owned(), s.birth_year.to_string()))
                .or_default()[i] += 1;
            if i == 1 {
                if let Some(d) = &s.dropout_on {
                    counted.entry((p.to_owned(), d.clone())).or_default()[1] += 1;
                }
            }
        }
    }
    for t in db
        .query_as::<Ticked>(
            "SELECT id, path, reason, recheck_on FROM vax_tickoffs WHERE current = 1",
            vec![],
        )
        .await?
    {
        for p in prefixes(&t.path) {
            counted
                .entry((p.to_owned(), format!("tick-off {} {}", t.reason, t.day())))
                .or_default()[3] += 1;
        }
    }
    let begun = db
        .query_opt("SELECT 1 AS one FROM vax_pop_counted LIMIT 1", vec![])
        .await?
        .is_some();
    if begun {
        for r in db
            .query_as::<PathYearN>(
                &format!(
                    "SELECT h.path, {BIRTH_YEAR_SQL} AS birth_year, COUNT(*) AS n \
                     FROM residents r JOIN households h ON h.id = r.household_id \
                     GROUP BY h.path, {BIRTH_YEAR_SQL}"
                ),
                vec![],
            )
            .await?
        {
            for p in prefixes(&r.path) {
                counted
                    .entry((p.to_owned(), r.birth_year.to_string()))
                    .or_default()[0] += r.n;
            }
        }
    }
    // The span tallies of each year built, against the same recount summed into spans.
    let years = db
        .query_as::<YearRow>(
            "SELECT year FROM vax_span_years WHERE cuts = $1",
            args![cuts_text()],
        )
        .await?;
    for y in &years {
        for r in db
            .query_as::<SpanTally>(
                "SELECT path, span, n_pop, n_partial, n_full, n_boosted FROM vax_span_tallies \
                 WHERE year = $1",
                args![y.year],
            )
            .await?
        {
            kept.push((
                r.path,
                format!("span {} {}", y.year, r.span),
                [r.n_pop, r.n_partial, r.n_full, r.n_boosted],
            ));
        }
        let mut spans: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
        for ((path, key), v) in &counted {
            let Ok(birth_year) = key.parse::<i64>() else {
                continue;
            };
            if birth_year == 0 || !spans_kept(path) {
                continue;
            }
            if let Some(span) = span_of(y.year - birth_year) {
                let e = spans
                    .entry((path.clone(), format!("span {} {span}", y.year)))
                    .or_default();
                for i in 0..4 {
                    e[i] += v[i];
                }
            }
        }
        counted.extend(spans);
    }
    let mut kept: Kept = kept
        .into_iter()
        .map(|(p, k, mut v)| {
            if !begun {
                v[0] = 0;
            }
            (p, k, v)
        })
        .filter(|(_, _, v)| v.iter().any(|n| *n != 0))
        .collect();
    kept.sort();
    let counted: Kept = counted
        .into_iter()
        .filter(|(_, v)| v.iter().any(|n| *n != 0))
        .map(|((p, k), v)| (p, k, v))
        .collect();
    Ok((kept, counted))
}

struct YearRow {
    year: i64,
}
crate::from_row!(YearRow { year });

struct SpanTally {
    path: String,
    span: i64,
    n_pop: i64,
    n_partial: i64,
    n_full: i64,
    n_boosted: i64,
}
crate::from_row!(SpanTally {
    path,
    span,
    n_pop,
    n_partial,
    n_full,
    n_boosted
});

struct TickTally {
    path: String,
    reason: String,
    recheck_on: String,
    n: i64,
}
crate::from_row!(TickTally {
    path,
    reason,
    recheck_on,
    n
});

struct DropRow {
    path: String,
    dropout_on: String,
    n: i64,
}
crate::from_row!(DropRow {
    path,
    dropout_on,
    n
});

struct StatusOf {
    path: String,
    birth_year: i64,
    status: String,
    dropout_on: Option<String>,
}
crate::from_row!(StatusOf {
    path,
    birth_year,
    status,
    dropout_on
});

#[cfg(test)]
mod tests {
    use super::prefixes;

    #[test]
    fn prefixes_cover_every_level() {
        assert_eq!(
            prefixes("431102001001/G0003/B00012"),
            vec![
                "43",
                "4311",
                "431102",
                "431102001",
                "431102001001",
                "431102001001/G0003",
                "431102001001/G0003/B00012"
            ]
        );
        assert_eq!(
            prefixes("431102001001"),
            vec!["43", "4311", "431102", "431102001", "431102001001"]
        );
        assert_eq!(
            prefixes("431102001001/B00001"),
            vec![
                "43",
                "4311",
                "431102",
                "431102001",
                "431102001001",
                "431102001001/B00001"
            ]
        );
        assert_eq!(prefixes("431102"), vec!["43", "4311", "431102"]);
    }
}
