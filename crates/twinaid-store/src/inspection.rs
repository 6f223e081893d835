//! Year-end inspections: the recorded draw, each project's inspecting team,
//! findings, rectification answers and closing — each write with its audit event.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

/// One project's inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionRow {
    pub project: String,
    pub inspected_unit: String,
    pub inspector_unit: String,
    pub rating: Option<i64>,
    pub issues: Option<String>,
    /// Fen.
    pub amount_verified: Option<i64>,
    pub rectification_required: bool,
    pub rectification_answer: Option<String>,
    pub closed: bool,
}

impl InspectionRow {
    fn to_json(&self) -> Value {
        json!({
            "project": self.project, "inspected_unit": self.inspected_unit, "inspector_unit": self.inspector_unit,
            "rating": self.rating, "issues": self.issues, "amount_verified": self.amount_verified.map(|f| f as f64 / 100.0),
            "rectification_required": self.rectification_required, "rectification_answer": self.rectification_answer, "closed": self.closed,
        })
    }
}

/// A recorded draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRow {
    pub seed: i64,
    pub drawn_by: String,
    pub drawn_at: String,
}

const COLUMNS: &str = "project_code, inspected_unit, inspector_unit, rating, issues, amount_verified, rectification_required, rectification_answer, closed";

fn row(r: &AnyRow) -> Result<InspectionRow, StoreError> {
    Ok(InspectionRow {
        project: r.try_get(0)?,
        inspected_unit: r.try_get(1)?,
        inspector_unit: r.try_get(2)?,
        rating: r.try_get(3)?,
        issues: r.try_get(4)?,
        amount_verified: r.try_get(5)?,
        rectification_required: r.try_get::<i64, _>(6)? != 0,
        rectification_answer: r.try_get(7)?,
        closed: r.try_get::<i64, _>(8)? != 0,
    })
}

/// A change to one inspection's finding fields.
#[derive(Debug, Clone, Default)]
pub struct FindingChange {
    pub rating: Option<i64>,
    pub issues: Option<String>,
    pub amount_verified: Option<i64>,
    pub rectification_required: Option<bool>,
    pub rectification_answer: Option<String>,
    pub closed: Option<bool>,
}

impl Store {
    /// The draw of a year, if one was made.
    pub async fn inspection_round(
        &self,
        program: &str,
        year: i32,
    ) -> Result<Option<RoundRow>, StoreError> {
        let r = sqlx::query("SELECT seed, drawn_by, drawn_at FROM inspection_round WHERE program_code = $1 AND year = $2")
            .bind(program.to_string())
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(RoundRow {
                seed: r.try_get(0)?,
                drawn_by: r.try_get(1)?,
                drawn_at: r.try_get(2)?,
            })
        })
        .transpose()
    }

    /// Records a draw and its assignments (project, inspected unit, inspector); `false` if the year has one already.
    pub async fn save_draw(
        &self,
        program: &str,
        year: i32,
        seed: i64,
        assignments: &[(String, String, String)],
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists =
            sqlx::query("SELECT 1 FROM inspection_round WHERE program_code = $1 AND year = $2")
                .bind(program.to_string())
                .bind(i64::from(year))
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if exists {
            return Ok(false);
        }
        let at = audit::now();
        sqlx::query("INSERT INTO inspection_round (program_code, year, seed, drawn_by, drawn_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(seed)
            .bind(actor.to_string())
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        for (project, inspected, inspector) in assignments {
            sqlx::query(
                "INSERT INTO inspection (program_code, year, project_code, inspected_unit, inspector_unit, rectification_required, closed) \
                 VALUES ($1, $2, $3, $4, $5, 0, 0)",
            )
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(project.clone())
            .bind(inspected.clone())
            .bind(inspector.clone())
            .execute(&mut *tx)
            .await?;
        }
        let after = json!({ "year": year, "seed": seed, "assignments": assignments.len() });
        let key = year.to_string();
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "draw",
                entity: "inspection_round",
                entity_key: &key,
                program: Some(program),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The inspections of a year, optionally those one unit inspects or undergoes.
    pub async fn inspections(
        &self,
        program: &str,
        year: i32,
        unit: Option<&str>,
    ) -> Result<Vec<InspectionRow>, StoreError> {
        let (filter, bind) = match unit {
            Some(u) => (
                "AND (inspector_unit = $3 OR inspected_unit = $3)",
                Some(u.to_string()),
            ),
            None => ("", None),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM inspection WHERE program_code = $1 AND year = $2 {filter} ORDER BY project_code"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool).await?.iter().map(row).collect()
    }

    /// One project's inspection of a year.
    pub async fn inspection(
        &self,
        program: &str,
        year: i32,
        project: &str,
    ) -> Result<Option<InspectionRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM inspection WHERE program_code = $1 AND year = $2 AND project_code = $3"
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(project.to_string())
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(row).transpose()
    }

    /// Changes a finding and records before and after.
    pub async fn change_inspection(
        &self,
        program: &str,
        year: i32,
        project: &str,
        change: &FindingChange,
        action: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM inspection WHERE program_code = $1 AND year = $2 AND project_code = $3"
        );
        let before = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(project.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(row)
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt(format!("no inspection of {project} in {year}")))?;
        let mut after = before.clone();
        if let Some(v) = change.rating {
            after.rating = Some(v);
        }
        if let Some(v) = &change.issues {
            after.issues = Some(v.clone());
        }
        if let Some(v) = change.amount_verified {
            after.amount_verified = Some(v);
        }
        if let Some(v) = change.rectification_required {
            after.rectification_required = v;
        }
        if let Some(v) = &change.rectification_answer {
            after.rectification_answer = Some(v.clone());
        }
        if let Some(v) = change.closed {
            after.closed = v;
        }
        sqlx::query(
            "UPDATE inspection SET rating = $1, issues = $2, amount_verified = $3, rectification_required = $4, rectification_answer = $5, closed = $6 \
             WHERE program_code = $7 AND year = $8 AND project_code = $9",
        )
        .bind(after.rating)
        .bind(after.issues.clone())
        .bind(after.amount_verified)
        .bind(i64::from(after.rectification_required))
        .bind(after.rectification_answer.clone())
        .bind(i64::from(after.closed))
        .bind(program.to_string())
        .bind(i64::from(year))
        .bind(project.to_string())
        .execute(&mut *tx)
        .await?;
        let (b, a) = (before.to_json(), after.to_json());
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action,
                entity: "inspection",
                entity_key: project,
                program: Some(program),
                before: Some(&b),
                after: Some(&a),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
