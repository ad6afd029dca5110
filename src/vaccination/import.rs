//! The import of the vaccination system's export (CSV or XLSX; UTF-8 or GBK, told apart by
//! content): one dose per row, matched to residents by ID number (check digit verified). The
//! file is read through `registry::import_source` (decoding, limits, bounded memory), checked
//! whole, and written all at once or not at all: every bad row is named (up to
//! [`MAX_ERRORS`]), and a dose for an ID number no resident in the reader's scope has is
//! reported, never guessed. A dose already recorded the same (number, product, date) is
//! skipped, so an export that overlaps an earlier one imports cleanly.
//!
//! Columns, by header (Chinese or English, any order): 身份证号/id_number, 疫苗/product,
//! 剂次/dose_no, 接种日期/given_on, and optionally 接种单位/site, 批号/batch, 姓名/name
//! (ignored: the ID number decides).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use super::catalogue::{self, Product};
use super::doses::{self, Change, StatusRow};
use super::{day_number, ymd};
use crate::access::Reader;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Value};
use crate::error::{AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::import_source::{self as source, Input, Rec};

/// ID numbers (or resident ids) per lookup query: one query per chunk, within the parameter
/// limits of both backends.
const LOOKUP_CHUNK: usize = 5000;

/// Problems listed in a report; more are counted.
pub const MAX_ERRORS: usize = 1000;

/// The columns: (field, header names accepted).
pub const COLUMNS: &[(&str, &[&str])] = &[
    (
        "id_number",
        &[
            "身份证号",
            "身份证号码",
            "证件号码",
            "id_number",
            "id number",
        ],
    ),
    (
        "product",
        &["疫苗", "疫苗名称", "疫苗种类", "product", "vaccine"],
    ),
    ("dose_no", &["剂次", "针次", "dose_no", "dose"]),
    ("given_on", &["接种日期", "接种时间", "given_on", "date"]),
    ("site", &["接种单位", "接种点", "site"]),
    ("batch", &["批号", "疫苗批号", "batch"]),
    ("name", &["姓名", "name"]),
];

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    /// `csv` or `spreadsheet`.
    pub format: &'static str,
    /// `utf-8`, `gbk` or `utf-16` for CSV.
    pub encoding: &'static str,
    pub notes: Vec<Msg>,
    /// Data rows read.
    pub rows: usize,
    /// Doses written (or, checked only, to be written).
    pub doses: usize,
    /// Rows already recorded the same, skipped.
    pub skipped: usize,
    /// Residents whose doses changed.
    pub residents: usize,
    pub errors: Vec<FieldError>,
    pub more_errors: usize,
    pub committed: bool,
    /// Seconds spent in each phase (reading and parsing, ID lookup, doses already recorded,
    /// checking, inserting doses, statuses and tallies, commit), for the bench's profile.
    #[serde(skip)]
    pub phases: Vec<(&'static str, f64)>,
}

impl ImportReport {
    fn push(&mut self, e: FieldError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.more_errors += 1;
        }
    }
}

/// One row, parsed on its own.
struct Row {
    row: usize,
    id: String,
    product: u16,
    dose_no: i64,
    day: i64,
    site: u32,
    batch: String,
}

fn cell_text(d: &calamine::Data) -> Result<String, Msg> {
    use calamine::Data;
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.abs() >= 1e15 {
                return Err(Msg::new(
                    "the cell holds a number of more than 15 digits: the spreadsheet has lost the ID number's last digits; format the column as Text, type the numbers again and re-import",
                    "该单元格是超过 15 位的数值：表格已丢失身份证号码的末几位；请把这一列设为“文本”格式，重新填写后再导入",
                ));
            }
            if f.fract() == 0.0 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, dd, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{dd:02}")
        }
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or("").to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => {
            return Err(Msg::new(
                format!("the cell holds a spreadsheet error ({e})"),
                format!("该单元格是表格计算错误（{e}）"),
            ))
        }
    })
}

