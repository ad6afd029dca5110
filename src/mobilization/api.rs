//! The duty JSON API (listed in `server::api::API_ROUTES`): a volunteer checks in and out of
//! their own shift at a place, by the place's code (the token its QR code carries), as the
//! check-in page does ([`super::duty::scan_for`]); one route per check and one batch route
//! (JSON lines) for checks queued offline. Idempotent by `client_id`
//! ([`crate::web::replies`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::duty;
use crate::access::Reader;
use crate::db::{now_ms, Db};
use crate::error::{AppError, FieldError};
use crate::i18n::Lang;
use crate::web::replies::{self, Answer, Refusal};
use crate::web::{ApiError, AppState, Auth};

/// A check from a body: `place` (the place's code), `action` (`in`, `out`, or absent: what the
/// scan would do).
async fn perform(db: &Db, r: &Reader, v: &Value) -> Result<Value, Refusal> {
    let want = match replies::text(v, "action").as_str() {
        "in" => Some(true),
        "out" => Some(false),
        "" => None,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "action",
                "in or out",
                "须为 in（签到）或 out（签退）",
            )])
            .into())
        }
    };
    let place = replies::text(v, "place");
    let (checked, shift) =
        duty::scan_for(db, &replies::actor(r), r.account_id, &place, now_ms(), want).await?;
    Ok(json!({"checked": checked, "shift": shift}))
}

async fn once(db: &Db, r: &Reader, lang: Lang, v: Value) -> Answer {
    let cid = replies::text(&v, "client_id");
    replies::once(db, r.account_id, "duty", &cid, lang, || async {
        perform(db, r, &v).await
    })
    .await
}

/// `POST /duty/checks`: check in or out of the caller's shift at a place.
pub async fn check(State(s): State<AppState>, Auth(r, lang): Auth, body: Bytes) -> Response {
    match replies::object(&body) {
        Ok(v) => once(&s.db, &r, lang, v).await.into_response(),
        Err(e) => ApiError(e, lang).into_response(),
    }
}

/// `POST /duty/batch`: JSON lines of checks in, JSON lines of outcomes out.
pub async fn batch(State(s): State<AppState>, Auth(r, lang): Auth, body: Bytes) -> Response {
    let (db, r) = (&s.db, &r);
    replies::batch(&body, lang, |v| async move { once(db, r, lang, v).await }).await
}
