//! Issue 22: privacy (finding 9: account names without phone numbers, what a collector learns
//! about people outside their site's area, API tokens ending with a password change or a
//! disabled account) and the API contract and audit gaps (finding 10). On both backends.

use wardline::access;
use wardline::args;
use wardline::cli::DEMO_PASSWORD;
use wardline::db::{now_ms, path_end, Db};
use wardline::testing::ingest::{Op, OpKind, PersonRef, Status, LOOKUP_LIMIT};

use crate::common::{
    backends, demo, get, get_page, hidden_input, login, login_attempt, post_form, request, serve,
};
use crate::testing::{add_ref, one, open, reader, round_over, site, submit};

async fn demo_with_accounts(db: &Db) {
    demo(db, 3_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
}

/// An ID-card holder registered under `path` (the `skip`-th), with their document number.
async fn person_in(db: &Db, path: &str, skip: i64) -> (i64, String) {
    let r = db
        .query_one(
            "SELECT id, doc_number FROM residents WHERE path >= $1 AND path < $2 \
             AND doc_type = 'id_card' ORDER BY id LIMIT 1 OFFSET $3",
            args![path, path_end(path), skip],
        )
        .await
        .unwrap();
    (r.int(0), r.string(1))
}

fn doc(number: &str) -> PersonRef {
    PersonRef::Doc {
        doc_type: None,
        number: number.to_owned(),
    }
}

// ---- 9a: account names. ----

/// A signed-in administrator (TOTP enrolled on the way).
async fn admin(addr: std::net::SocketAddr) -> String {
    let r = login_attempt(addr, "demo-admin", DEMO_PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = format!("wl_session={}", r.set_cookie("wl_session").unwrap());
    let page = get_page(addr, "/login/totp", &cookie).await;
    let secret = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let csrf = hidden_input(&page.body, "csrf").unwrap();
    let key = access::totp::base32_decode(&secret).unwrap();
    let code = format!(
        "{:06}",
        access::totp::code_at(&key, access::totp::step_of(now_ms()))
    );
    let r = post_form(
        addr,
        "/login/totp",
        &cookie,
        &[("csrf", &csrf), ("code", &code)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    cookie
}

#[tokio::test]
async fn phone_numbers_in_account_names_are_never_shown_whole() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        // An account named the old way: `v` and the volunteer's mobile number.
        let id = access::create_account_as(
            db,
            &wardline::audit::Actor::cli(),
            &access::NewAccount {
                username: "v13812345678",
                display_name: "老志愿者",
                role: "volunteer",
                scope_codes: &["431102001001".to_owned()],
                password: Some("an-old-password-1"),
            },
        )
        .await
        .unwrap();
        let addr = serve(db).await;
        // It signs in as before, and its failures are audited under its name.
        login(addr, "v13812345678", "an-old-password-1").await;
        login_attempt(addr, "v13812345678", "not-the-password").await;
        let cookie = admin(addr).await;
        for path in [
            "/admin/accounts".to_owned(),
            format!("/admin/accounts/{id}"),
            "/audit".to_owned(),
            "/audit?action=login_failed".to_owned(),
        ] {
            let r = get_page(addr, &path, &cookie).await;
            assert_eq!(r.status, 200, "{}: {path}: {}", t.name, r.body);
            assert!(
                !r.body
                    .replace("user=v13812345678", "")
                    .contains("13812345678"),
                "{}: {path} shows the phone number",
                t.name
            );
            assert!(r.body.contains("v138****5678"), "{}: {path}", t.name);
        }
    }
}

// ---- 9b: what a collector learns about people outside their site's area. ----

#[tokio::test]
async fn a_collector_learns_nothing_about_people_outside_their_area() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 3).await;
        let (c1, c2) = ("431102001001", "431102001009");
        let hq = reader(db, "hq1", "hq", "431102").await;
        let x = reader(db, "col-x", "collector", c1).await;
        let y = reader(db, "col-y", "collector", c2).await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - 3_600_000, now + 3_600_000).await;
        let sa = site(db, &hq, &round, c1, &["col-x"]).await;
        let sb = site(db, &hq, &round, c2, &["col-y"]).await;
        let (p, p_doc) = person_in(db, c2, 0).await;
        let (q, q_doc) = person_in(db, c2, 1).await;
        let (_, r_doc) = person_in(db, c1, 0).await;
        // Y samples P at their own site: shown (masked) to confirm who stands there.
        one(db, &y, &round, open("y1", "TB1", Some(sb))).await;
        let o = one(db, &y, &round, add_ref("y2", "TB1", doc(&p_doc))).await;
        assert_eq!(o.code, "added", "{}", t.name);
        assert!(o.person.is_some(), "{}: in area, shown", t.name);
        // X, at a site of another community, types P's number: no name, no age, no earlier
        // tube; then Q's (sampled now, counted, nothing shown).
        one(db, &x, &round, open("x1", "TA1", Some(sa))).await;
        let o = one(db, &x, &round, add_ref("x2", "TA1", doc(&p_doc))).await;
        assert_eq!(o.code, "already_sampled", "{}", t.name);
        assert!(o.person.is_none(), "{}: {:?}", t.name, o.person);
        assert!(o.earlier.is_none(), "{}: {:?}", t.name, o.earlier);
        let o = one(db, &x, &round, add_ref("x3", "TA1", doc(&q_doc))).await;
        assert_eq!((o.status, o.code.as_str()), (Status::Accepted, "added"));
        assert!(o.person.is_none(), "{}: {:?}", t.name, o.person);
        let json = serde_json::to_string(&o).unwrap();
        assert!(
            !json.contains("\"age\"") && !json.contains("name"),
            "{json}"
        );
        let sampled = db
            .query_one(
                "SELECT COUNT(*) FROM test_persons WHERE round_id = $1 AND resident_id IN ($2, $3)",
                args![round.id, p, q],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(sampled, 2, "{}: both counted as sampled", t.name);
        // Someone of X's own community is shown.
        let o = one(db, &x, &round, add_ref("x4", "TA1", doc(&r_doc))).await;
        assert!(o.person.is_some(), "{}", t.name);
        // Typing numbers that find nobody of the area is limited.
        let ops: Vec<Op> = (0..LOOKUP_LIMIT + 3)
            .map(|i| Op {
                client_id: format!("z{i}"),
                tube: "TA1".into(),
                kind: OpKind::Add {
                    person: doc(&format!("43110219800101{i:04}")),
                    confirm: None,
                },
                taken_ms: None,
            })
            .collect();
        let out = submit(db, &x, &round, ops, false).await;
        // Two were used up already (P and Q).
        let refused = out.iter().filter(|o| o.code == "too_many_lookups").count() as i64;
        assert_eq!(refused, 5, "{}: {refused}", t.name);
        // The count holds across requests (and nodes: it lives in the database).
        let o = one(db, &x, &round, add_ref("x5", "TA1", doc(&q_doc))).await;
        assert_eq!(o.code, "too_many_lookups", "{}", t.name);
    }
}

