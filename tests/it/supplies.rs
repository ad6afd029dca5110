//! Supplies, donations and money through the database, on both backends: stock never negative
//! (with real concurrency), directed gifts, corrections, the stock card, stock-takes, handouts
//! through a need, the money ledger's approvals and balances, bad input, scope, and the public
//! disclosure recomputed from the raw movements.

use std::collections::BTreeMap;

use wardline::access::Reader;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::needs::flow::{self, Action, Who};
use wardline::supplies::disclosure;
use wardline::supplies::goods::{
    self, CountForm, Hand, MoveForm, NeedHandout, NewItem, NewStore, ReceiptForm,
};
use wardline::supplies::money::{self, FundForm, GiftForm, SpendForm, TransferForm};

use crate::common::backends;
use crate::mobilization::{C1, C2, STREET};
use crate::needs::{fixture, new_need, Fx, T0};
use crate::testing::{actor, reader};

pub struct Sx {
    pub fx: Fx,
    pub keeper: Reader,
    pub mask: i64,
    pub water: i64,
    pub depot: i64,
    /// A supply point in C2 serving C1.
    pub point: i64,
    /// A store in C2 serving only C2.
    pub other: i64,
}

pub async fn mask_item(db: &Db, r: &Reader, code: &str, grade: &str) -> i64 {
    goods::add_item(
        db,
        &actor(r),
        r,
        &NewItem {
            code: code.into(),
            name: "口罩".into(),
            category: "protective".into(),
            grade: grade.into(),
            unit: "只".into(),
            pack: "50".into(),
        },
    )
    .await
    .unwrap()
}

pub async fn store(db: &Db, r: &Reader, name: &str, kind: &str, area: &str, serves: &str) -> i64 {
    goods::add_store(
        db,
        &actor(r),
        r,
        &NewStore {
            name: name.into(),
            kind: kind.into(),
            area: area.into(),
            owner: r.username.clone(),
            team: String::new(),
            serves: serves.into(),
            branch: String::new(),
        },
    )
    .await
    .unwrap()
}

pub async fn setup(db: &Db) -> Sx {
    let fx = fixture(db, 2).await;
    let keeper = reader(db, "keeper1", "keeper", STREET).await;
    let mask = mask_item(db, &keeper, "mask-kn95", "kn95").await;
    let water = goods::add_item(
        db,
        &actor(&keeper),
        &keeper,
        &NewItem {
            code: "water".into(),
            name: "饮用水".into(),
            category: "food".into(),
            grade: "".into(),
            unit: "瓶".into(),
            pack: "24".into(),
        },
    )
    .await
    .unwrap();
    let depot = store(db, &keeper, "街道仓库", "depot", STREET, "").await;
    let point = store(db, &keeper, "二社区服务点", "point", C2, C1).await;
    let other = store(db, &keeper, "二社区仓库", "point", C2, C2).await;
    Sx {
        fx,
        keeper,
        mask,
        water,
        depot,
        point,
        other,
    }
}

pub fn receipt(store: i64, item: i64, qty: i64, donor: &str) -> ReceiptForm {
    ReceiptForm {
        kind: "donation".into(),
        store: store.to_string(),
        item: item.to_string(),
        qty: qty.to_string(),
        per: "unit".into(),
        donor_kind: if donor.is_empty() { "anonymous" } else { "org" }.into(),
        donor: donor.into(),
        ..ReceiptForm::default()
    }
}

pub fn handout_hh(store: i64, item: i64, qty: &str, hh: i64) -> MoveForm {
    MoveForm {
        kind: "handout".into(),
        store: store.to_string(),
        item: item.to_string(),
        qty: qty.into(),
        per: "unit".into(),
        to_type: "household".into(),
        household: hh.to_string(),
        ..MoveForm::default()
    }
}

pub fn transfer(from: i64, to: i64, item: i64, qty: i64) -> MoveForm {
    MoveForm {
        kind: "transfer".into(),
        store: from.to_string(),
        to_store: to.to_string(),
        item: item.to_string(),
        qty: qty.to_string(),
        per: "unit".into(),
        ..MoveForm::default()
    }
}

async fn balance(db: &Db, store: i64, item: i64) -> i64 {
    db.scalar(
        "SELECT CAST(COALESCE(SUM(qty), 0) AS BIGINT) AS n FROM sup_stock WHERE store_id = $1 AND item_id = $2",
        args![store, item],
    )
    .await
    .unwrap()
}

async fn moves(db: &Db) -> i64 {
    db.scalar("SELECT COUNT(*) AS n FROM sup_moves", vec![])
        .await
        .unwrap()
}

