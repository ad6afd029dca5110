//! Pages of the registry: the area browser (breadcrumbs, tallies, children), the households of
//! a grid, a household with its members, a resident (masked, with "break the glass"), forms to
//! register and correct households and residents, and search within the reader's scope.

pub mod exchange;

use crate::html;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;

use crate::db::Db;
use crate::error::{AppError, FieldError};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::{self, Area, Counts};
use crate::registry::edit;
use crate::registry::model::*;
use crate::registry::residents::{self, ResidentInput, ResidentView};
use crate::web::html::{crumbs, csrf_field, error_box, field, select, url_enc, Markup};
use crate::web::pages::{next_link, Ctx};
use crate::web::AppState;

type Pairs = Form<Vec<(String, String)>>;

fn first<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn all<'a>(f: &'a [(String, String)], k: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn term(l: Lang, terms: &[Term], code: &str) -> String {
    terms
        .iter()
        .find(|t| t.code == code)
        .map(|t| if l == Lang::Zh { t.zh } else { t.en })
        .unwrap_or(code)
        .to_owned()
}

fn options(l: Lang, terms: &[Term]) -> Vec<(String, String)> {
    terms
        .iter()
        .map(|t| {
            (
                t.code.to_owned(),
                (if l == Lang::Zh { t.zh } else { t.en }).to_owned(),
            )
        })
        .collect()
}

fn area_href(code: &str) -> String {
    format!("/areas/{}", url_enc(code))
}

fn sex_text(l: Lang, sex: i64) -> String {
    match sex {
        1 => t(l, "sex-male"),
        2 => t(l, "sex-female"),
        _ => "—".into(),
    }
}

fn count_cards(l: Lang, c: &Counts) -> Markup {
    let mut m = Markup("<div class=\"cards\" id=\"counts\">".into());
    for (id, n) in [
        ("count-households", c.households),
        ("count-residents", c.residents),
        ("count-aged60", c.aged60),
        ("count-vulnerable", c.vulnerable),
        ("count-party", c.party_members),
    ] {
        m.push(html!(
            "<div class=\"card\" data-count=\"{}\"><b>{}</b><span>{}</span></div>",
            id,
            n,
            t(l, id)
        ));
    }
    m.0.push_str("</div>");
    m
}

/// Breadcrumb items from the top of the reader's scope down to `a`.
async fn crumb_items(db: &Db, ctx: &Ctx, a: &Area) -> Result<Vec<(String, String)>, AppError> {
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

async fn area_crumbs(db: &Db, ctx: &Ctx, a: &Area) -> Result<Markup, AppError> {
    Ok(crumbs(&crumb_items(db, ctx, a).await?))
}

/// The areas the reader's scope starts at. One root goes straight to it.
async fn scope_roots(State(db): State<Db>, ctx: Ctx) -> Response {
    let l = ctx.lang;
    let roots = ctx.reader().registry_scope().roots;
    if roots.len() == 1 {
        if let Ok(Some(a)) = areas::by_path(&db, &roots[0]).await {
            return Redirect::to(&area_href(&a.code)).into_response();
        }
    }
    let mut body = html!("<h1>{}</h1>", t(l, "areas-title"));
    if roots.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "areas-none")));
    }
    body.push(html!(
        "<table><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        t(l, "col-area"),
        t(l, "count-households"),
        t(l, "count-residents")
    ));
    for p in roots {
        let Ok(Some(a)) = areas::by_path(&db, &p).await else {
            continue;
        };
        let c = match areas::subtree_counts(&db, &a.path).await {
            Ok(c) => c,
            Err(e) => return ctx.error(e),
        };
        body.push(html!(
            "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            area_href(&a.code),
            a.name,
            c.households,
            c.residents
        ));
    }
    body.0.push_str("</table>");
    ctx.page(&t(l, "areas-title"), body)
}

