//! The funds pages: a fund's balance, pending spending with its approvals, and its ledger; the
//! gift and spending forms; an entry's document with its correction. (Handlers and their maud
//! views together: they are small.)

use axum::extract::{Query, State};
use axum::response::Response;

use super::views::{Form, Lists};
use super::{show, Qs, PAGE};
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::i18n::{t, ta, Arg, Lang};
use crate::supplies::money::{self, Fund, FundForm, GiftForm, Line, LotFen, Spend, SpendForm};
use crate::supplies::{self as sup, label, yuan};
use crate::web::html::{
    csrf_field, error_box, field, minutes, notice, select, vocab_options, Markup,
};
use crate::web::kit::{self, CsrfForm, FormErrors, Id, NoFields};
use crate::web::pages::Ctx;

fn cid() -> String {
    crate::access::random_hex(8)
}

async fn lists(db: &Db, ctx: &Ctx) -> AppResult<Lists> {
    let r = ctx.reader();
    Ok(Lists {
        stores: vec![],
        all_stores: vec![],
        items: vec![],
        areas: crate::registry::areas::scope_choices(db, &r.scope).await?,
        teams: vec![],
        trips: vec![],
        funds: money::funds(db, r).await?,
        branches: sup::branch_choices(db, r, ctx.t("sup-no-branch")).await,
    })
}

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
        sup::require_money(ctx.reader())?;
        let lists = lists(db, ctx).await?;
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

fn fund_options(l: Lang, funds: &[Fund]) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(l, "sup-choose"))];
    v.extend(
        funds
            .iter()
            .map(|f| (f.id.to_string(), format!("{} · {}", f.name, f.area))),
    );
    v
}

fn hidden(name: &str, value: &str) -> Markup {
    maud::html! { input type="hidden" name=(name) value=(value); }.into()
}

pub async fn fund_new_page(State(db): State<Db>, ctx: Ctx) -> Response {
    let f = FundForm::default();
    form_page(
        &db,
        &ctx,
        "sup-fund-new",
        &f,
        &FormErrors::none(),
        fund_form,
    )
    .await
}

pub async fn fund_new_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<FundForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::add_fund(db, &ctx.actor(), ctx.reader(), f).await;
    kit::answer(
        ctx,
        res,
        |id| format!("/supplies/funds/{id}?done=fund"),
        move |errs| async move { form_page(db, ctx, "sup-fund-new", f, &errs, fund_form).await },
    )
    .await
}

fn fund_form(f: &Form, v: &FundForm) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-fund-new")) } }
        h1 { (t(l, "sup-fund-new")) }
        form.box #fund-form method="post" action="/supplies/funds/new" {
            (csrf_field(f.csrf))
            (error_box(l, &f.errs.lines))
            (field("name", &t(l, "sup-fund-name"), &v.name, e("fund_name"), "maxlength=\"100\" required"))
            (select("area", &t(l, "sup-area"), &f.lists.areas, &v.area, e("area")))
            (field("owner", &t(l, "sup-owner"), &v.owner, e("owner"), "maxlength=\"64\""))
            (select("branch", &t(l, "sup-branch"), &f.lists.branches, &v.branch, e("branch")))
            button.big.wide #fund-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

pub async fn gift_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let f = GiftForm {
        client_id: cid(),
        fund: q.fund.clone(),
        kind: "donation".into(),
        donor_kind: "person".into(),
        channel: "bank".into(),
        ..GiftForm::default()
    };
    form_page(&db, &ctx, "sup-gift", &f, &FormErrors::none(), gift_form).await
}

pub async fn gift_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<GiftForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::receive(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    let fund = f.fund.clone();
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/funds/{}?done=gift", fund.trim()),
        move |errs| async move { form_page(db, ctx, "sup-gift", f, &errs, gift_form).await },
    )
    .await
}

fn gift_form(f: &Form, v: &GiftForm) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    let kinds: Vec<(String, String)> = ["donation", "party_fee", "grant"]
        .iter()
        .map(|k| ((*k).to_owned(), label(sup::MONEY_KINDS, k, l)))
        .collect();
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-gift")) } }
        h1 { (t(l, "sup-gift")) }
        form.box #gift-form method="post" action="/supplies/gift" {
            (csrf_field(f.csrf))
            (hidden("client_id", &v.client_id))
            (error_box(l, &f.errs.lines))
            (select("fund", &t(l, "sup-fund"), &fund_options(l, &f.lists.funds), &v.fund, e("fund")))
            (select("kind", &t(l, "sup-money-kind"), &kinds, &v.kind, e("money_kind")))
            (field("amount", &t(l, "sup-amount"), &v.amount, e("amount"), "inputmode=\"decimal\" required"))
            (select("donor_kind", &t(l, "sup-donor-kind"), &vocab_options(sup::DONOR_KINDS, l), &v.donor_kind, e("donor_kind")))
            (field("donor", &t(l, "sup-donor"), &v.donor, e("donor"), "maxlength=\"100\""))
            (select("channel", &t(l, "sup-channel"), &vocab_options(sup::CHANNELS, l), &v.channel, e("channel")))
            (field("reference", &t(l, "sup-reference"), &v.reference, e("reference"), "maxlength=\"60\""))
            (field("directed", &t(l, "sup-directed-money"), &v.directed, e("directed"), "maxlength=\"100\""))
            button.big.wide #gift-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

