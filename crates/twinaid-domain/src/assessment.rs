//! The yearly assessment of a helper unit: statistical evaluation against its
//! targets, inspection results and expert scores, weighted into a total, a
//! grade and a rank — with every point explained, so a score can be
//! recomputed by hand.

use crate::lang::Lang;

/// How an indicator's completion rate becomes points, as the guidance states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreFormula {
    /// `weight × min(actual / target, cap)`: linear up to the cap (1.0 means no credit beyond the target).
    CappedLinear { cap: f64 },
}

/// One indicator of the statistical evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorResult {
    pub indicator: String,
    /// The indicator's name with its unit, in Chinese and English, for
    /// explanations; the code stands in when empty.
    pub names: (String, String),
    pub weight: f64,
    /// In the indicator's displayed unit.
    pub target: f64,
    pub actual: f64,
}

impl IndicatorResult {
    /// The indicator as an explanation names it.
    pub fn label(&self, lang: Lang) -> &str {
        let name = match lang {
            Lang::Zh => &self.names.0,
            Lang::En => &self.names.1,
        };
        if name.is_empty() {
            &self.indicator
        } else {
            name
        }
    }

    /// Actual over target; a zero target counts as met.
    pub fn completion(&self) -> f64 {
        if self.target <= 0.0 {
            1.0
        } else {
            self.actual / self.target
        }
    }

    /// The points this indicator earns under the formula.
    pub fn points(&self, formula: ScoreFormula) -> f64 {
        match formula {
            ScoreFormula::CappedLinear { cap } => self.weight * self.completion().clamp(0.0, cap),
        }
    }
}

/// The weights of the three parts of the total, and the grade bands, from the guidance.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub formula: ScoreFormula,
    /// Weights of statistical evaluation, inspection and expert assessment; they need not add to 1.
    pub weights: (f64, f64, f64),
    /// Lowest totals of 好, 较好 and 一般; below the last is 差.
    pub bands: (f64, f64, f64),
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            formula: ScoreFormula::CappedLinear { cap: 1.0 },
            weights: (0.5, 0.3, 0.2),
            bands: (90.0, 75.0, 60.0),
        }
    }
}

/// A grade band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Good,
    FairlyGood,
    Average,
    Poor,
}

impl Grade {
    /// The grade's name: 好 / 较好 / 一般 / 差.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Grade::Good => lang.pick("好", "good"),
            Grade::FairlyGood => lang.pick("较好", "fairly good"),
            Grade::Average => lang.pick("一般", "average"),
            Grade::Poor => lang.pick("差", "poor"),
        }
    }
}

/// What a unit's assessment is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitInput {
    pub unit: String,
    pub indicators: Vec<IndicatorResult>,
    /// Ratings of the paired side's satisfaction, 0–100 each; their mean is
    /// added to the statistical part as one more item of average weight.
    pub satisfaction_ratings: Vec<f64>,
    /// Inspection ratings of the unit's projects, 0–100 each.
    pub inspection_ratings: Vec<f64>,
    /// Expert scores, 0–100 each.
    pub expert_scores: Vec<f64>,
}

/// A unit's assessed score, with its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitScore {
    pub unit: String,
    /// 0–100 (more where the cap allows credit beyond the target).
    pub statistical: f64,
    pub inspection: f64,
    pub expert: f64,
    /// The spread of expert scores (highest minus lowest).
    pub expert_spread: f64,
    pub total: f64,
    pub grade: Grade,
    pub rank: usize,
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Rounds to two decimals, as published tables show scores.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The statistical part: points over the weights, on a 0–100 scale.
pub fn statistical(input: &UnitInput, formula: ScoreFormula) -> f64 {
    let weight: f64 = input.indicators.iter().map(|i| i.weight).sum();
    let points: f64 = input.indicators.iter().map(|i| i.points(formula)).sum();
    let mut score = if weight > 0.0 {
        points / weight * 100.0
    } else {
        0.0
    };
    if !input.satisfaction_ratings.is_empty() {
        // Satisfaction counts as one more item of average weight.
        let s = mean(&input.satisfaction_ratings);
        let n = input.indicators.len() as f64;
        score = (score * n + s) / (n + 1.0);
    }
    round2(score)
}

