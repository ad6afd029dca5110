//! On duty: a volunteer's own shifts, checking in and out (by scanning the place's QR code, or
//! by the shift leader or an officer), service hours by the civil-affairs rounding, no-shows,
//! and the hours reports and certificate.

use serde::Serialize;
use serde_json::json;

use super::roster::{self, Shift};
use super::rules::{service_half_hours, DAY_MS, MINUTE_MS};
use super::volunteers::{self, Volunteer};
use super::{can_manage, require_reader};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db, DbResult, FromRow, Row, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// How early before a shift one may check in.
pub const EARLY_MS: i64 = 60 * MINUTE_MS;
/// After how long without a check-in a placement counts as a no-show.
pub const NO_SHOW_AFTER_MS: i64 = 30 * MINUTE_MS;

/// One of a volunteer's own shifts.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    pub assignment: i64,
    pub shift: i64,
    pub place_id: i64,
    pub place: String,
    pub post_en: String,
    pub post_zh: String,
    pub start: i64,
    pub end: i64,
    pub leader: bool,
    pub checkin: Option<i64>,
    pub checkout: Option<i64>,
    pub half_hours: i64,
}

const MINE_COLS: &str = "a.id AS assignment, s.id AS shift, pl.id AS place_id, pl.name AS place, \
    p.name_en AS post_en, p.name_zh AS post_zh, s.starts_ms, s.ends_ms, \
    a.leader, a.checkin_ms, a.checkout_ms, a.half_hours";
const MINE_FROM: &str = "assignments a JOIN shifts s ON s.id = a.shift_id \
    JOIN places pl ON pl.id = s.place_id JOIN posts p ON p.id = s.post_id";

/// One of a volunteer's shifts from [`MINE_COLS`].
impl FromRow for Mine {
    fn from_row(r: &Row) -> DbResult<Mine> {
        Ok(Mine {
            assignment: r.get("assignment")?,
            shift: r.get("shift")?,
            place_id: r.get("place_id")?,
            place: r.get("place")?,
            post_en: r.get("post_en")?,
            post_zh: r.get("post_zh")?,
            start: r.get("starts_ms")?,
            end: r.get("ends_ms")?,
            leader: r.get("leader")?,
            checkin: r.get("checkin_ms")?,
            checkout: r.get("checkout_ms")?,
            half_hours: r.get("half_hours")?,
        })
    }
}

/// A volunteer's shifts starting in `[from, to)`.
pub async fn shifts_of(db: &Db, volunteer: i64, from: i64, to: i64) -> AppResult<Vec<Mine>> {
    Ok(db
        .query_as(
            &format!(
                "SELECT {MINE_COLS} FROM {MINE_FROM} WHERE a.volunteer_id = $1 \
                 AND a.starts_ms >= $2 AND a.starts_ms < $3 ORDER BY a.starts_ms"
            ),
            args![volunteer, from, to],
        )
        .await?)
}

/// What a check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Checked {
    In,
    Out { half_hours: i64 },
}

fn not_now() -> AppError {
    AppError::BadRequest(Msg::new(
        "you have no shift at this place now (check-in opens an hour before the shift)",
        "您此时在此地点没有班次（班次开始前一小时起可签到）",
    ))
}

/// The volunteer scanned the place's QR code at `now`: check out of the shift they are checked
/// in on there, else check in to the shift there that is open for check-in.
pub async fn scan(
    db: &Db,
    actor: &Actor,
    account_id: i64,
    token: &str,
    now: i64,
) -> AppResult<(Checked, Mine)> {
    scan_for(db, actor, account_id, token, now, None).await
}

/// How long after a check-out the same check-out, sent again, is answered as done.
pub const REPLAY_MS: i64 = 30 * MINUTE_MS;

