//! The sampling engine (`testing::ingest::apply`): pool sizes per area, tube capacity and
//! self-closing, one-household tubes, duplicates, idempotent retries, walk-ins, the round's
//! window and who may collect where. On both backends.

use wardline::db::{now_ms, Db};
use wardline::error::AppError;
use wardline::registry::edit;
use wardline::registry::model::{LEVEL_COMMUNITY, LEVEL_GRID, LEVEL_STREET};
use wardline::registry::residents::ResidentInput;
use wardline::testing::ingest::{Op, Outcome, PersonRef, Status, Submission};
use wardline::testing::{self as testing, coverage, results};

use crate::access::id_number;
use crate::common::{backends, demo};
use crate::testing::{
    actor, add, add_confirm, add_ref, areas_at, check_coverage, close, codes, count, household,
    one, open, reader, round_over, site, state, status, submit,
};

const HOUR: i64 = 3_600_000;

/// A refusal says why in both languages.
fn assert_refused(o: &Outcome, code: &str, what: &str) {
    assert_eq!(
        (o.status, o.code.as_str()),
        (Status::Refused, code),
        "{what}: {o:?}"
    );
    assert!(
        !o.message.en.is_empty() && !o.message.zh.is_empty() && o.message.en != o.message.zh,
        "{what}: a message in both languages: {o:?}"
    );
    assert!(
        o.message.zh.chars().any(|c| c > '\u{2e80}'),
        "{what}: the Chinese message is Chinese: {:?}",
        o.message
    );
}

/// Residents in id order, skipping the members of `exclude` households.
async fn residents(db: &Db, exclude: &[i64], n: usize) -> Vec<i64> {
    db.query("SELECT id, household_id FROM residents ORDER BY id", vec![])
        .await
        .unwrap()
        .iter()
        .filter(|r| !exclude.contains(&r.int(1)))
        .map(|r| r.int(0))
        .take(n)
        .collect()
}

