//! Coverage (不漏一户、不漏一人): who is expected, sampled, exempt and missing, for a round and
//! any area, live.
//!
//! Expected people and households come from the registry's tallies. What a round has done is
//! kept per household it has touched (`test_households`: members now, sampled, exempt), and the
//! differences are added to per-area and per-community tallies in the same transaction as the
//! change. So a city's coverage by community reads a few thousand tally rows, never the
//! residents. A person counts as sampled while they have a usable sample (a re-sample after an
//! invalid tube makes them missing again); as exempt when exempt and not sampled. A household is
//! covered when it has members and every one of them is sampled or exempt.

use std::collections::HashMap;

use serde::Serialize;

use super::{end, placeholders, Round};
use crate::access::Scope;
use crate::args;
use crate::db::{Backend, Db, DbResult, FromRow, Row, Stmt, Tx, Value};
use crate::error::AppResult;
use crate::registry::areas::{self, community_id, community_path, Area};
use crate::registry::model::{TAG_ALONE, TAG_CHRONIC, TAG_DISABLED};
use crate::registry::residents::age_on;
use crate::registry::validate::{self, mask_phone};

/// Per household: (area id, path, members, sampled, exempt).
type HouseholdState = (i64, String, i64, i64, i64);

/// A household as a round counts it, read from the registry or from `test_households`.
struct HouseholdRow {
    household_id: i64,
    area_id: i64,
    path: String,
    members: i64,
    sampled: i64,
    exempt: i64,
}
crate::from_row!(HouseholdRow {
    household_id,
    area_id,
    path,
    members,
    sampled,
    exempt
});

fn covered(h: &HouseholdState) -> i64 {
    (h.2 > 0 && h.3 + h.4 >= h.2) as i64
}

/// Recompute the coverage of `households` in a round (after samples, results, exemptions or a
/// registry change) and add the differences to the tallies. Households outside the round's
/// area count for nothing.
pub async fn refresh(
    tx: &mut Tx,
    round_id: i64,
    round_path: &str,
    households: &[i64],
) -> AppResult<()> {
    let mut households = households.to_vec();
    households.sort_unstable();
    households.dedup();
    for chunk in households.chunks(500) {
        refresh_chunk(tx, round_id, round_path, chunk).await?;
    }
    Ok(())
}

