//! Checkpoints and the pass log through the database, on both backends: the suggestion rules
//! and overrides, bad input refused with the field named and nothing written, a vehicle with
//! occupants (a bad phone of one does not break the others), visitors' self-registration then
//! confirmation, idempotent retries and offline uploads over HTTP, the purge (entries gone,
//! figures kept, audited), and scope (a checker of gate A sees nothing of gate B).

use wardline::access::Reader;
use wardline::args;
use wardline::checkpoints::ingest::{
    self, EntryIn, OccupantIn, Op, PersonIn, Seen, Submission, VehicleIn,
};
use wardline::checkpoints::visitors::{self, VisitorIn};
use wardline::checkpoints::{self, figures, Checkpoint, Settings};
use wardline::db::{now_ms, Db};
use wardline::error::AppError;
use wardline::mobilization::volunteers;

use crate::common::{backends, demo_under, exec, request, serve};
use crate::mobilization::{account_reader, district, link, place, volunteer, C1, C2};
use crate::testing::{actor, reader};

pub struct Fx {
    pub o1: Reader,
    pub o2: Reader,
    /// A volunteer on duty at gate A now, and one at gate B.
    pub va: Reader,
    pub vb: Reader,
    pub a: Checkpoint,
    pub b: Checkpoint,
    /// Residents of C1: (id, ID number).
    pub people: Vec<(i64, String)>,
    pub shift_a: i64,
}

