//! Issue 22, the web half: formula-safe CSV exports (finding 4), sign-in attempts counted
//! atomically with the check under parallel guesses (5), security headers on every page
//! route (6), `next` that cannot leave the site or break a header (8). On both backends.

use std::net::SocketAddr;

use proptest::prelude::*;
use wardline::access::session::{IP_FAILURES, MAX_FAILURES};
use wardline::args;
use wardline::cli::DEMO_PASSWORD;
use wardline::db::Db;
use wardline::web::pages::safe_next;

use crate::common::{
    backends, demo, exec, get_page, login, post_form, request, serve, Browser, Resp,
};

async fn demo_with_accounts(db: &Db) {
    demo(db, 600, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

// ---- Finding 4: CSV exports neutralise formula starters. ----

/// Every field of a CSV line, without the quotes (good enough for the lines these tests write).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[tokio::test]
async fn csv_exports_neutralise_formula_starters() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 6_000, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_round(db).await.unwrap();
        let round = count(db, "SELECT id FROM test_rounds").await;
        // A hostile household in the grid worker's grid: address, a name and a note that a
        // spreadsheet would run.
        let grid = "431102001001/G0001";
        // Someone of the grid the round has not sampled, so that the missing list shows them.
        let who = db
            .query_one(
                "SELECT r.id, r.household_id FROM residents r WHERE r.path >= $1 AND r.path < $2 \
                 AND NOT EXISTS (SELECT 1 FROM test_persons p WHERE p.resident_id = r.id) \
                 AND NOT EXISTS (SELECT 1 FROM test_exemptions e WHERE e.resident_id = r.id) \
                 ORDER BY r.id LIMIT 1",
                args![grid, wardline::db::path_end(grid)],
            )
            .await
            .unwrap();
        let (rid, hh) = (who.int(0), who.int(1));
        exec(
            db,
            "UPDATE households SET address = $1 WHERE id = $2",
            args!["=HYPERLINK(\"http://evil.example\",\"x\")", hh],
        )
        .await;
        exec(
            db,
            "UPDATE residents SET name = $1, health_note = $2 WHERE id = $3",
            args!["@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", rid],
        )
        .await;
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let exports = [
            format!(
                "/export?area={}&format=csv",
                wardline::web::html::url_enc(grid)
            ),
            format!(
                "/testing/rounds/{round}/missing.csv?area={}",
                wardline::web::html::url_enc(grid)
            ),
        ];
        for path in &exports {
            let r = get_page(addr, path, &b.cookie).await;
            assert_eq!(r.status, 200, "{}: {path}: {}", t.name, r.body);
            let mut hostile = 0;
            for line in r.body.trim_start_matches('\u{feff}').lines() {
                for f in fields(line) {
                    assert!(
                        !f.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{}: {path}: a formula starter went out raw: {f:?}",
                        t.name
                    );
                    if f.starts_with("'=") || f.starts_with("'@") || f.starts_with("'-") {
                        hostile += 1;
                    }
                }
            }
            // The values are still there, readable, behind the quote.
            assert!(
                r.body
                    .contains("'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")"),
                "{}: {path}: {}",
                t.name,
                r.body
            );
            assert!(hostile >= 2, "{}: {path}: {hostile}", t.name);
        }
    }
}

