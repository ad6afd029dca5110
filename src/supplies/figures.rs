//! The figures of an area over a period: goods received, handed out and in stock, stock-outs,
//! trips and tonnage, households helped; money received, spent and the balance; and the
//! seeds' sentences ("口罩37.2万只", "201车次") written from the data, never typed.

use serde::Serialize;

use crate::args;
use crate::db::{path_end, Db};
use crate::error::AppResult;
use crate::i18n::Lang;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemQty {
    pub item: String,
    pub grade: String,
    pub unit: String,
    pub qty: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub received: Vec<ItemQty>,
    pub handed_out: Vec<ItemQty>,
    pub in_stock: Vec<ItemQty>,
    /// Store and item pairs that held stock once and hold none now.
    pub stock_outs: i64,
    pub trips: i64,
    pub tonnage_kg: i64,
    pub passengers: i64,
    pub households_helped: i64,
    pub money_received_fen: i64,
    pub money_spent_fen: i64,
    pub balance_fen: i64,
    pub sentences_zh: Vec<String>,
    pub sentences_en: Vec<String>,
}

impl Figures {
    pub fn sentences(&self, l: Lang) -> &[String] {
        match l {
            Lang::Zh => &self.sentences_zh,
            Lang::En => &self.sentences_en,
        }
    }
}

crate::from_row!(ItemQty {
    item,
    grade,
    unit,
    qty
});

fn items(rows: Vec<ItemQty>) -> Vec<ItemQty> {
    rows.into_iter().filter(|i| i.qty != 0).collect()
}

struct TripSum {
    trips: i64,
    kg: i64,
    passengers: i64,
}
crate::from_row!(TripSum {
    trips,
    kg,
    passengers
});

struct MoneySum {
    received: i64,
    spent: i64,
}
crate::from_row!(MoneySum { received, spent });

/// The figures of the subtree at `path` for movements in `[from_ms, to_ms)`; stock and
/// balances as they are now.
pub async fn of_area(db: &Db, path: &str, from_ms: i64, to_ms: i64) -> AppResult<Figures> {
    let end = path_end(path);
    let p = || args![path, end.as_str(), from_ms, to_ms];
    // Received from outside the ledger, less the corrections sending it back.
    let received = items(
        db.query_as(
            "SELECT i.name AS item, i.grade, i.unit, CAST(SUM(CASE WHEN m.kind = 'correction' THEN -m.qty ELSE m.qty END) AS BIGINT) AS qty \
             FROM sup_moves m JOIN sup_items i ON i.id = m.item_id \
             WHERE ((m.kind IN ('donation', 'purchase', 'allocation') AND m.to_path >= $1 AND m.to_path < $2) \
                OR (m.kind = 'correction' AND m.to_type IN ('donor', 'supplier', 'above') AND m.from_path >= $1 AND m.from_path < $2)) \
               AND m.at_ms >= $3 AND m.at_ms < $4 \
             GROUP BY i.name, i.grade, i.unit ORDER BY i.name, i.grade",
            p(),
        )
        .await?,
    );
    const TAKERS: &str = "('household', 'need', 'team', 'post', 'recipient')";
    let handed_out = items(
        db.query_as(
            &format!(
                "SELECT i.name AS item, i.grade, i.unit, CAST(SUM(CASE WHEN m.kind = 'correction' THEN -m.qty ELSE m.qty END) AS BIGINT) AS qty \
                 FROM sup_moves m JOIN sup_items i ON i.id = m.item_id \
                 WHERE ((m.kind = 'handout' AND m.from_path >= $1 AND m.from_path < $2) \
                    OR (m.kind = 'correction' AND m.from_type IN {TAKERS} AND m.to_path >= $1 AND m.to_path < $2)) \
                   AND m.at_ms >= $3 AND m.at_ms < $4 \
                 GROUP BY i.name, i.grade, i.unit ORDER BY i.name, i.grade"
            ),
            p(),
        )
        .await?,
    );
    let in_stock = items(
        db.query_as(
            "SELECT i.name AS item, i.grade, i.unit, CAST(SUM(k.qty) AS BIGINT) AS qty FROM sup_stock k \
             JOIN sup_stores s ON s.id = k.store_id JOIN sup_items i ON i.id = k.item_id \
             WHERE s.path >= $1 AND s.path < $2 GROUP BY i.name, i.grade, i.unit ORDER BY i.name, i.grade",
            args![path, end.as_str()],
        )
        .await?,
    );
    let stock_outs: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM (SELECT k.store_id, k.item_id FROM sup_stock k \
             JOIN sup_stores s ON s.id = k.store_id WHERE s.path >= $1 AND s.path < $2 \
             GROUP BY k.store_id, k.item_id HAVING SUM(k.qty) = 0) z",
            args![path, end.as_str()],
        )
        .await?;
    let t: TripSum = db
        .query_one_as(
            "SELECT COUNT(*) AS trips, CAST(COALESCE(SUM(tonnage_kg), 0) AS BIGINT) AS kg, CAST(COALESCE(SUM(passengers), 0) AS BIGINT) AS passengers \
             FROM sup_trips WHERE path >= $1 AND path < $2 AND depart_ms >= $3 AND depart_ms < $4",
            p(),
        )
        .await?;
    let households_helped: i64 = db
        .scalar(
            "SELECT COUNT(DISTINCT household_id) AS n FROM sup_moves WHERE kind = 'handout' \
             AND household_id IS NOT NULL AND from_path >= $1 AND from_path < $2 AND at_ms >= $3 AND at_ms < $4",
            p(),
        )
        .await?;
    let m: MoneySum = db
        .query_one_as(
            "SELECT \
             CAST(COALESCE(SUM(CASE WHEN e.kind IN ('donation', 'party_fee', 'grant') THEN e.fen \
                                    WHEN e.kind = 'correction' AND e.dir = -1 THEN -e.fen ELSE 0 END), 0) AS BIGINT) AS received, \
             CAST(COALESCE(SUM(CASE WHEN e.kind IN ('spending', 'refund') THEN e.fen \
                                    WHEN e.kind = 'correction' AND e.dir = 1 THEN -e.fen ELSE 0 END), 0) AS BIGINT) AS spent \
             FROM sup_money e JOIN sup_funds f ON f.id = e.fund_id \
             WHERE f.path >= $1 AND f.path < $2 AND e.at_ms >= $3 AND e.at_ms < $4",
            p(),
        )
        .await?;
    let balance_fen: i64 = db
        .scalar(
            "SELECT CAST(COALESCE(SUM(b.fen), 0) AS BIGINT) AS n FROM sup_fund_bal b JOIN sup_funds f ON f.id = b.fund_id \
             WHERE f.path >= $1 AND f.path < $2",
            args![path, end.as_str()],
        )
        .await?;
    let mut f = Figures {
        received,
        handed_out,
        in_stock,
        stock_outs,
        trips: t.trips,
        tonnage_kg: t.kg,
        passengers: t.passengers,
        households_helped,
        money_received_fen: m.received,
        money_spent_fen: m.spent,
        balance_fen,
        sentences_zh: vec![],
        sentences_en: vec![],
    };
    f.sentences_zh = sentences(&f, Lang::Zh);
    f.sentences_en = sentences(&f, Lang::En);
    Ok(f)
}

