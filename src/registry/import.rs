//! Import of households and residents from a file: CSV (UTF-8 with or without BOM, GBK/GB18030,
//! UTF-16 with BOM) or an XLSX workbook, with Chinese or English column headers. The format is
//! told by content, not by the file name. Old `.xls` and `.ods` files are refused with the
//! advice to save them as `.xlsx` or CSV (see [`super::import_source`]).
//!
//! Every row is validated before anything is written, and every problem is reported (row,
//! column, what is wrong, in both languages; the first [`MAX_ERRORS`] listed, the rest
//! counted). Only a clean file is written, in one transaction with its audit entry: it commits
//! whole or not at all.
//!
//! The work runs in three phases, each reporting progress: reading and checking each row on its
//! own (blocking threads), checking the rows against the database (areas, registered documents:
//! a few batched queries) and against each other (households), then writing (bulk inserts with
//! ids assigned here, tallies summed in memory). Memory stays bounded whatever the file's
//! size: the file is streamed, the first reading keeps some 40 bytes a row (and each household
//! key and address once), and a clean file is read a second time to write it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::access::Scope;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Backend, Db, DbError, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas::{self, Area, Counts, AREA_COLS};
use crate::registry::import_source::{self as source, Input, Rec};
use crate::registry::model::*;
use crate::registry::residents::{self, ResidentData, ResidentInput};
use crate::registry::xlsx::XlsxWriter;

mod read;

pub use read::is_scientific;

use read::*;

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
/// in its grid named as the demo city names grids (第1网格), which validates as it stands
/// (the check digit, sex and birth date agree).
pub const TEMPLATE_EXAMPLE: [&str; 17] = [
    "431102001001",
    "第1网格",
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
    /// The first [`MAX_ERRORS`] problems, by row.
    pub errors: Vec<FieldError>,
    /// Problems found beyond those listed.
    pub more_errors: usize,
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

/// Rows per batch handed to the threads that check rows (some 30 batches are in flight).
const READ_BATCH: usize = 1024;

/// Rows per `IN (…)` look-up.
const LOOKUP_CHUNK: usize = 500;

fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// No value, in the compact rows.
const NONE: u32 = u32::MAX;
/// No document: the row's resident fields did not validate.
const NO_DOC: u64 = u64::MAX;
/// A document key with this bit is an index into the other documents; without it, an ID card
/// number packed exactly into 61 bits.
const OTHER_DOC: u64 = 1 << 63;

/// Up to this many problems are listed in a report; more are counted.
pub const MAX_ERRORS: usize = 10_000;

/// Texts of the file, each kept once, by number: all of them in one string, found again by
/// their hash (and, for the rare text whose hash another took, by an exact map). Some 30 bytes
/// a text besides the text itself, where a map of owned strings costs about 90.
#[derive(Default)]
struct Interner {
    text: String,
    /// Where each text ends in `text`.
    ends: Vec<u32>,
    by_hash: HashMap<u64, u32>,
    clashes: HashMap<Box<str>, u32>,
    hasher: std::hash::RandomState,
}

impl Interner {
    fn hash(&self, s: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, s)
    }
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn id(&mut self, s: &str) -> u32 {
        let h = self.hash(s);
        if let Some(&i) = self.by_hash.get(&h) {
            if self.name(i) == s {
                return i;
            }
            if let Some(&i) = self.clashes.get(s) {
                return i;
            }
            let i = self.push(s);
            self.clashes.insert(s.into(), i);
            return i;
        }
        let i = self.push(s);
        self.by_hash.insert(h, i);
        i
    }
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }
    fn opt(&mut self, s: &Option<String>) -> u32 {
        s.as_deref().map_or(NONE, |s| self.id(s))
    }
    fn get(&self, s: &str) -> Option<u32> {
        let i = *self.by_hash.get(&self.hash(s))?;
        if self.name(i) == s {
            Some(i)
        } else {
            self.clashes.get(s).copied()
        }
    }
    /// Keep the texts, forget how to find them (after the first reading).
    fn freeze(&mut self) {
        self.by_hash = HashMap::new();
        self.clashes = HashMap::new();
    }
    fn name(&self, i: u32) -> &str {
        let end = self.ends[i as usize] as usize;
        let start = match i {
            0 => 0,
            i => self.ends[i as usize - 1] as usize,
        };
        &self.text[start..end]
    }
}