/// A shift at `place` around now with `volunteer` on it; the shift's id.
pub async fn on_duty(db: &Db, place: i64, volunteer: i64) -> i64 {
    let now = now_ms();
    let (from, to) = (now - 3_600_000, now + 7 * 3_600_000);
    let post: i64 = db
        .scalar("SELECT id FROM posts ORDER BY id LIMIT 1", vec![])
        .await
        .unwrap();
    let path: String = db
        .scalar("SELECT path FROM places WHERE id = $1", args![place])
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let shift: i64 = tx
        .scalar(
            "INSERT INTO shifts (place_id, post_id, path, starts_ms, ends_ms, headcount, skills, \
             created_by, created_ms) VALUES ($1, $2, $3, $4, $5, 2, '', 'test', $6) RETURNING id",
            args![place, post, path.as_str(), from, to, now],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    exec(
        db,
        "INSERT INTO assignments (shift_id, volunteer_id, starts_ms, ends_ms, how, assigned_by, \
         assigned_ms) VALUES ($1, $2, $3, $4, 'manual', 'test', $5)",
        args![shift, volunteer, from, to, now],
    )
    .await;
    shift
}

pub async fn set_up(db: &Db, o: &Reader, place: i64, require_test: bool) -> Checkpoint {
    checkpoints::set_up(
        db,
        &actor(o),
        o,
        place,
        &Settings {
            kind: "gate".into(),
            validity_h: 48,
            require_test,
            lanes: vec!["1号通道".into()],
        },
    )
    .await
    .unwrap();
    checkpoints::by_id(db, place).await.unwrap().unwrap()
}

pub async fn fixture(db: &Db) -> Fx {
    district(db).await;
    demo_under(db, 200, 3, C1).await;
    let o1 = reader(db, "c1", "community", C1).await;
    let o2 = reader(db, "c2", "community", C2).await;
    let l = link(db, &o1, C1).await;
    let pa = place(db, &o1, C1, "东门卡口").await;
    let pb = place(db, &o1, C1, "西门卡口").await;
    let a = set_up(db, &o1, pa, false).await;
    let b = set_up(db, &o1, pb, false).await;
    let va_id = volunteer(db, &o1, &l, 1, |f| f.wants_account = true).await;
    let vb_id = volunteer(db, &o1, &l, 2, |f| f.wants_account = true).await;
    let shift_a = on_duty(db, pa, va_id).await;
    on_duty(db, pb, vb_id).await;
    let va = account_reader(db, &volunteers::account_name(va_id)).await;
    let vb = account_reader(db, &volunteers::account_name(vb_id)).await;
    let p: String = db
        .scalar("SELECT path FROM areas WHERE code = $1", args![C1])
        .await
        .unwrap();
    let people: Vec<(i64, String)> = db
        .query(
            "SELECT id, doc_number FROM residents WHERE doc_type = 'id_card' AND path >= $1 \
             AND path < $2 ORDER BY id LIMIT 20",
            args![p.as_str(), wardline::db::path_end(&p)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.int(0), r.string(1)))
        .collect();
    assert!(people.len() >= 10, "the demo community has residents");
    Fx {
        o1,
        o2,
        va,
        vb,
        a,
        b,
        people,
        shift_a,
    }
}

pub fn seen(code: &str, temp: Option<f64>, decision: &str) -> Seen {
    Seen {
        health_code: Some(code.into()),
        star: false,
        temperature: temp,
        decision: Some(decision.into()),
        note: String::new(),
    }
}

pub fn person(cid: &str, who: PersonIn, s: Seen) -> Op {
    Op::Person(EntryIn {
        client_id: cid.into(),
        at_ms: None,
        direction: Some("in".into()),
        lane_id: None,
        person: who,
        seen: s,
    })
}

pub fn visitor_in(n: u32, phone: &str) -> VisitorIn {
    VisitorIn {
        doc_type: None,
        number: crate::access::id_number("19900101", n),
        name: format!("访客{n}"),
        phone: phone.into(),
        from: "长沙市".into(),
        to: "东门小区".into(),
        reason: "探亲".into(),
    }
}

/// Apply operations at `cp` as `r` (the reader's access checked as the API does).
pub async fn log(db: &Db, r: &Reader, cp: &Checkpoint, ops: Vec<Op>) -> Vec<ingest::Outcome> {
    let (cp, access) = checkpoints::open(db, r, cp.id).await.unwrap();
    let lanes = checkpoints::lanes(db, cp.id).await.unwrap();
    let sub = Submission {
        reader: r.clone(),
        checkpoint: cp,
        access,
        lanes,
        ops,
    };
    ingest::apply(db, &[&sub]).await.unwrap().remove(0)
}

async fn count(db: &Db, sql: &str, params: Vec<wardline::db::Value>) -> i64 {
    db.scalar(sql, params).await.unwrap()
}

#[tokio::test]
async fn suggestions_overrides_and_figures() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let (p0, p1, p2, p3) = (&fx.people[0], &fx.people[1], &fx.people[2], &fx.people[3]);
        // p2 tested positive; p3 negative an hour ago.
        for (rid, status) in [(p2.0, "positive"), (p3.0, "negative")] {
            let hh: i64 = db
                .scalar(
                    "SELECT household_id FROM residents WHERE id = $1",
                    args![rid],
                )
                .await
                .unwrap();
            exec(
                db,
                "INSERT INTO test_persons (round_id, resident_id, household_id, path, status, \
                 barcode, first_barcode, first_ms, updated_ms) VALUES (1, $1, $2, 'x', $3, 'T1', 'T1', $4, $4)",
                args![rid, hh, status, now_ms() - 3_600_000],
            )
            .await;
        }
        let secret = wardline::access::settings::qr_secret(db).await.unwrap();
        let code = wardline::registry::codes::resident_code(&secret, p0.0);
        let out = log(
            db,
            &fx.va,
            &fx.a,
            vec![
                // Fine: scanned, passes as suggested.
                person(
                    "1",
                    PersonIn::Code(code.clone()),
                    seen("green", Some(36.5), "pass"),
                ),
                // A red code let through: an override.
                person("2", PersonIn::Code(p1.1.clone()), seen("red", None, "pass")),
                // Positive: quarantine suggested and decided.
                person(
                    "3",
                    PersonIn::Code(p2.1.clone()),
                    seen("green", Some(36.4), "quarantine"),
                ),
                // Fever: medical suggested; the checker persuades to return (override).
                person(
                    "4",
                    PersonIn::Code(p3.1.clone()),
                    seen("green", Some(38.2), "return"),
                ),
            ],
        )
        .await;
        assert!(out.iter().all(|o| o.is_logged()), "{out:?}");
        let s: Vec<(&str, &str, bool)> = out
            .iter()
            .map(|o| {
                (
                    o.suggestion.as_deref().unwrap(),
                    o.decision.as_deref().unwrap(),
                    o.overridden,
                )
            })
            .collect();
        assert_eq!(
            s,
            [
                ("pass", "pass", false),
                ("quarantine", "pass", true),
                ("quarantine", "quarantine", false),
                ("medical", "return", true),
            ]
        );
        assert_eq!(out[1].reasons, ["red_code"]);
        assert_eq!(out[2].person.as_ref().unwrap().test, "positive");
        assert_eq!(out[3].person.as_ref().unwrap().test, "negative");
        assert_eq!(out[0].person.as_ref().unwrap().test, "none");
        // The masked name: never the whole name.
        let name: String = db
            .scalar("SELECT name FROM residents WHERE id = $1", args![p0.0])
            .await
            .unwrap();
        assert_eq!(
            out[0].person.as_ref().unwrap().name,
            wardline::privacy::mask_name(&name)
        );
        assert_ne!(out[0].person.as_ref().unwrap().name, name);
        // Stored as decided, with the override flag and the reasons.
        let rows = db
            .query(
                "SELECT suggestion, decision, override, reasons, temp_band, shift_id FROM pass_entries \
                 WHERE place_id = $1 ORDER BY id",
                args![fx.a.id],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].int(2), 1);
        assert_eq!(rows[3].string(3), "fever");
        assert_eq!(rows[3].string(4), "mid");
        assert!(rows.iter().all(|r| r.int(5) == fx.shift_a));
        // The figures, from the tallies.
        let f = figures::of_checkpoint(db, fx.a.id, now_ms() - 86_400_000, now_ms() + 3_600_000)
            .await
            .unwrap();
        assert_eq!(
            (
                f.people,
                f.n_in,
                f.passed,
                f.quarantine,
                f.returned,
                f.overrides,
                f.fever
            ),
            (4, 4, 2, 1, 1, 2, 1)
        );
        let by = figures::grouped(db, fx.a.id, figures::By::Checker, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(by.len(), 1);
        assert_eq!(by[0].key, fx.va.account_id);
        let area = figures::of_area(db, &fx.a.path, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(area, f);
        // One audit entry for the batch, naming the checkpoint.
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'pass_log' AND entity_id = $1",
                args![fx.a.id.to_string()]
            )
            .await,
            1
        );
        // A checkpoint that requires a test: no valid negative suggests a return.
        let pc = place(db, &fx.o1, C1, "南门卡口").await;
        let c = set_up(db, &fx.o1, pc, true).await;
        let o = log(
            db,
            &fx.o1,
            &c,
            vec![person(
                "x",
                PersonIn::Code(code),
                seen("green", None, "pass"),
            )],
        )
        .await;
        assert_eq!(o[0].suggestion.as_deref(), Some("return"));
        assert_eq!(o[0].reasons, ["no_test"]);
        assert!(o[0].overridden);
    }
}

