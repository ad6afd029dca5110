//! The `testing-cluster` bench (issue 20, PostgreSQL only): three `wardline serve` nodes on
//! one PostgreSQL behind nginx (`scripts/cluster.sh nginx`, Debian's nginx), the sampling load
//! of the ingest bench sent through nginx.
//!
//! 1. A closed loop through nginx with 1, 2 and 3 nodes behind it, the collectors on three
//!    rounds (a third each, as a city's districts would be): samples/s and latency of each;
//!    then three nodes with every collector on one round (nginx sends a round's sampling to
//!    one node). On one machine the nodes share its cores with PostgreSQL, nginx and the load
//!    generator, so this shows what nodes cost or add on one machine (the round lock, the
//!    audit head, nginx), not what more machines would carry.
//! 2. An open loop at `WARDLINE_BENCH_CLUSTER_RATE` samples/s (default 1,000) through the three
//!    nodes, three rounds, five devices per collector; half-way the busiest node is killed
//!    (`kill -9`). nginx passes what failed on it to the other nodes (the writes carry client
//!    ids, so a second delivery is a replay). Reported: samples acknowledged and rows found
//!    (every acknowledged sample must be a row), the requests that failed or were shed, the
//!    throughput and latency over the phase.
//!
//! Knobs: `WARDLINE_BENCH_SECS` (default 15), `WARDLINE_BENCH_CONNS` (default 100),
//! `WARDLINE_BENCH_CLUSTER_RATE`.

use super::*;

const CLUSTER: &str = "testing-cluster";

