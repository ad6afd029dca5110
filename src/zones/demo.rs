//! The demo city's zones: in the demo community, its first grid (the demo grid worker's) a
//! controlled compound with a sealed building inside, the community a precaution zone, and a
//! building sealed ten days ago and lifted three days ago, in the history.

use super::lifecycle::{self, ChangeForm, NewZone, DAY_MS};
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader, DEMO_COMMUNITY};

/// Once, when there are no zones yet. Returns how many were declared.
pub async fn create(db: &Db) -> Result<Option<i64>, AppError> {
    if db
        .query_opt("SELECT id FROM zones LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(street) = demo_reader(db, "demo-street").await? else {
        return Ok(None);
    };
    let actor = demo_actor(&street);
    let grid = format!("{DEMO_COMMUNITY}/G0001");
    let mut buildings: Vec<String> = db
        .column(
            "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = 7 ORDER BY code LIMIT 2",
            crate::args![grid.as_str(), crate::db::path_end(&grid)],
        )
        .await?;
    if buildings.is_empty() {
        return Ok(None);
    }
    // The lifted zone's building: a second one if the grid has it, else the same one (sealed
    // before, lifted, sealed again).
    if buildings.len() < 2 {
        buildings.push(buildings[0].clone());
    }
    let now = now_ms();
    let hour = 3_600_000;
    let decided = |n: i64| format!("零陵区新冠肺炎疫情防控指挥部 2026年第{n}号通告");
    // History first: a building sealed ten days ago, extended, then lifted three days ago.
    let past = now - 10 * DAY_MS;
    let old = lifecycle::declare(
        db,
        &actor,
        &street,
        &NewZone {
            area: buildings[1].clone(),
            kind: "sealed".into(),
            start_ms: past,
            planned_end_ms: Some(past + 5 * DAY_MS),
            reason: "楼内发现 1 例阳性感染者".into(),
            decided_by: decided(9),
            ..NewZone::default()
        },
        past,
    )
    .await?;
    lifecycle::extend(
        db,
        &actor,
        &street,
        old.id,
        &ChangeForm {
            new_end_ms: Some(past + 8 * DAY_MS),
            reason: "封控期间新增 1 例密接转阳".into(),
            decided_by: decided(10),
            ..ChangeForm::default()
        },
        past + 4 * DAY_MS,
    )
    .await?;
    lifecycle::lift(
        db,
        &actor,
        &street,
        old.id,
        &ChangeForm {
            reason: "连续 7 天无新增阳性，解除封控".into(),
            decided_by: decided(11),
            ..ChangeForm::default()
        },
        now - 3 * DAY_MS,
    )
    .await?;
    let declare = |area: String, kind: &'static str, days: i64, reason: &'static str, n: i64| {
        let street = street.clone();
        let actor = actor.clone();
        let decided_by = decided(n);
        async move {
            lifecycle::declare(
                db,
                &actor,
                &street,
                &NewZone {
                    area,
                    kind: kind.into(),
                    start_ms: now - 2 * DAY_MS,
                    planned_end_ms: Some(now + days * DAY_MS - 2 * DAY_MS + 12 * hour),
                    reason: reason.into(),
                    decided_by,
                    ..NewZone::default()
                },
                now - 2 * DAY_MS,
            )
            .await
        }
    };
    declare(
        buildings[0].clone(),
        "sealed",
        14,
        "楼内发现 2 例阳性感染者，足不出户、上门服务",
        12,
    )
    .await?;
    declare(grid, "controlled", 7, "封控楼栋所在小区，人不出区", 12).await?;
    declare(
        DEMO_COMMUNITY.to_owned(),
        "precaution",
        7,
        "社区内出现阳性病例，强化社会面管控",
        12,
    )
    .await?;
    Ok(Some(4))
}
