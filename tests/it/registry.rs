//! Area tree, households and residents, demo city, counts and paging — on every backend.

use std::collections::HashSet;
use std::path::PathBuf;

use wardline::access::Scope;
use wardline::args;
use wardline::db::{path_end, Db};
use wardline::error::AppError;
use wardline::registry::areas::{self, Area};
use wardline::registry::model::*;
use wardline::registry::residents::{self, ResidentInput};
use wardline::registry::validate::{check_char, parse_id_card};

use crate::common::{backends, demo};

/// The shared national data when it is beside the checkout; the embedded 零陵区 subset else.
fn division_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/china-division");
    d.join("villages.csv").exists().then_some(d)
}

async fn import_lingling(db: &Db) -> areas::ImportStats {
    let (rows, stats) = match division_dir() {
        Some(d) => areas::read_division_dir(&d, Some("431102")).unwrap(),
        None => areas::read_embedded(Some("431102")).unwrap(),
    };
    areas::upsert_national(db, rows).await.unwrap();
    stats
}

fn everywhere() -> Scope {
    Scope {
        roots: vec![String::new()],
    }
}

#[tokio::test]
async fn area_import_of_lingling_finds_its_communities_and_is_rerunnable() {
    for t in backends().await {
        let db = &t.db;
        let stats = import_lingling(db).await;
        assert_eq!(
            stats.by_level[0], 1,
            "{}: one province (the ancestor)",
            t.name
        );
        assert_eq!(stats.by_level[2], 1, "{}: one county", t.name);
        assert!(
            stats.by_level[4] > 300,
            "{}: communities/villages {}",
            t.name,
            stats.by_level[4]
        );
        let county = areas::by_code(db, "431102").await.unwrap().unwrap();
        assert_eq!(county.name, "零陵区");
        for name in ["东岳宫社区", "大西门社区", "神仙岭社区"] {
            let r = db
                .query(
                    "SELECT code, level, path FROM areas WHERE name = $1 AND path >= $2 AND path < $3",
                    args![name, county.path.as_str(), path_end(&county.path)],
                )
                .await
                .unwrap();
            assert_eq!(r.len(), 1, "{}: {name} under 零陵区", t.name);
            assert_eq!(r[0].int(1), LEVEL_COMMUNITY);
        }
        // The ancestor chain is complete: 大西门社区 › street › 零陵区 › 永州市 › 湖南省.
        let dxm = areas::by_code(db, "431102002013").await.unwrap().unwrap();
        let chain: Vec<String> = areas::ancestors(db, &dxm)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(chain.first().map(String::as_str), Some("湖南省"));
        assert!(chain.contains(&"零陵区".to_string()));
        assert!(
            dxm.official_name.starts_with("大西门社区"),
            "{}",
            dxm.official_name
        );
        let dyg = areas::by_code(db, "431102001001").await.unwrap().unwrap();
        assert_eq!(
            (dyg.name.as_str(), dyg.official_name.as_str()),
            ("东岳宫社区", "东岳宫社区居委会")
        );
        // Re-running changes nothing.
        let before = db
            .query_one("SELECT COUNT(*) FROM areas", vec![])
            .await
            .unwrap()
            .int(0);
        import_lingling(db).await;
        let after = db
            .query_one("SELECT COUNT(*) FROM areas", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(before, after, "{}", t.name);
        assert_eq!(before as u64, stats.rows);
        // Nothing outside the subtree came in.
        let outside = db
            .query_one(
                "SELECT COUNT(*) FROM areas WHERE code = $1",
                args!["431103"],
            )
            .await
            .unwrap()
            .int(0);
        assert_eq!(outside, 0);
    }
}

fn card(region: &str, birth: &str, seq: &str) -> String {
    let mut s = format!("{region}{birth}{seq}");
    s.push(check_char(s.as_bytes()) as char);
    s
}

async fn community(db: &Db) -> Area {
    import_lingling(db).await;
    areas::by_code(db, "431102001001").await.unwrap().unwrap()
}

#[tokio::test]
async fn duplicate_identity_is_refused_naming_the_existing_record() {
    for t in backends().await {
        let db = &t.db;
        let c = community(db).await;
        let doc = card("431102", "19800101", "123");
        let mut tx = db.begin().await.unwrap();
        let grid = areas::find_or_create_local(&mut tx, &c, LEVEL_GRID, "第一网格")
            .await
            .unwrap();
        let mut hh = residents::create_household(&mut tx, &grid, "东岳宫社区1栋101", "home")
            .await
            .unwrap();
        let first = ResidentInput {
            name: "李四".into(),
            doc_number: doc.clone(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let id = residents::add_resident(&mut tx, &everywhere(), &mut hh, &first)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let mut hh2 = residents::create_household(&mut tx, &grid, "东岳宫社区1栋102", "rental")
            .await
            .unwrap();
        // Same number typed with a lower-case x would be the same; here the same digits.
        let dup = ResidentInput {
            name: "王五".into(),
            doc_number: doc.clone(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let err = residents::add_resident(&mut tx, &everywhere(), &mut hh2, &dup)
            .await
            .unwrap_err();
        drop(tx); // rolled back: the second household is gone too
        match err {
            AppError::Conflict(m) => {
                assert!(m.en.contains(&format!("#{id}")), "{}: {}", t.name, m.en);
                assert!(m.zh.contains("李四"), "{}: {}", t.name, m.zh);
                assert!(
                    !m.en.contains(&doc),
                    "the full number is not echoed: {}",
                    m.en
                );
            }
            other => panic!("{}: expected a conflict, got {other:?}", t.name),
        }
        // A writer whose scope does not cover the existing record learns nothing about it.
        let mut tx = db.begin().await.unwrap();
        let mut hh3 = residents::create_household(&mut tx, &grid, "东岳宫社区1栋103", "home")
            .await
            .unwrap();
        let elsewhere = Scope {
            roots: vec!["431102002".into()],
        };
        match residents::add_resident(&mut tx, &elsewhere, &mut hh3, &dup)
            .await
            .unwrap_err()
        {
            AppError::Conflict(m) => {
                assert!(!m.zh.contains("李四"), "{}: {}", t.name, m.zh);
                assert!(!m.en.contains(&format!("#{id}")), "{}: {}", t.name, m.en);
                assert!(m.en.contains("another area"), "{}", m.en);
            }
            other => panic!("{}: {other:?}", t.name),
        }
        drop(tx);
        let n = db
            .query_one("SELECT COUNT(*) FROM households", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(
            n, 1,
            "{}: the failed transaction left no half record",
            t.name
        );
        let counts = areas::subtree_counts(db, &c.path).await.unwrap();
        assert_eq!((counts.households, counts.residents), (1, 1), "{}", t.name);
    }
}

#[tokio::test]
async fn a_second_head_is_refused() {
    for t in backends().await {
        let db = &t.db;
        let c = community(db).await;
        let mut tx = db.begin().await.unwrap();
        let mut hh = residents::create_household(&mut tx, &c, "东岳宫社区2栋", "home")
            .await
            .unwrap();
        let a = ResidentInput {
            name: "甲".into(),
            doc_number: card("431102", "19700101", "011"),
            ..Default::default()
        };
        residents::add_resident(&mut tx, &everywhere(), &mut hh, &a.validate().unwrap())
            .await
            .unwrap();
        let b = ResidentInput {
            name: "乙".into(),
            doc_number: card("431102", "19700101", "021"),
            ..Default::default()
        };
        let e = residents::add_resident(&mut tx, &everywhere(), &mut hh, &b.validate().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Invalid(ref v) if v[0].field == "relation"),
            "{}: {e:?}",
            t.name
        );
    }
}

/// A fingerprint of every resident and household, independent of ids.
async fn fingerprint(db: &Db) -> Vec<String> {
    db.query(
        "SELECT r.name, r.doc_number, r.sex, r.birth_date, r.phone, r.relation, r.tags, r.party, \
         r.party_categories, h.address, h.kind, r.path FROM residents r JOIN households h ON h.id = r.household_id \
         ORDER BY r.id",
        vec![],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| format!("{:?}", r.values()))
    .collect()
}

#[tokio::test]
async fn demo_city_is_deterministic_and_plausible() {
    for t in backends().await {
        let db = &t.db;
        let stats = demo(db, 6_000, 42).await;
        assert_eq!(stats.residents, 6_000, "{}", t.name);
        let a = fingerprint(db).await;
        assert_eq!(a.len(), 6_000);

        // Same seed on a fresh database: the same city.
        let other = crate::common::backends()
            .await
            .into_iter()
            .find(|x| x.name == t.name)
            .unwrap();
        demo(&other.db, 6_000, 42).await;
        assert_eq!(
            a,
            fingerprint(&other.db).await,
            "{}: same seed, same city",
            t.name
        );
        // Another seed: another city.
        let third = crate::common::backends()
            .await
            .into_iter()
            .find(|x| x.name == t.name)
            .unwrap();
        demo(&third.db, 6_000, 43).await;
        assert_ne!(a, fingerprint(&third.db).await, "{}", t.name);

        // Every ID number valid, with the county's region code, and unique.
        let rows = db
            .query("SELECT doc_number, sex, birth_date FROM residents", vec![])
            .await
            .unwrap();
        let mut seen = HashSet::new();
        let mut old = 0;
        for r in &rows {
            let c = parse_id_card(r.text(0)).unwrap_or_else(|e| panic!("{}: {e:?}", r.text(0)));
            assert!(r.text(0).starts_with("431102"));
            assert_eq!(c.sex, r.int(1));
            assert_eq!(c.birth_date, r.text(2));
            assert!(seen.insert(r.string(0)), "duplicate {}", r.text(0));
            let age = residents::age_on(r.text(2), wardline::registry::validate::today()).unwrap();
            assert!((0..=105).contains(&age), "age {age}");
            if age >= 60 {
                old += 1;
            }
        }
        let share = old as f64 / rows.len() as f64;
        assert!(share >= 0.18, "{}: aged 60+ share {share}", t.name);
        // Households of 1–6 with exactly one head each.
        let bad = db
            .query(
                "SELECT h.id FROM households h WHERE (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) NOT BETWEEN 1 AND 6 \
                 OR (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.relation = 'head') <> 1 \
                 OR h.head_id NOT IN (SELECT id FROM residents r WHERE r.household_id = h.id AND r.relation = 'head')",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            bad.is_empty(),
            "{}: {} malformed households",
            t.name,
            bad.len()
        );
        // Grids of 300–500 households (the last in a community may be smaller).
        let grids = db
            .query(
                "SELECT a.id, (SELECT COUNT(*) FROM households h WHERE h.path >= a.path AND h.path < a.path || '~') \
                 FROM areas a WHERE a.level = $1",
                args![LEVEL_GRID],
            )
            .await
            .unwrap();
        assert!(grids.iter().all(|g| g.int(1) <= 500), "{}", t.name);
        // Party members and vulnerable people in plausible shares.
        let party = db
            .query_one("SELECT COUNT(*) FROM residents WHERE party > 0", vec![])
            .await
            .unwrap()
            .int(0);
        let share = party as f64 / 6000.0;
        assert!(
            (0.04..0.12).contains(&share),
            "{}: party share {share}",
            t.name
        );
        let alone = db
            .query_one("SELECT COUNT(*) FROM residents WHERE tags % 2 = 1", vec![])
            .await
            .unwrap()
            .int(0);
        assert!(alone > 0, "{}: some living-alone elderly", t.name);
        let dialysis = db
            .query_one(
                "SELECT COUNT(*) FROM residents WHERE health_note IS NOT NULL",
                vec![],
            )
            .await
            .unwrap()
            .int(0);
        assert!(dialysis > 0);
        // A second demo into the same area is refused rather than doubling people.
        let again = wardline::registry::demo::generate(
            db,
            &wardline::registry::demo::DemoOptions {
                people: 10,
                seed: 1,
                under: "431102".into(),
            },
            &|_| {},
        )
        .await;
        assert!(matches!(again, Err(AppError::Conflict(_))), "{}", t.name);
    }
}

#[tokio::test]
async fn subtree_counts_match_a_direct_count() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 5_000, 7).await;
        // Add one resident by hand so the incremental path is checked too.
        let c = areas::by_code(db, "431102001001").await.unwrap().unwrap();
        let mut tx = db.begin().await.unwrap();
        let mut hh = residents::create_household(&mut tx, &c, "东岳宫社区临时户", "dormitory")
            .await
            .unwrap();
        let r = ResidentInput {
            name: "赵六".into(),
            doc_number: card("431102", "19400505", "991"),
            tags: Some("独居老人".into()),
            party: Some("full".into()),
            ..Default::default()
        };
        residents::add_resident(&mut tx, &everywhere(), &mut hh, &r.validate().unwrap())
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut checked = 0;
        let areas_to_check = db
            .query(
                "SELECT code FROM areas WHERE code IN ('43', '431102', '431102001', '431102001001', '431102002') \
                 OR id IN (SELECT MIN(id) FROM areas WHERE level = 6) OR id IN (SELECT MAX(id) FROM areas WHERE level = 7)",
                vec![],
            )
            .await
            .unwrap();
        for row in areas_to_check {
            let a = areas::by_code(db, row.text(0)).await.unwrap().unwrap();
            let got = areas::subtree_counts(db, &a.path).await.unwrap();
            let direct = db
                .query_one(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN tags <> 0 THEN 1 ELSE 0 END), 0), \
                     COALESCE(SUM(CASE WHEN party <> 0 THEN 1 ELSE 0 END), 0) FROM residents WHERE path >= $1 AND path < $2",
                    args![a.path.as_str(), path_end(&a.path)],
                )
                .await
                .unwrap();
            let hh = db
                .query_one(
                    "SELECT COUNT(*) FROM households WHERE path >= $1 AND path < $2",
                    args![a.path.as_str(), path_end(&a.path)],
                )
                .await
                .unwrap()
                .int(0);
            assert_eq!(got.residents, direct.int(0), "{} {}", t.name, a.code);
            assert_eq!(got.vulnerable, direct.int(1), "{} {}", t.name, a.code);
            assert_eq!(got.party_members, direct.int(2), "{} {}", t.name, a.code);
            assert_eq!(got.households, hh, "{} {}", t.name, a.code);
            checked += 1;
        }
        assert!(checked >= 6, "{checked}");
        let county = areas::by_code(db, "431102").await.unwrap().unwrap();
        assert_eq!(
            areas::subtree_counts(db, &county.path)
                .await
                .unwrap()
                .residents,
            5_001
        );
        // Children's counts add up to the parent's.
        let kids = areas::children(db, &county, None, 1000).await.unwrap();
        let sum: i64 = kids.iter().map(|k| k.counts.residents).sum();
        assert_eq!(sum, 5_001, "{}", t.name);
    }
}

