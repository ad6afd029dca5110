//! The OpenAPI document: served without a token, valid JSON, OpenAPI 3.1, describing exactly
//! the routes the router serves, each of which answers (not the 404 fallback).

use std::collections::BTreeSet;

use wardline::args;
use wardline::server::api::API_ROUTES;
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

/// `v` has what `schema` (followed through `$ref`s) says: the required keys, and the types and
/// enumerations of the properties it has.
pub fn conforms(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) {
    let s = match schema.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => doc.pointer(&r[1..]).expect("a resolvable $ref"),
        None => schema,
    };
    if v.is_null() {
        return;
    }
    if let Some(e) = s.get("enum").and_then(|e| e.as_array()) {
        assert!(e.contains(v), "{at}: {v} is not one of {e:?}");
    }
    let types: Vec<&str> = match &s["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|t| t.as_str()).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return;
    }
    let ok = types.iter().any(|t| match *t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    });
    assert!(ok, "{at}: {v} is not {types:?}");
    if v.is_object() {
        for r in s["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            assert!(v.get(r).is_some(), "{at}: {r} is required: {v}");
        }
        for (k, ps) in s["properties"].as_object().into_iter().flatten() {
            if let Some(x) = v.get(k) {
                conforms(doc, ps, x, &format!("{at}.{k}"));
            }
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            conforms(doc, items, x, &format!("{at}[{i}]"));
        }
    }
}

/// The field writes (issue 19): volunteers' and officers' actions, each posted with its body
/// and its answer checked against the document in `write_api`.
fn field_write(route: &str) -> bool {
    route.starts_with("/needs/")
        || route.starts_with("/duty/")
        || matches!(
            route,
            "/needs"
                | "/households"
                | "/households/{id}/corrections"
                | "/households/{id}/residents"
                | "/residents/{id}/corrections"
        )
}

