//! Storage faults during sampling: the database cannot write (SQLite's file may not grow, as
//! when the disk is full; PostgreSQL's connections are cut, as in a restart). The device is
//! told clearly (503, in its language, with Retry-After), nothing it was told was saved is
//! lost, and the server takes the same operations again by itself once storage is back.
//! (The full-disk and restart figures under load: `bench/run.sh testing-faults`.)

use serde_json::{json, Value};
use wardline::access;
use wardline::args;
use wardline::db::{now_ms, Backend, Db};
use wardline::registry::model::LEVEL_GRID;

use crate::common::{backends, demo_under, request, serve, Resp};
use crate::testing::{areas_at, reader, round_over, site};

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

/// Make the database unable to write: SQLite may not grow its file by one page more;
/// PostgreSQL loses every connection the server holds.
async fn break_storage(db: &Db) {
    match db.backend() {
        Backend::Sqlite => {
            // No free pages left to reuse: the next page needed is a new one.
            db.writer_pragma("VACUUM").await.unwrap();
            let pages = db
                .query_one("PRAGMA page_count", vec![])
                .await
                .unwrap()
                .int(0);
            db.writer_pragma(&format!("PRAGMA max_page_count = {pages}"))
                .await
                .unwrap();
        }
        Backend::Postgres => {
            db.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                vec![],
            )
            .await
            .unwrap();
        }
    }
}

/// Storage is back: SQLite's file may grow again (PostgreSQL's pool reconnects by itself).
async fn restore_storage(db: &Db) {
    db.writer_pragma("PRAGMA max_page_count = 1073741823")
        .await
        .unwrap();
}

#[tokio::test]
async fn sampling_when_storage_fails_is_refused_clearly_and_resumes_by_itself() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 400, 5, "431102001").await;
        let g = areas_at(db, LEVEL_GRID).await[0].clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        reader(db, "col", "collector", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 10, now - 3_600_000, now + 3_600_000).await;
        site(db, &hq, &round, &g, &["col"]).await;
        let token = access::create_token(db, "col", "device").await.unwrap();
        let addr = serve(db).await;
        let path = format!("/api/v1/testing/rounds/{}/ops", round.id);
        let docs: Vec<String> = db
            .query(
                "SELECT doc_number FROM residents WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 200",
                args![g.clone(), wardline::db::path_end(&g)],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect();
        assert!(docs.len() >= 8, "{name}: people in the grid");
        let open =
            |tube: &str| json!({"client_id": format!("open-{tube}"), "tube": tube, "op": "open"});
        let add = |i: usize, tube: &str| json!({"client_id": format!("add-{i}"), "tube": tube, "op": "add", "doc": {"number": docs[i]}});
        let r = post(addr, &path, &token, "en", &open("T1")).await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let mut acked = Vec::new();
        for i in 0..4 {
            let r = post(addr, &path, &token, "en", &add(i, "T1")).await;
            assert_eq!(r.status, 200, "{name}: {}", r.body);
            acked.push(i);
        }

        // Storage fails: writes go on while they fit in pages the file has, then each is
        // refused with 503, a clear message and Retry-After.
        break_storage(db).await;
        let mut refused = Vec::new();
        let mut i = 4;
        let pg = db.backend() == Backend::Postgres;
        while i < docs.len() && refused.len() < 3 && !(pg && i >= 10) {
            let lang = if refused.is_empty() { "zh-CN" } else { "en" };
            let tube = format!("T{}", 1 + i / 10);
            if i % 10 == 0 {
                let r = post(addr, &path, &token, lang, &open(&tube)).await;
                if r.status != 200 {
                    assert_eq!(r.status, 503, "{name}: {}", r.body);
                    break;
                }
            }
            let r = post(addr, &path, &token, lang, &add(i, &tube)).await;
            match r.status {
                200 => acked.push(i),
                503 => {
                    let v: Value = serde_json::from_str(&r.body).unwrap();
                    assert_eq!(v["error"]["code"], "unavailable", "{name}: {v}");
                    let msg = v["error"]["message"].as_str().unwrap();
                    if lang == "zh-CN" {
                        assert!(msg.contains("未保存"), "{name}: {msg}");
                    } else {
                        assert!(msg.contains("nothing was saved"), "{name}: {msg}");
                    }
                    assert_eq!(r.header("retry-after"), Some("30"), "{name}");
                    refused.push(i);
                    // The device keeps the item and tries the next person meanwhile.
                    if db.backend() == Backend::Postgres {
                        break;
                    }
                }
                s => panic!("{name}: {s} {}", r.body),
            }
            i += 1;
        }
        // SQLite refuses writes once the file would have to grow. PostgreSQL: the pool
        // notices the cut connections; at most one request fails, the next reconnects.
        match db.backend() {
            Backend::Sqlite => assert_eq!(refused.len(), 3, "{name}: {refused:?}"),
            Backend::Postgres => assert!(refused.len() <= 1, "{name}: {refused:?}"),
        }

        // Storage is back (the file may grow again): the device retries what was refused,
        // with the same client ids, and it is recorded once; nothing acknowledged is lost.
        restore_storage(db).await;
        for &i in &refused {
            let tube = format!("T{}", 1 + i / 10);
            let r = post(addr, &path, &token, "en", &open(&tube)).await;
            assert_eq!(r.status, 200, "{name}: open {tube}: {}", r.body);
            let r = post(addr, &path, &token, "en", &add(i, &tube)).await;
            assert_eq!(r.status, 200, "{name}: retry {i}: {}", r.body);
            acked.push(i);
        }
        // And the next person, as usual.
        let tube = format!("T{}", 1 + i / 10);
        let r = post(addr, &path, &token, "en", &open(&tube)).await;
        assert_eq!(r.status, 200, "{name}: open {tube}: {}", r.body);
        let r = post(addr, &path, &token, "en", &add(i, &tube)).await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        acked.push(i);
        let rows = db
            .query_one(
                "SELECT COUNT(*) FROM test_persons WHERE round_id = $1",
                args![round.id],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(
            rows as usize,
            acked.len(),
            "{name}: every acknowledged sample, once"
        );
        if db.backend() == Backend::Sqlite {
            let ok = db
                .query_one("PRAGMA integrity_check", vec![])
                .await
                .unwrap()
                .string(0);
            assert_eq!(ok, "ok", "{name}");
        }
    }
}

