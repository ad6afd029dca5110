//! A zone's life: declared over an area or a household, extended (the earlier end kept in its
//! history), lifted. Every change is one row of `zone_changes` and one audit entry, written in
//! the same transaction; each is idempotent by the client's id (a form sent twice over a weak
//! network changes the zone once).

use serde::Serialize;
use serde_json::json;

use super::{require_declare, require_read, visible, ZoneKind};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db, DbError, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas;

pub const DAY_MS: i64 = 86_400_000;
/// A zone may be recorded up to this long after it started (a decision taken at night and
/// typed in the next morning); older starts are history, not a declaration.
pub const MAX_BACKDATE_MS: i64 = 7 * DAY_MS;
/// A zone may be declared to start at most this far ahead.
pub const MAX_AHEAD_MS: i64 = 30 * DAY_MS;
/// Text limits.
pub const MAX_REASON: usize = 500;
pub const MAX_DECIDED_BY: usize = 200;
pub const MAX_CLIENT_ID: usize = 64;

/// A zone to declare: over the area with code `area`, or over the household `household`
/// (then `area` is ignored).
#[derive(Debug, Clone, Default)]
pub struct NewZone {
    pub area: String,
    pub household: Option<i64>,
    pub kind: String,
    pub start_ms: i64,
    pub planned_end_ms: Option<i64>,
    pub reason: String,
    /// Who decided: the HQ's decision or document (e.g. "区指挥部 2026年第12号通告").
    pub decided_by: String,
    /// The client's id for this request: the same id again returns the same zone.
    pub client_id: String,
}

/// The outcome of a write: the zone, and whether the client id had been seen (nothing new was
/// written).
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub id: i64,
    pub replayed: bool,
}

/// A zone as its pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    pub id: i64,
    pub kind: ZoneKind,
    /// `area` or `household`.
    pub target: String,
    pub area_id: i64,
    pub area_path: String,
    pub household_id: Option<i64>,
    pub start_ms: i64,
    pub planned_end_ms: Option<i64>,
    pub lifted_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub reason: String,
    pub decided_by: String,
    pub recorded_by: String,
    pub created_ms: i64,
}

crate::from_row!(Zone {
    id,
    kind,
    target,
    area_id,
    area_path,
    household_id,
    start_ms,
    planned_end_ms,
    lifted_ms,
    end_ms,
    reason,
    decided_by,
    recorded_by,
    created_ms
});

pub const ZONE_COLS: &str = "id, kind, target, area_id, area_path, household_id, start_ms, \
    planned_end_ms, lifted_ms, end_ms, reason, decided_by, recorded_by, created_ms";

/// Where a zone stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Declared to start later.
    Planned,
    InForce,
    /// Its planned end has passed.
    Ended,
    Lifted,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::InForce => "in_force",
            State::Ended => "ended",
            State::Lifted => "lifted",
        }
    }
}

impl Zone {
    pub fn state(&self, now: i64) -> State {
        if self.lifted_ms.is_some() {
            State::Lifted
        } else if self.start_ms > now {
            State::Planned
        } else if self.end_ms.is_some_and(|e| e <= now) {
            State::Ended
        } else {
            State::InForce
        }
    }

    pub fn in_force(&self, at: i64) -> bool {
        self.start_ms <= at && self.end_ms.is_none_or(|e| e > at)
    }
}

/// One change of a zone.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: i64,
    pub zone_id: i64,
    /// declared, extended, lifted.
    pub change: String,
    pub old_end_ms: Option<i64>,
    pub new_end_ms: Option<i64>,
    pub reason: String,
    pub decided_by: String,
    pub actor: String,
    pub at_ms: i64,
}

crate::from_row!(Change {
    id,
    zone_id,
    change,
    old_end_ms,
    new_end_ms,
    reason,
    decided_by,
    actor,
    at_ms
});

fn text(field: &'static str, v: &str, max: usize) -> Result<String, FieldError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", "必填"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("at most {max} characters"),
            format!("最多 {max} 个字"),
        ));
    }
    Ok(v.to_owned())
}

fn client_id(v: &str) -> Result<Option<String>, FieldError> {
    let v = v.trim();
    if v.len() > MAX_CLIENT_ID || v.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            "client_id",
            "the form's id is too long; reload the page",
            "表单编号过长，请刷新页面",
        ));
    }
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

