//! Accounts, roles, area scope and API tokens.
//!
//! Every query that returns personal data takes a [`Reader`] and filters by its [`Scope`]:
//! the set of subtrees (area paths) the account may see. Outside the scope a record is simply
//! not found, and counts are refused, so nothing leaks, not even a number.

use sha2::{Digest, Sha256};

use crate::args;
use crate::db::{now_ms, path_end, Db, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// Roles, from DESIGN.md. Issue 3 adds passwords and the web; the set is fixed here.
pub const ROLES: &[(&str, &str, &str)] = &[
    ("admin", "system administrator", "系统管理员"),
    ("hq", "HQ commander", "指挥部"),
    ("street", "street/town officer", "街道/乡镇干部"),
    ("community", "community/village officer", "社区/村干部"),
    ("grid", "grid worker", "网格员"),
    ("branch", "branch secretary", "党支部书记"),
    ("volunteer", "volunteer", "志愿者"),
    ("auditor", "auditor (read-only)", "审计员（只读）"),
];

/// The area subtrees an account may see, as path prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub roots: Vec<String>,
}

impl Scope {
    pub fn contains(&self, path: &str) -> bool {
        self.roots.iter().any(|r| path.starts_with(r.as_str()))
    }

    /// A SQL condition restricting `col` to the scope, with parameters numbered from `first`.
    /// An empty scope matches nothing.
    pub fn sql(&self, col: &str, first: usize) -> (String, Vec<Value>) {
        if self.roots.is_empty() {
            return ("1 = 0".into(), vec![]);
        }
        let mut parts = Vec::new();
        let mut params = Vec::new();
        for (i, r) in self.roots.iter().enumerate() {
            let n = first + 2 * i;
            parts.push(format!("({col} >= ${n} AND {col} < ${})", n + 1));
            params.push(Value::from(r.as_str()));
            params.push(Value::from(path_end(r)));
        }
        (format!("({})", parts.join(" OR ")), params)
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Reader {
    pub account_id: i64,
    pub username: String,
    pub role: String,
    pub scope: Scope,
}

impl Reader {
    /// Roles that may read the residents registry. Volunteers see only their own tasks (later
    /// issues) and auditors the audit log.
    pub fn can_read_registry(&self) -> bool {
        !matches!(self.role.as_str(), "volunteer" | "auditor")
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

pub fn hash_token(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("no system randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("wl_{hex}")
}

/// Create an account scoped to the areas with the given codes.
pub async fn create_account(
    db: &Db,
    username: &str,
    display_name: &str,
    role: &str,
    scope_codes: &[String],
) -> AppResult<i64> {
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
    if username.is_empty() || username.len() > 64 {
        return Err(FieldError::new("username", "1–64 characters", "应为 1–64 个字符").into());
    }
    let mut tx = db.begin().await?;
    let mut area_ids = Vec::new();
    for code in scope_codes {
        let row = tx
            .query_opt("SELECT id FROM areas WHERE code = $1", args![code.as_str()])
            .await?;
        match row {
            Some(r) => area_ids.push(r.int(0)),
            None => {
                return Err(FieldError::new(
                    "scope",
                    format!("no area with code {code}"),
                    format!("没有代码为 {code} 的区划"),
                )
                .into())
            }
        }
    }
    let id = match tx
        .query_one(
            "INSERT INTO accounts (username, display_name, role, created_ms) VALUES ($1, $2, $3, $4) RETURNING id",
            args![username, display_name, role, now_ms()],
        )
        .await
    {
        Ok(r) => r.int(0),
        Err(crate::db::DbError::Unique(_)) => {
            return Err(AppError::Conflict(Msg::new(
                format!("the account {username} exists already"),
                format!("账号 {username} 已存在"),
            )))
        }
        Err(e) => return Err(e.into()),
    };
    for a in area_ids {
        tx.execute(
            "INSERT INTO account_scopes (account_id, area_id) VALUES ($1, $2)",
            args![id, a],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Issue a new API token for an account; the token is returned once and stored hashed.
pub async fn create_token(db: &Db, username: &str, label: &str) -> AppResult<String> {
    let acct = db
        .query_opt(
            "SELECT id FROM accounts WHERE username = $1",
            args![username],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let token = random_token();
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO api_tokens (account_id, token_hash, label, created_ms) VALUES ($1, $2, $3, $4)",
        args![acct.int(0), hash_token(&token), label, now_ms()],
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Resolve a bearer token to the reader it belongs to: one query, on every API request.
pub async fn authenticate(db: &Db, token: &str) -> AppResult<Reader> {
    let rows = db
        .query(
            "SELECT a.id, a.username, a.role, ar.path FROM api_tokens t \
             JOIN accounts a ON a.id = t.account_id \
             LEFT JOIN account_scopes s ON s.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = s.area_id \
             WHERE t.token_hash = $1 AND t.revoked_ms IS NULL ORDER BY ar.path",
            args![hash_token(token)],
        )
        .await?;
    let first = rows.first().ok_or(AppError::Unauthorized)?;
    Ok(Reader {
        account_id: first.int(0),
        username: first.string(1),
        role: first.string(2),
        scope: Scope {
            roots: rows.iter().filter_map(|r| r.opt_string(3)).collect(),
        },
    })
}
