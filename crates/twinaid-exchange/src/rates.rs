//! The European Central Bank's euro reference rates twinaid ships (see
//! data/rates/README.md), read into the rates conversions use.

use std::io::Read;
use twinaid_domain::currency::Rates;

/// The bank's history as shipped: a zip holding one CSV.
const ECB_HISTORY: &[u8] = include_bytes!("../../../data/rates/eurofxref-hist.zip");

/// The shipped rates (read once; about 7,000 days of 40 currencies).
pub fn ecb_rates() -> &'static Rates {
    static RATES: std::sync::OnceLock<Rates> = std::sync::OnceLock::new();
    RATES.get_or_init(|| read_history(ECB_HISTORY).unwrap_or_default())
}

/// Reads a history in the bank's layout: a zip of one CSV whose header is
/// `Date,USD,JPY,…` and whose rows are a day each, `N/A` where none.
pub fn read_history(zip: &[u8]) -> Result<Rates, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| e.to_string())?;
    let mut text = String::new();
    archive
        .by_index(0)
        .map_err(|e| e.to_string())?
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    read_csv(&text)
}

/// Reads the bank's CSV layout.
pub fn read_csv(text: &str) -> Result<Rates, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rates = Rates::default();
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        let Some(date) = row.get(0).map(str::trim).filter(|d| d.len() == 10) else {
            continue;
        };
        for (currency, cell) in header.iter().zip(row.iter()).skip(1) {
            if let Ok(units) = cell.trim().parse::<f64>()
                && currency.len() == 3
            {
                rates.add_per_euro(currency, date, units);
            }
        }
    }
    Ok(rates.sorted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_history_converts_through_the_euro() {
        let r = ecb_rates();
        // 2015-06-30: USD 1.1189, CNY 6.9366 a euro (the bank's table of that day).
        let usd = r.rate("USD", "2015-06-30").unwrap();
        assert!(
            (usd.yuan_per_unit - 6.9366 / 1.1189).abs() < 1e-9,
            "{usd:?}"
        );
        // A Sunday takes the Friday before.
        assert_eq!(
            r.rate("GBP", "2015-06-28").unwrap().source,
            twinaid_domain::currency::RateSource::Ecb("2015-06-26".into())
        );
        assert!(
            r.rate("USD", "2004-01-02").is_none(),
            "no yuan rate before 2005-04"
        );
        assert!(r.rate("XDR", "2015-06-30").is_none());
        assert!(r.rate("XOF", "2015-06-30").is_some(), "pegged to the euro");
    }
}
