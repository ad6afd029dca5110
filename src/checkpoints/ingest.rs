//! The pass log's writer. Every entry from a checker's phone goes through one queue; a single
//! task takes whatever has queued up (up to [`MAX_OPS`] operations), applies it in one
//! transaction — the entries, the vehicles, the confirmed visitors, the idempotency replies,
//! the tallies and one audit entry per checkpoint — and answers each request after the commit:
//! thousands of passes a second cost a few fsyncs a second, and every acknowledged pass is
//! durable.
//!
//! Every operation carries a client id; its reply is stored under `account:checkpoint:client
//! id` in the same transaction, so a retry after a dropped connection gets the same answer and
//! writes nothing. A refused operation stores nothing (corrected and sent again, it is new). A
//! vehicle's occupants are stored one by one (`…#0`, `…#1`): a driver whose phone number is no
//! phone number is refused alone, the people with him are logged, and the driver, corrected,
//! joins the same vehicle when the operation is sent again.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::visitors::{self, VisitorIn};
use super::{
    label, parse_code, parse_plate, parse_temp, suggest, temp_band, Access, Checkpoint, Checks,
    Lookup, Resident, CODES, DECISIONS, DIRECTIONS, HOUR_MS, RESIDENT_SELECT, SEATS,
    VEHICLE_CLASSES,
};
use crate::access::Reader;
use crate::db::{now_ms, placeholders, Db, DbError, Stmt, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::mobilization::in_vocab;

/// The most operations applied in one transaction.
pub const MAX_OPS: usize = 2000;
/// The most lines in one offline upload.
pub const MAX_BATCH: usize = 5000;
/// The most people in one vehicle (a coach).
pub const MAX_OCCUPANTS: usize = 70;
/// How far a device clock may run ahead.
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;
/// How old an offline entry may be.
const MAX_AGE_MS: i64 = 7 * 24 * HOUR_MS;

/// Who passes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PersonIn {
    /// A scanned personal code (`WLR1.…`) or a typed resident ID number.
    Code(String),
    /// Someone not in the registry, typed by the checker.
    Visitor(VisitorIn),
    /// A visitor's self-registration at this checkpoint (its number), confirmed by the checker.
    Registered(i64),
}

/// What the checker saw and decided.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Seen {
    /// green, yellow, red: as shown on the person's phone.
    #[serde(default)]
    pub health_code: Option<String>,
    /// The itinerary card shows a star.
    #[serde(default)]
    pub star: bool,
    /// °C, when measured.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// pass, return, quarantine, medical.
    #[serde(default)]
    pub decision: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// One person through the checkpoint.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct EntryIn {
    pub client_id: String,
    /// When (offline uploads); now when absent.
    #[serde(default)]
    pub at_ms: Option<i64>,
    /// in, out, through.
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub lane_id: Option<i64>,
    pub person: PersonIn,
    #[serde(flatten)]
    pub seen: Seen,
}

/// One person in a vehicle.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct OccupantIn {
    /// driver, passenger.
    #[serde(default)]
    pub seat: Option<String>,
    pub person: PersonIn,
    #[serde(flatten)]
    pub seen: Seen,
}

/// A vehicle through the checkpoint with its people.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct VehicleIn {
    pub client_id: String,
    #[serde(default)]
    pub at_ms: Option<i64>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub lane_id: Option<i64>,
    pub plate: String,
    /// car, van, lorry, bus, motorcycle, other.
    pub class: String,
    #[serde(default)]
    pub cargo: String,
    pub occupants: Vec<OccupantIn>,
}

/// An operation of a device (one line of an offline upload).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Person(EntryIn),
    Vehicle(VehicleIn),
}

impl Op {
    pub fn client_id(&self) -> &str {
        match self {
            Op::Person(e) => &e.client_id,
            Op::Vehicle(v) => &v.client_id,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Logged,
    Refused,
}

/// Who was logged, as the checker's phone shows them (masked).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Brief {
    pub resident_id: Option<i64>,
    pub visitor_id: Option<i64>,
    pub name: String,
    pub sex: Option<i64>,
    pub age: Option<i64>,
    pub zone: String,
    pub test: String,
}

/// The answer to one operation (and to each occupant of a vehicle).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// logged, invalid, not_on_duty, unknown_person, no_visitor, vehicle_invalid, … (stable).
    pub code: String,
    /// The first field at fault, when refused for its input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: Msg,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Brief>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub overridden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occupants: Vec<Outcome>,
    #[serde(default)]
    pub replayed: bool,
}

impl Outcome {
    fn refused(code: &str, en: impl Into<String>, zh: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Refused,
            code: code.into(),
            field: None,
            message: Msg::new(en, zh),
            person: None,
            suggestion: None,
            decision: None,
            reasons: vec![],
            overridden: false,
            vehicle_id: None,
            occupants: vec![],
            replayed: false,
        }
    }
    fn invalid(errs: Vec<FieldError>) -> Outcome {
        let field = errs.first().map(|e| e.field.to_owned());
        let en = errs
            .iter()
            .map(|e| e.render(crate::i18n::Lang::En))
            .collect::<Vec<_>>()
            .join("; ");
        let zh = errs
            .iter()
            .map(|e| e.render(crate::i18n::Lang::Zh))
            .collect::<Vec<_>>()
            .join("；");
        Outcome {
            field,
            ..Outcome::refused("invalid", en, zh)
        }
    }
    pub fn is_logged(&self) -> bool {
        self.status == Status::Logged
    }
}

