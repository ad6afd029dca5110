//! The pages of the volunteer pool: filters, the screening queue, a volunteer's record with
//! their screening history, shifts and hours, sign-up links with their QR posters, and units.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::volunteers_views::{self as views, vol_href, Links, Pool};
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::t;
use crate::mobilization::volunteers::{self, Filter};
use crate::registry::areas::scope_choices;
use crate::web::html::qr_svg;
use crate::web::html::{error_box, notice, url_enc, Markup};
use crate::web::kit::NoFields;
use crate::web::kit::{self, CsrfForm, Id};
use crate::web::pages::origin;
use crate::web::pages::Ctx;
use crate::web::AppState;

/// How many volunteers the pool reads at most (a community's pool is hundreds), and how many
/// one page of it shows.
const POOL_SHOWN: i64 = 5000;
const POOL_PAGE: usize = 50;

/// The pool's filters, as in the address.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PoolQuery {
    pub q: String,
    pub status: String,
    pub skill: String,
    pub unit: String,
    /// Available on this date.
    pub on: String,
    /// The page of the list, from 1.
    pub page: String,
}

impl PoolQuery {
    fn trimmed(self) -> PoolQuery {
        let t = |s: String| s.trim().to_owned();
        PoolQuery {
            q: t(self.q),
            status: t(self.status),
            skill: t(self.skill),
            unit: t(self.unit),
            on: t(self.on),
            page: t(self.page),
        }
    }

    fn filter(&self) -> Filter {
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        Filter {
            status: some(&self.status),
            skill: some(&self.skill),
            unit: self.unit.parse().ok(),
            // Dates ahead are what an officer asks about: not the registry's past-only check.
            available_on: crate::mobilization::parse_day("avail_from", &self.on).ok(),
            q: some(&self.q),
            path: None,
            ..Default::default()
        }
    }
}

async fn pool_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<PoolQuery>) -> Response {
    pool_view(&db, &ctx, &qs.trimmed(), &[]).await
}

