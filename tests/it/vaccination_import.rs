//! The import of the vaccination system's export, on both backends: UTF-8 and GBK CSV and
//! XLSX, matched by ID number; every bad row named with nothing written; unknown ID numbers
//! reported, never guessed; a re-import of the same file skipped; scope.

use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::i18n::Lang;
use wardline::vaccination::doses;
use wardline::vaccination::import::{self, ImportReport};
use wardline::vaccination::{self as vax, ymd};

use crate::common::backends;
use crate::testing::actor;
use crate::vaccination::{aged, fixture};

/// ID numbers and birth dates of C1's residents aged 60+.
async fn ids(db: &Db, today: i64) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    for (id, birth) in aged(db, 60, 200, today).await {
        let doc: String = db
            .scalar(
                "SELECT doc_number FROM residents WHERE id = $1 AND doc_type = 'id_card'",
                args![id],
            )
            .await
            .unwrap_or_default();
        if !doc.is_empty() {
            out.push((id, doc, birth));
        }
    }
    out
}

fn csv(rows: &[[&str; 7]]) -> String {
    let mut s = String::from("姓名,身份证号,疫苗,剂次,接种日期,接种单位,批号\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

async fn count(db: &Db) -> i64 {
    db.scalar::<i64>("SELECT COUNT(*) FROM vax_doses", vec![])
        .await
        .unwrap()
}

fn rows_and_fields(r: &ImportReport) -> Vec<(usize, &'static str)> {
    r.errors
        .iter()
        .map(|e| (e.row.unwrap_or(0), e.field))
        .collect()
}

#[tokio::test]
async fn utf8_csv_imports_whole_and_again_skips() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let p = ids(db, d).await;
        assert!(p.len() >= 3, "{}", t.name);
        let (d1, d2, d3) = (ymd(d - 120), ymd(d - 90), ymd(d - 30));
        let lower_x = p[2].1.to_lowercase();
        let body = csv(&[
            [
                "张三",
                &p[0].1,
                "灭活疫苗（国药/科兴）",
                "1",
                &d1,
                "一社区卫生服务站",
                "202201A",
            ],
            [
                "张三",
                &p[0].1,
                "inactivated",
                "2",
                &d2,
                "一社区卫生服务站",
                "202203B",
            ],
            ["李四", &p[1].1, "adenovirus", "1", &d3, "区人民医院", ""],
            [
                "王五",
                &lower_x,
                "recombinant",
                "第1剂",
                &d1.replace('-', "/"),
                "",
                "",
            ],
        ]);
        let r = import::import_file(
            db,
            &actor(&fx.c1),
            &fx.c1,
            "export.csv",
            body.as_bytes(),
            false,
            d,
        )
        .await
        .unwrap();
        assert!(r.errors.is_empty(), "{}: {:?}", t.name, r.errors);
        assert!(r.committed);
        assert_eq!(
            (r.format, r.encoding, r.rows, r.doses, r.residents),
            ("csv", "utf-8", 4, 4, 3)
        );
        // Dose 2 on the day 90 days ago: the booster is due today.
        assert_eq!(
            doses::status(db, &fx.c1, p[0].0, d).await.unwrap().status,
            "booster_due"
        );
        assert_eq!(
            doses::status(db, &fx.c1, p[1].0, d).await.unwrap().status,
            "full"
        );
        assert_eq!(
            doses::status(db, &fx.c1, p[2].0, d).await.unwrap().status,
            "partial"
        );
        let ds = doses::doses(db, p[0].0).await.unwrap();
        assert_eq!(
            (ds[1].batch.as_str(), ds[1].source.as_str()),
            ("202203B", "import")
        );
        let (kept, counted) = doses::tallies_and_recount(db).await.unwrap();
        assert_eq!(kept, counted);
        // The same export again: every row already recorded, nothing new.
        let again = import::import_file(
            db,
            &actor(&fx.c1),
            &fx.c1,
            "export.csv",
            body.as_bytes(),
            false,
            d,
        )
        .await
        .unwrap();
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        assert_eq!((again.doses, again.skipped), (0, 4));
        assert_eq!(count(db).await, 4);
        // Audited once per import.
        let n = db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'vax_import'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
    }
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let p = ids(db, d).await;
        let born = vax::day_number(&p[3].2).unwrap();
        // A valid ID number nobody in the registry has.
        let stranger = crate::access::id_number("19400101", 999);
        let mut bad_check = p[1].1.clone();
        let last = bad_check.pop().unwrap();
        bad_check.push(if last == '1' { '2' } else { '1' });
        let body = csv(&[
            ["", &p[0].1, "inactivated", "1", &ymd(d - 100), "", ""], // row 2: fine
            ["", &stranger, "inactivated", "1", &ymd(d - 100), "", ""], // 3: unknown ID
            ["", &bad_check, "inactivated", "1", &ymd(d - 100), "", ""], // 4: check digit
            ["", &p[2].1, "inactivated", "2", &ymd(d - 100), "", ""], // 5: skips dose 1
            ["", &p[3].1, "inactivated", "1", &ymd(born - 3), "", ""], // 6: before birth
            ["", &p[4].1, "inactivated", "1", &ymd(d + 2), "", ""],   // 7: future
            ["", &p[5].1, "sputnik", "1", &ymd(d - 10), "", ""],      // 8: unknown product
            ["", &p[0].1, "inactivated", "2", &ymd(d - 95), "", ""],  // 9: too soon after row 2
        ]);
        let r = import::import_file(
            db,
            &actor(&fx.c1),
            &fx.c1,
            "bad.csv",
            body.as_bytes(),
            false,
            d,
        )
        .await
        .unwrap();
        assert!(!r.committed, "{}", t.name);
        assert_eq!(
            rows_and_fields(&r),
            vec![
                (3, "id_number"),
                (4, "id_number"),
                (5, "dose_no"),
                (6, "given_on"),
                (7, "given_on"),
                (8, "product"),
                (9, "given_on")
            ]
        );
        assert!(r.errors[0].render(Lang::Zh).starts_with("第 3 行"));
        assert!(r.errors[0].render(Lang::Zh).contains("不按姓名匹配"));
        assert!(
            !r.errors[0].render(Lang::En).contains(&stranger),
            "ID numbers are masked in the report"
        );
        assert_eq!(count(db).await, 0, "nothing half-written");
        // A header without the needed columns.
        let r = import::import_file(
            db,
            &actor(&fx.c1),
            &fx.c1,
            "x.csv",
            "姓名,电话\n张三,1\n".as_bytes(),
            false,
            d,
        )
        .await
        .unwrap();
        assert_eq!(rows_and_fields(&r), vec![(1, "file")]);
        // Outside the scope the residents are unknown; a grid worker may not import.
        let ok = csv(&[["", &p[0].1, "inactivated", "1", &ymd(d - 100), "", ""]]);
        let r = import::import_file(db, &actor(&fx.c2), &fx.c2, "x.csv", ok.as_bytes(), false, d)
            .await
            .unwrap();
        assert_eq!(rows_and_fields(&r), vec![(2, "id_number")]);
        let r = import::import_file(
            db,
            &actor(&fx.grid),
            &fx.grid,
            "x.csv",
            ok.as_bytes(),
            false,
            d,
        )
        .await;
        assert!(matches!(r, Err(AppError::Forbidden(_))));
        // A dry run checks and writes nothing.
        let r = import::import_file(db, &actor(&fx.c1), &fx.c1, "x.csv", ok.as_bytes(), true, d)
            .await
            .unwrap();
        assert_eq!((r.doses, r.committed), (1, false));
        assert_eq!(count(db).await, 0);
    }
}

