//! Codes made for records whose clerk typed none: readable, built from what
//! the record says (`2010-510822-school-003`), numbered after the codes
//! already taken with the same stem.

use crate::record::RecordKind;

/// The longest stem, so that a stem and its number stay within a code's 64 characters.
const LONGEST_STEM: usize = 54;

/// The part of a made code before its number, from the record's cells as
/// typed (`cell` gives a field's text). Parts that would not be valid in a
/// code are left out.
pub fn code_stem<'a>(kind: RecordKind, cell: impl Fn(&str) -> Option<&'a str>) -> String {
    let part = |name: &str| cell(name).map(clean).filter(|p| !p.is_empty());
    let mut parts: Vec<String> = Vec::new();
    if kind == RecordKind::Pairing {
        parts.extend(part("helper_unit"));
        parts.extend(part("helped_region").or_else(|| part("helped_unit")));
    } else {
        parts.extend(part("year"));
        parts.extend(part("region_code"));
    }
    let word = match kind {
        RecordKind::Project => part("category"),
        RecordKind::FundTransaction | RecordKind::Training | RecordKind::ExchangeVisit => {
            part("kind")
        }
        RecordKind::CadreExchange => Some("cadre".to_string()),
        RecordKind::CooperationAgreement => Some("agreement".to_string()),
        RecordKind::IndustrialPark => Some("park".to_string()),
        RecordKind::ParkEnterprise => Some("enterprise".to_string()),
        RecordKind::LabourTransfer => Some("labour".to_string()),
        RecordKind::StudentAid => Some("student".to_string()),
        RecordKind::Pairing => None,
    };
    parts.extend(word);
    if parts.is_empty() {
        parts.push(kind.code().replace('_', "-"));
    }
    let mut stem = parts.join("-");
    stem.truncate(LONGEST_STEM);
    stem
}

/// Keeps the characters a code may hold.
fn clean(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

/// The next code of a stem: one past the highest number already taken
/// (`taken` may hold any codes; those of other stems are ignored).
pub fn next_code<'a>(stem: &str, taken: impl IntoIterator<Item = &'a str>) -> String {
    let prefix = format!("{stem}-");
    let highest = taken
        .into_iter()
        .filter_map(|c| c.strip_prefix(&prefix))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{:03}", highest.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cells(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_project_code_says_year_place_and_category() {
        let c = cells(&[
            ("year", "2010"),
            ("region_code", " 510822 "),
            ("category", "school"),
        ]);
        let stem = code_stem(RecordKind::Project, |n| c.get(n).copied());
        assert_eq!(stem, "2010-510822-school");
        assert_eq!(next_code(&stem, []), "2010-510822-school-001");
        assert_eq!(
            next_code(
                &stem,
                [
                    "2010-510822-school-001",
                    "2010-510822-school-009",
                    "2010-510822-school-x",
                    "2010-510822-road-050"
                ]
            ),
            "2010-510822-school-010"
        );
    }

    #[test]
    fn parts_that_cannot_be_in_a_code_are_left_out() {
        let c = cells(&[
            ("year", "二〇一〇"),
            ("region_code", "青川县"),
            ("kind", ""),
        ]);
        assert_eq!(
            code_stem(RecordKind::FundTransaction, |n| c.get(n).copied()),
            "fund-transaction"
        );
        let p = cells(&[("helper_unit", "hangzhou"), ("helped_region", "510822")]);
        assert_eq!(
            code_stem(RecordKind::Pairing, |n| p.get(n).copied()),
            "hangzhou-510822"
        );
    }

    #[test]
    fn a_made_code_is_a_valid_code() {
        let long = "a".repeat(80);
        let c: HashMap<&str, &str> = [("year", "2010"), ("region_code", long.as_str())].into();
        let stem = code_stem(RecordKind::LabourTransfer, |n| c.get(n).copied());
        let code = next_code(&stem, []);
        assert!(crate::record::parse_code(&code).is_ok(), "{code}");
    }
}
