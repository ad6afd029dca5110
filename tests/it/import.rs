//! CSV import: every problem reported with row and column, all or nothing.

use wardline::access::Scope;
use wardline::audit::Actor;
use wardline::db::Db;
use wardline::error::AppResult;
use wardline::i18n::Lang;
use wardline::registry::import::{import_file, template_header, ImportReport};
use wardline::registry::validate::check_char;

use crate::common::backends;

/// A CSV import by the command line's actor, without progress.
async fn import_csv(
    db: &Db,
    scope: &Scope,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<ImportReport> {
    import_file(
        db,
        &Actor::cli(),
        scope,
        "test.csv",
        bytes,
        dry_run,
        &|_| {},
    )
    .await
}

pub fn card(prefix17: &str) -> String {
    let mut s = prefix17.to_string();
    s.push(check_char(s.as_bytes()) as char);
    s
}

fn file(rows: &[String]) -> Vec<u8> {
    let mut s = format!("{}\n", template_header());
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

#[allow(clippy::too_many_arguments)]
fn row(
    area: &str,
    grid: &str,
    building: &str,
    hh: &str,
    name: &str,
    doc: &str,
    relation: &str,
    phone: &str,
) -> String {
    format!("{area},{grid},{building},{hh},东岳宫社区{building}101,自住,{name},,{doc},,,{phone},{relation},,,,")
}

async fn setup(db: &wardline::db::Db) {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
}

#[tokio::test]
async fn import_reports_every_bad_row_and_writes_nothing() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let good = card("43110219800101001");
        let rows = vec![
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H1",
                "张三",
                &good,
                "户主",
                "13812345678",
            ),
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H1",
                "李四",
                &card("43110219800101002"),
                "配偶",
                "138123",
            ),
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H1",
                "王五",
                "110105194912310021",
                "子女",
                "",
            ),
            row(
                "999999999999",
                "",
                "",
                "H2",
                "赵六",
                &card("43110219800101003"),
                "户主",
                "",
            ),
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H3",
                "钱七",
                &good,
                "户主",
                "",
            ),
            // Same household key as row 2, another building: its rows disagree.
            row(
                "431102001001",
                "第一网格",
                "9栋",
                "H1",
                "孙八",
                &card("43110219800101004"),
                "子女",
                "",
            ),
            // A household without a head.
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H4",
                "周九",
                &card("43110219800101005"),
                "配偶",
                "",
            ),
        ];
        let everywhere = Scope {
            roots: vec![String::new()],
        };
        let rep = import_csv(db, &everywhere, &file(&rows), false)
            .await
            .unwrap();
        assert!(!rep.committed);
        let found: Vec<(Option<usize>, &str)> =
            rep.errors.iter().map(|e| (e.row, e.field)).collect();
        assert!(found.contains(&(Some(3), "phone")), "{}: {found:?}", t.name);
        assert!(found.contains(&(Some(4), "doc_number")), "{found:?}");
        assert!(found.contains(&(Some(5), "area")), "{found:?}");
        assert!(
            found.contains(&(Some(6), "doc_number")),
            "duplicate within the file: {found:?}"
        );
        assert!(
            found.contains(&(Some(7), "household")),
            "inconsistent household: {found:?}"
        );
        assert!(
            found.contains(&(Some(8), "relation")),
            "headless household, with its row: {found:?}"
        );
        let zh = rep
            .errors
            .iter()
            .find(|e| e.row == Some(3))
            .unwrap()
            .render(Lang::Zh);
        assert!(zh.contains("第 3 行") && zh.contains("手机号码"), "{zh}");
        let en = rep
            .errors
            .iter()
            .find(|e| e.row == Some(3))
            .unwrap()
            .render(Lang::En);
        assert!(en.contains("row 3") && en.contains("mobile phone"), "{en}");
        let n = db
            .query_one("SELECT COUNT(*) FROM residents", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(n, 0, "{}: nothing written", t.name);
        let g = db
            .query_one("SELECT COUNT(*) FROM areas WHERE level = 6", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!(g, 0, "{}: no grid created either", t.name);
    }
}

