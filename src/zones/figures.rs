//! Zone figures by area: households and people in each kind of zone, now or on a past day.
//!
//! A household counts once, under the strictest zone over it (a sealed building inside a
//! controlled compound counts as sealed). "On a day" means in force at any moment of that day
//! (China time): a building sealed in the morning and lifted at noon counts as sealed that day.
//! Areas are counted from the registry's tallies (one range sum per covered area, no scan of
//! households), so the figures of a district take a few dozen index reads; single households
//! count as one household with its people (the head-count when declared, if retention has
//! since removed the household reference). Past days are counted with today's registry.

use std::collections::HashMap;

use serde::Serialize;

use super::{covering_paths, require_read, ZoneKind};
use crate::access::Reader;
use crate::db::{path_end, placeholders, Db, Value};
use crate::error::{AppError, AppResult};
use crate::registry::areas::{self, Area, Counts};

/// Households and people in one kind of zone.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub households: i64,
    pub people: i64,
}

/// The figures of one area.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Figures {
    pub sealed: Tally,
    pub controlled: Tally,
    pub precaution: Tally,
    /// Zones over or inside the area in force in the window.
    pub zones: i64,
}

impl Figures {
    pub fn of(&self, k: ZoneKind) -> Tally {
        match k {
            ZoneKind::Sealed => self.sealed,
            ZoneKind::Controlled => self.controlled,
            ZoneKind::Precaution => self.precaution,
        }
    }
    fn slot(&mut self, k: ZoneKind) -> &mut Tally {
        match k {
            ZoneKind::Sealed => &mut self.sealed,
            ZoneKind::Controlled => &mut self.controlled,
            ZoneKind::Precaution => &mut self.precaution,
        }
    }
    pub fn total(&self) -> Tally {
        Tally {
            households: self.sealed.households
                + self.controlled.households
                + self.precaution.households,
            people: self.sealed.people + self.controlled.people + self.precaution.people,
        }
    }
}

/// A zone as the figures need it.
#[derive(Debug, Clone)]
struct Z {
    kind: ZoneKind,
    target: String,
    area_path: String,
    household_id: Option<i64>,
    people: i64,
}

crate::from_row!(Z {
    kind,
    target,
    area_path,
    household_id,
    people
});

/// Is `p` the area `a` or inside it?
fn within(p: &str, a: &str) -> bool {
    p.starts_with(a) && (p.len() == a.len() || p.as_bytes()[a.len()] == b'/' || a.len() < 12)
}

/// The zones that touch `path` (over it or inside it) in force at some moment of
/// `[from, to]`.
async fn zones_touching(db: &Db, path: &str, from: i64, to: i64) -> AppResult<Vec<Z>> {
    let above = covering_paths(path);
    let mut params: Vec<Value> = vec![Value::from(to), Value::from(from)];
    params.push(Value::from(path));
    params.push(Value::from(path_end(path)));
    let above_cond = if above.is_empty() {
        String::new()
    } else {
        let c = format!(
            " OR (target = 'area' AND area_path IN ({}))",
            placeholders(5, above.len())
        );
        params.extend(above.iter().map(Value::from));
        c
    };
    Ok(db
        .query_as(
            &format!(
                "SELECT kind, target, area_path, household_id, people FROM zones \
                 WHERE start_ms <= $1 AND (end_ms IS NULL OR (end_ms > $2 AND end_ms > start_ms)) \
                 AND ((area_path >= $3 AND area_path < $4){above_cond})"
            ),
            params,
        )
        .await?)
}

/// Counts of paths, fetched once each.
struct Tallies<'a> {
    db: &'a Db,
    cache: HashMap<String, Counts>,
}

impl Tallies<'_> {
    async fn get(&mut self, path: &str) -> AppResult<Counts> {
        if let Some(c) = self.cache.get(path) {
            return Ok(*c);
        }
        let c = areas::subtree_counts(self.db, path).await?;
        self.cache.insert(path.to_owned(), c);
        Ok(c)
    }
}

