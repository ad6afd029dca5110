//! Import of households and residents from a file: CSV (UTF-8 with or without BOM, GBK/GB18030,
//! UTF-16 with BOM) or a spreadsheet (XLSX, and whatever else calamine reads: XLS, ODS), with
//! Chinese or English column headers. The format is told by content, not by the file name.
//!
//! Every row is validated before anything is written, and every problem is reported (row,
//! column, what is wrong, in both languages). Only a clean file is written, in one
//! transaction with its audit entry: it commits whole or not at all.
//!
//! The work runs in three phases, each reporting progress: reading and checking each row on its
//! own (a blocking thread), checking the rows against the database (areas, registered documents:
//! a few batched queries) and against each other (households), then writing (bulk inserts with
//! ids assigned here, tallies summed in memory).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::access::Scope;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Backend, Db, DbError, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas::{self, Area, Counts, AREA_COLS};
use crate::registry::model::*;
use crate::registry::residents::{self, ResidentData, ResidentInput};
use crate::registry::xlsx::XlsxWriter;

/// Columns: (field, Chinese header, English header, required).
pub const COLUMNS: &[(&str, &str, &str, bool)] = &[
    ("area", "区划代码", "area_code", true),
    ("grid", "网格", "grid", false),
    ("building", "楼栋", "building", false),
    ("household", "户编号", "household_key", true),
    ("address", "地址", "address", true),
    ("kind", "户类型", "household_type", false),
    ("name", "姓名", "name", true),
    ("doc_type", "证件类型", "doc_type", false),
    ("doc_number", "证件号码", "doc_number", true),
    ("sex", "性别", "sex", false),
    ("birth_date", "出生日期", "birth_date", false),
    ("phone", "手机号码", "phone", false),
    ("relation", "与户主关系", "relation", false),
    ("tags", "重点人群", "tags", false),
    ("health_note", "健康备注", "health_note", false),
    ("party", "党员", "party", false),
    ("party_categories", "党员类别", "party_categories", false),
];

/// The header line of a template file, in Chinese.
pub fn template_header() -> String {
    COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join(",")
}

/// The example row of the templates: a household head in 零陵区's 东岳宫社区 (431102001001),
/// which validates as it stands (the check digit, sex and birth date agree).
pub const TEMPLATE_EXAMPLE: [&str; 17] = [
    "431102001001",
    "第一网格",
    "1栋",
    "H001",
    "东岳宫社区1栋101",
    "自住",
    "张三",
    "居民身份证",
    "431102198001010012",
    "男",
    "1980-01-01",
    "13812345678",
    "户主",
    "",
    "",
    "",
    "",
];

/// The CSV template: UTF-8 with a BOM (so that Excel opens it as UTF-8), the Chinese header and
/// one example row.
pub fn template_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend_from_slice(template_header().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(TEMPLATE_EXAMPLE.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// The XLSX template: the Chinese header and one example row, every column formatted as Text
/// so that ID and phone numbers typed into it stay exact.
pub fn template_xlsx() -> Vec<u8> {
    let build = || -> std::io::Result<Vec<u8>> {
        let mut w = XlsxWriter::new(Vec::new(), "居民导入模板", COLUMNS.len())?;
        let header: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        w.row(&header)?;
        w.row(&TEMPLATE_EXAMPLE)?;
        w.finish()
    };
    build().expect("writing to memory does not fail")
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// `csv` or `spreadsheet`.
    pub format: &'static str,
    /// How a CSV file was decoded: `utf-8`, `gbk` (GB18030) or `utf-16`; empty for spreadsheets.
    pub encoding: &'static str,
    /// Things worth telling that are not errors (e.g. "read as GBK").
    pub notes: Vec<Msg>,
    pub rows: usize,
    pub households: usize,
    pub residents: usize,
    pub errors: Vec<FieldError>,
    pub committed: bool,
}

/// Where an import is.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    /// Reading and checking each row on its own. `total` is an estimate for CSV (its lines).
    Read,
    /// Checking rows against the database and against each other.
    Check,
    /// Writing (only for a clean file and not a dry run).
    Write,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ImportProgress {
    pub phase: ImportPhase,
    pub done: usize,
    pub total: usize,
}

/// Rows between two progress reports.
pub const PROGRESS_EVERY: usize = 10_000;

/// Rows per batch handed to the threads that check rows.
const READ_BATCH: usize = 4096;

/// A row that was read, with what is wrong with it on its own (if anything).
struct Parsed {
    row: usize,
    area: Option<String>,
    grid: Option<String>,
    building: Option<String>,
    household: String,
    address: Option<String>,
    kind: Option<&'static str>,
    /// `None` when a resident field is invalid (then `errs` says why).
    data: Option<ResidentData>,
    errs: Vec<FieldError>,
}

/// Where a household goes and what it is: the first value given for each field.
#[derive(Default)]
struct HouseholdPlan {
    key: String,
    first_row: usize,
    area: Option<String>,
    grid: Option<String>,
    building: Option<String>,
    address: Option<String>,
    kind: Option<&'static str>,
}

fn file_error(row: usize, en: impl Into<String>, zh: impl Into<String>) -> FieldError {
    FieldError::new("file", en, zh).at_row(row)
}

/// One record of the file: its row number (1-based, the header is row 1 in a CSV; the sheet's
/// own row number in a spreadsheet), its fields, and cells that could not be read as text.
struct Rec {
    row: usize,
    fields: csv::StringRecord,
    cell_errors: Vec<(usize, Msg)>,
}

type Records<'a> = Box<dyn Iterator<Item = Result<Rec, FieldError>> + 'a>;

/// The file, opened: its records, an estimate of their number, and how it was read.
struct Opened<'a> {
    format: &'static str,
    encoding: &'static str,
    notes: Vec<Msg>,
    estimate: usize,
    records: Records<'a>,
}

const SAVE_AS: (&str, &str) = (
    "save it from Excel or WPS as \"CSV UTF-8 (comma delimited)\" or as an .xlsx workbook and try again",
    "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 工作簿后重试",
);

/// Decode a CSV file's bytes: UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030 (which
/// includes GBK) when that decodes cleanly.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), FieldError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), "utf-8"))
            .map_err(|e| {
                file_error(
                    e.valid_up_to().max(1),
                    format!(
                        "the file says it is UTF-8 but is not (at byte {}); {}",
                        e.valid_up_to() + 3,
                        SAVE_AS.0
                    ),
                    format!(
                        "文件标明为 UTF-8 编码，但第 {} 字节处不是 UTF-8；{}",
                        e.valid_up_to() + 3,
                        SAVE_AS.1
                    ),
                )
                .at_row(1)
            });
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return enc
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| (Cow::Owned(s.into_owned()), "utf-16"))
                .ok_or_else(|| {
                    file_error(
                        1,
                        format!("the file is not valid UTF-16; {}", SAVE_AS.0),
                        format!("文件不是有效的 UTF-16 编码；{}", SAVE_AS.1),
                    )
                });
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), "utf-8"));
    }
    if let Some(s) = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok((Cow::Owned(s.into_owned()), "gbk"));
    }
    Err(file_error(
        1,
        format!(
            "the file's text encoding is neither UTF-8 nor GBK/GB18030; {}",
            SAVE_AS.0
        ),
        format!(
            "无法识别文件的文字编码（既不是 UTF-8 也不是 GBK/GB18030）；{}",
            SAVE_AS.1
        ),
    ))
}

