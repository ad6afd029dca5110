//! Hostile and oversized import files (issue 22, findings 1–3): each is refused with a message
//! naming the limit, before it can cost more than bounded memory. Every hostile file is made
//! here; none is stored in the repository.

use std::io::{Cursor, Read, Write};

use wardline::access::Scope;
use wardline::audit::Actor;
use wardline::db::Db;
use wardline::registry::import::{
    import_file, template_header, template_xlsx, ImportReport, MAX_ERRORS,
};
use wardline::registry::import_source::{MAX_PART_XML, MAX_SHEET_COLUMNS, MAX_SHEET_XML};

use crate::common::backends;
use crate::import::card;

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

async fn check(db: &Db, name: &str, bytes: &[u8]) -> ImportReport {
    import_file(db, &Actor::cli(), &everywhere(), name, bytes, true, &|_| {})
        .await
        .unwrap()
}

/// The template workbook with one part replaced by what `write` writes (deflated).
fn rezip(part: &str, write: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let base = template_xlsx();
    let mut src = zip::ZipArchive::new(Cursor::new(&base)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let f = src.by_index_raw(i).unwrap();
        if f.name().unwrap() == part {
            continue;
        }
        out.raw_copy_file(f).unwrap();
    }
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    out.start_file(part, opts).unwrap();
    write(&mut out);
    out.finish().unwrap().into_inner()
}

/// The template's sheet XML, split before `</sheetData>`.
fn template_sheet() -> (String, String) {
    let x = template_xlsx();
    let mut z = zip::ZipArchive::new(Cursor::new(&x)).unwrap();
    let mut s = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    let at = s.find("</sheetData>").unwrap();
    (s[..at].to_owned(), s[at..].to_owned())
}

fn assert_refused(rep: &ImportReport, en: &[&str], zh: &[&str]) {
    assert!(!rep.committed);
    assert_eq!(rep.errors.len(), 1, "{:?}", rep.errors);
    let e = &rep.errors[0];
    assert_eq!(e.field, "file");
    for s in en {
        assert!(e.message.en.contains(s), "{s:?} in {}", e.message.en);
    }
    for s in zh {
        assert!(e.message.zh.contains(s), "{s:?} in {}", e.message.zh);
    }
}