/// An area: breadcrumbs, tallies, then its children (down to grids) or its households.
async fn area_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let a = match areas::scoped(&db, &code, &r.registry_scope()).await {
        Ok(a) => a,
        Err(e) => return ctx.error(e),
    };
    let after = q.get("after").map(String::as_str).filter(|s| !s.is_empty());
    let view = q.get("view").map(String::as_str).unwrap_or("");
    let run = async {
        let mut body = area_crumbs(&db, &ctx, &a).await?;
        body.push(html!(
            "<h1>{} <span class=\"muted\">{}</span></h1>",
            a.name,
            term(l, LEVELS, level_code(a.level))
        ));
        body.push(count_cards(l, &areas::subtree_counts(&db, &a.path).await?));
        let mut actions = Markup::default();
        if r.can_write_registry() && a.level >= LEVEL_COMMUNITY {
            actions.push(html!(
                "<a class=\"btn\" href=\"/households/new?area={}\">{}</a>",
                url_enc(&a.code),
                t(l, "household-new")
            ));
        }
        actions.push(html!(
            "<a class=\"btn alt\" href=\"/export?area={}&amp;format=xlsx\">{}</a><a class=\"btn alt\" href=\"/export?area={}&amp;format=csv\">{}</a>",
            url_enc(&a.code),
            t(l, "export-xlsx"),
            url_enc(&a.code),
            t(l, "export-csv")
        ));
        body.push(html!("<div class=\"actions\">{}</div>", actions));
        // Grids and buildings list their households; above them, the children come first and
        // the households of the whole subtree are one click away.
        let show_households = a.level >= LEVEL_GRID || view == "households";
        if show_households {
            let after_id = match after {
                Some(s) => Some(s.parse::<i64>().map_err(|_| AppError::NotFound)?),
                None => None,
            };
            let page = residents::households_under(&db, &a, after_id, 50).await?;
            body.push(html!(
                "<h2>{}</h2><table class=\"wide\" id=\"households\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"n\">{}</th></tr>",
                t(l, "households-title"),
                t(l, "col-address"),
                t(l, "col-head"),
                t(l, "col-kind"),
                t(l, "col-members")
            ));
            for h in &page.items {
                body.push(html!(
                    "<tr><td><a href=\"/households/{}\">{}</a></td><td class=\"nowrap\">{}</td><td class=\"opt\">{}</td><td class=\"n\">{}</td></tr>",
                    h.id,
                    h.address,
                    h.head_name.clone().unwrap_or_else(|| "—".into()),
                    term(l, HOUSEHOLD_KINDS, &h.kind),
                    h.members
                ));
            }
            body.0.push_str("</table>");
            if page.items.is_empty() {
                body.push(html!("<p class=\"muted\">{}</p>", t(l, "households-none")));
            }
            body.push(next_link(
                l,
                &area_href(&a.code),
                &[("view", view)],
                page.next.as_deref(),
            ));
        } else {
            let mut kids = areas::children(&db, &a, after, 101).await?;
            let more = kids.len() > 100;
            kids.truncate(100);
            body.push(html!(
                "<h2>{}</h2><table class=\"wide\" id=\"children\"><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n opt\">{}</th><th class=\"n opt\">{}</th></tr>",
                t(l, "children-title"),
                t(l, "col-area"),
                t(l, "count-households"),
                t(l, "count-residents"),
                t(l, "count-aged60"),
                t(l, "count-vulnerable")
            ));
            for c in &kids {
                body.push(html!(
                    "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n opt\">{}</td><td class=\"n opt\">{}</td></tr>",
                    area_href(&c.area.code),
                    c.area.name,
                    c.counts.households,
                    c.counts.residents,
                    c.counts.aged60,
                    c.counts.vulnerable
                ));
            }
            body.0.push_str("</table>");
            let next = if more {
                kids.last().map(|c| c.area.code.clone())
            } else {
                None
            };
            body.push(next_link(l, &area_href(&a.code), &[], next.as_deref()));
            if a.level >= LEVEL_COMMUNITY {
                body.push(html!(
                    "<p><a href=\"{}?view=households\">{}</a></p>",
                    area_href(&a.code),
                    t(l, "households-all")
                ));
            }
        }
        Ok::<Markup, AppError>(body)
    };
    match run.await {
        Ok(body) => ctx.page(&a.name, body),
        Err(e) => ctx.error(e),
    }
}

fn member_rows(l: Lang, members: &[ResidentView]) -> Markup {
    let mut m = html!(
        "<table class=\"wide\" id=\"members\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"opt\">{}</th></tr>",
        t(l, "col-name"),
        t(l, "col-doc"),
        t(l, "col-sex"),
        t(l, "col-age"),
        t(l, "col-relation"),
        t(l, "col-tags")
    );
    for r in members {
        let tags: Markup = Markup(
            r.tags
                .iter()
                .map(|c| html!("<span class=\"tag\">{}</span>", term(l, TAGS, c)).0)
                .collect(),
        );
        m.push(html!(
            "<tr><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td class=\"masked\">{}</td><td class=\"opt\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"opt\">{}</td></tr>",
            r.id,
            r.name,
            r.doc_number_masked,
            sex_text(l, r.sex),
            r.age.map(|a| a.to_string()).unwrap_or_default(),
            term(l, RELATIONS, &r.relation),
            tags
        ));
    }
    m.0.push_str("</table>");
    m
}

