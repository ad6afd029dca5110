//! Issue 22, finding 7: the audit chain keyed with a key the database does not hold, its head
//! anchored outside the database. Someone who can write to the database (but has neither the
//! key nor the anchor file) rewrites the log as the issue describes; `verify_with` the anchors
//! names it, and an untouched chain (with unkeyed entries from before the key epoch) verifies.

use serde_json::json;
use wardline::args;
use wardline::audit::{
    self, entry_hash, entry_mac, read_anchors, record_now, start_keyed, verify, verify_with,
    write_anchor, Actor, Anchor, Event, Verdict, GENESIS,
};
use wardline::db::{Db, Row};

use crate::common::{backends, exec};

pub const KEY: [u8; 32] = *b"wardline-test-audit-key-32-bytes";

fn actor() -> Actor {
    Actor {
        account_id: Some(7),
        username: "officer".into(),
        ip: "10.0.0.7".into(),
    }
}

/// `n` entries, a reveal among them.
async fn writes(db: &Db, n: usize, tag: &str) {
    for i in 0..n {
        let ev = if i == 1 {
            Event::new("reveal", "resident", 42)
                .area("431102001001")
                .detail(json!({"reason": format!("{tag}: family asked"), "fields": ["doc_number"]}))
        } else {
            Event::new("update", "household", i)
                .area("431102001001")
                .detail(json!({"old": {"address": "x"}, "new": {"address": format!("{tag} {i}")}}))
        };
        record_now(db, &actor(), ev).await.unwrap();
    }
}

async fn intact(db: &Db, anchors: &[Anchor]) -> i64 {
    match verify_with(db, anchors).await.unwrap() {
        Verdict::Intact { entries } => entries,
        v => panic!("not intact: {v:?}"),
    }
}

