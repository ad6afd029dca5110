//! Mass testing (核酸检测): rounds over an area subtree, sampling sites and collectors, pooled
//! tubes, lab results with individual re-tests, exemptions, walk-ins, and live coverage
//! (不漏一户、不漏一人).
//!
//! - [`ingest`]: the sampling path (open a tube, add people, close it), batched into group
//!   commits so thousands of scans a second cost a few transactions a second; idempotent by
//!   client id.
//! - [`coverage`]: tallies kept in the same transaction as every change, the coverage reads,
//!   the missing list.
//! - [`results`]: lab results, re-tests, follow-up tasks; exemptions; walk-ins.
//! - [`api`], [`pages`]: the JSON API for devices and the pages.

pub mod api;
pub mod coverage;
pub mod household_watch;
pub mod ingest;
pub mod no_epidemic;
pub mod notify;
pub mod pages;
pub mod results;
pub mod retention;
pub mod tubes;
pub mod walkins;

use serde::Serialize;
use serde_json::json;

pub use crate::access::settings::{qr_secret, setting};
use crate::access::{Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
pub use crate::db::placeholders;
use crate::db::{now_ms, path_end, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
pub use crate::privacy::mask_name;
use crate::registry::areas::{self, Area};

/// People per tube a round or an area may use; 0 is one tube per household.
pub const POOL_SIZES: &[i64] = &[1, 5, 10, 20, 0];

/// Exemption reasons: (code, English, Chinese).
pub const EXEMPT_REASONS: &[(&str, &str, &str)] = &[
    ("away", "away from home", "外出"),
    ("hospital", "in hospital", "住院"),
    ("deceased", "deceased", "已故"),
    ("infant", "infant under the age limit", "婴幼儿（未到年龄）"),
    ("other", "other", "其他"),
];

/// Roles that set up rounds, sites and collectors within their scope.
pub fn can_manage(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "street" | "community")
}

/// Roles that enter lab results for tubes within their scope.
pub fn can_enter_results(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "lab")
}

/// Roles that may sample at any site within their scope without being listed as its collector.
pub fn samples_in_scope(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "street" | "community" | "grid")
}

/// Exempting a resident from a round is a registry correction: the registry's writers do it.
pub fn can_exempt(r: &Reader) -> bool {
    r.can_write_registry()
}

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub area_id: i64,
    pub path: String,
    pub name: String,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub pool_size: i64,
    pub created_by: String,
    pub created_ms: i64,
}

pub const ROUND_COLS: &str =
    "id, area_id, path, name, starts_ms, ends_ms, pool_size, created_by, created_ms";

crate::from_row!(Round {
    id,
    area_id,
    path,
    name,
    starts_ms,
    ends_ms,
    pool_size,
    created_by,
    created_ms
});

impl Round {
    pub fn covers(&self, path: &str) -> bool {
        path.starts_with(self.path.as_str())
    }

    pub fn is_open_at(&self, ms: i64) -> bool {
        (self.starts_ms..=self.ends_ms).contains(&ms)
    }
}

/// Whether a scope and a subtree overlap: the round's area is inside the scope, or a scope root
/// is inside the round's area.
pub fn overlaps(scope: &Scope, path: &str) -> bool {
    scope.contains(path) || scope.roots.iter().any(|r| r.starts_with(path))
}

pub async fn round_by_id(db: &Db, id: i64) -> AppResult<Option<Round>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {ROUND_COLS} FROM test_rounds WHERE id = $1"),
            args![id],
        )
        .await?)
}

/// A round the reader may see: it overlaps the reader's area scope, or the reader collects at
/// one of its sites. Anything else is not found.
pub async fn visible_round(db: &Db, r: &Reader, id: i64) -> AppResult<Round> {
    let round = round_by_id(db, id).await?.ok_or(AppError::NotFound)?;
    if overlaps(&r.scope, &round.path) || collects_in(db, r.account_id, id).await? {
        Ok(round)
    } else {
        Err(AppError::NotFound)
    }
}

async fn collects_in(db: &Db, account_id: i64, round_id: i64) -> AppResult<bool> {
    Ok(db
        .scalar_opt::<i64>(
            "SELECT 1 AS one FROM test_collectors c JOIN test_sites s ON s.id = c.site_id \
             WHERE c.account_id = $1 AND s.round_id = $2",
            args![account_id, round_id],
        )
        .await?
        .is_some())
}

