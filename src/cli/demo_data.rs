//! The demo data the command line loads: the demo city, one account per role, and a testing
//! round and a mobilization over the demo community (each once, on an empty database).

use crate::access;
use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader};
use crate::registry::{areas, demo};

pub(super) async fn run_demo(
    db: &Db,
    opts: &demo::DemoOptions,
) -> Result<demo::DemoStats, AppError> {
    let total = opts.people;
    let started = std::time::Instant::now();
    let last = std::sync::Mutex::new(std::time::Instant::now());
    let progress = move |n: u64| {
        let mut l = last.lock().expect("progress lock");
        if l.elapsed().as_secs_f64() >= 1.0 || n == total {
            *l = std::time::Instant::now();
            let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!("demo: {n} / {total} residents ({:.0}/s)", rate);
        }
    };
    demo::generate(db, opts, &progress).await
}

/// Demo accounts, one per role: (username, role, scope code). The grid worker's scope is the
/// first grid of the first community.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("demo-admin", "admin", "431102"),
    ("demo-hq", "hq", "431102"),
    ("demo-street", "street", "431102001"),
    ("demo-community", "community", "431102001001"),
    ("demo-grid", "grid", "431102001001/G0001"),
    ("demo-branch", "branch", "431102001001"),
    ("demo-volunteer", "volunteer", "431102001001"),
    ("demo-auditor", "auditor", "431102"),
    ("demo-collector", "collector", "431102001001"),
    ("demo-lab", "lab", "431102"),
    ("demo-medic", "medic", "431102001001"),
    ("demo-keeper", "keeper", "431102001"),
];

/// The name a demo account's person goes by (pages show people by name, not by login).
pub fn demo_person(username: &str) -> &'static str {
    match username {
        "demo-admin" => "李明",
        "demo-hq" => "张卫东",
        "demo-street" => "刘芳",
        "demo-community" => "陈静",
        "demo-grid" => "王芳",
        "demo-branch" => "赵建国",
        "demo-volunteer" => "孙丽",
        "demo-auditor" => "周敏",
        "demo-collector" => "吴强",
        "demo-lab" => "郑华",
        "demo-medic" => "黄医生",
        "demo-keeper" => "周建国",
        _ => "演示用户",
    }
}

/// The password of every demo account (printed at start; demo databases only).
pub const DEMO_PASSWORD: &str = "wardline-demo";

pub(super) async fn load_demo_if_empty(db: &Db, config: &Config) -> Result<(), AppError> {
    let any = db
        .query_opt("SELECT id FROM residents LIMIT 1", vec![])
        .await?;
    if any.is_some() {
        return Ok(());
    }
    println!(
        "Empty database: loading a demo city of {} people under {} …",
        config.demo_people, config.demo_area
    );
    let opts = demo::DemoOptions {
        people: config.demo_people,
        seed: 1,
        under: config.demo_area.clone(),
    };
    let stats = run_demo(db, &opts).await?;
    println!(
        "Demo city: {} residents in {} households, {} grids, {} communities/villages ({:.1}s)",
        stats.residents, stats.households, stats.grids, stats.communities, stats.seconds
    );
    create_demo_accounts(db).await
}

