//! The shell (issue 21): the first page of each role at `/`, the navigation by role, the
//! person's name in the header, compressed responses and the site's icon. On both backends.

use std::io::Read as _;

use wardline::access;
use wardline::db::Db;

use crate::common::{backends, demo, get_page, login, serve};

const PW: &str = wardline::cli::DEMO_PASSWORD;

/// The demo city with the demo accounts, the demo round, volunteers and needs.
async fn setup(db: &Db) -> i64 {
    demo(db, 6_000, 3).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_round(db).await.unwrap();
    wardline::cli::create_demo_mobilization(db).await.unwrap();
    wardline::needs::demo::create(db).await.unwrap();
    db.query_one("SELECT id FROM test_rounds", vec![])
        .await
        .unwrap()
        .int(0)
}

/// A GET whose body is kept as bytes (a gzipped body is not text): status, headers (names
/// lower-cased), body. No keep-alive, so the body runs to the end of the connection.
async fn get_raw(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let hs: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if hs
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    (status, hs, body)
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = s.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&s[..i]).trim().to_owned();
        let n = usize::from_str_radix(size.split(';').next().unwrap_or(""), 16).unwrap_or(0);
        let rest = &s[i + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest.get(n + 2..).unwrap_or_default();
    }
    out
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn gunzip(b: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(b)
        .read_to_string(&mut out)
        .expect("a gzip body");
    out
}

