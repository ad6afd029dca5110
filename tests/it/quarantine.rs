//! Health follow-up through the database, on both backends: rule arithmetic and a rule's new
//! version applying to new orders only, extensions keeping the previous end, check generation
//! and statuses across midnight in China time, escalation of missed checks, referrals, release
//! gating by test results, whole-household orders and idempotency, pairings and contact
//! figures, and scope for every role including the household link.

use wardline::access::Reader;
use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::quarantine::checks::{self, Input};
use wardline::quarantine::orders::{self, EndChange, Ending, NewOrder, RuleForm};
use wardline::quarantine::pairings::{self, LogInput};
use wardline::quarantine::{self, day_of, figures, worklist, DAY_MS};

use crate::common::{backends, demo_under, exec};
use crate::mobilization::{district, C1, C2};
use crate::testing::{actor, reader};

/// 2026-03-02 08:00 China time.
pub const T0: i64 = 1_772_409_600_000;
const H: i64 = 3_600_000;

pub struct Fx {
    pub o1: Reader,
    pub o2: Reader,
    pub hq: Reader,
    pub grid: Reader,
    /// Residents of C1 (each of a different household).
    pub people: Vec<(i64, i64)>,
}

pub async fn fixture(db: &Db) -> Fx {
    district(db).await;
    demo_under(db, 200, 3, C1).await;
    let o1 = reader(db, "c1", "community", C1).await;
    let o2 = reader(db, "c2", "community", C2).await;
    let hq = reader(db, "hq1", "hq", "431102").await;
    let grid = reader(db, "g1", "grid", C1).await;
    let rows = db
        .query(
            "SELECT MIN(id), household_id FROM residents WHERE path >= $1 AND path < $2 \
             GROUP BY household_id ORDER BY household_id LIMIT 20",
            args![C1, format!("{C1}~")],
        )
        .await
        .unwrap();
    let people: Vec<(i64, i64)> = rows.iter().map(|r| (r.int(0), r.int(1))).collect();
    assert!(people.len() >= 10);
    Fx {
        o1,
        o2,
        hq,
        grid,
        people,
    }
}

pub fn order_form(rule: &str, start_day: i64, cid: &str) -> NewOrder {
    NewOrder {
        kind: "home".into(),
        reason: "close".into(),
        rule: rule.into(),
        start: quarantine::date_of(start_day),
        ordered_by: "区防控办".into(),
        document: "防控〔2026〕12号".into(),
        client_id: cid.into(),
        ..Default::default()
    }
}

pub async fn order(
    db: &Db,
    o: &Reader,
    resident: i64,
    rule: &str,
    start_day: i64,
    now: i64,
) -> i64 {
    orders::create(
        db,
        &actor(o),
        o,
        resident,
        &order_form(rule, start_day, ""),
        now,
    )
    .await
    .unwrap()
    .ids[0]
}

fn well() -> Input {
    Input {
        outcome: "well".into(),
        ..Default::default()
    }
}

fn field_of(e: &AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.iter().map(|f| f.field).collect(),
        _ => vec![],
    }
}

async fn statuses(db: &Db, order: i64) -> Vec<(i64, i64, String)> {
    db.query(
        "SELECT day, slot, status FROM quarantine_checks WHERE order_id = $1 ORDER BY seq",
        args![order],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int(0), r.int(1), r.string(2)))
    .collect()
}

#[tokio::test]
async fn rules_versions_and_custom_days() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let a = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let oa = orders::get(db, &f.o1, a).await.unwrap();
        assert_eq!((oa.start_day, oa.end_day), (d0, d0 + 9), "7+3 is ten days");
        assert_eq!((oa.rule_code.as_str(), oa.rule_version), ("7+3", 1));
        // Only HQ sets rules; a new version applies to new orders only.
        let rf = RuleForm {
            code: "7+3".into(),
            name_en: "5 + 3".into(),
            name_zh: "5+3".into(),
            central_days: "5".into(),
            home_days: "3".into(),
            test_days: "1,3,5,8".into(),
            checks_per_day: "2".into(),
        };
        assert!(matches!(
            orders::set_rule(db, &actor(&f.o1), &f.o1, &rf, T0).await,
            Err(AppError::Forbidden(_))
        ));
        orders::set_rule(db, &actor(&f.hq), &f.hq, &rf, T0)
            .await
            .unwrap();
        let b = order(db, &f.o1, f.people[1].0, "7+3", d0, T0).await;
        let ob = orders::get(db, &f.o1, b).await.unwrap();
        assert_eq!(
            (ob.end_day, ob.rule_version, ob.test_days.as_str()),
            (d0 + 7, 2, "1,3,5,8")
        );
        let oa = orders::get(db, &f.o1, a).await.unwrap();
        assert_eq!(
            (oa.end_day, oa.rule_version, oa.test_days.as_str()),
            (d0 + 9, 1, "1,2,3,5,7,10")
        );
        // Custom days; a test day beyond them is refused, naming the field.
        let mut c = order_form("custom", d0, "");
        c.central_days = "0".into();
        c.home_days = "5".into();
        c.test_days = "1,9".into();
        let e = orders::create(db, &actor(&f.o1), &f.o1, f.people[2].0, &c, T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["test_days"]);
        c.test_days = "1,5".into();
        let id = orders::create(db, &actor(&f.o1), &f.o1, f.people[2].0, &c, T0)
            .await
            .unwrap()
            .ids[0];
        let o = orders::get(db, &f.o1, id).await.unwrap();
        assert_eq!(
            (o.end_day - o.start_day + 1, o.rule_code.as_str()),
            (5, "custom")
        );
        // Bad input: every field at once, nothing written.
        let before = count(db, "SELECT COUNT(*) FROM quarantine_orders").await;
        let bad = NewOrder {
            kind: "x".into(),
            reason: "".into(),
            rule: "nope".into(),
            start: "2026-02-30".into(),
            ..Default::default()
        };
        let e = orders::create(db, &actor(&f.o1), &f.o1, f.people[3].0, &bad, T0)
            .await
            .unwrap_err();
        let fields = field_of(&e);
        for x in ["kind", "reason", "ordered_by", "start", "rule"] {
            assert!(fields.contains(&x), "{x} in {fields:?}");
        }
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM quarantine_orders").await,
            before
        );
        // A second order for the same person is refused: extend instead.
        let e = orders::create(
            db,
            &actor(&f.o1),
            &f.o1,
            f.people[0].0,
            &order_form("7+3", d0, ""),
            T0,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Conflict(_)));
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar::<i64>(sql, args![]).await.unwrap()
}

