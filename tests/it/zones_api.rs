//! The zones' JSON API over real HTTP: declare, extend and lift (idempotent by client id,
//! refusals naming the field in the caller's language, nothing half-written), the zones of an
//! area, a zone, a household's zone, the figures, and scope (an outsider gets 404, a grid
//! worker may not declare). On both backends.

use serde_json::{json, Value};
use wardline::args;
use wardline::db::now_ms;

use crate::common::backends;
use crate::common::{request, serve};
use crate::mobilization::C1;
use crate::zones::{fixture, DAY, HOUR};

async fn call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    lang: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let mut h = vec![("Accept-Language", lang), ("Authorization", auth.as_str())];
    let text = body.map(|b| b.to_string());
    if text.is_some() {
        h.push(("Content-Type", "application/json"));
    }
    let r = request(
        addr,
        method,
        &format!("/api/v1{path}"),
        &h,
        text.as_deref().map(str::as_bytes),
    )
    .await;
    let v = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("{method} {path}: {}", r.body));
    (r.status, v)
}

#[tokio::test]
async fn declare_extend_lift_and_read_through_the_api() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let addr = serve(db).await;
        let tok = |u: &'static str| async move {
            wardline::access::create_token(db, u, "device")
                .await
                .unwrap()
        };
        let (street, grid, other, c2) = (
            tok("s1").await,
            tok("g1").await,
            tok("g2").await,
            tok("c2").await,
        );
        let now = now_ms();
        let body = json!({
            "client_id": "dev-1", "area": fx.building, "kind": "sealed",
            "start_ms": now - HOUR, "planned_end_ms": now + 3 * DAY,
            "reason": "楼内发现阳性", "decided_by": "区指挥部第12号通告",
        });
        // Refusals: a grid worker may not declare; a bad kind is named in the caller's language.
        let (st, _) = call(addr, "POST", "/zones/declare", &grid, "zh", Some(&body)).await;
        assert_eq!(st, 403, "{}", t.name);
        let mut bad = body.clone();
        bad["kind"] = json!("locked");
        bad["client_id"] = json!("dev-0");
        let (st, v) = call(addr, "POST", "/zones/declare", &street, "zh", Some(&bad)).await;
        assert_eq!(st, 422, "{v}");
        assert!(v.to_string().contains("区域类型"), "{v}");
        let (st, v) = call(
            addr,
            "POST",
            "/zones/declare",
            &street,
            "en",
            Some(&json!({"client_id": "x", "kind": 3})),
        )
        .await;
        assert_eq!(st, 422, "{v}");
        let n: i64 = db
            .scalar("SELECT COUNT(*) AS n FROM zones", vec![])
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing half-written");

        let (st, v) = call(addr, "POST", "/zones/declare", &street, "en", Some(&body)).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["replayed"], json!(false));
        let id = v["id"].as_i64().unwrap();
        let (_, v) = call(addr, "POST", "/zones/declare", &street, "en", Some(&body)).await;
        assert_eq!(
            (v["id"].as_i64(), v["replayed"].as_bool()),
            (Some(id), Some(true))
        );

        // Reads: the grid worker of the building's grid sees it; the other grid and C2 do not.
        let (st, v) = call(addr, "GET", &format!("/zones/{id}"), &grid, "en", None).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["state"], json!("in_force"));
        assert_eq!(v["changes"][0]["change"], json!("declared"));
        for tk in [&other, &c2] {
            let (st, v) = call(addr, "GET", &format!("/zones/{id}"), tk, "en", None).await;
            assert_eq!(st, 404, "{}: {v}", t.name);
            assert!(!v.to_string().contains("阳性"));
        }
        let hh = fx.in_building[0];
        let (st, v) = call(
            addr,
            "GET",
            &format!("/households/{hh}/zone"),
            &grid,
            "en",
            None,
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(v["zone"]["id"].as_i64(), Some(id));
        assert_eq!(v["zone"]["kind"], json!("sealed"));
        let (st, _) = call(
            addr,
            "GET",
            &format!("/households/{hh}/zone"),
            &c2,
            "en",
            None,
        )
        .await;
        assert_eq!(st, 404);
        let (st, v) = call(
            addr,
            "GET",
            &format!(
                "/zones?area={}",
                wardline::web::html::url_enc(&fx.grid_path)
            ),
            &grid,
            "en",
            None,
        )
        .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["total"], json!(1));
        assert_eq!(v["zones"][0]["id"].as_i64(), Some(id));

        // Extend (the earlier end kept), then lift; each retried once.
        let ext = json!({"client_id": "dev-2", "planned_end_ms": now + 5 * DAY, "reason": "新增密接转阳", "decided_by": "区指挥部第13号通告"});
        let (st, v) = call(
            addr,
            "POST",
            &format!("/zones/{id}/extend"),
            &street,
            "en",
            Some(&ext),
        )
        .await;
        assert_eq!(st, 200, "{v}");
        let (_, v) = call(
            addr,
            "POST",
            &format!("/zones/{id}/extend"),
            &street,
            "en",
            Some(&ext),
        )
        .await;
        assert_eq!(v["replayed"], json!(true));
        let lift =
            json!({"client_id": "dev-3", "reason": "解除", "decided_by": "区指挥部第14号通告"});
        let (st, _) = call(
            addr,
            "POST",
            &format!("/zones/{id}/lift"),
            &grid,
            "en",
            Some(&lift),
        )
        .await;
        assert_eq!(st, 403);
        let (st, v) = call(
            addr,
            "POST",
            &format!("/zones/{id}/lift"),
            &street,
            "en",
            Some(&lift),
        )
        .await;
        assert_eq!(st, 200, "{v}");
        let (_, v) = call(addr, "GET", &format!("/zones/{id}"), &street, "en", None).await;
        assert_eq!(v["state"], json!("lifted"));
        let changes: Vec<&str> = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(changes, ["declared", "extended", "lifted"], "{}", t.name);
        assert_eq!(v["changes"][1]["old_end_ms"].as_i64(), Some(now + 3 * DAY));
        let audits: i64 = db
            .scalar(
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'zone' AND entity_id = $1",
                args![id.to_string()],
            )
            .await
            .unwrap();
        assert_eq!(audits, 3);

        // Figures: during the zone's time today the building counted sealed.
        let hq = tok("hq1").await;
        let (st, v) = call(
            addr,
            "GET",
            &format!("/zones/figures?area={C1}"),
            &hq,
            "en",
            None,
        )
        .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["sealed"]["households"], json!(0), "lifted now");
        let today = &wardline::web::html::minutes(now)[..10];
        let (_, v) = call(
            addr,
            "GET",
            &format!("/zones/figures?area={C1}&day={today}"),
            &hq,
            "en",
            None,
        )
        .await;
        assert_eq!(
            v["sealed"]["households"].as_i64(),
            Some(fx.in_building.len() as i64),
            "{v}"
        );
        let (st, v) = call(
            addr,
            "GET",
            &format!("/zones/figures?area={C1}&day=tomorrow"),
            &hq,
            "zh",
            None,
        )
        .await;
        assert_eq!(st, 422);
        assert!(v.to_string().contains("tomorrow"), "{v}");
        let (st, _) = call(
            addr,
            "GET",
            &format!("/zones/figures?area={C1}"),
            &c2,
            "en",
            None,
        )
        .await;
        assert_eq!(st, 404);
    }
}
