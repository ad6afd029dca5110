//! The checks owed by each order: generated per China-time day (morning and evening), recorded
//! by a grid worker, the contact person, a medic or the person through the household link;
//! missed when their window passes undone; a fever or a symptom raises a referral to the
//! community's medic; two missed in a row an escalation to the community officer.
//!
//! A check's record is idempotent by the client's id: the same id again returns the same
//! answer, so a form sent twice over a weak signal records once.

use serde::Serialize;
use serde_json::json;

use super::{day_of, in_vocab, parse_temp, symptom_bits, windows, FEVER_DC, NOT_ATTEMPTED};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// The checks of `day` for one order (when active and the day within its span); none twice.
pub async fn generate_for_order(tx: &mut Tx, order: i64, day: i64) -> AppResult<u64> {
    let (d1, l1, m1) = windows(day, 1, 2);
    let (d2, l2, m2) = windows(day, 2, 2);
    let (_, l0, m0) = windows(day, 1, 1);
    Ok(tx
        .execute(
            &insert_sql("o.id = $10"),
            args![day, d1, l1, m1, d2, l2, m2, l0, m0, order],
        )
        .await?)
}

fn insert_sql(cond: &str) -> String {
    format!(
        "INSERT INTO quarantine_checks (order_id, resident_id, household_id, path, day, slot, seq, \
         due_ms, late_ms, missed_ms, status) \
         SELECT o.id, o.resident_id, o.household_id, o.path, CAST($1 AS BIGINT), s.slot, \
         CAST($1 AS BIGINT) * 10 + s.slot, \
         CASE WHEN s.slot = 1 THEN CAST($2 AS BIGINT) ELSE CAST($5 AS BIGINT) END, \
         CASE WHEN o.checks_per_day = 1 THEN CAST($8 AS BIGINT) WHEN s.slot = 1 THEN CAST($3 AS BIGINT) ELSE CAST($6 AS BIGINT) END, \
         CASE WHEN o.checks_per_day = 1 THEN CAST($9 AS BIGINT) WHEN s.slot = 1 THEN CAST($4 AS BIGINT) ELSE CAST($7 AS BIGINT) END, \
         'pending' \
         FROM quarantine_orders o JOIN (SELECT 1 AS slot UNION ALL SELECT 2 AS slot) s \
         ON s.slot <= o.checks_per_day \
         WHERE o.status = 'active' AND o.start_day <= CAST($1 AS BIGINT) AND o.end_day >= CAST($1 AS BIGINT) AND {cond} \
         ON CONFLICT (order_id, seq) DO NOTHING"
    )
}

