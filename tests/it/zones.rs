//! Zones through the database, on both backends: the look-up of the zone in force over a
//! household (strictest over the household and the areas above it, at any moment), the
//! lifecycle (declare, extend with the earlier end kept, lift) and its history, refusals
//! naming the field, idempotent retries, and scope.

use wardline::access::Reader;
use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::registry::areas;
use wardline::zones::figures::{self, Figures, Tally};
use wardline::zones::lifecycle::{self, ChangeForm, NewZone, State, Which};
use wardline::zones::{self, ZoneKind};

use crate::common::{backends, demo_under};
use crate::mobilization::{district, C1, C2, STREET};
use crate::testing::{actor, reader};

pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;
/// A fixed start for the driven clock (2026-03-02 08:00 China time).
pub const T0: i64 = 1_772_409_600_000;

pub struct Fx {
    pub hq: Reader,
    pub street: Reader,
    pub community: Reader,
    /// A grid worker of the grid that holds `building`.
    pub grid: Reader,
    /// A grid worker of another grid of C1.
    pub other_grid: Reader,
    pub c2: Reader,
    /// A grid of C1 and a building in it, with their households.
    pub grid_path: String,
    pub building: String,
    pub in_building: Vec<i64>,
    /// Households of the same grid outside the building.
    pub in_grid_only: Vec<i64>,
    /// Households of C1 outside that grid.
    pub elsewhere: Vec<i64>,
    /// A household of C2.
    pub hh2: i64,
}

async fn households_under(db: &Db, path: &str) -> Vec<(i64, String)> {
    db.query(
        "SELECT id, path FROM households WHERE path >= $1 AND path < $2 ORDER BY id",
        args![path, format!("{path}~")],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int(0), r.text(1).to_owned()))
    .collect()
}

pub async fn fixture(db: &Db) -> Fx {
    district(db).await;
    demo_under(db, 1600, 7, C1).await;
    let all = households_under(db, C1).await;
    // A building with at least two households, in a grid with households elsewhere too.
    let building = all
        .iter()
        .map(|(_, p)| p.clone())
        .filter(|p| p.matches('/').count() == 2)
        .find(|b| {
            let g = &b[..b.rfind('/').unwrap()];
            all.iter().filter(|(_, p)| p == b).count() >= 2
                && all.iter().any(|(_, p)| p.starts_with(g) && p != b)
                && all.iter().any(|(_, p)| !p.starts_with(g))
        })
        .expect("the demo community has a building with households in a grid");
    let grid_path = building[..building.rfind('/').unwrap()].to_owned();
    let other_grid_path = all
        .iter()
        .map(|(_, p)| p.clone())
        .find(|p| p.contains('/') && !p.starts_with(&grid_path))
        .map(|p| p[..p[13..].find('/').map_or(p.len(), |i| i + 13)].to_owned())
        .unwrap();
    let in_building = all
        .iter()
        .filter(|(_, p)| *p == building)
        .map(|(i, _)| *i)
        .collect();
    let in_grid_only = all
        .iter()
        .filter(|(_, p)| p.starts_with(&grid_path) && *p != building)
        .map(|(i, _)| *i)
        .collect();
    let elsewhere = all
        .iter()
        .filter(|(_, p)| !p.starts_with(&grid_path))
        .map(|(i, _)| *i)
        .collect();
    let hq = reader(db, "hq1", "hq", "431102").await;
    let street = reader(db, "s1", "street", STREET).await;
    let community = reader(db, "c1", "community", C1).await;
    let grid = reader(db, "g1", "grid", &grid_path).await;
    let other_grid = reader(db, "g2", "grid", &other_grid_path).await;
    let c2 = reader(db, "c2", "community", C2).await;
    let hh2 = wardline::registry::edit::create_household(
        db,
        &actor(&c2),
        &c2,
        C2,
        "二社区 1 栋 101",
        None,
    )
    .await
    .unwrap();
    Fx {
        hq,
        street,
        community,
        grid,
        other_grid,
        c2,
        grid_path,
        building,
        in_building,
        in_grid_only,
        elsewhere,
        hh2,
    }
}

pub fn zone(area: &str, kind: &str, start: i64, end: Option<i64>) -> NewZone {
    NewZone {
        area: area.into(),
        household: None,
        kind: kind.into(),
        start_ms: start,
        planned_end_ms: end,
        reason: "楼内发现阳性病例".into(),
        decided_by: "区指挥部 2026年第12号通告".into(),
        client_id: String::new(),
    }
}

pub async fn declare(db: &Db, who: &Reader, z: &NewZone, now: i64) -> i64 {
    lifecycle::declare(db, &actor(who), who, z, now)
        .await
        .unwrap()
        .id
}

