//! Sign-in, sessions, CSRF, second factor, API tokens from the account page, security headers,
//! and what roles without registry access see.

use wardline::access::totp;
use wardline::args;
use wardline::cli::DEMO_PASSWORD;
use wardline::db::{now_ms, path_end, Db};

use crate::common::{
    backends, demo, exec, get, get_page, hidden_input, login, login_attempt, post_form, request,
    serve, Browser,
};

const OWN_GRID: &str = "431102001001/G0001";

async fn demo_with_accounts(db: &Db) {
    demo(db, 600, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
}

/// A household of the subtree at `path`.
async fn household_in(db: &Db, path: &str) -> (i64, String) {
    let r = db
        .query_one(
            "SELECT id, address FROM households WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 1",
            args![path, path_end(path)],
        )
        .await
        .unwrap();
    (r.int(0), r.string(1))
}

async fn address_of(db: &Db, id: i64) -> String {
    db.query_one("SELECT address FROM households WHERE id = $1", args![id])
        .await
        .unwrap()
        .string(0)
}

#[tokio::test]
async fn sign_in_locks_after_five_wrong_passwords() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        for i in 1..=4 {
            let r = login_attempt(addr, "demo-grid", "wrong-password").await;
            assert_eq!(r.status, 401, "{}: attempt {i}", t.name);
            assert!(r.body.contains("用户名或密码不正确"), "{}", r.body);
            assert!(r.set_cookie("wl_session").is_none());
        }
        // The fifth wrong password locks the account…
        let r = login_attempt(addr, "demo-grid", "wrong-password").await;
        assert_eq!(r.status, 401);
        assert!(r.body.contains("账号已锁定至"), "{}", r.body);
        // …and then the right one is refused too, with the same message, until the lock ends.
        let r = login_attempt(addr, "demo-grid", DEMO_PASSWORD).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.body.contains("账号已锁定至"), "{}", r.body);
        assert!(
            r.set_cookie("wl_session").is_none(),
            "no session while locked"
        );
        let locked_until = db
            .query_one(
                "SELECT locked_until_ms FROM accounts WHERE username = 'demo-grid'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        let lock = wardline::access::session::LOCK_MS;
        assert!(locked_until > now_ms() + lock - 60_000 && locked_until <= now_ms() + lock);
        // Other accounts are not affected.
        login(addr, "demo-community", DEMO_PASSWORD).await;
        // The lock ends (moved into the past rather than waiting 15 minutes): the right password
        // works again.
        exec(
            db,
            "UPDATE accounts SET locked_until_ms = $1 WHERE username = 'demo-grid'",
            args![now_ms() - 1],
        )
        .await;
        login(addr, "demo-grid", DEMO_PASSWORD).await;
        // The failures were audited.
        let n = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND username = 'demo-grid'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 6, "five wrong passwords and one attempt while locked");
    }
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let other = login(addr, "demo-community", DEMO_PASSWORD).await;
        let (hid, address) = household_in(db, OWN_GRID).await;
        let audit = |db: &Db| {
            let db = db.clone();
            async move {
                db.query_one("SELECT COUNT(*) FROM audit_log", vec![])
                    .await
                    .unwrap()
                    .int(0)
            }
        };
        let before = audit(db).await;
        let path = format!("/households/{hid}/edit");
        for csrf in [
            None,
            Some(""),
            Some("0123456789abcdef"),
            Some(other.csrf.as_str()),
        ] {
            let mut f = vec![("address", "CSRF 攻击地址"), ("kind", "rental")];
            if let Some(c) = csrf {
                f.push(("csrf", c));
            }
            let r = post_form(addr, &path, &b.cookie, &f).await;
            assert_eq!(r.status, 403, "{}: csrf {csrf:?}: {}", t.name, r.body);
            assert_eq!(address_of(db, hid).await, address);
        }
        // Reveal and sign-out need the token too.
        let rid = db
            .query_one(
                "SELECT id FROM residents WHERE household_id = $1 LIMIT 1",
                args![hid],
            )
            .await
            .unwrap()
            .int(0);
        let r = post_form(
            addr,
            &format!("/residents/{rid}/reveal"),
            &b.cookie,
            &[("reason", "no token at all")],
        )
        .await;
        assert_eq!(r.status, 403);
        let r = post_form(addr, "/logout", &b.cookie, &[("csrf", "nope")]).await;
        assert_eq!(r.status, 403);
        assert_eq!(audit(db).await, before, "nothing audited");
        assert_eq!(get_page(addr, "/account", &b.cookie).await.status, 200);
        // With the right token the same form goes through.
        let r = post_form(
            addr,
            &path,
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("address", "正常修改地址"),
                ("kind", "home"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(address_of(db, hid).await, "正常修改地址");
    }
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let t = backends().await.remove(0);
    let db = &t.db;
    demo_with_accounts(db).await;
    let addr = serve(db).await;
    let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
    let token = wardline::access::create_token(db, "demo-grid", "t")
        .await
        .unwrap();
    let auth = format!("Bearer {token}");
    let own = wardline::web::html::url_enc(OWN_GRID);
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, bool);
    let cases: Vec<Case> = vec![
        ("/login".into(), vec![], true),
        (format!("/areas/{own}"), vec![("Cookie", &b.cookie)], true),
        ("/account".into(), vec![("Cookie", &b.cookie)], true),
        ("/no-such-page".into(), vec![], true),
        ("/api/v1/me".into(), vec![("Authorization", &auth)], true),
        (
            "/api/v1/areas/431102".into(),
            vec![("Authorization", &auth)],
            true,
        ),
        ("/static/app.css".into(), vec![], false),
    ];
    for (path, headers, personal) in &cases {
        let r = request(addr, "GET", path, headers, None).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        if *personal {
            assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        } else {
            assert_ne!(r.header("cache-control"), Some("no-store"), "{path}");
        }
    }
    // The session cookie is out of scripts' reach and not sent cross-site.
    let r = login_attempt(addr, "demo-community", DEMO_PASSWORD).await;
    let set = r
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("wl_session="))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
}

