//! Pages for moving data in and out: the import form (CSV or XLSX, dry run first), its progress
//! and report, the templates, and the masked exports of an area's residents.
//!
//! An import runs as a task on the node that received the file; its progress lives in that
//! node's memory ([`Jobs`]), so the progress page is served by the same node (a load balancer
//! with sticky sessions, or one node for imports). The data itself is written in one
//! transaction: it commits whole or not at all, whichever node asks afterwards.
//!
//! The upload is written to a temporary file as it arrives and the import reads it from there
//! (never whole in memory); at most [`Jobs::limit`] imports run at once on a node, and an
//! upload beyond that is answered at once (503, with the reason) without being read.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};

use serde::Deserialize;

use super::exchange_views as views;
use super::writers_only;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Msg};
use crate::registry::export::{self, ExportFormat};
use crate::registry::import::{self, ImportProgress};
use crate::registry::jobs::{Job, Jobs, Spool};
use crate::web::html::Markup;
use crate::web::pages::{html_response, Ctx};
use crate::web::AppState;

/// The largest file accepted through the web: about 1.5 M rows of the template (a 1.45 M-row
/// city with an address per household is 214 MiB), so that an import stays under its memory
/// budget of 300 MiB (measured: 260 MiB peak for 214 MiB, 308 MiB for 255 MiB). Larger files
/// go through `wardline import FILE`, which streams the same way but is run by an operator.
pub const MAX_UPLOAD: usize = 224 * 1024 * 1024;

/// The grids listed on the import page with their codes (a county has a few hundred).
const GRIDS_SHOWN: usize = 300;

async fn import_form(db: &Db, ctx: &Ctx, errors: &[String]) -> Response {
    let l = ctx.lang;
    let scope = ctx.reader().registry_scope();
    let (grids, more) = match crate::registry::areas::grids_in_scope(db, &scope, GRIDS_SHOWN).await
    {
        Ok(g) => g,
        Err(e) => return ctx.error(e),
    };
    let body = views::import_form(l, &ctx.session.csrf, errors, &grids, more);
    ctx.page(&t(l, "import-title"), body)
}

async fn import_page(State(db): State<Db>, ctx: Ctx) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    import_form(&db, &ctx, &[]).await
}

async fn upload_failed(db: &Db, ctx: &Ctx, why: String) -> Response {
    let l = ctx.lang;
    import_form(
        db,
        ctx,
        &[ta(l, "import-upload-failed", &[("why", Arg::S(why))])],
    )
    .await
}

async fn import_submit(
    State(st): State<AppState>,
    Extension(jobs): Extension<Arc<Jobs>>,
    ctx: Ctx,
    mut mp: Multipart,
) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    let l = ctx.lang;
    // A slot first: when the node runs as many imports as it may, the upload is not read.
    let Some(slot) = jobs.try_slot() else {
        let mut r = import_form(
            &st.db,
            &ctx,
            &[ta(l, "import-busy", &[("n", Arg::N(jobs.limit() as i64))])],
        )
        .await;
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return r;
    };
    let failed = |why: String| upload_failed(&st.db, &ctx, why);
    let (mut csrf, mut dry_run, mut file) = (String::new(), false, None);
    loop {
        match mp.next_field().await {
            Ok(Some(mut f)) => {
                let name = f.name().unwrap_or("").to_owned();
                if name == "file" {
                    // The file goes to disk as it arrives.
                    let fname = f.file_name().unwrap_or("").to_owned();
                    let mut spool = match Spool::create() {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::error!("import upload: cannot create a temporary file: {e}");
                            return import_form(
                                &st.db,
                                &ctx,
                                &[ta(
                                    l,
                                    "import-spool-failed",
                                    &[("why", Arg::S(e.to_string()))],
                                )],
                            )
                            .await;
                        }
                    };
                    loop {
                        match f.chunk().await {
                            Ok(Some(c)) => {
                                if let Err(e) = spool.write(&c) {
                                    tracing::error!(
                                        "import upload: cannot write a temporary file: {e}"
                                    );
                                    return import_form(
                                        &st.db,
                                        &ctx,
                                        &[ta(
                                            l,
                                            "import-spool-failed",
                                            &[("why", Arg::S(e.to_string()))],
                                        )],
                                    )
                                    .await;
                                }
                            }
                            Ok(None) => break,
                            Err(e) => return failed(e.body_text()).await,
                        }
                    }
                    let size = match spool.finish() {
                        Ok(n) => n,
                        Err(e) => {
                            return import_form(
                                &st.db,
                                &ctx,
                                &[ta(
                                    l,
                                    "import-spool-failed",
                                    &[("why", Arg::S(e.to_string()))],
                                )],
                            )
                            .await
                        }
                    };
                    file = Some((fname, spool, size));
                    continue;
                }
                match f.bytes().await {
                    Ok(b) => match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                        "dry_run" => dry_run = true,
                        _ => {}
                    },
                    Err(e) => return failed(e.body_text()).await,
                }
            }
            Ok(None) => break,
            Err(e) => return failed(e.body_text()).await,
        }
    }
    if let Err(r) = ctx.check_csrf(&csrf) {
        return r;
    }
    let Some((file_name, spool, _)) = file.filter(|(_, _, n)| *n > 0) else {
        return import_form(&st.db, &ctx, &[t(l, "import-no-file")]).await;
    };
    let id = start(&st.db, &jobs, &ctx, file_name, spool, dry_run, slot);
    Redirect::to(&format!("/import/jobs/{id}")).into_response()
}