#[tokio::test]
async fn extensions_keep_the_previous_end() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let id = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let ch = |end: i64, reason: &str| EndChange {
            end: quarantine::date_of(end),
            reason: reason.into(),
        };
        let e = orders::change_end(db, &actor(&f.o1), &f.o1, id, &ch(d0 + 12, ""), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["reason"]);
        let e = orders::change_end(db, &actor(&f.o1), &f.o1, id, &ch(d0 - 1, "x"), T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["end"], "an end before the start");
        orders::change_end(
            db,
            &actor(&f.o1),
            &f.o1,
            id,
            &ch(d0 + 13, "positive case in the building"),
            T0,
        )
        .await
        .unwrap();
        orders::change_end(
            db,
            &actor(&f.o1),
            &f.o1,
            id,
            &ch(d0 + 11, "rule eased"),
            T0 + H,
        )
        .await
        .unwrap();
        let o = orders::get(db, &f.o1, id).await.unwrap();
        assert_eq!(o.end_day, d0 + 11);
        let steps: Vec<(String, Option<i64>, Option<i64>)> = orders::changes(db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.kind, c.prev_end_day, c.new_end_day))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("created".into(), None, Some(d0 + 9)),
                ("extended".into(), Some(d0 + 9), Some(d0 + 13)),
                ("shortened".into(), Some(d0 + 13), Some(d0 + 11)),
            ]
        );
        // Outsiders and grid workers may not change it.
        assert!(matches!(
            orders::change_end(db, &actor(&f.o2), &f.o2, id, &ch(d0 + 12, "x"), T0).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            orders::change_end(db, &actor(&f.grid), &f.grid, id, &ch(d0 + 12, "x"), T0).await,
            Err(AppError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn checks_across_midnight_in_china_time() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        // 2026-03-02 03:00 China time: the morning check is not yet due.
        let early = T0 - 5 * H;
        let id = order(db, &f.o1, f.people[0].0, "7+3", d0, early).await;
        assert_eq!(
            statuses(db, id).await,
            vec![(d0, 1, "pending".into()), (d0, 2, "pending".into())]
        );
        let c = checks::of_order(db, id, 10).await.unwrap();
        let morning = c.iter().find(|c| c.slot == 1).unwrap();
        assert_eq!(morning.shown(early), "not_due");
        assert_eq!(morning.shown(T0), "due", "08:00");
        assert_eq!(morning.shown(T0 + 5 * H), "late", "13:00");
        // 14:00 China time: the morning check is missed; the evening still to do.
        checks::ensure_today(db, T0 + 6 * H).await.unwrap();
        assert_eq!(
            statuses(db, id).await,
            vec![(d0, 1, "missed".into()), (d0, 2, "pending".into())]
        );
        // 23:59 China time is still the same day: nothing new.
        checks::ensure_today(db, T0 + 16 * H - 60_000)
            .await
            .unwrap();
        assert_eq!(statuses(db, id).await.len(), 2);
        // Midnight China time (16:00 UTC): the next day's checks, and the evening missed.
        let midnight = T0 + 16 * H;
        assert_eq!(day_of(midnight), d0 + 1);
        assert_eq!(day_of(midnight - 1), d0);
        checks::ensure_today(db, midnight).await.unwrap();
        assert_eq!(
            statuses(db, id).await,
            vec![
                (d0, 1, "missed".into()),
                (d0, 2, "missed".into()),
                (d0 + 1, 1, "pending".into()),
                (d0 + 1, 2, "pending".into())
            ]
        );
        // The day is generated once for every active order.
        let other = order(db, &f.o1, f.people[1].0, "7+3", d0 + 1, midnight).await;
        checks::ensure_today(db, midnight + H).await.unwrap();
        assert_eq!(statuses(db, other).await.len(), 2);
        assert_eq!(statuses(db, id).await.len(), 4);
    }
}

#[tokio::test]
async fn two_missed_in_a_row_escalate_once() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let a = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let b = order(db, &f.o1, f.people[1].0, "7+3", d0, T0).await;
        let esc = |o: i64| {
            let db = db.clone();
            async move {
                db.scalar::<i64>(
                    "SELECT COUNT(*) FROM quarantine_tasks WHERE kind = 'escalation' AND order_id = $1",
                    args![o],
                )
                .await
                .unwrap()
            }
        };
        // b's morning check is done; a misses it.
        let bm = checks::of_order(db, b, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.slot == 1)
            .unwrap();
        checks::record(db, &actor(&f.grid), &f.grid, bm.id, &well(), T0)
            .await
            .unwrap();
        checks::ensure_today(db, T0 + 6 * H).await.unwrap();
        assert_eq!(esc(a).await, 0, "one missed check is not escalated");
        // Evening missed too: a escalates, b (done, missed) does not.
        checks::ensure_today(db, T0 + 16 * H).await.unwrap();
        assert_eq!((esc(a).await, esc(b).await), (1, 0));
        // A third missed in the same run raises no second escalation.
        checks::ensure_today(db, T0 + 30 * H).await.unwrap();
        assert_eq!(statuses(db, a).await[2].2, "missed");
        assert_eq!(esc(a).await, 1);
        let tasks = checks::open_tasks(db, &f.o1, C1, 100).await.unwrap();
        assert!(tasks
            .iter()
            .any(|t| t.kind == "escalation" && t.order_id == a));
        assert!(
            checks::open_tasks(db, &f.o2, C1, 100).await.is_err(),
            "outsider"
        );
    }
}

