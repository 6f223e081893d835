//! Money in other currencies: a fund transaction may keep the amount it was
//! given in (its currency and original amount) beside the yuan amount the
//! figures count. Yuan come from a rate: one the office entered for the day
//! or the year, else the European Central Bank's reference rates through the
//! euro on the value date (the nearest earlier day the bank published), with
//! the fixed euro pegs of the CFA francs. An amount with no rate keeps its
//! original and is not counted in yuan until a rate is entered.

use crate::error::DomainError;
use crate::record::{FieldValue, Record};
use std::collections::HashMap;

/// The currency figures are counted in.
pub const YUAN: &str = "CNY";

/// Currencies held at a fixed number of units per euro since 1999 (the West
/// and Central African CFA francs), which the bank does not publish.
const EURO_PEGS: [(&str, f64); 2] = [("XOF", 655.957), ("XAF", 655.957)];

/// Reads a currency code: three letters, any case, written in capitals.
pub fn parse_currency(text: &str) -> Result<String, DomainError> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(DomainError::BadCurrency(text.trim().to_string()))
    }
}

/// Whether a record's currency is yuan (none written is yuan).
pub fn is_yuan(record: &Record) -> bool {
    record
        .get("currency")
        .as_text()
        .is_none_or(|c| c.is_empty() || c == YUAN)
}

/// What a fund transaction's amounts must say together: in yuan, the amount
/// (and an original amount, if written, the same); in another currency, the
/// original amount (the yuan amount may wait for a rate); a reversal
/// negative in both.
pub fn check_amounts(record: &Record) -> Vec<(&'static str, DomainError)> {
    let amount = record.get("amount").as_int();
    let original = record.get("original_amount").as_int();
    let mut errors = Vec::new();
    if is_yuan(record) {
        match (amount, original) {
            (None, _) => errors.push(("amount", DomainError::Required)),
            (Some(a), Some(o)) if a != o => {
                errors.push(("original_amount", DomainError::OriginalNotYuan))
            }
            _ => {}
        }
    } else if original.is_none() {
        errors.push(("original_amount", DomainError::Required));
    }
    if let (Some(a), Some(o)) = (amount, original)
        && (a < 0) != (o < 0)
        && a != 0
        && o != 0
    {
        errors.push(("amount", DomainError::SignsDiffer));
    }
    errors
}

/// Where a rate came from.
#[derive(Debug, Clone, PartialEq)]
pub enum RateSource {
    /// Yuan is yuan.
    Yuan,
    /// The office's rate for that day or year, with the source it named.
    Office(String),
    /// The bank's reference rates (or a peg) through the euro, as published on this day.
    Ecb(String),
}

/// A rate found for an amount: yuan for one unit, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub yuan_per_unit: f64,
    pub source: RateSource,
}

/// The rates conversions use: the bank's, through the euro, and the
/// office's, which come first.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    /// Units of a currency for one euro, by day (ISO dates, ascending).
    per_euro: HashMap<String, Vec<(String, f64)>>,
    /// The office's yuan for one unit, by currency, by day or year.
    office: HashMap<String, HashMap<String, (f64, String)>>,
}

impl Rates {
    /// Adds the bank's rate of a day: so many units of `currency` for one euro.
    pub fn add_per_euro(&mut self, currency: &str, date: &str, units: f64) {
        if units.is_finite() && units > 0.0 {
            self.per_euro
                .entry(currency.to_string())
                .or_default()
                .push((date.to_string(), units));
        }
    }

    /// Puts the bank's days in order, once everything is added.
    pub fn sorted(mut self) -> Rates {
        for days in self.per_euro.values_mut() {
            days.sort_by(|a, b| a.0.cmp(&b.0));
            days.dedup_by(|a, b| a.0 == b.0);
        }
        self
    }

    /// Adds a rate the office entered: yuan for one unit of `currency` on a
    /// day (`2015-06-30`) or through a year (`2015`).
    pub fn add_office(&mut self, currency: &str, on: &str, yuan_per_unit: f64, source: &str) {
        if yuan_per_unit.is_finite() && yuan_per_unit > 0.0 {
            self.office
                .entry(currency.to_string())
                .or_default()
                .insert(on.to_string(), (yuan_per_unit, source.to_string()));
        }
    }

