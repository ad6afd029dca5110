//! The demo city: a synthetic but realistic population on the real division codes.
//!
//! Each community/village under the chosen area gets grids of 300–500 households, buildings
//! (楼栋, or 组 in villages), households of 1–6 people with a head, Chinese names, valid unique
//! ID numbers carrying the county's region code, an age pyramid with about a fifth aged 60+,
//! mobile numbers, vulnerable tags and party members in plausible shares. The same seed gives
//! the same people.
//!
//! Generation runs on its own thread and hands batches to the loader, so on two cores the
//! database insert overlaps the generation.

use std::collections::HashMap;

use serde::Serialize;

use crate::args;
use crate::db::{self, now_ms, path_end, Backend, Db, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::registry::areas::{self, Area, Counts, AREA_COLS};
use crate::registry::model::*;
use crate::registry::validate::{civil_from_days, days_from_civil};
use crate::rng::Rng;

mod people;

use people::*;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub people: u64,
    pub seed: u64,
    pub under: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoStats {
    pub residents: u64,
    pub households: u64,
    pub grids: u64,
    pub buildings: u64,
    pub communities: u64,
    pub aged_60_plus: u64,
    pub seconds: f64,
}

/// What the generator hands to the loader: flat rows for each table, and tallies.
#[derive(Default)]
struct Batch {
    areas: Vec<Value>,
    households: Vec<Value>,
    residents: Vec<Value>,
    counts: HashMap<i64, (String, Counts)>,
    n_residents: u64,
}

/// Residents per load transaction.
const BATCH_RESIDENTS: u64 = 100_000;

/// Everything the generator needs to know about one community.
struct CommunityPlan {
    area: Area,
    county_name: String,
    street_name: String,
    people: u64,
    /// Grids and buildings already there (re-running into a non-empty tree appends).
    grids_before: i64,
}

struct Generator {
    rng: Rng,
    t: Tables,
    ids: IdAlloc,
    /// Why generation stopped early, if it did.
    failed: Option<String>,
    next_area: i64,
    next_household: i64,
    next_resident: i64,
    now: i64,
    ref_day: i64,
    stats: DemoStats,
}

impl Generator {
    fn name(&mut self, surname: &str, sex: i64) -> String {
        let pool = if sex == 1 { MALE } else { FEMALE };
        let mut s = String::with_capacity(12);
        s.push_str(surname);
        let w: &str = self.rng.pick::<&str>(pool);
        s.push_str(w);
        if self.rng.chance(720) {
            let w: &str = self.rng.pick::<&str>(pool);
            s.push_str(w);
        }
        s
    }

    fn surname(&mut self) -> &'static str {
        SURNAMES[self.rng.weighted(&self.t.surnames)].0
    }

    fn phone(&mut self) -> String {
        const P: &[&str] = &["13", "15", "17", "18", "19", "13", "15", "18"];
        let mut s = String::with_capacity(11);
        let w: &str = self.rng.pick::<&str>(P);
        s.push_str(w);
        let n = self.rng.below(1_000_000_000);
        s.push_str(&format!("{n:09}"));
        s
    }

    fn area_row(&mut self, b: &mut Batch, parent: &Area, level: i64, n: i64, name: String) -> Area {
        let id = self.next_area;
        self.next_area += 1;
        let path = format!("{}{}", parent.path, areas::local_segment(level, n));
        b.areas.extend([
            Value::Int(id),
            Value::from(path.as_str()),
            Value::Int(parent.id),
            Value::Int(level),
            Value::from(name.as_str()),
            Value::from(name.as_str()),
            Value::from(path.as_str()),
            Value::Int(self.now),
        ]);
        Area {
            id,
            code: path.clone(),
            parent_id: Some(parent.id),
            level,
            name: name.clone(),
            official_name: name,
            path,
        }
    }

    /// Generate one community; calls `flush` whenever the batch is large enough. Households
    /// are never split across batches.
    fn community(
        &mut self,
        b: &mut Batch,
        plan: &CommunityPlan,
        flush: &mut dyn FnMut(Batch) -> bool,
    ) -> bool {
        let village = plan.area.name.ends_with('村');
        let county: u32 = plan.area.code[..6].parse().unwrap_or(431102);
        let community_id = areas::community_id(&plan.area.path);
        let mut left = plan.people;
        let mut grid_no = plan.grids_before;
        let mut grid: Option<(Area, i64, i64)> = None; // (grid, households in it, target)
        let mut building: Option<(Area, i64, i64, i64)> = None; // (building, hh in it, target, number)
        let mut building_no = 0;
        while left > 0 {
            // Open a new grid / building when the current one is full.
            let need_grid = grid.as_ref().is_none_or(|(_, n, target)| n >= target);
            if need_grid {
                grid_no += 1;
                let g = self.area_row(
                    b,
                    &plan.area,
                    LEVEL_GRID,
                    grid_no,
                    format!("第{grid_no}网格"),
                );
                let target = self.rng.range(300, 500);
                grid = Some((g, 0, target));
                building = None;
                building_no = 0;
                self.stats.grids += 1;
            }
            let need_building = building
                .as_ref()
                .is_none_or(|(_, n, target, _)| n >= target);
            if need_building {
                building_no += 1;
                let (g, _, _) = grid.as_ref().expect("grid");
                let g = g.clone();
                let name = if village {
                    format!("{building_no}组")
                } else {
                    format!("{building_no}栋")
                };
                let a = self.area_row(b, &g, LEVEL_BUILDING, building_no, name);
                let target = if village {
                    self.rng.range(15, 40)
                } else {
                    self.rng.range(18, 72)
                };
                building = Some((a, 0, target, building_no));
                self.stats.buildings += 1;
            }
            let size = {
                let r = self.rng.below(100);
                let s = match r {
                    0..=23 => 1,
                    24..=54 => 2,
                    55..=74 => 3,
                    75..=87 => 4,
                    88..=95 => 5,
                    _ => 6,
                };
                (s as u64).min(left) as usize
            };
            left -= size as u64;
            let (bld, n_in_bld, _, bno) = building.as_mut().expect("building");
            *n_in_bld += 1;
            grid.as_mut().expect("grid").1 += 1;
            let bld = bld.clone();
            let address = if village {
                format!(
                    "{}{}{}{}组{}号",
                    plan.county_name, plan.street_name, plan.area.name, bno, *n_in_bld
                )
            } else {
                let unit = 1 + (*n_in_bld - 1) / 12;
                let floor = 1 + ((*n_in_bld - 1) % 12) / 2;
                let room = 1 + (*n_in_bld - 1) % 2;
                format!(
                    "{}{}{}{}栋{}单元{}0{}室",
                    plan.county_name, plan.street_name, plan.area.name, bno, unit, floor, room
                )
            };
            let kind = match self.rng.below(100) {
                0..=87 => "home",
                88..=96 => "rental",
                97..=98 => "shop",
                _ => "dormitory",
            };
            let hh_id = self.next_household;
            self.next_household += 1;
            let members = household_members(&self.t, &mut self.rng, size);
            let head_id = self.next_resident;
            b.households.extend([
                Value::Int(hh_id),
                Value::Int(bld.id),
                Value::from(bld.path.as_str()),
                Value::Int(community_id),
                Value::from(address),
                Value::from(kind),
                Value::Int(head_id),
                Value::Int(self.now),
                Value::Int(self.now),
            ]);
            let family = self.surname();
            let mut tally = Counts {
                households: 1,
                ..Counts::default()
            };
            for mem in &members {
                let id = self.next_resident;
                self.next_resident += 1;
                // Children usually take the father's surname; spouses and the mother's parents
                // keep their own.
                let surname = match (mem.relation, mem.sex) {
                    ("head", _) | ("child", _) => family,
                    _ => self.surname(),
                };
                let name = self.name(surname, mem.sex);
                let birth_day = self.ref_day - mem.age * 365 - self.rng.range(0, 364) - mem.age / 4;
                let Some((doc, birth_day)) = self.ids.next(county, birth_day, mem.sex) else {
                    self.failed = Some(format!(
                        "ran out of ID numbers for people born around {:?}",
                        civil_from_days(birth_day)
                    ));
                    return false;
                };
                let (y, m, d) = civil_from_days(birth_day);
                let age = mem.age;
                if age >= 60 {
                    self.stats.aged_60_plus += 1;
                }
                let phone =
                    if age >= 12 && (age < 80 || self.rng.chance(500)) && self.rng.chance(960) {
                        Some(self.phone())
                    } else {
                        None
                    };
                let mut tags = 0;
                let mut note = None;
                if size == 1 && age >= 60 {
                    tags |= TAG_ALONE;
                }
                if self.rng.chance(30 + (age as u32) * 3 / 4) {
                    tags |= TAG_DISABLED;
                }
                if age >= 40 && self.rng.chance(((age - 40) * 4) as u32) {
                    tags |= TAG_CHRONIC;
                    note = Some(CHRONIC_NOTES[self.rng.weighted(&self.t.chronic)].0);
                }
                if mem.sex == 2 && (20..=40).contains(&age) && self.rng.chance(40) {
                    tags |= TAG_PREGNANT;
                }
                if age < 3 {
                    tags |= TAG_INFANT;
                }
                if (18..=23).contains(&age) && self.rng.chance(30) {
                    tags |= TAG_STUDENT;
                }
                let mut party = 0;
                let mut cats = 0;
                if age >= 18 && self.rng.chance(if age >= 50 { 110 } else { 75 }) {
                    party = if age < 30 && self.rng.chance(150) {
                        2
                    } else {
                        1
                    };
                    if (20..=45).contains(&age) && self.rng.chance(120) {
                        cats |= 1;
                    }
                    if mem.sex == 1 && self.rng.chance(70) {
                        cats |= 1 << 1;
                    }
                    if self.rng.chance(30) {
                        cats |= 1 << 2;
                    }
                    if age >= 75 {
                        cats |= 1 << 3;
                    }
                    if (50..=75).contains(&age) && self.rng.chance(50) {
                        cats |= 1 << 4;
                    }
                }
                tally.residents += 1;
                tally.vulnerable += (tags != 0) as i64;
                tally.party_members += (party != 0) as i64;
                let birth = format!("{y:04}-{m:02}-{d:02}");
                tally.aged60 += Counts::resident(Some(&birth), 0, 0).aged60;
                b.residents.extend([
                    Value::Int(id),
                    Value::Int(hh_id),
                    Value::from(bld.path.as_str()),
                    Value::Int(community_id),
                    Value::from(name),
                    Value::from("id_card"),
                    Value::from(doc),
                    Value::Int(mem.sex),
                    Value::from(birth),
                    Value::from(phone),
                    Value::from(mem.relation),
                    Value::Int(tags),
                    Value::from(note),
                    Value::Int(party),
                    Value::Int(cats),
                    Value::Int(self.now),
                    Value::Int(self.now),
                ]);
            }
            self.stats.households += 1;
            self.stats.residents += tally.residents as u64;
            b.n_residents += tally.residents as u64;
            let e = b
                .counts
                .entry(bld.id)
                .or_insert_with(|| (bld.path.clone(), Counts::default()));
            e.1 += tally;
            if b.n_residents >= BATCH_RESIDENTS && !flush(std::mem::take(b)) {
                return false;
            }
        }
        true
    }
}

