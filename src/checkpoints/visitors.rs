//! Visitors (外来人员): people not in the registry. They are logged with their document, name,
//! phone, where from, where to and why, typed by the checker or filled in by the visitor
//! themselves on the public form behind the checkpoint's printed QR code (no account; counted
//! against the sender's rate limit like the other public forms), then confirmed by the checker,
//! who sees the phone and document number masked.

use serde::{Deserialize, Serialize};

use super::{Checkpoint, DIRECTIONS};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::validate;
use crate::{args, from_row};

/// A visitor's details as sent.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct VisitorIn {
    /// id_card (default), passport, hk_macau, taiwan, other.
    #[serde(default)]
    pub doc_type: Option<String>,
    pub number: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

/// A visitor's details, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Visitor {
    pub doc_type: String,
    pub doc_number: String,
    pub name: String,
    pub phone: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

fn text(
    errs: &mut Vec<FieldError>,
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
    en: &str,
    zh: &str,
) -> String {
    let t = s.trim();
    if (required && t.is_empty()) || t.chars().count() > max || t.chars().any(char::is_control) {
        errs.push(FieldError::new(field, en, zh));
    }
    t.to_owned()
}

/// Check a visitor's details; every bad field is named.
pub fn check(v: &VisitorIn) -> Result<Visitor, Vec<FieldError>> {
    let mut errs = Vec::new();
    let doc_type = v
        .doc_type
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("id_card")
        .to_owned();
    let doc_number = if !crate::registry::model::DOC_TYPES
        .iter()
        .any(|t| t.code == doc_type)
    {
        errs.push(FieldError::new(
            "doc_type",
            "choose the kind of document",
            "请选择证件类型",
        ));
        String::new()
    } else if doc_type == "id_card" {
        match validate::parse_id_card(&v.number) {
            Ok(c) => c.number,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        }
    } else {
        match validate::parse_other_doc(&doc_type, &v.number) {
            Ok(n) => n,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        }
    };
    let name = text(
        &mut errs,
        "name",
        &v.name,
        50,
        true,
        "give the visitor's name (up to 50 characters)",
        "请填写姓名（不超过 50 个字符）",
    );
    let phone = if v.phone.trim().is_empty() {
        String::new()
    } else {
        match validate::parse_phone(&v.phone) {
            Ok(p) => p,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        }
    };
    let from = text(
        &mut errs,
        "from_place",
        &v.from,
        100,
        true,
        "say where the visitor comes from (up to 100 characters)",
        "请填写从何处来（不超过 100 个字符）",
    );
    let to = text(
        &mut errs,
        "to_place",
        &v.to,
        100,
        false,
        "where to: up to 100 characters",
        "去往何处：不超过 100 个字符",
    );
    let reason = text(
        &mut errs,
        "reason",
        &v.reason,
        200,
        false,
        "the reason: up to 200 characters",
        "事由：不超过 200 个字符",
    );
    if errs.is_empty() {
        Ok(Visitor {
            doc_type,
            doc_number,
            name,
            phone,
            from,
            to,
            reason,
        })
    } else {
        Err(errs)
    }
}

/// Public forms of one sender in 10 minutes before they are refused.
pub const FORM_LIMIT: i64 = 20;
const FORM_WINDOW_MS: i64 = 10 * 60 * 1000;
/// A waiting registration is offered to the checker for this long.
pub const WAITING_MS: i64 = 6 * 3600 * 1000;

/// Count a request of the public form against the sender's limit (refused ones count too).
pub async fn guard(db: &Db, client: &str) -> AppResult<()> {
    let (_, n) = crate::access::count_attempt(
        db,
        "checkpoint_visitor_attempts",
        client,
        now_ms(),
        FORM_WINDOW_MS,
    )
    .await?;
    if n > FORM_LIMIT {
        return Err(AppError::TooMany(Msg::new(
            "too many forms from this device: wait ten minutes, or tell the checker your details",
            "此设备提交次数过多，请十分钟后再试，或直接向卡口工作人员登记",
        )));
    }
    Ok(())
}