#[tokio::test]
async fn a_session_from_one_node_is_good_on_another() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let node_a = serve(db).await;
        // A second node: its own router and its own connection to the same database.
        let db_b = Db::connect(&t.url).await.unwrap();
        let node_b = serve(&db_b).await;
        let b = login(node_a, "demo-grid", DEMO_PASSWORD).await;
        let (hid, address) = household_in(db, OWN_GRID).await;
        let own = wardline::web::html::url_enc(OWN_GRID);
        let r = get_page(node_b, &format!("/areas/{own}"), &b.cookie).await;
        assert_eq!(r.status, 200, "{}: {}", t.name, r.body);
        assert!(r.body.contains(&address));
        // A form from node A's page is accepted by node B (the CSRF token lives in the database).
        let r = post_form(
            node_b,
            &format!("/households/{hid}/edit"),
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("address", "二号节点改的地址"),
                ("kind", "home"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(address_of(db, hid).await, "二号节点改的地址");
        // Signing out on B ends the session on A too.
        let r = post_form(node_b, "/logout", &b.cookie, &[("csrf", &b.csrf)]).await;
        assert_eq!(r.status, 303);
        let r = get_page(node_a, "/account", &b.cookie).await;
        assert_eq!(r.status, 303);
        assert!(r.header("location").unwrap().starts_with("/login"));
    }
}

fn totp_code(secret: &str) -> String {
    let key = totp::base32_decode(secret).unwrap();
    format!("{:06}", totp::code_at(&key, totp::step_of(now_ms())))
}

