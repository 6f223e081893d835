//! Units: the actors of a program, and the fund source each kind counts as.

use crate::lang::Lang;

/// What sort of actor a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    ProvincialDepartment,
    CooperationOffice,
    City,
    County,
    Enterprise,
    SocialOrganisation,
    School,
    Hospital,
    Individual,
}

/// Where money and effort come from, as the yearbook splits them:
/// provincial units, cities (and their counties), society.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    ProvincialUnits,
    Cities,
    Social,
}

impl UnitKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [UnitKind; 9] = [
        UnitKind::ProvincialDepartment,
        UnitKind::CooperationOffice,
        UnitKind::City,
        UnitKind::County,
        UnitKind::Enterprise,
        UnitKind::SocialOrganisation,
        UnitKind::School,
        UnitKind::Hospital,
        UnitKind::Individual,
    ];

    /// The stable code used in files, tables and APIs.
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::ProvincialDepartment => "provincial_department",
            UnitKind::CooperationOffice => "cooperation_office",
            UnitKind::City => "city",
            UnitKind::County => "county",
            UnitKind::Enterprise => "enterprise",
            UnitKind::SocialOrganisation => "social_organisation",
            UnitKind::School => "school",
            UnitKind::Hospital => "hospital",
            UnitKind::Individual => "individual",
        }
    }

    /// Reads a kind code.
    pub fn parse(code: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// All kind codes, for error messages.
    pub fn codes() -> Vec<&'static str> {
        UnitKind::ALL.iter().map(|k| k.code()).collect()
    }

    /// The kind's name in a language.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            UnitKind::ProvincialDepartment => lang.pick("省直单位", "provincial department"),
            UnitKind::CooperationOffice => lang.pick("协作办", "cooperation office"),
            UnitKind::City => lang.pick("市", "city"),
            UnitKind::County => lang.pick("县（市、区）", "county"),
            UnitKind::Enterprise => lang.pick("企业", "enterprise"),
            UnitKind::SocialOrganisation => lang.pick("社会组织", "social organisation"),
            UnitKind::School => lang.pick("学校", "school"),
            UnitKind::Hospital => lang.pick("医院", "hospital"),
            UnitKind::Individual => lang.pick("个人", "individual"),
        }
    }

    /// The fund source a unit of this kind counts as.
    pub fn source(self) -> SourceKind {
        match self {
            UnitKind::ProvincialDepartment | UnitKind::CooperationOffice => {
                SourceKind::ProvincialUnits
            }
            UnitKind::City | UnitKind::County => SourceKind::Cities,
            _ => SourceKind::Social,
        }
    }
}

impl SourceKind {
    /// Every source, in report order.
    pub const ALL: [SourceKind; 3] = [
        SourceKind::ProvincialUnits,
        SourceKind::Cities,
        SourceKind::Social,
    ];

    /// The stable code used in reports and indicator filters.
    pub fn code(self) -> &'static str {
        match self {
            SourceKind::ProvincialUnits => "provincial_units",
            SourceKind::Cities => "cities",
            SourceKind::Social => "social",
        }
    }

    /// Reads a source code.
    pub fn parse(code: &str) -> Option<SourceKind> {
        SourceKind::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
    }

    /// The unit kinds that count as this source.
    pub fn unit_kinds(self) -> Vec<UnitKind> {
        UnitKind::ALL
            .into_iter()
            .filter(|k| k.source() == self)
            .collect()
    }

    /// The source's name in a language.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            SourceKind::ProvincialUnits => lang.pick("省直单位", "provincial units"),
            SourceKind::Cities => lang.pick("各市", "cities"),
            SourceKind::Social => lang.pick("社会力量", "society"),
        }
    }
}

/// Which side of a program a unit stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Helping,
    Helped,
}

impl Side {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Side::Helping => "helping",
            Side::Helped => "helped",
        }
    }

    /// Reads a side code.
    pub fn parse(code: &str) -> Option<Side> {
        match code.trim() {
            "helping" => Some(Side::Helping),
            "helped" => Some(Side::Helped),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_counts_as_exactly_one_source() {
        let total: usize = SourceKind::ALL.iter().map(|s| s.unit_kinds().len()).sum();
        assert_eq!(total, UnitKind::ALL.len());
        assert_eq!(
            UnitKind::parse("city").unwrap().source(),
            SourceKind::Cities
        );
        assert_eq!(
            UnitKind::ProvincialDepartment.source(),
            SourceKind::ProvincialUnits
        );
    }
}

/// An actor of a program: a department, city, enterprise, school, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub kind: UnitKind,
    pub region: Option<crate::region::RegionCode>,
    pub note: Option<String>,
}

/// A unit's membership of a program, on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramUnit {
    pub unit: String,
    pub side: Side,
}
