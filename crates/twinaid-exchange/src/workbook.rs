//! Workbooks twinaid writes for people: a template per record kind (bilingual
//! headers, a notes sheet, drop-down lists, example rows) and the annotated
//! copy of a refused file (every row as it came, with an error column).

use crate::import::{ERROR_HEADER, EXAMPLE_PREFIX, header_of};
use crate::sheet::Sheet;
use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};
use std::collections::BTreeMap;
use twinaid_domain::Lang;
use twinaid_domain::error::Problem;
use twinaid_domain::record::{FieldSpec, FieldType, RecordKind};

/// The codes a template offers in its drop-down lists, each with its name.
#[derive(Debug, Clone, Default)]
pub struct TemplateLists {
    /// Helped counties (and places within or above them).
    pub regions: Vec<(String, String)>,
    pub helper_units: Vec<(String, String)>,
    pub helped_units: Vec<(String, String)>,
    /// The years of the program, for the example rows.
    pub example_year: i32,
    /// The installation's added choice values, offered like built-in ones.
    pub catalog: twinaid_domain::catalog::Catalog,
}

/// Rows of a template with drop-down lists and formats ready.
const TEMPLATE_ROWS: u32 = 5000;

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE8EEF7))
        .set_border(FormatBorder::Thin)
}

/// What a field's cell takes, in words.
fn describe(field: &FieldSpec, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match field.ty {
        FieldType::Code => lang
            .pick(
                "编号：字母、数字、- _ .，同一编号再次导入即更新",
                "code: letters, digits, - _ .; importing the same code again updates it",
            )
            .into(),
        FieldType::Text | FieldType::PersonRef => lang.pick("文字", "text").into(),
        FieldType::Count => lang.pick("非负整数", "a whole number, 0 or more").into(),
        FieldType::Money => lang
            .pick(
                "金额（元），可带两位小数，不填“万元”",
                "amount in yuan, up to 2 decimals (not 10,000s)",
            )
            .into(),
        FieldType::Km => lang
            .pick("公里，可带三位小数", "kilometres, up to 3 decimals")
            .into(),
        FieldType::SignedMoney => lang
            .pick(
                "金额（元），可带两位小数；冲回填负数",
                "amount in yuan, up to 2 decimals; negative for a reversal",
            )
            .into(),
        FieldType::Currency => lang
            .pick(
                "币种代码，如 USD、EUR；人民币留空",
                "currency code such as USD or EUR; empty for yuan",
            )
            .into(),
        FieldType::Foreign => lang
            .pick(
                "以原币种计的金额，可带两位小数",
                "amount in its own currency, up to 2 decimals",
            )
            .into(),
        FieldType::Degrees(_) => lang
            .pick(
                "十进制度数，如 32.43（可留空）",
                "decimal degrees, e.g. 32.43 (may be empty)",
            )
            .into(),
        FieldType::ProgramYear => lang.pick("年度，四位数字", "year, four digits").into(),
        FieldType::Date => lang.pick("日期 YYYY-MM-DD", "date YYYY-MM-DD").into(),
        FieldType::Flag => lang.pick("是 / 否", "yes / no").into(),
        FieldType::HelpedRegion | FieldType::Region => lang
            .pick(
                "地区代码（可从下拉列表选择）",
                "region code (pick from the drop-down list)",
            )
            .into(),
        FieldType::HelperUnit | FieldType::HelpedUnit => lang
            .pick(
                "单位编号（可从下拉列表选择）",
                "unit code (pick from the drop-down list)",
            )
            .into(),
        FieldType::Ref(kind) => {
            if zh {
                format!("{}的编号", kind.name(lang))
            } else {
                format!("code of a {}", kind.name(lang))
            }
        }
        FieldType::Choice(choices) => {
            let names: Vec<&str> = choices.iter().map(|c| lang.pick(c.zh, c.en)).collect();
            format!(
                "{}{}",
                lang.pick("可选：", "one of: "),
                names.join(lang.pick("、", ", "))
            )
        }
    }
}

/// A value an example row shows for a field.
fn example(field: &FieldSpec, n: usize, lists: &TemplateLists, lang: Lang) -> String {
    let first = |v: &[(String, String)]| {
        v.get(n % v.len().max(1))
            .map(|(c, name)| format!("{c} {name}"))
            .unwrap_or_default()
    };
    match field.ty {
        FieldType::Code => format!("{EXAMPLE_PREFIX}{}", n + 1),
        FieldType::Text => lang
            .pick("示例（导入时跳过）", "example (skipped on import)")
            .into(),
        FieldType::PersonRef => format!("P-{:04}", n + 1),
        FieldType::Count => "10".into(),
        FieldType::Money | FieldType::SignedMoney => "500000".into(),
        FieldType::Currency | FieldType::Foreign => String::new(),
        FieldType::Km => "1.5".into(),
        FieldType::Degrees(_) => String::new(),
        FieldType::ProgramYear => lists.example_year.to_string(),
        FieldType::Date => format!("{}-06-30", lists.example_year),
        FieldType::Flag => lang.pick("否", "no").into(),
        FieldType::HelpedRegion | FieldType::Region => first(&lists.regions),
        FieldType::HelperUnit => first(&lists.helper_units),
        FieldType::HelpedUnit => first(&lists.helped_units),
        FieldType::Ref(_) => String::new(),
        FieldType::Choice(choices) => choices
            .get(n % choices.len().max(1))
            .map(|c| lang.pick(c.zh, c.en).to_string())
            .unwrap_or_default(),
    }
}

