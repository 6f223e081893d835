//! The audit log as a hash chain: each event's hash covers its content and
//! the hash of the event before it, so editing, deleting or slipping in an
//! event anywhere breaks every link after it. An auditor who keeps the last
//! place and hash (a checkpoint) outside the system can later prove that
//! nothing before it changed.

use sha2::{Digest, Sha256};

/// The hash the first event links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an event's hash covers, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    /// Its place in the chain, from 1.
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_key: &'a str,
    pub program: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (hex) of the event's canonical form: a JSON array of its fields
/// in a fixed order, the previous hash last. JSON escapes every text the
/// same way on every engine, so a copy to another database keeps the hash.
pub fn event_hash(event: &EventContent<'_>, prev_hash: &str) -> String {
    let canonical = serde_json::json!([
        event.seq,
        event.at,
        event.actor,
        event.action,
        event.entity,
        event.entity_key,
        event.program,
        event.before,
        event.after,
        prev_hash,
    ])
    .to_string();
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// SHA-256 (hex) of a text.
pub fn digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One stored event as the walk reads it.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    /// The row id, to name the event to a person.
    pub id: i64,
    pub content: EventContent<'a>,
    pub prev_hash: Option<&'a str>,
    pub hash: Option<&'a str>,
}

/// Where the chain is broken, at the first place it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The event's content or hash is not what was chained: edited.
    Edited { seq: i64, id: i64 },
    /// Places are missing before this event: events were deleted.
    Missing { expected: i64, found: i64, id: i64 },
    /// The event does not link to the one before it: inserted or reordered.
    Relinked { seq: i64, id: i64 },
    /// An event outside the chain (written around the system).
    Unchained { id: i64 },
    /// The chain's head names another last event: events at the end were
    /// deleted (or the head was changed).
    Head { head_seq: i64, last_seq: i64 },
    /// The head's hash is not the last event's: the head was changed.
    HeadHash { seq: i64 },
}

impl Break {
    /// What broke, for a person.
    pub fn message(&self, lang: crate::Lang) -> String {
        use crate::Lang::{En, Zh};
        match (self, lang) {
            (Break::Edited { seq, id }, Zh) => {
                format!("第 {seq} 条审计事件（id {id}）的内容或哈希已被改动")
            }
            (Break::Edited { seq, id }, En) => {
                format!(
                    "audit event {seq} (id {id}) was edited: its content or hash does not match"
                )
            }
            (
                Break::Missing {
                    expected,
                    found,
                    id,
                },
                Zh,
            ) if found - expected == 1 => {
                format!("第 {expected} 条审计事件已被删除（下一条为第 {found} 条，id {id}）")
            }
            (
                Break::Missing {
                    expected,
                    found,
                    id,
                },
                En,
            ) if found - expected == 1 => {
                format!("audit event {expected} was deleted (the next is event {found}, id {id})")
            }
            (
                Break::Missing {
                    expected,
                    found,
                    id,
                },
                Zh,
            ) => format!(
                "第 {expected} 至 {} 条审计事件已被删除（下一条为第 {found} 条，id {id}）",
                found - 1
            ),
            (
                Break::Missing {
                    expected,
                    found,
                    id,
                },
                En,
            ) => format!(
                "audit events {expected} to {} were deleted (the next is event {found}, id {id})",
                found - 1
            ),
            (Break::Relinked { seq, id }, Zh) => {
                format!("第 {seq} 条审计事件（id {id}）未接在前一条之后：有事件被插入或调换")
            }
            (Break::Relinked { seq, id }, En) => format!(
                "audit event {seq} (id {id}) does not follow the event before it: an event was inserted or moved"
            ),
            (Break::Unchained { id }, Zh) => {
                format!("审计事件 id {id} 不在哈希链中：它是绕过系统写入的")
            }
            (Break::Unchained { id }, En) => {
                format!(
                    "audit event id {id} is outside the chain: it was written around the system"
                )
            }
            (Break::Head { head_seq, last_seq }, Zh) => format!(
                "哈希链的末端记为第 {head_seq} 条，但最后一条审计事件是第 {last_seq} 条：末尾的事件已被删除"
            ),
            (Break::Head { head_seq, last_seq }, En) => format!(
                "the chain's head says event {head_seq} is the last, but the last event is {last_seq}: events at the end were deleted"
            ),
            (Break::HeadHash { seq }, Zh) => {
                format!("哈希链末端记录的哈希与第 {seq} 条事件的不同：末端被改动过")
            }
            (Break::HeadHash { seq }, En) => format!(
                "the chain's head holds another hash than event {seq}'s: the head was changed"
            ),
        }
    }
}