#[tokio::test]
async fn records_referrals_and_bad_input() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let id = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let cs = checks::of_order(db, id, 10).await.unwrap();
        let (m, e) = (
            cs.iter().find(|c| c.slot == 1).unwrap().id,
            cs.iter().find(|c| c.slot == 2).unwrap().id,
        );
        // Out of range: refused, nothing written.
        let hot = Input {
            temperature: "44.5".into(),
            client_id: "dev-1".into(),
            ..Default::default()
        };
        let err = checks::record(db, &actor(&f.grid), &f.grid, m, &hot, T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), vec!["temperature"]);
        assert_eq!(statuses(db, id).await[0].2, "pending");
        // A fever: not well, and a referral for the medic.
        let fever = Input {
            temperature: "38.2".into(),
            symptoms: vec!["cough".into()],
            client_id: "dev-1".into(),
            ..Default::default()
        };
        let r = checks::record(db, &actor(&f.grid), &f.grid, m, &fever, T0)
            .await
            .unwrap();
        assert_eq!((r.status.as_str(), r.replayed), ("unwell", false));
        assert!(r.referral.is_some());
        // The same client id again: the same answer, nothing new.
        let again = checks::record(db, &actor(&f.grid), &f.grid, m, &fever, T0 + 1000)
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!((again.check_id, again.referral), (m, r.referral));
        // The same client id from outside the check's community: nothing, not the record.
        let c2_grid = reader(db, "g2", "grid", C2).await;
        assert!(matches!(
            checks::record(db, &actor(&c2_grid), &c2_grid, m, &fever, T0).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            checks::record_for_resident(db, &actor(&f.o2), &f.o2, f.people[0].0, &fever, T0).await,
            Err(AppError::NotFound)
        ));
        // In scope, but for another person: a conflict that names no record.
        let q = f.people[1].0;
        order(db, &f.o1, q, "7+3", d0, T0).await;
        let err = checks::record_for_resident(db, &actor(&f.grid), &f.grid, q, &fever, T0)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
        // Another client id on the done check: a clear conflict.
        let other = Input {
            client_id: "dev-2".into(),
            ..well()
        };
        assert!(matches!(
            checks::record(db, &actor(&f.grid), &f.grid, m, &other, T0).await,
            Err(AppError::Conflict(_))
        ));
        // Not attempted needs a reason; then a later visit may still record it.
        let na = Input {
            outcome: "not_attempted".into(),
            ..Default::default()
        };
        let err = checks::record(db, &actor(&f.grid), &f.grid, e, &na, T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), vec!["reason"]);
        let na = Input {
            reason: "not_home".into(),
            ..na
        };
        checks::record(db, &actor(&f.grid), &f.grid, e, &na, T0 + 9 * H)
            .await
            .unwrap();
        assert_eq!(statuses(db, id).await[1].2, "not_attempted");
        let ok = checks::record(db, &actor(&f.grid), &f.grid, e, &well(), T0 + 10 * H)
            .await
            .unwrap();
        assert_eq!(ok.status, "well");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM quarantine_tasks WHERE kind = 'referral'"
            )
            .await,
            1
        );
        // Somebody not under an order: a clear error.
        let err =
            checks::record_for_resident(db, &actor(&f.grid), &f.grid, f.people[5].0, &well(), T0)
                .await
                .unwrap_err();
        assert_eq!(field_of(&err), vec!["resident"]);
        // Outsiders find nothing.
        assert!(matches!(
            checks::record(db, &actor(&f.o2), &f.o2, m, &well(), T0).await,
            Err(AppError::NotFound)
        ));
        let vol = reader(db, "v1", "volunteer", C1).await;
        assert!(matches!(
            checks::record(db, &actor(&vol), &vol, e, &well(), T0).await,
            Err(AppError::NotFound)
        ));
        assert!(orders::get(db, &vol, id).await.is_err());
        assert!(orders::get(db, &f.o2, id).await.is_err());
    }
}

async fn result_on(db: &Db, resident: i64, household: i64, day: i64, status: &str, n: i64) {
    let at = quarantine::day_start(day) + 9 * H;
    exec(
        db,
        "INSERT INTO test_rounds (area_id, path, name, starts_ms, ends_ms, pool_size, created_by, created_ms) \
         SELECT id, path, $1, $2, $3, 10, 't', $2 FROM areas WHERE code = $4",
        args![format!("round {n}"), at - H, at + 5 * H, C1],
    )
    .await;
    let round = db
        .scalar::<i64>("SELECT MAX(id) FROM test_rounds", args![])
        .await
        .unwrap();
    exec(
        db,
        "INSERT INTO test_persons (round_id, resident_id, household_id, path, status, barcode, first_barcode, first_ms, updated_ms) \
         SELECT $1, id, $2, path, $3, $4, $4, $5, $5 FROM residents WHERE id = $6",
        args![round, household, status, format!("T{n:08}"), at, resident],
    )
    .await;
}

