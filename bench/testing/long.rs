//! The long sampling benches: the soak (hours at half the sustainable rate) and the faults
//! (storage that fills up, a database restarted mid-ingest), on the ingest bench's helpers.

use super::*;

/// The `testing-soak` bench (issue 22): a long fixed-rate ingest through the real server at
/// half the sustainable rate, with the coverage reads of a headquarters screen and a grid
/// worker's phone beside it, reported window by window so that the start and the end can be
/// compared: samples/s, latency p50/p99/max, errors, the server's resident memory, the reads'
/// p50/max. Knobs: `WARDLINE_BENCH_SOAK_SECS` (default 3600), `WARDLINE_BENCH_SOAK_WINDOW`
/// (seconds per window, default 300), `WARDLINE_BENCH_SOAK_RATE` (samples/s; default: half of
/// what a 20 s closed loop sustains, measured first), `WARDLINE_BENCH_CONNS` (default 100),
/// `WARDLINE_BENCH_SITES` (default 50). Each window samples on a round of its own (people are
/// sampled once per round). At the end every accepted sample must be a row and a tally.
pub async fn testing_soak(ctx: &Ctx) {
    const SOAK: &str = "testing-soak";
    let (b, n) = (ctx.backend, ctx.scale);
    let total = env_num("WARDLINE_BENCH_SOAK_SECS", 3600.0);
    let window = env_num("WARDLINE_BENCH_SOAK_WINDOW", 300.0).min(total);
    let conns = env_num("WARDLINE_BENCH_CONNS", 100.0) as usize;
    let nsites = env_num("WARDLINE_BENCH_SITES", 50.0) as usize;
    let probe_secs = 20.0;
    // People for one window at up to 4,000 samples/s, or for the closed-loop probe.
    let need = ((window + WARMUP_SECS + 1.0) * 4_000.0).max((probe_secs + WARMUP_SECS) * 8_000.0);
    let Setup {
        db,
        url,
        site_communities,
        people,
        cols,
    } = setup(ctx, SOAK, conns, nsites, need).await;
    let server = start_server(SOAK, ctx, &url);
    let port = server.port;
    let mut rounds = Vec::new();
    let mut accepted = 0u64;

    let rate = match std::env::var("WARDLINE_BENCH_SOAK_RATE") {
        Ok(_) => env_num("WARDLINE_BENCH_SOAK_RATE", 1000.0),
        Err(_) => {
            let (round, sites) = new_round(&db, "soak probe", &site_communities, &cols).await;
            rounds.push(round);
            let (closed, _) = drive(
                port,
                scripts(round, &sites, &cols, &people, "p"),
                Pace::Closed,
                probe_secs,
            )
            .await;
            accepted += closed.accepted_total;
            report_phase(SOAK, ctx, "probe_closed", &closed, probe_secs);
            (closed.accepted_window as f64 / probe_secs / 2.0).max(10.0)
        }
    };
    emit(SOAK, b, n, "offered_samples_per_second", rate, "samples/s");
    emit(SOAK, b, n, "seconds", total, "s");
    let grid = first_grid(&db, &people).await;
    let rss_start = status_mib(server.pid, "VmRSS:");
    emit(SOAK, b, n, "server_rss_start", rss_start, "MiB");

    let windows = (total / window).ceil().max(1.0) as usize;
    let mut first_last: Vec<(f64, f64, u64)> = Vec::new();
    for w in 0..windows {
        let (round, sites) = new_round(&db, &format!("soak {w}"), &site_communities, &cols).await;
        rounds.push(round);
        let (st, mut by_comm, mut missing) = drive_with_reads(
            &db,
            port,
            scripts(round, &sites, &cols, &people, &format!("s{w}-")),
            rate,
            window,
            (round, &grid, Duration::from_millis(500)),
        )
        .await;
        accepted += st.accepted_total;
        let rss = status_mib(server.pid, "VmRSS:");
        let lat = ms_percentiles(&st.lat_us);
        let get = |k: &str| lat.iter().find(|x| x.0 == k).map_or(0.0, |x| x.1);
        let errors = st.errors + st.refused + st.opens_refused + st.unsent;
        let w_emit = |metric: &str, v: f64, unit: &str| {
            emit(SOAK, b, n, &format!("window{w:02}_{metric}"), v, unit)
        };
        w_emit(
            "samples_per_second",
            st.accepted_window as f64 / window,
            "samples/s",
        );
        w_emit("latency_p50", get("p50"), "ms");
        w_emit("latency_p99", get("p99"), "ms");
        w_emit("latency_max", get("max"), "ms");
        w_emit("errors", errors as f64, "requests");
        w_emit("server_rss", rss, "MiB");
        if !by_comm.is_empty() {
            w_emit(
                "reads_by_community_p50",
                percentile(&mut by_comm, 0.5),
                "ms",
            );
            w_emit(
                "reads_by_community_max",
                percentile(&mut by_comm, 1.0),
                "ms",
            );
        }
        if !missing.is_empty() {
            w_emit("reads_missing_p50", percentile(&mut missing, 0.5), "ms");
            w_emit("reads_missing_max", percentile(&mut missing, 1.0), "ms");
        }
        eprintln!(
            "  window {w}: {:.0} samples/s, p50 {:.1} ms, p99 {:.1} ms, {errors} errors, RSS {rss:.0} MiB",
            st.accepted_window as f64 / window,
            get("p50"),
            get("p99"),
        );
        if let Some(e) = &st.first_error {
            if errors > 0 {
                eprintln!("  window {w}: first non-accepted answer: {e}");
            }
        }
        first_last.push((get("p99"), rss, errors));
    }
    let (p99_first, _, _) = first_last[0];
    let (p99_last, rss_end, _) = *first_last.last().unwrap();
    emit(SOAK, b, n, "server_rss_end", rss_end, "MiB");
    emit(
        SOAK,
        b,
        n,
        "server_rss_peak",
        status_mib(server.pid, "VmHWM:"),
        "MiB",
    );
    emit(
        SOAK,
        b,
        n,
        "latency_p99_last_over_first",
        p99_last / p99_first.max(1e-9),
        "ratio",
    );
    emit(
        SOAK,
        b,
        n,
        "errors_total",
        first_last.iter().map(|x| x.2).sum::<u64>() as f64,
        "requests",
    );
    server.stop();

    // Every accepted sample is a row, and counted once in the tallies.
    let samples = sample_rows(&db, &rounds).await;
    let tallied = sampled_tally(&db, &rounds).await;
    emit(
        SOAK,
        b,
        n,
        "accepted_samples_loadgen",
        accepted as f64,
        "samples",
    );
    emit(SOAK, b, n, "test_samples_rows", samples as f64, "rows");
    emit(
        SOAK,
        b,
        n,
        "coverage_sampled_tally",
        tallied as f64,
        "people",
    );
    let ok = samples as u64 == accepted && tallied as u64 == accepted;
    emit(SOAK, b, n, "verified", ok as u8 as f64, "bool");
}

