//! The goods ledger: the catalogue, stores and movements (trips are in [`super::trips`]).
//!
//! Every movement takes `qty` units of an item from one account and puts it in another. Only
//! stores hold stock: a store side is a conditional `UPDATE` of its balance row (`qty >= n`),
//! so two handouts of the last box cannot both succeed on either backend — the second is told
//! how much is left. Each store side also writes a stock-card line with the balance after it.
//!
//! A directed gift carries its direction (`lot`: `area:<path>` or `org:<name>`) wherever it is
//! moved; it may leave the ledger only to where it was directed (a store, household, need or
//! team in or serving that area; the named recipient), back to the donor, or as a loss.

use serde::Serialize;
use serde_json::json;

use super::{in_vocab, label, quantity, text, Vocab};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::web::kit::Check;

// ---- catalogue ----

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub grade: String,
    pub unit: String,
    pub pack: i64,
}
crate::from_row!(Item {
    id,
    code,
    name,
    category,
    grade,
    unit,
    pack
});

impl Item {
    /// "口罩 (KN95)" / "masks (KN95)".
    pub fn title(&self, l: Lang) -> String {
        if self.grade.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, label(super::GRADES, &self.grade, l))
        }
    }

    /// A quantity in packs and units: "16 盒（800 只）".
    pub fn amount(&self, qty: i64, l: Lang) -> String {
        if self.pack > 1 && qty % self.pack == 0 {
            match l {
                Lang::Zh => format!("{} 包（{} {}）", qty / self.pack, qty, self.unit),
                Lang::En => format!("{} packs ({} {})", qty / self.pack, qty, self.unit),
            }
        } else {
            format!("{qty} {}", self.unit)
        }
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewItem {
    pub code: String,
    pub name: String,
    pub category: String,
    pub grade: String,
    pub unit: String,
    pub pack: String,
}

pub async fn items(db: &Db) -> AppResult<Vec<Item>> {
    Ok(db
        .query_as(
            "SELECT id, code, name, category, grade, unit, pack FROM sup_items ORDER BY category, name, grade",
            vec![],
        )
        .await?)
}

pub async fn item(db: &Db, id: i64) -> AppResult<Item> {
    db.query_opt_as(
        "SELECT id, code, name, category, grade, unit, pack FROM sup_items WHERE id = $1",
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

async fn item_in(tx: &mut Tx, id: i64) -> AppResult<Option<Item>> {
    Ok(tx
        .query_opt_as(
            "SELECT id, code, name, category, grade, unit, pack FROM sup_items WHERE id = $1",
            args![id],
        )
        .await?)
}

/// Add an item to the catalogue (keepers and officers).
pub async fn add_item(db: &Db, actor: &Actor, r: &Reader, f: &NewItem) -> AppResult<i64> {
    super::require_goods(r)?;
    let mut c = Check::default();
    let code = text(&mut c, "code", &f.code, 40, true);
    let name = text(&mut c, "item_name", &f.name, 100, true);
    if !in_vocab(super::CATEGORIES, f.category.trim()) {
        c.push(FieldError::new(
            "item_category",
            "choose a category",
            "请选择类别",
        ));
    }
    if !in_vocab(super::GRADES, f.grade.trim()) {
        c.push(FieldError::new(
            "grade",
            format!("unknown grade {:?}", f.grade.trim()),
            format!("未知等级“{}”", f.grade.trim()),
        ));
    }
    let unit = text(&mut c, "unit", &f.unit, 10, true);
    let pack = quantity(&mut c, "pack", &f.pack);
    c.finish()?;
    let mut tx = db.begin().await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO sup_items (code, name, category, grade, unit, pack, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![code.as_str(), name.as_str(), f.category.trim(), f.grade.trim(), unit.as_str(), pack, crate::db::now_ms()],
        )
        .await
        .map_err(|e| match e {
            crate::db::DbError::Unique(_) => AppError::Invalid(vec![FieldError::new(
                "code",
                "an item with this code exists",
                "已有此编码的物品",
            )]),
            e => e.into(),
        })?;
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_item_created", "supply_item", id)
            .detail(json!({"code": code, "grade": f.grade.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---- stores ----

#[derive(Debug, Clone, Serialize)]
pub struct Store {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub owner: String,
    pub team_id: Option<i64>,
    pub area: String,
}
crate::from_row!(Store {
    id,
    name,
    kind,
    path,
    owner,
    team_id,
    area
});

const STORE_COLS: &str =
    "s.id, s.name, s.kind, s.path, s.owner, s.team_id, COALESCE(a.name, '') AS area";
const STORE_FROM: &str = "sup_stores s LEFT JOIN areas a ON a.path = s.path";

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewStore {
    pub name: String,
    pub kind: String,
    /// The area code the store is under.
    pub area: String,
    pub owner: String,
    pub team: String,
    /// Codes of the communities a supply point serves, separated by spaces or commas.
    pub serves: String,
    /// The owning party branch's id, if any (its public disclosure shows the store).
    pub branch: String,
}

/// Create a store under an area of the reader's scope.
pub async fn add_store(db: &Db, actor: &Actor, r: &Reader, f: &NewStore) -> AppResult<i64> {
    super::require_goods(r)?;
    let mut c = Check::default();
    let name = text(&mut c, "store_name", &f.name, 100, true);
    let kind = f.kind.trim();
    if !in_vocab(super::STORE_KINDS, kind) {
        c.push(FieldError::new(
            "store_kind",
            "choose depot, supply point or team store",
            "请选择仓库、便民服务点或小组物资",
        ));
    }
    let owner = text(&mut c, "owner", &f.owner, 64, false);
    let area = crate::registry::areas::by_code(db, f.area.trim()).await?;
    let area = match area {
        Some(a) if r.scope.contains(&a.path) => Some(a),
        _ => {
            c.push(FieldError::new(
                "area",
                "choose an area of your scope",
                "请选择您管辖范围内的区划",
            ));
            None
        }
    };
    let mut serves = Vec::new();
    for code in f
        .serves
        .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '，')
        .filter(|s| !s.is_empty())
        .take(200)
    {
        match crate::registry::areas::by_code(db, code).await? {
            Some(a) => serves.push(a.path),
            None => c.push(FieldError::new(
                "serves",
                format!("no area with code {code}"),
                format!("没有代码为 {code} 的区划"),
            )),
        }
    }
    let team = match f.team.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(id)
                if db
                    .scalar_opt::<i64>("SELECT id FROM teams WHERE id = $1", args![id])
                    .await?
                    .is_some() =>
            {
                Some(id)
            }
            _ => {
                c.push(FieldError::new("team", "no such team", "没有此小组"));
                None
            }
        },
    };
    let branch = super::branch_field(db, &mut c, r, &f.branch).await;
    if kind == "team" && team.is_none() && c.is_empty() {
        c.push(FieldError::new(
            "team",
            "a team store names its team",
            "小组物资须选择小组",
        ));
    }
    c.finish()?;
    let area = area.expect("checked");
    let mut tx = db.begin().await?;
    let id = tx
        .scalar::<i64>(
            "INSERT INTO sup_stores (name, kind, path, owner, team_id, branch_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![name.as_str(), kind, area.path.as_str(), owner.as_str(), team, branch, crate::db::now_ms()],
        )
        .await?;
    for p in &serves {
        tx.execute(
            "INSERT INTO sup_store_serves (store_id, path) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            args![id, p.as_str()],
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_store_created", "supply_store", id)
            .area(&area.path)
            .detail(json!({"name": name, "kind": kind, "serves": serves})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The stores of the reader's scope.
pub async fn stores(db: &Db, r: &Reader) -> AppResult<Vec<Store>> {
    super::require_read(r)?;
    let (cond, params) = super::scope(r).sql("s.path", 1);
    Ok(db
        .query_as(
            &format!("SELECT {STORE_COLS} FROM {STORE_FROM} WHERE {cond} ORDER BY s.path, s.kind, s.name LIMIT 500"),
            params,
        )
        .await?)
}

/// Every store (to pick a transfer's destination, which may lie outside the sender's scope).
pub async fn all_stores(db: &Db) -> AppResult<Vec<Store>> {
    Ok(db
        .query_as(
            &format!(
                "SELECT {STORE_COLS} FROM {STORE_FROM} ORDER BY s.path, s.kind, s.name LIMIT 2000"
            ),
            vec![],
        )
        .await?)
}

async fn store_any(db: &Db, id: i64) -> AppResult<Store> {
    db.query_opt_as(
        &format!("SELECT {STORE_COLS} FROM {STORE_FROM} WHERE s.id = $1"),
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// A store of the reader's scope (else not found).
pub async fn store(db: &Db, r: &Reader, id: i64) -> AppResult<Store> {
    super::require_read(r)?;
    let s = store_any(db, id).await?;
    if super::scope(r).contains(&s.path) {
        Ok(s)
    } else {
        Err(AppError::NotFound)
    }
}

/// The areas a supply point serves.
pub async fn serves(db: &Db, store: i64) -> AppResult<Vec<String>> {
    Ok(db
        .column(
            "SELECT path FROM sup_store_serves WHERE store_id = $1 ORDER BY path",
            args![store],
        )
        .await?)
}

/// The team stores of a volunteer's teams.
pub async fn team_stores(db: &Db, volunteer: i64) -> AppResult<Vec<Store>> {
    Ok(db
        .query_as(
            &format!(
                "SELECT {STORE_COLS} FROM {STORE_FROM} JOIN team_members m ON m.team_id = s.team_id \
                 WHERE m.volunteer_id = $1 ORDER BY s.name"
            ),
            args![volunteer],
        )
        .await?)
}

// ---- balances ----

#[derive(Debug, Clone, Serialize)]
pub struct Balance {
    pub item_id: i64,
    pub lot: String,
    pub qty: i64,
}
crate::from_row!(Balance { item_id, lot, qty });

/// The stock of a store: per item and lot, only what it holds.
pub async fn stock(db: &Db, store: i64) -> AppResult<Vec<Balance>> {
    Ok(db
        .query_as(
            "SELECT item_id, lot, qty FROM sup_stock WHERE store_id = $1 AND qty > 0 ORDER BY item_id, lot",
            args![store],
        )
        .await?)
}

/// A stock-card line: the movement, the change and the balance of the item after it.
#[derive(Debug, Clone, Serialize)]
pub struct CardLine {
    pub move_id: i64,
    pub item_id: i64,
    pub delta: i64,
    pub balance: i64,
    pub kind: String,
    pub other: String,
    pub lot: String,
    pub reason: String,
    pub reverses: Option<i64>,
    pub trip_id: Option<i64>,
    pub at_ms: i64,
}
crate::from_row!(CardLine {
    move_id,
    item_id,
    delta,
    balance,
    kind,
    other,
    lot,
    reason,
    reverses,
    trip_id,
    at_ms
});

/// One page of a store's stock card, newest first (all items, or one), and its number of
/// lines (from the store's counter). All items: a range of the store's card sequence (the
/// same cost on any page at any ledger size); one item: the item's index range.
pub async fn card(
    db: &Db,
    store: i64,
    item: Option<i64>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<CardLine>, i64)> {
    let total: i64 = db
        .scalar_opt(
            "SELECT lines FROM sup_card_count WHERE store_id = $1 AND item_id = $2",
            args![store, item.unwrap_or(0)],
        )
        .await?
        .unwrap_or(0);
    let (limit, offset) = (limit.clamp(0, 1000), offset.max(0));
    const COLS: &str = "SELECT c.move_id, c.item_id, c.delta, c.balance, m.kind, \
         CASE WHEN c.delta < 0 THEN m.to_label ELSE m.from_label END AS other, m.lot, m.reason, \
         m.reverses, m.trip_id, m.at_ms FROM sup_card c JOIN sup_moves m ON m.id = c.move_id";
    let lines = match item {
        None => {
            let top = total - offset;
            db.query_as(
                &format!(
                    "{COLS} WHERE c.store_id = $1 AND c.seq <= $2 AND c.seq > $3 ORDER BY c.seq DESC"
                ),
                args![store, top, top - limit],
            )
            .await?
        }
        Some(i) => {
            db.query_as(
                &format!(
                    "{COLS} WHERE c.store_id = $1 AND c.item_id = $2 ORDER BY c.move_id DESC LIMIT $3 OFFSET $4"
                ),
                args![store, i, limit, offset],
            )
            .await?
        }
    };
    Ok((lines, total))
}

// ---- movements ----

/// One side of a movement.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub kind: String,
    pub store: Option<i64>,
    pub label: String,
    pub path: String,
}

impl Side {
    pub fn store(s: &Store) -> Side {
        Side {
            kind: "store".into(),
            store: Some(s.id),
            label: s.name.clone(),
            path: s.path.clone(),
        }
    }
    pub fn outside(kind: &str, label: &str, path: &str) -> Side {
        Side {
            kind: kind.into(),
            store: None,
            label: label.into(),
            path: path.into(),
        }
    }
}

/// A movement to post, checked.
#[derive(Debug, Clone, Default)]
pub struct Post {
    pub kind: &'static str,
    pub item: i64,
    pub qty: i64,
    pub from: Side,
    pub to: Side,
    /// The lot taken from (a store side) or received into; `None`: chosen by the destination.
    pub lot: Option<String>,
    pub donor_kind: String,
    pub value_fen: i64,
    pub invoice: String,
    pub household_id: Option<i64>,
    pub need_id: Option<i64>,
    pub team_id: Option<i64>,
    pub trip_id: Option<i64>,
    pub reverses: Option<i64>,
    pub reason: String,
    pub approver: String,
    pub client_id: Option<String>,
}

/// Whether goods of `lot` may go to `to` (a store is given with the areas it serves).
fn lot_allows(lot: &str, kind: &str, to: &Side, to_serves: &[String]) -> bool {
    if lot.is_empty() || matches!(kind, "return" | "loss" | "adjust" | "correction") {
        return true;
    }
    if let Some(area) = lot.strip_prefix("area:") {
        to.path.starts_with(area)
            || (to.kind == "store" && to_serves.iter().any(|p| p.starts_with(area)))
    } else if let Some(org) = lot.strip_prefix("org:") {
        // Carried between stores; out of the ledger only to the named recipient.
        to.kind == "store" || (to.kind == "recipient" && to.label == org)
    } else {
        false
    }
}

/// The text of a lot for people: "定向：一社区" / "directed: Community 1".
pub async fn lot_name(db: &Db, lot: &str, l: Lang) -> String {
    let whom = if let Some(p) = lot.strip_prefix("area:") {
        crate::registry::areas::by_path(db, p)
            .await
            .ok()
            .flatten()
            .map(|a| a.name)
            .unwrap_or_else(|| p.to_owned())
    } else if let Some(o) = lot.strip_prefix("org:") {
        o.to_owned()
    } else {
        return String::new();
    };
    match l {
        Lang::Zh => format!("定向：{whom}"),
        Lang::En => format!("directed: {whom}"),
    }
}

fn short(item: &Item, left: i64) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "qty",
        format!(
            "not enough in stock: {left} {} left for this destination",
            item.unit
        ),
        format!("库存不足：可发往此处的仅剩 {left} {}", item.unit),
    )])
}

struct LotQty {
    lot: String,
    qty: i64,
}
crate::from_row!(LotQty { lot, qty });

/// Post a movement in `tx`: take from the store side (conditional update), put into the store
/// side, write the movement and its stock-card lines. Returns the movement's id.
pub async fn post_in(tx: &mut Tx, p: &Post, actor: &str, now: i64) -> AppResult<i64> {
    let item = item_in(tx, p.item).await?.ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new("item", "unknown item", "未知物品")])
    })?;
    if p.qty <= 0 || p.qty > super::MAX_QTY {
        return Err(FieldError::new(
            "qty",
            format!("a whole number from 1 to {}", super::MAX_QTY),
            format!("1 至 {} 的整数", super::MAX_QTY),
        )
        .into());
    }
    // The stores' card counters first, in ascending store id: this takes each store's row
    // lock (PostgreSQL) in one order for every movement, so two opposite transfers at the
    // same moment queue instead of deadlocking; the counters give the card's sequence.
    let mut sides: Vec<i64> = [p.from.store, p.to.store].into_iter().flatten().collect();
    sides.sort_unstable();
    sides.dedup();
    let mut seqs: Vec<(i64, i64)> = Vec::new();
    for s in &sides {
        let seq: i64 = tx
            .scalar(
                "INSERT INTO sup_card_count (store_id, item_id, lines) VALUES ($1, 0, 1) \
                 ON CONFLICT (store_id, item_id) DO UPDATE SET lines = sup_card_count.lines + 1 RETURNING lines",
                args![*s],
            )
            .await?;
        tx.execute(
            "INSERT INTO sup_card_count (store_id, item_id, lines) VALUES ($1, $2, 1) \
             ON CONFLICT (store_id, item_id) DO UPDATE SET lines = sup_card_count.lines + 1",
            args![*s, p.item],
        )
        .await?;
        seqs.push((*s, seq));
    }
    let to_serves: Vec<String> = match p.to.store {
        Some(s) => {
            tx.column(
                "SELECT path FROM sup_store_serves WHERE store_id = $1",
                args![s],
            )
            .await?
        }
        None => vec![],
    };
    let lot = if let Some(from) = p.from.store {
        // Which lot: the one asked for, or the first this destination may receive with enough
        // in it (directed lots before free stock, so a directed gift is used where it was meant).
        let lots: Vec<LotQty> = tx
            .query_as(
                "SELECT lot, qty FROM sup_stock WHERE store_id = $1 AND item_id = $2 ORDER BY lot DESC",
                args![from, p.item],
            )
            .await?;
        let usable: Vec<&LotQty> = lots
            .iter()
            .filter(|l| match &p.lot {
                Some(want) => &l.lot == want,
                None => lot_allows(&l.lot, p.kind, &p.to, &to_serves),
            })
            .collect();
        if let Some(want) = &p.lot {
            if !lot_allows(want, p.kind, &p.to, &to_serves) {
                return Err(directed_refused());
            }
        }
        let left: i64 = usable.iter().map(|l| l.qty).sum();
        let Some(pick) = usable.iter().find(|l| l.qty >= p.qty) else {
            if left == 0 && lots.iter().any(|l| l.qty >= p.qty) {
                return Err(directed_refused());
            }
            return Err(short(&item, left));
        };
        let lot = pick.lot.clone();
        let n = tx
            .execute(
                "UPDATE sup_stock SET qty = qty - $1 WHERE store_id = $2 AND item_id = $3 AND lot = $4 AND qty >= $1",
                args![p.qty, from, p.item, lot.as_str()],
            )
            .await?;
        if n == 0 {
            // Someone took it meanwhile (PostgreSQL: the update waited for their commit).
            let now_left: i64 = tx
                .scalar(
                    "SELECT COALESCE(SUM(qty), 0) AS n FROM sup_stock WHERE store_id = $1 AND item_id = $2 AND lot = $3",
                    args![from, p.item, lot.as_str()],
                )
                .await?;
            return Err(short(&item, now_left));
        }
        lot
    } else {
        p.lot.clone().unwrap_or_default()
    };
    if let Some(to) = p.to.store {
        tx.execute(
            "INSERT INTO sup_stock (store_id, item_id, lot, qty) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (store_id, item_id, lot) DO UPDATE SET qty = sup_stock.qty + excluded.qty",
            args![to, p.item, lot.as_str(), p.qty],
        )
        .await?;
    }
    let id: i64 = tx
        .scalar(
            "INSERT INTO sup_moves (kind, item_id, qty, from_type, from_store, from_label, from_path, \
             to_type, to_store, to_label, to_path, lot, donor_kind, value_fen, invoice, household_id, \
             need_id, team_id, trip_id, reverses, reason, approver, client_id, actor, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21, $22, $23, $24, $25) RETURNING id",
            vec![
                p.kind.into(),
                p.item.into(),
                p.qty.into(),
                p.from.kind.as_str().into(),
                p.from.store.into(),
                p.from.label.as_str().into(),
                p.from.path.as_str().into(),
                p.to.kind.as_str().into(),
                p.to.store.into(),
                p.to.label.as_str().into(),
                p.to.path.as_str().into(),
                lot.as_str().into(),
                p.donor_kind.as_str().into(),
                p.value_fen.into(),
                p.invoice.as_str().into(),
                p.household_id.into(),
                p.need_id.into(),
                p.team_id.into(),
                p.trip_id.into(),
                p.reverses.into(),
                p.reason.as_str().into(),
                p.approver.as_str().into(),
                p.client_id.clone().into(),
                actor.into(),
                now.into(),
            ],
        )
        .await?;
    let day = crate::mobilization::rules::day_of(now);
    for (store, delta, me, other) in [
        (p.from.store, -p.qty, &p.from, &p.to),
        (p.to.store, p.qty, &p.to, &p.from),
    ] {
        if let Some(s) = store {
            let bal: i64 = tx
                .scalar(
                    "SELECT COALESCE(SUM(qty), 0) AS n FROM sup_stock WHERE store_id = $1 AND item_id = $2",
                    args![s, p.item],
                )
                .await?;
            let seq = seqs
                .iter()
                .find(|(st, _)| *st == s)
                .map(|(_, q)| *q)
                .unwrap_or(0);
            tx.execute(
                "INSERT INTO sup_card (store_id, move_id, item_id, delta, balance, seq) VALUES ($1, $2, $3, $4, $5, $6)",
                args![s, id, p.item, delta, bal, seq],
            )
            .await?;
            let k = DayKey::of(s, &me.path, day, delta.signum(), p, &lot, other);
            tx.execute(
                "INSERT INTO sup_day (path, store_id, day, dir, kind, item_id, lot, other_type, other_label, \
                 other_path, other_store, donor_kind, qty, value_fen, entries, first_entry, last_entry) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15) \
                 ON CONFLICT (path, store_id, day, dir, kind, item_id, lot, other_type, other_label, other_path, other_store, donor_kind) \
                 DO UPDATE SET qty = sup_day.qty + excluded.qty, value_fen = sup_day.value_fen + excluded.value_fen, \
                 entries = sup_day.entries + 1, last_entry = excluded.last_entry",
                k.values(p.qty, p.value_fen, id),
            )
            .await?;
        }
    }
    Ok(id)
}

/// The key of a per-day summary row (`sup_day`): a store side of a movement on a China day,
/// with what the public may know of the other side (a household or need only by its
/// community; an anonymous donor without a name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    pub path: String,
    pub store: i64,
    pub day: i64,
    pub dir: i64,
    pub kind: String,
    pub item: i64,
    pub lot: String,
    pub other_type: String,
    pub other_label: String,
    pub other_path: String,
    pub other_store: i64,
    pub donor_kind: String,
}