pub fn why() -> ChangeForm {
    ChangeForm {
        new_end_ms: None,
        reason: "连续 7 天无新增".into(),
        decided_by: "区指挥部 2026年第15号通告".into(),
        client_id: String::new(),
    }
}

#[tokio::test]
async fn the_strictest_zone_over_a_household_applies_at_any_moment() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let b = fx.in_building[0];
        let g = fx.in_grid_only[0];
        let e = fx.elsewhere[0];
        assert_eq!(zones::for_household(db, b, T0).await.unwrap(), None);

        // C1 precaution for 14 days from T0; the grid controlled from T0+1d to T0+8d; the
        // building sealed from T0+2d to T0+5d.
        let zc = declare(
            db,
            &fx.hq,
            &zone(C1, "precaution", T0, Some(T0 + 14 * DAY)),
            T0,
        )
        .await;
        let zg = declare(
            db,
            &fx.street,
            &zone(&fx.grid_path, "controlled", T0 + DAY, Some(T0 + 8 * DAY)),
            T0,
        )
        .await;
        let zb = declare(
            db,
            &fx.street,
            &zone(&fx.building, "sealed", T0 + 2 * DAY, Some(T0 + 5 * DAY)),
            T0,
        )
        .await;

        let at = |ms: i64| async move { zones::for_household(db, b, ms).await.unwrap() };
        assert_eq!(at(T0 - 1).await, None, "{}: before any start", t.name);
        let z = at(T0).await.unwrap();
        assert_eq!((z.id, z.kind), (zc, ZoneKind::Precaution));
        assert_eq!(z.area_path, C1);
        assert_eq!(z.planned_end_ms, Some(T0 + 14 * DAY));
        assert_eq!(at(T0 + DAY).await.unwrap().id, zg);
        let z = at(T0 + 3 * DAY).await.unwrap();
        assert_eq!((z.id, z.kind, z.household_id), (zb, ZoneKind::Sealed, None));
        assert_eq!(z.area_path, fx.building);
        // The building's end is exclusive: from then the grid's zone applies again.
        assert_eq!(at(T0 + 5 * DAY).await.unwrap().id, zg);
        assert_eq!(at(T0 + 10 * DAY).await.unwrap().id, zc);
        assert_eq!(at(T0 + 14 * DAY).await, None);

        // The batch look-up agrees, and leaves out households with no zone.
        let m = zones::for_households(db, &[b, g, e, fx.hh2, b, 999_999_999], T0 + 3 * DAY)
            .await
            .unwrap();
        assert_eq!(m[&b].id, zb);
        assert_eq!(m[&g].id, zg);
        assert_eq!(m[&e].id, zc);
        assert!(!m.contains_key(&fx.hh2), "C2 has no zone");
        assert_eq!(m.len(), 3);

        // A single household, inside the sealed building's time but stricter than the grid.
        let zh = declare(
            db,
            &fx.hq,
            &NewZone {
                household: Some(g),
                ..zone("", "sealed", T0 + DAY, None)
            },
            T0,
        )
        .await;
        let z = zones::for_household(db, g, T0 + 6 * DAY)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((z.id, z.household_id), (zh, Some(g)));
        assert_eq!(
            zones::for_household(db, g, T0).await.unwrap().unwrap().id,
            zc
        );
        // Other households of the grid are not sealed by it.
        let other = fx.in_grid_only.iter().find(|&&x| x != g).copied();
        if let Some(o) = other {
            assert_eq!(
                zones::for_household(db, o, T0 + 6 * DAY)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
                zg
            );
        }

        // Many households at once: every one of the community answered.
        let ids: Vec<i64> = fx
            .in_building
            .iter()
            .chain(&fx.in_grid_only)
            .chain(&fx.elsewhere)
            .copied()
            .collect();
        let m = zones::for_households(db, &ids, T0 + 3 * DAY).await.unwrap();
        assert_eq!(m.len(), ids.len(), "{}", t.name);
        for id in &fx.in_building {
            assert_eq!(m[id].kind, ZoneKind::Sealed);
        }
        for id in &fx.elsewhere {
            assert_eq!(m[id].kind, ZoneKind::Precaution);
        }
    }
}

#[test]
fn kinds_order_by_strictness() {
    assert!(ZoneKind::Sealed > ZoneKind::Controlled);
    assert!(ZoneKind::Controlled > ZoneKind::Precaution);
    assert_eq!(
        [ZoneKind::Precaution, ZoneKind::Sealed, ZoneKind::Controlled]
            .into_iter()
            .max(),
        Some(ZoneKind::Sealed)
    );
    for k in ZoneKind::ALL {
        assert_eq!(ZoneKind::parse(k.code()), Some(k));
    }
    assert_eq!(ZoneKind::parse("locked"), None);
}

