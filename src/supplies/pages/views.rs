//! The supplies pages' views (maud): the overview, a store, the forms, a movement's document,
//! trips, the catalogue, the figures, and the funds.

use crate::access::Reader;
use crate::db::Db;
use crate::error::AppResult;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::Area;
use crate::supplies::goods::{
    self, Balance, CardLine, Item, MoveForm, NewItem, NewStore, ReceiptForm, Store,
};
use crate::supplies::money::Fund;
use crate::supplies::trips::{Trip, TripForm};
use crate::supplies::{self as sup, label, yuan};
use crate::web::html::{
    csrf_field, error_box, field, minutes, notice, select, vocab_options, Markup,
};
use crate::web::kit::FormErrors;

/// What a form's selects choose from.
pub struct Lists {
    pub stores: Vec<Store>,
    pub all_stores: Vec<Store>,
    pub items: Vec<Item>,
    pub areas: Vec<(String, String)>,
    pub teams: Vec<(String, String)>,
    pub trips: Vec<Trip>,
    pub funds: Vec<Fund>,
    /// Party branches of the scope that may own a store or fund ("none" first).
    pub branches: Vec<(String, String)>,
}

/// A form being drawn: language, CSRF token, errors, lists.
pub struct Form<'a> {
    pub l: Lang,
    pub csrf: &'a str,
    pub errs: &'a FormErrors,
    pub lists: &'a Lists,
}

fn done_text(l: Lang, done: &str) -> Option<String> {
    let id = match done {
        "received" | "moved" | "counted" | "trip" | "item" | "store" | "reversed" | "fund"
        | "gift" | "spend" | "approved" | "paid" | "handed" => format!("sup-done-{done}"),
        _ => return None,
    };
    Some(t(l, &id))
}

fn store_options(l: Lang, stores: &[Store], blank: bool) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if blank {
        v.push((String::new(), t(l, "sup-choose")));
    }
    v.extend(stores.iter().map(|s| {
        (
            s.id.to_string(),
            format!("{} · {}", s.name, label(sup::STORE_KINDS, &s.kind, l)),
        )
    }));
    v
}

fn item_options(l: Lang, items: &[Item]) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(l, "sup-choose"))];
    v.extend(items.iter().map(|i| {
        (
            i.id.to_string(),
            if i.pack > 1 {
                format!("{} · {}{}/{}", i.title(l), i.pack, i.unit, t(l, "sup-pack"))
            } else {
                format!("{} · {}", i.title(l), i.unit)
            },
        )
    }));
    v
}

fn per_options(l: Lang) -> Vec<(String, String)> {
    vec![
        ("pack".into(), t(l, "sup-per-pack")),
        ("unit".into(), t(l, "sup-per-unit")),
    ]
}

