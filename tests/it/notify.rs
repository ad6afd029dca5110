//! Notifications (issue 19), both backends: the outbox delivered to a webhook receiver this
//! test starts on loopback (it checks each request's HMAC-SHA256 itself, fails twice and then
//! recovers: the message is retried with backoff and sent once), a receiver that never
//! answers (failed after the last try), quiet hours (held to 07:00 China time, urgent ones
//! not), the daily cap, the re-check at send time (a reminder of a need done meanwhile is
//! skipped), the recipient's language, and the API (mine, mark read).

use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wardline::args;
use wardline::db::Db;
use wardline::i18n::Arg;
use wardline::notify::send::{deliver, Sender, Settings};
use wardline::notify::{self, Note};

use crate::common::{backends, exec, get, request, serve};

const HOUR: i64 = 3600 * 1000;
/// 2026-12-04 00:00 China time.
const DAY: i64 = 1_796_313_600_000;
const SECRET: &str = "hook-secret";

/// What the receiver saw: each request's JSON body, and whether its signature was right.
#[derive(Default)]
struct Seen {
    bodies: Vec<serde_json::Value>,
    bad_signatures: usize,
}

/// A webhook receiver on loopback answering 500 to the first `fail_first` requests, then 200.
async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Seen>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = seen.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            // Head, then the body by its Content-Length.
            let (head, body) = loop {
                let k = s.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..k]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap();
                    while buf.len() < i + 4 + len {
                        let k = s.read(&mut chunk).await.unwrap();
                        buf.extend_from_slice(&chunk[..k]);
                    }
                    break (head, buf[i + 4..i + 4 + len].to_vec());
                }
                assert!(k > 0, "connection closed before the head ended");
            };
            assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
            let sig = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .starts_with("x-wardline-signature:")
                        .then(|| l.split_once(':').unwrap().1.trim().to_owned())
                })
                .unwrap_or_default();
            let mut mac =
                <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(&body);
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            {
                let mut seen = shared.lock().unwrap();
                if sig != format!("sha256={hex}") {
                    seen.bad_signatures += 1;
                }
                seen.bodies.push(serde_json::from_slice(&body).unwrap());
            }
            n += 1;
            let status = if n <= fail_first {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = s
                .write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                .await;
        }
    });
    (url, seen)
}

fn webhook(url: &str, cap: i64) -> Settings {
    Settings {
        sender: Sender::Webhook {
            url: url.to_owned(),
            secret: SECRET.into(),
        },
        daily_cap: cap,
        max_attempts: 3,
        backoff_ms: 1000,
        interval_ms: 1000,
    }
}

fn note(kind: &'static str, account: i64, key: &str, recheck: &str) -> Note {
    Note {
        kind,
        account_id: account,
        link: "/me/needs/1".into(),
        path: "431102001001".into(),
        args: vec![("id", Arg::N(7)), ("category", Arg::S("food".into()))],
        once_key: key.into(),
        recheck: recheck.into(),
    }
}

async fn state(db: &Db, key: &str) -> (String, String, i64, i64) {
    let r = db
        .query_one(
            "SELECT state, reason, attempts, next_ms FROM notify_outbox WHERE once_key = $1",
            args![key],
        )
        .await
        .unwrap();
    (
        r.get("state").unwrap(),
        r.get("reason").unwrap(),
        r.get("attempts").unwrap(),
        r.get("next_ms").unwrap(),
    )
}

async fn setup(db: &Db, needs: bool) {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    crate::common::demo_under(db, 300, 5, "431102001001").await;
    if needs {
        wardline::cli::create_demo_accounts(db).await.unwrap();
        wardline::cli::create_demo_mobilization(db).await.unwrap();
        wardline::needs::demo::create(db).await.unwrap();
    }
}

async fn account(db: &Db, name: &str, lang: Option<&str>) -> (i64, String) {
    let r = crate::testing::reader(db, name, "grid", "431102001001").await;
    exec(
        db,
        "UPDATE accounts SET lang = $1 WHERE id = $2",
        args![lang, r.account_id],
    )
    .await;
    let token = wardline::access::create_token(db, name, "api")
        .await
        .unwrap();
    (r.account_id, token)
}

