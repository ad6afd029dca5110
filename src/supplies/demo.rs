//! The demo street's supplies: a catalogue, a depot, two supply points (and a team store when
//! the demo volunteer is in a team), a week of donations, purchases, trips and handouts, and a
//! fund with gifts, a party-fee allocation and spending with approvals.

use crate::db::{now_ms, path_end, Db};
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader, DEMO_COMMUNITY};
use crate::supplies::goods::{self, MoveForm, NewItem, NewStore, ReceiptForm};
use crate::supplies::money::{self, FundForm, GiftForm, SpendForm};
use crate::supplies::trips::{self, TripForm};

const DEMO_STREET: &str = "431102001";

const DONORS: &[(&str, &str)] = &[
    ("org", "市工商联"),
    ("org", "某医疗器械有限公司"),
    ("anonymous", ""),
    ("org", "退役军人志愿服务队"),
    ("person", "王建华"),
    ("org", "县商会"),
    ("org", "某超市"),
];

/// Once, when the catalogue is empty. Returns the number of goods movements recorded.
pub async fn create(db: &Db) -> Result<Option<i64>, AppError> {
    if db
        .query_opt("SELECT id FROM sup_items LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let (Some(keeper), Some(street), Some(hq), Some(admin)) = (
        demo_reader(db, "demo-keeper").await?,
        demo_reader(db, "demo-street").await?,
        demo_reader(db, "demo-hq").await?,
        demo_reader(db, "demo-admin").await?,
    ) else {
        return Ok(None);
    };
    let Some(c1) = crate::registry::areas::by_code(db, DEMO_COMMUNITY).await? else {
        return Ok(None);
    };
    let ka = demo_actor(&keeper);
    let item = |code: &str, name: &str, cat: &str, grade: &str, unit: &str, pack: &str| NewItem {
        code: code.into(),
        name: name.into(),
        category: cat.into(),
        grade: grade.into(),
        unit: unit.into(),
        pack: pack.into(),
    };
    let items = [
        item("mask-kn95", "口罩", "protective", "kn95", "只", "50"),
        item(
            "mask-surgical",
            "口罩",
            "protective",
            "surgical",
            "只",
            "50",
        ),
        item("suit", "防护服", "protective", "suit_medical", "套", "10"),
        item(
            "disinfectant-84",
            "84消毒液",
            "disinfectant",
            "",
            "瓶",
            "12",
        ),
        item("rice", "大米（10kg）", "food", "", "袋", "1"),
        item("veg", "蔬菜包", "food", "", "份", "1"),
        item("lpg", "液化气罐", "lpg", "", "罐", "1"),
    ];
    let mut ids = Vec::new();
    for i in &items {
        ids.push(goods::add_item(db, &ka, &keeper, i).await?);
    }
    let second: Option<String> = db
        .scalar_opt(
            "SELECT code FROM areas WHERE parent_id = $1 AND code <> $2 ORDER BY code LIMIT 1",
            crate::args![
                DEMO_STREET.parse::<i64>().unwrap_or_default(),
                DEMO_COMMUNITY
            ],
        )
        .await?;
    let store = |name: &str, kind: &str, area: &str, serves: String| NewStore {
        name: name.into(),
        kind: kind.into(),
        area: area.into(),
        owner: "demo-keeper".into(),
        team: String::new(),
        serves,
        branch: String::new(),
    };
    let depot = goods::add_store(
        db,
        &ka,
        &keeper,
        &store("街道物资仓库", "depot", DEMO_STREET, String::new()),
    )
    .await?;
    let p1 = goods::add_store(
        db,
        &ka,
        &keeper,
        &store(
            &format!("{}便民服务点", c1.name),
            "point",
            DEMO_COMMUNITY,
            DEMO_COMMUNITY.into(),
        ),
    )
    .await?;
    let p2 = match &second {
        Some(c2) => Some(
            goods::add_store(
                db,
                &ka,
                &keeper,
                &store(
                    "第二便民服务点",
                    "point",
                    c2,
                    format!("{c2} {DEMO_COMMUNITY}"),
                ),
            )
            .await?,
        ),
        None => None,
    };
    // The demo volunteer's team, if any, gets a team store.
    let team: Option<i64> = db
        .scalar_opt(
            "SELECT m.team_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id \
             JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer' ORDER BY m.team_id LIMIT 1",
            vec![],
        )
        .await
        .unwrap_or(None);
    let team_store = match team {
        Some(t) => Some(
            goods::add_store(
                db,
                &ka,
                &keeper,
                &NewStore {
                    team: t.to_string(),
                    ..store("配送小组物资", "team", DEMO_COMMUNITY, String::new())
                },
            )
            .await?,
        ),
        None => None,
    };
    let households: Vec<i64> = db
        .column(
            "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 40",
            crate::args![c1.path.as_str(), path_end(&c1.path)],
        )
        .await?;
    let now = now_ms();
    let day = 86_400_000;
    let start = now - 7 * day;
    let mut n = 0i64;
    let mut rng = crate::rng::Rng::new(17);
    for d in 0..7i64 {
        let t0 = start + d * day + 9 * 3_600_000;
        // Two donations a day, one of them directed to the demo community on day 2.
        for k in 0..2usize {
            let (kind, donor) = DONORS[(d as usize * 2 + k) % DONORS.len()];
            let it = ids[(d as usize + k) % 4];
            let packs = rng.range(10, 60);
            let r = ReceiptForm {
                kind: "donation".into(),
                store: depot.to_string(),
                item: it.to_string(),
                qty: packs.to_string(),
                per: "pack".into(),
                donor_kind: kind.into(),
                donor: donor.into(),
                value: (packs * 40).to_string(),
                directed_area: if d == 2 && k == 0 {
                    DEMO_COMMUNITY.into()
                } else {
                    String::new()
                },
                ..ReceiptForm::default()
            };
            goods::receive(db, &ka, &keeper, &r, t0 + k as i64 * 600_000).await?;
            n += 1;
        }
        // Food bought every other day.
        if d % 2 == 0 {
            let r = ReceiptForm {
                kind: "purchase".into(),
                store: depot.to_string(),
                item: ids[4 + (d as usize / 2) % 2].to_string(),
                qty: "120".into(),
                per: "unit".into(),
                supplier: "区粮油公司".into(),
                invoice: format!("FP2026{:04}", d + 1),
                value: "6000".into(),
                ..ReceiptForm::default()
            };
            goods::receive(db, &ka, &keeper, &r, t0 + 1_800_000).await?;
            n += 1;
        }
        // A trip to each supply point with part of the day's stock.
        for (pi, p) in [Some(p1), p2].into_iter().flatten().enumerate() {
            let trip = trips::add_trip(
                db,
                &ka,
                &keeper,
                &TripForm {
                    plate: format!("湘F·{}{}", 3000 + d, pi),
                    driver: if pi == 0 {
                        "刘师傅".into()
                    } else {
                        "陈师傅".into()
                    },
                    from: "街道物资仓库".into(),
                    to: if pi == 0 {
                        format!("{}便民服务点", c1.name)
                    } else {
                        "第二便民服务点".into()
                    },
                    depart: crate::web::html::minutes(t0 + 3 * 3_600_000).replace(' ', "T"),
                    arrive: crate::web::html::minutes(t0 + 4 * 3_600_000).replace(' ', "T"),
                    kg: (800 + rng.range(0, 1200)).to_string(),
                    area: DEMO_STREET.into(),
                    ..TripForm::default()
                },
                t0 + 3 * 3_600_000,
            )
            .await?;
            for it in [ids[(d as usize) % 4], ids[4 + (d as usize / 2) % 2]] {
                let f = MoveForm {
                    kind: "transfer".into(),
                    store: depot.to_string(),
                    to_store: p.to_string(),
                    item: it.to_string(),
                    qty: "10".into(),
                    per: "unit".into(),
                    trip: trip.to_string(),
                    ..MoveForm::default()
                };
                if goods::move_out(db, &ka, &keeper, &f, t0 + 3 * 3_600_000)
                    .await
                    .is_ok()
                {
                    n += 1;
                }
            }
        }
        // Handouts to households at the first supply point.
        for h in households.iter().skip(d as usize * 4).take(4) {
            let f = MoveForm {
                kind: "handout".into(),
                store: p1.to_string(),
                item: ids[4 + (d as usize / 2) % 2].to_string(),
                qty: "1".into(),
                per: "unit".into(),
                to_type: "household".into(),
                household: h.to_string(),
                ..MoveForm::default()
            };
            if goods::move_out(db, &ka, &keeper, &f, t0 + 6 * 3_600_000)
                .await
                .is_ok()
            {
                n += 1;
            }
        }
    }
    if let Some(ts) = team_store {
        let f = MoveForm {
            kind: "transfer".into(),
            store: depot.to_string(),
            to_store: ts.to_string(),
            item: ids[0].to_string(),
            qty: "4".into(),
            per: "pack".into(),
            ..MoveForm::default()
        };
        if goods::move_out(db, &ka, &keeper, &f, now - day)
            .await
            .is_ok()
        {
            n += 1;
        }
    }
    // The street's fund: gifts, a party-fee allocation, spending approved by two.
    let sa = demo_actor(&street);
    let fund = money::add_fund(
        db,
        &sa,
        &street,
        &FundForm {
            name: "街道防疫专项资金".into(),
            area: DEMO_STREET.into(),
            owner: "demo-street".into(),
            branch: String::new(),
        },
    )
    .await?;
    let gifts = [
        ("party_fee", "org", "区委组织部", "11000", "bank"),
        ("donation", "org", "退役军人志愿服务队", "3870", "bank"),
        ("donation", "person", "王建华", "2000", "wechat"),
        ("donation", "person", "李秀英", "600", "wechat"),
        ("donation", "anonymous", "", "400", "cash"),
    ];
    for (i, (kind, dk, donor, amount, channel)) in gifts.iter().enumerate() {
        money::receive(
            db,
            &sa,
            &street,
            &GiftForm {
                fund: fund.to_string(),
                kind: (*kind).into(),
                donor_kind: (*dk).into(),
                donor: (*donor).into(),
                channel: (*channel).into(),
                reference: if *channel == "cash" {
                    String::new()
                } else {
                    format!("HZ2026{:05}", i + 1)
                },
                amount: (*amount).into(),
                ..GiftForm::default()
            },
            start + i as i64 * day,
        )
        .await?;
    }
    let s1 = money::request_spend(
        db,
        &sa,
        &street,
        &SpendForm {
            fund: fund.to_string(),
            amount: "450".into(),
            payee: "某药店".into(),
            purpose: "84消毒液 30 瓶".into(),
            receipt_no: "SJ-0001".into(),
            ..SpendForm::default()
        },
        start + 3 * day,
    )
    .await?;
    money::approve(db, &demo_actor(&hq), &hq, s1, start + 3 * day).await?;
    let s2 = money::request_spend(
        db,
        &sa,
        &street,
        &SpendForm {
            fund: fund.to_string(),
            amount: "5200".into(),
            payee: "区粮油公司".into(),
            purpose: "困难户米面油".into(),
            receipt_no: "FP20260003".into(),
            ..SpendForm::default()
        },
        start + 4 * day,
    )
    .await?;
    money::approve(db, &demo_actor(&hq), &hq, s2, start + 4 * day).await?;
    money::approve(db, &demo_actor(&admin), &admin, s2, start + 4 * day).await?;
    // One waiting for its second approval.
    let s3 = money::request_spend(
        db,
        &sa,
        &street,
        &SpendForm {
            fund: fund.to_string(),
            amount: "1800".into(),
            payee: "某运输公司".into(),
            purpose: "车辆租用 3 天".into(),
            receipt_no: "YS-0088".into(),
            ..SpendForm::default()
        },
        now - day,
    )
    .await?;
    money::approve(db, &demo_actor(&hq), &hq, s3, now - day).await?;
    // A party branch's own fund (when the demo has a branch in the street): its public page is
    // `/public/supplies-branch/{id}`.
    let branch: Option<i64> = db
        .scalar_opt(
            "SELECT id FROM branches WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 1",
            crate::args![DEMO_STREET, crate::db::path_end(DEMO_STREET).as_str()],
        )
        .await?;
    if let Some(b) = branch {
        let bf = money::add_fund(
            db,
            &sa,
            &street,
            &FundForm {
                name: "党员自愿捐款".into(),
                area: DEMO_STREET.into(),
                owner: "demo-branch".into(),
                branch: b.to_string(),
            },
        )
        .await?;
        for (i, (donor, amount)) in [("刘志强", "2000"), ("陈桂兰", "600"), ("周海", "400")]
            .iter()
            .enumerate()
        {
            money::receive(
                db,
                &sa,
                &street,
                &GiftForm {
                    fund: bf.to_string(),
                    kind: "donation".into(),
                    donor_kind: "person".into(),
                    donor: (*donor).into(),
                    channel: "wechat".into(),
                    reference: format!("DY2026{:04}", i + 1),
                    amount: (*amount).into(),
                    ..GiftForm::default()
                },
                start + (i as i64 + 1) * day,
            )
            .await?;
        }
    }
    Ok(Some(n))
}
