//! Access control over real HTTP. The main test walks every route (pages and API) as a grid
//! worker, with the ids and codes of records in another grid, and proves that those records are
//! never returned, counted or changed; then proves the same user does see and change their own.

use wardline::args;
use wardline::db::{path_end, Db};
use wardline::registry::validate::{check_char, mask_doc};
use wardline::web::html::url_enc;

use crate::common::{backends, demo, get, get_page, login, post_form, serve, Browser, Resp};

const OWN_GRID: &str = "431102001001/G0001";

/// A resident of some grid, with everything that must not leak about it.
#[derive(Debug, Clone)]
struct Target {
    resident_id: i64,
    household_id: i64,
    name: String,
    doc: String,
    doc_masked: String,
    phone: String,
    address: String,
    grid_code: String,
    community_code: String,
    community_name: String,
}

/// A valid resident ID number (region 431102) for a birth date and a serial.
pub fn id_number(birth: &str, serial: u32) -> String {
    let first17 = format!("431102{birth}{serial:03}");
    let c = check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// The residents of a subtree: (id, household, name, doc, phone, address).
async fn residents_under(db: &Db, path: &str) -> Vec<(i64, i64, String, String, String, String)> {
    db.query(
        "SELECT r.id, r.household_id, r.name, r.doc_number, COALESCE(r.phone, ''), h.address \
         FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE r.path >= $1 AND r.path < $2 ORDER BY r.id",
        args![path, path_end(path)],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.int(0),
            r.int(1),
            r.string(2),
            r.string(3),
            r.string(4),
            r.string(5),
        )
    })
    .collect()
}

/// A resident of the grid at `grid_path` whose name, masked ID, phone and address cannot be
/// confused with anything the user at `own_path` may see (so "not in the body" means something).
async fn target_in(db: &Db, grid_path: &str, own_path: &str) -> Target {
    let own = residents_under(db, own_path).await;
    let grid = wardline::registry::areas::by_path(db, grid_path)
        .await
        .unwrap()
        .expect("grid");
    let community = wardline::registry::areas::by_id(db, grid.parent_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    let (id, hh, name, doc, phone, address) = residents_under(db, grid_path)
        .await
        .into_iter()
        .find(|(_, _, name, doc, phone, address)| {
            doc.len() == 18
                && phone.len() == 11
                && own.iter().all(|(_, _, n, d, p, a)| {
                    !n.starts_with(name.as_str())
                        && !a.contains(name.as_str())
                        && mask_doc(d) != mask_doc(doc)
                        && p != phone
                        && !a.contains(address.as_str())
                        && !address.contains(a.as_str())
                })
        })
        .expect("a resident that stands out");
    Target {
        resident_id: id,
        household_id: hh,
        doc_masked: mask_doc(&doc),
        name,
        doc,
        phone,
        address,
        grid_code: grid.code,
        community_code: community.code,
        community_name: community.name,
    }
}

/// What may change when someone writes: the target's rows, the totals, the tallies, the log.
async fn snapshot(db: &Db, t: &Target) -> String {
    let r = db
        .query_one(
            "SELECT name, doc_number, COALESCE(phone, ''), relation, tags, party, updated_ms, household_id \
             FROM residents WHERE id = $1",
            args![t.resident_id],
        )
        .await
        .unwrap();
    let h = db
        .query_one(
            "SELECT address, kind, updated_ms, COALESCE(head_id, 0) FROM households WHERE id = $1",
            args![t.household_id],
        )
        .await
        .unwrap();
    let n = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM residents), (SELECT COUNT(*) FROM households), \
             (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM areas), \
             (SELECT CAST(COALESCE(SUM(residents + households + vulnerable + party_members + aged60), 0) AS BIGINT) FROM area_counts), \
             (SELECT CAST(COALESCE(SUM(residents + households + vulnerable + party_members + aged60), 0) AS BIGINT) FROM community_counts)",
            vec![],
        )
        .await
        .unwrap();
    let testing = crate::testing::state(db).await;
    let testing: Vec<&str> = testing.split("--\n").take(9).collect();
    format!(
        "{} {} {} {} {} {} {} {} | {} {} {} {} | {} {} {} {} {} {} | {}",
        r.text(0),
        r.text(1),
        r.text(2),
        r.text(3),
        r.int(4),
        r.int(5),
        r.int(6),
        r.int(7),
        h.text(0),
        h.text(1),
        h.int(2),
        h.int(3),
        n.int(0),
        n.int(1),
        n.int(2),
        n.int(3),
        n.int(4),
        n.int(5),
        testing.join("--\n")
    )
}

/// What the testing routes are walked with: a round over the district, with a site, a sampled
/// tube and an exemption in the other grid.
struct Testing {
    round: i64,
    site: i64,
    tube: String,
}

/// Sample `t` in a tube of a site in its grid, give the tube a result, exempt a neighbour.
async fn testing_in(db: &Db, t: &Target, round: &wardline::testing::Round, k: usize) -> Testing {
    use crate::testing::{actor, add, close, lab_results, one, open, reader, site};
    let hq = reader(db, &format!("t-hq{k}"), "hq", "431102").await;
    let off = reader(db, &format!("t-off{k}"), "street", "431102").await;
    let lab = reader(db, &format!("t-lab{k}"), "lab", "431102").await;
    let col = reader(db, &format!("t-col{k}"), "collector", &t.grid_code).await;
    let s = site(db, &hq, round, &t.grid_code, &[&col.username]).await;
    let tube = format!("TGT{k}");
    one(db, &col, round, open("o", &tube, Some(s))).await;
    one(db, &col, round, add("a", &tube, t.resident_id)).await;
    one(db, &col, round, close("c", &tube)).await;
    lab_results(db, &lab, round, &[(&tube, "negative")])
        .await
        .unwrap();
    let other = db
        .query_one(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 AND id <> $3 ORDER BY id LIMIT 1",
            args![t.grid_code.as_str(), path_end(&t.grid_code), t.resident_id],
        )
        .await
        .unwrap()
        .int(0);
    wardline::testing::results::exempt(db, &actor(&off), &off, round, other, "away", "")
        .await
        .unwrap();
    Testing {
        round: round.id,
        site: s,
        tube,
    }
}

