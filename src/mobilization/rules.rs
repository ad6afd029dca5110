//! The duty rules, as pure functions: no overlapping shifts, at most 12 hours in any 24, at least
//! 8 hours of rest between shifts, at most 6 consecutive days, skills must match, and the
//! volunteer's stated availability. The limits are deployment settings with these defaults.
//! Also the civil-affairs rounding of service hours.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::db::{Db, DbResult, FromRow, Row};
use crate::error::AppResult;
use crate::i18n::Msg;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;
/// China Standard Time: days and hours of the day are counted in it.
pub const CST_MS: i64 = 8 * HOUR_MS;

/// The limits of the duty rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Most minutes of duty in any 24 hours.
    pub max_minutes_in_24: i64,
    /// Least rest between two shifts, in minutes.
    pub min_rest_minutes: i64,
    /// Most consecutive calendar days (China time) with duty.
    pub max_consecutive_days: i64,
    /// Whether a shift's required skills must be among the volunteer's.
    pub check_skills: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            max_minutes_in_24: 12 * 60,
            min_rest_minutes: 8 * 60,
            max_consecutive_days: 6,
            check_skills: true,
        }
    }
}

/// The settings that change the rules, with their meaning (hours and days as whole numbers).
pub const SETTINGS: &[&str] = &[
    "roster.max_hours_in_24",
    "roster.min_rest_hours",
    "roster.max_consecutive_days",
    "roster.check_skills",
];

impl Rules {
    /// The deployment's rules: the `roster.*` settings where set, else the defaults.
    pub async fn load(db: &Db) -> AppResult<Rules> {
        let mut r = Rules::default();
        let rows = db
            .query_as::<Setting>(
                "SELECT key, value FROM settings WHERE key LIKE 'roster.%'",
                vec![],
            )
            .await?;
        for row in rows {
            let v = row.value.trim();
            let n = v.parse::<i64>().ok().filter(|n| *n >= 0);
            match (row.key.as_str(), n) {
                ("roster.max_hours_in_24", Some(n)) => r.max_minutes_in_24 = n * 60,
                ("roster.min_rest_hours", Some(n)) => r.min_rest_minutes = n * 60,
                ("roster.max_consecutive_days", Some(n)) => r.max_consecutive_days = n,
                ("roster.check_skills", _) => r.check_skills = !matches!(v, "0" | "false" | "no"),
                _ => {}
            }
        }
        Ok(r)
    }
}

struct Setting {
    key: String,
    value: String,
}
crate::from_row!(Setting { key, value });

/// A stretch of duty: a shift's window (or a candidate's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub shift: i64,
    pub start: i64,
    pub end: i64,
}

/// A placement's span from columns `shift_id`, `starts_ms`, `ends_ms` (of `assignments`).
impl FromRow for Span {
    fn from_row(r: &Row) -> DbResult<Span> {
        Ok(Span {
            shift: r.get("shift_id")?,
            start: r.get("starts_ms")?,
            end: r.get("ends_ms")?,
        })
    }
}

/// One rule a placement would break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Breach {
    /// Overlaps another shift of the volunteer.
    Overlap { shift: i64 },
    /// Would make this many minutes of duty within some 24 hours.
    Hours24 { minutes: i64 },
    /// Only this many minutes of rest before or after another shift.
    Rest { minutes: i64, shift: i64 },
    /// Would make a run of this many consecutive days on duty.
    Days { days: i64 },
    /// Lacks these required skills.
    Skill { missing: Vec<String> },
    /// Outside the days, hours or dates the volunteer said they are available.
    Unavailable,
}

/// The rule codes, in the order a placement is checked (and reasons are reported).
pub const RULE_CODES: &[&str] = &[
    "availability",
    "skill",
    "overlap",
    "hours24",
    "rest",
    "days",
];

