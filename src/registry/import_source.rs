//! An import file read as a stream of records, in bounded memory whatever the file holds.
//!
//! The file is never held decoded or expanded in memory: a CSV file is decoded as it is read
//! (UTF-8, GB18030 or UTF-16, told apart by a first pass over the bytes), and an XLSX workbook
//! is checked part by part for its real decompressed size before calamine opens it, then its
//! first sheet is read cell by cell and rows are built sparsely, so a cell at `XFD1048576`
//! costs one cell, not a grid. Anything beyond the limits below is refused with a message
//! naming the limit. Old `.xls` and OpenDocument `.ods` files are refused with the advice to
//! save them as `.xlsx` or CSV: their readers build a dense grid of the declared size.

use std::collections::VecDeque;
use std::io::{self, Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::FieldError;
use crate::i18n::Msg;

/// Columns read from a spreadsheet: the template's 17 and room for a cadre's own notes.
/// Content beyond them is refused.
pub const MAX_SHEET_COLUMNS: u32 = 64;
/// Rows of a spreadsheet: Excel's own limit.
pub const MAX_SHEET_ROWS: u32 = 1_048_576;
/// The decompressed size of a worksheet: 1 KiB of XML per row at Excel's row limit.
pub const MAX_SHEET_XML: u64 = 1 << 30;
/// The decompressed size of each other part of a workbook (shared strings, styles, the
/// workbook itself). calamine keeps the shared strings in memory; 16 MiB of them is about
/// 650,000 distinct texts (some 150,000 rows). Larger files go as CSV.
pub const MAX_PART_XML: u64 = 16 << 20;
/// Parts in a workbook (a sheet, its relations, styles… Excel writes about a dozen).
pub const MAX_PARTS: usize = 1000;
/// The longest run of XML without a `<` in a part: a single text or tag longer than this is
/// refused (calamine would hold it whole).
pub const MAX_XML_RUN: u64 = 1 << 20;
/// The longest CSV record, decoded (a row of the template is well under 1 KiB).
pub const MAX_RECORD: u64 = 1 << 20;

const SAVE_AS: (&str, &str) = (
    "save it from Excel or WPS as \"CSV UTF-8 (comma delimited)\" or as an .xlsx workbook and try again",
    "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 工作簿后重试",
);

fn file_error(row: usize, en: impl Into<String>, zh: impl Into<String>) -> FieldError {
    FieldError::new("file", en, zh).at_row(row)
}

pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// An import file: in memory, or on disk (an upload spooled to a temporary file, or the CLI's
/// argument). Each pass opens it again.
#[derive(Clone)]
pub enum Input {
    Bytes(Arc<[u8]>),
    File(Arc<PathBuf>),
}

impl Input {
    pub fn open(&self) -> io::Result<Box<dyn ReadSeek>> {
        Ok(match self {
            Input::Bytes(b) => Box::new(io::Cursor::new(b.clone())),
            Input::File(p) => Box::new(io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&**p)?,
            )),
        })
    }

    /// The first `n` bytes (fewer if the file is shorter).
    pub fn head(&self, n: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(n);
        self.open()?.take(n as u64).read_to_end(&mut out)?;
        Ok(out)
    }
}

fn unreadable_io(e: io::Error) -> FieldError {
    file_error(
        1,
        format!("the file cannot be read: {e}"),
        format!("无法读取文件：{e}"),
    )
}

/// What a file is, told by its first bytes.
pub enum Kind {
    Csv,
    Xlsx,
    /// An OLE compound file: an old `.xls` workbook.
    Xls,
    /// A zip that is not an XLSX workbook (an `.ods` file, or anything else).
    OtherZip,
}

pub fn kind(input: &Input) -> Result<Kind, FieldError> {
    let head = input.head(8).map_err(unreadable_io)?;
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Ok(Kind::Xls);
    }
    if !head.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Csv);
    }
    Ok(Kind::Xlsx)
}

pub fn old_format_error(what_en: &str, what_zh: &str) -> FieldError {
    file_error(
        1,
        format!("the file is {what_en}, which is not read here (its reader would build the whole declared grid in memory); save it as an .xlsx workbook or as \"CSV UTF-8 (comma delimited)\" and try again"),
        format!("文件是{what_zh}，系统不读取这种格式；请另存为 .xlsx 工作簿或“CSV UTF-8（逗号分隔）”后重试"),
    )
}

