//! Program groups: several programs reported as one (a helping province's
//! programs, the national East-West cooperation). A group's figure is the
//! sum of its programs' figures; a formula is computed again from the
//! group's sums, never summed.

use crate::error::DomainError;
use crate::indicator::{Formula, IndicatorDefinition, Rule};
use crate::quantity::Amount;
use crate::yearbook::{
    DistinctCounts, DistinctValues, IndicatorFigures, Split, Tally, UNALLOCATED, ValueSets,
    Yearbook, evaluate_formula,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A named set of programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramGroup {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Member program codes, in the order the group lists them, each once.
    pub programs: Vec<String>,
}

impl ProgramGroup {
    /// A group of at least one program; a program listed twice counts once.
    pub fn new(
        code: &str,
        name_zh: &str,
        name_en: &str,
        programs: &[String],
    ) -> Result<ProgramGroup, DomainError> {
        let code = crate::record::parse_code(code)?;
        // Seen in a set: a list of 200,000 codes took minutes checked pairwise.
        let mut seen = std::collections::HashSet::new();
        let mut members: Vec<String> = Vec::new();
        for p in programs {
            let p = crate::record::parse_code(p)?;
            if seen.insert(p.clone()) {
                members.push(p);
            }
        }
        if members.is_empty() {
            return Err(DomainError::EmptyGroup(code));
        }
        let name_zh = name_zh.trim();
        let name_en = name_en.trim();
        Ok(ProgramGroup {
            name_zh: if name_zh.is_empty() { &code } else { name_zh }.to_string(),
            name_en: if name_en.is_empty() { name_zh } else { name_en }.to_string(),
            code,
            programs: members,
        })
    }
}

/// The province a county (or any region code) lies in; [`UNALLOCATED`] stays itself.
pub fn province_of(code: &str) -> String {
    if code.len() >= 2 && code.bytes().take(2).all(|b| b.is_ascii_digit()) {
        format!("{}0000", &code[..2])
    } else {
        code.to_string()
    }
}

/// A member program's own figures in the group's yearbook.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFigures {
    pub program: String,
    pub name_zh: String,
    pub name_en: String,
    /// The province of the program's helping region, if it names one.
    pub helping_province: Option<String>,
    /// Its yearbook's indicators (formulas as the program's own).
    pub indicators: Vec<IndicatorFigures>,
}

/// A group's yearbook: the group's sums as a yearbook, and the splits a
/// single program's yearbook does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupYearbook {
    pub group: ProgramGroup,
    /// Keyed as a program's: `program` holds the group's code and names.
    pub yearbook: Yearbook,
    pub by_program: Vec<MemberFigures>,
    /// Indicator code → helping province → figures (formulas from the province's sums).
    pub by_helping_province: BTreeMap<String, BTreeMap<String, Split>>,
    /// Indicator code → helped province → figures.
    pub by_helped_province: BTreeMap<String, BTreeMap<String, Split>>,
}

fn add_split(into: &mut Split, s: Split) {
    into.year += s.year;
    into.cumulative += s.cumulative;
}

fn add_map(into: &mut BTreeMap<String, Split>, from: &BTreeMap<String, Split>) {
    for (k, s) in from {
        add_split(into.entry(k.clone()).or_default(), *s);
    }
}

/// Adds one program's figures for an indicator into the group's. A
/// program that ran in the previous year without a figure for it (its
/// data of then only in a span of years) leaves the group's previous year
/// unknown; one that had not begun or had ended adds nothing to it.
fn add_figures(into: &mut IndicatorFigures, f: &IndicatorFigures, ran_before: bool) {
    into.year += f.year;
    into.cumulative += f.cumulative;
    into.previous_year = match (into.previous_year, f.previous_year) {
        (Some(sum), Some(theirs)) => Some(sum + theirs),
        (Some(sum), None) if !ran_before => Some(sum),
        _ => None,
    };
    add_split(&mut into.from_records, f.from_records);
    add_split(&mut into.from_aggregates, f.from_aggregates);
    add_map(&mut into.by_county, &f.by_county);
    add_map(&mut into.by_source, &f.by_source);
    into.pending += f.pending;
    for (k, v) in &f.pending_by_county {
        *into.pending_by_county.entry(k.clone()).or_default() += v;
    }
}