#[tokio::test]
async fn a_clean_file_imports_whole_with_grids_and_buildings() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let rows = vec![
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H1",
                "张三",
                &card("43110219800101001"),
                "户主",
                "13812345678",
            ),
            row(
                "431102001001",
                "第一网格",
                "1栋",
                "H1",
                "李四",
                &card("43110219820101002"),
                "配偶",
                "",
            ),
            row(
                "431102001001",
                "第一网格",
                "2栋",
                "H2",
                "王五",
                &card("43110219500101003").to_lowercase(),
                "户主",
                "",
            ),
            row(
                "431102001009",
                "",
                "",
                "H3",
                "赵六",
                &card("43110219600101004"),
                "户主",
                "",
            ),
        ];
        let everywhere = Scope {
            roots: vec![String::new()],
        };
        let dry = import_csv(db, &everywhere, &file(&rows), true)
            .await
            .unwrap();
        assert!(dry.errors.is_empty(), "{:?}", dry.errors);
        assert_eq!(
            (dry.households, dry.residents, dry.committed),
            (3, 4, false)
        );
        assert_eq!(
            db.query_one("SELECT COUNT(*) FROM residents", vec![])
                .await
                .unwrap()
                .int(0),
            0,
            "dry run writes nothing"
        );
        let rep = import_csv(db, &everywhere, &file(&rows), false)
            .await
            .unwrap();
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        let grids = db
            .query_one("SELECT COUNT(*) FROM areas WHERE level = 6", vec![])
            .await
            .unwrap()
            .int(0);
        let buildings = db
            .query_one("SELECT COUNT(*) FROM areas WHERE level = 7", vec![])
            .await
            .unwrap()
            .int(0);
        assert_eq!((grids, buildings), (1, 2), "{}", t.name);
        let c = wardline::registry::areas::subtree_counts(db, "431102001")
            .await
            .unwrap();
        assert_eq!((c.households, c.residents), (3, 4), "{}", t.name);
        let head = db
            .query_one("SELECT r.name FROM households h JOIN residents r ON r.id = h.head_id WHERE h.address LIKE '%1栋%'", vec![])
            .await
            .unwrap();
        assert_eq!(head.text(0), "张三");
        // Importing the same file again: every row is now a duplicate, nothing changes.
        let again = import_csv(db, &everywhere, &file(&rows), false)
            .await
            .unwrap();
        assert_eq!(again.errors.len(), 4, "{:?}", again.errors);
        assert_eq!(
            db.query_one("SELECT COUNT(*) FROM residents", vec![])
                .await
                .unwrap()
                .int(0),
            4
        );
        // A scoped importer cannot write into another street.
        let other = Scope {
            roots: vec!["431102002".into()],
        };
        let rows = vec![row(
            "431102001001",
            "",
            "",
            "H9",
            "孙八",
            &card("43110219900101005"),
            "户主",
            "",
        )];
        let rep = import_csv(db, &other, &file(&rows), false).await.unwrap();
        assert_eq!(rep.errors[0].field, "area");
    }
}

#[tokio::test]
async fn english_headers_and_a_missing_column_are_handled() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let everywhere = Scope {
            roots: vec![String::new()],
        };
        let csv = format!(
            "area_code,household_key,address,name,doc_number,relation\n431102001001,A,Addr 1,Li Lei,{},head\n",
            card("43110219800101001")
        );
        let rep = import_csv(db, &everywhere, csv.as_bytes(), false)
            .await
            .unwrap();
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        let rep = import_csv(db, &everywhere, b"name,doc_number\nx,y\n", false)
            .await
            .unwrap();
        assert_eq!(rep.errors.len(), 1);
        assert!(
            rep.errors[0].message.zh.contains("区划代码"),
            "{:?}",
            rep.errors[0]
        );
    }
}

#[tokio::test]
async fn household_fields_may_be_given_once_per_household() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let everywhere = Scope {
            roots: vec![String::new()],
        };
        // The head's row says where and what; the members' rows leave it blank. Rows of one
        // household need not be adjacent.
        let csv = format!(
            "{}\n\
             431102001001,第二网格,3栋,K1,东岳宫社区3栋201,出租,甲,,{},,,,户主,,,,\n\
             431102001001,,,K2,东岳宫社区3栋202,,丙,,{},,,,户主,,,,\n\
             ,,,K1,,,乙,,{},,,,配偶,,,,\n",
            template_header(),
            card("43110219800101011"),
            card("43110219800101031"),
            card("43110219820101022"),
        );
        let rep = import_csv(db, &everywhere, csv.as_bytes(), false)
            .await
            .unwrap();
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        let r = db
            .query_one(
                "SELECT h.kind, COUNT(*) FROM households h JOIN residents r ON r.household_id = h.id \
                 WHERE h.address = '东岳宫社区3栋201' GROUP BY h.kind",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!((r.text(0), r.int(1)), ("rental", 2), "{}", t.name);
    }
}
