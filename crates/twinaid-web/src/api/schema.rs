//! The schemas the record field specs make, and the finishing of the
//! OpenAPI document: what every operation may be refused with.

use serde_json::{Map, Value, json};
use twinaid_domain::lifecycle::Status;
use twinaid_domain::record::{FIRST_YEAR, FieldType, LAST_YEAR, RecordKind};
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// Text without control characters (tab and line breaks allowed), as the
/// records take it.
const TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// A code: letters, digits, `-`, `_`, `.`; at most 64.
const CODE: &str = "^[A-Za-z0-9._-]{1,64}$";
/// The most a money, number or km field is documented to take.
const MOST: i64 = twinaid_domain::record::MOST_WRITTEN;

/// One field's schema: what its values may be when written.
fn field_schema(ty: FieldType) -> Value {
    match ty {
        FieldType::Money => {
            json!({"type": "number", "minimum": 0, "maximum": MOST, "multipleOf": 0.01, "description": "yuan (at most 2 decimals)"})
        }
        FieldType::SignedMoney => {
            json!({"type": "number", "minimum": -MOST, "maximum": MOST, "multipleOf": 0.01, "description": "yuan (at most 2 decimals); negative for a reversal"})
        }
        FieldType::Foreign => {
            json!({"type": "number", "minimum": -MOST, "maximum": MOST, "multipleOf": 0.01, "description": "the amount in the record's currency (at most 2 decimals); negative for a reversal"})
        }
        FieldType::Currency => {
            json!({"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 currency code; empty or absent for yuan (CNY)"})
        }
        FieldType::Km => {
            json!({"type": "number", "minimum": 0, "maximum": MOST, "multipleOf": 0.001, "description": "km (at most 3 decimals)"})
        }
        FieldType::Count => json!({"type": "integer", "minimum": 0, "maximum": MOST}),
        FieldType::Degrees(most) => {
            json!({"type": "number", "minimum": -most, "maximum": most, "multipleOf": 0.000001, "description": "decimal degrees (at most 6 decimals)"})
        }
        FieldType::ProgramYear => {
            json!({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR, "description": "a year of the program"})
        }
        FieldType::Flag => json!({"type": "boolean"}),
        FieldType::Date => {
            json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
        }
        FieldType::HelpedRegion | FieldType::Region => {
            json!({"type": "string", "pattern": "^[0-9]{6}([0-9]{3}){0,2}$", "description": "GB/T 2260 code (county 6 digits, township 9, village 12)"})
        }
        FieldType::Choice(choices) => {
            json!({"type": "string", "enum": choices.iter().map(|c| c.code).collect::<Vec<_>>()})
        }
        FieldType::Code => json!({"type": "string", "pattern": CODE}),
        FieldType::HelperUnit => {
            json!({"type": "string", "pattern": CODE, "description": "a helper unit's code"})
        }
        FieldType::HelpedUnit => {
            json!({"type": "string", "pattern": CODE, "description": "a helped unit's code"})
        }
        FieldType::Ref(kind) => {
            json!({"type": "string", "pattern": CODE, "description": format!("the code of a {} of the program", kind.code())})
        }
        FieldType::Text | FieldType::PersonRef => {
            json!({"type": "string", "pattern": TEXT, "maxLength": 2000})
        }
    }
}

