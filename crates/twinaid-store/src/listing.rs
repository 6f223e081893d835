//! Lists of records with filters, search, sorting, paging and the totals of
//! the filtered rows, built from the record specs: field names never come
//! from input, only values do, and those are bound.

use crate::rows::{AnyQuery, columns, read_record};
use crate::{Store, StoreError};
use sqlx::Row;
use twinaid_domain::indicator::EMPTY;
use twinaid_domain::lifecycle::{CountingRule, Standing};
use twinaid_domain::record::{FieldType, Record, RecordKind};

/// Which records of a kind to list.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    /// Equality filters: a spec field and the values it may have.
    pub equals: Vec<(String, Vec<String>)>,
    /// Only records whose helper unit is of one of these unit kinds.
    pub helper_unit_kinds: Option<Vec<String>>,
    /// Years from and to, inclusive.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// A region and every place inside it (a county and its townships and villages).
    pub region_within: Option<String>,
    /// Records with no region match nothing; this asks for exactly these codes.
    pub region_exact: Option<String>,
    /// Text anywhere in the record's code or text fields.
    pub search: Option<String>,
    /// Only records of this standing in the official figures (kinds
    /// without a lifecycle: every record is counted).
    pub standing: Option<Standing>,
    /// A spec field to sort by, descending if true.
    pub sort: Option<(String, bool)>,
    /// Whether the sort field is an added field holding numbers (compared
    /// as numbers, not as text).
    pub sort_numeric: bool,
    pub offset: i64,
    pub limit: i64,
    /// A field whose different values the totals also count (the records
    /// behind a distinct-count figure).
    pub distinct: Option<String>,
    /// An added number field the totals also sum (the records behind a
    /// figure that sums it).
    pub sum_added: Option<String>,
}

/// The count and sums over every row a list's filters keep.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTotals {
    pub total_rows: i64,
    pub sums: Vec<(&'static str, i64)>,
    pub by_currency: Vec<CurrencySum>,
    /// How many different values the query's `distinct` field takes.
    pub distinct: Option<i64>,
    /// The sum of the query's `sum_added` field.
    pub sum_added: Option<i64>,
}

/// The money of the filtered rows given in one other currency: how many
/// rows, their original amounts (hundredths of the currency), the yuan they
/// count (fen) and how many have no yuan yet for want of a rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencySum {
    pub currency: String,
    pub rows: i64,
    pub original: i64,
    pub yuan: i64,
    pub unconverted: i64,
}

/// One page of records and the totals over every row the filters keep.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPage {
    pub records: Vec<Record>,
    pub total_rows: i64,
    /// The sum of each number field (money, km, counts) over all filtered rows.
    pub sums: Vec<(&'static str, i64)>,
    /// The original currencies behind the money of all filtered rows (a
    /// kind with a currency: fund transactions), one line each but yuan.
    pub by_currency: Vec<CurrencySum>,
    /// How many different values the query's `distinct` field takes.
    pub distinct: Option<i64>,
    /// The sum of the query's `sum_added` field.
    pub sum_added: Option<i64>,
}

fn field_exists(kind: RecordKind, name: &str) -> Result<&'static str, StoreError> {
    kind.field(name)
        .map(|f| f.name)
        .ok_or_else(|| StoreError::Corrupt(format!("{} has no field {name}", kind.code())))
}

/// A value bound to a placeholder.
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Collects bound values; each `push` gives the next placeholder.
#[derive(Default)]
pub(crate) struct Binds(Vec<Bind>);

