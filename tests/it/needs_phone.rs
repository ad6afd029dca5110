//! The needs on a phone (issue 21): tables that stack into labelled cards, tap targets and the
//! door plate's print button, the history in words and people by name, the household's
//! withdrawal asked first, staff's tap to call, a need registered from a care visit, and the
//! household's personal codes. On both backends.

use wardline::args;
use wardline::db::Db;

use crate::common::{backends, exec, get_page, hidden_input, login, post_form, request};
use crate::needs_pages::setup;

const PW: &str = wardline::cli::DEMO_PASSWORD;

async fn one(db: &Db, sql: &str, p: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, p).await.unwrap().int(0)
}

/// The part of a page from `start` to the next `end`.
fn part<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in the page"));
    let rest = &body[i..];
    &rest[..rest.find(end).map_or(rest.len(), |j| j + end.len())]
}

/// Every cell of every table in `html` carries a label, but a row's title.
fn every_cell_labelled(html: &str, what: &str) {
    let mut tables = 0;
    for t in html.split("<table").skip(1) {
        tables += 1;
        let t = &t[..t.find("</table>").expect("closed")];
        assert!(
            t.starts_with(" class=\"stack"),
            "{what}: a table without stack: {t:.80}"
        );
        for td in t.split("<td").skip(1) {
            let tag = &td[..td.find('>').unwrap_or(td.len())];
            assert!(
                tag.contains(" data-label=\"") || tag.contains("class=\"row-title"),
                "{what}: a cell without a label: <td{td:.80}"
            );
        }
    }
    assert!(tables > 0, "{what}: no table");
}

#[tokio::test]
async fn tables_targets_and_the_door_plate() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let o = login(addr, "demo-community", PW).await;
        let id = one(db, "SELECT MIN(id) FROM needs WHERE status = 'new'", vec![]).await;
        let hh = one(
            db,
            "SELECT MIN(l.household_id) FROM household_links l JOIN needs n ON n.household_id = l.household_id",
            vec![],
        )
        .await;
        for lang in ["zh", "en"] {
            for path in [
                "/needs".to_owned(),
                "/needs?late=1".to_owned(),
                "/needs/figures".to_owned(),
                "/needs/deadlines".to_owned(),
                format!("/needs/{id}"),
                format!("/households/{hh}"),
            ] {
                let p = get_page(
                    addr,
                    &format!(
                        "{path}{}lang={lang}",
                        if path.contains('?') { '&' } else { '?' }
                    ),
                    &o.cookie,
                )
                .await;
                assert_eq!(p.status, 200, "{path}: {}", t.name);
                if path.starts_with("/households") {
                    every_cell_labelled(
                        part(
                            &p.body,
                            "<table class=\"stack\" id=\"household-needs\"",
                            "</table>",
                        ),
                        &path,
                    );
                    continue;
                }
                every_cell_labelled(&p.body, &path);
                assert!(
                    !p.body.contains("onclick") && !p.body.contains("style=\""),
                    "{path}: inline script or style"
                );
            }
        }
        // The status tabs are tap targets, and the queue says which page of how many.
        let p = get_page(addr, "/needs?lang=zh", &o.cookie).await;
        assert!(
            p.body.contains("class=\"tab\" id=\"tab-new\"")
                || p.body.contains("class=\"tab home\" id=\"tab-new\"")
        );
        assert!(p.body.contains("第 1 / "), "page X of Y");
        // A row's cells are labelled in the page's language.
        assert!(p.body.contains("data-label=\"紧急程度\""));
        let p = get_page(addr, "/needs?lang=en", &o.cookie).await;
        assert!(p.body.contains("data-label=\"Urgency\"") && p.body.contains("page 1 of"));
        // The door plate's print button is wired by the page's script, not an inline handler
        // (which the Content-Security-Policy blocks).
        let p = get_page(addr, &format!("/households/{hh}/plate"), &o.cookie).await;
        assert!(p.body.contains("data-print") && !p.body.contains("onclick"));
        // A new code kills the old plate: asked first.
        assert!(p.body.contains("id=\"renew-link\" data-confirm=\""));
    }
}