/// Scores, grades and ranks every unit; equal totals share a rank.
pub fn assess(inputs: &[UnitInput], rules: &Rules) -> Vec<UnitScore> {
    let (ws, wi, we) = rules.weights;
    let wsum = ws + wi + we;
    let mut scores: Vec<UnitScore> = inputs
        .iter()
        .map(|u| {
            let statistical = statistical(u, rules.formula);
            let inspection = round2(mean(&u.inspection_ratings));
            let expert = round2(mean(&u.expert_scores));
            let spread = u.expert_scores.iter().cloned().fold(f64::MIN, f64::max)
                - u.expert_scores.iter().cloned().fold(f64::MAX, f64::min);
            let total = if wsum > 0.0 {
                round2((ws * statistical + wi * inspection + we * expert) / wsum)
            } else {
                0.0
            };
            let (good, fair, average) = rules.bands;
            let grade = if total >= good {
                Grade::Good
            } else if total >= fair {
                Grade::FairlyGood
            } else if total >= average {
                Grade::Average
            } else {
                Grade::Poor
            };
            UnitScore {
                unit: u.unit.clone(),
                statistical,
                inspection,
                expert,
                expert_spread: if u.expert_scores.is_empty() {
                    0.0
                } else {
                    round2(spread)
                },
                total,
                grade,
                rank: 0,
            }
        })
        .collect();
    scores.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    for i in 0..scores.len() {
        scores[i].rank = if i > 0 && scores[i].total == scores[i - 1].total {
            scores[i - 1].rank
        } else {
            i + 1
        };
    }
    scores
}

/// Where a line of an explanation comes from, so a reader can open the records behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trace {
    /// The records an indicator counts for the unit in the year.
    Indicator(String),
    /// The unit's inspection findings.
    Inspections,
    /// The experts' scores of the unit.
    Experts,
    /// The paired side's satisfaction ratings.
    Satisfaction,
    /// A computation over the lines above.
    Computed,
}

impl Trace {
    /// The trace as stored with a published assessment.
    pub fn code(&self) -> String {
        match self {
            Trace::Indicator(c) => format!("indicator:{c}"),
            Trace::Inspections => "inspections".into(),
            Trace::Experts => "experts".into(),
            Trace::Satisfaction => "satisfaction".into(),
            Trace::Computed => String::new(),
        }
    }

    /// Reads a stored trace; anything unknown is a computation.
    pub fn from_code(code: &str) -> Trace {
        match code {
            "inspections" => Trace::Inspections,
            "experts" => Trace::Experts,
            "satisfaction" => Trace::Satisfaction,
            c => c
                .strip_prefix("indicator:")
                .map(|i| Trace::Indicator(i.to_string()))
                .unwrap_or(Trace::Computed),
        }
    }
}