fn field_of(e: &AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.iter().map(|f| f.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn message(e: &AppError) -> String {
    match e {
        AppError::Invalid(v) => v
            .iter()
            .map(|f| f.message.en.clone())
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict(m) | AppError::Forbidden(m) => m.en.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn concurrent_handouts_never_take_stock_below_zero() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        goods::receive(db, &actor(k), k, &receipt(s.point, s.mask, 12, "商会"), T0)
            .await
            .unwrap();
        // 30 handouts of one mask at the same time against 12 in stock.
        let mut tasks = Vec::new();
        for i in 0..30 {
            let db = db.clone();
            let k = k.clone();
            let f = handout_hh(s.point, s.mask, "1", s.fx.hh[i % 10]);
            tasks.push(tokio::spawn(async move {
                goods::move_out(&db, &actor(&k), &k, &f, T0 + 1).await
            }));
        }
        let mut ok = 0;
        let mut refused = Vec::new();
        for h in tasks {
            match h.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => refused.push(message(&e)),
            }
        }
        assert_eq!(ok, 12, "{}: exactly the stock is handed out", t.name);
        assert_eq!(refused.len(), 18);
        assert!(
            refused.iter().all(|m| m.contains("0 只 left")),
            "{}: the others are told the stock left: {refused:?}",
            t.name
        );
        assert_eq!(balance(db, s.point, s.mask).await, 0);
        // The stock card ends at 0 and never shows a negative balance.
        let (card, total) = goods::card(db, s.point, Some(s.mask), 100, 0)
            .await
            .unwrap();
        assert_eq!(total, 13);
        assert_eq!(card[0].balance, 0);
        assert!(card.iter().all(|l| l.balance >= 0));
        // Each line's balance is the previous line's plus its change.
        let mut lines = card.clone();
        lines.reverse();
        let mut run = 0;
        for l in &lines {
            run += l.delta;
            assert_eq!(l.balance, run, "{}: card line {}", t.name, l.move_id);
        }

        // The last box: two people at the same moment; one succeeds, the other is told.
        goods::receive(db, &actor(k), k, &receipt(s.point, s.water, 24, "水厂"), T0)
            .await
            .unwrap();
        let pack = |hh: i64| MoveForm {
            per: "pack".into(),
            ..handout_hh(s.point, s.water, "1", hh)
        };
        let (ak, p0, p1) = (actor(k), pack(s.fx.hh[0]), pack(s.fx.hh[1]));
        let (a, b) = tokio::join!(
            goods::move_out(db, &ak, k, &p0, T0 + 2),
            goods::move_out(db, &ak, k, &p1, T0 + 2)
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "{}: exactly one gets the last box",
            t.name
        );
        let e = a.err().or(b.err()).unwrap();
        assert!(message(&e).contains("0 瓶 left"), "{}", message(&e));
        assert_eq!(balance(db, s.point, s.water).await, 0);
    }
}

#[tokio::test]
async fn directed_gifts_go_only_where_directed() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        let mut r = receipt(s.depot, s.mask, 800, "某商会");
        r.directed_area = C1.into();
        goods::receive(db, &a, k, &r, T0).await.unwrap();
        // Not to a store that neither lies in nor serves C1, not to a household of C2.
        let e = goods::move_out(db, &a, k, &transfer(s.depot, s.other, s.mask, 100), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), ["destination"], "{}", t.name);
        let e = goods::move_out(db, &a, k, &handout_hh(s.depot, s.mask, "10", s.fx.hh2), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), ["destination"], "{}", t.name);
        assert_eq!(
            balance(db, s.depot, s.mask).await,
            800,
            "nothing half-written"
        );
        // To the supply point serving C1, then to a household of C1: allowed.
        goods::move_out(db, &a, k, &transfer(s.depot, s.point, s.mask, 300), T0)
            .await
            .unwrap();
        goods::move_out(
            db,
            &a,
            k,
            &handout_hh(s.point, s.mask, "100", s.fx.hh[0]),
            T0,
        )
        .await
        .unwrap();
        // Back to the donor, with a note.
        let back = MoveForm {
            kind: "return".into(),
            to_name: "某商会".into(),
            reason: "多捐了".into(),
            ..transfer(s.depot, 0, s.mask, 50)
        };
        goods::move_out(db, &a, k, &back, T0).await.unwrap();
        assert_eq!(balance(db, s.depot, s.mask).await, 450);
        // Free stock of the same item may go anywhere, and is used for C2 while the directed
        // lot waits for C1.
        goods::receive(db, &a, k, &receipt(s.depot, s.mask, 40, ""), T0)
            .await
            .unwrap();
        goods::move_out(db, &a, k, &handout_hh(s.depot, s.mask, "40", s.fx.hh2), T0)
            .await
            .unwrap();
        let e = goods::move_out(db, &a, k, &handout_hh(s.depot, s.mask, "1", s.fx.hh2), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), ["destination"], "{}", t.name);

        // Directed to a named hospital: carried between stores, out only to that recipient.
        let mut r = receipt(s.depot, s.water, 48, "");
        r.directed_org = "市第一医院".into();
        goods::receive(db, &a, k, &r, T0).await.unwrap();
        let to = |name: &str| MoveForm {
            kind: "handout".into(),
            to_type: "recipient".into(),
            to_name: name.into(),
            ..transfer(s.depot, 0, s.water, 24)
        };
        let e = goods::move_out(db, &a, k, &to("市第二医院"), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), ["destination"]);
        goods::move_out(db, &a, k, &to("市第一医院"), T0)
            .await
            .unwrap();
        assert_eq!(balance(db, s.depot, s.water).await, 24);
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        goods::receive(db, &a, k, &receipt(s.depot, s.mask, 100, "商会"), T0)
            .await
            .unwrap();
        let before = moves(db).await;
        for (qty, why) in [
            ("0", "zero"),
            ("-5", "negative"),
            ("1.5", "fraction"),
            ("", "empty"),
            ("abc", "text"),
        ] {
            let e = goods::move_out(db, &a, k, &handout_hh(s.depot, s.mask, qty, s.fx.hh[0]), T0)
                .await
                .unwrap_err();
            assert_eq!(field_of(&e), ["qty"], "{}: {why}", t.name);
        }
        let mut r = receipt(s.depot, 999_999, 1, "x");
        r.qty = "2.5".into();
        let e = goods::receive(db, &a, k, &r, T0).await.unwrap_err();
        assert_eq!(field_of(&e), ["item", "qty"]);
        let e = goods::add_item(
            db,
            &a,
            k,
            &NewItem {
                code: "m2".into(),
                name: "口罩".into(),
                category: "protective".into(),
                grade: "kn99".into(),
                unit: "只".into(),
                pack: "50".into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), ["grade"]);
        // Too many: the stock left is named.
        let e = goods::move_out(
            db,
            &a,
            k,
            &handout_hh(s.depot, s.mask, "101", s.fx.hh[0]),
            T0,
        )
        .await
        .unwrap_err();
        assert!(message(&e).contains("100 只 left"), "{}", message(&e));
        assert_eq!(moves(db).await, before, "{}: nothing half-written", t.name);
        assert_eq!(balance(db, s.depot, s.mask).await, 100);

        // Money: more than two decimals, over the limit, no receipt number.
        let o = &s.fx.street;
        let fund = money::add_fund(
            db,
            &actor(o),
            o,
            &FundForm {
                name: "街道资金".into(),
                area: STREET.into(),
                owner: String::new(),
                branch: String::new(),
            },
        )
        .await
        .unwrap();
        for (amount, why) in [
            ("12.345", "decimals"),
            ("2000000000", "limit"),
            ("0", "zero"),
            ("-3", "negative"),
        ] {
            let e = money::receive(db, &actor(o), o, &gift(fund, amount, "张三"), T0)
                .await
                .unwrap_err();
            assert_eq!(field_of(&e), ["amount"], "{why}");
        }
        money::receive(db, &actor(o), o, &gift(fund, "100", "张三"), T0)
            .await
            .unwrap();
        let e = money::request_spend(
            db,
            &actor(o),
            o,
            &SpendForm {
                receipt_no: " ".into(),
                ..spend(fund, "10")
            },
            T0,
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), ["receipt_no"]);
        let n: i64 = db
            .scalar("SELECT COUNT(*) AS n FROM sup_spends", vec![])
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}

