//! A filled-in sheet read as records of one kind: columns found by their
//! field name or label in either language, example rows skipped, and every
//! problem placed at its sheet, row, column and value.

use crate::sheet::{Sheet, SheetRow};
use twinaid_domain::Lang;
use twinaid_domain::bundle::Located;
use twinaid_domain::catalog::Catalog;
use twinaid_domain::error::{DomainError, Location, Problem};
use twinaid_domain::record::{FieldSpec, FieldType, Record, RecordKind};

/// Example rows of a template have codes that start so; they are never imported.
pub const EXAMPLE_PREFIX: &str = "EXAMPLE-";

/// The column an annotated copy adds; it is ignored when the copy is imported again.
pub const ERROR_HEADER: &str = "错误 error";

/// What a sheet holds, read as records.
#[derive(Debug, Clone, Default)]
pub struct SheetImport {
    pub records: Vec<Located<Record>>,
    pub problems: Vec<Problem>,
    /// Rows with content read (example rows not counted).
    pub rows_read: usize,
    pub examples_skipped: usize,
}

/// The header a template writes for a field: its label over its name.
pub fn header_of(field: &FieldSpec, lang: Lang) -> String {
    format!("{}\n{}", lang.pick(field.zh, field.en), field.name)
}

/// The field a header names: the field's name anywhere in it, or its whole
/// label in either language.
pub fn field_of(kind: RecordKind, header: &str) -> Option<FieldSpec> {
    field_in(&kind.fields(), header)
}

/// The field of `fields` (a kind's, as a catalog gives them) a header names.
fn field_in(fields: &[FieldSpec], header: &str) -> Option<FieldSpec> {
    let header = header.trim();
    // A whole label first: "project code" is the project, not the code.
    fields
        .iter()
        .find(|f| f.name == header || f.zh == header || f.en.eq_ignore_ascii_case(header))
        .or_else(|| {
            header
                .split_whitespace()
                .rev()
                .find_map(|token| fields.iter().find(|f| f.name == token))
        })
        // Only then without the brackets: "name (English)" is not "name (Chinese)".
        .or_else(|| {
            fields.iter().find(|f| {
                bare(f.zh) == bare(header) || bare(f.en).eq_ignore_ascii_case(bare(header))
            })
        })
        .copied()
}

/// What a list export puts after a reference field's label for the column
/// of names beside its codes, in each language; such columns are read past.
pub const NAME_COLUMN: [&str; 2] = ["（名称）", " (name)"];

/// Whether a header is the names column beside a reference field's codes.
pub fn is_name_column(kind: RecordKind, header: &str) -> bool {
    let header = header.trim();
    NAME_COLUMN.iter().any(|suffix| {
        let cut = header
            .len()
            .checked_sub(suffix.len())
            .filter(|at| header.is_char_boundary(*at));
        cut.is_some_and(|at| {
            header[at..].eq_ignore_ascii_case(suffix) && field_of(kind, &header[..at]).is_some()
        })
    })
}

/// The field a column holds: none for a names column beside codes.
fn column_field(kind: RecordKind, header: &str) -> Option<FieldSpec> {
    if is_name_column(kind, header) {
        return None;
    }
    field_of(kind, header)
}

/// Totals a list export writes under its rows: "合计 9", "Total 9".
fn is_totals_row(code: &str) -> bool {
    let code = code.trim();
    ["合计", "total"].iter().any(|word| {
        code.get(..word.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(word))
            && code[word.len()..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace)
    })
}

/// Where a sheet's header is: the first row when it names the code column,
/// else the first of the next rows that does (what is above it is a title,
/// as a list export writes one); `None` when none of them does.
fn header_at(sheet: &Sheet, kind: RecordKind) -> Option<usize> {
    const TITLE_ROWS: usize = 5;
    let names_code = |cells: &[String]| {
        cells
            .iter()
            .any(|h| column_field(kind, h).is_some_and(|f| f.name == "code"))
    };
    if names_code(&sheet.header) {
        return None;
    }
    sheet
        .rows
        .iter()
        .take(TITLE_ROWS)
        .position(|r| names_code(&r.cells))
}

