//! Import of households and residents from CSV (Chinese or English column headers).
//!
//! Every row is validated before anything is written, and every problem is reported (row,
//! column, what is wrong, in the user's language). Only a clean file is written, in one
//! transaction: it commits whole or not at all.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::access::Scope;
use crate::args;
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas::{self, Area};
use crate::registry::model::*;
use crate::registry::residents::{self, HouseholdRef, ResidentData, ResidentInput};

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

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub households: usize,
    pub residents: usize,
    pub errors: Vec<FieldError>,
    pub committed: bool,
}

/// A valid row. The household fields may be left blank on all but one row of a household.
struct Parsed {
    row: usize,
    area: Option<String>,
    grid: Option<String>,
    building: Option<String>,
    household: String,
    address: Option<String>,
    kind: Option<&'static str>,
    data: ResidentData,
}

/// Where a household goes and what it is: the first value given for each field.
#[derive(Default)]
struct HouseholdPlan {
    first_row: usize,
    area: Option<String>,
    grid: Option<String>,
    building: Option<String>,
    address: Option<String>,
    kind: Option<&'static str>,
}

/// Read, validate and (unless `dry_run`) import a CSV file. `scope` limits the areas the rows
/// may name. Validation errors come back in the report, not as `Err`.
pub async fn import_csv(
    db: &Db,
    scope: &Scope,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<ImportReport> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| {
            FieldError::new(
                "file",
                format!("cannot read the header: {e}"),
                format!("无法读取表头：{e}"),
            )
            .at_row(1)
        })?
        .clone();
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if let Some(c) = COLUMNS
            .iter()
            .find(|c| c.1 == h || c.2.eq_ignore_ascii_case(h))
        {
            col.insert(c.0, i);
        }
    }
    let mut report = ImportReport::default();
    let missing: Vec<_> = COLUMNS
        .iter()
        .filter(|c| c.3 && !col.contains_key(c.0))
        .collect();
    if !missing.is_empty() {
        report.errors.push(
            FieldError::new(
                "file",
                format!(
                    "missing columns: {}",
                    missing.iter().map(|c| c.2).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "缺少列：{}",
                    missing.iter().map(|c| c.1).collect::<Vec<_>>().join("、")
                ),
            )
            .at_row(1),
        );
        return Ok(report);
    }
    let mut parsed = Vec::new();
    let mut seen_docs: HashMap<(String, &'static str), usize> = HashMap::new();
    let mut area_cache: HashMap<String, Option<Area>> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut row = 1;
    // Households with a rejected row: their head check would only repeat that error.
    let mut rejected: HashSet<String> = HashSet::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(row + 1, |p| p.line() as usize);
                report.errors.push(
                    FieldError::new("file", e.to_string(), format!("文件格式错误：{e}"))
                        .at_row(line),
                );
                break;
            }
        }
        // The file's own line number, so quoted line breaks inside a field do not shift it.
        row = rec.position().map_or(row + 1, |p| p.line() as usize);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        let get = |f: &str| {
            col.get(f)
                .and_then(|&i| rec.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        let opt = |f: &str| Some(get(f).to_owned()).filter(|s| !s.is_empty());
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
        let mut errs = Vec::new();
        let data = input.validate().map_err(|e| errs.extend(e)).ok();
        let kind = match opt("kind") {
            None => None,
            Some(k) => residents::parse_kind(Some(&k))
                .map_err(|e| errs.push(e))
                .ok(),
        };
        let code = get("area").to_owned();
        if !code.is_empty() && !area_cache.contains_key(&code) {
            let a = areas::by_code(db, &code)
                .await?
                .filter(|a| scope.contains(&a.path));
            area_cache.insert(code.clone(), a);
        }
        match area_cache.get(&code) {
            // Blank: the household's area is given on another of its rows.
            None if code.is_empty() => {}
            None | Some(None) => errs.push(FieldError::new(
                "area",
                format!("no area with code {code:?} within your scope"),
                format!("您的管辖范围内没有代码为“{code}”的区划"),
            )),
            Some(Some(a)) if a.level < LEVEL_COMMUNITY => errs.push(FieldError::new(
                "area",
                format!("{} is not a community/village, grid or building", a.name),
                format!("{} 不是社区/村、网格或楼栋", a.name),
            )),
            _ => {}
        }
        if get("household").is_empty() {
            errs.push(FieldError::new("household", "is required", "必填"));
        }
        if let Some(d) = &data {
            let key = (d.doc_number.clone(), d.doc_type);
            if let Some(first) = seen_docs.get(&key) {
                errs.push(FieldError::new(
                    "doc_number",
                    format!("the same document appears on row {first}"),
                    format!("与第 {first} 行证件重复"),
                ));
            } else {
                seen_docs.insert(key, row);
                let exists = db
                    .query_opt(
                        "SELECT id, path FROM residents WHERE doc_number = $1 AND doc_type = $2",
                        args![d.doc_number.as_str(), d.doc_type],
                    )
                    .await?;
                if let Some(r) = exists {
                    // Name the record only within the importer's scope.
                    errs.push(if scope.contains(r.text(1)) {
                        FieldError::new(
                            "doc_number",
                            format!("already registered (resident #{})", r.int(0)),
                            format!("已登记（居民 #{}）", r.int(0)),
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
        }
        if errs.is_empty() {
            parsed.push(Parsed {
                row,
                area: Some(code).filter(|c| !c.is_empty()),
                grid: opt("grid"),
                building: opt("building"),
                household: get("household").into(),
                address: opt("address"),
                kind,
                data: data.expect("validated"),
            });
        } else {
            rejected.insert(get("household").to_owned());
            report
                .errors
                .extend(errs.into_iter().map(|e| e.at_row(row)));
        }
    }
    // A household's fields come from the first row that gives each; rows that give a
    // different value disagree. And a household has exactly one head.
    let mut plans: HashMap<String, HouseholdPlan> = HashMap::new();
    let mut heads: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut households: HashSet<&str> = HashSet::new();
    for p in &parsed {
        households.insert(&p.household);
        let plan = plans
            .entry(p.household.clone())
            .or_insert_with(|| HouseholdPlan {
                first_row: p.row,
                ..HouseholdPlan::default()
            });
        let mut clash = false;
        fn merge<T: Clone + PartialEq>(slot: &mut Option<T>, v: &Option<T>, clash: &mut bool) {
            match (slot.as_ref(), v) {
                (None, Some(_)) => *slot = v.clone(),
                (Some(a), Some(b)) if a != b => *clash = true,
                _ => {}
            }
        }
        merge(&mut plan.area, &p.area, &mut clash);
        merge(&mut plan.grid, &p.grid, &mut clash);
        merge(&mut plan.building, &p.building, &mut clash);
        merge(&mut plan.address, &p.address, &mut clash);
        merge(&mut plan.kind, &p.kind, &mut clash);
        if clash {
            report.errors.push(
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
        if p.data.relation == "head" {
            heads.entry(&p.household).or_default().push(p.row);
        }
    }
    for (h, plan) in &plans {
        if rejected.contains(h) {
            continue;
        }
        let missing = [
            ("area", plan.area.is_none()),
            ("address", plan.address.is_none()),
        ];
        for (field, _) in missing.into_iter().filter(|m| m.1) {
            report.errors.push(
                FieldError::new(
                    field,
                    format!("household {h}: is required"),
                    format!("户 {h}：必填"),
                )
                .at_row(plan.first_row),
            );
        }
    }
    for h in households.iter().filter(|h| !rejected.contains(**h)) {
        match heads.get(h).map(Vec::as_slice).unwrap_or(&[]) {
            [_] => {}
            [] => report.errors.push(
                FieldError::new(
                    "relation",
                    format!("household {h} has no head (与户主关系 = 户主)"),
                    format!("户 {h} 没有户主"),
                )
                .at_row(plans[*h].first_row),
            ),
            rows => report.errors.push(
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
    report.households = households.len();
    report.residents = parsed.len();
    if dry_run || !report.errors.is_empty() {
        report.errors.sort_by_key(|e| e.row);
        return Ok(report);
    }
    // Heads first within each household so head_id is set when the others arrive.
    parsed.sort_by_key(|p| (p.data.relation != "head", p.row));
    let mut tx = db.begin().await?;
    let mut hh: HashMap<String, HouseholdRef> = HashMap::new();
    for p in &parsed {
        if !hh.contains_key(&p.household) {
            let plan = &plans[&p.household];
            let code = plan.area.as_ref().expect("checked");
            let mut area = area_cache[code].clone().expect("checked");
            if let Some(g) = &plan.grid {
                if area.level == LEVEL_COMMUNITY {
                    area = areas::find_or_create_local(&mut tx, &area, LEVEL_GRID, g)
                        .await
                        .map_err(|e| at(e, p.row))?;
                }
            }
            if let Some(b) = &plan.building {
                if area.level == LEVEL_COMMUNITY || area.level == LEVEL_GRID {
                    area = areas::find_or_create_local(&mut tx, &area, LEVEL_BUILDING, b)
                        .await
                        .map_err(|e| at(e, p.row))?;
                }
            }
            let address = plan.address.as_deref().expect("checked");
            let kind = plan.kind.unwrap_or("home");
            let h = residents::create_household(&mut tx, &area, address, kind)
                .await
                .map_err(|e| at(e, p.row))?;
            hh.insert(p.household.clone(), h);
        }
        let h = hh.get_mut(&p.household).expect("inserted");
        residents::add_resident(&mut tx, scope, h, &p.data)
            .await
            .map_err(|e| at(e, p.row))?;
    }
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}

/// Attach a row number to an error from the write phase.
fn at(e: AppError, row: usize) -> AppError {
    match e {
        AppError::Invalid(v) => AppError::Invalid(v.into_iter().map(|f| f.at_row(row)).collect()),
        AppError::Conflict(m) => AppError::Invalid(vec![FieldError {
            row: Some(row),
            field: "doc_number",
            message: Msg::new(m.en, m.zh),
        }]),
        other => other,
    }
}