fn open_csv(bytes: &[u8]) -> Result<Opened<'_>, FieldError> {
    let (text, encoding) = decode(bytes)?;
    let mut notes = Vec::new();
    if encoding == "gbk" {
        notes.push(Msg::new(
            "the file is not UTF-8; it was read as GBK (GB18030), the encoding Excel uses for CSV on Chinese Windows",
            "文件不是 UTF-8 编码，已按 GBK（GB18030）读取，即中文版 Windows 上 Excel 保存 CSV 时的编码",
        ));
    }
    // Excel's "Unicode text" is tab-separated; some locales save with semicolons.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let estimate = bytecount(text.as_bytes(), b'\n').saturating_sub(1).max(1);
    let records = CsvRecords {
        rdr: csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Cursor(text, 0)),
        done: false,
        line: 0,
        byte: 0,
    };
    Ok(Opened {
        format: "csv",
        encoding,
        notes,
        estimate,
        records: Box::new(records),
    })
}

fn bytecount(s: &[u8], b: u8) -> usize {
    s.iter().filter(|&&c| c == b).count()
}

/// A reader over a possibly owned string (so the records iterator can own decoded text).
struct Cursor<'a>(Cow<'a, str>, usize);

impl std::io::Read for Cursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.0.as_bytes()[self.1..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.1 += n;
        Ok(n)
    }
}

struct CsvRecords<'a> {
    rdr: csv::Reader<Cursor<'a>>,
    done: bool,
    /// Line breaks before `byte`.
    line: usize,
    byte: usize,
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<Rec, FieldError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut fields = csv::StringRecord::new();
        match self.rdr.read_record(&mut fields) {
            Ok(true) => {
                // The file's own line number, so quoted line breaks inside a field do not
                // shift it. Counted from the byte offset: the reader's own line count misses
                // CRLF line ends.
                let text = self.rdr.get_ref().0.as_bytes();
                let mut at = fields.position().map_or(0, |p| p.byte() as usize);
                // After a CR the reader may start the next record at the LF; records never
                // start with a line break.
                while at < text.len() && matches!(text[at], b'\r' | b'\n') {
                    at += 1;
                }
                if at > self.byte {
                    self.line += bytecount(&text[self.byte..at.min(text.len())], b'\n');
                    self.byte = at;
                }
                let row = self.line + 1;
                Some(Ok(Rec {
                    row,
                    fields,
                    cell_errors: Vec::new(),
                }))
            }
            Ok(false) => None,
            Err(e) => {
                self.done = true;
                let line = e.position().map_or(0, |p| p.line() as usize);
                Some(Err(file_error(
                    line,
                    format!("the file cannot be read as CSV: {e}"),
                    format!("文件格式错误，无法按 CSV 读取：{e}"),
                )))
            }
        }
    }
}

/// Numbers of 16 or more digits cannot be exact in a spreadsheet (which keeps 15 significant
/// digits): an 18-digit ID number typed into a Number cell has already lost its last digits.
const EXACT_LIMIT: f64 = 1e15;

/// A spreadsheet cell as the text a person would have typed.
fn cell_text(d: &calamine::Data) -> Result<Cow<'_, str>, Msg> {
    use calamine::Data;
    Ok(match d {
        Data::Empty => Cow::Borrowed(""),
        Data::String(s) => Cow::Borrowed(s.as_str()),
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) => {
            if f.abs() >= EXACT_LIMIT {
                return Err(Msg::new(
                    format!(
                        "the cell holds the number {f:e}: the spreadsheet stored it as a Number, which keeps only 15 digits, so an ID number's last digits are lost; format the column as Text, type the numbers in again and re-import"
                    ),
                    format!(
                        "该单元格是数值 {f:e}：表格按“数值”格式保存，只保留 15 位有效数字，身份证号码的末几位已经丢失；请把这一列设置为“文本”格式，重新填写号码后再导入"
                    ),
                ));
            }
            if f.fract() == 0.0 {
                Cow::Owned(format!("{}", *f as i64))
            } else {
                Cow::Owned(format!("{f}"))
            }
        }
        Data::Bool(b) => Cow::Borrowed(if *b { "yes" } else { "no" }),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                Cow::Owned(format!("{}", dt.as_f64()))
            } else {
                let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
                if (hh, mm, ss) == (0, 0, 0) {
                    Cow::Owned(format!("{y:04}-{m:02}-{d:02}"))
                } else {
                    Cow::Owned(format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}"))
                }
            }
        }
        Data::DateTimeIso(s) => match s.split_once('T') {
            Some((date, time)) if time.trim_start_matches(['0', ':', '.']).is_empty() => {
                Cow::Borrowed(date)
            }
            _ => Cow::Borrowed(s.as_str()),
        },
        Data::DurationIso(s) => Cow::Borrowed(s.as_str()),
        Data::Error(e) => {
            return Err(Msg::new(
                format!("the cell holds a spreadsheet error ({e}); enter the value itself"),
                format!("该单元格是表格计算错误（{e}），请直接填写内容"),
            ))
        }
    })
}

