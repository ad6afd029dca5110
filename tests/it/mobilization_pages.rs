//! The volunteer, roster and duty pages over HTTP, on the demo volunteers and roster that
//! `serve --demo` creates: scope (an officer of another community gets 404 and sees no name,
//! no count), roles (403 for volunteers and grid workers where they may not act), the public
//! sign-up (bad input named field by field in both languages, flooding refused with 429), the
//! export and the certificate. On both backends.

use wardline::db::Db;

use crate::common::{backends, demo, get_page, login, post_form, request, Browser};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

async fn setup(db: &Db) -> i64 {
    demo(db, 6_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    let n = wardline::cli::create_demo_mobilization(db)
        .await
        .unwrap()
        .expect("demo volunteers created");
    assert!(n > 50, "placements made: {n}");
    // Only once.
    assert_eq!(
        wardline::cli::create_demo_mobilization(db).await.unwrap(),
        None
    );
    n
}

async fn one(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

async fn name_of(db: &Db, id: i64) -> String {
    db.query_one(
        "SELECT name FROM volunteers WHERE id = $1",
        wardline::args![id],
    )
    .await
    .unwrap()
    .string(0)
}

/// An officer of the street's second community, with a password.
pub async fn outsider(db: &Db) -> &'static str {
    let code = db
        .query_one(
            "SELECT MIN(code) FROM areas WHERE level = $1 AND code <> $2",
            wardline::args![wardline::registry::model::LEVEL_COMMUNITY, COMMUNITY],
        )
        .await
        .unwrap()
        .string(0);
    wardline::access::create_account_as(
        db,
        &wardline::audit::Actor::cli(),
        &wardline::access::NewAccount {
            username: "other-community",
            display_name: "other-community",
            role: "community",
            scope_codes: &[code],
            password: Some(PW),
        },
    )
    .await
    .unwrap();
    "other-community"
}

#[tokio::test]
async fn roster_pages_scope_roles_export_certificate() {
    for t in backends().await {
        let db = &t.db;
        let placements = setup(db).await;
        let addr = crate::common::serve(db).await;
        let officer = login(addr, "demo-community", PW).await;
        let c = &officer.cookie;

        // The officer's pages.
        let p = get_page(addr, "/volunteers", c).await;
        assert_eq!(p.status, 200, "{}", t.name);
        assert!(p.body.contains("id=\"pool\""));
        assert!(p.body.contains("id=\"nav-volunteers\""));
        let vid = one(
            db,
            "SELECT MIN(id) FROM volunteers WHERE status = 'approved'",
        )
        .await;
        let vname = name_of(db, vid).await;
        // The pool is paged: found by name.
        let p = get_page(
            addr,
            &format!("/volunteers?q={}", wardline::web::html::url_enc(&vname)),
            c,
        )
        .await;
        assert!(p.body.contains(&vname));
        let p = get_page(addr, "/volunteers/screening", c).await;
        assert_eq!(p.status, 200);
        assert_eq!(
            p.body.matches("class=\"hh applicant\"").count() as i64,
            one(
                db,
                "SELECT COUNT(*) FROM volunteers WHERE status = 'applied'"
            )
            .await
        );
        let p = get_page(addr, &format!("/volunteers/{vid}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"history\""));
        let p = get_page(addr, &format!("/roster?area={COMMUNITY}"), c).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("北门卡口"));
        assert!(p.body.contains("id=\"autofill-form\""));
        let place = one(db, "SELECT MIN(id) FROM places").await;
        let p = get_page(addr, &format!("/roster/places/{place}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"assign\""));
        let run = one(db, "SELECT MIN(id) FROM autofill_runs").await;
        let p = get_page(addr, &format!("/roster/runs/{run}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(&format!("id=\"run-filled\">{placements}<")));
        let p = get_page(addr, &format!("/roster/table?area={COMMUNITY}"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"duty-table\""));
        let before = one(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_export'",
        )
        .await;
        let x = get_page(addr, &format!("/roster/table.xlsx?area={COMMUNITY}"), c).await;
        assert_eq!(x.status, 200);
        assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
        assert!(x.body.starts_with("PK"), "an XLSX is a zip file");
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_export'"
            )
            .await,
            before + 1,
            "the export is audited"
        );
        let p = get_page(addr, &format!("/roster/hours?area={COMMUNITY}&by=unit"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"hours\""));
        let p = get_page(addr, &format!("/volunteers/{vid}/certificate"), c).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(&vname));

        // The catalogue of posts is editable: add one, retire it.
        let posts = one(db, "SELECT COUNT(*) FROM posts").await;
        let r = post_form(
            addr,
            "/roster/posts",
            c,
            &[
                ("csrf", &officer.csrf),
                ("area", COMMUNITY),
                ("zh", "核酸结果查验"),
                ("en", "test-result check"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(one(db, "SELECT COUNT(*) FROM posts").await, posts + 1);
        let pid = one(db, "SELECT MAX(id) FROM posts").await;
        let r = post_form(
            addr,
            &format!("/roster/posts/{pid}"),
            c,
            &[
                ("csrf", &officer.csrf),
                ("area", COMMUNITY),
                ("active", "0"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            one(db, &format!("SELECT active FROM posts WHERE id = {pid}")).await,
            0
        );
        let r = post_form(
            addr,
            "/roster/posts",
            c,
            &[("csrf", &officer.csrf), ("zh", ""), ("en", "")],
        )
        .await;
        assert_eq!(r.status, 422, "a post needs both names");

        // An officer of another community: nothing, not even a count or a name.
        let other = outsider(db).await;
        let o = login(addr, other, PW).await;
        let oc = &o.cookie;
        let p = get_page(addr, "/volunteers", oc).await;
        assert_eq!(p.status, 200);
        assert!(!p.body.contains(&vname), "{}", t.name);
        assert!(p.body.contains("id=\"pool-empty\""));
        assert!(!p.body.contains("北门卡口"));
        for path in [
            format!("/volunteers/{vid}"),
            format!("/volunteers/{vid}/certificate"),
            format!("/roster/places/{place}"),
            format!("/roster/places/{place}/qr"),
            format!("/roster/runs/{run}"),
            format!("/roster?area={COMMUNITY}"),
            format!("/roster/table?area={COMMUNITY}"),
            format!("/roster/table.xlsx?area={COMMUNITY}"),
            format!("/roster/hours?area={COMMUNITY}"),
        ] {
            let p = get_page(addr, &path, oc).await;
            assert_eq!(p.status, 404, "{}: {path}", t.name);
            assert!(!p.body.contains(&vname), "{path}");
        }
        let a = one(
            db,
            "SELECT MIN(id) FROM assignments WHERE checkin_ms IS NULL",
        )
        .await;
        let r = post_form(
            addr,
            &format!("/roster/assignments/{a}/remove"),
            oc,
            &[("csrf", &o.csrf)],
        )
        .await;
        assert_eq!(r.status, 404, "no removing outside the scope");

        // A volunteer: their own shifts and certificate, not the pool or the roster.
        let v = login(addr, "demo-volunteer", PW).await;
        let p = get_page(addr, "/me/shifts", &v.cookie).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"my-cert\""));
        let mine = one(db, "SELECT v.id FROM volunteers v JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer'").await;
        assert_eq!(
            get_page(addr, &format!("/volunteers/{mine}/certificate"), &v.cookie)
                .await
                .status,
            200
        );
        for path in ["/volunteers", "/roster", "/volunteers/screening"] {
            assert_eq!(get_page(addr, path, &v.cookie).await.status, 403, "{path}");
        }
        let someone_else = one(
            db,
            &format!("SELECT MIN(id) FROM volunteers WHERE id <> {mine}"),
        )
        .await;
        assert_eq!(
            get_page(
                addr,
                &format!("/volunteers/{someone_else}/certificate"),
                &v.cookie
            )
            .await
            .status,
            403
        );

        // A grid worker reads the pool (of their grid) but does not screen; a branch secretary
        // reads the community's roster but does not place people on it.
        let g = login(addr, "demo-grid", PW).await;
        assert_eq!(get_page(addr, "/volunteers", &g.cookie).await.status, 200);
        assert_eq!(
            get_page(addr, "/volunteers/screening", &g.cookie)
                .await
                .status,
            403
        );
        let b = login(addr, "demo-branch", PW).await;
        assert_eq!(
            get_page(addr, &format!("/roster/places/{place}"), &b.cookie)
                .await
                .status,
            200
        );
        let shift = one(db, "SELECT MIN(id) FROM shifts").await;
        let before = one(db, "SELECT COUNT(*) FROM assignments").await;
        let r = post_form(
            addr,
            "/roster/assign",
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("shift", &shift.to_string()),
                ("volunteer", &vid.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(one(db, "SELECT COUNT(*) FROM assignments").await, before);

        // Placing someone against the rules: refused with the rule named; with a reason, made
        // and the override recorded.
        let Browser { cookie, csrf } = &officer;
        let (s1, v1) = {
            let r = db
                .query_one(
                    "SELECT a.shift_id, a.volunteer_id FROM assignments a ORDER BY a.id LIMIT 1",
                    vec![],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1))
        };
        // A shift overlapping the one v1 holds: same time, another place.
        let other_shift = one(
            db,
            &format!(
                "SELECT MIN(s.id) FROM shifts s JOIN shifts x ON x.id = {s1} \
                 WHERE s.id <> x.id AND s.starts_ms = x.starts_ms AND s.place_id <> x.place_id"
            ),
        )
        .await;
        exec_sql(
            db,
            &format!("UPDATE shifts SET headcount = headcount + 1 WHERE id = {other_shift}"),
        )
        .await;
        let r = post_form(
            addr,
            "/roster/assign",
            cookie,
            &[
                ("csrf", csrf),
                ("shift", &other_shift.to_string()),
                ("volunteer", &format!("x #{v1}")),
            ],
        )
        .await;
        assert_eq!(r.status, 409);
        assert!(
            r.body.contains("与其另一个班次时间重叠"),
            "the rule is named"
        );
        let r = post_form(
            addr,
            "/roster/assign",
            cookie,
            &[
                ("csrf", csrf),
                ("shift", &other_shift.to_string()),
                ("volunteer", &format!("x #{v1}")),
                ("override_reason", "both gates share one guard tonight"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let row = db
            .query_one(
                "SELECT override_rules, override_reason, override_by FROM assignments WHERE shift_id = $1 AND volunteer_id = $2",
                wardline::args![other_shift, v1],
            )
            .await
            .unwrap();
        assert!(row.text(0).starts_with("overlap"), "{}", row.text(0));
        assert_eq!(row.text(1), "both gates share one guard tonight");
        assert_eq!(row.text(2), "demo-community");
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_override'"
            )
            .await,
            1
        );
        let p = get_page(
            addr,
            &format!(
                "/roster/places/{}",
                one(
                    db,
                    &format!("SELECT place_id FROM shifts WHERE id = {other_shift}")
                )
                .await
            ),
            cookie,
        )
        .await;
        assert!(
            p.body.contains("override"),
            "the override shows on the roster"
        );
    }
}

async fn exec_sql(db: &Db, sql: &str) {
    crate::common::exec(db, sql, vec![]).await;
}

fn id_number(n: u32) -> String {
    let first17 = format!("43110219850101{:03}", n);
    let c = wardline::registry::validate::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

#[tokio::test]
async fn public_signup_errors_flooding_and_status() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2_000, 4).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let r = wardline::cli::create_demo_mobilization(db).await.unwrap();
        assert!(r.is_some());
        let token = db
            .query_one("SELECT token FROM signup_links", vec![])
            .await
            .unwrap()
            .string(0);
        let addr = crate::common::serve(db).await;
        let path = format!("/join/{token}");
        let p = request(addr, "GET", &path, &[("Accept-Language", "en")], None).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("id=\"signup-form\""));
        let before = one(db, "SELECT COUNT(*) FROM volunteers").await;

        // Bad input: every problem named, in the reader's language; nothing written.
        let good = id_number(11);
        let bad_doc = format!(
            "{}{}",
            &good[..17],
            if good.ends_with('0') { '1' } else { '0' }
        );
        let bad = [
            ("name", ""),
            ("doc_type", "id_card"),
            ("doc_number", bad_doc.as_str()),
            ("phone", "12345"),
            ("skills", "juggling"),
            ("from", "25:00"),
            ("avail_from", "2026-12-10"),
            ("avail_to", "2026-12-01"),
        ];
        for (lang, words) in [
            (
                "en",
                [
                    "name: required",
                    "document number",
                    "mobile phone",
                    "unknown skill",
                    "available hours",
                    "available until",
                    "health declaration",
                ],
            ),
            (
                "zh-CN",
                [
                    "姓名：必填",
                    "证件号码",
                    "手机号码",
                    "未知技能",
                    "可服务时段",
                    "可服务截止日期",
                    "健康承诺",
                ],
            ),
        ] {
            let r = request(
                addr,
                "POST",
                &path,
                &[
                    ("Accept-Language", lang),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                Some(crate::common::form_body(&bad).as_bytes()),
            )
            .await;
            assert_eq!(r.status, 422, "{}", r.body);
            for w in words {
                assert!(r.body.contains(w), "{lang}: {w} not in {}", r.body);
            }
        }
        assert_eq!(one(db, "SELECT COUNT(*) FROM volunteers").await, before);

        // Five good sign-ups from one address, then the sixth is refused (429), clearly.
        let mut refs = Vec::new();
        for i in 0..6u32 {
            let doc = id_number(200 + i);
            let phone = format!("1370000{:04}", i);
            let r = request(
                addr,
                "POST",
                &path,
                &[
                    ("Accept-Language", "zh-CN"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                Some(
                    crate::common::form_body(&[
                        ("name", "赵六"),
                        ("doc_type", "id_card"),
                        ("doc_number", &doc),
                        ("phone", &phone),
                        ("health_ok", "1"),
                        ("skills", "medical"),
                    ])
                    .as_bytes(),
                ),
            )
            .await;
            if i < 5 {
                assert_eq!(r.status, 303, "{}: sign-up {i}: {}", t.name, r.body);
                refs.push(r.header("location").unwrap().to_owned());
            } else {
                assert_eq!(r.status, 429, "{}", r.body);
                assert!(r.body.contains("十分钟后再试"), "{}", r.body);
            }
        }
        assert_eq!(one(db, "SELECT COUNT(*) FROM volunteers").await, before + 5);
        // The same person again (from elsewhere, after the window) is told they signed up.
        exec_sql(
            db,
            "UPDATE volunteers SET created_ms = created_ms - 3600000",
        )
        .await;
        let r = request(
            addr,
            "POST",
            &path,
            &[
                ("Accept-Language", "en"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            Some(
                crate::common::form_body(&[
                    ("name", "赵六"),
                    ("doc_number", &id_number(200)),
                    ("phone", "13700000000"),
                    ("health_ok", "1"),
                ])
                .as_bytes(),
            ),
        )
        .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("signed up here already"));

        // The status page by reference: masked name, status; withdrawing works once.
        let status = refs[0].split('?').next().unwrap().to_owned();
        let p = request(addr, "GET", &status, &[("Accept-Language", "en")], None).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("applied"));
        assert!(!p.body.contains("赵六"), "the name is masked");
        let w = request(addr, "POST", &format!("{status}/withdraw"), &[], None).await;
        assert_eq!(w.status, 303);
        let p = request(addr, "GET", &status, &[("Accept-Language", "en")], None).await;
        assert!(p.body.contains("withdrawn"));
        assert!(!p.body.contains("/withdraw\""), "no second withdrawal");
        // Unknown link or reference: not found.
        assert_eq!(
            request(addr, "GET", "/join/nope", &[], None).await.status,
            404
        );
        assert_eq!(
            request(addr, "GET", "/join/status/NOPE-NOPE", &[], None)
                .await
                .status,
            404
        );
    }
}

/// On a weak network a check-in form may arrive twice: the second is answered as the first,
/// never turned into a check-out (and a repeated check-out never into a new check-in).
#[tokio::test]
async fn duty_scan_resent_is_answered_not_reversed() {
    use wardline::mobilization::{roster, rules};
    for t in backends().await {
        let db = &t.db;
        demo(db, 2_000, 5).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_mobilization(db).await.unwrap();
        // A shift at a new place, now, with the demo volunteer on it.
        let officer = wardline::access::Reader {
            account_id: one(
                db,
                "SELECT id FROM accounts WHERE username = 'demo-community'",
            )
            .await,
            username: "demo-community".into(),
            display_name: "demo-community".into(),
            role: "community".into(),
            scope: wardline::access::Scope {
                roots: vec![COMMUNITY.into()],
            },
        };
        let actor = wardline::audit::Actor::cli();
        let place = roster::add_place(db, &actor, &officer, COMMUNITY, "West gate", "checkpoint")
            .await
            .unwrap();
        let now = wardline::db::now_ms();
        let day = rules::day_of(now);
        let start = (rules::minute_of_day(now) / 60) * 60;
        roster::add_shifts(
            db,
            &actor,
            &officer,
            &roster::NewShifts {
                place,
                post: 1,
                first_day: rules::ymd(day),
                days: 1,
                times: vec![(start, 1440)],
                headcount: 1,
                skills: vec![],
            },
        )
        .await
        .unwrap();
        let shift = one(
            db,
            &format!("SELECT id FROM shifts WHERE place_id = {place}"),
        )
        .await;
        let vid = one(db, "SELECT v.id FROM volunteers v JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer'").await;
        roster::assign(db, &actor, &officer, shift, vid, "test: the only one free")
            .await
            .unwrap();
        let token = db
            .query_one(
                "SELECT qr_token FROM places WHERE id = $1",
                wardline::args![place],
            )
            .await
            .unwrap()
            .string(0);
        let addr = crate::common::serve(db).await;
        let v = login(addr, "demo-volunteer", PW).await;
        let path = format!("/duty/{token}");
        let page = get_page(addr, &path, &v.cookie).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("name=\"action\" value=\"in\""),
            "{}",
            t.name
        );
        let checkin = |body: &str| body.contains("已于") && body.contains("签到");
        for _ in 0..2 {
            let r = post_form(
                addr,
                &path,
                &v.cookie,
                &[("csrf", &v.csrf), ("action", "in")],
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert!(checkin(&r.body), "answered as a check-in");
        }
        let q = format!("SELECT COUNT(*) FROM assignments WHERE shift_id = {shift} AND checkin_ms IS NOT NULL AND checkout_ms IS NULL");
        assert_eq!(one(db, &q).await, 1, "checked in once, still on duty");
        for _ in 0..2 {
            let r = post_form(
                addr,
                &path,
                &v.cookie,
                &[("csrf", &v.csrf), ("action", "out")],
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert!(r.body.contains("签退"), "answered as a check-out");
        }
        let q = format!(
            "SELECT COUNT(*) FROM assignments WHERE shift_id = {shift} AND checkout_ms IS NOT NULL"
        );
        assert_eq!(one(db, &q).await, 1);
        let aid = one(
            db,
            &format!("SELECT id FROM assignments WHERE shift_id = {shift}"),
        )
        .await;
        for action in ["duty_checkin", "duty_checkout"] {
            let q = format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_id = '{aid}'"
            );
            assert_eq!(one(db, &q).await, 1, "{action} recorded once");
        }
    }
}

/// Refused sign-ups count against the limit too, so the form cannot be used to test, without
/// limit, whether ID numbers have signed up.
#[tokio::test]
async fn refused_signups_count_against_the_limit() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 1_000, 6).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_mobilization(db).await.unwrap();
        let token = db
            .query_one("SELECT token FROM signup_links", vec![])
            .await
            .unwrap()
            .string(0);
        let addr = crate::common::serve(db).await;
        let path = format!("/join/{token}");
        let limit = wardline::mobilization::volunteers::RATE_ATTEMPTS;
        for i in 0..=limit {
            let doc = id_number(300 + i as u32);
            let r = request(
                addr,
                "POST",
                &path,
                &[
                    ("Accept-Language", "en"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                // No health declaration: refused every time, nothing saved.
                Some(
                    crate::common::form_body(&[
                        ("name", "x"),
                        ("doc_number", &doc),
                        ("phone", "13900000000"),
                    ])
                    .as_bytes(),
                ),
            )
            .await;
            if i < limit {
                assert_eq!(r.status, 422, "{}: attempt {i}", t.name);
            } else {
                assert_eq!(r.status, 429, "{}: attempt {i}", t.name);
                assert!(r.body.contains("wait ten minutes"));
            }
        }
    }
}
