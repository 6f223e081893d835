//! Fields an installation adds to a record kind (`fields.csv`): a labour
//! transfer's income, the provincial leaders on an exchange visit. Their
//! values are kept beside the built-in fields and read, checked, shown,
//! filtered and summed like them.

use crate::error::DomainError;
use crate::lang::Lang;
use crate::record::{Choice, FieldSpec, FieldType, RecordKind, parse_code};

/// What a custom field holds, as `fields.csv` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomType {
    /// Yuan (fen stored), summed in yuan.
    Money,
    /// A whole number of things.
    Number,
    People,
    PersonTimes,
    Km,
    Text,
    /// One of the field's `choices`.
    Choice,
    Date,
    YesNo,
}

impl CustomType {
    pub const ALL: [CustomType; 9] = [
        CustomType::Money,
        CustomType::Number,
        CustomType::People,
        CustomType::PersonTimes,
        CustomType::Km,
        CustomType::Text,
        CustomType::Choice,
        CustomType::Date,
        CustomType::YesNo,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CustomType::Money => "money",
            CustomType::Number => "number",
            CustomType::People => "people",
            CustomType::PersonTimes => "person_times",
            CustomType::Km => "km",
            CustomType::Text => "text",
            CustomType::Choice => "choice",
            CustomType::Date => "date",
            CustomType::YesNo => "yes_no",
        }
    }

    pub fn parse(text: &str) -> Option<CustomType> {
        CustomType::ALL
            .into_iter()
            .find(|t| t.code() == text.trim())
    }

    /// How the field's cells are read, its choices given.
    fn field_type(self, choices: &'static [Choice]) -> FieldType {
        match self {
            CustomType::Money => FieldType::Money,
            CustomType::Number | CustomType::People | CustomType::PersonTimes => FieldType::Count,
            CustomType::Km => FieldType::Km,
            CustomType::Text => FieldType::Text,
            CustomType::Choice => FieldType::Choice(choices),
            CustomType::Date => FieldType::Date,
            CustomType::YesNo => FieldType::Flag,
        }
    }
}

/// A field added to a record kind, built-in or added.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomField {
    /// The kind's code: a built-in kind's, or one of `kinds.csv`.
    pub kind: String,
    /// Its name in files, forms and the API: lower-case letters, digits
    /// and `_`, beginning with a letter.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub ty: CustomType,
    /// A choice field's values: (code, Chinese, English).
    pub choices: Vec<(String, String, String)>,
    pub required: bool,
    pub help_zh: String,
    pub help_en: String,
    /// Hidden fields keep their stored values but are no longer shown or asked for.
    pub hidden: bool,
}

/// The longest custom field code.
const MOST_CODE: usize = 40;

/// The text of one row of `fields.csv`, cell by cell.
#[derive(Debug, Clone, Default)]
pub struct FieldRow<'a> {
    pub kind: &'a str,
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: Option<&'a str>,
    pub ty: &'a str,
    pub choices: Option<&'a str>,
    pub required: bool,
    pub help_zh: Option<&'a str>,
    pub help_en: Option<&'a str>,
    pub hidden: bool,
}

