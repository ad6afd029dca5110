//! Parts of the registry's pages that other capabilities draw: the needs' section on a
//! household's page, the visit button and the test results on a resident's page.
//!
//! The registry sits below those capabilities and may not call them, so it declares these
//! small interfaces; each capability implements its part, and the application installs them
//! once at start (`server::install_page_parts`). Without them the pages show the registry's own
//! content only.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use crate::db::Db;
use crate::error::AppResult;
use crate::i18n::{t, Lang};
use crate::registry::residents::ResidentView;
use crate::web::html::{csrf_field, Markup};
use crate::web::pages::Ctx;

/// A part's markup, drawn while the page is built (it may read its capability's tables).
pub type Drawn<'a> = Pin<Box<dyn Future<Output = AppResult<Markup>> + Send + 'a>>;

/// Tap to call, for any list where people must be called (missing people, follow-ups, …):
/// a button showing the masked number. One tap reveals that phone alone (audited, no reason
/// asked) and, with the page's script, turns into a `tel:` link in place and dials; without
/// the script it opens a small page with the link. `back` is where that page returns to.
pub fn call_button(l: Lang, csrf: &str, resident: i64, masked_phone: &str, back: &str) -> Markup {
    maud::html! {
        form.inline.call method="post" action={ "/residents/" (resident) "/call" } data-call {
            (csrf_field(csrf))
            input type="hidden" name="back" value=(back);
            button.alt.call type="submit" {
                (t(l, "call-phone")) " " span.masked { (masked_phone) }
            }
        }
    }
    .into()
}

/// The form behind a call button: where the no-script page links back to.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CallForm {
    pub back: String,
}

/// Whether the request asks for JSON (the page's script does, for a call button).
pub fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// The answer to a call button, whoever's number it is: `{"phone": …}` for the page's script,
/// which turns the button into a `tel:` link in place; without the script, a small page titled
/// `title` with that link and a way back to `back`. A refusal is a JSON error or an error page.
pub fn call_answer(
    ctx: &Ctx,
    json: bool,
    phone: AppResult<String>,
    title: &str,
    back: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let phone = match phone {
        Ok(p) => p,
        Err(e) if json => return crate::web::ApiError(e, ctx.lang).into_response(),
        Err(e) => return ctx.error(e),
    };
    if json {
        return axum::Json(serde_json::json!({ "phone": phone })).into_response();
    }
    let back = crate::web::pages::safe_next(Some(back));
    let body = maud::html! {
        h1 { (title) }
        p { a.btn.big #phone-number href={ "tel:" (phone) } { (phone) } }
        p.muted { (ctx.t("call-tap")) }
        p { a.btn.alt href=(back) { (ctx.t("call-back")) } }
    };
    ctx.page(title, body.into())
}

/// A section of a household's page, after the registry's own.
pub trait HouseholdPart: Send + Sync + 'static {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, household: i64) -> Drawn<'a>;
}

/// A capability's part of a resident's page: buttons beside the registry's own, and a
/// section after them.
pub trait ResidentPart: Send + Sync + 'static {
    fn actions(&self, _ctx: &Ctx, _resident: &ResidentView) -> Markup {
        Markup::default()
    }
    fn section<'a>(&'a self, _db: &'a Db, _ctx: &'a Ctx, _resident: &'a ResidentView) -> Drawn<'a> {
        Box::pin(async { Ok(Markup::default()) })
    }
}

/// Badges for the rows an area page lists: child areas by path, households by id.
pub type AreaBadges = (
    std::collections::HashMap<String, Markup>,
    std::collections::HashMap<i64, Markup>,
);

/// A capability's part of an area's page: a section after the tallies, and a badge beside
/// each child area or household listed (e.g. the zone in force).
pub trait AreaPart: Send + Sync + 'static {
    fn section<'a>(
        &'a self,
        db: &'a Db,
        ctx: &'a Ctx,
        area: &'a crate::registry::areas::Area,
    ) -> Drawn<'a>;
    fn badges<'a>(
        &'a self,
        db: &'a Db,
        ctx: &'a Ctx,
        children: &'a [String],
        households: &'a [i64],
    ) -> Pin<Box<dyn Future<Output = AppResult<AreaBadges>> + Send + 'a>>;
}

/// The parts installed, in the order they show.
#[derive(Default)]
pub struct Parts {
    pub household: Vec<Box<dyn HouseholdPart>>,
    pub resident: Vec<Box<dyn ResidentPart>>,
    pub area: Vec<Box<dyn AreaPart>>,
}

static PARTS: OnceLock<Parts> = OnceLock::new();

/// Install the parts (once per process; later calls are ignored).
pub fn install(parts: impl FnOnce() -> Parts) {
    PARTS.get_or_init(parts);
}

fn parts() -> &'static Parts {
    static NONE: OnceLock<Parts> = OnceLock::new();
    PARTS
        .get()
        .unwrap_or_else(|| NONE.get_or_init(Parts::default))
}

pub(super) async fn household_sections(db: &Db, ctx: &Ctx, household: i64) -> AppResult<Markup> {
    let mut m = Markup::default();
    for p in &parts().household {
        m.push(p.section(db, ctx, household).await?);
    }
    Ok(m)
}

pub(super) fn resident_actions(ctx: &Ctx, v: &ResidentView) -> Markup {
    let mut m = Markup::default();
    for p in &parts().resident {
        m.push(p.actions(ctx, v));
    }
    m
}

pub(super) async fn resident_sections(db: &Db, ctx: &Ctx, v: &ResidentView) -> AppResult<Markup> {
    let mut m = Markup::default();
    for p in &parts().resident {
        m.push(p.section(db, ctx, v).await?);
    }
    Ok(m)
}

pub(super) async fn area_sections(
    db: &Db,
    ctx: &Ctx,
    area: &crate::registry::areas::Area,
) -> AppResult<Markup> {
    let mut m = Markup::default();
    for p in &parts().area {
        m.push(p.section(db, ctx, area).await?);
    }
    Ok(m)
}

pub(super) async fn area_badges(
    db: &Db,
    ctx: &Ctx,
    children: &[String],
    households: &[i64],
) -> AppResult<AreaBadges> {
    let mut out = AreaBadges::default();
    for p in &parts().area {
        let (a, h) = p.badges(db, ctx, children, households).await?;
        for (k, v) in a {
            out.0.entry(k).or_default().push(v);
        }
        for (k, v) in h {
            out.1.entry(k).or_default().push(v);
        }
    }
    Ok(out)
}
