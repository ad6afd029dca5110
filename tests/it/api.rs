//! The JSON API over real HTTP: authentication, scope, masking, errors in the reader's language.

use wardline::access;
use wardline::args;

use crate::common::{backends, demo, get, serve};

async fn token(db: &wardline::db::Db, user: &str, role: &str, scope: &str) -> String {
    access::create_account(db, user, user, role, &[scope.to_string()])
        .await
        .unwrap();
    access::create_token(db, user, "test").await.unwrap()
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[tokio::test]
async fn api_serves_the_registry_within_scope_and_nothing_outside() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 11).await;
        let addr = serve(db).await;
        let street_a = token(db, "a", "street", "431102001").await;
        let street_b = token(db, "b", "street", "431102002").await;
        let volunteer = token(db, "v", "volunteer", "431102001").await;
        let hq = token(db, "hq", "hq", "431102").await;

        let (s, body) = get(addr, "/healthz", &[]).await;
        assert_eq!((s, body.as_str()), (200, "ok"), "{}", t.name);

        // No token, a wrong token: 401, in the reader's language.
        let (s, body) = get(
            addr,
            "/api/v1/areas/431102",
            &[("Accept-Language", "en-US,en;q=0.9")],
        )
        .await;
        assert_eq!(s, 401);
        assert!(body.contains("API token"), "{body}");
        let (s, body) = get(
            addr,
            "/api/v1/areas/431102",
            &[("Authorization", "Bearer wl_nope")],
        )
        .await;
        assert_eq!(s, 401);
        assert!(body.contains("令牌"), "Chinese by default: {body}");

        // The county with counts, for HQ.
        let ha = bearer(&hq);
        let (s, body) = get(addr, "/api/v1/areas/431102", &[("Authorization", &ha)]).await;
        assert_eq!(s, 200, "{}: {body}", t.name);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["name"], "零陵区");
        assert_eq!(v["counts"]["residents"], 3000);
        let (s, body) = get(
            addr,
            "/api/v1/areas/431102/children?limit=3",
            &[("Authorization", &ha)],
        )
        .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 3);
        assert!(v["next"].is_string());

        // Street A sees its street, not the county (not even a count) and not street B.
        let aa = bearer(&street_a);
        let (s, _) = get(addr, "/api/v1/areas/431102001", &[("Authorization", &aa)]).await;
        assert_eq!(s, 200);
        for path in [
            "/api/v1/areas/431102",
            "/api/v1/areas/431102002",
            "/api/v1/areas/431102002/households",
            "/api/v1/areas/431102002/children",
        ] {
            let (s, body) = get(addr, path, &[("Authorization", &aa)]).await;
            assert_eq!(s, 404, "{} {path}: {body}", t.name);
            assert!(!body.contains("residents"), "no counts leak: {body}");
        }
        // A resident and a household in street B.
        let rb = db
            .query_one("SELECT id, household_id, doc_number FROM residents WHERE path >= '431102002' AND path < '431102002~' LIMIT 1", vec![])
            .await
            .unwrap();
        let (rid, hid, doc) = (rb.int(0), rb.int(1), rb.string(2));
        for path in [
            format!("/api/v1/residents/{rid}"),
            format!("/api/v1/households/{hid}"),
        ] {
            let (s, _) = get(addr, &path, &[("Authorization", &aa)]).await;
            assert_eq!(s, 404, "{} {path}", t.name);
        }
        let (s, body) = get(
            addr,
            &format!("/api/v1/residents/search?q={doc}"),
            &[("Authorization", &aa)],
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            body.contains("\"items\":[]"),
            "{}: look-up outside scope found {body}",
            t.name
        );
        // Street B sees them, masked: the full number never appears.
        let ba = bearer(&street_b);
        let (s, body) = get(
            addr,
            &format!("/api/v1/households/{hid}"),
            &[("Authorization", &ba)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        assert!(body.contains(&format!("\"id\":{rid}")) || body.contains("residents"));
        assert!(!body.contains(&doc), "full ID number leaked: {body}");
        // The birth date is exactly what the mask hides: views carry the age only.
        assert!(
            !body.contains("birth_date") && body.contains("\"age\""),
            "{body}"
        );
        assert!(
            !body.contains(&doc[6..14]),
            "birth date digits leaked: {body}"
        );
        let (s, body) = get(
            addr,
            &format!("/api/v1/residents/search?q={doc}"),
            &[("Authorization", &ba)],
        )
        .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"][0]["id"], rid);
        assert!(!body.contains(&doc));
        let phone = db.query_one("SELECT phone FROM residents WHERE phone IS NOT NULL AND path >= '431102002' LIMIT 1", vec![]).await.unwrap();
        let (_, body) = get(
            addr,
            "/api/v1/areas/431102002/households?limit=200",
            &[("Authorization", &ba)],
        )
        .await;
        assert!(!body.contains(phone.text(0)));

        // A volunteer reads no personal data even inside their scope.
        let va = bearer(&volunteer);
        let ra = db
            .query_one("SELECT id FROM residents WHERE path >= '431102001' AND path < '431102001~' LIMIT 1", vec![])
            .await
            .unwrap()
            .int(0);
        let (s, _) = get(
            addr,
            &format!("/api/v1/residents/{ra}"),
            &[("Authorization", &va)],
        )
        .await;
        assert_eq!(s, 404, "{}", t.name);
        // … and no counts either.
        for path in [
            "/api/v1/areas/431102001",
            "/api/v1/areas/431102001/children",
            "/api/v1/areas",
        ] {
            let (_, body) = get(addr, path, &[("Authorization", &va)]).await;
            assert!(!body.contains("\"residents\""), "{} {path}: {body}", t.name);
        }
        let (s, _) = get(
            addr,
            &format!("/api/v1/residents/{ra}"),
            &[("Authorization", &aa)],
        )
        .await;
        assert_eq!(s, 200);

        // A revoked token stops working at once on the node that revoked it (other nodes of a
        // cluster within access::TOKEN_CACHE_MS).
        let (acc, tok) = {
            let r = db
                .query_one(
                    "SELECT a.id, t.id FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
                     WHERE a.username = 'a'",
                    vec![],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1))
        };
        access::revoke_token(db, &wardline::audit::Actor::cli(), acc, tok)
            .await
            .unwrap();
        let (s, _) = get(addr, "/api/v1/areas/431102001", &[("Authorization", &aa)]).await;
        assert_eq!(s, 401, "{}", t.name);
    }
}

