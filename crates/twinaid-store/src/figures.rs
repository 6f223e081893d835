//! The aggregate queries behind indicators: sums grouped by year, place and
//! source, computed in the database, never by loading all rows.

use crate::rows::{AnyQuery, placeholders};
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use twinaid_domain::indicator::{EMPTY, IndicatorDefinition, Measure, Part, SOURCE_FIELD};
use twinaid_domain::lifecycle::{CountingRule, Standing};
use twinaid_domain::record::RecordKind;
use twinaid_domain::region::RegionCode;
use twinaid_domain::unit::{SourceKind, UnitKind};
use twinaid_domain::yearbook::{Contribution, Origin};

/// The SQL for one record rule: sums up to `year` grouped by year, region and
/// helper unit kind. Field names come from the record specs, never from input.
fn record_sql(
    kind: RecordKind,
    measure: &Measure,
    filters: &[twinaid_domain::indicator::Filter],
    (rule, want): (&CountingRule, Standing),
) -> Result<(String, Vec<String>), StoreError> {
    let measure_sql = measure_sql(kind, measure)?;
    let (conditions, binds) = part_conditions(kind, filters, (rule, want), "<=")?;
    let sql = format!(
        "SELECT r.year, r.region_code, u.kind, CAST({measure_sql} AS BIGINT) AS value \
         FROM {} r LEFT JOIN unit u ON u.code = r.helper_unit \
         WHERE {} GROUP BY r.year, r.region_code, u.kind",
        kind.code(),
        conditions.join(" AND ")
    );
    Ok((sql, binds))
}

/// The conditions a record `r` of an indicator part meets: the program
/// (`$1`), its year against `$2` by `year_is` (`<=` up to the year, `=` in
/// it), the part's filters (binds from `$3`) and the standing wanted.
fn part_conditions(
    kind: RecordKind,
    filters: &[twinaid_domain::indicator::Filter],
    (rule, want): (&CountingRule, Standing),
    year_is: &str,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let mut conditions = vec![
        "r.program_code = $1".to_string(),
        format!("r.year {year_is} $2"),
    ];
    let mut binds = Vec::new();
    conditions.extend(filter_conditions(kind, filters, &mut binds, 2)?);
    match crate::standing::standing_is(kind, rule, want) {
        Some(c) => conditions.push(c),
        // Records of kinds without a lifecycle always count.
        None if want != Standing::Counted => conditions.push("1 = 0".to_string()),
        None => {}
    }
    Ok((conditions, binds))
}

/// What an indicator part adds up over records `r`, as SQL. Field names
/// come from the record specs, never from input.
pub(crate) fn measure_sql(kind: RecordKind, measure: &Measure) -> Result<String, StoreError> {
    Ok(match measure {
        Measure::Count => "COUNT(*)".to_string(),
        Measure::Sum(_) => format!("COALESCE(SUM({}), 0)", measure_term(kind, measure)?),
        Measure::CountDistinct(field) => {
            format!("COUNT(DISTINCT {})", field_sql(kind, field, false)?)
        }
    })
}

/// What one record `r` adds to an indicator part, as SQL.
pub(crate) fn measure_term(kind: RecordKind, measure: &Measure) -> Result<String, StoreError> {
    Ok(match measure {
        Measure::Count => "1".to_string(),
        Measure::Sum(field) => field_sql(kind, field, true)?,
        // Counted by its own statements (crate::distinct), never added up.
        Measure::CountDistinct(_) => {
            return Err(StoreError::Corrupt(
                "a distinct count is not a sum of records".to_string(),
            ));
        }
    })
}

/// A field of records `r` as SQL: a built-in field's column, or an added
/// field's value in the record's `extra` JSON (as an integer or as text).
/// Built-in names come from the record specs; an added field's name is
/// used only when it is plain (letters, digits, `_`), as fields.csv
/// requires, so no input ever becomes SQL.
pub(crate) fn field_sql(
    kind: RecordKind,
    field: &str,
    integer: bool,
) -> Result<String, StoreError> {
    if let Some(spec) = kind.field(field) {
        return Ok(format!("r.{}", spec.name));
    }
    let plain = !field.is_empty()
        && field.len() <= 40
        && field.starts_with(|c: char| c.is_ascii_lowercase())
        && field
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain {
        return Err(StoreError::Corrupt(format!(
            "{} has no field {field}",
            kind.code()
        )));
    }
    let ty = if integer { "BIGINT" } else { "TEXT" };
    Ok(format!("CAST(json_extract(r.extra, '$.{field}') AS {ty})"))
}

