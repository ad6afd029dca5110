//! The area browser: the reader's scope roots, and an area with its tallies and its children
//! (down to grids) or its households.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::areas_views::{self as views, AreaPage, Listing};
use super::views::area_href;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::registry::areas::{self, Area};
use crate::registry::model::*;
use crate::registry::residents;
use crate::web::pages::Ctx;

/// Breadcrumb items from the top of the reader's scope down to `a`.
pub(super) async fn crumb_items(db: &Db, ctx: &Ctx, a: &Area) -> AppResult<Vec<(String, String)>> {
    let scope = ctx.reader().registry_scope();
    let mut items: Vec<(String, String)> = vec![(ctx.t("nav-areas"), "/areas".into())];
    for x in areas::ancestors(db, a).await? {
        if scope.contains(&x.path) {
            items.push((x.name.clone(), area_href(&x.code)));
        }
    }
    items.push((a.name.clone(), area_href(&a.code)));
    Ok(items)
}

/// Breadcrumb items down to the area at `path`, then `last`.
pub(super) async fn crumbs_to(
    db: &Db,
    ctx: &Ctx,
    path: &str,
    last: (String, String),
) -> AppResult<Vec<(String, String)>> {
    let a = areas::by_path(db, path).await?.ok_or(AppError::NotFound)?;
    let mut items = crumb_items(db, ctx, &a).await?;
    items.push(last);
    Ok(items)
}

/// The areas the reader's scope starts at. One root goes straight to it.
pub(super) async fn scope_roots(State(db): State<Db>, ctx: Ctx) -> Response {
    let l = ctx.lang;
    // Volunteers, collectors, labs and auditors do not read the registry: their work is on
    // their first page, not an empty area browser saying they have no area.
    if !ctx.reader().can_read_registry() {
        return Redirect::to("/").into_response();
    }
    let roots = ctx.reader().registry_scope().roots;
    if roots.len() == 1 {
        if let Ok(Some(a)) = areas::by_path(&db, &roots[0]).await {
            return Redirect::to(&area_href(&a.code)).into_response();
        }
    }
    let mut rows = Vec::new();
    for p in &roots {
        let Ok(Some(a)) = areas::by_path(&db, p).await else {
            continue;
        };
        match areas::subtree_counts(&db, &a.path).await {
            Ok(c) => rows.push((a, c)),
            Err(e) => return ctx.error(e),
        }
    }
    ctx.page(
        &t(l, "areas-title"),
        views::roots(l, roots.is_empty(), &rows),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AreaQuery {
    /// The cursor: a household id, or the code of the last child shown.
    after: String,
    /// `households`: list the households of the whole subtree.
    view: String,
    /// Keep the households whose address contains this.
    address: String,
    /// The page of households in walking order (1-based).
    page: String,
}

/// An area: breadcrumbs, tallies, then its children (down to grids) or its households.
pub(super) async fn area_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let a = match areas::scoped(&db, &code, &r.registry_scope()).await {
        Ok(a) => a,
        Err(e) => return ctx.error(e),
    };
    let after = Some(q.after.as_str()).filter(|s| !s.is_empty());
    let run = async {
        let crumbs = crumb_items(&db, &ctx, &a).await?;
        let counts = areas::subtree_counts(&db, &a.path).await?;
        // Grids and buildings list their households; above them, the children come first and
        // the households of the whole subtree are one click away.
        let listing = if a.level >= LEVEL_GRID || q.view == "households" {
            let address = q.address.trim().to_owned();
            // Walking order (by address) for a community and below, paged by number; above,
            // the tree's order (sorting a whole street's households is not worth it).
            if a.level >= LEVEL_COMMUNITY || !address.is_empty() {
                // These lists page by number: a cursor (an old link, or a probe) is refused.
                if after.is_some() {
                    return Err(AppError::BadRequest(crate::i18n::Msg::new(
                        "the page cursor is no longer valid; start from the first page",
                        "翻页位置已失效，请从第一页开始",
                    )));
                }
                let n = q.page.parse().unwrap_or(1);
                let page = residents::households_walking(&db, &a, &address, n, 50).await?;
                Listing::Walking { page, address }
            } else {
                let after_id = match after {
                    Some(s) => Some(s.parse::<i64>().map_err(|_| AppError::NotFound)?),
                    None => None,
                };
                let page = residents::households_under(&db, &a, after_id, 50).await?;
                Listing::Households { page, address }
            }
        } else {
            let mut kids = areas::children(&db, &a, after, 101).await?;
            let more = kids.len() > 100;
            kids.truncate(100);
            let next = if more {
                kids.last().map(|c| c.area.code.clone())
            } else {
                None
            };
            Listing::Children { kids, next }
        };
        let part = super::parts::area_sections(&db, &ctx, &a).await?;
        let (paths, ids): (Vec<String>, Vec<i64>) = match &listing {
            Listing::Children { kids, .. } => {
                (kids.iter().map(|k| k.area.path.clone()).collect(), vec![])
            }
            Listing::Walking { page, .. } => (vec![], page.items.iter().map(|h| h.id).collect()),
            Listing::Households { page, .. } => (vec![], page.items.iter().map(|h| h.id).collect()),
        };
        let badges = super::parts::area_badges(&db, &ctx, &paths, &ids).await?;
        Ok::<_, AppError>(AreaPage {
            area: &a,
            crumbs,
            counts,
            can_add_household: r.can_write_registry() && a.level >= LEVEL_COMMUNITY,
            view: &q.view,
            listing,
            part,
            badges,
        })
    };
    match run.await {
        Ok(p) => ctx.page(&a.name, views::area(l, &p)),
        Err(e) => ctx.error(e),
    }
}
