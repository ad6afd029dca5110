//! Export of the residents under an area, masked, to CSV or XLSX.
//!
//! The reader's registry scope decides: an area outside it is not found. ID and phone numbers
//! leave masked, and the birth date not at all (the masked ID number hides exactly the birth
//! date; the age column says what the masked view says). The columns are the import template's
//! (with the masked values) plus the age. Rows are read in keyset pages of households and
//! written as they come, so a large export holds one page in memory, not the table. Every
//! export leaves an audit entry with its format and row count.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db, DbResult, FromRow, Row, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::registry::areas;
use crate::registry::import::COLUMNS;
use crate::registry::model::*;
use crate::registry::residents::age_on;
use crate::registry::validate::{self, mask_doc, mask_phone};
use crate::registry::xlsx::XlsxWriter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportSummary {
    pub format: ExportFormat,
    pub area_code: String,
    pub area_path: String,
    pub rows: usize,
}

/// The header of an export: the template's Chinese headers, then the age.
pub fn export_header() -> Vec<&'static str> {
    let mut h: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
    h.push("年龄");
    h
}

/// Households per page.
const PAGE: i64 = 1000;

/// Data rows one XLSX worksheet holds (Excel's 1,048,576 rows, less the header). Larger areas
/// export as CSV. (This also keeps the streamed sheet far below zip's 4 GiB entry limit.)
pub const XLSX_MAX_ROWS: i64 = 1_048_575;

/// A cell as it goes into a CSV file that people open in Excel or WPS: a value that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula
/// (`=HYPERLINK(…)`, `=cmd|…`), so it gets a leading `'` as OWASP recommends ("CSV injection"):
/// the spreadsheet shows it as text and the value stays readable. No exception for values that
/// look like numbers (`-3`, a phone number as `+86 …`): one rule, the same in every export.
/// XLSX exports need none of this: their cells are written as inline text, never formulas.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

/// The CSV writer of every export (residents, the missing list): UTF-8 with a BOM, so that
/// Excel opens it as UTF-8, and every cell through [`csv_cell`].
pub struct CsvExport<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvExport<W> {
    /// Starts the file with the BOM.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"\xEF\xBB\xBF")?;
        Ok(CsvExport {
            w: csv::Writer::from_writer(out),
        })
    }

    pub fn row<I, S>(&mut self, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.w
            .write_record(cells.into_iter().map(|c| csv_cell(c.as_ref()).into_owned()))
            .map_err(std::io::Error::other)
    }

    pub fn into_inner(self) -> std::io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

enum Sink<'a> {
    Csv(Box<CsvExport<&'a mut (dyn Write + Send)>>),
    Xlsx(Box<XlsxWriter<&'a mut (dyn Write + Send)>>),
}

impl Sink<'_> {
    fn row(&mut self, cells: &[String]) -> std::io::Result<()> {
        match self {
            Sink::Csv(w) => w.row(cells),
            Sink::Xlsx(w) => w.row(cells),
        }
    }
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Csv(w) => w.into_inner().and_then(|w| w.flush()),
            Sink::Xlsx(w) => w.finish().and_then(|w| w.flush()),
        }
    }
}

fn label(terms: &[Term], code: &str) -> String {
    terms
        .iter()
        .find(|t| t.code == code)
        .map_or(code, |t| t.zh)
        .to_owned()
}

fn labels(terms: &[Term], bits: i64) -> String {
    terms
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, t)| t.zh)
        .collect::<Vec<_>>()
        .join("、")
}

/// The grid and building paths within a household's path (`C/G0001/B00001`, `C/B00001`, …).
fn local_paths(path: &str) -> (Option<&str>, Option<&str>) {
    let (mut grid, mut building) = (None, None);
    for (i, _) in path.match_indices('/') {
        let end = path[i + 1..].find('/').map_or(path.len(), |j| i + 1 + j);
        match path.as_bytes().get(i + 1) {
            Some(b'G') => grid = Some(&path[..end]),
            Some(b'B') => building = Some(&path[..end]),
            _ => {}
        }
    }
    (grid, building)
}

