//! Residents' needs through the database, on both backends: the state machine (every allowed
//! and refused step), the claim race and concurrent changes, escalation with a driven clock,
//! duplicates, idempotent creation, the household link's limits, figures against a recount,
//! and scope. The pages are in `needs_pages`.

use wardline::access::Reader;
use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::mobilization::volunteers::{self, Volunteer};
use wardline::needs::deadlines::{self, Deadlines};
use wardline::needs::figures::{self, Figures};
use wardline::needs::flow::{self, Action, QueueFilter, Who};
use wardline::needs::intake::{self, NewNeed};
use wardline::needs::{self, Need, CATEGORIES};

use crate::common::{backends, demo_under, exec};
use crate::mobilization::{district, fields, link, volunteer, C1, C2, STREET};
use crate::testing::{actor, reader};

pub const MIN: i64 = 60_000;
/// A fixed start for the driven clock (2026-03-02 08:00 China time).
pub const T0: i64 = 1_772_409_600_000;

pub struct Fx {
    pub o1: Reader,
    pub o2: Reader,
    pub street: Reader,
    pub hq: Reader,
    pub grid: Reader,
    /// Approved volunteers serving C1.
    pub v: Vec<Volunteer>,
    /// An approved volunteer serving C2.
    pub vx: Volunteer,
    /// Households of C1.
    pub hh: Vec<i64>,
    /// A household of C2.
    pub hh2: i64,
}

pub async fn fixture(db: &Db, volunteers_n: u32) -> Fx {
    district(db).await;
    demo_under(db, 200, 3, C1).await;
    let o1 = reader(db, "c1", "community", C1).await;
    let o2 = reader(db, "c2", "community", C2).await;
    let street = reader(db, "s1", "street", STREET).await;
    let hq = reader(db, "hq1", "hq", "431102").await;
    let grid = reader(db, "g1", "grid", C1).await;
    let l1 = link(db, &o1, C1).await;
    let mut v = Vec::new();
    for n in 1..=volunteers_n {
        let id = volunteer(db, &o1, &l1, n, |_| {}).await;
        v.push(volunteers::get(db, &o1, id).await.unwrap());
    }
    let l2 = link(db, &o2, C2).await;
    let x = volunteer(db, &o2, &l2, 900, |_| {}).await;
    let vx = volunteers::get(db, &o2, x).await.unwrap();
    let hh: Vec<i64> = db
        .query(
            "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 40",
            args![C1, format!("{C1}~")],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.int(0))
        .collect();
    assert!(hh.len() >= 20, "the demo city has households in C1");
    let hh2 = wardline::registry::edit::create_household(
        db,
        &actor(&o2),
        &o2,
        C2,
        "二社区 1 栋 101",
        None,
    )
    .await
    .unwrap();
    Fx {
        o1,
        o2,
        street,
        hq,
        grid,
        v,
        vx,
        hh,
        hh2,
    }
}

pub fn ask(category: &str, urgency: i64) -> NewNeed {
    NewNeed {
        category: category.into(),
        urgency: urgency.to_string(),
        description: "降压药两盒".into(),
        source: "hotline".into(),
        ..NewNeed::default()
    }
}

pub async fn new_need(
    db: &Db,
    officer: &Reader,
    hh: i64,
    category: &str,
    urgency: i64,
    at: i64,
) -> i64 {
    intake::create(
        db,
        &actor(officer),
        officer,
        hh,
        &ask(category, urgency),
        at,
    )
    .await
    .unwrap()
    .id
}

fn vactor(v: &Volunteer) -> wardline::audit::Actor {
    wardline::audit::Actor {
        account_id: None,
        username: format!("vol{}", v.id),
        ip: "test".into(),
    }
}

/// Act as the right party for the action: officers assign, cancel and reopen; the volunteer
/// claims, starts, finishes or hands back; the household confirms.
async fn act_as(db: &Db, fx: &Fx, hh: i64, id: i64, a: &Action, at: i64) -> Result<Need, AppError> {
    match a {
        Action::Assign { .. } | Action::Cancel { .. } | Action::Reopen { .. } => {
            flow::act(db, &actor(&fx.o1), &Who::Staff(&fx.o1), id, a, None, at).await
        }
        Action::Confirm { .. } => {
            flow::act(db, &actor(&fx.o1), &Who::Household(hh), id, a, None, at).await
        }
        _ => {
            flow::act(
                db,
                &vactor(&fx.v[0]),
                &Who::Volunteer(&fx.v[0]),
                id,
                a,
                None,
                at,
            )
            .await
        }
    }
}

fn all_actions(v: i64) -> Vec<Action> {
    vec![
        Action::Assign {
            team: None,
            volunteer: Some(v),
        },
        Action::Claim,
        Action::Start,
        Action::Done,
        Action::Unable {
            reason: "药店关门".into(),
        },
        Action::Cancel {
            reason: "家属已买到".into(),
        },
        Action::Reopen {
            reason: "药买错了".into(),
        },
        Action::Confirm {
            rating: 5,
            feedback: "谢谢".into(),
        },
    ]
}

/// The path from a new need to each state.
fn path_to(state: &str, v: i64) -> Vec<Action> {
    let assign = Action::Assign {
        team: None,
        volunteer: Some(v),
    };
    match state {
        "new" => vec![],
        "assigned" => vec![assign],
        "claimed" => vec![Action::Claim],
        "in_progress" => vec![Action::Claim, Action::Start],
        "done" => vec![Action::Claim, Action::Start, Action::Done],
        "cancelled" => vec![Action::Cancel {
            reason: "重复登记".into(),
        }],
        _ => unreachable!(),
    }
}