/// The sheet with its title rows, if any, left out.
fn past_title(sheet: Sheet, kind: RecordKind) -> Sheet {
    match header_at(&sheet, kind) {
        None => sheet,
        Some(at) => {
            let Sheet { name, rows, .. } = sheet;
            let mut rows = rows.into_iter().skip(at);
            let header = rows.next().map(|r| r.cells).unwrap_or_default();
            Sheet {
                name,
                header,
                rows: rows.collect(),
            }
        }
    }
}

/// A label without the unit in brackets a person may leave out: "帮扶资金（元）" → "帮扶资金".
fn bare(label: &str) -> &str {
    label.split(['（', '(']).next().unwrap_or(label).trim()
}

/// The kind a sheet's name says it holds: a kind's code, file name or name in either language.
pub fn kind_of_sheet(name: &str) -> Option<RecordKind> {
    let name = name.trim();
    let stem = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .trim_end_matches(".csv");
    RecordKind::ALL.into_iter().find(|k| {
        k.code() == stem
            || k.file().trim_end_matches(".csv") == stem
            || k.name(Lang::Zh) == stem
            || k.name(Lang::En).eq_ignore_ascii_case(stem)
            || stem.split_whitespace().any(|t| t == k.code())
    })
}

/// The sheet to import and its kind: the first sheet whose name names a kind
/// (or the named kind), else the first sheet when the kind is given.
pub fn choose_sheet(
    sheets: &[Sheet],
    file: &str,
    kind: Option<RecordKind>,
) -> Result<(usize, RecordKind), Problem> {
    for (i, s) in sheets.iter().enumerate() {
        if let Some(k) = kind_of_sheet(&s.name)
            && kind.is_none_or(|want| want == k)
        {
            return Ok((i, k));
        }
    }
    match (kind, sheets.first()) {
        (Some(k), Some(_)) => Ok((0, k)),
        _ => Err(Problem::at(
            Location {
                file: Some(file.to_string()),
                ..Location::default()
            },
            DomainError::UnknownSheetKind(
                sheets.first().map_or(file.to_string(), |s| s.name.clone()),
            ),
        )),
    }
}

