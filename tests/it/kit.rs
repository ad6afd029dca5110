//! Issue 13: the page kit. Typed rows on both backends (read by column name, errors instead of
//! panics), and a posted form through the kit over HTTP (CSRF refused with 403, a body that
//! does not fit the form with 400, field errors shown again with 422 and the values kept).

use wardline::args;
use wardline::db::{DbError, FromRow, Row};
use wardline::from_row;

use crate::common::{backends, demo, get_page, hidden_input, login, post_form, serve};

#[derive(Debug, PartialEq)]
struct Area {
    code: String,
    level: i64,
    parent: Option<i64>,
}
from_row!(Area {
    code,
    level,
    parent
});

#[tokio::test]
async fn rows_map_by_column_name_and_bad_results_are_errors_not_panics() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 200, 5).await;
        // The same struct from two orders of the same columns.
        let a: Vec<Area> = db
            .query_as(
                "SELECT code, level, parent_id AS parent FROM areas ORDER BY code LIMIT 3",
                args![],
            )
            .await
            .unwrap();
        let b: Vec<Area> = db
            .query_as(
                "SELECT parent_id AS parent, code, level FROM areas ORDER BY code LIMIT 3",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(a.len(), 3, "{}", t.name);
        assert_eq!(a, b, "{}", t.name);
        assert!(a[0].parent.is_none() && a[1].parent.is_some(), "{}", t.name);

        // Scalars: an aliased count, a sum (numeric on PostgreSQL), an absent row.
        let n: i64 = db
            .scalar("SELECT count(*) AS n FROM areas", args![])
            .await
            .unwrap();
        let sum: i64 = db
            .scalar("SELECT COALESCE(SUM(level), 0) AS s FROM areas", args![])
            .await
            .unwrap();
        assert!(n > 3 && sum >= n, "{}: {n} {sum}", t.name);
        let none: Option<String> = db
            .scalar_opt("SELECT code FROM areas WHERE code = $1", args!["nope"])
            .await
            .unwrap();
        assert_eq!(none, None);
        let codes: Vec<String> = db
            .column("SELECT code FROM areas ORDER BY code LIMIT 2", args![])
            .await
            .unwrap();
        assert_eq!(codes, [a[0].code.clone(), a[1].code.clone()]);

        // An unexpected NULL, a wrong type, a missing column: a decode error naming it.
        let err = |r: Result<Vec<Area>, DbError>| match r {
            Err(DbError::Decode(m)) => m,
            other => panic!("{}: expected a decode error, got {other:?}", t.name),
        };
        let m = err(db
            .query_as(
                "SELECT code, CAST(NULL AS BIGINT) AS level, parent_id AS parent FROM areas",
                args![],
            )
            .await);
        assert!(
            m.contains("\"level\"") && m.contains("NULL"),
            "{}: {m}",
            t.name
        );
        let m = err(db
            .query_as(
                "SELECT code, name AS level, parent_id AS parent FROM areas",
                args![],
            )
            .await);
        assert!(m.contains("\"level\""), "{}: {m}", t.name);
        let m = err(db.query_as("SELECT code, level FROM areas", args![]).await);
        assert!(m.contains("\"parent\""), "{}: {m}", t.name);
        // Two columns under one name cannot be told apart: refused, not guessed.
        let r: Row = db
            .query_one("SELECT code, code, level FROM areas LIMIT 1", args![])
            .await
            .unwrap();
        assert!(matches!(r.get::<String>("code"), Err(DbError::Decode(_))));
        assert!(Area::from_row(&r).is_err());
    }
}

#[tokio::test]
async fn a_posted_form_is_checked_decoded_and_shown_again_with_its_errors() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 300, 7).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let b = login(addr, "demo-hq", wardline::cli::DEMO_PASSWORD).await;
        let page = get_page(addr, "/testing", &b.cookie).await;
        assert_eq!(page.status, 200, "{}", t.name);
        let csrf = hidden_input(&page.body, "csrf").expect("a csrf field on the rounds page");
        assert_eq!(csrf, b.csrf);

        // A wrong token: 403, nothing created.
        let before: i64 = db
            .scalar("SELECT count(*) AS n FROM test_rounds", args![])
            .await
            .unwrap();
        let r = post_form(
            addr,
            "/testing",
            &b.cookie,
            &[("csrf", "forged"), ("name", "R1")],
        )
        .await;
        assert_eq!(r.status, 403, "{}: {}", t.name, r.body);

        // A body that does not fit the form (one name sent twice for a single field): 400.
        let r = post_form(
            addr,
            "/testing",
            &b.cookie,
            &[("csrf", &csrf), ("name", "R1"), ("name", "R2")],
        )
        .await;
        assert_eq!(r.status, 400, "{}: {}", t.name, r.body);

        // Field errors: 422, every error shown, the typed name kept.
        let r = post_form(
            addr,
            "/testing",
            &b.cookie,
            &[
                ("csrf", &csrf),
                ("area", "431102"),
                ("name", "第一轮 <b>"),
                ("starts", "not a time"),
                ("ends", ""),
                ("pool_size", "10"),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{}: {}", t.name, r.body);
        assert!(
            r.body.contains("第一轮 &lt;b&gt;"),
            "{}: the value was not kept",
            t.name
        );
        assert!(r.body.contains("class=\"errors\""), "{}", t.name);
        let after: i64 = db
            .scalar("SELECT count(*) AS n FROM test_rounds", args![])
            .await
            .unwrap();
        assert_eq!(before, after, "{}", t.name);
    }
}

#[tokio::test]
async fn sums_and_big_numbers_arrive_as_integers_on_both_backends() {
    for t in backends().await {
        let db = &t.db;
        for (sql, want) in [
            (
                "SELECT SUM(x) AS s FROM (SELECT 9007199254740993 AS x UNION ALL SELECT 7) q",
                9007199254741000_i64,
            ),
            (
                "SELECT SUM(x) AS s FROM (SELECT -20000 AS x UNION ALL SELECT -1) q",
                -20001,
            ),
            ("SELECT SUM(x) AS s FROM (SELECT 0 AS x) q", 0),
        ] {
            let got: i64 = db.scalar(sql, args![]).await.unwrap();
            assert_eq!(got, want, "{}: {sql}", t.name);
        }
        // A sum too large for 64 bits is an error, not a wrapped number.
        let r = db
            .scalar::<i64>(
                "SELECT SUM(x) AS s FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 9223372036854775807) q",
                args![],
            )
            .await;
        assert!(r.is_err(), "{}: {r:?}", t.name);
    }
}