/// Whether an indicator reads records of a kind the installation added.
fn has_added_kind(def: &IndicatorDefinition) -> bool {
    def.parts()
        .iter()
        .any(|p| RecordKind::parse(&p.kind).is_none())
}

/// The parts of an indicator the figure summary adds up: all but a
/// distinct count's, which is counted afresh (crate::distinct).
pub(crate) fn summed_parts(def: &IndicatorDefinition) -> Vec<Part> {
    def.parts()
        .into_iter()
        .filter(|p| !matches!(p.measure, Measure::CountDistinct(_)))
        .collect()
}

/// An indicator part's filters over records `r` (and their helper unit
/// `u`, for the fund source), their values pushed on `binds`.
pub(crate) fn filter_conditions(
    kind: RecordKind,
    filters: &[twinaid_domain::indicator::Filter],
    binds: &mut Vec<String>,
    offset: usize,
) -> Result<Vec<String>, StoreError> {
    filter_conditions_by(filters, binds, offset, &|field| {
        field_sql(kind, field, false)
    })
}

/// [`filter_conditions`] with the fields' SQL given by `column` (an added
/// kind's fields are not a built-in kind's).
pub(crate) fn filter_conditions_by(
    filters: &[twinaid_domain::indicator::Filter],
    binds: &mut Vec<String>,
    offset: usize,
    column: &dyn Fn(&str) -> Result<String, StoreError>,
) -> Result<Vec<String>, StoreError> {
    let mut conditions = Vec::new();
    for filter in filters {
        let (column, values) = if filter.field == SOURCE_FIELD {
            let kinds = filter
                .values
                .iter()
                .filter_map(|v| SourceKind::parse(v))
                .flat_map(|s| s.unit_kinds())
                .map(|k| k.code().to_string())
                .collect();
            ("u.kind".to_string(), kinds)
        } else {
            (column(&filter.field)?, filter.values.clone())
        };
        conditions.push(in_values(&column, values, binds, offset));
    }
    Ok(conditions)
}

/// `column IN (...)`, where the empty value stands for an empty (NULL) field.
/// `offset` is the number of placeholders bound before `binds`.
pub(crate) fn in_values(
    column: &str,
    values: Vec<String>,
    binds: &mut Vec<String>,
    offset: usize,
) -> String {
    let wants_empty = values.iter().any(|v| v == EMPTY);
    let mut params = Vec::new();
    for v in values.into_iter().filter(|v| v != EMPTY) {
        binds.push(v);
        params.push(format!("${}", binds.len() + offset));
    }
    match (params.is_empty(), wants_empty) {
        (true, false) => "1 = 0".to_string(),
        (true, true) => format!("{column} IS NULL"),
        (false, false) => format!("{column} IN ({})", params.join(", ")),
        (false, true) => format!("({column} IS NULL OR {column} IN ({}))", params.join(", ")),
    }
}

/// `part IN ($first, ...)` over an indicator's parts in the summary, with
/// the keys to bind; never true for an indicator without parts.
fn parts_in(def: &IndicatorDefinition, first: usize) -> (String, Vec<String>) {
    let keys: Vec<String> = (0..def.parts().len())
        .map(|i| crate::summary::part_key(&def.code, i))
        .collect();
    let clause = if keys.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("part IN ({})", placeholders(first, keys.len()))
    };
    (clause, keys)
}

pub(crate) fn parse_region(code: Option<String>) -> Result<Option<RegionCode>, StoreError> {
    code.map(|c| RegionCode::parse(&c).map_err(|e| StoreError::Corrupt(format!("region {c}: {e}"))))
        .transpose()
}

