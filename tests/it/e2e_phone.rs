//! The phone check (issue 21): a real browser at 360×740 signs in as every demo role, in
//! Chinese and in English, and crawls every kind of page the role can reach by following
//! same-origin links. On each page, by script in the page:
//!
//! a) the page is no wider than the viewport (the widest element is named when it is);
//! b) every visible tap target in `header`, `nav` and `main` is at least 40 px tall (a link
//!    inside a sentence of running text is exempt);
//! c) a Chinese page shows no English UI text from the Fluent files' English side, and no page
//!    shows raw codes (`need_phone_reveal`, `second_factor_due: false`);
//! d) no console errors and no Content-Security-Policy violation (nor inline handlers, which
//!    the policy blocks);
//! e) no error page (4xx/5xx), and the page is in the language asked for.
//!
//! All failures of all pages are collected and reported at once at the end. Each page's
//! figures go to `target/e2e/phone-report.json` (one JSON object a line), the failures to
//! `target/e2e/phone-failures.txt`, one screenshot per kind of page to
//! `target/e2e/phone/<role>-<lang>-<slug>.png`; the figures the issue's closing note asks for
//! are printed.
//!
//! Like the other browser tests: skipped without Chromium unless `WARDLINE_REQUIRE_BROWSER=1`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Instant;

use serde_json::{json, Value};

use crate::common;
use crate::e2e::{browser_here, on_big_stack, out_dir, sign_in, Browser, R};

/// The phone.
const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;
/// The smallest tap target, in CSS pixels.
const MIN_TARGET: f64 = 40.0;
/// Visits of one kind of page (route pattern) per role and language.
const PER_PATTERN: usize = 2;
/// Visits per role in Chinese (every kind of page, then second ones) and in English (every
/// kind of page once).
const PER_ROLE_ZH: usize = 70;
const PER_ROLE_EN: usize = 60;
/// People in the demo city (small, so that the test stays fast).
const PEOPLE: u64 = 3000;

/// The roles crawled: (short name, demo account).
const ROLES: &[(&str, &str)] = &[
    ("hq", "demo-hq"),
    ("street", "demo-street"),
    ("community", "demo-community"),
    ("grid", "demo-grid"),
    ("branch", "demo-branch"),
    ("volunteer", "demo-volunteer"),
    ("auditor", "demo-auditor"),
    ("collector", "demo-collector"),
    ("lab", "demo-lab"),
    ("admin", "demo-admin"),
    ("medic", "demo-medic"),
    ("keeper", "demo-keeper"),
    // Not signed in: the sign-in page, the volunteers' sign-up, a household's link.
    ("public", ""),
];

const LANGS: &[&str] = &["zh-CN", "en"];

#[test]
fn browser_phone_every_page_of_every_role() {
    on_big_stack("e2e-phone", phone_test);
}

/// One failed check on one page.
struct Failure {
    role: String,
    lang: String,
    path: String,
    what: String,
    value: String,
}

/// What the crawl of one role found.
#[derive(Default)]
struct Crawl {
    pages: Vec<Value>,
    failures: Vec<Failure>,
    /// Pages loaded again on the issue's slow network, for the figures.
    slow: Vec<Value>,
}

