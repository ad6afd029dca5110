//! Issue 21 (the front line on a phone), the registry's part: tap to call, household lists in
//! walking order with a search by address, grid codes on the area pages, a new household's
//! first member as its head, stacked tables, and the audit log in people's words.

use wardline::args;
use wardline::cli::DEMO_PASSWORD;
use wardline::db::{path_end, Db};
use wardline::registry::residents;
use wardline::web::html::url_enc;

use crate::common::{backends, demo, get_page, login, post_form, request, serve, Browser};

const COMMUNITY: &str = "431102001001";

/// A resident of the demo community: (id, phone, ID number).
async fn resident_with_phone(db: &Db) -> (i64, String, String) {
    let r = db
        .query_one(
            "SELECT id, phone, doc_number FROM residents WHERE path >= $1 AND path < $2 \
             AND phone IS NOT NULL AND phone <> '' ORDER BY id LIMIT 1",
            args![COMMUNITY, path_end(COMMUNITY)],
        )
        .await
        .unwrap();
    (r.int(0), r.string(1), r.string(2))
}

async fn call(addr: std::net::SocketAddr, b: &Browser, id: i64, json: bool) -> crate::common::Resp {
    let body = crate::common::form_body(&[("csrf", &b.csrf), ("back", "/areas")]);
    let mut headers = vec![
        ("Cookie", b.cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    if json {
        headers.push(("Accept", "application/json"));
    }
    request(
        addr,
        "POST",
        &format!("/residents/{id}/call"),
        &headers,
        Some(body.as_bytes()),
    )
    .await
}

/// Another community of the demo street, with an officer of its own.
async fn other_officer(db: &Db) {
    let other = db
        .query_one(
            "SELECT MIN(code) FROM areas WHERE level = 5 AND code > '431102001001' AND code < '431102002'",
            vec![],
        )
        .await
        .unwrap()
        .string(0);
    wardline::access::create_account_as(
        db,
        &wardline::audit::Actor::cli(),
        &wardline::access::NewAccount {
            username: "other-community",
            display_name: "邻社区干部",
            role: "community",
            scope_codes: std::slice::from_ref(&other),
            password: Some(DEMO_PASSWORD),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn tap_to_call_reveals_the_phone_alone_to_those_who_call() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 600, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        other_officer(db).await;
        let addr = serve(db).await;
        let (id, phone, doc) = resident_with_phone(db).await;
        let officer = login(addr, "demo-community", DEMO_PASSWORD).await;

        // JSON, for the page's script: the phone, nothing else.
        let r = call(addr, &officer, id, true).await;
        assert_eq!(r.status, 200, "{}: {}", t.name, r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v, serde_json::json!({ "phone": phone }), "{}", t.name);
        assert!(!r.body.contains(&doc));

        // HTML, without the script: a tel: link, the ID number not shown.
        let r = call(addr, &officer, id, false).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains(&format!("href=\"tel:{phone}\"")),
            "{}",
            r.body
        );
        assert!(!r.body.contains(&doc), "the ID number stays masked");

        // Audited as phone_call, naming only the phone.
        let rows = db
            .query(
                "SELECT detail FROM audit_log WHERE action = 'phone_call' AND entity = 'resident' AND entity_id = $1",
                args![id.to_string()],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{}: one entry a call", t.name);
        for row in &rows {
            let d: serde_json::Value = serde_json::from_str(&row.string(0)).unwrap();
            assert_eq!(d, serde_json::json!({"fields": ["phone"]}));
        }

        // An officer of another area: not found (nothing said about the person), nothing logged.
        let other = login(addr, "other-community", DEMO_PASSWORD).await;
        for json in [true, false] {
            let r = call(addr, &other, id, json).await;
            assert_eq!(r.status, 404, "{}: {}", t.name, r.body);
            assert!(!r.body.contains(&phone));
        }
        // Roles that never call: forbidden.
        for user in ["demo-volunteer", "demo-collector"] {
            let b = login(addr, user, DEMO_PASSWORD).await;
            for json in [true, false] {
                let r = call(addr, &b, id, json).await;
                assert_eq!(r.status, 403, "{}: {user}: {}", t.name, r.body);
                assert!(!r.body.contains(&phone));
            }
        }
        // No phone on record: a conflict, with what to do.
        crate::common::exec(
            db,
            "UPDATE residents SET phone = NULL WHERE id = $1",
            args![id],
        )
        .await;
        let r = call(addr, &officer, id, true).await;
        assert_eq!(r.status, 409, "{}: {}", t.name, r.body);
        let r = call(addr, &officer, id, false).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("上门"), "{}", r.body);
        let n = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'phone_call'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 2, "{}: refused calls are not logged as calls", t.name);
    }
}

/// The ids of the households listed on a page, in order.
fn listed_households(body: &str) -> Vec<i64> {
    let Some(at) = body.find("id=\"households\"") else {
        return vec![];
    };
    let table = &body[at..body[at..].find("</table>").map_or(body.len(), |e| at + e)];
    table
        .split("href=\"/households/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn households_are_listed_in_walking_order_and_found_by_address() {
    for t in backends().await {
        let db = &t.db;
        crate::common::demo_under(db, 1000, 3, COMMUNITY).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let officer = login(addr, "demo-community", DEMO_PASSWORD).await;

        // The community's page lists its grids with their codes.
        let page = get_page(addr, &format!("/areas/{COMMUNITY}"), &officer.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let grids = db
            .query(
                "SELECT code, path FROM areas WHERE level = $1 AND path >= $2 AND path < $3 ORDER BY path",
                args![
                    wardline::registry::model::LEVEL_GRID,
                    COMMUNITY,
                    path_end(COMMUNITY)
                ],
            )
            .await
            .unwrap();
        assert!(!grids.is_empty());
        for g in &grids {
            assert!(
                page.body.contains(&format!("<code>{}</code>", g.string(0))),
                "{}: grid code {} shown",
                t.name,
                g.string(0)
            );
        }
        assert!(page
            .body
            .contains("<table class=\"stack wide\" id=\"children\">"));

        // A grid's households: by place, then address (numbers in number order), then number.
        let biggest = db
            .query_one(
                "SELECT a.code, a.path FROM areas a WHERE a.level = $1 AND a.path >= $2 AND a.path < $3 \
                 ORDER BY (SELECT COUNT(*) FROM households h WHERE h.path >= a.path AND h.path < a.path || '~') DESC, a.path LIMIT 1",
                args![
                    wardline::registry::model::LEVEL_GRID,
                    COMMUNITY,
                    path_end(COMMUNITY)
                ],
            )
            .await
            .unwrap();
        let (grid_code, grid_path) = (biggest.string(0), biggest.string(1));
        let url = format!("/areas/{}", url_enc(&grid_code));
        let mut all: Vec<(String, String, i64)> = db
            .query(
                "SELECT path, address, id FROM households WHERE path >= $1 AND path < $2",
                args![grid_path.as_str(), path_end(&grid_path)],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.string(0), r.string(1), r.int(2)))
            .collect();
        assert!(all.len() > 50, "{}: {} households", t.name, all.len());
        all.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| residents::natural_cmp(&a.1, &b.1))
                .then(a.2.cmp(&b.2))
        });
        let expected: Vec<i64> = all.iter().map(|h| h.2).collect();
        let page = get_page(addr, &url, &officer.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            listed_households(&page.body),
            expected[..50],
            "{}: walking order",
            t.name
        );
        assert!(page.body.contains("id=\"household-search\""));
        assert!(page
            .body
            .contains("table class=\"stack wide\" id=\"households\""));
        // Every row of the table on a phone names its column.
        assert!(page.body.contains("data-label=\"户主\""), "{}", page.body);
        let pages = all.len().div_ceil(50);
        assert!(
            page.body.contains(&format!("第 1 页，共 {pages} 页")),
            "{}",
            page.body
        );
        // The next page goes on from there, with no gap or repeat.
        let page2 = get_page(addr, &format!("{url}?page=2"), &officer.cookie).await;
        assert_eq!(
            listed_households(&page2.body),
            expected[50..expected.len().min(100)],
            "{}: page 2",
            t.name
        );
        assert!(page2.body.contains("rel=\"prev\""));
        assert!(
            page.body.contains(&format!("href=\"{url}?page=2\"")),
            "{}",
            page.body
        );

        // Search by address: the households whose address contains the words, and only them.
        let r = db
            .query_one(
                "SELECT id, address FROM households WHERE path >= $1 AND path < $2 ORDER BY id DESC LIMIT 1",
                args![grid_path.as_str(), path_end(&grid_path)],
            )
            .await
            .unwrap();
        let (hid, address) = (r.int(0), r.string(1));
        let found = get_page(
            addr,
            &format!("{url}?address={}", url_enc(&address)),
            &officer.cookie,
        )
        .await;
        assert_eq!(found.status, 200);
        let shown = listed_households(&found.body);
        assert!(shown.contains(&hid), "{}: {address} found", t.name);
        for id in &shown {
            let a = db
                .query_one("SELECT address FROM households WHERE id = $1", args![*id])
                .await
                .unwrap()
                .string(0);
            assert!(a.contains(&address), "{a} does not contain {address}");
        }
        assert!(
            found.body.contains(&format!("value=\"{address}\"")),
            "the search is kept"
        );
        let none = get_page(
            addr,
            &format!("{url}?address={}", url_enc("没有这个地址%_")),
            &officer.cookie,
        )
        .await;
        assert!(listed_households(&none.body).is_empty());
        assert!(none.body.contains("id=\"no-households\""), "{}", none.body);
    }
}