#[tokio::test]
async fn release_is_gated_by_the_rules_tests() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let (p, hh) = f.people[0];
        let mut c = order_form("custom", d0, "");
        c.home_days = "3".into();
        c.central_days = "0".into();
        c.test_days = "1,3".into();
        let id = orders::create(db, &actor(&f.o1), &f.o1, p, &c, T0)
            .await
            .unwrap()
            .ids[0];
        let release = Ending {
            reason: "released".into(),
            ..Default::default()
        };
        // Before the end, without a reason: refused, nothing changes.
        let e = orders::end(db, &actor(&f.o1), &f.o1, id, &release, T0)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["override_reason"]);
        // On the last day, the day-1 test negative but no test on day 3: still refused.
        result_on(db, p, hh, d0, "negative", 1).await;
        let last = T0 + 2 * DAY_MS;
        let o = orders::get(db, &f.o1, id).await.unwrap();
        let tests = orders::tests(db, &o).await.unwrap();
        assert_eq!(
            tests.iter().map(|t| t.result.clone()).collect::<Vec<_>>(),
            vec![Some("negative".to_string()), None]
        );
        assert!(orders::end(db, &actor(&f.o1), &f.o1, id, &release, last)
            .await
            .is_err());
        // A positive day-3 test blocks it too.
        result_on(db, p, hh, d0 + 2, "positive", 2).await;
        let o = orders::get(db, &f.o1, id).await.unwrap();
        let blockers = orders::release_blockers(&o, &orders::tests(db, &o).await.unwrap(), d0 + 2);
        assert_eq!(blockers.len(), 1);
        assert!(blockers[0].en.contains("positive"));
        exec(
            db,
            "UPDATE test_persons SET status = 'negative' WHERE barcode = 'T00000002'",
            args![],
        )
        .await;
        orders::end(db, &actor(&f.o1), &f.o1, id, &release, last)
            .await
            .unwrap();
        let o = orders::get(db, &f.o1, id).await.unwrap();
        assert_eq!(
            (
                o.status.as_str(),
                o.end_reason.as_deref(),
                o.override_reason.as_str()
            ),
            ("ended", Some("released"), "")
        );
        assert!(
            orders::end(db, &actor(&f.o1), &f.o1, id, &release, last)
                .await
                .is_err(),
            "ended already"
        );
        // An early release by override keeps its reason.
        let id2 = order(db, &f.o1, f.people[1].0, "7+3", d0, T0).await;
        let over = Ending {
            override_reason: "transferred to the county's list by the HQ".into(),
            ..release.clone()
        };
        orders::end(db, &actor(&f.o1), &f.o1, id2, &over, T0)
            .await
            .unwrap();
        let o2 = orders::get(db, &f.o1, id2).await.unwrap();
        assert!(o2.override_reason.starts_with("transferred"));
        assert_eq!(
            db.scalar::<i64>(
                "SELECT COUNT(*) FROM quarantine_checks WHERE order_id = $1 AND status = 'pending'",
                args![id2]
            )
            .await
            .unwrap(),
            0,
            "no checks owed after the end"
        );
        // An error needs a note.
        let id3 = order(db, &f.o1, f.people[2].0, "7+3", d0, T0).await;
        let err = Ending {
            reason: "error".into(),
            ..Default::default()
        };
        assert_eq!(
            field_of(
                &orders::end(db, &actor(&f.o1), &f.o1, id3, &err, T0)
                    .await
                    .unwrap_err()
            ),
            vec!["note"]
        );
    }
}

#[tokio::test]
async fn household_orders_idempotent_and_the_needs_hook() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let hh = db
            .scalar::<i64>(
                "SELECT household_id FROM residents WHERE path >= $1 AND path < $2 GROUP BY household_id \
                 HAVING COUNT(*) >= 2 ORDER BY household_id LIMIT 1",
                args![C1, format!("{C1}~")],
            )
            .await
            .unwrap();
        let members = db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM residents WHERE household_id = $1",
                args![hh],
            )
            .await
            .unwrap();
        let form = order_form("7+3", d0, "hh-req-1");
        let made = orders::create_household(db, &actor(&f.o1), &f.o1, hh, &form, T0)
            .await
            .unwrap();
        assert_eq!(made.ids.len() as i64, members);
        assert!(!made.replayed);
        let again = orders::create_household(db, &actor(&f.o1), &f.o1, hh, &form, T0)
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.ids, made.ids);
        let other = f.people.iter().map(|p| p.1).find(|h| *h != hh).unwrap();
        let under = quarantine::households_under_order(db, &[hh, other], T0)
            .await
            .unwrap();
        assert!(under.contains(&hh) && !under.contains(&other));
        assert!(matches!(
            orders::create_household(db, &actor(&f.o2), &f.o2, hh, &order_form("7+3", d0, ""), T0)
                .await,
            Err(AppError::NotFound)
        ));
    }
}

