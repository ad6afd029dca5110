//! The area tree. National levels (province … community/village) come from the statistical
//! division codes and use the code as id and path: the codes are prefix-hierarchical
//! (431102002013 lies under 431102002, under 431102, under 4311, under 43), so "everything
//! under X" is the range `[X, X~)` on an indexed path. Grids and buildings are local: their
//! path appends fixed-width segments (`/G0001`, `/B00001`) so that no sibling is a prefix of
//! another.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::access::Scope;
use crate::args;
use crate::db::{now_ms, path_end, Db, DbResult, FromRow, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::model::*;

/// First id of local areas; national codes (at most 12 digits) stay below it.
pub const LOCAL_ID_BASE: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Area {
    pub id: i64,
    pub code: String,
    pub parent_id: Option<i64>,
    pub level: i64,
    pub name: String,
    pub official_name: String,
    pub path: String,
}

pub const AREA_COLS: &str = "id, code, parent_id, level, name, official_name, path";

impl Area {
    /// The `n`th grid or building (by `level`) under `parent`: its code is its path.
    pub fn local(id: i64, parent: &Area, level: i64, n: i64, name: &str) -> Area {
        let path = format!("{}{}", parent.path, local_segment(level, n));
        Area {
            id,
            code: path.clone(),
            parent_id: Some(parent.id),
            level,
            name: name.to_owned(),
            official_name: name.to_owned(),
            path,
        }
    }
}

crate::from_row!(Area {
    id,
    code,
    parent_id,
    level,
    name,
    official_name,
    path
});

/// Tallies for a subtree.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub households: i64,
    pub residents: i64,
    pub vulnerable: i64,
    pub party_members: i64,
    /// Residents aged 60 or over (as of the last daily recount for people who turned 60 since).
    pub aged60: i64,
}

/// The tally columns, in the order of [`Counts`].
pub const TALLIES: [&str; 5] = [
    "households",
    "residents",
    "vulnerable",
    "party_members",
    "aged60",
];

// Read from the columns named as the tallies ([`SUM_COUNTS`] names its sums so).
crate::from_row!(Counts {
    households,
    residents,
    vulnerable,
    party_members,
    aged60
});

impl Counts {
    /// What one resident adds.
    pub fn resident(birth_date: Option<&str>, tags: i64, party: i64) -> Counts {
        let aged = birth_date
            .and_then(|b| crate::registry::residents::age_on(b, crate::registry::validate::today()))
            .is_some_and(|a| a >= 60);
        Counts {
            households: 0,
            residents: 1,
            vulnerable: (tags != 0) as i64,
            party_members: (party != 0) as i64,
            aged60: aged as i64,
        }
    }

    pub fn values(&self) -> [i64; 5] {
        [
            self.households,
            self.residents,
            self.vulnerable,
            self.party_members,
            self.aged60,
        ]
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, d: Counts) {
        self.households += d.households;
        self.residents += d.residents;
        self.vulnerable += d.vulnerable;
        self.party_members += d.party_members;
        self.aged60 += d.aged60;
    }
}

impl std::ops::Neg for Counts {
    type Output = Counts;
    fn neg(self) -> Counts {
        Counts {
            households: -self.households,
            residents: -self.residents,
            vulnerable: -self.vulnerable,
            party_members: -self.party_members,
            aged60: -self.aged60,
        }
    }
}

/// The path of the community/village an area lies in (itself, for a community): the first
/// 12 characters, the community's code. Shorter paths (streets and above) come back whole.
pub fn community_path(path: &str) -> &str {
    &path[..path.len().min(12)]
}

/// The id of the community/village an area lies in (the distribution key of big tables); 0
/// above community level.
pub fn community_id(path: &str) -> i64 {
    path.get(..12).and_then(|p| p.parse().ok()).unwrap_or(0)
}

pub async fn by_code(db: &Db, code: &str) -> AppResult<Option<Area>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {AREA_COLS} FROM areas WHERE code = $1"),
            args![code],
        )
        .await?)
}