/// Walks the chain in order of place, one link at a time, keeping only the
/// last hash: a log of millions of events needs no memory to check.
#[derive(Debug, Clone)]
pub struct Walk {
    last_seq: i64,
    last_hash: String,
    /// How many chained events were walked.
    pub events: u64,
    /// The first break found.
    pub broken: Option<Break>,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            events: 0,
            broken: None,
        }
    }
}

impl Walk {
    /// Takes the next event (in order of place; unchained events last).
    pub fn step(&mut self, link: &Link<'_>) {
        if self.broken.is_some() {
            return;
        }
        let (Some(prev), Some(hash)) = (link.prev_hash, link.hash) else {
            self.broken = Some(Break::Unchained { id: link.id });
            return;
        };
        let seq = link.content.seq;
        self.events += 1;
        if seq != self.last_seq + 1 {
            self.broken = Some(Break::Missing {
                expected: self.last_seq + 1,
                found: seq,
                id: link.id,
            });
        } else if prev != self.last_hash {
            self.broken = Some(Break::Relinked { seq, id: link.id });
        } else if event_hash(&link.content, prev) != hash {
            self.broken = Some(Break::Edited { seq, id: link.id });
        }
        self.last_seq = seq;
        self.last_hash = hash.to_string();
    }

    /// Ends the walk against the chain's head (the last place and hash the
    /// system wrote); `None` for a database that has written no event yet.
    pub fn finish(&mut self, head: Option<(i64, &str)>) {
        if self.broken.is_some() {
            return;
        }
        let (head_seq, head_hash) = head.unwrap_or((0, GENESIS));
        if head_seq != self.last_seq {
            self.broken = Some(Break::Head {
                head_seq,
                last_seq: self.last_seq,
            });
        } else if head_hash != self.last_hash {
            self.broken = Some(Break::HeadHash { seq: self.last_seq });
        }
    }

    /// The last place and hash walked.
    pub fn last(&self) -> (i64, &str) {
        (self.last_seq, &self.last_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(i64, String, String, String)> {
        // (seq, actor, prev, hash)
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let actor = format!("clerk{seq}");
                let hash = event_hash(&content(seq, &actor), &prev);
                let out = (seq, actor, prev.clone(), hash.clone());
                prev = hash;
                out
            })
            .collect()
    }

    fn content(seq: i64, actor: &str) -> EventContent<'_> {
        EventContent {
            seq,
            at: "2026-11-29T05:00:00.000Z",
            actor,
            action: "update",
            entity: "project",
            entity_key: "p1",
            program: Some("zj-sc"),
            before: None,
            after: Some("{\"amount\":1}"),
        }
    }

    fn walk(events: &[(i64, String, String, String)], head: Option<(i64, &str)>) -> Walk {
        let mut w = Walk::default();
        for (seq, actor, prev, hash) in events {
            w.step(&Link {
                id: *seq,
                content: content(*seq, actor),
                prev_hash: Some(prev),
                hash: Some(hash),
            });
        }
        w.finish(head);
        w
    }

    #[test]
    fn an_untouched_chain_walks_to_its_head() {
        let c = chain(5);
        let w = walk(&c, Some((5, &c[4].3)));
        assert_eq!((w.events, w.broken), (5, None));
        assert_eq!(walk(&[], None).broken, None);
    }

    #[test]
    fn an_edit_a_deletion_or_a_lost_tail_is_named() {
        let c = chain(5);
        let mut edited = c.clone();
        edited[2].1 = "intruder".into();
        assert_eq!(
            walk(&edited, Some((5, &c[4].3))).broken,
            Some(Break::Edited { seq: 3, id: 3 })
        );
        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(
            walk(&deleted, Some((5, &c[4].3))).broken,
            Some(Break::Missing {
                expected: 2,
                found: 3,
                id: 3
            })
        );
        let tail = &c[..4];
        assert_eq!(
            walk(tail, Some((5, &c[4].3))).broken,
            Some(Break::Head {
                head_seq: 5,
                last_seq: 4
            })
        );
        // An event written around the system has no place in the chain.
        let mut w = Walk::default();
        w.step(&Link {
            id: 9,
            content: content(1, "clerk1"),
            prev_hash: None,
            hash: None,
        });
        assert_eq!(w.broken, Some(Break::Unchained { id: 9 }));
    }
}