const PAGE_SQL: &str = "SELECT h.id AS household_id, h.path, h.address, h.kind, \
    r.id AS resident_id, r.name, r.doc_type, r.doc_number, r.sex, r.birth_date, r.phone, \
    r.relation, r.tags, r.health_note, r.party, r.party_categories \
    FROM (SELECT id, path, address, kind FROM households WHERE (path, id) > ($1, $2) \
    AND path < $3 ORDER BY path, id LIMIT $4) h \
    LEFT JOIN residents r ON r.household_id = h.id \
    ORDER BY h.path, h.id, CASE WHEN r.relation = 'head' THEN 0 ELSE 1 END, r.id";

/// One row of [`PAGE_SQL`]: a household, with one of its residents unless it has none.
struct PageRow {
    household_id: i64,
    path: String,
    address: String,
    kind: String,
    resident: Option<ExportResident>,
}

struct ExportResident {
    name: String,
    doc_type: String,
    doc_number: String,
    sex: i64,
    birth_date: Option<String>,
    phone: Option<String>,
    relation: String,
    tags: i64,
    health_note: Option<String>,
    party: i64,
    party_categories: i64,
}
crate::from_row!(ExportResident {
    name,
    doc_type,
    doc_number,
    sex,
    birth_date,
    phone,
    relation,
    tags,
    health_note,
    party,
    party_categories
});

impl FromRow for PageRow {
    fn from_row(r: &Row) -> DbResult<PageRow> {
        let resident = match r.get::<Option<i64>>("resident_id")? {
            Some(_) => Some(ExportResident::from_row(r)?),
            None => None,
        };
        Ok(PageRow {
            household_id: r.get("household_id")?,
            path: r.get("path")?,
            address: r.get("address")?,
            kind: r.get("kind")?,
            resident,
        })
    }
}

/// An area's path and name.
struct AreaName {
    path: String,
    name: String,
}
crate::from_row!(AreaName { path, name });

/// Export the residents under the area `area_code` (its whole subtree) as `format` into `out`.
/// The area must lie within `reader`'s registry scope, or the answer is `NotFound` (and nothing
/// is written or recorded). The audit entry (`export`, `residents`, the area's path; format and
/// row count) is written once the rows are out; if writing fails midway, the entry records the
/// rows that went out and `"complete": false`. An XLSX export of more residents than a
/// worksheet holds is refused (`BadRequest`) before anything is written.
pub async fn export_residents(
    db: &Db,
    reader: &Reader,
    actor: &Actor,
    area_code: &str,
    format: ExportFormat,
    out: &mut (dyn Write + Send),
) -> AppResult<ExportSummary> {
    let area = areas::scoped(db, area_code, &reader.registry_scope()).await?;
    if format == ExportFormat::Xlsx {
        let n = areas::subtree_counts(db, &area.path).await?.residents;
        if n > XLSX_MAX_ROWS {
            return Err(AppError::BadRequest(Msg::new(
                format!(
                    "{} has {n} residents, more than one worksheet holds ({XLSX_MAX_ROWS} rows); export a smaller area, or export as CSV",
                    area.name
                ),
                format!(
                    "{} 有 {n} 名居民，超过一个工作表的上限（{XLSX_MAX_ROWS} 行）；请导出较小的区划，或导出为 CSV",
                    area.name
                ),
            )));
        }
    }
    let mut rows = 0;
    let written = write_rows(db, &area.path, format, out, &mut rows).await;
    let complete = written.is_ok();
    if complete || rows > 0 {
        audit::record_now(
            db,
            actor,
            Event::new("export", "residents", &area.code)
                .area(&area.path)
                .detail(serde_json::json!({
                    "format": format.name(),
                    "rows": rows,
                    "masked": true,
                    "complete": complete,
                })),
        )
        .await?;
    }
    written?;
    Ok(ExportSummary {
        format,
        area_code: area.code,
        area_path: area.path,
        rows,
    })
}

/// [`export_residents`] into memory: the file's bytes and the summary.
pub async fn export_residents_to_vec(
    db: &Db,
    reader: &Reader,
    actor: &Actor,
    area_code: &str,
    format: ExportFormat,
) -> AppResult<(Vec<u8>, ExportSummary)> {
    let mut buf = Vec::new();
    let summary = export_residents(db, reader, actor, area_code, format, &mut buf).await?;
    Ok((buf, summary))
}

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("writing the export: {e}"))
}

