//! The referred-to-quarantine queue: the people a checkpoint's checker decided "refer to
//! quarantine" (read from the pass log, `checkpoints::referrals`), residents and visitors, in
//! the reader's area, with the order that followed (a resident's order made since). Names,
//! document numbers and phone numbers are masked; showing one whole is a reveal, audited.

use serde::Serialize;
use serde_json::json;

use crate::access::Reader;
use crate::audit::{self, Actor, Event};
use crate::checkpoints::referrals::{self, Referral};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::privacy::mask_name;
use crate::registry::validate::{mask_doc, mask_phone};

/// How far back the queue reaches.
pub const QUEUE_DAYS: i64 = 14;

/// A referral as the queue shows it (masked).
#[derive(Debug, Clone, Serialize)]
pub struct Referred {
    pub entry_id: i64,
    pub place: String,
    pub path: String,
    pub at_ms: i64,
    /// resident or visitor.
    pub who: &'static str,
    pub resident_id: Option<i64>,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub from_place: String,
    pub health_code: String,
    pub temp_dc: Option<i64>,
    pub test_status: String,
    /// The order that followed: a resident's made at or after the referral, a visitor's made
    /// from it (`visitors::order`); none yet: still to do.
    pub order_id: Option<i64>,
}

fn masked(r: Referral, order_id: Option<i64>) -> Referred {
    Referred {
        entry_id: r.entry_id,
        place: r.place,
        path: r.path,
        at_ms: r.at_ms,
        who: if r.resident_id.is_some() {
            "resident"
        } else {
            "visitor"
        },
        resident_id: r.resident_id,
        name: mask_name(&r.name),
        doc_type: r.doc_type,
        doc_number: mask_doc(&r.doc_number),
        phone: mask_phone(&r.phone),
        from_place: r.from_place,
        health_code: r.health_code,
        temp_dc: r.temp_dc,
        test_status: r.test_status,
        order_id,
    }
}

/// Who reads the queue: officers who make orders, within their registry scope.
pub(super) fn scope_of(r: &Reader) -> AppResult<crate::scope::Scope> {
    super::require_read(r)?;
    if !super::can_order(r) && !super::can_check(r) {
        return Err(AppError::Forbidden(crate::i18n::Msg::new(
            "the referred queue is for officers and grid workers",
            "转隔离名单供干部和网格员使用",
        )));
    }
    Ok(r.registry_scope())
}

/// The queue of the reader's area: the last [`QUEUE_DAYS`] days, newest first (at most 500).
pub async fn queue(db: &Db, r: &Reader, now: i64) -> AppResult<Vec<Referred>> {
    let scope = scope_of(r)?;
    let since = now - QUEUE_DAYS * super::DAY_MS;
    let list = referrals::referrals_to_quarantine(db, &scope, since, 500).await?;
    let visitors: Vec<i64> = list
        .iter()
        .filter(|x| x.resident_id.is_none())
        .map(|x| x.entry_id)
        .collect();
    let visitor_orders: std::collections::HashMap<i64, i64> =
        super::visitors::orders_of_entries(db, &visitors)
            .await?
            .into_iter()
            .collect();
    // Residents' orders made since the oldest referral, read once: a referral's order is the
    // newest made for its person at or after the referral.
    let residents: Vec<i64> = list.iter().filter_map(|x| x.resident_id).collect();
    let mut resident_orders: Vec<(i64, i64, i64)> = Vec::new();
    for chunk in residents.chunks(400) {
        let rows: Vec<OrderOf> = db
            .query_as(
                &format!(
                    "SELECT id, resident_id, created_ms FROM quarantine_orders \
                     WHERE created_ms >= $1 AND resident_id IN ({})",
                    crate::db::placeholders(2, chunk.len())
                ),
                std::iter::once(crate::db::Value::from(since))
                    .chain(chunk.iter().map(|&i| crate::db::Value::from(i)))
                    .collect(),
            )
            .await?;
        resident_orders.extend(
            rows.into_iter()
                .map(|o| (o.resident_id, o.created_ms, o.id)),
        );
    }
    let mut out = Vec::with_capacity(list.len());
    for x in list {
        let order = match x.resident_id {
            Some(p) => resident_orders
                .iter()
                .filter(|(who, at, _)| *who == p && *at >= x.at_ms)
                .map(|(_, _, id)| *id)
                .max(),
            None => visitor_orders.get(&x.entry_id).copied(),
        };
        out.push(masked(x, order));
    }
    Ok(out)
}

struct OrderOf {
    id: i64,
    resident_id: i64,
    created_ms: i64,
}
crate::from_row!(OrderOf {
    id,
    resident_id,
    created_ms
});

/// A referral's personal data whole (to call the person, to make the order): audited.
#[derive(Debug, Clone, Serialize)]
pub struct Revealed {
    pub entry_id: i64,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub to_place: String,
}

pub async fn reveal(db: &Db, actor: &Actor, r: &Reader, entry_id: i64) -> AppResult<Revealed> {
    let scope = scope_of(r)?;
    let x = referrals::referral(db, &scope, entry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("quarantine_referral_reveal", "pass_entry", x.entry_id)
            .area(&x.path)
            .detail(json!({"who": if x.resident_id.is_some() { "resident" } else { "visitor" }})),
    )
    .await?;
    tx.commit().await?;
    Ok(Revealed {
        entry_id: x.entry_id,
        name: x.name,
        doc_type: x.doc_type,
        doc_number: x.doc_number,
        phone: x.phone,
        to_place: x.to_place,
    })
}
