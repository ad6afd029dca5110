//! The supplies pages through the real server with the demo data: the overview and a fund
//! page for an officer, a transfer through the fund page's form (303, and 422 with the amount
//! left), scope (a grid worker finds no depot, a volunteer is refused the overview).

use wardline::args;

use crate::common::{backends, demo, get_page, login, post_form, serve};

const PW: &str = wardline::cli::DEMO_PASSWORD;

#[tokio::test]
async fn officer_pages_transfer_form_and_scope() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2000, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        assert!(wardline::supplies::demo::create(db).await.unwrap().unwrap() > 20);
        let addr = serve(db).await;
        let st = login(addr, "demo-street", PW).await;
        let home = get_page(addr, "/supplies?lang=zh-CN", &st.cookie).await;
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.body.contains("街道防疫专项资金") && home.body.contains("街道物资仓库"));
        let fund: i64 = db
            .scalar(
                "SELECT id FROM sup_funds WHERE name = '街道防疫专项资金'",
                vec![],
            )
            .await
            .unwrap();
        let page = get_page(addr, &format!("/supplies/funds/{fund}"), &st.cookie).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("transfer-form"),
            "{}: the transfer form",
            t.name
        );
        // A community fund to move money to.
        let street = wardline::supplies::area_in_scope(
            db,
            &wardline::access::authenticate(
                db,
                &wardline::access::create_token(db, "demo-street", "t")
                    .await
                    .unwrap(),
            )
            .await
            .unwrap(),
            "",
        )
        .await
        .unwrap();
        assert_eq!(street.code, "431102001");
        let r = post_form(
            addr,
            "/supplies/funds/new",
            &st.cookie,
            &[
                ("csrf", &st.csrf),
                ("name", "一社区资金"),
                ("area", wardline::cli::DEMO_COMMUNITY),
                ("owner", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let f2: i64 = db
            .scalar("SELECT id FROM sup_funds WHERE name = '一社区资金'", vec![])
            .await
            .unwrap();
        let before: i64 = db
            .scalar(
                "SELECT CAST(SUM(fen) AS BIGINT) AS n FROM sup_fund_bal WHERE fund_id = $1",
                args![fund],
            )
            .await
            .unwrap();
        let r = post_form(
            addr,
            "/supplies/transfers",
            &st.cookie,
            &[
                ("csrf", &st.csrf),
                ("client_id", "tr-1"),
                ("fund", &fund.to_string()),
                ("to_fund", &f2.to_string()),
                ("amount", "100"),
                ("lot", ""),
                ("purpose", "下拨社区"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after: i64 = db
            .scalar(
                "SELECT CAST(SUM(fen) AS BIGINT) AS n FROM sup_fund_bal WHERE fund_id = $1",
                args![fund],
            )
            .await
            .unwrap();
        assert_eq!(before - after, 10_000);
        let r = post_form(
            addr,
            "/supplies/transfers?lang=zh-CN",
            &st.cookie,
            &[
                ("csrf", &st.csrf),
                ("fund", &fund.to_string()),
                ("to_fund", &f2.to_string()),
                ("amount", "99999999"),
                ("purpose", "x"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("资金余额不足"), "{}", t.name);
        // Scope: the grid worker does not find the street's depot; a volunteer has no overview.
        let depot: i64 = db
            .scalar("SELECT id FROM sup_stores WHERE kind = 'depot'", vec![])
            .await
            .unwrap();
        let grid = login(addr, "demo-grid", PW).await;
        assert_eq!(
            get_page(addr, &format!("/supplies/stores/{depot}"), &grid.cookie)
                .await
                .status,
            404
        );
        let vol = login(addr, "demo-volunteer", PW).await;
        assert_eq!(get_page(addr, "/supplies", &vol.cookie).await.status, 403);
        // The keeper's stock card links every line to its document.
        let keeper = login(addr, "demo-keeper", PW).await;
        let card = get_page(addr, &format!("/supplies/stores/{depot}"), &keeper.cookie).await;
        assert_eq!(card.status, 200);
        assert!(card.body.contains("/supplies/moves/"), "{}", t.name);
    }
}

/// A household's page shows what it received (summed per item) to registry readers in scope;
/// the settings page shows the two-approver threshold to readers and lets HQ set it.
#[tokio::test]
async fn household_section_and_settings_page() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2000, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::supplies::demo::create(db).await.unwrap();
        let addr = serve(db).await;
        let hh: i64 = db
            .scalar(
                "SELECT household_id FROM sup_moves WHERE kind = 'handout' AND household_id IS NOT NULL ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let got: i64 = db
            .scalar(
                "SELECT CAST(SUM(qty) AS BIGINT) AS n FROM sup_moves WHERE kind = 'handout' AND household_id = $1",
                args![hh],
            )
            .await
            .unwrap();
        let st = login(addr, "demo-street", PW).await;
        let page = get_page(addr, &format!("/households/{hh}?lang=zh-CN"), &st.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("household-handouts") && page.body.contains("已领取物资"),
            "{}: the section",
            t.name
        );
        assert!(
            page.body.contains(&got.to_string()),
            "{}: the sum {got}",
            t.name
        );
        // A household without handouts has no such section.
        let none: i64 = db
            .scalar(
                "SELECT id FROM households WHERE id NOT IN (SELECT household_id FROM sup_moves WHERE household_id IS NOT NULL) ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let page = get_page(addr, &format!("/households/{none}"), &st.cookie).await;
        assert!(!page.body.contains("household-handouts"));

        // Settings: the street officer reads it, HQ sets it.
        let page = get_page(addr, "/supplies/settings", &st.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("threshold-now") && !page.body.contains("settings-form"));
        let hq = login(addr, "demo-hq", PW).await;
        let page = get_page(addr, "/supplies/settings", &hq.cookie).await;
        assert!(page.body.contains("settings-form"));
        let r = post_form(
            addr,
            "/supplies/settings",
            &hq.cookie,
            &[("csrf", &hq.csrf), ("threshold", "2000")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            wardline::supplies::money::threshold(db).await.unwrap(),
            200_000
        );
        let r = post_form(
            addr,
            "/supplies/settings?lang=zh-CN",
            &hq.cookie,
            &[("csrf", &hq.csrf), ("threshold", "20.001")],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("两位小数"), "{}", t.name);
    }
}
