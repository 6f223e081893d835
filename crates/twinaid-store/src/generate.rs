//! Writing a synthetic program's records in bulk: many rows to a statement,
//! one transaction and one audit event per kind and year (an event per
//! made-up row would only make the audit log as large as the data), the
//! figure summary refreshed in the same transaction.

use crate::audit::{self, AuditEvent};
use crate::load::insert_batch;
use crate::rows::{AnyQuery, bind_field};
use crate::summary::Touched;
use crate::{Store, StoreError};
use sqlx::Row;
use twinaid_domain::record::{Record, RecordKind};

/// Generated rows to a statement on PostgreSQL, as one JSON parameter.
const JSON_BATCH: usize = 5_000;

impl Store {
    /// Tidies up after a bulk write. On PostgreSQL: the roll-ups, rewritten
    /// year after year while records were added, are compacted (a national
    /// program left its county totals at ten times their size, and every
    /// report reads them whole), then every table is vacuumed so that reads
    /// may come from indexes alone, as they will once autovacuum has been
    /// by (a compacted table has no visibility map: one year of the
    /// cumulative roll-up took 35 ms instead of 19, and a year's projects by
    /// category 9 ms instead of 3.4), and the planner's statistics
    /// refreshed (plans made for empty tables scan whole indexes). SQLite is left as
    /// it is: its statistics (STAT4) make it prepare statements again for
    /// every new value bound, and its plans were no better for them.
    pub async fn tidy_after_bulk_write(&self) -> Result<(), StoreError> {
        if self.engine() == crate::Engine::Postgres {
            sqlx::query(
                "VACUUM FULL figure_summary, figure_county, figure_county_total, figure_county_through, figure_source, data_version",
            )
            .execute(&self.pool)
            .await?;
            sqlx::query("VACUUM ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The kinds and years of a program written by bulk generation (since
    /// the program was last removed, if it was), as (kind code, year).
    pub async fn generated(
        &self,
        program: &str,
    ) -> Result<std::collections::HashSet<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT entity, entity_key FROM audit_event \
             WHERE program_code = $1 AND action = 'generate' AND seq > COALESCE(( \
               SELECT MAX(seq) FROM audit_event \
               WHERE entity = 'program' AND action = 'delete' AND entity_key = $1), 0)",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = std::collections::HashSet::new();
        for r in &rows {
            let kind: String = r.try_get(0)?;
            let year: String = r.try_get(1)?;
            if let Ok(year) = year.parse() {
                out.insert((kind, year));
            }
        }
        Ok(out)
    }

    /// Inserts generated records of one kind and year, which must not exist
    /// yet; `progress` hears how many rows each chunk wrote.
    pub async fn insert_generated(
        &self,
        program: &str,
        kind: RecordKind,
        year: i32,
        chunks: impl Iterator<Item = Vec<Record>>,
        actor: &str,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<usize, StoreError> {
        let fields = kind.fields();
        let width = fields.len() + 1;
        let names: Vec<&str> = std::iter::once("program_code")
            .chain(fields.iter().map(|f| f.name))
            .collect();
        let sequential = self.engine == crate::Engine::Sqlite;
        let sql_for = |rows: usize| {
            format!(
                "INSERT INTO {} ({}) VALUES {}",
                kind.code(),
                names.join(", "),
                crate::rows::value_tuples(sequential, rows, width)
            )
        };
        let batch = insert_batch();
        // The statement for a full batch is made once and prepared once.
        let full = sql_for(batch);
        // On PostgreSQL many rows go as one JSON parameter, taken apart by
        // the server: binding 20 values a row kept a national program's
        // generation near 5,500 rows a second.
        let json_insert = (!sequential).then(|| {
            let columns: Vec<(&str, bool)> = std::iter::once(("program_code", false))
                .chain(fields.iter().map(|f| (f.name, f.ty.is_integer())))
                .collect();
            format!(
                "INSERT INTO {} ({names}) SELECT {names} FROM {}",
                kind.code(),
                crate::rows::json_rows(1, &columns),
                names = names.join(", "),
            )
        });
        let mut tx = self.begin_write().await?;
        audit::lock_version(&mut tx, program).await?;
        let mut written = 0;
        for chunk in chunks {
            if let Some(insert) = &json_insert {
                for rows in chunk.chunks(JSON_BATCH) {
                    let json = crate::rows::rows_json(rows.iter().map(|r| {
                        std::iter::once(crate::rows::JsonCell::Text(program))
                            .chain(r.values.iter().map(Into::into))
                    }));
                    sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                written += chunk.len();
                progress(chunk.len());
                continue;
            }
            for rows in chunk.chunks(batch) {
                let sql = if rows.len() == batch {
                    full.clone()
                } else {
                    sql_for(rows.len())
                };
                let mut q: AnyQuery = sqlx::query(sqlx::AssertSqlSafe(sql));
                for r in rows {
                    q = q.bind(program.to_string());
                    for (spec, v) in fields.iter().zip(&r.values) {
                        q = bind_field(q, spec, v);
                    }
                }
                q.execute(&mut *tx).await?;
            }
            written += chunk.len();
            progress(chunk.len());
        }
        let mut touched = Touched::default();
        // The whole year of the kind.
        touched.add(kind, Some(i64::from(year)), None);
        crate::summary::refresh(&mut tx, program, &touched).await?;
        let after = serde_json::json!({ "year": year, "records": written, "synthetic": true });
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: "generate",
                entity: kind.code(),
                entity_key: &year.to_string(),
                program: Some(program),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(written)
    }
}
