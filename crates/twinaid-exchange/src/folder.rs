//! Reading a program folder into a [`ProgramBundle`], collecting every problem
//! with its file, row and column instead of stopping at the first.

use crate::table::{Table, TableRow};
use std::path::{Path, PathBuf};
use twinaid_domain::aggregate::{AggregateValue, PlanTarget};
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::catalog::{AddedChoice, Catalog};
use twinaid_domain::custom::{CustomField, CustomKind, CustomRecord, FieldRow, common_fields};
use twinaid_domain::error::{DomainError, Location, Problem};
use twinaid_domain::indicator::{Filter, IndicatorDefinition, Measure, Rule};
use twinaid_domain::program::{Designation, HelpedRegion, Program};
use twinaid_domain::quantity::{Quantity, UnitOfMeasure};
use twinaid_domain::record::{Record, RecordKind, parse_code, parse_flag, parse_year};
use twinaid_domain::region::{RegionCode, RegionName};
use twinaid_domain::unit::{Side, Unit, UnitKind};

/// Where a program folder's files come from: a directory, or files built into the binary.
pub trait ProgramSource {
    /// The text of a file, `None` when the folder has no such file.
    fn read(&self, name: &str) -> Result<Option<String>, Problem>;
    /// How the folder is named in messages.
    fn describe(&self) -> String;
}

/// A program folder on disk.
pub struct FolderSource(pub PathBuf);

impl ProgramSource for FolderSource {
    fn read(&self, name: &str) -> Result<Option<String>, Problem> {
        let path = self.0.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                Problem::at(
                    Location {
                        file: Some(name.to_string()),
                        ..Location::default()
                    },
                    DomainError::BadDefinition(
                        "the file is not UTF-8 text; save it as CSV UTF-8".to_string(),
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Problem::at(
                Location {
                    file: Some(path.display().to_string()),
                    ..Location::default()
                },
                DomainError::BadDefinition(e.to_string()),
            )),
        }
    }

    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

impl FolderSource {
    /// A folder source, refusing a path that is not a folder with a program.toml.
    pub fn open(path: &Path) -> Result<FolderSource, Problem> {
        if !path.join("program.toml").is_file() {
            return Err(Problem::at(
                Location::default(),
                DomainError::NotAProgramFolder(path.display().to_string()),
            ));
        }
        Ok(FolderSource(path.to_path_buf()))
    }
}

/// A program folder built into the binary: file names and their texts.
pub struct StaticSource {
    pub name: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

impl ProgramSource for StaticSource {
    fn read(&self, name: &str) -> Result<Option<String>, Problem> {
        Ok(self
            .files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string()))
    }

    fn describe(&self) -> String {
        self.name.to_string()
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramToml {
    code: String,
    name_zh: Option<String>,
    name_en: Option<String>,
    start_year: Option<i32>,
    end_year: Option<i32>,
    helping_region: Option<String>,
}

fn toml_problem(error: DomainError, column: &str) -> Problem {
    Problem::at(
        Location {
            file: Some("program.toml".into()),
            column: Some(column.into()),
            ..Location::default()
        },
        error,
    )
}

fn read_header(source: &dyn ProgramSource) -> Result<(String, Option<Program>), Vec<Problem>> {
    let text = source
        .read("program.toml")
        .map_err(|p| vec![p])?
        .ok_or_else(|| {
            vec![Problem::at(
                Location::default(),
                DomainError::NotAProgramFolder(source.describe()),
            )]
        })?;
    let parsed: ProgramToml = toml::from_str(&text).map_err(|e| {
        vec![Problem::at(
            Location {
                file: Some("program.toml".into()),
                ..Location::default()
            },
            DomainError::BadDefinition(e.message().to_string()),
        )]
    })?;
    let code = parse_code(&parsed.code).map_err(|e| vec![toml_problem(e, "code")])?;
    let (Some(name_zh), Some(start_year)) = (&parsed.name_zh, parsed.start_year) else {
        // A folder of further records names only the program it adds to.
        return Ok((code, None));
    };
    let mut program = Program::new(
        &code,
        name_zh,
        parsed.name_en.as_deref().unwrap_or(name_zh),
        start_year,
        parsed.end_year,
    )
    .map_err(|e| vec![toml_problem(e, "end_year")])?;
    program.helping_region = parsed
        .helping_region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| vec![toml_problem(e, "helping_region")])?;
    Ok((code, Some(program)))
}

/// Collects problems while reading cells of one row.
struct Cells<'a, 'r> {
    row: &'a TableRow<'r>,
    problems: &'a mut Vec<Problem>,
}

impl Cells<'_, '_> {
    fn required(&mut self, column: &str) -> Option<String> {
        let v = self.row.get(column).map(str::to_string);
        if v.is_none() {
            self.problems
                .push(self.row.problem(column, DomainError::Required));
        }
        v
    }

