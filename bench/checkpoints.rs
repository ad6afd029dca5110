//! The `checkpoints` bench (issue 14): the pass log through the HTTP API, the figures at scale,
//! and ingest while the purge deletes a million expired entries.
//!
//! Setup: a small demo city (3,000 residents under 431102), the demo accounts, the north gate of
//! the demo community run as a checkpoint; an API token of demo-community (an officer of the
//! community: logs without a shift).
//!
//! 1. Ingest, durable: `CONNS` keep-alive connections each POST one pass at a time to
//!    `/api/v1/checkpoints/{id}/ops` (a resident by personal code, green, 36.5, pass; every
//!    request its own client id) for `SECS` seconds, closed loop, against the in-process server;
//!    an answer is sent after the group commit. Then the same requests against an axum "hello
//!    world" on its own runtime in this process: `ratio_to_hello` = ours / hello. Also offline
//!    uploads of 500 lines (`/batch`). Target ≥ 5,000 entries/s on SQLite.
//! 2. Figures at scale: `--scale` entries (default 10,000,000) bulk-written over 20 checkpoints,
//!    30 checkers each, 28 days, with their hourly and day tallies; then
//!    `figures::of_checkpoint`, `grouped`
//!    (checker, shift, hour) and `of_area` over 28 days: p50/p95/p99. Target < 50 ms.
//! 3. Purge under load: 1,000,000 entries aged past the period, deleted by the scheduled purge
//!    (`checkpoints::retention::purge_in_chunks`, 2,000 rows per transaction with a short pause
//!    between them) while the connections of (1) keep logging: the purge's seconds, the ingest
//!    rate during it and before it, and `ingest_during_purge_ratio` = during / before.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use wardline::args;
use wardline::checkpoints::{self, figures};
use wardline::db::{now_ms, Db, Value};
use wardline::registry::demo;

use crate::{emit, fresh, percentile, Ctx};

const BENCH: &str = "checkpoints";
const CONNS: usize = 32;
const SECS: f64 = 10.0;
const SAMPLES: usize = 200;
const PURGED: i64 = 1_000_000;

/// One keep-alive HTTP/1.1 connection, one request at a time.
struct Http {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Http {
    async fn connect(port: u16) -> Http {
        let s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.set_nodelay(true).unwrap();
        Http {
            s,
            buf: Vec::with_capacity(8192),
        }
    }

    /// POST `body`; the status and the body.
    async fn post(&mut self, path: &str, token: &str, body: &str) -> (u16, String) {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.s.write_all(req.as_bytes()).await.unwrap();
        self.buf.clear();
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + len {
                    let mut chunk = [0u8; 8192];
                    let n = self.s.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "connection closed");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&self.buf[end + 4..end + 4 + len]).to_string();
                return (status, body);
            }
            let mut chunk = [0u8; 8192];
            let n = self.s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An axum server on its own two-thread runtime: every POST gets a short JSON answer.
fn start_hello() -> (u16, tokio::sync::oneshot::Sender<()>) {
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            let app = axum::Router::new().fallback(|_body: axum::body::Bytes| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    r#"{"status":"logged","code":"logged"}"#,
                )
            });
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    (port_rx.recv().unwrap(), stop)
}

/// The in-process server on its own port.
async fn serve(db: &Db) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = wardline::server::app(db.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    port
}

struct Setup {
    db: Db,
    cp: checkpoints::Checkpoint,
    token: String,
    codes: Arc<Vec<String>>,
}

async fn setup(ctx: &Ctx) -> Setup {
    let (db, _) = fresh(ctx, BENCH).await;
    let opts = demo::DemoOptions {
        people: 3_000,
        seed: 14,
        under: "431102".into(),
    };
    demo::generate(&db, &opts, &|_| {}).await.unwrap();
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    let officer = demo::demo_reader(&db, "demo-community")
        .await
        .unwrap()
        .unwrap();
    let actor = demo::demo_actor(&officer);
    let place = wardline::mobilization::roster::add_place(
        &db,
        &actor,
        &officer,
        demo::DEMO_COMMUNITY,
        "北门卡口",
        "checkpoint",
    )
    .await
    .unwrap();
    checkpoints::set_up(
        &db,
        &actor,
        &officer,
        place,
        &checkpoints::Settings {
            kind: "gate".into(),
            validity_h: 48,
            require_test: false,
            lanes: vec![],
        },
    )
    .await
    .unwrap();
    let cp = checkpoints::by_id(&db, place).await.unwrap().unwrap();
    let token = wardline::access::create_token(&db, "demo-community", "bench")
        .await
        .unwrap();
    let secret = wardline::access::settings::qr_secret(&db).await.unwrap();
    let ids: Vec<i64> = db
        .column(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id",
            args![cp.path.as_str(), wardline::db::path_end(&cp.path)],
        )
        .await
        .unwrap();
    let codes = ids
        .iter()
        .map(|i| wardline::registry::codes::resident_code(&secret, *i))
        .collect();
    Setup {
        db,
        cp,
        token,
        codes: Arc::new(codes),
    }
}