impl Binds {
    pub(crate) fn push(&mut self, value: Bind) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    /// How many values are bound so far.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn apply<'q>(&self, mut q: AnyQuery<'q>) -> AnyQuery<'q> {
        for b in &self.0 {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// Builds the `WHERE` clause of a query and its bound values.
fn conditions(
    kind: RecordKind,
    program: &str,
    q: &RecordQuery,
    rule: &CountingRule,
) -> Result<(String, Binds), StoreError> {
    let mut b = Binds::default();
    let mut parts = vec![format!(
        "r.program_code = {}",
        b.push(Bind::Text(program.to_string()))
    )];
    if let Some(want) = q.standing {
        match crate::standing::standing_is(kind, rule, want) {
            Some(c) => parts.push(c),
            None if want != Standing::Counted => parts.push("1 = 0".to_string()),
            None => {}
        }
    }
    let in_list = |b: &mut Binds, column: &str, values: Vec<Bind>| -> String {
        let ps: Vec<String> = values.into_iter().map(|v| b.push(v)).collect();
        if ps.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("{column} IN ({})", ps.join(", "))
        }
    };
    for (field, values) in &q.equals {
        let column = crate::figures::field_sql(kind, field, false)?;
        let name = field.as_str();
        let integer = kind.field(name).is_some_and(|f| f.ty.is_integer());
        // The empty value asks for records whose field is empty.
        let wants_empty = values.iter().any(|v| v == EMPTY);
        let mut bound = Vec::new();
        for v in values.iter().filter(|v| *v != EMPTY) {
            bound.push(if integer {
                Bind::Int(
                    v.parse()
                        .map_err(|_| StoreError::Corrupt(format!("{name} = {v}")))?,
                )
            } else {
                Bind::Text(v.clone())
            });
        }
        parts.push(match (bound.is_empty(), wants_empty) {
            (true, true) => format!("{column} IS NULL"),
            (false, true) => format!("({column} IS NULL OR {})", in_list(&mut b, &column, bound)),
            _ => in_list(&mut b, &column, bound),
        });
    }
    if let Some(kinds) = &q.helper_unit_kinds {
        let inner = in_list(
            &mut b,
            "kind",
            kinds.iter().map(|k| Bind::Text(k.clone())).collect(),
        );
        parts.push(format!(
            "r.helper_unit IN (SELECT code FROM unit WHERE {inner})"
        ));
    }
    if kind.is_yearly() {
        match (q.year_from, q.year_to) {
            // One year is an equality, so an index on (program, year, code) gives the page in order.
            (Some(from), Some(to)) if from == to => {
                parts.push(format!("r.year = {}", b.push(Bind::Int(i64::from(from)))));
            }
            (from, to) => {
                if let Some(y) = from {
                    parts.push(format!("r.year >= {}", b.push(Bind::Int(i64::from(y)))));
                }
                if let Some(y) = to {
                    parts.push(format!("r.year <= {}", b.push(Bind::Int(i64::from(y)))));
                }
            }
        }
    }
    let region_column = if kind.is_yearly() {
        "r.region_code"
    } else {
        "r.helped_region"
    };
    if let Some(region) = &q.region_within {
        let exact = b.push(Bind::Text(region.clone()));
        let like = b.push(Bind::Text(format!("{region}%")));
        // Townships and villages (9 and 12 digits) lie inside their county.
        parts.push(format!(
            "({region_column} = {exact} OR ({region_column} LIKE {like} AND LENGTH({region_column}) > 6))"
        ));
    }
    if let Some(region) = &q.region_exact {
        parts.push(format!(
            "{region_column} = {}",
            b.push(Bind::Text(region.clone()))
        ));
    }
    if let Some(search) = q
        .search
        .as_ref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        let p = b.push(Bind::Text(crate::rows::contains_pattern(search)));
        let ors: Vec<String> = kind
            .fields()
            .iter()
            .filter(|f| {
                matches!(
                    f.ty,
                    FieldType::Code | FieldType::Text | FieldType::HelperUnit
                )
            })
            .map(|f| format!("LOWER(COALESCE(r.{}, '')) LIKE {p} ESCAPE '\\'", f.name))
            .collect();
        parts.push(format!("({})", ors.join(" OR ")));
    }
    Ok((parts.join(" AND "), b))
}

impl Store {
    /// A page of records of a kind in a program, with the totals of all filtered rows.
    pub async fn list_records(
        &self,
        program: &str,
        kind: RecordKind,
        q: &RecordQuery,
    ) -> Result<RecordPage, StoreError> {
        let totals = self.list_totals(program, kind, q).await?;
        self.list_page(program, kind, q, totals).await
    }

