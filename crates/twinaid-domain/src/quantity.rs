//! Quantities an indicator measures, kept as exact integers in a fixed scale.

use crate::error::DomainError;
use crate::lang::Lang;
use crate::money::{format_decimal, format_money_for_table, group_thousands, parse_decimal};
use serde::{Deserialize, Serialize};

/// The unit an indicator is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitOfMeasure {
    Yuan,
    Km,
    People,
    PersonTimes,
    Count,
}

impl UnitOfMeasure {
    /// All units, for listings and parsing.
    pub const ALL: [UnitOfMeasure; 5] = [
        UnitOfMeasure::Yuan,
        UnitOfMeasure::Km,
        UnitOfMeasure::People,
        UnitOfMeasure::PersonTimes,
        UnitOfMeasure::Count,
    ];

    /// How many stored units make one displayed unit: fen per yuan, metres per km.
    pub fn scale(self) -> i64 {
        match self {
            UnitOfMeasure::Yuan => 100,
            UnitOfMeasure::Km => 1000,
            _ => 1,
        }
    }

    /// The stable code used in files and APIs.
    pub fn code(self) -> &'static str {
        match self {
            UnitOfMeasure::Yuan => "yuan",
            UnitOfMeasure::Km => "km",
            UnitOfMeasure::People => "people",
            UnitOfMeasure::PersonTimes => "person_times",
            UnitOfMeasure::Count => "count",
        }
    }

    /// Reads a unit code.
    pub fn parse(code: &str) -> Option<UnitOfMeasure> {
        UnitOfMeasure::ALL
            .into_iter()
            .find(|u| u.code() == code.trim())
    }

    /// The unit's name in a language.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            UnitOfMeasure::Yuan => lang.pick("元", "yuan"),
            UnitOfMeasure::Km => lang.pick("公里", "km"),
            UnitOfMeasure::People => lang.pick("人", "people"),
            UnitOfMeasure::PersonTimes => lang.pick("人次", "person-times"),
            UnitOfMeasure::Count => lang.pick("个", "count"),
        }
    }
}

/// An exact amount of some unit: `raw / unit.scale()` displayed units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    pub unit: UnitOfMeasure,
    pub raw: i64,
}

impl Quantity {
    /// Parses a value written in the displayed unit (yuan, km, people ...).
    pub fn parse(unit: UnitOfMeasure, text: &str) -> Result<Quantity, DomainError> {
        let raw = parse_decimal(text, unit.scale())?;
        if raw < 0 {
            return Err(DomainError::NegativeAmount(text.trim().to_string()));
        }
        Ok(Quantity { unit, raw })
    }

    /// The value as a JSON number in displayed units: whole numbers stay integers.
    pub fn to_json(self) -> serde_json::Value {
        raw_to_json(self.raw, self.unit)
    }

    /// The value in displayed units, exact, without separators.
    pub fn plain(self) -> String {
        format_decimal(self.raw, self.unit.scale())
    }

    /// The value as a table in the given language shows it (万元 for money in Chinese).
    pub fn for_table(self, lang: Lang) -> String {
        match self.unit {
            UnitOfMeasure::Yuan => format_money_for_table(self.raw, lang),
            unit => format!(
                "{} {}",
                group_thousands(&format_decimal(self.raw, unit.scale())),
                unit.name(lang)
            ),
        }
    }
}

/// A figure for a table cell whose header names the unit: 万元 (two decimals
/// at most) for money in Chinese, whole yuan in English, plain numbers otherwise.
pub fn figure(raw: i64, unit: UnitOfMeasure, lang: Lang) -> String {
    match (unit, lang) {
        (UnitOfMeasure::Yuan, Lang::Zh) => {
            group_thousands(&format_decimal(round_to(raw, 10_000), 100))
        }
        (UnitOfMeasure::Yuan, Lang::En) => group_thousands(&round_to(raw, 100).to_string()),
        (u, _) => group_thousands(&format_decimal(raw, u.scale())),
    }
}

/// The number [`figure`] shows, for a chart or map beside the table: in
/// the same unit, so a legend and the table agree.
pub fn figure_number(raw: i64, unit: UnitOfMeasure, lang: Lang) -> f64 {
    let shown = match (unit, lang) {
        (UnitOfMeasure::Yuan, Lang::Zh) => format_decimal(round_to(raw, 10_000), 100),
        (UnitOfMeasure::Yuan, Lang::En) => round_to(raw, 100).to_string(),
        (u, _) => format_decimal(raw, u.scale()),
    };
    shown.parse().unwrap_or(0.0)
}

fn round_to(value: i64, divisor: i64) -> i64 {
    (value + value.signum() * divisor / 2) / divisor
}

/// The unit a table header shows for [`figure`]: 万元 for money in Chinese.
pub fn figure_unit(unit: UnitOfMeasure, lang: Lang) -> &'static str {
    match (unit, lang) {
        (UnitOfMeasure::Yuan, Lang::Zh) => "万元",
        (u, l) => u.name(l),
    }
}

/// Turns a raw count of a unit into a JSON number of displayed units.
pub fn raw_to_json(raw: i64, unit: UnitOfMeasure) -> serde_json::Value {
    serde_json::to_value(Amount(raw, unit)).unwrap_or(serde_json::Value::Null)
}

/// A stored amount written in its displayed unit: a whole number when it
/// is one, else a decimal.
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub i64, pub UnitOfMeasure);

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let scale = self.1.scale();
        if self.0 % scale == 0 {
            s.serialize_i64(self.0 / scale)
        } else {
            s.serialize_f64(self.0 as f64 / scale as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn km_keep_metres_exactly() {
        let q = Quantity::parse(UnitOfMeasure::Km, "79.25").unwrap();
        assert_eq!(q.raw, 79_250);
        assert_eq!(q.plain(), "79.25");
        assert_eq!(q.to_json(), serde_json::json!(79.25));
    }

    #[test]
    fn whole_yuan_are_json_integers() {
        let q = Quantity::parse(UnitOfMeasure::Yuan, "36,200,000").unwrap();
        assert_eq!(q.to_json(), serde_json::json!(36_200_000));
        assert_eq!(q.for_table(Lang::Zh), "3,620万元");
    }

    #[test]
    fn figures_show_wan_yuan_in_chinese_and_yuan_in_english() {
        assert_eq!(
            figure(3_620_000_000, UnitOfMeasure::Yuan, Lang::Zh),
            "3,620"
        );
        assert_eq!(figure(57_400_000, UnitOfMeasure::Yuan, Lang::Zh), "57.4");
        assert_eq!(
            figure(3_620_000_000, UnitOfMeasure::Yuan, Lang::En),
            "36,200,000"
        );
        assert_eq!(figure(79_000, UnitOfMeasure::Km, Lang::Zh), "79");
        assert_eq!(figure_unit(UnitOfMeasure::Yuan, Lang::Zh), "万元");
    }

    #[test]
    fn people_cannot_be_fractional_or_negative() {
        assert!(Quantity::parse(UnitOfMeasure::People, "1.5").is_err());
        assert!(Quantity::parse(UnitOfMeasure::People, "-3").is_err());
    }
}
