//! Supplies, donations and money (issue 17): a goods ledger (`goods`: catalogue, stores,
//! double-entry movements that never take a store below zero, directed gifts, trips,
//! stock-takes, handouts to households and through needs), a money ledger in integer fen
//! (`money`: gifts, allocations, spending with approvals, transfers), the public disclosure
//! (`disclosure`, 公示) and the figures of an area (`figures`).
//!
//! Nothing in either ledger is edited or deleted: a correction is a reversing entry with a
//! reason. A handout to a household is personal data: only registry readers in scope see which
//! household; the public disclosure aggregates to the community or team.

pub mod api;
pub mod demo;
pub mod disclosure;
pub mod figures;
pub mod goods;
pub mod money;
pub mod pages;
pub mod retention;
pub mod trips;

use crate::access::{Reader, Scope};
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
pub use crate::mobilization::{in_vocab, label, Vocab};

pub const CATEGORIES: Vocab = &[
    ("protective", "protective gear", "防护用品"),
    ("disinfectant", "disinfectant", "消毒用品"),
    ("food", "food", "食品"),
    ("medicine", "medicine", "药品"),
    ("lpg", "LPG cylinder", "液化气罐"),
    ("other", "other", "其他"),
];

/// Grades, typed: a disclosure says exactly what was given.
pub const GRADES: Vocab = &[
    ("", "no grade", "无等级"),
    ("n95", "N95", "N95"),
    ("kn95", "KN95", "KN95"),
    ("surgical", "surgical", "医用外科"),
    ("medical", "medical (ordinary)", "一次性医用"),
    ("ordinary", "ordinary", "普通"),
    ("suit_medical", "protective suit, medical", "医用防护服"),
    ("suit_isolation", "isolation gown", "隔离衣"),
];

pub const STORE_KINDS: Vocab = &[
    ("depot", "depot", "仓库"),
    ("point", "supply point", "便民服务点"),
    ("team", "team store", "小组物资"),
];

/// Kinds of goods movements.
pub const MOVE_KINDS: Vocab = &[
    ("donation", "donation in kind", "捐赠物资"),
    ("purchase", "purchase", "采购"),
    ("allocation", "allocation from above", "上级调拨"),
    ("transfer", "transfer between stores", "调拨"),
    ("handout", "handout", "发放"),
    ("loss", "loss or expiry", "损耗/过期"),
    ("adjust", "stock-take adjustment", "盘点调整"),
    ("return", "returned to the donor", "退回捐赠方"),
    ("correction", "correction", "更正"),
];

/// Where goods leave a store to (outside the ledger's stores).
pub const OUT_TYPES: Vocab = &[
    ("household", "household", "住户"),
    ("need", "need", "需求"),
    ("team", "team", "小组"),
    ("post", "post", "岗位"),
    (
        "recipient",
        "named recipient (hospital, unit)",
        "指定受赠单位",
    ),
];

pub const DONOR_KINDS: Vocab = &[
    ("org", "organisation", "单位"),
    ("person", "person", "个人"),
    ("anonymous", "anonymous", "匿名"),
];

pub const CHANNELS: Vocab = &[
    ("bank", "bank transfer", "银行转账"),
    ("wechat", "WeChat Pay", "微信支付"),
    ("alipay", "Alipay", "支付宝"),
    ("cash", "cash", "现金"),
];

/// Kinds of money entries.
pub const MONEY_KINDS: Vocab = &[
    ("donation", "cash donation", "现金捐款"),
    ("party_fee", "party-fee allocation", "党费拨付"),
    ("grant", "grant", "拨款"),
    ("spending", "spending", "支出"),
    ("transfer_in", "transfer in", "调入"),
    ("transfer_out", "transfer out", "调出"),
    ("refund", "refund to the donor", "退回捐赠方"),
    ("correction", "correction", "更正"),
];

/// Roles that keep stores and record goods movements (within their scope).
pub fn can_write_goods(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "admin" | "hq" | "street" | "community" | "keeper"
    )
}

/// Roles that record money (within their scope) and approve spending.
pub fn can_write_money(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "admin" | "hq" | "street" | "community" | "branch"
    )
}