impl Breach {
    pub fn code(&self) -> &'static str {
        match self {
            Breach::Overlap { .. } => "overlap",
            Breach::Hours24 { .. } => "hours24",
            Breach::Rest { .. } => "rest",
            Breach::Days { .. } => "days",
            Breach::Skill { .. } => "skill",
            Breach::Unavailable => "availability",
        }
    }

    /// What is wrong, in both languages.
    pub fn message(&self, rules: &Rules) -> Msg {
        match self {
            Breach::Overlap { .. } => {
                Msg::new("overlaps another of their shifts", "与其另一个班次时间重叠")
            }
            Breach::Hours24 { minutes } => Msg::new(
                format!(
                    "{} hours of duty within 24 hours (the limit is {})",
                    hours_text(*minutes),
                    hours_text(rules.max_minutes_in_24)
                ),
                format!(
                    "24 小时内值班 {} 小时（上限 {} 小时）",
                    hours_text(*minutes),
                    hours_text(rules.max_minutes_in_24)
                ),
            ),
            Breach::Rest { minutes, .. } => Msg::new(
                format!(
                    "only {} hours of rest between shifts (at least {} required)",
                    hours_text(*minutes),
                    hours_text(rules.min_rest_minutes)
                ),
                format!(
                    "两班之间仅休息 {} 小时（至少 {} 小时）",
                    hours_text(*minutes),
                    hours_text(rules.min_rest_minutes)
                ),
            ),
            Breach::Days { days } => Msg::new(
                format!(
                    "{days} consecutive days on duty (the limit is {})",
                    rules.max_consecutive_days
                ),
                format!(
                    "连续值班 {days} 天（上限 {} 天）",
                    rules.max_consecutive_days
                ),
            ),
            Breach::Skill { missing } => Msg::new(
                format!("lacks the required skill: {}", missing.join(", ")),
                format!(
                    "不具备所需技能：{}",
                    missing
                        .iter()
                        .map(|c| super::skill_name(c, crate::i18n::Lang::Zh))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ),
            Breach::Unavailable => Msg::new(
                "outside the days, hours or dates they are available",
                "不在其可服务的日期或时段内",
            ),
        }
    }
}

/// `7.5` from 450 minutes; whole hours without a fraction.
pub fn hours_text(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{:.1}", minutes as f64 / 60.0)
    }
}

/// The calendar day (China time) of an instant, as days since 1970-01-01.
pub use crate::calendar::china_day as day_of;

/// The day number of a stored `YYYY-MM-DD` date (days since 1970-01-01).
pub fn day_number(ymd: &str) -> Option<i64> {
    let d = ymd.trim();
    let y = d.get(0..4)?.parse().ok()?;
    let m = d.get(5..7)?.parse().ok()?;
    let dd = d.get(8..10)?.parse().ok()?;
    Some(crate::registry::validate::days_from_civil(y, m, dd))
}

/// `YYYY-MM-DD` of a day number.
pub fn ymd(day: i64) -> String {
    let (y, m, d) = crate::registry::validate::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Minutes after midnight (China time).
pub fn minute_of_day(ms: i64) -> i64 {
    (ms + CST_MS).rem_euclid(DAY_MS) / MINUTE_MS
}

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// When a volunteer said they can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Bit 0 Monday … bit 6 Sunday.
    pub days: i64,
    /// Daily hours as minutes of the day; `to_min <= from_min` wraps past midnight, and
    /// `0..1440` (or equal ends, a whole day round) is any time.
    pub from_min: i64,
    pub to_min: i64,
    /// First and last day (days since the epoch, China time), inclusive.
    pub first_day: Option<i64>,
    pub last_day: Option<i64>,
}

impl Default for Availability {
    fn default() -> Availability {
        Availability {
            days: 127,
            from_min: 0,
            to_min: 1440,
            first_day: None,
            last_day: None,
        }
    }
}

impl Availability {
    fn minutes_ok(&self, a: i64, b: i64) -> bool {
        // [a, b) within one day, in minutes. Equal ends wrap a whole day round: any time.
        if (self.from_min == 0 && self.to_min >= 1440) || self.from_min == self.to_min {
            return true;
        }
        if self.from_min < self.to_min {
            a >= self.from_min && b <= self.to_min
        } else {
            // Wraps: [from, 1440) ∪ [0, to).
            a >= self.from_min || b <= self.to_min
        }
    }

    /// Whether the whole of `[start, end)` lies in the stated days, hours and dates.
    pub fn covers(&self, start: i64, end: i64) -> bool {
        if end <= start {
            return true;
        }
        let (d0, d1) = (day_of(start), day_of(end - 1));
        if self.first_day.is_some_and(|f| d0 < f) || self.last_day.is_some_and(|l| d1 > l) {
            return false;
        }
        for d in d0..=d1 {
            if self.days & (1 << weekday(d)) == 0 {
                return false;
            }
            let day_start = d * DAY_MS - CST_MS;
            let a = (start.max(day_start) - day_start) / MINUTE_MS;
            let b = (end.min(day_start + DAY_MS) - day_start + MINUTE_MS - 1) / MINUTE_MS;
            if !self.minutes_ok(a, b) {
                return false;
            }
        }
        true
    }
}

