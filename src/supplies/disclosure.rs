//! The public disclosure (公示) of an owner's area (a community, a street, a district): what its
//! stores and funds received (donor names, or "anonymous"; quantities with their grade;
//! amounts), where goods went — aggregated to the community, team, post or store, never a
//! person or household —, what money was spent on, the balances, and when it was generated.
//! Goods are read from per-day summaries written in each movement's own transaction, money
//! from its ledger, so it is as fresh as the last entry.
//!
//! A side of a movement is "inside" when it is a store (or fund) under the area. Lines coming
//! in from outside are listed one by one; lines going out are summed per destination and item;
//! movements inside (a depot to a supply point of the same district) are not shown. A
//! correction appears as a correction, with the opposite sign, naming the entry it reverses.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{label, GRADES};
use crate::args;
use crate::db::{path_end, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// Goods received on a day from one source, of one item and kind, into one store: the sum of
/// the ledger entries `first_entry`..=`last_entry` that make it (`entries` of them).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GoodsIn {
    /// The China day, `YYYY-MM-DD`.
    pub day: String,
    /// The ledger entries summed here (`sup_moves.id`): how many, the first and the last.
    pub entries: i64,
    pub first_entry: i64,
    pub last_entry: i64,
    /// `correction` for a correction (then `qty` is negative).
    pub kind: String,
    /// The donor's, supplier's or sender's name; empty for an anonymous donor.
    pub from: String,
    pub donor_kind: String,
    pub item: String,
    pub grade: String,
    pub unit: String,
    /// Negative for a correction.
    pub qty: i64,
    pub value_fen: i64,
    /// The direction of a directed gift (a place or recipient name), or empty.
    pub directed: String,
    pub store: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GoodsOut {
    /// community (a household's or need's), team, post, recipient, store, loss, adjust, donor.
    pub to_kind: String,
    pub to: String,
    pub item: String,
    pub grade: String,
    pub unit: String,
    pub qty: i64,
    pub correction: bool,
    /// The ledger entries summed here: how many, the first and the last.
    pub entries: i64,
    pub first_entry: i64,
    pub last_entry: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StockLine {
    pub item: String,
    pub grade: String,
    pub unit: String,
    pub qty: i64,
}
crate::from_row!(StockLine {
    item,
    grade,
    unit,
    qty
});

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MoneyLine {
    /// The ledger entry (`sup_money.id`).
    pub entry: i64,
    pub at_ms: i64,
    pub fund: String,
    pub kind: String,
    /// Donor or payee; empty for an anonymous donor.
    pub party: String,
    pub donor_kind: String,
    pub channel: String,
    pub purpose: String,
    pub receipt_no: String,
    pub directed: String,
    /// Negative for a correction.
    pub fen: i64,
    pub corrects: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FundLine {
    pub fund: String,
    pub balance_fen: i64,
}
crate::from_row!(FundLine { fund, balance_fen });

#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    /// The area's code, or the branch's id.
    pub area: String,
    pub name: String,
    /// The public page's address (its CSV, XLSX and JSON beside it).
    pub href: String,
    pub generated_ms: i64,
    pub generated_at: String,
    pub goods_in: Vec<GoodsIn>,
    pub goods_out: Vec<GoodsOut>,
    pub stock: Vec<StockLine>,
    pub money_in: Vec<MoneyLine>,
    pub money_out: Vec<MoneyLine>,
    pub funds: Vec<FundLine>,
}

/// (correction, destination kind, destination, item, grade, unit).
type OutKey = (bool, String, String, String, String, String);

struct M {
    dir: i64,
    day: i64,
    kind: String,
    lot: String,
    other_type: String,
    other_label: String,
    other_path: String,
    other_in: i64,
    donor_kind: String,
    qty: i64,
    value_fen: i64,
    entries: i64,
    first_entry: i64,
    last_entry: i64,
    item: String,
    grade: String,
    unit: String,
    store: String,
}
crate::from_row!(M {
    dir,
    day,
    kind,
    lot,
    other_type,
    other_label,
    other_path,
    other_in,
    donor_kind,
    qty,
    value_fen,
    entries,
    first_entry,
    last_entry,
    item,
    grade,
    unit,
    store
});

struct Mo {
    id: i64,
    kind: String,
    dir: i64,
    fen: i64,
    lot: String,
    party: String,
    donor_kind: String,
    channel: String,
    reference: String,
    purpose: String,
    other_in: i64,
    reverses: Option<i64>,
    at_ms: i64,
    fund: String,
}
crate::from_row!(Mo {
    id,
    kind,
    dir,
    fen,
    lot,
    party,
    donor_kind,
    channel,
    reference,
    purpose,
    other_in,
    reverses,
    at_ms,
    fund
});

async fn area_name(db: &Db, path: &str, cache: &mut BTreeMap<String, String>) -> String {
    if let Some(n) = cache.get(path) {
        return n.clone();
    }
    let n = crate::registry::areas::by_path(db, path)
        .await
        .ok()
        .flatten()
        .map(|a| a.name)
        .unwrap_or_else(|| path.to_owned());
    cache.insert(path.to_owned(), n.clone());
    n
}

async fn directed(db: &Db, lot: &str, cache: &mut BTreeMap<String, String>) -> String {
    if let Some(p) = lot.strip_prefix("area:") {
        area_name(db, p, cache).await
    } else if let Some(o) = lot.strip_prefix("org:") {
        o.to_owned()
    } else {
        lot.to_owned()
    }
}

/// Whose disclosure: the stores and funds under an area, or those a party branch owns.
enum Owner<'a> {
    Area(&'a str),
    Branch(i64),
}

impl Owner<'_> {
    /// The condition "this store or fund (alias `a`) is the owner's", from `$1`, and its
    /// parameters.
    fn cond(&self, a: &str) -> String {
        match self {
            Owner::Area(_) => format!("{a}.path >= $1 AND {a}.path < $2"),
            Owner::Branch(_) => format!("{a}.branch_id = $1"),
        }
    }
    fn params(&self) -> Vec<crate::db::Value> {
        match self {
            Owner::Area(p) => args![*p, path_end(p).as_str()],
            Owner::Branch(id) => args![*id],
        }
    }
}

/// The disclosure of the area with this code (public: no sign-in). Unknown codes are not found.
pub async fn of_area(db: &Db, code: &str, now: i64) -> AppResult<Disclosure> {
    let area = crate::registry::areas::by_code(db, code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let href = format!("/public/supplies/{}", area.code);
    build(db, Owner::Area(&area.path), area.code, area.name, href, now).await
}

/// The disclosure of a party branch: what the stores and funds it owns received and gave
/// (public: no sign-in). Unknown branches are not found.
pub async fn of_branch(db: &Db, id: i64, now: i64) -> AppResult<Disclosure> {
    let name: String = db
        .scalar_opt("SELECT name FROM branches WHERE id = $1", args![id])
        .await?
        .ok_or(AppError::NotFound)?;
    let href = format!("/public/supplies-branch/{id}");
    build(db, Owner::Branch(id), id.to_string(), name, href, now).await
}

async fn build(
    db: &Db,
    owner: Owner<'_>,
    area: String,
    name: String,
    href: String,
    now: i64,
) -> AppResult<Disclosure> {
    let mut names = BTreeMap::new();
    // The per-day summaries of the owner's store sides (kept in each movement's transaction):
    // a few rows per store and day at any ledger size.
    let (mine, other_mine) = match owner {
        Owner::Area(_) => (
            "d.path >= $1 AND d.path < $2".to_owned(),
            "d.other_store <> 0 AND d.other_path >= $1 AND d.other_path < $2".to_owned(),
        ),
        Owner::Branch(_) => (
            "d.store_id IN (SELECT id FROM sup_stores WHERE branch_id = $1)".to_owned(),
            "d.other_store IN (SELECT id FROM sup_stores WHERE branch_id = $1)".to_owned(),
        ),
    };
    let rows: Vec<M> = db
        .query_as(
            &format!(
                "SELECT d.dir, d.day, d.kind, d.lot, d.other_type, d.other_label, d.other_path, \
                 CASE WHEN {other_mine} THEN 1 ELSE 0 END AS other_in, \
                 d.donor_kind, d.qty, d.value_fen, d.entries, d.first_entry, d.last_entry, \
                 i.name AS item, i.grade, i.unit, s.name AS store \
                 FROM sup_day d JOIN sup_items i ON i.id = d.item_id JOIN sup_stores s ON s.id = d.store_id \
                 WHERE {mine} ORDER BY d.day, d.first_entry"
            ),
            owner.params(),
        )
        .await?;
    let mut goods_in = Vec::new();
    let mut out: BTreeMap<OutKey, (i64, i64, i64, i64)> = BTreeMap::new();
    for m in rows {
        if m.other_in == 1 {
            continue; // between two stores of the area
        }
        let correction = m.kind == "correction";
        if (m.dir == 1) != correction {
            // A line in, or the correction of one (its sides swapped).
            let sign = if correction { -1 } else { 1 };
            goods_in.push(GoodsIn {
                day: crate::mobilization::rules::ymd(m.day),
                entries: m.entries,
                first_entry: m.first_entry,
                last_entry: m.last_entry,
                kind: m.kind.clone(),
                from: m.other_label.clone(),
                donor_kind: m.donor_kind.clone(),
                item: m.item.clone(),
                grade: m.grade.clone(),
                unit: m.unit.clone(),
                qty: sign * m.qty,
                value_fen: sign * m.value_fen,
                directed: directed(db, &m.lot, &mut names).await,
                store: m.store.clone(),
            });
        } else {
            // Where it went (or, for a correction, where it came back from).
            let (kind, to) = match m.other_type.as_str() {
                // Never a person or household: their community.
                "household" | "need" => (
                    "community".to_owned(),
                    area_name(
                        db,
                        crate::registry::areas::community_path(&m.other_path),
                        &mut names,
                    )
                    .await,
                ),
                "loss" | "adjust" => (m.other_type.clone(), String::new()),
                other => (other.to_owned(), m.other_label.clone()),
            };
            let key = (
                correction,
                kind,
                to,
                m.item.clone(),
                m.grade.clone(),
                m.unit.clone(),
            );
            let e = out.entry(key).or_insert((0, 0, i64::MAX, 0));
            e.0 += if correction { -m.qty } else { m.qty };
            e.1 += m.entries;
            e.2 = e.2.min(m.first_entry);
            e.3 = e.3.max(m.last_entry);
        }
    }
    let goods_out = out
        .into_iter()
        .map(
            |((correction, to_kind, to, item, grade, unit), (qty, entries, first, last))| {
                GoodsOut {
                    to_kind,
                    to,
                    item,
                    grade,
                    unit,
                    qty,
                    correction,
                    entries,
                    first_entry: first,
                    last_entry: last,
                }
            },
        )
        .collect();
    let stock: Vec<StockLine> = db
        .query_as(
            &format!(
                "SELECT i.name AS item, i.grade, i.unit, CAST(SUM(k.qty) AS BIGINT) AS qty FROM sup_stock k \
                 JOIN sup_stores s ON s.id = k.store_id JOIN sup_items i ON i.id = k.item_id \
                 WHERE {} GROUP BY i.name, i.grade, i.unit HAVING SUM(k.qty) > 0 \
                 ORDER BY i.name, i.grade",
                owner.cond("s")
            ),
            owner.params(),
        )
        .await?;
    let money: Vec<Mo> = db
        .query_as(
            &format!(
                "SELECT e.id, e.kind, e.dir, e.fen, e.lot, e.party, e.donor_kind, e.channel, e.reference, e.purpose, \
                 CASE WHEN o.id IS NOT NULL AND {} THEN 1 ELSE 0 END AS other_in, \
                 e.reverses, e.at_ms, f.name AS fund \
                 FROM sup_money e JOIN sup_funds f ON f.id = e.fund_id LEFT JOIN sup_funds o ON o.id = e.other_fund \
                 WHERE {} ORDER BY e.id",
                owner.cond("o"),
                owner.cond("f")
            ),
            owner.params(),
        )
        .await?;
    let (mut money_in, mut money_out) = (Vec::new(), Vec::new());
    for e in money {
        if e.other_in == 1 {
            continue; // between two funds of the area
        }
        let correction = e.kind == "correction";
        let line = MoneyLine {
            entry: e.id,
            at_ms: e.at_ms,
            fund: e.fund,
            kind: e.kind.clone(),
            party: if e.donor_kind == "anonymous" {
                String::new()
            } else {
                e.party
            },
            donor_kind: e.donor_kind,
            channel: e.channel,
            purpose: e.purpose,
            receipt_no: if e.kind == "spending" {
                e.reference
            } else {
                String::new()
            },
            directed: e.lot,
            fen: if correction { -e.fen } else { e.fen },
            corrects: e.reverses,
        };
        // In: gifts (dir +1), and corrections taking a gift back (dir -1).
        let is_in = (e.dir == 1) != correction;
        if is_in {
            money_in.push(line);
        } else {
            money_out.push(line);
        }
    }
    let funds: Vec<FundLine> = db
        .query_as(
            &format!(
                "SELECT f.name AS fund, CAST(COALESCE((SELECT SUM(b.fen) FROM sup_fund_bal b WHERE b.fund_id = f.id), 0) AS BIGINT) AS balance_fen \
                 FROM sup_funds f WHERE {} ORDER BY f.path, f.name",
                owner.cond("f")
            ),
            owner.params(),
        )
        .await?;
    Ok(Disclosure {
        area,
        name,
        href,
        generated_ms: now,
        generated_at: crate::web::html::datetime(now),
        goods_in,
        goods_out,
        stock,
        money_in,
        money_out,
        funds,
    })
}

/// The ledger entries of a summed line: "12" for one, "12–40 (5)" for several.
pub fn entry_range(n: i64, first: i64, last: i64) -> String {
    if n <= 1 || first == last {
        first.to_string()
    } else {
        format!("{first}–{last} ({n})")
    }
}

pub fn grade(g: &str, l: Lang) -> String {
    if g.is_empty() {
        String::new()
    } else {
        label(GRADES, g, l)
    }
}

fn to_text(o: &GoodsOut, l: Lang) -> String {
    let zh = l == Lang::Zh;
    match o.to_kind.as_str() {
        "loss" => (if zh {
            "损耗/过期"
        } else {
            "loss or expiry"
        })
        .to_owned(),
        "adjust" => (if zh {
            "盘点调整"
        } else {
            "stock-take adjustment"
        })
        .to_owned(),
        "donor" => format!("{}{}", if zh { "退回：" } else { "returned to " }, o.to),
        _ => o.to.clone(),
    }
}

/// The disclosure as table rows (a header first) for CSV and XLSX, in one language.
pub fn rows(d: &Disclosure, l: Lang) -> Vec<Vec<String>> {
    let zh = l == Lang::Zh;
    let anon = if zh { "匿名" } else { "anonymous" };
    let corr = |c: Option<i64>| match c {
        Some(id) if zh => format!("更正第 {id} 条"),
        Some(id) => format!("corrects entry {id}"),
        None => String::new(),
    };
    let mut v = vec![if zh {
        vec![
            "类别",
            "记录号",
            "时间",
            "来源/去向",
            "物品/用途",
            "等级",
            "数量",
            "单位",
            "金额（元）",
            "定向",
            "备注",
        ]
    } else {
        vec![
            "section",
            "entry",
            "time",
            "from / to",
            "item / purpose",
            "grade",
            "quantity",
            "unit",
            "amount (yuan)",
            "directed",
            "note",
        ]
    }
    .into_iter()
    .map(str::to_owned)
    .collect()];
    for g in &d.goods_in {
        v.push(vec![
            (if zh { "物资接收" } else { "goods received" }).into(),
            entry_range(g.entries, g.first_entry, g.last_entry),
            g.day.clone(),
            if g.from.is_empty() {
                anon.into()
            } else {
                g.from.clone()
            },
            g.item.clone(),
            grade(&g.grade, l),
            g.qty.to_string(),
            g.unit.clone(),
            if g.value_fen != 0 {
                super::yuan(g.value_fen)
            } else {
                String::new()
            },
            g.directed.clone(),
            if g.kind == "correction" {
                (if zh { "更正" } else { "correction" }).into()
            } else {
                String::new()
            },
        ]);
    }
    for o in &d.goods_out {
        v.push(vec![
            (if zh { "物资去向" } else { "goods given" }).into(),
            entry_range(o.entries, o.first_entry, o.last_entry),
            String::new(),
            to_text(o, l),
            o.item.clone(),
            grade(&o.grade, l),
            o.qty.to_string(),
            o.unit.clone(),
            String::new(),
            String::new(),
            if o.correction {
                (if zh { "更正" } else { "correction" }).into()
            } else {
                String::new()
            },
        ]);
    }
    for s in &d.stock {
        v.push(vec![
            (if zh { "物资结存" } else { "goods in stock" }).into(),
            String::new(),
            d.generated_at.clone(),
            String::new(),
            s.item.clone(),
            grade(&s.grade, l),
            s.qty.to_string(),
            s.unit.clone(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (sec, lines) in [
        (if zh { "资金收入" } else { "money received" }, &d.money_in),
        (if zh { "资金支出" } else { "money spent" }, &d.money_out),
    ] {
        for m in lines {
            v.push(vec![
                sec.into(),
                m.entry.to_string(),
                crate::web::html::minutes(m.at_ms),
                if m.party.is_empty() {
                    anon.into()
                } else {
                    m.party.clone()
                },
                format!(
                    "{}{}",
                    label(super::MONEY_KINDS, &m.kind, l),
                    if m.purpose.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", m.purpose)
                    }
                ),
                String::new(),
                String::new(),
                String::new(),
                super::yuan(m.fen),
                m.directed.clone(),
                [corr(m.corrects), m.receipt_no.clone(), m.fund.clone()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
            ]);
        }
    }
    for f in &d.funds {
        v.push(vec![
            (if zh { "资金结余" } else { "fund balance" }).into(),
            String::new(),
            d.generated_at.clone(),
            f.fund.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            super::yuan(f.balance_fen),
            String::new(),
            String::new(),
        ]);
    }
    v
}

pub fn csv(d: &Disclosure, l: Lang) -> std::io::Result<Vec<u8>> {
    let mut w = crate::registry::export::CsvExport::new(Vec::new())?;
    for r in rows(d, l) {
        w.row(&r)?;
    }
    w.into_inner()
}

pub fn xlsx(d: &Disclosure, l: Lang) -> std::io::Result<Vec<u8>> {
    let rows = rows(d, l);
    let mut w = crate::registry::xlsx::XlsxWriter::new(Vec::new(), "公示", rows[0].len())?;
    for r in &rows {
        w.row(r)?;
    }
    w.finish()
}