#[tokio::test]
async fn self_report_through_the_household_link() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let (p, hh) = f.people[0];
        order(db, &f.o1, p, "7+3", d0, T0).await;
        let token = "abc123def456";
        exec(
            db,
            "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, $2, 0)",
            args![hh, token],
        )
        .await;
        assert_eq!(
            quarantine::link_household(db, token).await.unwrap(),
            Some(hh)
        );
        assert_eq!(quarantine::link_household(db, "nope").await.unwrap(), None);
        let rep = Input {
            temperature: "36.6".into(),
            client_id: "self-1".into(),
            ..Default::default()
        };
        let r = checks::self_report(db, hh, p, &rep, T0).await.unwrap();
        assert_eq!(r.status, "well");
        // Double-submitted: the same answer.
        let r2 = checks::self_report(db, hh, p, &rep, T0).await.unwrap();
        assert!(r2.replayed && r2.check_id == r.check_id);
        let by: String = db
            .scalar(
                "SELECT by_kind FROM quarantine_checks WHERE id = $1",
                args![r.check_id],
            )
            .await
            .unwrap();
        assert_eq!(by, "self");
        // Another household's member through this link: nothing.
        let (q, _) = f.people[1];
        order(db, &f.o1, q, "7+3", d0, T0).await;
        assert!(matches!(
            checks::self_report(
                db,
                hh,
                q,
                &Input {
                    client_id: "self-2".into(),
                    ..well()
                },
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        // The evening, then nothing more owed today.
        checks::self_report(
            db,
            hh,
            p,
            &Input {
                client_id: "self-3".into(),
                ..well()
            },
            T0 + 9 * H,
        )
        .await
        .unwrap();
        assert!(matches!(
            checks::self_report(
                db,
                hh,
                p,
                &Input {
                    client_id: "self-4".into(),
                    ..well()
                },
                T0 + 10 * H
            )
            .await,
            Err(AppError::Conflict(_))
        ));
    }
}

#[tokio::test]
async fn pairings_contact_log_worklist_and_figures() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let grid_path: String = db
            .scalar(
                "SELECT a.path FROM areas a WHERE a.level = 6 AND a.path >= $1 AND a.path < $2 \
                 AND EXISTS (SELECT 1 FROM households h WHERE h.path >= a.path AND h.path < a.path || '~') \
                 ORDER BY a.path LIMIT 1",
                args![C1, format!("{C1}~")],
            )
            .await
            .unwrap();
        let member = reader(db, "pm1", "volunteer", C1).await;
        let member2 = reader(db, "pm2", "volunteer", C1).await;
        let outsider = reader(db, "px", "volunteer", C2).await;
        // Only officers and branch secretaries pair; a person of another community is refused.
        assert!(matches!(
            pairings::pair_area(
                db,
                &actor(&f.grid),
                &f.grid,
                &grid_path,
                member.account_id,
                0,
                T0
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        let e = pairings::pair_area(
            db,
            &actor(&f.o1),
            &f.o1,
            &grid_path,
            outsider.account_id,
            0,
            T0,
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), vec!["account"]);
        let n = pairings::pair_area(
            db,
            &actor(&f.o1),
            &f.o1,
            &grid_path,
            member.account_id,
            3,
            T0,
        )
        .await
        .unwrap();
        assert_eq!(n, 3);
        let rest = pairings::pair_area(
            db,
            &actor(&f.o1),
            &f.o1,
            &grid_path,
            member2.account_id,
            0,
            T0,
        )
        .await
        .unwrap();
        let total = db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM households WHERE path >= $1 AND path < $2",
                args![grid_path.as_str(), format!("{grid_path}~")],
            )
            .await
            .unwrap();
        assert_eq!(n + rest, total as u64, "each household once");
        assert_eq!(
            pairings::pair_area(
                db,
                &actor(&f.o1),
                &f.o1,
                &grid_path,
                member.account_id,
                0,
                T0
            )
            .await
            .unwrap(),
            0,
            "at most one current contact person"
        );
        let mine = pairings::mine(db, member.account_id, 100).await.unwrap();
        assert_eq!(mine.len(), 3);
        // The contact person logs; a household not theirs is not found.
        let h0 = mine[0].household_id;
        let log = LogInput {
            outcome: "well".into(),
            client_id: "log-1".into(),
            ..Default::default()
        };
        pairings::log_contact(db, &actor(&member), &member, h0, &log, T0)
            .await
            .unwrap();
        assert!(
            pairings::log_contact(db, &actor(&member), &member, h0, &log, T0)
                .await
                .unwrap()
                .replayed
        );
        let theirs = pairings::mine(db, member2.account_id, 1).await.unwrap()[0].household_id;
        assert!(matches!(
            pairings::log_contact(
                db,
                &actor(&member),
                &member,
                theirs,
                &LogInput {
                    outcome: "well".into(),
                    ..Default::default()
                },
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        // A check of a paired household under an order by its contact person.
        let p = db
            .scalar::<i64>(
                "SELECT MIN(id) FROM residents WHERE household_id = $1",
                args![h0],
            )
            .await
            .unwrap();
        let oid = order(db, &f.o1, p, "7+3", d0, T0).await;
        let w = worklist::of(db, &member, T0).await.unwrap();
        assert_eq!(w.todo.len(), 2, "the paired household's two checks");
        assert_eq!(
            w.contacts.len(),
            2,
            "two paired households not contacted today"
        );
        checks::record(
            db,
            &actor(&member),
            &member,
            w.todo[0].check.id,
            &well(),
            T0,
        )
        .await
        .unwrap();
        let by: String = db
            .scalar(
                "SELECT by_kind FROM quarantine_checks WHERE id = $1",
                args![w.todo[0].check.id],
            )
            .await
            .unwrap();
        assert_eq!(by, "contact");
        assert_eq!(worklist::of(db, &member2, T0).await.unwrap().todo.len(), 0);
        // The grid worker's worklist holds the order's checks in walking order.
        let gw = worklist::of(db, &f.grid, T0).await.unwrap();
        assert_eq!((gw.todo.len(), gw.done), (1, 1));
        assert_eq!(gw.todo[0].check.order_id, oid);
        // Figures: against a recount.
        let fig = figures::of(db, &f.o1, C1, d0, 3).await.unwrap();
        assert_eq!((fig.active, fig.paired, fig.contacted), (1, total, 1));
        assert_eq!((fig.on_time, fig.checks_owed, fig.started), (1, 2, 1));
        assert_eq!(fig.not_contacted_for, total - 1);
        let byc = figures::by_contact(db, &f.o1, C1, d0).await.unwrap();
        let m = byc
            .iter()
            .find(|b| b.account_id == member.account_id)
            .unwrap();
        assert_eq!((m.paired, m.contacted), (3, 1));
        assert!(figures::of(db, &f.o2, C1, d0, 3).await.is_err());
        assert!(figures::of(db, &member, C1, d0, 3).await.is_err());
    }
}

#[tokio::test]
async fn retention_removes_ended_orders_after_thirty_days() {
    use wardline::audit::retention::{self, policy};
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let ended = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let active = order(db, &f.o1, f.people[1].0, "7+3", d0, T0).await;
        let cs = checks::of_order(db, ended, 10).await.unwrap();
        let fever = Input {
            temperature: "38.0".into(),
            ..Default::default()
        };
        checks::record(db, &actor(&f.grid), &f.grid, cs[0].id, &fever, T0)
            .await
            .unwrap();
        let release = Ending {
            reason: "hospital".into(),
            ..Default::default()
        };
        orders::end(db, &actor(&f.o1), &f.o1, ended, &release, T0)
            .await
            .unwrap();
        let pol = policy(&wardline::retention::kinds(), &[]).unwrap();
        let actor_cli = wardline::audit::Actor::cli();
        // 29 days later: kept.
        retention::run(db, &actor_cli, &pol, T0 + 29 * DAY_MS, false)
            .await
            .unwrap();
        assert!(orders::fetch(db, ended).await.is_ok());
        // 31 days later: the ended order, its checks and referral are gone; the active stays.
        retention::run(db, &actor_cli, &pol, T0 + 31 * DAY_MS, false)
            .await
            .unwrap();
        assert!(orders::fetch(db, ended).await.is_err());
        let left = db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM quarantine_checks WHERE order_id = $1",
                args![ended],
            )
            .await
            .unwrap()
            + db.scalar::<i64>(
                "SELECT COUNT(*) FROM quarantine_tasks WHERE order_id = $1",
                args![ended],
            )
            .await
            .unwrap();
        assert_eq!(left, 0);
        assert!(orders::fetch(db, active).await.is_ok());
    }
}

#[tokio::test]
async fn api_scope_for_every_role_and_the_household_link() {
    use crate::common::{get, request, serve};
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(wardline::db::now_ms());
        let (p, hh) = f.people[0];
        let now = wardline::db::now_ms();
        order(db, &f.o1, p, "7+3", d0, now).await;
        let addr = serve(db).await;
        let tok = |user: &'static str| async move {
            format!(
                "Bearer {}",
                wardline::access::create_token(db, user, "t").await.unwrap()
            )
        };
        let (own, outsider, grid) = (tok("c1").await, tok("c2").await, tok("g1").await);
        let vol = reader(db, "v9", "volunteer", C1).await;
        let _ = vol;
        let volt = tok("v9").await;
        let path = format!("/api/v1/residents/{p}/quarantine");
        let (s, body) = get(addr, &path, &[("Authorization", &own)]).await;
        assert_eq!(s, 200, "{body}");
        assert!(body.contains("\"rule_code\":\"7+3\""), "{body}");
        let (s, body) = get(addr, &path, &[("Authorization", &outsider)]).await;
        assert_eq!(s, 404, "another community's officer: {body}");
        assert!(!body.contains("7+3"));
        let (s, _) = get(addr, &path, &[("Authorization", &volt)]).await;
        assert_eq!(s, 404, "a volunteer reads no orders");
        let (s, body) = get(
            addr,
            "/api/v1/followup/figures",
            &[("Authorization", &outsider)],
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            body.contains("\"active\":0"),
            "the outsider's own area: {body}"
        );
        let (s, body) = get(
            addr,
            "/api/v1/followup/worklist",
            &[("Authorization", &grid)],
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(body.matches("\"order_id\"").count(), 2, "{body}");
        let (s, body) = get(
            addr,
            "/api/v1/followup/worklist",
            &[("Authorization", &outsider)],
        )
        .await;
        assert_eq!(s, 200);
        assert!(!body.contains("\"order_id\""), "{body}");
        // A device check by an outsider: not found; by the grid worker: recorded, replayed.
        let post = |auth: String, path: &'static str, body: serde_json::Value| async move {
            let b = body.to_string();
            request(
                addr,
                "POST",
                path,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(b.as_bytes()),
            )
            .await
        };
        let check =
            serde_json::json!({"resident_id": p, "temperature": "44.1", "client_id": "api-x"});
        let r = post(grid.clone(), "/api/v1/followup/checks", check).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("temperature"), "{}", r.body);
        let check = serde_json::json!({"resident_id": p, "outcome": "well", "client_id": "api-y"});
        let r = post(outsider.clone(), "/api/v1/followup/checks", check.clone()).await;
        assert_eq!(r.status, 404);
        let r = post(grid.clone(), "/api/v1/followup/checks", check.clone()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("\"replayed\":false"));
        let r = post(grid.clone(), "/api/v1/followup/checks", check).await;
        assert!(r.body.contains("\"replayed\":true"), "{}", r.body);
        // The household link: an unknown token finds nothing; another household's member
        // through this link neither.
        exec(
            db,
            "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, 'tok-q-1', 0)",
            args![hh],
        )
        .await;
        let rep = |token: &str, resident: i64| serde_json::json!({"token": token, "resident_id": resident, "temperature": "36.5", "client_id": format!("s-{token}-{resident}")});
        let r = post(
            String::new(),
            "/api/v1/followup/self-report",
            rep("nope", p),
        )
        .await;
        assert_eq!(r.status, 404);
        let r = post(
            String::new(),
            "/api/v1/followup/self-report",
            rep("tok-q-1", f.people[1].0),
        )
        .await;
        assert_eq!(r.status, 404);
        let r = post(
            String::new(),
            "/api/v1/followup/self-report",
            rep("tok-q-1", p),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The page of the link shows only this household's member, masked.
        let page = request(addr, "GET", "/h/tok-q-1/health?lang=en", &[], None).await;
        assert_eq!(page.status, 200);
        let name: String = db
            .scalar("SELECT name FROM residents WHERE id = $1", args![p])
            .await
            .unwrap();
        assert!(!page.body.contains(&name), "the full name is masked");
        assert!(page.body.contains("Health self-report"));
    }
}

