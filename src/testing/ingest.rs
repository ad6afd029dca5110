//! The sampling path: open a tube, add people to it, close it.
//!
//! Every submission from a collector's device goes through one queue. A single task takes
//! whatever has queued up (up to [`MAX_OPS`] operations), applies it in one transaction and
//! acknowledges each submission after the commit: thousands of scans a second cost a few
//! transactions (and fsyncs) a second, and every acknowledged sample is durable. The work of a
//! batch is set-based: a handful of `IN (…)` reads, the decisions in memory, a handful of bulk
//! writes.
//!
//! Every operation carries a client id. Its reply is stored under `account:client id` in the
//! same transaction, so a retry after a dropped connection gets the same reply and changes
//! nothing.

mod load;
mod shed;
mod write;
use load::load;
use shed::{busy, WriterLoad};
pub use shed::{Capacity, Gate};
use std::collections::{HashMap, HashSet};
use write::write;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::{mask_name, parse_resident_code, placeholders, pool_at, PoolRule, Round};
use crate::access::Reader;
use crate::db::{now_ms, Backend, Db, DbError, DbResult, FromRow, Row, Stmt, Tx, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::registry::residents::age_on;
use crate::registry::validate;

/// The most operations applied in one transaction.
pub const MAX_OPS: usize = 2000;
/// The most operations in one offline batch upload.
pub const MAX_BATCH: usize = 5000;
/// How far in the future a device clock may be (an item taken "later" than now is refused).
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// Document numbers a collector (an account that does not read the registry) may type in an
/// hour that find nobody of their scope or site's area (someone registered elsewhere, or
/// nobody):
/// beyond it such lookups are refused, so a device cannot be used to walk ID numbers. Counted
/// in the database (`collector_lookups`), in the batch's transaction.
pub const LOOKUP_LIMIT: i64 = 120;
const LOOKUP_WINDOW_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum OpKind {
    /// Open a tube at a site (the collector's only site when not given).
    Open {
        #[serde(default)]
        site_id: Option<i64>,
    },
    /// Put a person's swab in the tube.
    Add {
        #[serde(flatten)]
        person: PersonRef,
        /// Record the swab even when the person was already sampled in this round (the swab
        /// is in the tube). Without it an already-sampled person is flagged and not recorded,
        /// so the collector can skip them. Offline batches default to true.
        #[serde(default)]
        confirm: Option<bool>,
    },
    Close,
    /// Close an open tube that holds no swab as void (opened by mistake, dropped, broken): it
    /// never goes to the lab.
    Abandon,
}

/// Who is being sampled.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PersonRef {
    ResidentId(i64),
    /// The personal QR code `WLR1.<id>.<signature>`.
    Qr(String),
    /// A document number (resident ID card unless `doc_type` says otherwise).
    Doc {
        #[serde(default)]
        doc_type: Option<String>,
        number: String,
    },
    /// Someone not in the registry: sampled with their document, registered later.
    WalkIn {
        #[serde(default)]
        doc_type: Option<String>,
        number: String,
        name: String,
        #[serde(default)]
        phone: Option<String>,
    },
}

/// One operation as a device sends it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Op {
    pub client_id: String,
    pub tube: String,
    #[serde(flatten)]
    pub kind: OpKind,
    /// When the device did it (offline batches); now when absent.
    #[serde(default)]
    pub taken_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Flagged,
    Refused,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TubeState {
    pub barcode: String,
    pub site_id: i64,
    /// People per tube; 0: one household.
    pub capacity: i64,
    pub n: i64,
    pub closed: bool,
}

/// What a collector sees of a person: enough to confirm who stands there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PersonBrief {
    pub resident_id: Option<i64>,
    pub household_id: Option<i64>,
    pub name: String,
    pub sex: i64,
    pub age: Option<i64>,
}

/// The reply to one operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// `opened`, `added`, `closed`, `already_sampled`, `tube_full`, … (stable, for devices).
    pub code: String,
    pub message: Msg,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tube: Option<TubeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonBrief>,
    /// The tube and time of the earlier sample, for an already-sampled person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<(String, i64)>,
    /// True when this is the stored reply to an earlier submission with the same client id.
    #[serde(default)]
    pub replayed: bool,
}

impl Outcome {
    fn new(status: Status, code: &str, en: impl Into<String>, zh: impl Into<String>) -> Outcome {
        Outcome {
            status,
            code: code.into(),
            message: Msg::new(en, zh),
            tube: None,
            person: None,
            earlier: None,
            replayed: false,
        }
    }
    fn refused(code: &str, en: impl Into<String>, zh: impl Into<String>) -> Outcome {
        Outcome::new(Status::Refused, code, en, zh)
    }
}

/// A unit of work: one device request (one operation, or an offline batch).
pub struct Submission {
    pub reader: Reader,
    pub round: Round,
    pub ops: Vec<Op>,
    /// Offline batch: items carry their own time and default to `confirm`.
    pub offline: bool,
}

struct Job {
    sub: Submission,
    reply: oneshot::Sender<AppResult<Vec<Outcome>>>,
}

/// The queue in front of the sampling writer. Cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Job>,
    load: std::sync::Arc<WriterLoad>,
    /// Rounds by id (a round is never changed once created), and which (account, round) pairs
    /// may submit, with when that was checked: the hot path asks the database neither.
    rounds: std::sync::Arc<std::sync::Mutex<RoundCache>>,
}