    fn optional(&self, column: &str) -> Option<String> {
        self.row.get(column).map(str::to_string)
    }

    fn check<T>(&mut self, column: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(self.row.problem(column, e));
                None
            }
        }
    }

    fn year(&mut self, column: &str) -> Option<i32> {
        let t = self.required(column)?;
        self.check(column, parse_year(&t))
    }

    fn optional_year(&mut self, column: &str) -> Option<Option<i32>> {
        match self.optional(column) {
            None => Some(None),
            Some(t) => self.check(column, parse_year(&t)).map(Some),
        }
    }

    fn flag(&mut self, column: &str, default: bool) -> Option<bool> {
        match self.optional(column) {
            None => Some(default),
            Some(t) => self.check(column, parse_flag(&t)),
        }
    }

    fn region(&mut self, column: &str) -> Option<RegionCode> {
        let t = self.required(column)?;
        self.check(column, RegionCode::parse(&t))
    }

    fn optional_region(&mut self, column: &str) -> Option<Option<RegionCode>> {
        match self.optional(column) {
            None => Some(None),
            Some(t) => self.check(column, RegionCode::parse(&t)).map(Some),
        }
    }

    fn code(&mut self, column: &str) -> Option<String> {
        let t = self.required(column)?;
        self.check(column, parse_code(&t))
    }
}

fn table(
    source: &dyn ProgramSource,
    file: &str,
    columns: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<Table> {
    match source.read(file) {
        Err(p) => {
            problems.push(p);
            None
        }
        Ok(None) => None,
        Ok(Some(text)) => match Table::parse(file, &text, columns) {
            Ok(t) => Some(t),
            Err(ps) => {
                problems.extend(ps);
                None
            }
        },
    }
}

/// Parses `category=school|hospital; source=cities` into filters.
fn parse_filters(text: &str) -> Result<Vec<Filter>, DomainError> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (field, values) = part.split_once('=').ok_or_else(|| {
                DomainError::BadDefinition(format!("filter {part:?} needs field=value"))
            })?;
            Ok(Filter {
                field: field.trim().to_string(),
                values: values.split('|').map(|v| v.trim().to_string()).collect(),
            })
        })
        .collect()
}

