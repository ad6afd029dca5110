//! Sign-in and sessions for the web pages. Sessions live in the database, so any node serves
//! any request; the cookie carries a random token of which only the SHA-256 is stored.
//!
//! Guessing is slowed twice: an account is locked for [`LOCK_MS`] after [`MAX_FAILURES`] wrong
//! passwords (or codes) in a row, and an address that fails more than [`IP_FAILURES`] times in a
//! window of [`WINDOW_MS`] is refused for the rest of that window, whichever accounts it tries.

use serde_json::json;

use super::{hash_token, password, random_hex, totp, Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

pub const SESSION_MS: i64 = 12 * 3600 * 1000;
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MS: i64 = 15 * 60 * 1000;
pub const IP_FAILURES: i64 = 30;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// A signed-in (or half signed-in) browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub reader: Reader,
    pub csrf: String,
    /// False while a second factor is owed (a code, or enrolment for an administrator).
    pub verified: bool,
    pub totp_enabled: bool,
    pub lang: Option<String>,
}

impl Session {
    pub fn actor(&self, ip: &str) -> Actor {
        Actor {
            account_id: Some(self.reader.account_id),
            username: self.reader.username.clone(),
            ip: ip.to_owned(),
        }
    }
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum Login {
    /// Signed in; `verified` is false when a TOTP code (or enrolment) comes next.
    Ok {
        token: String,
        verified: bool,
    },
    Invalid,
    Locked {
        until_ms: i64,
    },
    Throttled,
}

/// The first area of an account's scope: where events about the account are filed.
pub async fn account_area(db: &Db, account_id: i64) -> AppResult<String> {
    Ok(db
        .query_one(
            "SELECT MIN(ar.path) FROM account_scopes sc JOIN areas ar ON ar.id = sc.area_id \
             WHERE sc.account_id = $1",
            args![account_id],
        )
        .await?
        .opt_string(0)
        .unwrap_or_default())
}

fn window(now: i64) -> i64 {
    now - now % WINDOW_MS
}

async fn note_ip_failure(db: &Db, ip: &str, now: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO login_failures (ip, window_ms, failures) VALUES ($1, $2, 1) \
         ON CONFLICT (ip, window_ms) DO UPDATE SET failures = login_failures.failures + 1",
        args![ip, window(now)],
    )
    .await?;
    tx.execute(
        "DELETE FROM login_failures WHERE window_ms < $1",
        args![window(now) - WINDOW_MS],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn ip_throttled(db: &Db, ip: &str, now: i64) -> AppResult<bool> {
    let r = db
        .query_opt(
            "SELECT failures FROM login_failures WHERE ip = $1 AND window_ms = $2",
            args![ip, window(now)],
        )
        .await?;
    Ok(r.is_some_and(|r| r.int(0) >= IP_FAILURES))
}

fn actor(account_id: Option<i64>, username: &str, ip: &str) -> Actor {
    Actor {
        account_id,
        username: username.to_owned(),
        ip: ip.to_owned(),
    }
}

/// A wrong password or code: count it against the account (locking it at the limit) and the
/// address, and audit it. Returns the lock's end when this failure locked the account.
async fn fail(
    db: &Db,
    account_id: i64,
    username: &str,
    ip: &str,
    why: &str,
) -> AppResult<Option<i64>> {
    let area = account_area(db, account_id).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let r = tx
        .query_one(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            args![account_id],
        )
        .await?;
    let mut locked = None;
    if r.int(0) >= MAX_FAILURES {
        let until = now + LOCK_MS;
        tx.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until_ms = $1 WHERE id = $2",
            args![until, account_id],
        )
        .await?;
        locked = Some(until);
    }
    audit::record(
        &mut tx,
        &actor(Some(account_id), username, ip),
        Event::new("login_failed", "account", account_id)
            .area(&area)
            .detail(json!({"reason": why, "locked_until_ms": locked})),
    )
    .await?;
    tx.commit().await?;
    note_ip_failure(db, ip, now).await?;
    Ok(locked)
}

/// Check a user name and password; on success open a session.
pub async fn login(db: &Db, username: &str, pw: &str, ip: &str) -> AppResult<Login> {
    let now = now_ms();
    if ip_throttled(db, ip, now).await? {
        return Ok(Login::Throttled);
    }
    let username = username.trim();
    let row = db
        .query_opt(
            "SELECT a.id, a.password_hash, a.totp_enabled, a.locked_until_ms, a.disabled_ms, a.role, \
             (SELECT MIN(ar.path) FROM account_scopes sc JOIN areas ar ON ar.id = sc.area_id \
              WHERE sc.account_id = a.id) FROM accounts a WHERE a.username = $1",
            args![username],
        )
        .await?;
    let Some(row) = row.filter(|r| r.opt_int(4).is_none()) else {
        // Same work as a real check, so timing does not reveal which names exist.
        password::verify(password::dummy_hash(), pw);
        note_ip_failure(db, ip, now).await?;
        audit::record_now(
            db,
            &actor(None, username, ip),
            Event::new("login_failed", "account", "")
                .detail(json!({"reason": "unknown or disabled account"})),
        )
        .await?;
        return Ok(Login::Invalid);
    };
    let id = row.int(0);
    // Events about an account are filed under its first area, so that auditors of that area
    // see them.
    let area = row.opt_string(6).unwrap_or_default();
    if row.int(3) > now {
        audit::record_now(
            db,
            &actor(Some(id), username, ip),
            Event::new("login_failed", "account", id)
                .area(&area)
                .detail(json!({"reason": "locked"})),
        )
        .await?;
        return Ok(Login::Locked {
            until_ms: row.int(3),
        });
    }
    let ok = row.opt_text(1).is_some_and(|h| password::verify(h, pw));
    if !ok {
        return Ok(match fail(db, id, username, ip, "wrong password").await? {
            Some(until_ms) => Login::Locked { until_ms },
            None => Login::Invalid,
        });
    }
    let needs_second = row.int(2) != 0 || row.text(5) == "admin";
    let token = random_hex(32);
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE accounts SET failed_logins = 0 WHERE id = $1",
        args![id],
    )
    .await?;
    tx.execute(
        "INSERT INTO sessions (token_hash, account_id, csrf, created_ms, expires_ms, verified, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            hash_token(&token),
            id,
            random_hex(16),
            now,
            now + SESSION_MS,
            (!needs_second) as i64,
            ip
        ],
    )
    .await?;
    // Expired sessions of this account go when it signs in again.
    tx.execute(
        "DELETE FROM sessions WHERE account_id = $1 AND expires_ms < $2",
        args![id, now],
    )
    .await?;
    audit::record(
        &mut tx,
        &actor(Some(id), username, ip),
        Event::new("login", "account", id)
            .area(&area)
            .detail(json!({"second_factor_due": needs_second})),
    )
    .await?;
    tx.commit().await?;
    Ok(Login::Ok {
        token,
        verified: !needs_second,
    })
}

