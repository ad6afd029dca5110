//! Volunteers: the screening steps (applied → approved or rejected; withdrawn; suspended and
//! reinstated), each recorded with who and why, units, and the pool with its filters. The
//! public sign-up and its links live in [`super::signup`] and are re-exported here.

use serde::Serialize;
use serde_json::json;

use super::{require_manager, require_reader};
use crate::access::{self, Reader};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, DbResult, FromRow, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

pub use super::signup::{
    by_ref, close_link, create_link, link_by_token, links, sign_up, withdraw_by_ref, Link, Parsed,
    Receipt, SignUp, RATE_ATTEMPTS, RATE_PER_CLIENT, RATE_PER_LINK, RATE_WINDOW_MS,
};

#[derive(Debug, Clone, Serialize)]
pub struct Volunteer {
    pub id: i64,
    pub ref_code: String,
    pub path: String,
    pub home_path: String,
    pub resident_id: Option<i64>,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub unit_id: Option<i64>,
    pub unit: String,
    pub political: String,
    pub skills: String,
    pub skills_note: String,
    pub days: i64,
    pub from_min: i64,
    pub to_min: i64,
    pub avail_from: Option<String>,
    pub avail_to: Option<String>,
    pub health_ok: bool,
    pub health_note: String,
    pub wants_account: bool,
    pub account_id: Option<i64>,
    pub status: String,
    pub status_reason: String,
    pub created_ms: i64,
}

pub const COLS: &str = "v.id, v.ref_code, v.path, v.home_path, v.resident_id, v.name, v.doc_type, \
    v.doc_number, v.phone, v.unit_id, COALESCE(u.name, v.unit_text) AS unit, v.political, v.skills, \
    v.skills_note, v.days, v.from_min, v.to_min, v.avail_from, v.avail_to, v.health_ok, \
    v.health_note, v.wants_account, v.account_id, v.status, v.status_reason, v.created_ms";
pub const FROM: &str = "volunteers v LEFT JOIN units u ON u.id = v.unit_id";

crate::from_row!(Volunteer {
    id,
    ref_code,
    path,
    home_path,
    resident_id,
    name,
    doc_type,
    doc_number,
    phone,
    unit_id,
    unit,
    political,
    skills,
    skills_note,
    days,
    from_min,
    to_min,
    avail_from,
    avail_to,
    health_ok,
    health_note,
    wants_account,
    account_id,
    status,
    status_reason,
    created_ms,
});

impl Volunteer {
    pub fn availability(&self) -> super::rules::Availability {
        super::availability_of(
            self.days,
            self.from_min,
            self.to_min,
            self.avail_from.as_deref(),
            self.avail_to.as_deref(),
        )
    }
}

pub(super) fn too_long(field: &'static str, max: usize) -> FieldError {
    FieldError::new(
        field,
        format!("at most {max} characters"),
        format!("最多 {max} 个字符"),
    )
}

/// The allowed screening steps.
pub fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("applied", "approved" | "rejected" | "withdrawn")
            | ("approved", "suspended" | "withdrawn")
            | ("suspended", "approved" | "withdrawn")
            | ("rejected", "applied")
    )
}

