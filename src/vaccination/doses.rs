//! Dose records, one by one, and each resident's status derived from them: none, partial,
//! full (booster due from a date), boosted. The status row and the tallies per area (every
//! level of the household's path, [`super::tallies`]) × birth year × status are written in the
//! same transaction as the dose, so coverage is read from the tallies and always equals a
//! recount ([`recount`]).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

use super::catalogue::{self, Product};
use super::{day_number, ymd};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, DbResult, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};

/// A dose as the status is derived from it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dose {
    pub id: i64,
    pub dose_no: i64,
    pub product: String,
    pub given_on: String,
    pub site: String,
    pub batch: String,
    pub source: String,
    pub recorded_by: String,
    pub recorded_ms: i64,
}
crate::from_row!(Dose {
    id,
    dose_no,
    product,
    given_on,
    site,
    batch,
    source,
    recorded_by,
    recorded_ms
});

const DOSE_COLS: &str =
    "id, dose_no, product, given_on, site, batch, source, recorded_by, recorded_ms";

/// The status derived from a resident's doses (stored in `vax_status`; no doses: no row).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Derived {
    /// partial, full or boosted.
    pub status: &'static str,
    pub doses: i64,
    /// The product of the first dose: its schedule is the course's.
    pub series: String,
    pub first_on: String,
    pub full_on: Option<String>,
    pub last_on: String,
    /// When the next dose is due: the course's next dose, or the booster.
    pub next_due_on: Option<String>,
    /// When a course still incomplete counts as a dropout.
    pub dropout_on: Option<String>,
}

/// Derive a status from doses in dose order. Products missing from the catalogue are read as
/// a one-dose course (a catalogue row is never deleted, so this does not happen in practice).
pub fn derive(doses: &[(i64, &str, &str)], cat: &[Product]) -> Option<Derived> {
    let (_, series, first_on) = *doses.first()?;
    let (_, _, last_on) = *doses.last().expect("not empty");
    let p = catalogue::find(cat, series);
    let primary = p.map_or(1, |p| p.primary_doses.max(1));
    let n = doses.len() as i64;
    let day = |s: &str| day_number(s).unwrap_or(0);
    let (status, full_on, next_due_on, dropout_on) = if n < primary {
        (
            "partial",
            None,
            Some(ymd(day(last_on) + p.map_or(0, |p| p.interval_days))),
            Some(ymd(day(first_on) + p.map_or(0, |p| p.window_days))),
        )
    } else {
        let full_on = doses[primary as usize - 1].2.to_owned();
        if n == primary {
            let due = ymd(day(&full_on) + p.map_or(0, |p| p.booster_after_days));
            ("full", Some(full_on), Some(due), None)
        } else {
            ("boosted", Some(full_on), None, None)
        }
    };
    Some(Derived {
        status,
        doses: n,
        series: series.to_owned(),
        first_on: first_on.to_owned(),
        full_on,
        last_on: last_on.to_owned(),
        next_due_on,
        dropout_on,
    })
}

/// The status to show on `today`: a full course whose booster is due reads "booster due".
pub fn shown_status(d: Option<&Derived>, today: i64) -> &'static str {
    match d {
        None => "none",
        Some(d)
            if d.status == "full"
                && d.next_due_on
                    .as_deref()
                    .and_then(day_number)
                    .is_some_and(|due| due <= today) =>
        {
            "booster_due"
        }
        Some(d) => d.status,
    }
}

