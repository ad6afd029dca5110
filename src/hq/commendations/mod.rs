//! Commendations (先进典型, issue 18): street and community officers and branch secretaries
//! propose a volunteer, a team or a temporary party branch in their area with a citation; the
//! record shown with it ([`record`]) is computed from the audited data when it is proposed and
//! stored with it (JSON), never typed. HQ approves or declines (with a reason); the proposer
//! may withdraw it before a decision. Statuses: proposed, approved, declined, withdrawn. A
//! subject has at most one open proposal. Every write is audited; readers see their area only
//! (HQ's scope is the whole response).

pub mod api;
pub mod record;

use serde::{Deserialize, Serialize};
use serde_json::json;

use self::record::Record;
use crate::access::{Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db, DbError};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// Subject kinds: a volunteer, a team (小组) or a temporary party branch.
pub const KINDS: &[&str] = &["volunteer", "team", "branch"];
pub const STATUSES: &[&str] = &["proposed", "approved", "declined", "withdrawn"];

/// Roles that propose (in their scope).
pub fn can_propose(r: &Reader) -> bool {
    matches!(r.role.as_str(), "street" | "community" | "branch")
}

/// HQ decides.
pub fn can_decide(r: &Reader) -> bool {
    r.role == "hq"
}

/// Roles that read commendations (in their scope).
pub fn can_read(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "hq" | "admin" | "street" | "community" | "branch"
    )
}

pub fn scope(r: &Reader) -> Scope {
    if can_read(r) {
        r.scope.clone()
    } else {
        Scope { roots: vec![] }
    }
}

fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "commendations are for HQ, admins, street and community officers and branch secretaries",
            "先进典型仅供指挥部、管理员、街道和社区干部及党支部书记使用",
        )))
    }
}

/// A commendation as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Commendation {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub area_id: i64,
    pub path: String,
    #[serde(skip)]
    pub record: String,
    pub citation: String,
    pub status: String,
    pub proposed_by: String,
    pub proposed_ms: i64,
    pub decided_by: String,
    pub decided_ms: Option<i64>,
    pub reason: String,
    pub client_id: Option<String>,
}
crate::from_row!(Commendation {
    id,
    subject_kind,
    subject_id,
    subject_name,
    area_id,
    path,
    record,
    citation,
    status,
    proposed_by,
    proposed_ms,
    decided_by,
    decided_ms,
    reason,
    client_id
});

const COLS: &str = "c.id, c.subject_kind, c.subject_id, c.subject_name, c.area_id, c.path, \
    c.record, c.citation, c.status, c.proposed_by, c.proposed_ms, c.decided_by, c.decided_ms, \
    c.reason, c.client_id";

impl Commendation {
    pub fn record(&self) -> Record {
        Record::from_json(&self.record)
    }
}

/// A subject an officer may propose: a volunteer, team or branch in their scope.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub area_id: i64,
    pub path: String,
}
crate::from_row!(Subject {
    kind,
    id,
    name,
    area_id,
    path
});

fn subject_sql(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "volunteer" => {
            "SELECT 'volunteer' AS kind, id, name, area_id, path FROM volunteers \
             WHERE status = 'approved'"
        }
        "team" => "SELECT 'team' AS kind, id, name, area_id, path FROM teams WHERE 1 = 1",
        "branch" => {
            "SELECT 'branch' AS kind, id, name, area_id, path FROM branches \
             WHERE kind = 'temporary'"
        }
        _ => return None,
    })
}

/// The subjects of one kind a reader may propose, by name (at most `limit`).
pub async fn subjects(db: &Db, r: &Reader, kind: &str, limit: i64) -> AppResult<Vec<Subject>> {
    let Some(base) = subject_sql(kind) else {
        return Ok(Vec::new());
    };
    let (cond, mut params) = scope(r).sql("path", 1);
    params.push(limit.into());
    let n = params.len();
    Ok(db
        .query_as(
            &format!("{base} AND {cond} ORDER BY name, id LIMIT ${n}"),
            params,
        )
        .await?)
}

/// One subject, when it is in the reader's scope.
pub async fn subject(db: &Db, r: &Reader, kind: &str, id: i64) -> AppResult<Option<Subject>> {
    let Some(base) = subject_sql(kind) else {
        return Ok(None);
    };
    let s: Option<Subject> = db
        .query_opt_as(&format!("{base} AND id = $1"), args![id])
        .await?;
    Ok(s.filter(|s| scope(r).contains(&s.path)))
}

/// A proposal as sent (page form or API).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewCommendation {
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub citation: String,
    pub client_id: String,
}