/// `fields.csv`: fields added to record kinds.
fn read_fields(
    source: &dyn ProgramSource,
    installed: &Catalog,
    bundle: &mut ProgramBundle,
    problems: &mut Vec<Problem>,
) {
    let columns = [
        "kind", "code", "name_zh", "name_en", "type", "choices", "required", "help_zh", "help_en",
        "hidden",
    ];
    let Some(t) = table(source, FIELDS_FILE, &columns, problems) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for row in t.rows() {
        let mut c = Cells {
            row: &row,
            problems,
        };
        let (required, hidden) = (c.flag("required", false), c.flag("hidden", false));
        let (Some(required), Some(hidden)) = (required, hidden) else {
            continue;
        };
        let cell = |name: &str| row.get(name).unwrap_or_default();
        let added_kind = |code: &str| {
            installed.custom_kind(code).is_some()
                || bundle.kinds.iter().any(|k| k.item.code == code)
        };
        let read = CustomField::parse(
            FieldRow {
                kind: cell("kind"),
                code: cell("code"),
                name_zh: cell("name_zh"),
                name_en: row.get("name_en"),
                ty: cell("type"),
                choices: row.get("choices"),
                required,
                help_zh: row.get("help_zh"),
                help_en: row.get("help_en"),
                hidden,
            },
            &added_kind,
        );
        match read {
            Ok(f) => {
                if !seen.insert((f.kind.clone(), f.code.clone())) {
                    problems.push(row.problem("code", DomainError::DuplicateKey(f.code.clone())));
                } else {
                    bundle.fields.push(Located::new(row.location(), f));
                }
            }
            Err(errors) => problems.extend(errors.into_iter().map(|(f, e)| row.problem(f, e))),
        }
    }
}

/// `kinds.csv`: record kinds added.
fn read_kinds(source: &dyn ProgramSource, bundle: &mut ProgramBundle, problems: &mut Vec<Problem>) {
    let Some(t) = table(
        source,
        KINDS_FILE,
        &["code", "name_zh", "name_en"],
        problems,
    ) else {
        return;
    };
    for row in t.rows() {
        let cell = |name: &str| row.get(name).unwrap_or_default();
        match CustomKind::parse(cell("code"), cell("name_zh"), row.get("name_en")) {
            Ok(k) if bundle.kinds.iter().any(|g| g.item.code == k.code) => {
                problems.push(row.problem("code", DomainError::DuplicateKey(k.code)));
            }
            Ok(k) => bundle.kinds.push(Located::new(row.location(), k)),
            Err(errors) => problems.extend(errors.into_iter().map(|(f, e)| row.problem(f, e))),
        }
    }
}

/// The file of a program or group folder that adds record kinds.
pub const KINDS_FILE: &str = "kinds.csv";

/// The file of a program or group folder that adds fields to record kinds.
pub const FIELDS_FILE: &str = "fields.csv";

/// `choices.csv`: values added to built-in choice lists.
fn read_choices(
    source: &dyn ProgramSource,
    bundle: &mut ProgramBundle,
    problems: &mut Vec<Problem>,
) {
    let columns = ["field", "code", "name_zh", "name_en"];
    let Some(t) = table(source, CHOICES_FILE, &columns, problems) else {
        return;
    };
    for row in t.rows() {
        let cell = |name: &str| row.get(name).unwrap_or_default();
        match AddedChoice::parse(
            cell("field"),
            cell("code"),
            cell("name_zh"),
            row.get("name_en"),
        ) {
            Ok(c) => bundle.choices.push(Located::new(row.location(), c)),
            Err(errors) => problems.extend(errors.into_iter().map(|(f, e)| row.problem(f, e))),
        }
    }
}

/// A folder's `fields.csv` and `choices.csv` alone (a group folder's,
/// which apply to all its programs) as a bundle's `fields` and `choices`,
/// and the problems of the rows that do not read.
pub fn read_additions(
    source: &dyn ProgramSource,
    installed: &Catalog,
) -> (ProgramBundle, Vec<Problem>) {
    let mut bundle = ProgramBundle::default();
    let mut problems = Vec::new();
    read_kinds(source, &mut bundle, &mut problems);
    read_fields(source, installed, &mut bundle, &mut problems);
    read_choices(source, &mut bundle, &mut problems);
    (bundle, problems)
}

/// The file of a program or group folder that adds choice values.
pub const CHOICES_FILE: &str = "choices.csv";