#[tokio::test]
async fn bad_input_is_named_and_nothing_is_written() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let p = fx.people[0].1.clone();
        let mut bad_dir = person("d", PersonIn::Code(p.clone()), seen("green", None, "pass"));
        if let Op::Person(e) = &mut bad_dir {
            e.direction = None;
        }
        let mut no_decision = seen("green", None, "pass");
        no_decision.decision = None;
        let out = log(
            db,
            &fx.va,
            &fx.a,
            vec![
                person(
                    "a",
                    PersonIn::Code("WLR1.5.ABCDEF123456".into()),
                    seen("green", None, "pass"),
                ),
                person(
                    "b",
                    PersonIn::Code("43110219900101123".into()),
                    seen("green", None, "pass"),
                ),
                person(
                    "c",
                    PersonIn::Code(p.clone()),
                    seen("green", Some(45.0), "pass"),
                ),
                person(
                    "e",
                    PersonIn::Code(p.clone()),
                    seen("green", Some(25.0), "pass"),
                ),
                person("f", PersonIn::Code(p.clone()), no_decision),
                person("g", PersonIn::Code(p.clone()), seen("blue", None, "pass")),
                bad_dir,
                person(
                    "h",
                    PersonIn::Code(crate::access::id_number("19700101", 999)),
                    seen("green", None, "pass"),
                ),
                person(
                    "i",
                    PersonIn::Registered(123_456),
                    seen("green", None, "pass"),
                ),
                Op::Vehicle(VehicleIn {
                    client_id: "v".into(),
                    at_ms: None,
                    direction: Some("in".into()),
                    lane_id: None,
                    plate: "ABC-123".into(),
                    class: "car".into(),
                    cargo: String::new(),
                    occupants: vec![OccupantIn {
                        seat: None,
                        person: PersonIn::Code(p.clone()),
                        seen: seen("green", None, "pass"),
                    }],
                }),
            ],
        )
        .await;
        let fields: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|o| (o.code.as_str(), o.field.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("invalid", Some("person")),
                ("invalid", Some("person")),
                ("invalid", Some("temperature")),
                ("invalid", Some("temperature")),
                ("invalid", Some("decision")),
                ("invalid", Some("health_code")),
                ("invalid", Some("direction")),
                ("unknown_person", Some("person")),
                ("no_visitor", Some("person")),
                ("vehicle_invalid", Some("plate")),
            ]
        );
        assert!(out[2].message.zh.contains("体温"), "{:?}", out[2].message);
        assert!(out[0].message.en.contains("personal code"));
        for tbl in [
            "pass_entries",
            "vehicle_passes",
            "pass_tallies",
            "pass_replies",
        ] {
            assert_eq!(
                count(db, &format!("SELECT COUNT(*) FROM {tbl}"), vec![]).await,
                0,
                "{tbl}"
            );
        }
        // The look-up names the field too.
        let (cp, a) = checkpoints::open(db, &fx.va, fx.a.id).await.unwrap();
        match checkpoints::lookup(db, &fx.va, &cp, &a, "12345").await {
            Err(AppError::Invalid(e)) => assert_eq!(e[0].field, "code"),
            other => panic!("{other:?}"),
        }
        let card = checkpoints::lookup(db, &fx.va, &cp, &a, &p).await.unwrap();
        assert_eq!(card.resident_id, fx.people[0].0);
    }
}