pub async fn by_path(db: &Db, path: &str) -> AppResult<Option<Area>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {AREA_COLS} FROM areas WHERE path = $1"),
            args![path],
        )
        .await?)
}

pub async fn by_id(db: &Db, id: i64) -> AppResult<Option<Area>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {AREA_COLS} FROM areas WHERE id = $1"),
            args![id],
        )
        .await?)
}

/// An area by code, if it lies within the scope; otherwise not found.
pub async fn scoped(db: &Db, code: &str, scope: &Scope) -> AppResult<Area> {
    match by_code(db, code).await? {
        Some(a) if scope.contains(&a.path) => Ok(a),
        _ => Err(AppError::NotFound),
    }
}

/// The sums of the tallies, each named as its tally (read as [`Counts`]).
pub const SUM_COUNTS: &str = "CAST(COALESCE(SUM(households), 0) AS BIGINT) AS households, \
    CAST(COALESCE(SUM(residents), 0) AS BIGINT) AS residents, \
    CAST(COALESCE(SUM(vulnerable), 0) AS BIGINT) AS vulnerable, \
    CAST(COALESCE(SUM(party_members), 0) AS BIGINT) AS party_members, \
    CAST(COALESCE(SUM(aged60), 0) AS BIGINT) AS aged60";

/// The tally table to sum for the subtree at `path`: the per-community rollup for a
/// community/village or anything above it (their paths are bare codes), the per-area tallies
/// for a grid or a building.
pub fn counts_table(path: &str) -> &'static str {
    if path.contains('/') {
        "area_counts"
    } else {
        "community_counts"
    }
}

pub const COUNT_COLS: &[&str] = &[
    "area_id",
    "path",
    "households",
    "residents",
    "vulnerable",
    "party_members",
    "aged60",
];

macro_rules! counts_upsert {
    ($t:literal) => {
        concat!(
            "ON CONFLICT (area_id) DO UPDATE SET households = ",
            $t,
            ".households + excluded.households, ",
            "residents = ",
            $t,
            ".residents + excluded.residents, ",
            "vulnerable = ",
            $t,
            ".vulnerable + excluded.vulnerable, ",
            "party_members = ",
            $t,
            ".party_members + excluded.party_members, ",
            "aged60 = ",
            $t,
            ".aged60 + excluded.aged60"
        )
    };
}
/// Add a row of deltas to a tally table.
pub const AREA_COUNTS_UPSERT: &str = counts_upsert!("area_counts");
pub const COMMUNITY_COUNTS_UPSERT: &str = counts_upsert!("community_counts");

/// Totals under `path`: one range scan over the tallies.
pub async fn subtree_counts(db: &Db, path: &str) -> AppResult<Counts> {
    Ok(db
        .query_one_as(
            &format!(
                "SELECT {SUM_COUNTS} FROM {} WHERE path >= $1 AND path < $2",
                counts_table(path)
            ),
            args![path, path_end(path)],
        )
        .await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct Child {
    #[serde(flatten)]
    pub area: Area,
    pub counts: Counts,
}

/// Children of an area in code order, with their subtree counts, keyset-paged by code.
pub async fn children(
    db: &Db,
    parent: &Area,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Child>> {
    // One scalar subquery per tally: both backends run each as a range scan on the index
    // (1 ms p99 for a district's children at 10M residents). A grouped join on the range would
    // scan once, but leaves PostgreSQL only nested-loop plans whose choice is less predictable.
    // Children of a street or higher are national areas: sum the community rollups.
    let table = if parent.level < LEVEL_COMMUNITY {
        "community_counts"
    } else {
        "area_counts"
    };
    let sums: Vec<String> = TALLIES
        .iter()
        .map(|c| {
            format!(
                "(SELECT CAST(COALESCE(SUM(c.{c}), 0) AS BIGINT) FROM {table} c \
                 WHERE c.path >= a.path AND c.path < a.path || '~') AS {c}"
            )
        })
        .collect();
    let sql = format!(
        "SELECT a.id, a.code, a.parent_id, a.level, a.name, a.official_name, a.path, {} \
         FROM areas a WHERE a.parent_id = $1 AND a.code > $2 ORDER BY a.code LIMIT $3",
        sums.join(", ")
    );
    let rows = db
        .query(&sql, args![parent.id, after.unwrap_or(""), limit])
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Child {
                area: Area::from_row(r)?,
                counts: Counts::from_row(r)?,
            })
        })
        .collect::<DbResult<_>>()
        .map_err(Into::into)
}

