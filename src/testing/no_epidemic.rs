//! "No-epidemic" communities (无疫社区/小区): a community/village within the reader's scope with
//! no new positive (testing's results) for a number of days (default 14) is a candidate; HQ
//! confirms it, the confirmation stored with its evidence and audited. The zone in force over
//! the community shows beside it (a sealed or controlled community is not confirmed while the
//! zone stands).

use serde::Serialize;
use serde_json::json;

use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas::{self, Area};
use crate::zones::{self, ZoneInForce, ZoneKind};

pub const DEFAULT_DAYS: i64 = 14;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub area: Area,
    /// The last positive in the community (any round), if ever.
    pub last_positive_ms: Option<i64>,
    /// The zone in force over the community now.
    pub zone: Option<ZoneInForce>,
    /// When HQ last confirmed it (since the last positive).
    pub confirmed_ms: Option<i64>,
}

impl Candidate {
    /// A community still under a sealed or controlled zone is not confirmed.
    pub fn may_confirm(&self) -> bool {
        self.confirmed_ms.is_none()
            && self
                .zone
                .as_ref()
                .is_none_or(|z| z.kind < ZoneKind::Controlled)
    }
}

pub fn days_of(input: &str) -> AppResult<i64> {
    match input.trim() {
        "" => Ok(DEFAULT_DAYS),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| {
                FieldError::new(
                    "days",
                    format!("{s:?}: a number of days from 1 to 90"),
                    format!("“{s}”：请填写 1 到 90 之间的天数"),
                )
                .into()
            }),
    }
}

struct LastPositive {
    community: String,
    last_ms: i64,
}
crate::from_row!(LastPositive { community, last_ms });

struct Confirmed {
    path: String,
    at_ms: i64,
}
crate::from_row!(Confirmed { path, at_ms });

/// The communities under `area` (in the reader's scope) with no positive in the last `days`
/// days at `now`: those with a positive before first (most recent first), then those never
/// positive, by code.
pub async fn candidates(
    db: &Db,
    r: &Reader,
    area: &Area,
    days: i64,
    now: i64,
) -> AppResult<Vec<Candidate>> {
    if !r.can_read_registry() || !r.registry_scope().contains(&area.path) {
        return Err(AppError::NotFound);
    }
    let communities: Vec<Area> = db
        .query_as(
            &format!(
                "SELECT {} FROM areas WHERE level = 5 AND path >= $1 AND path < $2 ORDER BY code LIMIT 2000",
                areas::AREA_COLS
            ),
            args![community_root(&area.path), path_end(community_root(&area.path))],
        )
        .await?;
    let last: Vec<LastPositive> = db
        .query_as(
            "SELECT substr(path, 1, 12) AS community, MAX(updated_ms) AS last_ms FROM test_persons \
             WHERE status = 'positive' AND path >= $1 AND path < $2 GROUP BY substr(path, 1, 12)",
            args![community_root(&area.path), path_end(community_root(&area.path))],
        )
        .await?;
    let confirmed: Vec<Confirmed> = db
        .query_as(
            "SELECT path, MAX(confirmed_ms) AS at_ms FROM no_epidemic WHERE path >= $1 AND path < $2 GROUP BY path",
            args![community_root(&area.path), path_end(community_root(&area.path))],
        )
        .await?;
    let paths: Vec<String> = communities.iter().map(|c| c.path.clone()).collect();
    let mut zones = zones::for_areas(db, &paths, now).await?;
    let cutoff = now - days * DAY_MS;
    let mut out: Vec<Candidate> = communities
        .into_iter()
        .filter_map(|a| {
            let lp = last
                .iter()
                .find(|l| l.community == a.path)
                .map(|l| l.last_ms);
            if lp.is_some_and(|t| t > cutoff) {
                return None;
            }
            let confirmed_ms = confirmed
                .iter()
                .find(|c| c.path == a.path)
                .map(|c| c.at_ms)
                .filter(|c| lp.is_none_or(|p| *c > p));
            Some(Candidate {
                zone: zones.remove(&a.path),
                last_positive_ms: lp,
                confirmed_ms,
                area: a,
            })
        })
        .collect();
    out.sort_by_key(|c| {
        (
            c.last_positive_ms.is_none(),
            std::cmp::Reverse(c.last_positive_ms),
            c.area.code.clone(),
        )
    });
    Ok(out)
}

/// The path to look for communities under: a grid or building's community.
fn community_root(path: &str) -> &str {
    areas::community_path(path)
}

/// HQ confirms a candidate: checked again now, stored with its evidence, audited.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    code: &str,
    days: i64,
    note: &str,
    now: i64,
) -> AppResult<i64> {
    if r.role != "hq" {
        return Err(AppError::Forbidden(Msg::new(
            "only HQ confirms a no-epidemic community",
            "只有指挥部可以确认无疫社区",
        )));
    }
    let a = areas::scoped(db, code.trim(), &r.registry_scope()).await?;
    if a.level != 5 {
        return Err(AppError::NotFound);
    }
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(FieldError::new("note", "at most 500 characters", "最多 500 个字").into());
    }
    let c = candidates(db, r, &a, days, now)
        .await?
        .into_iter()
        .find(|c| c.area.id == a.id)
        .ok_or_else(|| {
            AppError::Conflict(Msg::new(
                format!("{} had a positive within the last {days} days", a.name),
                format!("{}近 {days} 天内有阳性", a.name),
            ))
        })?;
    if !c.may_confirm() {
        return Err(AppError::Conflict(Msg::new(
            "already confirmed, or still under a sealed or controlled zone",
            "已确认过，或仍处于封控区、管控区",
        )));
    }
    let mut tx = db.begin().await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO no_epidemic (area_id, path, days, last_positive_ms, note, confirmed_by, confirmed_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![a.id, a.path.as_str(), days, c.last_positive_ms, note, actor.username.as_str(), now],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("no_epidemic_confirmed", "area", a.id)
            .area(&a.path)
            .detail(json!({"days": days, "last_positive_ms": c.last_positive_ms, "note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
