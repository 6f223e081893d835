//! The figure summary: each indicator part's value and each record kind's
//! count per program, year, county and helper unit kind. Every write
//! recomputes the slices it touched from the records, in its own
//! transaction, so a report never sees a figure older than the last write.

use crate::StoreError;
use crate::figures::{filter_conditions, measure_term};
use crate::rows::{AnyQuery, placeholders};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet};
use twinaid_domain::indicator::{IndicatorDefinition, Measure, Part};
use twinaid_domain::lifecycle::{CountingRule, Standing};
use twinaid_domain::record::RecordKind;
use twinaid_domain::unit::UnitKind;

/// Above this many counties of one kind and year, a write refreshes the
/// whole year of the kind: one grouped pass instead of many small ones.
const COUNTIES_PER_SLICE: usize = 40;

/// Up to this many records, a write reads what they add to the summary
/// before and after it and adds the difference: a save costs the same
/// however many records its county has in the year. More records are
/// recomputed by slice, one grouped pass each.
pub(crate) const RECORDS_BY_DIFFERENCE: usize = 50;

/// A slice of the summary: record kind, year and county ("" for none).
type Slice = (RecordKind, i64, String);

/// What some records add to the summary, per slice: (part, source) →
/// (value, how many records the part counts there).
type Contributions = BTreeMap<Slice, BTreeMap<(String, String), (i64, i64)>>;

/// What a write touched: record kind, year and county ("" for none).
#[derive(Debug, Default, Clone)]
pub(crate) struct Touched {
    slices: BTreeSet<Slice>,
    /// Units or indicators changed: every figure of the program may move.
    pub everything: bool,
    /// The written records by kind, and what they added to the summary
    /// before the write: their slices change by the difference.
    before: Option<Before>,
}

/// The records a write names and what they added to the summary before it,
/// with the definitions and rule that said so (the write changes neither).
#[derive(Debug, Clone)]
struct Before {
    records: BTreeMap<RecordKind, Vec<String>>,
    contributions: Contributions,
    defs: Vec<IndicatorDefinition>,
    rule: CountingRule,
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

    /// Adds what another write touched (saves written together refresh
    /// their figures once).
    pub fn absorb(&mut self, other: Touched) {
        self.slices.extend(other.slices);
        self.everything |= other.everything;
    }

    /// Reads what `records` (codes by kind, few) add to the summary now,
    /// before the write changes them: their slices are then changed by the
    /// difference instead of recomputed.
    pub async fn before_writing(
        &mut self,
        conn: &mut AnyConnection,
        program: &str,
        records: BTreeMap<RecordKind, Vec<String>>,
    ) -> Result<(), StoreError> {
        let defs = crate::reads::read_indicators(conn).await?;
        let rule = crate::standing::counting_rule(conn, program).await?;
        let contributions = contributions(conn, program, &records, &defs, &rule).await?;
        self.before = Some(Before {
            records,
            contributions,
            defs,
            rule,
        });
        Ok(())
    }
}

/// What the records with the given codes add to the summary, read from them.
async fn contributions(
    conn: &mut AnyConnection,
    program: &str,
    records: &BTreeMap<RecordKind, Vec<String>>,
    defs: &[IndicatorDefinition],
    rule: &CountingRule,
) -> Result<Contributions, StoreError> {
    let mut all = Contributions::new();
    for (kind, codes) in records.iter().filter(|(k, _)| k.is_yearly()) {
        // Each record once: a code named twice would count twice.
        let codes: Vec<&String> = codes.iter().collect::<BTreeSet<_>>().into_iter().collect();
        let (kept, columns) = parts_of(*kind, defs);
        let parts = Slicing {
            kept: &kept,
            columns: &columns,
            rule,
        };
        for chunk in codes.chunks(100) {
            let (sql, binds) = pass_sql(*kind, parts, Scope::Codes(chunk.len()))?;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program.to_string());
            for c in chunk.iter().copied().chain(&binds) {
                q = q.bind(c.clone());
            }
            for r in q.fetch_all(&mut *conn).await? {
                let slice = (*kind, r.try_get(1)?, r.try_get(2)?);
                let at = (r.try_get(0)?, r.try_get(3)?);
                let (value, records): (i64, i64) = (r.try_get(4)?, r.try_get(5)?);
                let e = all.entry(slice).or_default().entry(at).or_default();
                // Bounded inputs keep sums far from overflow; were one
                // reached, the figure stops at the bound, it does not panic.
                e.0 = e.0.saturating_add(value);
                e.1 = e.1.saturating_add(records);
            }
        }
    }
    Ok(all)
}

