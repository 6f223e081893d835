//! Generating a synthetic program (for tests and benchmarks at size): its
//! structure is loaded and checked like any program folder, its records are
//! written in bulk, a transaction per kind and year. Generation stopped
//! half-way resumes: the same command again writes the kinds and years not
//! written yet, and `delete_program` removes a program whole.

use crate::{Actor, App, AppError};
use std::collections::BTreeMap;
use twinaid_domain::DomainError;
use twinaid_domain::bundle::ProgramBundle;
use twinaid_domain::record::{Record, RecordKind};

/// What a generation wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    /// Records written by this run.
    pub records: usize,
    /// Kinds and years an earlier, stopped run had written already.
    pub resumed: usize,
}

impl App {
    /// Loads `structure`, then writes each kind and year of records as
    /// `batches` gives them, those an earlier run of the same generation
    /// wrote excepted. A program of the same code made otherwise (another
    /// scale or seed, or by hand) is refused. `progress` hears how many
    /// records each step wrote.
    pub async fn generate_synthetic<B, C>(
        &self,
        actor: &Actor,
        structure: &ProgramBundle,
        batches: B,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Generated, AppError>
    where
        B: IntoIterator<Item = (RecordKind, i32, C)>,
        C: Iterator<Item = Vec<Record>>,
    {
        actor.require_admin()?;
        let program = structure.program_code.as_str();
        let written = match self.store.program(program).await? {
            None => Default::default(),
            Some(stored) => {
                // The name says the scale and the seed: the same name is the same generation.
                let same = structure
                    .program
                    .as_ref()
                    .is_some_and(|p| p.name_zh == stored.name_zh && p.name_en == stored.name_en);
                if !same {
                    return Err(AppError::BadRequest(DomainError::ProgramExists(
                        program.to_string(),
                    )));
                }
                self.store.generated(program).await?
            }
        };
        self.load(actor, structure).await?;
        let mut done = Generated::default();
        for (kind, year, chunks) in batches {
            if written.contains(&(kind.code().to_string(), i64::from(year))) {
                done.resumed += 1;
                continue;
            }
            done.records += self
                .store
                .insert_generated(program, kind, year, chunks, &actor.name, progress)
                .await?;
        }
        self.store.tidy_after_bulk_write().await?;
        Ok(done)
    }

    /// Removes a program and every record, plan, assessment and figure of
    /// it, in one transaction (administrators only); how many rows each
    /// table lost. The audit log keeps the program's events and records the
    /// removal.
    pub async fn delete_program(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<BTreeMap<String, u64>, AppError> {
        actor.require_admin()?;
        let removed = self
            .store
            .delete_program(program, &actor.name)
            .await?
            .ok_or_else(|| AppError::NotFound(DomainError::UnknownProgram(program.to_string())))?;
        tracing::info!(program, actor = %actor.name, "program deleted");
        Ok(removed)
    }
}
