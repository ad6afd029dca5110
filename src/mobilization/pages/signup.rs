//! The public sign-up: a form behind a link or QR code for a community or campaign (no
//! account; rate-limited), the confirmation with the reference to keep, and the status of an
//! application by that reference (with a way to withdraw).

use crate::html;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;

use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Lang};
use crate::mobilization::volunteers::{self, Link, SignUp};
use crate::mobilization::{label, POLITICAL, SKILLS, STATUSES, WEEKDAYS};
use crate::registry::model::DOC_TYPES;
use crate::web::html::vocab_options;
use crate::web::html::{error_box, field, page, select, url_enc, Chrome, Markup};
use crate::web::kit::{all, error_lines, first, q, with_status, Pairs};
use crate::web::pages::{error_page, html_response, Visitor};
use crate::web::AppState;

pub(crate) fn chrome<'a>(v: &'a Visitor) -> Chrome<'a> {
    Chrome {
        lang: v.lang,
        here: &v.here,
        user: None,
        csrf: None,
        can_import: false,
        role: "",
    }
}

/// Checkboxes for a vocabulary.
pub(super) fn checkboxes(
    name: &str,
    legend: &str,
    v: crate::mobilization::Vocab,
    l: Lang,
    checked: &[&str],
) -> Markup {
    crate::web::html::checkboxes(name, legend, &vocab_options(v, l), checked, None)
}