#[tokio::test]
async fn a_new_households_first_member_is_its_head_and_dates_are_date_inputs() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 600, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let officer = login(addr, "demo-community", DEMO_PASSWORD).await;
        let r = post_form(
            addr,
            &format!("/households/new?area={COMMUNITY}"),
            &officer.cookie,
            &[
                ("csrf", &officer.csrf),
                ("address", "新户路 8 号"),
                ("kind", "home"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        let at = r.header("location").unwrap().to_owned();
        let form = get_page(addr, &format!("{at}/residents/new"), &officer.cookie).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(
            form.body.contains("<option value=\"head\" selected>"),
            "{}: the first member defaults to head: {}",
            t.name,
            form.body
        );
        assert!(
            form.body
                .contains("name=\"birth_date\" value=\"\" type=\"date\""),
            "{}",
            form.body
        );
        assert!(!form.body.contains("YYYY-MM-DD"));
        // Saved as it comes: the household has its head.
        let hid: i64 = at.trim_start_matches("/households/").parse().unwrap();
        let r = post_form(
            addr,
            &format!("{at}/residents/new"),
            &officer.cookie,
            &[
                ("csrf", &officer.csrf),
                ("name", "新户主"),
                ("doc_type", "id_card"),
                ("doc_number", &crate::import::card("43110219750505003")),
                ("relation", "head"),
                ("party", "none"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        let head = db
            .query_one("SELECT head_id FROM households WHERE id = $1", args![hid])
            .await
            .unwrap();
        assert!(
            head.opt_int(0).is_some(),
            "{}: the household has a head",
            t.name
        );
        // The second member: not offered as head again.
        let form = get_page(addr, &format!("{at}/residents/new"), &officer.cookie).await;
        assert!(!form.body.contains("<option value=\"head\" selected>"));
        assert!(form.body.contains("<option value=\"other\" selected>"));
    }
}

#[tokio::test]
async fn the_audit_log_speaks_the_readers_language_and_names_people() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 600, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        crate::common::exec(
            db,
            "UPDATE accounts SET display_name = '王芳' WHERE username = 'demo-community'",
            vec![],
        )
        .await;
        let addr = serve(db).await;
        let officer = login(addr, "demo-community", DEMO_PASSWORD).await;
        let (id, _, _) = resident_with_phone(db).await;
        assert_eq!(call(addr, &officer, id, true).await.status, 200);
        let auditor = login(addr, "demo-auditor", DEMO_PASSWORD).await;
        let page = get_page(addr, "/audit", &auditor.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let body = &page.body;
        assert!(
            body.contains("<table class=\"stack\" id=\"audit\">"),
            "{body}"
        );
        // Actions and kinds translated, never raw codes; people by name.
        assert!(body.contains("<b>登录</b>"), "{body}");
        assert!(body.contains("拨打电话（显示号码）"), "{body}");
        assert!(body.contains(&format!("居民 #{id}")), "{body}");
        assert!(body.contains("王芳"), "{body}");
        for raw in [
            "<b>login</b>",
            "<b>phone_call</b>",
            "second_factor_due",
            ": false",
            "resident #",
            "placeholder=\"resident\"",
            "YYYY-MM-DD",
        ] {
            assert!(!body.contains(raw), "{}: {raw:?} in {body}", t.name);
        }
        assert!(
            body.contains("name=\"from\" value=\"\" type=\"date\""),
            "{body}"
        );
        // The filter offers labelled actions and kinds.
        assert!(
            body.contains("<option value=\"need_phone_reveal\">查看需求联系电话</option>"),
            "{body}"
        );
        assert!(
            body.contains("<option value=\"resident\">居民</option>"),
            "{body}"
        );
        // English: English labels.
        let en = get_page(addr, "/audit?lang=en", &auditor.cookie).await;
        assert!(en.body.contains("<b>Signed in</b>"), "{}", en.body);
        assert!(en.body.contains(&format!("Resident #{id}")), "{}", en.body);
    }
}

#[test]
fn addresses_compare_with_numbers_in_number_order() {
    use std::cmp::Ordering::*;
    assert_eq!(residents::natural_cmp("1组2号", "1组10号"), Less);
    assert_eq!(residents::natural_cmp("1组10号", "1组9号"), Greater);
    assert_eq!(
        residents::natural_cmp("幸福路3号", "解放路1号"),
        "幸福路".cmp("解放路")
    );
    assert_eq!(residents::natural_cmp("2栋101", "10栋101"), Less);
    assert_eq!(
        residents::natural_cmp("1组02号", "1组2号"),
        "1组02号".cmp("1组2号")
    );
}