/// The session for a cookie token, if it is live: one query.
pub async fn lookup(db: &Db, token: &str) -> AppResult<Option<Session>> {
    let rows = db
        .query(
            "SELECT a.id, a.username, a.display_name, a.role, s.csrf, s.verified, a.totp_enabled, \
             a.lang, ar.path FROM sessions s JOIN accounts a ON a.id = s.account_id \
             LEFT JOIN account_scopes sc ON sc.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = sc.area_id \
             WHERE s.token_hash = $1 AND s.expires_ms > $2 AND a.disabled_ms IS NULL \
             ORDER BY ar.path",
            args![hash_token(token), now_ms()],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Session {
        reader: Reader {
            account_id: first.int(0),
            username: first.string(1),
            display_name: first.string(2),
            role: first.string(3),
            scope: Scope {
                roots: rows.iter().filter_map(|r| r.opt_string(8)).collect(),
            },
        },
        csrf: first.string(4),
        verified: first.int(5) != 0,
        totp_enabled: first.int(6) != 0,
        lang: first.opt_string(7),
    }))
}

pub async fn logout(db: &Db, token: &str, actor: &Actor, area: &str) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM sessions WHERE token_hash = $1",
        args![hash_token(token)],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("logout", "account", actor.account_id.unwrap_or_default()).area(area),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn bad_code() -> AppError {
    AppError::BadRequest(Msg::new(
        "that code is not right; check your authenticator's clock and try the current code",
        "验证码不正确；请核对身份验证器的时间后输入当前的验证码",
    ))
}

