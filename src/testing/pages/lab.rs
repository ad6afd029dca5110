//! The lab's page: tubes waiting for a result, a results file (CSV: tube, result) recorded
//! all or nothing with every bad row reported, and a form for a single tube.

use crate::html;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::{find_round, round_crumbs};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Lang, Msg};
use crate::testing::results::{self, ResultLine, ResultsReport, RESULTS};
use crate::testing::Round;
use crate::web::html::{csrf_field, error_box, field, select, Markup};
use crate::web::kit::{error_lines, first, with_status, Pairs};
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

/// Closed tubes with people and no result yet, within the reader's scope: how many, and the
/// first few barcodes.
async fn awaiting(db: &Db, ctx: &Ctx, round: &Round) -> Result<(i64, Vec<String>), AppError> {
    let (cond, mut params) = ctx.reader().scope.sql("path", 2);
    params.insert(0, crate::db::Value::Int(round.id));
    let n = db
        .query_one(
            &format!(
                "SELECT COUNT(*) FROM test_tubes WHERE round_id = $1 AND result IS NULL \
                 AND n > 0 AND closed_ms IS NOT NULL AND {cond}"
            ),
            params.clone(),
        )
        .await?
        .int(0);
    let list = db
        .query(
            &format!(
                "SELECT barcode FROM test_tubes WHERE round_id = $1 AND result IS NULL \
                 AND n > 0 AND closed_ms IS NOT NULL AND {cond} ORDER BY closed_ms, barcode LIMIT 40"
            ),
            params,
        )
        .await?
        .iter()
        .map(|r| r.string(0))
        .collect();
    Ok((n, list))
}

fn result_options(l: Lang) -> Vec<(String, String)> {
    RESULTS
        .iter()
        .map(|x| {
            (
                x.0.to_owned(),
                (if l == Lang::Zh { x.2 } else { x.1 }).to_owned(),
            )
        })
        .collect()
}

fn report_box(l: Lang, r: &ResultsReport) -> Markup {
    html!(
        "<div class=\"notice\" role=\"status\" id=\"report\"><b>{}</b><ul><li>{}</li><li>{}</li><li>{}</li><li>{}</li><li>{}</li></ul></div>",
        ta(l, "results-recorded", &[("n", Arg::N(r.tubes as i64)), ("same", Arg::N(r.unchanged as i64))]),
        ta(l, "results-negative-people", &[("n", Arg::N(r.negative_people as i64))]),
        ta(l, "results-positive-people", &[("n", Arg::N(r.positive_people as i64))]),
        ta(l, "results-retests", &[("n", Arg::N(r.retests_due as i64))]),
        ta(l, "results-resamples", &[("n", Arg::N(r.resamples_due as i64))]),
        t(l, "results-all-or-nothing-ok")
    )
}

async fn results_view(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    report: Option<&ResultsReport>,
    errors: &[String],
    one: (&str, &str),
) -> Result<Response, AppError> {
    let l = ctx.lang;
    let mut body = round_crumbs(db, ctx, round, None, Some(t(l, "results-title"))).await?;
    body.push(html!("<h1>{}</h1>", t(l, "results-title")));
    if let Some(r) = report {
        body.push(report_box(l, r));
    }
    if !errors.is_empty() {
        body.push(html!(
            "<p class=\"errors\" id=\"results-refused\">{}</p>",
            ta(l, "results-refused", &[("n", Arg::N(errors.len() as i64))])
        ));
        body.push(error_box(l, errors));
    }
    let (n, list) = awaiting(db, ctx, round).await?;
    body.push(html!(
        "<p id=\"awaiting\"><b>{}</b></p>",
        ta(l, "results-awaiting", &[("n", Arg::N(n))])
    ));
    if !list.is_empty() {
        let more = if n > list.len() as i64 { " …" } else { "" };
        body.push(html!(
            "<p class=\"mono small\">{}{}</p>",
            list.join(" "),
            more
        ));
    }
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/testing/rounds/{}/results\" enctype=\"multipart/form-data\" class=\"box\" id=\"results-upload\">{}<p class=\"muted\">{}</p><label class=\"field\"><span>{}</span><input type=\"file\" name=\"file\" accept=\".csv,.txt,text/csv\" required></label><button>{}</button></form>",
        t(l, "results-upload"),
        round.id,
        csrf_field(&ctx.session.csrf),
        t(l, "results-upload-hint"),
        t(l, "results-file"),
        t(l, "results-upload-submit")
    ));
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/testing/rounds/{}/results/one\" class=\"box filters\" id=\"results-one\">{}{}{}<button>{}</button></form>",
        t(l, "results-one"),
        round.id,
        csrf_field(&ctx.session.csrf),
        field("tube", &t(l, "tube-barcode"), one.0, None, "required autocomplete=\"off\""),
        select("result", &t(l, "tube-result"), &result_options(l), if one.1.is_empty() { "negative" } else { one.1 }, None),
        t(l, "save")
    ));
    let resp = ctx.page(&t(l, "results-title"), body);
    Ok(if errors.is_empty() {
        resp
    } else {
        with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
    })
}

async fn results_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let run = async {
        let round = find_round(&db, &ctx, &id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        results_view(&db, &ctx, &round, None, &[], ("", "")).await
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
        Ok(rep) => results_view(db, ctx, round, Some(&rep), &[], ("", "")).await,
        Err(AppError::Invalid(mut errs)) => {
            // In file order, whichever check found them.
            errs.sort_by_key(|e| e.row);
            let e = AppError::Invalid(errs);
            results_view(db, ctx, round, None, &error_lines(ctx.lang, &e), one).await
        }
        Err(e) => Err(e),
    }
}

async fn upload(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Response {
    let run = async {
        let round = find_round(&db, &ctx, &id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        let (mut csrf, mut file) = (String::new(), None);
        loop {
            match mp.next_field().await {
                Ok(Some(f)) => {
                    let name = f.name().unwrap_or("").to_owned();
                    let b = f.bytes().await.map_err(|e| {
                        AppError::BadRequest(Msg::new(e.body_text(), e.body_text()))
                    })?;
                    match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                        "file" => file = Some(b),
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
        let lines = match file.filter(|b| !b.is_empty()) {
            Some(b) => results::parse_results_csv(&b),
            None => Err(AppError::Invalid(vec![crate::error::FieldError::new(
                "file",
                "choose a file first",
                "请先选择文件",
            )])),
        };
        record_and_show(&db, &ctx, &round, lines, ("", "")).await
    };
    run.await.unwrap_or_else(|e| ctx.error(e))
}

async fn one(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let run = async {
        let round = find_round(&db, &ctx, &id).await?;
        if let Err(r) = labs_only(&ctx) {
            return Ok(r);
        }
        let (tube, result) = (first(&f, "tube"), first(&f, "result"));
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
