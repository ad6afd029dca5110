//! The `vaccination` bench (issue 16), on a demo city of `--scale` residents (default
//! 1,000,000) under the demo district, or under `WARDLINE_BENCH_CITY` (an area code of the
//! national division data, e.g. 4301: the every-community read grows with the communities,
//! not with the residents, so a real city's count of them is what it must be timed on):
//!
//! 1. Import of the vaccination system's export: a CSV of 1,000,000 dose rows (one to three
//!    doses for adults, matched by ID number) through `vaccination::import::import_path` into
//!    an empty dose table: seconds and rows/s (target ≥ 50,000 rows/s on SQLite), and on
//!    SQLite the floor, sqlite3's own `.import` of the same file into a bare table, with the
//!    ratio to it (as `areas-import` reports).
//! 2. Coverage by age band of the whole city, and of every community under it in one read
//!    (`figures::communities`, one query over the tallies): p50/p95/p99 (target < 100 ms for
//!    every community of a 10,000,000-resident city); and, for comparison, the communities read
//!    one by one through `of_area`.
//! 3. One grid's 60+ worklist: p50/p95/p99 (target < 50 ms).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use wardline::access;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{path_end, Backend};
use wardline::registry::demo;
use wardline::vaccination::{figures, import, today, worklist, ymd};

use crate::{emit, fresh, report, Ctx};

const BENCH: &str = "vaccination";
const DOSE_ROWS: usize = 1_000_000;
const SAMPLES: usize = 50;