#[tokio::test]
async fn a_vehicle_with_occupants_and_a_bad_phone() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let occ = |who: PersonIn, seat: &str| OccupantIn {
            seat: Some(seat.into()),
            person: who,
            seen: seen("green", Some(36.6), "pass"),
        };
        let mut v = VehicleIn {
            client_id: "car-1".into(),
            at_ms: None,
            direction: Some("in".into()),
            lane_id: Some(checkpoints::lanes(db, fx.a.id).await.unwrap()[0].id),
            plate: "湘M 12345".into(),
            class: "lorry".into(),
            cargo: "蔬菜".into(),
            occupants: vec![
                // The driver gives a phone number that is no phone number.
                occ(PersonIn::Visitor(visitor_in(7, "12345")), "driver"),
                occ(PersonIn::Code(fx.people[0].1.clone()), "passenger"),
                occ(PersonIn::Visitor(visitor_in(8, "13900001111")), "passenger"),
            ],
        };
        let o = log(db, &fx.va, &fx.a, vec![Op::Vehicle(v.clone())]).await;
        assert!(o[0].is_logged(), "{o:?}");
        let vid = o[0].vehicle_id.expect("the vehicle's id");
        let st: Vec<(&str, Option<&str>)> = o[0]
            .occupants
            .iter()
            .map(|x| (x.code.as_str(), x.field.as_deref()))
            .collect();
        assert_eq!(
            st,
            [
                ("invalid", Some("phone")),
                ("logged", None),
                ("logged", None)
            ]
        );
        let people = |db: &Db| {
            let db = db.clone();
            async move {
                let r = db
                    .query_one(
                        "SELECT plate, people FROM vehicle_passes WHERE id = $1",
                        args![vid],
                    )
                    .await
                    .unwrap();
                (r.string(0), r.int(1))
            }
        };
        assert_eq!(people(db).await, ("湘M12345".to_string(), 2));
        // Corrected and sent again: the driver joins the same vehicle; the others replay.
        v.occupants[0] = occ(PersonIn::Visitor(visitor_in(7, "13800001234")), "driver");
        let o = log(db, &fx.va, &fx.a, vec![Op::Vehicle(v.clone())]).await;
        assert_eq!(o[0].vehicle_id, Some(vid));
        assert!(o[0].occupants[0].is_logged() && !o[0].occupants[0].replayed);
        assert!(o[0].occupants[1].replayed && o[0].occupants[2].replayed);
        assert_eq!(people(db).await.1, 3);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM pass_entries WHERE vehicle_id = $1",
                args![vid]
            )
            .await,
            3
        );
        let seats = db
            .column::<String>(
                "SELECT seat FROM pass_entries WHERE vehicle_id = $1 ORDER BY seat",
                args![vid],
            )
            .await
            .unwrap();
        assert_eq!(seats, ["driver", "passenger", "passenger"]);
        let f = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!((f.vehicles, f.people, f.visitors), (1, 3, 2));
        // Everyone refused: no vehicle at all.
        let empty = VehicleIn {
            client_id: "car-2".into(),
            plate: "京A12345".into(),
            occupants: vec![occ(PersonIn::Visitor(visitor_in(9, "1")), "driver")],
            ..v
        };
        let o = log(db, &fx.va, &fx.a, vec![Op::Vehicle(empty)]).await;
        assert_eq!(o[0].code, "vehicle_empty");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM vehicle_passes", vec![]).await,
            1
        );
    }
}

#[tokio::test]
async fn visitors_register_then_the_checker_confirms() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let v = visitor_in(11, "13700001111");
        let id = visitors::register(db, &fx.a, &v, "in").await.unwrap();
        // Posted twice: refused with the number.
        match visitors::register(db, &fx.a, &v, "in").await {
            Err(AppError::Conflict(m)) => assert!(m.zh.contains(&id.to_string())),
            other => panic!("{other:?}"),
        }
        // Bad input: each field named.
        let bad = VisitorIn {
            number: "123".into(),
            name: String::new(),
            phone: "99".into(),
            from: String::new(),
            ..v.clone()
        };
        match visitors::register(db, &fx.a, &bad, "sideways").await {
            Err(AppError::Invalid(e)) => {
                let mut f: Vec<&str> = e.iter().map(|x| x.field).collect();
                f.sort();
                assert_eq!(
                    f,
                    ["direction", "doc_number", "from_place", "name", "phone"]
                );
            }
            other => panic!("{other:?}"),
        }
        // The checker sees it masked.
        let w = visitors::waiting(db, &fx.a).await.unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].id, id);
        assert!(!w[0].phone.contains("0001111") && w[0].phone.ends_with("1111"));
        assert!(w[0].doc_number.contains('*'));
        assert_ne!(w[0].name, v.name);
        // Gate B does not see it.
        assert!(visitors::waiting(db, &fx.b).await.unwrap().is_empty());
        let o = log(
            db,
            &fx.vb,
            &fx.b,
            vec![person(
                "b1",
                PersonIn::Registered(id),
                seen("green", None, "pass"),
            )],
        )
        .await;
        assert_eq!(o[0].code, "no_visitor");
        // Confirmed at A.
        let o = log(
            db,
            &fx.va,
            &fx.a,
            vec![person(
                "a1",
                PersonIn::Registered(id),
                seen("yellow", Some(36.8), "pass"),
            )],
        )
        .await;
        assert!(o[0].is_logged(), "{o:?}");
        assert_eq!(o[0].reasons, ["yellow_code"]);
        assert!(visitors::waiting(db, &fx.a).await.unwrap().is_empty());
        let r = db
            .query_one(
                "SELECT name, phone, from_place, visitor_id FROM pass_entries WHERE place_id = $1",
                args![fx.a.id],
            )
            .await
            .unwrap();
        assert_eq!(
            (r.string(0), r.string(1), r.string(2), r.int(3)),
            (
                v.name.clone(),
                "13700001111".to_string(),
                "长沙市".to_string(),
                id
            )
        );
        // A second confirmation (another client id) is refused.
        let o = log(
            db,
            &fx.va,
            &fx.a,
            vec![person(
                "a2",
                PersonIn::Registered(id),
                seen("green", None, "pass"),
            )],
        )
        .await;
        assert_eq!(o[0].code, "visitor_confirmed");
    }
}

