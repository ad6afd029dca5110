//! Retention: records past their period are deleted or anonymised, records within it stay,
//! the figures (tallies, coverage, needs' figures) do not move, a dry run changes nothing and
//! reports what a run then does, and each run writes exactly one audit entry.

use serde_json::json;
use wardline::access::{Reader, Scope};
use wardline::args;
use wardline::audit::retention::{self, policy, Report, DAY_MS};
use wardline::audit::{record_now, verify, Actor, Event, Verdict, REDACTED};
use wardline::db::{now_ms, Db, Value};

use crate::backup::{dump, populated, tables};
use crate::common::{backends, exec};

async fn int(db: &Db, sql: &str, params: Vec<Value>) -> i64 {
    db.query_one(sql, params).await.unwrap().int(0)
}

fn rows(r: &Report, kind: &str) -> Vec<i64> {
    r.kinds
        .iter()
        .find(|k| k.kind == kind)
        .unwrap_or_else(|| panic!("no kind {kind}"))
        .steps
        .iter()
        .map(|s| s.rows)
        .collect()
}

async fn everything(db: &Db) -> Vec<(String, Vec<Vec<Value>>)> {
    let mut out = Vec::new();
    for t in tables(db).await {
        let d = dump(db, &t).await;
        out.push((t, d));
    }
    out
}

/// The figures retention must not change: every tally table, a round's coverage, the needs'
/// figures.
async fn figures(db: &Db, round: i64, now: i64) -> String {
    let mut s = String::new();
    for t in [
        "area_counts",
        "community_counts",
        "test_area_counts",
        "test_community_counts",
        "test_households",
    ] {
        s.push_str(&format!("{t}: {:?}\n", dump(db, t).await));
    }
    s.push_str(&format!(
        "tubes: {:?}\n",
        db.query(
            "SELECT barcode, n, result FROM test_tubes ORDER BY barcode",
            vec![]
        )
        .await
        .unwrap()
    ));
    s.push_str(&format!(
        "coverage: {:?}\n",
        wardline::testing::coverage::subtree(db, round, "431102")
            .await
            .unwrap()
    ));
    let hq = Reader {
        account_id: 1,
        username: "hq".into(),
        display_name: "hq".into(),
        role: "hq".into(),
        scope: Scope {
            roots: vec!["431102".into()],
        },
    };
    let rep = wardline::needs::figures::report(db, &hq, "431102", now - 60 * DAY_MS, now, now)
        .await
        .unwrap();
    s.push_str(&serde_json::to_string(&rep).unwrap());
    s
}

