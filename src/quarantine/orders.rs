//! Rules and orders: a rule's versions (a change applies to new orders only), orders for a
//! resident or a whole household (idempotent by the client's id), extending or shortening with
//! the previous end kept, the tests the rule asks for (read from testing), and the end of an
//! order (release gated by the tests and the end day, or an override with a reason).

use serde::Serialize;
use serde_json::json;

use super::{date_of, day_of, in_vocab, parse_day, END_REASONS, KINDS, REASONS};
use crate::access::{Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// The longest order a rule or an extension may set.
pub const MAX_DAYS: i64 = 60;

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name_en: String,
    pub name_zh: String,
    pub central_days: i64,
    pub home_days: i64,
    pub test_days: String,
    pub checks_per_day: i64,
    pub is_current: i64,
    pub created_by: String,
    pub created_ms: i64,
}
crate::from_row!(Rule {
    id,
    code,
    version,
    name_en,
    name_zh,
    central_days,
    home_days,
    test_days,
    checks_per_day,
    is_current,
    created_by,
    created_ms
});

impl Rule {
    pub fn name(&self, l: crate::i18n::Lang) -> &str {
        if l == crate::i18n::Lang::Zh {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

const RULE_COLS: &str = "id, code, version, name_en, name_zh, central_days, home_days, test_days, \
    checks_per_day, is_current, created_by, created_ms";

/// The rules in force (each code's newest version).
pub async fn rules(db: &Db) -> AppResult<Vec<Rule>> {
    Ok(db
        .query_as(
            &format!("SELECT {RULE_COLS} FROM quarantine_rules WHERE is_current = 1 ORDER BY code"),
            args![],
        )
        .await?)
}

pub async fn rule(db: &Db, code: &str) -> AppResult<Option<Rule>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {RULE_COLS} FROM quarantine_rules WHERE code = $1 AND is_current = 1"),
            args![code],
        )
        .await?)
}

/// Test days as typed ("1,4,7"): each within 1..=days, sorted, no repeats.
pub fn parse_test_days(field: &'static str, s: &str, days: i64) -> Result<String, FieldError> {
    let mut v = Vec::new();
    for p in s.split([',', '，', ' ']).filter(|p| !p.trim().is_empty()) {
        let n: i64 = p.trim().parse().map_err(|_| {
            FieldError::new(
                field,
                format!("{p:?} is not a day number"),
                format!("“{p}”不是天数"),
            )
        })?;
        if n < 1 || n > days {
            return Err(FieldError::new(
                field,
                format!("test day {n} is outside the order's 1–{days} days"),
                format!("检测日 {n} 不在第 1–{days} 天之内"),
            ));
        }
        v.push(n);
    }
    v.sort_unstable();
    v.dedup();
    Ok(v.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(","))
}

fn day_count(field: &'static str, s: &str) -> Result<i64, FieldError> {
    let n: i64 = s.trim().parse().map_err(|_| {
        FieldError::new(
            field,
            format!("{s:?} is not a number of days"),
            format!("“{s}”不是天数"),
        )
    })?;
    if !(0..=MAX_DAYS).contains(&n) {
        return Err(FieldError::new(
            field,
            format!("between 0 and {MAX_DAYS} days"),
            format!("应在 0 到 {MAX_DAYS} 天之间"),
        ));
    }
    Ok(n)
}

/// A new version of a rule (or a new rule): orders made from now on use it; orders made
/// before keep the version they were made under. HQ and administrators only.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub central_days: String,
    pub home_days: String,
    pub test_days: String,
    pub checks_per_day: String,
}