/// An 18-character ID card number as a number: 17 digits and the check character (X = 10).
fn card_key(number: &str) -> Option<u64> {
    let b = number.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let check = match b[17] {
        d @ b'0'..=b'9' => (d - b'0') as u64,
        b'X' => 10,
        _ => return None,
    };
    let digits: u64 = number[..17].parse().ok()?;
    Some(digits * 11 + check)
}

fn card_number(key: u64) -> String {
    let (digits, check) = (key / 11, key % 11);
    let c = if check == 10 {
        'X'
    } else {
        (b'0' + check as u8) as char
    };
    format!("{digits:017}{c}")
}

/// A row as the checks need it: numbers instead of texts. The texts needed to write are read
/// again from the file.
struct Row {
    row: u32,
    /// Household key.
    hh: u32,
    area: u32,
    grid: u32,
    building: u32,
    address: u32,
    doc: u64,
    /// 0 for none, else 1 + index in `Compact::kinds`.
    kind: u8,
    /// The row has problems of its own.
    bad: bool,
    head: bool,
}

#[derive(Default)]
struct Errors {
    list: Vec<FieldError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, e: FieldError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }
}

/// What the first reading keeps of the file: some 40 bytes a row, and each household key,
/// address, area code, grid and building name once.
#[derive(Default)]
struct Compact {
    rows: Vec<Row>,
    households: Interner,
    addresses: Interner,
    /// Grid and building names.
    places: Interner,
    /// Area codes.
    areas: Interner,
    /// Documents other than ID cards, as "type\0number", and their index.
    other_docs: HashMap<String, u32>,
    other_list: Vec<(String, &'static str)>,
    kinds: Vec<&'static str>,
    errors: Errors,
}

impl Compact {
    fn doc_key(&mut self, number: &str, doc_type: &'static str) -> u64 {
        if doc_type == "id_card" {
            if let Some(k) = card_key(number) {
                return k;
            }
        }
        let key = format!("{doc_type}\0{number}");
        if let Some(&i) = self.other_docs.get(&key) {
            return OTHER_DOC | i as u64;
        }
        let i = self.other_list.len() as u32;
        self.other_list.push((number.to_owned(), doc_type));
        self.other_docs.insert(key, i);
        OTHER_DOC | i as u64
    }

    fn doc_number(&self, key: u64) -> String {
        if key & OTHER_DOC != 0 {
            self.other_list[(key & !OTHER_DOC) as usize].0.clone()
        } else {
            card_number(key)
        }
    }

    /// The key of a document found in the database, if the file holds it.
    fn known_key(&self, number: &str, doc_type: &str) -> Option<u64> {
        if doc_type == "id_card" {
            if let Some(k) = card_key(number) {
                return Some(k);
            }
        }
        self.other_docs
            .get(&format!("{doc_type}\0{number}"))
            .map(|&i| OTHER_DOC | i as u64)
    }

