//! The figures of indicators over record kinds an installation added
//! (`kinds.csv`): counted from their records when a yearbook is made, not
//! kept in the figure summary, whose slices are the built-in kinds'.

use crate::figures::{filter_conditions_by, parse_region, parse_source};
use crate::listing::{Bind, Binds};
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::BTreeSet;
use twinaid_domain::custom::{CustomRecord, common_fields, is_plain};
use twinaid_domain::indicator::{Filter, IndicatorDefinition, Measure};
use twinaid_domain::record::RecordKind;
use twinaid_domain::record::{FieldValue, Record};
use twinaid_domain::yearbook::{Contribution, CountsIn, Origin};

/// A field of an added kind's record `r` as SQL: a common field's column,
/// or the kind's own field in `extra`. Only plain names (as kinds.csv and
/// fields.csv require) become SQL; anything else is refused.
pub(crate) fn column(field: &str, integer: bool) -> Result<String, StoreError> {
    if common_fields().iter().any(|f| f.name == field) {
        return Ok(format!("r.{field}"));
    }
    if !is_plain(field) {
        return Err(StoreError::Corrupt(format!("no field {field}")));
    }
    let ty = if integer { "BIGINT" } else { "TEXT" };
    Ok(format!("CAST(json_extract(r.extra, '$.{field}') AS {ty})"))
}

/// The columns a record of an added kind is read from, in the order of
/// [`common_fields`], then its own fields' values.
const RECORD_COLUMNS: &str =
    "r.code, r.year, r.helper_unit, r.region_code, r.illustrative, r.note, r.extra";

/// Which records of an added kind to list.
#[derive(Debug, Clone, Default)]
pub struct CustomQuery {
    /// Years from and to, inclusive.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// A region and every place inside it.
    pub region_within: Option<String>,
    /// Only records with no region.
    pub region_empty: bool,
    /// Fields (common or the kind's own) and the values they may have, as
    /// an indicator's filters say them; `source` is the helper unit's fund source.
    pub filters: Vec<Filter>,
    /// Text in the code, helper unit, note or `search_fields`.
    pub search: Option<String>,
    /// The kind's own fields searched (its shown text and choice fields).
    pub search_fields: Vec<String>,
    /// A field to sort by, descending if true; numbers compared as numbers
    /// when `sort_numeric`.
    pub sort: Option<(String, bool)>,
    pub sort_numeric: bool,
    pub offset: i64,
    pub limit: i64,
    /// The kind's number fields to total over every row kept.
    pub sum_fields: Vec<String>,
    /// A field whose different values among the rows kept are counted
    /// (the records behind a distinct-count figure).
    pub distinct: Option<String>,
}

/// A page of an added kind's records and the totals of every row kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomPage {
    pub records: Vec<CustomRecord>,
    pub total_rows: i64,
    pub sums: Vec<(String, i64)>,
    /// How many different values the query's `distinct` field takes.
    pub distinct: Option<i64>,
}

/// A row of [`RECORD_COLUMNS`] as a record of `kind`.
fn read_custom_record(kind: &str, r: &sqlx::any::AnyRow) -> Result<CustomRecord, StoreError> {
    let text = |v: Option<String>| v.map_or(FieldValue::Null, FieldValue::Text);
    let values = vec![
        text(r.try_get(0)?),
        FieldValue::Int(r.try_get(1)?),
        text(r.try_get(2)?),
        text(r.try_get(3)?),
        FieldValue::Int(r.try_get(4)?),
        text(r.try_get(5)?),
    ];
    let code: Option<String> = r.try_get(0)?;
    let custom = match r.try_get::<Option<String>, _>(6)? {
        Some(t) => Record::read_custom(&t).map_err(|e| {
            StoreError::Corrupt(format!("{kind} {}: {e}", code.unwrap_or_default()))
        })?,
        None => Default::default(),
    };
    Ok(CustomRecord {
        kind: kind.to_string(),
        values,
        custom,
    })
}