/// Nothing about `t` in a body: not its name, address, ID (full or masked), phone, area names
/// or tally cards.
fn assert_no_leak(what: &str, body: &str, t: &Target) {
    for (label, s) in [
        ("name", t.name.as_str()),
        ("address", t.address.as_str()),
        ("full ID", t.doc.as_str()),
        ("masked ID", t.doc_masked.as_str()),
        ("phone", t.phone.as_str()),
        // (Grid names repeat from one community to the next; the code is unique.)
        ("grid code", t.grid_code.as_str()),
        ("community name", t.community_name.as_str()),
    ] {
        assert!(
            !body.contains(s),
            "{what}: the {label} {s:?} leaked:\n{body}"
        );
    }
    let masked_phone = wardline::registry::validate::mask_phone(&t.phone);
    assert!(
        !body.contains(&masked_phone),
        "{what}: the masked phone leaked"
    );
    for count_marker in ["id=\"counts\"", "data-count=", "\"counts\""] {
        assert!(
            !body.contains(count_marker),
            "{what}: tallies in a refusal:\n{body}"
        );
    }
}

fn refused(what: &str, r: &Resp) {
    assert!(
        r.status == 404 || r.status == 403,
        "{what}: expected 404 or 403, got {}:\n{}",
        r.status,
        r.body
    );
}