// ---- 9c: tokens end with a password change and stay dead after re-enabling. ----

#[tokio::test]
async fn tokens_end_with_a_password_change_and_a_disabled_account() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let me = |tok: String| async move {
            get(
                addr,
                "/api/v1/me",
                &[("Authorization", &format!("Bearer {tok}"))],
            )
            .await
            .0
        };
        // A password change on the account page.
        let tok = access::create_token(db, "demo-grid", "phone")
            .await
            .unwrap();
        assert_eq!(me(tok.clone()).await, 200);
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let r = post_form(
            addr,
            "/account/password",
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("current", DEMO_PASSWORD),
                ("password", "a-brand-new-password"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        assert_eq!(me(tok).await, 401, "{}: token survived the change", t.name);
        // Disabled, then enabled again: the old token stays dead.
        let tok = access::create_token(db, "demo-community", "phone")
            .await
            .unwrap();
        assert_eq!(me(tok.clone()).await, 200);
        let id = db
            .query_one(
                "SELECT id FROM accounts WHERE username = 'demo-community'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        let cli = wardline::audit::Actor::cli();
        access::set_disabled(db, &cli, id, true).await.unwrap();
        assert_eq!(me(tok.clone()).await, 401);
        access::set_disabled(db, &cli, id, false).await.unwrap();
        assert_eq!(
            me(tok).await,
            401,
            "{}: re-enabling revived a token",
            t.name
        );
        // A new one works.
        let tok = access::create_token(db, "demo-community", "phone")
            .await
            .unwrap();
        assert_eq!(me(tok).await, 200);
    }
}

// ---- 10: the API's errors are its documented JSON; sampling is audited. ----

fn documented(doc: &serde_json::Value, path: &str, method: &str, status: &str) -> String {
    doc["paths"][path][method]["responses"][status].to_string()
}

#[tokio::test]
async fn api_errors_are_documented_json() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        wardline::cli::create_demo_round(db).await.unwrap();
        let round = db
            .query_one("SELECT id FROM test_rounds", vec![])
            .await
            .unwrap()
            .int(0);
        let addr = serve(db).await;
        let doc = wardline::server::openapi::document();
        let grid = format!(
            "Bearer {}",
            access::create_token(db, "demo-grid", "t").await.unwrap()
        );
        let auth = [("Authorization", grid.as_str())];
        // A parameter given twice, a method the route does not take: the JSON error body.
        for (method, path) in [
            (
                "GET",
                format!("/api/v1/testing/rounds/{round}/coverage?area=431102&area=431102001001"),
            ),
            ("GET", "/api/v1/residents/search?q=a&q=b".to_owned()),
            (
                "GET",
                "/api/v1/needs/figures?from=2025-01-01&from=2025-01-02".to_owned(),
            ),
            ("DELETE", "/api/v1/me".to_owned()),
        ] {
            let r = request(addr, method, &path, &auth, None).await;
            assert!(
                r.status == 400 || r.status == 405,
                "{}: {path}: {}",
                t.name,
                r.status
            );
            assert!(
                r.header("content-type")
                    .is_some_and(|c| c.starts_with("application/json")),
                "{}: {method} {path}: {:?} {}",
                t.name,
                r.header("content-type"),
                r.body
            );
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string());
            assert!(v["error"]["fields"].is_array(), "{}", r.body);
            let codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
                ["code"]["enum"]
                .to_string();
            assert!(
                codes.contains(v["error"]["code"].as_str().unwrap()),
                "{codes}"
            );
        }
        assert!(
            documented(&doc, "/testing/rounds/{id}/coverage", "get", "400").contains("BadRequest")
        );
        // `POST …/ops` refused: the outcome, as documented for 422; a body that is no
        // operation: the error body, documented too.
        let collector = format!(
            "Bearer {}",
            access::create_token(db, "demo-collector", "t")
                .await
                .unwrap()
        );
        let cauth = [
            ("Authorization", collector.as_str()),
            ("Content-Type", "application/json"),
        ];
        let ops = format!("/api/v1/testing/rounds/{round}/ops");
        let r = request(
            addr,
            "POST",
            &ops,
            &cauth,
            Some(br#"{"client_id":"c1","tube":"NO-SUCH-TUBE","op":"close"}"#),
        )
        .await;
        assert_eq!(r.status, 422, "{}: {}", t.name, r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["status"], "refused", "{}", r.body);
        let d422 = documented(&doc, "/testing/rounds/{id}/ops", "post", "422");
        assert!(d422.contains("schemas/Outcome"), "{d422}");
        let r = request(addr, "POST", &ops, &cauth, Some(b"{not json")).await;
        assert_eq!(r.status, 422, "{}: {}", t.name, r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(v["error"]["code"].is_string(), "{}", r.body);
        assert!(d422.contains("schemas/Error"), "{d422}");
        // A volunteer asking for the needs' figures: 403, documented.
        let vol = format!(
            "Bearer {}",
            access::create_token(db, "demo-volunteer", "t")
                .await
                .unwrap()
        );
        let r = request(
            addr,
            "GET",
            "/api/v1/needs/figures",
            &[("Authorization", vol.as_str())],
            None,
        )
        .await;
        assert_eq!(r.status, 403, "{}: {}", t.name, r.body);
        assert_ne!(documented(&doc, "/needs/figures", "get", "403"), "null");
    }
}