#[tokio::test]
async fn retries_and_offline_uploads_over_http_are_idempotent() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let addr = serve(db).await;
        let token = wardline::access::create_token(db, &fx.va.username, "gate phone")
            .await
            .unwrap();
        let auth = format!("Bearer {token}");
        let h = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
            ("Accept-Language", "zh-CN"),
        ];
        let one = serde_json::to_vec(&person(
            "p-1",
            PersonIn::Code(fx.people[0].1.clone()),
            seen("green", Some(36.5), "pass"),
        ))
        .unwrap();
        let path = format!("/api/v1/checkpoints/{}/ops", fx.a.id);
        let r1 = request(addr, "POST", &path, &h, Some(&one)).await;
        assert_eq!(r1.status, 200, "{}", r1.body);
        let r2 = request(addr, "POST", &path, &h, Some(&one)).await;
        assert_eq!(r2.status, 200);
        let v: serde_json::Value = serde_json::from_str(&r2.body).unwrap();
        assert_eq!(v["replayed"], true);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries", vec![]).await,
            1
        );
        // A refused one: 422 with the field, in the caller's language.
        let bad = serde_json::to_vec(&person(
            "p-2",
            PersonIn::Code(fx.people[1].1.clone()),
            seen("green", Some(45.0), "pass"),
        ))
        .unwrap();
        let r = request(addr, "POST", &path, &h, Some(&bad)).await;
        assert_eq!(r.status, 422);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["field"], "temperature");
        assert!(v["text"].as_str().unwrap().contains("体温"));
        // An offline upload with a broken line, a retry of p-1 and two new entries.
        let at = now_ms() - 600_000;
        let mut lines = Vec::new();
        for (cid, n) in [("p-1", 0), ("o-1", 2), ("o-2", 3)] {
            let mut op = person(
                cid,
                PersonIn::Code(fx.people[n].1.clone()),
                seen("green", None, if n == 3 { "return" } else { "pass" }),
            );
            if let Op::Person(e) = &mut op {
                e.at_ms = Some(at);
            }
            lines.push(serde_json::to_string(&op).unwrap());
        }
        lines.insert(1, "{not json".into());
        let body = lines.join("\n");
        let bpath = format!("/api/v1/checkpoints/{}/batch", fx.a.id);
        for round in 0..2 {
            let r = request(addr, "POST", &bpath, &h, Some(body.as_bytes())).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let out: Vec<serde_json::Value> = r
                .body
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(out.len(), 4);
            assert_eq!(out[1]["code"], "bad_line");
            assert_eq!(out[1]["line"], 2);
            assert_eq!(out[0]["replayed"], true);
            assert_eq!(out[2]["status"], "logged");
            assert_eq!(out[3]["replayed"], round == 1);
        }
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries", vec![]).await,
            3
        );
        let f = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!((f.people, f.returned), (3, 1));
        // The checker's log through the API: their checkpoint only.
        let (s, b) =
            crate::common::get(addr, &format!("/api/v1/checkpoints/{}/log", fx.a.id), &h).await;
        assert_eq!(s, 200, "{b}");
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["entries"].as_array().unwrap().len(), 3);
        let (s, _) =
            crate::common::get(addr, &format!("/api/v1/checkpoints/{}/log", fx.b.id), &h).await;
        assert_eq!(s, 404);
        let r = request(
            addr,
            "POST",
            &format!("/api/v1/checkpoints/{}/ops", fx.b.id),
            &h,
            Some(&one),
        )
        .await;
        assert_eq!(r.status, 404);
        let (s, _) = crate::common::get(
            addr,
            &format!("/api/v1/checkpoints/{}/figures", fx.a.id),
            &h,
        )
        .await;
        assert_eq!(s, 403);
        let (s, b) = crate::common::get(addr, "/api/v1/checkpoints", &h).await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        let ids: Vec<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [fx.a.id]);
    }
}