/// The figures of the area at `path` from the zones `zs` (which touch it).
async fn compute(
    tallies: &mut Tallies<'_>,
    zs: &[Z],
    path: &str,
    live_people: &HashMap<i64, i64>,
) -> AppResult<Figures> {
    let mut fig = Figures::default();
    let relevant: Vec<&Z> = zs.iter().filter(|z| touches(z, path)).collect();
    fig.zones = relevant.len() as i64;
    // Cumulative: households in a zone of kind k or stricter.
    let mut cum: Vec<(ZoneKind, Tally)> = Vec::new();
    for k in ZoneKind::ALL {
        // The areas covered by kind k or stricter, clipped to `path`, none inside another.
        let mut cover: Vec<String> = relevant
            .iter()
            .filter(|z| z.target == "area" && z.kind >= k)
            .map(|z| {
                if within(path, &z.area_path) {
                    path.to_owned()
                } else {
                    z.area_path.clone()
                }
            })
            .collect();
        cover.sort();
        cover.dedup();
        let minimal: Vec<String> = cover
            .iter()
            .filter(|p| !cover.iter().any(|q| q != *p && within(p, q)))
            .cloned()
            .collect();
        let mut t = Tally::default();
        for p in &minimal {
            let c = tallies.get(p).await?;
            t.households += c.households;
            t.people += c.residents;
        }
        // Single households not inside a covered area, each once.
        let mut seen: Vec<i64> = Vec::new();
        for z in relevant
            .iter()
            .filter(|z| z.target == "household" && z.kind >= k)
        {
            if minimal.iter().any(|p| within(&z.area_path, p)) {
                continue;
            }
            if let Some(h) = z.household_id {
                if seen.contains(&h) {
                    continue;
                }
                seen.push(h);
            }
            t.households += 1;
            t.people += z
                .household_id
                .and_then(|h| live_people.get(&h).copied())
                .unwrap_or(z.people);
        }
        cum.push((k, t));
    }
    // From cumulative to each kind: sealed, then controlled minus sealed, …
    let mut stricter = Tally::default();
    for (k, t) in cum {
        *fig.slot(k) = Tally {
            households: t.households - stricter.households,
            people: t.people - stricter.people,
        };
        stricter = t;
    }
    Ok(fig)
}

/// Does the zone touch the area at `path` (over it, or inside it)?
fn touches(z: &Z, path: &str) -> bool {
    within(&z.area_path, path) || (z.target == "area" && within(path, &z.area_path))
}

/// The people of the households with a zone of their own, as registered now.
async fn live_people(db: &Db, zs: &[Z]) -> AppResult<HashMap<i64, i64>> {
    let ids: Vec<i64> = zs.iter().filter_map(|z| z.household_id).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(400) {
        let rows: Vec<HouseholdPeople> = db
            .query_as(
                &format!(
                    "SELECT household_id, COUNT(*) AS n FROM residents WHERE household_id IN ({}) \
                     GROUP BY household_id",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|&i| Value::from(i)).collect(),
            )
            .await?;
        for r in rows {
            out.insert(r.household_id, r.n);
        }
        // A household that has no one left counts as empty.
        for &h in chunk {
            out.entry(h).or_insert(0);
        }
    }
    Ok(out)
}

struct HouseholdPeople {
    household_id: i64,
    n: i64,
}
crate::from_row!(HouseholdPeople { household_id, n });

/// The figures of an area in the reader's scope alone (its tallies' companion on the area
/// page), for the zones in force at some moment of `[from, to]`.
pub async fn of_area(db: &Db, r: &Reader, area: &Area, from: i64, to: i64) -> AppResult<Figures> {
    require_read(r)?;
    if !r.registry_scope().contains(&area.path) {
        return Err(AppError::NotFound);
    }
    let zs = zones_touching(db, &area.path, from, to).await?;
    if zs.is_empty() {
        return Ok(Figures::default());
    }
    let live = live_people(db, &zs).await?;
    let mut tallies = Tallies {
        db,
        cache: HashMap::new(),
    };
    compute(&mut tallies, &zs, &area.path, &live).await
}

/// The figures of an area in the reader's scope and of each of its children, for the zones in
/// force at some moment of `[from, to]` (`from == to`: at that moment).
pub async fn by_area(
    db: &Db,
    r: &Reader,
    area: &Area,
    from: i64,
    to: i64,
) -> AppResult<(Figures, Vec<(Area, Figures)>)> {
    require_read(r)?;
    if !r.registry_scope().contains(&area.path) {
        return Err(AppError::NotFound);
    }
    let zs = zones_touching(db, &area.path, from, to).await?;
    let live = live_people(db, &zs).await?;
    let mut tallies = Tallies {
        db,
        cache: HashMap::new(),
    };
    let total = compute(&mut tallies, &zs, &area.path, &live).await?;
    let kids: Vec<Area> = db
        .query_as(
            &format!(
                "SELECT {} FROM areas WHERE parent_id = $1 ORDER BY code LIMIT 500",
                areas::AREA_COLS
            ),
            crate::args![area.id],
        )
        .await?;
    let mut children = Vec::with_capacity(kids.len());
    for k in kids {
        // A child no zone touches has zero in every kind: no need to read its tallies.
        let f = if zs.iter().any(|z| touches(z, &k.path)) {
            compute(&mut tallies, &zs, &k.path, &live).await?
        } else {
            Figures::default()
        };
        children.push((k, f));
    }
    Ok((total, children))
}

/// The window of a day (China time), `YYYY-MM-DD`: its first and last millisecond.
pub fn day_window(date: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = date.trim().split('-').collect();
    if parts.len() != 3 {
        return None;
    }
    let (y, m, d) = (
        parts[0].parse::<i32>().ok()?,
        parts[1].parse::<u32>().ok()?,
        parts[2].parse::<u32>().ok()?,
    );
    if !(2000..=2200).contains(&y)
        || !(1..=12).contains(&m)
        || d == 0
        || d > crate::calendar::days_in_month(y, m)
    {
        return None;
    }
    let start = crate::calendar::days_from_civil(y, m, d) * 86_400_000 - 8 * 3_600_000;
    Some((start, start + 86_400_000 - 1))
}