#[derive(Default)]
struct RoundCache {
    rounds: HashMap<i64, Round>,
    allowed: HashMap<(i64, i64), std::time::Instant>,
}

/// How long a "this account may submit to this round" answer is trusted.
const ALLOWED_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl Ingest {
    /// Start the writer task (needs a Tokio runtime).
    pub fn start(db: Db) -> Ingest {
        Ingest::start_with(db, Capacity::default())
    }

    /// [`Ingest::start`] with its capacity given.
    pub fn start_with(db: Db, cap: Capacity) -> Ingest {
        let (tx, rx) = mpsc::channel::<Job>(cap.max_ops.max(1));
        let load = std::sync::Arc::new(WriterLoad {
            cap,
            pending: Default::default(),
            ns_per_op: Default::default(),
            batch_started: Default::default(),
            epoch: std::time::Instant::now(),
            in_flight: Default::default(),
        });
        tokio::spawn(writer(db, rx, load.clone()));
        Ingest {
            tx,
            load,
            rounds: Default::default(),
        }
    }

    /// Operations queued or being applied now.
    pub fn pending(&self) -> usize {
        self.load.pending.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The round a device submits to, if the reader may see it ([`super::visible_round`]),
    /// from memory when it was asked recently.
    pub async fn round_for(&self, db: &Db, r: &Reader, id: i64) -> AppResult<Round> {
        {
            let c = self.rounds.lock().expect("round cache poisoned");
            if let (Some(round), Some(at)) = (c.rounds.get(&id), c.allowed.get(&(r.account_id, id)))
            {
                if at.elapsed() < ALLOWED_TTL {
                    return Ok(round.clone());
                }
            }
        }
        let round = super::visible_round(db, r, id).await?;
        let mut c = self.rounds.lock().expect("round cache poisoned");
        if c.allowed.len() > 100_000 {
            c.allowed.retain(|_, at| at.elapsed() < ALLOWED_TTL);
        }
        c.allowed
            .insert((r.account_id, id), std::time::Instant::now());
        c.rounds.insert(id, round.clone());
        Ok(round)
    }

    /// Apply a submission; the replies come back after the commit. Refused at once, nothing
    /// written, when the writer is past its [`Capacity`].
    pub async fn submit(&self, sub: Submission) -> AppResult<Vec<Outcome>> {
        let n = sub.ops.len().max(1);
        self.load.admit(n).map_err(busy)?;
        let (reply, rx) = oneshot::channel();
        match self.tx.try_send(Job { sub, reply }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.load.done(n);
                return Err(busy(1));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.load.done(n);
                return Err(AppError::Internal("the sampling writer has stopped".into()));
            }
        }
        rx.await
            .map_err(|_| AppError::Internal("the sampling writer dropped a request".into()))?
    }
}

async fn writer(db: Db, mut rx: mpsc::Receiver<Job>, load: std::sync::Arc<WriterLoad>) {
    use std::sync::atomic::Ordering::SeqCst;
    while let Some(first) = rx.recv().await {
        let started = std::time::Instant::now();
        load.batch_started.store(load.now_ms(), SeqCst);
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
        let ops: usize = jobs.iter().map(|j| j.sub.ops.len().max(1)).sum();
        let subs: Vec<&Submission> = jobs.iter().map(|j| &j.sub).collect();
        let mut answers = Vec::with_capacity(jobs.len());
        match apply(&db, &subs).await {
            Ok(outs) => {
                for (j, o) in jobs.into_iter().zip(outs) {
                    answers.push((j.reply, Ok(o)));
                }
            }
            // The database cannot write at all now (disk full, restarting): every submission
            // of the batch is told so, none retried (each would fail the same way).
            Err(AppError::Db(DbError::Unavailable(m))) => {
                tracing::warn!("sampling batch of {} refused: {m}", jobs.len());
                for j in jobs {
                    answers.push((j.reply, Err(AppError::Db(DbError::Unavailable(m.clone())))));
                }
            }
            // A database error fails the whole transaction. Retry each submission on its own,
            // so one bad request cannot fail the others that shared its batch.
            Err(e) if jobs.len() > 1 => {
                tracing::warn!(
                    "sampling batch of {} failed ({e}); retrying one by one",
                    jobs.len()
                );
                for j in jobs {
                    let r = apply(&db, &[&j.sub]).await.map(|mut o| o.remove(0));
                    answers.push((j.reply, r));
                }
            }
            Err(e) => {
                for j in jobs {
                    answers.push((j.reply, Err(AppError::Internal(e.to_string()))));
                }
            }
        }
        // The cost per operation of this batch, into the moving average the submitters
        // estimate their wait by (small batches, whose commit dominates, say little about
        // the cost of a queue's worth; a stalled batch counts by its age meanwhile). The load
        // goes down before the answers go out, so a device's next request sees it so.
        if ops >= 32 {
            let ns = started.elapsed().as_nanos() as u64 / ops as u64;
            let old = load.ns_per_op.load(SeqCst);
            load.ns_per_op
                .store(if old == 0 { ns } else { (old * 3 + ns) / 4 }, SeqCst);
        }
        load.batch_started.store(0, SeqCst);
        load.done(ops);
        for (reply, r) in answers {
            let _ = reply.send(r);
        }
    }
}

