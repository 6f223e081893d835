//! The national region registry from the `china-division` CSV files.

use twinaid_domain::region::{RegionCode, RegionName};

/// Reads `provinces.csv`, `cities.csv` and `areas.csv` (all `code,name,...`)
/// into today's region names. Rows that do not parse are skipped: the files
/// are fixed data shipped with twinaid, checked by a test.
pub fn parse(files: &[&str]) -> Vec<RegionName> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for text in files {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records().flatten() {
            let (Some(code), Some(name)) = (record.get(0), record.get(1)) else {
                continue;
            };
            // Province-level cities list their districts under a placeholder prefecture "市辖区".
            // Prefecture-level cities without counties (东莞市 4419) appear again as their own county (441900).
            if let Ok(code) = RegionCode::parse(code)
                && seen.insert(code.clone())
            {
                out.push(RegionName {
                    code,
                    name_zh: name.to_string(),
                    name_en: None,
                    valid_from: None,
                    valid_to: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_widened() {
        let names = super::parse(&[
            "code,name\n33,浙江省\n",
            "code,name,provinceCode\n4419,东莞市,44\n",
            "code,name\n441900,东莞市\n510822,青川县\n",
        ]);
        let codes: Vec<_> = names.iter().map(|n| n.code.as_str()).collect();
        assert_eq!(codes, vec!["330000", "441900", "510822"]);
    }
}