    /// The rate for an amount of `currency` on `date` (a day, or a year,
    /// read as its last day): the office's for the day, else for the year,
    /// else the bank's through the euro on the nearest earlier day it
    /// published both. `None` when there is none.
    pub fn rate(&self, currency: &str, date: &str) -> Option<Rate> {
        if currency == YUAN {
            return Some(Rate {
                yuan_per_unit: 1.0,
                source: RateSource::Yuan,
            });
        }
        if let Some(rate) = self.office_rate(currency, date) {
            return Some(rate);
        }
        let day = last_day(date);
        // Yuan per euro on the bank's nearest earlier day, and the currency's on that day.
        let (published, yuan_per_euro) = self.on_or_before(YUAN, &day)?;
        let units_per_euro = match currency {
            "EUR" => 1.0,
            c => match EURO_PEGS.iter().find(|(peg, _)| *peg == c) {
                Some((_, units)) => *units,
                None => self
                    .per_euro
                    .get(c)?
                    .iter()
                    .find(|(d, _)| *d == published)
                    .map(|(_, u)| *u)?,
            },
        };
        Some(Rate {
            yuan_per_unit: yuan_per_euro / units_per_euro,
            source: RateSource::Ecb(published.to_string()),
        })
    }

    /// The office's rate for the day, else for its year.
    pub fn office_rate(&self, currency: &str, date: &str) -> Option<Rate> {
        let day = last_day(date);
        let year = day.get(..4).unwrap_or_default();
        let office = self.office.get(currency)?;
        let (rate, source) = office.get(&day).or_else(|| office.get(year))?;
        Some(Rate {
            yuan_per_unit: *rate,
            source: RateSource::Office(source.clone()),
        })
    }

    /// The bank's rate of a currency on the latest day it published one,
    /// not after `day`.
    fn on_or_before(&self, currency: &str, day: &str) -> Option<(&str, f64)> {
        let days = self.per_euro.get(currency)?;
        let after = days.partition_point(|(d, _)| d.as_str() <= day);
        let (d, r) = days.get(after.checked_sub(1)?)?;
        Some((d.as_str(), *r))
    }

    /// Yuan in fen for an amount in hundredths of `currency` on `date`.
    pub fn to_fen(&self, hundredths: i64, currency: &str, date: &str) -> Option<i64> {
        let rate = self.rate(currency, date)?;
        let fen = (hundredths as f64 * rate.yuan_per_unit).round();
        fen.is_finite().then_some(fen as i64)
    }
}

/// A day as written, or a year read as its last day.
fn last_day(date: &str) -> String {
    if date.len() == 4 {
        format!("{date}-12-31")
    } else {
        date.to_string()
    }
}

/// The longest a rate's source may be, in characters.
const MOST_SOURCE: usize = 200;

/// Whether a record is money in another currency that has no yuan amount
/// yet: what a rate converts.
pub fn needs_rate(record: &Record) -> bool {
    record.kind == crate::record::RecordKind::FundTransaction
        && !is_yuan(record)
        && record.get("amount").as_int().is_none()
}

/// A rate the office entered: yuan for one unit of a currency on a day or
/// through a year, and where the rate comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeRate {
    pub currency: String,
    /// `2015-06-30` or `2015`.
    pub on: String,
    /// Yuan for one unit, as written (a positive decimal).
    pub rate: String,
    pub source: String,
}

impl ExchangeRate {
    /// Reads a rate as written; every bad cell is named.
    pub fn parse(
        currency: &str,
        on: &str,
        rate: &str,
        source: &str,
    ) -> Result<ExchangeRate, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let currency = parse_currency(currency).map_err(|e| errors.push(("currency", e)));
        let on = on.trim();
        let day_or_year = (on.len() == 4
            && on.parse::<i32>().is_ok_and(|y| (1900..=2200).contains(&y)))
            || crate::record::parse_date(on).is_ok();
        if !day_or_year {
            errors.push(("date", DomainError::BadRateDate(on.to_string())));
        }
        let rate = rate.trim();
        if !rate.parse::<f64>().is_ok_and(|r| r.is_finite() && r > 0.0) {
            errors.push(("rate", DomainError::BadRate(rate.to_string())));
        }
        let chars = source.trim().chars().count();
        if chars > MOST_SOURCE {
            errors.push((
                "source",
                DomainError::CellTooLong {
                    chars,
                    max: MOST_SOURCE,
                },
            ));
        }
        match currency {
            Ok(currency) if errors.is_empty() => Ok(ExchangeRate {
                currency,
                on: on.to_string(),
                rate: rate.to_string(),
                source: source.trim().to_string(),
            }),
            _ => Err(errors),
        }
    }

    /// Yuan for one unit.
    pub fn yuan_per_unit(&self) -> f64 {
        self.rate.parse().unwrap_or(0.0)
    }
}

/// The office's rates over the bank's: what a program converts with.
#[derive(Debug, Clone, Copy)]
pub struct Layered<'a> {
    pub office: &'a Rates,
    pub bank: &'a Rates,
}