    fn absorb(&mut self, p: Parsed) {
        let doc = match &p.data {
            None => NO_DOC,
            Some(d) => self.doc_key(&d.doc_number, d.doc_type),
        };
        let head = p.data.as_ref().is_some_and(|d| d.relation == "head");
        let kind = match p.kind {
            None => 0,
            Some(k) => match self.kinds.iter().position(|x| *x == k) {
                Some(i) => i as u8 + 1,
                None => {
                    self.kinds.push(k);
                    self.kinds.len() as u8
                }
            },
        };
        let row = Row {
            row: p.row as u32,
            hh: self.households.id(&p.household),
            area: self.areas.opt(&p.area),
            grid: self.places.opt(&p.grid),
            building: self.places.opt(&p.building),
            address: self.addresses.opt(&p.address),
            doc,
            kind,
            bad: !p.errs.is_empty(),
            head,
        };
        for e in p.errs {
            self.errors.push(e.at_row(p.row));
        }
        self.rows.push(row);
    }
}

/// What the database knows about the file's areas and documents.
struct Known {
    /// By area code number: the area, for codes that exist.
    areas: Vec<Option<Area>>,
    /// Document key → (resident id, path), for documents registered already.
    docs: HashMap<u64, (i64, String)>,
}

/// A document registered already: whose it is and where.
struct KnownDoc {
    doc_number: String,
    doc_type: String,
    id: i64,
    path: String,
}
crate::from_row!(KnownDoc {
    doc_number,
    doc_type,
    id,
    path
});

/// Look the file's area codes and document numbers up, in batches.
async fn look_up(db: &Db, c: &Compact) -> AppResult<Known> {
    let mut found: HashMap<String, Area> = HashMap::new();
    let codes: Vec<String> = (0..c.areas.len() as u32)
        .map(|i| c.areas.name(i).to_owned())
        .collect();
    for chunk in codes.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT {AREA_COLS} FROM areas WHERE code IN ({})",
            in_list(1, chunk.len())
        );
        let params = chunk.iter().map(|c| Value::from(c.as_str())).collect();
        for a in db.query_as::<Area>(&sql, params).await? {
            found.insert(a.code.clone(), a);
        }
    }
    let mut known = Known {
        areas: codes.iter().map(|n| found.remove(n)).collect(),
        docs: HashMap::new(),
    };
    let empty = db
        .query_opt("SELECT id FROM residents LIMIT 1", vec![])
        .await?
        .is_none();
    if empty {
        return Ok(known);
    }
    let mut at = 0;
    while at < c.rows.len() {
        let mut chunk: Vec<Value> = Vec::with_capacity(LOOKUP_CHUNK);
        while at < c.rows.len() && chunk.len() < LOOKUP_CHUNK {
            if c.rows[at].doc != NO_DOC {
                chunk.push(Value::from(c.doc_number(c.rows[at].doc)));
            }
            at += 1;
        }
        if chunk.is_empty() {
            break;
        }
        let sql = format!(
            "SELECT doc_number, doc_type, id, path FROM residents WHERE doc_number IN ({})",
            in_list(1, chunk.len())
        );
        for r in db.query_as::<KnownDoc>(&sql, chunk).await? {
            if let Some(k) = c.known_key(&r.doc_number, &r.doc_type) {
                known.docs.insert(k, (r.id, r.path));
            }
        }
    }
    Ok(known)
}

/// Where a household goes and what it is: the first value given for each field (numbers of
/// the interned texts).
struct HouseholdPlan {
    key: u32,
    first_row: u32,
    area: u32,
    grid: u32,
    building: u32,
    address: u32,
    kind: u8,
    /// Its rows.
    size: u32,
    /// The row of its (first) head, 0 for none.
    head: u32,
}

/// A clean file's households in order of first appearance, and the household of each key.
struct Plan {
    households: Vec<HouseholdPlan>,
    /// Household key number → index in `households` (`NONE` for a rejected household).
    of_key: Vec<u32>,
    /// Rows that passed every check.
    rows: usize,
}

