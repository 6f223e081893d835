//! Removing a whole program: every row of every table that names it, in one
//! transaction, with one audit event that counts what went. The audit log
//! itself keeps every event of the program, and its chain stays whole.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// Tables that name a program but are not its data: the audit log (kept
/// whole for auditors) and the data versions (raised, so every kept report
/// of the program is made afresh).
const KEPT: [&str; 2] = ["audit_event", "data_version"];

impl Store {
    /// Removes the program `code` and every row of it; how many rows each
    /// table lost, or `None` when there is no such program.
    pub async fn delete_program(
        &self,
        code: &str,
        actor: &str,
    ) -> Result<Option<BTreeMap<String, u64>>, StoreError> {
        let mut tx = self.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        audit::lock_version(conn, code).await?;
        let mut removed = BTreeMap::new();
        // Every table with a program_code column, as the schema has it now:
        // a table added later is covered without a change here.
        for table in crate::copy::TABLES {
            if *table == "program" || KEPT.contains(table) {
                continue;
            }
            let columns = crate::copy::columns(conn, self.engine, table).await?;
            if !columns.iter().any(|(name, _)| name == "program_code") {
                continue;
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE program_code = $1"
            )))
            .bind(code.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if rows > 0 {
                removed.insert((*table).to_string(), rows);
            }
        }
        let programs = sqlx::query("DELETE FROM program WHERE code = $1")
            .bind(code.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if programs == 0 {
            // Nothing of a program that does not exist is touched.
            tx.rollback().await?;
            return Ok(None);
        }
        removed.insert("program".to_string(), programs);
        let before = serde_json::json!({ "rows_removed": removed });
        audit::write(
            conn,
            &audit::now(),
            AuditEvent {
                actor,
                action: "delete",
                entity: "program",
                entity_key: code,
                program: Some(code),
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(removed))
    }
}
