//! The mobilization engine through the database, on both backends: the rules as the
//! deployment sets them, shifts, auto-fill runs, placing by hand with recorded overrides, duty
//! check-in/out and service hours. People (sign-up, screening, scope, branches and visits) are
//! in `mobilization_people`; the pure rules and the planner in `mobilization_rules` and
//! `mobilization_autofill`.

use wardline::access::{self, Reader};
use wardline::args;
use wardline::db::{Db, Value};
use wardline::error::AppError;
use wardline::mobilization::rules::{self, Breach, Rules, Span, CST_MS, DAY_MS, HOUR_MS};
use wardline::mobilization::{autofill, branches, duty, roster, volunteers};
use wardline::registry::areas;

use crate::access::id_number;
use crate::common::{backends, exec};
use crate::mobilization_rules::t;
use crate::testing::{actor, reader};

/// Two communities of one street (朝阳街道), and a community of another street.
pub const C1: &str = "431102001001";
pub const C2: &str = "431102001009";
pub const STREET: &str = "431102001";
pub const OTHER_STREET_C: &str = "431102002001";

/// The areas of the demo district (no residents).
pub async fn district(db: &Db) {
    areas::ensure_national(db, "431102").await.unwrap();
}

/// A sign-up form that passes, for person `n` (a valid ID number and mobile number).
pub fn form(n: u32) -> volunteers::SignUp {
    volunteers::SignUp {
        name: format!("志愿者{n}"),
        doc_type: "id_card".into(),
        doc_number: id_number("19850101", n),
        phone: format!("1380000{n:04}"),
        political: "party".into(),
        health_ok: true,
        ..Default::default()
    }
}

pub async fn link(db: &Db, officer: &Reader, area: &str) -> volunteers::Link {
    volunteers::create_link(db, &actor(officer), officer, area, "抗疫志愿者招募")
        .await
        .unwrap()
}

/// Person `n` signs up through `link` (from a client of their own); their id.
pub async fn applicant(
    db: &Db,
    link: &volunteers::Link,
    n: u32,
    edit: impl FnOnce(&mut volunteers::SignUp),
) -> i64 {
    let mut f = form(n);
    edit(&mut f);
    volunteers::sign_up(db, link, &format!("10.0.0.{n}"), &f)
        .await
        .unwrap()
        .id
}

/// Person `n` signs up and `officer` approves them; their id.
pub async fn volunteer(
    db: &Db,
    officer: &Reader,
    link: &volunteers::Link,
    n: u32,
    edit: impl FnOnce(&mut volunteers::SignUp),
) -> i64 {
    let id = applicant(db, link, n, edit).await;
    volunteers::screen(db, &actor(officer), officer, id, "approved", "")
        .await
        .unwrap();
    id
}

async fn post(db: &Db) -> i64 {
    roster::posts(db).await.unwrap()[0].id
}

/// Shifts at `place` from `first_day` for `days` days at `times`, for `headcount` people with
/// `skills`; their ids in time order.
pub async fn shifts(
    db: &Db,
    officer: &Reader,
    place: i64,
    first_day: &str,
    days: i64,
    times: &[(i64, i64)],
    (headcount, skills): (i64, &[&str]),
) -> Vec<i64> {
    let f = roster::NewShifts {
        place,
        post: post(db).await,
        first_day: first_day.into(),
        days,
        times: times.to_vec(),
        headcount,
        skills: skills.iter().map(|s| s.to_string()).collect(),
    };
    let n = roster::add_shifts(db, &actor(officer), officer, &f)
        .await
        .unwrap();
    assert_eq!(n, days * times.len() as i64);
    db.query(
        "SELECT id FROM shifts WHERE place_id = $1 ORDER BY id DESC LIMIT $2",
        args![place, n],
    )
    .await
    .unwrap()
    .iter()
    .rev()
    .map(|r| r.int(0))
    .collect()
}

pub async fn place(db: &Db, officer: &Reader, area: &str, name: &str) -> i64 {
    roster::add_place(db, &actor(officer), officer, area, name, "checkpoint")
        .await
        .unwrap()
}

