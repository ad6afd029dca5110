//! The outreach worklist (摸排名单) and its tick-offs (逐人销号).
//!
//! The list of an area (a grid, a building, a community) holds the residents of a target group
//! (60+, 80+, 60–79, booster due) who still need a dose on `today` (none yet, the course's
//! next dose due, or the booster due), in walking order (grid, building, household address,
//! member), unless a tick-off keeps them off it: an appointment until its day has passed, a
//! refusal for [`super::REFUSAL_ASK_AGAIN_DAYS`], a temporary contraindication until its
//! recheck date, a permanent one, a bedridden resident (on the home-visit list instead), a move
//! or a death for good. "Not reached" and "vaccinated" keep nobody off: the dose itself moves
//! the resident's next date.

use serde::Serialize;
use serde_json::json;

use super::doses::{self, DoseForm, Person};
use super::{day_number, in_vocab, ymd, DETAILS, GROUPS, REASONS};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};

/// One resident on a list.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub resident_id: i64,
    pub household_id: i64,
    pub name: String,
    pub age: i64,
    pub address: String,
    pub path: String,
    #[serde(skip)]
    pub phone: Option<String>,
    pub phone_masked: String,
    /// none, partial, full, booster_due, boosted.
    pub status: &'static str,
    pub doses: i64,
    pub next_due_on: Option<String>,
    /// The current tick-off, if any.
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub back_on: Option<String>,
    pub ticked_by: Option<String>,
    pub ticked_ms: Option<i64>,
    /// The latest ride: requested, arranged, done or cancelled.
    pub ride: Option<&'static str>,
    pub ride_need: Option<i64>,
}

struct RawItem {
    id: i64,
    household_id: i64,
    name: String,
    birth_date: Option<String>,
    phone: Option<String>,
    address: String,
    path: String,
    status: Option<String>,
    doses: Option<i64>,
    next_due_on: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    back_on: Option<String>,
    hides: Option<i64>,
    by_login: Option<String>,
    at_ms: Option<i64>,
}
crate::from_row!(RawItem {
    id,
    household_id,
    name,
    birth_date,
    phone,
    address,
    path,
    status,
    doses,
    next_due_on,
    reason,
    detail,
    back_on,
    hides,
    by_login,
    at_ms
});

/// Which part of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Still to do on `today`.
    Todo,
    /// Kept off by a tick-off.
    Ticked,
}

/// Birth-year bounds of a group: (youngest age, oldest age, booster due only).
pub fn group_rule(group: &str) -> Option<(i64, i64, bool)> {
    match group {
        "60+" => Some((60, 200, false)),
        "80+" => Some((80, 200, false)),
        "60-79" => Some((60, 79, false)),
        "booster_due" => Some((18, 200, true)),
        _ => None,
    }
}

/// The list of `group` under `path` (in the reader's scope) on `today`, in walking order.
pub async fn list(
    db: &Db,
    r: &Reader,
    path: &str,
    group: &str,
    part: Part,
    today: i64,
) -> AppResult<Vec<Item>> {
    list_in(db, r, path, None, group, part, today).await
}

/// [`list`], narrowed to one household under `path` when `household` is given (the door a
/// grid worker stands at).
pub async fn list_in(
    db: &Db,
    r: &Reader,
    path: &str,
    household: Option<i64>,
    group: &str,
    part: Part,
    today: i64,
) -> AppResult<Vec<Item>> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let Some((lo, hi, booster_only)) = group_rule(group) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "group",
            "choose a target group",
            "请选择目标人群",
        )]));
    };
    let year = super::year_of(today);
    // Ages by year of birth: aged `lo` this year = born in `year - lo` or before.
    let born_before = format!("{:04}-01-01", year - lo + 1);
    let born_from = format!("{:04}-01-01", year - hi.min(150));
    let today_s = ymd(today);
    let need = if booster_only {
        "s.status = 'full' AND s.next_due_on <= $5"
    } else {
        "(s.resident_id IS NULL OR (s.status <> 'boosted' AND s.next_due_on <= $5))"
    };
    let ticked = match part {
        Part::Todo => {
            "(t.id IS NULL OR t.hides = 0 OR (t.back_on IS NOT NULL AND t.back_on <= $5))"
        }
        Part::Ticked => {
            "(t.id IS NOT NULL AND t.hides = 1 AND (t.back_on IS NULL OR t.back_on > $5))"
        }
    };
    let sql = format!(
        "SELECT r.id, r.household_id, r.name, r.birth_date, r.phone, h.address, h.path, \
         s.status, s.doses, s.next_due_on, t.reason, t.detail, t.back_on, t.hides, t.by_login, t.at_ms \
         FROM households h JOIN residents r ON r.household_id = h.id \
         LEFT JOIN vax_status s ON s.resident_id = r.id \
         LEFT JOIN vax_tickoffs t ON t.resident_id = r.id AND t.current = 1 \
         WHERE h.path >= $1 AND h.path < $2 AND r.birth_date < $3 AND r.birth_date >= $4 \
         AND {need} AND {ticked}{one}",
        one = if household.is_some() {
            " AND h.id = $6"
        } else {
            ""
        }
    );
    let mut params = args![
        path,
        path_end(path),
        born_before.as_str(),
        born_from.as_str(),
        today_s.as_str()
    ];
    if let Some(h) = household {
        params.push(crate::db::Value::from(h));
    }
    let rows = db.query_as::<RawItem>(&sql, params).await?;
    let mut items: Vec<Item> = rows
        .into_iter()
        .map(|x| {
            let derived_status = match x.status.as_deref() {
                None => "none",
                Some("full")
                    if x.next_due_on
                        .as_deref()
                        .and_then(day_number)
                        .is_some_and(|d| d <= today) =>
                {
                    "booster_due"
                }
                Some("partial") => "partial",
                Some("full") => "full",
                Some(_) => "boosted",
            };
            let _ = x.hides;
            Item {
                resident_id: x.id,
                household_id: x.household_id,
                name: x.name,
                age: year - doses::birth_year(x.birth_date.as_deref()),
                address: x.address,
                path: x.path,
                phone_masked: x
                    .phone
                    .as_deref()
                    .map(crate::registry::validate::mask_phone)
                    .unwrap_or_default(),
                phone: x.phone,
                status: derived_status,
                doses: x.doses.unwrap_or(0),
                next_due_on: x.next_due_on,
                reason: x.reason,
                detail: x.detail.filter(|d| !d.is_empty()),
                back_on: x.back_on,
                ticked_by: x.by_login,
                ticked_ms: x.at_ms,
                ride: None,
                ride_need: None,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then_with(|| crate::registry::residents::natural_cmp(&a.address, &b.address))
            .then(a.household_id.cmp(&b.household_id))
            .then(a.resident_id.cmp(&b.resident_id))
    });
    super::rides::fill(db, &mut items).await?;
    Ok(items)
}

