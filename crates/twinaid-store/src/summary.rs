//! The figure summary: each indicator part's value and each record kind's
//! count per program, year, county and helper unit kind. Every write
//! recomputes the slices it touched from the records, in its own
//! transaction, so a report never sees a figure older than the last write.

use crate::StoreError;
use crate::figures::in_values;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;
use twinaid_domain::indicator::{IndicatorDefinition, Measure, Part, SOURCE_FIELD};
use twinaid_domain::record::RecordKind;
use twinaid_domain::unit::SourceKind;

/// Above this many counties of one kind and year, a write refreshes the
/// whole year of the kind: one grouped pass instead of many small ones.
const COUNTIES_PER_SLICE: usize = 40;

/// What a write touched: record kind, year and county ("" for none).
#[derive(Debug, Default, Clone)]
pub(crate) struct Touched {
    slices: BTreeSet<(RecordKind, i64, String)>,
    /// Units or indicators changed: every figure of the program may move.
    pub everything: bool,
}

impl Touched {
    pub fn add(&mut self, kind: RecordKind, year: Option<i64>, region: Option<&str>) {
        if let (true, Some(year)) = (kind.is_yearly(), year) {
            let county = region.map_or(String::new(), |r| r.chars().take(6).collect());
            self.slices.insert((kind, year, county));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.slices.is_empty() && !self.everything
    }
}

/// The summary key of a part of an indicator.
pub(crate) fn part_key(indicator: &str, index: usize) -> String {
    format!("{indicator}#{index}")
}

/// The summary key of a kind's record count.
pub(crate) fn count_key(kind: RecordKind) -> String {
    format!("#{}", kind.code())
}

/// The parts to keep for records of `kind`: (key, part), the count first.
fn parts_of(kind: RecordKind, defs: &[IndicatorDefinition]) -> Vec<(String, Part)> {
    let mut parts = vec![(
        count_key(kind),
        Part {
            kind: kind.code().to_string(),
            measure: Measure::Count,
            filters: Vec::new(),
        },
    )];
    for d in defs {
        for (i, p) in d.parts().into_iter().enumerate() {
            if p.kind == kind.code() {
                parts.push((part_key(&d.code, i), p));
            }
        }
    }
    parts
}

/// `SELECT program, part, year, county, unit kind, value` over the records
/// of a part, for `$1` program and `$2` year, optionally `$3 <= region < $4`.
/// Field names come from the record specs, never from input.
fn select_sql(
    kind: RecordKind,
    part: &Part,
    by_county: bool,
) -> Result<(String, Vec<String>), StoreError> {
    let measure = match &part.measure {
        Measure::Count => "COUNT(*)".to_string(),
        Measure::Sum(field) => {
            let spec = kind.field(field).ok_or_else(|| {
                StoreError::Corrupt(format!("{} has no field {field}", kind.code()))
            })?;
            format!("COALESCE(SUM(r.{}), 0)", spec.name)
        }
    };
    let mut conditions = vec!["r.program_code = $1".to_string(), "r.year = $2".to_string()];
    let mut binds = Vec::new();
    let mut offset = 3;
    if by_county {
        conditions.push("r.region_code >= $4 AND r.region_code < $5".to_string());
        offset = 5;
    }
    for filter in &part.filters {
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
            let spec = kind.field(&filter.field).ok_or_else(|| {
                StoreError::Corrupt(format!("{} has no field {}", kind.code(), filter.field))
            })?;
            (format!("r.{}", spec.name), filter.values.clone())
        };
        conditions.push(in_values(&column, values, &mut binds, offset));
    }
    let county = "COALESCE(SUBSTR(r.region_code, 1, 6), '')";
    let sql = format!(
        "SELECT $1, $3, r.year, {county}, COALESCE(u.kind, ''), CAST({measure} AS BIGINT) \
         FROM {} r LEFT JOIN unit u ON u.code = r.helper_unit \
         WHERE {} GROUP BY r.year, {county}, COALESCE(u.kind, '')",
        kind.code(),
        conditions.join(" AND ")
    );
    Ok((sql, binds))
}