/// The fields of an `Invalid`, sorted.
pub fn fields(e: AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => {
            let mut f: Vec<&'static str> = v.iter().map(|x| x.field).collect();
            f.sort_unstable();
            f
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn conflict(e: AppError) -> wardline::i18n::Msg {
    match e {
        AppError::Conflict(m) => m,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

pub async fn count(db: &Db, sql: &str, params: Vec<Value>) -> i64 {
    db.query_one(sql, params).await.unwrap().int(0)
}

/// The day after today in China time, as YYYY-MM-DD, and its start in ms.
pub fn tomorrow() -> (String, i64) {
    let day = (wardline::db::now_ms() + CST_MS).div_euclid(DAY_MS) + 1;
    let (y, m, d) = wardline::registry::validate::civil_from_days(day);
    (format!("{y:04}-{m:02}-{d:02}"), day * DAY_MS - CST_MS)
}

#[tokio::test]
async fn rules_load_from_settings_and_take_effect() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        assert_eq!(Rules::load(db).await.unwrap(), Rules::default());
        let set = |k: &'static str, v: &'static str| {
            exec(
                db,
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                args![k, v],
            )
        };
        set("roster.max_hours_in_24", "10").await;
        set("roster.min_rest_hours", "12").await;
        set("roster.max_consecutive_days", "3").await;
        set("roster.check_skills", "false").await;
        assert_eq!(
            Rules::load(db).await.unwrap(),
            Rules {
                max_minutes_in_24: 600,
                min_rest_minutes: 720,
                max_consecutive_days: 3,
                check_skills: false,
            },
            "{}",
            t_.name
        );
        // Nonsense is ignored: the defaults stay.
        set("roster.max_hours_in_24", "lots").await;
        set("roster.min_rest_hours", "-1").await;
        set("roster.max_consecutive_days", "").await;
        set("roster.check_skills", "1").await;
        assert_eq!(Rules::load(db).await.unwrap(), Rules::default());

        // A placement the defaults allow (6 + 6 hours, 8 apart) is refused at 10 hours.
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        let v = volunteer(db, &o, &l, 1, |_| {}).await;
        let p = place(db, &o, C1, "东门卡口").await;
        let s = shifts(
            db,
            &o,
            p,
            "2025-03-03",
            1,
            &[(480, 840), (1320, 240)],
            (2, &[]),
        )
        .await;
        roster::assign(db, &actor(&o), &o, s[0], v, "")
            .await
            .unwrap();
        let vol = volunteers::get(db, &o, v).await.unwrap();
        let late = roster::shift(db, &o, s[1]).await.unwrap();
        assert!(roster::check(db, &late, &vol).await.unwrap().is_empty());
        set("roster.max_hours_in_24", "10").await;
        assert_eq!(
            roster::check(db, &late, &vol).await.unwrap(),
            vec![Breach::Hours24 { minutes: 720 }]
        );
        let m = conflict(
            roster::assign(db, &actor(&o), &o, s[1], v, "")
                .await
                .unwrap_err(),
        );
        assert!(m.en.contains("limit is 10"), "{}", m.en);
        // Skills, switched off and on.
        let medic = shifts(db, &o, p, "2025-03-05", 1, &[(480, 960)], (1, &["medical"])).await;
        let s3 = roster::shift(db, &o, medic[0]).await.unwrap();
        set("roster.check_skills", "no").await;
        assert!(roster::check(db, &s3, &vol).await.unwrap().is_empty());
        set("roster.check_skills", "yes").await;
        assert_eq!(
            roster::check(db, &s3, &vol).await.unwrap(),
            vec![Breach::Skill {
                missing: vec!["medical".into()]
            }]
        );
    }
}

#[tokio::test]
async fn shifts_from_patterns_including_future_days() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let p = place(db, &o, C1, "东门卡口").await;
        // Rosters are made ahead: shifts from tomorrow on.
        let (day, start) = tomorrow();
        let three = roster::PATTERNS.iter().find(|p| p.0 == "3x8").unwrap().1;
        let ids = shifts(db, &o, p, &day, 2, three, (4, &["medical"])).await;
        assert_eq!(ids.len(), 6, "{}", t_.name);
        let list = roster::roster(db, &o, C1, Some(p), start, start + 2 * DAY_MS)
            .await
            .unwrap();
        let times: Vec<(i64, i64)> = list
            .iter()
            .map(|(s, _)| ((s.start - start) / HOUR_MS, (s.end - start) / HOUR_MS))
            .collect();
        assert_eq!(
            times,
            [(0, 8), (8, 16), (16, 24), (24, 32), (32, 40), (40, 48)]
        );
        assert!(list
            .iter()
            .all(|(s, h)| s.headcount == 4 && s.skills == "medical" && h.is_empty()));
        // 2x12: the night shift ends the next morning.
        let two = roster::PATTERNS.iter().find(|p| p.0 == "2x12").unwrap().1;
        let ids = shifts(db, &o, p, "2025-03-03", 1, two, (1, &[])).await;
        let night = roster::shift(db, &o, ids[1]).await.unwrap();
        assert_eq!((night.start, night.end), (t(0, 20, 0), t(1, 8, 0)));
        // Bad input: every field at once, nothing written.
        let before = count(db, "SELECT COUNT(*) FROM shifts", vec![]).await;
        let bad = roster::NewShifts {
            place: p,
            post: 99_999,
            first_day: "2025-02-30".into(),
            days: 0,
            times: vec![(480, 480)],
            headcount: 0,
            skills: vec!["juggling".into()],
        };
        let e = roster::add_shifts(db, &actor(&o), &o, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            ["headcount", "period", "post", "skills", "starts", "starts"]
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM shifts", vec![]).await,
            before
        );
    }
}