/// The paths of an area's ancestors, root first, derived from its own path: national codes
/// nest by prefix (2, 4, 6, 9, 12 digits), local segments by `/`.
pub fn ancestor_paths(path: &str) -> Vec<&str> {
    let national = path.split('/').next().unwrap_or("");
    let mut out: Vec<&str> = [2, 4, 6, 9]
        .into_iter()
        .filter(|&n| n < national.len())
        .map(|n| &path[..n])
        .collect();
    let mut end = national.len();
    for seg in path[national.len()..].split('/').filter(|s| !s.is_empty()) {
        out.push(&path[..end]);
        end += 1 + seg.len();
    }
    out
}

/// The chain of ancestors of an area, root first, for breadcrumbs: one query.
pub async fn ancestors(db: &Db, area: &Area) -> AppResult<Vec<Area>> {
    let paths = ancestor_paths(&area.path);
    if paths.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (1..=paths.len()).map(|i| format!("${i}")).collect();
    Ok(db
        .query_as(
            &format!(
                "SELECT {AREA_COLS} FROM areas WHERE path IN ({}) ORDER BY level",
                marks.join(", ")
            ),
            paths.into_iter().map(Value::from).collect(),
        )
        .await?)
}

/// Short display name: the committee suffix of villages and communities dropped
/// (东岳宫社区居委会 → 东岳宫社区, 石山脚村委会 → 石山脚村).
pub fn display_name(official: &str) -> String {
    const SUFFIXES: &[(&str, &str)] = &[
        ("社区居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
    ];
    for (suf, rep) in SUFFIXES {
        if let Some(stem) = official.strip_suffix(suf) {
            if !stem.is_empty() {
                return format!("{stem}{rep}");
            }
        }
    }
    official.to_owned()
}

/// What an area import did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ImportStats {
    pub rows: u64,
    pub by_level: [u64; 5],
}

/// Columns of an area row as bulk loads write them.
pub const AREA_INSERT_COLS: &[&str] = &[
    "id",
    "code",
    "parent_id",
    "level",
    "name",
    "official_name",
    "path",
    "created_ms",
];
/// Upsert by id (= code); rows whose values did not change are not rewritten, so a re-run of
/// the same import only reads.
const AREA_UPSERT: &str = "ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
    official_name = excluded.official_name, parent_id = excluded.parent_id, level = excluded.level \
    WHERE areas.name IS DISTINCT FROM excluded.name \
    OR areas.official_name IS DISTINCT FROM excluded.official_name \
    OR areas.parent_id IS DISTINCT FROM excluded.parent_id OR areas.level IS DISTINCT FROM excluded.level";

/// The files of the national division data set, with their level and parent column.
const DIVISION_FILES: &[(&str, i64, Option<&str>)] = &[
    ("provinces.csv", LEVEL_PROVINCE, None),
    ("cities.csv", LEVEL_CITY, Some("provinceCode")),
    ("areas.csv", LEVEL_COUNTY, Some("cityCode")),
    ("streets.csv", LEVEL_STREET, Some("areaCode")),
    ("villages.csv", LEVEL_COMMUNITY, Some("streetCode")),
];

