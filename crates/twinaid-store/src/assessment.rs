//! Guidance versions, expert assignments and scores, and published assessments.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::Row;

/// One issued version of a guidance or outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidanceRow {
    pub version: i64,
    pub year_from: i32,
    pub year_to: i32,
    /// The structured document as JSON.
    pub body: String,
    pub issued_by: String,
    pub issued_at: String,
}

/// One expert's assignment to score a unit, and the scores once submitted (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertRow {
    pub expert: String,
    pub unit: String,
    pub scores: Option<String>,
    pub submitted_at: Option<String>,
}

fn year(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl Store {
    /// Issues a new version of a guidance; returns its version number.
    pub async fn issue_guidance(
        &self,
        program: &str,
        year_from: i32,
        year_to: i32,
        body: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        let issued = self
            .issue_guidances(&[(program, year_from, year_to, body)], actor)
            .await?;
        Ok(issued.first().copied().unwrap_or_default())
    }

    /// Issues guidance to several programs in one transaction (national
    /// guidance): all get their next version, or none does. Each
    /// (program, first year, last year, body); the versions, in order.
    pub async fn issue_guidances(
        &self,
        guidances: &[(&str, i32, i32, &str)],
        actor: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut versions = Vec::with_capacity(guidances.len());
        for (program, year_from, year_to, body) in guidances {
            versions.push(issue_in(&mut tx, program, (*year_from, *year_to), body, actor).await?);
        }
        tx.commit().await?;
        Ok(versions)
    }

    /// Every version of a program's guidance, newest first.
    pub async fn guidance_versions(&self, program: &str) -> Result<Vec<GuidanceRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, year_from, year_to, body, issued_by, issued_at FROM guidance WHERE program_code = $1 ORDER BY version DESC",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GuidanceRow {
                    version: r.try_get(0)?,
                    year_from: year(r.try_get(1)?),
                    year_to: year(r.try_get(2)?),
                    body: r.try_get(3)?,
                    issued_by: r.try_get(4)?,
                    issued_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The published assessment of a year: (snapshot JSON, by, at).
    pub async fn publication(
        &self,
        program: &str,
        year: i32,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let r = sqlx::query("SELECT snapshot, published_by, published_at FROM assessment_publication WHERE program_code = $1 AND year = $2")
            .bind(program.to_string())
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// The latest year whose assessment is published, if any is.
    pub async fn latest_published_year(&self, program: &str) -> Result<Option<i32>, StoreError> {
        let year: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(year) FROM assessment_publication WHERE program_code = $1",
        )
        .bind(program.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(year.and_then(|y| i32::try_from(y).ok()))
    }

    /// Publishes a year's assessment; `false` if it was published already.
    pub async fn publish(
        &self,
        program: &str,
        year: i32,
        snapshot: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query(
            "SELECT 1 FROM assessment_publication WHERE program_code = $1 AND year = $2",
        )
        .bind(program.to_string())
        .bind(i64::from(year))
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if exists {
            return Ok(false);
        }
        let at = audit::now();
        sqlx::query("INSERT INTO assessment_publication (program_code, year, snapshot, published_by, published_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(snapshot.to_string())
            .bind(actor.to_string())
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        let after: serde_json::Value =
            serde_json::from_str(snapshot).unwrap_or(serde_json::Value::Null);
        let key = year.to_string();
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "publish",
                entity: "assessment",
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

    /// Assigns an expert to score a unit (nothing happens if already assigned).
    pub async fn assign_expert(
        &self,
        program: &str,
        year: i32,
        expert: &str,
        unit: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 FROM expert_assignment WHERE program_code = $1 AND year = $2 AND expert = $3 AND unit_code = $4")
            .bind(program.to_string())
            .bind(i64::from(year))
            .bind(expert.to_string())
            .bind(unit.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            sqlx::query("INSERT INTO expert_assignment (program_code, year, expert, unit_code) VALUES ($1, $2, $3, $4)")
                .bind(program.to_string())
                .bind(i64::from(year))
                .bind(expert.to_string())
                .bind(unit.to_string())
                .execute(&mut *tx)
                .await?;
            let after = serde_json::json!({"year": year, "expert": expert, "unit": unit});
            let key = format!("{year}/{expert}/{unit}");
            audit::write(
                &mut tx,
                &audit::now(),
                AuditEvent {
                    actor,
                    action: "assign",
                    entity: "expert_assignment",
                    entity_key: &key,
                    program: Some(program),
                    before: None,
                    after: Some(&after),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The expert assignments of a year, of one expert or all.
    pub async fn expert_assignments(
        &self,
        program: &str,
        year: i32,
        expert: Option<&str>,
    ) -> Result<Vec<ExpertRow>, StoreError> {
        let (filter, bind) = match expert {
            Some(e) => ("AND expert = $3", Some(e.to_string())),
            None => ("", None),
        };
        let sql = format!(
            "SELECT expert, unit_code, scores, submitted_at FROM expert_assignment WHERE program_code = $1 AND year = $2 {filter} ORDER BY unit_code, expert"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ExpertRow {
                    expert: r.try_get(0)?,
                    unit: r.try_get(1)?,
                    scores: r.try_get(2)?,
                    submitted_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Submits an expert's scores, once: `false` if they were submitted before (or not assigned).
    pub async fn submit_expert_scores(
        &self,
        program: &str,
        year: i32,
        expert: &str,
        unit: &str,
        scores: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let changed = sqlx::query(
            "UPDATE expert_assignment SET scores = $1, submitted_at = $2 \
             WHERE program_code = $3 AND year = $4 AND expert = $5 AND unit_code = $6 AND submitted_at IS NULL",
        )
        .bind(scores.to_string())
        .bind(at.clone())
        .bind(program.to_string())
        .bind(i64::from(year))
        .bind(expert.to_string())
        .bind(unit.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        let after: serde_json::Value =
            serde_json::from_str(scores).unwrap_or(serde_json::Value::Null);
        let key = format!("{year}/{expert}/{unit}");
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor: expert,
                action: "score",
                entity: "expert_assignment",
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
}

/// One program's next version of its guidance, in the write's transaction,
/// with its counting refreshed and its audit event.
async fn issue_in(
    tx: &mut sqlx::AnyConnection,
    program: &str,
    (year_from, year_to): (i32, i32),
    body: &str,
    actor: &str,
) -> Result<i64, StoreError> {
    audit::lock_version(&mut *tx, program).await?;
    let rule_before = crate::standing::counting_rule(&mut *tx, program).await?;
    let version: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM guidance WHERE program_code = $1")
            .bind(program.to_string())
            .fetch_one(&mut *tx)
            .await?;
    let at = audit::now();
    sqlx::query(
            "INSERT INTO guidance (program_code, version, year_from, year_to, body, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(program.to_string())
        .bind(version)
        .bind(i64::from(year_from))
        .bind(i64::from(year_to))
        .bind(body.to_string())
        .bind(actor.to_string())
        .bind(at.clone())
        .execute(&mut *tx)
        .await?;
    // Years whose projects now count from another step are counted afresh.
    let rule_after = crate::standing::counting_rule(&mut *tx, program).await?;
    let mut touched = crate::summary::Touched::default();
    for year in rule_before.differs(&rule_after) {
        touched.add(
            twinaid_domain::record::RecordKind::Project,
            Some(i64::from(year)),
            None,
        );
    }
    crate::summary::refresh(&mut *tx, program, &touched).await?;
    let after: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let key = format!("v{version}");
    audit::write(
        &mut *tx,
        &at,
        AuditEvent {
            actor,
            action: "issue",
            entity: "guidance",
            entity_key: &key,
            program: Some(program),
            before: None,
            after: Some(&after),
        },
    )
    .await?;
    Ok(version)
}
