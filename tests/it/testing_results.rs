//! Lab results: negative settles, positive single tubes, positive pooled tubes and their
//! individual re-tests, invalid tubes and re-samples, all-or-nothing uploads, roles. On both
//! backends.

use wardline::args;
use wardline::db::now_ms;
use wardline::error::AppError;
use wardline::registry::model::{LEVEL_COMMUNITY, LEVEL_STREET};
use wardline::testing::ingest::Status;
use wardline::testing::{coverage, results};

use crate::common::{backends, demo, exec};
use crate::testing::{
    actor, add, add_confirm, areas_at, check_coverage, close, count, lab_results, one, open,
    open_tasks, reader, round_over, site, state, status, submit,
};

const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn results_settle_people_and_positive_pools_bring_individual_retests() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 800, 31).await;
        let comms = areas_at(db, LEVEL_COMMUNITY).await;
        let streets = areas_at(db, LEVEL_STREET).await;
        let single = comms[0].clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let lab = reader(db, "lab", "lab", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        wardline::testing::set_pool_rule(db, &actor(&hq), &hq, &round, &single, "1")
            .await
            .unwrap();
        let s = site(db, &hq, &round, "431102", &["col"]).await;
        let s1 = site(db, &hq, &round, &single, &["col"]).await;
        let p: Vec<i64> = db
            .query("SELECT id FROM residents ORDER BY id LIMIT 12", vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        let tube = |cid: &str, barcode: &str, site: i64, people: &[i64]| {
            let mut ops = vec![open(&format!("{cid}-o"), barcode, Some(site))];
            for (i, &x) in people.iter().enumerate() {
                ops.push(add(&format!("{cid}-{i}"), barcode, x));
            }
            ops
        };
        let mut ops = tube("t1", "T1", s, &p[0..3]);
        ops.push(close("t1-c", "T1"));
        ops.extend(tube("t2", "T2", s, &p[3..5]));
        ops.push(close("t2-c", "T2"));
        ops.extend(tube("t3", "T3", s, &p[5..6]));
        ops.push(close("t3-c", "T3"));
        ops.extend(tube("t4", "T4", s1, &p[6..7]));
        ops.extend(tube("t5", "T5", s, &p[7..9]));
        let out = submit(db, &col, &round, ops, false).await;
        assert!(
            out.iter().all(|o| o.status == Status::Accepted),
            "{name}: {out:?}"
        );
        // T5 also holds a repeat swab of p0, and T9 (single) one of p1.
        let out = submit(
            db,
            &col,
            &round,
            vec![
                add_confirm("t5-r", "T5", p[0], true),
                close("t5-c", "T5"),
                open("t9-o", "T9", Some(s1)),
                add_confirm("t9-r", "T9", p[1], true),
            ],
            false,
        )
        .await;
        assert_eq!(out[0].code, "already_sampled", "{name}");
        assert_eq!(out[0].tube.as_ref().unwrap().n, 3);
        assert!(out[3].tube.as_ref().unwrap().closed);
        let c0 = check_coverage(db, &round, "431102").await;
        assert_eq!(c0.sampled, 9, "{name}");

        // Negative: everyone in the tube is settled.
        let rep = lab_results(db, &lab, &round, &[("T1", "negative")])
            .await
            .unwrap();
        assert_eq!((rep.tubes, rep.negative_people), (1, 3), "{name}");
        for &x in &p[0..3] {
            assert_eq!(status(db, &round, x).await.as_deref(), Some("negative"));
        }
        // Positive single tube, and a pooled tube that held one swab: positive.
        let rep = lab_results(db, &lab, &round, &[("T4", "阳性"), ("T3", "pos")])
            .await
            .unwrap();
        assert_eq!((rep.tubes, rep.positive_people, rep.retests_due), (2, 2, 0));
        assert_eq!(status(db, &round, p[6]).await.as_deref(), Some("positive"));
        assert_eq!(status(db, &round, p[5]).await.as_deref(), Some("positive"));
        // A single tube holding a repeat swab: its person is positive, whatever their first
        // tube said.
        let rep = lab_results(db, &lab, &round, &[("T9", "positive")])
            .await
            .unwrap();
        assert_eq!(rep.positive_people, 1, "{name}: {rep:?}");
        assert_eq!(
            status(db, &round, p[1]).await.as_deref(),
            Some("positive"),
            "{name}: p1's own swab, alone in T9, was positive"
        );

        // Positive pool: everyone whose swab is in it, the repeat of p0 included, needs a
        // re-test alone, with an open task each.
        let rep = lab_results(db, &lab, &round, &[("T5", "positive")])
            .await
            .unwrap();
        assert_eq!(rep.retests_due, 3, "{name}: {rep:?}");
        for &x in &[p[7], p[8], p[0]] {
            assert_eq!(
                status(db, &round, x).await.as_deref(),
                Some("retest"),
                "{name}"
            );
            assert_eq!(
                open_tasks(db, &round, x).await,
                [("retest".to_owned(), "T5".to_owned())]
            );
        }
        let tasks = results::tasks(db, round.id, &hq.registry_scope(), 100)
            .await
            .unwrap();
        assert_eq!(tasks.len(), 3, "{name}");
        // People waiting for a re-test are still counted as sampled.
        assert_eq!(check_coverage(db, &round, "431102").await.sampled, 9);

        // A re-test in a pooled tube is refused; in a single tube it is taken.
        one(db, &col, &round, open("t6-o", "T6", Some(s))).await;
        let before = state(db).await;
        let o = one(db, &col, &round, add("t6-a", "T6", p[7])).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Refused, "needs_single_tube")
        );
        let strip = |s: &str| s.split("--\n").take(9).collect::<Vec<_>>().join("--\n");
        assert_eq!(strip(&state(db).await), strip(&before), "{name}");
        let out = submit(
            db,
            &col,
            &round,
            vec![open("t7-o", "T7", Some(s1)), add("t7-a", "T7", p[7])],
            false,
        )
        .await;
        assert_eq!(out[1].code, "added", "{name}: {:?}", out[1]);
        assert_eq!(out[1].message.en, "re-test sample added");
        assert!(out[1].tube.as_ref().unwrap().closed);
        assert_eq!(
            status(db, &round, p[7]).await.as_deref(),
            Some("retest_pending")
        );
        assert!(
            open_tasks(db, &round, p[7]).await.is_empty(),
            "{name}: the task is done"
        );
        let retest_flag = count(
            db,
            "SELECT retest FROM test_samples WHERE barcode = 'T7' AND resident_id = $1",
            args![p[7]],
        )
        .await;
        assert_eq!(retest_flag, 1);
        let rep = lab_results(db, &lab, &round, &[("T7", "negative")])
            .await
            .unwrap();
        assert_eq!(rep.negative_people, 1);
        assert_eq!(
            status(db, &round, p[7]).await.as_deref(),
            Some("negative"),
            "{name}"
        );
        // p8's re-test is positive: positive.
        submit(
            db,
            &col,
            &round,
            vec![open("t8-o", "T8", Some(s1)), add("t8-a", "T8", p[8])],
            false,
        )
        .await;
        lab_results(db, &lab, &round, &[("T8", "positive")])
            .await
            .unwrap();
        assert_eq!(
            status(db, &round, p[8]).await.as_deref(),
            Some("positive"),
            "{name}"
        );
        // p0's re-test tube is invalid: back to waiting for a re-test alone.
        submit(
            db,
            &col,
            &round,
            vec![open("t10-o", "T10", Some(s1)), add("t10-a", "T10", p[0])],
            false,
        )
        .await;
        let rep = lab_results(db, &lab, &round, &[("T10", "invalid")])
            .await
            .unwrap();
        assert_eq!(rep.resamples_due, 1);
        assert_eq!(
            status(db, &round, p[0]).await.as_deref(),
            Some("retest"),
            "{name}"
        );
        assert_eq!(
            open_tasks(db, &round, p[0]).await,
            [("retest".to_owned(), "T10".to_owned())]
        );
        submit(
            db,
            &col,
            &round,
            vec![open("t11-o", "T11", Some(s1)), add("t11-a", "T11", p[0])],
            false,
        )
        .await;
        lab_results(db, &lab, &round, &[("T11", "negative")])
            .await
            .unwrap();
        assert_eq!(
            status(db, &round, p[0]).await.as_deref(),
            Some("negative"),
            "{name}"
        );
        assert!(results::tasks(db, round.id, &hq.registry_scope(), 100)
            .await
            .unwrap()
            .is_empty());

        // Invalid pooled tube: its people are to be sampled again, and missing until then.
        let rep = lab_results(db, &lab, &round, &[("T2", "无效")])
            .await
            .unwrap();
        assert_eq!(rep.resamples_due, 2, "{name}");
        let c = check_coverage(db, &round, "431102").await;
        assert_eq!(c.sampled, c0.sampled - 2, "{name}");
        assert_eq!(c.missing, c0.missing + 2);
        assert_eq!(
            open_tasks(db, &round, p[3]).await,
            [("resample".to_owned(), "T2".to_owned())]
        );
        let path = db
            .query_one("SELECT path FROM residents WHERE id = $1", args![p[3]])
            .await
            .unwrap()
            .string(0);
        let grid = &path[..18];
        let (list, _) = coverage::missing(db, round.id, grid, &hq.registry_scope())
            .await
            .unwrap();
        let me = list
            .iter()
            .flat_map(|h| &h.missing)
            .find(|m| m.resident_id == p[3])
            .expect("p3 on the missing list");
        assert!(me.resample, "{name}: flagged as a re-sample");
        assert!(list
            .iter()
            .flat_map(|h| &h.missing)
            .filter(|m| m.resident_id != p[3] && m.resident_id != p[4])
            .all(|m| !m.resample));
        // Sampled again (a pooled tube will do): counted, task done.
        let out = submit(
            db,
            &col,
            &round,
            vec![open("t12-o", "T12", Some(s)), add("t12-a", "T12", p[3])],
            false,
        )
        .await;
        assert_eq!(out[1].code, "added", "{name}: {:?}", out[1]);
        assert_eq!(status(db, &round, p[3]).await.as_deref(), Some("pending"));
        assert!(open_tasks(db, &round, p[3]).await.is_empty());
        let c = check_coverage(db, &round, "431102").await;
        assert_eq!(c.sampled, c0.sampled - 1, "{name}");
        // The person's history.
        let mine = results::latest(db, &hq.registry_scope(), p[3], 5)
            .await
            .unwrap();
        assert_eq!(
            (
                mine.len(),
                mine[0].status.as_str(),
                mine[0].barcode.as_str()
            ),
            (1, "pending", "T12")
        );
        check_coverage(db, &round, &streets[0]).await;
    }
}