/// The list of codes (with names) a field's drop-down offers, if any.
fn list_of(field: &FieldSpec, lists: &TemplateLists, lang: Lang) -> Option<Vec<String>> {
    let joined = |v: &[(String, String)]| v.iter().map(|(c, n)| format!("{c} {n}")).collect();
    match field.ty {
        FieldType::HelpedRegion | FieldType::Region => Some(joined(&lists.regions)),
        FieldType::HelperUnit => Some(joined(&lists.helper_units)),
        FieldType::HelpedUnit => Some(joined(&lists.helped_units)),
        FieldType::Flag => Some(vec![
            lang.pick("是", "yes").into(),
            lang.pick("否", "no").into(),
        ]),
        FieldType::Choice(choices) => Some(
            choices
                .iter()
                .map(|c| lang.pick(c.zh, c.en).to_string())
                .collect(),
        ),
        _ => None,
    }
    .filter(|v: &Vec<String>| !v.is_empty())
}

fn column_letters(mut col: u16) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'A' + (col % 26) as u8));
        if col < 26 {
            return s;
        }
        col = col / 26 - 1;
    }
}

/// The import template of a kind, in a language.
pub fn template(kind: RecordKind, lists: &TemplateLists, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let fields = lists.catalog.fields(kind);
    let mut book = Workbook::new();
    let header = header_format();
    let example_format = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x808080));

    // The drop-down lists live on their own sheet, one column per field that has one.
    let mut list_sheet = Worksheet::new();
    list_sheet.set_name("lists")?;
    let mut sources: BTreeMap<u16, String> = BTreeMap::new();
    let mut list_col: u16 = 0;
    for (col, field) in fields.iter().enumerate() {
        if let Some(values) = list_of(field, lists, lang) {
            list_sheet.write(0, list_col, field.name)?;
            for (i, v) in values.iter().enumerate() {
                list_sheet.write(u32::try_from(i + 1).unwrap_or(u32::MAX), list_col, v)?;
            }
            let letters = column_letters(list_col);
            sources.insert(
                u16::try_from(col).unwrap_or(u16::MAX),
                format!("=lists!${letters}$2:${letters}${}", values.len() + 1),
            );
            list_col += 1;
        }
    }
    list_sheet.set_hidden(true);

    let data = book.add_worksheet();
    data.set_name(kind.code())?;
    for (col, field) in fields.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        data.write_with_format(0, col, header_of(field, lang), &header)?;
        data.set_column_width(col, if field.ty == FieldType::Text { 24 } else { 16 })?;
        for n in 0..2 {
            data.write_with_format(
                1 + n as u32,
                col,
                example(field, n, lists, lang),
                &example_format,
            )?;
        }
        let input = format!(
            "{}: {}",
            lang.pick(field.zh, field.en),
            describe(field, lang)
        );
        let mut validation = match sources.get(&col) {
            Some(formula) => DataValidation::new().allow_list_formula(Formula::new(formula)),
            None => DataValidation::new().allow_any_value(),
        };
        validation = validation
            .set_input_message(input.chars().take(250).collect::<String>())?
            .ignore_blank(true);
        if matches!(
            field.ty,
            FieldType::HelpedRegion
                | FieldType::Region
                | FieldType::HelperUnit
                | FieldType::HelpedUnit
        ) {
            // A code typed by hand is fine too: the list helps, it does not forbid.
            validation =
                validation.set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information);
        }
        data.add_data_validation(1, col, TEMPLATE_ROWS, col, &validation)?;
    }
    data.set_row_height(0, 32)?;
    data.set_freeze_panes(1, 0)?;

    let notes = book.add_worksheet();
    notes.set_name(lang.pick("说明", "notes"))?;
    let titles = [
        lang.pick("列", "column"),
        lang.pick("含义", "meaning"),
        lang.pick("填写要求", "what to write"),
        lang.pick("必填", "required"),
    ];
    for (i, t) in titles.iter().enumerate() {
        notes.write_with_format(0, i as u16, *t, &header)?;
    }
    notes.set_column_width(0, 18)?;
    notes.set_column_width(1, 22)?;
    notes.set_column_width(2, 70)?;
    for (i, field) in fields.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        notes.write(row, 0, field.name)?;
        notes.write(row, 1, format!("{} / {}", field.zh, field.en))?;
        notes.write(row, 2, describe(field, lang))?;
        notes.write(
            row,
            3,
            if field.required {
                lang.pick("是", "yes")
            } else {
                lang.pick("否", "no")
            },
        )?;
    }
    let after = u32::try_from(fields.len() + 2).unwrap_or(u32::MAX);
    notes.write(
        after,
        0,
        lang.pick(
            "编号以 EXAMPLE- 开头的行是示例，导入时跳过，可删除。整个文件先全部检查，有任何错误则一行也不写入，并给出带“错误”列的副本。",
            "Rows whose code starts with EXAMPLE- are examples: they are skipped on import and may be deleted. The whole file is checked first; if any row is wrong nothing is written, and a copy with an error column tells what to fix.",
        ),
    )?;
    book.push_worksheet(list_sheet);
    book.save_to_buffer()
}