/// Read the national division CSVs from `dir`, keeping `under` (a code), its subtree and its
/// ancestors; rows are flat `AREA_INSERT_COLS` values.
pub fn read_division_dir(dir: &Path, under: Option<&str>) -> AppResult<(Vec<Value>, ImportStats)> {
    let mut sources = Vec::new();
    for (file, level, parent_col) in DIVISION_FILES {
        let p = dir.join(file);
        let data = std::fs::read(&p).map_err(|e| {
            AppError::BadRequest(Msg::new(
                format!("cannot read {}: {e}", p.display()),
                format!("无法读取 {}：{e}", p.display()),
            ))
        })?;
        sources.push((*file, *level, *parent_col, data));
    }
    read_division(
        sources
            .iter()
            .map(|(f, l, p, d)| (*f, *l, *p, d.as_slice())),
        under,
    )
}

/// The 零陵区 subtree and its ancestors, embedded so the demo city needs no data files.
pub const EMBEDDED_DEMO_AREAS: &str = include_str!("../../data/demo-areas.csv");

/// Rows of the embedded demo areas (one CSV: code,name,level,parent).
pub fn read_embedded(under: Option<&str>) -> AppResult<(Vec<Value>, ImportStats)> {
    let mut per_level: Vec<Vec<u8>> = vec![Vec::new(); 5];
    for line in EMBEDDED_DEMO_AREAS.lines().skip(1) {
        let mut it = line.splitn(4, ',');
        let (code, name, level, parent) = (
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
            it.next().unwrap_or("0"),
            it.next().unwrap_or(""),
        );
        let l: usize = level.parse().unwrap_or(0);
        if (1..=5).contains(&l) {
            let buf = &mut per_level[l - 1];
            if buf.is_empty() {
                buf.extend_from_slice(b"code,name,parent\n");
            }
            buf.extend_from_slice(format!("{code},{name},{parent}\n").as_bytes());
        }
    }
    read_division(
        per_level.iter().enumerate().map(|(i, d)| {
            (
                "embedded",
                (i + 1) as i64,
                (i > 0).then_some("parent"),
                d.as_slice(),
            )
        }),
        under,
    )
}

fn read_division<'a>(
    sources: impl Iterator<Item = (&'a str, i64, Option<&'a str>, &'a [u8])>,
    under: Option<&str>,
) -> AppResult<(Vec<Value>, ImportStats)> {
    let now = now_ms();
    let mut rows = Vec::new();
    let mut stats = ImportStats::default();
    let bad = |file: &str, line: u64, en: String, zh: String| {
        AppError::Invalid(vec![FieldError::new(
            "file",
            format!("{file}: {en}"),
            format!("{file}：{zh}"),
        )
        .at_row(line as usize)])
    };
    for (file, level, parent_col, data) in sources {
        if data.is_empty() {
            continue;
        }
        let mut rdr = csv::Reader::from_reader(data);
        let headers = rdr
            .headers()
            .map_err(|e| bad(file, 1, e.to_string(), e.to_string()))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(ci), Some(ni)) = (col("code"), col("name")) else {
            return Err(bad(
                file,
                1,
                "needs columns code and name".into(),
                "缺少 code 或 name 列".into(),
            ));
        };
        let pi = match parent_col {
            Some(p) => Some(col(p).ok_or_else(|| {
                bad(file, 1, format!("needs column {p}"), format!("缺少 {p} 列"))
            })?),
            None => None,
        };
        let mut rec = csv::StringRecord::new();
        let mut line = 1u64;
        while rdr
            .read_record(&mut rec)
            .map_err(|e| bad(file, line + 1, e.to_string(), e.to_string()))?
        {
            line += 1;
            let code = rec.get(ci).unwrap_or("").trim();
            let keep = match under {
                None => true,
                // The subtree, and the ancestors of `under` so the chain is complete.
                Some(u) => code.starts_with(u) || u.starts_with(code),
            };
            if !keep {
                continue;
            }
            let id: i64 = match code.parse() {
                Ok(v) if !code.is_empty() && code.len() <= 12 => v,
                _ => {
                    return Err(bad(
                        file,
                        line,
                        format!("bad code {code:?}"),
                        format!("代码“{code}”无效"),
                    ))
                }
            };
            let parent: Option<i64> = match pi {
                Some(i) => Some(rec.get(i).unwrap_or("").trim().parse().map_err(|_| {
                    bad(file, line, "bad parent code".into(), "上级代码无效".into())
                })?),
                None => None,
            };
            if let Some(p) = parent {
                if !code.starts_with(&p.to_string()) {
                    return Err(bad(
                        file,
                        line,
                        format!("code {code} does not start with its parent's code {p}"),
                        format!("代码 {code} 不以上级代码 {p} 开头"),
                    ));
                }
            }
            let official = rec.get(ni).unwrap_or("").trim();
            rows.extend([
                Value::Int(id),
                Value::from(code),
                Value::from(parent),
                Value::Int(level),
                Value::from(display_name(official)),
                Value::from(official),
                Value::from(code),
                Value::Int(now),
            ]);
            stats.rows += 1;
            stats.by_level[(level - 1) as usize] += 1;
        }
    }
    Ok((rows, stats))
}