#[tokio::test]
async fn an_administrator_passes_totp_before_reaching_the_registry() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let r = login_attempt(addr, "demo-admin", DEMO_PASSWORD).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.header("location"), Some("/login/totp"));
        let cookie = format!("wl_session={}", r.set_cookie("wl_session").unwrap());
        // Half signed in: every page sends back to the second step.
        for path in [
            "/areas",
            "/areas/431102",
            "/account",
            "/admin/accounts",
            "/audit",
        ] {
            let r = get_page(addr, path, &cookie).await;
            assert_eq!(r.status, 303, "{}: {path}", t.name);
            assert_eq!(r.header("location"), Some("/login/totp"), "{path}");
            assert!(!r.body.contains("零陵区"));
        }
        // Enrolment: the page shows a new secret; a wrong code is refused.
        let page = get_page(addr, "/login/totp", &cookie).await;
        assert_eq!(page.status, 200);
        let secret = page
            .body
            .split("id=\"totp-secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_owned();
        let csrf = hidden_input(&page.body, "csrf").unwrap();
        let right = totp_code(&secret);
        let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
        let r = post_form(
            addr,
            "/login/totp",
            &cookie,
            &[("csrf", &csrf), ("code", &wrong)],
        )
        .await;
        assert_ne!(r.status, 303, "{}", r.body);
        assert_eq!(get_page(addr, "/areas/431102", &cookie).await.status, 303);
        let r = post_form(
            addr,
            "/login/totp",
            &cookie,
            &[("csrf", &csrf), ("code", &right)],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.header("location"), Some("/"));
        let r = get_page(addr, "/areas/431102", &cookie).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The next sign-in asks for a code from the enrolled secret.
        let r = login_attempt(addr, "demo-admin", DEMO_PASSWORD).await;
        assert_eq!(r.header("location"), Some("/login/totp"));
        let cookie2 = format!("wl_session={}", r.set_cookie("wl_session").unwrap());
        let page = get_page(addr, "/login/totp", &cookie2).await;
        assert!(!page.body.contains("totp-secret"), "no new secret shown");
        assert_eq!(get_page(addr, "/areas/431102", &cookie2).await.status, 303);
        let csrf2 = hidden_input(&page.body, "csrf").unwrap();
        // A code is good once: the code just used at enrolment is refused as a replay (unless
        // the clock moved on to a new step meanwhile, which the next code covers anyway).
        let used = totp_code(&secret);
        let r = post_form(
            addr,
            "/login/totp",
            &cookie2,
            &[("csrf", &csrf2), ("code", &used)],
        )
        .await;
        if used == totp_code(&secret) {
            assert_eq!(r.status, 200, "a replayed code must be refused");
            assert!(r.body.contains("验证码不正确"), "{}", r.body);
        }
        // The code of the next step (within the ±1 step drift window) is fresh.
        let key = totp::base32_decode(&secret).unwrap();
        let next = format!("{:06}", totp::code_at(&key, totp::step_of(now_ms()) + 1));
        let r = post_form(
            addr,
            "/login/totp",
            &cookie2,
            &[("csrf", &csrf2), ("code", &next)],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(get_page(addr, "/areas/431102", &cookie2).await.status, 200);
    }
}

#[tokio::test]
async fn an_api_token_made_on_the_account_page_works_until_revoked() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let r = post_form(
            addr,
            "/account/tokens",
            &b.cookie,
            &[("csrf", &b.csrf), ("label", "手机")],
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", t.name, r.body);
        let token = r
            .body
            .split("id=\"new-token\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_owned();
        assert!(token.starts_with("wl_"), "{token}");
        let auth = format!("Bearer {token}");
        let (s, body) = get(addr, "/api/v1/me", &[("Authorization", &auth)]).await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["username"], "demo-grid");
        assert_eq!(v["role"], "grid");
        // The token is shown once: the account page lists its label, never the token.
        let page = get_page(addr, "/account", &b.cookie).await;
        assert!(page.body.contains("手机") && !page.body.contains(&token));
        let id = page
            .body
            .split("action=\"/account/tokens/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_owned();
        // Another user cannot revoke it.
        let other = login(addr, "demo-community", DEMO_PASSWORD).await;
        let r = post_form(
            addr,
            &format!("/account/tokens/{id}/revoke"),
            &other.cookie,
            &[("csrf", &other.csrf)],
        )
        .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            get(addr, "/api/v1/me", &[("Authorization", &auth)]).await.0,
            200
        );
        let r = post_form(
            addr,
            &format!("/account/tokens/{id}/revoke"),
            &b.cookie,
            &[("csrf", &b.csrf)],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (s, body) = get(addr, "/api/v1/me", &[("Authorization", &auth)]).await;
        assert_eq!(s, 401, "{body}");
        let (s, _) = get(addr, "/api/v1/areas", &[("Authorization", &auth)]).await;
        assert_eq!(s, 401);
    }
}

