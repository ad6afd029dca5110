//! Reading an import file: opening it (CSV or XLSX), mapping its header to the template's
//! columns, and parsing each row on its own.

use super::*;

/// A row that was read, with what is wrong with it on its own (if anything).
pub(super) struct Parsed {
    pub(super) row: usize,
    pub(super) area: Option<String>,
    pub(super) grid: Option<String>,
    pub(super) building: Option<String>,
    pub(super) household: String,
    pub(super) address: Option<String>,
    pub(super) kind: Option<&'static str>,
    /// `None` when a resident field is invalid (then `errs` says why).
    pub(super) data: Option<ResidentData>,
    pub(super) errs: Vec<FieldError>,
}

pub(super) fn file_error(row: usize, en: impl Into<String>, zh: impl Into<String>) -> FieldError {
    FieldError::new("file", en, zh).at_row(row)
}

pub(super) const SAVE_AS: (&str, &str) = (
    "save it from Excel or WPS as \"CSV UTF-8 (comma delimited)\" or as an .xlsx workbook and try again",
    "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 工作簿后重试",
);

/// How the file's records are read.
#[derive(Clone, Copy)]
pub(super) enum Format {
    Csv(source::CsvMeta),
    Xlsx,
}

/// The file, opened: how it is read, what is worth telling, and an estimate of its rows.
pub(super) struct Opened {
    pub(super) format: Format,
    pub(super) notes: Vec<Msg>,
    pub(super) estimate: usize,
}

impl Opened {
    pub(super) fn format_name(&self) -> &'static str {
        match self.format {
            Format::Csv(_) => "csv",
            Format::Xlsx => "spreadsheet",
        }
    }
    pub(super) fn encoding(&self) -> &'static str {
        match self.format {
            Format::Csv(m) => m.label,
            Format::Xlsx => "",
        }
    }
}

/// Tell the file's format by its content (a file named .xlsx that is not a zip is most often a
/// renamed CSV, and a spreadsheet saved as .csv is still a spreadsheet) and check it can be
/// read within the limits.
pub(super) fn open(file_name: &str, input: &Input) -> Result<Opened, FieldError> {
    match source::kind(input)? {
        source::Kind::Xls => Err(source::old_format_error(
            "an Excel 97–2003 (.xls) workbook",
            " Excel 97–2003（.xls）工作簿",
        )),
        source::Kind::Xlsx | source::Kind::OtherZip => {
            source::check_xlsx(input)?;
            Ok(Opened {
                format: Format::Xlsx,
                notes: Vec::new(),
                estimate: 1,
            })
        }
        source::Kind::Csv => {
            let meta = source::sniff_csv(input).map_err(|e| {
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
            })?;
            let mut notes = Vec::new();
            if meta.label == "gbk" {
                notes.push(Msg::new(
                    "the file is not UTF-8; it was read as GBK (GB18030), the encoding Excel uses for CSV on Chinese Windows",
                    "文件不是 UTF-8 编码，已按 GBK（GB18030）读取，即中文版 Windows 上 Excel 保存 CSV 时的编码",
                ));
            }
            Ok(Opened {
                format: Format::Csv(meta),
                notes,
                estimate: meta.lines.saturating_sub(1).max(1),
            })
        }
    }
}

/// Hand every record of the file to `f`, in order, until it returns false.
pub(super) fn each_record(
    input: &Input,
    format: &Format,
    f: &mut dyn FnMut(Rec) -> bool,
) -> Result<(), FieldError> {
    match format {
        Format::Csv(meta) => source::csv_records(input, meta, f),
        Format::Xlsx => source::xlsx_records(input, &|d| cell_text(d).map(Cow::into_owned), f),
    }
}

/// Numbers of 16 or more digits cannot be exact in a spreadsheet (which keeps 15 significant
/// digits): an 18-digit ID number typed into a Number cell has already lost its last digits.
pub(super) const EXACT_LIMIT: f64 = 1e15;

/// A spreadsheet cell as the text a person would have typed.
pub(super) fn cell_text(d: &calamine::Data) -> Result<Cow<'_, str>, Msg> {
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

/// Which file column holds each field.
pub(super) struct ColMap(Vec<(&'static str, usize)>);

impl ColMap {
    pub(super) fn get(&self, field: &str) -> Option<usize> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, i)| *i)
    }
    pub(super) fn field_at(&self, col: usize) -> Option<&'static str> {
        self.0.iter().find(|(_, i)| *i == col).map(|(f, _)| *f)
    }
}

/// What one reading of the file found besides its rows.
pub(super) struct Scanned {
    /// Data rows (not blank, after the header).
    pub(super) rows: usize,
    /// File-level problems (header, format).
    pub(super) errors: Vec<FieldError>,
}