// ---------------------------------------------------------------------------------------------
// CSV

/// How a CSV file is decoded and split.
#[derive(Clone, Copy)]
pub struct CsvMeta {
    pub encoding: &'static encoding_rs::Encoding,
    /// Bytes of byte-order mark skipped.
    pub skip: u64,
    /// `utf-8`, `gbk` or `utf-16`.
    pub label: &'static str,
    pub delimiter: u8,
    /// Line breaks in the file.
    pub lines: usize,
}

/// A first pass over a CSV file: its encoding (UTF-8 with or without BOM, UTF-16 with a BOM,
/// else GB18030, which includes GBK, when that decodes cleanly), its delimiter and its lines.
pub fn sniff_csv(input: &Input) -> Result<CsvMeta, FieldError> {
    let head = input.head(3).map_err(unreadable_io)?;
    let (candidates, skip): (&[(&'static encoding_rs::Encoding, &'static str)], u64) =
        if head.starts_with(b"\xEF\xBB\xBF") {
            (&[(encoding_rs::UTF_8, "utf-8")], 3)
        } else if head.starts_with(b"\xFF\xFE") {
            (&[(encoding_rs::UTF_16LE, "utf-16")], 2)
        } else if head.starts_with(b"\xFE\xFF") {
            (&[(encoding_rs::UTF_16BE, "utf-16")], 2)
        } else {
            (
                &[(encoding_rs::UTF_8, "utf-8"), (encoding_rs::GB18030, "gbk")],
                0,
            )
        };
    for &(encoding, label) in candidates {
        let mut lines = 0usize;
        let mut first = Vec::new();
        let mut first_done = false;
        let r = decode_all(input, skip, encoding, |chunk| {
            lines += chunk.iter().filter(|&&b| b == b'\n').count();
            if !first_done {
                let end = chunk.iter().position(|&b| b == b'\n');
                first.extend_from_slice(&chunk[..end.unwrap_or(chunk.len())]);
                first_done = end.is_some() || first.len() >= 1 << 16;
            }
        })
        .map_err(unreadable_io)?;
        match r {
            Ok(()) => {
                let first = String::from_utf8_lossy(&first);
                // Excel's "Unicode text" is tab-separated; some locales save with semicolons.
                let delimiter = if first.contains('\t') && !first.contains(',') {
                    b'\t'
                } else if first.contains(';') && !first.contains(',') {
                    b';'
                } else {
                    b','
                };
                return Ok(CsvMeta {
                    encoding,
                    skip,
                    label,
                    delimiter,
                    lines,
                });
            }
            Err(at) if skip == 3 => {
                return Err(file_error(
                    1,
                    format!(
                        "the file says it is UTF-8 but is not (at byte {}); {}",
                        at + skip,
                        SAVE_AS.0
                    ),
                    format!(
                        "文件标明为 UTF-8 编码，但第 {} 字节处不是 UTF-8；{}",
                        at + skip,
                        SAVE_AS.1
                    ),
                ))
            }
            Err(_) if skip == 2 => {
                return Err(file_error(
                    1,
                    format!("the file is not valid UTF-16; {}", SAVE_AS.0),
                    format!("文件不是有效的 UTF-16 编码；{}", SAVE_AS.1),
                ))
            }
            Err(_) => continue,
        }
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

/// Decode the whole file after `skip` bytes, handing the UTF-8 text on in chunks. `Ok(Err(at))`
/// when the bytes are not valid in `encoding` (at about byte `at`).
fn decode_all(
    input: &Input,
    skip: u64,
    encoding: &'static encoding_rs::Encoding,
    mut sink: impl FnMut(&[u8]),
) -> io::Result<Result<(), u64>> {
    let mut r = input.open()?;
    r.seek(io::SeekFrom::Start(skip))?;
    let mut dec = encoding.new_decoder_without_bom_handling();
    let mut inbuf = vec![0u8; 1 << 16];
    let mut out = vec![0u8; 1 << 17];
    let mut consumed = 0u64;
    loop {
        let n = read_full(&mut r, &mut inbuf)?;
        let last = n == 0;
        let mut src = &inbuf[..n];
        loop {
            let (res, read, written) = dec.decode_to_utf8_without_replacement(src, &mut out, last);
            sink(&out[..written]);
            src = &src[read..];
            consumed += read as u64;
            match res {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => continue,
                encoding_rs::DecoderResult::Malformed(bad, extra) => {
                    return Ok(Err(consumed.saturating_sub((bad + extra) as u64)))
                }
            }
        }
        if last {
            return Ok(Ok(()));
        }
    }
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The file decoded to UTF-8 as it is read, noting where its line breaks are (for row numbers)
/// and refusing a record longer than [`MAX_RECORD`].
pub struct Decoded {
    inner: Box<dyn ReadSeek>,
    dec: encoding_rs::Decoder,
    inbuf: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    finished: bool,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    /// Decoded bytes produced so far.
    produced: u64,
    /// Offsets of CR (true) and LF (false) not yet passed by a record.
    breaks: VecDeque<(u64, bool)>,
    /// Where the record being read started.
    record_start: u64,
    too_long: bool,
}

impl Decoded {
    pub fn new(input: &Input, meta: &CsvMeta) -> io::Result<Decoded> {
        let mut inner = input.open()?;
        inner.seek(io::SeekFrom::Start(meta.skip))?;
        Ok(Decoded {
            inner,
            dec: meta.encoding.new_decoder_without_bom_handling(),
            inbuf: vec![0u8; 1 << 16],
            in_pos: 0,
            in_len: 0,
            eof: false,
            finished: false,
            out: vec![0u8; 1 << 17],
            out_pos: 0,
            out_len: 0,
            produced: 0,
            breaks: VecDeque::new(),
            record_start: 0,
            too_long: false,
        })
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_pos < self.out_len {
                let n = (self.out_len - self.out_pos).min(buf.len());
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.produced - self.record_start > MAX_RECORD {
                self.too_long = true;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a record longer than 1 MiB",
                ));
            }
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = read_full(&mut self.inner, &mut self.inbuf)?;
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            let (res, read, written) = self.dec.decode_to_utf8_without_replacement(
                &self.inbuf[self.in_pos..self.in_len],
                &mut self.out,
                self.eof,
            );
            self.in_pos += read;
            for (i, b) in self.out[..written].iter().enumerate() {
                if *b == b'\n' || *b == b'\r' {
                    self.breaks
                        .push_back((self.produced + i as u64, *b == b'\r'));
                }
            }
            self.produced += written as u64;
            self.out_pos = 0;
            self.out_len = written;
            match res {
                encoding_rs::DecoderResult::InputEmpty => self.finished = self.eof,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(..) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the file changed while it was read",
                    ))
                }
            }
        }
    }
}

