//! Accounts, roles, area scope and API tokens.
//!
//! Every query that returns personal data takes a [`Reader`] and filters by its [`Scope`]:
//! the set of subtrees (area paths) the account may see. Outside the scope a record is simply
//! not found, and counts are refused, so nothing leaks, not even a number.

pub mod pages;
pub mod password;
pub mod retention;
pub mod session;
pub mod settings;
pub mod totp;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::args;
use crate::db::{now_ms, Db, Value};
use crate::error::{AppError, AppResult, FieldError};
pub use crate::hex::hex;
use crate::i18n::Msg;
pub use crate::scope::Scope;

/// Roles, from DESIGN.md: (code, English, Chinese).
pub const ROLES: &[(&str, &str, &str)] = &[
    ("admin", "system administrator", "系统管理员"),
    ("hq", "HQ commander", "指挥部"),
    ("street", "street/town officer", "街道/乡镇干部"),
    ("community", "community/village officer", "社区/村干部"),
    ("grid", "grid worker", "网格员"),
    ("branch", "branch secretary", "党支部书记"),
    ("volunteer", "volunteer", "志愿者"),
    ("auditor", "auditor (read-only)", "审计员（只读）"),
    ("collector", "sampling collector", "采样人员"),
    ("lab", "testing lab", "检测机构"),
    ("medic", "community medic", "社区医生"),
    ("keeper", "warehouse keeper", "仓库管理员"),
];

/// The name of a role in a language.
pub fn role_name(role: &str, lang: crate::i18n::Lang) -> &str {
    ROLES
        .iter()
        .find(|r| r.0 == role)
        .map(|r| match lang {
            crate::i18n::Lang::Zh => r.2,
            crate::i18n::Lang::En => r.1,
        })
        .unwrap_or(role)
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Reader {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: Scope,
}

impl Reader {
    /// Roles that register households and residents and correct them.
    pub fn can_write_registry(&self) -> bool {
        matches!(
            self.role.as_str(),
            "admin" | "street" | "community" | "grid"
        )
    }

    /// Roles that may see a full ID number or phone number, with a stated reason ("break the
    /// glass"). Branch secretaries and administrators see the masked registry only.
    pub fn can_reveal(&self) -> bool {
        matches!(self.role.as_str(), "hq" | "street" | "community" | "grid")
    }

    /// Staff who call residents from their lists (missing people, follow-ups): one tap shows
    /// that phone number alone, recorded in the audit log, with no reason typed.
    pub fn can_call(&self) -> bool {
        self.can_reveal() || self.role == "branch"
    }

    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }

    /// Administrators and auditors read the audit log (within their scope).
    pub fn can_read_audit(&self) -> bool {
        matches!(self.role.as_str(), "admin" | "auditor")
    }

    /// Roles that may read the residents registry. Volunteers see only their own tasks,
    /// auditors the audit log, collectors a masked name to confirm whom they sample, labs
    /// tubes and their results.
    pub fn can_read_registry(&self) -> bool {
        matches!(
            self.role.as_str(),
            "admin" | "hq" | "street" | "community" | "grid" | "branch"
        )
    }

    /// The scope to filter personal data by: empty when the role may not read it at all.
    pub fn registry_scope(&self) -> Scope {
        if self.can_read_registry() {
            self.scope.clone()
        } else {
            Scope { roots: vec![] }
        }
    }
}

/// Record one request of a public form from `client` in `table` (columns `ip_hash`, `at_ms`)
/// and count that client's requests within the last `window_ms`. The address is kept only as
/// a salted hash (returned, for callers that store it with what the request made); rows older
/// than a day go as new ones arrive. Committed before the caller checks anything else, so
/// refused requests count too.
pub async fn count_attempt(
    db: &Db,
    table: &'static str,
    client: &str,
    now: i64,
    window_ms: i64,
) -> crate::error::AppResult<(String, i64)> {
    let salt = settings::qr_secret(db).await?;
    let ip_hash = hash_token(&format!("{salt}:{client}"))[..16].to_owned();
    let mut tx = db.begin().await?;
    tx.execute(
        &format!("DELETE FROM {table} WHERE at_ms < $1"),
        crate::args![now - 86_400_000],
    )
    .await?;
    tx.execute(
        &format!("INSERT INTO {table} (ip_hash, at_ms) VALUES ($1, $2)"),
        crate::args![ip_hash.as_str(), now],
    )
    .await?;
    let n = tx
        .scalar::<i64>(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE ip_hash = $1 AND at_ms > $2"),
            crate::args![ip_hash.as_str(), now - window_ms],
        )
        .await?;
    tx.commit().await?;
    Ok((ip_hash, n))
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("no system randomness");
    hex(&bytes)
}