/// The expected machine, written out independently of the engine: (action, from) → to.
fn expected(action: &str, from: &str) -> Option<&'static str> {
    match (action, from) {
        ("assigned", "new" | "assigned" | "claimed") => Some("assigned"),
        ("claimed", "new") => Some("claimed"),
        ("started", "assigned" | "claimed") => Some("in_progress"),
        ("done", "in_progress") => Some("done"),
        ("unable", "assigned" | "claimed" | "in_progress") => Some("new"),
        ("cancelled", "new" | "assigned" | "claimed" | "in_progress") => Some("cancelled"),
        ("reopened", "done" | "cancelled") => Some("new"),
        ("confirmed", "done") => Some("done"),
        _ => None,
    }
}

#[tokio::test]
async fn every_transition_allowed_or_refused() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 2).await;
        let states = [
            "new",
            "assigned",
            "claimed",
            "in_progress",
            "done",
            "cancelled",
        ];
        let mut k = 0;
        let mut at = T0;
        for from in states {
            for a in all_actions(fx.v[0].id) {
                let hh = fx.hh[k % fx.hh.len()];
                k += 1;
                at += MIN;
                // A fresh need per pair, of a category of its own so that nothing is a duplicate.
                let id = new_need(db, &fx.o1, hh, CATEGORIES[k % CATEGORIES.len()].0, 3, at).await;
                for step in path_to(from, fx.v[0].id) {
                    act_as(db, &fx, hh, id, &step, at).await.unwrap();
                }
                let before = needs::load(db, id).await.unwrap();
                assert_eq!(before.status, from, "{}", t_.name);
                let events_before = needs::history(db, id).await.unwrap().len();
                let got = act_as(db, &fx, hh, id, &a, at + MIN).await;
                let after = needs::load(db, id).await.unwrap();
                let steps = needs::history(db, id).await.unwrap();
                match expected(a.kind(), from) {
                    Some(to) => {
                        let n = got.unwrap_or_else(|e| {
                            panic!("{} from {from}: {e:?} ({})", a.kind(), t_.name)
                        });
                        assert_eq!(n.status, to, "{} from {from}", a.kind());
                        assert_eq!(after.version, before.version + 1);
                        assert_eq!(steps.len(), events_before + 1);
                        let last = steps.last().unwrap();
                        assert_eq!(last.kind, a.kind());
                        assert_eq!(last.from_status.as_deref(), Some(from));
                        assert_eq!(last.to_status.as_deref(), Some(to));
                        assert_eq!(last.at_ms, at + MIN);
                        assert!(!last.actor.is_empty());
                        // What each step leaves behind.
                        match a.kind() {
                            "claimed" => assert_eq!(after.volunteer_id, Some(fx.v[0].id)),
                            "started" => assert_eq!(after.first_contact_ms, Some(at + MIN)),
                            "done" => {
                                assert_eq!(after.done_ms, Some(at + MIN));
                                assert!(!after.is_open());
                            }
                            "unable" => {
                                assert_eq!((after.volunteer_id, after.team_id), (None, None));
                                assert_eq!(last.note, "药店关门");
                            }
                            "reopened" => {
                                assert!(after.is_open() && after.done_ms.is_none());
                                assert_eq!(after.since_ms, at + MIN);
                            }
                            "confirmed" => assert_eq!(after.rating, Some(5)),
                            _ => {}
                        }
                        let open: i64 = db
                            .query_one("SELECT is_open FROM needs WHERE id = $1", args![id])
                            .await
                            .unwrap()
                            .int(0);
                        assert_eq!(open == 1, needs::is_open_status(to));
                    }
                    None => {
                        let e =
                            got.expect_err(&format!("{} from {from} must be refused", a.kind()));
                        assert!(
                            matches!(e, AppError::Conflict(_)),
                            "{} from {from}: {e:?}",
                            a.kind()
                        );
                        assert_eq!(after.version, before.version, "a refusal changes nothing");
                        assert_eq!(after.status, before.status);
                        assert_eq!(steps.len(), events_before);
                    }
                }
            }
        }
        // A confirmation is taken once; a reason is required where one is asked for.
        let id = new_need(db, &fx.o1, fx.hh[0], "gas", 3, at).await;
        for s in path_to("done", fx.v[0].id) {
            act_as(db, &fx, fx.hh[0], id, &s, at).await.unwrap();
        }
        let c = Action::Confirm {
            rating: 4,
            feedback: String::new(),
        };
        act_as(db, &fx, fx.hh[0], id, &c, at).await.unwrap();
        assert!(matches!(
            act_as(db, &fx, fx.hh[0], id, &c, at).await,
            Err(AppError::Conflict(_))
        ));
        let bad = Action::Confirm {
            rating: 9,
            feedback: String::new(),
        };
        assert_eq!(
            fields(act_as(db, &fx, fx.hh[0], id, &bad, at).await.unwrap_err()),
            ["rating"]
        );
        let id = new_need(db, &fx.o1, fx.hh[1], "gas", 3, at).await;
        let e = act_as(
            db,
            &fx,
            fx.hh[1],
            id,
            &Action::Cancel { reason: " ".into() },
            at,
        )
        .await;
        assert_eq!(fields(e.unwrap_err()), ["reason"]);
        // A version seen before someone else's change is refused, not overwritten.
        act_as(db, &fx, fx.hh[1], id, &Action::Claim, at)
            .await
            .unwrap();
        let stale = flow::act(
            db,
            &actor(&fx.o1),
            &Who::Staff(&fx.o1),
            id,
            &Action::Cancel { reason: "x".into() },
            Some(0),
            at,
        )
        .await;
        assert!(matches!(stale, Err(AppError::Conflict(_))), "{}", t_.name);
        assert_eq!(needs::load(db, id).await.unwrap().status, "claimed");
    }
}