/// The checks of `day` for every active order (one statement). Returns how many were made.
pub async fn generate_day(db: &Db, day: i64) -> AppResult<u64> {
    let (d1, l1, m1) = windows(day, 1, 2);
    let (d2, l2, m2) = windows(day, 2, 2);
    let (_, l0, m0) = windows(day, 1, 1);
    let mut tx = db.begin_bulk().await?;
    let n = tx
        .execute(
            &insert_sql("1 = 1"),
            args![day, d1, l1, m1, d2, l2, m2, l0, m0],
        )
        .await?;
    let orders = tx
        .scalar::<i64>(
            "SELECT COUNT(DISTINCT order_id) AS n FROM quarantine_checks WHERE day = $1",
            args![day],
        )
        .await?;
    tx.execute(
        "INSERT INTO quarantine_days (day, orders, generated_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO NOTHING",
        args![day, orders, crate::db::now_ms()],
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Make today's checks once a day, and mark the checks whose window has passed as missed
/// (escalating two in a row). Pages and the API call this before they read checks.
pub async fn ensure_today(db: &Db, now: i64) -> AppResult<()> {
    struct State {
        made: Option<i64>,
        late: Option<i64>,
    }
    crate::from_row!(State { made, late });
    let day = day_of(now);
    // One round trip on the usual read: the day is made and nothing is waiting to be swept.
    let st: State = db
        .query_one_as(
            "SELECT (SELECT day FROM quarantine_days WHERE day = $1) AS made, \
             (SELECT id FROM quarantine_checks WHERE status = 'pending' AND missed_ms <= $2 \
              ORDER BY missed_ms LIMIT 1) AS late",
            args![day, now],
        )
        .await?;
    if st.made.is_none() {
        generate_day(db, day).await?;
    }
    if st.made.is_none() || st.late.is_some() {
        sweep(db, now).await?;
    }
    Ok(())
}

/// One check due to be marked missed by `$1`, if any (also the notify bench's plan).
pub const ANY_DUE_SQL: &str =
    "SELECT id FROM quarantine_checks WHERE status = 'pending' AND missed_ms <= $1 \
             ORDER BY missed_ms LIMIT 1";

/// Checks still to do whose time has passed become missed; the second missed in a row of an
/// order raises one escalation to the community officer.
pub async fn sweep(db: &Db, now: i64) -> AppResult<u64> {
    let any = db.scalar_opt::<i64>(ANY_DUE_SQL, args![now]).await?;
    if any.is_none() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE quarantine_checks SET status = 'missed' WHERE status = 'pending' AND missed_ms <= $1",
            args![now],
        )
        .await?;
    // The second of a run: the one before is missed, the one before that is not.
    tx.execute(
        "INSERT INTO quarantine_tasks (kind, order_id, check_id, resident_id, path, created_ms) \
         SELECT 'escalation', c.order_id, c.id, c.resident_id, c.path, CAST($1 AS BIGINT) \
         FROM quarantine_checks c WHERE c.status = 'missed' AND c.missed_ms <= $1 AND c.missed_ms > $2 \
         AND (SELECT p.status FROM quarantine_checks p WHERE p.order_id = c.order_id AND p.seq < c.seq \
              ORDER BY p.seq DESC LIMIT 1) = 'missed' \
         AND COALESCE((SELECT p.status FROM quarantine_checks p WHERE p.order_id = c.order_id AND p.seq < c.seq \
              ORDER BY p.seq DESC LIMIT 1 OFFSET 1), '') <> 'missed' \
         ON CONFLICT (kind, check_id) DO NOTHING",
        args![now, now - 3 * super::DAY_MS],
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: i64,
    pub order_id: i64,
    pub resident_id: i64,
    pub household_id: i64,
    pub path: String,
    pub day: i64,
    pub slot: i64,
    pub due_ms: i64,
    pub late_ms: i64,
    pub missed_ms: i64,
    pub status: String,
    pub temp_dc: Option<i64>,
    pub symptoms: i64,
    pub note: String,
    pub reason: String,
    pub by_kind: Option<String>,
    pub by_login: Option<String>,
    pub done_ms: Option<i64>,
    #[serde(skip)]
    pub client_id: Option<String>,
}
crate::from_row!(Check {
    id,
    order_id,
    resident_id,
    household_id,
    path,
    day,
    slot,
    due_ms,
    late_ms,
    missed_ms,
    status,
    temp_dc,
    symptoms,
    note,
    reason,
    by_kind,
    by_login,
    done_ms,
    client_id
});

pub const COLS: &str = "c.id, c.order_id, c.resident_id, c.household_id, c.path, c.day, c.slot, \
    c.due_ms, c.late_ms, c.missed_ms, c.status, c.temp_dc, c.symptoms, c.note, c.reason, c.by_kind, \
    c.by_login, c.done_ms, c.client_id";

impl Check {
    pub fn is_done(&self) -> bool {
        matches!(self.status.as_str(), "well" | "unwell")
    }

    /// The status as shown at `now`: a pending check is "not yet due" before its window,
    /// "due" in it, "late" after it.
    pub fn shown(&self, now: i64) -> &'static str {
        match self.status.as_str() {
            "pending" if now < self.due_ms => "not_due",
            "pending" if now <= self.late_ms => "due",
            "pending" => "late",
            "well" => "well",
            "unwell" => "unwell",
            "missed" => "missed",
            _ => "not_attempted",
        }
    }
}

pub const SHOWN: super::Vocab = &[
    ("not_due", "not yet due", "未到时间"),
    ("due", "due now", "待监测"),
    ("late", "late", "已超时"),
    ("well", "done, well", "正常"),
    ("unwell", "done, not well", "异常"),
    ("missed", "missed", "漏报"),
    ("not_attempted", "not attempted", "未能监测"),
];

pub async fn fetch(db: &Db, id: i64) -> AppResult<Check> {
    db.query_opt_as::<Check>(
        &format!("SELECT {COLS} FROM quarantine_checks c WHERE c.id = $1"),
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// The checks of an order, newest first.
pub async fn of_order(db: &Db, order: i64, limit: i64) -> AppResult<Vec<Check>> {
    Ok(db
        .query_as(
            &format!(
                "SELECT {COLS} FROM quarantine_checks c WHERE c.order_id = $1 ORDER BY c.seq DESC LIMIT $2"
            ),
            args![order, limit],
        )
        .await?)
}

/// What a check's form or device sends.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct Input {
    /// well, unwell, not_attempted ("" = from the temperature and symptoms).
    pub outcome: String,
    /// °C as typed, e.g. "36.8" (optional).
    pub temperature: String,
    pub symptoms: Vec<String>,
    pub note: String,
    /// Why not attempted (`NOT_ATTEMPTED`).
    pub reason: String,
    pub client_id: String,
}

/// Who records a check.
#[derive(Debug, Clone)]
pub struct By {
    /// grid, contact, medic, officer, self.
    pub kind: &'static str,
    pub login: String,
}

/// What a check's record did.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub check_id: i64,
    pub status: String,
    /// The referral to the medic it raised (a fever or a symptom).
    pub referral: Option<i64>,
    /// The client id had been seen: nothing new was recorded.
    pub replayed: bool,
}

/// How the reader may record checks of a household: staff in scope, or its contact person.
pub async fn by_for(db: &Db, r: &Reader, household: i64, path: &str) -> AppResult<By> {
    if super::can_check(r) && r.registry_scope().contains(path) {
        let kind = if r.role == "grid" { "grid" } else { "officer" };
        return Ok(By {
            kind,
            login: r.username.clone(),
        });
    }
    if super::is_medic(r) && r.scope.contains(path) {
        return Ok(By {
            kind: "medic",
            login: r.username.clone(),
        });
    }
    if super::pairings::contact_of(db, household).await? == Some(r.account_id) {
        return Ok(By {
            kind: "contact",
            login: r.username.clone(),
        });
    }
    Err(AppError::NotFound)
}

/// A check's record, validated and within the recorder's scope, ready to be written (by
/// [`finish`] in a transaction of its own, or by the API's group-commit writer,
/// `super::ingest`, in a batch).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub actor: Actor,
    pub by: By,
    pub check: Check,
    pub status: &'static str,
    pub temp_dc: Option<i64>,
    pub symptoms: i64,
    pub note: String,
    pub reason: String,
    pub client_id: Option<String>,
    pub now: i64,
}