impl CustomField {
    /// Reads a `fields.csv` row; each bad cell is named. `added_kind`
    /// tells the kinds the installation added (`kinds.csv`).
    pub fn parse(
        row: FieldRow<'_>,
        added_kind: &dyn Fn(&str) -> bool,
    ) -> Result<CustomField, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let kind_code = row.kind.trim();
        let built_in = RecordKind::parse(kind_code);
        let kind = (built_in.is_some() || added_kind(kind_code)).then(|| kind_code.to_string());
        if kind.is_none() {
            errors.push((
                "kind",
                DomainError::UnknownChoice {
                    value: kind_code.to_string(),
                    allowed: RecordKind::ALL.iter().map(|k| k.code()).collect(),
                },
            ));
        }
        let code = row.code.trim();
        let shaped = !code.is_empty()
            && code.len() <= MOST_CODE
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !shaped {
            errors.push(("code", DomainError::BadFieldCode(code.to_string())));
        } else if let Some(kind) = &kind {
            let taken = match built_in {
                Some(k) => k.field(code).is_some(),
                None => common_fields().iter().any(|f| f.name == code),
            };
            if taken || RESERVED.contains(&code) {
                errors.push((
                    "code",
                    DomainError::FieldTaken {
                        kind: kind.clone(),
                        field: code.to_string(),
                    },
                ));
            }
        }
        let name_zh = row.name_zh.trim();
        if name_zh.is_empty() {
            errors.push(("name_zh", DomainError::Required));
        }
        let ty = CustomType::parse(row.ty);
        if ty.is_none() {
            errors.push((
                "type",
                DomainError::UnknownChoice {
                    value: row.ty.trim().to_string(),
                    allowed: CustomType::ALL.iter().map(|t| t.code()).collect(),
                },
            ));
        }
        let choices = match (ty, row.choices.map(str::trim).filter(|c| !c.is_empty())) {
            (Some(CustomType::Choice), Some(text)) => match parse_choices(text) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(("choices", e));
                    Vec::new()
                }
            },
            (Some(CustomType::Choice), None) => {
                errors.push(("choices", DomainError::Required));
                Vec::new()
            }
            _ => Vec::new(),
        };
        let text = |t: Option<&str>| t.map(str::trim).unwrap_or_default().to_string();
        let (name_en, help_zh, help_en) = (
            if text(row.name_en).is_empty() {
                name_zh.to_string()
            } else {
                text(row.name_en)
            },
            text(row.help_zh),
            text(row.help_en),
        );
        for (column, t) in [
            ("name_zh", name_zh),
            ("name_en", name_en.as_str()),
            ("help_zh", help_zh.as_str()),
            ("help_en", help_en.as_str()),
        ] {
            if let Err(e) = crate::record::refuse_control(t) {
                errors.push((column, e));
            }
        }
        match (kind, ty) {
            (Some(kind), Some(ty)) if errors.is_empty() => Ok(CustomField {
                kind,
                code: code.to_string(),
                name_zh: name_zh.to_string(),
                name_en,
                ty,
                choices,
                required: row.required,
                help_zh,
                help_en,
                hidden: row.hidden,
            }),
            _ => Err(errors),
        }
    }

    /// The `choices` cell as written: `code=名称=name|…`.
    pub fn choices_text(&self) -> String {
        self.choices
            .iter()
            .map(|(code, zh, en)| format!("{code}={zh}={en}"))
            .collect::<Vec<_>>()
            .join("|")
    }

    /// The field's spec, as a built-in field's.
    pub fn spec(&self) -> FieldSpec {
        let choices = crate::catalog::intern_choices(&[], &self.choices);
        FieldSpec {
            name: crate::catalog::intern(&self.code),
            ty: self.ty.field_type(choices),
            required: self.required,
            default: None,
            zh: crate::catalog::intern(&self.name_zh),
            en: crate::catalog::intern(&self.name_en),
        }
    }

    /// The field's help in a language, if it has any.
    pub fn help(&self, lang: Lang) -> Option<&str> {
        let help = lang.pick(&self.help_zh, &self.help_en);
        (!help.is_empty()).then_some(help)
    }
}

/// A record kind the installation adds (`kinds.csv`): volunteer service,
/// say. Its records have the columns every yearly record has
/// ([`common_fields`]) and the fields `fields.csv` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomKind {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl CustomKind {
    /// Reads a `kinds.csv` row; each bad cell is named. Its code is shaped
    /// as a field's and is no built-in kind's.
    pub fn parse(
        code: &str,
        name_zh: &str,
        name_en: Option<&str>,
    ) -> Result<CustomKind, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let code = code.trim();
        if !is_plain(code) {
            errors.push(("code", DomainError::BadFieldCode(code.to_string())));
        } else if RecordKind::parse(code).is_some() {
            errors.push(("code", DomainError::KindTaken(code.to_string())));
        }
        let name_zh = name_zh.trim();
        if name_zh.is_empty() {
            errors.push(("name_zh", DomainError::Required));
        }
        let name_en = name_en
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(name_zh);
        for (column, t) in [("name_zh", name_zh), ("name_en", name_en)] {
            if let Err(e) = crate::record::refuse_control(t) {
                errors.push((column, e));
            }
        }
        if errors.is_empty() {
            Ok(CustomKind {
                code: code.to_string(),
                name_zh: name_zh.to_string(),
                name_en: name_en.to_string(),
            })
        } else {
            Err(errors)
        }
    }

    /// The file of a program folder that holds its records.
    pub fn file(&self) -> String {
        format!("custom_{}.csv", self.code)
    }

    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_zh, &self.name_en)
    }
}