#[tokio::test]
async fn team_assignment_and_who_may_act() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 3).await;
        let team = wardline::mobilization::branches::create_team(
            db,
            &actor(&fx.o1),
            &fx.o1,
            C1,
            "物资配送队",
            "delivery",
            None,
        )
        .await
        .unwrap();
        wardline::mobilization::branches::set_team_member(
            db,
            &actor(&fx.o1),
            &fx.o1,
            team,
            fx.v[1].id,
            false,
        )
        .await
        .unwrap();
        let id = new_need(db, &fx.o1, fx.hh[0], "groceries", 3, T0).await;
        let assign = Action::Assign {
            team: Some(team),
            volunteer: None,
        };
        // Volunteers and grid workers do not assign; an officer of another community does not
        // even see the need.
        let v0 = Who::Volunteer(&fx.v[0]);
        assert!(matches!(
            flow::act(db, &vactor(&fx.v[0]), &v0, id, &assign, None, T0).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.grid),
                &Who::Staff(&fx.grid),
                id,
                &assign,
                None,
                T0
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.o2),
                &Who::Staff(&fx.o2),
                id,
                &assign,
                None,
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        // Assigning needs one of team and volunteer.
        let neither = Action::Assign {
            team: None,
            volunteer: None,
        };
        assert_eq!(
            fields(
                flow::act(
                    db,
                    &actor(&fx.o1),
                    &Who::Staff(&fx.o1),
                    id,
                    &neither,
                    None,
                    T0
                )
                .await
                .unwrap_err()
            ),
            ["volunteer"]
        );
        let outside = Action::Assign {
            team: None,
            volunteer: Some(fx.vx.id),
        };
        assert_eq!(
            fields(
                flow::act(
                    db,
                    &actor(&fx.o1),
                    &Who::Staff(&fx.o1),
                    id,
                    &outside,
                    None,
                    T0
                )
                .await
                .unwrap_err()
            ),
            ["volunteer"]
        );
        flow::act(
            db,
            &actor(&fx.o1),
            &Who::Staff(&fx.o1),
            id,
            &assign,
            None,
            T0,
        )
        .await
        .unwrap();
        // Given to the team: a member takes it, a non-member may not start it.
        let v2 = Who::Volunteer(&fx.v[2]);
        assert!(matches!(
            flow::act(db, &vactor(&fx.v[2]), &v2, id, &Action::Start, None, T0).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(
            matches!(
                flow::act(db, &vactor(&fx.v[2]), &v2, id, &Action::Claim, None, T0).await,
                Err(AppError::Forbidden(_))
            ),
            "not a member of the team"
        );
        let v1 = Who::Volunteer(&fx.v[1]);
        let n = flow::act(
            db,
            &vactor(&fx.v[1]),
            &v1,
            id,
            &Action::Claim,
            None,
            T0 + MIN,
        )
        .await
        .unwrap();
        assert_eq!(
            (n.status.as_str(), n.volunteer_id, n.team_id),
            ("claimed", Some(fx.v[1].id), Some(team))
        );
        // Now it is v1's: the phone is revealed to them only.
        assert!(flow::reveal_phone(db, &vactor(&fx.v[2]), &fx.v[2], id, T0)
            .await
            .is_err());
        assert!(matches!(
            flow::reveal_phone(db, &vactor(&fx.vx), &fx.vx, id, T0).await,
            Err(AppError::NotFound)
        ));
        let phone = flow::reveal_phone(db, &vactor(&fx.v[1]), &fx.v[1], id, T0).await;
        let stored = needs::load(db, id).await.unwrap().phone;
        match stored {
            Some(p) => assert_eq!(phone.unwrap(), p),
            None => assert!(matches!(phone, Err(AppError::Conflict(_)))),
        }
        // A volunteer of another community does not see it at all.
        let vx = Who::Volunteer(&fx.vx);
        assert!(matches!(
            flow::act(db, &vactor(&fx.vx), &vx, id, &Action::Start, None, T0).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            flow::for_volunteer(db, &fx.vx, id).await,
            Err(AppError::NotFound)
        ));
        // Items: by the holder once started, checked field by field.
        assert!(
            flow::add_item(db, &vactor(&fx.v[1]), &v1, id, "food", "", "1", T0)
                .await
                .is_err()
        );
        flow::act(
            db,
            &vactor(&fx.v[1]),
            &v1,
            id,
            &Action::Start,
            None,
            T0 + 2 * MIN,
        )
        .await
        .unwrap();
        let e = flow::add_item(db, &vactor(&fx.v[1]), &v1, id, "gold", "", "0", T0)
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["kind", "quantity"]);
        flow::add_item(db, &vactor(&fx.v[1]), &v1, id, "food", "米面油", "2", T0)
            .await
            .unwrap();
        assert!(
            flow::add_item(db, &vactor(&fx.v[0]), &v0, id, "food", "", "1", T0)
                .await
                .is_err()
        );
        let items = needs::items(db, id).await.unwrap();
        assert_eq!(
            (items.len(), items[0].quantity, items[0].kind.as_str()),
            (1, 2, "food")
        );
        // A household withdraws only what nobody has taken, and only its own.
        let w = new_need(db, &fx.o1, fx.hh[3], "errand", 4, T0).await;
        let cancel = Action::Cancel {
            reason: "不需要了".into(),
        };
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.o1),
                &Who::Household(fx.hh[4]),
                w,
                &cancel,
                None,
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.o1),
                &Who::Household(fx.hh[0]),
                id,
                &cancel,
                None,
                T0
            )
            .await,
            Err(AppError::Conflict(_))
        ));
        let n = flow::act(
            db,
            &actor(&fx.o1),
            &Who::Household(fx.hh[3]),
            w,
            &cancel,
            None,
            T0,
        )
        .await
        .unwrap();
        assert_eq!(n.status, "cancelled");
        assert_eq!(
            needs::history(db, w).await.unwrap().last().unwrap().actor,
            "household link"
        );
    }
}

