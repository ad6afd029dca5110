//! The testing JSON API over real HTTP: operations (200 accepted or flagged, 422 refused, in
//! the caller's language), retries, offline NDJSON batches, results, exemptions, the coverage
//! reads, and scope. On both backends.

use serde_json::{json, Value};
use wardline::access;
use wardline::args;
use wardline::db::{now_ms, Db};
use wardline::registry::model::LEVEL_GRID;

use crate::common::{backends, demo_under, request, serve, Resp};
use crate::testing::{areas_at, check_coverage, household, reader, round_over, site};

const HOUR: i64 = 3_600_000;

struct Api {
    addr: std::net::SocketAddr,
}

impl Api {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        lang: &str,
        body: Option<&str>,
    ) -> Resp {
        let auth = format!("Bearer {token}");
        let mut h = vec![("Accept-Language", lang)];
        if !token.is_empty() {
            h.push(("Authorization", auth.as_str()));
        }
        if body.is_some() {
            h.push(("Content-Type", "application/json"));
        }
        request(
            self.addr,
            method,
            &format!("/api/v1{path}"),
            &h,
            body.map(str::as_bytes),
        )
        .await
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self.call("GET", path, token, "en", None).await;
        let v = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("GET {path}: {}", r.body));
        (r.status, v)
    }

    async fn post(&self, path: &str, token: &str, lang: &str, body: &Value) -> (u16, Value) {
        let r = self
            .call("POST", path, token, lang, Some(&body.to_string()))
            .await;
        let v = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("POST {path}: {}", r.body));
        (r.status, v)
    }
}

async fn token(db: &Db, user: &str) -> String {
    access::create_token(db, user, "device").await.unwrap()
}