pub async fn spend_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<Qs>) -> Response {
    let f = SpendForm {
        client_id: cid(),
        fund: q.fund.clone(),
        ..SpendForm::default()
    };
    form_page(&db, &ctx, "sup-spend", &f, &FormErrors::none(), spend_form).await
}

pub async fn spend_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<SpendForm>) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::request_spend(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    let fund = f.fund.clone();
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/funds/{}?done=spend", fund.trim()),
        move |errs| async move { form_page(db, ctx, "sup-spend", f, &errs, spend_form).await },
    )
    .await
}

fn spend_form(f: &Form, v: &SpendForm) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-spend")) } }
        h1 { (t(l, "sup-spend")) }
        p.muted { (t(l, "sup-spend-how")) }
        form.box #spend-form method="post" action="/supplies/spend" {
            (csrf_field(f.csrf))
            (hidden("client_id", &v.client_id))
            (error_box(l, &f.errs.lines))
            (select("fund", &t(l, "sup-fund"), &fund_options(l, &f.lists.funds), &v.fund, e("fund")))
            (field("amount", &t(l, "sup-amount"), &v.amount, e("amount"), "inputmode=\"decimal\" required"))
            (field("payee", &t(l, "sup-payee"), &v.payee, e("payee"), "maxlength=\"100\" required"))
            (field("purpose", &t(l, "sup-purpose"), &v.purpose, e("purpose"), "maxlength=\"200\" required"))
            (field("receipt_no", &t(l, "sup-receipt-no"), &v.receipt_no, e("receipt_no"), "maxlength=\"60\" required"))
            button.big.wide #spend-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

struct FundView<'a> {
    f: &'a Fund,
    others: &'a [Fund],
    lots: &'a [LotFen],
    spends: &'a [(Spend, Vec<String>)],
    lines: &'a [Line],
    total: i64,
    page: i64,
    threshold: i64,
}

pub async fn fund_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<Qs>,
) -> Response {
    fund_view(&db, &ctx, id, q.page(), q.done.trim(), &FormErrors::none()).await
}

async fn fund_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    page: i64,
    done: &str,
    errs: &FormErrors,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let f = money::fund(db, r, id).await?;
        let lots = money::lots(db, id).await?;
        let mut spends = Vec::new();
        for s in money::spends(db, id, 30).await? {
            let mut names = money::approvals(db, s.id).await?;
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let shown = crate::access::display_names(db, &refs).await?;
            for n in names.iter_mut() {
                if let Some(s) = shown.get(n.as_str()) {
                    *n = s.clone();
                }
            }
            spends.push((s, names));
        }
        let (lines, total) = money::ledger(db, id, PAGE, (page - 1) * PAGE).await?;
        let threshold = money::threshold(db).await?;
        let others: Vec<Fund> = money::funds(db, r)
            .await?
            .into_iter()
            .chain(money::all_funds(db).await?)
            .filter(|o| o.id != f.id)
            .fold(Vec::new(), |mut acc, o| {
                if !acc.iter().any(|x: &Fund| x.id == o.id) {
                    acc.push(o);
                }
                acc
            });
        let v = FundView {
            f: &f,
            others: &others,
            lots: &lots,
            spends: &spends,
            lines: &lines,
            total,
            page,
            threshold,
        };
        Ok((f.name.clone(), fund_html(l, ctx, &v, done, errs)))
    };
    show(ctx, run.await)
}