fn open_spreadsheet(bytes: &[u8]) -> Result<Opened<'static>, FieldError> {
    use calamine::Reader;
    let unreadable = |e: String| {
        file_error(
            1,
            format!("the spreadsheet cannot be read ({e}); {}", SAVE_AS.0),
            format!("无法读取该表格文件（{e}）；{}", SAVE_AS.1),
        )
    };
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(e.to_string()))?;
    let range = match wb.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(e.to_string()))?,
        None => calamine::Range::empty(),
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let height = range.height();
    let records = (0..height).map(move |i| {
        let cells = range.rows().nth(i).unwrap_or(&[]);
        let mut fields = csv::StringRecord::with_capacity(cells.len() * 8, cells.len());
        let mut cell_errors = Vec::new();
        for (c, d) in cells.iter().enumerate() {
            match cell_text(d) {
                Ok(t) => fields.push_field(&t),
                Err(m) => {
                    fields.push_field("");
                    cell_errors.push((c, m));
                }
            }
        }
        Ok(Rec {
            row: first_row + i + 1,
            fields,
            cell_errors,
        })
    });
    Ok(Opened {
        format: "spreadsheet",
        encoding: "",
        notes: Vec::new(),
        estimate: height.saturating_sub(1).max(1),
        records: Box::new(records),
    })
}

/// Is this a spreadsheet? XLSX/ODS are zip files, XLS an OLE compound file.
fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

/// Which file column holds each field.
struct ColMap(Vec<(&'static str, usize)>);

impl ColMap {
    fn get(&self, field: &str) -> Option<usize> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, i)| *i)
    }
    fn field_at(&self, col: usize) -> Option<&'static str> {
        self.0.iter().find(|(_, i)| *i == col).map(|(f, _)| *f)
    }
}

/// Everything learned from the file alone.
struct Stage1 {
    format: &'static str,
    encoding: &'static str,
    notes: Vec<Msg>,
    rows: usize,
    parsed: Vec<Parsed>,
    /// File-level problems (header, format).
    errors: Vec<FieldError>,
}

fn local_name(field: &'static str, v: &Option<String>, errs: &mut Vec<FieldError>) {
    if let Some(n) = v {
        if n.chars().count() > 100 || n.chars().any(char::is_control) {
            errs.push(FieldError::new(
                field,
                "at most 100 characters, no control characters",
                "最多 100 个字符，不能含控制字符",
            ));
        }
    }
}

/// Phase 1: read the file and check every row on its own.
fn read_rows(file_name: &str, bytes: &[u8], progress: &dyn Fn(ImportProgress)) -> Stage1 {
    let mut out = Stage1 {
        format: "",
        encoding: "",
        notes: Vec::new(),
        rows: 0,
        parsed: Vec::new(),
        errors: Vec::new(),
    };
    // By content: a file named .xlsx that is not a zip is most often a renamed CSV, and a
    // spreadsheet saved as .csv is still a spreadsheet.
    let opened = if is_spreadsheet(bytes) {
        open_spreadsheet(bytes)
    } else {
        open_csv(bytes).map_err(|e| {
            let lower = file_name.to_ascii_lowercase();
            if [".xlsx", ".xls", ".ods"].iter().any(|x| lower.ends_with(x)) {
                file_error(
                    1,
                    format!(
                        "the file is named like a spreadsheet but is not one, nor a CSV file; {}",
                        SAVE_AS.0
                    ),
                    format!(
                        "文件扩展名是表格文件，但内容既不是表格也不是 CSV；{}",
                        SAVE_AS.1
                    ),
                )
            } else {
                e
            }
        })
    };
    let mut opened = match opened {
        Ok(o) => o,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    out.format = opened.format;
    out.encoding = opened.encoding;
    out.notes = std::mem::take(&mut opened.notes);
    let total = opened.estimate;
    // The header: the first record that is not blank.
    let mut header = None;
    for r in opened.records.by_ref() {
        match r {
            Ok(r) if r.fields.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(r) => {
                header = Some(r);
                break;
            }
            Err(e) => {
                out.errors.push(e);
                return out;
            }
        }
    }
    let Some(header) = header else {
        out.errors.push(file_error(
            1,
            "the file is empty: it has no header row and no data; start from the template",
            "文件是空的：既没有表头也没有数据，请使用导入模板填写",
        ));
        return out;
    };
    let mut cols = Vec::new();
    for (i, h) in header.fields.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{FEFF}');
        if let Some(c) = COLUMNS
            .iter()
            .find(|c| c.1 == h || c.2.eq_ignore_ascii_case(h))
        {
            if !cols.iter().any(|(f, _)| *f == c.0) {
                cols.push((c.0, i));
            }
        }
    }
    let col = ColMap(cols);
    let missing: Vec<_> = COLUMNS
        .iter()
        .filter(|c| c.3 && col.get(c.0).is_none())
        .collect();
    if !missing.is_empty() {
        out.errors.push(file_error(
            header.row,
            format!(
                "missing columns: {} (the first row must be the header; see the template)",
                missing.iter().map(|c| c.2).collect::<Vec<_>>().join(", ")
            ),
            format!(
                "缺少列：{}（第一行须为表头，请参照导入模板）",
                missing.iter().map(|c| c.1).collect::<Vec<_>>().join("、")
            ),
        ));
        return out;
    }
    let mut last_row = header.row;
    // The file is read here, in order; the rows are checked on worker threads, a batch at a
    // time, and put back in order at the end.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Rec>)>(workers * 2);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<(usize, Vec<Parsed>)>();
    let col = &col;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let batch_rx = &batch_rx;
            s.spawn(move || loop {
                let next = batch_rx.lock().expect("batch queue").recv();
                let Ok((i, recs)) = next else { break };
                let parsed = recs.iter().map(|r| parse_row(col, r)).collect();
                if done_tx.send((i, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut batch = Vec::with_capacity(READ_BATCH);
        let mut batches = 0;
        for r in opened.records.by_ref() {
            let rec = match r {
                Ok(r) => r,
                Err(e) => {
                    out.errors.push(e);
                    break;
                }
            };
            last_row = rec.row;
            if rec.fields.iter().all(|f| f.trim().is_empty()) && rec.cell_errors.is_empty() {
                continue;
            }
            out.rows += 1;
            batch.push(rec);
            if batch.len() == READ_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(READ_BATCH));
                let _ = batch_tx.send((batches, full));
                batches += 1;
            }
            if out.rows.is_multiple_of(PROGRESS_EVERY) {
                progress(ImportProgress {
                    phase: ImportPhase::Read,
                    done: out.rows,
                    total: total.max(out.rows),
                });
            }
        }
        if !batch.is_empty() {
            let _ = batch_tx.send((batches, batch));
        }
        drop(batch_tx);
    });
    let mut results: Vec<(usize, Vec<Parsed>)> = done_rx.into_iter().collect();
    results.sort_unstable_by_key(|(i, _)| *i);
    out.parsed = Vec::with_capacity(out.rows);
    for (_, p) in results {
        out.parsed.extend(p);
    }
    if out.rows == 0 && out.errors.is_empty() {
        out.errors.push(file_error(
            last_row + 1,
            "the file has a header but no data rows; nothing to import",
            "文件只有表头，没有数据行，没有可导入的内容",
        ));
    }
    progress(ImportProgress {
        phase: ImportPhase::Read,
        done: out.rows,
        total: out.rows,
    });
    out
}