/// The finished document with the record schemas of the kinds whose
/// choice lists the installation's catalog extends.
pub fn with_catalog(doc: &Value, catalog: &twinaid_domain::catalog::Catalog) -> Value {
    let mut doc = doc.clone();
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for kind in RecordKind::ALL {
            let added = catalog.choices().iter().any(|c| c.kind == kind)
                || catalog
                    .custom_fields()
                    .iter()
                    .any(|f| f.kind == kind.code());
            if added {
                schemas.insert(
                    kind.code().into(),
                    record_schema_in(kind.code(), &catalog.fields(kind)),
                );
            }
        }
        // An added kind has a schema of its own, and records of it are records.
        for kind in catalog.custom_kinds() {
            // Its shown fields: a hidden one is asked for nowhere.
            let fields: Vec<_> = twinaid_domain::custom::common_fields()
                .into_iter()
                .chain(catalog.kind_fields(&kind.code).into_iter().filter(|f| {
                    !catalog
                        .field_definition(&kind.code, f.name)
                        .is_some_and(|d| d.hidden)
                }))
                .collect();
            let mut schema = record_schema_in(&kind.code, &fields);
            if let Some(props) = schema["properties"].as_object_mut() {
                // No pairing rule or made code holds for an added kind.
                props.remove("unpaired_reason");
                if let Some(code) = props.get_mut("code") {
                    code["description"] =
                        Value::from("unique among the kind's records in the program");
                }
            }
            if let Some(required) = schema["required"].as_array_mut() {
                required.insert(0, Value::from("code"));
            }
            schemas.insert(kind.code.clone(), schema);
            for name in ["Record", "RecordBody"] {
                if let Some(list) = schemas
                    .get_mut(name)
                    .and_then(|s| s.get_mut("anyOf"))
                    .and_then(Value::as_array_mut)
                {
                    list.push(json!({"$ref": format!("#/components/schemas/{}", kind.code)}));
                }
            }
        }
    }
    if !catalog.custom_kinds().is_empty() {
        let added: Vec<Value> = catalog
            .custom_kinds()
            .iter()
            .map(|k| Value::from(k.code.clone()))
            .collect();
        // Every path's `kind` names the added kinds too.
        for item in doc["paths"]
            .as_object_mut()
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                for param in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if param["name"] != "kind" {
                        continue;
                    }
                    if let Some(values) = param
                        .pointer_mut("/schema/enum")
                        .and_then(Value::as_array_mut)
                    {
                        values.extend(added.iter().cloned());
                    }
                }
            }
        }
    }
    doc
}

/// A kind's record: each field with its schema, title and whether it is
/// required; a field left out may also be `null`.
pub fn record_schema(kind: RecordKind) -> Value {
    record_schema_in(kind.code(), &kind.fields())
}

/// A kind's record with its fields as given (an installation's catalog
/// adds values to their choice lists).
fn record_schema_in(kind: &str, fields: &[twinaid_domain::record::FieldSpec]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in fields.iter().copied() {
        let mut s = field_schema(f.ty);
        s["title"] = Value::from(format!("{} / {}", f.zh, f.en));
        // A record's code is made when a new one leaves it out.
        if f.name == "code" {
            s["description"] = Value::from(
                "unique in the program; when a new record leaves it out, one is made from its year, place and kind (e.g. 2010-510822-school-001)",
            );
        }
        if f.required && f.default.is_none() && f.name != "code" {
            required.push(f.name);
            // Blank is not given.
            if s["type"] == "string" && s.get("enum").is_none() {
                s["minLength"] = Value::from(1);
                if s["pattern"] == TEXT {
                    s["pattern"] = Value::from(
                        "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
                    );
                }
            }
        } else {
            let ty = s["type"].clone();
            s["type"] = json!([ty, "null"]);
            if let Some(Value::Array(values)) = s.get_mut("enum") {
                values.push(Value::Null);
            }
        }
        props.insert(f.name.to_string(), s);
    }
    // What a write may need to say beside the fields.
    let reason = |why: &str| json!({"type": ["string", "null"], "pattern": TEXT, "maxLength": 2000, "description": why});
    for (name, why) in super::records::WRITE_NOTES.iter().zip([
        "why a record of a year whose assessment is published changes (required then)",
        "why the office records work outside the pairings of the year (required then)",
    ]) {
        props.insert((*name).into(), reason(why));
    }
    // A field the kind does not have is refused, not dropped.
    json!({"type": "object", "title": kind, "properties": props, "required": required, "additionalProperties": false})
}

/// A schema made here by hand (from the domain's lists, or filled in when
/// the document is finished) under a name of its own: `$ty` is a marker
/// type for the handlers' declarations to name.
macro_rules! named_schema {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $schema:block) => {
        $(#[$doc])*
        pub struct $ty;

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
        }
    };
}
pub(crate) use named_schema;

fn any_of_kinds() -> Value {
    json!({"anyOf": RecordKind::ALL.iter().map(|k| json!({"$ref": format!("#/components/schemas/{}", k.code())})).collect::<Vec<_>>()})
}

named_schema!(
    /// A record as the API gives it: one of the kinds' schemas (written in
    /// when the document is finished, from the field specs).
    RecordOut, "Record", {
    ObjectBuilder::new().into()
    }
);

named_schema!(
    /// A record as written: the fields of the path's kind (money in yuan).
    RecordBody, "RecordBody", {
    ObjectBuilder::new().into()
    }
);

named_schema!(
    /// A project's status.
    ProjectStatus, "ProjectStatus", {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Status::ALL.iter().map(|s| s.code())))
        .into()
    }
);

