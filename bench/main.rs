//! Wardline's benchmarks. Run through `bench/run.sh` (which builds in release mode and starts
//! a throwaway PostgreSQL when asked); each result is one JSON line:
//! `{"bench":"…","backend":"…","scale":…,"metric":"…","value":…,"unit":"…"}`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use wardline::access::Scope;
use wardline::args;
use wardline::db::{Backend, Db};
use wardline::registry::{areas, demo, residents};
use wardline::rng::Rng;

mod briefing;
mod checkpoints;
mod hq;
mod mobilization;
mod needs;
mod notify;
mod pages;
mod quarantine;
mod supplies;
mod testing;
mod vaccination;
mod zones;

struct Bench {
    name: &'static str,
    about: &'static str,
    default_scale: u64,
    run: fn(&Ctx) -> BoxFut<'_>,
}

type BoxFut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

const BENCHES: &[Bench] = &[
    Bench {
        name: "areas-import",
        about: "whole-country area import (665k rows; --scale ignored), with sqlite3 .import as the floor",
        default_scale: 665_000,
        run: |c| Box::pin(areas_import(c)),
    },
    Bench {
        name: "demo-load",
        about: "demo city generation and load: residents/s, seconds, disk size, peak memory (--scale = residents)",
        default_scale: 1_000_000,
        run: |c| Box::pin(demo_load(c)),
    },
    Bench {
        name: "import-csv",
        about: "residents CSV import into an empty database (--scale = rows), with sqlite3 .import of the same file as the floor",
        default_scale: 1_000_000,
        run: |c| Box::pin(import_csv(c)),
    },
    Bench {
        name: "queries",
        about: "on a loaded city (--scale = residents): resident by ID number, subtree counts, household pages, area children",
        default_scale: 10_000_000,
        run: |c| Box::pin(queries(c)),
    },
    Bench {
        name: "pages",
        about: "the web pages on a loaded city (--scale = residents), one user: p50/p95/p99 and bytes per page; wrk -c32 on the district page",
        default_scale: 10_000_000,
        run: |c| Box::pin(pages::pages(c)),
    },
    Bench {
        name: "testing-ingest",
        about: "mass-testing samples through the HTTP API of the release server (--scale = residents): samples/s closed loop, latency at a fixed rate, coverage reads while ingesting, memory over a soak; against an axum hello world",
        default_scale: 1_000_000,
        run: |c| Box::pin(testing::testing_ingest(c)),
    },
    Bench {
        name: "testing-soak",
        about: "a long sampling soak through the release server (--scale = residents; WARDLINE_BENCH_SOAK_SECS, default 3600) at half the sustainable rate with coverage reads beside it, window by window: samples/s, latency, errors, server RSS at start and end",
        default_scale: 100_000,
        run: |c| Box::pin(testing::testing_soak(c)),
    },
    Bench {
        name: "testing-cluster",
        about: "sampling through nginx in front of 1, 2 and 3 release servers on one PostgreSQL (--backend postgres; scripts/cluster.sh nginx), then one node killed mid-load: throughput per node count, acknowledged vs found",
        default_scale: 100_000,
        run: |c| Box::pin(testing::testing_cluster(c)),
    },
    Bench {
        name: "testing-faults",
        about: "sampling through the release server while storage fails (--scale = residents): SQLite on a tmpfs that fills up and then grows again (root), PostgreSQL restarted mid-ingest; acknowledged vs found, failures during and after",
        default_scale: 20_000,
        run: |c| Box::pin(testing::testing_faults(c)),
    },
    Bench {
        name: "mobilization-autofill",
        about: "auto-fill a week of 3x8 shifts for 4 people at scale/20 places from --scale approved volunteers (default 2,000 and 100): run and plan seconds, filled/unfilled, fairness of hours",
        default_scale: 2_000,
        run: |c| Box::pin(mobilization::autofill(c)),
    },
    Bench {
        name: "needs",
        about: "residents' needs (--scale = open needs in one community, default 10,000): the queue page p50/p95/p99 (also page 2, urgency 1, a volunteer's tasks); 1,000 volunteers claiming, starting and finishing their own needs at once (changes/s, latency, lost updates); 200 needs raced for by 2-8 volunteers each (one winner each)",
        default_scale: 10_000,
        run: |c| Box::pin(needs::needs(c)),
    },
    Bench {
        name: "checkpoints",
        about: "the pass log (issue 14): entries/s through the HTTP API (32 connections, single passes and 500-line offline uploads) with the ratio to an axum hello world; figures p50/p95/p99 at --scale entries (default 10,000,000) from the tallies; ingest rate while the purge deletes 1,000,000 expired entries",
        default_scale: 10_000_000,
        run: |c| Box::pin(checkpoints::checkpoints(c)),
    },
    Bench {
        name: "quarantine",
        about: "health follow-up (--scale = residents, each under an active order, default 200,000): generating the day's checks (target < 5 s), a grid worker's worklist p50/p95/p99 (target < 50 ms), check ingest through HTTP with 16 connections (target >= 2,000/s on SQLite)",
        default_scale: 200_000,
        run: |c| Box::pin(quarantine::quarantine(c)),
    },
    Bench {
        name: "vaccination",
        about: "vaccination outreach on a demo city (--scale = residents, default 1,000,000): import of 1,000,000 dose rows by ID number (rows/s, ratio to sqlite3 .import), coverage by age band of the city and of every community, one grid's 60+ worklist",
        default_scale: 1_000_000,
        run: |c| Box::pin(vaccination::vaccination(c)),
    },
    Bench {
        name: "supplies",
        about: "supplies (--scale = movements on one store's card, default 1,000,000): stock balance and stock card pages p50/p95 (target < 20 ms), the district's public disclosure p50/p95 (target < 100 ms), 1,000 concurrent handouts against 500 boxes (exactly 500 succeed, balance 0)",
        default_scale: 1_000_000,
        run: |c| Box::pin(supplies::supplies(c)),
    },
    Bench {
        name: "zones",
        about: "zones over a district of --scale residents (default 1,000,000; every 10th building sealed, 5th grid controlled, 3rd community precaution, 1,000 households sealed, as many lifted): district figures now and on a past day p50/p95/p99; the zone in force for 1, 50 and 400 households",
        default_scale: 1_000_000,
        run: |c| Box::pin(zones::zones(c)),
    },
    Bench {
        name: "hq",
        about: "the HQ overview (issue 18) of the district and of the demo community with every capability's demo data, on a demo city of --scale residents (default 1,000,000): figures and whole overview p50/p95/p99 (targets: a 25 M city < 200 ms, a community < 50 ms)",
        default_scale: 1_000_000,
        run: |c| Box::pin(hq::hq(c)),
    },
    Bench {
        name: "briefing",
        about: "HQ briefing and reports over a district of --scale residents (default 1,000,000): the district's briefing (all and day) median and worst of 5 (target < 1 s); a cut-off snapshot of every community for each report (target < 10 s)",
        default_scale: 1_000_000,
        run: |c| Box::pin(briefing::briefing(c)),
    },
    Bench {
        name: "notify",
        about: "notifications (--scale = residents, default 200,000; volunteers, shifts, needs and quarantine checks in proportion): the per-minute sweep, first pass and steady state p50/p95; the outbox drained through the log sender (messages/s); the sweep's query plans on stderr",
        default_scale: 200_000,
        run: |c| Box::pin(notify::notify(c)),
    },
];

