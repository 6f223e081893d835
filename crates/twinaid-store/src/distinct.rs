//! Distinct counts (`count_distinct:FIELD`): how many different values a
//! field takes among the counted records of some programs. Counted in the
//! database from the records of the place and years each figure covers,
//! since distinct counts of smaller places do not add up to a larger one.

use crate::figures::filter_conditions;
use crate::rows::AnyQuery;
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use twinaid_domain::group::province_of;
use twinaid_domain::indicator::IndicatorDefinition;
use twinaid_domain::lifecycle::{CountingRule, Standing};
use twinaid_domain::record::RecordKind;
use twinaid_domain::yearbook::{DistinctCounts, DistinctValues, UNALLOCATED, UNSPECIFIED};

impl Store {
    /// The distinct counts of every `count_distinct` indicator among
    /// `defs`, over the counted records of `programs` (one, or a few), for
    /// `year`: the year, the year before and every year up to it, in total
    /// and by helped county, fund source and helped province, with the
    /// values counted (a group unions its programs' values, reading no
    /// records again). Indicators of other measures are left out.
    pub async fn distinct_counts(
        &self,
        programs: &[String],
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<BTreeMap<String, DistinctCounts>, StoreError> {
        let mut out = BTreeMap::new();
        let wanted: Vec<_> = defs
            .iter()
            .filter_map(|d| Some((d, d.distinct_field()?)))
            .collect();
        if wanted.is_empty() || programs.is_empty() {
            return Ok(out);
        }
        // Counting rules matter only to kinds with a lifecycle.
        let lifecycle = wanted.iter().any(|(d, _)| {
            d.parts()
                .iter()
                .filter_map(|p| RecordKind::parse(&p.kind))
                .any(crate::standing::has_standing)
        });
        let mut rules = Vec::with_capacity(programs.len());
        for p in programs {
            rules.push(if lifecycle {
                self.counting_rule(p).await?
            } else {
                CountingRule::default()
            });
        }
        let year = i64::from(year);
        for (def, _) in wanted {
            let (base, binds) = counted_records(def, programs, &rules)?;
            // Every row, not SELECT DISTINCT: the rows are the records of a
            // kind that counts few, and a temporary B-tree to drop the rare
            // repeat costs more than the repeat does here.
            let sql = format!(
                "SELECT CAST(b.year AS BIGINT), b.county, b.source, b.v \
                 FROM ({base}) AS b WHERE CAST($2 AS BIGINT) IS NOT NULL"
            );
            let q = bind_all(&sql, (year, year - 1), programs, binds);
            let mut names: HashMap<String, Arc<str>> = HashMap::new();
            let mut values = DistinctValues::default();
            for r in q.fetch_all(&self.pool).await? {
                let at: i64 = r.try_get(0)?;
                let (place, from, text): (String, String, String) =
                    (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                let value = names.entry(text).or_insert_with_key(|t| t.as_str().into());
                values.total.add(value, at, year);
                let (county, province) = if place.is_empty() {
                    (UNALLOCATED.to_string(), UNALLOCATED.to_string())
                } else {
                    let province = province_of(&place);
                    (place, province)
                };
                let source = if from.is_empty() {
                    UNSPECIFIED.to_string()
                } else {
                    from
                };
                values
                    .by_county
                    .entry(county)
                    .or_default()
                    .add(value, at, year);
                values
                    .by_province
                    .entry(province)
                    .or_default()
                    .add(value, at, year);
                values
                    .by_source
                    .entry(source)
                    .or_default()
                    .add(value, at, year);
            }
            out.insert(def.code.clone(), values.counts());
        }
        Ok(out)
    }

    /// A distinct count's records of one program counted year by year,
    /// over all its places or (`by_county`) county by county: (county or
    /// "", year, count).
    pub(crate) async fn distinct_by_year(
        &self,
        program: &str,
        def: &IndicatorDefinition,
        by_county: bool,
    ) -> Result<Vec<(String, i32, i64)>, StoreError> {
        let programs = [program.to_string()];
        let rules = [self.counting_rule(program).await?];
        let (base, binds) = counted_records(def, &programs, &rules)?;
        let county = if by_county { "county" } else { "''" };
        let group = if by_county { ", county" } else { "" };
        let sql = format!(
            "WITH b AS ({base}) SELECT {county}, CAST(year AS BIGINT), \
             CAST(COUNT(DISTINCT v) AS BIGINT) FROM b WHERE year >= $2 GROUP BY year{group}"
        );
        let q = bind_all(
            &sql,
            (i64::from(i32::MAX), i64::from(i32::MIN)),
            &programs,
            binds,
        );
        let mut out = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let year = i32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(i32::MAX);
            out.push((r.try_get(0)?, year, r.try_get(2)?));
        }
        Ok(out)
    }
}

/// The counted records of a distinct count's kind in `programs` (each
/// under its own counting rule) up to year `$1`, as a SELECT of their
/// year, county, province, source and value `v` (records without one left
/// out). Binds: `$1` the last year, `$2` free for the caller, then the
/// programs, then the returned filter values. Field names come from the
/// record specs, never from input.
fn counted_records(
    def: &IndicatorDefinition,
    programs: &[String],
    rules: &[CountingRule],
) -> Result<(String, Vec<String>), StoreError> {
    let corrupt = |why: String| StoreError::Corrupt(format!("indicator {}: {why}", def.code));
    let part = def
        .parts()
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("no part".to_string()))?;
    let field = def
        .distinct_field()
        .ok_or_else(|| corrupt("not a distinct count".to_string()))?;
    let Some(kind) = RecordKind::parse(&part.kind) else {
        return added_kind_records(&part, field, programs);
    };
    let column = crate::figures::field_sql(kind, field, false)?;
    let mut each = Vec::with_capacity(programs.len());
    for (i, rule) in rules.iter().enumerate() {
        let standing = crate::standing::standing_is(kind, rule, Standing::Counted)
            .map_or(String::new(), |s| format!(" AND {s}"));
        each.push(format!("(r.program_code = ${}{standing})", i + 3));
    }
    let mut binds = Vec::new();
    let filters = filter_conditions(kind, &part.filters, &mut binds, 2 + programs.len())?;
    let mut conditions = vec![
        format!("({})", each.join(" OR ")),
        "r.year <= $1".to_string(),
        format!("{column} IS NOT NULL"),
    ];
    conditions.extend(filters);
    let sql = format!(
        "SELECT r.program_code AS program_code, r.year AS year, \
         COALESCE(SUBSTR(r.region_code, 1, 6), '') AS county, \
         COALESCE(SUBSTR(r.region_code, 1, 2), '') AS province, {} AS source, \
         CAST({column} AS TEXT) AS v FROM {} r LEFT JOIN unit u ON u.code = r.helper_unit WHERE {}",
        crate::summary::source_case(),
        kind.code(),
        conditions.join(" AND ")
    );
    Ok((sql, binds))
}

