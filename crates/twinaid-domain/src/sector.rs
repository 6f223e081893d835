//! Which project category an aid sector (OECD-DAC purpose code) stands for:
//! a table twinaid ships, under the office's own rows. The IATI import
//! reads an activity's category through it.

use crate::error::DomainError;
use crate::record::{FieldType, RecordKind};

/// An office's row: a DAC purpose code (five digits) or sector (its first
/// three) and the project category it is read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorCategory {
    pub sector: String,
    pub category: String,
}

/// The project categories, by code.
pub fn project_categories() -> &'static [crate::record::Choice] {
    match RecordKind::Project.field("category").map(|f| f.ty) {
        Some(FieldType::Choice(choices)) => choices,
        _ => &[],
    }
}

impl SectorCategory {
    /// Reads a row as written; every bad cell is named.
    pub fn parse(
        sector: &str,
        category: &str,
    ) -> Result<SectorCategory, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let sector = sector.trim();
        if !(matches!(sector.len(), 3 | 5) && sector.bytes().all(|b| b.is_ascii_digit())) {
            errors.push(("sector", DomainError::BadSector(sector.to_string())));
        }
        let category = category.trim();
        if !project_categories().iter().any(|c| c.code == category) {
            errors.push((
                "category",
                DomainError::UnknownChoice {
                    value: category.to_string(),
                    allowed: project_categories().iter().map(|c| c.code).collect(),
                },
            ));
        }
        if errors.is_empty() {
            Ok(SectorCategory {
                sector: sector.to_string(),
                category: category.to_string(),
            })
        } else {
            Err(errors)
        }
    }
}

/// The table twinaid ships, as the export writes categories: water supply
/// and sanitation → drinking water, agricultural water → small ponds, road
/// transport → roads, education → schools, health → hospitals, agriculture
/// → agriculture, industry and SMEs → industry. Five-digit rows come
/// before three-digit ones.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("14021", "drinking_water"),
    ("14022", "drinking_water"),
    ("14030", "drinking_water"),
    ("14031", "drinking_water"),
    ("14032", "drinking_water"),
    ("21020", "road"),
    ("31140", "small_pond"),
    ("111", "school"),
    ("112", "school"),
    ("113", "school"),
    ("114", "school"),
    ("121", "hospital"),
    ("122", "hospital"),
    ("123", "hospital"),
    ("311", "agriculture"),
    ("321", "industry"),
    ("322", "industry"),
    ("323", "industry"),
];

/// The category of a DAC purpose code (five digits) or sector (three): the
/// office's row for the code, else for its sector, else twinaid's for the
/// code, else for its sector, else other.
pub fn category_of_sector<'a>(code: &str, office: &'a [SectorCategory]) -> &'a str {
    let code = code.trim();
    let sector = code.get(..3).unwrap_or(code);
    let own = |key: &str| {
        office
            .iter()
            .find(|r| r.sector == key)
            .map(|r| r.category.as_str())
    };
    let shipped = |key: &str| {
        BUILT_IN
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, category)| *category)
    };
    own(code)
        .or_else(|| own(sector))
        .or_else(|| shipped(code))
        .or_else(|| shipped(sector))
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offices_rows_come_first_the_code_before_its_sector() {
        let office = vec![
            SectorCategory::parse("91010", "agriculture").unwrap(),
            SectorCategory::parse("122", "other").unwrap(),
        ];
        assert_eq!(category_of_sector("91010", &office), "agriculture");
        assert_eq!(
            category_of_sector("12220", &office),
            "other",
            "the office's sector row"
        );
        assert_eq!(category_of_sector("12220", &[]), "hospital");
        assert_eq!(category_of_sector("14030", &office), "drinking_water");
        assert_eq!(category_of_sector("43040", &office), "other");
    }

    #[test]
    fn a_bad_row_names_its_cells() {
        let errors = SectorCategory::parse("9101", "palace").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["sector", "category"]);
    }
}
