//! The household link's health self-report (`/h/{token}/health`): each member under an order,
//! today's checks and a short form. The link's token is resolved by the engine
//! (`quarantine::link_household`, reading the needs' link table); every request counts against
//! the sender's rate limit, and an unknown link is "not found", counted the same way.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::views::{self, tr, SelfMember};
use crate::args;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::quarantine::checks::{self, Check, Input};
use crate::quarantine::{day_of, link_household};
use crate::web::html::page;
use crate::web::kit::{is_form_error, FormErrors, PublicForm};
use crate::web::pages::{error_page, html_response, Visitor};

/// Requests one sender may make through household links in ten minutes.
pub const RATE_ATTEMPTS: i64 = 30;

async fn open(db: &Db, v: &Visitor, token: &str) -> AppResult<i64> {
    let hh = link_household(db, token).await?;
    let (_, n) =
        crate::access::count_attempt(db, "quarantine_link_attempts", &v.ip, now_ms(), 10 * 60_000)
            .await?;
    if n > RATE_ATTEMPTS {
        return Err(AppError::TooMany(crate::i18n::Msg::new(
            "too many requests from here in a short time; please wait ten minutes, or call the community",
            "短时间内请求过多，请十分钟后再试，或联系社区",
        )));
    }
    hh.ok_or(AppError::NotFound)
}

struct Member {
    id: i64,
    name: String,
}
crate::from_row!(Member { id, name });

async fn members(db: &Db, hh: i64, now: i64) -> AppResult<Vec<SelfMember>> {
    checks::ensure_today(db, now).await?;
    let list: Vec<Member> = db
        .query_as(
            "SELECT r.id, r.name FROM quarantine_orders o JOIN residents r ON r.id = o.resident_id \
             WHERE o.household_id = $1 AND o.status = 'active' ORDER BY r.id",
            args![hh],
        )
        .await?;
    let mut out = Vec::new();
    for m in list {
        let today: Vec<Check> = db
            .query_as(
                &format!(
                    "SELECT {} FROM quarantine_checks c WHERE c.resident_id = $1 AND c.day = $2 ORDER BY c.seq",
                    checks::COLS
                ),
                args![m.id, day_of(now)],
            )
            .await?;
        out.push(SelfMember {
            id: m.id,
            name: crate::privacy::mask_name(&m.name),
            today,
        });
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

async fn view(
    db: &Db,
    v: &Visitor,
    token: &str,
    hh: i64,
    done: &str,
    errors: &FormErrors,
) -> Response {
    let l = v.lang;
    let now = now_ms();
    match members(db, hh, now).await {
        Ok(m) => {
            let body = views::self_report(l, token.trim(), &m, now, done, errors);
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            html_response(
                status,
                page(&v.chrome(), tr(l, "Health self-report", "健康自报"), body),
            )
        }
        Err(e) => error_page(l, Some(&v.chrome()), e),
    }
}

pub async fn health_page(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    Query(qs): Query<DoneQuery>,
) -> Response {
    match open(&db, &v, &token).await {
        Ok(hh) => view(&db, &v, &token, hh, qs.done.trim(), &FormErrors::none()).await,
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    pub resident: String,
    pub temperature: String,
    pub symptoms: Vec<String>,
    pub note: String,
    pub client_id: String,
}

pub async fn health_post(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    PublicForm(f): PublicForm<ReportForm>,
) -> Response {
    let hh = match open(&db, &v, &token).await {
        Ok(hh) => hh,
        Err(e) => return error_page(v.lang, Some(&v.chrome()), e),
    };
    let result = async {
        let resident: i64 = f
            .resident
            .trim()
            .parse()
            .map_err(|_| FieldError::new("resident", "choose the person", "请选择人员"))?;
        if f.temperature.trim().is_empty() {
            return Err(FieldError::new("temperature", "required", "必填").into());
        }
        let input = Input {
            outcome: String::new(),
            temperature: f.temperature.clone(),
            symptoms: f.symptoms.clone(),
            note: f.note.clone(),
            reason: String::new(),
            client_id: f.client_id.clone(),
        };
        checks::self_report(&db, hh, resident, &input, now_ms()).await
    }
    .await;
    match result {
        Ok(r) => {
            Redirect::to(&format!("/h/{}/health?done={}", token.trim(), r.status)).into_response()
        }
        Err(e) if is_form_error(&e) || matches!(e, AppError::Conflict(_)) => {
            let errs = FormErrors::of(v.lang, &e);
            view(&db, &v, &token, hh, "", &errs).await
        }
        Err(e) => error_page(v.lang, Some(&v.chrome()), e),
    }
}
