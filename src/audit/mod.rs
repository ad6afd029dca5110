//! The audit log: an append-only record of every write, every reveal of personal data, every
//! export and every sign-in. Entries are hash-chained: each entry's hash covers its own content
//! and the previous entry's hash, so changing, removing or inserting a row anywhere breaks the
//! chain from that row on, and [`verify`] names the first row that does not fit.
//!
//! An entry is written in the same transaction as the change it records: a change that is rolled
//! back leaves no entry, and an entry never describes a change that did not happen.
//!
//! A plain hash whose head lives in the same database proves nothing against whoever can write
//! to that database: they can cut the tail and move the head back, or edit an entry and
//! recompute every hash after it. So, from a key epoch on (`audit_head.keyed_from`), each entry
//! carries an HMAC-SHA-256 under a key the database does not hold (a key file, see
//! [`load_key`]), and the head is copied out now and then to an append-only anchor file
//! ([`write_anchor`]); [`verify_with`] checks the chain against the key and the anchors. Entries
//! before the epoch keep their plain SHA-256 and still verify as before. A keyed entry's MAC
//! covers the SHA-256 of its detail (`detail_digest`), so that retention can blank the detail
//! of an old entry (it becomes exactly [`REDACTED`]) without breaking the chain.

pub mod anchor;
pub mod pages;
pub mod retention;

pub use anchor::{load_key, read_anchors, write_anchor, Anchor, KeySource};

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::args;
use crate::db::{now_ms, Db, DbResult, FromRow, Row, Tx, Value};
use crate::error::{AppError, AppResult};
use crate::scope::Scope;

/// Who did it, and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub username: String,
    pub ip: String,
}

