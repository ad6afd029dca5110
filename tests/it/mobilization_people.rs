//! Mobilization's people through the database, on both backends: public sign-up and its abuse
//! (bad input, flooding, duplicates, closed links), the screening steps with their history and
//! the volunteer's account, the scope of every read, branches and teams, care visits and their
//! follow-up.

use wardline::access::session;
use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::mobilization::rules::{CST_MS, DAY_MS};
use wardline::mobilization::{autofill, branches, duty, roster, visits, volunteers};

use crate::common::{backends, demo_under, exec};
use crate::mobilization::{
    account_reader, applicant, conflict, count, district, fields, form, link, place, shifts,
    tomorrow, volunteer, C1, C2, OTHER_STREET_C, STREET,
};
use crate::mobilization_rules::t;
use crate::testing::{actor, reader};

/// What the sign-up path writes.
async fn signups_written(db: &Db) -> (i64, i64) {
    (
        count(db, "SELECT COUNT(*) FROM volunteers", vec![]).await,
        count(db, "SELECT COUNT(*) FROM volunteer_events", vec![]).await,
    )
}

#[tokio::test]
async fn sign_up_refuses_bad_input_field_by_field() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        let good = form(1);
        let mut bad_doc = good.doc_number.clone();
        let last = if bad_doc.ends_with('0') { '1' } else { '0' };
        bad_doc.pop();
        bad_doc.push(last);
        // One bad field at a time: one error, for that field.
        type Edit = Box<dyn Fn(&mut volunteers::SignUp)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "doc_number",
                Box::new(move |f| f.doc_number = bad_doc.clone()),
            ),
            ("phone", Box::new(|f| f.phone = "12345678901".into())),
            ("health", Box::new(|f| f.health_ok = false)),
            (
                "skills",
                Box::new(|f| f.skills = vec!["medical".into(), "juggling".into()]),
            ),
            ("hours", Box::new(|f| f.from = "25:00".into())),
            ("hours", Box::new(|f| f.to = "8 o'clock".into())),
            (
                "avail_to",
                Box::new(|f| {
                    f.avail_from = "2025-05-10".into();
                    f.avail_to = "2025-05-01".into();
                }),
            ),
            (
                "avail_from",
                Box::new(|f| f.avail_from = "2025-13-01".into()),
            ),
            ("name", Box::new(|f| f.name = "  ".into())),
            ("name", Box::new(|f| f.name = "名".repeat(51))),
            ("doc_type", Box::new(|f| f.doc_type = "library_card".into())),
            ("political", Box::new(|f| f.political = "anarchist".into())),
            (
                "days",
                Box::new(|f| f.days = vec!["mon".into(), "funday".into()]),
            ),
            ("unit", Box::new(|f| f.unit = "city bureau".into())),
            ("health", Box::new(|f| f.health_note = "x".repeat(201))),
        ];
        for (field, edit) in &cases {
            let mut f = good.clone();
            edit(&mut f);
            let e = volunteers::sign_up(db, &l, "10.1.1.1", &f)
                .await
                .unwrap_err();
            assert_eq!(fields(e), [*field], "{}", t_.name);
        }
        // All at once: all reported together.
        let mut f = good.clone();
        for (_, edit) in &cases[..7] {
            edit(&mut f);
        }
        let e = volunteers::sign_up(db, &l, "10.1.1.2", &f)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "avail_to",
                "doc_number",
                "health",
                "hours",
                "hours",
                "phone",
                "skills"
            ]
        );
        // A unit that does not exist (checked against the database).
        let mut f = good.clone();
        f.unit = "424242".into();
        let e = volunteers::sign_up(db, &l, "10.1.1.3", &f)
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["unit"]);
        assert_eq!(signups_written(db).await, (0, 0), "{}", t_.name);
        // Messages are in both languages.
        let mut f = good.clone();
        f.health_ok = false;
        match volunteers::sign_up(db, &l, "10.1.1.4", &f)
            .await
            .unwrap_err()
        {
            AppError::Invalid(v) => {
                assert!(v[0].message.zh.contains("健康承诺"));
                assert!(v[0].message.en.contains("health declaration"));
            }
            e => panic!("{e:?}"),
        }

        // The good form passes, normalised: the ID's check letter upper-cased, the phone's
        // +86 dropped, days, hours and dates parsed.
        let mut f = good.clone();
        f.phone = "+86 138-0000-0001".into();
        f.days = vec!["sat".into(), "sun".into(), "sat".into()];
        f.from = "20:00".into();
        f.to = "08:00".into();
        f.skills = vec!["driving".into(), "medical".into(), "driving".into()];
        f.wants_account = true;
        // Available from tomorrow for a week: dates ahead are what availability is about.
        let (day, start) = tomorrow();
        let end_day = (start + CST_MS) / DAY_MS + 7;
        let (y, m, d) = wardline::registry::validate::civil_from_days(end_day);
        f.avail_from = day.clone();
        f.avail_to = format!("{y:04}-{m:02}-{d:02}");
        let receipt = volunteers::sign_up(db, &l, "10.1.1.5", &f).await.unwrap();
        let v = volunteers::get(db, &o, receipt.id).await.unwrap();
        assert_eq!(v.phone, "13800000001");
        assert_eq!(v.days, (1 << 5) | (1 << 6));
        assert_eq!((v.from_min, v.to_min), (1200, 480));
        assert_eq!(v.skills, "driving medical");
        assert_eq!(v.avail_from.as_deref(), Some(day.as_str()));
        assert_eq!(v.status, "applied");
        assert!(v.wants_account && v.account_id.is_none());
        assert_eq!((v.path.as_str(), v.home_path.as_str()), (C1, C1));
        let a = v.availability();
        assert_eq!(a.first_day, Some((start + CST_MS) / DAY_MS));
        assert_eq!(a.last_day, Some(end_day));
        assert_eq!(signups_written(db).await, (1, 1));
        // The reference tells the applicant where they stand, with the name masked.
        let (name, status, _, title) = volunteers::by_ref(db, &receipt.ref_code.to_lowercase())
            .await
            .unwrap();
        assert_eq!(
            (status.as_str(), title.as_str()),
            ("applied", "抗疫志愿者招募")
        );
        assert!(name.starts_with('志') && name != "志愿者1", "{name}");
        assert!(matches!(
            volunteers::by_ref(db, "NOPE-NOPE").await,
            Err(AppError::NotFound)
        ));
    }
}