/// Check every row against the database and the rows against each other. Returns the plan;
/// errors go to `c.errors`.
fn check_rows(
    c: &mut Compact,
    known: &Known,
    scope: &Scope,
    progress: &dyn Fn(ImportProgress),
) -> Plan {
    let total = c.rows.len();
    let rows = std::mem::take(&mut c.rows);
    // Documents repeated within the file: the first row keeps it. Found by sorting the
    // documents' keys (16 bytes a row, only for this).
    let mut first_of: HashMap<u32, u32> = HashMap::new();
    {
        let mut keys: Vec<(u64, u32)> =
            Vec::with_capacity(rows.iter().filter(|r| r.doc != NO_DOC).count());
        keys.extend(
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.doc != NO_DOC)
                .map(|(i, r)| (r.doc, i as u32)),
        );
        keys.sort_unstable();
        for same in keys.chunk_by(|a, b| a.0 == b.0) {
            let first = rows[same[0].1 as usize].row;
            for &(_, i) in &same[1..] {
                first_of.insert(i, first);
            }
        }
    }
    // Households with a rejected row: their head check would only repeat that error.
    let mut rejected = vec![false; c.households.len()];
    let mut plan = Plan {
        households: Vec::with_capacity(c.households.len()),
        of_key: vec![NONE; c.households.len()],
        rows: 0,
    };
    let mut more_heads: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if (i + 1).is_multiple_of(PROGRESS_EVERY) {
            progress(ImportProgress {
                phase: ImportPhase::Check,
                done: i + 1,
                total,
            });
        }
        let mut errs = Vec::new();
        if r.area != NONE {
            let code = c.areas.name(r.area);
            match &known.areas[r.area as usize] {
                Some(a) if !scope.contains(&a.path) => errs.push(no_area(code)),
                None => errs.push(no_area(code)),
                Some(a) if a.level < LEVEL_COMMUNITY => errs.push(FieldError::new(
                    "area",
                    format!("{} is not a community/village, grid or building", a.name),
                    format!("{} 不是社区/村、网格或楼栋", a.name),
                )),
                _ => {}
            }
        }
        if r.doc != NO_DOC {
            if let Some(first) = first_of.get(&(i as u32)) {
                errs.push(FieldError::new(
                    "doc_number",
                    format!("the same document appears on row {first}"),
                    format!("与第 {first} 行证件重复"),
                ));
            } else if let Some((id, path)) = known.docs.get(&r.doc) {
                // Name the record only within the importer's scope.
                errs.push(if scope.contains(path) {
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
        if r.bad || !errs.is_empty() {
            rejected[r.hh as usize] = true;
            for e in errs {
                c.errors.push(e.at_row(r.row as usize));
            }
            continue;
        }
        // A household's fields come from the first row that gives each; rows that give a
        // different value disagree. And a household has exactly one head.
        let h = match plan.of_key[r.hh as usize] {
            NONE => {
                let h = plan.households.len() as u32;
                plan.of_key[r.hh as usize] = h;
                plan.households.push(HouseholdPlan {
                    key: r.hh,
                    first_row: r.row,
                    area: NONE,
                    grid: NONE,
                    building: NONE,
                    address: NONE,
                    kind: 0,
                    size: 0,
                    head: 0,
                });
                h
            }
            h => h,
        };
        plan.rows += 1;
        let hp = &mut plan.households[h as usize];
        hp.size += 1;
        let mut clash = false;
        for (slot, v) in [
            (&mut hp.area, r.area),
            (&mut hp.grid, r.grid),
            (&mut hp.building, r.building),
            (&mut hp.address, r.address),
        ] {
            if *slot == NONE {
                *slot = v;
            } else if v != NONE && v != *slot {
                clash = true;
            }
        }
        if hp.kind == 0 {
            hp.kind = r.kind;
        } else if r.kind != 0 && r.kind != hp.kind {
            clash = true;
        }
        if clash {
            rejected[r.hh as usize] = true;
            let key = c.households.name(r.hh);
            let first = hp.first_row;
            c.errors.push(
                FieldError::new(
                    "household",
                    format!(
                        "household {key} has another area, grid, building, address or type on row {first}; all its rows must agree"
                    ),
                    format!(
                        "户 {key} 的区划、网格、楼栋、地址或户类型与第 {first} 行不同，同一户的各行须一致"
                    ),
                )
                .at_row(r.row as usize),
            );
        }
        if r.head {
            if hp.head == 0 {
                hp.head = r.row;
            } else {
                more_heads.entry(h).or_default().push(r.row);
            }
        }
    }
    drop(rows);
    for (i, hp) in plan.households.iter().enumerate() {
        if rejected[hp.key as usize] {
            continue;
        }
        let h = c.households.name(hp.key).to_owned();
        for (field, missing) in [("area", hp.area == NONE), ("address", hp.address == NONE)] {
            if missing {
                c.errors.push(
                    FieldError::new(
                        field,
                        format!("household {h}: is required"),
                        format!("户 {h}：必填"),
                    )
                    .at_row(hp.first_row as usize),
                );
            }
        }
        if hp.head == 0 {
            c.errors.push(
                FieldError::new(
                    "relation",
                    format!("household {h} has no head (与户主关系 = 户主)"),
                    format!("户 {h} 没有户主"),
                )
                .at_row(hp.first_row as usize),
            );
        } else if let Some(more) = more_heads.get(&(i as u32)) {
            let rows: Vec<u32> = std::iter::once(hp.head)
                .chain(more.iter().copied())
                .collect();
            let list = |sep: &str| {
                rows.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            c.errors.push(
                FieldError::new(
                    "relation",
                    format!("household {h} has more than one head (rows {})", list(", ")),
                    format!("户 {h} 有多个户主（第 {} 行）", list("、")),
                )
                .at_row(rows[1] as usize),
            );
        }
    }
    progress(ImportProgress {
        phase: ImportPhase::Check,
        done: total,
        total,
    });
    plan
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
    let input = Input::Bytes(Arc::from(bytes));
    import_input(db, actor, scope, file_name, input, dry_run, progress).await
}

/// [`import_file`] for a file on disk, which is read as a stream (twice for a clean file: to
/// check it, then to write it) and never held in memory whole.
pub async fn import_path(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    path: &std::path::Path,
    dry_run: bool,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> AppResult<ImportReport> {
    let input = Input::File(Arc::new(path.to_owned()));
    import_input(db, actor, scope, file_name, input, dry_run, progress).await
}

async fn import_input(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    input: Input,
    dry_run: bool,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> AppResult<ImportReport> {
    let name = file_name.to_owned();
    let input2 = input.clone();
    // Phase 1: read the file, check each row on its own, keep a compact form of it.
    let (opened, scanned, compact) = blocking(progress, move |p| {
        let opened = match open(&name, &input2) {
            Ok(o) => o,
            Err(e) => return (None, vec![e], 0, Compact::default()),
        };
        let mut compact = Compact::default();
        compact.rows.reserve(opened.estimate.min(4 << 20));
        let scanned = scan(&input2, &opened, Some(p), &mut |batch| {
            for r in batch {
                compact.absorb(r);
            }
        });
        (Some(opened), scanned.errors, scanned.rows, compact)
    })
    .await
    .map(|(o, errors, rows, c)| (o, Scanned { rows, errors }, c))?;
    let mut report = ImportReport {
        format: opened.as_ref().map_or("", Opened::format_name),
        encoding: opened.as_ref().map_or("", Opened::encoding),
        notes: opened.as_ref().map_or(Vec::new(), |o| o.notes.clone()),
        rows: scanned.rows,
        errors: scanned.errors,
        ..ImportReport::default()
    };
    let Some(opened) = opened else {
        return Ok(report);
    };
    let mut compact = compact;
    // Only household keys are looked up again (in the second reading).
    compact.addresses.freeze();
    compact.places.freeze();
    if !report.errors.is_empty() && compact.rows.is_empty() {
        report.more_errors = compact.errors.more;
        report.errors.append(&mut compact.errors.list);
        return Ok(report);
    }
    // Phase 2: look the areas and documents up, check the rows against them and each other.
    let known = look_up(db, &compact).await?;
    let scope2 = scope.clone();
    let (plan, known, mut compact) = blocking(progress, move |p| {
        let plan = check_rows(&mut compact, &known, &scope2, p);
        (plan, known, compact)
    })
    .await?;
    report.more_errors = compact.errors.more;
    report.errors.append(&mut compact.errors.list);
    report.errors.sort_by_key(|e| e.row);
    report.households = plan.households.len();
    report.residents = plan.rows;
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    // Phase 3: read the file again and write it.
    let Known { areas, docs } = known;
    drop(docs);
    compact.other_docs = HashMap::new();
    compact.other_list = Vec::new();
    let file = FileToWrite {
        input,
        opened,
        file_name,
    };
    write_big(db, actor, &file, compact, plan, &areas, &report, progress).await?;
    report.committed = true;
    Ok(report)
}

/// The file being written, read again.
struct FileToWrite<'a> {
    input: Input,
    opened: Opened,
    file_name: &'a str,
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
            let max: i64 = tx
                .scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), vec![])
                .await?;
            (max + 1..=max + n as i64).collect()
        }
        Backend::Postgres => tx
            .column::<i64>(
                &format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
                ),
                vec![Value::Int(n as i64)],
            )
            .await?,
    })
}

