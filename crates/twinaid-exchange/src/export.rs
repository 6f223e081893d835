//! Tables written out for people: one sheet per table in .xlsx (numbers as
//! numbers, units in the headers, a totals row), or CSV that Excel opens in
//! Chinese without asking (UTF-8 with a byte-order mark).

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportCell {
    Empty,
    Text(String),
    /// A number with the Excel format it is shown in (e.g. "#,##0.00").
    Number(f64, &'static str),
}

/// What a spreadsheet reads as the start of a formula in a CSV cell
/// (OWASP, CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text that Excel or WPS would run as a formula (`=HYPERLINK(…)`,
/// `@SUM(1)`) kept as text: a leading `'`, which the spreadsheet hides and
/// `twinaid import` takes off again.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A cell as written by [`neutralised`], given back as it was.
pub fn unneutralised(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

impl ExportCell {
    /// The cell as CSV text: numbers as digits, text that a spreadsheet
    /// would take for a formula neutralised.
    fn csv_text(&self) -> String {
        match self {
            ExportCell::Text(t) => neutralised(t).into_owned(),
            other => other.text(),
        }
    }

    fn text(&self) -> String {
        match self {
            ExportCell::Empty => String::new(),
            ExportCell::Text(t) => t.clone(),
            ExportCell::Number(n, _) => {
                if n.fract() == 0.0 {
                    format!("{}", *n as i64)
                } else {
                    format!("{n}")
                }
            }
        }
    }

    /// The cell as a printed page shows it: numbers in the cell's format, thousands grouped.
    /// The cell as a printed table shows it: "—" where there is no value.
    pub fn printed(&self) -> String {
        match self {
            ExportCell::Empty => "—".into(),
            c => c.display(),
        }
    }

    pub fn display(&self) -> String {
        match self {
            ExportCell::Empty => String::new(),
            ExportCell::Text(t) => t.clone(),
            ExportCell::Number(n, fmt) => {
                // "0.0##": at least one decimal, at most three.
                let frac = fmt.split('.').nth(1).unwrap_or("").trim_end_matches('%');
                let decimals = frac.len();
                let least = frac.chars().filter(|c| *c == '0').count();
                let mut text = format!("{n:.decimals$}");
                while text.contains('.')
                    && text.ends_with('0')
                    && text.split('.').nth(1).is_some_and(|f| f.len() > least)
                {
                    text.pop();
                }
                let text = text.trim_end_matches('.').to_string();
                let (int, frac) = text
                    .split_once('.')
                    .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
                let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
                let mut grouped = String::new();
                for (i, ch) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        grouped.push(',');
                    }
                    grouped.push(ch);
                }
                match frac {
                    Some(f) => format!("{sign}{grouped}.{f}"),
                    None => format!("{sign}{grouped}"),
                }
            }
        }
    }
}

/// A table: a sheet of a workbook, or a CSV file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportTable {
    /// The sheet's name (Excel keeps 31 characters).
    pub name: String,
    /// A title line above the header, e.g. the filters the list was made with.
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<ExportCell>>,
    /// A totals row, when the table has one.
    pub totals: Option<Vec<ExportCell>>,
}

#[cfg(test)]
mod display_tests {
    use super::ExportCell;

    #[test]
    fn numbers_show_as_their_format_says() {
        let d = |n, f| ExportCell::Number(n, f).display();
        assert_eq!(d(3620.0, "#,##0.00"), "3,620.00");
        assert_eq!(d(6.0, "#,##0.0##"), "6.0");
        assert_eq!(d(7.4, "#,##0.0##"), "7.4");
        assert_eq!(d(0.125, "#,##0.0##"), "0.125");
        assert_eq!(d(-36_200_000.0, "#,##0"), "-36,200,000");
    }
}