fn random_token() -> String {
    format!("wl_{}", random_hex(32))
}

/// The path of the area with this code, for granting it as a scope (an account's scope
/// references the area tree; granting reads it here so that the account pages stay below
/// the registry).
pub async fn scope_area_path(db: &Db, code: &str) -> AppResult<Option<String>> {
    Ok(db
        .scalar_opt("SELECT path FROM areas WHERE code = $1", args![code])
        .await?)
}

/// Create an account scoped to the areas with the given codes.
pub async fn create_account(
    db: &Db,
    username: &str,
    display_name: &str,
    role: &str,
    scope_codes: &[String],
) -> AppResult<i64> {
    create_account_as(
        db,
        &crate::audit::Actor::cli(),
        &NewAccount {
            username,
            display_name,
            role,
            scope_codes,
            password: None,
        },
    )
    .await
}

/// An account to create.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub scope_codes: &'a [String],
    /// Checked against the policy and stored as an Argon2id hash; none for token-only accounts.
    pub password: Option<&'a str>,
}

/// Create an account, audited as `actor`'s doing.
pub async fn create_account_as(
    db: &Db,
    actor: &crate::audit::Actor,
    a: &NewAccount<'_>,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = create_account_in(&mut tx, actor, a).await?;
    tx.commit().await?;
    Ok(id)
}

struct IdPath {
    id: i64,
    path: String,
}
crate::from_row!(IdPath { id, path });

/// Create an account within a transaction (checked and audited as [`create_account_as`]).
pub async fn create_account_in(
    tx: &mut crate::db::Tx,
    actor: &crate::audit::Actor,
    a: &NewAccount<'_>,
) -> AppResult<i64> {
    let NewAccount {
        username,
        display_name,
        role,
        scope_codes,
        password: pw,
    } = *a;
    if !ROLES.iter().any(|(r, _, _)| *r == role) {
        let list: Vec<&str> = ROLES.iter().map(|r| r.0).collect();
        return Err(FieldError::new(
            "role",
            format!("unknown role {role:?}; use one of {}", list.join(", ")),
            format!("未知角色“{role}”，可用：{}", list.join("、")),
        )
        .into());
    }
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.@".contains(c))
    {
        return Err(FieldError::new(
            "username",
            "1–64 letters, digits or - _ . @",
            "应为 1–64 个字母、数字或 - _ . @",
        )
        .into());
    }
    if scope_codes.is_empty() {
        return Err(FieldError::new(
            "scope",
            "give at least one area the account works in",
            "至少指定一个管辖区划",
        )
        .into());
    }
    let hash = match pw {
        Some(p) => {
            password::check_policy(p)?;
            Some(password::hash(p))
        }
        None => None,
    };
    let mut area_ids = Vec::new();
    for code in scope_codes {
        let row = tx
            .query_opt_as::<IdPath>(
                "SELECT id, path FROM areas WHERE code = $1",
                args![code.as_str()],
            )
            .await?;
        match row {
            Some(r) => area_ids.push((r.id, r.path)),
            None => {
                return Err(FieldError::new(
                    "scope",
                    format!(
                        "no area with code {code} (load the division codes first: wardline areas import)"
                    ),
                    format!("没有代码为 {code} 的区划（请先导入区划代码：wardline areas import）"),
                )
                .into())
            }
        }
    }
    let id = match tx
        .scalar::<i64>(
            "INSERT INTO accounts (username, display_name, role, created_ms, password_hash) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![username, display_name, role, now_ms(), hash],
        )
        .await
    {
        Ok(id) => id,
        Err(crate::db::DbError::Unique(_)) => {
            return Err(AppError::Conflict(Msg::new(
                format!("the account {username} exists already"),
                format!("账号 {username} 已存在"),
            )))
        }
        Err(e) => return Err(e.into()),
    };
    for (a, _) in &area_ids {
        tx.execute(
            "INSERT INTO account_scopes (account_id, area_id) VALUES ($1, $2)",
            args![id, *a],
        )
        .await?;
    }
    let area = area_ids
        .iter()
        .map(|(_, p)| p.as_str())
        .min()
        .unwrap_or_default()
        .to_owned();
    crate::audit::record(
        tx,
        actor,
        crate::audit::Event::new("account_create", "account", id)
            .area(&area)
            .detail(serde_json::json!({
                "new": {"username": username, "display_name": display_name, "role": role,
                        "scope": scope_codes}
            })),
    )
    .await?;
    Ok(id)
}