impl Layered<'_> {
    /// The office's rate for the day or year, else the bank's.
    pub fn rate(&self, currency: &str, date: &str) -> Option<Rate> {
        self.office
            .office_rate(currency, date)
            .or_else(|| self.bank.rate(currency, date))
    }

    /// Yuan in fen for an amount in hundredths of `currency` on `date`.
    pub fn to_fen(&self, hundredths: i64, currency: &str, date: &str) -> Option<i64> {
        let rate = self.rate(currency, date)?;
        let fen = (hundredths as f64 * rate.yuan_per_unit).round();
        fen.is_finite().then_some(fen as i64)
    }
}

/// Sets a fund transaction's yuan amount from its original amount where it
/// has another currency and no yuan amount yet; whether it now has one.
pub fn convert(record: &mut Record, rates: &Layered<'_>) -> bool {
    if !needs_rate(record) {
        return true;
    }
    let (Some(original), Some(currency)) = (
        record.get("original_amount").as_int(),
        record.get("currency").as_text().map(str::to_string),
    ) else {
        return false;
    };
    let date = record
        .get("date")
        .as_text()
        .map(str::to_string)
        .or_else(|| record.year().map(|y| y.to_string()))
        .unwrap_or_default();
    match rates.to_fen(original, &currency, &date) {
        Some(fen) => {
            record.set("amount", FieldValue::Int(fen));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Rates {
        let mut r = Rates::default();
        // A Friday and the Monday after; the weekend has no rates.
        r.add_per_euro("CNY", "2015-06-26", 6.9);
        r.add_per_euro("USD", "2015-06-26", 1.1);
        r.add_per_euro("CNY", "2015-06-29", 7.0);
        r.add_per_euro("USD", "2015-06-29", 1.12);
        r.add_per_euro("GBP", "2015-06-29", 0.72);
        r.sorted()
    }

    #[test]
    fn a_rate_goes_through_the_euro_on_the_nearest_earlier_published_day() {
        let r = bank();
        let sunday = r.rate("USD", "2015-06-28").unwrap();
        assert!((sunday.yuan_per_unit - 6.9 / 1.1).abs() < 1e-12);
        assert_eq!(sunday.source, RateSource::Ecb("2015-06-26".into()));
        let monday = r.to_fen(10_000, "USD", "2015-06-29").unwrap();
        assert_eq!(monday, (10_000.0_f64 * 7.0 / 1.12).round() as i64);
        assert_eq!(r.to_fen(100, "EUR", "2015-06-29"), Some(700));
        // A peg: 655.957 francs a euro.
        assert_eq!(
            r.to_fen(655_957, "XOF", "2015-06-29"),
            Some((655_957.0_f64 * 7.0 / 655.957).round() as i64)
        );
        assert_eq!(
            r.rate("GBP", "2015-06-27"),
            None,
            "not published on the Friday"
        );
        assert_eq!(r.rate("XDR", "2015-06-29"), None, "never published");
        assert_eq!(r.rate("USD", "2001-01-01"), None, "before any yuan rate");
        assert_eq!(r.rate("CNY", "1990-01-01").unwrap().yuan_per_unit, 1.0);
        assert_eq!(
            r.rate("USD", "2015").unwrap().source,
            RateSource::Ecb("2015-06-29".into()),
            "a year is read as its last day"
        );
    }

    #[test]
    fn the_offices_rate_comes_first_for_its_day_then_its_year() {
        let mut r = bank();
        r.add_office("USD", "2015", 6.2, "财政部年度折算率");
        r.add_office("USD", "2015-06-29", 6.25, "当日中间价");
        assert_eq!(r.to_fen(100, "USD", "2015-06-29"), Some(625));
        assert_eq!(r.to_fen(100, "USD", "2015-03-02"), Some(620));
        assert_eq!(
            r.rate("USD", "2015-03-02").unwrap().source,
            RateSource::Office("财政部年度折算率".into())
        );
        r.add_office("XDR", "2015", 8.5, "IMF");
        assert_eq!(
            r.to_fen(-200, "XDR", "2015-07-01"),
            Some(-1700),
            "a reversal"
        );
    }

    #[test]
    fn an_office_rate_names_each_bad_cell() {
        let fields = |r: Result<ExchangeRate, Vec<(&'static str, DomainError)>>| {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>()
        };
        assert!(ExchangeRate::parse("usd", "2015", "6.2", "财政部").is_ok());
        assert_eq!(
            fields(ExchangeRate::parse("US$", "soon", "NaN", &"x".repeat(201))),
            ["currency", "date", "rate", "source"]
        );
        assert_eq!(
            fields(ExchangeRate::parse("XDR", "2015-06-30", "1e400", "")),
            ["rate"]
        );
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(parse_currency(" usd ").unwrap(), "USD");
        assert!(parse_currency("US$").is_err());
        assert!(parse_currency("EURO").is_err());
    }
}
