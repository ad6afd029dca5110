//! Durability of the sampling path: the real `wardline serve` binary takes concurrent scans,
//! is killed with SIGKILL in the middle, and restarted on the same database. Every sample it
//! acknowledged is there; retrying everything (acknowledged or not) is idempotent; the
//! coverage tallies equal the recount. On both backends.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wardline::args;
use wardline::db::{now_ms, Db};

use crate::common::{backends, demo, try_request};
use crate::testing::{check_coverage, reader, round_over, site};

const HOUR: i64 = 3_600_000;
/// Devices scanning at once.
const DEVICES: usize = 6;
/// Tubes (of five) per device.
const TUBES: usize = 10;

/// The real server, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    fn start(url: &str, log: PathBuf) -> Server {
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wardline"))
            .args(["--database-url", url, "serve", "--listen", "127.0.0.1:0"])
            .env_remove("WARDLINE_CONFIG")
            .env_remove("WARDLINE_LISTEN")
            .env_remove("WARDLINE_DATABASE_URL")
            .env("WARDLINE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("start wardline serve");
        // It prints the address once it listens.
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Wardline is serving http://") {
                        break rest.trim_end_matches('/').parse().unwrap();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "the server did not start: {}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            }
        };
        Server { child, addr, log }
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One device's planned operations: (client id, op as JSON, what it does).
#[derive(Clone, Debug)]
enum Does {
    Open(String),
    Add(String, i64),
}

fn plan(device: usize, people: &[i64]) -> Vec<(String, Value, Does)> {
    let mut out = Vec::new();
    for (j, five) in people.chunks(5).enumerate() {
        let tube = format!("K{device}-{j}");
        out.push((
            format!("d{device}-{}", out.len()),
            json!({"client_id": format!("d{device}-{}", out.len()), "tube": tube, "op": "open"}),
            Does::Open(tube.clone()),
        ));
        for &p in five {
            let cid = format!("d{device}-{}", out.len());
            out.push((
                cid.clone(),
                json!({"client_id": cid, "tube": tube, "op": "add", "qr": crate::testing::code(p)}),
                Does::Add(tube.clone(), p),
            ));
        }
    }
    out
}

/// Send a device's operations in order, one at a time, from `from`; stop at the first broken
/// connection. Returns the acknowledged ones (index, reply) and where it stopped.
async fn run_device(
    addr: SocketAddr,
    round: i64,
    token: String,
    ops: Vec<(String, Value, Does)>,
    acked_total: Arc<AtomicUsize>,
) -> (Vec<(usize, Value)>, usize) {
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/testing/rounds/{round}/ops");
    let mut acked = Vec::new();
    for (i, (_, op, _)) in ops.iter().enumerate() {
        let body = op.to_string();
        let r = try_request(
            addr,
            "POST",
            &path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
        .await;
        match r {
            Ok(r) => {
                assert_eq!(r.status, 200, "{op}: {}", r.body);
                let v: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(v["status"], "accepted", "{op}: {v}");
                acked.push((i, v));
                acked_total.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => return (acked, i),
        }
    }
    (acked, ops.len())
}

async fn rows(db: &Db, sql: &str, round: i64) -> Vec<(String, i64)> {
    db.query(sql, args![round])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.string(0), r.int(1)))
        .collect()
}