/// A volunteer within the reader's scope.
pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Volunteer> {
    require_reader(r)?;
    let (cond, mut params) = r.registry_scope().sql("v.path", 2);
    params.insert(0, Value::from(id));
    db.query_opt_as(
        &format!("SELECT {COLS} FROM {FROM} WHERE v.id = $1 AND {cond}"),
        params,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// The volunteer record of an account (a volunteer's own).
pub async fn of_account(db: &Db, account_id: i64) -> AppResult<Option<Volunteer>> {
    Ok(db
        .query_opt_as(
            &format!(
                "SELECT {COLS} FROM {FROM} WHERE v.account_id = $1 ORDER BY v.id DESC LIMIT 1"
            ),
            args![account_id],
        )
        .await?)
}

/// One screening step by an officer. Rejecting and suspending need a reason. Approving someone
/// who asked for an account creates a volunteer account and returns its one-time password, to
/// hand over (shown once, never stored in clear).
pub async fn screen(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    to: &str,
    reason: &str,
) -> AppResult<Option<(String, String)>> {
    require_manager(r)?;
    get(db, r, id).await?;
    transition(db, actor, id, to, reason, Some(r)).await
}

pub(super) async fn transition(
    db: &Db,
    actor: &Actor,
    id: i64,
    to: &str,
    reason: &str,
    officer: Option<&Reader>,
) -> AppResult<Option<(String, String)>> {
    let reason = reason.trim();
    if matches!(to, "rejected" | "suspended") && reason.is_empty() {
        return Err(FieldError::new(
            "reason",
            "give the reason (the volunteer is told it)",
            "请填写理由（将告知志愿者）",
        )
        .into());
    }
    if reason.chars().count() > 300 {
        return Err(too_long("reason", 300).into());
    }
    let mut tx = db.begin().await?;
    let v: Volunteer = tx
        .query_one_as(
            &format!("SELECT {COLS} FROM {FROM} WHERE v.id = $1"),
            args![id],
        )
        .await?;
    if !allowed(&v.status, to) {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "a volunteer who is {} cannot become {}",
                super::label(super::STATUSES, &v.status, crate::i18n::Lang::En),
                super::label(super::STATUSES, to, crate::i18n::Lang::En)
            ),
            format!(
                "状态为“{}”的志愿者不能改为“{}”",
                super::label(super::STATUSES, &v.status, crate::i18n::Lang::Zh),
                super::label(super::STATUSES, to, crate::i18n::Lang::Zh)
            ),
        )));
    }
    let now = now_ms();
    let mut login = None;
    let mut account_id = v.account_id;
    if to == "approved" && v.wants_account && v.account_id.is_none() {
        let code: String = tx
            .scalar(
                "SELECT code FROM areas WHERE path = $1",
                args![v.path.as_str()],
            )
            .await?;
        // The name carries no personal data (it shows in the audit log and the accounts
        // list): the volunteer's record number, or with a random tail if an administrator
        // took that name already.
        let mut username = account_name(v.id);
        while tx
            .query_opt(
                "SELECT id FROM accounts WHERE username = $1",
                args![username.as_str()],
            )
            .await?
            .is_some()
        {
            username = format!("{}-{}", account_name(v.id), access::random_hex(2));
        }
        let password = format!("{}-{}", access::random_hex(4), access::random_hex(4));
        let aid = access::create_account_in(
            &mut tx,
            actor,
            &access::NewAccount {
                username: &username,
                display_name: &v.name,
                role: "volunteer",
                scope_codes: &[code],
                password: Some(&password),
            },
        )
        .await?;
        account_id = Some(aid);
        login = Some((username, password));
    }
    // A suspended or withdrawn volunteer's account stops working; reinstating restores it.
    if let Some(aid) = v.account_id {
        if matches!(to, "suspended" | "withdrawn") {
            tx.execute(
                "UPDATE accounts SET disabled_ms = $1 WHERE id = $2",
                args![now, aid],
            )
            .await?;
            tx.execute("DELETE FROM sessions WHERE account_id = $1", args![aid])
                .await?;
            // Its API tokens end for good: reinstating restores the account, not the tokens.
            access::revoke_all_tokens_in(&mut tx, aid).await?;
        } else if to == "approved" {
            tx.execute(
                "UPDATE accounts SET disabled_ms = NULL WHERE id = $1",
                args![aid],
            )
            .await?;
        }
    }
    tx.execute(
        "UPDATE volunteers SET status = $1, status_reason = $2, account_id = $3, updated_ms = $4 WHERE id = $5",
        args![to, reason, account_id, now, id],
    )
    .await?;
    tx.execute(
        "INSERT INTO volunteer_events (volunteer_id, at_ms, actor, from_status, to_status, reason) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![id, now, actor.username.as_str(), v.status.as_str(), to, reason],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("volunteer_status", "volunteer", id)
            .area(&v.path)
            .detail(json!({"from": v.status, "to": to, "reason": reason, "by_officer": officer.is_some()})),
    )
    .await?;
    if v.status == "applied" {
        super::notify::decided(&mut tx, id, account_id, &v.path, to, now).await?;
    }
    tx.commit().await?;
    if matches!(to, "suspended" | "withdrawn") {
        access::clear_token_cache();
    }
    Ok(login)
}

/// The account name given to an approved volunteer: `v` and their record number (never their
/// phone number, which names used to carry).
pub fn account_name(volunteer_id: i64) -> String {
    format!("v{volunteer_id:06}")
}

/// A screening step as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub at_ms: i64,
    pub actor: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

crate::from_row!(Step {
    at_ms,
    actor,
    from,
    to,
    reason
});

pub async fn history(db: &Db, r: &Reader, id: i64) -> AppResult<Vec<Step>> {
    get(db, r, id).await?;
    Ok(db
        .query_as(
            "SELECT at_ms, actor, from_status AS \"from\", to_status AS \"to\", reason \
             FROM volunteer_events WHERE volunteer_id = $1 ORDER BY id",
            args![id],
        )
        .await?)
}