#[tokio::test]
async fn sign_up_flooding_duplicates_and_closed_links() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        assert_eq!(
            volunteers::link_by_token(db, &l.token).await.unwrap().id,
            l.id
        );
        // Five from one address in ten minutes; the sixth is refused, and writes nothing.
        for n in 11..16 {
            volunteers::sign_up(db, &l, "203.0.113.9", &form(n))
                .await
                .unwrap();
        }
        let before = signups_written(db).await;
        match volunteers::sign_up(db, &l, "203.0.113.9", &form(16)).await {
            Err(AppError::TooMany(m)) => {
                assert!(
                    m.en.contains("ten minutes") && m.zh.contains("十分钟"),
                    "{}",
                    m.en
                )
            }
            other => panic!("{}: {other:?}", t_.name),
        }
        assert_eq!(signups_written(db).await, before);
        // Another address still gets through.
        volunteers::sign_up(db, &l, "198.51.100.7", &form(16))
            .await
            .unwrap();
        // The address is kept only as a hash.
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM volunteers WHERE ip_hash LIKE '%203.0.113%'",
                vec![]
            )
            .await,
            0
        );
        // Sign-ups older than the window no longer count.
        exec(
            db,
            "UPDATE volunteers SET created_ms = created_ms - $1",
            args![volunteers::RATE_WINDOW_MS + 1],
        )
        .await;
        volunteers::sign_up(db, &l, "203.0.113.9", &form(17))
            .await
            .unwrap();

        // The same document again in the same area, while active: refused, from anywhere.
        let m = conflict(
            volunteers::sign_up(db, &l, "192.0.2.1", &form(16))
                .await
                .unwrap_err(),
        );
        assert!(m.en.contains("signed up here already"), "{}", m.en);
        // Elsewhere it is a new sign-up; after a rejection, a new application is taken.
        let o2 = reader(db, "c2", "community", C2).await;
        let l2 = link(db, &o2, C2).await;
        volunteers::sign_up(db, &l2, "192.0.2.2", &form(16))
            .await
            .unwrap();
        let first = count(
            db,
            "SELECT id FROM volunteers WHERE doc_number = $1 AND path = $2",
            args![form(11).doc_number, C1],
        )
        .await;
        volunteers::screen(db, &actor(&o), &o, first, "rejected", "体检未通过")
            .await
            .unwrap();
        volunteers::sign_up(db, &l, "192.0.2.3", &form(11))
            .await
            .unwrap();

        // A flood through one link from many addresses: at most RATE_PER_LINK in ten minutes.
        let l3 = link(db, &o, C1).await;
        let sql = format!(
            "INSERT INTO volunteers (ref_code, link_id, area_id, path, home_path, name, doc_type, \
             doc_number, phone, political, health_ok, status, ip_hash, created_ms, updated_ms) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
             SELECT 'FLOOD-' || CAST(i AS TEXT), CAST($1 AS BIGINT), CAST($2 AS BIGINT), \
             CAST($3 AS TEXT), CAST($3 AS TEXT), 'x', 'id_card', 'x', '13800000000', 'none', 1, \
             'applied', 'h' || CAST(i AS TEXT), CAST($4 AS BIGINT), CAST($4 AS BIGINT) FROM n",
            volunteers::RATE_PER_LINK
        );
        let n = exec(
            db,
            &sql,
            args![l3.id, l3.area_id, C1, wardline::db::now_ms()],
        )
        .await;
        assert_eq!(n as i64, volunteers::RATE_PER_LINK);
        assert!(matches!(
            volunteers::sign_up(db, &l3, "192.0.2.99", &form(30)).await,
            Err(AppError::TooMany(_))
        ));
        // The other link is not affected.
        volunteers::sign_up(db, &l, "192.0.2.99", &form(30))
            .await
            .unwrap();

        // A closed link takes nobody.
        volunteers::close_link(db, &actor(&o), &o, l.id)
            .await
            .unwrap();
        assert!(matches!(
            volunteers::link_by_token(db, &l.token).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            volunteers::link_by_token(db, "not-a-token").await,
            Err(AppError::NotFound)
        ));
        let links = volunteers::links(db, &o).await.unwrap();
        assert!(links.iter().any(|x| x.id == l.id && !x.active));
        // Links are opened in one's scope only.
        let e = volunteers::create_link(db, &actor(&o), &o, C2, "越界")
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["area"]);
        let e = volunteers::create_link(db, &actor(&o), &o, C1, " ")
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["title"]);
        assert!(volunteers::links(db, &o2)
            .await
            .unwrap()
            .iter()
            .all(|x| x.path == C2));
    }
}