async fn refresh_chunk(tx: &mut Tx, round_id: i64, round_path: &str, hh: &[i64]) -> AppResult<()> {
    let ids: Vec<Value> = hh.iter().map(|&i| Value::Int(i)).collect();
    if tx.backend() == Backend::Postgres {
        // Serialise recomputations of the same households across nodes: the one that waits
        // reads the other's committed rows.
        tx.query(
            &format!(
                "SELECT id FROM households WHERE id IN ({}) ORDER BY id FOR UPDATE",
                placeholders(1, hh.len())
            ),
            ids.clone(),
        )
        .await?;
    }
    let mut params = vec![
        Value::Int(round_id),
        Value::from(round_path),
        Value::from(end(round_path)),
    ];
    params.extend(ids.iter().cloned());
    let mut old_params = vec![Value::Int(round_id)];
    old_params.extend(ids);
    // The households as they are now, and as the tallies last counted them: one pipeline.
    let mut read = tx
        .pipeline(vec![
            Stmt::Query(
                format!(
                    "SELECT h.id AS household_id, h.area_id AS area_id, h.path AS path, \
                     COUNT(r.id) AS members, \
                     CAST(COALESCE(SUM(CASE WHEN p.resident_id IS NOT NULL AND p.status <> 'resample' \
                       THEN 1 ELSE 0 END), 0) AS BIGINT) AS sampled, \
                     CAST(COALESCE(SUM(CASE WHEN (p.resident_id IS NULL OR p.status = 'resample') \
                       AND e.resident_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS exempt \
                     FROM households h LEFT JOIN residents r ON r.household_id = h.id \
                     LEFT JOIN test_persons p ON p.round_id = $1 AND p.resident_id = r.id \
                     LEFT JOIN test_exemptions e ON e.round_id = $1 AND e.resident_id = r.id \
                     WHERE h.path >= $2 AND h.path < $3 AND h.id IN ({}) \
                     GROUP BY h.id, h.area_id, h.path",
                    placeholders(4, hh.len())
                ),
                params,
            ),
            Stmt::Query(
                format!(
                    "SELECT household_id, area_id, path, members, sampled, exempt FROM test_households \
                     WHERE round_id = $1 AND household_id IN ({})",
                    placeholders(2, hh.len())
                ),
                old_params,
            ),
        ])
        .await?
        .into_iter();
    let state = |rows: Vec<Row>| -> DbResult<HashMap<i64, HouseholdState>> {
        rows.iter()
            .map(|r| {
                let h = HouseholdRow::from_row(r)?;
                Ok((
                    h.household_id,
                    (h.area_id, h.path, h.members, h.sampled, h.exempt),
                ))
            })
            .collect()
    };
    let new = state(read.next().unwrap_or_default())?;
    let old = state(read.next().unwrap_or_default())?;
    // (area id) → (path, sampled, exempt, covered) differences.
    let mut delta: HashMap<i64, (String, i64, i64, i64)> = HashMap::new();
    let mut upserts = Vec::new();
    let mut gone = Vec::new();
    for &h in hh {
        let (o, n) = (old.get(&h), new.get(&h));
        if o == n {
            continue;
        }
        if let Some(o) = o {
            let d = delta.entry(o.0).or_insert_with(|| (o.1.clone(), 0, 0, 0));
            d.1 -= o.3;
            d.2 -= o.4;
            d.3 -= covered(o);
        }
        match n {
            Some(n) => {
                let d = delta.entry(n.0).or_insert_with(|| (n.1.clone(), 0, 0, 0));
                d.1 += n.3;
                d.2 += n.4;
                d.3 += covered(n);
                upserts.extend([
                    Value::Int(round_id),
                    Value::Int(h),
                    Value::Int(n.0),
                    Value::from(n.1.as_str()),
                    Value::Int(n.2),
                    Value::Int(n.3),
                    Value::Int(n.4),
                ]);
            }
            None => gone.push(h),
        }
    }
    let mut stmts = vec![Stmt::Bulk {
        table: "test_households",
        columns: &[
            "round_id",
            "household_id",
            "area_id",
            "path",
            "members",
            "sampled",
            "exempt",
        ],
        rows: upserts,
        on_conflict: Some(
            "ON CONFLICT (round_id, household_id) DO UPDATE SET area_id = excluded.area_id, \
             path = excluded.path, members = excluded.members, sampled = excluded.sampled, \
             exempt = excluded.exempt",
        ),
    }];
    for h in gone {
        stmts.push(Stmt::Exec(
            "DELETE FROM test_households WHERE round_id = $1 AND household_id = $2".into(),
            args![round_id, h],
        ));
    }
    stmts.extend(tally_stmts(round_id, delta));
    tx.pipeline(stmts).await?;
    Ok(())
}

const TALLY_COLS: &[&str] = &[
    "round_id",
    "area_id",
    "path",
    "sampled",
    "exempt",
    "households_covered",
];

macro_rules! tally_upsert {
    ($t:literal) => {
        concat!(
            "ON CONFLICT (round_id, area_id) DO UPDATE SET sampled = ",
            $t,
            ".sampled + excluded.sampled, exempt = ",
            $t,
            ".exempt + excluded.exempt, households_covered = ",
            $t,
            ".households_covered + excluded.households_covered"
        )
    };
}

