//! The field pages' offline support (issue 19): the service worker, served from the site's root
//! so that its scope covers the field pages (`/testing/…/collect`, `/me/needs`, `/duty/…`,
//! `/checkpoints/{id}` and its `/gate` and `/vehicle`, `/followup/today`) without a
//! `Service-Worker-Allowed` header. The page script (`static/offline.js`) keeps what is sent
//! with no signal and sends it when the signal returns; the API takes the page's session for it
//! (see [`super::Auth`]).

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The worker, with its first line (the time a kept page lives) written by [`worker`].
pub const SW: &str = include_str!("static/sw.js");
/// The page script of the offline queue.
pub const JS: &str = include_str!("static/offline.js");

/// How long a page kept on the phone may be opened from there, in hours: 12 unless
/// `WARDLINE_OFFLINE_HOURS` says otherwise (1 to 168).
pub fn kept_hours() -> u64 {
    std::env::var("WARDLINE_OFFLINE_HOURS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(12, |h| h.clamp(1, 168))
}

/// The worker's source, its expiry set.
pub fn worker_source() -> String {
    format!("var TTL_MS = {};\n{SW}", kept_hours() * 3_600_000)
}

/// `GET /sw.js`: never cached by HTTP (the browser checks it for updates anyway).
pub async fn worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        worker_source(),
    )
        .into_response()
}