/// Set a new password (by an administrator, or the account holder), audited.
pub async fn set_password(
    db: &Db,
    actor: &crate::audit::Actor,
    account_id: i64,
    pw: &str,
) -> AppResult<()> {
    password::check_policy(pw)?;
    let h = password::hash(pw);
    let area = session::account_area(db, account_id).await?;
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until_ms = 0 WHERE id = $2",
            args![h, account_id],
        )
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    // Other sessions of the account end, and its API tokens: a changed password shuts out
    // whoever had the old one, or a token made with it.
    tx.execute(
        "DELETE FROM sessions WHERE account_id = $1",
        args![account_id],
    )
    .await?;
    let revoked = revoke_all_tokens_in(&mut tx, account_id).await?;
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Event::new("password_set", "account", account_id)
            .area(&area)
            .detail(serde_json::json!({"sessions_ended": true, "tokens_revoked": revoked})),
    )
    .await?;
    tx.commit().await?;
    clear_token_cache();
    Ok(())
}

/// Revoke every live API token of an account, for good (a password change, disabling the
/// account): re-enabling the account does not bring them back. Returns how many.
pub async fn revoke_all_tokens_in(tx: &mut crate::db::Tx, account_id: i64) -> AppResult<u64> {
    Ok(tx
        .execute(
            "UPDATE api_tokens SET revoked_ms = $1 WHERE account_id = $2 AND revoked_ms IS NULL",
            args![now_ms(), account_id],
        )
        .await?)
}

/// An account as the administrators' list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: Vec<String>,
    pub totp_enabled: bool,
    pub locked_until_ms: i64,
    pub disabled: bool,
}

/// Accounts whose scope lies within `scope` (an administrator manages only accounts inside
/// their own scope), in user-name order, keyset-paged by user name.
pub async fn list_accounts(
    db: &Db,
    scope: &Scope,
    after: &str,
    limit: i64,
) -> AppResult<Vec<AccountView>> {
    let (inside, mut params) = scope.sql("x.path", 3);
    params.insert(0, Value::from(after));
    params.insert(1, Value::Int(limit));
    // An account is listed when it has areas and none of them lies outside the scope.
    let sql = format!(
        "SELECT a.id FROM accounts a WHERE a.username > $1 \
         AND EXISTS (SELECT 1 FROM account_scopes s WHERE s.account_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM account_scopes s JOIN areas x ON x.id = s.area_id \
                         WHERE s.account_id = a.id AND NOT {inside}) \
         ORDER BY a.username LIMIT $2"
    );
    let ids = db.column::<i64>(&sql, params).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(account(db, scope, id).await?);
    }
    Ok(out)
}

/// One account by id, if it lies within `scope`.
/// One row of an account with one of its areas (none: NULLs).
struct AccountRow {
    username: String,
    display_name: String,
    role: String,
    totp_enabled: i64,
    locked_until_ms: i64,
    disabled_ms: Option<i64>,
    code: Option<String>,
    path: Option<String>,
}
crate::from_row!(AccountRow {
    username,
    display_name,
    role,
    totp_enabled,
    locked_until_ms,
    disabled_ms,
    code,
    path
});

