//! The briefing pages: `/hq/briefing?area=&period=day|week|all` (the text in both languages,
//! every number a link, printable, copyable), issuing one (audited), and its figures as XLSX.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::briefing_views as views;
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::hq::briefing::{self, text::Period};
use crate::i18n::t;
use crate::web::html::{url_enc, Markup};
use crate::web::kit::{self, CsrfForm};
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hq/briefing", get(briefing_page))
        .route("/hq/briefing/issue", post(issue_post))
        .route("/hq/briefing.xlsx", get(briefing_xlsx))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BriefingQuery {
    pub area: String,
    pub period: String,
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssueForm {
    pub area: String,
    pub period: String,
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

async fn briefing_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<BriefingQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let area = briefing::area_in_scope(&db, r, &q.area).await?;
        let period = Period::parse(&q.period);
        let b = briefing::generate(&db, &area, period, now_ms()).await?;
        let issued = briefing::issued_list(&db, area.id, 10).await?;
        Ok((
            t(l, "brief-title"),
            views::page(l, &b, &issued, &ctx.session.csrf, q.done == "issued"),
        ))
    };
    show(&ctx, run.await)
}

async fn issue_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<IssueForm>) -> Response {
    let run = async {
        let r = ctx.reader();
        let area = briefing::area_in_scope(&db, r, &f.area).await?;
        let period = Period::parse(&f.period);
        let b = briefing::generate(&db, &area, period, now_ms()).await?;
        briefing::issue(&db, &ctx.actor(), &b).await?;
        Ok((area.code, period))
    };
    let res = run.await;
    kit::answer(
        &ctx,
        res,
        |(code, p)| {
            format!(
                "/hq/briefing?area={}&period={}&done=issued",
                url_enc(&code),
                p.as_str()
            )
        },
        |_| async { axum::http::StatusCode::UNPROCESSABLE_ENTITY.into_response() },
    )
    .await
}

async fn briefing_xlsx(State(db): State<Db>, ctx: Ctx, Query(q): Query<BriefingQuery>) -> Response {
    let run = async {
        let r = ctx.reader();
        let area = briefing::area_in_scope(&db, r, &q.area).await?;
        let period = Period::parse(&q.period);
        let b = briefing::generate(&db, &area, period, now_ms()).await?;
        let table = views::figures_table(ctx.lang, &b);
        let bytes = crate::hq::reports::export::xlsx("简报", &table)
            .map_err(|e| crate::error::AppError::Internal(format!("xlsx: {e}")))?;
        AppResult::Ok((area.code, period, bytes))
    };
    match run.await {
        Ok((code, p, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"briefing-{code}-{}.xlsx\"",
                        p.as_str()
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => ctx.error(e),
    }
}