#[derive(Clone)]
struct Tube {
    round_id: i64,
    barcode: String,
    site_id: i64,
    path: String,
    capacity: i64,
    household_id: Option<i64>,
    n: i64,
    opened_by: i64,
    opened_ms: i64,
    closed_ms: Option<i64>,
    result: Option<String>,
    dirty: bool,
}

impl FromRow for Tube {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(Tube {
            round_id: r.get("round_id")?,
            barcode: r.get("barcode")?,
            site_id: r.get("site_id")?,
            path: r.get("path")?,
            capacity: r.get("capacity")?,
            household_id: r.get("household_id")?,
            n: r.get("n")?,
            opened_by: r.get("opened_by")?,
            opened_ms: r.get("opened_ms")?,
            closed_ms: r.get("closed_ms")?,
            result: r.get("result")?,
            dirty: false,
        })
    }
}

impl Tube {
    fn state(&self) -> TubeState {
        TubeState {
            barcode: self.barcode.clone(),
            site_id: self.site_id,
            capacity: self.capacity,
            n: self.n,
            closed: self.closed_ms.is_some(),
        }
    }
}

#[derive(Clone)]
struct Resident {
    id: i64,
    household_id: i64,
    path: String,
    name: String,
    sex: i64,
    birth: Option<String>,
    doc_type: String,
}

struct Person {
    status: String,
    barcode: String,
    first_barcode: String,
    first_ms: i64,
    household_id: i64,
    path: String,
    dirty: bool,
}

impl FromRow for Resident {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(Resident {
            id: r.get("id")?,
            household_id: r.get("household_id")?,
            path: r.get("path")?,
            name: r.get("name")?,
            sex: r.get("sex")?,
            birth: r.get("birth_date")?,
            doc_type: r.get("doc_type")?,
        })
    }
}

impl FromRow for Person {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(Person {
            status: r.get("status")?,
            barcode: r.get("barcode")?,
            first_barcode: r.get("first_barcode")?,
            first_ms: r.get("first_ms")?,
            household_id: r.get("household_id")?,
            path: r.get("path")?,
            dirty: false,
        })
    }
}

struct Site {
    round_id: i64,
    path: String,
}
crate::from_row!(Site { round_id, path });

struct Sample {
    round_id: i64,
    barcode: String,
    resident_id: Option<i64>,
    walkin: Option<WalkinRef>,
    account_id: i64,
    taken_ms: i64,
    duplicate: bool,
    retest: bool,
}

/// A walk-in a sample belongs to: one recorded in this batch (index into `State::walkins`)
/// or one already stored.
#[derive(Clone, Copy)]
enum WalkinRef {
    New(usize),
    Stored(i64),
}

struct Walkin {
    round_id: i64,
    site_id: i64,
    path: String,
    barcode: String,
    doc_type: String,
    doc_number: String,
    name: String,
    phone: Option<String>,
    taken_ms: i64,
}

/// Everything a batch reads, loaded up front, and everything it writes, kept until the end.
#[derive(Default)]
struct State {
    replies: HashMap<String, Outcome>,
    rules: HashMap<i64, Vec<PoolRule>>,
    sites: HashMap<i64, Site>,
    /// (account, round) → the sites it collects at.
    collects: HashMap<(i64, i64), Vec<i64>>,
    tubes: HashMap<(i64, String), Tube>,
    residents: HashMap<i64, Resident>,
    by_doc: HashMap<String, Vec<i64>>,
    persons: HashMap<(i64, i64), Person>,
    /// (round, doc number, doc type) → (tube, time) of an earlier walk-in sample, and the
    /// walk-in it recorded (a repeat swab belongs to it too).
    walkins_seen: HashMap<(i64, String, String), (String, i64, WalkinRef)>,
    qr_secret: Option<String>,

    new_replies: Vec<(String, i64, Outcome)>,
    samples: Vec<Sample>,
    walkins: Vec<Walkin>,
    resampled: Vec<(i64, i64)>,
    touched: HashMap<i64, HashSet<i64>>,
    /// Collectors' lookups that found nobody of their area: counted this hour before the
    /// batch, and added by it.
    lookups: HashMap<i64, i64>,
    new_lookups: HashMap<i64, i64>,
    /// The operations decided in this batch (not replays), for its audit entries: per round,
    /// (account, user name, one row).
    audited: Vec<(i64, i64, String, serde_json::Value)>,
}

fn doc_key(number: &str) -> String {
    number.trim().to_ascii_uppercase()
}

/// The idempotency key of an operation: a client id is unique per account and round (a
/// device may start its counter again in a new round).
fn key(account_id: i64, round_id: i64, client_id: &str) -> String {
    format!("{account_id}:{round_id}:{client_id}")
}

fn ints(v: impl IntoIterator<Item = i64>) -> Vec<Value> {
    v.into_iter().map(Value::Int).collect()
}

fn texts(v: impl IntoIterator<Item = String>) -> Vec<Value> {
    v.into_iter().map(Value::Text).collect()
}

/// PostgreSQL: lock the rows read (another node may be writing the same tubes).
fn for_update(tx: &Tx) -> &'static str {
    if tx.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// Apply submissions in one transaction. Returns the replies of each, in order.