pub async fn set_rule(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &RuleForm,
    now: i64,
) -> AppResult<i64> {
    if !matches!(r.role.as_str(), "admin" | "hq") {
        return Err(AppError::Forbidden(Msg::new(
            "quarantine rules are set by headquarters",
            "隔离规则由指挥部设定",
        )));
    }
    let mut errs = Vec::new();
    let code = f.code.trim();
    if code.is_empty() || code.len() > 20 || code == "custom" {
        errs.push(FieldError::new(
            "code",
            "a short code of 1–20 characters (not “custom”)",
            "规则代码应为 1–20 个字符（不能是“custom”）",
        ));
    }
    for (field, v) in [("name_en", &f.name_en), ("name_zh", &f.name_zh)] {
        if v.trim().is_empty() || v.chars().count() > 100 {
            errs.push(FieldError::new(
                field,
                "required (up to 100 characters)",
                "必填（最多 100 字）",
            ));
        }
    }
    let central = day_count("central_days", &f.central_days)
        .map_err(|e| errs.push(e))
        .ok();
    let home = day_count("home_days", &f.home_days)
        .map_err(|e| errs.push(e))
        .ok();
    let per_day = match f.checks_per_day.trim() {
        "" | "2" => 2,
        "1" => 1,
        _ => {
            errs.push(FieldError::new("checks_per_day", "1 or 2", "1 或 2"));
            2
        }
    };
    let mut tests = String::new();
    if let (Some(c), Some(h)) = (central, home) {
        if c + h == 0 {
            errs.push(FieldError::new(
                "home_days",
                "the rule has no day",
                "规则至少一天",
            ));
        } else {
            match parse_test_days("test_days", &f.test_days, c + h) {
                Ok(t) => tests = t,
                Err(e) => errs.push(e),
            }
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let (central, home) = (central.unwrap_or(0), home.unwrap_or(0));
    let mut tx = db.begin().await?;
    let version = tx
        .scalar::<i64>(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM quarantine_rules WHERE code = $1",
            args![code],
        )
        .await?;
    tx.execute(
        "UPDATE quarantine_rules SET is_current = 0 WHERE code = $1",
        args![code],
    )
    .await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO quarantine_rules (code, version, name_en, name_zh, central_days, home_days, \
             test_days, checks_per_day, is_current, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10) RETURNING id",
            args![
                code,
                version,
                f.name_en.trim(),
                f.name_zh.trim(),
                central,
                home,
                tests.as_str(),
                per_day,
                actor.username.as_str(),
                now
            ],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_rule_set", "quarantine_rule", id).detail(json!({
            "code": code, "version": version, "central_days": central, "home_days": home,
            "test_days": tests, "checks_per_day": per_day
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub resident_id: i64,
    pub household_id: i64,
    pub path: String,
    pub community_id: i64,
    pub kind: String,
    pub reason: String,
    pub rule_code: String,
    pub rule_version: i64,
    pub central_days: i64,
    pub home_days: i64,
    pub test_days: String,
    pub checks_per_day: i64,
    pub start_day: i64,
    pub end_day: i64,
    pub ordered_by: String,
    pub document: String,
    pub note: String,
    pub status: String,
    pub end_reason: Option<String>,
    pub end_note: String,
    pub override_reason: String,
    pub ended_by: Option<String>,
    pub ended_ms: Option<i64>,
    pub created_by: String,
    pub created_ms: i64,
    pub name: String,
    pub address: String,
}
crate::from_row!(Order {
    id,
    resident_id,
    household_id,
    path,
    community_id,
    kind,
    reason,
    rule_code,
    rule_version,
    central_days,
    home_days,
    test_days,
    checks_per_day,
    start_day,
    end_day,
    ordered_by,
    document,
    note,
    status,
    end_reason,
    end_note,
    override_reason,
    ended_by,
    ended_ms,
    created_by,
    created_ms,
    name,
    address
});

pub const COLS: &str = "o.id, o.resident_id, o.household_id, o.path, o.community_id, o.kind, \
    o.reason, o.rule_code, o.rule_version, o.central_days, o.home_days, o.test_days, \
    o.checks_per_day, o.start_day, o.end_day, o.ordered_by, o.document, o.note, o.status, \
    o.end_reason, o.end_note, o.override_reason, o.ended_by, o.ended_ms, o.created_by, \
    o.created_ms, COALESCE(p.name, v.label, '') AS name, COALESCE(h.address, v.stay, '') AS address";

/// A visitor's order names the visitor by the negated id of their `quarantine_visitors` row
/// (see `super::visitors`): lists show the masked label and where they stay.
pub const FROM: &str = "quarantine_orders o LEFT JOIN residents p ON p.id = o.resident_id \
    LEFT JOIN households h ON h.id = o.household_id \
    LEFT JOIN quarantine_visitors v ON v.id = -o.resident_id";

impl Order {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    pub fn days(&self) -> i64 {
        self.end_day - self.start_day + 1
    }

    /// The test days as day numbers of the calendar (within the order's span).
    pub fn test_dates(&self) -> Vec<i64> {
        self.test_days
            .split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .map(|n| self.start_day + n - 1)
            .filter(|d| *d <= self.end_day)
            .collect()
    }

    /// "Day N of M" on `day` (0 before the start).
    pub fn day_number(&self, day: i64) -> i64 {
        (day - self.start_day + 1).max(0)
    }

    pub fn start_date(&self) -> String {
        date_of(self.start_day)
    }

    pub fn end_date(&self) -> String {
        date_of(self.end_day)
    }
}

/// One order by id, whoever asks (callers check scope).
pub async fn fetch(db: &Db, id: i64) -> AppResult<Order> {
    db.query_opt_as::<Order>(
        &format!("SELECT {COLS} FROM {FROM} WHERE o.id = $1"),
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// One order within the reader's scope (else not found).
pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Order> {
    super::require_read(r)?;
    let o = fetch(db, id).await?;
    if r.registry_scope().contains(&o.path) {
        Ok(o)
    } else {
        Err(AppError::NotFound)
    }
}

/// Orders under an area in the reader's scope: active ones (or ended ones), newest first.
pub async fn list(
    db: &Db,
    r: &Reader,
    path: &str,
    active: bool,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Order>, i64)> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let status = if active { "active" } else { "ended" };
    let end = crate::db::path_end(path);
    let total = db
        .scalar::<i64>(
            "SELECT COUNT(*) AS n FROM quarantine_orders WHERE status = $1 AND path >= $2 AND path < $3",
            args![status, path, end.as_str()],
        )
        .await?;
    let rows = db
        .query_as(
            &format!(
                "SELECT {COLS} FROM {FROM} WHERE o.status = $1 AND o.path >= $2 AND o.path < $3 \
                 ORDER BY o.end_day, o.path, o.household_id, o.id LIMIT $4 OFFSET $5"
            ),
            args![status, path, end.as_str(), limit, offset],
        )
        .await?;
    Ok((rows, total))
}

/// The orders of a resident (newest first), for the resident's page and the API.
pub async fn of_resident(db: &Db, r: &Reader, resident: i64) -> AppResult<Vec<Order>> {
    super::require_read(r)?;
    let v: Vec<Order> = db
        .query_as(
            &format!(
                "SELECT {COLS} FROM {FROM} WHERE o.resident_id = $1 ORDER BY o.id DESC LIMIT 50"
            ),
            args![resident],
        )
        .await?;
    let scope = r.registry_scope();
    Ok(v.into_iter().filter(|o| scope.contains(&o.path)).collect())
}

/// What an order form holds.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct NewOrder {
    pub kind: String,
    pub reason: String,
    /// A rule's code, or "custom" with the days below.
    pub rule: String,
    pub central_days: String,
    pub home_days: String,
    pub test_days: String,
    /// The first day, `YYYY-MM-DD`.
    pub start: String,
    /// Ordered by whom (a name or an office) and on what document.
    pub ordered_by: String,
    pub document: String,
    pub note: String,
    pub client_id: String,
}

struct Person {
    id: i64,
    household_id: i64,
    path: String,
    community_id: i64,
}
crate::from_row!(Person {
    id,
    household_id,
    path,
    community_id
});

/// The order's terms from a form: the rule (its current version, or custom days), the kind,
/// reason and start. Every problem at once.
pub(super) struct Terms {
    kind: String,
    reason: String,
    rule_code: String,
    rule_version: i64,
    central: i64,
    home: i64,
    tests: String,
    per_day: i64,
    start: i64,
}

async fn terms(db: &Db, f: &NewOrder) -> AppResult<Terms> {
    let mut errs = Vec::new();
    if !in_vocab(KINDS, f.kind.trim()) {
        errs.push(FieldError::new(
            "kind",
            "choose the kind of order",
            "请选择隔离方式",
        ));
    }
    if !in_vocab(REASONS, f.reason.trim()) {
        errs.push(FieldError::new("reason", "choose the reason", "请选择原因"));
    }
    if f.ordered_by.trim().is_empty() || f.ordered_by.chars().count() > 100 {
        errs.push(FieldError::new(
            "ordered_by",
            "who ordered it (a person or an office), up to 100 characters",
            "请填写决定人或单位（最多 100 字）",
        ));
    }
    if f.document.chars().count() > 200 || f.note.chars().count() > 500 {
        errs.push(FieldError::new("note", "too long", "内容过长"));
    }
    let start = parse_day("start", &f.start).map_err(|e| errs.push(e)).ok();
    let mut t = Terms {
        kind: f.kind.trim().into(),
        reason: f.reason.trim().into(),
        rule_code: String::new(),
        rule_version: 0,
        central: 0,
        home: 0,
        tests: String::new(),
        per_day: 2,
        start: start.unwrap_or(0),
    };
    match f.rule.trim() {
        "custom" => {
            let c = day_count("central_days", &f.central_days)
                .map_err(|e| errs.push(e))
                .ok();
            let h = day_count("home_days", &f.home_days)
                .map_err(|e| errs.push(e))
                .ok();
            if let (Some(c), Some(h)) = (c, h) {
                if c + h == 0 {
                    errs.push(FieldError::new("home_days", "at least one day", "至少一天"));
                } else {
                    match parse_test_days("test_days", &f.test_days, c + h) {
                        Ok(s) => t.tests = s,
                        Err(e) => errs.push(e),
                    }
                }
                t.central = c;
                t.home = h;
            }
            t.rule_code = "custom".into();
        }
        code => match rule(db, code).await? {
            Some(r) => {
                t.rule_code = r.code;
                t.rule_version = r.version;
                t.central = r.central_days;
                t.home = r.home_days;
                t.tests = r.test_days;
                t.per_day = r.checks_per_day;
            }
            None => errs.push(FieldError::new("rule", "choose a rule", "请选择隔离规则")),
        },
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok(t)
}

/// What an order request made.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub ids: Vec<i64>,
    /// The client id had been seen: nothing new was made.
    pub replayed: bool,
}

fn client_key(cid: &str, resident: i64) -> Option<String> {
    let c = cid.trim();
    (!c.is_empty()).then(|| format!("{}:{resident}", &c[..c.len().min(80)]))
}

/// An order for one resident in the reader's scope.
pub async fn create(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    resident: i64,
    f: &NewOrder,
    now: i64,
) -> AppResult<Made> {
    super::require_order(r)?;
    let p = db
        .query_opt_as::<Person>(
            "SELECT id, household_id, path, community_id FROM residents WHERE id = $1",
            args![resident],
        )
        .await?
        .filter(|p| r.registry_scope().contains(&p.path))
        .ok_or(AppError::NotFound)?;
    make(db, actor, vec![p], f, now, false).await
}

/// Orders for every member of a household in the reader's scope who is not under one yet.
pub async fn create_household(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    household: i64,
    f: &NewOrder,
    now: i64,
) -> AppResult<Made> {
    super::require_order(r)?;
    let path = db
        .scalar_opt::<String>(
            "SELECT path FROM households WHERE id = $1",
            args![household],
        )
        .await?
        .filter(|p| r.registry_scope().contains(p))
        .ok_or(AppError::NotFound)?;
    let _ = path;
    let people = db
        .query_as::<Person>(
            "SELECT id, household_id, path, community_id FROM residents WHERE household_id = $1 ORDER BY id",
            args![household],
        )
        .await?;
    if people.is_empty() {
        return Err(AppError::BadRequest(Msg::new(
            "the household has no members registered",
            "该户没有登记成员",
        )));
    }
    make(db, actor, people, f, now, true).await
}

async fn make(
    db: &Db,
    actor: &Actor,
    people: Vec<Person>,
    f: &NewOrder,
    now: i64,
    skip_ordered: bool,
) -> AppResult<Made> {
    if let Some(seen) = replayed(db, f, people[0].id).await? {
        return Ok(seen);
    }
    let t = terms(db, f).await?;
    let mut tx = db.begin().await?;
    let ids = make_in(&mut tx, actor, &people, &t, f, now, skip_ordered).await?;
    tx.commit().await?;
    Ok(Made {
        ids,
        replayed: false,
    })
}

/// The orders an earlier request with the same client id made (the first subject's key was
/// stored by it), if any.
async fn replayed(db: &Db, f: &NewOrder, first: i64) -> AppResult<Option<Made>> {
    if let Some(key) = client_key(&f.client_id, first) {
        let prefix = &key[..key.rfind(':').unwrap_or(0) + 1];
        let seen: Vec<i64> = db
            .column(
                "SELECT id FROM quarantine_orders WHERE client_id >= $1 AND client_id < $2 ORDER BY id",
                args![prefix, format!("{prefix}\u{7f}")],
            )
            .await?;
        if !seen.is_empty() {
            return Ok(Some(Made {
                ids: seen,
                replayed: true,
            }));
        }
    }
    Ok(None)
}

/// Insert the orders (with their history, today's checks and the audit) in `tx`; a subject
/// under an active order already is skipped, and none made at all is a conflict.
async fn make_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    people: &[Person],
    t: &Terms,
    f: &NewOrder,
    now: i64,
    skip_ordered: bool,
) -> AppResult<Vec<i64>> {
    let end = t.start + t.central + t.home - 1;
    let mut ids = Vec::new();
    let mut already = Vec::new();
    for p in people {
        if let Some(o) = tx
            .scalar_opt::<i64>(
                "SELECT id FROM quarantine_orders WHERE resident_id = $1 AND status = 'active'",
                args![p.id],
            )
            .await?
        {
            already.push(o);
            continue;
        }
        let id = tx
            .scalar::<i64>(
                "INSERT INTO quarantine_orders (resident_id, household_id, path, community_id, kind, \
                 reason, rule_code, rule_version, central_days, home_days, test_days, checks_per_day, \
                 start_day, end_day, ordered_by, document, note, status, client_id, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 'active', $18, $19, $20) RETURNING id",
                args![
                    p.id,
                    p.household_id,
                    p.path.as_str(),
                    p.community_id,
                    t.kind.as_str(),
                    t.reason.as_str(),
                    t.rule_code.as_str(),
                    t.rule_version,
                    t.central,
                    t.home,
                    t.tests.as_str(),
                    t.per_day,
                    t.start,
                    end,
                    f.ordered_by.trim(),
                    f.document.trim(),
                    f.note.trim(),
                    client_key(&f.client_id, p.id),
                    actor.username.as_str(),
                    now
                ],
            )
            .await?;
        tx.execute(
            "INSERT INTO quarantine_changes (order_id, kind, prev_end_day, new_end_day, reason, actor, at_ms) \
             VALUES ($1, 'created', NULL, $2, '', $3, $4)",
            args![id, end, actor.username.as_str(), now],
        )
        .await?;
        super::checks::generate_for_order(tx, id, day_of(now)).await?;
        // A visitor's subject id is the negated id of their `quarantine_visitors` row.
        let (subject_key, subject) = if p.id < 0 {
            ("visitor", -p.id)
        } else {
            ("resident", p.id)
        };
        audit::record(
            tx,
            actor,
            Event::new("quarantine_ordered", "quarantine_order", id)
                .area(&p.path)
                .detail(json!({
                    subject_key: subject, "kind": t.kind, "reason": t.reason,
                    "rule": t.rule_code, "rule_version": t.rule_version,
                    "start": date_of(t.start), "end": date_of(end),
                    "ordered_by": f.ordered_by.trim(), "document": f.document.trim()
                })),
        )
        .await?;
        ids.push(id);
    }
    if ids.is_empty() {
        let n = already.first().copied().unwrap_or(0);
        return Err(AppError::Conflict(if skip_ordered {
            Msg::new(
                "every member of the household is under an order already",
                "该户所有成员均已在隔离中",
            )
        } else {
            Msg::new(
                format!("this person is under order #{n} already: extend it instead"),
                format!("此人已在隔离中（#{n}），请改为延长"),
            )
        }));
    }
    Ok(ids)
}

/// Before a visitor's order (see `super::visitors`): the earlier request's orders when the
/// client id was seen, else the order's terms checked.
pub(super) async fn make_for_visitor(db: &Db, f: &NewOrder) -> AppResult<Result<Terms, Made>> {
    if let Some(seen) = replayed(db, f, 0).await? {
        return Ok(Err(seen));
    }
    Ok(Ok(terms(db, f).await?))
}

/// [`make_in`] for one visitor (see [`make_for_visitor`]).
pub(super) async fn make_visitor_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    subject: i64,
    path: &str,
    t: &Terms,
    f: &NewOrder,
    now: i64,
) -> AppResult<i64> {
    let p = Person {
        id: subject,
        household_id: subject,
        path: path.to_owned(),
        community_id: crate::registry::areas::community_id(path),
    };
    let ids = make_in(tx, actor, &[p], t, f, now, false).await?;
    Ok(ids[0])
}