#[tokio::test]
async fn the_medic_reads_and_closes_referrals_of_their_community_only() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        let medic = reader(db, "m1", "medic", C1).await;
        let medic2 = reader(db, "m2", "medic", C2).await;
        let id = order(db, &f.o1, f.people[0].0, "7+3", d0, T0).await;
        let cs = checks::of_order(db, id, 10).await.unwrap();
        let fever = Input {
            temperature: "38.6".into(),
            ..Default::default()
        };
        let r = checks::record(db, &actor(&f.grid), &f.grid, cs[0].id, &fever, T0)
            .await
            .unwrap();
        let referral = r.referral.unwrap();
        // An escalation too: the medic does not see it.
        let other = order(db, &f.o1, f.people[1].0, "7+3", d0, T0).await;
        checks::ensure_today(db, T0 + 16 * H).await.unwrap();
        assert!(
            db.scalar::<i64>(
                "SELECT COUNT(*) FROM quarantine_tasks WHERE kind = 'escalation' AND order_id = $1",
                args![other]
            )
            .await
            .unwrap()
                > 0
        );
        let mine = checks::open_referrals(db, &medic, 100).await.unwrap();
        assert_eq!(
            mine.iter().map(|k| k.id).collect::<Vec<_>>(),
            vec![referral]
        );
        assert!(checks::open_referrals(db, &medic2, 100)
            .await
            .unwrap()
            .is_empty());
        // The medic reads no order; records a check of their area (not another's), and closes
        // only their referrals.
        assert!(orders::get(db, &medic, id).await.is_err());
        assert!(
            checks::record(db, &actor(&medic2), &medic2, cs[1].id, &well(), T0)
                .await
                .is_err()
        );
        checks::record(db, &actor(&medic), &medic, cs[1].id, &well(), T0 + 9 * H)
            .await
            .unwrap();
        let by: String = db
            .scalar(
                "SELECT by_kind FROM quarantine_checks WHERE id = $1",
                args![cs[1].id],
            )
            .await
            .unwrap();
        assert_eq!(by, "medic");
        let esc = db
            .scalar::<i64>(
                "SELECT id FROM quarantine_tasks WHERE kind = 'escalation' LIMIT 1",
                args![],
            )
            .await
            .unwrap();
        assert!(matches!(
            checks::close_task(db, &actor(&medic), &medic, esc, "x", T0).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            checks::close_task(db, &actor(&medic2), &medic2, referral, "x", T0).await,
            Err(AppError::NotFound)
        ));
        checks::close_task(
            db,
            &actor(&medic),
            &medic,
            referral,
            "seen at home, fever clinic tomorrow",
            T0 + H,
        )
        .await
        .unwrap();
        assert!(checks::open_referrals(db, &medic, 100)
            .await
            .unwrap()
            .is_empty());
    }
}

