//! The demo city's health follow-up: a dozen households of the demo grid under home quarantine
//! (a few dozen people) started over the last days, their checks in every state (done well,
//! a fever referred, not attempted, missed, two missed in a row escalated, still to do), and
//! the grid's households paired with the demo volunteer and the branch secretary, some
//! contacted today; a visitor referred at a checkpoint under a home order, another waiting in
//! the referred queue.

use super::checks::{self, Input};
use super::orders::{self, NewOrder};
use super::pairings::{self, LogInput};
use super::{date_of, day_of, day_start};
use crate::db::{now_ms, path_end, Db};
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader, DEMO_COMMUNITY};

const HOUR: i64 = 3_600_000;

/// Once, when there are no orders yet. Returns how many people are under quarantine.
pub async fn create(db: &Db) -> Result<Option<usize>, AppError> {
    if db
        .query_opt("SELECT id FROM quarantine_orders LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let grid = demo_reader(db, "demo-grid").await?;
    let community = crate::registry::areas::by_code(db, DEMO_COMMUNITY)
        .await?
        .ok_or(AppError::NotFound)?;
    // The demo grid's households first, then the community's.
    let households: Vec<i64> = db
        .column(
            "SELECT h.id FROM households h WHERE h.path >= $1 AND h.path < $2 \
             AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id) ORDER BY h.path, h.id LIMIT 30",
            crate::args![community.path.as_str(), path_end(&community.path)],
        )
        .await?;
    if households.len() < 3 {
        return Ok(None);
    }
    let by = demo_actor(&officer);
    let now = now_ms();
    let today = day_of(now);
    let mut rng = crate::rng::Rng::new(15);
    let mut ids = Vec::new();
    for (i, hh) in households.iter().enumerate() {
        let start = today - (i as i64 % 6);
        let f = NewOrder {
            kind: if i % 5 == 4 { "monitor" } else { "home" }.into(),
            reason: ["close", "returnee", "secondary", "pooled"][i % 4].into(),
            rule: if i % 3 == 0 { "home7" } else { "7+3" }.into(),
            start: date_of(start),
            ordered_by: "零陵区疫情防控指挥部".into(),
            document: format!("零防控〔2026〕{}号", 30 + i),
            client_id: format!("demo-order-{hh}"),
            ..Default::default()
        };
        let at = (day_start(start) + 8 * HOUR).min(now);
        ids.extend(
            orders::create_household(db, &by, &officer, *hh, &f, at)
                .await?
                .ids,
        );
    }
    // The checks of the days before today, recorded (or not) as they would have been.
    for (n, id) in ids.iter().enumerate() {
        let o = orders::fetch(db, *id).await?;
        let mut tx = db.begin().await?;
        for d in o.start_day..=today {
            checks::generate_for_order(&mut tx, *id, d).await?;
        }
        tx.commit().await?;
        let list = checks::of_order(db, *id, 100).await?;
        let escalate = n == 3;
        for (k, c) in list.iter().rev().enumerate() {
            let last_two = k + 2 >= list.len();
            let window_passed = c.late_ms < now;
            if !window_passed || (escalate && c.day < today && k + 4 >= list.len()) {
                continue; // still to do, or missed (two in a row for one person)
            }
            let roll = rng.below(100);
            let at = (c.due_ms + rng.range(10, 300) * 60_000).min(now);
            let input = if roll < 6 {
                Input {
                    temperature: "38.1".into(),
                    symptoms: vec!["cough".into(), "fever".into()],
                    ..Default::default()
                }
            } else if roll < 12 && !last_two {
                Input {
                    outcome: "not_attempted".into(),
                    reason: "not_home".into(),
                    ..Default::default()
                }
            } else if roll < 20 {
                continue; // missed
            } else {
                Input {
                    temperature: format!("36.{}", rng.range(2, 8)),
                    ..Default::default()
                }
            };
            match grid.as_ref().filter(|g| g.scope.contains(&c.path)) {
                Some(g) => checks::record(db, &demo_actor(g), g, c.id, &input, at).await?,
                None => checks::record(db, &by, &officer, c.id, &input, at).await?,
            };
        }
    }
    // A visitor referred at a checkpoint ordered into home quarantine (the other referrals
    // wait in the queue).
    let referred = super::referred::queue(db, &officer, now).await?;
    if let Some(x) = referred.iter().rev().find(|x| x.who == "visitor") {
        let f = NewOrder {
            kind: "home".into(),
            reason: "checkpoint".into(),
            rule: "7+3".into(),
            start: date_of(today),
            ordered_by: "朝阳社区居委会".into(),
            document: "零防控〔2026〕80号".into(),
            client_id: format!("demo-visitor-{}", x.entry_id),
            ..Default::default()
        };
        super::visitors::order(db, &by, &officer, x.entry_id, &f, now).await?;
    }
    checks::sweep(db, now).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO quarantine_days (day, orders, generated_ms) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
        crate::args![today, ids.len() as i64, now],
    )
    .await?;
    tx.commit().await?;
    // Pairings: the demo volunteer holds ten households, the branch secretary the rest.
    for (user, limit) in [("demo-volunteer", 10), ("demo-branch", 30)] {
        if let Some(who) = demo_reader(db, user).await? {
            pairings::pair_area(
                db,
                &by,
                &officer,
                &community.path,
                who.account_id,
                limit,
                now,
            )
            .await?;
            for (k, p) in pairings::mine(db, who.account_id, 100)
                .await?
                .iter()
                .enumerate()
            {
                if k % 3 == 2 {
                    continue;
                }
                let f = LogInput {
                    outcome: ["well", "well", "unreached", "needs"][k % 4].into(),
                    client_id: format!("demo-contact-{}", p.household_id),
                    ..Default::default()
                };
                pairings::log_contact(db, &demo_actor(&who), &who, p.household_id, &f, now).await?;
            }
        }
    }
    Ok(Some(ids.len()))
}
