//! Mass testing: rounds, pooled tubes, idempotent sampling, results and re-tests, exemptions,
//! coverage against a brute-force recount, scope. On both backends.

use wardline::access::{self, Reader};
use wardline::args;
use wardline::audit::Actor;
use wardline::db::{path_end, Db, Value};
use wardline::testing::coverage;
use wardline::testing::ingest::{self, Op, OpKind, Outcome, PersonRef, Status, Submission};
use wardline::testing::{self as testing, results, NewRound, Round};

use crate::common::{backends, demo};

pub async fn reader(db: &Db, user: &str, role: &str, scope: &str) -> Reader {
    access::create_account(db, user, user, role, &[scope.to_string()])
        .await
        .unwrap();
    let token = access::create_token(db, user, "t").await.unwrap();
    access::authenticate(db, &token).await.unwrap()
}

pub fn actor(r: &Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "test".into(),
    }
}

/// A round over `area` from `starts` to `ends` (ms), pool `pool`.
pub async fn round_over(
    db: &Db,
    officer: &Reader,
    area: &str,
    pool: i64,
    starts: i64,
    ends: i64,
) -> Round {
    let id = testing::create_round(
        db,
        &actor(officer),
        officer,
        &NewRound {
            area: area.into(),
            name: "第1轮".into(),
            starts: starts.to_string(),
            ends: ends.to_string(),
            pool_size: pool.to_string(),
        },
    )
    .await
    .unwrap();
    // The key of personal codes: fixed, so `add` can make codes without the database.
    let secret = testing::setting(db, "qr_secret", || QR_SECRET.into())
        .await
        .unwrap();
    assert_eq!(secret, QR_SECRET);
    testing::round_by_id(db, id).await.unwrap().unwrap()
}

/// The key of residents' personal codes in test databases (set by [`round_over`]).
pub const QR_SECRET: &str = "test-qr-secret";

/// A resident's personal code, as a collector scans it (collectors may not name people by
/// record id).
pub fn code(resident: i64) -> String {
    testing::resident_code(QR_SECRET, resident)
}

/// A site in `area` of the round with these collectors.
pub async fn site(
    db: &Db,
    officer: &Reader,
    round: &Round,
    area: &str,
    collectors: &[&str],
) -> i64 {
    let site = testing::add_site(db, &actor(officer), officer, round, area, "采样点", "fixed")
        .await
        .unwrap();
    for c in collectors {
        testing::add_collector(db, &actor(officer), officer, site, c)
            .await
            .unwrap();
    }
    site
}

/// A round over the demo district, open now, pool `pool`; one site in `site_area` with
/// `collector` on it.
pub async fn round(
    db: &Db,
    officer: &Reader,
    pool: i64,
    site_area: &str,
    collector: &str,
) -> (Round, i64) {
    let now = wardline::db::now_ms();
    let r = round_over(
        db,
        officer,
        "431102",
        pool,
        now - 3_600_000,
        now + 3_600_000,
    )
    .await;
    let s = site(db, officer, &r, site_area, &[collector]).await;
    (r, s)
}

pub fn op(cid: &str, tube: &str, kind: OpKind) -> Op {
    Op {
        client_id: cid.into(),
        tube: tube.into(),
        kind,
        taken_ms: None,
    }
}

pub fn open(cid: &str, tube: &str, site: Option<i64>) -> Op {
    op(cid, tube, OpKind::Open { site_id: site })
}

pub fn close(cid: &str, tube: &str) -> Op {
    op(cid, tube, OpKind::Close)
}

pub fn add(cid: &str, tube: &str, resident: i64) -> Op {
    op(
        cid,
        tube,
        OpKind::Add {
            person: PersonRef::Qr(code(resident)),
            confirm: None,
        },
    )
}

/// Add with an explicit `confirm`.
pub fn add_confirm(cid: &str, tube: &str, resident: i64, confirm: bool) -> Op {
    op(
        cid,
        tube,
        OpKind::Add {
            person: PersonRef::Qr(code(resident)),
            confirm: Some(confirm),
        },
    )
}

pub fn add_ref(cid: &str, tube: &str, person: PersonRef) -> Op {
    op(
        cid,
        tube,
        OpKind::Add {
            person,
            confirm: None,
        },
    )
}

pub async fn submit(
    db: &Db,
    r: &Reader,
    round: &Round,
    ops: Vec<Op>,
    offline: bool,
) -> Vec<Outcome> {
    let mut out = ingest::apply(
        db,
        &[&Submission {
            reader: r.clone(),
            round: round.clone(),
            ops,
            offline,
        }],
    )
    .await
    .unwrap();
    out.remove(0)
}

/// One operation, online; its outcome.
pub async fn one(db: &Db, r: &Reader, round: &Round, o: Op) -> Outcome {
    submit(db, r, round, vec![o], false).await.remove(0)
}