pub(super) fn local_name(field: &'static str, v: &Option<String>, errs: &mut Vec<FieldError>) {
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

/// Read the file from its start: find the header, parse and check every row on its own on
/// worker threads, and hand the rows to `sink` in file order, a batch at a time. Only a few
/// batches are in memory at once. `progress` (when given) hears of the rows read.
pub(super) fn scan(
    input: &Input,
    opened: &Opened,
    progress: Option<&dyn Fn(ImportProgress)>,
    sink: &mut (dyn FnMut(Vec<Parsed>) + Send),
) -> Scanned {
    let mut out = Scanned {
        rows: 0,
        errors: Vec::new(),
    };
    let total = opened.estimate;
    let col: std::sync::OnceLock<ColMap> = std::sync::OnceLock::new();
    let mut last_row = 0usize;
    let mut stop_error = None;
    // The file is read here, in order; the rows are checked on worker threads, a batch at a
    // time, and put back in order by the collector, which hands them to the sink.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Rec>)>(workers * 2);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Parsed>)>(workers * 2);
    let col = &col;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let batch_rx = &batch_rx;
            s.spawn(move || loop {
                let next = batch_rx.lock().expect("batch queue").recv();
                let Ok((i, recs)) = next else { break };
                let col = col.get().expect("the header comes before the rows");
                let parsed = recs.iter().map(|r| parse_row(col, r)).collect();
                if done_tx.send((i, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        s.spawn(move || {
            let mut next = 0;
            let mut waiting = std::collections::BTreeMap::new();
            for (i, parsed) in done_rx {
                waiting.insert(i, parsed);
                while let Some(p) = waiting.remove(&next) {
                    sink(p);
                    next += 1;
                }
            }
        });
        let mut batch = Vec::with_capacity(READ_BATCH);
        let mut batches = 0;
        let read = each_record(input, &opened.format, &mut |rec| {
            last_row = rec.row;
            if col.get().is_none() {
                // The header: the first record that is not blank.
                if rec.fields.iter().all(|f| f.trim().is_empty()) {
                    return true;
                }
                match header_columns(&rec) {
                    Ok(c) => {
                        let _ = col.set(c);
                        return true;
                    }
                    Err(e) => {
                        stop_error = Some(e);
                        return false;
                    }
                }
            }
            if rec.fields.iter().all(|f| f.trim().is_empty()) && rec.cell_errors.is_empty() {
                return true;
            }
            out.rows += 1;
            batch.push(rec);
            if batch.len() == READ_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(READ_BATCH));
                let _ = batch_tx.send((batches, full));
                batches += 1;
            }
            if let Some(progress) = progress {
                if out.rows.is_multiple_of(PROGRESS_EVERY) {
                    progress(ImportProgress {
                        phase: ImportPhase::Read,
                        done: out.rows,
                        total: total.max(out.rows),
                    });
                }
            }
            true
        });
        if let Err(e) = read {
            out.errors.push(e);
        }
        out.errors.extend(stop_error.take());
        if !batch.is_empty() {
            let _ = batch_tx.send((batches, batch));
        }
        drop(batch_tx);
    });
    if out.errors.is_empty() && col.get().is_none() {
        out.errors.push(file_error(
            1,
            "the file is empty: it has no header row and no data; start from the template",
            "文件是空的：既没有表头也没有数据，请使用导入模板填写",
        ));
    } else if out.rows == 0 && out.errors.is_empty() {
        out.errors.push(file_error(
            last_row + 1,
            "the file has a header but no data rows; nothing to import",
            "文件只有表头，没有数据行，没有可导入的内容",
        ));
    }
    if let Some(progress) = progress {
        progress(ImportProgress {
            phase: ImportPhase::Read,
            done: out.rows,
            total: out.rows,
        });
    }
    out
}

/// Which column holds each field, from the header; every required column must be there.
pub(super) fn header_columns(header: &Rec) -> Result<ColMap, FieldError> {
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
        return Err(file_error(
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
    }
    Ok(col)
}

/// A number as Excel writes a long one into a CSV when its column is formatted as Number or
/// General: `4.31102E+17`, `1.38123e+10`.
pub fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.trim().split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let mut parts = mantissa.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("0");
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// The explanation of a number that Excel wrote in scientific notation into a CSV file.
pub(super) fn scientific_error(field: &'static str, raw: &str) -> FieldError {
    FieldError::new(
        field,
        format!(
            "Excel wrote this number as {raw}: the column was formatted as Number or General, which keeps only 15 digits, so the last digits are lost and cannot be recovered from this file. In Excel, select the column, choose Format Cells → Text, type the numbers in again (or paste them into the XLSX template, whose columns are Text), save and import again"
        ),
        format!(
            "Excel 把这个号码写成了 {raw}：该列是“常规”或“数值”格式，只保留 15 位有效数字，末几位已经丢失，无法从此文件恢复。请在 Excel 中选中该列，设置单元格格式为“文本”，重新填写号码（或填入导入模板 XLSX，其各列已是文本格式），保存后再导入"
        ),
    )
}

pub(super) fn parse_row(col: &ColMap, rec: &Rec) -> Parsed {
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
    // Excel's scientific notation (`4.31102E+17`): the number's last digits are gone; say why
    // and what to do, instead of "has 11 characters".
    for field in ["doc_number", "phone", "area"] {
        let raw = get(field);
        if is_scientific(raw) {
            errs.retain(|e| e.field != field);
            errs.push(scientific_error(field, raw));
            data = None;
        }
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
        area: opt("area").filter(|a| !is_scientific(a)),
        grid,
        building,
        household,
        address,
        kind,
        data,
        errs,
    }
}
