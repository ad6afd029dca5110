//! Quarantine orders for people a checkpoint referred to quarantine (`referred`): a resident's
//! is an ordinary order (`orders::create`); a visitor, who has no registry record, gets a row of
//! `quarantine_visitors` (the name, document and phone copied from the pass-log entry) and an
//! order whose subject is that row's negated id (resident_id = household_id = -visitor id).
//!
//! Where a visitor's order lives: under the checkpoint's area (the pass entry's path), so the
//! officers and grid workers of that area see it on their lists and worklist (a pseudo-household
//! of one, walked after the households of the same grid), the community of that area owns it.
//! The visitor has no household link (no self-report) and no paired contact person; the checks
//! are done by staff. Testing knows no visitor, so a release needs the officer's override with
//! the evidence (e.g. the test site's slip) unless the rule has no test day.
//!
//! The visitor's name, document and phone are masked on every list (the order shows the masked
//! `label`); showing them whole is a reveal, audited. They go with the order (quarantine
//! retention), or with the referral if no order was made.

use serde::Serialize;
use serde_json::json;

use super::orders::{self, Made, NewOrder};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::checkpoints::referrals;
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::privacy::mask_name;
use crate::registry::validate::{mask_doc, mask_phone};

/// What an order from a referral made.
#[derive(Debug, Clone, Serialize)]
pub struct Ordered {
    /// The order (the first one on a replay).
    pub order_id: i64,
    /// A visitor's row (none for a resident).
    pub visitor_id: Option<i64>,
    pub replayed: bool,
}

fn ordered(m: Made, visitor_id: Option<i64>) -> Ordered {
    Ordered {
        order_id: m.ids.first().copied().unwrap_or(0),
        visitor_id,
        replayed: m.replayed,
    }
}

