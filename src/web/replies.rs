//! Field writes through the API, once each (needs, duty, registry): the answer to a write is
//! stored under `account:family:client id` (table `api_replies`), and the same request sent
//! again — a retry after a lost answer, an offline queue sent twice — gets that answer back
//! (`"replayed": true`) and changes nothing, as the testing and checkpoint devices' stored
//! replies do.
//!
//! The key is reserved before the write (status 0) and answered after it; a second copy that
//! arrives meanwhile is told to retry in a moment (409, code `in_progress`). A refused write
//! frees its key (nothing was changed: the caller may correct it and send it again). A
//! reservation older than [`STALE_MS`] (a server stopped between the write and its answer) is
//! taken over: the engine's own checks then decide (e.g. a need already claimed by the caller
//! is answered with its state now).

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::args;
use crate::db::{now_ms, Db, DbError};
use crate::error::{AppError, FieldError};
use crate::i18n::{Lang, Msg};
use crate::web::ApiError;

/// The longest client id (bytes).
pub const MAX_CLIENT_ID: usize = 100;
/// After how long a reservation without an answer is taken over by a retry.
pub const STALE_MS: i64 = 120_000;

/// A refused write: the error, and the record's state now when its precondition changed (a
/// need claimed by someone else), sent beside the error as `state`.
#[derive(Debug)]
pub struct Refusal {
    pub err: AppError,
    pub state: Option<Value>,
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Refusal {
        Refusal { err, state: None }
    }
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Refusal {
        AppError::Db(e).into()
    }
}

/// What a write answered: the HTTP status and the JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The answer of a refusal in the caller's language, with the state now if any.
    pub async fn refused(r: Refusal, lang: Lang) -> Answer {
        let resp = ApiError(r.err, lang).into_response();
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let mut body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
        if let Some(s) = r.state {
            body["state"] = s;
        }
        Answer { status, body }
    }

    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        (status, Json(self.body)).into_response()
    }
}

fn in_progress() -> AppError {
    AppError::Conflict(Msg::new(
        "the same request (client_id) is being processed: send it again in a moment",
        "相同的请求（client_id）正在处理中，请稍后重新发送",
    ))
}

/// The client id checked: 1 to [`MAX_CLIENT_ID`] bytes, no control characters.
pub fn client_id(v: &str) -> Result<&str, AppError> {
    let v = v.trim();
    if v.is_empty() || v.len() > MAX_CLIENT_ID || v.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "client_id",
            format!("give each action its own id (1 to {MAX_CLIENT_ID} characters); a retry sends the same"),
            format!("每项操作需有唯一编号（1 到 {MAX_CLIENT_ID} 个字符），重试时发送相同编号"),
        )]));
    }
    Ok(v)
}

struct Stored {
    status: i64,
    body: String,
    at_ms: i64,
}
crate::from_row!(Stored {
    status,
    body,
    at_ms
});

enum Claimed {
    Mine,
    Replay(Answer),
    Busy,
}

async fn reserve(db: &Db, key: &str, family: &str, now: i64) -> Result<Claimed, AppError> {
    let mut tx = db.begin().await?;
    let old: Option<Stored> = tx
        .query_opt_as(
            "SELECT status, body, at_ms FROM api_replies WHERE key = $1",
            args![key],
        )
        .await?;
    match old {
        Some(s) if s.status > 0 => {
            let mut body: Value = serde_json::from_str(&s.body).unwrap_or_else(|_| json!({}));
            body["replayed"] = true.into();
            return Ok(Claimed::Replay(Answer {
                status: s.status as u16,
                body,
            }));
        }
        Some(s) if now - s.at_ms < STALE_MS => return Ok(Claimed::Busy),
        Some(_) => {
            tx.execute("DELETE FROM api_replies WHERE key = $1", args![key])
                .await?;
        }
        None => {}
    }
    match tx
        .execute(
            "INSERT INTO api_replies (key, family, status, body, at_ms) VALUES ($1, $2, 0, '', $3)",
            args![key, family, now],
        )
        .await
    {
        Ok(_) => {}
        Err(DbError::Unique(_)) => return Ok(Claimed::Busy),
        Err(e) => return Err(e.into()),
    }
    match tx.commit().await {
        Ok(()) => Ok(Claimed::Mine),
        Err(DbError::Unique(_)) => Ok(Claimed::Busy),
        Err(e) => Err(e.into()),
    }
}