fn empty(def: &IndicatorDefinition) -> IndicatorFigures {
    IndicatorFigures {
        definition: def.clone(),
        year: 0,
        cumulative: 0,
        previous_year: Some(0),
        from_records: Split::default(),
        from_aggregates: Split::default(),
        by_county: BTreeMap::new(),
        by_source: BTreeMap::new(),
        pending: 0,
        pending_by_county: BTreeMap::new(),
        distinct: None,
    }
}

fn formula_of(def: &IndicatorDefinition) -> Option<Formula> {
    match &def.rule {
        // A formula that no longer parses was refused when it was stored; zeros rather than a failed report.
        Rule::Formula(text) => Some(Formula::parse(text).unwrap_or(Formula::Number(0.0))),
        _ => None,
    }
}

/// Splits of every indicator by a key: the summed ones as `split` gives
/// them, the formulas computed from those sums key by key.
fn split_by(
    definitions: &[IndicatorDefinition],
    summed: &[IndicatorFigures],
    split: impl Fn(&IndicatorFigures) -> BTreeMap<String, Split>,
) -> BTreeMap<String, BTreeMap<String, Split>> {
    // The summed figures with the split in the county's place, which is
    // the split a formula is evaluated over key by key.
    let keyed: Vec<IndicatorFigures> = summed
        .iter()
        .map(|f| IndicatorFigures {
            by_county: split(f),
            ..f.clone()
        })
        .collect();
    // Each formula joins the figures once computed: a later one may name it.
    let mut keyed = keyed;
    for def in definitions {
        if let Some(formula) = formula_of(def) {
            let f = evaluate_formula(def, &formula, &keyed);
            keyed.push(f);
        }
    }
    keyed
        .into_iter()
        .map(|f| (f.definition.code, f.by_county))
        .collect()
}

/// A group's distinct counts, counted across its programs' records: an
/// enterprise that signed with two programs is one enterprise of the group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupDistinct {
    /// By indicator code: across every program of the group.
    pub group: BTreeMap<String, DistinctCounts>,
    /// By indicator code, then helping province (or [`UNALLOCATED`]):
    /// across the programs of that province.
    pub by_helping_province: BTreeMap<String, BTreeMap<String, Tally>>,
}

impl GroupDistinct {
    /// The group's distinct counts from its programs' yearbooks, which
    /// keep the values they counted: their union across all programs, and
    /// across each helping province's.
    pub fn from_members(
        definitions: &[IndicatorDefinition],
        members: &[(&crate::program::Program, &Yearbook)],
    ) -> GroupDistinct {
        let mut out = GroupDistinct::default();
        for def in definitions.iter().filter(|d| d.distinct_field().is_some()) {
            let mut all = DistinctValues::default();
            let mut provinces: BTreeMap<String, ValueSets> = BTreeMap::new();
            for (program, yb) in members {
                let Some(values) = yb
                    .indicator(&def.code)
                    .and_then(|f| f.distinct.as_ref())
                    .and_then(|d| d.values.as_ref())
                else {
                    continue;
                };
                all.absorb(values);
                let province = program
                    .helping_region
                    .as_ref()
                    .map_or_else(|| UNALLOCATED.to_string(), |r| province_of(r.as_str()));
                provinces.entry(province).or_default().absorb(&values.total);
            }
            out.by_helping_province.insert(
                def.code.clone(),
                provinces
                    .iter()
                    .map(|(k, v)| (k.clone(), v.tally()))
                    .collect(),
            );
            out.group.insert(def.code.clone(), all.counts());
        }
        out
    }
}

/// Puts a group's distinct counts in place of its programs' own, which
/// added up would count a value shared by two programs twice.
fn replace_distinct(
    f: &mut IndicatorFigures,
    members: &[(&crate::program::Program, &Yearbook)],
    d: &DistinctCounts,
) {
    for (_, yb) in members {
        if let Some(theirs) = yb
            .indicator(&f.definition.code)
            .and_then(|t| t.distinct.as_ref())
        {
            theirs.apply_to(f, -1);
        }
    }
    d.apply_to(f, 1);
    f.distinct = Some(d.clone());
}