fn parse_row(col: &ColMap, rec: &Rec) -> Parsed {
    let get = |f: &str| {
        col.get(f)
            .and_then(|i| rec.fields.get(i))
            .map(str::trim)
            .unwrap_or("")
    };
    let opt = |f: &str| Some(get(f)).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut errs: Vec<FieldError> = rec
        .cell_errors
        .iter()
        .filter_map(|(c, m)| {
            col.field_at(*c).map(|f| FieldError {
                row: None,
                field: f,
                message: m.clone(),
            })
        })
        .collect();
    let input = ResidentInput {
        name: get("name").into(),
        doc_type: opt("doc_type"),
        doc_number: get("doc_number").into(),
        sex: opt("sex"),
        birth_date: opt("birth_date"),
        phone: opt("phone"),
        relation: opt("relation"),
        tags: opt("tags"),
        health_note: opt("health_note"),
        party: opt("party"),
        party_categories: opt("party_categories"),
    };
    let mut data = match input.validate() {
        Ok(d) => Some(d),
        Err(e) => {
            // A cell that could not be read is reported once, not again as "required".
            errs.extend(e.into_iter().filter(|e| {
                !rec.cell_errors
                    .iter()
                    .any(|(c, _)| col.field_at(*c) == Some(e.field))
            }));
            None
        }
    };
    if !rec.cell_errors.is_empty() {
        data = None;
    }
    let kind = match opt("kind") {
        None => None,
        Some(k) => residents::parse_kind(Some(&k))
            .map_err(|e| errs.push(e))
            .ok(),
    };
    let household = get("household").to_owned();
    if household.is_empty() {
        errs.push(FieldError::new("household", "is required", "必填"));
    }
    let grid = opt("grid");
    let building = opt("building");
    local_name("grid", &grid, &mut errs);
    local_name("building", &building, &mut errs);
    let address = opt("address");
    if address.as_ref().is_some_and(|a| a.chars().count() > 200) {
        errs.push(FieldError::new(
            "address",
            "1–200 characters",
            "应为 1–200 个字符",
        ));
    }
    Parsed {
        row: rec.row,
        area: opt("area"),
        grid,
        building,
        household,
        address,
        kind,
        data,
        errs,
    }
}

/// What the database knows about the file's areas and documents.
struct Known {
    /// Area code → the area, for codes that exist.
    areas: HashMap<String, Area>,
    /// (doc_number, doc_type) → (resident id, path), for documents registered already.
    docs: HashMap<(String, String), (i64, String)>,
}

/// Rows per `IN (…)` look-up.
const LOOKUP_CHUNK: usize = 500;

fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Phase 2: look the file's area codes and document numbers up, in batches.
async fn look_up(db: &Db, parsed: &[Parsed]) -> AppResult<Known> {
    let mut codes: Vec<&str> = parsed.iter().filter_map(|p| p.area.as_deref()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut known = Known {
        areas: HashMap::new(),
        docs: HashMap::new(),
    };
    for chunk in codes.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT {AREA_COLS} FROM areas WHERE code IN ({})",
            in_list(1, chunk.len())
        );
        let params = chunk.iter().map(|c| Value::from(*c)).collect();
        for r in db.query(&sql, params).await? {
            let a = Area::from_row(&r);
            known.areas.insert(a.code.clone(), a);
        }
    }
    let empty = db
        .query_opt("SELECT id FROM residents LIMIT 1", vec![])
        .await?
        .is_none();
    if empty {
        return Ok(known);
    }
    let docs: Vec<&str> = parsed
        .iter()
        .filter_map(|p| p.data.as_ref().map(|d| d.doc_number.as_str()))
        .collect();
    for chunk in docs.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT doc_number, doc_type, id, path FROM residents WHERE doc_number IN ({})",
            in_list(1, chunk.len())
        );
        let params = chunk.iter().map(|c| Value::from(*c)).collect();
        for r in db.query(&sql, params).await? {
            known
                .docs
                .insert((r.string(0), r.string(1)), (r.int(2), r.string(3)));
        }
    }
    Ok(known)
}

