//! Notifications (issue 19): an outbox of messages that should reach a person.
//!
//! A capability that raises an event (a need assigned, a positive pool, …) calls [`enqueue`]
//! inside its write transaction (or right after, with [`enqueue_now`]): one row per recipient
//! account, its text rendered at once in the recipient's language (Fluent, `notify.ftl`). The
//! sender loop ([`send::deliver`]) then takes the due rows, asks the raising capability again
//! whether the condition still holds ([`recheck`]), applies the rules (quiet hours, the daily
//! cap: [`rules`]) and hands the message to the configured sender (webhook or log).
//!
//! The room sits just above the audit log and below the kit and every capability: it knows no
//! capability (they call into it), so the re-checks are installed by the server at start.
//!
//! Message texts carry no personal data of residents by design: kinds, record numbers, areas
//! and times, never a name or a phone. An officer's view of what was sent to whom therefore
//! needs no audited reveal; recipients (staff accounts) are shown with masked names.

pub mod pages;
pub mod recheck;
pub mod retention;
pub mod rules;
pub mod send;

use serde::Serialize;

use crate::args;
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::i18n::{ta, Arg, Lang};
use crate::scope::Scope;

/// The kinds of event: (code, urgent). Urgent messages go out in quiet hours and do not count
/// against (nor stop at) the daily cap.
pub const KINDS: &[(&str, bool)] = &[
    ("need_assigned", false),
    ("need_late", false),
    ("shift_soon", false),
    ("check_missed", true),
    ("pool_positive", true),
    ("application_decided", false),
];

pub fn is_urgent(kind: &str) -> bool {
    KINDS.iter().any(|(k, u)| *k == kind && *u)
}

/// An event for one recipient. `args` fill the Fluent message `notify-<kind>`.
pub struct Note {
    pub kind: &'static str,
    pub account_id: i64,
    /// A page of this site the message points to (`/me/needs/12`).
    pub link: String,
    /// The area of the subject, for the officers' view (scoped by it).
    pub path: String,
    pub args: Vec<(&'static str, Arg)>,
    /// The event's identity for this recipient: a second enqueue with the same key is ignored.
    pub once_key: String,
    /// Asked again at send time (see [`recheck`]); empty for nothing to ask.
    pub recheck: String,
}

/// The text of a note in a language.
pub fn render(kind: &str, args: &[(&'static str, Arg)], lang: Lang) -> String {
    ta(lang, &format!("notify-{}", kind.replace('_', "-")), args)
}

fn lang_of(code: Option<&str>) -> Lang {
    code.and_then(Lang::from_code).unwrap_or(Lang::Zh)
}

/// Put `n` in the outbox within `tx`, at `now`. Returns false when it was there already.
pub async fn enqueue(tx: &mut Tx, n: &Note, now: i64) -> AppResult<bool> {
    let lang: Option<Option<String>> = match tx
        .query_opt(
            "SELECT lang FROM accounts WHERE id = $1",
            args![n.account_id],
        )
        .await?
    {
        Some(row) => Some(row.get("lang")?),
        None => None,
    };
    let Some(lang) = lang else {
        return Ok(false);
    };
    let lang = lang_of(lang.as_deref());
    let body = render(n.kind, &n.args, lang);
    let added = tx
        .execute(
            "INSERT INTO notify_outbox (account_id, kind, urgent, link, path, lang, body, once_key, \
             recheck, state, next_ms, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $10) \
             ON CONFLICT (account_id, once_key) DO NOTHING",
            args![
                n.account_id,
                n.kind,
                is_urgent(n.kind),
                n.link.as_str(),
                n.path.as_str(),
                lang.tag(),
                body,
                n.once_key.as_str(),
                n.recheck.as_str(),
                now
            ],
        )
        .await?;
    Ok(added == 1)
}

/// [`enqueue`] in a transaction of its own.
pub async fn enqueue_now(db: &Db, n: &Note, now: i64) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let added = enqueue(&mut tx, n, now).await?;
    tx.commit().await?;
    Ok(added)
}

/// One message as its recipient sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    pub id: i64,
    pub kind: String,
    pub urgent: bool,
    pub text: String,
    pub link: String,
    pub created_ms: i64,
    pub read: bool,
}

struct MineRow {
    id: i64,
    kind: String,
    urgent: bool,
    body: String,
    link: String,
    created_ms: i64,
    read_ms: Option<i64>,
}
crate::from_row!(MineRow {
    id,
    kind,
    urgent,
    body,
    link,
    created_ms,
    read_ms
});

/// What a person sees: every message for them but those skipped (the condition no longer
/// held, or over the cap), newest first.
pub async fn mine(
    db: &Db,
    account_id: i64,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Mine>> {
    let rows = db
        .query_as::<MineRow>(
            "SELECT id, kind, urgent, body, link, created_ms, read_ms FROM notify_outbox \
             WHERE account_id = $1 AND state <> 'skipped' AND id < $2 ORDER BY id DESC LIMIT $3",
            args![account_id, before.unwrap_or(i64::MAX), limit],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Mine {
            id: r.id,
            kind: r.kind,
            urgent: r.urgent,
            text: r.body,
            link: r.link,
            created_ms: r.created_ms,
            read: r.read_ms.is_some(),
        })
        .collect())
}

/// How many of a person's messages are unread (the count in the page header).
pub async fn unread(db: &Db, account_id: i64) -> AppResult<i64> {
    Ok(db
        .scalar(
            "SELECT COUNT(*) FROM notify_outbox WHERE account_id = $1 AND read_ms IS NULL \
             AND state <> 'skipped'",
            args![account_id],
        )
        .await?)
}

/// Mark a person's messages read: these `ids` (others' ids are ignored), or all when `None`.
/// Idempotent: a message read already keeps its first time. Returns the unread count after.
pub async fn mark_read(db: &Db, account_id: i64, ids: Option<&[i64]>, now: i64) -> AppResult<i64> {
    match ids {
        None => {
            let mut tx = db.begin().await?;
            tx.execute(
                "UPDATE notify_outbox SET read_ms = $2 WHERE account_id = $1 AND read_ms IS NULL",
                args![account_id, now],
            )
            .await?;
            tx.commit().await?;
        }
        Some(ids) if !ids.is_empty() => {
            let mut tx = db.begin().await?;
            for chunk in ids.chunks(200) {
                let mut params = args![account_id, now];
                params.extend(chunk.iter().map(|i| crate::db::Value::from(*i)));
                tx.execute(
                    &format!(
                        "UPDATE notify_outbox SET read_ms = $2 WHERE account_id = $1 \
                         AND read_ms IS NULL AND id IN ({})",
                        crate::db::placeholders(3, chunk.len())
                    ),
                    params,
                )
                .await?;
            }
            tx.commit().await?;
        }
        Some(_) => {}
    }
    unread(db, account_id).await
}

/// One message as an officer sees it: to whom (masked), what, and its delivery state.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub id: i64,
    pub recipient: String,
    pub role: String,
    pub kind: String,
    pub urgent: bool,
    pub text: String,
    pub state: String,
    pub reason: String,
    pub attempts: i64,
    pub created_ms: i64,
    pub sent_ms: Option<i64>,
    pub next_ms: i64,
}