pub fn gift(fund: i64, amount: &str, donor: &str) -> GiftForm {
    GiftForm {
        fund: fund.to_string(),
        kind: "donation".into(),
        donor_kind: if donor.is_empty() {
            "anonymous"
        } else {
            "person"
        }
        .into(),
        donor: donor.into(),
        channel: "wechat".into(),
        reference: "WX-1".into(),
        amount: amount.into(),
        ..GiftForm::default()
    }
}

pub fn spend(fund: i64, amount: &str) -> SpendForm {
    SpendForm {
        fund: fund.to_string(),
        amount: amount.into(),
        payee: "某药店".into(),
        purpose: "消毒液".into(),
        receipt_no: "FP-001".into(),
        ..SpendForm::default()
    }
}

#[tokio::test]
async fn corrections_reverse_and_the_audit_chain_holds() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        let rid = goods::receive(db, &a, k, &receipt(s.depot, s.mask, 100, "商会"), T0)
            .await
            .unwrap();
        let h = goods::move_out(
            db,
            &a,
            k,
            &handout_hh(s.depot, s.mask, "30", s.fx.hh[0]),
            T0,
        )
        .await
        .unwrap();
        assert_eq!(balance(db, s.depot, s.mask).await, 70);
        let e = goods::reverse(db, &a, k, h, " ", "", T0).await.unwrap_err();
        assert_eq!(field_of(&e), ["reason"]);
        let c = goods::reverse(db, &a, k, h, "发错户", "", T0)
            .await
            .unwrap();
        assert_eq!(balance(db, s.depot, s.mask).await, 100);
        assert!(
            goods::reverse(db, &a, k, h, "again", "", T0).await.is_err(),
            "once only"
        );
        assert!(
            goods::reverse(db, &a, k, c, "again", "", T0).await.is_err(),
            "not a correction"
        );
        // A receipt whose goods left cannot be reversed below zero.
        goods::move_out(db, &a, k, &transfer(s.depot, s.point, s.mask, 60), T0)
            .await
            .unwrap();
        let e = goods::reverse(db, &a, k, rid, "录重了", "", T0)
            .await
            .unwrap_err();
        assert!(message(&e).contains("40 只 left"), "{}", message(&e));
        // The original rows are untouched.
        let q: i64 = db
            .scalar("SELECT qty FROM sup_moves WHERE id = $1", args![h])
            .await
            .unwrap();
        assert_eq!(q, 30);
        let v = wardline::audit::verify(db).await.unwrap();
        assert!(
            matches!(v, wardline::audit::Verdict::Intact { .. }),
            "{}: {v:?}",
            t.name
        );
    }
}

#[tokio::test]
async fn stock_take_turns_differences_into_approved_adjustments() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        goods::receive(db, &a, k, &receipt(s.depot, s.mask, 100, "商会"), T0)
            .await
            .unwrap();
        goods::receive(db, &a, k, &receipt(s.depot, s.water, 48, "水厂"), T0)
            .await
            .unwrap();
        let form = |approver: &str| CountForm {
            store: s.depot.to_string(),
            counts: vec![(s.mask, "95".into()), (s.water, "50".into())],
            reason: "月度盘点".into(),
            approver: approver.into(),
            ..CountForm::default()
        };
        let e = goods::stock_take(db, &a, k, &form("keeper1"), T0)
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&e),
            ["approver"],
            "nobody approves their own count"
        );
        let ids = goods::stock_take(db, &a, k, &form("s1"), T0).await.unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(balance(db, s.depot, s.mask).await, 95);
        assert_eq!(balance(db, s.depot, s.water).await, 50);
        let appr: Vec<String> = db
            .column(
                "SELECT approver FROM sup_moves WHERE kind = 'adjust' ORDER BY id",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(appr, ["s1", "s1"]);
    }
}

fn vactor(v: &wardline::mobilization::volunteers::Volunteer) -> Actor {
    Actor {
        account_id: None,
        username: format!("vol{}", v.id),
        ip: "test".into(),
    }
}