/// Order quarantine for the person of a checkpoint referral in the reader's scope. The reason
/// is "referred at a checkpoint" unless the form says otherwise. A resident's order is the
/// resident's; a visitor's is made with the visitor's row in one transaction. The same client
/// id again answers with the same order; a referral ordered already is a conflict.
pub async fn order(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    entry_id: i64,
    f: &NewOrder,
    now: i64,
) -> AppResult<Ordered> {
    super::require_order(r)?;
    let x = referrals::referral(db, &r.registry_scope(), entry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut f = f.clone();
    if f.reason.trim().is_empty() {
        f.reason = "checkpoint".into();
    }
    if let Some(resident) = x.resident_id {
        let m = orders::create(db, actor, r, resident, &f, now).await?;
        return Ok(ordered(m, None));
    }
    let terms = match orders::make_for_visitor(db, &f).await? {
        Ok(t) => t,
        Err(seen) => {
            let v = db
                .scalar_opt::<i64>(
                    "SELECT id FROM quarantine_visitors WHERE entry_id = $1",
                    args![entry_id],
                )
                .await?;
            return Ok(ordered(seen, v));
        }
    };
    if let Some(o) = db
        .scalar_opt::<Option<i64>>(
            "SELECT order_id FROM quarantine_visitors WHERE entry_id = $1",
            args![entry_id],
        )
        .await?
        .flatten()
    {
        return Err(AppError::Conflict(Msg::new(
            format!("this referral has its order already (#{o})"),
            format!("该转介已下达隔离（#{o}）"),
        )));
    }
    if x.name.trim().is_empty() {
        return Err(FieldError::new(
            "entry_id",
            "the checkpoint recorded no name for this visitor",
            "卡口未登记该访客姓名",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let vid = tx
        .scalar::<i64>(
            "INSERT INTO quarantine_visitors (entry_id, path, place, name, label, doc_type, \
             doc_number, phone, stay, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            args![
                entry_id,
                x.path.as_str(),
                x.place.as_str(),
                x.name.trim(),
                mask_name(x.name.trim()),
                x.doc_type.as_str(),
                x.doc_number.as_str(),
                x.phone.as_str(),
                x.to_place.as_str(),
                actor.username.as_str(),
                now
            ],
        )
        .await?;
    let id = orders::make_visitor_in(&mut tx, actor, -vid, &x.path, &terms, &f, now).await?;
    tx.execute(
        "UPDATE quarantine_visitors SET order_id = $1 WHERE id = $2",
        args![id, vid],
    )
    .await?;
    tx.commit().await?;
    Ok(Ordered {
        order_id: id,
        visitor_id: Some(vid),
        replayed: false,
    })
}

/// The orders made for the given referrals (pass entries) of visitors: (entry, order).
pub async fn orders_of_entries(db: &Db, entries: &[i64]) -> AppResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in entries.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let params: Vec<crate::db::Value> =
            chunk.iter().map(|i| crate::db::Value::from(*i)).collect();
        let rows: Vec<EntryOrder> = db
            .query_as(
                &format!(
                    "SELECT entry_id, order_id FROM quarantine_visitors \
                     WHERE order_id IS NOT NULL AND entry_id IN ({})",
                    crate::db::placeholders(1, chunk.len())
                ),
                params,
            )
            .await?;
        out.extend(rows.into_iter().map(|e| (e.entry_id, e.order_id)));
    }
    Ok(out)
}

struct EntryOrder {
    entry_id: i64,
    order_id: i64,
}
crate::from_row!(EntryOrder { entry_id, order_id });

/// A visitor under an order, masked (as the order page shows them).
#[derive(Debug, Clone, Serialize)]
pub struct Visitor {
    pub id: i64,
    pub entry_id: i64,
    pub order_id: i64,
    pub place: String,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub stay: String,
}

struct Raw {
    id: i64,
    entry_id: i64,
    path: String,
    place: String,
    name: String,
    doc_type: String,
    doc_number: String,
    phone: String,
    stay: String,
}
crate::from_row!(Raw {
    id,
    entry_id,
    path,
    place,
    name,
    doc_type,
    doc_number,
    phone,
    stay
});

async fn raw_of_order(db: &Db, r: &Reader, order_id: i64) -> AppResult<Option<(Raw, i64)>> {
    let o = orders::get(db, r, order_id).await?;
    if o.resident_id >= 0 {
        return Ok(None);
    }
    let v = db
        .query_opt_as::<Raw>(
            "SELECT id, entry_id, path, place, name, doc_type, doc_number, phone, stay \
             FROM quarantine_visitors WHERE id = $1",
            args![-o.resident_id],
        )
        .await?;
    Ok(v.map(|v| (v, o.id)))
}

/// The visitor of an order in the reader's scope, masked (none: a resident's order).
pub async fn of_order(db: &Db, r: &Reader, order_id: i64) -> AppResult<Option<Visitor>> {
    Ok(raw_of_order(db, r, order_id).await?.map(|(v, o)| Visitor {
        id: v.id,
        entry_id: v.entry_id,
        order_id: o,
        place: v.place,
        name: mask_name(&v.name),
        doc_type: v.doc_type,
        doc_number: mask_doc(&v.doc_number),
        phone: mask_phone(&v.phone),
        stay: v.stay,
    }))
}

/// The visitor of an order whole (to call them, to print the notice): officers and grid
/// workers of the order's area; audited.
pub async fn reveal(db: &Db, actor: &Actor, r: &Reader, order_id: i64) -> AppResult<Visitor> {
    if !super::can_order(r) && !super::can_check(r) {
        return Err(AppError::Forbidden(Msg::new(
            "a visitor's details are for officers and grid workers",
            "访客信息供干部和网格员查看",
        )));
    }
    let (v, o) = raw_of_order(db, r, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_visitor_reveal", "quarantine_order", o)
            .area(&v.path)
            .detail(json!({"visitor": v.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(Visitor {
        id: v.id,
        entry_id: v.entry_id,
        order_id: o,
        place: v.place,
        name: v.name,
        doc_type: v.doc_type,
        doc_number: v.doc_number,
        phone: v.phone,
        stay: v.stay,
    })
}