/// A unit of work: one request (an operation, or an offline upload) at one checkpoint.
pub struct Submission {
    pub reader: Reader,
    pub checkpoint: Checkpoint,
    pub access: Access,
    /// The checkpoint's lanes (an entry may name one).
    pub lanes: Vec<super::Lane>,
    pub ops: Vec<Op>,
}

struct Job {
    sub: Submission,
    reply: oneshot::Sender<AppResult<Vec<Outcome>>>,
}

/// The queue in front of the pass-log writer. Cheap to clone.
#[derive(Clone)]
pub struct PassLog {
    tx: mpsc::Sender<Job>,
}

impl PassLog {
    /// Start the writer task (needs a Tokio runtime).
    pub fn start(db: Db) -> PassLog {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        tokio::spawn(writer(db, rx));
        PassLog { tx }
    }

    /// Apply a submission; the answers come back after the commit.
    pub async fn submit(&self, sub: Submission) -> AppResult<Vec<Outcome>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { sub, reply })
            .await
            .map_err(|_| AppError::Internal("the pass-log writer has stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("the pass-log writer dropped a request".into()))?
    }
}

async fn writer(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut n = first.sub.ops.len();
        let mut jobs = vec![first];
        while n < MAX_OPS {
            match rx.try_recv() {
                Ok(j) => {
                    n += j.sub.ops.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        let subs: Vec<&Submission> = jobs.iter().map(|j| &j.sub).collect();
        match apply(&db, &subs).await {
            Ok(outs) => {
                for (j, o) in jobs.into_iter().zip(outs) {
                    let _ = j.reply.send(Ok(o));
                }
            }
            Err(AppError::Db(DbError::Unavailable(m))) => {
                for j in jobs {
                    let _ = j
                        .reply
                        .send(Err(AppError::Db(DbError::Unavailable(m.clone()))));
                }
            }
            // One bad request must not fail the others of its batch: each on its own.
            Err(e) if jobs.len() > 1 => {
                tracing::warn!("pass-log batch of {} failed ({e}); one by one", jobs.len());
                for j in jobs {
                    let r = apply(&db, &[&j.sub]).await.map(|mut o| o.remove(0));
                    let _ = j.reply.send(r);
                }
            }
            Err(e) => {
                for j in jobs {
                    let _ = j.reply.send(Err(AppError::Internal(e.to_string())));
                }
            }
        }
    }
}

/// The idempotency key of an operation.
fn key(account: i64, place: i64, client_id: &str) -> String {
    format!("{account}:{place}:{client_id}")
}

/// One person's entry, decided, to be written.
struct Row {
    place_id: i64,
    path: String,
    lane_id: Option<i64>,
    account_id: i64,
    shift_id: i64,
    at_ms: i64,
    direction: String,
    resident_id: Option<i64>,
    household_id: Option<i64>,
    visitor_id: Option<i64>,
    visitor: Option<visitors::Visitor>,
    health_code: String,
    star: bool,
    temp_dc: Option<i64>,
    temp_band: String,
    test: String,
    zone: String,
    suggestion: String,
    reasons: String,
    decision: String,
    overridden: bool,
    note: String,
    /// Index into the batch's new vehicles, or a stored vehicle.
    vehicle: Option<VehicleRef>,
    seat: String,
}

#[derive(Clone, Copy)]
enum VehicleRef {
    New(usize),
    Stored(i64),
}

struct NewVehicle {
    place_id: i64,
    path: String,
    account_id: i64,
    at_ms: i64,
    direction: String,
    plate: String,
    class: String,
    cargo: String,
}

/// Tally counters of one (checkpoint, checker, shift, hour).
#[derive(Default, Clone)]
struct Tally {
    path: String,
    c: [i64; 12],
}
const TALLY_COLS: [&str; 12] = [
    "people",
    "n_in",
    "n_out",
    "n_through",
    "vehicles",
    "visitors",
    "passed",
    "returned",
    "quarantine",
    "medical",
    "overrides",
    "fever",
];

#[derive(Default)]
struct State {
    replies: HashMap<String, Outcome>,
    residents: HashMap<i64, Resident>,
    by_doc: HashMap<String, i64>,
    tests: HashMap<i64, (String, i64)>,
    zones: HashMap<i64, String>,
    waiting: HashMap<i64, WaitingRow>,
    secret: String,
    now: i64,

    rows: Vec<Row>,
    vehicles: Vec<NewVehicle>,
    /// Stored vehicles that gained people: (id, how many).
    grown: HashMap<i64, i64>,
    confirmed: Vec<i64>,
    new_replies: Vec<(String, String)>,
    tallies: HashMap<(i64, i64, i64, i64), Tally>,
    /// Per checkpoint: (account, user, one audit row).
    audited: Vec<(i64, i64, String, serde_json::Value)>,
}

#[derive(Clone)]
struct WaitingRow {
    id: i64,
    place_id: i64,
    status: String,
    visitor: visitors::Visitor,
}

struct WaitingDb {
    id: i64,
    place_id: i64,
    status: String,
    doc_type: String,
    doc_number: String,
    name: String,
    phone: String,
    from_place: String,
    to_place: String,
    reason: String,
}
crate::from_row!(WaitingDb {
    id,
    place_id,
    status,
    doc_type,
    doc_number,
    name,
    phone,
    from_place,
    to_place,
    reason
});

struct ReplyRow {
    key: String,
    body: String,
}
crate::from_row!(ReplyRow { key, body });

fn ints(v: impl IntoIterator<Item = i64>) -> Vec<Value> {
    v.into_iter().map(Value::Int).collect()
}

/// Everything an operation refers to, read up front in a few `IN (…)` queries.
async fn load(db: &Db, tx: &mut Tx, subs: &[&Submission], st: &mut State) -> AppResult<()> {
    lock_checkpoints(tx, subs).await?;
    let mut keys = Vec::new();
    let mut ids = Vec::new();
    let mut docs = Vec::new();
    let mut regs = Vec::new();
    let mut persons: Vec<&PersonIn> = Vec::new();
    for s in subs {
        for op in &s.ops {
            let k = key(s.reader.account_id, s.checkpoint.id, op.client_id());
            match op {
                Op::Person(e) => persons.push(&e.person),
                Op::Vehicle(v) => {
                    for (i, o) in v.occupants.iter().enumerate().take(MAX_OCCUPANTS) {
                        keys.push(format!("{k}#{i}"));
                        persons.push(&o.person);
                    }
                }
            }
            keys.push(k);
        }
    }
    if persons.iter().any(|p| matches!(p, PersonIn::Code(_))) {
        st.secret = crate::access::settings::qr_secret(db).await?;
    }
    for p in persons {
        match p {
            PersonIn::Code(c) => match parse_code(&st.secret, "person", c) {
                Ok(Lookup::Resident(id)) => ids.push(id),
                Ok(Lookup::Doc(n)) => docs.push(n),
                Err(_) => {}
            },
            PersonIn::Registered(id) => regs.push(*id),
            PersonIn::Visitor(_) => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    docs.sort_unstable();
    docs.dedup();
    for chunk in ids.chunks(500) {
        let v: Vec<Resident> = tx
            .query_as(
                &format!(
                    "{RESIDENT_SELECT} WHERE id IN ({})",
                    placeholders(1, chunk.len())
                ),
                ints(chunk.iter().copied()),
            )
            .await?;
        for r in v {
            st.residents.insert(r.id, r);
        }
    }
    for chunk in docs.chunks(500) {
        let v: Vec<Resident> = tx
            .query_as(
                &format!(
                    "{RESIDENT_SELECT} WHERE doc_type = 'id_card' AND doc_number IN ({})",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|d| Value::from(d.as_str())).collect(),
            )
            .await?;
        for r in v {
            st.by_doc.insert(r.doc_number.clone(), r.id);
            st.residents.insert(r.id, r);
        }
    }
    regs.sort_unstable();
    regs.dedup();
    for chunk in regs.chunks(500) {
        let v: Vec<WaitingDb> = tx
            .query_as(
                &format!(
                    "SELECT id, place_id, status, doc_type, doc_number, name, phone, from_place, \
                     to_place, reason FROM checkpoint_visitors WHERE id IN ({})",
                    placeholders(1, chunk.len())
                ),
                ints(chunk.iter().copied()),
            )
            .await?;
        for w in v {
            st.waiting.insert(
                w.id,
                WaitingRow {
                    id: w.id,
                    place_id: w.place_id,
                    status: w.status,
                    visitor: visitors::Visitor {
                        doc_type: w.doc_type,
                        doc_number: w.doc_number,
                        name: w.name,
                        phone: w.phone,
                        from: w.from_place,
                        to: w.to_place,
                        reason: w.reason,
                    },
                },
            );
        }
    }
    for chunk in keys.chunks(500) {
        let v: Vec<ReplyRow> = tx
            .query_as(
                &format!(
                    "SELECT key, body FROM pass_replies WHERE key IN ({})",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|k| Value::from(k.as_str())).collect(),
            )
            .await?;
        for r in v {
            if let Ok(o) = serde_json::from_str::<Outcome>(&r.body) {
                st.replies.insert(r.key, o);
            }
        }
    }
    let now = now_ms();
    let rids: Vec<i64> = st.residents.keys().copied().collect();
    st.tests = super::latest_tests(db, &rids).await?;
    let hh: Vec<i64> = st.residents.values().map(|r| r.household_id).collect();
    st.zones = super::zones_of(db, &hh, now).await?;
    Ok(())
}

/// PostgreSQL with several app nodes: each node's writer decides from what it loaded whether
/// an operation was seen (its stored reply), so two nodes' batches for the same checkpoint at
/// once would both log an operation sent to both. A batch first locks its checkpoints' rows,
/// in id order, until its commit: batches for one checkpoint are applied one after another
/// across the cluster, each loading the replies after the previous one committed (READ
/// COMMITTED), so the second replays the first's answer. On SQLite the one writer connection
/// already serialises them.
async fn lock_checkpoints(tx: &mut Tx, subs: &[&Submission]) -> AppResult<()> {
    if tx.backend() != crate::db::Backend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<i64> = subs.iter().map(|s| s.checkpoint.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    tx.query(
        &format!(
            "SELECT place_id FROM checkpoints WHERE place_id IN ({}) ORDER BY place_id FOR NO KEY UPDATE",
            placeholders(1, ids.len())
        ),
        ints(ids),
    )
    .await?;
    Ok(())
}

/// Apply submissions in one transaction; the answers of each, in order.
pub async fn apply(db: &Db, subs: &[&Submission]) -> AppResult<Vec<Vec<Outcome>>> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let mut st = State {
        now,
        ..State::default()
    };
    load(db, &mut tx, subs, &mut st).await?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let mut o = Vec::with_capacity(s.ops.len());
        for op in &s.ops {
            o.push(st.step(s, op, now));
        }
        out.push(o);
    }
    write(&mut tx, &mut st, subs, &mut out).await?;
    tx.commit().await?;
    Ok(out)
}

fn check_at(at: Option<i64>, now: i64) -> Result<i64, FieldError> {
    let at = at.unwrap_or(now);
    if at > now + CLOCK_SKEW_MS {
        return Err(FieldError::new(
            "at_ms",
            "this time is in the future: check the phone's clock",
            "时间晚于当前时间，请检查手机时钟",
        ));
    }
    if at < now - MAX_AGE_MS {
        return Err(FieldError::new(
            "at_ms",
            "older than a week: too late to upload",
            "已超过一周，不能再上传",
        ));
    }
    Ok(at)
}

fn check_direction(d: Option<&str>) -> Result<String, FieldError> {
    match d.map(str::trim) {
        Some(d) if in_vocab(DIRECTIONS, d) => Ok(d.to_owned()),
        _ => Err(FieldError::new(
            "direction",
            "choose in, out or passing through",
            "请选择进、出或途经",
        )),
    }
}

fn check_lane(l: Option<i64>, lanes: &[super::Lane]) -> Result<Option<i64>, FieldError> {
    match l {
        None => Ok(None),
        Some(id) if lanes.iter().any(|x| x.id == id) => Ok(Some(id)),
        Some(_) => Err(FieldError::new(
            "lane",
            "no such lane at this checkpoint",
            "本卡口没有此通道",
        )),
    }
}

/// What the checker saw, checked.
struct SeenOk {
    health_code: String,
    star: bool,
    temp_dc: Option<i64>,
    decision: String,
    note: String,
}

fn check_seen(s: &Seen, errs: &mut Vec<FieldError>) -> Option<SeenOk> {
    let code = s.health_code.as_deref().map(str::trim).unwrap_or("");
    if !in_vocab(CODES, code) {
        errs.push(FieldError::new(
            "health_code",
            "say which health code colour the person showed: green, yellow or red",
            "请选择对方出示的健康码颜色：绿、黄或红",
        ));
    }
    let temp = match s.temperature {
        None => None,
        Some(t) => match parse_temp("temperature", t) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push(e);
                None
            }
        },
    };
    let decision = s.decision.as_deref().map(str::trim).unwrap_or("");
    if !in_vocab(DECISIONS, decision) {
        errs.push(FieldError::new(
            "decision",
            "decide: let pass, persuade to return, refer to quarantine or refer to medical care",
            "请作出处置：放行、劝返、转隔离或转医疗",
        ));
    }
    if s.note.chars().count() > 500 {
        errs.push(FieldError::new(
            "note",
            "a note of up to 500 characters",
            "备注不超过 500 个字符",
        ));
    }
    errs.is_empty().then(|| SeenOk {
        health_code: code.to_owned(),
        star: s.star,
        temp_dc: temp,
        decision: decision.to_owned(),
        note: s.note.trim().to_owned(),
    })
}

/// Where an entry goes: its checkpoint, time, direction, lane, vehicle and seat.
struct Place<'a> {
    sub: &'a Submission,
    shift_id: i64,
    at: i64,
    direction: String,
    lane_id: Option<i64>,
    vehicle: Option<VehicleRef>,
    seat: String,
}