#[tokio::test]
async fn pool_sizes_per_area_capacity_and_household_tubes() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 1_500, 21).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let comms = areas_at(db, LEVEL_COMMUNITY).await;
        let grids = areas_at(db, LEVEL_GRID).await;
        let (c1, c2) = (comms[0].clone(), comms[1].clone());
        let g2 = grids
            .iter()
            .find(|g| g.starts_with(c2.as_str()))
            .unwrap()
            .clone();
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 10, now - HOUR, now + HOUR).await;
        let a = actor(&hq);
        testing::set_pool_rule(db, &a, &hq, &round, &c1, "1")
            .await
            .unwrap();
        testing::set_pool_rule(db, &a, &hq, &round, &g2, "0")
            .await
            .unwrap();
        // The most specific rule wins; the round's default elsewhere.
        let rules = testing::pool_rules(db, round.id).await.unwrap();
        assert_eq!(rules.len(), 2, "{name}");
        let at = |p: &str| testing::pool_at(round.pool_size, &rules, p);
        assert_eq!(at("431102"), 10);
        assert_eq!(at(&c1), 1);
        assert_eq!(at(&format!("{c1}/G0001/B00001")), 1);
        assert_eq!(at(&c2), 10);
        assert_eq!(at(&g2), 0);
        assert_eq!(at(&format!("{g2}/B00001")), 0);
        // A rule for the community around g2 does not override g2's own.
        testing::set_pool_rule(db, &a, &hq, &round, &c2, "5")
            .await
            .unwrap();
        // Setting c1 again replaces its rule.
        testing::set_pool_rule(db, &a, &hq, &round, &c1, "20")
            .await
            .unwrap();
        let rules = testing::pool_rules(db, round.id).await.unwrap();
        assert_eq!(rules.len(), 3, "{name}: {rules:?}");
        let at = |p: &str| testing::pool_at(round.pool_size, &rules, p);
        assert_eq!((at(&c1), at(&c2), at(&g2)), (20, 5, 0), "{name}");
        testing::set_pool_rule(db, &a, &hq, &round, &c1, "1")
            .await
            .unwrap();
        testing::set_pool_rule(db, &a, &hq, &round, &c2, "10")
            .await
            .unwrap();
        // Only 1, 5, 10, 20 or 0; only managers.
        let e = testing::set_pool_rule(db, &a, &hq, &round, &c1, "3").await;
        assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
        let e = testing::set_pool_rule(db, &actor(&col), &col, &round, &c1, "5").await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");

        let s_dist = site(db, &hq, &round, "431102", &["col"]).await;
        let s_c1 = site(db, &hq, &round, &c1, &["col"]).await;
        let s_g2 = site(db, &hq, &round, &g2, &["col"]).await;

        let (h1, m1) = household(db, "431102", 3, 0).await;
        let (h2, m2) = household(db, "431102", 1, 5).await;
        assert_ne!(h1, h2);
        let people = residents(db, &[h1, h2], 12).await;

        // Pool 10 at the district's site: the tenth swab closes the tube, the eleventh is refused.
        let o = one(db, &col, &round, open("o1", "P10", Some(s_dist))).await;
        assert_eq!(o.code, "opened", "{name}: {o:?}");
        assert_eq!(o.tube.as_ref().unwrap().capacity, 10);
        let ops: Vec<Op> = people[..11]
            .iter()
            .enumerate()
            .map(|(i, &p)| add(&format!("p10-{i}"), "P10", p))
            .collect();
        let o = submit(db, &col, &round, ops, false).await;
        assert!(o[..10].iter().all(|x| x.code == "added"), "{name}: {o:?}");
        assert!(!o[8].tube.as_ref().unwrap().closed);
        let full = o[9].tube.as_ref().unwrap();
        assert!(full.closed && full.n == 10, "{name}: {full:?}");
        assert_refused(&o[10], "tube_closed", "the eleventh swab");
        assert_eq!(status(db, &round, people[10]).await, None);

        // Pool 1 in c1: one swab and the tube is closed.
        one(db, &col, &round, open("o2", "P1", Some(s_c1))).await;
        let o = one(db, &col, &round, add("p1-0", "P1", people[10])).await;
        assert_eq!(o.code, "added");
        let tube = o.tube.unwrap();
        assert!(
            tube.closed && tube.capacity == 1 && tube.n == 1,
            "{name}: {tube:?}"
        );
        let o = one(db, &col, &round, add("p1-1", "P1", people[11])).await;
        assert_refused(&o, "tube_closed", "a second swab in a single tube");

        // One tube per household in g2: the whole household, nobody else, closed by hand.
        let o = one(db, &col, &round, open("o3", "H1", Some(s_g2))).await;
        assert_eq!(o.tube.as_ref().unwrap().capacity, 0, "{name}");
        for (i, &m) in m1.iter().enumerate() {
            let o = one(db, &col, &round, add(&format!("h1-{i}"), "H1", m)).await;
            assert_eq!(o.code, "added", "{name}: {o:?}");
            assert!(!o.tube.unwrap().closed, "a household tube never fills up");
        }
        let o = one(db, &col, &round, add("h1-x", "H1", m2[0])).await;
        assert_refused(&o, "other_household", "another household's member");
        assert_eq!(o.tube.as_ref().unwrap().n, m1.len() as i64);
        let walk = PersonRef::WalkIn {
            doc_type: None,
            number: id_number("19900315", 977),
            name: "过路人".into(),
            phone: None,
        };
        let o = one(db, &col, &round, add_ref("h1-w", "H1", walk)).await;
        assert_refused(&o, "other_household", "a walk-in in a household tube");
        let o = one(db, &col, &round, close("h1-c", "H1")).await;
        assert_eq!((o.status, o.code.as_str()), (Status::Accepted, "closed"));
        let r = db
            .query_one(
                "SELECT household_id, n, closed_ms FROM test_tubes WHERE round_id = $1 AND barcode = 'H1'",
                wardline::args![round.id],
            )
            .await
            .unwrap();
        assert_eq!(r.opt_int(0), Some(h1), "{name}");
        assert_eq!(r.int(1), m1.len() as i64);
        assert!(r.opt_int(2).is_some());
        // Closing again is harmless.
        let o = one(db, &col, &round, close("h1-c2", "H1")).await;
        assert_eq!(o.code, "closed");

        // Opening: which site, which barcode.
        let before = state(db).await;
        let o = one(db, &col, &round, open("o4", "NEW", None)).await;
        assert_refused(&o, "site_required", "a collector at several sites");
        let o = one(db, &col, &round, open("o5", "P10", Some(s_dist))).await;
        assert_refused(&o, "tube_in_use", "a closed tube's barcode");
        let o = one(db, &col, &round, open("o6", "NEW", Some(999_999))).await;
        assert_refused(&o, "unknown_site", "no such site");
        let other = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        let other_site = site(db, &hq, &other, "431102", &["col"]).await;
        let o = one(db, &col, &round, open("o7", "NEW", Some(other_site))).await;
        assert_refused(&o, "unknown_site", "a site of another round");
        let o = one(db, &col, &round, add("u1", "NOPE", people[11])).await;
        assert_refused(&o, "unknown_tube", "add to a tube never opened");
        let o = one(db, &col, &round, close("u2", "NOPE")).await;
        assert_refused(&o, "unknown_tube", "close a tube never opened");
        let o = one(db, &col, &round, open("b1", "bad code!", Some(s_dist))).await;
        assert_refused(&o, "bad_barcode", "a barcode with a space");
        let o = one(db, &col, &round, open(" ", "NEW", Some(s_dist))).await;
        assert_refused(&o, "bad_client_id", "a blank client id");
        // Refusals change nothing but the stored replies.
        let strip = |s: &str| s.split("--\n").take(9).collect::<Vec<_>>().join("--\n");
        assert_eq!(strip(&state(db).await), strip(&before), "{name}");

        let o = one(db, &col, &round, open("o8", "E1", Some(s_dist))).await;
        assert_eq!(o.code, "opened");
        let o = one(db, &col, &round, open("o9", "E1", Some(s_dist))).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Accepted, "opened"),
            "opening an open tube again at its site is fine"
        );
        let o = one(db, &col, &round, open("o10", "E1", Some(s_c1))).await;
        assert_refused(&o, "tube_in_use", "an open tube's barcode at another site");
        let o = one(db, &col, &round, close("c-e1", "E1")).await;
        assert_refused(&o, "tube_empty", "closing an empty tube");
        assert!(!o.tube.unwrap().closed);
        // The same barcode is free in another round.
        let o = one(db, &col, &other, open("x1", "P10", Some(other_site))).await;
        assert_eq!(o.code, "opened", "{name}: {o:?}");

        let c = check_coverage(db, &round, "431102").await;
        assert_eq!(c.sampled, 11 + m1.len() as i64, "{name}");
    }
}