impl DayKey {
    fn of(store: i64, path: &str, day: i64, dir: i64, p: &Post, lot: &str, other: &Side) -> DayKey {
        let hidden = matches!(other.kind.as_str(), "household" | "need")
            || (other.kind == "donor" && p.donor_kind == "anonymous");
        DayKey {
            path: path.to_owned(),
            store,
            day,
            dir,
            kind: p.kind.to_owned(),
            item: p.item,
            lot: lot.to_owned(),
            other_type: other.kind.clone(),
            other_label: if hidden {
                String::new()
            } else {
                other.label.clone()
            },
            other_path: other.path.clone(),
            other_store: other.store.unwrap_or(0),
            donor_kind: p.donor_kind.clone(),
        }
    }

    /// The row's values in `sup_day`'s column order, with its sums.
    pub fn values(&self, qty: i64, value_fen: i64, entry: i64) -> Vec<Value> {
        vec![
            self.path.as_str().into(),
            self.store.into(),
            self.day.into(),
            self.dir.into(),
            self.kind.as_str().into(),
            self.item.into(),
            self.lot.as_str().into(),
            self.other_type.as_str().into(),
            self.other_label.as_str().into(),
            self.other_path.as_str().into(),
            self.other_store.into(),
            self.donor_kind.as_str().into(),
            qty.into(),
            value_fen.into(),
            entry.into(),
        ]
    }
}

