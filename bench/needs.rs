//! The `needs` bench (residents' needs): the dispatch queue of one community with `--scale`
//! open needs (default 10,000), and the state machine under concurrency.
//!
//! Setup: a small demo city (3,000 residents) in the demo community 431102001001, the demo
//! accounts, 1,000 approved volunteers serving that community (the first one behind the
//! demo-volunteer account), then `--scale` open needs bulk-inserted over the community's
//! households: new/assigned/claimed/in_progress, urgency 1–4, created over the last three
//! days, each with the escalation level its lateness has earned (as the minute sweep would
//! have set it).
//!
//! 1. The queue page `GET /needs?area=431102001001` as the community officer (demo-community),
//!    over real HTTP to the in-process server, one keep-alive connection: p50/p95/p99 and
//!    bytes, also page 2 and `&urgency=1`; and `GET /me/needs` as demo-volunteer. Target:
//!    p95 < 100 ms. The query plans of the queue's statements go to stderr.
//! 2. Concurrent state changes: 1,000 needs registered through `intake::create`, then 1,000
//!    volunteers released at once, each claiming, starting and finishing its own need through
//!    `flow::act`. Every change must apply: status done, version 3, and the events created,
//!    claimed, started, done once each. Throughput, and latency per change (all 3,000 arrive
//!    at once, so it is mostly time spent queueing behind the others: see `sequential_change`
//!    below for a change alone).
//! 3. The claim race: 200 more needs, 2 to 8 volunteers claiming each at the same instant.
//!    Exactly one wins per need; every loser gets a conflict saying another volunteer claimed
//!    it first; one `claimed` event per need. Then the winners start and finish those needs
//!    one change at a time: the latency of a change without contention, for comparison.
//!    On PostgreSQL the sessions opened during each burst are reported too: a losing claim
//!    drops its transaction unfinished, and the pool then closes that connection.

use std::sync::Arc;
use std::time::Instant;

use wardline::access;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{now_ms, path_end, Backend, Db};
use wardline::error::AppError;
use wardline::mobilization::volunteers::{self, Volunteer};
use wardline::needs::deadlines::Deadlines;
use wardline::needs::flow::{self, Action, Who};
use wardline::needs::intake::{self, NewNeed};
use wardline::needs::CATEGORIES;
use wardline::registry::areas;
use wardline::rng::Rng;

use crate::pages::{session, Client};
use crate::{emit, fresh, percentile, Ctx};

const BENCH: &str = "needs";
const COMMUNITY: &str = "431102001001";
const RESIDENTS: u64 = 3_000;
const VOLUNTEERS: usize = 1_000;
/// Needs claimed concurrently, one per volunteer (at most `VOLUNTEERS`).
const CONCURRENT: usize = 1_000;
/// Needs raced for by several volunteers each.
const RACED: usize = 200;
const SAMPLES: usize = 200;
const WARMUP: usize = 10;
const MINUTE: i64 = 60_000;

const ASKS: &[&str] = &[
    "硝酸甘油片 2 盒，老人心脏不好，家里只剩一天的量",
    "燃气罐用完了，需要换一罐",
    "米面油和蔬菜，一家三口一周的量",
    "周三上午透析，需要车送到市一医院",
    "胰岛素笔芯 3 支",
    "快递柜取件并送上楼",
    "独居老人情绪低落，希望有人打电话聊聊",
    "婴儿奶粉 2 罐（一段）",
];

struct Household {
    id: i64,
    path: String,
    community_id: i64,
    head: String,
    phone: Option<String>,
}

