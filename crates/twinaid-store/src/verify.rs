//! What an auditor checks: the audit log's hash chain from its first event
//! to its head, and every stored record against the last event that wrote
//! it. All reads come from one snapshot, while the server goes on writing.

use crate::audit::{CONTENT_COLUMNS, StoredContent};
use crate::rows::{columns, read_record};
use crate::{Engine, Store, StoreError};
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use twinaid_domain::audit_chain::{Break, Link, Walk, digest};
use twinaid_domain::record::RecordKind;

/// Events read per round trip while walking the chain.
const PAGE: i64 = 5_000;

/// What the walk of the chain found.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    /// Events walked.
    pub events: u64,
    /// The first break, if any.
    pub broken: Option<Break>,
    /// The chain's head: its last place and hash.
    pub head: Option<(i64, String)>,
}

/// A stored record that no event explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexplained {
    pub kind: RecordKind,
    pub program: String,
    pub code: String,
    pub why: Why,
}

/// How a record differs from what its events say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// No event wrote it.
    NoEvent,
    /// Its stored value is not the one its last event wrote.
    Differs,
    /// Its events say it exists; it does not.
    Gone,
}

/// Which fields of an image an event adds that are no part of the record.
const NOTES: [&str; 2] = ["correction_reason", "unpaired_reason"];

/// Parses an event's after-image; a text that does not parse explains nothing.
fn image(after: Option<&str>) -> Option<Value> {
    let mut v: Value = serde_json::from_str(after?).ok()?;
    if let Value::Object(map) = &mut v {
        for n in NOTES {
            map.remove(n);
        }
    }
    Some(v)
}

impl Store {
    /// A read-only snapshot on every engine.
    async fn snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// The chain's head: the last event's place and hash (None before any event).
    pub async fn checkpoint(&self) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_chain WHERE chain = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The hash of the event at a place in the chain, if there is one.
    pub async fn hash_at(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT hash FROM audit_event WHERE seq = $1")
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// Walks the whole chain, oldest first, and then the head.
    pub async fn verify_chain(&self) -> Result<ChainCheck, StoreError> {
        let mut tx = self.snapshot().await?;
        let check = walk(&mut tx).await?;
        tx.rollback().await?;
        Ok(check)
    }

    /// Every stored record of every kind checked against the last event that
    /// wrote it; records written in bulk by a synthetic program's generation
    /// (one event per kind and year) are checked by their number.
    pub async fn verify_records(&self) -> Result<Vec<Unexplained>, StoreError> {
        let mut tx = self.snapshot().await?;
        let mut out = Vec::new();
        for kind in RecordKind::ALL {
            out.extend(check_kind(&mut tx, kind).await?);
        }
        tx.rollback().await?;
        Ok(out)
    }
}

async fn walk(conn: &mut AnyConnection) -> Result<ChainCheck, StoreError> {
    let mut w = Walk::default();
    let mut after = 0i64;
    loop {
        let sql = format!(
            "SELECT id, seq, prev_hash, hash, {CONTENT_COLUMNS} \
             FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let seq: i64 = r.try_get(1)?;
            let (prev, hash): (Option<String>, Option<String>) = (r.try_get(2)?, r.try_get(3)?);
            let stored = StoredContent::read(r, 4)?;
            w.step(&Link {
                id: r.try_get(0)?,
                content: stored.content(seq),
                prev_hash: prev.as_deref(),
                hash: hash.as_deref(),
            });
            after = seq;
        }
        if (rows.len() as i64) < PAGE || w.broken.is_some() {
            break;
        }
    }
    // An event without a place was written around the system.
    let outside: Option<i64> =
        sqlx::query_scalar("SELECT MIN(id) FROM audit_event WHERE seq IS NULL")
            .fetch_one(&mut *conn)
            .await?;
    if let (Some(id), None) = (outside, &w.broken) {
        w.broken = Some(Break::Unchained { id });
    }
    let head: Option<(i64, String)> =
        sqlx::query("SELECT seq, hash FROM audit_chain WHERE chain = 1")
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?;
    w.finish(head.as_ref().map(|(s, h)| (*s, h.as_str())));
    Ok(ChainCheck {
        events: w.events,
        broken: w.broken,
        head,
    })
}

/// What a record's events say it is, kept small: a digest of its image
/// without the status, and the status (which a step changes alone).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    digest: String,
    status: Value,
}

/// A record image in its canonical form: the kind's columns in order, a
/// column its event did not name (written before the column existed) as
/// empty; the status apart.
fn canonical(kind: RecordKind, image: &Value) -> Expect {
    let mut map = serde_json::Map::new();
    let mut status = Value::Null;
    let fields = crate::rows::stored_fields(kind);
    let names = ["program_code"]
        .into_iter()
        .chain(fields.iter().map(|f| f.name));
    for name in names {
        let v = image.get(name).cloned().unwrap_or(Value::Null);
        if name == "status" {
            status = v;
        } else {
            map.insert(name.to_string(), v);
        }
    }
    Expect {
        digest: digest(&Value::Object(map).to_string()),
        status,
    }
}

/// What a record should be after one more of its events.
fn next(
    kind: RecordKind,
    expected: Option<Expect>,
    action: &str,
    after: Option<&str>,
) -> Option<Expect> {
    match action {
        "delete" => None,
        // A step changes the status alone.
        "transition" => {
            let status = image(after)
                .and_then(|a| a.get("status").cloned())
                .unwrap_or(Value::Null);
            expected.map(|e| Expect { status, ..e })
        }
        _ => image(after).map(|i| canonical(kind, &i)).or(expected),
    }
}