/// Create the demo accounts that do not exist yet.
pub async fn create_demo_accounts(db: &Db) -> Result<(), AppError> {
    for (user, role, scope) in DEMO_ACCOUNTS {
        if areas::by_code(db, scope).await?.is_none() {
            continue;
        }
        let a = access::NewAccount {
            username: user,
            display_name: demo_person(user),
            role,
            scope_codes: &[scope.to_string()],
            password: Some(DEMO_PASSWORD),
        };
        match access::create_account_as(db, &crate::audit::Actor::cli(), &a).await {
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(super) async fn print_demo_tokens(db: &Db) -> Result<(), AppError> {
    create_demo_accounts(db).await?;
    println!(
        "Demo sign-ins (password for each: {DEMO_PASSWORD}; demo-admin enrols a TOTP second factor at first sign-in):"
    );
    for (user, role, scope) in DEMO_ACCOUNTS {
        println!("  {user:<15} {role:<10} scope {scope}");
    }
    println!("Demo API tokens (new on every start; use as `Authorization: Bearer TOKEN`):");
    for (user, role, scope) in DEMO_ACCOUNTS {
        if let Ok(token) = access::create_token(db, user, "demo").await {
            println!("  {user:<15} {role:<10} scope {scope:<13} {token}");
        }
    }
    Ok(())
}

/// An area's code and name.
struct CodeName {
    code: String,
    name: String,
}
crate::from_row!(CodeName { code, name });

/// A resident of the demo, in its household.
struct DemoPerson {
    id: i64,
    household_id: i64,
    path: String,
}
crate::from_row!(DemoPerson {
    id,
    household_id,
    path
});

/// A demo shift's times.
struct Shift {
    id: i64,
    starts_ms: i64,
    ends_ms: i64,
}
crate::from_row!(Shift {
    id,
    starts_ms,
    ends_ms
});

/// The demo district's community with the demo grid (declared by the registry's demo), and its street.
pub use crate::registry::demo::DEMO_COMMUNITY;
const DEMO_STREET: &str = "431102001";

/// Operations per submission when the demo round is recorded.
const DEMO_OPS_PER_SUBMISSION: usize = 4_000;

/// Once, when there is no testing round yet: a round over the demo district open today
/// (06:00–22:00 China time, or from an hour ago for twelve hours when started outside that),
/// pooling 10 per tube; the first grid of the street's second community sealed off (one person
/// per tube there, sampled by a door-to-door team); a fixed site per community of the demo
/// street (demo-collector at each); about 70% of the demo community sampled and 40–95% of the
/// street's other communities, so the street's view has laggards; results for most tubes (one
/// invalid, so re-sample tasks show), a few exemptions and a walk-in. Returns the samples
/// taken, or `None` when nothing was created.
pub async fn create_demo_round(db: &Db) -> Result<Option<usize>, AppError> {
    use crate::testing::{self, ingest, results};
    if db
        .query_opt("SELECT id FROM test_rounds LIMIT 1", vec![])
        .await?
        .is_some()
        || areas::by_code(db, DEMO_COMMUNITY).await?.is_none()
    {
        return Ok(None);
    }
    let (Some(hq), Some(officer), Some(collector), Some(lab)) = (
        demo_reader(db, "demo-hq").await?,
        demo_reader(db, "demo-community").await?,
        demo_reader(db, "demo-collector").await?,
        demo_reader(db, "demo-lab").await?,
    ) else {
        return Ok(None);
    };
    const HOUR: i64 = 3_600_000;
    let now = crate::db::now_ms();
    let midnight = (now + testing::CST_MS).div_euclid(24 * HOUR) * 24 * HOUR - testing::CST_MS;
    let (mut starts, mut ends) = (midnight + 6 * HOUR, midnight + 22 * HOUR);
    if !(starts..ends - HOUR).contains(&now) {
        (starts, ends) = (now - HOUR, now + 12 * HOUR);
    }
    let by_hq = demo_actor(&hq);
    let id = testing::create_round(
        db,
        &by_hq,
        &hq,
        &testing::NewRound {
            area: "431102".into(),
            name: "第1轮全员核酸检测".into(),
            starts: starts.to_string(),
            ends: ends.to_string(),
            pool_size: "10".into(),
        },
    )
    .await?;
    let round = testing::round_by_id(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The street's communities with people, each with a fixed site.
    let communities: Vec<CodeName> = db
        .query_as(
            "SELECT a.code, a.name FROM areas a WHERE a.parent_id = $1 \
             AND EXISTS (SELECT 1 FROM households h WHERE h.path >= a.path AND h.path < a.path || '~') \
             ORDER BY a.code",
            crate::args![DEMO_STREET.parse::<i64>().unwrap_or_default()],
        )
        .await?;
    let mut sites = Vec::new();
    for c in &communities {
        let site = testing::add_site(
            db,
            &by_hq,
            &hq,
            &round,
            &c.code,
            &format!("{}核酸采样点", c.name),
            "fixed",
        )
        .await?;
        testing::add_collector(db, &by_hq, &hq, site, "demo-collector").await?;
        sites.push((c.code.clone(), site));
    }
    // The sealed zone: single tubes, a door-to-door team.
    let sealed = match communities.iter().find(|c| c.code != DEMO_COMMUNITY) {
        Some(c) => areas::by_code(db, &format!("{}/G0001", c.code)).await?,
        None => None,
    };
    let door_site = match &sealed {
        Some(g) => {
            testing::set_pool_rule(db, &by_hq, &hq, &round, &g.code, "1").await?;
            let s = testing::add_site(db, &by_hq, &hq, &round, &g.code, "封控区入户采样队", "door")
                .await?;
            testing::add_collector(db, &by_hq, &hq, s, "demo-collector").await?;
            Some(s)
        }
        None => None,
    };
    let mut rng = crate::rng::Rng::new(7);
    let mut ops = Vec::new();
    let mut cid = 0;
    let mut op = |tube: &str, kind: ingest::OpKind| {
        cid += 1;
        ingest::Op {
            client_id: format!("demo-{cid}"),
            tube: tube.to_owned(),
            kind,
            taken_ms: None,
        }
    };
    // Collectors name people by their personal code (as a scan would), not by record id.
    let secret = crate::testing::qr_secret(db).await?;
    let add = |id: i64| ingest::OpKind::Add {
        person: ingest::PersonRef::Qr(crate::testing::resident_code(&secret, id)),
        confirm: None,
    };
    let (mut tubes, mut singles, mut exempt) = (Vec::new(), 0, Vec::new());
    for (ci, (code, site)) in sites.iter().enumerate() {
        let home = code == DEMO_COMMUNITY;
        let share = if home {
            700
        } else {
            rng.range(400, 950) as u32
        };
        let people: Vec<DemoPerson> = db
            .query_as(
                "SELECT r.id, r.household_id, r.path FROM residents r \
                 WHERE r.path >= $1 AND r.path < $2 ORDER BY r.path, r.household_id, r.id",
                crate::args![code.as_str(), crate::db::path_end(code)],
            )
            .await?;
        // Whole households missing, and single members.
        let (mut skip_hh, mut last_hh) = (false, -1);
        let mut pooled = Vec::new();
        for r in &people {
            if r.household_id != last_hh {
                last_hh = r.household_id;
                skip_hh = rng.chance((1000 - share) * 2 / 3);
            }
            if skip_hh || rng.chance((1000 - share) / 3) {
                if home {
                    exempt.push(r.id);
                }
                continue;
            }
            match (&sealed, door_site) {
                (Some(g), Some(door)) if r.path.starts_with(g.path.as_str()) => {
                    singles += 1;
                    let tube = format!("S{singles:06}");
                    ops.push(op(
                        &tube,
                        ingest::OpKind::Open {
                            site_id: Some(door),
                        },
                    ));
                    ops.push(op(&tube, add(r.id)));
                    tubes.push(tube);
                }
                _ => pooled.push(r.id),
            }
        }
        let chunks: Vec<&[i64]> = pooled.chunks(10).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let tube = format!("T{:02}{:04}", ci + 1, i + 1);
            ops.push(op(
                &tube,
                ingest::OpKind::Open {
                    site_id: Some(*site),
                },
            ));
            for &p in chunk.iter() {
                ops.push(op(&tube, add(p)));
            }
            if chunk.len() < 10 {
                if home && i + 1 == chunks.len() && chunk.len() < 9 {
                    // A walk-in: a visitor with a passport, waiting for the grid worker.
                    ops.push(op(
                        &tube,
                        ingest::OpKind::Add {
                            person: ingest::PersonRef::WalkIn {
                                doc_type: Some("passport".into()),
                                number: "E12345678".into(),
                                name: "王小明".into(),
                                phone: Some("13800001234".into()),
                            },
                            confirm: None,
                        },
                    ));
                }
                ops.push(op(&tube, ingest::OpKind::Close));
            }
            tubes.push(tube);
        }
    }
    // Sent as a device would, a few thousand operations at a time, in order: one submission
    // of a large city's day would bind more parameters in its look-ups than a statement takes
    // (SQLite 32,766; PostgreSQL 65,535).
    let mut outs = Vec::with_capacity(ops.len());
    for part in ops.chunks(DEMO_OPS_PER_SUBMISSION) {
        let sub = ingest::Submission {
            reader: collector.clone(),
            round: round.clone(),
            ops: part.to_vec(),
            offline: false,
        };
        outs.extend(ingest::apply(db, &[&sub]).await?.remove(0));
    }
    let taken = outs
        .iter()
        .filter(|o| o.status == ingest::Status::Accepted && o.code == "added")
        .count();
    // Results for all but the last few tubes: negative, one invalid.
    let done = tubes.len().saturating_sub(4);
    let lines: Vec<results::ResultLine> = tubes[..done]
        .iter()
        .enumerate()
        .map(|(i, t)| results::ResultLine {
            tube: t.clone(),
            result: if i == 2 { "invalid" } else { "negative" }.into(),
            row: 0,
        })
        .collect();
    if !lines.is_empty() {
        results::record(db, &demo_actor(&lab), &lab, &round, &lines, 1).await?;
    }
    // A few exemptions among the demo community's missing.
    for (&rid, (reason, note)) in exempt.iter().zip([
        ("hospital", "市中心医院住院"),
        ("away", "在外地务工"),
        ("away", "出差"),
    ]) {
        results::exempt(
            db,
            &demo_actor(&officer),
            &officer,
            &round,
            rid,
            reason,
            note,
        )
        .await?;
    }
    Ok(Some(taken))
}

/// Once, when there is no sign-up link yet: the demo community's volunteers and roster. Units,
/// a sign-up link, 60 sign-ups (48 approved, 2 rejected, the rest waiting), the first approved
/// one behind the demo-volunteer account; two gate checkpoints with three 8-hour shifts round
/// the clock and a sampling site with a day shift needing a medic, for this week, auto-filled;
/// the past shifts checked in and out (a few no-shows); a temporary party branch at the north
/// gate and a delivery team, and a care visit whose need the branch follows up. Returns the
/// placements made, or `None` when nothing was created.
pub async fn create_demo_mobilization(db: &Db) -> Result<Option<i64>, AppError> {
    use crate::mobilization::{autofill, branches, duty, roster, rules, volunteers};
    if db
        .query_opt("SELECT id FROM signup_links LIMIT 1", vec![])
        .await?
        .is_some()
        || areas::by_code(db, DEMO_COMMUNITY).await?.is_none()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let actor = demo_actor(&officer);
    let mut units = Vec::new();
    for name in [
        "市司法局",
        "市教育局",
        "区卫健局",
        "市税务局",
        "区城管局",
        "市住建局",
    ] {
        units.push(volunteers::add_unit(db, &actor, &officer, name).await?);
    }
    let area = areas::by_code(db, DEMO_COMMUNITY)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = volunteers::create_link(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        &format!("{}志愿者招募", area.name),
    )
    .await?;
    let mut rng = crate::rng::Rng::new(5);
    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高",
        "林",
    ];
    const GIVEN: &[&str] = &[
        "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
        "超", "秀英", "建华", "志强", "海燕",
    ];
    let mut ids = Vec::new();
    for i in 0..60i64 {
        let birth = format!(
            "{}{:02}{:02}",
            1965 + rng.range(0, 34),
            rng.range(1, 12),
            rng.range(1, 28)
        );
        let first17 = format!("431102{birth}{:03}", 100 + i);
        let doc = format!(
            "{first17}{}",
            crate::registry::validate::check_char(first17.as_bytes()) as char
        );
        let mut skills = Vec::new();
        if rng.chance(150) {
            skills.push("medical".to_owned());
        }
        if rng.chance(200) {
            skills.push("driving".to_owned());
        }
        if rng.chance(80) {
            skills.push("counselling".to_owned());
        }
        let daytime = rng.chance(200);
        let f = volunteers::SignUp {
            name: format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
            doc_type: "id_card".into(),
            doc_number: doc,
            phone: format!("139{:08}", 7_310_000 + i),
            unit: rng.pick(&units).to_string(),
            political: if rng.chance(550) {
                "party"
            } else if rng.chance(300) {
                "league"
            } else {
                "none"
            }
            .into(),
            skills,
            from: if daytime {
                "07:00".into()
            } else {
                String::new()
            },
            to: if daytime {
                "19:00".into()
            } else {
                String::new()
            },
            health_ok: true,
            wants_account: i == 0,
            ..Default::default()
        };
        ids.push(
            volunteers::sign_up(db, &link, &format!("demo-{i}"), &f)
                .await?
                .id,
        );
    }
    for (i, id) in ids.iter().enumerate() {
        match i {
            0..48 => {
                volunteers::screen(db, &actor, &officer, *id, "approved", "").await?;
            }
            48..50 => {
                volunteers::screen(
                    db,
                    &actor,
                    &officer,
                    *id,
                    "rejected",
                    "健康承诺信息不完整，请补充后重新报名",
                )
                .await?;
            }
            _ => {}
        }
    }
    // The demo volunteer account stands for the first approved volunteer.
    if let Some(account_id) = db
        .scalar_opt::<i64>(
            "SELECT id FROM accounts WHERE username = 'demo-volunteer'",
            vec![],
        )
        .await?
    {
        let mut tx = db.begin().await?;
        tx.execute(
            "UPDATE volunteers SET account_id = $1 WHERE id = $2",
            crate::args![account_id, ids[0]],
        )
        .await?;
        tx.commit().await?;
    }
    let north = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "北门卡口",
        "checkpoint",
    )
    .await?;
    let south = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "南门卡口",
        "checkpoint",
    )
    .await?;
    let site = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "社区广场采样点",
        "site",
    )
    .await?;
    let posts = roster::posts(db).await?;
    let post = |code: &str| {
        posts
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.id)
            .unwrap_or(1)
    };
    let now = crate::db::now_ms();
    let today = rules::day_of(now);
    let monday = today - rules::weekday(today);
    let first_day = rules::ymd(monday);
    for (place, code, times, n, skills) in [
        (
            north,
            "security",
            vec![(0, 480), (480, 960), (960, 1440)],
            2,
            vec![],
        ),
        (
            south,
            "security",
            vec![(0, 480), (480, 960), (960, 1440)],
            2,
            vec![],
        ),
        (site, "sampling", vec![(480, 1020)], 2, vec![]),
        (
            site,
            "medical",
            vec![(480, 1020)],
            1,
            vec!["medical".to_owned()],
        ),
    ] {
        roster::add_shifts(
            db,
            &actor,
            &officer,
            &roster::NewShifts {
                place,
                post: post(code),
                first_day: first_day.clone(),
                days: 7,
                times,
                headcount: n,
                skills,
            },
        )
        .await?;
    }
    let run = autofill::run(
        db,
        &actor,
        &officer,
        &area.path,
        monday * rules::DAY_MS - rules::CST_MS,
        (monday + 7) * rules::DAY_MS - rules::CST_MS,
    )
    .await?;
    // The shifts begun: most checked in around their start (and out around their end when
    // over), a few no-shows.
    let past: Vec<Shift> = db
        .query_as(
            "SELECT a.id, a.starts_ms, a.ends_ms FROM assignments a WHERE a.starts_ms <= $1 ORDER BY a.id",
            crate::args![now],
        )
        .await?;
    for p in past {
        if rng.chance(60) {
            continue;
        }
        let cin = p.starts_ms + rng.range(-15, 10) * 60_000;
        let cout = p.ends_ms + rng.range(-10, 25) * 60_000;
        duty::check_other(db, &actor, &officer, p.id, true, cin.min(now)).await?;
        if cout <= now {
            duty::check_other(db, &actor, &officer, p.id, false, cout).await?;
        }
    }
    // A temporary branch at the north gate with a secretary and members, and a delivery team.
    let branch = branches::create(
        db,
        &actor,
        &officer,
        &branches::NewBranch {
            area: DEMO_COMMUNITY.into(),
            name: "北门卡口临时党支部".into(),
            kind: "temporary".into(),
            attach: "checkpoint".into(),
            place_note: "北门卡口".into(),
            founded: first_day.clone(),
        },
    )
    .await?;
    let party = volunteers::list(
        db,
        &officer,
        &volunteers::Filter {
            status: Some("approved".into()),
            ..Default::default()
        },
        100,
    )
    .await?
    .into_iter()
    .filter(|v| v.political == "party")
    .take(5)
    .collect::<Vec<_>>();
    for (i, v) in party.iter().enumerate() {
        let role = if i == 0 { "secretary" } else { "member" };
        branches::set_member(db, &actor, &officer, branch, v.id, role).await?;
    }
    let team = branches::create_team(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "物资配送组",
        "delivery",
        None,
    )
    .await?;
    for (i, id) in ids.iter().skip(10).take(6).enumerate() {
        branches::set_team_member(db, &actor, &officer, team, *id, i == 0).await?;
    }
    // A care visit to an elderly party member living in the community, with a need the branch
    // follows up.
    if let Some(resident) = db
        .scalar_opt::<i64>(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 AND party_categories <> 0 ORDER BY id LIMIT 1",
            crate::args![area.path.as_str(), crate::db::path_end(&area.path)],
        )
        .await?
    {
        crate::mobilization::visits::record(
            db,
            &actor,
            &officer,
            &crate::mobilization::visits::NewVisit {
                resident,
                branch: Some(branch),
                visited_on: branches::today_cst(),
                visitors: "demo-community".into(),
                situation: "独居，身体尚好，家中物资充足。".into(),
                needs: "降压药周五用完，需代购送药上门。".into(),
                follow_up: true,
            },
        )
        .await?;
    }
    Ok(Some(run.filled))
}

