//! The `notify` bench (issue 19): the per-minute notification sweeps and the outbox at a
//! city-like size. `--scale` residents (default 200,000) under 431102.
//!
//! Setup, bulk-inserted: one approved volunteer with an account per 100 residents, each with a
//! shift a day for a week (a twelfth of them starting within the hour of the sweep); an open
//! need per 20 households, assigned to a volunteer, a third of them late (escalation 1); a
//! home-quarantine order for one resident in 20 and the day's checks, the first slot missed.
//!
//! 1. The sweep (`server::scheduled_notifications`, every minute while serving): the first
//!    pass, which enqueues everything due, and then the steady state (nothing new), p50/p95
//!    over 10 passes — the cost paid every minute. The plans of its queries go to stderr.
//! 2. The outbox: the log sender draining every queued message (`send::deliver`, 200 a call):
//!    messages/s.

use std::time::Instant;

use wardline::args;
use wardline::db::{now_ms, Backend, Db};
use wardline::notify::send::{deliver, Sender, Settings};

use crate::{emit, fresh, percentile, Ctx};

const BENCH: &str = "notify";
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

pub async fn notify(ctx: &Ctx) {
    let (db, _url) = fresh(ctx, "notify").await;
    crate::generated(&db, ctx.scale, 19, "431102").await;
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    let t = Instant::now();
    let today = wardline::quarantine::day_of(now_ms());
    let now = load(&db, today).await;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "setup",
        t.elapsed().as_secs_f64(),
        "s",
    );
    for (metric, sql) in [
        ("volunteers", "SELECT COUNT(*) FROM volunteers"),
        ("assignments", "SELECT COUNT(*) FROM assignments"),
        ("open_needs", "SELECT COUNT(*) FROM needs WHERE is_open = 1"),
        (
            "quarantine_checks",
            "SELECT COUNT(*) FROM quarantine_checks",
        ),
    ] {
        let n: i64 = db.scalar(sql, args![]).await.unwrap();
        emit(BENCH, ctx.backend, ctx.scale, metric, n as f64, "rows");
    }
    explain(&db, now).await;

    // 1. The sweep.
    let t = Instant::now();
    let added = wardline::server::scheduled_notifications(&db, now)
        .await
        .unwrap();
    let first = t.elapsed().as_secs_f64();
    emit(BENCH, ctx.backend, ctx.scale, "sweep_first", first, "s");
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "sweep_first_enqueued",
        added as f64,
        "messages",
    );
    let mut ms = Vec::new();
    for k in 1..=10 {
        let t = Instant::now();
        let n = wardline::server::scheduled_notifications(&db, now + k)
            .await
            .unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(n, 0, "a second pass enqueues nothing");
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "sweep_steady_p50",
        percentile(&mut ms, 0.5),
        "ms",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "sweep_steady_p95",
        percentile(&mut ms, 0.95),
        "ms",
    );

    // 2. The outbox, drained through the log sender.
    let settings = Settings {
        sender: Sender::Log,
        ..Settings::default()
    };
    let queued: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM notify_outbox WHERE state = 'queued'",
            args![],
        )
        .await
        .unwrap();
    let t = Instant::now();
    let (mut sent, mut skipped, mut held) = (0u64, 0u64, 0u64);
    loop {
        let tally = deliver(&db, &settings, now + 11).await.unwrap();
        let n = tally.sent + tally.skipped + tally.held + tally.failed + tally.retried;
        sent += tally.sent;
        skipped += tally.skipped;
        held += tally.held;
        if n == 0 {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    for (metric, v) in [
        ("outbox_queued", queued as f64),
        ("outbox_sent", sent as f64),
        ("outbox_skipped", skipped as f64),
        ("outbox_held_quiet_hours", held as f64),
    ] {
        emit(BENCH, ctx.backend, ctx.scale, metric, v, "messages");
    }
    emit(BENCH, ctx.backend, ctx.scale, "outbox_drain", secs, "s");
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "outbox_rate",
        (sent + skipped + held) as f64 / secs,
        "messages/s",
    );
}

