//! The yearbook arithmetic: a year's value, the cumulative value since the
//! program began, the previous year and the change, split by where each part
//! came from, by helped county and by fund source.

use crate::indicator::{Formula, IndicatorDefinition, Rule};
use crate::quantity::Amount;
use crate::quantity::UnitOfMeasure;
use crate::region::RegionCode;
use crate::unit::SourceKind;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Where a part of a figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Records,
    Aggregates,
}

/// One summed piece of an indicator, as the store returns it already grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// Shared: a national yearbook has tens of thousands of pieces of a few dozen indicators.
    pub indicator: std::sync::Arc<str>,
    pub year_from: i32,
    pub year_to: i32,
    pub region: Option<RegionCode>,
    pub source: Option<SourceKind>,
    pub origin: Origin,
    /// In the indicator's stored scale.
    pub raw: i64,
    /// Which figures it counts in: all of them, or (for sums stored already
    /// split) only the by-county or only the by-source ones and the totals.
    pub counts_in: CountsIn,
}

/// A value for the year and since the program began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub year: i64,
    pub cumulative: i64,
}

/// The key used for figures that belong to no county or no known source.
pub const UNALLOCATED: &str = "unallocated";
/// The key for aggregate values whose source was not recorded.
pub const UNSPECIFIED: &str = "unspecified";

/// One indicator's figures in a yearbook.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorFigures {
    pub definition: IndicatorDefinition,
    pub year: i64,
    pub cumulative: i64,
    /// `None` when the program has no data at all for the previous year.
    pub previous_year: Option<i64>,
    pub from_records: Split,
    pub from_aggregates: Split,
    /// Keyed by region code (townships folded into their county), or [`UNALLOCATED`].
    pub by_county: BTreeMap<String, Split>,
    /// Keyed by source code, or [`UNSPECIFIED`].
    pub by_source: BTreeMap<String, Split>,
    /// The year's records on their way to being counted (proposed or
    /// verified projects and their money): not in any figure above.
    pub pending: i64,
    /// The pending share by county, keyed as `by_county`.
    pub pending_by_county: BTreeMap<String, i64>,
    /// For a distinct count, what the records gave (the figures above
    /// hold it, aggregate values added): a group takes it out and puts
    /// in the count across its programs.
    pub distinct: Option<DistinctCounts>,
}

/// A distinct count's year, previous year and cumulative value, each
/// counted from the records of its years, not added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub year: i64,
    pub previous_year: i64,
    pub cumulative: i64,
}

/// A distinct count taken from records: overall, and by helped county,
/// fund source and helped province, each counted over its own records
/// (an enterprise working in two counties is one in the total).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinctCounts {
    pub total: Tally,
    /// Keyed as [`IndicatorFigures::by_county`].
    pub by_county: BTreeMap<String, Tally>,
    /// Keyed as [`IndicatorFigures::by_source`].
    pub by_source: BTreeMap<String, Tally>,
    /// Keyed by province code (`510000`), or [`UNALLOCATED`].
    pub by_province: BTreeMap<String, Tally>,
    /// The values counted, kept with a program's yearbook: a group counts
    /// across its programs from them without reading records again.
    pub values: Option<std::sync::Arc<DistinctValues>>,
}

/// The values a distinct count saw in one place: in the year, in the year
/// before, and in all years up to the year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValueSets {
    pub year: HashSet<std::sync::Arc<str>>,
    pub previous_year: HashSet<std::sync::Arc<str>>,
    pub cumulative: HashSet<std::sync::Arc<str>>,
}

impl ValueSets {
    /// Adds a value seen in year `at` of a yearbook of `year`.
    pub fn add(&mut self, value: &std::sync::Arc<str>, at: i64, year: i64) {
        if at == year {
            self.year.insert(value.clone());
        } else if at == year - 1 {
            self.previous_year.insert(value.clone());
        }
        self.cumulative.insert(value.clone());
    }