/// Upsert national area rows (from [`read_division_dir`] or [`read_embedded`]), in one
/// transaction. Parents come before children in the input, so foreign keys hold throughout.
pub async fn upsert_national(db: &Db, rows: Vec<Value>) -> AppResult<()> {
    let mut tx = db.begin().await?;
    const BATCH: usize = 50_000 * 8;
    let mut rows = rows;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(BATCH));
        tx.bulk_insert("areas", AREA_INSERT_COLS, rows, Some(AREA_UPSERT))
            .await?;
        rows = rest;
    }
    tx.commit().await?;
    Ok(())
}

/// Make sure the national areas at and above `code` exist, loading them from the embedded
/// demo data when they are missing. Errors if the code is neither present nor embedded.
pub async fn ensure_national(db: &Db, code: &str) -> AppResult<Area> {
    if let Some(a) = by_code(db, code).await? {
        return Ok(a);
    }
    let (rows, stats) = read_embedded(Some(code))?;
    if stats.rows == 0
        || !rows
            .iter()
            .step_by(8)
            .any(|v| v == &Value::Int(code.parse().unwrap_or(-1)))
    {
        return Err(AppError::BadRequest(Msg::new(
            format!("the area {code} is not loaded; run `wardline areas import --china-division DIR --under {code}` first"),
            format!("区划 {code} 尚未导入，请先运行 `wardline areas import --china-division DIR --under {code}`"),
        )));
    }
    upsert_national(db, rows).await?;
    by_code(db, code).await?.ok_or(AppError::NotFound)
}

/// Take the cluster-wide lock on creating local areas (grids, buildings) until `tx` commits:
/// their ids are MAX + 1 and their path segments COUNT + 1, which two nodes on one PostgreSQL
/// would otherwise both pick (see `migrations/0028_cluster_locks.sql`). Taken before reading
/// what exists; taking it again in the same transaction is harmless.
pub async fn lock_local(tx: &mut Tx) -> AppResult<()> {
    tx.execute(
        "UPDATE cluster_locks SET taken = taken + 1 WHERE name = 'local_areas'",
        vec![],
    )
    .await?;
    Ok(())
}

/// The next free local area id, inside a write transaction (ids are taken from the top, so
/// a block of ids from here on is free too until this transaction commits: the transaction
/// holds [`lock_local`], taken here).
pub async fn next_local_id(tx: &mut Tx) -> AppResult<i64> {
    lock_local(tx).await?;
    let max: i64 = tx
        .scalar(
            "SELECT COALESCE(MAX(id), $1) FROM areas WHERE id >= $1",
            args![LOCAL_ID_BASE - 1],
        )
        .await?;
    Ok(max + 1)
}

