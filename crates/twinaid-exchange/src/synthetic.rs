//! Synthetic programs for testing at size: a county, a province or the
//! whole East-West cooperation, fifteen years of records with plausible
//! shapes (a few large helper units and many small ones, disbursements
//! heavier towards the end of the year), the same for the same seed on
//! every machine. Every record is flagged illustrative.

use crate::national_regions;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::crossexam::SplitMix64;
use twinaid_domain::error::Location;
use twinaid_domain::program::{HelpedRegion, Program};
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, Record, RecordKind};
use twinaid_domain::region::{RegionCode, RegionName};
use twinaid_domain::unit::{Side, Unit, UnitKind};

/// How big a synthetic program is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    County,
    Province,
    National,
}

impl Scale {
    pub fn parse(text: &str) -> Option<Scale> {
        match text {
            "county" => Some(Scale::County),
            "province" => Some(Scale::Province),
            "national" => Some(Scale::National),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Scale::County => "county",
            Scale::Province => "province",
            Scale::National => "national",
        }
    }

    /// The program's shape at this scale.
    pub fn plan(self) -> Plan {
        // (helping provinces, helper cities and counties, departments and
        // enterprises, helped counties, records of each yearly kind per year
        // in the order of RecordKind::ALL: projects, fund transactions,
        // agreements, parks, park enterprises, trainings, labour transfers,
        // cadre exchanges, student aid, visits)
        let (provinces, cities, others, counties, per_year): (
            usize,
            usize,
            usize,
            usize,
            [usize; 10],
        ) = match self {
            Scale::County => (1, 3, 10, 1, [50, 500, 5, 1, 5, 20, 2_000, 10, 80, 20]),
            Scale::Province => (
                1,
                35,
                200,
                60,
                [
                    3_000, 30_000, 300, 2, 100, 1_000, 120_000, 300, 5_000, 1_000,
                ],
            ),
            Scale::National => (
                9,
                350,
                2_000,
                600,
                [
                    30_000, 300_000, 3_000, 20, 1_000, 10_000, 1_200_000, 3_000, 50_000, 10_000,
                ],
            ),
        };
        // Pairings first in ALL: the rest are written in an order where later kinds refer to earlier ones.
        let per_year: Vec<(RecordKind, usize)> = RecordKind::ALL
            .into_iter()
            .filter(|k| k.is_yearly())
            .zip(per_year)
            .collect();
        Plan {
            helping_provinces: provinces,
            helper_cities: cities,
            helper_others: others,
            helped_counties: counties,
            villages_per_county: 100,
            first_year: 2011,
            years: 15,
            per_year,
        }
    }
}

/// The shape of a synthetic program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub helping_provinces: usize,
    pub helper_cities: usize,
    pub helper_others: usize,
    pub helped_counties: usize,
    pub villages_per_county: usize,
    pub first_year: i32,
    pub years: i32,
    /// Records of each kind in a year.
    pub per_year: Vec<(RecordKind, usize)>,
}

impl Plan {
    /// One of `n` programs that together make this one: a share of its
    /// counties, units and records (at least one of each).
    pub fn split(&self, n: usize) -> Plan {
        let n = n.max(1);
        let share = |x: usize| (x / n).max(1);
        Plan {
            helping_provinces: 1,
            helper_cities: share(self.helper_cities),
            helper_others: share(self.helper_others),
            helped_counties: share(self.helped_counties),
            villages_per_county: self.villages_per_county,
            first_year: self.first_year,
            years: self.years,
            per_year: self.per_year.iter().map(|(k, c)| (*k, share(*c))).collect(),
        }
    }

    /// Records of every kind over all years.
    pub fn total_records(&self) -> usize {
        self.per_year.iter().map(|(_, n)| n).sum::<usize>() * self.years as usize
    }
}