/// Every page route, every API route and every form, with `t`'s ids, as user `b`/`token`.
async fn walk_other(
    db: &Db,
    addr: std::net::SocketAddr,
    b: &Browser,
    token: &str,
    t: &Target,
    tt: &Testing,
) {
    // A checkpoint of the other grid where the target passed (before the snapshot).
    let cp_place = checkpoint_of_other_grid(db, t).await;
    let before = snapshot(db, t).await;
    let audit_before = audit_about(db, t).await;
    let (rid, hid) = (t.resident_id, t.household_id);
    let grid = url_enc(&t.grid_code);
    let community = url_enc(&t.community_code);
    let c = &b.cookie;

    // --- GET pages: every route of web::pages, access::pages, registry::pages, audit::pages
    // that shows a record, with the other grid's ids and codes.
    for path in [
        format!("/areas/{grid}"),
        format!("/areas/{grid}?view=households"),
        format!("/areas/{community}"),
        format!("/areas/{community}?view=households"),
        "/areas/431102001".to_owned(),
        "/areas/431102".to_owned(),
        format!("/households/{hid}"),
        format!("/households/{hid}/edit"),
        format!("/households/{hid}/residents/new"),
        format!("/households/new?area={grid}"),
        format!("/residents/{rid}"),
        format!("/residents/{rid}/edit"),
        "/audit".to_owned(),
        format!("/audit?entity=resident&id={rid}"),
        "/admin/accounts".to_owned(),
        "/admin/accounts/new".to_owned(),
        "/admin/accounts/1".to_owned(),
    ] {
        let r = get_page(addr, &path, c).await;
        refused(&format!("GET {path}"), &r);
        assert_no_leak(&format!("GET {path}"), &r.body, t);
    }
    // Searches answer 200 with nothing found, not even a count.
    for q in [&t.doc, &t.name, &t.phone, &t.doc.to_lowercase()] {
        let path = format!("/search?q={}", url_enc(q));
        let r = get_page(addr, &path, c).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        assert!(
            r.body.contains("id=\"no-results\""),
            "GET {path}: {}",
            r.body
        );
        assert!(!r.body.contains(&format!("/residents/{rid}\"")));
        // The page repeats what was typed (in the field and the language link), nothing more.
        let echoed = r
            .body
            .replace(url_enc(&path).as_str(), "")
            .replace(q.as_str(), "");
        assert_no_leak(&format!("GET {path}"), &echoed, t);
    }
    // Cursors from the other grid cannot probe it through one's own lists.
    let own = url_enc(OWN_GRID);
    for path in [
        format!("/areas/{own}?after={hid}"),
        format!("/search?q={}&after={rid}", url_enc(&t.name)),
    ] {
        let r = get_page(addr, &path, c).await;
        assert!(
            matches!(r.status, 400 | 403 | 404),
            "GET {path}: {} {}",
            r.status,
            r.body
        );
        let echoed = r.body.replace(url_enc(&path).as_str(), "");
        assert_no_leak(&format!("GET {path}"), &echoed, t);
    }

    // --- The API: every route of API_ROUTES, parameters from the other grid.
    let auth = format!("Bearer {token}");
    let h = [("Authorization", auth.as_str())];
    let mut hit: Vec<(&str, &str)> = Vec::new();
    for (method, route) in wardline::server::api::API_ROUTES {
        let paths: Vec<String> = match *route {
            "/areas/{code}" | "/areas/{code}/children" | "/areas/{code}/households" => {
                [&grid, &community, &"431102".to_owned()]
                    .iter()
                    .map(|code| route.replace("{code}", code))
                    .collect()
            }
            "/households/{id}" => vec![route.replace("{id}", &hid.to_string())],
            "/needs/figures" => [&grid, &community]
                .iter()
                .map(|code| format!("{route}?area={code}"))
                .collect(),
            "/residents/{id}" | "/residents/{id}/tests" => {
                vec![route.replace("{id}", &rid.to_string())]
            }
            _ => vec![],
        };
        for p in &paths {
            let (s, body) = get(addr, &format!("/api/v1{p}"), &h).await;
            assert_eq!(s, 404, "GET /api/v1{p}: {body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["error"]["code"], "not_found", "{body}");
            assert_no_leak(&format!("GET /api/v1{p}"), &body, t);
        }
        if !paths.is_empty() {
            hit.push((*method, *route));
        }
    }
    hit.extend(walk_testing(db, addr, token, t, tt).await);
    hit.extend(walk_checkpoints(db, addr, token, t, cp_place).await);
    // The routes without a record in their path: they answer, but with nothing of the other grid.
    for p in ["/me", "/areas", "/openapi.json"] {
        let (s, body) = get(addr, &format!("/api/v1{p}"), &h).await;
        assert_eq!(s, 200, "GET /api/v1{p}: {body}");
        if p != "/openapi.json" {
            assert_no_leak(
                &format!("GET /api/v1{p}"),
                &body.replace("\"counts\"", ""),
                t,
            );
        }
        hit.push(("GET", p));
    }
    for q in [&t.doc, &t.name, &t.phone] {
        let p = format!("/api/v1/residents/search?q={}", url_enc(q));
        let (s, body) = get(addr, &p, &h).await;
        assert_eq!(s, 200, "GET {p}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"], serde_json::json!([]), "GET {p}: {body}");
        assert_eq!(v["next"], serde_json::Value::Null);
        assert_no_leak(&p, &body, t);
    }
    hit.push(("GET", "/residents/search"));
    for p in [
        format!("/api/v1/areas/{own}/households?after={hid}"),
        format!(
            "/api/v1/residents/search?q={}&after={rid}",
            url_enc(&t.name)
        ),
    ] {
        let (s, body) = get(addr, &p, &h).await;
        assert!(matches!(s, 400 | 404), "GET {p}: {s} {body}");
        assert_no_leak(&p, &body, t);
    }
    hit.extend(walk_followup(addr, &h, &grid, &community, rid, hid, t).await);
    hit.extend(walk_zones_vaccination_supplies(addr, &h, &grid, &community, rid, hid, t).await);
    hit.extend(walk_hq(addr, &h, &community, t).await);
    hit.extend(walk_field_writes(db, addr, &h, &grid, rid, hid, t).await);
    // Notifications (issue 19): only the caller's own; others' message ids are ignored.
    let (s, body) = get(addr, "/api/v1/notifications", &h).await;
    assert_eq!(s, 200, "GET /api/v1/notifications: {body}");
    assert_no_leak("GET /api/v1/notifications", &body, t);
    hit.push(("GET", "/notifications"));
    let r = crate::common::request(
        addr,
        "POST",
        "/api/v1/notifications/read",
        &[h[0], ("Content-Type", "application/json")],
        Some(br#"{"ids": [1, 2, 3]}"#),
    )
    .await;
    assert_eq!(r.status, 200, "POST /notifications/read: {}", r.body);
    assert_no_leak("POST /api/v1/notifications/read", &r.body, t);
    hit.push(("POST", "/notifications/read"));
    let mut all: Vec<(&str, &str)> = wardline::server::api::API_ROUTES.to_vec();
    all.sort();
    all.dedup();
    hit.sort();
    hit.dedup();
    assert_eq!(hit, all, "every API route is walked");

    // --- Forms, each with a valid CSRF token and valid content.
    let new_doc = id_number("19850607", 901);
    let resident_form = |doc: &str| {
        vec![
            ("csrf", b.csrf.clone()),
            ("name", "改名测试".to_owned()),
            ("doc_type", "id_card".to_owned()),
            ("doc_number", doc.to_owned()),
            ("phone", "13912345678".to_owned()),
            ("relation", "other".to_owned()),
            ("party", "none".to_owned()),
        ]
    };
    let posts: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/residents/{rid}/edit"),
            resident_form(&t.doc_masked),
        ),
        (format!("/residents/{rid}/edit"), resident_form(&new_doc)),
        (
            format!("/households/{hid}/edit"),
            vec![
                ("csrf", b.csrf.clone()),
                ("address", "篡改的地址 1 号".to_owned()),
                ("kind", "rental".to_owned()),
            ],
        ),
        (
            format!("/households/{hid}/residents/new"),
            resident_form(&new_doc),
        ),
        (
            format!("/households/{hid}/merge"),
            vec![("csrf", b.csrf.clone()), ("into", hid.to_string())],
        ),
        (
            format!("/households/{hid}/remove"),
            vec![("csrf", b.csrf.clone())],
        ),
        (
            format!("/residents/{rid}/reveal"),
            vec![
                ("csrf", b.csrf.clone()),
                ("reason", "checking a contact trace".to_owned()),
            ],
        ),
        (
            format!("/households/new?area={grid}"),
            vec![
                ("csrf", b.csrf.clone()),
                ("address", "新登记 99 号".to_owned()),
                ("kind", "home".to_owned()),
            ],
        ),
        (
            format!("/households/new?area={community}"),
            vec![
                ("csrf", b.csrf.clone()),
                ("address", "新登记 98 号".to_owned()),
                ("kind", "home".to_owned()),
            ],
        ),
        (
            "/admin/accounts/new".to_owned(),
            vec![
                ("csrf", b.csrf.clone()),
                ("username", "intruder".to_owned()),
                ("role", "hq".to_owned()),
                ("scope", "431102".to_owned()),
                ("password", "a-long-password-1".to_owned()),
            ],
        ),
        (
            "/admin/accounts/1/disable".to_owned(),
            vec![("csrf", b.csrf.clone())],
        ),
        (
            "/admin/accounts/1/password".to_owned(),
            vec![
                ("csrf", b.csrf.clone()),
                ("password", "a-long-password-1".to_owned()),
            ],
        ),
    ];
    for (path, fields) in &posts {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(addr, path, c, &f).await;
        refused(&format!("POST {path}"), &r);
        assert_no_leak(&format!("POST {path}"), &r.body, t);
        assert!(!r.body.contains(&t.doc), "POST {path} revealed the number");
        assert_eq!(
            snapshot(db, t).await,
            before,
            "POST {path} changed the database"
        );
    }
    let intruder = db
        .query_opt(
            "SELECT id FROM accounts WHERE username = 'intruder'",
            vec![],
        )
        .await
        .unwrap();
    assert!(intruder.is_none());
    // No audit entry claims any of it happened (the count is in the snapshot, but say so).
    assert_eq!(
        audit_about(db, t).await,
        audit_before,
        "audit entries about the other grid"
    );
}

