//! Notifications raised by the real actions (issue 19), on both backends: each of the six
//! events comes from the engine call a person's action or the per-minute sweep makes, not from
//! a hand-made note — an application approved, a need assigned, a need gone late (the
//! escalation sweep), a shift starting within the hour, a quarantine check missed, a positive
//! pool in a grid worker's area. Each lands once for the right recipient only, in their
//! language, and a second sweep adds nothing.

use wardline::args;
use wardline::db::Db;
use wardline::mobilization::{roster, volunteers};
use wardline::needs::deadlines;
use wardline::needs::flow::{self, Action, Who};
use wardline::server::scheduled_notifications;

use crate::common::{backends, demo, exec};
use crate::mobilization::{link, place, shifts, volunteer, C1, C2};
use crate::needs::{fixture as needs_fixture, new_need, MIN, T0};
use crate::testing::{actor, reader};

/// The (kind, link, body) of the messages for `account`, in order.
async fn outbox(db: &Db, account: i64, kind: &str) -> Vec<(String, String)> {
    db.query(
        "SELECT link, body FROM notify_outbox WHERE account_id = $1 AND kind = $2 ORDER BY id",
        args![account, kind],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.string(0), r.string(1)))
    .collect()
}

async fn of_kind(db: &Db, kind: &str) -> i64 {
    db.query_one(
        "SELECT COUNT(*) FROM notify_outbox WHERE kind = $1",
        args![kind],
    )
    .await
    .unwrap()
    .int(0)
}

#[tokio::test]
async fn approval_assignment_lateness_and_a_shift_raise_their_messages() {
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        // Two people of C1 sign up asking for an account; the officer approves each through
        // `volunteers::screen`, as the officer's page does.
        let fx = needs_fixture(db, 0).await;
        let l1 = link(db, &fx.o1, C1).await;
        let mut vs = Vec::new();
        for n in [1, 2] {
            let id = volunteer(db, &fx.o1, &l1, n, |f| f.wants_account = true).await;
            vs.push(volunteers::get(db, &fx.o1, id).await.unwrap());
        }
        let v0 = vs[0]
            .account_id
            .expect("an approved volunteer has an account");
        let v1 = vs[1]
            .account_id
            .expect("an approved volunteer has an account");
        exec(
            db,
            "UPDATE accounts SET lang = 'en' WHERE id = $1",
            args![v1],
        )
        .await;
        let decided = outbox(db, v0, "application_decided").await;
        assert_eq!(decided.len(), 1, "{name}: {decided:?}");
        assert!(decided[0].1.contains("通过"), "{name}: {decided:?}");
        assert_eq!(of_kind(db, "application_decided").await, 2, "{name}");

        // An officer assigns a need to v0: v0 is told, nobody else.
        let need = new_need(db, &fx.o1, fx.hh[0], "groceries", 1, T0).await;
        flow::act(
            db,
            &actor(&fx.o1),
            &Who::Staff(&fx.o1),
            need,
            &Action::Assign {
                team: None,
                volunteer: Some(vs[0].id),
            },
            None,
            T0,
        )
        .await
        .unwrap();
        let assigned = outbox(db, v0, "need_assigned").await;
        assert_eq!(assigned.len(), 1, "{name}: {assigned:?}");
        assert_eq!(assigned[0].0, format!("/me/needs/{need}"), "{name}");
        assert!(assigned[0].1.contains(&format!("#{need}")), "{name}");
        assert_eq!(of_kind(db, "need_assigned").await, 1, "{name}");

        // Not late yet at 29 minutes; at 30 the escalation sweep marks it and the
        // notification sweep tells the volunteer, once however often it runs.
        deadlines::escalate(db, T0 + 29 * MIN).await.unwrap();
        scheduled_notifications(db, T0 + 29 * MIN).await.unwrap();
        assert!(outbox(db, v0, "need_late").await.is_empty(), "{name}");
        deadlines::escalate(db, T0 + 30 * MIN).await.unwrap();
        scheduled_notifications(db, T0 + 30 * MIN).await.unwrap();
        scheduled_notifications(db, T0 + 31 * MIN).await.unwrap();
        let late = outbox(db, v0, "need_late").await;
        assert_eq!(late.len(), 1, "{name}: {late:?}");
        assert_eq!(late[0].0, format!("/me/needs/{need}"), "{name}");
        assert_eq!(of_kind(db, "need_late").await, 1, "{name}");

        // A shift of v1's starting at 10:00 China time a day ahead: nothing two hours before,
        // one message within the hour, in v1's language (English), once.
        let p = place(db, &fx.o1, C1, "东门卡口").await;
        let s = shifts(db, &fx.o1, p, "2027-03-02", 1, &[(600, 720)], (1, &[])).await;
        roster::assign(db, &actor(&fx.o1), &fx.o1, s[0], vs[1].id, "")
            .await
            .unwrap();
        let starts: i64 = db
            .scalar(
                "SELECT starts_ms FROM assignments WHERE shift_id = $1",
                args![s[0]],
            )
            .await
            .unwrap();
        scheduled_notifications(db, starts - 120 * MIN)
            .await
            .unwrap();
        assert!(outbox(db, v1, "shift_soon").await.is_empty(), "{name}");
        scheduled_notifications(db, starts - 45 * MIN)
            .await
            .unwrap();
        scheduled_notifications(db, starts - 44 * MIN)
            .await
            .unwrap();
        let soon = outbox(db, v1, "shift_soon").await;
        assert_eq!(soon.len(), 1, "{name}: {soon:?}");
        assert!(soon[0].1.contains("10:00"), "{name}: {soon:?}");
        assert!(
            soon[0].1.contains("starts at"),
            "{name}: in English: {soon:?}"
        );
        assert_eq!(of_kind(db, "shift_soon").await, 1, "{name}");
    }
}