/// What any operation may be refused with, beside what it documents.
const REFUSALS: [(&str, &str); 7] = [
    (
        "401",
        "no valid token or session; `code` says whether the token is unknown, revoked (`token_revoked`) or expired (`token_expired`)",
    ),
    ("403", "not the caller's to see or do"),
    (
        "404",
        "no such program, record, year's report or other thing, or not the caller's to see",
    ),
    (
        "422",
        "a parameter or body that does not read, or input with problems (each named with its field); nothing written",
    ),
    (
        "429",
        "too many failed attempts from this address (wait for the lock to end), or too many imports at once",
    ),
    (
        "503",
        "the database is out of reach for a moment; try again",
    ),
    (
        "409",
        "not possible in the state things are in (no guidance for the year, a closed inspection, a published year, a locked plan, a step the lifecycle does not allow now)",
    ),
];

/// What an operation with a body may also be refused with.
const BODY_REFUSALS: [(&str, &str); 3] = [
    ("400", "a body that is not JSON"),
    ("413", "a body larger than the server takes"),
    ("415", "a body without `Content-Type: application/json`"),
];

/// A file sent or given (anything but JSON) is described as bytes, not as
/// the array of numbers the handlers' `Vec<u8>` would say.
fn files_as_binary(op: &mut Value) {
    if let Some(body) = op.get_mut("requestBody") {
        binary_content(body);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            binary_content(response);
        }
    }
}

fn binary_content(body: &mut Value) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for (media, item) in content.iter_mut() {
        if media != "application/json" && item.get("schema").is_some() {
            item["schema"] = json!({"type": "string", "format": "binary"});
        }
    }
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

/// The whole document from what the routes declared: the record schemas
/// from the field specs, and every operation's refusals.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> Value {
    doc.info.title = "twinaid API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Pairing-assistance programs: records, figures and the yearly cycle. Money in yuan. \
         Authenticate with `Authorization: Bearer TOKEN` (create tokens on the /tokens page); \
         a signed-in browser session may read. `Accept-Language: en` gives English messages. \
         Every refusal is the JSON `ErrorBody` with a stable `code`."
            .into(),
    );
    let mut v = serde_json::to_value(&doc).unwrap_or_else(|_| json!({}));
    v["servers"] = json!([{"url": "/api/v1"}]);
    v["security"] = json!([{"bearer": []}]);
    v["components"]["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer"}});
    if let Some(schemas) = v["components"]["schemas"].as_object_mut() {
        for kind in RecordKind::ALL {
            schemas.insert(kind.code().into(), record_schema(kind));
        }
        schemas.insert("Record".into(), any_of_kinds());
        let mut body = any_of_kinds();
        body["description"] = Value::from(
            "The fields of the path's kind; money in yuan, at most 2 decimals. Checked against the program: its units, regions, years and pairings.",
        );
        schemas.insert("RecordBody".into(), body);
    }
    if let Some(paths) = v["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for op in ops.values_mut() {
                files_as_binary(op);
                let has_body = op.get("requestBody").is_some();
                let json_body = op
                    .pointer("/requestBody/content/application~1json")
                    .is_some();
                let Some(responses) = op["responses"].as_object_mut() else {
                    continue;
                };
                let mut add = |list: &[(&str, &str)]| {
                    for (status, description) in list {
                        responses
                            .entry(status.to_string())
                            .or_insert_with(|| error_response(description));
                    }
                };
                add(&REFUSALS);
                if json_body {
                    add(&BODY_REFUSALS);
                } else if has_body {
                    add(&BODY_REFUSALS[1..2]);
                }
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_years_are_the_domains() {
        use utoipa::PartialSchema;
        let year = serde_json::to_value(super::super::params::Year::schema()).unwrap();
        assert_eq!(year["minimum"], FIRST_YEAR);
        assert_eq!(year["maximum"], LAST_YEAR);
        let doc = record_schema(RecordKind::Project);
        assert_eq!(doc["properties"]["year"]["minimum"], FIRST_YEAR);
        assert!(doc["properties"]["correction_reason"].is_object());
    }

    #[test]
    fn a_required_field_is_required_and_an_optional_one_may_be_null() {
        let project = record_schema(RecordKind::Project);
        let required: Vec<&str> = project["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(required.contains(&"name_zh") && !required.contains(&"code"));
        assert_eq!(project["properties"]["name_zh"]["minLength"], 1);
        assert_eq!(
            project["properties"]["code"]["type"],
            json!(["string", "null"])
        );
        let category = &project["properties"]["category"];
        assert!(category["enum"].is_array());
        let optional = project["properties"]
            .as_object()
            .and_then(|p| p.values().find(|f| f["type"].is_array()));
        assert!(optional.is_some(), "some field of a project is optional");
    }
}