/// A county of the summary; "" for records of no county.
fn parse_county(code: &str) -> Result<Option<RegionCode>, StoreError> {
    if code.is_empty() {
        return Ok(None);
    }
    RegionCode::parse(code)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("region {code}: {e}")))
}

pub(crate) fn parse_source(kind: Option<String>) -> Option<SourceKind> {
    kind.as_deref()
        .and_then(UnitKind::parse)
        .map(UnitKind::source)
}

/// The entries of a packed text, "county:value;...".
fn unpack(text: &str) -> impl Iterator<Item = Result<(&str, i64), StoreError>> {
    text.split(';').filter(|e| !e.is_empty()).map(|entry| {
        entry
            .split_once(':')
            .and_then(|(county, value)| Some((county, value.parse().ok()?)))
            .ok_or_else(|| StoreError::Corrupt(format!("packed figures {entry}")))
    })
}

/// A statement over the summary binding the program as `$1`, the year as
/// `$2` and the parts from `$3` on.
fn parts_query(sql: String, program_code: &str, year: i32, parts: &[String]) -> AnyQuery<'static> {
    let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_code.to_string())
        .bind(i64::from(year));
    for p in parts {
        q = q.bind(p.clone());
    }
    q
}

impl Store {
    /// One indicator part's records of a standing up to `year`, summed per
    /// year, region and helper unit kind (see [`record_sql`]).
    async fn part_rows(
        &self,
        program_code: &str,
        year: i32,
        kind: RecordKind,
        part: &twinaid_domain::indicator::Part,
        standing: (&CountingRule, Standing),
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        let (sql, binds) = record_sql(kind, &part.measure, &part.filters, standing)?;
        let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(i64::from(year));
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Every piece of the given indicators up to `year`, recomputed from the
    /// records themselves (grouped per year, region and source) and from
    /// aggregate values. Reports read [`Store::contributions`]; this is the
    /// check it is measured and tested against.
    pub async fn contributions_from_records(
        &self,
        program_code: &str,
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<Vec<Contribution>, StoreError> {
        let mut out = Vec::new();
        let rule = self.counting_rule(program_code).await?;
        for (def, part) in defs
            .iter()
            .flat_map(|d| summed_parts(d).into_iter().map(move |p| (d, p)))
        {
            // An added kind's records are counted apart (Store::custom_contributions).
            let Some(kind) = RecordKind::parse(&part.kind) else {
                continue;
            };
            let rows = self
                .part_rows(program_code, year, kind, &part, (&rule, Standing::Counted))
                .await?;
            for row in rows {
                let y = i32::try_from(row.try_get::<i64, _>(0)?).unwrap_or(i32::MAX);
                out.push(Contribution {
                    indicator: def.code.as_str().into(),
                    year_from: y,
                    year_to: y,
                    region: parse_region(row.try_get(1)?)?,
                    source: parse_source(row.try_get(2)?),
                    origin: Origin::Records,
                    raw: row.try_get(3)?,
                    counts_in: twinaid_domain::yearbook::CountsIn::All,
                });
            }
        }
        out.extend(self.aggregate_contributions(program_code, year).await?);
        Ok(out)
    }

    /// Every piece of the given indicators up to `year`, from the figure
    /// summary (kept current by every write) and from aggregate values. For
    /// flows, the years before the previous one come as one piece: the
    /// yearbook needs their sum, not each of them. The reads are independent
    /// and go to the database together.
    pub async fn contributions(
        &self,
        program_code: &str,
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<Vec<Contribution>, StoreError> {
        use twinaid_domain::yearbook::CountsIn;
        let (mut flows, mut stocks) = (Vec::new(), Vec::new());
        for d in defs {
            for i in 0..d.parts().len() {
                let key = crate::summary::part_key(&d.code, i);
                if d.stock {
                    stocks.push(key)
                } else {
                    flows.push(key)
                }
            }
        }
        let first = i32::MIN / 2;
        // Flows need this year, the year before and the sum of all before
        // that; stocks need their years as they are.
        let (county_flows, county_stocks, source_flows, source_stocks, aggregates) = tokio::try_join!(
            self.county_flows(program_code, year, &flows),
            self.stocks("figure_county", "county", program_code, year, &stocks),
            self.source_flows(program_code, year, &flows),
            self.stocks("figure_source", "source", program_code, year, &stocks),
            self.aggregate_contributions(program_code, year),
        )?;
        // One shared code per indicator, and the county's code parsed once
        // per piece: a national yearbook has tens of thousands of them.
        let mut codes: HashMap<String, Arc<str>> = HashMap::new();
        let mut indicator = |part: &str| {
            let code = part.rsplit_once('#').map_or(part, |(c, _)| c);
            codes
                .entry(code.to_string())
                .or_insert_with(|| code.into())
                .clone()
        };
        let piece = |indicator: Arc<str>, place: &str, from: i32, to: i32, raw: i64, counts_in| {
            let (region, source) = match counts_in {
                CountsIn::CountyOnly => (parse_county(place)?, None),
                _ => (None, SourceKind::parse(place)),
            };
            Ok::<_, StoreError>(Contribution {
                indicator,
                year_from: from,
                year_to: to,
                region,
                source,
                origin: Origin::Records,
                raw,
                counts_in,
            })
        };
        let mut out = Vec::new();
        for (part, of_year, text) in county_flows {
            let code = indicator(&part);
            let (from, to) = if of_year {
                (year, year)
            } else {
                (first, year - 1)
            };
            for entry in unpack(&text) {
                let (county, raw) = entry?;
                out.push(piece(
                    code.clone(),
                    county,
                    from,
                    to,
                    raw,
                    CountsIn::CountyOnly,
                )?);
            }
        }
        for (part, source, from, raw) in source_flows {
            let to = if from == first { year - 2 } else { from };
            out.push(piece(
                indicator(&part),
                &source,
                from,
                to,
                raw,
                CountsIn::TotalsAndSource,
            )?);
        }
        for (stocks, counts_in) in [
            (county_stocks, CountsIn::CountyOnly),
            (source_stocks, CountsIn::TotalsAndSource),
        ] {
            for (part, place, y, raw) in stocks {
                out.push(piece(indicator(&part), &place, y, y, raw, counts_in)?);
            }
        }
        out.extend(aggregates);
        Ok(out)
    }

    /// Each source's value of flow parts in the year, the year before and
    /// summed over the years before that, as (part, source, first year of
    /// the piece, value); the years before start at `i32::MIN / 2`.
    async fn source_flows(
        &self,
        program_code: &str,
        year: i32,
        parts: &[String],
    ) -> Result<Vec<(String, String, i32, i64)>, StoreError> {
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT part, source, \
               CAST(SUM(CASE WHEN year = $2 THEN value ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN year = $2 THEN 1 ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN year = $2 - 1 THEN value ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN year = $2 - 1 THEN 1 ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN year < $2 - 1 THEN value ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN year < $2 - 1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM figure_source WHERE program_code = $1 AND part IN ({}) AND year <= $2 \
             GROUP BY part, source",
            placeholders(3, parts.len())
        );
        let q = parts_query(sql, program_code, year, parts);
        let mut out = Vec::new();
        for row in q.fetch_all(&self.pool).await? {
            let part: String = row.try_get(0)?;
            let source: String = row.try_get(1)?;
            // (first year, value column); a piece where the roll-up has rows.
            for (from, at) in [(year, 2), (year - 1, 4), (i32::MIN / 2, 6)] {
                if row.try_get::<i64, _>(at + 1)? > 0 {
                    out.push((part.clone(), source.clone(), from, row.try_get(at)?));
                }
            }
        }
        Ok(out)
    }

    /// Stock parts' values per `column` (of `table`) and year up to `year`,
    /// as (part, place, year, value).
    async fn stocks(
        &self,
        table: &str,
        column: &str,
        program_code: &str,
        year: i32,
        parts: &[String],
    ) -> Result<Vec<(String, String, i32, i64)>, StoreError> {
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT part, {column}, year, CAST(SUM(value) AS BIGINT) \
             FROM {table} WHERE program_code = $1 AND part IN ({}) AND year <= $2 \
             GROUP BY part, {column}, year",
            placeholders(3, parts.len())
        );
        let q = parts_query(sql, program_code, year, parts);
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    i32::try_from(row.try_get::<i64, _>(2)?).unwrap_or(i32::MAX),
                    row.try_get(3)?,
                ))
            })
            .collect()
    }

    /// Each county's value of the year and its sum over the years before,
    /// for flow parts, as (part, of the year rather than before, packed
    /// `county:value` entries, see [`unpack`]).
    ///
    /// The years before are the cumulative roll-up's row of the year before,
    /// or, for a county whose last year came before that, its total. Each
    /// read is in its key order, and packed: the driver hands rows over one
    /// at a time (a few µs each), so each part's counties come in one text.
    /// The three reads go to the database together.
    async fn county_flows(
        &self,
        program_code: &str,
        year: i32,
        parts: &[String],
    ) -> Result<Vec<(String, bool, String)>, StoreError> {
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let before = year.saturating_sub(1);
        let (this, through, ended) = tokio::try_join!(
            self.packed(
                "figure_county WHERE program_code = $1 AND year = $2",
                year,
                program_code,
                parts,
            ),
            self.packed(
                "figure_county_through WHERE program_code = $1 AND year = $2",
                before,
                program_code,
                parts,
            ),
            self.packed(
                "figure_county_total WHERE program_code = $1 AND last_year < $2",
                before,
                program_code,
                parts,
            ),
        )?;
        let mut out = Vec::new();
        for (packed, of_year) in [(this, true), (through, false), (ended, false)] {
            out.extend(packed.into_iter().map(|(part, text)| (part, of_year, text)));
        }
        Ok(out)
    }

    /// Each part's `county:value` entries over `from` (which binds the
    /// program as `$1` and the year as `$2`) for the given parts, joined by
    /// ';' in one text. See [`unpack`].
    async fn packed(
        &self,
        from: &str,
        year: i32,
        program_code: &str,
        parts: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let concat = match self.engine() {
            crate::Engine::Sqlite => "group_concat",
            crate::Engine::Postgres => "string_agg",
        };
        let parts_in = format!("part IN ({})", placeholders(3, parts.len()));
        let sql = format!(
            "SELECT part, {concat}(county || ':' || CAST(value AS TEXT), ';') \
             FROM {from} AND {parts_in} GROUP BY part"
        );
        let q = parts_query(sql, program_code, year, parts);
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The pieces of aggregate values up to `year`.
    async fn aggregate_contributions(
        &self,
        program_code: &str,
        year: i32,
    ) -> Result<Vec<Contribution>, StoreError> {
        let mut out = Vec::new();
        let rows = sqlx::query(
            "SELECT a.indicator, a.year_from, a.year_to, a.region_code, u.kind, CAST(SUM(a.value) AS BIGINT) \
             FROM aggregate_value a LEFT JOIN unit u ON u.code = a.helper_unit \
             WHERE a.program_code = $1 AND a.year_to <= $2 \
             GROUP BY a.indicator, a.year_from, a.year_to, a.region_code, u.kind",
        )
        .bind(program_code.to_string())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let year_of = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
            out.push(Contribution {
                indicator: row.try_get::<String, _>(0)?.into(),
                year_from: year_of(row.try_get(1)?),
                year_to: year_of(row.try_get(2)?),
                region: parse_region(row.try_get(3)?)?,
                source: parse_source(row.try_get(4)?),
                origin: Origin::Aggregates,
                raw: row.try_get(5)?,
                counts_in: twinaid_domain::yearbook::CountsIn::All,
            });
        }
        Ok(out)
    }

    /// An indicator's figure by county and year (records and single-year
    /// aggregate values), from the figure summary.
    pub async fn pivot(
        &self,
        program_code: &str,
        def: &IndicatorDefinition,
    ) -> Result<Vec<(String, i32, i64)>, StoreError> {
        let (parts_clause, keys) = parts_in(def, 3);
        let sql = format!(
            "SELECT county, year, CAST(SUM(value) AS BIGINT) FROM ( \
               SELECT county, year, value FROM figure_county WHERE program_code = $1 AND {parts_clause} \
               UNION ALL SELECT COALESCE(SUBSTR(region_code, 1, 6), ''), year_from, value FROM aggregate_value \
                 WHERE program_code = $1 AND indicator = $2 AND year_from = year_to \
             ) AS pieces GROUP BY county, year ORDER BY county, year"
        );
        let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(def.code.clone());
        for k in keys {
            q = q.bind(k);
        }
        let mut cells: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for r in q.fetch_all(&self.pool).await? {
            let year = i32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(i32::MAX);
            *cells.entry((r.try_get(0)?, year)).or_default() += r.try_get::<i64, _>(2)?;
        }
        // Records of added kinds are counted from themselves.
        if has_added_kind(def) {
            for c in self
                .custom_contributions(program_code, i32::MAX, std::slice::from_ref(def))
                .await?
            {
                let county = c
                    .region
                    .as_ref()
                    .map_or(String::new(), |r| r.county_code().to_string());
                *cells.entry((county, c.year_from)).or_default() += c.raw;
            }
        }
        // A distinct count's records are counted county by county on their own.
        if def.distinct_field().is_some() {
            for (county, year, n) in self.distinct_by_year(program_code, def, true).await? {
                *cells.entry((county, year)).or_default() += n;
            }
        }
        Ok(cells
            .into_iter()
            .map(|((county, year), v)| (county, year, v))
            .collect())
    }

    /// Each given indicator's figure for each year over all counties
    /// (records and single-year aggregate values), from the summary's
    /// roll-ups by source: code → year → value, in one statement.
    pub async fn series(
        &self,
        program_code: &str,
        defs: &[&IndicatorDefinition],
    ) -> Result<BTreeMap<String, BTreeMap<i32, i64>>, StoreError> {
        let mut out: BTreeMap<String, BTreeMap<i32, i64>> = defs
            .iter()
            .map(|d| (d.code.clone(), BTreeMap::new()))
            .collect();
        if defs.is_empty() {
            return Ok(out);
        }
        let keys: Vec<String> = defs
            .iter()
            .flat_map(|d| (0..d.parts().len()).map(|i| crate::summary::part_key(&d.code, i)))
            .collect();
        let parts = if keys.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("part IN ({})", placeholders(2, keys.len()))
        };
        let codes = placeholders(2 + keys.len(), defs.len());
        // A part's key is its indicator's code, '#' and its index.
        let sql = format!(
            "SELECT part, year, CAST(SUM(value) AS BIGINT) FROM figure_source \
               WHERE program_code = $1 AND {parts} GROUP BY part, year \
             UNION ALL SELECT indicator, year_from, CAST(SUM(value) AS BIGINT) FROM aggregate_value \
               WHERE program_code = $1 AND indicator IN ({codes}) AND year_from = year_to \
               GROUP BY indicator, year_from"
        );
        let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_code.to_string());
        for k in keys {
            q = q.bind(k);
        }
        for d in defs {
            q = q.bind(d.code.clone());
        }
        for r in q.fetch_all(&self.pool).await? {
            let key: String = r.try_get(0)?;
            let code = key.rsplit_once('#').map_or(key.as_str(), |(c, _)| c);
            let year = i32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(i32::MAX);
            if let Some(by_year) = out.get_mut(code) {
                *by_year.entry(year).or_default() += r.try_get::<i64, _>(2)?;
            }
        }
        // Records of added kinds are counted from themselves.
        let added: Vec<IndicatorDefinition> = defs
            .iter()
            .filter(|d| has_added_kind(d))
            .map(|d| (*d).clone())
            .collect();
        for c in self
            .custom_contributions(program_code, i32::MAX, &added)
            .await?
        {
            if let Some(by_year) = out.get_mut(&*c.indicator) {
                *by_year.entry(c.year_from).or_default() += c.raw;
            }
        }
        // A distinct count's year over all counties is counted on its own.
        for d in defs.iter().filter(|d| d.distinct_field().is_some()) {
            for (_, year, n) in self.distinct_by_year(program_code, d, false).await? {
                if let Some(by_year) = out.get_mut(&d.code) {
                    *by_year.entry(year).or_default() += n;
                }
            }
        }
        Ok(out)
    }

    /// The same figure by county and year as one SQL statement over the
    /// records of a one-part indicator: what the benchmark compares the
    /// pivot with. None for indicators of several parts or none.
    pub async fn pivot_from_records(
        &self,
        program_code: &str,
        def: &IndicatorDefinition,
    ) -> Result<Option<Vec<(String, i32, i64)>>, StoreError> {
        let parts = def.parts();
        let [part] = parts.as_slice() else {
            return Ok(None);
        };
        if def.distinct_field().is_some() {
            return Ok(None);
        }
        let Some(kind) = RecordKind::parse(&part.kind) else {
            return Ok(None);
        };
        let rule = self.counting_rule(program_code).await?;
        let (inner, binds) = record_sql(
            kind,
            &part.measure,
            &part.filters,
            (&rule, Standing::Counted),
        )?;
        let sql = format!(
            "SELECT COALESCE(SUBSTR(x.region_code, 1, 6), ''), x.year, CAST(SUM(x.value) AS BIGINT) \
             FROM ({inner}) AS x GROUP BY COALESCE(SUBSTR(x.region_code, 1, 6), ''), x.year \
             ORDER BY 1, 2"
        );
        let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(i64::from(i32::MAX));
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    i32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(i32::MAX),
                    r.try_get(2)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()
            .map(Some)
    }

    /// The records part of an indicator's figure in `year` (or up to it,
    /// `cumulative`) split by one field of its records (`helper_unit`,
    /// `category`): (value of the field, figure), counted records only. A
    /// part whose kind lacks the field adds under "". Field names come from
    /// the record specs, never from input.
    pub async fn figure_by_field(
        &self,
        program_code: &str,
        def: &IndicatorDefinition,
        field: &str,
        year: i32,
        cumulative: bool,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rule = self.counting_rule(program_code).await?;
        let mut out: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
        for part in def.parts() {
            // An added kind's records are not split by field here.
            let Some(kind) = RecordKind::parse(&part.kind) else {
                continue;
            };
            let (conditions, binds) = part_conditions(
                kind,
                &part.filters,
                (&rule, Standing::Counted),
                if cumulative { "<=" } else { "=" },
            )?;
            // A kind without the field adds its whole part under "" (one row, no grouping).
            let (by, group) = match kind.field(field) {
                Some(spec) => {
                    let by = format!("COALESCE(r.{}, '')", spec.name);
                    let group = format!(" GROUP BY {by}");
                    (by, group)
                }
                None => ("''".to_string(), String::new()),
            };
            let sql = format!(
                "SELECT {by}, CAST({} AS BIGINT) FROM {} r LEFT JOIN unit u ON u.code = r.helper_unit \
                 WHERE {}{group}",
                measure_sql(kind, &part.measure)?,
                kind.code(),
                conditions.join(" AND ")
            );
            let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(program_code.to_string())
                .bind(i64::from(year));
            for b in binds {
                q = q.bind(b);
            }
            for r in q.fetch_all(&self.pool).await? {
                *out.entry(r.try_get::<String, _>(0)?).or_default() += r.try_get::<i64, _>(1)?;
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The pending share of the given indicators in `year`, from the
    /// summary: records on their way to being counted (a project proposed
    /// or verified but not yet at the step its guidance counts from, and
    /// the money linked to it), as (indicator, county, value).
    pub async fn pending(
        &self,
        program_code: &str,
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let keys: Vec<String> = defs
            .iter()
            .flat_map(|d| (0..d.parts().len()).map(|i| crate::summary::pending_key(&d.code, i)))
            .collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT part, county, CAST(SUM(value) AS BIGINT) FROM figure_county \
             WHERE program_code = $1 AND year = $2 AND part IN ({}) GROUP BY part, county",
            placeholders(3, keys.len())
        );
        let q = parts_query(sql, program_code, year, &keys);
        let mut out = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let part: String = r.try_get(0)?;
            let code = part
                .strip_prefix(crate::summary::PENDING)
                .and_then(|p| p.rsplit_once('#'))
                .map_or(part.as_str(), |(c, _)| c)
                .to_string();
            out.push((code, r.try_get(1)?, r.try_get(2)?));
        }
        Ok(out)
    }

    /// The same pending share recomputed from the records themselves: what
    /// [`Store::pending`] is checked against.
    pub async fn pending_from_records(
        &self,
        program_code: &str,
        year: i32,
        defs: &[IndicatorDefinition],
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rule = self.counting_rule(program_code).await?;
        let mut out: BTreeMap<(String, String), i64> = BTreeMap::new();
        for (def, part) in defs
            .iter()
            .flat_map(|d| summed_parts(d).into_iter().map(move |p| (d, p)))
        {
            let Some(kind) = RecordKind::parse(&part.kind) else {
                continue;
            };
            if !crate::standing::has_standing(kind) {
                continue;
            }
            let rows = self
                .part_rows(program_code, year, kind, &part, (&rule, Standing::Pending))
                .await?;
            for row in rows {
                if row.try_get::<i64, _>(0)? != i64::from(year) {
                    continue;
                }
                let region: Option<String> = row.try_get(1)?;
                let county: String = region.unwrap_or_default().chars().take(6).collect();
                *out.entry((def.code.clone(), county)).or_default() += row.try_get::<i64, _>(3)?;
            }
        }
        Ok(out
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|((code, county), v)| (code, county, v))
            .collect())
    }

    /// The data versions of a program and of what all programs share: every
    /// write raises one of them in its transaction.
    pub async fn data_version(&self, program_code: &str) -> Result<(i64, i64), StoreError> {
        let rows = sqlx::query(
            "SELECT program_code, version FROM data_version WHERE program_code IN ('', $1)",
        )
        .bind(program_code.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut versions = (0, 0);
        for r in rows {
            let code: String = r.try_get(0)?;
            let v: i64 = r.try_get(1)?;
            if code.is_empty() {
                versions.1 = v;
            } else {
                versions.0 = v;
            }
        }
        Ok(versions)
    }

    /// The years in which the program has any record or single-year aggregate value.
    pub async fn covered_years(&self, program_code: &str) -> Result<BTreeSet<i32>, StoreError> {
        // Each kind's count rows, stepped through year by year on the primary key
        // (a skip scan): a handful of lookups however many counties and units
        // there are. All kinds in one statement: one round trip, not one per kind.
        let kinds: Vec<RecordKind> = RecordKind::ALL
            .iter()
            .copied()
            .filter(|k| k.is_yearly())
            .collect();
        let mut steps = Vec::new();
        let mut reads = Vec::new();
        for (i, _) in kinds.iter().enumerate() {
            let part = format!("${}", i + 2);
            steps.push(format!(
                "y{i}(v) AS ( \
                   SELECT MIN(year) FROM figure_source WHERE program_code = $1 AND part = {part} \
                   UNION ALL \
                   SELECT (SELECT MIN(year) FROM figure_source \
                     WHERE program_code = $1 AND part = {part} AND year > y{i}.v) \
                   FROM y{i} WHERE y{i}.v IS NOT NULL)"
            ));
            reads.push(format!("SELECT v FROM y{i} WHERE v IS NOT NULL"));
        }
        reads.push(
            "SELECT year_from FROM aggregate_value WHERE program_code = $1 AND year_from = year_to"
                .to_string(),
        );
        let sql = format!(
            "WITH RECURSIVE {} SELECT CAST(v AS BIGINT) FROM ({}) AS covered",
            steps.join(", "),
            reads.join(" UNION ")
        );
        let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_code.to_string());
        for kind in kinds {
            q = q.bind(crate::summary::count_key(kind));
        }
        let mut years: BTreeSet<i32> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(i32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(i32::MAX)))
            .collect::<Result<_, StoreError>>()?;
        years.extend(self.custom_years(program_code).await?);
        Ok(years)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_entries_read_back_and_a_damaged_one_is_refused() {
        let entries: Vec<_> = unpack("510822:120;:5;510823:-7")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(entries, vec![("510822", 120), ("", 5), ("510823", -7)]);
        assert_eq!(unpack("").count(), 0);
        assert!(unpack("510822:x").next().unwrap().is_err());
        assert!(unpack("510822").next().unwrap().is_err());
    }
}