async fn phone_test() {
    if !browser_here("phone check") {
        return;
    }
    let started = Instant::now();
    // One backend is enough: the pages are the same on both.
    let t = common::backends().await.remove(0);
    let db = &t.db;
    // What `serve --demo` loads, on a small city.
    common::demo(db, PEOPLE, 1).await;
    wardline::cli::create_demo_accounts(db)
        .await
        .expect("demo accounts");
    wardline::cli::create_demo_capabilities(db)
        .await
        .expect("demo data of every capability");
    let addr = common::serve(db).await;
    eprintln!(
        "phone check: demo data and server ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let words = English::from_fluent();
    std::fs::create_dir_all(out_dir().join("phone")).unwrap();

    let seeds = seeds(db).await;
    let only = std::env::var("WARDLINE_PHONE_ROLES").unwrap_or_default();
    let roles: Vec<(usize, &str, &str)> = ROLES
        .iter()
        .enumerate()
        .filter(|(_, (role, _))| only.is_empty() || only.split(',').any(|r| r == *role))
        .map(|(i, (role, user))| (i, *role, *user))
        .collect();
    // Two browsers at a time, each taking the next role (most of the time is spent waiting for
    // the browser).
    let next = std::sync::Mutex::new(roles.into_iter());
    let lane = || async {
        let mut done = vec![];
        loop {
            let Some((i, role, user)) = next.lock().unwrap().next() else {
                break;
            };
            let t0 = Instant::now();
            let user = (!user.is_empty()).then_some(user);
            let role_seeds = seeds.get(role).cloned().unwrap_or_default();
            let c = crawl_role(addr, role, user, &role_seeds, &words).await;
            eprintln!(
                "phone check: {role}: {} pages, {} failures, {:.1}s",
                c.pages.len(),
                c.failures.len(),
                t0.elapsed().as_secs_f64()
            );
            done.push((i, c));
        }
        done
    };
    let (a, b) = tokio::join!(lane(), lane());
    let mut crawls: Vec<(usize, Crawl)> = a.into_iter().chain(b).collect();
    crawls.sort_by_key(|(i, _)| *i);
    let mut all = Crawl::default();
    for (_, c) in crawls {
        all.pages.extend(c.pages);
        all.failures.extend(c.failures);
        all.slow.extend(c.slow);
    }

    // The report: a JSON line per page, and the figures.
    let mut lines = String::new();
    for p in &all.pages {
        lines.push_str(&p.to_string());
        lines.push('\n');
    }
    std::fs::write(out_dir().join("phone-report.json"), lines).unwrap();
    eprintln!("{}", figures(&all.pages, &all.slow));
    let summary = failure_summary(&all.failures);
    let list = failure_list(&all.failures);
    std::fs::write(
        out_dir().join("phone-failures.txt"),
        format!("{summary}\n---- Every failure, page by page ----\n{list}"),
    )
    .unwrap();
    eprintln!(
        "phone check: {} pages in {:.1}s",
        all.pages.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        all.failures.is_empty(),
        "the phone check found {} failures on {} pages (by kind of page below; every failure \
         in {}):\n{summary}",
        all.failures.len(),
        all.pages
            .iter()
            .filter(|p| p["failures"].as_u64() > Some(0))
            .count(),
        out_dir().join("phone-failures.txt").display()
    );
}

/// Sign in as `user` (none: the public pages), then crawl in each language from `/` and
/// `seeds`.
async fn crawl_role(
    addr: SocketAddr,
    role: &str,
    user: Option<&str>,
    seeds: &[String],
    words: &English,
) -> Crawl {
    let mut out = Crawl::default();
    let fail = |out: &mut Crawl, lang: &str, path: &str, what: &str, value: String| {
        out.failures.push(Failure {
            role: role.into(),
            lang: lang.into(),
            path: path.into(),
            what: what.into(),
            value,
        })
    };
    let b = match Browser::start_sized(&format!("phone-{role}"), WIDTH, HEIGHT).await {
        Ok(b) => b,
        Err(e) => panic!("starting the browser: {e}"),
    };
    if let Err(e) = setup(&b, addr, user).await {
        fail(&mut out, "zh-CN", "/login", "sign-in", e);
        b.quit().await;
        return out;
    }
    let mut start: Vec<String> = if user.is_some() {
        vec!["/".to_owned()]
    } else {
        vec![]
    };
    let (slow, seeds): (Vec<&String>, Vec<&String>) =
        seeds.iter().partition(|s| s.starts_with("slow:"));
    start.extend(seeds.into_iter().cloned());
    for lang in LANGS {
        if let Err(e) = crawl(&b, addr, role, lang, &start, words, &mut out).await {
            let at = b.url().await.unwrap_or_default();
            fail(&mut out, lang, &at, "crawl stopped", e);
        }
    }
    for path in slow {
        let path = &path["slow:".len()..];
        match slow_load(&b, addr, path).await {
            Ok(mut v) => {
                v["role"] = json!(role);
                v["path"] = json!(path);
                out.slow.push(v);
            }
            Err(e) => eprintln!("phone check: {path} on the slow network: {e}"),
        }
    }
    b.quit().await;
    out
}

/// Load a page in Chinese on the network the issue was tried on: 400 kbit/s each way, 300 ms
/// round trip. Its bytes, times and tap targets.
async fn slow_load(b: &Browser, addr: SocketAddr, path: &str) -> R<Value> {
    b.goto(&format!("http://{addr}/lang/zh-CN?next=/account"))
        .await?;
    b.cmd(
        "POST",
        "/chromium/network_conditions",
        Some(json!({"network_conditions": {
            "offline": false, "latency": 300,
            "download_throughput": 50_000, "upload_throughput": 50_000
        }})),
    )
    .await?;
    let loaded = b.goto(&format!("http://{addr}{path}")).await;
    let v = b
        .js(
            "const n = performance.getEntriesByType('navigation')[0] || {}; return { \
            lang: document.documentElement.lang, status: n.responseStatus || 0, \
            bytes: n.decodedBodySize || 0, encoded: n.encodedBodySize || 0, \
            response_ms: Math.round((n.responseEnd || 0) - (n.startTime || 0)), \
            load_ms: Math.round((n.loadEventEnd || 0) - (n.startTime || 0)), \
            targets: document.querySelectorAll('a, button, input:not([type=hidden]), select, \
                textarea, summary').length };",
        )
        .await;
    let _ = b.cmd("DELETE", "/chromium/network_conditions", None).await;
    loaded?;
    v
}

/// The phone's window, a watch for CSP violations, and the sign-in (in Chinese).
async fn setup(b: &Browser, addr: SocketAddr, user: Option<&str>) -> R<()> {
    let base = format!("http://{addr}");
    // The window rect as a phone's; headless Chromium may keep a wider window, in which case
    // the device metrics set at start (360×740) give the page its width.
    let _ = b
        .cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": WIDTH, "height": HEIGHT})),
        )
        .await;
    b.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {
            "source": "window.__wlCsp = []; document.addEventListener('securitypolicyviolation', \
                function (e) { window.__wlCsp.push(e.violatedDirective + ' ' + (e.blockedURI || '') \
                + ' ' + (e.sample || '')); });"
        }})),
    )
    .await?;
    b.goto(&format!("{base}/lang/zh-CN?next=/login")).await?;
    let w = b.js("return window.innerWidth;").await?;
    if w.as_u64() != Some(u64::from(WIDTH)) {
        return Err(format!("window.innerWidth is {w}, not {WIDTH}"));
    }
    let Some(user) = user else { return Ok(()) };
    if user != "demo-admin" {
        return sign_in(b, user).await;
    }
    // The administrator enrols a TOTP second factor at first sign-in: read the secret off the
    // page and answer with the current code.
    b.fill("input[name=username]", user).await?;
    b.fill("input[name=password]", wardline::cli::DEMO_PASSWORD)
        .await?;
    let submit = b.find("#login-submit").await?;
    b.click(&submit).await?;
    b.wait_url("the second step", |p| p.starts_with("/login/totp"))
        .await?;
    let secret = b.text_of("#totp-secret").await?;
    let key = wardline::access::totp::base32_decode(secret.trim())
        .ok_or_else(|| format!("TOTP secret {secret:?} is not base32"))?;
    let step = wardline::access::totp::step_of(wardline::db::now_ms());
    let code = format!("{:06}", wardline::access::totp::code_at(&key, step));
    b.fill("input[name=code]", &code).await?;
    let go = b.find("form[action='/login/totp'] button").await?;
    b.click(&go).await?;
    b.wait_url("to leave the second step", |p| !p.starts_with("/login"))
        .await?;
    Ok(())
}

