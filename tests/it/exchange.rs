//! Import from spreadsheets and other encodings, templates, and the masked export.

use std::io::Read;

use wardline::access::{Reader, Scope};
use wardline::audit::Actor;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::registry::export::{export_residents_to_vec, ExportFormat};
use wardline::registry::import::{
    import_file, template_csv, template_header, template_xlsx, ImportPhase, ImportReport,
};
use wardline::registry::xlsx::XlsxWriter;

use crate::common::backends;
use crate::import::card;

/// Made by LibreOffice from residents-libreoffice.csv, with the ID and phone columns as Text
/// and the birth date column as dates:
/// `libreoffice --headless --infilter="CSV:44,34,76,1,9/2/11/5/12/2" --convert-to xlsx …`
const LIBREOFFICE_XLSX: &[u8] = include_bytes!("../data/residents-libreoffice.xlsx");
/// The same file converted with every column Standard: the 18-digit ID numbers became numbers.
const NUMERIC_IDS_XLSX: &[u8] = include_bytes!("../data/residents-numeric-ids.xlsx");

const IDS: [&str; 4] = [
    "431102198001010012",
    "431102198203040025",
    "431102197506150032",
    "43110219800101016X",
];

fn everywhere() -> Scope {
    Scope {
        roots: vec![String::new()],
    }
}

async fn setup(db: &Db) {
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
}

async fn import(db: &Db, name: &str, bytes: &[u8], dry_run: bool) -> ImportReport {
    import_file(
        db,
        &Actor::cli(),
        &everywhere(),
        name,
        bytes,
        dry_run,
        &|_| {},
    )
    .await
    .unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

fn reader(role: &str, roots: &[&str]) -> Reader {
    Reader {
        account_id: 1,
        username: "tester".into(),
        display_name: "tester".into(),
        role: role.into(),
        scope: Scope {
            roots: roots.iter().map(|r| r.to_string()).collect(),
        },
    }
}

/// The cells of the first worksheet, as text.
fn sheet_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn an_xlsx_made_by_libreoffice_imports_exactly() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        // calamine reads the fixture: text IDs stay text, the date is a date cell.
        let cells = sheet_cells(LIBREOFFICE_XLSX);
        assert_eq!(cells[0][0], "区划代码");
        assert_eq!(cells[4][8], IDS[3]);
        let rep = import(db, "居民.xlsx", LIBREOFFICE_XLSX, false).await;
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        assert_eq!(rep.format, "spreadsheet");
        assert_eq!((rep.rows, rep.households, rep.residents), (4, 2, 4));
        for id in IDS {
            let n = db
                .query_one(
                    "SELECT COUNT(*) FROM residents WHERE doc_number = $1",
                    wardline::args![id],
                )
                .await
                .unwrap()
                .int(0);
            assert_eq!(n, 1, "{}: {id} stored exactly", t.name);
        }
        let r = db
            .query_one(
                "SELECT birth_date, phone, sex FROM residents WHERE name = '张三'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            (r.text(0), r.text(1), r.int(2)),
            ("1980-01-01", "13812345678", 1)
        );
        let r = db
            .query_one(
                "SELECT party, party_categories FROM residents WHERE name = '王五'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!((r.int(0), r.int(1)), (1, 2), "{}", t.name);
        let c = wardline::registry::areas::subtree_counts(db, "431102001001")
            .await
            .unwrap();
        assert_eq!(
            (c.households, c.residents, c.vulnerable, c.party_members),
            (2, 4, 1, 1)
        );
        // One audit entry, in the same transaction, with the counts.
        let a = db
            .query_one(
                "SELECT entity, entity_id, area_path, detail FROM audit_log WHERE action = 'import'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!((a.text(0), a.text(1)), ("file", "居民.xlsx"));
        assert_eq!(a.text(2), "431102001001/G0001", "{}", t.name);
        let detail: serde_json::Value = serde_json::from_str(a.text(3)).unwrap();
        assert_eq!(detail["residents"], 4);
        assert_eq!(detail["households"], 2);
        assert!(wardline::audit::verify(db).await.is_ok());
    }
}

#[tokio::test]
async fn id_numbers_stored_as_spreadsheet_numbers_are_refused_with_advice() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let rep = import(db, "numbers.xlsx", NUMERIC_IDS_XLSX, false).await;
        assert!(!rep.committed);
        let rows: Vec<(Option<usize>, &str)> =
            rep.errors.iter().map(|e| (e.row, e.field)).collect();
        // Rows 2–4 held 18-digit numbers; row 5's ID ends in X and stayed text. The numeric
        // phone number (11 digits) is exact and fine.
        for row in 2..=4 {
            assert!(rows.contains(&(Some(row), "doc_number")), "{rows:?}");
        }
        assert!(!rows.iter().any(|(_, f)| *f == "phone"), "{rows:?}");
        let e = &rep.errors[0];
        assert!(e.message.en.contains("format the column as Text"), "{e:?}");
        assert!(e.message.zh.contains("文本"), "{e:?}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, 0);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'import'").await,
            0
        );
    }
}

