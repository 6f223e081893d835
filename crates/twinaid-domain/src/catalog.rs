//! What an installation adds to the record kinds twinaid ships: values of
//! its own in their choice lists (`choices.csv`: nursing homes as a project
//! category, say) and fields of its own (`fields.csv`: a labour transfer's
//! income). Forms, lists, imports, the API and indicator filters read
//! a kind's fields through the catalog, so an added value is offered,
//! accepted, named and counted like a built-in one.

use crate::custom::{CustomField, CustomKind};
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
    /// Fields added to the kinds, by kind and code.
    fields: Vec<CustomField>,
    /// Record kinds added, by code.
    kinds: Vec<CustomKind>,
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
            fields: Vec::new(),
            kinds: Vec::new(),
        }
    }

    /// The catalog with these record kinds added (one given again renames it).
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = CustomKind>) -> Catalog {
        for k in kinds {
            match self.kinds.iter_mut().find(|g| g.code == k.code) {
                Some(g) => *g = k,
                None => self.kinds.push(k),
            }
        }
        self
    }

    /// The record kinds added.
    pub fn custom_kinds(&self) -> &[CustomKind] {
        &self.kinds
    }

    /// An added record kind by code.
    pub fn custom_kind(&self, code: &str) -> Option<&CustomKind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// An added kind's own fields (not the common ones), as its files may
    /// carry them: hidden ones too.
    pub fn kind_fields(&self, code: &str) -> Vec<FieldSpec> {
        self.fields
            .iter()
            .filter(|f| f.kind == code)
            .map(CustomField::spec)
            .collect()
    }

    /// A field of an added kind by name: a common one or its own (hidden too).
    pub fn kind_field(&self, code: &str, name: &str) -> Option<FieldSpec> {
        crate::custom::common_fields()
            .into_iter()
            .find(|f| f.name == name)
            .or_else(|| {
                self.fields
                    .iter()
                    .find(|f| f.kind == code && f.code == name)
                    .map(CustomField::spec)
            })
    }

    /// The catalog with these fields added to the kinds (a field given
    /// again replaces the one before).
    pub fn with_fields(mut self, fields: impl IntoIterator<Item = CustomField>) -> Catalog {
        // Indexed: a file of many fields is merged in linear time.
        let mut at: HashMap<(String, String), usize> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.kind.clone(), f.code.clone()), i))
            .collect();
        for f in fields {
            match at.get(&(f.kind.clone(), f.code.clone())) {
                Some(&i) => self.fields[i] = f,
                None => {
                    at.insert((f.kind.clone(), f.code.clone()), self.fields.len());
                    self.fields.push(f);
                }
            }
        }
        self
    }

    /// This catalog with another's values and fields added (the other's win).
    pub fn with(&self, other: &Catalog) -> Catalog {
        Catalog::new(self.choices.iter().chain(&other.choices).cloned())
            .with_fields(self.fields.iter().chain(&other.fields).cloned())
            .with_kinds(self.kinds.iter().chain(&other.kinds).cloned())
    }

    /// The fields added to the kinds, hidden ones too.
    pub fn custom_fields(&self) -> &[CustomField] {
        &self.fields
    }

    /// An added field of a kind by code, hidden or not.
    pub fn custom_field(&self, kind: RecordKind, code: &str) -> Option<&CustomField> {
        self.field_definition(kind.code(), code)
    }

    /// An added field by its kind's code (built-in or added) and its own, hidden or not.
    pub fn field_definition(&self, kind: &str, code: &str) -> Option<&CustomField> {
        self.fields
            .iter()
            .find(|f| f.kind == kind && f.code == code)
    }

    /// The added choice values.
    pub fn choices(&self) -> &[AddedChoice] {
        &self.choices
    }

    /// A kind's fields, each choice list with its added values after the
    /// built-in ones, and after the built-in fields the added ones that
    /// are not hidden.
    pub fn fields(&self, kind: RecordKind) -> Vec<FieldSpec> {
        self.fields_of(kind, false)
    }

    /// A kind's fields as files may carry them: hidden added fields too
    /// (a file written before a field was hidden still reads).
    pub fn file_fields(&self, kind: RecordKind) -> Vec<FieldSpec> {
        self.fields_of(kind, true)
    }

    fn fields_of(&self, kind: RecordKind, hidden_too: bool) -> Vec<FieldSpec> {
        let mut fields = kind.fields();
        fields.extend(
            self.fields
                .iter()
                .filter(|f| f.kind == kind.code() && (hidden_too || !f.hidden))
                .map(CustomField::spec),
        );
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

    /// One field of a kind by name, its choice list extended; an added
    /// field even when hidden (its stored values still read and count).
    pub fn field(&self, kind: RecordKind, name: &str) -> Option<FieldSpec> {
        self.fields(kind)
            .into_iter()
            .find(|f| f.name == name)
            .or_else(|| self.custom_field(kind, name).map(CustomField::spec))
    }

    /// Whether a name is an added field of the kind (its values are kept
    /// beside the built-in ones).
    pub fn is_custom(&self, kind: RecordKind, name: &str) -> bool {
        kind.field(name).is_none() && self.custom_field(kind, name).is_some()
    }

    /// A field's help in a language: an added field's own, else the built-in help.
    pub fn help(&self, kind: RecordKind, name: &str, lang: crate::Lang) -> String {
        match self.custom_field(kind, name) {
            Some(f) => f.help(lang).unwrap_or_default().to_string(),
            None => crate::record_help::help(kind, name, lang)
                .unwrap_or_default()
                .to_string(),
        }
    }
}

