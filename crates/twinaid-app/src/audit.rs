//! What an auditor asks of the audit log: is the chain intact from the first
//! event to its head, does every stored record read as its last event wrote
//! it, and does the figure summary still equal the records.

use crate::App;
use crate::access::Actor;
use crate::error::AppError;
use twinaid_store::{ChainCheck, Unexplained};

/// The answer of `twinaid audit verify`.
#[derive(Debug, Clone)]
pub struct AuditVerification {
    pub chain: ChainCheck,
    /// Records whose stored value no event explains.
    pub unexplained: Vec<Unexplained>,
    /// (program, year) whose yearbook from the summary differs from the one
    /// recomputed from the records.
    pub figures_differ: Vec<(String, i32)>,
    /// A checkpoint an auditor kept (place, hash), and whether the chain
    /// still has that hash at that place.
    pub checkpoint: Option<(i64, String, bool)>,
}

impl AuditVerification {
    /// Whether nothing was found.
    pub fn intact(&self) -> bool {
        self.chain.broken.is_none()
            && self.unexplained.is_empty()
            && self.figures_differ.is_empty()
            && self.checkpoint.as_ref().is_none_or(|(_, _, held)| *held)
    }
}

impl App {
    /// Walks the audit chain, checks every record against its events and
    /// every year's figures against the records, and (given one) that a kept
    /// checkpoint still holds: the operator's job.
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        kept: Option<(i64, String)>,
    ) -> Result<AuditVerification, AppError> {
        actor.require_admin()?;
        let checkpoint = match kept {
            None => None,
            Some((seq, hash)) => {
                let now = match seq {
                    0 => Some(twinaid_domain::audit_chain::GENESIS.to_string()),
                    _ => self.store.hash_at(seq).await?,
                };
                let held = now.is_some_and(|h| h.eq_ignore_ascii_case(hash.trim()));
                Some((seq, hash, held))
            }
        };
        let chain = self.store.verify_chain().await?;
        let unexplained = self.store.verify_records().await?;
        let mut figures_differ = Vec::new();
        for program in self.store.program_codes().await? {
            for year in self.store.covered_years(&program).await? {
                // A write between the two readings (a live server) is no
                // difference: the pair is read again at a version that held.
                let mut differs = true;
                for _ in 0..3 {
                    let before = self.store.data_version(&program).await?;
                    let kept = self.yearbook(actor, &program, year).await?;
                    let fresh = self.yearbook_recomputed(actor, &program, year).await?;
                    differs = kept != fresh;
                    if !differs || self.store.data_version(&program).await? == before {
                        break;
                    }
                }
                if differs {
                    figures_differ.push((program.clone(), year));
                }
            }
        }
        Ok(AuditVerification {
            chain,
            unexplained,
            figures_differ,
            checkpoint,
        })
    }

    /// The audit chain's head: the latest event's place and hash, for an
    /// auditor to keep outside the system.
    pub async fn audit_checkpoint(&self, actor: &Actor) -> Result<Option<(i64, String)>, AppError> {
        actor.require_admin()?;
        Ok(self.store.checkpoint().await?)
    }

    /// Every table's rows and integer totals, after the database file's own
    /// integrity check (the operator's job: checking a backup).
    pub async fn tally_tables(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(&'static str, i64, i128)>, AppError> {
        actor.require_admin()?;
        Ok(self.store.tally_all().await?)
    }

    /// How many events written before the audit chain existed opening the
    /// database chained: said once, by whoever opened it.
    pub fn chained_on_open(&self) -> u64 {
        self.store.chained_on_open()
    }
}