#[tokio::test]
async fn a_zone_is_declared_extended_and_lifted_with_its_history_kept() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let b = fx.in_building[0];
        let id = declare(
            db,
            &fx.street,
            &zone(&fx.building, "sealed", T0, Some(T0 + 3 * DAY)),
            T0,
        )
        .await;
        let z = lifecycle::get(db, &fx.grid, id).await.unwrap();
        assert_eq!(z.state(T0 + HOUR), State::InForce);
        assert_eq!(z.recorded_by, "s1");

        // Extend to T0+7d: the earlier end is kept in the changes.
        let f = ChangeForm {
            new_end_ms: Some(T0 + 7 * DAY),
            ..why()
        };
        lifecycle::extend(db, &actor(&fx.street), &fx.street, id, &f, T0 + DAY)
            .await
            .unwrap();
        assert!(zones::for_household(db, b, T0 + 5 * DAY)
            .await
            .unwrap()
            .is_some());
        // An earlier or equal end is refused, naming the field.
        let err = lifecycle::extend(db, &actor(&fx.street), &fx.street, id, &f, T0 + DAY)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Invalid(v) if v[0].field == "ends"),
            "{err:?}"
        );

        // Lift at T0+4d.
        lifecycle::lift(db, &actor(&fx.hq), &fx.hq, id, &why(), T0 + 4 * DAY)
            .await
            .unwrap();
        assert!(zones::for_household(db, b, T0 + 4 * DAY)
            .await
            .unwrap()
            .is_none());
        assert!(zones::for_household(db, b, T0 + 4 * DAY - 1)
            .await
            .unwrap()
            .is_some());
        // The past stays answerable.
        assert_eq!(
            zones::for_household(db, b, T0 + 2 * DAY)
                .await
                .unwrap()
                .unwrap()
                .id,
            id
        );
        let z = lifecycle::get(db, &fx.street, id).await.unwrap();
        assert_eq!(z.state(T0 + 5 * DAY), State::Lifted);
        assert_eq!(z.planned_end_ms, Some(T0 + 7 * DAY));
        assert_eq!(z.end_ms, Some(T0 + 4 * DAY));

        let ch = lifecycle::changes(db, &fx.community, id).await.unwrap();
        let kinds: Vec<&str> = ch.iter().map(|c| c.change.as_str()).collect();
        assert_eq!(kinds, ["declared", "extended", "lifted"], "{}", t.name);
        assert_eq!(ch[1].old_end_ms, Some(T0 + 3 * DAY));
        assert_eq!(ch[1].new_end_ms, Some(T0 + 7 * DAY));
        assert_eq!(ch[2].actor, "hq1");
        assert_eq!(ch[2].old_end_ms, Some(T0 + 7 * DAY));

        // No change after the lifting.
        let err = lifecycle::lift(db, &actor(&fx.hq), &fx.hq, id, &why(), T0 + 5 * DAY)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::BadRequest(_)), "{err:?}");

        // Audited, each change.
        let acts: Vec<String> = db
            .column(
                "SELECT action FROM audit_log WHERE entity = 'zone' AND entity_id = $1 ORDER BY seq",
                args![id.to_string()],
            )
            .await
            .unwrap();
        assert_eq!(acts, ["zone_declared", "zone_extended", "zone_lifted"]);

        // The area's history lists it; its current list does not.
        let area = lifecycle::of_area(
            db,
            &fx.community,
            &fx.building,
            Which::All,
            T0 + 5 * DAY,
            50,
            0,
        )
        .await
        .unwrap();
        assert_eq!(area.1, 1);
        assert_eq!(area.0[0].id, id);
        let now = lifecycle::of_area(
            db,
            &fx.community,
            &fx.building,
            Which::Current,
            T0 + 5 * DAY,
            50,
            0,
        )
        .await
        .unwrap();
        assert_eq!(now.1, 0);
    }
}