/// The time rules a placement of `cand` would break, given the volunteer's other spans (which
/// need not be sorted). With `first_only`, stops at the first breach (for the auto-fill).
pub fn time_breaches(rules: &Rules, others: &[Span], cand: Span, first_only: bool) -> Vec<Breach> {
    let mut out = Vec::new();
    // Only spans within a day of the candidate bear on overlap, 12-in-24 and rest.
    let near = |s: &&Span| s.end > cand.start - DAY_MS && s.start < cand.end + DAY_MS;
    // Overlap.
    if let Some(o) = others
        .iter()
        .find(|s| s.start < cand.end && cand.start < s.end)
    {
        out.push(Breach::Overlap { shift: o.shift });
        if first_only {
            return out;
        }
    }
    // At most N minutes in any 24 hours: the busiest window starts at some span's start or ends
    // at some span's end; only windows that meet the candidate change.
    let close: Vec<Span> = others
        .iter()
        .filter(near)
        .copied()
        .chain(std::iter::once(cand))
        .collect();
    let mut worst = 0;
    for s in &close {
        for w0 in [s.start, s.end - DAY_MS] {
            let w1 = w0 + DAY_MS;
            if w1 <= cand.start || w0 >= cand.end {
                continue;
            }
            let total: i64 = close
                .iter()
                .map(|x| (x.end.min(w1) - x.start.max(w0)).max(0))
                .sum();
            worst = worst.max(total);
        }
    }
    let worst_min = worst / MINUTE_MS;
    if worst_min > rules.max_minutes_in_24 {
        out.push(Breach::Hours24 { minutes: worst_min });
        if first_only {
            return out;
        }
    }
    // Rest between shifts.
    let mut least: Option<(i64, i64)> = None;
    for s in others.iter().filter(near) {
        let gap = if s.end <= cand.start {
            cand.start - s.end
        } else if s.start >= cand.end {
            s.start - cand.end
        } else {
            continue; // overlapping: reported above
        };
        let gap = gap / MINUTE_MS;
        if gap < rules.min_rest_minutes && least.is_none_or(|(g, _)| gap < g) {
            least = Some((gap, s.shift));
        }
    }
    if let Some((minutes, shift)) = least {
        out.push(Breach::Rest { minutes, shift });
        if first_only {
            return out;
        }
    }
    // Consecutive days.
    let max = rules.max_consecutive_days;
    let (c0, c1) = (day_of(cand.start), day_of(cand.end - 1));
    let mut days = BTreeSet::new();
    for s in others {
        let (a, b) = (day_of(s.start), day_of(s.end - 1));
        if b >= c0 - max - 1 && a <= c1 + max + 1 {
            days.extend(a..=b);
        }
    }
    days.extend(c0..=c1);
    let (mut lo, mut hi) = (c0, c1);
    while days.contains(&(lo - 1)) {
        lo -= 1;
    }
    while days.contains(&(hi + 1)) {
        hi += 1;
    }
    let run = hi - lo + 1;
    if run > max {
        out.push(Breach::Days { days: run });
    }
    out
}

/// Every rule a placement would break: availability, skills, then the time rules.
pub fn breaches(
    rules: &Rules,
    avail: &Availability,
    has_skills: &str,
    need_skills: &str,
    others: &[Span],
    cand: Span,
) -> Vec<Breach> {
    let mut out = Vec::new();
    if !avail.covers(cand.start, cand.end) {
        out.push(Breach::Unavailable);
    }
    if rules.check_skills {
        let has: Vec<&str> = has_skills.split_whitespace().collect();
        let missing: Vec<String> = need_skills
            .split_whitespace()
            .filter(|s| !has.contains(s))
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            out.push(Breach::Skill { missing });
        }
    }
    out.extend(time_breaches(rules, others, cand, false));
    out
}

/// Service hours by the civil-affairs rule, in half hours: whole hours count, and of the rest
/// under 15 minutes counts nothing, 15 to under 45 minutes half an hour, 45 and over an hour.
pub fn service_half_hours(minutes: i64) -> i64 {
    if minutes <= 0 {
        return 0;
    }
    let (h, r) = (minutes / 60, minutes % 60);
    2 * h
        + if r < 15 {
            0
        } else if r < 45 {
            1
        } else {
            2
        }
}

/// `3.5` from 7 half hours.
pub fn half_hours_text(n: i64) -> String {
    if n % 2 == 0 {
        (n / 2).to_string()
    } else {
        format!("{}.5", n / 2)
    }
}
