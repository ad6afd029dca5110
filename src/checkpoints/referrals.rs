//! The pass-log entries a checker decided "refer to quarantine" (`decision = 'quarantine'`),
//! for the health follow-up's referred queue. Read only; the caller masks and scopes what it
//! shows (this returns the entries under the given scope only).

use crate::db::{Db, DbResult, Value};
use crate::scope::Scope;

/// One referral from the pass log: a resident (`resident_id`) or a visitor (`resident_id`
/// empty), with what the checker recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Referral {
    pub entry_id: i64,
    pub place_id: i64,
    pub place: String,
    pub path: String,
    pub at_ms: i64,
    pub direction: String,
    pub resident_id: Option<i64>,
    pub household_id: Option<i64>,
    pub visitor_id: Option<i64>,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub from_place: String,
    pub to_place: String,
    pub health_code: String,
    pub temp_dc: Option<i64>,
    pub test_status: String,
    pub reasons: String,
    pub note: String,
}
crate::from_row!(Referral {
    entry_id,
    place_id,
    place,
    path,
    at_ms,
    direction,
    resident_id,
    household_id,
    visitor_id,
    name,
    doc_type,
    doc_number,
    phone,
    from_place,
    to_place,
    health_code,
    temp_dc,
    test_status,
    reasons,
    note
});

/// A resident's name, document and phone are the registry's (the pass log keeps them for
/// visitors only).
const SELECT: &str = "SELECT e.id AS entry_id, e.place_id, COALESCE(k.name, '') AS place, e.path, \
    e.at_ms, e.direction, e.resident_id, e.household_id, e.visitor_id, \
    COALESCE(p.name, e.name) AS name, COALESCE(p.doc_type, e.doc_type) AS doc_type, \
    COALESCE(p.doc_number, e.doc_number) AS doc_number, COALESCE(p.phone, e.phone) AS phone, \
    e.from_place, e.to_place, e.health_code, e.temp_dc, e.test_status, e.reasons, e.note \
    FROM pass_entries e LEFT JOIN places k ON k.id = e.place_id \
    LEFT JOIN residents p ON p.id = e.resident_id";

/// The entries decided "refer to quarantine" at or after `since_ms` at checkpoints within
/// `scope`, newest first, at most `limit`.
pub async fn referrals_to_quarantine(
    db: &Db,
    scope: &Scope,
    since_ms: i64,
    limit: i64,
) -> DbResult<Vec<Referral>> {
    let (cond, mut params) = scope.sql("e.path", 1);
    params.push(Value::from(since_ms));
    let since = params.len();
    params.push(Value::from(limit));
    let lim = params.len();
    db.query_as(
        &format!(
            "{SELECT} WHERE {cond} AND e.decision = 'quarantine' AND e.at_ms >= ${since} \
             ORDER BY e.at_ms DESC, e.id DESC LIMIT ${lim}"
        ),
        params,
    )
    .await
}

/// One such entry by id, within `scope`.
pub async fn referral(db: &Db, scope: &Scope, entry_id: i64) -> DbResult<Option<Referral>> {
    let (cond, mut params) = scope.sql("e.path", 1);
    params.push(Value::from(entry_id));
    let id = params.len();
    db.query_opt_as(
        &format!("{SELECT} WHERE {cond} AND e.decision = 'quarantine' AND e.id = ${id}"),
        params,
    )
    .await
}