#[tokio::test]
async fn zones_are_read_within_scope_and_over_it_and_declared_by_hq_and_streets_only() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let zc = declare(db, &fx.hq, &zone(C1, "controlled", T0, None), T0).await;
        let zb = declare(db, &fx.street, &zone(&fx.building, "sealed", T0, None), T0).await;
        let zh = declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(fx.elsewhere[0]),
                ..zone("", "sealed", T0, None)
            },
            T0,
        )
        .await;

        // The zone over the community is public to a grid worker of it; the building's zone to
        // the grid that holds it, not to another grid; a household's zone only within scope.
        assert!(lifecycle::get(db, &fx.grid, zc).await.is_ok());
        assert!(lifecycle::get(db, &fx.other_grid, zc).await.is_ok());
        assert!(lifecycle::get(db, &fx.grid, zb).await.is_ok());
        assert!(matches!(
            lifecycle::get(db, &fx.other_grid, zb).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            lifecycle::get(db, &fx.grid, zh).await,
            Err(AppError::NotFound)
        ));
        assert!(lifecycle::get(db, &fx.community, zh).await.is_ok());
        for id in [zc, zb, zh] {
            assert!(
                matches!(
                    lifecycle::get(db, &fx.c2, id).await,
                    Err(AppError::NotFound)
                ),
                "{}: C2's officer sees nothing of C1",
                t.name
            );
            assert!(matches!(
                lifecycle::changes(db, &fx.c2, id).await,
                Err(AppError::NotFound)
            ));
        }
        // The other grid's list of its community: the community's zone, none of the grid's.
        let (v, n) = lifecycle::of_area(db, &fx.other_grid, C1, Which::All, T0, 50, 0)
            .await
            .unwrap();
        let ids: Vec<i64> = v.iter().map(|z| z.id).collect();
        assert_eq!(n as usize, ids.len());
        assert!(
            ids.contains(&zc) && !ids.contains(&zb),
            "{}: {ids:?}",
            t.name
        );
        // The household zone shows there only if that household lies in the other grid.
        let hh_path: String = db
            .scalar(
                "SELECT path FROM households WHERE id = $1",
                args![fx.elsewhere[0]],
            )
            .await
            .unwrap();
        let in_other = fx.other_grid.scope.contains(&hh_path);
        assert_eq!(ids.contains(&zh), in_other);
        let (v, _) = lifecycle::of_area(db, &fx.community, C1, Which::All, T0, 50, 0)
            .await
            .unwrap();
        let mut ids: Vec<i64> = v.iter().map(|z| z.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![zc, zb, zh]);
        assert!(matches!(
            lifecycle::of_area(db, &fx.c2, C1, Which::All, T0, 50, 0).await,
            Err(AppError::NotFound)
        ));

        // Community officers and grid workers read, and do not declare, extend or lift.
        for who in [&fx.community, &fx.grid] {
            let err = lifecycle::declare(
                db,
                &actor(who),
                who,
                &zone(&fx.building, "precaution", T0, None),
                T0,
            )
            .await
            .unwrap_err();
            assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
            let err = lifecycle::lift(db, &actor(who), who, zb, &why(), T0 + HOUR)
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
        }
        // A street officer outside its street: the area is not found in its scope.
        let s2 = reader(db, "s2", "street", "431102002").await;
        let err = lifecycle::declare(db, &actor(&s2), &s2, &zone(C2, "sealed", T0, None), T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Invalid(v) if v[0].field == "area"),
            "{err:?}"
        );
        let err = lifecycle::lift(db, &actor(&s2), &s2, zb, &why(), T0 + HOUR)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{err:?}");
        // Still in force: nothing was changed by the refusals.
        assert_eq!(
            zones::for_household(db, fx.in_building[0], T0 + HOUR)
                .await
                .unwrap()
                .unwrap()
                .id,
            zb
        );
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_retries_change_nothing() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let s = &fx.street;
        let bad = |f: NewZone| async move {
            match lifecycle::declare(db, &actor(s), s, &f, T0).await {
                Err(AppError::Invalid(v)) => v.iter().map(|e| e.field).collect::<Vec<_>>(),
                other => panic!("expected a field error, got {other:?}"),
            }
        };
        let ok = zone(&fx.building, "sealed", T0, Some(T0 + DAY));
        assert_eq!(
            bad(NewZone {
                kind: "locked".into(),
                ..ok.clone()
            })
            .await,
            ["zone_kind"]
        );
        assert_eq!(
            bad(NewZone {
                area: "".into(),
                ..ok.clone()
            })
            .await,
            ["area"]
        );
        assert_eq!(
            bad(NewZone {
                area: "999999999999".into(),
                ..ok.clone()
            })
            .await,
            ["area"]
        );
        // A street is not a zone's area.
        assert_eq!(
            bad(NewZone {
                area: STREET.into(),
                ..ok.clone()
            })
            .await,
            ["area"]
        );
        assert_eq!(
            bad(NewZone {
                household: Some(fx.hh2 + 1_000_000),
                ..ok.clone()
            })
            .await,
            ["household"]
        );
        assert_eq!(
            bad(NewZone {
                planned_end_ms: Some(T0 - HOUR),
                ..ok.clone()
            })
            .await,
            ["ends"]
        );
        assert_eq!(
            bad(NewZone {
                start_ms: T0 - 8 * DAY,
                planned_end_ms: None,
                ..ok.clone()
            })
            .await,
            ["starts"]
        );
        assert_eq!(
            bad(NewZone {
                reason: " ".into(),
                decided_by: "x".repeat(201),
                ..ok.clone()
            })
            .await,
            ["reason", "decided_by"]
        );
        let n: i64 = db
            .scalar("SELECT COUNT(*) AS n FROM zones", vec![])
            .await
            .unwrap();
        assert_eq!(n, 0, "{}: nothing half-written", t.name);

        // The same client id twice: one zone, one change, one audit entry.
        let f = NewZone {
            client_id: "c-1".into(),
            ..ok.clone()
        };
        let a = lifecycle::declare(db, &actor(s), s, &f, T0).await.unwrap();
        let b = lifecycle::declare(db, &actor(s), s, &f, T0 + 1000)
            .await
            .unwrap();
        assert_eq!(
            (a.id, a.replayed, b.id, b.replayed),
            (a.id, false, a.id, true)
        );
        // A new declaration over the same building overlapping it is refused.
        let err = lifecycle::declare(
            db,
            &actor(s),
            s,
            &NewZone {
                kind: "controlled".into(),
                ..ok.clone()
            },
            T0,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
        // After it, it is fine.
        declare(db, s, &zone(&fx.building, "controlled", T0 + DAY, None), T0).await;

        let ext = ChangeForm {
            new_end_ms: Some(T0 + 2 * DAY),
            client_id: "e-1".into(),
            ..why()
        };
        let e1 = lifecycle::extend(db, &actor(s), s, a.id, &ext, T0 + HOUR)
            .await
            .unwrap();
        let e2 = lifecycle::extend(db, &actor(s), s, a.id, &ext, T0 + 2 * HOUR)
            .await
            .unwrap();
        assert!(!e1.replayed && e2.replayed);
        let lift = ChangeForm {
            client_id: "l-1".into(),
            ..why()
        };
        lifecycle::lift(db, &actor(s), s, a.id, &lift, T0 + 3 * HOUR)
            .await
            .unwrap();
        assert!(
            lifecycle::lift(db, &actor(s), s, a.id, &lift, T0 + 4 * HOUR)
                .await
                .unwrap()
                .replayed
        );
        let changes = lifecycle::changes(db, s, a.id).await.unwrap();
        assert_eq!(changes.len(), 3, "{}", t.name);
        let audits: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'zone' AND entity_id = $1",
                args![a.id.to_string()],
            )
            .await
            .unwrap();
        assert_eq!(audits, 3);
        // A change's client id used for another zone is refused.
        let other = declare(db, s, &zone(C1, "precaution", T0, None), T0).await;
        let err = lifecycle::lift(db, &actor(s), s, other, &lift, T0 + 5 * HOUR)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    }
}

