//! The `pages` bench: the real server (`wardline::server::app`) in-process on a loaded city, each
//! page fetched by one client over one keep-alive connection (a single user), then `wrk` with
//! 32 connections against the district's area page. Targets (issue 3): p95 < 100 ms and
//! < 60 KB per page.
//!
//! The loaded database is kept between runs: SQLite in `WORK/pages-SCALE/` (marker file
//! `ready`), PostgreSQL as database `bench_pages_SCALE` while the same server lives (marker
//! `WORK/pages-pg-SCALE.ready` holding the server URL). Delete the marker to reload.

use std::path::PathBuf;
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use wardline::access::{self, session::Login};
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{Backend, Db};
use wardline::registry::{areas, edit, residents};
use wardline::rng::Rng;

use crate::{emit, load_city, percentile, Ctx};

const BENCH: &str = "pages";
/// Requests per page, after the warm-up.
const SAMPLES: usize = 200;
const WARMUP: usize = 20;
/// Audit entries to have in the log before the audit viewer is measured.
const AUDIT_ENTRIES: i64 = 5_000;
/// Accounts besides the demo ones, for the account list.
const EXTRA_ACCOUNTS: usize = 300;

fn marker(ctx: &Ctx) -> PathBuf {
    match ctx.backend {
        Backend::Sqlite => ctx.work.join(format!("pages-{}", ctx.scale)).join("ready"),
        Backend::Postgres => ctx.work.join(format!("pages-pg-{}.ready", ctx.scale)),
    }
}

/// The loaded city: reused when a previous run finished loading it.
async fn city(ctx: &Ctx) -> Db {
    let m = marker(ctx);
    let here = match ctx.backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => ctx.pg_admin.clone().unwrap_or_default(),
    };
    if std::fs::read_to_string(&m).ok().as_deref() == Some(here.as_str()) {
        let url = match ctx.backend {
            Backend::Sqlite => format!(
                "sqlite://{}",
                m.parent().unwrap().join("wardline.db").display()
            ),
            Backend::Postgres => {
                let base = here.rsplit_once('/').unwrap().0;
                format!("{base}/bench_pages_{}", ctx.scale)
            }
        };
        if let Ok(db) = Db::connect(&url).await {
            db.migrate().await.unwrap();
            eprintln!("  reusing the loaded city at {url}");
            return db;
        }
    }
    let (db, _url, secs) = load_city(ctx, "pages").await;
    emit(BENCH, ctx.backend, ctx.scale, "load_seconds", secs, "s");
    std::fs::write(&m, here).unwrap();
    db
}