#[tokio::test]
async fn webhook_retries_signed_quiet_hours_cap_and_recheck() {
    for t in backends().await {
        let db = &t.db;
        setup(db, true).await;
        // The demo's own events (needs given to volunteers, applications decided) are in the
        // outbox already: this test counts only its own.
        exec(db, "DELETE FROM notify_outbox", args![]).await;
        let (me, _) = account(db, "nt-grid", Some("en")).await;
        let (url, seen) = receiver(2).await;
        let s = webhook(&url, 3);

        // Once per key; the text in the recipient's language.
        let t0 = DAY + 10 * HOUR;
        assert!(
            notify::enqueue_now(db, &note("need_assigned", me, "a", ""), t0)
                .await
                .unwrap()
        );
        assert!(
            !notify::enqueue_now(db, &note("need_assigned", me, "a", ""), t0)
                .await
                .unwrap()
        );
        let mine = notify::mine(db, me, None, 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            mine[0].text, "Need #7 (food) has been given to you.",
            "{}",
            t.name
        );

        // Fails twice (500), retried after 1 s then 2 s, then sent once.
        let d = deliver(db, &s, t0).await.unwrap();
        assert_eq!((d.sent, d.retried), (0, 1), "{d:?}");
        assert_eq!(
            state(db, "a").await,
            (
                "queued".into(),
                "the webhook answered 500".into(),
                1,
                t0 + 1000
            )
        );
        assert_eq!(
            deliver(db, &s, t0 + 999).await.unwrap().retried,
            0,
            "not due yet"
        );
        assert_eq!(deliver(db, &s, t0 + 1000).await.unwrap().retried, 1);
        assert_eq!(state(db, "a").await.3, t0 + 3000, "the wait doubled");
        assert_eq!(deliver(db, &s, t0 + 3000).await.unwrap().sent, 1);
        assert_eq!(state(db, "a").await.0, "sent");
        {
            let seen = seen.lock().unwrap();
            assert_eq!(seen.bodies.len(), 3, "{}", t.name);
            assert_eq!(seen.bad_signatures, 0, "every request signed");
            let b = &seen.bodies[2];
            assert_eq!(b["kind"], "need_assigned");
            assert_eq!(b["username"], "nt-grid");
            assert_eq!(b["lang"], "en");
            assert_eq!(b["attempt"], 3);
            assert_eq!(b["text"], "Need #7 (food) has been given to you.");
        }
        assert_eq!(
            deliver(db, &s, t0 + 10_000).await.unwrap(),
            Default::default(),
            "sent once"
        );

        // Quiet hours: a non-urgent message at 23:00 waits for 07:00; an urgent one goes.
        let late = DAY + 23 * HOUR;
        notify::enqueue_now(db, &note("need_late", me, "q", ""), late)
            .await
            .unwrap();
        notify::enqueue_now(db, &note("check_missed", me, "u", ""), late)
            .await
            .unwrap();
        let d = deliver(db, &s, late).await.unwrap();
        assert_eq!((d.sent, d.held), (1, 1), "{d:?}");
        assert_eq!(state(db, "u").await.0, "sent");
        let seven = DAY + 31 * HOUR;
        assert_eq!(
            state(db, "q").await,
            ("queued".into(), String::new(), 0, seven)
        );
        assert_eq!(deliver(db, &s, seven - 1).await.unwrap().sent, 0);
        assert_eq!(deliver(db, &s, seven).await.unwrap().sent, 1);

        // The daily cap (3 non-urgent a China day): 07:00's message counts; urgent ones do not
        // count and are not stopped.
        let noon = DAY + 36 * HOUR;
        for k in ["c1", "c2", "c3"] {
            notify::enqueue_now(db, &note("need_late", me, k, ""), noon)
                .await
                .unwrap();
        }
        notify::enqueue_now(db, &note("pool_positive", me, "c-urgent", ""), noon)
            .await
            .unwrap();
        let d = deliver(db, &s, noon).await.unwrap();
        assert_eq!((d.sent, d.skipped), (3, 1), "{d:?}");
        assert_eq!(state(db, "c3").await.0, "skipped");
        assert_eq!(state(db, "c3").await.1, "daily_cap");
        assert_eq!(state(db, "c-urgent").await.0, "sent");

        // The re-check at send time: a reminder of a need done meanwhile is skipped.
        let need: i64 = db
            .scalar("SELECT MIN(id) FROM needs WHERE is_open = 1", args![])
            .await
            .unwrap();
        let vol: i64 = db
            .scalar("SELECT MIN(id) FROM volunteers", args![])
            .await
            .unwrap();
        exec(
            db,
            "UPDATE needs SET status = 'assigned', volunteer_id = $1 WHERE id = $2",
            args![vol, need],
        )
        .await;
        let day3 = DAY + 58 * HOUR;
        let key = format!("need:{need}:v{vol}");
        notify::enqueue_now(db, &note("need_late", me, "r-open", &key), day3)
            .await
            .unwrap();
        assert_eq!(
            deliver(db, &s, day3).await.unwrap().sent,
            1,
            "still open and theirs"
        );
        notify::enqueue_now(db, &note("need_late", me, "r-done", &key), day3)
            .await
            .unwrap();
        notify::enqueue_now(
            db,
            &note(
                "need_late",
                me,
                "r-other",
                &format!("need:{need}:v{}", vol + 1000),
            ),
            day3,
        )
        .await
        .unwrap();
        exec(
            db,
            "UPDATE needs SET status = 'done', is_open = 0, done_ms = $1, closed_ms = $1 WHERE id = $2",
            args![day3, need],
        )
        .await;
        let d = deliver(db, &s, day3 + 1).await.unwrap();
        assert_eq!((d.sent, d.skipped), (0, 2), "{d:?}");
        assert_eq!(state(db, "r-done").await.1, "done");
        // Skipped messages are not shown to the person.
        let shown: Vec<_> = notify::mine(db, me, None, 50).await.unwrap();
        assert_eq!(shown.len(), 7, "{}", t.name);

        // A receiver that is gone: failed after the last (third) try.
        let dead = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            format!("http://{}/hook", l.local_addr().unwrap())
        };
        let s2 = webhook(&dead, 100);
        let day4 = DAY + 82 * HOUR;
        notify::enqueue_now(db, &note("shift_soon", me, "gone", ""), day4)
            .await
            .unwrap();
        for at in [day4, day4 + 1000, day4 + 3000] {
            deliver(db, &s2, at).await.unwrap();
        }
        let (st, why, tries, _) = state(db, "gone").await;
        assert_eq!((st.as_str(), tries), ("failed", 3), "{why}");
        assert!(why.contains("cannot connect"), "{why}");
    }
}

