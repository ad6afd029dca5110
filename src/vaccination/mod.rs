//! Vaccination outreach (疫苗接种摸排): the product catalogue and its schedules (`catalogue`),
//! dose records and each resident's derived status with the tallies kept beside it (`doses`),
//! the import of the vaccination system's export (`import`), the outreach worklist and its
//! typed tick-offs (`worklist`), rides to the site through the needs engine (`rides`), the
//! figures by area and age band (`figures`), and their pages.
//!
//! Doses and statuses are health records of residents: staff read them within their registry
//! scope only. Ages are counted by year of birth (the age reached this calendar year), as the
//! campaign's rosters did, so an age band does not change on a birthday mid-year.
//!
//! Every function that depends on the date takes `today` (a day number, China time), so tests
//! drive the clock.

pub mod api;
pub mod catalogue;
pub mod demo;
pub mod doses;
pub mod figures;
pub mod household_watch;
pub mod import;
pub mod pages;
pub mod retention;
pub mod rides;
pub mod tallies;
pub mod worklist;

use crate::access::Reader;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
pub use crate::needs::{in_vocab, label, Vocab};

pub const DAY_MS: i64 = 86_400_000;

/// The calendar day (China time) of an instant, as days since 1970-01-01.
pub use crate::calendar::china_day as day_of;

/// Today (China time) as a day number.
pub fn today() -> i64 {
    day_of(crate::db::now_ms())
}

/// The day number of a stored `YYYY-MM-DD` date.
pub fn day_number(ymd: &str) -> Option<i64> {
    let d = ymd.trim();
    if d.len() != 10 {
        return None;
    }
    let y = d.get(0..4)?.parse().ok()?;
    let m = d.get(5..7)?.parse().ok()?;
    let dd = d.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || dd < 1 || dd > crate::calendar::days_in_month(y, m) {
        return None;
    }
    Some(crate::calendar::days_from_civil(y, m, dd))
}

/// `YYYY-MM-DD` of a day number.
pub fn ymd(day: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The year of a day number.
pub fn year_of(day: i64) -> i64 {
    crate::calendar::civil_from_days(day).0 as i64
}

/// Parse a typed date (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, `YYYY.MM.DD`) to a day number.
pub fn parse_day(field: &'static str, input: &str) -> Result<i64, FieldError> {
    let s = input.trim().replace(['/', '.'], "-");
    let s = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8])
    } else {
        // 2022-1-5 → 2022-01-05
        let p: Vec<&str> = s.split('-').collect();
        if p.len() == 3 && p.iter().all(|x| !x.is_empty() && x.len() <= 4) {
            format!("{:0>4}-{:0>2}-{:0>2}", p[0], p[1], p[2])
        } else {
            s
        }
    };
    day_number(&s)
        .filter(|d| (year_of(*d) >= 1900) && year_of(*d) <= 2200)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("{:?} is not a date (use YYYY-MM-DD)", input.trim()),
                format!("“{}”不是有效日期（格式为 YYYY-MM-DD）", input.trim()),
            )
        })
}

/// Age bands of the figures: (code, English, Chinese, first birth-year age, last).
pub const BANDS: &[(&str, &str, &str, i64, i64)] = &[
    ("60-69", "60–69", "60–69 岁", 60, 69),
    ("70-79", "70–79", "70–79 岁", 70, 79),
    ("80+", "80 and over", "80 岁及以上", 80, 200),
    (
        "adults",
        "all adults (18+)",
        "全体成年人（18 岁及以上）",
        18,
        200,
    ),
];

/// The measures of coverage.
pub const MEASURES: Vocab = &[
    ("first", "first dose", "第一剂"),
    ("full", "full course", "全程接种"),
    ("booster", "booster", "加强免疫"),
];

/// A resident's status as shown.
pub const STATUSES: Vocab = &[
    ("none", "not vaccinated", "未接种"),
    ("partial", "course begun", "未完成全程"),
    ("full", "full course", "已全程"),
    ("booster_due", "booster due", "应加强"),
    ("boosted", "boosted", "已加强"),
];