/// The check API's group-commit writer: many devices at once, some sending the same client id
/// twice (also within one batch): every check recorded once, one audit entry each, the
/// replays told apart, and a check for a person under no order refused alone.
#[tokio::test]
async fn concurrent_api_checks_are_written_once_each_in_batches() {
    use crate::common::{request, serve};
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let now = wardline::db::now_ms();
        let d0 = day_of(now);
        for (p, _) in &f.people[..8] {
            order(db, &f.o1, *p, "7+3", d0, now).await;
        }
        let addr = serve(db).await;
        let grid = format!(
            "Bearer {}",
            wardline::access::create_token(db, "g1", "t").await.unwrap()
        );
        let mut tasks = Vec::new();
        // Eight people, each sent twice with the same client id; one person under no order.
        for round in 0..2 {
            for (i, (p, _)) in f.people[..9].iter().enumerate() {
                let auth = grid.clone();
                let body = serde_json::json!({"resident_id": p, "temperature": if i == 3 { "38.2" } else { "36.5" }, "client_id": format!("burst-{i}")}).to_string();
                tasks.push(tokio::spawn(async move {
                    let r = request(
                        addr,
                        "POST",
                        "/api/v1/followup/checks",
                        &[
                            ("Authorization", &auth),
                            ("Content-Type", "application/json"),
                        ],
                        Some(body.as_bytes()),
                    )
                    .await;
                    (round, i, r.status, r.body)
                }));
            }
        }
        let mut fresh = 0;
        let mut replays = 0;
        for h in tasks {
            let (_, i, status, body) = h.await.unwrap();
            if i == 8 {
                assert_eq!(status, 422, "under no order: {body}");
                assert!(body.contains("resident"), "{body}");
                continue;
            }
            assert_eq!(status, 200, "{i}: {body}");
            if body.contains("\"replayed\":true") {
                replays += 1;
            } else {
                assert!(body.contains("\"replayed\":false"), "{body}");
                fresh += 1;
            }
            if i == 3 {
                assert!(body.contains("\"status\":\"unwell\""), "{body}");
                assert!(
                    !body.contains("\"referral\":null"),
                    "a fever refers: {body}"
                );
            }
        }
        assert_eq!((fresh, replays), (8, 8));
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM quarantine_checks WHERE client_id LIKE 'burst-%'"
            )
            .await,
            8
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_check'"
            )
            .await,
            8
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM quarantine_tasks WHERE kind = 'referral'"
            )
            .await,
            1
        );
    }
}

/// The referred-to-quarantine queue from the checkpoint pass log: residents and visitors of
/// the reader's area only, masked; the reveal is whole and audited; a volunteer reads nothing.
#[tokio::test]
async fn the_referred_queue_from_the_pass_log_is_masked_and_scoped() {
    use wardline::quarantine::referred;
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let now = wardline::db::now_ms();
        let (p, hh) = f.people[0];
        let c1_path: String = db
            .scalar("SELECT path FROM residents WHERE id = $1", args![p])
            .await
            .unwrap();
        let c2_path: String = db
            .scalar(
                "SELECT path FROM areas WHERE code = $1",
                args![crate::mobilization::C2],
            )
            .await
            .unwrap();
        let entry = |path: String,
                     resident: Option<i64>,
                     household: Option<i64>,
                     name: &'static str,
                     decision: &'static str| async move {
            exec(
                db,
                "INSERT INTO pass_entries (place_id, path, account_id, at_ms, direction, resident_id, \
                 household_id, name, phone, doc_type, doc_number, health_code, test_status, \
                 suggestion, decision) VALUES (1, $1, 0, $2, 'in', $3, $4, $5, '13900001111', 'id', \
                 '110101199001011234', 'yellow', 'none', 'quarantine', $6)",
                args![path.as_str(), now - 3_600_000, resident, household, name, decision],
            )
            .await;
            db.scalar::<i64>("SELECT MAX(id) FROM pass_entries", args![])
                .await
                .unwrap()
        };
        let visitor = entry(c1_path.clone(), None, None, "欧阳访客", "quarantine").await;
        let resident = entry(c1_path.clone(), Some(p), Some(hh), "居民甲", "quarantine").await;
        entry(c1_path.clone(), None, None, "放行者", "pass").await;
        let other = entry(c2_path, None, None, "别处访客", "quarantine").await;
        let q = referred::queue(db, &f.o1, now).await.unwrap();
        let ids: Vec<i64> = q.iter().map(|x| x.entry_id).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(ids.contains(&visitor) && ids.contains(&resident));
        let v = q.iter().find(|x| x.entry_id == visitor).unwrap();
        assert_eq!((v.who, v.name.as_str()), ("visitor", "欧**客"));
        assert_eq!(v.phone, "139****1111");
        assert!(!v.doc_number.contains("19900101"), "{}", v.doc_number);
        let r = q.iter().find(|x| x.entry_id == resident).unwrap();
        assert_eq!((r.who, r.order_id), ("resident", None));
        // The order made since shows on the queue.
        let o = order(db, &f.o1, p, "7+3", day_of(now), now).await;
        let q = referred::queue(db, &f.o1, now).await.unwrap();
        let r = q.iter().find(|x| x.entry_id == resident).unwrap();
        assert_eq!(r.order_id, Some(o));
        // Another community's officer: only their own.
        let q2 = referred::queue(db, &f.o2, now).await.unwrap();
        assert_eq!(
            q2.iter().map(|x| x.entry_id).collect::<Vec<_>>(),
            vec![other]
        );
        assert!(matches!(
            referred::reveal(db, &actor(&f.o2), &f.o2, visitor).await,
            Err(AppError::NotFound)
        ));
        let vol = reader(db, "v-ref", "volunteer", C1).await;
        assert!(referred::queue(db, &vol, now).await.is_err());
        // The reveal: whole, and audited.
        let before = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_referral_reveal'",
        )
        .await;
        let w = referred::reveal(db, &actor(&f.o1), &f.o1, visitor)
            .await
            .unwrap();
        assert_eq!(
            (w.name.as_str(), w.phone.as_str()),
            ("欧阳访客", "13900001111")
        );
        let after = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_referral_reveal'",
        )
        .await;
        assert_eq!(after, before + 1);
    }
}