impl Actor {
    /// The command line, acting as the operating-system user who runs it.
    pub fn cli() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
        Actor {
            account_id: None,
            username: format!("cli:{user}"),
            ip: "local".into(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Event {
    /// `create`, `update`, `delete`, `reveal`, `export`, `import`, `login`, `login_failed`,
    /// `logout`, `token_create`, `token_revoke`, `account_create`, `account_update`, ...
    pub action: &'static str,
    /// `resident`, `household`, `account`, `api_token`, `session`, `file`, ...
    pub entity: &'static str,
    pub entity_id: String,
    /// The area the record lies in, so that the log itself can be scoped; empty for none.
    pub area_path: String,
    /// Old and new values for writes (`{"old": {...}, "new": {...}}`), the reason for a reveal,
    /// the filter and row count for an export.
    pub detail: Json,
}

impl Event {
    pub fn new(action: &'static str, entity: &'static str, entity_id: impl ToString) -> Event {
        Event {
            action,
            entity,
            entity_id: entity_id.to_string(),
            area_path: String::new(),
            detail: Json::Null,
        }
    }

    pub fn area(mut self, path: &str) -> Event {
        self.area_path = path.to_owned();
        self
    }

    pub fn detail(mut self, detail: Json) -> Event {
        self.detail = detail;
        self
    }
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The detail of a keyed entry whose content retention has removed. Only this exact text may
/// stand in for a detail (its digest is kept): any other change to a detail breaks the chain.
pub const REDACTED: &str = r#"{"redacted":"retention"}"#;

/// The SHA-256 of an entry's detail, hex.
pub fn detail_digest(detail: &str) -> String {
    crate::hex::hex(&Sha256::digest(detail.as_bytes()))
}

/// A short public name for a key (an HMAC of a fixed text), kept in `audit_head.key_id` so that
/// a node started with the wrong key file refuses to write instead of forking the chain.
pub fn key_id(key: &[u8]) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    m.update(b"wardline audit key id");
    crate::hex::hex(&m.finalize().into_bytes())[..16].to_owned()
}

/// Feed an entry's fields to a hash or a MAC, each length-prefixed, so that no two different
/// entries serialise alike.
fn framed(parts: &[&str], mut update: impl FnMut(&[u8])) {
    for part in parts {
        update(&(part.len() as u64).to_le_bytes());
        update(part.as_bytes());
    }
}

/// The MAC of a keyed entry: like [`entry_hash`], under `key`, over the detail's digest.
#[allow(clippy::too_many_arguments)]
pub fn entry_mac(
    key: &[u8],
    prev: &str,
    seq: i64,
    at_ms: i64,
    account_id: Option<i64>,
    username: &str,
    ip: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    area_path: &str,
    digest: &str,
) -> String {
    let mut h = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    let account = account_id.map(|a| a.to_string()).unwrap_or_default();
    let parts = [
        "wardline-audit-v2",
        prev,
        &seq.to_string(),
        &at_ms.to_string(),
        &account,
        username,
        ip,
        action,
        entity,
        entity_id,
        area_path,
        digest,
    ];
    framed(&parts, |b| h.update(b));
    crate::hex::hex(&h.finalize().into_bytes())
}

#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at_ms: i64,
    account_id: Option<i64>,
    username: &str,
    ip: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    area_path: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    let account = account_id.map(|a| a.to_string()).unwrap_or_default();
    let parts = [
        prev,
        &seq.to_string(),
        &at_ms.to_string(),
        &account,
        username,
        ip,
        action,
        entity,
        entity_id,
        area_path,
        detail,
    ];
    framed(&parts, |b| h.update(b));
    crate::hex::hex(&h.finalize())
}

/// The head of the chain: the last entry's number and hash.
pub(crate) struct Head {
    pub(crate) seq: i64,
    pub(crate) hash: String,
}
crate::from_row!(Head { seq, hash });

/// The head with the first keyed entry's number (none before the chain is keyed).
struct KeyedHead {
    seq: i64,
    hash: String,
    keyed_from: Option<i64>,
}
crate::from_row!(KeyedHead {
    seq,
    hash,
    keyed_from
});

/// Append an entry inside `tx`. The head row is locked until `tx` ends, so entries from
/// concurrent transactions (and nodes) form one line.
pub async fn record(tx: &mut Tx, actor: &Actor, ev: Event) -> AppResult<i64> {
    let head = tx
        .query_one_as::<KeyedHead>(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, keyed_from",
            vec![],
        )
        .await?;
    let (seq, prev) = (head.seq, head.hash);
    let keyed = head.keyed_from.is_some_and(|k| seq >= k);
    let at = now_ms();
    let detail = ev.detail.to_string();
    let (hash, digest) = if keyed {
        let Some(key) = tx.audit_key() else {
            return Err(AppError::Internal(
                "the audit chain is keyed but no audit key is loaded".into(),
            ));
        };
        let digest = detail_digest(&detail);
        let mac = entry_mac(
            key,
            &prev,
            seq,
            at,
            actor.account_id,
            &actor.username,
            &actor.ip,
            ev.action,
            ev.entity,
            &ev.entity_id,
            &ev.area_path,
            &digest,
        );
        (mac, Some(digest))
    } else {
        let h = entry_hash(
            &prev,
            seq,
            at,
            actor.account_id,
            &actor.username,
            &actor.ip,
            ev.action,
            ev.entity,
            &ev.entity_id,
            &ev.area_path,
            &detail,
        );
        (h, None)
    };
    tx.execute(
        "INSERT INTO audit_log (seq, at_ms, account_id, username, ip, action, entity, entity_id, \
         area_path, detail, prev_hash, hash, detail_digest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args![
            seq,
            at,
            actor.account_id,
            actor.username.as_str(),
            actor.ip.as_str(),
            ev.action,
            ev.entity,
            ev.entity_id.as_str(),
            ev.area_path.as_str(),
            detail,
            prev,
            hash.as_str(),
            digest
        ],
    )
    .await?;
    tx.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        args![hash.as_str()],
    )
    .await?;
    Ok(seq)
}

/// Record an event in a transaction of its own (sign-ins, reveals, exports: reads that change
/// nothing else).
pub async fn record_now(db: &Db, actor: &Actor, ev: Event) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let seq = record(&mut tx, actor, ev).await?;
    tx.commit().await?;
    Ok(seq)
}

/// The outcome of a chain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        entries: i64,
    },
    /// The first entry that does not fit, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// An entry as stored, with its links, for the check of the chain.
struct Stored {
    seq: i64,
    at_ms: i64,
    account_id: Option<i64>,
    username: String,
    ip: String,
    action: String,
    entity: String,
    entity_id: String,
    area_path: String,
    detail: String,
    prev_hash: String,
    hash: String,
    detail_digest: Option<String>,
}
crate::from_row!(Stored {
    seq,
    at_ms,
    account_id,
    username,
    ip,
    action,
    entity,
    entity_id,
    area_path,
    detail,
    prev_hash,
    hash,
    detail_digest
});

const COLS: &str =
    "seq, at_ms, account_id, username, ip, action, entity, entity_id, area_path, detail, prev_hash, hash";

