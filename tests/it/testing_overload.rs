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

pub async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    lang: &str,
    op: &Value,
) -> Resp {
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

/// A sampling day in `community`: a round over the district open now, a collector "col" on a
/// site there with a device token, the ops route, and the ID numbers of `people` residents
/// of the community.
pub struct SamplingDay {
    pub round: wardline::testing::Round,
    pub token: String,
    pub path: String,
    pub docs: Vec<String>,
}

pub async fn sampling_day(db: &Db, community: &str, people: usize) -> SamplingDay {
    let hq = reader(db, "hq", "hq", "431102").await;
    let now = now_ms();
    let round = round_over(db, &hq, "431102", 10, now - 3_600_000, now + 3_600_000).await;
    reader(db, "col", "collector", community).await;
    site(db, &hq, &round, community, &["col"]).await;
    let token = access::create_token(db, "col", "device").await.unwrap();
    let path = format!("/api/v1/testing/rounds/{}/ops", round.id);
    let docs: Vec<String> = db
        .query(
            "SELECT doc_number FROM residents WHERE path >= $1 AND path < $2 \
             AND doc_type = 'id_card' ORDER BY id LIMIT $3",
            args![community, wardline::db::path_end(community), people as i64],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect();
    assert_eq!(docs.len(), people, "people in the community");
    SamplingDay {
        round,
        token,
        path,
        docs,
    }
}

/// The first community under the demo street 431102001.
pub async fn first_community(db: &Db) -> String {
    db.query_one(
        "SELECT path FROM areas WHERE level = 5 AND path >= '431102001' ORDER BY path",
        vec![],
    )
    .await
    .unwrap()
    .string(0)
}

/// A round's samples, the distinct people they are of, and the people the round counts.
pub async fn samples_and_people(db: &Db, round: i64) -> (i64, i64, i64) {
    let r = db
        .query_one(
            "SELECT COUNT(*), COUNT(DISTINCT resident_id), \
             (SELECT COUNT(*) FROM test_persons WHERE round_id = $1) \
             FROM test_samples WHERE round_id = $1",
            args![round],
        )
        .await
        .unwrap();
    (r.int(0), r.int(1), r.int(2))
}

/// Open tubes T0…T{n-1} on the ops route, each answered 200.
pub async fn open_tubes(addr: std::net::SocketAddr, path: &str, token: &str, n: usize) {
    for k in 0..n {
        let op = json!({"client_id": format!("open-{k}"), "tube": format!("T{k}"), "op": "open"});
        let r = post(addr, path, token, "en", &op).await;
        assert_eq!(r.status, 200, "open T{k}: {}", r.body);
    }
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
        let community = first_community(db).await;
        let SamplingDay {
            round,
            token,
            path,
            docs,
        } = sampling_day(db, &community, 24).await;
        let addr = serve(db).await;
        let tube = |i: usize| format!("T{}", i / 8);
        let add = |i: usize| json!({"client_id": format!("add-{i}"), "tube": tube(i), "op": "add", "doc": {"number": docs[i]}});
        open_tubes(addr, &path, &token, 3).await;

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
        let (samples, people, persons) = samples_and_people(db, round.id).await;
        assert_eq!((samples, people), (24, 24), "{name}");
        assert_eq!(persons, 24, "{name}");
    }
}

/// The gate in front of the sampling handlers: with the writer held, a crowd of devices
/// sending at once is answered at once — at most `max_in_flight` requests are let in to wait
/// for the writer, every other one is refused 503 Busy with Retry-After within moments (not
/// after waiting in a connection); what was let in is applied when the writer moves, and
/// every refused operation sent again is applied exactly once.
#[tokio::test]
async fn a_crowd_is_refused_at_the_gate_and_nothing_is_lost() {
    const CROWD: usize = 400;
    let cap = wardline::testing::ingest::Capacity::default().max_in_flight;
    assert!(cap < CROWD);
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 6000, 7, "431102001").await;
        let community = first_community(db).await;
        let SamplingDay {
            round,
            token,
            path,
            docs,
        } = sampling_day(db, &community, CROWD).await;
        let addr = serve(db).await;
        let docs = std::sync::Arc::new(docs);
        let add = {
            let docs = docs.clone();
            move |i: usize| json!({"client_id": format!("add-{i}"), "tube": format!("T{}", i / 10), "op": "add", "doc": {"number": docs[i]}})
        };
        open_tubes(addr, &path, &token, CROWD / 10).await;

        // The writer stops; the crowd arrives at once.
        let hold = hold_writer(db).await;
        let mut crowd = Vec::new();
        for i in 0..CROWD {
            let op = add(i);
            let p = path.clone();
            let tk = token.clone();
            crowd.push(tokio::spawn(async move {
                let t = Instant::now();
                let r = post(addr, &p, &tk, "zh-CN", &op).await;
                (i, r, t.elapsed())
            }));
        }
        // Those refused are answered while the writer is still held.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (answered, waiting): (Vec<_>, Vec<_>) =
            crowd.into_iter().partition(|h| h.is_finished());
        assert!(
            waiting.len() <= cap,
            "{name}: {} requests waited for the writer, more than the gate lets in ({cap})",
            waiting.len()
        );
        assert!(
            answered.len() >= CROWD - cap,
            "{name}: only {} of {CROWD} answered while the writer was held",
            answered.len()
        );
        let mut shed = Vec::new();
        for h in answered {
            let (i, r, took) = h.await.unwrap();
            assert_eq!(r.status, 503, "{name}: add {i}: {}", r.body);
            assert!(
                took < Duration::from_secs(2),
                "{name}: add {i} was refused after {took:?}"
            );
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["error"]["code"], "busy", "{name}: {v}");
            assert!(
                v["error"]["message"].as_str().unwrap().contains("未保存"),
                "{name}: {v}"
            );
            assert!(r.header("retry-after").is_some(), "{name}: no Retry-After");
            shed.push(i);
        }

        // The writer moves: what was let in is applied.
        hold.commit().await.unwrap();
        for h in waiting {
            let (i, r, _) = h.await.unwrap();
            assert_eq!(r.status, 200, "{name}: add {i}: {}", r.body);
        }
        // The refused ones sent again (a few at a time, as the devices' back-off spreads
        // them), and one let in before, as a retry after a lost answer: each applied once.
        for chunk in shed.chunks(16).map(<[usize]>::to_vec) {
            let mut sent = Vec::new();
            for i in chunk.into_iter().chain([0]) {
                let op = add(i);
                let p = path.clone();
                let tk = token.clone();
                sent.push(tokio::spawn(async move {
                    // Refused again while the writer catches up: sent again, as the device.
                    for _ in 0..20 {
                        let r = post(addr, &p, &tk, "en", &op).await;
                        if r.status != 503 {
                            return (i, r);
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    (i, post(addr, &p, &tk, "en", &op).await)
                }));
            }
            for s in sent {
                let (i, r) = s.await.unwrap();
                assert_eq!(r.status, 200, "{name}: add {i} sent again: {}", r.body);
            }
        }
        let (samples, people, _) = samples_and_people(db, round.id).await;
        assert_eq!((samples, people), (CROWD as i64, CROWD as i64), "{name}");
    }
}
