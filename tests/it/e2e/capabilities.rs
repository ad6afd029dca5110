//! The browser flows of the capabilities built on the registry: residents' needs, zones,
//! checkpoints, health follow-up, vaccination outreach, supplies and headquarters. The WebDriver
//! client, the set-up (`demo_backend`) and the runner (`in_browser`) are the parent module's.

use super::*;

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

    // 5. A visitor referred to quarantine at a checkpoint of the grid: the officer opens the
    //    referred queue (masked), makes the order; the order is the visitor's, masked.
    common::exec(
        db,
        "INSERT INTO pass_entries (place_id, path, account_id, at_ms, direction, name, phone, \
         doc_type, doc_number, to_place, health_code, test_status, suggestion, decision) \
         VALUES (0, $1, 0, $2, 'in', '欧阳访客', '13900003333', 'id', '110101199001019999', \
         '朝阳社区 5 栋', 'yellow', 'none', 'quarantine', 'quarantine')",
        wardline::args![grid, now - 600_000],
    )
    .await;
    let entry: i64 = db
        .scalar("SELECT MAX(id) FROM pass_entries", wardline::args![])
        .await
        .map_err(|e| e.to_string())?;
    b.goto(&format!("{base}/lang/en?next=/followup")).await?;
    let to_referred = b.find("#to-referred").await?;
    b.click(&to_referred).await?;
    let row = b.wait_text(&format!("#e-{entry}"), "visitor").await?;
    ensure!(
        row.contains("欧**客") && !row.contains("欧阳访客"),
        "{row:?}"
    );
    b.screenshot("quarantine-referred-queue").await?;
    let make = b.find(&format!("#e-{entry} .make-order")).await?;
    b.click(&make).await?;
    b.wait_text("#order-target", "visitor").await?;
    b.fill("#ordered-by", "朝阳社区居委会").await?;
    let submit = b.find("#order-submit").await?;
    b.click(&submit).await?;
    b.wait_text(".notice", "Saved").await?;
    b.wait_text("#order-visitor", "visitor referred at a checkpoint")
        .await?;
    b.screenshot("quarantine-visitor-order").await?;
    let (reason, subject): (String, i64) = {
        let row = db
            .query_one(
                "SELECT o.reason, o.resident_id FROM quarantine_orders o \
                 JOIN quarantine_visitors v ON v.order_id = o.id WHERE v.entry_id = $1",
                wardline::args![entry],
            )
            .await
            .map_err(|e| e.to_string())?;
        (row.string(0), row.int(1))
    };
    ensure!(reason == "checkpoint" && subject < 0, "{reason} {subject}");
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
    let code = url.rsplit("area=").next().unwrap_or("").to_owned();
    ensure!(code.len() == 12, "ended at {url}, not a community");
    // From the community's overview, today's briefing of that community, copied.
    let brief = b.find("#hq-briefing").await?;
    b.click(&brief).await?;
    b.wait_url("the community's briefing", |p| {
        p.starts_with("/hq/briefing") && p.contains(code.as_str())
    })
    .await?;
    let text = b.text_of("#brief-text").await?;
    ensure!(text.contains("社区"), "the community's briefing: {text}");
    fits_360(b, "the community's briefing").await?;
    // Each number links to its records and is a 40-px tap target on the phone.
    let low = b
        .js("var a = document.querySelectorAll('#brief-text a.num'); var m = 1e9; \
             for (var i = 0; i < a.length; i++) m = Math.min(m, a[i].getBoundingClientRect().height); \
             return a.length > 0 ? m : -1;")
        .await?;
    ensure!(
        low.as_f64().is_some_and(|h| h >= 39.5),
        "the smallest number link is {low} px tall"
    );
    let copy = b.find("button[data-copy=brief-plain]").await?;
    b.click(&copy).await?;
    let selected = b
        .js("var t = document.getElementById('brief-plain'); return t.selectionEnd - t.selectionStart === t.value.length && t.value.length > 20;")
        .await?;
    ensure!(
        selected == Value::Bool(true),
        "the community's plain text is selected for copying"
    );
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

// ---- Commendations (issue 18): an officer proposes a volunteer on a phone, HQ approves, the
// printable list and the certificate ----

#[test]
fn browser_commendation_proposed_approved_printed() {
    on_big_stack("e2e-commendations", commendations_browser_test);
}

async fn commendations_browser_test() {
    if !browser_here("commendations browser test") {
        return;
    }
    let t = demo_backend(1500).await;
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-commendations", &t, addr, PHONE, commendations_flow).await;
}

async fn commendations_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    let vid: i64 = db
        .scalar(
            "SELECT MIN(id) FROM volunteers WHERE status = 'approved'",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    // 1. The community officer proposes a volunteer with a citation.
    b.goto(&format!("{base}/login")).await?;
    sign_in(b, "demo-community").await?;
    b.goto(&format!("{base}/hq/commendations")).await?;
    b.find("#comm-propose").await?;
    fits_360(b, "the commendations page").await?;
    b.set("#comm-subject", &format!("volunteer:{vid}")).await?;
    b.fill(
        "#comm-propose textarea[name=citation]",
        "坚守卡口十余日，风雨无阻。",
    )
    .await?;
    let send = b.find("#comm-submit").await?;
    b.click(&send).await?;
    b.wait_url("the proposal", |p| p.contains("done=proposed"))
        .await?;
    b.find("#comm-record").await?;
    fits_360(b, "the proposal").await?;
    let url = b.url().await?;
    let path = url.split(&base).nth(1).unwrap_or("").to_owned();
    let page = path.split('?').next().unwrap_or("").to_owned();
    open_menu(b).await?;
    let logout = b.find("#nav-logout").await?;
    b.click(&logout).await?;
    b.wait_url("the sign-in page", |p| p.starts_with("/login"))
        .await?;
    // 2. HQ approves it.
    sign_in(b, "demo-hq").await?;
    b.goto(&format!("{base}{page}")).await?;
    let approve = b.find("#comm-approve").await?;
    b.click(&approve).await?;
    b.wait_url("the decision", |p| p.contains("done=decided"))
        .await?;
    b.wait_text("#comm-state", "已批准").await?;
    // 3. The printable list and the certificate.
    b.goto(&format!("{base}/hq/honours")).await?;
    b.wait_text("#comm-honours", "坚守卡口").await?;
    fits_360(b, "the printable list").await?;
    b.goto(&format!("{base}{page}/certificate")).await?;
    b.wait_text("#comm-certificate", "荣誉证书").await?;
    fits_360(b, "the certificate").await?;
    let print = b.find("button[data-print]").await?;
    ensure!(
        b.prop(&print, "hidden").await? == "false",
        "the print button shows where the script runs"
    );
    Ok(())
}
