//! The no-epidemic candidates page (`/zones/candidates`): the communities of an area with no
//! new positive for N days, the zone in force over each, and for HQ the confirm button; thirty
//! to a page.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::i18n::{t, ta, Arg};
use crate::testing::no_epidemic::{self, Candidate};
use crate::web::html::{crumbs, csrf_field, field, minutes, notice, url_enc, Markup};
use crate::web::kit::CsrfForm;
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zones/candidates", get(page))
        .route("/zones/candidates/confirm", post(confirm))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Q {
    area: String,
    days: String,
    done: String,
    page: String,
}

/// Candidates per page: a city has thousands of communities, a phone shows thirty.
pub const PAGE: usize = 30;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    area: String,
    days: String,
    note: String,
}

async fn load(
    db: &Db,
    ctx: &Ctx,
    area: &str,
    days: &str,
) -> AppResult<(crate::registry::areas::Area, i64, Vec<Candidate>)> {
    let r = ctx.reader();
    let days = no_epidemic::days_of(days)?;
    let scope = r.registry_scope();
    let code = match area.trim() {
        "" => scope.roots.first().cloned().unwrap_or_default(),
        c => c.to_owned(),
    };
    let a = crate::registry::areas::scoped(db, &code, &scope).await?;
    let list = no_epidemic::candidates(db, r, &a, days, now_ms()).await?;
    Ok((a, days, list))
}

fn view(
    ctx: &Ctx,
    a: &crate::registry::areas::Area,
    days: i64,
    all: &[Candidate],
    page: usize,
    done: &str,
) -> Markup {
    let l = ctx.lang;
    let hq = ctx.reader().role == "hq";
    let pages = all.len().div_ceil(PAGE).max(1);
    let page = page.clamp(1, pages);
    let list = &all[(page - 1) * PAGE..(page * PAGE).min(all.len())];
    let href = |n: usize| {
        format!(
            "/zones/candidates?area={}&days={days}&page={n}",
            url_enc(&a.code)
        )
    };
    maud::html! {
        (crumbs(&[(t(l, "zone-title"), format!("/zones?area={}", url_enc(&a.code))), (t(l, "zone-candidates"), String::new())]))
        h1 { (t(l, "zone-candidates")) " · " (a.name) }
        @if done == "confirmed" { (notice(&t(l, "zone-done-confirmed"))) }
        form.filters method="get" action="/zones/candidates" {
            input type="hidden" name="area" value=(a.code);
            (field("days", &t(l, "zone-candidates-days"), &days.to_string(), None, "type=\"number\" min=\"1\" max=\"90\" inputmode=\"numeric\""))
            button { (t(l, "zone-show")) }
        }
        @if list.is_empty() {
            p.muted #candidates-none { (t(l, "zone-candidates-none")) }
        } @else {
            table.stack #candidates {
                thead { tr { th { (t(l, "zone-area")) } th { (t(l, "zone-last-positive")) } th { (t(l, "zone-state")) } } }
                tbody {
                    @for c in list {
                        tr {
                            td data-label=(t(l, "zone-area")) { a href={ "/zones?area=" (url_enc(&c.area.code)) } { (c.area.name) } }
                            td data-label=(t(l, "zone-last-positive")) {
                                @match c.last_positive_ms { Some(ms) => { (minutes(ms)) } None => { (t(l, "zone-never-positive")) } }
                            }
                            td data-label=(t(l, "zone-state")) { div {
                                @if let Some(z) = &c.zone {
                                    a class={ "tag zone-badge zone-" (z.kind.code()) } href={ "/zones/" (z.id) } { (z.kind.name(l)) }
                                }
                                @if let Some(at) = c.confirmed_ms {
                                    span.tag.ok { (ta(l, "zone-confirmed", &[("when", Arg::S(minutes(at)))])) }
                                } @else if hq && c.may_confirm() {
                                    form.inline-form method="post" action="/zones/candidates/confirm" {
                                        (csrf_field(&ctx.session.csrf))
                                        input type="hidden" name="area" value=(c.area.code);
                                        input type="hidden" name="days" value=(days);
                                        input type="text" name="note" maxlength="500" placeholder=(t(l, "zone-confirm-note")) aria-label=(t(l, "zone-confirm-note"));
                                        button data-confirm=(t(l, "zone-confirm-confirm")) { (t(l, "zone-confirm")) }
                                    }
                                } @else if c.confirmed_ms.is_none() && c.zone.is_some() {
                                    span.muted { (t(l, "zone-not-yet")) }
                                }
                            } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager #candidates-pager {
                    @if page > 1 {
                        a.btn.alt rel="prev" href=(href(page - 1)) { (t(l, "cp-prev-page")) }
                    }
                    span.muted { (ta(l, "cp-page-of", &[("n", Arg::N(page as i64)), ("of", Arg::N(pages as i64))])) }
                    @if page < pages {
                        a.btn.alt rel="next" href=(href(page + 1)) { (t(l, "cp-next-page")) }
                    }
                }
            }
        }
    }
    .into()
}

async fn page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Q>) -> Response {
    match load(&db, &ctx, &q.area, &q.days).await {
        Ok((a, days, list)) => {
            let title = format!("{} · {}", t(ctx.lang, "zone-candidates"), a.name);
            let page = q.page.trim().parse::<usize>().unwrap_or(1);
            ctx.page(&title, view(&ctx, &a, days, &list, page, q.done.trim()))
        }
        Err(e) => ctx.error(e),
    }
}

async fn confirm(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<ConfirmForm>) -> Response {
    let (ctx, db, f) = (&ctx, &db, &f);
    let result = async {
        let days = no_epidemic::days_of(&f.days)?;
        no_epidemic::confirm(
            db,
            &ctx.actor(),
            ctx.reader(),
            &f.area,
            days,
            &f.note,
            now_ms(),
        )
        .await?;
        Ok(days)
    }
    .await;
    match result {
        Ok(days) => axum::response::Redirect::to(&format!(
            "/zones/candidates?area={}&days={days}&done=confirmed",
            url_enc(&f.area)
        ))
        .into_response(),
        Err(e) => ctx.error(e),
    }
}