struct Ctx {
    backend: Backend,
    scale: u64,
    pg_admin: Option<String>,
    work: PathBuf,
}

fn emit(bench: &str, backend: Backend, scale: u64, metric: &str, value: f64, unit: &str) {
    println!(
        "{}",
        serde_json::json!({
            "bench": bench, "backend": backend.name(), "scale": scale,
            "metric": metric, "value": (value * 1000.0).round() / 1000.0, "unit": unit
        })
    );
}

/// A fresh, migrated database for one benchmark.
async fn fresh(ctx: &Ctx, tag: &str) -> (Db, String) {
    let url = match ctx.backend {
        Backend::Sqlite => {
            let dir = ctx.work.join(format!("{tag}-{}", ctx.scale));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("wardline.db").display())
        }
        Backend::Postgres => {
            let admin = ctx.pg_admin.as_ref().expect("postgres URL");
            let name = format!("bench_{}_{}", tag.replace('-', "_"), ctx.scale);
            let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            format!("{base}/{name}")
        }
    };
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    (db, url)
}

fn division_dir() -> PathBuf {
    std::env::var("WARDLINE_DIVISION_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/china-division")
        })
}

async fn areas_import(ctx: &Ctx) {
    let dir = division_dir();
    let (db, _) = fresh(ctx, "areas").await;
    let t = Instant::now();
    let (rows, stats) = areas::read_division_dir(&dir, None).unwrap();
    let parsed = t.elapsed().as_secs_f64();
    areas::upsert_national(&db, rows).await.unwrap();
    let total = t.elapsed().as_secs_f64();
    emit(
        "areas-import",
        ctx.backend,
        stats.rows,
        "rows",
        stats.rows as f64,
        "rows",
    );
    emit(
        "areas-import",
        ctx.backend,
        stats.rows,
        "parse_seconds",
        parsed,
        "s",
    );
    emit(
        "areas-import",
        ctx.backend,
        stats.rows,
        "seconds",
        total,
        "s",
    );
    // Re-run: an upsert of every row.
    let t = Instant::now();
    let (rows, _) = areas::read_division_dir(&dir, None).unwrap();
    areas::upsert_national(&db, rows).await.unwrap();
    emit(
        "areas-import",
        ctx.backend,
        stats.rows,
        "rerun_seconds",
        t.elapsed().as_secs_f64(),
        "s",
    );
    if ctx.backend == Backend::Sqlite {
        // The floor: sqlite3's own CSV import of the same files into bare tables.
        let floor_db = ctx.work.join("areas-floor.db");
        let _ = std::fs::remove_file(&floor_db);
        let mut script = String::from(".mode csv\n");
        for f in ["provinces", "cities", "areas", "streets", "villages"] {
            script.push_str(&format!(
                ".import {} {f}\n",
                dir.join(format!("{f}.csv")).display()
            ));
        }
        let t = Instant::now();
        let out = Command::new("sqlite3")
            .arg(&floor_db)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(script.as_bytes())?;
                c.wait()
            });
        match out {
            Ok(s) if s.success() => {
                let floor = t.elapsed().as_secs_f64();
                emit(
                    "areas-import",
                    ctx.backend,
                    stats.rows,
                    "sqlite3_import_floor_seconds",
                    floor,
                    "s",
                );
                emit(
                    "areas-import",
                    ctx.backend,
                    stats.rows,
                    "ratio_to_floor",
                    total / floor,
                    "x",
                );
            }
            other => eprintln!("sqlite3 floor not measured: {other:?}"),
        }
    }
}

