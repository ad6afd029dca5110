//! What the server process costs: its CPU time, resident memory, PostgreSQL's CPU, and a
//! `perf record` of it when asked.

use super::*;

/// PostgreSQL: CPU seconds of the cluster (the postmaster and every process it started), when
/// it runs on this machine. SQLite: 0 (the database work is in the server's own CPU time).
pub(super) async fn pg_cpu(db: &Db) -> f64 {
    if db.backend() != Backend::Postgres {
        return 0.0;
    }
    let Ok(dir) = db.query_one("SHOW data_directory", vec![]).await else {
        return 0.0;
    };
    let Some(pm) = std::fs::read_to_string(format!("{}/postmaster.pid", dir.text(0)))
        .ok()
        .and_then(|s| s.lines().next().map(str::to_owned))
    else {
        return 0.0;
    };
    let mut total = cpu_of(&pm);
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = e.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1).map(str::to_owned));
        if ppid.as_deref() == Some(pm.as_str()) {
            total += cpu_of(&pid);
        }
    }
    total
}

/// A field of /proc/PID/status, in MiB.
pub(super) fn status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system, all threads) of a process.
pub(super) fn cpu_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// With `WARDLINE_BENCH_PERF=FILE`: `perf record` of the server over the measured part of the
/// closed loop (DWARF call graphs; `perf report -i FILE`).
pub(super) fn perf_record(pid: &str, secs: f64) -> Option<std::process::Child> {
    let out = std::env::var("WARDLINE_BENCH_PERF").ok()?;
    std::process::Command::new("perf")
        .args([
            "record",
            "-F",
            "250",
            "--call-graph",
            "dwarf,16384",
            "-p",
            pid,
            "-o",
        ])
        .arg(&out)
        .args(["--", "sleep"])
        .arg(format!("{:.0}", (secs - 1.0).max(1.0)))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| eprintln!("  perf not started: {e}"))
        .ok()
}

// ---------------------------------------------------------------------------------------------
// The "hello world" ceiling