pub async fn apply(db: &Db, subs: &[&Submission]) -> AppResult<Vec<Vec<Outcome>>> {
    let now = now_ms();
    let t0 = std::time::Instant::now();
    let mut tx = db.begin().await?;
    lock_rounds(&mut tx, subs).await?;
    let t_begin = t0.elapsed();
    let mut st = State::default();
    load(&mut tx, db, subs, &mut st, now).await?;
    let t_load = t0.elapsed();
    let mut out = Vec::with_capacity(subs.len());
    for sub in subs {
        let mut o = Vec::with_capacity(sub.ops.len());
        for op in &sub.ops {
            o.push(st.step(sub, op, now));
        }
        out.push(o);
    }
    write(&mut tx, &mut st, now).await?;
    let t_write = t0.elapsed();
    for (round_id, hh) in std::mem::take(&mut st.touched) {
        let path = subs
            .iter()
            .find(|s| s.round.id == round_id)
            .map(|s| s.round.path.clone())
            .unwrap_or_default();
        let hh: Vec<i64> = hh.into_iter().collect();
        super::coverage::refresh(&mut tx, round_id, &path, &hh).await?;
    }
    let t_coverage = t0.elapsed();
    count_lookups(&mut tx, &st.new_lookups, now).await?;
    let t_lookups = t0.elapsed();
    audit_batch(&mut tx, subs, std::mem::take(&mut st.audited)).await?;
    let t_refresh = t0.elapsed();
    tx.commit().await?;
    tracing::debug!(
        "sampling batch: {} submissions, {} samples; begin {:?} load {:?} write {:?} coverage {:?} lookups {:?} audit {:?} commit {:?}",
        subs.len(),
        st.samples.len(),
        t_begin,
        t_load - t_begin,
        t_write - t_load,
        t_coverage - t_write,
        t_lookups - t_coverage,
        t_refresh - t_lookups,
        t0.elapsed() - t_refresh
    );
    Ok(out)
}

/// Several app nodes on one PostgreSQL each run a sampling writer, and a batch decides in
/// memory from what it loaded (a tube's count, who was sampled, whether a client id was seen):
/// two nodes' batches on the same round at once would both count from the same state (a
/// tube's `n` overwritten, an operation sent to both nodes applied twice). So a batch first
/// locks its rounds' rows, in id order, until its commit: batches on one round are applied one
/// after another across the cluster, each loading after the previous one committed (READ
/// COMMITTED). `FOR NO KEY UPDATE` does not block the inserts that refer to the round. On
/// SQLite the one writer connection already serialises them.
async fn lock_rounds(tx: &mut Tx, subs: &[&Submission]) -> AppResult<()> {
    if tx.backend() != Backend::Postgres {
        return Ok(());
    }
    let mut rounds: Vec<i64> = subs.iter().map(|s| s.round.id).collect();
    rounds.sort_unstable();
    rounds.dedup();
    let sql = format!(
        "SELECT id FROM test_rounds WHERE id IN ({}) ORDER BY id FOR NO KEY UPDATE",
        placeholders(1, rounds.len())
    );
    tx.query(&sql, rounds.into_iter().map(Value::Int).collect())
        .await?;
    Ok(())
}

/// Add the batch's fruitless lookups to the collectors' counts of this hour.
async fn count_lookups(tx: &mut Tx, new: &HashMap<i64, i64>, now: i64) -> AppResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let window = now - now % LOOKUP_WINDOW_MS;
    for (account, n) in new {
        tx.execute(
            "INSERT INTO collector_lookups (account_id, window_ms, n) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, window_ms) DO UPDATE SET n = collector_lookups.n + $3",
            crate::args![*account, window, *n],
        )
        .await?;
    }
    tx.execute(
        "DELETE FROM collector_lookups WHERE window_ms < $1",
        crate::args![window - LOOKUP_WINDOW_MS],
    )
    .await?;
    Ok(())
}

/// One audit entry per round per group commit, listing its operations that were not refused (a
/// row each: account, client id, op, tube, resident id, walk-in, outcome code), in the same transaction as the
/// samples: sampling is audited without an entry (and a chain step) per swab. Last in the
/// transaction, so the audit chain's head is held as briefly as possible.
async fn audit_batch(
    tx: &mut Tx,
    subs: &[&Submission],
    rows: Vec<(i64, i64, String, serde_json::Value)>,
) -> AppResult<()> {
    let mut rounds: Vec<i64> = rows.iter().map(|r| r.0).collect();
    rounds.sort_unstable();
    rounds.dedup();
    for round in rounds {
        let mine: Vec<&(i64, i64, String, serde_json::Value)> =
            rows.iter().filter(|r| r.0 == round).collect();
        let path = subs
            .iter()
            .find(|s| s.round.id == round)
            .map(|s| s.round.path.as_str())
            .unwrap_or_default();
        // The entry's actor: the one account when a single device made the batch.
        let one = mine.iter().all(|r| r.1 == mine[0].1);
        let actor = crate::audit::Actor {
            account_id: one.then_some(mine[0].1),
            username: if one {
                mine[0].2.clone()
            } else {
                "(sampling devices)".into()
            },
            ip: "api".into(),
        };
        let ops: Vec<&serde_json::Value> = mine.iter().map(|r| &r.3).collect();
        crate::audit::record(
            tx,
            &actor,
            crate::audit::Event::new("sampling", "test_round", round)
                .area(path)
                .detail(serde_json::json!({
                    "columns": ["account", "client_id", "op", "tube", "resident_id", "walk_in", "code"],
                    "ops": ops,
                })),
        )
        .await?;
    }
    Ok(())
}

impl State {
    fn add_residents(&mut self, rows: &[Row]) -> DbResult<()> {
        for r in rows {
            let x = Resident::from_row(r)?;
            self.residents.insert(x.id, x);
        }
        Ok(())
    }

