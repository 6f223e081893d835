//! The region registry: GB/T 2260 codes and their names over time.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::{AnyConnection, Row};
use twinaid_domain::region::RegionName;

/// Inserts one name of a region.
pub(crate) async fn insert_name(
    conn: &mut AnyConnection,
    n: &RegionName,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO region (code, valid_from, valid_to, name_zh, name_en, level, parent_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(n.code.to_string())
    .bind(i64::from(n.valid_from.unwrap_or(0)))
    .bind(n.valid_to.map(i64::from))
    .bind(n.name_zh.clone())
    .bind(n.name_en.clone())
    .bind(n.code.level().code().to_string())
    .bind(n.code.parent().map(|p| p.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Adds the regions not yet in the registry, leaving names already there
    /// (which a program may have corrected) alone; returns how many were added.
    pub async fn seed_regions(
        &self,
        names: &[RegionName],
        actor: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        audit::lock_version(&mut tx, "").await?;
        let conn: &mut AnyConnection = &mut tx;
        let existing: std::collections::HashSet<String> =
            sqlx::query("SELECT DISTINCT code FROM region")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
        let mut added = 0;
        for n in names.iter().filter(|n| !existing.contains(n.code.as_str())) {
            insert_name(conn, n).await?;
            added += 1;
        }
        if added > 0 {
            let after = serde_json::json!({ "regions_added": added });
            audit::write(
                conn,
                &audit::now(),
                AuditEvent {
                    actor,
                    action: "seed",
                    entity: "region",
                    entity_key: "GB/T 2260",
                    program: None,
                    before: None,
                    after: Some(&after),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }
}