/// Built-in values and added ones as one list.
fn extended(built_in: &'static [Choice], added: &[&AddedChoice]) -> &'static [Choice] {
    let added: Vec<(String, String, String)> = added
        .iter()
        .map(|c| (c.code.clone(), c.name_zh.clone(), c.name_en.clone()))
        .collect();
    intern_choices(built_in, &added)
}

/// Kept for the life of the process: a field spec holds its names and
/// choices as `'static`, and an installation's catalog changes seldom, so
/// each text and list is made once and what is kept stays small.
#[derive(Default)]
struct Interned {
    texts: std::collections::HashSet<&'static str>,
    lists: HashMap<ListKey, &'static [Choice]>,
}

/// A made list: the built-in list it extends (by address) and what it adds.
type ListKey = (usize, Vec<(String, String, String)>);

fn interned() -> std::sync::MutexGuard<'static, Interned> {
    static MADE: OnceLock<Mutex<Interned>> = OnceLock::new();
    // A panic elsewhere while holding the lock leaves the sets as they were: still usable.
    MADE.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn intern_in(made: &mut Interned, text: &str) -> &'static str {
    if let Some(t) = made.texts.get(text) {
        return t;
    }
    let t: &'static str = Box::leak(text.to_string().into_boxed_str());
    made.texts.insert(t);
    t
}

/// A text as `'static`, made once per content.
pub fn intern(text: &str) -> &'static str {
    intern_in(&mut interned(), text)
}

/// `built_in` followed by `added` (code, Chinese, English) as one list,
/// made once per content.
pub(crate) fn intern_choices(
    built_in: &'static [Choice],
    added: &[(String, String, String)],
) -> &'static [Choice] {
    let mut made = interned();
    let key = (built_in.as_ptr() as usize, added.to_vec());
    if let Some(list) = made.lists.get(&key) {
        return list;
    }
    let mut list: Vec<Choice> = built_in.to_vec();
    for (code, zh, en) in added {
        list.push(Choice {
            code: intern_in(&mut made, code),
            zh: intern_in(&mut made, zh),
            en: intern_in(&mut made, en),
        });
    }
    let list: &'static [Choice] = Box::leak(list.into_boxed_slice());
    made.lists.insert(key, list);
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
