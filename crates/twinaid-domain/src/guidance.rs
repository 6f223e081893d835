//! The program office's yearly guidance (指导意见) and multi-year outlines
//! (规划纲要): priorities and tasks in words, and the parts the assessment
//! reads — which indicators count and their weights, the scoring formula, the
//! weights of the three parts, the grade bands and the experts' rubric.

use crate::assessment::{Rules, ScoreFormula};
use crate::error::DomainError;
use crate::lifecycle::{DEFAULT_COUNTS_FROM, FORWARD, Status};
use serde::{Deserialize, Serialize};

/// What a document is: the guidance the year's assessment follows, or a
/// multi-year outline that sets direction and is not scored against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    #[default]
    Guidance,
    Outline,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Guidance => "guidance",
            DocumentKind::Outline => "outline",
        }
    }

    pub fn name(self, lang: crate::Lang) -> &'static str {
        match self {
            DocumentKind::Guidance => lang.pick("年度指导意见", "yearly guidance"),
            DocumentKind::Outline => lang.pick("规划纲要", "multi-year outline"),
        }
    }
}

/// A guidance document for a year (or an outline for a span of years).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guidance {
    /// Documents issued before outlines existed are guidance.
    #[serde(default)]
    pub kind: DocumentKind,
    pub title: String,
    pub year_from: i32,
    pub year_to: i32,
    pub priorities: Vec<String>,
    pub tasks: Vec<String>,
    /// Indicators that count in the statistical evaluation, with weights.
    pub indicators: Vec<(String, f64)>,
    /// The cap of the capped-linear formula (1.0: no credit beyond the target).
    pub cap: f64,
    /// Weights of statistical evaluation, cross-examination and experts.
    pub weights: (f64, f64, f64),
    /// Lowest totals of 好, 较好, 一般.
    pub bands: (f64, f64, f64),
    /// The experts' rubric: items and weights.
    pub rubric: Vec<(String, f64)>,
    /// The step from which the year's projects count in the official figures.
    #[serde(default = "default_counts_from")]
    pub counts_from: Status,
}

fn default_counts_from() -> Status {
    DEFAULT_COUNTS_FROM
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads `name = weight` lines.
fn weighted(
    text: &str,
    field: &'static str,
) -> Result<Vec<(String, f64)>, (&'static str, DomainError)> {
    lines(text)
        .into_iter()
        .map(|l| {
            let (name, weight) = l
                .rsplit_once(['=', '：', ':'])
                .ok_or((field, DomainError::BadWeightLine(l.clone())))?;
            let w: f64 = weight
                .trim()
                .parse()
                .map_err(|_| (field, DomainError::BadWeightLine(l.clone())))?;
            if w <= 0.0 {
                return Err((field, DomainError::BadWeightLine(l.clone())));
            }
            Ok((name.trim().to_string(), w))
        })
        .collect()
}

/// Keeps a value, or files its problem.
fn take<T>(
    errors: &mut Vec<(&'static str, DomainError)>,
    r: Result<T, (&'static str, DomainError)>,
) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// A blank field reads as its default.
fn or_default<'a>(text: &'a str, default: &'a str) -> &'a str {
    if text.trim().is_empty() {
        default
    } else {
        text
    }
}

fn number(text: &str, field: &'static str) -> Result<f64, (&'static str, DomainError)> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| (field, DomainError::NotANumber(text.trim().to_string())))
}

/// The written form of a guidance, as its edit form holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuidanceForm {
    /// `guidance` (the default when empty) or `outline`.
    pub kind: String,
    pub title: String,
    pub year_from: String,
    pub year_to: String,
    pub priorities: String,
    pub tasks: String,
    pub indicators: String,
    pub cap: String,
    pub weights: String,
    pub bands: String,
    pub rubric: String,
    /// A forward project status; empty for the default (`registered`).
    pub counts_from: String,
}