/// A clean file, ready to write: rows grouped by household (head first), and the households.
struct Plan {
    rows: Vec<Parsed>,
    /// Household index of each row.
    hh_of: Vec<u32>,
    households: Vec<HouseholdPlan>,
}

/// Phase 3 (after the look-ups): check every row against the database and the rows against
/// each other. Returns the plan and every error found.
fn check_rows(
    parsed: Vec<Parsed>,
    known: &Known,
    scope: &Scope,
    progress: &dyn Fn(ImportProgress),
) -> (Plan, Vec<FieldError>) {
    let total = parsed.len();
    let mut errors = Vec::new();
    // Documents repeated within the file: the first row keeps it.
    let mut dup: Vec<Option<usize>> = vec![None; parsed.len()];
    {
        let mut seen: HashMap<(&str, &str), usize> = HashMap::with_capacity(parsed.len());
        for (i, p) in parsed.iter().enumerate() {
            if let Some(d) = &p.data {
                match seen.entry((d.doc_number.as_str(), d.doc_type)) {
                    std::collections::hash_map::Entry::Occupied(e) => dup[i] = Some(*e.get()),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(p.row);
                    }
                }
            }
        }
    }
    let mut ok: Vec<Parsed> = Vec::with_capacity(parsed.len());
    // Households with a rejected row: their head check would only repeat that error.
    let mut rejected: HashSet<String> = HashSet::new();
    for (i, mut p) in parsed.into_iter().enumerate() {
        if let Some(code) = &p.area {
            match known.areas.get(code) {
                Some(a) if !scope.contains(&a.path) => p.errs.push(no_area(code)),
                None => p.errs.push(no_area(code)),
                Some(a) if a.level < LEVEL_COMMUNITY => p.errs.push(FieldError::new(
                    "area",
                    format!("{} is not a community/village, grid or building", a.name),
                    format!("{} 不是社区/村、网格或楼栋", a.name),
                )),
                _ => {}
            }
        }
        if let Some(d) = &p.data {
            if let Some(first) = dup[i] {
                p.errs.push(FieldError::new(
                    "doc_number",
                    format!("the same document appears on row {first}"),
                    format!("与第 {first} 行证件重复"),
                ));
            } else if let Some((id, path)) = known
                .docs
                .get(&(d.doc_number.clone(), d.doc_type.to_owned()))
            {
                // Name the record only within the importer's scope.
                p.errs.push(if scope.contains(path) {
                    FieldError::new(
                        "doc_number",
                        format!("already registered (resident #{id})"),
                        format!("已登记（居民 #{id}）"),
                    )
                } else {
                    FieldError::new(
                        "doc_number",
                        "already registered in another area",
                        "已在其他区划登记",
                    )
                });
            }
        }
        if !p.errs.is_empty() {
            rejected.insert(p.household.clone());
            let row = p.row;
            errors.extend(p.errs.drain(..).map(|e| e.at_row(row)));
            continue;
        }
        ok.push(p);
        if (i + 1).is_multiple_of(PROGRESS_EVERY) {
            progress(ImportProgress {
                phase: ImportPhase::Check,
                done: i + 1,
                total,
            });
        }
    }
    // A household's fields come from the first row that gives each; rows that give a
    // different value disagree. And a household has exactly one head.
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut households: Vec<HouseholdPlan> = Vec::new();
    let mut heads: Vec<Vec<usize>> = Vec::new();
    let mut hh_of = Vec::with_capacity(ok.len());
    fn merge<T: Clone + PartialEq>(slot: &mut Option<T>, v: &Option<T>, clash: &mut bool) {
        match (slot.as_ref(), v) {
            (None, Some(_)) => *slot = v.clone(),
            (Some(a), Some(b)) if a != b => *clash = true,
            _ => {}
        }
    }
    for p in &ok {
        let h = match index.get(&p.household) {
            Some(&h) => h,
            None => {
                let h = households.len() as u32;
                index.insert(p.household.clone(), h);
                households.push(HouseholdPlan {
                    key: p.household.clone(),
                    first_row: p.row,
                    ..HouseholdPlan::default()
                });
                heads.push(Vec::new());
                h
            }
        };
        hh_of.push(h);
        let plan = &mut households[h as usize];
        let mut clash = false;
        merge(&mut plan.area, &p.area, &mut clash);
        merge(&mut plan.grid, &p.grid, &mut clash);
        merge(&mut plan.building, &p.building, &mut clash);
        merge(&mut plan.address, &p.address, &mut clash);
        merge(&mut plan.kind, &p.kind, &mut clash);
        if clash {
            rejected.insert(p.household.clone());
            errors.push(
                FieldError::new(
                    "household",
                    format!(
                        "household {} has another area, grid, building, address or type on row {}; all its rows must agree",
                        p.household, plan.first_row
                    ),
                    format!(
                        "户 {} 的区划、网格、楼栋、地址或户类型与第 {} 行不同，同一户的各行须一致",
                        p.household, plan.first_row
                    ),
                )
                .at_row(p.row),
            );
        }
        if p.data.as_ref().is_some_and(|d| d.relation == "head") {
            heads[h as usize].push(p.row);
        }
    }
    for (plan, heads) in households.iter().zip(&heads) {
        let h = &plan.key;
        if rejected.contains(h) {
            continue;
        }
        for (field, missing) in [
            ("area", plan.area.is_none()),
            ("address", plan.address.is_none()),
        ] {
            if missing {
                errors.push(
                    FieldError::new(
                        field,
                        format!("household {h}: is required"),
                        format!("户 {h}：必填"),
                    )
                    .at_row(plan.first_row),
                );
            }
        }
        match heads.as_slice() {
            [_] => {}
            [] => errors.push(
                FieldError::new(
                    "relation",
                    format!("household {h} has no head (与户主关系 = 户主)"),
                    format!("户 {h} 没有户主"),
                )
                .at_row(plan.first_row),
            ),
            rows => errors.push(
                FieldError::new(
                    "relation",
                    format!(
                        "household {h} has more than one head (rows {})",
                        rows.iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!(
                        "户 {h} 有多个户主（第 {} 行）",
                        rows.iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
                .at_row(rows[1]),
            ),
        }
    }
    if errors.is_empty() {
        // Heads first within each household, households in order of first appearance.
        let mut order: Vec<(u32, bool, usize)> = ok
            .iter()
            .zip(&hh_of)
            .enumerate()
            .map(|(i, (p, h))| {
                let head = p.data.as_ref().is_some_and(|d| d.relation == "head");
                (*h, !head, i)
            })
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<Parsed>> = ok.into_iter().map(Some).collect();
        ok = order
            .iter()
            .map(|(_, _, i)| slots[*i].take().expect("each row once"))
            .collect();
        hh_of = order.iter().map(|(h, _, _)| *h).collect();
    }
    progress(ImportProgress {
        phase: ImportPhase::Check,
        done: total,
        total,
    });
    errors.sort_by_key(|e| e.row);
    (
        Plan {
            rows: ok,
            hh_of,
            households,
        },
        errors,
    )
}

fn no_area(code: &str) -> FieldError {
    FieldError::new(
        "area",
        format!("no area with code {code:?} within your scope"),
        format!("您的管辖范围内没有代码为“{code}”的区划"),
    )
}

/// Run `f` on a blocking thread, passing its progress reports on to `progress`.
async fn blocking<T: Send + 'static>(
    progress: &(dyn Fn(ImportProgress) + Sync),
    f: impl FnOnce(&dyn Fn(ImportProgress)) -> T + Send + 'static,
) -> AppResult<T> {
    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel();
    let mut handle = tokio::task::spawn_blocking(move || {
        f(&move |p| {
            let _ = ptx.send(p);
        })
    });
    let out = loop {
        tokio::select! {
            biased;
            Some(p) = prx.recv() => progress(p),
            r = &mut handle => break r.map_err(|e| AppError::Internal(format!("import thread: {e}")))?,
        }
    };
    while let Ok(p) = prx.try_recv() {
        progress(p);
    }
    Ok(out)
}

/// Read, validate and (unless `dry_run`) import a file of households and residents: CSV or a
/// spreadsheet, told apart by content. `scope` limits the areas the rows may name; `actor` is
/// who the audit entry names. `progress` is called every [`PROGRESS_EVERY`] rows of each
/// phase and at the end of each. Problems with the file or its rows come back in the report
/// (nothing is written then), not as `Err`.
pub async fn import_file(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> AppResult<ImportReport> {
    let owned = bytes.to_vec();
    let name = file_name.to_owned();
    let s1 = blocking(progress, move |p| read_rows(&name, &owned, p)).await?;
    let mut report = ImportReport {
        format: s1.format,
        encoding: s1.encoding,
        notes: s1.notes,
        rows: s1.rows,
        errors: s1.errors,
        ..ImportReport::default()
    };
    if !report.errors.is_empty() && s1.parsed.is_empty() {
        return Ok(report);
    }
    let known = look_up(db, &s1.parsed).await?;
    let scope2 = scope.clone();
    let parsed = s1.parsed;
    let (plan, known, errors) = blocking(progress, move |p| {
        let (plan, errors) = check_rows(parsed, &known, &scope2, p);
        (plan, known, errors)
    })
    .await?;
    report.errors.extend(errors);
    report.errors.sort_by_key(|e| e.row);
    report.households = plan.households.len();
    report.residents = plan.rows.len();
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    drop(known.docs);
    write_big(db, actor, file_name, plan, &known.areas, &report, progress).await?;
    report.committed = true;
    Ok(report)
}

/// Rows per bulk insert call.
const WRITE_CHUNK: usize = PROGRESS_EVERY;

/// `n` fresh ids for `table`, inside the write transaction. SQLite: past the largest (the one
/// writer holds the database). PostgreSQL: from the table's identity sequence, so concurrent
/// writers never collide.
async fn reserve_ids(tx: &mut Tx, table: &str, n: usize) -> AppResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    Ok(match tx.backend() {
        Backend::Sqlite => {
            let max = tx
                .query_one(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), vec![])
                .await?
                .int(0);
            (max + 1..=max + n as i64).collect()
        }
        Backend::Postgres => tx
            .query(
                &format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
                ),
                vec![Value::Int(n as i64)],
            )
            .await?
            .iter()
            .map(|r| r.int(0))
            .collect(),
    })
}