/// Every capability's demo data after the city and the accounts, in the order `serve --demo`
/// loads it (each step skips itself when its data is there): one line per step that made
/// something, for the console. The browser tests load the same through this function.
pub async fn create_demo_capabilities(db: &Db) -> Result<Vec<String>, AppError> {
    let mut lines = vec![];
    if let Some(n) = create_demo_round(db).await? {
        lines.push(format!("Demo testing round: {n} samples taken so far (sign in as demo-grid, demo-community, demo-collector or demo-lab)"));
    }
    if let Some(n) = create_demo_mobilization(db).await? {
        lines.push(format!("Demo volunteers: 60 sign-ups, this week's roster auto-filled with {n} placements (sign in as demo-community or demo-volunteer)"));
    }
    if let Some(n) = crate::needs::demo::create(db).await? {
        lines.push(format!("Demo needs: {n} residents' requests over three days (the queue is at /needs; volunteers see /me/needs)"));
    }
    if let Some(n) = crate::zones::demo::create(db).await? {
        lines.push(format!("Demo zones: {n} in the demo community, one of them lifted (see /zones as demo-street or demo-hq)"));
    }
    if let Some(n) = crate::checkpoints::demo::create(db).await? {
        lines.push(format!("Demo checkpoints: the north and south gates with {n} passes over a day (officers see /checkpoints; demo-volunteer logs at /checkpoints/me)"));
    }
    if let Some(n) = crate::quarantine::demo::create(db).await? {
        lines.push(format!("Demo health follow-up: {n} people under home quarantine in the demo grid (sign in as demo-grid: /followup/today)"));
    }
    if let Some(n) = crate::vaccination::demo::create(db).await? {
        lines.push(format!(
            "Demo vaccination: {n} doses, a worklist with every tick-off reason (at /vaccination)"
        ));
    }
    if let Some(n) = crate::supplies::demo::create(db).await? {
        lines.push(format!("Demo supplies: a depot, two supply points, a week of {n} goods movements and a fund (sign in as demo-keeper; the public page is /public/supplies/431102001)"));
    }
    if let Some(n) = crate::hq::demo::create(db).await? {
        lines.push(format!("Demo HQ overview: {n} area-days of history back-filled (sign in as demo-hq: /hq/overview)"));
    }
    if let Some(n) = crate::hq::reports::demo::create(db).await? {
        lines.push(format!("Demo HQ reports: {n} reports locked at 10:00 and the district's briefing issued (/hq/reports, /hq/briefing)"));
    }
    if let Some(n) = crate::hq::demo::commendations(db).await? {
        lines.push(format!("Demo commendations: {n} proposed by demo-community, two approved by demo-hq (/hq/commendations, /hq/honours)"));
    }
    if let Some(n) = create_demo_notifications(db).await? {
        lines.push(format!("Demo notifications: {n} messages from the demo's events (sign in as demo-volunteer or demo-grid: /notifications; demo-community sees /notifications/sent)"));
    }
    Ok(lines)
}

