//! Walk-ins: people sampled who are not (yet) in the registry, waiting for a grid worker to
//! register and link them, or to dismiss them.

use serde::Serialize;
use serde_json::json;

use super::coverage;
use super::results::{task, TubeState};
use crate::access::{Reader, Scope};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::now_ms;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::registry::validate::{mask_doc, mask_phone};

/// A walk-in waiting for the grid worker.
#[derive(Debug, Clone, Serialize)]
pub struct Walkin {
    pub id: i64,
    pub round_id: i64,
    pub round_name: String,
    pub site_path: String,
    pub barcode: String,
    pub doc_type: String,
    pub doc_number_masked: String,
    /// The whole number, for those who register walk-ins and must match it (see
    /// [`reveal_docs`]); empty for anyone else.
    pub doc_number: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub taken_ms: i64,
    pub tube_result: Option<String>,
}

struct WalkinRow {
    id: i64,
    round_id: i64,
    round_name: String,
    site_path: String,
    barcode: String,
    doc_type: String,
    doc_number: String,
    name: String,
    phone: Option<String>,
    taken_ms: i64,
    tube_result: Option<String>,
}
crate::from_row!(WalkinRow {
    id,
    round_id,
    round_name,
    site_path,
    barcode,
    doc_type,
    doc_number,
    name,
    phone,
    taken_ms,
    tube_result
});

/// Pending walk-ins sampled at sites within the reader's registry scope.
pub async fn walkins(db: &Db, scope: &Scope) -> AppResult<Vec<Walkin>> {
    let (cond, params) = scope.sql("w.path", 1);
    Ok(db
        .query_as::<WalkinRow>(
            &format!(
                "SELECT w.id AS id, w.round_id AS round_id, rd.name AS round_name, \
                 w.path AS site_path, w.barcode AS barcode, w.doc_type AS doc_type, \
                 w.doc_number AS doc_number, w.name AS name, w.phone AS phone, \
                 w.taken_ms AS taken_ms, t.result AS tube_result FROM test_walkins w \
                 JOIN test_rounds rd ON rd.id = w.round_id \
                 LEFT JOIN test_tubes t ON t.round_id = w.round_id AND t.barcode = w.barcode \
                 WHERE w.status = 'pending' AND {cond} ORDER BY w.path, w.taken_ms LIMIT 1000"
            ),
            params,
        )
        .await?
        .into_iter()
        .map(|x| Walkin {
            id: x.id,
            round_id: x.round_id,
            round_name: x.round_name,
            site_path: x.site_path,
            barcode: x.barcode,
            doc_type: x.doc_type,
            doc_number_masked: mask_doc(&x.doc_number),
            doc_number: x.doc_number,
            name: x.name,
            phone_masked: x.phone.as_deref().map(mask_phone),
            taken_ms: x.taken_ms,
            tube_result: x.tube_result,
        })
        .collect())
}

/// Show the walk-ins' document numbers in full to someone who registers them (they must match
/// the document), recorded as one reveal of those walk-ins' numbers; for anyone else the whole
/// numbers are dropped.
pub async fn reveal_docs(db: &Db, actor: &Actor, r: &Reader, list: &mut [Walkin]) -> AppResult<()> {
    if !r.can_write_registry() || list.is_empty() {
        for w in list.iter_mut() {
            w.doc_number.clear();
        }
        return Ok(());
    }
    let ids: Vec<i64> = list.iter().map(|w| w.id).collect();
    let area = r.scope.roots.first().cloned().unwrap_or_default();
    audit::record_now(
        db,
        actor,
        Event::new("reveal", "test_walkin", ids[0])
            .area(&area)
            .detail(json!({
                "walkins": ids,
                "fields": ["doc_number"],
            })),
    )
    .await?;
    Ok(())
}

/// A walk-in still waiting to be dealt with, for a reader who writes the registry and has it
/// in scope.
async fn pending(db: &Db, r: &Reader, id: i64) -> AppResult<PendingWalkin> {
    if !r.can_write_registry() {
        return Err(crate::registry::edit::forbidden());
    }
    let scope = r.registry_scope();
    let w = db
        .query_opt_as::<PendingWalkin>(
            "SELECT w.round_id, w.path, w.barcode, w.doc_type, w.doc_number, w.taken_ms, w.status \
             FROM test_walkins w WHERE w.id = $1",
            args![id],
        )
        .await?
        .filter(|w| scope.contains(&w.path))
        .ok_or(AppError::NotFound)?;
    if w.status != "pending" {
        return Err(AppError::Conflict(Msg::new(
            "this walk-in has already been dealt with",
            "该临时人员已处理",
        )));
    }
    Ok(w)
}