/// Households and people of these households, recounted from the registry.
async fn recount(db: &Db, ids: &[i64]) -> Tally {
    let mut t = Tally::default();
    for id in ids {
        let n: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM residents WHERE household_id = $1",
                args![*id],
            )
            .await
            .unwrap();
        t.households += 1;
        t.people += n;
    }
    t
}

#[tokio::test]
async fn figures_count_each_household_once_under_its_strictest_zone_now_and_on_past_days() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        declare(db, &fx.hq, &zone(C1, "precaution", T0, None), T0).await;
        declare(
            db,
            &fx.street,
            &zone(&fx.grid_path, "controlled", T0, None),
            T0,
        )
        .await;
        let zb = declare(db, &fx.street, &zone(&fx.building, "sealed", T0, None), T0).await;
        let single = fx.elsewhere[0];
        declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(single),
                ..zone("", "sealed", T0, None)
            },
            T0,
        )
        .await;
        // A household zone inside the sealed building: not counted twice.
        declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(fx.in_building[0]),
                ..zone("", "controlled", T0, None)
            },
            T0,
        )
        .await;

        let c1 = areas::by_code(db, C1).await.unwrap().unwrap();
        let now = T0 + DAY;
        let (f, kids) = figures::by_area(db, &fx.community, &c1, now, now)
            .await
            .unwrap();
        let mut sealed_ids = fx.in_building.clone();
        sealed_ids.push(single);
        let others: Vec<i64> = fx.elsewhere[1..].to_vec();
        assert_eq!(f.sealed, recount(db, &sealed_ids).await, "{}", t.name);
        assert_eq!(f.controlled, recount(db, &fx.in_grid_only).await);
        assert_eq!(f.precaution, recount(db, &others).await);
        assert_eq!(f.zones, 5);
        // The grid's own row among the children: its households only.
        let g = kids
            .iter()
            .find(|(a, _)| a.path == fx.grid_path)
            .map(|(_, f)| f.clone())
            .unwrap();
        assert_eq!(g.sealed, recount(db, &fx.in_building).await);
        assert_eq!(g.controlled, recount(db, &fx.in_grid_only).await);
        assert_eq!(g.precaution, Tally::default());
        let sum: i64 = kids.iter().map(|(_, f)| f.total().households).sum();
        assert_eq!(sum, f.total().households);

        // The building lifted on day 2 (T0+2d+1h): the day before it still counts sealed; the
        // day after, its households are in the grid's controlled zone.
        lifecycle::lift(
            db,
            &actor(&fx.street),
            &fx.street,
            zb,
            &why(),
            T0 + 2 * DAY + HOUR,
        )
        .await
        .unwrap();
        let (a, b) = figures::day_window("2026-03-03").unwrap();
        assert!(a <= T0 + DAY && T0 + DAY <= b, "the day of T0+1d");
        let (f1, _) = figures::by_area(db, &fx.hq, &c1, a, b).await.unwrap();
        assert_eq!(f1.sealed, f.sealed, "{}", t.name);
        let (a, b) = figures::day_window("2026-03-05").unwrap();
        let (f3, _) = figures::by_area(db, &fx.hq, &c1, a, b).await.unwrap();
        assert_eq!(f3.sealed, recount(db, &[single]).await);
        let mut controlled = fx.in_grid_only.clone();
        controlled.extend(&fx.in_building);
        assert_eq!(f3.controlled, recount(db, &controlled).await);
        // Before anything was declared: nothing.
        let (f0, _) = figures::by_area(db, &fx.hq, &c1, T0 - DAY, T0 - 1)
            .await
            .unwrap();
        assert_eq!(f0, Figures::default());

        // Figures are for the reader's own scope.
        assert!(matches!(
            figures::by_area(db, &fx.c2, &c1, now, now).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            figures::by_area(db, &fx.grid, &c1, now, now).await,
            Err(AppError::NotFound)
        ));
    }
}