/// The explanation of a score, line by line, in a language: every input and
/// every step, each with where it comes from.
pub fn explain(
    input: &UnitInput,
    score: &UnitScore,
    rules: &Rules,
    lang: Lang,
) -> Vec<(String, Trace)> {
    let mut lines = Vec::new();
    let ScoreFormula::CappedLinear { cap } = rules.formula;
    for i in &input.indicators {
        let text = match lang {
            Lang::Zh => format!(
                "{}：目标 {}，实际 {}，完成率 {:.2}%，得分 = 权重 {} × min(完成率, {cap}) = {:.2}",
                i.label(lang),
                i.target,
                i.actual,
                i.completion() * 100.0,
                i.weight,
                i.points(rules.formula)
            ),
            Lang::En => format!(
                "{}: target {}, actual {}, completion {:.2}%, points = weight {} × min(completion, {cap}) = {:.2}",
                i.label(lang),
                i.target,
                i.actual,
                i.completion() * 100.0,
                i.weight,
                i.points(rules.formula)
            ),
        };
        lines.push((text, Trace::Indicator(i.indicator.clone())));
    }
    let weight: f64 = input.indicators.iter().map(|i| i.weight).sum();
    let points: f64 = input
        .indicators
        .iter()
        .map(|i| i.points(rules.formula))
        .sum();
    let bare = if weight > 0.0 {
        points / weight * 100.0
    } else {
        0.0
    };
    let mut text = match lang {
        Lang::Zh => format!("指标得分合计 {points:.2} ÷ 权重合计 {weight} × 100 = {bare:.2}"),
        Lang::En => format!("indicator points {points:.2} / weights {weight} × 100 = {bare:.2}"),
    };
    if !input.satisfaction_ratings.is_empty() {
        let s = mean(&input.satisfaction_ratings);
        lines.push((
            match lang {
                Lang::Zh => format!(
                    "受帮扶方满意度：{} 个县评分 {:?}，平均 {s:.2}，作为一项平均权重计入",
                    input.satisfaction_ratings.len(),
                    input.satisfaction_ratings
                ),
                Lang::En => format!(
                    "satisfaction of the paired side: {} ratings {:?}, mean {s:.2}, counted as one item of average weight",
                    input.satisfaction_ratings.len(),
                    input.satisfaction_ratings
                ),
            },
            Trace::Satisfaction,
        ));
        let n = input.indicators.len();
        text.push_str(&match lang {
            Lang::Zh => format!("；计入满意度：({bare:.2} × {n} + {s:.2}) ÷ {}", n + 1),
            Lang::En => format!(
                "; with satisfaction: ({bare:.2} × {n} + {s:.2}) / {}",
                n + 1
            ),
        });
    }
    text.push_str(&match lang {
        Lang::Zh => format!("；统计评价 = {:.2}", score.statistical),
        Lang::En => format!("; statistical evaluation = {:.2}", score.statistical),
    });
    lines.push((text, Trace::Computed));
    lines.push((
        match lang {
            Lang::Zh => format!(
                "交叉检查：{} 个项目评分 {:?}，平均 {:.2}",
                input.inspection_ratings.len(),
                input.inspection_ratings,
                score.inspection
            ),
            Lang::En => format!(
                "cross-examination: {} project ratings {:?}, mean {:.2}",
                input.inspection_ratings.len(),
                input.inspection_ratings,
                score.inspection
            ),
        },
        Trace::Inspections,
    ));
    lines.push((
        match lang {
            Lang::Zh => format!(
                "专家评估：{} 位专家评分 {:?}，平均 {:.2}，极差 {:.2}",
                input.expert_scores.len(),
                input
                    .expert_scores
                    .iter()
                    .map(|e| round2(*e))
                    .collect::<Vec<_>>(),
                score.expert,
                score.expert_spread
            ),
            Lang::En => format!(
                "experts: {} scores {:?}, mean {:.2}, spread {:.2}",
                input.expert_scores.len(),
                input
                    .expert_scores
                    .iter()
                    .map(|e| round2(*e))
                    .collect::<Vec<_>>(),
                score.expert,
                score.expert_spread
            ),
        },
        Trace::Experts,
    ));
    let (ws, wi, we) = rules.weights;
    let total = match lang {
        Lang::Zh => format!(
            "总分 = ({ws} × {:.2} + {wi} × {:.2} + {we} × {:.2}) ÷ {} = {:.2}，等次：{}，排名第 {}",
            score.statistical,
            score.inspection,
            score.expert,
            ws + wi + we,
            score.total,
            score.grade.name(lang),
            score.rank
        ),
        Lang::En => format!(
            "total = ({ws} × {:.2} + {wi} × {:.2} + {we} × {:.2}) / {} = {:.2}, grade {}, rank {}",
            score.statistical,
            score.inspection,
            score.expert,
            ws + wi + we,
            score.total,
            score.grade.name(lang),
            score.rank
        ),
    };
    lines.push((total, Trace::Computed));
    lines
}