#[tokio::test]
async fn volunteers_and_auditors_see_no_residents() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let r = db
            .query_one(
                "SELECT r.id, r.household_id, r.name, r.doc_number FROM residents r \
                 WHERE r.path >= '431102001001' AND r.path < $1 ORDER BY r.id LIMIT 1",
                args![path_end("431102001001")],
            )
            .await
            .unwrap();
        let (rid, hid, name, doc) = (r.int(0), r.int(1), r.string(2), r.string(3));
        for user in ["demo-volunteer", "demo-auditor"] {
            let b = login(addr, user, DEMO_PASSWORD).await;
            // The area browser sends them to their own first page.
            let r = get_page(addr, "/areas", &b.cookie).await;
            assert_eq!(r.status, 303, "{}: {user}: {}", t.name, r.body);
            assert_eq!(r.header("location"), Some("/"), "{user}");
            let r = get_page(addr, "/", &b.cookie).await;
            assert!(!r.body.contains("/areas/431102"), "{user}: {}", r.body);
            for path in [
                "/areas/431102001001".to_owned(),
                "/areas/431102".to_owned(),
                format!("/households/{hid}"),
                format!("/residents/{rid}"),
                format!("/residents/{rid}/edit"),
            ] {
                let r = get_page(addr, &path, &b.cookie).await;
                // Forms are refused to roles that do not write (403) before any look-up.
                let expected = if path.ends_with("/edit") { 403 } else { 404 };
                assert_eq!(r.status, expected, "{user} {path}: {}", r.body);
                assert!(!r.body.contains(&name));
            }
            let r = post_form(
                addr,
                &format!("/residents/{rid}/reveal"),
                &b.cookie,
                &[("csrf", &b.csrf), ("reason", "just curious here")],
            )
            .await;
            assert!(matches!(r.status, 403 | 404), "{user}: {}", r.status);
            assert!(!r.body.contains(&doc));
            for q in [&name, &doc] {
                let r = get_page(
                    addr,
                    &format!("/search?q={}", wardline::web::html::url_enc(q)),
                    &b.cookie,
                )
                .await;
                assert!(r.body.contains("id=\"no-results\""), "{user}: {}", r.body);
            }
            let token = wardline::access::create_token(db, user, "t").await.unwrap();
            let auth = format!("Bearer {token}");
            let h = [("Authorization", auth.as_str())];
            let (s, body) = get(addr, "/api/v1/areas", &h).await;
            assert_eq!((s, body.as_str()), (200, "[]"), "{user}");
            for p in [
                format!("/api/v1/residents/{rid}"),
                format!("/api/v1/households/{hid}"),
                "/api/v1/areas/431102001001".to_owned(),
            ] {
                assert_eq!(get(addr, &p, &h).await.0, 404, "{user} {p}");
            }
            let (_, body) = get(
                addr,
                &format!(
                    "/api/v1/residents/search?q={}",
                    wardline::web::html::url_enc(&name)
                ),
                &h,
            )
            .await;
            assert!(body.contains("\"items\":[]"), "{user}: {body}");
        }
        // The auditor reads the audit log, the volunteer does not.
        let a = login(addr, "demo-auditor", DEMO_PASSWORD).await;
        assert_eq!(get_page(addr, "/audit", &a.cookie).await.status, 200);
        let v = login(addr, "demo-volunteer", DEMO_PASSWORD).await;
        assert_eq!(get_page(addr, "/audit", &v.cookie).await.status, 403);
    }
}