async fn household_crumbs(
    db: &Db,
    ctx: &Ctx,
    path: &str,
    last: (String, String),
) -> Result<Markup, AppError> {
    let a = areas::by_path(db, path).await?.ok_or(AppError::NotFound)?;
    let mut items = crumb_items(db, ctx, &a).await?;
    items.push(last);
    Ok(crumbs(&items))
}

async fn household_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    household_view(&db, &ctx, &id, None).await
}

/// What a refused merge or removal shows again on the household page: the number typed in,
/// the errors by field and the errors at the top of the form.
struct HouseholdActionErrors {
    into: String,
    by_field: HashMap<String, String>,
    top: Vec<String>,
}

/// The household page; `failed` holds a refused merge or removal (then the answer is 422).
async fn household_view(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    failed: Option<HouseholdActionErrors>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let d = residents::household(db, &r.registry_scope(), id).await?;
        let h = &d.household;
        let mut body =
            household_crumbs(db, ctx, &h.area_path, (h.address.clone(), String::new())).await?;
        body.push(html!(
            "<h1>{}</h1><dl class=\"kv\"><dt>{}</dt><dd id=\"household-number\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            h.address,
            t(l, "household-number"),
            h.id,
            t(l, "col-kind"),
            term(l, HOUSEHOLD_KINDS, &h.kind),
            t(l, "col-head"),
            h.head_name.clone().unwrap_or_else(|| "—".into()),
            t(l, "col-members"),
            h.members
        ));
        if r.can_write_registry() {
            body.push(html!(
                "<div class=\"actions\"><a class=\"btn\" href=\"/households/{}/residents/new\">{}</a><a class=\"btn alt\" href=\"/households/{}/edit\">{}</a></div>",
                h.id,
                t(l, "resident-new"),
                h.id,
                t(l, "household-edit")
            ));
        }
        body.push(html!("<h2>{}</h2>", t(l, "members-title")));
        body.push(member_rows(l, &d.residents));
        body.push(crate::needs::pages::household_section(db, ctx, h.id).await?);
        if r.can_write_registry() {
            body.push(household_actions(ctx, h.id, h.members, failed.as_ref()));
        }
        Ok::<(String, Markup), AppError>((h.address.clone(), body))
    };
    match run.await {
        Ok((title, body)) => {
            let mut resp = ctx.page(&title, body);
            if failed.is_some() {
                *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            }
            resp
        }
        Err(e) => ctx.error(e),
    }
}

/// For writers: merge this household into another, or remove it when it has no members.
fn household_actions(
    ctx: &Ctx,
    id: i64,
    members: i64,
    failed: Option<&HouseholdActionErrors>,
) -> Markup {
    let l = ctx.lang;
    let (into, by_field, top) = match failed {
        Some(f) => (f.into.as_str(), Some(&f.by_field), f.top.as_slice()),
        None => ("", None, &[][..]),
    };
    let mut m = html!(
        "<h2>{}</h2>{}<form method=\"post\" action=\"/households/{}/merge\" class=\"box\" id=\"merge-form\" novalidate><p class=\"muted\">{}</p>{}{}<button class=\"warn\" data-confirm=\"{}\">{}</button></form>",
        t(l, "household-merge-title"),
        error_box(l, top),
        id,
        t(l, "household-merge-hint"),
        csrf_field(&ctx.session.csrf),
        field(
            "into",
            &t(l, "household-merge-into"),
            into,
            by_field.and_then(|e| e.get("into")).map(String::as_str),
            "required inputmode=\"numeric\" autocomplete=\"off\""
        ),
        t(l, "household-merge-confirm"),
        t(l, "household-merge-submit")
    );
    if members == 0 {
        m.push(html!(
            "<h2>{}</h2><form method=\"post\" action=\"/households/{}/remove\" class=\"box\" id=\"remove-form\"><p class=\"muted\">{}</p>{}<button class=\"warn\" data-confirm=\"{}\">{}</button></form>",
            t(l, "household-remove-title"),
            id,
            t(l, "household-remove-hint"),
            csrf_field(&ctx.session.csrf),
            t(l, "household-remove-confirm"),
            t(l, "household-remove-submit")
        ));
    }
    m
}

