//! The testing pages on a phone (issue 21): the missing list paged by household in walking
//! order with a print view that holds all, tap to call on it, and the other fixes of the
//! front line. On both backends.

use wardline::db::Db;
use wardline::testing::coverage;

use crate::common::{backends, demo, get_page, login, multipart, Browser};

const PW: &str = wardline::cli::DEMO_PASSWORD;

/// A demo city with the demo accounts and the demo round; the round's id.
async fn setup(db: &Db) -> i64 {
    demo(db, 6_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_round(db).await.unwrap();
    db.query_one("SELECT id FROM test_rounds", vec![])
        .await
        .unwrap()
        .int(0)
}

/// The household ids of a missing list page (`id="h-N"`), in the page's order.
fn households(body: &str) -> Vec<i64> {
    body.split("<section class=\"hh\" id=\"h-")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[tokio::test]
async fn missing_list_pages_by_household_and_prints_all() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, .. } = login(addr, "demo-street", PW).await;
        let street = "431102001";
        // Most of the demo street is sampled: forget half the samples so that the list has
        // pages.
        crate::common::exec(
            db,
            "DELETE FROM test_persons WHERE round_id = $1 AND resident_id % 2 = 0",
            vec![round.into()],
        )
        .await;
        let scope = wardline::access::Scope {
            roots: vec![street.into()],
        };
        let (list, _) = coverage::missing(db, round, street, &scope).await.unwrap();
        let all: Vec<i64> = list.iter().map(|h| h.household_id).collect();
        let per = wardline::testing::pages::PAGE_HOUSEHOLDS;
        assert!(all.len() > per, "{}: {} households", t.name, all.len());
        let pages = all.len().div_ceil(per);
        let url = format!("/testing/rounds/{round}/missing?area={street}");

        let p1 = get_page(addr, &url, &cookie).await;
        assert_eq!(p1.status, 200, "{}", p1.body);
        let first = households(&p1.body);
        assert_eq!(first.len(), per);
        assert!(
            p1.body.contains(&format!("第 1/{pages} 页")),
            "{}",
            &p1.body[..2000.min(p1.body.len())]
        );
        // The next link keeps the area.
        assert!(p1.body.contains(&format!("href=\"{url}&amp;page=2\"")));
        assert!(!p1.body.contains("rel=\"prev\""));

        let p2 = get_page(addr, &format!("{url}&page=2"), &cookie).await;
        assert_eq!(p2.status, 200);
        let second = households(&p2.body);
        assert!(!second.is_empty());
        assert!(second.iter().all(|h| !first.contains(h)), "pages overlap");
        assert!(p2.body.contains(&format!("第 2/{pages} 页")));
        assert!(p2.body.contains(&format!("href=\"{url}&amp;page=1\"")));

        // All the pages together: every household once, in walking order.
        let mut paged = Vec::new();
        for n in 1..=pages {
            let p = get_page(addr, &format!("{url}&page={n}"), &cookie).await;
            paged.extend(households(&p.body));
        }
        assert_eq!(paged, all, "{}", t.name);
        // Past the last page: the last page.
        let past = get_page(addr, &format!("{url}&page={}", pages + 5), &cookie).await;
        assert_eq!(households(&past.body), all[(pages - 1) * per..].to_vec());

        // The print view holds every household, in order, without paging or buttons.
        let pr = get_page(addr, &format!("{url}&print=1"), &cookie).await;
        assert_eq!(pr.status, 200);
        assert_eq!(households(&pr.body), all);
        assert!(!pr.body.contains("id=\"missing-pager\""));
        assert!(pr.body.contains("data-print"));
        assert!(!pr.body.contains("data-call"));
        assert!(p1.body.contains("id=\"missing-print\""));
        // A page of 40 households stays light: no exemption form repeated for each person (that
        // would add some 40 KB). The budget has room for the menu's links (five capabilities
        // joined it with issues 14–17).
        assert!(p1.body.len() < 84_000, "{} bytes", p1.body.len());
        assert!(!p1.body.contains("<select"));
        assert!(p1
            .body
            .contains(&format!("/testing/rounds/{round}/exempt?resident=")));

        // Tap to call: a call button for each missing person with a phone on the page.
        let with_phone: Vec<i64> = list[..per]
            .iter()
            .flat_map(|h| &h.missing)
            .filter(|p| p.phone_masked.is_some())
            .map(|p| p.resident_id)
            .collect();
        assert!(!with_phone.is_empty());
        for id in &with_phone {
            assert!(
                p1.body
                    .contains(&format!("action=\"/residents/{id}/call\" data-call")),
                "no call button for {id}"
            );
        }
    }
}