    /// One operation: a stored reply for a known client id, else the operation itself.
    fn step(&mut self, sub: &Submission, op: &Op, now: i64) -> Outcome {
        let cid = op.client_id.trim();
        if cid.is_empty() || cid.len() > 100 {
            return Outcome::refused(
                "bad_client_id",
                "every submission needs a client id of 1–100 characters",
                "每次提交都需要 1–100 个字符的客户端编号",
            );
        }
        let k = key(sub.reader.account_id, sub.round.id, cid);
        if let Some(o) = self.replies.get(&k) {
            let mut o = o.clone();
            o.replayed = true;
            return o;
        }
        let before = self.samples.len();
        let o = self.decide(sub, op, now);
        // The audit row: who, which operation, on whom (the registry id, or a walk-in), and
        // what came of it. Refused operations change nothing and are not listed (as a refused
        // form leaves no entry).
        let sample = self.samples.get(before);
        let kind = match &op.kind {
            OpKind::Open { .. } => "open",
            OpKind::Add { .. } => "add",
            OpKind::Close => "close",
            OpKind::Abandon => "abandon",
        };
        if o.status != Status::Refused {
            self.audited.push((
                sub.round.id,
                sub.reader.account_id,
                sub.reader.username.clone(),
                serde_json::json!([
                    sub.reader.account_id,
                    cid,
                    kind,
                    op.tube.trim(),
                    sample.and_then(|s| s.resident_id),
                    sample.is_some_and(|s| s.walkin.is_some()),
                    o.code,
                ]),
            ));
        }
        self.replies.insert(k.clone(), o.clone());
        self.new_replies.push((k, sub.round.id, o.clone()));
        o
    }

