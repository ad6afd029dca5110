//! The offline field pages' server side (issue 19): the API takes a page's session only with
//! its CSRF token in `X-CSRF-Token` (what the offline queue sends), the worker is served at the
//! root with its expiry, and sign-out clears what a phone kept. The browser flow is
//! `e2e::offline`.

use crate::common::{backends, demo, login, post_form, request};
use wardline::cli::DEMO_PASSWORD;

#[tokio::test]
async fn the_api_takes_a_page_session_only_with_its_csrf_token() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 300, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = crate::common::serve(db).await;
        let b = login(addr, "demo-grid", DEMO_PASSWORD).await;
        let other = login(addr, "demo-community", DEMO_PASSWORD).await;
        let me = |headers: Vec<(&'static str, String)>| async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            request(addr, "GET", "/api/v1/me", &h, None).await
        };
        // The cookie alone (what a cross-site form or image would send): not signed in.
        let r = me(vec![("Cookie", b.cookie.clone())]).await;
        assert_eq!(r.status, 401, "{}: cookie alone: {}", t.name, r.body);
        // A wrong token, or another session's: not signed in either.
        for bad in ["nope".to_owned(), other.csrf.clone(), String::new()] {
            let r = me(vec![
                ("Cookie", b.cookie.clone()),
                ("X-CSRF-Token", bad.clone()),
            ])
            .await;
            assert_eq!(r.status, 401, "{}: token {bad:?}: {}", t.name, r.body);
        }
        // The token without the cookie: nothing.
        let r = me(vec![("X-CSRF-Token", b.csrf.clone())]).await;
        assert_eq!(r.status, 401, "{}: token alone: {}", t.name, r.body);
        // Both: the session's account.
        let r = me(vec![
            ("Cookie", b.cookie.clone()),
            ("X-CSRF-Token", b.csrf.clone()),
        ])
        .await;
        assert_eq!(r.status, 200, "{}: {}", t.name, r.body);
        assert!(r.body.contains("demo-grid"), "{}: {}", t.name, r.body);

        // A batch sent that way is answered line by line, in the language asked for.
        let line = r#"{"client_id": "off-1", "place": "no-such-place", "action": "in"}"#;
        let send = || async {
            request(
                addr,
                "POST",
                "/api/v1/duty/batch?lang=en",
                &[
                    ("Cookie", b.cookie.as_str()),
                    ("X-CSRF-Token", b.csrf.as_str()),
                    ("Content-Type", "application/x-ndjson"),
                ],
                Some(format!("{line}\n").as_bytes()),
            )
            .await
        };
        let first = send().await;
        assert_eq!(first.status, 200, "{}: {}", t.name, first.body);
        let v: serde_json::Value = serde_json::from_str(first.body.trim()).unwrap();
        assert_eq!(v["client_id"], "off-1", "{}: {v}", t.name);
        assert_ne!(
            v["status"], 200,
            "{}: an unknown place is refused: {v}",
            t.name
        );
        let msg = v["answer"]["error"]["message"].as_str().unwrap_or("");
        assert!(
            msg.is_ascii() && !msg.is_empty(),
            "{}: in English: {v}",
            t.name
        );

        // Sign-out: the session ends and the phone is told to clear what it kept.
        let r = post_form(addr, "/logout", &b.cookie, &[("csrf", &b.csrf)]).await;
        assert_eq!(r.status, 303, "{}", t.name);
        let clear = r.header("clear-site-data").unwrap_or("");
        assert!(
            clear.contains("\"cache\"") && clear.contains("\"storage\""),
            "{}: {clear:?}",
            t.name
        );
        let r = me(vec![
            ("Cookie", b.cookie.clone()),
            ("X-CSRF-Token", b.csrf.clone()),
        ])
        .await;
        assert_eq!(r.status, 401, "{}: after sign-out: {}", t.name, r.body);
        let r = send().await;
        assert_eq!(
            r.status, 401,
            "{}: a queue sent after sign-out: {}",
            t.name, r.body
        );
    }
}

#[tokio::test]
async fn the_worker_is_served_at_the_root_with_its_expiry() {
    let t = backends().await.remove(0);
    let addr = crate::common::serve(&t.db).await;
    let r = request(addr, "GET", "/sw.js", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/javascript"),
        "{:?}",
        r.headers
    );
    let hours = wardline::web::offline::kept_hours();
    assert!(
        r.body
            .starts_with(&format!("var TTL_MS = {};", hours * 3_600_000)),
        "{}",
        &r.body[..80.min(r.body.len())]
    );
    assert!(r.body.contains("addEventListener(\"fetch\""));
    let js = request(addr, "GET", "/static/offline.js", &[], None).await;
    assert_eq!(js.status, 200);
    assert_eq!(js.body, wardline::web::offline::JS);
}