/// What a record comes to before it is written.
#[derive(Debug)]
pub enum Ready {
    /// The client id had been seen: the earlier answer.
    Replayed(Recorded),
    Write(Box<Prepared>),
}

/// Record a check by staff or a contact person (scope checked here).
pub async fn record(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    check_id: i64,
    f: &Input,
    now: i64,
) -> AppResult<Recorded> {
    finish(db, prepare_record(db, actor, r, check_id, f, now).await?).await
}

/// [`record`] up to the write.
pub async fn prepare_record(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    check_id: i64,
    f: &Input,
    now: i64,
) -> AppResult<Ready> {
    // Scope first: a client id answers only for a check the caller may record.
    let c = fetch(db, check_id).await?;
    let by = by_for(db, r, c.household_id, &c.path).await?;
    if let Some(done) = replay(db, &f.client_id, check_id, c.resident_id).await? {
        return Ok(Ready::Replayed(done));
    }
    prepare(db, actor, by, c, f, now, true).await
}

/// [`prepare_record`] for the group-commit writer (`super::ingest`): one read in the request
/// (the check, for the scope), the rest left to the batch's transaction — [`write_in`] answers
/// a client id seen before as a replay, and its update refuses a check recorded already or
/// an order that has ended (the same answers as here, without a read per request).
pub async fn prepare_record_for_batch(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    check_id: i64,
    f: &Input,
    now: i64,
) -> AppResult<Ready> {
    let c = fetch(db, check_id).await?;
    let by = by_for(db, r, c.household_id, &c.path).await?;
    prepare(db, actor, by, c, f, now, false).await
}

