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

// ---- Residents' needs: the household link on a phone → a volunteer claims and completes →
// the officer's figures ----

#[test]
fn browser_household_asks_volunteer_completes_officer_counts() {
    on_big_stack("e2e-needs", needs_browser_test);
}

async fn needs_browser_test() {
    if !browser_here("needs browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-needs", &t, addr, LARGE_PHONE, needs_flow).await;
}

async fn needs_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let community = wardline::cli::DEMO_COMMUNITY;
    // The door plate's link of a household of the demo community (as the officer prints it).
    let officer = db
        .query_one(
            "SELECT a.id FROM accounts a WHERE a.username = 'demo-community'",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?
        .int(0);
    let hh = db
        .query_one(
            "SELECT MIN(id) FROM households WHERE path >= $1 AND path < $2",
            wardline::args![community, format!("{community}~")],
        )
        .await
        .map_err(|e| e.to_string())?
        .int(0);
    let reader = wardline::access::Reader {
        account_id: officer,
        username: "demo-community".into(),
        display_name: "demo-community".into(),
        role: "community".into(),
        scope: wardline::access::Scope {
            roots: vec![community.into()],
        },
    };
    let token = wardline::needs::intake::link_token(db, &reader, hh)
        .await
        .map_err(|e| e.to_string())?;

    // 1. The resident scans the plate: a short form on the phone, no account. They ask for
    //    medicine.
    //    (The phone's browser says Chinese; English is chosen once and kept in a cookie.)
    b.goto(&format!("{base}/lang/en?next=/h/{token}")).await?;
    b.wait_text("h1", "Ask your community for help").await?;
    b.set("#ask-form select[name=category]", "medicine").await?;
    let urgent = b.find("#ask-form input[name=urgency][value='2']").await?;
    b.click(&urgent).await?;
    b.fill(
        "#ask-form textarea[name=description]",
        "Nifedipine 10 mg, 2 boxes; my father has one day left",
    )
    .await?;
    let send = b.find("#ask-send").await?;
    b.click(&send).await?;
    b.wait_text(".notice", "Received").await?;
    let mine = b.wait_text("#my-requests", "medicine purchase").await?;
    ensure!(mine.contains("waiting"), "the request is waiting: {mine:?}");
    b.screenshot("needs-resident-asked").await?;
    let id = db
        .query_one(
            "SELECT MAX(id) FROM needs WHERE household_id = $1",
            wardline::args![hh],
        )
        .await
        .map_err(|e| e.to_string())?
        .int(0);

    // 2. A volunteer of the community finds it on their phone, claims it, calls, delivers and
    //    records the medicine, and marks it done.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-volunteer").await?;
    b.goto(&format!("{base}/me/needs")).await?;
    let waiting = b.wait_text("#claimable", "Nifedipine").await?;
    ensure!(waiting.contains("medicine purchase"), "{waiting:?}");
    let task = b.find(&format!("#task-{id} a")).await?;
    b.click(&task).await?;
    b.wait_text("h1", &format!("#{id}")).await?;
    let claim = b.find("#do-claim").await?;
    b.click(&claim).await?;
    b.wait_text(".notice", "It is yours").await?;
    let masked = b.text_of("#need-facts .masked").await?;
    ensure!(masked.contains("****"), "the phone is masked: {masked:?}");
    let call = b.find("#call").await?;
    b.click(&call).await?;
    let number = b.wait_text("#phone-number", "1").await?;
    ensure!(
        number.len() == 11 && !number.contains('*'),
        "revealed to the holder: {number:?}"
    );
    b.screenshot("needs-volunteer-call").await?;
    let start = b.find("#do-start").await?;
    b.click(&start).await?;
    b.wait_text(".notice", "First contact").await?;
    b.set("#item-form select[name=kind]", "medicine").await?;
    b.fill("#item-form input[name=quantity]", "2").await?;
    let save = b.find("#item-form button").await?;
    b.click(&save).await?;
    b.wait_text("#items", "medicine").await?;
    let done = b.find("#do-done").await?;
    b.click(&done).await?;
    b.accept_confirm().await?;
    b.wait_text(".notice", "Done").await?;
    b.wait_text("#my-done", "Nifedipine").await?;
    sign_out(b).await?;

    // 3. The resident sees it done and rates it.
    b.goto(&format!("{base}/h/{token}")).await?;
    b.wait_text("#my-requests", "done").await?;

    // 4. The officer sees it in the community's figures: solved, with the medicine delivered.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/needs/figures?area={community}"))
        .await?;
    let solved = b.wait_text("#fig-solved", "1").await?;
    ensure!(solved.trim() == "1", "solved: {solved:?}");
    let row = b.text_of("#fig-medicine").await?;
    ensure!(row.contains("medicine purchase"), "{row:?}");
    let items = b.text_of("#fig-items").await?;
    ensure!(
        items.contains('2') && items.contains("medicine"),
        "{items:?}"
    );
    b.screenshot("needs-officer-figures").await?;
    let n = wardline::needs::load(db, id)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(n.status == "done" && n.first_contact_ms.is_some(), "{n:?}");
    Ok(())
}

// ---- Zones: a street officer on a 360-px phone declares a sealed building, sees it on the
// area browser and a household, extends it, then lifts it ----

#[test]
fn browser_zones_officer_declares_extends_and_lifts_on_a_phone() {
    on_big_stack("e2e-zones", zones_browser_test);
}