/// The statements that add per-area differences to both tally tables.
fn tally_stmts(round_id: i64, per_area: HashMap<i64, (String, i64, i64, i64)>) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut communities: HashMap<i64, (String, i64, i64, i64)> = HashMap::new();
    for (path, s, e, c) in per_area.values() {
        let x = communities
            .entry(community_id(path))
            .or_insert_with(|| (community_path(path).to_owned(), 0, 0, 0));
        x.1 += s;
        x.2 += e;
        x.3 += c;
    }
    for (table, upsert, tallies) in [
        (
            "test_area_counts",
            tally_upsert!("test_area_counts"),
            per_area,
        ),
        (
            "test_community_counts",
            tally_upsert!("test_community_counts"),
            communities,
        ),
    ] {
        let mut keys: Vec<_> = tallies
            .into_iter()
            .filter(|(_, d)| d.1 != 0 || d.2 != 0 || d.3 != 0)
            .collect();
        keys.sort_by_key(|(id, _)| *id);
        let mut rows = Vec::with_capacity(keys.len() * TALLY_COLS.len());
        for (id, (path, s, e, c)) in keys {
            rows.extend([
                Value::Int(round_id),
                Value::Int(id),
                Value::from(path),
                Value::Int(s),
                Value::Int(e),
                Value::Int(c),
            ]);
        }
        out.push(Stmt::Bulk {
            table,
            columns: TALLY_COLS,
            rows,
            on_conflict: Some(upsert),
        });
    }
    out
}

/// A household's or a round's id and path.
struct IdPath {
    id: i64,
    path: String,
}
crate::from_row!(IdPath { id, path });

/// Recompute, for every round covering them, the coverage of households the registry changed.
pub async fn registry_changed(tx: &mut Tx, households: &[i64]) -> AppResult<()> {
    if households.is_empty() {
        return Ok(());
    }
    let paths: Vec<IdPath> = tx
        .query_as(
            &format!(
                "SELECT id, path FROM households WHERE id IN ({})",
                placeholders(1, households.len())
            ),
            households.iter().map(|&h| Value::Int(h)).collect(),
        )
        .await?;
    let rounds: Vec<IdPath> = tx
        .query_as("SELECT id, path FROM test_rounds", vec![])
        .await?;
    for r in rounds {
        let hh: Vec<i64> = paths
            .iter()
            .filter(|p| p.path.starts_with(r.path.as_str()))
            .map(|p| p.id)
            .collect();
        if !hh.is_empty() {
            refresh(tx, r.id, &r.path, &hh).await?;
        }
    }
    Ok(())
}

/// Drop, from every round covering it, the coverage of a household the registry deleted (merged
/// into another or removed): its `test_households` rows go and their counts leave the tallies.
/// Call it after the household row is gone; `path` is the path it had.
pub async fn household_removed(tx: &mut Tx, id: i64, path: &str) -> AppResult<()> {
    let rounds: Vec<IdPath> = tx
        .query_as("SELECT id, path FROM test_rounds", vec![])
        .await?;
    for r in rounds {
        if path.starts_with(r.path.as_str()) {
            refresh(tx, r.id, &r.path, &[id]).await?;
        }
    }
    Ok(())
}

/// Coverage of a subtree in a round.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Coverage {
    pub expected: i64,
    pub sampled: i64,
    pub exempt: i64,
    pub missing: i64,
    pub households: i64,
    pub households_covered: i64,
    pub households_missing: i64,
}

impl Coverage {
    fn from_parts(
        residents: i64,
        households: i64,
        sampled: i64,
        exempt: i64,
        covered: i64,
    ) -> Coverage {
        Coverage {
            expected: residents,
            sampled,
            exempt,
            missing: (residents - sampled - exempt).max(0),
            households,
            households_covered: covered,
            households_missing: (households - covered).max(0),
        }
    }

    /// Sampled or exempt, in per mille of the expected (for bars and for ordering).
    pub fn permille(&self) -> i64 {
        if self.expected == 0 {
            1000
        } else {
            (self.sampled + self.exempt) * 1000 / self.expected
        }
    }
}

fn test_table(path: &str) -> &'static str {
    if path.contains('/') {
        "test_area_counts"
    } else {
        "test_community_counts"
    }
}

/// What a round's tallies say for a subtree.
struct Done {
    sampled: i64,
    exempt: i64,
    covered: i64,
}
crate::from_row!(Done {
    sampled,
    exempt,
    covered
});