/// [`scan`] with the action the page offered (`Some(true)`: check in, `Some(false)`: check out).
/// A form sent twice on a weak network (or a double tap) is answered with what was done the
/// first time instead of doing the opposite: a repeated check-in stays a check-in, a repeated
/// check-out stays a check-out.
pub async fn scan_for(
    db: &Db,
    actor: &Actor,
    account_id: i64,
    token: &str,
    now: i64,
    want_in: Option<bool>,
) -> AppResult<(Checked, Mine)> {
    let v = volunteers::of_account(db, account_id)
        .await?
        .filter(|v| v.status == "approved")
        .ok_or_else(|| {
            AppError::Forbidden(Msg::new(
                "this code is for volunteers on duty; sign in with your volunteer account",
                "此二维码供值班志愿者签到，请使用志愿者账号登录",
            ))
        })?;
    let place = roster::place_by_token(db, token.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = shifts_of(db, v.id, now - 2 * DAY_MS, now + DAY_MS).await?;
    let at_place: Vec<&Mine> = mine.iter().filter(|m| m.place_id == place.id).collect();
    let open = at_place
        .iter()
        .find(|m| m.checkin.is_some() && m.checkout.is_none());
    match (want_in, open) {
        // Checked in already: the check-in sent again.
        (Some(true), Some(m)) => return Ok((Checked::In, (*m).clone())),
        // Nothing open: the check-out sent again, if one was just made here.
        (Some(false), None) => {
            if let Some(m) = at_place
                .iter()
                .filter(|m| m.checkout.is_some_and(|o| now - o <= REPLAY_MS))
                .max_by_key(|m| m.checkout)
            {
                return Ok((
                    Checked::Out {
                        half_hours: m.half_hours,
                    },
                    (*m).clone(),
                ));
            }
        }
        _ => {}
    }
    if let Some(m) = at_place
        .iter()
        .find(|m| m.checkin.is_some() && m.checkout.is_none())
    {
        let c = record(db, actor, m.assignment, false, now, &place.path).await?;
        return Ok((c, refreshed(db, v.id, m.assignment).await?));
    }
    let m = at_place
        .iter()
        .find(|m| m.checkin.is_none() && m.start - EARLY_MS <= now && now < m.end)
        .ok_or_else(not_now)?;
    let c = record(db, actor, m.assignment, true, now, &place.path).await?;
    Ok((c, refreshed(db, v.id, m.assignment).await?))
}

async fn refreshed(db: &Db, volunteer: i64, assignment: i64) -> AppResult<Mine> {
    db.query_opt_as(
        &format!("SELECT {MINE_COLS} FROM {MINE_FROM} WHERE a.id = $1 AND a.volunteer_id = $2"),
        args![assignment, volunteer],
    )
    .await?
    .ok_or(AppError::NotFound)
}

struct ShiftPath {
    shift_id: i64,
    path: String,
}
crate::from_row!(ShiftPath { shift_id, path });

/// Check someone in (`check_in`) or out at `at`, by an officer in scope or the leader of the
/// same shift.
pub async fn check_other(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    assignment: i64,
    check_in: bool,
    at: i64,
) -> AppResult<Checked> {
    let ShiftPath { shift_id, path } = db
        .query_opt_as(
            "SELECT a.shift_id, s.path FROM assignments a JOIN shifts s ON s.id = a.shift_id WHERE a.id = $1",
            args![assignment],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let officer = can_manage(r) && r.scope.contains(&path);
    let leader = if officer {
        false
    } else {
        match volunteers::of_account(db, r.account_id).await? {
            Some(v) => db
                .scalar_opt::<i64>(
                    "SELECT id FROM assignments WHERE shift_id = $1 AND volunteer_id = $2 AND leader = 1",
                    args![shift_id, v.id],
                )
                .await?
                .is_some(),
            None => false,
        }
    };
    if !officer && !leader {
        if r.registry_scope().contains(&path) {
            return Err(AppError::Forbidden(Msg::new(
                "only the shift leader or an officer checks others in and out",
                "只有班长或干部可以为他人签到签退",
            )));
        }
        return Err(AppError::NotFound);
    }
    record(db, actor, assignment, check_in, at, &path).await
}

struct Checks {
    checkin_ms: Option<i64>,
    checkout_ms: Option<i64>,
}
crate::from_row!(Checks {
    checkin_ms,
    checkout_ms
});

/// Record a check-in or check-out. Checking out sets the service hours.
async fn record(
    db: &Db,
    actor: &Actor,
    assignment: i64,
    check_in: bool,
    at: i64,
    path: &str,
) -> AppResult<Checked> {
    let mut tx = db.begin().await?;
    let a: Checks = tx
        .query_one_as(
            "SELECT checkin_ms, checkout_ms FROM assignments WHERE id = $1",
            args![assignment],
        )
        .await?;
    let (cin, cout) = (a.checkin_ms, a.checkout_ms);
    let out = if check_in {
        if cin.is_some() {
            return Err(AppError::Conflict(Msg::new("checked in already", "已签到")));
        }
        // Conditional, so two nodes checking the same person in at once record it once.
        if tx
            .execute(
                "UPDATE assignments SET checkin_ms = $1, checked_by = $2 WHERE id = $3 AND checkin_ms IS NULL",
                args![at, actor.username.as_str(), assignment],
            )
            .await?
            == 0
        {
            return Err(AppError::Conflict(Msg::new("checked in already", "已签到")));
        }
        Checked::In
    } else {
        let Some(cin) = cin else {
            return Err(AppError::Conflict(Msg::new(
                "not checked in yet",
                "尚未签到",
            )));
        };
        if cout.is_some() {
            return Err(AppError::Conflict(Msg::new(
                "checked out already",
                "已签退",
            )));
        }
        if at < cin {
            return Err(AppError::BadRequest(Msg::new(
                "the check-out is before the check-in",
                "签退时间早于签到时间",
            )));
        }
        let half = service_half_hours((at - cin) / MINUTE_MS);
        if tx
            .execute(
                "UPDATE assignments SET checkout_ms = $1, half_hours = $2, checked_by = $3 WHERE id = $4 AND checkout_ms IS NULL",
                args![at, half, actor.username.as_str(), assignment],
            )
            .await?
            == 0
        {
            return Err(AppError::Conflict(Msg::new("checked out already", "已签退")));
        }
        Checked::Out { half_hours: half }
    };
    audit::record(
        &mut tx,
        actor,
        Event::new(
            if check_in {
                "duty_checkin"
            } else {
                "duty_checkout"
            },
            "assignment",
            assignment,
        )
        .area(path)
        .detail(json!({"at_ms": at})),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Placements under `path` whose shift began more than [`NO_SHOW_AFTER_MS`] ago (within the
/// last `days`) with nobody checked in.
pub async fn no_shows(
    db: &Db,
    r: &Reader,
    path: &str,
    now: i64,
    days: i64,
) -> AppResult<Vec<(Shift, i64, String)>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let sql = format!(
        "SELECT {}, a.id AS assignment_id, v.name AS volunteer_name FROM {} JOIN assignments a ON a.shift_id = s.id \
         JOIN volunteers v ON v.id = a.volunteer_id WHERE s.path >= $1 AND s.path < $2 \
         AND s.starts_ms >= $3 AND s.starts_ms < $4 AND a.checkin_ms IS NULL \
         ORDER BY s.starts_ms, v.name",
        roster::SHIFT_COLS,
        roster::SHIFT_FROM
    );
    let args = args![
        path,
        path_end(path),
        now - days * DAY_MS,
        now - NO_SHOW_AFTER_MS
    ];
    db.query(&sql, args)
        .await?
        .iter()
        .map(|row| {
            Ok((
                Shift::from_row(row)?,
                row.get("assignment_id")?,
                row.get("volunteer_name")?,
            ))
        })
        .collect::<DbResult<_>>()
        .map_err(Into::into)
}

/// A line of an hours report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Hours {
    pub key: String,
    pub label: String,
    pub volunteers: i64,
    pub shifts: i64,
    pub half_hours: i64,
}

/// Service hours of shifts starting in `[from, to)` under `path`, grouped `by` volunteer, team,
/// unit or area (the area the volunteer serves).
pub async fn hours(
    db: &Db,
    r: &Reader,
    path: &str,
    from: i64,
    to: i64,
    by: &str,
) -> AppResult<Vec<Hours>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let (key, label, join) = match by {
        "team" => (
            "t.id",
            "t.name",
            "JOIN team_members tm ON tm.volunteer_id = v.id JOIN teams t ON t.id = tm.team_id",
        ),
        "unit" => (
            "COALESCE(u.name, v.unit_text)",
            "COALESCE(u.name, v.unit_text)",
            "LEFT JOIN units u ON u.id = v.unit_id",
        ),
        "area" => ("ar.code", "ar.name", "JOIN areas ar ON ar.path = v.path"),
        _ => ("v.id", "v.name", ""),
    };
    let sql = format!(
        "SELECT {key} AS key, {label} AS label, COUNT(DISTINCT v.id) AS volunteers, COUNT(*) AS shifts, \
         CAST(COALESCE(SUM(a.half_hours), 0) AS BIGINT) AS half_hours FROM assignments a \
         JOIN shifts s ON s.id = a.shift_id JOIN volunteers v ON v.id = a.volunteer_id {join} \
         WHERE s.path >= $1 AND s.path < $2 AND s.starts_ms >= $3 AND s.starts_ms < $4 AND a.checkout_ms IS NOT NULL \
         GROUP BY {key}, {label} ORDER BY 5 DESC, 2"
    );
    db.query(&sql, args![path, path_end(path), from, to])
        .await?
        .iter()
        .map(|r| {
            Ok(Hours {
                key: match r.get::<Value>("key")? {
                    Value::Int(n) => n.to_string(),
                    Value::Text(s) => s,
                    Value::Null => String::new(),
                },
                label: r
                    .get::<Option<String>>("label")?
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "—".into()),
                volunteers: r.get("volunteers")?,
                shifts: r.get("shifts")?,
                half_hours: r.get("half_hours")?,
            })
        })
        .collect::<DbResult<_>>()
        .map_err(Into::into)
}

/// What a certificate shows: the volunteer, their completed shifts in the period, the total.
pub struct Certificate {
    pub volunteer: Volunteer,
    pub shifts: Vec<Mine>,
    pub half_hours: i64,
    pub area_name: String,
}

/// The service-hours certificate of a volunteer: for readers in scope, or the volunteer.
pub async fn certificate(
    db: &Db,
    r: &Reader,
    volunteer: i64,
    from: i64,
    to: i64,
) -> AppResult<Certificate> {
    let own = volunteers::of_account(db, r.account_id)
        .await?
        .filter(|v| v.id == volunteer);
    let v = match own {
        Some(v) => v,
        None => volunteers::get(db, r, volunteer).await?,
    };
    let shifts: Vec<Mine> = shifts_of(db, v.id, from, to)
        .await?
        .into_iter()
        .filter(|m| m.checkout.is_some())
        .collect();
    let half_hours = shifts.iter().map(|m| m.half_hours).sum();
    let area_name = crate::registry::areas::by_path(db, &v.path)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    Ok(Certificate {
        volunteer: v,
        shifts,
        half_hours,
        area_name,
    })
}

/// Someone else on a shift, as its leader sees them.
#[derive(Debug, Clone)]
pub struct Crew {
    pub assignment: i64,
    pub name: String,
    pub checkin: Option<i64>,
    pub checkout: Option<i64>,
}

impl FromRow for Crew {
    fn from_row(r: &Row) -> DbResult<Crew> {
        Ok(Crew {
            assignment: r.get("id")?,
            name: r.get("name")?,
            checkin: r.get("checkin_ms")?,
            checkout: r.get("checkout_ms")?,
        })
    }
}

/// The others on `shift` (all but placement `except`), by name: what the shift's leader checks
/// in and out.
pub async fn crew(db: &Db, shift: i64, except: i64) -> AppResult<Vec<Crew>> {
    Ok(db
        .query_as(
            "SELECT a.id, v.name, a.checkin_ms, a.checkout_ms FROM assignments a \
             JOIN volunteers v ON v.id = a.volunteer_id WHERE a.shift_id = $1 AND a.id <> $2 \
             ORDER BY v.name",
            args![shift, except],
        )
        .await?)
}

/// Duty under an area for HQ's overview: volunteers on duty at `at` (checked in, not yet out,
/// on a shift not ended), and the completed duties (person-times and half-hours) of shifts
/// starting in `[from, to)`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct AreaDuty {
    pub on_duty: i64,
    pub person_times: i64,
    pub half_hours: i64,
}

