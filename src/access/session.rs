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
        .scalar::<Option<String>>(
            "SELECT MIN(ar.path) AS path FROM account_scopes sc JOIN areas ar ON ar.id = sc.area_id \
             WHERE sc.account_id = $1",
            args![account_id],
        )
        .await?
        .unwrap_or_default())
}

fn window(now: i64) -> i64 {
    now - now % WINDOW_MS
}

/// An attempt (a password, a code, the current password on the change form) counted before
/// it is checked, so that parallel guesses cannot all be checked: the address's count and the
/// account's count are raised by conditional updates first, and only an attempt that got a
/// place under both limits reaches the (slow) hash check. A right answer gives its places
/// back; a wrong one keeps them.
pub struct Attempt {
    ip: String,
    window_ms: i64,
    /// The account and this attempt's place in its count (1 = the first since the last
    /// success or lock).
    account: Option<(i64, i64)>,
}

/// Why an attempt was refused before any check.
#[derive(Debug)]
pub enum Refused {
    /// The address has used up its failures in this window.
    Throttled,
    /// The account is locked (or its last places are taken by attempts being checked).
    Locked { until_ms: i64 },
}

/// Take a place in the address's count for this window, or be refused.
async fn reserve_ip(db: &Db, ip: &str, now: i64) -> AppResult<Option<Attempt>> {
    let w = window(now);
    let mut tx = db.begin().await?;
    // The upsert raises the count only while it is under the limit; at the limit it changes
    // nothing and returns no row. One statement, so two requests cannot both take the last place.
    let got = tx
        .query_opt(
            "INSERT INTO login_failures (ip, window_ms, failures) VALUES ($1, $2, 1) \
             ON CONFLICT (ip, window_ms) DO UPDATE SET failures = login_failures.failures + 1 \
             WHERE login_failures.failures < $3 RETURNING failures",
            args![ip, w, IP_FAILURES],
        )
        .await?;
    tx.execute(
        "DELETE FROM login_failures WHERE window_ms < $1",
        args![w - WINDOW_MS],
    )
    .await?;
    tx.commit().await?;
    Ok(got.map(|_| Attempt {
        ip: ip.to_owned(),
        window_ms: w,
        account: None,
    }))
}

/// Give the address's place back (the attempt was right, or was refused unchecked).
async fn release_ip(db: &Db, a: &Attempt) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE login_failures SET failures = failures - 1 \
         WHERE ip = $1 AND window_ms = $2 AND failures > 0",
        args![a.ip.as_str(), a.window_ms],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Take a place in the account's count, unless it is locked or its places are all taken.
async fn reserve_account(
    db: &Db,
    a: &mut Attempt,
    account_id: i64,
    now: i64,
) -> AppResult<Result<(), i64>> {
    let mut tx = db.begin().await?;
    let got = tx
        .scalar_opt::<i64>(
            "UPDATE accounts SET failed_logins = failed_logins + 1 \
             WHERE id = $1 AND failed_logins < $2 AND locked_until_ms <= $3 \
             RETURNING failed_logins",
            args![account_id, MAX_FAILURES, now],
        )
        .await?;
    let out = match got {
        Some(n) => {
            a.account = Some((account_id, n));
            Ok(())
        }
        None => {
            let until = tx
                .scalar_opt::<i64>(
                    "SELECT locked_until_ms FROM accounts WHERE id = $1",
                    args![account_id],
                )
                .await?
                .unwrap_or(0);
            // Not locked yet: the last places are held by attempts being checked, which will
            // lock it if they are wrong.
            Err(if until > now { until } else { now + LOCK_MS })
        }
    };
    tx.commit().await?;
    Ok(out)
}

/// Count an attempt at a password or code of `account_id` from `ip`: refused (and not to be
/// checked) when the address or the account is over its limit.
pub async fn begin_attempt(
    db: &Db,
    account_id: i64,
    ip: &str,
) -> AppResult<Result<Attempt, Refused>> {
    let now = now_ms();
    let Some(mut a) = reserve_ip(db, ip, now).await? else {
        return Ok(Err(Refused::Throttled));
    };
    match reserve_account(db, &mut a, account_id, now).await? {
        Ok(()) => Ok(Ok(a)),
        Err(until_ms) => {
            release_ip(db, &a).await?;
            Ok(Err(Refused::Locked { until_ms }))
        }
    }
}