/// Complete a half-open session with a TOTP code.
pub async fn second_factor(
    db: &Db,
    token: &str,
    s: &Session,
    code: &str,
    ip: &str,
) -> AppResult<()> {
    let r = db
        .query_one(
            "SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1",
            args![s.reader.account_id],
        )
        .await?;
    let secret = r.opt_string(0).unwrap_or_default();
    // A code is good once: a step at or before the last one accepted is a replay.
    let step = totp::matching_step(&secret, code, now_ms()).filter(|&st| st as i64 > r.int(1));
    let Some(step) = step.filter(|_| s.totp_enabled) else {
        let locked = fail(
            db,
            s.reader.account_id,
            &s.reader.username,
            ip,
            "wrong code",
        )
        .await?;
        if locked.is_some() {
            // The account is now locked: this half-open session goes too.
            let mut tx = db.begin().await?;
            tx.execute(
                "DELETE FROM sessions WHERE token_hash = $1",
                args![hash_token(token)],
            )
            .await?;
            tx.commit().await?;
        }
        return Err(bad_code());
    };
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE sessions SET verified = 1 WHERE token_hash = $1",
        args![hash_token(token)],
    )
    .await?;
    tx.execute(
        "UPDATE accounts SET failed_logins = 0, totp_last_step = $1 WHERE id = $2",
        args![step as i64, s.reader.account_id],
    )
    .await?;
    audit::record(
        &mut tx,
        &s.actor(ip),
        Event::new("login_second_factor", "account", s.reader.account_id)
            .area(s.reader.scope.roots.first().map_or("", |p| p.as_str())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Start TOTP enrolment: a new secret, stored but not yet in force. Returns it (base32).
pub async fn begin_enrolment(db: &Db, account_id: i64) -> AppResult<String> {
    let secret = totp::new_secret();
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE accounts SET totp_secret = $1 WHERE id = $2 AND totp_enabled = 0",
        args![secret.as_str(), account_id],
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// The key to show an account that is enrolling: the pending one, or a new one.
pub async fn enrolment_secret(db: &Db, account_id: i64) -> AppResult<String> {
    match pending_secret(db, account_id).await? {
        Some(s) => Ok(s),
        None => begin_enrolment(db, account_id).await,
    }
}

/// The pending secret of an account that has not finished enrolment.
pub async fn pending_secret(db: &Db, account_id: i64) -> AppResult<Option<String>> {
    let r = db
        .query_one(
            "SELECT totp_secret, totp_enabled FROM accounts WHERE id = $1",
            args![account_id],
        )
        .await?;
    Ok(if r.int(1) == 0 { r.opt_string(0) } else { None })
}

/// Finish enrolment with the first code from the app: the factor is now required, and this
/// session counts as verified.
pub async fn finish_enrolment(
    db: &Db,
    token: &str,
    s: &Session,
    code: &str,
    ip: &str,
) -> AppResult<()> {
    let secret = pending_secret(db, s.reader.account_id)
        .await?
        .ok_or_else(bad_code)?;
    let Some(step) = totp::matching_step(&secret, code, now_ms()) else {
        return Err(bad_code());
    };
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE accounts SET totp_enabled = 1, totp_last_step = $1 WHERE id = $2",
        args![step as i64, s.reader.account_id],
    )
    .await?;
    tx.execute(
        "UPDATE sessions SET verified = 1 WHERE token_hash = $1",
        args![hash_token(token)],
    )
    .await?;
    audit::record(
        &mut tx,
        &s.actor(ip),
        Event::new("totp_enrol", "account", s.reader.account_id)
            .area(s.reader.scope.roots.first().map_or("", |p| p.as_str())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
