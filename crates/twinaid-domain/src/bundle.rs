//! A program bundle: everything one load brings in, checked as a whole
//! before anything is written.

use crate::aggregate::{AggregateValue, PlanTarget};
use crate::error::{DomainError, Location, Problem};
use crate::indicator::IndicatorDefinition;
use crate::program::{Designation, HelpedRegion, Program};
use crate::record::{Record, RecordContext, RecordKind, UnitStanding};
use crate::region::{RegionCode, RegionName};
use crate::unit::{Side, Unit};
use std::collections::{HashMap, HashSet};

/// An item with the place in the input it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub location: Location,
    pub item: T,
}

impl<T> Located<T> {
    /// Wraps an item with its place.
    pub fn new(location: Location, item: T) -> Located<T> {
        Located { location, item }
    }
}

/// What one program folder holds.
#[derive(Debug, Clone, Default)]
pub struct ProgramBundle {
    /// The program the bundle belongs to.
    pub program_code: String,
    /// The program's header (names, years), when the folder defines or changes it.
    pub program: Option<Program>,
    pub helped: Vec<Located<HelpedRegion>>,
    pub regions: Vec<Located<RegionName>>,
    pub designations: Vec<Located<Designation>>,
    pub units: Vec<Located<(Unit, Side)>>,
    pub records: Vec<Located<Record>>,
    pub aggregates: Vec<Located<AggregateValue>>,
    pub targets: Vec<Located<PlanTarget>>,
    /// The office's exchange rates (`exchange_rates.csv`).
    pub exchange_rates: Vec<Located<crate::currency::ExchangeRate>>,
    /// The office's DAC sector → category rows (`sector_categories.csv`).
    pub sector_categories: Vec<Located<crate::sector::SectorCategory>>,
    pub indicators: Vec<Located<IndicatorDefinition>>,
    /// Values added to built-in choice lists (`choices.csv`), installation-wide.
    pub choices: Vec<Located<crate::catalog::AddedChoice>>,
    /// Fields added to record kinds (`fields.csv`), installation-wide.
    pub fields: Vec<Located<crate::custom::CustomField>>,
    /// Record kinds added (`kinds.csv`), installation-wide.
    pub kinds: Vec<Located<crate::custom::CustomKind>>,
    /// Records of added kinds (`custom_CODE.csv`).
    pub custom_records: Vec<Located<crate::custom::CustomRecord>>,
    /// Problems found while reading the files (cells that do not parse); the
    /// items they stand in are left out above.
    pub problems: Vec<Problem>,
}

/// What a bundle refers to that may be stored already: all a [`Stored`]
/// must hold for the bundle's check, so a small bundle need not read every
/// region, unit and record code of the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Region codes as the registry holds them (villages by their county).
    pub regions: std::collections::BTreeSet<String>,
    pub units: std::collections::BTreeSet<String>,
    pub records: std::collections::BTreeMap<RecordKind, std::collections::BTreeSet<String>>,
}

impl Mentions {
    /// How many codes in all.
    pub fn len(&self) -> usize {
        self.regions.len()
            + self.units.len()
            + self.records.values().map(|s| s.len()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What is already stored that a bundle may refer to.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub program: Option<Program>,
    pub regions: HashSet<RegionCode>,
    /// Every known unit, with its side in this program when it takes part.
    pub units: HashMap<String, Option<Side>>,
    pub records: HashMap<RecordKind, HashSet<String>>,
    pub indicators: HashSet<String>,
    /// The installation's additions to the record kinds.
    pub catalog: crate::catalog::Catalog,
}

struct Known<'a> {
    program: Program,
    stored: &'a Stored,
    regions: HashSet<RegionCode>,
    units: HashMap<String, Side>,
    records: HashMap<RecordKind, HashSet<String>>,
    indicators: HashSet<String>,
}

impl RecordContext for Known<'_> {
    fn program(&self) -> &Program {
        &self.program
    }
    fn region_known(&self, code: &RegionCode) -> bool {
        self.regions.contains(code) || self.stored.regions.contains(code)
    }
    fn unit_standing(&self, code: &str) -> UnitStanding {
        // The bundle's units.csv sets (or changes) a unit's side in this program.
        match (self.units.get(code), self.stored.units.get(code)) {
            (Some(side), _) | (None, Some(Some(side))) => UnitStanding::Member(*side),
            (None, Some(None)) => UnitStanding::Outside,
            (None, None) => UnitStanding::Unknown,
        }
    }
    fn record_known(&self, kind: RecordKind, code: &str) -> bool {
        let has = |m: &HashMap<RecordKind, HashSet<String>>| {
            m.get(&kind).is_some_and(|s| s.contains(code))
        };
        has(&self.records) || has(&self.stored.records)
    }
}