/// The attempt was right: within `tx`, clear the account's count of this attempt and those
/// before it (attempts that started after it stay counted), unless wrong attempts locked the
/// account in the meantime. Returns false when it is locked now.
async fn settle_right(tx: &mut crate::db::Tx, a: &Attempt, now: i64) -> AppResult<bool> {
    let Some((id, place)) = a.account else {
        return Ok(true);
    };
    Ok(tx
        .query_opt(
            "UPDATE accounts SET failed_logins = CASE WHEN failed_logins > $2 \
             THEN failed_logins - $2 ELSE 0 END WHERE id = $1 AND locked_until_ms <= $3 RETURNING id",
            args![id, place, now],
        )
        .await?
        .is_some())
}

/// Verify a password off the async threads (Argon2 takes tens of milliseconds of CPU).
pub async fn verify_password(hash: Option<String>, pw: &str) -> bool {
    let pw = pw.to_owned();
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => password::verify(&h, &pw),
        None => {
            // Same work as a real check, so timing does not reveal which names exist.
            password::verify(password::dummy_hash(), &pw);
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn actor(account_id: Option<i64>, username: &str, ip: &str) -> Actor {
    Actor {
        account_id,
        username: username.to_owned(),
        ip: ip.to_owned(),
    }
}

/// A wrong password or code: the attempt keeps its places; the account locks when its count
/// is full; audited. Returns the lock's end when this failure locked the account.
pub async fn fail(db: &Db, a: &Attempt, username: &str, why: &str) -> AppResult<Option<i64>> {
    let Some((account_id, _)) = a.account else {
        return Ok(None);
    };
    let area = account_area(db, account_id).await?;
    let now = now_ms();
    let until = now + LOCK_MS;
    let mut tx = db.begin().await?;
    // The count already holds this attempt; whoever finds it full locks the account.
    let locked = tx
        .query_opt(
            "UPDATE accounts SET failed_logins = 0, locked_until_ms = $1 \
             WHERE id = $2 AND failed_logins >= $3 RETURNING id",
            args![until, account_id, MAX_FAILURES],
        )
        .await?
        .map(|_| until);
    audit::record(
        &mut tx,
        &actor(Some(account_id), username, &a.ip),
        Event::new("login_failed", "account", account_id)
            .area(&area)
            .detail(json!({"reason": why, "locked_until_ms": locked})),
    )
    .await?;
    tx.commit().await?;
    Ok(locked)
}

/// The attempt was right: give its places back. False when the account was locked by other
/// attempts while this one was checked (then it must not succeed).
pub async fn succeed(db: &Db, a: &Attempt) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let ok = settle_right(&mut tx, a, now_ms()).await?;
    tx.commit().await?;
    release_ip(db, a).await?;
    Ok(ok)
}

/// Check a user name and password; on success open a session.
/// What signing in reads of an account.
struct LoginRow {
    id: i64,
    password_hash: Option<String>,
    totp_enabled: i64,
    disabled_ms: Option<i64>,
    role: String,
    /// The first area of its scope.
    area: Option<String>,
}
crate::from_row!(LoginRow {
    id,
    password_hash,
    totp_enabled,
    disabled_ms,
    role,
    area
});

pub async fn login(db: &Db, username: &str, pw: &str, ip: &str) -> AppResult<Login> {
    let now = now_ms();
    let Some(mut attempt) = reserve_ip(db, ip, now).await? else {
        return Ok(Login::Throttled);
    };
    let username = username.trim();
    let row = db
        .query_opt_as::<LoginRow>(
            "SELECT a.id, a.password_hash, a.totp_enabled, a.disabled_ms, a.role, \
             (SELECT MIN(ar.path) FROM account_scopes sc JOIN areas ar ON ar.id = sc.area_id \
              WHERE sc.account_id = a.id) AS area FROM accounts a WHERE a.username = $1",
            args![username],
        )
        .await?;
    let Some(row) = row.filter(|r| r.disabled_ms.is_none()) else {
        verify_password(None, pw).await;
        audit::record_now(
            db,
            &actor(None, username, ip),
            Event::new("login_failed", "account", "")
                .detail(json!({"reason": "unknown or disabled account"})),
        )
        .await?;
        return Ok(Login::Invalid);
    };
    let id = row.id;
    // Events about an account are filed under its first area, so that auditors of that area
    // see them.
    let area = row.area.unwrap_or_default();
    let area = area.as_str();
    let locked = |until_ms: i64| async move {
        audit::record_now(
            db,
            &actor(Some(id), username, ip),
            Event::new("login_failed", "account", id)
                .area(area)
                .detail(json!({"reason": "locked"})),
        )
        .await?;
        AppResult::Ok(Login::Locked { until_ms })
    };
    if let Err(until_ms) = reserve_account(db, &mut attempt, id, now).await? {
        release_ip(db, &attempt).await?;
        return locked(until_ms).await;
    }
    if !verify_password(row.password_hash, pw).await {
        return Ok(
            match fail(db, &attempt, username, "wrong password").await? {
                Some(until_ms) => Login::Locked { until_ms },
                None => Login::Invalid,
            },
        );
    }
    let needs_second = row.totp_enabled != 0 || row.role == "admin";
    let token = random_hex(32);
    let now = now_ms();
    let mut tx = db.begin().await?;
    if !settle_right(&mut tx, &attempt, now).await? {
        // Wrong guesses checked beside this one locked the account first.
        tx.commit().await?;
        release_ip(db, &attempt).await?;
        let until = db
            .scalar::<i64>(
                "SELECT locked_until_ms FROM accounts WHERE id = $1",
                args![id],
            )
            .await?;
        return locked(until).await;
    }
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
            .area(area)
            .detail(json!({"second_factor_due": needs_second})),
    )
    .await?;
    tx.commit().await?;
    release_ip(db, &attempt).await?;
    Ok(Login::Ok {
        token,
        verified: !needs_second,
    })
}

