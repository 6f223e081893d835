//! Copying a whole database to another, SQLite or PostgreSQL, for backups,
//! restores and moving house: every table in one read snapshot of the source
//! and one transaction on the destination, then counts and totals compared.

use crate::{Engine, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Every table, in an order where a row's references are copied before it.
/// A test checks that this list and the migrations agree.
pub const TABLES: &[&str] = &[
    "program",
    "program_group",
    "program_group_member",
    "region",
    "program_region",
    "designation",
    "unit",
    "program_unit",
    "indicator",
    "choice_value",
    "custom_field",
    "custom_kind",
    "pairing",
    "project",
    "fund_transaction",
    "cooperation_agreement",
    "industrial_park",
    "park_enterprise",
    "training",
    "labour_transfer",
    "cadre_exchange",
    "student_aid",
    "exchange_visit",
    "custom_record",
    "aggregate_value",
    "plan_target",
    "figure_summary",
    "figure_county",
    "figure_county_total",
    "figure_county_through",
    "figure_source",
    "data_version",
    "audit_event",
    "audit_chain",
    "app_user",
    "user_session",
    "signin_attempt",
    "api_token",
    "project_transition",
    "inspection_round",
    "inspection",
    "guidance",
    "assessment_publication",
    "expert_assignment",
    "annual_plan",
    "plan_revision",
    "satisfaction",
    "attachment",
    "saved_view",
    "exchange_rate",
    "sector_category",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    Blob,
}

/// One table as copied: rows and the sum of its integer columns on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: i64,
    /// The sum of every integer column but ids, on the source and on the destination.
    pub totals: (i128, i128),
    pub rows_there: i64,
}

impl TableCopy {
    pub fn matches(&self) -> bool {
        self.rows == self.rows_there && self.totals.0 == self.totals.1
    }
}

/// Why a copy was not made.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("destination not empty: table {table} has {rows} rows")]
    NotEmpty { table: &'static str, rows: i64 },
    #[error("copy differs from the source in table {0}")]
    Differs(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> CopyError {
        CopyError::Store(StoreError::from(e))
    }
}

pub(crate) async fn columns(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
) -> Result<Vec<(String, Kind)>, StoreError> {
    let sql = match engine {
        Engine::Sqlite => "SELECT name, type FROM pragma_table_info($1)",
        Engine::Postgres => {
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql)
        .bind(table.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0)?;
            let ty: String = r.try_get::<String, _>(1)?.to_ascii_lowercase();
            let kind = if ty.contains("int") {
                Kind::Int
            } else if ty.contains("blob") || ty.contains("bytea") {
                Kind::Blob
            } else {
                Kind::Text
            };
            Ok((name, kind))
        })
        .collect()
}

/// Rows and the sum of the integer columns (ids left out: they are kept as
/// they are, but their sum says nothing about the data).
async fn tally(
    conn: &mut AnyConnection,
    table: &str,
    cols: &[(String, Kind)],
) -> Result<(i64, i128), StoreError> {
    let sums: Vec<String> = cols
        .iter()
        .filter(|(n, k)| *k == Kind::Int && n != "id")
        .map(|(n, _)| format!("CAST(COALESCE(SUM({n}), 0) AS BIGINT)"))
        .collect();
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT){}{} FROM {table}",
        if sums.is_empty() { "" } else { ", " },
        sums.join(", ")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let count: i64 = row.try_get(0)?;
    let mut total: i128 = 0;
    for i in 1..=sums.len() {
        total += i128::from(row.try_get::<i64, _>(i)?);
    }
    Ok((count, total))
}

type Value = (Option<i64>, Option<String>, Option<Vec<u8>>);

fn read(row: &AnyRow, cols: &[(String, Kind)]) -> Result<Vec<Value>, StoreError> {
    cols.iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Kind::Int => (row.try_get::<Option<i64>, _>(i)?, None, None),
                Kind::Text => (None, row.try_get::<Option<String>, _>(i)?, None),
                Kind::Blob => (None, None, row.try_get::<Option<Vec<u8>>, _>(i)?),
            })
        })
        .collect()
}

async fn insert(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    cols: &[(String, Kind)],
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let tuples = crate::rows::value_tuples(engine == Engine::Sqlite, rows.len(), cols.len());
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    // Ids are kept, so references and the order of the audit log survive the move.
    let overriding = if engine == Engine::Postgres && names.contains(&"id") {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO {table} ({}){overriding} VALUES {}",
        names.join(", "),
        tuples
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for ((_, kind), (int, text, blob)) in cols.iter().zip(row) {
            q = match kind {
                Kind::Int => q.bind(*int),
                Kind::Text => q.bind(text.clone()),
                Kind::Blob => q.bind(blob.clone()),
            };
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Copies every row of this database into `to`, which must be empty; all
    /// or nothing. Returns each table's rows and totals on both sides.
    pub async fn copy_to(&self, to: &Store) -> Result<Vec<TableCopy>, CopyError> {
        let mut source = self.pool.begin().await?;
        if self.engine == Engine::Postgres {
            // One snapshot for every table, while the server goes on writing.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *source)
                .await?;
        }
        let mut dest = to.begin_write().await?;
        for table in TABLES {
            let cols = columns(&mut dest, to.engine, table).await?;
            let (rows, _) = tally(&mut dest, table, &cols).await?;
            if rows > 0 {
                return Err(CopyError::NotEmpty { table, rows });
            }
        }
        let batch = crate::load::insert_batch();
        let mut report = Vec::new();
        for table in TABLES {
            let cols = columns(&mut dest, to.engine, table).await?;
            let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
            let order = if names.contains(&"id") {
                " ORDER BY id"
            } else {
                ""
            };
            let sql = format!("SELECT {} FROM {table}{order}", names.join(", "));
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *source)
                .await?;
            let mut pending = Vec::with_capacity(batch);
            for row in &rows {
                pending.push(read(row, &cols)?);
                if pending.len() >= batch {
                    insert(&mut dest, to.engine, table, &cols, &pending).await?;
                    pending.clear();
                }
            }
            insert(&mut dest, to.engine, table, &cols, &pending).await?;
            if to.engine == Engine::Postgres && names.contains(&"id") {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM {table}"
                )))
                .execute(&mut *dest)
                .await?;
            }
            let (rows_here, total_here) = tally(&mut source, table, &cols).await?;
            let (rows_there, total_there) = tally(&mut dest, table, &cols).await?;
            let copy = TableCopy {
                table,
                rows: rows_here,
                totals: (total_here, total_there),
                rows_there,
            };
            if !copy.matches() {
                return Err(CopyError::Differs(table));
            }
            report.push(copy);
        }
        dest.commit().await?;
        source.rollback().await?;
        Ok(report)
    }

    /// Every table's rows and the sum of its integer columns, as a copy
    /// compares them; on SQLite after the file's own integrity check, whose
    /// first complaint is an error.
    pub async fn tally_all(&self) -> Result<Vec<(&'static str, i64, i128)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        if self.engine == Engine::Sqlite {
            let said: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut *conn)
                .await?;
            if said != "ok" {
                return Err(StoreError::Corrupt(format!("integrity check: {said}")));
            }
        }
        let mut out = Vec::new();
        for table in TABLES {
            let cols = columns(&mut conn, self.engine, table).await?;
            let (rows, total) = tally(&mut conn, table, &cols).await?;
            out.push((*table, rows, total));
        }
        Ok(out)
    }

    /// The tables the database has, for checking [`TABLES`] against the migrations.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.engine {
            Engine::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name"
            }
            Engine::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY table_name"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }
}