/// A cell of a code field may carry the name beside the code, after it as
/// the template's drop-down lists write them ("510822 青川县") or before it
/// as the pages and their list exports show them ("青川县 510822"): the
/// code is kept. A cell with no word shaped like a code stays as written,
/// for the check to name.
fn code_only(field: &FieldSpec, text: &str) -> String {
    let shaped = |word: &str| match field.ty {
        FieldType::HelpedRegion | FieldType::Region => {
            twinaid_domain::RegionCode::parse(word).is_ok()
        }
        FieldType::HelperUnit | FieldType::HelpedUnit => {
            twinaid_domain::record::parse_code(word).is_ok()
        }
        _ => false,
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() < 2 {
        return text.to_string();
    }
    // The first word when it is a code (the template's way, whose English
    // names have spaces of their own), else the last that is.
    let first = words.first().filter(|w| shaped(w));
    match first.or_else(|| words.iter().rev().find(|w| shaped(w))) {
        Some(code) => (*code).to_string(),
        None => text.to_string(),
    }
}

/// Reads one window of a file read a window at a time (see `csv_windows`)
/// as records of a kind, and whether reading should stop after it: the
/// file cannot be read on, or its header is not right (said once, not for
/// every window).
pub fn window_records(window: Result<Sheet, Problem>, kind: RecordKind) -> (SheetImport, bool) {
    window_records_named(window, kind, &NamedCodes::new(), &Catalog::default())
}

/// [`window_records`], reading the cells `names` gives codes for as those codes.
pub fn window_records_named(
    window: Result<Sheet, Problem>,
    kind: RecordKind,
    names: &NamedCodes,
    catalog: &Catalog,
) -> (SheetImport, bool) {
    match window {
        Ok(sheet) => {
            let read = records_from_sheet_named(sheet, kind, names, catalog);
            let last =
                read.records.is_empty() && read.problems.iter().any(|p| p.location.row == Some(1));
            (read, last)
        }
        Err(p) => (
            SheetImport {
                problems: vec![p],
                ..SheetImport::default()
            },
            true,
        ),
    }
}

/// Reads a sheet's rows as records of a kind. The sheet is consumed row by
/// row, so a large file is not held twice (as cells and as records).
pub fn records_from_sheet(sheet: Sheet, kind: RecordKind) -> SheetImport {
    records_from_sheet_named(sheet, kind, &NamedCodes::new(), &Catalog::default())
}

/// [`records_from_sheet`], reading the cells `names` gives codes for (a unit
/// or a place by its name, found by the caller) as those codes.
pub fn records_from_sheet_named(
    sheet: Sheet,
    kind: RecordKind,
    names: &NamedCodes,
    catalog: &Catalog,
) -> SheetImport {
    let Sheet { name, header, rows } = past_title(sheet, kind);
    let mut out = SheetImport::default();
    let place = |row: usize, column: Option<&str>, value: Option<&str>| Location {
        file: Some(name.clone()),
        row: Some(row),
        column: column.map(str::to_string),
        value: value.map(str::to_string),
    };
    // Which column holds which field.
    let mut columns: Vec<Option<FieldSpec>> = Vec::new();
    let all = catalog.file_fields(kind);
    for header in &header {
        let h = header.trim();
        let field = if is_name_column(kind, h) {
            None
        } else {
            field_in(&all, h)
        };
        if field.is_none() && !h.is_empty() && h != ERROR_HEADER && !is_name_column(kind, h) {
            out.problems.push(Problem::at(
                place(1, Some(h), None),
                DomainError::UnknownColumn(h.replace('\n', " ")),
            ));
        }
        columns.push(field);
    }
    if !columns.iter().flatten().any(|f| f.name == "code") {
        out.problems.push(Problem::at(
            place(1, Some("code"), None),
            DomainError::Required,
        ));
    }
    if !out.problems.is_empty() {
        return out;
    }
    // Each field's column, found once for all rows.
    let fields: Vec<(FieldSpec, Option<usize>)> = all
        .into_iter()
        .map(|f| {
            let at = columns
                .iter()
                .position(|c| c.is_some_and(|c| c.name == f.name));
            (f, at)
        })
        .collect();
    for row in rows {
        read_row(&row, &fields, kind, names, &place, &mut out);
    }
    out
}

/// Codes for reference cells that name a unit or a place, by (field,
/// text as written): what [`names_in_sheet`] asks for, found by the caller.
pub type NamedCodes = std::collections::HashMap<(String, String), String>;

/// The reference cells of a sheet that may name a unit or a place rather
/// than give its code (青川县, "Hangzhou Municipal Government"), by (field,
/// text), added to `into`: the caller finds their codes before the rows are
/// read. A cell holding a code, or a place's name with its code ("青川县
/// 510822"), needs no finding.
pub fn names_in_sheet(
    sheet: &Sheet,
    kind: RecordKind,
    into: &mut std::collections::BTreeSet<(String, String)>,
) {
    let (header, rows) = match header_at(sheet, kind) {
        None => (&sheet.header, &sheet.rows[..]),
        Some(at) => (&sheet.rows[at].cells, &sheet.rows[at + 1..]),
    };
    let columns: Vec<(usize, FieldSpec)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, column_field(kind, h.trim())?)))
        .filter(|(_, f)| is_named_reference(f))
        .collect();
    if columns.is_empty() {
        return;
    }
    for row in rows {
        for (i, f) in &columns {
            let Some(text) = row
                .cells
                .get(*i)
                .map(|t| crate::export::unneutralised(t.trim()))
            else {
                continue;
            };
            if !text.is_empty() && may_be_a_name(f, text) {
                into.insert((f.name.to_string(), text.to_string()));
            }
        }
    }
}

/// Whether a field refers to a unit or a place, which a file may name.
fn is_named_reference(field: &FieldSpec) -> bool {
    matches!(
        field.ty,
        FieldType::HelperUnit | FieldType::HelpedUnit | FieldType::HelpedRegion | FieldType::Region
    )
}