/// Rounds the reader may see, newest first.
pub async fn rounds(db: &Db, r: &Reader) -> AppResult<Vec<Round>> {
    let all: Vec<Round> = db
        .query_as(
            &format!(
                "SELECT {ROUND_COLS} FROM test_rounds ORDER BY starts_ms DESC, id DESC LIMIT 1000"
            ),
            vec![],
        )
        .await?;
    let mine: Vec<i64> = db
        .column(
            "SELECT DISTINCT s.round_id FROM test_collectors c JOIN test_sites s ON s.id = c.site_id \
             WHERE c.account_id = $1",
            args![r.account_id],
        )
        .await?;
    Ok(all
        .into_iter()
        .filter(|x| overlaps(&r.scope, &x.path) || mine.contains(&x.id))
        .collect())
}

/// What the round form holds.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRound {
    pub area: String,
    pub name: String,
    /// `YYYY-MM-DDTHH:MM` (local time of the browser's form, taken as China Standard Time) or
    /// milliseconds.
    pub starts: String,
    pub ends: String,
    pub pool_size: String,
}

/// UTC+8: China Standard Time, the time every form and page speaks.
pub const CST_MS: i64 = 8 * 3600 * 1000;

/// Parse `YYYY-MM-DDTHH:MM[:SS]` (China Standard Time) or plain epoch milliseconds.
pub fn parse_time(field: &'static str, s: &str) -> Result<i64, FieldError> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let bad = || {
        FieldError::new(
            field,
            "a date and time like 2026-11-23T07:00",
            "应为日期时间，如 2026-11-23T07:00",
        )
    };
    let (date, time) = s.split_once(['T', ' ']).ok_or_else(bad)?;
    let d = crate::registry::validate::parse_date(field, date).or_else(|_| {
        // parse_date refuses future dates; a round may be scheduled ahead.
        let p: Vec<&str> = date.split('-').collect();
        if p.len() == 3 {
            Ok(date.to_owned())
        } else {
            Err(bad())
        }
    })?;
    let p: Vec<i64> = d.split('-').filter_map(|x| x.parse().ok()).collect();
    let t: Vec<i64> = time.split(':').filter_map(|x| x.parse().ok()).collect();
    if p.len() != 3 || !(2..=3).contains(&t.len()) {
        return Err(bad());
    }
    let (y, m, dd) = (p[0] as i32, p[1] as u32, p[2] as u32);
    if !(1..=12).contains(&m)
        || dd < 1
        || dd > crate::registry::validate::days_in_month(y, m)
        || !(0..24).contains(&t[0])
        || !(0..60).contains(&t[1])
    {
        return Err(bad());
    }
    let days = crate::registry::validate::days_from_civil(y, m, dd);
    let secs = t[0] * 3600 + t[1] * 60 + t.get(2).copied().unwrap_or(0);
    Ok(days * 86_400_000 + secs * 1000 - CST_MS)
}

fn parse_pool(s: &str) -> Result<i64, FieldError> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| POOL_SIZES.contains(n))
        .ok_or_else(|| {
            FieldError::new(
                "pool_size",
                "1, 5, 10 or 20 people per tube, or 0 for one tube per household",
                "每管 1、5、10 或 20 人，或 0 表示每户一管",
            )
        })
}

fn check_manager(r: &Reader, path: &str) -> AppResult<()> {
    if !r.scope.contains(path) {
        return Err(AppError::NotFound);
    }
    if !can_manage(r) {
        return Err(AppError::Forbidden(Msg::new(
            "only HQ, street and community officers set up testing rounds",
            "只有指挥部、街道和社区干部可以设置检测轮次",
        )));
    }
    Ok(())
}