fn gbk_file() -> Vec<u8> {
    let text = format!(
        "{}\r\n431102001001,第三网格,5栋,G1,东岳宫社区5栋301,自住,欧阳娜娜,,{},,,,户主,独居老人,,,\r\n",
        template_header(),
        card("43110219500101002")
    );
    let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    bytes.into_owned()
}

#[tokio::test]
async fn gbk_csv_is_detected_and_said_so() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let rep = import(db, "gbk.csv", &gbk_file(), false).await;
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        assert_eq!(rep.encoding, "gbk");
        assert!(rep
            .notes
            .iter()
            .any(|n| n.zh.contains("GBK") && n.en.contains("GBK")));
        let r = db
            .query_one("SELECT r.name, a.name FROM residents r JOIN households h ON h.id = r.household_id JOIN areas a ON a.id = h.area_id", vec![])
            .await
            .unwrap();
        assert_eq!((r.text(0), r.text(1)), ("欧阳娜娜", "5栋"));
        // UTF-8 with a BOM and English headers.
        let csv = format!(
            "\u{FEFF}area_code,household_key,address,name,doc_number,relation,sex\n431102001001,B,Addr 2,Han Meimei,{},head,F\n",
            card("43110219900101002")
        );
        let rep = import(db, "bom.csv", csv.as_bytes(), false).await;
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        assert_eq!(rep.encoding, "utf-8");
        assert!(rep.notes.is_empty());
    }
}

#[tokio::test]
async fn unreadable_empty_and_header_only_files_get_clear_errors() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            (
                "latin1.csv",
                b"\x80\x81,\xff\xfe\n".to_vec(),
                "CSV UTF-8",
                "CSV UTF-8",
            ),
            ("empty.csv", Vec::new(), "empty", "空"),
            ("blank.csv", b"\n , ,\n".to_vec(), "empty", "空"),
            (
                "header.csv",
                format!("{}\n", template_header()).into_bytes(),
                "no data rows",
                "没有数据行",
            ),
            (
                "header.xlsx",
                header_only_xlsx(),
                "no data rows",
                "没有数据行",
            ),
            (
                "fake.xlsx",
                b"\xff\x00\x81garbage".to_vec(),
                "named like a spreadsheet",
                "表格",
            ),
        ];
        for (name, bytes, en, zh) in cases {
            let rep = import(db, name, &bytes, false).await;
            assert!(!rep.committed);
            assert_eq!(rep.errors.len(), 1, "{name}: {:?}", rep.errors);
            let e = &rep.errors[0];
            assert_eq!(e.field, "file", "{name}");
            assert!(e.row.is_some(), "{name}");
            assert!(e.message.en.contains(en), "{name}: {}", e.message.en);
            assert!(e.message.zh.contains(zh), "{name}: {}", e.message.zh);
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, 0);
    }
}

fn header_only_xlsx() -> Vec<u8> {
    let mut w = XlsxWriter::new(Vec::new(), "s", 17).unwrap();
    let header: Vec<&str> = wardline::registry::import::COLUMNS
        .iter()
        .map(|c| c.1)
        .collect();
    w.row(&header).unwrap();
    w.finish().unwrap()
}