#[tokio::test]
async fn the_purge_deletes_entries_keeps_figures_and_is_audited() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let mut ops = Vec::new();
        for (i, p) in fx.people.iter().take(5).enumerate() {
            ops.push(person(
                &format!("k{i}"),
                PersonIn::Code(p.1.clone()),
                seen("green", None, "pass"),
            ));
        }
        ops.push(Op::Vehicle(VehicleIn {
            client_id: "car".into(),
            at_ms: None,
            direction: Some("out".into()),
            lane_id: None,
            plate: "湘M12345".into(),
            class: "car".into(),
            cargo: String::new(),
            occupants: vec![OccupantIn {
                seat: None,
                person: PersonIn::Visitor(visitor_in(5, "")),
                seen: seen("green", None, "return"),
            }],
        }));
        let out = log(db, &fx.va, &fx.a, ops).await;
        assert!(out.iter().all(|o| o.is_logged()));
        visitors::register(db, &fx.a, &visitor_in(6, ""), "in")
            .await
            .unwrap();
        let before = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(before.people, 6);
        // Three entries age past the period.
        let old = now_ms() - 30 * 86_400_000;
        let ids = db
            .column::<i64>("SELECT id FROM pass_entries ORDER BY id LIMIT 3", vec![])
            .await
            .unwrap();
        for id in &ids {
            exec(
                db,
                "UPDATE pass_entries SET at_ms = $1 WHERE id = $2",
                args![old, *id],
            )
            .await;
        }
        exec(db, "UPDATE vehicle_passes SET at_ms = $1", args![old]).await;
        exec(
            db,
            "UPDATE checkpoint_visitors SET created_ms = $1",
            args![old],
        )
        .await;
        let policy =
            wardline::audit::retention::policy(&wardline::retention::kinds(), &[]).unwrap();
        let report = wardline::audit::retention::run(
            db,
            &wardline::audit::retention::system(),
            &policy,
            now_ms(),
            false,
        )
        .await
        .unwrap();
        let k = report.kinds.iter().find(|k| k.kind == "pass_log").unwrap();
        assert_eq!(k.days, 28);
        assert_eq!(k.steps[0].rows, 3);
        assert_eq!(k.steps[1].rows, 1);
        assert_eq!(k.steps[2].rows, 1);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries", vec![]).await,
            3
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM vehicle_passes", vec![]).await,
            0
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM checkpoint_visitors", vec![]).await,
            0
        );
        // The figures stay as they were.
        let after = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(after, before);
        // Audited, and shown on the checkpoint page.
        let last = wardline::checkpoints::retention::last_sweep(db)
            .await
            .unwrap()
            .expect("the sweep is recorded");
        assert_eq!((last.days, last.entries), (28, 3));
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'retention'",
                vec![]
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn a_checker_of_gate_a_sees_nothing_of_gate_b() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        log(
            db,
            &fx.vb,
            &fx.b,
            vec![person(
                "b",
                PersonIn::Code(fx.people[0].1.clone()),
                seen("green", None, "pass"),
            )],
        )
        .await;
        // The checker of A: B is not found, for every read and write.
        assert!(matches!(
            checkpoints::open(db, &fx.va, fx.b.id).await,
            Err(AppError::NotFound)
        ));
        let mine: Vec<i64> = checkpoints::list(db, &fx.va)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(mine, [fx.a.id]);
        // An officer of another community: neither.
        assert!(matches!(
            checkpoints::open(db, &fx.o2, fx.a.id).await,
            Err(AppError::NotFound)
        ));
        assert!(checkpoints::list(db, &fx.o2).await.unwrap().is_empty());
        assert!(checkpoints::figures_area(db, &fx.o2, C1).await.is_err());
        // The officer of C1 reads both logs; the checker of A sees A's (empty) log only.
        let (cp, a) = checkpoints::open(db, &fx.o1, fx.b.id).await.unwrap();
        let (v, pages) = checkpoints::log(db, &cp, &a, None, 1).await.unwrap();
        assert_eq!((v.len(), pages), (1, 1));
        assert!(v[0].name.contains('*'));
        let (cp, a) = checkpoints::open(db, &fx.va, fx.a.id).await.unwrap();
        assert!(checkpoints::log(db, &cp, &a, None, 1)
            .await
            .unwrap()
            .0
            .is_empty());
        // A volunteer off duty (no assignment) sees no checkpoint at all.
        let l = link(db, &fx.o1, C1).await;
        let off = volunteer(db, &fx.o1, &l, 3, |f| f.wants_account = true).await;
        let off = account_reader(db, &volunteers::account_name(off)).await;
        assert!(checkpoints::list(db, &off).await.unwrap().is_empty());
        assert!(checkpoints::open(db, &off, fx.a.id).await.is_err());
        // Setting a checkpoint up is for officers.
        assert!(matches!(
            checkpoints::set_up(db, &actor(&fx.va), &fx.va, fx.a.id, &Settings::default()).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            checkpoints::set_up(
                db,
                &actor(&fx.o2),
                &fx.o2,
                fx.a.id,
                &Settings {
                    kind: "gate".into(),
                    validity_h: 48,
                    ..Settings::default()
                }
            )
            .await,
            Err(AppError::NotFound)
        ));
    }
}

