//! The field write API (issue 19) over real HTTP, on both backends: needs (register, claim,
//! contact made, items delivered, done, cannot complete, the batch), duty (check in and out,
//! the batch) and the registry (households and residents): each action through the engine,
//! a retry answered from the stored reply with nothing changed, 409 with the state now when a
//! precondition changed, scope, audit entries, and every answer as the document describes.

use serde_json::{json, Value};
use wardline::access;
use wardline::args;
use wardline::db::Db;
use wardline::mobilization::{roster, volunteers};

use crate::common::{backends, demo_under, exec, request, serve};
use crate::mobilization::{district, link, place, shifts, volunteer, C1, C2};
use crate::testing::reader;

struct Call {
    status: u16,
    body: Value,
    raw: String,
}

async fn post(addr: std::net::SocketAddr, token: &str, path: &str, body: &str, lang: &str) -> Call {
    let auth = format!("Bearer {token}");
    let r = request(
        addr,
        "POST",
        &format!("/api/v1{path}?lang={lang}"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(body.as_bytes()),
    )
    .await;
    let body = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    Call {
        status: r.status,
        body,
        raw: r.body,
    }
}

async fn count(db: &Db, sql: &str, a: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, a).await.unwrap().int(0)
}

async fn audits(db: &Db, entity: &str, id: i64) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND entity_id = $2",
        args![entity, id.to_string()],
    )
    .await
}

/// The answer conforms to the route's documented 200 schema (each line for a batch).
fn documented(doc: &Value, route: &str, c: &Call) {
    let schema = crate::openapi::answer_schema(doc, "POST", route);
    for line in c.raw.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        crate::openapi::conforms(doc, schema, &v, route);
    }
}

async fn token_of(db: &Db, user: &str) -> String {
    access::create_token(db, user, "phone").await.unwrap()
}