/// The testing routes, as the grid worker with `token`, with the other grid's areas, site,
/// tube and residents: refused (404, 403, or for a device's operation a 422 `not_collector`),
/// and nothing of the other grid in any answer. Returns the routes walked.
async fn walk_testing(
    db: &Db,
    addr: std::net::SocketAddr,
    token: &str,
    t: &Target,
    tt: &Testing,
) -> Vec<(&'static str, &'static str)> {
    let auth = format!("Bearer {token}");
    let h = [("Authorization", auth.as_str())];
    let r = tt.round;
    let (grid, community) = (url_enc(&t.grid_code), url_enc(&t.community_code));
    let mut hit = Vec::new();
    // Reads with the other grid's area codes, its tube, its resident: 404.
    let mut reads = Vec::new();
    for area in [&grid, &community] {
        for what in ["coverage", "communities", "missing"] {
            reads.push((
                format!("/testing/rounds/{r}/{what}?area={area}"),
                format!("/testing/rounds/{{id}}/{what}"),
            ));
        }
    }
    reads.push((
        format!("/testing/rounds/{r}/tubes/{}", tt.tube),
        "/testing/rounds/{id}/tubes/{barcode}".to_owned(),
    ));
    for (p, route) in &reads {
        let (s, body) = get(addr, &format!("/api/v1{p}"), &h).await;
        assert_eq!(s, 404, "GET /api/v1{p}: {body}");
        assert_no_leak(&format!("GET /api/v1{p}"), &body, t);
        let route = wardline::server::api::API_ROUTES
            .iter()
            .find(|x| x.0 == "GET" && x.1 == route)
            .unwrap();
        hit.push(*route);
    }
    // The round itself is visible (it covers the grid worker's grid); its answers hold
    // nothing of the other grid.
    for (p, route) in [
        ("/testing/rounds".to_owned(), "/testing/rounds"),
        (format!("/testing/rounds/{r}"), "/testing/rounds/{id}"),
        (
            format!("/testing/rounds/{r}/coverage"),
            "/testing/rounds/{id}/coverage",
        ),
        (
            format!("/testing/rounds/{r}/missing"),
            "/testing/rounds/{id}/missing",
        ),
    ] {
        let (s, body) = get(addr, &format!("/api/v1{p}"), &h).await;
        assert_eq!(s, 200, "GET /api/v1{p}: {body}");
        assert_no_leak(&format!("GET /api/v1{p}"), &body, t);
        hit.push(("GET", route));
    }
    // Writes: a device's operations at the other grid's site and tube are refused one by one;
    // results and exemptions are refused outright.
    let ops = [
        serde_json::json!({"client_id": "x-open", "tube": "NEWTUBE", "op": "open", "site_id": tt.site}),
        serde_json::json!({"client_id": "x-add", "tube": tt.tube, "op": "add", "resident_id": t.resident_id}),
        serde_json::json!({"client_id": "x-close", "tube": tt.tube, "op": "close"}),
    ];
    let post = |path: String, body: String| {
        let auth = auth.clone();
        async move {
            crate::common::request(
                addr,
                "POST",
                &format!("/api/v1{path}"),
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(body.as_bytes()),
            )
            .await
        }
    };
    for op in &ops {
        let resp = post(format!("/testing/rounds/{r}/ops"), op.to_string()).await;
        assert_eq!(resp.status, 422, "POST ops {op}: {}", resp.body);
        let v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
        assert_eq!(v["code"], "not_collector", "{op}: {v}");
        assert_no_leak(&format!("POST ops {op}"), &resp.body, t);
    }
    hit.push(("POST", "/testing/rounds/{id}/ops"));
    let lines: Vec<String> = ops
        .iter()
        .map(|o| {
            let mut o = o.clone();
            o["client_id"] = format!("b-{}", o["client_id"].as_str().unwrap()).into();
            o["taken_ms"] = wardline::db::now_ms().into();
            o.to_string()
        })
        .collect();
    let resp = post(format!("/testing/rounds/{r}/batch"), lines.join("\n")).await;
    assert_eq!(resp.status, 200, "POST batch: {}", resp.body);
    for line in resp.body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["code"], "not_collector", "batch: {line}");
    }
    assert_eq!(resp.body.lines().count(), 3);
    assert_no_leak("POST batch", &resp.body, t);
    hit.push(("POST", "/testing/rounds/{id}/batch"));
    let resp = post(
        format!("/testing/rounds/{r}/results"),
        serde_json::json!({"results": [{"tube": tt.tube, "result": "positive"}]}).to_string(),
    )
    .await;
    refused("POST results", &resp);
    assert_no_leak("POST results", &resp.body, t);
    hit.push(("POST", "/testing/rounds/{id}/results"));
    let resp = post(
        format!("/testing/rounds/{r}/exemptions"),
        serde_json::json!({"resident_id": t.resident_id, "reason": "away"}).to_string(),
    )
    .await;
    assert_eq!(resp.status, 404, "POST exemptions: {}", resp.body);
    assert_no_leak("POST exemptions", &resp.body, t);
    hit.push(("POST", "/testing/rounds/{id}/exemptions"));
    let _ = db;
    hit
}

/// Audit entries about `t`'s resident, household or grid.
async fn audit_about(db: &Db, t: &Target) -> i64 {
    let (rid, hid) = (t.resident_id, t.household_id);
    db.query_one(
        "SELECT COUNT(*) FROM audit_log WHERE (entity = 'resident' AND entity_id = $1) \
             OR (entity = 'household' AND entity_id = $2) OR area_path >= $3 AND area_path < $4",
        args![
            rid.to_string(),
            hid.to_string(),
            t.grid_code.as_str(),
            path_end(&t.grid_code)
        ],
    )
    .await
    .unwrap()
    .int(0)
}