/// The first code after every code that starts with `county`.
fn county_end(county: &str) -> String {
    match county.parse::<u64>() {
        Ok(n) => format!("{:0width$}", n + 1, width = county.len()),
        Err(_) => format!("{county}\u{10FFFF}"),
    }
}

/// Recomputes one slice of every part of `kind`: the whole year, or one county of it.
async fn refresh_slice(
    conn: &mut AnyConnection,
    program: &str,
    kind: RecordKind,
    year: i64,
    county: Option<&str>,
    parts: &[(String, Part)],
) -> Result<(), StoreError> {
    for (key, part) in parts {
        let delete = match county {
            Some(_) => {
                "DELETE FROM figure_summary WHERE program_code = $1 AND part = $2 AND year = $3 AND county = $4"
            }
            None => {
                "DELETE FROM figure_summary WHERE program_code = $1 AND part = $2 AND year = $3"
            }
        };
        let mut q = sqlx::query(delete)
            .bind(program.to_string())
            .bind(key.clone())
            .bind(year);
        if let Some(c) = county {
            q = q.bind(c.to_string());
        }
        q.execute(&mut *conn).await?;
        let (select, binds) = select_sql(kind, part, county.is_some())?;
        let insert = format!(
            "INSERT INTO figure_summary (program_code, part, year, county, unit_kind, value) {select}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(insert))
            .bind(program.to_string())
            .bind(year)
            .bind(key.clone());
        if let Some(c) = county {
            q = q.bind(c.to_string()).bind(county_end(c));
        }
        for b in binds {
            q = q.bind(b);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Brings the summary up to date with what a write touched, inside the write's transaction.
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    program: &str,
    touched: &Touched,
) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    let defs = crate::reads::read_indicators(conn).await?;
    if touched.everything {
        return rebuild_program(conn, program, &defs).await;
    }
    let mut by_year: std::collections::BTreeMap<(RecordKind, i64), Vec<&str>> =
        std::collections::BTreeMap::new();
    for (kind, year, county) in &touched.slices {
        by_year.entry((*kind, *year)).or_default().push(county);
    }
    for ((kind, year), counties) in by_year {
        let parts = parts_of(kind, &defs);
        if counties.len() > COUNTIES_PER_SLICE || counties.contains(&"") {
            refresh_slice(conn, program, kind, year, None, &parts).await?;
        } else {
            for county in counties {
                refresh_slice(conn, program, kind, year, Some(county), &parts).await?;
            }
        }
    }
    Ok(())
}

/// Recomputes every figure of a program.
pub(crate) async fn rebuild_program(
    conn: &mut AnyConnection,
    program: &str,
    defs: &[IndicatorDefinition],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM figure_summary WHERE program_code = $1")
        .bind(program.to_string())
        .execute(&mut *conn)
        .await?;
    for kind in RecordKind::ALL.iter().filter(|k| k.is_yearly()) {
        let sql = format!(
            "SELECT DISTINCT year FROM {} WHERE program_code = $1",
            kind.code()
        );
        let years: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let parts = parts_of(*kind, defs);
        for year in years {
            refresh_slice(conn, program, *kind, year, None, &parts).await?;
        }
    }
    Ok(())
}

/// Recomputes every program's figures (after indicator definitions change).
pub(crate) async fn rebuild_all(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let defs = crate::reads::read_indicators(conn).await?;
    let programs: Vec<String> = sqlx::query("SELECT code FROM program")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    for p in programs {
        rebuild_program(conn, &p, &defs).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_county_range_holds_its_villages_and_nothing_else() {
        assert_eq!(county_end("510822"), "510823");
        assert_eq!(county_end("510899"), "510900");
        let (lo, hi) = ("510822", county_end("510822"));
        for inside in ["510822", "510822101001"] {
            assert!(inside >= lo && inside < hi.as_str());
        }
        for outside in ["510821999999", "510823", "5108"] {
            assert!(!(outside >= lo && outside < hi.as_str()), "{outside}");
        }
    }
}
