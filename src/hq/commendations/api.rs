//! Commendations' JSON API (listed in `server::api::API_ROUTES`): the list in the reader's
//! scope, a proposal (idempotent by `client_id`: a retry answers `replayed: true` and stores
//! nothing), and HQ's decision.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::record::Record;
use super::{Commendation, Decision, Filter, NewCommendation};
use crate::audit::Actor;
use crate::error::{AppError, AppResult, FieldError};
use crate::web::{ApiError, AppState, Auth};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn actor(r: &crate::access::Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

fn body<T: serde::de::DeserializeOwned>(b: &Bytes) -> AppResult<T> {
    serde_json::from_slice(b).map_err(|e| {
        AppError::Invalid(vec![FieldError::new(
            "body",
            format!("not a valid request: {e}"),
            format!("不是有效的请求：{e}"),
        )])
    })
}

/// A commendation with its record.
#[derive(Serialize)]
pub struct CommendationView {
    #[serde(flatten)]
    pub commendation: Commendation,
    pub record: Record,
}

impl From<Commendation> for CommendationView {
    fn from(c: Commendation) -> Self {
        CommendationView {
            record: c.record(),
            commendation: c,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub limit: Option<i64>,
}

/// `GET /hq/commendations?status=&limit=`: newest first.
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<CommendationView>> {
    let run = async {
        let status = q.status.trim();
        if !status.is_empty() && !super::STATUSES.contains(&status) {
            return Err(AppError::Invalid(vec![FieldError::new(
                "status",
                "proposed, approved, declined or withdrawn",
                "可选：proposed、approved、declined、withdrawn",
            )]));
        }
        let f = Filter {
            status: status.to_owned(),
            ..Filter::default()
        };
        let limit = q.limit.unwrap_or(100).clamp(1, 500);
        let v = super::list(&s.db, &r, &f, limit).await?;
        AppResult::Ok(v.into_iter().map(CommendationView::from).collect())
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

#[derive(Serialize)]
pub struct ProposedView {
    pub replayed: bool,
    #[serde(flatten)]
    pub commendation: CommendationView,
}

/// `POST /hq/commendations` `{subject_kind, subject_id, citation, client_id}`.
pub async fn propose(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    b: Bytes,
) -> ApiResult<ProposedView> {
    let run = async {
        let f: NewCommendation = body(&b)?;
        let p = super::propose(&s.db, &actor(&r), &r, &f).await?;
        let c = super::get(&s.db, &r, p.id).await?;
        AppResult::Ok(ProposedView {
            replayed: p.replayed,
            commendation: c.into(),
        })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// `POST /hq/commendations/{id}/decision` `{decision: approve|decline, reason}`.
pub async fn decision(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    b: Bytes,
) -> ApiResult<CommendationView> {
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let d: Decision = body(&b)?;
        let c = super::decide(&s.db, &actor(&r), &r, id, &d).await?;
        AppResult::Ok(c.into())
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
