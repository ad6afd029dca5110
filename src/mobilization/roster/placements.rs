//! Placing volunteers on shifts by hand and the roster of a period: who is on each shift and
//! the rules each placement breaks; a placement that breaks a rule needs an officer's explicit
//! override with a reason, recorded on the placement and in the audit log.

use serde::Serialize;
use serde_json::json;

use super::{shift, Shift, SHIFT_COLS, SHIFT_FROM};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, DbResult, FromRow, Row, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::mobilization::rules::{breaches, Breach, Rules, Span, DAY_MS};
use crate::mobilization::volunteers::{self, Volunteer};
use crate::mobilization::{require_manager, require_reader};

/// Someone on a shift.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub assignment: i64,
    pub volunteer: i64,
    pub name: String,
    pub phone: String,
    pub unit: String,
    pub how: String,
    pub leader: bool,
    pub override_rules: String,
    pub override_reason: String,
    pub override_by: String,
    pub checkin: Option<i64>,
    pub checkout: Option<i64>,
    pub half_hours: i64,
    /// The rules this placement breaks now (overridden or not).
    pub breaches: Vec<Breach>,
}

/// Someone on a shift from the columns of `roster`'s query (the breaches are added after).
impl FromRow for Holder {
    fn from_row(r: &Row) -> DbResult<Holder> {
        Ok(Holder {
            assignment: r.get("assignment")?,
            volunteer: r.get("volunteer")?,
            name: r.get("name")?,
            phone: r.get("phone")?,
            unit: r.get("unit")?,
            how: r.get("how")?,
            leader: r.get("leader")?,
            override_rules: r.get("override_rules")?,
            override_reason: r.get("override_reason")?,
            override_by: r.get("override_by")?,
            checkin: r.get("checkin_ms")?,
            checkout: r.get("checkout_ms")?,
            half_hours: r.get("half_hours")?,
            breaches: vec![],
        })
    }
}

/// The shifts starting in `[from, to)` under `path` (optionally at one place), with who is on
/// each and the rules each placement breaks.
pub async fn roster(
    db: &Db,
    r: &Reader,
    path: &str,
    place: Option<i64>,
    from: i64,
    to: i64,
) -> AppResult<Vec<(Shift, Vec<Holder>)>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let end = path_end(path);
    let mut params = args![path, end.as_str(), from, to];
    let mut sql = format!(
        "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.path >= $1 AND s.path < $2 \
         AND s.starts_ms >= $3 AND s.starts_ms < $4"
    );
    if let Some(p) = place {
        params.push(Value::from(p));
        sql.push_str(" AND s.place_id = $5");
    }
    sql.push_str(" ORDER BY s.starts_ms, pl.name, s.id");
    let shifts: Vec<Shift> = db.query_as(&sql, params.clone()).await?;
    if shifts.is_empty() {
        return Ok(vec![]);
    }
    let hsql = format!(
        "SELECT a.id AS assignment, a.shift_id, v.id AS volunteer, v.name, v.phone, \
         COALESCE(u.name, v.unit_text) AS unit, a.how, a.leader, a.override_rules, a.override_reason, a.override_by, a.checkin_ms, a.checkout_ms, a.half_hours \
         FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN volunteers v ON v.id = a.volunteer_id \
         LEFT JOIN units u ON u.id = v.unit_id WHERE {} ORDER BY a.leader DESC, v.name, a.id",
        sql.split_once(" WHERE ").expect("has WHERE").1.split(" ORDER BY").next().expect("has order")
    );
    let holders = db
        .query(&hsql, params)
        .await?
        .iter()
        .map(|h| Ok((h.get::<i64>("shift_id")?, Holder::from_row(h)?)))
        .collect::<DbResult<Vec<_>>>()?;
    // Everyone's holdings around the period, to show the rules each placement breaks.
    let vids: Vec<i64> = holders.iter().map(|(_, h)| h.volunteer).collect();
    let spans = spans_of(db, &vids, from - 8 * DAY_MS, to + 8 * DAY_MS).await?;
    let rules = Rules::load(db).await?;
    let vinfo = volunteer_rule_info(db, &vids).await?;
    let mut by_shift: std::collections::HashMap<i64, Vec<Holder>> = Default::default();
    let shift_index: std::collections::HashMap<i64, &Shift> =
        shifts.iter().map(|s| (s.id, s)).collect();
    for (sid, mut h) in holders {
        let vid = h.volunteer;
        let s = shift_index[&sid];
        let others: Vec<Span> = spans
            .get(&vid)
            .map(|v| v.iter().filter(|x| x.shift != sid).copied().collect())
            .unwrap_or_default();
        let b = match vinfo.get(&vid) {
            Some((skills, avail)) => breaches(&rules, avail, skills, &s.skills, &others, s.span()),
            None => vec![],
        };
        h.breaches = b;
        by_shift.entry(sid).or_default().push(h);
    }
    Ok(shifts
        .into_iter()
        .map(|s| {
            let h = by_shift.remove(&s.id).unwrap_or_default();
            (s, h)
        })
        .collect())
}