/// An area's code and name.
struct CodeName {
    code: String,
    name: String,
}
crate::from_row!(CodeName { code, name });

/// How many grids an area has.
struct GridsOf {
    parent_id: i64,
    n: i64,
}
crate::from_row!(GridsOf { parent_id, n });

/// Build the demo city. `progress` is called with the number of residents loaded so far.
pub async fn generate(
    db: &Db,
    opts: &DemoOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> AppResult<DemoStats> {
    let started = std::time::Instant::now();
    let root = areas::ensure_national(db, &opts.under).await?;
    if root.level > LEVEL_COMMUNITY {
        return Err(AppError::BadRequest(Msg::new(
            "the demo city goes under a community/village or higher",
            "演示城市须建在社区/村或更高层级之下",
        )));
    }
    let communities: Vec<Area> = db
        .query_as(
            &format!("SELECT {AREA_COLS} FROM areas WHERE path >= $1 AND path < $2 AND level = $3 ORDER BY path"),
            args![root.path.as_str(), path_end(&root.path), LEVEL_COMMUNITY],
        )
        .await?;
    if communities.is_empty() {
        return Err(AppError::BadRequest(Msg::new(
            format!("there is no community or village under {}", root.name),
            format!("{} 下没有社区或村", root.name),
        )));
    }
    // ID numbers are allocated per county from scratch, so the demo goes only into counties
    // without residents (a second run there would repeat numbers).
    let mut counties: Vec<&str> = communities.iter().map(|c| &c.code[..6]).collect();
    counties.dedup();
    for county in counties {
        let existing = areas::subtree_counts(db, county).await?;
        if existing.residents > 0 {
            let name = areas::by_code(db, county)
                .await?
                .map(|a| a.name)
                .unwrap_or_default();
            return Err(AppError::Conflict(Msg::new(
                format!(
                    "{name} ({county}) already has {} residents; the demo city goes only into counties without residents",
                    existing.residents
                ),
                format!(
                    "{name}（{county}）已有 {} 名居民；演示数据只能生成到没有居民的县区",
                    existing.residents
                ),
            )));
        }
    }
    // Names of the county and street of each community, for addresses.
    let mut names: HashMap<String, String> = HashMap::new();
    for r in db
        .query_as::<CodeName>(
            "SELECT code, name FROM areas WHERE level IN ($1, $2) AND path >= $3 AND path < $4",
            args![
                LEVEL_COUNTY,
                LEVEL_STREET,
                &root.path[..root.path.len().min(6)],
                path_end(&root.path[..root.path.len().min(6)])
            ],
        )
        .await?
    {
        names.insert(r.code, r.name);
    }
    // Grids already there, per community (new ones are numbered after them): one query.
    let grids: HashMap<i64, i64> = db
        .query_as::<GridsOf>(
            "SELECT parent_id, COUNT(*) AS n FROM areas WHERE path >= $1 AND path < $2 AND level = $3 \
             GROUP BY parent_id",
            args![root.path.as_str(), path_end(&root.path), LEVEL_GRID],
        )
        .await?
        .into_iter()
        .map(|r| (r.parent_id, r.n))
        .collect();
    // Spread the people over the communities with some variation.
    let mut rng = Rng::new(opts.seed);
    let weights: Vec<u64> = communities.iter().map(|_| 600 + rng.below(800)).collect();
    let total_w: u64 = weights.iter().sum();
    let mut plans = Vec::new();
    let mut assigned = 0;
    for (i, c) in communities.iter().enumerate() {
        let share = if i + 1 == communities.len() {
            opts.people - assigned
        } else {
            opts.people * weights[i] / total_w
        };
        assigned += share;
        let grids_before = grids.get(&c.id).copied().unwrap_or(0);
        plans.push(CommunityPlan {
            area: c.clone(),
            county_name: names.get(&c.code[..6]).cloned().unwrap_or_default(),
            street_name: names.get(&c.code[..9]).cloned().unwrap_or_default(),
            people: share,
            grids_before,
        });
    }

    let max = |t: &str| format!("SELECT COALESCE(MAX(id), 0) FROM {t}");
    let next_household = db.scalar::<i64>(&max("households"), vec![]).await? + 1;
    let next_resident = db.scalar::<i64>(&max("residents"), vec![]).await? + 1;
    let next_area = {
        let mut tx = db.begin().await?;
        let id = areas::next_local_id(&mut tx).await?;
        drop(tx);
        id
    };
    let empty = db
        .query_opt("SELECT id FROM residents LIMIT 1", vec![])
        .await?
        .is_none();
    // Region codes whose numbers are in use already are left alone (one index probe each).
    let mut taken = std::collections::HashSet::new();
    if !empty {
        let mut codes: Vec<u32> = ORIGIN_COUNTIES.to_vec();
        codes.extend(
            communities
                .iter()
                .filter_map(|c| c.code[..6].parse::<u32>().ok()),
        );
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            let prefix = format!("{code:06}");
            let used = db
                .query_opt(
                    "SELECT 1 FROM residents WHERE doc_number >= $1 AND doc_number < $2 LIMIT 1",
                    args![prefix.as_str(), path_end(&prefix)],
                )
                .await?
                .is_some();
            if used {
                taken.insert(code);
            }
        }
    }
    if empty && opts.people >= 100_000 {
        // On SQLite, indexes whose keys grow with the load order stay: appending to them is
        // cheaper than a rebuild. PostgreSQL rebuilds any index faster than it maintains it.
        let keep: &[&str] = match db.backend() {
            Backend::Sqlite => &["residents_household", "households_path"],
            Backend::Postgres => &[],
        };
        db::defer_indexes(db, &["residents", "households"], keep).await?;
    }

    let (tx_batches, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let seed = opts.seed;
    let gen = std::thread::spawn(move || {
        let mut g = Generator {
            rng: Rng::new(seed ^ 0x5EED),
            t: Tables::new(),
            ids: IdAlloc {
                counters: HashMap::new(),
                taken,
            },
            failed: None,
            next_area,
            next_household,
            next_resident,
            now: now_ms(),
            ref_day: days_from_civil(REF.0, REF.1, REF.2),
            stats: DemoStats {
                communities: plans.len() as u64,
                ..DemoStats::default()
            },
        };
        let mut send = |b: Batch| tx_batches.blocking_send(b).is_ok();
        let mut batch = Batch::default();
        for p in &plans {
            if !g.community(&mut batch, p, &mut send) {
                return (g.stats, g.failed);
            }
        }
        send(batch);
        (g.stats, g.failed)
    });

    let mut loaded = 0;
    let mut result = Ok(());
    while let Some(b) = rx.recv().await {
        let n = b.n_residents;
        if let Err(e) = load_batch(db, b).await {
            result = Err(e);
            break;
        }
        loaded += n;
        progress(loaded);
    }
    drop(rx);
    let (mut stats, failed) = gen
        .join()
        .map_err(|_| AppError::Internal("demo generator panicked".into()))?;
    // Whatever happened, leave the database whole: indexes rebuilt, id sequences past the ids
    // that were used.
    db::restore_indexes(db).await?;
    finish_load(db).await?;
    result?;
    if let Some(why) = failed {
        return Err(AppError::Internal(format!(
            "the demo city is incomplete ({} residents loaded): {why}",
            stats.residents
        )));
    }
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(stats)
}

async fn load_batch(db: &Db, b: Batch) -> AppResult<()> {
    let t0 = std::time::Instant::now();
    let mut tx = db.begin_bulk().await?;
    tx.bulk_insert("areas", areas::AREA_INSERT_COLS, b.areas, None)
        .await?;
    tx.bulk_insert(
        "households",
        crate::registry::residents::HOUSEHOLD_INSERT_COLS,
        b.households,
        None,
    )
    .await?;
    let t1 = std::time::Instant::now();
    tx.bulk_insert(
        "residents",
        crate::registry::residents::RESIDENT_INSERT_COLS,
        b.residents,
        None,
    )
    .await?;
    let t2 = std::time::Instant::now();
    // Tallies per building, and rolled up per community/village.
    areas::add_counts(&mut tx, b.counts).await?;
    let t3 = std::time::Instant::now();
    tx.commit().await?;
    tracing::debug!(
        "batch: households {:?}, residents {:?}, counts {:?}, commit {:?}",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t3.elapsed()
    );
    Ok(())
}

/// After a bulk load: move PostgreSQL's id sequences past the ids we assigned, and refresh the
/// planner's statistics.
pub async fn finish_load(db: &Db) -> AppResult<()> {
    let mut tx = db.begin().await?;
    match db.backend() {
        Backend::Postgres => {
            for t in ["households", "residents"] {
                tx.query(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
                    ),
                    vec![],
                )
                .await?;
            }
            tx.commit().await?;
            db.query(
                "ANALYZE areas, households, residents, area_counts, community_counts",
                vec![],
            )
            .await?;
        }
        Backend::Sqlite => {
            // Sampled statistics (a full ANALYZE reads every index: 0.6 s per million
            // residents), of the loaded tables only, as on PostgreSQL: statistics taken of
            // tables still empty would tell the planner they stay empty (sqlite_stat1 "0" rows
            // for partial indexes) and mislead it once they fill.
            tx.batch(
                "PRAGMA analysis_limit = 1000; ANALYZE areas; ANALYZE households; \
                 ANALYZE residents; ANALYZE area_counts; ANALYZE community_counts",
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::validate::parse_id_card;

    #[test]
    fn taken_region_codes_are_never_used() {
        let mut ids = IdAlloc {
            counters: HashMap::new(),
            taken: [431102, ORIGIN_COUNTIES[0]].into_iter().collect(),
        };
        let day = days_from_civil(1990, 1, 1);
        for _ in 0..100 {
            let (doc, _) = ids.next(431102, day, 2).unwrap();
            assert!(!doc.starts_with("431102"), "{doc}");
            assert!(!doc.starts_with(&ORIGIN_COUNTIES[0].to_string()), "{doc}");
        }
    }

    #[test]
    fn id_numbers_spill_to_near_days_then_other_counties_never_skipping_anyone() {
        let mut ids = IdAlloc {
            counters: HashMap::new(),
            taken: Default::default(),
        };
        let day = days_from_civil(1980, 6, 15);
        let mut seen = std::collections::HashSet::new();
        // 31 days × 500 fill this county's window; the rest must go to other counties.
        let n = 31 * 500 + 700;
        for _ in 0..n {
            let (doc, d) = ids.next(431102, day, 1).expect("never runs out here");
            let card = parse_id_card(&doc).expect("valid number");
            assert_eq!(card.sex, 1);
            assert!((d - day).abs() <= 15, "birth day moved {} days", d - day);
            assert!(seen.insert(doc));
        }
        let local = seen.iter().filter(|d| d.starts_with("431102")).count();
        assert_eq!(local, 31 * 500);
        assert!(seen.iter().all(|d| ORIGIN_COUNTIES
            .iter()
            .chain([431102].iter())
            .any(|c| d.starts_with(&c.to_string()))));
    }
}

/// The demo district's community with the demo grid.
pub const DEMO_COMMUNITY: &str = "431102001001";

/// One scope row of a demo account.
struct DemoAccount {
    id: i64,
    role: String,
    display_name: String,
    path: Option<String>,
}
crate::from_row!(DemoAccount {
    id,
    role,
    display_name,
    path
});

/// The reader behind a demo account, with its scope (no session or token needed).
pub async fn demo_reader(db: &Db, username: &str) -> AppResult<Option<crate::access::Reader>> {
    let rows = db
        .query_as::<DemoAccount>(
            "SELECT a.id, a.role, a.display_name, ar.path FROM accounts a \
             LEFT JOIN account_scopes s ON s.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = s.area_id WHERE a.username = $1 ORDER BY ar.path",
            args![username],
        )
        .await?;
    Ok(rows.first().map(|r| crate::access::Reader {
        account_id: r.id,
        username: username.to_owned(),
        display_name: r.display_name.clone(),
        role: r.role.clone(),
        scope: crate::access::Scope {
            roots: rows.iter().filter_map(|x| x.path.clone()).collect(),
        },
    }))
}

/// The audit actor of a demo account's actions.
pub fn demo_actor(r: &crate::access::Reader) -> crate::audit::Actor {
    crate::audit::Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "demo".into(),
    }
}
