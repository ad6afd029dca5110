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
fn with_dbname(url: &str, name: &str) -> String {
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

async fn admin_exec(url: &str, sql: &str) {
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
    request(addr, "GET", path, headers, None).await
}

/// A minimal HTTP/1.1 request (no keep-alive): `body` is sent with its Content-Length; the
/// response body is read by Content-Length, by chunks, or to the end of the connection.
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
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
    s.write_all(&out).await.unwrap();
    // Read the head, then as much of the body as the head says.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).await.expect("read response");
        assert!(n > 0, "connection closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
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
        let n = s.read(&mut chunk).await.expect("read response");
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if let Some(n) = length {
        body.truncate(n);
    }
    let body = if chunked { dechunk(&body) } else { body };
    (status, String::from_utf8_lossy(&body).into_owned())
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
    let app = wardline::web::app(db.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// A demo city of `people` under 零陵区, loaded into `db`.
pub async fn demo(db: &Db, people: u64, seed: u64) -> wardline::registry::demo::DemoStats {
    let opts = wardline::registry::demo::DemoOptions {
        people,
        seed,
        under: "431102".into(),
    };
    wardline::registry::demo::generate(db, &opts, &|_| {})
        .await
        .expect("demo city")
}