#[tokio::test]
async fn both_templates_round_trip_through_the_importer() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let x = template_xlsx();
        assert!(x.starts_with(b"PK\x03\x04"));
        let rep = import(db, "template.xlsx", &x, false).await;
        assert!(rep.committed, "{}: {:?}", t.name, rep.errors);
        assert_eq!((rep.households, rep.residents), (1, 1));
        let r = db
            .query_one(
                "SELECT name, doc_number, phone, birth_date FROM residents",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            (r.text(0), r.text(1), r.text(2), r.text(3)),
            ("张三", "431102198001010012", "13812345678", "1980-01-01")
        );
        // The CSV template reads the same way: its one row is now a registered document.
        let c = template_csv();
        assert!(c.starts_with(b"\xEF\xBB\xBF"));
        let rep = import(db, "template.csv", &c, false).await;
        assert_eq!(rep.rows, 1);
        assert_eq!(rep.errors.len(), 1, "{:?}", rep.errors);
        assert_eq!(
            (rep.errors[0].row, rep.errors[0].field),
            (Some(2), "doc_number")
        );
        assert!(rep.errors[0].message.en.contains("already registered"));
    }
}

#[tokio::test]
async fn progress_is_reported_through_every_phase() {
    let t = &backends().await[0];
    let db = &t.db;
    setup(db).await;
    let n = 25_000;
    let mut csv = format!("{}\n", template_header());
    for i in 0..n {
        // One household per row; unique IDs from the day and sequence.
        let day = i % 20_000;
        let (y, m, d) = wardline::registry::validate::civil_from_days(-5000 + day as i64);
        let id = card(&format!("431102{y:04}{m:02}{d:02}{:03}", 1 + i / 20_000));
        csv.push_str(&format!(
            "431102001009,,,P{i},地址{i},,居民{i},,{id},,,,户主,,,,\n"
        ));
    }
    let seen = std::sync::Mutex::new(Vec::new());
    let rep = import_file(
        db,
        &Actor::cli(),
        &everywhere(),
        "big.csv",
        csv.as_bytes(),
        false,
        &|p| seen.lock().unwrap().push(p),
    )
    .await
    .unwrap();
    assert!(
        rep.committed,
        "{:?}",
        &rep.errors[..rep.errors.len().min(3)]
    );
    let seen = seen.into_inner().unwrap();
    for phase in [ImportPhase::Read, ImportPhase::Check, ImportPhase::Write] {
        let p: Vec<_> = seen.iter().filter(|p| p.phase == phase).collect();
        assert!(p.len() >= 2, "{phase:?}: {p:?}");
        assert!(p.iter().any(|p| p.done == 10_000), "{phase:?}: {p:?}");
        assert_eq!(p.last().unwrap().done, n, "{phase:?}");
        assert_eq!(p.last().unwrap().total, n, "{phase:?}");
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, n as i64);
    let c = wardline::registry::areas::subtree_counts(db, "431102")
        .await
        .unwrap();
    assert_eq!((c.households, c.residents), (n as i64, n as i64));
}

