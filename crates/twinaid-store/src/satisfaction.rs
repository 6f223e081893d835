//! The paired side's satisfaction ratings of helper units.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::Row;

/// One helped county's rating of a helper unit for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatisfactionRow {
    pub unit: String,
    pub region: String,
    /// 0–100.
    pub rating: i64,
    pub comment: Option<String>,
    pub rated_by: String,
    pub rated_at: String,
}

impl Store {
    /// Records a county's rating of a unit, replacing its earlier rating of the
    /// same year; the time is the store's (the row's `rated_at` is ignored).
    pub async fn rate_satisfaction(
        &self,
        program: &str,
        year: i32,
        row: &SatisfactionRow,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let before = sqlx::query(
            "SELECT rating, comment FROM satisfaction WHERE program_code = $1 AND year = $2 AND unit_code = $3 AND region_code = $4",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .bind(row.unit.clone())
        .bind(row.region.clone())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<serde_json::Value, StoreError> {
            let rating: i64 = r.try_get(0)?;
            let comment: Option<String> = r.try_get(1)?;
            Ok(serde_json::json!({"rating": rating, "comment": comment}))
        })
        .transpose()?;
        sqlx::query(
            "DELETE FROM satisfaction WHERE program_code = $1 AND year = $2 AND unit_code = $3 AND region_code = $4",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .bind(row.unit.clone())
        .bind(row.region.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO satisfaction (program_code, year, unit_code, region_code, rating, comment, rated_by, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .bind(row.unit.clone())
        .bind(row.region.clone())
        .bind(row.rating)
        .bind(row.comment.clone())
        .bind(row.rated_by.clone())
        .bind(at.clone())
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({"rating": row.rating, "comment": row.comment});
        let key = format!("{year}/{}/{}", row.region, row.unit);
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor: &row.rated_by,
                action: if before.is_some() { "update" } else { "rate" },
                entity: "satisfaction",
                entity_key: &key,
                program: Some(program),
                before: before.as_ref(),
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The satisfaction ratings of a year, by unit then county.
    pub async fn satisfaction(
        &self,
        program: &str,
        year: i32,
    ) -> Result<Vec<SatisfactionRow>, StoreError> {
        sqlx::query(
            "SELECT unit_code, region_code, rating, comment, rated_by, rated_at FROM satisfaction WHERE program_code = $1 AND year = $2 ORDER BY unit_code, region_code",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SatisfactionRow {
                unit: r.try_get(0)?,
                region: r.try_get(1)?,
                rating: r.try_get(2)?,
                comment: r.try_get(3)?,
                rated_by: r.try_get(4)?,
                rated_at: r.try_get(5)?,
            })
        })
        .collect()
    }
}
