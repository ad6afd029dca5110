//! Mass testing: rounds, pooled tubes, idempotent sampling, results and re-tests, exemptions,
//! coverage against a brute-force recount, scope. On both backends.

use wardline::access::{self, Reader};
use wardline::audit::Actor;
use wardline::db::Db;
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
    let id = testing::create_round(
        db,
        &actor(officer),
        officer,
        &NewRound {
            area: "431102".into(),
            name: "第1轮".into(),
            starts: (now - 3_600_000).to_string(),
            ends: (now + 3_600_000).to_string(),
            pool_size: pool.to_string(),
        },
    )
    .await
    .unwrap();
    let r = testing::round_by_id(db, id).await.unwrap().unwrap();
    let site = testing::add_site(
        db,
        &actor(officer),
        officer,
        &r,
        site_area,
        "采样点",
        "fixed",
    )
    .await
    .unwrap();
    testing::add_collector(db, &actor(officer), officer, site, collector)
        .await
        .unwrap();
    (r, site)
}

pub fn op(cid: &str, tube: &str, kind: OpKind) -> Op {
    Op {
        client_id: cid.into(),
        tube: tube.into(),
        kind,
        taken_ms: None,
    }
}

pub fn add(cid: &str, tube: &str, resident: i64) -> Op {
    op(
        cid,
        tube,
        OpKind::Add {
            person: PersonRef::ResidentId(resident),
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
    }
}