/// Run an import of a spooled file as a job; its number. A clean dry run keeps the file, so
/// that "import now" needs no second upload.
fn start(
    db: &Db,
    jobs: &Arc<Jobs>,
    ctx: &Ctx,
    file_name: String,
    spool: Spool,
    dry_run: bool,
    slot: crate::registry::jobs::ImportSlot,
) -> u64 {
    let account_id = ctx.reader().account_id;
    let (id, job) = jobs.add(Job {
        account_id,
        file_name: file_name.clone(),
        dry_run,
        progress: None,
        outcome: None,
        kept: None,
    });
    let db = db.clone();
    let jobs = jobs.clone();
    let actor = ctx.actor();
    let scope = ctx.reader().registry_scope();
    tokio::spawn(async move {
        let j2 = job.clone();
        let progress = move |p: ImportProgress| {
            j2.lock().expect("job lock").progress = Some(p);
        };
        let r = import::import_path(
            &db,
            &actor,
            &scope,
            &file_name,
            &spool.path,
            dry_run,
            &progress,
        )
        .await;
        // The slot goes as soon as the import ends; the file too, but after a clean dry run.
        drop(slot);
        let clean = dry_run
            && r.as_ref()
                .is_ok_and(|r| r.errors.is_empty() && !r.committed);
        let kept = if clean {
            jobs.forget_kept(account_id);
            Some((spool, std::time::Instant::now()))
        } else {
            drop(spool);
            None
        };
        let outcome = r.map_err(|e| {
            tracing::error!("import {file_name}: {e}");
            Msg::new(
                e.message(crate::i18n::Lang::En),
                e.message(crate::i18n::Lang::Zh),
            )
        });
        let mut j = job.lock().expect("job lock");
        j.outcome = Some(outcome);
        j.kept = kept;
    });
    id
}

/// "Import now" after a clean dry run: the same file, kept on this node, imported for real.
async fn import_now(
    State(db): State<Db>,
    Extension(jobs): Extension<Arc<Jobs>>,
    Path(id): Path<String>,
    crate::web::kit::CsrfForm(ctx, _f): crate::web::kit::CsrfForm<NoFields>,
) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    let l = ctx.lang;
    let job = id.parse::<u64>().ok().and_then(|n| jobs.get(n));
    let Some(job) =
        job.filter(|j| j.lock().expect("job lock").account_id == ctx.reader().account_id)
    else {
        return ctx.error(AppError::NotFound);
    };
    let Some(slot) = jobs.try_slot() else {
        let mut r = import_form(
            &db,
            &ctx,
            &[ta(l, "import-busy", &[("n", Arg::N(jobs.limit() as i64))])],
        )
        .await;
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return r;
    };
    let (file_name, spool) = {
        let mut j = job.lock().expect("job lock");
        (j.file_name.clone(), j.take_kept())
    };
    let Some(spool) = spool else {
        // Already imported, expired, or not a clean dry run: upload the file again.
        return import_form(&db, &ctx, &[t(l, "import-now-gone")]).await;
    };
    let id = start(&db, &jobs, &ctx, file_name, spool, false, slot);
    Redirect::to(&format!("/import/jobs/{id}")).into_response()
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize, Default)]
struct NoFields {}

fn download(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn job_page(
    Extension(jobs): Extension<Arc<Jobs>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let l = ctx.lang;
    let job = id.parse::<u64>().ok().and_then(|n| jobs.get(n));
    let Some(job) = job else {
        return ctx.error(AppError::NotFound);
    };
    let j = job.lock().expect("job lock");
    if j.account_id != ctx.reader().account_id {
        return ctx.error(AppError::NotFound);
    }
    let body = views::job(l, &ctx.session.csrf, id.as_str(), &j);
    let running = j.outcome.is_none();
    drop(j);
    if !running {
        return ctx.page(&t(l, "import-title"), body);
    }
    let page = crate::web::html::page(&ctx.chrome(), &t(l, "import-title"), body);
    // Refresh every second until the import ends (no script needed).
    let html = page.0.replacen(
        "<head>",
        "<head><meta http-equiv=\"refresh\" content=\"1\">",
        1,
    );
    html_response(StatusCode::OK, Markup(html))
}

async fn template(_ctx: Ctx, Path(name): Path<String>) -> Response {
    match name.as_str() {
        "template.xlsx" => download(
            import::template_xlsx(),
            ExportFormat::Xlsx.content_type(),
            "wardline-import-template.xlsx",
        ),
        "template.csv" => download(
            import::template_csv(),
            ExportFormat::Csv.content_type(),
            "wardline-import-template.csv",
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    /// The area's code.
    area: String,
    /// `xlsx` (when absent) or `csv`.
    format: Option<String>,
}

/// `/export?area=CODE&format=xlsx|csv`: the residents under an area, masked, audited.
async fn export_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Response {
    let Some(format) = ExportFormat::parse(q.format.as_deref().unwrap_or("xlsx")) else {
        return ctx.error(AppError::NotFound);
    };
    match export::export_residents_to_vec(&db, ctx.reader(), &ctx.actor(), &q.area, format).await {
        Ok((bytes, s)) => {
            let safe: String = s
                .area_code
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            download(
                bytes,
                format.content_type(),
                &format!("residents-{safe}.{}", format.name()),
            )
        }
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_page)
                .post(import_submit)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/import/jobs/{id}", get(job_page))
        .route("/import/jobs/{id}/import", axum::routing::post(import_now))
        .route("/import/{name}", get(template))
        .route("/export", get(export_page))
}
