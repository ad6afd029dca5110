//! The `zones` bench: a district of `--scale` residents (default 1,000,000) under 零陵区, with
//! zones declared as a city in silent management would have them: every 10th building sealed,
//! every 5th grid controlled, every 3rd community a precaution zone, and 1,000 single
//! households sealed, plus as many zones lifted in the past week (the history).
//!
//! 1. Zone figures of the district (`figures::by_area` on 431102: the district's total and its
//!    streets), now and on a past day: p50/p95/p99 over 50 runs. Target: p95 < 100 ms.
//! 2. The zone in force for a page of households (`zones::for_households`, 50 and 400 ids,
//!    random households of the district): p50/p95/p99. Target: 50 ids p95 < 10 ms.
//! 3. The same for one household (`zones::for_household`): p50/p95/p99.

use std::time::Instant;

use wardline::access;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::now_ms;
use wardline::registry::areas;
use wardline::rng::Rng;
use wardline::zones::{self, figures, lifecycle};

use crate::{emit, fresh, report, Ctx};

const BENCH: &str = "zones";
const DISTRICT: &str = "431102";

pub async fn zones(ctx: &Ctx) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let (db, _url) = fresh(ctx, "zones").await;
    let t = Instant::now();
    crate::generated(&db, scale, 14, DISTRICT).await;
    access::create_account(&db, "bench-hq", "指挥部", "hq", &[DISTRICT.to_string()])
        .await
        .unwrap();
    let token = access::create_token(&db, "bench-hq", "bench")
        .await
        .unwrap();
    let hq = access::authenticate(&db, &token).await.unwrap();
    let actor = Actor::cli();
    emit(
        BENCH,
        b,
        scale,
        "setup_load_s",
        t.elapsed().as_secs_f64(),
        "s",
    );

    // ---- Zones ----
    let t = Instant::now();
    let now = now_ms();
    let day = 86_400_000;
    let mut n_zones = 0u64;
    let declare =
        |area: String, household: Option<i64>, kind: &'static str, start: i64| lifecycle::NewZone {
            area,
            household,
            kind: kind.into(),
            start_ms: start,
            planned_end_ms: Some(start + 14 * day),
            reason: "bench".into(),
            decided_by: "bench".into(),
            client_id: String::new(),
        };
    let by_level = |level: i64| {
        let db = db.clone();
        async move {
            db.column::<String>(
                "SELECT code FROM areas WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code",
                args![level, DISTRICT, format!("{DISTRICT}~")],
            )
            .await
            .unwrap()
        }
    };
    let communities = by_level(5).await;
    let grids = by_level(6).await;
    let buildings = by_level(7).await;
    let mut plan: Vec<lifecycle::NewZone> = Vec::new();
    for (i, c) in communities.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        plan.push(declare(c.clone(), None, "precaution", now - day - i as i64));
    }
    for g in grids.iter().step_by(5) {
        plan.push(declare(g.clone(), None, "controlled", now - day));
    }
    for bl in buildings.iter().step_by(10) {
        plan.push(declare(bl.clone(), None, "sealed", now - day));
    }
    let hh: Vec<i64> = db
        .column(
            "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY id",
            args![DISTRICT, format!("{DISTRICT}~")],
        )
        .await
        .unwrap();
    let mut rng = Rng::new(14);
    for _ in 0..1000.min(hh.len()) {
        let h = hh[rng.below(hh.len() as u64) as usize];
        plan.push(declare(String::new(), Some(h), "sealed", now - day));
    }
    // The history: as many zones, over the same areas, lifted before the current ones began.
    let history: Vec<lifecycle::NewZone> = plan
        .iter()
        .map(|z| lifecycle::NewZone {
            start_ms: now - 6 * day,
            planned_end_ms: Some(now - 2 * day),
            ..z.clone()
        })
        .collect();
    for z in history.iter().chain(&plan) {
        // Overlaps (a household picked twice) are refused: count only what was declared.
        if lifecycle::declare(&db, &actor, &hq, z, z.start_ms)
            .await
            .is_ok()
        {
            n_zones += 1;
        }
    }
    emit(BENCH, b, scale, "zones", n_zones as f64, "zones");
    emit(
        BENCH,
        b,
        scale,
        "setup_zones_s",
        t.elapsed().as_secs_f64(),
        "s",
    );

    // 1. Figures of the district, now and on a past day.
    let district = areas::by_code(&db, DISTRICT).await.unwrap().unwrap();
    let (d0, d1) = figures::day_window(&wardline::web::html::minutes(now - 4 * day)[..10]).unwrap();
    for (metric, from, to) in [("figures_now", now, now), ("figures_past_day", d0, d1)] {
        let mut samples = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let (total, kids) = figures::by_area(&db, &hq, &district, from, to)
                .await
                .unwrap();
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(total.total().households > 0 && !kids.is_empty());
        }
        report(BENCH, ctx, metric, &mut samples);
    }

    // 2–3. The zone in force for a page of households, and for one.
    for page in [1usize, 50, 400] {
        let mut samples = Vec::new();
        let mut found = 0usize;
        for _ in 0..200 {
            let ids: Vec<i64> = (0..page)
                .map(|_| hh[rng.below(hh.len() as u64) as usize])
                .collect();
            let t = Instant::now();
            if page == 1 {
                found += zones::for_household(&db, ids[0], now)
                    .await
                    .unwrap()
                    .is_some() as usize;
            } else {
                found += zones::for_households(&db, &ids, now).await.unwrap().len();
            }
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        report(BENCH, ctx, &format!("in_force_{page}"), &mut samples);
        emit(
            BENCH,
            b,
            scale,
            &format!("in_force_{page}_share"),
            found as f64 / (200 * page) as f64,
            "ratio",
        );
    }
}