#[tokio::test]
async fn the_zone_in_force_shows_and_suggests() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let hq = reader(db, "hq-z", "hq", "431102").await;
        let (p0, p1) = (&fx.people[0], &fx.people[1]);
        let hh: i64 = db
            .scalar(
                "SELECT household_id FROM residents WHERE id = $1",
                args![p0.0],
            )
            .await
            .unwrap();
        let other_hh: i64 = db
            .scalar(
                "SELECT household_id FROM residents WHERE id = $1",
                args![p1.0],
            )
            .await
            .unwrap();
        assert_ne!(hh, other_hh, "two households");
        wardline::zones::lifecycle::declare(
            db,
            &actor(&hq),
            &hq,
            &wardline::zones::lifecycle::NewZone {
                area: C1.into(),
                household: Some(hh),
                kind: "sealed".into(),
                start_ms: now_ms() - 3_600_000,
                planned_end_ms: Some(now_ms() + 7 * 86_400_000),
                reason: "密接".into(),
                decided_by: "区指挥部".into(),
                client_id: String::new(),
            },
            now_ms(),
        )
        .await
        .unwrap();
        let (cp, a) = checkpoints::open(db, &fx.va, fx.a.id).await.unwrap();
        let card = checkpoints::lookup(db, &fx.va, &cp, &a, &p0.1)
            .await
            .unwrap();
        assert_eq!(card.zone, "sealed");
        let other = checkpoints::lookup(db, &fx.va, &cp, &a, &p1.1)
            .await
            .unwrap();
        assert_eq!(other.zone, "");
        let o = log(
            db,
            &fx.va,
            &fx.a,
            vec![
                person(
                    "z1",
                    PersonIn::Code(p0.1.clone()),
                    seen("green", Some(36.5), "return"),
                ),
                person(
                    "z2",
                    PersonIn::Code(p1.1.clone()),
                    seen("green", Some(36.5), "pass"),
                ),
            ],
        )
        .await;
        assert_eq!(o[0].suggestion.as_deref(), Some("return"));
        assert_eq!(o[0].reasons, ["sealed"]);
        assert!(!o[0].overridden);
        assert_eq!(o[1].suggestion.as_deref(), Some("pass"));
        let zones = db
            .column::<String>("SELECT zone FROM pass_entries ORDER BY id", vec![])
            .await
            .unwrap();
        assert_eq!(zones, ["sealed", ""]);
        let f = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(f.returned, 1);
    }
}

#[tokio::test]
async fn the_purge_in_short_chunks_between_sweeps() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let ops = fx
            .people
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, p)| {
                person(
                    &format!("c{i}"),
                    PersonIn::Code(p.1.clone()),
                    seen("green", None, "pass"),
                )
            })
            .collect();
        log(db, &fx.va, &fx.a, ops).await;
        let before = figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
            .await
            .unwrap();
        let old = now_ms() - 30 * 86_400_000;
        exec(
            db,
            "UPDATE pass_entries SET at_ms = $1 WHERE id IN (SELECT id FROM pass_entries ORDER BY id LIMIT 3)",
            args![old],
        )
        .await;
        exec(db, "UPDATE pass_replies SET at_ms = $1", args![old]).await;
        let n = wardline::checkpoints::retention::purge_in_chunks(db, 28, now_ms(), 2)
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_entries", vec![]).await,
            2
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM pass_replies", vec![]).await,
            0
        );
        // Each chunk audited; the last is what the checkpoint page shows.
        let runs = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'retention' AND entity_id = 'pass_log'",
            vec![],
        )
        .await;
        assert!(runs >= 2, "{runs}");
        let last = wardline::checkpoints::retention::last_sweep(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.days, 28);
        assert_eq!(
            figures::of_checkpoint(db, fx.a.id, 0, i64::MAX / 2)
                .await
                .unwrap(),
            before
        );
        // Nothing left to delete: nothing written.
        assert_eq!(
            wardline::checkpoints::retention::purge_in_chunks(db, 28, now_ms(), 2)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'retention' AND entity_id = 'pass_log'",
                vec![],
            )
            .await,
            runs
        );
    }
}