/// The path segment for the `n`-th local child (1-based) at `level`.
pub fn local_segment(level: i64, n: i64) -> String {
    match level {
        LEVEL_GRID => format!("/G{n:04}"),
        _ => format!("/B{n:05}"),
    }
}

/// Create a grid under a community/village, or a building under a grid or a community.
/// Within one parent, names are unique: an existing child of that name is returned instead.
pub async fn find_or_create_local(
    tx: &mut Tx,
    parent: &Area,
    level: i64,
    name: &str,
) -> AppResult<Area> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("name", "1–100 characters", "应为 1–100 个字符").into());
    }
    let parent_ok = match level {
        LEVEL_GRID => parent.level == LEVEL_COMMUNITY,
        LEVEL_BUILDING => parent.level == LEVEL_GRID || parent.level == LEVEL_COMMUNITY,
        _ => false,
    };
    if !parent_ok {
        return Err(FieldError::new(
            "level",
            "a grid goes under a community/village; a building under a grid or a community/village",
            "网格须建在社区/村之下，楼栋须建在网格或社区/村之下",
        )
        .into());
    }
    // Before the name and the count are read: another node may be creating under the same
    // parent now.
    lock_local(tx).await?;
    if let Some(a) = tx
        .query_opt_as(
            &format!(
                "SELECT {AREA_COLS} FROM areas WHERE parent_id = $1 AND name = $2 AND level = $3"
            ),
            args![parent.id, name, level],
        )
        .await?
    {
        return Ok(a);
    }
    let n = tx
        .scalar::<i64>(
            "SELECT COUNT(*) AS n FROM areas WHERE parent_id = $1 AND level = $2",
            args![parent.id, level],
        )
        .await?
        + 1;
    let a = Area::local(next_local_id(tx).await?, parent, level, n, name);
    tx.execute(
        "INSERT INTO areas (id, code, parent_id, level, name, official_name, path, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $5, $2, $6)",
        args![a.id, a.path.as_str(), parent.id, level, name, now_ms()],
    )
    .await?;
    Ok(a)
}

/// Add to the tallies of the area a household hangs off and of its community/village.
/// Add tallies per area (id → (path, deltas)) to `area_counts`, and their sums per
/// community/village to `community_counts`: two bulk upserts.
pub async fn add_counts(tx: &mut Tx, per_area: HashMap<i64, (String, Counts)>) -> AppResult<()> {
    let mut communities: HashMap<i64, (String, Counts)> = HashMap::new();
    for (path, c) in per_area.values() {
        let e = communities
            .entry(community_id(path))
            .or_insert_with(|| (community_path(path).to_owned(), Counts::default()));
        e.1 += *c;
    }
    for (table, upsert, tallies) in [
        ("area_counts", AREA_COUNTS_UPSERT, per_area),
        ("community_counts", COMMUNITY_COUNTS_UPSERT, communities),
    ] {
        let mut rows = Vec::with_capacity(tallies.len() * COUNT_COLS.len());
        let mut keys: Vec<_> = tallies.into_iter().collect();
        keys.sort_by_key(|(id, _)| *id);
        for (id, (path, c)) in keys {
            rows.extend([Value::Int(id), Value::from(path)]);
            rows.extend(c.values().map(Value::Int));
        }
        tx.bulk_insert(table, COUNT_COLS, rows, Some(upsert))
            .await?;
    }
    Ok(())
}

pub async fn bump_counts(tx: &mut Tx, area_id: i64, path: &str, d: Counts) -> AppResult<()> {
    let rows = [
        ("area_counts", AREA_COUNTS_UPSERT, area_id, path),
        (
            "community_counts",
            COMMUNITY_COUNTS_UPSERT,
            community_id(path),
            community_path(path),
        ),
    ];
    for (table, upsert, id, p) in rows {
        tx.execute(
            &format!(
                "INSERT INTO {table} (area_id, path, households, residents, vulnerable, party_members, aged60) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) {upsert}"
            ),
            args![id, p, d.households, d.residents, d.vulnerable, d.party_members, d.aged60],
        )
        .await?;
    }
    Ok(())
}