pub async fn vaccination(ctx: &Ctx) {
    let (db, _) = fresh(ctx, BENCH).await;
    // The city: the demo district (334 communities) unless WARDLINE_BENCH_CITY names another
    // area of the national division data (e.g. 4301, Changsha, a city of 10 M with 1,649
    // communities and villages), loaded from it first.
    let city_code = std::env::var("WARDLINE_BENCH_CITY").unwrap_or_else(|_| "431102".into());
    if city_code != "431102" {
        let (rows, _) =
            wardline::registry::areas::read_division_dir(&crate::division_dir(), Some(&city_code))
                .unwrap();
        wardline::registry::areas::upsert_national(&db, rows)
            .await
            .unwrap();
    }
    let opts = demo::DemoOptions {
        people: ctx.scale,
        seed: 16,
        under: city_code.clone(),
    };
    demo::generate(&db, &opts, &|_| {}).await.unwrap();
    access::create_account(
        &db,
        "bench-hq",
        "bench-hq",
        "hq",
        std::slice::from_ref(&city_code),
    )
    .await
    .unwrap();
    let token = access::create_token(&db, "bench-hq", "bench")
        .await
        .unwrap();
    let hq = access::authenticate(&db, &token).await.unwrap();
    let actor = Actor {
        account_id: Some(hq.account_id),
        username: hq.username.clone(),
        ip: "bench".into(),
    };
    let d = today();

    // The export: adults' ID numbers, until DOSE_ROWS rows. One adult in five has no dose,
    // one in five only the first (a course to complete), one in five the full course with the
    // booster now due, two in five the booster: the worklists have people to reach.
    let ids = db
        .query(
            "SELECT doc_number, birth_date FROM residents WHERE doc_type = 'id_card' \
             AND birth_date < $1 ORDER BY id",
            args![format!(
                "{:04}-01-01",
                wardline::vaccination::year_of(d) - 18
            )],
        )
        .await
        .unwrap();
    let file = ctx.work.join("vaccination-export.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(w, "姓名,身份证号,疫苗,剂次,接种日期,接种单位,批号").unwrap();
    let mut rows = 0usize;
    'outer: for round in 0..3 {
        for (i, r) in ids.iter().enumerate() {
            if rows >= DOSE_ROWS {
                break 'outer;
            }
            if i % 5 <= round {
                continue;
            }
            // Round 0 gives every adult dose 1, round 1 dose 2, round 2 the booster.
            let (no, day) = match round {
                0 => (1, d - 600),
                1 => (2, d - 560),
                _ => (3, d - 300),
            };
            writeln!(
                w,
                "某某,{},灭活疫苗（国药/科兴）,{no},{},区疾控接种点,B{round}",
                r.text(0),
                ymd(day)
            )
            .unwrap();
            rows += 1;
        }
    }
    w.flush().unwrap();
    drop(w);

    let t = Instant::now();
    let rep = import::import_path(&db, &actor, &hq, &file, false, d)
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(
        rep.errors.is_empty(),
        "{:?}",
        &rep.errors[..rep.errors.len().min(5)]
    );
    assert!(rep.committed);
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "import_rows",
        rows as f64,
        "rows",
    );
    emit(BENCH, ctx.backend, ctx.scale, "import_seconds", secs, "s");
    // Where the import's time goes (profile, one line per phase).
    for (phase, s) in &rep.phases {
        emit(
            BENCH,
            ctx.backend,
            ctx.scale,
            &format!("import_phase_{phase}_seconds"),
            *s,
            "s",
        );
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "import_rows_per_s",
        rows as f64 / secs,
        "rows/s",
    );
    if ctx.backend == Backend::Sqlite {
        let floor_db = ctx.work.join("vaccination-floor.db");
        let _ = std::fs::remove_file(&floor_db);
        let script = format!(".mode csv\n.import {} doses\n", file.display());
        let t = Instant::now();
        let out = Command::new("sqlite3")
            .arg(&floor_db)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(script.as_bytes())?;
                c.wait()
            });
        match out {
            Ok(s) if s.success() => {
                let floor = t.elapsed().as_secs_f64();
                emit(
                    BENCH,
                    ctx.backend,
                    ctx.scale,
                    "sqlite3_import_floor_seconds",
                    floor,
                    "s",
                );
                emit(
                    BENCH,
                    ctx.backend,
                    ctx.scale,
                    "import_ratio_to_floor",
                    secs / floor,
                    "x",
                );
            }
            other => eprintln!("sqlite3 floor not measured: {other:?}"),
        }
    }

    // Coverage: the city, then every community under it (each read from the tallies).
    let city = wardline::registry::areas::by_code(&db, &city_code)
        .await
        .unwrap()
        .unwrap();
    figures::count_population(&db, &city.path, wardline::db::now_ms())
        .await
        .unwrap();
    // The year's span tallies are built on its first read: timed alone here (once a year in
    // service), so the samples below measure reads.
    let t = Instant::now();
    wardline::vaccination::tallies::ensure_spans(&db, wardline::vaccination::year_of(d))
        .await
        .unwrap();
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "coverage_spans_build_ms",
        t.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    let mut city_ms = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        figures::of_area(&db, &hq, &city, d).await.unwrap();
        city_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report(BENCH, ctx, "coverage_city_ms", &mut city_ms);
    let communities = db
        .query_as::<wardline::registry::areas::Area>(
            "SELECT id, code, parent_id, level, name, official_name, path FROM areas \
             WHERE level = 5 AND path >= $1 AND path < $2 ORDER BY code",
            args![city.path.as_str(), path_end(&city.path)],
        )
        .await
        .unwrap();
    // Every community in one read (one query over the tallies), then, for comparison, one by
    // one through `of_area` as a page per community would.
    let mut every_ms = Vec::new();
    let mut listed = 0;
    for _ in 0..SAMPLES {
        let t = Instant::now();
        listed = figures::communities(&db, &hq, &city, d)
            .await
            .unwrap()
            .len();
        every_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    assert_eq!(listed, communities.len());
    report(BENCH, ctx, "coverage_every_community_ms", &mut every_ms);
    let t = Instant::now();
    for c in &communities {
        figures::of_area(&db, &hq, c, d).await.unwrap();
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "coverage_each_community_one_by_one_ms",
        t.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "communities",
        communities.len() as f64,
        "areas",
    );

    // One grid's 60+ worklist: the grid with the most households.
    let grid: String = db
        .scalar(
            "SELECT a.path FROM areas a WHERE a.level = 6 ORDER BY (SELECT COUNT(*) FROM households h \
             WHERE h.path >= a.path AND h.path < a.path || '~') DESC, a.id LIMIT 1",
            vec![],
        )
        .await
        .unwrap();
    let mut grid_ms = Vec::new();
    let mut n = 0;
    for _ in 0..SAMPLES {
        let t = Instant::now();
        n = worklist::list(&db, &hq, &grid, "60+", worklist::Part::Todo, d)
            .await
            .unwrap()
            .len();
        grid_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    emit(
        BENCH,
        ctx.backend,
        ctx.scale,
        "grid_worklist_people",
        n as f64,
        "people",
    );
    assert!(n > 0, "the bench's worklist is empty");
    report(BENCH, ctx, "grid_worklist_ms", &mut grid_ms);
}