#[tokio::test]
async fn api_pages_households_by_key_and_rejects_bad_cursors() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 1_500, 2).await;
        let addr = serve(db).await;
        let hq = bearer(&token(db, "hq", "hq", "431102").await);
        let mut ids = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(n) => format!("/api/v1/areas/431102001/households?limit=50&after={n}"),
                None => "/api/v1/areas/431102001/households?limit=50".into(),
            };
            let (s, body) = get(addr, &path, &[("Authorization", &hq)]).await;
            assert_eq!(s, 200, "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            ids.extend(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["id"].as_i64().unwrap()),
            );
            next = v["next"].as_str().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        let direct = db
            .query_one(
                "SELECT COUNT(*) FROM households WHERE path >= '431102001' AND path < '431102001~'",
                args![],
            )
            .await
            .unwrap()
            .int(0);
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(ids.len() as i64, direct, "{}", t.name);
        assert_eq!(unique.len(), ids.len());
        let (s, body) = get(
            addr,
            "/api/v1/areas/431102001/households?after=abc",
            &[("Authorization", &hq), ("Accept-Language", "en")],
        )
        .await;
        assert_eq!(s, 400, "{body}");
        assert!(body.contains("cursor"), "{body}");
        // Malformed parameters get the same bilingual JSON errors as everything else.
        let (s, body) = get(
            addr,
            "/api/v1/areas/431102001/households?limit=abc",
            &[("Authorization", &hq)],
        )
        .await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("每页条数"), "{body}");
        for path in ["/api/v1/households/abc", "/api/v1/no-such-route"] {
            let (s, body) = get(
                addr,
                path,
                &[("Authorization", &hq), ("Accept-Language", "en")],
            )
            .await;
            assert_eq!(
                (s, body.contains("\"not_found\"")),
                (404, true),
                "{path}: {body}"
            );
        }
        // A cursor from another list (another street's household) is refused, not followed.
        let other = db
            .query_one(
                "SELECT id FROM households WHERE path >= '431102002' AND path < '431102002~' LIMIT 1",
                args![],
            )
            .await
            .unwrap()
            .int(0);
        let path = format!("/api/v1/areas/431102001/households?after={other}");
        let (s, _) = get(addr, &path, &[("Authorization", &hq)]).await;
        assert_eq!(s, 400, "{}", t.name);
        // A name-search cursor naming a resident outside the scope is refused.
        let street = bearer(&token(db, "st", "street", "431102001").await);
        let outside = db
            .query_one(
                "SELECT id FROM residents WHERE path >= '431102002' AND path < '431102002~' LIMIT 1",
                args![],
            )
            .await
            .unwrap()
            .int(0);
        let path = format!("/api/v1/residents/search?q=%E7%8E%8B&after={outside}");
        let (s, _) = get(addr, &path, &[("Authorization", &street)]).await;
        assert_eq!(
            s, 400,
            "{}: a name cursor outside the scope is refused",
            t.name
        );
    }
}