impl Store {
    /// Every piece of the given indicators' parts over added kinds up to
    /// `year`, grouped by year, region and fund source, from the records.
    pub async fn custom_contributions(
        &self,
        program_code: &str,
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<Vec<Contribution>, StoreError> {
        let mut out = Vec::new();
        for def in defs {
            for part in def.parts() {
                if RecordKind::parse(&part.kind).is_some() {
                    continue;
                }
                let measure = match &part.measure {
                    Measure::Count => "COUNT(*)".to_string(),
                    Measure::Sum(f) => format!("COALESCE(SUM({}), 0)", column(f, true)?),
                    // Refused when the indicator is defined.
                    Measure::CountDistinct(_) => continue,
                };
                // Binds: $1 program, $2 year, $3 kind, then the filters' values.
                let mut binds = Vec::new();
                let mut conditions = vec![
                    "r.program_code = $1".to_string(),
                    "r.year <= $2".to_string(),
                    "r.kind = $3".to_string(),
                ];
                conditions.extend(filter_conditions_by(&part.filters, &mut binds, 3, &|f| {
                    column(f, false)
                })?);
                let sql = format!(
                    "SELECT r.year, r.region_code, u.kind, CAST({measure} AS BIGINT) \
                     FROM custom_record r LEFT JOIN unit u ON u.code = r.helper_unit \
                     WHERE {} GROUP BY r.year, r.region_code, u.kind",
                    conditions.join(" AND ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(program_code.to_string())
                    .bind(i64::from(year))
                    .bind(part.kind.clone());
                for b in binds {
                    q = q.bind(b);
                }
                for row in q.fetch_all(&self.pool).await? {
                    let y = i32::try_from(row.try_get::<i64, _>(0)?).unwrap_or(i32::MAX);
                    out.push(Contribution {
                        indicator: def.code.as_str().into(),
                        year_from: y,
                        year_to: y,
                        region: parse_region(row.try_get(1)?)?,
                        source: parse_source(row.try_get(2)?),
                        origin: Origin::Records,
                        raw: row.try_get(3)?,
                        counts_in: CountsIn::All,
                    });
                }
            }
        }
        Ok(out)
    }

    /// A record of an added kind as stored.
    pub async fn custom_record(
        &self,
        program_code: &str,
        kind: &str,
        code: &str,
    ) -> Result<Option<CustomRecord>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM custom_record r \
             WHERE r.program_code = $1 AND r.kind = $2 AND r.code = $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(kind.to_string())
            .bind(code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| read_custom_record(kind, &r)).transpose()
    }

    /// A page of an added kind's records, with the count and sums over
    /// every row the query keeps.
    pub async fn custom_records(
        &self,
        program_code: &str,
        kind: &str,
        q: &CustomQuery,
    ) -> Result<CustomPage, StoreError> {
        let mut b = Binds::default();
        let mut parts = vec![
            format!(
                "r.program_code = {}",
                b.push(Bind::Text(program_code.to_string()))
            ),
            format!("r.kind = {}", b.push(Bind::Text(kind.to_string()))),
        ];
        if let Some(y) = q.year_from {
            parts.push(format!("r.year >= {}", b.push(Bind::Int(i64::from(y)))));
        }
        if let Some(y) = q.year_to {
            parts.push(format!("r.year <= {}", b.push(Bind::Int(i64::from(y)))));
        }
        if q.region_empty {
            parts.push("r.region_code IS NULL".to_string());
        }
        if let Some(region) = &q.region_within {
            let exact = b.push(Bind::Text(region.clone()));
            let like = b.push(Bind::Text(format!("{region}%")));
            // Townships and villages (9 and 12 digits) lie inside their county.
            parts.push(format!(
                "(r.region_code = {exact} OR (r.region_code LIKE {like} AND LENGTH(r.region_code) > 6))"
            ));
        }
        let mut texts = Vec::new();
        let offset = b.len();
        let filtered = filter_conditions_by(&q.filters, &mut texts, offset, &|f| column(f, false))?;
        parts.extend(filtered);
        for t in texts {
            b.push(Bind::Text(t));
        }
        if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let p = b.push(Bind::Text(crate::rows::contains_pattern(search)));
            let mut columns: Vec<String> = ["r.code", "r.helper_unit", "r.note"]
                .iter()
                .map(|c| c.to_string())
                .collect();
            for f in &q.search_fields {
                columns.push(column(f, false)?);
            }
            let ors: Vec<String> = columns
                .iter()
                .map(|c| format!("LOWER(COALESCE({c}, '')) LIKE {p} ESCAPE '\\'"))
                .collect();
            parts.push(format!("({})", ors.join(" OR ")));
        }
        let where_sql = parts.join(" AND ");
        let from = "custom_record r LEFT JOIN unit u ON u.code = r.helper_unit";
        let mut totals = vec!["COUNT(*)".to_string()];
        for f in &q.sum_fields {
            totals.push(format!(
                "CAST(COALESCE(SUM({}), 0) AS BIGINT)",
                column(f, true)?
            ));
        }
        if let Some(f) = &q.distinct {
            totals.push(format!(
                "CAST(COUNT(DISTINCT {}) AS BIGINT)",
                column(f, false)?
            ));
        }
        let sql = format!("SELECT {} FROM {from} WHERE {where_sql}", totals.join(", "));
        let row = b
            .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await?;
        let total_rows: i64 = row.try_get(0)?;
        let mut sums = Vec::new();
        for (i, f) in q.sum_fields.iter().enumerate() {
            sums.push((f.clone(), row.try_get::<i64, _>(i + 1)?));
        }
        let distinct = match q.distinct {
            Some(_) => Some(row.try_get::<i64, _>(q.sum_fields.len() + 1)?),
            None => None,
        };
        let order = match &q.sort {
            Some((field, descending)) => {
                let dir = if *descending { "DESC" } else { "ASC" };
                format!("{} {dir}, r.code", column(field, q.sort_numeric)?)
            }
            None => "r.year DESC, r.code".to_string(),
        };
        let limit = b.push(Bind::Int(q.limit.max(0)));
        let offset = b.push(Bind::Int(q.offset.max(0)));
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM {from} WHERE {where_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let records = b
            .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| read_custom_record(kind, r))
            .collect::<Result<_, _>>()?;
        Ok(CustomPage {
            records,
            total_rows,
            sums,
            distinct,
        })
    }

    /// Deletes a record of an added kind, with its audit event; false if
    /// there was none.
    pub async fn delete_custom_record(
        &self,
        program_code: &str,
        kind: &str,
        code: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // A kept yearbook counted this record: the program's version moves on.
        crate::audit::lock_version(&mut tx, program_code).await?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM custom_record r \
             WHERE r.program_code = $1 AND r.kind = $2 AND r.code = $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(kind.to_string())
            .bind(code.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let before = read_custom_record(kind, &row)?.to_json();
        sqlx::query(
            "DELETE FROM custom_record WHERE program_code = $1 AND kind = $2 AND code = $3",
        )
        .bind(program_code.to_string())
        .bind(kind.to_string())
        .bind(code.to_string())
        .execute(&mut *tx)
        .await?;
        // The audit event last: its chain's head is held only to the commit.
        crate::audit::write(
            &mut tx,
            &crate::audit::now(),
            crate::audit::AuditEvent {
                actor,
                action: "delete",
                entity: "custom_record",
                entity_key: &format!("{kind}/{code}"),
                program: Some(program_code),
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The years in which the program has records of an added kind.
    pub(crate) async fn custom_years(
        &self,
        program_code: &str,
    ) -> Result<BTreeSet<i32>, StoreError> {
        sqlx::query("SELECT DISTINCT year FROM custom_record WHERE program_code = $1")
            .bind(program_code.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(i32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(i32::MAX)))
            .collect()
    }
}