async fn broken(db: &Db, anchors: &[Anchor]) -> (i64, String) {
    match verify_with(db, anchors).await.unwrap() {
        Verdict::Broken { seq, reason } => (seq, reason),
        v => panic!("rewrite not seen: {v:?}"),
    }
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wl_anchor_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const COLS: &str = "seq, at_ms, account_id, username, ip, action, entity, entity_id, area_path, detail, prev_hash, hash, detail_digest";

async fn rows_from(db: &Db, seq: i64) -> Vec<Row> {
    db.query(
        &format!("SELECT {COLS} FROM audit_log WHERE seq >= $1 ORDER BY seq"),
        args![seq],
    )
    .await
    .unwrap()
}

/// Rewrite every entry from `from` on, as an attacker with write access to the database
/// would: with `key` when given (a key of their own), else as plain SHA-256 hashes with the
/// key epoch removed (pretending the chain was never keyed). The head follows.
async fn recompute(db: &Db, from: i64, key: Option<&[u8]>) {
    let prev_row = db
        .query_opt("SELECT hash FROM audit_log WHERE seq = $1", args![from - 1])
        .await
        .unwrap();
    let mut prev = prev_row.map_or(GENESIS.to_owned(), |r| r.string(0));
    let mut last = from - 1;
    if key.is_none() {
        exec(
            db,
            "UPDATE audit_head SET keyed_from = NULL, key_id = NULL WHERE id = 1",
            vec![],
        )
        .await;
    }
    for r in rows_from(db, from).await {
        let (seq, detail) = (r.int(0), r.string(9));
        let (hash, digest) = match key {
            Some(k) => {
                let d = audit::detail_digest(&detail);
                let h = entry_mac(
                    k,
                    &prev,
                    seq,
                    r.int(1),
                    r.opt_int(2),
                    r.text(3),
                    r.text(4),
                    r.text(5),
                    r.text(6),
                    r.text(7),
                    r.text(8),
                    &d,
                );
                (h, Some(d))
            }
            None => (
                entry_hash(
                    &prev,
                    seq,
                    r.int(1),
                    r.opt_int(2),
                    r.text(3),
                    r.text(4),
                    r.text(5),
                    r.text(6),
                    r.text(7),
                    r.text(8),
                    &detail,
                ),
                None,
            ),
        };
        exec(
            db,
            "UPDATE audit_log SET prev_hash = $1, hash = $2, detail_digest = $3 WHERE seq = $4",
            args![prev.as_str(), hash.as_str(), digest, seq],
        )
        .await;
        prev = hash;
        last = seq;
    }
    exec(
        db,
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        args![last, prev.as_str()],
    )
    .await;
}

/// A log with 4 unkeyed entries from before the key epoch, the epoch, 6 keyed entries, an
/// anchor at the head, and 3 entries after it. Returns the anchors and the anchored entry.
async fn anchored_log(db: &Db) -> (Vec<Anchor>, i64) {
    writes(db, 4, "before").await;
    start_keyed(db, &KEY).await.unwrap();
    writes(db, 6, "keyed").await;
    let file = temp_file("anchors.log");
    let a = write_anchor(db, &file, None)
        .await
        .unwrap()
        .expect("an anchor");
    // Nothing new: no second line for the same head.
    assert!(write_anchor(db, &file, Some(a.seq))
        .await
        .unwrap()
        .is_none());
    writes(db, 3, "after").await;
    let anchors = read_anchors(&file).unwrap();
    assert_eq!(anchors, vec![a.clone()]);
    (anchors, a.seq)
}

#[tokio::test]
async fn an_untouched_keyed_chain_verifies_with_its_anchors_and_old_entries() {
    for t in backends().await {
        let db = &t.db;
        let (anchors, anchored) = anchored_log(db).await;
        assert_eq!(anchored, 11, "{}: 4 unkeyed, the epoch, 6 keyed", t.name);
        assert_eq!(intact(db, &anchors).await, 14, "{}", t.name);
        let head = db
            .query_one("SELECT keyed_from FROM audit_head WHERE id = 1", vec![])
            .await
            .unwrap();
        assert_eq!(head.int(0), 5, "{}: keyed from the epoch entry", t.name);
        // The entries before the epoch keep their plain hashes, the later ones carry MACs.
        let r = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE detail_digest IS NULL",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(r.int(0), 4, "{}", t.name);

        // A node with another key may not write to this chain.
        let other = Db::connect(&t.url).await.unwrap();
        let err = start_keyed(&other, b"another-key-another-key-another!")
            .await
            .unwrap_err();
        assert!(format!("{err}").contains("does not match"), "{err}");
        // Nor may one without a key.
        let keyless = Db::connect(&t.url).await.unwrap();
        assert!(
            record_now(&keyless, &actor(), Event::new("update", "household", 1))
                .await
                .is_err()
        );
        // And verifying a keyed chain needs the key.
        assert!(verify(&keyless).await.is_err());
        assert_eq!(intact(db, &anchors).await, 14, "{}", t.name);
    }
}

#[tokio::test]
async fn a_tail_cut_back_past_an_anchor_with_the_head_moved_back_is_seen() {
    for t in backends().await {
        let db = &t.db;
        let (anchors, anchored) = anchored_log(db).await;
        // Delete the last entries, back past the anchor, and move the head back.
        let keep = anchored - 2;
        exec(db, "DELETE FROM audit_log WHERE seq > $1", args![keep]).await;
        let h = db
            .query_one("SELECT hash FROM audit_log WHERE seq = $1", args![keep])
            .await
            .unwrap()
            .string(0);
        exec(
            db,
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
            args![keep, h.as_str()],
        )
        .await;
        // Without the anchor this cannot be told from a shorter log (the point) ...
        assert_eq!(intact(db, &[]).await, keep, "{}", t.name);
        // ... with it, it can.
        let (seq, reason) = broken(db, &anchors).await;
        assert_eq!(seq, keep + 1, "{}: {reason}", t.name);
        assert!(reason.contains("anchored"), "{reason}");
    }
}

#[tokio::test]
async fn an_edited_entry_with_the_chain_recomputed_without_the_key_is_seen() {
    for t in backends().await {
        let db = &t.db;
        let (anchors, _) = anchored_log(db).await;
        let reveal = db
            .query_one(
                "SELECT seq, detail FROM audit_log WHERE action = 'reveal' AND detail_digest IS NOT NULL",
                vec![],
            )
            .await
            .unwrap();
        let (seq, detail) = (reveal.int(0), reveal.string(1));
        exec(
            db,
            "UPDATE audit_log SET detail = $1 WHERE seq = $2",
            args![detail.replace("family asked", "routine"), seq],
        )
        .await;

        // 1. Recomputed with a key of the attacker's own (the chain's key id left alone): the
        //    MACs do not hold under the real key, with or without anchors.
        recompute(db, seq, Some(b"attacker-key-attacker-key-attack")).await;
        let (at, reason) = broken(db, &[]).await;
        assert_eq!(at, seq, "{}: {reason}", t.name);
        assert!(reason.contains("MAC"), "{reason}");

        // 2. Recomputed as plain hashes with the key epoch removed, as if never keyed: the
        //    chain alone looks fine, the anchor does not.
        recompute(db, 1, None).await;
        assert!(matches!(verify(db).await.unwrap(), Verdict::Intact { .. }));
        let (_, reason) = broken(db, &anchors).await;
        assert!(reason.contains("anchor"), "{}: {reason}", t.name);
    }
}

#[tokio::test]
async fn a_redacted_detail_verifies_any_other_change_does_not() {
    for t in backends().await {
        let db = &t.db;
        let (anchors, _) = anchored_log(db).await;
        let seq = db
            .query_one(
                "SELECT seq FROM audit_log WHERE action = 'reveal' AND detail_digest IS NOT NULL",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        exec(
            db,
            "UPDATE audit_log SET detail = $1 WHERE seq = $2",
            args![audit::REDACTED, seq],
        )
        .await;
        assert_eq!(intact(db, &anchors).await, 14, "{}", t.name);
        exec(
            db,
            "UPDATE audit_log SET detail = '{\"redacted\":\"by me\"}' WHERE seq = $1",
            args![seq],
        )
        .await;
        let (at, reason) = broken(db, &anchors).await;
        assert_eq!(at, seq, "{}: {reason}", t.name);
        assert!(reason.contains("changed"), "{reason}");
    }
}

/// The command line: `wardline audit verify --anchor FILE` with the key file, on SQLite.
#[tokio::test]
async fn the_cli_verifies_against_an_anchor_file() {
    let t = backends().await.remove(0);
    let db = &t.db;
    let (anchors, anchored) = anchored_log(db).await;
    let dir = temp_file("x").parent().unwrap().to_owned();
    let key_file = dir.join("audit.key");
    std::fs::write(&key_file, format!("{}\n", wardline::access::hex(&KEY))).unwrap();
    let anchor_file = dir.join("anchors.log");
    std::fs::write(
        &anchor_file,
        format!(
            "{}\t{}\t{}\n",
            anchors[0].time, anchors[0].seq, anchors[0].mac
        ),
    )
    .unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_wardline"))
            .args(["--database-url", &t.url, "--audit-key-file"])
            .arg(&key_file)
            .args(["audit", "verify", "--anchor"])
            .arg(&anchor_file)
            .env("WARDLINE_LANG", "en")
            .env_remove("WARDLINE_CONFIG")
            .output()
            .expect("run wardline")
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 anchors match"));

    exec(db, "DELETE FROM audit_log WHERE seq >= $1", args![anchored]).await;
    let h = db
        .query_one(
            "SELECT hash FROM audit_log WHERE seq = $1",
            args![anchored - 1],
        )
        .await
        .unwrap()
        .string(0);
    exec(
        db,
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        args![anchored - 1, h.as_str()],
    )
    .await;
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a cut tail passed: {stderr}");
    assert!(stderr.contains("TAMPERED"), "{stderr}");
    assert!(stderr.contains(&format!("entry {anchored}")), "{stderr}");
}
