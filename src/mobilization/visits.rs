//! Care visits (走访, 三安行动) to party members of the five categories and to vulnerable
//! residents, and the follow-up items a visit finds, owned by a branch until solved (兜底).

use serde::Serialize;
use serde_json::json;

use super::branches;
use super::can_visit;
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

pub fn require_visitor(r: &Reader) -> AppResult<()> {
    if can_visit(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "care visits are recorded by officers, grid workers and branch secretaries",
            "走访由干部、网格员和支部书记记录",
        )))
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewVisit {
    pub resident: i64,
    pub branch: Option<i64>,
    pub visited_on: String,
    pub visitors: String,
    pub situation: String,
    pub needs: String,
    /// Make the needs found a follow-up item owned by the branch.
    pub follow_up: bool,
}

/// Record a visit; with `follow_up`, the needs become an item of the branch. Returns the
/// visit's id.
pub async fn record(db: &Db, actor: &Actor, r: &Reader, f: &NewVisit) -> AppResult<i64> {
    require_visitor(r)?;
    let scope = r.registry_scope();
    let path: String = db
        .scalar_opt(
            "SELECT path FROM residents WHERE id = $1",
            args![f.resident],
        )
        .await?
        .filter(|p: &String| scope.contains(p))
        .ok_or(AppError::NotFound)?;
    let mut errs = Vec::new();
    let date = branches::parse_past_day("visited_on", &f.visited_on)
        .map_err(|e| errs.push(e))
        .ok();
    let (visitors, situation, needs) = (f.visitors.trim(), f.situation.trim(), f.needs.trim());
    if visitors.is_empty() || visitors.chars().count() > 200 {
        errs.push(FieldError::new(
            "visitors",
            "say who visited (up to 200 characters)",
            "请填写走访人（不超过 200 个字符）",
        ));
    }
    if situation.is_empty() || situation.chars().count() > 2000 {
        errs.push(FieldError::new(
            "situation",
            "describe the situation (up to 2,000 characters)",
            "请填写情况（不超过 2000 个字符）",
        ));
    }
    if needs.chars().count() > 1000 {
        errs.push(FieldError::new(
            "needs",
            "at most 1,000 characters",
            "最多 1000 个字符",
        ));
    }
    if f.follow_up && needs.is_empty() {
        errs.push(FieldError::new(
            "needs",
            "describe the need the branch is to follow up",
            "请填写需由支部跟进的需求",
        ));
    }
    let branch = match f.branch {
        // A branch serving the resident's community, though outside a grid worker's grid.
        Some(b) => match serving(db, &path).await?.into_iter().find(|x| x.id == b) {
            Some(b) => Some(b),
            None => {
                errs.push(FieldError::new(
                    "branch",
                    "choose an active branch in your scope",
                    "请选择您管辖范围内的现有支部",
                ));
                None
            }
        },
        None => {
            if f.follow_up {
                errs.push(FieldError::new(
                    "branch",
                    "choose the branch that owns the follow-up",
                    "请选择负责跟进的支部",
                ));
            }
            None
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO care_visits (resident_id, path, branch_id, visited_on, visitors, situation, needs, recorded_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![f.resident, path.as_str(), branch.as_ref().map(|b| b.id), date, visitors, situation, needs, actor.username.as_str(), now],
        )
        .await?;
    if f.follow_up {
        let b = branch.as_ref().expect("checked");
        tx.execute(
            "INSERT INTO care_followups (visit_id, branch_id, path, description, status, created_ms) VALUES ($1, $2, $3, $4, 'open', $5)",
            args![id, b.id, path.as_str(), needs, now],
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("care_visit", "resident", f.resident)
            .area(&path)
            .detail(json!({"visit": id, "follow_up": f.follow_up})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The active branches that may own a follow-up of a resident living at `path`: those set up
/// in the resident's community (at the community, a compound, a checkpoint … of it) and those
/// above it (a street's branch). A grid worker's scope is one grid, where no branch is set up;
/// these are the branches that serve the grid's community, so the grid worker can hand a
/// follow-up to one.
pub async fn serving(db: &Db, path: &str) -> AppResult<Vec<branches::Branch>> {
    let community = crate::registry::areas::community_path(path);
    // The areas above: the national codes' province, city, county and street prefixes.
    let above: Vec<&str> = [2, 4, 6, 9]
        .into_iter()
        .filter(|n| *n < community.len())
        .filter_map(|n| community.get(..n))
        .collect();
    let mut params = args![community, path_end(community)];
    params.extend(above.iter().map(|p| Value::from(*p)));
    let others = if above.is_empty() {
        String::new()
    } else {
        format!(
            " OR b.path IN ({})",
            crate::db::placeholders(3, above.len())
        )
    };
    Ok(db
        .query_as(
            &format!(
                "SELECT {} FROM branches b WHERE b.dissolved IS NULL \
                 AND ((b.path >= $1 AND b.path < $2){others}) ORDER BY b.path, b.name",
                branches::BRANCH_COLS
            ),
            params,
        )
        .await?)
}

/// The branches a reader may hand follow-ups to: those serving the areas of their scope (for
/// a grid worker, the branches of their grid's community).
pub async fn branches_for(db: &Db, r: &Reader) -> AppResult<Vec<branches::Branch>> {
    require_visitor(r)?;
    let mut out: Vec<branches::Branch> = Vec::new();
    for root in &r.registry_scope().roots {
        for b in serving(db, root).await? {
            if !out.iter().any(|x| x.id == b.id) {
                out.push(b);
            }
        }
    }
    Ok(out)
}

/// One visit in the reader's scope.
pub async fn one(db: &Db, r: &Reader, id: i64) -> AppResult<Visit> {
    require_visitor(r)?;
    let (cond, mut params) = r.registry_scope().sql("c.path", 2);
    params.insert(0, Value::from(id));
    db.query_opt_as(
        &format!(
            "SELECT c.id, c.resident_id AS resident, p.name, c.visited_on, c.visitors, c.situation, \
             c.needs, b.name AS branch \
             FROM care_visits c JOIN residents p ON p.id = c.resident_id \
             LEFT JOIN branches b ON b.id = c.branch_id WHERE c.id = $1 AND {cond}"
        ),
        params,
    )
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub resident: i64,
    pub name: String,
    pub visited_on: String,
    pub visitors: String,
    pub situation: String,
    pub needs: String,
    pub branch: Option<String>,
}

crate::from_row!(Visit {
    id,
    resident,
    name,
    visited_on,
    visitors,
    situation,
    needs,
    branch
});

/// How many visits lie under `path`.
pub async fn count(db: &Db, r: &Reader, path: &str) -> AppResult<i64> {
    require_visitor(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    Ok(db
        .scalar(
            "SELECT COUNT(*) AS n FROM care_visits WHERE path >= $1 AND path < $2",
            args![path, path_end(path)],
        )
        .await?)
}

/// Visits under `path` (newest first), or of one resident: `limit` of them after skipping
/// `skip`.
pub async fn list(
    db: &Db,
    r: &Reader,
    path: &str,
    resident: Option<i64>,
    limit: i64,
    skip: i64,
) -> AppResult<Vec<Visit>> {
    require_visitor(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let mut params = args![path, path_end(path), limit, skip];
    let mut sql = "SELECT c.id, c.resident_id AS resident, p.name, c.visited_on, c.visitors, c.situation, \
         c.needs, b.name AS branch \
         FROM care_visits c JOIN residents p ON p.id = c.resident_id LEFT JOIN branches b ON b.id = c.branch_id \
         WHERE c.path >= $1 AND c.path < $2"
        .to_owned();
    if let Some(id) = resident {
        params.push(Value::from(id));
        sql.push_str(" AND c.resident_id = $5");
    }
    sql.push_str(" ORDER BY c.visited_on DESC, c.id DESC LIMIT $3 OFFSET $4");
    Ok(db.query_as(&sql, params).await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub visit: i64,
    pub branch_id: i64,
    pub branch: String,
    /// The branch's area (a grid worker may hand a follow-up to a branch outside their grid,
    /// whose page they cannot open).
    pub branch_path: String,
    pub resident_id: i64,
    pub resident: String,
    /// The resident's phone as stored (the page shows it masked, with a call button).
    pub phone: String,
    pub description: String,
    pub status: String,
    pub solution: String,
    pub created_ms: i64,
}

crate::from_row!(FollowUp {
    id,
    visit,
    branch_id,
    branch,
    branch_path,
    resident_id,
    resident,
    phone,
    description,
    status,
    solution,
    created_ms
});

const FU_SQL: &str = "SELECT f.id, f.visit_id AS visit, f.branch_id, b.name AS branch, b.path AS branch_path, \
    p.id AS resident_id, p.name AS resident, COALESCE(p.phone, '') AS phone, \
    f.description, f.status, f.solution, f.created_ms \
    FROM care_followups f JOIN branches b ON b.id = f.branch_id JOIN care_visits c ON c.id = f.visit_id \
    JOIN residents p ON p.id = c.resident_id";

/// Follow-up items in scope (open first), optionally of one branch.
pub async fn followups(
    db: &Db,
    r: &Reader,
    branch: Option<i64>,
    open_only: bool,
) -> AppResult<Vec<FollowUp>> {
    require_visitor(r)?;
    let (cond, mut params) = r.registry_scope().sql("f.path", 1);
    let mut sql = format!("{FU_SQL} WHERE {cond}");
    if let Some(b) = branch {
        params.push(Value::from(b));
        sql.push_str(&format!(" AND f.branch_id = ${}", params.len()));
    }
    if open_only {
        sql.push_str(" AND f.status = 'open'");
    }
    sql.push_str(" ORDER BY f.status = 'solved', f.created_ms");
    Ok(db.query_as(&sql, params).await?)
}

/// Mark a follow-up solved, saying how.
pub async fn solve(db: &Db, actor: &Actor, r: &Reader, id: i64, solution: &str) -> AppResult<()> {
    require_visitor(r)?;
    let f: FollowUp = db
        .query_opt_as(&format!("{FU_SQL} WHERE f.id = $1"), args![id])
        .await?
        .ok_or(AppError::NotFound)?;
    let path: String = db
        .scalar("SELECT path FROM care_followups WHERE id = $1", args![id])
        .await?;
    if !r.registry_scope().contains(&path) {
        return Err(AppError::NotFound);
    }
    let solution = solution.trim();
    if solution.is_empty() || solution.chars().count() > 1000 {
        return Err(FieldError::new(
            "description",
            "say how it was solved (up to 1,000 characters)",
            "请填写解决情况（不超过 1000 个字符）",
        )
        .into());
    }
    if f.status == "solved" {
        return Err(AppError::Conflict(Msg::new("solved already", "已解决")));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE care_followups SET status = 'solved', solution = $1, solved_by = $2, solved_ms = $3 WHERE id = $4",
        args![solution, actor.username.as_str(), now_ms(), id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("care_followup_solved", "care_followup", id).area(&path),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
