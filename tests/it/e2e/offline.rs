//! The field pages with no signal (issue 19): Chromium's network is turned off through the
//! DevTools protocol (`Network.emulateNetworkConditions`, through chromedriver), a collector
//! scans two people into an open tube, a volunteer records a delivery and marks the need done,
//! then logs a vehicle and a visitor at the checkpoint's gate, and a grid worker taps a
//! follow-up check "done, well" on the worklist; each page is left and opened again while still
//! offline (from the service worker's copy, the queue from IndexedDB); then the network comes
//! back and the queue is sent. The server must hold each action exactly once. Also the page
//! weight of each field page on its first load, the worker and the scripts included (< 60 KB).

use super::*;

#[test]
fn browser_offline_scans_and_delivery_sent_once() {
    on_big_stack("e2e-offline", offline_browser_test);
}

async fn offline_browser_test() {
    if !browser_here("offline browser test") {
        return;
    }
    let t = demo_backend(2000).await;
    wardline::cli::create_demo_round(&t.db)
        .await
        .expect("demo round");
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    wardline::checkpoints::demo::create(&t.db)
        .await
        .expect("demo checkpoints");
    wardline::quarantine::demo::create(&t.db)
        .await
        .expect("demo follow-up");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-offline", &t, addr, PHONE, offline_flow).await;
}

/// The network of the browser's page on or off (the DevTools protocol's emulation).
async fn network(b: &Browser, online: bool) -> R<()> {
    let _ = b
        .cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Network.enable", "params": {}})),
        )
        .await;
    b.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(
            json!({"cmd": "Network.emulateNetworkConditions", "params": {
                "offline": !online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1
            }}),
        ),
    )
    .await?;
    Ok(())
}

async fn int(db: &wardline::db::Db, sql: &str, args: Vec<wardline::db::Value>) -> R<i64> {
    Ok(db
        .query_one(sql, args)
        .await
        .map_err(|e| e.to_string())?
        .int(0))
}

