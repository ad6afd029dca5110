//! Backup and restore: `wardline backup` of a database with real records, restored into a
//! fresh database, gives every table back row for row, and the audit chain verifies there.
//! SQLite's backup is taken while a writer keeps going and is a consistent snapshot.

use serde_json::json;
use wardline::audit::{self, record_now, start_keyed, verify, Actor, Event, Verdict};
use wardline::db::{Backend, Db, Value};

use crate::audit_anchor::KEY;
use crate::common::{admin_exec, backends, demo, demo_under, postgres_url, with_dbname};

pub async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    db.query(sql, vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.string(0))
        .collect()
}

/// Every row of `table`, in a fixed order.
pub async fn dump(db: &Db, table: &str) -> Vec<Vec<Value>> {
    let mut rows: Vec<Vec<Value>> = db
        .query(&format!("SELECT * FROM {table}"), vec![])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.values().to_vec())
        .collect();
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

/// A demo community with accounts, a testing round with samples and results, volunteers, a
/// roster and needs in every state; the audit chain keyed.
pub async fn populated(db: &Db) {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    demo_under(db, 1_500, 3, wardline::cli::DEMO_COMMUNITY).await;
    start_keyed(db, &KEY).await.unwrap();
    wardline::cli::create_demo_accounts(db).await.unwrap();
    assert!(wardline::cli::create_demo_round(db)
        .await
        .unwrap()
        .is_some());
    assert!(wardline::cli::create_demo_mobilization(db)
        .await
        .unwrap()
        .is_some());
    assert!(wardline::needs::demo::create(db).await.unwrap().is_some());
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "wl_backup_{tag}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pg_tools() -> bool {
    let ok = wardline::db::backup::pg_tools_available();
    if !ok && std::env::var("WARDLINE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("pg_dump/pg_restore not found, and WARDLINE_REQUIRE_POSTGRES=1");
    }
    ok
}

