//! Party branches (standing, and temporary ones at a community, compound, checkpoint, site or
//! online) with their secretary and members, founded and dissolved; and teams (小组) inside a
//! community or a branch.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::volunteers;
use super::{
    in_vocab, require_manager, require_reader, BRANCH_ATTACH, BRANCH_KINDS, BRANCH_ROLES,
    TEAM_KINDS,
};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db, FromRow};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// Today's date in China (UTC+8), `YYYY-MM-DD`: the default of the date fields.
pub fn today_cst() -> String {
    super::rules::ymd(super::rules::day_of(now_ms()))
}

/// A date of a branch or a visit: a valid date ([`super::parse_day`]) no later than today in
/// China (the registry's check counts today in UTC, which would refuse the China date before
/// 08:00, when a grid worker records the morning's visits).
pub fn parse_past_day(field: &'static str, input: &str) -> Result<String, FieldError> {
    let d = super::parse_day(field, input)?;
    if d > today_cst() {
        return Err(FieldError::new(
            field,
            format!("{d} is in the future"),
            format!("{d} 尚未到来"),
        ));
    }
    Ok(d)
}

#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub attach: String,
    pub area_id: i64,
    pub path: String,
    pub place_note: String,
    pub founded: String,
    pub dissolved: Option<String>,
    pub members: i64,
}

pub(crate) const BRANCH_COLS: &str =
    "b.id, b.name, b.kind, b.attach, b.area_id, b.path, b.place_note, b.founded, b.dissolved, \
    (SELECT COUNT(*) FROM branch_members m WHERE m.branch_id = b.id) AS members";

crate::from_row!(Branch {
    id,
    name,
    kind,
    attach,
    area_id,
    path,
    place_note,
    founded,
    dissolved,
    members
});

pub async fn list(db: &Db, r: &Reader) -> AppResult<Vec<Branch>> {
    require_reader(r)?;
    let (cond, params) = r.registry_scope().sql("b.path", 1);
    Ok(db
        .query_as(
            &format!("SELECT {BRANCH_COLS} FROM branches b WHERE {cond} ORDER BY b.dissolved IS NOT NULL, b.path, b.name"),
            params,
        )
        .await?)
}

pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Branch> {
    super::scoped_one(
        db,
        r,
        &format!("SELECT {BRANCH_COLS} FROM branches b WHERE b.id = $1"),
        id,
        Branch::from_row,
        |x| &x.path,
    )
    .await
}

/// A new branch as sent by the form (which decodes into it).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewBranch {
    pub area: String,
    pub name: String,
    pub kind: String,
    pub attach: String,
    pub place_note: String,
    pub founded: String,
}