async fn zones_browser_test() {
    if !browser_here("zones browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    let addr = common::serve(&t.db).await;
    in_browser("e2e-zones", &t, addr, PHONE, zones_flow).await;
}

/// The page is no wider than the phone.
async fn fits_360(b: &Browser, what: &str) -> R<()> {
    let w = b
        .js("return document.documentElement.scrollWidth;")
        .await?
        .as_i64()
        .unwrap_or(0);
    ensure!(w <= 360, "{what} is {w} px wide on a 360-px phone");
    Ok(())
}

async fn zones_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let grid = format!("{}/G0001", wardline::cli::DEMO_COMMUNITY);
    let building: String = db
        .scalar(
            "SELECT MIN(path) FROM households WHERE path > $1 AND path < $2",
            wardline::args![format!("{grid}/"), format!("{grid}~")],
        )
        .await
        .map_err(|e| e.to_string())?;
    let hh: i64 = db
        .scalar(
            "SELECT MIN(id) FROM households WHERE path = $1",
            wardline::args![building.as_str()],
        )
        .await
        .map_err(|e| e.to_string())?;

    // 1. The street officer (Chinese phone) opens Zones from the menu and walks down to the
    //    building: community › grid › building.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-street").await?;
    open_menu(b).await?;
    let link = b.find("#nav-zones").await?;
    b.click(&link).await?;
    b.wait_text("h1", "风险区域").await?;
    b.goto(&format!(
        "{base}/zones?area={}",
        wardline::cli::DEMO_COMMUNITY
    ))
    .await?;
    b.wait_text("#zone-children", "网格").await?;
    b.goto(&format!("{base}/zones?area={grid}")).await?;
    b.wait_text("#zone-children", "").await?;
    let bl = b
        .find(&format!(
            "#zone-children a[href='/zones?area={}']",
            building.replace('/', "%2F")
        ))
        .await;
    let bl = match bl {
        Ok(el) => el,
        Err(_) => {
            b.find(&format!("#zone-children a[href='/zones?area={building}']"))
                .await?
        }
    };
    b.click(&bl).await?;
    b.wait_text("#zone-over", "没有").await?;
    let declare = b.find("#zone-declare").await?;
    b.click(&declare).await?;
    b.wait_text("h1", "划定风险区域").await?;
    fits_360(b, "the declaration form").await?;

    // 2. Sent without a reason: the form comes back naming the field, values kept.
    b.set("#zone-new select[name=kind]", "sealed").await?;
    b.fill("#zone-new input[name=decided_by]", "区指挥部第12号通告")
        .await?;
    let send = b.find("#zone-new-submit").await?;
    b.click(&send).await?;
    b.accept_confirm().await?;
    b.wait_text(".errors", "原因").await?;
    let kept = b
        .prop(&b.find("#zone-new input[name=decided_by]").await?, "value")
        .await?;
    ensure!(
        kept == "区指挥部第12号通告",
        "the form keeps what was typed: {kept:?}"
    );

    // 3. Declared: sealed from now for a week.
    let in_week = wardline::web::html::minutes(wardline::db::now_ms() + 7 * 86_400_000);
    b.set("#zone-new input[name=end_date]", &in_week[..10])
        .await?;
    b.set("#zone-new input[name=end_time]", "12:00").await?;
    b.fill("#zone-new textarea[name=reason]", "楼内发现 2 例阳性感染者")
        .await?;
    b.screenshot("zones-01-declare-zh").await?;
    let send = b.find("#zone-new-submit").await?;
    b.click(&send).await?;
    b.accept_confirm().await?;
    let path = b
        .wait_url("the zone's page", |p| p.contains("done=declared"))
        .await?;
    b.wait_text("#zone-facts", "生效中").await?;
    fits_360(b, "the zone's page").await?;
    b.screenshot("zones-02-declared-zh").await?;
    let zone_path = path.split('?').next().unwrap_or_default().to_owned();

    // 4. The area browser shows it: the building's page and the household's.
    let enc = |s: &str| wardline::web::html::url_enc(s);
    b.goto(&format!("{base}/areas/{}", enc(&building))).await?;
    b.wait_text("#area-zones", "封控区").await?;
    fits_360(b, "the building's page").await?;
    b.goto(&format!("{base}/areas/{}", enc(&grid))).await?;
    b.wait_text("#households", "封控区").await?;
    b.screenshot("zones-03-grid-badges-zh").await?;
    b.goto(&format!("{base}/households/{hh}")).await?;
    b.wait_text("#household-zone", "封控区").await?;
    b.screenshot("zones-04-household-zh").await?;

    // 5. Extended by three days (English now), then lifted.
    b.goto(&format!("{base}/lang/en?next={zone_path}")).await?;
    b.wait_text("#zone-facts", "in force").await?;
    let later = wardline::web::html::minutes(wardline::db::now_ms() + 10 * 86_400_000);
    b.set("#zone-extend input[name=end_date]", &later[..10])
        .await?;
    b.set("#zone-extend input[name=end_time]", "12:00").await?;
    b.fill(
        "#zone-extend textarea[name=reason]",
        "New case among close contacts",
    )
    .await?;
    b.fill(
        "#zone-extend input[name=decided_by]",
        "District HQ notice No. 14",
    )
    .await?;
    let ext = b.find("#zone-extend-submit").await?;
    b.click(&ext).await?;
    b.accept_confirm().await?;
    b.wait_url("extended", |p| p.contains("done=extended"))
        .await?;
    b.wait_text("#zone-end", &later[..10]).await?;
    let changes = b.text_of("#zone-changes").await?;
    ensure!(
        changes.contains("Extended") && changes.contains(&in_week[..10]),
        "the earlier end is kept in the changes: {changes:?}"
    );
    b.screenshot("zones-05-extended-en").await?;
    b.fill("#zone-lift textarea[name=reason]", "No new case for 7 days")
        .await?;
    b.fill(
        "#zone-lift input[name=decided_by]",
        "District HQ notice No. 15",
    )
    .await?;
    let lift = b.find("#zone-lift-submit").await?;
    b.click(&lift).await?;
    b.accept_confirm().await?;
    b.wait_url("lifted", |p| p.contains("done=lifted")).await?;
    b.wait_text("#zone-facts", "lifted").await?;
    let all = b.text_of("#zone-changes").await?;
    ensure!(
        all.contains("Declared") && all.contains("Extended") && all.contains("Lifted"),
        "every change is listed: {all:?}"
    );
    b.screenshot("zones-06-lifted-en").await?;
    b.goto(&format!("{base}/households/{hh}")).await?;
    b.wait_text("#household-zone", "No zone in force").await?;
    b.goto(&format!(
        "{base}/zones/figures?area={}",
        wardline::cli::DEMO_COMMUNITY
    ))
    .await?;
    b.wait_text("h1", "Zone figures").await?;
    fits_360(b, "the figures").await?;
    b.screenshot("zones-07-figures-en").await?;
    Ok(())
}