fn file_error(row: usize, en: impl Into<String>, zh: impl Into<String>) -> FieldError {
    FieldError::new("file", en, zh).at_row(row)
}

/// Everything read from the file before the database is asked.
struct Scanned {
    rows: Vec<Row>,
    sites: Vec<String>,
    report: ImportReport,
}

/// Read and parse every row (on a blocking thread: the file is read as a stream).
fn scan(input: &Input, cat: &[Product]) -> Scanned {
    let mut report = ImportReport::default();
    let mut out = Scanned {
        rows: Vec::new(),
        sites: Vec::new(),
        report: ImportReport::default(),
    };
    enum Fmt {
        Csv(source::CsvMeta),
        Xlsx,
    }
    let fmt = match source::kind(input) {
        Err(e) => {
            report.push(e);
            out.report = report;
            return out;
        }
        Ok(source::Kind::Xls) => {
            report.push(source::old_format_error(
                "an Excel 97–2003 (.xls) workbook",
                " Excel 97–2003（.xls）工作簿",
            ));
            out.report = report;
            return out;
        }
        Ok(source::Kind::Xlsx | source::Kind::OtherZip) => match source::check_xlsx(input) {
            Ok(()) => {
                report.format = "spreadsheet";
                Fmt::Xlsx
            }
            Err(e) => {
                report.push(e);
                out.report = report;
                return out;
            }
        },
        Ok(source::Kind::Csv) => match source::sniff_csv(input) {
            Ok(m) => {
                report.format = "csv";
                report.encoding = m.label;
                if m.label == "gbk" {
                    report.notes.push(Msg::new(
                        "the file is not UTF-8; it was read as GBK (GB18030)",
                        "文件不是 UTF-8 编码，已按 GBK（GB18030）读取",
                    ));
                }
                Fmt::Csv(m)
            }
            Err(e) => {
                report.push(e);
                out.report = report;
                return out;
            }
        },
    };
    let mut cols: Option<HashMap<&'static str, usize>> = None;
    let mut site_ids: HashMap<String, u32> = HashMap::new();
    let mut header_error = None;
    let mut each = |rec: Rec| -> bool {
        let Some(map) = &cols else {
            // The first non-blank row is the header.
            if rec.fields.iter().all(|f| f.trim().is_empty()) {
                return true;
            }
            let mut m = HashMap::new();
            for (i, h) in rec.fields.iter().enumerate() {
                let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
                if let Some((field, _)) = COLUMNS
                    .iter()
                    .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == h))
                {
                    m.entry(*field).or_insert(i);
                }
            }
            let missing: Vec<&str> = ["id_number", "product", "dose_no", "given_on"]
                .into_iter()
                .filter(|f| !m.contains_key(f))
                .collect();
            if !missing.is_empty() {
                let zh: Vec<&str> = missing
                    .iter()
                    .map(|f| COLUMNS.iter().find(|c| c.0 == *f).expect("known").1[0])
                    .collect();
                header_error = Some(file_error(
                    rec.row,
                    format!(
                        "the header lacks the columns {}; the export needs 身份证号, 疫苗, 剂次 and 接种日期",
                        missing.join(", ")
                    ),
                    format!("表头缺少以下列：{}；导出文件应包含身份证号、疫苗、剂次和接种日期", zh.join("、")),
                ));
                return false;
            }
            cols = Some(m);
            return true;
        };
        if rec.fields.iter().all(|f| f.trim().is_empty()) {
            return true;
        }
        report.rows += 1;
        let get = |f: &str| {
            map.get(f)
                .and_then(|i| rec.fields.get(*i))
                .unwrap_or("")
                .trim()
        };
        let mut bad = false;
        for (c, m) in &rec.cell_errors {
            let field = COLUMNS
                .iter()
                .find(|x| map.get(x.0) == Some(c))
                .map_or("file", |x| x.0);
            report.push(FieldError::new(field, m.en.clone(), m.zh.clone()).at_row(rec.row));
            bad = true;
        }
        if bad {
            return true;
        }
        let mut row_err = |e: FieldError| report.push(e.at_row(rec.row));
        let id = match crate::registry::validate::parse_id_card(get("id_number")) {
            Ok(c) => Some(c.number),
            Err(e) => {
                row_err(FieldError {
                    field: "id_number",
                    ..e
                });
                None
            }
        };
        let product = match catalogue::find_loose(cat, get("product")) {
            Some(p) => cat.iter().position(|x| x.code == p.code).map(|i| i as u16),
            None => {
                let p = get("product");
                row_err(FieldError::new(
                    "product",
                    format!("{p:?} is not in the vaccine catalogue"),
                    format!("疫苗目录中没有“{p}”"),
                ));
                None
            }
        };
        let dose_no = match get("dose_no")
            .trim_start_matches('第')
            .trim_end_matches(['剂', '针'])
            .parse::<i64>()
        {
            Ok(n) if (1..=9).contains(&n) => Some(n),
            _ => {
                row_err(FieldError::new(
                    "dose_no",
                    format!("{:?} is not a dose number from 1 to 9", get("dose_no")),
                    format!("“{}”不是 1 到 9 的剂次", get("dose_no")),
                ));
                None
            }
        };
        let day =
            match super::parse_day("given_on", get("given_on").split(' ').next().unwrap_or("")) {
                Ok(d) => Some(d),
                Err(e) => {
                    row_err(e);
                    None
                }
            };
        let site = get("site");
        let batch = get("batch");
        if site.chars().count() > 100 || batch.chars().count() > 40 {
            row_err(FieldError::new(
                if batch.chars().count() > 40 {
                    "batch"
                } else {
                    "site"
                },
                "too long (site up to 100 characters, batch up to 40)",
                "内容过长（接种单位最多 100 个字符，批号最多 40 个）",
            ));
            return true;
        }
        if let (Some(id), Some(product), Some(dose_no), Some(day)) = (id, product, dose_no, day) {
            let n = site_ids.len() as u32;
            let site = *site_ids.entry(site.to_owned()).or_insert(n);
            out.rows.push(Row {
                row: rec.row,
                id,
                product,
                dose_no,
                day,
                site,
                batch: batch.to_owned(),
            });
        }
        true
    };
    let read = match fmt {
        Fmt::Csv(m) => source::csv_records(input, &m, &mut each),
        Fmt::Xlsx => source::xlsx_records(input, &cell_text, &mut each),
    };
    if let Some(e) = header_error {
        report.push(e);
    } else if cols.is_none() && read.is_ok() {
        report.push(file_error(1, "the file is empty", "文件是空的"));
    }
    if let Err(e) = read {
        report.push(e);
    }
    let mut sites = vec![String::new(); site_ids.len()];
    for (s, i) in site_ids {
        sites[i as usize] = s;
    }
    out.sites = sites;
    out.report = report;
    out
}