/// Start keying the chain with `key` (on this handle and in the database): the key is set on
/// `db` for every transaction it begins; if the chain has no key epoch yet, the next entry
/// becomes the first keyed one and a `key_epoch` entry (itself keyed) marks it. A chain keyed
/// with another key is refused: a node with the wrong key file must not write.
pub async fn start_keyed(db: &Db, key: &[u8]) -> AppResult<()> {
    let id = key_id(key);
    db.set_audit_key(key)?;
    let mut tx = db.begin().await?;
    let changed = tx
        .execute(
            "UPDATE audit_head SET keyed_from = seq + 1, key_id = $1 WHERE id = 1 AND keyed_from IS NULL",
            args![id.as_str()],
        )
        .await?;
    if changed == 1 {
        let from = tx
            .scalar::<i64>("SELECT keyed_from FROM audit_head WHERE id = 1", vec![])
            .await?;
        record(
            &mut tx,
            &Actor {
                account_id: None,
                username: "system".into(),
                ip: "local".into(),
            },
            Event::new("key_epoch", "audit", from)
                .detail(serde_json::json!({"keyed_from": from, "key_id": id})),
        )
        .await?;
        tx.commit().await?;
        tracing::info!("audit chain keyed from entry {from} (key {id})");
        return Ok(());
    }
    drop(tx);
    check_key(db, key).await
}

/// Use `key` to verify (without starting an epoch): refused if the chain was keyed with
/// another one.
pub async fn use_key(db: &Db, key: &[u8]) -> AppResult<()> {
    db.set_audit_key(key)?;
    check_key(db, key).await
}

async fn check_key(db: &Db, key: &[u8]) -> AppResult<()> {
    let head = db
        .scalar::<Option<String>>("SELECT key_id FROM audit_head WHERE id = 1", vec![])
        .await?;
    match head.as_deref() {
        Some(stored) if stored != key_id(key) => Err(AppError::Internal(format!(
            "the audit key does not match the one this database's chain is keyed with \
             (key id {stored}, given {}): use the key file the chain was started with",
            key_id(key)
        ))),
        _ => Ok(()),
    }
}

/// Walk the whole chain in order, recomputing every hash and MAC.
pub async fn verify(db: &Db) -> AppResult<Verdict> {
    verify_with(db, &[]).await
}

/// [`verify`], and check each anchor (copied out of the database earlier): the anchored entry
/// must still be there with the same MAC. That catches a tail cut back past an anchor (and the
/// head moved back), and a chain recomputed after an edit, which a key-less rewrite cannot
/// avoid. Keyed entries need the key on `db` (see [`use_key`]).
pub async fn verify_with(db: &Db, anchors: &[Anchor]) -> AppResult<Verdict> {
    let head = db
        .query_one_as::<KeyedHead>(
            "SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1",
            vec![],
        )
        .await?;
    let keyed_from = head.keyed_from.unwrap_or(i64::MAX);
    let key = db.audit_key();
    if keyed_from != i64::MAX {
        match &key {
            None => {
                return Err(AppError::Internal(format!(
                "the audit chain is keyed from entry {keyed_from}: give its key file to verify it"
            )))
            }
            Some(k) => check_key(db, k).await?,
        }
    }
    let mut anchored: std::collections::BTreeMap<i64, &Anchor> = Default::default();
    for a in anchors {
        anchored.insert(a.seq, a);
    }
    let mut prev = GENESIS.to_owned();
    let mut expect = 1i64;
    loop {
        let rows = db
            .query_as::<Stored>(
                &format!("SELECT {COLS}, detail_digest FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000"),
                args![expect],
            )
            .await?;
        for r in &rows {
            let seq = r.seq;
            if seq != expect {
                return Ok(Verdict::Broken {
                    seq: expect,
                    reason: format!("entry {expect} is missing (the next one is {seq})"),
                });
            }
            if r.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq,
                    reason: "its link to the previous entry does not match".into(),
                });
            }
            let h = if seq >= keyed_from {
                let detail = r.detail.as_str();
                let Some(stored) = r.detail_digest.as_deref() else {
                    return Ok(Verdict::Broken {
                        seq,
                        reason: "a keyed entry without its detail digest (the row was changed)"
                            .into(),
                    });
                };
                if detail != REDACTED && detail_digest(detail) != stored {
                    return Ok(Verdict::Broken {
                        seq,
                        reason: "its detail does not match its digest (the row was changed)".into(),
                    });
                }
                entry_mac(
                    key.as_deref().expect("checked above"),
                    &prev,
                    seq,
                    r.at_ms,
                    r.account_id,
                    &r.username,
                    &r.ip,
                    &r.action,
                    &r.entity,
                    &r.entity_id,
                    &r.area_path,
                    stored,
                )
            } else {
                entry_hash(
                    &prev,
                    seq,
                    r.at_ms,
                    r.account_id,
                    &r.username,
                    &r.ip,
                    &r.action,
                    &r.entity,
                    &r.entity_id,
                    &r.area_path,
                    &r.detail,
                )
            };
            if h != r.hash {
                return Ok(Verdict::Broken {
                    seq,
                    reason: if seq >= keyed_from {
                        "its content does not match its MAC (the row was changed, or the chain \
                         recomputed without the key)"
                            .into()
                    } else {
                        "its content does not match its hash (the row was changed)".into()
                    },
                });
            }
            if let Some(a) = anchored.get(&seq) {
                if a.mac != h {
                    return Ok(Verdict::Broken {
                        seq,
                        reason: format!(
                            "it differs from the anchor written at {} (the chain was rewritten \
                             from here or earlier)",
                            a.time
                        ),
                    });
                }
            }
            prev = h;
            expect += 1;
        }
        if rows.len() < 5000 {
            break;
        }
    }
    let last = expect - 1;
    if let Some((&seq, a)) = anchored.range(last + 1..).next_back() {
        return Ok(Verdict::Broken {
            seq: last + 1,
            reason: format!(
                "the chain ends at entry {last} but entry {seq} was anchored at {} (entries were \
                 removed at the end and the head moved back)",
                a.time
            ),
        });
    }
    if head.seq != last || head.hash != prev {
        return Ok(Verdict::Broken {
            seq: expect,
            reason: format!(
                "the chain ends at entry {} but its head says {} (entries were removed at the end)",
                last, head.seq
            ),
        });
    }
    Ok(Verdict::Intact { entries: last })
}