async fn write_rows(
    db: &Db,
    root: &str,
    format: ExportFormat,
    out: &mut (dyn Write + Send),
    rows: &mut usize,
) -> AppResult<()> {
    let header: Vec<String> = export_header().into_iter().map(str::to_owned).collect();
    let mut sink = match format {
        ExportFormat::Csv => Sink::Csv(Box::new(CsvExport::new(out).map_err(io)?)),
        ExportFormat::Xlsx => Sink::Xlsx(Box::new(
            XlsxWriter::new(out, "居民", header.len()).map_err(io)?,
        )),
    };
    sink.row(&header).map_err(io)?;
    let today = validate::today();
    let end = path_end(root);
    let mut names: HashMap<String, String> = HashMap::new();
    let (mut after_path, mut after_id) = (root.to_owned(), 0i64);
    loop {
        let page: Vec<PageRow> = db
            .query_as(
                PAGE_SQL,
                args![after_path.as_str(), after_id, end.as_str(), PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after_path = last.path.clone();
        after_id = last.household_id;
        // Names of the grids and buildings on this page that are not known yet.
        let mut missing: Vec<String> = Vec::new();
        for r in &page {
            let (g, b) = local_paths(&r.path);
            for p in [g, b].into_iter().flatten() {
                if !names.contains_key(p) && !missing.iter().any(|m| m == p) {
                    missing.push(p.to_owned());
                }
            }
        }
        for chunk in missing.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let found: Vec<AreaName> = db
                .query_as(
                    &format!("SELECT path, name FROM areas WHERE path IN ({list})"),
                    chunk.iter().map(|p| Value::from(p.as_str())).collect(),
                )
                .await?;
            for r in found {
                names.insert(r.path, r.name);
            }
        }
        for (h, r) in page
            .iter()
            .filter_map(|h| h.resident.as_ref().map(|r| (h, r)))
        {
            sink.row(&cells(h, r, &names, today)).map_err(io)?;
            *rows += 1;
        }
        if distinct_households(&page) < PAGE as usize {
            break;
        }
    }
    sink.finish().map_err(io)
}

fn distinct_households(page: &[PageRow]) -> usize {
    let mut n = 0;
    let mut prev = None;
    for r in page {
        let id = r.household_id;
        if prev != Some(id) {
            n += 1;
            prev = Some(id);
        }
    }
    n
}

/// One resident as export cells, in [`export_header`] order.
fn cells(
    h: &PageRow,
    r: &ExportResident,
    names: &HashMap<String, String>,
    today: (i32, u32, u32),
) -> Vec<String> {
    let path = h.path.as_str();
    let (g, b) = local_paths(path);
    let name_of = |p: Option<&str>| p.and_then(|p| names.get(p)).cloned().unwrap_or_default();
    let sex = match r.sex {
        1 => "男",
        2 => "女",
        _ => "",
    };
    let party = r.party;
    vec![
        areas::community_path(path).to_owned(),
        name_of(g),
        name_of(b),
        h.household_id.to_string(),
        h.address.clone(),
        label(HOUSEHOLD_KINDS, &h.kind),
        r.name.clone(),
        label(DOC_TYPES, &r.doc_type),
        mask_doc(&r.doc_number),
        sex.to_owned(),
        // The birth date stays hidden, as in the masked view (it is the masked part of the ID).
        String::new(),
        r.phone.as_deref().map(mask_phone).unwrap_or_default(),
        label(RELATIONS, &r.relation),
        labels(TAGS, r.tags),
        r.health_note.clone().unwrap_or_default(),
        if party == 0 {
            String::new()
        } else {
            PARTY.get(party as usize).map_or("", |t| t.zh).to_owned()
        },
        labels(PARTY_CATEGORIES, r.party_categories),
        r.birth_date
            .as_deref()
            .and_then(|b| age_on(b, today))
            .map(|a| a.to_string())
            .unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starters_get_a_quote() {
        for (v, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+86 138", "'+86 138"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("张三", "张三"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(v), want, "{v:?}");
        }
    }

    #[test]
    fn local_paths_of_a_household() {
        assert_eq!(local_paths("431102001001"), (None, None));
        assert_eq!(
            local_paths("431102001001/G0001"),
            (Some("431102001001/G0001"), None)
        );
        assert_eq!(
            local_paths("431102001001/G0001/B00002"),
            (
                Some("431102001001/G0001"),
                Some("431102001001/G0001/B00002")
            )
        );
        assert_eq!(
            local_paths("431102001001/B00002"),
            (None, Some("431102001001/B00002"))
        );
    }
}