#[tokio::test]
async fn gbk_csv_and_xlsx() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let p = ids(db, d).await;
        let body = csv(&[
            [
                "赵六",
                &p[0].1,
                "灭活疫苗（国药/科兴）",
                "1",
                &ymd(d - 60),
                "一社区卫生服务站",
                "",
            ],
            [
                "钱七",
                &p[1].1,
                "腺病毒载体疫苗（康希诺，注射）",
                "1",
                &ymd(d - 60),
                "",
                "",
            ],
        ]);
        let (gbk, _, bad) = encoding_rs::GBK.encode(&body);
        assert!(!bad);
        let r = import::import_file(db, &actor(&fx.c1), &fx.c1, "gbk.csv", &gbk, false, d)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{}: {:?}", t.name, r.errors);
        assert_eq!((r.encoding, r.doses), ("gbk", 2));
        assert_eq!(
            doses::doses(db, p[0].0).await.unwrap()[0].site,
            "一社区卫生服务站"
        );
        // A workbook (the first sheet; ID numbers as text).
        let mut w = wardline::registry::xlsx::XlsxWriter::new(Vec::new(), "接种记录", 5).unwrap();
        w.row(&["身份证号", "疫苗", "剂次", "接种日期", "接种单位"])
            .unwrap();
        w.row(&[
            p[0].1.as_str(),
            "inactivated",
            "2",
            &ymd(d - 30),
            "区人民医院",
        ])
        .unwrap();
        w.row(&[p[2].1.as_str(), "adenovirus", "1", &ymd(d - 30), ""])
            .unwrap();
        let xlsx = w.finish().unwrap();
        let r = import::import_file(db, &actor(&fx.c1), &fx.c1, "export.xlsx", &xlsx, false, d)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!((r.format, r.doses), ("spreadsheet", 2));
        assert_eq!(
            doses::status(db, &fx.c1, p[0].0, d).await.unwrap().status,
            "full"
        );
        assert_eq!(count(db).await, 4);
        let (kept, counted) = doses::tallies_and_recount(db).await.unwrap();
        assert_eq!(kept, counted);
    }
}