#[tokio::test]
async fn field_writes_once_each_scoped_and_audited() {
    for t in backends().await {
        let db = &t.db;
        district(db).await;
        demo_under(db, 200, 3, C1).await;
        let doc = wardline::server::openapi::document();
        let o1 = reader(db, "c1", "community", C1).await;
        reader(db, "c2", "community", C2).await;
        let l1 = link(db, &o1, C1).await;
        let va = volunteer(db, &o1, &l1, 1, |f| f.wants_account = true).await;
        let vb = volunteer(db, &o1, &l1, 2, |f| f.wants_account = true).await;
        let o1t = token_of(db, "c1").await;
        let o2t = token_of(db, "c2").await;
        let vat = token_of(db, &volunteers::account_name(va)).await;
        let vbt = token_of(db, &volunteers::account_name(vb)).await;
        let addr = serve(db).await;
        let hh = count(
            db,
            "SELECT MIN(id) FROM households WHERE path >= $1 AND path < $2",
            args![C1, format!("{C1}~")],
        )
        .await;

        // --- Needs: register (staff), once.
        let reg = json!({"client_id": "n-1", "household": hh, "category": "medicine",
            "urgency": "2", "description": "降压药两盒", "source": "hotline"})
        .to_string();
        let created_before = audits(db, "household", hh).await;
        let a = post(addr, &o1t, "/needs", &reg, "en").await;
        assert_eq!(a.status, 200, "{}", a.raw);
        assert_eq!(a.body["replayed"], false);
        documented(&doc, "/needs", &a);
        let need = a.body["id"].as_i64().unwrap();
        let b = post(addr, &o1t, "/needs", &reg, "en").await;
        assert_eq!(b.status, 200, "{}", b.raw);
        assert_eq!(b.body["id"], need);
        assert_eq!(b.body["replayed"], true);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM needs WHERE household_id = $1 AND description = $2",
                args![hh, "降压药两盒"]
            )
            .await,
            1,
            "a retry makes no second need"
        );
        assert_eq!(
            audits(db, "household", hh).await,
            created_before + 1,
            "the need's creation is audited once"
        );

        // --- Claim by one volunteer; the other is told 409 with the state now.
        let c = post(
            addr,
            &vat,
            &format!("/needs/{need}/claim"),
            r#"{"client_id": "c-1"}"#,
            "en",
        )
        .await;
        assert_eq!(c.status, 200, "{}", c.raw);
        assert_eq!(c.body["status"], "claimed");
        documented(&doc, "/needs/{id}/claim", &c);
        let steps = count(
            db,
            "SELECT COUNT(*) FROM need_events WHERE need_id = $1",
            args![need],
        )
        .await;
        let again = post(
            addr,
            &vat,
            &format!("/needs/{need}/claim"),
            r#"{"client_id": "c-1"}"#,
            "en",
        )
        .await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body["replayed"], true);
        assert_eq!(again.body["status"], "claimed");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM need_events WHERE need_id = $1",
                args![need]
            )
            .await,
            steps,
            "a replayed claim writes no step"
        );
        let lost = post(
            addr,
            &vbt,
            &format!("/needs/{need}/claim"),
            r#"{"client_id": "c-1"}"#,
            "zh-CN",
        )
        .await;
        assert_eq!(lost.status, 409, "{}", lost.raw);
        assert_eq!(lost.body["error"]["code"], "conflict");
        assert!(
            lost.raw.contains("其他志愿者"),
            "in the caller's language: {}",
            lost.raw
        );
        assert_eq!(lost.body["state"]["status"], "claimed");
        assert_eq!(lost.body["state"]["held_by_you"], false);
        // A volunteer of another community does not see it at all.
        let o2 = reader(db, "c2x", "community", C2).await;
        let l2 = link(db, &o2, C2).await;
        let vx = volunteer(db, &o2, &l2, 9, |f| f.wants_account = true).await;
        let vxt = token_of(db, &volunteers::account_name(vx)).await;
        let out = post(
            addr,
            &vxt,
            &format!("/needs/{need}/claim"),
            r#"{"client_id": "x-1"}"#,
            "en",
        )
        .await;
        assert_eq!(out.status, 404, "{}", out.raw);

        // --- Contact made, an item delivered (once), done.
        let s = post(
            addr,
            &vat,
            &format!("/needs/{need}/contact"),
            r#"{"client_id": "s-1"}"#,
            "en",
        )
        .await;
        assert_eq!(
            (s.status, s.body["status"].as_str()),
            (200, Some("in_progress")),
            "{}",
            s.raw
        );
        let item = json!({"client_id": "i-1", "kind": "medicine", "quantity": 2, "description": "硝苯地平"}).to_string();
        let i = post(addr, &vat, &format!("/needs/{need}/items"), &item, "en").await;
        assert_eq!(i.status, 200, "{}", i.raw);
        documented(&doc, "/needs/{id}/items", &i);
        let i2 = post(addr, &vat, &format!("/needs/{need}/items"), &item, "en").await;
        assert_eq!(i2.body["replayed"], true);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM need_items WHERE need_id = $1",
                args![need]
            )
            .await,
            1,
            "one item row for two sends"
        );
        let d = post(
            addr,
            &vat,
            &format!("/needs/{need}/done"),
            r#"{"client_id": "d-1"}"#,
            "en",
        )
        .await;
        assert_eq!(
            (d.status, d.body["status"].as_str()),
            (200, Some("done")),
            "{}",
            d.raw
        );
        // Done is not undone by a late "contact made" with a new id: 409 and the state now.
        let late = post(
            addr,
            &vat,
            &format!("/needs/{need}/contact"),
            r#"{"client_id": "s-2"}"#,
            "en",
        )
        .await;
        assert_eq!(late.status, 409, "{}", late.raw);
        assert_eq!(late.body["state"]["status"], "done");
        assert_eq!(late.body["state"]["held_by_you"], true);

        // --- Cannot complete: the reason is required, then back to the queue.
        let n2 = post(
            addr,
            &o1t,
            "/needs",
            &json!({"client_id": "n-2", "household": hh,
            "category": "groceries", "urgency": "3", "description": "米面", "source": "grid"})
            .to_string(),
            "en",
        )
        .await;
        let n2 = n2.body["id"].as_i64().unwrap();
        assert_eq!(
            post(
                addr,
                &vat,
                &format!("/needs/{n2}/claim"),
                r#"{"client_id": "c-2"}"#,
                "en"
            )
            .await
            .status,
            200
        );
        let no = post(
            addr,
            &vat,
            &format!("/needs/{n2}/unable"),
            r#"{"client_id": "u-1"}"#,
            "zh-CN",
        )
        .await;
        assert_eq!(no.status, 422, "{}", no.raw);
        assert_eq!(no.body["error"]["fields"][0]["field"], "reason");
        let un = post(
            addr,
            &vat,
            &format!("/needs/{n2}/unable"),
            r#"{"client_id": "u-1", "reason": "联系不上"}"#,
            "en",
        )
        .await;
        assert_eq!(
            (un.status, un.body["status"].as_str()),
            (200, Some("new")),
            "a refused id may be sent again corrected: {}",
            un.raw
        );

        // --- The needs batch: each line its own outcome; a line sent before is replayed.
        let lines = [
            json!({"op": "claim", "need": n2, "client_id": "b-1"}).to_string(),
            "not json".to_owned(),
            json!({"op": "claim", "need": n2, "client_id": "c-2"}).to_string(),
            json!({"op": "fly", "need": n2, "client_id": "b-2"}).to_string(),
            json!({"op": "claim", "need": n2, "client_id": "b-1"}).to_string(),
        ]
        .join("\n");
        let bt = post(addr, &vbt, "/needs/batch", &lines, "en").await;
        assert_eq!(bt.status, 200, "{}", bt.raw);
        documented(&doc, "/needs/batch", &bt);
        let outs: Vec<Value> = bt
            .raw
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(outs.len(), 5);
        assert_eq!(
            (outs[0]["line"].as_i64(), outs[0]["status"].as_i64()),
            (Some(1), Some(200))
        );
        assert_eq!(outs[0]["answer"]["status"], "claimed");
        assert_eq!(outs[1]["status"], 422);
        assert_eq!(outs[1]["answer"]["error"]["code"], "bad_line");
        // c-2 is vb's own new id (keys are per account): vb holds it now, so a claim is refused.
        assert_eq!(outs[2]["status"], 409);
        assert_eq!(outs[2]["answer"]["state"]["held_by_you"], true);
        assert_eq!(outs[3]["status"], 422);
        assert_eq!(outs[4]["status"], 200);
        assert_eq!(outs[4]["answer"]["replayed"], true);

        // --- Duty: check in and out of one's own shift, once each.
        let p = place(db, &o1, C1, "东门卡口").await;
        let qr = roster::place(db, &o1, p).await.unwrap().qr_token;
        let sh = shifts(db, &o1, p, "2025-03-03", 1, &[(480, 960)], (3, &[])).await[0];
        let now = wardline::db::now_ms();
        exec(
            db,
            "UPDATE shifts SET starts_ms = $1, ends_ms = $2 WHERE id = $3",
            args![now - 3_600_000, now + 3_600_000, sh],
        )
        .await;
        roster::assign(db, &crate::testing::actor(&o1), &o1, sh, va, "")
            .await
            .unwrap();
        let cin = json!({"client_id": "d-in", "place": qr, "action": "in"}).to_string();
        let ci = post(addr, &vat, "/duty/checks", &cin, "en").await;
        assert_eq!(ci.status, 200, "{}", ci.raw);
        assert_eq!(ci.body["checked"], "in");
        documented(&doc, "/duty/checks", &ci);
        let ci2 = post(addr, &vat, "/duty/checks", &cin, "en").await;
        assert_eq!(
            (ci2.body["checked"].as_str(), ci2.body["replayed"].as_bool()),
            (Some("in"), Some(true))
        );
        // Someone without that shift: refused, nothing recorded for them.
        let nb = post(addr, &vbt, "/duty/checks", &cin, "en").await;
        assert_eq!(nb.status, 400, "{}", nb.raw);
        let batch = [
            json!({"client_id": "d-out", "place": qr, "action": "out"}).to_string(),
            json!({"client_id": "d-out", "place": qr, "action": "out"}).to_string(),
        ]
        .join("\n");
        let db_ = post(addr, &vat, "/duty/batch", &batch, "en").await;
        assert_eq!(db_.status, 200, "{}", db_.raw);
        documented(&doc, "/duty/batch", &db_);
        let outs: Vec<Value> = db_
            .raw
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            outs[0]["answer"]["checked"]["out"].is_object(),
            "{}",
            db_.raw
        );
        assert_eq!(outs[1]["answer"]["replayed"], true);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM assignments WHERE shift_id = $1 AND checkin_ms IS NOT NULL AND checkout_ms IS NOT NULL", args![sh]).await,
            1
        );

        // --- Registry: a household, a resident (validation named, in the caller's language).
        let hreg =
            json!({"client_id": "h-1", "area": C1, "address": "一社区 9 栋 901", "kind": "home"})
                .to_string();
        let h = post(addr, &o1t, "/households", &hreg, "en").await;
        assert_eq!(h.status, 200, "{}", h.raw);
        documented(&doc, "/households", &h);
        let hid = h.body["id"].as_i64().unwrap();
        assert_eq!(
            post(addr, &o1t, "/households", &hreg, "en").await.body["id"],
            hid
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM households WHERE address = $1",
                args!["一社区 9 栋 901"]
            )
            .await,
            1
        );
        assert_eq!(audits(db, "household", hid).await, 1);
        let good_doc = crate::access::id_number("19850607", 777);
        let wrong = if good_doc.ends_with('1') { '2' } else { '1' };
        let bad_doc = format!("{}{wrong}", &good_doc[..17]);
        let bad = json!({"client_id": "r-1", "name": "王芳", "doc_type": "id_card",
            "doc_number": bad_doc, "phone": "12345", "relation": "head"})
        .to_string();
        let e = post(
            addr,
            &o1t,
            &format!("/households/{hid}/residents"),
            &bad,
            "zh-CN",
        )
        .await;
        assert_eq!(e.status, 422, "{}", e.raw);
        let named: Vec<&str> = e.body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert!(
            named.contains(&"doc_number") && named.contains(&"phone"),
            "{}",
            e.raw
        );
        assert!(
            e.raw
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "zh-CN: {}",
            e.raw
        );
        let good = json!({"client_id": "r-1", "name": "王芳", "doc_type": "id_card",
            "doc_number": good_doc, "phone": "13912345678", "relation": "head",
            "tags": ["chronic"]})
        .to_string();
        let r = post(
            addr,
            &o1t,
            &format!("/households/{hid}/residents"),
            &good,
            "en",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.raw);
        let rid = r.body["id"].as_i64().unwrap();
        assert_eq!(
            post(
                addr,
                &o1t,
                &format!("/households/{hid}/residents"),
                &good,
                "en"
            )
            .await
            .body["replayed"],
            true
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM residents WHERE household_id = $1",
                args![hid]
            )
            .await,
            1
        );
        let fix = json!({"client_id": "r-2", "name": "王芳", "doc_type": "id_card",
            "doc_number": good_doc, "phone": "13912345679", "relation": "head"})
        .to_string();
        let f = post(
            addr,
            &o1t,
            &format!("/residents/{rid}/corrections"),
            &fix,
            "en",
        )
        .await;
        assert_eq!(f.status, 200, "{}", f.raw);
        assert_eq!(
            audits(db, "resident", rid).await,
            2,
            "created and corrected, audited"
        );
        let hf = post(
            addr,
            &o1t,
            &format!("/households/{hid}/corrections"),
            r#"{"client_id": "h-2", "address": "一社区 9 栋 902"}"#,
            "en",
        )
        .await;
        assert_eq!(hf.status, 200, "{}", hf.raw);
        // Another community's officer: not found, nothing changed.
        let x = post(
            addr,
            &o2t,
            &format!("/households/{hid}/corrections"),
            r#"{"client_id": "h-3", "address": "篡改"}"#,
            "en",
        )
        .await;
        assert_eq!(x.status, 404, "{}", x.raw);
        let x = post(
            addr,
            &o2t,
            &format!("/residents/{rid}/corrections"),
            &fix,
            "en",
        )
        .await;
        assert_eq!(x.status, 404, "{}", x.raw);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM households WHERE address = $1",
                args!["篡改"]
            )
            .await,
            0
        );
        // A client id is required.
        let m = post(addr, &o1t, "/households", r#"{"area": "x"}"#, "en").await;
        assert_eq!(m.status, 422);
        assert_eq!(m.body["error"]["fields"][0]["field"], "client_id");
    }
}

