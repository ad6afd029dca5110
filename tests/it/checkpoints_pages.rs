//! The checkpoints' pages over HTTP, on the demo gates, on both backends: the visitors' public
//! form (errors named, a second form refused with its number, an unknown code not found, the
//! rate limit), the checker's gate (a pass logged once however often the form is sent, a bad
//! temperature shown on the card again), and scope (the demo volunteer sees only the north gate,
//! and its log without figures; the officer sees the figures).

use wardline::args;
use wardline::db::Db;

use crate::common::{backends, demo_under, get_page, login, post_form, request};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

async fn setup(db: &Db) -> (i64, i64, String) {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    demo_under(db, 2_000, 3, COMMUNITY).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_mobilization(db).await.unwrap();
    let n = wardline::checkpoints::demo::create(db)
        .await
        .unwrap()
        .expect("demo checkpoints");
    assert!(n > 200, "a day of passes: {n}");
    assert_eq!(
        wardline::checkpoints::demo::create(db).await.unwrap(),
        None,
        "only once"
    );
    let id = |name: &'static str| async move {
        db.scalar::<i64>(
            "SELECT c.place_id FROM checkpoints c JOIN places p ON p.id = c.place_id WHERE p.name = $1",
            args![name],
        )
        .await
        .unwrap()
    };
    let (north, south) = (id("北门卡口").await, id("南门卡口").await);
    let token: String = db
        .scalar(
            "SELECT visitor_token FROM checkpoints WHERE place_id = $1",
            args![north],
        )
        .await
        .unwrap();
    (north, south, token)
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar(sql, vec![]).await.unwrap()
}

#[tokio::test]
async fn the_visitors_public_form() {
    for t in backends().await {
        let db = &t.db;
        let (_, _, token) = setup(db).await;
        let addr = crate::common::serve(db).await;
        let path = format!("/v/{token}");
        let r = get_page(addr, &path, "").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("外来人员登记") && r.body.contains("北门卡口"));
        let number = crate::access::id_number("19900307", 123);
        let fields = [
            ("doc_type", "id_card"),
            ("number", number.as_str()),
            ("name", "周晓梅"),
            ("phone", "13912345678"),
            ("from", "长沙市"),
            ("to", ""),
            ("reason", "探亲"),
            ("direction", "in"),
        ];
        let before = count(db, "SELECT COUNT(*) FROM checkpoint_visitors").await;
        let r = post_form(addr, &path, "", &fields).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("已登记：编号"), "{}", r.body);
        // Sent twice: refused, with the number, nothing added.
        let r = post_form(addr, &path, "", &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("您已在此登记"), "{}", r.body);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM checkpoint_visitors").await,
            before + 1
        );
        // Bad fields: each named, the values kept, nothing added.
        let r = post_form(
            addr,
            &path,
            "",
            &[
                ("number", "123"),
                ("name", "李四"),
                ("phone", "99"),
                ("from", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("证件号码") && r.body.contains("李四"),
            "{}",
            r.body
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM checkpoint_visitors").await,
            before + 1
        );
        // An unknown code: not found.
        assert_eq!(get_page(addr, "/v/nope", "").await.status, 404);
        // The rate limit: past 20 forms in ten minutes from one address, refused.
        let mut last = 0;
        for _ in 0..20 {
            last = get_page(addr, &path, "").await.status;
        }
        assert_eq!(last, 429);
    }
}