/// An import when the disk fills in the middle of writing it (SQLite: the file may not grow):
/// a clear 503-class error, nothing of the file written, and the same import goes through
/// once space returns. (PostgreSQL's disk cannot be filled from a test; its error codes 53xxx
/// map to the same error.)
#[tokio::test]
async fn an_import_that_fills_the_disk_writes_nothing_and_can_be_run_again() {
    use wardline::access::Scope;
    use wardline::audit::Actor;
    use wardline::db::DbError;
    use wardline::error::AppError;
    use wardline::registry::import::{import_file, template_header};

    let t = backends().await.remove(0);
    let db = &t.db;
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    // 600 people in 200 households: far more pages than the file has free.
    let mut csv = format!("{}\n", template_header());
    for i in 0..600 {
        let mut doc = format!(
            "4311021980{:02}{:02}{:03}",
            1 + i % 12,
            1 + i % 28,
            i % 1000
        );
        doc.push(wardline::registry::validate::check_char(doc.as_bytes()) as char);
        let rel = if i % 3 == 0 { "户主" } else { "其他" };
        csv.push_str(&format!(
            "431102001001,第一网格,{}栋,H{},东岳宫社区{}号,自住,居民{i},,{doc},,,,{rel},,,,\n",
            i / 60,
            i / 3,
            i / 3
        ));
    }
    let scope = Scope {
        roots: vec!["431102".into()],
    };
    let count = || async {
        db.query_one("SELECT COUNT(*) FROM residents", vec![])
            .await
            .unwrap()
            .int(0)
    };
    let cli = Actor::cli();
    let import = |dry_run| import_file(db, &cli, &scope, "f.csv", csv.as_bytes(), dry_run, &|_| {});
    let dry = import(true).await.unwrap();
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    break_storage(db).await;
    let before = count().await;
    let r = import(false).await;
    match r {
        Err(AppError::Db(DbError::Unavailable(m))) => assert!(m.contains("full"), "{m}"),
        other => panic!("expected the disk-full error, got {other:?}"),
    }
    assert_eq!(count().await, before, "nothing of the file is written");
    restore_storage(db).await;
    let ok = import(false).await.unwrap();
    assert!(ok.committed, "{:?}", ok.errors);
    assert_eq!(count().await, before + 600);
    let check = db
        .query_one("PRAGMA integrity_check", vec![])
        .await
        .unwrap()
        .string(0);
    assert_eq!(check, "ok");
}
