//! Several app nodes on one PostgreSQL: two routers, each with its own pool and its own
//! sampling writer, on the same database, written to at the same moment. Nothing clashes and
//! every tally is right: grids created on both nodes at once get distinct ids and paths (and
//! one grid for one name), and the same sampling operations sent to both nodes at once are
//! applied once each (a tube counts each swab once).

use std::collections::HashSet;

use serde_json::{json, Value};
use wardline::args;
use wardline::db::Db;
use wardline::registry::areas;
use wardline::registry::model::LEVEL_GRID;

use crate::common::{backends, demo_under, serve};
use crate::testing_overload::{post, samples_and_people, sampling_day, SamplingDay};

#[tokio::test]
async fn two_nodes_on_one_postgres_write_at_once_without_clash() {
    for t in backends().await {
        if t.name != "postgres" {
            continue;
        }
        let db = &t.db;
        // The second node: its own pool on the same database.
        let db2 = Db::connect(&t.url).await.unwrap();
        demo_under(db, 3000, 11, "431102001").await;
        let community: String = db
            .query_one(
                "SELECT code FROM areas WHERE level = 5 AND path >= '431102001' ORDER BY path",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        let parent = areas::by_code(db, &community).await.unwrap().unwrap();

        // Grids created on both nodes at the same moment: distinct ids and paths; the same
        // name on both nodes, one grid.
        let mut tasks = Vec::new();
        for i in 0..24 {
            let node = if i % 2 == 0 { db.clone() } else { db2.clone() };
            let parent = parent.clone();
            let name = if i < 4 {
                "共同网格".to_string()
            } else {
                format!("网格{i}")
            };
            tasks.push(tokio::spawn(async move {
                let mut tx = node.begin().await.unwrap();
                let a = areas::find_or_create_local(&mut tx, &parent, LEVEL_GRID, &name)
                    .await
                    .unwrap_or_else(|e| panic!("grid {name}: {e}"));
                tx.commit().await.unwrap();
                (name, a)
            }));
        }
        let mut made = Vec::new();
        for t in tasks {
            made.push(t.await.unwrap());
        }
        let shared: HashSet<i64> = made
            .iter()
            .filter(|(n, _)| n == "共同网格")
            .map(|(_, a)| a.id)
            .collect();
        assert_eq!(shared.len(), 1, "one grid for one name: {shared:?}");
        let grids = db
            .query_one(
                "SELECT COUNT(*), COUNT(DISTINCT path) FROM areas WHERE parent_id = $1 AND level = $2",
                args![parent.id, LEVEL_GRID],
            )
            .await
            .unwrap();
        let before = made.len() as i64 - 3; // 21 names
        assert!(grids.int(0) >= before, "grids: {}", grids.int(0));
        assert_eq!(grids.int(0), grids.int(1), "grid paths are distinct");
        let ids: HashSet<i64> = made.iter().map(|(_, a)| a.id).collect();
        assert_eq!(ids.len() as i64, before, "distinct grid ids");

        // Sampling: one collector, the same operations sent to both nodes at once.
        let SamplingDay {
            round,
            token,
            path,
            docs,
        } = sampling_day(db, &parent.path, 60).await;
        let (a1, a2) = (serve(db).await, serve(&db2).await);
        for k in 0..6 {
            let op =
                json!({"client_id": format!("open-{k}"), "tube": format!("T{k}"), "op": "open"});
            // The same open on both nodes: one tube.
            let (r1, r2) = tokio::join!(
                post(a1, &path, &token, "en", &op),
                post(a2, &path, &token, "en", &op)
            );
            assert_eq!(
                (r1.status, r2.status),
                (200, 200),
                "{} {}",
                r1.body,
                r2.body
            );
        }
        let mut sent = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let op = json!({"client_id": format!("add-{i}"), "tube": format!("T{}", i / 10), "op": "add", "doc": {"number": doc}});
            for addr in [a1, a2] {
                let (p, tk, op) = (path.clone(), token.clone(), op.clone());
                sent.push(tokio::spawn(async move {
                    let mut r = post(addr, &p, &tk, "en", &op).await;
                    while r.status == 503 {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        r = post(addr, &p, &tk, "en", &op).await;
                    }
                    (i, r)
                }));
            }
        }
        for s in sent {
            let (i, r) = s.await.unwrap();
            assert_eq!(r.status, 200, "add {i}: {}", r.body);
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["status"], "accepted", "add {i}: {v}");
        }
        let (samples, people, persons) = samples_and_people(db, round.id).await;
        assert_eq!((samples, people), (60, 60), "each swab once");
        let tubes = db
            .query(
                "SELECT t.barcode, t.n, (SELECT COUNT(*) FROM test_samples s \
                 WHERE s.round_id = t.round_id AND s.barcode = t.barcode) \
                 FROM test_tubes t WHERE t.round_id = $1 ORDER BY t.barcode",
                args![round.id],
            )
            .await
            .unwrap();
        assert_eq!(tubes.len(), 6, "tubes");
        for r in tubes.iter() {
            assert_eq!(
                (r.int(1), r.int(2)),
                (10, 10),
                "tube {}: its count and its samples",
                r.string(0)
            );
        }
        assert_eq!(persons, 60, "people sampled");
    }
}