pub async fn account(db: &Db, scope: &Scope, id: i64) -> AppResult<AccountView> {
    let rows = db
        .query_as::<AccountRow>(
            "SELECT a.id, a.username, a.display_name, a.role, a.totp_enabled, a.locked_until_ms, \
             a.disabled_ms, ar.code, ar.path FROM accounts a \
             LEFT JOIN account_scopes s ON s.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = s.area_id WHERE a.id = $1 ORDER BY ar.code",
            args![id],
        )
        .await?;
    let first = rows.first().ok_or(AppError::NotFound)?;
    // Every area of the account must lie within the administrator's scope.
    let inside = rows
        .iter()
        .all(|r| r.path.as_deref().is_some_and(|p| scope.contains(p)));
    if !inside {
        return Err(AppError::NotFound);
    }
    Ok(AccountView {
        id,
        username: first.username.clone(),
        display_name: first.display_name.clone(),
        role: first.role.clone(),
        scope: rows.iter().filter_map(|r| r.code.clone()).collect(),
        totp_enabled: first.totp_enabled != 0,
        locked_until_ms: first.locked_until_ms,
        disabled: first.disabled_ms.is_some(),
    })
}

/// Disable or re-enable an account; disabling ends its sessions and revokes its tokens for
/// good (re-enabling does not revive them: the holder makes new ones).
pub async fn set_disabled(
    db: &Db,
    actor: &crate::audit::Actor,
    account_id: i64,
    disabled: bool,
) -> AppResult<()> {
    let area = session::account_area(db, account_id).await?;
    let mut tx = db.begin().await?;
    let when = if disabled { Some(now_ms()) } else { None };
    tx.execute(
        "UPDATE accounts SET disabled_ms = $1, failed_logins = 0, locked_until_ms = 0 WHERE id = $2",
        args![when, account_id],
    )
    .await?;
    let mut revoked = 0;
    if disabled {
        tx.execute(
            "DELETE FROM sessions WHERE account_id = $1",
            args![account_id],
        )
        .await?;
        revoked = revoke_all_tokens_in(&mut tx, account_id).await?;
    }
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Event::new(
            if disabled {
                "account_disable"
            } else {
                "account_enable"
            },
            "account",
            account_id,
        )
        .area(&area)
        .detail(serde_json::json!({"tokens_revoked": revoked})),
    )
    .await?;
    tx.commit().await?;
    clear_token_cache();
    Ok(())
}

/// Issue a new API token for an account; the token is returned once and stored hashed.
pub async fn create_token(db: &Db, username: &str, label: &str) -> AppResult<String> {
    let acct = db
        .scalar_opt::<i64>(
            "SELECT id FROM accounts WHERE username = $1",
            args![username],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    create_token_for(db, &crate::audit::Actor::cli(), acct, label).await
}

/// Issue a token for account `account_id`, audited as `actor`'s doing.
pub async fn create_token_for(
    db: &Db,
    actor: &crate::audit::Actor,
    account_id: i64,
    label: &str,
) -> AppResult<String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(FieldError::new(
            "label",
            "say what the token is for (1–80 characters), e.g. the device",
            "请写明令牌的用途（1–80 个字符），例如设备名称",
        )
        .into());
    }
    let token = random_token();
    let area = session::account_area(db, account_id).await?;
    let mut tx = db.begin().await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO api_tokens (account_id, token_hash, label, created_ms) VALUES ($1, $2, $3, $4) RETURNING id",
            args![account_id, hash_token(&token), label, now_ms()],
        )
        .await?;
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Event::new("token_create", "api_token", id)
            .area(&area)
            .detail(serde_json::json!({"account_id": account_id, "label": label})),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub label: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}
crate::from_row!(TokenView {
    id,
    label,
    created_ms,
    revoked_ms
});

/// The tokens of an account, newest first (never the tokens themselves: only their hashes are
/// kept).
pub async fn tokens(db: &Db, account_id: i64) -> AppResult<Vec<TokenView>> {
    Ok(db
        .query_as::<TokenView>(
            "SELECT id, label, created_ms, revoked_ms FROM api_tokens WHERE account_id = $1 \
             ORDER BY id DESC LIMIT 100",
            args![account_id],
        )
        .await?)
}

/// Revoke one of an account's tokens; another account's token is not found.
pub async fn revoke_token(
    db: &Db,
    actor: &crate::audit::Actor,
    account_id: i64,
    token_id: i64,
) -> AppResult<()> {
    let area = session::account_area(db, account_id).await?;
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND account_id = $3 AND revoked_ms IS NULL",
            args![now_ms(), token_id, account_id],
        )
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Event::new("token_revoke", "api_token", token_id).area(&area),
    )
    .await?;
    tx.commit().await?;
    clear_token_cache();
    Ok(())
}