#[tokio::test]
async fn the_import_page_spools_the_upload_and_reports() {
    let t = backends().await.remove(0);
    let db = &t.db;
    let fx = fixture(db).await;
    let d = fx.today;
    let p = ids(db, d).await;
    let a = wardline::access::NewAccount {
        username: "vimp",
        display_name: "导入员",
        role: "community",
        scope_codes: &[crate::mobilization::C1.to_string()],
        password: Some(wardline::cli::DEMO_PASSWORD),
    };
    wardline::access::create_account_as(db, &wardline::audit::Actor::cli(), &a)
        .await
        .unwrap();
    let addr = crate::common::serve(db).await;
    let who = crate::common::login(addr, "vimp", wardline::cli::DEMO_PASSWORD).await;
    let page = crate::common::get_page(addr, "/vaccination/import", &who.cookie).await;
    assert_eq!(page.status, 200);
    let body = csv(&[["", &p[0].1, "adenovirus", "1", &ymd(d - 5), "", ""]]);
    let (ctype, mp) = crate::common::multipart(&[("csrf", &who.csrf), ("file", &body)]);
    let r = crate::common::request(
        addr,
        "POST",
        "/vaccination/import",
        &[("Cookie", &who.cookie), ("Content-Type", &ctype)],
        Some(&mp),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已导入接种记录"), "{}", r.body);
    assert_eq!(count(db).await, 1);
    // A bad row: named on the page, nothing written.
    let bad = csv(&[["", &p[1].1, "sputnik", "1", &ymd(d - 5), "", ""]]);
    let (ctype, mp) = crate::common::multipart(&[("csrf", &who.csrf), ("file", &bad)]);
    let r = crate::common::request(
        addr,
        "POST",
        "/vaccination/import",
        &[("Cookie", &who.cookie), ("Content-Type", &ctype)],
        Some(&mp),
    )
    .await;
    assert!(r.body.contains("第 2 行"), "{}", r.body);
    assert_eq!(count(db).await, 1);
    // No spooled upload is left behind (in this process's own spool folder: other processes'
    // leftovers in the shared temporary directory are not this test's business).
    let dir = wardline::vaccination::pages::spool_dir();
    let left = std::fs::read_dir(&dir).map_or(0, |d| d.count());
    assert_eq!(left, 0, "spooled uploads left in {}", dir.display());
    assert!(!dir.exists(), "the spool folder goes with its last upload");
}
