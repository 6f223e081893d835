//! The OpenAPI 3 document of `/api/v1`, built from the record specs so it
//! cannot drift from what the API accepts.

use serde_json::{Map, Value, json};
use twinaid_domain::record::{FieldType, RecordKind};

fn field_schema(ty: FieldType) -> Value {
    match ty {
        FieldType::Money => json!({"type": "number", "minimum": 0, "description": "yuan"}),
        FieldType::Km => json!({"type": "number", "minimum": 0, "description": "km"}),
        FieldType::Count => json!({"type": "integer", "minimum": 0}),
        FieldType::ProgramYear => json!({"type": "integer", "minimum": 1949, "maximum": 2100}),
        FieldType::Flag => json!({"type": "boolean"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::HelpedRegion | FieldType::Region => {
            json!({"type": "string", "pattern": "^[0-9]{6}([0-9]{3}){0,2}$", "description": "GB/T 2260 code"})
        }
        FieldType::Choice(choices) => {
            json!({"type": "string", "enum": choices.iter().map(|c| c.code).collect::<Vec<_>>()})
        }
        _ => json!({"type": "string"}),
    }
}

fn record_schema(kind: RecordKind) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in kind.fields() {
        let mut s = field_schema(f.ty);
        s["title"] = Value::from(format!("{} / {}", f.zh, f.en));
        props.insert(f.name.to_string(), s);
        if f.required {
            required.push(f.name);
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The whole document.
pub fn document() -> Value {
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string", "enum": ["unauthorized", "forbidden", "not_found", "bad_request", "invalid", "internal"]},
            "message": {"type": "string"},
            "problems": {"type": "array", "items": {"type": "object"}}}}}}),
    );
    for kind in RecordKind::ALL {
        schemas.insert(kind.code().into(), record_schema(kind));
    }
    let kind_param = json!({"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": RecordKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>()}});
    let program_param = json!({"name": "program", "in": "path", "required": true, "schema": {"type": "string"}, "example": "zj-sc"});
    let code_param =
        json!({"name": "code", "in": "path", "required": true, "schema": {"type": "string"}});
    let query = |name: &str, ty: &str, description: &str| json!({"name": name, "in": "query", "schema": {"type": ty}, "description": description});
    let record_body = json!({"required": true, "content": {"application/json": {"schema": {"oneOf": RecordKind::ALL.iter().map(|k| json!({"$ref": format!("#/components/schemas/{}", k.code())})).collect::<Vec<_>>()}}}});
    let ok = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"type": "object"}}}});
    // Built apart: one json! the size of the whole document reaches the macro's recursion limit.
    let pivot = json!({"get": {
        "summary": "One indicator by county and year (every year of the program), from the figure summary kept current by every write",
        "parameters": [program_param, {"name": "indicator", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": ok("cells: county → year → value"), "404": error_response("no such program or indicator")}}});
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "twinaid API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Pairing-assistance programs: records, figures and the yearbook. Money in yuan. Authenticate with `Authorization: Bearer TOKEN` (create tokens on the /tokens page); a signed-in browser session may read. `Accept-Language: en` gives English messages."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
        "paths": {
            "/programs": {"get": {"summary": "Programs and their helped regions", "responses": {"200": ok("programs"), "401": error_response("not signed in")}}},
            "/indicators": {"get": {"summary": "Indicator definitions", "responses": {"200": ok("definitions")}}},
            "/programs/{program}/yearbook/{year}": {"get": {
                "summary": "The yearbook: each indicator's year, cumulative, previous year and change, by county and by source",
                "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": ok("yearbook"), "404": error_response("no such program")}}},
            "/programs/{program}/records/{kind}": {
                "get": {"summary": "Records of a kind, filtered, with totals of all filtered rows; with `indicator`, the figure they make up",
                    "parameters": [program_param, kind_param, query("year", "integer", "year"), query("cumulative", "boolean", "all years up to `year`"),
                        query("region", "string", "helped county code (includes its townships and villages) or `unallocated`"),
                        query("source", "string", "provincial_units, cities, social or unspecified"), query("indicator", "string", "indicator code: keep the records it counts"),
                        query("q", "string", "search text"), query("sort", "string", "field"), query("desc", "boolean", "descending"),
                        query("page", "integer", "1-based page"), query("per_page", "integer", "rows per page, at most 500")],
                    "responses": {"200": ok("records"), "403": error_response("not allowed")}},
                "post": {"summary": "Create a record", "parameters": [program_param, kind_param], "requestBody": record_body,
                    "responses": {"201": ok("created"), "422": error_response("invalid: each problem names its field"), "403": error_response("not allowed")}}},
            "/programs/{program}/projects/{code}/steps": {
                "get": {"summary": "A project's status, the steps the caller may take, verification checks and history", "parameters": [program_param, code_param],
                    "responses": {"200": ok("steps"), "404": error_response("not found")}},
                "post": {"summary": "Take a step: {\"to\": \"verified\", \"reason\": \"...\"} (a reason is required to return or cancel)", "parameters": [program_param, code_param],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"to": {"type": "string", "enum": twinaid_domain::lifecycle::Status::ALL.iter().map(|s| s.code()).collect::<Vec<_>>()}, "reason": {"type": "string"}}, "required": ["to"]}}}},
                    "responses": {"200": ok("moved"), "403": error_response("not this role's step"), "422": error_response("not allowed by the lifecycle, or verification failed")}}},
            "/programs/{program}/inspections/{year}": {"get": {"summary": "The year's cross-examination draw and inspections the caller may see", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("inspections"), "403": error_response("not allowed")}}},
            "/programs/{program}/inspections/{year}/draw": {"post": {"summary": "Draw the inspection teams (program office, once a year): {\"seed\": 2009}", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"201": ok("drawn"), "403": error_response("not the office"), "422": error_response("drawn already")}}},
            "/programs/{program}/inspections/{year}/{project}/{action}": {"post": {"summary": "finding (inspector: rating 0-100, issues, amount_verified, rectification_required), answer (inspected unit: answer), close (inspector)", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "project", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "action", "in": "path", "required": true, "schema": {"type": "string", "enum": ["finding", "answer", "close"]}}], "responses": {"204": {"description": "done"}, "403": error_response("not this unit's part"), "422": error_response("not allowed now")}}},
            "/programs/{program}/guidance": {"post": {"summary": "Issue a new version of the guidance (office): title, year_from, year_to, priorities, tasks, indicators (`code = weight` lines), cap, weights, bands, rubric", "parameters": [program_param], "responses": {"201": ok("issued"), "403": error_response("not the office"), "422": error_response("invalid parts, each named")}}},
            "/programs/{program}/guidance/{year}": {"get": {"summary": "The guidance in force for a year", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("guidance"), "404": error_response("none")}}},
            "/programs/{program}/plans/{unit}/{year}": {"get": {"summary": "A helper unit's annual plan: status, targets, revisions", "parameters": [program_param, {"name": "unit", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("plan"), "403": error_response("another unit's plan")}}},
            "/programs/{program}/plans/{unit}/{year}/targets": {"post": {"summary": "Set a target of a draft plan: {indicator, region_code, target}", "parameters": [program_param, {"name": "unit", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"204": {"description": "set"}, "422": error_response("locked or invalid")}}},
            "/programs/{program}/plans/{unit}/{year}/{step}": {"post": {"summary": "submit (unit), approve / return (office, comment to return), revise (with a reason as comment)", "parameters": [program_param, {"name": "unit", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "step", "in": "path", "required": true, "schema": {"type": "string", "enum": ["submit", "approve", "return", "revise"]}}], "responses": {"204": {"description": "done"}, "403": error_response("not this role's step"), "422": error_response("not open now")}}},
            "/programs/{program}/experts/{year}": {"get": {"summary": "Expert assignments: all for the office, its own for an expert", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("assignments")}}},
            "/programs/{program}/experts/{year}/assign": {"post": {"summary": "Assign an expert to a unit (office): {expert, unit}", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"204": {"description": "assigned"}, "403": error_response("not the office")}}},
            "/programs/{program}/experts/{year}/{unit}/scores": {"post": {"summary": "Submit scores once (expert): {rubric item: 0-100}", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "unit", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"204": {"description": "submitted and locked"}, "403": error_response("not assigned"), "422": error_response("locked or out of range")}}},
            "/programs/{program}/assessment/{year}": {"get": {"summary": "The assessment: scores, grades, ranks and explanations (as published once published)", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("assessment"), "422": error_response("no guidance")}}},
            "/programs/{program}/inspections/{year}/attachments": {"get": {"summary": "Photos and documents attached to the year's findings the caller may see", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("attachments")}}},
            "/programs/{program}/inspections/{year}/{project}/attachments": {"post": {"summary": "The inspector attaches a file to a finding: the body is the file's bytes, ?filename= its name (jpg, png, webp, pdf, doc, docx, xls, xlsx, odt, ods; at most 10 MB)", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "project", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "filename", "in": "query", "required": true, "schema": {"type": "string"}}], "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "responses": {"201": ok("the new attachment's id"), "403": error_response("not the inspector"), "413": error_response("too large"), "422": error_response("type not accepted, or the inspection is closed")}}},
            "/programs/{program}/attachments/{id}": {"get": {"summary": "Download an attachment (to those who see its inspection)", "parameters": [program_param, {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "the file"}, "404": error_response("no such attachment, or not yours to see")}}},
            "/programs/{program}/records/{kind}/template.xlsx": {"get": {"summary": "The Excel import template of a kind: bilingual headers, notes sheet, drop-down lists of the program's codes, example rows (skipped on import)", "parameters": [program_param, {"name": "kind", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "the .xlsx file"}}}},
            "/programs/{program}/records/{kind}/import": {"post": {"summary": "Import a filled-in sheet (.xlsx, .xls, .ods or .csv in UTF-8/GB18030): the body is the file, ?filename= its name. The whole file is checked first; nothing is written unless every row is right; a stored code is updated, not duplicated", "parameters": [program_param, {"name": "kind", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "filename", "in": "query", "required": true, "schema": {"type": "string"}}], "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "responses": {"200": ok("rows, created, updated, unchanged, examples_skipped"), "403": error_response("not allowed to import"), "422": error_response("problems, each with sheet, row, column, value and what to do; nothing written")}}},
            "/programs/{program}/satisfaction/{year}": {"get": {"summary": "The paired side's satisfaction ratings of the year (all for the office, a county's own, a unit's own)", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": ok("ratings"), "403": error_response("an expert")}}, "post": {"summary": "A helped county rates a unit paired with it: {unit, rating 0–100, comment}; again replaces its rating until the year is published", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"204": {"description": "rated"}, "403": error_response("not a helped county"), "422": error_response("not paired, rating out of range, or the year is published")}}},
            "/programs/{program}/assessment/{year}/publish": {"post": {"summary": "Publish the year's assessment (office); it is then kept as published", "parameters": [program_param, {"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"204": {"description": "published"}, "403": error_response("not the office"), "422": error_response("published already")}}},
            "/programs/{program}/records/{kind}/{code}": {
                "get": {"summary": "One record", "parameters": [program_param, kind_param, code_param], "responses": {"200": ok("record"), "404": error_response("not found")}},
                "put": {"summary": "Update a record (its code stays)", "parameters": [program_param, kind_param, code_param], "requestBody": record_body,
                    "responses": {"200": ok("updated"), "422": error_response("invalid")}},
                "delete": {"summary": "Delete a record nothing refers to", "parameters": [program_param, kind_param, code_param],
                    "responses": {"204": {"description": "deleted"}, "422": error_response("still referred to")}}},
        }
    });
    doc["paths"]["/programs/{program}/pivot/{indicator}"] = pivot;
    doc
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_names_every_kind_and_path() {
        let doc = super::document();
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(
            doc["components"]["schemas"]["project"]["properties"]["category"]["enum"].is_array()
        );
        assert!(doc["paths"]["/programs/{program}/records/{kind}"]["post"].is_object());
        assert!(doc["paths"]["/programs/{program}/pivot/{indicator}"]["get"].is_object());
    }
}
