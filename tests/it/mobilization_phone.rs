//! Issue 21 on the mobilization pages, over HTTP on the demo roster, on both backends: one
//! more on a full shift with a typed reason (audited, shown in words), the notices after
//! approving a volunteer and creating shifts, an auto-fill report that says "no more can be
//! filled" only when places stay open, a grid worker handing a care visit's follow-up to the
//! branch of their community, the follow-up with a call button and the visit's "register as a
//! need" link, the withdrawal's own words and people by name in the volunteer's history.

use wardline::db::Db;

use crate::common::{backends, demo, get_page, login, post_form};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";
const GRID: &str = "431102001001/G0001";

async fn setup(db: &Db) {
    demo(db, 6_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_mobilization(db)
        .await
        .unwrap()
        .expect("demo volunteers created");
}

async fn one(db: &Db, sql: &str, args: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, args).await.unwrap().int(0)
}

/// The visible text of a page, roughly: tags and attribute values dropped.
fn text(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every table of a page stacks on a phone: `class="… stack"`, and each cell names its column
/// (`data-label`) unless it is the row's title or its buttons.
fn tables_stack(path: &str, body: &str) {
    for table in body.split("<table").skip(1) {
        let table = table.split("</table>").next().unwrap();
        let open = table.split('>').next().unwrap();
        assert!(open.contains("stack"), "{path}: <table{open}>");
        assert!(table.contains("<thead>"), "{path}: a header row to hide");
        for td in table.split("<td").skip(1) {
            let attrs = td.split('>').next().unwrap();
            assert!(
                attrs.contains("data-label=\"")
                    || attrs.contains("title")
                    || attrs.contains("noprint"),
                "{path}: <td{attrs}>"
            );
        }
    }
}

#[tokio::test]
async fn mobilization_tables_stack_and_pages_speak_one_language() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let officer = login(addr, "demo-community", PW).await;
        let c = &officer.cookie;
        let vid = one(
            db,
            "SELECT MIN(volunteer_id) FROM assignments WHERE checkout_ms IS NOT NULL",
            vec![],
        )
        .await;
        let run = one(db, "SELECT MIN(id) FROM autofill_runs", vec![]).await;
        let branch = one(db, "SELECT MIN(id) FROM branches", vec![]).await;
        for lang in ["zh-CN", "en"] {
            for path in [
                "/volunteers".to_owned(),
                format!("/volunteers/{vid}"),
                format!("/volunteers/{vid}/certificate"),
                format!("/roster/table?area={COMMUNITY}"),
                format!("/roster/runs/{run}"),
                format!("/roster/hours?area={COMMUNITY}"),
                format!("/branches/{branch}"),
            ] {
                let sep = if path.contains('?') { '&' } else { '?' };
                let p = get_page(addr, &format!("{path}{sep}lang={lang}"), c).await;
                assert_eq!(p.status, 200, "{}: {path}", t.name);
                tables_stack(&path, &p.body);
            }
        }
        // The pool is paged, 50 a page, the filters kept.
        let all = one(
            db,
            "SELECT COUNT(*) FROM volunteers WHERE path >= $1 AND path < $2",
            wardline::args![COMMUNITY, format!("{COMMUNITY}~")],
        )
        .await;
        assert!(all > 50, "{}: {all} volunteers, more than a page", t.name);
        let p = get_page(addr, "/volunteers", c).await;
        assert_eq!(p.body.matches("<td class=\"title\">").count(), 50);
        assert!(p.body.contains("href=\"/volunteers?page=2\""), "{}", t.name);
        let last = (all + 49) / 50;
        let p = get_page(addr, &format!("/volunteers?page={last}"), c).await;
        let rows = p.body.matches("<td class=\"title\">").count() as i64;
        assert_eq!(rows, all - (last - 1) * 50);
        assert!(p.body.contains(&format!("第 {last} 页，共 {last} 页")));
        let p = get_page(addr, "/volunteers?status=applied&page=1", c).await;
        assert!(!p.body.contains("page=2"));
        // The posts catalogue in the page's language only.
        let zh = get_page(addr, &format!("/roster?area={COMMUNITY}&lang=zh-CN"), c).await;
        let en = get_page(addr, &format!("/roster?area={COMMUNITY}&lang=en"), c).await;
        let posts = |b: &str| {
            b.split("id=\"posts\"")
                .nth(1)
                .unwrap()
                .split("</ul>")
                .next()
                .unwrap()
                .to_owned()
        };
        let (zh, en) = (text(&posts(&zh.body)), text(&posts(&en.body)));
        assert!(!zh.chars().any(|c| c.is_ascii_lowercase()), "{zh}");
        assert!(
            !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{en}"
        );
    }
}