fn named(i: &ItemQty, l: Lang) -> String {
    match crate::supplies::disclosure::grade(&i.grade, l) {
        g if g.is_empty() => i.item.clone(),
        g => format!("{}（{g}）", i.item),
    }
}

/// The seeds' sentences: received goods per item, trips and tonnage, households, money.
pub fn sentences(f: &Figures, l: Lang) -> Vec<String> {
    let mut v = Vec::new();
    for i in &f.received {
        v.push(match l {
            Lang::Zh => format!("接收{}{}{}", named(i, l), super::wan(i.qty), i.unit),
            Lang::En => format!("received {} {} of {}", i.qty, i.unit, named(i, l)),
        });
    }
    for i in &f.handed_out {
        v.push(match l {
            Lang::Zh => format!("发放{}{}{}", named(i, l), super::wan(i.qty), i.unit),
            Lang::En => format!("handed out {} {} of {}", i.qty, i.unit, named(i, l)),
        });
    }
    if f.trips > 0 {
        let t = f.tonnage_kg as f64 / 1000.0;
        v.push(match l {
            Lang::Zh => format!("出车{}车次，运送{:.1}吨", f.trips, t),
            Lang::En => format!("{} vehicle trips carrying {:.1} t", f.trips, t),
        });
    }
    if f.households_helped > 0 {
        v.push(match l {
            Lang::Zh => format!("帮助{}户", f.households_helped),
            Lang::En => format!("{} households helped", f.households_helped),
        });
    }
    if f.money_received_fen > 0 || f.money_spent_fen > 0 {
        v.push(match l {
            Lang::Zh => format!(
                "收到资金{}元，支出{}元",
                super::yuan(f.money_received_fen),
                super::yuan(f.money_spent_fen)
            ),
            Lang::En => format!(
                "received {} yuan, spent {} yuan",
                super::yuan(f.money_received_fen),
                super::yuan(f.money_spent_fen)
            ),
        });
    }
    v
}

/// Key stock under an area now (HQ's overview): the stores there, masks (items coded
/// `mask…`) and LPG cylinders (category `lpg`) in them.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct KeyStock {
    pub stores: i64,
    pub masks: i64,
    pub lpg: i64,
}
crate::from_row!(KeyStock { stores, masks, lpg });

pub async fn key_stock(db: &Db, path: &str) -> AppResult<KeyStock> {
    let end = path_end(path);
    Ok(db
        .query_one_as(
            "SELECT (SELECT COUNT(*) FROM sup_stores WHERE path >= $1 AND path < $2) AS stores, \
             CAST(COALESCE(SUM(CASE WHEN i.code LIKE 'mask%' THEN k.qty ELSE 0 END), 0) AS BIGINT) AS masks, \
             CAST(COALESCE(SUM(CASE WHEN i.category = 'lpg' THEN k.qty ELSE 0 END), 0) AS BIGINT) AS lpg \
             FROM sup_stock k JOIN sup_stores s ON s.id = k.store_id JOIN sup_items i ON i.id = k.item_id \
             WHERE s.path >= $1 AND s.path < $2",
            args![path, end.as_str()],
        )
        .await?)
}

/// The money balance of the funds under an area now, in fen (HQ's overview): the funds'
/// running balances (`sup_fund_bal`, kept by every ledger entry), not the ledger summed.
pub async fn balance_fen(db: &Db, path: &str) -> AppResult<i64> {
    Ok(db
        .scalar(
            "SELECT CAST(COALESCE(SUM(b.fen), 0) AS BIGINT) AS n FROM sup_fund_bal b JOIN sup_funds f ON f.id = b.fund_id \
             WHERE f.path >= $1 AND f.path < $2",
            args![path, path_end(path)],
        )
        .await?)
}