#[tokio::test]
async fn the_api_shows_mine_and_marks_read_idempotently() {
    for t in backends().await {
        let db = &t.db;
        setup(db, false).await;
        let (me, token) = account(db, "nt-api", None).await;
        let (other, _) = account(db, "nt-api-other", None).await;
        let now = wardline::db::now_ms();
        notify::enqueue_now(db, &note("need_assigned", me, "m1", ""), now)
            .await
            .unwrap();
        notify::enqueue_now(db, &note("pool_positive", me, "m2", ""), now)
            .await
            .unwrap();
        notify::enqueue_now(db, &note("need_assigned", other, "o1", ""), now)
            .await
            .unwrap();
        let theirs: i64 = db
            .scalar(
                "SELECT id FROM notify_outbox WHERE account_id = $1",
                args![other],
            )
            .await
            .unwrap();
        let addr = serve(db).await;
        let auth = format!("Bearer {token}");
        let h = [("Authorization", auth.as_str())];
        let (s, body) = get(addr, "/api/v1/notifications", &h).await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["unread"], 2, "{}: {body}", t.name);
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        // Chinese by default (no language set on the account).
        assert_eq!(items[1]["text"], "需求 #7（food）已派给您。");
        let first = items[0]["id"].as_i64().unwrap();
        let post = |b: String| {
            let h = [h[0], ("Content-Type", "application/json")];
            async move {
                let r = request(
                    addr,
                    "POST",
                    "/api/v1/notifications/read",
                    &h,
                    Some(b.as_bytes()),
                )
                .await;
                (r.status, r.body)
            }
        };
        for _ in 0..2 {
            let (s, body) = post(format!(r#"{{"ids": [{first}, {theirs}]}}"#)).await;
            assert_eq!((s, body.as_str()), (200, r#"{"unread":1}"#));
        }
        let still: Option<i64> = db
            .scalar(
                "SELECT read_ms FROM notify_outbox WHERE id = $1",
                args![theirs],
            )
            .await
            .unwrap();
        assert_eq!(still, None, "another's message is not touched");
        let (s, _) = post("{}".into()).await;
        assert_eq!(s, 422);
        let (s, body) = post(r#"{"all": true}"#.into()).await;
        assert_eq!((s, body.as_str()), (200, r#"{"unread":0}"#));
        let (_, body) = get(addr, "/api/v1/notifications?unread=1", &h).await;
        assert!(body.contains(r#""items":[]"#), "{body}");
    }
}

#[tokio::test]
async fn the_pages_count_list_mark_read_and_show_officers_what_was_sent() {
    use crate::common::{get_page, login, post_form};
    const PW: &str = wardline::cli::DEMO_PASSWORD;
    for t in backends().await {
        let db = &t.db;
        setup(db, true).await;
        exec(db, "DELETE FROM notify_outbox", args![]).await;
        let vol: i64 = db
            .scalar(
                "SELECT id FROM accounts WHERE username = 'demo-volunteer'",
                args![],
            )
            .await
            .unwrap();
        let path: String = db
            .scalar(
                "SELECT path FROM areas WHERE code = '431102001001'",
                args![],
            )
            .await
            .unwrap();
        let mut n = note("need_assigned", vol, "p1", "");
        n.path = path;
        notify::enqueue_now(db, &n, wardline::db::now_ms())
            .await
            .unwrap();
        let addr = serve(db).await;
        let v = login(addr, "demo-volunteer", PW).await;
        let home = get_page(addr, "/", &v.cookie).await;
        assert!(
            home.body.contains("id=\"nav-unread\""),
            "{}: the count in the header",
            t.name
        );
        let page = get_page(addr, "/notifications", &v.cookie).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("需求 #7（food）已派给您。"),
            "{}",
            page.body
        );
        let r = post_form(
            addr,
            "/notifications/read",
            &v.cookie,
            &[("csrf", &v.csrf), ("id", "")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let home = get_page(addr, "/", &v.cookie).await;
        assert!(!home.body.contains("id=\"nav-unread\""), "read: no count");
        // Volunteers do not see what was sent to others; the community officer does, masked.
        assert_eq!(
            get_page(addr, "/notifications/sent", &v.cookie)
                .await
                .status,
            403
        );
        let o = login(addr, "demo-community", PW).await;
        let sent = get_page(addr, "/notifications/sent", &o.cookie).await;
        assert_eq!(sent.status, 200);
        assert!(
            sent.body.contains("需求 #7（food）已派给您。"),
            "{}",
            sent.body
        );
        assert!(!sent.body.contains("demo-volunteer"), "recipient masked");
    }
}

/// The sender runs on every app node: two nodes delivering the same outbox at the same moment
/// send each message once (each claims a message before sending it).
#[tokio::test]
async fn two_nodes_delivering_at_once_send_each_message_once() {
    for t in backends().await {
        if t.name != "postgres" {
            continue;
        }
        let db = &t.db;
        let db2 = Db::connect(&t.url).await.unwrap();
        setup(db, false).await;
        exec(db, "DELETE FROM notify_outbox", args![]).await;
        let (me, _) = account(db, "nt-race", Some("zh-CN")).await;
        let t0 = DAY + 10 * HOUR;
        let n = 40;
        for i in 0..n {
            let m = note("need_assigned", me, &format!("race-{i}"), "");
            assert!(notify::enqueue_now(db, &m, t0).await.unwrap());
        }
        let (url, seen) = receiver(0).await;
        let s = webhook(&url, 1000);
        let (a, b) = tokio::join!(deliver(db, &s, t0), deliver(&db2, &s, t0));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, n, "{a:?} {b:?}");
        let seen = seen.lock().unwrap();
        let ids: std::collections::HashSet<i64> = seen
            .bodies
            .iter()
            .map(|b| b["id"].as_i64().unwrap())
            .collect();
        assert_eq!(seen.bodies.len() as u64, n, "each message sent once");
        assert_eq!(ids.len() as u64, n);
    }
}
