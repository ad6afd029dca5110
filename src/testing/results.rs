//! Lab results, individual re-tests and their follow-up tasks; exemptions; walk-ins waiting to
//! be registered; a resident's latest result.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{coverage, end, Round, EXEMPT_REASONS};
use crate::access::{Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db, DbResult, FromRow, Row, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::validate::mask_phone;

pub use super::tubes::{tube, TubePerson, TubeView};
pub use super::walkins::{resolve_walkin, walkins, Walkin};

pub const RESULTS: &[(&str, &str, &str)] = &[
    ("negative", "negative", "阴性"),
    ("positive", "positive", "阳性"),
    ("invalid", "invalid: re-sample", "无效，需重采"),
];

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ResultLine {
    pub tube: String,
    pub result: String,
    /// The line's row in an uploaded file (0: count from the start of the list).
    #[serde(default, skip_serializing)]
    pub row: usize,
}

/// What a results upload did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ResultsReport {
    pub tubes: usize,
    pub unchanged: usize,
    pub negative_people: usize,
    pub positive_people: usize,
    pub retests_due: usize,
    pub resamples_due: usize,
}

fn row_err(row: usize, field: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, en, zh).at_row(row)
}

/// Normalise a result word: English or Chinese, any case.
pub fn parse_result(s: &str) -> Option<&'static str> {
    match s.trim().to_lowercase().as_str() {
        "negative" | "neg" | "-" | "阴性" | "阴" => Some("negative"),
        "positive" | "pos" | "+" | "阳性" | "阳" => Some("positive"),
        "invalid" | "resample" | "无效" | "重采" => Some("invalid"),
        _ => None,
    }
}

/// A tube as a result finds it.
pub(super) struct TubeState {
    pub path: String,
    pub capacity: i64,
    pub n: i64,
    pub result: Option<String>,
}
crate::from_row!(TubeState {
    path,
    capacity,
    n,
    result
});

/// A person a tube's result settles.
struct Settled {
    resident_id: i64,
    household_id: i64,
    path: String,
    status: String,
}
crate::from_row!(Settled {
    resident_id,
    household_id,
    path,
    status
});

