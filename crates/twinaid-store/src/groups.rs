//! Program groups and their members, each change with its audit event.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::json;
use sqlx::Row;
use twinaid_domain::group::ProgramGroup;

impl Store {
    /// Every group with its members in the group's order, by code.
    pub async fn groups(&self) -> Result<Vec<ProgramGroup>, StoreError> {
        let groups: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name_zh, name_en FROM program_group ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        let members = sqlx::query(
            "SELECT group_code, program_code FROM program_group_member ORDER BY group_code, position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ProgramGroup> = groups
            .into_iter()
            .map(|(code, name_zh, name_en)| ProgramGroup {
                code,
                name_zh,
                name_en,
                programs: Vec::new(),
            })
            .collect();
        for row in members {
            let group: String = row.try_get(0)?;
            if let Some(g) = out.iter_mut().find(|g| g.code == group) {
                g.programs.push(row.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// One group, if there is one of that code.
    pub async fn group(&self, code: &str) -> Result<Option<ProgramGroup>, StoreError> {
        Ok(self.groups().await?.into_iter().find(|g| g.code == code))
    }

    /// Keeps a group as given (its names and exactly its members), in one
    /// transaction with its audit event; whether anything changed. The
    /// members must be programs of the installation.
    pub async fn put_group(&self, group: &ProgramGroup, actor: &str) -> Result<bool, StoreError> {
        // Read before the write's connection is taken: the pool may have only one.
        let before = self.group(&group.code).await?;
        if before.as_ref() == Some(group) {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        // What all programs share: every kept group report is made again.
        audit::lock_version(&mut tx, "").await?;
        sqlx::query(
            "INSERT INTO program_group (code, name_zh, name_en) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en",
        )
        .bind(group.code.clone())
        .bind(group.name_zh.clone())
        .bind(group.name_en.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM program_group_member WHERE group_code = $1")
            .bind(group.code.clone())
            .execute(&mut *tx)
            .await?;
        for (position, program) in group.programs.iter().enumerate() {
            sqlx::query(
                "INSERT INTO program_group_member (group_code, program_code, position) VALUES ($1, $2, $3)",
            )
            .bind(group.code.clone())
            .bind(program.clone())
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        let as_json = |g: &ProgramGroup| json!({ "name_zh": g.name_zh, "name_en": g.name_en, "programs": g.programs });
        let before = before.as_ref().map(as_json);
        let after = as_json(group);
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: if before.is_none() { "create" } else { "update" },
                entity: "program_group",
                entity_key: &group.code,
                program: None,
                before: before.as_ref(),
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The users whose role is kept to a group.
    pub async fn group_users(&self, code: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT username FROM app_user WHERE role = 'national_office' AND scope = $1 ORDER BY username",
        )
        .bind(code.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes a group (its programs stay), with its audit event; whether
    /// there was one.
    pub async fn delete_group(&self, code: &str, actor: &str) -> Result<bool, StoreError> {
        let Some(before) = self.group(code).await? else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        // Kept group reports go with it.
        audit::lock_version(&mut tx, "").await?;
        sqlx::query("DELETE FROM program_group_member WHERE group_code = $1")
            .bind(code.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM program_group WHERE code = $1")
            .bind(code.to_string())
            .execute(&mut *tx)
            .await?;
        let before = json!({ "name_zh": before.name_zh, "name_en": before.name_en, "programs": before.programs });
        audit::write(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: "delete",
                entity: "program_group",
                entity_key: code,
                program: None,
                before: Some(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every program's data version, and the shared one, in one read: a
    /// group's figures are current while its members' and the shared
    /// version all hold.
    pub async fn data_versions(
        &self,
    ) -> Result<(std::collections::HashMap<String, i64>, i64), StoreError> {
        let rows = sqlx::query("SELECT program_code, version FROM data_version")
            .fetch_all(&self.pool)
            .await?;
        let (mut programs, mut shared) = (std::collections::HashMap::new(), 0);
        for r in rows {
            let code: String = r.try_get(0)?;
            let v: i64 = r.try_get(1)?;
            if code.is_empty() {
                shared = v;
            } else {
                programs.insert(code, v);
            }
        }
        Ok((programs, shared))
    }
}