/// Breadth first from `start`: every kind of page before a second page of a kind, at most
/// [`PER_ROLE_ZH`] or [`PER_ROLE_EN`] pages.
async fn crawl(
    b: &Browser,
    addr: SocketAddr,
    role: &str,
    lang: &str,
    start: &[String],
    words: &English,
    out: &mut Crawl,
) -> R<()> {
    let base = format!("http://{addr}");
    let trace = std::env::var_os("WARDLINE_PHONE_TRACE").is_some();
    b.goto(&format!("{base}/lang/{lang}?next=/")).await?;
    // (path, the page that links to it)
    let mut fresh: VecDeque<(String, String)> =
        start.iter().map(|s| (s.clone(), String::new())).collect();
    let mut again: VecDeque<(String, String)> = VecDeque::new();
    let mut seen_paths: HashSet<String> = HashSet::new();
    let mut per_pattern: HashMap<String, usize> = HashMap::new();
    let per_pattern_max = if lang == "zh-CN" { PER_PATTERN } else { 1 };
    let mut visits = 0;
    let per_role = if lang == "zh-CN" {
        PER_ROLE_ZH
    } else {
        PER_ROLE_EN
    };
    while visits < per_role {
        let Some((path, from)) = fresh.pop_front().or_else(|| again.pop_front()) else {
            break;
        };
        let pat = pattern(&path);
        let count = per_pattern.get(&pat).copied().unwrap_or(0);
        if count >= per_pattern_max || seen_paths.contains(&path) {
            continue;
        }
        if count > 0
            && fresh
                .iter()
                .any(|(p, _)| !per_pattern.contains_key(&pattern(p)))
        {
            // A kind not seen yet comes first.
            again.push_back((path, from));
            continue;
        }
        seen_paths.insert(path.clone());
        let t0 = Instant::now();
        b.goto(&format!("{base}{path}")).await?;
        // Where the browser ended up (after redirects) is the page checked.
        let here = b.wait_url("a page", |_| true).await?;
        let here_pat = pattern(&here);
        if here != path && !seen_paths.insert(here.clone()) {
            continue;
        }
        if here_pat != pat {
            *per_pattern.entry(pat).or_default() += 1;
        }
        let n = per_pattern.entry(here_pat.clone()).or_default();
        if *n >= per_pattern_max {
            continue;
        }
        *n += 1;
        let first_of_kind = *n == 1;
        visits += 1;
        let mut page = check_page(b, role, lang, &here, &from, words, out).await?;
        let t_check = t0.elapsed().as_millis();
        if first_of_kind {
            let shot = out_dir()
                .join("phone")
                .join(format!("{role}-{lang}-{}.png", slug(&here_pat)));
            if let Err(e) = b.screenshot_to(&shot).await {
                eprintln!("phone check: screenshot of {here}: {e}");
            }
        }
        if trace {
            eprintln!(
                "{role} {lang} {here}: {t_check} ms, screenshot {} ms",
                t0.elapsed().as_millis() - t_check
            );
        }
        for link in page["links"].as_array().into_iter().flatten() {
            let Some(l) = link.as_str() else { continue };
            let l = l.split('#').next().unwrap_or("");
            if l.is_empty() || skip(l) || seen_paths.contains(l) {
                continue;
            }
            let item = (l.to_owned(), here.clone());
            if per_pattern.contains_key(&pattern(l)) {
                again.push_back(item);
            } else {
                fresh.push_back(item);
            }
        }
        page.as_object_mut().map(|o| o.remove("links"));
        out.pages.push(page);
    }
    Ok(())
}