/// One record of the file: its row number (1-based, the header is row 1 in a CSV; the sheet's
/// own row number in a spreadsheet), its fields, and cells that could not be read as text.
pub struct Rec {
    pub row: usize,
    pub fields: csv::StringRecord,
    pub cell_errors: Vec<(usize, Msg)>,
}

/// Hand every record of a CSV file to `f` (until it returns false). A file that cannot be read
/// as CSV ends with `Err` after the records before the problem.
pub fn csv_records(
    input: &Input,
    meta: &CsvMeta,
    f: &mut dyn FnMut(Rec) -> bool,
) -> Result<(), FieldError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(meta.delimiter)
        .from_reader(Decoded::new(input, meta).map_err(unreadable_io)?);
    let mut line = 0usize;
    loop {
        let mut fields = csv::StringRecord::new();
        match rdr.read_record(&mut fields) {
            Ok(true) => {
                // The file's own line number, so quoted line breaks inside a field do not
                // shift it. Counted from the byte offset: the reader's own line count misses
                // CRLF line ends.
                let d = rdr.get_mut();
                let mut at = fields.position().map_or(0, |p| p.byte());
                while let Some(&(o, cr)) = d.breaks.front() {
                    if o >= at {
                        break;
                    }
                    line += !cr as usize;
                    d.breaks.pop_front();
                }
                // After a CR the reader may start the next record at the LF; records never
                // start with a line break.
                while let Some(&(o, cr)) = d.breaks.front() {
                    if o != at {
                        break;
                    }
                    line += !cr as usize;
                    at += 1;
                    d.breaks.pop_front();
                }
                d.record_start = at;
                let rec = Rec {
                    row: line + 1,
                    fields,
                    cell_errors: Vec::new(),
                };
                if !f(rec) {
                    return Ok(());
                }
            }
            Ok(false) => return Ok(()),
            Err(e) => {
                if rdr.get_ref().too_long {
                    return Err(file_error(
                        line + 2,
                        format!(
                            "a row starting near line {} is longer than {} KiB (an unclosed quote?); the file was not read further",
                            line + 2,
                            MAX_RECORD / 1024
                        ),
                        format!(
                            "第 {} 行附近的一行超过 {} KiB（是否有未闭合的引号？），文件未继续读取",
                            line + 2,
                            MAX_RECORD / 1024
                        ),
                    ));
                }
                let at = e.position().map_or(0, |p| p.line() as usize);
                return Err(file_error(
                    at,
                    format!("the file cannot be read as CSV: {e}"),
                    format!("文件格式错误，无法按 CSV 读取：{e}"),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// XLSX

/// A cell's name as a spreadsheet shows it (`XFD1048576`), from 0-based row and column.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        let r = ((c - 1) % 26) as u8;
        letters.push(b'A' + r);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

fn too_big(part: &str, limit: u64, what_en: &str, what_zh: &str) -> FieldError {
    file_error(
        1,
        format!(
            "the workbook is refused: its part {part} {what_en} (limit {} MiB); for a file this large, {}",
            limit >> 20,
            SAVE_AS.0
        ),
        format!(
            "拒绝读取该工作簿：其中的 {part} {what_zh}（上限 {} MiB）；文件较大时，{}",
            limit >> 20,
            SAVE_AS.1
        ),
    )
}

/// A sink that counts what is written to it and watches the XML for a run without `<` longer
/// than [`MAX_XML_RUN`] and for CDATA sections (which Excel never writes), up to a limit.
struct Counting {
    n: u64,
    limit: u64,
    /// Bytes since the last `<`.
    run: u64,
    longest: u64,
    /// The last bytes seen, for a `<![CDATA[` split between two writes.
    tail: Vec<u8>,
    cdata: bool,
}

impl io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.n += buf.len() as u64;
        match (memchr::memchr(b'<', buf), memchr::memrchr(b'<', buf)) {
            (Some(first), Some(last)) => {
                // A write is far shorter than the limit: only runs across writes can exceed it.
                self.longest = self.longest.max(self.run + first as u64);
                self.run = (buf.len() - last - 1) as u64;
            }
            _ => self.run += buf.len() as u64,
        }
        self.longest = self.longest.max(self.run);
        const CDATA: &[u8] = b"<![CDATA[";
        let edge = buf.len().min(CDATA.len() - 1);
        self.tail.extend_from_slice(&buf[..edge]);
        if memchr::memmem::find(&self.tail, CDATA).is_some()
            || memchr::memmem::find(buf, CDATA).is_some()
        {
            self.cdata = true;
        }
        self.tail.clear();
        self.tail
            .extend_from_slice(&buf[buf.len().saturating_sub(CDATA.len() - 1)..]);
        if self.n > self.limit || self.longest > MAX_XML_RUN || self.cdata {
            return Err(io::Error::other("limit"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Check every part of a workbook for its real decompressed size (declared sizes can lie)
/// before calamine opens it.
pub fn check_xlsx(input: &Input) -> Result<(), FieldError> {
    let unreadable = |e: String| {
        file_error(
            1,
            format!("the spreadsheet cannot be read ({e}); {}", SAVE_AS.0),
            format!("无法读取该表格文件（{e}）；{}", SAVE_AS.1),
        )
    };
    let mut zip = zip::ZipArchive::new(input.open().map_err(unreadable_io)?)
        .map_err(|e| unreadable(e.to_string()))?;
    if zip.len() > MAX_PARTS {
        return Err(file_error(
            1,
            format!(
                "the workbook is refused: it has {} parts (limit {MAX_PARTS}); {}",
                zip.len(),
                SAVE_AS.0
            ),
            format!(
                "拒绝读取该工作簿：其中有 {} 个部件（上限 {MAX_PARTS}）；{}",
                zip.len(),
                SAVE_AS.1
            ),
        ));
    }
    let mut is_xlsx = false;
    let mut is_ods = false;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(e.to_string()))?;
        let name = part
            .name()
            .map_err(|e| unreadable(e.to_string()))?
            .into_owned();
        is_xlsx |= name == "xl/workbook.xml";
        is_ods |= name == "content.xml" || name == "mimetype";
        let limit = if name.starts_with("xl/worksheets/") {
            MAX_SHEET_XML
        } else {
            MAX_PART_XML
        };
        let mut sink = Counting {
            n: 0,
            limit,
            run: 0,
            longest: 0,
            tail: Vec::with_capacity(16),
            cdata: false,
        };
        match io::copy(&mut part, &mut sink) {
            Ok(_) => {}
            Err(_) if sink.n > limit => {
                return Err(too_big(
                    &name,
                    limit,
                    "unpacks to more than its limit",
                    "解压后超过上限",
                ))
            }
            Err(_) if sink.longest > MAX_XML_RUN => {
                return Err(too_big(
                    &name,
                    MAX_XML_RUN,
                    "holds a single text or tag longer than its limit",
                    "中有单个文本或标记超过上限",
                ))
            }
            Err(_) if sink.cdata => {
                return Err(file_error(
                    1,
                    format!("the workbook is refused: its part {name} holds CDATA, which Excel and WPS never write; {}", SAVE_AS.0),
                    format!("拒绝读取该工作簿：其中的 {name} 含有 CDATA 段（Excel 和 WPS 不会生成）；{}", SAVE_AS.1),
                ))
            }
            Err(e) => return Err(unreadable(e.to_string())),
        }
    }
    if !is_xlsx {
        return Err(if is_ods {
            old_format_error(
                "an OpenDocument (.ods) spreadsheet",
                " OpenDocument（.ods）表格",
            )
        } else {
            unreadable("not an .xlsx workbook".into())
        });
    }
    Ok(())
}

/// Hand every non-blank row of the workbook's first sheet to `f` (until it returns false),
/// built from its cells one by one. `cell_text` turns a cell into text.
pub fn xlsx_records(
    input: &Input,
    cell_text: &dyn Fn(&calamine::Data) -> Result<String, Msg>,
    f: &mut dyn FnMut(Rec) -> bool,
) -> Result<(), FieldError> {
    use calamine::Reader;
    let unreadable = |e: String| {
        file_error(
            1,
            format!("the spreadsheet cannot be read ({e}); {}", SAVE_AS.0),
            format!("无法读取该表格文件（{e}）；{}", SAVE_AS.1),
        )
    };
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(input.open().map_err(unreadable_io)?)
        .map_err(|e| unreadable(e.to_string()))?;
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return Ok(());
    };
    let mut cells = wb
        .worksheet_cells_reader(&sheet)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut row: Option<u32> = None;
    let mut fields: Vec<String> = Vec::new();
    let mut errors: Vec<(usize, Msg)> = Vec::new();
    let emit = |row: u32, fields: &mut Vec<String>, errors: &mut Vec<(usize, Msg)>| Rec {
        row: row as usize + 1,
        fields: fields.drain(..).collect(),
        cell_errors: std::mem::take(errors),
    };
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
        let (r, c) = cell.get_position();
        let value: calamine::Data = cell.get_value().clone().into();
        if value == calamine::Data::Empty {
            continue;
        }
        if c >= MAX_SHEET_COLUMNS || r >= MAX_SHEET_ROWS {
            let name = cell_name(r, c);
            let last = cell_name(MAX_SHEET_ROWS - 1, MAX_SHEET_COLUMNS - 1);
            return Err(file_error(
                r as usize + 1,
                format!(
                    "the sheet has content in cell {name}, beyond the {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_ROWS} rows read (the last cell read is {last}); delete what is beyond them and try again"
                ),
                format!(
                    "工作表的 {name} 单元格有内容，超出读取范围（最多 {MAX_SHEET_COLUMNS} 列、{MAX_SHEET_ROWS} 行，最后一格为 {last}）；请删除范围外的内容后重试"
                ),
            ));
        }
        if row != Some(r) {
            if let Some(prev) = row {
                if !f(emit(prev, &mut fields, &mut errors)) {
                    return Ok(());
                }
            }
            row = Some(r);
        }
        let c = c as usize;
        if fields.len() <= c {
            fields.resize(c + 1, String::new());
        }
        match cell_text(&value) {
            Ok(t) => fields[c] = t,
            Err(m) => {
                fields[c].clear();
                errors.push((c, m));
            }
        }
    }
    if let Some(prev) = row {
        f(emit(prev, &mut fields, &mut errors));
    }
    Ok(())
}
