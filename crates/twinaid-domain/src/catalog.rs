//! What an installation adds to the record kinds twinaid ships: values of
//! its own in their choice lists (`choices.csv`: nursing homes as a project
//! category, say). Forms, lists, imports, the API and indicator filters read
//! a kind's fields through the catalog, so an added value is offered,
//! accepted, named and counted like a built-in one.

use crate::error::DomainError;
use crate::record::{Choice, FieldSpec, FieldType, RecordKind, parse_code};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A value added to a built-in choice list, e.g. `project.category` +=
/// `nursing_home` (敬老院).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddedChoice {
    pub kind: RecordKind,
    /// The choice field's name, as the record spec has it.
    pub field: &'static str,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl AddedChoice {
    /// Reads a `choices.csv` row: `field` as `kind.field` of a choice
    /// field, a code no built-in value of the field has, and its names (the
    /// English one defaults to the Chinese). Each bad cell is named.
    pub fn parse(
        field: &str,
        code: &str,
        name_zh: &str,
        name_en: Option<&str>,
    ) -> Result<AddedChoice, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let spec = field.trim().split_once('.').and_then(|(kind, name)| {
            let kind = RecordKind::parse(kind)?;
            let spec = kind.field(name.trim())?;
            matches!(spec.ty, FieldType::Choice(_)).then_some((kind, spec))
        });
        if spec.is_none() {
            errors.push((
                "field",
                DomainError::NotAChoiceField(field.trim().to_string()),
            ));
        }
        let code = match parse_code(code) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(("code", e));
                None
            }
        };
        let name_zh = name_zh.trim();
        if name_zh.is_empty() {
            errors.push(("name_zh", DomainError::Required));
        }
        let name_en = name_en
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(name_zh);
        for (column, text) in [("name_zh", name_zh), ("name_en", name_en)] {
            if let Err(e) = crate::record::refuse_control(text) {
                errors.push((column, e));
            }
        }
        if let (Some((kind, spec)), Some(code)) = (spec, &code)
            && let FieldType::Choice(built_in) = spec.ty
        {
            // A built-in value's code or name would read as that value.
            let clash = |text: &str| {
                built_in
                    .iter()
                    .any(|c| c.code == text || c.zh == text || c.en == text)
            };
            for (column, text) in [("code", code.as_str()), ("name_zh", name_zh)] {
                if clash(text) {
                    errors.push((
                        column,
                        DomainError::ChoiceTaken {
                            field: format!("{}.{}", kind.code(), spec.name),
                            value: text.to_string(),
                        },
                    ));
                }
            }
        }
        match (spec, code) {
            (Some((kind, spec)), Some(code)) if errors.is_empty() => Ok(AddedChoice {
                kind,
                field: spec.name,
                code,
                name_zh: name_zh.to_string(),
                name_en: name_en.to_string(),
            }),
            _ => Err(errors),
        }
    }

    /// The field as `choices.csv` names it: `kind.field`.
    pub fn field_path(&self) -> String {
        format!("{}.{}", self.kind.code(), self.field)
    }
}

/// The installation's additions to the record kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Sorted by kind, field and code; one value per code.
    choices: Vec<AddedChoice>,
}

