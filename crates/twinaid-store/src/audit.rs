//! Writing audit events inside the transaction of the change they record,
//! each chained to the one before it (see `twinaid_domain::audit_chain`).
//!
//! Every write takes its program's data version first (one writer at a time
//! per program, as its figures need) and the chain's one head last, after
//! every row it changes, just before it commits: whoever holds the head
//! waits for no row another writer holds, so concurrent writers on
//! PostgreSQL never wait for each other in a circle, and the head is held
//! for the time of the audit insert and the commit alone.

use crate::StoreError;
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use twinaid_domain::audit_chain::{EventContent, GENESIS, event_hash};

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

/// Writes audit events of one moment, many to a statement, each chained
/// to the one before it, and raises the data version of each program they
/// name.
pub(crate) async fn write_many<'e>(
    conn: &mut AnyConnection,
    at: &str,
    events: impl Iterator<Item = AuditEvent<'e>>,
) -> Result<(), StoreError> {
    let events: Vec<AuditEvent<'e>> = events.collect();
    // Data versions before the chain's head, as every write takes them.
    bump_named(conn, &events).await?;
    insert_chained(conn, at, &events).await
}

/// Takes a program's data version ("" for what all programs share) for the
/// rest of the transaction without raising it: the first step of a write,
/// so writes to one program's records and figures go one at a time, and
/// every writer takes the versions before the chain's head.
pub(crate) async fn lock_version(
    conn: &mut AnyConnection,
    program: &str,
) -> Result<(), StoreError> {
    raise_version(conn, program, 0).await
}

/// Writes an event that changes no data (a sign-in, a sign-out): chained
/// like any other, leaving every data version, and so every kept report, as
/// it is.
pub(crate) async fn write_access(
    conn: &mut AnyConnection,
    at: &str,
    event: AuditEvent<'_>,
) -> Result<(), StoreError> {
    insert_chained(conn, at, &[event]).await
}

async fn insert_chained(
    conn: &mut AnyConnection,
    at: &str,
    events: &[AuditEvent<'_>],
) -> Result<(), StoreError> {
    let texts: Vec<(Option<String>, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                e.before.map(Value::to_string),
                e.after.map(Value::to_string),
            )
        })
        .collect();
    let contents: Vec<EventContent> = events
        .iter()
        .zip(&texts)
        .map(|(event, (before, after))| EventContent {
            seq: 0,
            at,
            actor: event.actor,
            action: event.action,
            entity: event.entity,
            entity_key: event.entity_key,
            program: event.program.filter(|p| !p.is_empty()),
            before: before.as_deref(),
            after: after.as_deref(),
        })
        .collect();
    insert_contents(conn, contents).await
}

/// An event of a long write (a load), kept until the write ends.
pub(crate) struct HeldEvent {
    /// Who did it, when not the log's actor (saves written together).
    pub actor: Option<String>,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Beyond this many held events, a long write stores them as it goes: a
/// load of a million rows holds a chunk of its events, not all of them.
const HELD_AT_MOST: usize = 20_000;

/// The events of a long write by one actor on one program ("" for what all
/// programs share) at one moment, stored chained. While they are few they
/// are held to the end, so the chain's head is locked only for their insert
/// and the commit; once they are many they are stored as they come, the
/// head then locked until the commit. The program's data version is raised
/// once, with the first events stored.
pub(crate) struct EventLog {
    held: Vec<HeldEvent>,
    /// The chain's last place and hash, once events were stored.
    head: Option<(i64, String)>,
    at: String,
    actor: String,
    program: String,
}

impl EventLog {
    /// The events `actor` writes at `at` on `program`.
    pub fn new(at: &str, actor: &str, program: &str) -> EventLog {
        EventLog {
            held: Vec::new(),
            head: None,
            at: at.to_string(),
            actor: actor.to_string(),
            program: program.to_string(),
        }
    }

    pub fn push(&mut self, event: HeldEvent) {
        self.held.push(event);
    }

    /// Takes over the events another log holds, each keeping its actor: saves
    /// written in one transaction are chained once, together. `other` must
    /// not have stored any yet (a few records' events never are before the
    /// end).
    pub fn append(&mut self, other: EventLog) {
        debug_assert!(other.head.is_none(), "a log whose events were stored");
        let actor = other.actor;
        self.held.extend(other.held.into_iter().map(|mut e| {
            e.actor.get_or_insert_with(|| actor.clone());
            e
        }));
    }

    /// Stores the held events if they are many.
    pub async fn spill(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.held.len() < HELD_AT_MOST {
            return Ok(());
        }
        self.store_held(conn).await
    }

    /// Stores what is still held and moves the chain's head past it: the
    /// last thing the write does before its commit.
    pub async fn finish(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        self.store_held(conn).await?;
        match &self.head {
            Some((seq, hash)) => set_head(conn, *seq, hash).await,
            None => Ok(()),
        }
    }