async fn crash_and_recover(db: &Db, url: &str, name: &str) {
    demo(db, 1_200, 61).await;
    let hq = reader(db, "hq", "hq", "431102").await;
    let now = now_ms();
    let round = round_over(db, &hq, "431102", 5, now - HOUR, now + 2 * HOUR).await;
    let mut accounts = Vec::new();
    let mut tokens = Vec::new();
    for d in 0..DEVICES {
        let user = format!("col{d}");
        accounts.push(reader(db, &user, "collector", "431102").await.account_id);
        tokens.push(
            wardline::access::create_token(db, &user, "phone")
                .await
                .unwrap(),
        );
    }
    let names: Vec<String> = (0..DEVICES).map(|d| format!("col{d}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    site(db, &hq, &round, "431102", &names).await;
    let people: Vec<i64> = db
        .query("SELECT id FROM residents ORDER BY id", vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.int(0))
        .take(DEVICES * TUBES * 5)
        .collect();
    assert_eq!(people.len(), DEVICES * TUBES * 5);
    let plans: Vec<Vec<(String, Value, Does)>> = (0..DEVICES)
        .map(|d| {
            let mine: Vec<i64> = people.iter().skip(d).step_by(DEVICES).copied().collect();
            plan(d, &mine)
        })
        .collect();
    let total: usize = plans.iter().map(Vec::len).sum();

    let log =
        std::env::temp_dir().join(format!("wardline-crash-{}-{name}.log", std::process::id()));
    let mut server = Server::start(url, log.clone());
    let acked_total = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..DEVICES)
        .map(|d| {
            tokio::spawn(run_device(
                server.addr,
                round.id,
                tokens[d].clone(),
                plans[d].clone(),
                acked_total.clone(),
            ))
        })
        .collect();
    // Kill it in the middle of the stream.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked_total.load(Ordering::SeqCst) < total * 2 / 5 {
        assert!(
            Instant::now() < deadline,
            "{name}: too slow: {}",
            acked_total.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    let mut acked: Vec<Vec<(usize, Value)>> = Vec::new();
    let mut stopped = Vec::new();
    for h in handles {
        let (a, at) = h.await.unwrap();
        acked.push(a);
        stopped.push(at);
    }
    let n_acked: usize = acked.iter().map(Vec::len).sum();
    assert!(
        n_acked < total,
        "{name}: the kill came after everything was done"
    );
    assert!(
        stopped.iter().any(|&s| s < plans[0].len()),
        "{name}: {stopped:?}"
    );

    // Restarted on the same database: every acknowledged operation is there.
    let mut server = Server::start(url, log.clone());
    let keys: std::collections::HashSet<String> = db
        .query(
            "SELECT key FROM test_submissions WHERE round_id = $1",
            args![round.id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    let tubes: std::collections::HashSet<String> = rows(
        db,
        "SELECT barcode, n FROM test_tubes WHERE round_id = $1",
        round.id,
    )
    .await
    .into_iter()
    .map(|x| x.0)
    .collect();
    let samples: std::collections::HashSet<(String, i64)> = rows(
        db,
        "SELECT barcode, resident_id FROM test_samples WHERE round_id = $1",
        round.id,
    )
    .await
    .into_iter()
    .collect();
    let persons: std::collections::HashSet<(String, i64)> = rows(
        db,
        "SELECT barcode, resident_id FROM test_persons WHERE round_id = $1",
        round.id,
    )
    .await
    .into_iter()
    .collect();
    for (d, list) in acked.iter().enumerate() {
        for (i, _) in list {
            let (cid, _, does) = &plans[d][*i];
            assert!(
                keys.contains(&format!("{}:{}:{cid}", accounts[d], round.id)),
                "{name}: the acknowledged {cid} has no stored reply"
            );
            match does {
                Does::Open(t) => {
                    assert!(tubes.contains(t), "{name}: acknowledged tube {t} is gone")
                }
                Does::Add(t, p) => {
                    let k = (t.clone(), *p);
                    assert!(
                        samples.contains(&k),
                        "{name}: acknowledged sample {k:?} is gone"
                    );
                    assert!(
                        persons.contains(&k),
                        "{name}: acknowledged person {k:?} is gone"
                    );
                }
            }
        }
    }
    // Nothing half-written: every stored reply is a whole operation's.
    assert!(
        keys.len() >= n_acked && keys.len() <= n_acked + DEVICES,
        "{name}: {} keys, {n_acked} acknowledged",
        keys.len()
    );
    check_coverage(db, &round, "431102").await;
    eprintln!(
        "[{name}] killed after {n_acked} of {total} operations were acknowledged; {} stored \
         (committed, answer lost: {})",
        keys.len(),
        keys.len() - n_acked
    );
    // The devices come back. A sample of what was acknowledged is sent again, one by one:
    // replayed, with the same reply. Then each uploads what it has not had an answer for as
    // an offline batch: the operation in flight at the kill is applied now or replayed (if it
    // was committed but its answer lost), the rest are new.
    let strip = |v: &Value| {
        let mut v = v.clone();
        v["replayed"] = Value::Null;
        v["text"] = Value::Null;
        v
    };
    for d in 0..DEVICES {
        let sample: Vec<&(usize, Value)> = acked[d]
            .iter()
            .enumerate()
            .filter(|(k, _)| k % 10 == 0 || k + 1 == acked[d].len())
            .map(|(_, x)| x)
            .collect();
        for (i, first) in sample {
            let body = plans[d][*i].1.to_string();
            let r = try_request(
                server.addr,
                "POST",
                &format!("/api/v1/testing/rounds/{}/ops", round.id),
                &[("Authorization", &format!("Bearer {}", tokens[d]))],
                Some(body.as_bytes()),
            )
            .await
            .unwrap();
            assert_eq!(r.status, 200, "{name}: {}", r.body);
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["replayed"], true, "{name}: {v}");
            assert_eq!(strip(&v), strip(first), "{name}: a different reply");
        }
        let rest: Vec<String> = plans[d][stopped[d]..]
            .iter()
            .map(|(_, op, _)| op.to_string())
            .collect();
        if rest.is_empty() {
            continue;
        }
        let r = try_request(
            server.addr,
            "POST",
            &format!("/api/v1/testing/rounds/{}/batch", round.id),
            &[("Authorization", &format!("Bearer {}", tokens[d]))],
            Some(rest.join("\n").as_bytes()),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let out: Vec<Value> = r
            .body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), rest.len());
        for (k, v) in out.iter().enumerate() {
            assert_eq!(v["status"], "accepted", "{name}: device {d}: {v}");
            if k > 0 {
                assert_eq!(v["replayed"], false, "{name}: never sent before: {v}");
            }
        }
    }
    server.kill();
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_samples WHERE round_id = $1",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(
        n as usize,
        people.len(),
        "{name}: one swab per person, retries included"
    );
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_tubes WHERE round_id = $1 AND n = 5 AND closed_ms IS NOT NULL",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(
        n as usize,
        DEVICES * TUBES,
        "{name}: every tube full and closed"
    );
    let c = check_coverage(db, &round, "431102").await;
    assert_eq!(c.sampled as usize, people.len(), "{name}");
    let _ = std::fs::remove_file(&server.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_samples_survive_kill_9_and_retries_are_idempotent() {
    for t in backends().await {
        crash_and_recover(&t.db, &t.url, t.name).await;
    }
}
