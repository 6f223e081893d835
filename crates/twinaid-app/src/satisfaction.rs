//! The paired side's satisfaction with its helper units: each helped county
//! rates the units paired with it, once a year (changeable until the year's
//! assessment is published); the mean enters the statistical evaluation.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use twinaid_domain::record::RecordKind;
use twinaid_domain::{DomainError, RegionCode};
pub use twinaid_store::SatisfactionRow;

impl App {
    /// The helper units the actor (a helped county) rates for a year: those
    /// paired with it; none for any other role.
    pub async fn units_to_rate(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Vec<String>, AppError> {
        match crate::access::Permissions::of(actor, program).own_county {
            Some(region) => self.units_paired_with(program, &region, year).await,
            None => Ok(Vec::new()),
        }
    }

    /// The helper units paired with a county in a year (pairings with the county or a place containing it).
    async fn units_paired_with(
        &self,
        program: &str,
        region: &str,
        year: i32,
    ) -> Result<Vec<String>, AppError> {
        let county = RegionCode::parse(region).map_err(|e| AppError::Field("region_code", e))?;
        // The pairings decide who may rate whom, whoever asks.
        let pairings = self.store.records(program, RecordKind::Pairing).await?;
        let mut units: Vec<String> = pairings
            .iter()
            .filter(|p| {
                p.get("helped_region")
                    .as_text()
                    .and_then(|h| RegionCode::parse(h).ok())
                    .is_some_and(|h| h.contains(&county))
                    && p.get("from_year")
                        .as_int()
                        .is_none_or(|f| f <= i64::from(year))
                    && p.get("to_year")
                        .as_int()
                        .is_none_or(|t| t >= i64::from(year))
            })
            .filter_map(|p| p.get("helper_unit").as_text().map(str::to_string))
            .collect();
        units.sort();
        units.dedup();
        Ok(units)
    }

    /// A helped county rates a unit paired with it (0–100), for a year not yet published.
    pub async fn rate_satisfaction(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        unit: &str,
        rating: &str,
        comment: &str,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[("unit", unit), ("rating", rating), ("comment", comment)])?;
        let Role::HelpedCounty { region } = &actor.role else {
            return Err(AppError::Forbidden);
        };
        self.require_open_year(program, Some(year)).await?;
        if !self
            .units_paired_with(program, region, year)
            .await?
            .iter()
            .any(|u| u == unit)
        {
            return Err(AppError::Field(
                "unit",
                DomainError::NotPaired {
                    unit: unit.to_string(),
                    region: region.clone(),
                },
            ));
        }
        let rating = match rating.trim().parse::<i64>() {
            Ok(r) if (0..=100).contains(&r) => r,
            _ => {
                return Err(AppError::Field(
                    "rating",
                    DomainError::ScoreOutOfRange(rating.trim().to_string()),
                ));
            }
        };
        let comment = comment.trim();
        let row = SatisfactionRow {
            unit: unit.to_string(),
            region: region.clone(),
            rating,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            rated_by: actor.name.clone(),
            rated_at: String::new(),
        };
        Ok(self.store.rate_satisfaction(program, year, &row).await?)
    }

    /// The year's ratings a role may see: all for the office and viewers, a
    /// county's own, the ratings of a unit for its staff; none for experts.
    pub async fn satisfaction(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Vec<SatisfactionRow>, AppError> {
        let rows = self.store.satisfaction(program, year).await?;
        Ok(match &actor.role {
            Role::Administrator | Role::Viewer => rows,
            Role::NationalOffice { programs, .. } if programs.iter().any(|p| p == program) => rows,
            Role::ProgramOffice { program: p } if p == program => rows,
            Role::HelpedCounty { region } => {
                rows.into_iter().filter(|r| &r.region == region).collect()
            }
            Role::HelperUnit { unit } => rows.into_iter().filter(|r| &r.unit == unit).collect(),
            _ => return Err(AppError::Forbidden),
        })
    }
}