    /// Adds another place's (or program's) values.
    pub fn absorb(&mut self, other: &ValueSets) {
        self.year.extend(other.year.iter().cloned());
        self.previous_year
            .extend(other.previous_year.iter().cloned());
        self.cumulative.extend(other.cumulative.iter().cloned());
    }

    pub fn tally(&self) -> Tally {
        Tally {
            year: self.year.len() as i64,
            previous_year: self.previous_year.len() as i64,
            cumulative: self.cumulative.len() as i64,
        }
    }
}

/// The values behind a distinct count, overall and by place, keyed as
/// [`DistinctCounts`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinctValues {
    pub total: ValueSets,
    pub by_county: BTreeMap<String, ValueSets>,
    pub by_source: BTreeMap<String, ValueSets>,
    pub by_province: BTreeMap<String, ValueSets>,
}

impl DistinctValues {
    /// Adds another program's values, place by place.
    pub fn absorb(&mut self, other: &DistinctValues) {
        self.total.absorb(&other.total);
        for (into, from) in [
            (&mut self.by_county, &other.by_county),
            (&mut self.by_source, &other.by_source),
            (&mut self.by_province, &other.by_province),
        ] {
            for (k, v) in from {
                into.entry(k.clone()).or_default().absorb(v);
            }
        }
    }

    /// The counts of these values, keeping them.
    pub fn counts(self) -> DistinctCounts {
        let tallies = |m: &BTreeMap<String, ValueSets>| -> BTreeMap<String, Tally> {
            m.iter().map(|(k, v)| (k.clone(), v.tally())).collect()
        };
        DistinctCounts {
            total: self.total.tally(),
            by_county: tallies(&self.by_county),
            by_source: tallies(&self.by_source),
            by_province: tallies(&self.by_province),
            values: Some(std::sync::Arc::new(self)),
        }
    }
}

impl DistinctCounts {
    /// Adds (`sign` 1) or takes out (`sign` -1) these counts from figures.
    pub fn apply_to(&self, f: &mut IndicatorFigures, sign: i64) {
        let t = self.total;
        f.year += sign * t.year;
        f.cumulative += sign * t.cumulative;
        if let Some(p) = f.previous_year.as_mut() {
            *p += sign * t.previous_year;
        }
        f.from_records.add(sign * t.year, sign * t.cumulative);
        for (into, from) in [
            (&mut f.by_county, &self.by_county),
            (&mut f.by_source, &self.by_source),
        ] {
            for (k, t) in from {
                into.entry(k.clone())
                    .or_default()
                    .add(sign * t.year, sign * t.cumulative);
            }
            into.retain(|_, s| *s != Split::default());
        }
    }
}

impl IndicatorFigures {
    /// Year minus previous year.
    pub fn change(&self) -> Option<i64> {
        self.previous_year.map(|p| self.year - p)
    }

    /// The change in percent of the previous year, to two decimals.
    pub fn change_pct(&self) -> Option<f64> {
        match (self.change(), self.previous_year) {
            (Some(c), Some(p)) if p != 0 => Some((c as f64 * 10_000.0 / p as f64).round() / 100.0),
            _ => None,
        }
    }

    fn unit(&self) -> UnitOfMeasure {
        self.definition.unit
    }
}

/// A program's yearbook for one year.
#[derive(Debug, Clone, PartialEq)]
pub struct Yearbook {
    pub program: String,
    pub program_name_zh: String,
    pub program_name_en: String,
    pub year: i32,
    pub indicators: Vec<IndicatorFigures>,
    /// Names of the regions in `by_county`, for the year: code → (zh, en).
    pub region_names: BTreeMap<String, (String, String)>,
}