struct DutyNow {
    n: i64,
}
crate::from_row!(DutyNow { n });

struct DutyDone {
    person_times: i64,
    half_hours: i64,
}
crate::from_row!(DutyDone {
    person_times,
    half_hours
});

pub async fn area_duty(db: &Db, path: &str, at: i64, from: i64, to: i64) -> AppResult<AreaDuty> {
    let end = path_end(path);
    let now: DutyNow = db
        .query_one_as(
            "SELECT COUNT(DISTINCT a.volunteer_id) AS n FROM assignments a JOIN shifts s ON s.id = a.shift_id \
             WHERE s.path >= $1 AND s.path < $2 AND a.checkin_ms IS NOT NULL AND a.checkin_ms <= $3 \
             AND (a.checkout_ms IS NULL OR a.checkout_ms > $3) AND s.ends_ms > $3",
            args![path, end.as_str(), at],
        )
        .await?;
    let done: DutyDone = db
        .query_one_as(
            "SELECT COUNT(*) AS person_times, CAST(COALESCE(SUM(a.half_hours), 0) AS BIGINT) AS half_hours \
             FROM assignments a JOIN shifts s ON s.id = a.shift_id \
             WHERE s.path >= $1 AND s.path < $2 AND s.starts_ms >= $3 AND s.starts_ms < $4 \
             AND a.checkout_ms IS NOT NULL",
            args![path, end.as_str(), from, to],
        )
        .await?;
    Ok(AreaDuty {
        on_duty: now.n,
        person_times: done.person_times,
        half_hours: done.half_hours,
    })
}