/// Coverage of the subtree at `path`: two range scans over tallies.
pub async fn subtree(db: &Db, round_id: i64, path: &str) -> AppResult<Coverage> {
    let reg = areas::subtree_counts(db, path).await?;
    let r: Done = db
        .query_one_as(
            &format!(
                "SELECT CAST(COALESCE(SUM(sampled), 0) AS BIGINT) AS sampled, \
                 CAST(COALESCE(SUM(exempt), 0) AS BIGINT) AS exempt, \
                 CAST(COALESCE(SUM(households_covered), 0) AS BIGINT) AS covered FROM {} \
                 WHERE round_id = $1 AND path >= $2 AND path < $3",
                test_table(path)
            ),
            args![round_id, path, end(path)],
        )
        .await?;
    Ok(Coverage::from_parts(
        reg.residents,
        reg.households,
        r.sampled,
        r.exempt,
        r.covered,
    ))
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaCoverage {
    pub code: String,
    pub name: String,
    pub level: i64,
    pub path: String,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// A child area, as [`children`] shows it.
struct Kid {
    code: String,
    name: String,
    level: i64,
    path: String,
}
crate::from_row!(Kid {
    code,
    name,
    level,
    path
});

/// Coverage of each child of `area`: one read of the registry tallies and one of the round's
/// under the area, summed per child in memory.
pub async fn children(db: &Db, round_id: i64, area: &Area) -> AppResult<Vec<AreaCoverage>> {
    let kids: Vec<Kid> = db
        .query_as(
            "SELECT code, name, level, path FROM areas WHERE parent_id = $1 ORDER BY code",
            args![area.id],
        )
        .await?;
    let per = tallies_under(db, round_id, &area.path).await?;
    let mut out: Vec<AreaCoverage> = kids
        .into_iter()
        .map(|k| {
            let mut c = [0i64; 5];
            for (p, v) in &per {
                if p.starts_with(k.path.as_str()) {
                    for i in 0..5 {
                        c[i] += v[i];
                    }
                }
            }
            AreaCoverage {
                coverage: Coverage::from_parts(c[0], c[1], c[2], c[3], c[4]),
                code: k.code,
                name: k.name,
                level: k.level,
                path: k.path,
            }
        })
        .collect();
    out.retain(|c| c.coverage.expected > 0 || c.coverage.households > 0);
    Ok(out)
}

/// One area's registry tally beside the round's.
struct Tally {
    area_id: i64,
    path: String,
    residents: i64,
    households: i64,
    sampled: i64,
    exempt: i64,
    covered: i64,
}
crate::from_row!(Tally {
    area_id,
    path,
    residents,
    households,
    sampled,
    exempt,
    covered
});

impl Tally {
    fn coverage(&self) -> Coverage {
        Coverage::from_parts(
            self.residents,
            self.households,
            self.sampled,
            self.exempt,
            self.covered,
        )
    }
}

/// Per tally row under `path`: (residents, households, sampled, exempt, covered).
async fn tallies_under(db: &Db, round_id: i64, path: &str) -> AppResult<Vec<(String, [i64; 5])>> {
    // Children of a street or above are communities or bigger: the per-community rollups. Of a
    // community: grids and buildings, from the per-area tallies.
    let (reg, test) = if path.contains('/') || path.len() >= 12 {
        ("area_counts", "test_area_counts")
    } else {
        ("community_counts", "test_community_counts")
    };
    let rows: Vec<Tally> = db
        .query_as(
            &format!(
                "SELECT c.area_id AS area_id, c.path AS path, c.residents AS residents, \
                 c.households AS households, COALESCE(t.sampled, 0) AS sampled, \
                 COALESCE(t.exempt, 0) AS exempt, COALESCE(t.households_covered, 0) AS covered \
                 FROM {reg} c \
                 LEFT JOIN {test} t ON t.round_id = $1 AND t.area_id = c.area_id \
                 WHERE c.path >= $2 AND c.path < $3"
            ),
            args![round_id, path, end(path)],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.path,
                [r.residents, r.households, r.sampled, r.exempt, r.covered],
            )
        })
        .collect())
}