fn read_indicators(
    source: &dyn ProgramSource,
    bundle: &mut ProgramBundle,
    problems: &mut Vec<Problem>,
) {
    let columns = [
        "code", "name_zh", "name_en", "unit", "stock", "kind", "measure", "filter", "formula",
    ];
    let Some(t) = table(source, "indicators.csv", &columns, problems) else {
        return;
    };
    for row in t.rows() {
        let mut c = Cells {
            row: &row,
            problems,
        };
        let code = c.code("code");
        let name_zh = c.required("name_zh");
        let unit_text = c.required("unit");
        let unit = unit_text.and_then(|u| {
            let parsed = UnitOfMeasure::parse(&u).ok_or(DomainError::UnknownChoice {
                value: u.clone(),
                allowed: UnitOfMeasure::ALL.iter().map(|u| u.code()).collect(),
            });
            c.check("unit", parsed)
        });
        let stock = c.flag("stock", false);
        let rule = if let Some(formula) = c.optional("formula") {
            Some(Rule::Formula(formula))
        } else if let Some(kind) = c.optional("kind") {
            let measure = c.check(
                "measure",
                Measure::parse(c.optional("measure").as_deref().unwrap_or("count")),
            );
            let filters = match c.optional("filter") {
                None => Some(Vec::new()),
                Some(f) => c.check("filter", parse_filters(&f)),
            };
            match (measure, filters) {
                (Some(measure), Some(filters)) => Some(Rule::Records {
                    kind,
                    measure,
                    filters,
                }),
                _ => None,
            }
        } else {
            Some(Rule::AggregatesOnly)
        };
        if let (Some(code), Some(name_zh), Some(unit), Some(stock), Some(rule)) =
            (code, name_zh, unit, stock, rule)
        {
            let name_en = c.optional("name_en").unwrap_or_else(|| name_zh.clone());
            bundle.indicators.push(Located::new(
                row.location(),
                IndicatorDefinition {
                    code,
                    name_zh,
                    name_en,
                    unit,
                    stock,
                    rule,
                },
            ));
        }
    }
}

/// Reads a whole program folder. `indicator_unit` tells the unit of indicators
/// already stored, so aggregate values and targets can be read in their unit.
/// Only a folder without a readable `program.toml` is an error here; cells that
/// do not parse are kept in the bundle's `problems`, so they are reported
/// together with what the whole-bundle check finds.
pub fn read_program(
    source: &dyn ProgramSource,
    indicator_unit: &dyn Fn(&str) -> Option<UnitOfMeasure>,
) -> Result<ProgramBundle, Vec<Problem>> {
    read_program_in(source, indicator_unit, &Catalog::default())
}

