//! The office's table of aid sectors → project categories, per program,
//! each change with its audit event.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::json;
use twinaid_domain::sector::SectorCategory;

impl Store {
    /// The program's rows, by sector code.
    pub async fn sector_categories(
        &self,
        program: &str,
    ) -> Result<Vec<SectorCategory>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT sector, category FROM sector_category WHERE program_code = $1 ORDER BY sector",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(sector, category)| SectorCategory { sector, category })
            .collect())
    }

    /// Keeps a row (replacing the sector's), or with `None` removes the
    /// sector's row, in one transaction with its audit event. Whether
    /// anything changed.
    pub async fn put_sector_category(
        &self,
        program: &str,
        sector: &str,
        category: Option<&str>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT category FROM sector_category WHERE program_code = $1 AND sector = $2",
        )
        .bind(program.to_string())
        .bind(sector.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if before.as_deref() == category {
            return Ok(false);
        }
        match category {
            // One statement either way: two offices saving the same sector
            // at once update it, never collide on its key.
            Some(category) => {
                sqlx::query(
                    "INSERT INTO sector_category (program_code, sector, category) VALUES ($1, $2, $3) \
                     ON CONFLICT (program_code, sector) DO UPDATE SET category = excluded.category",
                )
                .bind(program.to_string())
                .bind(sector.to_string())
                .bind(category.to_string())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM sector_category WHERE program_code = $1 AND sector = $2")
                    .bind(program.to_string())
                    .bind(sector.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let before = before.map(|c| json!({ "category": c }));
        let after = category.map(|c| json!({ "category": c }));
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: match (&before, &after) {
                    (None, _) => "create",
                    (_, None) => "delete",
                    _ => "update",
                },
                entity: "sector_category",
                entity_key: sector,
                program: Some(program),
                before: before.as_ref(),
                after: after.as_ref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
