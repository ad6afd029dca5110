//! The money ledger, in integer fen: gifts (cash donations, party-fee allocations, grants),
//! spending (payee, purpose, receipt number, approvals), transfers between funds, refunds and
//! corrections. A fund's balance per lot is a row decremented with a conditional `UPDATE`
//! (`fen >= amount`): it never goes below zero. Money directed to a recipient (`lot` = the
//! recipient's name) is paid only to that payee, or refunded to the donor; a transfer carries
//! the direction with it.
//!
//! A spending waits for approval: one approver, two distinct ones above the threshold
//! ([`threshold`]); the requester never approves their own. It is paid on the last approval.

use serde::Serialize;
use serde_json::json;

use super::{in_vocab, text};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::web::kit::Check;

/// The default threshold above which a spending needs two approvers: 1,000 yuan.
pub const DEFAULT_THRESHOLD_FEN: i64 = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct Fund {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub owner: String,
    pub area: String,
    pub balance: i64,
}
crate::from_row!(Fund {
    id,
    name,
    path,
    owner,
    area,
    balance
});

const FUND_COLS: &str = "f.id, f.name, f.path, f.owner, COALESCE(a.name, '') AS area, \
    CAST(COALESCE((SELECT SUM(b.fen) FROM sup_fund_bal b WHERE b.fund_id = f.id), 0) AS BIGINT) AS balance";
const FUND_FROM: &str = "sup_funds f LEFT JOIN areas a ON a.path = f.path";

/// The threshold (fen) above which a spending needs two approvers.
pub async fn threshold(db: &Db) -> AppResult<i64> {
    Ok(db
        .scalar_opt::<i64>(
            "SELECT two_approvers_above_fen FROM sup_settings WHERE id = 1",
            vec![],
        )
        .await?
        .unwrap_or(DEFAULT_THRESHOLD_FEN))
}

/// Set the threshold (administrators and HQ), audited.
pub async fn set_threshold(db: &Db, actor: &Actor, r: &Reader, yuan: &str) -> AppResult<i64> {
    if !matches!(r.role.as_str(), "admin" | "hq") {
        return Err(AppError::Forbidden(Msg::new(
            "the approval threshold is set by HQ",
            "审批金额门槛由指挥部设置",
        )));
    }
    let mut c = Check::default();
    let fen = super::amount(&mut c, "threshold", yuan);
    c.finish()?;
    let fen = fen.expect("checked");
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO sup_settings (id, two_approvers_above_fen) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET two_approvers_above_fen = excluded.two_approvers_above_fen",
        args![fen],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("supply_settings", "settings", 0)
            .detail(json!({"two_approvers_above_fen": fen})),
    )
    .await?;
    tx.commit().await?;
    Ok(fen)
}

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct FundForm {
    pub name: String,
    pub area: String,
    pub owner: String,
    /// The owning party branch's id, if any (its public disclosure shows the fund).
    pub branch: String,
}

