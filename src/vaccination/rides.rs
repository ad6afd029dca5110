//! Rides to the vaccination site (专车接送): a need of category `vaccine_transport` registered
//! through the needs engine for the resident's household, which the community's officers
//! dispatch to a team of volunteer drivers like any other need. The worklist shows the ride as
//! requested, arranged, done or cancelled from that need's state.

use serde::Serialize;

use super::worklist::Item;
use crate::access::Reader;
use crate::args;
use crate::audit::Actor;
use crate::db::{Db, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::needs::intake::{self, NewNeed};

/// The needs category of a ride to vaccination.
pub const CATEGORY: &str = "vaccine_transport";

#[derive(Debug, Clone, Default)]
pub struct RideForm {
    pub site: String,
    pub on_day: String,
    pub note: String,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ride {
    pub need_id: i64,
    pub replayed: bool,
}

/// What a need's status means for a ride.
pub fn ride_state(need_status: &str) -> &'static str {
    match need_status {
        "new" => "requested",
        "assigned" | "claimed" | "in_progress" => "arranged",
        "done" => "done",
        _ => "cancelled",
    }
}

pub const RIDE_STATES: crate::needs::Vocab = &[
    ("requested", "ride requested", "已申请接送"),
    ("arranged", "ride arranged", "接送已安排"),
    ("done", "ride done", "接送已完成"),
    ("cancelled", "ride cancelled", "接送已取消"),
];

/// Request a ride for a resident in the reader's scope: a need in the needs engine (audited
/// there as `need_created`). Idempotent by client id (the need's own).
pub async fn request(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &RideForm,
    today: i64,
) -> AppResult<Ride> {
    super::require_work(r)?;
    let p = super::doses::person(db, r, resident).await?;
    let mut errs = Vec::new();
    let site = f.site.trim();
    if site.is_empty() || site.chars().count() > 100 {
        errs.push(FieldError::new(
            "site",
            "name the vaccination site (up to 100 characters)",
            "请填写接种点（最多 100 个字符）",
        ));
    }
    let day = match super::parse_day("on_day", &f.on_day) {
        Ok(d) if d < today => {
            errs.push(FieldError::new(
                "on_day",
                "the day is in the past",
                "日期已过",
            ));
            None
        }
        Ok(d) if d > today + 60 => {
            errs.push(FieldError::new(
                "on_day",
                "at most 60 days ahead",
                "最多提前 60 天",
            ));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errs.push(e);
            None
        }
    };
    if f.note.trim().chars().count() > 300 {
        errs.push(FieldError::new(
            "note",
            "at most 300 characters",
            "最多 300 个字符",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let day = super::ymd(day.expect("checked"));
    // In the words of the community's queue (the demo and the field speak Chinese).
    let mut description = format!("接种转运：{site}，{day}");
    if !f.note.trim().is_empty() {
        description.push('；');
        description.push_str(f.note.trim());
    }
    let made = intake::create(
        db,
        actor,
        r,
        p.household_id,
        &NewNeed {
            resident: Some(p.id),
            for_name: String::new(),
            category: CATEGORY.into(),
            urgency: "3".into(),
            description,
            phone: String::new(),
            source: "grid".into(),
            client_id: f.client_id.trim().to_owned(),
            visit: None,
        },
        crate::db::now_ms(),
    )
    .await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO vax_rides (need_id, resident_id, path, site, on_day, by_login, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (need_id) DO NOTHING",
        args![
            made.id,
            p.id,
            p.path.as_str(),
            site,
            day,
            actor.username.as_str(),
            crate::db::now_ms()
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(Ride {
        need_id: made.id,
        replayed: made.replayed,
    })
}

struct RideRow {
    resident_id: i64,
    need_id: i64,
    status: String,
}
crate::from_row!(RideRow {
    resident_id,
    need_id,
    status
});

/// Fill in the latest ride of each listed resident.
pub async fn fill(db: &Db, items: &mut [Item]) -> AppResult<()> {
    let ids: Vec<i64> = items.iter().map(|i| i.resident_id).collect();
    let mut latest = std::collections::HashMap::<i64, (i64, String)>::new();
    for chunk in ids.chunks(500) {
        let rows = db
            .query_as::<RideRow>(
                &format!(
                    "SELECT v.resident_id, v.need_id, n.status FROM vax_rides v JOIN needs n ON n.id = v.need_id \
                     WHERE v.resident_id IN ({}) ORDER BY v.need_id",
                    crate::db::placeholders(1, chunk.len())
                ),
                chunk.iter().map(|i| Value::from(*i)).collect(),
            )
            .await?;
        for r in rows {
            latest.insert(r.resident_id, (r.need_id, r.status));
        }
    }
    for i in items {
        if let Some((need, status)) = latest.get(&i.resident_id) {
            i.ride = Some(ride_state(status));
            i.ride_need = Some(*need);
        }
    }
    Ok(())
}
