//! The national region registry from the `china-division` CSV files.

use twinaid_domain::region::{RegionCode, RegionName};

/// Reads `provinces.csv`, `cities.csv` and `areas.csv` (all `code,name,...`)
/// into today's region names. Rows that do not parse are skipped: the files
/// are fixed data shipped with twinaid, checked by a test.
pub fn parse(files: &[&str]) -> Vec<RegionName> {
    let mut out = Vec::new();
    for text in files {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records().flatten() {
            let (Some(code), Some(name)) = (record.get(0), record.get(1)) else { continue };
            // Province-level cities list their districts under a placeholder prefecture "市辖区".
            if let Ok(code) = RegionCode::parse(code) {
                out.push(RegionName { code, name_zh: name.to_string(), name_en: None, valid_from: None, valid_to: None });
            }
        }
    }
    out
}