/// Record the check now owed by a resident under an order (the API's form: by resident id).
pub async fn record_for_resident(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &Input,
    now: i64,
) -> AppResult<Recorded> {
    finish(
        db,
        prepare_for_resident(db, actor, r, resident, f, now).await?,
    )
    .await
}

/// [`record_for_resident`] up to the write.
pub async fn prepare_for_resident(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &Input,
    now: i64,
) -> AppResult<Ready> {
    let path = db
        .scalar_opt::<String>("SELECT path FROM residents WHERE id = $1", args![resident])
        .await?
        .ok_or(AppError::NotFound)?;
    let household = db
        .scalar::<i64>(
            "SELECT household_id FROM residents WHERE id = $1",
            args![resident],
        )
        .await?;
    let by = by_for(db, r, household, &path).await?;
    if let Some(done) = replay(db, &f.client_id, 0, resident).await? {
        return Ok(Ready::Replayed(done));
    }
    ensure_today(db, now).await?;
    let c = current(db, resident, now).await?;
    prepare(db, actor, by, c, f, now, true).await
}

/// The check a resident owes now: today's earliest check not yet done (a missed or not
/// attempted one may still be recorded, late). Not under an order: a clear error.
pub async fn current(db: &Db, resident: i64, now: i64) -> AppResult<Check> {
    let active = db
        .scalar_opt::<i64>(
            "SELECT id FROM quarantine_orders WHERE resident_id = $1 AND status = 'active'",
            args![resident],
        )
        .await?;
    let Some(order) = active else {
        return Err(FieldError::new(
            "resident",
            "this person is not under a quarantine order: no check is owed",
            "此人不在隔离期内，无需健康监测",
        )
        .into());
    };
    db.query_opt_as::<Check>(
        &format!(
            "SELECT {COLS} FROM quarantine_checks c WHERE c.order_id = $1 AND c.day = $2 \
             AND c.status IN ('pending', 'missed', 'not_attempted') ORDER BY c.seq LIMIT 1"
        ),
        args![order, day_of(now)],
    )
    .await?
    .ok_or_else(|| {
        AppError::Conflict(Msg::new(
            "today's checks are all recorded",
            "今日的健康监测均已记录",
        ))
    })
}

/// A self-report through a household's link: the check the member owes now. The member must
/// belong to the household.
pub async fn self_report(
    db: &Db,
    household: i64,
    resident: i64,
    f: &Input,
    now: i64,
) -> AppResult<Recorded> {
    finish(
        db,
        prepare_self_report(db, household, resident, f, now).await?,
    )
    .await
}

/// [`self_report`] up to the write.
pub async fn prepare_self_report(
    db: &Db,
    household: i64,
    resident: i64,
    f: &Input,
    now: i64,
) -> AppResult<Ready> {
    let member = db
        .scalar_opt::<i64>(
            "SELECT id FROM residents WHERE id = $1 AND household_id = $2",
            args![resident, household],
        )
        .await?;
    if member.is_none() {
        return Err(AppError::NotFound);
    }
    if let Some(done) = replay(db, &f.client_id, 0, resident).await? {
        return Ok(Ready::Replayed(done));
    }
    ensure_today(db, now).await?;
    let c = current(db, resident, now).await?;
    let actor = Actor {
        account_id: None,
        username: "household link".into(),
        ip: String::new(),
    };
    let by = By {
        kind: "self",
        login: "household link".into(),
    };
    if f.outcome.trim() == "not_attempted" {
        return Err(FieldError::new("outcome", "say how you are", "请填写健康状况").into());
    }
    prepare(db, &actor, by, c, f, now, true).await
}

