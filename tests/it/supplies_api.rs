//! The supplies' JSON API and pages through the real server, on both backends: idempotent
//! writes by client id, field errors in the caller's language, an outsider gets nothing, and
//! the public disclosure (page, JSON, CSV) without sign-in names no household.

use wardline::args;

use crate::common::{backends, get, request, serve};
use crate::mobilization::{C1, STREET};
use crate::supplies::{handout_hh, setup};
use crate::testing::actor;

async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {token}");
    let r = request(
        addr,
        "POST",
        &format!("/api/v1{path}"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Accept-Language", "zh-CN"),
        ],
        Some(body.to_string().as_bytes()),
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn api_writes_are_idempotent_and_the_public_disclosure_hides_households() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let addr = serve(db).await;
        let token = wardline::access::create_token(db, "keeper1", "t")
            .await
            .unwrap();
        let receipt = serde_json::json!({
            "client_id": "r-1", "kind": "donation", "store": s.depot.to_string(), "item": s.mask.to_string(),
            "qty": "16", "per": "pack", "donor_kind": "org", "donor": "某商会", "directed_area": C1,
        });
        let (st, a) = post(addr, "/supplies/receipts", &token, receipt.clone()).await;
        assert_eq!(st, 200, "{}: {a}", t.name);
        let (st, b) = post(addr, "/supplies/receipts", &token, receipt).await;
        assert_eq!((st, &a), (200, &b), "a retry answers the first entry");
        let n: i64 = db
            .scalar("SELECT COUNT(*) AS n FROM sup_moves", vec![])
            .await
            .unwrap();
        assert_eq!(n, 1);
        // A fraction of a mask: 422 naming the field, in Chinese.
        let (st, e) = post(
            addr,
            "/supplies/movements",
            &token,
            serde_json::json!({
            "kind": "transfer", "store": s.depot.to_string(), "to_store": s.point.to_string(),
            "item": s.mask.to_string(), "qty": "1.5", "per": "unit"}),
        )
        .await;
        assert_eq!(st, 422, "{e}");
        assert!(e.to_string().contains("数量"), "{e}");
        let (st, _) = post(addr, "/supplies/movements", &token, serde_json::json!({
            "client_id": "m-1", "kind": "transfer", "store": s.depot.to_string(), "to_store": s.point.to_string(),
            "item": s.mask.to_string(), "qty": "10", "per": "pack"})).await;
        assert_eq!(st, 200);
        let k = &s.keeper;
        wardline::supplies::goods::move_out(
            db,
            &actor(k),
            k,
            &handout_hh(s.point, s.mask, "100", s.fx.hh[0]),
            1,
        )
        .await
        .unwrap();
        // The store's stock through the API; an outsider's token finds nothing.
        let auth = format!("Bearer {token}");
        let (st, body) = get(
            addr,
            &format!("/api/v1/supplies/stores/{}", s.point),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(st, 200, "{body}");
        assert!(body.contains("\"qty\":400"), "{body}");
        crate::testing::reader(db, "k9", "keeper", "431102002").await;
        let other = wardline::access::create_token(db, "k9", "t").await.unwrap();
        let (st, _) = get(
            addr,
            &format!("/api/v1/supplies/stores/{}", s.point),
            &[("Authorization", &format!("Bearer {other}"))],
        )
        .await;
        assert_eq!(st, 404);
        let (st, body) = get(
            addr,
            "/api/v1/supplies/stores",
            &[("Authorization", &format!("Bearer {other}"))],
        )
        .await;
        assert_eq!((st, body.as_str()), (200, "[]"));

        // The public disclosure, no sign-in: page, JSON, CSV; the household never appears.
        let addr_hh: String = db
            .scalar(
                "SELECT address FROM households WHERE id = $1",
                args![s.fx.hh[0]],
            )
            .await
            .unwrap();
        let c1 = wardline::registry::areas::by_code(db, C1)
            .await
            .unwrap()
            .unwrap()
            .name;
        for path in [
            format!("/public/supplies/{STREET}"),
            format!("/public/supplies/{STREET}/json"),
            format!("/public/supplies/{STREET}/csv"),
            format!("/api/v1/supplies/disclosure/{STREET}"),
        ] {
            let (st, body) = get(addr, &path, &[("Accept-Language", "zh-CN")]).await;
            assert_eq!(st, 200, "{path}: {body}");
            assert!(
                body.contains("某商会") && body.contains(&c1),
                "{path}: donor and community shown"
            );
            assert!(!body.contains(&addr_hh), "{path}: no household address");
            assert!(!body.contains("household"), "{path}: no household field");
        }
        let (st, _) = get(addr, "/public/supplies/999999999999", &[]).await;
        assert_eq!(st, 404);
    }
}

