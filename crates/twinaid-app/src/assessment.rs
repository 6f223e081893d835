//! Guidance, expert scores and the yearly assessment: computed from the
//! year's records, targets, inspections and expert scores by the rules the
//! guidance states; published once, then kept as published.

use crate::App;
use crate::access::{Actor, Permissions, Role};
use crate::error::AppError;
use crate::records::ListRequest;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use twinaid_domain::assessment::{
    IndicatorResult, Rules, Trace, UnitInput, UnitScore, assess, explain,
};
use twinaid_domain::error::{Location, Problem};
use twinaid_domain::guidance::{Guidance, GuidanceForm};
use twinaid_domain::{DomainError, Lang};
pub use twinaid_store::{ExpertRow, GuidanceRow};

/// One unit's line of an assessment, with its explanation in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessedUnit {
    pub score: UnitScore,
    pub explanation_zh: Vec<String>,
    pub explanation_en: Vec<String>,
    /// Where each line of the explanation comes from.
    pub traces: Vec<Trace>,
}

/// A year's assessment, live or as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub units: Vec<AssessedUnit>,
    /// (by, at) once published.
    pub published: Option<(String, String)>,
    pub guidance_version: i64,
}

fn grade_code(g: twinaid_domain::assessment::Grade) -> &'static str {
    use twinaid_domain::assessment::Grade::*;
    match g {
        Good => "good",
        FairlyGood => "fairly_good",
        Average => "average",
        Poor => "poor",
    }
}

fn grade_of(code: &str) -> twinaid_domain::assessment::Grade {
    use twinaid_domain::assessment::Grade::*;
    match code {
        "good" => Good,
        "fairly_good" => FairlyGood,
        "average" => Average,
        _ => Poor,
    }
}

