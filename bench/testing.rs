//! The `testing-ingest` bench (issue 4): mass-testing samples through the real HTTP API.
//!
//! A demo city of `--scale` residents; the real release binary (`wardline serve`) on it as a
//! child process; collector accounts with API tokens at sampling sites; and a load generator of
//! our own (raw HTTP/1.1 keep-alive over TCP, one request in flight per connection, one
//! connection per collector) that opens tubes of 10 and adds people to them, by resident id
//! and by ID number, half each. As on a real sampling day each collector's account is scoped
//! to its site's community and samples that community's residents door to door; every 50th
//! add is a walk-in (not in the registry, sampled with a document) and every 40th someone
//! sampled a moment before (flagged `already_sampled`). Every answer other than "accepted" is
//! counted by its code (`PHASE_answers_CODE`); one shed (503) is sent again in the next slot, as
//! a device does. Phases, each sampling phase on a fresh round
//! over the whole district:
//!
//! 0. closed loop of `GET /api/v1/me`: HTTP and the bearer-token lookup alone;
//! 1. closed loop for `WARDLINE_BENCH_SECS` (every connection sends its next operation as soon
//!    as the last is answered): person-samples/s sustained, server CPU and bytes written per
//!    sample; then an open loop at half that rate (the latency of a server that keeps up);
//! 2. open loop at `WARDLINE_BENCH_RATE` samples/s for `WARDLINE_BENCH_SECS`, latency from each
//!    operation's scheduled send time (no coordinated omission) and, apart, from its send (the
//!    server's answer time: `_served_latency`), while the bench process reads
//!    the city's coverage by community and one grid's missing list through its own connection;
//! 3. the coverage reads again with no ingest, and the naive SQL they replace;
//! 4. a soak at `WARDLINE_BENCH_SOAK_RATE` samples/s for `WARDLINE_BENCH_SOAK_SECS`: the
//!    server's resident memory at start and end (and the naive SQL, a few times, alongside);
//! 5. with the server stopped, the sampling writer alone: `ingest::apply` called from this
//!    process with batches of 10, 100 and 1000 operations (SQLite: also `synchronous = OFF`).
//!
//! The closed loop and the fixed rate are run first against an axum "hello world" on its own
//! runtime in this process, with the same requests: the ratio ours/hello is how close we are
//! to the ceiling. At the end every accepted sample the load generator saw must be a row in
//! `test_samples` and `test_persons`, and counted in the coverage tallies.
//!
//! The loaded city is kept between runs: SQLite in `WORK/testing-SCALE/` (marker `ready`),
//! PostgreSQL as database `bench_testing_SCALE` while the same cluster lives (marker
//! `WORK/testing-pg-SCALE.ready` holding the cluster's URL; `bench/run.sh` removes its cluster
//! at the end, so to reuse one start it with `scripts/pg-start.sh` and run `cargo bench` with
//! `WARDLINE_TEST_POSTGRES_URL` set). The testing tables are emptied at the start of each run.
//! Other knobs: `WARDLINE_BENCH_CONNS` (collectors = connections, default 100),
//! `WARDLINE_BENCH_SITES` (default 50, more in a small city so that every collector has people enough for the window), `WARDLINE_BENCH_RATE_DEVICES` (connections per
//! collector at the fixed rate, default 5: past capacity the server must shed, 503), `WARDLINE_BENCH_SOAK_RATE` (default 2000),
//! `WARDLINE_BENCH_PERF=FILE` (`perf record` of the server during the closed loop), `WARDLINE_BENCH_SERVER_LOG` (the
//! server's `WARDLINE_LOG`, default `info`; its DEBUG lines are printed, e.g.
//! `wardline::testing::ingest=debug` for the time of each sampling batch's steps).

