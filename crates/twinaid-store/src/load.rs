//! Writing a whole program bundle in one transaction, each change with its
//! audit event; loading the same bundle again changes nothing.

use crate::audit::{self, EventLog, HeldEvent};
use crate::rows::{AnyQuery, bind_field};
use crate::{Store, StoreError};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use twinaid_domain::bundle::ProgramBundle;
use twinaid_domain::indicator::IndicatorDefinition;
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, Record, RecordKind};
use twinaid_domain::region::RegionName;

/// How many items of each entity a load created, updated or left as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// entity → (created, updated, unchanged)
    pub counts: BTreeMap<String, (usize, usize, usize)>,
}

impl LoadSummary {
    /// Items created or updated, over all entities.
    pub fn changed(&self) -> usize {
        self.counts.values().map(|(c, u, _)| c + u).sum()
    }

    fn add(&mut self, entity: &str, outcome: Outcome) {
        let e = self.counts.entry(entity.to_string()).or_default();
        match outcome {
            Outcome::Created => e.0 += 1,
            Outcome::Updated => e.1 += 1,
            Outcome::Unchanged => e.2 += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// One column with its value and how it reads back: integer or text, and the
/// scale that turns it into written units for the audit log.
struct Col {
    name: &'static str,
    value: FieldValue,
    integer: bool,
    scale: i64,
}

/// A stored row to change: its key, its new values and its stored ones.
struct Changed {
    key: Vec<Col>,
    values: Vec<Col>,
    stored: Vec<Col>,
}

fn text(name: &'static str, value: impl Into<String>) -> Col {
    Col {
        name,
        value: FieldValue::Text(value.into()),
        integer: false,
        scale: 1,
    }
}

fn opt_text(name: &'static str, value: Option<&str>) -> Col {
    Col {
        name,
        value: value.map_or(FieldValue::Null, |v| FieldValue::Text(v.to_string())),
        integer: false,
        scale: 1,
    }
}

fn int(name: &'static str, value: i64) -> Col {
    Col {
        name,
        value: FieldValue::Int(value),
        integer: true,
        scale: 1,
    }
}

fn opt_int(name: &'static str, value: Option<i64>) -> Col {
    Col {
        name,
        value: value.map_or(FieldValue::Null, FieldValue::Int),
        integer: true,
        scale: 1,
    }
}

fn from_spec(spec: &FieldSpec, value: &FieldValue) -> Col {
    Col {
        name: spec.name,
        value: value.clone(),
        integer: spec.ty.is_integer(),
        scale: match spec.ty {
            FieldType::Flag => 1,
            ty => ty.scale().unwrap_or(1),
        },
    }
}

fn bind_col<'q>(query: AnyQuery<'q>, col: &Col) -> AnyQuery<'q> {
    let spec = FieldSpec {
        name: col.name,
        ty: if col.integer {
            FieldType::Count
        } else {
            FieldType::Text
        },
        required: false,
        default: None,
        zh: "",
        en: "",
    };
    bind_field(query, &spec, &col.value)
}

fn to_json(cols: &[&Col]) -> Value {
    let mut map = Map::new();
    for c in cols {
        let v = match &c.value {
            FieldValue::Null => Value::Null,
            FieldValue::Text(t) => Value::from(t.clone()),
            FieldValue::Int(i) if c.scale > 1 && i % c.scale != 0 => {
                Value::from(*i as f64 / c.scale as f64)
            }
            FieldValue::Int(i) => Value::from(i / c.scale),
        };
        map.insert(c.name.to_string(), v);
    }
    Value::Object(map)
}

/// A record as its audit events hold it: the program, its code and every
/// other field, money in yuan. A stored record must read back as the image
/// its last event wrote.
pub(crate) fn record_image(program: &str, record: &Record) -> Value {
    let key = [text("program_code", program), text("code", record.code())];
    let cols: Vec<Col> = crate::rows::stored_fields(record.kind)
        .iter()
        .zip(&crate::rows::stored_values(record))
        .filter(|(spec, _)| spec.name != "code")
        .map(|(spec, value)| from_spec(spec, value))
        .collect();
    to_json(&key.iter().chain(&cols).collect::<Vec<_>>())
}

/// When a load writes, what it did and why, shared by every event of it.
struct Writer<'a> {
    at: String,
    summary: LoadSummary,
    /// Why the records are written as they are, kept with their audit events.
    notes: WriteNotes<'a>,
    /// The write's events, chained and stored when it ends (or as it goes, when many).
    events: EventLog,
}

/// Reasons a write gives for itself, kept with its audit events.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteNotes<'a> {
    /// Why a record of a published year is changed (the events are corrections).
    pub correction: Option<&'a str>,
    /// Why the office records work outside the pairings.
    pub unpaired: Option<&'a str>,
    /// Projects sent back a step by the write, recorded as steps with why:
    /// (code, from status, to status).
    pub steps_back: &'a [(String, String, String)],
    /// Why they were sent back.
    pub step_back_reason: &'a str,
    /// The records are new: one whose code is stored by the time the write
    /// runs (another clerk's, saved a moment before) is refused, not changed.
    pub create_only: bool,
    /// Hears how many more of the bundle's records were written (or found
    /// as stored), a batch at a time.
    pub progress: Option<RecordsDone<'a>>,
}

/// A listener for a long write's progress: records done since it last heard.
#[derive(Clone, Copy)]
pub struct RecordsDone<'a>(pub &'a (dyn Fn(usize) + Sync));

impl std::fmt::Debug for RecordsDone<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordsDone")
    }
}

impl WriteNotes<'_> {
    /// Adds the reasons to an event's after-image.
    fn annotate(&self, after: &mut Value) {
        if let Value::Object(map) = after {
            if let Some(reason) = self.correction {
                map.insert("correction_reason".to_string(), Value::from(reason));
            }
            if let Some(reason) = self.unpaired {
                map.insert("unpaired_reason".to_string(), Value::from(reason));
            }
        }
    }
}