/// A volunteer's skills and stated availability, as stored.
pub(in crate::mobilization) struct VolunteerRules {
    pub id: i64,
    pub skills: String,
    pub days: i64,
    pub from_min: i64,
    pub to_min: i64,
    pub avail_from: Option<String>,
    pub avail_to: Option<String>,
}
crate::from_row!(VolunteerRules {
    id,
    skills,
    days,
    from_min,
    to_min,
    avail_from,
    avail_to
});

impl VolunteerRules {
    pub fn availability(&self) -> crate::mobilization::rules::Availability {
        crate::mobilization::availability_of(
            self.days,
            self.from_min,
            self.to_min,
            self.avail_from.as_deref(),
            self.avail_to.as_deref(),
        )
    }
}

/// Skills and availability of volunteers by id.
async fn volunteer_rule_info(
    db: &Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, (String, crate::mobilization::rules::Availability)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT id, skills, days, from_min, to_min, avail_from, avail_to FROM volunteers WHERE id IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        for v in db
            .query_as::<VolunteerRules>(&sql, chunk.iter().map(|i| Value::from(*i)).collect())
            .await?
        {
            let avail = v.availability();
            out.insert(v.id, (v.skills, avail));
        }
    }
    Ok(out)
}

/// The spans volunteers hold starting in `[from, to)`.
async fn spans_of(
    db: &Db,
    ids: &[i64],
    from: i64,
    to: i64,
) -> AppResult<std::collections::HashMap<i64, Vec<Span>>> {
    let mut out: std::collections::HashMap<i64, Vec<Span>> = Default::default();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT volunteer_id, shift_id, starts_ms, ends_ms FROM assignments \
             WHERE starts_ms >= $1 AND starts_ms < $2 AND volunteer_id IN ({})",
            crate::db::placeholders(3, chunk.len())
        );
        let mut params = args![from, to];
        params.extend(chunk.iter().map(|i| Value::from(*i)));
        for r in db.query(&sql, params).await? {
            out.entry(r.get("volunteer_id")?)
                .or_default()
                .push(Span::from_row(&r)?);
        }
    }
    Ok(out)
}

/// The rules placing `v` on `s` would break, given what they hold.
pub async fn check(db: &Db, s: &Shift, v: &Volunteer) -> AppResult<Vec<Breach>> {
    let rules = Rules::load(db).await?;
    let spans = spans_of(db, &[v.id], s.start - 8 * DAY_MS, s.end + 8 * DAY_MS).await?;
    let others: Vec<Span> = spans
        .get(&v.id)
        .map(|x| x.iter().filter(|x| x.shift != s.id).copied().collect())
        .unwrap_or_default();
    Ok(breaches(
        &rules,
        &v.availability(),
        &v.skills,
        &s.skills,
        &others,
        s.span(),
    ))
}

/// Breaches as one line of text in both languages.
pub fn breaches_msg(rules: &Rules, b: &[Breach]) -> Msg {
    let en: Vec<String> = b.iter().map(|x| x.message(rules).en).collect();
    let zh: Vec<String> = b.iter().map(|x| x.message(rules).zh).collect();
    Msg::new(en.join("; "), zh.join("；"))
}

/// The override code of a placement beyond the shift's head-count.
pub const OVER_HEADCOUNT: &str = "over_headcount";