fn lines_of(c: &Call) -> Vec<Value> {
    c.raw
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The follow-up device's batch (`POST /followup/batch`): checks and contact logs queued
/// offline, each line through the single routes' functions — accepted, a line sent again
/// answered from what was recorded with nothing written, a bad line refused alone, and a
/// person without scope on the household refused with nothing written.
#[tokio::test]
async fn followup_batch_each_line_once_a_bad_line_alone_and_scope() {
    use crate::quarantine::{fixture, order};
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let doc = wardline::server::openapi::document();
        let now = wardline::db::now_ms();
        let d0 = wardline::quarantine::day_of(now);
        let ((p0, hh0), (p1, _), (p2, hh2)) = (f.people[0], f.people[1], f.people[2]);
        for p in [p0, p1, p2] {
            order(db, &f.o1, p, "7+3", d0, now).await;
        }
        let c1 = wardline::quarantine::checks::current(db, p1, now)
            .await
            .unwrap()
            .id;
        let grid = token_of(db, "g1").await;
        let outsider = token_of(db, "c2").await;
        let addr = serve(db).await;
        let recorded = |cids: &'static str| {
            format!("SELECT COUNT(*) FROM quarantine_checks WHERE client_id IN ({cids})")
        };
        // What a device's action writes (not the checks a sweep marks missed meanwhile).
        let all = "SELECT (SELECT COUNT(*) FROM quarantine_checks WHERE client_id IS NOT NULL) \
                   + (SELECT COUNT(*) FROM contact_logs) \
                   + (SELECT COUNT(*) FROM quarantine_tasks WHERE kind = 'referral')";
        let before = count(db, all, vec![]).await;

        let good = [
            json!({"op": "check", "client_id": "fb-1", "resident_id": p0, "outcome": "well"}),
            json!({"op": "contact", "client_id": "fb-2", "household_id": hh0, "outcome": "well", "note": "电话联系，一切正常"}),
            json!({"op": "check", "client_id": "fb-3", "check_id": c1, "temperature": "38.2", "symptoms": ["cough"]}),
        ];
        let first = [
            good[0].to_string(),
            "not json".to_owned(),
            good[1].to_string(),
            json!({"op": "check", "client_id": "fb-bad", "resident_id": "someone"}).to_string(),
            json!({"op": "fly", "client_id": "fb-4"}).to_string(),
            json!({"op": "check", "resident_id": p1, "outcome": "well"}).to_string(),
            good[2].to_string(),
        ]
        .join("\n");
        let b1 = post(addr, &grid, "/followup/batch", &first, "en").await;
        assert_eq!(b1.status, 200, "{}: {}", t.name, b1.raw);
        documented(&doc, "/followup/batch", &b1);
        let o = lines_of(&b1);
        assert_eq!(o.len(), 7, "{}: {}", t.name, b1.raw);
        let st: Vec<i64> = o.iter().map(|x| x["status"].as_i64().unwrap()).collect();
        assert_eq!(
            st,
            [200, 422, 200, 422, 422, 422, 200],
            "{}: {}",
            t.name,
            b1.raw
        );
        assert_eq!(o[0]["client_id"], "fb-1");
        assert_eq!(o[0]["answer"]["status"], "well");
        assert_eq!(o[0]["answer"]["replayed"], false);
        assert_eq!(o[1]["answer"]["error"]["code"], "bad_line");
        assert_eq!(o[2]["answer"]["replayed"], false);
        assert!(o[2]["answer"]["id"].is_i64(), "{}", b1.raw);
        assert_eq!(o[3]["answer"]["error"]["fields"][0]["field"], "line");
        assert_eq!(o[4]["answer"]["error"]["fields"][0]["field"], "op");
        assert_eq!(o[5]["answer"]["error"]["fields"][0]["field"], "client_id");
        let msg = o[5]["answer"]["error"]["message"].as_str().unwrap_or("");
        assert!(msg.is_ascii() && !msg.is_empty(), "in English: {}", o[5]);
        assert_eq!(o[6]["answer"]["check_id"], c1);
        assert_eq!(o[6]["answer"]["status"], "unwell");
        assert!(
            o[6]["answer"]["referral"].is_i64(),
            "a fever refers: {}",
            o[6]
        );
        assert_eq!(
            count(db, &recorded("'fb-1', 'fb-3'"), vec![]).await,
            2,
            "{}",
            t.name
        );
        assert_eq!(
            count(db, &recorded("'fb-bad', 'fb-4'"), vec![]).await,
            0,
            "{}",
            t.name
        );
        let logs = "SELECT COUNT(*) FROM contact_logs WHERE client_id = 'fb-2'";
        assert_eq!(count(db, logs, vec![]).await, 1, "{}", t.name);
        let after = count(db, all, vec![]).await;
        // Two checks, one contact log, one referral.
        assert_eq!(after - before, 4, "{}", t.name);

        // The same lines again (the phone never saw the answer): the answers recorded, nothing
        // written again.
        let again = good
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let b2 = post(addr, &grid, "/followup/batch", &again, "en").await;
        assert_eq!(b2.status, 200, "{}: {}", t.name, b2.raw);
        documented(&doc, "/followup/batch", &b2);
        let r = lines_of(&b2);
        assert_eq!(r.len(), 3);
        for (i, first) in [0, 2, 6].into_iter().enumerate() {
            assert_eq!(r[i]["status"], 200, "{}: {}", t.name, r[i]);
            assert_eq!(r[i]["answer"]["replayed"], true, "{}: {}", t.name, r[i]);
            for k in ["check_id", "status", "id", "referral"] {
                assert_eq!(
                    r[i]["answer"].get(k),
                    o[first]["answer"].get(k),
                    "{}: {k} of line {i}",
                    t.name
                );
            }
        }
        assert_eq!(count(db, all, vec![]).await, after, "{}", t.name);
        // The single route sees the batch's record the same way.
        let single = post(addr, &grid, "/followup/checks", &good[0].to_string(), "en").await;
        assert_eq!(single.status, 200, "{}", single.raw);
        assert_eq!(single.body["replayed"], true);
        assert_eq!(single.body["check_id"], o[0]["answer"]["check_id"]);

        // Another community's officer: each line refused (in Chinese, asked so), nothing
        // written.
        let theirs = [
            json!({"op": "check", "client_id": "fo-1", "resident_id": p2, "outcome": "well"})
                .to_string(),
            json!({"op": "contact", "client_id": "fo-2", "household_id": hh2, "outcome": "well"})
                .to_string(),
        ]
        .join("\n");
        let b3 = post(addr, &outsider, "/followup/batch", &theirs, "zh-CN").await;
        assert_eq!(b3.status, 200, "{}: {}", t.name, b3.raw);
        for l in lines_of(&b3) {
            assert_eq!(l["status"], 404, "{}: {l}", t.name);
            let msg = l["answer"]["error"]["message"].as_str().unwrap_or("");
            assert!(!msg.is_ascii(), "{}: in Chinese: {l}", t.name);
        }
        assert_eq!(
            count(db, &recorded("'fo-1'"), vec![]).await,
            0,
            "{}",
            t.name
        );
        assert_eq!(count(db, all, vec![]).await, after, "{}", t.name);
    }
}