/// [`counted_records`] for a kind the installation added: every record
/// counts (an added kind has no lifecycle); the kind is the last bind.
fn added_kind_records(
    part: &twinaid_domain::indicator::Part,
    field: &str,
    programs: &[String],
) -> Result<(String, Vec<String>), StoreError> {
    let column = crate::custom_records::column(field, false)?;
    let each: Vec<String> = (0..programs.len())
        .map(|i| format!("r.program_code = ${}", i + 3))
        .collect();
    let mut binds = Vec::new();
    let filters = crate::figures::filter_conditions_by(
        &part.filters,
        &mut binds,
        2 + programs.len(),
        &|f| crate::custom_records::column(f, false),
    )?;
    let mut conditions = vec![
        format!("({})", each.join(" OR ")),
        "r.year <= $1".to_string(),
        format!("{column} IS NOT NULL"),
    ];
    conditions.extend(filters);
    binds.push(part.kind.clone());
    conditions.push(format!("r.kind = ${}", 2 + programs.len() + binds.len()));
    let sql = format!(
        "SELECT r.program_code AS program_code, r.year AS year, \
         COALESCE(SUBSTR(r.region_code, 1, 6), '') AS county, \
         COALESCE(SUBSTR(r.region_code, 1, 2), '') AS province, {} AS source, \
         CAST({column} AS TEXT) AS v FROM custom_record r LEFT JOIN unit u ON u.code = r.helper_unit WHERE {}",
        crate::summary::source_case(),
        conditions.join(" AND ")
    );
    Ok((sql, binds))
}

/// The statement with its binds: the two years, the programs, the filters.
fn bind_all<'q>(
    sql: &str,
    (first, second): (i64, i64),
    programs: &[String],
    binds: Vec<String>,
) -> AnyQuery<'q> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(first)
        .bind(second);
    for p in programs {
        q = q.bind(p.clone());
    }
    for b in binds {
        q = q.bind(b);
    }
    q
}