/// The errors of a refused merge or removal, to show on the household page.
fn action_errors(l: Lang, into: &str, e: &AppError) -> HouseholdActionErrors {
    let (by_field, top) = errors_by_field(l, e);
    HouseholdActionErrors {
        into: into.to_owned(),
        by_field,
        top,
    }
}

async fn merge_household_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    let n = match submitted_id(&ctx, &f, &id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let typed = first(&f, "into").trim();
    let field_error = |id: &str| {
        AppError::Invalid(vec![FieldError::new(
            "into",
            t(Lang::En, id),
            t(Lang::Zh, id),
        )])
    };
    let r = match typed.parse::<i64>() {
        Ok(into) => edit::merge_households(&db, &ctx.actor(), ctx.reader(), n, into)
            .await
            .map(|()| into),
        Err(_) => Err(field_error("household-merge-not-number")),
    };
    let e = match r {
        Ok(into) => return Redirect::to(&format!("/households/{into}")).into_response(),
        Err(e) => e,
    };
    let e = match e {
        // This household is within scope (else its page is not found either): the number
        // typed in is what was not found.
        AppError::NotFound
            if residents::household(&db, &ctx.reader().registry_scope(), n)
                .await
                .is_ok() =>
        {
            field_error("household-merge-unknown")
        }
        e => e,
    };
    match e {
        AppError::Invalid(_) | AppError::Conflict(_) => {
            let failed = action_errors(ctx.lang, typed, &e);
            household_view(&db, &ctx, &id, Some(failed)).await
        }
        e => ctx.error(e),
    }
}

async fn remove_household_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    let n = match submitted_id(&ctx, &f, &id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    // Where to go afterwards: the area the household hangs off.
    let area = match residents::household(&db, &ctx.reader().registry_scope(), n).await {
        Ok(d) => areas::by_id(&db, d.household.area_id).await,
        Err(e) => return ctx.error(e),
    };
    let area = match area {
        Ok(Some(a)) => a,
        Ok(None) => return ctx.error(AppError::NotFound),
        Err(e) => return ctx.error(e),
    };
    match edit::remove_household(&db, &ctx.actor(), ctx.reader(), n).await {
        Ok(()) => Redirect::to(&area_href(&area.code)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let failed = action_errors(ctx.lang, "", &e);
            household_view(&db, &ctx, &id, Some(failed)).await
        }
        Err(e) => ctx.error(e),
    }
}