/// Approved volunteers with their availability: (id, n).
async fn crew(db: &Db, o: &Reader, l: &volunteers::Link) -> [i64; 4] {
    let any = volunteer(db, o, l, 1, |_| {}).await;
    let weekday_days = volunteer(db, o, l, 2, |f| {
        f.days = ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec();
        f.from = "08:00".into();
        f.to = "20:00".into();
    })
    .await;
    let medic = volunteer(db, o, l, 3, |f| f.skills = vec!["medical".into()]).await;
    let nights = volunteer(db, o, l, 4, |f| {
        f.from = "20:00".into();
        f.to = "08:00".into();
    })
    .await;
    [any, weekday_days, medic, nights]
}

/// Every placement under `path` in `[from, to)` keeps every rule: checked again, one by one,
/// against the volunteer's other shifts.
async fn assert_no_breaches(db: &Db, o: &Reader, path: &str, from: i64, to: i64) -> usize {
    let rules = Rules::load(db).await.unwrap();
    let mut n = 0;
    for (s, holders) in roster::roster(db, o, path, None, from, to).await.unwrap() {
        for h in holders {
            let v = volunteers::get(db, o, h.volunteer).await.unwrap();
            let others: Vec<Span> = duty::shifts_of(db, v.id, from - 8 * DAY_MS, to + 8 * DAY_MS)
                .await
                .unwrap()
                .iter()
                .filter(|m| m.shift != s.id)
                .map(|m| Span {
                    shift: m.shift,
                    start: m.start,
                    end: m.end,
                })
                .collect();
            let b = rules::breaches(
                &rules,
                &v.availability(),
                &v.skills,
                &s.skills,
                &others,
                s.span(),
            );
            assert!(b.is_empty(), "volunteer {} on shift {}: {b:?}", v.id, s.id);
            assert!(h.breaches.is_empty());
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn autofill_run_fills_within_the_rules_and_explains_the_rest() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let o2 = reader(db, "c2", "community", C2).await;
        let l = link(db, &o, C1).await;
        let [any, day, medic, nights] = crew(db, &o, &l).await;
        // Not approved, and serving elsewhere: never placed.
        let applied = applicant(db, &l, 5, |_| {}).await;
        let l2 = link(db, &o2, C2).await;
        let elsewhere = volunteer(db, &o2, &l2, 6, |_| {}).await;
        let gate = place(db, &o, C1, "东门卡口").await;
        let site = place(db, &o, C1, "采样点").await;
        let three = roster::PATTERNS.iter().find(|p| p.0 == "3x8").unwrap().1;
        let slots = shifts(db, &o, gate, "2025-03-03", 2, three, (1, &[])).await;
        let signing = shifts(db, &o, site, "2025-03-03", 1, &[(480, 960)], (1, &["sign"])).await[0];
        let later = shifts(db, &o, gate, "2025-03-06", 1, &[(480, 960)], (1, &[])).await[0];
        let c2_place = place(db, &o2, C2, "西门卡口").await;
        let c2_shift = shifts(db, &o2, c2_place, "2025-03-03", 1, &[(480, 960)], (1, &[])).await[0];
        let (from, to) = (t(0, 0, 0), t(2, 0, 0));

        let r = autofill::run(db, &actor(&o), &o, C1, from, to)
            .await
            .unwrap();
        assert_eq!(
            (r.filled, r.unfilled, r.proven),
            (6, 1, true),
            "{}: {r:?}",
            t_.name
        );
        // Who went where: the night owl on the nights, the weekday volunteer on the days.
        let who = |shift: i64| async move {
            count(
                db,
                "SELECT volunteer_id FROM assignments WHERE shift_id = $1",
                args![shift],
            )
            .await
        };
        assert_eq!(who(slots[0]).await, any);
        assert_eq!(who(slots[1]).await, day);
        assert_eq!(who(slots[2]).await, medic);
        assert_eq!(who(slots[3]).await, nights);
        assert_eq!(who(slots[4]).await, any);
        assert_eq!(who(slots[5]).await, medic);
        for none in [signing, later, c2_shift] {
            assert_eq!(
                count(
                    db,
                    "SELECT COUNT(*) FROM assignments WHERE shift_id = $1",
                    args![none]
                )
                .await,
                0
            );
        }
        for v in [applied, elsewhere] {
            assert_eq!(
                count(
                    db,
                    "SELECT COUNT(*) FROM assignments WHERE volunteer_id = $1",
                    args![v]
                )
                .await,
                0
            );
        }
        assert_eq!(assert_no_breaches(db, &o, C1, from, to).await, 6);
        // Fairness: 16, 8, 16 and 8 hours.
        let f = &r.fairness;
        assert_eq!(f.volunteers, 4);
        assert_eq!(
            (f.min_hours, f.max_hours, f.mean_hours, f.stddev_hours),
            (8.0, 16.0, 12.0, 4.0)
        );
        // The sign-language shift: nobody has the skill (one is not available then either).
        assert_eq!(r.detail.len(), 1);
        let u = &r.detail[0];
        assert_eq!((u.shift, u.open, u.pool), (signing, 1, 4));
        assert_eq!(
            u.reasons,
            std::collections::BTreeMap::from([("availability".into(), 1), ("skill".into(), 3)])
        );
        let m = autofill::reasons_msg(u);
        assert!(
            m.en.contains("3 lack the skill") && m.en.contains("1 unavailable then"),
            "{}",
            m.en
        );
        assert!(m.zh.contains("3 人缺少所需技能"), "{}", m.zh);
        // The run is recorded, with its detail, and audited; the placements point to it.
        let run = db
            .query_one(
                "SELECT id, path, from_ms, to_ms, filled, unfilled, detail, run_by \
                 FROM autofill_runs",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(run.int(0), r.run_id);
        assert_eq!((run.text(1), run.int(2), run.int(3)), (C1, from, to));
        assert_eq!((run.int(4), run.int(5), run.text(7)), (6, 1, "c1"));
        let detail: serde_json::Value = serde_json::from_str(run.text(6)).unwrap();
        assert_eq!(detail["proven"], true);
        assert_eq!(detail["unfilled"][0]["shift"], signing);
        assert_eq!(detail["unfilled"][0]["reasons"]["skill"], 3);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM assignments \
                 WHERE how = 'auto' AND run_id = $1 AND assigned_by = 'c1'",
                args![r.run_id]
            )
            .await,
            6
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_autofill'",
                vec![]
            )
            .await,
            1
        );
        let runs = roster::runs(db, &o, C1, 10).await.unwrap();
        assert_eq!(runs.len(), 1);

        // Again: nothing more can be filled, and the same slot is explained.
        let again = autofill::run(db, &actor(&o), &o, C1, from, to)
            .await
            .unwrap();
        assert_eq!(
            (again.filled, again.unfilled, again.proven),
            (0, 1, true),
            "{}",
            t_.name
        );
        assert_eq!(again.detail[0].shift, signing);
        assert_eq!(again.fairness, r.fairness, "the hours already held count");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM assignments", vec![]).await,
            6
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM autofill_runs", vec![]).await,
            2
        );

        // Another period: hours are counted within the period, so Thursday 08–16 goes by
        // nearness and then id to the first who may take it.
        let r3 = autofill::run(db, &actor(&o), &o, C1, t(3, 0, 0), t(4, 0, 0))
            .await
            .unwrap();
        assert_eq!((r3.filled, r3.unfilled), (1, 0));
        assert_eq!(who(later).await, any);

        // Who may run it, over what.
        let grid = reader(db, "g1", "grid", C1).await;
        assert!(matches!(
            autofill::run(db, &actor(&grid), &grid, C1, from, to).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            autofill::run(db, &actor(&o2), &o2, C1, from, to).await,
            Err(AppError::NotFound)
        ));
        for (a, b) in [(to, from), (from, from), (from, from + 32 * DAY_MS)] {
            let e = autofill::run(db, &actor(&o), &o, C1, a, b)
                .await
                .unwrap_err();
            assert_eq!(fields(e), ["period"]);
        }
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM autofill_runs", vec![]).await,
            3
        );
    }
}

