//! Overload: when the sampling writer is past its capacity (here: held by another
//! transaction, so its batch is older than the longest wait it takes on), new submissions are
//! shed at once with 503, Retry-After and a clear message in the device's language, instead of
//! queueing without bound; what was taken before is applied once the writer moves again, and
//! the shed operations sent again (same client ids) are applied once each.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wardline::access;
use wardline::args;
use wardline::db::{now_ms, Backend, Db, Tx};

use crate::common::{backends, demo_under, request, serve, Resp};
use crate::testing::{reader, round_over, site};

async fn post(addr: std::net::SocketAddr, path: &str, token: &str, lang: &str, op: &Value) -> Resp {
    let auth = format!("Bearer {token}");
    request(
        addr,
        "POST",
        path,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
            ("Accept-Language", lang),
        ],
        Some(op.to_string().as_bytes()),
    )
    .await
}

/// Hold the database so the sampling writer blocks in its next batch: SQLite, by holding the
/// one write connection; PostgreSQL, by locking the replies table the writer reads first.
async fn hold_writer(db: &Db) -> Tx {
    let mut tx = db.begin().await.unwrap();
    if db.backend() == Backend::Postgres {
        tx.execute(
            "LOCK TABLE test_submissions IN ACCESS EXCLUSIVE MODE",
            vec![],
        )
        .await
        .unwrap();
    }
    tx
}

#[tokio::test]
async fn a_burst_past_capacity_is_shed_at_once_and_nothing_taken_is_lost() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 400, 5, "431102001").await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 10, now - 3_600_000, now + 3_600_000).await;
        let community: String = db
            .query_one(
                "SELECT path FROM areas WHERE level = 5 AND path >= '431102001' ORDER BY path",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        reader(db, "col", "collector", &community).await;
        site(db, &hq, &round, &community, &["col"]).await;
        let token = access::create_token(db, "col", "device").await.unwrap();
        let addr = serve(db).await;
        let path = format!("/api/v1/testing/rounds/{}/ops", round.id);
        let docs: Vec<String> = db
            .query(
                "SELECT doc_number FROM residents WHERE path >= $1 AND path < $2 \
                 AND doc_type = 'id_card' ORDER BY id LIMIT 24",
                args![community.clone(), wardline::db::path_end(&community)],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect();
        assert_eq!(docs.len(), 24, "{name}: people in the community");
        let tube = |i: usize| format!("T{}", i / 8);
        let add = |i: usize| json!({"client_id": format!("add-{i}"), "tube": tube(i), "op": "add", "doc": {"number": docs[i]}});
        for k in 0..3 {
            let op =
                json!({"client_id": format!("open-{k}"), "tube": format!("T{k}"), "op": "open"});
            let r = post(addr, &path, &token, "en", &op).await;
            assert_eq!(r.status, 200, "{name}: {}", r.body);
        }

        // The writer stops moving; four adds are taken (the queue was short then) and wait.
        let hold = hold_writer(db).await;
        let mut taken = Vec::new();
        for i in 0..4 {
            let op = add(i);
            let p = path.clone();
            let tk = token.clone();
            taken.push(tokio::spawn(
                async move { post(addr, &p, &tk, "en", &op).await },
            ));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Longer than the writer is allowed to lag: the next ones are shed at once.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let mut burst = Vec::new();
        for i in 4..24 {
            let op = add(i);
            let p = path.clone();
            let tk = token.clone();
            let lang = if i % 2 == 0 { "zh-CN" } else { "en" };
            burst.push(tokio::spawn(async move {
                let t = Instant::now();
                let r = post(addr, &p, &tk, lang, &op).await;
                (i, lang, r, t.elapsed())
            }));
        }
        let mut shed = Vec::new();
        for b in burst {
            let (i, lang, r, took) = b.await.unwrap();
            assert_eq!(r.status, 503, "{name}: add {i}: {}", r.body);
            assert!(
                took < Duration::from_secs(2),
                "{name}: add {i} was shed after {took:?}"
            );
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["error"]["code"], "busy", "{name}: {v}");
            let msg = v["error"]["message"].as_str().unwrap();
            if lang == "zh-CN" {
                assert!(msg.contains("未保存"), "{name}: {msg}");
            } else {
                assert!(msg.contains("nothing was saved"), "{name}: {msg}");
            }
            let after: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=30).contains(&after), "{name}: Retry-After {after}");
            shed.push(i);
        }
        assert_eq!(shed.len(), 20, "{name}");

        // The writer moves again: what was taken is applied.
        hold.commit().await.unwrap();
        for t in taken {
            let r = t.await.unwrap();
            assert_eq!(r.status, 200, "{name}: {}", r.body);
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["status"], "accepted", "{name}: {v}");
        }
        // The device sends the shed ones again (and one taken before, as a retry after a lost
        // answer): each applied once.
        for i in shed.into_iter().chain([0]) {
            let r = post(addr, &path, &token, "en", &add(i)).await;
            assert_eq!(r.status, 200, "{name}: add {i}: {}", r.body);
        }
        let samples = db
            .query_one(
                "SELECT COUNT(*), COUNT(DISTINCT resident_id) FROM test_samples WHERE round_id = $1",
                args![round.id],
            )
            .await
            .unwrap();
        assert_eq!((samples.int(0), samples.int(1)), (24, 24), "{name}");
        let persons = db
            .query_one(
                "SELECT COUNT(*) FROM test_persons WHERE round_id = $1",
                args![round.id],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(persons, 24, "{name}");
    }
}
