//! Generating a synthetic program (for tests and benchmarks at size): its
//! structure is loaded and checked like any program folder, its records are
//! written in bulk, a transaction per kind and year.

use crate::{Actor, App, AppError};
use twinaid_domain::bundle::ProgramBundle;
use twinaid_domain::record::{Record, RecordKind};

impl App {
    /// Loads `structure` (refused when its program exists), then writes each
    /// kind and year of records as `batches` gives them; the number written.
    /// `progress` hears how many records each step wrote.
    pub async fn generate_synthetic<B, C>(
        &self,
        actor: &Actor,
        structure: &ProgramBundle,
        batches: B,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<usize, AppError>
    where
        B: IntoIterator<Item = (RecordKind, i32, C)>,
        C: Iterator<Item = Vec<Record>>,
    {
        actor.require_admin()?;
        let program = structure.program_code.as_str();
        if self.store.program(program).await?.is_some() {
            return Err(AppError::BadRequest(
                twinaid_domain::DomainError::ProgramExists(program.to_string()),
            ));
        }
        self.load(actor, structure).await?;
        let mut records = 0;
        for (kind, year, chunks) in batches {
            records += self
                .store
                .insert_generated(program, kind, year, chunks, &actor.name, progress)
                .await?;
        }
        self.store.tidy_after_bulk_write().await?;
        Ok(records)
    }
}