/// Rows per multi-row INSERT or UPDATE with bound values (100,000 new rows
/// on PostgreSQL: 100 a statement 4.7 s, 500 4.4 s, but 500-row updates
/// were planned as scans).
pub(crate) fn insert_batch() -> usize {
    100
}

/// Rows per statement of a load: on SQLite bound values, on PostgreSQL one
/// JSON parameter, which takes many more rows to a statement.
fn load_batch(conn: &AnyConnection) -> usize {
    if crate::rows::sequential_params(conn) {
        insert_batch()
    } else {
        2_000
    }
}

impl Writer<'_> {
    /// Inserts rows known not to exist, many to a statement, with their audit
    /// events (also many to a statement).
    async fn insert_many(
        &mut self,
        conn: &mut AnyConnection,
        table: &'static str,
        rows: &[(Vec<Col>, Vec<Col>)],
    ) -> Result<(), StoreError> {
        let Some((key, values)) = rows.first() else {
            return Ok(());
        };
        let names: Vec<&str> = key.iter().chain(values).map(|c| c.name).collect();
        let q = if crate::rows::sequential_params(conn) {
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                names.join(", "),
                crate::rows::value_tuples(true, rows.len(), names.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(insert));
            for (key, values) in rows {
                for c in key.iter().chain(values) {
                    q = bind_col(q, c);
                }
            }
            q
        } else {
            let columns: Vec<(&str, bool)> = key
                .iter()
                .chain(values)
                .map(|c| (c.name, c.integer))
                .collect();
            let insert = format!(
                "INSERT INTO {table} ({names}) SELECT {names} FROM {}",
                crate::rows::json_rows(1, &columns),
                names = names.join(", "),
            );
            let json = crate::rows::rows_json(
                rows.iter()
                    .map(|(key, values)| key.iter().chain(values).map(|c| (&c.value).into())),
            );
            sqlx::query(sqlx::AssertSqlSafe(insert)).bind(json)
        };
        // Another writer took a code between this write's read and its
        // insert (PostgreSQL runs them side by side): the code is taken.
        q.execute(&mut *conn).await.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                let code = rows
                    .first()
                    .and_then(|(key, _)| key.iter().find(|c| c.name == "code"))
                    .and_then(|c| c.value.as_text().map(str::to_string))
                    .unwrap_or_default();
                StoreError::Duplicate(code)
            }
            _ => StoreError::from(e),
        })?;
        let action = if self.notes.correction.is_some() {
            "correction"
        } else {
            "create"
        };
        for (key, values) in rows {
            let (entity_key, after, _) = self.images(key, values, None);
            self.record(action, table, entity_key, None, Some(&after));
            self.summary.add(table, Outcome::Created);
        }
        Ok(())
    }

    /// An event's entity key, after-image (with the write's reasons) and
    /// before-image of a row.
    fn images(
        &self,
        key: &[Col],
        values: &[Col],
        before: Option<&[Col]>,
    ) -> (String, Value, Option<Value>) {
        let key_text: Vec<String> = key
            .iter()
            .filter(|c| c.name != "program_code")
            .map(|c| match &c.value {
                FieldValue::Text(t) => t.clone(),
                FieldValue::Int(i) => i.to_string(),
                FieldValue::Null => String::new(),
            })
            .collect();
        let mut after = to_json(&key.iter().chain(values).collect::<Vec<_>>());
        self.notes.annotate(&mut after);
        let before = before.map(|b| to_json(&key.iter().chain(b).collect::<Vec<_>>()));
        (key_text.join("/"), after, before)
    }

    /// Updates stored rows whose values changed, many to a statement, with
    /// their audit events; each row is (key, new values, stored values). A
    /// file of 100,000 changed rows is then a thousand statements, not
    /// 300,000 (a read, an update and an event each).
    async fn update_many(
        &mut self,
        conn: &mut AnyConnection,
        table: &'static str,
        rows: &[Changed],
    ) -> Result<(), StoreError> {
        // A statement sets only the columns that changed: an index whose
        // columns are not set is left alone (SQLite), and a row whose indexed
        // columns stay is rewritten in place (PostgreSQL's heap-only
        // update). Rows are grouped by the columns that changed in them;
        // a file that changes amounts makes one group.
        let mut groups: BTreeMap<Vec<usize>, Vec<&Changed>> = BTreeMap::new();
        for row in rows {
            let changed: Vec<usize> = row
                .values
                .iter()
                .zip(&row.stored)
                .enumerate()
                .filter(|(_, (new, old))| new.value != old.value)
                .map(|(i, _)| i)
                .collect();
            groups.entry(changed).or_default().push(row);
        }
        if groups.len() > 4 {
            // Rows that changed in many different ways: one statement
            // setting every column costs less than a statement a way.
            let every: Vec<usize> = (0..rows.first().map_or(0, |r| r.values.len())).collect();
            let all: Vec<&Changed> = rows.iter().collect();
            update_columns(conn, table, &every, &all).await?;
        } else {
            for (changed, group) in &groups {
                if changed.is_empty() {
                    continue;
                }
                update_columns(conn, table, changed, group).await?;
            }
        }
        let action = if self.notes.correction.is_some() {
            "correction"
        } else {
            "update"
        };
        for r in rows {
            let (entity_key, after, before) = self.images(&r.key, &r.values, Some(&r.stored));
            self.record(action, table, entity_key, before.as_ref(), Some(&after));
            self.summary.add(table, Outcome::Updated);
        }
        Ok(())
    }

    /// Keeps an event of the write, to be chained and stored when it ends.
    fn record(
        &mut self,
        action: &'static str,
        entity: &'static str,
        entity_key: String,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        self.events.push(HeldEvent {
            actor: None,
            action,
            entity,
            entity_key,
            before: before.map(Value::to_string),
            after: after.map(Value::to_string),
        });
    }

    /// Stores the write's events, chained: the last thing before the commit.
    async fn finish(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        self.events.finish(conn).await
    }

    /// Inserts or updates one row identified by `key`, writing an audit event when it changes.
    async fn upsert(
        &mut self,
        conn: &mut AnyConnection,
        table: &'static str,
        key: &[Col],
        values: &[Col],
    ) -> Result<(), StoreError> {
        let select_cols: Vec<&str> = values.iter().map(|c| c.name).collect();
        let where_clause: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.name, i + 1))
            .collect();
        let select = format!(
            "SELECT {} FROM {table} WHERE {}",
            if select_cols.is_empty() {
                "1".to_string()
            } else {
                select_cols.join(", ")
            },
            where_clause.join(" AND ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(select));
        for c in key {
            q = bind_col(q, c);
        }
        let existing = q.fetch_optional(&mut *conn).await?;
        let before: Option<Vec<Col>> = match existing {
            None => None,
            Some(row) => {
                let mut cols = Vec::new();
                for (i, c) in values.iter().enumerate() {
                    let value = if c.integer {
                        row.try_get::<Option<i64>, _>(i)?
                            .map_or(FieldValue::Null, FieldValue::Int)
                    } else {
                        row.try_get::<Option<String>, _>(i)?
                            .map_or(FieldValue::Null, FieldValue::Text)
                    };
                    cols.push(Col {
                        name: c.name,
                        value,
                        integer: c.integer,
                        scale: c.scale,
                    });
                }
                Some(cols)
            }
        };
        let outcome = match &before {
            None => {
                let all: Vec<&Col> = key.iter().chain(values).collect();
                let names: Vec<&str> = all.iter().map(|c| c.name).collect();
                let insert = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    crate::rows::placeholders(1, all.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(insert));
                for c in &all {
                    q = bind_col(q, c);
                }
                q.execute(&mut *conn).await?;
                Outcome::Created
            }
            Some(old) if old.iter().zip(values).all(|(a, b)| a.value == b.value) => {
                Outcome::Unchanged
            }
            Some(_) => {
                let sets: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = ${}", c.name, i + 1))
                    .collect();
                let wheres: Vec<String> = key
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = ${}", c.name, values.len() + i + 1))
                    .collect();
                let update = format!(
                    "UPDATE {table} SET {} WHERE {}",
                    sets.join(", "),
                    wheres.join(" AND ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(update));
                for c in values.iter().chain(key) {
                    q = bind_col(q, c);
                }
                q.execute(&mut *conn).await?;
                Outcome::Updated
            }
        };
        if outcome != Outcome::Unchanged {
            let (entity_key, after, before_json) = self.images(key, values, before.as_deref());
            let action = match (outcome, self.notes.correction) {
                (_, Some(_)) => "correction",
                (Outcome::Created, None) => "create",
                _ => "update",
            };
            self.record(
                action,
                table,
                entity_key,
                before_json.as_ref(),
                Some(&after),
            );
        }
        self.summary.add(table, outcome);
        Ok(())
    }
}

/// A changed row's key columns, then its `changed` value columns.
fn changed_cells<'a>(row: &'a Changed, changed: &[usize]) -> Vec<&'a Col> {
    row.key
        .iter()
        .chain(changed.iter().filter_map(|&i| row.values.get(i)))
        .collect()
}