/// What one kind's events say its records are, keyed by (program, code);
/// and how many records of each (program, year) a bulk generation wrote.
type Expected = HashMap<(String, String), Option<Expect>>;

async fn expected(
    conn: &mut AnyConnection,
    kind: RecordKind,
) -> Result<(Expected, HashMap<(String, i64), i64>), StoreError> {
    let mut by_key: Expected = HashMap::new();
    let mut generated: HashMap<(String, i64), i64> = HashMap::new();
    // A program removed whole takes every record of it written before.
    let mut removals: Vec<(i64, String)> = Vec::new();
    for r in sqlx::query(
        "SELECT seq, entity_key FROM audit_event \
         WHERE entity = 'program' AND action = 'delete' AND seq IS NOT NULL ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        removals.push((r.try_get(0)?, r.try_get(1)?));
    }
    let mut removals = removals.into_iter().peekable();
    let mut remove_until =
        |seq: i64, by_key: &mut Expected, generated: &mut HashMap<(String, i64), i64>| {
            while let Some((_, program)) = removals.next_if(|(at, _)| *at < seq) {
                by_key.retain(|(p, _), _| *p != program);
                generated.retain(|(p, _), _| *p != program);
            }
        };
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, COALESCE(program_code, ''), entity_key, action, after_json \
             FROM audit_event WHERE entity = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(kind.code().to_string())
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            after = r.try_get(0)?;
            remove_until(after, &mut by_key, &mut generated);
            let program: String = r.try_get(1)?;
            let key: String = r.try_get(2)?;
            let action: String = r.try_get(3)?;
            let after_json: Option<String> = r.try_get(4)?;
            if action == "generate" {
                let written = image(after_json.as_deref())
                    .and_then(|a| a.get("records").and_then(Value::as_i64))
                    .unwrap_or(0);
                if let Ok(year) = key.parse() {
                    *generated.entry((program, year)).or_default() += written;
                }
                continue;
            }
            let entry = by_key.entry((program, key)).or_insert(None);
            *entry = next(kind, entry.take(), &action, after_json.as_deref());
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    remove_until(i64::MAX, &mut by_key, &mut generated);
    Ok((by_key, generated))
}

async fn check_kind(
    conn: &mut AnyConnection,
    kind: RecordKind,
) -> Result<Vec<Unexplained>, StoreError> {
    let (mut expected, mut generated) = expected(conn, kind).await?;
    let mut out = Vec::new();
    let mut after = (String::new(), String::new());
    let mut first = true;
    loop {
        // Keyset pages over the unique (program, code), from its index.
        let from = if first {
            "$1 = $2"
        } else {
            "(program_code, code) > ($1, $2)"
        };
        let sql = format!(
            "SELECT {}, program_code AS page_program FROM {} WHERE {from} \
             ORDER BY program_code, code LIMIT $3",
            columns(kind),
            kind.code()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after.0.clone())
            .bind(after.1.clone())
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
        first = false;
        let width = crate::rows::stored_fields(kind).len();
        for r in &rows {
            let record = read_record(kind, r)?;
            let program: String = r.try_get(width)?;
            let code = record.code().to_string();
            let stored = canonical(kind, &crate::load::record_image(&program, &record));
            let why = match expected.remove(&(program.clone(), code.clone())) {
                Some(Some(e)) if e == stored => None,
                Some(Some(_)) => Some(Why::Differs),
                _ => {
                    // Written in bulk with its kind and year, or by nobody.
                    let bulk = record
                        .year()
                        .and_then(|y| generated.get_mut(&(program.clone(), i64::from(y))))
                        .filter(|n| **n > 0);
                    match bulk {
                        Some(n) => {
                            *n -= 1;
                            None
                        }
                        None => Some(Why::NoEvent),
                    }
                }
            };
            if let Some(why) = why {
                out.push(Unexplained {
                    kind,
                    program: program.clone(),
                    code: code.clone(),
                    why,
                });
            }
            after = (program, code);
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    // Records the events say exist but are not stored.
    let mut gone: Vec<(String, String)> = expected
        .into_iter()
        .filter(|(_, e)| e.is_some())
        .map(|(k, _)| k)
        .collect();
    gone.sort();
    out.extend(gone.into_iter().map(|(program, code)| Unexplained {
        kind,
        program,
        code,
        why: Why::Gone,
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_what_its_last_event_wrote_and_a_step_moves_its_status() {
        let kind = RecordKind::Project;
        let created = next(
            kind,
            None,
            "create",
            Some(r#"{"code":"p1","status":"proposed","amount":10}"#),
        );
        let stepped = next(
            kind,
            created,
            "transition",
            Some(r#"{"status":"verified","reason":null}"#),
        );
        assert_eq!(
            stepped,
            Some(canonical(
                kind,
                &serde_json::json!({"code":"p1","status":"verified","amount":10})
            ))
        );
        let corrected = next(
            kind,
            stepped,
            "correction",
            Some(r#"{"code":"p1","status":"verified","amount":12,"correction_reason":"typo"}"#),
        );
        assert_eq!(
            corrected,
            Some(canonical(
                kind,
                &serde_json::json!({"code":"p1","status":"verified","amount":12,"name_en":null})
            )),
            "a column the event did not name is empty"
        );
        assert_eq!(next(kind, corrected, "delete", None), None);
    }
}
