//! The application: every capability's pages and API composed into one router, the middleware
//! (security headers, JSON errors under `/api/v1/`), static files, and the server with its
//! background sweeps. The top layer: it may use every capability; none uses it.

pub mod api;
pub mod openapi;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::json;

use crate::db::Db;
use crate::web::{html, lang_of, pages, AppState};

async fn healthz(axum::extract::State(db): axum::extract::State<Db>) -> Response {
    match db.query("SELECT 1", vec![]).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Security headers on every response; pages (which may hold personal data) are not cached.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/") || req.uri().path() == "/favicon.ico";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// API answers are JSON, errors included: a rejection the framework writes as plain text (a
/// query string with a parameter twice, a path or body it cannot read, a wrong method) goes out
/// as the documented error body (`{"error": {"code", "message", "fields"}}`) in the caller's
/// language, with the same status.
async fn api_json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = lang_of(&parts);
    let resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/x-ndjson")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut head, body) = resp.into_parts();
    // The framework's own words, for the English message (bounded: it may quote the input).
    let said = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| {
            String::from_utf8_lossy(&b)
                .chars()
                .take(300)
                .collect::<String>()
        })
        .unwrap_or_default();
    let (code, msg) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            crate::i18n::Msg::new("this method is not allowed here", "此地址不支持该请求方法"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            crate::i18n::Msg::new("the request is too large", "请求内容过大"),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "invalid",
            crate::i18n::Msg::new(
                format!("the request could not be read: {said}"),
                "请求内容无法解析",
            ),
        ),
        s if s.is_server_error() => (
            "internal",
            crate::i18n::Msg::new("something went wrong on our side", "服务器内部错误"),
        ),
        _ => (
            "bad_request",
            crate::i18n::Msg::new(
                format!("the request is not valid (a parameter given twice, or malformed): {said}"),
                "请求无效（参数重复或格式不正确）",
            ),
        ),
    };
    let body = json!({"error": {"code": code, "message": msg.get(lang), "fields": []}});
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    head.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    head.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(head, axum::body::Body::from(bytes))
}

async fn static_file(Path(name): Path<String>) -> Response {
    let (body, mime) = match name.as_str() {
        "app.css" => (html::CSS, "text/css; charset=utf-8"),
        "app.js" => (html::JS, "text/javascript; charset=utf-8"),
        "offline.js" => (crate::web::offline::JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The site's icon: browsers ask for `/favicon.ico` whatever the page says; an SVG answers
/// (every page's head names it with its type), so no page logs a 404 for it.
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        html::ICON,
    )
        .into_response()
}

/// Install every capability's part in household changes (see `registry::watch`). Idempotent;
/// the server, the CLI and the tests call it at start.
pub fn install_watchers() {
    crate::registry::watch::install(|| {
        vec![
            Box::new(crate::testing::household_watch::Watcher),
            Box::new(crate::needs::household_watch::Watcher),
            Box::new(crate::zones::household_watch::Watcher),
            Box::new(crate::vaccination::household_watch::Watcher),
        ]
    });
    // The conditions notifications ask again at send time (issue 19).
    crate::notify::recheck::install(|| {
        vec![
            Box::new(crate::needs::notify::Recheck),
            Box::new(crate::mobilization::notify::Recheck),
        ]
    });
}

/// Install the parts other capabilities draw on the registry's pages (see
/// `registry::pages::parts`). Idempotent.
pub fn install_page_parts() {
    use crate::registry::pages::parts::{install, Parts};
    install(|| Parts {
        household: vec![
            Box::new(crate::zones::pages::household_part::Part),
            Box::new(crate::needs::pages::household_part::Part),
            Box::new(crate::supplies::pages::household_part::Part),
        ],
        resident: vec![
            Box::new(crate::mobilization::pages::resident_part::Part),
            Box::new(crate::testing::pages::resident_part::Part),
            Box::new(crate::vaccination::pages::resident_part::Part),
        ],
        area: vec![Box::new(crate::zones::pages::area_part::Part)],
    });
}

/// What gets gzipped: the defaults (not tiny, not images but SVG, not streams of events), and
/// not what is a zip already (XLSX exports and templates).
fn compress_when() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    DefaultPredicate::new()
        .and(NotForContentType::const_new(
            "application/vnd.openxmlformats",
        ))
        .and(NotForContentType::const_new("application/zip"))
}

pub fn router(db: Db) -> Router {
    router_with(db, Default::default())
}

/// [`router`] with the node's import jobs (and their limit) given.
pub fn router_with(db: Db, jobs: std::sync::Arc<crate::registry::jobs::Jobs>) -> Router {
    install_watchers();
    install_page_parts();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{name}", get(static_file))
        .route("/favicon.ico", get(favicon))
        .route("/sw.js", get(crate::web::offline::worker))
        .merge(pages::routes())
        .merge(crate::home::routes())
        .merge(crate::access::pages::routes())
        .merge(crate::registry::pages::routes())
        .merge(crate::audit::pages::routes())
        .merge(crate::testing::pages::routes())
        .merge(crate::mobilization::pages::routes())
        .merge(crate::needs::pages::routes())
        .merge(crate::zones::pages::routes())
        .merge(crate::checkpoints::pages::routes())
        .merge(crate::quarantine::pages::routes())
        .merge(crate::vaccination::pages::routes())
        .merge(crate::supplies::pages::routes())
        .merge(crate::hq::pages::routes())
        .merge(crate::notify::pages::routes())
        // The import form, its jobs, the templates and the residents' export: inside the
        // headers layer like every page (they were merged after it once, and went out
        // cacheable and frameable).
        .merge(crate::registry::pages::exchange::routes())
        .nest(
            "/api/v1",
            api::routes().layer(axum::middleware::from_fn(api_json_errors)),
        )
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(security_headers))
        // Outermost of the response's changes: compress what the layers above have finished
        // (headers set, API errors rewritten as JSON). Gzip when the client accepts it; bodies
        // under 32 bytes, images other than SVG, and XLSX and zip downloads (already
        // compressed) go as they are.
        .layer(tower_http::compression::CompressionLayer::new().compress_when(compress_when()))
        .layer(Extension(crate::testing::ingest::Ingest::start(db.clone())))
        .layer(Extension(crate::checkpoints::ingest::PassLog::start(
            db.clone(),
        )))
        .layer(Extension(jobs))
        .layer(Extension(crate::quarantine::ingest::start(db.clone())))
        .with_state(AppState { db })
}