impl Catalog {
    /// A catalog of these added values; a code given twice for one field
    /// keeps the last names given.
    pub fn new(choices: impl IntoIterator<Item = AddedChoice>) -> Catalog {
        let mut by_key: std::collections::BTreeMap<
            (RecordKind, &'static str, String),
            AddedChoice,
        > = std::collections::BTreeMap::new();
        for c in choices {
            by_key.insert((c.kind, c.field, c.code.clone()), c);
        }
        Catalog {
            choices: by_key.into_values().collect(),
        }
    }

    /// This catalog with another's values added (the other's names win).
    pub fn with(&self, other: &Catalog) -> Catalog {
        Catalog::new(self.choices.iter().chain(&other.choices).cloned())
    }

    /// The added choice values.
    pub fn choices(&self) -> &[AddedChoice] {
        &self.choices
    }

    /// A kind's fields, each choice list with its added values after the
    /// built-in ones.
    pub fn fields(&self, kind: RecordKind) -> Vec<FieldSpec> {
        let mut fields = kind.fields();
        if self.choices.iter().all(|c| c.kind != kind) {
            return fields;
        }
        for spec in &mut fields {
            if let FieldType::Choice(built_in) = spec.ty {
                let added: Vec<&AddedChoice> = self
                    .choices
                    .iter()
                    .filter(|c| c.kind == kind && c.field == spec.name)
                    .collect();
                if !added.is_empty() {
                    spec.ty = FieldType::Choice(extended(built_in, &added));
                }
            }
        }
        fields
    }

    /// One field of a kind by name, its choice list extended.
    pub fn field(&self, kind: RecordKind, name: &str) -> Option<FieldSpec> {
        self.fields(kind).into_iter().find(|f| f.name == name)
    }
}

/// Built-in values and added ones as one list. The lists are made once per
/// content and kept for the life of the process: a field spec holds its
/// choices as a `'static` slice, and an installation's catalog changes
/// seldom, so what is kept stays small.
fn extended(built_in: &'static [Choice], added: &[&AddedChoice]) -> &'static [Choice] {
    type Key = (usize, Vec<(String, String, String)>);
    static MADE: OnceLock<Mutex<HashMap<Key, &'static [Choice]>>> = OnceLock::new();
    let key: Key = (
        built_in.as_ptr() as usize,
        added
            .iter()
            .map(|c| (c.code.clone(), c.name_zh.clone(), c.name_en.clone()))
            .collect(),
    );
    let made = MADE.get_or_init(Default::default);
    // A panic elsewhere while holding the lock leaves the map as it was: still usable.
    let mut made = made.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(list) = made.get(&key) {
        return list;
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let list: Vec<Choice> = built_in
        .iter()
        .copied()
        .chain(added.iter().map(|c| Choice {
            code: leak(&c.code),
            zh: leak(&c.name_zh),
            en: leak(&c.name_en),
        }))
        .collect();
    let list: &'static [Choice] = Box::leak(list.into_boxed_slice());
    made.insert(key, list);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FieldValue, Record};

    fn nursing_home() -> AddedChoice {
        AddedChoice::parse(
            "project.category",
            "nursing_home",
            "敬老院",
            Some("nursing home"),
        )
        .unwrap()
    }

    #[test]
    fn an_added_value_is_read_by_code_or_name_and_named() {
        let catalog = Catalog::new([nursing_home()]);
        let fields = catalog.fields(RecordKind::Project);
        let category = fields.iter().find(|f| f.name == "category").unwrap();
        for written in ["nursing_home", "敬老院", "nursing home"] {
            assert_eq!(
                category.parse(Some(written)).unwrap(),
                FieldValue::Text("nursing_home".into())
            );
        }
        assert!(
            category.parse(Some("school")).is_ok(),
            "built-in values stay"
        );
        // Without the catalog the value is refused, naming the allowed ones.
        let plain = RecordKind::Project.field("category").unwrap();
        assert!(plain.parse(Some("nursing_home")).is_err());
        // The same content gives the same list: made once.
        let again = Catalog::new([nursing_home()]).field(RecordKind::Project, "category");
        assert_eq!(again.map(|f| f.ty), Some(category.ty));
        let record = Record::parse_in(RecordKind::Project, &fields, |name| match name {
            "code" => Some("p1"),
            "year" => Some("2009"),
            "helper_unit" => Some("u"),
            "region_code" => Some("510822"),
            "category" => Some("敬老院"),
            "name_zh" => Some("敬老院"),
            _ => None,
        })
        .unwrap();
        assert_eq!(record.get("category").as_text(), Some("nursing_home"));
    }

    #[test]
    fn bad_rows_are_refused_naming_each_cell() {
        let columns = |r: Result<AddedChoice, Vec<(&'static str, DomainError)>>| -> Vec<&str> {
            r.unwrap_err().into_iter().map(|(c, _)| c).collect()
        };
        assert_eq!(
            columns(AddedChoice::parse("project.name_zh", "x", "甲", None)),
            ["field"]
        );
        assert_eq!(
            columns(AddedChoice::parse("nothing.category", "x y", "", None)),
            ["field", "code", "name_zh"]
        );
        assert_eq!(
            columns(AddedChoice::parse(
                "project.category",
                "school",
                "学校",
                None
            )),
            ["code", "name_zh"],
            "a built-in value's code and name are taken"
        );
        let named = AddedChoice::parse("training.kind", "volunteer", "志愿服务", None).unwrap();
        assert_eq!(named.name_en, "志愿服务");
        assert_eq!(named.field_path(), "training.kind");
    }
}