/// What the yearbook is assembled from.
pub struct YearbookInput<'a> {
    pub program: &'a crate::program::Program,
    pub year: i32,
    pub definitions: &'a [IndicatorDefinition],
    pub contributions: &'a [Contribution],
    /// Years in which the program has any record or single-year aggregate value.
    pub covered_years: &'a BTreeSet<i32>,
    pub region_names: BTreeMap<String, (String, String)>,
    /// The year's pending share: (indicator, county or "", value).
    pub pending: &'a [(String, String, i64)],
    /// Distinct counts from records, by indicator code.
    pub distinct: &'a BTreeMap<String, DistinctCounts>,
}

/// The county a region lies in (its first six digits), or [`UNALLOCATED`];
/// borrowed, since a national yearbook folds tens of thousands of pieces.
fn county_key(region: &Option<RegionCode>) -> &str {
    region.as_ref().map_or(UNALLOCATED, RegionCode::county_code)
}

fn source_key(source: Option<SourceKind>) -> &'static str {
    source.map_or(UNSPECIFIED, |s| s.code())
}

impl Split {
    fn add(&mut self, year: i64, cumulative: i64) {
        self.year += year;
        self.cumulative += cumulative;
    }
}

/// Which of a yearbook's figures a contribution counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountsIn {
    /// The totals, by county and by source.
    #[default]
    All,
    /// Only the by-county split (its totals come with the by-source pieces).
    CountyOnly,
    /// The totals and the by-source split, not the by-county one.
    TotalsAndSource,
}

/// Sums of one indicator's contributions for the asked year and before.
fn fold(
    def: &IndicatorDefinition,
    contributions: &[&Contribution],
    year: i32,
    covered: &BTreeSet<i32>,
) -> IndicatorFigures {
    let in_year = |c: &Contribution, y: i32| c.year_from == y && c.year_to == y;
    // Flows add up every span that has ended; stocks take the latest span that has ended.
    let latest_end = contributions
        .iter()
        .map(|c| c.year_to)
        .filter(|y| *y <= year)
        .max();
    let in_cumulative = |c: &Contribution| {
        if def.stock {
            Some(c.year_to) == latest_end
        } else {
            c.year_to <= year
        }
    };
    let mut figures = IndicatorFigures {
        definition: def.clone(),
        year: 0,
        cumulative: 0,
        previous_year: covered.contains(&(year - 1)).then_some(0),
        from_records: Split::default(),
        from_aggregates: Split::default(),
        by_county: BTreeMap::new(),
        by_source: BTreeMap::new(),
        pending: 0,
        pending_by_county: BTreeMap::new(),
        distinct: None,
    };
    // Summed under borrowed keys and ordered once at the end: a national
    // indicator folds tens of thousands of pieces into 600 counties.
    let mut by_county: HashMap<&str, Split> = HashMap::new();
    let mut by_source: HashMap<&str, Split> = HashMap::new();
    for c in contributions {
        let year_part = if in_year(c, year) { c.raw } else { 0 };
        let cumulative_part = if in_cumulative(c) { c.raw } else { 0 };
        if c.counts_in != CountsIn::CountyOnly {
            if let Some(prev) = figures.previous_year.as_mut()
                && in_year(c, year - 1)
            {
                *prev += c.raw;
            }
            figures.year += year_part;
            figures.cumulative += cumulative_part;
            match c.origin {
                Origin::Records => &mut figures.from_records,
                Origin::Aggregates => &mut figures.from_aggregates,
            }
            .add(year_part, cumulative_part);
            by_source
                .entry(source_key(c.source))
                .or_default()
                .add(year_part, cumulative_part);
        }
        if c.counts_in != CountsIn::TotalsAndSource {
            by_county
                .entry(county_key(&c.region))
                .or_default()
                .add(year_part, cumulative_part);
        }
    }
    let owned =
        |map: HashMap<&str, Split>| map.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    figures.by_county = owned(by_county);
    figures.by_source = owned(by_source);
    figures
}

