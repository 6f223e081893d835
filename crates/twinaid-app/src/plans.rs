//! Plan against actual during the year, and what each role has to do next.

use crate::App;
use crate::access::{Actor, Permissions, Role};
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

/// One target as a form gives it: indicator code, county code (empty for the
/// whole unit) and the value in the indicator's unit.
#[derive(Debug, Clone, Copy)]
pub struct TargetInput<'a> {
    pub indicator: &'a str,
    pub region: &'a str,
    pub value: &'a str,
}

/// A helper unit's annual plan for a year: where it stands and its targets.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    pub unit: String,
    pub year: i32,
    /// `draft` until first submitted.
    pub status: String,
    pub revision: i64,
    pub comment: Option<String>,
    /// (key, indicator, region, target in the indicator's stored scale)
    pub targets: Vec<(String, String, Option<String>, i64)>,
    /// (revision, reason, by, at)
    pub revisions: Vec<(i64, String, String, String)>,
    /// Whether the actor may change targets now, submit, approve or return, revise.
    pub may_edit: bool,
    pub may_submit: bool,
    pub may_decide: bool,
    pub may_revise: bool,
}

fn plan_parties(actor: &Actor, program: &str, unit: &str) -> (bool, bool) {
    let office = matches!(&actor.role, Role::Administrator)
        || matches!(&actor.role, Role::ProgramOffice { program: p } if p == program);
    let own = matches!(&actor.role, Role::HelperUnit { unit: u } if u == unit);
    (office, own)
}

impl App {
    /// A unit's plan for a year.
    pub async fn plan(
        &self,
        actor: &Actor,
        program: &str,
        unit: &str,
        year: i32,
    ) -> Result<PlanView, AppError> {
        let (office, own) = plan_parties(actor, program, unit);
        // Readers of the whole program (a viewer, its national office) read every plan.
        let reads_all = matches!(actor.role, Role::Viewer | Role::NationalOffice { .. })
            && Permissions::of(actor, program).reads;
        if !(office || own || reads_all) {
            return Err(AppError::Forbidden);
        }
        let row = self.store.plan(program, unit, year).await?;
        let status = row
            .as_ref()
            .map_or("draft".to_string(), |r| r.status.clone());
        let targets = self
            .store
            .plan_targets(program, year)
            .await?
            .into_iter()
            .filter(|(u, ..)| u == unit)
            .map(|(u, indicator, region, target)| {
                let key = twinaid_domain::aggregate::PlanTarget {
                    helper_unit: u,
                    year,
                    indicator: indicator.clone(),
                    region: region
                        .as_deref()
                        .and_then(|r| twinaid_domain::RegionCode::parse(r).ok()),
                    target,
                    note: None,
                }
                .key();
                (key, indicator, region, target)
            })
            .collect();
        let revisions = self
            .store
            .plan_revisions(program, unit, year)
            .await?
            .into_iter()
            .map(|(n, reason, by, at, _)| (n, reason, by, at))
            .collect();
        let editable = status == "draft" || status == "returned";
        Ok(PlanView {
            unit: unit.to_string(),
            year,
            revision: row.as_ref().map_or(0, |r| r.revision),
            comment: row.and_then(|r| r.comment),
            targets,
            revisions,
            may_edit: editable && (office || own),
            may_submit: editable && (office || own),
            may_decide: status == "submitted" && office,
            may_revise: status == "approved" && (office || own),
            status,
        })
    }