#[tokio::test]
async fn api_money_transfer_spending_and_approval() {
    use wardline::supplies::money::{self, FundForm};
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let addr = serve(db).await;
        let st = &s.fx.street;
        let fund = |name: &str, area: &str| FundForm {
            name: name.into(),
            area: area.into(),
            owner: String::new(),
            branch: String::new(),
        };
        let f1 = money::add_fund(db, &actor(st), st, &fund("街道资金", STREET))
            .await
            .unwrap();
        let f2 = money::add_fund(db, &actor(st), st, &fund("社区资金", C1))
            .await
            .unwrap();
        let token = wardline::access::create_token(db, "s1", "t").await.unwrap();
        let (code, _) = post(
            addr,
            "/supplies/gifts",
            &token,
            serde_json::json!({
            "client_id": "g1", "fund": f1.to_string(), "kind": "donation", "donor_kind": "person",
            "donor": "王建华", "channel": "cash", "amount": "2000"}),
        )
        .await;
        assert_eq!(code, 200, "{}", t.name);
        let body = serde_json::json!({"client_id": "t1", "fund": f1.to_string(), "to_fund": f2.to_string(),
            "amount": "500.50", "purpose": "下拨"});
        let (c1, a) = post(addr, "/supplies/transfers", &token, body.clone()).await;
        let (c2, b) = post(addr, "/supplies/transfers", &token, body).await;
        assert_eq!((c1, c2, &a), (200, 200, &b), "idempotent: {a}");
        assert_eq!(money::fund(db, st, f2).await.unwrap().balance, 50_050);
        assert_eq!(money::fund(db, st, f1).await.unwrap().balance, 149_950);
        // Too much: 422 naming what is left.
        let (code, e) = post(
            addr,
            "/supplies/transfers",
            &token,
            serde_json::json!({"fund": f1.to_string(),
            "to_fund": f2.to_string(), "amount": "5000", "purpose": "x"}),
        )
        .await;
        assert_eq!(code, 422, "{e}");
        assert!(e.to_string().contains("1,499.50"), "{e}");
        // A spending through the API, approved by someone else.
        let (code, sp) = post(
            addr,
            "/supplies/spendings",
            &token,
            serde_json::json!({"fund": f1.to_string(),
            "amount": "100", "payee": "某药店", "purpose": "消毒液", "receipt_no": "FP-1"}),
        )
        .await;
        assert_eq!(code, 200, "{sp}");
        let id = sp["id"].as_i64().unwrap();
        let (code, _) = post(
            addr,
            &format!("/supplies/spendings/{id}/approve"),
            &token,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(code, 409, "not one's own");
        let hq = wardline::access::create_token(db, "hq1", "t")
            .await
            .unwrap();
        let (code, r) = post(
            addr,
            &format!("/supplies/spendings/{id}/approve"),
            &hq,
            serde_json::json!({}),
        )
        .await;
        assert_eq!((code, r["status"].as_str()), (200, Some("paid")), "{r}");
    }
}

/// The stock-take API (idempotent by client_id, differences become approved adjustments) and
/// the two-approver threshold (read by those who read the ledgers, set by HQ only).
#[tokio::test]
async fn api_stock_take_and_threshold_settings() {
    for t in backends().await {
        let db = &t.db;
        let s = setup(db).await;
        let addr = serve(db).await;
        let k = &s.keeper;
        wardline::supplies::goods::receive(
            db,
            &actor(k),
            k,
            &crate::supplies::receipt(s.depot, s.mask, 800, "商会"),
            crate::needs::T0,
        )
        .await
        .unwrap();
        let token = wardline::access::create_token(db, "keeper1", "t")
            .await
            .unwrap();
        let body = serde_json::json!({
            "client_id": "st-1", "store": s.depot.to_string(), "reason": "月末盘点",
            "approver": "hq1", "counts": { s.mask.to_string(): "790" }});
        let (st, a) = post(addr, "/supplies/stock-takes", &token, body.clone()).await;
        assert_eq!(st, 200, "{}: {a}", t.name);
        assert_eq!(a["adjustments"].as_array().map(|v| v.len()), Some(1));
        let (st, b) = post(addr, "/supplies/stock-takes", &token, body).await;
        assert_eq!((st, &b), (200, &a), "{}: a retry answers the first", t.name);
        let held: i64 = db
            .scalar(
                "SELECT CAST(SUM(qty) AS BIGINT) AS n FROM sup_stock WHERE store_id = $1",
                args![s.depot],
            )
            .await
            .unwrap();
        assert_eq!(held, 790);
        // The counter approving their own count, and a bad count: 422 naming the field.
        let (st, e) = post(
            addr,
            "/supplies/stock-takes",
            &token,
            serde_json::json!({
            "store": s.depot.to_string(), "reason": "x", "approver": "keeper1",
            "counts": { s.mask.to_string(): "-3" }}),
        )
        .await;
        assert_eq!(st, 422, "{e}");
        let txt = e.to_string();
        assert!(txt.contains("approver") && txt.contains("count"), "{txt}");

        // The threshold: read by the keeper, set by HQ only.
        let auth = format!("Bearer {token}");
        let (st, body) = get(
            addr,
            "/api/v1/supplies/settings",
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(st, 200, "{body}");
        assert!(body.contains("two_approvers_above_fen"), "{body}");
        let (st, _) = post(
            addr,
            "/supplies/settings",
            &token,
            serde_json::json!({"threshold": "5000"}),
        )
        .await;
        assert_eq!(st, 403, "{}: a keeper does not set it", t.name);
        let hq = wardline::access::create_token(db, "hq1", "t")
            .await
            .unwrap();
        let (st, v) = post(
            addr,
            "/supplies/settings",
            &hq,
            serde_json::json!({"threshold": "5000.5"}),
        )
        .await;
        assert_eq!(
            (st, v["two_approvers_above_fen"].as_i64()),
            (200, Some(500_050)),
            "{v}"
        );
        assert_eq!(
            wardline::supplies::money::threshold(db).await.unwrap(),
            500_050
        );
        let (st, _) = post(
            addr,
            "/supplies/settings",
            &hq,
            serde_json::json!({"threshold": "1.234"}),
        )
        .await;
        assert_eq!(st, 422);
    }
}