/// Evaluates a formula indicator cell by cell over the figures it refers to.
pub(crate) fn evaluate_formula(
    def: &IndicatorDefinition,
    formula: &Formula,
    done: &[IndicatorFigures],
) -> IndicatorFigures {
    let find = |code: &str| done.iter().find(|f| f.definition.code == code);
    let scale = def.unit.scale() as f64;
    let cell = |pick: &dyn Fn(&IndicatorFigures) -> Option<i64>| -> Option<i64> {
        formula
            .eval(&|code| {
                let f = find(code)?;
                pick(f).map(|raw| raw as f64 / f.unit().scale() as f64)
            })
            .map(|v| (v * scale).round() as i64)
    };
    let split = |pick: &dyn Fn(&IndicatorFigures) -> Split| Split {
        year: cell(&|f| Some(pick(f).year)).unwrap_or(0),
        cumulative: cell(&|f| Some(pick(f).cumulative)).unwrap_or(0),
    };
    let keys = |by: &dyn Fn(&IndicatorFigures) -> &BTreeMap<String, Split>| -> BTreeSet<String> {
        formula
            .references()
            .iter()
            .filter_map(|c| find(c))
            .flat_map(|f| by(f).keys().cloned().collect::<Vec<_>>())
            .collect()
    };
    let by =
        |by: &dyn Fn(&IndicatorFigures) -> &BTreeMap<String, Split>| -> BTreeMap<String, Split> {
            keys(by)
                .into_iter()
                .map(|k| {
                    let s = split(&|f| by(f).get(&k).copied().unwrap_or_default());
                    (k, s)
                })
                .collect()
        };
    IndicatorFigures {
        definition: def.clone(),
        year: cell(&|f| Some(f.year)).unwrap_or(0),
        cumulative: cell(&|f| Some(f.cumulative)).unwrap_or(0),
        previous_year: cell(&|f| f.previous_year),
        from_records: split(&|f| f.from_records),
        from_aggregates: split(&|f| f.from_aggregates),
        by_county: by(&|f| &f.by_county),
        by_source: by(&|f| &f.by_source),
        pending: 0,
        pending_by_county: BTreeMap::new(),
        distinct: None,
    }
}

/// Builds the yearbook from grouped contributions; formulas are computed last,
/// over the figures they name.
pub fn assemble(input: YearbookInput<'_>) -> Yearbook {
    let mut figures: Vec<IndicatorFigures> = Vec::new();
    // Each indicator's pieces, sorted out once (a national yearbook has tens of thousands).
    let mut by_indicator: std::collections::HashMap<&str, Vec<&Contribution>> =
        std::collections::HashMap::new();
    for c in input.contributions {
        by_indicator.entry(&*c.indicator).or_default().push(c);
    }
    for def in input
        .definitions
        .iter()
        .filter(|d| !matches!(d.rule, Rule::Formula(_)))
    {
        let mine = by_indicator.remove(def.code.as_str()).unwrap_or_default();
        let mut f = fold(def, &mine, input.year, input.covered_years);
        if let Some(d) = input.distinct.get(&def.code) {
            d.apply_to(&mut f, 1);
            f.distinct = Some(d.clone());
        }
        figures.push(f);
    }
    // A pending share that adds up to nothing is no share (a proposed
    // project without an amount): the summary and the records agree on that.
    for (code, county, value) in input.pending.iter().filter(|(_, _, v)| *v != 0) {
        if let Some(f) = figures.iter_mut().find(|f| f.definition.code == *code) {
            f.pending += value;
            let key = if county.is_empty() {
                UNALLOCATED
            } else {
                county
            };
            *f.pending_by_county.entry(key.to_string()).or_default() += value;
        }
    }
    for f in &mut figures {
        f.pending_by_county.retain(|_, v| *v != 0);
    }
    for def in input.definitions {
        if let Rule::Formula(text) = &def.rule {
            // A formula that no longer parses was refused when it was stored; show zeros rather than fail the report.
            let formula = Formula::parse(text).unwrap_or(Formula::Number(0.0));
            let f = evaluate_formula(def, &formula, &figures);
            figures.push(f);
        }
    }
    // Keep the order of the definitions.
    let order: Vec<&str> = input.definitions.iter().map(|d| d.code.as_str()).collect();
    figures.sort_by_key(|f| order.iter().position(|c| *c == f.definition.code));
    Yearbook {
        program: input.program.code.clone(),
        program_name_zh: input.program.name_zh.clone(),
        program_name_en: input.program.name_en.clone(),
        year: input.year,
        indicators: figures,
        region_names: input.region_names,
    }
}

