//! Demo history for `serve --demo`: the last 14 days of every tracked area back-filled from
//! the generated data on first start (event figures are each day's, states today's), so the
//! overview's charts and "change since yesterday" show at once.

use super::history;
use super::metrics::day_of;
use super::overview::DAYS;
use crate::db::{now_ms, Db};
use crate::error::AppResult;

/// Back-fill when no history is stored yet; the number of area-days written.
pub async fn create(db: &Db) -> AppResult<Option<usize>> {
    let any: i64 = db
        .scalar("SELECT COUNT(*) AS n FROM hq_daily", vec![])
        .await?;
    if any > 0 {
        return Ok(None);
    }
    let today = day_of(now_ms());
    let n = history::backfill(db, today, DAYS - 1).await?;
    history::refresh(db, today).await?;
    Ok(Some(n))
}

/// Demo commendations for `serve --demo`, once (when there is none): demo-community proposes
/// the demo volunteers with the most hours on duty, the delivery team and the temporary
/// branch; demo-hq approves the first volunteer and the branch. The number proposed.
pub async fn commendations(db: &Db) -> AppResult<Option<usize>> {
    use super::commendations::{self as comm, Decision, NewCommendation};
    use crate::registry::demo::demo_reader;
    let any: i64 = db
        .scalar("SELECT COUNT(*) AS n FROM hq_commendations", vec![])
        .await?;
    if any > 0 {
        return Ok(None);
    }
    let (Some(officer), Some(hq)) = (
        demo_reader(db, "demo-community").await?,
        demo_reader(db, "demo-hq").await?,
    ) else {
        return Ok(None);
    };
    let actor = |r: &crate::access::Reader| crate::audit::Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "demo".into(),
    };
    // The volunteers with the most service time, then the teams and temporary branches.
    let top: Vec<i64> = db
        .column(
            "SELECT a.volunteer_id AS id FROM assignments a WHERE a.checkout_ms IS NOT NULL \
             GROUP BY a.volunteer_id ORDER BY SUM(a.half_hours) DESC, a.volunteer_id LIMIT 3",
            vec![],
        )
        .await?;
    let mut picks: Vec<(&str, i64, &str)> = top
        .iter()
        .map(|id| {
            (
                "volunteer",
                *id,
                "连续多日在卡口值守，认真核验通行人员，风雨无阻。",
            )
        })
        .collect();
    for s in comm::subjects(db, &officer, "team", 1).await? {
        picks.push((
            "team",
            s.id,
            "组织配送生活物资和药品，做到当日需求当日送达。",
        ));
    }
    for s in comm::subjects(db, &officer, "branch", 1).await? {
        picks.push((
            "branch",
            s.id,
            "把支部建在卡口上，党员带头值守，组织走访独居老人。",
        ));
    }
    let mut ids = Vec::new();
    for (i, (kind, id, citation)) in picks.iter().enumerate() {
        let p = comm::propose(
            db,
            &actor(&officer),
            &officer,
            &NewCommendation {
                subject_kind: (*kind).into(),
                subject_id: Some(*id),
                citation: (*citation).into(),
                client_id: format!("demo-{i}"),
            },
        )
        .await;
        // A subject outside the demo officer's area is skipped, not a failed start.
        match p {
            Ok(p) => ids.push((*kind, p.id)),
            Err(e) => tracing::warn!("demo commendation of {kind} {id} skipped: {e}"),
        }
    }
    // HQ approves the first volunteer and the branch; the rest wait for a decision.
    let approve = Decision {
        decision: "approve".into(),
        reason: String::new(),
    };
    if let Some((_, id)) = ids.first() {
        comm::decide(db, &actor(&hq), &hq, *id, &approve).await?;
    }
    if let Some((_, id)) = ids.iter().find(|(k, _)| *k == "branch") {
        comm::decide(db, &actor(&hq), &hq, *id, &approve).await?;
    }
    Ok(Some(ids.len()))
}
