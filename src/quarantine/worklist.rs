//! The worklist of a grid worker or a contact person for today, in walking order (grid,
//! building, household): checks due and late, missed self-reports, open referrals and
//! escalations, paired households not contacted today.

use serde::Serialize;

use super::checks::{self, Check, Task};
use super::day_of;
use super::pairings::{self, Paired};
use crate::access::Reader;
use crate::args;
use crate::db::Db;
use crate::error::AppResult;

/// Items shown at most per section (a grid has far fewer).
pub const LIMIT: i64 = 500;

/// A check with whom it is for.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub check: Check,
    pub name: String,
    pub address: String,
    #[serde(skip)]
    pub phone: Option<String>,
    pub order_day: i64,
    pub order_days: i64,
}

struct Raw {
    id: i64,
    order_id: i64,
    resident_id: i64,
    household_id: i64,
    path: String,
    day: i64,
    slot: i64,
    due_ms: i64,
    late_ms: i64,
    missed_ms: i64,
    status: String,
    temp_dc: Option<i64>,
    symptoms: i64,
    note: String,
    reason: String,
    by_kind: Option<String>,
    by_login: Option<String>,
    done_ms: Option<i64>,
    name: String,
    address: String,
    phone: Option<String>,
    start_day: i64,
    end_day: i64,
}
crate::from_row!(Raw {
    id,
    order_id,
    resident_id,
    household_id,
    path,
    day,
    slot,
    due_ms,
    late_ms,
    missed_ms,
    status,
    temp_dc,
    symptoms,
    note,
    reason,
    by_kind,
    by_login,
    done_ms,
    name,
    address,
    phone,
    start_day,
    end_day
});

impl Raw {
    fn row(self) -> Row {
        Row {
            order_day: self.day - self.start_day + 1,
            order_days: self.end_day - self.start_day + 1,
            name: self.name,
            address: self.address,
            phone: self.phone,
            check: Check {
                id: self.id,
                order_id: self.order_id,
                resident_id: self.resident_id,
                household_id: self.household_id,
                path: self.path,
                day: self.day,
                slot: self.slot,
                due_ms: self.due_ms,
                late_ms: self.late_ms,
                missed_ms: self.missed_ms,
                status: self.status,
                temp_dc: self.temp_dc,
                symptoms: self.symptoms,
                note: self.note,
                reason: self.reason,
                by_kind: self.by_kind,
                by_login: self.by_login,
                done_ms: self.done_ms,
                client_id: None,
            },
        }
    }
}

const ROW_SQL: &str = "SELECT c.id, c.order_id, c.resident_id, c.household_id, c.path, c.day, \
    c.slot, c.due_ms, c.late_ms, c.missed_ms, c.status, c.temp_dc, c.symptoms, c.note, c.reason, \
    c.by_kind, c.by_login, c.done_ms, COALESCE(p.name, v.label, '') AS name, \
    COALESCE(h.address, v.stay, '') AS address, p.phone, o.start_day, o.end_day \
    FROM quarantine_checks c JOIN quarantine_orders o ON o.id = c.order_id \
    LEFT JOIN residents p ON p.id = c.resident_id LEFT JOIN households h ON h.id = c.household_id \
    LEFT JOIN quarantine_visitors v ON v.id = -c.resident_id";

#[derive(Debug, Clone, Default, Serialize)]
pub struct Worklist {
    pub day: i64,
    /// Today's checks still to do (not yet due, due, late, missed, not attempted).
    pub todo: Vec<Row>,
    /// Today's checks done.
    pub done: usize,
    pub tasks: Vec<Task>,
    /// Paired households not contacted today.
    pub contacts: Vec<Paired>,
}

/// The reader's worklist for today: their scope's checks (grid workers and officers) or their
/// paired households' (contact persons), their scope's open tasks, and their own pairings not
/// contacted today.
pub async fn of(db: &Db, r: &Reader, now: i64) -> AppResult<Worklist> {
    checks::ensure_today(db, now).await?;
    let day = day_of(now);
    let mut w = Worklist {
        day,
        ..Default::default()
    };
    let mut rows: Vec<Row> = Vec::new();
    if super::can_check(r) {
        for root in &r.registry_scope().roots {
            let end = crate::db::path_end(root);
            let raw: Vec<Raw> = db
                .query_as(
                    &format!(
                        "{ROW_SQL} WHERE c.day = $1 AND c.path >= $2 AND c.path < $3 \
                         ORDER BY c.path, h.address, c.household_id, c.resident_id, c.slot LIMIT $4"
                    ),
                    args![day, root.as_str(), end.as_str(), LIMIT * 2],
                )
                .await?;
            rows.extend(raw.into_iter().map(Raw::row));
            w.tasks.extend(
                checks::open_tasks(db, r, root, LIMIT)
                    .await
                    .unwrap_or_default(),
            );
        }
    } else {
        let raw: Vec<Raw> = db
            .query_as(
                &format!(
                    "{ROW_SQL} JOIN pairings pr ON pr.household_id = c.household_id AND pr.until_ms IS NULL \
                     WHERE c.day = $1 AND pr.account_id = $2 \
                     ORDER BY c.path, h.address, c.household_id, c.resident_id, c.slot LIMIT $3"
                ),
                args![day, r.account_id, LIMIT * 2],
            )
            .await?;
        rows.extend(raw.into_iter().map(Raw::row));
    }
    w.done = rows.iter().filter(|x| x.check.is_done()).count();
    w.todo = rows.into_iter().filter(|x| !x.check.is_done()).collect();
    w.contacts = pairings::mine(db, r.account_id, LIMIT)
        .await?
        .into_iter()
        .filter(|p| p.last_day != Some(day))
        .collect();
    Ok(w)
}
