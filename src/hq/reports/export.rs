//! A snapshot exported in one of its report's layouts: CSV or XLSX (the registry's XLSX
//! writer), the layout's headers in Chinese, "未报" where a value was not reported.

use super::{cell, Content, Layout, Report, Row};
use crate::hq::metrics;
use crate::registry::xlsx::XlsxWriter;

pub const NOT_REPORTED: &str = "未报";

/// The header and rows of a layout (first columns: area code and name).
pub fn table(rep: &Report, layout: &Layout, c: &Content, rows: &[Row]) -> Vec<Vec<String>> {
    let _ = rep;
    let mut out = Vec::with_capacity(rows.len() + 1);
    let mut head = vec!["区划代码".to_owned(), "地区".to_owned()];
    head.extend(layout.columns.iter().map(|col| col[1].clone()));
    out.push(head);
    for r in rows {
        let mut line = vec![r.code.clone(), r.name.clone()];
        for col in &layout.columns {
            let i = c.metrics.iter().position(|m| *m == col[0]);
            let v = i.and_then(|i| r.values.get(i).copied().flatten());
            let scale = metrics::metric(&col[0]).map_or(0, |m| m.scale);
            line.push(cell(v, scale, NOT_REPORTED));
        }
        out.push(line);
    }
    out
}

pub fn csv(table: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in table {
        // Writing into memory cannot fail.
        let _ = w.write_record(row);
    }
    w.into_inner().unwrap_or_default()
}

pub fn xlsx(sheet: &str, table: &[Vec<String>]) -> std::io::Result<Vec<u8>> {
    let cols = table.first().map_or(1, |h| h.len());
    let mut w = XlsxWriter::new(Vec::new(), sheet, cols)?;
    for row in table {
        w.row(row)?;
    }
    w.finish()
}