/// Run a shell command, failing the bench with its output if it fails.
fn sh(cmd: &str) -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", cmd])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{cmd}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The people counted sampled in the district's tallies, over these rounds.
pub(super) async fn sampled_tally(db: &Db, rounds: &[i64]) -> i64 {
    let mut tallied = 0;
    for &r in rounds {
        tallied += coverage::subtree(db, r, TOP).await.unwrap().sampled;
    }
    tallied
}

/// Sample rows of these rounds.
pub(super) async fn sample_rows(db: &Db, rounds: &[i64]) -> i64 {
    let list = rounds
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    db.query_one(
        &format!("SELECT COUNT(*) FROM test_samples WHERE round_id IN ({list})"),
        vec![],
    )
    .await
    .unwrap()
    .int(0)
}

/// The `testing-faults` bench (issue 22): the release server taking samples at a fixed rate
/// while its storage fails, then recovering by itself.
///
/// - SQLite: the database is copied onto a tmpfs of its own (root: `mount -t tmpfs`) and
///   vacuumed; during ingest a filler file takes the last byte of it. After
///   `WARDLINE_BENCH_FAULT_SECS` (default 15) the space returns (the filler goes) and ingest
///   goes on for as long again, the server untouched.
/// - PostgreSQL: the cluster of `WARDLINE_PG_DIR` (as `bench/run.sh` starts it) is restarted
///   (`pg_ctl restart -m fast`) in the middle of ingest, and ingest goes on.
///
/// Reported: samples acknowledged by the server and rows found (equal, or samples were lost),
/// requests that failed while the fault lasted and after it (0 after: recovered by itself),
/// the first error text, and SQLite's `integrity_check`.
pub async fn testing_faults(ctx: &Ctx) {
    const FAULTS: &str = "testing-faults";
    let (b, n) = (ctx.backend, ctx.scale);
    let secs = env_num("WARDLINE_BENCH_FAULT_SECS", 15.0);
    let rate = env_num("WARDLINE_BENCH_RATE", 300.0);
    let conns = env_num("WARDLINE_BENCH_CONNS", 20.0) as usize;
    let need = (secs + WARMUP_SECS + 1.0) * rate * 1.5;
    let Setup {
        db,
        url,
        site_communities,
        people,
        cols,
    } = setup(ctx, FAULTS, conns, 10, need).await;
    // SQLite: the database moves onto a small filesystem of its own.
    let mount = ctx.work.join("faults-fs");
    let (db, url) = if b == Backend::Sqlite {
        db.writer_pragma("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        drop(db);
        let _ = std::process::Command::new("umount").arg(&mount).status();
        std::fs::create_dir_all(&mount).unwrap();
        let src = url.trim_start_matches("sqlite://");
        let size = std::fs::metadata(src).unwrap().len() / 1048576 + 64;
        sh(&format!(
            "mount -t tmpfs -o size={size}m wardline-faults {}",
            mount.display()
        ));
        sh(&format!("cp {src} {}/wardline.db", mount.display()));
        let url = format!("sqlite://{}/wardline.db", mount.display());
        // No free pages for the ingest to reuse, and an empty WAL: once the disk is full,
        // the first write that needs a new page fails.
        let db = Db::connect(&url).await.unwrap();
        keyed(ctx, &db).await;
        db.writer_pragma("VACUUM").await.unwrap();
        db.writer_pragma("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        (db, url)
    } else {
        (db, url)
    };
    let server = start_server(FAULTS, ctx, &url);
    let port = server.port;
    let mut rounds = Vec::new();

    // Phase 1: the fault, while sampling.
    let (round, sites) = new_round(&db, "faults during", &site_communities, &cols).await;
    rounds.push(round);
    let fault = {
        let (mount, url) = (mount.clone(), url.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(WARMUP_SECS + 2.0)).await;
            if b == Backend::Sqlite {
                // Something else fills the disk to the last byte.
                let _ = std::process::Command::new("dd")
                    .args(["if=/dev/zero", "bs=64k"])
                    .arg(format!("of={}/filler", mount.display()))
                    .stderr(std::process::Stdio::null())
                    .status();
                eprintln!("  disk full from now on");
            } else {
                let dir = std::env::var("WARDLINE_PG_DIR").expect("WARDLINE_PG_DIR");
                let bin = sh("ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1");
                let t = Instant::now();
                sh(&format!(
                    "runuser -u postgres -- {}/pg_ctl -D {dir}/data -w -t 60 restart -m fast >/dev/null",
                    bin.trim()
                ));
                eprintln!(
                    "  PostgreSQL restarted in {:.1}s",
                    t.elapsed().as_secs_f64()
                );
                let _ = url;
            }
        })
    };
    let (during, _) = drive(
        port,
        scripts(round, &sites, &cols, &people, "fd"),
        Pace::Rate(rate),
        secs,
    )
    .await;
    fault.await.unwrap();
    report_phase(FAULTS, ctx, "during_fault", &during, secs);
    if let Some(e) = &during.first_error {
        eprintln!("  first error during the fault: {e}");
    }
    // The space returns (SQLite); the server is left as it is.
    if b == Backend::Sqlite {
        std::fs::remove_file(mount.join("filler")).unwrap();
    }
    // Phase 2: after the fault, the same server.
    let (round, sites) = new_round(&db, "faults after", &site_communities, &cols).await;
    rounds.push(round);
    let (after, _) = drive(
        port,
        scripts(round, &sites, &cols, &people, "fa"),
        Pace::Rate(rate),
        secs,
    )
    .await;
    report_phase(FAULTS, ctx, "after_fault", &after, secs);
    server.stop();
    // Failed: an error answer (not a refusal the engine gives on its own grounds) or a request
    // never answered. Refusals are reported apart by report_phase.
    let failed = |s: &Stats| s.errors + s.unsent;
    emit(
        FAULTS,
        b,
        n,
        "failed_requests_during_fault",
        failed(&during) as f64,
        "requests",
    );
    emit(
        FAULTS,
        b,
        n,
        "failed_requests_after_fault",
        failed(&after) as f64,
        "requests",
    );
    let acked = during.accepted_total + after.accepted_total;
    let found = sample_rows(&db, &rounds).await;
    emit(
        FAULTS,
        b,
        n,
        "acknowledged_samples",
        acked as f64,
        "samples",
    );
    emit(FAULTS, b, n, "samples_found", found as f64, "rows");
    let tallied = sampled_tally(&db, &rounds).await;
    emit(
        FAULTS,
        b,
        n,
        "coverage_sampled_tally",
        tallied as f64,
        "people",
    );
    let mut ok = found as u64 == acked && tallied as u64 == acked && failed(&after) == 0;
    if b == Backend::Sqlite {
        let r = db
            .query_one("PRAGMA integrity_check", vec![])
            .await
            .unwrap()
            .string(0);
        emit(
            FAULTS,
            b,
            n,
            "integrity_ok",
            (r == "ok") as u8 as f64,
            "bool",
        );
        ok &= r == "ok";
        drop(db);
        let _ = std::process::Command::new("umount").arg(&mount).status();
    }
    emit(FAULTS, b, n, "verified", ok as u8 as f64, "bool");
}