pub async fn create(db: &Db, actor: &Actor, r: &Reader, f: &NewBranch) -> AppResult<i64> {
    require_manager(r)?;
    let mut errs = Vec::new();
    let area = crate::registry::areas::by_code(db, f.area.trim())
        .await?
        .filter(|a| r.scope.contains(&a.path));
    if area.is_none() {
        errs.push(FieldError::new(
            "area",
            "choose an area in your scope",
            "请选择您管辖范围内的区划",
        ));
    }
    let name = f.name.trim();
    super::check_name(
        &mut errs,
        "name",
        name,
        "1 to 100 characters",
        "1 至 100 个字符",
    );
    super::check_code(
        &mut errs,
        "kind",
        BRANCH_KINDS,
        &f.kind,
        "choose standing or temporary",
        "请选择党支部或临时党支部",
    );
    super::check_code(
        &mut errs,
        "place",
        BRANCH_ATTACH,
        &f.attach,
        "choose where the branch is set up",
        "请选择支部建在何处",
    );
    let founded = parse_past_day("founded", &f.founded)
        .map_err(|e| errs.push(e))
        .ok();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let area = area.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO branches (name, kind, attach, area_id, path, place_note, founded, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![name, f.kind.as_str(), f.attach.as_str(), area.id, area.path.as_str(), f.place_note.trim(), founded, now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("branch_create", "branch", id)
            .area(&area.path)
            .detail(json!({"name": name, "kind": f.kind, "attach": f.attach})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Dissolve a branch on a date (its history stays).
pub async fn dissolve(db: &Db, actor: &Actor, r: &Reader, id: i64, date: &str) -> AppResult<()> {
    require_manager(r)?;
    let b = get(db, r, id).await?;
    let d = parse_past_day("dissolved", date)?;
    if d < b.founded {
        return Err(FieldError::new(
            "dissolved",
            "before the branch was founded",
            "早于支部成立日期",
        )
        .into());
    }
    if b.dissolved.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "the branch is dissolved already",
            "该支部已撤销",
        )));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE branches SET dissolved = $1 WHERE id = $2",
        args![d.as_str(), id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("branch_dissolve", "branch", id)
            .area(&b.path)
            .detail(json!({"date": d})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member of a branch or team.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub volunteer: i64,
    pub name: String,
    pub political: String,
    pub unit: String,
    pub role: String,
}

pub async fn members(db: &Db, r: &Reader, branch: i64) -> AppResult<Vec<Member>> {
    get(db, r, branch).await?;
    member_rows(
        db,
        "branch_members m",
        "m.role",
        "m.branch_id = $1 ORDER BY CASE m.role WHEN 'secretary' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, v.name",
        branch,
    )
    .await
}

crate::from_row!(Member {
    volunteer,
    name,
    political,
    unit,
    role
});

/// Members of a branch or a team: `role` is the SQL of each one's role.
async fn member_rows(
    db: &Db,
    table: &str,
    role: &str,
    cond: &str,
    id: i64,
) -> AppResult<Vec<Member>> {
    let sql = format!(
        "SELECT v.id AS volunteer, v.name, v.political, COALESCE(u.name, v.unit_text) AS unit, \
         {role} AS role FROM {table} \
         JOIN volunteers v ON v.id = m.volunteer_id LEFT JOIN units u ON u.id = v.unit_id WHERE {cond}"
    );
    Ok(db.query_as(&sql, args![id]).await?)
}

/// Add a volunteer to a branch (or change their role). A branch has one secretary: naming a
/// new one makes the old one a member. Party members and probationary members only.
pub async fn set_member(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    branch: i64,
    volunteer: i64,
    role: &str,
) -> AppResult<()> {
    require_manager(r)?;
    let b = get(db, r, branch).await?;
    if b.dissolved.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "the branch is dissolved",
            "该支部已撤销",
        )));
    }
    let v = volunteers::get(db, r, volunteer).await.map_err(|_| {
        AppError::from(FieldError::new(
            "volunteer",
            "choose a volunteer in your scope",
            "请选择您管辖范围内的志愿者",
        ))
    })?;
    if !in_vocab(BRANCH_ROLES, role) {
        return Err(FieldError::new(
            "role",
            "choose secretary, deputy or member",
            "请选择书记、副书记或党员",
        )
        .into());
    }
    if !matches!(v.political.as_str(), "party" | "probationary") {
        return Err(AppError::Conflict(Msg::new(
            format!("{} is not a party member", v.name),
            format!("{} 不是党员", v.name),
        )));
    }
    let mut tx = db.begin().await?;
    if role == "secretary" {
        tx.execute(
            "UPDATE branch_members SET role = 'member' WHERE branch_id = $1 AND role = 'secretary'",
            args![branch],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO branch_members (branch_id, volunteer_id, role, joined_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (branch_id, volunteer_id) DO UPDATE SET role = excluded.role",
        args![branch, volunteer, role, now_ms()],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("branch_member", "branch", branch)
            .area(&b.path)
            .detail(json!({"volunteer": volunteer, "role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    branch: i64,
    volunteer: i64,
) -> AppResult<()> {
    require_manager(r)?;
    let b = get(db, r, branch).await?;
    let mut tx = db.begin().await?;
    if tx
        .execute(
            "DELETE FROM branch_members WHERE branch_id = $1 AND volunteer_id = $2",
            args![branch, volunteer],
        )
        .await?
        == 0
    {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("branch_member_remove", "branch", branch)
            .area(&b.path)
            .detail(json!({"volunteer": volunteer})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub branch_id: Option<i64>,
    pub members: i64,
}

const TEAM_COLS: &str = "t.id, t.name, t.kind, t.path, t.branch_id, \
    (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members";

crate::from_row!(Team {
    id,
    name,
    kind,
    path,
    branch_id,
    members
});

pub async fn teams(db: &Db, r: &Reader) -> AppResult<Vec<Team>> {
    require_reader(r)?;
    let (cond, params) = r.registry_scope().sql("t.path", 1);
    Ok(db
        .query_as(
            &format!("SELECT {TEAM_COLS} FROM teams t WHERE {cond} ORDER BY t.path, t.name"),
            params,
        )
        .await?)
}

pub async fn team(db: &Db, r: &Reader, id: i64) -> AppResult<Team> {
    super::scoped_one(
        db,
        r,
        &format!("SELECT {TEAM_COLS} FROM teams t WHERE t.id = $1"),
        id,
        Team::from_row,
        |x| &x.path,
    )
    .await
}

/// Create a team in an area, optionally inside a branch (then in the branch's area).
pub async fn create_team(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    area: &str,
    name: &str,
    kind: &str,
    branch: Option<i64>,
) -> AppResult<i64> {
    require_manager(r)?;
    let mut errs = Vec::new();
    let (area_id, path) = match branch {
        Some(b) => {
            let b = get(db, r, b).await?;
            (Some(b.area_id), b.path)
        }
        None => match crate::registry::areas::by_code(db, area.trim())
            .await?
            .filter(|a| r.scope.contains(&a.path))
        {
            Some(a) => (Some(a.id), a.path),
            None => {
                errs.push(FieldError::new(
                    "area",
                    "choose an area in your scope",
                    "请选择您管辖范围内的区划",
                ));
                (None, String::new())
            }
        },
    };
    let name = name.trim();
    super::check_name(
        &mut errs,
        "team",
        name,
        "give the team a name (up to 100 characters)",
        "请填写小组名称（不超过 100 个字符）",
    );
    super::check_code(
        &mut errs,
        "kind",
        TEAM_KINDS,
        kind,
        "choose the kind of team",
        "请选择小组类型",
    );
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO teams (name, kind, area_id, path, branch_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![name, kind, area_id, path.as_str(), branch, now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("team_create", "team", id)
            .area(&path)
            .detail(json!({"name": name, "kind": kind, "branch": branch})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn team_members(db: &Db, r: &Reader, team_id: i64) -> AppResult<Vec<Member>> {
    team(db, r, team_id).await?;
    member_rows(
        db,
        "team_members m",
        "CASE WHEN m.leader <> 0 THEN 'leader' ELSE 'member' END",
        "m.team_id = $1 ORDER BY m.leader DESC, v.name",
        team_id,
    )
    .await
}

pub async fn set_team_member(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    team_id: i64,
    volunteer: i64,
    leader: bool,
) -> AppResult<()> {
    require_manager(r)?;
    let t = team(db, r, team_id).await?;
    volunteers::get(db, r, volunteer).await.map_err(|_| {
        AppError::from(FieldError::new(
            "volunteer",
            "choose a volunteer in your scope",
            "请选择您管辖范围内的志愿者",
        ))
    })?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO team_members (team_id, volunteer_id, leader) VALUES ($1, $2, $3) \
         ON CONFLICT (team_id, volunteer_id) DO UPDATE SET leader = excluded.leader",
        args![team_id, volunteer, leader as i64],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("team_member", "team", team_id)
            .area(&t.path)
            .detail(json!({"volunteer": volunteer, "leader": leader})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The branches a volunteer's account is secretary of (a branch secretary's own branches).
pub async fn led_by_account(db: &Db, account_id: i64) -> AppResult<Vec<i64>> {
    Ok(db
        .column(
            "SELECT m.branch_id FROM branch_members m JOIN volunteers v ON v.id = m.volunteer_id \
             WHERE v.account_id = $1 AND m.role IN ('secretary', 'deputy')",
            args![account_id],
        )
        .await?)
}
