//! Indicators: named figures with a definition, so a new figure is a new
//! definition rather than new code.

use crate::catalog::Catalog;
use crate::error::DomainError;
use crate::lang::Lang;
use crate::quantity::UnitOfMeasure;
use crate::record::{FieldType, RecordKind};
use crate::unit::SourceKind;
use serde::{Deserialize, Serialize};

/// How an indicator is computed from records; aggregate values recorded under
/// its code are always added on top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A count or sum over one record kind, with equality filters.
    Records {
        kind: String,
        measure: Measure,
        #[serde(default)]
        filters: Vec<Filter>,
    },
    /// A sum of counts or sums over several record kinds (a project's aid
    /// funds and the funds given to no project, say).
    Parts(Vec<Part>),
    /// Only aggregate values: figures no record captures.
    AggregatesOnly,
    /// Arithmetic over other indicators, e.g. `aid_funds / beneficiaries`.
    Formula(String),
}

/// One record kind's share of an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub kind: String,
    pub measure: Measure,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// The filter value that keeps records whose field is empty.
pub const EMPTY: &str = "";

/// What a record rule adds up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Count,
    Sum(String),
    /// How many different values the field takes among the records (the
    /// enterprises that signed agreements, say): exact wherever it is
    /// shown, so never added up from smaller places.
    CountDistinct(String),
}

impl Measure {
    /// Reads `count`, `sum:FIELD` or `count_distinct:FIELD`.
    pub fn parse(text: &str) -> Result<Measure, DomainError> {
        let text = text.trim();
        if text == "count" {
            return Ok(Measure::Count);
        }
        let field = |prefix: &str| {
            text.strip_prefix(prefix)
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
        };
        if let Some(f) = field("sum:") {
            Ok(Measure::Sum(f))
        } else if let Some(f) = field("count_distinct:") {
            Ok(Measure::CountDistinct(f))
        } else {
            Err(DomainError::BadDefinition(format!(
                "measure {text:?}: write count, sum:FIELD or count_distinct:FIELD"
            )))
        }
    }

    /// The measure as an indicator file writes it.
    pub fn code(&self) -> String {
        match self {
            Measure::Count => "count".to_string(),
            Measure::Sum(f) => format!("sum:{f}"),
            Measure::CountDistinct(f) => format!("count_distinct:{f}"),
        }
    }
}

/// Keep records whose field has one of the values; the field `source` means
/// the fund source of the record's helper unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub field: String,
    pub values: Vec<String>,
}

/// The pseudo-field that filters by the helper unit's fund source.
pub const SOURCE_FIELD: &str = "source";

/// An indicator: a stable code, names, a unit and how it is computed.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorDefinition {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: UnitOfMeasure,
    /// Stocks take the latest value instead of adding up over years.
    pub stock: bool,
    pub rule: Rule,
}

impl IndicatorDefinition {
    /// Whether the indicator counts only money of one kind of source (the
    /// provincial units', the cities'…): a share of another figure.
    pub fn is_source_share(&self) -> bool {
        let by_source = |filters: &[Filter]| filters.iter().any(|f| f.field == SOURCE_FIELD);
        match &self.rule {
            Rule::Records { filters, .. } => by_source(filters),
            Rule::Parts(parts) => parts.iter().any(|p| by_source(&p.filters)),
            _ => false,
        }
    }

    /// The name in a language.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }

    /// The field whose different values the indicator counts, if it is a
    /// distinct count: such a figure is counted from the records of the
    /// place and years it covers, never added up from smaller ones.
    pub fn distinct_field(&self) -> Option<&str> {
        match &self.rule {
            Rule::Records {
                measure: Measure::CountDistinct(field),
                ..
            } => Some(field),
            _ => None,
        }
    }

    /// The record kind a record rule reads (the first, for a sum of parts).
    pub fn record_kind(&self) -> Option<RecordKind> {
        self.parts()
            .first()
            .and_then(|p| RecordKind::parse(&p.kind))
    }

    /// The record parts of the rule: one for a record rule, several for a sum of parts.
    pub fn parts(&self) -> Vec<Part> {
        match &self.rule {
            Rule::Records {
                kind,
                measure,
                filters,
            } => vec![Part {
                kind: kind.clone(),
                measure: measure.clone(),
                filters: filters.clone(),
            }],
            Rule::Parts(parts) => parts.clone(),
            _ => Vec::new(),
        }
    }