/// Volunteers, shifts, needs and quarantine orders (see the module's comment); the time of the
/// sweep: half an hour after the day's first check was missed.
async fn load(db: &Db, today: i64) -> i64 {
    let created = now_ms();
    let mut tx = db.begin_bulk().await.unwrap();
    // Quarantine: one resident in 20, an order started today (7+3, two checks a day).
    tx.execute(
        "INSERT INTO quarantine_orders (resident_id, household_id, path, community_id, kind, \
         reason, rule_code, rule_version, central_days, home_days, test_days, checks_per_day, \
         start_day, end_day, ordered_by, status, created_by, created_ms) \
         SELECT id, household_id, path, community_id, 'home', 'close', '7+3', 1, 7, 3, \
         '1,2,3,5,7,10', 2, $1, $2, 'bench', 'active', 'bench', $3 FROM residents WHERE id % 20 = 0",
        args![today, today + 9, created],
    )
    .await
    .unwrap();
    // Volunteers with accounts: one resident in 100.
    tx.execute(
        "INSERT INTO accounts (username, display_name, role, created_ms, lang) \
         SELECT 'bv' || id, 'bench', 'volunteer', $1, CASE WHEN id % 3 = 0 THEN 'en' ELSE 'zh-CN' END \
         FROM residents WHERE id % 100 = 0",
        args![created],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO volunteers (ref_code, area_id, path, home_path, name, doc_type, doc_number, \
         phone, political, health_ok, account_id, status, created_ms, updated_ms) \
         SELECT 'BV' || r.id, r.community_id, r.path, r.path, 'bench', 'id_card', 'BV' || r.id, \
         '13700000000', 'none', 1, a.id, 'approved', $1, $1 \
         FROM residents r JOIN accounts a ON a.username = 'bv' || r.id WHERE r.id % 100 = 0",
        args![created],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    wardline::quarantine::checks::generate_day(db, today)
        .await
        .unwrap();
    let first_missed: i64 = db
        .scalar("SELECT MIN(missed_ms) FROM quarantine_checks", args![])
        .await
        .unwrap();
    let now = first_missed + 30 * MIN;

    // A place and a post for the shifts; a shift a day for a week per volunteer, starting at
    // the sweep's time plus (volunteer % 12) hours, so a twelfth start within the hour.
    let post: i64 = db
        .scalar("SELECT MIN(id) FROM posts", args![])
        .await
        .unwrap();
    let mut tx = db.begin_bulk().await.unwrap();
    tx.execute(
        "INSERT INTO places (name, kind, area_id, path, qr_token, created_ms) \
         SELECT 'bench', 'checkpoint', id, path, 'bench-place', $1 FROM areas WHERE code = '431102'",
        args![created],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let place: i64 = db
        .scalar(
            "SELECT id FROM places WHERE qr_token = 'bench-place'",
            args![],
        )
        .await
        .unwrap();
    let vols: Vec<(i64, String)> = db
        .query("SELECT id, path FROM volunteers ORDER BY id", args![])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.int(0), r.string(1)))
        .collect();
    let mut starts = Vec::new();
    let mut rows = Vec::new();
    for day in 0..7 {
        for (i, (_, path)) in vols.iter().enumerate() {
            let s = now + day * 24 * HOUR + (i as i64 % 12) * HOUR + 5 * MIN;
            starts.push(s);
            rows.extend(args![
                place,
                post,
                path.as_str(),
                s,
                s + 4 * HOUR,
                1,
                "bench",
                created
            ]);
        }
    }
    let mut tx = db.begin_bulk().await.unwrap();
    for chunk in rows.chunks(8 * 20_000) {
        tx.bulk_insert(
            "shifts",
            &[
                "place_id",
                "post_id",
                "path",
                "starts_ms",
                "ends_ms",
                "headcount",
                "created_by",
                "created_ms",
            ],
            chunk.to_vec(),
            None,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let shift_ids: Vec<i64> = db
        .column(
            "SELECT id FROM shifts WHERE place_id = $1 ORDER BY id",
            args![place],
        )
        .await
        .unwrap();
    let mut rows = Vec::new();
    for (k, (sid, s)) in shift_ids.iter().zip(&starts).enumerate() {
        let v = vols[k % vols.len()].0;
        rows.extend(args![
            *sid,
            v,
            *s,
            *s + 4 * HOUR,
            "manual",
            "bench",
            created
        ]);
    }
    let mut tx = db.begin_bulk().await.unwrap();
    for chunk in rows.chunks(7 * 20_000) {
        tx.bulk_insert(
            "assignments",
            &[
                "shift_id",
                "volunteer_id",
                "starts_ms",
                "ends_ms",
                "how",
                "assigned_by",
                "assigned_ms",
            ],
            chunk.to_vec(),
            None,
        )
        .await
        .unwrap();
    }
    // Needs: one per 20 households, assigned to a volunteer; a third late.
    let (first_vol, n_vols) = (vols[0].0, vols.len() as i64);
    tx.execute(
        "INSERT INTO needs (household_id, for_name, path, community_id, category, urgency, \
         description, source, status, is_open, volunteer_id, version, escalation, created_by, \
         created_ms, since_ms) \
         SELECT id, '', path, community_id, 'groceries', 3, 'bench', 'grid', 'assigned', 1, \
         $1 + id % $2, 1, CASE WHEN id % 3 = 0 THEN 1 ELSE 0 END, 'bench', $3, $3 \
         FROM households WHERE id % 20 = 0",
        args![first_vol, n_vols, now - 2 * HOUR],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    if db.backend() == Backend::Postgres {
        let mut tx = db.begin().await.unwrap();
        tx.batch(
            "ANALYZE needs; ANALYZE volunteers; ANALYZE shifts; ANALYZE assignments; \
             ANALYZE quarantine_checks; ANALYZE accounts",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    now
}

/// The plans of the sweep's queries (as `mobilization::notify::shifts_soon`,
/// `needs::notify::late`, `quarantine::checks::sweep` and `quarantine::notify::missed` send
/// them), to stderr.
async fn explain(db: &Db, now: i64) {
    let statements: [(&str, &str, Vec<wardline::db::Value>); 4] = [
        (
            "shifts_soon",
            wardline::mobilization::notify::SHIFTS_SOON_SQL,
            args![now, now + HOUR],
        ),
        ("needs_late", wardline::needs::notify::LATE_SQL, args![]),
        (
            "checks_pending",
            wardline::quarantine::checks::ANY_DUE_SQL,
            args![now],
        ),
        (
            "checks_missed",
            wardline::quarantine::notify::MISSED_SQL,
            args![now, now - 6 * HOUR],
        ),
    ];
    for (name, sql, params) in statements {
        crate::explain_alone(db, name, sql, params, 5, false).await;
    }
}