fn fund_html(l: Lang, ctx: &Ctx, v: &FundView, done: &str, errs: &FormErrors) -> Markup {
    let f = v.f;
    let w = sup::can_write_money(ctx.reader());
    let me = &ctx.reader().username;
    let done_msg = match done {
        "fund" | "gift" | "spend" | "approved" | "paid" | "reversed" => {
            Some(t(l, &format!("sup-done-{done}")))
        }
        _ => None,
    };
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (f.name) } }
        h1 { (f.name) }
        p.muted { (f.area) }
        @if let Some(d) = done_msg { (notice(&d)) }
        (error_box(l, &errs.lines))
        p.big #fund-balance { (t(l, "sup-balance")) "：" (yuan(f.balance)) " " (t(l, "sup-yuan")) }
        @for lot in v.lots.iter().filter(|x| !x.lot.is_empty()) {
            p.muted { (t(l, "sup-directed-money")) "：" (lot.lot) " · " (yuan(lot.fen)) }
        }
        @if w {
            p.actions {
                a.btn #fund-gift href={ "/supplies/gift?fund=" (f.id) } { (t(l, "sup-gift")) }
                a.btn.alt #fund-spend href={ "/supplies/spend?fund=" (f.id) } { (t(l, "sup-spend")) }
            }
        }
        p.muted.small { (ta(l, "sup-threshold-note", &[("y", Arg::S(yuan(v.threshold)))])) }
        h2 { (t(l, "sup-spends")) }
        @if v.spends.is_empty() { p.muted { (t(l, "sup-no-spends")) } }
        ul.home #spends {
            @for (s, names) in v.spends {
                li id={ "spend-" (s.id) } {
                    b { (yuan(s.fen)) " " (t(l, "sup-yuan")) } " · " (s.payee) " · " (s.purpose)
                    span.sub { (t(l, "sup-receipt-no")) " " (s.receipt_no) " · " (minutes(s.created_ms)) }
                    span.sub.spend-status {
                        @if s.status == "paid" { (t(l, "sup-paid")) } @else {
                            (ta(l, "sup-approvals", &[("n", Arg::N(names.len() as i64)), ("of", Arg::N(s.needed))]))
                        }
                        @if !names.is_empty() { " · " (names.join("、")) }
                    }
                    @if w && s.status == "pending" && &s.requested_by != me {
                        form method="post" action={ "/supplies/spends/" (s.id) "/approve" } {
                            (csrf_field(&ctx.session.csrf))
                            button.alt id={ "approve-" (s.id) } data-confirm=(t(l, "sup-approve-confirm")) { (t(l, "sup-approve")) }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-ledger")) }
        @if v.lines.is_empty() { p.muted { (t(l, "sup-card-empty")) } } @else {
            table.stack #ledger {
                thead { tr { th { (t(l, "sup-when")) } th { (t(l, "sup-doc")) } th { (t(l, "sup-party")) } th { (t(l, "sup-amount")) } } }
                tbody {
                    @for e in v.lines {
                        tr id={ "entry-" (e.id) } {
                            td data-label=(t(l, "sup-when")) { (minutes(e.at_ms)) }
                            td data-label=(t(l, "sup-doc")) { a href={ "/supplies/money/" (e.id) } { "#" (e.id) " " (label(sup::MONEY_KINDS, &e.kind, l)) } }
                            td data-label=(t(l, "sup-party")) {
                                @if e.donor_kind == "anonymous" { (label(sup::DONOR_KINDS, "anonymous", l)) } @else { (e.party) }
                            }
                            td data-label=(t(l, "sup-amount")) { @if e.dir < 0 { "−" } (yuan(e.fen)) }
                        }
                    }
                }
            }
            (super::pager(l, v.page, v.total, "ledger-pager", |p| format!("/supplies/funds/{}?page={p}", f.id)))
        }
        @if w && f.balance > 0 {
            h2 { (t(l, "sup-transfer-money")) }
            form.box #transfer-form method="post" action="/supplies/transfers" {
                (csrf_field(&ctx.session.csrf))
                (hidden("client_id", &cid()))
                (hidden("fund", &f.id.to_string()))
                (select("to_fund", &t(l, "sup-to-fund"), &fund_options(l, v.others), "", errs.field("to_fund")))
                (field("amount", &t(l, "sup-amount"), "", errs.field("amount"), "inputmode=\"decimal\" required"))
                (select("lot", &t(l, "sup-directed-money"), &lot_options(l, v.lots), "", None))
                (field("purpose", &t(l, "sup-purpose"), "", errs.field("purpose"), "maxlength=\"200\" required"))
                button.alt #transfer-save data-confirm=(t(l, "sup-transfer-confirm")) { (t(l, "sup-transfer-money")) }
            }
        }
    }
    .into()
}

fn lot_options(l: Lang, lots: &[LotFen]) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(l, "sup-not-directed"))];
    v.extend(
        lots.iter()
            .filter(|x| !x.lot.is_empty())
            .map(|x| (x.lot.clone(), format!("{} · {}", x.lot, yuan(x.fen)))),
    );
    v
}