    fn decide(&mut self, sub: &Submission, op: &Op, now: i64) -> Outcome {
        let round = &sub.round;
        let barcode = op.tube.trim();
        if barcode.is_empty()
            || barcode.len() > 40
            || !barcode
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Outcome::refused(
                "bad_barcode",
                "a tube barcode has 1–40 letters, digits, - or _",
                "试管条码应为 1–40 位字母、数字、- 或 _",
            );
        }
        let at = match (sub.offline, op.taken_ms) {
            (true, Some(t)) => t,
            _ => now,
        };
        if at > now + CLOCK_SKEW_MS {
            return Outcome::refused(
                "future_time",
                "the sample time is in the future: check the device clock",
                "采样时间晚于当前时间，请检查设备时钟",
            );
        }
        if !round.is_open_at(at) {
            return Outcome::refused(
                "round_closed",
                "this round is not open at that time",
                "该时间不在本轮检测的时段内",
            );
        }
        let tkey = (round.id, barcode.to_owned());
        match &op.kind {
            OpKind::Open { site_id } => self.open(sub, tkey, *site_id, at),
            // Closing a tube and setting an empty one aside: the tube must exist and be the
            // collector's to handle.
            kind @ (OpKind::Close | OpKind::Abandon) => {
                let Some(t) = self.tubes.get_mut(&tkey) else {
                    return unknown_tube();
                };
                if !may_collect(
                    &self.collects,
                    &self.sites,
                    &sub.reader,
                    round.id,
                    t.site_id,
                ) {
                    return not_collector();
                }
                let closing = matches!(kind, OpKind::Close);
                let refusal = match (closing, t.n) {
                    (true, 0) if t.closed_ms.is_none() => Some((
                        "tube_empty",
                        "the tube is empty: add people before closing it",
                        "试管为空，请先添加人员再封管",
                    )),
                    (false, n) if n > 0 => Some((
                        "tube_not_empty",
                        "the tube holds swabs: close it and send it to the lab",
                        "试管内已有样本，请封管送检",
                    )),
                    _ => None,
                };
                if let Some((code, en, zh)) = refusal {
                    let mut o = Outcome::refused(code, en, zh);
                    o.tube = Some(t.state());
                    return o;
                }
                if t.closed_ms.is_none() {
                    t.closed_ms = Some(at);
                    t.dirty = true;
                }
                let mut o = if closing {
                    Outcome::new(Status::Accepted, "closed", "tube closed", "已封管")
                } else {
                    Outcome::new(
                        Status::Accepted,
                        "abandoned",
                        "empty tube set aside as void",
                        "空管已作废",
                    )
                };
                o.tube = Some(t.state());
                o
            }
            OpKind::Add { person, confirm } => {
                let confirm = confirm.unwrap_or(sub.offline);
                self.add(sub, tkey, person, confirm, at)
            }
        }
    }

    fn open(
        &mut self,
        sub: &Submission,
        tkey: (i64, String),
        site: Option<i64>,
        at: i64,
    ) -> Outcome {
        let round = &sub.round;
        let mine = self
            .collects
            .get(&(sub.reader.account_id, round.id))
            .cloned()
            .unwrap_or_default();
        let site_id = match site {
            Some(s) => s,
            None if mine.len() == 1 => mine[0],
            None => {
                return Outcome::refused(
                    "site_required",
                    "say at which site the tube is opened",
                    "请选择开管的采样点",
                )
            }
        };
        if self
            .sites
            .get(&site_id)
            .is_none_or(|s| s.round_id != round.id)
        {
            return Outcome::refused(
                "unknown_site",
                "there is no such site in this round",
                "本轮检测没有这个采样点",
            );
        }
        if !may_collect(&self.collects, &self.sites, &sub.reader, round.id, site_id) {
            return not_collector();
        }
        if let Some(t) = self.tubes.get(&tkey) {
            if t.site_id != site_id || t.closed_ms.is_some() {
                let mut o = Outcome::refused(
                    "tube_in_use",
                    "this barcode is already used for another tube in this round",
                    "该条码已在本轮检测中使用",
                );
                o.tube = Some(t.state());
                return o;
            }
            let mut o = Outcome::new(Status::Accepted, "opened", "tube already open", "试管已开");
            o.tube = Some(t.state());
            return o;
        }
        let path = self.sites[&site_id].path.clone();
        let capacity = pool_at(
            round.pool_size,
            self.rules.get(&round.id).map_or(&[][..], |v| v),
            &path,
        );
        let t = Tube {
            round_id: round.id,
            barcode: tkey.1.clone(),
            site_id,
            path,
            capacity,
            household_id: None,
            n: 0,
            opened_by: sub.reader.account_id,
            opened_ms: at,
            closed_ms: None,
            result: None,
            dirty: true,
        };
        let mut o = Outcome::new(Status::Accepted, "opened", "tube opened", "已开管");
        o.tube = Some(t.state());
        self.tubes.insert(tkey, t);
        o
    }

    fn add(
        &mut self,
        sub: &Submission,
        tkey: (i64, String),
        person: &PersonRef,
        confirm: bool,
        at: i64,
    ) -> Outcome {
        let round = &sub.round;
        let Some(tube) = self.tubes.get(&tkey) else {
            return unknown_tube();
        };
        if !may_collect(
            &self.collects,
            &self.sites,
            &sub.reader,
            round.id,
            tube.site_id,
        ) {
            return not_collector();
        }
        let with_tube = |mut o: Outcome, t: &Tube| {
            o.tube = Some(t.state());
            o
        };
        if tube.closed_ms.is_some() {
            return with_tube(
                Outcome::refused(
                    "tube_closed",
                    "the tube is closed: open a new one",
                    "试管已封管，请开新管",
                ),
                tube,
            );
        }
        if tube.result.is_some() {
            return with_tube(
                Outcome::refused("tube_closed", "the tube has a result", "该试管已有结果"),
                tube,
            );
        }
        if tube.capacity > 0 && tube.n >= tube.capacity {
            return with_tube(
                Outcome::refused(
                    "tube_full",
                    format!("the tube is full ({} people)", tube.capacity),
                    format!("试管已满（{} 人）", tube.capacity),
                ),
                tube,
            );
        }
        // A collector typing document numbers: limited when they keep finding nobody of
        // their site's area.
        let typed = matches!(person, PersonRef::Doc { .. } | PersonRef::WalkIn { .. })
            && !sub.reader.can_read_registry();
        let acc = sub.reader.account_id;
        if typed
            && self.lookups.get(&acc).copied().unwrap_or(0)
                + self.new_lookups.get(&acc).copied().unwrap_or(0)
                >= LOOKUP_LIMIT
        {
            return with_tube(
                Outcome::refused(
                    "too_many_lookups",
                    "too many document numbers of people not registered in this site's area: \
                     try again in an hour, or have the grid worker register them",
                    "输入的非本采样点辖区人员证件号过多：请一小时后再试，或请网格员登记",
                ),
                tube,
            );
        }
        // Who is it?
        let resident = match person {
            // A record id is for people who read the registry (picking members of a household
            // they see); a collector names people by their document or personal code, so ids
            // cannot be walked to learn who lives where.
            PersonRef::ResidentId(id) => match self.residents.get(id) {
                Some(r) if sub.reader.registry_scope().contains(&r.path) => Some(r.clone()),
                Some(_) | None if !sub.reader.can_read_registry() => {
                    return with_tube(
                        Outcome::refused(
                            "id_not_allowed",
                            "scan the person's code or type their document number",
                            "请扫描个人码或输入证件号码",
                        ),
                        tube,
                    )
                }
                _ => None,
            },
            PersonRef::Qr(code) => {
                let id = self
                    .qr_secret
                    .as_deref()
                    .and_then(|s| parse_resident_code(s, code));
                match id {
                    Some(id) => self.residents.get(&id).cloned(),
                    None => {
                        return with_tube(
                            Outcome::refused(
                                "bad_code",
                                "this is not a Wardline personal code",
                                "这不是本系统的个人码",
                            ),
                            tube,
                        )
                    }
                }
            }
            PersonRef::Doc { doc_type, number }
            | PersonRef::WalkIn {
                doc_type, number, ..
            } => {
                let dt = doc_type.as_deref().unwrap_or("id_card");
                self.by_doc
                    .get(&doc_key(number))
                    .into_iter()
                    .flatten()
                    .filter_map(|i| self.residents.get(i))
                    .find(|r| r.doc_type == dt && round.covers(&r.path))
                    .cloned()
            }
        };
        let resident = resident.filter(|r| round.covers(&r.path));
        // What the collector may learn about the person: someone of the collector's scope (the
        // areas their account was given) or of the site's area is shown masked (name, sex, age,
        // the earlier tube) to confirm who stands there. Anyone else is sampled and counted
        // the same, but the answer says nothing about them: no name, no age, no earlier tube.
        let shown = resident.as_ref().is_none_or(|r| {
            r.path.starts_with(tube.path.as_str()) || sub.reader.scope.contains(&r.path)
        });
        if typed && (!shown || resident.is_none()) {
            *self.new_lookups.entry(acc).or_default() += 1;
        }
        let Some(res) = resident else {
            return match person {
                PersonRef::WalkIn {
                    doc_type,
                    number,
                    name,
                    phone,
                } => self.walk_in(sub, tkey, doc_type.as_deref(), number, name, phone.as_deref(), confirm, at),
                // A mistyped ID number: say what is wrong with it (check digit, date) before
                // "not in the registry", so the collector corrects it instead of filing a
                // walk-in under a wrong number.
                PersonRef::Doc { doc_type, number }
                    if doc_type.as_deref().is_none_or(|d| d == "id_card")
                        && number.trim().chars().count() == 18 =>
                {
                    match validate::parse_id_card(number) {
                        Err(e) => with_tube(
                            Outcome::refused("bad_id_number", e.message.en, e.message.zh),
                            tube,
                        ),
                        Ok(_) => with_tube(
                            Outcome::refused(
                                "not_in_round",
                                "not found in this round's registry: sample them as a walk-in with their document",
                                "本轮检测范围的登记中查无此人，请按临时人员凭证件采样",
                            ),
                            tube,
                        ),
                    }
                }
                _ => with_tube(
                    Outcome::refused(
                        "not_in_round",
                        "not found in this round's registry: sample them as a walk-in with their document",
                        "本轮检测范围的登记中查无此人，请按临时人员凭证件采样",
                    ),
                    tube,
                ),
            };
        };
        let brief = shown.then(|| PersonBrief {
            resident_id: Some(res.id),
            household_id: Some(res.household_id),
            name: mask_name(&res.name),
            sex: res.sex,
            age: res
                .birth
                .as_deref()
                .and_then(|b| age_on(b, validate::today())),
        });
        if tube.capacity == 0 && tube.household_id.is_some_and(|h| h != res.household_id) {
            let mut o = with_tube(
                Outcome::refused(
                    "other_household",
                    "this tube holds one household: open a new tube for this person",
                    "此管为一户一管，请为此人开新管",
                ),
                tube,
            );
            o.person = brief;
            return o;
        }
        let pkey = (round.id, res.id);
        let mut retest = false;
        if let Some(p) = self.persons.get(&pkey) {
            match p.status.as_str() {
                "retest" => {
                    if tube.capacity != 1 {
                        let mut o = with_tube(
                            Outcome::refused(
                                "needs_single_tube",
                                "this person's pooled tube was positive: sample them alone, in a single tube",
                                "此人所在混管阳性，须单人单管复检",
                            ),
                            tube,
                        );
                        o.person = brief;
                        return o;
                    }
                    retest = true;
                }
                "resample" => retest = true,
                _ => {
                    let earlier = (p.first_barcode.clone(), p.first_ms);
                    if !confirm {
                        let mut o = with_tube(
                            Outcome::new(
                                Status::Flagged,
                                "already_sampled",
                                "already sampled in this round: not added (send confirm to record the swab anyway)",
                                "本轮已采过样：未加入（如已采样，请确认后记录）",
                            ),
                            tube,
                        );
                        o.person = brief;
                        o.earlier = shown.then_some(earlier);
                        return o;
                    }
                    let t = self.tubes.get_mut(&tkey).unwrap();
                    put_in(t, res.household_id, at);
                    self.samples.push(Sample {
                        round_id: round.id,
                        barcode: tkey.1.clone(),
                        resident_id: Some(res.id),
                        walkin: None,
                        account_id: sub.reader.account_id,
                        taken_ms: at,
                        duplicate: true,
                        retest: false,
                    });
                    let mut o = Outcome::new(
                        Status::Flagged,
                        "already_sampled",
                        "already sampled in this round: recorded as a repeat, counted once",
                        "本轮已采过样：已记录为重复采样，只计一次",
                    );
                    o.tube = Some(t.state());
                    o.person = brief;
                    o.earlier = shown.then_some(earlier);
                    return o;
                }
            }
        }
        let t = self.tubes.get_mut(&tkey).unwrap();
        put_in(t, res.household_id, at);
        let state = t.state();
        self.samples.push(Sample {
            round_id: round.id,
            barcode: tkey.1.clone(),
            resident_id: Some(res.id),
            walkin: None,
            account_id: sub.reader.account_id,
            taken_ms: at,
            duplicate: false,
            retest,
        });
        match self.persons.get_mut(&pkey) {
            Some(p) => {
                p.status = if p.status == "retest" {
                    "retest_pending".into()
                } else {
                    "pending".into()
                };
                p.barcode = tkey.1.clone();
                p.dirty = true;
                self.resampled.push(pkey);
            }
            None => {
                self.persons.insert(
                    pkey,
                    Person {
                        status: "pending".into(),
                        barcode: tkey.1.clone(),
                        first_barcode: tkey.1.clone(),
                        first_ms: at,
                        household_id: res.household_id,
                        path: res.path.clone(),
                        dirty: true,
                    },
                );
            }
        }
        self.touched
            .entry(round.id)
            .or_default()
            .insert(res.household_id);
        let (code, en, zh) = if !shown {
            (
                "added",
                "added (registered outside this site's area: nothing about them is shown)",
                "已加入（非本采样点辖区登记人员，不显示其信息）",
            )
        } else if retest {
            ("added", "re-test sample added", "已加入复检样本")
        } else {
            ("added", "added", "已加入")
        };
        let mut o = Outcome::new(Status::Accepted, code, en, zh);
        o.tube = Some(state);
        o.person = brief;
        o
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_in(
        &mut self,
        sub: &Submission,
        tkey: (i64, String),
        doc_type: Option<&str>,
        number: &str,
        name: &str,
        phone: Option<&str>,
        confirm: bool,
        at: i64,
    ) -> Outcome {
        let dt = doc_type.unwrap_or("id_card");
        let mut errs: Vec<Msg> = Vec::new();
        let number = if dt == "id_card" {
            validate::parse_id_card(number).map(|c| c.number)
        } else if crate::registry::model::DOC_TYPES
            .iter()
            .any(|t| t.code == dt)
        {
            validate::parse_other_doc(dt, number)
        } else {
            Err(crate::error::FieldError::new(
                "doc_type",
                "unknown document type",
                "未知证件类型",
            ))
        };
        let number = number.map_err(|e| errs.push(e.message)).unwrap_or_default();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            errs.push(Msg::new("name: 1–50 characters", "姓名：应为 1–50 个字符"));
        }
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => validate::parse_phone(p)
                .map_err(|e| errs.push(e.message))
                .ok(),
        };
        if !errs.is_empty() {
            return Outcome::refused(
                "invalid",
                errs.iter()
                    .map(|m| m.en.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                errs.iter()
                    .map(|m| m.zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
            );
        }
        let round = &sub.round;
        let t = self.tubes.get_mut(&tkey).unwrap();
        if t.capacity == 0 {
            let mut o = Outcome::refused(
                "other_household",
                "a walk-in cannot join a one-household tube: open a tube for them",
                "临时人员不能加入一户一管，请单独开管",
            );
            o.tube = Some(t.state());
            return o;
        }
        let wkey = (round.id, number.clone(), dt.to_owned());
        let brief = PersonBrief {
            resident_id: None,
            household_id: None,
            name: mask_name(name),
            sex: 0,
            age: None,
        };
        let seen = self.walkins_seen.get(&wkey).cloned();
        let earlier = seen.as_ref().map(|(b, ms, _)| (b.clone(), *ms));
        if let Some(e) = &earlier {
            if !confirm {
                let mut o = Outcome::new(
                    Status::Flagged,
                    "already_sampled",
                    "already sampled in this round: not added (send confirm to record the swab anyway)",
                    "本轮已采过样：未加入（如已采样，请确认后记录）",
                );
                o.tube = Some(t.state());
                o.person = Some(brief);
                o.earlier = Some(e.clone());
                return o;
            }
        }
        put_in(t, 0, at);
        let walkin = if let Some((_, _, w)) = seen {
            // A repeat swab: still this walk-in's, so it is linked with them later.
            w
        } else {
            self.walkins.push(Walkin {
                round_id: round.id,
                site_id: t.site_id,
                path: t.path.clone(),
                barcode: tkey.1.clone(),
                doc_type: dt.to_owned(),
                doc_number: number.clone(),
                name: name.to_owned(),
                phone,
                taken_ms: at,
            });
            let w = WalkinRef::New(self.walkins.len() - 1);
            self.walkins_seen.insert(wkey, (tkey.1.clone(), at, w));
            w
        };
        self.samples.push(Sample {
            round_id: round.id,
            barcode: tkey.1.clone(),
            resident_id: None,
            walkin: Some(walkin),
            account_id: sub.reader.account_id,
            taken_ms: at,
            duplicate: earlier.is_some(),
            retest: false,
        });
        let mut o = if let Some(e) = earlier {
            let mut o = Outcome::new(
                Status::Flagged,
                "already_sampled",
                "already sampled in this round: recorded as a repeat",
                "本轮已采过样：已记录为重复采样",
            );
            o.earlier = Some(e);
            o
        } else {
            Outcome::new(
                Status::Accepted,
                "walk_in",
                "added as a walk-in: the grid worker will register them",
                "已按临时人员加入，待网格员登记",
            )
        };
        o.tube = Some(t.state());
        o.person = Some(brief);
        o
    }
}