#[tokio::test]
async fn pages_and_the_api_are_gzipped_when_the_client_accepts_it() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2_000, 5).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let b = login(addr, "demo-street", PW).await;
        let cookie = b.cookie.as_str();

        // A page: gzipped on request, the same HTML once unzipped; plain without the header.
        let (s, hs, plain) = get_raw(addr, "/areas/431102001", &[("Cookie", cookie)]).await;
        assert_eq!(s, 200, "{}", t.name);
        assert_eq!(header(&hs, "content-encoding"), None, "{}", t.name);
        let (s, hs, zipped) = get_raw(
            addr,
            "/areas/431102001",
            &[("Cookie", cookie), ("Accept-Encoding", "gzip, deflate, br")],
        )
        .await;
        assert_eq!(s, 200, "{}", t.name);
        assert_eq!(header(&hs, "content-encoding"), Some("gzip"), "{}", t.name);
        assert!(
            header(&hs, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        );
        // The security headers are still there.
        assert!(header(&hs, "content-security-policy").is_some());
        assert_eq!(header(&hs, "cache-control"), Some("no-store"));
        let html = gunzip(&zipped);
        assert_eq!(html.as_bytes(), plain.as_slice(), "{}", t.name);
        assert!(html.contains("</html>"));
        assert!(
            zipped.len() * 3 < plain.len(),
            "{}: {} bytes gzipped of {}",
            t.name,
            zipped.len(),
            plain.len()
        );

        // The JSON API, errors included.
        let token = access::create_token(db, "demo-street", "t").await.unwrap();
        let auth = format!("Bearer {token}");
        let (s, _, plain) = get_raw(addr, "/api/v1/areas", &[("Authorization", &auth)]).await;
        assert_eq!(s, 200, "{}", t.name);
        let (s, hs, zipped) = get_raw(
            addr,
            "/api/v1/areas",
            &[("Authorization", &auth), ("Accept-Encoding", "gzip")],
        )
        .await;
        assert_eq!(s, 200, "{}", t.name);
        assert_eq!(header(&hs, "content-encoding"), Some("gzip"), "{}", t.name);
        assert!(header(&hs, "content-type").is_some_and(|v| v.starts_with("application/json")));
        let json = gunzip(&zipped);
        assert_eq!(json.as_bytes(), plain.as_slice(), "{}", t.name);
        let (s, hs, zipped) = get_raw(
            addr,
            "/api/v1/areas/999999",
            &[("Authorization", &auth), ("Accept-Encoding", "gzip")],
        )
        .await;
        assert_eq!(s, 404, "{}", t.name);
        let body = if header(&hs, "content-encoding") == Some("gzip") {
            gunzip(&zipped)
        } else {
            String::from_utf8(zipped).unwrap()
        };
        assert!(body.contains("\"not_found\""), "{}: {body}", t.name);

        // An XLSX is a zip already: it goes as it is, and opens.
        let (s, hs, xlsx) = get_raw(
            addr,
            "/import/template.xlsx",
            &[("Cookie", cookie), ("Accept-Encoding", "gzip")],
        )
        .await;
        assert_eq!(s, 200, "{}", t.name);
        assert_eq!(header(&hs, "content-encoding"), None, "{}", t.name);
        assert!(xlsx.starts_with(b"PK"), "{}", t.name);

        // The static files too; a tiny answer may go as it is.
        let (_, hs, css) = get_raw(addr, "/static/app.css", &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(header(&hs, "content-encoding"), Some("gzip"));
        assert!(gunzip(&css).contains("nav.main"));
        let (s, _, ok) = get_raw(addr, "/healthz", &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(s, 200);
        assert_eq!(ok, b"ok");
    }
}

#[tokio::test]
async fn the_icon_is_served_and_named_in_every_page() {
    for t in backends().await {
        let db = &t.db;
        let addr = serve(db).await;
        let (s, hs, body) = get_raw(addr, "/favicon.ico", &[]).await;
        assert_eq!(s, 200, "{}", t.name);
        assert_eq!(header(&hs, "content-type"), Some("image/svg+xml"));
        assert!(header(&hs, "cache-control").is_some_and(|v| v.contains("max-age")));
        assert!(String::from_utf8(body).unwrap().starts_with("<svg"));
        let login = get_page(addr, "/login", "").await;
        assert!(login
            .body
            .contains("<link rel=\"icon\" href=\"/favicon.ico\" type=\"image/svg+xml\">"));
    }
}

/// The `href`s of the main navigation row and of the menu.
fn nav_hrefs(body: &str) -> (Vec<String>, Vec<String>) {
    let part = |start: &str, end: &str| -> Vec<String> {
        let Some(a) = body.find(start) else {
            return vec![];
        };
        let rest = &body[a..];
        let rest = &rest[..rest.find(end).unwrap_or(rest.len())];
        rest.split("href=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_owned())
            .collect()
    };
    (
        part("<nav class=\"main\">", "</nav>"),
        part("<div class=\"menu-list\">", "</div>"),
    )
}

#[tokio::test]
async fn each_role_lands_on_its_own_work() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = serve(db).await;
        let none = "您的账号还没有管辖区划";

        // Signed out: the sign-in form, coming back here after.
        let r = get_page(addr, "/", "").await;
        assert_eq!(r.status, 303, "{}", t.name);
        assert!(r.header("location").unwrap().starts_with("/login"));

        // The grid worker: the round in their grid, the missing people linked to their list,
        // the needs of the grid.
        let b = login(addr, "demo-grid", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(!p.body.contains(none));
        let missing = format!("/testing/rounds/{round}/missing?area=431102001001%2FG0001");
        assert!(p.body.contains(&missing), "{}: {}", t.name, p.body);
        assert!(p.body.contains("id=\"fig-missing\""));
        assert!(p.body.contains("/needs?area=431102001001%2FG0001"));
        assert!(p.body.contains("id=\"fig-late\""));
        assert!(p.body.contains("id=\"home-followups\""));
        // The figure is the engine's count.
        let c = wardline::testing::coverage::subtree(db, round, "431102001001/G0001")
            .await
            .unwrap();
        assert!(
            p.body
                .contains(&format!("id=\"fig-missing\"><b>{}</b>", c.missing)),
            "{}: {}",
            t.name,
            p.body
        );
        // The missing list behind the figure opens.
        let m = get_page(addr, &missing, &b.cookie).await;
        assert_eq!(m.status, 200, "{}", t.name);
        let (main, more) = nav_hrefs(&p.body);
        assert_eq!(main, ["/", "/areas", "/testing", "/needs"], "{}", t.name);
        assert!(more.contains(&"/import".to_owned()) && more.contains(&"/account".to_owned()));
        assert!(!more.contains(&"/admin/accounts".to_owned()));
        assert!(p.body.contains("退出登录"));

        // The volunteer: shifts and tasks; their navigation only leads to their own pages.
        let b = login(addr, "demo-volunteer", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(!p.body.contains(none));
        assert!(p.body.contains("id=\"home-shifts\"") && p.body.contains("id=\"home-tasks\""));
        assert!(!p.body.contains("home-no-volunteer"));
        let (main, more) = nav_hrefs(&p.body);
        assert_eq!(
            main,
            ["/", "/me/needs", "/me/shifts", "/checkpoints/me"],
            "{}",
            t.name
        );
        // Their notifications (issue 19) and their account.
        assert_eq!(more, ["/notifications", "/account"], "{}", t.name);
        assert!(p.body.contains("action=\"/logout\""));
        assert!(!p.body.contains("href=\"/areas\""));
        // Typed by hand, the area browser sends them home instead of saying "no area".
        let p = get_page(addr, "/areas", &b.cookie).await;
        assert_eq!(p.status, 303, "{}", t.name);
        assert_eq!(p.header("location"), Some("/"), "{}", t.name);

        // The collector: their sites, each a link to the scan page.
        let b = login(addr, "demo-collector", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(!p.body.contains(none));
        let scan = format!("/testing/rounds/{round}/collect?site=");
        assert!(p.body.contains(&scan), "{}: {}", t.name, p.body);
        let (main, _) = nav_hrefs(&p.body);
        assert_eq!(main, ["/", "/testing"]);

        // The lab: tubes waiting per round, linked to the results page.
        let b = login(addr, "demo-lab", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(!p.body.contains(none));
        assert!(p
            .body
            .contains(&format!("href=\"/testing/rounds/{round}/results\"")));

        // The auditor: straight to the log.
        let b = login(addr, "demo-auditor", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 303, "{}", t.name);
        assert_eq!(p.header("location"), Some("/audit"));

        // The branch secretary: branches first, then the area.
        let b = login(addr, "demo-branch", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(p.body.contains("id=\"home-branches\""));
        assert!(
            p.body.contains("href=\"/branches/"),
            "{}: {}",
            t.name,
            p.body
        );
        let (main, _) = nav_hrefs(&p.body);
        assert_eq!(main, ["/", "/branches", "/visits", "/needs"]);

        // Officers and HQ: their area with its round and needs.
        for (who, code) in [
            ("demo-hq", "431102"),
            ("demo-street", "431102001"),
            ("demo-community", "431102001001"),
        ] {
            let b = login(addr, who, PW).await;
            let p = get_page(addr, "/", &b.cookie).await;
            assert_eq!(p.status, 200, "{}: {who}: {}", t.name, p.body);
            assert!(p.body.contains(&format!("href=\"/areas/{code}\"")), "{who}");
            assert!(p.body.contains(&format!("/needs?area={code}")), "{who}");
            assert!(p.body.contains("id=\"fig-coverage\""), "{who}");
        }
    }
}

#[tokio::test]
async fn an_outsider_sees_nothing_of_another_area_and_the_header_shows_names() {
    for t in backends().await {
        let db = &t.db;
        let round = setup(db).await;
        let addr = serve(db).await;
        // A grid worker of another grid (of another name), with a name of their own.
        let first: String = db
            .query_one(
                "SELECT name FROM areas WHERE path = '431102001001/G0001'",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        let under = db
            .query_one("SELECT path FROM test_rounds", vec![])
            .await
            .unwrap()
            .string(0);
        let (other, other_code): (String, String) = {
            let r = db
                .query_one(
                    "SELECT path, code FROM areas WHERE level = $1 AND path <> '431102001001/G0001' \
                     AND path LIKE $2 ORDER BY path LIMIT 1",
                    wardline::args![wardline::registry::model::LEVEL_GRID, format!("{under}%")],
                )
                .await
                .unwrap();
            (r.string(0), r.string(1))
        };
        access::create_account_as(
            db,
            &wardline::audit::Actor::cli(),
            &access::NewAccount {
                username: "wang-grid",
                display_name: "王小明",
                role: "grid",
                scope_codes: std::slice::from_ref(&other_code),
                password: Some(PW),
            },
        )
        .await
        .unwrap();
        let b = login(addr, "wang-grid", PW).await;
        let p = get_page(addr, "/", &b.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(p.body.contains("王小明"), "{}", t.name);
        assert!(
            !p.body.contains("wang-grid"),
            "{}: the login name shows",
            t.name
        );
        let enc = wardline::web::html::url_enc(&other_code);
        assert!(p.body.contains(&format!("/needs?area={enc}")), "{}", t.name);
        assert!(
            !p.body.contains("431102001001%2FG0001"),
            "{}: {}",
            t.name,
            p.body
        );
        let name = db
            .query_one(
                "SELECT name FROM areas WHERE path = $1",
                wardline::args![other.as_str()],
            )
            .await
            .unwrap()
            .string(0);
        if name != first {
            assert!(!p.body.contains(&first), "{}: {first}", t.name);
        }
        // The figures are its own grid's.
        let c = wardline::testing::coverage::subtree(db, round, &other)
            .await
            .unwrap();
        assert!(p
            .body
            .contains(&format!("id=\"fig-missing\"><b>{}</b>", c.missing)));
    }
}
