//! HQ briefing and reports with cut-offs (issue 18, part 2) on the demo city: the briefing is
//! written from the overview's figures, issuing it is stored and audited and the next one says
//! what changed; its page, XLSX and scope; reports lock at the cut-off with a SHA-256 that
//! verifies, a correction is a revision showing the difference; the JSON API. Both backends.

use wardline::args;
use wardline::db::{now_ms, Db};
use wardline::hq::briefing::{self, day_of, text::Period, text::Seg};
use wardline::hq::{metrics, reports};
use wardline::registry::areas;

use crate::common::{backends, demo_under, exec, get_page, login, post_form};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

async fn setup(db: &Db) {
    areas::ensure_national(db, "431102").await.unwrap();
    demo_under(db, 1_500, 5, COMMUNITY).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    wardline::cli::create_demo_mobilization(db).await.unwrap();
    wardline::needs::demo::create(db).await.unwrap();
}

async fn count(db: &Db, sql: &str, p: Vec<wardline::db::Value>) -> i64 {
    db.query_one(sql, p).await.unwrap().int(0)
}

#[tokio::test]
async fn briefing_from_the_overview_figures_issued_audited_and_scoped() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let district = areas::by_code(db, "431102").await.unwrap().unwrap();
        let now = now_ms();
        let b = briefing::generate(db, &district, Period::All, now)
            .await
            .unwrap();
        // The same numbers as the overview.
        let over = metrics::figures(db, district.id, day_of(now))
            .await
            .unwrap();
        let pick =
            |fs: &[metrics::Figure], k: &str| fs.iter().find(|f| f.key == k).and_then(|f| f.value);
        let residents = pick(&over, "residents").expect("residents");
        assert_eq!(pick(&b.figures, "residents"), Some(residents));
        assert_eq!(residents, 1_500, "{}", t.name);
        let zh = b.text_zh();
        let en = b.text_en();
        assert!(zh.starts_with("截至"), "{zh}");
        assert!(zh.contains("全区临时党支部"), "{zh}");
        assert!(zh.contains("目前，登记居民1500人"), "{zh}");
        assert!(en.contains("1,500 residents registered"), "{en}");
        assert!(!zh.contains("与上次简报"), "no previous one yet");
        // Every number links to the metric's page for the area it counts.
        let nums: Vec<(&str, i64)> =
            b.zh.iter()
                .flatten()
                .filter_map(|s| match s {
                    Seg::Num { key, area, .. } => Some((*key, *area)),
                    Seg::Text { .. } => None,
                })
                .collect();
        assert!(nums.contains(&("residents", district.id)), "{nums:?}");

        // The page, issuing (audited), and the next briefing compares.
        let addr = crate::common::serve(db).await;
        let hq = login(addr, "demo-hq", PW).await;
        let page = get_page(addr, "/hq/briefing?area=431102&period=all", &hq.cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"brief-text\""), "{}", page.body);
        assert!(page.body.contains("id=\"brief-plain\""));
        assert!(page.body.contains("data-copy=\"brief-plain\""));
        assert!(
            page.body.contains(&format!(
                "href=\"/areas/{}\" data-metric=\"residents\"",
                district.id
            )),
            "the residents figure links to the area"
        );
        let r = post_form(
            addr,
            "/hq/briefing/issue",
            &hq.cookie,
            &[("csrf", &hq.csrf), ("area", "431102"), ("period", "all")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM hq_briefings WHERE area_id = $1",
                args![district.id]
            )
            .await,
            1
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'briefing_issued' AND username = 'demo-hq'",
                vec![]
            )
            .await,
            1
        );
        let again = briefing::generate(db, &district, Period::All, now_ms())
            .await
            .unwrap();
        assert!(again.previous.is_some());
        assert!(
            again.text_zh().contains("与上次简报（"),
            "{}",
            again.text_zh()
        );
        assert!(again.text_en().contains("Since the previous briefing ("));
        let x = get_page(addr, "/hq/briefing.xlsx?area=431102&period=day", &hq.cookie).await;
        assert_eq!(x.status, 200);
        assert!(x.body.starts_with("PK"), "an XLSX (zip)");

        // Scope: a volunteer reads none; a community officer only their community.
        let vol = login(addr, "demo-volunteer", PW).await;
        let page = get_page(addr, "/hq/briefing", &vol.cookie).await;
        assert_eq!(page.status, 403);
        let com = login(addr, "demo-community", PW).await;
        let page = get_page(addr, "/hq/briefing?area=431102", &com.cookie).await;
        assert_eq!(page.status, 404);
        let page = get_page(addr, "/hq/briefing", &com.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("全社区") || page.body.contains("of the community"));
        let community = areas::by_code(db, COMMUNITY).await.unwrap().unwrap();
        let cb = briefing::generate(db, &community, Period::Day, now_ms())
            .await
            .unwrap();
        for s in cb.zh.iter().chain(cb.en.iter()).flatten() {
            if let Seg::Num { area, .. } = s {
                let a = areas::by_id(db, *area).await.unwrap().unwrap();
                assert!(a.path.starts_with(&community.path), "{} outside", a.code);
            }
        }
    }
}

