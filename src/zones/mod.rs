//! Zones (风险区域): an area — a community/village, a grid, a building (compound) — or a single
//! household declared a sealed zone (封控区: nobody leaves home, services come to the door), a
//! controlled zone (管控区: nobody leaves the area) or a precaution zone (防范区), from a start
//! until a planned end, extended or lifted; every change kept (`lifecycle`), the figures by
//! area (`figures`), and their pages.
//!
//! The zone in force over a household is the strictest zone in force over the household itself
//! or any area above it ([`for_household`], [`for_households`]): the other capabilities show
//! it (area browser, household page, testing's missing list, the needs queue, checkpoints).
//!
//! Who: HQ declares, extends and lifts zones anywhere in its scope, a street officer within its
//! scope; the registry's readers (officers, grid workers, branch secretaries) read the zones
//! within their scope and the zones over it (a grid worker sees the zone over their
//! community), the zones of single households only within their scope.
//!
//! Every engine function that depends on the time takes `now` (milliseconds), so tests drive
//! the clock.

pub mod api;
pub mod demo;
pub mod figures;
pub mod household_watch;
pub mod lifecycle;
pub mod pages;
pub mod retention;

use std::collections::HashMap;

use serde::Serialize;

use crate::access::Reader;
use crate::db::{placeholders, Db, DbResult, FromValue, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};

/// The kinds of zone, from the strictest. `Ord` follows strictness: `Sealed` is the greatest,
/// so `max()` of the zones over a household is the one that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneKind {
    Sealed,
    Controlled,
    Precaution,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 3] = [ZoneKind::Sealed, ZoneKind::Controlled, ZoneKind::Precaution];

    pub fn code(self) -> &'static str {
        match self {
            ZoneKind::Sealed => "sealed",
            ZoneKind::Controlled => "controlled",
            ZoneKind::Precaution => "precaution",
        }
    }

    pub fn parse(code: &str) -> Option<ZoneKind> {
        ZoneKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// 3 sealed, 2 controlled, 1 precaution.
    pub fn strictness(self) -> u8 {
        match self {
            ZoneKind::Sealed => 3,
            ZoneKind::Controlled => 2,
            ZoneKind::Precaution => 1,
        }
    }

    /// The kind's name (封控区 / sealed zone).
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ZoneKind::Sealed, Lang::Zh) => "封控区",
            (ZoneKind::Controlled, Lang::Zh) => "管控区",
            (ZoneKind::Precaution, Lang::Zh) => "防范区",
            (ZoneKind::Sealed, Lang::En) => "sealed zone",
            (ZoneKind::Controlled, Lang::En) => "controlled zone",
            (ZoneKind::Precaution, Lang::En) => "precaution zone",
        }
    }

    /// What the kind means for the people in it, one line.
    pub fn rule(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ZoneKind::Sealed, Lang::Zh) => "足不出户，上门服务",
            (ZoneKind::Controlled, Lang::Zh) => "人不出区，严禁聚集",
            (ZoneKind::Precaution, Lang::Zh) => "强化社会面管控，严格限制聚集",
            (ZoneKind::Sealed, Lang::En) => "nobody leaves home; services come to the door",
            (ZoneKind::Controlled, Lang::En) => "nobody leaves the area; no gatherings",
            (ZoneKind::Precaution, Lang::En) => "tighter watch; gatherings limited",
        }
    }
}

impl PartialOrd for ZoneKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ZoneKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.strictness().cmp(&other.strictness())
    }
}

impl FromValue for ZoneKind {
    fn from_value(v: &Value) -> Result<Self, String> {
        let s = String::from_value(v)?;
        ZoneKind::parse(&s).ok_or_else(|| format!("unknown zone kind {s:?}"))
    }
}

/// A zone in force over a household (or an area).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneInForce {
    pub id: i64,
    pub kind: ZoneKind,
    /// The path of the area the zone covers (for a household zone: the household's area).
    pub area_path: String,
    /// Set for a zone over one household.
    pub household_id: Option<i64>,
    pub start_ms: i64,
    pub planned_end_ms: Option<i64>,
}

crate::from_row!(ZoneInForce {
    id,
    kind,
    area_path,
    household_id,
    start_ms,
    planned_end_ms
});

const IN_FORCE_COLS: &str = "id, kind, area_path, household_id, start_ms, planned_end_ms";

/// The condition "in force at `$n`" over the zones table.
fn in_force_at(n: usize) -> String {
    format!("start_ms <= ${n} AND (end_ms IS NULL OR end_ms > ${n})")
}

/// The paths a zone over a household at `path` may name: the community/village it lies in
/// and every local area (grid, building) down to and including its own area. Paths above
/// community level are left out (no zone is declared there).
pub fn covering_paths(path: &str) -> Vec<String> {
    let mut out: Vec<String> = crate::registry::areas::ancestor_paths(path)
        .into_iter()
        .filter(|p| p.len() >= 12)
        .map(str::to_owned)
        .collect();
    if path.len() >= 12 {
        out.push(path.to_owned());
    }
    out
}

