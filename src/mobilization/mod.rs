//! Mobilization: units that send cadres down, volunteers and their screening (`volunteers`),
//! party branches and teams (`branches`), posts, places, shifts and the duty rules (`roster`,
//! `rules`), auto-fill (`autofill`), check-in/out and service hours (`duty`), care visits
//! (`visits`), and their pages.
//!
//! Volunteers are personal data: every query filters by the reader's registry scope (the area
//! a volunteer serves, `volunteers.path`), and a volunteer's own account sees only their own
//! record and shifts.

pub mod api;
pub mod autofill;
pub mod branches;
pub mod duty;
pub mod notify;
pub mod pages;
pub mod retention;
pub mod roster;
pub mod rules;
pub mod signup;
pub mod visits;
pub mod volunteers;

use crate::access::Reader;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::registry::validate;

/// A closed vocabulary: (code, English, Chinese).
pub type Vocab = &'static [(&'static str, &'static str, &'static str)];

pub const POLITICAL: Vocab = &[
    ("party", "CPC member", "中共党员"),
    ("probationary", "probationary CPC member", "中共预备党员"),
    ("league", "Youth League member", "共青团员"),
    ("none", "none", "群众"),
];

pub const SKILLS: Vocab = &[
    ("medical", "medical", "医护"),
    ("driving", "driving (own car)", "驾驶（自备车辆）"),
    ("counselling", "counselling", "心理疏导"),
    ("it", "IT", "信息技术"),
    ("languages", "languages", "外语"),
    ("sign", "sign language", "手语"),
];

pub const STATUSES: Vocab = &[
    ("applied", "applied", "待审核"),
    ("approved", "approved", "已通过"),
    ("rejected", "rejected", "未通过"),
    ("withdrawn", "withdrawn", "已撤回"),
    ("suspended", "suspended", "已暂停"),
];

pub const PLACE_KINDS: Vocab = &[
    ("checkpoint", "checkpoint", "卡口"),
    ("site", "sampling site", "采样点"),
    ("office", "community office", "社区办公室"),
    ("hotline", "hotline", "热线"),
];

pub const BRANCH_KINDS: Vocab = &[
    ("standing", "standing branch", "党支部"),
    ("temporary", "temporary branch", "临时党支部"),
];

pub const BRANCH_ATTACH: Vocab = &[
    ("community", "community", "社区"),
    ("compound", "compound", "小区"),
    ("checkpoint", "checkpoint", "卡口"),
    ("site", "site", "点位"),
    ("online", "online", "线上"),
];

pub const BRANCH_ROLES: Vocab = &[
    ("secretary", "secretary", "书记"),
    ("deputy", "deputy secretary", "副书记"),
    ("member", "member", "党员"),
];

pub const TEAM_KINDS: Vocab = &[
    ("onsite", "on-site duty", "现场值守"),
    ("delivery", "supply delivery", "物资配送"),
    ("mobile", "mobile service", "流动服务"),
    ("sampling", "sampling support", "采样保障"),
    ("other", "other", "其他"),
];

/// Monday … Sunday.
pub const WEEKDAYS: Vocab = &[
    ("mon", "Mon", "周一"),
    ("tue", "Tue", "周二"),
    ("wed", "Wed", "周三"),
    ("thu", "Thu", "周四"),
    ("fri", "Fri", "周五"),
    ("sat", "Sat", "周六"),
    ("sun", "Sun", "周日"),
];

/// The label of a code in a vocabulary (the code itself when unknown).
pub fn label(v: Vocab, code: &str, l: Lang) -> String {
    v.iter()
        .find(|x| x.0 == code)
        .map(|x| if l == Lang::Zh { x.2 } else { x.1 })
        .unwrap_or(code)
        .to_owned()
}

pub fn skill_name(code: &str, l: Lang) -> String {
    label(SKILLS, code, l)
}

/// Skills as labels: "medical, IT".
pub fn skills_text(codes: &str, l: Lang) -> String {
    codes
        .split_whitespace()
        .map(|c| skill_name(c, l))
        .collect::<Vec<_>>()
        .join(if l == Lang::Zh { "、" } else { ", " })
}

pub fn in_vocab(v: Vocab, code: &str) -> bool {
    v.iter().any(|x| x.0 == code)
}