/// One unit's line of an assessment, as a report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RankLine {
    pub rank: usize,
    pub unit: String,
    pub statistical: f64,
    pub inspection: f64,
    pub expert: f64,
    pub total: f64,
    pub grade: String,
    pub explanation: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, aid_actual: f64, ratings: &[f64], experts: &[f64]) -> UnitInput {
        UnitInput {
            unit: name.into(),
            indicators: vec![
                IndicatorResult {
                    indicator: "aid_funds".into(),
                    names: Default::default(),
                    weight: 60.0,
                    target: 5_000_000.0,
                    actual: aid_actual,
                },
                IndicatorResult {
                    indicator: "new_villages".into(),
                    names: Default::default(),
                    weight: 40.0,
                    target: 4.0,
                    actual: 4.0,
                },
            ],
            satisfaction_ratings: Vec::new(),
            inspection_ratings: ratings.to_vec(),
            expert_scores: experts.to_vec(),
        }
    }

    #[test]
    fn capped_linear_gives_no_credit_beyond_the_target() {
        let i = IndicatorResult {
            indicator: "x".into(),
            names: Default::default(),
            weight: 10.0,
            target: 100.0,
            actual: 150.0,
        };
        assert_eq!(i.points(ScoreFormula::CappedLinear { cap: 1.0 }), 10.0);
        assert_eq!(i.points(ScoreFormula::CappedLinear { cap: 1.2 }), 12.0);
        let half = IndicatorResult { actual: 50.0, ..i };
        assert_eq!(half.points(ScoreFormula::CappedLinear { cap: 1.0 }), 5.0);
    }

    #[test]
    fn totals_grades_and_ranks_follow_the_rules() {
        let rules = Rules::default();
        let scores = assess(
            &[
                unit("a", 5_000_000.0, &[90.0, 100.0], &[80.0, 90.0]),
                unit("b", 2_500_000.0, &[70.0], &[60.0]),
                unit("c", 5_000_000.0, &[90.0, 100.0], &[80.0, 90.0]),
            ],
            &rules,
        );
        // a: statistical 100, inspection 95, experts 85 → (50 + 28.5 + 17) = 95.5
        assert_eq!(
            (
                scores[0].unit.as_str(),
                scores[0].total,
                scores[0].rank,
                scores[0].grade
            ),
            ("a", 95.5, 1, Grade::Good)
        );
        assert_eq!(
            (scores[1].unit.as_str(), scores[1].rank),
            ("c", 1),
            "equal totals share a rank"
        );
        // b: statistical (30 + 40) = 70, inspection 70, experts 60 → 35 + 21 + 12 = 68
        assert_eq!(
            (scores[2].total, scores[2].rank, scores[2].grade),
            (68.0, 3, Grade::Average)
        );
        assert_eq!(scores[0].expert_spread, 10.0);
    }

    #[test]
    fn the_explanation_shows_every_number_of_the_total() {
        let input = unit("b", 2_500_000.0, &[70.0], &[60.0]);
        let score = &assess(std::slice::from_ref(&input), &Rules::default())[0];
        let lines = explain(&input, score, &Rules::default(), Lang::En);
        assert!(lines[0].0.contains("completion 50.00%") && lines[0].0.contains("= 30.00"));
        assert_eq!(lines[0].1, Trace::Indicator("aid_funds".into()));
        let (last, trace) = lines.last().unwrap();
        assert!(last.contains("= 68.00") && last.contains("average"));
        assert_eq!(*trace, Trace::Computed);
        assert!(
            lines
                .iter()
                .any(|(l, t)| *t == Trace::Inspections && l.contains("[70.0]"))
        );
        for t in [
            Trace::Indicator("x".into()),
            Trace::Experts,
            Trace::Computed,
        ] {
            assert_eq!(Trace::from_code(&t.code()), t);
        }
    }

    #[test]
    fn satisfaction_counts_as_one_more_item_of_average_weight() {
        let mut input = unit("b", 2_500_000.0, &[70.0], &[60.0]);
        input.satisfaction_ratings = vec![80.0, 100.0];
        let rules = Rules::default();
        // indicators 70 over two items, satisfaction 90: (70 × 2 + 90) / 3
        assert_eq!(statistical(&input, rules.formula), 76.67);
        let score = &assess(std::slice::from_ref(&input), &rules)[0];
        let lines = explain(&input, score, &rules, Lang::Zh);
        assert!(
            lines
                .iter()
                .any(|(l, t)| *t == Trace::Satisfaction && l.contains("平均 90.00"))
        );
        assert!(
            lines
                .iter()
                .any(|(l, _)| l.contains("(70.00 × 2 + 90.00) ÷ 3"))
        );
    }
}

/// How far into a year a day is, for pacing targets: 1.0 for a year that is over.
pub fn year_elapsed(year: i32, today_year: i32, day_of_year: u32) -> f64 {
    use std::cmp::Ordering;
    match year.cmp(&today_year) {
        Ordering::Less => 1.0,
        Ordering::Greater => 0.0,
        Ordering::Equal => (f64::from(day_of_year) / 365.0).min(1.0),
    }
}

/// Whether progress is behind the pace of the year: below the share of the
/// year gone, by more than the tolerance (0.1 = ten points).
pub fn behind_pace(target: f64, actual: f64, elapsed: f64, tolerance: f64) -> bool {
    target > 0.0 && actual / target < elapsed - tolerance
}

#[cfg(test)]
mod pace_tests {
    use super::*;

    #[test]
    fn pace_follows_the_calendar() {
        assert_eq!(year_elapsed(2009, 2026, 10), 1.0);
        assert_eq!(year_elapsed(2030, 2026, 10), 0.0);
        assert!((year_elapsed(2026, 2026, 182) - 0.4986).abs() < 0.001);
        assert!(behind_pace(100.0, 30.0, 0.5, 0.1), "30% done at mid-year");
        assert!(!behind_pace(100.0, 45.0, 0.5, 0.1));
        assert!(
            !behind_pace(0.0, 0.0, 1.0, 0.1),
            "no target, nothing to be behind"
        );
    }
}