/// Roles that read the ledgers of their scope (the auditor reads all of it, writes nothing).
pub fn can_read(r: &Reader) -> bool {
    can_write_goods(r) || can_write_money(r) || matches!(r.role.as_str(), "auditor" | "grid")
}

/// The scope the ledgers are read in: the account's areas, for the roles that read them.
pub fn scope(r: &Reader) -> Scope {
    if can_read(r) {
        r.scope.clone()
    } else {
        Scope { roots: vec![] }
    }
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "supplies and funds are kept by warehouse keepers and officers",
            "物资和资金由仓库管理员和干部管理",
        )))
    }
}

pub fn require_goods(r: &Reader) -> AppResult<()> {
    if can_write_goods(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "goods are recorded by warehouse keepers and officers",
            "物资由仓库管理员和干部登记",
        )))
    }
}

pub fn require_money(r: &Reader) -> AppResult<()> {
    if can_write_money(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "money is recorded by officers and branch secretaries",
            "资金由干部和支部书记登记",
        )))
    }
}

/// Trimmed text of at most `max` characters; required when `required`.
pub fn text(
    c: &mut crate::web::kit::Check,
    field: &'static str,
    v: &str,
    max: usize,
    required: bool,
) -> String {
    let v = v.trim();
    if required && v.is_empty() {
        c.push(FieldError::new(field, "required", "必填"));
    } else if v.chars().count() > max {
        c.push(FieldError::new(
            field,
            format!("at most {max} characters"),
            format!("最多 {max} 个字符"),
        ));
    }
    v.to_owned()
}

/// The largest single quantity (units) and amount (fen) accepted: beyond them is a typing error.
pub const MAX_QTY: i64 = 100_000_000;
pub const MAX_FEN: i64 = 100_000_000_000; // 1,000,000,000.00 yuan

/// A whole positive quantity of at most [`MAX_QTY`].
pub fn quantity(c: &mut crate::web::kit::Check, field: &'static str, v: &str) -> Option<i64> {
    let v = v.trim();
    let bad = |c: &mut crate::web::kit::Check| {
        c.push(FieldError::new(
            field,
            format!("a whole number from 1 to {MAX_QTY}"),
            format!("1 至 {MAX_QTY} 的整数"),
        ))
    };
    if v.is_empty() {
        c.push(FieldError::new(field, "required", "必填"));
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if (1..=MAX_QTY).contains(&n) => Some(n),
        _ => {
            bad(c);
            None
        }
    }
}

/// Yuan as typed ("2000", "2,000.5", "0.99") to fen; more than two decimals, zero, negative
/// or above [`MAX_FEN`] is an error.
pub fn parse_fen(v: &str) -> Result<i64, &'static str> {
    let v: String = v
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    if v.is_empty() {
        return Err("empty");
    }
    let (whole, frac) = match v.split_once('.') {
        Some((w, f)) => (w, f),
        None => (v.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("format");
    }
    if frac.len() > 2 {
        return Err("decimals");
    }
    if whole.len() > 12 {
        return Err("limit");
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "format")?
    };
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| "format")?;
    let fen = w * 100 + f;
    if fen <= 0 {
        return Err("zero");
    }
    if fen > MAX_FEN {
        return Err("limit");
    }
    Ok(fen)
}

/// An amount in yuan, checked into fen (see [`parse_fen`]).
pub fn amount(c: &mut crate::web::kit::Check, field: &'static str, v: &str) -> Option<i64> {
    match parse_fen(v) {
        Ok(f) => Some(f),
        Err(why) => {
            let (en, zh) = match why {
                "empty" => ("required".to_owned(), "必填".to_owned()),
                "decimals" => (
                    "at most two decimals (fen)".to_owned(),
                    "最多两位小数（到分）".to_owned(),
                ),
                "zero" => ("must be more than zero".to_owned(), "必须大于零".to_owned()),
                "limit" => (
                    "above the limit of 1,000,000,000 yuan".to_owned(),
                    "超过上限 10 亿元".to_owned(),
                ),
                _ => (
                    "an amount in yuan, e.g. 2000 or 38.50".to_owned(),
                    "请填写金额（元），如 2000 或 38.50".to_owned(),
                ),
            };
            c.push(FieldError::new(field, en, zh));
            None
        }
    }
}

/// Fen as yuan with two decimals and thousands separators: 135182499 → "1,351,824.99".
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{out}.{:02}", if neg { "-" } else { "" }, f % 100)
}