/// Wait until the service worker controls the page, then load the page again through it (so
/// the worker keeps it).
async fn through_worker(b: &Browser, url: &str) -> R<()> {
    let t0 = Instant::now();
    while b.js("return !!navigator.serviceWorker.controller;").await? != json!(true) {
        ensure!(t0.elapsed() < WAIT, "no service worker controls {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.goto(url).await
}

/// Leave the page (it is unloaded, its script's state gone) and open it again, with the
/// network as it is. (Through `about:blank` Chromium starts a new renderer, and the network
/// emulation reaches it only after the page's first requests: a send that a phone with no
/// signal could not make.)
async fn reopen(b: &Browser, url: &str) -> R<()> {
    b.goto(url).await
}

fn gz(bytes: &[u8]) -> u64 {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip").len() as u64
}

/// The first load's weight of the page shown: its HTML, the stylesheet, both scripts and the
/// worker — uncompressed, and gzipped as the server sends them (the HTML fetched again by the
/// page, as the same reader).
async fn weight(b: &Browser) -> R<(u64, u64, u64)> {
    let html = b
        .cmd(
            "POST",
            "/execute/async",
            Some(
                json!({"script": "var done = arguments[0]; fetch(location.href, \
                {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(done, \
                function () { done(''); });", "args": []}),
            ),
        )
        .await?
        .as_str()
        .unwrap_or("")
        .to_owned();
    ensure!(!html.is_empty(), "the page's HTML");
    let worker = wardline::web::offline::worker_source();
    let parts: [&[u8]; 5] = [
        html.as_bytes(),
        wardline::web::html::CSS.as_bytes(),
        wardline::web::html::JS.as_bytes(),
        wardline::web::offline::JS.as_bytes(),
        worker.as_bytes(),
    ];
    let raw: u64 = parts.iter().map(|p| p.len() as u64).sum();
    let wire: u64 = parts.iter().map(|&p| gz(p)).sum();
    Ok((html.len() as u64, raw, wire))
}

async fn waiting(b: &Browser) -> R<String> {
    Ok(b.js(
        "var e = document.getElementById('offline-n'); return e && !e.hidden ? e.textContent : '';",
    )
    .await?
    .as_str()
    .unwrap_or("")
    .to_owned())
}

/// Wait until the page shows `n` actions waiting.
async fn wait_waiting(b: &Browser, n: usize) -> R<()> {
    let t0 = Instant::now();
    loop {
        let w = waiting(b).await?;
        if w.contains(&format!("({n})")) {
            return Ok(());
        }
        ensure!(
            t0.elapsed() < WAIT,
            "{n} actions waiting: the page says {w:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn offline_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let mut weights = Vec::new();

    // ---- The collector: a tube opened online, two people scanned with no signal ----
    let round = int(db, "SELECT MAX(id) FROM test_rounds", vec![]).await?;
    // A site of the collector's with two people of its area not sampled yet.
    let sites = db
        .query(
            "SELECT s.id, s.path FROM test_collectors c JOIN test_sites s ON s.id = c.site_id \
             JOIN accounts a ON a.id = c.account_id \
             WHERE a.username = 'demo-collector' AND s.round_id = $1 ORDER BY s.id",
            wardline::args![round],
        )
        .await
        .map_err(|e| e.to_string())?;
    let (mut site_id, mut people) = (0, Vec::<String>::new());
    for s in &sites {
        let path = s.string(1);
        people = db
            .column(
                "SELECT r.doc_number FROM residents r WHERE r.path >= $1 AND r.path < $2 \
                 AND r.doc_type = 'id_card' AND NOT EXISTS (SELECT 1 FROM test_samples x \
                 WHERE x.round_id = $3 AND x.resident_id = r.id) ORDER BY r.id LIMIT 2",
                wardline::args![path.as_str(), format!("{path}~"), round],
            )
            .await
            .map_err(|e| e.to_string())?;
        site_id = s.int(0);
        if people.len() == 2 {
            break;
        }
    }
    ensure!(
        people.len() == 2,
        "two unsampled people at the site: {people:?}"
    );

    b.goto(&format!("{base}/lang/en?next=/login")).await?;
    sign_in(b, "demo-collector").await?;
    let page = format!("{base}/testing/rounds/{round}/collect?site={site_id}");
    b.goto(&page).await?;
    weights.push(("collector's scan page", weight(b).await?));
    through_worker(b, &page).await?;
    let barcode = "OFFLINE-0001";
    b.fill("#barcode", barcode).await?;
    let open = b.find("#open-tube").await?;
    b.click(&open).await?;
    b.wait_text("#replies", "opened").await?;
    // The page answered the form in place; the tube's own address is its forms'.
    let tube_page = b
        .js("return document.getElementById('add-form').action;")
        .await?
        .as_str()
        .unwrap_or("")
        .to_owned();
    ensure!(tube_page.contains("tube="), "the tube's page: {tube_page}");
    // The tube's page kept by the worker (loaded once through it).
    b.goto(&tube_page).await?;
    b.find("#add-form").await?;

    network(b, false).await?;
    ensure!(
        b.js("return navigator.onLine;").await? == json!(false),
        "the page is offline"
    );
    for p in &people {
        b.fill("#person", p).await?;
        let add = b.find("#add-person").await?;
        b.click(&add).await?;
    }
    wait_waiting(b, 2).await?;
    b.screenshot("offline-collector-waiting").await?;
    ensure!(
        int(
            db,
            "SELECT COUNT(*) FROM test_samples WHERE round_id = $1 AND barcode = $2",
            wardline::args![round, barcode]
        )
        .await?
            == 0,
        "nothing reached the server while offline"
    );
    // Closed and opened again with no signal: the page from the phone, the queue kept.
    reopen(b, &tube_page).await?;
    b.find("#add-form").await?;
    wait_waiting(b, 2).await?;
    let online = b.js("return navigator.onLine;").await?;
    let sent = int(
        db,
        "SELECT COUNT(*) FROM test_samples WHERE round_id = $1 AND barcode = $2",
        wardline::args![round, barcode],
    )
    .await?;
    ensure!(
        online == json!(false) && sent == 0,
        "reopened offline: onLine {online}, {sent} samples on the server"
    );
    // Signing out would delete what waits: the page asks first, and "cancel" keeps all of it.
    // (The button sits in the folded menu on a phone; the form is sent as the button does.)
    b.js("document.querySelector(\"form[action='/logout']\").requestSubmit(); return 0;")
        .await?;
    let asked = alert_text(b).await?;
    ensure!(
        asked.contains("2 actions have not been sent"),
        "sign-out with 2 waiting asks first: {asked:?}"
    );
    b.cmd("POST", "/alert/dismiss", Some(json!({}))).await?;
    b.find("#add-form").await?;
    wait_waiting(b, 2).await?;
    network(b, true).await?;
    let t0 = Instant::now();
    while !waiting(b).await?.is_empty() {
        ensure!(t0.elapsed() < WAIT, "the queue was not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = b.wait_text("#offline-box", "Sent").await?;
    ensure!(
        shown.matches("Sent").count() == 2,
        "two outcomes shown: {shown:?}"
    );
    b.screenshot("offline-collector-sent").await?;
    // Opened again online: nothing is left to send, nothing is sent again.
    b.goto(&tube_page).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(waiting(b).await?.is_empty(), "nothing left waiting");
    let samples = int(
        db,
        "SELECT COUNT(*) FROM test_samples WHERE round_id = $1 AND barcode = $2",
        wardline::args![round, barcode],
    )
    .await?;
    let people_in = int(
        db,
        "SELECT COUNT(DISTINCT s.resident_id) FROM test_samples s JOIN residents r \
         ON r.id = s.resident_id WHERE s.round_id = $1 AND s.barcode = $2 \
         AND r.doc_number IN ($3, $4)",
        wardline::args![round, barcode, people[0].as_str(), people[1].as_str()],
    )
    .await?;
    eprintln!(
        "offline: scans queued 2, samples on the server {samples}, distinct people {people_in}"
    );
    ensure!(
        samples == 2 && people_in == 2,
        "each scan once: {samples} samples, {people_in} people"
    );
    sign_out(b).await?;

    // ---- The volunteer: a need claimed and started online, the delivery and "done" with no
    // signal ----
    let token = wardline::access::create_token(db, "demo-community", "e2e")
        .await
        .map_err(|e| format!("{e:?}"))?;
    let officer = wardline::access::authenticate(db, &token)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let community = wardline::cli::DEMO_COMMUNITY;
    let hh = int(
        db,
        "SELECT MIN(id) FROM households WHERE path >= $1 AND path < $2",
        wardline::args![community, format!("{community}~")],
    )
    .await?;
    let actor = wardline::audit::Actor {
        account_id: Some(officer.account_id),
        username: officer.username.clone(),
        ip: "test".into(),
    };
    let need = wardline::needs::intake::create(
        db,
        &actor,
        &officer,
        hh,
        &wardline::needs::intake::NewNeed {
            resident: None,
            for_name: String::new(),
            category: "medicine".into(),
            urgency: "1".into(),
            description: "Offline test: insulin".into(),
            phone: String::new(),
            source: "hotline".into(),
            client_id: String::new(),
            visit: None,
        },
        wardline::db::now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?
    .id;
    sign_in(b, "demo-volunteer").await?;
    let task = format!("{base}/me/needs/{need}");
    b.goto(&task).await?;
    weights.push(("volunteer's task page", weight(b).await?));
    let claim = b.find("#do-claim").await?;
    b.click(&claim).await?;
    b.wait_text(".notice", "It is yours").await?;
    let start = b.find("#do-start").await?;
    b.click(&start).await?;
    b.wait_text(".notice", "First contact").await?;
    through_worker(b, &task).await?;
    b.find("#item-form").await?;

    network(b, false).await?;
    b.set("#item-form select[name=kind]", "medicine").await?;
    b.fill("#item-form input[name=quantity]", "3").await?;
    let save = b.find("#item-form button").await?;
    b.click(&save).await?;
    let done = b.find("#do-done").await?;
    b.click(&done).await?;
    b.accept_confirm().await?;
    wait_waiting(b, 2).await?;
    reopen(b, &task).await?;
    b.find("#item-form").await?;
    b.screenshot("offline-volunteer-reopened").await?;
    network(b, true).await?;
    let t0 = Instant::now();
    while !waiting(b).await?.is_empty() {
        ensure!(t0.elapsed() < WAIT, "the volunteer's queue was not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = b.wait_text("#offline-box", "Sent").await?;
    ensure!(
        shown.matches("Sent").count() == 2,
        "two outcomes shown: {shown:?}"
    );
    b.goto(&task).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let items = int(
        db,
        "SELECT COUNT(*) FROM need_items WHERE need_id = $1",
        wardline::args![need],
    )
    .await?;
    let n = wardline::needs::load(db, need)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "offline: delivery queued 1 item + done, items on the server {items}, status {}",
        n.status
    );
    ensure!(
        items == 1 && n.status == "done",
        "once each: {items} items, {}",
        n.status
    );
    let place = db
        .query_one("SELECT qr_token FROM places ORDER BY id LIMIT 1", vec![])
        .await
        .map_err(|e| e.to_string())?
        .string(0);
    b.goto(&format!("{base}/duty/{place}")).await?;
    weights.push(("duty check-in page", weight(b).await?));
    // ---- The same volunteer on duty at the north gate: a vehicle and a visitor logged with no
    // signal ----
    let checkpoint = int(
        db,
        "SELECT c.place_id FROM checkpoints c JOIN places p ON p.id = c.place_id \
         WHERE p.name = '北门卡口'",
        vec![],
    )
    .await?;
    b.goto(&format!("{base}/checkpoints/{checkpoint}")).await?;
    weights.push(("checkpoint page", weight(b).await?));
    let gate = format!("{base}/checkpoints/{checkpoint}/gate");
    let vehicle = format!("{base}/checkpoints/{checkpoint}/vehicle");
    b.goto(&gate).await?;
    weights.push(("checkpoint gate", weight(b).await?));
    through_worker(b, &gate).await?;
    b.goto(&vehicle).await?;
    b.find("#vehicle-form").await?;
    let cp_path = db
        .query_one(
            "SELECT path FROM places WHERE id = $1",
            wardline::args![checkpoint],
        )
        .await
        .map_err(|e| e.to_string())?
        .string(0);
    let resident = int(
        db,
        "SELECT MAX(id) FROM residents WHERE path >= $1 AND path < $2",
        wardline::args![cp_path.as_str(), wardline::db::path_end(&cp_path)],
    )
    .await?;
    let secret = wardline::access::settings::qr_secret(db)
        .await
        .map_err(|e| e.to_string())?;
    let code = wardline::registry::codes::resident_code(&secret, resident);
    let passes = "SELECT (SELECT COUNT(*) FROM vehicle_passes WHERE place_id = $1) * 1000 \
                  + (SELECT COUNT(*) FROM pass_entries WHERE place_id = $1 AND resident_id IS NULL \
                  AND vehicle_id IS NULL)";
    let before = int(db, passes, wardline::args![checkpoint]).await?;

    network(b, false).await?;
    b.fill("#vehicle-form input[name=plate]", "湘M 0F119")
        .await?;
    b.js(&format!(
        "document.querySelector('#vehicle-form input[name=code]').value = '{code}'; return 1;"
    ))
    .await?;
    let log = b.find("#log-vehicle").await?;
    b.click(&log).await?;
    wait_waiting(b, 1).await?;
    // The gate page from the phone: a visitor typed and let pass.
    reopen(b, &gate).await?;
    b.find("#visitor-form").await?;
    wait_waiting(b, 1).await?;
    b.js("document.getElementById('visitor-box').open = true; return 1;")
        .await?;
    let (v_number, _) = e2e_id_numbers();
    b.fill("#visitor-form input[name=number]", &v_number)
        .await?;
    b.fill("#visitor-form input[name=name]", "周晓梅").await?;
    b.fill("#visitor-form input[name=from]", "长沙市雨花区")
        .await?;
    let pass = b.find("#visitor-form #decide-pass").await?;
    b.click(&pass).await?;
    wait_waiting(b, 2).await?;
    ensure!(
        int(db, passes, wardline::args![checkpoint]).await? == before,
        "nothing reached the server while offline"
    );
    network(b, true).await?;
    let t0 = Instant::now();
    while !waiting(b).await?.is_empty() {
        ensure!(t0.elapsed() < WAIT, "the checker's queue was not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = b.wait_text("#offline-box", "Sent").await?;
    ensure!(
        shown.matches("Sent").count() == 2 && !shown.contains("Refused"),
        "two outcomes shown: {shown:?}"
    );
    b.goto(&gate).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(waiting(b).await?.is_empty(), "nothing left waiting");
    let after = int(db, passes, wardline::args![checkpoint]).await?;
    eprintln!(
        "offline: checkpoint vehicle + visitor queued, on the server {} vehicle(s), {} visitor pass(es)",
        (after - before) / 1000,
        (after - before) % 1000
    );
    ensure!(
        after - before == 1001,
        "the vehicle and the visitor once each: {}",
        after - before
    );
    sign_out(b).await?;

    // ---- The grid worker: a check of the worklist ("done, well") with no signal ----
    // A person of the grid put under a home order now, so that today's worklist has a check
    // to do whatever the hour.
    let token = wardline::access::create_token(db, "demo-grid", "e2e")
        .await
        .map_err(|e| format!("{e:?}"))?;
    let grid = wardline::access::authenticate(db, &token)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let root = grid.scope.roots.first().cloned().unwrap_or_default();
    let person = int(
        db,
        "SELECT MIN(r.id) FROM residents r WHERE r.path >= $1 AND r.path < $2 AND NOT EXISTS \
         (SELECT 1 FROM quarantine_orders o WHERE o.resident_id = r.id AND o.status = 'active')",
        wardline::args![root.as_str(), format!("{root}~")],
    )
    .await?;
    let now = wardline::db::now_ms();
    wardline::quarantine::orders::create(
        db,
        &actor,
        &officer,
        person,
        &wardline::quarantine::orders::NewOrder {
            kind: "home".into(),
            reason: "close".into(),
            rule: "7+3".into(),
            start: wardline::quarantine::date_of(wardline::quarantine::day_of(now)),
            ordered_by: "e2e".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    sign_in(b, "demo-grid").await?;
    let worklist = format!("{base}/followup/today");
    b.goto(&worklist).await?;
    weights.push(("follow-up worklist", weight(b).await?));
    through_worker(b, &worklist).await?;
    b.find("#work-checks form[data-quick]").await?;
    let row = b
        .js("return document.querySelector('#work-checks form[data-quick]').closest('li').id;")
        .await?
        .as_str()
        .unwrap_or("")
        .trim_start_matches("c-")
        .parse::<i64>()
        .map_err(|e| format!("the row's check: {e}"))?;
    ensure!(
        check_audits(db, row).await? == 0,
        "check {row} not recorded yet"
    );
    network(b, false).await?;
    let tap = b.find(&format!("#c-{row} form[data-quick] button")).await?;
    b.click(&tap).await?;
    wait_waiting(b, 1).await?;
    ensure!(
        check_audits(db, row).await? == 0,
        "nothing reached the server while offline"
    );
    // The kept row shows as waiting, its buttons off, so it is not tapped twice.
    let queued = b.find(&format!("#c-{row}.queued")).await?;
    ensure!(
        b.prop(&queued, "textContent")
            .await?
            .contains("Waiting to send"),
        "the kept row says it waits"
    );
    let again = b.find(&format!("#c-{row} form[data-quick] button")).await?;
    ensure!(
        b.prop(&again, "disabled").await? == "true",
        "the kept row's button is off"
    );
    b.screenshot("offline-followup-queued").await?;
    reopen(b, &worklist).await?;
    b.find("#work-checks").await?;
    wait_waiting(b, 1).await?;
    b.screenshot("offline-followup-waiting").await?;
    // The grid worker's session runs out (no sign-out) and a volunteer signs in on the same
    // phone: the check kept by the grid worker is not theirs to send, nor shown as theirs.
    end_sessions(db, "demo-grid").await?;
    network(b, true).await?;
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-volunteer").await?;
    b.goto(&format!("{base}/me/needs")).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(
        waiting(b).await?.is_empty(),
        "another account's kept action is not shown as waiting"
    );
    ensure!(
        check_audits(db, row).await? == 0,
        "another account's kept action is not sent"
    );
    // The grid worker signs in again: their page sends it.
    end_sessions(db, "demo-volunteer").await?;
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-grid").await?;
    b.goto(&worklist).await?;
    let t0 = Instant::now();
    while !waiting(b).await?.is_empty() {
        ensure!(t0.elapsed() < WAIT, "the grid worker's queue was not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = b.wait_text("#offline-box", "Sent").await?;
    ensure!(
        shown.matches("Sent").count() == 1 && !shown.contains("Refused"),
        "one outcome shown: {shown:?}"
    );
    b.goto(&worklist).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(waiting(b).await?.is_empty(), "nothing left waiting");
    let status = db
        .query_one(
            "SELECT status, COALESCE(client_id, '') FROM quarantine_checks WHERE id = $1",
            wardline::args![row],
        )
        .await
        .map_err(|e| e.to_string())?;
    let audits = check_audits(db, row).await?;
    eprintln!(
        "offline: follow-up check {row} queued once, status {}, audit entries {audits}",
        status.string(0)
    );
    ensure!(
        status.string(0) == "well" && !status.string(1).is_empty() && audits == 1,
        "the check recorded once: status {}, {audits} audit entries",
        status.string(0)
    );
    for (what, (html, raw, wire)) in &weights {
        eprintln!(
            "offline: page weight, {what}: HTML {html} bytes; first load with CSS, scripts and \
             worker {raw} bytes uncompressed, {wire} gzipped"
        );
        ensure!(
            *wire < 60_000,
            "{what}: {wire} bytes on the wire on first load"
        );
    }
    Ok(())
}

/// End every session of `user` in the database, as if it ran out.
async fn end_sessions(db: &wardline::db::Db, user: &str) -> R<()> {
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    tx.execute(
        "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = $1)",
        wardline::args![user],
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())
}

/// The audit entries of a follow-up check (one per record).
async fn check_audits(db: &wardline::db::Db, check: i64) -> R<i64> {
    int(
        db,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'quarantine_check' AND entity_id = $1",
        wardline::args![check.to_string()],
    )
    .await
}

/// The text of the open alert or confirmation, waiting for it to open.
async fn alert_text(b: &Browser) -> R<String> {
    let t0 = Instant::now();
    loop {
        match b.cmd("GET", "/alert/text", None).await {
            Ok(v) => return Ok(v.as_str().unwrap_or_default().to_owned()),
            Err(e) if t0.elapsed() > WAIT => return Err(format!("no confirmation: {e}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