/// A new dose for a resident, checked against the doses before it. `existing` in dose order.
/// The error names the field; `row` (imports) is added by the caller.
#[allow(clippy::too_many_arguments)]
pub fn check_next(
    existing: &[(i64, &str, &str)],
    cat: &[Product],
    product: &str,
    dose_no: i64,
    given: i64,
    birth: Option<i64>,
    today: i64,
) -> Result<(), FieldError> {
    let Some(p) = catalogue::find(cat, product) else {
        return Err(FieldError::new(
            "product",
            format!("{product:?} is not in the vaccine catalogue"),
            format!("疫苗目录中没有“{product}”"),
        ));
    };
    let expected = existing.len() as i64 + 1;
    if dose_no > expected {
        return Err(FieldError::new(
            "dose_no",
            format!("dose {dose_no} skips: the next dose for this resident is dose {expected}"),
            format!("剂次 {dose_no} 跳号：该居民下一剂应为第 {expected} 剂"),
        ));
    }
    if dose_no < expected {
        let (_, prod, on) = existing[dose_no as usize - 1];
        return Err(FieldError::new(
            "dose_no",
            format!("dose {dose_no} is already recorded ({prod}, {on})"),
            format!("第 {dose_no} 剂已有记录（{prod}，{on}）"),
        ));
    }
    if given > today {
        return Err(FieldError::new(
            "given_on",
            "the date is in the future",
            "接种日期不能晚于今天",
        ));
    }
    if let Some(b) = birth {
        if given < b {
            return Err(FieldError::new(
                "given_on",
                format!("the date is before the resident's birth ({})", ymd(b)),
                format!("接种日期早于居民出生日期（{}）", ymd(b)),
            ));
        }
    }
    let series = existing.first().map(|d| d.1).unwrap_or(product);
    let sp = catalogue::find(cat, series).unwrap_or(p);
    let primary = sp.primary_doses;
    if dose_no == 1 && p.primary_doses == 0 {
        return Err(FieldError::new(
            "product",
            format!("{} is given only as a booster, not as a first dose", p.code),
            format!("{}仅用于加强免疫，不能作为第一剂", p.name_zh),
        ));
    }
    if dose_no <= primary && p.code != sp.code {
        return Err(FieldError::new(
            "product",
            format!(
                "the course began with {}; dose {dose_no} of the course must be the same product",
                sp.code
            ),
            format!(
                "基础免疫从“{}”开始，第 {dose_no} 剂应为同一种疫苗",
                sp.name_zh
            ),
        ));
    }
    if dose_no > primary + 2 {
        return Err(FieldError::new(
            "dose_no",
            format!("dose {dose_no} is beyond the course and two boosters"),
            format!("第 {dose_no} 剂超出全程和两次加强"),
        ));
    }
    if let Some(&(_, _, last)) = existing.last() {
        let last_day = day_number(last).unwrap_or(0);
        let gap = if dose_no <= primary {
            sp.interval_days
        } else if dose_no == primary + 1 {
            sp.booster_after_days
        } else {
            p.booster_after_days
        };
        if given < last_day + gap {
            return Err(FieldError::new(
                "given_on",
                format!(
                    "dose {dose_no} must be at least {gap} days after dose {} ({last})",
                    dose_no - 1
                ),
                format!(
                    "第 {dose_no} 剂应在第 {} 剂（{last}）之后至少 {gap} 天",
                    dose_no - 1
                ),
            ));
        }
    }
    Ok(())
}

/// A resident as the doses need them: area and birth.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub path: String,
    pub community_id: i64,
    pub birth_date: Option<String>,
}
crate::from_row!(Person {
    id,
    household_id,
    name,
    path,
    community_id,
    birth_date
});

pub const PERSON_COLS: &str = "r.id, r.household_id, r.name, h.path, h.community_id, r.birth_date";

impl Person {
    pub fn birth_year(&self) -> i64 {
        birth_year(self.birth_date.as_deref())
    }
}

/// The year of a stored birth date (0: unknown).
pub fn birth_year(b: Option<&str>) -> i64 {
    b.and_then(|b| b.get(..4)?.parse().ok()).unwrap_or(0)
}

/// A resident in the reader's registry scope (else not found).
pub async fn person(db: &Db, r: &Reader, id: i64) -> AppResult<Person> {
    super::require_read(r)?;
    db.query_opt_as::<Person>(
        &format!(
            "SELECT {PERSON_COLS} FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = $1"
        ),
        args![id],
    )
    .await?
    .filter(|p| r.registry_scope().contains(&p.path))
    .ok_or(AppError::NotFound)
}

pub async fn doses(db: &Db, resident: i64) -> DbResult<Vec<Dose>> {
    db.query_as(
        &format!("SELECT {DOSE_COLS} FROM vax_doses WHERE resident_id = $1 ORDER BY dose_no"),
        args![resident],
    )
    .await
}

/// A status row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub resident_id: i64,
    pub community_id: i64,
    pub path: String,
    pub birth_year: i64,
    pub d: Derived,
}

/// A status change of one resident: tallies move from `old` to `new`.
pub struct Change {
    pub resident_id: i64,
    pub old: Option<Stored>,
    pub new: Option<StatusRow>,
}

/// A status as stored, as far as the tallies count it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub resident_id: i64,
    pub path: String,
    pub birth_year: i64,
    pub status: String,
    pub dropout_on: Option<String>,
}
crate::from_row!(Stored {
    resident_id,
    path,
    birth_year,
    status,
    dropout_on
});

