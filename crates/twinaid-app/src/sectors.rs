//! The office's table of aid sectors → project categories, which an IATI
//! import reads an activity's category through (over twinaid's own).

use crate::App;
use crate::access::Actor;
use crate::error::AppError;
use twinaid_domain::Problem;
use twinaid_domain::error::Location;
use twinaid_domain::sector::SectorCategory;

impl App {
    /// The program's own rows.
    pub async fn sector_categories(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<Vec<SectorCategory>, AppError> {
        actor.require_program_reader(program)?;
        Ok(self.store.sector_categories(program).await?)
    }

    /// Reads a row as the office typed it and keeps it (an empty category
    /// removes the sector's row); a bad cell is refused by its field.
    /// Whether anything changed.
    pub async fn set_sector_category(
        &self,
        actor: &Actor,
        program: &str,
        sector: &str,
        category: &str,
    ) -> Result<bool, AppError> {
        actor.require_program_office(program)?;
        let refused = |errors: Vec<(&'static str, twinaid_domain::DomainError)>| {
            AppError::Invalid(
                errors
                    .into_iter()
                    .map(|(column, e)| {
                        Problem::at(
                            Location {
                                column: Some(column.to_string()),
                                ..Location::default()
                            },
                            e,
                        )
                    })
                    .collect(),
            )
        };
        let row = if category.trim().is_empty() {
            // Only the sector needs to be right to remove its row.
            SectorCategory::parse(sector, "other")
                .map_err(refused)?
                .sector
        } else {
            let row = SectorCategory::parse(sector, category).map_err(refused)?;
            return Ok(self
                .store
                .put_sector_category(program, &row.sector, Some(&row.category), &actor.name)
                .await?);
        };
        Ok(self
            .store
            .put_sector_category(program, &row, None, &actor.name)
            .await?)
    }
}
