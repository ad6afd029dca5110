//! The needs' JSON API (listed in `server::api::API_ROUTES`): the figures of an area over a
//! period, for the reports headquarters compiles; and the field writes — register a need for a
//! household (staff), claim, contact made, done, cannot complete, items delivered — one route
//! each and one batch route (JSON lines) for what a phone queued offline. Every write calls the
//! engine the pages call ([`super::intake::create`], [`super::flow::act`],
//! [`super::flow::add_item`]) and is idempotent by `client_id` ([`crate::web::replies`]); a need
//! whose state changed meanwhile is answered 409 with its state now.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::figures::{self, Period, Report};
use super::flow::{self, Action, Who};
use crate::access::Reader;
use crate::db::now_ms;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::mobilization::volunteers;
use crate::web::replies::{self, Answer, Refusal};
use crate::web::{ApiError, AppState, Auth};

#[derive(Deserialize)]
pub struct FiguresQuery {
    pub area: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Serialize)]
pub struct FiguresView {
    pub area: String,
    pub name: String,
    pub period: Period,
    #[serde(flatten)]
    pub report: Report,
}

/// `GET /needs/figures?area=&from=&to=`: the reader's top area and the last 7 days by default.
pub async fn figures_of(
    State(s): State<AppState>,
    Query(q): Query<FiguresQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<FiguresView>, ApiError> {
    let run = async {
        super::require_read(&r)?;
        let area = super::area_in_scope(&s.db, &r, q.area.as_deref().unwrap_or("")).await?;
        let now = now_ms();
        let p = figures::period(
            q.from.as_deref().unwrap_or(""),
            q.to.as_deref().unwrap_or(""),
            now,
        )?;
        let report = figures::report(&s.db, &r, &area.path, p.from_ms, p.to_ms, now).await?;
        AppResult::Ok(FiguresView {
            area: area.code,
            name: area.name,
            period: p,
            report,
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// The field actions on needs, by the name a batch line gives in `op`.
pub const OPS: &[&str] = &["register", "claim", "contact", "done", "unable", "item"];

/// A need's state now, sent with a refusal whose precondition changed (no personal data).
async fn state_now(db: &Db, id: i64, me: Option<i64>) -> Option<Value> {
    let n = super::fetch(db, id).await.ok()?;
    Some(json!({
        "id": n.id,
        "status": n.status,
        "version": n.version,
        "held_by_you": me.is_some() && n.volunteer_id == me,
        "held_by_team": n.team_id.is_some(),
    }))
}

/// One action on needs from a body (a single route's, or a batch line's): runs it through the
/// engine and answers its outcome as JSON.
async fn perform(
    db: &Db,
    r: &Reader,
    op: &str,
    need: Option<i64>,
    v: &Value,
) -> Result<Value, Refusal> {
    let actor = replies::actor(r);
    let now = now_ms();
    if op == "register" {
        let hid = replies::id(v, "household").ok_or(AppError::NotFound)?;
        let f = super::intake::NewNeed {
            resident: replies::id(v, "resident"),
            for_name: replies::text(v, "for_name"),
            category: replies::text(v, "category"),
            urgency: replies::text(v, "urgency"),
            description: replies::text(v, "description"),
            phone: replies::text(v, "phone"),
            source: replies::text(v, "source"),
            client_id: String::new(),
            visit: None,
        };
        let c = super::intake::create(db, &actor, r, hid, &f, now).await?;
        return Ok(json!({"id": c.id, "duplicate_of": c.duplicate_of}));
    }
    let id = need.ok_or(AppError::NotFound)?;
    // A volunteer acts as the volunteer they are; anyone else as staff of their scope.
    let vol = if r.role == "volunteer" {
        Some(
            volunteers::of_account(db, r.account_id)
                .await?
                .filter(|v| v.status == "approved")
                .ok_or(AppError::NotFound)?,
        )
    } else {
        None
    };
    let who = match &vol {
        Some(v) => Who::Volunteer(v),
        None => Who::Staff(r),
    };
    let me = vol.as_ref().map(|v| v.id);
    let action = match op {
        "claim" => Action::Claim,
        "contact" => Action::Start,
        "done" => Action::Done,
        "unable" => Action::Unable {
            reason: replies::text(v, "reason"),
        },
        "item" => {
            flow::add_item(
                db,
                &actor,
                &who,
                id,
                &replies::text(v, "kind"),
                &replies::text(v, "description"),
                &replies::text(v, "quantity"),
                now,
            )
            .await?;
            let items = super::items(db, id).await?;
            return Ok(json!({"id": id, "items": items.len()}));
        }
        _ => return Err(AppError::NotFound.into()),
    };
    let seen = replies::id(v, "version");
    match flow::act(db, &actor, &who, id, &action, seen, now).await {
        Ok(n) => Ok(json!({"id": n.id, "status": n.status, "version": n.version})),
        Err(e @ AppError::Conflict(_)) => Err(Refusal {
            err: e,
            state: state_now(db, id, me).await,
        }),
        Err(e) => Err(e.into()),
    }
}

/// One action, once by its client id.
async fn once(db: &Db, r: &Reader, lang: Lang, op: &str, need: Option<i64>, v: Value) -> Answer {
    let cid = replies::text(&v, "client_id");
    replies::once(db, r.account_id, "needs", &cid, lang, || async {
        perform(db, r, op, need, &v).await
    })
    .await
}

async fn single(
    s: &AppState,
    r: &Reader,
    lang: Lang,
    op: &str,
    id: Option<&str>,
    body: &[u8],
) -> Response {
    let v = match replies::object(body) {
        Ok(v) => v,
        Err(e) => return ApiError(e, lang).into_response(),
    };
    let need = match id {
        Some(id) => match id.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return ApiError(AppError::NotFound, lang).into_response(),
        },
        None => None,
    };
    once(&s.db, r, lang, op, need, v).await.into_response()
}

/// `POST /needs`: staff register a need for a household of their scope.
pub async fn register(State(s): State<AppState>, Auth(r, lang): Auth, body: Bytes) -> Response {
    single(&s, &r, lang, "register", None, &body).await
}

/// `POST /needs/{id}/claim`: a volunteer claims a need (of their area or given to their team).
pub async fn claim(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    single(&s, &r, lang, "claim", Some(&id), &body).await
}

/// `POST /needs/{id}/contact`: first contact made (on the way, or on the phone).
pub async fn contact(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    single(&s, &r, lang, "contact", Some(&id), &body).await
}

/// `POST /needs/{id}/done`.
pub async fn done(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    single(&s, &r, lang, "done", Some(&id), &body).await
}

/// `POST /needs/{id}/unable`: cannot complete, with the reason; the need goes back to the queue.
pub async fn unable(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    single(&s, &r, lang, "unable", Some(&id), &body).await
}

/// `POST /needs/{id}/items`: an item delivered (kind, quantity, description).
pub async fn item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    single(&s, &r, lang, "item", Some(&id), &body).await
}

/// `POST /needs/batch`: JSON lines, each `{"op": "register|claim|contact|done|unable|item",
/// "need": id, "client_id": …, …the single route's fields}`; JSON lines out, each line its own
/// outcome.
pub async fn batch(State(s): State<AppState>, Auth(r, lang): Auth, body: Bytes) -> Response {
    let (db, r) = (&s.db, &r);
    replies::batch(&body, lang, |v| async move {
        let op = replies::text(&v, "op");
        if !OPS.contains(&op.as_str()) {
            return Answer::refused(
                AppError::Invalid(vec![crate::error::FieldError::new(
                    "op",
                    format!("one of {}", OPS.join(", ")),
                    format!("须为以下之一：{}", OPS.join("、")),
                )])
                .into(),
                lang,
            )
            .await;
        }
        let need = replies::id(&v, "need");
        once(db, r, lang, &op, need, v).await
    })
    .await
}