/// Grids and buildings named in the file: existing ones found, missing ones created (in memory
/// first, then inserted in one go).
struct LocalAreas {
    children: HashMap<(i64, i64, String), Area>,
    counts: HashMap<(i64, i64), i64>,
    loaded: HashSet<i64>,
    next_id: Option<i64>,
    new_rows: Vec<Value>,
    created: usize,
    now: i64,
}

impl LocalAreas {
    /// Load the existing local children of `parents` not loaded yet.
    async fn load(&mut self, tx: &mut Tx, parents: Vec<i64>) -> AppResult<()> {
        let todo: Vec<i64> = parents
            .into_iter()
            .filter(|p| self.loaded.insert(*p))
            .collect();
        for chunk in todo.chunks(LOOKUP_CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|p| Value::Int(*p)).collect();
            params.push(Value::Int(LEVEL_GRID));
            let sql = format!(
                "SELECT {AREA_COLS} FROM areas WHERE parent_id IN ({}) AND level >= ${}",
                in_list(1, chunk.len()),
                chunk.len() + 1
            );
            for r in tx.query(&sql, params).await? {
                let a = Area::from_row(&r);
                let parent = a.parent_id.unwrap_or(0);
                *self.counts.entry((parent, a.level)).or_default() += 1;
                self.children.insert((parent, a.level, a.name.clone()), a);
            }
        }
        Ok(())
    }

    async fn get(&mut self, tx: &mut Tx, parent: &Area, level: i64, name: &str) -> AppResult<Area> {
        let key = (parent.id, level, name.to_owned());
        if let Some(a) = self.children.get(&key) {
            return Ok(a.clone());
        }
        let id = match self.next_id {
            Some(id) => id,
            None => areas::next_local_id(tx).await?,
        };
        self.next_id = Some(id + 1);
        self.created += 1;
        let n = self.counts.entry((parent.id, level)).or_default();
        *n += 1;
        let a = Area::local(id, parent, level, *n, name);
        self.new_rows.extend([
            Value::Int(id),
            Value::from(a.code.as_str()),
            Value::Int(parent.id),
            Value::Int(level),
            Value::from(name),
            Value::from(name),
            Value::from(a.path.as_str()),
            Value::Int(self.now),
        ]);
        self.loaded.insert(id);
        self.children.insert(key, a.clone());
        Ok(a)
    }
}

