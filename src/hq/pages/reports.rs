//! The reports pages: the catalogue with the cut-off and the locked snapshots
//! (`/hq/reports`), one snapshot in a layout, printable, with its revisions and the
//! correction form (`/hq/snapshots/{id}`), and its export (CSV/XLSX in each layout).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::reports_views as views;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::hq::briefing::day_of;
use crate::hq::reports::{self, export};
use crate::i18n::t;
use crate::web::html::Markup;
use crate::web::kit::{self, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hq/reports", get(reports_page))
        .route("/hq/reports/cutoff", post(cutoff_post))
        .route("/hq/reports/lock", post(lock_post))
        .route("/hq/snapshots/{id}", get(snapshot_page))
        .route("/hq/snapshots/{id}/correct", post(correct_post))
        .route("/hq/snapshots/{id}/export", get(export_get))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
    pub layout: String,
    pub format: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CutoffForm {
    pub cutoff: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LockForm {
    pub area: String,
    pub report: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectForm {
    pub reason: String,
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

async fn reports_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        crate::hq::require_read(r)?;
        let cutoff = reports::cutoff(&db).await?;
        let snaps = reports::list(&db, r, 60).await?;
        let area = crate::hq::briefing::area_in_scope(&db, r, "").await?;
        Ok((
            t(l, "rep-title"),
            views::list(
                l,
                reports::catalogue(),
                &snaps,
                &cutoff,
                reports::require_hq(r).is_ok(),
                &area,
                &ctx.session.csrf,
                &q.done,
            ),
        ))
    };
    show(&ctx, run.await)
}

async fn cutoff_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<CutoffForm>) -> Response {
    let res = reports::set_cutoff(&db, ctx.reader(), &ctx.actor(), &f.cutoff).await;
    match res {
        Err(AppError::Invalid(_)) | Ok(()) => {
            kit::answer(
                &ctx,
                res,
                |()| "/hq/reports?done=cutoff".to_owned(),
                |_| async { axum::http::StatusCode::UNPROCESSABLE_ENTITY.into_response() },
            )
            .await
        }
        Err(e) => ctx.error(e),
    }
}

async fn lock_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<LockForm>) -> Response {
    let run = async {
        let r = ctx.reader();
        reports::require_hq(r)?;
        let area = crate::hq::briefing::area_in_scope(&db, r, &f.area).await?;
        let rep = reports::report(&f.report).ok_or(AppError::NotFound)?;
        let now = now_ms();
        reports::lock(&db, &ctx.actor(), rep, &area, day_of(now), now).await
    };
    match run.await {
        Ok(s) => axum::response::Redirect::to(&format!("/hq/snapshots/{}?done=locked", s.id))
            .into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn snapshot_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<DoneQuery>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let s = reports::get_readable(&db, r, id).await?;
        let rep = reports::report(&s.report).ok_or(AppError::NotFound)?;
        let content = s.parsed()?;
        let rows = reports::visible_rows(r, &content);
        let revs = reports::revisions(&db, &s).await?;
        let prev = revs
            .iter()
            .filter(|x| x.revision < s.revision)
            .max_by_key(|x| x.revision);
        let changes = match prev {
            Some(p) => reports::diff(&p.parsed()?, &content)
                .into_iter()
                .filter(|c| rows.iter().any(|r| r.code == c.code))
                .collect(),
            None => Vec::new(),
        };
        let layout = rep.layout(&q.layout).ok_or(AppError::NotFound)?;
        Ok((
            rep.title(l).to_owned(),
            views::snapshot(
                l,
                &views::SnapshotView {
                    report: rep,
                    layout,
                    snap: &s,
                    content: &content,
                    rows: &rows,
                    revisions: &revs,
                    changes: &changes,
                    can_correct: reports::require_hq(r).is_ok(),
                    csrf: &ctx.session.csrf,
                    done: &q.done,
                },
            ),
        ))
    };
    show(&ctx, run.await)
}

async fn correct_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<CorrectForm>,
) -> Response {
    let res = reports::correct(&db, ctx.reader(), &ctx.actor(), id, &f.reason, now_ms()).await;
    match res {
        Ok(Some(s)) => {
            axum::response::Redirect::to(&format!("/hq/snapshots/{}?done=revised", s.id))
                .into_response()
        }
        Ok(None) => {
            axum::response::Redirect::to(&format!("/hq/snapshots/{id}?done=same")).into_response()
        }
        Err(e) => ctx.error(e),
    }
}

async fn export_get(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<DoneQuery>,
) -> Response {
    let run = async {
        let r = ctx.reader();
        let s = reports::get_readable(&db, r, id).await?;
        let rep = reports::report(&s.report).ok_or(AppError::NotFound)?;
        let content = s.parsed()?;
        let rows = reports::visible_rows(r, &content);
        let layout = rep.layout(&q.layout).ok_or(AppError::NotFound)?;
        let table = export::table(rep, layout, &content, &rows);
        let name = format!("{}-{}-{}-r{}", rep.key, layout.key, content.day, s.revision);
        let (ct, ext, bytes) = if q.format == "csv" {
            ("text/csv; charset=utf-8", "csv", export::csv(&table))
        } else {
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
                export::xlsx(&rep.title_zh, &table)
                    .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?,
            )
        };
        AppResult::Ok((ct, format!("attachment; filename=\"{name}.{ext}\""), bytes))
    };
    match run.await {
        Ok((ct, disp, bytes)) => (
            [
                (header::CONTENT_TYPE, ct.to_owned()),
                (header::CONTENT_DISPOSITION, disp),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => ctx.error(e),
    }
}