/// How long a resolved token is trusted without asking the database again. Revoking a token
/// or disabling an account clears this node's cache at once; other nodes of a cluster notice
/// within this time.
pub const TOKEN_CACHE_MS: u64 = 5_000;

type TokenCache = std::sync::Mutex<std::collections::HashMap<String, (Reader, std::time::Instant)>>;

/// Resolved tokens by hash. Keyed by the token's hash alone: tokens are 256-bit random, so one
/// process serving several databases (tests) cannot confuse them.
fn token_cache() -> &'static TokenCache {
    static CACHE: std::sync::OnceLock<TokenCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Forget every resolved token (after a revocation, or an account disabled).
pub fn clear_token_cache() {
    token_cache().lock().expect("token cache poisoned").clear();
}

/// Resolve a bearer token to the reader it belongs to. Devices send thousands of requests a
/// second at the peak of a testing round, so a resolved token is kept for
/// [`TOKEN_CACHE_MS`]; otherwise one query.
pub async fn authenticate(db: &Db, token: &str) -> AppResult<Reader> {
    let hash = hash_token(token);
    let ttl = std::time::Duration::from_millis(TOKEN_CACHE_MS);
    if let Some((r, at)) = token_cache()
        .lock()
        .expect("token cache poisoned")
        .get(&hash)
    {
        if at.elapsed() < ttl {
            return Ok(r.clone());
        }
    }
    let r = authenticate_uncached(db, &hash).await?;
    let mut cache = token_cache().lock().expect("token cache poisoned");
    if cache.len() > 100_000 {
        cache.retain(|_, (_, at)| at.elapsed() < ttl);
    }
    cache.insert(hash, (r.clone(), std::time::Instant::now()));
    Ok(r)
}

/// One row of a token's account with one of its areas.
struct TokenReader {
    id: i64,
    username: String,
    role: String,
    path: Option<String>,
    display_name: String,
}
crate::from_row!(TokenReader {
    id,
    username,
    role,
    path,
    display_name
});

async fn authenticate_uncached(db: &Db, hash: &str) -> AppResult<Reader> {
    let rows = db
        .query_as::<TokenReader>(
            "SELECT a.id, a.username, a.role, ar.path, a.display_name FROM api_tokens t \
             JOIN accounts a ON a.id = t.account_id \
             LEFT JOIN account_scopes s ON s.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = s.area_id \
             WHERE t.token_hash = $1 AND t.revoked_ms IS NULL AND a.disabled_ms IS NULL \
             ORDER BY ar.path",
            args![hash],
        )
        .await?;
    let first = rows.first().ok_or(AppError::Unauthorized)?;
    Ok(Reader {
        account_id: first.id,
        username: first.username.clone(),
        display_name: first.display_name.clone(),
        role: first.role.clone(),
        scope: Scope {
            roots: rows.iter().filter_map(|r| r.path.clone()).collect(),
        },
    })
}

/// An account's name as people know it.
struct NameOf {
    username: String,
    display_name: String,
}
crate::from_row!(NameOf {
    username,
    display_name
});

/// People's names for login names, for histories and logs that record who acted (pages show
/// "王芳", not "demo-grid"). A login name with no account (removed, or a system actor such as
/// the household link) is absent from the map; the caller decides what to show for it.
pub async fn display_names(
    db: &Db,
    usernames: &[&str],
) -> AppResult<std::collections::HashMap<String, String>> {
    let mut wanted: Vec<&str> = usernames.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = std::collections::HashMap::new();
    for chunk in wanted.chunks(200) {
        let sql = format!(
            "SELECT username, display_name FROM accounts WHERE username IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        let args: Vec<Value> = chunk.iter().map(|u| Value::from(*u)).collect();
        let rows: Vec<NameOf> = db.query_as(&sql, args).await?;
        for r in rows {
            let name = if r.display_name.trim().is_empty() {
                r.username.clone()
            } else {
                r.display_name
            };
            out.insert(r.username, name);
        }
    }
    Ok(out)
}