/// One row of a live session with one of its account's areas.
struct SessionRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    csrf: String,
    verified: i64,
    totp_enabled: i64,
    lang: Option<String>,
    path: Option<String>,
}
crate::from_row!(SessionRow {
    id,
    username,
    display_name,
    role,
    csrf,
    verified,
    totp_enabled,
    lang,
    path
});

/// The session for a cookie token, if it is live: one query.
pub async fn lookup(db: &Db, token: &str) -> AppResult<Option<Session>> {
    let rows = db
        .query_as::<SessionRow>(
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
            account_id: first.id,
            username: first.username.clone(),
            display_name: first.display_name.clone(),
            role: first.role.clone(),
            scope: Scope {
                roots: rows.iter().filter_map(|r| r.path.clone()).collect(),
            },
        },
        csrf: first.csrf.clone(),
        verified: first.verified != 0,
        totp_enabled: first.totp_enabled != 0,
        lang: first.lang.clone(),
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

fn locked_error(until_ms: i64) -> AppError {
    let minutes = ((until_ms - now_ms()).max(0) + 59_999) / 60_000;
    AppError::TooMany(Msg::new(
        format!("too many wrong attempts: the account is locked for {minutes} more minutes"),
        format!("错误次数过多：账号已锁定，{minutes} 分钟后再试"),
    ))
}

fn throttled_error() -> AppError {
    AppError::TooMany(Msg::new(
        "too many failed attempts from this address; try again later",
        "该地址失败次数过多，请稍后再试",
    ))
}

impl Refused {
    pub fn error(&self) -> AppError {
        match self {
            Refused::Throttled => throttled_error(),
            Refused::Locked { until_ms } => locked_error(*until_ms),
        }
    }
}

async fn end_session(db: &Db, token: &str) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM sessions WHERE token_hash = $1",
        args![hash_token(token)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct TotpState {
    totp_secret: Option<String>,
    totp_last_step: i64,
}
crate::from_row!(TotpState {
    totp_secret,
    totp_last_step
});

/// Complete a half-open session with a TOTP code. The code is an attempt like a password:
/// counted before it is checked.
pub async fn second_factor(
    db: &Db,
    token: &str,
    s: &Session,
    code: &str,
    ip: &str,
) -> AppResult<()> {
    let attempt = match begin_attempt(db, s.reader.account_id, ip).await? {
        Ok(a) => a,
        Err(refused) => {
            if matches!(refused, Refused::Locked { .. }) {
                end_session(db, token).await?;
            }
            return Err(refused.error());
        }
    };
    let r = db
        .query_one_as::<TotpState>(
            "SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1",
            args![s.reader.account_id],
        )
        .await?;
    let secret = r.totp_secret.unwrap_or_default();
    // A code is good once: a step at or before the last one accepted is a replay.
    let step =
        totp::matching_step(&secret, code, now_ms()).filter(|&st| st as i64 > r.totp_last_step);
    let Some(step) = step.filter(|_| s.totp_enabled) else {
        let locked = fail(db, &attempt, &s.reader.username, "wrong code").await?;
        if locked.is_some() {
            // The account is now locked: this half-open session goes too.
            end_session(db, token).await?;
        }
        return Err(bad_code());
    };
    let mut tx = db.begin().await?;
    if !settle_right(&mut tx, &attempt, now_ms()).await? {
        tx.commit().await?;
        release_ip(db, &attempt).await?;
        end_session(db, token).await?;
        return Err(bad_code());
    }
    tx.execute(
        "UPDATE sessions SET verified = 1 WHERE token_hash = $1",
        args![hash_token(token)],
    )
    .await?;
    tx.execute(
        "UPDATE accounts SET totp_last_step = $1 WHERE id = $2",
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
    release_ip(db, &attempt).await?;
    Ok(())
}

/// Check the current password of a signed-in account (the password-change form): counted
/// with the sign-in attempts, so a stolen session cannot guess it at leisure. `Ok(Ok(()))`
/// when right; `Ok(Err(locked))` when wrong, with whether this failure (or an earlier one)
/// locked the account, in which case the session `token` has been ended.
pub async fn check_current_password(
    db: &Db,
    token: &str,
    s: &Session,
    pw: &str,
    ip: &str,
) -> AppResult<Result<(), bool>> {
    let attempt = match begin_attempt(db, s.reader.account_id, ip).await? {
        Ok(a) => a,
        Err(Refused::Locked { .. }) => {
            end_session(db, token).await?;
            return Ok(Err(true));
        }
        Err(r @ Refused::Throttled) => return Err(r.error()),
    };
    let hash = db
        .scalar::<Option<String>>(
            "SELECT password_hash FROM accounts WHERE id = $1",
            args![s.reader.account_id],
        )
        .await?;
    if !verify_password(hash, pw).await {
        let locked = fail(db, &attempt, &s.reader.username, "wrong current password").await?;
        if locked.is_some() {
            end_session(db, token).await?;
        }
        return Ok(Err(locked.is_some()));
    }
    if !succeed(db, &attempt).await? {
        end_session(db, token).await?;
        return Ok(Err(true));
    }
    Ok(Ok(()))
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

struct Pending {
    totp_secret: Option<String>,
    totp_enabled: i64,
}
crate::from_row!(Pending {
    totp_secret,
    totp_enabled
});

/// The pending secret of an account that has not finished enrolment.
pub async fn pending_secret(db: &Db, account_id: i64) -> AppResult<Option<String>> {
    let r = db
        .query_one_as::<Pending>(
            "SELECT totp_secret, totp_enabled FROM accounts WHERE id = $1",
            args![account_id],
        )
        .await?;
    Ok(if r.totp_enabled == 0 {
        r.totp_secret
    } else {
        None
    })
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
