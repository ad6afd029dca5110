//! The sampling writer alone, without HTTP: batches applied straight through `Ingest::apply`,
//! the floor the HTTP figures are compared with.

use super::*;

/// The sampling writer without HTTP: `ingest::apply` called from this process with batches
/// of one-operation submissions, one from each collector in turn (as the writer task groups
/// them), timed. On SQLite also with `synchronous = OFF`, which takes the fsyncs out.
pub(super) async fn direct_apply(
    ctx: &Ctx,
    db: &Db,
    site_communities: &[String],
    cols: &[Collector],
    people: &[Arc<Vec<Person>>],
) {
    use wardline::testing::ingest::{self, Op, Status, Submission};
    let (b, n) = (ctx.backend, ctx.scale);
    let (round_id, sites) = new_round(db, "bench direct", site_communities, cols).await;
    let round = testing::round_by_id(db, round_id).await.unwrap().unwrap();
    let mut readers = Vec::new();
    for c in cols {
        readers.push(access::authenticate(db, &c.token).await.unwrap());
    }
    let mut scripts = scripts(round_id, &sites, cols, people, "d");
    let mut variants = vec![(10usize, "FULL"), (100, "FULL"), (1000, "FULL")];
    if b == Backend::Sqlite {
        variants.push((100, "OFF"));
    }
    let mut k = 0;
    for (batch, sync) in variants {
        db.writer_pragma(&format!("PRAGMA synchronous = {sync}"))
            .await
            .unwrap();
        let until = Instant::now() + Duration::from_secs(5);
        let (mut ops, mut accepted, mut busy) = (0usize, 0usize, 0.0f64);
        let mut per_batch = Vec::new();
        // This process does nothing else now: its CPU time is the writer's (and the building
        // of the submissions, a few µs each).
        let cpu0 = cpu_of("self");
        let pg0 = pg_cpu(db).await;
        'run: while Instant::now() < until {
            let mut subs = Vec::with_capacity(batch);
            for _ in 0..batch {
                let i = k % scripts.len();
                k += 1;
                let Some((_, body)) = scripts[i].next_body() else {
                    break 'run;
                };
                let op: Op = serde_json::from_str(&body).unwrap();
                subs.push(Submission {
                    reader: readers[i].clone(),
                    round: round.clone(),
                    ops: vec![op],
                    offline: false,
                });
            }
            let refs: Vec<&Submission> = subs.iter().collect();
            let (out, ms) = timed(ingest::apply(db, &refs)).await;
            busy += ms;
            per_batch.push(ms);
            ops += subs.len();
            accepted += out
                .unwrap()
                .iter()
                .flatten()
                .filter(|o| o.status == Status::Accepted && o.code == "added")
                .count();
        }
        let cpu = cpu_of("self") - cpu0;
        let pg = pg_cpu(db).await - pg0;
        if ops == 0 {
            continue;
        }
        if b == Backend::Postgres {
            emit(
                BENCH,
                b,
                n,
                &format!("direct_apply_batch{batch}_pg_cpu_us_per_op"),
                pg * 1e6 / ops as f64,
                "us",
            );
        }
        let tag = format!("direct_apply_batch{batch}_sync_{}", sync.to_lowercase());
        emit(
            BENCH,
            b,
            n,
            &format!("{tag}_us_per_op"),
            busy * 1000.0 / ops as f64,
            "us",
        );
        emit(
            BENCH,
            b,
            n,
            &format!("{tag}_cpu_us_per_op"),
            cpu * 1e6 / ops as f64,
            "us",
        );
        emit(
            BENCH,
            b,
            n,
            &format!("{tag}_ms_per_batch_p50"),
            percentile(&mut per_batch, 0.5),
            "ms",
        );
        emit(
            BENCH,
            b,
            n,
            &format!("{tag}_samples_per_second"),
            accepted as f64 * 1000.0 / busy,
            "samples/s",
        );
        eprintln!(
            "  direct apply, batches of {batch}, synchronous={sync}: {:.0} µs/op ({:.0} µs CPU), {:.1} ms/batch, {:.0} samples/s",
            busy * 1000.0 / ops as f64,
            cpu * 1e6 / ops as f64,
            percentile(&mut per_batch, 0.5),
            accepted as f64 * 1000.0 / busy
        );
    }
    db.writer_pragma("PRAGMA synchronous = FULL").await.unwrap();
}

// ---------------------------------------------------------------------------------------------