/// A visitor registers themselves at a checkpoint. A second form with the same document at
/// the same checkpoint while the first still waits is refused with its number, so a double
/// tap does not queue the visitor twice. Returns the registration's number.
pub async fn register(db: &Db, cp: &Checkpoint, v: &VisitorIn, direction: &str) -> AppResult<i64> {
    let mut errs = Vec::new();
    let checked = check(v);
    if !crate::mobilization::in_vocab(DIRECTIONS, direction) {
        errs.push(FieldError::new(
            "direction",
            "choose in, out or passing through",
            "请选择进、出或途经",
        ));
    }
    let x = match checked {
        Ok(x) if errs.is_empty() => x,
        Ok(_) => return Err(AppError::Invalid(errs)),
        Err(mut e) => {
            e.extend(errs);
            return Err(AppError::Invalid(e));
        }
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    if let Some(id) = tx
        .scalar_opt::<i64>(
            "SELECT id FROM checkpoint_visitors WHERE place_id = $1 AND doc_number = $2 \
             AND status = 'waiting' AND created_ms > $3 ORDER BY id DESC LIMIT 1",
            args![cp.id, x.doc_number.as_str(), now - WAITING_MS],
        )
        .await?
    {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "you are already registered here (number {id}): show this number to the checker"
            ),
            format!("您已在此登记（编号 {id}），请向卡口工作人员出示此编号"),
        )));
    }
    let id: i64 = tx
        .scalar(
            "INSERT INTO checkpoint_visitors (place_id, path, doc_type, doc_number, name, phone, \
             from_place, to_place, reason, direction, status, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting', $11) RETURNING id",
            args![
                cp.id,
                cp.path.as_str(),
                x.doc_type.as_str(),
                x.doc_number.as_str(),
                x.name.as_str(),
                x.phone.as_str(),
                x.from.as_str(),
                x.to.as_str(),
                x.reason.as_str(),
                direction,
                now
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A waiting registration as the checker sees it: name, document and phone masked.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub id: i64,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub from_place: String,
    pub to_place: String,
    pub reason: String,
    pub direction: String,
    pub created_ms: i64,
}
from_row!(Waiting {
    id,
    name,
    doc_type,
    doc_number,
    phone,
    from_place,
    to_place,
    reason,
    direction,
    created_ms
});

impl Waiting {
    fn masked(mut self) -> Waiting {
        self.name = crate::privacy::mask_name(&self.name);
        self.doc_number = validate::mask_doc(&self.doc_number);
        self.phone = if self.phone.is_empty() {
            String::new()
        } else {
            validate::mask_phone(&self.phone)
        };
        self
    }
}

/// The visitors waiting at a checkpoint (the last hours'), oldest first, masked. The caller has
/// checked the reader's access to the checkpoint.
pub async fn waiting(db: &Db, cp: &Checkpoint) -> AppResult<Vec<Waiting>> {
    let v: Vec<Waiting> = db
        .query_as(
            "SELECT id, name, doc_type, doc_number, phone, from_place, to_place, reason, direction, \
             created_ms FROM checkpoint_visitors WHERE place_id = $1 AND status = 'waiting' \
             AND created_ms > $2 ORDER BY id LIMIT 100",
            args![cp.id, now_ms() - WAITING_MS],
        )
        .await?;
    Ok(v.into_iter().map(Waiting::masked).collect())
}

/// One waiting registration, masked.
pub async fn one_waiting(db: &Db, cp: &Checkpoint, id: i64) -> AppResult<Waiting> {
    db.query_opt_as::<Waiting>(
        "SELECT id, name, doc_type, doc_number, phone, from_place, to_place, reason, direction, \
         created_ms FROM checkpoint_visitors WHERE place_id = $1 AND id = $2 AND status = 'waiting'",
        args![cp.id, id],
    )
    .await?
    .map(Waiting::masked)
    .ok_or(AppError::NotFound)
}

/// The full phone number of a visitor who registered at the checkpoint, for the checker to
/// call (tap to call: the number is masked on the page until then). The reveal is audited
/// (`phone_call` on the registration). The caller has opened the checkpoint (its checker on
/// duty or an officer over it).
pub async fn call_phone(
    db: &Db,
    actor: &crate::audit::Actor,
    cp: &Checkpoint,
    id: i64,
) -> AppResult<String> {
    let phone = db
        .scalar_opt::<String>(
            "SELECT phone FROM checkpoint_visitors WHERE place_id = $1 AND id = $2",
            args![cp.id, id],
        )
        .await?
        .filter(|p| !p.trim().is_empty())
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Event::new("phone_call", "checkpoint_visitor", id)
            .area(&cp.path)
            .detail(serde_json::json!({"fields": ["phone"]})),
    )
    .await?;
    tx.commit().await?;
    Ok(phone)
}