#[tokio::test]
async fn a_results_upload_is_all_or_nothing_and_results_do_not_change() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo(db, 600, 32).await;
        let streets = areas_at(db, LEVEL_STREET).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let lab = reader(db, "lab", "lab", "431102").await;
        let far_lab = reader(db, "lab2", "lab", &streets[1]).await;
        let gw = reader(db, "gw", "grid", &areas_at(db, 6).await[0]).await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
        // The site in the first street: the second street's lab does not see its tubes.
        let s = site(db, &hq, &round, &streets[0], &["col"]).await;
        let p: Vec<i64> = db
            .query("SELECT id FROM residents ORDER BY id LIMIT 6", vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        submit(
            db,
            &col,
            &round,
            vec![
                open("o1", "T1", Some(s)),
                add("a1", "T1", p[0]),
                add("a2", "T1", p[1]),
                open("o2", "T2", Some(s)),
                add("a3", "T2", p[2]),
                open("o3", "EMPTY", Some(s)),
            ],
            false,
        )
        .await;
        lab_results(db, &lab, &round, &[("T1", "negative")])
            .await
            .unwrap();

        // One bad line among good ones: nothing is recorded, every bad row is named.
        let before = state(db).await;
        let e = lab_results(
            db,
            &lab,
            &round,
            &[
                ("T2", "negative"),
                ("T2", "negative"),
                ("T3", "negative"),
                ("T1", "maybe"),
                ("EMPTY", "negative"),
                ("T1", "positive"),
            ],
        )
        .await;
        let Err(AppError::Invalid(errs)) = e else {
            panic!("{name}: {e:?}")
        };
        let rows: Vec<(Option<usize>, &str)> = errs.iter().map(|e| (e.row, e.field)).collect();
        assert_eq!(
            rows,
            [
                (Some(2), "tube"),
                (Some(4), "result"),
                (Some(3), "tube"),
                (Some(5), "tube"),
                (Some(6), "result"),
            ],
            "{name}: {errs:?}"
        );
        assert!(errs[0].message.en.contains("twice") && errs[0].message.zh.contains("两次"));
        assert!(errs[4]
            .message
            .en
            .contains("already has the result negative"));
        assert_eq!(
            state(db).await,
            before,
            "{name}: a failed upload changed something"
        );
        assert_eq!(status(db, &round, p[2]).await.as_deref(), Some("pending"));

        // The same result again: unchanged, nothing moves. A different one: refused.
        let rep = lab_results(db, &lab, &round, &[("T1", "阴性"), ("T2", "negative")])
            .await
            .unwrap();
        assert_eq!(
            (rep.tubes, rep.unchanged, rep.negative_people),
            (1, 1, 1),
            "{name}"
        );
        let before = state(db).await;
        let rep = lab_results(db, &lab, &round, &[("T1", "negative")])
            .await
            .unwrap();
        assert_eq!((rep.tubes, rep.unchanged, rep.negative_people), (0, 1, 0));
        assert_eq!(state(db).await, before);
        let e = lab_results(db, &lab, &round, &[("T1", "invalid")]).await;
        assert!(
            matches!(e, Err(AppError::Invalid(ref v)) if v[0].row == Some(1)),
            "{e:?}"
        );
        assert_eq!(state(db).await, before);
        // A tube with a result takes no more swabs.
        let o = one(db, &col, &round, add("a9", "T2", p[3])).await;
        assert_eq!(
            (o.status, o.code.as_str()),
            (Status::Refused, "tube_closed"),
            "{name}"
        );
        // An upload with nothing in it.
        assert!(matches!(
            lab_results(db, &lab, &round, &[]).await,
            Err(AppError::Invalid(_))
        ));

        // Only labs, HQ and administrators; and only tubes within the lab's area.
        submit(db, &col, &round, vec![add("a4", "EMPTY", p[4])], false).await;
        for r in [&col, &gw] {
            let e = lab_results(db, r, &round, &[("EMPTY", "negative")]).await;
            assert!(
                matches!(e, Err(AppError::Forbidden(_))),
                "{}: {e:?}",
                r.role
            );
        }
        let e = lab_results(db, &far_lab, &round, &[("EMPTY", "negative")]).await;
        assert!(
            matches!(e, Err(AppError::Invalid(ref v)) if v[0].message.en.contains("within your area")),
            "{e:?}"
        );
        let rep = lab_results(db, &hq, &round, &[("EMPTY", "negative")])
            .await
            .unwrap();
        assert_eq!(rep.negative_people, 1, "{name}: HQ may enter results");
        check_coverage(db, &round, "431102").await;

        // A lab's CSV: BOM, header, blank lines; rows counted from the file's first line.
        let (lines, first) = results::parse_results_csv(
            "\u{feff}tube,result\nT1,阴性\n\n\"T2\",negative\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(first, 2);
        let rows: Vec<(usize, &str)> = lines.iter().map(|l| (l.row, l.tube.as_str())).collect();
        assert_eq!(rows, [(2, "T1"), (4, "T2")]);
        let e = results::parse_results_csv(b"tube,result\nT1;negative\n").unwrap_err();
        assert!(
            matches!(e, AppError::Invalid(ref v) if v[0].row == Some(2)),
            "{e:?}"
        );
        let e = results::record(db, &actor(&lab), &lab, &round, &lines, first).await;
        assert!(e.is_ok(), "{e:?}");
        let e = results::parse_results_csv(b"\xff\xfe").unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)));
    }
}

