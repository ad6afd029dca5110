//! The vaccination JSON API over HTTP, on both backends: idempotent writes by client id, errors
//! naming the field in the caller's language, the worklist with phones masked, and an outsider
//! getting nothing.

use wardline::args;
use wardline::vaccination::{today, ymd};

use crate::common::{backends, get, request, serve};
use crate::mobilization::C1;
use crate::vaccination::{aged, fixture};

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
async fn api_writes_are_idempotent_scoped_and_named() {
    for t in backends().await {
        let db = &t.db;
        let _fx = fixture(db).await;
        let d = today();
        let p = aged(db, 60, 200, d).await[0].0;
        let grid = wardline::access::create_token(db, "vg1", "t")
            .await
            .unwrap();
        let outsider = wardline::access::create_token(db, "vc2", "t")
            .await
            .unwrap();
        let addr = serve(db).await;
        let dose = serde_json::json!({"product": "inactivated", "given_on": ymd(d - 30), "site": "卫生站", "client_id": "api-dose-1"});
        let (s, a) = post(
            addr,
            &format!("/vaccination/residents/{p}/doses"),
            &grid,
            dose.clone(),
        )
        .await;
        assert_eq!(s, 200, "{}: {a}", t.name);
        let (s, b) = post(
            addr,
            &format!("/vaccination/residents/{p}/doses"),
            &grid,
            dose.clone(),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(a["id"], b["id"]);
        assert_eq!(b["replayed"], true);
        let n: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM vax_doses WHERE resident_id = $1",
                args![p],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        // A dose that skips, in Chinese by default, the field named.
        let (s, e) = post(
            addr,
            &format!("/vaccination/residents/{p}/doses"),
            &grid,
            serde_json::json!({"product": "inactivated", "dose_no": 3, "given_on": ymd(d)}),
        )
        .await;
        assert_eq!(s, 422);
        assert_eq!(e["error"]["fields"][0]["field"], "dose_no");
        assert!(e["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("跳号"));
        let (s, e) = post(
            addr,
            &format!("/vaccination/residents/{p}/tickoffs?lang=en"),
            &grid,
            serde_json::json!({"reason": "temp_contra", "detail": "fever", "recheck_on": ymd(d - 1)}),
        )
        .await;
        assert_eq!(s, 422);
        assert_eq!(e["error"]["fields"][0]["field"], "recheck_on");
        assert!(e["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("after today"));
        let (s, tk) = post(
            addr,
            &format!("/vaccination/residents/{p}/tickoffs"),
            &grid,
            serde_json::json!({"reason": "temp_contra", "detail": "flare", "recheck_on": ymd(d + 5), "client_id": "api-tick-1"}),
        )
        .await;
        assert_eq!(s, 200, "{tk}");
        assert_eq!(tk["back_on"], ymd(d + 5));
        // The status and the worklist read back; phones masked.
        let auth = format!("Bearer {grid}");
        let (s, body) = get(
            addr,
            &format!("/api/v1/vaccination/residents/{p}"),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "partial");
        assert_eq!(v["tickoffs"][0]["reason"], "temp_contra");
        let (s, body) = get(
            addr,
            &format!("/api/v1/vaccination/worklist?area={C1}&group=60%2B"),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let items = v["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(items.iter().all(|i| i.get("phone").is_none()));
        assert!(
            items.iter().all(|i| i["resident_id"] != p),
            "the deferred resident is off the list"
        );
        let (s, body) = get(
            addr,
            &format!("/api/v1/vaccination/figures?area={C1}"),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        // The outsider: nothing, and nothing written.
        let out = format!("Bearer {outsider}");
        let (s, _) = get(
            addr,
            &format!("/api/v1/vaccination/residents/{p}"),
            &[("Authorization", &out)],
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = get(
            addr,
            &format!("/api/v1/vaccination/worklist?area={C1}"),
            &[("Authorization", &out)],
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = post(
            addr,
            &format!("/vaccination/residents/{p}/doses"),
            &outsider,
            serde_json::json!({"product": "inactivated", "given_on": ymd(d)}),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = post(
            addr,
            &format!("/vaccination/residents/{p}/rides"),
            &outsider,
            serde_json::json!({"site": "x", "on_day": ymd(d)}),
        )
        .await;
        assert_eq!(s, 404);
        let n: i64 = db
            .scalar("SELECT COUNT(*) FROM vax_doses", vec![])
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