/// Coverage of every community/village under `path` (a city: thousands), laggards first.
pub async fn by_community(
    db: &Db,
    round_id: i64,
    path: &str,
) -> AppResult<Vec<(i64, String, Coverage)>> {
    let rows: Vec<Tally> = db
        .query_as(
            "SELECT c.area_id AS area_id, c.path AS path, c.residents AS residents, \
             c.households AS households, COALESCE(t.sampled, 0) AS sampled, \
             COALESCE(t.exempt, 0) AS exempt, COALESCE(t.households_covered, 0) AS covered \
             FROM community_counts c \
             LEFT JOIN test_community_counts t ON t.round_id = $1 AND t.area_id = c.area_id \
             WHERE c.path >= $2 AND c.path < $3",
            args![round_id, path, end(path)],
        )
        .await?;
    let mut out: Vec<(i64, String, Coverage)> = rows
        .into_iter()
        .map(|r| (r.area_id, r.coverage(), r.path))
        .map(|(id, c, p)| (id, p, c))
        .collect();
    out.sort_by_key(|(_, p, c)| (c.permille(), p.clone()));
    Ok(out)
}

struct CommunityMissing {
    community_id: i64,
    n: i64,
}
crate::from_row!(CommunityMissing { community_id, n });

/// The straightforward SQL the tallies replace: residents with no sample, by community.
pub async fn missing_by_community_naive(db: &Db, round: &Round) -> AppResult<Vec<(i64, i64)>> {
    Ok(db
        .query_as::<CommunityMissing>(
            "SELECT r.community_id AS community_id, COUNT(*) AS n FROM residents r \
             WHERE r.path >= $2 AND r.path < $3 \
             AND NOT EXISTS (SELECT 1 FROM test_persons p WHERE p.round_id = $1 \
               AND p.resident_id = r.id AND p.status <> 'resample') \
             AND NOT EXISTS (SELECT 1 FROM test_exemptions e WHERE e.round_id = $1 AND e.resident_id = r.id) \
             GROUP BY r.community_id",
            args![round.id, round.path.as_str(), end(&round.path)],
        )
        .await?
        .into_iter()
        .map(|r| (r.community_id, r.n))
        .collect())
}