/// Extend or shorten an active order to a new last day, with a reason; the previous end is
/// kept in the history. Checks after a shortened end are removed; today's are generated when
/// an extension reaches today again.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct EndChange {
    pub end: String,
    pub reason: String,
}

pub async fn change_end(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    f: &EndChange,
    now: i64,
) -> AppResult<()> {
    super::require_order(r)?;
    let o = get(db, r, id).await?;
    let mut errs = Vec::new();
    let new_end = parse_day("end", &f.end).map_err(|e| errs.push(e)).ok();
    if f.reason.trim().is_empty() || f.reason.chars().count() > 500 {
        errs.push(FieldError::new(
            "reason",
            "say why the end changes",
            "请说明变更原因",
        ));
    }
    if let Some(e) = new_end {
        if e < o.start_day {
            errs.push(FieldError::new(
                "end",
                format!("the end may not be before the start ({})", o.start_date()),
                format!("结束日期不能早于开始日期（{}）", o.start_date()),
            ));
        } else if e - o.start_day + 1 > MAX_DAYS * 2 {
            errs.push(FieldError::new("end", "too long an order", "隔离期过长"));
        } else if e == o.end_day {
            errs.push(FieldError::new(
                "end",
                "that is the end already",
                "与现结束日期相同",
            ));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if !o.is_active() {
        return Err(AppError::BadRequest(Msg::new(
            "the order has ended",
            "该隔离已结束",
        )));
    }
    let new_end = new_end.unwrap_or(o.end_day);
    let kind = if new_end > o.end_day {
        "extended"
    } else {
        "shortened"
    };
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE quarantine_orders SET end_day = $1 WHERE id = $2 AND status = 'active' AND end_day = $3",
            args![new_end, id, o.end_day],
        )
        .await?;
    if n != 1 {
        return Err(AppError::Conflict(Msg::new(
            "the order changed meanwhile: reload and try again",
            "该隔离已被他人修改，请刷新后重试",
        )));
    }
    tx.execute(
        "INSERT INTO quarantine_changes (order_id, kind, prev_end_day, new_end_day, reason, actor, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![id, kind, o.end_day, new_end, f.reason.trim(), actor.username.as_str(), now],
    )
    .await?;
    tx.execute(
        "DELETE FROM quarantine_checks WHERE order_id = $1 AND day > $2 AND status = 'pending'",
        args![id, new_end],
    )
    .await?;
    super::checks::generate_for_order(&mut tx, id, day_of(now)).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_end_changed", "quarantine_order", id)
            .area(&o.path)
            .detail(json!({"old": {"end": o.end_date()}, "new": {"end": date_of(new_end)}, "reason": f.reason.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A step of an order's history.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: String,
    pub prev_end_day: Option<i64>,
    pub new_end_day: Option<i64>,
    pub reason: String,
    pub actor: String,
    pub at_ms: i64,
}
crate::from_row!(Change {
    kind,
    prev_end_day,
    new_end_day,
    reason,
    actor,
    at_ms
});

pub async fn changes(db: &Db, id: i64) -> AppResult<Vec<Change>> {
    Ok(db
        .query_as(
            "SELECT kind, prev_end_day, new_end_day, reason, actor, at_ms FROM quarantine_changes \
             WHERE order_id = $1 ORDER BY id",
            args![id],
        )
        .await?)
}

/// A test the rule asks for, and what testing recorded on that day.
#[derive(Debug, Clone, Serialize)]
pub struct TestDay {
    /// Day of the order (1 = the first).
    pub n: i64,
    pub day: i64,
    /// negative, positive, pending, retest, …; none: no sample that day.
    pub result: Option<String>,
    pub round: Option<String>,
}

/// The rule's test days with the results testing holds for the person on those days (a
/// sample taken that day, China time).
pub async fn tests(db: &Db, o: &Order) -> AppResult<Vec<TestDay>> {
    let scope = Scope {
        roots: vec![o.path.clone()],
    };
    let results = match crate::testing::results::latest(db, &scope, o.resident_id, 200).await {
        Ok(v) => v,
        // The resident was removed from the registry: no results to show.
        Err(AppError::NotFound) => vec![],
        Err(e) => return Err(e),
    };
    Ok(o.test_dates()
        .into_iter()
        .map(|day| {
            let hit = results.iter().find(|p| day_of(p.first_ms) == day);
            TestDay {
                n: o.day_number(day),
                day,
                result: hit.map(|p| p.status.clone()),
                round: hit.map(|p| p.round_name.clone()),
            }
        })
        .collect())
}

/// Why a release is not yet allowed by the rule (empty: allowed).
pub fn release_blockers(o: &Order, tests: &[TestDay], today: i64) -> Vec<Msg> {
    let mut v = Vec::new();
    if today < o.end_day {
        v.push(Msg::new(
            format!("the order runs until {}", o.end_date()),
            format!("隔离期至 {} 结束", o.end_date()),
        ));
    }
    for t in tests {
        match t.result.as_deref() {
            Some("negative") => {}
            Some("positive") => v.push(Msg::new(
                format!("the test of day {} is positive", t.n),
                format!("第 {} 天检测结果为阳性", t.n),
            )),
            _ => v.push(Msg::new(
                format!("no negative test on day {} ({})", t.n, date_of(t.day)),
                format!("第 {} 天（{}）无阴性检测结果", t.n, date_of(t.day)),
            )),
        }
    }
    v
}

/// How an order ends.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct Ending {
    /// released, hospital, moved, error.
    pub reason: String,
    pub note: String,
    /// A release the rule does not allow yet needs this reason.
    pub override_reason: String,
}

/// End an active order. A release needs the rule's end day reached and its tests negative, or
/// an override with a reason; an error needs a note. The checks still to do are removed.
pub async fn end(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    f: &Ending,
    now: i64,
) -> AppResult<()> {
    super::require_order(r)?;
    let o = get(db, r, id).await?;
    let reason = f.reason.trim();
    if !in_vocab(END_REASONS, reason) {
        return Err(
            FieldError::new("reason", "choose how the order ends", "请选择结束方式").into(),
        );
    }
    if f.note.chars().count() > 500 || f.override_reason.chars().count() > 500 {
        return Err(FieldError::new("note", "too long", "内容过长").into());
    }
    if !o.is_active() {
        return Err(AppError::BadRequest(Msg::new(
            "the order has ended already",
            "该隔离已结束",
        )));
    }
    let mut override_reason = String::new();
    if reason == "released" {
        let tests = tests(db, &o).await?;
        let blockers = release_blockers(&o, &tests, day_of(now));
        if !blockers.is_empty() {
            if f.override_reason.trim().is_empty() {
                let en = blockers
                    .iter()
                    .map(|m| m.en.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let zh = blockers
                    .iter()
                    .map(|m| m.zh.clone())
                    .collect::<Vec<_>>()
                    .join("；");
                return Err(FieldError::new(
                    "override_reason",
                    format!("the rule does not allow release yet ({en}): give a reason to release anyway"),
                    format!("按规则尚不能解除（{zh}），如仍要解除请填写理由"),
                )
                .into());
            }
            override_reason = f.override_reason.trim().to_owned();
        }
    } else if reason == "error" && f.note.trim().is_empty() {
        return Err(FieldError::new("note", "say what was wrong", "请说明错误情况").into());
    }
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE quarantine_orders SET status = 'ended', end_reason = $1, end_note = $2, \
             override_reason = $3, ended_by = $4, ended_ms = $5 WHERE id = $6 AND status = 'active'",
            args![reason, f.note.trim(), override_reason.as_str(), actor.username.as_str(), now, id],
        )
        .await?;
    if n != 1 {
        return Err(AppError::Conflict(Msg::new(
            "the order changed meanwhile: reload",
            "该隔离已被他人修改，请刷新",
        )));
    }
    tx.execute(
        "INSERT INTO quarantine_changes (order_id, kind, prev_end_day, new_end_day, reason, actor, at_ms) \
         VALUES ($1, 'ended', $2, $2, $3, $4, $5)",
        args![id, o.end_day, format!("{reason}: {}{}", f.note.trim(), if override_reason.is_empty() { String::new() } else { format!(" / override: {override_reason}") }), actor.username.as_str(), now],
    )
    .await?;
    tx.execute(
        "DELETE FROM quarantine_checks WHERE order_id = $1 AND status = 'pending'",
        args![id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_ended", "quarantine_order", id)
            .area(&o.path)
            .detail(json!({"reason": reason, "note": f.note.trim(), "override": override_reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