/// The deepest area path that is an ancestor-or-self of every path given ("" for none).
fn common_area(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut chain: Vec<&str> = areas::ancestor_paths(first);
    chain.push(first);
    chain
        .into_iter()
        .rev()
        .find(|a| paths.iter().all(|p| p.starts_with(a)))
        .unwrap_or("")
        .to_owned()
}

/// Rows from which an import counts as large: on SQLite it then gets a bigger page cache for its
/// transaction and, into a registry that does not yet hold as many residents, builds the
/// residents' name and phone indexes afterwards instead of row by row.
pub const LARGE_IMPORT: usize = 100_000;

/// The writer's page cache during a large import (KiB): the pages a transaction changes stay
/// in memory until the commit instead of spilling to the WAL, and being rewritten, many times.
const LARGE_IMPORT_CACHE_KIB: i64 = 512 * 1024;
/// The writer's everyday page cache (as set when a connection opens).
const NORMAL_CACHE_KIB: i64 = 64 * 1024;

/// [`write`], with the settings of a large import around it (and always undone).
async fn write_big(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    plan: Plan,
    known_areas: &HashMap<String, Area>,
    report: &ImportReport,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> AppResult<()> {
    let large = db.backend() == Backend::Sqlite && plan.rows.len() >= LARGE_IMPORT;
    if !large {
        return write(
            db,
            actor,
            file_name,
            plan,
            known_areas,
            report,
            progress,
            false,
        )
        .await;
    }
    let existing = db
        .query_one(
            "SELECT CAST(COALESCE(SUM(residents), 0) AS BIGINT) FROM community_counts",
            vec![],
        )
        .await?
        .int(0);
    // Into a registry smaller than the file, the secondary indexes of households and residents
    // are dropped and built again by sorting, inside the import's own transaction: a million
    // random index insertions cost several times one sort. The unique document index is built
    // again before the commit too, so a duplicate that slipped in meanwhile fails the whole
    // import, and a crash rolls the drop back with everything else.
    let rebuild = (existing as usize) < plan.rows.len();
    db.writer_pragma(&format!("PRAGMA cache_size = -{LARGE_IMPORT_CACHE_KIB}"))
        .await?;
    let written = write(
        db,
        actor,
        file_name,
        plan,
        known_areas,
        report,
        progress,
        rebuild,
    )
    .await;
    let reset = db
        .writer_pragma(&format!("PRAGMA cache_size = -{NORMAL_CACHE_KIB}"))
        .await;
    written?;
    reset?;
    Ok(())
}

/// Drop the secondary indexes of the registry's big tables inside `tx`; returns their DDL, to
/// run again in the same transaction.
async fn drop_indexes_in_tx(tx: &mut crate::db::Tx) -> AppResult<Vec<String>> {
    let rows = tx
        .query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('residents', 'households') ORDER BY name",
            vec![],
        )
        .await?;
    let mut ddl = Vec::new();
    for r in &rows {
        tx.batch(&format!("DROP INDEX {}", r.text(0))).await?;
        ddl.push(r.string(1));
    }
    Ok(ddl)
}

