//! The volunteer's handout through a need: "My supplies" lists their team stores' stock and
//! the needs they are working on; the handout form on a need records the movement from the
//! team store and the need's "item delivered" together.

use axum::extract::{Query, State};
use axum::response::Response;

use super::{show, Qs};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::mobilization::volunteers::{self, Volunteer};
use crate::supplies::goods::{self, Hand, Item, NeedHandout, Store};
use crate::web::html::{csrf_field, error_box, field, notice, select, Markup};
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;

async fn me(db: &Db, ctx: &Ctx) -> AppResult<Volunteer> {
    volunteers::of_account(db, ctx.reader().account_id)
        .await?
        .filter(|v| v.status == "approved")
        .ok_or(AppError::Forbidden(crate::i18n::Msg::new(
            "this page is for approved volunteers; your account is not linked to one",
            "此页面供已通过审核的志愿者使用；您的账号未关联志愿者",
        )))
}

pub async fn mine_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let l = ctx.lang;
    let run = async {
        let v = me(&db, &ctx).await?;
        let stores = goods::team_stores(&db, v.id).await?;
        let items = goods::items(&db).await?;
        let mut stock = Vec::new();
        for s in &stores {
            stock.push(goods::stock(&db, s.id).await?);
        }
        let tasks = crate::needs::flow::tasks(&db, &v, 10).await?;
        let working: Vec<_> = tasks
            .mine
            .into_iter()
            .filter(|n| n.status == "in_progress" && n.volunteer_id == Some(v.id))
            .collect();
        let body = maud::html! {
            h1 { (t(l, "sup-mine")) }
            @if q.done.trim() == "handed" { (notice(&t(l, "sup-done-handed"))) }
            @if stores.is_empty() { p.muted #no-team-store { (t(l, "sup-no-team-store")) } }
            @for (s, st) in stores.iter().zip(&stock) {
                h2 { (s.name) }
                @if st.is_empty() { p.muted { (t(l, "sup-stock-empty")) } }
                ul {
                    @for b in st {
                        @if let Some(i) = items.iter().find(|i| i.id == b.item_id) {
                            li { (i.title(l)) "：" (i.amount(b.qty, l)) }
                        }
                    }
                }
            }
            h2 { (t(l, "sup-my-needs")) }
            @if working.is_empty() { p.muted #no-working { (t(l, "sup-no-working")) } }
            ul.home #working {
                @for n in &working {
                    li {
                        a id={ "hand-" (n.id) } href={ "/me/needs/" (n.id) "/supplies" } {
                            "#" (n.id) " " (n.category_label(l)) " · " (t(l, "sup-hand-out"))
                        }
                    }
                }
            }
        };
        Ok((t(l, "sup-mine"), body.into()))
    };
    show(&ctx, run.await)
}

fn form_html(
    l: Lang,
    csrf: &str,
    need: &crate::needs::Need,
    stores: &[Store],
    items: &[Item],
    f: &NeedHandout,
    errs: &FormErrors,
) -> Markup {
    let e = |k: &str| errs.field(k);
    let mut so = vec![(String::new(), t(l, "sup-choose"))];
    so.extend(stores.iter().map(|s| (s.id.to_string(), s.name.clone())));
    let mut io = vec![(String::new(), t(l, "sup-choose"))];
    io.extend(items.iter().map(|i| {
        (
            i.id.to_string(),
            format!("{} · {}{}/{}", i.title(l), i.pack, i.unit, t(l, "sup-pack")),
        )
    }));
    let per = vec![
        ("pack".to_owned(), t(l, "sup-per-pack")),
        ("unit".to_owned(), t(l, "sup-per-unit")),
    ];
    maud::html! {
        nav.crumbs { a href="/me/supplies" { (t(l, "sup-mine")) } i { "›" } span { "#" (need.id) } }
        h1 { (t(l, "sup-hand-out")) " · #" (need.id) }
        p.muted { (need.category_label(l)) " · " (need.description) }
        form.box #handout-form method="post" action={ "/me/needs/" (need.id) "/supplies" } {
            (csrf_field(csrf))
            input type="hidden" name="client_id" value=(f.client_id);
            (error_box(l, &errs.lines))
            (select("store", &t(l, "sup-team-store"), &so, &f.store, e("store")))
            (select("item", &t(l, "sup-item"), &io, &f.item, e("item")))
            div.row {
                (field("qty", &t(l, "sup-qty"), &f.qty, e("qty"), "inputmode=\"numeric\" required"))
                (select("per", &t(l, "sup-per"), &per, &f.per, None))
            }
            button.big.wide #handout-save { (t(l, "sup-hand-out")) }
        }
    }
    .into()
}

async fn handout_view(db: &Db, ctx: &Ctx, id: i64, f: &NeedHandout, errs: &FormErrors) -> Response {
    let l = ctx.lang;
    let run = async {
        let v = me(db, ctx).await?;
        let need = crate::needs::flow::for_volunteer(db, &v, id).await?;
        let stores = goods::team_stores(db, v.id).await?;
        let mut held = std::collections::BTreeSet::new();
        for s in &stores {
            for b in goods::stock(db, s.id).await? {
                held.insert(b.item_id);
            }
        }
        let items: Vec<Item> = goods::items(db)
            .await?
            .into_iter()
            .filter(|i| held.contains(&i.id))
            .collect();
        Ok((
            t(l, "sup-hand-out"),
            form_html(l, &ctx.session.csrf, &need, &stores, &items, f, errs),
        ))
    };
    show(ctx, run.await)
}

pub async fn handout_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let f = NeedHandout {
        client_id: crate::access::random_hex(8),
        per: "pack".into(),
        ..NeedHandout::default()
    };
    handout_view(&db, &ctx, id, &f, &FormErrors::none()).await
}

pub async fn handout_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<NeedHandout>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = async {
        let v = me(db, ctx).await?;
        goods::hand_for_need(db, &ctx.actor(), Hand::Volunteer(&v), id, f, now_ms()).await
    }
    .await;
    kit::answer(
        ctx,
        res,
        |_| "/me/supplies?done=handed".to_owned(),
        move |errs| async move { handout_view(db, ctx, id, f, &errs).await },
    )
    .await
}