/// Adds the members' yearbooks (all of the same year, made with the same
/// `definitions`) into the group's; distinct counts are the group's own.
pub fn combine(
    group: &ProgramGroup,
    definitions: &[IndicatorDefinition],
    members: &[(&crate::program::Program, &Yearbook)],
    year: i32,
    distinct: &GroupDistinct,
) -> GroupYearbook {
    let mut summed: Vec<IndicatorFigures> = definitions
        .iter()
        .filter(|d| formula_of(d).is_none())
        .map(empty)
        .collect();
    let mut region_names = BTreeMap::new();
    let mut by_program = Vec::new();
    let mut any_ran_before = false;
    for (program, yb) in members {
        let ran_before = program.check_year(year - 1).is_ok();
        any_ran_before |= ran_before;
        for f in summed.iter_mut() {
            if let Some(theirs) = yb.indicator(&f.definition.code) {
                add_figures(f, theirs, ran_before);
            }
        }
        region_names.extend(yb.region_names.clone());
        by_program.push(MemberFigures {
            program: program.code.clone(),
            name_zh: program.name_zh.clone(),
            name_en: program.name_en.clone(),
            helping_province: program
                .helping_region
                .as_ref()
                .map(|r| province_of(r.as_str())),
            indicators: yb.indicators.clone(),
        });
    }
    if !any_ran_before {
        // No program ran the year before: no previous year, as for a program's first.
        for f in &mut summed {
            f.previous_year = None;
        }
    }
    for f in &mut summed {
        if let Some(d) = distinct.group.get(&f.definition.code) {
            replace_distinct(f, members, d);
        }
    }
    let by_helped_province = split_by(definitions, &summed, |f| {
        let mut out: BTreeMap<String, Split> = BTreeMap::new();
        // A distinct count's records are counted by province; what the
        // counties add besides (aggregate values) is added to it.
        let own = f.distinct.as_ref();
        for (county, s) in &f.by_county {
            let mut s = *s;
            if let Some(t) = own.and_then(|d| d.by_county.get(county)) {
                s.year -= t.year;
                s.cumulative -= t.cumulative;
            }
            add_split(out.entry(province_of(county)).or_default(), s);
        }
        for (province, t) in own.map(|d| &d.by_province).into_iter().flatten() {
            add_split(
                out.entry(province.clone()).or_default(),
                Split {
                    year: t.year,
                    cumulative: t.cumulative,
                },
            );
        }
        out.retain(|_, s| *s != Split::default());
        out
    });
    let by_helping_province = split_by(definitions, &summed, |f| {
        let mut out: BTreeMap<String, Split> = BTreeMap::new();
        for m in &by_program {
            let Some(theirs) = m.indicators.iter().find(|t| t.definition == f.definition) else {
                continue;
            };
            let key = m
                .helping_province
                .clone()
                .unwrap_or_else(|| UNALLOCATED.to_string());
            // A distinct count gives the province's records counted across its programs.
            let own = theirs.distinct.clone().unwrap_or_default().total;
            add_split(
                out.entry(key).or_default(),
                Split {
                    year: theirs.year - own.year,
                    cumulative: theirs.cumulative - own.cumulative,
                },
            );
        }
        let provinces = distinct.by_helping_province.get(&f.definition.code);
        for (province, t) in provinces.into_iter().flatten() {
            add_split(
                out.entry(province.clone()).or_default(),
                Split {
                    year: t.year,
                    cumulative: t.cumulative,
                },
            );
        }
        out
    });
    let mut indicators = summed.clone();
    for def in definitions {
        if let Some(formula) = formula_of(def) {
            let f = evaluate_formula(def, &formula, &indicators);
            indicators.push(f);
        }
    }
    let order: Vec<&str> = definitions.iter().map(|d| d.code.as_str()).collect();
    indicators.sort_by_key(|f| order.iter().position(|c| *c == f.definition.code));
    GroupYearbook {
        group: group.clone(),
        yearbook: Yearbook {
            program: group.code.clone(),
            program_name_zh: group.name_zh.clone(),
            program_name_en: group.name_en.clone(),
            year,
            indicators,
            region_names,
        },
        by_program,
        by_helping_province,
        by_helped_province,
    }
}

