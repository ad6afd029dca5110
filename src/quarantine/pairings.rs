//! Households paired with a contact person (分包联户): a community officer or a branch
//! secretary pairs the households of a grid with a person (a party member, a village
//! representative, a grid worker: any account of the community); each household has at most
//! one current contact person, a person holds many. The contact person logs each day: all
//! well, needs found (→ a need), or not reached.

use serde::Serialize;
use serde_json::json;

use super::{day_of, in_vocab, Vocab};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

pub const OUTCOMES: Vocab = &[
    ("well", "contacted, all well", "已联系，一切正常"),
    ("needs", "needs found", "有需求"),
    ("unreached", "not reached", "未联系上"),
];

/// The current contact person (account id) of a household.
pub async fn contact_of(db: &Db, household: i64) -> AppResult<Option<i64>> {
    Ok(db
        .scalar_opt::<i64>(
            "SELECT account_id FROM pairings WHERE household_id = $1 AND until_ms IS NULL",
            args![household],
        )
        .await?)
}

/// A person who may be a contact person in an area: an account with a scope at or under the
/// area's community, or above it, other than read-only and lab roles.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub display_name: String,
    pub role: String,
}
crate::from_row!(Candidate {
    id,
    display_name,
    role
});

pub async fn candidates(db: &Db, r: &Reader, path: &str) -> AppResult<Vec<Candidate>> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let community = path.get(..12).unwrap_or(path);
    let end = crate::db::path_end(community);
    Ok(db
        .query_as(
            "SELECT DISTINCT a.id, a.display_name, a.role FROM accounts a \
             JOIN account_scopes s ON s.account_id = a.id JOIN areas ar ON ar.id = s.area_id \
             WHERE ar.path >= $1 AND ar.path < $2 AND a.role IN ('grid', 'branch', 'volunteer', 'community') \
             ORDER BY a.display_name, a.id LIMIT 500",
            args![community, end.as_str()],
        )
        .await?)
}