impl Guidance {
    /// Reads and checks a guidance form; `known` tells which indicator codes exist.
    /// Every problem is returned with the field it belongs to.
    pub fn parse(
        form: &GuidanceForm,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Guidance, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let kind = match form.kind.trim() {
            "" | "guidance" => Some(DocumentKind::Guidance),
            "outline" => Some(DocumentKind::Outline),
            other => {
                errors.push((
                    "kind",
                    DomainError::UnknownChoice {
                        value: other.to_string(),
                        allowed: vec!["guidance", "outline"],
                    },
                ));
                None
            }
        };
        let counts_from = match form.counts_from.trim() {
            "" => Some(DEFAULT_COUNTS_FROM),
            code => match Status::parse(code).filter(|s| s.is_forward()) {
                Some(s) => Some(s),
                None => {
                    errors.push((
                        "counts_from",
                        DomainError::UnknownChoice {
                            value: code.to_string(),
                            allowed: FORWARD.iter().map(|s| s.code()).collect(),
                        },
                    ));
                    None
                }
            },
        };
        let title = form.title.trim().to_string();
        if title.is_empty() {
            errors.push(("title", DomainError::Required));
        }
        let year_from = crate::record::parse_year(&form.year_from).map_err(|e| ("year_from", e));
        let year_to = if form.year_to.trim().is_empty() {
            year_from.clone()
        } else {
            crate::record::parse_year(&form.year_to).map_err(|e| ("year_to", e))
        };
        let (year_from, year_to) = (take(&mut errors, year_from), take(&mut errors, year_to));
        let indicators = take(&mut errors, weighted(&form.indicators, "indicators"));
        if let Some(list) = &indicators {
            for (code, _) in list {
                if !known(code) {
                    errors.push(("indicators", DomainError::UnknownIndicator(code.clone())));
                }
            }
        }
        let rubric = take(&mut errors, weighted(&form.rubric, "rubric"));
        let cap = take(
            &mut errors,
            number(
                if form.cap.trim().is_empty() {
                    "1"
                } else {
                    &form.cap
                },
                "cap",
            ),
        );
        let three = |text: &str,
                     field: &'static str|
         -> Result<(f64, f64, f64), (&'static str, DomainError)> {
            let parts: Vec<&str> = text
                .split([',', '，', '/', ' '])
                .filter(|p| !p.trim().is_empty())
                .collect();
            if parts.len() != 3 {
                return Err((
                    field,
                    DomainError::NeedThreeNumbers(text.trim().to_string()),
                ));
            }
            Ok((
                number(parts[0], field)?,
                number(parts[1], field)?,
                number(parts[2], field)?,
            ))
        };
        let weights = take(
            &mut errors,
            three(or_default(&form.weights, "0.5, 0.3, 0.2"), "weights"),
        );
        let bands = take(
            &mut errors,
            three(or_default(&form.bands, "90, 75, 60"), "bands"),
        );
        if let Some((a, b, c)) = bands
            && !(a > b && b > c)
        {
            errors.push((
                "bands",
                DomainError::NeedThreeNumbers(form.bands.trim().to_string()),
            ));
        }
        if let (Some(f), Some(t)) = (year_from, year_to)
            && f > t
        {
            errors.push(("year_to", DomainError::ReversedYears { from: f, to: t }));
        }
        match (
            kind,
            year_from,
            year_to,
            indicators,
            rubric,
            cap,
            weights,
            bands,
            counts_from,
        ) {
            (
                Some(kind),
                Some(year_from),
                Some(year_to),
                Some(indicators),
                Some(rubric),
                Some(cap),
                Some(weights),
                Some(bands),
                Some(counts_from),
            ) if errors.is_empty() => Ok(Guidance {
                kind,
                title,
                year_from,
                year_to,
                priorities: lines(&form.priorities),
                tasks: lines(&form.tasks),
                indicators,
                cap,
                weights,
                bands,
                rubric,
                counts_from,
            }),
            _ => Err(errors),
        }
    }