#[tokio::test]
async fn a_household_zone_follows_a_merge() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let (from, into) = (fx.elsewhere[0], fx.elsewhere[1]);
        let id = declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(from),
                ..zone("", "sealed", T0, None)
            },
            T0,
        )
        .await;
        assert!(zones::for_household(db, into, T0 + HOUR)
            .await
            .unwrap()
            .is_none());
        wardline::registry::edit::merge_households(
            db,
            &actor(&fx.community),
            &fx.community,
            from,
            into,
        )
        .await
        .unwrap();
        let z = zones::for_household(db, into, T0 + HOUR)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((z.id, z.household_id), (id, Some(into)), "{}", t.name);
        let path: String = db
            .scalar("SELECT path FROM households WHERE id = $1", args![into])
            .await
            .unwrap();
        assert_eq!(z.area_path, path);
    }
}

#[tokio::test]
async fn the_needs_queue_shows_the_zone_and_puts_sealed_households_first_within_an_urgency() {
    use wardline::needs::flow::{self, QueueFilter};
    use wardline::needs::intake::{self, NewNeed};
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let now = wardline::db::now_ms();
        let ask = |u: &str| NewNeed {
            category: "groceries".into(),
            urgency: u.into(),
            description: "米面油".into(),
            source: "hotline".into(),
            ..NewNeed::default()
        };
        let o = &fx.community;
        let mk = |hh: i64, u: &'static str, at: i64| async move {
            intake::create(db, &actor(o), o, hh, &ask(u), at)
                .await
                .unwrap()
                .id
        };
        let a = mk(fx.elsewhere[0], "3", now - 30 * 60_000).await;
        let b = mk(fx.in_building[0], "3", now - 20 * 60_000).await;
        let c = mk(fx.elsewhere[1], "2", now - 10 * 60_000).await;
        let d = mk(fx.in_grid_only[0], "3", now - 5 * 60_000).await;
        let order = || async {
            let (v, _) = flow::queue(
                db,
                o,
                C1,
                &QueueFilter {
                    limit: 50,
                    ..QueueFilter::default()
                },
            )
            .await
            .unwrap();
            v
        };
        let ids = |v: &[wardline::needs::Need]| v.iter().map(|n| n.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&order().await),
            [c, a, b, d],
            "{}: oldest first",
            t.name
        );
        // The building sealed, then one household of the grid alone: they come first within
        // urgency 3, the urgent need still on top.
        declare(
            db,
            &fx.street,
            &zone(&fx.building, "sealed", now - HOUR, None),
            now,
        )
        .await;
        declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(fx.in_grid_only[0]),
                ..zone("", "sealed", now - HOUR, None)
            },
            now,
        )
        .await;
        let v = order().await;
        assert_eq!(ids(&v), [c, b, d, a], "{}", t.name);
        assert_eq!(v[1].zone.as_ref().map(|z| z.kind), Some(ZoneKind::Sealed));
        assert!(v[3].zone.is_none() && v[0].zone.is_none());
        // A controlled zone does not change the order.
        declare(
            db,
            &fx.street,
            &zone(C1, "controlled", now - HOUR, None),
            now,
        )
        .await;
        let v = order().await;
        assert_eq!(ids(&v), [c, b, d, a]);
        assert_eq!(
            v[3].zone.as_ref().map(|z| z.kind),
            Some(ZoneKind::Controlled)
        );
        // Someone of `a`'s household put under quarantine (issue 15): tagged, and first within
        // urgency 3 beside the sealed ones (oldest first among them).
        assert!(v.iter().all(|n| !n.quarantined));
        let member: i64 = db
            .scalar(
                "SELECT MIN(id) FROM residents WHERE household_id = $1",
                wardline::args![fx.elsewhere[0]],
            )
            .await
            .unwrap();
        crate::quarantine::order(
            db,
            &fx.community,
            member,
            "7+3",
            wardline::quarantine::day_of(now),
            now,
        )
        .await;
        let v = order().await;
        assert_eq!(ids(&v), [c, a, b, d], "{}", t.name);
        assert!(v[1].quarantined && !v[2].quarantined && !v[0].quarantined);
    }
}

