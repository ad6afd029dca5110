//! The volunteer's phone pages: "My tasks" (needs given to them or their team, then the open
//! queue of the area they serve, to claim), and one task with the address, the vulnerable
//! tags, a masked phone number with a "Call" button that reveals it to them (recorded), and
//! the buttons for each step.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;

use super::{
    act_of_form, action_form, action_names, facts, flags, history_of, item_form, item_of_form,
    reason_form, refused_form, short, short_code, span, urgency_tag,
};
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::html;
use crate::i18n::{t, Lang};
use crate::mobilization::pages::branch::{answer, errors_of, id_of, Posted};
use crate::mobilization::volunteers::{self, Volunteer};
use crate::needs::deadlines::Deadlines;
use crate::needs::flow::{self, Who};
use crate::needs::Need;
use crate::web::html::{csrf_field, notice, Markup};
use crate::web::kit::{first, q, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

async fn me(db: &Db, ctx: &Ctx) -> Result<Volunteer, AppError> {
    volunteers::of_account(db, ctx.reader().account_id)
        .await?
        .filter(|v| v.status == "approved")
        .ok_or(AppError::Forbidden(crate::i18n::Msg::new(
            "this page is for approved volunteers; your account is not linked to one",
            "此页面供已通过审核的志愿者使用；您的账号未关联志愿者",
        )))
}

fn card(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    html!(
        "<li id=\"task-{}\"><a href=\"/me/needs/{}\">{} <b>#{} {}</b></a><span class=\"sub\">{}</span><span class=\"sub\">{}</span><span class=\"sub\">{} · {}</span>{}</li>",
        n.id,
        n.id,
        urgency_tag(l, n.urgency),
        n.id,
        n.category_label(l),
        short(&n.description, 60),
        n.address,
        n.status_label(l),
        span(l, now - n.created_ms),
        flags(l, n, d, now)
    )
}

async fn tasks_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let now = now_ms();
    let run = async {
        let v = me(&db, &ctx).await?;
        let d = Deadlines::load(&db).await?;
        let tasks = flow::tasks(&db, &v, 30).await?;
        let mut body = html!("<h1>{}</h1>", t(l, "nav-mytasks"));
        if !q(&qs, "done").is_empty() {
            body.push(notice(&t(
                l,
                &format!("need-done-{}", short_code(q(&qs, "done"))),
            )));
        }
        body.push(html!("<h2>{}</h2>", t(l, "need-mine")));
        if tasks.mine.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-tasks\">{}</p>",
                t(l, "need-mine-none")
            ));
        } else {
            body.push(Markup("<ul class=\"home\" id=\"my-tasks\">".into()));
            for n in &tasks.mine {
                body.push(card(l, n, &d, now));
            }
            body.0.push_str("</ul>");
        }
        body.push(html!("<h2>{}</h2>", t(l, "need-to-claim")));
        if tasks.queue.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-claimable\">{}</p>",
                t(l, "need-queue-empty")
            ));
        } else {
            body.push(Markup("<ul class=\"home\" id=\"claimable\">".into()));
            for n in &tasks.queue {
                body.push(card(l, n, &d, now));
            }
            body.0.push_str("</ul>");
        }
        if !tasks.done.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ul class=\"home\" id=\"my-done\">",
                t(l, "need-my-done")
            ));
            for n in &tasks.done {
                body.push(card(l, n, &d, now));
            }
            body.0.push_str("</ul>");
        }
        Ok((t(l, "nav-mytasks"), body))
    };
    answer(&ctx, run.await, None)
}

async fn task_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    task_view(&db, &ctx, &id, q(&qs, "done"), None, None).await
}

