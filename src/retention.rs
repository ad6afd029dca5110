//! The retention policy: every kind of personal record with its period. Each capability names
//! its own kinds (`<capability>::retention::kinds`); a new one (pass logs, quarantine checks)
//! adds its list here. The mechanism is `audit::retention`.

use crate::audit::retention::Kind;

pub fn kinds() -> Vec<Kind> {
    let mut v = Vec::new();
    v.extend(crate::access::retention::kinds());
    v.extend(crate::audit::retention::kinds());
    v.extend(crate::testing::retention::kinds());
    v.extend(crate::mobilization::retention::kinds());
    v.extend(crate::needs::retention::kinds());
    v.extend(crate::checkpoints::retention::kinds());
    v.extend(crate::quarantine::retention::kinds());
    v.extend(crate::vaccination::retention::kinds());
    v.extend(crate::supplies::retention::kinds());
    v.extend(crate::zones::retention::kinds());
    v.extend(crate::notify::retention::kinds());
    v.extend(crate::hq::retention::kinds());
    v.extend(crate::web::reply_retention::kinds());
    v
}

/// A sweep of `policy` at `now` (see `audit::retention::run`), with the pass log's part first
/// deleted in short chunks (`checkpoints::retention::purge_rows`, issue 14) so the checkpoints'
/// writer never waits behind one long delete; the report counts those rows under the kind.
pub async fn run(
    db: &crate::db::Db,
    actor: &crate::audit::Actor,
    policy: &[crate::audit::retention::Policy],
    now: i64,
    dry_run: bool,
) -> crate::error::AppResult<crate::audit::retention::Report> {
    let mut chunked = None;
    if !dry_run {
        if let Some(p) = policy.iter().find(|p| p.kind.name == "pass_log") {
            let rows = crate::checkpoints::retention::purge_rows(
                db,
                p.days,
                now,
                crate::checkpoints::retention::CHUNK,
            )
            .await?;
            chunked = Some(rows);
        }
    }
    // The stored API answers likewise (issue 19): short chunks, each audited.
    let mut replies = None;
    if !dry_run {
        if let Some(p) = policy
            .iter()
            .find(|p| p.kind.name == crate::web::reply_retention::KIND)
        {
            let n = crate::web::reply_retention::purge_in_chunks(
                db,
                p.days,
                now,
                crate::web::reply_retention::CHUNK,
            )
            .await?;
            replies = Some(n);
        }
    }
    let mut report = crate::audit::retention::run(db, actor, policy, now, dry_run).await?;
    if let Some(rows) = chunked {
        if let Some(k) = report.kinds.iter_mut().find(|k| k.kind == "pass_log") {
            for (s, n) in k.steps.iter_mut().zip(rows) {
                s.rows += n;
            }
        }
    }
    if let Some(n) = replies {
        let kind = crate::web::reply_retention::KIND;
        if let Some(k) = report.kinds.iter_mut().find(|k| k.kind == kind) {
            if let Some(s) = k.steps.first_mut() {
                s.rows += n;
            }
        }
    }
    Ok(report)
}

/// [`run`] every day while serving (first a minute after start).
pub async fn daily(db: crate::db::Db, policy: Vec<crate::audit::retention::Policy>) {
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    loop {
        let actor = crate::audit::retention::system();
        match run(&db, &actor, &policy, crate::db::now_ms(), false).await {
            Ok(r) => tracing::info!("retention sweep: {} records changed", r.total()),
            Err(e) => tracing::warn!("retention sweep failed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}