/// The same pass-log operations sent to two nodes at the same instant (a checker's phone
/// resending through another node while the first is still writing) are logged once each, and
/// both nodes answer them as logged.
#[tokio::test]
async fn the_same_pass_log_sent_to_two_nodes_at_once_is_logged_once() {
    use crate::checkpoints::{fixture, log, person, seen};
    use wardline::checkpoints::ingest::PersonIn;
    for t in backends().await {
        if t.name != "postgres" {
            continue;
        }
        let db = &t.db;
        let db2 = Db::connect(&t.url).await.unwrap();
        let fx = fixture(db).await;
        let before: i64 = db
            .scalar("SELECT COUNT(*) FROM pass_entries", vec![])
            .await
            .unwrap();
        let (rounds, per) = (12, 4);
        for round in 0..rounds {
            let ops = || {
                (0..per)
                    .map(|i| {
                        person(
                            &format!("race-{round}-{i}"),
                            PersonIn::Code(fx.people[i].1.clone()),
                            seen("green", Some(36.5), "pass"),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let (a, b) = tokio::join!(
                log(db, &fx.va, &fx.a, ops()),
                log(&db2, &fx.va, &fx.a, ops())
            );
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.code, "logged", "node 1, round {round}: {x:?}");
                assert_eq!(y.code, "logged", "node 2, round {round}: {y:?}");
            }
        }
        let after: i64 = db
            .scalar("SELECT COUNT(*) FROM pass_entries", vec![])
            .await
            .unwrap();
        assert_eq!(
            after - before,
            (rounds * per) as i64,
            "each operation sent to both nodes is logged once"
        );
    }
}

/// A follow-up check sent through two nodes at the same moment (a phone's retry taking
/// another route) is recorded once, and both nodes answer it: one as written, one as the
/// replay, never a conflict.
#[tokio::test]
async fn the_same_check_sent_to_two_nodes_at_once_is_recorded_once() {
    use crate::quarantine::{fixture, order, T0};
    use wardline::quarantine::checks::{self, Input};
    use wardline::quarantine::day_of;
    for t in backends().await {
        if t.name != "postgres" {
            continue;
        }
        let db = &t.db;
        let db2 = Db::connect(&t.url).await.unwrap();
        let f = fixture(db).await;
        // Today's checks (morning and evening) of five people's orders.
        let mut owed = Vec::new();
        for p in f.people.iter().take(5) {
            let id = order(db, &f.o1, p.0, "7+3", day_of(T0), T0).await;
            owed.extend(checks::of_order(db, id, 40).await.unwrap());
        }
        assert!(owed.len() >= 10, "{} checks owed", owed.len());
        let actor = crate::testing::actor(&f.grid);
        for (i, c) in owed.iter().take(10).enumerate() {
            let input = Input {
                outcome: "well".into(),
                client_id: format!("race-check-{i}"),
                ..Default::default()
            };
            let (a, b) = tokio::join!(
                checks::record(db, &actor, &f.grid, c.id, &input, T0),
                checks::record(&db2, &actor, &f.grid, c.id, &input, T0)
            );
            let (a, b) = (
                a.unwrap_or_else(|e| panic!("node 1, check {i}: {e:?}")),
                b.unwrap_or_else(|e| panic!("node 2, check {i}: {e:?}")),
            );
            assert_eq!(
                [a.replayed, b.replayed].iter().filter(|r| **r).count(),
                1,
                "check {i}: one written, one replayed"
            );
        }
        let done: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM quarantine_checks WHERE client_id LIKE 'race-check-%'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(done, 10);
    }
}
