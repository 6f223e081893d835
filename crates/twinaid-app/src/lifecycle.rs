//! A project's steps: what the actor may do next, the start-of-year
//! verification, and taking a step.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use crate::records::ListRequest;
use twinaid_domain::DomainError;
use twinaid_domain::lifecycle::{Party, Status, check_step, next_steps};
use twinaid_domain::record::{Record, RecordKind};
use twinaid_domain::verification::{Check, VerificationInput, passes, verify};
pub use twinaid_store::Transition;

/// Where a project stands and what the actor may do with it.
#[derive(Debug, Clone)]
pub struct ProjectSteps {
    pub status: Status,
    /// The statuses the actor may move the project to.
    pub next: Vec<Status>,
    /// The verification checks, for a proposed project.
    pub checks: Vec<Check>,
    pub history: Vec<Transition>,
}

/// The parties the actor is for this project.
pub(crate) fn parties(actor: &Actor, program: &str, project: &Record) -> Vec<Party> {
    match &actor.role {
        Role::Administrator => vec![Party::Office],
        Role::ProgramOffice { program: p } if p == program => vec![Party::Office],
        Role::HelperUnit { unit }
            if project.get("helper_unit").as_text() == Some(unit.as_str()) =>
        {
            vec![Party::Helper]
        }
        Role::HelpedCounty { region }
            if project
                .get("region_code")
                .as_text()
                .is_some_and(|r| r.starts_with(region.as_str())) =>
        {
            vec![Party::County]
        }
        _ => Vec::new(),
    }
}

fn status_of(project: &Record) -> Status {
    project
        .get("status")
        .as_text()
        .and_then(Status::parse)
        .unwrap_or(Status::Registered)
}

impl App {
    async fn verification(
        &self,
        actor: &Actor,
        program: &str,
        project: &Record,
    ) -> Result<Vec<Check>, AppError> {
        let year = project.year().unwrap_or_default();
        let all = ListRequest {
            page: 1,
            per_page: 500,
            ..ListRequest::default()
        };
        let pairings = self
            .list_records(actor, program, RecordKind::Pairing, &all)
            .await?
            .records;
        let same_year = self
            .store
            .list_records(
                program,
                RecordKind::Project,
                &twinaid_store::RecordQuery {
                    year_from: Some(year),
                    year_to: Some(year),
                    limit: 10_000,
                    ..Default::default()
                },
            )
            .await?
            .records;
        let unit = project.get("helper_unit").as_text().unwrap_or_default();
        let targets = self.store.aid_targets(program, unit, year).await?;
        Ok(verify(&VerificationInput {
            project,
            pairings: &pairings,
            same_year: &same_year,
            targets: &targets,
        }))
    }

    /// Where a project stands, its history, what the actor may do next.
    pub async fn project_steps(
        &self,
        actor: &Actor,
        program: &str,
        code: &str,
    ) -> Result<ProjectSteps, AppError> {
        let project = self
            .record(actor, program, RecordKind::Project, code)
            .await?;
        let status = status_of(&project);
        let parties = parties(actor, program, &project);
        let checks = if status == Status::Proposed {
            self.verification(actor, program, &project).await?
        } else {
            Vec::new()
        };
        Ok(ProjectSteps {
            status,
            next: next_steps(status, &parties),
            checks,
            history: self.store.transitions(program, code).await?,
        })
    }

    /// Takes one step of a project's life, if the lifecycle and the actor's role
    /// allow it; verification must pass its blocking checks.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, code, to))]
    pub async fn move_project(
        &self,
        actor: &Actor,
        program: &str,
        code: &str,
        to: &str,
        reason: &str,
    ) -> Result<Status, AppError> {
        crate::error::plain_text(&[("to", to), ("reason", reason)])?;
        let project = self
            .record(actor, program, RecordKind::Project, code)
            .await?;
        let from = status_of(&project);
        let to = Status::parse(to).ok_or_else(|| {
            AppError::Field(
                "to",
                DomainError::UnknownChoice {
                    value: to.to_string(),
                    allowed: Status::ALL.iter().map(|s| s.code()).collect(),
                },
            )
        })?;
        let parties = parties(actor, program, &project);
        self.require_open_year(program, project.year()).await?;
        if parties.is_empty() {
            return Err(AppError::Forbidden);
        }
        check_step(from, to, &parties, reason).map_err(|e| match e {
            DomainError::StepNotYours { .. } => AppError::Forbidden,
            DomainError::ReasonRequired => AppError::Field("reason", e),
            other => AppError::BadRequest(other),
        })?;
        if to == Status::Verified {
            let checks = self.verification(actor, program, &project).await?;
            if !passes(&checks) {
                let why: Vec<String> = checks
                    .iter()
                    .filter(|c| !c.passed && c.blocking)
                    .map(|c| c.message(twinaid_domain::Lang::En))
                    .collect();
                return Err(AppError::BadRequest(DomainError::VerificationFailed(
                    why.join("; "),
                )));
            }
        }
        if !self
            .store
            .move_project(program, code, from.code(), to.code(), reason, &actor.name)
            .await?
        {
            return Err(AppError::BadRequest(DomainError::NoSuchStep {
                from: from.code(),
                to: to.code(),
            }));
        }
        Ok(to)
    }
}
