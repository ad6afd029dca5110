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

mod pages;

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
    (db, url, t.elapsed().as_secs_f64())
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
        .map(areas::Area::from_row)
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