/// Reads a whole program folder as [`read_program`] does, its records
/// taking the choice values `installed` (the installation's) and the
/// folder's own `choices.csv` add.
pub fn read_program_in(
    source: &dyn ProgramSource,
    indicator_unit: &dyn Fn(&str) -> Option<UnitOfMeasure>,
    installed: &Catalog,
) -> Result<ProgramBundle, Vec<Problem>> {
    let (program_code, program) = read_header(source)?;
    let mut bundle = ProgramBundle {
        program_code,
        program,
        ..ProgramBundle::default()
    };
    let mut problems = Vec::new();

    if let Some(t) = table(
        source,
        "regions.csv",
        &["code", "name_zh", "name_en", "valid_from", "valid_to"],
        &mut problems,
    ) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (code, name_zh) = (c.region("code"), c.required("name_zh"));
            let (from, to) = (c.optional_year("valid_from"), c.optional_year("valid_to"));
            if let (Some(code), Some(name_zh), Some(valid_from), Some(valid_to)) =
                (code, name_zh, from, to)
            {
                let name_en = c.optional("name_en");
                bundle.regions.push(Located::new(
                    row.location(),
                    RegionName {
                        code,
                        name_zh,
                        name_en,
                        valid_from,
                        valid_to,
                    },
                ));
            }
        }
    }
    if let Some(t) = table(
        source,
        "helped_regions.csv",
        &["region_code", "confirmed", "note"],
        &mut problems,
    ) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            if let (Some(region), Some(confirmed)) =
                (c.region("region_code"), c.flag("confirmed", true))
            {
                let note = c.optional("note");
                bundle.helped.push(Located::new(
                    row.location(),
                    HelpedRegion {
                        region,
                        confirmed,
                        note,
                    },
                ));
            }
        }
    }
    let designation_columns = [
        "region_code",
        "designation",
        "from_year",
        "to_year",
        "confirmed",
        "note",
    ];
    if let Some(t) = table(
        source,
        "designations.csv",
        &designation_columns,
        &mut problems,
    ) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (region, designation) = (c.region("region_code"), c.code("designation"));
            let (from, to, confirmed) = (
                c.optional_year("from_year"),
                c.optional_year("to_year"),
                c.flag("confirmed", true),
            );
            if let (
                Some(region),
                Some(designation),
                Some(from_year),
                Some(to_year),
                Some(confirmed),
            ) = (region, designation, from, to, confirmed)
            {
                let note = c.optional("note");
                bundle.designations.push(Located::new(
                    row.location(),
                    Designation {
                        region,
                        designation,
                        from_year,
                        to_year,
                        confirmed,
                        note,
                    },
                ));
            }
        }
    }
    let unit_columns = [
        "code",
        "name_zh",
        "name_en",
        "kind",
        "region_code",
        "side",
        "note",
    ];
    if let Some(t) = table(source, "units.csv", &unit_columns, &mut problems) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (code, name_zh) = (c.code("code"), c.required("name_zh"));
            let kind = c.required("kind").and_then(|k| {
                let parsed = UnitKind::parse(&k).ok_or(DomainError::UnknownChoice {
                    value: k.clone(),
                    allowed: UnitKind::codes(),
                });
                c.check("kind", parsed)
            });
            let side = c.required("side").and_then(|s| {
                let parsed = Side::parse(&s).ok_or(DomainError::UnknownChoice {
                    value: s.clone(),
                    allowed: vec!["helping", "helped"],
                });
                c.check("side", parsed)
            });
            let region = c.optional_region("region_code");
            if let (Some(code), Some(name_zh), Some(kind), Some(side), Some(region)) =
                (code, name_zh, kind, side, region)
            {
                let unit = Unit {
                    code,
                    name_zh,
                    name_en: c.optional("name_en"),
                    kind,
                    region,
                    note: c.optional("note"),
                };
                bundle
                    .units
                    .push(Located::new(row.location(), (unit, side)));
            }
        }
    }
    read_kinds(source, &mut bundle, &mut problems);
    read_fields(source, installed, &mut bundle, &mut problems);
    read_choices(source, &mut bundle, &mut problems);
    let catalog = installed.with(&bundle.catalog());
    read_indicators(source, &mut bundle, &mut problems);
    let own_units: Vec<(String, UnitOfMeasure)> = bundle
        .indicators
        .iter()
        .map(|i| (i.item.code.clone(), i.item.unit))
        .collect();
    let unit_of = |code: &str| {
        own_units
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, u)| *u)
            .or_else(|| indicator_unit(code))
    };

    for kind in RecordKind::ALL {
        let fields = catalog.file_fields(kind);
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let Some(t) = table(source, kind.file(), &names, &mut problems) else {
            continue;
        };
        for row in t.rows() {
            match Record::parse_in(kind, &fields, |name| row.get(name)) {
                Ok(record) => bundle.records.push(Located::new(row.location(), record)),
                Err(errors) => {
                    problems.extend(errors.into_iter().map(|(field, e)| row.problem(field, e)))
                }
            }
        }
    }

    for kind in catalog.custom_kinds() {
        let own = catalog.kind_fields(&kind.code);
        let names: Vec<&str> = common_fields().iter().chain(&own).map(|f| f.name).collect();
        let file = kind.file();
        let Some(t) = table(source, &file, &names, &mut problems) else {
            continue;
        };
        for row in t.rows() {
            match CustomRecord::parse(&kind.code, &own, |name| row.get(name)) {
                Ok(record) => bundle
                    .custom_records
                    .push(Located::new(row.location(), record)),
                Err(errors) => {
                    problems.extend(errors.into_iter().map(|(field, e)| row.problem(field, e)))
                }
            }
        }
    }

    let value_of = |c: &mut Cells, column: &str, indicator: &Option<String>| -> Option<i64> {
        let text = c.required(column)?;
        let code = indicator.as_ref()?;
        let Some(unit) = unit_of(code) else {
            c.check::<()>(
                "indicator",
                Err(DomainError::UnknownIndicator(code.clone())),
            );
            return None;
        };
        c.check(column, Quantity::parse(unit, &text)).map(|q| q.raw)
    };
    let aggregate_columns = [
        "indicator",
        "year_from",
        "year_to",
        "helper_unit",
        "region_code",
        "value",
        "note",
    ];
    if let Some(t) = table(
        source,
        "aggregate_values.csv",
        &aggregate_columns,
        &mut problems,
    ) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let indicator = c.code("indicator");
            let (from, to) = (c.year("year_from"), c.year("year_to"));
            let helper_unit = c.optional("helper_unit");
            let region = c.optional_region("region_code");
            let value = value_of(&mut c, "value", &indicator);
            if let (Some(indicator), Some(year_from), Some(year_to), Some(region), Some(value)) =
                (indicator, from, to, region, value)
            {
                bundle.aggregates.push(Located::new(
                    row.location(),
                    AggregateValue {
                        indicator,
                        year_from,
                        year_to,
                        helper_unit,
                        region,
                        value,
                        note: c.optional("note"),
                    },
                ));
            }
        }
    }
    let target_columns = [
        "helper_unit",
        "year",
        "indicator",
        "region_code",
        "target",
        "note",
    ];
    if let Some(t) = table(source, "plan_targets.csv", &target_columns, &mut problems) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (helper_unit, year, indicator) =
                (c.code("helper_unit"), c.year("year"), c.code("indicator"));
            let region = c.optional_region("region_code");
            let target = value_of(&mut c, "target", &indicator);
            if let (Some(helper_unit), Some(year), Some(indicator), Some(region), Some(target)) =
                (helper_unit, year, indicator, region, target)
            {
                bundle.targets.push(Located::new(
                    row.location(),
                    PlanTarget {
                        helper_unit,
                        year,
                        indicator,
                        region,
                        target,
                        note: c.optional("note"),
                    },
                ));
            }
        }
    }
    let rate_columns = ["currency", "date", "rate", "source"];
    if let Some(t) = table(source, "exchange_rates.csv", &rate_columns, &mut problems) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (currency, on, rate) = (
                c.required("currency"),
                c.required("date"),
                c.required("rate"),
            );
            let (Some(currency), Some(on), Some(rate)) = (currency, on, rate) else {
                continue;
            };
            let source = c.optional("source").unwrap_or_default();
            match twinaid_domain::currency::ExchangeRate::parse(&currency, &on, &rate, &source) {
                Ok(r) => bundle.exchange_rates.push(Located::new(row.location(), r)),
                Err(errors) => {
                    for (column, e) in errors {
                        c.problems.push(c.row.problem(column, e));
                    }
                }
            }
        }
    }
    if let Some(t) = table(
        source,
        "sector_categories.csv",
        &["sector", "category"],
        &mut problems,
    ) {
        for row in t.rows() {
            let mut c = Cells {
                row: &row,
                problems: &mut problems,
            };
            let (Some(sector), Some(category)) = (c.required("sector"), c.required("category"))
            else {
                continue;
            };
            match twinaid_domain::sector::SectorCategory::parse(&sector, &category) {
                Ok(r) => bundle
                    .sector_categories
                    .push(Located::new(row.location(), r)),
                Err(errors) => {
                    for (column, e) in errors {
                        c.problems.push(c.row.problem(column, e));
                    }
                }
            }
        }
    }
    bundle.problems = problems;
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(files: &'static [(&'static str, &'static str)]) -> StaticSource {
        StaticSource {
            name: "test",
            files,
        }
    }

    fn no_indicators(_: &str) -> Option<UnitOfMeasure> {
        None
    }

    #[test]
    fn a_folder_of_further_records_names_only_its_program() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "projects.csv",
                "code,year,helper_unit,region_code,category,name_zh\np9,2010,hz,510822,school,某小学\n",
            ),
        ]);
        let b = read_program(&s, &no_indicators).unwrap();
        assert_eq!(b.program_code, "zj-sc");
        assert!(b.program.is_none());
        assert_eq!(b.records.len(), 1);
        assert_eq!(b.records[0].location.row, Some(2));
        assert!(b.problems.is_empty());
    }

    #[test]
    fn exchange_rates_are_read_and_bad_ones_named() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "exchange_rates.csv",
                "currency,date,rate,source\nusd,2015,6.2,财政部\nXDR,2015-06-30,9.5,\nEURO,15,-1,x\n",
            ),
        ]);
        let b = read_program(&s, &no_indicators).unwrap();
        let rates: Vec<(&str, &str, &str)> = b
            .exchange_rates
            .iter()
            .map(|r| {
                (
                    r.item.currency.as_str(),
                    r.item.on.as_str(),
                    r.item.rate.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rates,
            [("USD", "2015", "6.2"), ("XDR", "2015-06-30", "9.5")]
        );
        let places: Vec<_> = b
            .problems
            .iter()
            .map(|p| (p.location.row.unwrap(), p.location.column.clone().unwrap()))
            .collect();
        assert_eq!(
            places,
            [
                (4, "currency".to_string()),
                (4, "date".to_string()),
                (4, "rate".to_string())
            ]
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "fund_transactions.csv",
                "code,year,helper_unit,region_code,kind,amount\nf1,2010,hz,510822,disbursement,100\nf2,2010,hz,5108x2,disbursement,5 元\n",
            ),
        ]);
        let problems = read_program(&s, &no_indicators).unwrap().problems;
        let places: Vec<_> = problems
            .iter()
            .map(|p| (p.location.row.unwrap(), p.location.column.clone().unwrap()))
            .collect();
        assert_eq!(
            places,
            vec![(3, "region_code".to_string()), (3, "amount".to_string())]
        );
    }

    #[test]
    fn unknown_columns_are_refused() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            ("trainings.csv", "code,yeer\n"),
        ]);
        let problems = read_program(&s, &no_indicators).unwrap().problems;
        assert!(matches!(problems[0].error, DomainError::UnknownColumn(_)));
    }

    #[test]
    fn aggregate_values_are_read_in_their_indicators_unit() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "aggregate_values.csv",
                "indicator,year_from,year_to,value\naid_funds,1996,2008,\"379,800,000\"\nroads_km,1996,2008,921.5\n",
            ),
        ]);
        let unit = |c: &str| match c {
            "aid_funds" => Some(UnitOfMeasure::Yuan),
            "roads_km" => Some(UnitOfMeasure::Km),
            _ => None,
        };
        let b = read_program(&s, &unit).unwrap();
        assert_eq!(b.aggregates[0].item.value, 37_980_000_000);
        assert_eq!(b.aggregates[1].item.value, 921_500);
    }

    #[test]
    fn indicators_can_be_defined_in_the_folder() {
        let s = source(&[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "indicators.csv",
                "code,name_zh,name_en,unit,kind,measure,filter,formula\nbridges,桥梁,bridges,count,project,count,category=bridge,\naid_per_head,人均,per head,yuan,,,,aid_funds / beneficiaries\n",
            ),
        ]);
        let b = read_program(&s, &no_indicators).unwrap();
        assert_eq!(b.indicators.len(), 2);
        assert!(matches!(b.indicators[1].item.rule, Rule::Formula(_)));
    }
}