#[tokio::test]
async fn the_testing_missing_list_shows_each_households_zone() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let now = wardline::db::now_ms();
        let round =
            crate::testing::round_over(db, &fx.community, C1, 10, now - HOUR, now + DAY).await;
        declare(
            db,
            &fx.street,
            &zone(&fx.building, "sealed", now - HOUR, None),
            now,
        )
        .await;
        let (list, _) = wardline::testing::coverage::missing(
            db,
            round.id,
            &fx.grid_path,
            &fx.community.registry_scope(),
        )
        .await
        .unwrap();
        assert!(!list.is_empty());
        for h in &list {
            let sealed = fx.in_building.contains(&h.household_id);
            assert_eq!(
                h.zone.as_ref().map(|z| z.kind),
                sealed.then_some(ZoneKind::Sealed),
                "{}: household {}",
                t.name,
                h.household_id
            );
        }
        assert!(list.iter().any(|h| h.zone.is_some()) && list.iter().any(|h| h.zone.is_none()));
    }
}

#[tokio::test]
async fn retention_removes_the_household_of_old_household_zones_and_keeps_the_figures() {
    use wardline::audit::retention;
    for t in backends().await {
        let db = &t.db;
        // A keyed audit chain (as a served node's): details may then be blanked.
        wardline::audit::start_keyed(db, &[7u8; 32]).await.unwrap();
        let fx = fixture(db).await;
        let now = wardline::db::now_ms();
        let (old_hh, new_hh) = (fx.elsewhere[0], fx.elsewhere[1]);
        // A household sealed at T0 for two days, long ago; another lifted yesterday; the
        // building's zone (an area) also long over.
        let old = declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(old_hh),
                ..zone("", "sealed", T0, Some(T0 + 2 * DAY))
            },
            T0,
        )
        .await;
        let area = declare(
            db,
            &fx.street,
            &zone(&fx.building, "controlled", T0, Some(T0 + 2 * DAY)),
            T0,
        )
        .await;
        let recent = declare(
            db,
            &fx.street,
            &NewZone {
                household: Some(new_hh),
                ..zone("", "sealed", now - 3 * DAY, None)
            },
            now - 3 * DAY,
        )
        .await;
        lifecycle::lift(
            db,
            &actor(&fx.street),
            &fx.street,
            recent,
            &why(),
            now - DAY,
        )
        .await
        .unwrap();
        let c1 = areas::by_code(db, C1).await.unwrap().unwrap();
        let (a, b) = figures::day_window("2026-03-03").unwrap();
        let before = figures::by_area(db, &fx.hq, &c1, a, b).await.unwrap().0;
        assert_eq!(before.sealed, recount(db, &[old_hh]).await);

        let pol = retention::policy(&wardline::zones::retention::kinds(), &[]).unwrap();
        let dry = retention::run(db, &wardline::audit::Actor::cli(), &pol, now, true)
            .await
            .unwrap();
        assert_eq!(
            dry.total(),
            3,
            "{}: the zone, its one change with a reason and its audit entry",
            t.name
        );
        retention::run(db, &wardline::audit::Actor::cli(), &pol, now, false)
            .await
            .unwrap();

        let row = db
            .query_one(
                "SELECT household_id, reason FROM zones WHERE id = $1",
                args![old],
            )
            .await
            .unwrap();
        assert!(
            row.opt_int(0).is_none() && row.text(1).is_empty(),
            "{}",
            t.name
        );
        let kept: Option<i64> = db
            .scalar(
                "SELECT household_id FROM zones WHERE id = $1",
                args![recent],
            )
            .await
            .unwrap();
        assert_eq!(kept, Some(new_hh), "a zone ended yesterday is kept whole");
        let reason: String = db
            .scalar("SELECT reason FROM zones WHERE id = $1", args![area])
            .await
            .unwrap();
        assert!(!reason.is_empty(), "area zones are not personal");
        // The audit entries: the ended household zone's detail blanked, the others whole, and
        // the chain still verifies.
        let detail = |id: i64| {
            let db = db.clone();
            async move {
                db.scalar::<String>(
                    "SELECT detail FROM audit_log WHERE entity = 'zone' AND entity_id = $1 \
                     AND action = 'zone_declared'",
                    args![id.to_string()],
                )
                .await
                .unwrap()
            }
        };
        assert_eq!(detail(old).await, wardline::audit::REDACTED, "{}", t.name);
        assert!(detail(recent).await.contains(&new_hh.to_string()));
        assert!(detail(area).await.contains("reason"));
        let v = wardline::audit::verify(db).await.unwrap();
        assert!(
            matches!(v, wardline::audit::Verdict::Intact { .. }),
            "{}: {v:?}",
            t.name
        );
        // The figures of that day are the same.
        let after = figures::by_area(db, &fx.hq, &c1, a, b).await.unwrap().0;
        assert_eq!(after, before, "{}", t.name);
        // And the household no longer shows it.
        assert!(zones::for_household(db, old_hh, T0 + DAY)
            .await
            .unwrap()
            .is_none_or(|z| z.id != old));
        let again = retention::run(db, &wardline::audit::Actor::cli(), &pol, now, true)
            .await
            .unwrap();
        assert_eq!(again.total(), 0);
    }
}

