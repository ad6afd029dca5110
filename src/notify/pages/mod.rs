//! The notification pages: `/notifications` (a person's own, mark read) and
//! `/notifications/sent` (officers: what was sent to whom in their area, with its delivery
//! state); the JSON API in `api` (here rather than in `notify/api.rs`, because the engine sits
//! below the web kit: see `tests/it/layering.rs`).

pub mod api;
pub mod views;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::notify;
use crate::web::kit::CsrfForm;
use crate::web::pages::Ctx;
use crate::web::AppState;

pub const PAGE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(mine_page))
        .route("/notifications/read", post(read_post))
        .route("/notifications/sent", get(sent_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
    pub state: String,
}

fn before(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

async fn mine_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let l = ctx.lang;
    let me = ctx.reader().account_id;
    let run = async {
        let list = notify::mine(&db, me, before(&q.before), PAGE).await?;
        let unread = notify::unread(&db, me).await?;
        crate::error::AppResult::Ok(views::mine(l, &list, unread, &ctx.session.csrf, PAGE))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "notify-title"), body),
        Err(e) => ctx.error(e),
    }
}

/// The form: `id` one message, or empty for all.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadForm {
    pub id: String,
}

async fn read_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<ReadForm>) -> Response {
    let me = ctx.reader().account_id;
    let ids: Option<Vec<i64>> = match f.id.trim() {
        "" => None,
        s => match s.parse() {
            Ok(id) => Some(vec![id]),
            Err(_) => return ctx.error(AppError::NotFound),
        },
    };
    match notify::mark_read(&db, me, ids.as_deref(), now_ms()).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn sent_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    if !notify::can_oversee(&r.role) {
        return ctx.error(AppError::Forbidden(Msg::new(
            "only officers see the notifications sent in their area",
            "只有干部可以查看本辖区已发送的通知",
        )));
    }
    let state = views::STATES.iter().find(|s| **s == q.state).copied();
    let run = async {
        let list = notify::sent_in(&db, &r.scope, state, before(&q.before), PAGE).await?;
        crate::error::AppResult::Ok(views::sent(l, &list, state.unwrap_or(""), PAGE))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "notify-sent-title"), body),
        Err(e) => ctx.error(e),
    }
}