#[tokio::test]
async fn sampling_operations_are_audited_per_group_commit() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 3).await;
        let c1 = "431102001001";
        let hq = reader(db, "hq1", "hq", "431102").await;
        let x = reader(db, "col-x", "collector", c1).await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - 3_600_000, now + 3_600_000).await;
        let sa = site(db, &hq, &round, c1, &["col-x"]).await;
        let (p, p_doc) = person_in(db, c1, 0).await;
        let before = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'sampling'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        let out = submit(
            db,
            &x,
            &round,
            vec![
                open("a1", "T1", Some(sa)),
                add_ref("a2", "T1", doc(&p_doc)),
                add_ref("a3", "T1", doc("431102198001010004")),
            ],
            false,
        )
        .await;
        assert_eq!(out[1].code, "added");
        let rows = db
            .query(
                "SELECT username, entity_id, area_path, detail FROM audit_log \
                 WHERE action = 'sampling' ORDER BY seq",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            rows.len() as i64,
            before + 1,
            "{}: one entry for the batch",
            t.name
        );
        let last = rows.last().unwrap();
        assert_eq!(last.text(0), "col-x");
        assert_eq!(last.text(1), round.id.to_string());
        let d: serde_json::Value = serde_json::from_str(last.text(3)).unwrap();
        let ops = d["ops"].as_array().unwrap();
        // The refused one (nobody with that number) changed nothing and is not listed.
        assert_eq!(out[2].code, "not_in_round");
        assert_eq!(ops.len(), 2, "{d}");
        assert_eq!(ops[0][2], "open");
        assert_eq!(ops[1][1], "a2");
        assert_eq!(ops[1][2], "add");
        assert_eq!(ops[1][4], p);
        assert_eq!(ops[1][6], "added");
        // A replay changes nothing and adds no entry.
        submit(
            db,
            &x,
            &round,
            vec![add_ref("a2", "T1", doc(&p_doc))],
            false,
        )
        .await;
        let n = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'sampling'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, before + 1, "{}: a replay is no new operation", t.name);
        // The chain still verifies.
        assert!(matches!(
            wardline::audit::verify(db).await.unwrap(),
            wardline::audit::Verdict::Intact { .. }
        ));
    }
}