/// The codes of a list of outcomes.
pub fn codes(o: &[Outcome]) -> Vec<&str> {
    o.iter().map(|x| x.code.as_str()).collect()
}

/// Record lab results (tube, result) as `lab`.
pub async fn lab_results(
    db: &Db,
    lab: &Reader,
    round: &Round,
    lines: &[(&str, &str)],
) -> wardline::error::AppResult<results::ResultsReport> {
    let lines: Vec<results::ResultLine> = lines
        .iter()
        .map(|(t, r)| results::ResultLine {
            tube: (*t).into(),
            result: (*r).into(),
            row: 0,
        })
        .collect();
    results::record(db, &actor(lab), lab, round, &lines, 1).await
}

/// One integer from a query.
pub async fn count(db: &Db, sql: &str, params: Vec<Value>) -> i64 {
    db.query_one(sql, params).await.unwrap().int(0)
}

/// A resident's status in a round, if sampled.
pub async fn status(db: &Db, round: &Round, resident: i64) -> Option<String> {
    db.query_opt(
        "SELECT status FROM test_persons WHERE round_id = $1 AND resident_id = $2",
        args![round.id, resident],
    )
    .await
    .unwrap()
    .map(|r| r.string(0))
}

/// Open follow-up tasks of a resident: (kind, barcode).
pub async fn open_tasks(db: &Db, round: &Round, resident: i64) -> Vec<(String, String)> {
    db.query(
        "SELECT kind, barcode FROM test_tasks WHERE round_id = $1 AND resident_id = $2 \
         AND done_ms IS NULL ORDER BY id",
        args![round.id, resident],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.string(0), r.string(1)))
    .collect()
}

/// Everything the sampling path writes, to prove a refusal or a replay changed nothing.
pub async fn state(db: &Db) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT round_id, barcode, site_id, capacity, COALESCE(household_id, 0), n, \
         COALESCE(closed_ms, 0), COALESCE(result, '') FROM test_tubes ORDER BY round_id, barcode",
        "SELECT id, barcode, COALESCE(resident_id, 0), COALESCE(walkin_id, 0), duplicate, retest \
         FROM test_samples ORDER BY id",
        "SELECT round_id, resident_id, status, barcode, first_barcode FROM test_persons \
         ORDER BY round_id, resident_id",
        "SELECT round_id, resident_id, reason FROM test_exemptions ORDER BY round_id, resident_id",
        "SELECT round_id, household_id, members, sampled, exempt FROM test_households \
         ORDER BY round_id, household_id",
        "SELECT round_id, area_id, sampled, exempt, households_covered FROM test_area_counts \
         ORDER BY round_id, area_id",
        "SELECT round_id, area_id, sampled, exempt, households_covered FROM test_community_counts \
         ORDER BY round_id, area_id",
        "SELECT id, status, COALESCE(resident_id, 0) FROM test_walkins ORDER BY id",
        "SELECT id, resident_id, kind, barcode, COALESCE(done_ms, 0) FROM test_tasks ORDER BY id",
        "SELECT key FROM test_submissions ORDER BY key",
    ] {
        for r in db.query(sql, vec![]).await.unwrap() {
            out.push_str(&format!("{:?}", r.values()));
            out.push('\n');
        }
        out.push_str("--\n");
    }
    out
}

/// Residents of one household: (household, [resident ids]), for a household of at least
/// `min` members under `path`, skipping the first `skip` such households.
pub async fn household(db: &Db, path: &str, min: i64, skip: usize) -> (i64, Vec<i64>) {
    let hh = db
        .query(
            "SELECT household_id FROM residents WHERE path >= $1 AND path < $2 \
             GROUP BY household_id HAVING COUNT(*) >= $3 ORDER BY household_id",
            args![path, path_end(path), min],
        )
        .await
        .unwrap()[skip]
        .int(0);
    (hh, members(db, hh).await)
}