    /// The count and the sum of each number field over every row the filters keep.
    pub async fn list_totals(
        &self,
        program: &str,
        kind: RecordKind,
        q: &RecordQuery,
    ) -> Result<ListTotals, StoreError> {
        let rule = self.rule_for(program, q).await?;
        let (where_sql, binds) = conditions(kind, program, q, &rule)?;
        let number_fields: Vec<&'static str> = kind
            .fields()
            .iter()
            .filter(|f| {
                matches!(
                    f.ty,
                    FieldType::Money | FieldType::SignedMoney | FieldType::Km | FieldType::Count
                )
            })
            .map(|f| f.name)
            .collect();
        let mut totals_sql = vec!["COUNT(*)".to_string()];
        totals_sql.extend(
            number_fields
                .iter()
                .map(|f| format!("CAST(COALESCE(SUM(r.{f}), 0) AS BIGINT)")),
        );
        let distinct = match &q.distinct {
            Some(field) => Some(crate::figures::field_sql(kind, field, false)?),
            None => None,
        };
        if let Some(column) = &distinct {
            totals_sql.push(format!("CAST(COUNT(DISTINCT {column}) AS BIGINT)"));
        }
        let sum_added = match &q.sum_added {
            Some(field) => Some(crate::figures::field_sql(kind, field, true)?),
            None => None,
        };
        if let Some(column) = &sum_added {
            totals_sql.push(format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"));
        }
        let sql = format!(
            "SELECT {} FROM {} r WHERE {where_sql}",
            totals_sql.join(", "),
            kind.code()
        );
        let row = binds
            .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await?;
        let total_rows: i64 = row.try_get(0)?;
        let mut sums = Vec::new();
        for (i, f) in number_fields.iter().enumerate() {
            sums.push((*f, row.try_get::<i64, _>(i + 1)?));
        }
        let mut at = number_fields.len() + 1;
        let mut next = |wanted: bool| -> Result<Option<i64>, StoreError> {
            if !wanted {
                return Ok(None);
            }
            let v = row.try_get::<i64, _>(at)?;
            at += 1;
            Ok(Some(v))
        };
        let distinct = next(distinct.is_some())?;
        let sum_added = next(sum_added.is_some())?;
        let mut by_currency = Vec::new();
        if kind.field("currency").is_some() && kind.field("original_amount").is_some() {
            let sql = format!(
                "SELECT r.currency, COUNT(*), CAST(COALESCE(SUM(r.original_amount), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(r.amount), 0) AS BIGINT), \
                 CAST(SUM(CASE WHEN r.amount IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM {} r WHERE {where_sql} AND r.currency IS NOT NULL AND r.currency <> '' \
                 AND r.currency <> 'CNY' GROUP BY r.currency ORDER BY r.currency",
                kind.code()
            );
            for r in binds
                .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&self.pool)
                .await?
            {
                by_currency.push(CurrencySum {
                    currency: r.try_get(0)?,
                    rows: r.try_get(1)?,
                    original: r.try_get(2)?,
                    yuan: r.try_get(3)?,
                    unconverted: r.try_get(4)?,
                });
            }
        }
        Ok(ListTotals {
            total_rows,
            sums,
            by_currency,
            distinct,
            sum_added,
        })
    }