impl State {
    fn step(&mut self, s: &Submission, op: &Op, now: i64) -> Outcome {
        let k = key(s.reader.account_id, s.checkpoint.id, op.client_id());
        if op.client_id().trim().is_empty() || op.client_id().len() > 100 {
            return Outcome {
                field: Some("client_id".into()),
                ..Outcome::refused(
                    "invalid",
                    "client_id: give each operation its own id (1 to 100 characters)",
                    "client_id：每项操作需有唯一编号（1 到 100 个字符）",
                )
            };
        }
        if let Some(o) = self.replies.get(&k) {
            if matches!(op, Op::Person(_)) {
                return Outcome {
                    replayed: true,
                    ..o.clone()
                };
            }
        }
        match op {
            Op::Person(e) => {
                let mut errs = Vec::new();
                let at = check_at(e.at_ms, now).map_err(|x| errs.push(x)).ok();
                let dir = check_direction(e.direction.as_deref())
                    .map_err(|x| errs.push(x))
                    .ok();
                let lane = check_lane(e.lane_id, &s.lanes)
                    .map_err(|x| errs.push(x))
                    .ok();
                if !errs.is_empty() {
                    return Outcome::invalid(errs);
                }
                let at = at.expect("checked");
                let Some(shift_id) = s.access.shift_at(at) else {
                    return not_on_duty();
                };
                let place = Place {
                    sub: s,
                    shift_id,
                    at,
                    direction: dir.expect("checked"),
                    lane_id: lane.expect("checked"),
                    vehicle: None,
                    seat: String::new(),
                };
                let o = self.person(&place, &e.person, &e.seen);
                if o.is_logged() {
                    self.remember(&k, &o);
                }
                o
            }
            Op::Vehicle(v) => self.vehicle(s, v, &k, now),
        }
    }