async fn task_view(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    done: &str,
    phone: Option<String>,
    posted: Option<Posted>,
) -> Response {
    let l = ctx.lang;
    let posted = posted.as_ref();
    let now = now_ms();
    let run = async {
        let v = me(db, ctx).await?;
        let n = flow::for_volunteer(db, &v, id_of(id)?).await?;
        let d = Deadlines::load(db).await?;
        let mut body = html!(
            "<p class=\"crumbs\"><a href=\"/me/needs\">{}</a></p><h1>#{} {}</h1>",
            t(l, "nav-mytasks"),
            n.id,
            n.category_label(l)
        );
        if !done.is_empty() {
            body.push(notice(&t(l, &format!("need-done-{}", short_code(done)))));
        }
        if let Some(p) = posted.filter(|p| p.form == "act") {
            body.push(errors_of(l, Some(p)));
        }
        let mine = n.volunteer_id == Some(v.id);
        let csrf = ctx.session.csrf.as_str();
        let phone_cell = match (&phone, mine && n.is_open()) {
            (Some(p), _) => html!(
                "<a class=\"btn big\" href=\"tel:{}\" id=\"phone-number\">{}</a>",
                p,
                p
            ),
            (None, true) if n.phone.is_some() => html!(
                "<span class=\"masked\">{}</span> <form method=\"post\" action=\"/me/needs/{}/call\" class=\"inline\">{}<button class=\"alt\" id=\"call\">{}</button></form>",
                n.masked_phone(),
                n.id,
                csrf_field(csrf),
                t(l, "need-call")
            ),
            _ => html!("<span class=\"masked\">{}</span>", n.masked_phone()),
        };
        body.push(facts(l, &n, &d, now, phone_cell));
        let url = format!("/me/needs/{}/act", n.id);
        match n.status.as_str() {
            "new" => body.push(action_form(
                csrf,
                &url,
                "claim",
                n.version,
                &t(l, "need-do-claim"),
                Markup::default(),
                "big wide",
            )),
            "assigned" if n.volunteer_id.is_none() => body.push(action_form(
                csrf,
                &url,
                "claim",
                n.version,
                &t(l, "need-do-claim"),
                Markup::default(),
                "big wide",
            )),
            "assigned" | "claimed" => body.push(action_form(
                csrf,
                &url,
                "start",
                n.version,
                &t(l, "need-do-start"),
                html!("<p class=\"muted\">{}</p>", t(l, "need-start-how")),
                "big wide",
            )),
            "in_progress" => body.push(action_form(
                csrf,
                &url,
                "done",
                n.version,
                &t(l, "need-do-done"),
                Markup::default(),
                "big wide",
            )),
            _ => {}
        }
        if mine && matches!(n.status.as_str(), "in_progress" | "done") {
            body.push(item_form(
                l,
                csrf,
                &format!("/me/needs/{}/items", n.id),
                posted,
            ));
        }
        if mine && matches!(n.status.as_str(), "assigned" | "claimed" | "in_progress") {
            body.push(reason_form(l, csrf, &url, "unable", n.version, posted));
        }
        if mine {
            body.push(history_of(db, l, &n).await?);
        }
        Ok((format!("#{} {}", n.id, n.category_label(l)), body))
    };
    answer(ctx, run.await, posted)
}

async fn act_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let run = async {
        let v = me(&db, &ctx).await?;
        act_of_form(&db, &ctx.actor(), &Who::Volunteer(&v), &id, &f, |_| true).await
    };
    match run.await {
        // A claimed need opens as the volunteer's task; a finished one goes back to the list.
        Ok(kind @ ("done" | "unable")) => {
            Redirect::to(&format!("/me/needs?done={kind}")).into_response()
        }
        Ok(kind) => Redirect::to(&format!("/me/needs/{}?done={kind}", id.trim())).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let p = Posted::new(
                ctx.lang,
                refused_form(&e, &f),
                0,
                &f,
                &e,
                &action_names(ctx.lang),
            );
            task_view(&db, &ctx, &id, "", None, Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn call_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let run = async {
        let v = me(&db, &ctx).await?;
        flow::reveal_phone(&db, &ctx.actor(), &v, id_of(&id)?, now_ms()).await
    };
    match run.await {
        Ok(phone) => task_view(&db, &ctx, &id, "", Some(phone), None).await,
        Err(e) => ctx.error(e),
    }
}

async fn item_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let run = async {
        let v = me(&db, &ctx).await?;
        item_of_form(&db, &ctx.actor(), &Who::Volunteer(&v), &id, &f).await
    };
    match run.await {
        Ok(()) => Redirect::to(&format!("/me/needs/{}?done=item", id.trim())).into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let p = Posted::new(ctx.lang, "item", 0, &f, &e, &action_names(ctx.lang));
            task_view(&db, &ctx, &id, "", None, Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/needs", get(tasks_page))
        .route("/me/needs/{id}", get(task_page))
        .route("/me/needs/{id}/act", post(act_post))
        .route("/me/needs/{id}/call", post(call_post))
        .route("/me/needs/{id}/items", post(item_post))
}