/// The resident page; `revealed` holds the full values after a reveal.
async fn resident_view(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    revealed: Option<edit::Revealed>,
    errors: Vec<String>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let v = residents::resident(db, &r.registry_scope(), id).await?;
        let mut body =
            household_crumbs(db, ctx, &v.area_path, (v.name.clone(), String::new())).await?;
        let (doc, phone, birth) = match &revealed {
            Some(x) => (
                html!("<span id=\"doc-full\">{}</span>", x.doc_number),
                x.phone.clone().unwrap_or_else(|| "—".into()),
                x.birth_date.clone().unwrap_or_else(|| "—".into()),
            ),
            None => (
                html!(
                    "<span class=\"masked\" id=\"doc-masked\">{}</span>",
                    v.doc_number_masked
                ),
                v.phone_masked.clone().unwrap_or_else(|| "—".into()),
                ta(
                    l,
                    "age-years",
                    &[("age", Arg::N(v.age.unwrap_or_default()))],
                ),
            ),
        };
        let tags: Vec<String> = v.tags.iter().map(|c| term(l, TAGS, c)).collect();
        let cats: Vec<String> = v
            .party_categories
            .iter()
            .map(|c| term(l, PARTY_CATEGORIES, c))
            .collect();
        body.push(html!(
            "<h1>{}</h1><dl class=\"kv\" id=\"resident\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
             <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            v.name,
            term(l, DOC_TYPES, &v.doc_type),
            doc,
            t(l, "col-sex"),
            sex_text(l, v.sex),
            if revealed.is_some() { t(l, "col-birth-date") } else { t(l, "col-age") },
            birth,
            t(l, "col-phone"),
            phone,
            t(l, "col-relation"),
            term(l, RELATIONS, &v.relation),
            t(l, "col-tags"),
            if tags.is_empty() { "—".to_owned() } else { tags.join("、") },
            t(l, "col-health-note"),
            v.health_note.clone().unwrap_or_else(|| "—".into()),
            t(l, "col-party"),
            term(l, PARTY, v.party),
            t(l, "col-party-categories"),
            if cats.is_empty() { "—".to_owned() } else { cats.join("、") }
        ));
        let mut actions = html!(
            "<a class=\"btn alt\" href=\"/households/{}\">{}</a>",
            v.household_id,
            t(l, "household-open")
        );
        if r.can_write_registry() {
            actions.push(html!(
                "<a class=\"btn\" id=\"edit-resident\" href=\"/residents/{}/edit\">{}</a>",
                v.id,
                t(l, "resident-edit")
            ));
        }
        if crate::mobilization::can_visit(r) {
            actions.push(html!(
                "<a class=\"btn alt\" id=\"record-visit\" href=\"/visits/new?resident={}\">{}</a>",
                v.id,
                t(l, "visit-record")
            ));
        }
        body.push(html!("<div class=\"actions\">{}</div>", actions));
        body.push(test_results(db, l, &r.registry_scope(), v.id).await?);
        if let Some(x) = &revealed {
            body.push(html!(
                "<p class=\"notice\" role=\"status\">{}</p>",
                ta(l, "reveal-done", &[("seq", Arg::N(x.audit_seq))])
            ));
        } else if r.can_reveal() {
            body.push(html!(
                "<h2>{}</h2>{}<form method=\"post\" action=\"/residents/{}/reveal\" class=\"box\" id=\"reveal-form\">{}{}<button>{}</button></form>",
                t(l, "reveal-title"),
                error_box(l, &errors),
                v.id,
                csrf_field(&ctx.session.csrf),
                field("reason", &t(l, "field-reason"), "", None, "required minlength=\"4\" maxlength=\"200\""),
                t(l, "reveal-submit")
            ));
        }
        Ok::<(String, Markup), AppError>((v.name.clone(), body))
    };
    match run.await {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

/// The resident's latest test results and personal code (what a collector scans).
async fn test_results(
    db: &Db,
    l: Lang,
    scope: &crate::access::Scope,
    id: i64,
) -> Result<Markup, AppError> {
    use crate::testing::{self, results};
    let list = results::latest(db, scope, id, 5).await?;
    let code = testing::resident_code(&testing::qr_secret(db).await?, id);
    let mut m = html!(
        "<h2>{}</h2><p class=\"muted\">{} <code id=\"personal-code\">{}</code></p>",
        t(l, "resident-tests"),
        t(l, "resident-code"),
        code
    );
    if list.is_empty() {
        m.push(html!(
            "<p class=\"muted\" id=\"no-tests\">{}</p>",
            t(l, "resident-no-tests")
        ));
        return Ok(m);
    }
    m.push(html!(
        "<table id=\"tests\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th></tr>",
        t(l, "resident-test-round"),
        t(l, "field-status"),
        t(l, "resident-test-sampled")
    ));
    for x in &list {
        m.push(html!(
            "<tr><td><a href=\"/testing/rounds/{}\">{}</a></td><td>{}</td><td class=\"opt nowrap\">{}<span class=\"sub mono\">{}</span></td></tr>",
            x.round_id,
            x.round_name,
            testing::pages::person_status_tag(l, &x.status),
            crate::web::html::datetime(x.first_ms)[..16].to_owned(),
            x.barcode
        ));
    }
    m.0.push_str("</table>");
    Ok(m)
}

async fn resident_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    resident_view(&db, &ctx, &id, None, vec![]).await
}