#[tokio::test]
async fn claim_race_exactly_one_wins() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 8).await;
        for round in 0..10 {
            let id = new_need(db, &fx.o1, fx.hh[round], "medicine", 2, T0).await;
            let mut tasks = Vec::new();
            for v in fx.v.iter().cloned() {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    let who = Who::Volunteer(&v);
                    flow::act(&db, &vactor(&v), &who, id, &Action::Claim, None, T0)
                        .await
                        .map(|_| v.id)
                }));
            }
            let mut winners = Vec::new();
            for t in tasks {
                match t.await.unwrap() {
                    Ok(v) => winners.push(v),
                    Err(AppError::Conflict(m)) => assert!(
                        m.get(wardline::i18n::Lang::En)
                            .contains("another volunteer claimed"),
                        "the loser is told clearly: {m:?}"
                    ),
                    Err(e) => panic!("{e:?}"),
                }
            }
            assert_eq!(winners.len(), 1, "{}", t_.name);
            let n = needs::load(db, id).await.unwrap();
            assert_eq!(n.volunteer_id, Some(winners[0]));
            let claims = needs::history(db, id)
                .await
                .unwrap()
                .iter()
                .filter(|s| s.kind == "claimed")
                .count();
            assert_eq!(claims, 1);
        }
    }
}

#[tokio::test]
async fn concurrent_changes_lose_nothing() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 24).await;
        let mut ids = Vec::new();
        for (i, _) in fx.v.iter().enumerate() {
            ids.push(new_need(db, &fx.o1, fx.hh[i], "groceries", 3, T0).await);
        }
        let mut tasks = Vec::new();
        for (v, id) in fx.v.iter().cloned().zip(ids.clone()) {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let who = Who::Volunteer(&v);
                for a in [Action::Claim, Action::Start, Action::Done] {
                    flow::act(&db, &vactor(&v), &who, id, &a, None, T0 + MIN).await?;
                }
                Ok::<_, AppError>(())
            }));
        }
        // Meanwhile an officer adds items and the sweep runs: neither may undo a step.
        let sweep = {
            let db = db.clone();
            tokio::spawn(async move {
                for k in 0..5 {
                    deadlines::escalate(&db, T0 + k * 60 * MIN).await.unwrap();
                }
            })
        };
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        sweep.await.unwrap();
        for (v, id) in fx.v.iter().zip(ids) {
            let n = needs::load(db, id).await.unwrap();
            assert_eq!(
                (n.status.as_str(), n.version, n.volunteer_id),
                ("done", 3, Some(v.id)),
                "{}",
                t_.name
            );
            let kinds: Vec<String> = needs::history(db, id)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.kind)
                .filter(|k| k != "escalated")
                .collect();
            assert_eq!(kinds, ["created", "claimed", "started", "done"]);
        }
    }
}

