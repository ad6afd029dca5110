//! The missing list (不漏一户、不漏一人): who under a grid or a building has not been sampled in
//! a round, by household in walking order, with the people to sample at home listed again on
//! their own; exempting a person (and taking it back); a print layout and a CSV export (masked
//! phone numbers, audited).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::missing_views::{exempt_body, missing_body, sex_text, term, ExemptWho, Missing};
use super::views::area_link;
use super::{find_round, registry_readers_only, round_crumbs};
use crate::audit::{self, Event};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::t;
use crate::registry::areas;
use crate::registry::model::{RELATIONS, TAGS};
use crate::testing::coverage;
use crate::testing::{results, Round};
use crate::web::kit::{self, with_status, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The list's address: the area, and what was just done.
#[derive(Deserialize, Default)]
#[serde(default)]
struct MissingQuery {
    area: String,
    done: String,
    /// The page (from 1) of households.
    page: String,
    /// `1`: every household on one page, to print.
    print: String,
}

impl MissingQuery {
    fn view(&self) -> (usize, bool) {
        (
            self.page.trim().parse().unwrap_or(1),
            self.print.trim() == "1",
        )
    }
}

/// Exempting a person, and taking it back (`resident`, and the area the list shows).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ExemptForm {
    area: String,
    /// The page of the list the form was on.
    page: String,
    resident: String,
    reason: String,
    note: String,
}

async fn missing_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<MissingQuery>,
) -> Response {
    let view = qs.view();
    missing_view(&db, &ctx, id, qs.area.trim(), view, qs.done.trim(), &[]).await
}

/// The exemption page's address: the person, and the list (area, page) to go back to.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ExemptQuery {
    resident: String,
    area: String,
    page: String,
}

async fn exempt_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<ExemptQuery>,
) -> Response {
    let f = ExemptForm {
        area: q.area,
        page: q.page,
        resident: q.resident,
        reason: String::new(),
        note: String::new(),
    };
    exempt_view(&db, &ctx, id, &f, &[]).await
}

/// The exemption form for one person (who may write the registry, in their scope), with the
/// values as typed and the errors, if any.
async fn exempt_view(db: &Db, ctx: &Ctx, id: i64, f: &ExemptForm, errors: &[String]) -> Response {
    let run = async {
        let round = find_round(db, ctx, id).await?;
        if !ctx.reader().can_write_registry() {
            return Err(AppError::Forbidden(crate::i18n::Msg::new(
                "only those who keep the registry exempt people",
                "只有负责登记的人员可以设置免检",
            )));
        }
        let rid: i64 = f.resident.trim().parse().map_err(|_| AppError::NotFound)?;
        let person =
            crate::registry::residents::resident(db, &ctx.reader().registry_scope(), rid).await?;
        let address = crate::registry::residents::household(
            db,
            &ctx.reader().registry_scope(),
            person.household_id,
        )
        .await
        .map(|h| h.household.address)
        .unwrap_or_default();
        let who = ExemptWho {
            round: &round,
            resident_id: rid,
            name: &person.name,
            address: &address,
            area: f.area.trim(),
            page: f.page.trim().parse().unwrap_or(1),
        };
        let title = format!("{} · {}", t(ctx.lang, "exempt-submit"), person.name);
        Ok(ctx.page(&title, exempt_body(ctx, &who, &f.reason, &f.note, errors)))
    };
    match run.await {
        Ok(resp) if errors.is_empty() => resp,
        Ok(resp) => with_status(resp, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => ctx.error(e),
    }
}

/// What the list shows, from the engines.
async fn load(
    db: &Db,
    ctx: &Ctx,
    round: Round,
    area_code: &str,
    (page, print): (usize, bool),
) -> Result<Missing, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    let code = Some(area_code).filter(|s| !s.is_empty());
    let area = crate::testing::round_area(db, &round, code, r).await?;
    let scope = r.registry_scope();
    let coverage = coverage::subtree(db, round.id, &area.path).await?;
    let (list, truncated) = coverage::missing(db, round.id, &area.path, &scope).await?;
    let mut exemptions = results::exemptions(db, round.id, &area.path, &scope).await?;
    // People by name, not by login.
    let logins: Vec<&str> = exemptions.iter().map(|x| x.by.as_str()).collect();
    let names = crate::access::display_names(db, &logins).await?;
    for x in &mut exemptions {
        if let Some(n) = names.get(&x.by) {
            x.by = n.clone();
        }
    }
    let crumbs = round_crumbs(db, ctx, &round, Some(&area), Some(t(l, "missing-title"))).await?;
    let sample_link = crate::testing::samples_in_scope(r)
        && crate::testing::sites(db, round.id, Some(&r.scope))
            .await?
            .iter()
            .any(|s| {
                area.path.starts_with(s.path.as_str()) || s.path.starts_with(area.path.as_str())
            });
    let mut places = HashMap::new();
    for h in &list {
        if !places.contains_key(&h.path) {
            let name = areas::by_path(db, &h.path)
                .await?
                .map(|a| a.name)
                .unwrap_or_default();
            places.insert(h.path.clone(), name);
        }
    }
    Ok(Missing {
        round,
        area,
        crumbs,
        coverage,
        list,
        truncated,
        exemptions,
        sample_link,
        places,
        page,
        print,
    })
}

