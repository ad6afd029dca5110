//! The registry's write API (listed in `server::api::API_ROUTES`): register a household,
//! correct it, add a resident, correct a resident — through the engine the pages call
//! ([`super::edit`]), with its validation (ID number, phone: errors named by field in the
//! caller's language), its scope check and its audit entry. Idempotent by `client_id`
//! ([`crate::web::replies`]). A resident's body carries the resident form's fields; on a
//! correction, a document number or phone sent as its masked value keeps the stored one.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::edit;
use super::residents::ResidentInput;
use crate::access::Reader;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::replies::{self, Refusal};
use crate::web::{ApiError, AppState, Auth};

/// The registry's writes, by name.
#[derive(Clone, Copy)]
enum Op {
    NewHousehold,
    FixHousehold(i64),
    NewResident(i64),
    FixResident(i64),
}

/// A resident's fields from a body: blank fields absent, lists (arrays or comma-separated
/// text) joined, as the form gives them.
fn resident_input(v: &Value) -> ResidentInput {
    let opt = |k: &str| Some(replies::text(v, k)).filter(|s| !s.trim().is_empty());
    ResidentInput {
        name: replies::text(v, "name"),
        doc_type: opt("doc_type"),
        doc_number: replies::text(v, "doc_number"),
        sex: opt("sex"),
        birth_date: opt("birth_date"),
        phone: opt("phone"),
        relation: opt("relation"),
        tags: replies::list(v, "tags"),
        health_note: opt("health_note"),
        party: opt("party"),
        party_categories: replies::list(v, "party_categories"),
    }
}

async fn perform(db: &Db, r: &Reader, op: Op, v: &Value) -> Result<Value, Refusal> {
    let a = replies::actor(r);
    let kind = replies::text(v, "kind");
    let kind = Some(kind.as_str()).filter(|k| !k.trim().is_empty());
    let id = match op {
        Op::NewHousehold => {
            let area = replies::text(v, "area");
            let address = replies::text(v, "address");
            edit::create_household(db, &a, r, &area, &address, kind).await?
        }
        Op::FixHousehold(id) => {
            let address = replies::text(v, "address");
            edit::update_household(db, &a, r, id, &address, kind).await?;
            id
        }
        Op::NewResident(hid) => edit::add_resident(db, &a, r, hid, &resident_input(v)).await?,
        Op::FixResident(id) => {
            edit::update_resident(db, &a, r, id, &resident_input(v)).await?;
            id
        }
    };
    Ok(json!({ "id": id }))
}

async fn write(db: &Db, r: &Reader, lang: Lang, op: Op, body: &[u8]) -> Response {
    let v = match replies::object(body) {
        Ok(v) => v,
        Err(e) => return ApiError(e, lang).into_response(),
    };
    let cid = replies::text(&v, "client_id");
    replies::once(db, r.account_id, "registry", &cid, lang, || async {
        perform(db, r, op, &v).await
    })
    .await
    .into_response()
}

fn record(id: &str, lang: Lang) -> Result<i64, Response> {
    id.parse()
        .map_err(|_| ApiError(AppError::NotFound, lang).into_response())
}

/// `POST /households`: register a household at an area of the caller's scope.
pub async fn new_household(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    write(&s.db, &r, lang, Op::NewHousehold, &body).await
}

/// `POST /households/{id}/corrections`: correct a household's address and kind.
pub async fn fix_household(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    match record(&id, lang) {
        Ok(id) => write(&s.db, &r, lang, Op::FixHousehold(id), &body).await,
        Err(resp) => resp,
    }
}

/// `POST /households/{id}/residents`: add a resident to a household.
pub async fn new_resident(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    match record(&id, lang) {
        Ok(id) => write(&s.db, &r, lang, Op::NewResident(id), &body).await,
        Err(resp) => resp,
    }
}

/// `POST /residents/{id}/corrections`: correct a resident.
pub async fn fix_resident(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    match record(&id, lang) {
        Ok(id) => write(&s.db, &r, lang, Op::FixResident(id), &body).await,
        Err(resp) => resp,
    }
}