    fn remember(&mut self, k: &str, o: &Outcome) {
        self.new_replies
            .push((k.to_owned(), serde_json::to_string(o).unwrap_or_default()));
        self.replies.insert(k.to_owned(), o.clone());
    }

    fn tally(&mut self, p: &Place, f: impl FnOnce(&mut Tally)) {
        let cp = &p.sub.checkpoint;
        let t = self
            .tallies
            .entry((
                cp.id,
                p.sub.reader.account_id,
                p.shift_id,
                p.at - p.at.rem_euclid(HOUR_MS),
            ))
            .or_insert_with(|| Tally {
                path: cp.path.clone(),
                c: [0; 12],
            });
        f(t);
    }

    /// One person: who, the checks, the suggestion, the decision.
    fn person(&mut self, p: &Place, who: &PersonIn, seen: &Seen) -> Outcome {
        let mut errs = Vec::new();
        let cp = &p.sub.checkpoint;
        // Who.
        let mut resident: Option<Resident> = None;
        let mut visitor: Option<visitors::Visitor> = None;
        let mut visitor_id = None;
        match who {
            PersonIn::Code(c) => match parse_code(&self.secret, "person", c) {
                Ok(Lookup::Resident(id)) => match self.residents.get(&id) {
                    Some(r) => resident = Some(r.clone()),
                    None => {
                        return Outcome {
                            field: Some("person".into()),
                            ..Outcome::refused(
                                "unknown_person",
                                "this personal code belongs to nobody in the registry now (moved or removed): log them as a visitor",
                                "此个人码对应的人员已不在登记库中（已迁出或删除），请按外来人员登记",
                            )
                        };
                    }
                },
                Ok(Lookup::Doc(n)) => match self.by_doc.get(&n).and_then(|i| self.residents.get(i))
                {
                    Some(r) => resident = Some(r.clone()),
                    None => {
                        return Outcome {
                            field: Some("person".into()),
                            ..Outcome::refused(
                                "unknown_person",
                                "nobody in the registry has this ID number: log them as a visitor",
                                "登记库中没有此身份证号码，请按外来人员登记",
                            )
                        };
                    }
                },
                Err(e) => errs.push(e),
            },
            PersonIn::Visitor(v) => match visitors::check(v) {
                Ok(x) => visitor = Some(x),
                Err(e) => errs.extend(e),
            },
            PersonIn::Registered(id) => match self.waiting.get(id) {
                Some(w) if w.place_id == cp.id && w.status == "waiting" => {
                    visitor = Some(w.visitor.clone());
                    visitor_id = Some(w.id);
                }
                Some(w) if w.place_id == cp.id => {
                    return Outcome::refused(
                        "visitor_confirmed",
                        format!("registration {id} was confirmed already"),
                        format!("登记编号 {id} 已确认过"),
                    );
                }
                _ => {
                    return Outcome {
                        field: Some("person".into()),
                        ..Outcome::refused(
                            "no_visitor",
                            format!("no registration {id} waits at this checkpoint"),
                            format!("本卡口没有待确认的登记编号 {id}"),
                        )
                    };
                }
            },
        }
        let seen = check_seen(seen, &mut errs);
        if !errs.is_empty() {
            return Outcome::invalid(errs);
        }
        let seen = seen.expect("checked");
        let (test, zone) = match &resident {
            Some(r) => (
                super::test_status(self.tests.get(&r.id), self.now, cp.validity_h).0,
                self.zones.get(&r.household_id).cloned().unwrap_or_default(),
            ),
            None => ("n/a".to_owned(), String::new()),
        };
        let (suggestion, reasons) = suggest(&Checks {
            health_code: &seen.health_code,
            star: seen.star,
            temp_dc: seen.temp_dc,
            test: &test,
            zone: &zone,
            direction: &p.direction,
            require_test: cp.require_test && resident.is_some(),
        });
        let overridden = seen.decision != suggestion;
        if let Some(id) = visitor_id {
            // Confirmed once: a second confirmation in the same batch is refused.
            if let Some(w) = self.waiting.get_mut(&id) {
                w.status = "confirmed".into();
            }
            self.confirmed.push(id);
        }
        let band = seen.temp_dc.map(temp_band).unwrap_or("");
        let brief = Brief {
            resident_id: resident.as_ref().map(|r| r.id),
            visitor_id,
            name: crate::privacy::mask_name(
                resident
                    .as_ref()
                    .map(|r| r.name.as_str())
                    .or(visitor.as_ref().map(|v| v.name.as_str()))
                    .unwrap_or(""),
            ),
            sex: resident.as_ref().map(|r| r.sex),
            age: resident
                .as_ref()
                .and_then(|r| super::age(r.birth_date.as_deref())),
            zone: zone.clone(),
            test: test.clone(),
        };
        let fever = !band.is_empty() && band != "normal";
        let row = Row {
            place_id: cp.id,
            path: cp.path.clone(),
            lane_id: p.lane_id,
            account_id: p.sub.reader.account_id,
            shift_id: p.shift_id,
            at_ms: p.at,
            direction: p.direction.clone(),
            resident_id: resident.as_ref().map(|r| r.id),
            household_id: resident.as_ref().map(|r| r.household_id),
            visitor_id,
            visitor,
            health_code: seen.health_code.clone(),
            star: seen.star,
            temp_dc: seen.temp_dc,
            temp_band: band.to_owned(),
            test: test.clone(),
            zone,
            suggestion: suggestion.to_owned(),
            reasons: reasons.join(" "),
            decision: seen.decision.clone(),
            overridden,
            note: seen.note,
            vehicle: p.vehicle,
            seat: p.seat.clone(),
        };
        let is_visitor = row.resident_id.is_none();
        let dir_i = match p.direction.as_str() {
            "in" => 1,
            "out" => 2,
            _ => 3,
        };
        let dec_i = match row.decision.as_str() {
            "pass" => 6,
            "return" => 7,
            "quarantine" => 8,
            _ => 9,
        };
        self.tally(p, |t| {
            t.c[0] += 1;
            t.c[dir_i] += 1;
            t.c[5] += is_visitor as i64;
            t.c[dec_i] += 1;
            t.c[10] += overridden as i64;
            t.c[11] += fever as i64;
        });
        self.audited.push((
            cp.id,
            p.sub.reader.account_id,
            p.sub.reader.username.clone(),
            serde_json::json!([
                row.resident_id,
                row.visitor_id,
                row.direction,
                row.decision,
                row.overridden
            ]),
        ));
        self.rows.push(row);
        let l = crate::i18n::Lang::En;
        let z = crate::i18n::Lang::Zh;
        Outcome {
            status: Status::Logged,
            code: "logged".into(),
            field: None,
            message: Msg::new(
                format!(
                    "logged: {}{}",
                    label(DECISIONS, &seen.decision, l),
                    if overridden {
                        format!(" (Wardline suggested: {})", label(DECISIONS, suggestion, l))
                    } else {
                        String::new()
                    }
                ),
                format!(
                    "已登记：{}{}",
                    label(DECISIONS, &seen.decision, z),
                    if overridden {
                        format!("（系统建议：{}）", label(DECISIONS, suggestion, z))
                    } else {
                        String::new()
                    }
                ),
            ),
            person: Some(brief),
            suggestion: Some(suggestion.to_owned()),
            decision: Some(seen.decision),
            reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
            overridden,
            vehicle_id: None,
            occupants: vec![],
            replayed: false,
        }
    }