/// Time a statement alone (`runs` times, the median) and print its plan to stderr: SQLite's
/// `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN` (`analyze`: with `ANALYZE, BUFFERS`).
async fn explain_alone(
    db: &Db,
    name: &str,
    sql: &str,
    params: Vec<wardline::db::Value>,
    runs: usize,
    analyze: bool,
) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        db.query(sql, params.clone()).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let ms = percentile(&mut times, 0.5);
    let (prefix, col) = match (db.backend(), analyze) {
        (Backend::Sqlite, _) => ("EXPLAIN QUERY PLAN ", 3),
        (Backend::Postgres, true) => ("EXPLAIN (ANALYZE, BUFFERS) ", 0),
        (Backend::Postgres, false) => ("EXPLAIN ", 0),
    };
    let plan: Vec<String> = db
        .query(&format!("{prefix}{sql}"), params)
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(col))
        .collect();
    eprintln!(
        "  plan {name} ({ms:.2} ms alone):\n    {}",
        plan.join("\n    ")
    );
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn disk_mib(db: &Db, url: &str) -> f64 {
    match db.backend() {
        Backend::Sqlite => {
            let path = PathBuf::from(url.trim_start_matches("sqlite://"));
            let mut total = 0;
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                total += std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            }
            total as f64 / 1048576.0
        }
        Backend::Postgres => {
            db.query_one("SELECT pg_database_size(current_database())", vec![])
                .await
                .unwrap()
                .int(0) as f64
                / 1048576.0
        }
    }
}