#[tokio::test]
async fn a_volunteer_hands_out_through_a_need_from_their_team_store() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let fx = &s.fx;
        let o = &fx.o1;
        let team = wardline::mobilization::branches::create_team(
            db,
            &actor(o),
            o,
            C1,
            "一社区配送组",
            "delivery",
            None,
        )
        .await
        .unwrap();
        wardline::mobilization::branches::set_team_member(
            db,
            &actor(o),
            o,
            team,
            fx.v[0].id,
            false,
        )
        .await
        .unwrap();
        let ts = goods::add_store(
            db,
            &actor(&s.keeper),
            &s.keeper,
            &NewStore {
                name: "配送组物资".into(),
                kind: "team".into(),
                area: C1.into(),
                team: team.to_string(),
                ..NewStore::default()
            },
        )
        .await
        .unwrap();
        let k = &s.keeper;
        goods::receive(db, &actor(k), k, &receipt(ts, s.mask, 200, "商会"), T0)
            .await
            .unwrap();
        let need = new_need(db, o, fx.hh[0], "groceries", 3, T0).await;
        let v = &fx.v[0];
        let form = NeedHandout {
            store: ts.to_string(),
            item: s.mask.to_string(),
            qty: "2".into(),
            per: "pack".into(),
            client_id: "c-1".into(),
        };
        // Not before the need is started.
        flow::act(
            db,
            &actor(o),
            &Who::Staff(o),
            need,
            &Action::Assign {
                team: None,
                volunteer: Some(v.id),
            },
            None,
            T0,
        )
        .await
        .unwrap();
        assert!(
            goods::hand_for_need(db, &vactor(v), Hand::Volunteer(v), need, &form, T0)
                .await
                .is_err()
        );
        for act in [Action::Start] {
            flow::act(db, &vactor(v), &Who::Volunteer(v), need, &act, None, T0)
                .await
                .unwrap();
        }
        let id = goods::hand_for_need(db, &vactor(v), Hand::Volunteer(v), need, &form, T0)
            .await
            .unwrap();
        // A retry with the same client id records nothing more.
        let again = goods::hand_for_need(db, &vactor(v), Hand::Volunteer(v), need, &form, T0)
            .await
            .unwrap();
        assert_eq!(id, again);
        assert_eq!(balance(db, ts, s.mask).await, 100, "{}", t.name);
        let items: Vec<i64> = db
            .column(
                "SELECT quantity FROM need_items WHERE need_id = $1",
                args![need],
            )
            .await
            .unwrap();
        assert_eq!(items, [2], "the need's items delivered: 2 packs");
        let (to_type, to_path, hh): (String, String, i64) = {
            let r = db
                .query_one(
                    "SELECT to_type, to_path, household_id FROM sup_moves WHERE id = $1",
                    args![id],
                )
                .await
                .unwrap();
            (r.text(0).to_owned(), r.text(1).to_owned(), r.int(2))
        };
        assert_eq!(
            (to_type.as_str(), to_path.as_str(), hh),
            ("need", C1, fx.hh[0])
        );
        // Another volunteer (not holding it) may not.
        let e = goods::hand_for_need(
            db,
            &vactor(&fx.v[1]),
            Hand::Volunteer(&fx.v[1]),
            need,
            &NeedHandout {
                client_id: String::new(),
                ..form.clone()
            },
            T0,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_) | AppError::NotFound),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn money_needs_two_approvers_above_the_threshold_and_never_goes_negative() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let fx = &s.fx;
        let (o, st, hq) = (&fx.o1, &fx.street, &fx.hq);
        let fund = money::add_fund(
            db,
            &actor(st),
            st,
            &FundForm {
                name: "街道防疫资金".into(),
                area: STREET.into(),
                owner: String::new(),
                branch: String::new(),
            },
        )
        .await
        .unwrap();
        money::receive(db, &actor(st), st, &gift(fund, "2,000", "李四"), T0)
            .await
            .unwrap();
        money::receive(db, &actor(st), st, &gift(fund, "38.5", ""), T0)
            .await
            .unwrap();
        // Idempotent by client id.
        let g = GiftForm {
            client_id: "g-1".into(),
            ..gift(fund, "600", "王五")
        };
        let a1 = money::receive(db, &actor(st), st, &g, T0).await.unwrap();
        let a2 = money::receive(db, &actor(st), st, &g, T0).await.unwrap();
        assert_eq!(a1, a2);
        assert_eq!(money::fund(db, st, fund).await.unwrap().balance, 263_850);

        // 1,500 yuan > the 1,000 threshold: two approvers, not the requester.
        let sp = money::request_spend(db, &actor(st), st, &spend(fund, "1500"), T0)
            .await
            .unwrap();
        let e = money::approve(db, &actor(st), st, sp, T0)
            .await
            .unwrap_err();
        assert!(message(&e).contains("own"), "{}", message(&e));
        let street2 = reader(db, "s2", "street", STREET).await;
        assert_eq!(
            money::approve(db, &actor(hq), hq, sp, T0).await.unwrap(),
            "pending"
        );
        assert!(
            money::approve(db, &actor(hq), hq, sp, T0).await.is_err(),
            "not twice by one"
        );
        assert_eq!(
            money::fund(db, st, fund).await.unwrap().balance,
            263_850,
            "not paid yet"
        );
        assert_eq!(
            money::approve(db, &actor(&street2), &street2, sp, T0)
                .await
                .unwrap(),
            "paid"
        );
        assert_eq!(money::fund(db, st, fund).await.unwrap().balance, 113_850);
        assert!(money::approve(db, &actor(o), o, sp, T0).await.is_err());

        // Two spendings of 1,000 approved at the same moment against 1,138.50: one is paid.
        let s1 = money::request_spend(db, &actor(st), st, &spend(fund, "1000"), T0)
            .await
            .unwrap();
        let s2 = money::request_spend(db, &actor(st), st, &spend(fund, "1000"), T0)
            .await
            .unwrap();
        let (ahq, as2) = (actor(hq), actor(&street2));
        let (r1, r2) = tokio::join!(
            money::approve(db, &ahq, hq, s1, T0),
            money::approve(db, &as2, &street2, s2, T0)
        );
        assert!(r1.is_ok() != r2.is_ok(), "{}: {r1:?} {r2:?}", t.name);
        assert_eq!(money::fund(db, st, fund).await.unwrap().balance, 13_850);
        let neg: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM sup_fund_bal WHERE fen < 0",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(neg, 0);

        // Directed money: paid only to its recipient.
        let d = GiftForm {
            directed: "市第一医院".into(),
            ..gift(fund, "500", "某企业")
        };
        money::receive(db, &actor(st), st, &d, T0).await.unwrap();
        let e = money::request_spend(
            db,
            &actor(st),
            st,
            &SpendForm {
                payee: "某超市".into(),
                ..spend(fund, "300")
            },
            T0,
        )
        .await
        .unwrap_err();
        assert!(
            message(&e).contains("138.50"),
            "free money only: {}",
            message(&e)
        );
        let sp = money::request_spend(
            db,
            &actor(st),
            st,
            &SpendForm {
                payee: "市第一医院".into(),
                ..spend(fund, "300")
            },
            T0,
        )
        .await
        .unwrap();
        money::approve(db, &actor(hq), hq, sp, T0).await.unwrap();
        let lots = money::lots(db, fund).await.unwrap();
        assert!(
            lots.iter()
                .any(|l| l.lot == "市第一医院" && l.fen == 20_000),
            "{lots:?}"
        );

        // A transfer carries the money to another fund; a reversal takes a gift back.
        let f2 = money::add_fund(
            db,
            &actor(o),
            o,
            &FundForm {
                name: "一社区资金".into(),
                area: C1.into(),
                owner: String::new(),
                branch: String::new(),
            },
        )
        .await
        .unwrap();
        money::transfer(
            db,
            &actor(st),
            st,
            &TransferForm {
                fund: fund.to_string(),
                to_fund: f2.to_string(),
                amount: "100".into(),
                purpose: "下拨".into(),
                ..TransferForm::default()
            },
            T0,
        )
        .await
        .unwrap();
        assert_eq!(money::fund(db, o, f2).await.unwrap().balance, 10_000);
        let e = money::reverse(db, &actor(st), st, a1, "重复登记", T0)
            .await
            .unwrap_err();
        assert!(
            message(&e).contains("only"),
            "the fund no longer holds it: {}",
            message(&e)
        );
        let v = wardline::audit::verify(db).await.unwrap();
        assert!(
            matches!(v, wardline::audit::Verdict::Intact { .. }),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn outsiders_get_nothing() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let other = reader(db, "k2", "keeper", "431102002").await;
        let vol = reader(db, "vv", "volunteer", STREET).await;
        assert!(goods::stores(db, &other).await.unwrap().is_empty());
        assert!(matches!(
            goods::store(db, &other, s.depot).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            goods::stores(db, &vol).await,
            Err(AppError::Forbidden(_))
        ));
        let e = goods::receive(
            db,
            &actor(&other),
            &other,
            &receipt(s.depot, s.mask, 5, "x"),
            T0,
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), ["store"]);
        let e = goods::receive(
            db,
            &actor(&vol),
            &vol,
            &receipt(s.depot, s.mask, 5, "x"),
            T0,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)));
        // A keeper does not record money; an auditor reads but writes nothing.
        let aud = reader(db, "au", "auditor", STREET).await;
        assert_eq!(goods::stores(db, &aud).await.unwrap().len(), 3);
        assert!(matches!(
            goods::receive(
                db,
                &actor(&aud),
                &aud,
                &receipt(s.depot, s.mask, 5, "x"),
                T0
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            money::add_fund(
                db,
                &actor(&s.keeper),
                &s.keeper,
                &FundForm {
                    name: "x".into(),
                    area: STREET.into(),
                    owner: String::new(),
                    branch: String::new(),
                }
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        // The keeper does not read households' handouts (registry data).
        assert!(goods::household_handouts(db, &s.keeper, s.fx.hh[0])
            .await
            .is_err());
    }
}

/// The disclosure, recomputed from the raw movements: per item, what came in from outside the
/// area minus what went out equals the stock; every goods-out line adds up to the raw
/// movements to its community; no household appears.
#[tokio::test]
async fn the_disclosure_recomputes_from_the_raw_movements() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        let mut r = receipt(s.depot, s.mask, 800, "某商会");
        r.directed_area = C1.into();
        goods::receive(db, &a, k, &r, T0).await.unwrap();
        goods::receive(db, &a, k, &receipt(s.depot, s.water, 240, ""), T0)
            .await
            .unwrap();
        let dup = goods::receive(db, &a, k, &receipt(s.depot, s.water, 24, "水厂"), T0)
            .await
            .unwrap();
        goods::reverse(db, &a, k, dup, "录重了", "", T0)
            .await
            .unwrap();
        goods::move_out(db, &a, k, &transfer(s.depot, s.point, s.mask, 500), T0)
            .await
            .unwrap();
        for (i, hh) in s.fx.hh.iter().take(5).enumerate() {
            goods::move_out(
                db,
                &a,
                k,
                &handout_hh(s.point, s.mask, &(10 * (i + 1)).to_string(), *hh),
                T0,
            )
            .await
            .unwrap();
        }
        let wrong = goods::move_out(db, &a, k, &handout_hh(s.depot, s.water, "24", s.fx.hh2), T0)
            .await
            .unwrap();
        goods::reverse(db, &a, k, wrong, "发错", "", T0)
            .await
            .unwrap();
        goods::move_out(db, &a, k, &handout_hh(s.depot, s.water, "48", s.fx.hh2), T0)
            .await
            .unwrap();
        let st = &s.fx.street;
        let fund = money::add_fund(
            db,
            &actor(st),
            st,
            &FundForm {
                name: "街道资金".into(),
                area: STREET.into(),
                owner: String::new(),
                branch: String::new(),
            },
        )
        .await
        .unwrap();
        money::receive(db, &actor(st), st, &gift(fund, "2000", "刘老师"), T0)
            .await
            .unwrap();
        money::receive(db, &actor(st), st, &gift(fund, "400", ""), T0)
            .await
            .unwrap();

        let d = disclosure::of_area(db, STREET, T0 + 5).await.unwrap();
        // Recompute per item from the raw rows (stores in the street: all three).
        let raw = db
            .query(
                "SELECT i.name, m.qty, m.from_store IS NOT NULL, m.to_store IS NOT NULL, m.to_type, m.from_type, m.to_path, m.from_path \
                 FROM sup_moves m JOIN sup_items i ON i.id = m.item_id",
                vec![],
            )
            .await
            .unwrap();
        let mut inflow: BTreeMap<String, i64> = BTreeMap::new();
        let mut outflow: BTreeMap<(String, String), i64> = BTreeMap::new();
        for row in &raw {
            let (item, qty, fs, ts) = (
                row.text(0).to_owned(),
                row.int(1),
                row.int(2) == 1,
                row.int(3) == 1,
            );
            if ts && !fs && matches!(row.text(5), "donor" | "supplier" | "above") {
                *inflow.entry(item.clone()).or_default() += qty;
            }
            if fs && !ts && matches!(row.text(4), "donor" | "supplier" | "above") {
                *inflow.entry(item.clone()).or_default() -= qty;
            }
            if fs && !ts && matches!(row.text(4), "household" | "need") {
                *outflow
                    .entry((item.clone(), row.text(6).to_owned()))
                    .or_default() += qty;
            }
            if ts && !fs && matches!(row.text(5), "household" | "need") {
                *outflow
                    .entry((item.clone(), row.text(7).to_owned()))
                    .or_default() -= qty;
            }
        }
        let mut d_in: BTreeMap<String, i64> = BTreeMap::new();
        for g in &d.goods_in {
            *d_in.entry(g.item.clone()).or_default() += g.qty;
        }
        assert_eq!(d_in, inflow, "{}: received", t.name);
        assert_eq!(inflow["口罩"], 800);
        assert_eq!(inflow["饮用水"], 240);
        let mut d_out: BTreeMap<(String, String), i64> = BTreeMap::new();
        let c1 = wardline::registry::areas::by_code(db, C1)
            .await
            .unwrap()
            .unwrap()
            .name;
        let c2 = wardline::registry::areas::by_code(db, C2)
            .await
            .unwrap()
            .unwrap()
            .name;
        for o in &d.goods_out {
            assert_eq!(o.to_kind, "community");
            let path = if o.to == c1 {
                C1
            } else if o.to == c2 {
                C2
            } else {
                panic!("{o:?}")
            };
            *d_out.entry((o.item.clone(), path.to_owned())).or_default() += o.qty;
        }
        assert_eq!(d_out, outflow, "{}: given", t.name);
        assert_eq!(outflow[&("口罩".to_owned(), C1.to_owned())], 150);
        assert_eq!(outflow[&("饮用水".to_owned(), C2.to_owned())], 48);
        // In stock = in − out, per item, and what the balance rows hold.
        for st in &d.stock {
            let out: i64 = outflow
                .iter()
                .filter(|((i, _), _)| *i == st.item)
                .map(|(_, q)| q)
                .sum();
            assert_eq!(st.qty, inflow[&st.item] - out, "{}: {}", t.name, st.item);
        }
        // The corrections appear as corrections.
        assert!(d
            .goods_in
            .iter()
            .any(|g| g.kind == "correction" && g.qty == -24 && g.first_entry > dup));
        // Each line's entries are real ledger rows summing to it.
        for g in &d.goods_in {
            let (n, q): (i64, i64) = {
                let r = db
                    .query_one(
                        "SELECT COUNT(*), CAST(COALESCE(SUM(qty), 0) AS BIGINT) FROM sup_moves WHERE id >= $1 AND id <= $2 AND kind = $3",
                        args![g.first_entry, g.last_entry, g.kind.as_str()],
                    )
                    .await
                    .unwrap();
                (r.int(0), r.int(1))
            };
            if g.entries == 1 {
                assert_eq!((n, q.abs()), (1, g.qty.abs()), "{}: {g:?}", t.name);
            }
        }
        counters_equal_a_recount(db, t.name).await;
        assert!(d.goods_out.iter().any(|o| o.correction && o.qty == -24));
        // Money: names, anonymous, balances.
        assert_eq!(d.money_in.len(), 2);
        assert!(d
            .money_in
            .iter()
            .any(|m| m.party == "刘老师" && m.fen == 200_000));
        assert!(d
            .money_in
            .iter()
            .any(|m| m.party.is_empty() && m.donor_kind == "anonymous"));
        assert_eq!(d.funds[0].balance_fen, 240_000);
        // Never a household: no household number or address anywhere in it.
        let json = serde_json::to_string(&d).unwrap();
        let addr: String = db
            .scalar(
                "SELECT address FROM households WHERE id = $1",
                args![s.fx.hh[0]],
            )
            .await
            .unwrap();
        assert!(!json.contains(&addr), "no address");
        for hh in s.fx.hh.iter().take(5) {
            assert!(!json.contains(&format!("#{hh}")), "no household number");
        }
        // The community's own disclosure shows the supply point's share only when it lies in it.
        let dc2 = disclosure::of_area(db, C2, T0).await.unwrap();
        let got: i64 = dc2
            .goods_in
            .iter()
            .filter(|g| g.item == "口罩")
            .map(|g| g.qty)
            .sum();
        assert_eq!(
            got, 500,
            "{}: C2's point received 500 from the street depot",
            t.name
        );
        let csv = disclosure::csv(&d, wardline::i18n::Lang::Zh).unwrap();
        assert!(String::from_utf8(csv).unwrap().contains("某商会"));
        let x = disclosure::xlsx(&d, wardline::i18n::Lang::En).unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}

/// Retention: after 180 days a handout no longer names its household; the disclosure of the
/// area is unchanged (it shows communities only).
#[tokio::test]
async fn retention_forgets_which_household_but_keeps_the_disclosure() {
    use wardline::audit::retention::{policy, run};
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        goods::receive(db, &a, k, &receipt(s.depot, s.mask, 100, "商会"), T0)
            .await
            .unwrap();
        let h = goods::move_out(
            db,
            &a,
            k,
            &handout_hh(s.depot, s.mask, "30", s.fx.hh[0]),
            T0,
        )
        .await
        .unwrap();
        let before = disclosure::of_area(db, STREET, T0).await.unwrap();
        let pol = policy(&wardline::retention::kinds(), &[]).unwrap();
        let later = T0 + 181 * 86_400_000;
        run(db, &wardline::audit::Actor::cli(), &pol, later, false)
            .await
            .unwrap();
        let r = db
            .query_one(
                "SELECT household_id, to_label, to_path FROM sup_moves WHERE id = $1",
                args![h],
            )
            .await
            .unwrap();
        assert_eq!(r.opt_int(0), None, "{}", t.name);
        assert_eq!((r.text(1), r.text(2)), ("", C1));
        let after = disclosure::of_area(db, STREET, T0).await.unwrap();
        assert_eq!(before.goods_out, after.goods_out);
        assert_eq!(before.goods_in, after.goods_in);
    }
}