impl GroupYearbook {
    /// The provinces the group's splits name, for the names the caller looks up.
    pub fn province_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .by_helped_province
            .values()
            .chain(self.by_helping_province.values())
            .flat_map(|m| m.keys().cloned())
            .filter(|k| k != UNALLOCATED)
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }

    /// The yearbook's JSON (the same keys as a program's) with the group,
    /// its programs and the splits by program and by province. Province
    /// names come from `names` (code → Chinese, English).
    pub fn to_json(&self, names: &BTreeMap<String, (String, String)>) -> Value {
        let mut out = match self.yearbook.to_json() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let unit_of = |code: &str| {
            self.yearbook
                .indicator(code)
                .map(|f| f.definition.unit)
                .unwrap_or(crate::UnitOfMeasure::Count)
        };
        let split_json = |code: &str, s: Split| {
            let unit = unit_of(code);
            json!({ "year": Amount(s.year, unit), "cumulative": Amount(s.cumulative, unit) })
        };
        let mut by_program = Map::new();
        for m in &self.by_program {
            let mut indicators = Map::new();
            for f in &m.indicators {
                let unit = f.definition.unit;
                let amount = |raw: Option<i64>| raw.map(|r| Amount(r, unit));
                indicators.insert(
                    f.definition.code.clone(),
                    json!({
                        "year": Amount(f.year, unit),
                        "cumulative": Amount(f.cumulative, unit),
                        "previous_year": amount(f.previous_year),
                        "change": amount(f.change()),
                    }),
                );
            }
            by_program.insert(
                m.program.clone(),
                json!({
                    "name_zh": m.name_zh,
                    "name_en": m.name_en,
                    "helping_province": m.helping_province,
                    "indicators": indicators,
                }),
            );
        }
        let by_province = |splits: &BTreeMap<String, BTreeMap<String, Split>>| {
            let mut provinces: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
            for (code, by) in splits {
                for (province, s) in by {
                    provinces
                        .entry(province.clone())
                        .or_default()
                        .insert(code.clone(), split_json(code, *s));
                }
            }
            let mut out = Map::new();
            for (province, indicators) in provinces {
                let (zh, en) = names
                    .get(&province)
                    .cloned()
                    .unwrap_or_else(|| (province.clone(), province.clone()));
                out.insert(
                    province,
                    json!({ "name_zh": zh, "name_en": en, "indicators": indicators }),
                );
            }
            Value::Object(out)
        };
        out.insert("group".into(), json!(self.group.code));
        out.insert("programs".into(), json!(self.group.programs));
        out.insert("by_program".into(), Value::Object(by_program));
        out.insert(
            "by_helping_province".into(),
            by_province(&self.by_helping_province),
        );
        out.insert(
            "by_helped_province".into(),
            by_province(&self.by_helped_province),
        );
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::built_in;
    use crate::program::Program;
    use crate::region::RegionCode;
    use crate::unit::SourceKind;
    use crate::yearbook::{Contribution, CountsIn, Origin, YearbookInput, assemble};
    use std::collections::BTreeSet;

    fn definitions() -> Vec<IndicatorDefinition> {
        let mut defs: Vec<_> = built_in()
            .into_iter()
            .filter(|d| d.code == "aid_funds" || d.code == "beneficiaries")
            .collect();
        let mut per_head = defs[0].clone();
        per_head.code = "aid_per_head".into();
        per_head.rule = Rule::Formula("aid_funds / beneficiaries".into());
        defs.push(per_head.clone());
        // A formula over a formula.
        per_head.code = "aid_per_head_doubled".into();
        per_head.rule = Rule::Formula("aid_per_head * 2".into());
        defs.push(per_head);
        defs
    }

    fn piece(indicator: &str, year: i32, raw: i64, county: &str) -> Contribution {
        Contribution {
            indicator: indicator.into(),
            year_from: year,
            year_to: year,
            region: Some(RegionCode::parse(county).unwrap()),
            source: Some(SourceKind::Cities),
            origin: Origin::Records,
            raw,
            counts_in: CountsIn::All,
        }
    }

    fn yearbook(program: &Program, pieces: &[Contribution], covered: &[i32]) -> Yearbook {
        let covered: BTreeSet<i32> = covered.iter().copied().collect();
        assemble(YearbookInput {
            program,
            year: 2010,
            definitions: &definitions(),
            contributions: pieces,
            covered_years: &covered,
            region_names: BTreeMap::new(),
            pending: &[],
            distinct: &BTreeMap::new(),
        })
    }

    #[test]
    fn a_group_sums_its_programs_and_computes_formulas_from_the_sums() {
        let mut zj = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
        zj.helping_region = Some(RegionCode::parse("330000").unwrap());
        let mut fj = Program::new("fj-nx", "闽宁", "FJ-NX", 2010, None).unwrap();
        fj.helping_region = Some(RegionCode::parse("350000").unwrap());
        // zj-sc: 1,000 yuan for 10 people in Sichuan; fj-nx: 3,000 yuan for 290 people in Ningxia.
        let a = yearbook(
            &zj,
            &[
                piece("aid_funds", 2010, 100_000, "510822"),
                piece("beneficiaries", 2010, 10, "510822"),
                piece("aid_funds", 2009, 50_000, "510822"),
            ],
            &[2009, 2010],
        );
        let b = yearbook(
            &fj,
            &[
                piece("aid_funds", 2010, 300_000, "640323"),
                piece("beneficiaries", 2010, 290, "640323"),
            ],
            &[2010],
        );
        let group = ProgramGroup::new(
            "national",
            "全国",
            "National",
            &["zj-sc".into(), "fj-nx".into(), "zj-sc".into()],
        )
        .unwrap();
        assert_eq!(group.programs, ["zj-sc", "fj-nx"]);
        let g = combine(
            &group,
            &definitions(),
            &[(&zj, &a), (&fj, &b)],
            2010,
            &GroupDistinct::default(),
        );
        let aid = g.yearbook.indicator("aid_funds").unwrap();
        assert_eq!(aid.year, 400_000);
        assert_eq!(aid.cumulative, 450_000);
        assert_eq!(aid.previous_year, Some(50_000), "fj-nx began in 2010");
        // 4,000 yuan / 300 people, not 100 + 10.34.
        let per_head = g.yearbook.indicator("aid_per_head").unwrap();
        assert_eq!(per_head.year, 1_333);
        // From the rounded figure, as a program's formula over a formula is.
        assert_eq!(
            g.yearbook.indicator("aid_per_head_doubled").unwrap().year,
            2_666
        );
        assert_eq!(
            g.by_helped_province["aid_per_head_doubled"]["640000"].year,
            2_068
        );
        assert_eq!(
            g.by_helped_province["aid_per_head"]["640000"].year, 1_034,
            "a province's formula from the province's sums"
        );
        assert_eq!(
            g.by_helping_province["aid_funds"]["330000"].cumulative,
            150_000
        );
        assert_eq!(g.by_helping_province["beneficiaries"]["350000"].year, 290);
        let names = BTreeMap::from([("640000".to_string(), ("宁夏".into(), "Ningxia".into()))]);
        let json = g.to_json(&names);
        assert_eq!(json["group"], "national");
        assert_eq!(json["indicators"]["aid_funds"]["year"], 4_000);
        assert_eq!(
            json["by_program"]["fj-nx"]["indicators"]["aid_funds"]["year"],
            3_000
        );
        assert_eq!(
            json["by_program"]["zj-sc"]["indicators"]["aid_funds"]["change"],
            500
        );
        assert_eq!(json["by_helped_province"]["640000"]["name_en"], "Ningxia");
        assert_eq!(
            json["by_county"]["510822"]["indicators"]["aid_funds"]["year"],
            1_000
        );
    }

    #[test]
    fn a_distinct_count_is_the_groups_own_not_its_programs_added() {
        let mut enterprises = definitions()[1].clone();
        enterprises.code = "enterprises".into();
        enterprises.rule = Rule::Records {
            kind: "cooperation_agreement".into(),
            measure: crate::indicator::Measure::CountDistinct("enterprise".into()),
            filters: Vec::new(),
        };
        let defs = vec![enterprises];
        let tally = |year, previous_year, cumulative| Tally {
            year,
            previous_year,
            cumulative,
        };
        // Each program counted 3 enterprises in 2010, 2 of them in one county.
        let own = |county: &str| DistinctCounts {
            total: tally(3, 1, 4),
            by_county: BTreeMap::from([(county.to_string(), tally(2, 1, 3))]),
            by_source: BTreeMap::from([("cities".to_string(), tally(3, 1, 4))]),
            by_province: BTreeMap::from([(province_of(county), tally(3, 1, 4))]),
            values: None,
        };
        let zj = Program::new("zj-sc", "浙川", "ZJ-SC", 2009, None).unwrap();
        let mut fj = Program::new("fj-nx", "闽宁", "FJ-NX", 2009, None).unwrap();
        fj.helping_region = Some(RegionCode::parse("350000").unwrap());
        let made = |program: &Program, county: &str| {
            let covered = BTreeSet::from([2009, 2010]);
            let distinct = BTreeMap::from([("enterprises".to_string(), own(county))]);
            assemble(YearbookInput {
                program,
                year: 2010,
                definitions: &defs,
                contributions: &[],
                covered_years: &covered,
                region_names: BTreeMap::new(),
                pending: &[],
                distinct: &distinct,
            })
        };
        let (a, b) = (made(&zj, "510822"), made(&fj, "640323"));
        assert_eq!(a.indicator("enterprises").unwrap().year, 3);
        // One enterprise signed with both programs: 5 in the group, not 6.
        let across = DistinctCounts {
            total: tally(5, 2, 7),
            by_county: BTreeMap::from([
                ("510822".to_string(), tally(2, 1, 3)),
                ("640323".to_string(), tally(2, 1, 3)),
            ]),
            by_source: BTreeMap::from([("cities".to_string(), tally(5, 2, 7))]),
            by_province: BTreeMap::from([
                ("510000".to_string(), tally(3, 1, 4)),
                ("640000".to_string(), tally(3, 1, 4)),
            ]),
            values: None,
        };
        let distinct = GroupDistinct {
            group: BTreeMap::from([("enterprises".to_string(), across)]),
            by_helping_province: BTreeMap::from([(
                "enterprises".to_string(),
                BTreeMap::from([
                    (UNALLOCATED.to_string(), tally(3, 1, 4)),
                    ("350000".to_string(), tally(3, 1, 4)),
                ]),
            )]),
        };
        let group = ProgramGroup::new("g", "组", "G", &["zj-sc".into(), "fj-nx".into()]).unwrap();
        let g = combine(&group, &defs, &[(&zj, &a), (&fj, &b)], 2010, &distinct);
        let f = g.yearbook.indicator("enterprises").unwrap();
        assert_eq!((f.year, f.previous_year, f.cumulative), (5, Some(2), 7));
        assert_eq!(f.change(), Some(3));
        assert_eq!(f.from_records.year, 5);
        assert_eq!(f.by_source["cities"].year, 5);
        assert_eq!(f.by_county["510822"].cumulative, 3);
        assert_eq!(g.by_helped_province["enterprises"]["640000"].year, 3);
        assert_eq!(g.by_helping_province["enterprises"]["350000"].year, 3);
        assert_eq!(
            g.by_program[1].indicators[0].year, 3,
            "a program keeps its own"
        );
    }

    #[test]
    fn a_program_that_ran_without_a_figure_of_the_previous_year_leaves_it_unknown() {
        let zj = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
        let fj = Program::new("fj-nx", "闽宁", "FJ-NX", 2008, None).unwrap();
        // zj-sc's years before 2010 only as a span: its 2009 is unknown.
        let a = yearbook(&zj, &[piece("aid_funds", 2010, 100_000, "510822")], &[2010]);
        let b = yearbook(
            &fj,
            &[
                piece("aid_funds", 2009, 20_000, "640323"),
                piece("aid_funds", 2010, 30_000, "640323"),
            ],
            &[2009, 2010],
        );
        let group = ProgramGroup::new(
            "national",
            "全国",
            "National",
            &["zj-sc".into(), "fj-nx".into()],
        )
        .unwrap();
        let g = combine(
            &group,
            &definitions(),
            &[(&zj, &a), (&fj, &b)],
            2010,
            &GroupDistinct::default(),
        );
        let aid = g.yearbook.indicator("aid_funds").unwrap();
        assert_eq!(aid.year, 130_000);
        assert_eq!(aid.previous_year, None, "not fj-nx's 2009 alone");
        assert_eq!(aid.change(), None);
    }

    #[test]
    fn an_empty_group_is_refused() {
        assert!(ProgramGroup::new("g", "组", "G", &[]).is_err());
        assert!(ProgramGroup::new("g g", "组", "G", &["a".into()]).is_err());
    }
}