/// One entry, for the viewer.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    pub account_id: Option<i64>,
    pub username: String,
    pub ip: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub area_path: String,
    pub detail: Json,
}

impl FromRow for Entry {
    fn from_row(r: &Row) -> DbResult<Entry> {
        Ok(Entry {
            seq: r.get("seq")?,
            at_ms: r.get("at_ms")?,
            account_id: r.get("account_id")?,
            username: r.get("username")?,
            ip: r.get("ip")?,
            action: r.get("action")?,
            entity: r.get("entity")?,
            entity_id: r.get("entity_id")?,
            area_path: r.get("area_path")?,
            detail: serde_json::from_str(&r.get::<String>("detail")?).unwrap_or(Json::Null),
        })
    }
}

/// A filter for the viewer; every field optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Entries before this sequence number (keyset paging, newest first).
    pub before: Option<i64>,
}

/// Entries matching `filter`, newest first. Entries about records are limited to `scope`;
/// entries with no area (sign-ins, accounts) are shown to a reader whose scope is the whole
/// log's (`all_areas`).
pub async fn list(
    db: &Db,
    scope: &Scope,
    all_areas: bool,
    filter: &Filter,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    let mut conds = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut add = |cond: &str, v: Value, params: &mut Vec<Value>| {
        params.push(v);
        conds.push(cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(u) = &filter.username {
        add("username = ?", Value::from(u.as_str()), &mut params);
    }
    if let Some(a) = &filter.action {
        add("action = ?", Value::from(a.as_str()), &mut params);
    }
    if let Some(e) = &filter.entity {
        add("entity = ?", Value::from(e.as_str()), &mut params);
    }
    if let Some(e) = &filter.entity_id {
        add("entity_id = ?", Value::from(e.as_str()), &mut params);
    }
    if let Some(t) = filter.from_ms {
        add("at_ms >= ?", Value::Int(t), &mut params);
    }
    if let Some(t) = filter.to_ms {
        add("at_ms < ?", Value::Int(t), &mut params);
    }
    if let Some(b) = filter.before {
        add("seq < ?", Value::Int(b), &mut params);
    }
    let (scope_sql, scope_params) = scope.sql("area_path", params.len() + 1);
    params.extend(scope_params);
    if all_areas {
        conds.push(format!("(area_path = '' OR {scope_sql})"));
    } else {
        conds.push(scope_sql);
    }
    params.push(Value::Int(limit));
    let sql = format!(
        "SELECT {COLS} FROM audit_log WHERE {} ORDER BY seq DESC LIMIT ${}",
        conds.join(" AND "),
        params.len()
    );
    Ok(db.query_as::<Entry>(&sql, params).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field() {
        let base = entry_hash(GENESIS, 1, 2, Some(3), "u", "ip", "a", "e", "1", "p", "{}");
        let variants = [
            entry_hash("x", 1, 2, Some(3), "u", "ip", "a", "e", "1", "p", "{}"),
            entry_hash(GENESIS, 9, 2, Some(3), "u", "ip", "a", "e", "1", "p", "{}"),
            entry_hash(GENESIS, 1, 2, None, "u", "ip", "a", "e", "1", "p", "{}"),
            entry_hash(GENESIS, 1, 2, Some(3), "u", "ip", "a", "e", "1", "p", "{ }"),
            // Moving a character between fields changes the hash too.
            entry_hash(GENESIS, 1, 2, Some(3), "ui", "p", "a", "e", "1", "p", "{}"),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
        assert_eq!(base.len(), 64);
    }
}
