//! Annual plans: where a helper unit's plan stands, its revisions, and
//! removing a target — each with its audit event.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::json;
use sqlx::Row;

/// Where a plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub status: String,
    pub revision: i64,
    pub comment: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
}

impl Store {
    /// A unit's plan for a year, if it was ever submitted or changed state.
    pub async fn plan(
        &self,
        program: &str,
        unit: &str,
        year: i32,
    ) -> Result<Option<PlanRow>, StoreError> {
        let r = sqlx::query("SELECT status, revision, comment, updated_by, updated_at FROM annual_plan WHERE program_code = $1 AND unit_code = $2 AND year = $3")
            .bind(program.to_string())
            .bind(unit.to_string())
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(PlanRow {
                status: r.try_get(0)?,
                revision: r.try_get(1)?,
                comment: r.try_get(2)?,
                updated_by: r.try_get(3)?,
                updated_at: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Moves a plan to a status (creating its row), recording the step; with
    /// `revision`, the approved targets are kept with the reason first.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_plan_status(
        &self,
        program: &str,
        unit: &str,
        year: i32,
        from: Option<&str>,
        to: &str,
        revision: i64,
        comment: Option<&str>,
        keep_approved: bool,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let current: Option<String> = sqlx::query_scalar("SELECT status FROM annual_plan WHERE program_code = $1 AND unit_code = $2 AND year = $3")
            .bind(program.to_string())
            .bind(unit.to_string())
            .bind(i64::from(year))
            .fetch_optional(&mut *tx)
            .await?;
        if current.as_deref() != from {
            return Ok(false);
        }
        let at = audit::now();
        if keep_approved {
            let rows = sqlx::query("SELECT indicator, region_code, target FROM plan_target WHERE program_code = $1 AND helper_unit = $2 AND year = $3 ORDER BY target_key")
                .bind(program.to_string())
                .bind(unit.to_string())
                .bind(i64::from(year))
                .fetch_all(&mut *tx)
                .await?;
            let mut targets = Vec::new();
            for r in &rows {
                targets.push(json!({"indicator": r.try_get::<String, _>(0)?, "region_code": r.try_get::<Option<String>, _>(1)?, "target": r.try_get::<i64, _>(2)?}));
            }
            sqlx::query(
                "INSERT INTO plan_revision (program_code, unit_code, year, revision, approved_targets, reason, revised_by, revised_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(program.to_string())
            .bind(unit.to_string())
            .bind(i64::from(year))
            .bind(revision - 1)
            .bind(serde_json::Value::from(targets).to_string())
            .bind(comment.unwrap_or_default().to_string())
            .bind(actor.to_string())
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        }
        if current.is_some() {
            sqlx::query("UPDATE annual_plan SET status = $1, revision = $2, comment = $3, updated_by = $4, updated_at = $5 WHERE program_code = $6 AND unit_code = $7 AND year = $8")
                .bind(to.to_string())
                .bind(revision)
                .bind(comment.map(str::to_string))
                .bind(actor.to_string())
                .bind(at.clone())
                .bind(program.to_string())
                .bind(unit.to_string())
                .bind(i64::from(year))
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("INSERT INTO annual_plan (program_code, unit_code, year, status, revision, comment, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(program.to_string())
                .bind(unit.to_string())
                .bind(i64::from(year))
                .bind(to.to_string())
                .bind(revision)
                .bind(comment.map(str::to_string))
                .bind(actor.to_string())
                .bind(at.clone())
                .execute(&mut *tx)
                .await?;
        }
        let before = json!({ "status": from });
        let after = json!({ "status": to, "revision": revision, "comment": comment });
        let key = format!("{unit}/{year}");
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "plan",
                entity: "annual_plan",
                entity_key: &key,
                program: Some(program),
                before: Some(&before),
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes one plan target by its key, with its audit event; `false` if there was none.
    pub async fn delete_target(
        &self,
        program: &str,
        key: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT helper_unit, year, indicator, region_code, target FROM plan_target WHERE program_code = $1 AND target_key = $2")
            .bind(program.to_string())
            .bind(key.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(r) = row else { return Ok(false) };
        let before = json!({"helper_unit": r.try_get::<String, _>(0)?, "year": r.try_get::<i64, _>(1)?, "indicator": r.try_get::<String, _>(2)?, "region_code": r.try_get::<Option<String>, _>(3)?, "target": r.try_get::<i64, _>(4)?});
        sqlx::query("DELETE FROM plan_target WHERE program_code = $1 AND target_key = $2")
            .bind(program.to_string())
            .bind(key.to_string())
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: "delete",
                entity: "plan_target",
                entity_key: key,
                program: Some(program),
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The revisions of a plan: (revision, reason, by, at, approved targets JSON).
    pub async fn plan_revisions(
        &self,
        program: &str,
        unit: &str,
        year: i32,
    ) -> Result<Vec<(i64, String, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT revision, reason, revised_by, revised_at, approved_targets FROM plan_revision WHERE program_code = $1 AND unit_code = $2 AND year = $3 ORDER BY revision",
        )
        .bind(program.to_string())
        .bind(unit.to_string())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }
}