/// A dose's number, product and date.
pub(super) struct DoseKey {
    pub dose_no: i64,
    pub product: String,
    pub given_on: String,
}
crate::from_row!(DoseKey {
    dose_no,
    product,
    given_on
});

/// A resident's doses in dose order, as (number, product, date).
async fn dose_keys(tx: &mut Tx, resident: i64) -> DbResult<Vec<(i64, String, String)>> {
    Ok(tx
        .query_as::<DoseKey>(
            "SELECT dose_no, product, given_on FROM vax_doses WHERE resident_id = $1 ORDER BY dose_no",
            args![resident],
        )
        .await?
        .into_iter()
        .map(|d| (d.dose_no, d.product, d.given_on))
        .collect())
}

/// The stored status of residents, by resident.
pub async fn stored_in(tx: &mut Tx, ids: &[i64]) -> DbResult<HashMap<i64, Stored>> {
    stored(tx, ids).await
}

async fn stored(tx: &mut Tx, ids: &[i64]) -> DbResult<HashMap<i64, Stored>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5000) {
        let rows = tx
            .query_as::<Stored>(
                &format!(
                    "SELECT resident_id, path, birth_year, status, dropout_on FROM vax_status WHERE resident_id IN ({})",
                    crate::db::placeholders(1, chunk.len())
                ),
                chunk.iter().map(|i| Value::from(*i)).collect(),
            )
            .await?;
        for r in rows {
            out.insert(r.resident_id, r);
        }
    }
    Ok(out)
}

/// Write status changes and move the tallies, inside the caller's transaction.
pub async fn apply(tx: &mut Tx, changes: Vec<Change>, now: i64) -> DbResult<()> {
    let mut delta = super::tallies::Delta::default();
    let mut upserts = Vec::new();
    let mut deletes = Vec::new();
    for c in changes {
        if let Some(o) = &c.old {
            delta.status(
                &o.path,
                o.birth_year,
                &o.status,
                o.dropout_on.as_deref(),
                -1,
            );
        }
        match c.new {
            Some(s) => {
                delta.status(
                    &s.path,
                    s.birth_year,
                    s.d.status,
                    s.d.dropout_on.as_deref(),
                    1,
                );
                upserts.extend([
                    Value::from(s.resident_id),
                    Value::from(s.community_id),
                    Value::from(s.path),
                    Value::from(s.birth_year),
                    Value::from(s.d.status),
                    Value::from(s.d.doses),
                    Value::from(s.d.series),
                    Value::from(s.d.first_on),
                    Value::from(s.d.full_on),
                    Value::from(s.d.last_on),
                    Value::from(s.d.next_due_on),
                    Value::from(s.d.dropout_on),
                    Value::from(now),
                ]);
            }
            None => deletes.push(c.resident_id),
        }
    }
    for chunk in deletes.chunks(500) {
        tx.execute(
            &format!(
                "DELETE FROM vax_status WHERE resident_id IN ({})",
                crate::db::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|i| Value::from(*i)).collect(),
        )
        .await?;
    }
    if !upserts.is_empty() {
        tx.bulk_insert(
            "vax_status",
            STATUS_COLS,
            upserts,
            Some(
                "ON CONFLICT (resident_id) DO UPDATE SET community_id = excluded.community_id, \
                 path = excluded.path, birth_year = excluded.birth_year, status = excluded.status, \
                 doses = excluded.doses, series = excluded.series, first_on = excluded.first_on, \
                 full_on = excluded.full_on, last_on = excluded.last_on, \
                 next_due_on = excluded.next_due_on, dropout_on = excluded.dropout_on, \
                 updated_ms = excluded.updated_ms",
            ),
        )
        .await?;
    }
    delta.write(tx).await?;
    Ok(())
}

const STATUS_COLS: &[&str] = &[
    "resident_id",
    "community_id",
    "path",
    "birth_year",
    "status",
    "doses",
    "series",
    "first_on",
    "full_on",
    "last_on",
    "next_due_on",
    "dropout_on",
    "updated_ms",
];

/// Derive again the status of `people` from their stored doses and write the changes.
pub async fn refresh(tx: &mut Tx, people: &[Person], cat: &[Product], now: i64) -> DbResult<()> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let old = stored(tx, &ids).await?;
    let mut changes = Vec::new();
    for p in people {
        let ds = dose_keys(tx, p.id).await?;
        let refs: Vec<(i64, &str, &str)> = ds
            .iter()
            .map(|(n, p, g)| (*n, p.as_str(), g.as_str()))
            .collect();
        let new = derive(&refs, cat).map(|d| StatusRow {
            resident_id: p.id,
            community_id: p.community_id,
            path: p.path.clone(),
            birth_year: p.birth_year(),
            d,
        });
        changes.push(Change {
            resident_id: p.id,
            old: old.get(&p.id).cloned(),
            new,
        });
    }
    apply(tx, changes, now).await
}

