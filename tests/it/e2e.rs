//! End to end in a real browser: headless Chromium driven through chromedriver by a small
//! hand-written W3C WebDriver client. Signs in, switches the language, browses from the
//! district down to a grid, opens a household, corrects a resident, reveals a masked ID number
//! with a reason and finds that reveal in the audit log as the auditor.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`scripts/install-browser.sh`).
//! Without them the test says why and passes, unless `WARDLINE_REQUIRE_BROWSER=1` (set by
//! `.ci/run`), which makes a missing browser a failure. Screenshots (412×915, a phone) are
//! saved to `target/e2e/*.png`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const WAIT: Duration = Duration::from_secs(10);

pub(crate) type R<T> = Result<T, String>;

/// `ensure!(cond, "message {}", x)`: a failed step, with its message, instead of a panic
/// (the caller takes a screenshot and prints the page first).
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

// ---- The WebDriver client ----

/// chromedriver as a child process; killed on drop.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let target = if target.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(target)
    } else {
        target
    };
    let dir = target.join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Send one WebDriver command; the `value` of the answer, or the WebDriver error.
pub(crate) async fn wd(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> R<Value> {
    let body = body.map(|b| b.to_string());
    let headers: &[(&str, &str)] = if body.is_some() {
        &[("Content-Type", "application/json; charset=utf-8")]
    } else {
        &[]
    };
    let common::Resp {
        status, body: text, ..
    } = tokio::time::timeout(
        Duration::from_secs(60),
        common::request(
            addr,
            method,
            path,
            headers,
            body.as_deref().map(str::as_bytes),
        ),
    )
    .await
    .map_err(|_| format!("WebDriver {method} {path}: no answer in 60 s"))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("WebDriver {method} {path}: HTTP {status}, not JSON ({e}): {text}"))?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if status != 200 || value.get("error").is_some() {
        return Err(format!(
            "WebDriver {method} {path}: HTTP {status}: {} {}",
            value["error"].as_str().unwrap_or(""),
            value["message"]
                .as_str()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
        ));
    }
    Ok(value)
}

/// One browser session on its own chromedriver and a fresh profile.
pub(crate) struct Browser {
    driver: Driver,
    session: String,
    profile: PathBuf,
    /// File name prefix of the screenshots.
    prefix: String,
    shots: Vec<PathBuf>,
}