#[tokio::test]
async fn manual_placement_needs_a_recorded_override_to_break_a_rule() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        let v = volunteer(db, &o, &l, 1, |_| {}).await;
        let other = volunteer(db, &o, &l, 2, |_| {}).await;
        let applied = applicant(db, &l, 3, |_| {}).await;
        let p = place(db, &o, C1, "东门卡口").await;
        let day = shifts(db, &o, p, "2025-03-03", 1, &[(480, 960)], (1, &[])).await[0];
        let evening = shifts(db, &o, p, "2025-03-03", 1, &[(1200, 1440)], (2, &[])).await[0];
        let ok = roster::assign(db, &actor(&o), &o, day, v, "")
            .await
            .unwrap();
        assert!(ok.is_empty(), "{}", t_.name);
        // Full, on it already, not approved.
        let m = conflict(
            roster::assign(db, &actor(&o), &o, day, other, "")
                .await
                .unwrap_err(),
        );
        assert!(m.en.contains("full") && m.zh.contains("已满"), "{}", m.en);
        let m = conflict(
            roster::assign(db, &actor(&o), &o, day, v, "")
                .await
                .unwrap_err(),
        );
        assert!(m.en.contains("already"), "{}", m.en);
        let m = conflict(
            roster::assign(db, &actor(&o), &o, evening, applied, "")
                .await
                .unwrap_err(),
        );
        assert!(m.en.contains("not an approved volunteer"), "{}", m.en);
        // 20:00 after a day until 16:00: four hours' rest. Refused without a reason (blank
        // does not count), naming the rule in both languages.
        for reason in ["", "   "] {
            let m = conflict(
                roster::assign(db, &actor(&o), &o, evening, v, reason)
                    .await
                    .unwrap_err(),
            );
            assert!(
                m.en.contains("only 4 hours of rest between shifts (at least 8 required)")
                    && m.en.contains("override"),
                "{}",
                m.en
            );
            assert!(
                m.zh.contains("两班之间仅休息 4 小时（至少 8 小时）"),
                "{}",
                m.zh
            );
        }
        let long = "理".repeat(301);
        assert_eq!(
            fields(
                roster::assign(db, &actor(&o), &o, evening, v, &long)
                    .await
                    .unwrap_err()
            ),
            ["override_reason"]
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM assignments WHERE shift_id = $1",
                args![evening]
            )
            .await,
            0
        );
        // With a reason: made, and the override recorded on the placement and in the log.
        let broken = roster::assign(db, &actor(&o), &o, evening, v, "无人可替，本人同意")
            .await
            .unwrap();
        assert_eq!(
            broken,
            vec![Breach::Rest {
                minutes: 240,
                shift: day
            }]
        );
        let row = db
            .query_one(
                "SELECT id, how, override_rules, override_reason, override_by FROM assignments \
                 WHERE shift_id = $1 AND volunteer_id = $2",
                args![evening, v],
            )
            .await
            .unwrap();
        assert_eq!(
            (row.text(1), row.text(2), row.text(3), row.text(4)),
            ("manual", "rest", "无人可替，本人同意", "c1")
        );
        let ev = db
            .query_one(
                "SELECT entity_id, username, detail, area_path FROM audit_log \
                 WHERE action = 'roster_override'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ev.text(0), row.int(0).to_string());
        assert_eq!((ev.text(1), ev.text(3)), ("c1", C1));
        let d: serde_json::Value = serde_json::from_str(ev.text(2)).unwrap();
        assert_eq!(d["broken"], serde_json::json!(["rest"]));
        assert_eq!(d["reason"], "无人可替，本人同意");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_assign'",
                vec![]
            )
            .await,
            1
        );
        // The roster shows the override and the rule it breaks.
        let list = roster::roster(db, &o, C1, None, t(0, 0, 0), t(1, 0, 0))
            .await
            .unwrap();
        let (_, hs) = list.iter().find(|(s, _)| s.id == evening).unwrap();
        assert_eq!(hs[0].override_rules, "rest");
        assert_eq!(
            hs[0].breaches,
            vec![Breach::Rest {
                minutes: 240,
                shift: day
            }]
        );
        // Several rules at once: an overlapping shift elsewhere.
        let p2 = place(db, &o, C1, "西门卡口").await;
        let clash = shifts(db, &o, p2, "2025-03-03", 1, &[(720, 1080)], (1, &[])).await[0];
        let m = conflict(
            roster::assign(db, &actor(&o), &o, clash, v, "")
                .await
                .unwrap_err(),
        );
        assert!(
            m.en.contains("overlaps another of their shifts"),
            "{}",
            m.en
        );
        assert!(m.zh.contains("与其另一个班次时间重叠"), "{}", m.zh);
        let broken = roster::assign(db, &actor(&o), &o, clash, v, "演练")
            .await
            .unwrap();
        assert_eq!(broken[0], Breach::Overlap { shift: day });
        let rules_text = count(
            db,
            "SELECT COUNT(*) FROM assignments \
             WHERE shift_id = $1 AND override_rules LIKE 'overlap%'",
            args![clash],
        )
        .await;
        assert_eq!(rules_text, 1);
        // Taking someone off is audited; a grid worker may not place, an officer elsewhere
        // does not see the shift.
        roster::unassign(db, &actor(&o), &o, row.int(0))
            .await
            .unwrap();
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'roster_unassign'",
                vec![]
            )
            .await,
            1
        );
        let grid = reader(db, "g1", "grid", C1).await;
        assert!(matches!(
            roster::assign(db, &actor(&grid), &grid, evening, other, "").await,
            Err(AppError::Forbidden(_))
        ));
        let o2 = reader(db, "c2", "community", C2).await;
        assert!(matches!(
            roster::assign(db, &actor(&o2), &o2, evening, other, "").await,
            Err(AppError::NotFound)
        ));
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM assignments WHERE shift_id = $1",
                args![evening]
            )
            .await,
            0
        );
    }
}