/// Pages no link leads to (their addresses hold a secret, printed on a QR code), by role.
async fn seeds(db: &wardline::db::Db) -> HashMap<String, Vec<String>> {
    let one = |sql: &'static str| async move {
        db.query_opt(sql, vec![])
            .await
            .expect(sql)
            .map(|r| r.text(0).to_owned())
    };
    let mut public = vec!["/login".to_owned(), "/join/status".to_owned()];
    if let Some(t) = one("SELECT token FROM signup_links WHERE active = 1 ORDER BY id").await {
        public.push(format!("/join/{t}"));
    }
    if let Some(r) = one("SELECT ref_code FROM volunteers ORDER BY id").await {
        public.push(format!("/join/status/{}", wardline::web::html::url_enc(&r)));
    }
    if let Some(t) = one("SELECT token FROM household_links ORDER BY household_id").await {
        public.push(format!("/h/{t}"));
    }
    // The street's missing list, first page (the whole street: no area), again on the slow
    // network for the figures.
    let mut street = vec![];
    if let Some(r) = one("SELECT CAST(MIN(id) AS TEXT) FROM test_rounds").await {
        street.push(format!("/testing/rounds/{r}/missing"));
        street.push(format!("slow:/testing/rounds/{r}/missing"));
    }
    let mut volunteer = vec![];
    if let Some(t) = one("SELECT qr_token FROM places ORDER BY id").await {
        volunteer.push(format!("/duty/{t}"));
    }
    HashMap::from([
        ("public".to_owned(), public),
        ("volunteer".to_owned(), volunteer),
        ("street".to_owned(), street),
    ])
}

/// Whether a link is left alone: it signs out, switches the language, downloads a file, or
/// is not a page.
fn skip(href: &str) -> bool {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    const PREFIXES: &[&str] = &[
        "/logout", "/lang/", "/login", "/static/", "/healthz", "/export", "/api/", "/openapi",
    ];
    const SUFFIXES: &[&str] = &[
        ".csv", ".xlsx", ".json", ".png", ".svg", ".pdf", ".ico", ".txt", ".zip",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
        || SUFFIXES.iter().any(|s| path.ends_with(s))
        // Import templates are downloads; an import job is a page.
        || (path.starts_with("/import/") && !path.starts_with("/import/jobs/"))
        // Print views are for paper (and print everything at once).
        || path.ends_with("/print")
        || query.split('&').any(|kv| {
            kv.starts_with("lang=")
                || kv.starts_with("download=")
                || kv.starts_with("print=")
                || kv == "format=csv"
        })
        || !href.starts_with('/')
        || href.starts_with("//")
}

/// The kind of page: numbers as `{n}`, long tokens as `{token}`, the query's keys only.
fn pattern(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let mut out = String::new();
    for seg in path.split('/').skip(1) {
        out.push('/');
        // A secret in the address (a QR code's): letters and digits mixed, 16 or more.
        let secret = seg.len() >= 16
            && seg
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            && seg.bytes().any(|c| c.is_ascii_digit())
            && seg.bytes().any(|c| c.is_ascii_alphabetic());
        if secret {
            out.push_str("{token}");
            continue;
        }
        let mut s = String::new();
        let mut in_digits = false;
        for c in seg.replace("%2F", "/").replace("%2f", "/").chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    s.push_str("{n}");
                }
                in_digits = true;
            } else {
                s.push(c);
                in_digits = false;
            }
        }
        out.push_str(&s);
    }
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

/// A file name for a kind of page.
fn slug(pattern: &str) -> String {
    let s: String = pattern
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "home".into()
    } else {
        s
    }
}

