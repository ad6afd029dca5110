//! The vaccination pages: the worklist of an area (`/vaccination`), a resident's vaccination
//! with the tick-off, dose and ride forms (`/vaccination/residents/{id}`), the coverage
//! figures (`/vaccination/figures`), the import of the vaccination system's export
//! (`/vaccination/import`) and HQ's catalogue and targets (`/vaccination/catalogue`).
//! Handlers are here; the views in `views`.

pub mod resident_part;
pub mod views;

use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::catalogue::{self, ProductForm};
use super::doses::{self, DoseForm};
use super::figures;
use super::rides::{self, RideForm};
use super::worklist::{self, Part, TickForm};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::web::html::Markup;
use crate::web::kit::{self, CsrfForm, FormErrors, Id, NoFields};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// Residents per page of a worklist.
pub const PAGE: usize = 50;
/// The largest export file taken through the page (a million rows is about 80 MiB).
pub const MAX_UPLOAD: usize = 256 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vaccination", get(worklist_page))
        .route("/vaccination/residents/{id}", get(resident_page))
        .route("/vaccination/residents/{id}/tick", post(tick_post))
        .route("/vaccination/residents/{id}/dose", post(dose_post))
        .route("/vaccination/residents/{id}/ride", post(ride_post))
        .route("/vaccination/figures", get(figures_page))
        .route("/vaccination/figures/recount", post(recount_post))
        .route(
            "/vaccination/import",
            get(import_page)
                .post(import_post)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/vaccination/catalogue", get(catalogue_page))
        .route("/vaccination/catalogue/product", post(product_post))
        .route("/vaccination/catalogue/target", post(target_post))
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub area: String,
    pub group: String,
    pub part: String,
    pub page: String,
    pub done: String,
    /// One household only (its id).
    pub household: String,
}

async fn worklist_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let r = ctx.reader();
    let today = super::today();
    let run = async {
        super::require_read(r)?;
        let area = super::area_in_scope(&db, r, &q.area).await?;
        let group = if super::in_vocab(super::GROUPS, &q.group) {
            q.group.clone()
        } else {
            "60+".to_owned()
        };
        let part = if q.part == "ticked" {
            Part::Ticked
        } else {
            Part::Todo
        };
        let household = super::api::household_filter(&q.household)?;
        let items = worklist::list_in(&db, r, &area.path, household, &group, part, today).await?;
        let choices = crate::registry::areas::scope_choices(&db, &r.registry_scope()).await?;
        let pages = items.len().div_ceil(PAGE).max(1);
        let page = q.page.parse::<usize>().unwrap_or(1).clamp(1, pages);
        let shown = &items[((page - 1) * PAGE).min(items.len())..(page * PAGE).min(items.len())];
        let v = views::ListView {
            area: &area,
            group: &group,
            part,
            items: shown,
            total: items.len(),
            page,
            pages,
            choices: &choices,
            done: &q.done,
            household,
        };
        Ok((ctx.t("vax-title"), views::worklist(&ctx, &v)))
    };
    show(&ctx, run.await)
}