/// Notifications for the demo (issue 19), raised by the real actions: the demo community's
/// officer assigns an open need to the demo volunteer, then one pass of the per-minute sweep
/// (shifts within the hour, needs late, checks missed). Once: `None` when the demo volunteer
/// has messages already.
pub async fn create_demo_notifications(db: &Db) -> Result<Option<i64>, AppError> {
    use crate::needs::flow::{self, Action, Who};
    struct DemoVolunteer {
        id: i64,
        account_id: i64,
    }
    crate::from_row!(DemoVolunteer { id, account_id });
    let Some(vol) = db
        .query_opt_as::<DemoVolunteer>(
            "SELECT v.id, a.id AS account_id FROM volunteers v \
             JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer'",
            vec![],
        )
        .await?
    else {
        return Ok(None);
    };
    let (vol_id, account) = (vol.id, vol.account_id);
    let have: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM notify_outbox WHERE account_id = $1",
            crate::args![account],
        )
        .await?;
    if have > 0 {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let now = crate::db::now_ms();
    let open = db
        .scalar_opt::<i64>(
            "SELECT id FROM needs WHERE status = 'new' AND path >= $1 AND path < $2 \
             ORDER BY id LIMIT 1",
            crate::args![DEMO_COMMUNITY, crate::db::path_end(DEMO_COMMUNITY)],
        )
        .await?;
    if let Some(need) = open {
        flow::act(
            db,
            &demo_actor(&officer),
            &Who::Staff(&officer),
            need,
            &Action::Assign {
                team: None,
                volunteer: Some(vol_id),
            },
            None,
            now,
        )
        .await?;
    }
    crate::server::scheduled_notifications(db, now).await?;
    Ok(Some(
        db.scalar("SELECT COUNT(*) FROM notify_outbox", vec![])
            .await?,
    ))
}