/// The refused file as it came, with an error column saying what to fix on
/// each row that has a problem; problems without a row go above the header.
pub fn annotated_copy(
    sheet: &Sheet,
    problems: &[Problem],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut by_row: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut general = Vec::new();
    for p in problems {
        match p.location.row {
            Some(r) if p.location.file.as_deref().is_none_or(|f| f == sheet.name) => {
                by_row.entry(r).or_default().push(p.message(lang))
            }
            _ => general.push(p.message(lang)),
        }
    }
    let mut book = Workbook::new();
    let out = book.add_worksheet();
    out.set_name(sheet.name.chars().take(31).collect::<String>())?;
    let header = header_format();
    let bad = Format::new().set_background_color(Color::RGB(0xFDE2E1));
    let error_text = Format::new()
        .set_font_color(Color::RGB(0xB00020))
        .set_text_wrap();
    let error_col = u16::try_from(
        sheet
            .header
            .iter()
            .position(|h| h.trim() == ERROR_HEADER)
            .unwrap_or(sheet.header.len()),
    )
    .unwrap_or(u16::MAX);
    for (c, h) in sheet.header.iter().enumerate() {
        out.write_with_format(0, c as u16, h, &header)?;
    }
    out.write_with_format(0, error_col, ERROR_HEADER, &header)?;
    out.set_column_width(error_col, 60)?;
    if let Some(msgs) = by_row.get(&1) {
        general.extend(msgs.iter().cloned());
    }
    if !general.is_empty() {
        out.write_with_format(
            0,
            error_col,
            format!("{ERROR_HEADER}: {}", general.join("; ")),
            &error_text,
        )?;
    }
    // Row numbers of the copy follow the original's, so "row 37" means the same row in both.
    for row in &sheet.rows {
        let r = u32::try_from(row.number.saturating_sub(1)).unwrap_or(u32::MAX);
        let messages = by_row.get(&row.number);
        for (c, v) in row.cells.iter().enumerate() {
            if c as u16 == error_col {
                continue;
            }
            match messages {
                Some(_) => out.write_with_format(r, c as u16, v, &bad)?,
                None => out.write(r, c as u16, v)?,
            };
        }
        match messages {
            Some(m) => out.write_with_format(r, error_col, m.join("; "), &error_text)?,
            None => out.write(r, error_col, "")?,
        };
    }
    out.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{choose_sheet, records_from_sheet};
    use crate::sheet::read_sheets;

    fn lists() -> TemplateLists {
        TemplateLists {
            regions: vec![("510822".into(), "青川县".into())],
            helper_units: vec![("hangzhou".into(), "杭州市".into())],
            helped_units: vec![],
            example_year: 2009,
            catalog: Default::default(),
        }
    }

    #[test]
    fn a_template_reads_back_as_nothing_but_its_skipped_examples() {
        let bytes = template(RecordKind::Project, &lists(), Lang::Zh).unwrap();
        let sheets = read_sheets("project.xlsx", &bytes).unwrap();
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["project", "说明", "lists"]);
        let (i, kind) = choose_sheet(&sheets, "project.xlsx", None).unwrap();
        assert_eq!(kind, RecordKind::Project);
        let read = records_from_sheet(sheets[i].clone(), kind);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!((read.records.len(), read.examples_skipped), (0, 2));
        assert!(sheets[0].header[0].contains("编号") && sheets[0].header[0].contains("code"));
    }

    #[test]
    fn the_annotated_copy_keeps_row_numbers_and_says_what_is_wrong() {
        let sheet = Sheet {
            name: "project".into(),
            header: vec!["code".into(), "amount".into()],
            rows: vec![
                crate::sheet::SheetRow {
                    number: 2,
                    cells: vec!["p1".into(), "1".into()],
                },
                crate::sheet::SheetRow {
                    number: 4,
                    cells: vec!["p2".into(), "-5".into()],
                },
            ],
        };
        let problem = Problem::at(
            twinaid_domain::error::Location {
                file: Some("project".into()),
                row: Some(4),
                column: Some("amount".into()),
                value: Some("-5".into()),
            },
            twinaid_domain::DomainError::NegativeAmount("-5".into()),
        );
        let bytes = annotated_copy(&sheet, &[problem], Lang::En).unwrap();
        let back = &read_sheets("copy.xlsx", &bytes).unwrap()[0];
        assert_eq!(back.header, vec!["code", "amount", ERROR_HEADER]);
        let row4 = back.rows.iter().find(|r| r.number == 4).unwrap();
        assert!(
            row4.cells[2].contains("row 4") && row4.cells[2].contains("amount"),
            "{:?}",
            row4.cells
        );
    }
}