    async fn store_held(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.held.is_empty() {
            return Ok(());
        }
        let head = match &mut self.head {
            Some(head) => head,
            None => {
                bump(conn, &self.program).await?;
                self.head.insert(lock_head(conn).await?)
            }
        };
        let (at, actor) = (self.at.as_str(), self.actor.as_str());
        let program = Some(self.program.as_str()).filter(|p| !p.is_empty());
        let chunk_size = if crate::rows::sequential_params(conn) {
            CHUNK
        } else {
            2_000
        };
        for chunk in self.held.chunks(chunk_size) {
            let contents = chunk
                .iter()
                .map(|e| EventContent {
                    seq: 0,
                    at,
                    actor: e.actor.as_deref().unwrap_or(actor),
                    action: e.action,
                    entity: e.entity,
                    entity_key: &e.entity_key,
                    program,
                    before: e.before.as_deref(),
                    after: e.after.as_deref(),
                })
                .collect();
            insert_linked(conn, head, contents).await?;
        }
        self.held.clear();
        Ok(())
    }
}

/// Events per statement.
const CHUNK: usize = 200;

/// Inserts events, each given its place in the chain and hashed with the
/// one before it, many to a statement.
async fn insert_contents(
    conn: &mut AnyConnection,
    contents: Vec<EventContent<'_>>,
) -> Result<(), StoreError> {
    if contents.is_empty() {
        return Ok(());
    }
    // The head is locked from here to the commit: events are chained in the
    // order their transactions commit.
    let mut head = lock_head(conn).await?;
    for chunk in contents.chunks(CHUNK) {
        insert_linked(conn, &mut head, chunk.to_vec()).await?;
    }
    set_head(conn, head.0, &head.1).await
}

/// Inserts events after `head` (the chain's last place and hash), moving it
/// to the last of them.
async fn insert_linked(
    conn: &mut AnyConnection,
    head: &mut (i64, String),
    mut contents: Vec<EventContent<'_>>,
) -> Result<(), StoreError> {
    let mut links = Vec::with_capacity(contents.len());
    for content in &mut contents {
        head.0 += 1;
        content.seq = head.0;
        let hash = event_hash(content, &head.1);
        links.push(std::mem::replace(&mut head.1, hash.clone()));
    }
    const WIDTH: usize = 11;
    const COLUMNS: &str = "at, actor, action, entity, entity_key, program_code, before_json, after_json, seq, prev_hash, hash";
    let hashes = links.iter().skip(1).chain(std::iter::once(&head.1));
    if !crate::rows::sequential_params(conn) {
        use crate::rows::JsonCell;
        let types: Vec<(&str, bool)> = COLUMNS
            .split(", ")
            .map(|name| (name, name == "seq"))
            .collect();
        let sql = format!(
            "INSERT INTO audit_event ({COLUMNS}) SELECT {COLUMNS} FROM {}",
            crate::rows::json_rows(1, &types)
        );
        let json = crate::rows::rows_json(contents.iter().zip(&links).zip(hashes).map(
            |((c, prev), hash)| {
                [
                    JsonCell::Text(c.at),
                    JsonCell::Text(c.actor),
                    JsonCell::Text(c.action),
                    JsonCell::Text(c.entity),
                    JsonCell::Text(c.entity_key),
                    c.program.into(),
                    c.before.into(),
                    c.after.into(),
                    JsonCell::Int(c.seq),
                    JsonCell::Text(prev),
                    JsonCell::Text(hash),
                ]
            },
        ));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_event ({COLUMNS}) VALUES {}",
        crate::rows::value_tuples(true, contents.len(), WIDTH)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for ((c, prev), hash) in contents.iter().zip(&links).zip(hashes) {
        q = q
            .bind(c.at.to_string())
            .bind(c.actor.to_string())
            .bind(c.action.to_string())
            .bind(c.entity.to_string())
            .bind(c.entity_key.to_string())
            .bind(c.program.map(str::to_string))
            .bind(c.before.map(str::to_string))
            .bind(c.after.map(str::to_string))
            .bind(c.seq)
            .bind(prev.clone())
            .bind(hash.clone());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Chains events stored unchained (before the chain existed), in the order
/// they were written.
async fn chain(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), StoreError> {
    if !ids.is_empty() {
        let (mut seq, mut prev) = lock_head(conn).await?;
        for chunk in ids.chunks(200) {
            let sql = format!(
                "SELECT id, {CONTENT_COLUMNS} FROM audit_event WHERE id IN ({}) ORDER BY id",
                crate::rows::placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            let rows = q.fetch_all(&mut *conn).await?;
            let mut links: Vec<(i64, i64, String, String)> = Vec::with_capacity(rows.len());
            for r in &rows {
                seq += 1;
                let hash = event_hash(&StoredContent::read(r, 1)?.content(seq), &prev);
                links.push((r.try_get(0)?, seq, prev.clone(), hash.clone()));
                prev = hash;
            }
            // One statement per chunk: (id, seq, previous, hash) rows joined in.
            let rows_sql: Vec<String> = (0..links.len())
                .map(|i| {
                    let at = 4 * i;
                    format!(
                        "SELECT CAST(${} AS BIGINT) AS id, CAST(${} AS BIGINT) AS seq, \
                           CAST(${} AS TEXT) AS prev_hash, CAST(${} AS TEXT) AS hash",
                        at + 1,
                        at + 2,
                        at + 3,
                        at + 4
                    )
                })
                .collect();
            let sql = format!(
                "UPDATE audit_event SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash \
                 FROM ({}) AS v WHERE audit_event.id = v.id",
                rows_sql.join(" UNION ALL ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, seq, prev, hash) in links {
                q = q.bind(id).bind(seq).bind(prev).bind(hash);
            }
            q.execute(&mut *conn).await?;
        }
        set_head(conn, seq, &prev).await?;
    }
    Ok(())
}

/// The columns an event's hash covers, in the order [`StoredContent`] reads them.
pub(crate) const CONTENT_COLUMNS: &str =
    "at, actor, action, entity, entity_key, program_code, before_json, after_json";

/// An event's stored texts, as its hash covers them.
pub(crate) struct StoredContent(Vec<Option<String>>);

impl StoredContent {
    /// Reads [`CONTENT_COLUMNS`] from `row`, the first at `first`.
    pub(crate) fn read(row: &sqlx::any::AnyRow, first: usize) -> Result<Self, StoreError> {
        Ok(StoredContent(
            (first..first + 8)
                .map(|i| row.try_get::<Option<String>, _>(i))
                .collect::<Result<_, _>>()?,
        ))
    }

    /// The content at a place in the chain.
    pub(crate) fn content(&self, seq: i64) -> EventContent<'_> {
        let t = |i: usize| self.0[i].as_deref().unwrap_or("");
        EventContent {
            seq,
            at: t(0),
            actor: t(1),
            action: t(2),
            entity: t(3),
            entity_key: t(4),
            program: self.0[5].as_deref(),
            before: self.0[6].as_deref(),
            after: self.0[7].as_deref(),
        }
    }
}

/// The chain's last place and hash, its row locked until the transaction
/// ends (made at the genesis on the first event).
async fn lock_head(conn: &mut AnyConnection) -> Result<(i64, String), StoreError> {
    let row = sqlx::query(
        "INSERT INTO audit_chain (chain, seq, hash) VALUES (1, 0, $1) \
         ON CONFLICT (chain) DO UPDATE SET seq = audit_chain.seq RETURNING seq, hash",
    )
    .bind(GENESIS.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

async fn set_head(conn: &mut AnyConnection, seq: i64, hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_chain SET seq = $1, hash = $2 WHERE chain = 1")
        .bind(seq)
        .bind(hash.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Chains the events stored before the chain existed, in the order they
/// were written; the number chained. Only for a database with no chain yet.
pub(crate) async fn chain_existing(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let has_head: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_chain")
        .fetch_one(&mut *conn)
        .await?;
    let unchained: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_event WHERE seq IS NULL")
            .fetch_one(&mut *conn)
            .await?;
    // An empty database starts its chain with its first event (and stays
    // empty, so a copy may fill it).
    if has_head > 0 || unchained == 0 {
        return Ok(0);
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM audit_event WHERE seq IS NULL ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    chain(conn, &ids).await?;
    Ok(ids.len() as u64)
}

/// Raises the data version of each program the events name, once each.
async fn bump_named(conn: &mut AnyConnection, events: &[AuditEvent<'_>]) -> Result<(), StoreError> {
    let mut programs: Vec<&str> = events.iter().map(|e| e.program.unwrap_or("")).collect();
    programs.sort_unstable();
    programs.dedup();
    for p in programs {
        bump(conn, p).await?;
    }
    Ok(())
}

/// Raises the data version of a program ("" for what all programs share),
/// in the transaction of the change: caches keyed by it then miss.
pub(crate) async fn bump(conn: &mut AnyConnection, program: &str) -> Result<(), StoreError> {
    raise_version(conn, program, 1).await
}

/// Raises a data version by `by` (0 takes its row without changing it).
async fn raise_version(conn: &mut AnyConnection, program: &str, by: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO data_version (program_code, version) VALUES ($1, $2) \
         ON CONFLICT (program_code) DO UPDATE SET version = data_version.version + $2",
    )
    .bind(program.to_string())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes one audit event on the transaction's connection, chained.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    at: &str,
    event: AuditEvent<'_>,
) -> Result<(), StoreError> {
    write_many(conn, at, std::iter::once(event)).await
}