fn at(location: &Location, column: &str, error: DomainError) -> Problem {
    let mut location = location.clone();
    location.column = Some(column.to_string());
    Problem::at(location, error)
}

impl ProgramBundle {
    /// The choice values and fields the bundle adds.
    pub fn catalog(&self) -> crate::catalog::Catalog {
        crate::catalog::Catalog::new(self.choices.iter().map(|c| c.item.clone()))
            .with_fields(self.fields.iter().map(|f| f.item.clone()))
            .with_kinds(self.kinds.iter().map(|k| k.item.clone()))
    }

    /// Every stored thing the bundle's check may ask about.
    pub fn mentions(&self) -> Mentions {
        use crate::record::{FieldType, FieldValue};
        let mut m = Mentions::default();
        let region = |code: &RegionCode, m: &mut Mentions| {
            m.regions.insert(code.county().to_string());
            m.regions.insert(code.to_string());
        };
        for h in &self.helped {
            region(&h.item.region, &mut m);
        }
        for d in &self.designations {
            region(&d.item.region, &mut m);
        }
        for u in &self.units {
            if let Some(r) = &u.item.0.region {
                region(r, &mut m);
            }
        }
        for r in &self.records {
            for (spec, value) in r.item.kind.fields().iter().zip(&r.item.values) {
                let FieldValue::Text(text) = value else {
                    continue;
                };
                match spec.ty {
                    FieldType::Region | FieldType::HelpedRegion => {
                        if let Ok(code) = RegionCode::parse(text) {
                            region(&code, &mut m);
                        }
                    }
                    FieldType::HelperUnit | FieldType::HelpedUnit => {
                        m.units.insert(text.clone());
                    }
                    FieldType::Ref(kind) => {
                        m.records.entry(kind).or_default().insert(text.clone());
                    }
                    _ => {}
                }
            }
        }
        for r in &self.custom_records {
            m.units
                .extend(r.item.get("helper_unit").as_text().map(str::to_string));
            if let Some(code) = r
                .item
                .get("region_code")
                .as_text()
                .and_then(|t| RegionCode::parse(t).ok())
            {
                region(&code, &mut m);
            }
        }
        for a in &self.aggregates {
            m.units.extend(a.item.helper_unit.clone());
            if let Some(r) = &a.item.region {
                region(r, &mut m);
            }
        }
        for t in &self.targets {
            m.units.insert(t.item.helper_unit.clone());
            if let Some(r) = &t.item.region {
                region(r, &mut m);
            }
        }
        m
    }

    /// The program as it will be after the load: the bundle's header over the
    /// stored one, with the helped regions of both; `None` when neither defines it.
    pub fn effective_program(&self, stored: &Stored) -> Option<Program> {
        let mut program = self.program.clone().or_else(|| stored.program.clone())?;
        if let (Some(p), Some(s)) = (&self.program, &stored.program) {
            program.helped = s.helped.clone();
            program.helped.extend(p.helped.iter().cloned());
        }
        for h in &self.helped {
            if !program.helped.iter().any(|x| x.region == h.item.region) {
                program.helped.push(h.item.clone());
            }
        }
        Some(program)
    }