#[tokio::test]
async fn grid_worker_never_reaches_another_grid_on_any_route() {
    for tdb in backends().await {
        let db = &tdb.db;
        demo(db, 3_000, 1).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let b = login(addr, "demo-grid", wardline::cli::DEMO_PASSWORD).await;
        let token = wardline::access::create_token(db, "demo-grid", "test")
            .await
            .unwrap();

        // Another community's grid, and (when there is one) the next grid of one's own community.
        let other_community = db
            .query_one(
                "SELECT path FROM areas WHERE level = 6 AND path >= '431102002' \
                 AND EXISTS (SELECT 1 FROM residents r WHERE r.path >= areas.path AND r.path < areas.path || '~') \
                 ORDER BY path LIMIT 1",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        let mut targets = vec![target_in(db, &other_community, OWN_GRID).await];
        let sibling = db
            .query_opt(
                "SELECT path FROM areas WHERE level = 6 AND path > $1 AND path < $2 \
                 AND EXISTS (SELECT 1 FROM residents r WHERE r.path >= areas.path AND r.path < areas.path || '~') \
                 ORDER BY path LIMIT 1",
                args![path_end(OWN_GRID), "431102001001~"],
            )
            .await
            .unwrap();
        if let Some(s) = sibling {
            targets.push(target_in(db, &s.string(0), OWN_GRID).await);
        }
        let hq = crate::testing::reader(db, "t-hq", "hq", "431102").await;
        let now = wardline::db::now_ms();
        let round =
            crate::testing::round_over(db, &hq, "431102", 5, now - 3_600_000, now + 3_600_000)
                .await;
        for (k, t) in targets.iter().enumerate() {
            let tt = testing_in(db, t, &round, k).await;
            walk_other(db, addr, &b, &token, t, &tt).await;
        }

        // The positive: the same user sees, searches and changes the records of their own grid,
        // so the refusals above are refusals of scope, not of everything.
        let own = residents_under(db, OWN_GRID).await;
        let (oid, ohh, oname, odoc, _, oaddr) = own.first().cloned().expect("own residents");
        let r = get_page(addr, &format!("/areas/{}", url_enc(OWN_GRID)), &b.cookie).await;
        assert_eq!(r.status, 200, "{}: {}", tdb.name, r.body);
        assert!(r.body.contains(&oaddr) && r.body.contains("id=\"counts\""));
        let r = get_page(addr, &format!("/residents/{oid}"), &b.cookie).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains(&oname) && r.body.contains(&mask_doc(&odoc)));
        assert!(!r.body.contains(&odoc), "full number before a reveal");
        let r = get_page(addr, &format!("/search?q={odoc}"), &b.cookie).await;
        assert!(
            r.body.contains(&format!("/residents/{oid}\"")),
            "{}",
            r.body
        );
        let auth = format!("Bearer {token}");
        let (s, body) = get(
            addr,
            &format!("/api/v1/residents/{oid}"),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        assert!(body.contains(&oname) && !body.contains(&odoc));
        let (s, body) = get(
            addr,
            &format!("/api/v1/households/{ohh}"),
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let audit_before = db
            .query_one("SELECT COUNT(*) FROM audit_log", vec![])
            .await
            .unwrap()
            .int(0);
        let r = post_form(
            addr,
            &format!("/households/{ohh}/edit"),
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("address", "本网格新地址 7 号"),
                ("kind", "home"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let addr_now = db
            .query_one("SELECT address FROM households WHERE id = $1", args![ohh])
            .await
            .unwrap()
            .string(0);
        assert_eq!(addr_now, "本网格新地址 7 号");
        let r = post_form(
            addr,
            &format!("/residents/{oid}/reveal"),
            &b.cookie,
            &[("csrf", &b.csrf), ("reason", "calling about a test result")],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(&odoc), "the reveal shows the number");
        let audit_after = db
            .query_one("SELECT COUNT(*) FROM audit_log", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(audit_after, audit_before + 2, "an edit and a reveal");
    }
}

/// Health follow-up (issue 15): every route with the other grid's area, resident or household
/// is not found (or refused for the role); the worklist answers with nothing of it.
async fn walk_followup(
    addr: std::net::SocketAddr,
    h: &[(&str, &str)],
    grid: &str,
    community: &str,
    rid: i64,
    hid: i64,
    t: &Target,
) -> Vec<(&'static str, &'static str)> {
    let mut hit = Vec::new();
    for route in ["/followup/figures", "/followup/orders"] {
        for code in [grid, community] {
            let p = format!("/api/v1{route}?area={code}");
            let (s, body) = get(addr, &p, h).await;
            assert_eq!(s, 404, "GET {p}: {body}");
            assert_no_leak(&p, &body, t);
        }
        hit.push(("GET", route));
    }
    let p = format!("/api/v1/residents/{rid}/quarantine");
    let (s, body) = get(addr, &p, h).await;
    assert_eq!(s, 404, "GET {p}: {body}");
    hit.push(("GET", "/residents/{id}/quarantine"));
    let (s, body) = get(addr, "/api/v1/followup/worklist", h).await;
    assert_eq!(s, 200, "{body}");
    assert_no_leak("GET /api/v1/followup/worklist", &body, t);
    hit.push(("GET", "/followup/worklist"));
    for (route, body) in [
        (
            "/followup/orders",
            serde_json::json!({"resident_id": rid, "kind": "home", "reason": "close", "rule": "7+3", "start": "2026-03-02", "ordered_by": "x"}),
        ),
        (
            "/followup/order-changes",
            serde_json::json!({"order_id": 1, "end": "2026-03-20", "reason": "x"}),
        ),
        (
            "/followup/order-ends",
            serde_json::json!({"order_id": 1, "reason": "released", "override_reason": "x"}),
        ),
        (
            "/followup/checks",
            serde_json::json!({"resident_id": rid, "outcome": "well"}),
        ),
        (
            "/followup/self-report",
            serde_json::json!({"token": "not-a-link", "resident_id": rid, "temperature": "36.5"}),
        ),
        (
            "/followup/contacts",
            serde_json::json!({"household_id": hid, "outcome": "well"}),
        ),
    ] {
        let b = body.to_string();
        let mut headers = h.to_vec();
        headers.push(("Content-Type", "application/json"));
        let r = crate::common::request(
            addr,
            "POST",
            &format!("/api/v1{route}"),
            &headers,
            Some(b.as_bytes()),
        )
        .await;
        assert!(
            matches!(r.status, 403 | 404),
            "POST {route}: {} {}",
            r.status,
            r.body
        );
        assert_no_leak(&format!("POST {route}"), &r.body, t);
        hit.push(("POST", route));
    }
    // The device's batch: each line refused (404) on its own, nothing of the other grid shown.
    let lines = [
        serde_json::json!({"op": "check", "client_id": "walk-b1", "resident_id": rid, "outcome": "well"}),
        serde_json::json!({"op": "contact", "client_id": "walk-b2", "household_id": hid, "outcome": "well"}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let r = crate::common::request(
        addr,
        "POST",
        "/api/v1/followup/batch",
        h,
        Some(lines.as_bytes()),
    )
    .await;
    assert_eq!(r.status, 200, "POST /followup/batch: {}", r.body);
    for l in r.body.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        assert_eq!(v["status"], 404, "POST /followup/batch: {l}");
    }
    assert_no_leak("POST /followup/batch", &r.body, t);
    hit.push(("POST", "/followup/batch"));
    let (s, body) = get(addr, "/api/v1/followup/referred", h).await;
    assert!(matches!(s, 200 | 403), "GET /followup/referred: {s} {body}");
    if s == 200 {
        assert_eq!(body.trim(), "[]", "GET /followup/referred");
    }
    assert_no_leak("GET /api/v1/followup/referred", &body, t);
    hit.push(("GET", "/followup/referred"));
    let mut headers = h.to_vec();
    headers.push(("Content-Type", "application/json"));
    for id in 1..=3 {
        let b = serde_json::json!({"entry_id": id}).to_string();
        let r = crate::common::request(
            addr,
            "POST",
            "/api/v1/followup/referred-reveals",
            &headers,
            Some(b.as_bytes()),
        )
        .await;
        assert!(
            matches!(r.status, 403 | 404),
            "POST referred-reveals: {} {}",
            r.status,
            r.body
        );
        assert_no_leak("POST /followup/referred-reveals", &r.body, t);
    }
    hit.push(("POST", "/followup/referred-reveals"));
    for id in 1..=3 {
        let b = serde_json::json!({"entry_id": id, "kind": "home", "rule": "7+3",
            "start": wardline::quarantine::date_of(wardline::quarantine::day_of(wardline::db::now_ms())),
            "ordered_by": "HQ", "client_id": format!("walk-v{id}")})
        .to_string();
        let r = crate::common::request(
            addr,
            "POST",
            "/api/v1/followup/visitor-orders",
            &headers,
            Some(b.as_bytes()),
        )
        .await;
        assert!(
            matches!(r.status, 403 | 404),
            "POST visitor-orders: {} {}",
            r.status,
            r.body
        );
        assert_no_leak("POST /followup/visitor-orders", &r.body, t);
    }
    hit.push(("POST", "/followup/visitor-orders"));
    hit
}

/// A checkpoint in the other grid where the target resident passed once; its id.
async fn checkpoint_of_other_grid(db: &Db, t: &Target) -> i64 {
    use wardline::checkpoints::{self, ingest};
    let admin = crate::testing::reader(db, "cp-walk-admin", "admin", "431102").await;
    let actor = crate::testing::actor(&admin);
    let place = wardline::mobilization::roster::add_place(
        db,
        &actor,
        &admin,
        &t.grid_code,
        "其他网格卡口",
        "checkpoint",
    )
    .await
    .unwrap();
    checkpoints::set_up(
        db,
        &actor,
        &admin,
        place,
        &checkpoints::Settings {
            kind: "gate".into(),
            validity_h: 48,
            require_test: false,
            lanes: vec![],
        },
    )
    .await
    .unwrap();
    let cp = checkpoints::by_id(db, place).await.unwrap().unwrap();
    let sub = ingest::Submission {
        reader: admin.clone(),
        checkpoint: cp,
        access: checkpoints::Access::Officer,
        lanes: vec![],
        ops: vec![ingest::Op::Person(ingest::EntryIn {
            client_id: "walk".into(),
            at_ms: None,
            direction: Some("out".into()),
            lane_id: None,
            person: ingest::PersonIn::Code(t.doc.clone()),
            seen: ingest::Seen {
                health_code: Some("green".into()),
                decision: Some("pass".into()),
                ..Default::default()
            },
        })],
    };
    let out = ingest::apply(db, &[&sub]).await.unwrap();
    assert!(out[0][0].is_logged(), "{:?}", out[0][0]);
    place
}

/// The checkpoints' API routes for the grid worker, against a checkpoint of the other grid
/// where the target resident passed: not found, nothing of them in any answer.
async fn walk_checkpoints(
    db: &Db,
    addr: std::net::SocketAddr,
    token: &str,
    t: &Target,
    place: i64,
) -> Vec<(&'static str, &'static str)> {
    let auth = format!("Bearer {token}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let mut hit = Vec::new();
    let grid = url_enc(&t.grid_code);
    for (p, route) in [
        (
            format!("/checkpoints/figures?area={grid}"),
            "/checkpoints/figures",
        ),
        (
            format!("/checkpoints/{place}/lookup?code={}", t.doc),
            "/checkpoints/{id}/lookup",
        ),
        (
            format!("/checkpoints/{place}/visitors"),
            "/checkpoints/{id}/visitors",
        ),
        (format!("/checkpoints/{place}/log"), "/checkpoints/{id}/log"),
        (
            format!("/checkpoints/{place}/figures"),
            "/checkpoints/{id}/figures",
        ),
    ] {
        let (s, body) = get(addr, &format!("/api/v1{p}"), &h).await;
        assert_eq!(s, 404, "GET /api/v1{p}: {body}");
        assert_no_leak(&format!("GET /api/v1{p}"), &body, t);
        hit.push(("GET", route));
    }
    let (s, body) = get(addr, "/api/v1/checkpoints", &h).await;
    assert_eq!(s, 200, "{body}");
    assert!(!body.contains("其他网格卡口"), "{body}");
    assert_no_leak("GET /api/v1/checkpoints", &body, t);
    hit.push(("GET", "/checkpoints"));
    let op = serde_json::json!({"op": "person", "client_id": "x", "direction": "in",
        "person": {"code": t.doc}, "health_code": "green", "decision": "pass"})
    .to_string();
    for (p, route) in [
        (format!("/checkpoints/{place}/ops"), "/checkpoints/{id}/ops"),
        (
            format!("/checkpoints/{place}/batch"),
            "/checkpoints/{id}/batch",
        ),
    ] {
        let r = crate::common::request(
            addr,
            "POST",
            &format!("/api/v1{p}"),
            &h,
            Some(op.as_bytes()),
        )
        .await;
        assert_eq!(r.status, 404, "POST /api/v1{p}: {}", r.body);
        assert_no_leak(&format!("POST /api/v1{p}"), &r.body, t);
        hit.push(("POST", route));
    }
    let n: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM pass_entries WHERE place_id = $1",
            args![place],
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing written by the outsider");
    hit
}

/// Zones, vaccination and supplies (issues 14, 16, 17): every route with the other grid's area,
/// resident or household is refused or not found, or (lists of the reader's own scope and the
/// public disclosure) answers with nothing of the other grid's people.
async fn walk_zones_vaccination_supplies(
    addr: std::net::SocketAddr,
    h: &[(&str, &str)],
    grid: &str,
    community: &str,
    rid: i64,
    hid: i64,
    t: &Target,
) -> Vec<(&'static str, &'static str)> {
    let mut hit = Vec::new();
    let refused = |s: u16| matches!(s, 403 | 404);
    let gets: Vec<(&'static str, String, bool)> = vec![
        ("/zones", format!("/zones?area={grid}"), true),
        (
            "/zones/figures",
            format!("/zones/figures?area={grid}"),
            true,
        ),
        ("/zones/{id}", "/zones/1".to_owned(), true),
        (
            "/households/{id}/zone",
            format!("/households/{hid}/zone"),
            true,
        ),
        (
            "/vaccination/residents/{id}",
            format!("/vaccination/residents/{rid}"),
            true,
        ),
        (
            "/vaccination/worklist",
            format!("/vaccination/worklist?area={grid}"),
            true,
        ),
        (
            "/vaccination/figures",
            format!("/vaccination/figures?area={grid}"),
            true,
        ),
        (
            "/supplies/figures",
            format!("/supplies/figures?area={grid}"),
            true,
        ),
        (
            "/supplies/stores/{id}",
            "/supplies/stores/1".to_owned(),
            true,
        ),
        (
            "/supplies/stores/{id}/card",
            "/supplies/stores/1/card".to_owned(),
            true,
        ),
        // Lists of the reader's own scope, and the public disclosure: no person of the other grid.
        ("/supplies/stores", "/supplies/stores".to_owned(), false),
        ("/supplies/trips", "/supplies/trips".to_owned(), false),
        (
            "/supplies/disclosure/{code}",
            format!("/supplies/disclosure/{community}"),
            false,
        ),
        ("/supplies/settings", "/supplies/settings".to_owned(), false),
        // HQ's overview (issue 18): figures of another area are refused.
        (
            "/hq/overview",
            format!("/hq/overview?area={community}"),
            true,
        ),
    ];
    for (route, p, must_refuse) in gets {
        let p = format!("/api/v1{p}");
        let (s, body) = get(addr, &p, h).await;
        if must_refuse {
            assert!(refused(s), "GET {p}: {s} {body}");
        } else {
            assert!(s == 200 || refused(s), "GET {p}: {s} {body}");
        }
        // The public disclosure names its own area (public by design), never a person.
        let body = if route == "/supplies/disclosure/{code}" {
            body.replace(t.community_name.as_str(), "")
        } else {
            body
        };
        assert_no_leak(&p, &body, t);
        hit.push(("GET", route));
    }
    let posts: Vec<(&'static str, String, serde_json::Value)> = vec![
        (
            "/zones/declare",
            "/zones/declare".into(),
            serde_json::json!({"client_id": "w1", "household_id": hid, "kind": "sealed", "start_ms": wardline::db::now_ms(), "reason": "r", "decided_by": "d"}),
        ),
        (
            "/zones/{id}/extend",
            "/zones/1/extend".into(),
            serde_json::json!({"client_id": "w2", "planned_end_ms": wardline::db::now_ms() + 86_400_000, "reason": "r", "decided_by": "d"}),
        ),
        (
            "/zones/{id}/lift",
            "/zones/1/lift".into(),
            serde_json::json!({"client_id": "w3", "reason": "r", "decided_by": "d"}),
        ),
        (
            "/vaccination/residents/{id}/doses",
            format!("/vaccination/residents/{rid}/doses"),
            serde_json::json!({"product": "adenovirus", "given_on": "2026-01-05", "client_id": "w4"}),
        ),
        (
            "/vaccination/residents/{id}/tickoffs",
            format!("/vaccination/residents/{rid}/tickoffs"),
            serde_json::json!({"reason": "not_reached", "client_id": "w5"}),
        ),
        (
            "/vaccination/residents/{id}/rides",
            format!("/vaccination/residents/{rid}/rides"),
            serde_json::json!({"site": "x", "on_day": "2026-12-31", "client_id": "w6"}),
        ),
        (
            "/supplies/gifts",
            "/supplies/gifts".into(),
            serde_json::json!({"client_id": "w7"}),
        ),
        (
            "/supplies/movements",
            "/supplies/movements".into(),
            serde_json::json!({"client_id": "w8", "to_household": hid}),
        ),
        (
            "/supplies/movements/{id}/reverse",
            "/supplies/movements/1/reverse".into(),
            serde_json::json!({"client_id": "w9", "reason": "x"}),
        ),
        (
            "/supplies/needs/{id}/handouts",
            "/supplies/needs/1/handouts".into(),
            serde_json::json!({"client_id": "w10"}),
        ),
        (
            "/supplies/receipts",
            "/supplies/receipts".into(),
            serde_json::json!({"client_id": "w11"}),
        ),
        (
            "/supplies/spendings",
            "/supplies/spendings".into(),
            serde_json::json!({"client_id": "w12"}),
        ),
        (
            "/supplies/spendings/{id}/approve",
            "/supplies/spendings/1/approve".into(),
            serde_json::json!({"client_id": "w13"}),
        ),
        (
            "/supplies/transfers",
            "/supplies/transfers".into(),
            serde_json::json!({"client_id": "w14"}),
        ),
        (
            "/supplies/trips",
            "/supplies/trips".into(),
            serde_json::json!({"client_id": "w15"}),
        ),
        (
            "/supplies/stock-takes",
            "/supplies/stock-takes".into(),
            serde_json::json!({"client_id": "w16", "store": "1", "reason": "x", "approver": "admin", "counts": {"1": "0"}}),
        ),
        (
            "/supplies/settings",
            "/supplies/settings".into(),
            serde_json::json!({"threshold": "1"}),
        ),
    ];
    for (route, p, body) in posts {
        let b = body.to_string();
        let mut headers = h.to_vec();
        headers.push(("Content-Type", "application/json"));
        let r = crate::common::request(
            addr,
            "POST",
            &format!("/api/v1{p}"),
            &headers,
            Some(b.as_bytes()),
        )
        .await;
        assert!(
            matches!(r.status, 403 | 404),
            "POST {p}: {} {}",
            r.status,
            r.body
        );
        assert_no_leak(&format!("POST {p}"), &r.body, t);
        hit.push(("POST", route));
    }
    hit
}

/// The HQ routes (issue 18): a grid worker reads no overview, briefing, report or snapshot,
/// of any area.
async fn walk_hq(
    addr: std::net::SocketAddr,
    h: &[(&str, &str)],
    community: &str,
    t: &Target,
) -> Vec<(&'static str, &'static str)> {
    let mut hit = Vec::new();
    for (route, p) in [
        ("/hq/overview", format!("/hq/overview?area={community}")),
        ("/hq/briefing", format!("/hq/briefing?area={community}")),
        (
            "/hq/briefing",
            "/hq/briefing?area=431102&period=week".to_owned(),
        ),
        ("/hq/reports", "/hq/reports".to_owned()),
        ("/hq/snapshots", "/hq/snapshots".to_owned()),
        ("/hq/snapshots/{id}", "/hq/snapshots/1".to_owned()),
    ] {
        let p = format!("/api/v1{p}");
        let (s, body) = get(addr, &p, h).await;
        assert!(matches!(s, 403 | 404), "GET {p}: {s} {body}");
        assert_no_leak(&p, &body, t);
        hit.push(("GET", route));
    }
    // Commendations: a grid worker reads, proposes and decides none.
    let (s, body) = get(addr, "/api/v1/hq/commendations", h).await;
    assert_eq!(s, 403, "GET /hq/commendations: {body}");
    hit.push(("GET", "/hq/commendations"));
    let mut hj: Vec<(&str, &str)> = h.to_vec();
    hj.push(("Content-Type", "application/json"));
    for (route, p, b) in [
        (
            "/hq/commendations",
            "/api/v1/hq/commendations",
            r#"{"subject_kind":"volunteer","subject_id":1,"citation":"x","client_id":"w1"}"#,
        ),
        (
            "/hq/commendations/{id}/decision",
            "/api/v1/hq/commendations/1/decision",
            r#"{"decision":"approve"}"#,
        ),
    ] {
        let r = crate::common::request(addr, "POST", p, &hj, Some(b.as_bytes())).await;
        refused(&format!("POST {p}"), &r);
        assert_no_leak(p, &r.body, t);
        hit.push(("POST", route));
    }
    hit
}

/// The field writes (issue 19) as the outsider: every one refused (each batch line too), none
/// leaking, none changing the other grid's records.
async fn walk_field_writes(
    db: &Db,
    addr: std::net::SocketAddr,
    h: &[(&str, &str)],
    grid: &str,
    rid: i64,
    hid: i64,
    t: &Target,
) -> Vec<(&'static str, &'static str)> {
    let need = db
        .query_opt("SELECT MIN(id) FROM needs", vec![])
        .await
        .unwrap()
        .and_then(|r| r.opt_int(0))
        .unwrap_or(1);
    let before = snapshot(db, t).await;
    let posts: Vec<(&'static str, String, serde_json::Value)> = vec![
        (
            "/needs",
            "/needs".into(),
            serde_json::json!({"client_id": "f1", "household": hid, "category": "medicine", "urgency": "2", "description": "x", "source": "grid"}),
        ),
        (
            "/needs/{id}/claim",
            format!("/needs/{need}/claim"),
            serde_json::json!({"client_id": "f2"}),
        ),
        (
            "/needs/{id}/contact",
            format!("/needs/{need}/contact"),
            serde_json::json!({"client_id": "f3"}),
        ),
        (
            "/needs/{id}/done",
            format!("/needs/{need}/done"),
            serde_json::json!({"client_id": "f4"}),
        ),
        (
            "/needs/{id}/unable",
            format!("/needs/{need}/unable"),
            serde_json::json!({"client_id": "f5", "reason": "x"}),
        ),
        (
            "/needs/{id}/items",
            format!("/needs/{need}/items"),
            serde_json::json!({"client_id": "f6", "kind": "medicine", "quantity": 1}),
        ),
        (
            "/needs/batch",
            "/needs/batch".into(),
            serde_json::json!({"op": "register", "client_id": "f7", "household": hid, "category": "medicine", "urgency": "2", "description": "x", "source": "grid"}),
        ),
        (
            "/duty/checks",
            "/duty/checks".into(),
            serde_json::json!({"client_id": "f8", "place": "x"}),
        ),
        (
            "/duty/batch",
            "/duty/batch".into(),
            serde_json::json!({"client_id": "f9", "place": "x"}),
        ),
        (
            "/households",
            "/households".into(),
            serde_json::json!({"client_id": "f10", "area": grid, "address": "篡改 1 号"}),
        ),
        (
            "/households/{id}/corrections",
            format!("/households/{hid}/corrections"),
            serde_json::json!({"client_id": "f11", "address": "篡改 2 号"}),
        ),
        (
            "/households/{id}/residents",
            format!("/households/{hid}/residents"),
            serde_json::json!({"client_id": "f12", "name": "x", "doc_type": "id_card", "doc_number": id_number("19850607", 902)}),
        ),
        (
            "/residents/{id}/corrections",
            format!("/residents/{rid}/corrections"),
            serde_json::json!({"client_id": "f13", "name": "x", "doc_type": "id_card", "doc_number": t.doc_masked}),
        ),
    ];
    let mut hit = Vec::new();
    for (route, p, body) in posts {
        let p = format!("/api/v1{p}");
        let mut hs = h.to_vec();
        hs.push(("Content-Type", "application/json"));
        let r =
            crate::common::request(addr, "POST", &p, &hs, Some(body.to_string().as_bytes())).await;
        if route.ends_with("/batch") {
            assert_eq!(r.status, 200, "POST {p}: {}", r.body);
            for line in r.body.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let s = v["status"].as_i64().unwrap_or(0);
                assert!(matches!(s, 400 | 403 | 404), "POST {p}: {line}");
            }
        } else {
            assert!(
                matches!(r.status, 400 | 403 | 404),
                "POST {p}: {} {}",
                r.status,
                r.body
            );
        }
        assert_no_leak(&format!("POST {p}"), &r.body, t);
        hit.push(("POST", route));
    }
    assert_eq!(
        snapshot(db, t).await,
        before,
        "a field write changed the other grid"
    );
    hit
}
