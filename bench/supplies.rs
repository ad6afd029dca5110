//! The `supplies` bench (issue 17): the stock balance and stock card of one store with
//! `--scale` movements on its card (default 1,000,000; target < 20 ms each), the public
//! disclosure of the district (target < 100 ms), and 1,000 handouts recorded concurrently
//! against a store of 500 boxes (exactly 500 succeed, the balance ends at 0, never below).
//!
//! Setup: the demo district's areas, a small demo city (3,000 residents) in the demo street,
//! the demo accounts, a catalogue of two items, a depot and a supply point; then `--scale`
//! movements bulk-loaded onto the depot's card (receipts and handouts alternating, the
//! balance never below zero, the card's running balance, sequence, counters and per-day
//! summaries written as the engine writes them).

use std::collections::BTreeMap;
use std::time::Instant;

use wardline::access;
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{now_ms, Value};
use wardline::supplies::{disclosure, goods};

use crate::{emit, fresh, percentile, Ctx};

const BENCH: &str = "supplies";
const STREET: &str = "431102001";
const SAMPLES: usize = 100;

fn actor(u: &str) -> Actor {
    Actor {
        account_id: None,
        username: u.into(),
        ip: "bench".into(),
    }
}

pub async fn supplies(ctx: &Ctx) {
    let (b, scale) = (ctx.backend, ctx.scale);
    let emit = |metric: &str, value: f64, unit: &str| emit(BENCH, b, scale, metric, value, unit);
    let (db, _url) = fresh(ctx, "supplies").await;

    // ---- Setup ----
    let t = Instant::now();
    crate::generated(&db, 3_000, 1, STREET).await;
    wardline::cli::create_demo_accounts(&db).await.unwrap();
    let token = access::create_token(&db, "demo-keeper", "bench")
        .await
        .unwrap();
    let keeper = access::authenticate(&db, &token).await.unwrap();
    let ka = actor("demo-keeper");
    let item = |code: &str| goods::NewItem {
        code: code.into(),
        name: "口罩".into(),
        category: "protective".into(),
        grade: "kn95".into(),
        unit: "只".into(),
        pack: "1".into(),
    };
    let mask = goods::add_item(&db, &ka, &keeper, &item("mask"))
        .await
        .unwrap();
    let boxes = goods::add_item(&db, &ka, &keeper, &item("box"))
        .await
        .unwrap();
    let store = |name: &str, kind: &str| goods::NewStore {
        name: name.into(),
        kind: kind.into(),
        area: STREET.into(),
        ..goods::NewStore::default()
    };
    let depot = goods::add_store(&db, &ka, &keeper, &store("仓库", "depot"))
        .await
        .unwrap();
    let point = goods::add_store(&db, &ka, &keeper, &store("服务点", "point"))
        .await
        .unwrap();
    let hh: Vec<i64> = db
        .column("SELECT id FROM households ORDER BY id LIMIT 1000", vec![])
        .await
        .unwrap();

    // `scale` movements on the depot's card, in chunks.
    let (street_path, now) = (STREET.to_owned(), now_ms());
    let mut balance = 0i64;
    let mut next_id = 1i64;
    // The per-day summaries the engine would have written (store side, day, direction, ...).
    let mut days: BTreeMap<goods::DayKey, (i64, i64, i64, i64)> = BTreeMap::new();
    let chunk = 50_000u64;
    let mut left = scale;
    while left > 0 {
        let n = left.min(chunk);
        let (mut moves, mut card) = (Vec::new(), Vec::new());
        for i in 0..n {
            let id = next_id;
            next_id += 1;
            let receive = balance < 10 || i % 2 == 0;
            let qty = if receive { 10 } else { 7 };
            balance += if receive { qty } else { -qty };
            let at = now - (scale as i64 - id) * 1000;
            let (ft, fs, fp, tt, ts, tp, kind): (&str, Value, &str, &str, Value, &str, &str) =
                if receive {
                    (
                        "donor",
                        Value::Null,
                        "",
                        "store",
                        depot.into(),
                        &street_path,
                        "donation",
                    )
                } else {
                    (
                        "store",
                        depot.into(),
                        &street_path,
                        "household",
                        Value::Null,
                        &street_path,
                        "handout",
                    )
                };
            moves.extend([
                Value::from(id),
                kind.into(),
                mask.into(),
                qty.into(),
                ft.into(),
                fs,
                "捐赠方".into(),
                fp.into(),
                tt.into(),
                ts,
                "".into(),
                tp.into(),
                "".into(),
                if receive {
                    Value::Null
                } else {
                    hh[(i as usize) % hh.len()].into()
                },
                "bench".into(),
                at.into(),
            ]);
            card.extend([
                Value::from(depot),
                id.into(),
                mask.into(),
                (if receive { qty } else { -qty }).into(),
                balance.into(),
                id.into(), // the card's sequence: the depot is the only store on it
            ]);
            let key = goods::DayKey {
                path: street_path.clone(),
                store: depot,
                day: wardline::mobilization::rules::day_of(at),
                dir: if receive { 1 } else { -1 },
                kind: kind.into(),
                item: mask,
                lot: String::new(),
                other_type: if receive { "donor" } else { "household" }.into(),
                other_label: if receive { "捐赠方" } else { "" }.into(),
                other_path: if receive { "" } else { street_path.as_str() }.into(),
                other_store: 0,
                donor_kind: String::new(),
            };
            let e = days.entry(key).or_insert((0, 0, id, id));
            e.0 += qty;
            e.1 += 1;
            e.3 = id;
        }
        let mut tx = db.begin_bulk().await.unwrap();
        tx.bulk_insert(
            "sup_moves",
            &[
                "id",
                "kind",
                "item_id",
                "qty",
                "from_type",
                "from_store",
                "from_label",
                "from_path",
                "to_type",
                "to_store",
                "to_label",
                "to_path",
                "lot",
                "household_id",
                "actor",
                "at_ms",
            ],
            moves,
            None,
        )
        .await
        .unwrap();
        tx.bulk_insert(
            "sup_card",
            &["store_id", "move_id", "item_id", "delta", "balance", "seq"],
            card,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        left -= n;
    }
    // The balance row, the card's counters and the per-day summaries, as the engine keeps them
    // (written in a transaction: a plain `db.query` goes to SQLite's read-only pool, which is
    // what made this bench fail before).
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        "INSERT INTO sup_stock (store_id, item_id, lot, qty) VALUES ($1, $2, '', $3)",
        args![depot, mask, balance],
    )
    .await
    .unwrap();
    for item in [0, mask] {
        tx.execute(
            "INSERT INTO sup_card_count (store_id, item_id, lines) VALUES ($1, $2, $3)",
            args![depot, item, scale as i64],
        )
        .await
        .unwrap();
    }
    let mut rows = Vec::new();
    for (k, (qty, n, first, last)) in &days {
        let mut v = k.values(*qty, 0, *first);
        v.push((*n).into());
        v.push((*last).into());
        rows.extend(v);
    }
    tx.bulk_insert(
        "sup_day",
        &[
            "path",
            "store_id",
            "day",
            "dir",
            "kind",
            "item_id",
            "lot",
            "other_type",
            "other_label",
            "other_path",
            "other_store",
            "donor_kind",
            "qty",
            "value_fen",
            "first_entry",
            "entries",
            "last_entry",
        ],
        rows,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    if b == wardline::db::Backend::Postgres {
        // Identity columns do not see explicit ids: move the sequence past them.
        db.query(
            "SELECT setval(pg_get_serial_sequence('sup_moves', 'id'), $1)",
            args![next_id],
        )
        .await
        .unwrap();
        db.query("ANALYZE", vec![]).await.unwrap();
    }
    emit("setup", t.elapsed().as_secs_f64(), "s");

    // ---- 1. Stock balance and stock card at `scale` movements ----
    let time = |samples: &mut Vec<f64>, ms: f64| samples.push(ms);
    for (metric, page) in [("card_page1_ms", 0i64), ("card_page100_ms", 99)] {
        let mut s = Vec::new();
        for _ in 0..SAMPLES {
            let t = Instant::now();
            let (lines, total) = goods::card(&db, depot, None, 50, page * 50).await.unwrap();
            time(&mut s, t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(total, scale as i64);
            assert!(!lines.is_empty());
        }
        emit(&format!("{metric}_p50"), percentile(&mut s, 0.5), "ms");
        emit(&format!("{metric}_p95"), percentile(&mut s, 0.95), "ms");
    }
    let mut s = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let st = goods::stock(&db, depot).await.unwrap();
        time(&mut s, t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(st.iter().map(|b| b.qty).sum::<i64>(), balance);
    }
    emit("stock_p50", percentile(&mut s, 0.5), "ms");
    emit("stock_p95", percentile(&mut s, 0.95), "ms");

    // ---- 2. The district's public disclosure ----
    let mut s = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let d = disclosure::of_area(&db, "431102", now_ms()).await.unwrap();
        time(&mut s, t.elapsed().as_secs_f64() * 1000.0);
        assert!(!d.goods_in.is_empty());
    }
    emit("disclosure_district_p50", percentile(&mut s, 0.5), "ms");
    emit("disclosure_district_p95", percentile(&mut s, 0.95), "ms");

    // ---- 3. 1,000 concurrent handouts against 500 boxes ----
    goods::receive(
        &db,
        &ka,
        &keeper,
        &goods::ReceiptForm {
            kind: "donation".into(),
            store: point.to_string(),
            item: boxes.to_string(),
            qty: "500".into(),
            per: "unit".into(),
            donor_kind: "anonymous".into(),
            ..goods::ReceiptForm::default()
        },
        now_ms(),
    )
    .await
    .unwrap();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..1000usize {
        let (db, keeper) = (db.clone(), keeper.clone());
        let f = goods::MoveForm {
            kind: "handout".into(),
            store: point.to_string(),
            item: boxes.to_string(),
            qty: "1".into(),
            per: "unit".into(),
            to_type: "household".into(),
            household: hh[i % hh.len()].to_string(),
            client_id: format!("bench-{i}"),
            ..goods::MoveForm::default()
        };
        tasks.push(tokio::spawn(async move {
            goods::move_out(&db, &actor("demo-keeper"), &keeper, &f, now_ms()).await
        }));
    }
    let mut ok = 0;
    for h in tasks {
        if h.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let left = goods::stock(&db, point)
        .await
        .unwrap()
        .iter()
        .map(|b| b.qty)
        .sum::<i64>();
    let negative: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM sup_card WHERE balance < 0",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!((ok, left, negative), (500, 0, 0), "exactly 500 handed out");
    emit("handouts_succeeded", ok as f64, "count");
    emit("handouts_balance_end", left as f64, "boxes");
    emit("handouts_per_s", 1000.0 / secs, "ops/s");
}