/// A split in displayed units.
fn split_out(split: Split, unit: UnitOfMeasure) -> SplitOut {
    SplitOut {
        year: Amount(split.year, unit),
        cumulative: Amount(split.cumulative, unit),
    }
}

#[derive(Serialize)]
struct SplitOut {
    cumulative: Amount,
    year: Amount,
}

#[derive(Serialize)]
struct IndicatorOut<'a> {
    change: Option<Amount>,
    change_pct: Option<f64>,
    cumulative: Amount,
    from_aggregates: SplitOut,
    from_records: SplitOut,
    name_en: &'a str,
    name_zh: &'a str,
    /// The year's records awaiting verification, not counted in `year`.
    pending: Amount,
    previous_year: Option<Amount>,
    unit: &'static str,
    year: Amount,
}

#[derive(Serialize)]
struct CountyOut<'a> {
    indicators: CountyValues<'a>,
    name_en: &'a str,
    name_zh: &'a str,
}

/// The yearbook as its JSON is written: straight to text, with no tree of
/// values in between (a national yearbook has tens of thousands of splits).
struct YearbookOut<'a>(&'a Yearbook);

impl Serialize for YearbookOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let yb = self.0;
        let mut by_code: Vec<&IndicatorFigures> = yb.indicators.iter().collect();
        by_code.sort_by(|a, b| a.definition.code.cmp(&b.definition.code));
        let mut top = s.serialize_map(Some(7))?;
        top.serialize_entry("by_county", &ByCounty(yb, &by_code))?;
        top.serialize_entry("by_source", &BySource(&by_code))?;
        top.serialize_entry("indicators", &Indicators(&by_code))?;
        top.serialize_entry("program", &yb.program)?;
        top.serialize_entry("program_name_en", &yb.program_name_en)?;
        top.serialize_entry("program_name_zh", &yb.program_name_zh)?;
        top.serialize_entry("year", &yb.year)?;
        top.end()
    }
}

struct Indicators<'a>(&'a [&'a IndicatorFigures]);

impl Serialize for Indicators<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for f in self.0 {
            let unit = f.unit();
            let amount = |raw: Option<i64>| raw.map(|r| Amount(r, unit));
            map.serialize_entry(
                &f.definition.code,
                &IndicatorOut {
                    change: amount(f.change()),
                    change_pct: f.change_pct(),
                    cumulative: Amount(f.cumulative, unit),
                    from_aggregates: split_out(f.from_aggregates, unit),
                    from_records: split_out(f.from_records, unit),
                    name_en: &f.definition.name_en,
                    name_zh: &f.definition.name_zh,
                    pending: Amount(f.pending, unit),
                    previous_year: amount(f.previous_year),
                    unit: unit.code(),
                    year: Amount(f.year, unit),
                },
            )?;
        }
        map.end()
    }
}

struct ByCounty<'a>(&'a Yearbook, &'a [&'a IndicatorFigures]);

impl Serialize for ByCounty<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (yb, by_code) = (self.0, self.1);
        let keys = yb.county_keys();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for key in keys {
            let (zh, en) = yb.county_names(key);
            map.serialize_entry(
                key,
                &CountyOut {
                    indicators: CountyValues(key, by_code),
                    name_en: en,
                    name_zh: zh,
                },
            )?;
        }
        map.end()
    }
}

struct CountyValues<'a>(&'a str, &'a [&'a IndicatorFigures]);