fn unzip_sheet(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[tokio::test]
async fn export_masks_identifiers_and_keeps_to_the_readers_scope() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let rep = import(db, "居民.xlsx", LIBREOFFICE_XLSX, false).await;
        assert!(rep.committed, "{:?}", rep.errors);
        let actor = Actor::cli();
        let exports = "SELECT COUNT(*) FROM audit_log WHERE action = 'export'";
        // Outside the scope, above it, or a role that may not read the registry: not found,
        // and nothing recorded.
        for (who, code) in [
            (reader("community", &["431102002"]), "431102001001"),
            (reader("community", &["431102001001"]), "431102001"),
            (reader("volunteer", &["431102"]), "431102001001"),
        ] {
            let r = export_residents_to_vec(db, &who, &actor, code, ExportFormat::Csv).await;
            assert!(matches!(r, Err(AppError::NotFound)), "{}: {code}", t.name);
        }
        assert_eq!(count(db, exports).await, 0, "{}", t.name);

        let street = reader("street", &["431102001"]);
        let (csv, s) = export_residents_to_vec(db, &street, &actor, "431102001", ExportFormat::Csv)
            .await
            .unwrap();
        assert_eq!(s.rows, 4);
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        for id in IDS {
            assert!(!text.contains(id), "{}: full ID {id} in the export", t.name);
            assert!(!text.contains(&id[6..14]), "birth date of {id} leaked");
        }
        assert!(!text.contains("13812345678"));
        assert!(!text.contains("1980-01-01"));
        assert!(text.contains("431102********0012"), "{text}");
        assert!(text.contains("138****5678"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("区划代码,网格,楼栋,户编号"));
        assert!(lines[0].ends_with(",年龄"));
        // Heads first within a household; the template's columns with masked values.
        assert!(
            lines[1].starts_with("431102001001,第一网格,1栋,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(",张三,居民身份证,431102********0012,男,,138****5678,户主,"));

        let (x, s) =
            export_residents_to_vec(db, &street, &actor, "431102001001", ExportFormat::Xlsx)
                .await
                .unwrap();
        assert_eq!(s.rows, 4);
        let sheet = unzip_sheet(&x);
        for id in IDS {
            assert!(!sheet.contains(id), "{}: full ID {id} in the XLSX", t.name);
        }
        assert!(!sheet.contains("13812345678"));
        // The XLSX says what the CSV says (read back through calamine).
        let cells = sheet_cells(&x);
        let from_csv: Vec<Vec<String>> = csv::Reader::from_reader(&csv[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(cells.len(), 5);
        assert_eq!(&cells[1..], &from_csv[..]);

        let audit = db
            .query(
                "SELECT entity, entity_id, area_path, detail FROM audit_log WHERE action = 'export' ORDER BY seq",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!(
            (audit[0].text(0), audit[0].text(2)),
            ("residents", "431102001")
        );
        let d: serde_json::Value = serde_json::from_str(audit[1].text(3)).unwrap();
        assert_eq!(
            (d["format"].as_str(), d["rows"].as_i64()),
            (Some("xlsx"), Some(4))
        );
        assert_eq!(d["masked"], true);
    }
}

#[tokio::test]
async fn an_exported_xlsx_reads_back_through_the_importer() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        assert!(
            import(db, "in.xlsx", LIBREOFFICE_XLSX, false)
                .await
                .committed
        );
        let admin = reader("admin", &[""]);
        let (x, _) =
            export_residents_to_vec(db, &admin, &Actor::cli(), "431102", ExportFormat::Xlsx)
                .await
                .unwrap();
        // Every column is recognised and every row read; the only complaints are about the
        // masked identifiers, which cannot be imported as such.
        let rep = import(db, "out.xlsx", &x, true).await;
        assert_eq!(rep.format, "spreadsheet");
        assert_eq!(rep.rows, 4, "{}: {:?}", t.name, rep.errors);
        assert!(!rep.errors.is_empty());
        for e in &rep.errors {
            assert!(
                matches!(e.field, "doc_number" | "phone"),
                "{}: {e:?}",
                t.name
            );
        }
        assert!(rep
            .errors
            .iter()
            .any(|e| e.row == Some(5) && e.field == "doc_number"));
    }
}

/// A multipart/form-data body with the CSRF field, the dry-run box (when ticked) and a file.
fn multipart(csrf: &str, dry_run: bool, name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let b = "----wardline-test-boundary";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    field("csrf", csrf);
    if dry_run {
        field("dry_run", "1");
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// Upload through the import page and wait for the job's report page.
async fn upload(
    addr: std::net::SocketAddr,
    who: &crate::common::Browser,
    dry_run: bool,
    file: &[u8],
) -> String {
    let (ctype, body) = multipart(&who.csrf, dry_run, "residents.csv", file);
    let r = crate::common::request(
        addr,
        "POST",
        "/import",
        &[("Cookie", &who.cookie), ("Content-Type", &ctype)],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.header("location").expect("job page").to_owned();
    assert!(job.starts_with("/import/jobs/"), "{job}");
    for _ in 0..200 {
        let p = crate::common::get_page(addr, &job, &who.cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        if !p.body.contains("import-running") {
            return p.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import at {job} did not finish");
}

/// The import page end to end: a file with a bad row is reported by row and column and writes
/// nothing; a dry run of a good file writes nothing; the real run writes it; a volunteer may
/// not import; the export page answers a masked CSV.
#[tokio::test]
async fn import_and_export_through_the_web_pages() {
    use crate::common::{demo, get_page, login, serve};
    for t in backends().await {
        let db = &t.db;
        demo(db, 1000, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let officer = login(addr, "demo-community", wardline::cli::DEMO_PASSWORD).await;
        let page = get_page(addr, "/import", &officer.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"import-form\""), "{}", page.body);
        let before = count(db, "SELECT COUNT(*) FROM residents").await;
        let good = format!(
            "area_code,household_key,address,name,doc_number,relation\n\
             431102001001,W1,网页导入路1号,网页甲,{},head\n\
             431102001001,W1,,网页乙,{},spouse\n",
            card("43110219800101007"),
            card("43110219820202008")
        );
        let bad = good.replace(&card("43110219820202008"), "431102198202020089");
        let report = upload(addr, &officer, false, bad.as_bytes()).await;
        assert!(report.contains("id=\"import-errors\""), "{report}");
        assert!(
            report.contains("<td class=\"n\" data-label=\"行\">3</td>"),
            "row 3 named: {report}"
        );
        assert!(
            report.contains("证件号码"),
            "column named in Chinese: {report}"
        );
        assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, before);
        let report = upload(addr, &officer, true, good.as_bytes()).await;
        assert!(report.contains("检查通过"), "{report}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, before);
        let report = upload(addr, &officer, false, good.as_bytes()).await;
        assert!(report.contains("导入完成"), "{report}");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM residents").await,
            before + 2
        );
        let volunteer = login(addr, "demo-volunteer", wardline::cli::DEMO_PASSWORD).await;
        assert_eq!(
            get_page(addr, "/import", &volunteer.cookie).await.status,
            403
        );
        let csv = get_page(
            addr,
            "/export?area=431102001001&format=csv",
            &officer.cookie,
        )
        .await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert!(csv.body.contains("网页甲"), "the new resident is exported");
        assert!(!csv.body.contains(&card("43110219800101007")), "masked");
        // Outside the scope: not found, and no export entry.
        let r = get_page(
            addr,
            "/export?area=431102001002&format=csv",
            &officer.cookie,
        )
        .await;
        assert_eq!(r.status, 404, "{}: {}", t.name, r.body);
    }
}

/// Finding 3, concurrency: at most N imports run at once on a node (here 1); an upload beyond
/// them is told to wait (503, Retry-After, in the page's language) without being read, and
/// goes through once the slot is free again.
#[tokio::test]
async fn imports_beyond_the_limit_are_told_to_wait() {
    use crate::common::{demo, login, request};
    use wardline::registry::jobs::Jobs;
    for t in backends().await {
        let db = &t.db;
        demo(db, 200, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let jobs = std::sync::Arc::new(Jobs::new(1));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = wardline::server::app_with(db.clone(), jobs.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let officer = login(addr, "demo-community", wardline::cli::DEMO_PASSWORD).await;
        let good = format!(
            "area_code,household_key,address,name,doc_number,relation\n\
             431102001001,Q1,排队路1号,排队甲,{},head\n",
            card("43110219800101007")
        );
        // One import running: it holds the only slot.
        let running = jobs.try_slot().expect("a free slot");
        assert!(jobs.try_slot().is_none());
        let (ctype, body) = multipart(&officer.csrf, true, "residents.csv", good.as_bytes());
        let r = request(
            addr,
            "POST",
            "/import",
            &[("Cookie", &officer.cookie), ("Content-Type", &ctype)],
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 503, "{}: {}", t.name, r.body);
        assert_eq!(r.header("retry-after"), Some("60"));
        assert!(r.body.contains("已有 1 个导入正在进行"), "{}", r.body);
        drop(running);
        let report = upload(addr, &officer, true, good.as_bytes()).await;
        assert!(report.contains("检查通过"), "{}: {report}", t.name);
        // The slot came back when that import ended.
        assert!(jobs.try_slot().is_some());
    }
}

/// Issue 21, item 7: a CSV in which Excel wrote ID numbers in scientific notation is refused
/// with the cause and what to do in Excel, naming the field and the row, not "has 11
/// characters".
#[tokio::test]
async fn excel_scientific_notation_in_a_csv_is_explained() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let csv = format!(
            "area_code,household_key,address,name,doc_number,phone,relation\n\
             431102001001,S1,科学计数路1号,科甲,{},13812345678,head\n\
             431102001001,S1,,科乙,4.31102E+17,1.38123E+10,spouse\n",
            card("43110219800101007"),
        );
        let rep = import(db, "excel.csv", csv.as_bytes(), true).await;
        let on = |field: &str| {
            rep.errors
                .iter()
                .find(|e| e.row == Some(3) && e.field == field)
                .unwrap_or_else(|| {
                    panic!("{}: no {field} error on row 3: {:?}", t.name, rep.errors)
                })
        };
        for field in ["doc_number", "phone"] {
            let e = on(field);
            assert!(e.message.en.contains("Excel wrote this number as"), "{e:?}");
            assert!(e.message.en.contains("Format Cells → Text"), "{e:?}");
            assert!(e.message.zh.contains("文本"), "{e:?}");
            assert!(!e.message.en.contains("characters"), "{e:?}");
        }
        assert_eq!(
            rep.errors.iter().filter(|e| e.row == Some(3)).count(),
            2,
            "one explanation a field: {:?}",
            rep.errors
        );
        assert!(
            rep.errors.iter().all(|e| e.row != Some(2)),
            "{:?}",
            rep.errors
        );
        assert!(wardline::registry::import::is_scientific("4.31102E+17"));
        assert!(wardline::registry::import::is_scientific("1e+10"));
        assert!(!wardline::registry::import::is_scientific(
            "43110219800101007X"
        ));
        assert!(!wardline::registry::import::is_scientific("E+17"));
    }
}

/// Issue 21, item 7: the import page lists the grids in scope with their codes; the template's
/// example names a grid as the demo does; after a clean dry run, "import now" imports the kept
/// file without a second upload, once.
#[tokio::test]
async fn import_page_shows_grid_codes_and_imports_a_checked_file_without_a_second_upload() {
    use crate::common::{demo, get_page, login, post_form, serve};
    for t in backends().await {
        let db = &t.db;
        demo(db, 1000, 3).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        let addr = serve(db).await;
        let officer = login(addr, "demo-community", wardline::cli::DEMO_PASSWORD).await;
        // The grids of the community, with their codes.
        let grids = db
            .query(
                "SELECT code, name FROM areas WHERE level = $1 AND path >= $2 AND path < $3 ORDER BY path",
                wardline::args![
                    wardline::registry::model::LEVEL_GRID,
                    "431102001001",
                    wardline::db::path_end("431102001001")
                ],
            )
            .await
            .unwrap();
        assert!(!grids.is_empty());
        let page = get_page(addr, "/import", &officer.cookie).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"import-grids\""), "{}", page.body);
        for g in &grids {
            assert!(
                page.body.contains(&format!("<code>{}</code>", g.string(0))),
                "{}: grid code {} on the import page",
                t.name,
                g.string(0)
            );
        }
        // The template's example grid is the demo's first grid of that community.
        let example_grid = wardline::registry::import::TEMPLATE_EXAMPLE[1];
        assert!(
            grids.iter().any(|g| g.string(1) == example_grid),
            "{example_grid} is a demo grid"
        );
        // A clean dry run offers "import now".
        let before = count(db, "SELECT COUNT(*) FROM residents").await;
        let good = format!(
            "区划代码,网格,户编号,地址,姓名,证件号码,与户主关系\n\
             431102001001,{example_grid},N1,立即导入路1号,立即甲,{},户主\n\
             431102001001,{example_grid},N1,,立即乙,{},配偶\n",
            card("43110219800101007"),
            card("43110219820202008")
        );
        let report = upload(addr, &officer, true, good.as_bytes()).await;
        assert!(report.contains("检查通过"), "{report}");
        let at = report
            .find("id=\"import-now\"")
            .expect("an import-now form");
        let action = report[at..]
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("its action")
            .to_owned();
        assert!(action.starts_with("/import/jobs/"), "{action}");
        assert!(report[at..].contains("data-confirm="), "asks first");
        assert_eq!(count(db, "SELECT COUNT(*) FROM residents").await, before);
        // Another account may not use it.
        let other = login(addr, "demo-street", wardline::cli::DEMO_PASSWORD).await;
        let r = post_form(addr, &action, &other.cookie, &[("csrf", &other.csrf)]).await;
        assert_eq!(r.status, 404, "{}", r.body);
        // Import now: no file sent.
        let r = post_form(addr, &action, &officer.cookie, &[("csrf", &officer.csrf)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let job = r.header("location").unwrap().to_owned();
        let mut done = String::new();
        for _ in 0..200 {
            let p = get_page(addr, &job, &officer.cookie).await;
            if !p.body.contains("import-running") {
                done = p.body;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(done.contains("导入完成"), "{done}");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM residents").await,
            before + 2
        );
        // The file was imported once: a second tap is told to choose it again.
        let r = post_form(addr, &action, &officer.cookie, &[("csrf", &officer.csrf)]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("不再保留"), "{}", r.body);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM residents").await,
            before + 2
        );
        // A dry run with problems keeps nothing and offers nothing.
        let bad = good.replace(&card("43110219820202008"), "431102198202020089");
        let report = upload(addr, &officer, true, bad.as_bytes()).await;
        assert!(!report.contains("id=\"import-now\""), "{report}");
    }
}
