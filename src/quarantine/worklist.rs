//! The worklist of a grid worker or a contact person for today, in walking order (grid,
//! building, household): checks due and late, missed self-reports, open referrals and
//! escalations, paired households not contacted today.

use serde::Serialize;

use super::checks::{self, Check, Task};
use super::day_of;
use super::pairings::{self, Paired};
use crate::access::Reader;
use crate::args;
use crate::db::{Db, Value};
use crate::error::AppResult;

/// Items shown at most per section (a grid has far fewer).
pub const LIMIT: i64 = 500;

/// Checks per page of the walk; the next page continues after the last one shown.
pub const PAGE: i64 = 100;

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

/// One page of the walk: the page's checks are picked first by their walking key alone
/// (checks and households: an index range on (day, path) read in path order, so PostgreSQL's
/// incremental sort stops after the page), then only those are joined to orders and people.
/// `{join}` and `{cond}` narrow the pick; `{limit}` is its LIMIT placeholder.
fn page_sql(join: &str, cond: &str, limit: usize) -> String {
    format!(
        "SELECT c.id, c.order_id, c.resident_id, c.household_id, c.path, c.day, \
         c.slot, c.due_ms, c.late_ms, c.missed_ms, c.status, c.temp_dc, c.symptoms, c.note, c.reason, \
         c.by_kind, c.by_login, c.done_ms, COALESCE(p.name, v.label, '') AS name, \
         COALESCE(w.haddr, v.stay, '') AS address, p.phone, o.start_day, o.end_day \
         FROM (SELECT c.id, h.address AS haddr FROM quarantine_checks c \
               LEFT JOIN households h ON h.id = c.household_id {join} \
               WHERE {cond} AND {TODO} ORDER BY {WALK} LIMIT ${limit}) w \
         JOIN quarantine_checks c ON c.id = w.id JOIN quarantine_orders o ON o.id = c.order_id \
         LEFT JOIN residents p ON p.id = c.resident_id \
         LEFT JOIN quarantine_visitors v ON v.id = -c.resident_id \
         ORDER BY c.path, COALESCE(w.haddr, ''), c.household_id, c.resident_id, c.slot, c.id"
    )
}

/// The walking order (grid, building, household, person, slot); the same on both backends
/// (no NULL in the key), and total, so a page can continue after any check.
const WALK: &str = "c.path, COALESCE(h.address, ''), c.household_id, c.resident_id, c.slot, c.id";

/// Today's checks still to do: not done (well or unwell).
const TODO: &str = "c.status NOT IN ('well', 'unwell')";

#[derive(Debug, Clone, Default, Serialize)]
pub struct Worklist {
    pub day: i64,
    /// Today's checks still to do (not yet due, due, late, missed, not attempted): one page of
    /// the walk, at most [`PAGE`].
    pub todo: Vec<Row>,
    /// Today's checks still to do in all (every page).
    pub todo_total: usize,
    /// Today's checks done.
    pub done: usize,
    /// The next page of `todo` (pass as `after`); `None` on the last page.
    pub next: Option<String>,
    /// Open referrals and escalations (first page only).
    pub tasks: Vec<Task>,
    /// Paired households not contacted today (first page only).
    pub contacts: Vec<Paired>,
}

/// Where a page of the walk starts: just after this check.
struct Key {
    path: String,
    address: String,
    household_id: i64,
    resident_id: i64,
    slot: i64,
    id: i64,
}
crate::from_row!(Key {
    path,
    address,
    household_id,
    resident_id,
    slot,
    id
});

struct Counts {
    n: i64,
    done: i64,
}
crate::from_row!(Counts { n, done });

const COUNTS: &str = "SELECT COUNT(*) AS n, \
    COALESCE(SUM(CASE WHEN c.status IN ('well', 'unwell') THEN 1 ELSE 0 END), 0) AS done \
    FROM quarantine_checks c";

/// The reader's worklist for today, first page: see [`page`].
pub async fn of(db: &Db, r: &Reader, now: i64) -> AppResult<Worklist> {
    page(db, r, now, "").await
}

/// The reader's worklist for today: their scope's checks (grid workers and officers) or their
/// paired households' (contact persons), one page of the walk from just after the check `after`
/// (empty: from the start; a check not of today starts over); on the first page also their
/// scope's open tasks and their own pairings not contacted today.
pub async fn page(db: &Db, r: &Reader, now: i64, after: &str) -> AppResult<Worklist> {
    page_sized(db, r, now, after, PAGE).await
}