/// Accounts, a few thousand audit entries; sessions for the HQ reader and the administrator.
async fn setup(db: &Db) -> (String, String) {
    wardline::cli::create_demo_accounts(db).await.unwrap();
    let communities: Vec<String> = db
        .query(
            "SELECT code FROM areas WHERE level = 5 AND path LIKE '431102%' ORDER BY path",
            vec![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    for i in 0..EXTRA_ACCOUNTS {
        let user = format!("bench-user-{i:04}");
        let a = access::NewAccount {
            username: &user,
            display_name: &user,
            role: ["community", "grid", "volunteer"][i % 3],
            scope_codes: &[communities[i % communities.len()].clone()],
            password: None,
        };
        match access::create_account_as(db, &Actor::cli(), &a).await {
            Ok(_) | Err(wardline::error::AppError::Conflict(_)) => {}
            Err(e) => panic!("account: {e}"),
        }
    }
    let hq = session(db, "demo-hq").await;
    let admin = session(db, "demo-admin").await;
    // Reveals by the HQ reader: one audit entry each.
    let have = db
        .query_one("SELECT COUNT(*) FROM audit_log", vec![])
        .await
        .unwrap()
        .int(0);
    if have < AUDIT_ENTRIES {
        let reader = access::session::lookup(db, &hq)
            .await
            .unwrap()
            .unwrap()
            .reader;
        let actor = Actor {
            account_id: Some(reader.account_id),
            username: reader.username.clone(),
            ip: "127.0.0.1".into(),
        };
        let max_id = max_id(db, "residents").await;
        let mut rng = Rng::new(7);
        let t = Instant::now();
        for _ in have..AUDIT_ENTRIES {
            let id = 1 + rng.below(max_id as u64) as i64;
            match edit::reveal(db, &actor, &reader, id, "bench: contact tracing call").await {
                Ok(_) | Err(wardline::error::AppError::NotFound) => {}
                Err(e) => panic!("reveal: {e}"),
            }
        }
        eprintln!(
            "  {} audit entries added in {:.1}s",
            AUDIT_ENTRIES - have,
            t.elapsed().as_secs_f64()
        );
    }
    (hq, admin)
}

/// A live, verified session token. The administrator's session would wait for the second
/// factor: the bench marks it verified directly (the TOTP step is not what is measured).
pub(crate) async fn session(db: &Db, user: &str) -> String {
    match access::session::login(db, user, wardline::cli::DEMO_PASSWORD, "127.0.0.1")
        .await
        .unwrap()
    {
        Login::Ok { token, verified } => {
            if !verified {
                let mut tx = db.begin().await.unwrap();
                tx.execute(
                    "UPDATE sessions SET verified = 1 WHERE token_hash = $1",
                    args![access::hash_token(&token)],
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
            token
        }
        other => panic!("login {user}: {other:?}"),
    }
}

async fn max_id(db: &Db, table: &str) -> i64 {
    db.query_one(&format!("SELECT MAX(id) FROM {table}"), vec![])
        .await
        .unwrap()
        .int(0)
}

fn enc(s: &str) -> String {
    wardline::web::html::url_enc(s)
}

/// Random picks of a column (ids exist from 1 to MAX(id); gaps are skipped).
async fn sample(db: &Db, rng: &mut Rng, sql: &str, table: &str, n: usize) -> Vec<String> {
    let max = max_id(db, table).await;
    let mut out = Vec::new();
    while out.len() < n {
        let id = 1 + rng.below(max as u64) as i64;
        if let Some(r) = db.query_opt(sql, args![id]).await.unwrap() {
            if let Some(v) = r.opt_string(0) {
                out.push(v);
            }
        }
    }
    out
}

/// A minimal HTTP/1.1 client on one keep-alive connection: the whole response, timed.
pub(crate) struct Client {
    conn: BufReader<TcpStream>,
    cookie: Option<String>,
}

impl Client {
    pub(crate) async fn new(port: u16, token: Option<&str>) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.set_nodelay(true).unwrap();
        Client {
            conn: BufReader::new(s),
            cookie: token.map(|t| format!("wl_session={t}")),
        }
    }

    /// Status and body length.
    pub(crate) async fn get(&mut self, path: &str) -> (u16, usize) {
        let mut req = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: zh-CN\r\nUser-Agent: wardline-bench\r\n"
        );
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        req.push_str("\r\n");
        self.conn.get_mut().write_all(req.as_bytes()).await.unwrap();
        let mut line = String::new();
        self.conn.read_line(&mut line).await.unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?} for {path}"));
        let (mut len, mut chunked) = (0usize, false);
        loop {
            line.clear();
            self.conn.read_line(&mut line).await.unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
        if !chunked {
            let mut body = vec![0; len];
            self.conn.read_exact(&mut body).await.unwrap();
            return (status, len);
        }
        let mut total = 0;
        loop {
            line.clear();
            self.conn.read_line(&mut line).await.unwrap();
            let n = usize::from_str_radix(line.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            self.conn.read_exact(&mut chunk).await.unwrap();
            total += n;
            if n == 0 {
                return (status, total);
            }
        }
    }
}

/// Fetch each address in turn (cycling), after a warm-up; report latency and size.
async fn measure(ctx: &Ctx, client: &mut Client, page: &str, urls: &[String]) {
    for u in urls.iter().cycle().take(WARMUP) {
        client.get(u).await;
    }
    let mut ms = Vec::with_capacity(SAMPLES);
    let (mut max_bytes, mut bad) = (0, 0);
    for u in urls.iter().cycle().skip(WARMUP).take(SAMPLES) {
        let t = Instant::now();
        let (status, bytes) = client.get(u).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        max_bytes = max_bytes.max(bytes);
        if status != 200 {
            if bad == 0 {
                eprintln!("  {page}: {u} answered {status}");
            }
            bad += 1;
        }
    }
    let (b, n) = (ctx.backend, ctx.scale);
    for (p, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
        emit(
            BENCH,
            b,
            n,
            &format!("{page}_{name}"),
            percentile(&mut ms, p),
            "ms",
        );
    }
    emit(
        BENCH,
        b,
        n,
        &format!("{page}_bytes_max"),
        max_bytes as f64,
        "B",
    );
    if bad > 0 {
        emit(
            BENCH,
            b,
            n,
            &format!("{page}_non_200"),
            bad as f64,
            "requests",
        );
    }
}

/// The demo street officer's street (`demo-street`).
const STREET: &str = "431102001";

pub async fn pages(ctx: &Ctx) {
    let db = city(ctx).await;
    let (hq, admin) = setup(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_db = db.clone();
    tokio::spawn(async move {
        axum::serve(listener, wardline::server::app(server_db))
            .await
            .unwrap()
    });

    let mut rng = Rng::new(11);
    let codes = |level: i64| {
        let db = db.clone();
        async move {
            db.query(
                "SELECT code FROM areas WHERE level = $1 AND path LIKE '431102%' ORDER BY path",
                args![level],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect::<Vec<String>>()
        }
    };
    let pick = |rng: &mut Rng, v: &[String], n: usize| -> Vec<String> {
        (0..n)
            .map(|_| v[rng.below(v.len() as u64) as usize].clone())
            .collect()
    };
    let streets = codes(4).await;
    let communities = codes(5).await;
    let grids = codes(6).await;
    eprintln!(
        "  {} streets, {} communities, {} grids",
        streets.len(),
        communities.len(),
        grids.len()
    );
    let area = |c: &String| format!("/areas/{}", enc(c));
    // The second page of a grid's household list: the cursor its first page links to.
    let mut grid_next = Vec::new();
    for g in pick(&mut rng, &grids, 50) {
        let a = areas::by_code(&db, &g).await.unwrap().unwrap();
        if let Some(n) = residents::households_under(&db, &a, None, 50)
            .await
            .unwrap()
            .next
        {
            grid_next.push(format!("{}?after={}", area(&g), enc(&n)));
        }
    }
    let household_ids = sample(
        &db,
        &mut rng,
        "SELECT CAST(id AS TEXT) FROM households WHERE id = $1",
        "households",
        100,
    )
    .await;
    let resident_ids = sample(
        &db,
        &mut rng,
        "SELECT CAST(id AS TEXT) FROM residents WHERE id = $1",
        "residents",
        100,
    )
    .await;
    // The edit forms are fetched by the demo street officer, who may edit (HQ may not: it
    // gets 403), so the ids are of the officer's street.
    let street_household_ids = sample(
        &db,
        &mut rng,
        &format!("SELECT CAST(id AS TEXT) FROM households WHERE id = $1 AND path >= '{STREET}' AND path < '{STREET}~'"),
        "households",
        100,
    )
    .await;
    let street_resident_ids = sample(
        &db,
        &mut rng,
        &format!("SELECT CAST(id AS TEXT) FROM residents WHERE id = $1 AND path >= '{STREET}' AND path < '{STREET}~'"),
        "residents",
        100,
    )
    .await;
    let docs = sample(
        &db,
        &mut rng,
        "SELECT doc_number FROM residents WHERE id = $1",
        "residents",
        100,
    )
    .await;
    let phones = sample(
        &db,
        &mut rng,
        "SELECT phone FROM residents WHERE id = $1",
        "residents",
        100,
    )
    .await;
    let surnames = ["王", "李", "张", "刘", "陈"];
    let plan: Vec<(&str, bool, Vec<String>)> = vec![
        ("login", false, vec!["/login".into()]),
        ("area_district", true, vec!["/areas/431102".into()]),
        ("area_street", true, streets.iter().map(area).collect()),
        (
            "area_community",
            true,
            pick(&mut rng, &communities, 100).iter().map(area).collect(),
        ),
        (
            "area_grid",
            true,
            pick(&mut rng, &grids, 100).iter().map(area).collect(),
        ),
        ("grid_households_next", true, grid_next),
        (
            "community_households",
            true,
            pick(&mut rng, &communities, 100)
                .iter()
                .map(|c| format!("{}?view=households", area(c)))
                .collect(),
        ),
        (
            "household",
            true,
            household_ids
                .iter()
                .map(|i| format!("/households/{i}"))
                .collect(),
        ),
        (
            "household_edit",
            true,
            street_household_ids
                .iter()
                .map(|i| format!("/households/{i}/edit"))
                .collect(),
        ),
        (
            "resident",
            true,
            resident_ids
                .iter()
                .map(|i| format!("/residents/{i}"))
                .collect(),
        ),
        (
            "resident_edit",
            true,
            street_resident_ids
                .iter()
                .map(|i| format!("/residents/{i}/edit"))
                .collect(),
        ),
        (
            "search_surname",
            true,
            surnames
                .iter()
                .map(|s| format!("/search?q={}", enc(s)))
                .collect(),
        ),
        (
            "search_id_number",
            true,
            docs.iter()
                .map(|d| format!("/search?q={}", enc(d)))
                .collect(),
        ),
        (
            "search_phone",
            true,
            phones
                .iter()
                .map(|p| format!("/search?q={}", enc(p)))
                .collect(),
        ),
        ("account", true, vec!["/account".into()]),
        ("admin_accounts", false, vec!["/admin/accounts".into()]),
        ("audit", false, vec!["/audit".into()]),
        ("audit_reveal", false, vec!["/audit?action=reveal".into()]),
    ];
    let mut anon = Client::new(port, None).await;
    let mut as_hq = Client::new(port, Some(&hq)).await;
    let mut as_admin = Client::new(port, Some(&admin)).await;
    let street = session(&db, "demo-street").await;
    let mut as_street = Client::new(port, Some(&street)).await;
    for (page, hq_page, urls) in &plan {
        let client = match (*page, *hq_page) {
            ("login", _) => &mut anon,
            ("household_edit" | "resident_edit", _) => &mut as_street,
            (_, true) => &mut as_hq,
            (_, false) => &mut as_admin,
        };
        let t = Instant::now();
        measure(ctx, client, page, urls).await;
        eprintln!("  {page}: {:.1}s", t.elapsed().as_secs_f64());
    }

    wrk(ctx, port, &hq, "/areas/431102");
    // wrk hangs up with requests in flight: let them finish before the runtime (and the
    // database threads they wait on) is dropped.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
}

/// `wrk -c32 -t2 -d15s --latency` with the session cookie; requests/s and latency percentiles.
fn wrk(ctx: &Ctx, port: u16, token: &str, path: &str) {
    let out = std::process::Command::new("wrk")
        .args(["-c32", "-t2", "-d15s", "--latency", "-H"])
        .arg(format!("Cookie: wl_session={token}"))
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output();
    let out = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        other => return eprintln!("wrk not measured: {other:?}"),
    };
    eprintln!("{out}");
    let (b, n) = (ctx.backend, ctx.scale);
    let ms = |v: &str| -> Option<f64> {
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
        let x: f64 = num.parse().ok()?;
        Some(match unit {
            "us" => x / 1000.0,
            "ms" => x,
            "s" => x * 1000.0,
            "m" => x * 60_000.0,
            _ => return None,
        })
    };
    let mut in_dist = false;
    for line in out.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["Latency", "Distribution", ..] => in_dist = true,
            [p, v] if in_dist && p.ends_with('%') => {
                if let Some(x) = ms(v) {
                    let p = p.trim_end_matches(".000%").trim_end_matches('%');
                    emit(BENCH, b, n, &format!("wrk_area_district_p{p}"), x, "ms");
                }
            }
            ["Requests/sec:", v] => emit(
                BENCH,
                b,
                n,
                "wrk_area_district_requests_per_second",
                v.parse().unwrap_or(0.0),
                "requests/s",
            ),
            ["Non-2xx", "or", "3xx", "responses:", v] => emit(
                BENCH,
                b,
                n,
                "wrk_area_district_non_2xx",
                v.parse().unwrap_or(0.0),
                "requests",
            ),
            ["Socket", "errors:", ..] => eprintln!("wrk: {line}"),
            [reqs, "requests", "in", ..] => emit(
                BENCH,
                b,
                n,
                "wrk_area_district_requests",
                reqs.parse().unwrap_or(0.0),
                "requests",
            ),
            _ => {
                if !line.starts_with(' ') {
                    in_dist = false;
                }
            }
        }
    }
}
