//! A program: a long-running pairing between a helping region and the regions it helps.

use crate::error::DomainError;
use crate::record::parse_code;
use crate::region::RegionCode;

/// A pairing-assistance program and the regions it helps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub start_year: i32,
    /// Last year of the program; `None` while it runs.
    pub end_year: Option<i32>,
    /// The helping province or city.
    pub helping_region: Option<RegionCode>,
    /// The helped counties (or other regions).
    pub helped: Vec<HelpedRegion>,
}

/// A region a program helps; `confirmed` is false where a source could not confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpedRegion {
    pub region: RegionCode,
    pub confirmed: bool,
    pub note: Option<String>,
}

impl Program {
    /// Builds a program, checking its code and years.
    pub fn new(
        code: &str,
        name_zh: &str,
        name_en: &str,
        start_year: i32,
        end_year: Option<i32>,
    ) -> Result<Program, DomainError> {
        let code = parse_code(code)?;
        if let Some(end) = end_year
            && end < start_year
        {
            return Err(DomainError::ReversedYears {
                from: start_year,
                to: end,
            });
        }
        Ok(Program {
            code,
            name_zh: name_zh.trim().to_string(),
            name_en: name_en.trim().to_string(),
            start_year,
            end_year,
            helping_region: None,
            helped: Vec::new(),
        })
    }

    /// Refuses a year before the program began or after it ended.
    pub fn check_year(&self, year: i32) -> Result<(), DomainError> {
        let after_end = self.end_year.is_some_and(|e| year > e);
        if year < self.start_year || after_end {
            return Err(DomainError::YearOutsideProgram {
                year,
                start: self.start_year,
                end: self.end_year,
            });
        }
        Ok(())
    }

    /// Whether records may be placed in the region: a helped region, a place
    /// inside one, or the prefecture or province that holds one.
    pub fn helps(&self, region: &RegionCode) -> bool {
        self.helped
            .iter()
            .any(|h| h.region.contains(region) || region.contains(&h.region))
    }
}

/// A region's status over years, e.g. national poor county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designation {
    pub region: RegionCode,
    pub designation: String,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    pub confirmed: bool,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Program {
        let mut p = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
        p.helped.push(HelpedRegion {
            region: RegionCode::parse("510822").unwrap(),
            confirmed: true,
            note: None,
        });
        p
    }

    #[test]
    fn years_before_the_start_are_refused() {
        let p = program();
        assert!(p.check_year(1995).is_err());
        assert!(p.check_year(1996).is_ok());
        assert!(p.check_year(2030).is_ok());
        let mut ended = p.clone();
        ended.end_year = Some(2020);
        assert!(ended.check_year(2021).is_err());
    }

    #[test]
    fn helps_the_county_its_towns_and_its_prefecture_but_not_neighbours() {
        let p = program();
        for ok in ["510822", "510822101", "510800"] {
            assert!(p.helps(&RegionCode::parse(ok).unwrap()), "{ok}");
        }
        for no in ["510823", "511300", "330100"] {
            assert!(!p.helps(&RegionCode::parse(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn end_before_start_is_refused() {
        assert!(Program::new("x", "x", "x", 2000, Some(1999)).is_err());
        assert!(Program::new("bad code!", "x", "x", 2000, None).is_err());
    }
}