#[test]
fn phone_check_patterns_and_skips() {
    assert_eq!(pattern("/households/12"), "/households/{n}");
    assert_eq!(pattern("/areas/431102001001%2FG0001"), "/areas/{n}/G{n}");
    assert_eq!(
        pattern("/audit?page=2&action=login&page=3"),
        "/audit?action&page"
    );
    assert_eq!(pattern("/h/Zk3xQ9vT0aLmPq7rSs2u"), "/h/{token}");
    assert_eq!(pattern("/duty/1cd9bc89b5f384397f62dfbc"), "/duty/{token}");
    assert_eq!(pattern("/areas/431102001001"), "/areas/{n}");
    assert_eq!(pattern("/"), "/");
    assert_eq!(
        slug("/testing/rounds/{n}/missing?page"),
        "testing-rounds-n-missing-page"
    );
    assert_eq!(slug("/"), "home");
    for s in [
        "/logout",
        "/lang/en?next=/",
        "/export",
        "/testing/rounds/1/missing.csv",
        "/roster/table.xlsx?week=1",
        "/import/households",
        "/areas?lang=en",
        "/testing/rounds/1/missing?area=431102001&print=1",
    ] {
        assert!(skip(s), "{s}");
    }
    for s in [
        "/areas/431102",
        "/import/jobs/3",
        "/needs?status=open",
        "/h/abc",
    ] {
        assert!(!skip(s), "{s}");
    }
}

