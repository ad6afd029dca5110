//! The OpenAPI document: served without a token, valid JSON, OpenAPI 3.1, describing exactly
//! the routes the router serves, each of which answers (not the 404 fallback).

use std::collections::BTreeSet;

use wardline::args;
use wardline::web::api::API_ROUTES;
use wardline::web::html::url_enc;

use crate::common::{backends, demo, get, serve};

/// Every `$ref` in the document points at something in it.
fn check_refs(doc: &serde_json::Value, v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                let pointer = r.strip_prefix('#').expect("local reference");
                assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
            }
            m.values().for_each(|x| check_refs(doc, x));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| check_refs(doc, x)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_document_describes_exactly_the_api_routes() {
    let t = backends().await.remove(0);
    let db = &t.db;
    demo(db, 300, 2).await;
    let addr = serve(db).await;

    let (s, body) = get(addr, "/api/v1/openapi.json", &[]).await;
    assert_eq!(s, 200, "no token needed: {body}");
    let doc: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let described: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let routes: BTreeSet<&str> = API_ROUTES.iter().map(|r| r.1).collect();
    assert_eq!(described, routes);
    let pairs: BTreeSet<_> = API_ROUTES.iter().collect();
    assert_eq!(pairs.len(), API_ROUTES.len(), "no route listed twice");
    for (m, p) in API_ROUTES {
        assert!(
            doc["paths"][p][m.to_lowercase()].is_object(),
            "{m} {p} is described"
        );
    }
    check_refs(&doc, &doc);
    for name in [
        "AreaDetail",
        "ChildrenPage",
        "HouseholdsPage",
        "HouseholdDetail",
        "Resident",
        "SearchPage",
        "Error",
    ] {
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
    }
    // Every path parameter in a path is declared.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let op = item.get("get").or_else(|| item.get("post")).unwrap();
        assert!(op["responses"]["200"].is_object(), "{path}");
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(['{', '}']);
            assert!(
                op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path"),
                "{path}: {name}"
            );
        }
    }

    // Each listed route is served: with a token and real ids, 200, never the fallback.
    wardline::access::create_account(db, "hq", "hq", "hq", &["431102".to_string()])
        .await
        .unwrap();
    let token = wardline::access::create_token(db, "hq", "t").await.unwrap();
    let auth = format!("Bearer {token}");
    let r = db
        .query_one(
            "SELECT id, household_id FROM residents ORDER BY id LIMIT 1",
            vec![],
        )
        .await
        .unwrap();
    let (rid, hid) = (r.int(0), r.int(1));
    let name = db
        .query_one("SELECT name FROM residents WHERE id = $1", args![rid])
        .await
        .unwrap()
        .string(0);
    for (_, route) in API_ROUTES
        .iter()
        .filter(|r| r.0 == "GET" && !r.1.starts_with("/testing"))
    {
        let mut path = route.replace("{code}", "431102").replace(
            "{id}",
            &if route.starts_with("/households") {
                hid
            } else {
                rid
            }
            .to_string(),
        );
        if *route == "/residents/search" {
            path.push_str(&format!("?q={}", url_enc(&name)));
        }
        let (s, body) = get(addr, &format!("/api/v1{path}"), &[("Authorization", &auth)]).await;
        assert_eq!(s, 200, "{route} → {path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert!(v.get("error").is_none(), "{route}: {body}");
    }
    // The fallback, for contrast.
    let (s, body) = get(addr, "/api/v1/nothing-here", &[("Authorization", &auth)]).await;
    assert_eq!(s, 404);
    assert!(body.contains("not_found"));
}