#[tokio::test]
async fn escalation_follows_the_clock() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 1).await;
        // Urgency 1: contact within 30 min, done within 120 min (the defaults).
        let a = new_need(db, &fx.o1, fx.hh[0], "emergency", 1, T0).await;
        let level = |id: i64| async move { needs::load(db, id).await.unwrap().escalation };
        for (at, want) in [
            (29, 0),
            (30, 1),
            (59, 1),
            (60, 2),
            (89, 2),
            (90, 3),
            (500, 3),
        ] {
            deadlines::escalate(db, T0 + at * MIN).await.unwrap();
            assert_eq!(level(a).await, want, "at +{at} min ({})", t_.name);
        }
        let esc: Vec<String> = needs::history(db, a)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.kind == "escalated")
            .map(|s| s.note)
            .collect();
        assert_eq!(esc, ["1", "2", "3"], "each level recorded once");
        // Contacted in time: only the completion target remains (120 min).
        let b = new_need(db, &fx.o1, fx.hh[1], "emergency", 1, T0).await;
        let v0 = Who::Volunteer(&fx.v[0]);
        flow::act(
            db,
            &vactor(&fx.v[0]),
            &v0,
            b,
            &Action::Claim,
            None,
            T0 + 5 * MIN,
        )
        .await
        .unwrap();
        flow::act(
            db,
            &vactor(&fx.v[0]),
            &v0,
            b,
            &Action::Start,
            None,
            T0 + 10 * MIN,
        )
        .await
        .unwrap();
        deadlines::escalate(db, T0 + 119 * MIN).await.unwrap();
        assert_eq!(level(b).await, 0);
        deadlines::escalate(db, T0 + 120 * MIN).await.unwrap();
        assert_eq!(level(b).await, 1);
        // Who sees what: community officers level 1 and up, the street 2 and up, HQ 3.
        let shown = |r: &Reader, path: &'static str, lvl: i64| {
            let r = r.clone();
            async move {
                let f = QueueFilter {
                    escalated: Some(lvl),
                    limit: 50,
                    ..QueueFilter::default()
                };
                let (v, _) = flow::queue(db, &r, path, &f).await.unwrap();
                let mut ids: Vec<i64> = v.iter().map(|n| n.id).collect();
                ids.sort_unstable();
                ids
            }
        };
        assert_eq!(
            shown(&fx.o1, C1, needs::level_of_role("community").unwrap()).await,
            [a, b]
        );
        assert_eq!(
            shown(&fx.street, STREET, needs::level_of_role("street").unwrap()).await,
            [a]
        );
        assert_eq!(
            shown(&fx.hq, "431102", needs::level_of_role("hq").unwrap()).await,
            [a]
        );
        // Closing stops it; reopening starts the clock again from the reopening.
        let v0 = Who::Volunteer(&fx.v[0]);
        flow::act(
            db,
            &vactor(&fx.v[0]),
            &v0,
            b,
            &Action::Done,
            None,
            T0 + 130 * MIN,
        )
        .await
        .unwrap();
        deadlines::escalate(db, T0 + 1000 * MIN).await.unwrap();
        assert_eq!(level(b).await, 1, "closed needs do not move");
        let reopen = Action::Reopen {
            reason: "没有送到".into(),
        };
        flow::act(
            db,
            &actor(&fx.o1),
            &Who::Staff(&fx.o1),
            b,
            &reopen,
            None,
            T0 + 1000 * MIN,
        )
        .await
        .unwrap();
        assert_eq!(level(b).await, 0);
        deadlines::escalate(db, T0 + 1119 * MIN).await.unwrap();
        assert_eq!(
            level(b).await,
            0,
            "first contact was made; 120 min to completion from the reopening"
        );
        deadlines::escalate(db, T0 + 1120 * MIN).await.unwrap();
        assert_eq!(level(b).await, 1);
        // The deadlines are the deployment's: urgency 4 contact in 10 min.
        let e = Deadlines::parse(
            &["30".into(), "120".into(), "360".into(), "0".into()],
            &["120".into(), "60".into(), "1440".into(), "4320".into()],
        )
        .unwrap_err();
        assert_eq!(fields(e), ["complete_2", "contact_4"]);
        let d = Deadlines::parse(
            &["30".into(), "120".into(), "360".into(), "10".into()],
            &["120".into(), "720".into(), "1440".into(), "4320".into()],
        )
        .unwrap();
        d.save(db, &actor(&fx.hq)).await.unwrap();
        assert_eq!(Deadlines::load(db).await.unwrap(), d);
        let c = new_need(db, &fx.o1, fx.hh[2], "psych", 4, T0).await;
        deadlines::escalate(db, T0 + 9 * MIN).await.unwrap();
        assert_eq!(level(c).await, 0);
        deadlines::escalate(db, T0 + 10 * MIN).await.unwrap();
        assert_eq!(level(c).await, 1);
    }
}

