//! The household link (`/h/{token}`, the QR code on the door plate): a short form to ask for
//! help without an account, the household's own requests with their state, and the forms to
//! confirm and rate a done one or withdraw one nobody has taken yet.
//!
//! The page shows nothing that the plate's finder should not see: no names, no phone numbers,
//! no descriptions of earlier requests — only what was asked for, when, and where it stands.
//! Every request through a link counts against the sender's rate limit, and an unknown link
//! (or one of a merged or removed household) is "not found", counted the same way.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;

use super::{
    act_of_form, action_names, client_id, need_fields, need_names, need_of_form, short_code,
    status_tag, urgency_tag,
};
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::pages::branch::{errors_of, state, Posted};
use crate::mobilization::pages::signup::chrome;
use crate::needs::flow::{Action, Who};
use crate::needs::intake::{self, Household};
use crate::web::html::minutes;
use crate::web::html::{notice, page, Markup};
use crate::web::kit::{first, q, with_status, Pairs};
use crate::web::pages::{error_page, html_response, Visitor};
use crate::web::AppState;

/// The household of a link, counting the request against the sender's limit.
async fn open(db: &Db, v: &Visitor, token: &str) -> Result<Household, AppError> {
    let hh = intake::link_household(db, token).await?;
    intake::guard(db, &v.ip, now_ms()).await?;
    hh.ok_or(AppError::NotFound)
}

async fn link_page(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    match open(&db, &v, &token).await {
        Ok(hh) => view(&db, &v, &token, &hh, q(&qs, "done"), None).await,
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

async fn view(
    db: &Db,
    v: &Visitor,
    token: &str,
    hh: &Household,
    done: &str,
    posted: Option<Posted>,
) -> Response {
    let l = v.lang;
    let posted = posted.as_ref();
    let now = now_ms();
    let run = async {
        let list = intake::household_needs(db, hh.id, now).await?;
        let mut body = html!(
            "<h1>{}</h1><p class=\"muted\" id=\"hh-address\">{}</p>",
            t(l, "need-ask-title"),
            hh.address
        );
        if !done.is_empty() {
            body.push(notice(&t(
                l,
                &format!("need-pub-done-{}", short_code(done)),
            )));
        }
        if let Some(p) = posted.filter(|p| p.form == "act") {
            body.push(errors_of(l, Some(p)));
        }
        body.push(html!(
            "<p class=\"outcome warn small\" id=\"call-120\">{}</p>",
            t(l, "need-ask-emergency")
        ));
        let s = state(posted, "need", 0);
        body.push(html!(
            "<form method=\"post\" action=\"/h/{}\" class=\"box\" id=\"ask-form\">{}{}<button class=\"big wide\" id=\"ask-send\">{}</button></form>",
            token,
            errors_of(l, s),
            need_fields(l, s, None, &client_id()),
            t(l, "need-ask-send")
        ));
        if !list.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ul class=\"home\" id=\"my-requests\">",
                t(l, "need-ask-mine")
            ));
            for n in &list {
                body.push(html!(
                    "<li id=\"req-{}\">{} <b>#{} {}</b> {}<span class=\"sub\">{}</span>",
                    n.id,
                    urgency_tag(l, n.urgency),
                    n.id,
                    n.category_label(l),
                    status_tag(l, &n.status),
                    minutes(n.created_ms)
                ));
                let url = format!("/h/{token}/needs/{}", n.id);
                if n.status == "done" && n.confirmed_ms.is_none() {
                    body.push(confirm_form(
                        l,
                        &url,
                        n.version,
                        state(posted, "confirm", n.id),
                    ));
                } else if let Some(r) = n.rating {
                    body.push(html!(
                        "<span class=\"sub\">{}</span>",
                        ta(l, "need-ask-rated", &[("n", Arg::N(r))])
                    ));
                }
                if n.status == "new" {
                    body.push(html!(
                        "<form method=\"post\" action=\"{}\" class=\"inline\"><input type=\"hidden\" name=\"action\" value=\"cancel\"><input type=\"hidden\" name=\"reason\" value=\"withdrawn by the household\"><input type=\"hidden\" name=\"version\" value=\"{}\"><button class=\"link\" id=\"withdraw-{}\">{}</button></form>",
                        url,
                        n.version,
                        n.id,
                        t(l, "need-ask-withdraw")
                    ));
                }
                body.0.push_str("</li>");
            }
            body.0.push_str("</ul>");
        }
        body.push(html!(
            "<p class=\"muted small\">{}</p>",
            t(l, "need-ask-private")
        ));
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(body) => {
            let resp = html_response(
                StatusCode::OK,
                page(&chrome(v), &t(l, "need-ask-title"), body),
            );
            if posted.is_some() {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                resp
            }
        }
        Err(e) => error_page(l, Some(&chrome(v)), e),
    }
}

