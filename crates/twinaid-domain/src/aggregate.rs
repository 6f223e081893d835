//! Values recorded straight against an indicator: aggregate values for years
//! before records were kept, and plan targets.

use crate::error::DomainError;
use crate::program::Program;
use crate::region::RegionCode;

/// An indicator's value over a span of years, for a helper and a place where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateValue {
    pub indicator: String,
    pub year_from: i32,
    pub year_to: i32,
    pub helper_unit: Option<String>,
    pub region: Option<RegionCode>,
    /// In the indicator's stored scale (fen for yuan, metres for km).
    pub value: i64,
    pub note: Option<String>,
}

impl AggregateValue {
    /// Checks the span against the program.
    pub fn check(&self, program: &Program) -> Vec<(&'static str, DomainError)> {
        let mut errors = Vec::new();
        if let Err(e) = program.check_year(self.year_from) {
            errors.push(("year_from", e));
        }
        if let Err(e) = program.check_year(self.year_to) {
            errors.push(("year_to", e));
        }
        if self.year_from > self.year_to {
            errors.push((
                "year_to",
                DomainError::ReversedYears {
                    from: self.year_from,
                    to: self.year_to,
                },
            ));
        }
        if let Some(r) = &self.region
            && !program.helps(r)
        {
            errors.push((
                "region_code",
                DomainError::RegionNotHelped {
                    region: r.to_string(),
                    program: program.code.clone(),
                },
            ));
        }
        errors
    }

    /// The key that makes loading the same value twice update it instead of adding it.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.indicator,
            self.year_from,
            self.year_to,
            self.helper_unit.as_deref().unwrap_or(""),
            self.region.as_ref().map(|r| r.as_str()).unwrap_or("")
        )
    }
}

/// A target in a helper unit's annual plan: an indicator's value for a year, per helped place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTarget {
    pub helper_unit: String,
    pub year: i32,
    pub indicator: String,
    pub region: Option<RegionCode>,
    /// In the indicator's stored scale.
    pub target: i64,
    pub note: Option<String>,
}

impl PlanTarget {
    /// The key of a target within its program.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.helper_unit,
            self.year,
            self.indicator,
            self.region.as_ref().map(|r| r.as_str()).unwrap_or("")
        )
    }
}
