//! Merging two households and removing an empty one: residents, tallies, needs, personal
//! links, test coverage, scope, and the page forms. On every backend.

use wardline::access::Reader;
use wardline::args;
use wardline::cli::DEMO_PASSWORD;
use wardline::db::{now_ms, path_end, Db};
use wardline::error::AppError;
use wardline::registry::areas::{self, Area};
use wardline::registry::edit;
use wardline::registry::model::*;
use wardline::registry::residents::ResidentInput;

use crate::common::{backends, exec, get_page, login, post_form, serve};
use crate::import::card;
use crate::testing::{actor, check_coverage, reader, round_over};

const COMMUNITY: &str = "431102001001";

/// The places and households of a test: in the writer's community, grid 1 holds household
/// `a` (head, spouse aged 70 and living alone, party member child) and the empty `empty`;
/// grid 2 holds `b` (head only); `outside` lies in another community.
struct Fixture {
    grid1: Area,
    grid2: Area,
    a: i64,
    b: i64,
    empty: i64,
    outside: i64,
    writer: Reader,
}

fn person(name: &str, doc17: &str, relation: &str) -> ResidentInput {
    ResidentInput {
        name: name.into(),
        doc_number: card(doc17),
        relation: Some(relation.into()),
        ..Default::default()
    }
}

async fn household(db: &Db, w: &Reader, area: &Area, address: &str) -> i64 {
    edit::create_household(db, &actor(w), w, &area.code, address, Some("home"))
        .await
        .unwrap()
}

async fn setup(db: &Db) -> Fixture {
    let c = areas::ensure_national(db, "431102").await.unwrap();
    assert_eq!(c.code, "431102");
    let community = areas::by_code(db, COMMUNITY).await.unwrap().unwrap();
    let other = db
        .query_one(
            "SELECT MIN(code) FROM areas WHERE level = $1 AND code <> $2",
            args![LEVEL_COMMUNITY, COMMUNITY],
        )
        .await
        .unwrap()
        .string(0);
    let other = areas::by_code(db, &other).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    let grid1 = areas::find_or_create_local(&mut tx, &community, LEVEL_GRID, "第一网格")
        .await
        .unwrap();
    let grid2 = areas::find_or_create_local(&mut tx, &community, LEVEL_GRID, "第二网格")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let admin = reader(db, "merge-admin", "admin", "431102").await;
    let writer = reader(db, "merge-writer", "community", COMMUNITY).await;
    let a = household(db, &writer, &grid1, "一网格 1 栋 101").await;
    let empty = household(db, &writer, &grid1, "一网格 1 栋 102").await;
    let b = household(db, &writer, &grid2, "二网格 2 栋 201").await;
    let outside = household(db, &admin, &other, "外社区 3 栋 301").await;
    let w = &writer;
    let add = |hh: i64, input: ResidentInput| async move {
        edit::add_resident(db, &actor(w), w, hh, &input)
            .await
            .unwrap()
    };
    add(a, person("甲一", "43110219800101001", "head")).await;
    let mut old = person("甲二", "43110219500101002", "spouse");
    old.tags = Some("独居老人".into());
    add(a, old).await;
    let mut child = person("甲三", "43110220000101003", "child");
    child.party = Some("full".into());
    add(a, child).await;
    add(b, person("乙一", "43110219900101004", "head")).await;
    edit::add_resident(
        db,
        &actor(&admin),
        &admin,
        outside,
        &person("丙一", "43110219850101005", "head"),
    )
    .await
    .unwrap();
    Fixture {
        grid1,
        grid2,
        a,
        b,
        empty,
        outside,
        writer,
    }
}

/// The tallies at `path` equal a count of the households and residents under it.
async fn assert_tallies_match(db: &Db, path: &str, what: &str) {
    let got = areas::subtree_counts(db, path).await.unwrap();
    let (y, m, d) = wardline::registry::validate::today();
    let cutoff = format!("{:04}-{m:02}-{d:02}", y - 60);
    let r = db
        .query_one(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN tags <> 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN party <> 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN birth_date <= $3 THEN 1 ELSE 0 END), 0) \
             FROM residents WHERE path >= $1 AND path < $2",
            args![path, path_end(path), cutoff.as_str()],
        )
        .await
        .unwrap();
    let hh = db
        .query_one(
            "SELECT COUNT(*) FROM households WHERE path >= $1 AND path < $2",
            args![path, path_end(path)],
        )
        .await
        .unwrap()
        .int(0);
    let direct = areas::Counts {
        households: hh,
        residents: r.int(0),
        vulnerable: r.int(1),
        party_members: r.int(2),
        aged60: r.int(3),
    };
    assert_eq!(got, direct, "{what}: tallies at {path}");
}

