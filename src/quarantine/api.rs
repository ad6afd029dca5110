//! The health follow-up's JSON API (listed in `server::api::API_ROUTES`): orders (list, a
//! resident's, create for a resident or a household, change the end, end), checks by a device
//! and self-reports through a household link (idempotent by client id), contact logs, one batch
//! route (JSON lines) for the checks and contact logs a device queued offline, the worklist and
//! the figures.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::checks::{self, Check, Input, Recorded};
use super::ingest::{self, CheckWriter};
use super::orders::{self, EndChange, Ending, Made, NewOrder, Order, TestDay};
use super::pairings::{self, LogInput, Logged};
use super::{day_of, figures, parse_day, worklist};
use crate::access::Reader;
use crate::audit::Actor;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::web::replies::{self, Answer};
use crate::web::{ApiError, AppState, Auth, UserLang};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: crate::i18n::Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

fn actor(r: &Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub area: String,
    /// active (default) or ended.
    pub state: String,
    pub page: Option<i64>,
}

#[derive(Serialize)]
pub struct OrdersPage {
    pub total: i64,
    pub page: i64,
    pub items: Vec<Order>,
}

/// `GET /followup/orders?area=&state=&page=`: 100 a page.
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<OrdersPage> {
    let run = async {
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        let page = q.page.unwrap_or(1).max(1);
        let (items, total) = orders::list(
            &s.db,
            &r,
            &area.path,
            q.state.trim() != "ended",
            100,
            (page - 1) * 100,
        )
        .await?;
        Ok(OrdersPage { total, page, items })
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: Order,
    pub tests: Vec<TestDay>,
    pub checks: Vec<Check>,
}

/// `GET /residents/{id}/quarantine`: a resident's orders, newest first, with the rule's tests
/// and the recent checks.
pub async fn of_resident(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<OrderDetail>> {
    let run = async {
        let path =
            s.db.scalar_opt::<String>("SELECT path FROM residents WHERE id = $1", crate::args![id])
                .await?
                .filter(|p| r.registry_scope().contains(p))
                .ok_or(AppError::NotFound)?;
        let _ = path;
        let mut out = Vec::new();
        for o in orders::of_resident(&s.db, &r, id).await? {
            let tests = orders::tests(&s.db, &o).await?;
            let checks = checks::of_order(&s.db, o.id, 60).await?;
            out.push(OrderDetail {
                order: o,
                tests,
                checks,
            });
        }
        Ok(out)
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrderBody {
    pub resident_id: Option<i64>,
    pub household_id: Option<i64>,
    #[serde(flatten)]
    pub order: NewOrder,
}

/// `POST /followup/orders`: for a resident, or every member of a household not under one.
pub async fn create(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<OrderBody>,
) -> ApiResult<Made> {
    let now = now_ms();
    let run = async {
        match (b.resident_id, b.household_id) {
            (Some(p), None) => orders::create(&s.db, &actor(&r), &r, p, &b.order, now).await,
            (None, Some(h)) => {
                orders::create_household(&s.db, &actor(&r), &r, h, &b.order, now).await
            }
            _ => Err(FieldError::new(
                "resident_id",
                "give resident_id or household_id",
                "请提供 resident_id 或 household_id",
            )
            .into()),
        }
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeBody {
    pub order_id: i64,
    #[serde(flatten)]
    pub change: EndChange,
}

#[derive(Serialize)]
pub struct Done {
    pub ok: bool,
}

/// `POST /followup/order-changes`: a new last day with a reason.
pub async fn change(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<ChangeBody>,
) -> ApiResult<Done> {
    let a = actor(&r);
    let run = orders::change_end(&s.db, &a, &r, b.order_id, &b.change, now_ms());
    reply(run.await.map(|_| Done { ok: true }), lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndBody {
    pub order_id: i64,
    #[serde(flatten)]
    pub ending: Ending,
}

/// `POST /followup/order-ends`: released (gated), hospital, moved or error.
pub async fn end(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<EndBody>,
) -> ApiResult<Done> {
    let a = actor(&r);
    let run = orders::end(&s.db, &a, &r, b.order_id, &b.ending, now_ms());
    reply(run.await.map(|_| Done { ok: true }), lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckBody {
    /// The check; or, without it, the check the resident owes now.
    pub check_id: Option<i64>,
    pub resident_id: Option<i64>,
    #[serde(flatten)]
    pub input: Input,
}

/// `POST /followup/checks`: a device records a check (grid worker, contact person, officer),
/// written by the group-commit writer.
pub async fn check(
    State(s): State<AppState>,
    Extension(w): Extension<CheckWriter>,
    Auth(r, lang): Auth,
    Json(b): Json<CheckBody>,
) -> ApiResult<Recorded> {
    reply(record_check(&s.db, &w, &r, &b, now_ms()).await, lang)
}

/// A check from a device's body (`POST /followup/checks`, or a batch line): by check id, or the
/// check the resident owes now; idempotent by the input's client id.
async fn record_check(
    db: &Db,
    w: &CheckWriter,
    r: &Reader,
    b: &CheckBody,
    now: i64,
) -> AppResult<Recorded> {
    match (b.check_id, b.resident_id) {
        (Some(c), _) => {
            let ready =
                checks::prepare_record_for_batch(db, &actor(r), r, c, &b.input, now).await?;
            ingest::finish(w, ready).await
        }
        (None, Some(p)) => {
            let ready = checks::prepare_for_resident(db, &actor(r), r, p, &b.input, now).await?;
            ingest::finish(w, ready).await
        }
        _ => Err(FieldError::new(
            "check_id",
            "give check_id or resident_id",
            "请提供 check_id 或 resident_id",
        )
        .into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SelfBody {
    /// The household link's token (the door plate's code).
    pub token: String,
    pub resident_id: i64,
    #[serde(flatten)]
    pub input: Input,
}

/// `POST /followup/self-report`: a self-report through a household link, no account; only the
/// household's own members.
pub async fn self_report(
    State(s): State<AppState>,
    Extension(w): Extension<CheckWriter>,
    UserLang(lang): UserLang,
    Json(b): Json<SelfBody>,
) -> ApiResult<Recorded> {
    let run = async {
        let hh = link(&s.db, &b.token).await?;
        if b.input.temperature.trim().is_empty() {
            return Err(FieldError::new("temperature", "required", "必填").into());
        }
        let ready =
            checks::prepare_self_report(&s.db, hh, b.resident_id, &b.input, now_ms()).await?;
        ingest::finish(&w, ready).await
    };
    reply(run.await, lang)
}

async fn link(db: &Db, token: &str) -> AppResult<i64> {
    super::link_household(db, token)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContactBody {
    pub household_id: i64,
    #[serde(flatten)]
    pub log: LogInput,
}

/// `POST /followup/contacts`: the contact person's (or staff's) log of a household.
pub async fn contact(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<ContactBody>,
) -> ApiResult<Logged> {
    reply(log_contact(&s.db, &r, &b, now_ms()).await, lang)
}

/// A contact log from a body (`POST /followup/contacts`, or a batch line); idempotent by the
/// log's client id.
async fn log_contact(db: &Db, r: &Reader, b: &ContactBody, now: i64) -> AppResult<Logged> {
    pairings::log_contact(db, &actor(r), r, b.household_id, &b.log, now).await
}

/// The follow-up device's actions, by the name a batch line gives in `op`.
pub const OPS: &[&str] = &["check", "contact"];

/// `POST /followup/batch`: what a follow-up device queued offline, as JSON lines, each
/// `{"op": "check" | "contact", "client_id": …, …the single route's fields}`; JSON lines out,
/// each line its own outcome (a check or a contact sent before answers as a replay, and
/// nothing is written again).
pub async fn batch(
    State(s): State<AppState>,
    Extension(w): Extension<CheckWriter>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    let (db, w, r) = (&s.db, &w, &r);
    replies::batch(&body, lang, |v| async move {
        match batch_line(db, w, r, v).await {
            Ok(body) => Answer { status: 200, body },
            Err(e) => Answer::refused(e.into(), lang).await,
        }
    })
    .await
}

/// One line of a batch, through the single routes' functions.
async fn batch_line(db: &Db, w: &CheckWriter, r: &Reader, v: Value) -> AppResult<Value> {
    // Unlike the single routes, a queued action must carry its client id (its retry's key).
    replies::client_id(&replies::text(&v, "client_id"))?;
    let op = replies::text(&v, "op");
    let now = now_ms();
    let done = match op.as_str() {
        "check" => {
            let b: CheckBody = serde_json::from_value(v).map_err(bad_line)?;
            serde_json::to_value(record_check(db, w, r, &b, now).await?)
        }
        "contact" => {
            let b: ContactBody = serde_json::from_value(v).map_err(bad_line)?;
            serde_json::to_value(log_contact(db, r, &b, now).await?)
        }
        _ => {
            return Err(FieldError::new(
                "op",
                format!("one of {}", OPS.join(", ")),
                format!("须为以下之一：{}", OPS.join("、")),
            )
            .into())
        }
    };
    done.map_err(|e| AppError::Internal(e.to_string()))
}

fn bad_line(e: serde_json::Error) -> AppError {
    FieldError::new(
        "line",
        format!("not a valid action: {e}"),
        format!("不是有效的操作：{e}"),
    )
    .into()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorklistQuery {
    /// The next page of the walk: after this check (the previous page's `next`).
    pub after: String,
}

/// `GET /followup/worklist`: today's checks to do (a page of the walk), tasks and paired
/// households to contact.
pub async fn worklist_of(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Query(q): Query<WorklistQuery>,
) -> ApiResult<worklist::Worklist> {
    reply(worklist::page(&s.db, &r, now_ms(), &q.after).await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresQuery {
    pub area: String,
    /// YYYY-MM-DD (default: today, China time).
    pub date: String,
    /// Days without contact that count a paired household as not contacted (default 3).
    pub days: Option<i64>,
}

#[derive(Serialize)]
pub struct FiguresView {
    pub area: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: figures::Figures,
    pub by_contact: Vec<figures::ByContact>,
}

/// `GET /followup/figures?area=&date=&days=`.
pub async fn figures_of(
    State(s): State<AppState>,
    Query(q): Query<FiguresQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<FiguresView> {
    let run = async {
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        let now = now_ms();
        checks::ensure_today(&s.db, now).await?;
        let day = match q.date.trim() {
            "" => day_of(now),
            d => parse_day("date", d)?,
        };
        let f = figures::of(&s.db, &r, &area.path, day, q.days.unwrap_or(3).clamp(1, 60)).await?;
        let by_contact = figures::by_contact(&s.db, &r, &area.path, day).await?;
        Ok(FiguresView {
            area: area.code,
            name: area.name,
            figures: f,
            by_contact,
        })
    };
    reply(run.await, lang)
}

/// `GET /followup/referred`: the people a checkpoint referred to quarantine in the reader's
/// area (the last 14 days, masked), with the order made for each resident since.
pub async fn referred(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<super::referred::Referred>> {
    reply(super::referred::queue(&s.db, &r, now_ms()).await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealBody {
    pub entry_id: i64,
}

/// `POST /followup/referred-reveals`: one referral's name, document and phone whole (audited).
pub async fn referred_reveal(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<RevealBody>,
) -> ApiResult<super::referred::Revealed> {
    let a = actor(&r);
    reply(
        super::referred::reveal(&s.db, &a, &r, b.entry_id).await,
        lang,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VisitorOrderBody {
    /// The referral (pass-log entry) from `GET /followup/referred`.
    pub entry_id: i64,
    #[serde(flatten)]
    pub order: NewOrder,
}

/// `POST /followup/visitor-orders`: an order for the person of a checkpoint referral — a
/// visitor (no registry record) or a resident; idempotent by client_id.
pub async fn visitor_order(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    Json(b): Json<VisitorOrderBody>,
) -> ApiResult<super::visitors::Ordered> {
    let a = actor(&r);
    reply(
        super::visitors::order(&s.db, &a, &r, b.entry_id, &b.order, now_ms()).await,
        lang,
    )
}