pub async fn transfer_post(
    State(db): State<Db>,
    CsrfForm(ctx, f): CsrfForm<money::TransferForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::transfer(db, &ctx.actor(), ctx.reader(), f, now_ms()).await;
    let fund = f.fund.trim().parse::<i64>().unwrap_or(0);
    kit::answer(
        ctx,
        res,
        |_| format!("/supplies/funds/{fund}?done=transferred"),
        move |errs| async move { fund_view(db, ctx, fund, 1, "", &errs).await },
    )
    .await
}

pub async fn approve_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let (ctx, db) = (&ctx, &db);
    let res = money::approve(db, &ctx.actor(), ctx.reader(), id, now_ms()).await;
    let fund = match money::spend(db, ctx.reader(), id).await {
        Ok(s) => s.fund_id,
        Err(e) => return ctx.error(e),
    };
    kit::answer(
        ctx,
        res,
        |status| {
            format!(
                "/supplies/funds/{fund}?done={}",
                if status == "paid" { "paid" } else { "approved" }
            )
        },
        move |errs| async move { fund_view(db, ctx, fund, 1, "", &errs).await },
    )
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReverseForm {
    pub reason: String,
}

async fn entry_view(db: &Db, ctx: &Ctx, id: i64, errs: &FormErrors) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let fund_id: i64 = db
            .scalar_opt(
                "SELECT fund_id FROM sup_money WHERE id = $1",
                crate::args![id],
            )
            .await?
            .ok_or(crate::error::AppError::NotFound)?;
        let f = money::fund(db, r, fund_id).await?;
        let e: Line = db
            .query_one_as(
                "SELECT id, kind, dir, fen, lot, party, donor_kind, channel, reference, purpose, reverses, reason, at_ms FROM sup_money WHERE id = $1",
                crate::args![id],
            )
            .await?;
        let reversed_by: Option<i64> = db
            .scalar_opt(
                "SELECT id FROM sup_money WHERE reverses = $1",
                crate::args![id],
            )
            .await?;
        let w = sup::can_write_money(r);
        let body = maud::html! {
            nav.crumbs { a href={ "/supplies/funds/" (f.id) } { (f.name) } i { "›" } span { "#" (e.id) } }
            h1 { (label(sup::MONEY_KINDS, &e.kind, l)) " #" (e.id) }
            dl.facts #entry-doc {
                dt { (t(l, "sup-amount")) } dd { @if e.dir < 0 { "−" } (yuan(e.fen)) }
                dt { (t(l, "sup-party")) } dd { @if e.donor_kind == "anonymous" { (label(sup::DONOR_KINDS, "anonymous", l)) } @else { (e.party) } }
                @if !e.channel.is_empty() { dt { (t(l, "sup-channel")) } dd { (label(sup::CHANNELS, &e.channel, l)) } }
                @if !e.reference.is_empty() { dt { (t(l, "sup-reference")) } dd { (e.reference) } }
                @if !e.purpose.is_empty() { dt { (t(l, "sup-purpose")) } dd { (e.purpose) } }
                @if !e.lot.is_empty() { dt { (t(l, "sup-directed-money")) } dd { (e.lot) } }
                @if !e.reason.is_empty() { dt { (t(l, "sup-reason")) } dd { (e.reason) } }
                dt { (t(l, "sup-when")) } dd { (minutes(e.at_ms)) }
                @if let Some(o) = e.reverses { dt { (t(l, "sup-corrects")) } dd { a href={ "/supplies/money/" (o) } { "#" (o) } } }
                @if let Some(c) = reversed_by { dt { (t(l, "sup-corrected-by")) } dd { a href={ "/supplies/money/" (c) } { "#" (c) } } }
            }
            @if w && e.reverses.is_none() && reversed_by.is_none() && e.kind != "correction" && !e.kind.starts_with("transfer") {
                form.box #entry-reverse method="post" action={ "/supplies/money/" (e.id) "/reverse" } {
                    (csrf_field(&ctx.session.csrf))
                    (error_box(l, &errs.lines))
                    (field("reason", &t(l, "sup-reason"), "", errs.field("reason"), "maxlength=\"500\" required"))
                    button.alt #entry-reverse-save data-confirm=(t(l, "sup-reverse-confirm")) { (t(l, "sup-reverse")) }
                }
            }
        };
        Ok((format!("#{id}"), body.into()))
    };
    show(ctx, run.await)
}

pub async fn entry_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    entry_view(&db, &ctx, id, &FormErrors::none()).await
}

pub async fn entry_reverse_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<ReverseForm>,
) -> Response {
    let (ctx, f, db) = (&ctx, &f, &db);
    let res = money::reverse(db, &ctx.actor(), ctx.reader(), id, &f.reason, now_ms()).await;
    kit::answer(
        ctx,
        res,
        |c| format!("/supplies/money/{c}"),
        move |errs| async move { entry_view(db, ctx, id, &errs).await },
    )
    .await
}