fn op(code: &str, cid: &str) -> String {
    serde_json::json!({"op": "person", "client_id": cid, "direction": "in",
        "person": {"code": code}, "health_code": "green", "temperature": 36.5, "decision": "pass"})
    .to_string()
}

/// `CONNS` connections posting single passes until `stop`; logged answers counted in `n`.
async fn drive(
    port: u16,
    s: &Setup,
    tag: &str,
    secs: Option<f64>,
    stop: Arc<AtomicBool>,
    n: Arc<AtomicU64>,
) -> f64 {
    let path = format!("/api/v1/checkpoints/{}/ops", s.cp.id);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CONNS {
        let (path, token, codes) = (path.clone(), s.token.clone(), s.codes.clone());
        let (stop, n, tag) = (stop.clone(), n.clone(), tag.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut h = Http::connect(port).await;
            let mut i = 0usize;
            loop {
                if stop.load(Ordering::Relaxed)
                    || secs.is_some_and(|x| t0.elapsed().as_secs_f64() >= x)
                {
                    break;
                }
                let code = &codes[(c * 7919 + i) % codes.len()];
                let (status, body) = h
                    .post(&path, &token, &op(code, &format!("{tag}-{c}-{i}")))
                    .await;
                if status == 200 && body.contains("\"logged\"") {
                    n.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    t0.elapsed().as_secs_f64()
}

pub async fn checkpoints(ctx: &Ctx) {
    let s = setup(ctx).await;
    let port = serve(&s.db).await;

    // 1. Ingest, ours then the hello world's.
    let n = Arc::new(AtomicU64::new(0));
    let secs = drive(
        port,
        &s,
        "a",
        Some(SECS),
        Arc::new(AtomicBool::new(false)),
        n.clone(),
    )
    .await;
    let ours = n.load(Ordering::Relaxed) as f64 / secs;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_entries_per_s",
        ours,
        "entries/s",
    );
    let (hello_port, hello_stop) = start_hello();
    let n = Arc::new(AtomicU64::new(0));
    let secs = drive(
        hello_port,
        &s,
        "h",
        Some(SECS),
        Arc::new(AtomicBool::new(false)),
        n.clone(),
    )
    .await;
    let hello = n.load(Ordering::Relaxed) as f64 / secs;
    let _ = hello_stop.send(());
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "hello_world_per_s",
        hello,
        "requests/s",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ratio_to_hello",
        ours / hello,
        "ratio",
    );
    let logged: i64 =
        s.db.scalar("SELECT COUNT(*) FROM pass_entries", vec![])
            .await
            .unwrap();
    let tallied = figures::of_checkpoint(&s.db, s.cp.id, 0, i64::MAX / 2)
        .await
        .unwrap()
        .people;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "entries_equal_tallies",
        (logged == tallied) as i64 as f64,
        "bool",
    );
    // Offline uploads of 500 lines.
    let bpath = format!("/api/v1/checkpoints/{}/batch", s.cp.id);
    let mut h = Http::connect(port).await;
    let t0 = Instant::now();
    let mut lines = 0;
    for b in 0..20 {
        let body: Vec<String> = (0..500)
            .map(|i| {
                op(
                    &s.codes[(b * 500 + i) % s.codes.len()],
                    &format!("b-{b}-{i}"),
                )
            })
            .collect();
        let (status, out) = h.post(&bpath, &s.token, &body.join("\n")).await;
        assert_eq!(status, 200, "{out}");
        lines += out.lines().filter(|l| l.contains("\"logged\"")).count();
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "batch_entries_per_s",
        lines as f64 / t0.elapsed().as_secs_f64(),
        "entries/s",
    );

    // 2. Figures at scale.
    let t0 = Instant::now();
    synthesize(&s.db, &s.cp, ctx.scale as i64).await;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "synthesize_s",
        t0.elapsed().as_secs_f64(),
        "s",
    );
    let now = now_ms();
    let (from, to) = (now - 28 * 86_400_000, now + 3_600_000);
    let mut reads: Vec<(&str, Vec<f64>)> = vec![
        ("figures_checkpoint_ms", vec![]),
        ("figures_by_checker_ms", vec![]),
        ("figures_by_shift_ms", vec![]),
        ("figures_by_hour_ms", vec![]),
        ("figures_area_ms", vec![]),
    ];
    let street = &s.cp.path[..s.cp.path.rfind('/').unwrap_or(0)];
    for _ in 0..SAMPLES {
        let t = Instant::now();
        figures::of_checkpoint(&s.db, s.cp.id, from, to)
            .await
            .unwrap();
        reads[0].1.push(t.elapsed().as_secs_f64() * 1e3);
        for (k, by) in [
            (1, figures::By::Checker),
            (2, figures::By::Shift),
            (3, figures::By::Hour),
        ] {
            let t = Instant::now();
            figures::grouped(&s.db, s.cp.id, by, from, to)
                .await
                .unwrap();
            reads[k].1.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let t = Instant::now();
        figures::of_area(&s.db, street, from, to).await.unwrap();
        reads[4].1.push(t.elapsed().as_secs_f64() * 1e3);
    }
    for (name, ms) in &mut reads {
        for (p, tag) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
            emit(
                BENCH,
                ctx.backend,
                ctx.scale,
                &format!("{name}_{tag}"),
                percentile(ms, p),
                "ms",
            );
        }
    }

    // The same totals read the way they were before the day tallies (every hourly row of the
    // period), for comparison, and whether both ways agree.
    let sums = [
        "people",
        "n_in",
        "n_out",
        "n_through",
        "vehicles",
        "visitors",
        "passed",
        "returned",
        "quarantine",
        "medical",
        "overrides",
        "fever",
    ]
    .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)"))
    .join(", ");
    let hour_from = from - from.rem_euclid(3_600_000);
    let hourly_cp = format!(
        "SELECT {sums} FROM pass_tallies WHERE place_id = $1 AND hour_ms >= $2 AND hour_ms < $3"
    );
    let hourly_area = format!(
        "SELECT {sums} FROM pass_tallies WHERE path >= $1 AND path < $2 AND hour_ms >= $3 \
         AND hour_ms < $4"
    );
    let mut old: Vec<(&str, Vec<f64>)> = vec![
        ("figures_checkpoint_hourly_only_ms", vec![]),
        ("figures_area_hourly_only_ms", vec![]),
    ];
    let mut area_people = 0;
    for _ in 0..SAMPLES / 4 {
        let t = Instant::now();
        s.db.query(&hourly_cp, args![s.cp.id, hour_from, to])
            .await
            .unwrap();
        old[0].1.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let r =
            s.db.query(
                &hourly_area,
                args![street, wardline::db::path_end(street), hour_from, to],
            )
            .await
            .unwrap();
        old[1].1.push(t.elapsed().as_secs_f64() * 1e3);
        area_people = r[0].int(0);
    }
    for (name, ms) in &mut old {
        for (p, tag) in [(0.5, "p50"), (0.95, "p95")] {
            emit(
                BENCH,
                ctx.backend,
                ctx.scale,
                &format!("{name}_{tag}"),
                percentile(ms, p),
                "ms",
            );
        }
    }
    let area = figures::of_area(&s.db, street, from, to).await.unwrap();
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "day_tallies_equal_hourly",
        (area.people == area_people) as i64 as f64,
        "bool",
    );

    // 3. The purge of a million expired entries while the connections keep logging.
    let old = now_ms() - 40 * 86_400_000;
    let mut tx = s.db.begin().await.unwrap();
    tx.execute(
        "UPDATE pass_entries SET at_ms = $1 WHERE id IN (SELECT id FROM pass_entries ORDER BY id LIMIT $2)",
        args![old, PURGED],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let n = Arc::new(AtomicU64::new(0));
    let secs = drive(
        port,
        &s,
        "p0",
        Some(5.0),
        Arc::new(AtomicBool::new(false)),
        n.clone(),
    )
    .await;
    let before = n.load(Ordering::Relaxed) as f64 / secs;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_before_purge_per_s",
        before,
        "entries/s",
    );
    let stop = Arc::new(AtomicBool::new(false));
    let n = Arc::new(AtomicU64::new(0));
    let loader = {
        let (stop, n) = (stop.clone(), n.clone());
        let s2 = Setup {
            db: s.db.clone(),
            cp: s.cp.clone(),
            token: s.token.clone(),
            codes: s.codes.clone(),
        };
        tokio::spawn(async move { drive(port, &s2, "p1", None, stop, n).await })
    };
    // The scheduled purge: short chunks (what the server runs between daily sweeps).
    let t0 = Instant::now();
    let deleted = wardline::checkpoints::retention::purge_in_chunks(
        &s.db,
        wardline::checkpoints::retention::DEFAULT_DAYS,
        now_ms(),
        wardline::checkpoints::retention::CHUNK,
    )
    .await
    .unwrap();
    let purge_s = t0.elapsed().as_secs_f64();
    let during = n.load(Ordering::Relaxed) as f64 / purge_s;
    stop.store(true, Ordering::Relaxed);
    loader.await.unwrap();
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "purge_deleted",
        deleted as f64,
        "entries",
    );
    emit(BENCH, ctx.backend, ctx.scale, "purge_s", purge_s, "s");
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_during_purge_per_s",
        during,
        "entries/s",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_during_purge_ratio",
        during / before,
        "ratio",
    );
}