#[tokio::test]
async fn duplicates_are_flagged_and_recorded_only_when_confirmed() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 600, 22).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let col2 = reader(db, "col2", "collector", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        let s = site(db, &hq, &round, "431102", &["col", "col2"]).await;
        let p = residents(db, &[], 4).await;
        submit(
            db,
            &col,
            &round,
            vec![open("o1", "T1", Some(s)), add("a0", "T1", p[0])],
            false,
        )
        .await;
        let first_ms = db
            .query_one(
                "SELECT first_ms FROM test_persons WHERE round_id = $1 AND resident_id = $2",
                wardline::args![round.id, p[0]],
            )
            .await
            .unwrap()
            .int(0);
        one(db, &col, &round, open("o2", "T2", Some(s))).await;

        // Without confirm: flagged, not put in the tube, nothing written but the reply.
        let before = state(db).await;
        let o = one(db, &col, &round, add("d1", "T2", p[0])).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Flagged, "already_sampled")
        );
        assert_eq!(o.earlier, Some(("T1".to_owned(), first_ms)), "{name}");
        assert_eq!(o.person.as_ref().unwrap().resident_id, Some(p[0]));
        assert_eq!(o.tube.as_ref().unwrap().n, 0);
        let strip = |s: &str| s.split("--\n").take(9).collect::<Vec<_>>().join("--\n");
        assert_eq!(strip(&state(db).await), strip(&before), "{name}");
        // confirm: false is the same.
        let o = one(db, &col, &round, add_confirm("d2", "T2", p[0], false)).await;
        assert_eq!(o.tube.as_ref().unwrap().n, 0, "{name}");

        // With confirm: the swab is in the tube, recorded as a repeat, counted once.
        let o = one(db, &col, &round, add_confirm("d3", "T2", p[0], true)).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Flagged, "already_sampled")
        );
        assert_eq!(o.tube.as_ref().unwrap().n, 1, "{name}");
        assert_eq!(o.earlier.as_ref().unwrap().0, "T1");
        let dup = count(
            db,
            "SELECT COUNT(*) FROM test_samples WHERE resident_id = $1 AND barcode = 'T2' AND duplicate = 1",
            wardline::args![p[0]],
        )
        .await;
        assert_eq!(dup, 1, "{name}");
        let r = db
            .query_one(
                "SELECT status, barcode, first_barcode FROM test_persons WHERE round_id = $1 AND resident_id = $2",
                wardline::args![round.id, p[0]],
            )
            .await
            .unwrap();
        assert_eq!(
            (r.text(0), r.text(1), r.text(2)),
            ("pending", "T1", "T1"),
            "{name}: the first sample settles the person"
        );
        let c = check_coverage(db, &round, "431102").await;
        assert_eq!(c.sampled, 1, "{name}");

        // Offline batches default to confirm (the swab was taken hours ago).
        let mut o = open("off1", "T2", Some(s));
        o.taken_ms = Some(now - 60_000);
        let mut a = add("off2", "T2", p[0]);
        a.taken_ms = Some(now - 50_000);
        let out = submit(db, &col, &round, vec![o, a], true).await;
        assert_eq!(codes(&out), ["opened", "already_sampled"], "{name}");
        assert_eq!(out[1].tube.as_ref().unwrap().n, 2);

        // Two devices swab the same person in one group commit: the second is the repeat.
        one(db, &col2, &round, open("o3", "T3", Some(s))).await;
        let s1 = Submission {
            reader: col.clone(),
            round: round.clone(),
            ops: vec![add("x1", "T2", p[1])],
            offline: false,
        };
        let s2 = Submission {
            reader: col2.clone(),
            round: round.clone(),
            ops: vec![add("x1", "T3", p[1])],
            offline: false,
        };
        let out = wardline::testing::ingest::apply(db, &[&s1, &s2])
            .await
            .unwrap();
        assert_eq!(out[0][0].code, "added", "{name}");
        assert_eq!(
            (out[1][0].status, out[1][0].code.as_str()),
            (Status::Flagged, "already_sampled"),
            "{name}"
        );
        assert_eq!(out[1][0].earlier.as_ref().unwrap().0, "T2");
        let c = check_coverage(db, &round, "431102").await;
        assert_eq!(c.sampled, 2, "{name}");
        // The tube view shows the repeat for what it is.
        let v = results::tube(db, round.id, "T2", &hq.registry_scope())
            .await
            .unwrap();
        let flags: Vec<(Option<i64>, bool)> = v
            .people
            .iter()
            .map(|x| (x.resident_id, x.duplicate))
            .collect();
        assert_eq!(
            flags,
            [(Some(p[0]), true), (Some(p[0]), true), (Some(p[1]), false)],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_retry_with_the_same_client_id_is_replayed_and_changes_nothing() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 600, 23).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let col2 = reader(db, "col2", "collector", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        let s = site(db, &hq, &round, "431102", &["col", "col2"]).await;
        let p = residents(db, &[], 4).await;
        let o = submit(
            db,
            &col,
            &round,
            vec![open("o1", "T1", Some(s)), add("a1", "T1", p[0])],
            false,
        )
        .await;
        assert_eq!(codes(&o), ["opened", "added"]);
        let first = o[1].clone();

        // The same client id again (the reply was lost): the stored reply, marked replayed,
        // and not a byte changed, even when the retry carries something else.
        let before = state(db).await;
        for retry in [
            add("a1", "T1", p[0]),
            add("a1", "T1", p[1]),
            close("a1", "T1"),
        ] {
            let o = one(db, &col, &round, retry).await;
            assert!(o.replayed, "{name}: {o:?}");
            assert_eq!(
                Outcome {
                    replayed: false,
                    ..o
                },
                first,
                "{name}"
            );
            assert_eq!(
                state(db).await,
                before,
                "{name}: a retry changed the database"
            );
        }
        let o = one(db, &col, &round, open("o1", "T1", Some(s))).await;
        assert!(o.replayed && o.code == "opened");
        assert_eq!(state(db).await, before);

        // The same client id twice in one request: the second is the first's reply.
        let o = submit(
            db,
            &col,
            &round,
            vec![add("b1", "T1", p[1]), add("b1", "T1", p[1])],
            false,
        )
        .await;
        assert_eq!(codes(&o), ["added", "added"]);
        assert!(!o[0].replayed && o[1].replayed, "{name}: {o:?}");
        assert_eq!(o[1].tube.as_ref().unwrap().n, 2, "not added twice");

        // The same client id from another account is another submission.
        let o = one(db, &col2, &round, add("a1", "T1", p[2])).await;
        assert_eq!(o.code, "added", "{name}: {o:?}");
        assert!(!o.replayed);
        assert_eq!(o.tube.as_ref().unwrap().n, 3);

        // A refusal is a reply like any other: its retry is the same refusal. (A device that
        // fixes the cause sends a new client id.)
        let o = one(db, &col, &round, add("c1", "T9", p[3])).await;
        assert_eq!(o.code, "unknown_tube");
        one(db, &col, &round, open("o9", "T9", Some(s))).await;
        let o = one(db, &col, &round, add("c1", "T9", p[3])).await;
        assert!(o.replayed && o.code == "unknown_tube", "{name}: {o:?}");
        let o = one(db, &col, &round, add("c2", "T9", p[3])).await;
        assert_eq!(o.code, "added");

        let keys = count(db, "SELECT COUNT(*) FROM test_submissions", vec![]).await;
        assert_eq!(keys, 7, "{name}: o1 a1 b1 col2:a1 c1 o9 c2");
        let samples = count(db, "SELECT COUNT(*) FROM test_samples", vec![]).await;
        assert_eq!(samples, 4, "{name}");
        check_coverage(db, &round, "431102").await;
    }
}