/// Filters of the pool.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub skill: Option<String>,
    pub unit: Option<i64>,
    /// Available on this date (YYYY-MM-DD).
    pub available_on: Option<String>,
    /// Name prefix.
    pub q: Option<String>,
    /// Within this area (path); the reader's scope applies anyway.
    pub path: Option<String>,
    /// This mobile number exactly.
    pub phone: Option<String>,
}

/// The pool within the reader's scope, filtered; at most `limit`.
pub async fn list(db: &Db, r: &Reader, f: &Filter, limit: i64) -> AppResult<Vec<Volunteer>> {
    require_reader(r)?;
    let (cond, mut params) = r.registry_scope().sql("v.path", 1);
    let mut sql = format!("SELECT {COLS} FROM {FROM} WHERE {cond}");
    let mut push = |clause: &str, v: Value, sql: &mut String| {
        params.push(v);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(s) = &f.status {
        push(" AND v.status = ?", Value::from(s.as_str()), &mut sql);
    }
    if let Some(u) = f.unit {
        push(" AND v.unit_id = ?", Value::from(u), &mut sql);
    }
    if let Some(p) = &f.phone {
        push(" AND v.phone = ?", Value::from(p.as_str()), &mut sql);
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        push(" AND v.name >= ?", Value::from(q), &mut sql);
        push(" AND v.name < ?", Value::from(path_end(q)), &mut sql);
    }
    if let Some(p) = &f.path {
        push(" AND v.path >= ?", Value::from(p.as_str()), &mut sql);
        push(" AND v.path < ?", Value::from(path_end(p)), &mut sql);
    }
    sql.push_str(" ORDER BY v.id DESC");
    let rows = db.query(&sql, params).await?;
    let day = f.available_on.as_deref().and_then(super::rules::day_number);
    let mut out = Vec::new();
    for row in rows {
        let v = Volunteer::from_row(&row)?;
        if let Some(s) = &f.skill {
            if !v.skills.split_whitespace().any(|x| x == s) {
                continue;
            }
        }
        if let Some(d) = day {
            let a = v.availability();
            let open_that_day = a.days & (1 << super::rules::weekday(d)) != 0
                && a.first_day.is_none_or(|f| f <= d)
                && a.last_day.is_none_or(|l| l >= d);
            if !open_that_day {
                continue;
            }
        }
        out.push(v);
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// Units, by name.
pub async fn units(db: &Db) -> AppResult<Vec<(i64, String)>> {
    Ok(db
        .query("SELECT id, name FROM units ORDER BY name", vec![])
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("name")?)))
        .collect::<DbResult<_>>()?)
}

pub async fn add_unit(db: &Db, actor: &Actor, r: &Reader, name: &str) -> AppResult<i64> {
    require_manager(r)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("unit", "1 to 100 characters", "1 至 100 个字符").into());
    }
    let mut tx = db.begin().await?;
    let id: i64 = match tx
        .scalar(
            "INSERT INTO units (name, created_ms) VALUES ($1, $2) RETURNING id",
            args![name, now_ms()],
        )
        .await
    {
        Ok(id) => id,
        Err(crate::db::DbError::Unique(_)) => {
            return Err(AppError::Conflict(Msg::new(
                format!("the unit {name} exists already"),
                format!("单位“{name}”已存在"),
            )))
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        actor,
        Event::new("unit_create", "unit", id).detail(json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Counts of the pool by status within the reader's scope (for the screening queue's header).
pub async fn status_counts(db: &Db, r: &Reader) -> AppResult<Vec<(String, i64)>> {
    require_reader(r)?;
    let (cond, params) = r.registry_scope().sql("path", 1);
    Ok(db
        .query(
            &format!("SELECT status, COUNT(*) AS n FROM volunteers WHERE {cond} GROUP BY status"),
            params,
        )
        .await?
        .iter()
        .map(|r| Ok((r.get("status")?, r.get("n")?)))
        .collect::<DbResult<_>>()?)
}

/// An approved volunteer to choose from (a need's dispatch form).
pub struct Approved {
    pub id: i64,
    pub name: String,
    pub phone: String,
}
crate::from_row!(Approved { id, name, phone });

/// The approved volunteers of an area and below (by path), by name, at most `limit`.
pub async fn approved_under(db: &Db, path: &str, limit: i64) -> AppResult<Vec<Approved>> {
    Ok(db
        .query_as::<Approved>(
            "SELECT id, name, phone FROM volunteers WHERE status = 'approved' AND path >= $1 AND path < $2 ORDER BY name LIMIT $3",
            args![path, path_end(path), limit],
        )
        .await?)
}