/// One statement setting the `changed` value columns (positions in each
/// row's values) of `rows` to their new values.
async fn update_columns(
    conn: &mut AnyConnection,
    table: &'static str,
    changed: &[usize],
    rows: &[&Changed],
) -> Result<(), StoreError> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let head = changed_cells(first, changed);
    let keys = first.key.len();
    let sequential = crate::rows::sequential_params(conn);
    // The new values as a VALUES list, whose columns SQLite names column1,
    // column2, … in order: key columns first, then the values; on
    // PostgreSQL as JSON taken apart into columns of their own names.
    let column = |c: &Col, i: usize| {
        if !sequential {
            return format!("v.{}", c.name);
        }
        let ty = if c.integer { "BIGINT" } else { "TEXT" };
        format!("CAST(v.column{} AS {ty})", i + 1)
    };
    let sets: Vec<String> = head
        .iter()
        .enumerate()
        .skip(keys)
        .map(|(i, c)| format!("{} = {}", c.name, column(c, i)))
        .collect();
    let wheres: Vec<String> = head
        .iter()
        .enumerate()
        .take(keys)
        .map(|(i, c)| format!("{table}.{} = {}", c.name, column(c, i)))
        .collect();
    let q = if sequential {
        let update = format!(
            "UPDATE {table} SET {} FROM (VALUES {}) AS v WHERE {}",
            sets.join(", "),
            crate::rows::value_tuples(true, rows.len(), head.len()),
            wheres.join(" AND ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(update));
        for row in rows {
            for c in changed_cells(row, changed) {
                q = bind_col(q, c);
            }
        }
        q
    } else {
        let columns: Vec<(&str, bool)> = head.iter().map(|c| (c.name, c.integer)).collect();
        let update = format!(
            "UPDATE {table} SET {} FROM {} WHERE {}",
            sets.join(", "),
            crate::rows::json_rows(1, &columns),
            wheres.join(" AND ")
        );
        let json = crate::rows::rows_json(rows.iter().map(|row| {
            changed_cells(row, changed)
                .into_iter()
                .map(|c| (&c.value).into())
        }));
        sqlx::query(sqlx::AssertSqlSafe(update)).bind(json)
    };
    q.execute(&mut *conn).await?;
    Ok(())
}

fn indicator_cols(def: &IndicatorDefinition, position: usize) -> Result<Vec<Col>, StoreError> {
    let definition =
        serde_json::to_string(&def.rule).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(vec![
        text("name_zh", def.name_zh.clone()),
        text("name_en", def.name_en.clone()),
        text("unit", def.unit.code()),
        int("stock", i64::from(def.stock)),
        text("definition", definition),
        int("position", position as i64),
    ])
}

/// The stored records of a kind in a program: code → the other fields' values, in field order.
async fn stored_records(
    conn: &mut AnyConnection,
    table: &str,
    program: &str,
    fields: &[FieldSpec],
    only: Option<&[&str]>,
) -> Result<HashMap<String, Option<Vec<FieldValue>>>, StoreError> {
    let others: Vec<&FieldSpec> = fields.iter().filter(|f| f.name != "code").collect();
    let names: Vec<&str> = others.iter().map(|f| f.name).collect();
    // Each row's values as one JSON array: a file of 100,000 changed rows
    // reads 200,000 values instead of 1.5 million, each costing the driver
    // more than parsing it does.
    let array = if crate::rows::sequential_params(conn) {
        format!("json_array({})", names.join(", "))
    } else {
        format!("CAST(json_build_array({}) AS TEXT)", names.join(", "))
    };
    let sqlite = crate::rows::sequential_params(conn);
    let mut sql = format!("SELECT code, {array} FROM {table} WHERE program_code = $1");
    // SQLite probes the key for each bound code; PostgreSQL takes the
    // codes as one JSON array, one statement however many there are.
    match only {
        Some(codes) if sqlite => sql.push_str(&format!(
            " AND code IN ({})",
            crate::rows::placeholders(2, codes.len())
        )),
        Some(_) => {
            sql.push_str(" AND code IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))")
        }
        None => {}
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program.to_string());
    match only {
        Some(codes) if sqlite => {
            for c in codes {
                q = q.bind(c.to_string());
            }
        }
        Some(codes) => q = q.bind(Value::from(codes.to_vec()).to_string()),
        None => {}
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut out = HashMap::with_capacity(rows.len());
    let corrupt =
        |code: &str| StoreError::Corrupt(format!("{table} {code}: its values do not read"));
    for row in &rows {
        let code: String = row.try_get(0)?;
        let json: String = row.try_get(1)?;
        let array: Vec<Value> = serde_json::from_str(&json).map_err(|_| corrupt(&code))?;
        if array.len() != others.len() {
            return Err(corrupt(&code));
        }
        let mut values = Vec::with_capacity(others.len());
        for (f, v) in others.iter().zip(array) {
            values.push(match v {
                Value::Null => FieldValue::Null,
                Value::String(t) if !f.ty.is_integer() => FieldValue::Text(t),
                Value::Number(n) if !f.ty.is_integer() => FieldValue::Text(n.to_string()),
                Value::Number(n) => FieldValue::Int(n.as_i64().ok_or_else(|| corrupt(&code))?),
                Value::String(t) => FieldValue::Int(t.parse().map_err(|_| corrupt(&code))?),
                _ => return Err(corrupt(&code)),
            });
        }
        out.insert(code, Some(values));
    }
    Ok(out)
}

/// Replaces the names of one region code by those given, recording the change.
async fn replace_region_names(
    writer: &mut Writer<'_>,
    conn: &mut AnyConnection,
    code: &str,
    names: &[&RegionName],
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT valid_from, valid_to, name_zh, name_en FROM region WHERE code = $1 ORDER BY valid_from",
    )
    .bind(code.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut before = Vec::new();
    for row in &rows {
        before.push(serde_json::json!({
            "valid_from": row.try_get::<i64, _>(0)?,
            "valid_to": row.try_get::<Option<i64>, _>(1)?,
            "name_zh": row.try_get::<String, _>(2)?,
            "name_en": row.try_get::<Option<String>, _>(3)?,
        }));
    }
    let after: Vec<Value> = names
        .iter()
        .map(|n| {
            serde_json::json!({
                "valid_from": i64::from(n.valid_from.unwrap_or(0)),
                "valid_to": n.valid_to.map(i64::from),
                "name_zh": n.name_zh,
                "name_en": n.name_en,
            })
        })
        .collect();
    if before == after {
        writer.summary.add("region", Outcome::Unchanged);
        return Ok(());
    }
    sqlx::query("DELETE FROM region WHERE code = $1")
        .bind(code.to_string())
        .execute(&mut *conn)
        .await?;
    for n in names {
        crate::regions::insert_name(&mut *conn, n).await?;
    }
    // Every program shows the registry's names, not only this one.
    audit::bump(conn, "").await?;
    let (before_v, after_v) = (Value::from(before.clone()), Value::from(after));
    writer.record(
        if before.is_empty() {
            "create"
        } else {
            "update"
        },
        "region",
        code.to_string(),
        (!before.is_empty()).then_some(&before_v),
        Some(&after_v),
    );
    writer.summary.add(
        "region",
        if before.is_empty() {
            Outcome::Created
        } else {
            Outcome::Updated
        },
    );
    Ok(())
}

impl Store {
    /// Writes a checked bundle in one transaction: all of it, or nothing.
    pub async fn apply_bundle(
        &self,
        bundle: &ProgramBundle,
        actor: &str,
    ) -> Result<LoadSummary, StoreError> {
        self.apply_bundle_noted(bundle, actor, WriteNotes::default())
            .await
    }

    /// Writes a checked bundle with the reasons it gives: a correction of a
    /// published year, work outside the pairings, a project sent back a
    /// step (recorded as one of its steps, in the same transaction).
    ///
    /// A save of a few records (a form, an API call) is queued with the
    /// program's other saves and written together with them (see
    /// `saves`), with the same outcome as written alone; once queued it is
    /// written even if its caller stops waiting.
    pub async fn apply_bundle_noted(
        &self,
        bundle: &ProgramBundle,
        actor: &str,
        notes: WriteNotes<'_>,
    ) -> Result<LoadSummary, StoreError> {
        if crate::saves::is_save(bundle, &notes) {
            return self.save_queued(bundle, actor, &notes).await;
        }
        self.apply_alone(bundle, actor, notes).await
    }

    /// Writes a bundle in a transaction of its own.
    pub(crate) async fn apply_alone(
        &self,
        bundle: &ProgramBundle,
        actor: &str,
        notes: WriteNotes<'_>,
    ) -> Result<LoadSummary, StoreError> {
        let started = std::time::Instant::now();
        let mut tx = self.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let program_code = bundle.program_code.as_str();
        audit::lock_version(conn, program_code).await?;
        let at = audit::now();
        let mut w = Writer {
            events: EventLog::new(&at, actor, program_code),
            at,
            summary: LoadSummary::default(),
            notes,
        };
        let pk = || text("program_code", program_code);
        if let Some(p) = &bundle.program {
            w.upsert(
                conn,
                "program",
                &[text("code", p.code.clone())],
                &[
                    text("name_zh", p.name_zh.clone()),
                    text("name_en", p.name_en.clone()),
                    int("start_year", i64::from(p.start_year)),
                    opt_int("end_year", p.end_year.map(i64::from)),
                    opt_text(
                        "helping_region",
                        p.helping_region.as_ref().map(|r| r.as_str()),
                    ),
                ],
            )
            .await?;
        }
        let mut by_code: BTreeMap<&str, Vec<&RegionName>> = BTreeMap::new();
        for r in &bundle.regions {
            by_code
                .entry(r.item.code.as_str())
                .or_default()
                .push(&r.item);
        }
        for (code, names) in by_code {
            replace_region_names(&mut w, conn, code, &names).await?;
        }
        for h in &bundle.helped {
            let h = &h.item;
            w.upsert(
                conn,
                "program_region",
                &[pk(), text("region_code", h.region.as_str())],
                &[
                    int("confirmed", i64::from(h.confirmed)),
                    opt_text("note", h.note.as_deref()),
                ],
            )
            .await?;
        }
        for d in &bundle.designations {
            let d = &d.item;
            w.upsert(
                conn,
                "designation",
                &[
                    text("region_code", d.region.as_str()),
                    text("designation", d.designation.clone()),
                ],
                &[
                    opt_int("from_year", d.from_year.map(i64::from)),
                    opt_int("to_year", d.to_year.map(i64::from)),
                    int("confirmed", i64::from(d.confirmed)),
                    opt_text("note", d.note.as_deref()),
                ],
            )
            .await?;
        }
        for u in &bundle.units {
            let (unit, side) = &u.item;
            w.upsert(
                conn,
                "unit",
                &[text("code", unit.code.clone())],
                &[
                    text("name_zh", unit.name_zh.clone()),
                    opt_text("name_en", unit.name_en.as_deref()),
                    text("kind", unit.kind.code()),
                    opt_text("region_code", unit.region.as_ref().map(|r| r.as_str())),
                    opt_text("note", unit.note.as_deref()),
                ],
            )
            .await?;
            w.upsert(
                conn,
                "program_unit",
                &[pk(), text("unit_code", unit.code.clone())],
                &[text("side", side.code())],
            )
            .await?;
        }
        for (n, i) in bundle.indicators.iter().enumerate() {
            // Program-defined indicators list after the built-in ones.
            let cols = indicator_cols(&i.item, 1000 + n)?;
            w.upsert(
                conn,
                "indicator",
                &[text("code", i.item.code.clone())],
                &cols,
            )
            .await?;
        }
        for k in &bundle.kinds {
            let k = &k.item;
            w.upsert(
                conn,
                "custom_kind",
                &[text("code", k.code.clone())],
                &[
                    text("name_zh", k.name_zh.clone()),
                    text("name_en", k.name_en.clone()),
                ],
            )
            .await?;
        }
        for r in &bundle.custom_records {
            let r = &r.item;
            let value = |name: &str| r.get(name).clone();
            w.upsert(
                conn,
                "custom_record",
                &[pk(), text("kind", r.kind.clone()), text("code", r.code())],
                &[
                    Col {
                        name: "year",
                        value: value("year"),
                        integer: true,
                        scale: 1,
                    },
                    opt_text("helper_unit", value("helper_unit").as_text()),
                    opt_text("region_code", value("region_code").as_text()),
                    int("illustrative", value("illustrative").as_int().unwrap_or(0)),
                    opt_text("note", value("note").as_text()),
                    opt_text("extra", r.custom_json().as_deref()),
                ],
            )
            .await?;
        }
        for (n, f) in bundle.fields.iter().enumerate() {
            let f = &f.item;
            w.upsert(
                conn,
                "custom_field",
                &[text("kind", f.kind.clone()), text("code", f.code.clone())],
                &[
                    text("name_zh", f.name_zh.clone()),
                    text("name_en", f.name_en.clone()),
                    text("type", f.ty.code()),
                    text("choices", f.choices_text()),
                    int("required", i64::from(f.required)),
                    text("help_zh", f.help_zh.clone()),
                    text("help_en", f.help_en.clone()),
                    int("hidden", i64::from(f.hidden)),
                    int("position", n as i64),
                ],
            )
            .await?;
        }
        for c in &bundle.choices {
            let c = &c.item;
            w.upsert(
                conn,
                "choice_value",
                &[text("field", c.field_path()), text("code", c.code.clone())],
                &[
                    text("name_zh", c.name_zh.clone()),
                    text("name_en", c.name_en.clone()),
                ],
            )
            .await?;
        }
        let mut records = RecordState::default();
        // A unit that changes kind moves its records between fund sources.
        let units_changed = w.summary.counts.get("unit").is_some_and(|(_, u, _)| *u > 0);
        records.touched.everything = units_changed;
        let figures_records = bundle.records.iter().any(|r| r.item.kind.is_yearly());
        if !records.touched.everything
            && figures_records
            && bundle.records.len() <= crate::summary::RECORDS_BY_DIFFERENCE
        {
            let mut codes: BTreeMap<RecordKind, Vec<String>> = BTreeMap::new();
            for r in &bundle.records {
                codes
                    .entry(r.item.kind)
                    .or_default()
                    .push(r.item.code().to_string());
            }
            records
                .touched
                .before_writing(conn, program_code, codes)
                .await?;
        }
        write_records(
            conn,
            &mut w,
            &mut records,
            program_code,
            &bundle.records,
            Lookup::Whole,
        )
        .await?;
        let touched = records.touched;
        tracing::debug!(elapsed = ?started.elapsed(), "load: records written");
        for a in &bundle.aggregates {
            let a = &a.item;
            w.upsert(
                conn,
                "aggregate_value",
                &[pk(), text("value_key", a.key())],
                &[
                    text("indicator", a.indicator.clone()),
                    int("year_from", i64::from(a.year_from)),
                    int("year_to", i64::from(a.year_to)),
                    opt_text("helper_unit", a.helper_unit.as_deref()),
                    opt_text("region_code", a.region.as_ref().map(|r| r.as_str())),
                    int("value", a.value),
                    opt_text("note", a.note.as_deref()),
                ],
            )
            .await?;
        }
        for t in &bundle.targets {
            let t = &t.item;
            w.upsert(
                conn,
                "plan_target",
                &[pk(), text("target_key", t.key())],
                &[
                    text("helper_unit", t.helper_unit.clone()),
                    int("year", i64::from(t.year)),
                    text("indicator", t.indicator.clone()),
                    opt_text("region_code", t.region.as_ref().map(|r| r.as_str())),
                    int("target", t.target),
                    opt_text("note", t.note.as_deref()),
                ],
            )
            .await?;
        }
        for r in &bundle.exchange_rates {
            let r = &r.item;
            w.upsert(
                conn,
                "exchange_rate",
                &[
                    pk(),
                    text("currency", r.currency.clone()),
                    text("on_date", r.on.clone()),
                ],
                &[
                    text("rate", r.rate.clone()),
                    text("source", r.source.clone()),
                ],
            )
            .await?;
        }
        for r in &bundle.sector_categories {
            let r = &r.item;
            w.upsert(
                conn,
                "sector_category",
                &[pk(), text("sector", r.sector.clone())],
                &[text("category", r.category.clone())],
            )
            .await?;
        }
        let indicators_changed = w
            .summary
            .counts
            .get("indicator")
            .is_some_and(|(c, u, _)| c + u > 0);
        record_steps_back(
            conn,
            program_code,
            actor,
            &w.at,
            notes.steps_back,
            notes.step_back_reason,
        )
        .await?;
        analyze_written(conn, self.engine, &w.summary).await?;
        let choices_changed = ["choice_value", "custom_field", "custom_kind"]
            .iter()
            .any(|t| w.summary.counts.get(*t).is_some_and(|(c, u, _)| c + u > 0));
        if choices_changed && !indicators_changed {
            // Every program's forms and lists name the values: none may be served as kept.
            audit::bump(conn, "").await?;
        }
        if indicators_changed {
            // Every program's figures are made again: none may be served as kept.
            audit::bump(conn, "").await?;
            crate::summary::rebuild_all(conn).await?;
        } else {
            crate::summary::refresh(conn, program_code, &touched).await?;
            if units_changed {
                let units: Vec<&str> = bundle
                    .units
                    .iter()
                    .map(|u| u.item.0.code.as_str())
                    .collect();
                crate::summary::rebuild_sharing(conn, program_code, &units).await?;
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), "load: summary refreshed");
        w.finish(conn).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "load: events chained");
        tx.commit().await?;
        tracing::debug!(elapsed = ?started.elapsed(), "load: committed");
        Ok(w.summary)
    }

    /// Writes saves of one program in one transaction, as each would be
    /// written alone: the stored records they name read once, the figures
    /// refreshed and the events chained once; the transaction is returned
    /// for its commit. No two saves of a batch name one record (each is
    /// compared with the record as stored). Any error is the batch's:
    /// nothing of it is stored.
    pub(crate) async fn write_together(
        &self,
        saves: &[crate::saves::Save],
    ) -> Result<(sqlx::Transaction<'static, sqlx::Any>, Vec<LoadSummary>), StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(first) = saves.first() else {
            return Ok((tx, Vec::new()));
        };
        let program_code = first.bundle.program_code.as_str();
        let started = std::time::Instant::now();
        let conn: &mut AnyConnection = &mut tx;
        audit::lock_version(conn, program_code).await?;
        tracing::debug!(elapsed = ?started.elapsed(), saves = saves.len(), "saves: program locked");
        let at = audit::now();
        let mut touched = crate::summary::Touched::default();
        let mut codes: BTreeMap<RecordKind, Vec<String>> = BTreeMap::new();
        for r in saves.iter().flat_map(|s| &s.bundle.records) {
            codes
                .entry(r.item.kind)
                .or_default()
                .push(r.item.code().to_string());
        }
        let mut stored = BTreeMap::new();
        for (kind, codes) in &codes {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            let found = stored_records(
                conn,
                kind.code(),
                program_code,
                &crate::rows::stored_fields(*kind),
                Some(&codes),
            )
            .await?;
            stored.insert(kind.code(), found);
        }
        tracing::debug!(elapsed = ?started.elapsed(), "saves: stored records read");
        if codes.keys().any(|k| k.is_yearly()) {
            touched.before_writing(conn, program_code, codes).await?;
        }
        tracing::debug!(elapsed = ?started.elapsed(), "saves: figures before read");
        let mut events = EventLog::new(&at, "", program_code);
        let mut outcomes = Vec::with_capacity(saves.len());
        for save in saves {
            let notes = save.notes.notes();
            let mut w = Writer {
                events: EventLog::new(&at, &save.actor, program_code),
                at: at.clone(),
                summary: LoadSummary::default(),
                notes,
            };
            // The save's own records as stored: none is looked up again.
            let mut records = RecordState::default();
            for r in &save.bundle.records {
                let table = r.item.kind.code();
                let mine = records.existing.entry(table).or_default();
                if let Some(values) = stored.get(table).and_then(|s| s.get(r.item.code())) {
                    mine.insert(r.item.code().to_string(), values.clone());
                }
            }
            write_records(
                conn,
                &mut w,
                &mut records,
                program_code,
                &save.bundle.records,
                Lookup::Whole,
            )
            .await?;
            record_steps_back(
                conn,
                program_code,
                &save.actor,
                &at,
                notes.steps_back,
                notes.step_back_reason,
            )
            .await?;
            touched.absorb(records.touched);
            events.append(w.events);
            outcomes.push(w.summary);
        }
        tracing::debug!(elapsed = ?started.elapsed(), "saves: written");
        crate::summary::refresh(conn, program_code, &touched).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "saves: figures refreshed");
        events.finish(conn).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "saves: events chained");
        Ok((tx, outcomes))
    }

    /// Makes sure the given indicator definitions exist as given, adding or
    /// updating them in one transaction with their audit events.
    pub async fn ensure_indicators(
        &self,
        defs: &[IndicatorDefinition],
        actor: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        audit::lock_version(conn, "").await?;
        let at = audit::now();
        let mut w = Writer {
            events: EventLog::new(&at, actor, ""),
            at,
            summary: LoadSummary::default(),
            notes: WriteNotes::default(),
        };
        for (n, def) in defs.iter().enumerate() {
            // Built-in definitions follow the code: a changed one is updated (and audited), an unchanged one left alone.
            let cols = indicator_cols(def, n)?;
            w.upsert(conn, "indicator", &[text("code", def.code.clone())], &cols)
                .await?;
        }
        if w.summary.changed() > 0 {
            crate::summary::rebuild_all(conn).await?;
        }
        w.finish(conn).await?;
        tx.commit().await?;
        Ok(w.summary.changed())
    }
}