/// The router as a service that knows each client's address (for the audit log and sign-in
/// throttling).
pub fn app(
    db: Db,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    app_with(db, Default::default())
}

/// [`app`] with the node's import jobs (and their limit) given.
pub fn app_with(
    db: Db,
    jobs: std::sync::Arc<crate::registry::jobs::Jobs>,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    router_with(db, jobs).into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// The background work of a server besides the sweeps every server runs.
pub struct Background {
    /// Copy the audit chain's head to this append-only file every minute (when it moved).
    pub anchor_file: Option<std::path::PathBuf>,
    /// Run this retention policy a minute after start and then daily.
    pub retention: Option<Vec<crate::audit::retention::Policy>>,
    /// Imports that may run at once on this node; more are told to wait.
    pub import_concurrency: usize,
    /// Notifications: the sender and its rules (issue 19).
    pub notify: crate::notify::send::Settings,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            anchor_file: None,
            retention: None,
            import_concurrency: crate::registry::jobs::DEFAULT_IMPORT_CONCURRENCY,
            notify: Default::default(),
        }
    }
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, db: Db) -> std::io::Result<()> {
    serve_with(listener, db, Background::default()).await
}

/// [`serve`], with the audit anchor and the retention sweep.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    db: Db,
    bg: Background,
) -> std::io::Result<()> {
    let last_anchor = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1));
    if let Some(path) = bg.anchor_file.clone() {
        let anchor_db = db.clone();
        let shared = last_anchor.clone();
        tokio::spawn(async move {
            let mut last = None;
            loop {
                match crate::audit::write_anchor(&anchor_db, &path, last).await {
                    Ok(Some(a)) => {
                        last = Some(a.seq);
                        shared.store(a.seq, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("audit anchor failed: {e}"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
        });
    }
    if let Some(policy) = bg.retention {
        // The pass log goes in short chunks between the daily sweeps (issue 14).
        if let Some(p) = policy.iter().find(|p| p.kind.name == "pass_log") {
            tokio::spawn(crate::checkpoints::retention::trickle(db.clone(), p.days));
        }
        tokio::spawn(crate::retention::daily(db.clone(), policy));
    }
    // The aged-60+ tallies move with the calendar: recount at start and then daily.
    let recount_db = db.clone();
    tokio::spawn(async move {
        loop {
            match crate::registry::areas::recount_aged60(&recount_db).await {
                Ok(n) => tracing::info!("aged 60+ recounted: {n}"),
                Err(e) => tracing::warn!("aged 60+ recount failed: {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
    // HQ's overview history (issue 18): every 10 minutes, and once more at the end of a day.
    tokio::spawn(crate::hq::history::run(db.clone()));
    // Late needs move up (community, street, HQ) as their deadlines pass: a sweep a minute.
    let sweep_db = db.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = crate::needs::deadlines::escalate(&sweep_db, crate::db::now_ms()).await
            {
                tracing::warn!("needs escalation sweep failed: {e}");
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    });
    // Notifications (issue 19): the time-based events a minute, the sender loop.
    tokio::spawn(notify_events(db.clone()));
    tokio::spawn(crate::notify::send::run(db.clone(), bg.notify.clone()));
    // HQ reports lock at the daily cut-off (issue 18): a sweep a minute.
    tokio::spawn(crate::hq::reports::run_sweep(db.clone()));
    let jobs = std::sync::Arc::new(crate::registry::jobs::Jobs::new(bg.import_concurrency));
    let served = axum::serve(listener, app_with(db.clone(), jobs))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // The last minute's entries too: anchor the head once more on the way out.
    if let Some(path) = bg.anchor_file {
        let last = last_anchor.load(std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = crate::audit::write_anchor(&db, &path, (last >= 0).then_some(last)).await {
            tracing::warn!("audit anchor at shutdown failed: {e}");
        }
    }
    served
}

/// The time-based notifications, each enqueued once: a shift starting within the hour, a
/// need of yours late, a quarantine check missed. A pass a minute.
pub async fn notify_events(db: Db) {
    loop {
        let now = crate::db::now_ms();
        if let Err(e) = scheduled_notifications(&db, now).await {
            tracing::warn!("notification events sweep failed: {e}");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// One pass of [`notify_events`] at `now` (the tests call it with a time of their own).
pub async fn scheduled_notifications(db: &Db, now: i64) -> crate::error::AppResult<u64> {
    let mut n = crate::mobilization::notify::shifts_soon(db, now).await?;
    n += crate::needs::notify::late(db, now).await?;
    n += crate::quarantine::notify::missed(db, now).await?;
    Ok(n)
}

/// Ctrl-C, or SIGTERM from a service manager: finish the requests in flight, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
