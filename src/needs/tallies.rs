//! The needs' figures per area (`need_tallies`, migration 0025): open and open emergencies
//! (states), registered, solved and emergencies solved (by China day), and the items
//! delivered (gas and the rest, by day), at each national level of the need's path. Every
//! write that moves them adds the difference in its own transaction (intake, the flow's
//! actions, items, a household merge moving needs to another path), so the HQ overview reads
//! one index range per area whatever the city's size. Late needs are not kept: their
//! deadlines move with the settings and the clock; they are counted from the open needs of
//! the area ([`late_now`], an index over open needs only).

use crate::calendar::china_day as day_of;
use std::collections::{BTreeMap, HashMap};

use super::deadlines::Deadlines;
use crate::args;
use crate::db::{path_end, Db, DbResult, Tx};

/// Lengths of national area codes (province, city, district, street, community).
const NATIONAL: [usize; 5] = [2, 4, 6, 9, 12];

/// Whether an area path is one the tallies are kept for (a national level).
pub fn kept_for(path: &str) -> bool {
    NATIONAL.contains(&path.len()) && path.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of a need the tallies count.
#[derive(Debug, Clone)]
pub struct State {
    pub path: String,
    pub category: String,
    pub urgency: i64,
    pub status: String,
    pub created_ms: i64,
    pub done_ms: Option<i64>,
}
crate::from_row!(State {
    path,
    category,
    urgency,
    status,
    created_ms,
    done_ms
});

impl From<&super::Need> for State {
    fn from(n: &super::Need) -> State {
        State {
            path: n.path.clone(),
            category: n.category.clone(),
            urgency: n.urgency,
            status: n.status.clone(),
            created_ms: n.created_ms,
            done_ms: n.done_ms,
        }
    }
}

/// A need's state as stored now, in the transaction.
pub async fn state(tx: &mut Tx, id: i64) -> DbResult<Option<State>> {
    tx.query_opt_as::<State>(
        "SELECT path, category, urgency, status, created_ms, done_ms FROM needs WHERE id = $1",
        args![id],
    )
    .await
}

/// Differences to add: (area path, kind, day) → n.
#[derive(Debug, Default)]
pub struct Delta(BTreeMap<(String, &'static str, i64), i64>);

fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    NATIONAL
        .iter()
        .filter(move |&&l| l <= path.len() && path.is_char_boundary(l))
        .map(move |&l| &path[..l])
}

impl Delta {
    fn add(&mut self, path: &str, kind: &'static str, day: i64, n: i64) {
        for p in prefixes(path) {
            *self.0.entry((p.to_owned(), kind, day)).or_default() += n;
        }
    }

    /// A need counted (`sign` 1) or no longer (-1).
    pub fn need(&mut self, s: &State, sign: i64) {
        if super::is_open_status(&s.status) {
            self.add(&s.path, "open", 0, sign);
            if s.category == "emergency" {
                self.add(&s.path, "open_emergency", 0, sign);
            }
        }
        self.add(&s.path, "registered", day_of(s.created_ms), sign);
        if let (true, Some(done)) = (s.status == "done", s.done_ms) {
            self.add(&s.path, "solved", day_of(done), sign);
            if s.urgency == 1 || s.category == "emergency" {
                self.add(&s.path, "solved_emergency", day_of(done), sign);
            }
        }
    }

    /// An item delivered for a need under `path`.
    pub fn item(&mut self, path: &str, kind: &str, quantity: i64, at_ms: i64) {
        let k = if kind == "gas" {
            "item_gas"
        } else {
            "item_parcels"
        };
        self.add(path, k, day_of(at_ms), quantity);
    }

    /// A need's change from `old` to `new`.
    pub fn change(&mut self, old: &State, new: &State) {
        self.need(old, -1);
        self.need(new, 1);
    }

    /// Add the differences in the caller's transaction (rows in key order, in one statement
    /// per few hundred rows).
    pub async fn write(self, tx: &mut Tx) -> DbResult<()> {
        tx.add_counts3(
            "need_tallies",
            &["path", "kind", "day", "n"],
            "ON CONFLICT (path, kind, day) DO UPDATE SET n = need_tallies.n + excluded.n",
            self.0,
        )
        .await?;
        Ok(())
    }
}

/// Count a need just written (or its change from `old`), in the transaction of the write.
pub async fn changed(tx: &mut Tx, id: i64, old: Option<&State>) -> DbResult<()> {
    let mut d = Delta::default();
    if let Some(o) = old {
        d.need(o, -1);
    }
    if let Some(new) = state(tx, id).await? {
        d.need(&new, 1);
    }
    d.write(tx).await
}

struct Item {
    need_id: i64,
    kind: String,
    quantity: i64,
    at_ms: i64,
}
crate::from_row!(Item {
    need_id,
    kind,
    quantity,
    at_ms
});

struct Moved {
    id: i64,
    path: String,
    category: String,
    urgency: i64,
    status: String,
    created_ms: i64,
    done_ms: Option<i64>,
}
crate::from_row!(Moved {
    id,
    path,
    category,
    urgency,
    status,
    created_ms,
    done_ms
});

/// Needs of household `from` move to `to_path`: their counts (and their items') move with
/// them. Call before the needs' rows are changed, in the same transaction.
pub async fn moving(tx: &mut Tx, from: i64, to_path: &str) -> DbResult<()> {
    let needs = tx
        .query_as::<Moved>(
            "SELECT id, path, category, urgency, status, created_ms, done_ms FROM needs WHERE household_id = $1",
            args![from],
        )
        .await?;
    if needs.is_empty() {
        return Ok(());
    }
    let items = tx
        .query_as::<Item>(
            "SELECT i.need_id, i.kind, i.quantity, i.at_ms FROM need_items i JOIN needs n ON n.id = i.need_id \
             WHERE n.household_id = $1",
            args![from],
        )
        .await?;
    let mut d = Delta::default();
    let mut paths: HashMap<i64, String> = HashMap::new();
    for m in needs {
        if m.path == to_path {
            continue;
        }
        let mut s = State {
            path: m.path,
            category: m.category,
            urgency: m.urgency,
            status: m.status,
            created_ms: m.created_ms,
            done_ms: m.done_ms,
        };
        d.need(&s, -1);
        paths.insert(m.id, std::mem::take(&mut s.path));
        s.path = to_path.to_owned();
        d.need(&s, 1);
    }
    for i in items {
        if let Some(old) = paths.get(&i.need_id) {
            d.item(old, &i.kind, -i.quantity, i.at_ms);
            d.item(to_path, &i.kind, i.quantity, i.at_ms);
        }
    }
    d.write(tx).await
}

/// The needs' figures of an area (a national level) on `day`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaFigures {
    pub open: i64,
    pub open_emergency: i64,
    /// Registered up to the end of the day.
    pub registered: i64,
    /// Solved on the day.
    pub solved_day: i64,
    /// Emergencies solved up to the end of the day.
    pub solved_emergency: i64,
    /// Items delivered up to the end of the day.
    pub gas: i64,
    pub parcels: i64,
}

struct KindN {
    kind: String,
    n: i64,
}
crate::from_row!(KindN { kind, n });

/// One index range of the area's rows (days up to `day`), and the day's solved row.
pub async fn of_area(db: &Db, path: &str, day: i64) -> DbResult<AreaFigures> {
    let rows = db
        .query_as::<KindN>(
            "SELECT kind, CAST(SUM(n) AS BIGINT) AS n FROM need_tallies WHERE path = $1 AND day <= $2 GROUP BY kind",
            args![path, day],
        )
        .await?;
    let get = |k: &str| rows.iter().find(|r| r.kind == k).map_or(0, |r| r.n);
    let solved_day = db
        .scalar_opt::<i64>(
            "SELECT n FROM need_tallies WHERE path = $1 AND kind = 'solved' AND day = $2",
            args![path, day],
        )
        .await?
        .unwrap_or(0);
    Ok(AreaFigures {
        open: get("open"),
        open_emergency: get("open_emergency"),
        registered: get("registered"),
        solved_day,
        solved_emergency: get("solved_emergency"),
        gas: get("item_gas"),
        parcels: get("item_parcels"),
    })
}

struct OpenNeed {
    urgency: i64,
    since_ms: i64,
    first_contact_ms: Option<i64>,
}
crate::from_row!(OpenNeed {
    urgency,
    since_ms,
    first_contact_ms
});

/// The open needs under `path` late at `now` (past their first-contact target while not yet
/// contacted, or past their completion target), read over the open needs only.
pub async fn late_now(db: &Db, path: &str, now: i64) -> crate::error::AppResult<i64> {
    let d = Deadlines::load(db).await?;
    let min = 60_000;
    // Only needs some target of which has passed can be late: the shortest target bounds
    // the rows read (as `deadlines::escalate` does).
    let shortest = d
        .contact_min
        .iter()
        .chain(d.complete_min.iter())
        .min()
        .copied()
        .unwrap_or(1)
        * min;
    let open = db
        .query_as::<OpenNeed>(
            "SELECT urgency, since_ms, first_contact_ms FROM needs WHERE is_open = 1 \
             AND path >= $1 AND path < $2 AND since_ms <= $3",
            args![path, path_end(path), now - shortest],
        )
        .await?;
    Ok(open
        .iter()
        .filter(|n| {
            let u = (n.urgency.clamp(1, 4) - 1) as usize;
            (n.first_contact_ms.is_none() && n.since_ms + d.contact_min[u] * min <= now)
                || n.since_ms + d.complete_min[u] * min <= now
        })
        .count() as i64)
}