/// Approved volunteers serving the community, written directly (the sign-up path is
/// rate-limited per link and is not what is measured). The first is linked to `account`.
async fn add_volunteers(db: &Db, c: &areas::Area, n: usize, account: i64) {
    let now = now_ms();
    let mut rows = Vec::new();
    for i in 0..n {
        rows.extend(args![
            format!("NB{i:06}"),
            c.id,
            c.path.as_str(),
            c.path.as_str(),
            format!("志愿者{i}"),
            "id_card",
            format!("NB{i:016}"),
            format!("137{i:08}"),
            "none",
            1,
            "approved",
            (i == 0).then_some(account),
            now,
            now
        ]);
    }
    let mut tx = db.begin().await.unwrap();
    tx.bulk_insert(
        "volunteers",
        &[
            "ref_code",
            "area_id",
            "path",
            "home_path",
            "name",
            "doc_type",
            "doc_number",
            "phone",
            "political",
            "health_ok",
            "status",
            "account_id",
            "created_ms",
            "updated_ms",
        ],
        rows,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The escalation level a need has earned by `now` (as `Deadlines::level`, which takes a
/// whole `Need`): 0 on time, 1 late, one more per further span of the contact target, up to 3.
fn level(d: &Deadlines, urgency: i64, since: i64, contacted: bool, now: i64) -> i64 {
    let u = (urgency - 1) as usize;
    let contact = (!contacted).then(|| since + d.contact_min[u] * MINUTE);
    let done = Some(since + d.complete_min[u] * MINUTE);
    match [contact, done]
        .into_iter()
        .flatten()
        .filter(|t| *t <= now)
        .min()
    {
        None => 0,
        Some(late) => (1 + (now - late) / (d.contact_min[u] * MINUTE)).min(3),
    }
}

/// `n` open needs over the households, bulk-inserted; the taken ones held by the volunteers.
async fn open_needs(db: &Db, hh: &[Household], vols: &[Volunteer], n: u64, now: i64) {
    let d = Deadlines::default();
    let mut rng = Rng::new(17);
    let mut rows = Vec::new();
    for i in 0..n as usize {
        let h = &hh[rng.below(hh.len() as u64) as usize];
        let urgency = match rng.below(100) {
            0..=9 => 1,
            10..=29 => 2,
            30..=64 => 3,
            _ => 4,
        };
        let (status, version) = match rng.below(100) {
            0..=54 => ("new", 0),
            55..=69 => ("assigned", 1),
            70..=84 => ("claimed", 1),
            _ => ("in_progress", 2),
        };
        let created = now - rng.range(1, 72 * 60) * MINUTE;
        let contact = (status == "in_progress").then(|| created + rng.range(1, 30) * MINUTE);
        let vol = (status != "new").then(|| vols[i % vols.len()].id);
        rows.extend(args![
            h.id,
            h.head.as_str(),
            h.path.as_str(),
            h.community_id,
            CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize].0,
            urgency,
            ASKS[i % ASKS.len()],
            h.phone.as_deref(),
            if i % 3 == 0 { "grid" } else { "hotline" },
            status,
            1,
            vol,
            version,
            level(&d, urgency, created, contact.is_some(), now),
            "demo-community",
            created,
            created,
            contact
        ]);
    }
    let mut tx = db.begin_bulk().await.unwrap();
    tx.bulk_insert(
        "needs",
        &[
            "household_id",
            "for_name",
            "path",
            "community_id",
            "category",
            "urgency",
            "description",
            "phone",
            "source",
            "status",
            "is_open",
            "volunteer_id",
            "version",
            "escalation",
            "created_by",
            "created_ms",
            "since_ms",
            "first_contact_ms",
        ],
        rows,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    if db.backend() == Backend::Postgres {
        // What autovacuum does within a minute of such a load.
        let mut tx = db.begin().await.unwrap();
        tx.batch("ANALYZE needs; ANALYZE households; ANALYZE volunteers")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// Fetch `url` after a warm-up, `SAMPLES` times; p50/p95/p99 and the page's size.
async fn measure(ctx: &Ctx, client: &mut Client, page: &str, url: &str) -> f64 {
    for _ in 0..WARMUP {
        let (status, _) = client.get(url).await;
        assert_eq!(status, 200, "{url}");
    }
    let mut ms = Vec::with_capacity(SAMPLES);
    let mut bytes = 0;
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let (status, b) = client.get(url).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{url}");
        bytes = bytes.max(b);
    }
    let (b, n) = (ctx.backend, ctx.scale);
    let mut p95 = 0.0;
    for (p, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
        let v = percentile(&mut ms, p);
        if name == "p95" {
            p95 = v;
        }
        emit(BENCH, b, n, &format!("{page}_{name}"), v, "ms");
    }
    emit(BENCH, b, n, &format!("{page}_bytes"), bytes as f64, "B");
    p95
}

/// The query plans of the queue page's statements (to stderr), and each one's time alone.
async fn explain(db: &Db, path: &str, community: i64) {
    // As `flow::queue` and `flow::open_counts` build them for the page.
    let cond = |extra: &str| {
        format!("n.path >= $1 AND n.path < $2 AND n.is_open = 1 AND n.community_id = $3{extra}")
    };
    let count = |extra: &str| format!("SELECT COUNT(*) FROM needs n WHERE {}", cond(extra));
    let page = |extra: &str, limit: i64, offset: i64| {
        format!(
            "SELECT {} FROM {} WHERE {} ORDER BY n.urgency, n.created_ms, n.id LIMIT {limit} OFFSET {offset}",
            wardline::needs::COLS,
            wardline::needs::FROM,
            cond(extra)
        )
    };
    let statements = [
        ("count", count("")),
        ("page", page("", 50, 0)),
        ("page_2", page("", 50, 50)),
        ("count_escalated", count(" AND n.escalation >= 1")),
        ("page_escalated", page(" AND n.escalation >= 1", 20, 0)),
        ("count_urgency_1", count(" AND n.urgency = 1")),
        ("page_urgency_1", page(" AND n.urgency = 1", 50, 0)),
        (
            "open_counts",
            "SELECT status, COUNT(*) FROM needs WHERE path >= $1 AND path < $2 AND is_open = 1 \
             AND community_id = $3 GROUP BY status"
                .to_owned(),
        ),
    ];
    for (name, sql) in statements {
        let params = args![path, path_end(path), community];
        crate::explain_alone(db, name, &sql, params, 20, true).await;
    }
}

/// PostgreSQL: sessions opened on this database so far (a connection the pool throws away
/// is replaced by a new one). SQLite: 0.
async fn pg_sessions(db: &Db) -> i64 {
    if db.backend() != Backend::Postgres {
        return 0;
    }
    // Backends flush their counters at exit or within a second: wait for the stragglers.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    db.query_one(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()",
        vec![],
    )
    .await
    .unwrap()
    .int(0)
}

fn actor_of(v: &Volunteer) -> Actor {
    Actor {
        account_id: None,
        username: v.name.clone(),
        ip: "bench".into(),
    }
}

/// Needs registered one by one through the intake, as an officer would.
async fn register(
    db: &Db,
    actor: &Actor,
    r: &access::Reader,
    hh: &[Household],
    n: usize,
) -> Vec<i64> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let c = intake::create(
            db,
            actor,
            r,
            hh[i % hh.len()].id,
            &NewNeed {
                category: CATEGORIES[i % CATEGORIES.len()].0.into(),
                urgency: (1 + i % 4).to_string(),
                description: ASKS[i % ASKS.len()].into(),
                source: "hotline".into(),
                ..NewNeed::default()
            },
            now_ms(),
        )
        .await
        .unwrap();
        ids.push(c.id);
    }
    ids
}

/// Rows of `need_events` per need and kind, for needs `ids`.
async fn events(db: &Db, ids: &[i64]) -> std::collections::HashMap<(i64, String), i64> {
    let (lo, hi) = (ids.iter().min().unwrap(), ids.iter().max().unwrap());
    db.query(
        "SELECT need_id, kind, COUNT(*) FROM need_events WHERE need_id >= $1 AND need_id <= $2 \
         GROUP BY need_id, kind",
        args![*lo, *hi],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| ((r.int(0), r.string(1)), r.int(2)))
    .collect()
}

/// The state of needs `ids`: id → (status, version, volunteer).
async fn states(
    db: &Db,
    ids: &[i64],
) -> std::collections::HashMap<i64, (String, i64, Option<i64>)> {
    let (lo, hi) = (ids.iter().min().unwrap(), ids.iter().max().unwrap());
    db.query(
        "SELECT id, status, version, volunteer_id FROM needs WHERE id >= $1 AND id <= $2",
        args![*lo, *hi],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int(0), (r.string(1), r.int(2), r.opt_int(3))))
    .collect()
}

