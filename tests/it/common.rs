//! Test plumbing: a fresh database per test on every backend under test, and a tiny HTTP
//! client for the real server on a free port.

use std::sync::atomic::{AtomicU32, Ordering};

use wardline::db::Db;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub name: &'static str,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = self.cleanup.take() {
            f();
        }
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn postgres_url() -> Option<String> {
    std::env::var("WARDLINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

async fn sqlite_db() -> TestDb {
    let dir = std::env::temp_dir().join(unique("wardline_test"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let db = Db::connect(&url).await.expect("open sqlite");
    db.migrate().await.expect("migrate sqlite");
    TestDb {
        db,
        url,
        name: "sqlite",
        cleanup: Some(Box::new(move || {
            let _ = std::fs::remove_dir_all(dir);
        })),
    }
}

/// Replace the database name in a postgres URL.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("postgres URL has a path");
    let head = &base[..cut];
    // postgres://host:port without a path: the rfind hit the scheme's slashes.
    let head = if head.ends_with('/') { base } else { head };
    format!("{head}/{name}{query}")
}

pub async fn admin_exec(url: &str, sql: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    let h = tokio::spawn(conn);
    client.batch_execute(sql).await.expect(sql);
    drop(client);
    let _ = h.await;
}

async fn postgres_db(admin: &str) -> TestDb {
    let name = unique("wl_test");
    admin_exec(admin, &format!("CREATE DATABASE {name}")).await;
    let url = with_dbname(admin, &name);
    let db = Db::connect(&url).await.expect("open postgres");
    db.migrate().await.expect("migrate postgres");
    let admin = admin.to_owned();
    TestDb {
        db,
        url,
        name: "postgres",
        cleanup: Some(Box::new(move || {
            // Drop on a helper thread with its own runtime: Drop may run inside a runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(admin_exec(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ));
            })
            .join();
        })),
    }
}

/// One fresh, migrated database per backend under test: SQLite always, PostgreSQL when
/// `WARDLINE_TEST_POSTGRES_URL` is set.
pub async fn backends() -> Vec<TestDb> {
    wardline::server::install_watchers();
    let mut v = vec![sqlite_db().await];
    if let Some(url) = postgres_url() {
        v.push(postgres_db(&url).await);
    }
    v
}

/// A minimal HTTP/1.1 GET, enough for the JSON API.
pub async fn get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let r = request(addr, "GET", path, headers, None).await;
    (r.status, r.body)
}