/// Finding 1: one cell at XFD1048576 made the reader build a dense 1,048,576 × 16,384 grid and
/// the process abort. Now the sheet is read cell by cell: the cell is refused by name, and an
/// empty (formatted) cell out there costs nothing.
#[tokio::test]
async fn a_cell_at_xfd1048576_is_refused_by_name_without_a_grid() {
    for t in backends().await {
        let db = &t.db;
        setup(db).await;
        let (head, tail) = template_sheet();
        let far = rezip("xl/worksheets/sheet1.xml", |w| {
            w.write_all(head.as_bytes()).unwrap();
            w.write_all(
                br#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
            )
            .unwrap();
            w.write_all(tail.as_bytes()).unwrap();
        });
        assert!(far.len() < 4096, "a small file: {} bytes", far.len());
        let rep = check(db, "far.xlsx", &far).await;
        assert_refused(
            &rep,
            &["XFD1048576", &format!("{MAX_SHEET_COLUMNS} columns")],
            &["XFD1048576", &format!("{MAX_SHEET_COLUMNS} 列")],
        );
        // A formatted but empty cell far away is no content: the file checks clean.
        let styled = rezip("xl/worksheets/sheet1.xml", |w| {
            w.write_all(head.as_bytes()).unwrap();
            w.write_all(br#"<row r="1048576"><c r="XFD1048576" s="1"/></row>"#)
                .unwrap();
            w.write_all(tail.as_bytes()).unwrap();
        });
        let rep = check(db, "styled.xlsx", &styled).await;
        assert!(rep.errors.is_empty(), "{}: {:?}", t.name, rep.errors);
        assert_eq!((rep.rows, rep.residents), (1, 1));
    }
}

/// Finding 2: a zip bomb (a few MB unpacking to gigabytes of sheet XML) grew memory without
/// bound. Now every part's real unpacked size is measured, with a cap, before calamine opens
/// the file. The file checks only the file, so one backend is enough.
#[tokio::test]
async fn an_xlsx_zip_bomb_is_refused_by_its_unpacked_size() {
    let t = &backends().await[0];
    let db = &t.db;
    setup(db).await;
    let (head, tail) = template_sheet();
    let bomb = rezip("xl/worksheets/sheet1.xml", |w| {
        w.write_all(head.as_bytes()).unwrap();
        let row = b"<row><c><v>1</v></c></row>";
        let block: Vec<u8> = row
            .iter()
            .copied()
            .cycle()
            .take(row.len() * 40_000)
            .collect();
        let mut written = 0u64;
        while written <= MAX_SHEET_XML {
            w.write_all(&block).unwrap();
            written += block.len() as u64;
        }
        w.write_all(tail.as_bytes()).unwrap();
    });
    // Deflate at its fastest level still packs this some 70 to 1.
    assert!(
        (bomb.len() as u64) < MAX_SHEET_XML / 50,
        "a bomb: {} bytes",
        bomb.len()
    );
    let rep = check(db, "bomb.xlsx", &bomb).await;
    let mib = format!("{} MiB", MAX_SHEET_XML >> 20);
    assert_refused(
        &rep,
        &["xl/worksheets/sheet1.xml", &mib, "CSV"],
        &["xl/worksheets/sheet1.xml", &mib],
    );
    // The shared strings (which calamine keeps in memory) have their own, smaller cap.
    let strings = rezip("xl/sharedStrings.xml", |w| {
        let si = b"<si><t>a</t></si>";
        let block: Vec<u8> = si.iter().copied().cycle().take(si.len() * 10_000).collect();
        let mut written = 0u64;
        while written <= MAX_PART_XML {
            w.write_all(&block).unwrap();
            written += block.len() as u64;
        }
    });
    let rep = check(db, "strings.xlsx", &strings).await;
    let mib = format!("{} MiB", MAX_PART_XML >> 20);
    assert_refused(&rep, &["xl/sharedStrings.xml", &mib], &[&mib]);
    // One cell's text of 2 MiB: refused before calamine would hold it.
    let long = rezip("xl/worksheets/sheet1.xml", |w| {
        w.write_all(head.as_bytes()).unwrap();
        w.write_all(br#"<row r="3"><c r="A3" t="inlineStr"><is><t>"#)
            .unwrap();
        w.write_all(&vec![b'a'; 2 << 20]).unwrap();
        w.write_all(br#"</t></is></c></row>"#).unwrap();
        w.write_all(tail.as_bytes()).unwrap();
    });
    let rep = check(db, "long.xlsx", &long).await;
    assert_refused(&rep, &["single text", "1 MiB"], &["1 MiB"]);
}

/// Old binary workbooks and OpenDocument files are refused with the advice to save as XLSX or
/// CSV (their readers build the whole declared grid).
#[tokio::test]
async fn xls_and_ods_files_are_refused_with_advice() {
    let t = &backends().await[0];
    let db = &t.db;
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.resize(4096, 0);
    let rep = check(db, "old.xls", &xls).await;
    assert_refused(
        &rep,
        &["Excel 97–2003", ".xlsx", "CSV UTF-8"],
        &[".xls", ".xlsx"],
    );
    let mut ods = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    ods.start_file("mimetype", stored).unwrap();
    ods.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    ods.start_file("content.xml", stored).unwrap();
    ods.write_all(b"<office:document-content/>").unwrap();
    let ods = ods.finish().unwrap().into_inner();
    let rep = check(db, "sheet.ods", &ods).await;
    assert_refused(&rep, &["OpenDocument", ".xlsx"], &[".ods", ".xlsx"]);
}

/// Finding 3, the CSV side: a record never ends (an unclosed quote) — it is cut at 1 MiB
/// instead of being read whole into memory.
#[tokio::test]
async fn a_runaway_csv_row_is_cut_at_one_mib() {
    let t = &backends().await[0];
    let db = &t.db;
    setup(db).await;
    let mut csv = format!(
        "{}\n431102001001,,,H1,\"路{}\n",
        template_header(),
        "a".repeat(3 << 20)
    )
    .into_bytes();
    csv.extend_from_slice(b",,,,\n");
    let rep = check(db, "runaway.csv", &csv).await;
    assert_refused(
        &rep,
        &["longer than 1024 KiB", "line 2"],
        &["1024 KiB", "第 2 行"],
    );
}

/// Finding 3, the report side: a file of bad rows lists the first MAX_ERRORS problems and
/// counts the rest, instead of holding every message.
#[tokio::test]
async fn problems_beyond_the_list_limit_are_counted() {
    let t = &backends().await[0];
    let db = &t.db;
    setup(db).await;
    let extra = 25;
    let mut csv = format!("{}\n", template_header());
    for i in 0..MAX_ERRORS + extra {
        // No name: one problem a row.
        csv.push_str(&format!(
            "431102001001,,,H{i},地址{i},,,,{},,,,户主,,,,\n",
            card(&format!("43110219800101{:03}", i % 1000))
        ));
    }
    let rep = check(db, "bad.csv", csv.as_bytes()).await;
    assert!(!rep.committed);
    assert_eq!(rep.rows, MAX_ERRORS + extra);
    assert_eq!(rep.errors.len(), MAX_ERRORS);
    // One problem a row (no name), so exactly `extra` beyond the list.
    assert_eq!(rep.more_errors, extra);
    assert!(rep.errors.iter().all(|e| e.row.is_some()));
    assert_eq!(rep.errors[0].row, Some(2));
}