// ---- Checkpoints: a visitor registers on their phone; a checker on a 360-px phone logs a
// resident (code → pass), confirms the visitor, logs a car with two passengers and persuades
// one to return; the officer sees the figures ----

#[test]
fn browser_checkpoints_checker_logs_passes_officer_sees_figures() {
    on_big_stack("e2e-checkpoints", checkpoints_browser_test);
}

async fn checkpoints_browser_test() {
    if !browser_here("checkpoints browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    wardline::checkpoints::demo::create(&t.db)
        .await
        .expect("demo checkpoints");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-checkpoints", &t, addr, PHONE, checkpoints_flow).await;
}

async fn checkpoints_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let err = |e: wardline::error::AppError| e.to_string();
    let gate: i64 = db
        .scalar(
            "SELECT c.place_id FROM checkpoints c JOIN places p ON p.id = c.place_id \
             WHERE p.name = '北门卡口'",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let cp = wardline::checkpoints::by_id(db, gate)
        .await
        .map_err(err)?
        .ok_or("the north gate")?;
    let secret = wardline::access::settings::qr_secret(db)
        .await
        .map_err(err)?;
    let people: Vec<i64> = db
        .column(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id DESC LIMIT 3",
            wardline::args![cp.path.as_str(), wardline::db::path_end(&cp.path)],
        )
        .await
        .map_err(|e| e.to_string())?;
    let code = |i: usize| wardline::registry::codes::resident_code(&secret, people[i]);
    let (v_number, _) = e2e_id_numbers();

    // 1. A visitor scans the printed code before the gate and registers, no account.
    b.goto(&format!("{base}/lang/en?next=/v/{}", cp.visitor_token))
        .await?;
    b.wait_text("h1", "Visitor registration").await?;
    b.fill("#public-form input[name=number]", &v_number).await?;
    b.fill("#public-form input[name=name]", "周晓梅").await?;
    b.fill("#public-form input[name=phone]", "13912345678")
        .await?;
    b.fill("#public-form input[name=from]", "长沙市雨花区")
        .await?;
    b.fill("#public-form input[name=reason]", "探望父母")
        .await?;
    let reg = b.find("#register").await?;
    b.click(&reg).await?;
    let done = b.wait_text("#registered", "number").await?;
    let number: String = done.chars().filter(|c| c.is_ascii_digit()).collect();
    b.screenshot("checkpoints-visitor-registered").await?;

    // 2. The checker on duty signs in on a 360-px phone: "卡口登记" opens their gate.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-volunteer").await?;
    let link = b.find("#nav-mycheckpoint").await?;
    b.click(&link).await?;
    b.wait_text("h1", "Log passes").await?;
    // A resident shows their personal code (the scan fills this field); the card shows the
    // masked name, age and sex, and "pass" is one tap.
    b.fill("#code", &code(0)).await?;
    let find = b.find("#find").await?;
    b.click(&find).await?;
    let name = b.wait_text("#person-name", "*").await?;
    ensure!(name.contains('*'), "the name is masked: {name:?}");
    b.wait_text("#suggestion", "let pass").await?;
    b.screenshot("checkpoints-card").await?;
    let pass = b.find("#decide-pass").await?;
    b.click(&pass).await?;
    b.wait_text(".notice", "Logged: let pass").await?;

    // 3. The visitor who registered: confirmed from the waiting list, phone and ID masked.
    let w = b.wait_text("#waiting", &format!("#{number}")).await?;
    ensure!(w.contains('*'), "masked in the queue: {w:?}");
    b.goto(&format!("{base}/checkpoints/{gate}/visitors/{number}"))
        .await?;
    let card = b.wait_text("#visitor-card", "长沙市雨花区").await?;
    ensure!(
        !card.contains("13912345678"),
        "the phone is masked: {card:?}"
    );
    let pass = b.find("#decide-pass").await?;
    b.click(&pass).await?;
    b.wait_text(".notice", "Logged: let pass").await?;
    let w = b.text_of("main").await?;
    ensure!(
        !w.contains(&format!("#{number} ")),
        "confirmed, no longer waiting"
    );

    // 4. A car with two passengers; the second passenger is persuaded to return.
    let vehicle = b.find("#vehicle-link").await?;
    b.click(&vehicle).await?;
    b.wait_text("h1", "Vehicle").await?;
    b.fill("#vehicle-form input[name=plate]", "湘M 8B231")
        .await?;
    b.js(&format!(
        "const f = document.getElementById('vehicle-form');\
         const codes = f.querySelectorAll('input[name=code]');\
         codes[0].value = '{}'; codes[1].value = '{}'; codes[2].value = '{}';\
         f.querySelectorAll('select[name=decision]')[2].value = 'return'; return 1;",
        code(1),
        code(2),
        code(0)
    ))
    .await?;
    b.screenshot("checkpoints-vehicle").await?;
    let log = b.find("#log-vehicle").await?;
    b.click(&log).await?;
    b.wait_text(".notice", "Vehicle logged").await?;
    sign_out(b).await?;

    // 5. The officer sees it in the checkpoint's figures (today's, from the tallies).
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/checkpoints/{gate}")).await?;
    b.wait_text("#figures", "Vehicles").await?;
    let now = wardline::db::now_ms();
    let day =
        wardline::checkpoints::figures::day_start(wardline::checkpoints::figures::china_day(now));
    let f = wardline::checkpoints::figures::of_checkpoint(db, gate, day, day + 86_400_000)
        .await
        .map_err(err)?;
    ensure!(
        f.vehicles >= 1 && f.returned >= 1 && f.visitors >= 1,
        "{f:?}"
    );
    let shown = b.text_of("#cp-fig-returned b").await?;
    ensure!(shown == f.returned.to_string(), "returned {shown} vs {f:?}");
    let shown = b.text_of("#cp-fig-vehicles b").await?;
    ensure!(shown == f.vehicles.to_string(), "vehicles {shown} vs {f:?}");
    let log = b.text_of("#log").await?;
    ensure!(
        log.contains("湘M8B231") && log.contains("persuade to return"),
        "{log:?}"
    );
    b.screenshot("checkpoints-officer-figures").await?;
    let n: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM pass_entries WHERE vehicle_id = (SELECT id FROM vehicle_passes \
             WHERE plate = '湘M8B231')",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(n == 3, "the car's three people: {n}");
    Ok(())
}

// ---- Health follow-up (issue 15): the grid worker's worklist on a phone (well, fever →
// referral, missed) → a resident self-reports through the household link → the officer
// releases an order and prints the release notice ----

#[test]
fn browser_quarantine_worklist_self_report_release() {
    on_big_stack("e2e-quarantine", quarantine_browser_test);
}

async fn quarantine_browser_test() {
    if !browser_here("quarantine browser test") {
        return;
    }
    let t = common::backends().await.remove(0);
    wardline::registry::areas::ensure_national(&t.db, "431102")
        .await
        .expect("areas");
    common::demo_under(&t.db, 2000, 3, wardline::cli::DEMO_COMMUNITY).await;
    wardline::cli::create_demo_accounts(&t.db)
        .await
        .expect("demo accounts");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-quarantine", &t, addr, PHONE, quarantine_flow).await;
}

async fn quarantine_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    use wardline::quarantine::{checks, orders};
    let base = format!("http://{addr}");
    let err = |e: wardline::error::AppError| format!("{e:?}");
    let officer = wardline::registry::demo::demo_reader(db, "demo-community")
        .await
        .map_err(err)?
        .ok_or("demo-community")?;
    let actor = wardline::registry::demo::demo_actor(&officer);
    // Three people of the demo grid (three households) under home quarantine from today.
    let grid = "431102001001/G0001";
    let people: Vec<(i64, i64)> = db
        .query(
            "SELECT MIN(id), household_id FROM residents WHERE path >= $1 AND path < $2 \
             GROUP BY household_id ORDER BY household_id LIMIT 3",
            wardline::args![grid, format!("{grid}~")],
        )
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| (r.int(0), r.int(1)))
        .collect();
    ensure!(people.len() == 3, "three households in the demo grid");
    let now = wardline::db::now_ms();
    let today = wardline::quarantine::day_of(now);
    let mut order_ids = Vec::new();
    for (p, _) in &people {
        let f = orders::NewOrder {
            kind: "home".into(),
            reason: "close".into(),
            rule: "7+3".into(),
            start: wardline::quarantine::date_of(today),
            ordered_by: "区防控办".into(),
            ..Default::default()
        };
        let m = orders::create(db, &actor, &officer, *p, &f, now)
            .await
            .map_err(err)?;
        order_ids.push(m.ids[0]);
    }
    let first_check = |o: i64| async move {
        checks::of_order(db, o, 10)
            .await
            .map(|v| {
                v.into_iter()
                    .find(|c| c.slot == 1)
                    .map(|c| c.id)
                    .unwrap_or(0)
            })
            .map_err(|e| format!("{e:?}"))
    };
    let (c1, c2, c3) = (
        first_check(order_ids[0]).await?,
        first_check(order_ids[1]).await?,
        first_check(order_ids[2]).await?,
    );
    // The third person's morning window has passed unrecorded (as if it were afternoon).
    common::exec(
        db,
        "UPDATE quarantine_checks SET due_ms = $1, late_ms = $2, missed_ms = $3 WHERE id = $4",
        wardline::args![now - 7_200_000, now - 3_600_000, now - 60_000, c3],
    )
    .await;

    // 1. The grid worker opens today's rounds on the phone and taps "done, well": the row is
    //    marked in place (the page keeps its place).
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-grid").await?;
    b.goto(&format!("{base}/lang/en?next=/followup/today"))
        .await?;
    b.wait_text("h1", "Today's rounds").await?;
    let missed = b.wait_text(&format!("#c-{c3}"), "missed").await?;
    ensure!(missed.contains("missed"), "{missed:?}");
    let well = b.find(&format!("#c-{c1} .quick-well")).await?;
    b.click(&well).await?;
    b.find(&format!("#c-{c1}.done")).await?;
    b.screenshot("quarantine-worklist").await?;
    let st: String = db
        .scalar(
            "SELECT status FROM quarantine_checks WHERE id = $1",
            wardline::args![c1],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(st == "well", "recorded well: {st}");

    // 2. A fever: the check's form, 38.4 °C and a cough → a referral for the medic.
    b.goto(&format!("{base}/followup/checks/{c2}")).await?;
    b.fill("#temperature", "38.4").await?;
    let cough = b.find("#check-form input[value=cough]").await?;
    b.click(&cough).await?;
    b.screenshot("quarantine-check-form").await?;
    let save = b.find("#save-check").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "Saved").await?;
    let tasks = b.wait_text("#work-tasks", "referral").await?;
    ensure!(tasks.contains("38.4"), "{tasks:?}");
    sign_out(b).await?;

    // 3. The resident self-reports through the household's link.
    let hh = people[0].1;
    let token = wardline::needs::intake::link_token(db, &officer, hh)
        .await
        .map_err(err)?;
    b.goto(&format!("{base}/h/{token}/health")).await?;
    b.wait_text("h1", "Health self-report").await?;
    b.fill("form.qf input[name=temperature]", "36.7").await?;
    let send = b.find("form.qf button").await?;
    b.click(&send).await?;
    b.wait_text("#self-done", "recorded").await?;
    b.screenshot("quarantine-self-report").await?;
    let n: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM quarantine_checks WHERE order_id = $1 AND by_kind = 'self'",
            wardline::args![order_ids[0]],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(n == 1, "self-report recorded: {n}");

    // 4. The officer releases the first order early, with a reason, and prints the notice.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/followup/orders/{}", order_ids[0]))
        .await?;
    b.wait_text("#release-blockers", "runs until").await?;
    b.screenshot("quarantine-order").await?;
    b.goto(&format!(
        "{base}/lang/zh-CN?next=/followup/orders/{}/notice",
        order_ids[0]
    ))
    .await?;
    b.wait_text("#start-notice", "隔离告知书").await?;
    b.screenshot("quarantine-start-notice-zh").await?;
    b.goto(&format!(
        "{base}/lang/en?next=/followup/orders/{}",
        order_ids[0]
    ))
    .await?;
    b.wait_text("#release-blockers", "runs until").await?;
    b.set("#end-reason", "released").await?;
    b.fill(
        "#override-reason",
        "moved to the county's hospital list by HQ",
    )
    .await?;
    let end = b.find("#end-submit").await?;
    b.click(&end).await?;
    b.accept_confirm().await?;
    b.wait_text(".notice", "Saved").await?;
    b.wait_text("#order-status", "released").await?;
    let print = b.find("#print-release").await?;
    b.click(&print).await?;
    b.wait_text("#release-notice", "released on").await?;
    b.screenshot("quarantine-release-notice").await?;
    b.goto(&format!(
        "{base}/lang/zh-CN?next=/followup/orders/{}/release",
        order_ids[0]
    ))
    .await?;
    b.wait_text("#release-notice", "解除隔离").await?;
    b.screenshot("quarantine-release-notice-zh").await?;
    Ok(())
}