    /// Checks every item against the program, what is stored and the rest of
    /// the bundle; returns every problem found, in input order.
    pub fn check(&self, stored: &Stored) -> Vec<Problem> {
        let Some(program) = self.effective_program(stored) else {
            return vec![Problem::at(
                Location {
                    file: Some("program.toml".into()),
                    ..Location::default()
                },
                DomainError::UnknownProgram(self.program_code.clone()),
            )];
        };
        let mut problems = self.problems.clone();
        if let Some(s) = &stored.program
            && s.code != self.program_code
        {
            problems.push(Problem::at(
                Location::default(),
                DomainError::ProgramMismatch {
                    expected: s.code.clone(),
                    found: self.program_code.clone(),
                },
            ));
        }
        let mut known = Known {
            program,
            stored,
            regions: self.regions.iter().map(|r| r.item.code.clone()).collect(),
            units: HashMap::new(),
            records: HashMap::new(),
            indicators: self
                .indicators
                .iter()
                .map(|i| i.item.code.clone())
                .collect(),
        };
        for h in &self.helped {
            if !known.region_known(&h.item.region) {
                problems.push(at(
                    &h.location,
                    "region_code",
                    DomainError::UnknownRegion(h.item.region.to_string()),
                ));
            }
        }
        for d in &self.designations {
            if !known.region_known(&d.item.region) {
                problems.push(at(
                    &d.location,
                    "region_code",
                    DomainError::UnknownRegion(d.item.region.to_string()),
                ));
            }
        }
        for u in &self.units {
            let (unit, side) = &u.item;
            if known.units.insert(unit.code.clone(), *side).is_some() {
                problems.push(at(
                    &u.location,
                    "code",
                    DomainError::DuplicateKey(unit.code.clone()),
                ));
            }
            if let Some(r) = &unit.region
                && !known.region_known(r)
            {
                problems.push(at(
                    &u.location,
                    "region_code",
                    DomainError::UnknownRegion(r.to_string()),
                ));
            }
        }
        for r in &self.records {
            let set = known.records.entry(r.item.kind).or_default();
            if !set.insert(r.item.code().to_string()) {
                problems.push(at(
                    &r.location,
                    "code",
                    DomainError::DuplicateKey(r.item.code().to_string()),
                ));
            }
        }
        let mut custom_codes: HashSet<(&str, &str)> = HashSet::new();
        for r in &self.custom_records {
            if !custom_codes.insert((&r.item.kind, r.item.code())) {
                problems.push(at(
                    &r.location,
                    "code",
                    DomainError::DuplicateKey(r.item.code().to_string()),
                ));
            }
            for (field, error) in r.item.check(&known) {
                problems.push(at(&r.location, field, error));
            }
        }
        for r in &self.records {
            for (field, error) in r.item.check(&known) {
                problems.push(at(&r.location, field, error));
            }
        }
        let indicator_known =
            |code: &str| known.indicators.contains(code) || stored.indicators.contains(code);
        let all_indicators: HashSet<String> = known
            .indicators
            .iter()
            .chain(&stored.indicators)
            .cloned()
            .collect();
        // A field's type stays: stored values are read by it.
        for f in &self.fields {
            if let Some(before) = stored.catalog.field_definition(&f.item.kind, &f.item.code)
                && before.ty != f.item.ty
            {
                problems.push(at(
                    &f.location,
                    "type",
                    DomainError::FieldTypeFixed {
                        field: format!("{}.{}", f.item.kind, f.item.code),
                        from: before.ty.code(),
                        to: f.item.ty.code(),
                    },
                ));
            }
        }
        let catalog = stored.catalog.with(&self.catalog());
        for i in &self.indicators {
            if let Err(e) = i
                .item
                .validate_in(&|c| all_indicators.contains(c), &catalog)
            {
                problems.push(at(&i.location, "definition", e));
            }
        }
        let mut keys = HashSet::new();
        for a in &self.aggregates {
            if !indicator_known(&a.item.indicator) {
                problems.push(at(
                    &a.location,
                    "indicator",
                    DomainError::UnknownIndicator(a.item.indicator.clone()),
                ));
            }
            if let Some(u) = &a.item.helper_unit
                && let Err(e) =
                    known
                        .unit_standing(u)
                        .require(u, Side::Helping, &known.program.code)
            {
                problems.push(at(&a.location, "helper_unit", e));
            }
            for (field, error) in a.item.check(&known.program) {
                problems.push(at(&a.location, field, error));
            }
            if !keys.insert(a.item.key()) {
                problems.push(at(
                    &a.location,
                    "indicator",
                    DomainError::DuplicateKey(a.item.key()),
                ));
            }
        }
        let mut keys = HashSet::new();
        for t in &self.targets {
            if !indicator_known(&t.item.indicator) {
                problems.push(at(
                    &t.location,
                    "indicator",
                    DomainError::UnknownIndicator(t.item.indicator.clone()),
                ));
            }
            let unit = &t.item.helper_unit;
            if let Err(e) =
                known
                    .unit_standing(unit)
                    .require(unit, Side::Helping, &known.program.code)
            {
                problems.push(at(&t.location, "helper_unit", e));
            }
            if let Err(e) = known.program.check_year(t.item.year) {
                problems.push(at(&t.location, "year", e));
            }
            if let Some(r) = &t.item.region
                && !known.program.helps(r)
            {
                problems.push(at(
                    &t.location,
                    "region_code",
                    DomainError::RegionNotHelped {
                        region: r.to_string(),
                        program: known.program.code.clone(),
                    },
                ));
            }
            if !keys.insert(t.item.key()) {
                problems.push(at(
                    &t.location,
                    "indicator",
                    DomainError::DuplicateKey(t.item.key()),
                ));
            }
        }
        // One list in the order a person fixes them: file by file, row by row.
        problems.sort_by(|a, b| {
            (&a.location.file, a.location.row).cmp(&(&b.location.file, b.location.row))
        });
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::UnitKind;

    fn stored() -> Stored {
        let mut program = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
        program.helped.push(HelpedRegion {
            region: RegionCode::parse("510822").unwrap(),
            confirmed: true,
            note: None,
        });
        Stored {
            program: Some(program),
            regions: ["510822", "510800", "511381"]
                .iter()
                .map(|c| RegionCode::parse(c).unwrap())
                .collect(),
            units: [
                ("zj-dot".to_string(), Some(Side::Helping)),
                ("guangyuan".to_string(), Some(Side::Helped)),
                ("elsewhere".to_string(), None),
            ]
            .into_iter()
            .collect(),
            indicators: ["aid_funds".to_string()].into_iter().collect(),
            ..Stored::default()
        }
    }

    fn project(row: usize, cells: &[(&str, &str)]) -> Located<Record> {
        let record = Record::parse(RecordKind::Project, |name| {
            cells.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        })
        .unwrap();
        Located::new(
            Location {
                file: Some("projects.csv".into()),
                row: Some(row),
                ..Location::default()
            },
            record,
        )
    }

    const OK: &[(&str, &str)] = &[
        ("code", "p1"),
        ("year", "2009"),
        ("helper_unit", "zj-dot"),
        ("region_code", "510822"),
        ("category", "bridge"),
        ("name_zh", "桥"),
    ];

    #[test]
    fn a_good_bundle_has_no_problems() {
        let bundle = ProgramBundle {
            program_code: "zj-sc".into(),
            records: vec![project(2, OK)],
            ..ProgramBundle::default()
        };
        assert_eq!(bundle.check(&stored()), vec![]);
    }

    #[test]
    fn problems_name_row_and_column() {
        let mut bad: Vec<(&str, &str)> = OK.to_vec();
        bad[0] = ("code", "p2");
        bad[1] = ("year", "1990");
        bad[3] = ("region_code", "511381");
        let bundle = ProgramBundle {
            program_code: "zj-sc".into(),
            records: vec![project(2, OK), project(3, &bad), project(4, OK)],
            ..ProgramBundle::default()
        };
        let problems = bundle.check(&stored());
        let places: Vec<_> = problems
            .iter()
            .map(|p| (p.location.row, p.location.column.clone().unwrap()))
            .collect();
        assert_eq!(
            places,
            vec![
                (Some(3), "year".to_string()),
                (Some(3), "region_code".to_string()),
                (Some(4), "code".to_string()),
            ]
        );
    }

    #[test]
    fn an_unknown_program_without_header_is_refused() {
        let bundle = ProgramBundle {
            program_code: "nowhere".into(),
            ..ProgramBundle::default()
        };
        let problems = bundle.check(&Stored::default());
        assert!(matches!(problems[0].error, DomainError::UnknownProgram(_)));
    }

    #[test]
    fn units_in_the_bundle_can_be_referred_to() {
        let mut cells: Vec<(&str, &str)> = OK.to_vec();
        cells[2] = ("helper_unit", "new-unit");
        let bundle = ProgramBundle {
            program_code: "zj-sc".into(),
            units: vec![Located::new(
                Location::default(),
                (
                    Unit {
                        code: "new-unit".into(),
                        name_zh: "新单位".into(),
                        name_en: None,
                        kind: UnitKind::Enterprise,
                        region: None,
                        note: None,
                    },
                    Side::Helping,
                ),
            )],
            records: vec![project(2, &cells)],
            ..ProgramBundle::default()
        };
        assert_eq!(bundle.check(&stored()), vec![]);
    }

    #[test]
    fn records_must_name_a_helping_unit_of_the_program() {
        for (unit, expected) in [("guangyuan", "helping"), ("elsewhere", "helping")] {
            let mut cells: Vec<(&str, &str)> = OK.to_vec();
            cells[2] = ("helper_unit", unit);
            let bundle = ProgramBundle {
                program_code: "zj-sc".into(),
                records: vec![project(2, &cells)],
                ..ProgramBundle::default()
            };
            let problems = bundle.check(&stored());
            assert!(
                matches!(&problems[0].error, DomainError::WrongSide { side, .. } if *side == expected),
                "{unit}: {problems:?}"
            );
        }
    }
}