/// Grids and buildings named in the file: existing ones found, missing ones created (in memory
/// first, then inserted in one go).
struct LocalAreas {
    children: HashMap<(i64, i64, String), Area>,
    counts: HashMap<(i64, i64), i64>,
    loaded: HashSet<i64>,
    next_id: Option<i64>,
    /// The cluster-wide lock on creating local areas is held (see [`areas::lock_local`]).
    locked: bool,
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
        // The children are counted (for the path segments of new ones) and the next id read
        // under the cluster-wide lock, held until the import commits.
        if !todo.is_empty() && !self.locked {
            areas::lock_local(tx).await?;
            self.locked = true;
        }
        for chunk in todo.chunks(LOOKUP_CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|p| Value::Int(*p)).collect();
            params.push(Value::Int(LEVEL_GRID));
            let sql = format!(
                "SELECT {AREA_COLS} FROM areas WHERE parent_id IN ({}) AND level >= ${}",
                in_list(1, chunk.len()),
                chunk.len() + 1
            );
            for a in tx.query_as::<Area>(&sql, params).await? {
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

/// Rows from which an import counts as large: on SQLite, into a registry that does not yet hold
/// as many residents, it then builds the residents' name and phone indexes afterwards instead
/// of row by row, sorting in temporary files, with a smaller page cache.
pub const LARGE_IMPORT: usize = 100_000;

/// The writer's page cache during a large import (KiB). It used to be 512 MiB, to keep the
/// pages a transaction changes in memory until the commit; appending to tables whose indexes
/// are dropped spills little, and the import has a memory budget (under 300 MiB for any file
/// accepted). The index sorts take their memory from it too.
const LARGE_IMPORT_CACHE_KIB: i64 = 16 * 1024;
/// The writer's everyday page cache (as set when a connection opens).
const NORMAL_CACHE_KIB: i64 = 64 * 1024;

/// [`write`], with the settings of a large import around it (and always undone).
#[allow(clippy::too_many_arguments)]
async fn write_big(
    db: &Db,
    actor: &Actor,
    file: &FileToWrite<'_>,
    compact: Compact,
    plan: Plan,
    known_areas: &[Option<Area>],
    report: &ImportReport,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> AppResult<()> {
    let large = db.backend() == Backend::Sqlite && plan.rows >= LARGE_IMPORT;
    if !large {
        return write(
            db,
            actor,
            file,
            compact,
            plan,
            known_areas,
            report,
            progress,
            false,
        )
        .await;
    }
    let existing: i64 = db
        .scalar(
            "SELECT CAST(COALESCE(SUM(residents), 0) AS BIGINT) AS n FROM community_counts",
            vec![],
        )
        .await?;
    // Into a registry smaller than the file, the secondary indexes of households and residents
    // are dropped and built again by sorting, inside the import's own transaction: a million
    // random index insertions cost several times one sort. The unique document index is built
    // again before the commit too, so a duplicate that slipped in meanwhile fails the whole
    // import, and a crash rolls the drop back with everything else. The sorts spill to
    // temporary files rather than memory.
    let rebuild = (existing as usize) < plan.rows;
    db.writer_pragma(&format!(
        "PRAGMA cache_size = -{LARGE_IMPORT_CACHE_KIB}; PRAGMA temp_store = FILE"
    ))
    .await?;
    let written = write(
        db,
        actor,
        file,
        compact,
        plan,
        known_areas,
        report,
        progress,
        rebuild,
    )
    .await;
    let reset = db
        .writer_pragma(&format!(
            "PRAGMA cache_size = -{NORMAL_CACHE_KIB}; PRAGMA temp_store = MEMORY"
        ))
        .await;
    written?;
    reset?;
    Ok(())
}

/// Drop the secondary indexes of the registry's big tables inside `tx`; returns their DDL, to
/// run again in the same transaction.
async fn drop_indexes_in_tx(tx: &mut crate::db::Tx) -> AppResult<Vec<String>> {
    let rows: Vec<IndexDdl> = tx
        .query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('residents', 'households') ORDER BY name",
            vec![],
        )
        .await?;
    let mut ddl = Vec::new();
    for r in rows {
        tx.batch(&format!("DROP INDEX {}", r.name)).await?;
        ddl.push(r.sql);
    }
    Ok(ddl)
}

/// An index's name and definition.
struct IndexDdl {
    name: String,
    sql: String,
}
crate::from_row!(IndexDdl { name, sql });

/// A resident read again for writing: its place in the id order, its household, its data.
type ToWrite = (u32, u32, ResidentData);

/// Phase 3: write a clean file in one transaction, with its audit entry. The households are
/// written from the plan; the residents from a second reading of the file, a chunk at a time.
#[allow(clippy::too_many_arguments)]
async fn write(
    db: &Db,
    actor: &Actor,
    file: &FileToWrite<'_>,
    compact: Compact,
    mut plan: Plan,
    known_areas: &[Option<Area>],
    report: &ImportReport,
    progress: &(dyn Fn(ImportProgress) + Sync),
    rebuild_indexes: bool,
) -> AppResult<()> {
    let total = plan.rows;
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
        locked: false,
        new_rows: Vec::new(),
        created: 0,
        now,
    };
    let name = |i: u32| (i != NONE).then(|| compact.places.name(i));
    // Where each household goes: its area, then its grid, then its building.
    let base: Vec<&Area> = plan
        .households
        .iter()
        .map(|h| known_areas[h.area as usize].as_ref().expect("checked"))
        .collect();
    let parents: Vec<i64> = plan
        .households
        .iter()
        .zip(&base)
        .filter(|(h, a)| {
            (h.grid != NONE && a.level == LEVEL_COMMUNITY)
                || (h.building != NONE && a.level <= LEVEL_GRID)
        })
        .map(|(_, a)| a.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    local.load(&mut tx, parents).await?;
    let mut with_grid: Vec<Area> = Vec::with_capacity(base.len());
    for (h, a) in plan.households.iter().zip(&base) {
        with_grid.push(match name(h.grid) {
            Some(g) if a.level == LEVEL_COMMUNITY => local.get(&mut tx, a, LEVEL_GRID, g).await?,
            _ => (*a).clone(),
        });
    }
    let grids: Vec<i64> = plan
        .households
        .iter()
        .zip(&with_grid)
        .filter(|(h, a)| h.building != NONE && a.level == LEVEL_GRID)
        .map(|(_, a)| a.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    local.load(&mut tx, grids).await?;
    let mut final_areas: Vec<Area> = Vec::new();
    let mut area_index: HashMap<i64, u32> = HashMap::new();
    let mut hh_area: Vec<u32> = Vec::with_capacity(base.len());
    for (h, a) in plan.households.iter().zip(with_grid) {
        let a = match name(h.building) {
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
    drop(base);
    let new_areas = std::mem::take(&mut local.new_rows);
    tx.bulk_insert("areas", areas::AREA_INSERT_COLS, new_areas, None)
        .await?;

    let hh_ids = reserve_ids(&mut tx, "households", plan.households.len()).await?;
    let res_ids = reserve_ids(&mut tx, "residents", total).await?;
    // Residents' ids go by household (in order of first appearance), the head first, then
    // the others in file order: `start` is each household's first place in that order.
    let mut start = Vec::with_capacity(plan.households.len());
    let mut next = 0u32;
    for h in &plan.households {
        start.push(next);
        next += h.size;
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
            let h = &plan.households[i];
            let ai = hh_area[i] as usize;
            let a = &final_areas[ai];
            rows.extend([
                Value::Int(hh_ids[i]),
                Value::Int(a.id),
                Value::from(a.path.as_str()),
                Value::Int(community[ai]),
                Value::from(compact.addresses.name(h.address)),
                Value::from(match h.kind {
                    0 => "home",
                    k => compact.kinds[k as usize - 1],
                }),
                Value::Int(res_ids[start[i] as usize]),
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
    let Compact {
        households: keys, ..
    } = compact;
    let sizes: Vec<u32> = plan.households.iter().map(|h| h.size).collect();
    plan.households = Vec::new();
    // The second reading, on blocking threads, sends the residents a chunk at a time.
    let (chunk_tx, mut chunk_rx) = tokio::sync::mpsc::channel::<Vec<ToWrite>>(2);
    let input = file.input.clone();
    let opened = Opened {
        format: file.opened.format,
        notes: Vec::new(),
        estimate: file.opened.estimate,
    };
    let of_key = std::mem::take(&mut plan.of_key);
    let reader = tokio::task::spawn_blocking(move || {
        let mut filled = vec![1u32; sizes.len()];
        let mut acc: Vec<ToWrite> = Vec::with_capacity(WRITE_CHUNK);
        let mut differs = false;
        let scanned = scan(&input, &opened, None, &mut |batch| {
            for p in batch {
                let h = keys.get(&p.household).map_or(NONE, |k| of_key[k as usize]);
                let (true, Some(d), false) = (p.errs.is_empty(), p.data, h == NONE) else {
                    differs = true;
                    continue;
                };
                let h = h as usize;
                let place = if d.relation == "head" {
                    0
                } else {
                    filled[h] += 1;
                    filled[h] - 1
                };
                if place >= sizes[h] {
                    differs = true;
                    continue;
                }
                acc.push((start[h] + place, h as u32, d));
                if acc.len() == WRITE_CHUNK {
                    let full = std::mem::replace(&mut acc, Vec::with_capacity(WRITE_CHUNK));
                    if chunk_tx.blocking_send(full).is_err() {
                        differs = true;
                    }
                }
            }
        });
        if !acc.is_empty() && chunk_tx.blocking_send(acc).is_err() {
            differs = true;
        }
        differs || !scanned.errors.is_empty()
    });
    let today = crate::registry::validate::today();
    let mut done = 0;
    while let Some(chunk) = chunk_rx.recv().await {
        let mut rows = Vec::with_capacity(chunk.len() * residents::RESIDENT_INSERT_COLS.len());
        for (place, h, d) in chunk {
            let h = h as usize;
            let ai = hh_area[h] as usize;
            let a = &final_areas[ai];
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
                Value::Int(res_ids[place as usize]),
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
            done += 1;
        }
        tx.bulk_insert("residents", residents::RESIDENT_INSERT_COLS, rows, None)
            .await
            .map_err(registered_meanwhile)?;
        progress(ImportProgress {
            phase: ImportPhase::Write,
            done,
            total,
        });
    }
    let differs = reader
        .await
        .map_err(|e| AppError::Internal(format!("import thread: {e}")))?;
    if differs || done != total {
        // The transaction rolls back when dropped.
        return Err(AppError::Internal(format!(
            "import {}: the file read differently the second time ({done} of {total} rows); nothing was imported",
            file.file_name
        )));
    }
    for ddl in &rebuild {
        tx.batch(ddl).await.map_err(registered_meanwhile)?;
    }
    areas::add_counts(&mut tx, tallies).await?;
    let paths: Vec<&str> = final_areas.iter().map(|a| a.path.as_str()).collect();
    audit::record(
        &mut tx,
        actor,
        Event::new("import", "file", file.file_name)
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