/// The forms of the resident page, as posted (kept when they come back with errors).
#[derive(Default)]
pub struct Posted {
    pub tick: Option<(TickFields, FormErrors)>,
    pub dose: Option<(DoseFields, FormErrors)>,
    pub ride: Option<(RideFields, FormErrors)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct TickFields {
    pub reason: String,
    pub detail: String,
    pub note: String,
    pub appt_on: String,
    pub site: String,
    pub recheck_on: String,
    pub product: String,
    pub given_on: String,
    pub batch: String,
    pub client_id: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DoseFields {
    pub product: String,
    pub dose_no: String,
    pub given_on: String,
    pub site: String,
    pub batch: String,
    pub client_id: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RideFields {
    pub site: String,
    pub on_day: String,
    pub note: String,
    pub client_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResidentQuery {
    pub done: String,
}

async fn resident_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    posted: Posted,
) -> AppResult<(String, Markup)> {
    let r = ctx.reader();
    let today = super::today();
    let p = doses::person(db, r, id).await?;
    let status = doses::status(db, r, id, today).await?;
    let history = worklist::history(db, r, id).await?;
    let cat = catalogue::products(db).await?;
    let phone = db
        .scalar::<Option<String>>(
            "SELECT phone FROM residents WHERE id = $1",
            crate::args![id],
        )
        .await?;
    let logins: Vec<&str> = history.iter().map(|h| h.by_login.as_str()).collect();
    let names = crate::access::display_names(db, &logins).await?;
    let v = views::ResidentView {
        person: &p,
        status: &status,
        history: &history,
        catalogue: &cat,
        phone_masked: phone
            .as_deref()
            .map(crate::registry::validate::mask_phone)
            .unwrap_or_default(),
        names: &names,
        done,
        today,
        posted,
    };
    Ok((
        crate::i18n::ta(
            ctx.lang,
            "vax-resident",
            &[("name", crate::i18n::Arg::S(p.name.clone()))],
        ),
        views::resident(ctx, &v),
    ))
}

async fn resident_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<ResidentQuery>,
) -> Response {
    show(
        &ctx,
        resident_view(&db, &ctx, id, &q.done, Posted::default()).await,
    )
}

fn done_href(id: i64, done: &str) -> String {
    format!("/vaccination/residents/{id}?done={done}")
}

async fn tick_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<TickFields>,
) -> Response {
    let (ctx, db) = (&ctx, &db);
    let form = TickForm {
        reason: f.reason.clone(),
        detail: f.detail.clone(),
        note: f.note.clone(),
        appt_on: f.appt_on.clone(),
        site: f.site.clone(),
        recheck_on: f.recheck_on.clone(),
        dose: DoseForm {
            product: f.product.clone(),
            dose_no: String::new(),
            given_on: f.given_on.clone(),
            site: f.site.clone(),
            batch: f.batch.clone(),
            client_id: String::new(),
        },
        client_id: f.client_id.clone(),
    };
    let result = worklist::tick(db, &ctx.actor(), ctx.reader(), id, &form, super::today()).await;
    kit::answer(
        ctx,
        result,
        |_| done_href(id, "tick"),
        move |errs| async move {
            let posted = Posted {
                tick: Some((f, errs)),
                ..Posted::default()
            };
            show(ctx, resident_view(db, ctx, id, "", posted).await)
        },
    )
    .await
}

async fn dose_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<DoseFields>,
) -> Response {
    let (ctx, db) = (&ctx, &db);
    let form = DoseForm {
        product: f.product.clone(),
        dose_no: f.dose_no.clone(),
        given_on: f.given_on.clone(),
        site: f.site.clone(),
        batch: f.batch.clone(),
        client_id: f.client_id.clone(),
    };
    let result = doses::record(db, &ctx.actor(), ctx.reader(), id, &form, super::today()).await;
    kit::answer(
        ctx,
        result,
        |_| done_href(id, "dose"),
        move |errs| async move {
            let posted = Posted {
                dose: Some((f, errs)),
                ..Posted::default()
            };
            show(ctx, resident_view(db, ctx, id, "", posted).await)
        },
    )
    .await
}

async fn ride_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<RideFields>,
) -> Response {
    let (ctx, db) = (&ctx, &db);
    let form = RideForm {
        site: f.site.clone(),
        on_day: f.on_day.clone(),
        note: f.note.clone(),
        client_id: f.client_id.clone(),
    };
    let result = rides::request(db, &ctx.actor(), ctx.reader(), id, &form, super::today()).await;
    kit::answer(
        ctx,
        result,
        |_| done_href(id, "ride"),
        move |errs| async move {
            let posted = Posted {
                ride: Some((f, errs)),
                ..Posted::default()
            };
            show(ctx, resident_view(db, ctx, id, "", posted).await)
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AreaQuery {
    pub area: String,
    pub done: String,
    /// Figures page: empty for the child areas, `community` for every community under the area.
    pub by: String,
}

async fn figures_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<AreaQuery>) -> Response {
    let r = ctx.reader();
    let run = async {
        super::require_read(r)?;
        let area = super::area_in_scope(&db, r, &q.area).await?;
        let list = figures::List::parse(&q.by).unwrap_or_default();
        let f = figures::of_area_listing(&db, r, &area, super::today(), list).await?;
        let choices = crate::registry::areas::scope_choices(&db, &r.registry_scope()).await?;
        Ok((
            ctx.t("vax-figures"),
            views::figures(&ctx, &area, &f, &choices, &q.done, list),
        ))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecountFields {
    pub area: String,
}

async fn recount_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<RecountFields>) -> Response {
    let r = ctx.reader();
    let run = async {
        super::require_import(r)?;
        let area = super::area_in_scope(&db, r, &f.area).await?;
        let now = crate::db::now_ms();
        figures::count_population(&db, &area.path, now).await?;
        doses::recount(&db, &area.path, now).await?;
        Ok(area.code)
    };
    kit::answer(
        &ctx,
        run.await,
        |code| format!("/vaccination/figures?area={code}&done=recount"),
        |_| async { ctx.error(AppError::NotFound) },
    )
    .await
}

async fn import_page(ctx: Ctx) -> Response {
    if let Err(e) = super::require_import(ctx.reader()) {
        return ctx.error(e);
    }
    ctx.page(&ctx.t("vax-import"), views::import(&ctx, None))
}

async fn import_post(State(db): State<Db>, ctx: Ctx, mut mp: Multipart) -> Response {
    if let Err(e) = super::require_import(ctx.reader()) {
        return ctx.error(e);
    }
    let (mut csrf, mut dry_run, mut file) = (String::new(), false, None::<Spool>);
    let bad = |e: String| {
        AppError::BadRequest(crate::i18n::Msg::new(
            format!("the upload could not be read ({e})"),
            format!("无法读取上传的文件（{e}）"),
        ))
    };
    loop {
        match mp.next_field().await {
            Ok(Some(mut f)) => {
                let name = f.name().unwrap_or("").to_owned();
                if name == "file" {
                    // The file goes to disk as it arrives, never whole in memory.
                    let mut spool = match Spool::create(f.file_name().unwrap_or("")) {
                        Ok(s) => s,
                        Err(e) => {
                            return ctx.error(AppError::Internal(format!("import spool: {e}")))
                        }
                    };
                    loop {
                        match f.chunk().await {
                            Ok(Some(c)) => {
                                if let Err(e) = spool.write(&c) {
                                    return ctx
                                        .error(AppError::Internal(format!("import spool: {e}")));
                                }
                            }
                            Ok(None) => break,
                            Err(e) => return ctx.error(bad(e.body_text())),
                        }
                    }
                    if let Err(e) = spool.finish() {
                        return ctx.error(AppError::Internal(format!("import spool: {e}")));
                    }
                    file = Some(spool);
                    continue;
                }
                match f.bytes().await {
                    Ok(b) => match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                        "dry_run" => dry_run = true,
                        _ => {}
                    },
                    Err(e) => return ctx.error(bad(e.body_text())),
                }
            }
            Ok(None) => break,
            Err(e) => return ctx.error(bad(e.body_text())),
        }
    }
    if let Err(r) = ctx.check_csrf(&csrf) {
        return r;
    }
    let Some(spool) = file.filter(|f| f.size > 0) else {
        return ctx.error(AppError::Invalid(vec![crate::error::FieldError::new(
            "file",
            "choose the export file",
            "请选择导出文件",
        )]));
    };
    let result = super::import::import_path(
        &db,
        &ctx.actor(),
        ctx.reader(),
        &spool.path,
        dry_run,
        super::today(),
    )
    .await;
    drop(spool);
    match result {
        Ok(rep) => ctx.page(&ctx.t("vax-import"), views::import(&ctx, Some(&rep))),
        Err(e) => ctx.error(e),
    }
}

/// Where this process spools uploads of the vaccination system's export: a folder of its own
/// under the temporary directory (so that what another process left behind, or spools at the
/// same time, is never taken for this one's).
pub fn spool_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("wardline-vax-spool-{}", std::process::id()))
}

