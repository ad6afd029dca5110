//! The supplies' JSON API (listed in `server::api::API_ROUTES`): stores and their stock and
//! stock card, receipts, movements and their corrections, handouts through a need, trips,
//! money received, spending and approvals, the figures, and the public disclosure (no token).
//! Every write is idempotent by `client_id`: a retry answers the entry first recorded. The
//! bodies carry the same fields as the pages' forms, as strings.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::goods::{self, Hand, MoveForm, NeedHandout, ReceiptForm};
use super::money::{self, GiftForm, SpendForm, TransferForm};
use super::trips::{self, TripForm};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::web::{ApiError, AppState, Auth, UserLang};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn done(id: i64) -> Json<Value> {
    Json(json!({ "id": id }))
}

/// `GET /supplies/stores`: the stores of the reader's scope.
pub async fn stores(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<goods::Store>> {
    goods::stores(&s.db, &r)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, lang))
}

#[derive(Serialize)]
pub struct StoreStock {
    #[serde(flatten)]
    pub store: goods::Store,
    pub serves: Vec<String>,
    pub stock: Vec<goods::Balance>,
}

/// `GET /supplies/stores/{id}`: a store with its stock per item and lot.
pub async fn store(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
) -> ApiResult<StoreStock> {
    let run = async {
        let store = goods::store(&s.db, &r, id).await?;
        Ok(StoreStock {
            serves: goods::serves(&s.db, id).await?,
            stock: goods::stock(&s.db, id).await?,
            store,
        })
    };
    run.await.map(Json).map_err(|e: AppError| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CardQuery {
    pub item: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `GET /supplies/stores/{id}/card`: the stock card, newest first.
pub async fn card(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<CardQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Value> {
    let run = async {
        goods::store(&s.db, &r, id).await?;
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let offset = q.offset.unwrap_or(0).clamp(0, i64::MAX / 2);
        let (lines, total) = goods::card(&s.db, id, q.item, limit, offset).await?;
        AppResult::Ok(json!({ "total": total, "lines": lines }))
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/receipts`.
pub async fn receipt(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<ReceiptForm>,
) -> ApiResult<Value> {
    let a = actor(&r);
    goods::receive(&s.db, &a, &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/movements`.
pub async fn movement(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<MoveForm>,
) -> ApiResult<Value> {
    goods::move_out(&s.db, &actor(&r), &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Reverse {
    pub reason: String,
    pub client_id: String,
}

/// `POST /supplies/movements/{id}/reverse`.
pub async fn reverse(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
    Json(f): Json<Reverse>,
) -> ApiResult<Value> {
    goods::reverse(&s.db, &actor(&r), &r, id, &f.reason, &f.client_id, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/needs/{id}/handouts`: an officer, or the volunteer holding the need (from
/// their team's store).
pub async fn need_handout(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
    Json(f): Json<NeedHandout>,
) -> ApiResult<Value> {
    let run = async {
        let a = actor(&r);
        if r.role == "volunteer" {
            let v = crate::mobilization::volunteers::of_account(&s.db, r.account_id)
                .await?
                .filter(|v| v.status == "approved")
                .ok_or(AppError::NotFound)?;
            goods::hand_for_need(&s.db, &a, Hand::Volunteer(&v), id, &f, now_ms()).await
        } else {
            goods::hand_for_need(&s.db, &a, Hand::Staff(&r), id, &f, now_ms()).await
        }
    };
    run.await.map(done).map_err(|e| ApiError(e, lang))
}

/// `GET /supplies/trips`.
pub async fn trips(
    State(s): State<AppState>,
    Query(q): Query<CardQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Value> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).clamp(0, i64::MAX / 2);
    trips::trips(&s.db, &r, limit, offset)
        .await
        .map(|(t, n)| Json(json!({ "total": n, "trips": t })))
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/trips`.
pub async fn trip(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<TripForm>,
) -> ApiResult<Value> {
    trips::add_trip(&s.db, &actor(&r), &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/gifts`: money received.
pub async fn gift(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<GiftForm>,
) -> ApiResult<Value> {
    money::receive(&s.db, &actor(&r), &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/spendings`: a spending request.
pub async fn spending(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<SpendForm>,
) -> ApiResult<Value> {
    money::request_spend(&s.db, &actor(&r), &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/transfers`: money from one fund to another (a direction goes with it).
pub async fn transfer(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(f): Json<TransferForm>,
) -> ApiResult<Value> {
    money::transfer(&s.db, &actor(&r), &r, &f, now_ms())
        .await
        .map(done)
        .map_err(|e| ApiError(e, lang))
}

/// `POST /supplies/spendings/{id}/approve`.
pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
) -> ApiResult<Value> {
    money::approve(&s.db, &actor(&r), &r, id, now_ms())
        .await
        .map(|status| Json(json!({ "id": id, "status": status })))
        .map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresQuery {
    pub area: String,
    pub from: String,
    pub to: String,
}

/// `GET /supplies/figures?area=&from=&to=`.
pub async fn figures(
    State(s): State<AppState>,
    Query(q): Query<FiguresQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Value> {
    let run = async {
        super::require_read(&r)?;
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        let p = crate::needs::figures::period(&q.from, &q.to, now_ms())?;
        let f = super::figures::of_area(&s.db, &area.path, p.from_ms, p.to_ms).await?;
        AppResult::Ok(json!({ "area": area.code, "name": area.name, "period": p, "figures": f }))
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// `GET /supplies/disclosure/{code}`: the public disclosure, no token.
pub async fn disclosure(
    State(s): State<AppState>,
    Path(code): Path<String>,
    UserLang(lang): UserLang,
) -> ApiResult<super::disclosure::Disclosure> {
    super::disclosure::of_area(&s.db, &code, now_ms())
        .await
        .map(Json)
        .map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StockTakeBody {
    pub client_id: String,
    pub store: String,
    pub reason: String,
    pub approver: String,
    /// Counted quantity (units) per item id: `{"12": "790"}`.
    pub counts: std::collections::BTreeMap<String, String>,
}

/// `POST /supplies/stock-takes`: a store's count; each difference becomes an adjustment with
/// the reason and the approver. Idempotent by `client_id`. Answers the adjustments' ids.
pub async fn stock_take(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<StockTakeBody>,
) -> ApiResult<Value> {
    let run = async {
        let mut counts = Vec::new();
        for (k, v) in &b.counts {
            match k.trim().parse::<i64>() {
                Ok(id) => counts.push((id, v.clone())),
                Err(_) => {
                    return Err(AppError::Invalid(vec![crate::error::FieldError::new(
                        "counts",
                        format!("{k:?} is not an item id"),
                        format!("“{k}”不是物品编号"),
                    )]))
                }
            }
        }
        let f = goods::CountForm {
            client_id: b.client_id.clone(),
            store: b.store.clone(),
            counts,
            reason: b.reason.clone(),
            approver: b.approver.clone(),
        };
        let ids = goods::stock_take(&s.db, &actor(&r), &r, &f, now_ms()).await?;
        AppResult::Ok(json!({ "adjustments": ids }))
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// `GET /supplies/settings`: the amount above which a spending needs two approvers.
pub async fn settings(State(s): State<AppState>, Auth(r, lang): Auth) -> ApiResult<Value> {
    let run = async {
        super::require_read(&r)?;
        let fen = money::threshold(&s.db).await?;
        AppResult::Ok(
            json!({ "two_approvers_above_fen": fen, "two_approvers_above": super::yuan(fen) }),
        )
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsBody {
    /// Yuan, at most two decimals.
    pub threshold: String,
}

/// `POST /supplies/settings`: set the two-approver threshold (administrators and HQ).
pub async fn set_settings(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<SettingsBody>,
) -> ApiResult<Value> {
    money::set_threshold(&s.db, &actor(&r), &r, &b.threshold)
        .await
        .map(|fen| Json(json!({ "two_approvers_above_fen": fen })))
        .map_err(|e| ApiError(e, lang))
}

fn actor(r: &crate::access::Reader) -> crate::audit::Actor {
    crate::audit::Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}
