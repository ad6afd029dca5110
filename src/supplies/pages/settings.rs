//! The supplies' settings page: the amount above which a spending needs two approvers (a
//! collective decision). Everyone who reads the ledgers sees it; administrators and HQ set it.

use axum::extract::{Query, State};
use axum::response::Response;

use super::{show, Qs};
use crate::db::Db;
use crate::error::AppResult;
use crate::i18n::{t, ta, Arg, Lang};
use crate::supplies::{self as sup, money, yuan};
use crate::web::html::{csrf_field, error_box, field, notice, Markup};
use crate::web::kit::{self, CsrfForm, FormErrors};
use crate::web::pages::Ctx;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    /// Yuan, at most two decimals.
    pub threshold: String,
}

fn can_set(ctx: &Ctx) -> bool {
    matches!(ctx.reader().role.as_str(), "admin" | "hq")
}

async fn view(
    db: &Db,
    ctx: &Ctx,
    f: Option<&SettingsForm>,
    errs: &FormErrors,
    done: bool,
) -> Response {
    let run = async {
        sup::require_read(ctx.reader())?;
        let fen = money::threshold(db).await?;
        let l = ctx.lang;
        let value = f
            .map(|f| f.threshold.clone())
            .unwrap_or_else(|| yuan(fen).replace(',', ""));
        AppResult::Ok((
            t(l, "sup-settings"),
            form(l, &ctx.session.csrf, fen, &value, errs, done, can_set(ctx)),
        ))
    };
    show(ctx, run.await)
}

fn form(
    l: Lang,
    csrf: &str,
    fen: i64,
    value: &str,
    errs: &FormErrors,
    done: bool,
    editable: bool,
) -> Markup {
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-settings")) } }
        h1 { (t(l, "sup-settings")) }
        @if done { (notice(&t(l, "sup-settings-saved"))) }
        p #threshold-now { (ta(l, "sup-threshold-note", &[("y", Arg::S(yuan(fen)))])) }
        @if editable {
            form.box #settings-form method="post" action="/supplies/settings" {
                (csrf_field(csrf))
                (error_box(l, &errs.lines))
                (field("threshold", &t(l, "sup-threshold"), value, errs.field("threshold"), "inputmode=\"decimal\" maxlength=\"16\" required"))
                button.big.wide #settings-save { (t(l, "sup-save")) }
            }
        }
    }
    .into()
}

pub async fn settings_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    view(
        &db,
        &ctx,
        None,
        &FormErrors::none(),
        q.done.trim() == "settings",
    )
    .await
}

pub async fn settings_post(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<SettingsForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::set_threshold(db, &ctx.actor(), ctx.reader(), &f.threshold).await;
    kit::answer(
        ctx,
        res,
        |_| "/supplies/settings?done=settings".to_owned(),
        move |errs| async move { view(db, ctx, Some(f), &errs, false).await },
    )
    .await
}