#[tokio::test]
async fn duplicates_and_idempotent_creation() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 1).await;
        let h = fx.hh[0];
        let a = new_need(db, &fx.o1, h, "gas", 3, T0).await;
        let b = intake::create(db, &actor(&fx.o1), &fx.o1, h, &ask("gas", 3), T0)
            .await
            .unwrap();
        assert_eq!(b.duplicate_of, Some(a), "{}", t_.name);
        let c = intake::create(db, &actor(&fx.o1), &fx.o1, h, &ask("medicine", 3), T0)
            .await
            .unwrap();
        assert_eq!(c.duplicate_of, None, "another category is no duplicate");
        let d = intake::create(db, &actor(&fx.o1), &fx.o1, fx.hh[1], &ask("gas", 3), T0)
            .await
            .unwrap();
        assert_eq!(d.duplicate_of, None, "another household is no duplicate");
        // Once the first is closed, a new one is no duplicate of it.
        for id in [a, b.id] {
            flow::act(
                db,
                &actor(&fx.o1),
                &Who::Staff(&fx.o1),
                id,
                &Action::Cancel { reason: "x".into() },
                None,
                T0,
            )
            .await
            .unwrap();
        }
        let e = intake::create(db, &actor(&fx.o1), &fx.o1, h, &ask("gas", 3), T0)
            .await
            .unwrap();
        assert_eq!(e.duplicate_of, None);
        // The same client id makes one need, even sent five times at once.
        let mut f = ask("transport", 2);
        f.client_id = "form-7f3a".into();
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (db, r, f) = (db.clone(), fx.o1.clone(), f.clone());
            tasks.push(tokio::spawn(async move {
                intake::create(&db, &actor(&r), &r, h, &f, T0)
                    .await
                    .unwrap()
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        assert!(got.iter().all(|c| c.id == got[0].id));
        assert_eq!(got.iter().filter(|c| !c.replayed).count(), 1);
        let n: i64 = db
            .query_one(
                "SELECT COUNT(*) FROM needs WHERE client_id = 'form-7f3a'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 1);
        // The same id for another household is refused; a damaged one is named.
        let e = intake::create(db, &actor(&fx.o1), &fx.o1, fx.hh[1], &f, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Conflict(_)));
        f.client_id = "x y".into();
        assert_eq!(
            fields(
                intake::create(db, &actor(&fx.o1), &fx.o1, h, &f, T0)
                    .await
                    .unwrap_err()
            ),
            ["client_id"]
        );
        // Every bad field at once.
        let bad = NewNeed {
            category: "caviar".into(),
            urgency: "7".into(),
            description: "".into(),
            phone: "12345".into(),
            source: "rumour".into(),
            resident: Some(-1),
            ..NewNeed::default()
        };
        let e = intake::create(db, &actor(&fx.o1), &fx.o1, h, &bad, T0)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "category",
                "description",
                "phone",
                "resident",
                "source",
                "urgency"
            ]
        );
        // Who it is for: a member of the household, with their phone as the one to call.
        let m = db
            .query_one(
                "SELECT id, name, phone FROM residents WHERE household_id = $1 ORDER BY id LIMIT 1",
                args![h],
            )
            .await
            .unwrap();
        let mut f = ask("medicine", 2);
        f.resident = Some(m.int(0));
        let id = intake::create(db, &actor(&fx.o1), &fx.o1, h, &f, T0)
            .await
            .unwrap()
            .id;
        let n = needs::load(db, id).await.unwrap();
        assert_eq!(
            (n.resident_id, n.for_name.as_str(), n.phone.clone()),
            (Some(m.int(0)), m.text(1), m.opt_string(2))
        );
        let other = db
            .query_one(
                "SELECT id FROM residents WHERE household_id <> $1 LIMIT 1",
                args![h],
            )
            .await
            .unwrap()
            .int(0);
        f.resident = Some(other);
        assert_eq!(
            fields(
                intake::create(db, &actor(&fx.o1), &fx.o1, h, &f, T0)
                    .await
                    .unwrap_err()
            ),
            ["resident"]
        );
    }
}

#[tokio::test]
async fn household_link_limits() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 1).await;
        let (a, b) = (fx.hh[0], fx.hh[1]);
        let ta = intake::link_token(db, &fx.o1, a).await.unwrap();
        let tb = intake::link_token(db, &fx.o1, b).await.unwrap();
        assert_ne!(ta, tb);
        assert_eq!(
            intake::link_token(db, &fx.o1, a).await.unwrap(),
            ta,
            "one link per household"
        );
        assert!(matches!(
            intake::link_token(db, &fx.o2, a).await,
            Err(AppError::NotFound)
        ));
        let ha = intake::link_household(db, &ta).await.unwrap().unwrap();
        assert_eq!(ha.id, a);
        assert!(
            intake::link_household(db, "0123456789abcdef0123456789abcdef")
                .await
                .unwrap()
                .is_none()
        );
        // A request through A's link is A's; B's needs are not reachable through it.
        let mine = intake::create_by_link(db, &ha, &ask("medicine", 2), T0)
            .await
            .unwrap()
            .id;
        let theirs = new_need(db, &fx.o1, b, "medicine", 2, T0).await;
        let listed: Vec<i64> = intake::household_needs(db, a, T0)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(listed, [mine]);
        let n = needs::load(db, mine).await.unwrap();
        assert_eq!(
            (n.source.as_str(), n.created_by.as_str(), n.household_id),
            ("resident", "household link", a)
        );
        let cancel = Action::Cancel {
            reason: "不需要了".into(),
        };
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.o1),
                &Who::Household(a),
                theirs,
                &cancel,
                None,
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        let confirm = Action::Confirm {
            rating: 1,
            feedback: String::new(),
        };
        assert!(matches!(
            flow::act(
                db,
                &actor(&fx.o1),
                &Who::Household(a),
                theirs,
                &confirm,
                None,
                T0
            )
            .await,
            Err(AppError::NotFound)
        ));
        // A household may send a few requests in ten minutes, then is told to wait.
        for k in 1..intake::RATE_PER_HOUSEHOLD {
            intake::create_by_link(db, &ha, &ask(CATEGORIES[k as usize].0, 3), T0 + k)
                .await
                .unwrap();
        }
        let e = intake::create_by_link(db, &ha, &ask("other", 4), T0 + 10)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::TooMany(_)), "{}", t_.name);
        intake::create_by_link(db, &ha, &ask("other", 4), T0 + intake::RATE_WINDOW_MS + 10)
            .await
            .unwrap();
        // One client: so many requests (or look-ups of unknown links), then 429; another
        // client is not held up.
        let now = wardline::db::now_ms();
        for _ in 0..intake::RATE_ATTEMPTS {
            intake::guard(db, "10.9.9.9", now).await.unwrap();
        }
        assert!(matches!(
            intake::guard(db, "10.9.9.9", now).await,
            Err(AppError::TooMany(_))
        ));
        intake::guard(db, "10.9.9.10", now).await.unwrap();
        let stored: i64 = db
            .query_one(
                "SELECT COUNT(*) FROM need_link_attempts WHERE ip_hash LIKE '10.%'",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(stored, 0, "addresses are kept only as salted hashes");
        // A new link: the old one opens nothing.
        intake::renew_link(db, &actor(&fx.o1), &fx.o1, a)
            .await
            .unwrap();
        assert!(intake::link_household(db, &ta).await.unwrap().is_none());
        let ta2 = intake::link_token(db, &fx.o1, a).await.unwrap();
        assert_ne!(ta2, ta);
        assert!(matches!(
            intake::renew_link(db, &actor(&fx.grid), &fx.grid, a).await,
            Err(AppError::Forbidden(_))
        ));
        // Removed or merged into another: the link opens nothing.
        let empty = wardline::registry::edit::create_household(
            db,
            &actor(&fx.o1),
            &fx.o1,
            C1,
            "一社区 9 栋 909",
            None,
        )
        .await
        .unwrap();
        let te = intake::link_token(db, &fx.o1, empty).await.unwrap();
        wardline::registry::edit::remove_household(db, &actor(&fx.o1), &fx.o1, empty)
            .await
            .unwrap();
        assert!(intake::link_household(db, &te).await.unwrap().is_none());
        wardline::registry::edit::merge_households(db, &actor(&fx.o1), &fx.o1, a, b)
            .await
            .unwrap();
        assert!(intake::link_household(db, &ta2).await.unwrap().is_none());
        assert!(intake::link_household(db, &tb).await.unwrap().is_some());
        assert_eq!(
            needs::load(db, mine).await.unwrap().household_id,
            b,
            "the needs follow the merge"
        );
    }
}