#[tokio::test]
async fn api_operations_batches_results_exemptions_and_reads() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 1_000, 51, "431102001").await;
        let grids = areas_at(db, LEVEL_GRID).await;
        let g = grids[0].clone();
        let g2 = grids.iter().find(|x| x[..12] != g[..12]).unwrap().clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        reader(db, "col", "collector", "431102").await;
        reader(db, "lab", "lab", "431102").await;
        reader(db, "gw", "grid", &g).await;
        reader(db, "gw2", "grid", &g2).await;
        reader(db, "vol", "volunteer", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        let s = site(db, &hq, &round, &g, &["col"]).await;
        let (hq_t, col_t, lab_t, gw_t, gw2_t, vol_t) = (
            token(db, "hq").await,
            token(db, "col").await,
            token(db, "lab").await,
            token(db, "gw").await,
            token(db, "gw2").await,
            token(db, "vol").await,
        );
        let (hh, m) = household(db, &g, 3, 0).await;
        let (_, other) = household(db, &g2, 1, 0).await;
        let api = Api {
            addr: serve(db).await,
        };
        let r = round.id;
        let ops = format!("/testing/rounds/{r}/ops");

        // One operation: 200 when accepted, in the caller's language.
        let (st, v) = api
            .post(
                &ops,
                &col_t,
                "zh-CN",
                &json!({"client_id": "o1", "tube": "T1", "op": "open"}),
            )
            .await;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(
            (v["status"].as_str(), v["code"].as_str()),
            (Some("accepted"), Some("opened"))
        );
        assert_eq!(v["text"], "已开管");
        assert_eq!(v["tube"]["site_id"], s);
        let add = |cid: &str, tube: &str, who: i64| json!({"client_id": cid, "tube": tube, "op": "add", "qr": crate::testing::code(who)});
        let (st, v) = api.post(&ops, &col_t, "en", &add("a1", "T1", m[0])).await;
        assert_eq!(
            (st, v["code"].as_str()),
            (200, Some("added")),
            "{name}: {v}"
        );
        assert_eq!(v["text"], "added");
        assert_eq!(v["replayed"], false);
        assert_eq!(v["person"]["resident_id"], m[0]);
        assert!(
            v["person"]["name"].as_str().unwrap().contains('*'),
            "masked: {v}"
        );
        // The retry: the same answer, replayed.
        let (st, v2) = api.post(&ops, &col_t, "en", &add("a1", "T1", m[0])).await;
        assert_eq!(st, 200);
        assert_eq!(v2["replayed"], true, "{name}: {v2}");
        assert_eq!(v2["tube"], v["tube"]);
        // Flagged is 200 too; refused is 422 with the code and the reason in the language.
        let (st, v) = api.post(&ops, &col_t, "en", &add("a2", "T1", m[0])).await;
        assert_eq!(
            (st, v["status"].as_str(), v["code"].as_str()),
            (200, Some("flagged"), Some("already_sampled"))
        );
        let (st, v) = api
            .post(&ops, &col_t, "zh-CN,zh;q=0.9", &add("a3", "NOPE", m[1]))
            .await;
        assert_eq!(
            (st, v["status"].as_str(), v["code"].as_str()),
            (422, Some("refused"), Some("unknown_tube")),
            "{v}"
        );
        assert_eq!(v["text"], "本轮检测中没有已开的此条码试管，请先开管");
        let (st, v) = api
            .post(&ops, &col_t, "en-US", &add("a4", "NOPE", m[1]))
            .await;
        assert_eq!(st, 422);
        assert_eq!(
            v["text"],
            "no tube with this barcode is open in this round: open it first"
        );
        assert_eq!(
            v["message"]["zh"],
            "本轮检测中没有已开的此条码试管，请先开管"
        );
        // Every way of naming a person, as a device writes it.
        let secret = wardline::testing::qr_secret(db).await.unwrap();
        let (extra, dt, dn) = {
            let r = db
                .query_one(
                    "SELECT id, doc_type, doc_number FROM residents WHERE path >= $1 AND path < $2 \
                     AND household_id <> $3 ORDER BY id LIMIT 1",
                    args![g.as_str(), wardline::db::path_end(&g), hh],
                )
                .await
                .unwrap();
            (r.int(0), r.string(1), r.string(2))
        };
        for (cid, person, code, who) in [
            (
                "n1",
                json!({"qr": wardline::testing::resident_code(&secret, extra)}),
                "added",
                Some(extra),
            ),
            (
                "n2",
                json!({"doc": {"doc_type": dt, "number": dn}}),
                "already_sampled",
                Some(extra),
            ),
            (
                "n3",
                json!({"walk_in": {"number": crate::access::id_number("19900101", 990), "name": "临时", "phone": "13900001111"}}),
                "walk_in",
                None,
            ),
        ] {
            let mut op = json!({"client_id": cid, "tube": "T1", "op": "add"});
            op.as_object_mut()
                .unwrap()
                .extend(person.as_object().unwrap().clone());
            let (st, v) = api.post(&ops, &col_t, "en", &op).await;
            assert_eq!(
                (st, v["code"].as_str()),
                (200, Some(code)),
                "{name}: {op} → {v}"
            );
            assert_eq!(v["person"]["resident_id"].as_i64(), who, "{v}");
        }
        // Two ways at once is not an operation.
        let both =
            json!({"client_id": "n4", "tube": "T1", "op": "add", "resident_id": m[1], "qr": "x"});
        let (st, v) = api.post(&ops, &col_t, "en", &both).await;
        assert_eq!(st, 422, "{name}: {v}");
        // Not an operation at all; no token; a round that does not exist.
        let r2 = api
            .call("POST", &ops, &col_t, "en", Some("{\"client_id\": 5"))
            .await;
        assert_eq!(r2.status, 422, "{}", r2.body);
        assert!(r2.body.contains("\"invalid\""));
        let r2 = api
            .call(
                "POST",
                &ops,
                "",
                "en",
                Some(&add("a5", "T1", m[1]).to_string()),
            )
            .await;
        assert_eq!(r2.status, 401);
        let (st, _) = api
            .post(
                "/testing/rounds/999999/ops",
                &col_t,
                "en",
                &add("a6", "T1", m[1]),
            )
            .await;
        assert_eq!(st, 404);
        let (st, _) = api
            .post(
                "/testing/rounds/abc/ops",
                &col_t,
                "en",
                &add("a6", "T1", m[1]),
            )
            .await;
        assert_eq!(st, 404);

        // An offline batch: one answer line per input line, with its line number.
        let ms = now - 120_000;
        let lines = [
            json!({"client_id": "b1", "tube": "T2", "op": "open", "taken_ms": ms}).to_string(),
            json!({"client_id": "b2", "tube": "T2", "op": "add", "qr": crate::testing::code(m[1]), "taken_ms": ms + 1}).to_string(),
            "{this is not json".to_owned(),
            String::new(),
            json!({"client_id": "b3", "tube": "T2", "op": "add", "qr": crate::testing::code(m[1]), "taken_ms": ms + 2}).to_string(),
            json!({"client_id": "b4", "tube": "NOPE", "op": "add", "qr": crate::testing::code(m[2]), "taken_ms": ms + 3}).to_string(),
            json!({"client_id": "b5", "tube": "T2", "op": "add", "qr": crate::testing::code(other[0]), "taken_ms": ms + 4}).to_string(),
            json!({"client_id": "b6", "tube": "T2", "op": "add", "walk_in": {"number": "123", "name": "某"}, "taken_ms": ms + 5}).to_string(),
            json!({"client_id": "b7", "tube": "T2", "op": "close", "taken_ms": ms + 6}).to_string(),
        ];
        let body = lines.join("\n");
        let batch = format!("/testing/rounds/{r}/batch");
        let resp = api.call("POST", &batch, &col_t, "en", Some(&body)).await;
        assert_eq!(resp.status, 200, "{name}: {}", resp.body);
        assert!(resp
            .header("content-type")
            .unwrap()
            .starts_with("application/x-ndjson"));
        let out: Vec<Value> = resp
            .body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got: Vec<(i64, &str, &str)> = out
            .iter()
            .map(|v| {
                (
                    v["line"].as_i64().unwrap(),
                    v["status"].as_str().unwrap(),
                    v["code"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "accepted", "opened"),
                (2, "accepted", "added"),
                (3, "refused", "bad_line"),
                (5, "flagged", "already_sampled"),
                (6, "refused", "unknown_tube"),
                (7, "accepted", "added"),
                (8, "refused", "invalid"),
                (9, "accepted", "closed"),
            ],
            "{name}: {}",
            resp.body
        );
        assert_eq!(out[0]["client_id"], "b1");
        assert!(out[2].get("client_id").is_none());
        assert!(out[2]["text"]
            .as_str()
            .unwrap()
            .starts_with("not a valid operation"));
        assert_eq!(
            out[5]["tube"]["n"], 3,
            "the repeat is in the tube (offline: confirm)"
        );
        let taken = db
            .query_one(
                "SELECT taken_ms FROM test_samples WHERE barcode = 'T2' AND resident_id = $1",
                args![other[0]],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(taken, ms + 4, "{name}: the device's time");
        // The whole batch again (the answer was lost): all replayed, nothing new.
        let before = crate::testing::state(db).await;
        let resp = api.call("POST", &batch, &col_t, "zh-CN", Some(&body)).await;
        let out: Vec<Value> = resp
            .body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), 8);
        assert!(
            out.iter()
                .filter(|v| v["line"] != 3)
                .all(|v| v["replayed"] == true),
            "{name}: {}",
            resp.body
        );
        assert_eq!(out[3]["text"], "本轮已采过样：已记录为重复采样，只计一次");
        assert_eq!(crate::testing::state(db).await, before);
        // Too many lines: refused as a whole.
        let many = vec![lines[1].clone(); wardline::testing::ingest::MAX_BATCH + 1].join("\n");
        let resp = api.call("POST", &batch, &col_t, "en", Some(&many)).await;
        assert_eq!(
            resp.status,
            400,
            "{}",
            &resp.body[..200.min(resp.body.len())]
        );

        // Results: the lab's upload, all or nothing.
        let results = format!("/testing/rounds/{r}/results");
        let (st, v) = api
            .post(&results, &lab_t, "en", &json!({"results": [{"tube": "T2", "result": "negative"}, {"tube": "T1", "result": "maybe"}]}))
            .await;
        assert_eq!(st, 422, "{name}: {v}");
        assert_eq!(v["error"]["fields"][0]["row"], 2, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "result");
        assert_eq!(crate::testing::state(db).await, before, "nothing recorded");
        let (st, v) = api
            .post(
                &results,
                &lab_t,
                "en",
                &json!({"results": [{"tube": "T2", "result": "negative"}]}),
            )
            .await;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(
            (v["tubes"].as_i64(), v["negative_people"].as_i64()),
            (Some(1), Some(2))
        );
        let (st, v) = api
            .post(
                &results,
                &col_t,
                "zh-CN",
                &json!({"results": [{"tube": "T1", "result": "negative"}]}),
            )
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{v}"
        );
        assert!(v["error"]["message"].as_str().unwrap().contains("检测机构"));
        let (st, _) = api
            .post(&results, &lab_t, "en", &json!({"tubes": []}))
            .await;
        assert_eq!(st, 422);

        // Exemptions: the grid worker, in their grid.
        let ex = format!("/testing/rounds/{r}/exemptions");
        let (st, v) = api
            .post(
                &ex,
                &gw_t,
                "en",
                &json!({"resident_id": m[2], "reason": "hospital"}),
            )
            .await;
        assert_eq!((st, v["ok"].as_bool()), (200, Some(true)), "{name}: {v}");
        let (st, v) = api
            .post(
                &ex,
                &gw_t,
                "en",
                &json!({"resident_id": m[2], "reason": "nope"}),
            )
            .await;
        assert_eq!(
            (st, v["error"]["fields"][0]["field"].as_str()),
            (422, Some("reason")),
            "{v}"
        );
        for tok in [&gw2_t, &col_t, &vol_t] {
            let (st, v) = api
                .post(
                    &ex,
                    tok,
                    "en",
                    &json!({"resident_id": m[2], "reason": "away"}),
                )
                .await;
            assert_eq!(st, 404, "{v}");
        }
        let (st, v) = api
            .post(
                &ex,
                &hq_t,
                "en",
                &json!({"resident_id": m[2], "reason": "away"}),
            )
            .await;
        assert_eq!(st, 403, "{v}: HQ reads, grid workers exempt");

        // Coverage: the grid worker's grid by default, equal to the recount.
        let grid_cov = check_coverage(db, &round, &g).await;
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/coverage"), &gw_t)
            .await;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(v["area"]["code"], g.as_str());
        assert_eq!(v["area"]["sampled"], grid_cov.sampled);
        assert_eq!(v["area"]["exempt"], 1);
        assert_eq!(v["area"]["missing"], grid_cov.missing);
        let kids: i64 = v["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["sampled"].as_i64().unwrap())
            .sum();
        assert_eq!(kids, grid_cov.sampled);
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/coverage"), &hq_t)
            .await;
        assert_eq!((st, v["area"]["code"].as_str()), (200, Some("431102")));
        assert_eq!(v["area"]["sampled"], 4, "{v}");
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/coverage?area={}", g2), &gw_t)
            .await;
        assert_eq!(st, 404, "{v}");
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/communities"), &hq_t)
            .await;
        assert_eq!(st, 200);
        let list = v.as_array().unwrap();
        let total: i64 = list.iter().map(|c| c["sampled"].as_i64().unwrap()).sum();
        assert_eq!(total, 4, "{name}");
        let permille = |c: &Value| {
            (c["sampled"].as_i64().unwrap() + c["exempt"].as_i64().unwrap()) * 1000
                / c["expected"].as_i64().unwrap().max(1)
        };
        assert!(
            list.windows(2).all(|w| permille(&w[0]) <= permille(&w[1])),
            "laggards first"
        );

        // The missing list: the grid worker's grid; 404 for another grid; nothing for others.
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/missing"), &gw_t)
            .await;
        assert_eq!(st, 200, "{v}");
        let n: usize = v["households"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["missing"].as_array().unwrap().len())
            .sum();
        assert_eq!(n as i64, grid_cov.missing, "{name}");
        let listed: Vec<i64> = v["households"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["missing"].as_array().unwrap().iter())
            .map(|p| p["resident_id"].as_i64().unwrap())
            .collect();
        assert!(
            !m[..3].iter().any(|x| listed.contains(x)),
            "{name}: {listed:?}"
        );
        assert_eq!(
            v["households"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["household_id"] == hh),
            m.len() > 3,
            "{name}: household {hh} is covered when its three are sampled or exempt"
        );
        let (st, _) = api
            .get(&format!("/testing/rounds/{r}/missing?area={g2}"), &gw_t)
            .await;
        assert_eq!(st, 404);
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/missing?area={g2}"), &gw2_t)
            .await;
        assert_eq!(st, 200, "{v}");
        for tok in [&vol_t, &col_t, &lab_t] {
            let (st, v) = api.get(&format!("/testing/rounds/{r}/missing"), tok).await;
            assert!(
                st == 404 || (st == 200 && v["households"] == json!([])),
                "{st} {v}"
            );
        }

        // A tube: for readers of the registry where it was taken.
        let (st, v) = api
            .get(&format!("/testing/rounds/{r}/tubes/T2"), &hq_t)
            .await;
        assert_eq!((st, v["result"].as_str()), (200, Some("negative")), "{v}");
        assert_eq!(v["people"].as_array().unwrap().len(), 3);
        for tok in [&gw2_t, &col_t] {
            let (st, _) = api.get(&format!("/testing/rounds/{r}/tubes/T2"), tok).await;
            assert_eq!(st, 404);
        }
        let (st, _) = api
            .get(&format!("/testing/rounds/{r}/tubes/NOPE"), &hq_t)
            .await;
        assert_eq!(st, 404);

        // A resident's results.
        let (st, v) = api.get(&format!("/residents/{}/tests", m[1]), &gw_t).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v[0]["status"], "negative");
        assert_eq!(v[0]["round_id"], r);
        let (st, _) = api.get(&format!("/residents/{}/tests", m[1]), &gw2_t).await;
        assert_eq!(st, 404);
        let (st, _) = api.get(&format!("/residents/{}/tests", m[1]), &col_t).await;
        assert_eq!(st, 404);

        // Rounds: visible by area or by being a collector; another community's round is not.
        let far = g2[..12].to_owned();
        let far_round = round_over(db, &hq, &far, 5, now - HOUR, now + HOUR).await;
        let (st, v) = api.get("/testing/rounds", &gw_t).await;
        assert_eq!(st, 200);
        let ids: Vec<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [r], "{name}");
        let (st, _) = api
            .get(&format!("/testing/rounds/{}", far_round.id), &gw_t)
            .await;
        assert_eq!(st, 404);
        let (st, _) = api
            .get(&format!("/testing/rounds/{}/coverage", far_round.id), &gw_t)
            .await;
        assert_eq!(st, 404);
        let (st, _) = api
            .post(
                &format!("/testing/rounds/{}/ops", far_round.id),
                &gw_t,
                "en",
                &json!({"client_id": "z", "tube": "Z", "op": "open"}),
            )
            .await;
        assert_eq!(st, 404);
        let (st, v) = api.get(&format!("/testing/rounds/{r}"), &col_t).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["my_sites"][0]["id"], s);
        let (st, v) = api.get("/testing/rounds", &hq_t).await;
        assert_eq!((st, v.as_array().unwrap().len()), (200, 2));
        check_coverage(db, &round, "431102").await;
    }
}