/// [`page`] with `size` checks a page (tests walk small pages).
pub async fn page_sized(
    db: &Db,
    r: &Reader,
    now: i64,
    after: &str,
    size: i64,
) -> AppResult<Worklist> {
    let size = size.max(1);
    checks::ensure_today(db, now).await?;
    let day = day_of(now);
    let after: Option<Key> = match after.trim() {
        "" => None,
        a => {
            let id: i64 = a.parse().map_err(|_| {
                crate::error::AppError::BadRequest(crate::i18n::Msg::new(
                    "the page cursor is not valid",
                    "翻页参数无效",
                ))
            })?;
            db.query_opt_as(
                "SELECT c.path, COALESCE(h.address, '') AS address, c.household_id, \
                 c.resident_id, c.slot, c.id FROM quarantine_checks c \
                 LEFT JOIN households h ON h.id = c.household_id WHERE c.id = $1 AND c.day = $2",
                args![id, day],
            )
            .await?
        }
    };
    let first = after.is_none();
    let mut w = Worklist {
        day,
        ..Default::default()
    };
    // One more than a page: whether there is a next one.
    let mut raw: Vec<Raw> = Vec::new();
    if super::can_check(r) {
        let mut roots: Vec<String> = r.registry_scope().roots.clone();
        roots.sort();
        for root in &roots {
            let end = crate::db::path_end(root);
            let c: Counts = db
                .query_one_as(
                    &format!("{COUNTS} WHERE c.day = $1 AND c.path >= $2 AND c.path < $3"),
                    args![day, root.as_str(), end.as_str()],
                )
                .await?;
            w.done += c.done as usize;
            w.todo_total += (c.n - c.done) as usize;
            let want = size + 1 - raw.len() as i64;
            let skip = after
                .as_ref()
                .is_some_and(|k| k.path.as_str() >= end.as_str());
            if want > 0 && !skip {
                let mut params = args![day, root.as_str(), end.as_str()];
                let cond = walk_after(after.as_ref(), &mut params, "c.path >= $2");
                params.push(Value::from(want));
                let sql = page_sql(
                    "",
                    &format!("c.day = $1 AND {cond} AND c.path < $3"),
                    params.len(),
                );
                raw.extend(db.query_as::<Raw>(&sql, params).await?);
            }
            if first {
                w.tasks.extend(
                    checks::open_tasks(db, r, root, LIMIT)
                        .await
                        .unwrap_or_default(),
                );
            }
        }
    } else {
        const PAIRED: &str = "JOIN pairings pr ON pr.household_id = c.household_id \
            AND pr.until_ms IS NULL AND pr.account_id = $2";
        let c: Counts = db
            .query_one_as(
                &format!("{COUNTS} {PAIRED} WHERE c.day = $1"),
                args![day, r.account_id],
            )
            .await?;
        w.done = c.done as usize;
        w.todo_total = (c.n - c.done) as usize;
        let mut params = args![day, r.account_id];
        let cond = walk_after(after.as_ref(), &mut params, "1 = 1");
        params.push(Value::from(size + 1));
        let sql = page_sql(PAIRED, &format!("c.day = $1 AND {cond}"), params.len());
        raw = db.query_as(&sql, params).await?;
    }
    if raw.len() as i64 > size {
        raw.truncate(size as usize);
        w.next = raw.last().map(|x| x.id.to_string());
    }
    w.todo = raw.into_iter().map(Raw::row).collect();
    if first {
        w.contacts = pairings::mine(db, r.account_id, LIMIT)
            .await?
            .into_iter()
            .filter(|p| p.last_day != Some(day))
            .collect();
    }
    Ok(w)
}

/// The condition "after the key in walking order" (`base` alone on the first page), its
/// values appended to `params`.
fn walk_after(after: Option<&Key>, params: &mut Vec<Value>, base: &str) -> String {
    let Some(k) = after else {
        return base.to_owned();
    };
    let n = params.len();
    params.extend(args![
        k.path.as_str(),
        k.address.as_str(),
        k.household_id,
        k.resident_id,
        k.slot,
        k.id
    ]);
    // The path bound alone lets the index on (day, path) start at the key.
    format!(
        "{base} AND c.path >= ${p} AND (c.path, COALESCE(h.address, ''), c.household_id, \
         c.resident_id, c.slot, c.id) > (${p}, ${}, ${}, ${}, ${}, ${})",
        n + 2,
        n + 3,
        n + 4,
        n + 5,
        n + 6,
        p = n + 1
    )
}