/// The figures of an area: the seeds' sentences come from the data ("口罩37.2万只"), trips and
/// tonnage are counted, households helped counted once each, money received and spent.
#[tokio::test]
async fn figures_write_the_seeds_sentences_from_the_data() {
    use wardline::supplies::figures;
    use wardline::supplies::trips::{self, TripForm};
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let a = actor(k);
        goods::receive(db, &a, k, &receipt(s.depot, s.mask, 372_000, "县商会"), T0)
            .await
            .unwrap();
        for i in 0..3 {
            let trip = trips::add_trip(
                db,
                &a,
                k,
                &TripForm {
                    plate: format!("湘F{i}"),
                    driver: "刘师傅".into(),
                    from: "仓库".into(),
                    to: "服务点".into(),
                    depart: "2026-03-02T09:00".into(),
                    kg: "1500".into(),
                    area: STREET.into(),
                    ..TripForm::default()
                },
                T0,
            )
            .await
            .unwrap();
            let f = MoveForm {
                trip: trip.to_string(),
                ..transfer(s.depot, s.point, s.mask, 1000)
            };
            goods::move_out(db, &a, k, &f, T0).await.unwrap();
        }
        for hh in [s.fx.hh[0], s.fx.hh[0], s.fx.hh[1]] {
            goods::move_out(db, &a, k, &handout_hh(s.point, s.mask, "50", hh), T0)
                .await
                .unwrap();
        }
        let f = figures::of_area(db, STREET, T0 - 86_400_000, T0 + 86_400_000)
            .await
            .unwrap();
        assert!(
            f.sentences_zh
                .iter()
                .any(|x| x == "接收口罩（KN95）37.2万只"),
            "{}: {:?}",
            t.name,
            f.sentences_zh
        );
        assert_eq!((f.trips, f.tonnage_kg, f.households_helped), (3, 4500, 2));
        assert!(
            f.sentences_zh.iter().any(|x| x == "出车3车次，运送4.5吨"),
            "{:?}",
            f.sentences_zh
        );
        assert_eq!(f.handed_out[0].qty, 150);
        assert_eq!(f.in_stock[0].qty, 372_000 - 150);
        // Outside the period: nothing received.
        let none = figures::of_area(db, STREET, T0 + 86_400_000, T0 + 2 * 86_400_000)
            .await
            .unwrap();
        assert!(none.received.is_empty() && none.trips == 0);
    }
}