/// A quantity the Chinese way of the seeds: 372000 → "37.2万", 3160 → "3160".
pub fn wan(n: i64) -> String {
    if n.abs() >= 10_000 {
        let tenths = (n as f64 / 1000.0).round() / 10.0;
        let s = format!("{tenths:.1}");
        format!("{}万", s.trim_end_matches(".0"))
    } else {
        n.to_string()
    }
}

/// The area a page is about: `code`, or the reader's first scope root; outside it, not found.
pub async fn area_in_scope(
    db: &Db,
    r: &crate::access::Reader,
    code: &str,
) -> AppResult<crate::registry::areas::Area> {
    use crate::registry::areas;
    let a = match code.trim() {
        "" => match r.scope.roots.first() {
            Some(p) => areas::by_path(db, p).await?,
            None => None,
        },
        c => areas::by_code(db, c).await?,
    };
    a.filter(|a| scope(r).contains(&a.path))
        .ok_or(AppError::NotFound)
}

/// The party branches of the reader's scope that may own a store or fund: (id, name), a
/// "none" first.
pub async fn branch_choices(db: &Db, r: &Reader, none: String) -> Vec<(String, String)> {
    struct B {
        id: i64,
        name: String,
    }
    crate::from_row!(B { id, name });
    let (cond, params) = scope(r).sql("path", 1);
    let rows: Vec<B> = db
        .query_as(
            &format!(
                "SELECT id, name FROM branches WHERE dissolved IS NULL AND {cond} ORDER BY name LIMIT 200"
            ),
            params,
        )
        .await
        .unwrap_or_default();
    let mut v = vec![(String::new(), none)];
    v.extend(rows.into_iter().map(|b| (b.id.to_string(), b.name)));
    v
}

/// The party branches owning a store or fund of the reader's scope (for links to their
/// public pages): (id, name).
pub async fn owning_branches(db: &Db, r: &Reader) -> AppResult<Vec<(i64, String)>> {
    struct B {
        id: i64,
        name: String,
    }
    crate::from_row!(B { id, name });
    let (c1, mut p) = scope(r).sql("s.path", 1);
    let (c2, p2) = scope(r).sql("f.path", p.len() + 1);
    p.extend(p2);
    let rows: Vec<B> = db
        .query_as(
            &format!(
                "SELECT b.id, b.name FROM branches b WHERE b.id IN \
                 (SELECT s.branch_id FROM sup_stores s WHERE s.branch_id IS NOT NULL AND {c1}) \
                 OR b.id IN (SELECT f.branch_id FROM sup_funds f WHERE f.branch_id IS NOT NULL AND {c2}) \
                 ORDER BY b.name LIMIT 50"
            ),
            p,
        )
        .await?;
    Ok(rows.into_iter().map(|b| (b.id, b.name)).collect())
}

/// The owning branch as typed: none, or a branch in the reader's scope.
pub async fn branch_field(
    db: &Db,
    c: &mut crate::web::kit::Check,
    r: &Reader,
    v: &str,
) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let path: Option<String> = match v.parse::<i64>() {
        Ok(id) => db
            .scalar_opt("SELECT path FROM branches WHERE id = $1", crate::args![id])
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    match path {
        Some(p) if scope(r).contains(&p) => v.parse().ok(),
        _ => {
            c.push(FieldError::new(
                "branch",
                "choose a branch of your scope",
                "请选择您管辖范围内的支部",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_parsing() {
        assert_eq!(parse_fen("2000"), Ok(200_000));
        assert_eq!(parse_fen("1,351,824.99"), Ok(135_182_499));
        assert_eq!(parse_fen("0.5"), Ok(50));
        assert_eq!(parse_fen("12.345"), Err("decimals"));
        assert_eq!(parse_fen("-3"), Err("format"));
        assert_eq!(parse_fen("0"), Err("zero"));
        assert_eq!(parse_fen("99999999999"), Err("limit"));
        assert_eq!(parse_fen("abc"), Err("format"));
        assert_eq!(yuan(135_182_499), "1,351,824.99");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(wan(372_000), "37.2万");
        assert_eq!(wan(3_160), "3160");
        assert_eq!(wan(1_100_000), "110万");
    }
}