async fn join_page(State(db): State<Db>, v: Visitor, Path(token): Path<String>) -> Response {
    match volunteers::link_by_token(&db, &token).await {
        Ok(link) => form_view(&db, &v, &link, &[], &[]).await,
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

async fn form_view(
    db: &Db,
    v: &Visitor,
    link: &Link,
    f: &[(String, String)],
    errors: &[String],
) -> Response {
    let l = v.lang;
    let units = volunteers::units(db).await.unwrap_or_default();
    let area = crate::registry::areas::by_path(db, &link.path)
        .await
        .ok()
        .flatten()
        .map(|a| a.name)
        .unwrap_or_default();
    let val = |k: &str| first(f, k).to_owned();
    let mut unit_opts = vec![(String::new(), t(l, "mob-unit-none"))];
    unit_opts.extend(units.iter().map(|(id, n)| (id.to_string(), n.clone())));
    let docs: Vec<(String, String)> = DOC_TYPES
        .iter()
        .map(|d| {
            (
                d.code.to_owned(),
                (if l == Lang::Zh { d.zh } else { d.en }).to_owned(),
            )
        })
        .collect();
    let ticked = |k: &str| if first(f, k) == "1" { " checked" } else { "" };
    let body = html!(
        "<h1>{}</h1><p class=\"muted\">{} · {}</p>{}\
<form method=\"post\" action=\"/join/{}\" class=\"box\" id=\"signup-form\">\
<h2>{}</h2>{}{}{}{}\
<h2>{}</h2>{}{}{}\
<h2>{}</h2>{}{}\
<h2>{}</h2>{}<div class=\"two\">{}{}</div><div class=\"two\">{}{}</div><p class=\"muted\">{}</p>\
<h2>{}</h2><label class=\"tag\"><input type=\"checkbox\" name=\"health_ok\" value=\"1\"{}> {}</label>{}\
<p><label class=\"tag\"><input type=\"checkbox\" name=\"wants_account\" value=\"1\"{}> {}</label></p>\
<p class=\"muted\">{}</p><button>{}</button></form>\
<p class=\"muted\"><a href=\"/join/status\">{}</a></p>",
        link.title,
        t(l, "mob-join-intro"),
        area,
        error_box(l, errors),
        url_enc(&link.token),
        t(l, "mob-join-person"),
        field("name", &t(l, "mob-f-name"), &val("name"), None, "required maxlength=\"50\" autocomplete=\"name\""),
        select("doc_type", &t(l, "mob-f-doc-type"), &docs, first(f, "doc_type"), None),
        field("doc_number", &t(l, "mob-f-doc-number"), &val("doc_number"), None, "required maxlength=\"30\" autocomplete=\"off\""),
        field("phone", &t(l, "mob-f-phone"), &val("phone"), None, "required inputmode=\"tel\" maxlength=\"20\" autocomplete=\"tel\""),
        t(l, "mob-join-unit"),
        select("unit", &t(l, "mob-f-unit"), &unit_opts, first(f, "unit"), None),
        field("unit_text", &t(l, "mob-f-unit-other"), &val("unit_text"), None, "maxlength=\"100\""),
        select("political", &t(l, "mob-f-political"), &vocab_options(POLITICAL, l), if first(f, "political").is_empty() { "none" } else { first(f, "political") }, None),
        t(l, "mob-join-skills"),
        checkboxes("skills", &t(l, "mob-f-skills"), SKILLS, l, &all(f, "skills")),
        field("skills_note", &t(l, "mob-f-skills-note"), &val("skills_note"), None, "maxlength=\"200\""),
        t(l, "mob-join-when"),
        checkboxes("days", &t(l, "mob-f-days"), WEEKDAYS, l, &all(f, "days")),
        field("from", &t(l, "mob-f-from"), &val("from"), None, "type=\"time\""),
        field("to", &t(l, "mob-f-to"), &val("to"), None, "type=\"time\""),
        field("avail_from", &t(l, "mob-f-avail-from"), &val("avail_from"), None, "type=\"date\""),
        field("avail_to", &t(l, "mob-f-avail-to"), &val("avail_to"), None, "type=\"date\""),
        t(l, "mob-join-when-hint"),
        t(l, "mob-join-health"),
        Markup(ticked("health_ok").into()),
        t(l, "mob-f-health"),
        field("health_note", &t(l, "mob-f-health-note"), &val("health_note"), None, "maxlength=\"200\""),
        Markup(ticked("wants_account").into()),
        t(l, "mob-f-wants-account"),
        t(l, "mob-join-privacy"),
        t(l, "mob-join-submit"),
        t(l, "mob-status-lookup")
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_response(status, page(&chrome(v), &link.title, body))
}

fn signup_of(f: &[(String, String)]) -> SignUp {
    let s = |k: &str| first(f, k).to_owned();
    SignUp {
        name: s("name"),
        doc_type: s("doc_type"),
        doc_number: s("doc_number"),
        phone: s("phone"),
        unit: s("unit"),
        unit_text: s("unit_text"),
        political: s("political"),
        skills: all(f, "skills").into_iter().map(str::to_owned).collect(),
        skills_note: s("skills_note"),
        days: all(f, "days").into_iter().map(str::to_owned).collect(),
        from: s("from"),
        to: s("to"),
        avail_from: s("avail_from"),
        avail_to: s("avail_to"),
        health_ok: first(f, "health_ok") == "1",
        health_note: s("health_note"),
        wants_account: first(f, "wants_account") == "1",
    }
}

async fn join_submit(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Pairs,
) -> Response {
    let link = match volunteers::link_by_token(&db, &token).await {
        Ok(l) => l,
        Err(e) => return error_page(v.lang, Some(&chrome(&v)), e),
    };
    match volunteers::sign_up(&db, &link, &v.ip, &signup_of(&f)).await {
        Ok(r) => {
            Redirect::to(&format!("/join/status/{}?new=1", url_enc(&r.ref_code))).into_response()
        }
        Err(e @ AppError::Invalid(_)) => {
            form_view(&db, &v, &link, &f, &error_lines(v.lang, &e)).await
        }
        Err(e @ AppError::Conflict(_)) => with_status(
            form_view(&db, &v, &link, &f, &error_lines(v.lang, &e)).await,
            StatusCode::CONFLICT,
        ),
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

async fn status_lookup(v: Visitor, Query(qs): Query<HashMap<String, String>>) -> Response {
    let l = v.lang;
    let r = q(&qs, "ref");
    if !r.is_empty() {
        return Redirect::to(&format!(
            "/join/status/{}",
            url_enc(&r.to_ascii_uppercase())
        ))
        .into_response();
    }
    let body = html!(
        "<h1>{}</h1><form method=\"get\" action=\"/join/status\" class=\"box\">{}<button>{}</button></form>",
        t(l, "mob-status-title"),
        field("ref", &t(l, "mob-f-ref"), "", None, "required maxlength=\"20\" autocomplete=\"off\""),
        t(l, "mob-status-look")
    );
    html_response(
        StatusCode::OK,
        page(&chrome(&v), &t(l, "mob-status-title"), body),
    )
}

async fn status_page(
    State(db): State<Db>,
    v: Visitor,
    Path(r): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = v.lang;
    let (name, status, reason, title) = match volunteers::by_ref(&db, &r).await {
        Ok(x) => x,
        Err(e) => return error_page(l, Some(&chrome(&v)), e),
    };
    let mut body = Markup::default();
    if q(&qs, "new") == "1" {
        body.push(html!(
            "<div class=\"notice\" role=\"status\" id=\"signup-done\"><b>{}</b><p>{}</p><p class=\"refcode\" id=\"ref-code\">{}</p><p class=\"muted\">{}</p><button type=\"button\" class=\"alt\" data-print>{}</button></div>",
            t(l, "mob-done-title"),
            t(l, "mob-done-keep"),
            r.to_ascii_uppercase(),
            t(l, "mob-done-next"),
            t(l, "mob-print")
        ));
    }
    body.push(html!(
        "<h1>{}</h1><dl class=\"kv\" id=\"application\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class=\"mono\">{}</dd><dt>{}</dt><dd><span class=\"tag\" id=\"app-status\">{}</span></dd>{}</dl>",
        t(l, "mob-status-title"),
        t(l, "mob-f-name"),
        name,
        t(l, "mob-status-for"),
        title,
        t(l, "mob-f-ref"),
        r.to_ascii_uppercase(),
        t(l, "mob-f-status"),
        label(STATUSES, &status, l),
        if reason.is_empty() {
            Markup::default()
        } else {
            html!("<dt>{}</dt><dd>{}</dd>", t(l, "mob-f-reason"), reason)
        }
    ));
    if volunteers::allowed(&status, "withdrawn") {
        body.push(html!(
            "<form method=\"post\" action=\"/join/status/{}/withdraw\" class=\"inline\"><button class=\"alt\" data-confirm=\"{}\">{}</button></form>",
            url_enc(&r.to_ascii_uppercase()),
            t(l, "mob-withdraw-confirm"),
            t(l, "mob-withdraw")
        ));
    }
    html_response(
        StatusCode::OK,
        page(&chrome(&v), &t(l, "mob-status-title"), body),
    )
}

async fn withdraw(State(db): State<Db>, v: Visitor, Path(r): Path<String>) -> Response {
    match volunteers::withdraw_by_ref(&db, &r).await {
        Ok(()) => Redirect::to(&format!(
            "/join/status/{}",
            url_enc(&r.to_ascii_uppercase())
        ))
        .into_response(),
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/join/status", get(status_lookup))
        .route("/join/status/{r}", get(status_page))
        .route("/join/status/{r}/withdraw", post(withdraw))
        .route("/join/{token}", get(join_page).post(join_submit))
}