/// A tick-off as typed.
#[derive(Debug, Clone, Default)]
pub struct TickForm {
    pub reason: String,
    /// The sub-reason: fever/flare, allergy/end_stage, self/family (refused by).
    pub detail: String,
    pub note: String,
    pub appt_on: String,
    pub site: String,
    pub recheck_on: String,
    /// The dose given, for "vaccinated".
    pub dose: DoseForm,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ticked {
    pub id: i64,
    pub dose_id: Option<i64>,
    pub back_on: Option<String>,
    pub replayed: bool,
}

/// A tick-off as kept (a resident's history).
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub id: i64,
    pub reason: String,
    pub detail: String,
    pub note: String,
    pub appt_on: Option<String>,
    pub site: String,
    pub recheck_on: Option<String>,
    pub back_on: Option<String>,
    pub dose_id: Option<i64>,
    pub current: bool,
    pub by_login: String,
    pub at_ms: i64,
}
crate::from_row!(Tick {
    id,
    reason,
    detail,
    note,
    appt_on,
    site,
    recheck_on,
    back_on,
    dose_id,
    current,
    by_login,
    at_ms
});

pub fn reason_label(code: &str, l: Lang) -> String {
    super::label(REASONS, code, l)
}

pub fn group_label(code: &str, l: Lang) -> String {
    super::label(GROUPS, code, l)
}

/// A resident's tick-offs, newest first.
pub async fn history(db: &Db, r: &Reader, resident: i64) -> AppResult<Vec<Tick>> {
    let p = doses::person(db, r, resident).await?;
    Ok(db
        .query_as::<Tick>(
            "SELECT id, reason, detail, note, appt_on, site, recheck_on, back_on, dose_id, current, by_login, at_ms \
             FROM vax_tickoffs WHERE resident_id = $1 ORDER BY id DESC LIMIT 100",
            args![p.id],
        )
        .await?)
}

struct TickClient {
    id: i64,
    resident_id: i64,
    dose_id: Option<i64>,
    back_on: Option<String>,
}
crate::from_row!(TickClient {
    id,
    resident_id,
    dose_id,
    back_on
});

fn short_text(field: &'static str, s: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let t = s.trim();
    if t.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("at most {max} characters"),
            format!("最多 {max} 个字符"),
        ));
    }
    t.to_owned()
}