async fn reveal(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match edit::reveal(&db, &ctx.actor(), ctx.reader(), n, first(&f, "reason")).await {
        Ok(x) => resident_view(&db, &ctx, &id, Some(x), vec![]).await,
        Err(AppError::Invalid(errs)) => {
            let msgs = errs
                .iter()
                .map(|e| e.message.get(ctx.lang).to_owned())
                .collect();
            resident_view(&db, &ctx, &id, None, msgs).await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- Forms ----

fn errors_by_field(l: Lang, e: &AppError) -> (HashMap<String, String>, Vec<String>) {
    match e {
        AppError::Invalid(errs) => (
            errs.iter()
                .map(|x: &FieldError| (x.field.to_owned(), x.message.get(l).to_owned()))
                .collect(),
            errs.iter().map(|x| x.render(l)).collect(),
        ),
        other => (HashMap::new(), vec![other.message(l)]),
    }
}

fn household_form(
    ctx: &Ctx,
    action: &str,
    title: &str,
    f: &[(String, String)],
    e: &HashMap<String, String>,
    top: &[String],
) -> Response {
    let l = ctx.lang;
    let kind = if first(f, "kind").is_empty() {
        "home"
    } else {
        first(f, "kind")
    };
    let body = html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"{}\" class=\"box\" novalidate>{}{}{}<button>{}</button></form>",
        title,
        error_box(l, top),
        action,
        csrf_field(&ctx.session.csrf),
        field("address", &t(l, "col-address"), first(f, "address"), e.get("address").map(String::as_str), "required maxlength=\"200\""),
        select("kind", &t(l, "col-kind"), &options(l, HOUSEHOLD_KINDS), kind, e.get("kind").map(String::as_str)),
        t(l, "save")
    );
    let mut resp = ctx.page(title, body);
    if !top.is_empty() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// The forms are for roles that write the registry; others get 403 before any form.
pub(super) fn writers_only(ctx: &Ctx) -> Result<(), Response> {
    if ctx.reader().can_write_registry() {
        Ok(())
    } else {
        Err(ctx.error(edit::forbidden()))
    }
}

async fn new_household_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    let area = q.get("area").cloned().unwrap_or_default();
    if let Err(e) = areas::scoped(&db, &area, &ctx.reader().registry_scope()).await {
        return ctx.error(e);
    }
    show_form(
        &ctx,
        (
            FormKind::Household,
            format!("/households/new?area={}", url_enc(&area)),
            "household-new",
        ),
        &[],
        &HashMap::new(),
        &[],
    )
}

/// Which form a submission came from, to show it again with its errors.
#[derive(Clone, Copy)]
enum FormKind {
    Household,
    Resident,
}

/// The answer to a registry form: on success to `done`, on bad input or a conflict the same
/// form again with every error, otherwise an error page.
fn form_answer<T>(
    ctx: &Ctx,
    r: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
    form: (FormKind, String, &str),
    f: &[(String, String)],
) -> Response {
    match r {
        Ok(v) => Redirect::to(&done(v)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (by, top) = errors_by_field(ctx.lang, &e);
            show_form(ctx, form, f, &by, &top)
        }
        Err(e) => ctx.error(e),
    }
}

/// A registry form, blank or with the values and errors of a submission.
fn show_form(
    ctx: &Ctx,
    (kind, action, title): (FormKind, String, &str),
    f: &[(String, String)],
    by_field: &HashMap<String, String>,
    top: &[String],
) -> Response {
    let title = ctx.t(title);
    match kind {
        FormKind::Household => household_form(ctx, &action, &title, f, by_field, top),
        FormKind::Resident => resident_form(ctx, &action, &title, f, by_field, top),
    }
}

/// A form submission's CSRF token and record id, checked.
fn submitted_id(ctx: &Ctx, f: &[(String, String)], id: &str) -> Result<i64, Response> {
    ctx.check_csrf(first(f, "csrf"))?;
    id.parse::<i64>().map_err(|_| ctx.error(AppError::NotFound))
}

async fn new_household_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
    Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let area = q.get("area").cloned().unwrap_or_default();
    let (address, kind) = (first(&f, "address"), Some(first(&f, "kind")));
    let r = edit::create_household(&db, &ctx.actor(), ctx.reader(), &area, address, kind).await;
    let action = format!("/households/new?area={}", url_enc(&area));
    let form = (FormKind::Household, action, "household-new");
    form_answer(&ctx, r, |id| format!("/households/{id}"), form, &f)
}

async fn edit_household_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match residents::household(&db, &ctx.reader().registry_scope(), n).await {
        Ok(d) => {
            let f = vec![
                ("address".to_owned(), d.household.address.clone()),
                ("kind".to_owned(), d.household.kind.clone()),
            ];
            show_form(
                &ctx,
                (
                    FormKind::Household,
                    format!("/households/{n}/edit"),
                    "household-edit",
                ),
                &f,
                &HashMap::new(),
                &[],
            )
        }
        Err(e) => ctx.error(e),
    }
}