/// A need's row as the recount reads it: category, urgency, status, created, since, first
/// contact, done.
type NeedRow = (String, i64, String, i64, i64, Option<i64>, Option<i64>);

/// The figures, recounted by brute force from the needs' rows.
fn recount(
    rows: &[NeedRow],
    d: &Deadlines,
    from: i64,
    to: i64,
    now: i64,
    cat: Option<&str>,
) -> Figures {
    let pct = |mut v: Vec<i64>, p: f64| {
        v.sort_unstable();
        if v.is_empty() {
            None
        } else {
            let mut k = 0;
            // The smallest rank whose share reaches p.
            while (k + 1) as f64 / (v.len() as f64) < p {
                k += 1;
            }
            Some(v[k])
        }
    };
    let mut f = Figures::default();
    let (mut contact, mut done) = (vec![], vec![]);
    for (c, u, status, created, since, first, fin) in rows {
        if cat.is_some_and(|x| x != c) {
            continue;
        }
        let open = ["new", "assigned", "claimed", "in_progress"].contains(&status.as_str());
        if (from..to).contains(created) {
            f.registered += 1;
            if let Some(x) = first {
                contact.push((x - created) / MIN);
            }
        }
        if status == "done" && fin.is_some_and(|x| (from..to).contains(&x)) {
            f.solved += 1;
            if *u == 1 || c == "emergency" {
                f.emergencies_solved += 1;
            }
            done.push((fin.unwrap() - created) / MIN);
        }
        if open {
            f.open_now += 1;
            let i = (*u - 1) as usize;
            let contact_late = first.is_none() && now >= since + d.contact_min[i] * MIN;
            let done_late = now >= since + d.complete_min[i] * MIN;
            if contact_late || done_late {
                f.late_now += 1;
            }
        }
    }
    f.contact_median = pct(contact.clone(), 0.5);
    f.contact_p90 = pct(contact, 0.9);
    f.done_median = pct(done.clone(), 0.5);
    f.done_p90 = pct(done, 0.9);
    f
}