/// The check recorded under a client id (`$1`), read by [`replay`] and [`seen_in`].
fn by_client_id() -> String {
    format!("SELECT {COLS} FROM quarantine_checks c WHERE c.client_id = $1")
}

/// The referral a check raised (`$1`: the check's id).
const REFERRAL_OF_CHECK: &str =
    "SELECT id FROM quarantine_tasks WHERE kind = 'referral' AND check_id = $1";

/// The check already recorded under `client_id`, answered as a replay when it is `check_id`'s
/// (0: any) and `resident`'s (0: any), else a conflict that tells nothing of it. Called after
/// the caller's scope on the check or resident was verified.
async fn replay(
    db: &Db,
    client_id: &str,
    check_id: i64,
    resident: i64,
) -> AppResult<Option<Recorded>> {
    let cid = client_id.trim();
    if cid.is_empty() {
        return Ok(None);
    }
    let Some(c) = db
        .query_opt_as::<Check>(&by_client_id(), args![cid])
        .await?
    else {
        return Ok(None);
    };
    let referral = db.scalar_opt::<i64>(REFERRAL_OF_CHECK, args![c.id]).await?;
    if resident != 0 && c.resident_id != resident {
        return Err(used_elsewhere());
    }
    replayed(c, check_id, referral).map(Some)
}

fn used_elsewhere() -> AppError {
    AppError::Conflict(Msg::new(
        "this client id was used for another check",
        "该客户端编号已用于另一条监测记录",
    ))
}

fn replayed(c: Check, check_id: i64, referral: Option<i64>) -> AppResult<Recorded> {
    if check_id != 0 && c.id != check_id {
        return Err(used_elsewhere());
    }
    Ok(Recorded {
        check_id: c.id,
        status: c.status,
        referral,
        replayed: true,
    })
}