/// Put a volunteer on a shift. A placement that breaks a rule, or one more on a full shift, is
/// refused unless an officer gives `override_reason`; then it is made and the override
/// recorded (the code [`OVER_HEADCOUNT`] for the extra person). Returns the rules
/// broken (empty when none).
pub async fn assign(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    shift_id: i64,
    volunteer_id: i64,
    override_reason: &str,
) -> AppResult<Vec<Breach>> {
    require_manager(r)?;
    let s = shift(db, r, shift_id).await?;
    let v = volunteers::get(db, r, volunteer_id).await.map_err(|_| {
        AppError::from(FieldError::new(
            "volunteer",
            "choose a volunteer in your scope",
            "请选择您管辖范围内的志愿者",
        ))
    })?;
    if v.status != "approved" {
        return Err(AppError::Conflict(Msg::new(
            format!("{} is not an approved volunteer", v.name),
            format!("{} 不是已通过审核的志愿者", v.name),
        )));
    }
    let reason = override_reason.trim();
    if reason.chars().count() > 300 {
        return Err(FieldError::new(
            "override_reason",
            "at most 300 characters",
            "最多 300 个字符",
        )
        .into());
    }
    let rules = Rules::load(db).await?;
    let mut tx = db.begin().await?;
    tx.lock_rows("shifts", &[shift_id]).await?;
    tx.lock_rows("volunteers", &[volunteer_id]).await?;
    let on: Vec<i64> = tx
        .column(
            "SELECT volunteer_id FROM assignments WHERE shift_id = $1",
            args![shift_id],
        )
        .await?;
    if on.contains(&volunteer_id) {
        return Err(AppError::Conflict(Msg::new(
            format!("{} is on this shift already", v.name),
            format!("{} 已在此班次", v.name),
        )));
    }
    // A full shift takes one more only with an officer's reason (a sick colleague's
    // replacement arriving early, a rush at the gate): recorded like any other override.
    let over = on.len() as i64 >= s.headcount;
    if over && reason.is_empty() {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "this shift is full ({} people). An officer may add one more with a reason.",
                s.headcount
            ),
            format!(
                "此班次已满（{} 人）。如确需加派一人，请填写破例理由。",
                s.headcount
            ),
        )));
    }
    let others: Vec<Span> = tx
        .query_as(
            "SELECT shift_id, starts_ms, ends_ms FROM assignments WHERE volunteer_id = $1 \
             AND starts_ms >= $2 AND starts_ms < $3",
            args![volunteer_id, s.start - 8 * DAY_MS, s.end + 8 * DAY_MS],
        )
        .await?;
    let b = breaches(
        &rules,
        &v.availability(),
        &v.skills,
        &s.skills,
        &others,
        s.span(),
    );
    if !b.is_empty() && reason.is_empty() {
        let m = breaches_msg(&rules, &b);
        return Err(AppError::Conflict(Msg::new(
            format!(
                "{} cannot take this shift: {}. An officer may override this with a reason.",
                v.name, m.en
            ),
            format!(
                "{} 不能排入此班次：{}。如确需安排，请填写破例理由。",
                v.name, m.zh
            ),
        )));
    }
    let mut codes: Vec<&str> = b.iter().map(|x| x.code()).collect();
    if over {
        codes.push(OVER_HEADCOUNT);
    }
    let (o_rules, o_reason, o_by) = if codes.is_empty() {
        (String::new(), String::new(), String::new())
    } else {
        (codes.join(" "), reason.to_owned(), actor.username.clone())
    };
    let id: i64 = tx
        .scalar(
            "INSERT INTO assignments (shift_id, volunteer_id, starts_ms, ends_ms, how, assigned_by, assigned_ms, \
             override_rules, override_reason, override_by) VALUES ($1, $2, $3, $4, 'manual', $5, $6, $7, $8, $9) RETURNING id",
            args![shift_id, volunteer_id, s.start, s.end, actor.username.as_str(), now_ms(), o_rules.as_str(), o_reason.as_str(), o_by.as_str()],
        )
        .await?;
    let mut ev = Event::new(
        if codes.is_empty() {
            "roster_assign"
        } else {
            "roster_override"
        },
        "assignment",
        id,
    )
    .area(&s.path)
    .detail(
        json!({"shift": shift_id, "volunteer": volunteer_id, "broken": codes, "reason": o_reason}),
    );
    ev = ev.area(&s.path);
    audit::record(&mut tx, actor, ev).await?;
    tx.commit().await?;
    Ok(b)
}

struct Placement {
    shift_id: i64,
    volunteer_id: i64,
    checkin_ms: Option<i64>,
}
crate::from_row!(Placement {
    shift_id,
    volunteer_id,
    checkin_ms
});

/// Take someone off a shift (not once they have checked in).
pub async fn unassign(db: &Db, actor: &Actor, r: &Reader, assignment: i64) -> AppResult<()> {
    require_manager(r)?;
    let a = db
        .query_opt_as::<Placement>(
            "SELECT shift_id, volunteer_id, checkin_ms FROM assignments WHERE id = $1",
            args![assignment],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let s = shift(db, r, a.shift_id).await?;
    if a.checkin_ms.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "they have checked in on this shift; it stays on their record",
            "其已在此班次签到，记录须保留",
        )));
    }
    let mut tx = db.begin().await?;
    tx.execute("DELETE FROM assignments WHERE id = $1", args![assignment])
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("roster_unassign", "assignment", assignment)
            .area(&s.path)
            .detail(json!({"shift": s.id, "volunteer": a.volunteer_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Make someone the shift's leader (who may check the others in and out), or not.
pub async fn set_leader(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    assignment: i64,
    leader: bool,
) -> AppResult<()> {
    require_manager(r)?;
    let shift_id: i64 = db
        .scalar_opt(
            "SELECT shift_id FROM assignments WHERE id = $1",
            args![assignment],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let s = shift(db, r, shift_id).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE assignments SET leader = $1 WHERE id = $2",
        args![leader as i64, assignment],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("roster_leader", "assignment", assignment)
            .area(&s.path)
            .detail(json!({"leader": leader})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a placement is: its shift and the shift's place.
#[derive(Debug, Clone, Copy)]
pub struct PlacementAt {
    pub place_id: i64,
    pub shift_id: i64,
}
crate::from_row!(PlacementAt { place_id, shift_id });

/// The shift and place of a placement, if it exists (no scope check: the action taken on it
/// checks).
pub async fn placement_at(db: &Db, assignment: i64) -> AppResult<Option<PlacementAt>> {
    Ok(db
        .query_opt_as(
            "SELECT s.place_id, s.id AS shift_id FROM assignments a \
             JOIN shifts s ON s.id = a.shift_id WHERE a.id = $1",
            args![assignment],
        )
        .await?)
}