async fn missing_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    area_code: &str,
    view: (usize, bool),
    done: &str,
    errors: &[String],
) -> Response {
    let l = ctx.lang;
    // The round first (404), then who may read the list (403).
    let round = match find_round(db, ctx, id).await {
        Ok(round) => round,
        Err(e) => return ctx.error(e),
    };
    if let Err(e) = registry_readers_only(ctx) {
        return ctx.error(e);
    }
    match load(db, ctx, round, area_code, view).await {
        Ok(m) => {
            let title = format!("{} · {}", t(l, "missing-title"), m.area.name);
            let resp = ctx.page(&title, missing_body(ctx, &m, done, errors));
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

/// Back to the missing list of the area the form came from.
fn back(round: i64, area: &str, page: usize, done: &str) -> String {
    let mut to = area_link(round, "/missing", area);
    to.push(if to.contains('?') { '&' } else { '?' });
    if page > 1 {
        to.push_str(&format!("page={page}&"));
    }
    to.push_str("done=");
    to.push_str(done);
    to
}

async fn exempt(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ExemptForm>,
) -> Response {
    let r = async {
        let round = find_round(&db, &ctx, id).await?;
        let rid: i64 = f.resident.parse().map_err(|_| AppError::NotFound)?;
        results::exempt(
            &db,
            &ctx.actor(),
            ctx.reader(),
            &round,
            rid,
            &f.reason,
            &f.note,
        )
        .await
    }
    .await;
    let page = f.page.trim().parse().unwrap_or(1);
    let area = f.area.as_str();
    let (db, c, f) = (&db, &ctx, &f);
    kit::answer(
        c,
        r,
        |()| back(id, area, page, "exempt"),
        |errs| async move { exempt_view(db, c, id, f, &errs.lines).await },
    )
    .await
}

async fn unexempt(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ExemptForm>,
) -> Response {
    let r = async {
        let round = find_round(&db, &ctx, id).await?;
        let rid: i64 = f.resident.parse().map_err(|_| AppError::NotFound)?;
        results::unexempt(&db, &ctx.actor(), ctx.reader(), &round, rid).await
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&back(id, &f.area, 1, "unexempt")).into_response(),
        Err(e) => ctx.error(e),
    }
}

/// The missing list as CSV (UTF-8 with a BOM for Excel; phone numbers masked), audited like
/// the registry's exports.
async fn missing_csv(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<MissingQuery>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let round = find_round(&db, &ctx, id).await?;
        registry_readers_only(&ctx)?;
        let code = Some(qs.area.trim()).filter(|s| !s.is_empty());
        let area = crate::testing::round_area(&db, &round, code, r).await?;
        let (list, truncated) =
            coverage::missing(&db, round.id, &area.path, &r.registry_scope()).await?;
        let io = |e: std::io::Error| AppError::Internal(e.to_string());
        let mut w = crate::registry::export::CsvExport::new(Vec::new()).map_err(io)?;
        let header: Vec<String> = [
            "col-address",
            "col-head",
            "csv-head-phone",
            "col-name",
            "col-sex",
            "col-age",
            "col-relation",
            "col-phone",
            "col-tags",
            "missing-resample",
            "missing-home",
        ]
        .iter()
        .map(|id| t(l, id))
        .collect();
        w.row(&header).map_err(io)?;
        let mut rows = 0;
        let yes = t(l, "yes");
        for h in &list {
            for p in &h.missing {
                let tags: Vec<String> = p.tags.iter().map(|c| term(l, TAGS, c)).collect();
                w.row([
                    h.address.clone(),
                    h.head_name.clone().unwrap_or_default(),
                    h.head_phone_masked.clone().unwrap_or_default(),
                    p.name.clone(),
                    sex_text(l, p.sex),
                    p.age.map(|a| a.to_string()).unwrap_or_default(),
                    term(l, RELATIONS, &p.relation),
                    p.phone_masked.clone().unwrap_or_default(),
                    tags.join("、"),
                    if p.resample {
                        yes.clone()
                    } else {
                        String::new()
                    },
                    if p.home_visit {
                        yes.clone()
                    } else {
                        String::new()
                    },
                ])
                .map_err(io)?;
                rows += 1;
            }
        }
        let bytes = w.into_inner().map_err(io)?;
        audit::record_now(
            &db,
            &ctx.actor(),
            Event::new("export", "test_round", round.id)
                .area(&area.path)
                .detail(json!({
                    "list": "missing",
                    "area": area.code,
                    "format": "csv",
                    "rows": rows,
                    "masked": true,
                    "complete": !truncated,
                })),
        )
        .await?;
        let safe: String = area
            .code
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        Ok::<Response, AppError>(
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"missing-{}-{safe}.csv\"", round.id),
                    ),
                ],
                bytes,
            )
                .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| ctx.error(e))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/testing/rounds/{id}/missing", get(missing_page))
        .route("/testing/rounds/{id}/missing.csv", get(missing_csv))
        .route("/testing/rounds/{id}/exempt", get(exempt_page).post(exempt))
        .route("/testing/rounds/{id}/unexempt", post(unexempt))
}