/// Validate a record of check `c` (nothing written). `check_state`: refuse here a check
/// recorded already or an ended order (else [`write_in`] does, in the batch).
async fn prepare(
    db: &Db,
    actor: &Actor,
    by: By,
    c: Check,
    f: &Input,
    now: i64,
    check_state: bool,
) -> AppResult<Ready> {
    let mut errs = Vec::new();
    let temp = parse_temp("temperature", &f.temperature)
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    let symptoms = symptom_bits("symptoms", &f.symptoms)
        .map_err(|e| errs.push(e))
        .unwrap_or(0);
    if f.note.chars().count() > 500 {
        errs.push(FieldError::new(
            "note",
            "up to 500 characters",
            "最多 500 字",
        ));
    }
    if f.client_id.trim().chars().count() > 100 {
        errs.push(FieldError::new(
            "client_id",
            "up to 100 characters",
            "最多 100 个字符",
        ));
    }
    let outcome = f.outcome.trim();
    let status = match outcome {
        "not_attempted" => {
            if !in_vocab(NOT_ATTEMPTED, f.reason.trim()) {
                errs.push(FieldError::new(
                    "reason",
                    "say why the check was not done",
                    "请选择未能监测的原因",
                ));
            }
            "not_attempted"
        }
        "" | "well" | "unwell" => {
            if outcome == "unwell" || symptoms != 0 || temp.is_some_and(|t| t >= FEVER_DC) {
                "unwell"
            } else {
                "well"
            }
        }
        _ => {
            errs.push(FieldError::new(
                "outcome",
                "well, unwell or not attempted",
                "请选择监测结果",
            ));
            "well"
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if c.day > day_of(now) {
        return Err(AppError::BadRequest(Msg::new(
            "this check is for a later day",
            "这是以后日期的监测",
        )));
    }
    if check_state {
        if c.is_done() {
            return Err(recorded_already());
        }
        let order_active = db
            .scalar_opt::<String>(
                "SELECT status FROM quarantine_orders WHERE id = $1",
                args![c.order_id],
            )
            .await?;
        if order_active.as_deref() != Some("active") {
            return Err(order_ended());
        }
    }
    let reason = if status == "not_attempted" {
        f.reason.trim().to_owned()
    } else {
        String::new()
    };
    let cid = f.client_id.trim();
    Ok(Ready::Write(Box::new(Prepared {
        actor: actor.clone(),
        by,
        check: c,
        status,
        temp_dc: temp,
        symptoms,
        note: f.note.trim().to_owned(),
        reason,
        client_id: (!cid.is_empty()).then(|| cid.to_owned()),
        now,
    })))
}

fn recorded_already() -> AppError {
    AppError::Conflict(Msg::new("this check is recorded already", "该次监测已记录"))
}

fn order_ended() -> AppError {
    FieldError::new(
        "check",
        "this person is no longer under an order",
        "此人已解除隔离",
    )
    .into()
}

/// Write a prepared record in a transaction of its own (pages, the demo, tests).
pub async fn finish(db: &Db, ready: Ready) -> AppResult<Recorded> {
    let p = match ready {
        Ready::Replayed(r) => return Ok(r),
        Ready::Write(p) => p,
    };
    let mut tx = db.begin().await?;
    match write_in(&mut tx, &p).await {
        Ok(Ok(done)) => {
            tx.commit().await?;
            Ok(done)
        }
        Ok(Err(e)) => Err(e),
        // The same client id raced in through another request: answer as a replay.
        Err(crate::db::DbError::Unique(_)) if p.client_id.is_some() => {
            drop(tx);
            let cid = p.client_id.as_deref().unwrap_or_default();
            replay(db, cid, p.check.id, p.check.resident_id)
                .await?
                .ok_or(AppError::Internal("client id vanished".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer of the check recorded already under the prepared record's client id, if any.
async fn seen_in(tx: &mut Tx, p: &Prepared) -> crate::db::DbResult<Option<AppResult<Recorded>>> {
    let Some(cid) = p.client_id.as_deref() else {
        return Ok(None);
    };
    let Some(seen) = tx
        .query_opt_as::<Check>(&by_client_id(), args![cid])
        .await?
    else {
        return Ok(None);
    };
    let referral = tx
        .scalar_opt::<i64>(REFERRAL_OF_CHECK, args![seen.id])
        .await?;
    // The same client id for the same person's order is the same request that raced another
    // copy of itself: a copy prepared after the first was written picks the next check owed,
    // but it is still a replay of the first, not another check.
    let wanted = if seen.order_id == p.check.order_id {
        0
    } else {
        p.check.id
    };
    Ok(Some(replayed(seen, wanted, referral)))
}

/// Write a prepared record inside `tx`: a replay if its client id is there already (also
/// from earlier in the same batch), a refusal if the check was recorded meanwhile or the
/// order ended (nothing written then), else the check, its referral and its audit entry.
/// A database error leaves the transaction to be thrown away.
pub async fn write_in(tx: &mut Tx, p: &Prepared) -> crate::db::DbResult<AppResult<Recorded>> {
    let c = &p.check;
    if let Some(done) = seen_in(tx, p).await? {
        return Ok(done);
    }
    let n = tx
        .execute(
            "UPDATE quarantine_checks SET status = $1, temp_dc = $2, symptoms = $3, note = $4, \
             reason = $5, by_kind = $6, by_login = $7, done_ms = $8, client_id = $9 \
             WHERE id = $10 AND status NOT IN ('well', 'unwell') AND EXISTS \
             (SELECT 1 FROM quarantine_orders o WHERE o.id = $11 AND o.status = 'active')",
            args![
                p.status,
                p.temp_dc,
                p.symptoms,
                p.note.as_str(),
                p.reason.as_str(),
                p.by.kind,
                p.by.login.as_str(),
                p.now,
                p.client_id.as_deref(),
                c.id,
                c.order_id
            ],
        )
        .await?;
    if n != 1 {
        // On PostgreSQL a copy of this request sent through another node may have written the
        // check while this UPDATE waited for its row: it is then a replay, not a conflict.
        if let Some(done) = seen_in(tx, p).await? {
            return Ok(done);
        }
        let order = tx
            .scalar_opt::<String>(
                "SELECT status FROM quarantine_orders WHERE id = $1",
                args![c.order_id],
            )
            .await?;
        return Ok(Err(if order.as_deref() == Some("active") {
            recorded_already()
        } else {
            order_ended()
        }));
    }
    let mut referral = None;
    if p.status == "unwell" {
        referral = tx
            .scalar_opt::<i64>(
                "INSERT INTO quarantine_tasks (kind, order_id, check_id, resident_id, path, created_ms) \
                 VALUES ('referral', $1, $2, $3, $4, $5) ON CONFLICT (kind, check_id) DO NOTHING RETURNING id",
                args![c.order_id, c.id, c.resident_id, c.path.as_str(), p.now],
            )
            .await?;
    }
    let logged = audit::record(
        tx,
        &p.actor,
        Event::new("quarantine_check", "quarantine_check", c.id)
            .area(&c.path)
            .detail(json!({
                "order": c.order_id, "status": p.status, "by": p.by.kind,
                "temp_dc": p.temp_dc, "symptoms": p.symptoms, "reason": p.reason
            })),
    )
    .await;
    match logged {
        Ok(_) => {}
        Err(AppError::Db(e)) => return Err(e),
        Err(e) => return Err(crate::db::DbError::Other(e.to_string())),
    }
    Ok(Ok(Recorded {
        check_id: c.id,
        status: p.status.into(),
        referral,
        replayed: false,
    }))
}

/// A referral or an escalation with the person's name and address.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: i64,
    pub kind: String,
    pub order_id: i64,
    pub check_id: i64,
    pub resident_id: i64,
    pub path: String,
    pub created_ms: i64,
    pub done_ms: Option<i64>,
    pub done_by: Option<String>,
    pub note: String,
    pub name: String,
    pub address: String,
    pub household_id: i64,
    pub temp_dc: Option<i64>,
    pub symptoms: i64,
    /// The person's phone, whole: shown masked, revealed by [`task_phone`] (audited).
    #[serde(skip)]
    pub phone: String,
}
crate::from_row!(Task {
    id,
    kind,
    order_id,
    check_id,
    resident_id,
    path,
    created_ms,
    done_ms,
    done_by,
    note,
    name,
    address,
    household_id,
    temp_dc,
    symptoms,
    phone
});

const TASK_SQL: &str = "SELECT t.id, t.kind, t.order_id, t.check_id, t.resident_id, t.path, \
    t.created_ms, t.done_ms, t.done_by, t.note, COALESCE(p.name, v.label, '') AS name, \
    COALESCE(h.address, v.stay, '') AS address, c.household_id, c.temp_dc, c.symptoms, \
    COALESCE(p.phone, '') AS phone FROM quarantine_tasks t JOIN quarantine_checks c ON c.id = t.check_id \
    LEFT JOIN residents p ON p.id = t.resident_id LEFT JOIN households h ON h.id = c.household_id \
    LEFT JOIN quarantine_visitors v ON v.id = -t.resident_id";

/// Open tasks in the reader's scope (under `path`), by walking order.
pub async fn open_tasks(db: &Db, r: &Reader, path: &str, limit: i64) -> AppResult<Vec<Task>> {
    super::require_read(r)?;
    let scope = r.registry_scope();
    if !scope.contains(path) {
        return Err(AppError::NotFound);
    }
    let end = crate::db::path_end(path);
    Ok(db
        .query_as(
            &format!(
                "{TASK_SQL} WHERE t.path >= $1 AND t.path < $2 AND t.done_ms IS NULL \
                 ORDER BY t.path, c.household_id, t.id LIMIT $3"
            ),
            args![path, end.as_str(), limit],
        )
        .await?)
}

/// The open referrals (fever, symptoms) of the reader's area, oldest first: the community's
/// medic (their area scope) or staff (their registry scope).
pub async fn open_referrals(db: &Db, r: &Reader, limit: i64) -> AppResult<Vec<Task>> {
    let scope = if super::is_medic(r) {
        r.scope.clone()
    } else {
        super::require_read(r)?;
        r.registry_scope()
    };
    let (cond, params) = scope.sql("t.path", 1);
    let mut params = params;
    params.push(crate::db::Value::from(limit));
    Ok(db
        .query_as(
            &format!(
                "{TASK_SQL} WHERE {cond} AND t.kind = 'referral' AND t.done_ms IS NULL \
                 ORDER BY t.created_ms, t.id LIMIT ${}",
                params.len()
            ),
            params,
        )
        .await?)
}

pub async fn tasks_of_order(db: &Db, order: i64) -> AppResult<Vec<Task>> {
    Ok(db
        .query_as(
            &format!("{TASK_SQL} WHERE t.order_id = $1 ORDER BY t.id"),
            args![order],
        )
        .await?)
}

struct PathKind {
    path: String,
    kind: String,
}
crate::from_row!(PathKind { path, kind });

/// Close a referral or an escalation with a note (what was done): staff in scope.
pub async fn close_task(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    note: &str,
    now: i64,
) -> AppResult<()> {
    let medic = super::is_medic(r);
    if !super::can_check(r) && !super::can_order(r) && !medic {
        return Err(AppError::Forbidden(Msg::new(
            "referrals and escalations are closed by officers, grid workers and the medic",
            "转介和上报由干部、网格员和社区医生处理",
        )));
    }
    let (path, kind) = db
        .query_opt_as::<PathKind>(
            "SELECT path, kind FROM quarantine_tasks WHERE id = $1",
            args![id],
        )
        .await?
        .map(|x| (x.path, x.kind))
        .ok_or(AppError::NotFound)?;
    let scope = if medic {
        r.scope.clone()
    } else {
        r.registry_scope()
    };
    if !scope.contains(&path) || (medic && kind != "referral") {
        return Err(AppError::NotFound);
    }
    if note.trim().is_empty() || note.chars().count() > 500 {
        return Err(FieldError::new("note", "say what was done", "请填写处理情况").into());
    }
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE quarantine_tasks SET done_ms = $1, done_by = $2, note = $3 WHERE id = $4 AND done_ms IS NULL",
            args![now, actor.username.as_str(), note.trim(), id],
        )
        .await?;
    if n != 1 {
        return Err(AppError::Conflict(Msg::new("closed already", "已处理")));
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_task_closed", "quarantine_task", id)
            .area(&path)
            .detail(json!({"note": note.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Tap to call from a referral or an escalation: the person's phone whole, for those who may
/// close the task (the medic: referrals of their area); audited.
pub async fn task_phone(db: &Db, actor: &Actor, r: &Reader, id: i64) -> AppResult<String> {
    let medic = super::is_medic(r);
    if !super::can_check(r) && !super::can_order(r) && !medic {
        return Err(AppError::NotFound);
    }
    let task = db
        .query_opt_as::<Task>(&format!("{TASK_SQL} WHERE t.id = $1"), args![id])
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = if medic {
        r.scope.clone()
    } else {
        r.registry_scope()
    };
    if !scope.contains(&task.path) || (medic && task.kind != "referral") {
        return Err(AppError::NotFound);
    }
    if task.phone.trim().is_empty() {
        return Err(AppError::Conflict(Msg::new(
            "no phone number is registered for this person",
            "此人未登记电话号码",
        )));
    }
    audit::record_now(
        db,
        actor,
        Event::new("quarantine_task_call", "quarantine_task", id)
            .area(&task.path)
            .detail(json!({"resident": task.resident_id})),
    )
    .await?;
    Ok(task.phone)
}
