//! Writing audit events inside the transaction of the change they record.

use crate::StoreError;
use serde_json::Value;
use sqlx::AnyConnection;

/// One change to record: who did what to which entity, before and after.
pub(crate) struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_key: &'a str,
    pub program: Option<&'a str>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// The current time as RFC 3339 in UTC, as audit rows keep it.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Writes audit events of one moment, many to a statement.
pub(crate) async fn write_many<'e>(
    conn: &mut AnyConnection,
    at: &str,
    events: impl Iterator<Item = AuditEvent<'e>>,
) -> Result<(), StoreError> {
    let events: Vec<AuditEvent<'e>> = events.collect();
    for chunk in events.chunks(25) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=8).map(|i| format!("${}", r * 8 + i)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_event (at, actor, action, entity, entity_key, program_code, before_json, after_json) VALUES {}",
            tuples.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for event in chunk {
            q = q
                .bind(at.to_string())
                .bind(event.actor.to_string())
                .bind(event.action.to_string())
                .bind(event.entity.to_string())
                .bind(event.entity_key.to_string())
                .bind(event.program.filter(|p| !p.is_empty()).map(str::to_string))
                .bind(event.before.map(Value::to_string))
                .bind(event.after.map(Value::to_string));
        }
        q.execute(&mut *conn).await?;
    }
    let mut programs: Vec<&str> = events.iter().map(|e| e.program.unwrap_or("")).collect();
    programs.sort_unstable();
    programs.dedup();
    for p in programs {
        bump(conn, p).await?;
    }
    Ok(())
}

/// Raises the shared data version, for a change made under one program to
/// what every program reads (a region's names).
pub(crate) async fn bump_shared(conn: &mut AnyConnection) -> Result<(), StoreError> {
    bump(conn, "").await
}

/// Raises the data version of a program ("" for what all programs share),
/// in the transaction of the change: caches keyed by it then miss.
async fn bump(conn: &mut AnyConnection, program: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO data_version (program_code, version) VALUES ($1, 1) \
         ON CONFLICT (program_code) DO UPDATE SET version = data_version.version + 1",
    )
    .bind(program.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes one audit event on the transaction's connection.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    at: &str,
    event: AuditEvent<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_event (at, actor, action, entity, entity_key, program_code, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(at.to_string())
    .bind(event.actor.to_string())
    .bind(event.action.to_string())
    .bind(event.entity.to_string())
    .bind(event.entity_key.to_string())
    .bind(event.program.filter(|p| !p.is_empty()).map(str::to_string))
    .bind(event.before.map(Value::to_string))
    .bind(event.after.map(Value::to_string))
    .execute(&mut *conn)
    .await?;
    bump(conn, event.program.unwrap_or("")).await
}