/// The schema of a route's 200 answer.
pub fn answer_schema<'a>(
    doc: &'a serde_json::Value,
    method: &str,
    route: &str,
) -> &'a serde_json::Value {
    let r = &doc["paths"][route][method.to_lowercase()]["responses"]["200"]["content"];
    r.as_object()
        .and_then(|m| m.values().next())
        .map(|c| &c["schema"])
        .unwrap_or_else(|| panic!("{method} {route}: no 200 schema"))
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
    // A round with a sampled, negative tube for the testing routes; an administrator (who
    // may do everything they ask) to call them.
    let admin = crate::testing::reader(db, "t-admin", "admin", "431102").await;
    let now = wardline::db::now_ms();
    let round =
        crate::testing::round_over(db, &admin, "431102", 5, now - 3_600_000, now + 3_600_000).await;
    let site = crate::testing::site(db, &admin, &round, "431102", &[]).await;
    crate::testing::submit(
        db,
        &admin,
        &round,
        vec![
            crate::testing::open("o", "T1", Some(site)),
            crate::testing::add("a", "T1", rid),
            crate::testing::close("c", "T1"),
        ],
        false,
    )
    .await;
    let admin_token = wardline::access::create_token(db, "t-admin", "t")
        .await
        .unwrap();
    let admin_auth = format!("Bearer {admin_token}");
    // A zone for the zones' routes, declared by HQ over the first household's community.
    let hq_reader = wardline::access::authenticate(db, &token).await.unwrap();
    let hh_path: String = db
        .scalar("SELECT path FROM households WHERE id = $1", args![hid])
        .await
        .unwrap();
    let zone = wardline::zones::lifecycle::declare(
        db,
        &wardline::audit::Actor::cli(),
        &hq_reader,
        &wardline::zones::lifecycle::NewZone {
            area: hh_path[..12].to_owned(),
            kind: "controlled".into(),
            start_ms: now - 3_600_000,
            planned_end_ms: Some(now + 86_400_000),
            reason: "r".into(),
            decided_by: "d".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap()
    .id;
    // A checkpoint for the checkpoints' routes, and the resident's personal code.
    let cp = crate::checkpoints::set_up(
        db,
        &admin,
        crate::mobilization::place(db, &admin, "431102", "东门卡口").await,
        false,
    )
    .await;
    let secret = wardline::access::settings::qr_secret(db).await.unwrap();
    let rcode = wardline::registry::codes::resident_code(&secret, rid);
    // A store for the supplies' routes (their writes are exercised in `supplies_api`).
    let sup_store = crate::supplies::store(db, &admin, "仓库", "depot", "431102", "").await;
    // A street officer and a team for the commendations' routes (HQ decides, with `auth`).
    admin_exec_team(db).await;
    wardline::access::create_account(db, "t-street", "street", "street", &["431102".to_string()])
        .await
        .unwrap();
    let street_auth = format!(
        "Bearer {}",
        wardline::access::create_token(db, "t-street", "t")
            .await
            .unwrap()
    );
    // A locked report for the HQ snapshot route.
    let snapshot = {
        let district = wardline::registry::areas::by_code(db, "431102")
            .await
            .unwrap()
            .unwrap();
        let rep = &wardline::hq::reports::catalogue()[0];
        let day = wardline::hq::briefing::day_of(now);
        wardline::hq::reports::lock(db, &wardline::audit::Actor::cli(), rep, &district, day, now)
            .await
            .unwrap()
            .id
    };
    for (_, route) in API_ROUTES.iter().filter(|r| r.0 == "GET") {
        let testing = route.starts_with("/testing");
        let rid = if route.starts_with("/checkpoints") {
            cp.id
        } else {
            rid
        };
        let mut path = route
            .replace("{code}", "431102")
            .replace("{barcode}", "T1")
            .replace(
                "{id}",
                &if testing {
                    round.id
                } else if route.starts_with("/zones") {
                    zone
                } else if route.starts_with("/supplies") {
                    sup_store
                } else if route.starts_with("/hq") {
                    snapshot
                } else if route.starts_with("/households") {
                    hid
                } else {
                    rid
                }
                .to_string(),
            );
        if *route == "/residents/search" {
            path.push_str(&format!("?q={}", url_enc(&name)));
        }
        if *route == "/checkpoints/{id}/lookup" {
            path.push_str(&format!("?code={}", url_enc(&rcode)));
        }
        let (s, body) = get(addr, &format!("/api/v1{path}"), &[("Authorization", &auth)]).await;
        assert_eq!(s, 200, "{route} → {path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert!(v.get("error").is_none(), "{route}: {body}");
        conforms(&doc, answer_schema(&doc, "GET", route), &v, route);
    }
    let r = round.id;
    for (_, route) in API_ROUTES
        .iter()
        .filter(|r| r.0 == "POST" && !r.1.starts_with("/supplies") && !field_write(r.1))
    {
        let body = match *route {
            "/testing/rounds/{id}/ops" => serde_json::json!({"client_id": "o2", "tube": "T2", "op": "open", "site_id": site}).to_string(),
            "/testing/rounds/{id}/batch" => serde_json::json!({"client_id": "o3", "tube": "T3", "op": "open", "site_id": site, "taken_ms": now}).to_string(),
            "/testing/rounds/{id}/results" => serde_json::json!({"results": [{"tube": "T1", "result": "negative"}]}).to_string(),
            "/testing/rounds/{id}/exemptions" => serde_json::json!({"resident_id": rid, "reason": "away"}).to_string(),
            "/zones/declare" => serde_json::json!({"client_id": "z1", "household_id": hid, "kind": "sealed", "start_ms": now, "reason": "r", "decided_by": "d"}).to_string(),
            "/zones/{id}/extend" => serde_json::json!({"client_id": "z2", "planned_end_ms": now + 2 * 86_400_000, "reason": "r", "decided_by": "d"}).to_string(),
            "/zones/{id}/lift" => serde_json::json!({"client_id": "z3", "reason": "r", "decided_by": "d"}).to_string(),
            "/followup/orders" => serde_json::json!({"resident_id": rid, "kind": "home", "reason": "close", "rule": "7+3", "start": wardline::quarantine::date_of(wardline::quarantine::day_of(now)), "ordered_by": "HQ", "client_id": "api-o1"}).to_string(),
            "/followup/order-changes" => serde_json::json!({"order_id": quarantine_order(db, rid).await, "end": wardline::quarantine::date_of(wardline::quarantine::day_of(now) + 12), "reason": "a case in the building"}).to_string(),
            "/followup/checks" => serde_json::json!({"resident_id": rid, "outcome": "well", "client_id": "api-c1"}).to_string(),
            "/followup/self-report" => serde_json::json!({"token": household_link(db, hid).await, "resident_id": rid, "temperature": "36.6", "client_id": "api-s1"}).to_string(),
            "/followup/contacts" => serde_json::json!({"household_id": hid, "outcome": "well", "client_id": "api-l1"}).to_string(),
            "/followup/batch" => serde_json::json!({"op": "contact", "household_id": hid, "outcome": "well", "client_id": "api-l2"}).to_string(),
            "/followup/order-ends" => serde_json::json!({"order_id": quarantine_order(db, rid).await, "reason": "released", "override_reason": "the test's own"}).to_string(),
            "/followup/referred-reveals" => serde_json::json!({"entry_id": referred_entry(db, cp.id).await}).to_string(),
            "/followup/visitor-orders" => serde_json::json!({"entry_id": referred_entry(db, cp.id).await, "kind": "home", "rule": "7+3", "start": wardline::quarantine::date_of(wardline::quarantine::day_of(now)), "ordered_by": "HQ", "client_id": "api-v1"}).to_string(),
            "/checkpoints/{id}/ops" => serde_json::json!({"op": "person", "client_id": "c1", "direction": "in",
                "person": {"code": rcode}, "health_code": "green", "temperature": 36.5, "decision": "pass"}).to_string(),
            "/checkpoints/{id}/batch" => serde_json::json!({"op": "vehicle", "client_id": "c2", "direction": "out",
                "plate": "湘M12345", "class": "car", "occupants": [{"person": {"code": rcode},
                "health_code": "green", "decision": "pass"}]}).to_string(),
            "/vaccination/residents/{id}/doses" => serde_json::json!({"product": "adenovirus", "given_on": wardline::vaccination::ymd(wardline::vaccination::today()), "client_id": "vd1"}).to_string(),
            "/vaccination/residents/{id}/tickoffs" => serde_json::json!({"reason": "not_reached", "client_id": "vt1"}).to_string(),
            "/vaccination/residents/{id}/rides" => serde_json::json!({"site": "区人民医院", "on_day": wardline::vaccination::ymd(wardline::vaccination::today() + 1), "client_id": "vr1"}).to_string(),
            "/notifications/read" => serde_json::json!({"all": true, "client_id": "n1"}).to_string(),
            "/hq/commendations" => serde_json::json!({"subject_kind": "team", "subject_id": openapi_team(db).await, "citation": "日夜值守", "client_id": "hc1"}).to_string(),
            "/hq/commendations/{id}/decision" => serde_json::json!({"decision": "approve"}).to_string(),
            other => panic!("a POST route without a test body: {other}"),
        };
        // Zones are declared by HQ (the administrator may not).
        let (id, admin_auth) = if route.starts_with("/zones") {
            (zone, &auth)
        } else if route.starts_with("/checkpoints") {
            (cp.id, &admin_auth)
        } else if route.starts_with("/vaccination") {
            (rid, &admin_auth)
        } else if *route == "/hq/commendations" {
            (r, &street_auth)
        } else if route.starts_with("/hq/commendations") {
            (
                db.scalar::<i64>("SELECT MAX(id) FROM hq_commendations", args![])
                    .await
                    .unwrap(),
                &auth,
            )
        } else {
            (r, &admin_auth)
        };
        let path = format!("/api/v1{}", route.replace("{id}", &id.to_string()));
        let resp = crate::common::request(
            addr,
            "POST",
            &path,
            &[
                ("Authorization", admin_auth),
                ("Content-Type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
        .await;
        assert_eq!(resp.status, 200, "{route}: {}", resp.body);
        assert!(!resp.body.contains("\"error\""), "{route}: {}", resp.body);
        let schema = answer_schema(&doc, "POST", route);
        for line in resp.body.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            conforms(&doc, schema, &v, route);
        }
        // Without a token: 401, not the fallback (a public route answers without one).
        let public = doc["paths"][*route]["post"]["security"] == serde_json::json!([]);
        let resp = crate::common::request(addr, "POST", &path, &[], Some(body.as_bytes())).await;
        if !public {
            assert_eq!(resp.status, 401, "{route}");
        }
    }
    // The fallback, for contrast.
    let (s, body) = get(addr, "/api/v1/nothing-here", &[("Authorization", &auth)]).await;
    assert_eq!(s, 404);
    assert!(body.contains("not_found"));
}

/// A team in the district for the commendations' routes.
async fn admin_exec_team(db: &wardline::db::Db) {
    let (id, path): (i64, String) = {
        let a = wardline::registry::areas::by_code(db, "431102")
            .await
            .unwrap()
            .unwrap();
        (a.id, a.path)
    };
    crate::common::exec(
        db,
        "INSERT INTO teams (name, kind, area_id, path, created_ms) VALUES ('接力配送组', 'delivery', $1, $2, 0)",
        args![id, path.as_str()],
    )
    .await;
}

async fn openapi_team(db: &wardline::db::Db) -> i64 {
    db.scalar::<i64>("SELECT MAX(id) FROM teams", args![])
        .await
        .unwrap()
}

/// The resident's latest quarantine order (made by the API test's POST).
async fn quarantine_order(db: &wardline::db::Db, resident: i64) -> i64 {
    db.scalar::<i64>(
        "SELECT MAX(id) FROM quarantine_orders WHERE resident_id = $1",
        args![resident],
    )
    .await
    .unwrap()
}

/// A visitor referred to quarantine at the checkpoint (a pass-log entry made for the test).
async fn referred_entry(db: &wardline::db::Db, place: i64) -> i64 {
    let path: String = db
        .scalar("SELECT path FROM places WHERE id = $1", args![place])
        .await
        .unwrap();
    crate::common::exec(
        db,
        "INSERT INTO pass_entries (place_id, path, account_id, at_ms, direction, name, phone, \
         doc_type, doc_number, health_code, test_status, suggestion, decision) \
         VALUES ($1, $2, 0, $3, 'in', '访客甲', '13900001111', 'id', '110101199001011234', \
         'yellow', 'n/a', 'quarantine', 'quarantine')",
        args![place, path.as_str(), wardline::db::now_ms()],
    )
    .await;
    db.scalar::<i64>("SELECT MAX(id) FROM pass_entries", args![])
        .await
        .unwrap()
}

/// A household link's token (the needs' door plate), made for the test.
async fn household_link(db: &wardline::db::Db, household: i64) -> String {
    crate::common::exec(
        db,
        "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, 'apitesttoken', 0) \
         ON CONFLICT (household_id) DO NOTHING",
        args![household],
    )
    .await;
    db.scalar::<String>(
        "SELECT token FROM household_links WHERE household_id = $1",
        args![household],
    )
    .await
    .unwrap()
}