    /// The guidance written back into its form.
    pub fn to_form(&self) -> GuidanceForm {
        let weighted = |v: &[(String, f64)]| {
            v.iter()
                .map(|(n, w)| format!("{n} = {w}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        GuidanceForm {
            kind: self.kind.code().to_string(),
            title: self.title.clone(),
            year_from: self.year_from.to_string(),
            year_to: self.year_to.to_string(),
            priorities: self.priorities.join("\n"),
            tasks: self.tasks.join("\n"),
            indicators: weighted(&self.indicators),
            cap: self.cap.to_string(),
            weights: format!("{}, {}, {}", self.weights.0, self.weights.1, self.weights.2),
            bands: format!("{}, {}, {}", self.bands.0, self.bands.1, self.bands.2),
            rubric: weighted(&self.rubric),
            counts_from: self.counts_from.code().to_string(),
        }
    }

    /// The assessment rules the guidance states.
    pub fn rules(&self) -> Rules {
        Rules {
            formula: ScoreFormula::CappedLinear { cap: self.cap },
            weights: self.weights,
            bands: self.bands,
        }
    }

    /// An expert's weighted score over the rubric, from the scores as stored
    /// (JSON, item → 0–100); `None` when they do not read.
    pub fn rubric_total(&self, scores: &str) -> Option<f64> {
        let v: serde_json::Value = serde_json::from_str(scores).ok()?;
        let weight: f64 = self.rubric.iter().map(|(_, w)| w).sum();
        let points: f64 = self
            .rubric
            .iter()
            .map(|(item, w)| w * v[item].as_f64().unwrap_or(0.0))
            .sum();
        Some(points / weight.max(f64::MIN_POSITIVE))
    }

    /// Whether the guidance covers a year.
    pub fn covers(&self, year: i32) -> bool {
        self.year_from <= year && year <= self.year_to
    }

    /// The counting rule of a program from its guidance versions (any
    /// order): each year counts from the step of the newest guidance that
    /// governs it.
    pub fn counting_rule<'a>(
        versions: impl IntoIterator<Item = (i64, &'a Guidance)>,
    ) -> crate::lifecycle::CountingRule {
        let mut newest: std::collections::BTreeMap<i32, (i64, Status)> = Default::default();
        for (version, g) in versions {
            if g.kind != DocumentKind::Guidance {
                continue;
            }
            for year in g.year_from..=g.year_to {
                let e = newest.entry(year).or_insert((version, g.counts_from));
                if version >= e.0 {
                    *e = (version, g.counts_from);
                }
            }
        }
        crate::lifecycle::CountingRule {
            by_year: newest
                .into_iter()
                .filter(|(_, (_, s))| *s != DEFAULT_COUNTS_FROM)
                .map(|(y, (_, s))| (y, s))
                .collect(),
        }
    }

    /// Whether this is the guidance the year's assessment follows.
    pub fn governs(&self, year: i32) -> bool {
        self.kind == DocumentKind::Guidance && self.covers(year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> GuidanceForm {
        GuidanceForm {
            kind: String::new(),
            title: "2009年对口帮扶指导意见".into(),
            year_from: "2009".into(),
            year_to: "".into(),
            priorities: "整村推进\n产业扶持\n\n劳务培训".into(),
            tasks: "完成24个扶贫新村".into(),
            indicators: "aid_funds = 60\nnew_villages=40".into(),
            cap: "1".into(),
            weights: "0.5, 0.3, 0.2".into(),
            bands: "90 75 60".into(),
            rubric: "组织领导 = 30\n项目管理 = 40\n资金管理：30".into(),
            counts_from: String::new(),
        }
    }

    #[test]
    fn a_guidance_form_reads_into_its_parts_and_back() {
        let g = Guidance::parse(&form(), &|c| c == "aid_funds" || c == "new_villages").unwrap();
        assert_eq!((g.year_from, g.year_to), (2009, 2009));
        assert_eq!(g.priorities.len(), 3);
        assert_eq!(
            g.indicators,
            vec![
                ("aid_funds".to_string(), 60.0),
                ("new_villages".to_string(), 40.0)
            ]
        );
        assert_eq!(g.rubric[2], ("资金管理".to_string(), 30.0));
        assert_eq!(g.counts_from, Status::Registered);
        assert_eq!(Guidance::parse(&g.to_form(), &|_| true).unwrap(), g);
        let total = g
            .rubric_total(r#"{"组织领导": 90, "项目管理": 80, "资金管理": 70}"#)
            .unwrap();
        assert!((total - 80.0).abs() < 1e-9, "(27 + 32 + 21) / 100 × 100");
    }

    #[test]
    fn every_wrong_part_is_named() {
        let mut f = form();
        f.indicators = "aid_funds = 60\nunknown = 40".into();
        f.bands = "60 75 90".into();
        f.weights = "0.5 0.5".into();
        f.title = " ".into();
        f.counts_from = "returned".into();
        let fields: Vec<&str> = Guidance::parse(&f, &|c| c == "aid_funds")
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            vec!["counts_from", "title", "indicators", "weights", "bands"]
        );
    }
}