pub fn home(
    l: Lang,
    r: &Reader,
    stores: &[Store],
    funds: &[Fund],
    areas: &[(String, String)],
    branches: &[(i64, String)],
    done: &str,
) -> Markup {
    let goods_w = sup::can_write_goods(r);
    let money_w = sup::can_write_money(r);
    // The disclosure is per community, street or district: a grid's or building's reader is
    // sent to their community's (local codes are `<community>/G…`).
    let public_code = areas
        .first()
        .map(|a| a.0.split('/').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    maud::html! {
        h1 { (t(l, "sup-title")) }
        @if let Some(d) = done_text(l, done) { (notice(&d)) }
        @if goods_w {
            p.actions {
                a.btn #sup-receive href="/supplies/receive" { (t(l, "sup-receive")) }
                a.btn.alt #sup-move href="/supplies/move" { (t(l, "sup-move")) }
            }
        }
        h2 { (t(l, "sup-stores")) }
        @if stores.is_empty() {
            p.muted #sup-no-stores { (t(l, "sup-no-stores")) }
        } @else {
            table.stack #sup-stores {
                thead { tr { th { (t(l, "sup-store")) } th { (t(l, "sup-kind")) } th { (t(l, "sup-area")) } } }
                tbody {
                    @for s in stores {
                        tr {
                            td data-label=(t(l, "sup-store")) { a href={ "/supplies/stores/" (s.id) } id={ "store-" (s.id) } { (s.name) } }
                            td data-label=(t(l, "sup-kind")) { (label(sup::STORE_KINDS, &s.kind, l)) }
                            td data-label=(t(l, "sup-area")) { (s.area) }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-funds")) }
        @if funds.is_empty() {
            p.muted #sup-no-funds { (t(l, "sup-no-funds")) }
        } @else {
            table.stack #sup-funds {
                thead { tr { th { (t(l, "sup-fund")) } th { (t(l, "sup-area")) } th { (t(l, "sup-balance")) } } }
                tbody {
                    @for f in funds {
                        tr {
                            td data-label=(t(l, "sup-fund")) { a href={ "/supplies/funds/" (f.id) } id={ "fund-" (f.id) } { (f.name) } }
                            td data-label=(t(l, "sup-area")) { (f.area) }
                            td data-label=(t(l, "sup-balance")) { (yuan(f.balance)) " " (t(l, "sup-yuan")) }
                        }
                    }
                }
            }
        }
        @if money_w {
            p.actions {
                a.btn.alt #sup-gift href="/supplies/gift" { (t(l, "sup-gift")) }
                a.btn.alt #sup-spend href="/supplies/spend" { (t(l, "sup-spend")) }
            }
        }
        h2 { (t(l, "sup-more")) }
        ul.home {
            li { a #sup-trips href="/supplies/trips" { (t(l, "sup-trips")) } }
            li { a #sup-items href="/supplies/items" { (t(l, "sup-items")) } }
            li { a #sup-figures href="/supplies/figures" { (t(l, "sup-figures")) } }
            @if goods_w { li { a #sup-store-new href="/supplies/stores/new" { (t(l, "sup-store-new")) } } }
            @if money_w { li { a #sup-fund-new href="/supplies/funds/new" { (t(l, "sup-fund-new")) } } }
            @if !public_code.is_empty() {
                li { a #sup-public href={ "/public/supplies/" (public_code) } { (t(l, "sup-public")) } }
            }
            @for (id, name) in branches {
                li { a.branch-public href={ "/public/supplies-branch/" (id) } { (t(l, "sup-branch-public")) " · " (name) } }
            }
            li { a #sup-settings href="/supplies/settings" { (t(l, "sup-settings")) } }
        }
    }
    .into()
}

pub struct StoreView<'a> {
    pub s: &'a Store,
    pub items: &'a [Item],
    pub stock: &'a [Balance],
    pub lots: &'a [String],
    pub card: &'a [CardLine],
    pub total: i64,
    pub page: i64,
    pub served: &'a [String],
    pub done: &'a str,
}

fn item_of(items: &[Item], id: i64) -> Option<&Item> {
    items.iter().find(|i| i.id == id)
}

fn item_title(l: Lang, items: &[Item], id: i64) -> String {
    item_of(items, id).map(|i| i.title(l)).unwrap_or_default()
}

fn amount(l: Lang, items: &[Item], id: i64, qty: i64) -> String {
    item_of(items, id)
        .map(|i| i.amount(qty, l))
        .unwrap_or_else(|| qty.to_string())
}

pub fn store(l: Lang, r: &Reader, v: &StoreView) -> Markup {
    let s = v.s;
    let w = sup::can_write_goods(r) && r.scope.contains(&s.path);
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (s.name) } }
        h1 { (s.name) }
        p.muted { (label(sup::STORE_KINDS, &s.kind, l)) " · " (s.area) }
        @if !v.served.is_empty() {
            p.muted #sup-serves { (t(l, "sup-serves")) "：" (v.served.join("、")) }
        }
        @if let Some(d) = done_text(l, v.done) { (notice(&d)) }
        @if w {
            p.actions {
                a.btn #store-receive href={ "/supplies/receive?store=" (s.id) } { (t(l, "sup-receive")) }
                a.btn.alt #store-move href={ "/supplies/move?store=" (s.id) } { (t(l, "sup-move")) }
                a.btn.alt #store-count href={ "/supplies/stores/" (s.id) "/count" } { (t(l, "sup-count")) }
            }
        }
        h2 { (t(l, "sup-stock")) }
        @if v.stock.is_empty() {
            p.muted #sup-empty { (t(l, "sup-stock-empty")) }
        } @else {
            table.stack #sup-stock {
                thead { tr { th { (t(l, "sup-item")) } th { (t(l, "sup-qty")) } th { (t(l, "sup-lot")) } } }
                tbody {
                    @for (b, lot) in v.stock.iter().zip(v.lots) {
                        tr {
                            td data-label=(t(l, "sup-item")) { (item_title(l, v.items, b.item_id)) }
                            td data-label=(t(l, "sup-qty")) { (amount(l, v.items, b.item_id, b.qty)) }
                            td data-label=(t(l, "sup-lot")) { @if lot.is_empty() { (t(l, "sup-lot-free")) } @else { (lot) } }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-card")) }
        @if v.card.is_empty() {
            p.muted { (t(l, "sup-card-empty")) }
        } @else {
            table.stack #sup-card {
                thead { tr {
                    th { (t(l, "sup-when")) } th { (t(l, "sup-item")) } th { (t(l, "sup-doc")) }
                    th { (t(l, "sup-in")) } th { (t(l, "sup-out")) } th { (t(l, "sup-balance")) }
                } }
                tbody {
                    @for c in v.card {
                        tr id={ "card-" (c.move_id) } {
                            td data-label=(t(l, "sup-when")) { (minutes(c.at_ms)) }
                            td data-label=(t(l, "sup-item")) { (item_title(l, v.items, c.item_id)) }
                            td data-label=(t(l, "sup-doc")) {
                                a href={ "/supplies/moves/" (c.move_id) } { "#" (c.move_id) " " (goods::kind_label(&c.kind, l)) }
                                @if !c.other.is_empty() && !c.other.starts_with('#') { " · " (c.other) }
                            }
                            td data-label=(t(l, "sup-in")) { @if c.delta > 0 { (c.delta) } }
                            td data-label=(t(l, "sup-out")) { @if c.delta < 0 { (-c.delta) } }
                            td data-label=(t(l, "sup-balance")) { (c.balance) }
                        }
                    }
                }
            }
            (super::pager(l, v.page, v.total, "card-pager", |p| format!("/supplies/stores/{}?page={p}", s.id)))
        }
    }
    .into()
}

fn hidden(name: &str, value: &str) -> Markup {
    maud::html! { input type="hidden" name=(name) value=(value); }.into()
}

pub fn receive_form(f: &Form, v: &ReceiptForm) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    let kinds = vec![
        ("donation".to_owned(), label(sup::MOVE_KINDS, "donation", l)),
        ("purchase".to_owned(), label(sup::MOVE_KINDS, "purchase", l)),
        (
            "allocation".to_owned(),
            label(sup::MOVE_KINDS, "allocation", l),
        ),
    ];
    let mut areas = vec![(String::new(), t(l, "sup-not-directed"))];
    areas.extend(f.lists.areas.iter().cloned());
    let mut trips = vec![(String::new(), t(l, "sup-no-trip"))];
    trips.extend(f.lists.trips.iter().map(|tr| {
        (
            tr.id.to_string(),
            format!("{} · {} → {}", tr.plate, tr.from_label, tr.to_label),
        )
    }));
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-receive")) } }
        h1 { (t(l, "sup-receive")) }
        form.box #receive-form method="post" action="/supplies/receive" {
            (csrf_field(f.csrf))
            (hidden("client_id", &v.client_id))
            (error_box(l, &f.errs.lines))
            (select("kind", &t(l, "sup-receipt-kind"), &kinds, &v.kind, e("receipt_kind")))
            (select("store", &t(l, "sup-store"), &store_options(l, &f.lists.stores, true), &v.store, e("store")))
            (select("item", &t(l, "sup-item"), &item_options(l, &f.lists.items), &v.item, e("item")))
            div.row {
                (field("qty", &t(l, "sup-qty"), &v.qty, e("qty"), "inputmode=\"numeric\" required"))
                (select("per", &t(l, "sup-per"), &per_options(l), &v.per, None))
            }
            fieldset.field {
                span { (t(l, "sup-donation")) }
                (select("donor_kind", &t(l, "sup-donor-kind"), &vocab_options(sup::DONOR_KINDS, l), &v.donor_kind, e("donor_kind")))
                (field("donor", &t(l, "sup-donor"), &v.donor, e("donor"), "maxlength=\"100\""))
                (select("directed_area", &t(l, "sup-directed-area"), &areas, &v.directed_area, e("directed_area")))
                (field("directed_org", &t(l, "sup-directed-org"), &v.directed_org, e("directed_org"), "maxlength=\"100\""))
            }
            fieldset.field {
                span { (t(l, "sup-purchase")) }
                (field("supplier", &t(l, "sup-supplier"), &v.supplier, e("supplier"), "maxlength=\"100\""))
                (field("invoice", &t(l, "sup-invoice"), &v.invoice, e("invoice"), "maxlength=\"60\""))
            }
            (field("value", &t(l, "sup-value"), &v.value, e("value"), "inputmode=\"decimal\""))
            (select("trip", &t(l, "sup-trip"), &trips, &v.trip, e("trip")))
            button.big.wide #receive-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

pub fn move_form(f: &Form, v: &MoveForm) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    let kinds: Vec<(String, String)> = ["transfer", "handout", "loss", "return"]
        .iter()
        .map(|k| ((*k).to_owned(), label(sup::MOVE_KINDS, k, l)))
        .collect();
    let mut teams = vec![(String::new(), t(l, "sup-choose"))];
    teams.extend(f.lists.teams.iter().cloned());
    let mut trips = vec![(String::new(), t(l, "sup-no-trip"))];
    trips.extend(f.lists.trips.iter().map(|tr| {
        (
            tr.id.to_string(),
            format!("{} · {} → {}", tr.plate, tr.from_label, tr.to_label),
        )
    }));
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-move")) } }
        h1 { (t(l, "sup-move")) }
        form.box #move-form method="post" action="/supplies/move" {
            (csrf_field(f.csrf))
            (hidden("client_id", &v.client_id))
            (error_box(l, &f.errs.lines))
            (select("kind", &t(l, "sup-move-kind"), &kinds, &v.kind, e("move_kind")))
            (select("store", &t(l, "sup-from-store"), &store_options(l, &f.lists.stores, true), &v.store, e("store")))
            (select("item", &t(l, "sup-item"), &item_options(l, &f.lists.items), &v.item, e("item")))
            div.row {
                (field("qty", &t(l, "sup-qty"), &v.qty, e("qty"), "inputmode=\"numeric\" required"))
                (select("per", &t(l, "sup-per"), &per_options(l), &v.per, None))
            }
            @if let Some(err) = e("destination") { p.errors #sup-directed-err { (err) } }
            fieldset.field {
                span { (t(l, "sup-transfer-to")) }
                (select("to_store", &t(l, "sup-to-store"), &store_options(l, &f.lists.all_stores, true), &v.to_store, e("to_store")))
                (select("trip", &t(l, "sup-trip"), &trips, &v.trip, e("trip")))
            }
            fieldset.field {
                span { (t(l, "sup-handout-to")) }
                (select("to_type", &t(l, "sup-to-type"), &vocab_options(sup::OUT_TYPES, l).into_iter().filter(|o| o.0 != "need").collect::<Vec<_>>(), &v.to_type, e("to_type")))
                (field("household", &t(l, "sup-household"), &v.household, e("household"), "inputmode=\"numeric\""))
                (select("team", &t(l, "sup-team"), &teams, &v.team, e("team")))
                (field("to_name", &t(l, "sup-to-name"), &v.to_name, e("to_name"), "maxlength=\"100\""))
            }
            (field("reason", &t(l, "sup-reason"), &v.reason, e("reason"), "maxlength=\"500\""))
            button.big.wide #move-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

/// A movement as its document page shows it.
pub struct MoveDoc {
    pub id: i64,
    pub kind: String,
    pub item: Item,
    pub qty: i64,
    pub from: String,
    pub to: String,
    pub lot: String,
    pub reason: String,
    pub approver: String,
    pub actor: String,
    pub at_ms: i64,
    pub reverses: Option<i64>,
    pub reversed_by: Option<i64>,
    pub trip: Option<i64>,
    pub need: Option<i64>,
    pub value_fen: i64,
    pub invoice: String,
    pub writable: bool,
}

impl MoveDoc {
    /// A movement touching a store of the reader's scope; households named only to registry
    /// readers in scope (others see the community).
    pub async fn load(db: &Db, r: &Reader, id: i64, l: Lang) -> AppResult<MoveDoc> {
        let row: DocRow = db
            .query_opt_as(
                "SELECT kind, item_id, qty, from_type, from_store, from_label, from_path, to_type, to_store, \
                 to_label, to_path, lot, reason, approver, actor, at_ms, reverses, trip_id, need_id, household_id, \
                 value_fen, invoice FROM sup_moves WHERE id = $1",
                crate::args![id],
            )
            .await?
            .ok_or(crate::error::AppError::NotFound)?;
        let stores: Vec<i64> = [row.from_store, row.to_store]
            .into_iter()
            .flatten()
            .collect();
        let mut in_scope = false;
        let scope = sup::scope(r);
        for s in &stores {
            if let Some(p) = db
                .scalar_opt::<String>(
                    "SELECT path FROM sup_stores WHERE id = $1",
                    crate::args![*s],
                )
                .await?
            {
                in_scope |= scope.contains(&p);
            }
        }
        if !in_scope {
            return Err(crate::error::AppError::NotFound);
        }
        let hh = row.household_id;
        let from = side(
            db,
            r,
            l,
            hh,
            &row.from_type,
            &row.from_label,
            &row.from_path,
        )
        .await;
        let to = side(db, r, l, hh, &row.to_type, &row.to_label, &row.to_path).await;
        let reversed_by = db
            .scalar_opt::<i64>(
                "SELECT id FROM sup_moves WHERE reverses = $1",
                crate::args![id],
            )
            .await?;
        Ok(MoveDoc {
            id,
            kind: row.kind.clone(),
            item: goods::item(db, row.item_id).await?,
            qty: row.qty,
            from,
            to,
            lot: goods::lot_name(db, &row.lot, l).await,
            reason: row.reason.clone(),
            approver: crate::access::display_names(db, &[row.approver.as_str()])
                .await?
                .get(&row.approver)
                .cloned()
                .unwrap_or_else(|| row.approver.clone()),
            actor: crate::access::display_names(db, &[row.actor.as_str()])
                .await?
                .get(&row.actor)
                .cloned()
                .unwrap_or_else(|| row.actor.clone()),
            at_ms: row.at_ms,
            reverses: row.reverses,
            reversed_by,
            trip: row.trip_id,
            need: row.need_id,
            value_fen: row.value_fen,
            invoice: row.invoice.clone(),
            writable: sup::can_write_goods(r),
        })
    }
}

struct DocRow {
    kind: String,
    item_id: i64,
    qty: i64,
    from_type: String,
    from_store: Option<i64>,
    from_label: String,
    from_path: String,
    to_type: String,
    to_store: Option<i64>,
    to_label: String,
    to_path: String,
    lot: String,
    reason: String,
    approver: String,
    actor: String,
    at_ms: i64,
    reverses: Option<i64>,
    trip_id: Option<i64>,
    need_id: Option<i64>,
    household_id: Option<i64>,
    value_fen: i64,
    invoice: String,
}
crate::from_row!(DocRow {
    kind,
    item_id,
    qty,
    from_type,
    from_store,
    from_label,
    from_path,
    to_type,
    to_store,
    to_label,
    to_path,
    lot,
    reason,
    approver,
    actor,
    at_ms,
    reverses,
    trip_id,
    need_id,
    household_id,
    value_fen,
    invoice
});

/// One side of a movement for its document: a household as its community (with its number
/// only for registry readers in scope).
async fn side(
    db: &Db,
    r: &Reader,
    l: Lang,
    hh: Option<i64>,
    ty: &str,
    label: &str,
    path: &str,
) -> String {
    match ty {
        "household" | "need" => {
            let area = crate::registry::areas::by_path(db, path)
                .await
                .ok()
                .flatten()
                .map(|a| a.name)
                .unwrap_or_default();
            match hh {
                Some(h) if r.registry_scope().contains(path) => {
                    format!("{} · {} #{h}", area, t(l, "sup-household"))
                }
                _ => format!("{} · {}", area, t(l, "sup-household")),
            }
        }
        "loss" => format!("{} · {label}", t(l, "sup-loss")),
        "adjust" => format!("{} · {label}", label_of(sup::MOVE_KINDS, "adjust", l)),
        "donor" if label.is_empty() => label_of(sup::DONOR_KINDS, "anonymous", l),
        _ => label.to_owned(),
    }
}

fn label_of(v: sup::Vocab, code: &str, l: Lang) -> String {
    label(v, code, l)
}

pub fn move_doc(
    l: Lang,
    _r: &Reader,
    csrf: &str,
    m: &MoveDoc,
    errs: &FormErrors,
    done: &str,
    client_id: &str,
) -> Markup {
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-move-doc")) " #" (m.id) } }
        h1 { (goods::kind_label(&m.kind, l)) " #" (m.id) }
        @if let Some(d) = done_text(l, done) { (notice(&d)) }
        dl.facts #move-doc {
            dt { (t(l, "sup-item")) } dd { (m.item.title(l)) }
            dt { (t(l, "sup-qty")) } dd #doc-qty { (m.item.amount(m.qty, l)) }
            dt { (t(l, "sup-from")) } dd { (m.from) }
            dt { (t(l, "sup-to")) } dd { (m.to) }
            @if !m.lot.is_empty() { dt { (t(l, "sup-lot")) } dd { (m.lot) } }
            @if m.value_fen > 0 { dt { (t(l, "sup-value")) } dd { (yuan(m.value_fen)) } }
            @if !m.invoice.is_empty() { dt { (t(l, "sup-invoice")) } dd { (m.invoice) } }
            @if !m.reason.is_empty() { dt { (t(l, "sup-reason")) } dd { (m.reason) } }
            @if !m.approver.is_empty() { dt { (t(l, "sup-approver")) } dd { (m.approver) } }
            @if let Some(tr) = m.trip { dt { (t(l, "sup-trip")) } dd { a href="/supplies/trips" { "#" (tr) } } }
            @if let Some(n) = m.need { dt { (t(l, "sup-need")) } dd { "#" (n) } }
            dt { (t(l, "sup-by")) } dd { (m.actor) " · " (minutes(m.at_ms)) }
            @if let Some(o) = m.reverses { dt { (t(l, "sup-corrects")) } dd { a href={ "/supplies/moves/" (o) } { "#" (o) } } }
            @if let Some(c) = m.reversed_by { dt { (t(l, "sup-corrected-by")) } dd { a #doc-corrected-by href={ "/supplies/moves/" (c) } { "#" (c) } } }
        }
        @if m.writable && m.reverses.is_none() && m.reversed_by.is_none() && m.kind != "correction" {
            form.box #reverse-form method="post" action={ "/supplies/moves/" (m.id) "/reverse" } {
                (csrf_field(csrf))
                (hidden("client_id", client_id))
                (error_box(l, &errs.lines))
                (field("reason", &t(l, "sup-reason"), "", errs.field("reason"), "maxlength=\"500\" required"))
                button.alt #reverse-save data-confirm=(t(l, "sup-reverse-confirm")) { (t(l, "sup-reverse")) }
            }
        }
    }
    .into()
}

#[allow(clippy::too_many_arguments)]
pub fn count_form(
    l: Lang,
    csrf: &str,
    s: &Store,
    items: &[Item],
    stock: &[Balance],
    sent: &std::collections::HashMap<String, String>,
    errs: &FormErrors,
    client_id: &str,
) -> Markup {
    let held = |id: i64| {
        stock
            .iter()
            .filter(|b| b.item_id == id)
            .map(|b| b.qty)
            .sum::<i64>()
    };
    let shown: Vec<&Item> = items.iter().filter(|i| held(i.id) > 0).collect();
    let v = |k: &str| sent.get(k).cloned().unwrap_or_default();
    maud::html! {
        nav.crumbs { a href={ "/supplies/stores/" (s.id) } { (s.name) } i { "›" } span { (t(l, "sup-count")) } }
        h1 { (t(l, "sup-count")) }
        p.muted { (t(l, "sup-count-how")) }
        form.box #count-form method="post" action={ "/supplies/stores/" (s.id) "/count" } {
            (csrf_field(csrf))
            (hidden("client_id", &if sent.is_empty() { client_id.to_owned() } else { v("client_id") }))
            (error_box(l, &errs.lines))
            @for i in &shown {
                (field(&format!("count_{}", i.id), &format!("{} · {} {}", i.title(l), t(l, "sup-book"), held(i.id)), &v(&format!("count_{}", i.id)), None, "inputmode=\"numeric\""))
            }
            @if shown.is_empty() { p.muted { (t(l, "sup-stock-empty")) } }
            (field("reason", &t(l, "sup-reason"), &v("reason"), errs.field("reason"), "maxlength=\"500\" required"))
            (field("approver", &t(l, "sup-approver-login"), &v("approver"), errs.field("approver"), "maxlength=\"64\" required"))
            button.big.wide #count-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

#[allow(clippy::too_many_arguments)]
pub fn trips(
    l: Lang,
    r: &Reader,
    csrf: &str,
    list: &[Trip],
    total: i64,
    page: i64,
    done: &str,
    f: &TripForm,
    errs: &FormErrors,
    areas: &[(String, String)],
) -> Markup {
    let e = |k: &str| errs.field(k);
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-trips")) } }
        h1 { (t(l, "sup-trips")) }
        @if let Some(d) = done_text(l, done) { (notice(&d)) }
        p.muted #trips-total { (ta(l, "sup-trips-total", &[("n", Arg::N(total))])) }
        @if !list.is_empty() {
            table.stack #trips {
                thead { tr { th { (t(l, "sup-plate")) } th { (t(l, "sup-route")) } th { (t(l, "sup-depart")) } th { (t(l, "sup-load")) } } }
                tbody {
                    @for tr in list {
                        tr id={ "trip-" (tr.id) } {
                            td data-label=(t(l, "sup-plate")) { (tr.plate) " · " (tr.driver) }
                            td data-label=(t(l, "sup-route")) { (tr.from_label) " → " (tr.to_label) }
                            td data-label=(t(l, "sup-depart")) { (minutes(tr.depart_ms)) @if let Some(a) = tr.arrive_ms { " – " (minutes(a)) } }
                            td data-label=(t(l, "sup-load")) {
                                (ta(l, "sup-trip-load", &[("kg", Arg::N(tr.tonnage_kg)), ("p", Arg::N(tr.passengers)), ("m", Arg::N(tr.moves))]))
                            }
                        }
                    }
                }
            }
            (super::pager(l, page, total, "trips-pager", |p| format!("/supplies/trips?page={p}")))
        }
        @if sup::can_write_goods(r) {
            h2 { (t(l, "sup-trip-new")) }
            form.box #trip-form method="post" action="/supplies/trips" {
                (csrf_field(csrf))
                (hidden("client_id", &f.client_id))
                (error_box(l, &errs.lines))
                (field("plate", &t(l, "sup-plate"), &f.plate, e("plate"), "maxlength=\"20\" required"))
                (field("driver", &t(l, "sup-driver"), &f.driver, e("driver"), "maxlength=\"60\" required"))
                (field("from", &t(l, "sup-from"), &f.from, e("from_place"), "maxlength=\"100\" required"))
                (field("to", &t(l, "sup-to"), &f.to, e("to_place"), "maxlength=\"100\" required"))
                (field("depart", &t(l, "sup-depart"), &f.depart, e("depart"), "type=\"datetime-local\" required"))
                (field("arrive", &t(l, "sup-arrive"), &f.arrive, e("arrive"), "type=\"datetime-local\""))
                div.row {
                    (field("kg", &t(l, "sup-kg"), &f.kg, e("kg"), "inputmode=\"numeric\""))
                    (field("passengers", &t(l, "sup-passengers"), &f.passengers, e("passengers"), "inputmode=\"numeric\""))
                }
                (select("area", &t(l, "sup-area"), areas, &f.area, e("area")))
                button.big.wide #trip-save { (t(l, "sup-save")) }
            }
        }
    }
    .into()
}

pub fn items(
    l: Lang,
    r: &Reader,
    csrf: &str,
    items: &[Item],
    done: &str,
    f: &NewItem,
    errs: &FormErrors,
) -> Markup {
    let e = |k: &str| errs.field(k);
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-items")) } }
        h1 { (t(l, "sup-items")) }
        @if let Some(d) = done_text(l, done) { (notice(&d)) }
        table.stack #items {
            thead { tr { th { (t(l, "sup-item")) } th { (t(l, "sup-category")) } th { (t(l, "sup-pack")) } } }
            tbody {
                @for i in items {
                    tr {
                        td data-label=(t(l, "sup-item")) { (i.title(l)) }
                        td data-label=(t(l, "sup-category")) { (label(sup::CATEGORIES, &i.category, l)) }
                        td data-label=(t(l, "sup-pack")) { (i.pack) " " (i.unit) }
                    }
                }
            }
        }
        @if sup::can_write_goods(r) {
            h2 { (t(l, "sup-item-new")) }
            form.box #item-form method="post" action="/supplies/items" {
                (csrf_field(csrf))
                (error_box(l, &errs.lines))
                (field("code", &t(l, "sup-code"), &f.code, e("code"), "maxlength=\"40\" required"))
                (field("name", &t(l, "sup-item-name"), &f.name, e("item_name"), "maxlength=\"100\" required"))
                (select("category", &t(l, "sup-category"), &vocab_options(sup::CATEGORIES, l), &f.category, e("item_category")))
                (select("grade", &t(l, "sup-grade"), &vocab_options(sup::GRADES, l), &f.grade, e("grade")))
                div.row {
                    (field("unit", &t(l, "sup-unit"), &f.unit, e("unit"), "maxlength=\"10\" required"))
                    (field("pack", &t(l, "sup-pack-size"), &f.pack, e("pack"), "inputmode=\"numeric\" required"))
                }
                button.big.wide #item-save { (t(l, "sup-save")) }
            }
        }
    }
    .into()
}

pub fn store_form(f: &Form, v: &NewStore) -> Markup {
    let l = f.l;
    let e = |k: &str| f.errs.field(k);
    let mut teams = vec![(String::new(), t(l, "sup-no-team"))];
    teams.extend(f.lists.teams.iter().cloned());
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-store-new")) } }
        h1 { (t(l, "sup-store-new")) }
        form.box #store-form method="post" action="/supplies/stores/new" {
            (csrf_field(f.csrf))
            (error_box(l, &f.errs.lines))
            (field("name", &t(l, "sup-store-name"), &v.name, e("store_name"), "maxlength=\"100\" required"))
            (select("kind", &t(l, "sup-kind"), &vocab_options(sup::STORE_KINDS, l), &v.kind, e("store_kind")))
            (select("area", &t(l, "sup-area"), &f.lists.areas, &v.area, e("area")))
            (field("owner", &t(l, "sup-owner"), &v.owner, e("owner"), "maxlength=\"64\""))
            (select("team", &t(l, "sup-team"), &teams, &v.team, e("team")))
            (field("serves", &t(l, "sup-serves-codes"), &v.serves, e("serves"), "maxlength=\"2000\""))
            (select("branch", &t(l, "sup-branch"), &f.lists.branches, &v.branch, e("branch")))
            button.big.wide #store-save { (t(l, "sup-save")) }
        }
    }
    .into()
}

pub fn figures(
    l: Lang,
    area: &Area,
    p: &crate::needs::figures::Period,
    f: &crate::supplies::figures::Figures,
    areas: &[(String, String)],
) -> Markup {
    let list = |rows: &[crate::supplies::figures::ItemQty], id: &str| -> Markup {
        maud::html! {
            @if rows.is_empty() { p.muted { "—" } } @else {
                ul id=(id) {
                    @for i in rows {
                        li { (i.item) @if !i.grade.is_empty() { " (" (crate::supplies::disclosure::grade(&i.grade, l)) ")" } "：" (i.qty) " " (i.unit) }
                    }
                }
            }
        }
        .into()
    };
    maud::html! {
        nav.crumbs { a href="/supplies" { (t(l, "sup-title")) } i { "›" } span { (t(l, "sup-figures")) } }
        h1 { (t(l, "sup-figures")) " · " (area.name) }
        form.box.inline #figures-form method="get" action="/supplies/figures" {
            (select("area", &t(l, "sup-area"), areas, &area.code, None))
            div.row {
                (field("from", &t(l, "sup-period-from"), &p.from, None, "type=\"date\""))
                (field("to", &t(l, "sup-period-to"), &p.to, None, "type=\"date\""))
            }
            button.alt { (t(l, "sup-show")) }
        }
        ul.home #sup-sentences {
            @for s in f.sentences(l) { li { (s) } }
        }
        dl.facts {
            dt { (t(l, "sup-trips")) } dd #fig-trips { (f.trips) }
            dt { (t(l, "sup-kg")) } dd { (f.tonnage_kg) }
            dt { (t(l, "sup-passengers")) } dd { (f.passengers) }
            dt { (t(l, "sup-households-helped")) } dd #fig-households { (f.households_helped) }
            dt { (t(l, "sup-stock-outs")) } dd { (f.stock_outs) }
            dt { (t(l, "sup-money-in")) } dd { (yuan(f.money_received_fen)) }
            dt { (t(l, "sup-money-out")) } dd { (yuan(f.money_spent_fen)) }
            dt { (t(l, "sup-balance")) } dd { (yuan(f.balance_fen)) }
        }
        h2 { (t(l, "sup-received")) } (list(&f.received, "fig-received"))
        h2 { (t(l, "sup-handed-out")) } (list(&f.handed_out, "fig-out"))
        h2 { (t(l, "sup-stock")) } (list(&f.in_stock, "fig-stock"))
    }
    .into()
}