/// `after - before`, per slice, leaving out what did not change.
fn difference(before: &Contributions, after: &Contributions) -> Contributions {
    let mut diff = Contributions::new();
    let slices: BTreeSet<&Slice> = before.keys().chain(after.keys()).collect();
    for slice in slices {
        let empty = BTreeMap::new();
        let (b, a) = (
            before.get(slice).unwrap_or(&empty),
            after.get(slice).unwrap_or(&empty),
        );
        let mut changes = BTreeMap::new();
        for at in b.keys().chain(a.keys()) {
            let (bv, bn) = b.get(at).copied().unwrap_or((0, 0));
            let (av, an) = a.get(at).copied().unwrap_or((0, 0));
            if (av - bv, an - bn) != (0, 0) {
                changes.insert(at.clone(), (av - bv, an - bn));
            }
        }
        if !changes.is_empty() {
            diff.insert(slice.clone(), changes);
        }
    }
    diff
}

/// The summary key of a part of an indicator: what the official figures count.
pub(crate) fn part_key(indicator: &str, index: usize) -> String {
    format!("{indicator}#{index}")
}

/// The summary key of the pending share of a part of an indicator: records
/// on their way to being counted, shown beside the figure.
pub(crate) fn pending_key(indicator: &str, index: usize) -> String {
    format!("{PENDING}{indicator}#{index}")
}

/// What a pending key starts with.
pub(crate) const PENDING: &str = "pending:";

/// The summary key of a kind's record count.
pub(crate) fn count_key(kind: RecordKind) -> String {
    format!("#{}", kind.code())
}

/// One kept part of a kind: its key, the column of the grouped pass that
/// adds it up, and which records it keeps (all of them when None).
struct Kept {
    key: String,
    column: usize,
    standing: Option<Standing>,
}

/// The parts to keep for records of `kind`, the count first, and the
/// columns they are added up in: a part's counted and pending shares
/// share one column, split by the records' standing.
fn parts_of(kind: RecordKind, defs: &[IndicatorDefinition]) -> (Vec<Kept>, Vec<Part>) {
    let lifecycle = crate::standing::has_standing(kind);
    let mut kept = vec![Kept {
        key: count_key(kind),
        column: 0,
        standing: None,
    }];
    let mut columns = vec![Part {
        kind: kind.code().to_string(),
        measure: Measure::Count,
        filters: Vec::new(),
    }];
    for d in defs {
        for (i, p) in d.parts().into_iter().enumerate() {
            // A distinct count is counted afresh, never kept as a sum.
            if p.kind != kind.code() || matches!(p.measure, Measure::CountDistinct(_)) {
                continue;
            }
            let column = columns.len();
            columns.push(p);
            if lifecycle {
                kept.push(Kept {
                    key: part_key(&d.code, i),
                    column,
                    standing: Some(Standing::Counted),
                });
                kept.push(Kept {
                    key: pending_key(&d.code, i),
                    column,
                    standing: Some(Standing::Pending),
                });
            } else {
                kept.push(Kept {
                    key: part_key(&d.code, i),
                    column,
                    standing: None,
                });
            }
        }
    }
    (kept, columns)
}

/// What a slice's pass adds up: the kept parts, their columns and the
/// rule that decides which records count.
#[derive(Clone, Copy)]
struct Slicing<'a> {
    kept: &'a [Kept],
    columns: &'a [Part],
    rule: &'a CountingRule,
}

/// Which records one grouped pass adds up.
#[derive(Clone, Copy)]
enum Scope {
    /// A whole year (`$1` program, `$2` year), written into the summary.
    Year,
    /// One county of a year (`$3 <= region < $4`), written into the summary.
    County,
    /// The records with these many codes (`$2` on, each once: a code
    /// named twice would count twice), read back per year: what they add
    /// to the summary.
    Codes(usize),
}

