//! Figures of an area over a period, for the reports: needs registered, solved, emergencies
//! solved, the median and 90th percentile of the time to first contact and to completion,
//! open and late now, each in all and by category, and the items delivered.
//!
//! Definitions (stated on the page too):
//! - registered: created within the period;
//! - solved: done, with the completion within the period (a reopened need is not done);
//! - emergencies: urgency 1 or the category "emergency medical";
//! - time to first contact: of needs registered in the period that have been contacted;
//! - time to completion: of needs solved in the period, from creation to completion;
//! - percentiles by nearest rank (the value at rank ⌈p·n⌉ of the sorted times), in minutes;
//! - open and late now: as of `now`, whatever the period.

use serde::Serialize;

use super::deadlines::Deadlines;
use super::{require_read, CATEGORIES};
use crate::access::Reader;
use crate::args;
use crate::db::{path_end, Db};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub registered: i64,
    pub solved: i64,
    pub emergencies_solved: i64,
    /// Minutes; none when nothing was measured.
    pub contact_median: Option<i64>,
    pub contact_p90: Option<i64>,
    pub done_median: Option<i64>,
    pub done_p90: Option<i64>,
    pub open_now: i64,
    pub late_now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub path: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub all: Figures,
    /// Per category, in the vocabulary's order (all categories, zeros included).
    pub by_category: Vec<CategoryFigures>,
    /// Items delivered in the period, per kind.
    pub items: Vec<ItemTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryFigures {
    pub category: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemTotal {
    pub kind: String,
    pub quantity: i64,
}
crate::from_row!(ItemTotal { kind, quantity });

/// A period of whole days (China time), both ends included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
    #[serde(skip)]
    pub from_ms: i64,
    #[serde(skip)]
    pub to_ms: i64,
}

/// The period from `YYYY-MM-DD` dates; the last 7 days up to today by default.
pub fn period(from: &str, to: &str, now: i64) -> AppResult<Period> {
    use crate::mobilization::rules::{day_number, ymd, CST_MS, DAY_MS};
    let mut errs = Vec::new();
    let mut day = |field: &'static str, s: &str| {
        if s.trim().is_empty() {
            return None;
        }
        match crate::mobilization::parse_day(field, s) {
            Ok(d) => day_number(&d),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    let (f, t) = (day("from", from), day("to", to));
    let t = t.unwrap_or((now + CST_MS).div_euclid(DAY_MS));
    let f = f.unwrap_or(t - 6);
    if f > t {
        errs.push(crate::error::FieldError::new(
            "to",
            "the end of the period is before its start",
            "截止日期早于起始日期",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok(Period {
        from: ymd(f),
        to: ymd(t),
        from_ms: f * DAY_MS - CST_MS,
        to_ms: (t + 1) * DAY_MS - CST_MS,
    })
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// One need's fields the figures use.
struct Row {
    category: String,
    urgency: i64,
    created_ms: i64,
    first_contact_ms: Option<i64>,
    done_ms: Option<i64>,
    status: String,
    late: bool,
}

#[derive(Default)]
struct Acc {
    f: Figures,
    contact: Vec<i64>,
    done: Vec<i64>,
}

impl Acc {
    fn add(&mut self, r: &Row, from: i64, to: i64) {
        let in_period = |t: i64| t >= from && t < to;
        if in_period(r.created_ms) {
            self.f.registered += 1;
            if let Some(c) = r.first_contact_ms {
                self.contact.push((c - r.created_ms) / 60_000);
            }
        }
        if r.status == "done" {
            if let Some(d) = r.done_ms.filter(|d| in_period(*d)) {
                self.f.solved += 1;
                if r.urgency == 1 || r.category == "emergency" {
                    self.f.emergencies_solved += 1;
                }
                self.done.push((d - r.created_ms) / 60_000);
            }
        }
        if super::is_open_status(&r.status) {
            self.f.open_now += 1;
            if r.late {
                self.f.late_now += 1;
            }
        }
    }

    fn finish(mut self) -> Figures {
        self.contact.sort_unstable();
        self.done.sort_unstable();
        self.f.contact_median = percentile(&self.contact, 0.5);
        self.f.contact_p90 = percentile(&self.contact, 0.9);
        self.f.done_median = percentile(&self.done, 0.5);
        self.f.done_p90 = percentile(&self.done, 0.9);
        self.f
    }
}

/// The figures of the area at `path` (in the reader's scope) for `[from_ms, to_ms)`.
pub async fn report(
    db: &Db,
    r: &Reader,
    path: &str,
    from_ms: i64,
    to_ms: i64,
    now: i64,
) -> AppResult<Report> {
    require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let d = Deadlines::load(db).await?;
    // Needs that may count: created before the period ends, and either open, or closed after
    // it began (a need closed before the period began counts in nothing).
    let rows = db
        .query_as::<super::Need>(
            &format!(
                "SELECT {} FROM {} WHERE n.path >= $1 AND n.path < $2 AND n.created_ms < $3 \
                 AND (n.is_open = 1 OR n.created_ms >= $4 OR n.closed_ms >= $4)",
                super::COLS,
                super::FROM
            ),
            args![path, path_end(path), to_ms.max(now), from_ms],
        )
        .await?;
    let mut all = Acc::default();
    let mut cats: Vec<Acc> = CATEGORIES.iter().map(|_| Acc::default()).collect();
    for n in rows {
        let row = Row {
            late: d.late_since(&n, now).is_some(),
            category: n.category,
            urgency: n.urgency,
            created_ms: n.created_ms,
            first_contact_ms: n.first_contact_ms,
            done_ms: n.done_ms,
            status: n.status,
        };
        all.add(&row, from_ms, to_ms);
        if let Some(i) = CATEGORIES.iter().position(|c| c.0 == row.category) {
            cats[i].add(&row, from_ms, to_ms);
        }
    }
    let items = db
        .query_as::<ItemTotal>(
            "SELECT i.kind AS kind, CAST(SUM(i.quantity) AS BIGINT) AS quantity FROM need_items i JOIN needs n ON n.id = i.need_id \
             WHERE n.path >= $1 AND n.path < $2 AND i.at_ms >= $3 AND i.at_ms < $4 GROUP BY i.kind ORDER BY i.kind",
            args![path, path_end(path), from_ms, to_ms],
        )
        .await?;
    Ok(Report {
        path: path.to_owned(),
        from_ms,
        to_ms,
        all: all.finish(),
        by_category: CATEGORIES
            .iter()
            .zip(cats)
            .map(|(c, a)| CategoryFigures {
                category: c.0.to_owned(),
                figures: a.finish(),
            })
            .collect(),
        items,
    })
}