/// What a write of records keeps from one batch of records to the next:
/// the stored records read so far, by kind and code, and the slices of the
/// figures it touched.
#[derive(Default)]
struct RecordState {
    existing: BTreeMap<&'static str, HashMap<String, Option<Vec<FieldValue>>>>,
    touched: crate::summary::Touched,
    /// Hidden added fields by kind, read once per write.
    hidden: HashMap<String, HashSet<String>>,
    hidden_read: bool,
}

/// The hidden added fields, by kind.
async fn hidden_fields(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, HashSet<String>>, StoreError> {
    let rows = sqlx::query("SELECT kind, code FROM custom_field WHERE hidden <> 0")
        .fetch_all(&mut *conn)
        .await?;
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for r in rows {
        out.entry(r.try_get(0)?).or_default().insert(r.try_get(1)?);
    }
    Ok(out)
}

/// How stored records are found before they are compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// All of a kind once (many records), or by code (a few).
    Whole,
    /// A window of a longer import: by the window's codes only, so that
    /// memory holds one window's stored records at a time.
    Window,
}

/// Writes records, inserting new ones many to a statement and updating
/// changed ones in batches; a record as stored costs no statement.
async fn write_records(
    conn: &mut AnyConnection,
    w: &mut Writer<'_>,
    state: &mut RecordState,
    program_code: &str,
    records: &[twinaid_domain::bundle::Located<Record>],
    lookup: Lookup,
) -> Result<(), StoreError> {
    let pk = || text("program_code", program_code);
    if !state.hidden_read {
        state.hidden = hidden_fields(conn).await?;
        state.hidden_read = true;
    }
    if lookup == Lookup::Window {
        state.existing.clear();
        // PostgreSQL plans these lookups from statistics taken before the
        // import began: for a table that was small then, a lookup by code
        // walks the program's rows (growing with every window) instead of
        // the key. The key is what a lookup by code wants, whatever the
        // statistics say, so the walk is ruled out for the lookups alone
        // (cheaper than analyzing the table again and again).
        let postgres = !crate::rows::sequential_params(conn);
        if postgres {
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *conn)
                .await?;
        }
        let mut by_kind: BTreeMap<RecordKind, Vec<&str>> = BTreeMap::new();
        for r in records {
            by_kind.entry(r.item.kind).or_default().push(r.item.code());
        }
        for (kind, codes) in by_kind {
            // SQLite binds each code: a few hundred to a statement.
            let chunk = if crate::rows::sequential_params(conn) {
                500
            } else {
                codes.len().max(1)
            };
            let mut stored = HashMap::new();
            for part in codes.chunks(chunk) {
                stored.extend(
                    stored_records(
                        conn,
                        kind.code(),
                        program_code,
                        &crate::rows::stored_fields(kind),
                        Some(part),
                    )
                    .await?,
                );
            }
            state.existing.insert(kind.code(), stored);
        }
        if postgres {
            sqlx::query("SET LOCAL enable_seqscan = on")
                .execute(&mut *conn)
                .await?;
        }
    }
    // Records not stored yet are inserted many to a statement: a file of
    // 100,000 new rows is 2,000 statements, not 300,000.
    // What is stored of each kind, read once: a record that is already as
    // stored costs no statement at all, so importing a file again is quick.
    let mut inserts: Vec<(Vec<Col>, Vec<Col>)> = Vec::new();
    let mut updates: Vec<Changed> = Vec::new();
    let mut pending_table = "";
    // Records dealt with, and how many of them the listener heard of.
    let (mut done, mut told) = (0, 0);
    let batch = load_batch(conn);
    for r in records {
        let record = &r.item;
        let table = record.kind.code();
        let fields = crate::rows::stored_fields(record.kind);
        let values = crate::rows::stored_values(record);
        if !state.existing.contains_key(table) {
            // A few records (a form, a small file) are looked up by code; many, all read at once.
            let mine: Vec<&str> = records
                .iter()
                .filter(|r| r.item.kind == record.kind)
                .map(|r| r.item.code())
                .take(501)
                .collect();
            let only = (mine.len() <= 500).then_some(mine.as_slice());
            let stored = stored_records(conn, table, program_code, &fields, only).await?;
            state.existing.insert(table, stored);
            tracing::debug!(table, "load: stored records read");
        }
        let mut cols: Vec<Col> = fields
            .iter()
            .zip(&values)
            .filter(|(spec, _)| spec.name != "code")
            .map(|(spec, value)| from_spec(spec, value))
            .collect();
        let key = vec![pk(), text("code", record.code())];
        let codes = state.existing.entry(table).or_default();
        // A hidden field is in no file or form: a record written again keeps its stored value.
        if let (Some(Some(old)), Some(hidden)) = (codes.get(record.code()), state.hidden.get(table))
            && let (Some(FieldValue::Text(stored)), Some(extra)) = (old.last(), cols.last_mut())
        {
            let stored = Record::read_custom(stored.as_str())
                .map_err(|e| StoreError::Corrupt(format!("{table} {}: {e}", record.code())))?;
            let mut merged = record.custom.clone();
            for (name, value) in stored {
                if hidden.contains(&name) && !merged.contains_key(&name) {
                    merged.insert(name, value);
                }
            }
            extra.value = twinaid_domain::record::custom_json(&merged)
                .map_or(FieldValue::Null, FieldValue::Text);
        }
        if let Some(Some(old)) = codes.get(record.code()) {
            // Where the stored record counted until now.
            let at = |name: &str| {
                cols.iter()
                    .position(|c| c.name == name)
                    .and_then(|i| old.get(i))
            };
            state.touched.add(
                record.kind,
                at("year").and_then(FieldValue::as_int),
                at("region_code").and_then(FieldValue::as_text),
            );
        }
        state.touched.add(
            record.kind,
            record.year().map(i64::from),
            record.get("region_code").as_text(),
        );
        if w.notes.create_only && codes.get(record.code()).is_some_and(Option::is_some) {
            return Err(StoreError::Duplicate(record.code().to_string()));
        }
        // New, stored (and then as it was, or changed), or written by
        // this bundle already (a repeated code, left to the slow path).
        let stored = match codes.get(record.code()) {
            None => None,
            Some(Some(values)) => {
                if values.len() == cols.len()
                    && values.iter().zip(&cols).all(|(v, c)| *v == c.value)
                {
                    w.summary.add(table, Outcome::Unchanged);
                    done += 1;
                    continue;
                }
                Some(true)
            }
            Some(None) => Some(false),
        };
        let batch_full = inserts.len() + updates.len() >= batch;
        if pending_table != table || batch_full || stored == Some(false) {
            w.insert_many(conn, pending_table, &inserts).await?;
            w.update_many(conn, pending_table, &updates).await?;
            w.events.spill(conn).await?;
            inserts.clear();
            updates.clear();
            pending_table = table;
            if let Some(RecordsDone(heard)) = w.notes.progress {
                heard(done - told);
                told = done;
            }
        }
        done += 1;
        // Marked as written: a repeat of the code takes the slow path.
        let before = codes.insert(record.code().to_string(), None);
        match (stored, before) {
            (None, _) => inserts.push((key, cols)),
            (Some(true), Some(Some(values))) => {
                let stored = cols
                    .iter()
                    .zip(values)
                    .map(|(c, value)| Col {
                        name: c.name,
                        value,
                        integer: c.integer,
                        scale: c.scale,
                    })
                    .collect();
                updates.push(Changed {
                    key,
                    values: cols,
                    stored,
                });
            }
            _ => w.upsert(conn, table, &key, &cols).await?,
        }
    }
    w.insert_many(conn, pending_table, &inserts).await?;
    w.update_many(conn, pending_table, &updates).await?;
    if let Some(RecordsDone(heard)) = w.notes.progress {
        heard(done - told);
    }
    Ok(())
}

