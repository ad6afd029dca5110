//! The testing JSON API: what collectors' devices and labs call, and the coverage reads.
//! Routes are listed in `server::api::API_ROUTES` with the registry's.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::coverage::{self, AreaCoverage, Coverage, MissingHousehold};
use super::ingest::{Gate, Ingest, Op, Outcome, Status, Submission, MAX_BATCH};
use super::results::{self, PersonResult, ResultLine, ResultsReport, TubeView};
use super::{round_area, visible_round, Round, Site};
use crate::audit::Actor;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::web::{ApiError, AppState, Auth};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn actor(r: &crate::access::Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

#[derive(Serialize)]
pub struct RoundDetail {
    #[serde(flatten)]
    pub round: Round,
    /// The sites where the token's account collects.
    pub my_sites: Vec<Site>,
}

pub async fn list(State(s): State<AppState>, Auth(r, lang): Auth) -> ApiResult<Vec<Round>> {
    reply(super::rounds(&s.db, &r).await, lang)
}

pub async fn round(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<RoundDetail> {
    let run = async {
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        let my_sites = super::my_sites(&s.db, r.account_id, round.id).await?;
        Ok(RoundDetail { round, my_sites })
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
pub struct AreaParam {
    pub area: Option<String>,
}

#[derive(Serialize)]
pub struct CoverageView {
    pub area: AreaCoverage,
    pub children: Vec<AreaCoverage>,
}

/// Coverage of an area of the round (the reader's top area by default) and of its children.
pub async fn coverage_of(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AreaParam>,
    Auth(r, lang): Auth,
) -> ApiResult<CoverageView> {
    let run = async {
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        let area = round_area(&s.db, &round, q.area.as_deref(), &r).await?;
        let c: Coverage = coverage::subtree(&s.db, round.id, &area.path).await?;
        let children = coverage::children(&s.db, round.id, &area).await?;
        Ok(CoverageView {
            area: AreaCoverage {
                code: area.code,
                name: area.name,
                level: area.level,
                path: area.path,
                coverage: c,
            },
            children,
        })
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct CommunityCoverage {
    pub area_id: i64,
    pub path: String,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// Every community/village under an area, laggards first.
pub async fn communities(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AreaParam>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<CommunityCoverage>> {
    let run = async {
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        let area = round_area(&s.db, &round, q.area.as_deref(), &r).await?;
        Ok(coverage::by_community(&s.db, round.id, &area.path)
            .await?
            .into_iter()
            .map(|(area_id, path, coverage)| CommunityCoverage {
                area_id,
                path,
                coverage,
            })
            .collect())
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct MissingView {
    pub households: Vec<MissingHousehold>,
    pub truncated: bool,
}

pub async fn missing(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AreaParam>,
    Auth(r, lang): Auth,
) -> ApiResult<MissingView> {
    let run = async {
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        let area = round_area(&s.db, &round, q.area.as_deref(), &r).await?;
        let (households, truncated) =
            coverage::missing(&s.db, round.id, &area.path, &r.registry_scope()).await?;
        Ok(MissingView {
            households,
            truncated,
        })
    };
    reply(run.await, lang)
}

pub async fn tube(
    State(s): State<AppState>,
    Path((id, barcode)): Path<(String, String)>,
    Auth(r, lang): Auth,
) -> ApiResult<TubeView> {
    let run = async {
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        results::tube(&s.db, round.id, &barcode, &r.registry_scope()).await
    };
    reply(run.await, lang)
}

/// The round a device submits to: one the token's account may see.
async fn submit(
    s: &AppState,
    ingest: &Ingest,
    r: crate::access::Reader,
    id: &str,
    ops: Vec<Op>,
    offline: bool,
) -> AppResult<Vec<Outcome>> {
    let round = ingest.round_for(&s.db, &r, id_of(id)?).await?;
    ingest
        .submit(Submission {
            reader: r,
            round,
            ops,
            offline,
        })
        .await
}

/// Outcome as sent: the message in the caller's language.
#[derive(Serialize)]
pub struct OutcomeView {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub text: String,
}

fn view(o: Outcome, lang: Lang) -> OutcomeView {
    OutcomeView {
        text: o.message.get(lang).to_owned(),
        outcome: o,
    }
}

fn bad_json(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "body",
        format!("not a valid operation: {e}"),
        format!("不是有效的操作：{e}"),
    )])
}

/// One operation (open, add, close): 200 when accepted or flagged, 422 when refused, with
/// the reason in `code` and `text`. Idempotent by `client_id`.
pub async fn op(
    _gate: Gate,
    State(s): State<AppState>,
    Extension(ingest): Extension<Ingest>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    let run = async {
        let op: Op = serde_json::from_slice(&body).map_err(bad_json)?;
        let mut out = submit(&s, &ingest, r, &id, vec![op], false).await?;
        Ok::<_, AppError>(out.remove(0))
    };
    match run.await {
        Ok(o) => {
            let status = if o.status == Status::Refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, Json(view(o, lang))).into_response()
        }
        Err(e) => ApiError(e, lang).into_response(),
    }
}

/// What a device collected offline, as JSON lines (one operation per line, in the order done;
/// each with `taken_ms`). The answer is JSON lines too, one per input line, with its line
/// number: accepted, flagged or refused and why. Lines that are not valid JSON are refused
/// alone; the rest are applied.
pub async fn batch(
    _gate: Gate,
    State(s): State<AppState>,
    Extension(ingest): Extension<Ingest>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    let run = async {
        let text = std::str::from_utf8(&body).map_err(|_| bad_json("not UTF-8"))?;
        let mut parsed: Vec<(usize, Result<Op, String>)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            parsed.push((
                i + 1,
                serde_json::from_str::<Op>(line).map_err(|e| e.to_string()),
            ));
        }
        if parsed.len() > MAX_BATCH {
            return Err(AppError::BadRequest(Msg::new(
                format!("at most {MAX_BATCH} lines per upload: send the rest in another"),
                format!("每次最多上传 {MAX_BATCH} 行，其余请分批上传"),
            )));
        }
        let ops: Vec<Op> = parsed
            .iter()
            .filter_map(|(_, o)| o.as_ref().ok().cloned())
            .collect();
        let mut outs = if ops.is_empty() {
            vec![]
        } else {
            submit(&s, &ingest, r, &id, ops, true).await?
        }
        .into_iter();
        let mut body = String::new();
        for (line, op) in parsed {
            let (client_id, o) = match op {
                Ok(op) => (Some(op.client_id), outs.next().expect("one outcome per op")),
                Err(e) => (
                    None,
                    Outcome {
                        status: Status::Refused,
                        code: "bad_line".into(),
                        message: Msg::new(
                            format!("not a valid operation: {e}"),
                            format!("不是有效的操作：{e}"),
                        ),
                        tube: None,
                        person: None,
                        earlier: None,
                        replayed: false,
                    },
                ),
            };
            let mut v = serde_json::to_value(view(o, lang)).unwrap_or_default();
            v["line"] = line.into();
            if let Some(c) = client_id {
                v["client_id"] = c.into();
            }
            body.push_str(&v.to_string());
            body.push('\n');
        }
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => ApiError(e, lang).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ResultsBody {
    pub results: Vec<ResultLine>,
}

/// Lab results for tubes of the round: all recorded, or none (every bad line reported).
pub async fn post_results(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> ApiResult<ResultsReport> {
    let run = async {
        let b: ResultsBody = serde_json::from_slice(&body).map_err(bad_json)?;
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        results::record(&s.db, &actor(&r), &r, &round, &b.results, 1).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize)]
pub struct ExemptBody {
    pub resident_id: i64,
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize)]
pub struct Done {
    pub ok: bool,
}

pub async fn post_exemption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> ApiResult<Done> {
    let run = async {
        let b: ExemptBody = serde_json::from_slice(&body).map_err(bad_json)?;
        let round = visible_round(&s.db, &r, id_of(&id)?).await?;
        results::exempt(
            &s.db,
            &actor(&r),
            &r,
            &round,
            b.resident_id,
            &b.reason,
            &b.note,
        )
        .await?;
        Ok(Done { ok: true })
    };
    reply(run.await, lang)
}

/// A resident's results, newest first (registry scope).
pub async fn resident_tests(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<PersonResult>> {
    let run = async { results::latest(&s.db, &r.registry_scope(), id_of(&id)?, 20).await };
    reply(run.await, lang)
}