#[tokio::test]
async fn a_missed_quarantine_check_reaches_the_grid_workers_of_its_area() {
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        let f = crate::quarantine::fixture(db).await;
        let other = reader(db, "g2", "grid", C2).await;
        let d0 = wardline::quarantine::day_of(crate::quarantine::T0);
        let order =
            crate::quarantine::order(db, &f.o1, f.people[0].0, "7+3", d0, crate::quarantine::T0)
                .await;
        let (check, missed): (i64, i64) = {
            let r = db
                .query_one(
                    "SELECT id, missed_ms FROM quarantine_checks WHERE order_id = $1 \
                     ORDER BY missed_ms LIMIT 1",
                    args![order],
                )
                .await
                .unwrap();
            (r.int(0), r.int(1))
        };
        scheduled_notifications(db, missed - 1).await.unwrap();
        assert!(outbox(db, f.grid.account_id, "check_missed")
            .await
            .is_empty());
        scheduled_notifications(db, missed + MIN).await.unwrap();
        scheduled_notifications(db, missed + 2 * MIN).await.unwrap();
        let m = outbox(db, f.grid.account_id, "check_missed").await;
        assert_eq!(m.len(), 1, "{name}: {m:?}");
        assert_eq!(m[0].0, format!("/followup/checks/{check}"), "{name}");
        assert!(outbox(db, other.account_id, "check_missed")
            .await
            .is_empty());
        let urgent: i64 = db
            .scalar(
                "SELECT urgent FROM notify_outbox WHERE kind = 'check_missed'",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(urgent, 1, "{name}: a missed check is urgent");
    }
}

#[tokio::test]
async fn a_positive_pool_reaches_the_grid_workers_of_its_people() {
    use crate::testing::{add, close, lab_results, open, round_over, site, submit};
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        demo(db, 800, 31).await;
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let lab = reader(db, "lab", "lab", "431102").await;
        // Three people of one community in one tube.
        let community: String = db
            .scalar(
                "SELECT SUBSTR(path, 1, 12) FROM residents GROUP BY SUBSTR(path, 1, 12) \
                 ORDER BY COUNT(*) DESC LIMIT 1",
                args![],
            )
            .await
            .unwrap();
        let people: Vec<i64> = db
            .query(
                "SELECT id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 3",
                args![community.as_str(), format!("{community}~")],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert_eq!(people.len(), 3);
        let mine = reader(db, "g1", "grid", &community).await;
        let elsewhere = if community == C1 { C2 } else { C1 };
        let other = reader(db, "g2", "grid", elsewhere).await;
        let now = wardline::db::now_ms();
        let round = round_over(db, &hq, "431102", 5, now - 3_600_000, now + 3_600_000).await;
        let s = site(db, &hq, &round, "431102", &["col"]).await;
        let mut ops = vec![open("p-o", "P1", Some(s))];
        for (i, &x) in people.iter().enumerate() {
            ops.push(add(&format!("p-{i}"), "P1", x));
        }
        ops.push(close("p-c", "P1"));
        submit(db, &col, &round, ops, false).await;
        // A negative tube first: no message.
        assert_eq!(of_kind(db, "pool_positive").await, 0);
        lab_results(db, &lab, &round, &[("P1", "positive")])
            .await
            .unwrap();
        let m = outbox(db, mine.account_id, "pool_positive").await;
        assert_eq!(m.len(), 1, "{name}: one message however many people: {m:?}");
        assert!(m[0].1.contains("P1"), "{name}: {m:?}");
        assert!(outbox(db, other.account_id, "pool_positive")
            .await
            .is_empty());
    }
}