#[tokio::test]
async fn figures_equal_a_recount() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 3).await;
        let mut rng = wardline::rng::Rng::new(11);
        let day = 24 * 60 * MIN;
        let mut all_hh = fx.hh.clone();
        all_hh.push(fx.hh2);
        for k in 0..160 {
            let h = *rng.pick(&all_hh);
            let officer = if h == fx.hh2 { &fx.o2 } else { &fx.o1 };
            let created = T0 + rng.range(0, 6 * 24 * 60) * MIN;
            let cat = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize].0;
            let id = new_need(db, officer, h, cat, rng.range(1, 4), created).await;
            let mut t = created + rng.range(1, 300) * MIN;
            let v = if h == fx.hh2 { &fx.vx } else { &fx.v[k % 3] };
            let who = Who::Volunteer(v);
            let plan = rng.range(0, 5);
            if plan >= 1 {
                flow::act(db, &vactor(v), &who, id, &Action::Claim, None, t)
                    .await
                    .unwrap();
            }
            if plan >= 2 {
                t += rng.range(1, 200) * MIN;
                flow::act(db, &vactor(v), &who, id, &Action::Start, None, t)
                    .await
                    .unwrap();
            }
            if plan >= 3 {
                t += rng.range(1, 2000) * MIN;
                flow::act(db, &vactor(v), &who, id, &Action::Done, None, t)
                    .await
                    .unwrap();
                let kind = if k % 4 == 0 { "gas" } else { "food" };
                flow::add_item(db, &vactor(v), &who, id, kind, "", "2", t)
                    .await
                    .unwrap();
            }
            if plan == 5 {
                let reopen = Action::Reopen {
                    reason: "没送到".into(),
                };
                flow::act(
                    db,
                    &actor(officer),
                    &Who::Staff(officer),
                    id,
                    &reopen,
                    None,
                    t + MIN,
                )
                .await
                .unwrap();
            }
        }
        // The HQ overview's needs tallies (migration 0025) follow every step.
        crate::hq::need_tallies_equal_a_recount(db, t_.name).await;
        let d = Deadlines::load(db).await.unwrap();
        // After every step of the data (the last ones fall in the seventh day).
        let now = T0 + 8 * day;
        for (reader, path) in [
            (&fx.o1, C1),
            (&fx.street, STREET),
            (&fx.hq, "431102"),
            (&fx.o1, &format!("{C1}/G0001")[..]),
        ] {
            let rows: Vec<_> = db
                .query(
                    "SELECT category, urgency, status, created_ms, since_ms, first_contact_ms, done_ms FROM needs WHERE path LIKE $1",
                    args![format!("{path}%")],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| (r.string(0), r.int(1), r.string(2), r.int(3), r.int(4), r.opt_int(5), r.opt_int(6)))
                .collect();
            for (from, to) in [
                (T0, T0 + 7 * day),
                (T0 + day, T0 + 3 * day),
                (T0 + 6 * day, T0 + 7 * day),
            ] {
                let rep = figures::report(db, reader, path, from, to, now)
                    .await
                    .unwrap();
                assert_eq!(
                    rep.all,
                    recount(&rows, &d, from, to, now, None),
                    "{path} {} ({})",
                    (to - from) / day,
                    t_.name
                );
                for c in &rep.by_category {
                    assert_eq!(
                        c.figures,
                        recount(&rows, &d, from, to, now, Some(&c.category)),
                        "{path} {}",
                        c.category
                    );
                }
                let want: i64 = db
                    .query_one(
                        "SELECT COUNT(*) FROM need_items i JOIN needs n ON n.id = i.need_id WHERE n.path LIKE $1 AND i.at_ms >= $2 AND i.at_ms < $3",
                        args![format!("{path}%"), from, to],
                    )
                    .await
                    .unwrap()
                    .int(0);
                assert_eq!(rep.items.iter().map(|x| x.quantity).sum::<i64>(), want * 2);
            }
        }
        // Something was measured, so the comparison meant something.
        let rep = figures::report(db, &fx.street, STREET, T0, T0 + 7 * day, now)
            .await
            .unwrap();
        assert!(
            rep.all.registered > 100
                && rep.all.solved > 10
                && rep.all.done_p90.is_some()
                && rep.all.late_now > 0
        );
        // Outside the scope: nothing, not even a count.
        assert!(matches!(
            figures::report(db, &fx.o2, C1, T0, now, now).await,
            Err(AppError::NotFound)
        ));
    }
}

#[test]
fn percentiles_by_nearest_rank() {
    use wardline::needs::figures::percentile;
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[7], 0.9), Some(7));
    assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2));
    assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9));
    assert_eq!(
        percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9),
        Some(10)
    );
}

#[tokio::test]
async fn scope_of_every_read() {
    for t_ in backends().await {
        let db = &t_.db;
        let fx = fixture(db, 1).await;
        let id = new_need(db, &fx.o1, fx.hh[0], "medicine", 2, T0).await;
        let id2 = new_need(db, &fx.o2, fx.hh2, "gas", 3, T0).await;
        // The other community's officer: not found, an empty answer, no count.
        assert!(matches!(
            needs::get(db, &fx.o2, id).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            flow::queue(
                db,
                &fx.o2,
                C1,
                &QueueFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            flow::open_counts(db, &fx.o2, C1).await,
            Err(AppError::NotFound)
        ));
        let (v2, n2) = flow::queue(
            db,
            &fx.o2,
            C2,
            &QueueFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (v2.iter().map(|n| n.id).collect::<Vec<_>>(), n2),
            (vec![id2], 1),
            "{}",
            t_.name
        );
        assert!(matches!(
            intake::create(db, &actor(&fx.o2), &fx.o2, fx.hh[0], &ask("gas", 3), T0).await,
            Err(AppError::NotFound)
        ));
        // The street sees both; a grid worker reads but does not dispatch; a volunteer's
        // account does not read the queue.
        let (vs, ns) = flow::queue(
            db,
            &fx.street,
            STREET,
            &QueueFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((vs.len(), ns), (2, 2));
        assert_eq!(needs::get(db, &fx.grid, id).await.unwrap().id, id);
        let vol_reader = reader(db, "vacct", "volunteer", C1).await;
        assert!(matches!(
            needs::get(db, &vol_reader, id).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            flow::queue(
                db,
                &vol_reader,
                C1,
                &QueueFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        // A volunteer's own view: the open queue of their area only.
        let tasks = flow::tasks(db, &fx.vx, 50).await.unwrap();
        assert_eq!(tasks.queue.iter().map(|n| n.id).collect::<Vec<_>>(), [id2]);
        let tasks = flow::tasks(db, &fx.v[0], 50).await.unwrap();
        assert_eq!(tasks.queue.iter().map(|n| n.id).collect::<Vec<_>>(), [id]);
        // Vulnerable tags of the household travel with the need.
        exec(
            db,
            "UPDATE residents SET tags = 5 WHERE household_id = $1",
            args![fx.hh[0]],
        )
        .await;
        let n = needs::get(db, &fx.o1, id).await.unwrap();
        assert_eq!(n.tags, 5);
        assert!(needs::tags_text(n.tags, wardline::i18n::Lang::Zh).contains("独居老人"));
    }
}
