//! The `briefing` bench: a district of `--scale` residents (default 1,000,000) under 零陵区.
//!
//! 1. The district's briefing (`hq::briefing::generate`, period all and day: the overview's
//!    figures, the day before's for the growth, and each child street's for the lagging
//!    areas): the median and worst of 5 runs. Target: < 1 s.
//! 2. A cut-off snapshot of every community of the district, for each report of the catalogue
//!    (`hq::reports::lock`: every community's figures, stored with their SHA-256 and audited).
//!    Target: < 10 s.

use std::time::Instant;

use wardline::audit::Actor;
use wardline::db::{now_ms, Db};
use wardline::hq::briefing::{self, day_of, text::Period};
use wardline::hq::reports;
use wardline::registry::areas;

use crate::{emit, fresh, Ctx};

const BENCH: &str = "briefing";
const DISTRICT: &str = "431102";

pub async fn briefing(ctx: &Ctx) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let (db, _url) = fresh(ctx, "briefing").await;
    let t = Instant::now();
    crate::generated(&db, scale, 18, DISTRICT).await;
    emit(
        BENCH,
        b,
        scale,
        "setup_load_s",
        t.elapsed().as_secs_f64(),
        "s",
    );
    measure(ctx, &db, BENCH).await;
}

/// The district's briefing and a cut-off snapshot of every community of it, each report of
/// the catalogue, over what `db` holds (the `hq` bench calls it with every capability's demo
/// data present), figures under `bench`.
pub async fn measure(ctx: &Ctx, db: &Db, bench: &str) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let db = db.clone();
    let district = areas::by_code(&db, DISTRICT).await.unwrap().unwrap();

    for period in [Period::All, Period::Day] {
        let mut ms = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let br = briefing::generate(&db, &district, period, now_ms())
                .await
                .unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(!br.zh.is_empty());
        }
        ms.sort_by(f64::total_cmp);
        let name = format!("district_briefing_{}", period.as_str());
        emit(bench, b, scale, &format!("{name}_p50_ms"), ms[2], "ms");
        emit(bench, b, scale, &format!("{name}_max_ms"), ms[4], "ms");
    }

    let actor = Actor::cli();
    let now = now_ms();
    let day = day_of(now);
    let communities: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM areas WHERE level = 5 AND code >= $1 AND code < $2",
            wardline::args![DISTRICT, format!("{DISTRICT}~")],
        )
        .await
        .unwrap();
    emit(bench, b, scale, "communities", communities as f64, "");
    for rep in reports::catalogue() {
        let t = Instant::now();
        let s = reports::lock(&db, &actor, rep, &district, day, now)
            .await
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert!(s.verified());
        emit(
            bench,
            b,
            scale,
            &format!("cutoff_snapshot_{}_s", rep.key),
            secs,
            "s",
        );
    }
}