/// A lab upload reaches the people of each tube through the tube index, never by reading
/// every person of the round (SQLite's planner picks the primary key on `round_id` alone for
/// the plain form of these statements). Checked on the bundled SQLite with no statistics,
/// with sampled statistics of a demo load (taken before any round existed), and after
/// `ANALYZE` of a round whose people are all in pending tubes.
#[tokio::test]
async fn lab_results_find_the_tubes_people_by_index_on_sqlite() {
    let t = backends().await.remove(0);
    assert_eq!(t.name, "sqlite");
    let db = &t.db;
    let check = |when: &'static str| async move {
        for (sql, params) in [
            (results::SETTLE_SQL, args!["negative", 1i64, 1i64, "T1"]),
            (results::INVALID_PEOPLE_SQL, args![1i64, "T1"]),
        ] {
            let plan: Vec<String> = db
                .query(&format!("EXPLAIN QUERY PLAN {sql}"), params)
                .await
                .unwrap()
                .iter()
                .map(|r| r.string(3))
                .collect();
            let persons: Vec<&String> =
                plan.iter().filter(|l| l.contains("test_persons")).collect();
            assert!(
                !persons.is_empty(),
                "{when}: no access to test_persons in {plan:?}"
            );
            for l in persons {
                assert!(
                    l.contains("test_persons_tube") || l.contains("resident_id=?"),
                    "{when}: {l} reads the round's people without the tube index ({plan:?})"
                );
            }
        }
    };
    check("no statistics").await;
    demo(db, 300, 7).await;
    check("after the demo load's statistics").await;
    let now = now_ms();
    for i in 0..2_000i64 {
        exec(
            db,
            "INSERT INTO test_persons (round_id, resident_id, household_id, path, status, \
             barcode, first_barcode, first_ms, updated_ms) VALUES (1, $1, $2, '4311', 'pending', $3, $3, $4, $4)",
            args![i, i / 3, format!("T{}", i / 10), now],
        )
        .await;
    }
    exec(db, "ANALYZE", vec![]).await;
    check("after ANALYZE of a round").await;
}
