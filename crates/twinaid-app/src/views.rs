//! Saved views of the analysis page: a program's staff keep a table they
//! laid out under a name, for themselves and their colleagues.

use crate::App;
use crate::access::{Actor, Permissions};
use crate::error::AppError;
use twinaid_domain::error::DomainError;
use twinaid_store::SavedView;

/// The longest view name and query kept.
const LONGEST_NAME: usize = 80;
const LONGEST_QUERY: usize = 4000;

impl App {
    /// The program's saved views, for anyone who reads it.
    pub async fn saved_views(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<Vec<SavedView>, AppError> {
        actor.require_program_reader(program)?;
        Ok(self.store.saved_views(program).await?)
    }

    /// Keeps a view under a name (replacing one of that name).
    pub async fn save_view(
        &self,
        actor: &Actor,
        program: &str,
        name: &str,
        query: &str,
    ) -> Result<(), AppError> {
        actor.require_program_reader(program)?;
        if !Permissions::of(actor, program).keeps_views() {
            return Err(AppError::Forbidden);
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::Field("name", DomainError::Required));
        }
        twinaid_domain::record::refuse_control(name).map_err(|e| AppError::Field("name", e))?;
        let chars = name.chars().count();
        if chars > LONGEST_NAME {
            return Err(AppError::Field(
                "name",
                DomainError::CellTooLong {
                    chars,
                    max: LONGEST_NAME,
                },
            ));
        }
        let chars = query.chars().count();
        if chars > LONGEST_QUERY {
            return Err(AppError::Field(
                "query",
                DomainError::CellTooLong {
                    chars,
                    max: LONGEST_QUERY,
                },
            ));
        }
        twinaid_domain::record::refuse_control(query).map_err(|e| AppError::Field("query", e))?;
        // A name someone else chose stays theirs: only they or the office replace it.
        let taken = self.store.saved_views(program).await?;
        if let Some(v) = taken.iter().find(|v| v.name == name)
            && !(actor.is_office(program) || v.saved_by == actor.name)
        {
            return Err(AppError::Field(
                "name",
                DomainError::DuplicateKey(name.to_string()),
            ));
        }
        Ok(self
            .store
            .save_view(program, name, query, &actor.name)
            .await?)
    }

    /// Forgets a saved view: the office, or whoever saved it.
    pub async fn delete_view(
        &self,
        actor: &Actor,
        program: &str,
        name: &str,
    ) -> Result<(), AppError> {
        actor.require_program_reader(program)?;
        let views = self.store.saved_views(program).await?;
        let Some(view) = views.iter().find(|v| v.name == name) else {
            return Err(AppError::NotFound(DomainError::UnknownReference {
                kind: "saved_view",
                code: name.to_string(),
            }));
        };
        if !(actor.is_office(program) || view.saved_by == actor.name) {
            return Err(AppError::Forbidden);
        }
        self.store.delete_view(program, name, &actor.name).await?;
        Ok(())
    }
}
