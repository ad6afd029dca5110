//! The keeper's and officers' goods pages: the overview of their stores and funds, a store's
//! stock and stock card, the receipt, movement and stock-take forms, a movement's document
//! with its correction, trips, the catalogue and the figures.

use axum::extract::{Query, State};
use axum::response::Response;

use super::views::{self as v, Form};
use super::{show, Qs, PAGE};
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::i18n::t;
use crate::supplies::goods::{self, CountForm, MoveForm, NewItem, NewStore, ReceiptForm};
use crate::supplies::trips::{self, TripForm};
use crate::supplies::{self as sup, figures, money};
use crate::web::html::Markup;
use crate::web::kit::{self, CsrfForm, FormErrors, Id};
use crate::web::pages::Ctx;

pub async fn home_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        sup::require_read(r)?;
        let stores = goods::stores(&db, r).await?;
        let funds = money::funds(&db, r).await?;
        let areas = crate::registry::areas::scope_choices(&db, &r.scope).await?;
        let branches = sup::owning_branches(&db, r).await?;
        let body = v::home(l, r, &stores, &funds, &areas, &branches, q.done.trim());
        Ok((t(l, "sup-title"), body))
    };
    show(&ctx, run.await)
}

pub async fn store_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<Qs>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let s = goods::store(&db, r, id).await?;
        let items = goods::items(&db).await?;
        let stock = goods::stock(&db, id).await?;
        let mut lots = Vec::new();
        for b in &stock {
            lots.push(goods::lot_name(&db, &b.lot, l).await);
        }
        let page = q.page();
        let (card, total) = goods::card(&db, id, None, PAGE, (page - 1) * PAGE).await?;
        let serves = goods::serves(&db, id).await?;
        let mut served = Vec::new();
        for p in &serves {
            if let Some(a) = crate::registry::areas::by_path(&db, p).await? {
                served.push(a.name);
            }
        }
        let body = v::store(
            l,
            r,
            &v::StoreView {
                s: &s,
                items: &items,
                stock: &stock,
                lots: &lots,
                card: &card,
                total,
                page,
                served: &served,
                done: q.done.trim(),
            },
        );
        Ok((s.name.clone(), body))
    };
    show(&ctx, run.await)
}

async fn form_lists(db: &Db, ctx: &Ctx) -> AppResult<v::Lists> {
    let r = ctx.reader();
    Ok(v::Lists {
        stores: goods::stores(db, r).await?,
        all_stores: goods::all_stores(db).await?,
        items: goods::items(db).await?,
        areas: crate::registry::areas::scope_choices(db, &r.scope).await?,
        teams: crate::mobilization::branches::teams(db, r)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
        trips: trips::trips(db, r, 30, 0).await?.0,
        funds: money::funds(db, r).await?,
        branches: crate::supplies::branch_choices(db, r, ctx.t("sup-no-branch")).await,
    })
}

/// A form page: the lists its selects need, then the view with the values and errors.
async fn form_page<F>(
    db: &Db,
    ctx: &Ctx,
    title: &str,
    f: &F,
    errs: &FormErrors,
    view: fn(&Form, &F) -> Markup,
) -> Response {
    let l = ctx.lang;
    let run = async {
        sup::require_read(ctx.reader())?;
        let lists = form_lists(db, ctx).await?;
        let form = Form {
            l,
            csrf: &ctx.session.csrf,
            errs,
            lists: &lists,
        };
        Ok((t(l, title), view(&form, f)))
    };
    show(ctx, run.await)
}

fn cid() -> String {
    crate::access::random_hex(8)
}

pub async fn receive_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    if let Err(e) = sup::require_goods(ctx.reader()) {
        return ctx.error(e);
    }
    let f = ReceiptForm {
        client_id: cid(),
        kind: "donation".into(),
        store: q.store.clone(),
        item: q.item.clone(),
        per: "pack".into(),
        donor_kind: "org".into(),
        ..ReceiptForm::default()
    };
    form_page(
        &db,
        &ctx,
        "sup-receive",
        &f,
        &FormErrors::none(),
        v::receive_form,
    )
    .await
}

pub async fn receive_post(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<ReceiptForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = goods::receive(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    let store = f.store.clone();
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/stores/{}?done=received", store.trim()),
        move |errs| async move {
            form_page(db, ctx, "sup-receive", f, &errs, v::receive_form).await
        },
    )
    .await
}

pub async fn move_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    if let Err(e) = sup::require_goods(ctx.reader()) {
        return ctx.error(e);
    }
    let f = MoveForm {
        client_id: cid(),
        kind: "transfer".into(),
        store: q.store.clone(),
        item: q.item.clone(),
        per: "pack".into(),
        to_type: "household".into(),
        ..MoveForm::default()
    };
    form_page(&db, &ctx, "sup-move", &f, &FormErrors::none(), v::move_form).await
}

pub async fn move_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<MoveForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = goods::move_out(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    let store = f.store.clone();
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/stores/{}?done=moved", store.trim()),
        move |errs| async move { form_page(db, ctx, "sup-move", f, &errs, v::move_form).await },
    )
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReverseForm {
    pub reason: String,
    pub client_id: String,
}

async fn move_doc(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    errs: &FormErrors,
    done: &str,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let r = ctx.reader();
    sup::require_read(r)?;
    let m = v::MoveDoc::load(db, r, id, l).await?;
    Ok((
        format!("{} #{id}", t(l, "sup-move-doc")),
        v::move_doc(l, r, &ctx.session.csrf, &m, errs, done, &cid()),
    ))
}