/// The fields every record of an added kind has: its key, year, helper
/// unit and helped place, whether it is illustrative, a note.
pub fn common_fields() -> Vec<FieldSpec> {
    crate::record::BASE
        .iter()
        .chain(crate::record::TAIL)
        .copied()
        .collect()
}

/// Whether a code is plain: a lower-case letter, then lower-case letters,
/// digits or `_`, at most 40 (safe as a name in SQL and in JSON paths).
pub fn is_plain(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MOST_CODE
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A record of an added kind: the common fields' values in the order of
/// [`common_fields`], and its own fields' values (as stored) by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRecord {
    pub kind: String,
    pub values: Vec<crate::record::FieldValue>,
    pub custom: std::collections::BTreeMap<String, crate::record::FieldValue>,
}

impl CustomRecord {
    /// Reads a record of an added kind from cells by name: the common
    /// fields and `own` (the kind's fields, as the catalog gives them).
    pub fn parse<'a>(
        kind: &str,
        own: &[FieldSpec],
        cell: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<CustomRecord, Vec<(&'static str, DomainError)>> {
        let mut values = Vec::new();
        let mut custom = std::collections::BTreeMap::new();
        let mut errors = Vec::new();
        for spec in common_fields() {
            match spec.parse(cell(spec.name)) {
                Ok(v) => values.push(v),
                Err(e) => {
                    errors.push((spec.name, e));
                    values.push(crate::record::FieldValue::Null);
                }
            }
        }
        for spec in own {
            match spec.parse(cell(spec.name)) {
                Ok(crate::record::FieldValue::Null) => {}
                Ok(v) => {
                    custom.insert(spec.name.to_string(), v);
                }
                Err(e) => errors.push((spec.name, e)),
            }
        }
        if errors.is_empty() {
            Ok(CustomRecord {
                kind: kind.to_string(),
                values,
                custom,
            })
        } else {
            Err(errors)
        }
    }

    /// A common field's value by name.
    pub fn get(&self, name: &str) -> &crate::record::FieldValue {
        common_fields()
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.values.get(i))
            .or_else(|| self.custom.get(name))
            .unwrap_or(&crate::record::FieldValue::Null)
    }

    pub fn code(&self) -> &str {
        self.get("code").as_text().unwrap_or_default()
    }

    /// Its own fields' values as the store keeps them.
    pub fn custom_json(&self) -> Option<String> {
        crate::record::custom_json(&self.custom)
    }

    /// The record as JSON: the common fields, then the kind's own fields
    /// given (`own`), each in written units.
    pub fn to_json_in(&self, own: &[FieldSpec]) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for spec in common_fields().iter().chain(own) {
            map.insert(spec.name.to_string(), spec.to_json(self.get(spec.name)));
        }
        serde_json::Value::Object(map)
    }

    /// The record as stored, for its audit event: the common fields and
    /// every value it holds, shown or hidden, as the store keeps them.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for spec in common_fields() {
            map.insert(spec.name.to_string(), spec.to_json(self.get(spec.name)));
        }
        for (name, value) in &self.custom {
            let v = match value {
                crate::record::FieldValue::Int(i) => serde_json::Value::from(*i),
                crate::record::FieldValue::Text(t) => serde_json::Value::from(t.clone()),
                crate::record::FieldValue::Null => serde_json::Value::Null,
            };
            map.insert(name.clone(), v);
        }
        serde_json::Value::Object(map)
    }

    /// What the common fields refer to, checked as a built-in record's are.
    pub fn check(
        &self,
        ctx: &dyn crate::record::RecordContext,
    ) -> Vec<(&'static str, DomainError)> {
        // The common fields are a project's own: checked through one.
        let as_project = crate::record::Record {
            kind: RecordKind::Project,
            values: Vec::new(),
            custom: Default::default(),
        };
        let mut probe = as_project;
        probe.values = RecordKind::Project
            .fields()
            .iter()
            .map(|f| self.get(f.name).clone())
            .collect();
        probe
            .check(ctx)
            .into_iter()
            .filter(|(field, _)| common_fields().iter().any(|f| f.name == *field))
            .collect()
    }
}

