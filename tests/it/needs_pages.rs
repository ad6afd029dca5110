//! The needs' pages over HTTP, on the demo city's needs: the household link (its form's errors
//! in both languages, nothing of another household, the rate limit, confirming and
//! withdrawing), the staff's queue, need and figures pages with their scope, the dispatch
//! forms, and the volunteer's phone pages (claim, the masked phone revealed to the holder
//! only). On both backends.

use wardline::args;
use wardline::db::Db;

use crate::common::{backends, demo_under, get_page, login, post_form, request};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

pub(crate) async fn setup(db: &Db) {
    // The people all in the demo community, so that its needs are many.
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    demo_under(db, 3_000, 3, COMMUNITY).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_mobilization(db).await.unwrap();
    let n = wardline::needs::demo::create(db)
        .await
        .unwrap()
        .expect("demo needs");
    assert!(n >= 20, "demo needs: {n}");
    assert_eq!(
        wardline::needs::demo::create(db).await.unwrap(),
        None,
        "only once"
    );
}

async fn one(db: &Db, sql: &str, p: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, p).await.unwrap().int(0)
}

#[tokio::test]
async fn household_link_pages() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let (hh, token) = {
            let r = db
                .query_one(
                    "SELECT household_id, token FROM household_links ORDER BY household_id LIMIT 1",
                    vec![],
                )
                .await
                .unwrap();
            (r.int(0), r.string(1))
        };
        let other = db
            .query_one(
                "SELECT address FROM households WHERE id <> $1 ORDER BY id LIMIT 1",
                args![hh],
            )
            .await
            .unwrap()
            .string(0);
        let url = format!("/h/{token}");
        let p = request(addr, "GET", &format!("{url}?lang=zh"), &[], None).await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains("向社区求助") && p.body.contains("id=\"ask-form\""));
        assert!(!p.body.contains(&other), "no other household's address");
        // Nothing personal: no member's name or phone on the page.
        for r in db
            .query(
                "SELECT name, phone FROM residents WHERE household_id = $1",
                args![hh],
            )
            .await
            .unwrap()
        {
            assert!(!p.body.contains(r.text(0)), "a member's name shows");
            if let Some(ph) = r.opt_string(1) {
                assert!(!p.body.contains(&ph));
            }
        }
        // Bad input: each field named, in the reader's language, the values kept; nothing saved.
        let before = one(db, "SELECT COUNT(*) FROM needs", vec![]).await;
        for (lang, words) in [
            ("zh", ["需求类别", "紧急程度", "请描述具体需求", "手机号码"]),
            (
                "en",
                [
                    "What is needed",
                    "Urgency",
                    "describe what is needed",
                    "mobile",
                ],
            ),
        ] {
            let r = post_form(
                addr,
                &format!("{url}?lang={lang}"),
                "",
                &[
                    ("category", "caviar"),
                    ("urgency", ""),
                    ("description", ""),
                    ("phone", "123"),
                    ("for_name", "王阿姨"),
                    ("client_id", "c-1"),
                ],
            )
            .await;
            assert_eq!(r.status, 422, "{}", r.body);
            for w in words {
                assert!(r.body.contains(w), "{lang}: {w} not in the answer");
            }
            assert!(r.body.contains("value=\"王阿姨\""), "values kept");
        }
        assert_eq!(one(db, "SELECT COUNT(*) FROM needs", vec![]).await, before);
        // A good request, sent twice (same form id): one need.
        let good = [
            ("category", "medicine"),
            ("urgency", "2"),
            ("description", "降压药 2 盒"),
            ("phone", ""),
            ("for_name", ""),
            ("client_id", "c-2"),
        ];
        for _ in 0..2 {
            let r = post_form(addr, &url, "", &good).await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert!(r
                .header("location")
                .unwrap()
                .starts_with(&format!("{url}?done=")));
        }
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM needs WHERE client_id = 'c-2'",
                vec![]
            )
            .await,
            1
        );
        let id = one(db, "SELECT id FROM needs WHERE client_id = 'c-2'", vec![]).await;
        let p = request(addr, "GET", &url, &[], None).await;
        assert!(p.body.contains(&format!("id=\"req-{id}\"")));
        assert!(
            !p.body.contains("降压药 2 盒"),
            "earlier descriptions are not shown to the plate's finder"
        );
        // Withdraw it; another household's need cannot be touched through this link.
        let theirs = one(
            db,
            "SELECT MIN(id) FROM needs WHERE household_id <> $1 AND status = 'new'",
            args![hh],
        )
        .await;
        let r = post_form(
            addr,
            &format!("{url}/needs/{theirs}"),
            "",
            &[("action", "cancel"), ("reason", "x")],
        )
        .await;
        assert_eq!(r.status, 404);
        let r = post_form(
            addr,
            &format!("{url}/needs/{id}"),
            "",
            &[
                ("action", "cancel"),
                ("reason", "withdrawn by the household"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            db.query_one("SELECT status FROM needs WHERE id = $1", args![id])
                .await
                .unwrap()
                .string(0),
            "cancelled"
        );
        // A done need of this household: confirm and rate it once.
        let done = db
            .query_opt("SELECT n.id, l.token FROM needs n JOIN household_links l ON l.household_id = n.household_id WHERE n.status = 'done' AND n.confirmed_ms IS NULL ORDER BY n.id LIMIT 1", vec![])
            .await
            .unwrap()
            .expect("an unconfirmed done need in the demo");
        let (did, dtoken) = (done.int(0), done.string(1));
        let page = request(addr, "GET", &format!("/h/{dtoken}"), &[], None).await;
        assert!(page.body.contains("class=\"box confirm\""));
        let r = post_form(
            addr,
            &format!("/h/{dtoken}/needs/{did}"),
            "",
            &[
                ("action", "confirm"),
                ("rating", "4"),
                ("feedback", "很及时"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let row = db
            .query_one(
                "SELECT rating, feedback FROM needs WHERE id = $1",
                args![did],
            )
            .await
            .unwrap();
        assert_eq!((row.int(0), row.string(1)), (4, "很及时".to_owned()));
        let r = post_form(
            addr,
            &format!("/h/{dtoken}/needs/{did}"),
            "",
            &[("action", "confirm"), ("rating", "1")],
        )
        .await;
        assert_eq!(r.status, 422, "confirmed once only");
        // Unknown links are not found; so many requests from one address, then 429.
        let r = request(
            addr,
            "GET",
            "/h/0000000000000000deadbeef00000000",
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, 404);
        let mut last = 0;
        for _ in 0..25 {
            last = request(addr, "GET", &url, &[], None).await.status;
        }
        assert_eq!(last, 429, "{}", t.name);
    }
}

#[tokio::test]
async fn staff_and_volunteer_pages() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        crate::mobilization_pages::outsider(db).await;
        let addr = crate::common::serve(db).await;
        let officer = login(addr, "demo-community", PW).await;
        let c = &officer.cookie;
        let id = one(db, "SELECT MIN(id) FROM needs WHERE status = 'new'", vec![]).await;
        let address = db
            .query_one("SELECT h.address FROM needs n JOIN households h ON h.id = n.household_id WHERE n.id = $1", args![id])
            .await
            .unwrap()
            .string(0);
        let p = get_page(addr, &format!("/needs?area={COMMUNITY}"), c).await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains(&format!("id=\"need-{id}\"")));
        assert!(p.body.contains("id=\"nav-needs\""));
        let open = one(db, "SELECT COUNT(*) FROM needs WHERE is_open = 1", vec![]).await;
        assert!(p.body.contains(&format!("<b>{open}</b>")), "the open count");
        // Late needs escalated to a community officer: the most urgent five on top, all of
        // them behind a link.
        let late = one(
            db,
            "SELECT COUNT(*) FROM needs WHERE is_open = 1 AND escalation >= 1",
            vec![],
        )
        .await;
        assert!(late > 0, "the demo has late needs");
        assert!(p.body.contains("id=\"escalated\""));
        let p = get_page(addr, &format!("/needs?area={COMMUNITY}&late=1"), c).await;
        assert!(p.body.contains("id=\"late-only\""));
        assert_eq!(
            p.body.matches("<tr id=\"need-").count() as i64,
            late.min(50)
        );
        let p = get_page(addr, &format!("/needs/{id}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(&address) && p.body.contains("id=\"history\""));
        let phone = db
            .query_one("SELECT phone FROM needs WHERE id = $1", args![id])
            .await
            .unwrap()
            .opt_string(0);
        assert!(
            phone.is_some(),
            "the household's phone is the one to call back"
        );
        if let Some(ph) = &phone {
            assert!(
                !p.body.contains(ph.as_str()),
                "officers see the phone masked here"
            );
        }
        let p = get_page(addr, &format!("/needs/figures?area={COMMUNITY}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"fig-registered\""));
        // Another community's officer: not found, no address, no count.
        let o2 = login(addr, "other-community", PW).await;
        for path in [
            format!("/needs/{id}"),
            format!("/needs?area={COMMUNITY}"),
            format!("/needs/figures?area={COMMUNITY}"),
        ] {
            let p = get_page(addr, &path, &o2.cookie).await;
            assert_eq!(p.status, 404, "{path}");
            assert!(!p.body.contains(&address), "{path}");
        }
        let p = get_page(addr, "/needs", &o2.cookie).await;
        assert!(
            p.body.contains("id=\"queue-empty\""),
            "their own queue is empty"
        );
        // The dispatch forms: a bad assignment is named; CSRF is required; then assign.
        let r = post_form(
            addr,
            &format!("/needs/{id}/act?lang=en"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("action", "assign"),
                ("version", "0"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("choose a team or a volunteer"));
        let r = post_form(
            addr,
            &format!("/needs/{id}/act"),
            c,
            &[("csrf", "forged"), ("action", "cancel"), ("reason", "x")],
        )
        .await;
        assert_eq!(r.status, 403);
        let r = post_form(
            addr,
            &format!("/needs/{id}/act?lang=zh"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("action", "cancel"),
                ("reason", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("请填写原因"), "the reader's language");
        // The volunteer's phone pages: the queue of their area, claim, call, start, done.
        let vol = login(addr, "demo-volunteer", PW).await;
        let p = get_page(addr, "/me/needs", &vol.cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(
            p.body.contains(&format!("id=\"task-{id}\"")),
            "waiting in their area"
        );
        let p = get_page(addr, &format!("/me/needs/{id}"), &vol.cookie).await;
        assert!(p.body.contains("id=\"do-claim\""));
        assert!(
            !p.body.contains("id=\"call\""),
            "no call before it is theirs"
        );
        let v = hidden_input_version(&p.body);
        let r = post_form(
            addr,
            &format!("/me/needs/{id}/act"),
            &vol.cookie,
            &[("csrf", &vol.csrf), ("action", "claim"), ("version", &v)],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let p = get_page(addr, &format!("/me/needs/{id}"), &vol.cookie).await;
        if let Some(ph) = &phone {
            assert!(
                !p.body.contains(ph.as_str()),
                "masked until they press call"
            );
            assert!(p.body.contains("id=\"call\""));
            let r = post_form(
                addr,
                &format!("/me/needs/{id}/call"),
                &vol.cookie,
                &[("csrf", &vol.csrf)],
            )
            .await;
            assert_eq!(r.status, 200);
            assert!(r.body.contains(&format!("href=\"tel:{ph}\"")));
            assert_eq!(
                one(
                    db,
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'need_phone_reveal'",
                    vec![]
                )
                .await,
                1
            );
            // The officer still sees it masked.
            assert!(!get_page(addr, &format!("/needs/{id}"), c)
                .await
                .body
                .contains(&format!("tel:{ph}")));
        }
        // The officer's stale form is refused with what happened.
        let r = post_form(
            addr,
            &format!("/needs/{id}/act?lang=en"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("action", "cancel"),
                ("reason", "x"),
                ("version", "0"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("changed since you opened it"));
        for action in ["start", "done"] {
            let p = get_page(addr, &format!("/me/needs/{id}"), &vol.cookie).await;
            let v = hidden_input_version(&p.body);
            let r = post_form(
                addr,
                &format!("/me/needs/{id}/act"),
                &vol.cookie,
                &[("csrf", &vol.csrf), ("action", action), ("version", &v)],
            )
            .await;
            assert_eq!(r.status, 303, "{action}: {}", r.body);
        }
        assert_eq!(
            db.query_one("SELECT status FROM needs WHERE id = $1", args![id])
                .await
                .unwrap()
                .string(0),
            "done"
        );
        // A volunteer may not read the queue; an officer may not use the volunteer's pages.
        assert_eq!(get_page(addr, "/needs", &vol.cookie).await.status, 403);
        assert_eq!(get_page(addr, "/me/needs", c).await.status, 403);
        // Staff intake: every bad field named; a good one lands in the queue.
        let hh = one(db, "SELECT MIN(household_id) FROM household_links", vec![]).await;
        let p = get_page(addr, &format!("/needs/new?household={hh}"), c).await;
        assert_eq!(p.status, 200);
        let cid = crate::common::hidden_input(&p.body, "client_id").expect("a form id");
        let r = post_form(
            addr,
            &format!("/needs/new?household={hh}"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("source", "hotline"),
                ("category", ""),
                ("urgency", "9"),
                ("description", ""),
                ("client_id", &cid),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("What is needed") || r.body.contains("需求类别"));
        let r = post_form(
            addr,
            &format!("/needs/new?household={hh}"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("source", "hotline"),
                ("category", "gas"),
                ("urgency", "3"),
                ("description", "换一罐气"),
                ("client_id", &cid),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM needs WHERE client_id = $1",
                args![cid.as_str()]
            )
            .await,
            1
        );
        let p = get_page(addr, &format!("/needs/new?household={hh}"), &o2.cookie).await;
        assert_eq!(p.status, 404);
        // The door plate: a QR code of the household's link; a new one kills the old.
        let old = db
            .query_one(
                "SELECT token FROM household_links WHERE household_id = $1",
                args![hh],
            )
            .await
            .unwrap()
            .string(0);
        let p = get_page(addr, &format!("/households/{hh}/plate"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(&format!("/h/{old}")) && p.body.contains("<svg"));
        assert_eq!(
            get_page(addr, &format!("/households/{hh}/plate"), &o2.cookie)
                .await
                .status,
            404
        );
        let r = post_form(
            addr,
            &format!("/households/{hh}/plate/renew"),
            c,
            &[("csrf", &officer.csrf)],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            request(addr, "GET", &format!("/h/{old}"), &[], None)
                .await
                .status,
            404
        );
    }
}

/// The version a need's action form carries.
fn hidden_input_version(body: &str) -> String {
    crate::common::hidden_input(body, "version").unwrap_or_else(|| "0".into())
}