/// The answer to a proposal: the commendation, and whether it was a retry of one stored.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    pub id: i64,
    pub replayed: bool,
}

const CITATION_MAX: usize = 2000;

fn check_client_id(c: &str) -> Result<(), FieldError> {
    if c.len() > 64
        || !c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            "client_id",
            "the form's id is damaged; reload the page",
            "表单编号已损坏，请刷新页面",
        ));
    }
    Ok(())
}

fn duplicate(name: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "subject",
        format!("{name} already has a proposal waiting for HQ's decision"),
        format!("“{name}”已有待指挥部审定的推荐"),
    )])
}

/// Propose a subject: checked, its record computed, stored and audited. A retry with the same
/// `client_id` by the same account answers the stored one.
pub async fn propose(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &NewCommendation,
) -> AppResult<Proposed> {
    require_read(r)?;
    if !can_propose(r) {
        return Err(AppError::Forbidden(Msg::new(
            "street and community officers and branch secretaries propose commendations",
            "先进典型由街道、社区干部和党支部书记推荐",
        )));
    }
    let client_id = f.client_id.trim();
    let mut errs = Vec::new();
    if let Err(e) = check_client_id(client_id) {
        errs.push(e);
    }
    if !client_id.is_empty() {
        if let Some(id) = db
            .scalar_opt::<i64>(
                "SELECT id FROM hq_commendations WHERE proposed_by = $1 AND client_id = $2",
                args![r.username.as_str(), client_id],
            )
            .await?
        {
            return Ok(Proposed { id, replayed: true });
        }
    }
    if !KINDS.contains(&f.subject_kind.as_str()) {
        errs.push(FieldError::new(
            "subject_kind",
            "choose a volunteer, a team or a temporary branch",
            "请选择志愿者、小组或临时党支部",
        ));
    }
    let citation = f.citation.trim();
    if citation.is_empty() || citation.chars().count() > CITATION_MAX {
        errs.push(FieldError::new(
            "citation",
            "write the citation (up to 2,000 characters)",
            "请填写推荐事迹（不超过 2000 个字符）",
        ));
    }
    let mut subj = None;
    if errs.iter().all(|e| e.field != "subject_kind") {
        match f.subject_id {
            Some(id) => match subject(db, r, &f.subject_kind, id).await? {
                Some(s) => subj = Some(s),
                None => errs.push(FieldError::new(
                    "subject",
                    "choose someone in your area from the list",
                    "请从列表中选择本辖区的推荐对象",
                )),
            },
            None => errs.push(FieldError::new("subject", "required", "必填")),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let s = subj.expect("checked");
    let open = db
        .scalar_opt::<i64>(
            "SELECT id FROM hq_commendations WHERE subject_kind = $1 AND subject_id = $2 \
             AND status = 'proposed'",
            args![s.kind.as_str(), s.id],
        )
        .await?;
    if open.is_some() {
        return Err(duplicate(&s.name));
    }
    let now = now_ms();
    let rec = record::compute(db, &s.kind, s.id, now).await?;
    let mut tx = db.begin().await?;
    let ins = tx
        .query_one(
            "INSERT INTO hq_commendations (subject_kind, subject_id, subject_name, area_id, path, \
             record, citation, status, proposed_by, proposed_ms, client_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', $8, $9, $10) RETURNING id",
            args![
                s.kind.as_str(),
                s.id,
                s.name.as_str(),
                s.area_id,
                s.path.as_str(),
                rec.to_json(),
                citation,
                r.username.as_str(),
                now,
                (!client_id.is_empty()).then(|| client_id.to_owned())
            ],
        )
        .await;
    let id: i64 = match ins {
        Ok(row) => row.get("id")?,
        // Two at once: the open-proposal index, or the same client id sent twice.
        Err(DbError::Unique(_)) => {
            drop(tx);
            if let Some(id) = db
                .scalar_opt::<i64>(
                    "SELECT id FROM hq_commendations WHERE proposed_by = $1 AND client_id = $2",
                    args![r.username.as_str(), client_id],
                )
                .await?
            {
                return Ok(Proposed { id, replayed: true });
            }
            return Err(duplicate(&s.name));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        actor,
        Event::new("commendation_proposed", "commendation", id)
            .area(&s.path)
            .detail(json!({
                "subject_kind": s.kind,
                "subject_id": s.id,
                "subject_name": s.name,
                "citation": citation,
                "record": serde_json::to_value(&rec).unwrap_or_default(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Proposed {
        id,
        replayed: false,
    })
}

/// One commendation in the reader's scope.
pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Commendation> {
    require_read(r)?;
    let c: Option<Commendation> = db
        .query_opt_as(
            &format!("SELECT {COLS} FROM hq_commendations c WHERE c.id = $1"),
            args![id],
        )
        .await?;
    c.filter(|c| scope(r).contains(&c.path))
        .ok_or(AppError::NotFound)
}

/// A list's filter: a status (empty: all), under an area path (empty: the reader's scope),
/// decided within `[from, to)` (approved lists by period).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: String,
    pub under: Option<String>,
    pub decided_from: Option<i64>,
    pub decided_to: Option<i64>,
}

/// Commendations in the reader's scope, newest first (at most `limit`).
pub async fn list(db: &Db, r: &Reader, f: &Filter, limit: i64) -> AppResult<Vec<Commendation>> {
    require_read(r)?;
    let (cond, mut params) = scope(r).sql("c.path", 1);
    let mut sql = format!("SELECT {COLS} FROM hq_commendations c WHERE {cond}");
    let mut push = |sql: &mut String, clause: &str, v: crate::db::Value| {
        params.push(v);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if !f.status.is_empty() {
        push(&mut sql, " AND c.status = ?", f.status.as_str().into());
    }
    if let Some(p) = &f.under {
        push(&mut sql, " AND c.path >= ?", p.as_str().into());
        push(&mut sql, " AND c.path < ?", crate::db::path_end(p).into());
    }
    if let Some(t) = f.decided_from {
        push(&mut sql, " AND c.decided_ms >= ?", t.into());
    }
    if let Some(t) = f.decided_to {
        push(&mut sql, " AND c.decided_ms < ?", t.into());
    }
    push(
        &mut sql,
        " ORDER BY c.proposed_ms DESC, c.id DESC LIMIT ?",
        limit.into(),
    );
    Ok(db.query_as(&sql, params).await?)
}

/// HQ's decision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Decision {
    /// approve or decline.
    pub decision: String,
    pub reason: String,
}

fn not_open() -> AppError {
    AppError::Conflict(Msg::new(
        "this proposal has been decided or withdrawn already",
        "该推荐已审定或已撤回",
    ))
}

/// Set a proposed commendation's status (approved, declined, withdrawn), audited; `Ok(false)`
/// when it had that status already (a retry).
async fn settle(
    db: &Db,
    actor: &Actor,
    c: &Commendation,
    status: &'static str,
    reason: &str,
    action: &'static str,
) -> AppResult<bool> {
    if c.status == status {
        return Ok(false);
    }
    if c.status != "proposed" {
        return Err(not_open());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE hq_commendations SET status = $1, decided_by = $2, decided_ms = $3, \
             reason = $4 WHERE id = $5 AND status = 'proposed'",
            args![status, actor.username.as_str(), now, reason, c.id],
        )
        .await?;
    if n == 0 {
        return Err(not_open());
    }
    audit::record(
        &mut tx,
        actor,
        Event::new(action, "commendation", c.id)
            .area(&c.path)
            .detail(json!({
                "subject_name": c.subject_name,
                "status": status,
                "reason": reason,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// HQ approves or declines (a decline names its reason). A retry of the same decision changes
/// nothing.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    d: &Decision,
) -> AppResult<Commendation> {
    let c = get(db, r, id).await?;
    if !can_decide(r) {
        return Err(AppError::Forbidden(Msg::new(
            "HQ approves or declines commendations",
            "先进典型由指挥部审定",
        )));
    }
    let reason = d.reason.trim();
    let (status, action) = match d.decision.as_str() {
        "approve" => ("approved", "commendation_approved"),
        "decline" => ("declined", "commendation_declined"),
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "decision",
                "approve or decline",
                "请选择批准或不予批准",
            )]))
        }
    };
    if status == "declined" && (reason.is_empty() || reason.chars().count() > 500) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "say why it is declined (up to 500 characters)",
            "请说明不予批准的理由（不超过 500 个字符）",
        )]));
    }
    settle(db, actor, &c, status, reason, action).await?;
    get(db, r, id).await
}

/// The proposer withdraws a proposal before HQ decides.
pub async fn withdraw(db: &Db, actor: &Actor, r: &Reader, id: i64) -> AppResult<Commendation> {
    let c = get(db, r, id).await?;
    if c.proposed_by != r.username {
        return Err(AppError::Forbidden(Msg::new(
            "only the officer who proposed it may withdraw it",
            "只有推荐人可以撤回",
        )));
    }
    settle(db, actor, &c, "withdrawn", "", "commendation_withdrawn").await?;
    get(db, r, id).await
}
