//! The zones' pages over HTTP, on the demo zones: an area's zones and a zone's page for who
//! may read them (and nothing for an outsider), the declaration form's errors naming the
//! field with the values kept, a declaration, an extension and a lifting through the forms,
//! the figures, and the zone on the area browser and the household page. On both backends.

use wardline::args;
use wardline::db::Db;

use crate::common::{backends, demo_under, get_page, login, post_form};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

async fn setup(db: &Db) -> i64 {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    demo_under(db, 3_000, 3, COMMUNITY).await;
    wardline::cli::create_demo_accounts(db).await.unwrap();
    let n = wardline::zones::demo::create(db).await.unwrap();
    assert_eq!(n, Some(4));
    assert_eq!(
        wardline::zones::demo::create(db).await.unwrap(),
        None,
        "once"
    );
    // Another community's officer, for the outsider's view.
    wardline::access::create_account_as(
        db,
        &wardline::audit::Actor::cli(),
        &wardline::access::NewAccount {
            username: "other-community",
            display_name: "外社区干部",
            role: "community",
            scope_codes: &["431102001009".to_owned()],
            password: Some(PW),
        },
    )
    .await
    .unwrap();
    db.scalar::<i64>(
        "SELECT id FROM zones WHERE kind = 'sealed' AND lifted_ms IS NULL",
        vec![],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn zone_pages_for_readers_and_nothing_for_outsiders() {
    for t in backends().await {
        let db = &t.db;
        let sealed = setup(db).await;
        let addr = crate::common::serve(db).await;
        let grid = login(addr, "demo-grid", PW).await;
        let p = get_page(addr, &format!("/zones?area={COMMUNITY}"), &grid.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        assert!(p.body.contains("防范区") && p.body.contains("id=\"zones-history\""));
        assert!(
            !p.body.contains("id=\"zone-declare\""),
            "a grid worker declares nothing"
        );
        let z = get_page(addr, &format!("/zones/{sealed}"), &grid.cookie).await;
        assert_eq!(z.status, 200);
        assert!(z.body.contains("封控区") && z.body.contains("id=\"zone-changes\""));
        assert!(!z.body.contains("id=\"zone-lift\""), "nor lifts");
        let f = get_page(addr, &format!("/zones/new?area={COMMUNITY}"), &grid.cookie).await;
        assert_eq!(f.status, 403);

        // The other community's officer: nothing of C1's zones, not even the area's page.
        let out = login(addr, "other-community", PW).await;
        for path in [
            format!("/zones/{sealed}"),
            format!("/zones?area={COMMUNITY}"),
            format!("/zones/figures?area={COMMUNITY}"),
        ] {
            let p = get_page(addr, &path, &out.cookie).await;
            assert_eq!(p.status, 404, "{}: {path}", t.name);
            assert!(!p.body.contains("楼内发现"), "{path}");
        }
        // A volunteer: no zones at all.
        let v = login(addr, "demo-volunteer", PW).await;
        let p = get_page(addr, &format!("/zones/{sealed}"), &v.cookie).await;
        assert_eq!(p.status, 403);

        // The household page and the area browser show the zone in force.
        let hh: i64 = db
            .scalar(
                "SELECT MIN(h.id) FROM households h JOIN zones z ON z.area_path = h.path WHERE z.id = $1",
                args![sealed],
            )
            .await
            .unwrap();
        let h = get_page(addr, &format!("/households/{hh}"), &grid.cookie).await;
        assert!(h.body.contains("id=\"household-zone\""));
        assert!(
            h.body.contains(&format!("href=\"/zones/{sealed}\"")),
            "{}",
            t.name
        );
        let a = get_page(addr, &format!("/areas/{COMMUNITY}"), &grid.cookie).await;
        assert_eq!(
            a.status, 404,
            "the community is above the grid worker's scope"
        );
        let c = login(addr, "demo-community", PW).await;
        let a = get_page(addr, &format!("/areas/{COMMUNITY}"), &c.cookie).await;
        assert!(a.body.contains("id=\"area-zones\"") && a.body.contains("封控区"));
        let fig = get_page(addr, &format!("/zones/figures?area={COMMUNITY}"), &c.cookie).await;
        assert_eq!(fig.status, 200);
        assert!(fig.body.contains("id=\"zone-figures-total\""));
        let bad = get_page(
            addr,
            &format!("/zones/figures?area={COMMUNITY}&day=2026-13-01"),
            &c.cookie,
        )
        .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
    }
}

#[tokio::test]
async fn declare_extend_and_lift_through_the_forms() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let s = login(addr, "demo-street", PW).await;
        let building: String = db
            .scalar(
                "SELECT MAX(code) FROM areas WHERE level = 7 AND code >= $1 AND code < $2",
                args![COMMUNITY, format!("{COMMUNITY}~")],
            )
            .await
            .unwrap();
        let form = get_page(
            addr,
            &format!(
                "/zones/new?area={}",
                wardline::web::html::url_enc(&building)
            ),
            &s.cookie,
        )
        .await;
        assert_eq!(form.status, 200, "{}", form.body);
        let cid = crate::common::hidden_input(&form.body, "client_id").unwrap();
        let mut fields = vec![
            ("csrf", s.csrf.as_str()),
            ("client_id", cid.as_str()),
            ("area", building.as_str()),
            ("kind", "controlled"),
            ("start_date", "2026-13-40"),
            ("reason", ""),
            ("decided_by", "街道防控办第3号通知"),
        ];
        let r = post_form(addr, "/zones/new", &s.cookie, &fields).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("开始日期") || r.body.contains("开始时间"),
            "names the field"
        );
        assert!(
            r.body.contains("街道防控办第3号通知"),
            "keeps what was typed"
        );
        let n: i64 = db
            .scalar("SELECT COUNT(*) AS n FROM zones", vec![])
            .await
            .unwrap();
        assert_eq!(n, 4, "{}: nothing written", t.name);

        let today = wardline::web::html::minutes(wardline::db::now_ms());
        fields[4] = ("start_date", &today[..10]);
        fields[5] = ("reason", "相邻楼栋出现阳性");
        let r = post_form(addr, "/zones/new", &s.cookie, &fields).await;
        assert!(r.body.is_empty() || r.status == 303, "{}", r.body);
        assert_eq!(r.status, 303);
        let loc = r.header("location").unwrap().to_owned();
        assert!(loc.ends_with("?done=declared"), "{loc}");
        // Sent again (a retry): the same zone.
        let again = post_form(addr, "/zones/new", &s.cookie, &fields).await;
        assert_eq!(again.header("location"), Some(loc.as_str()));
        let id: i64 = loc
            .trim_start_matches("/zones/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // No planned end: nothing to extend; the form is not offered.
        let page = get_page(addr, &loc, &s.cookie).await;
        assert!(page.body.contains("风险区域已划定") && !page.body.contains("id=\"zone-extend\""));
        assert!(page.body.contains("id=\"zone-lift\""));
        let lift_cid = crate::common::hidden_input(
            &page.body[page.body.find("id=\"zone-lift\"").unwrap()..],
            "client_id",
        )
        .unwrap();
        let r = post_form(
            addr,
            &format!("/zones/{id}/lift"),
            &s.cookie,
            &[
                ("csrf", &s.csrf),
                ("client_id", &lift_cid),
                ("reason", ""),
                ("decided_by", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("解除原因"), "the lift form's own label");
        let r = post_form(
            addr,
            &format!("/zones/{id}/lift"),
            &s.cookie,
            &[
                ("csrf", &s.csrf),
                ("client_id", &lift_cid),
                ("reason", "误划，撤销"),
                ("decided_by", "街道防控办第4号通知"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some(format!("/zones/{id}?done=lifted").as_str())
        );
        let lifted: Option<i64> = db
            .scalar("SELECT lifted_ms FROM zones WHERE id = $1", args![id])
            .await
            .unwrap();
        assert!(lifted.is_some(), "{}", t.name);
        // The demo's sealed building with an end: extended through the form.
        let sealed: i64 = db
            .scalar(
                "SELECT id FROM zones WHERE kind = 'sealed' AND lifted_ms IS NULL",
                vec![],
            )
            .await
            .unwrap();
        let end: i64 = db
            .scalar(
                "SELECT planned_end_ms FROM zones WHERE id = $1",
                args![sealed],
            )
            .await
            .unwrap();
        let later = wardline::web::html::minutes(end + 3 * 86_400_000);
        let r = post_form(
            addr,
            &format!("/zones/{sealed}/extend"),
            &s.cookie,
            &[
                ("csrf", &s.csrf),
                ("client_id", "ext-1"),
                ("end_date", &later[..10]),
                ("end_time", "18:00"),
                ("reason", "新增密接转阳"),
                ("decided_by", "区指挥部第13号通告"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let (old, new): (i64, i64) = {
            let row = db
                .query_one(
                    "SELECT old_end_ms, new_end_ms FROM zone_changes WHERE zone_id = $1 AND change = 'extended'",
                    args![sealed],
                )
                .await
                .unwrap();
            (row.int(0), row.int(1))
        };
        assert_eq!(old, end);
        assert!(new > end + 2 * 86_400_000);
    }
}

/// The no-epidemic candidates of a district (hundreds of communities): thirty to a page, the
/// page small enough for a phone, and the next page reachable.
#[tokio::test]
async fn the_candidates_page_is_paged() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let addr = crate::common::serve(db).await;
        let hq = login(addr, "demo-hq", PW).await;
        let communities: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM areas WHERE level = 5 AND code LIKE '431102%'",
                vec![],
            )
            .await
            .unwrap();
        assert!(communities > 60, "{communities}");
        let p = get_page(addr, "/zones/candidates?area=431102&days=14", &hq.cookie).await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        let rows = |b: &str| b.matches("<tr>").count() - 1;
        assert_eq!(rows(&p.body), 30, "{}", t.name);
        assert!(p.body.contains("id=\"candidates-pager\""));
        assert!(p.body.len() < 60_000, "{} bytes", p.body.len());
        let p2 = get_page(
            addr,
            "/zones/candidates?area=431102&days=14&page=2",
            &hq.cookie,
        )
        .await;
        assert_eq!(p2.status, 200);
        assert_eq!(rows(&p2.body), 30);
        assert!(p2.body.contains("rel=\"prev\""));
        assert_ne!(p.body, p2.body);
        // Past the last page: the last page.
        let last = (communities as usize).div_ceil(30);
        let p9 = get_page(
            addr,
            "/zones/candidates?area=431102&days=14&page=9999",
            &hq.cookie,
        )
        .await;
        assert_eq!(p9.status, 200);
        assert!(p9.body.contains(&format!("{last}")), "{}", t.name);
        assert!(!p9.body.contains("rel=\"next\""));
    }
}

/// A testing round's page for the demo community: its grids listed with their coverage, the
/// controlled grid (the demo's) with its badge, the others with the community's precaution.
#[tokio::test]
async fn a_rounds_grid_rows_show_their_zone() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let community = wardline::registry::demo::demo_reader(db, "demo-community")
            .await
            .unwrap()
            .unwrap();
        let now = wardline::db::now_ms();
        let round = wardline::testing::create_round(
            db,
            &wardline::registry::demo::demo_actor(&community),
            &community,
            &wardline::testing::NewRound {
                area: COMMUNITY.into(),
                name: "第1轮".into(),
                starts: (now - 3_600_000).to_string(),
                ends: (now + 8 * 3_600_000).to_string(),
                pool_size: "10".into(),
            },
        )
        .await
        .unwrap();
        let addr = crate::common::serve(db).await;
        let o = login(addr, "demo-community", PW).await;
        let p = get_page(
            addr,
            &format!("/testing/rounds/{round}?area={COMMUNITY}&sort=code"),
            &o.cookie,
        )
        .await;
        assert_eq!(p.status, 200, "{}: {}", t.name, p.body);
        let children = &p.body[p.body.find("id=\"children\"").expect("grid rows")..];
        let first = &children[..children.find("</div></div>").unwrap()];
        assert!(first.contains("zone-badge zone-controlled"), "{first}");
        assert!(
            children.contains("zone-badge zone-precaution"),
            "the other grids: the community's zone"
        );
    }
}