/// The `action` of the form with the given id, and its fresh client id.
fn form_of(body: &str, id: &str) -> (String, String) {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id}"));
    let start = body[..at].rfind("<form").expect("form start");
    let tag = &body[start..];
    let a = tag.find("action=\"").expect("action") + 8;
    let action = tag[a..a + tag[a..].find('"').unwrap()].replace("&amp;", "&");
    let cid = crate::common::hidden_input(&body[at..], "cid").expect("cid");
    (action, cid)
}

#[tokio::test]
async fn scan_page_says_check_digit_wrong_and_keeps_what_was_typed() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-collector", PW).await;
        let site = db
            .query_one(
                "SELECT id FROM test_sites WHERE path = '431102001001'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        let p = get_page(
            addr,
            &format!("/testing/rounds/{round}/collect?site={site}"),
            &cookie,
        )
        .await;
        let (action, cid) = form_of(&p.body, "open-form");
        let r = crate::common::post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid),
                ("act", "open"),
                ("barcode", "PH0001"),
            ],
        )
        .await;
        assert!(r.body.contains("data-code=\"opened\""), "{}", r.body);

        // A resident's number with the last character changed: "check digit wrong", not
        // "not in the registry", and the typed value stays in the field.
        let number = db
            .query_one(
                "SELECT doc_number FROM residents WHERE doc_type = 'id_card' \
                 AND path >= '431102001001' AND path < '431102001001~' ORDER BY id LIMIT 1",
                vec![],
            )
            .await
            .unwrap()
            .text(0)
            .to_owned();
        let last = if number.ends_with('1') { '2' } else { '1' };
        let typo = format!("{}{last}", &number[..17]);
        let (action, cid) = form_of(&r.body, "add-form");
        let bad = crate::common::post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid),
                ("act", "add"),
                ("person", &typo),
                ("doc_type", "id_card"),
            ],
        )
        .await;
        assert_eq!(bad.status, 422, "{}", t.name);
        assert!(
            bad.body.contains("data-code=\"bad_id_number\""),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("校验位错误"), "{}", bad.body);
        assert!(!bad.body.contains("data-code=\"not_in_round\""));
        assert!(bad
            .body
            .contains(&format!("id=\"person\" value=\"{typo}\"")));
        // The answer is marked as an answer (the page script forgets what it kept).
        assert!(bad.body.contains("data-sent"));
        // A bad birth date is said too.
        let (action, cid) = form_of(&bad.body, "add-form");
        let date = format!("{}1399{}", &number[..10], &number[14..]);
        let r = crate::common::post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid),
                ("act", "add"),
                ("person", &date),
                ("doc_type", "id_card"),
            ],
        )
        .await;
        assert!(r.body.contains("data-code=\"bad_id_number\""), "{}", r.body);
        assert!(r.body.contains("不是有效日期"));

        // A refused walk-in (a bad phone) comes back with everything typed.
        let (action, cid) = form_of(&r.body, "walkin-form");
        let w = crate::common::post_form(
            addr,
            &action,
            &cookie,
            &[
                ("csrf", &csrf),
                ("cid", &cid),
                ("act", "walkin"),
                ("doc_type", "passport"),
                ("number", "E12345678"),
                ("name", "Maria Lopez"),
                ("phone", "123"),
            ],
        )
        .await;
        assert_eq!(w.status, 422, "{}", w.body);
        assert!(w.body.contains("id=\"walkin\" open"), "{}", w.body);
        for v in ["E12345678", "Maria Lopez", "value=\"123\""] {
            assert!(w.body.contains(v), "{v} lost");
        }
        assert!(w.body.contains("<option value=\"passport\" selected>"));

        // An empty open tube is set aside (asked first), audited, and the next tube comes.
        assert!(!w.body.contains("id=\"close-form\""));
        assert!(
            w.body.contains("data-confirm=\"试管 PH0001 内没有样本"),
            "{}",
            w.body
        );
        let (action, cid) = form_of(&w.body, "abandon-form");
        let r = crate::common::post_form(
            addr,
            &action,
            &cookie,
            &[("csrf", &csrf), ("cid", &cid), ("act", "abandon")],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("data-code=\"abandoned\""), "{}", r.body);
        assert!(r.body.contains("id=\"open-form\""));
        let closed = db
            .query_one(
                "SELECT COUNT(*) FROM test_tubes WHERE barcode = 'PH0001' AND closed_ms IS NOT NULL AND n = 0",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(closed, 1, "{}", t.name);
        let audited: Vec<String> = db
            .query(
                "SELECT detail FROM audit_log WHERE action = 'sampling' ORDER BY seq DESC",
                vec![],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect();
        assert!(audited.iter().any(|d| d.contains("abandon")), "{audited:?}");
    }
}

