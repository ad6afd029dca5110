//! Delivery: the senders (an HTTP webhook, or the log for development) and the loop that
//! takes due messages from the outbox, asks again, applies the rules and sends.
//!
//! The webhook is a JSON POST with `X-Wardline-Signature: sha256=<hex>`, the HMAC-SHA256 of
//! the body under the configured secret, so a gateway (SMS, chat) can tell it came from here.
//! The project has no HTTP client among its dependencies (axum's hyper is built server-only),
//! and one POST of a small body is all that is needed: a minimal HTTP/1.1 client over a tokio
//! `TcpStream` below, `http://` only (put the gateway on the same host or network, or behind
//! a local TLS-terminating proxy). A 2xx answer is success; anything else, a refused or timed
//! out connection included, is retried with exponential backoff until the last attempt.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::rules;
use crate::args;
use crate::db::Db;
use crate::error::AppResult;

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// Written to the server log (development; the default).
    Log,
    /// POSTed as JSON to `url` (`http://host:port/path`), signed with `secret`.
    Webhook { url: String, secret: String },
}

/// The notification settings (`[notify]` in the configuration file).
#[derive(Debug, Clone)]
pub struct Settings {
    pub sender: Sender,
    /// Non-urgent messages one person gets in a China day at most; more are skipped.
    pub daily_cap: i64,
    /// Tries of one message before it is `failed`.
    pub max_attempts: i64,
    /// The wait after the first failed try; doubled after each next one (at most an hour).
    pub backoff_ms: i64,
    /// How often the loop looks for due messages.
    pub interval_ms: i64,
}

pub const DEFAULT_DAILY_CAP: i64 = 20;
pub const DEFAULT_MAX_ATTEMPTS: i64 = 6;
pub const DEFAULT_BACKOFF_MS: i64 = 30_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sender: Sender::Log,
            daily_cap: DEFAULT_DAILY_CAP,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff_ms: DEFAULT_BACKOFF_MS,
            interval_ms: 15_000,
        }
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub sent: u64,
    /// Failed this time, to be tried again.
    pub retried: u64,
    /// Failed for the last time.
    pub failed: u64,
    pub skipped: u64,
    /// Held by quiet hours.
    pub held: u64,
}

struct Due {
    id: i64,
    account_id: i64,
    username: String,
    kind: String,
    urgent: bool,
    link: String,
    lang: String,
    body: String,
    recheck: String,
    attempts: i64,
    created_ms: i64,
    next_ms: i64,
}
crate::from_row!(Due {
    id,
    account_id,
    username,
    kind,
    urgent,
    link,
    lang,
    body,
    recheck,
    attempts,
    created_ms,
    next_ms
});

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key");
    m.update(body);
    format!("sha256={}", crate::hex::hex(&m.finalize().into_bytes()))
}

/// The webhook's JSON body of a message.
fn payload(d: &Due) -> serde_json::Value {
    json!({
        "id": d.id,
        "account_id": d.account_id,
        "username": d.username,
        "kind": d.kind,
        "urgent": d.urgent,
        "lang": d.lang,
        "text": d.body,
        "link": d.link,
        "created_ms": d.created_ms,
        "attempt": d.attempts + 1,
    })
}

/// How long a claimed message is left to the node that claimed it before another may send it.
pub const CLAIM_LEASE_MS: i64 = 5 * 60 * 1000;