/// An upload on disk, removed when dropped. The file keeps the upload's extension so the
/// report can tell a misnamed file (the content decides the format either way).
struct Spool {
    path: std::path::PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    size: u64,
}

impl Spool {
    fn create(name: &str) -> std::io::Result<Spool> {
        let ext: String = std::path::Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("upload")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(8)
            .collect();
        let dir = spool_dir();
        let path = dir.join(format!("{}.{ext}", crate::access::random_hex(12)));
        let open = || {
            std::fs::create_dir_all(&dir)?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        };
        // Another upload's end may remove the folder between its creation and the open.
        let file = match open() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => open()?,
            other => other?,
        };
        Ok(Spool {
            path,
            file: std::io::BufWriter::new(file),
            size: 0,
        })
    }

    fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.size += b.len() as u64;
        self.file.write_all(b)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        use std::io::Write;
        self.file.flush()
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        // The folder goes with its last upload (it fails, harmlessly, while another remains).
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

async fn catalogue_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<AreaQuery>) -> Response {
    let run = async {
        super::require_read(ctx.reader())?;
        let cat = catalogue::products(&db).await?;
        let targets = catalogue::targets(&db).await?;
        Ok((
            ctx.t("vax-catalogue"),
            views::catalogue(&ctx, &cat, &targets, &q.done, None),
        ))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProductFields {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub primary_doses: String,
    pub interval_days: String,
    pub booster_after_days: String,
    pub window_days: String,
    pub active: String,
}

async fn product_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<ProductFields>) -> Response {
    let (ctx, db) = (&ctx, &db);
    let form = ProductForm {
        code: f.code.clone(),
        name_en: f.name_en.clone(),
        name_zh: f.name_zh.clone(),
        primary_doses: f.primary_doses.clone(),
        interval_days: f.interval_days.clone(),
        booster_after_days: f.booster_after_days.clone(),
        window_days: f.window_days.clone(),
        active: f.active == "1",
    };
    let result = catalogue::save(db, &ctx.actor(), ctx.reader(), &form).await;
    kit::answer(
        ctx,
        result,
        |()| "/vaccination/catalogue?done=saved".into(),
        move |errs| async move {
            let run = async {
                let cat = catalogue::products(db).await?;
                let targets = catalogue::targets(db).await?;
                Ok((
                    ctx.t("vax-catalogue"),
                    views::catalogue(ctx, &cat, &targets, "", Some((&f, errs))),
                ))
            };
            show(ctx, run.await)
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TargetFields {
    pub band: String,
    pub measure: String,
    pub percent: String,
}

async fn target_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<TargetFields>) -> Response {
    let result = catalogue::set_target(
        &db,
        &ctx.actor(),
        ctx.reader(),
        &f.band,
        &f.measure,
        &f.percent,
    )
    .await;
    match result {
        Ok(()) => axum::response::IntoResponse::into_response(axum::response::Redirect::to(
            "/vaccination/catalogue?done=saved",
        )),
        Err(e) => ctx.error(e),
    }
}

/// Unused forms take no fields.
pub type Nothing = NoFields;