impl Serialize for CountyValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.1.len()))?;
        for f in self.1 {
            let split = f.by_county.get(self.0).copied().unwrap_or_default();
            map.serialize_entry(&f.definition.code, &split_out(split, f.unit()))?;
        }
        map.end()
    }
}

struct BySource<'a>(&'a [&'a IndicatorFigures]);

impl Serialize for BySource<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut keys: Vec<&str> = SourceKind::ALL.iter().map(|s| s.code()).collect();
        keys.push(UNSPECIFIED);
        keys.sort_unstable();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for key in keys {
            map.serialize_entry(key, &SourceValues(key, self.0))?;
        }
        map.end()
    }
}

struct SourceValues<'a>(&'a str, &'a [&'a IndicatorFigures]);

impl Serialize for SourceValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let present: Vec<_> = self
            .1
            .iter()
            .filter_map(|f| f.by_source.get(self.0).map(|split| (f, *split)))
            .collect();
        let mut map = s.serialize_map(Some(present.len()))?;
        for (f, split) in present {
            map.serialize_entry(&f.definition.code, &split_out(split, f.unit()))?;
        }
        map.end()
    }
}

impl Yearbook {
    /// One indicator's figures by code.
    pub fn indicator(&self, code: &str) -> Option<&IndicatorFigures> {
        self.indicators.iter().find(|f| f.definition.code == code)
    }

