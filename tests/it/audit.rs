//! The audit chain: intact after real writes, reveals and sign-ins; a changed, removed or
//! truncated entry is named by `audit::verify` and by `wardline audit verify`.

use wardline::args;
use wardline::audit::{verify, Verdict};
use wardline::cli::DEMO_PASSWORD;
use wardline::db::{path_end, Db};

use crate::common::{backends, demo, exec, login, post_form, serve};

/// Some real traffic: sign-ins, an edit and a reveal.
async fn some_writes(db: &Db) {
    demo(db, 600, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    let addr = serve(db).await;
    let b = login(addr, "demo-community", DEMO_PASSWORD).await;
    let r = db
        .query_one(
            "SELECT id, household_id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 1",
            args!["431102001001", path_end("431102001001")],
        )
        .await
        .unwrap();
    let (rid, hid) = (r.int(0), r.int(1));
    let resp = post_form(
        addr,
        &format!("/households/{hid}/edit"),
        &b.cookie,
        &[
            ("csrf", &b.csrf),
            ("address", "审计测试地址 1 号"),
            ("kind", "home"),
        ],
    )
    .await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    let resp = post_form(
        addr,
        &format!("/residents/{rid}/reveal"),
        &b.cookie,
        &[("csrf", &b.csrf), ("reason", "checking the audit chain")],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
}

async fn entries(db: &Db) -> i64 {
    match verify(db).await.unwrap() {
        Verdict::Intact { entries } => entries,
        v => panic!("not intact: {v:?}"),
    }
}

async fn broken_at(db: &Db) -> (i64, String) {
    match verify(db).await.unwrap() {
        Verdict::Broken { seq, reason } => (seq, reason),
        v => panic!("tampering not seen: {v:?}"),
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_named() {
    for t in backends().await {
        let db = &t.db;
        some_writes(db).await;
        let n = entries(db).await;
        assert!(n >= 11, "{}: accounts, sign-in, edit, reveal: {n}", t.name);
        let reveal_seq = db
            .query_one("SELECT seq FROM audit_log WHERE action = 'reveal'", vec![])
            .await
            .unwrap()
            .int(0);

        // Change one row: the reason of the reveal.
        let detail = db
            .query_one(
                "SELECT detail FROM audit_log WHERE seq = $1",
                args![reveal_seq],
            )
            .await
            .unwrap()
            .string(0);
        exec(
            db,
            "UPDATE audit_log SET detail = $1 WHERE seq = $2",
            args![detail.replace("checking", "innocent"), reveal_seq],
        )
        .await;
        let (seq, reason) = broken_at(db).await;
        assert_eq!(seq, reveal_seq, "{}: {reason}", t.name);
        assert!(reason.contains("changed"), "{reason}");
        // Put it back: intact again.
        exec(
            db,
            "UPDATE audit_log SET detail = $1 WHERE seq = $2",
            args![detail.as_str(), reveal_seq],
        )
        .await;
        assert_eq!(entries(db).await, n);

        // Changing who did it is seen as well.
        let who = db
            .query_one("SELECT username FROM audit_log WHERE seq = 2", vec![])
            .await
            .unwrap()
            .string(0);
        exec(
            db,
            "UPDATE audit_log SET username = 'someone-else' WHERE seq = 2",
            vec![],
        )
        .await;
        assert_eq!(broken_at(db).await.0, 2);
        exec(
            db,
            "UPDATE audit_log SET username = $1 WHERE seq = 2",
            args![who.as_str()],
        )
        .await;
        assert_eq!(entries(db).await, n);

        // Remove a row in the middle: named as missing.
        let middle = n / 2;
        exec(db, "DELETE FROM audit_log WHERE seq = $1", args![middle]).await;
        let (seq, reason) = broken_at(db).await;
        assert_eq!(seq, middle, "{reason}");
        assert!(reason.contains("missing"), "{reason}");
    }
}

#[tokio::test]
async fn removing_the_last_entries_is_seen() {
    for t in backends().await {
        let db = &t.db;
        some_writes(db).await;
        let n = entries(db).await;
        exec(db, "DELETE FROM audit_log WHERE seq = $1", args![n]).await;
        let (seq, reason) = broken_at(db).await;
        assert_eq!(seq, n, "{}: {reason}", t.name);
    }
}

fn cli_verify(url: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wardline"))
        .args(["--database-url", url, "audit", "verify"])
        .env("WARDLINE_LANG", "en")
        .env_remove("WARDLINE_CONFIG")
        .output()
        .expect("run wardline")
}

#[tokio::test]
async fn the_cli_audit_verify_exits_non_zero_and_names_the_entry() {
    let t = backends().await.remove(0);
    assert_eq!(t.name, "sqlite");
    let db = &t.db;
    some_writes(db).await;
    let n = entries(db).await;
    let out = cli_verify(&t.url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("{n} entries")), "{stdout}");

    exec(
        db,
        "UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = 5",
        vec![],
    )
    .await;
    let out = cli_verify(&t.url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "tampered log passed: {stderr}");
    assert!(stderr.contains("entry 5"), "{stderr}");
    assert!(stderr.contains("TAMPERED"), "{stderr}");
}