pub async fn needs(ctx: &Ctx) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let emit = |metric: &str, value: f64, unit: &str| emit(BENCH, b, scale, metric, value, unit);
    let (db, _url) = fresh(ctx, "needs").await;

    // ---- Setup ----
    let t = Instant::now();
    crate::generated(&db, RESIDENTS, 1, COMMUNITY).await;
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    let community = areas::by_code(&db, COMMUNITY).await.unwrap().unwrap();
    let hh: Vec<Household> = db
        .query(
            "SELECT h.id, h.path, h.community_id, COALESCE(r.name, ''), r.phone FROM households h \
             LEFT JOIN residents r ON r.id = h.head_id WHERE h.path >= $1 AND h.path < $2 ORDER BY h.id",
            args![community.path.as_str(), path_end(&community.path)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| Household {
            id: r.int(0),
            path: r.string(1),
            community_id: r.int(2),
            head: r.string(3),
            phone: r.opt_string(4),
        })
        .collect();
    let vol_account = db
        .query_one(
            "SELECT id FROM accounts WHERE username = 'demo-volunteer'",
            vec![],
        )
        .await
        .unwrap()
        .int(0);
    add_volunteers(&db, &community, VOLUNTEERS, vol_account).await;
    let vols: Vec<Volunteer> = db
        .query_as(
            &format!(
                "SELECT {} FROM {} WHERE v.ref_code LIKE 'NB%' ORDER BY v.id",
                volunteers::COLS,
                volunteers::FROM
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(vols.len(), VOLUNTEERS);
    let t_needs = Instant::now();
    open_needs(&db, &hh, &vols, scale, now_ms()).await;
    emit(
        "insert_open_needs_seconds",
        t_needs.elapsed().as_secs_f64(),
        "s",
    );
    emit("setup_seconds", t.elapsed().as_secs_f64(), "s");
    emit("households", hh.len() as f64, "households");
    let open = db
        .query_one(
            "SELECT COUNT(*) FROM needs WHERE community_id = $1 AND is_open = 1",
            args![community.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(open as u64, scale);
    emit("open_needs", open as f64, "needs");

    // ---- 1. The queue page ----
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_db = db.clone();
    tokio::spawn(async move {
        axum::serve(listener, wardline::server::app(server_db))
            .await
            .unwrap()
    });
    let officer_token = session(&db, "demo-community").await;
    let volunteer_token = session(&db, "demo-volunteer").await;
    let mut officer = Client::new(port, Some(&officer_token)).await;
    let queue = format!("/needs?area={COMMUNITY}");
    let p95 = measure(ctx, &mut officer, "queue", &queue).await;
    measure(ctx, &mut officer, "queue_page2", &format!("{queue}&page=2")).await;
    measure(
        ctx,
        &mut officer,
        "queue_urgency1",
        &format!("{queue}&urgency=1"),
    )
    .await;
    let mut volunteer = Client::new(port, Some(&volunteer_token)).await;
    measure(ctx, &mut volunteer, "me_needs", "/me/needs").await;
    emit("queue_p95_under_100ms", (p95 < 100.0) as i64 as f64, "bool");
    explain(&db, &community.path, community.id).await;

    // ---- 2. 1,000 volunteers, each claiming, starting and finishing its own need ----
    let reader = access::session::lookup(&db, &officer_token)
        .await
        .unwrap()
        .unwrap()
        .reader;
    let officer_actor = Actor {
        account_id: Some(reader.account_id),
        username: reader.username.clone(),
        ip: "bench".into(),
    };
    let t = Instant::now();
    let ids = register(&db, &officer_actor, &reader, &hh, CONCURRENT).await;
    emit(
        "intake_create_ms_mean",
        t.elapsed().as_secs_f64() * 1000.0 / CONCURRENT as f64,
        "ms",
    );
    let sessions = pg_sessions(&db).await;
    let gate = Arc::new(tokio::sync::Barrier::new(CONCURRENT + 1));
    let mut tasks = Vec::with_capacity(CONCURRENT);
    for (id, v) in ids.iter().copied().zip(vols.iter().cloned()) {
        let (db, gate) = (db.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let actor = actor_of(&v);
            let who = Who::Volunteer(&v);
            gate.wait().await;
            let mut out = Vec::new();
            for a in [Action::Claim, Action::Start, Action::Done] {
                let t = Instant::now();
                let r = flow::act(&db, &actor, &who, id, &a, None, now_ms()).await;
                out.push((t.elapsed().as_secs_f64() * 1000.0, r.map(|n| n.version)));
            }
            out
        }));
    }
    gate.wait().await;
    let t = Instant::now();
    let mut ms = Vec::new();
    let mut failed = 0;
    for task in tasks {
        for (lat, r) in task.await.unwrap() {
            ms.push(lat);
            if let Err(e) = r {
                if failed == 0 {
                    eprintln!("  a change failed: {e}");
                }
                failed += 1;
            }
        }
    }
    let wall = t.elapsed().as_secs_f64();
    let changes = ms.len();
    emit("concurrent_volunteers", CONCURRENT as f64, "volunteers");
    emit("concurrent_changes", changes as f64, "changes");
    emit("concurrent_failed", failed as f64, "changes");
    emit("concurrent_seconds", wall, "s");
    emit(
        "concurrent_changes_per_second",
        changes as f64 / wall,
        "changes/s",
    );
    for (p, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
        emit(
            &format!("concurrent_change_{name}"),
            percentile(&mut ms, p),
            "ms",
        );
    }
    if b == Backend::Postgres {
        emit(
            "concurrent_pg_sessions_opened",
            (pg_sessions(&db).await - sessions) as f64,
            "sessions",
        );
    }
    let st = states(&db, &ids).await;
    let ev = events(&db, &ids).await;
    let mut lost = 0;
    for (i, id) in ids.iter().enumerate() {
        let (status, version, vol) = &st[id];
        let ok = status == "done"
            && *version == 3
            && *vol == Some(vols[i].id)
            && ["created", "claimed", "started", "done"]
                .iter()
                .all(|k| ev.get(&(*id, k.to_string())) == Some(&1))
            && ev.keys().filter(|(n, _)| n == id).count() == 4;
        if !ok {
            if lost == 0 {
                eprintln!(
                    "  need {id}: {status} v{version} by {vol:?}, events {:?}",
                    { ev.iter().filter(|((n, _), _)| n == id).collect::<Vec<_>>() }
                );
            }
            lost += 1;
        }
    }
    emit("concurrent_lost_updates", lost as f64, "needs");
    assert_eq!(failed, 0, "every change applies");
    assert_eq!(lost, 0, "every need done, version 3, four events");

    // ---- 3. The claim race: 2–8 volunteers on each need at the same instant ----
    let ids = register(&db, &officer_actor, &reader, &hh, RACED).await;
    let mut rng = Rng::new(23);
    let mut plan = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let k = 2 + (i % 7);
        let first = rng.below(VOLUNTEERS as u64) as usize;
        for j in 0..k {
            plan.push((*id, vols[(first + j * 97) % VOLUNTEERS].clone()));
        }
    }
    let sessions = pg_sessions(&db).await;
    let gate = Arc::new(tokio::sync::Barrier::new(plan.len() + 1));
    let mut tasks = Vec::with_capacity(plan.len());
    for (id, v) in plan {
        let (db, gate) = (db.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let actor = actor_of(&v);
            gate.wait().await;
            let t = Instant::now();
            let r = flow::act(
                &db,
                &actor,
                &Who::Volunteer(&v),
                id,
                &Action::Claim,
                Some(0),
                now_ms(),
            )
            .await;
            (id, v.id, r, t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    gate.wait().await;
    let t = Instant::now();
    let mut wins: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    let (mut attempts, mut losses, mut wrong) = (0, 0, 0);
    let (mut win_ms, mut lose_ms) = (Vec::new(), Vec::new());
    for task in tasks {
        let (id, vol, r, lat) = task.await.unwrap();
        attempts += 1;
        if r.is_ok() {
            win_ms.push(lat);
        } else {
            lose_ms.push(lat);
        }
        match r {
            Ok(n) => {
                assert_eq!(n.volunteer_id, Some(vol));
                wins.entry(id).or_default().push(vol);
            }
            Err(AppError::Conflict(m))
                if m.en.contains("another volunteer claimed this need first") =>
            {
                losses += 1
            }
            Err(e) => {
                if wrong == 0 {
                    eprintln!("  a losing claim was told: {e:?}");
                }
                wrong += 1;
            }
        }
    }
    let wall = t.elapsed().as_secs_f64();
    if b == Backend::Postgres {
        emit(
            "race_pg_sessions_opened",
            (pg_sessions(&db).await - sessions) as f64,
            "sessions",
        );
    }
    let st = states(&db, &ids).await;
    let ev = events(&db, &ids).await;
    let one_winner = ids
        .iter()
        .filter(|id| wins.get(id).map(Vec::len) == Some(1))
        .count();
    let one_event = ids
        .iter()
        .filter(|id| ev.get(&(**id, "claimed".to_owned())) == Some(&1))
        .count();
    let consistent = ids
        .iter()
        .filter(|id| {
            let (status, version, vol) = &st[*id];
            status == "claimed" && *version == 1 && wins.get(*id).map(|w| w[0]) == *vol
        })
        .count();
    emit("race_needs", ids.len() as f64, "needs");
    emit("race_claims", attempts as f64, "claims");
    emit(
        "race_wins",
        wins.values().map(Vec::len).sum::<usize>() as f64,
        "claims",
    );
    emit("race_losses_told_claimed_first", losses as f64, "claims");
    emit("race_losses_told_otherwise", wrong as f64, "claims");
    emit("race_needs_with_one_winner", one_winner as f64, "needs");
    emit(
        "race_needs_with_one_claimed_event",
        one_event as f64,
        "needs",
    );
    emit("race_needs_held_by_winner", consistent as f64, "needs");
    emit("race_seconds", wall, "s");
    for (p, name) in [(0.5, "p50"), (0.95, "p95")] {
        emit(
            &format!("race_win_{name}"),
            percentile(&mut win_ms, p),
            "ms",
        );
        emit(
            &format!("race_loss_{name}"),
            percentile(&mut lose_ms, p),
            "ms",
        );
    }
    assert_eq!(one_winner, ids.len(), "exactly one winner per need");
    assert_eq!(
        wrong, 0,
        "every loser is told another volunteer claimed first"
    );
    assert_eq!(losses + ids.len(), attempts);
    assert_eq!(one_event, ids.len(), "one claimed event per need");
    assert_eq!(consistent, ids.len(), "the need is held by its winner");

    // For comparison with the burst: the winners start and finish their needs one change at
    // a time (no contention), the latency of a change alone.
    let by_id: std::collections::HashMap<i64, &Volunteer> =
        vols.iter().map(|v| (v.id, v)).collect();
    let mut ms = Vec::new();
    for id in &ids {
        let v = by_id[&wins[id][0]];
        for a in [Action::Start, Action::Done] {
            let t = Instant::now();
            flow::act(
                &db,
                &actor_of(v),
                &Who::Volunteer(v),
                *id,
                &a,
                None,
                now_ms(),
            )
            .await
            .unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for (p, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
        emit(
            &format!("sequential_change_{name}"),
            percentile(&mut ms, p),
            "ms",
        );
    }
}