/// A generated city of `people` under `under` (a district, street or community of 431102, the
/// national division codes loaded for it): the common set-up of the capability benches.
async fn generated(db: &Db, people: u64, seed: u64, under: &str) {
    areas::ensure_national(db, "431102").await.unwrap();
    let opts = demo::DemoOptions {
        people,
        seed,
        under: under.into(),
    };
    demo::generate(db, &opts, &|_| {}).await.unwrap();
}

async fn load_city(ctx: &Ctx, tag: &str) -> (Db, String, f64) {
    let (db, url) = fresh(ctx, tag).await;
    let t = Instant::now();
    let opts = demo::DemoOptions {
        people: ctx.scale,
        seed: 1,
        under: "431102".into(),
    };
    let last = std::sync::Mutex::new(Instant::now());
    demo::generate(&db, &opts, &|n| {
        let mut l = last.lock().unwrap();
        if l.elapsed().as_secs() >= 10 {
            *l = Instant::now();
            eprintln!("  loaded {n} residents");
        }
    })
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    // The load leaves gigabytes of WAL at 25 M: copy it into the database now, so that no
    // phase after it starts behind that checkpoint (once, at 25 M, the first write after the
    // server started waited past the 10 s busy timeout).
    if db.backend() == Backend::Sqlite {
        db.writer_pragma("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
    }
    (db, url, secs)
}

async fn demo_load(ctx: &Ctx) {
    let (db, url, secs) = load_city(ctx, "demo").await;
    let b = ctx.backend;
    emit("demo-load", b, ctx.scale, "seconds", secs, "s");
    emit(
        "demo-load",
        b,
        ctx.scale,
        "residents_per_second",
        ctx.scale as f64 / secs,
        "residents/s",
    );
    emit(
        "demo-load",
        b,
        ctx.scale,
        "disk",
        disk_mib(&db, &url).await,
        "MiB",
    );
    emit(
        "demo-load",
        b,
        ctx.scale,
        "peak_memory",
        peak_rss_mib(),
        "MiB",
    );
    // The floor exports and re-imports everything: measured up to 2M residents, where it says
    // what it has to say without doubling the disk a 25M city takes.
    if b == Backend::Sqlite && ctx.scale <= 2_000_000 {
        sqlite_floor(ctx, &url, secs);
    }
}

/// Run a script through the sqlite3 shell; its standard output.
fn sqlite3(db: &str, script: &str) -> Result<String, String> {
    use std::io::Write;
    let mut c = Command::new("sqlite3")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    c.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = c.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("sqlite3 failed: {:?}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The floor for the same work: the generated households and residents, exported to CSV, then
/// loaded by the sqlite3 shell into the same tables (`.import`) and indexed the same way.
fn sqlite_floor(ctx: &Ctx, url: &str, ours: f64) {
    let db = url.trim_start_matches("sqlite://");
    let dir = ctx.work.join(format!("floor-{}", ctx.scale));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let schema = match sqlite3(db, ".schema households\n.schema residents\n") {
        Ok(s) => s,
        Err(e) => return eprintln!("floor not measured: {e}"),
    };
    let (tables, indexes): (Vec<&str>, Vec<&str>) = schema
        .split_inclusive(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .partition(|s| s.starts_with("CREATE TABLE"));
    let csv = |t: &str| dir.join(format!("{t}.csv")).display().to_string();
    let mut export = String::from(".mode csv\n");
    for t in ["households", "residents"] {
        export.push_str(&format!(".once {}\nSELECT * FROM {t};\n", csv(t)));
    }
    if let Err(e) = sqlite3(db, &export) {
        return eprintln!("floor not measured: {e}");
    }
    // Same durability settings as ours; the tables, then the rows, then the indexes.
    let mut script = String::from(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\nPRAGMA cache_size = -65536;\n",
    );
    for t in &tables {
        script.push_str(t);
        script.push('\n');
    }
    script.push_str(".mode csv\n");
    for t in ["households", "residents"] {
        script.push_str(&format!(".import {} {t}\n", csv(t)));
    }
    for i in &indexes {
        script.push_str(i);
        script.push('\n');
    }
    let floor_db = dir.join("floor.db").display().to_string();
    let t = Instant::now();
    match sqlite3(&floor_db, &script) {
        Ok(_) => {
            let floor = t.elapsed().as_secs_f64();
            let (b, n) = (ctx.backend, ctx.scale);
            emit(
                "demo-load",
                b,
                n,
                "sqlite3_import_floor_seconds",
                floor,
                "s",
            );
            emit(
                "demo-load",
                b,
                n,
                "floor_residents_per_second",
                n as f64 / floor,
                "residents/s",
            );
            emit("demo-load", b, n, "ratio_to_floor", ours / floor, "x");
        }
        Err(e) => eprintln!("floor not measured: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Write a residents CSV of `n` rows (template columns, Chinese headers) under 零陵区's
/// communities: households of one to four, valid and unique ID numbers. Returns the households.
fn write_residents_csv(path: &std::path::Path, communities: &[String], n: u64) -> u64 {
    use wardline::registry::validate::{check_char, civil_from_days};
    let file = std::fs::File::create(path).unwrap();
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    let header: Vec<&str> = wardline::registry::import::COLUMNS
        .iter()
        .map(|c| c.1)
        .collect();
    w.write_record(&header).unwrap();
    let mut rng = Rng::new(7);
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"];
    const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"];
    const RELATIONS: &[&str] = &["户主", "配偶", "子女", "子女"];
    let (mut k, mut hh) = (0u64, 0u64);
    while k < n {
        hh += 1;
        let c = &communities[(hh as usize / 50) % communities.len()];
        let grid = format!("第{}网格", 1 + (hh / 7) % 6);
        let building = format!("{}栋", 1 + (hh / 3) % 12);
        let address = format!("{building}{}室", 101 + hh % 40);
        let size = (1 + rng.below(4)).min(n - k);
        for m in 0..size {
            // Unique (birth day, sequence) pairs: 30,000 days from 1940, 999 numbers a day.
            let day = -10_957 + (k % 30_000) as i64;
            let seq = 1 + k / 30_000;
            let (y, mo, d) = civil_from_days(day);
            let mut id = format!("431102{y:04}{mo:02}{d:02}{seq:03}");
            id.push(check_char(id.as_bytes()) as char);
            let sex = if seq % 2 == 1 { "男" } else { "女" };
            let name = format!(
                "{}{}{}",
                SURNAMES[rng.below(10) as usize],
                GIVEN[rng.below(10) as usize],
                GIVEN[rng.below(10) as usize]
            );
            let phone = if rng.below(3) == 0 {
                String::new()
            } else {
                format!(
                    "1{}{:09}",
                    [3, 5, 8][rng.below(3) as usize],
                    rng.below(1_000_000_000)
                )
            };
            let tags = if rng.below(20) == 0 { "慢性病" } else { "" };
            let party = if rng.below(15) == 0 {
                "正式党员"
            } else {
                ""
            };
            let birth = format!("{y:04}-{mo:02}-{d:02}");
            let hk = format!("H{hh}");
            let rel = RELATIONS[m as usize];
            w.write_record([
                c.as_str(),
                &grid,
                &building,
                &hk,
                &address,
                "自住",
                &name,
                "居民身份证",
                &id,
                sex,
                &birth,
                &phone,
                rel,
                tags,
                "",
                party,
                "",
            ])
            .unwrap();
            k += 1;
        }
    }
    w.flush().unwrap();
    hh
}

/// CPU seconds used so far: (this process, its waited-for children), from /proc/self/stat.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let tick = 100.0; // USER_HZ on Linux
    let get = |i: usize| f.get(i - 3).copied().unwrap_or(0.0) / tick;
    (get(14) + get(15), get(16) + get(17))
}

async fn import_csv(ctx: &Ctx) {
    use wardline::registry::import::{import_path, ImportPhase};
    let (db, url) = fresh(ctx, "import-csv").await;
    areas::ensure_national(&db, "431102").await.unwrap();
    let communities: Vec<String> = db
        .query(
            "SELECT code FROM areas WHERE path >= '431102' AND path < '431102~' AND level = 5 ORDER BY code",
            vec![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    let csv_path = ctx.work.join(format!("residents-{}.csv", ctx.scale));
    let households = write_residents_csv(&csv_path, &communities, ctx.scale);
    let size = std::fs::metadata(&csv_path).unwrap().len();
    eprintln!(
        "  {} rows, {households} households, {:.0} MiB",
        ctx.scale,
        size as f64 / 1048576.0
    );
    let b = ctx.backend;
    let n = ctx.scale;
    let phases = std::sync::Mutex::new(Vec::<(ImportPhase, f64)>::new());
    let cpu0 = cpu_seconds().0;
    let t = Instant::now();
    // Read from the file as the CLI and the web upload do (streamed, never whole in memory).
    let report = import_path(
        &db,
        &wardline::audit::Actor::cli(),
        &Scope {
            roots: vec![String::new()],
        },
        "residents.csv",
        &csv_path,
        false,
        &|p| {
            let mut ph = phases.lock().unwrap();
            if ph.last().map(|l| l.0) != Some(p.phase) {
                ph.push((p.phase, t.elapsed().as_secs_f64()));
            }
        },
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds().0 - cpu0;
    assert!(
        report.committed,
        "{:?}",
        &report.errors[..report.errors.len().min(5)]
    );
    assert_eq!(report.residents as u64, n);
    let stored = db
        .query_one("SELECT COUNT(*) FROM residents", vec![])
        .await
        .unwrap()
        .int(0);
    assert_eq!(stored as u64, n);
    let pending = db
        .query_one("SELECT COUNT(*) FROM deferred_indexes", vec![])
        .await
        .unwrap()
        .int(0);
    assert_eq!(pending, 0, "every deferred index rebuilt");
    if db.backend() == Backend::Sqlite {
        // A large import drops and rebuilds the secondary indexes in its own transaction:
        // every one of them must be back.
        let idx = db
            .query_one(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('residents', 'households')",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(
            idx, 5,
            "the indexes of residents and households are all back"
        );
    }
    emit("import-csv", b, n, "seconds", secs, "s");
    emit(
        "import-csv",
        b,
        n,
        "rows_per_second",
        n as f64 / secs,
        "rows/s",
    );
    // On a shared machine the wall clock says as much about the neighbours as about us; the
    // CPU time (all threads) does not.
    emit("import-csv", b, n, "cpu_seconds", cpu, "s");
    emit(
        "import-csv",
        b,
        n,
        "rows_per_cpu_second",
        n as f64 / cpu.max(1e-9),
        "rows/s",
    );
    let ph = phases.into_inner().unwrap();
    for (i, (phase, start)) in ph.iter().enumerate() {
        let end = ph.get(i + 1).map_or(secs, |x| x.1);
        let name = match phase {
            ImportPhase::Read => "read_seconds",
            ImportPhase::Check => "check_seconds",
            ImportPhase::Write => "write_seconds",
        };
        emit("import-csv", b, n, name, end - start, "s");
    }
    emit("import-csv", b, n, "peak_memory", peak_rss_mib(), "MiB");
    emit("import-csv", b, n, "disk", disk_mib(&db, &url).await, "MiB");
    if b == Backend::Sqlite {
        // The floor: the sqlite3 shell's own CSV import of the same file into a plain table of
        // text columns, with the same durability settings, in one transaction.
        let dir = ctx.work.join(format!("import-floor-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cols = (1..=17)
            .map(|i| format!("c{i} TEXT"))
            .collect::<Vec<_>>()
            .join(", ");
        let script = format!(
            "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\nPRAGMA cache_size = -65536;\n\
             CREATE TABLE residents ({cols});\n.mode csv\n.import --skip 1 {} residents\n\
             SELECT COUNT(*) FROM residents;\n",
            csv_path.display()
        );
        let floor_db = dir.join("floor.db").display().to_string();
        let child0 = cpu_seconds().1;
        let t = Instant::now();
        match sqlite3(&floor_db, &script) {
            Ok(out) => {
                let floor = t.elapsed().as_secs_f64();
                let floor_cpu = cpu_seconds().1 - child0;
                emit(
                    "import-csv",
                    b,
                    n,
                    "sqlite3_import_floor_cpu_seconds",
                    floor_cpu,
                    "s",
                );
                emit(
                    "import-csv",
                    b,
                    n,
                    "cpu_ratio_to_floor",
                    cpu / floor_cpu.max(1e-9),
                    "x",
                );
                if !out.contains(&n.to_string()) {
                    eprintln!("floor imported an unexpected row count: {out}");
                }
                emit(
                    "import-csv",
                    b,
                    n,
                    "sqlite3_import_floor_seconds",
                    floor,
                    "s",
                );
                emit(
                    "import-csv",
                    b,
                    n,
                    "floor_rows_per_second",
                    n as f64 / floor,
                    "rows/s",
                );
                emit("import-csv", b, n, "ratio_to_floor", secs / floor, "x");
            }
            Err(e) => eprintln!("floor not measured: {e}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_file(&csv_path);
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn report(bench: &str, ctx: &Ctx, metric: &str, samples: &mut [f64]) {
    for (p, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
        emit(
            bench,
            ctx.backend,
            ctx.scale,
            &format!("{metric}_{name}"),
            percentile(samples, p),
            "ms",
        );
    }
}

async fn time_ms<F: std::future::Future>(f: F) -> f64 {
    let t = Instant::now();
    f.await;
    t.elapsed().as_secs_f64() * 1000.0
}

async fn queries(ctx: &Ctx) {
    let (db, _url, secs) = load_city(ctx, "queries").await;
    emit("queries", ctx.backend, ctx.scale, "load_seconds", secs, "s");
    let scope = Scope {
        roots: vec!["431102".into()],
    };
    let mut rng = Rng::new(99);
    let max_id = db
        .query_one("SELECT MAX(id) FROM residents", vec![])
        .await
        .unwrap()
        .int(0);

    // Resident by full ID number, within the reader's scope.
    let mut docs = Vec::new();
    while docs.len() < 2_000 {
        let id = 1 + rng.below(max_id as u64) as i64;
        if let Some(r) = db
            .query_opt("SELECT doc_number FROM residents WHERE id = $1", args![id])
            .await
            .unwrap()
        {
            docs.push(r.string(0));
        }
    }
    let mut s = Vec::new();
    for d in &docs {
        s.push(
            time_ms(async {
                assert_eq!(
                    residents::search(&db, &scope, d, None, 20)
                        .await
                        .unwrap()
                        .items
                        .len(),
                    1
                )
            })
            .await,
        );
    }
    report("queries", ctx, "resident_by_id_number", &mut s);

    // Count of residents under a street, and under the district.
    let streets: Vec<String> = db
        .query(
            "SELECT path FROM areas WHERE level = 4 ORDER BY path",
            vec![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    let mut s = Vec::new();
    for i in 0..400 {
        let p = &streets[i % streets.len()];
        s.push(time_ms(async { areas::subtree_counts(&db, p).await.unwrap() }).await);
    }
    report("queries", ctx, "count_under_street", &mut s);
    let mut s = Vec::new();
    for _ in 0..100 {
        s.push(time_ms(async { areas::subtree_counts(&db, "431102").await.unwrap() }).await);
    }
    report("queries", ctx, "count_under_district", &mut s);

    // One page (50) of the household list of a community, a street, the district; first
    // pages and pages deep in the list (by cursor).
    let communities: Vec<areas::Area> = db
        .query(
            &format!(
                "SELECT {} FROM areas WHERE level = 5 ORDER BY path",
                areas::AREA_COLS
            ),
            vec![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| <areas::Area as wardline::db::FromRow>::from_row(r).unwrap())
        .collect();
    let mut s = Vec::new();
    for i in 0..600 {
        let c = &communities[rng.below(communities.len() as u64) as usize];
        let after = if i % 2 == 0 {
            None
        } else {
            // A cursor inside this community's list, up to a thousand households in.
            db.query_opt(
                &format!(
                    "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY path, id LIMIT 1 OFFSET {}",
                    rng.below(1000)
                ),
                args![c.path.as_str(), wardline::db::path_end(&c.path)],
            )
            .await
            .unwrap()
            .map(|r| r.int(0))
        };
        s.push(
            time_ms(async {
                residents::households_under(&db, c, after, 50)
                    .await
                    .unwrap()
            })
            .await,
        );
    }
    report("queries", ctx, "household_page", &mut s);

    // The area browser: a district's children with their counts.
    let county = areas::by_code(&db, "431102").await.unwrap().unwrap();
    let mut s = Vec::new();
    for _ in 0..100 {
        s.push(time_ms(async { areas::children(&db, &county, None, 100).await.unwrap() }).await);
    }
    report("queries", ctx, "area_children_with_counts", &mut s);
    let street = areas::by_code(&db, "431102001").await.unwrap().unwrap();
    let mut s = Vec::new();
    for _ in 0..100 {
        s.push(time_ms(async { areas::children(&db, &street, None, 100).await.unwrap() }).await);
    }
    report("queries", ctx, "street_children_with_counts", &mut s);
}

fn usage() -> ! {
    eprintln!("usage: bench/run.sh --list | NAME… [--backend sqlite|postgres|both] [--scale N]");
    std::process::exit(2)
}

fn main() {
    let mut names = Vec::new();
    let mut backends = vec![Backend::Sqlite];
    let mut scale = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench" => {} // passed by `cargo bench`
            "--list" => {
                for b in BENCHES {
                    println!(
                        "{:<14} {} [default scale {}]",
                        b.name, b.about, b.default_scale
                    );
                }
                return;
            }
            "--backend" => {
                backends = match args.next().as_deref() {
                    Some("sqlite") => vec![Backend::Sqlite],
                    Some("postgres") => vec![Backend::Postgres],
                    Some("both") => vec![Backend::Sqlite, Backend::Postgres],
                    _ => usage(),
                }
            }
            "--scale" => {
                scale = Some(
                    args.next()
                        .and_then(|s| s.replace('_', "").parse().ok())
                        .unwrap_or_else(|| usage()),
                )
            }
            n if !n.starts_with('-') => names.push(n.to_owned()),
            _ => usage(),
        }
    }
    if names.is_empty() {
        usage();
    }
    let work = PathBuf::from(
        std::env::var("WARDLINE_BENCH_DIR")
            .unwrap_or_else(|_| format!("{}/target/bench-data", env!("CARGO_MANIFEST_DIR"))),
    );
    std::fs::create_dir_all(&work).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for name in &names {
        let Some(b) = BENCHES.iter().find(|b| b.name == name) else {
            eprintln!("unknown benchmark {name}; see --list");
            std::process::exit(2);
        };
        for &backend in &backends {
            let pg_admin = std::env::var("WARDLINE_TEST_POSTGRES_URL").ok();
            if backend == Backend::Postgres && pg_admin.is_none() {
                eprintln!(
                    "{name}: no PostgreSQL (bench/run.sh starts one for --backend postgres|both)"
                );
                std::process::exit(2);
            }
            let ctx = Ctx {
                backend,
                scale: scale.unwrap_or(b.default_scale),
                pg_admin,
                work: work.clone(),
            };
            eprintln!("== {name} on {} (scale {})", backend.name(), ctx.scale);
            rt.block_on((b.run)(&ctx));
        }
    }
}
