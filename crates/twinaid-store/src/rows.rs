//! Moving generic record values in and out of SQL rows.

use crate::StoreError;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, Record, RecordKind};

/// A query over the Any driver.
pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

/// Binds one field value with the SQL type its spec stores.
pub(crate) fn bind_field<'q>(
    query: AnyQuery<'q>,
    spec: &FieldSpec,
    value: &FieldValue,
) -> AnyQuery<'q> {
    match (value, spec.ty.is_integer()) {
        (FieldValue::Int(i), _) => query.bind(*i),
        (FieldValue::Text(t), _) => query.bind(t.clone()),
        (FieldValue::Null, true) => query.bind(None::<i64>),
        (FieldValue::Null, false) => query.bind(None::<String>),
    }
}

/// `$first, $first+1, …`: the placeholders of `count` values bound one after another.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether values are bound to `?` one after another (SQLite) rather than
/// to `$n`: SQLite looks a numbered parameter up by walking the list of
/// them, so binding a many-row statement by number grows with the square
/// of its values.
pub(crate) fn sequential_params(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// On PostgreSQL, many rows travel as one parameter `$param`: a JSON array
/// of arrays, taken apart by the server, which is quicker than binding and
/// planning thousands of values. The rows as a table `v` whose columns are
/// `columns` (name, whether an integer), cast to BIGINT or TEXT.
pub(crate) fn json_rows(param: usize, columns: &[(&str, bool)]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, integer))| {
            let ty = if *integer { "BIGINT" } else { "TEXT" };
            format!("CAST(e.value ->> {i} AS {ty}) AS {name}")
        })
        .collect();
    format!(
        "(SELECT {} FROM jsonb_array_elements(CAST(${param} AS JSONB)) AS e(value)) AS v",
        cols.join(", ")
    )
}

/// Rows of values as the JSON array of arrays [`json_rows`] takes apart.
pub(crate) fn rows_json<'a, R, C>(rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = JsonCell<'a>>,
{
    let mut out = String::from("[");
    for (r, row) in rows.into_iter().enumerate() {
        if r > 0 {
            out.push(',');
        }
        out.push('[');
        for (i, cell) in row.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                JsonCell::Int(n) => out.push_str(&n.to_string()),
                JsonCell::Text(t) => out.push_str(&serde_json::Value::from(t).to_string()),
                JsonCell::Null => out.push_str("null"),
            }
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// One value of a row sent as JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum JsonCell<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

impl<'a> From<&'a FieldValue> for JsonCell<'a> {
    fn from(v: &'a FieldValue) -> JsonCell<'a> {
        match v {
            FieldValue::Int(i) => JsonCell::Int(*i),
            FieldValue::Text(t) => JsonCell::Text(t),
            FieldValue::Null => JsonCell::Null,
        }
    }
}

impl<'a> From<Option<&'a str>> for JsonCell<'a> {
    fn from(v: Option<&'a str>) -> JsonCell<'a> {
        v.map_or(JsonCell::Null, JsonCell::Text)
    }
}

/// `(…), (…)`: `rows` tuples of `width` values, bound in order, for a
/// many-row INSERT.
pub(crate) fn value_tuples(sequential: bool, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", params(sequential, r * width + 1, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The placeholders of `count` values bound one after another from the
/// `first`: `?` each (SQLite) or `$first, …`.
pub(crate) fn params(sequential: bool, first: usize, count: usize) -> String {
    if sequential {
        vec!["?"; count].join(", ")
    } else {
        placeholders(first, count)
    }
}

/// The column beside a kind's fields that keeps the values of the fields
/// the installation added (a JSON object, see [`Record::custom_json`]).
pub(crate) const EXTRA: FieldSpec = FieldSpec {
    name: "extra",
    ty: FieldType::Text,
    required: false,
    default: None,
    zh: "附加字段",
    en: "added fields",
};

/// A kind's stored columns: its fields in spec order, then [`EXTRA`].
pub(crate) fn stored_fields(kind: RecordKind) -> Vec<FieldSpec> {
    let mut fields = kind.fields();
    fields.push(EXTRA);
    fields
}

/// A record's values in the order of [`stored_fields`].
pub(crate) fn stored_values(record: &Record) -> Vec<FieldValue> {
    let mut values = record.values.clone();
    values.push(
        record
            .custom_json()
            .map_or(FieldValue::Null, FieldValue::Text),
    );
    values
}

/// The column list of a kind, in the order of [`stored_fields`].
pub(crate) fn columns(kind: RecordKind) -> String {
    stored_fields(kind)
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a record from a row whose columns are [`columns`].
pub(crate) fn read_record(kind: RecordKind, row: &AnyRow) -> Result<Record, StoreError> {
    let mut values = Vec::new();
    let fields = kind.fields();
    for (i, spec) in fields.iter().enumerate() {
        let value = if spec.ty.is_integer() {
            row.try_get::<Option<i64>, _>(i)?
                .map_or(FieldValue::Null, FieldValue::Int)
        } else {
            row.try_get::<Option<String>, _>(i)?
                .map_or(FieldValue::Null, FieldValue::Text)
        };
        values.push(value);
    }
    let custom = match row.try_get::<Option<String>, _>(fields.len())? {
        Some(text) => Record::read_custom(&text).map_err(|e| {
            StoreError::Corrupt(format!("{} {:?}: {e}", kind.code(), values.first()))
        })?,
        None => Default::default(),
    };
    Ok(Record {
        kind,
        values,
        custom,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_on_from_the_first() {
        assert_eq!(super::placeholders(3, 3), "$3, $4, $5");
        assert_eq!(super::placeholders(1, 0), "");
    }
}

/// A search term as a `LIKE … ESCAPE '\\'` pattern that finds it anywhere,
/// lower-cased, its own `%`, `_` and `\\` taken as themselves.
pub(crate) fn contains_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod like_tests {
    #[test]
    fn wildcards_in_a_search_are_searched_for() {
        assert_eq!(super::contains_pattern("Ab"), "%ab%");
        assert_eq!(super::contains_pattern("%"), "%\\%%");
        assert_eq!(super::contains_pattern("a_b\\c"), "%a\\_b\\\\c%");
    }
}