/// The helping provinces, richest first: Beijing, Tianjin, Shanghai, Jiangsu,
/// Zhejiang, Fujian, Shandong, Guangdong, Liaoning.
const HELPING: &[&str] = &["11", "12", "31", "32", "33", "35", "37", "44", "21"];
/// Where helped counties are: the western provinces.
const HELPED: &[&str] = &[
    "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];

/// A synthetic program: its structure as a bundle, and what the yearly records are drawn from.
pub struct Synthetic {
    pub scale: Scale,
    pub seed: u64,
    pub plan: Plan,
    pub program_code: String,
    /// Helper units with their weights (a few large, many small).
    units: Vec<(String, f64)>,
    total_weight: f64,
    /// Each helped county with its paired helper city.
    counties: Vec<(RegionCode, String, String)>,
    destinations: Vec<String>,
}

fn located<T>(file: &str, item: T) -> Located<T> {
    Located::new(
        Location {
            file: Some(file.to_string()),
            ..Location::default()
        },
        item,
    )
}

impl Synthetic {
    /// Draws the program's units, counties and pairings from the national
    /// region registry (`provinces.csv`, `cities.csv`, `areas.csv`).
    pub fn new(scale: Scale, seed: u64, registry: &[&str]) -> Synthetic {
        Synthetic::with_plan(scale, scale.plan(), seed, registry)
    }

    /// A program of a scale's name with another shape (e.g. more counties).
    pub fn with_plan(scale: Scale, plan: Plan, seed: u64, registry: &[&str]) -> Synthetic {
        let mut rng = SplitMix64(seed);
        let names = national_regions::parse(registry);
        let province_of = |c: &RegionCode| c.as_str()[..2].to_string();
        let is_county = |c: &RegionCode| !c.as_str().ends_with("00");
        let mut helped: Vec<&RegionName> = names
            .iter()
            .filter(|n| is_county(&n.code) && HELPED.contains(&province_of(&n.code).as_str()))
            .collect();
        rng.shuffle(&mut helped);
        helped.truncate(plan.helped_counties);
        helped.sort_by(|a, b| a.code.cmp(&b.code));
        let helping: Vec<&str> = HELPING[..plan.helping_provinces].to_vec();
        let mut places: Vec<&RegionName> = names
            .iter()
            .filter(|n| {
                helping.contains(&province_of(&n.code).as_str())
                    && !n.code.as_str().ends_with("0000")
            })
            .collect();
        rng.shuffle(&mut places);
        places.truncate(plan.helper_cities);
        places.sort_by(|a, b| a.code.cmp(&b.code));
        // Unit sizes fall off with rank (Zipf, exponent 0.8): the first units carry most of the work.
        let mut units: Vec<(String, f64)> = Vec::new();
        for (i, _) in places.iter().enumerate() {
            units.push((format!("SC{:04}", i + 1), 3.0 / ((i + 1) as f64).powf(0.8)));
        }
        for i in 0..plan.helper_others {
            units.push((format!("SD{:05}", i + 1), 1.0 / ((i + 1) as f64).powf(0.8)));
        }
        let total_weight = units.iter().map(|(_, w)| w).sum();
        let counties = helped
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let city = format!("SC{:04}", i % places.len().max(1) + 1);
                (n.code.clone(), n.name_zh.clone(), city)
            })
            .collect();
        let destinations = places.iter().map(|p| p.code.to_string()).collect();
        Synthetic {
            scale,
            seed,
            plan,
            program_code: format!("syn-{}", scale.code()),
            units,
            total_weight,
            counties,
            destinations,
        }
    }

    /// The same program under another code, its units' codes prefixed:
    /// several synthetic programs in one database (a group) share no unit.
    pub fn named(mut self, code: &str, unit_prefix: &str) -> Synthetic {
        self.program_code = code.to_string();
        for (unit, _) in &mut self.units {
            *unit = format!("{unit_prefix}{unit}");
        }
        for (_, _, city) in &mut self.counties {
            *city = format!("{unit_prefix}{city}");
        }
        self
    }

    /// The program, its helped counties and their villages, its units and pairings.
    pub fn structure(
        &self,
        registry: &[&str],
    ) -> Result<ProgramBundle, twinaid_domain::DomainError> {
        let names = national_regions::parse(registry);
        let name_of = |code: &str| {
            names
                .iter()
                .find(|n| n.code.as_str() == code)
                .map_or(code.to_string(), |n| n.name_zh.clone())
        };
        let (zh, en) = match self.scale {
            Scale::County => ("县级规模", "county scale"),
            Scale::Province => ("省级规模", "province scale"),
            Scale::National => ("全国规模", "national scale"),
        };
        let last = self.plan.first_year + self.plan.years - 1;
        let mut program = Program::new(
            &self.program_code,
            &format!("东西部协作（合成数据，{zh}，种子 {}）", self.seed),
            &format!(
                "East-West cooperation (synthetic data, {en}, seed {})",
                self.seed
            ),
            self.plan.first_year,
            Some(last),
        )?;
        program.helped = self
            .counties
            .iter()
            .map(|(code, _, _)| HelpedRegion {
                region: code.clone(),
                confirmed: true,
                note: None,
            })
            .collect();
        let mut bundle = ProgramBundle {
            program_code: self.program_code.clone(),
            helped: program
                .helped
                .iter()
                .map(|h| located("program.toml", h.clone()))
                .collect(),
            program: Some(program),
            ..ProgramBundle::default()
        };
        for (county, county_name, _) in &self.counties {
            for v in 0..self.plan.villages_per_county {
                let code =
                    RegionCode::parse(&format!("{county}{:03}{:03}", 101 + v / 20, v % 20 + 1))?;
                bundle.regions.push(located(
                    "regions.csv",
                    RegionName {
                        code,
                        name_zh: format!("{county_name}第{}村", v + 1),
                        name_en: None,
                        valid_from: None,
                        valid_to: None,
                    },
                ));
            }
        }
        let cities = self.plan.helper_cities.min(self.destinations.len());
        for (i, (code, _)) in self.units.iter().enumerate() {
            let (kind, name, region) = if i < cities {
                let place = &self.destinations[i];
                let kind = if place.ends_with("00") {
                    UnitKind::City
                } else {
                    UnitKind::County
                };
                (kind, name_of(place), RegionCode::parse(place).ok())
            } else {
                let n = i - cities;
                let kind = match n % 10 {
                    0..=3 => UnitKind::ProvincialDepartment,
                    4..=8 => UnitKind::Enterprise,
                    _ => UnitKind::SocialOrganisation,
                };
                (kind, format!("帮扶单位{}", n + 1), None)
            };
            bundle.units.push(located(
                "units.csv",
                (
                    Unit {
                        code: code.clone(),
                        name_zh: name,
                        name_en: None,
                        kind,
                        region,
                        note: None,
                    },
                    Side::Helping,
                ),
            ));
        }
        for (i, (county, _, city)) in self.counties.iter().enumerate() {
            let mut values = Vec::new();
            for spec in RecordKind::Pairing.fields() {
                values.push(match spec.name {
                    "code" => FieldValue::Text(format!("PAIR-{:04}", i + 1)),
                    "helper_unit" => FieldValue::Text(city.clone()),
                    "helped_region" => FieldValue::Text(county.to_string()),
                    "from_year" => FieldValue::Int(i64::from(self.plan.first_year)),
                    _ => self.default_of(&spec),
                });
            }
            bundle.records.push(located(
                "pairings.csv",
                Record {
                    kind: RecordKind::Pairing,
                    values,
                    custom: Default::default(),
                },
            ));
        }
        Ok(bundle)
    }

    /// What a field holds when nothing else is said: its default, the
    /// first choice when it must have one, else empty.
    fn default_of(&self, spec: &FieldSpec) -> FieldValue {
        match (spec.default, spec.ty) {
            (Some(d), _) => spec.parse(Some(d)).unwrap_or(FieldValue::Null),
            (None, FieldType::Choice(choices)) if spec.required => {
                FieldValue::Text(choices[0].code.to_string())
            }
            (None, FieldType::Flag) => FieldValue::Int(0),
            _ => FieldValue::Null,
        }
    }

    /// The records of one kind in one year, drawn in chunks of `chunk`;
    /// the same seed gives the same records.
    pub fn records(&self, kind: RecordKind, year: i32, chunk: usize) -> RecordChunks<'_> {
        let count = self
            .plan
            .per_year
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n);
        let kind_index = RecordKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u64;
        RecordChunks {
            synthetic: self,
            kind,
            year,
            count,
            done: 0,
            chunk: chunk.max(1),
            rng: SplitMix64(self.seed ^ (kind_index << 48) ^ ((year as u64) << 32) ^ 0x5EED_0000),
        }
    }

    /// Every kind and year of records, in the order they must be written
    /// (projects before the disbursements that pay them, parks before their enterprises).
    pub fn batches(
        &self,
        chunk: usize,
    ) -> impl Iterator<Item = (RecordKind, i32, RecordChunks<'_>)> {
        let years = self.plan.first_year..self.plan.first_year + self.plan.years;
        years.flat_map(move |year| {
            self.plan
                .per_year
                .iter()
                .map(move |(kind, _)| (*kind, year, self.records(*kind, year, chunk)))
        })
    }

    fn helper(&self, rng: &mut SplitMix64, county: usize) -> String {
        // Most of a county's work comes from its paired city; the rest from anyone, big ones likelier.
        if rng.fraction() < 0.6 {
            return self.counties[county].2.clone();
        }
        let mut pick = rng.fraction() * self.total_weight;
        for (code, w) in &self.units {
            if pick < *w {
                return code.clone();
            }
            pick -= w;
        }
        self.units
            .last()
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }

    fn record(&self, rng: &mut SplitMix64, kind: RecordKind, year: i32, n: usize) -> Record {
        let county = rng.below(self.counties.len());
        let village = rng.below(self.plan.villages_per_county);
        let county_code = self.counties[county].0.to_string();
        let region = format!(
            "{county_code}{:03}{:03}",
            101 + village / 20,
            village % 20 + 1
        );
        let prefix = match kind {
            RecordKind::Project => "P",
            RecordKind::FundTransaction => "F",
            RecordKind::CooperationAgreement => "A",
            RecordKind::IndustrialPark => "IP",
            RecordKind::ParkEnterprise => "PE",
            RecordKind::Training => "T",
            RecordKind::LabourTransfer => "L",
            RecordKind::CadreExchange => "C",
            RecordKind::StudentAid => "S",
            RecordKind::ExchangeVisit => "V",
            RecordKind::Pairing => "PAIR",
        };
        // Amounts spread log-normally around a typical size, in yuan.
        let typical = |rng: &mut SplitMix64, yuan: f64| -> i64 {
            let normal: f64 = (0..4).map(|_| rng.fraction()).sum::<f64>() - 2.0;
            ((yuan * (normal * 1.2).exp()).round() as i64).max(1) * 100
        };
        let mut values = Vec::new();
        for spec in kind.fields() {
            let v = match (spec.name, spec.ty) {
                ("code", _) => FieldValue::Text(format!("{prefix}-{year}-{n:07}")),
                ("year", _) => FieldValue::Int(i64::from(year)),
                ("helper_unit", _) => FieldValue::Text(self.helper(rng, county)),
                ("region_code", _) => FieldValue::Text(region.clone()),
                ("illustrative", _) => FieldValue::Int(1),
                ("people", _) if kind == RecordKind::LabourTransfer => FieldValue::Int(1),
                ("students", _) => FieldValue::Int(1),
                ("status", _) => FieldValue::Text(
                    if year < self.plan.first_year + self.plan.years - 2 {
                        "completed"
                    } else {
                        "in_progress"
                    }
                    .to_string(),
                ),
                ("project_code", _) => {
                    // Half the disbursements pay a project of the year.
                    let projects = self.count_of(RecordKind::Project);
                    if projects > 0 && rng.fraction() < 0.5 {
                        FieldValue::Text(format!("P-{year}-{:07}", rng.below(projects)))
                    } else {
                        FieldValue::Null
                    }
                }
                ("park_code", _) => {
                    let parks = self.count_of(RecordKind::IndustrialPark).max(1);
                    FieldValue::Text(format!(
                        "IP-{}-{:07}",
                        self.plan.first_year,
                        rng.below(parks)
                    ))
                }
                ("destination_region", _) => {
                    FieldValue::Text(self.destinations[rng.below(self.destinations.len())].clone())
                }
                (name, FieldType::Money | FieldType::SignedMoney) => FieldValue::Int(typical(
                    rng,
                    match (kind, name) {
                        (RecordKind::Project, _) => 500_000.0,
                        (RecordKind::FundTransaction, _) => 100_000.0,
                        (RecordKind::StudentAid, _) => 2_000.0,
                        (RecordKind::Training, _) => 50_000.0,
                        (RecordKind::CooperationAgreement, "value") => 10_000_000.0,
                        (_, "profit_tax") => 500_000.0,
                        _ => 5_000_000.0,
                    },
                )),
                ("length_km", _) => FieldValue::Int(rng.below(20_000) as i64),
                ("beneficiaries", _) => FieldValue::Int(100 + rng.below(5_000) as i64),
                ("participants", _) => FieldValue::Int(20 + rng.below(180) as i64),
                ("person_times", _) => FieldValue::Int(1 + rng.below(5) as i64),
                (_, FieldType::Count) => FieldValue::Int(rng.below(10) as i64),
                (_, FieldType::Date) => FieldValue::Text(self.date(rng, year)),
                (_, FieldType::Choice(choices)) => {
                    // Earlier choices are the common ones.
                    let i = ((rng.fraction().powi(2)) * choices.len() as f64) as usize;
                    FieldValue::Text(choices[i.min(choices.len() - 1)].code.to_string())
                }
                (_, FieldType::PersonRef) => {
                    FieldValue::Text(format!("X{:x}", rng.next_u64() >> 24))
                }
                ("name_zh" | "title_zh", _) => {
                    FieldValue::Text(format!("{}{prefix}{n}", self.counties[county].1))
                }
                ("enterprise" | "employer", _) => {
                    FieldValue::Text(format!("企业{}", rng.below(5_000) + 1))
                }
                ("school", _) => FieldValue::Text(format!(
                    "{}第{}小学",
                    self.counties[county].1,
                    village % 5 + 1
                )),
                _ => self.default_of(&spec),
            };
            values.push(v);
        }
        Record {
            kind,
            values,
            custom: Default::default(),
        }
    }

    fn count_of(&self, kind: RecordKind) -> usize {
        self.plan
            .per_year
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// A date in the year, more of them towards its end (as disbursements are).
    fn date(&self, rng: &mut SplitMix64, year: i32) -> String {
        const WEIGHTS: [u32; 12] = [4, 4, 6, 7, 8, 8, 8, 8, 9, 10, 12, 16];
        let total: u32 = WEIGHTS.iter().sum();
        let mut pick = rng.below(total as usize) as u32;
        let mut month = 1;
        for (i, w) in WEIGHTS.iter().enumerate() {
            if pick < *w {
                month = i + 1;
                break;
            }
            pick -= w;
        }
        format!("{year}-{month:02}-{:02}", rng.below(28) + 1)
    }
}