/// Run the write `f` once for (`account`, `family`, `client_id`): the first time its answer is
/// stored; a retry gets the stored answer (`replayed: true`) and `f` does not run.
pub async fn once<F, Fut>(
    db: &Db,
    account: i64,
    family: &str,
    client_id_: &str,
    lang: Lang,
    f: F,
) -> Answer
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Value, Refusal>>,
{
    let cid = match client_id(client_id_) {
        Ok(c) => c,
        Err(e) => return Answer::refused(e.into(), lang).await,
    };
    let key = format!("{account}:{family}:{cid}");
    match reserve(db, &key, family, now_ms()).await {
        Ok(Claimed::Mine) => {}
        Ok(Claimed::Replay(a)) => return a,
        Ok(Claimed::Busy) => return Answer::refused(in_progress().into(), lang).await,
        Err(e) => return Answer::refused(e.into(), lang).await,
    }
    let outcome = f().await;
    let stored = async {
        let mut tx = db.begin().await?;
        match &outcome {
            Ok(v) => {
                tx.execute(
                    "UPDATE api_replies SET status = 200, body = $2, at_ms = $3 WHERE key = $1",
                    args![key.as_str(), v.to_string(), now_ms()],
                )
                .await?;
            }
            Err(_) => {
                tx.execute(
                    "DELETE FROM api_replies WHERE key = $1",
                    args![key.as_str()],
                )
                .await?;
            }
        }
        tx.commit().await
    };
    if let Err(e) = stored.await {
        tracing::warn!("the answer to {family} {cid} was not stored: {e}");
    }
    match outcome {
        Ok(mut v) => {
            if v.is_object() {
                v["replayed"] = false.into();
            }
            Answer {
                status: 200,
                body: v,
            }
        }
        Err(r) => Answer::refused(r, lang).await,
    }
}

/// The most lines one batch may hold.
pub const MAX_BATCH: usize = 500;

/// A batch of JSON lines (one action each) answered line by line: each line's answer carries
/// its line number, its client id and its own `status` (the HTTP status the single route would
/// have given). A line that is not JSON is refused alone (422, `bad_line`).
pub async fn batch<F, Fut>(body: &[u8], lang: Lang, mut each: F) -> Response
where
    F: FnMut(Value) -> Fut,
    Fut: Future<Output = Answer>,
{
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(_) => return bad_batch("the body is not UTF-8", "内容不是 UTF-8 文本", lang),
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    if lines.len() > MAX_BATCH {
        return bad_batch(
            &format!("at most {MAX_BATCH} lines per upload: send the rest in another"),
            &format!("每次最多上传 {MAX_BATCH} 行，其余请分批上传"),
            lang,
        );
    }
    let mut out = String::new();
    for (n, line) in lines {
        let (cid, a) = match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => {
                let cid = v.get("client_id").cloned().unwrap_or(Value::Null);
                (cid, each(v).await)
            }
            Ok(_) | Err(_) => {
                let mut a = Answer::refused(
                    AppError::Invalid(vec![FieldError::new(
                        "line",
                        "not a JSON object",
                        "不是 JSON 对象",
                    )])
                    .into(),
                    lang,
                )
                .await;
                a.body["error"]["code"] = "bad_line".into();
                (Value::Null, a)
            }
        };
        let v = json!({"line": n, "client_id": cid, "status": a.status, "answer": a.body});
        out.push_str(&v.to_string());
        out.push('\n');
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/x-ndjson; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

fn bad_batch(en: &str, zh: &str, lang: Lang) -> Response {
    ApiError(AppError::BadRequest(Msg::new(en, zh)), lang).into_response()
}

/// The audit actor of an API write.
pub fn actor(r: &crate::access::Reader) -> crate::audit::Actor {
    crate::audit::Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

/// A body's field as text: a string as it is, a number written out, anything else empty (the
/// engine then names the field as missing or wrong).
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A body's field as a record id (a number, or a string holding one).
pub fn id(v: &Value, key: &str) -> Option<i64> {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A body's list field (an array of strings, or one string of items separated by commas),
/// joined by commas; `None` when absent or empty.
pub fn list(v: &Value, key: &str) -> Option<String> {
    let s = match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Some(s).filter(|s| !s.trim().is_empty())
}

/// The body of a single-action route as JSON (an object), or the error to answer.
pub fn object(body: &[u8]) -> Result<Value, AppError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(AppError::Invalid(vec![FieldError::new(
            "body",
            "the body must be a JSON object",
            "请求内容须为 JSON 对象",
        )])),
    }
}