    /// Checks the definition against the record specs and the other indicators.
    pub fn validate(&self, known: &dyn Fn(&str) -> bool) -> Result<(), DomainError> {
        self.validate_in(known, &Catalog::default())
    }

    /// Checks the definition with the kinds' fields as an installation's
    /// catalog gives them: a filter may name an added choice value.
    pub fn validate_in(
        &self,
        known: &dyn Fn(&str) -> bool,
        catalog: &Catalog,
    ) -> Result<(), DomainError> {
        let bad = |why: String| Err(DomainError::BadDefinition(format!("{}: {why}", self.code)));
        crate::record::parse_code(&self.code)?;
        match &self.rule {
            Rule::AggregatesOnly => Ok(()),
            Rule::Formula(text) => {
                let expr = Formula::parse(text)
                    .map_err(|e| DomainError::BadDefinition(format!("{}: {e}", self.code)))?;
                for code in expr.references() {
                    if code == self.code || !known(&code) {
                        return bad(format!("formula refers to unknown indicator {code}"));
                    }
                }
                Ok(())
            }
            Rule::Parts(parts) if parts.is_empty() => bad("no parts".to_string()),
            Rule::Parts(parts)
                if parts
                    .iter()
                    .any(|p| matches!(p.measure, Measure::CountDistinct(_))) =>
            {
                bad("a distinct count cannot be one part of a sum".to_string())
            }
            Rule::Records { .. } | Rule::Parts(_) => self
                .parts()
                .iter()
                .try_for_each(|p| self.validate_part(p, catalog)),
        }
    }

    /// Checks one part of a record rule against the record specs.
    fn validate_part(&self, part: &Part, catalog: &Catalog) -> Result<(), DomainError> {
        let bad = |why: String| Err(DomainError::BadDefinition(format!("{}: {why}", self.code)));
        // A built-in kind's fields, or an added kind's (its common ones and its own).
        let built_in = RecordKind::parse(&part.kind);
        if built_in.is_none() && catalog.custom_kind(&part.kind).is_none() {
            return bad(format!("unknown record kind {}", part.kind));
        }
        let field_of = |name: &str| match built_in {
            Some(kind) => catalog.field(kind, name),
            None => catalog.kind_field(&part.kind, name),
        };
        let kind_code = part.kind.as_str();
        if let Measure::Sum(field) = &part.measure {
            let Some(spec) = field_of(field) else {
                return bad(format!("{kind_code} has no field {field}"));
            };
            match spec.ty {
                FieldType::Count | FieldType::Money | FieldType::SignedMoney | FieldType::Km => {}
                _ => return bad(format!("{field} is not a number")),
            }
            if spec.ty.scale() != Some(self.unit.scale()) {
                return bad(format!("{field} is not measured in {}", self.unit.code()));
            }
        } else if let Measure::CountDistinct(field) = &part.measure {
            // An added kind's values may also be its common fields' (its helper units).
            let common = built_in.is_none()
                && crate::custom::common_fields()
                    .iter()
                    .any(|f| f.name == field.as_str());
            if field_of(field).is_none() && !common {
                return bad(format!("{kind_code} has no field {field}"));
            }
            if self.unit.scale() != 1 {
                return bad("a count cannot be in yuan or km".to_string());
            }
            if self.stock {
                return bad("a distinct count is a flow, not a stock".to_string());
            }
        } else if self.unit.scale() != 1 {
            return bad("a count cannot be in yuan or km".to_string());
        }
        for filter in &part.filters {
            if filter.field == SOURCE_FIELD {
                if let Some(v) = filter
                    .values
                    .iter()
                    .find(|v| SourceKind::parse(v).is_none())
                {
                    return bad(format!("unknown source {v}"));
                }
                continue;
            }
            let Some(spec) = field_of(&filter.field) else {
                return bad(format!("cannot filter on {}", filter.field));
            };
            // The empty value keeps records whose field is empty; choices also take their codes.
            let allowed = |v: &String| match spec.ty {
                FieldType::Choice(choices) => v == EMPTY || choices.iter().any(|c| c.code == *v),
                _ => v == EMPTY,
            };
            if let Some(v) = filter.values.iter().find(|v| !allowed(v)) {
                return bad(format!("{} has no value {v}", filter.field));
            }
        }
        Ok(())
    }
}

