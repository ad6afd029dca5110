//! The testing pages over HTTP, signed in as the demo roles, on the demo round that
//! `serve --demo` creates: scope and roles, the missing list and exemptions, the collector's
//! page (idempotent forms), walk-ins, lab results all or nothing. On both backends.

use wardline::db::Db;
use wardline::testing::coverage;

use crate::common::{backends, demo, get_page, hidden_input, login, post_form, request, Browser};

const PW: &str = wardline::cli::DEMO_PASSWORD;

/// A demo city with the demo accounts and the demo round; the round's id.
async fn setup(db: &Db) -> i64 {
    demo(db, 6_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    let t = std::time::Instant::now();
    let n = wardline::cli::create_demo_round(db).await.unwrap();
    assert!(n.unwrap_or(0) > 20, "samples taken: {n:?}");
    assert!(
        t.elapsed().as_secs_f64() < 5.0,
        "demo round took {:?}",
        t.elapsed()
    );
    // Only once.
    assert_eq!(wardline::cli::create_demo_round(db).await.unwrap(), None);
    db.query_one("SELECT id FROM test_rounds", vec![])
        .await
        .unwrap()
        .int(0)
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

/// The `action` of the form with the given id.
fn form_action(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id} in {body}"));
    let start = body[..at].rfind("<form").expect("form start");
    let tag = &body[start..];
    let a = tag.find("action=\"").expect("action") + 8;
    tag[a..a + tag[a..].find('"').unwrap()].replace("&amp;", "&")
}

/// The first hidden `cid` after the form with the given id.
fn cid_of(body: &str, id: &str) -> String {
    let at = body.find(&format!("id=\"{id}\"")).expect("form");
    hidden_input(&body[at..], "cid").expect("cid")
}

#[tokio::test]
async fn missing_list_scope_exemptions_and_export() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let grid = login(addr, "demo-grid", PW).await;
        let Browser { cookie, csrf } = &grid;

        let p = get_page(addr, "/testing", cookie).await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains(&format!("/testing/rounds/{round}")));
        assert!(p.body.contains("id=\"nav-testing\""));
        assert!(
            !p.body.contains("round-form"),
            "grid workers do not create rounds"
        );

        // The overview starts at the grid worker's grid.
        let p = get_page(addr, &format!("/testing/rounds/{round}"), cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(p.body.contains("第1网格"), "{}", p.body);
        assert!(p.body.contains("id=\"missing-link\""));

        // The missing list of the grid; another grid's is not found.
        let mine = "431102001001/G0001";
        let url = format!(
            "/testing/rounds/{round}/missing?area={}",
            wardline::web::html::url_enc(mine)
        );
        let p = get_page(addr, &url, cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("class=\"hh\""), "{}", p.body);
        for other in ["431102001009/G0001", "431102001001", "431102"] {
            let r = get_page(
                addr,
                &format!(
                    "/testing/rounds/{round}/missing?area={}",
                    wardline::web::html::url_enc(other)
                ),
                cookie,
            )
            .await;
            assert_eq!(r.status, 404, "{other}");
        }
        assert_eq!(
            get_page(addr, "/testing/rounds/99999", cookie).await.status,
            404
        );

        // Exempt a missing person with the form: the coverage moves.
        let scope = wardline::access::Scope {
            roots: vec![mine.into()],
        };
        let (list, _) = coverage::missing(db, round, mine, &scope).await.unwrap();
        let person = list[0].missing[0].resident_id;
        let before = coverage::subtree(db, round, mine).await.unwrap();
        // "other" needs a note: the form comes back with the error, nothing changes.
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/exempt"),
            cookie,
            &[
                ("csrf", csrf),
                ("area", mine),
                ("resident", &person.to_string()),
                ("reason", "other"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("class=\"errors\""));
        assert_eq!(coverage::subtree(db, round, mine).await.unwrap(), before);
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/exempt"),
            cookie,
            &[
                ("csrf", csrf),
                ("area", mine),
                ("resident", &person.to_string()),
                ("reason", "hospital"),
                ("note", "<b>住院</b>"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after = coverage::subtree(db, round, mine).await.unwrap();
        assert_eq!(
            (after.exempt, after.missing),
            (before.exempt + 1, before.missing - 1)
        );
        let p = get_page(addr, r.header("location").unwrap(), cookie).await;
        assert!(p.body.contains(&format!("id=\"e-{person}\"")));
        assert!(p.body.contains("&lt;b&gt;住院"), "notes are escaped");
        // Who exempted them, by name, not by login.
        crate::common::exec(
            db,
            "UPDATE accounts SET display_name = '王网格' WHERE username = 'demo-grid'",
            vec![],
        )
        .await;
        let p = get_page(addr, r.header("location").unwrap(), cookie).await;
        assert!(p.body.contains("王网格"));
        let row = &p.body[p.body.find(&format!("id=\"e-{person}\"")).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(!row.contains("demo-grid"), "{row}");
        assert!(!p.body.contains(&format!("id=\"p-{person}\"")));
        // Undo.
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/unexempt"),
            cookie,
            &[
                ("csrf", csrf),
                ("area", mine),
                ("resident", &person.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(coverage::subtree(db, round, mine).await.unwrap(), before);
        // A resident outside the grid cannot be exempted by this grid worker.
        let outside = count(
            db,
            "SELECT MIN(id) FROM residents WHERE path >= '431102001009' AND path < '431102001009~'",
        )
        .await;
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/exempt"),
            cookie,
            &[
                ("csrf", csrf),
                ("area", mine),
                ("resident", &outside.to_string()),
                ("reason", "away"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 404);

        // CSV: BOM, masked phones, audited.
        let csv = get_page(addr, &url.replace("/missing?", "/missing.csv?"), cookie).await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert!(csv.body.starts_with('\u{feff}'));
        assert!(csv.body.contains("****"));
        let eleven_digits = csv
            .body
            .as_bytes()
            .windows(11)
            .any(|w| w.iter().all(u8::is_ascii_digit));
        assert!(!eleven_digits, "an unmasked phone number in {}", csv.body);
        let audited = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'test_round'",
        )
        .await;
        assert_eq!(audited, 1, "{}", t.name);

        // A collector sees the round but not who is missing.
        let col = login(addr, "demo-collector", PW).await;
        assert_eq!(get_page(addr, &url, &col.cookie).await.status, 403);
        assert_eq!(
            get_page(addr, &format!("/testing/rounds/{round}"), &col.cookie)
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn collector_adds_people_and_a_double_submit_counts_once() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-collector", PW).await;
        let samples = |db: &Db| {
            let db = db.clone();
            async move { count(&db, "SELECT COUNT(*) FROM test_samples").await }
        };

        // Several sites: choose one.
        let p = get_page(addr, &format!("/testing/rounds/{round}/collect"), &cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("id=\"site-choice\""), "{}", p.body);
        let site = count(db, "SELECT id FROM test_sites WHERE path = '431102001001'").await;
        let p = get_page(
            addr,
            &format!("/testing/rounds/{round}/collect?site={site}"),
            &cookie,
        )
        .await;
        assert!(p.body.contains("id=\"open-form\""));
        // No camera without the script: the scan button is hidden.
        assert!(p.body.contains("data-scan=\"barcode\" hidden"));

        // Open a tube.
        let action = form_action(&p.body, "open-form");
        let r = post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid_of(&p.body, "open-form")),
                ("act", "open"),
                ("barcode", "PT000001"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("data-code=\"opened\""), "{}", r.body);
        assert!(r.body.contains("id=\"add-form\""));

        // Add someone not yet sampled, by ID number.
        let who = db
            .query_one(
                "SELECT doc_number, id FROM residents r WHERE path >= '431102001001' AND path < '431102001001~' \
                 AND doc_type = 'id_card' AND NOT EXISTS (SELECT 1 FROM test_persons p WHERE p.resident_id = r.id) \
                 AND NOT EXISTS (SELECT 1 FROM test_exemptions e WHERE e.resident_id = r.id) ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let before = samples(db).await;
        let action = form_action(&r.body, "add-form");
        assert!(action.contains("tube=PT000001"), "{action}");
        let fields = [
            ("csrf", csrf.as_str()),
            ("cid", &cid_of(&r.body, "add-form")),
            ("act", "add"),
            ("person", who.text(0)),
            ("doc_type", "id_card"),
        ];
        let first = post_form(addr, &action, &cookie, &fields).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert!(first.body.contains("data-code=\"added\""), "{}", first.body);
        assert!(first.body.contains("1 / 10"), "{}", first.body);
        assert!(
            !first.body.contains(who.text(0)),
            "the ID number is not echoed back"
        );
        // The same form again (a double tap, a refresh): the stored reply, no second sample.
        let again = post_form(addr, &action, &cookie, &fields).await;
        assert_eq!(again.status, 200);
        assert!(again.body.contains("data-code=\"added\""));
        assert!(again.body.contains("1 / 10"), "{}", again.body);
        assert_eq!(samples(db).await, before + 1, "{}", t.name);

        // The same person with a new form: flagged, not added, with "record anyway".
        let fields2 = [
            ("csrf", csrf.as_str()),
            ("cid", &cid_of(&again.body, "add-form")),
            ("act", "add"),
            ("person", who.text(0)),
            ("doc_type", "id_card"),
        ];
        let flagged = post_form(addr, &action, &cookie, &fields2).await;
        assert!(
            flagged.body.contains("data-code=\"already_sampled\""),
            "{}",
            flagged.body
        );
        assert!(flagged.body.contains("id=\"record-anyway\""));
        assert!(flagged.body.contains("PT000001"));
        assert_eq!(samples(db).await, before + 1);

        // Someone unknown: refused (422), the typed value kept for correction.
        let fields3 = [
            ("csrf", csrf.as_str()),
            ("cid", &cid_of(&flagged.body, "add-form")),
            ("act", "add"),
            ("person", "110101199003077774"),
            ("doc_type", "id_card"),
        ];
        let refused = post_form(addr, &action, &cookie, &fields3).await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.body.contains("data-code=\"not_in_round\""),
            "{}",
            refused.body
        );

        // Close the tube.
        let r = post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid_of(&refused.body, "close-form")),
                ("act", "close"),
            ],
        )
        .await;
        assert!(r.body.contains("data-code=\"closed\""), "{}", r.body);
        assert!(r.body.contains("id=\"open-form\""), "the next tube");

        // A grid worker has no site in another community; a lab is no collector.
        let lab = login(addr, "demo-lab", PW).await;
        assert_eq!(
            get_page(
                addr,
                &format!("/testing/rounds/{round}/collect"),
                &lab.cookie
            )
            .await
            .status,
            403
        );
    }
}

#[tokio::test]
async fn walk_in_then_registration_queue() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        // A community officer samples at the community's site (any site in scope).
        let Browser { cookie, csrf } = login(addr, "demo-community", PW).await;
        let site = count(db, "SELECT id FROM test_sites WHERE path = '431102001001'").await;
        let base = format!("/testing/rounds/{round}/collect?site={site}");
        let p = get_page(addr, &base, &cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        let r = post_form(
            addr,
            &form_action(&p.body, "open-form"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid_of(&p.body, "open-form")),
                ("act", "open"),
                ("barcode", "WK1"),
            ],
        )
        .await;
        let action = form_action(&r.body, "walkin-form");
        let r = post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid_of(&r.body, "walkin-form")),
                ("act", "walkin"),
                ("doc_type", "passport"),
                ("number", "X7654321"),
                ("name", "<i>Anna</i>"),
                ("phone", "13912345678"),
            ],
        )
        .await;
        assert!(r.body.contains("data-code=\"walk_in\""), "{}", r.body);

        let p = get_page(addr, "/testing/walkins", &cookie).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("&lt;i&gt;Anna&lt;/i&gt;"), "{}", p.body);
        // The phone stays masked; the document number is whole for who registers walk-ins
        // (to match it), recorded as a reveal.
        assert!(!p.body.contains("13912345678"));
        assert!(p.body.contains("X7654321"), "{}", p.body);
        let id = count(
            db,
            "SELECT id FROM test_walkins WHERE doc_number = 'X7654321'",
        )
        .await;
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'test_walkin'"
            )
            .await,
            1
        );
        // Filed under the community: the grid worker does not see them until a grid is
        // chosen; then they do (masked: a grid worker's reveal is recorded too).
        let grid = login(addr, "demo-grid", PW).await;
        let g = get_page(addr, "/testing/walkins", &grid.cookie).await;
        assert!(!g.body.contains(&format!("id=\"walkin-{id}\"")));
        assert!(p.body.contains(&format!("/testing/walkins/{id}/grid")));
        let r = post_form(
            addr,
            &format!("/testing/walkins/{id}/grid"),
            &cookie,
            &[("csrf", &csrf), ("grid", "431102001009/G0001")],
        )
        .await;
        assert_eq!(r.status, 409, "another community's grid: {}", r.body);
        let r = post_form(
            addr,
            &format!("/testing/walkins/{id}/grid"),
            &cookie,
            &[("csrf", &csrf), ("grid", "431102001001/G0001")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let g = get_page(addr, "/testing/walkins", &grid.cookie).await;
        assert!(
            g.body.contains(&format!("id=\"walkin-{id}\"")),
            "{}",
            g.body
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'assign' AND entity = 'test_walkin'"
            )
            .await,
            1
        );
        // Not registered yet: linking is refused with a message, nothing changes.
        let r = post_form(
            addr,
            &format!("/testing/walkins/{id}/link"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = post_form(
            addr,
            &format!("/testing/walkins/{id}/dismiss"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status, 303);
        let p = get_page(addr, "/testing/walkins?done=dismiss", &cookie).await;
        assert!(!p.body.contains("Anna"));
        // Collectors do not see the queue.
        let col = login(addr, "demo-collector", PW).await;
        assert_eq!(
            get_page(addr, "/testing/walkins", &col.cookie).await.status,
            403
        );
        let _ = t.name;
    }
}

/// A multipart body with a CSRF field and a file.
fn multipart(csrf: &str, file: &str) -> (String, Vec<u8>) {
    crate::common::multipart(&[("csrf", csrf), ("file", file)])
}

#[tokio::test]
async fn results_file_with_a_bad_row_is_refused_whole() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-lab", PW).await;
        let url = format!("/testing/rounds/{round}/results");
        let p = get_page(addr, &url, &cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        let waiting: Vec<String> = db
            .query(
                "SELECT barcode FROM test_tubes WHERE result IS NULL AND n > 0 AND closed_ms IS NOT NULL ORDER BY barcode",
                vec![],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect();
        assert!(!waiting.is_empty(), "{}", t.name);
        let good = &waiting[0];
        let file = format!("试管,结果\n{good},阴性\nNOPE1,阴性\n{good}X,maybe\n");
        let (ct, body) = multipart(&csrf, &file);
        let r = request(
            addr,
            "POST",
            &url,
            &[("Cookie", &cookie), ("Content-Type", &ct)],
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("id=\"results-refused\""));
        assert!(
            r.body.contains("第 3 行") || r.body.contains("row 3"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("第 4 行") || r.body.contains("row 4"),
            "{}",
            r.body
        );
        let q =
            format!("SELECT COUNT(*) FROM test_tubes WHERE barcode = '{good}' AND result IS NULL");
        assert_eq!(count(db, &q).await, 1, "nothing recorded");
        // The good row alone goes through.
        let (ct, body) = multipart(&csrf, &format!("{good},negative\n"));
        let r = request(
            addr,
            "POST",
            &url,
            &[("Cookie", &cookie), ("Content-Type", &ct)],
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("id=\"report\""));
        assert_eq!(count(db, &q).await, 0);
        // Single entry of a different result for the same tube: refused.
        let r = post_form(
            addr,
            &format!("{url}/one"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("tube", good),
                ("result", "positive"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        // A grid worker does not enter results.
        let grid = login(addr, "demo-grid", PW).await;
        assert_eq!(get_page(addr, &url, &grid.cookie).await.status, 403);
    }
}

#[tokio::test]
async fn officers_create_rounds_and_set_up_sites() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-community", PW).await;
        let p = get_page(addr, "/testing", &cookie).await;
        assert!(p.body.contains("id=\"round-form\""), "{}", p.body);
        // Bad times: the form again with the errors.
        let r = post_form(
            addr,
            "/testing",
            &cookie,
            &[
                ("csrf", &csrf),
                ("area", "431102001001"),
                ("name", "第2轮"),
                ("starts", "2026-11-23T22:00"),
                ("ends", "2026-11-23T06:00"),
                ("pool_size", "10"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let r = post_form(
            addr,
            "/testing",
            &cookie,
            &[
                ("csrf", &csrf),
                ("area", "431102001001"),
                ("name", "第2轮"),
                ("starts", "2026-11-23T06:00"),
                ("ends", "2026-11-23T22:00"),
                ("pool_size", "5"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // Outside the officer's scope: not found.
        let r = post_form(
            addr,
            "/testing",
            &cookie,
            &[
                ("csrf", &csrf),
                ("area", "431102001009"),
                ("name", "x"),
                ("starts", "2026-11-23T06:00"),
                ("ends", "2026-11-23T22:00"),
                ("pool_size", "5"),
            ],
        )
        .await;
        assert_eq!(r.status, 404);
        // A door-to-door team in the grid, with a collector, and single tubes there.
        let grid = "431102001001/G0001";
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/sites"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("back", "431102001001"),
                ("area", grid),
                ("name", "入户队"),
                ("kind", "door"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let site = count(db, "SELECT id FROM test_sites WHERE name = '入户队'").await;
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/sites/{site}/collectors"),
            &cookie,
            &[("csrf", &csrf), ("back", grid), ("username", "demo-grid")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/sites/{site}/collectors"),
            &cookie,
            &[("csrf", &csrf), ("back", grid), ("username", "nobody")],
        )
        .await;
        assert_eq!(r.status, 422);
        let r = post_form(
            addr,
            &format!("/testing/rounds/{round}/pool"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("back", grid),
                ("area", grid),
                ("pool_size", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        let p = get_page(addr, r.header("location").unwrap(), &cookie).await;
        assert!(
            p.body.contains("入户队") && p.body.contains(wardline::cli::demo_person("demo-grid")),
            "{}",
            p.body
        );
        assert!(
            p.body.contains("id=\"pool-rules\">东岳宫社区 第1网格"),
            "{}",
            p.body
        );
        // A grid worker may not create rounds (403), whatever the area.
        let g = login(addr, "demo-grid", PW).await;
        let r = post_form(
            addr,
            "/testing",
            &g.cookie,
            &[
                ("csrf", &g.csrf),
                ("area", grid),
                ("name", "x"),
                ("starts", "2026-11-23T06:00"),
                ("ends", "2026-11-23T22:00"),
                ("pool_size", "5"),
            ],
        )
        .await;
        assert_eq!(r.status, 403);
        let _ = t.name;
    }
}