/// The worklist's target groups: (code, English, Chinese).
pub const GROUPS: Vocab = &[
    ("60+", "aged 60 and over", "60 岁及以上"),
    ("80+", "aged 80 and over", "80 岁及以上"),
    ("60-79", "aged 60–79", "60–79 岁"),
    (
        "booster_due",
        "booster due (adults)",
        "应加强免疫（成年人）",
    ),
];

/// Tick-off reasons (逐人销号).
pub const REASONS: Vocab = &[
    ("vaccinated", "vaccinated", "已接种"),
    ("appointment", "appointment made", "已预约"),
    ("refused", "refused", "拒绝接种"),
    (
        "temp_contra",
        "temporary contraindication",
        "暂缓接种（临时禁忌）",
    ),
    (
        "perm_contra",
        "permanent contraindication",
        "接种禁忌（永久）",
    ),
    (
        "bedridden",
        "bedridden: home vaccination visit",
        "卧床：需上门接种",
    ),
    ("moved", "moved away", "已迁出"),
    ("deceased", "deceased", "已去世"),
    ("not_reached", "not reached", "未联系上"),
];

/// Sub-reasons: (reason, code, English, Chinese).
pub const DETAILS: &[(&str, &str, &str, &str)] = &[
    (
        "temp_contra",
        "fever",
        "fever or acute infection",
        "发热或急性感染",
    ),
    (
        "temp_contra",
        "flare",
        "acute flare of a serious chronic disease",
        "严重慢性病急性发作",
    ),
    (
        "perm_contra",
        "allergy",
        "severe allergic reaction to an earlier dose",
        "既往接种严重过敏",
    ),
    (
        "perm_contra",
        "end_stage",
        "end-stage illness",
        "终末期疾病",
    ),
    ("refused", "self", "by the resident", "本人拒绝"),
    ("refused", "family", "by the family", "家属拒绝"),
];

pub fn detail_label(code: &str, l: crate::i18n::Lang) -> String {
    DETAILS
        .iter()
        .find(|d| d.1 == code)
        .map(|d| {
            if l == crate::i18n::Lang::Zh {
                d.3.to_string()
            } else {
                d.2.to_string()
            }
        })
        .unwrap_or_else(|| code.to_string())
}

/// Days a refusal keeps a resident off the worklist before they are asked again.
pub const REFUSAL_ASK_AGAIN_DAYS: i64 = 30;

/// Who reads doses, statuses, worklists and figures (within their registry scope).
pub fn can_read(r: &Reader) -> bool {
    r.can_read_registry()
}

/// Who records doses and tick-offs and works the list.
pub fn can_work(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "admin" | "hq" | "street" | "community" | "grid" | "branch"
    )
}

/// Who edits the catalogue and the targets.
pub fn can_edit_catalogue(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq")
}

/// Who imports the vaccination system's export.
pub fn can_import(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "street" | "community")
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "vaccination records are for officers, grid workers and branch secretaries",
            "疫苗接种记录仅供干部、网格员和支部书记查看",
        )))
    }
}

pub fn require_work(r: &Reader) -> AppResult<()> {
    if can_work(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "doses and tick-offs are recorded by officers, grid workers and branch secretaries",
            "接种记录和销号由干部、网格员和支部书记登记",
        )))
    }
}

pub fn require_catalogue(r: &Reader) -> AppResult<()> {
    if can_edit_catalogue(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only headquarters edits the vaccine catalogue and the targets",
            "只有指挥部可以修改疫苗目录和目标",
        )))
    }
}

pub fn require_import(r: &Reader) -> AppResult<()> {
    if can_import(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "the vaccination system's export is imported by officers",
            "接种系统导出文件由干部导入",
        )))
    }
}

/// A client id as sent: up to 64 letters, digits, `-` and `_`; empty = none.
pub fn client_id(field: &'static str, s: &str) -> Result<Option<String>, FieldError> {
    let c = s.trim();
    if c.len() > 64
        || !c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            field,
            "the form's id is damaged; reload the page",
            "表单编号已损坏，请刷新页面",
        ));
    }
    Ok((!c.is_empty()).then(|| c.to_owned()))
}

/// The area a page or API call is about (the reader's first scope root by default).
pub async fn area_in_scope(
    db: &crate::db::Db,
    r: &Reader,
    code: &str,
) -> AppResult<crate::registry::areas::Area> {
    crate::needs::area_in_scope(db, r, code).await
}