/// One missing person on the door-to-door list.
#[derive(Debug, Clone, Serialize)]
pub struct MissingPerson {
    pub resident_id: i64,
    pub name: String,
    pub sex: i64,
    pub age: Option<i64>,
    pub phone_masked: Option<String>,
    pub relation: String,
    pub tags: Vec<&'static str>,
    /// Needs sampling at home: disabled, chronically ill, living alone, or 80 and over.
    pub home_visit: bool,
    /// Missing because the tube was invalid (re-sample), not because never sampled.
    pub resample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingHousehold {
    pub household_id: i64,
    pub path: String,
    pub address: String,
    /// The head of the household (to call when the missing person has no phone).
    pub head_id: Option<i64>,
    pub head_name: Option<String>,
    pub head_phone_masked: Option<String>,
    pub members: i64,
    pub missing: Vec<MissingPerson>,
    /// The zone in force over the household now (a sealed household is visited at home).
    pub zone: Option<crate::zones::ZoneInForce>,
}

/// The most missing people one list shows (a grid has about a thousand residents).
pub const MISSING_LIMIT: usize = 5000;

/// The missing people under `area` (a grid or a building; a community works too), grouped by
/// household and ordered for a door-to-door walk: by building, then by address in natural
/// order (2单元 before 10单元). Phone numbers are masked.
pub async fn missing(
    db: &Db,
    round_id: i64,
    area_path: &str,
    scope: &Scope,
) -> AppResult<(Vec<MissingHousehold>, bool)> {
    if !scope.contains(area_path) {
        return Ok((vec![], false));
    }
    let rows: Vec<MissingRow> = db
        .query_as(
            "SELECT h.id AS household_id, h.path AS path, h.address AS address, \
             r.id AS resident_id, r.name AS name, r.sex AS sex, r.birth_date AS birth_date, \
             r.phone AS phone, r.relation AS relation, r.tags AS tags, p.status AS status, \
             hd.id AS head_id, hd.name AS head_name, hd.phone AS head_phone, \
             (SELECT COUNT(*) FROM residents m WHERE m.household_id = h.id) AS members \
             FROM households h JOIN residents r ON r.household_id = h.id \
             LEFT JOIN residents hd ON hd.id = h.head_id \
             LEFT JOIN test_persons p ON p.round_id = $1 AND p.resident_id = r.id \
             LEFT JOIN test_exemptions e ON e.round_id = $1 AND e.resident_id = r.id \
             WHERE h.path >= $2 AND h.path < $3 AND e.resident_id IS NULL \
             AND (p.resident_id IS NULL OR p.status = 'resample') \
             ORDER BY h.id, r.id",
            args![round_id, area_path, end(area_path)],
        )
        .await?;
    let truncated = rows.len() > MISSING_LIMIT;
    let today = validate::today();
    let mut out: Vec<MissingHousehold> = Vec::new();
    for r in rows.into_iter().take(MISSING_LIMIT) {
        if out.last().is_none_or(|h| h.household_id != r.household_id) {
            out.push(MissingHousehold {
                household_id: r.household_id,
                path: r.path.clone(),
                address: r.address.clone(),
                head_id: r.head_id,
                head_name: r.head_name.clone(),
                head_phone_masked: r.head_phone.as_deref().map(mask_phone),
                members: r.members,
                missing: vec![],
                zone: None,
            });
        }
        out.last_mut().unwrap().missing.push(person(r, today));
    }
    out.sort_by(|a, b| {
        (a.path.as_str(), natural_key(&a.address), a.household_id).cmp(&(
            b.path.as_str(),
            natural_key(&b.address),
            b.household_id,
        ))
    });
    let ids: Vec<i64> = out.iter().map(|h| h.household_id).collect();
    let zones = crate::zones::for_households(db, &ids, crate::db::now_ms()).await?;
    for h in &mut out {
        h.zone = zones.get(&h.household_id).cloned();
    }
    Ok((out, truncated))
}

/// One missing person with their household, as [`missing`] reads them.
struct MissingRow {
    household_id: i64,
    path: String,
    address: String,
    resident_id: i64,
    name: String,
    sex: i64,
    birth_date: Option<String>,
    phone: Option<String>,
    relation: String,
    tags: i64,
    status: Option<String>,
    head_id: Option<i64>,
    head_name: Option<String>,
    head_phone: Option<String>,
    members: i64,
}
crate::from_row!(MissingRow {
    household_id,
    path,
    address,
    resident_id,
    name,
    sex,
    birth_date,
    phone,
    relation,
    tags,
    status,
    head_id,
    head_name,
    head_phone,
    members
});

fn person(r: MissingRow, today: (i32, u32, u32)) -> MissingPerson {
    let age = r.birth_date.as_deref().and_then(|b| age_on(b, today));
    let tags = r.tags;
    MissingPerson {
        resident_id: r.resident_id,
        name: r.name,
        sex: r.sex,
        age,
        phone_masked: r.phone.as_deref().map(mask_phone),
        relation: r.relation,
        tags: crate::registry::model::bits_to_codes(crate::registry::model::TAGS, tags),
        home_visit: tags & (TAG_DISABLED | TAG_CHRONIC | TAG_ALONE) != 0
            || age.is_some_and(|a| a >= 80),
        resample: r.status.as_deref() == Some("resample"),
    }
}

/// Natural order: runs of digits compare as numbers.
pub fn natural_key(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).saturating_mul(10).saturating_add(d as u64));
        } else {
            if let Some(n) = num.take() {
                out.push((n, std::mem::take(&mut text)));
            }
            text.push(c);
        }
    }
    out.push((num.unwrap_or(u64::MAX), text));
    out
}

struct RecountRow {
    household_id: i64,
    resident_id: Option<i64>,
    status: Option<String>,
    exempt_id: Option<i64>,
}
crate::from_row!(RecountRow {
    household_id,
    resident_id,
    status,
    exempt_id
});