/// A fresh target for a restore: a SQLite path that does not exist yet, or a new, empty
/// PostgreSQL database (dropped by the returned guard's caller).
async fn fresh_target(kind: &str, dir: &std::path::Path) -> (String, Option<String>) {
    match kind {
        "sqlite" => (
            format!("sqlite://{}", dir.join("restored.db").display()),
            None,
        ),
        _ => {
            let admin = postgres_url().unwrap();
            let name = format!(
                "wl_restore_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            admin_exec(&admin, &format!("CREATE DATABASE {name}")).await;
            (with_dbname(&admin, &name), Some(name))
        }
    }
}

async fn drop_target(name: Option<String>) {
    if let Some(name) = name {
        admin_exec(
            &postgres_url().unwrap(),
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_backup_restores_into_a_fresh_database_table_for_table() {
    for t in backends().await {
        if t.name == "postgres" && !pg_tools() {
            eprintln!("skipping the PostgreSQL half: pg_dump/pg_restore not found");
            continue;
        }
        let db = &t.db;
        // Real records in most tables: a city, accounts, a testing round with samples and
        // results, volunteers and a roster, needs in every state; the audit chain keyed.
        populated(db).await;
        let dir = temp_dir(t.name);
        let file = dir.join("wardline.backup");
        let bytes = wardline::cli::backup(db, &t.url, &file, &Actor::cli())
            .await
            .unwrap();
        assert!(bytes > 0, "{}", t.name);
        assert!(!dir.join("wardline.backup.partial").exists());
        let n = match verify(db).await.unwrap() {
            Verdict::Intact { entries } => entries,
            v => panic!("{}: source chain {v:?}", t.name),
        };

        let (url, pg_name) = fresh_target(t.name, &dir).await;
        wardline::db::backup::restore(&url, &file).await.unwrap();
        let restored = Db::connect(&url).await.unwrap();
        assert!(
            restored.migrate().await.unwrap().is_empty(),
            "{}: the restored schema is current",
            t.name
        );
        let names = tables(db).await;
        assert_eq!(names, tables(&restored).await, "{}", t.name);
        assert!(names.len() >= 40, "{}: {names:?}", t.name);
        let mut rows = 0;
        for table in &names {
            let (a, b) = (dump(db, table).await, dump(&restored, table).await);
            assert_eq!(a.len(), b.len(), "{}: rows of {table}", t.name);
            assert!(a == b, "{}: contents of {table} differ", t.name);
            rows += a.len();
        }
        assert!(rows > 3000, "{}: {rows} rows compared", t.name);
        // The chain verifies in the restored database, with the key (kept apart from both).
        audit::use_key(&restored, &KEY).await.unwrap();
        assert_eq!(
            verify(&restored).await.unwrap(),
            Verdict::Intact { entries: n },
            "{}",
            t.name
        );
        // The backup was recorded in the log it contains.
        let r = restored
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'backup'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(r.int(0), 1, "{}", t.name);

        // A restore never overwrites a database that has data.
        drop(restored);
        let err = wardline::db::backup::restore(&url, &file)
            .await
            .unwrap_err();
        assert!(format!("{err}").contains("fresh"), "{}: {err}", t.name);
        drop_target(pg_name).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The SQLite backup runs while a writer keeps appending to the audit log: the copy is one
/// consistent snapshot (its chain verifies up to its own head), and the writer was not stopped.
#[tokio::test]
async fn a_sqlite_backup_taken_while_writing_is_consistent() {
    let t = backends().await.remove(0);
    let db = t.db.clone();
    demo(&db, 600, 3).await;
    start_keyed(&db, &KEY).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                record_now(
                    &db,
                    &Actor::cli(),
                    Event::new("update", "household", n).detail(json!({"n": n})),
                )
                .await
                .unwrap();
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let dir = temp_dir("online");
    let file = dir.join("online.backup");
    let mut backups = 0;
    for i in 0..3 {
        let f = dir.join(format!("online-{i}.backup"));
        wardline::cli::backup(&db, &t.url, &f, &Actor::cli())
            .await
            .unwrap();
        std::fs::rename(&f, &file).unwrap();
        backups += 1;
        let url = format!("sqlite://{}", dir.join(format!("r{i}.db")).display());
        wardline::db::backup::restore(&url, &file).await.unwrap();
        let restored = Db::connect(&url).await.unwrap();
        audit::use_key(&restored, &KEY).await.unwrap();
        match verify(&restored).await.unwrap() {
            Verdict::Intact { entries } => assert!(entries > 1),
            v => panic!("backup {i} taken while writing: {v:?}"),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0 && backups == 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A SQLite restore refuses a path that holds another database or its leftover journal (the
/// old WAL would be replayed onto the restored file), and restores into an empty file.
#[tokio::test]
async fn a_sqlite_restore_refuses_a_used_path_and_a_leftover_journal() {
    let t = backends().await.remove(0);
    let dir = temp_dir("sqlite-guard");
    let file = dir.join("wardline.backup");
    wardline::cli::backup(&t.db, &t.url, &file, &Actor::cli())
        .await
        .unwrap();
    let target = dir.join("target.db");
    let url = format!("sqlite://{}", target.display());
    std::fs::write(&target, b"not empty").unwrap();
    let e = wardline::db::backup::restore(&url, &file)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not empty"), "{e}");
    std::fs::write(&target, b"").unwrap();
    std::fs::write(dir.join("target.db-wal"), b"old journal").unwrap();
    let e = wardline::db::backup::restore(&url, &file)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("target.db-wal"), "{e}");
    std::fs::remove_file(dir.join("target.db-wal")).unwrap();
    wardline::db::backup::restore(&url, &file).await.unwrap();
    let restored = Db::connect(&url).await.unwrap();
    let n = restored
        .query_one("SELECT COUNT(*) FROM audit_log", vec![])
        .await
        .unwrap()
        .int(0);
    assert!(n > 0, "the restored database has the source's audit log");
}