pub async fn members(db: &Db, household: i64) -> Vec<i64> {
    db.query(
        "SELECT id FROM residents WHERE household_id = $1 ORDER BY id",
        args![household],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// Paths of areas at `level` that hold residents, in order.
pub async fn areas_at(db: &Db, level: i64) -> Vec<String> {
    db.query(
        "SELECT a.path FROM areas a WHERE a.level = $1 AND EXISTS (SELECT 1 FROM residents r \
         WHERE r.path >= a.path AND r.path < a.path || '~') ORDER BY a.path",
        args![level],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.string(0))
    .collect()
}

/// Coverage from the tallies equals the brute-force recount at `path`; returns it.
pub async fn check_coverage(db: &Db, round: &Round, path: &str) -> coverage::Coverage {
    let c = coverage::subtree(db, round.id, path).await.unwrap();
    let r = coverage::recount(db, round.id, path).await.unwrap();
    assert_eq!(c, r, "coverage at {path} (tallies vs recount)");
    c
}

#[tokio::test]
async fn pooled_tube_capacity_duplicates_retry_and_coverage() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2_000, 5).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102001001").await;
        let (round, site) = round(db, &hq, 5, "431102", "col").await;
        let people: Vec<i64> = db
            .query("SELECT id FROM residents ORDER BY id LIMIT 8", vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        let o = submit(
            db,
            &col,
            &round,
            vec![op("o1", "T1", OpKind::Open { site_id: None })],
            false,
        )
        .await;
        assert_eq!(o[0].status, Status::Accepted, "{}: {:?}", t.name, o[0]);
        assert_eq!(o[0].tube.as_ref().unwrap().site_id, site);
        let ops: Vec<Op> = people[..6]
            .iter()
            .enumerate()
            .map(|(i, &p)| add(&format!("a{i}"), "T1", p))
            .collect();
        let o = submit(db, &col, &round, ops, false).await;
        let codes: Vec<&str> = o.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(
            codes,
            ["added", "added", "added", "added", "added", "tube_closed"],
            "{}",
            t.name
        );
        assert!(
            o[4].tube.as_ref().unwrap().closed,
            "the tube closes itself at 5"
        );
        // Retry of a1: the same reply, replayed, nothing added.
        let o = submit(db, &col, &round, vec![add("a1", "T1", people[1])], false).await;
        assert!(o[0].replayed);
        assert_eq!(o[0].code, "added");
        // people[0] again, in a new tube: flagged, not added.
        submit(
            db,
            &col,
            &round,
            vec![op("o2", "T2", OpKind::Open { site_id: None })],
            false,
        )
        .await;
        let o = submit(db, &col, &round, vec![add("d1", "T2", people[0])], false).await;
        assert_eq!(
            (o[0].status, o[0].code.as_str()),
            (Status::Flagged, "already_sampled")
        );
        assert_eq!(o[0].tube.as_ref().unwrap().n, 0);
        assert_eq!(o[0].earlier.as_ref().unwrap().0, "T1");
        let c = coverage::subtree(db, round.id, "431102").await.unwrap();
        assert_eq!(c.sampled, 5, "{}", t.name);
        assert_eq!(c, coverage::recount(db, round.id, "431102").await.unwrap());
        let n: i64 = db
            .query_one("SELECT COUNT(*) FROM test_samples", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 5);

        // Positive pooled tube: all five need a re-test, with tasks.
        let lab = reader(db, "lab", "lab", "431102").await;
        let rep = results::record(
            db,
            &actor(&lab),
            &lab,
            &round,
            &[results::ResultLine {
                tube: "T1".into(),
                result: "阳性".into(),
                row: 0,
            }],
            1,
        )
        .await
        .unwrap();
        assert_eq!(rep.retests_due, 5, "{}", t.name);
        let tasks = results::tasks(db, round.id, &hq.scope, 100).await.unwrap();
        assert_eq!(tasks.len(), 5);
        // A re-test needs a single tube.
        let o = submit(db, &col, &round, vec![add("r0", "T2", people[0])], false).await;
        assert_eq!(o[0].code, "needs_single_tube", "{:?}", o[0]);

        // A collector may not name people by record id (ids could be walked to learn who
        // lives where): refused, whether or not the id exists, and nothing recorded.
        for id in [people[7], 999_999_999] {
            let by_id = op(
                &format!("id{id}"),
                "T2",
                OpKind::Add {
                    person: PersonRef::ResidentId(id),
                    confirm: None,
                },
            );
            let o = submit(db, &col, &round, vec![by_id], false).await;
            assert_eq!(
                (o[0].status, o[0].code.as_str()),
                (Status::Refused, "id_not_allowed"),
                "{}",
                t.name
            );
            assert!(o[0].person.is_none());
        }
        // A grid worker picking a member of a household in their grid may.
        let grid_path = db
            .query_one(
                "SELECT path FROM residents WHERE id = $1",
                wardline::args![people[7]],
            )
            .await
            .unwrap()
            .string(0);
        let grid_code: String = grid_path.split('/').take(2).collect::<Vec<_>>().join("/");
        let gw = reader(db, "gw", "grid", &grid_code).await;
        testing::add_collector(db, &actor(&hq), &hq, site, "gw")
            .await
            .unwrap();
        let o = submit(
            db,
            &gw,
            &round,
            vec![
                op(
                    "g1",
                    "G1",
                    OpKind::Open {
                        site_id: Some(site),
                    },
                ),
                op(
                    "g2",
                    "G1",
                    OpKind::Add {
                        person: PersonRef::ResidentId(people[7]),
                        confirm: None,
                    },
                ),
            ],
            false,
        )
        .await;
        assert_eq!(o[1].code, "added", "{}: {:?}", t.name, o[1]);
    }
}