/// A resident's doses in order: (number, product, date).
type Seq = Vec<(i64, String, String)>;

/// A resident found by ID number.
struct Found {
    id: i64,
    doc_number: String,
    path: String,
    community_id: i64,
    birth_date: Option<String>,
}
crate::from_row!(Found {
    id,
    doc_number,
    path,
    community_id,
    birth_date
});

struct Have {
    resident_id: i64,
    dose_no: i64,
    product: String,
    given_on: String,
}
crate::from_row!(Have {
    resident_id,
    dose_no,
    product,
    given_on
});

/// Import an export file (`dry_run`: check only). Problems come back in the report, with
/// nothing written.
pub async fn import_file(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    today: i64,
) -> AppResult<ImportReport> {
    import_input(
        db,
        actor,
        r,
        file_name,
        Input::Bytes(Arc::from(bytes)),
        dry_run,
        today,
    )
    .await
}

/// [`import_file`] for a file on disk (read as a stream, never held whole).
pub async fn import_path(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    path: &std::path::Path,
    dry_run: bool,
    today: i64,
) -> AppResult<ImportReport> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_owned();
    import_input(
        db,
        actor,
        r,
        &name,
        Input::File(Arc::new(path.to_owned())),
        dry_run,
        today,
    )
    .await
}

async fn import_input(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    file_name: &str,
    input: Input,
    dry_run: bool,
    today: i64,
) -> AppResult<ImportReport> {
    super::require_import(r)?;
    let mut clock = std::time::Instant::now();
    let mut phases: Vec<(&'static str, f64)> = Vec::new();
    let mut lap = |name: &'static str| {
        phases.push((name, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let cat = catalogue::products(db).await?;
    let cat2 = cat.clone();
    let Scanned {
        rows,
        sites,
        mut report,
    } = tokio::task::spawn_blocking(move || scan(&input, &cat2))
        .await
        .map_err(|e| crate::error::AppError::Internal(format!("import thread: {e}")))?;
    lap("parse");
    if rows.is_empty() && !report.errors.is_empty() {
        return Ok(report);
    }
    // Residents by ID number, within the reader's scope.
    let scope = r.registry_scope();
    let mut ids: Vec<&str> = rows.iter().map(|x| x.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found: HashMap<String, Found> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT r.id, r.doc_number, h.path, h.community_id, r.birth_date \
             FROM residents r JOIN households h ON h.id = r.household_id \
             WHERE r.doc_type = 'id_card' AND r.doc_number IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        for f in db
            .query_as::<Found>(&sql, chunk.iter().map(|s| Value::from(*s)).collect())
            .await?
        {
            if scope.contains(&f.path) {
                found.insert(f.doc_number.clone(), f);
            }
        }
    }
    lap("id_lookup");
    // Doses already recorded for them.
    let resident_ids: Vec<i64> = found.values().map(|f| f.id).collect();
    let mut have: HashMap<i64, Vec<(i64, String, String)>> = HashMap::new();
    for chunk in resident_ids.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT resident_id, dose_no, product, given_on FROM vax_doses WHERE resident_id IN ({}) ORDER BY resident_id, dose_no",
            crate::db::placeholders(1, chunk.len())
        );
        for h in db
            .query_as::<Have>(&sql, chunk.iter().map(|i| Value::from(*i)).collect())
            .await?
        {
            have.entry(h.resident_id)
                .or_default()
                .push((h.dose_no, h.product, h.given_on));
        }
    }
    lap("recorded_doses");
    // Each resident's rows in dose order, checked against what is recorded and each other.
    let mut by_resident: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, x) in rows.iter().enumerate() {
        match found.get(&x.id) {
            Some(f) => by_resident.entry(f.id).or_default().push(i),
            None => report.push(
                FieldError::new(
                    "id_number",
                    format!(
                        "no resident with ID number {} in your area; register the resident first (the dose is not matched by name)",
                        crate::registry::validate::mask_doc(&x.id)
                    ),
                    format!(
                        "您的辖区内没有身份证号码为 {} 的居民；请先登记该居民（不按姓名匹配）",
                        crate::registry::validate::mask_doc(&x.id)
                    ),
                )
                .at_row(x.row),
            ),
        }
    }
    let by_id: HashMap<i64, &Found> = found.values().map(|f| (f.id, f)).collect();
    let mut new_doses: Vec<(i64, usize)> = Vec::new();
    let mut statuses: Vec<(i64, Seq)> = Vec::new();
    let mut residents: Vec<i64> = by_resident.keys().copied().collect();
    residents.sort_unstable();
    for rid in &residents {
        let mut idx = by_resident[rid].clone();
        idx.sort_by_key(|&i| (rows[i].dose_no, rows[i].row));
        let f = by_id[rid];
        let birth = f.birth_date.as_deref().and_then(day_number);
        let mut seq = have.remove(rid).unwrap_or_default();
        let mut changed = false;
        for i in idx {
            let x = &rows[i];
            let product = &cat[x.product as usize].code;
            if let Some(old) = seq.iter().find(|d| d.0 == x.dose_no) {
                if old.1 == *product && old.2 == ymd(x.day) {
                    report.skipped += 1;
                    continue;
                }
            }
            let refs: Vec<(i64, &str, &str)> = seq
                .iter()
                .map(|(n, p, g)| (*n, p.as_str(), g.as_str()))
                .collect();
            match doses::check_next(&refs, &cat, product, x.dose_no, x.day, birth, today) {
                Ok(()) => {
                    seq.push((x.dose_no, product.clone(), ymd(x.day)));
                    new_doses.push((*rid, i));
                    changed = true;
                }
                Err(e) => report.push(e.at_row(x.row)),
            }
        }
        if changed {
            statuses.push((*rid, seq));
        }
    }
    report.errors.sort_by_key(|e| e.row);
    report.doses = new_doses.len();
    report.residents = statuses.len();
    lap("check");
    if dry_run || !report.errors.is_empty() || report.more_errors > 0 {
        return Ok(report);
    }
    // Write: the doses, the statuses and the tallies, in one transaction.
    let now = crate::db::now_ms();
    let mut tx = db.begin_bulk().await?;
    tx.lock_rows("residents", &residents).await?;
    // A dose recorded meanwhile for the same number meets the unique index: a conflict.
    const COLS: &[&str] = &[
        "resident_id",
        "dose_no",
        "product",
        "given_on",
        "site",
        "batch",
        "source",
        "recorded_by",
        "recorded_ms",
    ];
    for chunk in new_doses.chunks(50_000) {
        let mut vals = Vec::with_capacity(chunk.len() * COLS.len());
        for &(rid, i) in chunk {
            let x = &rows[i];
            vals.extend([
                Value::from(rid),
                Value::from(x.dose_no),
                Value::from(cat[x.product as usize].code.as_str()),
                Value::from(ymd(x.day)),
                Value::from(sites[x.site as usize].as_str()),
                Value::from(x.batch.as_str()),
                Value::from("import"),
                Value::from(actor.username.as_str()),
                Value::from(now),
            ]);
        }
        tx.bulk_insert("vax_doses", COLS, vals, None).await.map_err(|e| match e {
            crate::db::DbError::Unique(_) => crate::error::AppError::Conflict(Msg::new(
                "doses were recorded for these residents while the file was checked; import it again",
                "检查文件期间这些居民有新的接种记录，请重新导入",
            )),
            e => e.into(),
        })?;
    }
    lap("insert_doses");
    for chunk in statuses.chunks(20_000) {
        let ids: Vec<i64> = chunk.iter().map(|s| s.0).collect();
        let old = doses::stored_in(&mut tx, &ids).await?;
        let changes = chunk
            .iter()
            .map(|(rid, seq)| {
                let f = by_id[rid];
                let refs: Vec<(i64, &str, &str)> = seq
                    .iter()
                    .map(|(n, p, g)| (*n, p.as_str(), g.as_str()))
                    .collect();
                Change {
                    resident_id: *rid,
                    old: old.get(rid).cloned(),
                    new: doses::derive(&refs, &cat).map(|d| StatusRow {
                        resident_id: *rid,
                        community_id: f.community_id,
                        path: f.path.clone(),
                        birth_year: doses::birth_year(f.birth_date.as_deref()),
                        d,
                    }),
                }
            })
            .collect();
        doses::apply(&mut tx, changes, now).await?;
    }
    lap("status_and_tallies");
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "vax_import",
            "vax_import",
            file_name.chars().take(100).collect::<String>(),
        )
        .detail(
            json!({"rows": report.rows, "doses": report.doses, "skipped": report.skipped,
                           "residents": report.residents, "format": report.format}),
        ),
    )
    .await?;
    tx.commit().await?;
    lap("commit");
    report.committed = true;
    report.phases = phases;
    Ok(report)
}