#[tokio::test]
async fn keyset_paging_has_no_gaps_or_repeats() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 3).await;
        let street = areas::by_code(db, "431102001").await.unwrap().unwrap();
        let expected: Vec<i64> = db
            .query(
                "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY path, id",
                args![street.path.as_str(), path_end(&street.path)],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert!(expected.len() > 30, "{}", expected.len());
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = residents::households_under(db, &street, after, 7)
                .await
                .unwrap();
            assert!(page.items.len() <= 7);
            got.extend(page.items.iter().map(|h| h.id));
            match page.next {
                Some(n) => after = Some(n.parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(got, expected, "{}: households pages", t.name);

        // Name search pages: every resident with the surname 王 in scope, once each, in order.
        let expected: Vec<i64> = db
            .query(
                "SELECT id FROM residents WHERE name >= '王' AND name < $1 ORDER BY name, id",
                args!["王\u{10FFFF}"],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert!(expected.len() > 20);
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = residents::search(db, &everywhere(), "王", after, 9)
                .await
                .unwrap();
            got.extend(page.items.iter().map(|r| r.id));
            match page.next {
                Some(n) => after = Some(n.parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(got, expected, "{}: name search pages", t.name);

        // Children of the county page by code.
        let county = areas::by_code(db, "431102").await.unwrap().unwrap();
        let all = areas::children(db, &county, None, 100).await.unwrap();
        let first = areas::children(db, &county, None, 5).await.unwrap();
        let rest = areas::children(db, &county, Some(&first.last().unwrap().area.code), 100)
            .await
            .unwrap();
        let joined: Vec<_> = first
            .iter()
            .chain(rest.iter())
            .map(|c| c.area.code.clone())
            .collect();
        assert_eq!(
            joined,
            all.iter().map(|c| c.area.code.clone()).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn search_finds_by_document_and_phone_within_scope_only() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 5).await;
        let r = db
            .query_one(
                "SELECT id, doc_number, phone, path FROM residents WHERE phone IS NOT NULL AND path >= '431102001' AND path < '431102001~' LIMIT 1",
                vec![],
            )
            .await
            .unwrap();
        let (id, doc, phone) = (r.int(0), r.string(1), r.string(2));
        let inside = Scope {
            roots: vec!["431102001".into()],
        };
        let outside = Scope {
            roots: vec!["431102002".into()],
        };
        let found = residents::search(db, &inside, &doc.to_lowercase(), None, 10)
            .await
            .unwrap();
        assert_eq!(
            found.items.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![id],
            "{}",
            t.name
        );
        assert!(found.items[0].doc_number_masked.contains('*'));
        let by_phone = residents::search(db, &inside, &phone, None, 50)
            .await
            .unwrap();
        assert!(by_phone.items.iter().any(|x| x.id == id), "{}", t.name);
        // The Beijing lesson: a full ID number outside the scope finds nothing.
        assert!(residents::search(db, &outside, &doc, None, 10)
            .await
            .unwrap()
            .items
            .is_empty());
        assert!(residents::search(db, &outside, &phone, None, 10)
            .await
            .unwrap()
            .items
            .iter()
            .all(|x| x.id != id));
        assert!(matches!(
            residents::resident(db, &outside, id).await,
            Err(AppError::NotFound)
        ));
        assert_eq!(residents::resident(db, &inside, id).await.unwrap().id, id);
        let empty = Scope { roots: vec![] };
        assert!(residents::search(db, &empty, "王", None, 10)
            .await
            .unwrap()
            .items
            .is_empty());
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_race_safe() {
    for t in backends().await {
        // Already migrated by the harness: nothing more to apply.
        assert!(t.db.migrate().await.unwrap().is_empty(), "{}", t.name);
        // Two more handles migrating at once on the same database both succeed.
        let a = Db::connect(&t.url).await.unwrap();
        let b = Db::connect(&t.url).await.unwrap();
        let (x, y) = tokio::join!(a.migrate(), b.migrate());
        assert!(x.unwrap().is_empty() && y.unwrap().is_empty());
        let n =
            t.db.query_one("SELECT COUNT(*) FROM schema_migrations", vec![])
                .await
                .unwrap()
                .int(0);
        assert_eq!(n as usize, wardline::db::MIGRATIONS.len());
    }
}

#[tokio::test]
async fn committed_writes_survive_reopening_and_failed_ones_leave_nothing() {
    for t in backends().await {
        let c = community(&t.db).await;
        {
            let mut tx = t.db.begin().await.unwrap();
            residents::create_household(&mut tx, &c, "已提交", "home")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut tx = t.db.begin().await.unwrap();
            residents::create_household(&mut tx, &c, "未提交", "home")
                .await
                .unwrap();
            // dropped without commit
        }
        let reopened = Db::connect(&t.url).await.unwrap();
        let rows = reopened
            .query("SELECT address FROM households ORDER BY id", vec![])
            .await
            .unwrap();
        let addrs: Vec<&str> = rows.iter().map(|r| r.text(0)).collect();
        assert_eq!(addrs, ["已提交"], "{}", t.name);
        let counts = areas::subtree_counts(&reopened, &c.path).await.unwrap();
        assert_eq!(
            counts.households, 1,
            "{}: the tallies rolled back too",
            t.name
        );
    }
}

/// Indexes (and PostgreSQL foreign keys) dropped for a bulk load come back, and are enforced.
#[tokio::test]
async fn deferred_indexes_and_constraints_are_restored() {
    for t in backends().await {
        let db = &t.db;
        let catalog = match db.backend() {
            wardline::db::Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('residents', 'households') ORDER BY name"
            }
            wardline::db::Backend::Postgres => {
                "SELECT name FROM (SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('residents', 'households') \
                 UNION ALL SELECT conname FROM pg_constraint WHERE contype = 'f' \
                 AND conrelid IN ('residents'::regclass, 'households'::regclass)) x ORDER BY name"
            }
        };
        let names =
            |rows: Vec<wardline::db::Row>| rows.iter().map(|r| r.string(0)).collect::<Vec<_>>();
        let before = names(db.query(catalog, vec![]).await.unwrap());
        assert!(before.len() >= 4, "{}: {before:?}", t.name);
        let n = wardline::db::defer_indexes(db, &["residents", "households"], &[])
            .await
            .unwrap();
        assert!(n >= 4, "{}", t.name);
        let during = names(db.query(catalog, vec![]).await.unwrap());
        assert!(during.len() < before.len(), "{}: {during:?}", t.name);
        // A fresh handle (as after a crash) restores them too.
        let reopened = Db::connect(&t.url).await.unwrap();
        assert_eq!(wardline::db::restore_indexes(&reopened).await.unwrap(), n);
        let after = names(db.query(catalog, vec![]).await.unwrap());
        assert_eq!(before, after, "{}", t.name);
        // Referential integrity holds again.
        let mut tx = db.begin().await.unwrap();
        let e = tx
            .execute(
                "INSERT INTO residents (household_id, path, community_id, name, doc_type, doc_number, sex, relation, created_ms, updated_ms) \
                 VALUES (999999, '431102001001', 431102001001, 'x', 'other', 'X1', 0, 'head', 0, 0)",
                vec![],
            )
            .await;
        assert!(
            matches!(e, Err(wardline::db::DbError::ForeignKey(_))),
            "{}: {e:?}",
            t.name
        );
    }
}

/// The aged-60+ tally: kept by the demo load, and the daily recount gives the same figure as a
/// direct count from birth dates; the district total equals the sum over its streets.
#[tokio::test]
async fn aged60_tally_matches_birth_dates_after_recount() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 2000, 5).await;
        let (y, m, d) = wardline::registry::validate::today();
        let cutoff = format!("{:04}-{m:02}-{d:02}", y - 60);
        let direct = db
            .query_one(
                "SELECT COUNT(*) FROM residents WHERE birth_date <= $1",
                args![cutoff.as_str()],
            )
            .await
            .unwrap()
            .int(0);
        assert!(direct > 200, "{}: only {direct} aged 60+", t.name);
        let loaded = areas::subtree_counts(db, "431102").await.unwrap().aged60;
        assert_eq!(loaded, direct, "{}: tally kept by the load", t.name);
        // Spoil the tallies, as a year of birthdays would, then recount.
        db.begin()
            .await
            .unwrap()
            .execute("UPDATE area_counts SET aged60 = 0", vec![])
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.execute("UPDATE community_counts SET aged60 = 1", vec![])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(
            areas::subtree_counts(db, "431102").await.unwrap().aged60,
            direct
        );
        assert_eq!(areas::recount_aged60(db).await.unwrap(), direct);
        assert_eq!(
            areas::subtree_counts(db, "431102").await.unwrap().aged60,
            direct,
            "{}",
            t.name
        );
        let district = areas::by_code(db, "431102").await.unwrap().unwrap();
        let streets = areas::children(db, &district, None, 1000).await.unwrap();
        let sum: i64 = streets.iter().map(|c| c.counts.aged60).sum();
        assert_eq!(sum, direct, "{}", t.name);
    }
}