/// Which of two zones applies: the stricter; between equals, the one that started first
/// (then the lower id), so the answer does not depend on the order rows come back in.
fn stricter(a: ZoneInForce, b: ZoneInForce) -> ZoneInForce {
    let ka = (
        a.kind,
        std::cmp::Reverse(a.start_ms),
        std::cmp::Reverse(a.id),
    );
    let kb = (
        b.kind,
        std::cmp::Reverse(b.start_ms),
        std::cmp::Reverse(b.id),
    );
    if kb > ka {
        b
    } else {
        a
    }
}

/// The strictest zone in force at `at_ms` over the household itself or any area above it
/// (community/village, grid, building). None for an unknown household.
pub async fn for_household(
    db: &Db,
    household_id: i64,
    at_ms: i64,
) -> DbResult<Option<ZoneInForce>> {
    let mut m = for_households(db, &[household_id], at_ms).await?;
    Ok(m.remove(&household_id))
}

struct IdPath {
    id: i64,
    path: String,
}
crate::from_row!(IdPath { id, path });

/// Parameters per look-up query: well below SQLite's limit of 32,766.
const CHUNK: usize = 400;

/// [`for_household`] for many households at once (a page of a list): two queries per 400
/// households. Households with no zone in force are absent from the map.
pub async fn for_households(
    db: &Db,
    ids: &[i64],
    at_ms: i64,
) -> DbResult<HashMap<i64, ZoneInForce>> {
    let mut out = HashMap::new();
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(CHUNK) {
        let paths: Vec<(i64, String)> = db
            .query_as::<IdPath>(
                &format!(
                    "SELECT id, path FROM households WHERE id IN ({})",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|&i| Value::from(i)).collect(),
            )
            .await?
            .into_iter()
            .map(|r| (r.id, r.path))
            .collect();
        if paths.is_empty() {
            continue;
        }
        let mut wanted: Vec<String> = paths.iter().flat_map(|(_, p)| covering_paths(p)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let hh: Vec<i64> = paths.iter().map(|(i, _)| *i).collect();
        let mut params: Vec<Value> = vec![Value::from(at_ms)];
        params.extend(wanted.iter().map(Value::from));
        let hh_first = 2 + wanted.len();
        params.extend(hh.iter().map(|&i| Value::from(i)));
        let area_cond = if wanted.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!(
                "(target = 'area' AND area_path IN ({}))",
                placeholders(2, wanted.len())
            )
        };
        let zones: Vec<ZoneInForce> = db
            .query_as(
                &format!(
                    "SELECT {IN_FORCE_COLS} FROM zones WHERE {} AND ({area_cond} OR \
                     (target = 'household' AND household_id IN ({})))",
                    in_force_at(1),
                    placeholders(hh_first, hh.len())
                ),
                params,
            )
            .await?;
        if zones.is_empty() {
            continue;
        }
        let mut by_path: HashMap<&str, Vec<&ZoneInForce>> = HashMap::new();
        let mut by_hh: HashMap<i64, Vec<&ZoneInForce>> = HashMap::new();
        for z in &zones {
            match z.household_id {
                Some(h) => by_hh.entry(h).or_default().push(z),
                None => by_path.entry(z.area_path.as_str()).or_default().push(z),
            }
        }
        for (id, path) in &paths {
            let mut best: Option<ZoneInForce> = None;
            let over_area = covering_paths(path)
                .into_iter()
                .flat_map(|p| by_path.get(p.as_str()).cloned().unwrap_or_default());
            for z in over_area.chain(by_hh.get(id).cloned().unwrap_or_default()) {
                best = Some(match best {
                    None => z.clone(),
                    Some(b) => stricter(b, z.clone()),
                });
            }
            if let Some(b) = best {
                out.insert(*id, b);
            }
        }
    }
    Ok(out)
}

/// The strictest zone in force at `at_ms` over an area itself or an area above it (not the
/// zones of single households inside it): what the area's page shows as its state.
pub async fn for_area(db: &Db, path: &str, at_ms: i64) -> DbResult<Option<ZoneInForce>> {
    let m = for_areas(db, &[path.to_owned()], at_ms).await?;
    Ok(m.into_values().next())
}

