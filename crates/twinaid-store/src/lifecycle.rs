//! Moving a project through its lifecycle, with the step and its audit event
//! in the same transaction as the status change.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::Row;

/// One recorded step of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub at: String,
    pub reason: Option<String>,
}

impl Store {
    /// Moves a project from `from` to `to`; `false` if its status is no longer `from`
    /// (someone else moved it first), in which case nothing is written.
    pub async fn move_project(
        &self,
        program: &str,
        code: &str,
        from: &str,
        to: &str,
        reason: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        audit::lock_version(&mut tx, program).await?;
        let changed = sqlx::query(
            "UPDATE project SET status = $1 WHERE program_code = $2 AND code = $3 AND status = $4",
        )
        .bind(to.to_string())
        .bind(program.to_string())
        .bind(code.to_string())
        .bind(from.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        // An indicator may count projects by status.
        let place = sqlx::query(
            "SELECT year, region_code FROM project WHERE program_code = $1 AND code = $2",
        )
        .bind(program.to_string())
        .bind(code.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let mut touched = crate::summary::Touched::default();
        touched.add(
            twinaid_domain::record::RecordKind::Project,
            place.try_get::<Option<i64>, _>(0)?,
            place.try_get::<Option<String>, _>(1)?.as_deref(),
        );
        crate::summary::refresh(&mut tx, program, &touched).await?;
        let at = audit::now();
        let reason = Some(reason.trim()).filter(|r| !r.is_empty());
        sqlx::query(
            "INSERT INTO project_transition (program_code, project_code, from_status, to_status, actor, at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(program.to_string())
        .bind(code.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(actor.to_string())
        .bind(at.clone())
        .bind(reason.map(str::to_string))
        .execute(&mut *tx)
        .await?;
        let before = serde_json::json!({ "status": from });
        let after = serde_json::json!({ "status": to, "reason": reason });
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "transition",
                entity: "project",
                entity_key: code,
                program: Some(program),
                before: Some(&before),
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A project's recorded steps, oldest first.
    pub async fn transitions(
        &self,
        program: &str,
        code: &str,
    ) -> Result<Vec<Transition>, StoreError> {
        let rows = sqlx::query(
            "SELECT from_status, to_status, actor, at, reason FROM project_transition \
             WHERE program_code = $1 AND project_code = $2 ORDER BY id",
        )
        .bind(program.to_string())
        .bind(code.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Transition {
                    from_status: r.try_get(0)?,
                    to_status: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    at: r.try_get(3)?,
                    reason: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Every plan target of a program for a year: (unit, indicator, county, target in the indicator's stored scale).
    pub async fn plan_targets(
        &self,
        program: &str,
        year: i32,
    ) -> Result<Vec<(String, String, Option<String>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT helper_unit, indicator, region_code, target FROM plan_target WHERE program_code = $1 AND year = $2 \
             ORDER BY helper_unit, indicator, region_code",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// A helper unit's aid-funds plan targets for a year: (county, target in fen).
    pub async fn aid_targets(
        &self,
        program: &str,
        unit: &str,
        year: i32,
    ) -> Result<Vec<(Option<String>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT region_code, target FROM plan_target WHERE program_code = $1 AND helper_unit = $2 AND year = $3 AND indicator = 'aid_funds'",
        )
        .bind(program.to_string())
        .bind(unit.to_string())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