/// The records of one kind and year, a chunk at a time.
pub struct RecordChunks<'a> {
    synthetic: &'a Synthetic,
    kind: RecordKind,
    year: i32,
    count: usize,
    done: usize,
    chunk: usize,
    rng: SplitMix64,
}

impl Iterator for RecordChunks<'_> {
    type Item = Vec<Record>;

    fn next(&mut self) -> Option<Vec<Record>> {
        if self.done >= self.count {
            return None;
        }
        let end = (self.done + self.chunk).min(self.count);
        let records = (self.done..end)
            .map(|n| {
                self.synthetic
                    .record(&mut self.rng, self.kind, self.year, n)
            })
            .collect();
        self.done = end;
        Some(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Vec<&'static str> {
        vec![
            include_str!("../../../data/regions/provinces.csv"),
            include_str!("../../../data/regions/cities.csv"),
            include_str!("../../../data/regions/areas.csv"),
        ]
    }

    #[test]
    fn the_same_seed_gives_the_same_program_and_another_seed_another() {
        let a = Synthetic::new(Scale::Province, 7, &registry());
        let b = Synthetic::new(Scale::Province, 7, &registry());
        let c = Synthetic::new(Scale::Province, 8, &registry());
        assert_eq!(a.counties, b.counties);
        assert_ne!(a.counties, c.counties);
        let first = |s: &Synthetic| s.records(RecordKind::FundTransaction, 2015, 100).next();
        assert_eq!(first(&a), first(&b));
        assert_ne!(first(&a), first(&c));
        assert_eq!(a.counties.len(), 60);
    }

    #[test]
    fn records_are_valid_by_their_specs_and_counted_as_planned() {
        let s = Synthetic::new(Scale::County, 1, &registry());
        for (kind, n) in &s.plan.per_year {
            let records: Vec<Record> = s.records(*kind, 2020, 7).flatten().collect();
            assert_eq!(records.len(), *n, "{kind:?}");
            for r in records.iter().take(50) {
                for (spec, v) in kind.fields().iter().zip(&r.values) {
                    if spec.required {
                        assert_ne!(*v, FieldValue::Null, "{kind:?}.{}", spec.name);
                    }
                    // What is written reads back as the same value.
                    let text = spec.write(v);
                    assert_eq!(
                        spec.parse(Some(&text)).unwrap(),
                        *v,
                        "{kind:?}.{}",
                        spec.name
                    );
                }
            }
        }
    }

    #[test]
    fn a_few_units_do_most_of_the_work() {
        let s = Synthetic::new(Scale::Province, 3, &registry());
        let mut counts = std::collections::HashMap::new();
        for chunk in s.records(RecordKind::FundTransaction, 2018, 1000) {
            for r in chunk {
                *counts
                    .entry(r.get("helper_unit").as_text().unwrap_or("").to_string())
                    .or_insert(0usize) += 1;
            }
        }
        let mut sizes: Vec<usize> = counts.into_values().collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let top: usize = sizes.iter().take(sizes.len() / 10).sum();
        let all: usize = sizes.iter().sum();
        assert!(
            top * 2 > all,
            "the largest tenth of units has {top} of {all}"
        );
    }
}
