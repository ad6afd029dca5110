//! The record a commendation rests on, computed from the audited data at proposal time (never
//! typed): service on duty (assignments checked in and out, by the civil-affairs half-hours),
//! needs solved, samples taken and contact logs written (by the members' accounts), and, for a
//! branch, its care visits and the follow-ups it solved. A team's or branch's figures are its
//! members' (and, for needs, the work given to the team or the branch's teams).

use serde::{Deserialize, Serialize};

use crate::args;
use crate::db::Db;
use crate::error::AppResult;

/// The figures of one subject; `None` where the figure does not apply to its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Members (teams and branches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<i64>,
    /// Shifts served: assignments checked out.
    pub duty_shifts: i64,
    /// Service time of those shifts in half-hours.
    pub duty_half_hours: i64,
    pub needs_solved: i64,
    /// Samples taken (not counting a duplicate swab of someone sampled already).
    pub samples: i64,
    /// Daily contact logs of paired households.
    pub contact_logs: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_visits: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followups_solved: Option<i64>,
    /// When it was computed.
    pub as_of_ms: i64,
}

impl Record {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(s: &str) -> Record {
        serde_json::from_str(s).unwrap_or_default()
    }

    /// Hours on duty as text: `12` or `12.5`.
    pub fn hours_text(&self) -> String {
        let h = self.duty_half_hours / 2;
        if self.duty_half_hours % 2 == 0 {
            h.to_string()
        } else {
            format!("{h}.5")
        }
    }

    /// The figures shown, in order: (label key, value as text).
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(m) = self.members {
            v.push(("comm-rec-members", m.to_string()));
        }
        v.push(("comm-rec-shifts", self.duty_shifts.to_string()));
        v.push(("comm-rec-hours", self.hours_text()));
        v.push(("comm-rec-needs", self.needs_solved.to_string()));
        v.push(("comm-rec-samples", self.samples.to_string()));
        v.push(("comm-rec-contacts", self.contact_logs.to_string()));
        if let Some(c) = self.care_visits {
            v.push(("comm-rec-visits", c.to_string()));
        }
        if let Some(f) = self.followups_solved {
            v.push(("comm-rec-followups", f.to_string()));
        }
        v
    }
}

/// The volunteers behind a subject, as a SQL condition on `col` with `$1` the subject's id.
fn members_of(kind: &str, col: &str) -> String {
    match kind {
        "team" => format!("{col} IN (SELECT volunteer_id FROM team_members WHERE team_id = $1)"),
        "branch" => {
            format!("{col} IN (SELECT volunteer_id FROM branch_members WHERE branch_id = $1)")
        }
        _ => format!("{col} = $1"),
    }
}

#[derive(Debug)]
struct Duty {
    n: i64,
    h: i64,
}
crate::from_row!(Duty { n, h });

/// Compute the record of a subject (`kind`: volunteer, team or branch) as of `now`.
pub async fn compute(db: &Db, kind: &str, id: i64, now: i64) -> AppResult<Record> {
    let duty: Duty = db
        .query_one_as(
            &format!(
                "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(a.half_hours), 0) AS BIGINT) AS h \
                 FROM assignments a WHERE a.checkout_ms IS NOT NULL AND {}",
                members_of(kind, "a.volunteer_id")
            ),
            args![id],
        )
        .await?;
    let needs_cond = match kind {
        "team" => format!("(n.team_id = $1 OR {})", members_of(kind, "n.volunteer_id")),
        "branch" => format!(
            "(n.team_id IN (SELECT id FROM teams WHERE branch_id = $1) OR {})",
            members_of(kind, "n.volunteer_id")
        ),
        _ => members_of(kind, "n.volunteer_id"),
    };
    let needs_solved: i64 = db
        .scalar(
            &format!("SELECT COUNT(*) AS n FROM needs n WHERE n.status = 'done' AND {needs_cond}"),
            args![id],
        )
        .await?;
    let accounts = format!(
        "SELECT v.account_id FROM volunteers v WHERE v.account_id IS NOT NULL AND {}",
        members_of(kind, "v.id")
    );
    let samples: i64 = db
        .scalar(
            &format!(
                "SELECT COUNT(*) AS n FROM test_samples s WHERE s.duplicate = 0 \
                 AND s.account_id IN ({accounts})"
            ),
            args![id],
        )
        .await?;
    let contact_logs: i64 = db
        .scalar(
            &format!("SELECT COUNT(*) AS n FROM contact_logs c WHERE c.account_id IN ({accounts})"),
            args![id],
        )
        .await?;
    let mut r = Record {
        duty_shifts: duty.n,
        duty_half_hours: duty.h,
        needs_solved,
        samples,
        contact_logs,
        as_of_ms: now,
        ..Record::default()
    };
    match kind {
        "team" => {
            r.members = Some(
                db.scalar(
                    "SELECT COUNT(*) AS n FROM team_members WHERE team_id = $1",
                    args![id],
                )
                .await?,
            );
        }
        "branch" => {
            r.members = Some(
                db.scalar(
                    "SELECT COUNT(*) AS n FROM branch_members WHERE branch_id = $1",
                    args![id],
                )
                .await?,
            );
            r.care_visits = Some(
                db.scalar(
                    "SELECT COUNT(*) AS n FROM care_visits WHERE branch_id = $1",
                    args![id],
                )
                .await?,
            );
            r.followups_solved = Some(
                db.scalar(
                    "SELECT COUNT(*) AS n FROM care_followups WHERE branch_id = $1 AND status = 'solved'",
                    args![id],
                )
                .await?,
            );
        }
        _ => {}
    }
    Ok(r)
}