/// Field codes a custom field may not take: what the records' tables and
/// the API use beside the fields.
const RESERVED: &[&str] = &[
    "id",
    "program_code",
    "extra",
    "correction_reason",
    "unpaired_reason",
    "source",
];

/// Reads `code=名称=name|code=名称|code`.
fn parse_choices(text: &str) -> Result<Vec<(String, String, String)>, DomainError> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for item in text.split('|').map(str::trim).filter(|i| !i.is_empty()) {
        let mut parts = item.splitn(3, '=').map(str::trim);
        let code = parse_code(parts.next().unwrap_or_default())?;
        let zh = parts
            .next()
            .filter(|z| !z.is_empty())
            .unwrap_or(&code)
            .to_string();
        let en = parts
            .next()
            .filter(|e| !e.is_empty())
            .unwrap_or(&zh)
            .to_string();
        if out.iter().any(|(c, z, _)| *c == code || *z == zh) {
            return Err(DomainError::DuplicateKey(code));
        }
        out.push((code, zh, en));
    }
    if out.is_empty() {
        return Err(DomainError::Required);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FieldValue;

    fn row<'a>(kind: &'a str, code: &'a str, ty: &'a str) -> FieldRow<'a> {
        FieldRow {
            kind,
            code,
            name_zh: "劳务收入",
            name_en: Some("labour income"),
            ty,
            ..FieldRow::default()
        }
    }

    #[test]
    fn a_field_reads_into_a_spec_like_a_built_in_one() {
        let none = |_: &str| false;
        let income = CustomField::parse(row("labour_transfer", "income", "money"), &none).unwrap();
        let spec = income.spec();
        assert_eq!((spec.name, spec.ty), ("income", FieldType::Money));
        assert_eq!(
            spec.parse(Some("1,200.50")).unwrap(),
            FieldValue::Int(120_050)
        );
        let level = CustomField::parse(
            FieldRow {
                choices: Some("provincial=省级|city=市级=city level"),
                ..row("exchange_visit", "leader_level", "choice")
            },
            &none,
        )
        .unwrap();
        let spec = level.spec();
        assert_eq!(
            spec.parse(Some("省级")).unwrap(),
            FieldValue::Text("provincial".into())
        );
        assert_eq!(
            spec.parse(Some("city level")).unwrap(),
            FieldValue::Text("city".into())
        );
        assert!(spec.parse(Some("国家级")).is_err());
        assert_eq!(
            level.choices_text(),
            "provincial=省级=省级|city=市级=city level"
        );
    }

    #[test]
    fn bad_rows_are_refused_naming_each_cell() {
        let columns = |r: FieldRow<'_>| -> Vec<&'static str> {
            CustomField::parse(r, &|k| k == "volunteer")
                .unwrap_err()
                .into_iter()
                .map(|(c, _)| c)
                .collect()
        };
        assert_eq!(
            columns(row("nothing", "Income", "decimal")),
            ["kind", "code", "type"]
        );
        assert_eq!(
            columns(row("project", "amount", "money")),
            ["code"],
            "a built-in name"
        );
        assert_eq!(
            columns(row("project", "extra", "text")),
            ["code"],
            "a column of the table"
        );
        assert_eq!(columns(row("project", "level", "choice")), ["choices"]);
        assert_eq!(
            columns(FieldRow {
                choices: Some("a=甲|a=乙"),
                ..row("project", "level", "choice")
            }),
            ["choices"]
        );
    }
}