/// [`for_area`] for several areas (the children listed on an area page), keyed by path.
pub async fn for_areas(
    db: &Db,
    paths: &[String],
    at_ms: i64,
) -> DbResult<HashMap<String, ZoneInForce>> {
    let mut out = HashMap::new();
    let mut wanted: Vec<String> = paths.iter().flat_map(|p| covering_paths(p)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    for chunk in wanted.chunks(CHUNK) {
        let mut params: Vec<Value> = vec![Value::from(at_ms)];
        params.extend(chunk.iter().map(Value::from));
        let zones: Vec<ZoneInForce> = db
            .query_as(
                &format!(
                    "SELECT {IN_FORCE_COLS} FROM zones WHERE {} AND target = 'area' \
                     AND area_path IN ({})",
                    in_force_at(1),
                    placeholders(2, chunk.len())
                ),
                params,
            )
            .await?;
        for z in zones {
            for p in paths {
                if covering_paths(p).contains(&z.area_path) {
                    let pick = match out.remove(p) {
                        None => z.clone(),
                        Some(b) => stricter(b, z.clone()),
                    };
                    out.insert(p.clone(), pick);
                }
            }
        }
    }
    Ok(out)
}

/// Roles that read zones (within their scope and the zones over it).
pub fn can_read(r: &Reader) -> bool {
    r.can_read_registry()
}

/// Roles that declare, extend and lift zones: HQ, and street officers within their scope.
pub fn can_declare(r: &Reader) -> bool {
    matches!(r.role.as_str(), "hq" | "street")
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "zones are for officers, grid workers and branch secretaries",
            "风险区域仅供干部、网格员和支部书记查看",
        )))
    }
}

pub fn require_declare(r: &Reader) -> AppResult<()> {
    if can_declare(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only HQ and street officers declare, extend and lift zones",
            "只有指挥部和街道干部可以划定、延长和解除风险区域",
        )))
    }
}

/// May the reader see a zone over `area_path` (a household zone: `household` set)? Within the
/// scope; an area zone also when it lies over the reader's scope (the zone over their
/// community is public to a grid worker of it).
pub fn visible(r: &Reader, area_path: &str, household: bool) -> bool {
    if !can_read(r) {
        return false;
    }
    let scope = r.registry_scope();
    if scope.contains(area_path) {
        return true;
    }
    !household
        && area_path.len() >= 12
        && scope.roots.iter().any(|root| root.starts_with(area_path))
}

/// A SQL condition true for rows (of households under `under`) whose household is in a sealed
/// zone in force at `at_ms`: over its area (`path_col`) or over the household itself
/// (`hh_col`). Parameters numbered from `first`. For ordering lists ("sealed first"): the few
/// sealed zones are read once, so the condition costs a range test per zone, not a look-up per
/// row.
pub async fn sealed_sql(
    db: &Db,
    under: &str,
    at_ms: i64,
    path_col: &str,
    hh_col: &str,
    first: usize,
) -> DbResult<(String, Vec<Value>)> {
    let above = covering_paths(under);
    let mut params: Vec<Value> = vec![
        Value::from(at_ms),
        Value::from(under),
        Value::from(crate::db::path_end(under)),
    ];
    let above_cond = if above.is_empty() {
        String::new()
    } else {
        params.extend(above.iter().map(Value::from));
        format!(
            " OR (target = 'area' AND area_path IN ({}))",
            placeholders(4, above.len())
        )
    };
    let zs: Vec<ZoneInForce> = db
        .query_as(
            &format!(
                "SELECT {IN_FORCE_COLS} FROM zones WHERE kind = 'sealed' AND {} \
                 AND ((area_path >= $2 AND area_path < $3){above_cond}) ORDER BY id LIMIT 1000",
                in_force_at(1)
            ),
            params,
        )
        .await?;
    let mut parts = Vec::new();
    let mut out = Vec::new();
    let households: Vec<i64> = zs.iter().filter_map(|z| z.household_id).collect();
    for z in zs.iter().filter(|z| z.household_id.is_none()) {
        let n = first + out.len();
        parts.push(format!("({path_col} >= ${n} AND {path_col} < ${})", n + 1));
        out.push(Value::from(z.area_path.as_str()));
        out.push(Value::from(crate::db::path_end(&z.area_path)));
    }
    if !households.is_empty() {
        let n = first + out.len();
        parts.push(format!(
            "{hh_col} IN ({})",
            placeholders(n, households.len())
        ));
        out.extend(households.iter().map(|&h| Value::from(h)));
    }
    if parts.is_empty() {
        return Ok(("1 = 0".into(), vec![]));
    }
    Ok((format!("({})", parts.join(" OR ")), out))
}

/// The area with this code (the reader's first area if empty), when its zones are visible to
/// the reader: within the scope, or a community/grid/building over it.
pub async fn area_for(db: &Db, r: &Reader, code: &str) -> AppResult<crate::registry::areas::Area> {
    require_read(r)?;
    let scope = r.registry_scope();
    let a = match code.trim() {
        "" => match scope.roots.first() {
            Some(p) => crate::registry::areas::by_path(db, p).await?,
            None => None,
        },
        c => crate::registry::areas::by_code(db, c).await?,
    };
    a.filter(|a| {
        scope.contains(&a.path)
            || (a.level >= 5 && scope.roots.iter().any(|root| root.starts_with(&a.path)))
    })
    .ok_or(AppError::NotFound)
}