/// Pair households of an area (a grid, or anything in scope) with a contact person: the
/// households not paired yet, in walking order, up to `limit` (0: all). Returns how many.
pub async fn pair_area(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    path: &str,
    account: i64,
    limit: i64,
    now: i64,
) -> AppResult<u64> {
    if !super::can_pair(r) {
        return Err(AppError::Forbidden(Msg::new(
            "households are paired by community officers and branch secretaries",
            "联户由社区干部和支部书记安排",
        )));
    }
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    if !candidates(db, r, path)
        .await?
        .iter()
        .any(|c| c.id == account)
    {
        return Err(FieldError::new(
            "account",
            "choose a person of this community",
            "请选择本社区的人员",
        )
        .into());
    }
    let end = crate::db::path_end(path);
    let limit = if limit <= 0 {
        100_000
    } else {
        limit.min(100_000)
    };
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "INSERT INTO pairings (household_id, account_id, path, since_ms, until_ms, by_login) \
             SELECT h.id, CAST($1 AS BIGINT), h.path, CAST($2 AS BIGINT), NULL, CAST($3 AS TEXT) FROM households h \
             WHERE h.path >= $4 AND h.path < $5 AND NOT EXISTS \
             (SELECT 1 FROM pairings p WHERE p.household_id = h.id AND p.until_ms IS NULL) \
             ORDER BY h.path, h.address, h.id LIMIT $6",
            args![account, now, actor.username.as_str(), path, end.as_str(), limit],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("pairing_made", "pairing", account)
            .area(path)
            .detail(json!({"account": account, "households": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// End a household's pairing (to pair it with someone else).
pub async fn unpair(db: &Db, actor: &Actor, r: &Reader, household: i64, now: i64) -> AppResult<()> {
    if !super::can_pair(r) {
        return Err(AppError::Forbidden(Msg::new(
            "households are paired by community officers and branch secretaries",
            "联户由社区干部和支部书记安排",
        )));
    }
    let path = db
        .scalar_opt::<String>(
            "SELECT path FROM pairings WHERE household_id = $1 AND until_ms IS NULL",
            args![household],
        )
        .await?
        .filter(|p| r.registry_scope().contains(p))
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE pairings SET until_ms = $1 WHERE household_id = $2 AND until_ms IS NULL",
        args![now, household],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("pairing_ended", "household", household).area(&path),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A paired household as a list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    pub household_id: i64,
    pub account_id: i64,
    pub contact: String,
    pub path: String,
    pub address: String,
    pub head: String,
    /// The day of the last contact (none: never).
    pub last_day: Option<i64>,
    pub last_outcome: Option<String>,
}
crate::from_row!(Paired {
    household_id,
    account_id,
    contact,
    path,
    address,
    head,
    last_day,
    last_outcome
});

const PAIRED_SQL: &str = "SELECT p.household_id, p.account_id, a.display_name AS contact, p.path, \
    COALESCE(h.address, '') AS address, COALESCE(r.name, '') AS head, \
    (SELECT MAX(l.day) FROM contact_logs l WHERE l.household_id = p.household_id) AS last_day, \
    (SELECT l.outcome FROM contact_logs l WHERE l.household_id = p.household_id ORDER BY l.id DESC LIMIT 1) AS last_outcome \
    FROM pairings p JOIN accounts a ON a.id = p.account_id LEFT JOIN households h ON h.id = p.household_id \
    LEFT JOIN residents r ON r.id = h.head_id";

/// The current pairings under an area of the reader's scope, in walking order (the printable
/// list).
pub async fn under(db: &Db, r: &Reader, path: &str, limit: i64) -> AppResult<Vec<Paired>> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let end = crate::db::path_end(path);
    Ok(db
        .query_as(
            &format!(
                "{PAIRED_SQL} WHERE p.until_ms IS NULL AND p.path >= $1 AND p.path < $2 \
                 ORDER BY p.path, h.address, p.household_id LIMIT $3"
            ),
            args![path, end.as_str(), limit],
        )
        .await?)
}

/// The households paired with the reader (their own list, whatever their role).
pub async fn mine(db: &Db, account: i64, limit: i64) -> AppResult<Vec<Paired>> {
    Ok(db
        .query_as(
            &format!(
                "{PAIRED_SQL} WHERE p.until_ms IS NULL AND p.account_id = $1 \
                 ORDER BY p.path, h.address, p.household_id LIMIT $2"
            ),
            args![account, limit],
        )
        .await?)
}

/// A contact log entry as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct LogInput {
    pub outcome: String,
    pub note: String,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub id: i64,
    pub replayed: bool,
}

/// Log a contact with a household: by its contact person, or staff in scope.
pub async fn log_contact(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    household: i64,
    f: &LogInput,
    now: i64,
) -> AppResult<Logged> {
    let path = db
        .scalar_opt::<String>(
            "SELECT path FROM households WHERE id = $1",
            args![household],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = contact_of(db, household).await? == Some(r.account_id);
    let staff = super::can_check(r) && r.registry_scope().contains(&path);
    if !mine && !staff {
        return Err(AppError::NotFound);
    }
    // After the scope: a client id answers only inside a household the caller may log.
    let cid = f.client_id.trim();
    if !cid.is_empty() {
        if let Some(id) = db
            .scalar_opt::<i64>(
                "SELECT id FROM contact_logs WHERE client_id = $1 AND household_id = $2",
                args![cid, household],
            )
            .await?
        {
            return Ok(Logged { id, replayed: true });
        }
    }
    if !in_vocab(OUTCOMES, f.outcome.trim()) {
        return Err(
            FieldError::new("outcome", "choose how the contact went", "请选择联系结果").into(),
        );
    }
    if f.note.chars().count() > 500 {
        return Err(FieldError::new("note", "up to 500 characters", "最多 500 字").into());
    }
    let mut tx = db.begin().await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO contact_logs (household_id, account_id, path, day, outcome, note, at_ms, client_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![
                household,
                r.account_id,
                path.as_str(),
                day_of(now),
                f.outcome.trim(),
                f.note.trim(),
                now,
                (!cid.is_empty()).then_some(cid)
            ],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("contact_logged", "household", household)
            .area(&path)
            .detail(json!({"outcome": f.outcome.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(Logged {
        id,
        replayed: false,
    })
}