/// Record results for tubes of a round: all or nothing. Every bad line is reported (row =
/// line number, counting a file's header as row 1 when `first_row` is 2). A result already
/// recorded may be sent again; a different one for the same tube is refused.
pub async fn record(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    round: &Round,
    lines: &[ResultLine],
    first_row: usize,
) -> AppResult<ResultsReport> {
    if !super::can_enter_results(r) {
        return Err(AppError::Forbidden(Msg::new(
            "only labs, HQ and administrators enter test results",
            "只有检测机构、指挥部和管理员可以录入检测结果",
        )));
    }
    if lines.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "file",
            "no results in the upload",
            "上传内容中没有结果",
        )]));
    }
    let mut errs = Vec::new();
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        let row = if l.row > 0 { l.row } else { i + first_row };
        let tube = l.tube.trim().to_owned();
        match parse_result(&l.result) {
            None => errs.push(row_err(
                row,
                "result",
                format!(
                    "{:?} is not a result (negative, positive or invalid)",
                    l.result
                ),
                format!("“{}”不是有效结果（阴性、阳性或无效）", l.result),
            )),
            Some(res) => {
                if !seen.insert(tube.clone()) {
                    errs.push(row_err(
                        row,
                        "tube",
                        format!("tube {tube} appears twice in the upload"),
                        format!("试管 {tube} 在上传内容中出现两次"),
                    ));
                }
                parsed.push((row, tube, res));
            }
        }
    }
    let mut tx = db.begin().await?;
    let mut report = ResultsReport::default();
    let now = now_ms();
    let mut todo = Vec::new();
    for (row, tube, res) in &parsed {
        let t = tx
            .query_opt_as::<TubeState>(
                "SELECT path, capacity, n, result FROM test_tubes \
                 WHERE round_id = $1 AND barcode = $2",
                args![round.id, tube.as_str()],
            )
            .await?
            .filter(|t| r.scope.contains(&t.path));
        let Some(t) = t else {
            errs.push(row_err(
                *row,
                "tube",
                format!("there is no tube {tube} in this round within your area"),
                format!("本轮检测中（您的范围内）没有试管 {tube}"),
            ));
            continue;
        };
        if t.n == 0 {
            errs.push(row_err(
                *row,
                "tube",
                format!("tube {tube} is empty"),
                format!("试管 {tube} 为空管"),
            ));
            continue;
        }
        match t.result.as_deref() {
            Some(old) if old == *res => report.unchanged += 1,
            Some(old) => errs.push(row_err(
                *row,
                "result",
                format!("tube {tube} already has the result {old}"),
                format!("试管 {tube} 已有结果：{old}"),
            )),
            None => todo.push((tube.clone(), *res, t.capacity, t.n)),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut touched = HashSet::new();
    for (tube, res, capacity, n) in &todo {
        tx.execute(
            "UPDATE test_tubes SET result = $1, result_ms = $2, result_by = $3, \
             closed_ms = COALESCE(closed_ms, $2) WHERE round_id = $4 AND barcode = $5",
            args![*res, now, actor.username.as_str(), round.id, tube.as_str()],
        )
        .await?;
        report.tubes += 1;
        let individual = *capacity == 1 || *n == 1;
        match (*res, individual) {
            ("negative", _) => {
                report.negative_people += settle(&mut tx, round.id, tube, "negative", now).await?;
            }
            ("positive", true) => {
                report.positive_people += settle(&mut tx, round.id, tube, "positive", now).await?;
                // A repeat swab alone in the tube is still its person's own: positive, whatever
                // their first tube said (negative, invalid, or a pool still waiting).
                let repeats: Vec<Settled> = tx
                    .query_as(
                        "SELECT DISTINCT p.resident_id AS resident_id, p.household_id AS household_id, \
                         p.path AS path, p.status AS status FROM test_samples s \
                         JOIN test_persons p ON p.round_id = s.round_id AND p.resident_id = s.resident_id \
                         WHERE s.round_id = $1 AND s.barcode = $2 AND p.status <> 'positive'",
                        args![round.id, tube.as_str()],
                    )
                    .await?;
                for p in &repeats {
                    tx.execute(
                        "UPDATE test_persons SET status = 'positive', barcode = $1, updated_ms = $2 \
                         WHERE round_id = $3 AND resident_id = $4",
                        args![tube.as_str(), now, round.id, p.resident_id],
                    )
                    .await?;
                    // A re-test or re-sample still due is moot.
                    tx.execute(
                        "UPDATE test_tasks SET done_ms = $1 WHERE round_id = $2 AND resident_id = $3 \
                         AND done_ms IS NULL",
                        args![now, round.id, p.resident_id],
                    )
                    .await?;
                    touched.insert(p.household_id);
                }
                report.positive_people += repeats.len();
            }
            ("positive", false) => {
                // Everyone whose swab is in the tube, repeats included, needs a re-test alone;
                // except who is already on that path (their individual result settles them).
                let people: Vec<Settled> = tx
                    .query_as(
                        "SELECT DISTINCT p.resident_id AS resident_id, p.household_id AS household_id, \
                         p.path AS path, p.status AS status FROM test_samples s \
                         JOIN test_persons p ON p.round_id = s.round_id AND p.resident_id = s.resident_id \
                         WHERE s.round_id = $1 AND s.barcode = $2 \
                         AND p.status NOT IN ('positive', 'retest', 'retest_pending')",
                        args![round.id, tube.as_str()],
                    )
                    .await?;
                for p in &people {
                    tx.execute(
                        "UPDATE test_persons SET status = 'retest', barcode = $1, updated_ms = $2 \
                         WHERE round_id = $3 AND resident_id = $4",
                        args![tube.as_str(), now, round.id, p.resident_id],
                    )
                    .await?;
                    task(
                        &mut tx,
                        round.id,
                        p.resident_id,
                        &p.path,
                        "retest",
                        tube,
                        now,
                    )
                    .await?;
                    touched.insert(p.household_id);
                }
                report.retests_due += people.len();
                let paths: Vec<&str> = people.iter().map(|p| p.path.as_str()).collect();
                super::notify::pool_positive(&mut tx, round.id, tube, &paths, now).await?;
            }
            _ => {
                // Invalid: the people this tube settles are sampled again (alone again if they
                // were being re-tested alone).
                let people: Vec<Settled> = tx
                    .query_as(INVALID_PEOPLE_SQL, args![round.id, tube.as_str()])
                    .await?;
                for p in &people {
                    let (status, kind) = if p.status == "retest_pending" {
                        ("retest", "retest")
                    } else {
                        ("resample", "resample")
                    };
                    tx.execute(
                        "UPDATE test_persons SET status = $1, updated_ms = $2 \
                         WHERE round_id = $3 AND resident_id = $4",
                        args![status, now, round.id, p.resident_id],
                    )
                    .await?;
                    task(&mut tx, round.id, p.resident_id, &p.path, kind, tube, now).await?;
                    touched.insert(p.household_id);
                }
                report.resamples_due += people.len();
            }
        }
    }
    let touched: Vec<i64> = touched.into_iter().collect();
    coverage::refresh(&mut tx, round.id, &round.path, &touched).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("results", "test_round", round.id)
            .area(&round.path)
            .detail(json!({"report": report})),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The people a tube settles are found through `test_persons_tube` alone, then reached by
/// primary key. Written as `resident_id IN (SELECT … barcode …)` because SQLite's planner,
/// given `round_id = ? AND barcode = ? AND status IN (…)` with bound parameters, prefers the
/// primary key on `round_id` alone (a status term makes the tube index non-covering), which
/// reads every person of the round for each tube: minutes per lab upload at city scale.
/// `tests/it/testing_results.rs` checks both plans on the bundled SQLite.
pub const SETTLE_SQL: &str = "UPDATE test_persons SET status = $1, updated_ms = $2 \
     WHERE round_id = $3 AND resident_id IN \
     (SELECT resident_id FROM test_persons WHERE round_id = $3 AND barcode = $4) \
     AND barcode = $4 AND status IN ('pending', 'retest_pending')";

/// The people an invalid tube sends back to be sampled again (see [`SETTLE_SQL`]).
pub const INVALID_PEOPLE_SQL: &str = "SELECT resident_id, household_id, path, status \
     FROM test_persons WHERE round_id = $1 AND resident_id IN \
     (SELECT resident_id FROM test_persons WHERE round_id = $1 AND barcode = $2) \
     AND barcode = $2 AND status IN ('pending', 'retest_pending')";

/// The people this tube settles get their final status. Returns how many.
async fn settle(
    tx: &mut Tx,
    round_id: i64,
    tube: &str,
    status: &str,
    now: i64,
) -> AppResult<usize> {
    Ok(tx
        .execute(SETTLE_SQL, args![status, now, round_id, tube])
        .await? as usize)
}

pub(super) async fn task(
    tx: &mut Tx,
    round_id: i64,
    resident_id: i64,
    path: &str,
    kind: &str,
    tube: &str,
    now: i64,
) -> AppResult<()> {
    // One open task per person: a newer reason replaces an open one.
    tx.execute(
        "UPDATE test_tasks SET done_ms = $1 WHERE round_id = $2 AND resident_id = $3 AND done_ms IS NULL",
        args![now, round_id, resident_id],
    )
    .await?;
    tx.execute(
        "INSERT INTO test_tasks (round_id, resident_id, path, kind, barcode, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![round_id, resident_id, path, kind, tube, now],
    )
    .await?;
    Ok(())
}

/// An open follow-up task, as its grid worker sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: i64,
    pub kind: String,
    pub barcode: String,
    pub created_ms: i64,
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    pub phone_masked: Option<String>,
}

struct TaskRow {
    id: i64,
    kind: String,
    barcode: String,
    created_ms: i64,
    resident_id: i64,
    name: String,
    address: String,
    phone: Option<String>,
}
crate::from_row!(TaskRow {
    id,
    kind,
    barcode,
    created_ms,
    resident_id,
    name,
    address,
    phone
});

/// Open follow-up tasks of a round within the reader's registry scope.
pub async fn tasks(db: &Db, round_id: i64, scope: &Scope, limit: i64) -> AppResult<Vec<Task>> {
    let (cond, mut params) = scope.sql("t.path", 3);
    params.insert(0, Value::Int(round_id));
    params.insert(1, Value::Int(limit));
    Ok(db
        .query_as::<TaskRow>(
            &format!(
                "SELECT t.id AS id, t.kind AS kind, t.barcode AS barcode, t.created_ms AS created_ms, \
                 r.id AS resident_id, r.name AS name, h.address AS address, r.phone AS phone \
                 FROM test_tasks t JOIN residents r ON r.id = t.resident_id \
                 JOIN households h ON h.id = r.household_id \
                 WHERE t.round_id = $1 AND t.done_ms IS NULL AND {cond} \
                 ORDER BY t.path, t.id LIMIT $2"
            ),
            params,
        )
        .await?
        .into_iter()
        .map(|r| Task {
            id: r.id,
            kind: r.kind,
            barcode: r.barcode,
            created_ms: r.created_ms,
            resident_id: r.resident_id,
            name: r.name,
            address: r.address,
            phone_masked: r.phone.as_deref().map(mask_phone),
        })
        .collect())
}

/// Exempt a resident from a round (away, in hospital, deceased, infant, other), or change the
/// reason. Registry writers, within their scope.
#[allow(clippy::too_many_arguments)]
pub async fn exempt(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    round: &Round,
    resident_id: i64,
    reason: &str,
    note: &str,
) -> AppResult<()> {
    let (hh, path) = resident_in(db, r, round, resident_id).await?;
    if !super::can_exempt(r) {
        return Err(AppError::Forbidden(Msg::new(
            "only grid workers and officers who keep the registry exempt residents",
            "只有负责登记的网格员和干部可以设置免检",
        )));
    }
    let mut errs = Vec::new();
    if !EXEMPT_REASONS.iter().any(|x| x.0 == reason) {
        errs.push(FieldError::new(
            "reason",
            "choose a reason: away, in hospital, deceased, infant or other",
            "请选择原因：外出、住院、已故、婴幼儿或其他",
        ));
    }
    let note = note.trim();
    if note.chars().count() > 200 || (reason == "other" && note.is_empty()) {
        errs.push(FieldError::new(
            "note",
            "up to 200 characters; required when the reason is “other”",
            "最多 200 个字符；原因为“其他”时必填",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO test_exemptions (round_id, resident_id, reason, note, by_username, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (round_id, resident_id) DO UPDATE SET \
         reason = excluded.reason, note = excluded.note, by_username = excluded.by_username, \
         created_ms = excluded.created_ms",
        args![round.id, resident_id, reason, note, actor.username.as_str(), now_ms()],
    )
    .await?;
    coverage::refresh(&mut tx, round.id, &round.path, &[hh]).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("exempt", "resident", resident_id)
            .area(&path)
            .detail(json!({"round": round.id, "reason": reason, "note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Take an exemption back.
pub async fn unexempt(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    round: &Round,
    resident_id: i64,
) -> AppResult<()> {
    let (hh, path) = resident_in(db, r, round, resident_id).await?;
    if !super::can_exempt(r) {
        return Err(crate::registry::edit::forbidden());
    }
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "DELETE FROM test_exemptions WHERE round_id = $1 AND resident_id = $2",
            args![round.id, resident_id],
        )
        .await?;
    if n > 0 {
        coverage::refresh(&mut tx, round.id, &round.path, &[hh]).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new("unexempt", "resident", resident_id)
                .area(&path)
                .detail(json!({"round": round.id})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

struct HouseholdPath {
    household_id: i64,
    path: String,
}
crate::from_row!(HouseholdPath { household_id, path });

/// A resident of the round within the reader's registry scope: (household, path).
async fn resident_in(db: &Db, r: &Reader, round: &Round, id: i64) -> AppResult<(i64, String)> {
    let row = db
        .query_opt_as::<HouseholdPath>(
            "SELECT household_id, path FROM residents WHERE id = $1",
            args![id],
        )
        .await?
        .filter(|x| r.registry_scope().contains(&x.path) && round.covers(&x.path))
        .ok_or(AppError::NotFound)?;
    Ok((row.household_id, row.path))
}

#[derive(Debug, Clone, Serialize)]
pub struct Exemption {
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    pub reason: String,
    pub note: String,
    pub by: String,
    pub at_ms: i64,
}
impl FromRow for Exemption {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(Exemption {
            resident_id: r.get("resident_id")?,
            name: r.get("name")?,
            address: r.get("address")?,
            reason: r.get("reason")?,
            note: r.get("note")?,
            by: r.get("by_username")?,
            at_ms: r.get("at_ms")?,
        })
    }
}

/// Exemptions of a round under an area (within the reader's registry scope).
pub async fn exemptions(
    db: &Db,
    round_id: i64,
    path: &str,
    scope: &Scope,
) -> AppResult<Vec<Exemption>> {
    if !scope.contains(path) {
        return Ok(vec![]);
    }
    Ok(db
        .query_as(
            "SELECT e.resident_id AS resident_id, r.name AS name, h.address AS address, \
             e.reason AS reason, e.note AS note, e.by_username AS by_username, e.created_ms AS at_ms \
             FROM test_exemptions e JOIN residents r ON r.id = e.resident_id \
             JOIN households h ON h.id = r.household_id \
             WHERE e.round_id = $1 AND r.path >= $2 AND r.path < $3 ORDER BY h.path, h.address, r.id \
             LIMIT 2000",
            args![round_id, path, end(path)],
        )
        .await?)
}

/// A resident's state in a round.
#[derive(Debug, Clone, Serialize)]
pub struct PersonResult {
    pub round_id: i64,
    pub round_name: String,
    pub status: String,
    pub barcode: String,
    pub first_ms: i64,
    pub updated_ms: i64,
}
crate::from_row!(PersonResult {
    round_id,
    round_name,
    status,
    barcode,
    first_ms,
    updated_ms
});

/// A resident's results, newest round first: only for readers whose registry scope holds them.
pub async fn latest(
    db: &Db,
    scope: &Scope,
    resident_id: i64,
    limit: i64,
) -> AppResult<Vec<PersonResult>> {
    db.scalar_opt::<String>(
        "SELECT path FROM residents WHERE id = $1",
        args![resident_id],
    )
    .await?
    .filter(|p| scope.contains(p))
    .ok_or(AppError::NotFound)?;
    Ok(db
        .query_as(
            "SELECT p.round_id AS round_id, r.name AS round_name, p.status AS status, \
             p.barcode AS barcode, p.first_ms AS first_ms, p.updated_ms AS updated_ms \
             FROM test_persons p JOIN test_rounds r ON r.id = p.round_id \
             WHERE p.resident_id = $1 ORDER BY p.first_ms DESC LIMIT $2",
            args![resident_id, limit],
        )
        .await?)
}

/// Parse a results file: CSV (UTF-8, with or without BOM) with the columns tube, result (a
/// header row is recognised and skipped). Returns the lines and the row number of the first.
pub fn parse_results_csv(bytes: &[u8]) -> AppResult<(Vec<ResultLine>, usize)> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(
        |_| {
            AppError::Invalid(vec![FieldError::new(
                "file",
                "the file is not UTF-8 text: save it as CSV UTF-8",
                "文件不是 UTF-8 文本，请另存为“CSV UTF-8”",
            )])
        },
    )?;
    let mut lines = Vec::new();
    let mut first = 1;
    let mut errs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line
            .split([',', '\t'])
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if cols.iter().all(|c| c.is_empty()) {
            continue;
        }
        if i == 0 && parse_result(cols.get(1).copied().unwrap_or("")).is_none() {
            first = 2;
            continue;
        }
        if cols.len() < 2 {
            errs.push(
                FieldError::new(
                    "file",
                    "expected two columns: tube, result",
                    "应有两列：试管条码、结果",
                )
                .at_row(i + 1),
            );
            continue;
        }
        lines.push(ResultLine {
            tube: cols[0].to_owned(),
            result: cols[1].to_owned(),
            row: i + 1,
        });
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok((lines, first))
}