fn to_json(a: &Assessment) -> Value {
    json!({
        "guidance_version": a.guidance_version,
        "units": a.units.iter().map(|u| json!({
            "unit": u.score.unit, "statistical": u.score.statistical, "inspection": u.score.inspection, "expert": u.score.expert,
            "expert_spread": u.score.expert_spread, "total": u.score.total, "grade": grade_code(u.score.grade), "rank": u.score.rank,
            "explanation_zh": u.explanation_zh, "explanation_en": u.explanation_en,
            "traces": u.traces.iter().map(Trace::code).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn from_json(v: &Value, published: (String, String)) -> Assessment {
    let num = |u: &Value, k: &str| u[k].as_f64().unwrap_or(0.0);
    let lines = |u: &Value, k: &str| {
        u[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Assessment {
        guidance_version: v["guidance_version"].as_i64().unwrap_or(0),
        published: Some(published),
        units: v["units"]
            .as_array()
            .map(|units| {
                units
                    .iter()
                    .map(|u| AssessedUnit {
                        score: UnitScore {
                            unit: u["unit"].as_str().unwrap_or_default().to_string(),
                            statistical: num(u, "statistical"),
                            inspection: num(u, "inspection"),
                            expert: num(u, "expert"),
                            expert_spread: num(u, "expert_spread"),
                            total: num(u, "total"),
                            grade: grade_of(u["grade"].as_str().unwrap_or_default()),
                            rank: u["rank"].as_u64().unwrap_or(0) as usize,
                        },
                        explanation_zh: lines(u, "explanation_zh"),
                        explanation_en: lines(u, "explanation_en"),
                        traces: lines(u, "traces")
                            .iter()
                            .map(|c: &String| Trace::from_code(c))
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl App {
    /// Issues a new version of a program's guidance (its office, or the
    /// national office of its group).
    pub async fn issue_guidance(
        &self,
        actor: &Actor,
        program: &str,
        form: &GuidanceForm,
    ) -> Result<i64, AppError> {
        let (guidance, body) = self.guidance_to_issue(actor, program, form).await?;
        Ok(self
            .store
            .issue_guidance(
                program,
                guidance.year_from,
                guidance.year_to,
                &body,
                &actor.name,
            )
            .await?)
    }

    /// Issues the same guidance to every program of a group (its national
    /// office or an administrator): each program's is checked first, so a
    /// refusal in one issues none; then all get their next version in one
    /// transaction. The programs and the versions issued.
    pub async fn issue_group_guidance(
        &self,
        actor: &Actor,
        group: &str,
        form: &GuidanceForm,
    ) -> Result<Vec<(String, i64)>, AppError> {
        let group = self.group(actor, group).await?;
        let mut ready = Vec::with_capacity(group.programs.len());
        for program in &group.programs {
            ready.push((program, self.guidance_to_issue(actor, program, form).await?));
        }
        // All in one transaction: every program gets its version, or none does.
        let items: Vec<(&str, i32, i32, &str)> = ready
            .iter()
            .map(|(p, (g, body))| (p.as_str(), g.year_from, g.year_to, body.as_str()))
            .collect();
        let versions = self.store.issue_guidances(&items, &actor.name).await?;
        Ok(group.programs.iter().cloned().zip(versions).collect())
    }

    /// A guidance form read and checked for a program, with the body to store.
    async fn guidance_to_issue(
        &self,
        actor: &Actor,
        program: &str,
        form: &GuidanceForm,
    ) -> Result<(Guidance, String), AppError> {
        crate::error::plain_text(&[
            ("kind", &form.kind),
            ("title", &form.title),
            ("year_from", &form.year_from),
            ("year_to", &form.year_to),
            ("priorities", &form.priorities),
            ("tasks", &form.tasks),
            ("indicators", &form.indicators),
            ("cap", &form.cap),
            ("weights", &form.weights),
            ("bands", &form.bands),
            ("rubric", &form.rubric),
            ("counts_from", &form.counts_from),
        ])?;
        if !Permissions::of(actor, program).guides {
            return Err(AppError::Forbidden);
        }
        let known: BTreeSet<String> = self
            .store
            .indicators()
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect();
        let guidance =
            Guidance::parse(form, &|c| known.contains(c)).map_err(crate::error::on_fields)?;
        // A year whose assessment is published keeps the step its figures
        // were counted from.
        let rule = self.store.counting_rule(program).await?;
        if guidance.kind == twinaid_domain::guidance::DocumentKind::Guidance {
            for year in guidance.year_from..=guidance.year_to {
                if rule.counts_from(year) != guidance.counts_from
                    && self.store.publication(program, year).await?.is_some()
                {
                    return Err(AppError::Field(
                        "counts_from",
                        DomainError::CountingFixed(year),
                    ));
                }
            }
        }
        let body =
            serde_json::to_string(&guidance).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((guidance, body))
    }

    /// Every version of the guidance, newest first.
    pub async fn guidance_versions(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<Vec<(GuidanceRow, Guidance)>, AppError> {
        if actor.works_elsewhere(program) {
            return Err(AppError::Forbidden);
        }
        let mut out = Vec::new();
        for row in self.store.guidance_versions(program).await? {
            let g: Guidance = serde_json::from_str(&row.body)
                .map_err(|e| AppError::Internal(format!("guidance v{}: {e}", row.version)))?;
            out.push((row, g));
        }
        Ok(out)
    }

    /// The guidance in force for a year: the newest version covering it.
    pub async fn guidance_for(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Option<(GuidanceRow, Guidance)>, AppError> {
        Ok(self
            .guidance_versions(actor, program)
            .await?
            .into_iter()
            .find(|(_, g)| g.governs(year)))
    }

    /// Assigns an expert (an account with the expert role) to score a helper unit.
    pub async fn assign_expert(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        expert: &str,
        unit: &str,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[("expert", expert), ("unit", unit)])?;
        if !actor.is_office(program) {
            return Err(AppError::Forbidden);
        }
        let user = self.store.user_by_username(expert.trim()).await?;
        if user.is_none_or(|u| u.role != "expert") {
            return Err(AppError::Field(
                "expert",
                DomainError::UnknownReference {
                    kind: "expert",
                    code: expert.to_string(),
                },
            ));
        }
        let units = self.store.units(program).await?;
        if !units.iter().any(|u| u.code == unit && u.side == "helping") {
            return Err(AppError::Field(
                "unit",
                DomainError::UnknownUnit(unit.to_string()),
            ));
        }
        Ok(self
            .store
            .assign_expert(program, year, expert.trim(), unit, &actor.name)
            .await?)
    }

    /// Expert assignments: all for the office, an expert's own for the expert.
    pub async fn expert_assignments(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Vec<ExpertRow>, AppError> {
        let expert = match &actor.role {
            Role::Expert => Some(actor.name.as_str()),
            _ if actor.is_office(program) => None,
            _ => return Err(AppError::Forbidden),
        };
        Ok(self.store.expert_assignments(program, year, expert).await?)
    }

    /// An expert submits scores (0–100 per rubric item) for an assigned unit, once.
    pub async fn submit_expert_scores(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        unit: &str,
        scores: &BTreeMap<String, String>,
    ) -> Result<(), AppError> {
        for (item, score) in scores {
            crate::error::plain_text(&[("scores", item), ("scores", score)])?;
        }
        if !matches!(actor.role, Role::Expert) {
            return Err(AppError::Forbidden);
        }
        let assigned = self
            .store
            .expert_assignments(program, year, Some(&actor.name))
            .await?;
        let Some(row) = assigned.iter().find(|a| a.unit == unit) else {
            return Err(AppError::Forbidden);
        };
        if row.submitted_at.is_some() {
            return Err(AppError::BadRequest(DomainError::ScoresLocked(
                unit.to_string(),
            )));
        }
        let guidance = self
            .guidance_for(actor, program, year)
            .await?
            .ok_or(AppError::BadRequest(DomainError::NoGuidance(year)))?
            .1;
        let mut values = serde_json::Map::new();
        let mut problems = Vec::new();
        for (item, _) in &guidance.rubric {
            let text = scores.get(item).map(|s| s.trim()).unwrap_or_default();
            match text.parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => {
                    values.insert(item.clone(), json!(v));
                }
                _ => problems.push(Problem::at(
                    Location {
                        column: Some(item.clone()),
                        ..Location::default()
                    },
                    DomainError::ScoreOutOfRange(text.to_string()),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let body = Value::Object(values).to_string();
        if !self
            .store
            .submit_expert_scores(program, year, &actor.name, unit, &body)
            .await?
        {
            return Err(AppError::BadRequest(DomainError::ScoresLocked(
                unit.to_string(),
            )));
        }
        Ok(())
    }

    /// The year's assessment: as published if it was, else computed from current data.
    pub async fn assessment(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Assessment, AppError> {
        if matches!(actor.role, Role::Expert) || actor.works_elsewhere(program) {
            return Err(AppError::Forbidden);
        }
        if let Some((snapshot, by, at)) = self.store.publication(program, year).await? {
            let v: Value =
                serde_json::from_str(&snapshot).map_err(|e| AppError::Internal(e.to_string()))?;
            return Ok(from_json(&v, (by, at)));
        }
        let (row, guidance) = self
            .guidance_for(actor, program, year)
            .await?
            .ok_or(AppError::BadRequest(DomainError::NoGuidance(year)))?;
        let rules: Rules = guidance.rules();
        // Targets per unit and indicator, over all its counties.
        let mut targets: BTreeMap<(String, String), i64> = BTreeMap::new();
        for (unit, indicator, _, target) in self.store.plan_targets(program, year).await? {
            *targets.entry((unit, indicator)).or_default() += target;
        }
        let units: BTreeSet<String> = targets.keys().map(|(u, _)| u.clone()).collect();
        let definitions: BTreeMap<String, twinaid_domain::indicator::IndicatorDefinition> = self
            .store
            .indicators()
            .await?
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect();
        let inspections = self.store.inspections(program, year, None).await?;
        let experts = self.store.expert_assignments(program, year, None).await?;
        let satisfaction = self.store.satisfaction(program, year).await?;
        let mut inputs = Vec::new();
        for unit in &units {
            let mut indicators = Vec::new();
            for (code, weight) in &guidance.indicators {
                let Some(target) = targets.get(&(unit.clone(), code.clone())) else {
                    continue;
                };
                let request = ListRequest {
                    indicator: Some(code.clone()),
                    year: Some(year),
                    filters: vec![("helper_unit".into(), unit.clone())],
                    page: 1,
                    per_page: 1,
                    ..ListRequest::default()
                };
                let actual = self
                    .drill_down(actor, program, &request)
                    .await?
                    .from_records;
                let def = definitions.get(code);
                let scale = def.map_or(1, |d| d.unit.scale()) as f64;
                let label = |lang: Lang| {
                    def.map(|d| {
                        let unit = d.unit.name(lang);
                        match lang {
                            Lang::Zh => format!("{}（{unit}）", d.name(lang)),
                            Lang::En => format!("{} ({unit})", d.name(lang)),
                        }
                    })
                    .unwrap_or_default()
                };
                indicators.push(IndicatorResult {
                    indicator: code.clone(),
                    names: (label(Lang::Zh), label(Lang::En)),
                    weight: *weight,
                    target: *target as f64 / scale,
                    actual: actual as f64 / scale,
                });
            }
            let inspection_ratings = inspections
                .iter()
                .filter(|i| &i.inspected_unit == unit)
                .filter_map(|i| i.rating.map(|r| r as f64))
                .collect();
            let expert_scores = experts
                .iter()
                .filter(|e| &e.unit == unit)
                .filter_map(|e| e.scores.as_deref().and_then(|s| guidance.rubric_total(s)))
                .collect();
            let satisfaction_ratings = satisfaction
                .iter()
                .filter(|s| &s.unit == unit)
                .map(|s| s.rating as f64)
                .collect();
            inputs.push(UnitInput {
                unit: unit.clone(),
                indicators,
                satisfaction_ratings,
                inspection_ratings,
                expert_scores,
            });
        }
        let scores = assess(&inputs, &rules);
        let units = scores
            .into_iter()
            .map(|score| {
                let input = inputs
                    .iter()
                    .find(|i| i.unit == score.unit)
                    .cloned()
                    .unwrap_or(UnitInput {
                        unit: score.unit.clone(),
                        indicators: Vec::new(),
                        satisfaction_ratings: Vec::new(),
                        inspection_ratings: Vec::new(),
                        expert_scores: Vec::new(),
                    });
                let (explanation_zh, traces): (Vec<String>, Vec<Trace>) =
                    explain(&input, &score, &rules, Lang::Zh)
                        .into_iter()
                        .unzip();
                AssessedUnit {
                    explanation_zh,
                    explanation_en: explain(&input, &score, &rules, Lang::En)
                        .into_iter()
                        .map(|(l, _)| l)
                        .collect(),
                    traces,
                    score,
                }
            })
            .collect();
        Ok(Assessment {
            units,
            published: None,
            guidance_version: row.version,
        })
    }

    /// Publishes the year's assessment as it stands; from then on it is read as published.
    pub async fn publish_assessment(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<(), AppError> {
        if !actor.is_office(program) {
            return Err(AppError::Forbidden);
        }
        let assessment = self.assessment(actor, program, year).await?;
        if assessment.published.is_some()
            || !self
                .store
                .publish(
                    program,
                    year,
                    &to_json(&assessment).to_string(),
                    &actor.name,
                )
                .await?
        {
            return Err(AppError::BadRequest(DomainError::YearPublished(year)));
        }
        Ok(())
    }

    /// Whether a change to a record of the year is a correction of a published
    /// year; refused when no reason is given.
    pub(crate) async fn correction_needed(
        &self,
        program: &str,
        year: Option<i32>,
        reason: Option<&str>,
    ) -> Result<bool, AppError> {
        let Some(y) = year else { return Ok(false) };
        if self.store.publication(program, y).await?.is_none() {
            return Ok(false);
        }
        match reason {
            Some(_) => Ok(true),
            None => Err(AppError::Field(
                "correction_reason",
                DomainError::YearPublished(y),
            )),
        }
    }

    /// Refuses a change to a record of a year whose assessment is published.
    pub(crate) async fn require_open_year(
        &self,
        program: &str,
        year: Option<i32>,
    ) -> Result<(), AppError> {
        if let Some(y) = year
            && self.store.publication(program, y).await?.is_some()
        {
            return Err(AppError::BadRequest(DomainError::YearPublished(y)));
        }
        Ok(())
    }
}

/// One unit's assessment with everything its explanation rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitReport {
    pub assessed: AssessedUnit,
    pub guidance_version: i64,
    pub published: Option<(String, String)>,
    /// The unit's projects as inspected by others.
    pub inspections: Vec<twinaid_store::InspectionRow>,
    /// Each submitted expert's scores by rubric item and weighted total; experts are numbered, not named.
    pub experts: Vec<(Vec<(String, f64)>, f64)>,
    pub satisfaction: Vec<twinaid_store::SatisfactionRow>,
}

impl App {
    /// A unit's assessment report: its score, the explanation and the
    /// inspections, expert scores and ratings behind it.
    pub async fn assessment_report(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        unit: &str,
    ) -> Result<UnitReport, AppError> {
        let assessment = self.assessment(actor, program, year).await?;
        let assessed = assessment
            .units
            .into_iter()
            .find(|u| u.score.unit == unit)
            .ok_or_else(|| AppError::NotFound(DomainError::UnknownUnit(unit.to_string())))?;
        let inspections = self
            .store
            .inspections(program, year, Some(unit))
            .await?
            .into_iter()
            .filter(|i| i.inspected_unit == unit)
            .collect();
        let rubric = self
            .guidance_versions(actor, program)
            .await?
            .into_iter()
            .find(|(r, _)| r.version == assessment.guidance_version)
            .map(|(_, g)| g);
        let experts = self
            .store
            .expert_assignments(program, year, None)
            .await?
            .into_iter()
            .filter(|e| e.unit == unit)
            .filter_map(|e| {
                let g = rubric.as_ref()?;
                let scores = e.scores.as_deref()?;
                let v: Value = serde_json::from_str(scores).ok()?;
                let items = g
                    .rubric
                    .iter()
                    .map(|(item, _)| (item.clone(), v[item].as_f64().unwrap_or(0.0)))
                    .collect();
                Some((items, g.rubric_total(scores)?))
            })
            .collect();
        let satisfaction = self
            .store
            .satisfaction(program, year)
            .await?
            .into_iter()
            .filter(|s| s.unit == unit)
            .collect();
        Ok(UnitReport {
            assessed,
            guidance_version: assessment.guidance_version,
            published: assessment.published,
            inspections,
            experts,
            satisfaction,
        })
    }
}

impl App {
    /// The year's assessment as report lines in a language, with a title that
    /// says whether (and by whom) it was published.
    pub async fn assessment_lines(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        lang: Lang,
    ) -> Result<(String, Vec<twinaid_domain::assessment::RankLine>), AppError> {
        let a = self.assessment(actor, program, year).await?;
        let units = self.store.units(program).await?;
        let name = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .map_or(code.to_string(), |u| u.name(lang).to_string())
        };
        let title = match (&a.published, lang) {
            (Some((by, at)), Lang::Zh) => format!("{year} 年度考核 · 已公布（{by}，{at}）"),
            (Some((by, at)), Lang::En) => format!("Assessment {year} · published by {by} at {at}"),
            (None, Lang::Zh) => format!("{year} 年度考核 · 未公布"),
            (None, Lang::En) => format!("Assessment {year} · not published"),
        };
        let lines = a
            .units
            .iter()
            .map(|u| twinaid_domain::assessment::RankLine {
                rank: u.score.rank,
                unit: name(&u.score.unit),
                statistical: u.score.statistical,
                inspection: u.score.inspection,
                expert: u.score.expert,
                total: u.score.total,
                grade: u.score.grade.name(lang).to_string(),
                explanation: if lang == Lang::Zh {
                    u.explanation_zh.clone()
                } else {
                    u.explanation_en.clone()
                },
            })
            .collect();
        Ok((title, lines))
    }
}
