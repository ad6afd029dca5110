//! The `quarantine` bench (health follow-up): `--scale` people under active orders in the
//! demo district (default 200,000).
//!
//! Setup: a demo city of `--scale` residents under 431102, the demo accounts, and one active
//! home-quarantine order per resident, bulk-inserted (rule 7+3, started over the last week).
//!
//! 1. Generating the day's checks for every active order (`checks::generate_day`, one
//!    statement): seconds and checks/s. Target: < 5 s for 200,000 orders.
//! 2. A grid worker's worklist (`worklist::of` as demo-grid, one grid of the city) with all
//!    orders active: p50/p95/p99 over 200 runs. Target: p95 < 50 ms.
//! 3. Check ingest through HTTP: `POST /api/v1/followup/checks` by check id, 16 keep-alive
//!    connections, one check each request (an administrator's token), 20,000 checks: checks/s
//!    and latency. Target (SQLite): ≥ 2,000/s. Every check must be recorded once (counted).

use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use wardline::args;
use wardline::db::{now_ms, Backend, Db};
use wardline::quarantine::{checks, day_of, worklist};

use crate::{emit, fresh, percentile, Ctx};

const BENCH: &str = "quarantine";
const INGEST: usize = 20_000;
const CONNS: usize = 16;

pub async fn quarantine(ctx: &Ctx) {
    let (db, _url) = fresh(ctx, "quarantine").await;
    crate::generated(&db, ctx.scale, 15, "431102").await;
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    let now = now_ms();
    let today = day_of(now);
    let n = load_orders(&db, today, now).await;
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "active_orders",
        n as f64,
        "orders",
    );

    // 1. The day's checks.
    let t = Instant::now();
    let made = checks::generate_day(&db, today).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    emit(BENCH, ctx.backend, ctx.scale, "generate_day", secs, "s");
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "generate_day_checks",
        made as f64,
        "checks",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "generate_day_rate",
        made as f64 / secs,
        "checks/s",
    );
    if db.backend() == Backend::Postgres {
        let mut tx = db.begin().await.unwrap();
        tx.batch("ANALYZE quarantine_checks; ANALYZE quarantine_orders")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    // 2. The grid worker's worklist.
    let grid = wardline::registry::demo::demo_reader(&db, "demo-grid")
        .await
        .unwrap()
        .expect("demo-grid");
    let mut ms = Vec::new();
    let mut items = 0;
    for i in 0..220 {
        let t = Instant::now();
        let w = worklist::of(&db, &grid, now).await.unwrap();
        if i >= 20 {
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        items = w.todo.len();
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "worklist_items",
        items as f64,
        "checks",
    );
    for (p, name) in [
        (0.5, "worklist_p50"),
        (0.95, "worklist_p95"),
        (0.99, "worklist_p99"),
    ] {
        emit(
            BENCH,
            ctx.backend,
            ctx.scale,
            name,
            percentile(&mut ms, p),
            "ms",
        );
    }

    // 3. Check ingest over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_db = db.clone();
    tokio::spawn(async move {
        axum::serve(listener, wardline::server::app(server_db))
            .await
            .unwrap();
    });
    let token = wardline::access::create_token(&db, "demo-admin", "bench")
        .await
        .unwrap();
    let ids: Vec<i64> = db
        .column(
            "SELECT id FROM quarantine_checks WHERE day = $1 AND status = 'pending' ORDER BY id LIMIT $2",
            args![today, INGEST as i64],
        )
        .await
        .unwrap();
    let per = ids.len().div_ceil(CONNS);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(per.max(1)) {
        let chunk = chunk.to_vec();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            s.set_nodelay(true).unwrap();
            let mut conn = BufReader::new(s);
            let mut lat = Vec::with_capacity(chunk.len());
            for id in chunk {
                let body = serde_json::json!({"check_id": id, "outcome": "well", "temperature": "36.6", "client_id": format!("bench-{id}")}).to_string();
                let t = Instant::now();
                let status = post(&mut conn, "/api/v1/followup/checks", &token, &body).await;
                assert_eq!(status, 200, "check {id}");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_rate",
        ids.len() as f64 / secs,
        "checks/s",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_p50",
        percentile(&mut lat, 0.5),
        "ms",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "ingest_p95",
        percentile(&mut lat, 0.95),
        "ms",
    );
    let done = db
        .scalar::<i64>(
            "SELECT COUNT(*) FROM quarantine_checks WHERE client_id LIKE 'bench-%'",
            args![],
        )
        .await
        .unwrap();
    assert_eq!(done as usize, ids.len(), "every check recorded once");
}

/// One active order per resident, started over the last week.
async fn load_orders(db: &Db, today: i64, now: i64) -> usize {
    struct P {
        id: i64,
        household_id: i64,
        path: String,
        community_id: i64,
    }
    wardline::from_row!(P {
        id,
        household_id,
        path,
        community_id
    });
    let people: Vec<P> = db
        .query_as(
            "SELECT id, household_id, path, community_id FROM residents ORDER BY id",
            args![],
        )
        .await
        .unwrap();
    let n = people.len();
    let mut tx = db.begin_bulk().await.unwrap();
    for chunk in people.chunks(50_000) {
        let rows = chunk
            .iter()
            .flat_map(|p| {
                let start = today - p.id % 7;
                args![
                    p.id,
                    p.household_id,
                    p.path.as_str(),
                    p.community_id,
                    "home",
                    "close",
                    "7+3",
                    1,
                    7,
                    3,
                    "1,2,3,5,7,10",
                    2,
                    start,
                    start + 9,
                    "bench",
                    "active",
                    "bench",
                    now
                ]
            })
            .collect();
        tx.bulk_insert(
            "quarantine_orders",
            &[
                "resident_id",
                "household_id",
                "path",
                "community_id",
                "kind",
                "reason",
                "rule_code",
                "rule_version",
                "central_days",
                "home_days",
                "test_days",
                "checks_per_day",
                "start_day",
                "end_day",
                "ordered_by",
                "status",
                "created_by",
                "created_ms",
            ],
            rows,
            None,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    n
}

async fn post(conn: &mut BufReader<TcpStream>, path: &str, token: &str, body: &str) -> u16 {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.get_mut().write_all(req.as_bytes()).await.unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).await.unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line).await.unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut b = vec![0; len];
    conn.read_exact(&mut b).await.unwrap();
    status
}