/// The card counters, the card's per-store sequence and the per-day summaries the disclosure
/// reads are what a recount of the raw movements gives.
pub async fn counters_equal_a_recount(db: &Db, name: &str) {
    // Lines per store and per store and item.
    let counted = db
        .query(
            "SELECT store_id, item_id, lines FROM sup_card_count ORDER BY store_id, item_id",
            vec![],
        )
        .await
        .unwrap();
    let mut want: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let card = db
        .query(
            "SELECT store_id, item_id, seq FROM sup_card ORDER BY store_id, move_id",
            vec![],
        )
        .await
        .unwrap();
    let mut last: BTreeMap<i64, i64> = BTreeMap::new();
    for r in &card {
        let (s, i, seq) = (r.int(0), r.int(1), r.int(2));
        *want.entry((s, 0)).or_default() += 1;
        *want.entry((s, i)).or_default() += 1;
        let prev = last.insert(s, seq).unwrap_or(0);
        assert_eq!(
            seq,
            prev + 1,
            "{name}: store {s}'s card sequence has no gap"
        );
    }
    let got: BTreeMap<(i64, i64), i64> = counted
        .iter()
        .map(|r| ((r.int(0), r.int(1)), r.int(2)))
        .collect();
    assert_eq!(got, want, "{name}: card counters");
    // The per-day summaries.
    type Key = (
        String,
        i64,
        i64,
        i64,
        String,
        i64,
        String,
        String,
        String,
        String,
        i64,
        String,
    );
    let mut day: BTreeMap<Key, (i64, i64, i64, i64, i64)> = BTreeMap::new();
    let raw = db
        .query(
            "SELECT id, kind, item_id, qty, from_type, from_store, from_label, from_path, to_type, to_store, \
             to_label, to_path, lot, donor_kind, value_fen, at_ms FROM sup_moves ORDER BY id",
            vec![],
        )
        .await
        .unwrap();
    for m in &raw {
        let id = m.int(0);
        let donor_kind = m.text(13).to_owned();
        let at = m.int(15);
        let d = (at + 8 * 3_600_000).div_euclid(86_400_000);
        for (me, other, dir) in [(5usize, 9usize, -1i64), (9, 5, 1)] {
            if m.opt_int(me).is_none() {
                continue;
            }
            let ot = m.text(other - 1).to_owned();
            let hidden =
                ot == "household" || ot == "need" || (ot == "donor" && donor_kind == "anonymous");
            let key = (
                m.text(me + 2).to_owned(),
                m.int(me),
                d,
                dir,
                m.text(1).to_owned(),
                m.int(2),
                m.text(12).to_owned(),
                ot,
                if hidden {
                    String::new()
                } else {
                    m.text(other + 1).to_owned()
                },
                m.text(other + 2).to_owned(),
                m.opt_int(other).unwrap_or(0),
                donor_kind.clone(),
            );
            let e = day.entry(key).or_insert((0, 0, 0, i64::MAX, 0));
            e.0 += m.int(3);
            e.1 += m.int(14);
            e.2 += 1;
            e.3 = e.3.min(id);
            e.4 = e.4.max(id);
        }
    }
    let rows = db
        .query(
            "SELECT path, store_id, day, dir, kind, item_id, lot, other_type, other_label, other_path, \
             other_store, donor_kind, qty, value_fen, entries, first_entry, last_entry FROM sup_day",
            vec![],
        )
        .await
        .unwrap();
    let got: BTreeMap<Key, (i64, i64, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                (
                    r.text(0).to_owned(),
                    r.int(1),
                    r.int(2),
                    r.int(3),
                    r.text(4).to_owned(),
                    r.int(5),
                    r.text(6).to_owned(),
                    r.text(7).to_owned(),
                    r.text(8).to_owned(),
                    r.text(9).to_owned(),
                    r.int(10),
                    r.text(11).to_owned(),
                ),
                (r.int(12), r.int(13), r.int(14), r.int(15), r.int(16)),
            )
        })
        .collect();
    assert_eq!(got, day, "{name}: per-day summaries");
}