/// A name of 1 to 100 characters, else `field`'s error with the given wording.
pub(crate) fn check_name(
    errs: &mut Vec<crate::error::FieldError>,
    field: &'static str,
    name: &str,
    en: &str,
    zh: &str,
) {
    if name.trim().is_empty() || name.trim().chars().count() > 100 {
        errs.push(crate::error::FieldError::new(field, en, zh));
    }
}

/// A code from a vocabulary, else `field`'s error with the given wording.
pub(crate) fn check_code(
    errs: &mut Vec<crate::error::FieldError>,
    field: &'static str,
    v: Vocab,
    code: &str,
    en: &str,
    zh: &str,
) {
    if !in_vocab(v, code) {
        errs.push(crate::error::FieldError::new(field, en, zh));
    }
}

/// Officers who screen volunteers, build rosters and may override the rules.
pub fn can_manage(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "street" | "community")
}

/// Who may see the volunteer pool, branches and rosters of their scope.
pub fn can_read(r: &Reader) -> bool {
    r.can_read_registry()
}

/// Who records care visits: officers, grid workers and branch secretaries.
pub fn can_visit(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "admin" | "hq" | "street" | "community" | "grid" | "branch"
    )
}

pub fn require_manager(r: &Reader) -> AppResult<()> {
    if can_manage(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only street and community officers (and HQ) screen volunteers, build rosters and override the duty rules",
            "只有街道、社区干部（及指挥部）可以审核志愿者、排班和批准破例",
        )))
    }
}

pub fn require_reader(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "volunteers see their own shifts only; the volunteer pool is for officers, grid workers and branch secretaries",
            "志愿者只能查看自己的班次；志愿者库供干部、网格员和支部书记使用",
        )))
    }
}

/// One record by id, for a reader who may read the pool, within their scope: `sql` selects it
/// by `$1`, `of` maps its row (a [`FromRow`](crate::db::FromRow) mapping), `path` names its
/// area. Outside the scope it is not found.
pub(crate) async fn scoped_one<T>(
    db: &crate::db::Db,
    r: &Reader,
    sql: &str,
    id: i64,
    of: fn(&crate::db::Row) -> crate::db::DbResult<T>,
    path: fn(&T) -> &str,
) -> AppResult<T> {
    require_reader(r)?;
    let x = match db.query_opt(sql, crate::args![id]).await? {
        Some(row) => of(&row)?,
        None => return Err(AppError::NotFound),
    };
    if r.registry_scope().contains(path(&x)) {
        Ok(x)
    } else {
        Err(AppError::NotFound)
    }
}

/// Availability from its stored columns.
pub fn availability_of(
    days: i64,
    from_min: i64,
    to_min: i64,
    first: Option<&str>,
    last: Option<&str>,
) -> rules::Availability {
    rules::Availability {
        days,
        from_min,
        to_min,
        first_day: first.and_then(rules::day_number),
        last_day: last.and_then(rules::day_number),
    }
}

/// A calendar date `YYYY-MM-DD`, past or future: rosters and availability look ahead, unlike
/// the registry's dates, which [`validate::parse_date`] keeps out of the future.
pub fn parse_day(field: &'static str, input: &str) -> Result<String, crate::error::FieldError> {
    let s = input.trim().replace('/', "-");
    let p: Vec<&str> = s.split('-').collect();
    let ymd = (p.len() == 3)
        .then(|| {
            Some((
                p[0].parse::<i32>().ok()?,
                p[1].parse::<u32>().ok()?,
                p[2].parse::<u32>().ok()?,
            ))
        })
        .flatten();
    match ymd {
        Some((y, m, d))
            if (1900..=2200).contains(&y) && d >= 1 && d <= validate::days_in_month(y, m) =>
        {
            Ok(format!("{y:04}-{m:02}-{d:02}"))
        }
        _ => Err(crate::error::FieldError::new(
            field,
            format!("{input:?} is not a date (use YYYY-MM-DD)"),
            format!("“{input}”不是有效日期（格式为 年-月-日，如 2022-04-01）"),
        )),
    }
}

/// `HH:MM` from minutes of the day.
pub fn hhmm(min: i64) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Minutes of the day from `HH:MM` (`24:00` allowed as the end of the day).
pub fn parse_hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let t = h * 60 + m;
    ((0..60).contains(&m) && (0..=1440).contains(&t)).then_some(t)
}
