//! The audit log: an append-only record of every write, every reveal of personal data, every
//! export and every sign-in. Entries are hash-chained: each entry's hash covers its own content
//! and the previous entry's hash, so changing, removing or inserting a row anywhere breaks the
//! chain from that row on, and [`verify`] names the first row that does not fit.
//!
//! An entry is written in the same transaction as the change it records: a change that is rolled
//! back leaves no entry, and an entry never describes a change that did not happen.

pub mod pages;

use serde::Serialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::access::Scope;
use crate::args;
use crate::db::{now_ms, Db, Row, Tx, Value};
use crate::error::AppResult;

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

#[allow(clippy::too_many_arguments)]
fn entry_hash(
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
    for part in [
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
    ] {
        // Length-prefixed, so that no two different entries serialise alike.
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    crate::access::hex(&h.finalize())
}

/// Append an entry inside `tx`. The head row is locked until `tx` ends, so entries from
/// concurrent transactions (and nodes) form one line.
pub async fn record(tx: &mut Tx, actor: &Actor, ev: Event) -> AppResult<i64> {
    let head = tx
        .query_one(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
            vec![],
        )
        .await?;
    let (seq, prev) = (head.int(0), head.string(1));
    let at = now_ms();
    let detail = ev.detail.to_string();
    let hash = entry_hash(
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
    tx.execute(
        "INSERT INTO audit_log (seq, at_ms, account_id, username, ip, action, entity, entity_id, \
         area_path, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
            hash.as_str()
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

const COLS: &str =
    "seq, at_ms, account_id, username, ip, action, entity, entity_id, area_path, detail, prev_hash, hash";

/// Walk the whole chain in order, recomputing every hash.
pub async fn verify(db: &Db) -> AppResult<Verdict> {
    let mut prev = GENESIS.to_owned();
    let mut expect = 1i64;
    loop {
        let rows = db
            .query(
                &format!("SELECT {COLS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000"),
                args![expect],
            )
            .await?;
        for r in &rows {
            let seq = r.int(0);
            if seq != expect {
                return Ok(Verdict::Broken {
                    seq: expect,
                    reason: format!("entry {expect} is missing (the next one is {seq})"),
                });
            }
            if r.text(10) != prev {
                return Ok(Verdict::Broken {
                    seq,
                    reason: "its link to the previous entry does not match".into(),
                });
            }
            let h = entry_hash(
                &prev,
                seq,
                r.int(1),
                r.opt_int(2),
                r.text(3),
                r.text(4),
                r.text(5),
                r.text(6),
                r.text(7),
                r.text(8),
                r.text(9),
            );
            if h != r.text(11) {
                return Ok(Verdict::Broken {
                    seq,
                    reason: "its content does not match its hash (the row was changed)".into(),
                });
            }
            prev = h;
            expect += 1;
        }
        if rows.len() < 5000 {
            break;
        }
    }
    let head = db
        .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
        .await?;
    if head.int(0) != expect - 1 || head.text(1) != prev {
        return Ok(Verdict::Broken {
            seq: expect,
            reason: format!(
                "the chain ends at entry {} but its head says {} (entries were removed at the end)",
                expect - 1,
                head.int(0)
            ),
        });
    }
    Ok(Verdict::Intact {
        entries: expect - 1,
    })
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

impl Entry {
    fn from_row(r: &Row) -> Entry {
        Entry {
            seq: r.int(0),
            at_ms: r.int(1),
            account_id: r.opt_int(2),
            username: r.string(3),
            ip: r.string(4),
            action: r.string(5),
            entity: r.string(6),
            entity_id: r.string(7),
            area_path: r.string(8),
            detail: serde_json::from_str(r.text(9)).unwrap_or(Json::Null),
        }
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
    let rows = db.query(&sql, params).await?;
    Ok(rows.iter().map(Entry::from_row).collect())
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