/// The bench's figure, as a test on both backends: 1,000 handouts recorded at once against a
/// store of 500 boxes — exactly 500 succeed, the balance ends at 0 and never goes below.
#[tokio::test]
async fn a_thousand_handouts_against_500_boxes() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        goods::receive(
            db,
            &actor(k),
            k,
            &receipt(s.point, s.water, 500, "水厂"),
            T0,
        )
        .await
        .unwrap();
        let mut tasks = Vec::new();
        for i in 0..1000 {
            let (db, k) = (db.clone(), k.clone());
            let f = MoveForm {
                client_id: format!("h-{i}"),
                ..handout_hh(s.point, s.water, "1", s.fx.hh[i % 10])
            };
            tasks.push(tokio::spawn(async move {
                goods::move_out(&db, &actor(&k), &k, &f, T0 + 1).await
            }));
        }
        let mut ok = 0;
        for h in tasks {
            match h.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert!(message(&e).contains("0 瓶 left"), "{}", message(&e)),
            }
        }
        assert_eq!(ok, 500, "{}: exactly the stock is handed out", t.name);
        assert_eq!(balance(db, s.point, s.water).await, 0);
        let low: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM sup_card WHERE balance < 0",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(low, 0, "{}: never below zero", t.name);
        let (card, total) = goods::card(db, s.point, None, 10, 0).await.unwrap();
        assert_eq!((total, card[0].balance), (501, 0));
        // The last page by the card's sequence: the receipt.
        let (first, _) = goods::card(db, s.point, None, 10, 500).await.unwrap();
        assert_eq!((first.len(), first[0].delta), (1, 500));
        counters_equal_a_recount(db, t.name).await;
    }
}