/// Whether a reference cell may be a name: not a code, and not a place's
/// name with its code. A unit's English name can begin with a word shaped
/// like a code ("Hangzhou Municipal Government"), so it is looked up too.
fn may_be_a_name(field: &FieldSpec, text: &str) -> bool {
    let unit = matches!(field.ty, FieldType::HelperUnit | FieldType::HelpedUnit);
    let coded = match field.ty {
        FieldType::HelpedRegion | FieldType::Region => {
            twinaid_domain::RegionCode::parse(text).is_ok()
        }
        _ => twinaid_domain::record::parse_code(text).is_ok(),
    };
    !coded && (code_only(field, text) == text || (unit && text.contains(char::is_whitespace)))
}

/// Makes the location of a cell: row, column, value.
type Place<'a> = dyn Fn(usize, Option<&str>, Option<&str>) -> Location + 'a;

fn read_row(
    row: &SheetRow,
    fields: &[(FieldSpec, Option<usize>)],
    kind: RecordKind,
    names: &NamedCodes,
    place: &Place<'_>,
    out: &mut SheetImport,
) {
    if row.is_blank() {
        return;
    }
    let cells: Vec<(&'static str, Option<String>)> = fields
        .iter()
        .map(|(f, at)| {
            let text = at
                .and_then(|i| row.cells.get(i))
                .map(|t| crate::export::unneutralised(t.trim()))
                .filter(|t| !t.is_empty())
                .map(|t| match names.get(&(f.name.to_string(), t.to_string())) {
                    Some(code) => code.clone(),
                    None => code_only(f, t),
                });
            (f.name, text)
        })
        .collect();
    let cell = |name: &str| {
        cells
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    };
    if cell("code").is_some_and(|c| c.to_ascii_uppercase().starts_with(EXAMPLE_PREFIX)) {
        out.examples_skipped += 1;
        return;
    }
    // A list export's totals row: not a record.
    if cell("code").is_some_and(is_totals_row) {
        return;
    }
    out.rows_read += 1;
    let specs: Vec<FieldSpec> = fields.iter().map(|(f, _)| *f).collect();
    match Record::parse_in(kind, &specs, cell) {
        Ok(record) => out
            .records
            .push(Located::new(place(row.number, None, None), record)),
        Err(errors) => out.problems.extend(errors.into_iter().map(|(field, e)| {
            let e = match (kind.field(field), cell(field)) {
                // A name no unit or place has: said as such, not as a bad code.
                (Some(f), Some(text)) if is_named_reference(&f) && may_be_a_name(&f, text) => {
                    DomainError::UnknownName {
                        value: text.to_string(),
                        unit: matches!(f.ty, FieldType::HelperUnit | FieldType::HelpedUnit),
                    }
                }
                _ => e,
            };
            Problem::at(place(row.number, Some(field), cell(field)), e)
        })),
    }
}

/// The records of an added kind (`kinds.csv`) a sheet holds: its columns
/// named by field code or label, as a list export writes them or a
/// person types them; a column of names beside codes is read past.
pub struct CustomSheetImport {
    pub records: Vec<Located<twinaid_domain::custom::CustomRecord>>,
    pub problems: Vec<Problem>,
    pub rows_read: usize,
}

/// Reads an added kind's records from a sheet; `own` are the kind's fields.
pub fn custom_records_from_sheet(
    sheet: &Sheet,
    file: &str,
    kind: &str,
    own: &[FieldSpec],
) -> CustomSheetImport {
    let fields: Vec<FieldSpec> = twinaid_domain::custom::common_fields()
        .into_iter()
        .chain(own.iter().copied())
        .collect();
    let mut out = CustomSheetImport {
        records: Vec::new(),
        problems: Vec::new(),
        rows_read: 0,
    };
    let at = |row: Option<usize>, column: Option<String>| Location {
        file: Some(file.to_string()),
        row,
        column,
        value: None,
    };
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(sheet.header.len());
    for header in &sheet.header {
        let names_column = NAME_COLUMN
            .iter()
            .any(|s| header.trim().ends_with(s.trim()));
        match field_in(&fields, header) {
            Some(f) if !names_column => columns.push(Some(f.name)),
            _ if names_column || header.trim().is_empty() => columns.push(None),
            _ => {
                out.problems.push(Problem::at(
                    at(Some(1), Some(header.clone())),
                    DomainError::UnknownColumn(header.clone()),
                ));
                columns.push(None);
            }
        }
    }
    if !columns.contains(&Some("code")) {
        out.problems.push(Problem::at(
            at(Some(1), Some("code".into())),
            DomainError::UnknownColumn("code".into()),
        ));
    }
    if !out.problems.is_empty() {
        return out;
    }
    for row in sheet.rows.iter().filter(|r| !r.is_blank()) {
        out.rows_read += 1;
        let cell = |name: &str| {
            columns
                .iter()
                .position(|c| *c == Some(name))
                .and_then(|i| row.cells.get(i))
                .map(String::as_str)
        };
        let location = at(Some(row.number), None);
        match twinaid_domain::custom::CustomRecord::parse(kind, own, cell) {
            Ok(record) => out.records.push(Located::new(location, record)),
            Err(errors) => out.problems.extend(errors.into_iter().map(|(field, e)| {
                let mut l = location.clone();
                l.column = Some(field.to_string());
                l.value = cell(field).map(str::to_string);
                Problem::at(l, e)
            })),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(header: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: "project".into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| SheetRow {
                    number: i + 2,
                    cells: r.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_window_ends_the_reading_when_its_header_is_wrong_or_it_cannot_be_read() {
        let k = RecordKind::Project;
        let good = sheet(&["code", "year"], &[&["2010-a", "2010"]]);
        assert!(!window_records(Ok(good), k).1);
        let (read, last) = window_records(Ok(sheet(&["nonsense"], &[&["x"]])), k);
        assert!(last && read.records.is_empty() && !read.problems.is_empty());
        let broken = Problem::at(Location::default(), DomainError::NotSingleValue);
        let (read, last) = window_records(Err(broken), k);
        assert!(last && read.problems.len() == 1);
    }

    #[test]
    fn headers_are_found_by_name_or_by_label_in_either_language() {
        let k = RecordKind::Project;
        assert_eq!(field_of(k, "项目类别\ncategory").unwrap().name, "category");
        assert_eq!(field_of(k, "项目名称").unwrap().name, "name_zh");
        assert_eq!(field_of(k, "Category").unwrap().name, "category");
        assert_eq!(
            field_of(k, "帮扶资金").unwrap().name,
            "amount",
            "the unit may be left out"
        );
        assert!(field_of(k, "colour").is_none());
        assert_eq!(kind_of_sheet("project"), Some(RecordKind::Project));
        assert_eq!(kind_of_sheet("projects.csv"), Some(RecordKind::Project));
        assert_eq!(kind_of_sheet("帮扶项目"), Some(RecordKind::Project));
    }

    #[test]
    fn rows_become_records_and_examples_are_skipped() {
        let s = sheet(
            &[
                "编号\ncode",
                "年度\nyear",
                "帮扶单位\nhelper_unit",
                "受帮扶地区\nregion_code",
                "项目类别\ncategory",
                "项目名称\nname_zh",
                "帮扶资金\namount",
                ERROR_HEADER,
            ],
            &[
                &[
                    "EXAMPLE-1",
                    "2009",
                    "hangzhou",
                    "510822",
                    "school",
                    "示例",
                    "1",
                    "",
                ],
                &[
                    "p1",
                    "2009",
                    "hangzhou 杭州市",
                    "510822 青川县",
                    "school",
                    "青川县小学",
                    "500000",
                    "old error",
                ],
                &["", "", "", "", "", "", "", ""],
            ],
        );
        let r = records_from_sheet(s, RecordKind::Project);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            (r.rows_read, r.examples_skipped, r.records.len()),
            (1, 1, 1)
        );
        let p = &r.records[0].item;
        assert_eq!(
            p.get("region_code").as_text(),
            Some("510822"),
            "the name after the code is dropped"
        );
        let unit = FieldSpec {
            name: "helper_unit",
            ty: FieldType::HelperUnit,
            required: true,
            default: None,
            zh: "",
            en: "",
        };
        let place = FieldSpec {
            ty: FieldType::HelpedRegion,
            ..unit
        };
        assert_eq!(
            code_only(&place, "青川县 510822"),
            "510822",
            "a page's name first"
        );
        assert_eq!(code_only(&unit, "杭州市人民政府 hangzhou"), "hangzhou");
        assert_eq!(code_only(&unit, "hangzhou"), "hangzhou");
        assert_eq!(
            code_only(&place, "青川 县"),
            "青川 县",
            "no code: left for the check"
        );
        assert_eq!(r.records[0].location.row, Some(3));
    }

    #[test]
    fn names_are_asked_for_and_read_as_the_codes_found() {
        let s = sheet(
            &[
                "code",
                "year",
                "helper_unit",
                "region_code",
                "kind",
                "title_zh",
                "participants",
            ],
            &[
                &[
                    "t1",
                    "2010",
                    "杭州市人民政府",
                    "青川县",
                    "practical",
                    "甲",
                    "1",
                ],
                &[
                    "t2",
                    "2010",
                    "Hangzhou Municipal Government",
                    "青川县 510822",
                    "practical",
                    "乙",
                    "1",
                ],
                &["t3", "2010", "hangzhou", "510822", "practical", "丙", "1"],
            ],
        );
        let mut asked = std::collections::BTreeSet::new();
        names_in_sheet(&s, RecordKind::Training, &mut asked);
        let asked: Vec<(&str, &str)> = asked
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        assert_eq!(
            asked,
            [
                ("helper_unit", "Hangzhou Municipal Government"),
                ("helper_unit", "杭州市人民政府"),
                ("region_code", "青川县")
            ],
            "codes and \"name code\" cells need no finding"
        );
        let mut found = NamedCodes::new();
        found.insert(
            ("helper_unit".into(), "杭州市人民政府".into()),
            "hangzhou".into(),
        );
        found.insert(("region_code".into(), "青川县".into()), "510822".into());
        let r = records_from_sheet_named(s, RecordKind::Training, &found, &Catalog::default());
        assert_eq!(r.records.len(), 3, "{:?}", r.problems);
        assert_eq!(
            r.records[0].item.get("helper_unit").as_text(),
            Some("hangzhou")
        );
        assert_eq!(
            r.records[0].item.get("region_code").as_text(),
            Some("510822")
        );
        // A name no one found is refused as a name, not as a bad code.
        let s = sheet(
            &[
                "code",
                "year",
                "helper_unit",
                "region_code",
                "kind",
                "title_zh",
                "participants",
            ],
            &[&["t4", "2010", "无此单位", "510822", "practical", "丁", "1"]],
        );
        let r = records_from_sheet_named(s, RecordKind::Training, &found, &Catalog::default());
        assert!(
            matches!(
                &r.problems[0].error,
                DomainError::UnknownName { unit: true, value } if value == "无此单位"
            ),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn a_bad_cell_is_placed_at_its_row_column_and_value() {
        let s = sheet(
            &[
                "code",
                "year",
                "helper_unit",
                "region_code",
                "category",
                "name_zh",
                "amount",
            ],
            &[&["p1", "2009", "hangzhou", "510822", "school", "x", "-5"]],
        );
        let r = records_from_sheet(s, RecordKind::Project);
        let p = &r.problems[0];
        assert_eq!(
            (
                p.location.row,
                p.location.column.as_deref(),
                p.location.value.as_deref()
            ),
            (Some(2), Some("amount"), Some("-5"))
        );
    }

    #[test]
    fn an_unknown_column_is_refused_before_any_row() {
        let s = sheet(&["code", "colour"], &[&["p1", "red"]]);
        let r = records_from_sheet(s, RecordKind::Project);
        assert_eq!(r.problems.len(), 1);
        assert!(r.records.is_empty());
    }
}