/// One grouped pass over the records of a kind in `scope`: each part's
/// value and how many records it counts, per county, source and (for kinds
/// with a lifecycle) standing, then a row per kept part where it counts
/// any. For a slice, `INSERT INTO figure_summary` those rows; for codes,
/// `SELECT part, year, county, source, value, records`. Binds after the
/// scope's: the part keys, then the filters' values. Field names come from
/// the record specs, never from input.
fn pass_sql(
    kind: RecordKind,
    parts: Slicing<'_>,
    scope: Scope,
) -> Result<(String, Vec<String>), StoreError> {
    let Slicing {
        kept,
        columns: parts,
        rule,
    } = parts;
    let mut conditions = vec!["r.program_code = $1".to_string()];
    let fixed = match scope {
        Scope::Year => {
            conditions.push("r.year = $2".to_string());
            2
        }
        Scope::County => {
            conditions.push("r.year = $2".to_string());
            conditions.push("r.region_code >= $3 AND r.region_code < $4".to_string());
            4
        }
        Scope::Codes(n) => {
            conditions.push("r.year IS NOT NULL".to_string());
            conditions.push("r.code = c.code".to_string());
            1 + n
        }
    };
    // For codes, the records are found by their key, a code at a time: with
    // `code IN (...)` of three codes or more, SQLite (without statistics)
    // walked the program's whole year index instead (170 ms a write at
    // province scale). It keeps the order of a CROSS JOIN; PostgreSQL
    // plans it as any join.
    let from = match scope {
        Scope::Codes(n) => {
            let codes: Vec<String> = (2..2 + n)
                .map(|i| format!("SELECT CAST(${i} AS TEXT) AS code"))
                .collect();
            format!(
                "({}) c CROSS JOIN {} r",
                codes.join(" UNION ALL "),
                kind.code()
            )
        }
        _ => format!("{} r", kind.code()),
    };
    let codes = matches!(scope, Scope::Codes(_));
    let mut binds: Vec<String> = kept.iter().map(|k| k.key.clone()).collect();
    let mut columns = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let filters = filter_conditions(kind, &part.filters, &mut binds, fixed)?;
        let when = if filters.is_empty() {
            "1 = 1".to_string()
        } else {
            filters.join(" AND ")
        };
        let term = measure_term(kind, &part.measure)?;
        columns.push(format!(
            "SUM(CASE WHEN {when} THEN {term} ELSE 0 END) AS v{i}, \
             SUM(CASE WHEN {when} THEN 1 ELSE 0 END) AS n{i}"
        ));
    }
    let standing = crate::standing::standing_sql(kind, rule);
    let mut selects = Vec::new();
    for (i, k) in kept.iter().enumerate() {
        let (key, c) = (fixed + 1 + i, k.column);
        // What a row names: for the summary its program and year, for codes the year it counts in.
        let (head, group) = if codes {
            (format!("${key}, year"), "year, county, source")
        } else {
            (format!("$1, ${key}, $2"), "county, source")
        };
        // For codes, how many records each row counts, after its value.
        let records = |n: String| {
            if codes {
                format!(", CAST({n} AS BIGINT)")
            } else {
                String::new()
            }
        };
        selects.push(match (&standing, k.standing) {
            (Some(_), None) => format!(
                "SELECT {head}, county, source, CAST(SUM(v{c}) AS BIGINT){} FROM g \
                 GROUP BY {group} HAVING SUM(n{c}) > 0",
                records(format!("SUM(n{c})"))
            ),
            (Some(_), Some(want)) => format!(
                "SELECT {head}, county, source, CAST(COALESCE(v{c}, 0) AS BIGINT){} FROM g \
                 WHERE n{c} > 0 AND st = '{}'",
                records(format!("n{c}")),
                want.code()
            ),
            (None, _) => format!(
                "SELECT {head}, county, source, CAST(COALESCE(v{c}, 0) AS BIGINT){} FROM g WHERE n{c} > 0",
                records(format!("n{c}"))
            ),
        });
    }
    let county = "COALESCE(SUBSTR(r.region_code, 1, 6), '')";
    let source = source_case();
    let (st_column, st_group) = match &standing {
        Some(st) => (format!("{st} AS st, "), format!(", {st}")),
        None => (String::new(), String::new()),
    };
    let (year_column, year_group) = if codes {
        ("r.year AS year, ", "r.year, ")
    } else {
        ("", "")
    };
    let with = format!(
        "WITH g AS (SELECT {year_column}{county} AS county, {source} AS source, {st_column}{} \
           FROM {from} LEFT JOIN unit u ON u.code = r.helper_unit \
           WHERE {} GROUP BY {year_group}{county}, {source}{st_group})",
        columns.join(", "),
        conditions.join(" AND "),
    );
    let sql = if codes {
        format!("{with} {}", selects.join(" UNION ALL "))
    } else {
        format!(
            "{with} INSERT INTO figure_summary (program_code, part, year, county, source, value) {}",
            selects.join(" UNION ALL ")
        )
    };
    Ok((sql, binds))
}