impl Drop for Browser {
    /// Close the session (so Chromium exits) before chromedriver is killed. Drop may run inside
    /// the runtime: a plain blocking request, chromedriver does not need this runtime.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        // Closed already by `quit` (a second DELETE would wait for its read timeout).
        if self.session == "closed" {
            let _ = std::fs::remove_dir_all(&self.profile);
            return;
        }
        if let Ok(mut s) = std::net::TcpStream::connect(self.driver.addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.session, self.driver.addr
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    async fn start(prefix: &str) -> R<Browser> {
        Self::start_sized(prefix, 412, 915).await
    }

    /// A browser whose page is `width`×`height` CSS pixels (a phone), with the browser's console
    /// log kept for [`Browser::console`].
    pub(crate) async fn start_sized(prefix: &str, width: u32, height: u32) -> R<Browser> {
        let port = free_port();
        let log = std::fs::File::create(out_dir().join(format!("{prefix}-chromedriver.log")))
            .map_err(|e| e.to_string())?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {CHROMEDRIVER}: {e}"))?;
        let driver = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let t0 = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(driver.addr).await.is_ok() {
                if let Ok(v) = wd(driver.addr, "GET", "/status", None).await {
                    if v["ready"].as_bool() == Some(true) {
                        break;
                    }
                }
            }
            if t0.elapsed() > Duration::from_secs(15) {
                return Err("chromedriver did not become ready in 15 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!(
            "wardline_e2e_{}_{prefix}_{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"implicit": 0, "pageLoad": 30000, "script": 10000},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    "--disable-component-update", "--disable-sync", "--disable-quic",
                    "--disable-dev-shm-usage", format!("--window-size={width},{height}"), "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
            },
        }}});
        let v = wd(driver.addr, "POST", "/session", Some(caps)).await?;
        let session = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_owned();
        let b = Browser {
            driver,
            session,
            profile,
            prefix: prefix.to_owned(),
            shots: vec![],
        };
        // Headless Chromium keeps its window at least 500 pixels wide: emulate the phone.
        b.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(
                json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                    "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true
                }}),
            ),
        )
        .await?;
        Ok(b)
    }

    pub(crate) async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> R<Value> {
        let p = format!("/session/{}{path}", self.session);
        wd(self.driver.addr, method, &p, body).await
    }

    pub(crate) async fn goto(&self, url: &str) -> R<()> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    pub(crate) async fn url(&self) -> R<String> {
        Ok(self
            .cmd("GET", "/url", None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    pub(crate) async fn title(&self) -> R<String> {
        Ok(self
            .cmd("GET", "/title", None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    pub(crate) async fn source(&self) -> R<String> {
        Ok(self
            .cmd("GET", "/source", None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    async fn back(&self) -> R<()> {
        self.cmd("POST", "/back", Some(json!({}))).await.map(drop)
    }

    fn ids(v: &Value) -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every element matching `css` now (no waiting).
    pub(crate) async fn all(&self, css: &str) -> R<Vec<String>> {
        let v = self
            .cmd(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(Self::ids(&v))
    }

    /// Every element matching `css` inside element `el`.
    async fn all_in(&self, el: &str, css: &str) -> R<Vec<String>> {
        let v = self
            .cmd(
                "POST",
                &format!("/element/{el}/elements"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(Self::ids(&v))
    }

    /// The first element matching `css`, waiting up to [`WAIT`] for it to appear.
    pub(crate) async fn find(&self, css: &str) -> R<String> {
        let t0 = Instant::now();
        loop {
            if let Some(e) = self.all(css).await?.into_iter().next() {
                return Ok(e);
            }
            if t0.elapsed() > WAIT {
                return Err(format!(
                    "no element `{css}` on {} after {WAIT:?}",
                    self.url().await?
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn click(&self, el: &str) -> R<()> {
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})))
            .await
            .map(drop)
    }

    /// Accept the confirmation a button asks for (`data-confirm`), waiting for it to open.
    pub(crate) async fn accept_confirm(&self) -> R<()> {
        let start = Instant::now();
        loop {
            match self.cmd("POST", "/alert/accept", Some(json!({}))).await {
                Ok(_) => return Ok(()),
                Err(e) if start.elapsed() > WAIT => return Err(format!("no confirmation: {e}")),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn clear(&self, el: &str) -> R<()> {
        self.cmd("POST", &format!("/element/{el}/clear"), Some(json!({})))
            .await
            .map(drop)
    }

    async fn send_keys(&self, el: &str, text: &str) -> R<()> {
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await
        .map(drop)
    }

    /// The rendered (visible) text of an element.
    pub(crate) async fn text(&self, el: &str) -> R<String> {
        Ok(self
            .cmd("GET", &format!("/element/{el}/text"), None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    /// A DOM property (`textContent` reads text that CSS hides at phone width).
    pub(crate) async fn prop(&self, el: &str, name: &str) -> R<String> {
        let v = self
            .cmd("GET", &format!("/element/{el}/property/{name}"), None)
            .await?;
        Ok(v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string()))
    }

    pub(crate) async fn attr(&self, el: &str, name: &str) -> R<String> {
        Ok(self
            .cmd("GET", &format!("/element/{el}/attribute/{name}"), None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    /// The visible text of the first element matching `css`.
    pub(crate) async fn text_of(&self, css: &str) -> R<String> {
        let el = self.find(css).await?;
        self.text(&el).await
    }

    pub(crate) async fn fill(&self, css: &str, value: &str) -> R<()> {
        let el = self.find(css).await?;
        self.clear(&el).await?;
        self.send_keys(&el, value).await
    }

    /// Wait until the address's path (and query) satisfies `ok`; returns the address.
    pub(crate) async fn wait_url(&self, what: &str, ok: impl Fn(&str) -> bool) -> R<String> {
        let t0 = Instant::now();
        loop {
            let u = self.url().await?;
            let path = u
                .splitn(4, '/')
                .nth(3)
                .map_or(String::new(), |p| format!("/{p}"));
            if ok(&path) {
                return Ok(path);
            }
            if t0.elapsed() > WAIT {
                return Err(format!("expected {what}, the browser is at {u}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the visible text of `css` contains `needle`; returns the text.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> R<String> {
        let t0 = Instant::now();
        loop {
            let mut last = String::new();
            if let Some(e) = self.all(css).await?.into_iter().next() {
                // The element may go stale while the page changes: try again.
                if let Ok(t) = self.text(&e).await {
                    if t.contains(needle) {
                        return Ok(t);
                    }
                    last = t;
                }
            }
            if t0.elapsed() > WAIT {
                return Err(format!(
                    "expected `{css}` to say {needle:?} on {}; it says {last:?}",
                    self.url().await?
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Save a PNG of the whole page to `target/e2e/{prefix}-{name}.png` (the full length of the
    /// page through the DevTools protocol; the window alone if that is not available).
    async fn screenshot(&mut self, name: &str) -> R<PathBuf> {
        let path = out_dir().join(format!("{}-{name}.png", self.prefix));
        self.screenshot_to(&path).await?;
        self.shots.push(path.clone());
        Ok(path)
    }

    /// Save a PNG of the whole page (up to 6,000 pixels long) to `path`.
    pub(crate) async fn screenshot_to(&self, path: &Path) -> R<()> {
        let full = async {
            let m = self
                .cmd(
                    "POST",
                    "/goog/cdp/execute",
                    Some(json!({"cmd": "Page.getLayoutMetrics", "params": {}})),
                )
                .await?;
            let size = &m["cssContentSize"];
            let (w, h) = (size["width"].as_f64(), size["height"].as_f64());
            let (Some(w), Some(h)) = (w, h) else {
                return Err("no content size".to_owned());
            };
            let v = self
                .cmd(
                    "POST",
                    "/goog/cdp/execute",
                    Some(json!({"cmd": "Page.captureScreenshot", "params": {
                        "format": "png", "captureBeyondViewport": true,
                        "clip": {"x": 0, "y": 0, "width": w, "height": h.min(6000.0), "scale": 1}
                    }})),
                )
                .await?;
            v["data"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| "no data".to_owned())
        };
        let b64 = match full.await {
            Ok(d) => d,
            Err(_) => self
                .cmd("GET", "/screenshot", None)
                .await?
                .as_str()
                .unwrap_or("")
                .to_owned(),
        };
        let png = base64_decode(&b64)?;
        ensure!(
            png.starts_with(b"\x89PNG"),
            "screenshot {} is not a PNG",
            path.display()
        );
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Close the session: Chromium exits; chromedriver is killed when the browser is dropped.
    pub(crate) async fn quit(mut self) {
        let _ = self.cmd("DELETE", "", None).await;
        self.session = String::from("closed");
    }
}

fn base64_decode(s: &str) -> R<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' => continue,
            _ => return Err(format!("not base64: {:?}", c as char)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

// ---- What the pages should show ----

/// A masked mainland ID number: six digits, eight stars, three digits and a check character.
fn is_masked_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..6].iter().all(u8::is_ascii_digit)
        && b[6..14].iter().all(|&c| c == b'*')
        && b[14..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X')
}

/// The first full ID number in `s`: a word of 17 digits and a check character (random hex
/// tokens in the page do not count: their digit runs touch letters).
fn full_id_in(s: &str) -> Option<&str> {
    s.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| {
        w.len() == 18
            && w[..17].bytes().all(|c| c.is_ascii_digit())
            && (w.as_bytes()[17].is_ascii_digit() || w.ends_with(['X', 'x']))
    })
}

#[test]
fn masks_and_base64_helpers() {
    assert!(is_masked_id("431102********123X"));
    assert!(!is_masked_id("43110219850312123X"));
    assert_eq!(
        full_id_in("<td>431102********123X</td><b>43110219850312123X</b>"),
        Some("43110219850312123X")
    );
    assert_eq!(
        full_id_in("value=\"a43110219850312123456\" 1234567890123456789"),
        None
    );
    assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
}

// ---- The test ----

/// The flow is one long async function whose poll frame is larger than a test thread's stack
/// in debug builds: it runs on a thread of its own with room to spare.
#[test]
fn browser_sign_in_browse_edit_reveal_audit() {
    on_big_stack("e2e", browser_test);
}

/// Run an async flow on a thread of its own with a 64 MiB stack and a two-worker runtime.
pub(crate) fn on_big_stack<F: std::future::Future<Output = ()> + 'static>(
    name: &str,
    flow: fn() -> F,
) {
    let run = move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(flow())
    };
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(64 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

async fn browser_test() {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "end-to-end browser test: {} missing (run scripts/install-browser.sh)",
            missing.join(" and ")
        );
        if std::env::var("WARDLINE_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{why}; WARDLINE_REQUIRE_BROWSER=1 makes this a failure");
        }
        eprintln!("SKIPPED {why}");
        return;
    }
    for t in common::backends().await {
        let started = Instant::now();
        let stats = common::demo(&t.db, 3000, 1).await;
        wardline::cli::create_demo_accounts(&t.db)
            .await
            .expect("demo accounts");
        let addr = common::serve(&t.db).await;
        let mut b = Browser::start(&format!("e2e-{}", t.name))
            .await
            .unwrap_or_else(|e| panic!("[{}] starting the browser: {e}", t.name));
        let result = flow(&mut b, addr, stats.residents).await;
        if let Err(e) = result {
            let shot = b.screenshot("failure").await;
            let url = b.url().await.unwrap_or_default();
            let text = match b.find("body").await {
                Ok(el) => b.text(&el).await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            b.quit().await;
            panic!(
                "[{}] end-to-end step failed: {e}\n  at {url}\n  screenshot: {shot:?}\n  page text:\n{}",
                t.name,
                text.chars().take(2000).collect::<String>()
            );
        }
        let shots: Vec<String> = b.shots.iter().map(|p| p.display().to_string()).collect();
        b.quit().await;
        eprintln!(
            "[{}] end-to-end browser flow passed in {:.1}s; screenshots:\n  {}",
            t.name,
            started.elapsed().as_secs_f64(),
            shots.join("\n  ")
        );
    }
}

pub(crate) async fn sign_in(b: &Browser, user: &str) -> R<()> {
    b.fill("input[name=username]", user).await?;
    b.fill("input[name=password]", wardline::cli::DEMO_PASSWORD)
        .await?;
    let submit = b.find("#login-submit").await?;
    b.click(&submit).await?;
    b.wait_url("to leave the sign-in page", |p| !p.starts_with("/login"))
        .await?;
    Ok(())
}

/// Open the menu under the person's name (the pages the role uses less, "Sign out").
async fn open_menu(b: &Browser) -> R<()> {
    let me = b.find("#nav-me").await?;
    b.click(&me).await?;
    Ok(())
}

async fn sign_out(b: &Browser) -> R<()> {
    open_menu(b).await?;
    let logout = b.find("#nav-logout").await?;
    b.click(&logout).await?;
    b.wait_url("the sign-in page", |p| p.starts_with("/login"))
        .await?;
    b.wait_text("h1", "Sign in").await?;
    Ok(())
}

/// Click the first link in `css` (a table of areas); returns its text and the new address.
async fn follow_first(b: &Browser, css: &str) -> R<(String, String)> {
    let link = b.find(&format!("{css} a")).await?;
    let name = b.text(&link).await?;
    let href = b.attr(&link, "href").await?;
    // The attribute may come back resolved against the page's address.
    let href = match href.find("://") {
        Some(i) => href[i + 3..]
            .find('/')
            .map_or("/".to_owned(), |j| href[i + 3 + j..].to_owned()),
        None => href,
    };
    let before = b.url().await?;
    b.click(&link).await?;
    let path = b
        .wait_url(&format!("to follow {href}"), |p| {
            p == href && !before.ends_with(p)
        })
        .await?;
    let h1 = b.wait_text("h1", &name).await?;
    ensure!(h1.contains(&name), "heading {h1:?} does not name {name:?}");
    Ok((name, path))
}

async fn flow(b: &mut Browser, addr: SocketAddr, residents: u64) -> R<()> {
    let base = format!("http://{addr}");

    // 1. The sign-in page speaks Chinese to a Chinese browser.
    b.goto(&format!("{base}/login")).await?;
    let title = b.title().await?;
    ensure!(
        title.starts_with("登录"),
        "sign-in title is {title:?}, not 登录"
    );
    let h1 = b.text_of("h1").await?;
    ensure!(h1 == "登录", "sign-in heading is {h1:?}");
    let html_lang = b.attr(&b.find("html").await?, "lang").await?;
    ensure!(html_lang == "zh-CN", "html lang is {html_lang:?}");
    b.screenshot("01-login-zh").await?;

    // 2. The headquarters user (scope: the district) lands on today's work; the areas link
    //    leads to the district page.
    sign_in(b, "demo-hq").await?;
    b.wait_url("the home page", |p| p == "/").await?;
    ensure!(
        b.text_of("#fig-residents").await?.contains('人'),
        "the district's figures on the home page"
    );
    let areas = b.find("#nav-areas").await?;
    b.click(&areas).await?;
    b.wait_url("the district page", |p| p == "/areas/431102")
        .await?;
    let h1 = b.text_of("h1").await?;
    ensure!(h1.contains("零陵区"), "district heading is {h1:?}");
    let nav = b.text_of("header nav.main").await?;
    ensure!(
        nav.contains("区划") && nav.contains("核酸检测"),
        "Chinese navigation expected, got {nav:?}"
    );

    // 3. Switch to English: same page, English text.
    let switch = b.find("#lang-switch").await?;
    ensure!(
        b.text(&switch).await? == "English",
        "the switch offers {:?}",
        b.text(&switch).await?
    );
    b.click(&switch).await?;
    let nav = b.wait_text("header nav.main", "Areas").await?;
    ensure!(
        nav.contains("Testing") && nav.contains("Needs") && !nav.contains("区划"),
        "English navigation expected, got {nav:?}"
    );
    open_menu(b).await?;
    let out = b.text_of("#nav-logout").await?;
    ensure!(out == "Sign out", "the menu offers {out:?}");
    open_menu(b).await?;
    b.wait_url("back on the district page", |p| p == "/areas/431102")
        .await?;
    let html_lang = b.attr(&b.find("html").await?, "lang").await?;
    ensure!(
        html_lang == "en",
        "html lang after the switch is {html_lang:?}"
    );
    // The headings (zones come before the children when the area has a section of them).
    let heads = b
        .js("return [...document.querySelectorAll('h2')].map(e => e.textContent.trim()).join('|');")
        .await?;
    let children_head = heads.as_str().unwrap_or_default().to_owned();
    ensure!(
        children_head.split('|').any(|h| h == "Below this area"),
        "the children heading is not English: {children_head:?}"
    );
    let n = b.text_of("#counts [data-count=count-residents] b").await?;
    ensure!(
        n == residents.to_string(),
        "the district counts {n} residents, the demo city has {residents}"
    );
    let label = b
        .text_of("#counts [data-count=count-residents] span")
        .await?;
    ensure!(label == "residents", "count label {label:?}");
    b.screenshot("02-district-en").await?;

    // 4. District → street → community → grid, by clicking.
    let (street, _) = follow_first(b, "#children").await?;
    let crumbs = b.text_of("nav.crumbs").await?;
    ensure!(
        crumbs.contains("零陵区") && crumbs.contains(&street),
        "street breadcrumbs {crumbs:?}"
    );
    let (community, _) = follow_first(b, "#children").await?;
    let crumbs = b.text_of("nav.crumbs").await?;
    ensure!(
        crumbs.contains("零陵区") && crumbs.contains(&street) && crumbs.contains(&community),
        "community breadcrumbs {crumbs:?}"
    );
    b.screenshot("03-community").await?;
    let (grid, grid_path) = follow_first(b, "#children").await?;
    ensure!(
        grid_path.contains("%2FG"),
        "a grid's address has its encoded code: {grid_path}"
    );
    let crumbs = b.text_of("nav.crumbs").await?;
    ensure!(
        crumbs.contains(&community) && crumbs.contains(&grid),
        "grid breadcrumbs {crumbs:?}"
    );
    let hh = b.text_of("#counts [data-count=count-households] b").await?;
    let listed = b.all("#households a").await?.len();
    ensure!(listed > 0, "the grid lists no households");
    ensure!(
        hh.parse::<usize>().unwrap_or(0) >= listed.min(50),
        "the grid counts {hh} households and lists {listed}"
    );
    b.screenshot("04-grid").await?;

    // 5. A household whose members include a mainland ID card: masked, never in full.
    let mut masked = String::new();
    let mut member_link = String::new();
    for i in 0..listed.min(10) {
        b.find("#households").await?;
        let link = b
            .all("#households a")
            .await?
            .into_iter()
            .nth(i)
            .ok_or("household link gone")?;
        b.click(&link).await?;
        b.wait_url("a household page", |p| p.starts_with("/households/"))
            .await?;
        let table = b.find("#members").await?;
        let src = b.source().await?;
        if let Some(n) = full_id_in(&src) {
            return Err(format!("the household page holds a full ID number {n}"));
        }
        for row in b.all_in(&table, "tr").await?.into_iter().skip(1) {
            let cells = b.all_in(&row, "td.masked").await?;
            let Some(cell) = cells.first() else { continue };
            let m = b.text(cell).await?;
            if is_masked_id(&m) {
                masked = m;
                member_link = b
                    .all_in(&row, "a")
                    .await?
                    .into_iter()
                    .next()
                    .ok_or("member row without a link")?;
                break;
            }
        }
        if !masked.is_empty() {
            break;
        }
        b.back().await?;
        b.wait_url("back on the grid", |p| p.starts_with("/areas/"))
            .await?;
    }
    ensure!(
        !masked.is_empty(),
        "no household in the first ones of the grid has a masked ID card number"
    );
    let members_text = b.text_of("#members").await?;
    ensure!(
        members_text.contains(&masked),
        "the members table does not show {masked}"
    );
    b.screenshot("05-household").await?;

    // 6. The resident: masked number. HQ reads the registry but does not correct it.
    let name = b.text(&member_link).await?;
    b.click(&member_link).await?;
    let resident_path = b
        .wait_url("a resident page", |p| p.starts_with("/residents/"))
        .await?;
    let resident_id = resident_path.trim_start_matches("/residents/").to_owned();
    ensure!(
        resident_id.parse::<i64>().is_ok(),
        "resident address {resident_path}"
    );
    let h1 = b.text_of("h1").await?;
    ensure!(
        h1 == name,
        "the resident page is headed {h1:?}, not {name:?}"
    );
    let shown = b.text_of("#doc-masked").await?;
    ensure!(
        shown == masked,
        "the resident page masks as {shown:?}, not {masked:?}"
    );
    ensure!(
        b.all("#edit-resident").await?.is_empty(),
        "HQ (read-only in the registry) is offered the correction form"
    );
    ensure!(
        full_id_in(&b.source().await?).is_none(),
        "the resident page holds a full ID number before any reveal"
    );

    // 7. Break the glass, with a reason.
    let reason = format!("E2E check: fever follow-up call {resident_id}");
    b.fill("#reveal-form input[name=reason]", &reason).await?;
    let reveal = b.find("#reveal-form button").await?;
    b.click(&reveal).await?;
    let full = b.text(&b.find("#doc-full").await?).await?;
    ensure!(
        full.len() == 18
            && full[..17].bytes().all(|c| c.is_ascii_digit())
            && (full.as_bytes()[17].is_ascii_digit() || full.ends_with('X')),
        "the revealed number {full:?} is not an 18-character ID number"
    );
    ensure!(
        full[..6] == masked[..6] && full[14..] == masked[14..],
        "the revealed {full} does not fit the mask {masked}"
    );
    ensure!(
        full_id_in(&b.source().await?) == Some(full.as_str()),
        "the page source after the reveal does not hold {full} (or holds another number)"
    );
    ensure!(
        b.all("#doc-masked").await?.is_empty(),
        "the masked number is still shown after the reveal"
    );
    let notice = b.text_of("p.notice").await?;
    let seq: i64 = notice
        .split('#')
        .nth(1)
        .map(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("the notice names no audit entry: {notice:?}"))?;
    b.screenshot("06-revealed").await?;

    // 8. Sign out; a street officer (scope: the first street, where the grid is) finds the
    //    resident by name and corrects the health note.
    sign_out(b).await?;
    sign_in(b, "demo-street").await?;
    open_menu(b).await?;
    let search = b.find("#nav-search").await?;
    b.click(&search).await?;
    b.wait_url("the search page", |p| p == "/search").await?;
    b.fill("input[name=q]", &name).await?;
    let go = b.find("form[role=search] button").await?;
    b.click(&go).await?;
    b.wait_url("the search results", |p| p.starts_with("/search?"))
        .await?;
    let hit = b
        .find(&format!("#members a[href='{resident_path}']"))
        .await?;
    let results = b.text_of("#members").await?;
    ensure!(
        results.contains(&masked) && full_id_in(&b.source().await?).is_none(),
        "search results should show {masked} and no full number: {results:?}"
    );
    b.click(&hit).await?;
    b.wait_url("the resident page", |p| p == resident_path)
        .await?;
    let edit = b.find("#edit-resident").await?;
    b.click(&edit).await?;
    b.wait_url("the edit form", |p| p.ends_with("/edit"))
        .await?;
    b.find("#resident-form").await?;
    let doc_field = b.find("input[name=doc_number]").await?;
    let doc_value = b.prop(&doc_field, "value").await?;
    ensure!(
        doc_value == masked,
        "the correction form holds {doc_value:?}, not the masked {masked:?}"
    );
    let note = format!("E2E 复查 {resident_id}: 血压正常");
    b.fill("input[name=health_note]", &note).await?;
    b.screenshot("07-resident-edit").await?;
    let save = b.find("#resident-save").await?;
    b.click(&save).await?;
    b.wait_url("back on the resident page", |p| p == resident_path)
        .await?;
    let details = b.wait_text("#resident", &note).await?;
    ensure!(
        details.contains("Health note"),
        "the resident details are not in English: {details:?}"
    );
    let shown = b.text_of("#doc-masked").await?;
    ensure!(
        shown == masked,
        "after the correction the number shows as {shown:?}, not {masked:?}"
    );
    b.screenshot("08-resident-saved").await?;

    // 9. Sign out; the auditor finds the reveal in the audit log.
    sign_out(b).await?;
    sign_in(b, "demo-auditor").await?;
    let audit_link = b.find("header nav a[href='/audit']").await?;
    b.click(&audit_link).await?;
    b.wait_url("the audit log", |p| p == "/audit").await?;
    let opt = b
        .find("form select[name=action] option[value=reveal]")
        .await?;
    b.click(&opt).await?;
    let filter = b.find("form.filters button").await?;
    b.click(&filter).await?;
    b.wait_url("the filtered audit log", |p| p.contains("action=reveal"))
        .await?;
    let table = b.find("#audit").await?;
    let rows = b.all_in(&table, "tr[data-action]").await?;
    ensure!(!rows.is_empty(), "the audit log lists no reveal");
    let mut found = false;
    for row in &rows {
        let action = b.attr(row, "data-action").await?;
        ensure!(
            action == "reveal",
            "the filter let through a {action:?} entry"
        );
        let cells = b.all_in(row, "td").await?;
        ensure!(cells.len() == 4, "an audit row has {} cells", cells.len());
        if b.text(&cells[0]).await? != seq.to_string() {
            continue;
        }
        found = true;
        // The action cell: the action, then "user · address".
        let who = b.text(&cells[2]).await?;
        ensure!(
            who.contains(wardline::cli::demo_person("demo-hq")),
            "the reveal is not by demo-hq: {who:?}"
        );
        // The record cell: the record, then the detail.
        // (The auditor reads the log, not the registry: the record is named, not linked.)
        let record = b.text(&b.all_in(&cells[3], "div").await?[0]).await?;
        let record = record.lines().next().unwrap_or_default().to_owned();
        ensure!(
            record == format!("Resident #{resident_id}"),
            "the reveal names {record:?}, not Resident #{resident_id}"
        );
        let detail = b.prop(&cells[3], "textContent").await?;
        ensure!(
            detail.contains(&reason),
            "the reveal's detail {detail:?} does not carry the reason"
        );
        ensure!(
            full_id_in(&detail).is_none(),
            "the audit detail holds a full number"
        );
    }
    ensure!(found, "audit entry #{seq} is not in the reveal list");
    ensure!(
        !b.source().await?.contains(&full),
        "the audit log page shows the revealed number"
    );
    b.screenshot("09-audit").await?;

    // 10. And back to Chinese.
    let switch = b.find("#lang-switch").await?;
    b.click(&switch).await?;
    b.wait_text("h1", "审计日志").await?;
    b.wait_url("the same audit view", |p| p.contains("action=reveal"))
        .await?;
    ensure!(
        !b.all("#audit tr[data-action=reveal]").await?.is_empty(),
        "the reveal list is empty in Chinese"
    );
    Ok(())
}

// ---- Mobilization: sign-up → screening → auto-fill → check-in/out → certificate ----

impl Browser {
    /// Run a script in the page; its return value.
    pub(crate) async fn js(&self, script: &str) -> R<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Set a form control's value directly (date and time inputs take typed keys in the
    /// browser's locale format; this sidesteps that).
    pub(crate) async fn set(&self, css: &str, value: &str) -> R<()> {
        let script = format!(
            "var e = document.querySelector({}); if (!e) return false; e.value = {}; return true;",
            json!(css),
            json!(value)
        );
        ensure!(
            self.js(&script).await? == json!(true),
            "no form control {css}"
        );
        Ok(())
    }
}

/// A valid resident ID number (GB 11643 check character) for the e2e volunteer, and the same
/// number with a wrong check character.
fn e2e_id_numbers() -> (String, String) {
    let first17 = "43110219900307123";
    let c = wardline::registry::validate::check_char(first17.as_bytes()) as char;
    let wrong = if c == '0' { '1' } else { '0' };
    (format!("{first17}{c}"), format!("{first17}{wrong}"))
}

#[test]
fn browser_volunteer_signup_approve_autofill_duty_certificate() {
    on_big_stack("e2e-mobilization", mobilization_browser_test);
}

async fn mobilization_browser_test() {
    if !browser_here("mobilization browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    let addr = common::serve(&t.db).await;
    in_browser("e2e-mob", &t, addr, LARGE_PHONE, mobilization_flow).await;
}

/// Whether Chromium and its driver are installed; without them a browser test is skipped,
/// or fails when `WARDLINE_REQUIRE_BROWSER=1`.
pub(crate) fn browser_here(what: &str) -> bool {
    if [CHROMIUM, CHROMEDRIVER]
        .iter()
        .all(|p| Path::new(p).exists())
    {
        return true;
    }
    if std::env::var("WARDLINE_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("chromium or chromedriver missing; WARDLINE_REQUIRE_BROWSER=1 makes this a failure");
    }
    eprintln!("SKIPPED {what}: chromium or chromedriver missing");
    false
}

/// The small phone every capability's pages must fit (CSS pixels).
const PHONE: (u32, u32) = (360, 740);
/// A larger phone, the window of the older flows.
const LARGE_PHONE: (u32, u32) = (412, 915);

/// The first backend with a demo city of `people` residents (3 communities) and the demo
/// accounts: the set-up most browser flows start from. One backend is enough for the browser
/// half (the engines' tests run on both).
async fn demo_backend(people: u64) -> common::TestDb {
    let t = common::backends().await.remove(0);
    common::demo(&t.db, people, 3).await;
    wardline::cli::create_demo_accounts(&t.db)
        .await
        .expect("demo accounts");
    t
}

/// Run a flow in a fresh browser of the given window against the server at `addr`; a failed step panics with a
/// screenshot, the address and the page's text.
async fn in_browser(
    name: &str,
    t: &common::TestDb,
    addr: SocketAddr,
    (width, height): (u32, u32),
    flow: impl AsyncFnOnce(&mut Browser, SocketAddr, &wardline::db::Db) -> R<()>,
) {
    let mut b = Browser::start_sized(&format!("{name}-{}", t.name), width, height)
        .await
        .unwrap_or_else(|e| panic!("starting the browser: {e}"));
    let result = flow(&mut b, addr, &t.db).await;
    if let Err(e) = result {
        let shot = b.screenshot("failure").await;
        let url = b.url().await.unwrap_or_default();
        let text = match b.find("body").await {
            Ok(el) => b.text(&el).await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        b.quit().await;
        panic!(
            "[{}] {name} end-to-end step failed: {e}\n  at {url}\n  screenshot: {shot:?}\n  page text:\n{}",
            t.name,
            text.chars().take(2500).collect::<String>()
        );
    }
    b.quit().await;
}

async fn mobilization_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    use wardline::mobilization::rules::{day_of, minute_of_day};
    let base = format!("http://{addr}");
    let community = wardline::cli::DEMO_ACCOUNTS
        .iter()
        .find(|a| a.0 == "demo-community")
        .map(|a| a.2)
        .unwrap();

    // 1. The officer opens a sign-up link and reads its address off the poster. (The browser
    //    starts in Chinese; English is chosen once and kept in a cookie.)
    b.goto(&format!("{base}/lang/en?next=/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/volunteers")).await?;
    let summary = b.find("details:has(#link-form) summary").await?;
    b.click(&summary).await?;
    b.fill("#link-form input[name=title]", "Gate duty volunteers")
        .await?;
    let create = b.find("#link-form button").await?;
    b.click(&create).await?;
    let url = b.wait_text("#link-url", "/join/").await?;
    b.screenshot("mob-link-poster").await?;
    let join = &url[url.find("/join/").ok_or("no /join/ in the poster")?..];
    sign_out(b).await?;

    // 2. A volunteer signs up through the public link, on a phone, without an account.
    b.goto(&format!("{base}{join}?lang=en")).await?;
    b.wait_text("h1", "Gate duty volunteers").await?;
    // A bad ID number first: refused with the field named, nothing lost.
    b.fill("#signup-form input[name=name]", "Li Ming").await?;
    let (good_id, bad_id) = e2e_id_numbers();
    b.fill("#signup-form input[name=doc_number]", &bad_id)
        .await?;
    b.fill("#signup-form input[name=phone]", "13800138000")
        .await?;
    let health = b.find("#signup-form input[name=health_ok]").await?;
    b.click(&health).await?;
    let account = b.find("#signup-form input[name=wants_account]").await?;
    b.click(&account).await?;
    let submit = b.find("#signup-form button").await?;
    b.click(&submit).await?;
    let err = b.wait_text(".errors", "document number").await?;
    ensure!(err.contains("document number"), "error {err:?}");
    let kept = b
        .prop(&b.find("#signup-form input[name=name]").await?, "value")
        .await?;
    ensure!(kept == "Li Ming", "the name was not kept: {kept:?}");
    b.fill("#signup-form input[name=doc_number]", &good_id)
        .await?;
    let submit = b.find("#signup-form button").await?;
    b.click(&submit).await?;
    let reference = b.wait_text("#ref-code", "-").await?;
    b.screenshot("mob-signed-up").await?;
    ensure!(
        b.text_of("#app-status").await?.contains("applied"),
        "a new application is waiting for screening"
    );

    // 3. The officer approves them; an account is made and its password shown once.
    b.goto(&format!("{base}/login?lang=en")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/volunteers/screening")).await?;
    b.wait_text("#queue", "Li Ming").await?;
    let approve = b.find("#queue button[id^=act-approved]").await?;
    b.click(&approve).await?;
    let username = b.wait_text("#new-username", "v0").await?;
    let password = b.text_of("#new-password").await?;
    b.screenshot("mob-approved").await?;

    // 4. A place with a 4-hour shift a day for a week, starting this hour (China time), and
    //    auto-fill: the only volunteer takes six days; the seventh breaks the six-days-in-a-row
    //    rule and is reported open with that reason.
    b.goto(&format!("{base}/roster?area={community}")).await?;
    b.fill("#place-form input[name=name]", "North gate").await?;
    let add = b.find("#place-form button").await?;
    b.click(&add).await?;
    b.wait_text("#places", "North gate").await?;
    let now = wardline::db::now_ms();
    let today = day_of(now);
    let today_s = wardline::mobilization::rules::ymd(today);
    let hour = minute_of_day(now) / 60;
    let summary = b.find("details:has(#shifts-form) summary").await?;
    b.click(&summary).await?;
    b.set("#shifts-form select[name=pattern]", "custom").await?;
    b.set("#shifts-form input[name=first_day]", &today_s)
        .await?;
    b.set("#shifts-form input[name=start]", &format!("{hour:02}:00"))
        .await?;
    // Up to four hours, ending by midnight (a shift past midnight would touch two days).
    let end = if hour + 4 >= 24 {
        "23:59".to_owned()
    } else {
        format!("{:02}:00", hour + 4)
    };
    b.set("#shifts-form input[name=end]", &end).await?;
    b.fill("#shifts-form input[name=headcount]", "1").await?;
    let create = b.find("#shifts-form button").await?;
    b.click(&create).await?;
    b.wait_text("h1", "North gate").await?;
    b.goto(&format!("{base}/roster?area={community}")).await?;
    b.set("#autofill-form input[name=from]", &today_s).await?;
    let run = b.find("#autofill-form button").await?;
    b.click(&run).await?;
    let filled = b.wait_text("#run-filled", "6").await?;
    ensure!(filled.trim() == "6", "filled {filled:?}");
    ensure!(
        b.text_of("#run-unfilled").await?.trim() == "1",
        "one place stays open"
    );
    let why = b.text_of("#unfilled").await?;
    ensure!(why.contains("too many days in a row"), "reason: {why:?}");
    b.screenshot("mob-autofill").await?;
    // The place's check-in code.
    b.goto(&format!("{base}/roster")).await?;
    let qr = b.find("#places a[href$='/qr']").await?;
    b.click(&qr).await?;
    let duty_url = b.wait_text("#place-poster .mono", "/duty/").await?;
    let duty = duty_url[duty_url.find("/duty/").ok_or("no /duty/")?..].to_owned();
    sign_out(b).await?;

    // 5. The volunteer signs in, sees the shift, scans the gate's code and checks in.
    b.goto(&format!("{base}/login?lang=en")).await?;
    b.fill("input[name=username]", &username).await?;
    b.fill("input[name=password]", &password).await?;
    let submit = b.find("#login-submit").await?;
    b.click(&submit).await?;
    b.wait_url("to leave the sign-in page", |p| !p.starts_with("/login"))
        .await?;
    b.goto(&format!("{base}/me/shifts")).await?;
    b.wait_text("main", "North gate").await?;
    b.screenshot("mob-my-shifts").await?;
    b.goto(&format!("{base}{duty}")).await?;
    let button = b.find("#duty-button").await?;
    ensure!(
        b.text(&button).await? == "Check in",
        "the button offers check-in"
    );
    b.click(&button).await?;
    b.wait_text("#duty-done", "Checked in").await?;
    // Two hours and twenty minutes pass (the clock is the database's: move the check-in back).
    let back = 140 * 60_000;
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM assignments WHERE checkin_ms IS NOT NULL",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?
        .int(0);
    ensure!(n == 1, "one check-in recorded, found {n}");
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    tx.execute(
        "UPDATE assignments SET checkin_ms = checkin_ms - $1 WHERE checkin_ms IS NOT NULL",
        wardline::args![back],
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    b.goto(&format!("{base}{duty}")).await?;
    let button = b.find("#duty-button").await?;
    ensure!(
        b.text(&button).await? == "Check out",
        "the button offers check-out"
    );
    b.click(&button).await?;
    let done = b.wait_text("#duty-done", "Checked out").await?;
    // 140 minutes: two hours, and 20 minutes count half an hour.
    ensure!(done.contains("2.5 hours"), "check-out said {done:?}");
    b.screenshot("mob-checked-out").await?;

    // 6. The hours appear on the volunteer's certificate.
    b.goto(&format!("{base}/me/shifts")).await?;
    let cert = b.find("#my-cert").await?;
    b.click(&cert).await?;
    let hours = b.wait_text("#cert-hours", "2.5").await?;
    ensure!(hours.contains("2.5 hours"), "certificate shows {hours:?}");
    let text = b.text_of("#certificate").await?;
    ensure!(
        text.contains("Li Ming"),
        "the certificate names the volunteer"
    );
    b.screenshot("mob-certificate").await?;
    // And in Chinese.
    b.goto(&format!("{base}/lang/zh-CN?next=/me/shifts"))
        .await?;
    b.wait_text("h1", "我的班次").await?;
    ensure!(!reference.is_empty(), "a reference to keep");
    Ok(())
}

// The flows of the capabilities built on the registry (needs, zones, checkpoints, follow-up,
// vaccination, supplies, headquarters) live in a file of their own.
mod capabilities;
mod notifications;
mod offline;