/// A dose as typed (the form and the API).
#[derive(Debug, Clone, Default)]
pub struct DoseForm {
    pub product: String,
    /// Empty: the next dose.
    pub dose_no: String,
    pub given_on: String,
    pub site: String,
    pub batch: String,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub dose_no: i64,
    /// The client id had been seen: nothing new was written.
    pub replayed: bool,
}

fn text_field(field: &'static str, s: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let t = s.trim();
    if t.chars().count() > max || t.chars().any(|c| c.is_control()) {
        errs.push(FieldError::new(
            field,
            format!("at most {max} characters, on one line"),
            format!("最多 {max} 个字符，且不能换行"),
        ));
    }
    t.to_owned()
}

/// Record a dose for a resident in the reader's scope, audited. Idempotent by client id.
pub async fn record(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &DoseForm,
    today: i64,
) -> AppResult<Recorded> {
    super::require_work(r)?;
    let p = person(db, r, resident).await?;
    let cid = super::client_id("client_id", &f.client_id)?;
    if let Some(done) = by_client_id(db, resident, cid.as_deref()).await? {
        return Ok(done);
    }
    let mut tx = db.begin().await?;
    let (id, dose_no) = insert_dose(&mut tx, &p, f, cid.as_deref(), "entry", actor, today).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("vax_dose_recorded", "resident", resident)
            .area(&p.path)
            .detail(json!({"dose": id, "dose_no": dose_no, "product": f.product.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(Recorded {
        id,
        dose_no,
        replayed: false,
    })
}

/// Check and insert one dose and derive the resident's status again, in `tx`.
pub(super) async fn insert_dose(
    tx: &mut Tx,
    p: &Person,
    f: &DoseForm,
    cid: Option<&str>,
    source: &str,
    actor: &Actor,
    today: i64,
) -> AppResult<(i64, i64)> {
    let cat = catalogue::products_tx(tx).await?;
    let mut errs = Vec::new();
    let site = text_field("site", &f.site, 100, &mut errs);
    let batch = text_field("batch", &f.batch, 40, &mut errs);
    let given = match super::parse_day("given_on", &f.given_on) {
        Ok(d) => Some(d),
        Err(e) => {
            errs.push(e);
            None
        }
    };
    tx.lock_rows("residents", &[p.id]).await?;
    let existing = dose_keys(tx, p.id).await?;
    let refs: Vec<(i64, &str, &str)> = existing
        .iter()
        .map(|(n, p, g)| (*n, p.as_str(), g.as_str()))
        .collect();
    let dose_no = if f.dose_no.trim().is_empty() {
        Some(existing.len() as i64 + 1)
    } else {
        match f.dose_no.trim().parse::<i64>() {
            Ok(n) if (1..=9).contains(&n) => Some(n),
            _ => {
                errs.push(FieldError::new(
                    "dose_no",
                    "a dose number from 1 to 9",
                    "剂次应为 1 到 9",
                ));
                None
            }
        }
    };
    let product = catalogue::find_loose(&cat, &f.product)
        .map(|p| p.code.clone())
        .unwrap_or_else(|| f.product.trim().to_owned());
    if let (Some(given), Some(dose_no)) = (given, dose_no) {
        let birth = p.birth_date.as_deref().and_then(day_number);
        if let Err(e) = check_next(&refs, &cat, &product, dose_no, given, birth, today) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let (given, dose_no) = (given.expect("checked"), dose_no.expect("checked"));
    let id = tx
        .scalar::<i64>(
            "INSERT INTO vax_doses (resident_id, dose_no, product, given_on, site, batch, source, client_id, recorded_by, recorded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![
                p.id,
                dose_no,
                product.as_str(),
                ymd(given),
                site,
                batch,
                source,
                cid,
                actor.username.as_str(),
                crate::db::now_ms()
            ],
        )
        .await
        .map_err(|e| match e {
            crate::db::DbError::Unique(_) => AppError::Conflict(Msg::new(
                "this dose was recorded meanwhile; reload the page",
                "该剂次刚刚已被登记，请刷新页面",
            )),
            e => e.into(),
        })?;
    refresh(tx, std::slice::from_ref(p), &cat, crate::db::now_ms()).await?;
    Ok((id, dose_no))
}

struct ClientRow {
    id: i64,
    resident_id: i64,
    dose_no: i64,
}
crate::from_row!(ClientRow {
    id,
    resident_id,
    dose_no
});

async fn by_client_id(db: &Db, resident: i64, cid: Option<&str>) -> AppResult<Option<Recorded>> {
    let Some(cid) = cid else {
        return Ok(None);
    };
    let Some(row) = db
        .query_opt_as::<ClientRow>(
            "SELECT id, resident_id, dose_no FROM vax_doses WHERE client_id = $1",
            args![cid],
        )
        .await?
    else {
        return Ok(None);
    };
    if row.resident_id != resident {
        return Err(AppError::Conflict(Msg::new(
            "this form was already used for another resident; reload the page",
            "此表单已用于其他居民，请刷新页面",
        )));
    }
    Ok(Some(Recorded {
        id: row.id,
        dose_no: row.dose_no,
        replayed: true,
    }))
}

/// A resident's vaccination as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub resident_id: i64,
    /// none, partial, full, booster_due, boosted.
    pub status: &'static str,
    pub derived: Option<Derived>,
    pub doses: Vec<Dose>,
}

impl Status {
    pub fn label(&self, l: Lang) -> String {
        super::label(super::STATUSES, self.status, l)
    }
}

pub async fn stored_derived(db: &Db, resident: i64) -> DbResult<Option<Derived>> {
    let Some(r) = db
        .query_opt(
            "SELECT status, doses, series, first_on, full_on, last_on, next_due_on, dropout_on FROM vax_status WHERE resident_id = $1",
            args![resident],
        )
        .await?
    else {
        return Ok(None);
    };
    let status: String = r.get("status")?;
    Ok(Some(Derived {
        status: match status.as_str() {
            "partial" => "partial",
            "full" => "full",
            _ => "boosted",
        },
        doses: r.get("doses")?,
        series: r.get("series")?,
        first_on: r.get("first_on")?,
        full_on: r.get("full_on")?,
        last_on: r.get("last_on")?,
        next_due_on: r.get("next_due_on")?,
        dropout_on: r.get("dropout_on")?,
    }))
}

/// The status and doses of a resident in the reader's scope.
pub async fn status(db: &Db, r: &Reader, resident: i64, today: i64) -> AppResult<Status> {
    let p = person(db, r, resident).await?;
    let derived = stored_derived(db, p.id).await?;
    Ok(Status {
        resident_id: p.id,
        status: shown_status(derived.as_ref(), today),
        derived,
        doses: doses(db, p.id).await?,
    })
}

/// The tallies as stored, and as recounted from the status rows and the registry (see
/// [`super::tallies::kept_and_recounted`]). Equal unless something wrote around the engine.
pub async fn tallies_and_recount(
    db: &Db,
) -> DbResult<(super::tallies::Kept, super::tallies::Kept)> {
    super::tallies::kept_and_recounted(db).await
}

/// Rebuild the status rows under `path` from the doses and the registry (a resident who moved
/// household since), and the tallies of the communities concerned. Returns residents read.
pub async fn recount(db: &Db, path: &str, now: i64) -> AppResult<usize> {
    let cat = catalogue::products(db).await?;
    let people = db
        .query_as::<Person>(
            &format!(
                "SELECT {PERSON_COLS} FROM vax_status s JOIN residents r ON r.id = s.resident_id \
                 JOIN households h ON h.id = r.household_id WHERE s.path >= $1 AND s.path < $2"
            ),
            args![path, crate::db::path_end(path)],
        )
        .await?;
    let mut tx = db.begin().await?;
    // Residents removed from the registry take their status (and tally) with them.
    let gone = tx
        .column::<i64>(
            "SELECT s.resident_id FROM vax_status s LEFT JOIN residents r ON r.id = s.resident_id \
             WHERE s.path >= $1 AND s.path < $2 AND r.id IS NULL",
            args![path, crate::db::path_end(path)],
        )
        .await?;
    let old = stored(&mut tx, &gone).await?;
    apply(
        &mut tx,
        gone.iter()
            .map(|id| Change {
                resident_id: *id,
                old: old.get(id).cloned(),
                new: None,
            })
            .collect(),
        now,
    )
    .await?;
    for chunk in people.chunks(2000) {
        refresh(&mut tx, chunk, &cat, now).await?;
    }
    tx.commit().await?;
    Ok(people.len())
}