async fn edit_household_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    let n = match submitted_id(&ctx, &f, &id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let (address, kind) = (first(&f, "address"), Some(first(&f, "kind")));
    let r = edit::update_household(&db, &ctx.actor(), ctx.reader(), n, address, kind).await;
    let form = (
        FormKind::Household,
        format!("/households/{n}/edit"),
        "household-edit",
    );
    form_answer(&ctx, r, |()| format!("/households/{n}"), form, &f)
}

fn checkboxes(
    name: &str,
    label: &str,
    l: Lang,
    terms: &[Term],
    checked: &[&str],
    err: Option<&str>,
) -> Markup {
    let options: Vec<(String, String)> = terms
        .iter()
        .map(|t| {
            (
                t.code.to_owned(),
                (if l == Lang::Zh { t.zh } else { t.en }).to_owned(),
            )
        })
        .collect();
    crate::web::html::checkboxes(name, label, &options, checked, err)
}

fn resident_form(
    ctx: &Ctx,
    action: &str,
    title: &str,
    f: &[(String, String)],
    e: &HashMap<String, String>,
    top: &[String],
) -> Response {
    let l = ctx.lang;
    let er = |k: &str| e.get(k).map(String::as_str);
    let or = |k: &str, d: &'static str| -> String {
        let v = first(f, k);
        if v.is_empty() {
            d.to_owned()
        } else {
            v.to_owned()
        }
    };
    let sexes = vec![
        (String::new(), t(l, "sex-from-id")),
        ("1".to_owned(), t(l, "sex-male")),
        ("2".to_owned(), t(l, "sex-female")),
    ];
    let sex = match first(f, "sex") {
        "男" | "M" | "m" | "1" => "1",
        "女" | "F" | "f" | "2" => "2",
        _ => "",
    };
    let body = html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"{}\" class=\"box\" id=\"resident-form\" novalidate>{}{}{}{}{}{}{}{}{}{}{}{}<button id=\"resident-save\">{}</button></form>",
        title,
        error_box(l, top),
        action,
        csrf_field(&ctx.session.csrf),
        field("name", &t(l, "col-name"), first(f, "name"), er("name"), "required maxlength=\"50\""),
        select("doc_type", &t(l, "col-doc-type"), &options(l, DOC_TYPES), &or("doc_type", "id_card"), er("doc_type")),
        field("doc_number", &t(l, "col-doc"), first(f, "doc_number"), er("doc_number"), "required autocomplete=\"off\""),
        select("sex", &t(l, "col-sex"), &sexes, sex, er("sex")),
        field("birth_date", &t(l, "col-birth-date"), first(f, "birth_date"), er("birth_date"), "placeholder=\"YYYY-MM-DD\""),
        field("phone", &t(l, "col-phone"), first(f, "phone"), er("phone"), "inputmode=\"tel\" autocomplete=\"off\""),
        select("relation", &t(l, "col-relation"), &options(l, RELATIONS), &or("relation", "other"), er("relation")),
        checkboxes("tags", &t(l, "col-tags"), l, TAGS, &all(f, "tags"), er("tags")),
        field("health_note", &t(l, "col-health-note"), first(f, "health_note"), er("health_note"), "maxlength=\"200\""),
        select("party", &t(l, "col-party"), &options(l, PARTY), &or("party", "none"), er("party")),
        checkboxes("party_categories", &t(l, "col-party-categories"), l, PARTY_CATEGORIES, &all(f, "party_categories"), er("party_categories")),
        t(l, "save")
    );
    let mut resp = ctx.page(title, body);
    if !top.is_empty() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

fn input_of(f: &[(String, String)]) -> ResidentInput {
    let opt = |k: &str| Some(first(f, k).to_owned()).filter(|s| !s.trim().is_empty());
    let list = |k: &str| Some(all(f, k).join(",")).filter(|s| !s.is_empty());
    ResidentInput {
        name: first(f, "name").to_owned(),
        doc_type: opt("doc_type"),
        doc_number: first(f, "doc_number").to_owned(),
        sex: opt("sex"),
        birth_date: opt("birth_date"),
        phone: opt("phone"),
        relation: opt("relation"),
        tags: list("tags"),
        health_note: opt("health_note"),
        party: opt("party"),
        party_categories: list("party_categories"),
    }
}

async fn new_resident_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    // Only for a household within scope.
    let found = match id.parse::<i64>() {
        Ok(n) => residents::household(&db, &ctx.reader().registry_scope(), n)
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::NotFound),
    };
    if let Err(e) = found {
        return ctx.error(e);
    }
    show_form(
        &ctx,
        (
            FormKind::Resident,
            format!("/households/{}/residents/new", url_enc(&id)),
            "resident-new",
        ),
        &[],
        &HashMap::new(),
        &[],
    )
}