/// Tick a resident off with a typed reason, audited. Idempotent by client id. A "vaccinated"
/// tick-off records its dose in the same transaction.
pub async fn tick(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &TickForm,
    today: i64,
) -> AppResult<Ticked> {
    super::require_work(r)?;
    let p = doses::person(db, r, resident).await?;
    let cid = super::client_id("client_id", &f.client_id)?;
    if let Some(cid) = cid.as_deref() {
        if let Some(row) = db
            .query_opt_as::<TickClient>(
                "SELECT id, resident_id, dose_id, back_on FROM vax_tickoffs WHERE client_id = $1",
                args![cid],
            )
            .await?
        {
            if row.resident_id != p.id {
                return Err(AppError::Conflict(Msg::new(
                    "this form was already used for another resident; reload the page",
                    "此表单已用于其他居民，请刷新页面",
                )));
            }
            return Ok(Ticked {
                id: row.id,
                dose_id: row.dose_id,
                back_on: row.back_on,
                replayed: true,
            });
        }
    }
    let mut errs = Vec::new();
    let reason = f.reason.trim();
    if !in_vocab(REASONS, reason) {
        errs.push(FieldError::new(
            "reason",
            "choose a reason",
            "请选择销号原因",
        ));
    }
    let detail = f.detail.trim();
    let details: Vec<&str> = DETAILS
        .iter()
        .filter(|d| d.0 == reason)
        .map(|d| d.1)
        .collect();
    if !details.is_empty() && !details.contains(&detail) {
        errs.push(FieldError::new(
            "detail",
            match reason {
                "refused" => "say who refused: the resident or the family",
                "temp_contra" => {
                    "choose: fever or acute infection, or an acute flare of a chronic disease"
                }
                _ => "choose: severe allergy to an earlier dose, or end-stage illness",
            },
            match reason {
                "refused" => "请选择拒绝人：本人或家属",
                "temp_contra" => "请选择：发热或急性感染，或慢性病急性发作",
                _ => "请选择：既往接种严重过敏，或终末期疾病",
            },
        ));
    }
    let note = short_text("note", &f.note, 500, &mut errs);
    let mut site = short_text("site", &f.site, 100, &mut errs);
    let mut appt_on = None;
    let mut recheck_on = None;
    let mut back_on = None;
    let mut hides = true;
    match reason {
        "appointment" => {
            match super::parse_day("appt_on", &f.appt_on) {
                Ok(d) if d < today => errs.push(FieldError::new(
                    "appt_on",
                    "the appointment is in the past",
                    "预约日期已过",
                )),
                Ok(d) if d > today + 365 => errs.push(FieldError::new(
                    "appt_on",
                    "the appointment is more than a year ahead",
                    "预约日期超过一年",
                )),
                Ok(d) => {
                    appt_on = Some(ymd(d));
                    back_on = Some(ymd(d + 1));
                }
                Err(e) => errs.push(e),
            }
            if site.is_empty() {
                errs.push(FieldError::new(
                    "site",
                    "name the vaccination site",
                    "请填写接种点",
                ));
            }
        }
        "temp_contra" => match super::parse_day("recheck_on", &f.recheck_on) {
            Ok(d) if d <= today => errs.push(FieldError::new(
                "recheck_on",
                "the recheck date must be after today",
                "复查日期应晚于今天",
            )),
            Ok(d) if d > today + 365 => errs.push(FieldError::new(
                "recheck_on",
                "the recheck date is more than a year ahead",
                "复查日期超过一年",
            )),
            Ok(d) => {
                recheck_on = Some(ymd(d));
                back_on = Some(ymd(d));
            }
            Err(e) => errs.push(e),
        },
        "refused" => back_on = Some(ymd(today + super::REFUSAL_ASK_AGAIN_DAYS)),
        "vaccinated" | "not_reached" => hides = false,
        _ => {}
    }
    if reason != "appointment" && reason != "vaccinated" {
        site.clear();
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    tx.lock_rows("residents", &[p.id]).await?;
    let dose_id = if reason == "vaccinated" {
        let mut d = f.dose.clone();
        if d.site.trim().is_empty() {
            d.site = site.clone();
        }
        let (id, _) = doses::insert_dose(&mut tx, &p, &d, None, "tickoff", actor, today).await?;
        Some(id)
    } else {
        None
    };
    // The tick-off it supersedes leaves the tallies, this one enters them (below).
    let before = super::tallies::current_tickoffs(&mut tx, "resident_id = $1", args![p.id]).await?;
    let gone: Vec<_> = before.iter().map(|t| (t, t.path.as_str(), -1)).collect();
    super::tallies::tickoff_deltas(&mut tx, &gone).await?;
    tx.execute(
        "UPDATE vax_tickoffs SET current = 0 WHERE resident_id = $1 AND current = 1",
        args![p.id],
    )
    .await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO vax_tickoffs (resident_id, path, reason, detail, note, appt_on, site, recheck_on, back_on, hides, dose_id, client_id, current, by_login, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14) RETURNING id",
            args![
                p.id,
                p.path.as_str(),
                reason,
                detail,
                note,
                appt_on.clone(),
                site,
                recheck_on.clone(),
                back_on.clone(),
                hides,
                dose_id,
                cid,
                actor.username.as_str(),
                crate::db::now_ms()
            ],
        )
        .await?;
    let now = super::tallies::current_tickoffs(&mut tx, "id = $1", args![id]).await?;
    let came: Vec<_> = now.iter().map(|t| (t, t.path.as_str(), 1)).collect();
    super::tallies::tickoff_deltas(&mut tx, &came).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("vax_tickoff", "resident", p.id)
            .area(&p.path)
            .detail(
                json!({"tickoff": id, "reason": reason, "detail": detail, "dose": dose_id,
                           "appt_on": appt_on, "recheck_on": recheck_on}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(Ticked {
        id,
        dose_id,
        back_on,
        replayed: false,
    })
}

/// The person a list row is about, with the reader's scope checked.
pub async fn person(db: &Db, r: &Reader, id: i64) -> AppResult<Person> {
    doses::person(db, r, id).await
}
