//! Health follow-up (issue 15): quarantine orders under versioned rules (`orders`), the checks
//! owed each day with their referrals and escalations (`checks`), households paired with a
//! contact person and the contact log (`pairings`), the worklist of a grid worker or a contact
//! person (`worklist`), the figures (`figures`), and their pages and API.
//!
//! An order and its checks are personal health data: staff read them within their registry
//! scope; a contact person reads the households paired with them only; a household's link reads
//! its own members' checks only. Every function that depends on the time takes `now` (ms).
//!
//! Days are China-time day numbers (days since 1970-01-01 in UTC+8).

pub mod api;
pub mod checks;
pub mod demo;
pub mod figures;
pub mod ingest;
pub mod notify;
pub mod orders;
pub mod pages;
pub mod pairings;
pub mod referred;
pub mod retention;
pub mod visitors;
pub mod worklist;

use std::collections::HashSet;

use crate::access::Reader;
use crate::args;
use crate::db::{Db, DbResult, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
pub use crate::mobilization::{in_vocab, label, Vocab};

pub const DAY_MS: i64 = 86_400_000;
/// UTC+8.
pub const CST_MS: i64 = 8 * 3_600_000;
const HOUR: i64 = 3_600_000;

pub const KINDS: Vocab = &[
    ("home", "home quarantine", "居家隔离"),
    ("central", "centralized quarantine site", "集中隔离"),
    ("monitor", "home health monitoring", "居家健康监测"),
];

pub const REASONS: Vocab = &[
    ("returnee", "returnee from a risk area", "中高风险地区返乡"),
    ("close", "close contact", "密切接触者"),
    ("secondary", "secondary contact", "密接的密接"),
    ("pooled", "pooled-positive tube", "混管阳性"),
    ("abroad", "entry from abroad", "境外入境"),
    ("checkpoint", "referred at a checkpoint", "卡口转介"),
    ("other", "other", "其他"),
];

pub const END_REASONS: Vocab = &[
    ("released", "released", "解除隔离"),
    ("hospital", "transferred to hospital", "转运就医"),
    ("moved", "moved out of scope", "迁出本辖区"),
    ("error", "recorded in error", "误登记"),
];

pub const CHECK_STATUSES: Vocab = &[
    ("pending", "to do", "待监测"),
    ("well", "done, well", "已监测·正常"),
    ("unwell", "done, not well", "已监测·异常"),
    ("missed", "missed", "漏报"),
    ("not_attempted", "not attempted", "未能监测"),
];

/// Why a check was not attempted.
pub const NOT_ATTEMPTED: Vocab = &[
    (
        "not_home",
        "nobody at home / no answer at the door",
        "敲门无人应答",
    ),
    ("no_phone", "phone not answered", "电话无人接听"),
    ("refused", "refused", "拒绝配合"),
    ("other", "other", "其他"),
];

/// The fixed list of symptoms (a bit each, in this order).
pub const SYMPTOMS: Vocab = &[
    ("fever", "fever or chills", "发热或畏寒"),
    ("cough", "cough", "咳嗽"),
    ("throat", "sore throat", "咽痛"),
    ("fatigue", "fatigue", "乏力"),
    ("smell", "loss of smell or taste", "嗅觉味觉减退"),
    ("breath", "shortness of breath", "呼吸困难"),
    ("ache", "muscle aches", "肌肉酸痛"),
    ("diarrhoea", "diarrhoea", "腹泻"),
];

/// Who did a check.
pub const BY_KINDS: Vocab = &[
    ("grid", "grid worker", "网格员"),
    ("contact", "contact person", "联户人"),
    ("medic", "medic", "医生"),
    ("officer", "officer", "干部"),
    ("self", "self-report", "本人自报"),
];

pub const TASK_KINDS: Vocab = &[
    ("referral", "referral to the medic", "转介社区医生"),
    (
        "escalation",
        "two checks missed: to the community",
        "连续漏报：上报社区",
    ),
];

/// The fever band: from 37.3 °C (in tenths).
pub const FEVER_DC: i64 = 373;
pub const TEMP_MIN_DC: i64 = 340;
pub const TEMP_MAX_DC: i64 = 430;

/// The China-time day of an instant.
pub use crate::calendar::china_day as day_of;

/// The instant a China-time day begins.
pub fn day_start(day: i64) -> i64 {
    day * DAY_MS - CST_MS
}

/// `YYYY-MM-DD` of a day.
pub fn date_of(day: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A date `YYYY-MM-DD` (or `YYYY/MM/DD`) as a day number.
pub fn parse_day(field: &'static str, s: &str) -> Result<i64, FieldError> {
    let s = s.trim().replace('/', "-");
    let bad = || {
        FieldError::new(
            field,
            format!("{s:?} is not a date (YYYY-MM-DD)"),
            format!("“{s}”不是日期（年-月-日）"),
        )
    };
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "必填"));
    }
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        p[0].parse::<i32>(),
        p[1].parse::<u32>(),
        p[2].parse::<u32>(),
    ) else {
        return Err(bad());
    };
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return Err(bad());
    }
    if d > crate::calendar::days_in_month(y, m) {
        return Err(bad());
    }
    Ok(crate::calendar::days_from_civil(y, m, d))
}

/// The windows of a check: (opens, end of "on time", missed after), from the day's start.
/// Two checks a day: morning 06–12 (missed after 14:00), evening 16–21 (missed after
/// midnight); one a day: 06–20 (missed after midnight).
pub fn windows(day: i64, slot: i64, per_day: i64) -> (i64, i64, i64) {
    let s = day_start(day);
    match (per_day, slot) {
        (1, _) => (s + 6 * HOUR, s + 20 * HOUR, s + 24 * HOUR),
        (_, 1) => (s + 6 * HOUR, s + 12 * HOUR, s + 14 * HOUR),
        _ => (s + 16 * HOUR, s + 21 * HOUR, s + 24 * HOUR),
    }
}