/// The checks of one page, in the page. Returns the page's record (with its links).
const CHECK_JS: &str = r#"
const W = arguments[0], zh = arguments[1], phrases = arguments[2], MIN = arguments[3];
const out = {};
const nav = performance.getEntriesByType('navigation')[0] || {};
out.status = nav.responseStatus || 0;
out.bytes = nav.decodedBodySize || 0;
out.encoded = nav.encodedBodySize || 0;
out.ms = Math.round((nav.responseEnd || 0) - (nav.startTime || 0));
out.content_type = document.contentType;
out.html_lang = document.documentElement.lang || '';
out.title = document.title;
const h1 = document.querySelector('h1');
out.h1 = h1 ? h1.innerText.trim().slice(0, 80) : '';
out.inner_width = window.innerWidth;
out.width = document.documentElement.scrollWidth;
function desc(el) {
  // Attributes, not properties: a form's `id` may be its input named "id".
  let s = el.tagName.toLowerCase();
  const id = el.getAttribute('id'), cls = (el.getAttribute('class') || '').trim();
  if (id) s += '#' + id;
  else if (cls) s += '.' + cls.split(/\s+/).join('.');
  return s;
}
function where(el) {
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
    parts.unshift(desc(e));
    if (e.getAttribute('id')) break;
  }
  return parts.join(' > ');
}
function label(el) {
  const t = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().replace(/\s+/g, ' ');
  return t.length > 24 ? t.slice(0, 24) + '…' : t;
}
// a) the widest element.
out.widest = '';
if (out.width > W) {
  let best = null, right = W;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const rr = r.right + window.scrollX;
    if (rr >= right) { right = rr; best = el; }
  }
  if (best) out.widest = where(best) + ' "' + label(best) + '" reaches ' + Math.round(right) + ' px';
}
// b) tap targets.
const sel = 'a, button, input:not([type=hidden]), select, textarea, summary, label';
const seen = new Set();
let small = [], smallest = null, targets = 0;
for (const root of document.querySelectorAll('header, nav, main')) {
  for (const el of root.querySelectorAll(sel)) {
    if (seen.has(el)) continue;
    seen.add(el);
    const tag = el.tagName.toLowerCase();
    // A checkbox or radio button is tapped through its label (measured instead); other
    // labels are not tap targets.
    if (tag === 'label') {
      const c = el.control;
      if (!c || (c.type !== 'checkbox' && c.type !== 'radio')) continue;
    }
    if (tag === 'input' && (el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) continue;
    if (!el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.opacity === '0') continue;
    if (tag === 'a') {
      const p = el.closest('p');
      if (p) {
        let rest = p.innerText;
        for (const a of p.querySelectorAll('a')) rest = rest.replace(a.innerText, '');
        if (rest.trim().length > 0) continue;
      }
    }
    targets++;
    const h = Math.round(r.height * 10) / 10;
    const d = { what: where(el) + ' "' + label(el) + '"', h: h, main: !!el.closest('main') };
    if (!smallest || h < smallest.h) smallest = d;
    if (h < MIN - 0.5) small.push(d);
  }
}
small.sort((a, b) => a.h - b.h);
out.targets = targets;
out.small_count = small.length;
// The smallest of each kind of target (its place in the page, not its text).
function kinds(list) {
  const ks = [];
  for (const s of list) {
    const k = s.what.replace(/ ".*$/, '');
    if (!ks.some(x => x.what.replace(/ ".*$/, '') === k)) ks.push(s);
  }
  return ks.slice(0, 6).map(s => s.what + ' ' + s.h + ' px');
}
const smallMain = small.filter(s => s.main), smallNav = small.filter(s => !s.main);
out.small_main = [smallMain.length, kinds(smallMain)];
out.small_nav = [smallNav.length, kinds(smallNav)];
out.smallest = smallest ? smallest.h : null;
out.smallest_what = smallest ? smallest.what : '';
// c) English UI text in a Chinese page; raw codes in any page.
// Text marked as another language (the language switch) is meant to be.
let text = document.body ? document.body.innerText : '';
for (const el of document.body ? document.body.querySelectorAll('[lang]') : []) {
  if (el.lang !== out.html_lang && el.innerText) text = text.replace(el.innerText, '');
}
out.text_len = text.length;
function wholeWord(hay, needle) {
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const before = i > 0 ? hay[i - 1] : ' ', after = hay[i + needle.length] || ' ';
    // A login name such as "demo-volunteer" holds the word but is a name, not UI text.
    if (!/[A-Za-z0-9_\-]/.test(before) && !/[A-Za-z0-9_\-]/.test(after)) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}
out.english = zh ? phrases.filter(p => wholeWord(text, p)) : [];
out.english_runs = zh ? Array.from(new Set(text.match(/[A-Za-z]*[a-z][A-Za-z]*(?:[ \-][A-Za-z]{2,})+/g) || [])) : [];
const codes = new Set();
for (const m of text.match(/(?<![A-Za-z0-9_])[a-z]{2,}(?:_[a-z0-9]{2,})+(?![A-Za-z0-9_])/g) || []) codes.add(m);
for (const m of text.match(/[A-Za-z_]+: (?:true|false)\b/g) || []) codes.add(m);
out.codes = Array.from(codes).slice(0, 10);
// d) the policy: violations seen, and inline handlers it blocks.
out.csp = (window.__wlCsp || []).slice(0, 10);
const inline = new Set();
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    if (a.name.startsWith('on')) inline.add(desc(el) + '[' + a.name + ']');
  }
  if (el.tagName === 'A' && (el.getAttribute('href') || '').startsWith('javascript:')) inline.add(desc(el) + '[href=javascript:]');
}
out.inline = Array.from(inline).slice(0, 10);
// Links to follow.
out.links = Array.from(document.querySelectorAll('a[href^="/"]:not([download])')).map(a => a.getAttribute('href'));
return out;
"#;

async fn check_page(
    b: &Browser,
    role: &str,
    lang: &str,
    path: &str,
    from: &str,
    words: &English,
    out: &mut Crawl,
) -> R<Value> {
    let zh = *lang == *"zh-CN";
    let v = b
        .cmd(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": CHECK_JS,
                "args": [WIDTH, zh, if zh { &words.phrases[..] } else { &[][..] }, MIN_TARGET],
            })),
        )
        .await?;
    let console = console_errors(b).await;
    let mut failures: Vec<(&str, String)> = vec![];
    let status = v["status"].as_u64().unwrap_or(0);
    if status >= 400 {
        failures.push((
            "e) error page",
            format!(
                "HTTP {status}: {} / {} (linked from {from})",
                v["title"], v["h1"]
            ),
        ));
    }
    if !v["content_type"].as_str().unwrap_or("").contains("html") {
        failures.push(("e) not a page", v["content_type"].to_string()));
    }
    let html_lang = v["html_lang"].as_str().unwrap_or("");
    if html_lang != lang {
        failures.push(("e) language", format!("html lang is {html_lang:?}")));
    }
    let width = v["width"].as_u64().unwrap_or(0);
    if width > u64::from(WIDTH) {
        failures.push((
            "a) wider than the screen",
            format!("{width} px; widest: {}", v["widest"].as_str().unwrap_or("")),
        ));
    }
    let small = v["small_count"].as_u64().unwrap_or(0);
    for (key, what) in [
        (
            "small_nav",
            "b) tap targets under 40 px in the header and navigation",
        ),
        ("small_main", "b) tap targets under 40 px in the page"),
    ] {
        let n = v[key][0].as_u64().unwrap_or(0);
        if n > 0 {
            let list: Vec<&str> = v[key][1]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            failures.push((
                what,
                format!("{n} of {}: {}", v["targets"], list.join("; ")),
            ));
        }
    }
    let english: Vec<String> = v["english"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if !english.is_empty() {
        failures.push(("c) English UI text", quoted(&english)));
    }
    // English word runs not from the Fluent files (hard-coded English), unless the Chinese
    // side has them too (names of things kept in English on purpose).
    let runs: Vec<String> = v["english_runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|r| {
            !is_demo_login(r)
                && !words.zh_has(r)
                && !english
                    .iter()
                    .any(|e| e.contains(r) || r.contains(e.as_str()))
        })
        .map(str::to_owned)
        .collect();
    if !runs.is_empty() {
        failures.push(("c) English words", quoted(&runs)));
    }
    let codes: Vec<String> = v["codes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|c| !is_demo_login(c))
        .map(str::to_owned)
        .collect();
    if !codes.is_empty() {
        failures.push(("c) raw codes", quoted(&codes)));
    }
    for (key, what) in [
        ("csp", "d) CSP violation"),
        ("inline", "d) inline handler (blocked by the CSP)"),
    ] {
        let list: Vec<String> = v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if !list.is_empty() {
            failures.push((what, list.join("; ")));
        }
    }
    // Not twice what the other checks report: the page's own 4xx/5xx, a CSP violation.
    let console: Vec<String> = console
        .into_iter()
        .filter(|m| !(status >= 400 && m.contains("Failed to load resource") && m.contains(path)))
        .filter(|m| {
            !(m.contains("Content Security Policy")
                && v["csp"].as_array().is_some_and(|a| !a.is_empty()))
        })
        .collect();
    if !console.is_empty() {
        failures.push(("d) console errors", console.join("; ")));
    }
    for (what, value) in &failures {
        out.failures.push(Failure {
            role: role.into(),
            lang: lang.into(),
            path: path.into(),
            what: (*what).into(),
            value: value.clone(),
        });
    }
    Ok(json!({
        "role": role,
        "lang": lang,
        "path": path,
        "from": from,
        "pattern": pattern(path),
        "status": status,
        "title": v["title"],
        "width": width,
        "widest": v["widest"],
        "targets": v["targets"],
        "smallest": v["smallest"],
        "smallest_what": v["smallest_what"],
        "small": small,
        "bytes": v["bytes"],
        "encoded": v["encoded"],
        "ms": v["ms"],
        "failures": failures.len(),
        "links": v["links"],
    }))
}

/// The demo accounts' display names are their login names (`demo-grid`): not a leak of the
/// pages.
fn is_demo_login(s: &str) -> bool {
    wardline::cli::DEMO_ACCOUNTS.iter().any(|a| a.0 == s)
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .take(12)
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The browser's console errors since the last call (chromedriver's log endpoint).
async fn console_errors(b: &Browser) -> Vec<String> {
    let log = match b
        .cmd("POST", "/se/log", Some(json!({"type": "browser"})))
        .await
    {
        Ok(v) => v,
        Err(_) => b
            .cmd("POST", "/log", Some(json!({"type": "browser"})))
            .await
            .unwrap_or(Value::Null),
    };
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"].as_str() == Some("SEVERE"))
        .filter_map(|e| e["message"].as_str())
        .map(|m| m.chars().take(240).collect())
        .collect()
}

// ---- English UI text: the Fluent files' English side ----

struct English {
    /// Literal phrases of English messages (placeables left out) that the Chinese side does
    /// not share.
    phrases: Vec<String>,
    /// Every Chinese message value, joined.
    zh_all: String,
}

/// Names that stay as they are in Chinese text.
const KEEP: &[&str] = &[
    "Wardline",
    "Excel",
    "WPS",
    "CSV",
    "XLSX",
    "TOTP",
    "QR",
    "PDF",
    "API",
    "OpenAPI",
    "HTTP",
    "HTTPS",
    "SQLite",
    "PostgreSQL",
];

impl English {
    fn from_fluent() -> English {
        let en = messages(wardline::i18n::FTL_EN);
        let zh = messages(wardline::i18n::FTL_ZH);
        let zh_all = zh.values().cloned().collect::<Vec<_>>().join("\n");
        let mut phrases = std::collections::BTreeSet::new();
        for (id, value) in &en {
            let zh_value = zh.get(id).map(String::as_str).unwrap_or("");
            for frag in literal_parts(value) {
                let frag = frag.trim_matches(|c: char| !c.is_alphanumeric());
                let letters = frag.chars().filter(char::is_ascii_alphabetic).count();
                if letters < 4
                    || !frag.is_ascii()
                    || zh_value.contains(frag)
                    || KEEP.contains(&frag)
                {
                    continue;
                }
                phrases.insert(frag.to_owned());
            }
        }
        English {
            phrases: phrases.into_iter().collect(),
            zh_all,
        }
    }

    fn zh_has(&self, s: &str) -> bool {
        self.zh_all.contains(s) || KEEP.iter().any(|k| s.split(' ').all(|w| w == *k))
    }
}

/// Message id → value (continuation lines joined; attributes and comments left out).
fn messages(src: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String, bool)> = None;
    let mut flush = |c: &mut Option<(String, String, bool)>| {
        if let Some((id, v, _)) = c.take() {
            out.insert(id, v);
        }
    };
    for line in src.lines() {
        let starts_alpha = line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts_alpha {
            flush(&mut current);
            if let Some((id, v)) = line.split_once('=') {
                current = Some((id.trim().to_owned(), v.trim().to_owned(), false));
            }
        } else if line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            if let Some((_, v, in_attr)) = current.as_mut() {
                let l = line.trim();
                if l.starts_with('.') {
                    *in_attr = true;
                } else if !*in_attr {
                    v.push('\n');
                    v.push_str(l);
                }
            }
        } else {
            flush(&mut current);
        }
    }
    flush(&mut current);
    out
}