#[tokio::test]
async fn no_epidemic_candidates_and_hqs_confirmation() {
    use wardline::testing::no_epidemic;
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let now = wardline::db::now_ms();
        // A positive in C1 three days ago.
        let (rid, hid, path) = {
            let r = db
                .query_one(
                    "SELECT id, household_id, path FROM residents WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 1",
                    args![C1, format!("{C1}~")],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1), r.string(2))
        };
        crate::common::exec(
            db,
            "INSERT INTO test_persons (round_id, resident_id, household_id, path, status, barcode, first_barcode, first_ms, updated_ms) \
             VALUES (1, $1, $2, $3, 'positive', 'T1', 'T1', $4, $4)",
            args![rid, hid, path.as_str(), now - 3 * DAY],
        )
        .await;
        let street = areas::by_code(db, STREET).await.unwrap().unwrap();
        let names = |v: &[no_epidemic::Candidate]| {
            v.iter().map(|c| c.area.code.clone()).collect::<Vec<_>>()
        };
        let v = no_epidemic::candidates(db, &fx.hq, &street, 14, now)
            .await
            .unwrap();
        assert!(!names(&v).contains(&C1.to_owned()), "{}", t.name);
        assert!(names(&v).contains(&C2.to_owned()));
        let v = no_epidemic::candidates(db, &fx.hq, &street, 2, now)
            .await
            .unwrap();
        assert_eq!(
            v[0].area.code, C1,
            "after 2 days: C1 first (it had a positive)"
        );
        assert_eq!(v[0].last_positive_ms, Some(now - 3 * DAY));

        // Only HQ confirms; a community with a recent positive is refused; once only.
        let err = no_epidemic::confirm(db, &actor(&fx.street), &fx.street, C2, 14, "", now)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)));
        let err = no_epidemic::confirm(db, &actor(&fx.hq), &fx.hq, C1, 14, "", now)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
        no_epidemic::confirm(db, &actor(&fx.hq), &fx.hq, C2, 14, "连续14天无新增", now)
            .await
            .unwrap();
        let err = no_epidemic::confirm(db, &actor(&fx.hq), &fx.hq, C2, 14, "", now)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)));
        let v = no_epidemic::candidates(db, &fx.hq, &street, 14, now)
            .await
            .unwrap();
        let c2 = v.iter().find(|c| c.area.code == C2).unwrap();
        assert_eq!(c2.confirmed_ms, Some(now));
        let n: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'no_epidemic_confirmed'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        // A controlled community is listed with its zone, and not confirmed while it stands.
        declare(db, &fx.hq, &zone(C1, "controlled", now - HOUR, None), now).await;
        let v = no_epidemic::candidates(db, &fx.hq, &street, 2, now)
            .await
            .unwrap();
        assert!(!v[0].may_confirm());
        let err = no_epidemic::confirm(db, &actor(&fx.hq), &fx.hq, C1, 2, "", now)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)));
        // Outside the scope: nothing.
        assert!(matches!(
            no_epidemic::candidates(db, &fx.c2, &street, 14, now).await,
            Err(AppError::NotFound)
        ));
    }
}