fn confirm_form(l: Lang, url: &str, version: i64, s: Option<&Posted>) -> Markup {
    let mut stars = Markup::default();
    for i in 1..=5 {
        stars.push(html!(
            "<label class=\"tag\"><input type=\"radio\" name=\"rating\" value=\"{}\"{}> {}</label>",
            i,
            Markup(if i == 5 {
                " checked".into()
            } else {
                String::new()
            }),
            "★".repeat(i)
        ));
    }
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box confirm\">{}<input type=\"hidden\" name=\"action\" value=\"confirm\"><input type=\"hidden\" name=\"version\" value=\"{}\"><fieldset class=\"field\"><span>{}</span>{}</fieldset><label class=\"field\"><span>{}</span><input name=\"feedback\" maxlength=\"500\"></label><button class=\"alt\">{}</button></form>",
        url,
        errors_of(l, s),
        version,
        t(l, "need-ask-rate"),
        stars,
        t(l, "need-feedback"),
        t(l, "need-ask-confirm")
    )
}

async fn ask(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Pairs,
) -> Response {
    let hh = match open(&db, &v, &token).await {
        Ok(hh) => hh,
        Err(e) => return error_page(v.lang, Some(&chrome(&v)), e),
    };
    match intake::create_by_link(&db, &hh, &need_of_form(&f), now_ms()).await {
        Ok(c) => {
            let done = if c.duplicate_of.is_some() {
                "dup"
            } else {
                "created"
            };
            Redirect::to(&format!("/h/{}?done={done}", token.trim())).into_response()
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let p = Posted::new(v.lang, "need", 0, &f, &e, &need_names(v.lang));
            view(&db, &v, &token, &hh, "", Some(p)).await
        }
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

async fn act(
    State(db): State<Db>,
    v: Visitor,
    Path((token, id)): Path<(String, String)>,
    Form(f): Pairs,
) -> Response {
    let hh = match open(&db, &v, &token).await {
        Ok(hh) => hh,
        Err(e) => return error_page(v.lang, Some(&chrome(&v)), e),
    };
    let target = id.trim().parse::<i64>().unwrap_or(0);
    let actor = crate::audit::Actor {
        account_id: None,
        username: "household link".into(),
        ip: v.ip.clone(),
    };
    // Through the link, a household confirms or withdraws; nothing else.
    let who = Who::Household(hh.id);
    let run = act_of_form(&db, &actor, &who, &id, &f, |a| {
        matches!(a, Action::Confirm { .. } | Action::Cancel { .. })
    });
    match run.await {
        Ok(kind) => Redirect::to(&format!("/h/{}?done={kind}", token.trim())).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = if matches!(e, AppError::Invalid(_)) && first(&f, "action") == "confirm" {
                "confirm"
            } else {
                "act"
            };
            let p = Posted::new(
                v.lang,
                form,
                if form == "confirm" { target } else { 0 },
                &f,
                &e,
                &action_names(v.lang),
            );
            view(&db, &v, &token, &hh, "", Some(p)).await
        }
        Err(e) => error_page(v.lang, Some(&chrome(&v)), e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/h/{token}", get(link_page).post(ask))
        .route("/h/{token}/needs/{id}", post(act))
}