/// The area or household a zone would cover, within the writer's scope.
struct Target {
    area_id: i64,
    path: String,
    household: Option<i64>,
    people: i64,
}

struct HouseholdTarget {
    area_id: i64,
    path: String,
    people: i64,
}
crate::from_row!(HouseholdTarget {
    area_id,
    path,
    people
});

async fn target(db: &Db, r: &Reader, f: &NewZone) -> AppResult<Target> {
    let scope = r.registry_scope();
    if let Some(h) = f.household {
        let row = db
            .query_opt_as::<HouseholdTarget>(
                "SELECT h.area_id, h.path, (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) AS people \
                 FROM households h WHERE h.id = $1",
                args![h],
            )
            .await?;
        return match row {
            Some(row) if scope.contains(&row.path) => Ok(Target {
                area_id: row.area_id,
                path: row.path,
                household: Some(h),
                people: row.people,
            }),
            _ => Err(FieldError::new(
                "household",
                format!("no household {h} within your scope"),
                format!("您的管辖范围内没有编号为 {h} 的户"),
            )
            .into()),
        };
    }
    let code = f.area.trim();
    if code.is_empty() {
        return Err(FieldError::new("area", "required", "必填").into());
    }
    let area = areas::by_code(db, code)
        .await?
        .filter(|a| scope.contains(&a.path));
    match area {
        None => Err(FieldError::new(
            "area",
            format!("no area {code:?} within your scope"),
            format!("您的管辖范围内没有区划“{code}”"),
        )
        .into()),
        Some(a) if !(5..=7).contains(&a.level) => Err(FieldError::new(
            "area",
            "a zone covers a community or village, a grid, a building or one household",
            "风险区域可划定到社区/村、网格、楼栋（小区）或单户",
        )
        .into()),
        Some(a) => Ok(Target {
            area_id: a.id,
            path: a.path,
            household: None,
            people: 0,
        }),
    }
}