struct SentRow {
    id: i64,
    display_name: String,
    role: String,
    kind: String,
    urgent: bool,
    body: String,
    state: String,
    reason: String,
    attempts: i64,
    created_ms: i64,
    sent_ms: Option<i64>,
    next_ms: i64,
}
crate::from_row!(SentRow {
    id,
    display_name,
    role,
    kind,
    urgent,
    body,
    state,
    reason,
    attempts,
    created_ms,
    sent_ms,
    next_ms
});

/// Roles that see what was sent to whom in their area.
pub fn can_oversee(role: &str) -> bool {
    matches!(role, "admin" | "hq" | "street" | "community")
}

/// The messages about subjects in `scope`, newest first, optionally of one state.
pub async fn sent_in(
    db: &Db,
    scope: &Scope,
    state: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Sent>> {
    let (cond, mut params) = scope.sql("o.path", 4);
    let mut all = args![before.unwrap_or(i64::MAX), limit, state.unwrap_or("")];
    all.append(&mut params);
    let rows = db
        .query_as::<SentRow>(
            &format!(
                "SELECT o.id, a.display_name, a.role, o.kind, o.urgent, o.body, o.state, o.reason, \
                 o.attempts, o.created_ms, o.sent_ms, o.next_ms \
                 FROM notify_outbox o JOIN accounts a ON a.id = o.account_id \
                 WHERE o.id < $1 AND ($3 = '' OR o.state = $3) AND {cond} ORDER BY o.id DESC LIMIT $2"
            ),
            all,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Sent {
            id: r.id,
            recipient: crate::privacy::mask_name(&r.display_name),
            role: r.role,
            kind: r.kind,
            urgent: r.urgent,
            text: r.body,
            state: r.state,
            reason: r.reason,
            attempts: r.attempts,
            created_ms: r.created_ms,
            sent_ms: r.sent_ms,
            next_ms: r.next_ms,
        })
        .collect())
}

/// A grid worker whose scope holds `path`: their account and the name of that scope area.
#[derive(Debug, Clone)]
pub struct GridWorker {
    pub account_id: i64,
    pub area: String,
}

struct GridRow {
    account_id: i64,
    area: String,
}
crate::from_row!(GridRow { account_id, area });

/// The grid workers (enabled accounts of role `grid`) whose scope holds `path`.
pub async fn grid_workers(tx: &mut Tx, path: &str) -> AppResult<Vec<GridWorker>> {
    let rows: Vec<GridRow> = tx
        .query_as(
            "SELECT a.id AS account_id, ar.name AS area FROM accounts a \
             JOIN account_scopes s ON s.account_id = a.id JOIN areas ar ON ar.id = s.area_id \
             WHERE a.role = 'grid' AND a.disabled_ms IS NULL \
             AND SUBSTR($1, 1, LENGTH(ar.path)) = ar.path ORDER BY a.id",
            args![path],
        )
        .await?;
    let mut out: Vec<GridWorker> = Vec::new();
    for r in rows {
        if out.last().is_none_or(|g| g.account_id != r.account_id) {
            out.push(GridWorker {
                account_id: r.account_id,
                area: r.area,
            });
        }
    }
    Ok(out)
}

/// A time in China as `HH:MM` (message texts).
pub fn china_clock(ms: i64) -> String {
    let m = (ms + 8 * 3600 * 1000).rem_euclid(24 * 3600 * 1000) / 60_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}