/// Writes tables as the sheets of one workbook.
pub fn xlsx(tables: &[ExportTable]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE8EEF7))
        .set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(13);
    let total = Format::new().set_bold().set_border_top(FormatBorder::Thin);
    for t in tables {
        let sheet = book.add_worksheet();
        let name: String = t
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        sheet.set_name(if name.is_empty() { "sheet" } else { &name })?;
        let mut row: u32 = 0;
        if !t.title.is_empty() {
            sheet.write_with_format(0, 0, &t.title, &title)?;
            row = 2;
        }
        for (c, h) in t.header.iter().enumerate() {
            sheet.write_with_format(row, c as u16, h, &header)?;
            sheet.set_column_width(c as u16, (h.chars().count() as f64 * 1.6).clamp(10.0, 40.0))?;
        }
        sheet.set_freeze_panes(row + 1, 0)?;
        let mut write_row = |r: u32, cells: &[ExportCell], bold: bool| -> Result<(), XlsxError> {
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    ExportCell::Empty => {}
                    ExportCell::Text(s) if bold => {
                        sheet.write_with_format(r, c, s, &total)?;
                    }
                    ExportCell::Text(s) => {
                        sheet.write(r, c, s)?;
                    }
                    ExportCell::Number(n, fmt) => {
                        let f = if bold {
                            total.clone().set_num_format(*fmt)
                        } else {
                            Format::new().set_num_format(*fmt)
                        };
                        sheet.write_with_format(r, c, *n, &f)?;
                    }
                }
            }
            Ok(())
        };
        for cells in &t.rows {
            row += 1;
            write_row(row, cells, false)?;
        }
        if let Some(totals) = &t.totals {
            write_row(row + 1, totals, true)?;
        }
    }
    book.save_to_buffer()
}

/// Writes one table as CSV: UTF-8 with a byte-order mark, header first, totals last.
pub fn csv(table: &ExportTable) -> Vec<u8> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = table
        .header
        .iter()
        .map(|h| neutralised(h).into_owned())
        .collect();
    let rows = std::iter::once(header)
        .chain(
            table
                .rows
                .iter()
                .map(|r| r.iter().map(ExportCell::csv_text).collect()),
        )
        .chain(
            table
                .totals
                .iter()
                .map(|r| r.iter().map(ExportCell::csv_text).collect()),
        );
    for r in rows {
        // Writing to memory cannot fail; a row that did would only be missing.
        let _ = writer.write_record(&r);
    }
    out.extend(writer.into_inner().unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_sheets;

    fn table() -> ExportTable {
        ExportTable {
            name: "帮扶项目".into(),
            title: "2009".into(),
            header: vec!["项目名称".into(), "帮扶资金（元）".into()],
            rows: vec![vec![
                ExportCell::Text("青川县小学".into()),
                ExportCell::Number(500000.0, "#,##0.00"),
            ]],
            totals: Some(vec![
                ExportCell::Text("合计".into()),
                ExportCell::Number(500000.0, "#,##0.00"),
            ]),
        }
    }

    #[test]
    fn a_workbook_keeps_numbers_as_numbers_with_a_totals_row() {
        let bytes = xlsx(&[table()]).unwrap();
        let sheets = read_sheets("x.xlsx", &bytes).unwrap();
        assert_eq!(sheets[0].name, "帮扶项目");
        assert_eq!(sheets[0].header[0], "2009", "the title line comes first");
        let cells: Vec<Vec<String>> = sheets[0].rows.iter().map(|r| r.cells.clone()).collect();
        assert!(cells.contains(&vec!["青川县小学".to_string(), "500000".to_string()]));
        assert!(cells.contains(&vec!["合计".to_string(), "500000".to_string()]));
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_kept_as_text_and_read_back() {
        for evil in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "=1+2",
            "@SUM(1)",
            "+1",
            "-2+3",
            "\tx",
            "\rx",
        ] {
            let safe = neutralised(evil);
            assert!(safe.starts_with('\''), "{evil}");
            assert_eq!(unneutralised(&safe), evil);
        }
        assert_eq!(neutralised("杭州市"), "杭州市");
        assert_eq!(
            unneutralised("'quoted"),
            "'quoted",
            "a quote before text stays"
        );
        let t = ExportTable {
            name: "t".into(),
            title: "t".into(),
            header: vec!["name".into(), "amount".into()],
            rows: vec![vec![
                ExportCell::Text("=1+2".into()),
                ExportCell::Number(-5.0, "#,##0"),
            ]],
            totals: None,
        };
        let text = String::from_utf8(csv(&t)).unwrap();
        assert!(text.contains("'=1+2,-5"), "{text}");
    }

    #[test]
    fn csv_opens_in_excel_as_utf8() {
        let bytes = csv(&table());
        assert!(bytes.starts_with(b"\xef\xbb\xbf"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.contains("青川县小学,500000"));
    }
}
