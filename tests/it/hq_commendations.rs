//! Commendations (issue 18) on the demo district: an officer proposes, the record stored with
//! the proposal equals a recount from the data, HQ approves or declines, the proposer
//! withdraws; a retry is idempotent, a second open proposal is refused by field; scope (an
//! officer of another street sees and proposes nothing here, an outsider gets nothing); the
//! printable list and the certificate. Both backends.

use wardline::args;
use wardline::db::{now_ms, Db};
use wardline::hq::commendations::{self as comm, record};

use crate::common::{backends, demo, exec, get, get_page, login, post_form, request};

const PW: &str = wardline::cli::DEMO_PASSWORD;

async fn n(db: &Db, sql: &str, p: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, p).await.unwrap().int(0)
}

async fn post_json(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {token}");
    let r = request(
        addr,
        "POST",
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(body.to_string().as_bytes()),
    )
    .await;
    (r.status, serde_json::from_str(&r.body).unwrap_or_default())
}

#[tokio::test]
async fn commendation_workflow_record_scope_and_print() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2_000, 5).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_mobilization(db).await.unwrap();
        wardline::needs::demo::create(db).await.unwrap();
        let addr = crate::common::serve(db).await;
        let com_token = wardline::access::create_token(db, "demo-community", "t")
            .await
            .unwrap();
        let hq_token = wardline::access::create_token(db, "demo-hq", "t")
            .await
            .unwrap();

        // The demo volunteer (with an account): samples and contact logs by that account.
        let (vid, acct): (i64, i64) = {
            let r = db
                .query_one(
                    "SELECT v.id, v.account_id FROM volunteers v JOIN accounts a ON a.id = v.account_id \
                     WHERE a.username = 'demo-volunteer'",
                    vec![],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1))
        };
        for (i, dup) in [(1, 0), (2, 0), (3, 1)] {
            exec(
                db,
                "INSERT INTO test_samples (round_id, barcode, account_id, taken_ms, duplicate) \
                 VALUES (0, $1, $2, 0, $3)",
                args![format!("CM{i}"), acct, dup as i64],
            )
            .await;
        }
        exec(
            db,
            "INSERT INTO contact_logs (household_id, account_id, path, day, outcome, at_ms) \
             VALUES (1, $1, '431102001001', 0, 'well', 0)",
            args![acct],
        )
        .await;

        // Propose through the API; the record equals a recount.
        let (s, v) = post_json(
            addr,
            "/api/v1/hq/commendations",
            &com_token,
            serde_json::json!({"subject_kind": "volunteer", "subject_id": vid,
                "citation": "坚守卡口，日夜值守。", "client_id": "cm-1"}),
        )
        .await;
        assert_eq!(s, 200, "{} {v}", t.name);
        assert_eq!(v["replayed"], false);
        assert_eq!(v["status"], "proposed");
        let id = v["id"].as_i64().unwrap();
        let shifts = n(
            db,
            "SELECT COUNT(*) FROM assignments WHERE volunteer_id = $1 AND checkout_ms IS NOT NULL",
            args![vid],
        )
        .await;
        let half = n(
            db,
            "SELECT CAST(COALESCE(SUM(half_hours), 0) AS BIGINT) FROM assignments \
             WHERE volunteer_id = $1 AND checkout_ms IS NOT NULL",
            args![vid],
        )
        .await;
        let needs = n(
            db,
            "SELECT COUNT(*) FROM needs WHERE volunteer_id = $1 AND status = 'done'",
            args![vid],
        )
        .await;
        assert_eq!(v["record"]["duty_shifts"], shifts);
        assert_eq!(v["record"]["duty_half_hours"], half);
        assert_eq!(v["record"]["needs_solved"], needs);
        assert_eq!(v["record"]["samples"], 2, "a duplicate swab is not counted");
        assert_eq!(v["record"]["contact_logs"], 1);
        assert!(v["record"].get("members").is_none());
        // The record is stored at proposal time: later work does not change it.
        exec(
            db,
            "INSERT INTO test_samples (round_id, barcode, account_id, taken_ms, duplicate) \
             VALUES (0, 'CM9', $1, 0, 0)",
            args![acct],
        )
        .await;

        // A retry answers the stored one; another open proposal of the subject is refused.
        let (s, again) = post_json(
            addr,
            "/api/v1/hq/commendations",
            &com_token,
            serde_json::json!({"subject_kind": "volunteer", "subject_id": vid,
                "citation": "坚守卡口，日夜值守。", "client_id": "cm-1"}),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(again["replayed"], true);
        assert_eq!(again["id"], id);
        assert_eq!(again["record"]["samples"], 2);
        let (s, dup) = post_json(
            addr,
            "/api/v1/hq/commendations",
            &com_token,
            serde_json::json!({"subject_kind": "volunteer", "subject_id": vid,
                "citation": "再次推荐", "client_id": "cm-2"}),
        )
        .await;
        assert_eq!(s, 422, "{dup}");
        assert!(dup.to_string().contains("subject"), "{dup}");
        assert_eq!(
            n(db, "SELECT COUNT(*) FROM hq_commendations", vec![]).await,
            1
        );

        // The temporary branch's record: members, care visits, follow-ups.
        let com = crate::testing::reader(db, "t-com", "community", "431102001001").await;
        let branch: i64 = db
            .scalar(
                "SELECT id FROM branches WHERE kind = 'temporary' ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let p = comm::propose(
            db,
            &crate::testing::actor(&com),
            &com,
            &comm::NewCommendation {
                subject_kind: "branch".into(),
                subject_id: Some(branch),
                citation: "支部建在卡口上".into(),
                client_id: String::new(),
            },
        )
        .await
        .unwrap();
        let bc = comm::get(db, &com, p.id).await.unwrap();
        let rec = bc.record();
        assert_eq!(
            rec.members,
            Some(
                n(
                    db,
                    "SELECT COUNT(*) FROM branch_members WHERE branch_id = $1",
                    args![branch]
                )
                .await
            )
        );
        assert_eq!(
            rec.care_visits,
            Some(
                n(
                    db,
                    "SELECT COUNT(*) FROM care_visits WHERE branch_id = $1",
                    args![branch]
                )
                .await
            )
        );
        assert_eq!(
            rec,
            record::Record {
                as_of_ms: rec.as_of_ms,
                ..record::compute(db, "branch", branch, 0).await.unwrap()
            }
        );

        // Scope: an officer of another street sees nothing here and cannot propose it.
        let other = crate::testing::reader(db, "t-other", "street", "431102002").await;
        assert!(comm::list(db, &other, &comm::Filter::default(), 100)
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            comm::get(db, &other, id).await,
            Err(wardline::error::AppError::NotFound)
        ));
        let e = comm::propose(
            db,
            &crate::testing::actor(&other),
            &other,
            &comm::NewCommendation {
                subject_kind: "volunteer".into(),
                subject_id: Some(vid),
                citation: "x".into(),
                client_id: "o-1".into(),
            },
        )
        .await
        .unwrap_err();
        match e {
            wardline::error::AppError::Invalid(errs) => {
                assert_eq!(errs[0].field, "subject")
            }
            other => panic!("{other:?}"),
        }
        assert!(comm::subjects(db, &other, "volunteer", 10)
            .await
            .unwrap()
            .is_empty());
        // An outsider (a volunteer) gets nothing; a community officer does not decide.
        let vol_token = wardline::access::create_token(db, "demo-volunteer", "t")
            .await
            .unwrap();
        let (s, body) = get(
            addr,
            "/api/v1/hq/commendations",
            &[("Authorization", &format!("Bearer {vol_token}"))],
        )
        .await;
        assert_eq!(s, 403, "{body}");
        assert!(!body.contains("坚守卡口"));
        let (s, _) = post_json(
            addr,
            &format!("/api/v1/hq/commendations/{id}/decision"),
            &com_token,
            serde_json::json!({"decision": "approve"}),
        )
        .await;
        assert_eq!(s, 403);

        // HQ declines the branch (a reason is needed), then approves the volunteer on the page.
        let (s, v) = post_json(
            addr,
            &format!("/api/v1/hq/commendations/{}/decision", p.id),
            &hq_token,
            serde_json::json!({"decision": "decline"}),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        let (s, v) = post_json(
            addr,
            &format!("/api/v1/hq/commendations/{}/decision", p.id),
            &hq_token,
            serde_json::json!({"decision": "decline", "reason": "事迹材料不足"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "declined");
        assert_eq!(v["reason"], "事迹材料不足");
        let hq = login(addr, "demo-hq", PW).await;
        let page = get_page(addr, &format!("/hq/commendations/{id}"), &hq.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"comm-approve\""), "{}", page.body);
        let r = post_form(
            addr,
            &format!("/hq/commendations/{id}/decision"),
            &hq.cookie,
            &[("csrf", &hq.csrf), ("decision", "approve"), ("reason", "")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(comm::get(db, &com, id).await.unwrap().status, "approved");
        // A decided one is not decided again, nor withdrawn.
        let (s, _) = post_json(
            addr,
            &format!("/api/v1/hq/commendations/{id}/decision"),
            &hq_token,
            serde_json::json!({"decision": "decline", "reason": "r"}),
        )
        .await;
        assert_eq!(s, 409);

        // Withdraw: the proposer, before a decision (a second proposal is allowed after).
        let com_b = login(addr, "demo-community", PW).await;
        let page = get_page(addr, "/hq/commendations", &com_b.cookie).await;
        assert_eq!(page.status, 200);
        let cid = crate::common::hidden_input(&page.body, "client_id").expect("client_id");
        let team: i64 = db
            .scalar("SELECT id FROM teams ORDER BY id LIMIT 1", vec![])
            .await
            .unwrap();
        let subject = format!("team:{team}");
        assert!(page.body.contains(&subject), "the team is offered");
        let r = post_form(
            addr,
            "/hq/commendations",
            &com_b.cookie,
            &[
                ("csrf", &com_b.csrf),
                ("client_id", &cid),
                ("subject", &subject),
                ("citation", "配送物资千余份"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let team_c: i64 = db
            .scalar("SELECT MAX(id) FROM hq_commendations", vec![])
            .await
            .unwrap();
        let r = post_form(
            addr,
            &format!("/hq/commendations/{team_c}/withdraw"),
            &hq.cookie,
            &[("csrf", &hq.csrf)],
        )
        .await;
        assert_eq!(r.status, 403, "only the proposer withdraws");
        let r = post_form(
            addr,
            &format!("/hq/commendations/{team_c}/withdraw"),
            &com_b.cookie,
            &[("csrf", &com_b.csrf)],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            comm::get(db, &com, team_c).await.unwrap().status,
            "withdrawn"
        );

        // Audited, every write.
        for (action, k) in [
            ("commendation_proposed", 3),
            ("commendation_approved", 1),
            ("commendation_declined", 1),
            ("commendation_withdrawn", 1),
        ] {
            assert_eq!(
                n(
                    db,
                    "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                    args![action]
                )
                .await,
                k,
                "{action}"
            );
        }

        // The printable list and the certificate.
        let list = get_page(addr, "/hq/honours?area=431102", &hq.cookie).await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains("id=\"comm-honours\""));
        assert!(list.body.contains("坚守卡口"), "the approved one is listed");
        assert!(
            !list.body.contains("支部建在卡口上"),
            "a declined one is not"
        );
        let cert = get_page(
            addr,
            &format!("/hq/commendations/{id}/certificate"),
            &hq.cookie,
        )
        .await;
        assert_eq!(cert.status, 200);
        assert!(
            cert.body.contains("荣誉证书") || cert.body.contains("Certificate of Commendation")
        );
        let cert = get_page(
            addr,
            &format!("/hq/commendations/{}/certificate", p.id),
            &hq.cookie,
        )
        .await;
        assert_eq!(cert.status, 404, "no certificate for a declined one");

        // Retention: declined and withdrawn proposals go after a year; approved stay.
        let kinds = wardline::retention::kinds();
        let k = kinds
            .iter()
            .find(|k| k.name == "commendations_not_granted")
            .expect("a retention kind");
        let later = now_ms() + 400 * 86_400_000;
        let policy = vec![wardline::audit::retention::Policy {
            kind: *k,
            days: 365,
        }];
        wardline::audit::retention::run(db, &wardline::audit::Actor::cli(), &policy, later, false)
            .await
            .unwrap();
        assert_eq!(
            n(db, "SELECT COUNT(*) FROM hq_commendations", vec![]).await,
            1,
            "the approved one is kept ({})",
            t.name
        );
    }
}

#[tokio::test]
async fn demo_commendations_proposed_and_two_approved() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 1_500, 5).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_mobilization(db).await.unwrap();
        let made = wardline::hq::demo::commendations(db).await.unwrap();
        assert!(made.is_some_and(|n| n >= 3), "{made:?} ({})", t.name);
        assert_eq!(
            n(
                db,
                "SELECT COUNT(*) FROM hq_commendations WHERE status = 'approved'",
                vec![]
            )
            .await,
            2
        );
        assert_eq!(
            n(
                db,
                "SELECT COUNT(*) FROM hq_commendations WHERE subject_kind = 'branch'",
                vec![]
            )
            .await,
            1
        );
        assert!(wardline::hq::demo::commendations(db)
            .await
            .unwrap()
            .is_none());
    }
}