    fn vehicle(&mut self, s: &Submission, v: &VehicleIn, k: &str, now: i64) -> Outcome {
        // The vehicle itself: stored already (a retry), or new.
        let stored = self.replies.get(k).cloned();
        let mut errs = Vec::new();
        let at = check_at(v.at_ms, now).map_err(|x| errs.push(x)).ok();
        let dir = check_direction(v.direction.as_deref())
            .map_err(|x| errs.push(x))
            .ok();
        let lane = check_lane(v.lane_id, &s.lanes)
            .map_err(|x| errs.push(x))
            .ok();
        let plate = parse_plate(&v.plate).map_err(|x| errs.push(x)).ok();
        if !in_vocab(VEHICLE_CLASSES, v.class.trim()) {
            errs.push(FieldError::new(
                "class",
                "choose the kind of vehicle",
                "请选择车辆类型",
            ));
        }
        if v.cargo.chars().count() > 200 {
            errs.push(FieldError::new(
                "cargo",
                "cargo: up to 200 characters",
                "货物说明不超过 200 个字符",
            ));
        }
        if v.occupants.is_empty() || v.occupants.len() > MAX_OCCUPANTS {
            errs.push(FieldError::new(
                "occupants",
                format!("a vehicle carries 1 to {MAX_OCCUPANTS} people: log its driver at least"),
                format!("每辆车 1 到 {MAX_OCCUPANTS} 人，至少登记司机"),
            ));
        }
        if !errs.is_empty() {
            return Outcome {
                code: "vehicle_invalid".into(),
                ..Outcome::invalid(errs)
            };
        }
        let at = at.expect("checked");
        let Some(shift_id) = s.access.shift_at(at) else {
            return not_on_duty();
        };
        let cp = &s.checkpoint;
        let (vref, vehicle_id) = match stored.as_ref().and_then(|o| o.vehicle_id) {
            Some(id) => (VehicleRef::Stored(id), Some(id)),
            None => {
                self.vehicles.push(NewVehicle {
                    place_id: cp.id,
                    path: cp.path.clone(),
                    account_id: s.reader.account_id,
                    at_ms: at,
                    direction: dir.clone().expect("checked"),
                    plate: plate.clone().expect("checked"),
                    class: v.class.trim().to_owned(),
                    cargo: v.cargo.trim().to_owned(),
                });
                (VehicleRef::New(self.vehicles.len() - 1), None)
            }
        };
        let base = Place {
            sub: s,
            shift_id,
            at,
            direction: dir.expect("checked"),
            lane_id: lane.expect("checked"),
            vehicle: Some(vref),
            seat: String::new(),
        };
        let mut occupants = Vec::with_capacity(v.occupants.len());
        let mut added = 0;
        for (i, o) in v.occupants.iter().enumerate() {
            let ok = format!("{k}#{i}");
            if let Some(r) = self.replies.get(&ok) {
                occupants.push(Outcome {
                    replayed: true,
                    ..r.clone()
                });
                continue;
            }
            let seat = o.seat.as_deref().map(str::trim).unwrap_or(if i == 0 {
                "driver"
            } else {
                "passenger"
            });
            if !in_vocab(SEATS, seat) {
                occupants.push(Outcome {
                    field: Some("seat".into()),
                    ..Outcome::refused("invalid", "seat: driver or passenger", "座位：司机或乘客")
                });
                continue;
            }
            let p = Place {
                seat: seat.to_owned(),
                direction: base.direction.clone(),
                ..base
            };
            let out = self.person(&p, &o.person, &o.seen);
            if out.is_logged() {
                added += 1;
                self.remember(&ok, &out);
            }
            occupants.push(out);
        }
        let logged = occupants.iter().filter(|o| o.is_logged()).count();
        let refused = occupants.len() - logged;
        match vehicle_id {
            Some(id) => *self.grown.entry(id).or_default() += added,
            // Nobody in it could be logged: the vehicle is not logged either.
            None if logged == 0 => {
                self.vehicles.pop();
                return Outcome {
                    occupants,
                    field: Some("occupants".into()),
                    ..Outcome::refused(
                        "vehicle_empty",
                        "nobody in the vehicle could be logged: correct the people and send again",
                        "车上人员均未通过校验，请更正后重新提交",
                    )
                };
            }
            None => self.tally(&base, |t| t.c[4] += 1),
        }
        let mut o = Outcome {
            status: Status::Logged,
            code: "logged".into(),
            field: None,
            message: Msg::new(
                format!("vehicle logged with {logged} people; {refused} refused: correct them and send again"),
                format!("车辆已登记，{logged} 人已登记；{refused} 人未通过校验，请更正后重新提交"),
            ),
            person: None,
            suggestion: None,
            decision: None,
            reasons: vec![],
            overridden: false,
            vehicle_id,
            occupants,
            replayed: vehicle_id.is_some(),
        };
        if refused == 0 {
            o.message = Msg::new(
                format!("vehicle logged with {logged} people"),
                format!("车辆已登记，共 {logged} 人"),
            );
        }
        o
    }
}