#[test]
fn screening_steps_allowed() {
    let all = [
        "applied",
        "approved",
        "rejected",
        "withdrawn",
        "suspended",
        "unknown",
    ];
    let ok = [
        ("applied", "approved"),
        ("applied", "rejected"),
        ("applied", "withdrawn"),
        ("approved", "suspended"),
        ("approved", "withdrawn"),
        ("suspended", "approved"),
        ("suspended", "withdrawn"),
        ("rejected", "applied"),
    ];
    for from in all {
        for to in all {
            assert_eq!(
                volunteers::allowed(from, to),
                ok.contains(&(from, to)),
                "{from} → {to}"
            );
        }
    }
}

async fn login(db: &Db, user: &str, pw: &str) -> Option<String> {
    match session::login(db, user, pw, "10.9.9.9").await.unwrap() {
        session::Login::Ok { token, .. } => Some(token),
        _ => None,
    }
}

#[tokio::test]
async fn screening_records_every_step_and_runs_the_account() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o = reader(db, "c1", "community", C1).await;
        let l = link(db, &o, C1).await;
        let a = applicant(db, &l, 1, |f| f.wants_account = true).await;
        let screen = |id: i64, to: &'static str, reason: &'static str| {
            let o = o.clone();
            async move { volunteers::screen(db, &actor(&o), &o, id, to, reason).await }
        };
        // Approving someone who asked for an account makes one; its password works once
        // handed over.
        let (user, pw) = screen(a, "approved", "")
            .await
            .unwrap()
            .expect("an account");
        assert_eq!(user, volunteers::account_name(a), "{}", t_.name);
        assert!(!user.contains("13800000001"), "no phone number in the name");
        let token = login(db, &user, &pw).await.expect("the new password works");
        let acc = db
            .query_one(
                "SELECT id, role, disabled_ms FROM accounts WHERE username = $1",
                args![user.as_str()],
            )
            .await
            .unwrap();
        assert_eq!((acc.text(1), acc.opt_int(2)), ("volunteer", None));
        let v = volunteers::get(db, &o, a).await.unwrap();
        assert_eq!(
            (v.status.as_str(), v.account_id),
            ("approved", Some(acc.int(0)))
        );
        assert_eq!(
            volunteers::of_account(db, acc.int(0))
                .await
                .unwrap()
                .unwrap()
                .id,
            a
        );
        // Steps that are not allowed, and steps without their reason: refused, unrecorded.
        for (to, reason) in [
            ("applied", ""),
            ("rejected", "x"),
            ("approved", ""),
            ("gone", "x"),
        ] {
            let m = conflict(screen(a, to, reason).await.unwrap_err());
            assert!(m.en.contains("cannot become"), "{}", m.en);
        }
        assert_eq!(
            fields(screen(a, "suspended", "  ").await.unwrap_err()),
            ["reason"]
        );
        // Suspended: the account stops working, its sessions end.
        assert!(screen(a, "suspended", "连续三次缺勤")
            .await
            .unwrap()
            .is_none());
        assert!(login(db, &user, &pw).await.is_none());
        assert!(session::lookup(db, &token).await.unwrap().is_none());
        // Reinstated: it works again (no second account).
        assert!(screen(a, "approved", "已说明情况").await.unwrap().is_none());
        assert!(login(db, &user, &pw).await.is_some());
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM accounts WHERE role = 'volunteer'",
                vec![]
            )
            .await,
            1
        );
        // Withdrawn is final.
        screen(a, "withdrawn", "本人申请退出").await.unwrap();
        assert!(login(db, &user, &pw).await.is_none());
        conflict(screen(a, "approved", "").await.unwrap_err());
        let v = volunteers::get(db, &o, a).await.unwrap();
        assert_eq!(
            (v.status.as_str(), v.status_reason.as_str()),
            ("withdrawn", "本人申请退出")
        );
        // Every step, with who took it and why.
        let steps: Vec<(String, String, String, String)> = volunteers::history(db, &o, a)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.actor, s.from, s.to, s.reason))
            .collect();
        let step = |a: &str, f: &str, t: &str, r: &str| (a.into(), f.into(), t.into(), r.into());
        assert_eq!(
            steps,
            vec![
                step("(sign-up)", "", "applied", ""),
                step("c1", "applied", "approved", ""),
                step("c1", "approved", "suspended", "连续三次缺勤"),
                step("c1", "suspended", "approved", "已说明情况"),
                step("c1", "approved", "withdrawn", "本人申请退出"),
            ]
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'volunteer_status'",
                vec![]
            )
            .await,
            4
        );

        // Rejected needs a reason; a rejected applicant may apply again.
        let b = applicant(db, &l, 2, |_| {}).await;
        assert_eq!(
            fields(screen(b, "rejected", "").await.unwrap_err()),
            ["reason"]
        );
        screen(b, "rejected", "年龄不符").await.unwrap();
        screen(b, "applied", "").await.unwrap();
        // Approving someone who wanted no account makes none.
        assert!(screen(b, "approved", "").await.unwrap().is_none());
        assert!(volunteers::get(db, &o, b)
            .await
            .unwrap()
            .account_id
            .is_none());
        let tos: Vec<String> = volunteers::history(db, &o, b)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.to)
            .collect();
        assert_eq!(tos, ["applied", "rejected", "applied", "approved"]);
        // A reason of over 300 characters is refused.
        let long = "因".repeat(301);
        let e = volunteers::screen(db, &actor(&o), &o, b, "suspended", &long)
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["reason"]);

        // The applicant withdraws by their reference.
        let c = volunteers::sign_up(db, &l, "10.0.0.3", &form(3))
            .await
            .unwrap();
        volunteers::withdraw_by_ref(db, &c.ref_code).await.unwrap();
        let last = volunteers::history(db, &o, c.id)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            (last.actor.as_str(), last.to.as_str()),
            ("(volunteer)", "withdrawn")
        );

        // The same phone number twice: the second account gets a name of its own.
        let d = applicant(db, &l, 4, |f| {
            f.phone = "13800000001".into();
            f.wants_account = true;
        })
        .await;
        let (user2, _) = screen(d, "approved", "").await.unwrap().unwrap();
        assert_eq!(user2, volunteers::account_name(d));
        assert_ne!(user2, user);

        // Only officers screen.
        let grid = reader(db, "g1", "grid", C1).await;
        let e = applicant(db, &l, 5, |_| {}).await;
        assert!(matches!(
            volunteers::screen(db, &actor(&grid), &grid, e, "approved", "").await,
            Err(AppError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn scope_of_every_read() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        let o1 = reader(db, "c1", "community", C1).await;
        let o2 = reader(db, "c2", "community", C2).await;
        let street = reader(db, "s1", "street", STREET).await;
        let far = reader(db, "s2", "street", &OTHER_STREET_C[..9]).await;
        let grid = reader(db, "g1", "grid", C1).await;
        let l = link(db, &o1, C1).await;
        let v = volunteer(db, &o1, &l, 1, |f| {
            f.wants_account = true;
            f.skills = vec!["medical".into()];
        })
        .await;
        let pending = applicant(db, &l, 2, |_| {}).await;
        let vr = account_reader(db, &volunteers::account_name(v)).await;
        let p = place(db, &o1, C1, "东门卡口").await;
        let s = shifts(db, &o1, p, "2025-03-03", 1, &[(480, 960)], (2, &[])).await[0];
        roster::assign(db, &actor(&o1), &o1, s, v, "")
            .await
            .unwrap();
        let a = count(db, "SELECT id FROM assignments", vec![]).await;
        duty::check_other(db, &actor(&o1), &o1, a, true, t(0, 8, 0))
            .await
            .unwrap();
        duty::check_other(db, &actor(&o1), &o1, a, false, t(0, 16, 0))
            .await
            .unwrap();
        autofill::run(db, &actor(&o1), &o1, C1, t(0, 0, 0), t(1, 0, 0))
            .await
            .unwrap();
        let (from, to) = (t(0, 0, 0), t(7, 0, 0));
        let all = volunteers::Filter::default();

        // Those who see the community: its officer, the street above it, its grid worker.
        for r in [&o1, &street, &grid] {
            assert_eq!(
                volunteers::get(db, r, v).await.unwrap().id,
                v,
                "{}",
                r.username
            );
            assert_eq!(volunteers::list(db, r, &all, 100).await.unwrap().len(), 2);
            let mut counts = volunteers::status_counts(db, r).await.unwrap();
            counts.sort();
            assert_eq!(
                counts,
                [("applied".to_string(), 1), ("approved".to_string(), 1)]
            );
            assert_eq!(volunteers::history(db, r, v).await.unwrap().len(), 2);
            assert_eq!(
                roster::roster(db, r, C1, None, from, to)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(
                duty::hours(db, r, C1, from, to, "volunteer")
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(roster::places(db, r, None).await.unwrap().len(), 1);
            assert_eq!(roster::runs(db, r, C1, 10).await.unwrap().len(), 1);
            assert_eq!(
                duty::certificate(db, r, v, from, to)
                    .await
                    .unwrap()
                    .half_hours,
                16
            );
        }
        // An officer of the next community, and of another street: nothing, not even a count.
        for r in [&o2, &far] {
            let who = &r.username;
            assert!(
                matches!(volunteers::get(db, r, v).await, Err(AppError::NotFound)),
                "{who}"
            );
            assert!(matches!(
                volunteers::history(db, r, v).await,
                Err(AppError::NotFound)
            ));
            assert!(volunteers::list(db, r, &all, 100).await.unwrap().is_empty());
            let f = volunteers::Filter {
                path: Some(C1.into()),
                ..Default::default()
            };
            assert!(volunteers::list(db, r, &f, 100).await.unwrap().is_empty());
            assert!(volunteers::status_counts(db, r).await.unwrap().is_empty());
            assert!(volunteers::links(db, r).await.unwrap().is_empty());
            assert!(matches!(
                roster::roster(db, r, C1, None, from, to).await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                duty::hours(db, r, C1, from, to, "volunteer").await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                duty::no_shows(db, r, C1, to, 7).await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                roster::runs(db, r, C1, 10).await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                roster::place(db, r, p).await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                roster::shift(db, r, s).await,
                Err(AppError::NotFound)
            ));
            assert!(roster::places(db, r, None).await.unwrap().is_empty());
            assert!(matches!(
                duty::certificate(db, r, v, from, to).await,
                Err(AppError::NotFound)
            ));
            // Nor may they act on it.
            assert!(matches!(
                volunteers::screen(db, &actor(r), r, pending, "approved", "").await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                roster::assign(db, &actor(r), r, s, v, "").await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                autofill::run(db, &actor(r), r, C1, from, to).await,
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                roster::unassign(db, &actor(r), r, a).await,
                Err(AppError::NotFound)
            ));
            let e = roster::add_place(db, &actor(r), r, C1, "越界卡口", "checkpoint")
                .await
                .unwrap_err();
            assert_eq!(fields(e), ["area"]);
        }
        assert_eq!(
            volunteers::get(db, &o1, pending).await.unwrap().status,
            "applied"
        );
        // A volunteer's account: no pool at all.
        assert!(matches!(
            volunteers::list(db, &vr, &all, 100).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            volunteers::get(db, &vr, v).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            volunteers::status_counts(db, &vr).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            roster::roster(db, &vr, C1, None, from, to).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            duty::hours(db, &vr, C1, from, to, "volunteer").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            branches::list(db, &vr).await,
            Err(AppError::Forbidden(_))
        ));
        // The grid worker reads, but neither places, screens nor opens links.
        assert!(matches!(
            roster::assign(db, &actor(&grid), &grid, s, pending, "").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            roster::add_place(db, &actor(&grid), &grid, C1, "卡口", "checkpoint").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            volunteers::create_link(db, &actor(&grid), &grid, C1, "招募").await,
            Err(AppError::Forbidden(_))
        ));
        // Filters of the pool.
        let only = |f: volunteers::Filter| {
            let o1 = o1.clone();
            async move {
                volunteers::list(db, &o1, &f, 100)
                    .await
                    .unwrap()
                    .iter()
                    .map(|x| x.id)
                    .collect::<Vec<_>>()
            }
        };
        let f = volunteers::Filter {
            status: Some("approved".into()),
            ..Default::default()
        };
        assert_eq!(only(f).await, [v]);
        let f = volunteers::Filter {
            skill: Some("medical".into()),
            ..Default::default()
        };
        assert_eq!(only(f).await, [v]);
        let f = volunteers::Filter {
            q: Some("志愿者2".into()),
            ..Default::default()
        };
        assert_eq!(only(f).await, [pending]);
        assert_eq!(volunteers::list(db, &o1, &all, 1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn branches_teams_and_care_visits() {
    for t_ in backends().await {
        let db = &t_.db;
        district(db).await;
        demo_under(db, 200, 3, C1).await;
        let o1 = reader(db, "c1", "community", C1).await;
        let o2 = reader(db, "c2", "community", C2).await;
        let grid = reader(db, "g1", "grid", C1).await;
        let l = link(db, &o1, C1).await;
        let a = volunteer(db, &o1, &l, 1, |_| {}).await;
        let b = volunteer(db, &o1, &l, 2, |f| f.political = "probationary".into()).await;
        let c = volunteer(db, &o1, &l, 3, |f| f.political = "none".into()).await;
        let nb = |name: &str, founded: &str| branches::NewBranch {
            area: C1.into(),
            name: name.into(),
            kind: "temporary".into(),
            attach: "checkpoint".into(),
            place_note: "东门卡口".into(),
            founded: founded.into(),
        };
        let br = branches::create(
            db,
            &actor(&o1),
            &o1,
            &nb("东门卡口临时党支部", "2025-03-01"),
        )
        .await
        .unwrap();
        // Bad input, all at once; a branch outside one's scope.
        let bad = branches::NewBranch {
            area: C2.into(),
            name: "".into(),
            kind: "secret".into(),
            attach: "moon".into(),
            place_note: "".into(),
            founded: "2999-01-01".into(),
        };
        let e = branches::create(db, &actor(&o1), &o1, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            ["area", "founded", "kind", "name", "place"],
            "{}",
            t_.name
        );
        assert!(matches!(
            branches::create(db, &actor(&grid), &grid, &nb("x", "2025-03-01")).await,
            Err(AppError::Forbidden(_))
        ));
        // One secretary: naming a second makes the first a member.
        branches::set_member(db, &actor(&o1), &o1, br, a, "secretary")
            .await
            .unwrap();
        branches::set_member(db, &actor(&o1), &o1, br, b, "secretary")
            .await
            .unwrap();
        let roles: Vec<(i64, String)> = branches::members(db, &o1, br)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.volunteer, m.role))
            .collect();
        assert_eq!(roles, [(b, "secretary".into()), (a, "member".into())]);
        // Party members only; known roles only.
        let m = conflict(
            branches::set_member(db, &actor(&o1), &o1, br, c, "member")
                .await
                .unwrap_err(),
        );
        assert!(
            m.en.contains("not a party member") && m.zh.contains("不是党员"),
            "{}",
            m.en
        );
        assert_eq!(
            fields(
                branches::set_member(db, &actor(&o1), &o1, br, a, "boss")
                    .await
                    .unwrap_err()
            ),
            ["role"]
        );
        assert_eq!(branches::get(db, &o1, br).await.unwrap().members, 2);
        // Another community does not see it.
        assert!(matches!(
            branches::get(db, &o2, br).await,
            Err(AppError::NotFound)
        ));
        assert!(branches::list(db, &o2).await.unwrap().is_empty());
        assert!(matches!(
            branches::set_member(db, &actor(&o2), &o2, br, a, "member").await,
            Err(AppError::NotFound)
        ));
        // A team inside the branch.
        let team =
            branches::create_team(db, &actor(&o1), &o1, "", "物资配送组", "delivery", Some(br))
                .await
                .unwrap();
        branches::set_team_member(db, &actor(&o1), &o1, team, c, true)
            .await
            .unwrap();
        let tm = branches::team_members(db, &o1, team).await.unwrap();
        assert_eq!((tm[0].volunteer, tm[0].role.as_str()), (c, "leader"));
        assert_eq!(branches::team(db, &o1, team).await.unwrap().path, C1);
        assert!(branches::teams(db, &o2).await.unwrap().is_empty());
        // Dissolving: not before the founding, not twice, no members after.
        let site_branch = nb("采样点临时党支部", "2025-03-01");
        let old = branches::create(db, &actor(&o1), &o1, &site_branch)
            .await
            .unwrap();
        assert_eq!(
            fields(
                branches::dissolve(db, &actor(&o1), &o1, old, "2025-02-01")
                    .await
                    .unwrap_err()
            ),
            ["dissolved"]
        );
        branches::dissolve(db, &actor(&o1), &o1, old, "2025-04-01")
            .await
            .unwrap();
        conflict(
            branches::dissolve(db, &actor(&o1), &o1, old, "2025-04-02")
                .await
                .unwrap_err(),
        );
        conflict(
            branches::set_member(db, &actor(&o1), &o1, old, a, "member")
                .await
                .unwrap_err(),
        );

        // A care visit that finds a need: the branch owns it until solved.
        let resident = count(
            db,
            "SELECT MIN(id) FROM residents WHERE path >= $1 AND path < $2",
            args![C1, wardline::db::path_end(C1)],
        )
        .await;
        let visit = |follow_up: bool, branch: Option<i64>, needs: &str| visits::NewVisit {
            resident,
            branch,
            visited_on: "2025-03-05".into(),
            visitors: "张三、李四".into(),
            situation: "独居老人，降压药将用完".into(),
            needs: needs.into(),
            follow_up,
        };
        let vid = visits::record(
            db,
            &actor(&grid),
            &grid,
            &visit(true, Some(br), "代购降压药"),
        )
        .await
        .unwrap();
        let open = visits::followups(db, &o1, Some(br), true).await.unwrap();
        assert_eq!(open.len(), 1, "{}", t_.name);
        assert_eq!(
            (
                open[0].visit,
                open[0].branch_id,
                open[0].status.as_str(),
                open[0].description.as_str()
            ),
            (vid, br, "open", "代购降压药")
        );
        let fu = open[0].id;
        // A visit without follow-up makes no item; a follow-up needs its need and a live branch.
        visits::record(db, &actor(&o1), &o1, &visit(false, None, ""))
            .await
            .unwrap();
        assert_eq!(
            visits::followups(db, &o1, None, false).await.unwrap().len(),
            1
        );
        assert_eq!(
            fields(
                visits::record(db, &actor(&o1), &o1, &visit(true, Some(br), " "))
                    .await
                    .unwrap_err()
            ),
            ["needs"]
        );
        assert_eq!(
            fields(
                visits::record(db, &actor(&o1), &o1, &visit(true, None, "买药"))
                    .await
                    .unwrap_err()
            ),
            ["branch"]
        );
        assert_eq!(
            fields(
                visits::record(db, &actor(&o1), &o1, &visit(true, Some(old), "买药"))
                    .await
                    .unwrap_err()
            ),
            ["branch"]
        );
        assert_eq!(
            visits::list(db, &o1, C1, None, 10, 0).await.unwrap().len(),
            2
        );
        let of_resident = visits::list(db, &o1, C1, Some(resident), 10, 0)
            .await
            .unwrap();
        assert_eq!(of_resident.len(), 2);
        let first = of_resident.iter().find(|v| v.id == vid).unwrap();
        assert_eq!(first.branch.as_deref(), Some("东门卡口临时党支部"));
        assert_eq!(first.needs, "代购降压药");
        // Scope: the next community neither records, sees nor solves.
        assert!(matches!(
            visits::record(db, &actor(&o2), &o2, &visit(false, None, "")).await,
            Err(AppError::NotFound)
        ));
        assert!(visits::followups(db, &o2, None, false)
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            visits::list(db, &o2, C1, None, 10, 0).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            visits::solve(db, &actor(&o2), &o2, fu, "已解决").await,
            Err(AppError::NotFound)
        ));
        // A volunteer's account records no visits.
        let v4 = volunteer(db, &o1, &l, 4, |f| f.wants_account = true).await;
        let vr = account_reader(db, &volunteers::account_name(v4)).await;
        assert!(matches!(
            visits::record(db, &actor(&vr), &vr, &visit(false, None, "")).await,
            Err(AppError::Forbidden(_))
        ));
        // Solved, saying how; once.
        assert_eq!(
            fields(
                visits::solve(db, &actor(&o1), &o1, fu, " ")
                    .await
                    .unwrap_err()
            ),
            ["description"]
        );
        visits::solve(db, &actor(&o1), &o1, fu, "已代购并送药上门")
            .await
            .unwrap();
        assert!(visits::followups(db, &o1, Some(br), true)
            .await
            .unwrap()
            .is_empty());
        let done = visits::followups(db, &o1, Some(br), false).await.unwrap();
        assert_eq!(
            (done[0].status.as_str(), done[0].solution.as_str()),
            ("solved", "已代购并送药上门")
        );
        conflict(
            visits::solve(db, &actor(&o1), &o1, fu, "again")
                .await
                .unwrap_err(),
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'care_followup_solved'",
                vec![]
            )
            .await,
            1
        );
    }
}
