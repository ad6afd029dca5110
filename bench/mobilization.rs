//! The `mobilization-autofill` bench (issue 5): auto-fill a week of round-the-clock duty.
//!
//! `--scale` approved volunteers (default 2,000) serving five communities of one street, with
//! varied availability (most any time, some weekdays only, some daytime only, a few nights
//! only or for part of the week) and some skills; `scale / 20` places (100 by default: sampling
//! sites and checkpoints) spread over the five communities; the "3x8" pattern for 7 days with 4
//! people a shift, the sampling sites' shifts needing a medical skill. That is 8,400 places to
//! fill by default. A volunteer keeping the rules (12 hours in 24, 8 hours' rest, 6 days in a
//! row) takes at most six 8-hour shifts a week, so 2,000 can cover about 12,000: all or almost
//! all should be filled.
//!
//! Measured: `autofill::plan` alone on the same openings and candidates that `autofill::run`
//! builds (median of 3), then `autofill::run` itself (the whole database call: reading,
//! planning, writing the placements and the run), the filled and unfilled counts, whether the
//! plan is proven the most that can be filled, the spread of hours (the run's fairness), and
//! a second run (must fill nothing more) and a recheck of every placement against the rules
//! (must be 0). Target: under 2 s.
//! `WARDLINE_BENCH_VOLUNTEERS=N` sets the number of volunteers apart from the places.

use std::time::Instant;

use wardline::access;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{path_end, Db, Value};
use wardline::mobilization::autofill::{self, Candidate, Opening, SEARCH_BUDGET};
use wardline::mobilization::rules::{self, Rules, Span, CST_MS, DAY_MS};
use wardline::mobilization::{availability_of, roster};
use wardline::registry::areas;
use wardline::registry::validate::days_from_civil;
use wardline::rng::Rng;

use crate::{emit, fresh, Ctx};

const BENCH: &str = "mobilization-autofill";
const STREET: &str = "431102001";
/// The week rostered: Monday 2025-03-03 (China time), 7 days.
const FIRST_DAY: &str = "2025-03-03";
const DAYS: i64 = 7;
const HEADCOUNT: i64 = 4;

fn week() -> (i64, i64) {
    let from = days_from_civil(2025, 3, 3) * DAY_MS - CST_MS;
    (from, from + DAYS * DAY_MS)
}