// ---- Vaccination outreach (issue 16): the grid worker works the 60+ list on a 360-px phone,
// calls one person, defers one with a recheck date, books a ride for another and records a
// dose; the officer sees coverage by age band move ----

#[test]
fn browser_vaccination_grid_worker_works_the_list() {
    on_big_stack("e2e-vaccination", vaccination_browser_test);
}

async fn vaccination_browser_test() {
    if !browser_here("vaccination browser test") {
        return;
    }
    let t = common::backends().await.remove(0);
    // The demo community alone, so that the demo grid worker's grid has older people.
    common::demo_under(&t.db, 3000, 3, wardline::cli::DEMO_COMMUNITY).await;
    wardline::cli::create_demo_accounts(&t.db)
        .await
        .expect("demo accounts");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-vaccination", &t, addr, PHONE, vaccination_flow).await;
}

async fn vaccination_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let community = wardline::cli::DEMO_COMMUNITY;
    let today = wardline::vaccination::today();

    // 1. The community officer reads coverage by age band.
    b.goto(&format!("{base}/lang/en?next=/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/vaccination/figures?area={community}"))
        .await?;
    b.wait_text("h1", "Coverage").await?;
    let before = vax_adults_first(b).await?;
    b.screenshot("vax-figures-before").await?;
    b.goto(&format!("{base}/vaccination")).await?;
    sign_out(b).await?;

    // 2. The grid worker opens the 60+ worklist from the menu on a phone.
    sign_in(b, "demo-grid").await?;
    open_menu(b).await?;
    let link = b.find("#nav-vaccination").await?;
    b.click(&link).await?;
    b.wait_text("h1", "Vaccination outreach").await?;
    b.set("#vax-filter select[name=group]", "60+").await?;
    let show = b.find("#vax-filter button").await?;
    b.click(&show).await?;
    b.wait_url("the 60+ list", |u| u.contains("group=60"))
        .await?;
    let rows = b.all("#vax-list tbody tr").await?;
    ensure!(rows.len() >= 3, "the 60+ list has people: {}", rows.len());
    let first = b.attr(&rows[0], "data-resident").await?;
    let second = b.attr(&rows[1], "data-resident").await?;
    let third = b.attr(&rows[2], "data-resident").await?;
    b.screenshot("vax-worklist").await?;

    // 3. Door to door: an address on the list narrows it to that household's people.
    let address = b.find("#vax-list tbody tr a.sub").await?;
    b.click(&address).await?;
    b.wait_url("one household's list", |u| u.contains("household="))
        .await?;
    b.wait_text("#vax-one-household", "One household").await?;
    ensure!(
        !b.all("#vax-list tbody tr").await?.is_empty(),
        "the household's people are listed"
    );
    b.screenshot("vax-one-household").await?;

    // 4. The first has a fever: a temporary contraindication with a recheck date.
    b.goto(&format!("{base}/vaccination/residents/{first}"))
        .await?;
    b.set("#vax-tick select[name=reason]", "temp_contra")
        .await?;
    b.set("#vax-tick select[name=detail]", "fever").await?;
    // A date in the past first: refused, the field named, nothing kept.
    b.set(
        "#vax-tick input[name=recheck_on]",
        &wardline::vaccination::ymd(today - 1),
    )
    .await?;
    vax_press(b, "#vax-tick button").await?;
    b.wait_text("#vax-tick .errors", "recheck date").await?;
    b.set(
        "#vax-tick input[name=recheck_on]",
        &wardline::vaccination::ymd(today + 7),
    )
    .await?;
    vax_press(b, "#vax-tick button").await?;
    b.wait_text(".notice", "ticked off").await?;
    b.wait_text("#vax-history", "fever").await?;
    b.screenshot("vax-deferred").await?;

    // 5. A ride for the second, through the needs engine.
    b.goto(&format!("{base}/vaccination/residents/{second}"))
        .await?;
    b.set(
        "#vax-ride input[name=site]",
        "District hospital vaccination point",
    )
    .await?;
    vax_press(b, "#vax-ride button").await?;
    b.wait_text(".notice", "ride was requested").await?;
    let cat = db
        .scalar::<String>(
            "SELECT category FROM needs WHERE resident_id = $1 ORDER BY id DESC LIMIT 1",
            wardline::args![second.parse::<i64>().map_err(|e| e.to_string())?],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(cat == "vaccine_transport", "a transport need: {cat}");

    // 6. The third is vaccinated on the spot: the dose with the tick-off.
    b.goto(&format!("{base}/vaccination/residents/{third}"))
        .await?;
    let status = b.text_of("#vax-status").await?;
    b.set("#vax-tick select[name=reason]", "vaccinated").await?;
    let product = if status.contains("not vaccinated") {
        "adenovirus"
    } else {
        "adenovirus_inhaled"
    };
    b.set("#vax-tick select[name=product]", product).await?;
    b.set(
        "#vax-tick input[name=given_on]",
        &wardline::vaccination::ymd(today),
    )
    .await?;
    b.set("#vax-tick input[name=site]", "Community clinic")
        .await?;
    vax_press(b, "#vax-tick button").await?;
    b.wait_text(".notice", "ticked off").await?;
    // The list: the deferred one is off it, the ride shows.
    b.goto(&format!("{base}/vaccination?group=60%2B")).await?;
    let ids = b.all("#vax-list tbody tr").await?;
    let mut on = Vec::new();
    for el in &ids {
        on.push(b.attr(el, "data-resident").await?);
    }
    ensure!(
        !on.contains(&first),
        "the deferred resident is off the list"
    );
    b.wait_text(
        &format!("#vax-list tr[data-resident='{second}']"),
        "ride requested",
    )
    .await?;
    b.goto(&format!("{base}/vaccination")).await?;
    sign_out(b).await?;

    // 7. The officer sees coverage move.
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/vaccination/figures?area={community}"))
        .await?;
    let after = vax_adults_first(b).await?;
    let want = if status.contains("not vaccinated") {
        before + 1
    } else {
        before
    };
    ensure!(
        after == want,
        "first doses of adults: {before} → {after}, expected {want}"
    );
    b.wait_text("#vax-reasons", "temporary contraindication")
        .await?;
    b.screenshot("vax-figures-after").await?;

    // 8. Back on the worker's phone, a call from the first one's page: the masked number, one tap, the number (audited).
    b.goto(&format!("{base}/vaccination")).await?;
    sign_out(b).await?;
    sign_in(b, "demo-grid").await?;
    b.goto(&format!("{base}/vaccination/residents/{first}"))
        .await?;
    let masked = b.text_of("form.call .masked").await?;
    ensure!(masked.contains("****"), "the phone is masked: {masked:?}");
    let call = b.find("form.call button").await?;
    b.click(&call).await?;
    b.wait_text("a.call", "1").await?;
    let calls = db
        .scalar::<i64>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'phone_call' AND entity_id = $1",
            wardline::args![first.as_str()],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(calls == 1, "the reveal is audited: {calls}");

    // (Last: after the tel: link the headless browser takes no more taps.)
    Ok(())
}