pub async fn add_fund(db: &Db, actor: &Actor, r: &Reader, f: &FundForm) -> AppResult<i64> {
    super::require_money(r)?;
    let mut c = Check::default();
    let name = text(&mut c, "fund_name", &f.name, 100, true);
    let owner = text(&mut c, "owner", &f.owner, 64, false);
    let area = crate::registry::areas::by_code(db, f.area.trim())
        .await?
        .filter(|a| r.scope.contains(&a.path));
    if area.is_none() {
        c.push(FieldError::new(
            "area",
            "choose an area of your scope",
            "请选择您管辖范围内的区划",
        ));
    }
    let branch = super::branch_field(db, &mut c, r, &f.branch).await;
    c.finish()?;
    let area = area.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO sup_funds (name, path, owner, branch_id, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![name.as_str(), area.path.as_str(), owner.as_str(), branch, crate::db::now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("fund_created", "fund", id)
            .area(&area.path)
            .detail(json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn funds(db: &Db, r: &Reader) -> AppResult<Vec<Fund>> {
    super::require_read(r)?;
    let (cond, params) = super::scope(r).sql("f.path", 1);
    Ok(db
        .query_as(
            &format!("SELECT {FUND_COLS} FROM {FUND_FROM} WHERE {cond} ORDER BY f.path, f.name LIMIT 500"),
            params,
        )
        .await?)
}

/// Every fund (a transfer's destination may lie outside the sender's scope), by area.
pub async fn all_funds(db: &Db) -> AppResult<Vec<Fund>> {
    Ok(db
        .query_as(
            &format!("SELECT {FUND_COLS} FROM {FUND_FROM} ORDER BY f.path, f.name LIMIT 2000"),
            vec![],
        )
        .await?)
}

async fn fund_any(db: &Db, id: i64) -> AppResult<Fund> {
    db.query_opt_as(
        &format!("SELECT {FUND_COLS} FROM {FUND_FROM} WHERE f.id = $1"),
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// A fund of the reader's scope.
pub async fn fund(db: &Db, r: &Reader, id: i64) -> AppResult<Fund> {
    super::require_read(r)?;
    let f = fund_any(db, id).await?;
    if super::scope(r).contains(&f.path) {
        Ok(f)
    } else {
        Err(AppError::NotFound)
    }
}

async fn writable_fund(
    db: &Db,
    r: &Reader,
    c: &mut Check,
    field: &'static str,
    v: &str,
) -> Option<Fund> {
    let f = match v.trim().parse::<i64>() {
        Ok(id) => fund_any(db, id).await.ok(),
        Err(_) => None,
    };
    match f {
        Some(f) if r.scope.contains(&f.path) => Some(f),
        _ => {
            c.push(FieldError::new(
                field,
                "choose a fund of your scope",
                "请选择您管辖范围内的资金账户",
            ));
            None
        }
    }
}

/// The balances of a fund per lot ('' = free money).
#[derive(Debug, Clone, Serialize)]
pub struct LotFen {
    pub lot: String,
    pub fen: i64,
}
crate::from_row!(LotFen { lot, fen });

pub async fn lots(db: &Db, fund: i64) -> AppResult<Vec<LotFen>> {
    Ok(db
        .query_as(
            "SELECT lot, fen FROM sup_fund_bal WHERE fund_id = $1 AND fen > 0 ORDER BY lot",
            args![fund],
        )
        .await?)
}

/// A money entry to write in a transaction.
#[derive(Debug, Default, Clone)]
struct Entry {
    fund: i64,
    kind: &'static str,
    dir: i64,
    fen: i64,
    lot: String,
    party: String,
    donor_kind: String,
    channel: String,
    reference: String,
    purpose: String,
    other_fund: Option<i64>,
    spend_id: Option<i64>,
    reverses: Option<i64>,
    reason: String,
    client_id: Option<String>,
}

fn short(left: i64) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "amount",
        format!("the fund holds only {} yuan for this", super::yuan(left)),
        format!("资金余额不足：可用于此项的仅剩 {} 元", super::yuan(left)),
    )])
}

async fn write(tx: &mut Tx, e: &Entry, actor: &str, now: i64) -> AppResult<i64> {
    if e.dir < 0 {
        let n = tx
            .execute(
                "UPDATE sup_fund_bal SET fen = fen - $1 WHERE fund_id = $2 AND lot = $3 AND fen >= $1",
                args![e.fen, e.fund, e.lot.as_str()],
            )
            .await?;
        if n == 0 {
            let left: i64 = tx
                .scalar(
                    "SELECT COALESCE(SUM(fen), 0) AS n FROM sup_fund_bal WHERE fund_id = $1 AND lot = $2",
                    args![e.fund, e.lot.as_str()],
                )
                .await?;
            return Err(short(left));
        }
    } else {
        tx.execute(
            "INSERT INTO sup_fund_bal (fund_id, lot, fen) VALUES ($1, $2, $3) \
             ON CONFLICT (fund_id, lot) DO UPDATE SET fen = sup_fund_bal.fen + excluded.fen",
            args![e.fund, e.lot.as_str(), e.fen],
        )
        .await?;
    }
    Ok(tx
        .scalar(
            "INSERT INTO sup_money (fund_id, kind, dir, fen, lot, party, donor_kind, channel, reference, purpose, \
             other_fund, spend_id, reverses, reason, client_id, actor, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
            args![
                e.fund,
                e.kind,
                e.dir,
                e.fen,
                e.lot.as_str(),
                e.party.as_str(),
                e.donor_kind.as_str(),
                e.channel.as_str(),
                e.reference.as_str(),
                e.purpose.as_str(),
                e.other_fund,
                e.spend_id,
                e.reverses,
                e.reason.as_str(),
                e.client_id.clone(),
                actor,
                now
            ],
        )
        .await?)
}

fn client(c: &str) -> Option<String> {
    let c = c.trim();
    (!c.is_empty()).then(|| c.chars().take(64).collect())
}

async fn replay(db: &Db, cid: &Option<String>) -> AppResult<Option<i64>> {
    Ok(match cid {
        Some(c) => {
            db.scalar_opt(
                "SELECT id FROM sup_money WHERE client_id = $1",
                args![c.as_str()],
            )
            .await?
        }
        None => None,
    })
}

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct GiftForm {
    pub client_id: String,
    pub fund: String,
    /// donation, party_fee, grant
    pub kind: String,
    pub donor_kind: String,
    pub donor: String,
    pub channel: String,
    pub reference: String,
    /// Yuan, at most two decimals.
    pub amount: String,
    /// Directed to this recipient (a hospital, a community, a team), or empty.
    pub directed: String,
}

/// Record money received into a fund.
pub async fn receive(db: &Db, actor: &Actor, r: &Reader, f: &GiftForm, now: i64) -> AppResult<i64> {
    super::require_money(r)?;
    let cid = client(&f.client_id);
    if let Some(id) = replay(db, &cid).await? {
        return Ok(id);
    }
    let mut c = Check::default();
    let fund = writable_fund(db, r, &mut c, "fund", &f.fund).await;
    let kind: &'static str = match f.kind.trim() {
        "donation" => "donation",
        "party_fee" => "party_fee",
        "grant" => "grant",
        _ => {
            c.push(FieldError::new(
                "money_kind",
                "choose donation, party-fee allocation or grant",
                "请选择捐款、党费拨付或拨款",
            ));
            "donation"
        }
    };
    let fen = super::amount(&mut c, "amount", &f.amount);
    let donor_kind = if kind == "donation" {
        let k = f.donor_kind.trim();
        if !in_vocab(super::DONOR_KINDS, k) {
            c.push(FieldError::new(
                "donor_kind",
                "choose organisation, person or anonymous",
                "请选择单位、个人或匿名",
            ));
        }
        k.to_owned()
    } else {
        "org".to_owned()
    };
    let mut party = text(&mut c, "donor", &f.donor, 100, donor_kind != "anonymous");
    if donor_kind == "anonymous" {
        party.clear();
    }
    let channel = f.channel.trim().to_owned();
    if !in_vocab(super::CHANNELS, &channel) {
        c.push(FieldError::new(
            "channel",
            "choose bank transfer, WeChat Pay, Alipay or cash",
            "请选择银行转账、微信支付、支付宝或现金",
        ));
    }
    let reference = text(&mut c, "reference", &f.reference, 60, channel != "cash");
    let lot = text(&mut c, "directed", &f.directed, 100, false);
    c.finish()?;
    let fund = fund.expect("checked");
    let e = Entry {
        fund: fund.id,
        kind,
        dir: 1,
        fen: fen.expect("checked"),
        lot,
        party,
        donor_kind,
        channel,
        reference,
        client_id: cid,
        ..Entry::default()
    };
    commit_one(db, actor, &fund, &e, now).await
}

async fn commit_one(db: &Db, actor: &Actor, fund: &Fund, e: &Entry, now: i64) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = match write(&mut tx, e, &actor.username, now).await {
        Err(AppError::Db(crate::db::DbError::Unique(_))) => {
            drop(tx);
            return replay(db, &e.client_id).await?.ok_or(AppError::NotFound);
        }
        r => r?,
    };
    audit::record(
        &mut tx,
        actor,
        Event::new(
            if e.reverses.is_some() {
                "money_reversed"
            } else {
                "money_entry"
            },
            "fund",
            fund.id,
        )
        .area(&fund.path)
        .detail(json!({"entry": id, "kind": e.kind, "fen": e.fen, "dir": e.dir, "reverses": e.reverses})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct SpendForm {
    pub client_id: String,
    pub fund: String,
    pub amount: String,
    pub payee: String,
    pub purpose: String,
    pub receipt_no: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Spend {
    pub id: i64,
    pub fund_id: i64,
    pub fen: i64,
    pub lot: String,
    pub payee: String,
    pub purpose: String,
    pub receipt_no: String,
    pub needed: i64,
    pub status: String,
    pub requested_by: String,
    pub created_ms: i64,
    pub paid_ms: Option<i64>,
}
crate::from_row!(Spend {
    id,
    fund_id,
    fen,
    lot,
    payee,
    purpose,
    receipt_no,
    needed,
    status,
    requested_by,
    created_ms,
    paid_ms
});

const SPEND_COLS: &str = "id, fund_id, fen, lot, payee, purpose, receipt_no, needed, status, requested_by, created_ms, paid_ms";

/// Request a spending: it waits for its approvals. Money directed to the payee is used first.
pub async fn request_spend(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &SpendForm,
    now: i64,
) -> AppResult<i64> {
    super::require_money(r)?;
    let cid = client(&f.client_id);
    if let Some(c) = &cid {
        if let Some(id) = db
            .scalar_opt::<i64>(
                "SELECT id FROM sup_spends WHERE client_id = $1",
                args![c.as_str()],
            )
            .await?
        {
            return Ok(id);
        }
    }
    let mut c = Check::default();
    let fund = writable_fund(db, r, &mut c, "fund", &f.fund).await;
    let fen = super::amount(&mut c, "amount", &f.amount);
    let payee = text(&mut c, "payee", &f.payee, 100, true);
    let purpose = text(&mut c, "purpose", &f.purpose, 200, true);
    let receipt_no = text(&mut c, "receipt_no", &f.receipt_no, 60, true);
    c.finish()?;
    let (fund, fen) = (fund.expect("checked"), fen.expect("checked"));
    // Directed money for this payee first, else free money.
    let held = lots(db, fund.id).await?;
    let lot = if held.iter().any(|l| l.lot == payee && l.fen >= fen) {
        payee.clone()
    } else {
        String::new()
    };
    let free: i64 = held.iter().filter(|l| l.lot == lot).map(|l| l.fen).sum();
    if free < fen {
        return Err(short(free));
    }
    let needed = if fen > threshold(db).await? { 2 } else { 1 };
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO sup_spends (fund_id, fen, lot, payee, purpose, receipt_no, needed, status, requested_by, client_id, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING id",
            args![fund.id, fen, lot.as_str(), payee.as_str(), purpose.as_str(), receipt_no.as_str(), needed, actor.username.as_str(), cid, now],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("money_spend_requested", "fund", fund.id)
            .area(&fund.path)
            .detail(json!({"spend": id, "fen": fen, "payee": payee, "needed": needed})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn spend(db: &Db, r: &Reader, id: i64) -> AppResult<Spend> {
    let s: Spend = db
        .query_opt_as(
            &format!("SELECT {SPEND_COLS} FROM sup_spends WHERE id = $1"),
            args![id],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    fund(db, r, s.fund_id).await?;
    Ok(s)
}

pub async fn spends(db: &Db, fund: i64, limit: i64) -> AppResult<Vec<Spend>> {
    Ok(db
        .query_as(
            &format!("SELECT {SPEND_COLS} FROM sup_spends WHERE fund_id = $1 ORDER BY (status = 'pending') DESC, id DESC LIMIT $2"),
            args![fund, limit],
        )
        .await?)
}

pub async fn approvals(db: &Db, spend: i64) -> AppResult<Vec<String>> {
    Ok(db
        .column(
            "SELECT approver FROM sup_spend_approvals WHERE spend_id = $1 ORDER BY at_ms",
            args![spend],
        )
        .await?)
}

/// Approve a spending. Returns its status afterwards: `pending` (another approval needed) or
/// `paid` (the money left the fund).
pub async fn approve(db: &Db, actor: &Actor, r: &Reader, id: i64, now: i64) -> AppResult<String> {
    super::require_money(r)?;
    let s = spend(db, r, id).await?;
    if !r.scope.contains(&fund_any(db, s.fund_id).await?.path) {
        return Err(AppError::NotFound);
    }
    if s.requested_by == actor.username {
        return Err(AppError::Conflict(Msg::new(
            "nobody approves their own spending",
            "不能审批自己提出的支出",
        )));
    }
    let mut tx = db.begin().await?;
    tx.lock_rows("sup_spends", &[id]).await?;
    let status: String = tx
        .scalar("SELECT status FROM sup_spends WHERE id = $1", args![id])
        .await?;
    if status != "pending" {
        return Err(AppError::Conflict(Msg::new(
            "this spending is already paid",
            "此支出已付款",
        )));
    }
    let mine: Option<String> = tx
        .scalar_opt(
            "SELECT approver FROM sup_spend_approvals WHERE spend_id = $1 AND approver = $2",
            args![id, actor.username.as_str()],
        )
        .await?;
    if mine.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "you approved this already; a second approver is needed",
            "您已审批过，需要另一位审批人",
        )));
    }
    tx.execute(
        "INSERT INTO sup_spend_approvals (spend_id, approver, at_ms) VALUES ($1, $2, $3)",
        args![id, actor.username.as_str(), now],
    )
    .await?;
    let n: i64 = tx
        .scalar(
            "SELECT COUNT(*) AS n FROM sup_spend_approvals WHERE spend_id = $1",
            args![id],
        )
        .await?;
    let fund = fund_any(db, s.fund_id).await?;
    let status = if n >= s.needed {
        let e = Entry {
            fund: s.fund_id,
            kind: "spending",
            dir: -1,
            fen: s.fen,
            lot: s.lot.clone(),
            party: s.payee.clone(),
            reference: s.receipt_no.clone(),
            purpose: s.purpose.clone(),
            spend_id: Some(s.id),
            ..Entry::default()
        };
        write(&mut tx, &e, &s.requested_by, now).await?;
        tx.execute(
            "UPDATE sup_spends SET status = 'paid', paid_ms = $1 WHERE id = $2",
            args![now, id],
        )
        .await?;
        "paid"
    } else {
        "pending"
    };
    audit::record(
        &mut tx,
        actor,
        Event::new("money_spend_approved", "fund", s.fund_id)
            .area(&fund.path)
            .detail(json!({"spend": id, "approvals": n, "needed": s.needed, "status": status})),
    )
    .await?;
    tx.commit().await?;
    Ok(status.to_owned())
}

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct TransferForm {
    pub client_id: String,
    pub fund: String,
    pub to_fund: String,
    pub amount: String,
    /// The lot to move ('' = free money; a recipient's name = money directed to them).
    pub lot: String,
    pub purpose: String,
}

/// Move money from one fund to another (the direction, if any, goes with it).
pub async fn transfer(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    f: &TransferForm,
    now: i64,
) -> AppResult<i64> {
    super::require_money(r)?;
    let cid = client(&f.client_id);
    if let Some(id) = replay(db, &cid).await? {
        return Ok(id);
    }
    let mut c = Check::default();
    let from = writable_fund(db, r, &mut c, "fund", &f.fund).await;
    let to = match f.to_fund.trim().parse::<i64>() {
        Ok(id) => fund_any(db, id).await.ok(),
        Err(_) => None,
    };
    if to.is_none() || to.as_ref().map(|t| t.id) == from.as_ref().map(|t| t.id) {
        c.push(FieldError::new(
            "to_fund",
            "choose another fund",
            "请选择另一个资金账户",
        ));
    }
    let fen = super::amount(&mut c, "amount", &f.amount);
    let purpose = text(&mut c, "purpose", &f.purpose, 200, true);
    c.finish()?;
    let (from, to, fen) = (from.expect("c"), to.expect("c"), fen.expect("c"));
    let lot = f.lot.trim().to_owned();
    let mut tx = db.begin().await?;
    let out = write(
        &mut tx,
        &Entry {
            fund: from.id,
            kind: "transfer_out",
            dir: -1,
            fen,
            lot: lot.clone(),
            party: to.name.clone(),
            purpose: purpose.clone(),
            other_fund: Some(to.id),
            client_id: cid,
            ..Entry::default()
        },
        &actor.username,
        now,
    )
    .await?;
    write(
        &mut tx,
        &Entry {
            fund: to.id,
            kind: "transfer_in",
            dir: 1,
            fen,
            lot,
            party: from.name.clone(),
            purpose,
            other_fund: Some(from.id),
            ..Entry::default()
        },
        &actor.username,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("money_entry", "fund", from.id)
            .area(&from.path)
            .detail(json!({"entry": out, "kind": "transfer", "fen": fen, "to_fund": to.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

struct OrigEntry {
    id: i64,
    fund_id: i64,
    kind: String,
    dir: i64,
    fen: i64,
    lot: String,
    party: String,
}
crate::from_row!(OrigEntry {
    id,
    fund_id,
    kind,
    dir,
    fen,
    lot,
    party
});

/// Reverse a money entry with a reason (a gift recorded twice, a spending cancelled after
/// payment): the opposite entry, refused when the fund no longer holds the money.
pub async fn reverse(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    reason: &str,
    now: i64,
) -> AppResult<i64> {
    super::require_money(r)?;
    let o: OrigEntry = db
        .query_opt_as(
            "SELECT id, fund_id, kind, dir, fen, lot, party FROM sup_money WHERE id = $1",
            args![id],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let fund = fund_any(db, o.fund_id).await?;
    if !r.scope.contains(&fund.path) {
        return Err(AppError::NotFound);
    }
    let mut c = Check::default();
    let reason = text(&mut c, "reason", reason, 500, true);
    c.finish()?;
    if o.kind == "correction" || o.kind.starts_with("transfer") {
        return Err(AppError::Conflict(Msg::new(
            "corrections and transfers are not reversed; record a new entry",
            "更正和调拨不能再更正，请另行登记",
        )));
    }
    if db
        .scalar_opt::<i64>("SELECT id FROM sup_money WHERE reverses = $1", args![id])
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(Msg::new(
            "this entry is already reversed",
            "此记录已更正过",
        )));
    }
    let e = Entry {
        fund: o.fund_id,
        kind: "correction",
        dir: -o.dir,
        fen: o.fen,
        lot: o.lot,
        party: o.party,
        reverses: Some(o.id),
        reason,
        ..Entry::default()
    };
    commit_one(db, actor, &fund, &e, now).await
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub id: i64,
    pub kind: String,
    pub dir: i64,
    pub fen: i64,
    pub lot: String,
    pub party: String,
    pub donor_kind: String,
    pub channel: String,
    pub reference: String,
    pub purpose: String,
    pub reverses: Option<i64>,
    pub reason: String,
    pub at_ms: i64,
}
crate::from_row!(Line {
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
    reverses,
    reason,
    at_ms
});

/// One page of a fund's ledger, newest first.
pub async fn ledger(db: &Db, fund: i64, limit: i64, offset: i64) -> AppResult<(Vec<Line>, i64)> {
    let total: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM sup_money WHERE fund_id = $1",
            args![fund],
        )
        .await?;
    let lines = db
        .query_as(
            "SELECT id, kind, dir, fen, lot, party, donor_kind, channel, reference, purpose, reverses, reason, at_ms \
             FROM sup_money WHERE fund_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            args![fund, limit, offset],
        )
        .await?;
    Ok((lines, total))
}