#[tokio::test]
async fn history_in_words_people_by_name() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        exec(
            db,
            "UPDATE accounts SET display_name = '王芳' WHERE username = 'demo-community'",
            vec![],
        )
        .await;
        let o = login(addr, "demo-community", PW).await;
        // A household withdraws a request through its link: asked first, a notice after.
        let token = db
            .query_one(
                "SELECT token FROM household_links ORDER BY household_id LIMIT 1",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        let r = post_form(
            addr,
            &format!("/h/{token}"),
            "",
            &[
                ("category", "gas"),
                ("urgency", "3"),
                ("description", "换气"),
                ("client_id", "w-1"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mine = one(db, "SELECT id FROM needs WHERE client_id = 'w-1'", vec![]).await;
        let p = request(addr, "GET", &format!("/h/{token}?lang=zh"), &[], None).await;
        let li = part(&p.body, &format!("id=\"req-{mine}\""), "</li>");
        assert!(li.contains("data-confirm=\"确定撤回此求助吗"), "{li}");
        assert!(!li.contains("class=\"link\""), "a button, not a small link");
        let r = post_form(
            addr,
            &format!("/h/{token}/needs/{mine}"),
            "",
            &[
                ("action", "cancel"),
                ("reason", "anything"),
                ("version", "0"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let to = r.header("location").unwrap().to_owned();
        let p = request(addr, "GET", &format!("{to}&lang=zh"), &[], None).await;
        assert!(p.body.contains("您的求助已撤回"), "a notice after");
        assert_eq!(
            db.query_one(
                "SELECT note FROM need_events WHERE need_id = $1 AND kind = 'cancelled'",
                args![mine]
            )
            .await
            .unwrap()
            .string(0),
            "withdrawn by the household",
            "the posted reason is not taken"
        );
        let p = get_page(addr, &format!("/needs/{mine}?lang=zh"), &o.cookie).await;
        let h = part(&p.body, "id=\"history\"", "</table>");
        assert!(
            h.contains("居民已撤回") && h.contains("居民（户码）"),
            "{h}"
        );
        // An escalated need (the deadline sweep) and one with items delivered, in Chinese.
        let late = one(
            db,
            "SELECT MIN(need_id) FROM need_events WHERE kind = 'escalated'",
            vec![],
        )
        .await;
        let item = one(
            db,
            "SELECT MIN(need_id) FROM need_events WHERE kind = 'item'",
            vec![],
        )
        .await;
        assert!(late > 0 && item > 0, "the demo has both");
        let mut seen_name = false;
        for n in [mine, late, item] {
            let p = get_page(addr, &format!("/needs/{n}?lang=zh"), &o.cookie).await;
            let h = part(&p.body, "id=\"history\"", "</table>");
            for english in [
                "household link",
                "withdrawn by the household",
                "deadline",
                "medicine",
                "gas ×",
                "food",
                "demo-community",
                "hotline",
                "grid",
            ] {
                assert!(
                    !h.contains(english),
                    "#{n}: “{english}” in the zh history: {h}"
                );
            }
            seen_name |= h.contains("王芳");
        }
        assert!(seen_name, "the officer shown by name");
        let p = get_page(addr, &format!("/needs/{late}?lang=zh"), &o.cookie).await;
        assert!(part(&p.body, "id=\"history\"", "</table>").contains("系统（超时）"));
        let p = get_page(addr, &format!("/needs/{item}?lang=zh"), &o.cookie).await;
        let h = part(&p.body, "id=\"history\"", "</table>");
        assert!(h.contains(" × "), "{h}");
        // And in English, no Chinese labels.
        let p = get_page(addr, &format!("/needs/{mine}?lang=en"), &o.cookie).await;
        let h = part(&p.body, "id=\"history\"", "</table>");
        assert!(h.contains("withdrawn by the household") && h.contains("the household (link)"));
        assert!(!h.contains("居民"), "{h}");
    }
}

#[tokio::test]
async fn staff_tap_to_call() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        crate::mobilization_pages::outsider(db).await;
        let addr = crate::common::serve(db).await;
        let o = login(addr, "demo-community", PW).await;
        let id = one(
            db,
            "SELECT MIN(id) FROM needs WHERE status = 'new' AND phone IS NOT NULL",
            vec![],
        )
        .await;
        let phone = db
            .query_one("SELECT phone FROM needs WHERE id = $1", args![id])
            .await
            .unwrap()
            .string(0);
        let p = get_page(addr, &format!("/needs/{id}"), &o.cookie).await;
        assert!(p.body.contains("id=\"call-need\"") && p.body.contains("data-call"));
        assert!(!p.body.contains(&phone), "masked until called");
        let call = |cookie: String, csrf: String| async move {
            request(
                addr,
                "POST",
                &format!("/needs/{id}/call"),
                &[
                    ("Cookie", &cookie),
                    ("Accept", "application/json"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                Some(format!("csrf={csrf}&back=/needs/{id}").as_bytes()),
            )
            .await
        };
        let r = call(o.cookie.clone(), o.csrf.clone()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(&phone));
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'phone_call' AND entity = 'need' AND entity_id = $1",
                args![id.to_string()]
            )
            .await,
            1,
            "recorded"
        );
        // Without the script: a page with the tel: link.
        let r = post_form(
            addr,
            &format!("/needs/{id}/call"),
            &o.cookie,
            &[("csrf", &o.csrf), ("back", &format!("/needs/{id}"))],
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains(&format!("href=\"tel:{phone}\"")));
        // Another community's officer: not found, nothing recorded; a volunteer: refused.
        let o2 = login(addr, "other-community", PW).await;
        let r = call(o2.cookie.clone(), o2.csrf.clone()).await;
        assert_eq!(r.status, 404);
        assert!(!r.body.contains(&phone));
        let v = login(addr, "demo-volunteer", PW).await;
        let r = call(v.cookie.clone(), v.csrf.clone()).await;
        assert!(r.status == 403 || r.status == 404, "{}", r.status);
        assert!(!r.body.contains(&phone));
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'phone_call' AND entity = 'need' AND entity_id = $1",
                args![id.to_string()]
            )
            .await,
            2
        );
    }
}

#[tokio::test]
async fn a_need_from_a_care_visit() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        crate::mobilization_pages::outsider(db).await;
        let addr = crate::common::serve(db).await;
        let o = login(addr, "demo-community", PW).await;
        let row = db
            .query_one(
                "SELECT r.id, r.household_id, r.path FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE r.relation <> 'head' ORDER BY r.id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let (resident, hh, path) = (row.int(0), row.int(1), row.string(2));
        exec(
            db,
            "INSERT INTO care_visits (resident_id, path, branch_id, visited_on, visitors, situation, needs, recorded_by, created_ms) \
             VALUES ($1, $2, NULL, '2026-12-01', '王芳', '身体尚可', '需要降压药两盒，下周复诊', 'demo-community', 0)",
            args![resident, path.as_str()],
        )
        .await;
        let visit = one(db, "SELECT MAX(id) FROM care_visits", vec![]).await;
        let p = get_page(
            addr,
            &format!("/needs/new?visit={visit}&lang=zh"),
            &o.cookie,
        )
        .await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(
            p.body.contains("需要降压药两盒，下周复诊"),
            "the needs found as the description"
        );
        assert!(
            p.body
                .contains(&format!("action=\"/needs/new?household={hh}\"")),
            "its household"
        );
        assert_eq!(hidden_input(&p.body, "visit"), Some(visit.to_string()));
        assert!(
            p.body.contains(&format!("value=\"{resident}\" selected")),
            "for the person visited"
        );
        assert!(p.body.contains("2026-12-01"));
        // Another community's officer cannot open it.
        let o2 = login(addr, "other-community", PW).await;
        let p2 = get_page(addr, &format!("/needs/new?visit={visit}"), &o2.cookie).await;
        assert_eq!(p2.status, 404);
        assert!(!p2.body.contains("降压药"));
        // A bad submit keeps the visit; a good one records where the need came from.
        let cid = hidden_input(&p.body, "client_id").unwrap();
        let v = visit.to_string();
        let r = post_form(
            addr,
            &format!("/needs/new?household={hh}"),
            &o.cookie,
            &[
                ("csrf", &o.csrf),
                ("source", "visit"),
                ("category", ""),
                ("urgency", "3"),
                ("description", "需要降压药两盒，下周复诊"),
                ("resident", &resident.to_string()),
                ("visit", &v),
                ("client_id", &cid),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert_eq!(hidden_input(&r.body, "visit"), Some(v.clone()));
        let r = post_form(
            addr,
            &format!("/needs/new?household={hh}"),
            &o.cookie,
            &[
                ("csrf", &o.csrf),
                ("source", "hotline"),
                ("category", "medicine"),
                ("urgency", "3"),
                ("description", "需要降压药两盒，下周复诊"),
                ("resident", &resident.to_string()),
                ("visit", &v),
                ("client_id", &cid),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let need = one(
            db,
            "SELECT id FROM needs WHERE client_id = $1",
            args![cid.as_str()],
        )
        .await;
        let n = db
            .query_one(
                "SELECT household_id, resident_id, source FROM needs WHERE id = $1",
                args![need],
            )
            .await
            .unwrap();
        assert_eq!(
            (n.int(0), n.int(1), n.string(2)),
            (hh, resident, "visit".to_owned())
        );
        assert_eq!(
            db.query_one(
                "SELECT note FROM need_events WHERE need_id = $1 AND kind = 'visit'",
                args![need]
            )
            .await
            .unwrap()
            .string(0),
            v
        );
        let p = get_page(addr, &format!("/needs/{need}?lang=zh"), &o.cookie).await;
        assert!(p.body.contains(&format!("走访记录 #{visit}")));
        // Opened from the visit again: the need registered from it is named first.
        let p = get_page(addr, &format!("/needs/new?visit={visit}"), &o.cookie).await;
        assert!(p.body.contains("id=\"visit-earlier\""));
        assert!(p.body.contains(&format!("href=\"/needs/{need}\"")));
        // A visit to another household cannot be tied to this one.
        let other = one(
            db,
            "SELECT MIN(id) FROM households WHERE id <> $1",
            args![hh],
        )
        .await;
        let r = post_form(
            addr,
            &format!("/needs/new?household={other}"),
            &o.cookie,
            &[
                ("csrf", &o.csrf),
                ("category", "medicine"),
                ("urgency", "3"),
                ("description", "x"),
                ("visit", &v),
                ("client_id", "v-other"),
            ],
        )
        .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM needs WHERE client_id = 'v-other'",
                vec![]
            )
            .await,
            0
        );
    }
}

#[tokio::test]
async fn the_households_personal_codes() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        // A household of several members.
        let r = db
            .query_one(
                "SELECT l.household_id, l.token FROM household_links l \
                 WHERE (SELECT COUNT(*) FROM residents r WHERE r.household_id = l.household_id) > 1 \
                 ORDER BY l.household_id LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let (hh, token) = (r.int(0), r.string(1));
        let p = request(addr, "GET", &format!("/h/{token}?lang=zh"), &[], None).await;
        assert!(p.body.contains(&format!("href=\"/h/{token}/codes\"")));
        let p = request(addr, "GET", &format!("/h/{token}/codes?lang=zh"), &[], None).await;
        assert_eq!(p.status, 200, "{}", t.name);
        let members = db
            .query(
                "SELECT id, name, doc_number, phone FROM residents WHERE household_id = $1",
                args![hh],
            )
            .await
            .unwrap();
        assert!(members.len() > 1);
        assert_eq!(
            p.body.matches("class=\"plate member-code\"").count(),
            members.len(),
            "one code per member"
        );
        assert_eq!(p.body.matches("<svg").count(), members.len());
        let secret = wardline::access::settings::qr_secret(db).await.unwrap();
        let mut parsed = Vec::new();
        for chunk in p.body.split("class=\"mono small code-text\">").skip(1) {
            let code = &chunk[..chunk.find('<').unwrap()];
            parsed.push(
                wardline::registry::codes::parse_resident_code(&secret, code)
                    .expect("a genuine code"),
            );
        }
        for m in &members {
            assert!(
                parsed.contains(&m.int(0)),
                "each member's code parses back to them"
            );
            assert!(!p.body.contains(m.text(1)), "a full name shows");
            let doc = m.string(2);
            assert!(!p.body.contains(&doc), "an ID number shows");
            if let Some(ph) = m.opt_string(3) {
                assert!(!p.body.contains(&ph), "a phone shows");
            }
        }
        // The registry's parser is testing's: a code made by one is read by the other.
        let code = wardline::registry::codes::resident_code(&secret, members[0].int(0));
        assert_eq!(
            wardline::testing::parse_resident_code(&secret, &code),
            Some(members[0].int(0))
        );
        // An unknown link shows nothing.
        let r = request(
            addr,
            "GET",
            "/h/0000000000000000deadbeef00000000/codes",
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, 404);
    }
}