    /// Sets one target of a plan that is still a draft (or returned).
    pub async fn set_target(
        &self,
        actor: &Actor,
        program: &str,
        unit: &str,
        year: i32,
        input: &TargetInput<'_>,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[
            ("indicator", input.indicator),
            ("region_code", input.region),
            ("target", input.value),
        ])?;
        let (indicator, region, value) = (input.indicator, input.region, input.value);
        let plan = self.plan(actor, program, unit, year).await?;
        // A reader of the plan who is no party to it may not change it, locked or not.
        let (office, own) = plan_parties(actor, program, unit);
        if !(office || own) {
            return Err(AppError::Forbidden);
        }
        if !plan.may_edit {
            return Err(AppError::BadRequest(
                twinaid_domain::DomainError::PlanLocked(plan.status),
            ));
        }
        let units = self.store.indicators().await?;
        let def = units.iter().find(|d| d.code == indicator).ok_or_else(|| {
            AppError::Field(
                "indicator",
                twinaid_domain::DomainError::UnknownIndicator(indicator.to_string()),
            )
        })?;
        let target = twinaid_domain::Quantity::parse(def.unit, value)
            .map_err(|e| AppError::Field("target", e))?
            .raw;
        let region = match region.trim() {
            "" => None,
            r => Some(
                twinaid_domain::RegionCode::parse(r)
                    .map_err(|e| AppError::Field("region_code", e))?,
            ),
        };
        // A unit plans for the counties it is paired with.
        if let Some(r) = &region {
            let all = ListRequest {
                page: 1,
                per_page: 500,
                ..ListRequest::default()
            };
            let pairings = self
                .list_records(
                    actor,
                    program,
                    twinaid_domain::record::RecordKind::Pairing,
                    &all,
                )
                .await?
                .records;
            let paired = pairings.iter().any(|p| {
                p.get("helper_unit").as_text() == Some(unit)
                    && p.get("helped_region")
                        .as_text()
                        .and_then(|h| twinaid_domain::RegionCode::parse(h).ok())
                        .is_some_and(|h| h.contains(r))
            });
            if !paired {
                return Err(AppError::Field(
                    "region_code",
                    twinaid_domain::DomainError::NotPaired {
                        unit: unit.to_string(),
                        region: r.to_string(),
                    },
                ));
            }
        }
        let item = twinaid_domain::aggregate::PlanTarget {
            helper_unit: unit.to_string(),
            year,
            indicator: indicator.to_string(),
            region,
            target,
            note: None,
        };
        let bundle = twinaid_domain::bundle::ProgramBundle {
            program_code: program.to_string(),
            targets: vec![twinaid_domain::bundle::Located::new(
                twinaid_domain::error::Location::default(),
                item,
            )],
            ..Default::default()
        };
        let problems = bundle.check(&self.store.stored_for(program, &bundle.mentions()).await?);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.store.apply_bundle(&bundle, &actor.name).await?;
        Ok(())
    }

    /// Removes a target from a draft plan.
    pub async fn remove_target(
        &self,
        actor: &Actor,
        program: &str,
        unit: &str,
        year: i32,
        key: &str,
    ) -> Result<(), AppError> {
        let plan = self.plan(actor, program, unit, year).await?;
        let (office, own) = plan_parties(actor, program, unit);
        if !(office || own) {
            return Err(AppError::Forbidden);
        }
        if !plan.may_edit || !plan.targets.iter().any(|(k, ..)| k == key) {
            return Err(AppError::BadRequest(
                twinaid_domain::DomainError::PlanLocked(plan.status),
            ));
        }
        self.store.delete_target(program, key, &actor.name).await?;
        Ok(())
    }

    /// Moves a plan one step: `submit` (helper), `approve` / `return` (office, a comment to return), `revise` (after approval, with a reason).
    pub async fn plan_step(
        &self,
        actor: &Actor,
        program: &str,
        unit: &str,
        year: i32,
        step: &str,
        comment: &str,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[("comment", comment)])?;
        let plan = self.plan(actor, program, unit, year).await?;
        let comment = comment.trim();
        let from_row = self
            .store
            .plan(program, unit, year)
            .await?
            .map(|r| r.status);
        let (allowed, to, revision, keep) = match step {
            "submit" => (plan.may_submit, "submitted", plan.revision, false),
            "approve" => (plan.may_decide, "approved", plan.revision, false),
            "return" => (plan.may_decide, "returned", plan.revision, false),
            "revise" => (plan.may_revise, "draft", plan.revision + 1, true),
            _ => (false, "", 0, false),
        };
        if !allowed {
            let (office, own) = plan_parties(actor, program, unit);
            // Deciding on a plan is the office's step, whatever state the plan is in.
            if (step == "approve" || step == "return") && !office {
                return Err(AppError::Forbidden);
            }
            return Err(if office || own {
                AppError::BadRequest(twinaid_domain::DomainError::PlanLocked(plan.status))
            } else {
                AppError::Forbidden
            });
        }
        if (step == "return" || step == "revise") && comment.is_empty() {
            return Err(AppError::Field(
                "comment",
                twinaid_domain::DomainError::ReasonRequired,
            ));
        }
        let comment = Some(comment).filter(|c| !c.is_empty());
        if !self
            .store
            .set_plan_status(
                program,
                unit,
                year,
                from_row.as_deref(),
                to,
                revision,
                comment,
                keep,
                &actor.name,
            )
            .await?
        {
            return Err(AppError::BadRequest(
                twinaid_domain::DomainError::PlanLocked(plan.status),
            ));
        }
        Ok(())
    }
}
