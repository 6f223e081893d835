//! The figures of indicators over record kinds an installation added
//! (`kinds.csv`): counted from their records when a yearbook is made, not
//! kept in the figure summary, whose slices are the built-in kinds'.

use crate::figures::{filter_conditions_by, parse_region, parse_source};
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::BTreeSet;
use twinaid_domain::custom::{CustomRecord, common_fields, is_plain};
use twinaid_domain::indicator::{IndicatorDefinition, Measure};
use twinaid_domain::record::RecordKind;
use twinaid_domain::record::{FieldValue, Record};
use twinaid_domain::yearbook::{Contribution, CountsIn, Origin};

/// A field of an added kind's record `r` as SQL: a common field's column,
/// or the kind's own field in `extra`. Only plain names (as kinds.csv and
/// fields.csv require) become SQL; anything else is refused.
fn column(field: &str, integer: bool) -> Result<String, StoreError> {
    if common_fields().iter().any(|f| f.name == field) {
        return Ok(format!("r.{field}"));
    }
    if !is_plain(field) {
        return Err(StoreError::Corrupt(format!("no field {field}")));
    }
    let ty = if integer { "BIGINT" } else { "TEXT" };
    Ok(format!("CAST(json_extract(r.extra, '$.{field}') AS {ty})"))
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
        let row = sqlx::query(
            "SELECT code, year, helper_unit, region_code, illustrative, note, extra \
             FROM custom_record WHERE program_code = $1 AND kind = $2 AND code = $3",
        )
        .bind(program_code.to_string())
        .bind(kind.to_string())
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let text = |v: Option<String>| v.map_or(FieldValue::Null, FieldValue::Text);
        let values = vec![
            text(r.try_get(0)?),
            FieldValue::Int(r.try_get(1)?),
            text(r.try_get(2)?),
            text(r.try_get(3)?),
            FieldValue::Int(r.try_get(4)?),
            text(r.try_get(5)?),
        ];
        let custom = match r.try_get::<Option<String>, _>(6)? {
            Some(t) => Record::read_custom(&t)
                .map_err(|e| StoreError::Corrupt(format!("{kind} {code}: {e}")))?,
            None => Default::default(),
        };
        Ok(Some(CustomRecord {
            kind: kind.to_string(),
            values,
            custom,
        }))
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