/// The literal text of a Fluent value, split where placeables (`{ … }`) were.
fn literal_parts(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '{' => {
                depth += 1;
                parts.push(String::new());
            }
            '}' => depth = depth.saturating_sub(1),
            '\n' if depth == 0 => parts.push(String::new()),
            _ if depth == 0 => parts.last_mut().unwrap().push(c),
            _ => {}
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    parts
}

#[test]
fn phone_check_english_phrases() {
    assert_eq!(
        literal_parts("Page { $n } of { $total } pages"),
        vec!["Page ", " of ", " pages"]
    );
    let m =
        messages("a = One\n    two\n    .title = T\nb = { $x ->\n    [one] x\n   *[other] y\n}\n");
    assert_eq!(m["a"], "One\ntwo");
    assert!(literal_parts(&m["b"]).is_empty(), "{:?}", m["b"]);
    let e = English::from_fluent();
    assert!(e.phrases.len() > 100, "{} phrases", e.phrases.len());
    assert!(
        e.phrases.iter().any(|p| p == "Sign out"),
        "{:?}",
        &e.phrases[..20]
    );
    assert!(!e.phrases.iter().any(|p| p == "Wardline"));
}

// ---- The figures and the list ----

fn figures(pages: &[Value], slow: &[Value]) -> String {
    let mut s = String::new();
    let by = |key: &str| {
        pages
            .iter()
            .max_by_key(|p| p[key].as_u64().unwrap_or(0))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let where_ = |p: &Value| format!("{} {} {}", p["role"], p["lang"], p["path"]);
    let _ = writeln!(s, "phone check figures:");
    let _ = writeln!(s, "  pages visited: {}", pages.len());
    let kinds: HashSet<String> = pages
        .iter()
        .filter_map(|p| p["pattern"].as_str().map(str::to_owned))
        .collect();
    let _ = writeln!(s, "  kinds of page: {}", kinds.len());
    let w = by("width");
    let _ = writeln!(
        s,
        "  widest page: {} px ({}) {}",
        w["width"],
        where_(&w),
        w["widest"].as_str().unwrap_or("")
    );
    if let Some(p) = pages
        .iter()
        .filter(|p| p["smallest"].is_number())
        .min_by(|a, b| {
            let (x, y) = (a["smallest"].as_f64(), b["smallest"].as_f64());
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
        })
    {
        let _ = writeln!(
            s,
            "  smallest tap target: {} px ({}: {})",
            p["smallest"],
            where_(p),
            p["smallest_what"].as_str().unwrap_or("")
        );
    }
    let big = by("bytes");
    let _ = writeln!(
        s,
        "  largest page: {} bytes uncompressed, {} on the wire ({})",
        big["bytes"],
        big["encoded"],
        where_(&big)
    );
    let enc = by("encoded");
    let _ = writeln!(
        s,
        "  largest page on the wire: {} bytes ({}, {} uncompressed)",
        enc["encoded"],
        where_(&enc),
        enc["bytes"]
    );
    for p in pages
        .iter()
        .filter(|p| p["role"] == "street" && p["pattern"] == "/testing/rounds/{n}/missing")
    {
        let _ = writeln!(
            s,
            "  street's missing list, first page ({}): {} bytes uncompressed, {} on the wire, {} ms (local)",
            p["lang"], p["bytes"], p["encoded"], p["ms"]
        );
    }
    for p in slow {
        let _ = writeln!(
            s,
            "  {} {} {} on 400 kbit/s, 300 ms: HTTP {}, {} bytes uncompressed, {} on the wire, \
             response in {} ms, loaded in {} ms, {} tap targets",
            p["role"],
            p["lang"],
            p["path"],
            p["status"],
            p["bytes"],
            p["encoded"],
            p["response_ms"],
            p["load_ms"],
            p["targets"]
        );
    }
    s
}

/// The failures by check and kind of page: the roles and languages where each fails, and the
/// value on one of them. (Small navigation targets are on every page: by role.)
fn failure_summary(failures: &[Failure]) -> String {
    struct Group {
        roles: Vec<String>,
        langs: Vec<String>,
        pages: usize,
        example: String,
    }
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for f in failures {
        let key = if f.what.contains("navigation") {
            format!("every page of {}", f.role)
        } else {
            pattern(&f.path)
        };
        let g = groups
            .entry((f.what.clone(), key))
            .or_insert_with(|| Group {
                roles: vec![],
                langs: vec![],
                pages: 0,
                example: format!("{} {}: {}", f.lang, f.path, f.value),
            });
        g.pages += 1;
        if !g.roles.contains(&f.role) {
            g.roles.push(f.role.clone());
        }
        if !g.langs.contains(&f.lang) {
            g.langs.push(f.lang.clone());
        }
    }
    let mut s = String::new();
    let mut last = String::new();
    for ((what, key), g) in &groups {
        if *what != last {
            let _ = writeln!(s, "{what}:");
            last = what.clone();
        }
        let example: String = g.example.chars().take(400).collect();
        let _ = writeln!(
            s,
            "  {key} [{}; {}; {} pages] e.g. {example}",
            g.roles.join(" "),
            g.langs.join(" "),
            g.pages
        );
    }
    s
}

/// The failures, by role, language and page.
fn failure_list(failures: &[Failure]) -> String {
    let mut s = String::new();
    for f in failures {
        let _ = writeln!(
            s,
            "{} {} {} — {}: {}",
            f.role, f.lang, f.path, f.what, f.value
        );
    }
    s
}