async fn all_tallies_match(db: &Db, f: &Fixture, what: &str) {
    for p in [
        f.grid1.path.as_str(),
        f.grid2.path.as_str(),
        COMMUNITY,
        "431102001",
        "431102",
    ] {
        assert_tallies_match(db, p, what).await;
    }
}

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    db.query_one(sql, args![id]).await.unwrap().int(0)
}

async fn add_link(db: &Db, household: i64) {
    exec(
        db,
        "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, $2, $3)",
        args![household, format!("token-{household}"), now_ms()],
    )
    .await;
}

async fn add_need(db: &Db, household: i64, path: &str) -> i64 {
    exec(
        db,
        "INSERT INTO needs (household_id, for_name, path, community_id, category, urgency, \
         description, source, status, created_by, created_ms, since_ms) \
         VALUES ($1, '甲二', $2, $3, 'medicine', 2, '降压药', 'link', 'new', 'link', $4, $4)",
        args![household, path, areas::community_id(path), now_ms()],
    )
    .await;
    db.query_one(
        "SELECT MAX(id) FROM needs WHERE household_id = $1",
        args![household],
    )
    .await
    .unwrap()
    .int(0)
}

#[tokio::test]
async fn merge_moves_residents_needs_and_tallies_and_drops_the_link() {
    for t in backends().await {
        let db = &t.db;
        let f = setup(db).await;
        let w = &f.writer;
        all_tallies_match(db, &f, &format!("{}: before", t.name)).await;
        // A testing round: the members of `a` exempt, so `a` is covered before the merge.
        let hq = reader(db, "merge-hq", "hq", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, COMMUNITY, 5, now - 3_600_000, now + 3_600_000).await;
        let members: Vec<i64> = db
            .query(
                "SELECT id FROM residents WHERE household_id = $1 ORDER BY id",
                args![f.a],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert_eq!(members.len(), 3);
        for &id in &members {
            wardline::testing::results::exempt(db, &actor(w), w, &round, id, "away", "")
                .await
                .unwrap();
        }
        assert_eq!(
            check_coverage(db, &round, COMMUNITY)
                .await
                .households_covered,
            1
        );
        add_link(db, f.a).await;
        add_link(db, f.b).await;
        let need = add_need(db, f.a, &f.grid1.path).await;

        edit::merge_households(db, &actor(w), w, f.a, f.b)
            .await
            .unwrap();

        // The source is gone; its people live in `b` now, with `b`'s place.
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM households WHERE id = $1", f.a).await,
            0,
            "{}",
            t.name
        );
        let rows = db
            .query(
                "SELECT id, household_id, path, community_id, relation FROM residents \
                 WHERE household_id = $1 ORDER BY id",
                args![f.b],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 4, "{}", t.name);
        for r in &rows {
            assert_eq!(r.text(2), f.grid2.path, "{}", t.name);
            assert_eq!(r.int(3), areas::community_id(&f.grid2.path));
        }
        // One head: `b`'s; `a`'s former head is an ordinary member.
        let heads: Vec<i64> = rows
            .iter()
            .filter(|r| r.text(4) == "head")
            .map(|r| r.int(0))
            .collect();
        let b_head = db
            .query_one("SELECT head_id FROM households WHERE id = $1", args![f.b])
            .await
            .unwrap()
            .opt_int(0);
        assert_eq!(heads.len(), 1, "{}", t.name);
        assert_eq!(Some(heads[0]), b_head, "{}", t.name);
        let former = rows.iter().find(|r| r.int(0) == members[0]).unwrap();
        assert_eq!(former.text(4), "other", "{}", t.name);
        // Tallies: one household fewer in grid 1, the people counted in grid 2.
        all_tallies_match(db, &f, &format!("{}: after the merge", t.name)).await;
        let g1 = areas::subtree_counts(db, &f.grid1.path).await.unwrap();
        assert_eq!((g1.households, g1.residents), (1, 0), "{}", t.name);
        let g2 = areas::subtree_counts(db, &f.grid2.path).await.unwrap();
        assert_eq!(
            (
                g2.households,
                g2.residents,
                g2.vulnerable,
                g2.party_members,
                g2.aged60
            ),
            (1, 4, 1, 1, 1),
            "{}",
            t.name
        );
        // The link of `a` no longer exists; `b`'s is untouched.
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM household_links WHERE household_id = $1",
                f.a
            )
            .await,
            0,
            "{}",
            t.name
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM household_links WHERE household_id = $1",
                f.b
            )
            .await,
            1
        );
        // The need follows the household.
        let n = db
            .query_one(
                "SELECT household_id, path, community_id FROM needs WHERE id = $1",
                args![need],
            )
            .await
            .unwrap();
        assert_eq!(
            (n.int(0), n.string(1), n.int(2)),
            (
                f.b,
                f.grid2.path.clone(),
                areas::community_id(&f.grid2.path)
            ),
            "{}",
            t.name
        );
        // Test coverage agrees with a recount (`b` now has a member who is not exempt).
        for p in [COMMUNITY, f.grid1.path.as_str(), f.grid2.path.as_str()] {
            check_coverage(db, &round, p).await;
        }
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM test_households WHERE household_id = $1",
                f.a
            )
            .await,
            0,
            "{}",
            t.name
        );
        // Audited, with the target and the number of residents moved.
        let detail = db
            .query_one(
                "SELECT detail FROM audit_log WHERE action = 'merge' AND entity = 'household' \
                 AND entity_id = $1",
                args![f.a.to_string()],
            )
            .await
            .unwrap()
            .string(0);
        let v: serde_json::Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(v["into"], f.b, "{detail}");
        assert_eq!(v["residents_moved"], 3, "{detail}");
        assert!(matches!(
            wardline::audit::verify(db).await.unwrap(),
            wardline::audit::Verdict::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn merge_is_refused_outside_scope_into_itself_and_for_readers() {
    for t in backends().await {
        let db = &t.db;
        let f = setup(db).await;
        let w = &f.writer;
        for (from, into) in [(f.a, f.outside), (f.outside, f.a), (f.a, 999_999)] {
            let e = edit::merge_households(db, &actor(w), w, from, into)
                .await
                .unwrap_err();
            assert!(
                matches!(e, AppError::NotFound),
                "{}: {from} into {into}: {e:?}",
                t.name
            );
        }
        match edit::merge_households(db, &actor(w), w, f.a, f.a).await {
            Err(AppError::Invalid(v)) => {
                assert_eq!(v[0].field, "into");
                assert!(v[0].message.en.contains("itself"), "{:?}", v[0]);
                assert!(v[0].message.zh.contains("自身"), "{:?}", v[0]);
            }
            other => panic!("{}: {other:?}", t.name),
        }
        // A role that reads the registry but does not write it.
        let branch = reader(db, "merge-branch", "branch", COMMUNITY).await;
        let e = edit::merge_households(db, &actor(&branch), &branch, f.a, f.b)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{}: {e:?}", t.name);
        let e = edit::remove_household(db, &actor(&branch), &branch, f.empty)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{}: {e:?}", t.name);
        // Nothing changed.
        let n = db
            .query_one("SELECT COUNT(*) FROM households", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 4, "{}", t.name);
        all_tallies_match(db, &f, t.name).await;
    }
}

#[tokio::test]
async fn remove_is_refused_with_residents_and_allowed_when_empty() {
    for t in backends().await {
        let db = &t.db;
        let f = setup(db).await;
        let w = &f.writer;
        add_link(db, f.a).await;
        add_link(db, f.empty).await;
        match edit::remove_household(db, &actor(w), w, f.a).await {
            Err(AppError::Conflict(m)) => {
                assert!(m.en.contains("merge it into another household"), "{}", m.en);
                assert!(m.zh.contains("合并"), "{}", m.zh);
            }
            other => panic!("{}: {other:?}", t.name),
        }
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM household_links WHERE household_id = $1",
                f.a
            )
            .await,
            1
        );
        let e = edit::remove_household(db, &actor(w), w, f.outside)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound), "{}: {e:?}", t.name);

        let need = add_need(db, f.empty, &f.grid1.path).await;
        edit::remove_household(db, &actor(w), w, f.empty)
            .await
            .unwrap();
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM households WHERE id = $1", f.empty).await,
            0,
            "{}",
            t.name
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM household_links WHERE household_id = $1",
                f.empty
            )
            .await,
            0,
            "{}",
            t.name
        );
        // Its needs stay, as history.
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM needs WHERE id = $1", need).await,
            1,
            "{}",
            t.name
        );
        all_tallies_match(db, &f, &format!("{}: after the removal", t.name)).await;
        assert_eq!(
            areas::subtree_counts(db, &f.grid1.path)
                .await
                .unwrap()
                .households,
            1
        );
        let audited = db
            .query_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'remove' AND entity = 'household' \
                 AND entity_id = $1",
                args![f.empty.to_string()],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(audited, 1, "{}", t.name);
        // Gone means gone: a second removal finds nothing.
        let e = edit::remove_household(db, &actor(w), w, f.empty)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound), "{}: {e:?}", t.name);
    }
}

