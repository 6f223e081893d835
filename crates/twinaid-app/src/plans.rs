//! Plan against actual during the year, and what each role has to do next.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use crate::records::ListRequest;
use twinaid_domain::assessment::{behind_pace, year_elapsed};
use twinaid_domain::record::RecordKind;

/// One target of an annual plan and how far it has come.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub unit: String,
    pub indicator: String,
    pub region: Option<String>,
    /// In the indicator's stored scale.
    pub target: i64,
    pub actual: i64,
    /// Actual over target, 0–1 (or more).
    pub completion: f64,
    /// The share of the year gone.
    pub expected: f64,
    pub behind: bool,
}

/// Something an actor has to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// What kind of step: `verify`, `register`, `start`, `complete`, `inspect`, `resubmit`.
    pub step: &'static str,
    pub project: String,
    pub name: String,
}

impl App {
    /// Each plan target of the year against the records so far; `today` is (year, day of year).
    pub async fn plan_vs_actual(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        today: (i32, u32),
    ) -> Result<Vec<Progress>, AppError> {
        let targets = self.store.plan_targets(program, year).await?;
        let elapsed = year_elapsed(year, today.0, today.1);
        let mut out = Vec::new();
        for (unit, indicator, region, target) in targets {
            if let Role::HelperUnit { unit: own } = &actor.role
                && *own != unit
            {
                continue;
            }
            let request = ListRequest {
                indicator: Some(indicator.clone()),
                year: Some(year),
                region: region.clone(),
                filters: vec![("helper_unit".into(), unit.clone())],
                page: 1,
                per_page: 1,
                ..ListRequest::default()
            };
            let actual = self
                .drill_down(actor, program, &request)
                .await?
                .from_records;
            let completion = if target > 0 {
                actual as f64 / target as f64
            } else {
                1.0
            };
            out.push(Progress {
                behind: behind_pace(target as f64, actual as f64, elapsed, 0.1),
                unit,
                indicator,
                region,
                target,
                actual,
                completion,
                expected: elapsed,
            });
        }
        Ok(out)
    }

    /// The projects waiting for a step the actor may take.
    pub async fn tasks(&self, actor: &Actor, program: &str) -> Result<Vec<Task>, AppError> {
        let wanted: &[(&str, &'static str)] = match actor.role {
            Role::Administrator | Role::ProgramOffice { .. } => &[
                ("proposed", "verify"),
                ("verified", "register"),
                ("completed", "inspect"),
            ],
            Role::HelperUnit { .. } => &[
                ("registered", "start"),
                ("in_progress", "complete"),
                ("returned", "resubmit"),
            ],
            Role::HelpedCounty { .. } => &[("registered", "start"), ("in_progress", "complete")],
            _ => &[],
        };
        let mut out = Vec::new();
        for (status, step) in wanted {
            let request = ListRequest {
                filters: vec![("status".into(), status.to_string())],
                page: 1,
                per_page: 500,
                ..ListRequest::default()
            };
            for r in self
                .list_records(actor, program, RecordKind::Project, &request)
                .await?
                .records
            {
                out.push(Task {
                    step,
                    project: r.code().to_string(),
                    name: r.get("name_zh").as_text().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(out)
    }
}