use std::io::{BufRead, BufReader as StdBufReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use wardline::access::{self, Reader, Scope};
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{Backend, Db};
use wardline::testing::{self, coverage, NewRound};

use crate::{emit, load_city, percentile, Ctx};

mod cluster;
mod long;
mod process;
use process::{cpu_of, perf_record, pg_cpu, status_mib};
mod writer;
pub use cluster::testing_cluster;
use long::{sample_rows, sampled_tally};
pub use long::{testing_faults, testing_soak};
use writer::direct_apply;

const BENCH: &str = "testing-ingest";
/// The demo city's district: every round covers it.
const TOP: &str = "431102";
/// People per tube.
const POOL: usize = 10;
/// The most requests a second one simulated device sends in the open-loop phases.
const MAX_DEVICE_RATE: f64 = 2.0;
/// Seconds at the start of a load phase not counted.
const WARMUP_SECS: f64 = 2.0;

fn env_num(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The city

fn marker(ctx: &Ctx) -> PathBuf {
    match ctx.backend {
        Backend::Sqlite => ctx
            .work
            .join(format!("testing-{}", ctx.scale))
            .join("ready"),
        Backend::Postgres => ctx.work.join(format!("testing-pg-{}.ready", ctx.scale)),
    }
}

/// The loaded city and its URL: reused when a previous run finished loading it.
async fn city(ctx: &Ctx) -> (Db, String) {
    let m = marker(ctx);
    let here = match ctx.backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => ctx.pg_admin.clone().unwrap_or_default(),
    };
    let url = match ctx.backend {
        Backend::Sqlite => format!(
            "sqlite://{}",
            ctx.work
                .join(format!("testing-{}", ctx.scale))
                .join("wardline.db")
                .display()
        ),
        Backend::Postgres => {
            let base = here.rsplit_once('/').unwrap().0;
            format!("{base}/bench_testing_{}", ctx.scale)
        }
    };
    if std::fs::read_to_string(&m).ok().as_deref() == Some(here.as_str()) {
        if let Ok(db) = Db::connect(&url).await {
            db.migrate().await.unwrap();
            eprintln!("  reusing the loaded city at {url}");
            return (db, url);
        }
    }
    let (db, loaded_url, secs) = load_city(ctx, "testing").await;
    assert_eq!(loaded_url, url);
    emit(BENCH, ctx.backend, ctx.scale, "load_seconds", secs, "s");
    std::fs::write(&m, here).unwrap();
    (db, url)
}

/// Empty the testing tables: each run starts from a city nobody has sampled.
async fn clear_testing(db: &Db) {
    let t = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for table in [
        "test_submissions",
        "test_samples",
        "test_persons",
        "test_households",
        "test_area_counts",
        "test_community_counts",
        "test_tasks",
        "test_walkins",
        "test_exemptions",
        "test_tubes",
        "test_collectors",
        "test_pool_rules",
        "test_sites",
        "test_rounds",
    ] {
        tx.execute(&format!("DELETE FROM {table}"), vec![])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    eprintln!(
        "  testing tables emptied in {:.1}s",
        t.elapsed().as_secs_f64()
    );
}

/// A person to sample: resident id, and the ID number when it is an 18-digit resident ID card.
#[derive(Clone, Copy)]
struct Person {
    id: i64,
    doc: Option<[u8; 18]>,
}

/// The people each collector samples, as on a real sampling day: collector `i` works at site
/// `i % sites` and samples the residents of that site's community (the area its account is
/// scoped to), the community's people shared among the site's collectors in stretches of
/// consecutive ids (households in order, door to door), at most `per_conn` each. One scan of
/// the registry (residents are not indexed by community).
async fn people(
    db: &Db,
    site_communities: &[String],
    conns: usize,
    per_conn: usize,
) -> Vec<Vec<Person>> {
    let nsites = site_communities.len().max(1);
    let index: std::collections::HashMap<i64, usize> = site_communities
        .iter()
        .enumerate()
        .map(|(s, c)| (c.parse::<i64>().unwrap_or(-1), s))
        .collect();
    let mut by_site: Vec<Vec<Person>> = vec![Vec::new(); nsites];
    let rows = db
        .query(
            "SELECT id, community_id, doc_type, doc_number FROM residents ORDER BY id",
            vec![],
        )
        .await
        .unwrap();
    for r in rows.iter() {
        let Some(&s) = index.get(&r.int(1)) else {
            continue;
        };
        let doc = (r.text(2) == "id_card" && r.text(3).len() == 18).then(|| {
            let mut d = [0u8; 18];
            d.copy_from_slice(r.text(3).as_bytes());
            d
        });
        by_site[s].push(Person { id: r.int(0), doc });
    }
    (0..conns)
        .map(|i| {
            let (site, nth) = (i % nsites, i / nsites);
            let here = conns / nsites + usize::from(site < conns % nsites);
            let all = &by_site[site];
            let share = all.len() / here.max(1);
            all[nth * share..(nth + 1) * share]
                .iter()
                .take(per_conn)
                .copied()
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rounds, sites, collectors

struct Collector {
    username: String,
    token: String,
}

fn officer() -> Reader {
    Reader {
        account_id: 0,
        username: "bench".into(),
        display_name: "bench".into(),
        role: "hq".into(),
        scope: Scope {
            roots: vec![TOP.into()],
        },
    }
}

/// Collector accounts (created once, reused), each with a fresh token, scoped to the
/// community of its site (collector `i` at site `i % sites`): they sample the people of their
/// own area, whom they may look up by record id or ID number.
async fn collectors(db: &Db, n: usize, site_communities: &[String]) -> Vec<Collector> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let community = &site_communities[i % site_communities.len()];
        let username = format!("bench-sampler-{i:04}-{community}");
        match access::create_account(
            db,
            &username,
            &username,
            "community",
            std::slice::from_ref(community),
        )
        .await
        {
            Ok(_) | Err(wardline::error::AppError::Conflict(_)) => {}
            Err(e) => panic!("collector account: {e}"),
        }
        let token = access::create_token(db, &username, "bench scanner")
            .await
            .unwrap();
        out.push(Collector { username, token });
    }
    out
}

/// A round over the district (pool 10, open for two days), its sites, every collector at one
/// site. Returns the round id and each collector's site.
async fn new_round(
    db: &Db,
    name: &str,
    site_communities: &[String],
    collectors: &[Collector],
) -> (i64, Vec<i64>) {
    let actor = Actor::cli();
    let hq = officer();
    let now = wardline::db::now_ms();
    let id = testing::create_round(
        db,
        &actor,
        &hq,
        &NewRound {
            area: TOP.into(),
            name: name.into(),
            starts: (now - 3_600_000).to_string(),
            ends: (now + 48 * 3_600_000).to_string(),
            pool_size: POOL.to_string(),
        },
    )
    .await
    .unwrap();
    let round = testing::round_by_id(db, id).await.unwrap().unwrap();
    let mut sites = Vec::new();
    for (i, c) in site_communities.iter().enumerate() {
        let s = testing::add_site(
            db,
            &actor,
            &hq,
            &round,
            c,
            &format!("采样点{}", i + 1),
            "fixed",
        )
        .await
        .unwrap();
        sites.push(s);
    }
    let mut mine = Vec::new();
    for (i, c) in collectors.iter().enumerate() {
        let site = sites[i % sites.len()];
        testing::add_collector(db, &actor, &hq, site, &c.username)
            .await
            .unwrap();
        mine.push(site);
    }
    (id, mine)
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// The benches' audit key: one file in the work folder, given to every server they start and
/// loaded into the bench's own database handle, so that both write one keyed chain.
fn audit_key_file(ctx: &Ctx) -> PathBuf {
    ctx.work.join("audit.key")
}

async fn keyed(ctx: &Ctx, db: &Db) {
    let (key, _) = wardline::audit::load_key(&audit_key_file(ctx), true).unwrap();
    wardline::audit::start_keyed(db, &key)
        .await
        .expect("the bench's audit key (a city keyed with another key: remove it to reload)");
}

struct Server {
    child: std::process::Child,
    port: u16,
    pid: u32,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `wardline serve` on the database; wait until it listens and its start-up recount of
/// the aged-60+ tallies (a write transaction over every resident) is done.
fn start_server(bench: &str, ctx: &Ctx, url: &str) -> Server {
    let port = free_port();
    let t = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wardline"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("WARDLINE_DATABASE_URL", url)
        .env("WARDLINE_AUDIT_KEY_FILE", audit_key_file(ctx))
        .env(
            "WARDLINE_LOG",
            std::env::var("WARDLINE_BENCH_SERVER_LOG").unwrap_or_else(|_| "info".into()),
        )
        .env_remove("WARDLINE_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start target/release/wardline");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for line in StdBufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::spawn(move || {
        for line in StdBufReader::new(err).lines().map_while(Result::ok) {
            if line.contains("WARN") || line.contains("ERROR") || line.contains("DEBUG") {
                eprintln!("  server: {line}");
            }
            let _ = tx2.send(line);
        }
    });
    let (mut listening, mut recounted) = (None, None);
    while listening.is_none() || recounted.is_none() {
        match rx.recv_timeout(Duration::from_secs(1800)) {
            Ok(l) if l.contains("Wardline is serving") => {
                listening = Some(t.elapsed().as_secs_f64())
            }
            Ok(l) if l.contains("aged 60+ recount") => recounted = Some(t.elapsed().as_secs_f64()),
            Ok(_) => {}
            Err(e) => panic!("the server did not start: {e}"),
        }
    }
    // Keep draining its output (warnings are echoed by the reader thread).
    std::thread::spawn(move || while rx.recv().is_ok() {});
    let (b, n) = (ctx.backend, ctx.scale);
    emit(
        bench,
        b,
        n,
        "server_listening_seconds",
        listening.unwrap(),
        "s",
    );
    emit(
        bench,
        b,
        n,
        "server_aged60_recount_done_seconds",
        recounted.unwrap(),
        "s",
    );
    let pid = child.id();
    Server { child, port, pid }
}

impl Server {
    fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Bytes written so far: SQLite, by the server process to storage (WAL, checkpoints);
/// PostgreSQL, the cluster's WAL.
async fn written(db: &Db, pid: &str) -> i64 {
    match db.backend() {
        Backend::Sqlite => std::fs::read_to_string(format!("/proc/{pid}/io"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("write_bytes:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0),
        Backend::Postgres => db
            .query_one("SELECT CAST(wal_bytes AS BIGINT) FROM pg_stat_wal", vec![])
            .await
            .map_or(0, |r| r.int(0)),
    }
}

/// An axum server on its own two-thread runtime in this process: every POST gets a short JSON
/// answer. Returns its port and a switch that stops it.
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
                    r#"{"status":"accepted","code":"added"}"#,
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

// ---------------------------------------------------------------------------------------------
// The load generator

/// One keep-alive HTTP/1.1 connection; one request at a time.
struct Http {
    s: TcpStream,
    buf: Vec<u8>,
}

/// What an answer said.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// 200 with `"status":"accepted"`.
    Accepted,
    /// 200 with `"status":"flagged"`.
    Flagged,
    /// 422: refused, with a reason.
    Refused,
    /// 503: shed (the server is past its capacity; try again later).
    Busy,
    /// Anything else, or no answer.
    Error,
}

impl Http {
    async fn connect(port: u16) -> std::io::Result<Http> {
        let s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.set_nodelay(true)?;
        Ok(Http {
            s,
            buf: Vec::with_capacity(4096),
        })
    }

    async fn call(&mut self, req: &[u8]) -> std::io::Result<(Answer, Vec<u8>)> {
        self.s.write_all(req).await?;
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).unwrap_or("");
        let status: u16 = head
            .split(' ')
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
            .ok_or_else(|| std::io::Error::other(format!("no content-length in {head:?}")))?;
        while self.buf.len() < head_end + len {
            let n = self.s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let body = &self.buf[head_end..head_end + len];
        let answer = match status {
            200 if find(body, br#""status":"accepted""#).is_some() => Answer::Accepted,
            200 if find(body, br#""status":"flagged""#).is_some() => Answer::Flagged,
            422 => Answer::Refused,
            503 => Answer::Busy,
            _ => Answer::Error,
        };
        Ok((answer, body.to_vec()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What one connection (one collector's device) sends: open a tube at its site, add ten
/// people (by resident id and by ID number in turn; the tenth closes the tube), open the next.
struct Script {
    path: String,
    auth: String,
    site: i64,
    /// Unique per run, phase and connection: client ids and barcodes start with it.
    prefix: String,
    people: Arc<Vec<Person>>,
    next: usize,
    tube: u64,
    in_tube: usize,
    seq: u64,
    /// Start again from the first person when all were sampled (the hello world, which
    /// records nothing, must not run out of people at any scale).
    cycle: bool,
    /// This connection's number: walk-ins' ID numbers are unique per connection.
    conn: usize,
    /// Adds sent so far (every 50th is a walk-in, every 40th someone sampled a moment ago).
    adds: u64,
}

/// A valid resident ID number no resident of the demo city has (born 1940–1999, of the
/// district, sequence from `n`), for walk-ins: unique for `n` below 20 million.
fn walk_in_number(n: u64) -> String {
    let day = n / 1000;
    let first17 = format!(
        "{TOP}{:04}{:02}{:02}{:03}",
        1940 + (day / 336) % 60,
        1 + (day / 28) % 12,
        1 + day % 28,
        n % 1000
    );
    let check = wardline::registry::validate::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Open,
    Add,
}

impl Script {
    /// The next request, or None when this collector has nobody left to sample.
    fn next(&mut self, out: &mut Vec<u8>) -> Option<Kind> {
        use std::fmt::Write;
        let (kind, body) = self.next_body()?;
        out.clear();
        let mut head = String::with_capacity(256);
        let _ = write!(
            head,
            "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.path,
            self.auth,
            body.len()
        );
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(body.as_bytes());
        Some(kind)
    }

    /// The next operation as JSON.
    fn next_body(&mut self) -> Option<(Kind, String)> {
        let (kind, body) = if self.in_tube == 0 {
            if self.cycle && self.next >= self.people.len() {
                self.next = 0;
            }
            if self.next >= self.people.len() {
                return None;
            }
            self.tube += 1;
            self.in_tube = POOL;
            (
                Kind::Open,
                format!(
                    r#"{{"client_id":"{}-{}","tube":"{}-T{}","op":"open","site_id":{}}}"#,
                    self.prefix, self.seq, self.prefix, self.tube, self.site
                ),
            )
        } else {
            if self.cycle && self.next >= self.people.len() {
                self.next = 0;
            }
            self.adds += 1;
            let who = if self.adds.is_multiple_of(50) {
                // Someone not in the registry (a visitor, a worker from elsewhere), sampled
                // with their document and registered later.
                let n = self.conn as u64 * 10_000 + self.adds / 50;
                format!(
                    r#""walk_in":{{"number":"{}","name":"临时{n}"}}"#,
                    walk_in_number(n)
                )
            } else {
                // Every 40th: someone sampled a few people ago comes back (queued twice,
                // or a family member scanned again): flagged, not recorded.
                let p = if self.adds % 40 == 20 && self.next > 5 {
                    self.people.get(self.next - 5)?
                } else {
                    let p = self.people.get(self.next)?;
                    self.next += 1;
                    p
                };
                match p.doc {
                    Some(d) if self.adds.is_multiple_of(2) => format!(
                        r#""doc":{{"number":"{}"}}"#,
                        std::str::from_utf8(&d).unwrap_or("")
                    ),
                    _ => format!(r#""resident_id":{}"#, p.id),
                }
            };
            self.in_tube -= 1;
            (
                Kind::Add,
                format!(
                    r#"{{"client_id":"{}-{}","tube":"{}-T{}","op":"add",{who}}}"#,
                    self.prefix, self.seq, self.prefix, self.tube
                ),
            )
        };
        self.seq += 1;
        Some((kind, body))
    }
}

/// What a phase did, summed over its connections.
#[derive(Default)]
struct Stats {
    /// Accepted adds (person-samples), all of them (for the correctness check).
    accepted_total: u64,
    /// Accepted adds completed inside the measured window.
    accepted_window: u64,
    /// Requests completed inside the measured window.
    requests_window: u64,
    opens_refused: u64,
    flagged: u64,
    refused: u64,
    errors: u64,
    /// Answered 503 (shed).
    shed: u64,
    /// Every answer but "accepted", by its code (`already_sampled`, `not_in_round`, `busy`…).
    codes: std::collections::BTreeMap<String, u64>,
    /// Latency of each request in the window, µs.
    lat_us: Vec<u32>,
    /// The same, of the requests accepted and of the ones shed.
    lat_accepted_us: Vec<u32>,
    lat_shed_us: Vec<u32>,
    /// The same two measured from the request's send instead of its scheduled time: the
    /// server's own answer time, without the wait of a device whose earlier request was slow.
    served_accepted_us: Vec<u32>,
    served_shed_us: Vec<u32>,
    /// Connections that ran out of people before the end.
    exhausted: u64,
    /// Open loop: scheduled requests never sent (the server fell too far behind).
    unsent: u64,
    /// Seconds from the start (warm-up included) to the last answer.
    elapsed: f64,
    first_error: Option<String>,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.accepted_total += o.accepted_total;
        self.accepted_window += o.accepted_window;
        self.requests_window += o.requests_window;
        self.opens_refused += o.opens_refused;
        self.flagged += o.flagged;
        self.refused += o.refused;
        self.errors += o.errors;
        self.shed += o.shed;
        for (k, v) in o.codes {
            *self.codes.entry(k).or_default() += v;
        }
        self.lat_us.extend(o.lat_us);
        self.lat_accepted_us.extend(o.lat_accepted_us);
        self.lat_shed_us.extend(o.lat_shed_us);
        self.served_accepted_us.extend(o.served_accepted_us);
        self.served_shed_us.extend(o.served_shed_us);
        self.exhausted += o.exhausted;
        self.unsent += o.unsent;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }

    fn count(&mut self, kind: Kind, answer: Answer, body: &[u8], in_window: bool) {
        match (kind, answer) {
            (Kind::Add, Answer::Accepted) => {
                self.accepted_total += 1;
                if in_window {
                    self.accepted_window += 1;
                }
            }
            (Kind::Open, Answer::Accepted) => {}
            (Kind::Open, _) => self.opens_refused += 1,
            (_, Answer::Flagged) => self.flagged += 1,
            (_, Answer::Refused) => self.refused += 1,
            (_, Answer::Busy) => self.shed += 1,
            (_, Answer::Error) => self.errors += 1,
        }
        if answer != Answer::Accepted {
            let code = find(body, br#""code":""#)
                .map(|i| {
                    let rest = &body[i + 8..];
                    let end = rest.iter().position(|&c| c == b'"').unwrap_or(0);
                    String::from_utf8_lossy(&rest[..end]).into_owned()
                })
                .unwrap_or_else(|| "unknown".into());
            *self.codes.entry(code).or_default() += 1;
        }
        if answer != Answer::Accepted && self.first_error.is_none() {
            self.first_error = Some(String::from_utf8_lossy(body).into_owned());
        }
        if in_window {
            self.requests_window += 1;
        }
    }
}

/// How the operations are paced.
#[derive(Clone, Copy)]
enum Pace {
    /// Next request as soon as the last is answered.
    Closed,
    /// Samples per second over all connections (operations: 11 per 10 samples), each
    /// connection on its own fixed schedule.
    Rate(f64),
}

/// Run `scripts` (one connection each) against `port` for `secs` (plus the warm-up).
async fn drive(port: u16, scripts: Vec<Script>, pace: Pace, secs: f64) -> (Stats, f64) {
    let conns = scripts.len();
    // Every connection is open before the schedule starts: thousands of devices connecting
    // at once would otherwise put the accept queue's retries (seconds) into the first
    // requests' latency.
    let mut opening = Vec::with_capacity(conns);
    for _ in 0..conns {
        opening.push(tokio::spawn(Http::connect(port)));
    }
    let mut opened = Vec::with_capacity(conns);
    for o in opening {
        opened.push(o.await.unwrap());
    }
    let t0 = Instant::now() + Duration::from_millis(200);
    let warm = t0 + Duration::from_secs_f64(WARMUP_SECS);
    let end = warm + Duration::from_secs_f64(secs);
    // Open loop past capacity: the schedule runs ahead of the answers. Requests not sent by
    // this time are given up (and counted).
    let give_up = end + Duration::from_secs_f64((secs / 2.0).max(30.0));
    let mut tasks = Vec::with_capacity(conns);
    for (i, (mut script, opened)) in scripts.into_iter().zip(opened).enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut st = Stats::default();
            let mut http = match opened {
                Ok(h) => h,
                Err(e) => {
                    st.errors += 1;
                    st.first_error = Some(e.to_string());
                    return st;
                }
            };
            let interval = match pace {
                Pace::Closed => Duration::ZERO,
                Pace::Rate(r) => {
                    Duration::from_secs_f64(conns as f64 / (r * (POOL + 1) as f64 / POOL as f64))
                }
            };
            // Stagger the connections' schedules over one interval.
            let offset = interval.mul_f64(i as f64 / conns as f64);
            tokio::time::sleep_until((t0 + offset).into()).await;
            let mut req = Vec::with_capacity(512);
            let mut retry: Option<Kind> = None;
            let mut k: u32 = 0;
            loop {
                let scheduled = match pace {
                    Pace::Closed => Instant::now(),
                    Pace::Rate(_) => t0 + offset + interval * k,
                };
                if scheduled >= end {
                    break;
                }
                if Instant::now() >= give_up {
                    st.unsent += ((end - scheduled).as_secs_f64()
                        / interval.as_secs_f64().max(1e-9))
                    .ceil() as u64;
                    break;
                }
                k += 1;
                // A shed operation is sent again in the next slot (as a device does, with the
                // same client id), so a shed "open" does not leave its adds without a tube.
                let kind = match retry.take() {
                    Some(kind) => kind,
                    None => match script.next(&mut req) {
                        Some(kind) => kind,
                        None => {
                            st.exhausted += 1;
                            break;
                        }
                    },
                };
                if scheduled > Instant::now() {
                    tokio::time::sleep_until(scheduled.into()).await;
                }
                let sent = Instant::now();
                let r = tokio::time::timeout(Duration::from_secs(60), http.call(&req)).await;
                let done = Instant::now();
                let in_window = scheduled >= warm && done <= end;
                let lat = done.saturating_duration_since(scheduled);
                let lat = lat.as_micros().min(u32::MAX as u128) as u32;
                let served = (done - sent).as_micros().min(u32::MAX as u128) as u32;
                match r {
                    Ok(Ok((answer, body))) => {
                        if answer == Answer::Busy {
                            retry = Some(kind);
                        }
                        if scheduled >= warm {
                            match answer {
                                Answer::Accepted => {
                                    st.lat_accepted_us.push(lat);
                                    st.served_accepted_us.push(served);
                                }
                                Answer::Busy => {
                                    st.lat_shed_us.push(lat);
                                    st.served_shed_us.push(served);
                                }
                                _ => {}
                            }
                        }
                        st.count(kind, answer, &body, in_window)
                    }
                    other => {
                        st.errors += 1;
                        if st.first_error.is_none() {
                            st.first_error = Some(match other {
                                Ok(Err(e)) => e.to_string(),
                                _ => "timed out".into(),
                            });
                        }
                        // The connection's state is unknown: start a new one.
                        match Http::connect(port).await {
                            Ok(h) => http = h,
                            Err(_) => break,
                        }
                    }
                }
                if scheduled >= warm {
                    st.lat_us.push(lat);
                }
            }
            st
        }));
    }
    let mut all = Stats::default();
    for t in tasks {
        all.merge(t.await.unwrap());
    }
    all.elapsed = t0.elapsed().as_secs_f64();
    (all, secs)
}

/// Closed loop of `GET /api/v1/me` with each collector's token: HTTP and the bearer-token
/// lookup, nothing else. Returns the requests answered 200 in the window (after the warm-up)
/// and the ones that were not.
async fn drive_me(port: u16, cols: &[Collector], secs: f64) -> (u64, u64) {
    let t0 = Instant::now();
    let warm = t0 + Duration::from_secs_f64(WARMUP_SECS);
    let end = warm + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in cols {
        let req = format!(
            "GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\r\n",
            c.token
        );
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut bad) = (0u64, 0u64);
            let Ok(mut http) = Http::connect(port).await else {
                return (0, 1);
            };
            while Instant::now() < end {
                let r = http.call(req.as_bytes()).await;
                let done = Instant::now();
                match r {
                    Ok((_, body)) if find(&body, b"\"username\"").is_some() => {
                        if done >= warm && done <= end {
                            ok += 1;
                        }
                    }
                    _ => {
                        bad += 1;
                        match Http::connect(port).await {
                            Ok(h) => http = h,
                            Err(_) => break,
                        }
                    }
                }
            }
            (ok, bad)
        }));
    }
    let (mut ok, mut bad) = (0, 0);
    for t in tasks {
        let (o, b) = t.await.unwrap();
        ok += o;
        bad += b;
    }
    (ok, bad)
}

/// Scripts for one phase: connection i is collector i at its site in `round`, on slice i of
/// the people.
fn scripts(
    round: i64,
    sites: &[i64],
    cols: &[Collector],
    people: &[Arc<Vec<Person>>],
    tag: &str,
) -> Vec<Script> {
    devices(round, sites, cols, people, tag, 1, false)
}

/// Scripts with `per_col` connections (devices) for each collector, each on its own stretch
/// of the collector's people; `cycle`: start again from the first person when all were
/// sampled (for the hello world).
fn devices(
    round: i64,
    sites: &[i64],
    cols: &[Collector],
    people: &[Arc<Vec<Person>>],
    tag: &str,
    per_col: usize,
    cycle: bool,
) -> Vec<Script> {
    let run = wardline::db::now_ms() % 1_000_000_000;
    let per_col = per_col.max(1);
    let mut out = Vec::with_capacity(cols.len() * per_col);
    for (i, c) in cols.iter().enumerate() {
        let share = people[i].len() / per_col;
        for d in 0..per_col {
            let conn = i * per_col + d;
            let mine = if per_col == 1 {
                people[i].clone()
            } else {
                Arc::new(people[i][d * share..(d + 1) * share].to_vec())
            };
            out.push(Script {
                path: format!("/api/v1/testing/rounds/{round}/ops"),
                auth: c.token.clone(),
                site: sites[i],
                prefix: format!("{tag}{run}-{conn}"),
                people: mine,
                next: 0,
                tube: 0,
                in_tube: 0,
                seq: 0,
                cycle,
                conn,
                adds: 0,
            });
        }
    }
    out
}

fn ms_percentiles(lat_us: &[u32]) -> Vec<(&'static str, f64)> {
    if lat_us.is_empty() {
        return vec![];
    }
    let mut v: Vec<f64> = lat_us.iter().map(|&u| u as f64 / 1000.0).collect();
    let mut out = vec![];
    for (p, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p999")] {
        out.push((name, percentile(&mut v, p)));
    }
    out.push(("max", v.iter().cloned().fold(0.0, f64::max)));
    out
}

/// A phase's figures as JSON lines under `bench`'s name.
fn report_phase(bench: &str, ctx: &Ctx, phase: &str, st: &Stats, secs: f64) {
    let (b, n) = (ctx.backend, ctx.scale);
    // A connection that ran out of people stopped before the window's end: the phase's rate
    // would count idle connections, so it is not printed (`{phase}_connections_out_of_people`
    // says why); the latencies of what was sent still are.
    if st.exhausted == 0 {
        emit(
            bench,
            b,
            n,
            &format!("{phase}_samples_per_second"),
            st.accepted_window as f64 / secs,
            "samples/s",
        );
        emit(
            bench,
            b,
            n,
            &format!("{phase}_requests_per_second"),
            st.requests_window as f64 / secs,
            "requests/s",
        );
    } else {
        eprintln!(
            "  {phase}: {} connections ran out of people before the window's end: its rate is \
             not printed",
            st.exhausted
        );
    }
    // Every accepted sample over the whole phase, warm-up and late answers included (when the
    // server falls behind an open loop, most answers come after the window).
    emit(
        bench,
        b,
        n,
        &format!("{phase}_overall_samples_per_second"),
        st.accepted_total as f64 / st.elapsed.max(1e-9),
        "samples/s",
    );
    for (name, v) in ms_percentiles(&st.lat_us) {
        emit(bench, b, n, &format!("{phase}_latency_{name}"), v, "ms");
    }
    // With requests shed: the latency of the accepted ones and of the 503s apart, from the
    // scheduled time (what a device that sends one request at a time sees) and from the send
    // (the server's answer time).
    if st.shed > 0 {
        for (what, lat) in [
            ("accepted_latency", &st.lat_accepted_us),
            ("shed_latency", &st.lat_shed_us),
            ("accepted_served_latency", &st.served_accepted_us),
            ("shed_served_latency", &st.served_shed_us),
        ] {
            for (name, v) in ms_percentiles(lat) {
                emit(bench, b, n, &format!("{phase}_{what}_{name}"), v, "ms");
            }
        }
        let answered = st.accepted_total + st.flagged + st.refused + st.shed + st.errors;
        emit(
            bench,
            b,
            n,
            &format!("{phase}_shed_share"),
            st.shed as f64 / answered.max(1) as f64,
            "fraction",
        );
    }
    // Every answer that was not "accepted", by reason.
    for (code, v) in &st.codes {
        emit(
            bench,
            b,
            n,
            &format!("{phase}_answers_{code}"),
            *v as f64,
            "requests",
        );
    }
    if !st.codes.is_empty() {
        eprintln!("  {phase}: answers other than accepted: {:?}", st.codes);
    }
    for (what, v) in [
        ("flagged", st.flagged),
        ("refused", st.refused),
        ("shed", st.shed),
        ("opens_refused", st.opens_refused),
        ("errors", st.errors),
        ("connections_out_of_people", st.exhausted),
        ("unsent", st.unsent),
    ] {
        if v > 0 {
            emit(
                bench,
                b,
                n,
                &format!("{phase}_{what}"),
                v as f64,
                "requests",
            );
        }
    }
    if let Some(e) = &st.first_error {
        if st.flagged + st.refused + st.errors + st.opens_refused > 0 {
            eprintln!("  {phase}: first non-accepted answer: {e}");
        }
    }
    eprintln!(
        "  {phase}: {:.0} samples/s, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms ({} accepted in all)",
        st.accepted_window as f64 / secs,
        st.requests_window as f64 / secs,
        ms_percentiles(&st.lat_us).first().map_or(0.0, |x| x.1),
        ms_percentiles(&st.lat_us).get(2).map_or(0.0, |x| x.1),
        st.accepted_total
    );
}

fn report_reads(ctx: &Ctx, name: &str, ms: &mut [f64]) {
    if ms.is_empty() {
        return;
    }
    let (b, n) = (ctx.backend, ctx.scale);
    emit(
        BENCH,
        b,
        n,
        &format!("{name}_p50"),
        percentile(ms, 0.5),
        "ms",
    );
    emit(
        BENCH,
        b,
        n,
        &format!("{name}_p99"),
        percentile(ms, 0.99),
        "ms",
    );
    emit(
        BENCH,
        b,
        n,
        &format!("{name}_max"),
        ms.iter().cloned().fold(0.0, f64::max),
        "ms",
    );
    emit(
        BENCH,
        b,
        n,
        &format!("{name}_runs"),
        ms.len() as f64,
        "runs",
    );
}

async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (T, f64) {
    let t = Instant::now();
    let v = f.await;
    (v, t.elapsed().as_secs_f64() * 1000.0)
}

/// The coverage reads a headquarters screen and a grid worker's phone make, in a loop until
/// `stop`: the city by community (< 100 ms) and one grid's missing list (< 20 ms).
async fn coverage_reads(
    db: Db,
    round: i64,
    grid: String,
    stop: Arc<AtomicBool>,
    pause: Duration,
) -> (Vec<f64>, Vec<f64>) {
    let scope = Scope {
        roots: vec![TOP.into()],
    };
    let (mut by_comm, mut missing) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let (r, ms) = timed(coverage::by_community(&db, round, TOP)).await;
        assert!(!r.unwrap().is_empty());
        by_comm.push(ms);
        tokio::time::sleep(pause).await;
        let (r, ms) = timed(coverage::missing(&db, round, &grid, &scope)).await;
        r.unwrap();
        missing.push(ms);
        tokio::time::sleep(pause).await;
    }
    (by_comm, missing)
}

/// The grid of the first person to sample: the first two segments of their path (community
/// code / grid), whose missing list the reads fetch.
async fn first_grid(db: &Db, people: &[Arc<Vec<Person>>]) -> String {
    let first = people[0].first().map_or(0, |p| p.id);
    let rpath = db
        .query_one("SELECT path FROM residents WHERE id = $1", args![first])
        .await
        .unwrap()
        .string(0);
    rpath.splitn(3, '/').take(2).collect::<Vec<_>>().join("/")
}

/// `scripts` at `rate` samples/s for `secs`, with the coverage reads of `round` (the city by
/// community, `grid`'s missing list, `pause` apart) beside it: the stats and the reads' ms.
async fn drive_with_reads(
    db: &Db,
    port: u16,
    scripts: Vec<Script>,
    rate: f64,
    secs: f64,
    (round, grid, pause): (i64, &str, Duration),
) -> (Stats, Vec<f64>, Vec<f64>) {
    let stop = Arc::new(AtomicBool::new(false));
    let reads = tokio::spawn(coverage_reads(
        db.clone(),
        round,
        grid.to_owned(),
        stop.clone(),
        pause,
    ));
    let (st, _) = drive(port, scripts, Pace::Rate(rate), secs).await;
    stop.store(true, Ordering::Relaxed);
    let (by_comm, missing) = reads.await.unwrap();
    (st, by_comm, missing)
}

/// What every sampling phase works with: the loaded city (testing tables emptied), the sites'
/// communities, the people each connection samples and the collectors with their tokens.
struct Setup {
    db: Db,
    url: String,
    site_communities: Vec<String>,
    people: Vec<Arc<Vec<Person>>>,
    cols: Vec<Collector>,
}

/// Load (or reuse) the city and prepare `conns` collectors at `nsites` sites, with enough
/// people for `need` samples in one round.
async fn setup(ctx: &Ctx, bench: &str, conns: usize, nsites: usize, need: f64) -> Setup {
    let (b, n) = (ctx.backend, ctx.scale);
    let (db, url) = city(ctx).await;
    keyed(ctx, &db).await;
    clear_testing(&db).await;
    // The vaccination figures' population is counted whole on their first read (the HQ
    // history does one when the server starts): at 25 M one transaction of minutes, which
    // would run beside the phases. Counted here, before the server starts.
    let t = Instant::now();
    wardline::vaccination::tallies::ensure_counted(&db)
        .await
        .unwrap();
    eprintln!(
        "  vaccination population counted in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let residents = db
        .query_one("SELECT COUNT(*) FROM residents", vec![])
        .await
        .unwrap()
        .int(0);
    let communities: Vec<String> = db
        .query(
            "SELECT code FROM areas WHERE level = 5 AND path >= $1 AND path < $2 ORDER BY path",
            args![TOP, wardline::db::path_end(TOP)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    // Enough sites that the collectors' communities hold the people the phases may sample
    // (`need`): in a small city the communities are small, and 100 collectors at 50 of them
    // ran out of people within the window (at 100,000 residents). More sites, up to one per
    // collector and every community, so each collector's share is large enough; the phases
    // still refuse to print a rate when a connection ran out.
    let per_community = residents as f64 / communities.len().max(1) as f64;
    let wanted = (need / per_community.max(1.0)).ceil() as usize;
    let nsites = nsites.max(wanted.min(conns)).min(communities.len()).max(1);
    let site_communities: Vec<String> = (0..nsites)
        .map(|i| communities[i * communities.len() / nsites].clone())
        .collect();
    emit(bench, b, n, "residents", residents as f64, "people");
    emit(
        bench,
        b,
        n,
        "communities",
        communities.len() as f64,
        "areas",
    );
    emit(bench, b, n, "sites", nsites as f64, "sites");
    emit(bench, b, n, "collectors", conns as f64, "connections");

    let t = Instant::now();
    let people: Vec<Arc<Vec<Person>>> = people(
        &db,
        &site_communities,
        conns,
        (need / conns as f64) as usize + 20,
    )
    .await
    .into_iter()
    .map(Arc::new)
    .collect();
    eprintln!(
        "  {} people to sample read in {:.1}s",
        people.iter().map(|p| p.len()).sum::<usize>(),
        t.elapsed().as_secs_f64()
    );
    let cols = collectors(&db, conns, &site_communities).await;
    Setup {
        db,
        url,
        site_communities,
        people,
        cols,
    }
}

pub async fn testing_ingest(ctx: &Ctx) {
    let (b, n) = (ctx.backend, ctx.scale);
    let secs = env_num("WARDLINE_BENCH_SECS", 20.0);
    let rate = env_num("WARDLINE_BENCH_RATE", 5000.0);
    let soak_secs = env_num("WARDLINE_BENCH_SOAK_SECS", 60.0);
    let soak_rate = env_num("WARDLINE_BENCH_SOAK_RATE", 2000.0);
    let conns = env_num("WARDLINE_BENCH_CONNS", 100.0) as usize;
    let nsites = env_num("WARDLINE_BENCH_SITES", 50.0) as usize;
    // Devices (connections) per collector in the open-loop phases: many devices, one request
    // in flight each, as a city's collectors are, each at most `MAX_DEVICE_RATE` requests a
    // second (a swab takes seconds: a device sending ten a second would wait for its own
    // earlier answers, which is not the server's latency); more than the writer's queue
    // takes, so that past capacity the server must shed.
    let per_col = |rate: f64| match std::env::var("WARDLINE_BENCH_RATE_DEVICES") {
        Ok(_) => env_num("WARDLINE_BENCH_RATE_DEVICES", 5.0) as usize,
        Err(_) => {
            let requests = rate * (POOL + 1) as f64 / POOL as f64;
            ((requests / MAX_DEVICE_RATE / conns.max(1) as f64).ceil() as usize).max(5)
        }
    };
    let rate_devices = per_col(rate);
    emit(
        BENCH,
        b,
        n,
        "fixed_devices",
        (rate_devices * conns) as f64,
        "connections",
    );

    // Enough people per connection for the longest phase (each phase has its own round, so
    // each starts again from the top of its slices).
    let need = [
        (secs + WARMUP_SECS + 1.0) * 10_000.0,
        (secs + WARMUP_SECS + 1.0) * rate,
        (soak_secs + WARMUP_SECS + 1.0) * soak_rate,
    ]
    .into_iter()
    .fold(0.0, f64::max);
    let Setup {
        db,
        url,
        site_communities,
        people,
        cols,
    } = setup(ctx, BENCH, conns, nsites, need).await;

    // The ceiling: the same requests against an axum hello world.
    let (hello_port, hello_stop) = start_hello();
    let dummy: Vec<i64> = vec![1; conns];
    let (hello_closed, _) = drive(
        hello_port,
        devices(0, &dummy, &cols, &people, "h", 1, true),
        Pace::Closed,
        secs,
    )
    .await;
    report_phase(BENCH, ctx, "hello_closed", &hello_closed, secs);
    let (hello_fixed, _) = drive(
        hello_port,
        devices(0, &dummy, &cols, &people, "hf", rate_devices, true),
        Pace::Rate(rate),
        secs,
    )
    .await;
    report_phase(BENCH, ctx, "hello_fixed", &hello_fixed, secs);
    let _ = hello_stop.send(());

    // The server under test.
    let server = start_server(BENCH, ctx, &url);
    let port = server.port;
    let server_pid = server.pid.to_string();
    emit(
        BENCH,
        b,
        n,
        "server_rss_idle",
        status_mib(server.pid, "VmRSS:"),
        "MiB",
    );
    let mut rounds = Vec::new();
    let mut accepted = 0u64;

    // 0. HTTP and the token lookup alone: what every sampling request pays before the writer.
    let cpu0 = cpu_of(&server_pid);
    let (me_ok, me_bad) = drive_me(port, &cols, secs).await;
    let me_cpu = cpu_of(&server_pid) - cpu0;
    emit(
        BENCH,
        b,
        n,
        "me_closed_requests_per_second",
        me_ok as f64 / secs,
        "requests/s",
    );
    emit(
        BENCH,
        b,
        n,
        "me_closed_server_cpu_us_per_request",
        me_cpu * 1e6 / (me_ok as f64 * (secs + WARMUP_SECS) / secs).max(1.0),
        "us",
    );
    if me_bad > 0 {
        emit(BENCH, b, n, "me_closed_errors", me_bad as f64, "requests");
    }
    eprintln!(
        "  me_closed: {:.0} requests/s, {:.0} µs server CPU per request",
        me_ok as f64 / secs,
        me_cpu * 1e6 / (me_ok as f64 * (secs + WARMUP_SECS) / secs).max(1.0)
    );

    // 1. Closed loop.
    let (round, sites) = new_round(&db, "bench closed loop", &site_communities, &cols).await;
    rounds.push(round);
    let perf = perf_record(&server_pid, secs);
    let written0 = written(&db, &server_pid).await;
    let pg0 = pg_cpu(&db).await;
    let cpu0 = (cpu_of(&server_pid), cpu_of("self"));
    let (closed, _) = drive(
        port,
        scripts(round, &sites, &cols, &people, "c"),
        Pace::Closed,
        secs,
    )
    .await;
    let cpu1 = (cpu_of(&server_pid), cpu_of("self"));
    let written1 = written(&db, &server_pid).await;
    let pg1 = pg_cpu(&db).await;
    if b == Backend::Postgres {
        emit(
            BENCH,
            b,
            n,
            "closed_pg_cpu_us_per_sample",
            (pg1 - pg0) * 1e6 / closed.accepted_total.max(1) as f64,
            "us",
        );
    }
    if let Some(mut p) = perf {
        let _ = p.wait();
    }
    accepted += closed.accepted_total;
    report_phase(BENCH, ctx, "closed", &closed, secs);
    // The ratio only against a hello world that ran its whole window.
    if hello_closed.exhausted == 0 && hello_closed.requests_window > 0 && closed.exhausted == 0 {
        emit(
            BENCH,
            b,
            n,
            "closed_ratio_to_hello",
            closed.requests_window as f64 / hello_closed.requests_window as f64,
            "x",
        );
    }
    emit(
        BENCH,
        b,
        n,
        "closed_server_cpu_us_per_sample",
        (cpu1.0 - cpu0.0) * 1e6 / closed.accepted_total.max(1) as f64,
        "us",
    );
    emit(
        BENCH,
        b,
        n,
        "closed_server_cpu_cores",
        (cpu1.0 - cpu0.0) / (secs + WARMUP_SECS),
        "cores",
    );
    emit(
        BENCH,
        b,
        n,
        "closed_loadgen_cpu_us_per_sample",
        (cpu1.1 - cpu0.1) * 1e6 / closed.accepted_total.max(1) as f64,
        "us",
    );

    emit(
        BENCH,
        b,
        n,
        match b {
            Backend::Sqlite => "closed_server_disk_write_kib_per_sample",
            Backend::Postgres => "closed_pg_wal_kib_per_sample",
        },
        (written1 - written0) as f64 / 1024.0 / closed.accepted_total.max(1) as f64,
        "KiB",
    );

    // 1b. Open loop at half what the closed loop sustained: the latency of a server that
    //     keeps up.
    let half = (closed.accepted_window as f64 / secs / 2.0).max(10.0);
    let (round, sites) = new_round(&db, "bench half capacity", &site_communities, &cols).await;
    rounds.push(round);
    let (fixed_half, _) = drive(
        port,
        devices(round, &sites, &cols, &people, "q", per_col(half), false),
        Pace::Rate(half),
        secs,
    )
    .await;
    accepted += fixed_half.accepted_total;
    emit(
        BENCH,
        b,
        n,
        "fixed_half_offered_samples_per_second",
        half,
        "samples/s",
    );
    report_phase(BENCH, ctx, "fixed_half", &fixed_half, secs);

    // 2. Open loop at the fixed rate, with the coverage reads beside it.
    let (round, sites) = new_round(&db, "bench fixed rate", &site_communities, &cols).await;
    rounds.push(round);
    let grid = first_grid(&db, &people).await;
    eprintln!("  missing list of grid {grid}");
    let (fixed, mut by_comm, mut missing) = drive_with_reads(
        &db,
        port,
        devices(round, &sites, &cols, &people, "f", rate_devices, false),
        rate,
        secs,
        (round, &grid, Duration::from_millis(100)),
    )
    .await;
    accepted += fixed.accepted_total;
    emit(
        BENCH,
        b,
        n,
        "fixed_offered_samples_per_second",
        rate,
        "samples/s",
    );
    report_phase(BENCH, ctx, "fixed", &fixed, secs);
    let p99 = |s: &Stats| {
        ms_percentiles(&s.lat_us)
            .into_iter()
            .find(|x| x.0 == "p99")
            .map_or(0.0, |x| x.1)
    };
    emit(
        BENCH,
        b,
        n,
        "fixed_p99_ratio_to_hello",
        p99(&fixed) / p99(&hello_fixed).max(1e-9),
        "x",
    );
    report_reads(ctx, "ingesting_coverage_by_community", &mut by_comm);
    report_reads(ctx, "ingesting_missing_grid", &mut missing);

    // 3. The same reads with no ingest, and the naive SQL.
    let stop = Arc::new(AtomicBool::new(false));
    let reads = tokio::spawn(coverage_reads(
        db.clone(),
        round,
        grid.clone(),
        stop.clone(),
        Duration::ZERO,
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut by_comm, mut missing) = reads.await.unwrap();
    report_reads(ctx, "quiet_coverage_by_community", &mut by_comm);
    report_reads(ctx, "quiet_missing_grid", &mut missing);
    let round_row = testing::round_by_id(&db, round).await.unwrap().unwrap();
    let mut naive = Vec::new();
    for _ in 0..2 {
        let (r, ms) = timed(coverage::missing_by_community_naive(&db, &round_row)).await;
        r.unwrap();
        naive.push(ms);
    }
    report_reads(ctx, "quiet_naive_missing_by_community", &mut naive);

    // 4. The soak: memory at start and end of a long fixed-rate ingest, the naive SQL
    //    repeated beside it.
    let (round, sites) = new_round(&db, "bench soak", &site_communities, &cols).await;
    rounds.push(round);
    let round_row = testing::round_by_id(&db, round).await.unwrap().unwrap();
    let rss0 = status_mib(server.pid, "VmRSS:");
    let stop = Arc::new(AtomicBool::new(false));
    let naive_task = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut ms = Vec::new();
            // Let the ingest settle first.
            tokio::time::sleep(Duration::from_secs_f64(WARMUP_SECS + 1.0)).await;
            // A few runs, spaced out: each one keeps a core busy in this process, which the
            // server would otherwise have.
            while !stop.load(Ordering::Relaxed) && ms.len() < 3 {
                let (r, t) = timed(coverage::missing_by_community_naive(&db, &round_row)).await;
                r.unwrap();
                ms.push(t);
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            ms
        })
    };
    let (soak, _) = drive(
        port,
        devices(
            round,
            &sites,
            &cols,
            &people,
            "s",
            per_col(soak_rate),
            false,
        ),
        Pace::Rate(soak_rate),
        soak_secs,
    )
    .await;
    let rss1 = status_mib(server.pid, "VmRSS:");
    let hwm = status_mib(server.pid, "VmHWM:");
    stop.store(true, Ordering::Relaxed);
    let mut naive = naive_task.await.unwrap();
    accepted += soak.accepted_total;
    emit(BENCH, b, n, "soak_seconds", soak_secs, "s");
    emit(
        BENCH,
        b,
        n,
        "soak_offered_samples_per_second",
        soak_rate,
        "samples/s",
    );
    report_phase(BENCH, ctx, "soak", &soak, soak_secs);
    emit(BENCH, b, n, "soak_server_rss_start", rss0, "MiB");
    emit(BENCH, b, n, "soak_server_rss_end", rss1, "MiB");
    emit(BENCH, b, n, "soak_server_rss_peak", hwm, "MiB");
    report_reads(ctx, "soak_naive_missing_by_community", &mut naive);

    // Correctness: every accepted sample is a row, and counted once in the tallies.
    let list = rounds
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let count = |sql: String| {
        let db = db.clone();
        async move { db.query_one(&sql, vec![]).await.unwrap().int(0) }
    };
    let samples = count(format!(
        "SELECT COUNT(*) FROM test_samples WHERE round_id IN ({list})"
    ))
    .await;
    let persons = count(format!(
        "SELECT COUNT(*) FROM test_persons WHERE round_id IN ({list})"
    ))
    .await;
    // Walk-ins are samples but not registered people: not in test_persons nor the tallies.
    let walk_ins = count(format!(
        "SELECT COUNT(*) FROM test_samples WHERE walkin_id IS NOT NULL AND round_id IN ({list})"
    ))
    .await;
    let tallied = sampled_tally(&db, &rounds).await;
    emit(BENCH, b, n, "walk_in_samples", walk_ins as f64, "samples");
    emit(
        BENCH,
        b,
        n,
        "accepted_samples_loadgen",
        accepted as f64,
        "samples",
    );
    emit(BENCH, b, n, "test_samples_rows", samples as f64, "rows");
    emit(BENCH, b, n, "test_persons_rows", persons as f64, "rows");
    emit(
        BENCH,
        b,
        n,
        "coverage_sampled_tally",
        tallied as f64,
        "people",
    );
    let registered = accepted.saturating_sub(walk_ins as u64);
    let ok =
        samples as u64 == accepted && persons as u64 == registered && tallied as u64 == registered;
    emit(BENCH, b, n, "verified", ok as u8 as f64, "bool");
    if !ok {
        eprintln!(
            "  MISMATCH: load generator accepted {accepted} ({walk_ins} walk-ins), \
             test_samples {samples}, test_persons {persons}, tallies {tallied}"
        );
    }
    emit(
        BENCH,
        b,
        n,
        "server_rss_end",
        status_mib(server.pid, "VmRSS:"),
        "MiB",
    );
    if b == Backend::Sqlite {
        let wal = url.trim_start_matches("sqlite://").to_owned() + "-wal";
        let size = std::fs::metadata(wal).map_or(0, |m| m.len());
        emit(BENCH, b, n, "wal_size_end", size as f64 / 1048576.0, "MiB");
    }
    server.stop();

    // 5. The writer alone.
    direct_apply(ctx, &db, &site_communities, &cols, &people).await;
}
