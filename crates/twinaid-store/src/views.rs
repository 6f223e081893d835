//! Saved views of the analysis page: a name and the query that lays the
//! table out, per program, each change with its audit event.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::json;
use sqlx::Row;

/// A view kept by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    /// The analysis page's query string, without the program.
    pub query: String,
    pub saved_by: String,
    pub saved_at: String,
}

impl Store {
    /// The program's saved views, by name.
    pub async fn saved_views(&self, program: &str) -> Result<Vec<SavedView>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, query, saved_by, saved_at FROM saved_view WHERE program_code = $1 ORDER BY name",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SavedView {
                    name: r.try_get(0)?,
                    query: r.try_get(1)?,
                    saved_by: r.try_get(2)?,
                    saved_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Keeps a view under a name, replacing one of the same name.
    pub async fn save_view(
        &self,
        program: &str,
        name: &str,
        query: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT query FROM saved_view WHERE program_code = $1 AND name = $2",
        )
        .bind(program.to_string())
        .bind(name.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let at = audit::now();
        sqlx::query("DELETE FROM saved_view WHERE program_code = $1 AND name = $2")
            .bind(program.to_string())
            .bind(name.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO saved_view (program_code, name, query, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(program.to_string())
        .bind(name.to_string())
        .bind(query.to_string())
        .bind(actor.to_string())
        .bind(at.clone())
        .execute(&mut *tx)
        .await?;
        let before = before.map(|q| json!({ "query": q }));
        let after = json!({ "query": query });
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: if before.is_some() { "update" } else { "create" },
                entity: "saved_view",
                entity_key: name,
                program: Some(program),
                before: before.as_ref(),
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets a saved view; `false` if there was none of that name.
    pub async fn delete_view(
        &self,
        program: &str,
        name: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT query FROM saved_view WHERE program_code = $1 AND name = $2",
        )
        .bind(program.to_string())
        .bind(name.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM saved_view WHERE program_code = $1 AND name = $2")
            .bind(program.to_string())
            .bind(name.to_string())
            .execute(&mut *tx)
            .await?;
        let before = json!({ "query": before });
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: "delete",
                entity: "saved_view",
                entity_key: name,
                program: Some(program),
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
