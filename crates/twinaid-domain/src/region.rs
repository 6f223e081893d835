//! Administrative regions with GB/T 2260 codes, and their names over the years.

use crate::error::DomainError;
use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A division code: 6 digits (province, prefecture, county), 9 (township) or 12 (village).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// How high a region stands in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

impl RegionLevel {
    /// The stable code of the level.
    pub fn code(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Prefecture => "prefecture",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }

    /// The level as officials name it.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            RegionLevel::Province => lang.pick("省级", "province"),
            RegionLevel::Prefecture => lang.pick("地级", "prefecture"),
            RegionLevel::County => lang.pick("县级", "county"),
            RegionLevel::Township => lang.pick("乡级", "township"),
            RegionLevel::Village => lang.pick("村级", "village"),
        }
    }

    /// The level of a stable code, if it is one.
    pub fn parse(code: &str) -> Option<RegionLevel> {
        [
            RegionLevel::Province,
            RegionLevel::Prefecture,
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
        ]
        .into_iter()
        .find(|l| l.code() == code)
    }
}

impl RegionCode {
    /// Checks the shape of a code; a short province (`33`) or prefecture (`3301`)
    /// code is widened to six digits, as GB/T 2260 writes it.
    pub fn parse(text: &str) -> Result<RegionCode, DomainError> {
        let t = text.trim();
        if !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::BadRegionCode(t.to_string()));
        }
        let code = match t.len() {
            2 => format!("{t}0000"),
            4 => format!("{t}00"),
            6 | 9 | 12 => t.to_string(),
            _ => return Err(DomainError::BadRegionCode(t.to_string())),
        };
        if code.starts_with("00") {
            return Err(DomainError::BadRegionCode(t.to_string()));
        }
        Ok(RegionCode(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level the code's shape says.
    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            9 => RegionLevel::Township,
            12 => RegionLevel::Village,
            _ if self.0.ends_with("0000") => RegionLevel::Province,
            _ if self.0.ends_with("00") => RegionLevel::Prefecture,
            _ => RegionLevel::County,
        }
    }

    /// The significant prefix: the digits every region inside this one starts with.
    fn prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::Prefecture => &self.0[..4],
            _ => &self.0,
        }
    }

    /// Whether `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix()) && other.level() >= self.level()
    }

    /// The county a township or village lies in; a county or higher is itself.
    pub fn county(&self) -> RegionCode {
        RegionCode(self.county_code().to_string())
    }

    /// The code of [`RegionCode::county`], borrowed.
    pub fn county_code(&self) -> &str {
        self.0.get(..6).unwrap_or(&self.0)
    }

    /// The region one level up, by the code's shape (villages → township → county → prefecture → province).
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(RegionCode(format!("{}0000", &self.0[..2]))),
            RegionLevel::County => Some(RegionCode(format!("{}00", &self.0[..4]))),
            RegionLevel::Township => Some(RegionCode(self.0[..6].to_string())),
            RegionLevel::Village => Some(RegionCode(self.0[..9].to_string())),
        }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> String {
        value.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A region's name for a span of years: codes stay, names change
/// (510811 was 元坝区 Yuanba in 2009 and is 昭化区 Zhaohua today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionName {
    pub code: RegionCode,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// First year the name was in use; `None` when not known or always.
    pub valid_from: Option<i32>,
    /// Last year the name was in use; `None` while it still is.
    pub valid_to: Option<i32>,
}

impl RegionName {
    /// Whether this name was the region's name in the year.
    pub fn holds_in(&self, year: i32) -> bool {
        self.valid_from.is_none_or(|f| f <= year) && self.valid_to.is_none_or(|t| year <= t)
    }

    /// The name in a language; English falls back to the Chinese name.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => self.name_en.as_deref().unwrap_or(&self.name_zh),
        }
    }
}

/// Chooses a region's name for a year from its names over time; the latest name when none holds.
pub fn name_in_year(names: &[RegionName], year: i32) -> Option<&RegionName> {
    names.iter().find(|n| n.holds_in(year)).or_else(|| {
        names
            .iter()
            .max_by_key(|n| n.valid_from.unwrap_or(i32::MIN))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_widen_and_know_their_level() {
        assert_eq!(RegionCode::parse("51").unwrap().as_str(), "510000");
        assert_eq!(
            RegionCode::parse("5108").unwrap().level(),
            RegionLevel::Prefecture
        );
        assert_eq!(
            RegionCode::parse("510822").unwrap().level(),
            RegionLevel::County
        );
        assert_eq!(
            RegionCode::parse("510822101").unwrap().level(),
            RegionLevel::Township
        );
        assert!(RegionCode::parse("51082").is_err());
        assert!(RegionCode::parse("51x822").is_err());
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        let gy = RegionCode::parse("510800").unwrap();
        let qc = RegionCode::parse("510822").unwrap();
        let town = RegionCode::parse("510822101").unwrap();
        assert!(gy.contains(&qc) && gy.contains(&town) && qc.contains(&town));
        assert!(!qc.contains(&gy));
        assert!(!RegionCode::parse("511300").unwrap().contains(&qc));
        assert_eq!(town.county(), qc);
        assert_eq!(qc.parent(), Some(gy));
    }

    #[test]
    fn names_follow_the_year() {
        let code = RegionCode::parse("510811").unwrap();
        let names = vec![
            RegionName {
                code: code.clone(),
                name_zh: "元坝区".into(),
                name_en: Some("Yuanba District".into()),
                valid_from: None,
                valid_to: Some(2012),
            },
            RegionName {
                code,
                name_zh: "昭化区".into(),
                name_en: Some("Zhaohua District".into()),
                valid_from: Some(2013),
                valid_to: None,
            },
        ];
        assert_eq!(name_in_year(&names, 2009).unwrap().name_zh, "元坝区");
        assert_eq!(
            name_in_year(&names, 2020).unwrap().name(Lang::En),
            "Zhaohua District"
        );
    }
}