#[tokio::test]
async fn merge_and_remove_forms_on_the_household_page() {
    for t in backends().await {
        let db = &t.db;
        let f = setup(db).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let b = login(addr, "demo-community", DEMO_PASSWORD).await;
        let c = &b.cookie;
        // The page offers both to a writer: merge always, removal only when empty.
        let p = get_page(addr, &format!("/households/{}?lang=en", f.a), c).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("id=\"merge-form\""), "{}", p.body);
        assert!(!p.body.contains("id=\"remove-form\""), "{}", p.body);
        let p = get_page(addr, &format!("/households/{}", f.empty), c).await;
        assert!(p.body.contains("id=\"remove-form\""), "{}", p.body);

        // Without the session's token: refused, nothing merged.
        let merge = format!("/households/{}/merge", f.a);
        let into = f.b.to_string();
        let r = post_form(addr, &merge, c, &[("csrf", "forged"), ("into", &into)]).await;
        assert_eq!(r.status, 403, "{}", r.body);
        // Bad numbers come back as field errors, in the user's language.
        let r = post_form(addr, &merge, c, &[("csrf", &b.csrf), ("into", "abc")]).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("请填写住户编号"), "{}", r.body);
        let self_into = f.a.to_string();
        let r = post_form(
            addr,
            &format!("{merge}?lang=en"),
            c,
            &[("csrf", &b.csrf), ("into", &self_into)],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("merged into itself"), "{}", r.body);
        assert!(
            r.body.contains("target household number"),
            "the field's label: {}",
            r.body
        );
        let outside = f.outside.to_string();
        let r = post_form(addr, &merge, c, &[("csrf", &b.csrf), ("into", &outside)]).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("没有此编号的住户"), "{}", r.body);
        assert!(!r.body.contains("外社区"), "{}", r.body);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM households WHERE id = $1", f.a).await,
            1
        );

        // The merge itself: to the target household's page.
        let r = post_form(addr, &merge, c, &[("csrf", &b.csrf), ("into", &into)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.header("location"),
            Some(format!("/households/{}", f.b).as_str())
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM households WHERE id = $1", f.a).await,
            0,
            "{}",
            t.name
        );
        let p = get_page(addr, &format!("/households/{}", f.b), c).await;
        assert!(p.body.contains("甲一"), "{}", p.body);
        all_tallies_match(db, &f, t.name).await;

        // Removal of the empty household: back to its area.
        let r = post_form(
            addr,
            &format!("/households/{}/remove", f.empty),
            c,
            &[("csrf", &b.csrf)],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let area = format!("/areas/{}", wardline::web::html::url_enc(&f.grid1.code));
        assert_eq!(r.header("location"), Some(area.as_str()));
        // A household with members: the page again, with the reason.
        let r = post_form(
            addr,
            &format!("/households/{}/remove", f.b),
            c,
            &[("csrf", &b.csrf)],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("请先迁出成员"), "{}", r.body);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM households WHERE id = $1", f.b).await,
            1
        );
    }
}