    /// A county's names (Chinese, English); its code when the registry has none.
    pub fn county_names<'a>(&'a self, key: &'a str) -> (&'a str, &'a str) {
        self.region_names
            .get(key)
            .map_or((key, key), |(zh, en)| (zh.as_str(), en.as_str()))
    }

    /// The regions that appear in any indicator's county split, helped counties first.
    pub fn county_keys(&self) -> BTreeSet<&str> {
        // Hashed first: every indicator has much the same counties, and
        // ordering them all would compare tens of thousands of codes.
        let distinct: std::collections::HashSet<&str> = self
            .indicators
            .iter()
            .flat_map(|f| f.by_county.keys())
            .chain(self.region_names.keys())
            .map(String::as_str)
            .collect();
        distinct.into_iter().collect()
    }

    /// The yearbook as JSON: amounts in displayed units (money in yuan).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(YearbookOut(self)).unwrap_or(Value::Null)
    }

    /// The same JSON as text, written without building it as values first.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&YearbookOut(self)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::built_in;
    use crate::program::Program;
    use serde_json::json;

    fn contribution(
        year_from: i32,
        year_to: i32,
        origin: Origin,
        raw: i64,
        region: Option<&str>,
    ) -> Contribution {
        Contribution {
            indicator: "aid_funds".into(),
            year_from,
            year_to,
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            source: (origin == Origin::Records).then_some(SourceKind::Cities),
            origin,
            raw,
            counts_in: CountsIn::All,
        }
    }

    fn yearbook(
        year: i32,
        contributions: &[Contribution],
        covered: &[i32],
        defs: &[IndicatorDefinition],
    ) -> Yearbook {
        let program = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
        let covered: BTreeSet<i32> = covered.iter().copied().collect();
        assemble(YearbookInput {
            program: &program,
            year,
            definitions: defs,
            contributions,
            covered_years: &covered,
            region_names: BTreeMap::new(),
            pending: &[],
            distinct: &BTreeMap::new(),
        })
    }

    #[test]
    fn cumulative_adds_records_to_aggregates_without_counting_twice() {
        let defs: Vec<_> = built_in()
            .into_iter()
            .filter(|d| d.code == "aid_funds")
            .collect();
        let cs = [
            contribution(1996, 2008, Origin::Aggregates, 37_980_000_000, None),
            contribution(2009, 2009, Origin::Records, 3_000_000_000, Some("510822")),
            contribution(2009, 2009, Origin::Records, 620_000_000, Some("510822101")),
            contribution(2010, 2010, Origin::Records, 100, Some("510822")),
        ];
        let yb = yearbook(2009, &cs, &[2009, 2010], &defs);
        let f = yb.indicator("aid_funds").unwrap();
        assert_eq!(f.year, 3_620_000_000);
        assert_eq!(f.cumulative, 41_600_000_000);
        assert_eq!(f.previous_year, None, "2008 has no data");
        assert_eq!(
            f.from_aggregates,
            Split {
                year: 0,
                cumulative: 37_980_000_000
            }
        );
        assert_eq!(f.from_records.cumulative, 3_620_000_000);
        assert_eq!(
            f.by_county["510822"].year, 3_620_000_000,
            "township folded into its county"
        );
        assert_eq!(f.by_county[UNALLOCATED].cumulative, 37_980_000_000);
        assert_eq!(f.by_source["cities"].year, 3_620_000_000);
        let json = yb.to_json();
        assert_eq!(json["indicators"]["aid_funds"]["year"], json!(36_200_000));
        assert_eq!(
            json["indicators"]["aid_funds"]["cumulative"],
            json!(416_000_000)
        );
        assert_eq!(
            json["indicators"]["aid_funds"]["previous_year"],
            json!(null)
        );
        assert_eq!(
            json["by_county"]["510822"]["indicators"]["aid_funds"],
            json!({"year": 36_200_000, "cumulative": 36_200_000})
        );
        assert_eq!(
            json["by_source"]["cities"]["aid_funds"]["year"],
            json!(36_200_000)
        );
        assert_eq!(
            json["by_source"]["unspecified"]["aid_funds"],
            json!({"year": 0, "cumulative": 379_800_000}),
            "aggregate values with no source"
        );
        let text: Value = serde_json::from_slice(&yb.to_json_bytes()).unwrap();
        assert_eq!(text, json, "the text and the values are the same JSON");
    }

    #[test]
    fn change_on_year_uses_the_previous_year() {
        let defs: Vec<_> = built_in()
            .into_iter()
            .filter(|d| d.code == "aid_funds")
            .collect();
        let cs = [
            contribution(2009, 2009, Origin::Records, 200, Some("510822")),
            contribution(2010, 2010, Origin::Records, 300, Some("510822")),
        ];
        let yb = yearbook(2010, &cs, &[2009, 2010], &defs);
        let f = yb.indicator("aid_funds").unwrap();
        assert_eq!(
            (f.year, f.previous_year, f.change()),
            (300, Some(200), Some(100))
        );
        assert_eq!(f.change_pct(), Some(50.0));
        assert_eq!(f.cumulative, 500);
    }

    #[test]
    fn stocks_take_the_latest_value() {
        let mut def = built_in().remove(0);
        def.stock = true;
        let cs = [
            contribution(2008, 2008, Origin::Aggregates, 700, None),
            contribution(2009, 2009, Origin::Aggregates, 900, None),
        ];
        let f = fold(&def, &cs.iter().collect::<Vec<_>>(), 2009, &BTreeSet::new());
        assert_eq!(f.cumulative, 900);
    }

    #[test]
    fn formulas_are_computed_over_their_parts() {
        let mut defs: Vec<_> = built_in()
            .into_iter()
            .filter(|d| d.code == "aid_funds" || d.code == "beneficiaries")
            .collect();
        let mut per_head = defs[0].clone();
        per_head.code = "aid_per_beneficiary".into();
        per_head.rule = Rule::Formula("aid_funds / beneficiaries".into());
        defs.push(per_head);
        let mut cs = vec![contribution(
            2009,
            2009,
            Origin::Records,
            100_000,
            Some("510822"),
        )];
        cs.push(Contribution {
            indicator: "beneficiaries".into(),
            ..contribution(2009, 2009, Origin::Records, 40, Some("510822"))
        });
        let yb = yearbook(2009, &cs, &[2009], &defs);
        let f = yb.indicator("aid_per_beneficiary").unwrap();
        assert_eq!(f.year, 2_500, "25 yuan a head, in fen");
        assert_eq!(f.by_county["510822"].year, 2_500);
    }
}