pub async fn move_doc_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<Qs>,
) -> Response {
    let r = move_doc(&db, &ctx, id, &FormErrors::none(), q.done.trim()).await;
    show(&ctx, r)
}

pub async fn reverse_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ReverseForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = goods::reverse(
        db,
        &ctx.actor(),
        ctx.reader(),
        id,
        &f.reason,
        &f.client_id,
        now_ms(),
    )
    .await;
    kit::answer(
        ctx,
        res,
        |c| format!("/supplies/moves/{c}?done=reversed"),
        move |errs| async move {
            let r = move_doc(db, ctx, id, &errs, "").await;
            show(ctx, r)
        },
    )
    .await
}

pub async fn count_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    count_view(
        &db,
        &ctx,
        id,
        &std::collections::HashMap::new(),
        &FormErrors::none(),
    )
    .await
}

async fn count_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    sent: &std::collections::HashMap<String, String>,
    errs: &FormErrors,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        sup::require_goods(r)?;
        let s = goods::store(db, r, id).await?;
        let items = goods::items(db).await?;
        let stock = goods::stock(db, id).await?;
        Ok((
            t(l, "sup-count"),
            v::count_form(l, &ctx.session.csrf, &s, &items, &stock, sent, errs, &cid()),
        ))
    };
    show(ctx, run.await)
}

pub async fn count_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<std::collections::HashMap<String, String>>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let counts: Vec<(i64, String)> = f
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("count_")
                .and_then(|i| i.parse::<i64>().ok())
                .map(|i| (i, v.clone()))
        })
        .take(2000)
        .collect();
    let form = CountForm {
        client_id: get("client_id"),
        store: id.to_string(),
        counts,
        reason: get("reason"),
        approver: get("approver"),
    };
    let res = goods::stock_take(db, &ctx.actor(), ctx.reader(), &form, now_ms()).await;
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/stores/{id}?done=counted"),
        move |errs| async move { count_view(db, ctx, id, f, &errs).await },
    )
    .await
}

pub async fn trips_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    trips_view(&db, &ctx, q.page(), q.done.trim(), None).await
}

async fn trips_view(
    db: &Db,
    ctx: &Ctx,
    page: i64,
    done: &str,
    back: Option<(&TripForm, &FormErrors)>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        sup::require_read(r)?;
        let (list, total) = trips::trips(db, r, PAGE, (page - 1) * PAGE).await?;
        let fresh = TripForm {
            client_id: cid(),
            ..TripForm::default()
        };
        let none = FormErrors::none();
        let (f, errs) = back.unwrap_or((&fresh, &none));
        let areas = crate::registry::areas::scope_choices(db, &r.scope).await?;
        Ok((
            t(l, "sup-trips"),
            v::trips(
                l,
                r,
                &ctx.session.csrf,
                &list,
                total,
                page,
                done,
                f,
                errs,
                &areas,
            ),
        ))
    };
    show(ctx, run.await)
}

pub async fn trips_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<TripForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = trips::add_trip(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    kit::answer(
        ctx,
        res,
        |_| "/supplies/trips?done=trip".to_owned(),
        move |errs| async move { trips_view(db, ctx, 1, "", Some((f, &errs))).await },
    )
    .await
}

pub async fn items_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    items_view(
        &db,
        &ctx,
        q.done.trim(),
        &NewItem {
            pack: "1".into(),
            category: "protective".into(),
            ..NewItem::default()
        },
        &FormErrors::none(),
    )
    .await
}

async fn items_view(db: &Db, ctx: &Ctx, done: &str, f: &NewItem, errs: &FormErrors) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        sup::require_read(r)?;
        let items = goods::items(db).await?;
        Ok((
            t(l, "sup-items"),
            v::items(l, r, &ctx.session.csrf, &items, done, f, errs),
        ))
    };
    show(ctx, run.await)
}

pub async fn items_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<NewItem>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = goods::add_item(db, &ctx.actor(), ctx.reader(), f).await;
    kit::answer(
        ctx,
        res,
        |_| "/supplies/items?done=item".to_owned(),
        move |errs| async move { items_view(db, ctx, "", f, &errs).await },
    )
    .await
}

pub async fn store_new_page(State(db): State<Db>, ctx: Ctx) -> Response {
    if let Err(e) = sup::require_goods(ctx.reader()) {
        return ctx.error(e);
    }
    let f = NewStore {
        kind: "point".into(),
        owner: ctx.reader().username.clone(),
        ..NewStore::default()
    };
    form_page(
        &db,
        &ctx,
        "sup-store-new",
        &f,
        &FormErrors::none(),
        v::store_form,
    )
    .await
}

pub async fn store_new_post(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<NewStore>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = goods::add_store(db, &ctx.actor(), ctx.reader(), f).await;
    kit::answer(
        ctx,
        res,
        |id| format!("/supplies/stores/{id}?done=store"),
        move |errs| async move {
            form_page(db, ctx, "sup-store-new", f, &errs, v::store_form).await
        },
    )
    .await
}

pub async fn figures_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        sup::require_read(r)?;
        let area = sup::area_in_scope(&db, r, &q.area).await?;
        let now = now_ms();
        let p = crate::needs::figures::period(&q.from, &q.to, now)?;
        let f = figures::of_area(&db, &area.path, p.from_ms, p.to_ms).await?;
        let areas = crate::registry::areas::scope_choices(&db, &r.scope).await?;
        Ok((t(l, "sup-figures"), v::figures(l, &area, &p, &f, &areas)))
    };
    show(&ctx, run.await)
}