fn directed_refused() -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "destination",
        "these goods are directed elsewhere: they may go only where the donor directed them, or back to the donor",
        "这批物资为定向捐赠：只能发往捐赠方指定的对象，或退回捐赠方",
    )])
}

/// A movement already recorded under this client id, if any.
async fn replay(db: &Db, client_id: &Option<String>) -> AppResult<Option<i64>> {
    Ok(match client_id {
        Some(c) => {
            db.scalar_opt(
                "SELECT id FROM sup_moves WHERE client_id = $1",
                args![c.as_str()],
            )
            .await?
        }
        None => None,
    })
}

/// Post one movement in its own transaction, audited; a retry with the same client id answers
/// the movement first recorded.
pub async fn post(db: &Db, actor: &Actor, p: &Post, area: &str, now: i64) -> AppResult<i64> {
    if let Some(id) = replay(db, &p.client_id).await? {
        return Ok(id);
    }
    let mut tx = db.begin().await?;
    let id = match post_in(&mut tx, p, &actor.username, now).await {
        Ok(id) => id,
        Err(AppError::Db(crate::db::DbError::Unique(_))) => {
            drop(tx);
            return replay(db, &p.client_id)
                .await?
                .ok_or(AppError::Conflict(Msg::new(
                    "recorded twice at once; reload",
                    "同时提交了两次，请刷新",
                )));
        }
        Err(e) => return Err(e),
    };
    audit::record(
        &mut tx,
        actor,
        Event::new(
            if p.reverses.is_some() {
                "supply_reversed"
            } else {
                "supply_moved"
            },
            "supply_move",
            id,
        )
        .area(area)
        .detail(json!({
            "kind": p.kind, "item": p.item, "qty": p.qty,
            "from": p.from.label, "to": p.to.label, "reverses": p.reverses, "reason": p.reason,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) fn client(c: &str) -> Option<String> {
    let c = c.trim();
    (!c.is_empty()).then(|| c.chars().take(64).collect())
}

fn int_field(c: &mut Check, field: &'static str, v: &str) -> Option<i64> {
    c.opt_int(field, v)
}

/// A store the reader may write to (in scope, and a writing role).
pub async fn writable_store(db: &Db, r: &Reader, id: Option<i64>, c: &mut Check) -> Option<Store> {
    let Some(id) = id else {
        c.push(FieldError::new("store", "choose a store", "请选择仓库"));
        return None;
    };
    match store_any(db, id).await {
        Ok(s) if r.scope.contains(&s.path) => Some(s),
        _ => {
            c.push(FieldError::new(
                "store",
                "choose a store of your scope",
                "请选择您管辖范围内的仓库",
            ));
            None
        }
    }
}

/// Quantity as typed with its measure (`pack` or `unit`) to units.
pub fn units_of(c: &mut Check, item: Option<&Item>, qty: &str, per: &str) -> Option<i64> {
    let q = quantity(c, "qty", qty)?;
    match (per.trim(), item) {
        ("pack", Some(i)) => q
            .checked_mul(i.pack)
            .filter(|u| *u <= super::MAX_QTY)
            .or_else(|| {
                c.push(FieldError::new("qty", "too many", "数量过大"));
                None
            }),
        _ => Some(q),
    }
}

async fn item_field(db: &Db, c: &mut Check, v: &str) -> Option<Item> {
    match v.trim().parse::<i64>() {
        Ok(id) => match item(db, id).await {
            Ok(i) => Some(i),
            Err(_) => {
                c.push(FieldError::new("item", "unknown item", "未知物品"));
                None
            }
        },
        Err(_) => {
            c.push(FieldError::new("item", "choose an item", "请选择物品"));
            None
        }
    }
}

// ---- receipts ----

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ReceiptForm {
    pub client_id: String,
    /// donation, purchase, allocation
    pub kind: String,
    pub store: String,
    pub item: String,
    pub qty: String,
    /// `pack` or `unit`
    pub per: String,
    pub donor_kind: String,
    pub donor: String,
    /// Stated value (donation) or cost (purchase), yuan.
    pub value: String,
    pub supplier: String,
    pub invoice: String,
    /// Directed to: an area code, or a named recipient.
    pub directed_area: String,
    pub directed_org: String,
    pub trip: String,
}

/// Record a receipt into a store: a donation in kind, a purchase or an allocation from above.
pub async fn receive(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &ReceiptForm,
    now: i64,
) -> AppResult<i64> {
    super::require_goods(r)?;
    let mut c = Check::default();
    let kind: &'static str = match f.kind.trim() {
        "donation" => "donation",
        "purchase" => "purchase",
        "allocation" => "allocation",
        _ => {
            c.push(FieldError::new(
                "receipt_kind",
                "choose donation, purchase or allocation",
                "请选择捐赠、采购或上级调拨",
            ));
            "donation"
        }
    };
    let sid = int_field(&mut c, "store", &f.store);
    let store = writable_store(db, r, sid, &mut c).await;
    let item = item_field(db, &mut c, &f.item).await;
    let qty = units_of(&mut c, item.as_ref(), &f.qty, &f.per);
    let mut donor_kind = String::new();
    let mut from_label;
    let mut value_fen = 0;
    let mut invoice = String::new();
    let from_kind;
    match kind {
        "donation" => {
            from_kind = "donor";
            donor_kind = f.donor_kind.trim().to_owned();
            if !in_vocab(super::DONOR_KINDS, &donor_kind) {
                c.push(FieldError::new(
                    "donor_kind",
                    "choose organisation, person or anonymous",
                    "请选择单位、个人或匿名",
                ));
            }
            from_label = text(&mut c, "donor", &f.donor, 100, donor_kind != "anonymous");
            if donor_kind == "anonymous" {
                from_label = String::new();
            }
            if !f.value.trim().is_empty() {
                value_fen = super::amount(&mut c, "value", &f.value).unwrap_or(0);
            }
        }
        "purchase" => {
            from_kind = "supplier";
            from_label = text(&mut c, "supplier", &f.supplier, 100, true);
            invoice = text(&mut c, "invoice", &f.invoice, 60, true);
            value_fen = super::amount(&mut c, "value", &f.value).unwrap_or(0);
        }
        _ => {
            from_kind = "above";
            from_label = text(&mut c, "donor", &f.donor, 100, true);
            invoice = text(&mut c, "invoice", &f.invoice, 60, false);
        }
    }
    let mut lot = String::new();
    let area_code = f.directed_area.trim();
    let org = text(&mut c, "directed_org", &f.directed_org, 100, false);
    if !area_code.is_empty() && !org.is_empty() {
        c.push(FieldError::new(
            "directed_org",
            "direct to an area or to a named recipient, not both",
            "定向对象只能选区划或指定单位之一",
        ));
    } else if !area_code.is_empty() {
        match crate::registry::areas::by_code(db, area_code).await? {
            Some(a) => lot = format!("area:{}", a.path),
            None => c.push(FieldError::new(
                "directed_area",
                format!("no area with code {area_code}"),
                format!("没有代码为 {area_code} 的区划"),
            )),
        }
    } else if !org.is_empty() {
        lot = format!("org:{org}");
    }
    let trip = trip_field(db, &mut c, &f.trip).await?;
    c.finish()?;
    let store = store.expect("checked");
    let p = Post {
        kind,
        item: item.expect("checked").id,
        qty: qty.expect("checked"),
        from: Side::outside(from_kind, &from_label, ""),
        to: Side::store(&store),
        lot: Some(lot),
        donor_kind,
        value_fen,
        invoice,
        trip_id: trip,
        client_id: client(&f.client_id),
        ..Post::default()
    };
    post(db, actor, &p, &store.path, now).await
}

async fn trip_field(db: &Db, c: &mut Check, v: &str) -> AppResult<Option<i64>> {
    Ok(match v.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(id)
                if db
                    .scalar_opt::<i64>("SELECT id FROM sup_trips WHERE id = $1", args![id])
                    .await?
                    .is_some() =>
            {
                Some(id)
            }
            _ => {
                c.push(FieldError::new("trip", "no such trip", "没有此车次"));
                None
            }
        },
    })
}

// ---- movements out of a store ----

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct MoveForm {
    pub client_id: String,
    /// transfer, handout, loss, return
    pub kind: String,
    pub store: String,
    pub item: String,
    pub qty: String,
    pub per: String,
    /// transfer: the destination store.
    pub to_store: String,
    /// handout: household, team, post, recipient.
    pub to_type: String,
    pub household: String,
    pub team: String,
    /// A post's or a recipient's name, or the donor's for a return.
    pub to_name: String,
    pub trip: String,
    pub reason: String,
    /// Only when a particular lot is meant (a return of a directed gift).
    pub lot: String,
}

/// Move goods out of a store: to another store (optionally on a trip), to a household, team,
/// post or named recipient, as a loss, or back to the donor.
pub async fn move_out(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &MoveForm,
    now: i64,
) -> AppResult<i64> {
    super::require_goods(r)?;
    let mut c = Check::default();
    let sid = int_field(&mut c, "store", &f.store);
    let store = writable_store(db, r, sid, &mut c).await;
    let item = item_field(db, &mut c, &f.item).await;
    let qty = units_of(&mut c, item.as_ref(), &f.qty, &f.per);
    let trip = trip_field(db, &mut c, &f.trip).await?;
    let mut household_id = None;
    let mut team_id = None;
    let (kind, to): (&'static str, Option<Side>) = match f.kind.trim() {
        "transfer" => {
            let to = match f.to_store.trim().parse::<i64>() {
                Ok(id) => store_any(db, id).await.ok(),
                Err(_) => None,
            };
            match to {
                Some(t) if Some(t.id) != sid => ("transfer", Some(Side::store(&t))),
                _ => {
                    c.push(FieldError::new(
                        "to_store",
                        "choose another store",
                        "请选择另一个仓库",
                    ));
                    ("transfer", None)
                }
            }
        }
        "handout" => match f.to_type.trim() {
            "household" => {
                let hh = hh_field(db, &mut c, &f.household).await?;
                household_id = hh.as_ref().map(|h| h.0);
                let side = hh.map(|(id, path)| {
                    Side::outside(
                        "household",
                        &format!("#{id}"),
                        crate::registry::areas::community_path(&path),
                    )
                });
                ("handout", side)
            }
            "team" => {
                let t = match f.team.trim().parse::<i64>() {
                    Ok(id) => {
                        db.query_opt_as::<IdNamePath>(
                            "SELECT id, name, path FROM teams WHERE id = $1",
                            args![id],
                        )
                        .await?
                    }
                    Err(_) => None,
                };
                match t {
                    Some(t) => {
                        team_id = Some(t.id);
                        ("handout", Some(Side::outside("team", &t.name, &t.path)))
                    }
                    None => {
                        c.push(FieldError::new("team", "choose a team", "请选择小组"));
                        ("handout", None)
                    }
                }
            }
            k @ ("post" | "recipient") => {
                let name = text(&mut c, "to_name", &f.to_name, 100, true);
                let path = store.as_ref().map(|s| s.path.clone()).unwrap_or_default();
                let k = if k == "post" { "post" } else { "recipient" };
                ("handout", Some(Side::outside(k, &name, &path)))
            }
            _ => {
                c.push(FieldError::new(
                    "to_type",
                    "choose to whom it goes",
                    "请选择发放对象",
                ));
                ("handout", None)
            }
        },
        "loss" => {
            let reason = text(&mut c, "reason", &f.reason, 500, true);
            let path = store.as_ref().map(|s| s.path.clone()).unwrap_or_default();
            ("loss", Some(Side::outside("loss", &reason, &path)))
        }
        "return" => {
            let name = text(&mut c, "to_name", &f.to_name, 100, true);
            text(&mut c, "reason", &f.reason, 500, true);
            ("return", Some(Side::outside("donor", &name, "")))
        }
        _ => {
            c.push(FieldError::new(
                "move_kind",
                "choose what this movement is",
                "请选择出库类型",
            ));
            ("transfer", None)
        }
    };
    let reason = text(&mut c, "reason", &f.reason, 500, false);
    c.finish()?;
    let store = store.expect("checked");
    let p = Post {
        kind,
        item: item.expect("checked").id,
        qty: qty.expect("checked"),
        from: Side::store(&store),
        to: to.expect("checked"),
        lot: (!f.lot.trim().is_empty()).then(|| f.lot.trim().to_owned()),
        household_id,
        team_id,
        trip_id: trip,
        reason,
        client_id: client(&f.client_id),
        ..Post::default()
    };
    post(db, actor, &p, &store.path, now).await
}

struct IdNamePath {
    id: i64,
    name: String,
    path: String,
}
crate::from_row!(IdNamePath { id, name, path });

async fn hh_field(db: &Db, c: &mut Check, v: &str) -> AppResult<Option<(i64, String)>> {
    let id = v.trim().trim_start_matches('#').parse::<i64>().ok();
    let row = match id {
        Some(id) => {
            db.query_opt_as::<IdNamePath>(
                "SELECT id, '' AS name, path FROM households WHERE id = $1",
                args![id],
            )
            .await?
        }
        None => None,
    };
    Ok(match row {
        Some(r) => Some((r.id, r.path)),
        None => {
            c.push(FieldError::new(
                "household",
                "no household with this number",
                "没有此户号",
            ));
            None
        }
    })
}

// ---- corrections ----

struct Orig {
    id: i64,
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
    household_id: Option<i64>,
    need_id: Option<i64>,
    team_id: Option<i64>,
}
crate::from_row!(Orig {
    id,
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
    household_id,
    need_id,
    team_id
});

/// Reverse a movement with a reason: the same quantity back from where it went to where it
/// came from. Once only; a correction is not itself reversed (record a new movement instead).
pub async fn reverse(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    reason: &str,
    client_id: &str,
    now: i64,
) -> AppResult<i64> {
    super::require_goods(r)?;
    let o: Orig = db
        .query_opt_as(
            "SELECT id, kind, item_id, qty, from_type, from_store, from_label, from_path, to_type, \
             to_store, to_label, to_path, lot, household_id, need_id, team_id FROM sup_moves WHERE id = $1",
            args![id],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let mut in_scope = false;
    for s in [o.from_store, o.to_store].into_iter().flatten() {
        if r.scope.contains(&store_any(db, s).await?.path) {
            in_scope = true;
        }
    }
    if !in_scope {
        return Err(AppError::NotFound);
    }
    let mut c = Check::default();
    let reason = text(&mut c, "reason", reason, 500, true);
    c.finish()?;
    if o.kind == "correction" {
        return Err(AppError::Conflict(Msg::new(
            "a correction is not reversed; record a new movement",
            "更正记录不能再更正，请另行登记",
        )));
    }
    let done: Option<i64> = db
        .scalar_opt("SELECT id FROM sup_moves WHERE reverses = $1", args![id])
        .await?;
    let cid = client(client_id);
    if let (Some(d), None) = (done, replay(db, &cid).await?) {
        let _ = d;
        return Err(AppError::Conflict(Msg::new(
            "this movement is already reversed",
            "此记录已更正过",
        )));
    }
    let p = Post {
        kind: "correction",
        item: o.item_id,
        qty: o.qty,
        from: Side {
            kind: o.to_type,
            store: o.to_store,
            label: o.to_label,
            path: o.to_path.clone(),
        },
        to: Side {
            kind: o.from_type,
            store: o.from_store,
            label: o.from_label,
            path: o.from_path,
        },
        lot: Some(o.lot),
        household_id: o.household_id,
        need_id: o.need_id,
        team_id: o.team_id,
        reverses: Some(o.id),
        reason,
        client_id: cid,
        ..Post::default()
    };
    post(db, actor, &p, &o.to_path, now).await
}

// ---- stock-take ----

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct CountForm {
    pub client_id: String,
    pub store: String,
    /// `item_id=counted` pairs (the page sends one field per item: `count_<id>`).
    #[serde(skip)]
    pub counts: Vec<(i64, String)>,
    pub reason: String,
    pub approver: String,
}

/// A stock-take: the counted quantities of a store's items; every difference becomes an
/// adjustment movement with the reason and the approver (someone else than the counter).
/// Returns the adjustments' ids (none when the count agreed).
pub async fn stock_take(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &CountForm,
    now: i64,
) -> AppResult<Vec<i64>> {
    super::require_goods(r)?;
    let mut c = Check::default();
    let sid = int_field(&mut c, "store", &f.store);
    let store = writable_store(db, r, sid, &mut c).await;
    let reason = text(&mut c, "reason", &f.reason, 500, true);
    let approver = text(&mut c, "approver", &f.approver, 64, true);
    if !approver.is_empty() && approver == actor.username {
        c.push(FieldError::new(
            "approver",
            "the approver is someone else than the counter",
            "审核人不能是盘点人本人",
        ));
    } else if !approver.is_empty()
        && db
            .scalar_opt::<i64>(
                "SELECT id FROM accounts WHERE username = $1",
                args![approver.as_str()],
            )
            .await?
            .is_none()
    {
        c.push(FieldError::new("approver", "no such account", "没有此账号"));
    }
    let mut counts = Vec::new();
    for (item_id, v) in &f.counts {
        if v.trim().is_empty() {
            continue;
        }
        match v.trim().parse::<i64>() {
            Ok(n) if (0..=super::MAX_QTY).contains(&n) => counts.push((*item_id, n)),
            _ => c.push(FieldError::new(
                "count",
                format!("count of item {item_id}: a whole number, 0 or more"),
                format!("物品 {item_id} 的盘点数：0 或正整数"),
            )),
        }
    }
    c.finish()?;
    let store = store.expect("checked");
    let cid = client(&f.client_id);
    if let Some(cid) = &cid {
        let done: Vec<i64> = db
            .column(
                "SELECT id FROM sup_moves WHERE client_id = $1 OR client_id LIKE $2 ORDER BY id",
                args![cid.as_str(), format!("{cid}:%")],
            )
            .await?;
        if !done.is_empty() {
            return Ok(done);
        }
    }
    let mut tx = db.begin().await?;
    let mut ids = Vec::new();
    for (n, (item_id, counted)) in counts.iter().enumerate() {
        let lots: Vec<LotQty> = tx
            .query_as(
                "SELECT lot, qty FROM sup_stock WHERE store_id = $1 AND item_id = $2 ORDER BY lot",
                args![store.id, *item_id],
            )
            .await?;
        let held: i64 = lots.iter().map(|l| l.qty).sum();
        let diff = counted - held;
        let post_one = |qty: i64, lot: String, more: bool, k: usize| {
            let adj = Side::outside("adjust", &reason, &store.path);
            Post {
                kind: "adjust",
                item: *item_id,
                qty,
                from: if more {
                    adj.clone()
                } else {
                    Side::store(&store)
                },
                to: if more { Side::store(&store) } else { adj },
                lot: Some(lot),
                reason: reason.clone(),
                approver: approver.clone(),
                client_id: cid.as_ref().map(|c| format!("{c}:{n}:{k}")),
                ..Post::default()
            }
        };
        if diff > 0 {
            let p = post_one(diff, String::new(), true, 0);
            ids.push(post_in(&mut tx, &p, &actor.username, now).await?);
        } else if diff < 0 {
            // Short: free stock first, then the directed lots.
            let mut missing = -diff;
            for (k, l) in lots.iter().filter(|l| l.qty > 0).enumerate() {
                if missing == 0 {
                    break;
                }
                let take = missing.min(l.qty);
                let p = post_one(take, l.lot.clone(), false, k);
                ids.push(post_in(&mut tx, &p, &actor.username, now).await?);
                missing -= take;
            }
        }
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_stocktake", "supply_store", store.id)
            .area(&store.path)
            .detail(json!({"adjustments": ids, "approver": approver, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(ids)
}

// ---- handouts through a need ----

/// Who hands out through a need: an officer in scope, or the volunteer holding the need.
pub enum Hand<'a> {
    Staff(&'a Reader),
    Volunteer(&'a crate::mobilization::volunteers::Volunteer),
}

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct NeedHandout {
    pub client_id: String,
    pub store: String,
    pub item: String,
    pub qty: String,
    pub per: String,
}

/// The needs engine's item kind for a catalogue category.
fn need_item_kind(category: &str) -> &'static str {
    match category {
        "medicine" => "medicine",
        "lpg" => "gas",
        "food" => "food",
        _ => "supplies",
    }
}

/// Hand goods to a need's household from a team store: the ledger movement (store → need, its
/// community on the public side) and the need's "item delivered", in one transaction. A
/// volunteer hands out from their teams' stores, for a need they hold and have started.
pub async fn hand_for_need(
    db: &Db,
    actor: &Actor,
    who: Hand<'_>,
    need_id: i64,
    f: &NeedHandout,
    now: i64,
) -> AppResult<i64> {
    let n = match who {
        Hand::Staff(r) => {
            super::require_goods(r)?;
            let n = crate::needs::fetch(db, need_id).await?;
            if !r.scope.contains(&n.path) {
                return Err(AppError::NotFound);
            }
            n
        }
        Hand::Volunteer(v) => {
            let n = crate::needs::flow::for_volunteer(db, v, need_id).await?;
            if n.volunteer_id != Some(v.id) {
                return Err(AppError::Forbidden(Msg::new(
                    "this need is given to someone else",
                    "此需求已分派给他人",
                )));
            }
            n
        }
    };
    if !matches!(n.status.as_str(), "in_progress" | "done") {
        return Err(AppError::Conflict(Msg::new(
            "items are handed out once the need is being worked on",
            "需求处理中或完成后才能发放物资",
        )));
    }
    let mut c = Check::default();
    let sid = int_field(&mut c, "store", &f.store);
    let store = match (sid, &who) {
        (Some(id), Hand::Volunteer(v)) => {
            let mine = team_stores(db, v.id).await?;
            let s = mine.into_iter().find(|s| s.id == id);
            if s.is_none() {
                c.push(FieldError::new(
                    "store",
                    "choose your team's store",
                    "请选择您所在小组的物资",
                ));
            }
            s
        }
        (_, Hand::Staff(r)) => writable_store(db, r, sid, &mut c).await,
        (None, _) => {
            c.push(FieldError::new("store", "choose a store", "请选择仓库"));
            None
        }
    };
    let item = item_field(db, &mut c, &f.item).await;
    let qty = units_of(&mut c, item.as_ref(), &f.qty, &f.per);
    c.finish()?;
    let (store, item, qty) = (
        store.expect("checked"),
        item.expect("checked"),
        qty.expect("checked"),
    );
    let cid = client(&f.client_id);
    if let Some(id) = replay(db, &cid).await? {
        return Ok(id);
    }
    let p = Post {
        kind: "handout",
        item: item.id,
        qty,
        from: Side::store(&store),
        to: Side::outside(
            "need",
            &format!("#{}", n.id),
            crate::registry::areas::community_path(&n.path),
        ),
        household_id: Some(n.household_id),
        need_id: Some(n.id),
        client_id: cid,
        ..Post::default()
    };
    let mut tx = db.begin().await?;
    let id = post_in(&mut tx, &p, &actor.username, now).await?;
    // The need's "items delivered" (the needs engine's table), in the same transaction.
    let desc: String = format!("{} · {}", item.title(Lang::Zh), item.amount(qty, Lang::Zh))
        .chars()
        .take(200)
        .collect();
    let units_for_need = if item.pack > 1 && qty % item.pack == 0 {
        qty / item.pack
    } else {
        qty
    };
    crate::needs::flow::add_item_in(
        &mut tx,
        &n,
        need_item_kind(&item.category),
        &desc,
        units_for_need,
        &actor.username,
        &desc,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_moved", "supply_move", id)
            .area(&n.path)
            .detail(json!({"kind": "handout", "item": item.id, "qty": qty, "need": n.id, "store": store.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The handouts a household received (personal data: registry readers in scope only).
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdHandout {
    pub id: i64,
    pub item_id: i64,
    pub qty: i64,
    pub from_label: String,
    pub need_id: Option<i64>,
    pub at_ms: i64,
}
crate::from_row!(HouseholdHandout {
    id,
    item_id,
    qty,
    from_label,
    need_id,
    at_ms
});

pub async fn household_handouts(
    db: &Db,
    r: &Reader,
    household: i64,
) -> AppResult<Vec<HouseholdHandout>> {
    let path: Option<String> = db
        .scalar_opt(
            "SELECT path FROM households WHERE id = $1",
            args![household],
        )
        .await?;
    match path {
        Some(p) if r.registry_scope().contains(&p) => {}
        _ => return Err(AppError::NotFound),
    }
    Ok(db
        .query_as(
            "SELECT id, item_id, qty, from_label, need_id, at_ms FROM sup_moves WHERE household_id = $1 \
             AND kind = 'handout' ORDER BY id DESC LIMIT 200",
            args![household],
        )
        .await?)
}

/// The vocabulary label of a movement kind.
pub fn kind_label(kind: &str, l: Lang) -> String {
    label(super::MOVE_KINDS, kind, l)
}

pub fn vocab_label(v: Vocab, code: &str, l: Lang) -> String {
    label(v, code, l)
}

/// Helper for tests and the demo: a value list.
pub fn vals(v: &[&str]) -> Vec<Value> {
    v.iter().map(|s| Value::from(*s)).collect()
}
