//! The demo city's vaccination: doses in plausible shares (about 85% of people aged 60+ with
//! the full course, fewer among those of 80+, most adults under 60 vaccinated, some boosted,
//! a few courses begun and dropped), and on the demo grid worker's list one resident ticked off
//! for every reason, and a ride requested.

use super::catalogue;
use super::doses::{self, Change, Derived, Person, StatusRow, PERSON_COLS};
use super::rides::{self, RideForm};
use super::worklist::{self, Part, TickForm};
use super::{day_number, today, ymd};
use crate::db::{now_ms, Db, Value};
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader};

/// Once, on a database without doses. Returns the doses written.
pub async fn create(db: &Db) -> Result<Option<i64>, AppError> {
    if db
        .query_opt("SELECT id FROM vax_doses LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let d = today();
    let year = super::year_of(d);
    let cat = catalogue::products(db).await?;
    let mut rng = crate::rng::Rng::new(16);
    let now = now_ms();
    let mut written = 0i64;
    // The adults in id order, a chunk at a time, each chunk's doses and statuses in its own
    // transaction: a city of 25 M would not fit in memory at once (the rows drawn are the same
    // as in one pass: one generator, the same order).
    let mut after = 0i64;
    loop {
        let people = db
            .query_as::<Person>(
                &format!(
                    "SELECT {PERSON_COLS} FROM residents r JOIN households h ON h.id = r.household_id \
                     WHERE r.birth_date IS NOT NULL AND r.birth_date < $1 AND r.id > $2 \
                     ORDER BY r.id LIMIT {DEMO_CHUNK}"
                ),
                crate::args![format!("{:04}-01-01", year - 17), after],
            )
            .await?;
        let Some(last) = people.last() else { break };
        after = last.id;
        written += demo_chunk(db, &people, &cat, &mut rng, d, year, now).await?;
        if people.len() < DEMO_CHUNK {
            break;
        }
    }
    let top = officer.scope.roots.first().cloned().unwrap_or_default();
    let city_root = top.get(..6).unwrap_or(&top).to_owned();
    super::figures::count_population(db, &city_root, now).await?;
    // The demo grid worker's list: one resident ticked off for every reason, and a ride.
    if let Some(grid) = demo_reader(db, "demo-grid").await? {
        let actor = demo_actor(&grid);
        let path = grid.scope.roots.first().cloned().unwrap_or_default();
        let list = worklist::list(db, &grid, &path, "60+", Part::Todo, d).await?;
        let mut it = list.iter();
        for (reason, detail) in [
            ("appointment", ""),
            ("refused", "family"),
            ("temp_contra", "fever"),
            ("temp_contra", "flare"),
            ("perm_contra", "allergy"),
            ("bedridden", ""),
            ("moved", ""),
            ("deceased", ""),
            ("not_reached", ""),
            ("vaccinated", ""),
        ] {
            let Some(item) = it.next() else { break };
            let f = TickForm {
                reason: reason.into(),
                detail: detail.into(),
                note: match reason {
                    "refused" => "子女担心副作用，约定下月再谈".into(),
                    "bedridden" => "卧床，需上门接种".into(),
                    "not_reached" => "两次上门无人".into(),
                    _ => String::new(),
                },
                appt_on: ymd(d + 2),
                site: "区人民医院接种点".into(),
                recheck_on: ymd(d + 7),
                dose: doses::DoseForm {
                    product: if item.doses == 0 {
                        "adenovirus".into()
                    } else {
                        String::new()
                    },
                    given_on: ymd(d),
                    site: "一社区卫生服务站".into(),
                    ..doses::DoseForm::default()
                },
                client_id: String::new(),
            };
            let mut f = f;
            if reason == "vaccinated" && item.doses > 0 {
                // The next dose of the resident's own course.
                let series: Option<String> = db
                    .scalar_opt::<String>(
                        "SELECT series FROM vax_status WHERE resident_id = $1",
                        crate::args![item.resident_id],
                    )
                    .await?;
                f.dose.product = series.unwrap_or_else(|| "adenovirus_inhaled".into());
            }
            if let Err(e) = worklist::tick(db, &actor, &grid, item.resident_id, &f, d).await {
                tracing::warn!("demo tick-off {reason}: {e}");
            }
        }
        if let Some(item) = it.next() {
            let f = RideForm {
                site: "区人民医院接种点".into(),
                on_day: ymd(d + 1),
                note: "需轮椅".into(),
                client_id: "demo-vax-ride-1".into(),
            };
            if let Err(e) = rides::request(db, &actor, &grid, item.resident_id, &f, d).await {
                tracing::warn!("demo ride: {e}");
            }
        }
    }
    Ok(Some(written))
}

/// Residents read per transaction of the demo's doses.
const DEMO_CHUNK: usize = 50_000;

/// One chunk of the demo's adults: their doses drawn and written with their statuses.
async fn demo_chunk(
    db: &Db,
    people: &[Person],
    cat: &[catalogue::Product],
    rng: &mut crate::rng::Rng,
    d: i64,
    year: i64,
    now: i64,
) -> Result<i64, AppError> {
    let mut doses_rows = Vec::new();
    let mut changes = Vec::new();
    for p in people {
        let age = year - p.birth_year();
        // Per mille: (any dose, full course given any, booster given full).
        let (any, full, boost) = match age {
            80.. => (800, 850, 450),
            60..=79 => (930, 920, 600),
            _ => (960, 970, 700),
        };
        if !rng.chance(any) {
            continue;
        }
        let product = match rng.below(10) {
            0..=6 => "inactivated",
            7 => "recombinant",
            _ => "adenovirus",
        };
        let pr = catalogue::find(cat, product).expect("seeded product");
        let birth = p.birth_date.as_deref().and_then(day_number).unwrap_or(0);
        let first = (d - rng.range(420, 700)).max(birth + 1);
        let mut dates = vec![first];
        let course = pr.primary_doses;
        // A course not completed: one dose short (a one-dose course: none at all).
        let n = if rng.chance(full) { course } else { course - 1 };
        if n == 0 {
            continue;
        }
        for _ in 1..n {
            let next = *dates.last().expect("one") + pr.interval_days + rng.range(0, 14);
            dates.push(next);
        }
        let mut products = vec![product; dates.len()];
        if n == course && rng.chance(boost) {
            let b = *dates.last().expect("one") + pr.booster_after_days + rng.range(10, 200);
            if b < d {
                dates.push(b);
                products.push(if rng.chance(300) {
                    "adenovirus_inhaled"
                } else {
                    product
                });
            }
        }
        let seq: Vec<(i64, String, String)> = dates
            .iter()
            .zip(&products)
            .enumerate()
            .map(|(i, (day, prod))| (i as i64 + 1, prod.to_string(), ymd(*day)))
            .collect();
        for (no, prod, on) in &seq {
            doses_rows.extend([
                Value::from(p.id),
                Value::from(*no),
                Value::from(prod.as_str()),
                Value::from(on.as_str()),
                Value::from("区疾控接种点"),
                Value::from(""),
                Value::from("import"),
                Value::from("demo"),
                Value::from(now),
            ]);
        }
        let refs: Vec<(i64, &str, &str)> = seq
            .iter()
            .map(|(a, b, c)| (*a, b.as_str(), c.as_str()))
            .collect();
        let derived: Option<Derived> = doses::derive(&refs, cat);
        changes.push(Change {
            resident_id: p.id,
            old: None,
            new: derived.map(|d| StatusRow {
                resident_id: p.id,
                community_id: p.community_id,
                path: p.path.clone(),
                birth_year: p.birth_year(),
                d,
            }),
        });
    }
    let written = (doses_rows.len() / 9) as i64;
    let mut tx = db.begin().await?;
    tx.bulk_insert(
        "vax_doses",
        &[
            "resident_id",
            "dose_no",
            "product",
            "given_on",
            "site",
            "batch",
            "source",
            "recorded_by",
            "recorded_ms",
        ],
        doses_rows,
        None,
    )
    .await?;
    doses::apply(&mut tx, changes, now).await?;
    tx.commit().await?;
    Ok(written)
}