async fn vax_adults_first(b: &Browser) -> R<i64> {
    b.text_of("#vax-cov-adults-first-n")
        .await?
        .trim()
        .parse::<i64>()
        .map_err(|e| e.to_string())
}

/// Tap a form's button.
async fn vax_press(b: &Browser, css: &str) -> R<()> {
    let el = b.find(css).await?;
    b.click(&el).await
}

// ---- Supplies (issue 17): a keeper receives a directed gift and moves it by a trip, a
// volunteer hands two boxes out through a need, an officer records a cash gift and a spending
// approved by two, and the public page shows it all without any household ----

#[test]
fn browser_supplies_gift_trip_handout_money_and_public_page() {
    on_big_stack("e2e-supplies", supplies_browser_test);
}

async fn supplies_browser_test() {
    if !browser_here("supplies browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-supplies", &t, addr, PHONE, supplies_flow).await;
}

async fn demo_reader(db: &wardline::db::Db, user: &str) -> R<wardline::access::Reader> {
    let token = wardline::access::create_token(db, user, "e2e")
        .await
        .map_err(|e| format!("{e:?}"))?;
    wardline::access::authenticate(db, &token)
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn supplies_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    use wardline::supplies::{goods, money};
    let base = format!("http://{addr}");
    let community = wardline::cli::DEMO_COMMUNITY;
    let street = &community[..9];
    let e = |e: wardline::error::AppError| format!("{e:?}");
    // Setup through the engines: the catalogue, a depot, a supply point, the volunteer's team
    // and its store, a need given to the volunteer and started, a community fund.
    let keeper = demo_reader(db, "demo-keeper").await?;
    let officer = demo_reader(db, "demo-community").await?;
    let ka = wardline::audit::Actor::cli();
    let mask = goods::add_item(
        db,
        &ka,
        &keeper,
        &goods::NewItem {
            code: "mask-kn95".into(),
            name: "口罩".into(),
            category: "protective".into(),
            grade: "kn95".into(),
            unit: "只".into(),
            pack: "50".into(),
        },
    )
    .await
    .map_err(e)?;
    let store = |name: &str, kind: &str, area: &str, team: String| goods::NewStore {
        name: name.into(),
        kind: kind.into(),
        area: area.into(),
        team,
        ..goods::NewStore::default()
    };
    let depot = goods::add_store(
        db,
        &ka,
        &keeper,
        &store("街道仓库", "depot", street, String::new()),
    )
    .await
    .map_err(e)?;
    let point = goods::add_store(
        db,
        &ka,
        &keeper,
        &store("社区服务点", "point", community, String::new()),
    )
    .await
    .map_err(e)?;
    let vol_id = db
        .scalar::<i64>(
            "SELECT v.id FROM volunteers v JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer'",
            vec![],
        )
        .await
        .map_err(|x| x.to_string())?;
    let team = wardline::mobilization::branches::create_team(
        db,
        &ka,
        &officer,
        community,
        "物资配送组",
        "delivery",
        None,
    )
    .await
    .map_err(e)?;
    wardline::mobilization::branches::set_team_member(db, &ka, &officer, team, vol_id, false)
        .await
        .map_err(e)?;
    let team_store = goods::add_store(
        db,
        &ka,
        &keeper,
        &store("配送组物资", "team", community, team.to_string()),
    )
    .await
    .map_err(e)?;
    let hh = db
        .scalar::<i64>(
            "SELECT MIN(id) FROM households WHERE path >= $1 AND path < $2",
            wardline::args![community, format!("{community}~")],
        )
        .await
        .map_err(|x| x.to_string())?;
    let address = db
        .scalar::<String>(
            "SELECT address FROM households WHERE id = $1",
            wardline::args![hh],
        )
        .await
        .map_err(|x| x.to_string())?;
    let need = wardline::needs::intake::create(
        db,
        &ka,
        &officer,
        hh,
        &wardline::needs::intake::NewNeed {
            category: "groceries".into(),
            urgency: "3".into(),
            description: "口罩两盒".into(),
            source: "hotline".into(),
            ..Default::default()
        },
        wardline::db::now_ms(),
    )
    .await
    .map_err(e)?
    .id;
    use wardline::needs::flow::{act, Action, Who};
    act(
        db,
        &ka,
        &Who::Staff(&officer),
        need,
        &Action::Assign {
            team: None,
            volunteer: Some(vol_id),
        },
        None,
        wardline::db::now_ms(),
    )
    .await
    .map_err(e)?;
    let v = wardline::mobilization::volunteers::get(db, &officer, vol_id)
        .await
        .map_err(e)?;
    act(
        db,
        &ka,
        &Who::Volunteer(&v),
        need,
        &Action::Start,
        None,
        wardline::db::now_ms(),
    )
    .await
    .map_err(e)?;
    let fund = money::add_fund(
        db,
        &ka,
        &officer,
        &money::FundForm {
            name: "社区防疫资金".into(),
            area: community.into(),
            owner: String::new(),
            branch: String::new(),
        },
    )
    .await
    .map_err(e)?;

    // 1. The keeper records 800 KN95 masks (16 boxes) directed to the community.
    b.goto(&format!("{base}/lang/en?next=/login")).await?;
    sign_in(b, "demo-keeper").await?;
    b.goto(&format!("{base}/supplies/receive?store={depot}"))
        .await?;
    b.wait_text("h1", "Receive goods").await?;
    b.set("#receive-form select[name=item]", &mask.to_string())
        .await?;
    b.fill("#receive-form input[name=qty]", "16").await?;
    b.set("#receive-form select[name=donor_kind]", "org")
        .await?;
    b.fill("#receive-form input[name=donor]", "县商会").await?;
    b.set("#receive-form select[name=directed_area]", community)
        .await?;
    let save = b.find("#receive-save").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "Receipt recorded").await?;
    let stock = b.text_of("#sup-stock").await?;
    ensure!(stock.contains("800"), "800 masks in the depot: {stock:?}");
    b.screenshot("supplies-received").await?;
    // 2. A trip, and 10 boxes moved on it to the supply point; 4 on to the team's store.
    b.goto(&format!("{base}/supplies/trips")).await?;
    b.fill("#trip-form input[name=plate]", "湘F·12345").await?;
    b.fill("#trip-form input[name=driver]", "刘师傅").await?;
    b.fill("#trip-form input[name=from]", "街道仓库").await?;
    b.fill("#trip-form input[name=to]", "社区服务点").await?;
    let now = wardline::web::html::minutes(wardline::db::now_ms()).replace(' ', "T");
    b.cmd("POST", "/execute/sync", Some(serde_json::json!({
        "script": "document.querySelector('#trip-form input[name=depart]').value = arguments[0];",
        "args": [now]
    }))).await?;
    b.fill("#trip-form input[name=kg]", "400").await?;
    let save = b.find("#trip-save").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "Trip recorded").await?;
    let trip = db
        .scalar::<i64>("SELECT MAX(id) FROM sup_trips", vec![])
        .await
        .map_err(|x| x.to_string())?;
    for (to, qty, trip) in [(point, "10", Some(trip)), (team_store, "4", None)] {
        let from = if trip.is_some() { depot } else { point };
        b.goto(&format!("{base}/supplies/move?store={from}"))
            .await?;
        b.set("#move-form select[name=kind]", "transfer").await?;
        b.set("#move-form select[name=item]", &mask.to_string())
            .await?;
        b.fill("#move-form input[name=qty]", qty).await?;
        b.set("#move-form select[name=to_store]", &to.to_string())
            .await?;
        if let Some(t) = trip {
            b.set("#move-form select[name=trip]", &t.to_string())
                .await?;
        }
        let save = b.find("#move-save").await?;
        b.click(&save).await?;
        b.wait_text(".notice", "Movement recorded").await?;
    }
    sign_out(b).await?;

    // 3. The volunteer hands 2 boxes to the household through the need.
    sign_in(b, "demo-volunteer").await?;
    b.goto(&format!("{base}/me/supplies")).await?;
    let link = b.find(&format!("#hand-{need}")).await?;
    b.click(&link).await?;
    b.wait_text("h1", &format!("#{need}")).await?;
    b.set("#handout-form select[name=store]", &team_store.to_string())
        .await?;
    b.set("#handout-form select[name=item]", &mask.to_string())
        .await?;
    b.fill("#handout-form input[name=qty]", "2").await?;
    let save = b.find("#handout-save").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "Handout recorded").await?;
    let items = db
        .scalar::<i64>(
            "SELECT quantity FROM need_items WHERE need_id = $1",
            wardline::args![need],
        )
        .await
        .map_err(|x| x.to_string())?;
    ensure!(items == 2, "the need's items delivered: {items}");
    sign_out(b).await?;

    // 4. The officer records a 2,000-yuan cash gift and a 1,500-yuan spending; two others approve.
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/supplies/gift?fund={fund}")).await?;
    b.fill("#gift-form input[name=amount]", "2000").await?;
    b.set("#gift-form select[name=donor_kind]", "person")
        .await?;
    b.fill("#gift-form input[name=donor]", "王建华").await?;
    b.set("#gift-form select[name=channel]", "cash").await?;
    let save = b.find("#gift-save").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "Money recorded").await?;
    b.goto(&format!("{base}/supplies/spend?fund={fund}"))
        .await?;
    b.fill("#spend-form input[name=amount]", "1500").await?;
    b.fill("#spend-form input[name=payee]", "某药店").await?;
    b.fill("#spend-form input[name=purpose]", "消毒液").await?;
    b.fill("#spend-form input[name=receipt_no]", "FP-2026-01")
        .await?;
    let save = b.find("#spend-save").await?;
    b.click(&save).await?;
    b.wait_text(".notice", "waits for approval").await?;
    sign_out(b).await?;
    let spend = db
        .scalar::<i64>("SELECT MAX(id) FROM sup_spends", vec![])
        .await
        .map_err(|x| x.to_string())?;
    for (user, notice) in [("demo-street", "another approval"), ("demo-hq", "paid")] {
        sign_in(b, user).await?;
        b.goto(&format!("{base}/supplies/funds/{fund}")).await?;
        let approve = b.find(&format!("#approve-{spend}")).await?;
        b.click(&approve).await?;
        b.accept_confirm().await?;
        b.wait_text(".notice", notice).await?;
        sign_out(b).await?;
    }
    let bal = b.text_of("body").await.unwrap_or_default();
    let _ = bal;

    // 5. The public page, no sign-in: the gift with its grade and direction, where it went (the
    //    community), the money; never the household.
    b.goto(&format!("{base}/public/supplies/{street}")).await?;
    let page = b.wait_text("#pub-goods-in", "县商会").await?;
    ensure!(page.contains("KN95") && page.contains("800"), "{page:?}");
    let out = b.text_of("#pub-goods-out").await?;
    ensure!(
        out.contains("100"),
        "2 boxes (100 masks) to the community: {out:?}"
    );
    let money_in = b.text_of("#pub-money-in").await?;
    ensure!(
        money_in.contains("2,000.00") && money_in.contains("王建华"),
        "{money_in:?}"
    );
    let money_out = b.text_of("#pub-money-out").await?;
    ensure!(
        money_out.contains("1,500.00") && money_out.contains("FP-2026-01"),
        "{money_out:?}"
    );
    let all = b.source().await?;
    ensure!(
        !all.contains(&address),
        "no household address on the public page"
    );
    b.screenshot("supplies-public").await?;
    Ok(())
}