    /// One page of the filtered records, with totals computed before.
    pub async fn list_page(
        &self,
        program: &str,
        kind: RecordKind,
        q: &RecordQuery,
        totals: ListTotals,
    ) -> Result<RecordPage, StoreError> {
        let rule = self.rule_for(program, q).await?;
        let (where_sql, binds) = conditions(kind, program, q, &rule)?;
        let order_by = match &q.sort {
            Some((field, desc)) => format!(
                "{} {}, r.code",
                crate::figures::field_sql(kind, field, q.sort_numeric)?,
                if *desc { "DESC" } else { "ASC" }
            ),
            None if kind.is_yearly() => "r.year DESC, r.code".to_string(),
            None => "r.code".to_string(),
        };
        let cols: Vec<String> = columns(kind)
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} r WHERE {where_sql} ORDER BY {order_by} LIMIT {} OFFSET {}",
            cols.join(", "),
            kind.code(),
            q.limit.clamp(1, 10_000),
            q.offset.max(0)
        );
        let rows = binds
            .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?;
        let records = rows
            .iter()
            .map(|r| read_record(kind, r))
            .collect::<Result<_, _>>()?;
        Ok(RecordPage {
            records,
            total_rows: totals.total_rows,
            sums: totals.sums,
            by_currency: totals.by_currency,
            distinct: totals.distinct,
            sum_added: totals.sum_added,
        })
    }

    /// The counting rule a list needs: only when it asks for a standing.
    async fn rule_for(&self, program: &str, q: &RecordQuery) -> Result<CountingRule, StoreError> {
        match q.standing {
            Some(_) => self.counting_rule(program).await,
            None => Ok(CountingRule::default()),
        }
    }

    /// How many counted records of a kind a program has in a year, per value of a field.
    pub async fn count_by(
        &self,
        program: &str,
        kind: RecordKind,
        field: &str,
        year: i32,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let name = field_exists(kind, field)?;
        let rule = if crate::standing::has_standing(kind) {
            self.counting_rule(program).await?
        } else {
            CountingRule::default()
        };
        let counted = crate::standing::standing_is(kind, &rule, Standing::Counted)
            .map_or(String::new(), |c| format!(" AND {c}"));
        let sql = format!(
            "SELECT r.{name}, COUNT(*) FROM {} r WHERE r.program_code = $1 AND r.year = $2{counted} \
             GROUP BY r.{name} ORDER BY r.{name}",
            kind.code()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
                    r.try_get::<i64, _>(1)?,
                ))
            })
            .collect()
    }

    /// One record by its code.
    pub async fn record(
        &self,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<Option<Record>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE program_code = $1 AND code = $2",
            columns(kind),
            kind.code()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| read_record(kind, r)).transpose()
    }
}

/// One stored aggregate value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    pub indicator: String,
    pub year_from: i32,
    pub year_to: i32,
    pub helper_unit: Option<String>,
    pub region_code: Option<String>,
    /// In the indicator's stored scale.
    pub value: i64,
    pub note: Option<String>,
}

/// Which aggregate values to list.
#[derive(Debug, Clone, Default)]
pub struct AggregateQuery {
    pub indicator: Option<String>,
    /// Spans of exactly this year.
    pub year: Option<i32>,
    /// Spans ending by this year.
    pub year_to: Option<i32>,
    /// `Some(None)` asks for values with no region; `Some(Some(code))` for a region and the places in it.
    pub region: Option<Option<String>>,
    /// `Some(None)` asks for values whose source is not recorded.
    pub helper_unit_kinds: Option<Option<Vec<String>>>,
}

/// One stored unit with its side in a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub region_code: Option<String>,
    pub side: String,
}

impl UnitRow {
    /// The unit's name in a language; English falls back to the Chinese name.
    pub fn name(&self, lang: twinaid_domain::Lang) -> &str {
        match lang {
            twinaid_domain::Lang::Zh => &self.name_zh,
            twinaid_domain::Lang::En => self.name_en.as_deref().unwrap_or(&self.name_zh),
        }
    }
}