/// A minimal HTTP/1.1 request (no keep-alive): `body` is sent with its Content-Length; the
/// response body is read by Content-Length, by chunks, or to the end of the connection.
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    try_request(addr, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// [`request`], with a broken connection as an error instead of a panic (for tests that kill
/// the server under load).
pub async fn try_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Resp, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| io("connect", e))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut out = req.into_bytes();
    out.extend_from_slice(body.unwrap_or_default());
    s.write_all(&out).await.map_err(|e| io("write", e))?;
    // Read the head, then as much of the body as the head says.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).await.map_err(|e| io("read", e))?;
        if n == 0 {
            return Err("connection closed before the response head".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let raw_head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let head = raw_head.to_ascii_lowercase();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {raw_head}"))?;
    let headers: Vec<(String, String)> = raw_head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf.split_off(head_end + 4);
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let chunked = head.lines().any(|l| {
        l.strip_prefix("transfer-encoding:")
            .is_some_and(|v| v.contains("chunked"))
    });
    loop {
        let done = match length {
            Some(n) => body.len() >= n,
            None if chunked => {
                find(&body, b"\r\n0\r\n\r\n").is_some() || body.starts_with(b"0\r\n")
            }
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut chunk).await.map_err(|e| io("read", e))?;
        if n == 0 {
            if length.is_some() || chunked {
                return Err("connection closed in the middle of the body".into());
            }
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if let Some(n) = length {
        body.truncate(n);
    }
    let body = if chunked { dechunk(&body) } else { body };
    Ok(Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked response, on bytes (a chunk may end inside a UTF-8 character).
fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = find(s, b"\r\n") {
        let size = String::from_utf8_lossy(&s[..i]);
        let n = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        let rest = &s[i + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest.get(n + 2..).unwrap_or_default();
    }
    out
}

/// Start the real router on a free port; returns its address.
pub async fn serve(db: &Db) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = wardline::server::app(db.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// A demo city of `people` under 零陵区, loaded into `db`.
pub async fn demo(db: &Db, people: u64, seed: u64) -> wardline::registry::demo::DemoStats {
    demo_under(db, people, seed, "431102").await
}

/// A demo population of `people` under the area with code `under` only (e.g. one street: its
/// communities get dense grids and households from a small number of people).
pub async fn demo_under(
    db: &Db,
    people: u64,
    seed: u64,
    under: &str,
) -> wardline::registry::demo::DemoStats {
    let opts = wardline::registry::demo::DemoOptions {
        people,
        seed,
        under: under.into(),
    };
    wardline::registry::demo::generate(db, &opts, &|_| {})
        .await
        .expect("demo city")
}

/// A response with its headers (names lower-cased), for the page tests.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value a `Set-Cookie` header gives cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.to_owned())
    }
}

/// `application/x-www-form-urlencoded`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                wardline::web::html::url_enc(k),
                wardline::web::html::url_enc(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// POST a form with the given cookies (`name=value; name=value`).
pub async fn post_form(
    addr: std::net::SocketAddr,
    path: &str,
    cookies: &str,
    fields: &[(&str, &str)],
) -> Resp {
    request(
        addr,
        "POST",
        path,
        &[
            ("Cookie", cookies),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(form_body(fields).as_bytes()),
    )
    .await
}

/// GET a page with the given cookies.
pub async fn get_page(addr: std::net::SocketAddr, path: &str, cookies: &str) -> Resp {
    request(addr, "GET", path, &[("Cookie", cookies)], None).await
}

/// The value of the first `<input ... name="NAME" value="...">` in a page.
pub fn hidden_input(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &body[at + name.len() + 15..];
    rest.split('"').next().map(str::to_owned)
}

/// A signed-in browser: its cookie header and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// The answer to POST /login (status and headers), after fetching the form for its `pre`.
pub async fn login_attempt(addr: std::net::SocketAddr, user: &str, password: &str) -> Resp {
    let form = request(addr, "GET", "/login", &[], None).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let pre = form.set_cookie("wl_pre").expect("wl_pre cookie");
    post_form(
        addr,
        "/login",
        &format!("wl_pre={pre}"),
        &[
            ("pre", &pre),
            ("username", user),
            ("password", password),
            ("next", "/areas"),
        ],
    )
    .await
}

/// Sign in (no second factor due) and read the CSRF token from the account page.
pub async fn login(addr: std::net::SocketAddr, user: &str, password: &str) -> Browser {
    let r = login_attempt(addr, user, password).await;
    assert_eq!(r.status, 303, "sign-in of {user}: {}", r.body);
    let session = r.set_cookie("wl_session").expect("wl_session cookie");
    let cookie = format!("wl_session={session}");
    let page = get_page(addr, "/account", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden_input(&page.body, "csrf").expect("csrf in the account page");
    Browser { cookie, csrf }
}

/// Run one statement in a transaction of its own (tests that tamper with rows directly).
pub async fn exec(db: &Db, sql: &str, params: Vec<wardline::db::Value>) -> u64 {
    let mut tx = db.begin().await.expect("begin");
    let n = tx.execute(sql, params).await.expect(sql);
    tx.commit().await.expect("commit");
    n
}

/// A multipart body of the given text fields; a field named `file` goes as an uploaded
/// `r.csv`.
pub fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let b = "----wardlinephone";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"{}\r\n\r\n{v}\r\n",
            if *k == "file" {
                "; filename=\"r.csv\"\r\nContent-Type: text/csv"
            } else {
                ""
            }
        ));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (
        format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
}