/// Tap to call from a referral: the phone whole for those who close it, audited; nothing for
/// another community.
#[tokio::test]
async fn tap_to_call_from_a_referral_is_scoped_and_audited() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let (p, _) = f.people[0];
        exec(
            db,
            "UPDATE residents SET phone = '13712345678' WHERE id = $1",
            args![p],
        )
        .await;
        let o = order(db, &f.o1, p, "7+3", day_of(T0), T0).await;
        let cs = checks::of_order(db, o, 10).await.unwrap();
        let first = cs.iter().map(|c| c.id).min().unwrap();
        let fever = Input {
            temperature: "38.4".into(),
            ..Default::default()
        };
        let r = checks::record(db, &actor(&f.grid), &f.grid, first, &fever, T0)
            .await
            .unwrap();
        let task = r.referral.expect("a referral");
        let tasks = checks::open_referrals(db, &f.o1, 10).await.unwrap();
        let json = serde_json::to_string(&tasks).unwrap();
        assert!(!json.contains("13712345678"), "no whole phone in the list");
        assert!(matches!(
            checks::task_phone(db, &actor(&f.o2), &f.o2, task).await,
            Err(AppError::NotFound)
        ));
        let before = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_task_call'",
        )
        .await;
        let phone = checks::task_phone(db, &actor(&f.grid), &f.grid, task)
            .await
            .unwrap();
        assert_eq!(phone, "13712345678");
        let after = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_task_call'",
        )
        .await;
        assert_eq!(after, before + 1);
    }
}

#[tokio::test]
async fn the_worklist_pages_continue_the_walk_without_a_gap_or_a_repeat() {
    use crate::common::{get, serve};
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let d0 = day_of(T0);
        for &(p, _) in &f.people[..12] {
            order(db, &f.o1, p, "7+3", d0, T0).await;
        }
        // One of the 24 checks done before the walk.
        let all = worklist::page_sized(db, &f.grid, T0, "", 1000)
            .await
            .unwrap();
        assert_eq!((all.todo.len(), all.todo_total, all.done), (24, 24, 0));
        checks::record(
            db,
            &actor(&f.grid),
            &f.grid,
            all.todo[7].check.id,
            &well(),
            T0,
        )
        .await
        .unwrap();
        let all = worklist::page_sized(db, &f.grid, T0, "", 1000)
            .await
            .unwrap();
        assert_eq!((all.todo.len(), all.todo_total, all.done), (23, 23, 1));
        assert!(all.next.is_none());
        // Walking order: by path, then each household's checks together.
        let keys: Vec<(String, i64)> = all
            .todo
            .iter()
            .map(|r| (r.check.path.clone(), r.check.household_id))
            .collect();
        assert!(keys.windows(2).all(|k| k[0].0 <= k[1].0), "{keys:?}");
        let mut seen = std::collections::HashSet::new();
        let mut last = None;
        for k in &keys {
            if last != Some(k) {
                assert!(seen.insert(k.clone()), "household {k:?} split");
            }
            last = Some(k);
        }
        // Pages of 5: the same checks in the same order, each once; the last check of a page
        // recorded meanwhile does not lose the place.
        let mut walked = Vec::new();
        let mut after = String::new();
        let mut pages = 0;
        loop {
            let w = worklist::page_sized(db, &f.grid, T0, &after, 5)
                .await
                .unwrap();
            pages += 1;
            assert!(w.todo.len() <= 5);
            assert_eq!(w.todo_total + w.done, 24, "the counts cover every page");
            walked.extend(w.todo.iter().map(|r| r.check.id));
            match w.next {
                Some(n) => {
                    assert_eq!(n, w.todo.last().unwrap().check.id.to_string());
                    if pages == 1 {
                        let id = w.todo.last().unwrap().check.id;
                        checks::record(db, &actor(&f.grid), &f.grid, id, &well(), T0)
                            .await
                            .unwrap();
                    }
                    after = n;
                }
                None => break,
            }
        }
        let expected: Vec<i64> = all.todo.iter().map(|r| r.check.id).collect();
        assert_eq!(walked, expected);
        assert_eq!(pages, 5);
        // A cursor that is not a check id is refused; one of another day starts the walk over.
        assert!(matches!(
            worklist::page_sized(db, &f.grid, T0, "x1", 5).await,
            Err(AppError::BadRequest(_))
        ));
        let next_day = T0 + DAY_MS;
        let fresh = worklist::page_sized(db, &f.grid, next_day, "", 5)
            .await
            .unwrap();
        let stale = worklist::page_sized(db, &f.grid, next_day, &expected[3].to_string(), 5)
            .await
            .unwrap();
        let ids = |w: &worklist::Worklist| w.todo.iter().map(|r| r.check.id).collect::<Vec<_>>();
        assert_eq!(ids(&stale), ids(&fresh));
        assert!(!ids(&fresh).is_empty());

        // The API: `after` continues the walk; a bad cursor is a 400.
        let now = wardline::db::now_ms();
        for &(p, _) in &f.people[12..15] {
            order(db, &f.o1, p, "7+3", day_of(now), now).await;
        }
        let addr = serve(db).await;
        let tok = format!(
            "Bearer {}",
            wardline::access::create_token(db, "g1", "t").await.unwrap()
        );
        let first = worklist::page(db, &f.grid, now, "").await.unwrap();
        assert_eq!(first.todo.len(), 6);
        let (s, body) = get(
            addr,
            &format!("/api/v1/followup/worklist?after={}", first.todo[1].check.id),
            &[("Authorization", &tok)],
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let got: Vec<i64> = v["todo"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = first.todo[2..].iter().map(|r| r.check.id).collect();
        assert_eq!(got, want);
        assert_eq!(v["todo_total"], 6);
        assert!(v["next"].is_null());
        let (s, body) = get(
            addr,
            "/api/v1/followup/worklist?after=abc",
            &[("Authorization", &tok)],
        )
        .await;
        assert_eq!(s, 400, "{body}");
    }
}
