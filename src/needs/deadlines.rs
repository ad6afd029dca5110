//! Deadlines per urgency and escalation of late needs: community officers first, then the
//! street, then headquarters.
//!
//! A need has two targets, counted from `since_ms` (its creation or last reopening): a first
//! contact (a volunteer or officer starts on it) and completion. Once a target is missed the
//! need is late and escalates to the community (level 1); each further span of the urgency's
//! contact target moves it up a level (street, then HQ). The sweep runs every minute on the
//! server; every escalation is a step in the need's history.

use serde::Serialize;
use serde_json::json;

use super::Need;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};

/// Minutes to first contact and to completion, per urgency 1–4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub contact_min: [i64; 4],
    pub complete_min: [i64; 4],
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            // Life-threatening: contact within 30 minutes, done within 2 hours; urgent: 2 h
            // and 12 h; within the day: 6 h and 24 h; no danger: 24 h and 72 h.
            contact_min: [30, 120, 360, 1440],
            complete_min: [120, 720, 1440, 4320],
        }
    }
}

const MINUTE: i64 = 60_000;

/// The form's fields per urgency 1–4: (first contact, completion).
pub const FIELDS: [(&str, &str); 4] = [
    ("contact_1", "complete_1"),
    ("contact_2", "complete_2"),
    ("contact_3", "complete_3"),
    ("contact_4", "complete_4"),
];

struct Setting {
    key: String,
    value: String,
}
crate::from_row!(Setting { key, value });

impl Deadlines {
    /// The deployment's deadlines: the `needs.*` settings where set, else the defaults.
    pub async fn load(db: &Db) -> AppResult<Deadlines> {
        let mut d = Deadlines::default();
        for row in db
            .query_as::<Setting>(
                "SELECT key, value FROM settings WHERE key LIKE 'needs.%'",
                vec![],
            )
            .await?
        {
            let Some(n) = row.value.trim().parse::<i64>().ok().filter(|n| *n > 0) else {
                continue;
            };
            let key = row.key.as_str();
            let slot = |prefix: &str| {
                key.strip_prefix(prefix)
                    .and_then(|u| u.parse::<usize>().ok())
                    .filter(|u| (1..=4).contains(u))
            };
            if let Some(u) = slot("needs.contact_min.") {
                d.contact_min[u - 1] = n;
            } else if let Some(u) = slot("needs.complete_min.") {
                d.complete_min[u - 1] = n;
            }
        }
        Ok(d)
    }

    /// Check targets typed as text (per urgency: contact, completion).
    pub fn parse(contact: &[String; 4], complete: &[String; 4]) -> AppResult<Deadlines> {
        let mut d = Deadlines::default();
        let mut errs = Vec::new();
        for u in 0..4 {
            let c = contact[u].trim().parse::<i64>().ok();
            let f = complete[u].trim().parse::<i64>().ok();
            match c {
                Some(c) if (1..=10_080).contains(&c) => d.contact_min[u] = c,
                _ => errs.push(FieldError::new(
                    FIELDS[u].0,
                    "minutes, from 1 to 10,080 (a week)",
                    "分钟数，1 至 10080（一周）",
                )),
            }
            match f {
                Some(f) if (1..=43_200).contains(&f) && c.is_none_or(|c| f >= c) => {
                    d.complete_min[u] = f
                }
                _ => errs.push(FieldError::new(
                    FIELDS[u].1,
                    "minutes, from 1 to 43,200 (30 days), and not before the first contact",
                    "分钟数，1 至 43200（30 天），且不早于首次联系时限",
                )),
            }
        }
        if errs.is_empty() {
            Ok(d)
        } else {
            Err(AppError::Invalid(errs))
        }
    }

    /// Save as the deployment's deadlines, audited.
    pub async fn save(&self, db: &Db, actor: &Actor) -> AppResult<()> {
        let mut tx = db.begin().await?;
        for u in 0..4 {
            for (key, v) in [
                (format!("needs.contact_min.{}", u + 1), self.contact_min[u]),
                (
                    format!("needs.complete_min.{}", u + 1),
                    self.complete_min[u],
                ),
            ] {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    args![key, v.to_string()],
                )
                .await?;
            }
        }
        audit::record(
            &mut tx,
            actor,
            Event::new("needs_deadlines", "settings", 0).detail(json!(self)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn slot(urgency: i64) -> usize {
        (urgency.clamp(1, 4) - 1) as usize
    }

    /// When the need's first contact is due (none once made or closed).
    pub fn contact_due(&self, n: &Need) -> Option<i64> {
        (n.is_open() && n.first_contact_ms.is_none())
            .then(|| n.since_ms + self.contact_min[Self::slot(n.urgency)] * MINUTE)
    }

    /// When the need is due to be done (none once closed).
    pub fn done_due(&self, n: &Need) -> Option<i64> {
        n.is_open()
            .then(|| n.since_ms + self.complete_min[Self::slot(n.urgency)] * MINUTE)
    }

    /// Since when the need is late (the earliest target missed by `now`), if it is.
    pub fn late_since(&self, n: &Need, now: i64) -> Option<i64> {
        [self.contact_due(n), self.done_due(n)]
            .into_iter()
            .flatten()
            .filter(|due| *due <= now)
            .min()
    }

    /// The escalation level the need has earned by `now`: 0 on time, 1 late (community),
    /// then one more per further span of the urgency's contact target, up to 3 (HQ).
    pub fn level(&self, n: &Need, now: i64) -> i64 {
        match self.late_since(n, now) {
            None => 0,
            Some(since) => {
                let step = self.contact_min[Self::slot(n.urgency)] * MINUTE;
                (1 + (now - since) / step).min(3)
            }
        }
    }
}

/// Raise every open need whose lateness has earned a higher level by `now`, recording each
/// escalation. Returns how many needs moved up. Safe to run on several nodes at once: each
/// raise is conditional on the level it read.
pub async fn escalate(db: &Db, now: i64) -> AppResult<usize> {
    let d = Deadlines::load(db).await?;
    // Only needs some target of which has passed can be late: the shortest target bounds it.
    let shortest = d.contact_min.iter().min().copied().unwrap_or(1) * MINUTE;
    let rows = db
        .query_as::<super::Need>(
            &format!(
                "SELECT {} FROM {} WHERE n.is_open = 1 AND n.escalation < 3 AND n.since_ms <= $1",
                super::COLS,
                super::FROM
            ),
            args![now - shortest],
        )
        .await?;
    let mut raised = 0;
    for n in rows {
        let level = d.level(&n, now);
        if level <= n.escalation {
            continue;
        }
        let mut tx = db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE needs SET escalation = $1 WHERE id = $2 AND escalation = $3 AND is_open = 1",
                args![level, n.id, n.escalation],
            )
            .await?;
        if changed == 1 {
            tx.execute(
                "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, 'escalated', $2, $2, 'deadline', $3, $4)",
                args![n.id, n.status.as_str(), level.to_string(), now],
            )
            .await?;
            raised += 1;
        }
        // Nothing changed when another node raised it first: end the transaction all the same
        // (an unfinished one costs a connection on PostgreSQL).
        tx.commit().await?;
    }
    Ok(raised)
}