#[test]
fn the_csv_cell_rule() {
    use wardline::registry::export::csv_cell;
    for (v, want) in [
        ("=1+1", "'=1+1"),
        ("+8613800000000", "'+8613800000000"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(csv_cell(v), want, "{v:?}");
    }
}

// ---- Finding 5: attempts counted atomically with the check. ----

/// A `pre` cookie for each of `n` sign-in forms.
async fn pre_tokens(addr: SocketAddr, n: usize) -> Vec<String> {
    let mut v = Vec::new();
    for _ in 0..n {
        let form = request(addr, "GET", "/login", &[], None).await;
        v.push(form.set_cookie("wl_pre").expect("wl_pre cookie"));
    }
    v
}

/// Send the sign-ins all at once; their answers in the same order.
async fn parallel_logins(addr: SocketAddr, tries: &[(String, String)]) -> Vec<Resp> {
    let pres = pre_tokens(addr, tries.len()).await;
    let mut handles = Vec::new();
    for ((user, pw), pre) in tries.iter().cloned().zip(pres) {
        handles.push(tokio::spawn(async move {
            post_form(
                addr,
                "/login",
                &format!("wl_pre={pre}"),
                &[
                    ("pre", &pre),
                    ("username", &user),
                    ("password", &pw),
                    ("next", "/areas"),
                ],
            )
            .await
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Password checks that came out wrong, for one user (the audit's `login_failed` entries other
/// than refusals of a locked account).
async fn wrong_checks(db: &Db, user: &str) -> i64 {
    let rows = db
        .query(
            "SELECT detail FROM audit_log WHERE action = 'login_failed' AND username = $1",
            args![user],
        )
        .await
        .unwrap();
    rows.iter()
        .filter(|r| !r.text(0).contains("\"locked\""))
        .count() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_guesses_are_checked_at_most_the_limit() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let tries: Vec<(String, String)> = (0..20)
            .map(|i| ("demo-grid".to_owned(), format!("wrong-password-{i}")))
            .collect();
        let answers = parallel_logins(addr, &tries).await;
        assert!(answers.iter().all(|r| r.status == 401), "{}", t.name);
        let checked = wrong_checks(db, "demo-grid").await;
        println!("{}: 20 parallel wrong guesses, {checked} checked", t.name);
        assert!(
            (1..=MAX_FAILURES).contains(&checked),
            "{}: {checked} of 20 parallel guesses were checked (limit {MAX_FAILURES})",
            t.name
        );
        // The account is locked: the right password is refused now.
        let r = crate::common::login_attempt(addr, "demo-grid", DEMO_PASSWORD).await;
        assert_eq!(r.status, 401, "{}", t.name);
        assert!(r.set_cookie("wl_session").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_guesses_beside_the_right_one_stay_within_the_limit() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let mut tries: Vec<(String, String)> = (0..8)
            .map(|i| ("demo-grid".to_owned(), format!("wrong-password-{i}")))
            .collect();
        tries.push(("demo-grid".to_owned(), DEMO_PASSWORD.to_owned()));
        let answers = parallel_logins(addr, &tries).await;
        let signed_in = answers
            .iter()
            .filter(|r| r.set_cookie("wl_session").is_some())
            .count() as i64;
        let checked = wrong_checks(db, "demo-grid").await;
        println!(
            "{}: 8 wrong + 1 right in parallel: {checked} wrong checked, {signed_in} signed in",
            t.name
        );
        // At most MAX_FAILURES attempts reach the check; the right one signs in only if it was
        // one of them (and no wrong one beside it locked the account first).
        assert!(
            checked + signed_in <= MAX_FAILURES,
            "{}: {checked} wrong checked and {signed_in} signed in (limit {MAX_FAILURES})",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_address_limit_holds_under_parallel_requests() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        // Different accounts (most of them unknown), all from one address.
        let n = IP_FAILURES as usize + 12;
        let tries: Vec<(String, String)> = (0..n)
            .map(|i| (format!("nobody-{i}"), "wrong-password".to_owned()))
            .collect();
        let answers = parallel_logins(addr, &tries).await;
        assert!(answers.iter().all(|r| r.status == 401), "{}", t.name);
        let checked = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'",
        )
        .await;
        println!(
            "{}: {n} parallel guesses from one address, {checked} checked",
            t.name
        );
        assert_eq!(
            checked, IP_FAILURES,
            "{}: {checked} of {n} checked (limit {IP_FAILURES})",
            t.name
        );
        let throttled = answers
            .iter()
            .filter(|r| r.body.contains("失败次数过多") || r.body.contains("too many"))
            .count();
        assert_eq!(throttled, n - IP_FAILURES as usize, "{}", t.name);
    }
}

#[tokio::test]
async fn wrong_current_passwords_count_and_lock() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let Browser { cookie, csrf } = login(addr, "demo-grid", DEMO_PASSWORD).await;
        for i in 1..MAX_FAILURES {
            let r = post_form(
                addr,
                "/account/password",
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("current", &format!("not-my-password-{i}")),
                    ("password", "a-new-password-1"),
                ],
            )
            .await;
            assert_eq!(r.status, 200, "{}: {}", t.name, r.body);
        }
        assert_eq!(wrong_checks(db, "demo-grid").await, MAX_FAILURES - 1);
        // The last allowed wrong one locks the account and ends this session.
        let r = post_form(
            addr,
            "/account/password",
            &cookie,
            &[
                ("csrf", &csrf),
                ("current", "not-my-password-last"),
                ("password", "a-new-password-1"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        assert_eq!(r.header("location"), Some("/login"));
        let locked = db
            .query_one(
                "SELECT locked_until_ms FROM accounts WHERE username = 'demo-grid'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert!(locked > wardline::db::now_ms(), "{}: not locked", t.name);
        let r = get_page(addr, "/account", &cookie).await;
        assert_eq!(r.status, 303, "{}: the session ended", t.name);
        // Locked: the right password does not sign in either.
        let r = crate::common::login_attempt(addr, "demo-grid", DEMO_PASSWORD).await;
        assert_eq!(r.status, 401, "{}", t.name);
        // The password did not change.
        let h = db
            .query_one(
                "SELECT password_hash FROM accounts WHERE username = 'demo-grid'",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        assert!(wardline::access::password::verify(&h, DEMO_PASSWORD));
    }
}

// ---- Finding 6: security headers on every page route. ----

fn check_headers(r: &Resp, what: &str) {
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
}

#[tokio::test]
async fn every_page_route_has_the_security_headers() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let grid = wardline::web::html::url_enc("431102001001/G0001");
        let signed_in = [
            "/import".to_owned(),
            "/import/jobs/1".to_owned(),
            "/import/template.csv".to_owned(),
            "/import/template.xlsx".to_owned(),
            format!("/export?area={grid}&format=csv"),
            format!("/export?area={grid}&format=xlsx"),
            "/areas".to_owned(),
            "/account".to_owned(),
            "/search?q=a".to_owned(),
            "/needs".to_owned(),
            "/roster".to_owned(),
            "/volunteers".to_owned(),
            "/testing/rounds".to_owned(),
            "/no-such-page".to_owned(),
            "/api/v1/me".to_owned(),
        ];
        for p in &signed_in {
            let r = get_page(addr, p, &b.cookie).await;
            assert!(r.status < 500, "{}: {p}: {}", t.name, r.status);
            check_headers(&r, &format!("{}: {p} ({})", t.name, r.status));
        }
        // Signed out: the redirects to the sign-in form carry them too.
        for p in ["/import", "/export?area=431102&format=csv", "/login", "/"] {
            let r = get_page(addr, p, "").await;
            check_headers(&r, &format!("{}: {p} signed out ({})", t.name, r.status));
        }
        // The residents' export is a download that must never be cached.
        let r = get_page(addr, &signed_in[4], &b.cookie).await;
        assert_eq!(r.status, 200, "{}", t.name);
        assert!(r
            .header("content-disposition")
            .is_some_and(|v| v.contains("attachment")));
    }
}

// ---- Finding 8: `next` stays on the site and never breaks a header. ----

/// Every output of `safe_next` is a path of this site that a browser cannot read as another
/// host, and a valid header value.
fn assert_safe(out: &str, input: &str) {
    assert!(out.starts_with('/'), "{input:?} → {out:?}");
    assert!(!out.starts_with("//"), "{input:?} → {out:?}");
    assert!(
        !out.chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control()),
        "{input:?} → {out:?}"
    );
    assert!(
        axum::http::HeaderValue::from_str(out).is_ok(),
        "{input:?} → {out:?} is not a header value"
    );
}

#[test]
fn safe_next_explicit_cases() {
    for (input, want) in [
        (Some("/areas"), "/areas"),
        (Some("/areas?x=1&lang=en"), "/areas?x=1&lang=en"),
        (Some("/h/abc#top"), "/h/abc#top"),
        (Some("/区划"), "/区划"),
        (None, "/"),
        (Some(""), "/"),
        (Some("areas"), "/"),
        (Some("//evil.example"), "/"),
        (Some("/\\evil.example"), "/"),
        (Some("/\t/evil.example"), "/"),
        (Some("/\n/evil.example"), "/"),
        (Some("/\r\nSet-Cookie: x=1"), "/"),
        (Some("/ /evil.example"), "/"),
        (Some("/a\u{0}b"), "/"),
        (Some("/a\u{7f}"), "/"),
        (Some("/a\u{3000}b"), "/"),
        (Some("/a\u{85}b"), "/"),
        (Some("https://evil.example"), "/"),
        (Some("\\\\evil.example"), "/"),
        (Some("/x\\y"), "/"),
    ] {
        let out = safe_next(input);
        assert_eq!(out, want, "{input:?}");
        assert_safe(&out, input.unwrap_or(""));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any string, especially ones that start like a path: no panic, and a safe answer.
    #[test]
    fn safe_next_never_lets_anything_unsafe_through(
        s in prop_oneof![
            any::<String>(),
            "/[ -~\t\r\n\\\\\u{0}-\u{1f}\u{85}\u{a0}\u{2028}\u{3000}]{0,30}",
            "[/\\\\\t\r\n ]{1,4}[a-z.]{0,12}",
        ]
    ) {
        let out = safe_next(Some(&s));
        assert_safe(&out, &s);
        // A path that is safe goes through unchanged.
        if out != "/" {
            prop_assert_eq!(&out, &s);
        }
    }
}

#[tokio::test]
async fn a_hostile_next_goes_home_before_and_after_sign_in() {
    for t in backends().await {
        let db = &t.db;
        demo_with_accounts(db).await;
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        for cookie in ["", b.cookie.as_str()] {
            for (next, want) in [
                ("/%09/evil.example", "/"),
                ("/%0A/evil.example", "/"),
                ("/%0D%0ASet-Cookie:%20x=1", "/"),
                ("//evil.example", "/"),
                ("/%5Cevil.example", "/"),
                ("/areas%3Flang%3Dzh", "/areas"),
            ] {
                let r = get_page(addr, &format!("/lang/en?next={next}"), cookie).await;
                assert_eq!(r.status, 303, "{}: {next}: {}", t.name, r.body);
                assert_eq!(r.header("location"), Some(want), "{}: {next}", t.name);
            }
            // The sign-in form keeps a hostile `next` out of its page and its redirect.
            let r = get_page(addr, "/login?next=/%0A/evil.example", cookie).await;
            assert!(r.status < 500, "{}: {}", t.name, r.status);
        }
        // Signing in with a hostile `next` in the form.
        let pre = pre_tokens(addr, 1).await.remove(0);
        let r = post_form(
            addr,
            "/login",
            &format!("wl_pre={pre}"),
            &[
                ("pre", &pre),
                ("username", "demo-community"),
                ("password", DEMO_PASSWORD),
                ("next", "/\n/evil.example"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}: {}", t.name, r.body);
        assert_eq!(r.header("location"), Some("/"), "{}", t.name);
    }
}