/// One pass at `now`: up to 200 due messages, oldest first.
pub async fn deliver(db: &Db, s: &Settings, now: i64) -> AppResult<Tally> {
    let due = db
        .query_as::<Due>(
            "SELECT o.id, o.account_id, a.username, o.kind, o.urgent, o.link, o.lang, o.body, \
             o.recheck, o.attempts, o.created_ms, o.next_ms \
             FROM notify_outbox o JOIN accounts a ON a.id = o.account_id \
             WHERE o.state = 'queued' AND o.next_ms <= $1 ORDER BY o.next_ms, o.id LIMIT 200",
            args![now],
        )
        .await?;
    let mut t = Tally::default();
    for d in due {
        // Claim the message first: the sender runs on every app node, and another node may
        // have read the same row. Moving `next_ms` on from the value read is a compare-and-set
        // only one node wins; the lease also brings the message back if this node stops before
        // recording the outcome (sent at least once; the payload's `id` lets a receiver drop a
        // repeat).
        let mut tx = db.begin().await?;
        let claimed = tx
            .execute(
                "UPDATE notify_outbox SET next_ms = $2 WHERE id = $1 AND state = 'queued' \
                 AND next_ms = $3",
                args![d.id, now + CLAIM_LEASE_MS, d.next_ms],
            )
            .await?;
        tx.commit().await?;
        if claimed == 0 {
            continue;
        }
        // The condition again: a reminder of a need done meanwhile does not go.
        if let Some(reason) = super::recheck::ask(db, &d.recheck).await? {
            finish(db, d.id, "skipped", reason, None).await?;
            t.skipped += 1;
            continue;
        }
        if !d.urgent && rules::is_quiet(now) {
            let mut tx = db.begin().await?;
            tx.execute(
                "UPDATE notify_outbox SET next_ms = $2 WHERE id = $1 AND state = 'queued'",
                args![d.id, rules::quiet_ends(now)],
            )
            .await?;
            tx.commit().await?;
            t.held += 1;
            continue;
        }
        if !d.urgent {
            let today: i64 = db
                .scalar(
                    "SELECT COUNT(*) FROM notify_outbox WHERE account_id = $1 AND urgent = 0 \
                     AND state = 'sent' AND sent_ms >= $2",
                    args![d.account_id, rules::china_day_start(now)],
                )
                .await?;
            if today >= s.daily_cap {
                finish(db, d.id, "skipped", "daily_cap", None).await?;
                t.skipped += 1;
                continue;
            }
        }
        match send_one(&s.sender, &d).await {
            Ok(()) => {
                finish(db, d.id, "sent", "", Some(now)).await?;
                t.sent += 1;
            }
            Err(why) => {
                let attempts = d.attempts + 1;
                let mut tx = db.begin().await?;
                if attempts >= s.max_attempts {
                    tx.execute(
                        "UPDATE notify_outbox SET state = 'failed', reason = $2, attempts = $3 \
                         WHERE id = $1",
                        args![d.id, cut(&why), attempts],
                    )
                    .await?;
                    t.failed += 1;
                } else {
                    tx.execute(
                        "UPDATE notify_outbox SET reason = $2, attempts = $3, next_ms = $4 \
                         WHERE id = $1",
                        args![
                            d.id,
                            cut(&why),
                            attempts,
                            now + rules::backoff(s.backoff_ms, attempts)
                        ],
                    )
                    .await?;
                    t.retried += 1;
                }
                tx.commit().await?;
                tracing::warn!(
                    "notification {} not delivered (try {attempts}): {why}",
                    d.id
                );
            }
        }
    }
    Ok(t)
}

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

async fn finish(
    db: &Db,
    id: i64,
    state: &str,
    reason: &str,
    sent_ms: Option<i64>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE notify_outbox SET state = $2, reason = $3, sent_ms = $4, \
         attempts = attempts + $5 WHERE id = $1",
        args![id, state, reason, sent_ms, i64::from(sent_ms.is_some())],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn send_one(sender: &Sender, d: &Due) -> Result<(), String> {
    match sender {
        Sender::Log => {
            tracing::info!(
                "notification {} to {} ({}{}): {} {}",
                d.id,
                d.username,
                d.kind,
                if d.urgent { ", urgent" } else { "" },
                d.body,
                d.link
            );
            Ok(())
        }
        Sender::Webhook { url, secret } => {
            let body = serde_json::to_vec(&payload(d)).map_err(|e| e.to_string())?;
            let sig = signature(secret, &body);
            let status = tokio::time::timeout(Duration::from_secs(10), post(url, &sig, &body))
                .await
                .map_err(|_| "timed out".to_string())??;
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(format!("the webhook answered {status}"))
            }
        }
    }
}

/// Split `http://host[:port][/path]`.
pub fn parse_http_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("the webhook URL must start with http:// ({url})"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() {
        return Err(format!("the webhook URL has no host ({url})"));
    }
    let addr = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:80")
    };
    Ok((addr, path.to_owned()))
}

/// POST `body` to `url` and return the answer's status code.
async fn post(url: &str, sig: &str, body: &[u8]) -> Result<u16, String> {
    let (addr, path) = parse_http_url(url)?;
    let host = addr.trim_end_matches(":80");
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nX-Wardline-Signature: {sig}\r\nUser-Agent: wardline\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    // The status line is all we need; read until it is whole (or the answer ends).
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') && buf.len() < 4096 {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    let line = line.lines().next().unwrap_or_default();
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .filter(|_| line.starts_with("HTTP/1."))
        .ok_or_else(|| format!("not an HTTP answer: {:?}", cut(line)))
}

/// The loop of a server: a pass every `interval_ms`.
pub async fn run(db: Db, s: Settings) {
    loop {
        match deliver(&db, &s, crate::db::now_ms()).await {
            Ok(t) if t != Tally::default() => tracing::info!("notifications: {t:?}"),
            Ok(_) => {}
            Err(e) => tracing::warn!("notification pass failed: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(s.interval_ms.max(100) as u64)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_signatures() {
        assert_eq!(
            parse_http_url("http://127.0.0.1:9000/hook").unwrap(),
            ("127.0.0.1:9000".into(), "/hook".into())
        );
        assert_eq!(
            parse_http_url("http://gw").unwrap(),
            ("gw:80".into(), "/".into())
        );
        assert!(parse_http_url("https://gw/x").is_err());
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