/// Records the projects a write sent back a step, as steps with why.
async fn record_steps_back(
    conn: &mut AnyConnection,
    program_code: &str,
    actor: &str,
    at: &str,
    steps_back: &[(String, String, String)],
    reason: &str,
) -> Result<(), StoreError> {
    for (code, from, to) in steps_back {
        sqlx::query(
            "INSERT INTO project_transition (program_code, project_code, from_status, to_status, actor, at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(program_code.to_string())
        .bind(code.clone())
        .bind(from.clone())
        .bind(to.clone())
        .bind(actor.to_string())
        .bind(at.to_string())
        .bind(reason.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// PostgreSQL plans the summary's queries from the table's statistics:
/// after a large write they describe a table a fraction of its size, and
/// the plans they give take seconds instead of a fraction of one.
async fn analyze_written(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    summary: &LoadSummary,
) -> Result<(), StoreError> {
    if engine != crate::Engine::Postgres {
        return Ok(());
    }
    let written: Vec<&str> = summary
        .counts
        .iter()
        .filter(|(_, (c, u, _))| c + u > 10_000)
        .map(|(t, _)| t.as_str())
        .collect();
    for t in written {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An import of many records written a window at a time in one
/// transaction, so that memory holds one window, not the file: nothing is
/// stored unless [`RecordImport::finish`] is reached; dropped before, it
/// rolls back.
pub struct RecordImport<'a> {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    w: Writer<'a>,
    state: RecordState,
    program: String,
    actor: String,
    engine: crate::Engine,
}

impl Store {
    /// Begins an import of records into a program: the write lock and the
    /// program's data version are taken now and held until it ends.
    pub async fn begin_record_import<'a>(
        &self,
        program: &str,
        actor: &str,
        progress: Option<RecordsDone<'a>>,
    ) -> Result<RecordImport<'a>, StoreError> {
        let mut tx = self.begin_write().await?;
        audit::lock_version(&mut tx, program).await?;
        let at = audit::now();
        Ok(RecordImport {
            w: Writer {
                events: EventLog::new(&at, actor, program),
                at,
                summary: LoadSummary::default(),
                notes: WriteNotes {
                    progress,
                    ..WriteNotes::default()
                },
            },
            tx,
            state: RecordState::default(),
            program: program.to_string(),
            actor: actor.to_string(),
            engine: self.engine,
        })
    }
}

impl RecordImport<'_> {
    /// Writes a window of checked records (their audit events spill to the
    /// database as they go).
    pub async fn write(
        &mut self,
        records: &[twinaid_domain::bundle::Located<Record>],
    ) -> Result<(), StoreError> {
        let conn: &mut AnyConnection = &mut self.tx;
        write_records(
            conn,
            &mut self.w,
            &mut self.state,
            &self.program,
            records,
            Lookup::Window,
        )
        .await?;
        self.w.events.spill(conn).await?;
        Ok(())
    }

    /// Records the projects sent back a step, brings the figures of the
    /// slices written up to date, chains the events and commits.
    pub async fn finish(
        mut self,
        steps_back: &[(String, String, String)],
        step_back_reason: &str,
    ) -> Result<LoadSummary, StoreError> {
        let conn: &mut AnyConnection = &mut self.tx;
        record_steps_back(
            conn,
            &self.program,
            &self.actor,
            &self.w.at,
            steps_back,
            step_back_reason,
        )
        .await?;
        analyze_written(conn, self.engine, &self.w.summary).await?;
        crate::summary::refresh(conn, &self.program, &self.state.touched).await?;
        self.w.finish(conn).await?;
        self.tx.commit().await?;
        Ok(self.w.summary)
    }
}