impl Store {
    /// Aggregate values of a program.
    pub async fn aggregate_values(
        &self,
        program: &str,
        q: &AggregateQuery,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        let mut b = Binds::default();
        let mut parts = vec![format!(
            "a.program_code = {}",
            b.push(Bind::Text(program.to_string()))
        )];
        if let Some(i) = &q.indicator {
            parts.push(format!("a.indicator = {}", b.push(Bind::Text(i.clone()))));
        }
        if let Some(y) = q.year {
            let p = b.push(Bind::Int(i64::from(y)));
            parts.push(format!("a.year_from = {p} AND a.year_to = {p}"));
        }
        if let Some(y) = q.year_to {
            parts.push(format!("a.year_to <= {}", b.push(Bind::Int(i64::from(y)))));
        }
        match &q.region {
            None => {}
            Some(None) => parts.push("a.region_code IS NULL".to_string()),
            Some(Some(r)) => {
                let exact = b.push(Bind::Text(r.clone()));
                let like = b.push(Bind::Text(format!("{r}%")));
                parts.push(format!("(a.region_code = {exact} OR (a.region_code LIKE {like} AND LENGTH(a.region_code) > 6))"));
            }
        }
        match &q.helper_unit_kinds {
            None => {}
            Some(None) => parts.push(
                "(a.helper_unit IS NULL OR a.helper_unit NOT IN (SELECT code FROM unit))"
                    .to_string(),
            ),
            Some(Some(kinds)) => {
                let ps: Vec<String> = kinds
                    .iter()
                    .map(|k| b.push(Bind::Text(k.clone())))
                    .collect();
                let list = if ps.is_empty() {
                    "NULL".to_string()
                } else {
                    ps.join(", ")
                };
                parts.push(format!(
                    "a.helper_unit IN (SELECT code FROM unit WHERE kind IN ({list}))"
                ));
            }
        }
        let sql = format!(
            "SELECT a.indicator, a.year_from, a.year_to, a.helper_unit, a.region_code, a.value, a.note \
             FROM aggregate_value a WHERE {} ORDER BY a.indicator, a.year_from, a.year_to, a.value_key",
            parts.join(" AND ")
        );
        let rows = b
            .apply(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?;
        let year = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
        rows.iter()
            .map(|r| {
                Ok(AggregateRow {
                    indicator: r.try_get(0)?,
                    year_from: year(r.try_get(1)?),
                    year_to: year(r.try_get(2)?),
                    helper_unit: r.try_get(3)?,
                    region_code: r.try_get(4)?,
                    value: r.try_get(5)?,
                    note: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// The units taking part in a program.
    pub async fn units(&self, program: &str) -> Result<Vec<UnitRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.code, u.name_zh, u.name_en, u.kind, u.region_code, pu.side FROM unit u \
             JOIN program_unit pu ON pu.unit_code = u.code WHERE pu.program_code = $1 ORDER BY pu.side, u.kind, u.code",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitRow {
                    code: r.try_get(0)?,
                    name_zh: r.try_get(1)?,
                    name_en: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    region_code: r.try_get(4)?,
                    side: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Deletes one record with its audit event; `false` when there was none.
    pub async fn delete_record(
        &self,
        program: &str,
        kind: RecordKind,
        code: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        crate::audit::lock_version(&mut tx, program).await?;
        let sql = format!(
            "SELECT {} FROM {} WHERE program_code = $1 AND code = $2",
            columns(kind),
            kind.code()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(code.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let record = read_record(kind, &row)?;
        let before = record.to_json();
        let mut touched = crate::summary::Touched::default();
        touched.add(
            kind,
            record.year().map(i64::from),
            record.get("region_code").as_text(),
        );
        let sql = format!(
            "DELETE FROM {} WHERE program_code = $1 AND code = $2",
            kind.code()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(code.to_string())
            .execute(&mut *tx)
            .await?;
        crate::summary::refresh(&mut tx, program, &touched).await?;
        // The audit event last: its chain's head is held only to the commit.
        crate::audit::write(
            &mut tx,
            &crate::audit::now(),
            crate::audit::AuditEvent {
                actor,
                action: "delete",
                entity: kind.code(),
                entity_key: code,
                program: Some(program),
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many records of other kinds refer to this one (a project's fund transactions, a park's enterprises).
    pub async fn references_to(
        &self,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<i64, StoreError> {
        let mut total = 0;
        for other in RecordKind::ALL {
            for f in other.fields() {
                if f.ty == FieldType::Ref(kind) {
                    let sql = format!(
                        "SELECT COUNT(*) FROM {} WHERE program_code = $1 AND {} = $2",
                        other.code(),
                        f.name
                    );
                    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(program.to_string())
                        .bind(code.to_string())
                        .fetch_one(&self.pool)
                        .await?;
                    total += n;
                }
            }
        }
        Ok(total)
    }
}