/// The fund source of a record's helper unit (`u.kind`), as SQL: the
/// mapping is the domain's, written out once per statement.
pub(crate) fn source_case() -> String {
    let whens: String = UnitKind::ALL
        .iter()
        .map(|k| format!(" WHEN '{}' THEN '{}'", k.code(), k.source().code()))
        .collect();
    format!("(CASE u.kind{whens} ELSE '' END)")
}

/// The first code after every code that starts with `prefix`.
pub(crate) fn prefix_end(prefix: &str) -> String {
    match prefix.parse::<u64>() {
        Ok(n) => format!("{:0width$}", n + 1, width = prefix.len()),
        Err(_) => format!("{prefix}\u{10FFFF}"),
    }
}

/// Whether a whole-year refresh remakes the county roll-ups over all years
/// now, or leaves them to its caller, which remakes them once after many years.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AllYears {
    Now,
    Later,
}

/// Remakes each county's total over all years (with how many years it has
/// and its last) and its sums up to each year, for the given parts.
async fn remake_all_years(
    conn: &mut AnyConnection,
    program: &str,
    keys: &[&String],
) -> Result<(), StoreError> {
    let parts_in = format!("part IN ({})", placeholders(2, keys.len()));
    let delete = format!("DELETE FROM figure_county_total WHERE program_code = $1 AND {parts_in}");
    let totals = format!(
        "INSERT INTO figure_county_total (program_code, part, county, value, years, last_year) \
         SELECT program_code, part, county, CAST(SUM(value) AS BIGINT), CAST(COUNT(*) AS BIGINT), \
           CAST(MAX(year) AS BIGINT) \
         FROM figure_county WHERE program_code = $1 AND {parts_in} \
         GROUP BY program_code, part, county"
    );
    for sql in [delete, totals] {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program.to_string());
        for k in keys {
            q = q.bind((*k).clone());
        }
        q.execute(&mut *conn).await?;
    }
    crate::through::rebuild(conn, program, keys).await
}