#[tokio::test]
async fn the_gate_logs_once_and_keeps_its_scope() {
    for t in backends().await {
        let db = &t.db;
        let (north, south, _) = setup(db).await;
        let addr = crate::common::serve(db).await;
        let vol = login(addr, "demo-volunteer", PW).await;
        // The volunteer is on duty at the north gate only.
        let r = get_page(addr, "/checkpoints/me", &vol.cookie).await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some(format!("/checkpoints/{north}/gate").as_str())
        );
        assert_eq!(
            get_page(addr, &format!("/checkpoints/{north}/gate"), &vol.cookie)
                .await
                .status,
            200
        );
        for p in ["/gate", "", "/vehicle", "/poster"] {
            let r = get_page(addr, &format!("/checkpoints/{south}{p}"), &vol.cookie).await;
            assert_eq!(r.status, 404, "{p}");
        }
        let page = get_page(addr, &format!("/checkpoints/{north}"), &vol.cookie).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("id=\"figures\""),
            "no figures for checkers"
        );
        assert!(page.body.contains("最近 24 小时"));
        // A resident by ID number: the card, then "pass", twice with one client id.
        let doc: String = db
            .scalar(
                "SELECT doc_number FROM residents WHERE doc_type = 'id_card' ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let card = post_form(
            addr,
            &format!("/checkpoints/{north}/lookup"),
            &vol.cookie,
            &[("csrf", &vol.csrf), ("code", &doc)],
        )
        .await;
        assert_eq!(card.status, 200, "{}", card.body);
        assert!(card.body.contains("id=\"person-card\""));
        // A door plate: the household's members to choose from, masked, each opening a card.
        let officer = wardline::registry::demo::demo_reader(db, "demo-community")
            .await
            .unwrap()
            .unwrap();
        let hh: i64 = db
            .scalar(
                "SELECT household_id FROM residents WHERE doc_number = $1",
                args![doc.as_str()],
            )
            .await
            .unwrap();
        let plate = wardline::needs::intake::link_token(db, &officer, hh)
            .await
            .unwrap();
        let list = post_form(
            addr,
            &format!("/checkpoints/{north}/lookup"),
            &vol.cookie,
            &[
                ("csrf", &vol.csrf),
                ("code", &format!("http://x.cn/h/{plate}")),
            ],
        )
        .await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(list.body.contains("id=\"members\"") && list.body.contains("WLR1."));
        let name: String = db
            .scalar(
                "SELECT name FROM residents WHERE doc_number = $1",
                args![doc.as_str()],
            )
            .await
            .unwrap();
        assert!(!list.body.contains(&name), "names are masked");
        let bad = post_form(
            addr,
            &format!("/checkpoints/{north}/lookup"),
            &vol.cookie,
            &[("csrf", &vol.csrf), ("code", "http://x.cn/h/nosuchplate")],
        )
        .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("户码已失效"));
        let before = count(db, "SELECT COUNT(*) FROM pass_entries").await;
        let mut fields = vec![
            ("csrf", vol.csrf.as_str()),
            ("client_id", "web-test-1"),
            ("kind", "resident"),
            ("code", doc.as_str()),
            ("health_code", "green"),
            ("temperature", "36.6"),
            ("direction", "in"),
            ("decision", "pass"),
        ];
        for _ in 0..2 {
            let r = post_form(
                addr,
                &format!("/checkpoints/{north}/pass"),
                &vol.cookie,
                &fields,
            )
            .await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert!(r.header("location").unwrap().contains("done=logged-pass"));
        }
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries").await,
            before + 1
        );
        // A temperature of 45: the card again with the reason, nothing written.
        fields[1] = ("client_id", "web-test-2");
        fields[5] = ("temperature", "45");
        let r = post_form(
            addr,
            &format!("/checkpoints/{north}/pass"),
            &vol.cookie,
            &fields,
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("不是有效体温") && r.body.contains("id=\"person-card\""));
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries").await,
            before + 1
        );
        // At the south gate: not found, nothing written.
        fields[1] = ("client_id", "web-test-3");
        fields[5] = ("temperature", "36.6");
        let r = post_form(
            addr,
            &format!("/checkpoints/{south}/pass"),
            &vol.cookie,
            &fields,
        )
        .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries").await,
            before + 1
        );
        // The officer sees both gates with their figures.
        let o = login(addr, "demo-community", PW).await;
        let page = get_page(addr, &format!("/checkpoints/{south}"), &o.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"figures\"") && page.body.contains("id=\"log\""));
        // Since yesterday: the demo's day of passes is the last 24 hours (just after midnight
        // China time, today alone holds next to nothing).
        let yesterday = {
            use wardline::checkpoints::figures::{china_day, day_text};
            day_text(china_day(wardline::db::now_ms()) - 1)
        };
        let r = request(
            addr,
            "GET",
            &format!("/checkpoints/figures?from={yesterday}"),
            &[("Cookie", o.cookie.as_str())],
            None,
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("北门卡口") && r.body.contains("南门卡口"));
    }
}

/// A waiting visitor's phone on the confirm page: masked, with a call button; the call shows the
/// full number (a `tel:` link) and is audited; another gate's visitor is not found.
#[tokio::test]
async fn the_checker_calls_a_waiting_visitor() {
    for t in backends().await {
        let db = &t.db;
        let (north, south, _) = setup(db).await;
        let addr = crate::common::serve(db).await;
        let vol = login(addr, "demo-volunteer", PW).await;
        let (vid, phone): (i64, String) = {
            let r = db
                .query_one(
                    "SELECT id, phone FROM checkpoint_visitors WHERE place_id = $1 \
                     AND status = 'waiting' AND phone <> '' ORDER BY id LIMIT 1",
                    args![north],
                )
                .await
                .unwrap();
            (r.int(0), r.string(1))
        };
        let page = get_page(
            addr,
            &format!("/checkpoints/{north}/visitors/{vid}"),
            &vol.cookie,
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"call-visitor\""), "{}", page.body);
        assert!(!page.body.contains(&phone), "masked until called");
        let calls = "SELECT COUNT(*) FROM audit_log WHERE action = 'phone_call' \
                     AND entity = 'checkpoint_visitor'";
        assert_eq!(count(db, calls).await, 0);
        let r = post_form(
            addr,
            &format!("/checkpoints/{north}/visitors/{vid}/call"),
            &vol.cookie,
            &[
                ("csrf", &vol.csrf),
                ("back", &format!("/checkpoints/{north}/visitors/{vid}")),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains(&format!("href=\"tel:{phone}\"")),
            "{}",
            r.body
        );
        assert_eq!(count(db, calls).await, 1);
        // Through the other gate: nothing (the volunteer is not on duty there).
        let other: i64 = db
            .scalar(
                "SELECT COALESCE(MAX(id), 0) FROM checkpoint_visitors WHERE place_id = $1",
                args![south],
            )
            .await
            .unwrap();
        let r = post_form(
            addr,
            &format!("/checkpoints/{south}/visitors/{}/call", other.max(vid)),
            &vol.cookie,
            &[("csrf", &vol.csrf), ("back", "/")],
        )
        .await;
        assert_eq!(r.status, 404);
        // A visitor of the north gate asked for through the north gate only.
        assert_eq!(count(db, calls).await, 1);
    }
}
