//! Vehicle trips of the goods ledger (issue 17): a lorry's run from a depot, with its driver,
//! plate and times; movements name the trip they travelled on.

use serde::Serialize;
use serde_json::json;

use super::goods::client;
use super::text;
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppResult, FieldError};
use crate::web::kit::Check;

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct TripForm {
    pub client_id: String,
    pub plate: String,
    pub driver: String,
    pub from: String,
    pub to: String,
    /// `YYYY-MM-DDTHH:MM` (China time).
    pub depart: String,
    pub arrive: String,
    /// Tonnage in kilograms.
    pub kg: String,
    pub passengers: String,
    /// The area code the trip is counted under (default: the reader's first).
    pub area: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trip {
    pub id: i64,
    pub plate: String,
    pub driver: String,
    pub from_label: String,
    pub to_label: String,
    pub path: String,
    pub depart_ms: i64,
    pub arrive_ms: Option<i64>,
    pub tonnage_kg: i64,
    pub passengers: i64,
    pub moves: i64,
}
crate::from_row!(Trip {
    id,
    plate,
    driver,
    from_label,
    to_label,
    path,
    depart_ms,
    arrive_ms,
    tonnage_kg,
    passengers,
    moves
});

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD HH:MM` in China time to epoch ms.
pub fn parse_local(v: &str) -> Option<i64> {
    let v = v.trim().replace(' ', "T");
    let (d, t) = v.split_once('T')?;
    use crate::mobilization::rules::{day_number, CST_MS, DAY_MS};
    let day = day_number(d)?;
    let (h, m) = t.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(day * DAY_MS - CST_MS + (h * 60 + m) * 60_000)
}

pub async fn add_trip(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &TripForm,
    now: i64,
) -> AppResult<i64> {
    super::require_goods(r)?;
    let cid = client(&f.client_id);
    if let Some(c) = &cid {
        if let Some(id) = db
            .scalar_opt::<i64>(
                "SELECT id FROM sup_trips WHERE client_id = $1",
                args![c.as_str()],
            )
            .await?
        {
            return Ok(id);
        }
    }
    let mut c = Check::default();
    let plate = text(&mut c, "plate", &f.plate, 20, true);
    let driver = text(&mut c, "driver", &f.driver, 60, true);
    let from = text(&mut c, "from_place", &f.from, 100, true);
    let to = text(&mut c, "to_place", &f.to, 100, true);
    let depart = parse_local(&f.depart);
    if depart.is_none() {
        c.push(FieldError::new(
            "depart",
            "date and time of departure",
            "请填写出发日期和时间",
        ));
    }
    let arrive = match f.arrive.trim() {
        "" => None,
        v => match parse_local(v) {
            Some(a) if depart.is_none_or(|d| a >= d) => Some(a),
            _ => {
                c.push(FieldError::new(
                    "arrive",
                    "arrival: a date and time after the departure",
                    "到达时间须晚于出发时间",
                ));
                None
            }
        },
    };
    let kg = match f.kg.trim() {
        "" => 0,
        v => match v.parse::<i64>() {
            Ok(n) if (0..=100_000).contains(&n) => n,
            _ => {
                c.push(FieldError::new(
                    "kg",
                    "kilograms: a whole number up to 100,000",
                    "公斤数：不超过 100000 的整数",
                ));
                0
            }
        },
    };
    let passengers = match f.passengers.trim() {
        "" => 0,
        v => match v.parse::<i64>() {
            Ok(n) if (0..=100).contains(&n) => n,
            _ => {
                c.push(FieldError::new(
                    "passengers",
                    "a whole number up to 100",
                    "不超过 100 的整数",
                ));
                0
            }
        },
    };
    let path = match f.area.trim() {
        "" => r.scope.roots.first().cloned(),
        code => crate::registry::areas::by_code(db, code)
            .await?
            .map(|a| a.path)
            .filter(|p| r.scope.contains(p)),
    };
    if path.is_none() {
        c.push(FieldError::new(
            "area",
            "choose an area of your scope",
            "请选择您管辖范围内的区划",
        ));
    }
    c.finish()?;
    let path = path.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO sup_trips (plate, driver, from_label, to_label, path, depart_ms, arrive_ms, tonnage_kg, passengers, client_id, actor, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            args![plate.as_str(), driver.as_str(), from.as_str(), to.as_str(), path.as_str(), depart, arrive, kg, passengers, cid, actor.username.as_str(), now],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_trip", "supply_trip", id)
            .area(&path)
            .detail(json!({"plate": plate, "from": from, "to": to})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

const TRIP_COLS: &str =
    "t.id, t.plate, t.driver, t.from_label, t.to_label, t.path, t.depart_ms, t.arrive_ms, \
    t.tonnage_kg, t.passengers, (SELECT COUNT(*) FROM sup_moves m WHERE m.trip_id = t.id) AS moves";

/// The trips of the reader's scope, newest first.
pub async fn trips(db: &Db, r: &Reader, limit: i64, offset: i64) -> AppResult<(Vec<Trip>, i64)> {
    super::require_read(r)?;
    let (cond, mut params) = super::scope(r).sql("t.path", 1);
    let total: i64 = db
        .scalar(
            &format!("SELECT COUNT(*) AS n FROM sup_trips t WHERE {cond}"),
            params.clone(),
        )
        .await?;
    let n = params.len();
    params.push(limit.into());
    params.push(offset.into());
    let rows = db
        .query_as(
            &format!(
                "SELECT {TRIP_COLS} FROM sup_trips t WHERE {cond} ORDER BY t.depart_ms DESC, t.id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    Ok((rows, total))
}