/// Runs of digits that look like a full resident ID (17 digits and a digit or X) or a full
/// mobile number (11 digits starting with 1).
fn full_numbers(body: &str) -> Vec<String> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j < b.len() && b[j] == b'X' {
                j += 1;
            }
            let run = &body[i..j];
            let ends = j == b.len() || !b[j].is_ascii_alphanumeric();
            if ends && (run.len() == 18 || (run.len() == 11 && run.starts_with('1'))) {
                out.push(run.to_owned());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[tokio::test]
async fn pages_show_only_masked_numbers_until_a_reveal() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b: Browser = login(addr, "demo-community", DEMO_PASSWORD).await;
        let rows = db
            .query(
                "SELECT r.id, r.household_id, r.name, r.doc_number, COALESCE(r.phone, ''), r.path, \
                 r.relation FROM residents r WHERE r.path >= '431102001001' AND r.path < $1 ORDER BY r.id LIMIT 5",
                args![path_end("431102001001")],
            )
            .await
            .unwrap();
        assert!(!rows.is_empty());
        let mut pages = vec![
            "/areas/431102001001".to_owned(),
            "/areas/431102001001?view=households".to_owned(),
        ];
        for r in &rows {
            let (rid, hid) = (r.int(0), r.int(1));
            pages.push(format!("/households/{hid}"));
            pages.push(format!("/residents/{rid}"));
            pages.push(format!("/residents/{rid}/edit"));
            pages.push(format!("/households/{hid}/edit"));
            let enc = wardline::web::html::url_enc;
            pages.push(format!("/search?q={}", enc(r.text(2))));
            pages.push(format!("/search?q={}", enc(r.text(3))));
            if !r.text(4).is_empty() {
                pages.push(format!("/search?q={}", r.text(4)));
            }
            pages.push(format!("/areas/{}", enc(r.text(5))));
        }
        for p in &pages {
            let r = get_page(addr, p, &b.cookie).await;
            assert_eq!(r.status, 200, "{}: {p}: {}", t.name, r.body);
            // A search page repeats the number typed in (the field, the language link).
            let q = p.strip_prefix("/search?q=").unwrap_or("\u{0}");
            let found = full_numbers(&r.body.replace(q, ""));
            assert!(found.is_empty(), "{p} shows full numbers {found:?}");
        }
        // The searches found their residents (so the pages above held residents at all).
        let r = get_page(addr, &format!("/search?q={}", rows[0].text(3)), &b.cookie).await;
        assert!(r.body.contains(&format!("/residents/{}\"", rows[0].int(0))));
        // A reveal shows the number, and the audit log keeps only the masked one.
        let rid = rows[0].int(0);
        let r = post_form(
            addr,
            &format!("/residents/{rid}/reveal"),
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("reason", "phoning about the test result"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            full_numbers(&r.body).contains(&rows[0].string(3)),
            "the scan sees it"
        );
        let r = post_form(
            addr,
            &format!("/residents/{rid}/edit"),
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("name", "改名后"),
                ("doc_type", "id_card"),
                (
                    "doc_number",
                    &wardline::registry::validate::mask_doc(rows[0].text(3)),
                ),
                ("relation", rows[0].text(6)),
                ("party", "none"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let a = login(addr, "demo-auditor", DEMO_PASSWORD).await;
        let r = get_page(addr, "/audit", &a.cookie).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("data-action=\"reveal\""), "{}", r.body);
        let found = full_numbers(&r.body);
        assert!(found.is_empty(), "the audit page shows {found:?}");
    }
}

/// Any role may turn the second factor on from its account page; from then on its sign-in asks
/// for a code.
#[tokio::test]
async fn any_account_may_turn_on_totp_and_is_then_asked_for_codes() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b = login(addr, "demo-community", DEMO_PASSWORD).await;
        let page = get_page(addr, "/account/totp", &b.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let secret = page
            .body
            .split("id=\"totp-secret\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .expect("the key is shown")
            .to_owned();
        // A wrong code leaves it off.
        let r = post_form(
            addr,
            "/account/totp",
            &b.cookie,
            &[("csrf", &b.csrf), ("code", "000000")],
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("验证码不正确"), "{}", r.body);
        let r = post_form(
            addr,
            "/account/totp",
            &b.cookie,
            &[("csrf", &b.csrf), ("code", &totp_code(&secret))],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let account = get_page(addr, "/account", &b.cookie).await;
        assert!(account.body.contains("已启用二次验证"), "{}", account.body);
        let r = login_attempt(addr, "demo-community", DEMO_PASSWORD).await;
        assert_eq!(r.header("location"), Some("/login/totp"), "{}", t.name);
        let cookie = format!("wl_session={}", r.set_cookie("wl_session").unwrap());
        assert_eq!(get_page(addr, "/areas", &cookie).await.status, 303);
    }
}