fn cluster_sh(args: &[String]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cluster.sh");
    let out = std::process::Command::new(script)
        .args(args)
        .output()
        .expect("scripts/cluster.sh");
    assert!(
        out.status.success(),
        "scripts/cluster.sh {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// nginx on `port` in front of `nodes` (restarted with that list).
fn nginx(state: &std::path::Path, port: u16, nodes: &[u16]) {
    let mut args = vec![
        "nginx".to_string(),
        state.display().to_string(),
        port.to_string(),
    ];
    args.extend(nodes.iter().map(|p| p.to_string()));
    cluster_sh(&args);
}

fn stop_nginx(state: &std::path::Path) {
    if let Ok(pid) = std::fs::read_to_string(state.join("nginx/nginx.pid")) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
}

/// Scripts for every collector (`per_col` devices each), collector i on round i mod 3 of three
/// new rounds.
async fn three_rounds(
    db: &Db,
    site_communities: &[String],
    cols: &[Collector],
    people: &[Arc<Vec<Person>>],
    rounds: &mut Vec<i64>,
    tag: &str,
    per_col: usize,
) -> Vec<Script> {
    let mut per_round = Vec::new();
    for r in 0..3 {
        let (round, sites) =
            new_round(db, &format!("cluster {tag} {r}"), site_communities, cols).await;
        rounds.push(round);
        let all = devices(
            round,
            &sites,
            cols,
            people,
            &format!("{tag}r{r}"),
            per_col,
            false,
        );
        per_round.push(all.into_iter());
    }
    // `devices` lists collector i's devices together: take each collector's from its round.
    let mut out = Vec::with_capacity(cols.len() * per_col);
    for i in 0..cols.len() {
        for (r, it) in per_round.iter_mut().enumerate() {
            for _ in 0..per_col {
                let d = it.next().unwrap();
                if r == i % 3 {
                    out.push(d);
                }
            }
        }
    }
    out
}

pub async fn testing_cluster(ctx: &Ctx) {
    let (b, n) = (ctx.backend, ctx.scale);
    if b != Backend::Postgres {
        eprintln!("  testing-cluster runs on PostgreSQL only (--backend postgres)");
        return;
    }
    let secs = env_num("WARDLINE_BENCH_SECS", 15.0);
    let rate = env_num("WARDLINE_BENCH_CLUSTER_RATE", 1000.0);
    let conns = env_num("WARDLINE_BENCH_CONNS", 100.0) as usize;
    let need = (secs + WARMUP_SECS + 1.0) * 4.0 * 4000.0;
    let Setup {
        db,
        url,
        site_communities,
        people,
        cols,
    } = setup(ctx, CLUSTER, conns, 50, need).await;
    let state = ctx.work.join("cluster-nginx");
    let _ = std::fs::remove_dir_all(&state);
    let nport = free_port();
    let servers: Vec<Server> = (0..3).map(|_| start_server(CLUSTER, ctx, &url)).collect();
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let mut rounds = Vec::new();
    let mut acked = 0u64;

    // 1. 1, 2 and 3 nodes behind nginx, closed loop, the collectors on three rounds (a city's
    //    districts); then three nodes with every collector on one round.
    let mut per_nodes = Vec::new();
    for k in 1..=3 {
        nginx(&state, nport, &ports[..k]);
        let tag = format!("n{k}");
        let scripts =
            three_rounds(&db, &site_communities, &cols, &people, &mut rounds, &tag, 1).await;
        let (st, _) = drive(nport, scripts, Pace::Closed, secs).await;
        acked += st.accepted_total;
        report_phase(
            CLUSTER,
            ctx,
            &format!("closed_{k}_nodes_3_rounds"),
            &st,
            secs,
        );
        per_nodes.push(st.accepted_window as f64 / secs);
    }
    emit(
        CLUSTER,
        b,
        n,
        "closed_3_to_1_nodes_ratio",
        per_nodes[2] / per_nodes[0].max(1e-9),
        "x",
    );
    let (round, sites) = new_round(&db, "cluster one round", &site_communities, &cols).await;
    rounds.push(round);
    let (st, _) = drive(
        nport,
        scripts(round, &sites, &cols, &people, "o"),
        Pace::Closed,
        secs,
    )
    .await;
    acked += st.accepted_total;
    report_phase(CLUSTER, ctx, "closed_3_nodes_1_round", &st, secs);

    // 2. Three nodes, open loop, one killed in the middle.
    let kill_scripts =
        three_rounds(&db, &site_communities, &cols, &people, &mut rounds, "k", 5).await;
    // The node killed is the one that has worked most since the phase began (so it surely
    // had sampling in flight).
    let pids: Vec<String> = servers.iter().map(|s| s.pid.to_string()).collect();
    let kill = tokio::spawn(async move {
        let cpu0: Vec<f64> = pids.iter().map(|p| cpu_of(p)).collect();
        tokio::time::sleep(Duration::from_secs_f64(WARMUP_SECS + secs / 2.0)).await;
        let busiest = (0..pids.len())
            .max_by(|&a, &b| (cpu_of(&pids[a]) - cpu0[a]).total_cmp(&(cpu_of(&pids[b]) - cpu0[b])))
            .unwrap();
        let _ = std::process::Command::new("kill")
            .args(["-9", &pids[busiest]])
            .status();
        eprintln!(
            "  node {} (pid {}) killed (kill -9)",
            busiest + 1,
            pids[busiest]
        );
    });
    let (st, _) = drive(nport, kill_scripts, Pace::Rate(rate), secs).await;
    kill.await.unwrap();
    acked += st.accepted_total;
    emit(
        CLUSTER,
        b,
        n,
        "kill_offered_samples_per_second",
        rate,
        "samples/s",
    );
    report_phase(CLUSTER, ctx, "kill", &st, secs);
    stop_nginx(&state);
    for s in servers {
        s.stop();
    }

    // Every acknowledged sample is a row (a sample applied on the killed node whose answer
    // never arrived is a row without an acknowledgement, and is counted apart).
    let found = sample_rows(&db, &rounds).await;
    emit(
        CLUSTER,
        b,
        n,
        "acknowledged_samples",
        acked as f64,
        "samples",
    );
    emit(CLUSTER, b, n, "samples_found", found as f64, "rows");
    emit(
        CLUSTER,
        b,
        n,
        "acknowledged_lost",
        acked.saturating_sub(found as u64) as f64,
        "samples",
    );
    emit(
        CLUSTER,
        b,
        n,
        "verified",
        (found as u64 >= acked) as u8 as f64,
        "bool",
    );
    eprintln!("  acknowledged {acked}, found {found}");
}
