//! The lab's page: tubes waiting for a result, a results file (CSV: tube, result) recorded
//! all or nothing with every bad row reported, and a form for a single tube.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::lab_views::{results_body, Confirm};
use super::{find_round, round_crumbs};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::testing::results::{self, ResultLine, ResultsReport};
use crate::testing::{tubes, Round};
use crate::web::kit::{error_lines, with_status, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The largest results file taken (a day's tubes of a big lab fit many times over).
const MAX_UPLOAD: usize = 8 * 1024 * 1024;

fn labs_only(ctx: &Ctx) -> Result<(), Response> {
    if crate::testing::can_enter_results(ctx.reader()) {
        Ok(())
    } else {
        Err(ctx.error(AppError::Forbidden(Msg::new(
            "only labs, HQ and administrators enter test results",
            "只有检测机构、指挥部和管理员可以录入检测结果",
        ))))
    }
}

/// The page, with the report of what was just recorded or the problems that stopped it.
async fn results_view(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    report: Option<&ResultsReport>,
    errors: &[String],
    one: (&str, &str),
    confirm: Option<&Confirm>,
) -> Result<Response, AppError> {
    let l = ctx.lang;
    let crumbs = round_crumbs(db, ctx, round, None, Some(t(l, "results-title"))).await?;
    let awaiting = tubes::awaiting(db, round.id, &ctx.reader().scope).await?;
    let body = results_body(ctx, round, crumbs, awaiting, report, errors, one, confirm);
    let resp = ctx.page(&t(l, "results-title"), body);
    Ok(if errors.is_empty() {
        resp
    } else {
        with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
    })
}

async fn results_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let run = async {
        let round = find_round(&db, &ctx, id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        results_view(&db, &ctx, &round, None, &[], ("", ""), None).await
    };
    run.await.unwrap_or_else(|e| ctx.error(e))
}

/// Record lines, then show the page with the report or with every problem.
async fn record_and_show(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    lines: Result<(Vec<ResultLine>, usize), AppError>,
    one: (&str, &str),
) -> Result<Response, AppError> {
    let r = match lines {
        Ok((lines, first_row)) => {
            results::record(db, &ctx.actor(), ctx.reader(), round, &lines, first_row).await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(rep) => results_view(db, ctx, round, Some(&rep), &[], ("", ""), None).await,
        Err(AppError::Invalid(mut errs)) => {
            // In file order, whichever check found them.
            errs.sort_by_key(|e| e.row);
            let e = AppError::Invalid(errs);
            results_view(db, ctx, round, None, &error_lines(ctx.lang, &e), one, None).await
        }
        Err(e) => Err(e),
    }
}

async fn upload(State(db): State<Db>, ctx: Ctx, Id(id): Id, mut mp: Multipart) -> Response {
    let run = async {
        let round = find_round(&db, &ctx, id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        let (mut csrf, mut file, mut confirmed) = (String::new(), None, false);
        loop {
            match mp.next_field().await {
                Ok(Some(f)) => {
                    let name = f.name().unwrap_or("").to_owned();
                    let b = f.bytes().await.map_err(|e| {
                        AppError::BadRequest(Msg::new(e.body_text(), e.body_text()))
                    })?;
                    match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                        // The file, or (after "confirm the positives") its text sent again.
                        "file" | "content" if !b.is_empty() => file = Some(b),
                        "confirm" => confirmed = &b[..] == b"1",
                        _ => {}
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(AppError::BadRequest(Msg::new(e.body_text(), e.body_text()))),
            }
        }
        if let Err(r) = ctx.check_csrf(&csrf) {
            return Ok(r);
        }
        let lines = match file.clone().filter(|b| !b.is_empty()) {
            Some(b) => results::parse_results_csv(&b),
            None => Err(AppError::Invalid(vec![crate::error::FieldError::new(
                "file",
                "choose a file first",
                "请先选择文件",
            )])),
        };
        // Positive results are weighty: the lab sees how many before they are recorded.
        if let (Ok((v, _)), false, Some(b)) = (&lines, confirmed, &file) {
            let positives = v
                .iter()
                .filter(|x| results::parse_result(&x.result) == Some("positive"))
                .count();
            if positives > 0 {
                let c = Confirm::File {
                    positives,
                    tubes: v.len(),
                    content: String::from_utf8_lossy(b).into_owned(),
                };
                return results_view(&db, &ctx, &round, None, &[], ("", ""), Some(&c)).await;
            }
        }
        record_and_show(&db, &ctx, &round, lines, ("", "")).await
    };
    run.await.unwrap_or_else(|e| ctx.error(e))
}

/// The form for a single tube.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OneForm {
    tube: String,
    result: String,
    /// `1`: a positive result confirmed.
    confirm: String,
}

async fn one(State(db): State<Db>, Id(id): Id, CsrfForm(ctx, f): CsrfForm<OneForm>) -> Response {
    let run = async {
        let round = find_round(&db, &ctx, id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        let (tube, result) = (f.tube.as_str(), f.result.as_str());
        // A positive result is recorded once confirmed (without the script too).
        if results::parse_result(result) == Some("positive")
            && f.confirm != "1"
            && !tube.trim().is_empty()
        {
            let c = Confirm::One {
                tube: tube.trim().to_owned(),
            };
            return results_view(&db, &ctx, &round, None, &[], (tube, result), Some(&c)).await;
        }
        let line = ResultLine {
            tube: tube.to_owned(),
            result: result.to_owned(),
            row: 0,
        };
        // A single entry has no rows: report it as row 1.
        record_and_show(&db, &ctx, &round, Ok((vec![line], 1)), (tube, result)).await
    };
    run.await.unwrap_or_else(|e| ctx.error(e))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/testing/rounds/{id}/results",
            get(results_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/testing/rounds/{id}/results/one", post(one))
}