/// Recomputes one slice of every part of `kind` (the whole year, or one
/// county of it) from the records, then its roll-ups: the county's totals
/// over sources and the year's totals by source.
async fn refresh_slice(
    conn: &mut AnyConnection,
    program: &str,
    kind: RecordKind,
    year: i64,
    county: Option<&str>,
    parts: Slicing<'_>,
    all_years: AllYears,
) -> Result<(), StoreError> {
    let keys: Vec<&String> = parts.kept.iter().map(|k| &k.key).collect();
    // `part IN ($first, ...)`, with the keys bound from `first` on.
    let part_in = |first: usize| format!("part IN ({})", placeholders(first, keys.len()));
    let bind_keys = |mut q: AnyQuery<'static>| {
        for k in &keys {
            q = q.bind((*k).clone());
        }
        q
    };
    // A county's old detail, to carry its difference into the sources' totals.
    let before = match county {
        Some(c) => Some((c, county_detail(conn, program, year, c, &keys).await?)),
        None => None,
    };
    // The slice's detail and the county roll-ups it feeds.
    for table in ["figure_summary", "figure_county"] {
        let delete = match county {
            Some(_) => format!(
                "DELETE FROM {table} WHERE program_code = $1 AND year = $2 AND county = $3 AND {}",
                part_in(4)
            ),
            None => format!(
                "DELETE FROM {table} WHERE program_code = $1 AND year = $2 AND {}",
                part_in(3)
            ),
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(delete))
            .bind(program.to_string())
            .bind(year);
        if let Some(c) = county {
            q = q.bind(c.to_string());
        }
        bind_keys(q).execute(&mut *conn).await?;
    }
    let scope = if county.is_some() {
        Scope::County
    } else {
        Scope::Year
    };
    let (insert, binds) = pass_sql(kind, parts, scope)?;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(insert))
        .bind(program.to_string())
        .bind(year);
    if let Some(c) = county {
        q = q.bind(c.to_string()).bind(prefix_end(c));
    }
    for b in binds {
        q = q.bind(b);
    }
    q.execute(&mut *conn).await?;
    // A county's total over sources.
    let (county_clause, first) = match county {
        Some(_) => ("AND county = $3", 4),
        None => ("", 3),
    };
    let rollup = format!(
        "INSERT INTO figure_county (program_code, part, year, county, value) \
         SELECT program_code, part, year, county, CAST(SUM(value) AS BIGINT) FROM figure_summary \
         WHERE program_code = $1 AND year = $2 {county_clause} AND {} \
         GROUP BY program_code, part, year, county",
        part_in(first)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(rollup))
        .bind(program.to_string())
        .bind(year);
    if let Some(c) = county {
        q = q.bind(c.to_string());
    }
    bind_keys(q).execute(&mut *conn).await?;
    // For one county, its difference carried into the county's total over
    // all years and the year's totals by source: a write costs the same
    // however many counties and years there are.
    if let Some((c, before)) = before {
        let after = county_detail(conn, program, year, c, &keys).await?;
        carry_to_county_total(conn, program, year, c, &before, &after).await?;
        return carry_to_sources(conn, program, year, &before, &after).await;
    }
    // For the whole year, recomputed: the year's total of each source and
    // (unless the caller does it once for many years) each county's sums
    // over all years and up to each year.
    if all_years == AllYears::Now {
        remake_all_years(conn, program, &keys).await?;
    }
    let delete = format!(
        "DELETE FROM figure_source WHERE program_code = $1 AND year = $2 AND {}",
        part_in(3)
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(delete))
        .bind(program.to_string())
        .bind(year);
    bind_keys(q).execute(&mut *conn).await?;
    let rollup = format!(
        "INSERT INTO figure_source (program_code, part, year, source, value) \
         SELECT program_code, part, year, source, CAST(SUM(value) AS BIGINT) FROM figure_summary \
         WHERE program_code = $1 AND year = $2 AND {} \
         GROUP BY program_code, part, year, source",
        part_in(3)
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(rollup))
        .bind(program.to_string())
        .bind(year);
    bind_keys(q).execute(&mut *conn).await?;
    Ok(())
}

/// A county's detail of a year: (part, source) → value.
pub(crate) type Detail = std::collections::BTreeMap<(String, String), i64>;