#[tokio::test]
async fn full_shift_takes_one_more_with_a_reason_and_pages_say_what_was_done() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let officer = login(addr, "demo-community", PW).await;
        let c = &officer.cookie;

        // A full shift ahead.
        let shift = one(
            db,
            "SELECT MIN(s.id) FROM shifts s WHERE s.starts_ms > $1 AND \
             (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id) >= s.headcount",
            wardline::args![wardline::db::now_ms()],
        )
        .await;
        assert!(shift > 0, "{}: the demo has a full shift ahead", t.name);
        let place = one(
            db,
            "SELECT place_id FROM shifts WHERE id = $1",
            wardline::args![shift],
        )
        .await;
        let vol = one(
            db,
            "SELECT MIN(v.id) FROM volunteers v WHERE v.status = 'approved' AND NOT EXISTS \
             (SELECT 1 FROM assignments a WHERE a.shift_id = $1 AND a.volunteer_id = v.id)",
            wardline::args![shift],
        )
        .await;
        // The full shift offers one more, and the form says a reason allows it.
        let p = get_page(addr, &format!("/roster/places/{place}?shift={shift}"), c).await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains("加派一人（需填理由）"), "{}", t.name);
        assert!(p.body.contains("或在已满的班次加派一人"));
        let assign = |reason: &'static str| {
            let csrf = officer.csrf.clone();
            let who = format!("x #{vol}");
            let shift = shift.to_string();
            async move {
                post_form(
                    addr,
                    "/roster/assign",
                    c,
                    &[
                        ("csrf", &csrf),
                        ("shift", &shift),
                        ("volunteer", &who),
                        ("override_reason", reason),
                        ("week", ""),
                    ],
                )
                .await
            }
        };
        // Without a reason: refused, the page says how, what was typed kept.
        let r = assign("").await;
        assert_eq!(r.status, 409, "{}", t.name);
        assert!(r.body.contains("此班次已满") && r.body.contains("请填写破例理由"));
        assert!(r.body.contains(&format!("value=\"x #{vol}\"")));
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM assignments WHERE shift_id = $1 AND volunteer_id = $2",
                wardline::args![shift, vol]
            )
            .await,
            0
        );
        // With a reason: placed, recorded as an override, audited, and said.
        let r = assign("北门人流高峰，临时加派").await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        let to = r.header("location").unwrap().to_owned();
        assert!(to.contains("done=assigned"), "{to}");
        let row = db
            .query_one(
                "SELECT override_rules, override_reason, override_by FROM assignments \
                 WHERE shift_id = $1 AND volunteer_id = $2",
                wardline::args![shift, vol],
            )
            .await
            .unwrap();
        assert!(row.string(0).split(' ').any(|c| c == "over_headcount"));
        assert_eq!(
            (row.string(1), row.string(2)),
            (
                "北门人流高峰，临时加派".to_owned(),
                "demo-community".to_owned()
            )
        );
        let detail = db
            .query_one(
                "SELECT detail FROM audit_log WHERE action = 'roster_override' \
                 ORDER BY seq DESC LIMIT 1",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        assert!(
            detail.contains("over_headcount") && detail.contains("临时加派"),
            "{detail}"
        );
        let p = get_page(addr, &to, c).await;
        assert!(p.body.contains("已排入该班次。"), "{}", t.name);
        let shown = text(&p.body);
        assert!(shown.contains("超出定员加派一人"), "{}", t.name);
        assert!(!shown.contains("over_headcount"));
        // The override names the officer, not their login.
        crate::common::exec(
            db,
            "UPDATE accounts SET display_name = '张书记' WHERE username = 'demo-community'",
            vec![],
        )
        .await;
        let p = get_page(addr, &to, c).await;
        let main = text(p.body.split("<main").nth(1).unwrap());
        assert!(
            main.contains("北门人流高峰，临时加派 · 张书记"),
            "{}",
            t.name
        );
        assert!(!main.contains("demo-community"), "{}", t.name);
        // The auto-fill tag is a word, not "A".
        assert!(!p.body.contains(">A</span>"));

        // Shifts created: the place's week says how many.
        let r = post_form(
            addr,
            "/roster/shifts",
            c,
            &[
                ("csrf", &officer.csrf),
                ("area", COMMUNITY),
                ("place", &place.to_string()),
                ("post", "1"),
                ("first_day", "2031-03-03"),
                ("days", "2"),
                ("pattern", "2x12"),
                ("headcount", "2"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        let to = r.header("location").unwrap().to_owned();
        let p = get_page(addr, &to, c).await;
        assert!(p.body.contains("已新增 4 个班次。"), "{to}");

        // Approving from the queue: the queue says who was approved.
        let applicant = one(
            db,
            "SELECT MIN(id) FROM volunteers WHERE status = 'applied'",
            vec![],
        )
        .await;
        let p = get_page(addr, "/volunteers/screening", c).await;
        assert!(p.body.contains("撤回申请") && !text(&p.body).contains("退出申请"));
        assert!(p.body.contains(">特长<") && !p.body.contains("您的特长"));
        let r = post_form(
            addr,
            &format!("/volunteers/{applicant}/status"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("to", "approved"),
                ("back", "screening"),
            ],
        )
        .await;
        let body = if r.status == 303 {
            let to = r.header("location").unwrap().to_owned();
            assert!(to.contains("done=approved"), "{to}");
            get_page(addr, &to, c).await.body
        } else {
            // A new account's one-time password is shown at once instead.
            assert_eq!(r.status, 200, "{}", t.name);
            r.body
        };
        assert!(
            body.contains("已通过审核。") || body.contains("id=\"new-login\""),
            "{}",
            t.name
        );
        // The history: the sign-up form in words, people by name.
        let p = get_page(addr, &format!("/volunteers/{applicant}"), c).await;
        let shown = text(p.body.split("<main").nth(1).unwrap());
        assert!(!shown.contains("(sign-up)") && shown.contains("报名表"));
        assert!(shown.contains("张书记") && !shown.contains("demo-community"));

        // An auto-fill run with every place filled does not say "no more can be filled".
        let run = one(db, "SELECT MIN(id) FROM autofill_runs", vec![]).await;
        crate::common::exec(
            db,
            "UPDATE autofill_runs SET unfilled = 0 WHERE id = $1",
            wardline::args![run],
        )
        .await;
        let p = get_page(addr, &format!("/roster/runs/{run}"), c).await;
        assert_eq!(p.status, 200);
        assert!(!p.body.contains("已确认无法排满更多"), "{}", t.name);
    }
}

#[tokio::test]
async fn grid_worker_hands_a_follow_up_to_the_community_branch_and_calls() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let grid = login(addr, "demo-grid", PW).await;
        let c = &grid.cookie;
        let resident = one(
            db,
            "SELECT MIN(id) FROM residents WHERE path >= $1 AND path < $2 \
             AND phone IS NOT NULL AND phone <> ''",
            wardline::args![GRID, format!("{GRID}~")],
        )
        .await;
        assert!(resident > 0);
        let branch = one(
            db,
            "SELECT MIN(id) FROM branches WHERE dissolved IS NULL",
            vec![],
        )
        .await;
        // The branch of the grid's community is offered.
        let p = get_page(addr, &format!("/visits/new?resident={resident}"), c).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(
            p.body.contains(&format!("<option value=\"{branch}\"")),
            "{}: the community's branch is offered",
            t.name
        );
        let r = post_form(
            addr,
            "/visits",
            c,
            &[
                ("csrf", &grid.csrf),
                ("resident", &resident.to_string()),
                ("branch", &branch.to_string()),
                ("visited_on", &wardline::mobilization::branches::today_cst()),
                ("visitors", "网格员"),
                ("situation", "独居，行动不便"),
                ("needs", "降压药两盒"),
                ("follow_up", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        let to = r.header("location").unwrap().to_owned();
        let visit = one(db, "SELECT MAX(id) FROM care_visits", vec![]).await;
        assert_eq!(to, format!("/visits?done=visit&visit={visit}"));
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM care_followups WHERE visit_id = $1 AND branch_id = $2",
                wardline::args![visit, branch]
            )
            .await,
            1
        );
        // The needs found become a need in one tap; the follow-up has a call button.
        let p = get_page(addr, &to, c).await;
        assert!(p.body.contains("走访已记录。"));
        assert!(
            p.body
                .contains(&format!("href=\"/needs/new?visit={visit}\"")),
            "{}",
            t.name
        );
        assert!(p.body.contains("登记为需求"));
        assert!(
            p.body
                .contains(&format!("action=\"/residents/{resident}/call\"")),
            "{}",
            t.name
        );
        // No need link without needs found.
        let r = post_form(
            addr,
            "/visits",
            c,
            &[
                ("csrf", &grid.csrf),
                ("resident", &resident.to_string()),
                ("branch", ""),
                ("visited_on", &wardline::mobilization::branches::today_cst()),
                ("visitors", "网格员"),
                ("situation", "一切正常"),
                ("needs", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let p = get_page(addr, r.header("location").unwrap(), c).await;
        assert!(!p.body.contains("/needs/new?visit="));
        // A branch of another community is refused.
        let other = db
            .query_one(
                "SELECT MIN(code) FROM areas WHERE level = $1 AND code <> $2 AND code LIKE '431102001%'",
                wardline::args![wardline::registry::model::LEVEL_COMMUNITY, COMMUNITY],
            )
            .await
            .unwrap()
            .string(0);
        let officer = login(addr, "demo-street", PW).await;
        let r = post_form(
            addr,
            "/branches",
            &officer.cookie,
            &[
                ("csrf", &officer.csrf),
                ("area", &other),
                ("name", "别处临时党支部"),
                ("kind", "temporary"),
                ("attach", "community"),
                ("founded", "2022-04-01"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let elsewhere = one(db, "SELECT MAX(id) FROM branches", vec![]).await;
        let p = get_page(addr, &format!("/visits/new?resident={resident}"), c).await;
        assert!(!p.body.contains(&format!("<option value=\"{elsewhere}\"")));
        let r = post_form(
            addr,
            "/visits",
            c,
            &[
                ("csrf", &grid.csrf),
                ("resident", &resident.to_string()),
                ("branch", &elsewhere.to_string()),
                ("visited_on", &wardline::mobilization::branches::today_cst()),
                ("visitors", "网格员"),
                ("situation", "一切正常"),
                ("needs", "买菜"),
                ("follow_up", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}", t.name);
    }
}

/// `/visits` pages its visits (50 a page, newest first, "page X of Y") instead of cutting the
/// list: every visit is on exactly one page.
#[tokio::test]
async fn care_visits_page_by_fifty() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let grid = wardline::registry::demo::demo_reader(db, "demo-grid")
            .await
            .unwrap()
            .unwrap();
        let actor = wardline::registry::demo::demo_actor(&grid);
        let resident = one(
            db,
            "SELECT MIN(id) FROM residents WHERE path >= $1 AND path < $2",
            wardline::args![GRID, format!("{GRID}~")],
        )
        .await;
        let before = one(db, "SELECT COUNT(*) FROM care_visits", vec![]).await;
        let mut ids = Vec::new();
        for i in 0..(55 - before).max(0) {
            let f = wardline::mobilization::visits::NewVisit {
                resident,
                branch: None,
                visited_on: format!("2025-03-{:02}", 1 + i % 28),
                visitors: "王芳".into(),
                situation: format!("visit {i}"),
                needs: String::new(),
                follow_up: false,
            };
            ids.push(
                wardline::mobilization::visits::record(db, &actor, &grid, &f)
                    .await
                    .unwrap(),
            );
        }
        let total = one(db, "SELECT COUNT(*) FROM care_visits", vec![]).await;
        assert!(total >= 55, "{}: {total}", t.name);
        let addr = crate::common::serve(db).await;
        let b = login(addr, "demo-grid", PW).await;
        let items = |body: &str| -> Vec<String> {
            body.split("<li id=\"visit-")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().to_owned())
                .collect()
        };
        let p1 = get_page(addr, "/visits", &b.cookie).await;
        assert_eq!(p1.status, 200, "{}", p1.body);
        assert_eq!(
            items(&p1.body).len(),
            50,
            "{}: the first page holds 50",
            t.name
        );
        assert!(p1.body.contains("id=\"visits-pager\""), "{}", t.name);
        let pages = (total + 49) / 50;
        assert!(
            text(&p1.body).contains(&format!("第 1 页，共 {pages} 页")),
            "{}",
            t.name
        );
        assert!(p1.body.contains("href=\"/visits?page=2\""), "{}", t.name);
        let mut all = Vec::new();
        for n in 1..=pages {
            let p = get_page(addr, &format!("/visits?page={n}"), &b.cookie).await;
            let on_page = items(&p.body);
            assert!(
                on_page.len() <= 50 && !on_page.is_empty(),
                "{}: page {n}",
                t.name
            );
            all.extend(on_page);
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "{}: no visit on two pages", t.name);
        assert_eq!(all.len() as i64, total, "{}: every visit on a page", t.name);
        for id in &ids {
            assert!(
                all.contains(&id.to_string()),
                "{}: visit {id} on no page",
                t.name
            );
        }
    }
}