/// File a pending walk-in under a grid (within the area of the site where they were sampled
/// and the reader's scope), so the grid's workers see and register them.
pub async fn assign_grid(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    grid_code: &str,
) -> AppResult<()> {
    let w = pending(db, r, id).await?;
    let scope = r.registry_scope();
    let grid = crate::registry::areas::by_code(db, grid_code.trim())
        .await?
        .filter(|g| {
            g.level == crate::registry::model::LEVEL_GRID
                && g.path.starts_with(w.path.as_str())
                && scope.contains(&g.path)
        })
        .ok_or_else(|| {
            AppError::Invalid(vec![crate::error::FieldError::new(
                "grid",
                "choose a grid of the area where they were sampled",
                "请选择采样点所在区域内的网格",
            )])
        })?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE test_walkins SET path = $1 WHERE id = $2 AND status = 'pending'",
        args![grid.path.as_str(), id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("assign", "test_walkin", id)
            .area(&grid.path)
            .detail(json!({"from": w.path, "grid": grid.code})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The grids under `path` within `scope` (code, name), in order, to file walk-ins under.
pub async fn grids_under(db: &Db, path: &str, scope: &Scope) -> AppResult<Vec<(String, String)>> {
    struct G {
        code: String,
        name: String,
        path: String,
    }
    crate::from_row!(G { code, name, path });
    let end = format!("{path}~");
    Ok(db
        .query_as::<G>(
            "SELECT code, name, path FROM areas WHERE level = $1 AND path > $2 AND path < $3 \
             ORDER BY path",
            args![crate::registry::model::LEVEL_GRID, path, end.as_str()],
        )
        .await?
        .into_iter()
        .filter(|g| scope.contains(&g.path))
        .map(|g| (g.code, g.name))
        .collect())
}

/// A walk-in as resolving it reads it.
struct PendingWalkin {
    round_id: i64,
    path: String,
    barcode: String,
    doc_type: String,
    doc_number: String,
    taken_ms: i64,
    status: String,
}
crate::from_row!(PendingWalkin {
    round_id,
    path,
    barcode,
    doc_type,
    doc_number,
    taken_ms,
    status
});

/// The resident a walk-in turned out to be.
struct Registered {
    id: i64,
    household_id: i64,
    path: String,
}
crate::from_row!(Registered {
    id,
    household_id,
    path
});

/// Resolve a walk-in. `link`: the person has been registered (a resident with the same
/// document within the reader's scope and the round's area): their sample becomes the
/// resident's and counts in coverage. Otherwise it is dismissed (e.g. only passing through).
pub async fn resolve_walkin(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    link: bool,
) -> AppResult<()> {
    let w = pending(db, r, id).await?;
    let scope = r.registry_scope();
    let round = super::round_by_id(db, w.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    if !link {
        tx.execute(
            "UPDATE test_walkins SET status = 'dismissed', resolved_by = $1, resolved_ms = $2 WHERE id = $3",
            args![actor.username.as_str(), now_ms(), id],
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new("dismiss", "test_walkin", id).area(&w.path),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let res = tx
        .query_opt_as::<Registered>(
            "SELECT id, household_id, path FROM residents WHERE doc_number = $1 AND doc_type = $2",
            args![w.doc_number.as_str(), w.doc_type.as_str()],
        )
        .await?
        .filter(|x| scope.contains(&x.path) && round.covers(&x.path))
        .ok_or_else(|| {
            AppError::Conflict(Msg::new(
                "register this person in a household of your area first (same document), then link",
                "请先在您辖区的住户中登记此人（证件相同），再关联",
            ))
        })?;
    let (rid, hh, path) = (res.id, res.household_id, res.path);
    let tube = tx
        .query_one_as::<TubeState>(
            "SELECT path, result, capacity, n FROM test_tubes WHERE round_id = $1 AND barcode = $2",
            args![round.id, w.barcode.as_str()],
        )
        .await?;
    let status = match (tube.result.as_deref(), tube.capacity == 1 || tube.n == 1) {
        (None, _) => "pending",
        (Some("negative"), _) => "negative",
        (Some("positive"), true) => "positive",
        (Some("positive"), false) => "retest",
        _ => "resample",
    };
    let now = now_ms();
    let inserted = tx
        .execute(
            "INSERT INTO test_persons (round_id, resident_id, household_id, path, status, barcode, \
             first_barcode, first_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) \
             ON CONFLICT (round_id, resident_id) DO NOTHING",
            args![
                round.id,
                rid,
                hh,
                path.as_str(),
                status,
                w.barcode.as_str(),
                w.taken_ms,
                now
            ],
        )
        .await?;
    if inserted > 0 && matches!(status, "retest" | "resample") {
        task(&mut tx, round.id, rid, &path, status, &w.barcode, now).await?;
    }
    // The walk-in's swabs are the resident's now; repeats stay repeats, and all of them are
    // when the resident had been sampled already.
    tx.execute(
        "UPDATE test_samples SET resident_id = $1, \
         duplicate = CASE WHEN $2 = 1 THEN 1 ELSE duplicate END WHERE walkin_id = $3",
        args![rid, inserted == 0, id],
    )
    .await?;
    tx.execute(
        "UPDATE test_walkins SET status = 'linked', resident_id = $1, resolved_by = $2, resolved_ms = $3 \
         WHERE id = $4",
        args![rid, actor.username.as_str(), now, id],
    )
    .await?;
    coverage::refresh(&mut tx, round.id, &round.path, &[hh]).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("link", "test_walkin", id)
            .area(&path)
            .detail(json!({"resident": rid, "round": round.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