/// A county's detail of a year, as the summary holds it.
async fn county_detail(
    conn: &mut AnyConnection,
    program: &str,
    year: i64,
    county: &str,
    keys: &[&String],
) -> Result<Detail, StoreError> {
    let sql = format!(
        "SELECT part, source, value FROM figure_summary \
         WHERE program_code = $1 AND year = $2 AND county = $3 AND part IN ({})",
        placeholders(4, keys.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.to_string())
        .bind(year)
        .bind(county.to_string());
    for k in keys {
        q = q.bind((*k).clone());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
        .collect()
}

/// Adds a county's change of detail in a year to its total over all years
/// (the value, and how many years have any) and to its sums up to each year.
pub(crate) async fn carry_to_county_total(
    conn: &mut AnyConnection,
    program: &str,
    year: i64,
    county: &str,
    before: &Detail,
    after: &Detail,
) -> Result<(), StoreError> {
    let by_part = |detail: &Detail| {
        let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
        for ((part, _), value) in detail {
            let sum = sums.entry(part.clone()).or_default();
            *sum = sum.saturating_add(*value);
        }
        sums
    };
    let (before, after) = (by_part(before), by_part(after));
    let parts: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    // (part, change of value, change of years with the part, value after).
    let changes: Vec<(&String, i64, i64, i64)> = parts
        .into_iter()
        .filter_map(|part| {
            let (old, new) = (before.get(part), after.get(part));
            let delta = new.copied().unwrap_or(0) - old.copied().unwrap_or(0);
            let years = i64::from(new.is_some()) - i64::from(old.is_some());
            (delta != 0 || years != 0).then(|| (part, delta, years, new.copied().unwrap_or(0)))
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    // All parts' totals in one statement: a write waits for one round trip, not one per part.
    let rows: Vec<String> = (0..changes.len())
        .map(|i| {
            let at = 4 + 3 * i;
            format!("($1, ${at}, $2, ${}, ${}, $3)", at + 1, at + 2)
        })
        .collect();
    let sql = format!(
        "INSERT INTO figure_county_total (program_code, part, county, value, years, last_year) \
         VALUES {} \
         ON CONFLICT (program_code, part, county) \
         DO UPDATE SET value = figure_county_total.value + excluded.value, \
           years = figure_county_total.years + excluded.years",
        rows.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.to_string())
        .bind(county.to_string())
        .bind(year);
    for (part, delta, years, _) in &changes {
        q = q.bind((*part).clone()).bind(*delta).bind(*years);
    }
    q.execute(&mut *conn).await?;
    for (part, _, _, _) in changes.iter().filter(|(_, _, years, _)| *years < 0) {
        sqlx::query(
            "DELETE FROM figure_county_total \
             WHERE program_code = $1 AND part = $2 AND county = $3 AND years <= 0",
        )
        .bind(program.to_string())
        .bind((*part).clone())
        .bind(county.to_string())
        .execute(&mut *conn)
        .await?;
    }
    // Years that keep the part move each part's sums by its change alone;
    // a year that gains or loses it reshapes the part's rows.
    let (same_years, reshaped): (Vec<_>, Vec<_>) =
        changes.iter().partition(|(_, _, years, _)| *years == 0);
    let deltas: Vec<(&str, i64)> = same_years
        .iter()
        .map(|(part, delta, _, _)| (part.as_str(), *delta))
        .collect();
    crate::through::carry_deltas(conn, program, county, year, &deltas).await?;
    for (part, delta, years, value) in reshaped {
        let change = crate::through::Change {
            program,
            part,
            county,
            year,
            delta,
            years,
            value,
        };
        crate::through::carry(conn, &change).await?;
    }
    Ok(())
}

/// Adds a county's change of detail to the year's totals by source. A
/// source total is there while some county has detail for it.
async fn carry_to_sources(
    conn: &mut AnyConnection,
    program: &str,
    year: i64,
    before: &Detail,
    after: &Detail,
) -> Result<(), StoreError> {
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    // Sources with a change, or newly with detail: all in one statement.
    let raised: Vec<(&(String, String), i64)> = keys
        .iter()
        .filter_map(|key| {
            let (old, new) = (before.get(*key), after.get(*key));
            let delta = new.copied().unwrap_or(0) - old.copied().unwrap_or(0);
            (delta != 0 || (old.is_none() && new.is_some())).then_some((*key, delta))
        })
        .collect();
    if !raised.is_empty() {
        let rows: Vec<String> = (0..raised.len())
            .map(|i| {
                let at = 3 + 3 * i;
                format!("($1, ${at}, $2, ${}, ${})", at + 1, at + 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO figure_source (program_code, part, year, source, value) VALUES {} \
             ON CONFLICT (program_code, part, source, year) \
             DO UPDATE SET value = figure_source.value + excluded.value",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(year);
        for ((part, source), delta) in &raised {
            q = q.bind(part.clone()).bind(source.clone()).bind(*delta);
        }
        q.execute(&mut *conn).await?;
    }
    for (part, source) in keys.into_iter().filter(|k| !after.contains_key(*k)) {
        sqlx::query(
            "DELETE FROM figure_source WHERE program_code = $1 AND part = $2 AND year = $3 \
             AND source = $4 AND NOT EXISTS (SELECT 1 FROM figure_summary s \
               WHERE s.program_code = $1 AND s.part = $2 AND s.year = $3 AND s.source = $4)",
        )
        .bind(program.to_string())
        .bind(part.clone())
        .bind(year)
        .bind(source.clone())
        .execute(&mut *conn)
        .await?;
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
    let read;
    let (defs, rule) = match &touched.before {
        Some(b) => (b.defs.as_slice(), &b.rule),
        None => {
            read = (
                crate::reads::read_indicators(conn).await?,
                crate::standing::counting_rule(conn, program).await?,
            );
            (read.0.as_slice(), &read.1)
        }
    };
    if touched.everything {
        return rebuild_program(conn, program, defs, rule).await;
    }
    let linked = linked_slices(conn, program, touched).await?;
    // The slices that the written records alone changed, by how much.
    let mut by_difference = match &touched.before {
        Some(b) => {
            let after = contributions(conn, program, &b.records, defs, rule).await?;
            difference(&b.contributions, &after)
        }
        None => Contributions::new(),
    };
    by_difference.retain(|slice, _| !linked.slices.contains(slice));
    let mut by_year: std::collections::BTreeMap<(RecordKind, i64), Vec<&str>> =
        std::collections::BTreeMap::new();
    for (kind, year, county) in touched
        .slices
        .iter()
        .chain(linked.slices.iter())
        .chain(by_difference.keys())
    {
        let counties = by_year.entry((*kind, *year)).or_default();
        if !counties.contains(&county.as_str()) {
            counties.push(county);
        }
    }
    for ((kind, year), counties) in by_year {
        let (kept, columns) = parts_of(kind, defs);
        let parts = Slicing {
            kept: &kept,
            columns: &columns,
            rule,
        };
        if counties.len() > COUNTIES_PER_SLICE || counties.contains(&"") {
            refresh_slice(conn, program, kind, year, None, parts, AllYears::Now).await?;
            continue;
        }
        for county in counties {
            let slice = (kind, year, county.to_string());
            let changes = match (&touched.before, by_difference.get(&slice)) {
                // Written records that left the slice alone.
                (Some(_), None)
                    if touched.slices.contains(&slice) && !linked.slices.contains(&slice) =>
                {
                    continue;
                }
                (Some(_), Some(changes)) => Some(changes),
                _ => None,
            };
            // A part some record left may have no record left: only a pass knows.
            match changes.filter(|c| c.values().all(|(_, records)| *records >= 0)) {
                Some(changes) => {
                    let keys: Vec<&String> = kept.iter().map(|k| &k.key).collect();
                    add_difference(conn, program, year, county, &keys, changes).await?
                }
                None => {
                    refresh_slice(
                        conn,
                        program,
                        kind,
                        year,
                        Some(county),
                        parts,
                        AllYears::Now,
                    )
                    .await?
                }
            }
        }
    }
    Ok(())
}

/// Adds a county's difference in a year to its detail and the county's
/// roll-up, then carries it on like a recomputed slice. Every part it
/// changes still counts some record, so no row goes.
async fn add_difference(
    conn: &mut AnyConnection,
    program: &str,
    year: i64,
    county: &str,
    keys: &[&String],
    changes: &BTreeMap<(String, String), (i64, i64)>,
) -> Result<(), StoreError> {
    let rows: Vec<(&(String, String), i64)> = changes
        .iter()
        .filter(|(_, (value, records))| *value != 0 || *records > 0)
        .map(|(at, (value, _))| (at, *value))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let before = county_detail(conn, program, year, county, keys).await?;
    let tuples: Vec<String> = (0..rows.len())
        .map(|i| {
            let at = 4 + 3 * i;
            format!("($1, ${at}, $2, $3, ${}, ${})", at + 1, at + 2)
        })
        .collect();
    let sql = format!(
        "INSERT INTO figure_summary (program_code, part, year, county, source, value) VALUES {} \
         ON CONFLICT (program_code, part, year, county, source) \
         DO UPDATE SET value = figure_summary.value + excluded.value",
        tuples.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.to_string())
        .bind(year)
        .bind(county.to_string());
    for ((part, source), value) in &rows {
        q = q.bind(part.clone()).bind(source.clone()).bind(*value);
    }
    q.execute(&mut *conn).await?;
    let mut by_part: BTreeMap<&String, i64> = BTreeMap::new();
    for ((part, _), value) in &rows {
        let sum = by_part.entry(part).or_default();
        *sum = sum.saturating_add(*value);
    }
    let tuples: Vec<String> = (0..by_part.len())
        .map(|i| {
            let at = 4 + 2 * i;
            format!("($1, ${at}, $2, $3, ${})", at + 1)
        })
        .collect();
    let sql = format!(
        "INSERT INTO figure_county (program_code, part, year, county, value) VALUES {} \
         ON CONFLICT (program_code, part, year, county) \
         DO UPDATE SET value = figure_county.value + excluded.value",
        tuples.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.to_string())
        .bind(year)
        .bind(county.to_string());
    for (part, value) in &by_part {
        q = q.bind((*part).clone()).bind(*value);
    }
    q.execute(&mut *conn).await?;
    let mut after = before.clone();
    for ((part, source), value) in &rows {
        let sum = after.entry((part.clone(), source.clone())).or_default();
        *sum = sum.saturating_add(*value);
    }
    carry_to_county_total(conn, program, year, county, &before, &after).await?;
    carry_to_sources(conn, program, year, &before, &after).await
}

/// The slices of the fund transactions linked to the projects of the
/// touched project slices: they count as their project does, so a
/// project's step moves them too.
async fn linked_slices(
    conn: &mut AnyConnection,
    program: &str,
    touched: &Touched,
) -> Result<Touched, StoreError> {
    let mut linked = Touched::default();
    for (kind, year, county) in &touched.slices {
        if *kind != RecordKind::Project {
            continue;
        }
        // On PostgreSQL each project's transactions are looked up by its
        // code (a lateral subquery the planner may not flatten): with
        // statistics that do not know the program yet (its records written
        // in this very transaction) it joined the other way round, every
        // transaction of the program against every project of the year —
        // 28 s for one year of a national program instead of 16 ms.
        let mut sql = if crate::rows::sequential_params(conn) {
            "SELECT DISTINCT f.year, COALESCE(SUBSTR(f.region_code, 1, 6), '') \
             FROM project p JOIN fund_transaction f \
               ON f.program_code = p.program_code AND f.project_code = p.code \
             WHERE p.program_code = $1 AND p.year = $2"
        } else {
            "SELECT DISTINCT f.year, COALESCE(SUBSTR(f.region_code, 1, 6), '') \
             FROM project p CROSS JOIN LATERAL ( \
               SELECT f.year, f.region_code FROM fund_transaction f \
               WHERE f.program_code = p.program_code AND f.project_code = p.code OFFSET 0) f \
             WHERE p.program_code = $1 AND p.year = $2"
        }
        .to_string();
        if !county.is_empty() {
            sql.push_str(" AND p.region_code >= $3 AND p.region_code < $4");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(*year);
        if !county.is_empty() {
            q = q.bind(county.clone()).bind(prefix_end(county));
        }
        for r in q.fetch_all(&mut *conn).await? {
            let (y, c): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
            linked.add(RecordKind::FundTransaction, Some(y), Some(&c));
        }
    }
    Ok(linked)
}

/// Recomputes every figure of a program.
pub(crate) async fn rebuild_program(
    conn: &mut AnyConnection,
    program: &str,
    defs: &[IndicatorDefinition],
    rule: &CountingRule,
) -> Result<(), StoreError> {
    for table in [
        "figure_summary",
        "figure_county",
        "figure_county_total",
        "figure_county_through",
        "figure_source",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE program_code = $1"
        )))
        .bind(program.to_string())
        .execute(&mut *conn)
        .await?;
    }
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
        let (kept, columns) = parts_of(*kind, defs);
        let parts = Slicing {
            kept: &kept,
            columns: &columns,
            rule,
        };
        for year in &years {
            refresh_slice(conn, program, *kind, *year, None, parts, AllYears::Later).await?;
        }
        if !years.is_empty() {
            let keys: Vec<&String> = kept.iter().map(|k| &k.key).collect();
            remake_all_years(conn, program, &keys).await?;
        }
    }
    Ok(())
}

/// Recomputes every program other than `program` that lists one of
/// `units`, raising its data version: a unit's kind decides the fund source
/// its records count under in every program it serves.
pub(crate) async fn rebuild_sharing(
    conn: &mut AnyConnection,
    program: &str,
    units: &[&str],
) -> Result<(), StoreError> {
    let mut programs = BTreeSet::new();
    for chunk in units.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT program_code FROM program_unit \
             WHERE program_code <> $1 AND unit_code IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program.to_string());
        for u in chunk {
            q = q.bind(u.to_string());
        }
        for r in q.fetch_all(&mut *conn).await? {
            programs.insert(r.try_get::<String, _>(0)?);
        }
    }
    if programs.is_empty() {
        return Ok(());
    }
    let defs = crate::reads::read_indicators(conn).await?;
    for p in programs {
        let rule = crate::standing::counting_rule(conn, &p).await?;
        rebuild_program(conn, &p, &defs, &rule).await?;
        crate::audit::bump(conn, &p).await?;
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
        let rule = crate::standing::counting_rule(conn, &p).await?;
        rebuild_program(conn, &p, &defs, &rule).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_county_range_holds_its_villages_and_nothing_else() {
        assert_eq!(prefix_end("510822"), "510823");
        assert_eq!(prefix_end("510899"), "510900");
        let (lo, hi) = ("510822", prefix_end("510822"));
        for inside in ["510822", "510822101001"] {
            assert!(inside >= lo && inside < hi.as_str());
        }
        for outside in ["510821999999", "510823", "5108"] {
            assert!(!(outside >= lo && outside < hi.as_str()), "{outside}");
        }
    }
}