/// A volunteer's account as a reader (signed in by token).
pub async fn account_reader(db: &Db, username: &str) -> Reader {
    let token = access::create_token(db, username, "phone").await.unwrap();
    access::authenticate(db, &token).await.unwrap()
}

#[tokio::test]
async fn duty_check_in_out_and_service_hours() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        let v = volunteer(db, &o, &l, 1, |f| f.wants_account = true).await;
        let w = volunteer(db, &o, &l, 2, |f| f.wants_account = true).await;
        let x = volunteer(db, &o, &l, 3, |_| {}).await;
        let vr = account_reader(db, &volunteers::account_name(v)).await;
        let wr = account_reader(db, &volunteers::account_name(w)).await;
        let p = place(db, &o, C1, "东门卡口").await;
        let token = roster::place(db, &o, p).await.unwrap().qr_token;
        let s = shifts(db, &o, p, "2025-03-03", 2, &[(480, 960)], (3, &[])).await;
        for (shift, vol) in [(s[0], v), (s[0], w), (s[0], x), (s[1], v)] {
            roster::assign(db, &actor(&o), &o, shift, vol, "")
                .await
                .unwrap();
        }
        let asg = |shift: i64, vol: i64| async move {
            count(
                db,
                "SELECT id FROM assignments WHERE shift_id = $1 AND volunteer_id = $2",
                args![shift, vol],
            )
            .await
        };
        roster::set_leader(db, &actor(&o), &o, asg(s[0], w).await, true)
            .await
            .unwrap();
        let me = actor(&vr);

        // Scanning the post's code: too early (61 minutes before), then in, then out.
        assert!(matches!(
            duty::scan(db, &me, vr.account_id, &token, t(0, 6, 59)).await,
            Err(AppError::BadRequest(_))
        ));
        let cin = t(0, 7, 30);
        let (c, m) = duty::scan(db, &me, vr.account_id, &token, cin)
            .await
            .unwrap();
        assert_eq!(
            (c, m.shift, m.checkin),
            (duty::Checked::In, s[0], Some(cin)),
            "{}",
            t_.name
        );
        // 8 hours 14 minutes: 8 hours.
        let (c, m) = duty::scan(db, &me, vr.account_id, &token, cin + 494 * 60_000)
            .await
            .unwrap();
        assert_eq!(c, duty::Checked::Out { half_hours: 16 });
        assert_eq!(m.half_hours, 16);
        // A code of no place, an account that is no volunteer's.
        assert!(matches!(
            duty::scan(db, &me, vr.account_id, "no-such-code", cin).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            duty::scan(db, &actor(&o), o.account_id, &token, cin).await,
            Err(AppError::Forbidden(_))
        ));
        // The shift leader checks a team member in and out: 8 hours 15 minutes is 8.5.
        let ax = asg(s[0], x).await;
        let t0 = t(0, 8, 0);
        duty::check_other(db, &actor(&wr), &wr, ax, true, t0)
            .await
            .unwrap();
        assert_eq!(
            duty::check_other(db, &actor(&wr), &wr, ax, false, t0 + 495 * 60_000)
                .await
                .unwrap(),
            duty::Checked::Out { half_hours: 17 }
        );
        // Not the leader of Tuesday's shift: refused (and out of a volunteer's sight).
        let av2 = asg(s[1], v).await;
        assert!(
            duty::check_other(db, &actor(&wr), &wr, av2, true, t(1, 8, 0))
                .await
                .is_err()
        );
        // A grid worker may see the shift but not check people in.
        let grid = reader(db, "g1", "grid", C1).await;
        assert!(matches!(
            duty::check_other(db, &actor(&grid), &grid, av2, true, t(1, 8, 0)).await,
            Err(AppError::Forbidden(_))
        ));
        let o2 = reader(db, "c2", "community", C2).await;
        assert!(matches!(
            duty::check_other(db, &actor(&o2), &o2, av2, true, t(1, 8, 0)).await,
            Err(AppError::NotFound)
        ));
        // The officer: out before in, in twice, out before the check-in time: all refused.
        assert!(matches!(
            duty::check_other(db, &actor(&o), &o, av2, false, t(1, 16, 0)).await,
            Err(AppError::Conflict(_))
        ));
        duty::check_other(db, &actor(&o), &o, av2, true, t(1, 8, 0))
            .await
            .unwrap();
        assert!(matches!(
            duty::check_other(db, &actor(&o), &o, av2, true, t(1, 8, 5)).await,
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            duty::check_other(db, &actor(&o), &o, av2, false, t(1, 7, 0)).await,
            Err(AppError::BadRequest(_))
        ));
        // 7 hours 44 minutes: 7.5.
        assert_eq!(
            duty::check_other(db, &actor(&o), &o, av2, false, t(1, 15, 44))
                .await
                .unwrap(),
            duty::Checked::Out { half_hours: 15 }
        );
        assert!(matches!(
            duty::check_other(db, &actor(&o), &o, av2, false, t(1, 16, 0)).await,
            Err(AppError::Conflict(_))
        ));
        let stored: Vec<i64> = db
            .query(
                "SELECT half_hours FROM assignments WHERE volunteer_id = $1 ORDER BY starts_ms",
                args![v],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert_eq!(stored, [16, 15]);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action IN ('duty_checkin', 'duty_checkout')",
                vec![]
            )
            .await,
            6
        );
        // The certificate, for the volunteer themselves and for the officer: 15.5 hours.
        let (from, to) = (t(0, 0, 0), t(7, 0, 0));
        for r in [&vr, &o] {
            let c = duty::certificate(db, r, v, from, to).await.unwrap();
            assert_eq!((c.half_hours, c.shifts.len()), (31, 2));
            assert_eq!(rules::half_hours_text(c.half_hours), "15.5");
            assert_eq!(
                c.area_name,
                areas::by_code(db, C1).await.unwrap().unwrap().name
            );
        }
        // Another volunteer's certificate is not theirs to see.
        assert!(duty::certificate(db, &vr, x, from, to).await.is_err());
        // Hours by volunteer and by area.
        let by_v = duty::hours(db, &o, C1, from, to, "volunteer")
            .await
            .unwrap();
        let hv: Vec<(String, i64, i64)> = by_v
            .iter()
            .map(|h| (h.key.clone(), h.shifts, h.half_hours))
            .collect();
        assert_eq!(hv, [(v.to_string(), 2, 31), (x.to_string(), 1, 17)]);
        let by_area = duty::hours(db, &o, C1, from, to, "area").await.unwrap();
        assert_eq!(by_area.len(), 1);
        assert_eq!(
            (
                by_area[0].key.as_str(),
                by_area[0].volunteers,
                by_area[0].half_hours
            ),
            (C1, 2, 48)
        );
        // By team and by unit (the team counts its members' hours; no unit is one line).
        let team = branches::create_team(db, &actor(&o), &o, C1, "值守组", "onsite", None)
            .await
            .unwrap();
        for m in [v, x] {
            branches::set_team_member(db, &actor(&o), &o, team, m, false)
                .await
                .unwrap();
        }
        let by_team = duty::hours(db, &o, C1, from, to, "team").await.unwrap();
        let bt: Vec<(String, String, i64, i64)> = by_team
            .iter()
            .map(|h| (h.key.clone(), h.label.clone(), h.volunteers, h.half_hours))
            .collect();
        assert_eq!(bt, [(team.to_string(), "值守组".to_string(), 2, 48)]);
        let by_unit = duty::hours(db, &o, C1, from, to, "unit").await.unwrap();
        assert_eq!(
            (
                by_unit.len(),
                by_unit[0].label.as_str(),
                by_unit[0].half_hours
            ),
            (1, "—", 48)
        );
        // Nothing checked out in a period: no lines.
        assert!(duty::hours(db, &o, C1, to, to + DAY_MS, "volunteer")
            .await
            .unwrap()
            .is_empty());
        // The leader never checked in on Monday: a no-show.
        let ns = duty::no_shows(db, &o, C1, t(1, 12, 0), 3).await.unwrap();
        let ns: Vec<(i64, i64)> = ns.iter().map(|(s, a, _)| (s.id, *a)).collect();
        assert_eq!(ns, [(s[0], asg(s[0], w).await)]);
        // A volunteer sees their own shifts only.
        assert_eq!(duty::shifts_of(db, v, from, to).await.unwrap().len(), 2);
    }
}