#[tokio::test]
async fn positive_results_are_confirmed_first() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-lab", PW).await;
        let url = format!("/testing/rounds/{round}/results");
        let waiting: Vec<String> = db
            .query(
                "SELECT barcode FROM test_tubes WHERE result IS NULL AND n > 0 \
                 AND closed_ms IS NOT NULL ORDER BY barcode",
                vec![],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.string(0))
            .collect();
        assert!(waiting.len() >= 3, "{}", t.name);
        let pending = |b: &str| {
            let q =
                format!("SELECT COUNT(*) FROM test_tubes WHERE barcode = '{b}' AND result IS NULL");
            let db = db.clone();
            async move { db.query_one(&q, vec![]).await.unwrap().int(0) == 1 }
        };

        // One tube, positive: asked first, nothing recorded.
        let one = &waiting[0];
        let r = crate::common::post_form(
            addr,
            &format!("{url}/one"),
            &cookie,
            &[("csrf", &csrf), ("tube", one), ("result", "positive")],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("id=\"confirm-positive\""), "{}", r.body);
        assert!(r.body.contains("data-confirm=\"确认将试管"), "{}", r.body);
        assert!(pending(one).await);
        let r = crate::common::post_form(
            addr,
            &format!("{url}/one"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("tube", one),
                ("result", "positive"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("id=\"report\""));
        assert!(!pending(one).await);

        // A file with a positive: how many, then recorded once confirmed.
        let (a, b) = (&waiting[1], &waiting[2]);
        let file = format!("{a},阳性\n{b},阴性\n");
        let (ct, body) = multipart(&[("csrf", &csrf), ("file", &file)]);
        let r = crate::common::request(
            addr,
            "POST",
            &url,
            &[("Cookie", &cookie), ("Content-Type", &ct)],
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains("此文件含 1 管阳性（共 2 管）"),
            "{}",
            r.body
        );
        assert!(pending(a).await && pending(b).await);
        let (ct, body) = multipart(&[("csrf", &csrf), ("confirm", "1"), ("content", &file)]);
        let r = crate::common::request(
            addr,
            "POST",
            &url,
            &[("Cookie", &cookie), ("Content-Type", &ct)],
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("id=\"report\""), "{}", r.body);
        assert!(!pending(a).await && !pending(b).await);
    }
}

#[tokio::test]
async fn collectors_are_shown_by_name() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = crate::common::serve(db).await;
        crate::common::exec(
            db,
            "UPDATE accounts SET display_name = '采样员小李' WHERE username = 'demo-collector'",
            vec![],
        )
        .await;
        let Browser { cookie, .. } = login(addr, "demo-community", PW).await;
        let p = get_page(
            addr,
            &format!("/testing/rounds/{round}?area=431102001001"),
            &cookie,
        )
        .await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains("采样员小李"), "{}", p.body);
        assert!(!p.body.contains("demo-collector"));
    }
}
