//! Tubes as pages and devices read them: what is in a tube (names for registry readers,
//! masked for collectors), the people's state in a round, and the tubes waiting for a result.

use std::collections::HashMap;

use serde::Serialize;

use crate::access::Scope;
use crate::args;
use crate::db::{Db, Value};
use crate::error::{AppError, AppResult};

/// What is in a tube, for readers whose registry scope holds the tube's site.
#[derive(Debug, Clone, Serialize)]
pub struct TubeView {
    pub barcode: String,
    pub site_name: String,
    pub path: String,
    pub capacity: i64,
    pub n: i64,
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
    pub result: Option<String>,
    pub result_ms: Option<i64>,
    pub people: Vec<TubePerson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TubePerson {
    pub resident_id: Option<i64>,
    pub name: String,
    pub taken_ms: i64,
    pub duplicate: bool,
    pub retest: bool,
    pub status: Option<String>,
}
crate::from_row!(TubePerson {
    resident_id,
    name,
    taken_ms,
    duplicate,
    retest,
    status
});

/// A tube's row, as [`tube`] reads it.
struct TubeRow {
    barcode: String,
    site_name: String,
    path: String,
    capacity: i64,
    n: i64,
    opened_ms: i64,
    closed_ms: Option<i64>,
    result: Option<String>,
    result_ms: Option<i64>,
}
crate::from_row!(TubeRow {
    barcode,
    site_name,
    path,
    capacity,
    n,
    opened_ms,
    closed_ms,
    result,
    result_ms
});

pub async fn tube(db: &Db, round_id: i64, barcode: &str, scope: &Scope) -> AppResult<TubeView> {
    let t = db
        .query_opt_as::<TubeRow>(
            "SELECT t.barcode AS barcode, s.name AS site_name, t.path AS path, \
             t.capacity AS capacity, t.n AS n, t.opened_ms AS opened_ms, t.closed_ms AS closed_ms, \
             t.result AS result, t.result_ms AS result_ms \
             FROM test_tubes t JOIN test_sites s ON s.id = t.site_id \
             WHERE t.round_id = $1 AND t.barcode = $2",
            args![round_id, barcode.trim()],
        )
        .await?
        .filter(|t| scope.contains(&t.path))
        .ok_or(AppError::NotFound)?;
    let people = db
        .query_as::<TubePerson>(
            "SELECT s.resident_id AS resident_id, COALESCE(r.name, w.name, '') AS name, \
             s.taken_ms AS taken_ms, s.duplicate AS duplicate, s.retest AS retest, \
             p.status AS status \
             FROM test_samples s LEFT JOIN residents r ON r.id = s.resident_id \
             LEFT JOIN test_walkins w ON w.id = s.walkin_id \
             LEFT JOIN test_persons p ON p.round_id = s.round_id AND p.resident_id = s.resident_id \
             WHERE s.round_id = $1 AND s.barcode = $2 ORDER BY s.taken_ms, s.id",
            args![round_id, barcode.trim()],
        )
        .await?;
    Ok(TubeView {
        barcode: t.barcode,
        site_name: t.site_name,
        path: t.path,
        capacity: t.capacity,
        n: t.n,
        opened_ms: t.opened_ms,
        closed_ms: t.closed_ms,
        result: t.result,
        result_ms: t.result_ms,
        people,
    })
}

/// A tube as the collector's page shows it.
#[derive(Debug, Clone)]
pub struct TubeInfo {
    pub barcode: String,
    pub site_id: i64,
    pub capacity: i64,
    pub n: i64,
    /// Closed, or with a result.
    pub closed: bool,
}

struct TubeInfoRow {
    site_id: i64,
    capacity: i64,
    n: i64,
    closed_ms: Option<i64>,
    result: Option<String>,
}
crate::from_row!(TubeInfoRow {
    site_id,
    capacity,
    n,
    closed_ms,
    result
});

/// A tube of the round at one of `sites`, if there is one.
pub async fn tube_info(
    db: &Db,
    round: i64,
    barcode: &str,
    sites: &[i64],
) -> AppResult<Option<TubeInfo>> {
    let row = db
        .query_opt_as::<TubeInfoRow>(
            "SELECT site_id, capacity, n, closed_ms, result FROM test_tubes \
             WHERE round_id = $1 AND barcode = $2",
            args![round, barcode],
        )
        .await?;
    Ok(row
        .filter(|r| sites.contains(&r.site_id))
        .map(|r| TubeInfo {
            barcode: barcode.to_owned(),
            site_id: r.site_id,
            capacity: r.capacity,
            n: r.n,
            closed: r.closed_ms.is_some() || r.result.is_some(),
        }))
}

/// One swab in a tube, as a collector sees it.
#[derive(Debug, Clone)]
pub struct Swab {
    /// Masked, or "—" for a person registered outside the collector's reach.
    pub name: String,
    pub taken_ms: i64,
    pub duplicate: bool,
}

struct SwabRow {
    name: Option<String>,
    taken_ms: i64,
    duplicate: bool,
    resident_path: Option<String>,
    tube_path: String,
}
crate::from_row!(SwabRow {
    name,
    taken_ms,
    duplicate,
    resident_path,
    tube_path
});

/// Who is in the tube, newest first, names masked (collectors confirm, they do not read the
/// registry). People registered outside the reader's scope and the tube's site area are listed
/// without a name: the collector learns nothing about them.
pub async fn swabs(db: &Db, round: i64, barcode: &str, scope: &Scope) -> AppResult<Vec<Swab>> {
    Ok(db
        .query_as::<SwabRow>(
            "SELECT COALESCE(r.name, w.name) AS name, s.taken_ms AS taken_ms, \
             s.duplicate AS duplicate, r.path AS resident_path, t.path AS tube_path \
             FROM test_samples s \
             JOIN test_tubes t ON t.round_id = s.round_id AND t.barcode = s.barcode \
             LEFT JOIN residents r ON r.id = s.resident_id \
             LEFT JOIN test_walkins w ON w.id = s.walkin_id \
             WHERE s.round_id = $1 AND s.barcode = $2 ORDER BY s.taken_ms DESC, s.id DESC",
            args![round, barcode],
        )
        .await?
        .into_iter()
        .map(|r| {
            let elsewhere = r
                .resident_path
                .as_deref()
                .is_some_and(|p| !p.starts_with(r.tube_path.as_str()) && !scope.contains(p));
            Swab {
                name: if elsewhere {
                    "—".to_owned()
                } else {
                    super::mask_name(&r.name.unwrap_or_default())
                },
                taken_ms: r.taken_ms,
                duplicate: r.duplicate,
            }
        })
        .collect())
}

struct StatusRow {
    resident_id: i64,
    status: String,
}
crate::from_row!(StatusRow {
    resident_id,
    status
});

/// The state of residents in the round, by resident id.
pub async fn statuses(db: &Db, round: i64, ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut params = vec![Value::Int(round)];
    params.extend(ids.iter().map(|&i| Value::Int(i)));
    Ok(db
        .query_as::<StatusRow>(
            &format!(
                "SELECT resident_id, status FROM test_persons WHERE round_id = $1 AND resident_id IN ({})",
                super::placeholders(2, ids.len())
            ),
            params,
        )
        .await?
        .into_iter()
        .map(|r| (r.resident_id, r.status))
        .collect())
}

/// Closed tubes with people and no result yet, within `scope`: how many, and the first 40
/// barcodes.
pub async fn awaiting(db: &Db, round: i64, scope: &Scope) -> AppResult<(i64, Vec<String>)> {
    let (cond, mut params) = scope.sql("path", 2);
    params.insert(0, Value::Int(round));
    let n = db
        .scalar(
            &format!(
                "SELECT COUNT(*) AS n FROM test_tubes WHERE round_id = $1 AND result IS NULL \
                 AND n > 0 AND closed_ms IS NOT NULL AND {cond}"
            ),
            params.clone(),
        )
        .await?;
    let list = db
        .column(
            &format!(
                "SELECT barcode FROM test_tubes WHERE round_id = $1 AND result IS NULL \
                 AND n > 0 AND closed_ms IS NOT NULL AND {cond} ORDER BY closed_ms, barcode LIMIT 40"
            ),
            params,
        )
        .await?;
    Ok((n, list))
}
