//! The `hq` bench (issue 18): the overview of the district and of the demo community with every
//! capability's demo data present, over a demo city of `--scale` residents (default 1,000,000;
//! targets: a city of 25 M < 200 ms, a community < 50 ms). Measures the figures alone
//! (`hq::metrics::figures`) and the whole overview (figures, stored history, child areas),
//! p50/p95/p99 over 20 reads each; then the district's briefing and a cut-off snapshot of every
//! community of the district for each report (`briefing::measure`).

use std::collections::BTreeMap;
use std::time::Instant;

use wardline::cli::DEMO_COMMUNITY;
use wardline::db::now_ms;
use wardline::hq::{metrics, overview};
use wardline::registry::areas;

use crate::{emit, fresh, report, Ctx};

const BENCH: &str = "hq";
const DISTRICT: &str = "431102";
const SAMPLES: usize = 20;

pub async fn hq(ctx: &Ctx) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let (db, _url) = fresh(ctx, "hq").await;
    let t = Instant::now();
    // Each step of the set-up timed, with the process's peak memory after it (the set-up of
    // a 25 M city must fit the machine).
    let step = |name: &str, t: Instant| {
        emit(
            BENCH,
            b,
            scale,
            &format!("setup_{name}_s"),
            t.elapsed().as_secs_f64(),
            "s",
        );
        let mib = crate::peak_rss_mib();
        emit(
            BENCH,
            b,
            scale,
            &format!("setup_{name}_peak_rss_mib"),
            mib,
            "MiB",
        );
    };
    let s = Instant::now();
    crate::generated(&db, scale, 18, DISTRICT).await;
    step("registry", s);
    let s = Instant::now();
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    wardline::cli::create_demo_round(&db).await.unwrap();
    step("round", s);
    let s = Instant::now();
    wardline::cli::create_demo_mobilization(&db).await.unwrap();
    wardline::needs::demo::create(&db).await.unwrap();
    wardline::zones::demo::create(&db).await.unwrap();
    wardline::checkpoints::demo::create(&db).await.unwrap();
    wardline::quarantine::demo::create(&db).await.unwrap();
    step("mobilization_needs_zones_checkpoints_quarantine", s);
    let s = Instant::now();
    wardline::vaccination::demo::create(&db).await.unwrap();
    step("vaccination", s);
    let s = Instant::now();
    wardline::supplies::demo::create(&db).await.unwrap();
    step("supplies", s);
    emit(BENCH, b, scale, "setup_s", t.elapsed().as_secs_f64(), "s");

    let today = metrics::day_of(now_ms());
    for (name, code) in [("district", DISTRICT), ("community", DEMO_COMMUNITY)] {
        let area = areas::by_code(&db, code).await.unwrap().unwrap();
        // The first read stores today's rows of the area and its children.
        let t = Instant::now();
        overview::overview(&db, &area).await.unwrap();
        emit(
            BENCH,
            b,
            scale,
            &format!("{name}_overview_first"),
            t.elapsed().as_secs_f64() * 1000.0,
            "ms",
        );
        let mut figs = Vec::with_capacity(SAMPLES);
        let mut over = Vec::with_capacity(SAMPLES);
        // Each capability's part of the figures, per read.
        let mut parts: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        for _ in 0..SAMPLES {
            let t = Instant::now();
            let mut times = metrics::Timings::new();
            metrics::figures_timed(&db, &area, today, now_ms(), &mut times)
                .await
                .unwrap();
            figs.push(t.elapsed().as_secs_f64() * 1000.0);
            for (k, ms) in times {
                parts.entry(k).or_default().push(ms);
            }
            let t = Instant::now();
            overview::overview(&db, &area).await.unwrap();
            over.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        report(BENCH, ctx, &format!("{name}_figures"), &mut figs);
        for (k, ms) in &mut parts {
            ms.sort_by(f64::total_cmp);
            emit(
                BENCH,
                b,
                scale,
                &format!("{name}_figures_{k}_p50"),
                ms[ms.len() / 2],
                "ms",
            );
        }
        report(BENCH, ctx, &format!("{name}_overview"), &mut over);
    }
    // The district's briefing (target < 1 s) and a cut-off snapshot of every community
    // (target < 10 s), with every capability's demo data present.
    crate::briefing::measure(ctx, &db, BENCH).await;
}