/// Approved volunteers, written directly (the sign-up path is rate-limited per link, and is
/// not what is measured here).
async fn volunteers(db: &Db, communities: &[areas::Area], n: u64) {
    let mut rng = Rng::new(5);
    let (from, _) = week();
    let first = (from + CST_MS) / DAY_MS;
    let day = |d: i64| {
        let (y, m, dd) = wardline::registry::validate::civil_from_days(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let now = wardline::db::now_ms();
    let mut rows = Vec::new();
    for i in 0..n {
        let c = &communities[i as usize % communities.len()];
        // days, from, to, first and last day.
        let (days, from_min, to_min, span): (i64, i64, i64, Option<(i64, i64)>) =
            match rng.below(100) {
                0..=59 => (127, 0, 1440, None),          // any time
                60..=74 => (0b001_1111, 0, 1440, None),  // weekdays only
                75..=89 => (127, 8 * 60, 20 * 60, None), // daytime only
                90..=94 => (127, 20 * 60, 8 * 60, None), // nights only
                _ => {
                    // Part of the week only.
                    let a = rng.range(0, 3);
                    (127, 0, 1440, Some((first + a, first + a + rng.range(1, 3))))
                }
            };
        let mut skills = Vec::new();
        if rng.chance(200) {
            skills.push("medical");
        }
        if rng.chance(100) {
            skills.push("driving");
        }
        if rng.chance(50) {
            skills.push("it");
        }
        let political = *rng.pick(&["party", "party", "league", "none", "none", "none"]);
        rows.extend(args![
            format!("B{i:06}"),
            c.id,
            c.path.as_str(),
            c.path.as_str(),
            format!("志愿者{i}"),
            "id_card",
            format!("B{i:017}"),
            format!("139{:08}", i),
            political,
            skills.join(" "),
            days,
            from_min,
            to_min,
            span.map(|s| day(s.0)),
            span.map(|s| day(s.1)),
            1,
            "approved",
            now,
            now
        ]);
    }
    let mut tx = db.begin().await.unwrap();
    tx.bulk_insert(
        "volunteers",
        &[
            "ref_code",
            "area_id",
            "path",
            "home_path",
            "name",
            "doc_type",
            "doc_number",
            "phone",
            "political",
            "skills",
            "days",
            "from_min",
            "to_min",
            "avail_from",
            "avail_to",
            "health_ok",
            "status",
            "created_ms",
            "updated_ms",
        ],
        rows,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// What `autofill::run` hands the planner for `path` and the week (nothing is placed yet).
async fn planner_input(db: &Db, path: &str) -> (Vec<Opening>, Vec<Candidate>) {
    let (from, to) = week();
    let openings = db
        .query(
            "SELECT id, starts_ms, ends_ms, path, skills, headcount FROM shifts \
             WHERE path >= $1 AND path < $2 AND starts_ms >= $3 AND starts_ms < $4 \
             ORDER BY starts_ms, id",
            args![path, path_end(path), from, to],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| Opening {
            shift: r.int(0),
            start: r.int(1),
            end: r.int(2),
            path: r.string(3),
            skills: r.string(4),
            open: r.int(5),
            taken: vec![],
        })
        .collect();
    let cands = db
        .query(
            "SELECT id, skills, days, from_min, to_min, avail_from, avail_to, home_path \
             FROM volunteers WHERE path >= $1 AND path < $2 AND status = 'approved' ORDER BY id",
            args![path, path_end(path)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| Candidate {
            id: r.int(0),
            skills: r.string(1),
            avail: availability_of(r.int(2), r.int(3), r.int(4), r.opt_text(5), r.opt_text(6)),
            home: r.string(7),
            spans: vec![],
            minutes: 0,
        })
        .collect();
    (openings, cands)
}

/// Placements under `path` that break a rule, checked one by one against the volunteer's other
/// shifts (the auto-fill must leave none).
async fn breaches(db: &Db, path: &str) -> usize {
    let rules = Rules::load(db).await.unwrap();
    let rows = db
        .query(
            "SELECT a.volunteer_id, a.shift_id, a.starts_ms, a.ends_ms, s.skills, v.skills, \
             v.days, v.from_min, v.to_min, v.avail_from, v.avail_to FROM assignments a \
             JOIN shifts s ON s.id = a.shift_id JOIN volunteers v ON v.id = a.volunteer_id \
             WHERE s.path >= $1 AND s.path < $2 ORDER BY a.volunteer_id, a.starts_ms",
            args![path, path_end(path)],
        )
        .await
        .unwrap();
    let mut held: std::collections::HashMap<i64, Vec<Span>> = Default::default();
    for r in &rows {
        held.entry(r.int(0)).or_default().push(Span {
            shift: r.int(1),
            start: r.int(2),
            end: r.int(3),
        });
    }
    let mut bad = 0;
    for r in &rows {
        let me = Span {
            shift: r.int(1),
            start: r.int(2),
            end: r.int(3),
        };
        let others: Vec<Span> = held[&r.int(0)]
            .iter()
            .filter(|s| s.shift != me.shift)
            .copied()
            .collect();
        let avail = availability_of(r.int(6), r.int(7), r.int(8), r.opt_text(9), r.opt_text(10));
        if !rules::breaches(&rules, &avail, r.text(5), r.text(4), &others, me).is_empty() {
            bad += 1;
        }
    }
    bad
}

pub async fn autofill(ctx: &Ctx) {
    let b = ctx.backend;
    let emit =
        |metric: &str, value: f64, unit: &str| emit(BENCH, b, ctx.scale, metric, value, unit);
    let (db, _url) = fresh(ctx, "mobilization").await;
    let setup = Instant::now();
    areas::ensure_national(&db, "431102").await.unwrap();
    let street = areas::by_code(&db, STREET).await.unwrap().unwrap();
    let communities: Vec<areas::Area> = db
        .query(
            &format!(
                "SELECT {} FROM areas WHERE path >= $1 AND path < $2 AND level = 5 \
                 ORDER BY path LIMIT 5",
                areas::AREA_COLS
            ),
            args![street.path.as_str(), path_end(&street.path)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| <areas::Area as wardline::db::FromRow>::from_row(r).unwrap())
        .collect();
    access::create_account(&db, "street1", "街道干部", "street", &[STREET.into()])
        .await
        .unwrap();
    let token = access::create_token(&db, "street1", "bench").await.unwrap();
    let officer = access::authenticate(&db, &token).await.unwrap();
    let actor = Actor {
        account_id: Some(officer.account_id),
        username: officer.username.clone(),
        ip: "bench".into(),
    };
    // `WARDLINE_BENCH_VOLUNTEERS` overrides the number of volunteers (the places stay at
    // scale / 20), to measure an under-supplied roster.
    let nvol = std::env::var("WARDLINE_BENCH_VOLUNTEERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ctx.scale);
    volunteers(&db, &communities, nvol).await;
    // Places: one in ten a sampling site whose shifts need a medical skill.
    let posts = roster::posts(&db).await.unwrap();
    let post = |code: &str| posts.iter().find(|p| p.code == code).unwrap().id;
    let three = roster::PATTERNS.iter().find(|p| p.0 == "3x8").unwrap().1;
    let places = (ctx.scale / 20).max(1);
    for i in 0..places {
        let c = &communities[i as usize % communities.len()];
        let site = i % 10 == 9;
        let (name, kind) = if site {
            (format!("采样点{i}"), "site")
        } else {
            (format!("卡口{i}"), "checkpoint")
        };
        let place = roster::add_place(&db, &actor, &officer, &c.code, &name, kind)
            .await
            .unwrap();
        let f = roster::NewShifts {
            place,
            post: post(if site { "sampling" } else { "security" }),
            first_day: FIRST_DAY.into(),
            days: DAYS,
            times: three.to_vec(),
            headcount: HEADCOUNT,
            skills: if site { vec!["medical".into()] } else { vec![] },
        };
        roster::add_shifts(&db, &actor, &officer, &f).await.unwrap();
    }
    emit("setup_seconds", setup.elapsed().as_secs_f64(), "s");
    let slots = places * DAYS as u64 * three.len() as u64 * HEADCOUNT as u64;
    emit("slots", slots as f64, "places");
    emit("places", places as f64, "places");
    emit("volunteers", nvol as f64, "volunteers");

    // The planner alone.
    let rules = Rules::load(&db).await.unwrap();
    let (openings, cands) = planner_input(&db, &street.path).await;
    let mut times = Vec::new();
    let mut plan = None;
    for _ in 0..3 {
        let t = Instant::now();
        let p = autofill::plan(&rules, &openings, &cands, SEARCH_BUDGET);
        times.push(t.elapsed().as_secs_f64());
        plan = Some(p);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let plan = plan.unwrap();
    emit("plan_seconds", times[1], "s");
    emit("plan_checks", plan.checks as f64, "checks");
    emit("plan_filled", plan.picks.len() as f64, "places");

    // The whole database call.
    let (from, to) = week();
    let t = Instant::now();
    let r = autofill::run(&db, &actor, &officer, &street.path, from, to)
        .await
        .unwrap();
    emit("run_seconds", t.elapsed().as_secs_f64(), "s");
    emit("filled", r.filled as f64, "places");
    emit("unfilled", r.unfilled as f64, "places");
    emit("proven", r.proven as i64 as f64, "bool");
    let f = &r.fairness;
    emit("fairness_volunteers", f.volunteers as f64, "volunteers");
    emit("fairness_min_hours", f.min_hours, "h");
    emit("fairness_max_hours", f.max_hours, "h");
    emit("fairness_mean_hours", f.mean_hours, "h");
    emit("fairness_stddev_hours", f.stddev_hours, "h");
    let mut why: std::collections::BTreeMap<String, i64> = Default::default();
    for u in &r.detail {
        for (k, n) in &u.reasons {
            *why.entry(k.clone()).or_default() += n;
        }
    }
    if !why.is_empty() {
        eprintln!(
            "  unfilled: {} places on {} shifts; first rule broken, summed over them: {why:?}",
            r.unfilled,
            r.detail.len()
        );
    }
    // A second run finds nothing more to fill (the first left no place someone could take).
    let t = Instant::now();
    let again = autofill::run(&db, &actor, &officer, &street.path, from, to)
        .await
        .unwrap();
    emit("rerun_seconds", t.elapsed().as_secs_f64(), "s");
    emit("rerun_filled", again.filled as f64, "places");
    let bad = breaches(&db, &street.path).await;
    emit("placements_breaking_a_rule", bad as f64, "placements");
    assert_eq!(bad, 0, "the auto-fill broke a rule");
    let n: i64 = db
        .query_one("SELECT COUNT(*) FROM assignments", Vec::<Value>::new())
        .await
        .unwrap()
        .int(0);
    assert_eq!(n, r.filled + again.filled);
}
