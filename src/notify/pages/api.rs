//! The notifications' JSON API (listed in `server::api::API_ROUTES`): a person's own messages
//! and marking them read. Nobody reads another's: both routes act on the caller's account only.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::notify::{self, Mine};
use crate::web::{ApiError, Auth};

#[derive(Deserialize, Default)]
pub struct MineQuery {
    pub before: Option<String>,
    pub limit: Option<String>,
    pub unread: Option<String>,
}

#[derive(Serialize)]
pub struct MineView {
    pub unread: i64,
    pub items: Vec<Mine>,
}

/// `GET /notifications?before=&limit=&unread=1`: newest first.
pub async fn mine(
    State(db): State<Db>,
    Query(q): Query<MineQuery>,
    Auth(r, lang): Auth,
) -> Result<Json<MineView>, ApiError> {
    let run = async {
        let bad = |what: &str| {
            AppError::BadRequest(Msg::new(
                format!("{what} is not a whole number"),
                format!("{what} 不是整数"),
            ))
        };
        let before = match q.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(s.parse::<i64>().map_err(|_| bad("before"))?),
            None => None,
        };
        let limit = match q.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => s.parse::<i64>().map_err(|_| bad("limit"))?.clamp(1, 200),
            None => 50,
        };
        let mut items = notify::mine(&db, r.account_id, before, limit).await?;
        if matches!(q.unread.as_deref(), Some("1" | "true")) {
            items.retain(|m| !m.read);
        }
        let unread = notify::unread(&db, r.account_id).await?;
        AppResult::Ok(MineView { unread, items })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}

/// `{"ids": [..]}` some messages, or `{"all": true}`. `client_id` is accepted (marking read is
/// idempotent by itself).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadBody {
    pub ids: Vec<i64>,
    pub all: bool,
    pub client_id: Option<String>,
}

#[derive(Serialize)]
pub struct ReadView {
    pub unread: i64,
}

/// `POST /notifications/read`.
pub async fn read(
    State(db): State<Db>,
    Auth(r, lang): Auth,
    Json(b): Json<ReadBody>,
) -> Result<Json<ReadView>, ApiError> {
    let run = async {
        if !b.all && b.ids.is_empty() {
            return Err(AppError::Invalid(vec![crate::error::FieldError::new(
                "ids",
                "name the messages to mark read, or send \"all\": true",
                "请列出要标为已读的通知，或发送 \"all\": true",
            )]));
        }
        if b.ids.len() > 1000 {
            return Err(AppError::Invalid(vec![crate::error::FieldError::new(
                "ids",
                "at most 1000 at once",
                "一次最多 1000 条",
            )]));
        }
        let ids = (!b.all).then_some(b.ids.as_slice());
        let unread = notify::mark_read(&db, r.account_id, ids, now_ms()).await?;
        Ok(ReadView { unread })
    };
    run.await.map(Json).map_err(|e| ApiError(e, lang))
}