fn not_on_duty() -> Outcome {
    Outcome::refused(
        "not_on_duty",
        "you are not on duty at this checkpoint at that time",
        "您在该时间不在本卡口值班",
    )
}

/// Write what the batch decided, in one pipeline after the vehicles.
async fn write(
    tx: &mut Tx,
    st: &mut State,
    subs: &[&Submission],
    out: &mut [Vec<Outcome>],
) -> AppResult<()> {
    let now = now_ms();
    let mut vehicle_ids = Vec::with_capacity(st.vehicles.len());
    for v in &st.vehicles {
        let id: i64 = tx
            .scalar(
                "INSERT INTO vehicle_passes (place_id, path, account_id, at_ms, direction, plate, \
                 class, cargo, people) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id",
                crate::args![
                    v.place_id,
                    v.path.as_str(),
                    v.account_id,
                    v.at_ms,
                    v.direction.as_str(),
                    v.plate.as_str(),
                    v.class.as_str(),
                    v.cargo.as_str()
                ],
            )
            .await?;
        vehicle_ids.push(id);
    }
    // The new vehicles' ids in their answers (and the stored replies of them).
    if !vehicle_ids.is_empty() {
        let mut next = 0;
        for (s, outs) in subs.iter().zip(out.iter_mut()) {
            for (op, o) in s.ops.iter().zip(outs.iter_mut()) {
                if let Op::Vehicle(_) = op {
                    if o.is_logged() && o.vehicle_id.is_none() {
                        o.vehicle_id = Some(vehicle_ids[next]);
                        next += 1;
                        let k = key(s.reader.account_id, s.checkpoint.id, op.client_id());
                        let mut stored = o.clone();
                        stored.occupants.clear();
                        st.new_replies
                            .push((k, serde_json::to_string(&stored).unwrap_or_default()));
                    }
                }
            }
        }
    }
    let mut people: HashMap<i64, i64> = std::mem::take(&mut st.grown);
    let mut rows = Vec::with_capacity(st.rows.len() * 31);
    for r in &st.rows {
        let vehicle = r.vehicle.map(|v| match v {
            VehicleRef::New(i) => vehicle_ids[i],
            VehicleRef::Stored(id) => id,
        });
        if let (Some(id), Some(VehicleRef::New(_))) = (vehicle, r.vehicle) {
            *people.entry(id).or_default() += 1;
        }
        let v = r.visitor.as_ref();
        let t = |f: fn(&visitors::Visitor) -> &str| Value::from(v.map(f).unwrap_or(""));
        rows.extend([
            Value::Int(r.place_id),
            Value::from(r.path.as_str()),
            Value::from(r.lane_id),
            Value::Int(r.account_id),
            Value::Int(r.shift_id),
            Value::Int(r.at_ms),
            Value::from(r.direction.as_str()),
            Value::from(r.resident_id),
            Value::from(r.household_id),
            Value::from(r.visitor_id),
            t(|v| &v.doc_type),
            t(|v| &v.doc_number),
            t(|v| &v.name),
            t(|v| &v.phone),
            t(|v| &v.from),
            t(|v| &v.to),
            t(|v| &v.reason),
            Value::from(r.health_code.as_str()),
            Value::from(r.star),
            Value::from(r.temp_dc),
            Value::from(r.temp_band.as_str()),
            Value::from(r.test.as_str()),
            Value::from(r.zone.as_str()),
            Value::from(r.suggestion.as_str()),
            Value::from(r.reasons.as_str()),
            Value::from(r.decision.as_str()),
            Value::from(r.overridden),
            Value::from(r.note.as_str()),
            Value::from(vehicle),
            Value::from(r.seat.as_str()),
        ]);
    }
    let mut stmts = vec![Stmt::Bulk {
        table: "pass_entries",
        columns: &[
            "place_id",
            "path",
            "lane_id",
            "account_id",
            "shift_id",
            "at_ms",
            "direction",
            "resident_id",
            "household_id",
            "visitor_id",
            "doc_type",
            "doc_number",
            "name",
            "phone",
            "from_place",
            "to_place",
            "reason",
            "health_code",
            "star",
            "temp_dc",
            "temp_band",
            "test_status",
            "zone",
            "suggestion",
            "reasons",
            "decision",
            "override",
            "note",
            "vehicle_id",
            "seat",
        ],
        rows,
        on_conflict: None,
    }];
    let mut rows = Vec::with_capacity(st.new_replies.len() * 3);
    for (k, body) in std::mem::take(&mut st.new_replies) {
        rows.extend([Value::from(k), Value::from(body), Value::Int(now)]);
    }
    stmts.push(Stmt::Bulk {
        table: "pass_replies",
        columns: &["key", "body", "at_ms"],
        rows,
        on_conflict: Some("ON CONFLICT (key) DO UPDATE SET body = excluded.body"),
    });
    for (id, n) in people {
        stmts.push(Stmt::Exec(
            "UPDATE vehicle_passes SET people = people + $2 WHERE id = $1".into(),
            crate::args![id, n],
        ));
    }
    for id in std::mem::take(&mut st.confirmed) {
        stmts.push(Stmt::Exec(
            "UPDATE checkpoint_visitors SET status = 'confirmed', confirmed_ms = $2 WHERE id = $1"
                .into(),
            crate::args![id, now],
        ));
    }
    let sets = TALLY_COLS
        .iter()
        .map(|c| format!("{c} = pass_tallies.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut tallies: Vec<_> = std::mem::take(&mut st.tallies).into_iter().collect();
    tallies.sort_by_key(|(k, _)| *k);
    // The same counts by China day (`pass_day_tallies`), for the figures of whole days.
    let mut days: std::collections::BTreeMap<(i64, i64, i64, i64), Tally> = Default::default();
    for ((place, account, shift, hour), t) in &tallies {
        let d = days
            .entry((*place, *account, *shift, super::figures::china_day(*hour)))
            .or_insert_with(|| Tally {
                path: t.path.clone(),
                c: [0; 12],
            });
        for (a, b) in d.c.iter_mut().zip(t.c.iter()) {
            *a += b;
        }
    }
    let day_sets = TALLY_COLS
        .iter()
        .map(|c| format!("{c} = pass_day_tallies.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    for ((place, account, shift, day), t) in days {
        let mut args = crate::args![place, account, shift, day, t.path.as_str()];
        args.extend(t.c.iter().map(|x| Value::Int(*x)));
        stmts.push(Stmt::Exec(
            format!(
                "INSERT INTO pass_day_tallies (place_id, account_id, shift_id, day, path, {}) \
                 VALUES ($1, $2, $3, $4, $5, {}) \
                 ON CONFLICT (place_id, account_id, shift_id, day) DO UPDATE SET {day_sets}",
                TALLY_COLS.join(", "),
                placeholders(6, TALLY_COLS.len())
            ),
            args,
        ));
    }
    for ((place, account, shift, hour), t) in tallies {
        let mut args = crate::args![place, account, shift, hour, t.path.as_str()];
        args.extend(t.c.iter().map(|x| Value::Int(*x)));
        stmts.push(Stmt::Exec(
            format!(
                "INSERT INTO pass_tallies (place_id, account_id, shift_id, hour_ms, path, {}) \
                 VALUES ($1, $2, $3, $4, $5, {}) \
                 ON CONFLICT (place_id, account_id, shift_id, hour_ms) DO UPDATE SET {sets}",
                TALLY_COLS.join(", "),
                placeholders(6, TALLY_COLS.len())
            ),
            args,
        ));
    }
    tx.pipeline(stmts).await?;
    audit(tx, subs, std::mem::take(&mut st.audited)).await
}

/// One audit entry per checkpoint per group commit, listing its entries (account, resident,
/// visitor registration, direction, decision, override): the pass log is audited without an
/// entry (and a chain step) per person.
async fn audit(
    tx: &mut Tx,
    subs: &[&Submission],
    rows: Vec<(i64, i64, String, serde_json::Value)>,
) -> AppResult<()> {
    let mut places: Vec<i64> = rows.iter().map(|r| r.0).collect();
    places.sort_unstable();
    places.dedup();
    for place in places {
        let mine: Vec<&(i64, i64, String, serde_json::Value)> =
            rows.iter().filter(|r| r.0 == place).collect();
        let path = subs
            .iter()
            .find(|s| s.checkpoint.id == place)
            .map(|s| s.checkpoint.path.as_str())
            .unwrap_or_default();
        let one = mine.iter().all(|r| r.1 == mine[0].1);
        let actor = crate::audit::Actor {
            account_id: one.then_some(mine[0].1),
            username: if one {
                mine[0].2.clone()
            } else {
                "(checkpoint devices)".into()
            },
            ip: "api".into(),
        };
        let entries: Vec<serde_json::Value> = mine
            .iter()
            .map(|r| {
                let mut v = r.3.clone();
                if let Some(a) = v.as_array_mut() {
                    a.insert(0, r.1.into());
                }
                v
            })
            .collect();
        crate::audit::record(
            tx,
            &actor,
            crate::audit::Event::new("pass_log", "checkpoint", place)
                .area(path)
                .detail(serde_json::json!({
                    "columns": ["account", "resident_id", "visitor", "direction", "decision", "override"],
                    "entries": entries,
                })),
        )
        .await?;
    }
    Ok(())
}