/// Brute-force coverage of a subtree, from the residents and the round's rows: what the
/// tallies must always equal (used by the tests).
pub async fn recount(db: &Db, round_id: i64, path: &str) -> AppResult<Coverage> {
    let rows: Vec<RecountRow> = db
        .query_as(
            "SELECT h.id AS household_id, r.id AS resident_id, p.status AS status, \
             e.resident_id AS exempt_id FROM households h \
             LEFT JOIN residents r ON r.household_id = h.id \
             LEFT JOIN test_persons p ON p.round_id = $1 AND p.resident_id = r.id \
             LEFT JOIN test_exemptions e ON e.round_id = $1 AND e.resident_id = r.id \
             WHERE h.path >= $2 AND h.path < $3 ORDER BY h.id",
            args![round_id, path, end(path)],
        )
        .await?;
    let mut c = Coverage::default();
    let mut per: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in &rows {
        let e = per.entry(r.household_id).or_default();
        if r.resident_id.is_none() {
            continue;
        }
        c.expected += 1;
        e.0 += 1;
        let sampled = r.status.as_deref().is_some_and(|s| s != "resample");
        if sampled {
            c.sampled += 1;
            e.1 += 1;
        } else if r.exempt_id.is_some() {
            c.exempt += 1;
            e.1 += 1;
        }
    }
    c.households = per.len() as i64;
    c.households_covered = per.values().filter(|(m, d)| *m > 0 && d >= m).count() as i64;
    c.missing = c.expected - c.sampled - c.exempt;
    c.households_missing = c.households - c.households_covered;
    Ok(c)
}

/// The round in force over the subtree at `path` at `at` (HQ's overview): the latest round
/// started by then whose area covers `path`.
pub async fn round_over(db: &Db, path: &str, at: i64) -> AppResult<Option<Round>> {
    let rounds: Vec<Round> = db
        .query_as(
            &format!(
                "SELECT {} FROM test_rounds WHERE starts_ms <= $1 ORDER BY starts_ms DESC, id DESC",
                super::ROUND_COLS
            ),
            args![at],
        )
        .await?;
    Ok(rounds.into_iter().find(|r| r.covers(path)))
}

/// A round's state under a subtree: coverage from the tallies, and the people whose latest
/// result is positive or who owe a re-test (a pooled tube positive, or an invalid tube).
#[derive(Debug, Clone, Serialize)]
pub struct RoundState {
    pub round_id: i64,
    pub coverage: Coverage,
    pub positives: i64,
    pub retests_due: i64,
}

struct Statuses {
    positives: i64,
    retests: i64,
}
crate::from_row!(Statuses { positives, retests });

/// The state of the round over `path` at `at` (None: no round yet).
pub async fn round_state(db: &Db, path: &str, at: i64) -> AppResult<Option<RoundState>> {
    let Some(round) = round_over(db, path, at).await? else {
        return Ok(None);
    };
    let coverage = subtree(db, round.id, path).await?;
    let s: Statuses = db
        .query_one_as(
            // The flagged people only, through their partial index (migration 0029): the
            // status list is the index's own, word for word, so both planners use it.
            "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'positive' THEN 1 ELSE 0 END), 0) AS BIGINT) AS positives, \
             CAST(COALESCE(SUM(CASE WHEN status IN ('retest', 'resample') THEN 1 ELSE 0 END), 0) AS BIGINT) AS retests \
             FROM test_persons WHERE round_id = $1 AND status IN ('positive', 'retest', 'resample') \
             AND path >= $2 AND path < $3",
            args![round.id, path, end(path)],
        )
        .await?;
    Ok(Some(RoundState {
        round_id: round.id,
        coverage,
        positives: s.positives,
        retests_due: s.retests,
    }))
}

/// People sampled under `path`, summed over every round (the seeds' "samples taken door to
/// door"), from the rounds' tallies; None when no round has touched the subtree.
pub async fn samples_taken(db: &Db, path: &str) -> AppResult<Option<i64>> {
    let rounds: i64 = db
        .scalar("SELECT COUNT(*) AS n FROM test_rounds", args![])
        .await?;
    if rounds == 0 {
        return Ok(None);
    }
    let n: i64 = db
        .scalar(
            &format!(
                "SELECT CAST(COALESCE(SUM(sampled), 0) AS BIGINT) AS n FROM {} \
                 WHERE path >= $1 AND path < $2",
                test_table(path)
            ),
            args![path, end(path)],
        )
        .await?;
    Ok(Some(n))
}