/// Create a round over an area of the reader's scope. Returns its id.
pub async fn create_round(db: &Db, actor: &Actor, r: &Reader, f: &NewRound) -> AppResult<i64> {
    let area = areas::scoped(db, f.area.trim(), &r.scope).await?;
    check_manager(r, &area.path)?;
    let mut errs = Vec::new();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errs.push(FieldError::new(
            "name",
            "1–100 characters",
            "应为 1–100 个字符",
        ));
    }
    let starts = parse_time("starts", &f.starts)
        .map_err(|e| errs.push(e))
        .ok();
    let ends = parse_time("ends", &f.ends).map_err(|e| errs.push(e)).ok();
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            errs.push(FieldError::new(
                "ends",
                "must be after the start",
                "须晚于开始时间",
            ));
        }
    }
    let pool = parse_pool(&f.pool_size).map_err(|e| errs.push(e)).ok();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let (starts, ends, pool) = (starts.unwrap(), ends.unwrap(), pool.unwrap());
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO test_rounds (area_id, path, name, starts_ms, ends_ms, pool_size, \
             created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![
                area.id,
                area.path.as_str(),
                name,
                starts,
                ends,
                pool,
                actor.username.as_str(),
                now_ms()
            ],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("create", "test_round", id)
            .area(&area.path)
            .detail(
                json!({"new": {"name": name, "area": area.code, "starts_ms": starts,
                "ends_ms": ends, "pool_size": pool}}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Set the pooling of an area of a round (replaces an earlier rule for that area).
pub async fn set_pool_rule(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    round: &Round,
    area_code: &str,
    pool_size: &str,
) -> AppResult<()> {
    let area = areas::scoped(db, area_code.trim(), &r.scope).await?;
    check_manager(r, &area.path)?;
    if !round.covers(&area.path) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "area",
            "this area is not part of the round",
            "该区域不在本轮检测范围内",
        )]));
    }
    let pool = parse_pool(pool_size).map_err(|e| AppError::Invalid(vec![e]))?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO test_pool_rules (round_id, area_id, path, pool_size) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (round_id, area_id) DO UPDATE SET pool_size = excluded.pool_size",
        args![round.id, area.id, area.path.as_str(), pool],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("update", "test_round", round.id)
            .area(&area.path)
            .detail(json!({"pool_rule": {"area": area.code, "pool_size": pool}})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolRule {
    pub path: String,
    pub pool_size: i64,
}
crate::from_row!(PoolRule { path, pool_size });

pub async fn pool_rules(db: &Db, round_id: i64) -> AppResult<Vec<PoolRule>> {
    Ok(db
        .query_as(
            "SELECT path, pool_size FROM test_pool_rules WHERE round_id = $1 ORDER BY path",
            args![round_id],
        )
        .await?)
}

/// The pool size at `path`: the most specific rule above it, else the round's default.
pub fn pool_at(default: i64, rules: &[PoolRule], path: &str) -> i64 {
    rules
        .iter()
        .filter(|x| path.starts_with(x.path.as_str()))
        .max_by_key(|x| x.path.len())
        .map_or(default, |x| x.pool_size)
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub id: i64,
    pub round_id: i64,
    pub path: String,
    pub name: String,
    pub kind: String,
    pub collectors: Vec<String>,
}

/// Add a sampling site (a fixed point or a door-to-door team) in an area of the round.
pub async fn add_site(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    round: &Round,
    area_code: &str,
    name: &str,
    kind: &str,
) -> AppResult<i64> {
    let area = areas::scoped(db, area_code.trim(), &r.scope).await?;
    check_manager(r, &area.path)?;
    let mut errs = Vec::new();
    if !round.covers(&area.path) {
        errs.push(FieldError::new(
            "area",
            "this area is not part of the round",
            "该区域不在本轮检测范围内",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errs.push(FieldError::new(
            "name",
            "1–100 characters",
            "应为 1–100 个字符",
        ));
    }
    if !matches!(kind, "fixed" | "door") {
        errs.push(FieldError::new(
            "kind",
            "a fixed site or a door-to-door team",
            "应为固定采样点或入户采样队",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO test_sites (round_id, area_id, path, name, kind, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![round.id, area.id, area.path.as_str(), name, kind, now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("create", "test_site", id)
            .area(&area.path)
            .detail(
                json!({"new": {"round": round.id, "name": name, "kind": kind, "area": area.code}}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Make an account a collector at a site. The account must exist; its role does not matter
/// (volunteers, medical staff with the `collector` role, grid workers).
pub async fn add_collector(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    site_id: i64,
    username: &str,
) -> AppResult<()> {
    let site_path: String = db
        .scalar_opt("SELECT path FROM test_sites WHERE id = $1", args![site_id])
        .await?
        .ok_or(AppError::NotFound)?;
    check_manager(r, &site_path)?;
    let acc: i64 = db
        .scalar_opt(
            "SELECT id FROM accounts WHERE username = $1 AND disabled_ms IS NULL",
            args![username.trim()],
        )
        .await?
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "username",
                format!("there is no active account {:?}", username.trim()),
                format!("没有名为“{}”的有效账号", username.trim()),
            )])
        })?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO test_collectors (site_id, account_id) VALUES ($1, $2) \
         ON CONFLICT (site_id, account_id) DO NOTHING",
        args![site_id, acc],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("update", "test_site", site_id)
            .area(&site_path)
            .detail(json!({"collector_added": username.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One row of [`sites`]: a site and one of its collectors (none when it has no collector).
struct SiteRow {
    id: i64,
    round_id: i64,
    path: String,
    name: String,
    kind: String,
    username: Option<String>,
}
crate::from_row!(SiteRow {
    id,
    round_id,
    path,
    name,
    kind,
    username
});

/// Sites of a round within `scope` (or all of them when `scope` is `None`), with collectors.
pub async fn sites(db: &Db, round_id: i64, scope: Option<&Scope>) -> AppResult<Vec<Site>> {
    let rows: Vec<SiteRow> = db
        .query_as(
            "SELECT s.id, s.round_id, s.path, s.name, s.kind, a.username FROM test_sites s \
             LEFT JOIN test_collectors c ON c.site_id = s.id \
             LEFT JOIN accounts a ON a.id = c.account_id \
             WHERE s.round_id = $1 ORDER BY s.path, s.id, a.username",
            args![round_id],
        )
        .await?;
    let mut out: Vec<Site> = Vec::new();
    for r in rows {
        if scope.is_some_and(|s| !s.contains(&r.path)) {
            continue;
        }
        if out.last().is_none_or(|s| s.id != r.id) {
            out.push(Site {
                id: r.id,
                round_id: r.round_id,
                path: r.path,
                name: r.name,
                kind: r.kind,
                collectors: vec![],
            });
        }
        if let Some(u) = r.username {
            out.last_mut().unwrap().collectors.push(u);
        }
    }
    Ok(out)
}

/// The sites of a round where an account collects.
pub async fn my_sites(db: &Db, account_id: i64, round_id: i64) -> AppResult<Vec<Site>> {
    let mine: Vec<i64> = db
        .column(
            "SELECT c.site_id FROM test_collectors c JOIN test_sites s ON s.id = c.site_id \
             WHERE c.account_id = $1 AND s.round_id = $2",
            args![account_id, round_id],
        )
        .await?;
    Ok(sites(db, round_id, None)
        .await?
        .into_iter()
        .filter(|s| mine.contains(&s.id))
        .collect())
}

/// A resident's personal code is the registry's (the resident's identity code).
pub use crate::registry::codes::{parse_resident_code, resident_code};

/// Ancestors of an area within the round, for breadcrumbs.
pub async fn round_area(db: &Db, round: &Round, code: Option<&str>, r: &Reader) -> AppResult<Area> {
    let code = code.filter(|c| !c.is_empty());
    let area = match code {
        Some(c) => areas::scoped(db, c, &r.registry_scope()).await?,
        None => {
            // The round's own area when the reader's scope covers it; else the reader's first
            // scope root inside the round.
            let scope = r.registry_scope();
            if scope.contains(&round.path) {
                areas::by_path(db, &round.path)
                    .await?
                    .ok_or(AppError::NotFound)?
            } else {
                let root = scope
                    .roots
                    .iter()
                    .find(|x| x.starts_with(round.path.as_str()))
                    .ok_or(AppError::NotFound)?;
                areas::by_path(db, root).await?.ok_or(AppError::NotFound)?
            }
        }
    };
    if !round.covers(&area.path) {
        return Err(AppError::NotFound);
    }
    Ok(area)
}

/// Exclusive upper bound for a path range, re-exported for the submodules.
pub(crate) fn end(path: &str) -> String {
    path_end(path)
}