/// A number per area.
struct AreaTally {
    area_id: i64,
    n: i64,
}
crate::from_row!(AreaTally { area_id, n });

/// Recount the aged-60+ tallies: people turn 60 every day, which no write notices. One grouped
/// scan of the residents, in one transaction (so tallies never mix old and new), run by the
/// server at start and daily. Returns the number of residents aged 60 or over.
pub async fn recount_aged60(db: &Db) -> AppResult<i64> {
    let (y, m, d) = crate::registry::validate::today();
    // Born on or before this date: 60 or older today (29 February counts from 1 March).
    let cutoff = format!("{:04}-{m:02}-{d:02}", y - 60);
    let mut tx = db.begin().await?;
    let rows: Vec<AreaTally> = tx
        .query_as(
            "SELECT h.area_id, COUNT(*) AS n FROM residents r JOIN households h ON h.id = r.household_id \
             WHERE r.birth_date <= $1 GROUP BY h.area_id",
            args![cutoff.as_str()],
        )
        .await?;
    tx.execute("UPDATE area_counts SET aged60 = 0", vec![])
        .await?;
    tx.execute("UPDATE community_counts SET aged60 = 0", vec![])
        .await?;
    let mut total = 0;
    for r in &rows {
        total += r.n;
        tx.execute(
            "UPDATE area_counts SET aged60 = $1 WHERE area_id = $2",
            args![r.n, r.area_id],
        )
        .await?;
    }
    tx.execute(
        "UPDATE community_counts SET aged60 = (SELECT COALESCE(SUM(a.aged60), 0) FROM area_counts a \
         WHERE a.path >= community_counts.path AND a.path < community_counts.path || '~')",
        vec![],
    )
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// The areas a form offers within a scope (a testing round's area, a team's community, a
/// need's filter): the roots of the scope and their children, as (code, name), children indented.
pub async fn scope_choices(db: &Db, scope: &Scope) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for p in &scope.roots {
        let Some(a) = by_path(db, p).await? else {
            continue;
        };
        out.push((a.code.clone(), a.name.clone()));
        if a.level < LEVEL_GRID {
            for c in children(db, &a, None, 200).await? {
                out.push((c.area.code.clone(), format!("　{}", c.area.name)));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestor_paths_follow_codes_then_segments() {
        assert_eq!(
            ancestor_paths("431102001001/G0001/B00012"),
            [
                "43",
                "4311",
                "431102",
                "431102001",
                "431102001001",
                "431102001001/G0001"
            ]
        );
        assert_eq!(ancestor_paths("431102"), ["43", "4311"]);
        assert!(ancestor_paths("43").is_empty());
        assert_eq!(community_path("431102001001/G0001"), "431102001001");
        assert_eq!(community_id("431102"), 0);
    }
}

/// A grid with the community it belongs to, for the import page (whose first column takes a
/// community's or a grid's code).
#[derive(Debug, Clone)]
pub struct GridCode {
    pub code: String,
    pub name: String,
    pub community: String,
}
crate::from_row!(GridCode {
    code,
    name,
    community
});

/// The grids within a scope, in tree order, at most `limit` (and whether there are more).
pub async fn grids_in_scope(
    db: &Db,
    scope: &Scope,
    limit: usize,
) -> AppResult<(Vec<GridCode>, bool)> {
    let (cond, mut params) = scope.sql("g.path", 2);
    params.insert(0, crate::db::Value::Int(LEVEL_GRID));
    let mut rows: Vec<GridCode> = db
        .query_as(
            &format!(
                "SELECT g.code, g.name, COALESCE(p.name, '') AS community FROM areas g \
                 LEFT JOIN areas p ON p.id = g.parent_id WHERE g.level = $1 AND {cond} \
                 ORDER BY g.path LIMIT {}",
                limit + 1
            ),
            params,
        )
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((rows, more))
}