#[tokio::test]
async fn retention_removes_what_is_due_keeps_the_rest_and_the_figures() {
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        populated(db).await;
        let now = now_ms();
        let round = int(db, "SELECT id FROM test_rounds", vec![]).await;
        let account = int(db, "SELECT MIN(id) FROM accounts", vec![]).await;
        // Sessions: expired 10 days ago (due after 7), expired yesterday, valid.
        for (i, exp) in [now - 10 * DAY_MS, now - DAY_MS, now + DAY_MS]
            .into_iter()
            .enumerate()
        {
            exec(
                db,
                "INSERT INTO sessions (token_hash, account_id, csrf, created_ms, expires_ms, verified, ip) \
                 VALUES ($1, $2, 'c', $3, $4, 1, '10.1.1.1')",
                args![format!("s{i}"), account, exp - DAY_MS, exp],
            )
            .await;
        }
        // Household-link attempts: two days old (due after one) and an hour old.
        for at in [now - 2 * DAY_MS, now - 3_600_000] {
            exec(
                db,
                "INSERT INTO need_link_attempts (ip_hash, at_ms) VALUES ('h', $1)",
                args![at],
            )
            .await;
        }
        // Care visits: one made 91 days ago, one today.
        for _ in 0..2 {
            exec(
                db,
                "INSERT INTO care_visits (resident_id, path, visited_on, visitors, situation, needs, recorded_by, created_ms) \
                 SELECT id, path, '2026-01-01', 'demo-community', '独居，行动不便', '需要代购降压药', 'demo-community', $1 \
                 FROM residents WHERE id = (SELECT MIN(id) FROM residents)",
                args![now],
            )
            .await;
        }
        let old_visit = int(db, "SELECT MIN(id) FROM care_visits", vec![]).await;
        exec(
            db,
            "UPDATE care_visits SET created_ms = $1 WHERE id = $2",
            args![now - 91 * DAY_MS, old_visit],
        )
        .await;
        // Needs: the older half of the closed ones closed 31 days ago.
        let closed: Vec<i64> = db
            .query("SELECT id FROM needs WHERE is_open = 0 ORDER BY id", vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert!(
            closed.len() >= 4,
            "{name}: demo needs closed: {}",
            closed.len()
        );
        let old_needs = &closed[..closed.len() / 2];
        for id in old_needs {
            exec(
                db,
                "UPDATE needs SET closed_ms = $1 WHERE id = $2",
                args![now - 31 * DAY_MS, *id],
            )
            .await;
        }
        let due_needs = int(
            db,
            &format!(
                "SELECT COUNT(*) FROM needs WHERE id IN ({}) AND (phone IS NOT NULL OR description <> '')",
                old_needs.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
            ),
            vec![],
        )
        .await;
        assert!(due_needs > 0, "{name}");
        // A reveal, with its reason.
        record_now(
            db,
            &Actor::cli(),
            Event::new("reveal", "resident", 1).detail(json!({"reason": "家属来电核实"})),
        )
        .await
        .unwrap();

        let pol = policy(&wardline::retention::kinds(), &[]).unwrap();
        let fig = figures(db, round, now).await;

        // Within its period the round is untouched: it has not ended 30 days ago yet.
        let before = everything(db).await;
        let dry = retention::run(db, &Actor::cli(), &pol, now, true)
            .await
            .unwrap();
        assert_eq!(rows(&dry, "test_samples"), vec![0; 6], "{name}");
        assert_eq!(rows(&dry, "reveal_details"), vec![0], "{name}");
        assert!(dry.audit_seq.is_none());
        assert!(
            everything(db).await == before,
            "{name}: a dry run changed something"
        );

        // The round ended 31 days ago: now it is due too.
        let samples = int(
            db,
            "SELECT COUNT(*) FROM test_samples WHERE round_id = $1 AND resident_id IS NOT NULL",
            args![round],
        )
        .await;
        let persons = int(
            db,
            "SELECT COUNT(*) FROM test_persons WHERE round_id = $1",
            args![round],
        )
        .await;
        assert!(
            samples > 100 && persons > 100,
            "{name}: {samples} {persons}"
        );
        exec(
            db,
            "UPDATE test_rounds SET ends_ms = $1 WHERE id = $2",
            args![now - 31 * DAY_MS, round],
        )
        .await;
        let total_samples = int(db, "SELECT COUNT(*) FROM test_samples", vec![]).await;
        let before = everything(db).await;
        let audit_before = int(db, "SELECT COUNT(*) FROM audit_log", vec![]).await;
        let dry = retention::run(db, &Actor::cli(), &pol, now, true)
            .await
            .unwrap();
        assert!(
            everything(db).await == before,
            "{name}: a dry run changed something"
        );
        assert_eq!(rows(&dry, "sessions"), vec![1], "{name}");
        assert_eq!(rows(&dry, "link_attempts")[0], 1, "{name}");
        assert_eq!(rows(&dry, "care_visit_notes")[0], 1, "{name}");
        assert_eq!(rows(&dry, "need_contact")[0], due_needs, "{name}");
        let ts = rows(&dry, "test_samples");
        assert!(ts[0] >= samples && ts[1] == persons, "{name}: {ts:?}");
        let text = dry.render();
        assert!(text.contains("would be") && text.contains("将被"), "{text}");

        // The run does what the dry run said, in one audit entry.
        let run = retention::run(db, &Actor::cli(), &pol, now, false)
            .await
            .unwrap();
        for k in &dry.kinds {
            assert_eq!(
                rows(&run, k.kind),
                rows(&dry, k.kind),
                "{name}: {} did not do what its dry run said",
                k.kind
            );
        }
        assert!(run.total() > 0);
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM audit_log", vec![]).await,
            audit_before + 1,
            "{name}"
        );
        let entry = db
            .query_one(
                "SELECT seq, detail FROM audit_log WHERE action = 'retention'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(Some(entry.int(0)), run.audit_seq);
        assert!(entry.text(1).contains("need_contact"), "{}", entry.text(1));

        // What was due is gone; what was within its period is there.
        let s = |sql: &'static str| async move { int(db, sql, vec![]).await };
        assert_eq!(s("SELECT COUNT(*) FROM sessions").await, 2, "{name}");
        assert_eq!(
            s("SELECT COUNT(*) FROM sessions WHERE token_hash = 's0'").await,
            0
        );
        assert_eq!(s("SELECT COUNT(*) FROM need_link_attempts").await, 1);
        assert_eq!(
            s("SELECT COUNT(*) FROM care_visits WHERE situation = '' AND needs = ''").await,
            1
        );
        assert_eq!(
            int(
                db,
                "SELECT COUNT(*) FROM care_visits WHERE id = $1 AND situation = ''",
                args![old_visit]
            )
            .await,
            1
        );
        for id in &closed {
            let r = db
                .query_one(
                    "SELECT phone, description FROM needs WHERE id = $1",
                    args![*id],
                )
                .await
                .unwrap();
            let erased = r.opt_text(0).is_none() && r.text(1).is_empty();
            assert_eq!(erased, old_needs.contains(id), "{name}: need {id}");
        }
        assert!(
            s("SELECT COUNT(*) FROM needs WHERE is_open = 1 AND description <> ''").await > 0,
            "{name}: open needs keep their description"
        );
        assert_eq!(
            s("SELECT COUNT(*) FROM test_samples WHERE resident_id IS NOT NULL OR walkin_id IS NOT NULL").await,
            0
        );
        assert_eq!(s("SELECT COUNT(*) FROM test_persons").await, 0);
        assert_eq!(
            s("SELECT COUNT(*) FROM test_walkins WHERE name <> '' OR phone IS NOT NULL").await,
            0
        );
        // The samples themselves stay (counted per tube), and every figure is unchanged.
        assert_eq!(
            s("SELECT COUNT(*) FROM test_samples").await,
            total_samples,
            "{name}"
        );
        assert_eq!(figures(db, round, now).await, fig, "{name}: figures moved");
        // The reveal is recent: its reason stays.
        assert_eq!(
            s("SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND detail LIKE '%家属%'")
                .await,
            1
        );

        // A second run finds nothing and still writes its one entry.
        let again = retention::run(db, &Actor::cli(), &pol, now, false)
            .await
            .unwrap();
        assert_eq!(again.total(), 0, "{name}");
        assert_eq!(
            s("SELECT COUNT(*) FROM audit_log WHERE action = 'retention'").await,
            2
        );

        // 181 days on, the reveal's reason goes (the entry stays), and the chain verifies.
        let later = retention::run(db, &Actor::cli(), &pol, now + 181 * DAY_MS, false)
            .await
            .unwrap();
        assert_eq!(rows(&later, "reveal_details"), vec![1], "{name}");
        let d = db
            .query_one(
                "SELECT detail FROM audit_log WHERE action = 'reveal'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(d.text(0), REDACTED);
        assert!(
            matches!(verify(db).await.unwrap(), Verdict::Intact { .. }),
            "{name}"
        );
    }
}

#[test]
fn periods_come_from_the_config_and_a_typo_is_refused() {
    let kinds = wardline::retention::kinds();
    let p = policy(&kinds, &[("need_contact".into(), 14)]).unwrap();
    let days = |k: &str| p.iter().find(|x| x.kind.name == k).unwrap().days;
    assert_eq!(days("need_contact"), 14);
    assert_eq!(days("test_samples"), 30);
    let err = policy(&kinds, &[("need_contacts".into(), 14)]).unwrap_err();
    assert!(err.contains("need_contacts"), "{err}");
}