fn records(kind: RecordKind, measure: Measure, filters: &[(&str, &[&str])]) -> Rule {
    Rule::Records {
        kind: kind.code().to_string(),
        measure,
        filters: filters
            .iter()
            .map(|(field, values)| Filter {
                field: field.to_string(),
                values: values.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
    }
}

fn sum(field: &str) -> Measure {
    Measure::Sum(field.to_string())
}

/// Aid funds: what projects received, plus disbursements made to no project
/// (a disbursement to a project is that project's money, counted once).
fn aid_funds(source: Option<&str>) -> Rule {
    let part = |kind: RecordKind, filters: &[(&str, &[&str])]| {
        let mut filters: Vec<(&str, Vec<&str>)> =
            filters.iter().map(|(f, v)| (*f, v.to_vec())).collect();
        if let Some(s) = source {
            filters.push((SOURCE_FIELD, vec![s]));
        }
        Part {
            kind: kind.code().to_string(),
            measure: sum("amount"),
            filters: filters
                .into_iter()
                .map(|(field, values)| Filter {
                    field: field.to_string(),
                    values: values.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
        }
    };
    Rule::Parts(vec![
        part(RecordKind::Project, &[]),
        part(
            RecordKind::FundTransaction,
            &[("kind", &["disbursement"]), ("project_code", &[EMPTY])],
        ),
    ])
}

/// The indicators every program starts with: the figures of the 2009 report.
pub fn built_in() -> Vec<IndicatorDefinition> {
    use RecordKind as K;
    use UnitOfMeasure as U;
    let defs: Vec<(&str, &str, &str, UnitOfMeasure, Rule)> = vec![
        (
            "aid_funds",
            "帮扶资金",
            "aid funds",
            U::Yuan,
            aid_funds(None),
        ),
        (
            "aid_funds_provincial_units",
            "省直单位帮扶资金",
            "aid funds from provincial units",
            U::Yuan,
            aid_funds(Some("provincial_units")),
        ),
        (
            "aid_funds_cities",
            "各市帮扶资金",
            "aid funds from cities",
            U::Yuan,
            aid_funds(Some("cities")),
        ),
        (
            "aid_funds_social",
            "社会帮扶资金",
            "aid funds from society",
            U::Yuan,
            aid_funds(Some("social")),
        ),
        (
            "new_villages",
            "扶贫新村",
            "new anti-poverty villages",
            U::Count,
            records(
                K::Project,
                Measure::Count,
                &[("category", &["new_village"])],
            ),
        ),
        (
            "schools",
            "援建学校",
            "schools built",
            U::Count,
            records(K::Project, Measure::Count, &[("category", &["school"])]),
        ),
        (
            "hospitals",
            "援建医院（卫生院）",
            "hospitals built",
            U::Count,
            records(K::Project, Measure::Count, &[("category", &["hospital"])]),
        ),
        (
            "roads_km",
            "修建道路",
            "roads built",
            U::Km,
            records(K::Project, sum("length_km"), &[("category", &["road"])]),
        ),
        (
            "drinking_water_people",
            "解决饮水困难人数",
            "people given drinking water",
            U::People,
            records(
                K::Project,
                sum("beneficiaries"),
                &[("category", &["drinking_water"])],
            ),
        ),
        (
            "small_ponds",
            "小水窖（小塘堰）",
            "small ponds",
            U::Count,
            records(
                K::Project,
                sum("units_built"),
                &[("category", &["small_pond"])],
            ),
        ),
        (
            "students_aided",
            "“1+1”助学学生",
            "students aided (1+1)",
            U::People,
            records(K::StudentAid, sum("students"), &[]),
        ),
        (
            "cooperation_agreements",
            "经贸合作协议",
            "cooperation agreements",
            U::Count,
            records(K::CooperationAgreement, Measure::Count, &[]),
        ),
        (
            "cooperation_value",
            "经贸合作协议金额",
            "value of cooperation agreements",
            U::Yuan,
            records(K::CooperationAgreement, sum("value"), &[]),
        ),
        (
            "enterprises_introduced",
            "产业园引进企业",
            "enterprises introduced to parks",
            U::Count,
            records(K::ParkEnterprise, Measure::Count, &[]),
        ),
        (
            "investment_introduced",
            "产业园引进投资",
            "investment introduced to parks",
            U::Yuan,
            records(K::ParkEnterprise, sum("investment"), &[]),
        ),
        (
            "practical_trainees",
            "实用技术培训人数",
            "practical trainees",
            U::People,
            records(
                K::Training,
                sum("participants"),
                &[("kind", &["practical"])],
            ),
        ),
        (
            "labour_transferred",
            "劳务输出（转移就业）人数",
            "labour transferred",
            U::People,
            records(K::LabourTransfer, sum("people"), &[]),
        ),
        (
            "leaders_trained",
            "培训致富带头人",
            "leaders for getting rich trained",
            U::People,
            records(K::Training, sum("participants"), &[("kind", &["leaders"])]),
        ),
        (
            "training_funds",
            "实用技术和劳动技能培训经费",
            "funds for practical and labour skills training",
            U::Yuan,
            records(
                K::Training,
                sum("cost"),
                &[("kind", &["practical", "labour_skills"])],
            ),
        ),
        (
            "cadre_exchange_person_times",
            "干部和技术人员交流",
            "cadre and technician exchanges",
            U::PersonTimes,
            records(K::CadreExchange, sum("person_times"), &[]),
        ),
        (
            "beneficiaries",
            "扶贫新村受益群众",
            "people benefiting from new villages",
            U::People,
            records(
                K::Project,
                sum("beneficiaries"),
                &[("category", &["new_village"])],
            ),
        ),
        (
            "students_benefited",
            "改善就学条件学生",
            "students with better schools",
            U::People,
            records(
                K::Project,
                sum("beneficiaries"),
                &[("category", &["school"])],
            ),
        ),
        (
            "medical_access_people",
            "方便就医群众",
            "people with easier access to a doctor",
            U::People,
            records(
                K::Project,
                sum("beneficiaries"),
                &[("category", &["hospital"])],
            ),
        ),
        (
            "jobs_created",
            "经贸合作提供就业",
            "jobs created by cooperation",
            U::People,
            records(K::CooperationAgreement, sum("jobs"), &[]),
        ),
        (
            "profit_tax",
            "经贸合作创造利税",
            "profits and taxes created by cooperation",
            U::Yuan,
            records(K::CooperationAgreement, sum("profit_tax"), &[]),
        ),
    ];
    defs.into_iter()
        .map(|(code, zh, en, unit, rule)| IndicatorDefinition {
            code: code.to_string(),
            name_zh: zh.to_string(),
            name_en: en.to_string(),
            unit,
            stock: false,
            rule,
        })
        .collect()
}

/// A parsed formula over indicator codes: `+ - * /`, parentheses and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    Number(f64),
    Indicator(String),
    Binary(Box<Formula>, char, Box<Formula>),
}

impl Formula {
    /// Parses a formula such as `aid_funds / (beneficiaries + 1)`.
    pub fn parse(text: &str) -> Result<Formula, String> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let expr = parse_sum(&tokens, &mut pos)?;
        if pos != tokens.len() {
            return Err(format!("unexpected {:?}", tokens[pos]));
        }
        Ok(expr)
    }

    /// The indicator codes the formula reads.
    pub fn references(&self) -> Vec<String> {
        match self {
            Formula::Number(_) => vec![],
            Formula::Indicator(c) => vec![c.clone()],
            Formula::Binary(l, _, r) => {
                let mut v = l.references();
                v.extend(r.references());
                v
            }
        }
    }

    /// Evaluates with values in displayed units; `None` when a value is missing or a divisor is zero.
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        match self {
            Formula::Number(n) => Some(*n),
            Formula::Indicator(c) => value(c),
            Formula::Binary(l, op, r) => {
                let (a, b) = (l.eval(value)?, r.eval(value)?);
                match op {
                    '+' => Some(a + b),
                    '-' => Some(a - b),
                    '*' => Some(a * b),
                    _ if b == 0.0 => None,
                    _ => Some(a / b),
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Ident(String),
    Op(char),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(ch) {
            tokens.push(Token::Op(ch));
            i += 1;
        } else if ch.is_ascii_digit() || ch == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            tokens.push(Token::Num(
                s.parse().map_err(|_| format!("bad number {s}"))?,
            ));
        } else if ch.is_ascii_lowercase() || ch == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            return Err(format!("unexpected character {ch:?}"));
        }
    }
    Ok(tokens)
}

fn parse_sum(tokens: &[Token], pos: &mut usize) -> Result<Formula, String> {
    let mut left = parse_product(tokens, pos)?;
    while let Some(Token::Op(op @ ('+' | '-'))) = tokens.get(*pos) {
        *pos += 1;
        let right = parse_product(tokens, pos)?;
        left = Formula::Binary(Box::new(left), *op, Box::new(right));
    }
    Ok(left)
}

fn parse_product(tokens: &[Token], pos: &mut usize) -> Result<Formula, String> {
    let mut left = parse_atom(tokens, pos)?;
    while let Some(Token::Op(op @ ('*' | '/'))) = tokens.get(*pos) {
        *pos += 1;
        let right = parse_atom(tokens, pos)?;
        left = Formula::Binary(Box::new(left), *op, Box::new(right));
    }
    Ok(left)
}

fn parse_atom(tokens: &[Token], pos: &mut usize) -> Result<Formula, String> {
    let token = tokens.get(*pos).ok_or("formula ends too early")?;
    *pos += 1;
    match token {
        Token::Num(n) => Ok(Formula::Number(*n)),
        Token::Ident(c) => Ok(Formula::Indicator(c.clone())),
        Token::Op('(') => {
            let inner = parse_sum(tokens, pos)?;
            match tokens.get(*pos) {
                Some(Token::Op(')')) => {
                    *pos += 1;
                    Ok(inner)
                }
                _ => Err("missing )".to_string()),
            }
        }
        other => Err(format!("unexpected {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_definitions_are_valid_and_unique() {
        let defs = built_in();
        let codes: Vec<_> = defs.iter().map(|d| d.code.clone()).collect();
        for d in &defs {
            d.validate(&|c| codes.iter().any(|k| k == c)).unwrap();
        }
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 25);
    }

    #[test]
    fn definitions_survive_json() {
        for d in built_in() {
            let json = serde_json::to_string(&d.rule).unwrap();
            let back: Rule = serde_json::from_str(&json).unwrap();
            assert_eq!(back, d.rule);
        }
    }

    #[test]
    fn bad_definitions_are_refused() {
        let mut d = built_in().remove(0);
        d.rule = records(RecordKind::Project, sum("name_zh"), &[]);
        assert!(d.validate(&|_| true).is_err());
        d.rule = records(RecordKind::Project, sum("beneficiaries"), &[]);
        assert!(d.validate(&|_| true).is_err(), "people summed as yuan");
        d.rule = records(
            RecordKind::FundTransaction,
            sum("amount"),
            &[("kind", &["gift"])],
        );
        assert!(d.validate(&|_| true).is_err());
        d.rule = Rule::Formula("aid_funds +".into());
        assert!(d.validate(&|_| true).is_err());
    }

    #[test]
    fn distinct_counts_read_and_are_checked() {
        assert_eq!(
            Measure::parse(" count_distinct: enterprise ").unwrap(),
            Measure::CountDistinct("enterprise".into())
        );
        assert_eq!(Measure::parse("sum:amount").unwrap().code(), "sum:amount");
        for bad in ["count_distinct:", "distinct:enterprise", "max:value"] {
            assert!(Measure::parse(bad).is_err(), "{bad}");
        }
        let mut d = built_in().remove(0);
        d.unit = UnitOfMeasure::Count;
        let distinct = |field: &str| Measure::CountDistinct(field.into());
        d.rule = records(
            RecordKind::CooperationAgreement,
            distinct("enterprise"),
            &[],
        );
        d.validate(&|_| true).unwrap();
        assert_eq!(d.distinct_field(), Some("enterprise"));
        d.rule = records(RecordKind::CooperationAgreement, distinct("boss"), &[]);
        assert!(d.validate(&|_| true).is_err(), "no such field");
        d.unit = UnitOfMeasure::Yuan;
        d.rule = records(
            RecordKind::CooperationAgreement,
            distinct("enterprise"),
            &[],
        );
        assert!(d.validate(&|_| true).is_err(), "a count in yuan");
        d.unit = UnitOfMeasure::Count;
        d.rule = Rule::Parts(vec![Part {
            kind: "cooperation_agreement".into(),
            measure: distinct("enterprise"),
            filters: Vec::new(),
        }]);
        assert!(d.validate(&|_| true).is_err(), "distinct counts do not add");
    }

    #[test]
    fn formulas_follow_precedence_and_refuse_division_by_zero() {
        let f = Formula::parse("a + b * (c - 1) / 2").unwrap();
        let v = |c: &str| match c {
            "a" => Some(1.0),
            "b" => Some(4.0),
            "c" => Some(3.0),
            _ => None,
        };
        assert_eq!(f.eval(&v), Some(5.0));
        assert_eq!(Formula::parse("a / (c - 3)").unwrap().eval(&v), None);
        assert_eq!(f.references(), vec!["a", "b", "c"]);
    }
}
