//! A minimal XLSX writer: one worksheet of text cells (inline strings), streamed row by row
//! into a deflated zip, so a large sheet never sits in memory uncompressed. Enough for the
//! import template and for exports; reading goes through calamine.

use std::io::Write;

use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Two cell formats: 0 the default, 1 Text (`@`, number format 49). Every cell and every column
/// is Text, so that numbers typed into the sheet later (ID and phone numbers) stay exact.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

/// Writes one worksheet named `sheet` into `out`. Call [`XlsxWriter::row`] per row (the first
/// is drawn bold, as a header), then [`XlsxWriter::finish`].
pub struct XlsxWriter<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    rows: usize,
    buf: String,
}

fn zip_err(e: zip::result::ZipError) -> std::io::Error {
    std::io::Error::other(e)
}

/// Column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// Escape text for an XML element, dropping characters XML 1.0 cannot carry.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

impl<W: Write> XlsxWriter<W> {
    /// Start the workbook; `columns` is the number of columns (each is formatted as Text).
    pub fn new(out: W, sheet: &str, columns: usize) -> std::io::Result<XlsxWriter<W>> {
        let mut zip = ZipWriter::new_stream(out);
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let mut sheet_name = String::new();
        escape_into(&mut sheet_name, sheet);
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        for (name, body) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(name, opts).map_err(zip_err)?;
            zip.write_all(body.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", opts)
            .map_err(zip_err)?;
        let mut head = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        if columns > 0 {
            head.push_str(&format!(
                r#"<cols><col min="1" max="{columns}" width="16" style="1" customWidth="1"/></cols>"#
            ));
        }
        head.push_str("<sheetData>");
        zip.write_all(head.as_bytes())?;
        Ok(XlsxWriter {
            zip,
            rows: 0,
            buf: String::with_capacity(4096),
        })
    }

    /// Append a row of text cells. Empty cells are left out.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.rows += 1;
        let r = self.rows;
        let style = if r == 1 { 2 } else { 1 };
        self.buf.clear();
        self.buf.push_str(&format!("<row r=\"{r}\">"));
        for (i, c) in cells.iter().enumerate() {
            let c = c.as_ref();
            if c.is_empty() {
                continue;
            }
            self.buf.push_str(&format!(
                "<c r=\"{}{r}\" s=\"{style}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">",
                column_name(i)
            ));
            escape_into(&mut self.buf, c);
            self.buf.push_str("</t></is></c>");
        }
        self.buf.push_str("</row>");
        self.zip.write_all(self.buf.as_bytes())
    }

    /// Rows written so far, the header included.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Close the sheet and the zip; returns the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.zip.write_all(b"</sheetData></worksheet>")?;
        let inner = self.zip.finish().map_err(zip_err)?;
        Ok(inner.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn escaping_drops_what_xml_cannot_carry() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c\"\u{1}d");
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&quot;d");
    }
}