async fn pool_view(db: &Db, ctx: &Ctx, qs: &PoolQuery, errors: &[String]) -> Response {
    let r = ctx.reader();
    let run = async {
        let counts = volunteers::status_counts(db, r).await?;
        let units = volunteers::units(db).await?;
        let list = volunteers::list(db, r, &qs.filter(), POOL_SHOWN).await?;
        let links = if crate::mobilization::can_manage(r) {
            let list = volunteers::links(db, r).await?;
            let areas = scope_choices(db, &r.scope).await?;
            Some(Links { list, areas })
        } else {
            None
        };
        // Paged: 50 a page, the page number in the address.
        let total = list.len();
        let pages = total.div_ceil(POOL_PAGE).max(1);
        let page = qs.page.parse::<usize>().unwrap_or(1).clamp(1, pages);
        let list: Vec<_> = list
            .into_iter()
            .skip((page - 1) * POOL_PAGE)
            .take(POOL_PAGE)
            .collect();
        let p = Pool {
            counts,
            units,
            list,
            limit: POOL_SHOWN as usize,
            total,
            page,
            pages,
            links,
        };
        Ok::<Markup, AppError>(views::pool(ctx, qs, &p, errors))
    };
    match run.await {
        Ok(b) => ctx.page(&t(ctx.lang, "mob-pool-title"), b),
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    area: String,
    title: String,
}

async fn create_link(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<LinkForm>) -> Response {
    let r = volunteers::create_link(&db, &ctx.actor(), ctx.reader(), &f.area, &f.title).await;
    let (db, ctx) = (&db, &ctx);
    kit::answer(
        ctx,
        r,
        |k| format!("/volunteers/links/{}", k.id),
        |e| async move { pool_view(db, ctx, &PoolQuery::default(), &e.lines).await },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UnitForm {
    name: String,
}

async fn add_unit(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<UnitForm>) -> Response {
    let r = volunteers::add_unit(&db, &ctx.actor(), ctx.reader(), &f.name).await;
    let (db, ctx) = (&db, &ctx);
    kit::answer(
        ctx,
        r,
        |_| "/volunteers#units".to_owned(),
        |e| async move { pool_view(db, ctx, &PoolQuery::default(), &e.lines).await },
    )
    .await
}

async fn link_page(State(db): State<Db>, Id(id): Id, ctx: Ctx, headers: HeaderMap) -> Response {
    let run = async {
        let link = volunteers::links(&db, ctx.reader())
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(AppError::NotFound)?;
        let area = crate::registry::areas::by_path(&db, &link.path)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let url = format!("{}/join/{}", origin(&headers), link.token);
        let body = views::link(&ctx, &link, &area, &url, qr_svg(&url));
        Ok::<_, AppError>((link.title, body))
    };
    match run.await {
        Ok((title, b)) => ctx.page(&title, b),
        Err(e) => ctx.error(e),
    }
}

async fn close_link(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    match volunteers::close_link(&db, &ctx.actor(), ctx.reader(), id).await {
        Ok(()) => Redirect::to(&format!("/volunteers/links/{id}")).into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn screening_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    let r = ctx.reader();
    let run = async {
        crate::mobilization::require_manager(r)?;
        let who = match q.who.trim().parse::<i64>() {
            Ok(id) => volunteers::get(&db, r, id).await.ok().map(|v| v.name),
            Err(_) => None,
        };
        let top = status_notice(ctx.lang, q.done.trim(), who.as_deref());
        let f = Filter {
            status: Some("applied".into()),
            ..Default::default()
        };
        let list = volunteers::list(&db, r, &f, 200).await?;
        Ok::<_, AppError>(views::screening(&ctx, &list, top))
    };
    match run.await {
        Ok(b) => ctx.page(&t(ctx.lang, "mob-screening-title"), b),
        Err(e) => ctx.error(e),
    }
}

/// A screening step: the status to go to, the reason, and the page the form was on.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    to: String,
    reason: String,
    back: String,
}

async fn set_status(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<StatusForm>,
) -> Response {
    let r = volunteers::screen(&db, &ctx.actor(), ctx.reader(), id, &f.to, &f.reason).await;
    let r = match r {
        // The one-time password is shown here once, not carried in a redirect.
        Ok(Some((user, pw))) => {
            let top = views::new_login(ctx.lang, &user, &pw);
            return volunteer_view(&db, &ctx, id, top).await;
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    // The 303 carries what was done, for the notice on the page it returns to.
    let to = url_enc(f.to.trim());
    let back = if f.back == "screening" {
        format!("/volunteers/screening?done={to}&who={id}")
    } else {
        format!("{}?done={to}", vol_href(id))
    };
    kit::answer(
        &ctx,
        r,
        |()| back,
        |e| volunteer_view(&db, &ctx, id, error_box(ctx.lang, &e.lines)),
    )
    .await
}

/// A page's notice of a screening step just taken, and whose (on the screening queue).
#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
    who: String,
}

/// The notice of a screening step: "Approved." or "王芳: approved." on the queue.
fn status_notice(l: crate::i18n::Lang, done: &str, who: Option<&str>) -> Markup {
    let id = match done {
        "approved" => "mob-done-approved",
        "rejected" => "mob-done-rejected",
        "suspended" => "mob-done-suspended",
        "withdrawn" => "mob-done-withdrawn",
        "applied" => "mob-done-reopened",
        _ => return Markup::default(),
    };
    match who {
        Some(name) => notice(&format!(
            "{name}{}{}",
            if l == crate::i18n::Lang::Zh {
                "："
            } else {
                ": "
            },
            t(l, id)
        )),
        None => notice(&t(l, id)),
    }
}

async fn volunteer_page(
    State(db): State<Db>,
    Id(id): Id,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Response {
    let top = status_notice(ctx.lang, q.done.trim(), None);
    volunteer_view(&db, &ctx, id, top).await
}

async fn volunteer_view(db: &Db, ctx: &Ctx, id: i64, top: Markup) -> Response {
    let r = ctx.reader();
    let run = async {
        let v = volunteers::get(db, r, id).await?;
        let steps = volunteers::history(db, r, id).await?;
        let now = now_ms();
        let shifts = crate::mobilization::duty::shifts_of(
            db,
            id,
            now - 30 * crate::mobilization::rules::DAY_MS,
            now + 14 * crate::mobilization::rules::DAY_MS,
        )
        .await?;
        let logins: Vec<&str> = steps.iter().map(|s| s.actor.as_str()).collect();
        let names = crate::access::display_names(db, &logins).await?;
        let body = views::volunteer(ctx, &v, &steps, &shifts, top, &names);
        Ok::<_, AppError>((v.name, body))
    };
    match run.await {
        Ok((name, b)) => ctx.page(&name, b),
        Err(e) => ctx.error(e),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteers", get(pool_page))
        .route("/volunteers/screening", get(screening_page))
        .route("/volunteers/links", post(create_link))
        .route("/volunteers/links/{id}", get(link_page))
        .route("/volunteers/links/{id}/close", post(close_link))
        .route("/volunteers/units", post(add_unit))
        .route("/volunteers/{id}", get(volunteer_page))
        .route("/volunteers/{id}/status", post(set_status))
}
