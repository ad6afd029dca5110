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

/// A minimal HTTP/1.1 GET, enough for the JSON API (no keep-alive, no chunking surprises:
/// the body is read to the end of the connection).
pub async fn get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
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