/// The day tallies (`pass_day_tallies`, written beside the hourly ones) equal a recount of the
/// entries, and a period with whole days and hours at either end sums to the same as the
/// entries in it.
#[tokio::test]
async fn day_tallies_equal_a_recount() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let now = now_ms();
        let decisions = ["pass", "return", "quarantine", "medical"];
        let directions = ["in", "out", "through"];
        let mut ops = Vec::new();
        for (i, p) in fx.people.iter().take(16).enumerate() {
            let mut op = person(
                &format!("d{i}"),
                PersonIn::Code(p.1.clone()),
                seen(
                    if i % 5 == 0 { "red" } else { "green" },
                    Some(if i % 4 == 0 { 38.1 } else { 36.6 }),
                    decisions[i % 4],
                ),
            );
            if let Op::Person(e) = &mut op {
                // Over six days, at odd hours (several China days, some hours apart).
                e.at_ms = Some(now - i as i64 * 9 * 3_600_000 - 1_234_567);
                e.direction = Some(directions[i % 3].into());
            }
            ops.push(op);
        }
        let out = log(db, &fx.o1, &fx.a, ops).await;
        assert!(out.iter().all(|o| o.is_logged()), "{out:?}");
        // And the volunteer on duty now, on the same checkpoint.
        let out = log(
            db,
            &fx.va,
            &fx.a,
            vec![person(
                "v1",
                PersonIn::Code(fx.people[17].1.clone()),
                seen("green", Some(36.5), "pass"),
            )],
        )
        .await;
        assert!(out[0].is_logged(), "{out:?}");

        // Row by row: the day tallies against a recount of the entries.
        let day = "(at_ms + 28800000) / 86400000";
        let recount = db
            .query(
                &format!(
                    "SELECT place_id, account_id, shift_id, {day} AS d, COUNT(*), \
                     SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN direction = 'out' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN direction = 'through' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN decision = 'pass' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN decision = 'return' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN decision = 'quarantine' THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN decision = 'medical' THEN 1 ELSE 0 END), \
                     SUM(override) \
                     FROM pass_entries GROUP BY place_id, account_id, shift_id, {day} \
                     ORDER BY place_id, account_id, shift_id, d"
                ),
                vec![],
            )
            .await
            .unwrap();
        let tallies = db
            .query(
                "SELECT place_id, account_id, shift_id, day, people, n_in, n_out, n_through, \
                 passed, returned, quarantine, medical, overrides FROM pass_day_tallies \
                 ORDER BY place_id, account_id, shift_id, day",
                vec![],
            )
            .await
            .unwrap();
        let ints = |rows: &[wardline::db::Row]| -> Vec<Vec<i64>> {
            rows.iter()
                .map(|r| (0..13).map(|i| r.int(i)).collect())
                .collect()
        };
        assert!(recount.len() >= 5, "several days: {}", recount.len());
        assert_eq!(ints(&tallies), ints(&recount));
        let total: i64 = db
            .scalar("SELECT SUM(people) FROM pass_day_tallies", vec![])
            .await
            .unwrap();
        assert_eq!(total, 17);

        // A period of whole days with hours at either end reads both kinds of tallies: the
        // same as counting the entries of those hours.
        let hour = 3_600_000;
        let from = now - 5 * 86_400_000 - 7 * hour;
        let to = now - 13 * hour;
        let (days, edges) = figures::split(from, to);
        assert!(days.is_some() && !edges.is_empty(), "{days:?} {edges:?}");
        let (lo, hi) = (from - from.rem_euclid(hour), to - to.rem_euclid(hour));
        let f = figures::of_checkpoint(db, fx.a.id, from, hi).await.unwrap();
        let n = count(
            db,
            "SELECT COUNT(*) FROM pass_entries WHERE place_id = $1 AND at_ms >= $2 AND at_ms < $3",
            args![fx.a.id, lo, hi],
        )
        .await;
        assert!(n > 0 && n < 17, "{n}");
        assert_eq!(f.people, n);
        let returned = count(
            db,
            "SELECT COUNT(*) FROM pass_entries WHERE place_id = $1 AND at_ms >= $2 \
             AND at_ms < $3 AND decision = 'return'",
            args![fx.a.id, lo, hi],
        )
        .await;
        assert_eq!(f.returned, returned);
        assert_eq!(figures::of_area(db, &fx.a.path, from, hi).await.unwrap(), f);
        let by: i64 = figures::grouped(db, fx.a.id, figures::By::Checker, from, hi)
            .await
            .unwrap()
            .iter()
            .map(|g| g.figures.people)
            .sum();
        assert_eq!(by, n);
        let by_hour: i64 = figures::grouped(db, fx.a.id, figures::By::Hour, from, hi)
            .await
            .unwrap()
            .iter()
            .map(|g| g.figures.people)
            .sum();
        assert_eq!(by_hour, n);
    }
}

/// The API's look-up takes a scanned door plate as the gate page does: the household's members,
/// masked, each with the personal code to look up; a plate that opens nothing names `code`.
#[tokio::test]
async fn the_api_looks_up_a_door_plate() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let addr = serve(db).await;
        let token = wardline::access::create_token(db, &fx.va.username, "gate phone")
            .await
            .unwrap();
        let auth = format!("Bearer {token}");
        let h = [
            ("Authorization", auth.as_str()),
            ("Accept-Language", "zh-CN"),
        ];
        let (rid, hh, name): (i64, i64, String) = {
            let r = db
                .query_one(
                    "SELECT id, household_id, name FROM residents WHERE id = $1",
                    args![fx.people[0].0],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1), r.string(2))
        };
        let plate = wardline::needs::intake::link_token(db, &fx.o1, hh)
            .await
            .unwrap();
        let members: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM residents WHERE household_id = $1",
                args![hh],
            )
            .await
            .unwrap();
        let path = format!(
            "/api/v1/checkpoints/{}/lookup?code=https%3A%2F%2Fx.cn%2Fh%2F{plate}",
            fx.a.id
        );
        let r = request(addr, "GET", &path, &h, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let list = v["members"].as_array().expect("members");
        assert_eq!(list.len() as i64, members);
        assert!(!r.body.contains(&name), "names are masked");
        let secret = wardline::access::settings::qr_secret(db).await.unwrap();
        let code = wardline::registry::codes::resident_code(&secret, rid);
        assert!(
            list.iter().any(|m| m["code"] == code.as_str()),
            "{}",
            r.body
        );
        // A member's code then looks the person up.
        let r = request(
            addr,
            "GET",
            &format!("/api/v1/checkpoints/{}/lookup?code={code}", fx.a.id),
            &h,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["resident_id"], rid);
        // A plate that opens nothing.
        let r = request(
            addr,
            "GET",
            &format!(
                "/api/v1/checkpoints/{}/lookup?code=https%3A%2F%2Fx.cn%2Fh%2Fnosuchplate",
                fx.a.id
            ),
            &h,
            None,
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["error"]["fields"][0]["field"], "code", "{}", r.body);
        assert!(r.body.contains("户码已失效"), "{}", r.body);
    }
}