#[tokio::test]
async fn walk_ins_documents_and_personal_codes() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 800, 24).await;
        let grid = areas_at(db, LEVEL_GRID).await[0].clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let gw = reader(db, "gw", "grid", &grid).await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        let s = site(db, &hq, &round, &grid, &["col"]).await;
        one(db, &col, &round, open("o1", "W1", Some(s))).await;

        // An invalid document: refused, with what is wrong in both languages.
        let bad = PersonRef::WalkIn {
            doc_type: None,
            number: "4311021990".into(),
            name: "".into(),
            phone: Some("123".into()),
        };
        let o = one(db, &col, &round, add_ref("w0", "W1", bad)).await;
        assert_refused(&o, "invalid", "a walk-in with a bad document");
        assert!(o.message.en.contains("18 characters"), "{:?}", o.message);
        assert!(o.message.zh.contains("18 位"), "{:?}", o.message);
        assert!(o.message.en.contains("name") && o.message.zh.contains("姓名"));
        let o = one(
            db,
            &col,
            &round,
            add_ref(
                "w0b",
                "W1",
                PersonRef::WalkIn {
                    doc_type: Some("spaceship".into()),
                    number: "X1".into(),
                    name: "某人".into(),
                    phone: None,
                },
            ),
        )
        .await;
        assert_refused(&o, "invalid", "an unknown document type");

        // A valid one not in the registry: a pending walk-in, name masked.
        let doc = id_number("19900315", 977);
        let walk = |cid: &str| {
            add_ref(
                cid,
                "W1",
                PersonRef::WalkIn {
                    doc_type: None,
                    number: doc.to_lowercase(),
                    name: "欧阳临时".into(),
                    phone: Some("13800138000".into()),
                },
            )
        };
        let o = one(db, &col, &round, walk("w1")).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Accepted, "walk_in"),
            "{name}: {o:?}"
        );
        let p = o.person.unwrap();
        assert_eq!((p.resident_id, p.name.as_str()), (None, "欧**时"));
        let pending = results::walkins(db, &gw.scope).await.unwrap();
        assert_eq!(pending.len(), 1, "{name}");
        assert_eq!(pending[0].barcode, "W1");
        assert!(
            !pending[0].doc_number_masked.contains(&doc[6..14]),
            "masked"
        );
        let wid = pending[0].id;
        // Out of the grid worker's sight elsewhere.
        let other = reader(db, "gw2", "grid", &areas_at(db, LEVEL_GRID).await[1]).await;
        assert!(results::walkins(db, &other.scope).await.unwrap().is_empty());
        // The same walk-in again: flagged; recorded as a repeat only with confirm.
        let o = one(db, &col, &round, walk("w2")).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Flagged, "already_sampled")
        );
        assert_eq!(o.tube.as_ref().unwrap().n, 1, "{name}");
        let o = one(
            db,
            &col,
            &round,
            wardline::testing::ingest::Op {
                kind: wardline::testing::ingest::OpKind::Add {
                    person: PersonRef::WalkIn {
                        doc_type: None,
                        number: doc.clone(),
                        name: "欧阳临时".into(),
                        phone: None,
                    },
                    confirm: Some(true),
                },
                ..walk("w3")
            },
        )
        .await;
        assert_eq!(o.status, Status::Flagged);
        assert_eq!(o.tube.as_ref().unwrap().n, 2, "{name}");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM test_walkins", vec![]).await,
            1
        );
        let c0 = check_coverage(db, &round, "431102").await;
        assert_eq!(c0.sampled, 0, "{name}: walk-ins count once registered");

        // Linking before the person is registered: refused, nothing changes.
        let e = results::resolve_walkin(db, &actor(&gw), &gw, wid, true).await;
        assert!(matches!(e, Err(AppError::Conflict(_))), "{e:?}");
        // Not the collector's business, nor another grid's.
        let e = results::resolve_walkin(db, &actor(&col), &col, wid, true).await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
        let e = results::resolve_walkin(db, &actor(&other), &other, wid, false).await;
        assert!(matches!(e, Err(AppError::NotFound)), "{e:?}");

        // Register them in a household of the grid, then link: the sample is theirs and counts.
        let (hh, _) = household(db, &grid, 1, 0).await;
        let rid = edit::add_resident(
            db,
            &actor(&gw),
            &gw,
            hh,
            &ResidentInput {
                name: "欧阳临时".into(),
                doc_number: doc.clone(),
                relation: Some("other".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let c1 = check_coverage(db, &round, "431102").await;
        assert_eq!((c1.expected, c1.missing), (c0.expected + 1, c0.missing + 1));
        results::resolve_walkin(db, &actor(&gw), &gw, wid, true)
            .await
            .unwrap();
        assert_eq!(
            status(db, &round, rid).await.as_deref(),
            Some("pending"),
            "{name}"
        );
        let c2 = check_coverage(db, &round, "431102").await;
        assert_eq!((c2.sampled, c2.missing), (1, c0.missing), "{name}");
        let r = db
            .query(
                "SELECT resident_id, duplicate FROM test_samples WHERE barcode = 'W1' ORDER BY id",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|x| x.opt_int(0) == Some(rid)), "{name}");
        assert_eq!(
            (r[0].int(1), r[1].int(1)),
            (0, 1),
            "{name}: the repeat stays a repeat"
        );
        assert!(results::walkins(db, &gw.scope).await.unwrap().is_empty());
        let e = results::resolve_walkin(db, &actor(&gw), &gw, wid, true).await;
        assert!(matches!(e, Err(AppError::Conflict(_))), "{e:?}");
        // Now registered, the same document is that resident (and already sampled).
        let o = one(
            db,
            &col,
            &round,
            add_ref(
                "w4",
                "W1",
                PersonRef::Doc {
                    doc_type: None,
                    number: doc.clone(),
                },
            ),
        )
        .await;
        assert_eq!(
            (o.code.as_str(), o.person.unwrap().resident_id),
            ("already_sampled", Some(rid))
        );

        // A second walk-in, dismissed (only passing through).
        let doc2 = id_number("19880101", 978);
        let o = one(
            db,
            &col,
            &round,
            add_ref(
                "w5",
                "W1",
                PersonRef::WalkIn {
                    doc_type: None,
                    number: doc2,
                    name: "路过".into(),
                    phone: None,
                },
            ),
        )
        .await;
        assert_eq!(o.code, "walk_in");
        let w2 = results::walkins(db, &gw.scope).await.unwrap()[0].id;
        results::resolve_walkin(db, &actor(&gw), &gw, w2, false)
            .await
            .unwrap();
        let st = count(
            db,
            "SELECT COUNT(*) FROM test_walkins WHERE status = 'dismissed'",
            vec![],
        )
        .await;
        assert_eq!(st, 1);
        check_coverage(db, &round, "431102").await;

        // A resident by document, by personal code; a forged code; an unknown document.
        let p = residents(db, &[hh], 3).await;
        let docs = db
            .query(
                "SELECT doc_type, doc_number FROM residents WHERE id = $1",
                wardline::args![p[0]],
            )
            .await
            .unwrap();
        one(db, &col, &round, open("o2", "W2", Some(s))).await;
        let o = one(
            db,
            &col,
            &round,
            add_ref(
                "r1",
                "W2",
                PersonRef::Doc {
                    doc_type: Some(docs[0].string(0)),
                    number: docs[0].string(1),
                },
            ),
        )
        .await;
        assert_eq!(
            (o.code.as_str(), o.person.unwrap().resident_id),
            ("added", Some(p[0]))
        );
        let secret = testing::qr_secret(db).await.unwrap();
        let code = testing::resident_code(&secret, p[1]);
        let o = one(db, &col, &round, add_ref("r2", "W2", PersonRef::Qr(code))).await;
        assert_eq!(
            (o.code.as_str(), o.person.unwrap().resident_id),
            ("added", Some(p[1])),
            "{name}"
        );
        let forged = format!("WLR1.{}.ABCDEF123456", p[2]);
        let o = one(db, &col, &round, add_ref("r3", "W2", PersonRef::Qr(forged))).await;
        assert_refused(&o, "bad_code", "a forged personal code");
        let o = one(
            db,
            &col,
            &round,
            add_ref(
                "r4",
                "W2",
                PersonRef::Doc {
                    doc_type: None,
                    number: id_number("19700101", 979),
                },
            ),
        )
        .await;
        assert_refused(&o, "not_in_round", "a document nobody has");
        check_coverage(db, &round, "431102").await;
    }
}