/// `n` entries over 20 checkpoints × 30 checkers × 28 days, written in bulk with their tallies.
async fn synthesize(db: &Db, cp: &checkpoints::Checkpoint, n: i64) {
    let now = now_ms();
    let start = now - 28 * 86_400_000;
    let hours = 28 * 24;
    let per_hour = (n / (20 * hours)).max(1);
    let mut written = 0;
    let mut tallies: std::collections::HashMap<(i64, i64, i64), i64> = Default::default();
    while written < n {
        let mut rows = Vec::with_capacity(50_000 * 9);
        for _ in 0..50_000.min(n - written) {
            let place = if written % 20 == 0 {
                cp.id
            } else {
                1_000_000 + written % 20
            };
            let checker = 10_000 + (written % 30);
            let hour = start + ((written / (20 * per_hour)) % hours) * 3_600_000;
            *tallies.entry((place, checker, hour)).or_default() += 1;
            rows.extend([
                Value::Int(place),
                Value::from(cp.path.as_str()),
                Value::Int(checker),
                Value::Int(hour + 60_000),
                Value::from("in"),
                Value::from("green"),
                Value::from("none"),
                Value::from("pass"),
                Value::from("pass"),
            ]);
            written += 1;
        }
        let mut tx = db.begin_bulk().await.unwrap();
        tx.bulk_insert(
            "pass_entries",
            &[
                "place_id",
                "path",
                "account_id",
                "at_ms",
                "direction",
                "health_code",
                "test_status",
                "suggestion",
                "decision",
            ],
            rows,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut rows = Vec::new();
    let mut days: std::collections::HashMap<(i64, i64, i64), i64> = Default::default();
    for ((place, checker, hour), k) in tallies {
        *days
            .entry((place, checker, figures::china_day(hour)))
            .or_default() += k;
        rows.extend(args![place, checker, 0, hour, cp.path.as_str(), k, k, k]);
    }
    let mut day_rows = Vec::new();
    for ((place, checker, day), k) in days {
        day_rows.extend(args![place, checker, 0, day, cp.path.as_str(), k, k, k]);
    }
    let mut tx = db.begin_bulk().await.unwrap();
    tx.bulk_insert(
        "pass_day_tallies",
        &[
            "place_id",
            "account_id",
            "shift_id",
            "day",
            "path",
            "people",
            "n_in",
            "passed",
        ],
        day_rows,
        Some(
            "ON CONFLICT (place_id, account_id, shift_id, day) DO UPDATE SET \
             people = pass_day_tallies.people + excluded.people, \
             n_in = pass_day_tallies.n_in + excluded.n_in, \
             passed = pass_day_tallies.passed + excluded.passed",
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin_bulk().await.unwrap();
    tx.bulk_insert(
        "pass_tallies",
        &[
            "place_id",
            "account_id",
            "shift_id",
            "hour_ms",
            "path",
            "people",
            "n_in",
            "passed",
        ],
        rows,
        Some(
            "ON CONFLICT (place_id, account_id, shift_id, hour_ms) DO UPDATE SET \
             people = pass_tallies.people + excluded.people, n_in = pass_tallies.n_in + excluded.n_in, \
             passed = pass_tallies.passed + excluded.passed",
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