/// Count a swab into the tube; a full tube closes itself.
fn put_in(t: &mut Tube, household_id: i64, at: i64) {
    t.n += 1;
    if t.capacity == 0 && t.household_id.is_none() && household_id != 0 {
        t.household_id = Some(household_id);
    }
    if t.capacity > 0 && t.n >= t.capacity {
        t.closed_ms = Some(at);
    }
    t.dirty = true;
}

fn may_collect(
    collects: &HashMap<(i64, i64), Vec<i64>>,
    sites: &HashMap<i64, Site>,
    r: &Reader,
    round_id: i64,
    site_id: i64,
) -> bool {
    collects
        .get(&(r.account_id, round_id))
        .is_some_and(|v| v.contains(&site_id))
        || (super::samples_in_scope(r)
            && sites
                .get(&site_id)
                .is_some_and(|s| r.scope.contains(&s.path)))
}

fn unknown_tube() -> Outcome {
    Outcome::refused(
        "unknown_tube",
        "no tube with this barcode is open in this round: open it first",
        "本轮检测中没有已开的此条码试管，请先开管",
    )
}

fn not_collector() -> Outcome {
    Outcome::refused(
        "not_collector",
        "you are not a collector at this site",
        "您不是该采样点的采样人员",
    )
}

#[cfg(test)]
mod tests;
