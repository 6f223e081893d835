//! Files attached to inspection findings: photos and documents.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::Row;

/// An attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: i64,
    pub year: i32,
    pub project: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes, so a copy can be checked against the original.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub year: i32,
    pub project: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
}

const COLUMNS: &str =
    "id, year, project_code, filename, content_type, size, sha256, uploaded_by, uploaded_at";

fn read(r: &sqlx::any::AnyRow) -> Result<AttachmentRow, StoreError> {
    let year: i64 = r.try_get(1)?;
    Ok(AttachmentRow {
        id: r.try_get(0)?,
        year: i32::try_from(year).unwrap_or(i32::MAX),
        project: r.try_get(2)?,
        filename: r.try_get(3)?,
        content_type: r.try_get(4)?,
        size: r.try_get(5)?,
        sha256: r.try_get(6)?,
        uploaded_by: r.try_get(7)?,
        uploaded_at: r.try_get(8)?,
    })
}

impl Store {
    /// Stores an attachment of an inspection; returns its id.
    pub async fn add_attachment(
        &self,
        program: &str,
        file: &NewAttachment<'_>,
        actor: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let size = i64::try_from(file.data.len()).unwrap_or(i64::MAX);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachment (program_code, year, project_code, filename, content_type, size, sha256, data, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(program.to_string())
        .bind(i64::from(file.year))
        .bind(file.project.to_string())
        .bind(file.filename.to_string())
        .bind(file.content_type.to_string())
        .bind(size)
        .bind(file.sha256.to_string())
        .bind(file.data.to_vec())
        .bind(actor.to_string())
        .bind(at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "project": file.project, "year": file.year, "filename": file.filename,
            "content_type": file.content_type, "size": size, "sha256": file.sha256,
        });
        let key = format!("{}/{}/{id}", file.year, file.project);
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "attach",
                entity: "inspection",
                entity_key: &key,
                program: Some(program),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The attachments of a year's inspections, oldest first.
    pub async fn attachments(
        &self,
        program: &str,
        year: i32,
    ) -> Result<Vec<AttachmentRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachment WHERE program_code = $1 AND year = $2 ORDER BY id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(read)
            .collect()
    }

    /// One attachment with its bytes.
    pub async fn attachment(
        &self,
        program: &str,
        id: i64,
    ) -> Result<Option<(AttachmentRow, Vec<u8>)>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS}, data FROM attachment WHERE program_code = $1 AND id = $2");
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.to_string())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((read(&r)?, r.try_get(9)?)))
    }
}