#[tokio::test]
async fn the_round_window_its_area_and_who_may_collect_where() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 800, 25).await;
        let streets = areas_at(db, LEVEL_STREET).await;
        let grids = areas_at(db, LEVEL_GRID).await;
        let (s1, s2) = (streets[0].clone(), streets[1].clone());
        let g1 = grids
            .iter()
            .find(|g| g.starts_with(s1.as_str()))
            .unwrap()
            .clone();
        let g1b = grids
            .iter()
            .filter(|g| g.starts_with(s1.as_str()))
            .nth(1)
            .unwrap()
            .clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let col2 = reader(db, "col2", "collector", "431102").await;
        let gw = reader(db, "gw", "grid", &g1).await;
        let vol = reader(db, "vol", "volunteer", "431102").await;
        let now = now_ms();

        // A round over street s1 only.
        let round = round_over(db, &hq, &s1, 5, now - HOUR, now + HOUR).await;
        let site1 = site(db, &hq, &round, &s1, &["col"]).await;
        let site2 = site(db, &hq, &round, &g1b, &["col2"]).await;
        let site_g1 = site(db, &hq, &round, &g1, &[]).await;
        let inside = residents_under(db, &s1, 3).await;
        let outside = residents_under(db, &s2, 1).await;
        one(db, &col, &round, open("o1", "T1", Some(site1))).await;
        let o = one(db, &col, &round, add("a1", "T1", outside[0])).await;
        assert_refused(&o, "not_in_round", "a resident of another street");
        assert_eq!(o.tube.as_ref().unwrap().n, 0);
        let o = one(db, &col, &round, add("a2", "T1", inside[0])).await;
        assert_eq!(o.code, "added", "{name}");

        // A collector only at the sites they are listed at.
        let o = one(db, &col2, &round, open("x1", "T2", Some(site1))).await;
        assert_refused(&o, "not_collector", "opening at someone else's site");
        let o = one(db, &col2, &round, add("x2", "T1", inside[1])).await;
        assert_refused(&o, "not_collector", "adding to someone else's tube");
        let o = one(db, &col2, &round, close("x3", "T1")).await;
        assert_refused(&o, "not_collector", "closing someone else's tube");
        let o = one(db, &col2, &round, open("x4", "T2", None)).await;
        assert_eq!(
            (o.code.as_str(), o.tube.unwrap().site_id),
            ("opened", site2),
            "{name}: a collector's only site is the default"
        );
        // A grid worker samples at sites in their grid without being listed, not elsewhere.
        let o = one(db, &gw, &round, open("g1", "T3", Some(site_g1))).await;
        assert_eq!(o.code, "opened", "{name}: {o:?}");
        let o = one(db, &gw, &round, open("g2", "T4", Some(site1))).await;
        assert_refused(&o, "not_collector", "a grid worker at a street's site");
        // A volunteer is not a collector anywhere.
        let o = one(db, &vol, &round, open("v1", "T5", Some(site_g1))).await;
        assert_refused(&o, "not_collector", "a volunteer");
        // Managers see the round; the collector sees it through their site; others do not.
        assert!(testing::visible_round(db, &col2, round.id).await.is_ok());
        let far = reader(db, "far", "collector", &s2).await;
        assert!(matches!(
            testing::visible_round(db, &far, round.id).await,
            Err(AppError::NotFound)
        ));

        // A round that has ended: live scans are refused, offline items taken in time count.
        let past = round_over(db, &hq, &s1, 5, now - 3 * HOUR, now - 2 * HOUR).await;
        let ps = site(db, &hq, &past, &s1, &["col"]).await;
        let before = state(db).await;
        let o = one(db, &col, &past, open("p1", "T1", Some(ps))).await;
        assert_refused(&o, "round_closed", "a live scan after the round");
        let strip = |s: &str| s.split("--\n").take(9).collect::<Vec<_>>().join("--\n");
        assert_eq!(strip(&state(db).await), strip(&before));
        let timed = |mut o: Op, at: i64| {
            o.taken_ms = Some(at);
            o
        };
        let out = submit(
            db,
            &col,
            &past,
            vec![
                timed(open("p2", "T1", Some(ps)), now - 150 * 60_000),
                timed(add("p3", "T1", inside[1]), now - 149 * 60_000),
                timed(add("p4", "T1", inside[2]), now - 4 * HOUR),
                timed(add("p5", "T1", inside[2]), now + HOUR),
                add("p6", "T1", inside[2]),
            ],
            true,
        )
        .await;
        assert_eq!(
            codes(&out),
            [
                "opened",
                "added",
                "round_closed",
                "future_time",
                "round_closed"
            ],
            "{name}"
        );
        assert_eq!(
            count(
                db,
                "SELECT taken_ms FROM test_samples WHERE round_id = $1",
                wardline::args![past.id]
            )
            .await,
            now - 149 * 60_000,
            "{name}: the device's time is kept"
        );
        // A round not yet begun.
        let future = round_over(db, &hq, &s1, 5, now + HOUR, now + 2 * HOUR).await;
        let fs = site(db, &hq, &future, &s1, &["col"]).await;
        let o = one(db, &col, &future, open("f1", "T1", Some(fs))).await;
        assert_refused(&o, "round_closed", "a scan before the round");
        check_coverage(db, &round, &s1).await;
        check_coverage(db, &past, &s1).await;
        let _ = coverage::subtree(db, future.id, &s1).await.unwrap();
    }
}

async fn residents_under(db: &Db, path: &str, n: usize) -> Vec<i64> {
    db.query(
        "SELECT id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id",
        wardline::args![path, wardline::db::path_end(path)],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.int(0))
    .take(n)
    .collect()
}