async fn new_resident_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    let n = match submitted_id(&ctx, &f, &id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let r = edit::add_resident(&db, &ctx.actor(), ctx.reader(), n, &input_of(&f)).await;
    let form = (
        FormKind::Resident,
        format!("/households/{n}/residents/new"),
        "resident-new",
    );
    form_answer(&ctx, r, |rid| format!("/residents/{rid}"), form, &f)
}

async fn edit_resident_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = writers_only(&ctx) {
        return r;
    }
    let Ok(n) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match residents::resident(&db, &ctx.reader().registry_scope(), n).await {
        Ok(v) => {
            let mut f = vec![
                ("name".to_owned(), v.name.clone()),
                ("doc_type".to_owned(), v.doc_type.clone()),
                ("doc_number".to_owned(), v.doc_number_masked.clone()),
                ("sex".to_owned(), v.sex.to_string()),
                (
                    "phone".to_owned(),
                    v.phone_masked.clone().unwrap_or_default(),
                ),
                ("relation".to_owned(), v.relation.clone()),
                (
                    "health_note".to_owned(),
                    v.health_note.clone().unwrap_or_default(),
                ),
                ("party".to_owned(), v.party.to_owned()),
            ];
            f.extend(v.tags.iter().map(|c| ("tags".to_owned(), c.to_string())));
            f.extend(
                v.party_categories
                    .iter()
                    .map(|c| ("party_categories".to_owned(), c.to_string())),
            );
            show_form(
                &ctx,
                (
                    FormKind::Resident,
                    format!("/residents/{n}/edit"),
                    "resident-edit-title",
                ),
                &f,
                &HashMap::new(),
                &[],
            )
        }
        Err(e) => ctx.error(e),
    }
}

async fn edit_resident_submit(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    let n = match submitted_id(&ctx, &f, &id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let r = edit::update_resident(&db, &ctx.actor(), ctx.reader(), n, &input_of(&f)).await;
    let form = (
        FormKind::Resident,
        format!("/residents/{n}/edit"),
        "resident-edit-title",
    );
    form_answer(&ctx, r, |()| format!("/residents/{n}"), form, &f)
}

/// Search within the reader's scope: by name (prefix), full ID number or mobile number.
async fn search_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let term_q = q
        .get("q")
        .map(String::as_str)
        .unwrap_or("")
        .trim()
        .to_owned();
    let after = match q
        .get("after")
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>())
    {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return ctx.error(AppError::NotFound),
    };
    let mut body = html!(
        "<h1>{}</h1><form method=\"get\" action=\"/search\" class=\"box filters\" role=\"search\">{}<button>{}</button></form><p class=\"muted\">{}</p>",
        t(l, "search-title"),
        field("q", &t(l, "search-label"), &term_q, None, "autofocus"),
        t(l, "search-submit"),
        t(l, "search-hint")
    );
    if !term_q.is_empty() {
        match residents::search(&db, &ctx.reader().registry_scope(), &term_q, after, 50).await {
            Ok(page) => {
                if page.items.is_empty() {
                    body.push(html!(
                        "<p class=\"muted\" id=\"no-results\">{}</p>",
                        t(l, "search-none")
                    ));
                } else {
                    body.push(member_rows(l, &page.items));
                }
                body.push(next_link(
                    l,
                    "/search",
                    &[("q", &term_q)],
                    page.next.as_deref(),
                ));
            }
            Err(e) => return ctx.error(e),
        }
    }
    ctx.page(&t(l, "search-title"), body)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/areas", get(scope_roots))
        .route("/areas/{code}", get(area_page))
        .route(
            "/households/new",
            get(new_household_page).post(new_household_submit),
        )
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/merge", post(merge_household_submit))
        .route("/households/{id}/remove", post(remove_household_submit))
        .route(
            "/households/{id}/edit",
            get(edit_household_page).post(edit_household_submit),
        )
        .route(
            "/households/{id}/residents/new",
            get(new_resident_page).post(new_resident_submit),
        )
        .route("/residents/{id}", get(resident_page))
        .route(
            "/residents/{id}/edit",
            get(edit_resident_page).post(edit_resident_submit),
        )
        .route("/residents/{id}/reveal", post(reveal))
        .route("/search", get(search_page))
}