/// Declare a zone. Refused with the field named on bad input; a second zone over the same
/// area or household whose time overlaps one not lifted is refused (lift it, or extend it).
pub async fn declare(db: &Db, actor: &Actor, r: &Reader, f: &NewZone, now: i64) -> AppResult<Done> {
    require_declare(r)?;
    let cid = client_id(&f.client_id)?;
    if let Some(c) = &cid {
        if let Some(id) = db
            .scalar_opt::<i64>(
                "SELECT id FROM zones WHERE client_id = $1",
                args![c.as_str()],
            )
            .await?
        {
            return replay(db, r, id).await;
        }
    }
    let mut errors = Vec::new();
    let kind = ZoneKind::parse(&f.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "zone_kind",
            "choose sealed, controlled or precaution",
            "请选择封控区、管控区或防范区",
        ));
    }
    if f.start_ms < now - MAX_BACKDATE_MS {
        errors.push(FieldError::new(
            "starts",
            "a zone is recorded at most 7 days after it started",
            "风险区域最晚须在开始后 7 天内登记",
        ));
    } else if f.start_ms > now + MAX_AHEAD_MS {
        errors.push(FieldError::new(
            "starts",
            "a zone is declared at most 30 days ahead",
            "风险区域最多提前 30 天划定",
        ));
    }
    if let Some(e) = f.planned_end_ms {
        if e <= f.start_ms {
            errors.push(FieldError::new(
                "ends",
                "the planned end is before the start",
                "计划结束时间早于开始时间",
            ));
        } else if e <= now {
            errors.push(FieldError::new(
                "ends",
                "the planned end has already passed",
                "计划结束时间已过",
            ));
        }
    }
    let reason = text("reason", &f.reason, MAX_REASON);
    let decided = text("decided_by", &f.decided_by, MAX_DECIDED_BY);
    let t = target(db, r, f).await;
    let (reason, decided_by, t) = match (reason, decided, t) {
        (Ok(a), Ok(b), Ok(c)) if errors.is_empty() => (a, b, c),
        (a, b, c) => {
            errors.extend(a.err());
            errors.extend(b.err());
            match c {
                Err(AppError::Invalid(v)) => errors.extend(v),
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let kind = kind.expect("checked above");

    let mut tx = db.begin().await?;
    // Two officers declaring over the same area at once: both see no overlap and both insert.
    // Serialize declarations over one target on the area's row.
    tx.lock_rows("areas", &[t.area_id]).await?;
    if let Some(other) = overlapping(&mut tx, &t, f.start_ms, f.planned_end_ms).await? {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "zone {other} over the same {} overlaps this time: lift it or extend it instead",
                if t.household.is_some() {
                    "household"
                } else {
                    "area"
                }
            ),
            format!(
                "同一{}已有时间重叠的风险区域（编号 {other}）：请先解除，或将其延长",
                if t.household.is_some() {
                    "户"
                } else {
                    "区划"
                }
            ),
        )));
    }
    let id = tx
        .scalar::<i64>(
            "INSERT INTO zones (kind, target, area_id, area_path, community_id, household_id, people, \
             start_ms, planned_end_ms, end_ms, reason, decided_by, recorded_by, client_id, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14) RETURNING id",
            args![
                kind.code(),
                if t.household.is_some() { "household" } else { "area" },
                t.area_id,
                t.path.as_str(),
                areas::community_id(&t.path),
                t.household,
                t.people,
                f.start_ms,
                f.planned_end_ms,
                reason.as_str(),
                decided_by.as_str(),
                actor.username.as_str(),
                cid.clone(),
                now
            ],
        )
        .await
        .map_err(|e| unique_retry(e, "zone"))?;
    change_row(
        &mut tx,
        id,
        "declared",
        None,
        f.planned_end_ms,
        &reason,
        &decided_by,
        &actor.username,
        None,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("zone_declared", "zone", id)
            .area(&t.path)
            .detail(json!({
                "status": kind.code(),
                "household_id": t.household,
                "starts_ms": f.start_ms,
                "ends_ms": f.planned_end_ms,
                "reason": reason,
                "decided_by": decided_by,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Done {
        id,
        replayed: false,
    })
}

/// The id of a zone over the same target, not lifted, whose time overlaps `[start, end)`.
async fn overlapping(
    tx: &mut Tx,
    t: &Target,
    start: i64,
    end: Option<i64>,
) -> AppResult<Option<i64>> {
    let end = end.unwrap_or(i64::MAX);
    let (cond, key) = match t.household {
        Some(h) => ("target = 'household' AND household_id = $1", Value::from(h)),
        None => (
            "target = 'area' AND area_path = $1",
            Value::from(t.path.as_str()),
        ),
    };
    Ok(tx
        .scalar_opt::<i64>(
            &format!(
                "SELECT id FROM zones WHERE {cond} AND start_ms < $2 \
                 AND (end_ms IS NULL OR end_ms > $3) AND (end_ms IS NULL OR end_ms > start_ms) \
                 ORDER BY id LIMIT 1"
            ),
            vec![key, Value::from(end), Value::from(start)],
        )
        .await?)
}

/// A retry that raced its first attempt: the unique client id says it is already done.
fn unique_retry(e: DbError, what: &str) -> AppError {
    match e {
        DbError::Unique(_) => AppError::Conflict(Msg::new(
            format!("this {what} form was already sent; reload the page"),
            "此表单已提交，请刷新页面",
        )),
        e => e.into(),
    }
}

async fn replay(db: &Db, r: &Reader, id: i64) -> AppResult<Done> {
    // The same client id from another account's scope answers nothing about that zone.
    get(db, r, id).await?;
    Ok(Done { id, replayed: true })
}

#[allow(clippy::too_many_arguments)]
async fn change_row(
    tx: &mut Tx,
    zone: i64,
    change: &str,
    old_end: Option<i64>,
    new_end: Option<i64>,
    reason: &str,
    decided_by: &str,
    actor: &str,
    client_id: Option<String>,
    now: i64,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO zone_changes (zone_id, change, old_end_ms, new_end_ms, reason, decided_by, actor, client_id, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![zone, change, old_end, new_end, reason, decided_by, actor, client_id, now],
    )
    .await
    .map_err(|e| unique_retry(e, "zone"))?;
    Ok(())
}

/// A zone the reader may see.
pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Zone> {
    require_read(r)?;
    db.query_opt_as::<Zone>(
        &format!("SELECT {ZONE_COLS} FROM zones WHERE id = $1"),
        args![id],
    )
    .await?
    .filter(|z| visible(r, &z.area_path, z.household_id.is_some()))
    .ok_or(AppError::NotFound)
}

/// A zone's changes, first first.
pub async fn changes(db: &Db, r: &Reader, id: i64) -> AppResult<Vec<Change>> {
    get(db, r, id).await?;
    Ok(db
        .query_as(
            "SELECT id, zone_id, change, old_end_ms, new_end_ms, reason, decided_by, actor, at_ms \
             FROM zone_changes WHERE zone_id = $1 ORDER BY id",
            args![id],
        )
        .await?)
}

/// A change to a zone: extend to a new planned end, or lift.
#[derive(Debug, Clone, Default)]
pub struct ChangeForm {
    /// The new planned end (extend only).
    pub new_end_ms: Option<i64>,
    pub reason: String,
    pub decided_by: String,
    pub client_id: String,
}

async fn replayed_change(db: &Db, r: &Reader, zone: i64, cid: &Option<String>) -> AppResult<bool> {
    let Some(c) = cid else { return Ok(false) };
    match db
        .scalar_opt::<i64>(
            "SELECT zone_id FROM zone_changes WHERE client_id = $1",
            args![c.as_str()],
        )
        .await?
    {
        Some(z) if z == zone => {
            get(db, r, zone).await?;
            Ok(true)
        }
        Some(_) => Err(AppError::Conflict(Msg::new(
            "this form's id was used for another zone; reload the page",
            "此表单编号已用于另一风险区域，请刷新页面",
        ))),
        None => Ok(false),
    }
}

/// The zone for a change, locked, checked to be in the writer's scope.
async fn writable(tx: &mut Tx, r: &Reader, id: i64) -> AppResult<Zone> {
    tx.lock_rows("zones", &[id]).await?;
    tx.query_opt_as::<Zone>(
        &format!("SELECT {ZONE_COLS} FROM zones WHERE id = $1"),
        args![id],
    )
    .await?
    .filter(|z| r.registry_scope().contains(&z.area_path))
    .ok_or(AppError::NotFound)
}

/// Extend a zone to a later planned end; the earlier end is kept in its history. Only a zone
/// not lifted and not yet ended, with a planned end (one "until further notice" has nothing to
/// extend).
pub async fn extend(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    f: &ChangeForm,
    now: i64,
) -> AppResult<Done> {
    require_declare(r)?;
    let cid = client_id(&f.client_id)?;
    if replayed_change(db, r, id, &cid).await? {
        return Ok(Done { id, replayed: true });
    }
    let mut errors = Vec::new();
    let new_end = match f.new_end_ms {
        None => {
            errors.push(FieldError::new("ends", "required", "必填"));
            0
        }
        Some(e) => e,
    };
    let reason = text("reason", &f.reason, MAX_REASON);
    let decided = text("decided_by", &f.decided_by, MAX_DECIDED_BY);
    let mut tx = db.begin().await?;
    let z = writable(&mut tx, r, id).await?;
    match z.state(now) {
        State::Lifted | State::Ended => {
            return Err(AppError::BadRequest(Msg::new(
                "this zone has ended: declare a new one",
                "此风险区域已结束，请重新划定",
            )))
        }
        State::Planned | State::InForce => {}
    }
    let Some(old_end) = z.planned_end_ms else {
        return Err(AppError::BadRequest(Msg::new(
            "this zone has no planned end (until further notice): there is nothing to extend",
            "此风险区域未设结束时间（直至另行通知），无需延长",
        )));
    };
    if f.new_end_ms.is_some() && new_end <= old_end {
        errors.push(FieldError::new(
            "ends",
            "the new end must be later than the planned end",
            "新的结束时间须晚于原计划结束时间",
        ));
    }
    let (reason, decided_by) = match (reason, decided) {
        (Ok(a), Ok(b)) if errors.is_empty() => (a, b),
        (a, b) => {
            errors.extend(a.err());
            errors.extend(b.err());
            return Err(AppError::Invalid(errors));
        }
    };
    tx.execute(
        "UPDATE zones SET planned_end_ms = $1, end_ms = $1, version = version + 1 WHERE id = $2",
        args![new_end, id],
    )
    .await?;
    change_row(
        &mut tx,
        id,
        "extended",
        Some(old_end),
        Some(new_end),
        &reason,
        &decided_by,
        &actor.username,
        cid,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("zone_extended", "zone", id)
            .area(&z.area_path)
            .detail(json!({
                "old_end_ms": old_end,
                "new_end_ms": new_end,
                "reason": reason,
                "decided_by": decided_by,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Done {
        id,
        replayed: false,
    })
}

/// Lift a zone now (a zone planned to start later is thereby called off). Its planned end is
/// kept; it ceases to be in force from `now`.
pub async fn lift(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    f: &ChangeForm,
    now: i64,
) -> AppResult<Done> {
    require_declare(r)?;
    let cid = client_id(&f.client_id)?;
    if replayed_change(db, r, id, &cid).await? {
        return Ok(Done { id, replayed: true });
    }
    let reason = text("reason", &f.reason, MAX_REASON);
    let decided = text("decided_by", &f.decided_by, MAX_DECIDED_BY);
    let (reason, decided_by) = match (reason, decided) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut errors = Vec::new();
            errors.extend(a.err());
            errors.extend(b.err());
            return Err(AppError::Invalid(errors));
        }
    };
    let mut tx = db.begin().await?;
    let z = writable(&mut tx, r, id).await?;
    match z.state(now) {
        State::Lifted | State::Ended => {
            return Err(AppError::BadRequest(Msg::new(
                "this zone has already ended",
                "此风险区域已结束",
            )))
        }
        State::Planned | State::InForce => {}
    }
    // A zone called off before it started ends at its start: it was never in force.
    let end = now.max(z.start_ms);
    tx.execute(
        "UPDATE zones SET lifted_ms = $1, end_ms = $2, version = version + 1 WHERE id = $3",
        args![now, end, id],
    )
    .await?;
    change_row(
        &mut tx,
        id,
        "lifted",
        z.end_ms,
        Some(end),
        &reason,
        &decided_by,
        &actor.username,
        cid,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("zone_lifted", "zone", id)
            .area(&z.area_path)
            .detail(json!({
                "old_end_ms": z.end_ms,
                "lifted_ms": now,
                "reason": reason,
                "decided_by": decided_by,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Done {
        id,
        replayed: false,
    })
}

/// Which zones of an area to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// In force now or planned to start.
    Current,
    /// Every zone ever declared (the history), newest first.
    All,
}

/// The zones over an area: its own and those over the areas above it, and, within the
/// reader's scope, those of the areas and households below it. Newest start first; paged
/// (`limit`, `offset`). Also the total count.
pub async fn of_area(
    db: &Db,
    r: &Reader,
    path: &str,
    which: Which,
    now: i64,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Zone>, i64)> {
    require_read(r)?;
    let scope = r.registry_scope();
    if !scope.contains(path) && !scope.roots.iter().any(|root| root.starts_with(path)) {
        return Err(AppError::NotFound);
    }
    // Below the area, within the scope: the area itself if in scope, else only the reader's
    // roots under it (a grid worker looking at their community sees their grid's zones).
    let below: Vec<&str> = if scope.contains(path) {
        vec![path]
    } else {
        scope
            .roots
            .iter()
            .filter(|root| root.starts_with(path))
            .map(String::as_str)
            .collect()
    };
    // Above it and the area itself: the zones over the area, public to whoever sees inside.
    let above: Vec<String> = super::covering_paths(path);
    let mut params: Vec<Value> = Vec::new();
    let mut parts = Vec::new();
    for b in &below {
        let n = params.len() + 1;
        parts.push(format!("(area_path >= ${n} AND area_path < ${})", n + 1));
        params.push(Value::from(*b));
        params.push(Value::from(path_end(b)));
    }
    if !above.is_empty() {
        let n = params.len() + 1;
        parts.push(format!(
            "(target = 'area' AND area_path IN ({}))",
            crate::db::placeholders(n, above.len())
        ));
        params.extend(above.iter().map(Value::from));
    }
    let mut cond = format!("({})", parts.join(" OR "));
    if which == Which::Current {
        let n = params.len() + 1;
        cond.push_str(&format!(
            " AND (end_ms IS NULL OR end_ms > ${n}) AND lifted_ms IS NULL"
        ));
        params.push(Value::from(now));
    }
    let total = db
        .scalar::<i64>(
            &format!("SELECT COUNT(*) AS n FROM zones WHERE {cond}"),
            params.clone(),
        )
        .await?;
    let n = params.len() + 1;
    params.push(Value::from(limit));
    params.push(Value::from(offset));
    let rows = db
        .query_as::<Zone>(
            &format!(
                "SELECT {ZONE_COLS} FROM zones WHERE {cond} \
                 ORDER BY start_ms DESC, id DESC LIMIT ${n} OFFSET ${}",
                n + 1
            ),
            params,
        )
        .await?;
    Ok((rows, total))
}