/// Phase 4: write a clean plan in one transaction, with its audit entry.
#[allow(clippy::too_many_arguments)]
async fn write(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    mut plan: Plan,
    known_areas: &HashMap<String, Area>,
    report: &ImportReport,
    progress: &(dyn Fn(ImportProgress) + Sync),
    rebuild_indexes: bool,
) -> AppResult<()> {
    let total = plan.rows.len();
    progress(ImportProgress {
        phase: ImportPhase::Write,
        done: 0,
        total,
    });
    let now = now_ms();
    // Foreign keys: every area and household id written here was just looked up or assigned.
    let mut tx = db.begin_bulk().await?;
    let rebuild = if rebuild_indexes {
        drop_indexes_in_tx(&mut tx).await?
    } else {
        vec![]
    };
    let mut local = LocalAreas {
        children: HashMap::new(),
        counts: HashMap::new(),
        loaded: HashSet::new(),
        next_id: None,
        new_rows: Vec::new(),
        created: 0,
        now,
    };
    // Where each household goes: its area, then its grid, then its building.
    let base: Vec<&Area> = plan
        .households
        .iter()
        .map(|h| &known_areas[h.area.as_deref().expect("checked")])
        .collect();
    let parents: Vec<i64> = plan
        .households
        .iter()
        .zip(&base)
        .filter(|(h, a)| {
            (h.grid.is_some() && a.level == LEVEL_COMMUNITY)
                || (h.building.is_some() && a.level <= LEVEL_GRID)
        })
        .map(|(_, a)| a.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    local.load(&mut tx, parents).await?;
    let mut with_grid: Vec<Area> = Vec::with_capacity(base.len());
    for (h, a) in plan.households.iter().zip(&base) {
        with_grid.push(match &h.grid {
            Some(g) if a.level == LEVEL_COMMUNITY => local.get(&mut tx, a, LEVEL_GRID, g).await?,
            _ => (*a).clone(),
        });
    }
    let grids: Vec<i64> = plan
        .households
        .iter()
        .zip(&with_grid)
        .filter(|(h, a)| h.building.is_some() && a.level == LEVEL_GRID)
        .map(|(_, a)| a.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    local.load(&mut tx, grids).await?;
    let mut final_areas: Vec<Area> = Vec::new();
    let mut area_index: HashMap<i64, u32> = HashMap::new();
    let mut hh_area: Vec<u32> = Vec::with_capacity(base.len());
    for (h, a) in plan.households.iter().zip(with_grid) {
        let a = match &h.building {
            Some(b) if a.level == LEVEL_COMMUNITY || a.level == LEVEL_GRID => {
                local.get(&mut tx, &a, LEVEL_BUILDING, b).await?
            }
            _ => a,
        };
        let i = *area_index.entry(a.id).or_insert_with(|| {
            final_areas.push(a);
            (final_areas.len() - 1) as u32
        });
        hh_area.push(i);
    }
    let new_areas = std::mem::take(&mut local.new_rows);
    tx.bulk_insert("areas", areas::AREA_INSERT_COLS, new_areas, None)
        .await?;

    let hh_ids = reserve_ids(&mut tx, "households", plan.households.len()).await?;
    let res_ids = reserve_ids(&mut tx, "residents", total).await?;
    // Heads come first in each household, so a household's head is its first row.
    let mut head = vec![0i64; plan.households.len()];
    let mut prev = u32::MAX;
    for (i, h) in plan.hh_of.iter().enumerate() {
        if *h != prev {
            head[*h as usize] = res_ids[i];
            prev = *h;
        }
    }
    let community: Vec<i64> = final_areas
        .iter()
        .map(|a| areas::community_id(&a.path))
        .collect();
    let mut tallies: HashMap<i64, (String, Counts)> = HashMap::new();
    for chunk_start in (0..plan.households.len()).step_by(WRITE_CHUNK) {
        let end = (chunk_start + WRITE_CHUNK).min(plan.households.len());
        let mut rows =
            Vec::with_capacity((end - chunk_start) * residents::HOUSEHOLD_INSERT_COLS.len());
        for i in chunk_start..end {
            let h = &mut plan.households[i];
            let ai = hh_area[i] as usize;
            let a = &final_areas[ai];
            rows.extend([
                Value::Int(hh_ids[i]),
                Value::Int(a.id),
                Value::from(a.path.as_str()),
                Value::Int(community[ai]),
                Value::from(h.address.take().expect("checked")),
                Value::from(h.kind.unwrap_or("home")),
                Value::Int(head[i]),
                Value::Int(now),
                Value::Int(now),
            ]);
            tallies
                .entry(a.id)
                .or_insert_with(|| (a.path.clone(), Counts::default()))
                .1
                .households += 1;
        }
        tx.bulk_insert("households", residents::HOUSEHOLD_INSERT_COLS, rows, None)
            .await?;
    }
    let today = crate::registry::validate::today();
    // The rows of the next chunk are built while the database inserts the current one.
    let mut build = |from: usize| -> Vec<Value> {
        let to = (from + WRITE_CHUNK).min(total);
        let mut rows = Vec::with_capacity((to - from) * residents::RESIDENT_INSERT_COLS.len());
        for (i, id) in res_ids.iter().enumerate().take(to).skip(from) {
            let h = plan.hh_of[i] as usize;
            let ai = hh_area[h] as usize;
            let a = &final_areas[ai];
            let d = plan.rows[i].data.take().expect("checked");
            let aged = d
                .birth_date
                .as_deref()
                .and_then(|b| residents::age_on(b, today))
                .is_some_and(|a| a >= 60);
            let t = &mut tallies.get_mut(&a.id).expect("household counted").1;
            t.residents += 1;
            t.vulnerable += (d.tags != 0) as i64;
            t.party_members += (d.party != 0) as i64;
            t.aged60 += aged as i64;
            rows.extend([
                Value::Int(*id),
                Value::Int(hh_ids[h]),
                Value::from(a.path.as_str()),
                Value::Int(community[ai]),
                Value::from(d.name),
                Value::from(d.doc_type),
                Value::from(d.doc_number),
                Value::Int(d.sex),
                Value::from(d.birth_date),
                Value::from(d.phone),
                Value::from(d.relation),
                Value::Int(d.tags),
                Value::from(d.health_note),
                Value::Int(d.party),
                Value::Int(d.party_categories),
                Value::Int(now),
                Value::Int(now),
            ]);
        }
        rows
    };
    let mut done = 0;
    let mut next = (total > 0).then(|| build(0));
    while let Some(rows) = next.take() {
        let n = rows.len() / residents::RESIDENT_INSERT_COLS.len();
        let after = done + n;
        let (inserted, following) = tokio::join!(
            tx.bulk_insert("residents", residents::RESIDENT_INSERT_COLS, rows, None),
            async { (after < total).then(|| build(after)) }
        );
        inserted.map_err(registered_meanwhile)?;
        next = following;
        done = after;
        progress(ImportProgress {
            phase: ImportPhase::Write,
            done,
            total,
        });
    }
    for ddl in &rebuild {
        tx.batch(ddl).await.map_err(registered_meanwhile)?;
    }
    areas::add_counts(&mut tx, tallies).await?;
    let paths: Vec<&str> = final_areas.iter().map(|a| a.path.as_str()).collect();
    audit::record(
        &mut tx,
        actor,
        Event::new("import", "file", file_name)
            .area(&common_area(&paths))
            .detail(serde_json::json!({
                "format": report.format,
                "encoding": report.encoding,
                "rows": report.rows,
                "households": report.households,
                "residents": report.residents,
                "new_areas": local.created,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A unique violation while inserting residents: another writer registered one of the file's
/// documents after the check. The transaction rolls back; a re-run names the rows.
fn registered_meanwhile(e: DbError) -> AppError {
    match e {
        DbError::Unique(_) => AppError::Conflict(Msg::new(
            "a document in the file was registered by someone else while the import ran; nothing was imported — import the file again to see which rows",
            "导入过程中，文件中的某个证件已被他人登记；本次未导入任何数据，请重新导入以查看是哪些行",
        )),
        other => AppError::Db(other),
    }
}