// ---- Command headquarters (issue 18): HQ on a 360-px phone opens the district overview and
// drills into the lagging street, then the lagging community ----

#[test]
fn browser_hq_overview_drills_into_the_lagging_community() {
    on_big_stack("e2e-hq", hq_browser_test);
}

async fn hq_browser_test() {
    if !browser_here("hq browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    let db = &t.db;
    wardline::cli::create_demo_round(db)
        .await
        .expect("demo round");
    wardline::cli::create_demo_mobilization(db)
        .await
        .expect("demo volunteers");
    wardline::needs::demo::create(db).await.expect("demo needs");
    wardline::checkpoints::demo::create(db)
        .await
        .expect("demo checkpoints");
    wardline::supplies::demo::create(db)
        .await
        .expect("demo supplies");
    wardline::hq::demo::create(db).await.expect("demo history");
    let addr = common::serve(db).await;
    in_browser("e2e-hq", &t, addr, PHONE, hq_flow).await;
}

async fn hq_flow(b: &mut Browser, addr: SocketAddr, _db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-hq").await?;
    // The overview is in the menu.
    b.goto(&format!("{base}/hq/overview?area=431102")).await?;
    b.find("#hq-headline .spark").await?;
    fits_360(b, "the district overview").await?;
    // The lagging street, then its lagging community: the first of each ranked list.
    for level in ["street", "community"] {
        let first = b.find("#hq-children li a").await?;
        let href = b.attr(&first, "href").await?;
        b.click(&first).await?;
        b.wait_url(level, |p| href.ends_with(p) || p.ends_with(&href))
            .await?;
        b.find("#hq-headline").await?;
        fits_360(b, &format!("the {level} overview")).await?;
    }
    let url = b.url().await?;
    let code = url.rsplit("area=").next().unwrap_or("");
    ensure!(code.len() == 12, "ended at {url}, not a community");
    Ok(())
}

// ---- HQ briefing and the 10:00 report (issue 18) ----

#[test]
fn browser_hq_briefing_copy_and_the_cutoff_report_print_view() {
    on_big_stack("e2e-briefing", briefing_browser_test);
}

async fn briefing_browser_test() {
    if !browser_here("briefing browser test") {
        return;
    }
    let t = demo_backend(1500).await;
    let addr = common::serve(&t.db).await;
    in_browser("e2e-briefing", &t, addr, PHONE, briefing_flow).await;
}

async fn briefing_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    // Today's 10:00 report, locked as the cut-off sweep does.
    let n = wardline::hq::reports::demo::create(db)
        .await
        .map_err(|e| format!("{e:?}"))?;
    ensure!(n.is_some_and(|n| n > 0), "no report locked: {n:?}");
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-hq").await?;
    // Today's briefing: generated, issued, copied.
    b.goto(&format!("{base}/hq/briefing?period=day")).await?;
    let text = b.text_of("#brief-text").await?;
    ensure!(text.contains("全区临时党支部"), "briefing text: {text}");
    let issue = b.find("#brief-issue").await?;
    b.click(&issue).await?;
    b.wait_url("the issued briefing", |p| p.contains("done=issued"))
        .await?;
    let copy = b.find("button[data-copy=brief-plain]").await?;
    b.click(&copy).await?;
    let selected = b
        .js("var t = document.getElementById('brief-plain'); return t.selectionEnd - t.selectionStart === t.value.length && t.value.length > 20;")
        .await?;
    ensure!(
        selected == Value::Bool(true),
        "the plain text is selected for copying"
    );
    let plain = b.prop(&b.find("#brief-plain").await?, "value").await?;
    ensure!(
        plain.starts_with(
            &text
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(6)
                .collect::<String>()
        ),
        "plain text: {plain}"
    );
    // The 10:00 report's print view.
    b.goto(&format!("{base}/hq/reports")).await?;
    let link = b.find("#rep-snapshots a").await?;
    b.click(&link).await?;
    b.wait_url("a snapshot", |p| p.starts_with("/hq/snapshots/"))
        .await?;
    b.wait_text("#rep-verified", "").await?;
    let print = b.find("button[data-print]").await?;
    ensure!(
        b.prop(&print, "hidden").await? == "false",
        "the print button shows where the script runs"
    );
    let rows = b.all("#rep-table tbody tr").await?;
    ensure!(!rows.is_empty(), "the report has rows");
    let fits = b
        .js("return document.documentElement.scrollWidth <= window.innerWidth + 1;")
        .await?;
    ensure!(
        fits == Value::Bool(true),
        "the page fits the phone (the table scrolls inside)"
    );
    Ok(())
}