/// A temperature as typed ("36.8", "36,8", "36.8℃") in tenths of a degree, checked to lie
/// within 34–43 °C.
pub fn parse_temp(field: &'static str, s: &str) -> Result<Option<i64>, FieldError> {
    let t = s
        .trim()
        .trim_end_matches(['℃', 'C', 'c', '°'])
        .trim()
        .replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    let v: f64 = t.parse().map_err(|_| {
        FieldError::new(
            field,
            format!("{s:?} is not a temperature: type e.g. 36.8"),
            format!("“{s}”不是体温，请填写如 36.8"),
        )
    })?;
    let dc = (v * 10.0).round() as i64;
    if !v.is_finite() || !(TEMP_MIN_DC..=TEMP_MAX_DC).contains(&dc) {
        return Err(FieldError::new(
            field,
            format!("{s} °C is outside 34–43 °C: measure again"),
            format!("{s}℃ 不在 34–43℃ 范围内，请重新测量"),
        ));
    }
    Ok(Some(dc))
}

pub fn temp_text(dc: Option<i64>) -> String {
    dc.map(|d| format!("{}.{}℃", d / 10, d % 10))
        .unwrap_or_default()
}

/// Symptom codes to their bit set; an unknown code is an error naming it.
pub fn symptom_bits(field: &'static str, codes: &[String]) -> Result<i64, FieldError> {
    let mut bits = 0;
    for c in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let i = SYMPTOMS.iter().position(|s| s.0 == c).ok_or_else(|| {
            FieldError::new(
                field,
                format!("{c:?} is not a symptom of the list"),
                format!("“{c}”不在症状列表中"),
            )
        })?;
        bits |= 1 << i;
    }
    Ok(bits)
}

pub fn symptoms_text(bits: i64, l: Lang) -> String {
    SYMPTOMS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, s)| if l == Lang::Zh { s.2 } else { s.1 })
        .collect::<Vec<_>>()
        .join(if l == Lang::Zh { "、" } else { ", " })
}

pub fn symptom_codes(bits: i64) -> Vec<&'static str> {
    SYMPTOMS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, s)| s.0)
        .collect()
}

/// Staff who read orders, checks and figures within their registry scope.
pub fn can_read(r: &Reader) -> bool {
    r.can_read_registry()
}

/// Officers who order, extend, shorten and end quarantine.
pub fn can_order(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "street" | "community")
}

/// Staff who record checks of anyone in their scope.
pub fn can_check(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "street" | "community" | "grid")
}

/// The community's medic: reads and closes the referrals (fever, symptoms) of their area, and
/// nothing else of the follow-up.
pub fn is_medic(r: &Reader) -> bool {
    r.role == "medic"
}

/// Who pairs households with contact persons: community officers and branch secretaries.
pub fn can_pair(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "street" | "community" | "branch")
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "health follow-up is for officers, grid workers and branch secretaries",
            "健康监测供干部、网格员和支部书记使用",
        )))
    }
}

pub fn require_order(r: &Reader) -> AppResult<()> {
    if can_order(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only community and street officers (and HQ) order and end quarantine",
            "只有社区、街道干部（及指挥部）可以下达和解除隔离",
        )))
    }
}

/// The households among `ids` with a member under an active order at `at_ms` (for the needs
/// queue: a quarantined household's requests are tagged and sort first).
pub async fn households_under_order(db: &Db, ids: &[i64], at_ms: i64) -> DbResult<HashSet<i64>> {
    let day = day_of(at_ms);
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let mut params: Vec<Value> = chunk.iter().map(|i| Value::from(*i)).collect();
        params.push(Value::from(day));
        let sql = format!(
            "SELECT DISTINCT household_id FROM quarantine_orders WHERE status = 'active' \
             AND start_day <= ${n} AND household_id IN ({})",
            crate::db::placeholders(1, chunk.len()),
            n = chunk.len() + 1
        );
        out.extend(db.column::<i64>(&sql, params).await?);
    }
    Ok(out)
}

/// A SQL condition true for rows whose household (`hh_col`) has someone under an active order
/// on the China-time day given as parameter `$n` ([`day_of`] of the moment): for ordering lists
/// ("quarantined first") with one index probe per row (`quarantine_orders_household`).
pub fn under_order_sql(hh_col: &str, n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM quarantine_orders q WHERE q.household_id = {hh_col} \
         AND q.status = 'active' AND q.start_day <= ${n})"
    )
}

/// The household a household link (户码) opens. The links belong to the needs capability (its
/// table `household_links`); this reads the one row, so the health pages stay below needs.
pub async fn link_household(db: &Db, token: &str) -> AppResult<Option<i64>> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    Ok(db
        .scalar_opt::<i64>(
            "SELECT l.household_id FROM household_links l JOIN households h ON h.id = l.household_id \
             WHERE l.token = $1",
            args![token],
        )
        .await?)
}

/// The area a page or an API call is about: `code`, or when empty the reader's first scope
/// root; outside the scope it is not found.
pub async fn area_in_scope(
    db: &Db,
    r: &Reader,
    code: &str,
) -> AppResult<crate::registry::areas::Area> {
    use crate::registry::areas;
    let scope = r.registry_scope();
    let a = match code.trim() {
        "" => match scope.roots.first() {
            Some(p) => areas::by_path(db, p).await?,
            None => None,
        },
        c => areas::by_code(db, c).await?,
    };
    a.filter(|a| scope.contains(&a.path))
        .ok_or(AppError::NotFound)
}
