//! The needs' notifications (issue 19): a need given to you (raised in `flow::act`'s
//! transaction), a need of yours late (a sweep of the server's background loop), and the
//! re-check at send time (still open, still yours).

use crate::args;
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::notify::{self, recheck, Note};

/// The accounts of a volunteer, or of a team's members.
async fn accounts(tx: &mut Tx, team: Option<i64>, volunteer: Option<i64>) -> AppResult<Vec<i64>> {
    Ok(match (team, volunteer) {
        (_, Some(v)) => {
            tx.column(
                "SELECT account_id FROM volunteers WHERE id = $1 AND account_id IS NOT NULL",
                args![v],
            )
            .await?
        }
        (Some(t), None) => {
            tx.column(
                "SELECT v.account_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id \
                 WHERE m.team_id = $1 AND v.account_id IS NOT NULL AND v.status = 'approved'",
                args![t],
            )
            .await?
        }
        _ => vec![],
    })
}

fn who(team: Option<i64>, volunteer: Option<i64>) -> String {
    match (team, volunteer) {
        (_, Some(v)) => format!("v{v}"),
        (Some(t), None) => format!("t{t}"),
        _ => String::new(),
    }
}

/// A need was given to a team or a volunteer (`version`: its version after the change).
pub async fn assigned(
    tx: &mut Tx,
    n: &super::Need,
    team: Option<i64>,
    volunteer: Option<i64>,
    version: i64,
    now: i64,
) -> AppResult<()> {
    for account in accounts(tx, team, volunteer).await? {
        notify::enqueue(
            tx,
            &Note {
                kind: "need_assigned",
                account_id: account,
                link: format!("/me/needs/{}", n.id),
                path: n.path.clone(),
                args: vec![
                    ("id", Arg::N(n.id)),
                    ("category", Arg::S(n.category.clone())),
                ],
                once_key: format!("need_assigned:{}:{version}", n.id),
                recheck: format!("need:{}:{}", n.id, who(team, volunteer)),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

struct Late {
    id: i64,
    category: String,
    path: String,
    escalation: i64,
    volunteer_id: i64,
    account_id: i64,
}
crate::from_row!(Late {
    id,
    category,
    path,
    escalation,
    volunteer_id,
    account_id
});

/// The late needs whose volunteer was not told of this level yet (also the notify bench's plan).
pub const LATE_SQL: &str =
    "SELECT n.id, n.category, n.path, n.escalation, n.volunteer_id, v.account_id \
             FROM needs n JOIN volunteers v ON v.id = n.volunteer_id \
             WHERE n.is_open = 1 AND n.escalation >= 1 AND v.account_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.account_id = v.account_id \
             AND o.once_key = 'need_late:' || n.id || ':' || n.escalation)";

/// The volunteers of needs that went late (the deadline sweep raised them), each told once
/// per level of lateness. Returns the messages added.
pub async fn late(db: &Db, now: i64) -> AppResult<u64> {
    let rows: Vec<Late> = db.query_as(LATE_SQL, args![]).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let mut added = 0;
    for r in rows {
        let note = Note {
            kind: "need_late",
            account_id: r.account_id,
            link: format!("/me/needs/{}", r.id),
            path: r.path,
            args: vec![("id", Arg::N(r.id)), ("category", Arg::S(r.category))],
            once_key: format!("need_late:{}:{}", r.id, r.escalation),
            recheck: format!("need:{}:v{}", r.id, r.volunteer_id),
        };
        added += u64::from(notify::enqueue(&mut tx, &note, now).await?);
    }
    tx.commit().await?;
    Ok(added)
}

struct State {
    is_open: bool,
    status: String,
    team_id: Option<i64>,
    volunteer_id: Option<i64>,
}
crate::from_row!(State {
    is_open,
    status,
    team_id,
    volunteer_id
});

/// `need:<id>:v<volunteer>` or `need:<id>:t<team>`: skipped once the need is closed or given
/// to someone else.
pub struct Recheck;

impl recheck::Recheck for Recheck {
    fn prefix(&self) -> &'static str {
        "need"
    }

    fn skip<'a>(&'a self, db: &'a Db, rest: &'a str) -> recheck::Answer<'a> {
        Box::pin(async move {
            let Some((id, whom)) = rest.split_once(':') else {
                return Ok(None);
            };
            let Ok(id) = id.parse::<i64>() else {
                return Ok(None);
            };
            let s: Option<State> = db
                .query_opt_as(
                    "SELECT is_open, status, team_id, volunteer_id FROM needs WHERE id = $1",
                    args![id],
                )
                .await?;
            let Some(s) = s else {
                return Ok(Some("cancelled"));
            };
            if !s.is_open {
                return Ok(Some(if s.status == "done" {
                    "done"
                } else {
                    "cancelled"
                }));
            }
            let still = match whom.split_at(1.min(whom.len())) {
                ("v", v) => v.parse::<i64>().ok() == s.volunteer_id,
                ("t", t) => t.parse::<i64>().ok() == s.team_id,
                _ => true,
            };
            Ok((!still).then_some("reassigned"))
        })
    }
}