/// Two opposite transfers between the same two stores, many at once: every one goes through
/// (PostgreSQL: the stores are taken in one order, so no deadlock) and nothing is lost.
#[tokio::test]
async fn opposite_transfers_at_once_do_not_deadlock() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        for st in [s.depot, s.point] {
            goods::receive(db, &actor(k), k, &receipt(st, s.mask, 1000, "商会"), T0)
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (db, k) = (db.clone(), k.clone());
            let f = if i % 2 == 0 {
                transfer(s.depot, s.point, s.mask, 7)
            } else {
                transfer(s.point, s.depot, s.mask, 5)
            };
            tasks.push(tokio::spawn(async move {
                goods::move_out(&db, &actor(&k), &k, &f, T0 + 1).await
            }));
        }
        for h in tasks {
            h.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        }
        assert_eq!(balance(db, s.depot, s.mask).await, 1000 - 20 * 7 + 20 * 5);
        assert_eq!(balance(db, s.point, s.mask).await, 1000 + 20 * 7 - 20 * 5);
        counters_equal_a_recount(db, t.name).await;
    }
}

/// A party branch's disclosure shows the stores and funds it owns (what they received and
/// gave, their balances), nothing else; the page, its JSON and CSV need no sign-in.
#[tokio::test]
async fn a_branch_discloses_what_its_stores_and_funds_received() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let k = &s.keeper;
        let area_id: i64 = db
            .scalar("SELECT id FROM areas WHERE code = $1", args![STREET])
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let branch: i64 = tx
            .scalar(
                "INSERT INTO branches (name, kind, attach, area_id, path, founded, created_ms) \
                 VALUES ('退役军人临时党支部', 'temporary', 'site', $1, $2, '2026-03-01', 0) RETURNING id",
                args![area_id, STREET],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let st = &s.fx.street;
        let bstore = goods::add_store(
            db,
            &actor(k),
            k,
            &NewStore {
                name: "支部物资点".into(),
                kind: "depot".into(),
                area: STREET.into(),
                branch: branch.to_string(),
                ..NewStore::default()
            },
        )
        .await
        .unwrap();
        let fund = |name: &str, b: String| FundForm {
            name: name.into(),
            area: STREET.into(),
            owner: String::new(),
            branch: b,
        };
        let bfund = money::add_fund(db, &actor(st), st, &fund("支部账户", branch.to_string()))
            .await
            .unwrap();
        let other_fund = money::add_fund(db, &actor(st), st, &fund("街道账户", String::new()))
            .await
            .unwrap();
        // A branch of nowhere, or out of scope: refused naming the field.
        let e = money::add_fund(db, &actor(st), st, &fund("x", "999999".into()))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["branch"]);
        goods::receive(
            db,
            &actor(k),
            k,
            &receipt(bstore, s.mask, 3160, "老兵们"),
            T0,
        )
        .await
        .unwrap();
        goods::receive(db, &actor(k), k, &receipt(s.depot, s.mask, 500, "别家"), T0)
            .await
            .unwrap();
        goods::move_out(
            db,
            &actor(k),
            k,
            &handout_hh(bstore, s.mask, "60", s.fx.hh[0]),
            T0,
        )
        .await
        .unwrap();
        money::receive(
            db,
            &actor(st),
            st,
            &gift(bfund, "38700", "187名退役军人"),
            T0,
        )
        .await
        .unwrap();
        money::receive(db, &actor(st), st, &gift(other_fund, "600", "个人"), T0)
            .await
            .unwrap();
        let d = disclosure::of_branch(db, branch, T0 + 1).await.unwrap();
        assert_eq!(d.name, "退役军人临时党支部");
        let got_in: i64 = d.goods_in.iter().map(|g| g.qty).sum();
        assert_eq!(got_in, 3160, "{}: only the branch's store", t.name);
        assert!(d.goods_in.iter().all(|g| g.from == "老兵们"));
        assert_eq!(d.goods_out.len(), 1);
        assert_eq!(
            (d.goods_out[0].to_kind.as_str(), d.goods_out[0].qty),
            ("community", 60)
        );
        assert_eq!(d.money_in.len(), 1);
        assert_eq!(d.money_in[0].fen, 3_870_000);
        assert_eq!(d.funds.len(), 1);
        assert_eq!(d.stock.iter().map(|l| l.qty).sum::<i64>(), 3100);
        assert!(disclosure::of_branch(db, branch + 1000, T0).await.is_err());
        // Public, no sign-in: the page, JSON and CSV.
        let addr = crate::common::serve(db).await;
        let (code, html) =
            crate::common::get(addr, &format!("/public/supplies-branch/{branch}"), &[]).await;
        assert_eq!(code, 200, "{html}");
        assert!(html.contains("退役军人临时党支部") && html.contains("老兵们"));
        assert!(html.contains(&format!("/public/supplies-branch/{branch}/csv")));
        let (code, json) =
            crate::common::get(addr, &format!("/public/supplies-branch/{branch}/json"), &[]).await;
        assert_eq!(code, 200);
        assert!(
            json.contains("38,700.00") || json.contains("3870000"),
            "{json}"
        );
        assert!(!json.contains(&format!("#{}", s.fx.hh[0])), "no household");
        let (code, _) = crate::common::get(addr, "/public/supplies-branch/abc", &[]).await;
        assert_eq!(code, 404);
    }
}
