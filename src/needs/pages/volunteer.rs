//! The volunteer's phone pages: "My tasks" (needs given to them or their team, then the open
//! queue of the area they serve, to claim), and one task with the address, the vulnerable
//! tags, a masked phone number with a "Call" button that reveals it to them (recorded), and
//! the buttons for each step.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::forms::{action_labels, refused_form, ActForm, Back, DoneQuery, ItemForm};
use super::staff::{act_of_form, back, item_of_form};
use super::volunteer_views::{self as views, TaskView};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::mobilization::volunteers::{self, Volunteer};
use crate::needs::deadlines::Deadlines;
use crate::needs::flow::{self, Who};
use crate::web::html::Markup;
use crate::web::kit::NoFields;
use crate::web::kit::{self, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

async fn me(db: &Db, ctx: &Ctx) -> AppResult<Volunteer> {
    volunteers::of_account(db, ctx.reader().account_id)
        .await?
        .filter(|v| v.status == "approved")
        .ok_or(AppError::Forbidden(crate::i18n::Msg::new(
            "this page is for approved volunteers; your account is not linked to one",
            "此页面供已通过审核的志愿者使用；您的账号未关联志愿者",
        )))
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

async fn tasks_page(State(db): State<Db>, ctx: Ctx, Query(qs): Query<DoneQuery>) -> Response {
    let l = ctx.lang;
    let now = now_ms();
    let run = async {
        let v = me(&db, &ctx).await?;
        let d = Deadlines::load(&db).await?;
        let tasks = flow::tasks(&db, &v, 30).await?;
        let body = views::tasks(l, &tasks, &d, now, qs.done.trim());
        Ok((t(l, "nav-mytasks"), body))
    };
    show(&ctx, run.await)
}

async fn task_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<DoneQuery>,
) -> Response {
    let r = task_view(&db, &ctx, id, qs.done.trim(), None, None, None).await;
    show(&ctx, r)
}

async fn task_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    phone: Option<&str>,
    act: Option<&Back<'_, ActForm>>,
    item: Option<&Back<'_, ItemForm>>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let now = now_ms();
    let v = me(db, ctx).await?;
    let n = flow::for_volunteer(db, &v, id).await?;
    let d = Deadlines::load(db).await?;
    let mine = n.volunteer_id == Some(v.id);
    let history = if mine {
        let items = crate::needs::items(db, n.id).await?;
        Some((items, crate::needs::history(db, n.id).await?))
    } else {
        None
    };
    let names = match &history {
        Some((items, steps)) => super::staff::history_names(db, items, steps).await?,
        None => Default::default(),
    };
    let view = TaskView {
        n: &n,
        d: &d,
        now,
        done,
        csrf: &ctx.session.csrf,
        mine,
        phone,
        history: history.as_ref().map(|(i, s)| (i.as_slice(), s.as_slice())),
        names: &names,
        act,
        item,
    };
    Ok((
        format!("#{} {}", n.id, n.category_label(l)),
        views::task(l, &view),
    ))
}

async fn act_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ActForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let run = async {
        let v = me(db, ctx).await?;
        act_of_form(db, &ctx.actor(), &Who::Volunteer(&v), id, f, |_| true).await
    };
    let result = run.await;
    let form = refused_form(&result, f);
    kit::answer(
        ctx,
        result,
        // A claimed need opens as the volunteer's task; a finished one goes back to the list.
        |kind| match kind {
            "done" | "unable" => format!("/me/needs?done={kind}"),
            kind => format!("/me/needs/{id}?done={kind}"),
        },
        move |errs| async move {
            let b = back(ctx.lang, form, 0, f, errs, &action_labels(ctx.lang));
            show(ctx, task_view(db, ctx, id, "", None, Some(&b), None).await)
        },
    )
    .await
}

async fn call_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let run = async {
        let v = me(&db, &ctx).await?;
        flow::reveal_phone(&db, &ctx.actor(), &v, id, now_ms()).await
    };
    match run.await {
        Ok(phone) => show(
            &ctx,
            task_view(&db, &ctx, id, "", Some(&phone), None, None).await,
        ),
        Err(e) => ctx.error(e),
    }
}

async fn item_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ItemForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let run = async {
        let v = me(db, ctx).await?;
        item_of_form(db, &ctx.actor(), &Who::Volunteer(&v), id, f).await
    };
    match run.await {
        // Only field errors come back to the form.
        Err(e @ AppError::Conflict(_)) => ctx.error(e),
        result => {
            kit::answer(
                ctx,
                result,
                |()| format!("/me/needs/{id}?done=item"),
                move |errs| async move {
                    let b = back(ctx.lang, "item", 0, f, errs, &action_labels(ctx.lang));
                    show(ctx, task_view(db, ctx, id, "", None, None, Some(&b)).await)
                },
            )
            .await
        }
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