#[tokio::test]
async fn reports_lock_at_the_cutoff_verify_and_correct_as_revisions() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let now = now_ms();
        let day = day_of(now);
        // Before the cut-off nothing locks; a cut-off of 00:00 has always passed.
        exec(
            db,
            "INSERT INTO settings (key, value) VALUES ('hq.cutoff', '23:59')",
            vec![],
        )
        .await;
        let tops = reports::top_areas(db).await.unwrap();
        assert!(!tops.is_empty());
        let late_evening = (day + 1) * 86_400_000 - 8 * 3_600_000 - 120_000; // 23:58 CST
        assert_eq!(reports::sweep(db, late_evening).await.unwrap(), 0);
        exec(
            db,
            "UPDATE settings SET value = '00:00' WHERE key = 'hq.cutoff'",
            vec![],
        )
        .await;
        assert_eq!(reports::cutoff(db).await.unwrap(), "00:00");
        let n = reports::sweep(db, now).await.unwrap();
        assert_eq!(n, reports::catalogue().len() * tops.len());
        assert_eq!(reports::sweep(db, now).await.unwrap(), 0, "locked once");
        let top = &tops[0];
        let s = reports::latest(db, "daily", day, top.id)
            .await
            .unwrap()
            .expect("locked");
        assert_eq!(s.revision, 0);
        assert!(s.verified());
        let c = s.parsed().unwrap();
        let row = c
            .rows
            .iter()
            .find(|r| r.code == COMMUNITY)
            .expect("the demo community is a row");
        let ri = c.metrics.iter().position(|m| m == "residents").unwrap();
        assert_eq!(row.values[ri], Some(1_500));
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'snapshot_locked' AND entity_id = $1",
                args![s.id.to_string()]
            )
            .await,
            1
        );
        // "Not reported" is not zero: a community with no people has residents 0, and the
        // report's testing figures are null without a round.
        let ci = c.metrics.iter().position(|m| m == "round_missing").unwrap();
        assert_eq!(row.values[ci], None, "no testing round: not reported");

        // A correction with nothing changed makes no revision.
        let hq = wardline::registry::demo::demo_reader(db, "demo-hq")
            .await
            .unwrap()
            .unwrap();
        let actor = wardline::audit::Actor::cli();
        assert!(reports::correct(db, &hq, &actor, s.id, "recheck", now_ms())
            .await
            .unwrap()
            .is_none());
        // A late correction of the registry's tally: a revision that shows the difference.
        let community = areas::by_code(db, COMMUNITY).await.unwrap().unwrap();
        exec(
            db,
            "UPDATE community_counts SET residents = residents + 5 WHERE area_id = $1",
            args![community.id],
        )
        .await;
        let r1 = reports::correct(db, &hq, &actor, s.id, "late registrations", now_ms())
            .await
            .unwrap()
            .expect("a revision");
        assert_eq!(r1.revision, 1);
        assert!(r1.verified());
        assert_eq!(r1.reason, "late registrations");
        let d = reports::diff(&s.parsed().unwrap(), &r1.parsed().unwrap());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (
                d[0].code.as_str(),
                d[0].metric.as_str(),
                d[0].before,
                d[0].after
            ),
            (COMMUNITY, "residents", Some(1_500), Some(1_505))
        );
        // The original stays as locked.
        let s0 = reports::by_id(db, s.id).await.unwrap().unwrap();
        assert_eq!(s0.sha256, s.sha256);
        assert!(s0.verified());
        // Tampering shows: the hash no longer verifies.
        exec(
            db,
            "UPDATE hq_snapshots SET content = replace(content, '1505', '1600') WHERE id = $1",
            args![r1.id],
        )
        .await;
        let bad = reports::by_id(db, r1.id).await.unwrap().unwrap();
        assert!(!bad.verified());
        // An officer who is not HQ may not correct.
        let com = wardline::registry::demo::demo_reader(db, "demo-community")
            .await
            .unwrap()
            .unwrap();
        assert!(reports::correct(db, &com, &actor, s.id, "x", now_ms())
            .await
            .is_err());

        // Pages and exports.
        let addr = crate::common::serve(db).await;
        let b = login(addr, "demo-hq", PW).await;
        let list = get_page(addr, "/hq/reports", &b.cookie).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(list.body.contains(&format!("/hq/snapshots/{}", s.id)));
        let page = get_page(
            addr,
            &format!("/hq/snapshots/{}?layout=health", r1.id),
            &b.cookie,
        )
        .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"rep-broken\""), "tampered");
        let page = get_page(addr, &format!("/hq/snapshots/{}", s.id), &b.cookie).await;
        assert!(page.body.contains("id=\"rep-verified\""));
        let csv = get_page(
            addr,
            &format!("/hq/snapshots/{}/export?format=csv&layout=health", s.id),
            &b.cookie,
        )
        .await;
        assert_eq!(csv.status, 200);
        let first = csv.body.lines().next().unwrap_or_default().to_owned();
        assert_eq!(
            first,
            "区划代码,地区,采样覆盖率（%）,应采未采,阳性,隔离管控,常住人口"
        );
        assert!(
            csv.body.contains(&format!("{COMMUNITY},")) && csv.body.contains("未报"),
            "{}",
            csv.body
        );
        let x = get_page(
            addr,
            &format!("/hq/snapshots/{}/export?format=xlsx&layout=hq", s.id),
            &b.cookie,
        )
        .await;
        assert!(x.body.starts_with("PK"));
        // A community officer sees only the community's row.
        let com = login(addr, "demo-community", PW).await;
        let page = get_page(addr, &format!("/hq/snapshots/{}", s.id), &com.cookie).await;
        assert_eq!(page.status, 200);
        let csv = get_page(
            addr,
            &format!("/hq/snapshots/{}/export?format=csv", s.id),
            &com.cookie,
        )
        .await;
        assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    }
}
