//! A project's life: proposed at the start of the year, verified and
//! registered by the program office, carried out and reported by the helper
//! and the helped county, inspected at year end; returned or cancelled with a
//! reason. Which actor may take which step is decided here, as data.

use crate::error::DomainError;
use crate::lang::Lang;

/// A project status (the codes of [`crate::record::PROJECT_STATUSES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Proposed,
    Verified,
    Registered,
    InProgress,
    Completed,
    Inspected,
    Returned,
    Cancelled,
}

/// Who stands where with respect to one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The program office (or an administrator).
    Office,
    /// Staff of the project's own helper unit.
    Helper,
    /// Staff of the county the project is in.
    County,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Proposed,
        Status::Verified,
        Status::Registered,
        Status::InProgress,
        Status::Completed,
        Status::Inspected,
        Status::Returned,
        Status::Cancelled,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Verified => "verified",
            Status::Registered => "registered",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Inspected => "inspected",
            Status::Returned => "returned",
            Status::Cancelled => "cancelled",
        }
    }

    /// Reads a status code.
    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// The name of the step that leads to this status, for buttons.
    pub fn step_name(self, lang: Lang) -> &'static str {
        match self {
            Status::Proposed => lang.pick("提交申报", "propose"),
            Status::Verified => lang.pick("核查通过", "verify"),
            Status::Registered => lang.pick("登记", "register"),
            Status::InProgress => lang.pick("开工实施", "start"),
            Status::Completed => lang.pick("报告完工", "report completion"),
            Status::Inspected => lang.pick("验收", "inspect"),
            Status::Returned => lang.pick("退回", "return"),
            Status::Cancelled => lang.pick("取消", "cancel"),
        }
    }

    /// Whether a step to this status must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Status::Returned | Status::Cancelled)
    }
}

/// The steps the lifecycle allows: from, to, and who may take them.
const STEPS: &[(Status, Status, &[Party])] = &[
    (Status::Proposed, Status::Verified, &[Party::Office]),
    (Status::Verified, Status::Registered, &[Party::Office]),
    (
        Status::Registered,
        Status::InProgress,
        &[Party::Office, Party::Helper, Party::County],
    ),
    (
        Status::InProgress,
        Status::Completed,
        &[Party::Office, Party::Helper, Party::County],
    ),
    (Status::Completed, Status::Inspected, &[Party::Office]),
    (Status::Proposed, Status::Returned, &[Party::Office]),
    (Status::Verified, Status::Returned, &[Party::Office]),
    (
        Status::Returned,
        Status::Proposed,
        &[Party::Office, Party::Helper, Party::County],
    ),
    (
        Status::Proposed,
        Status::Cancelled,
        &[Party::Office, Party::Helper],
    ),
    (Status::Verified, Status::Cancelled, &[Party::Office]),
    (Status::Registered, Status::Cancelled, &[Party::Office]),
    (Status::InProgress, Status::Cancelled, &[Party::Office]),
    (
        Status::Returned,
        Status::Cancelled,
        &[Party::Office, Party::Helper],
    ),
];

/// The statuses a party may move a project to from `from`.
pub fn next_steps(from: Status, parties: &[Party]) -> Vec<Status> {
    STEPS
        .iter()
        .filter(|(f, _, who)| *f == from && who.iter().any(|p| parties.contains(p)))
        .map(|(_, to, _)| *to)
        .collect()
}

/// Checks one step: allowed by the lifecycle, taken by a party that may, with a reason where one is needed.
pub fn check_step(
    from: Status,
    to: Status,
    parties: &[Party],
    reason: &str,
) -> Result<(), DomainError> {
    let Some((_, _, who)) = STEPS.iter().find(|(f, t, _)| *f == from && *t == to) else {
        return Err(DomainError::NoSuchStep {
            from: from.code(),
            to: to.code(),
        });
    };
    if !who.iter().any(|p| parties.contains(p)) {
        return Err(DomainError::StepNotYours { to: to.code() });
    }
    if to.needs_reason() && reason.trim().is_empty() {
        return Err(DomainError::ReasonRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_office_verifies_and_registers_the_helper_reports_progress() {
        assert_eq!(
            next_steps(Status::Proposed, &[Party::Office]),
            vec![Status::Verified, Status::Returned, Status::Cancelled]
        );
        assert_eq!(
            next_steps(Status::Proposed, &[Party::Helper]),
            vec![Status::Cancelled]
        );
        assert_eq!(
            next_steps(Status::Registered, &[Party::County]),
            vec![Status::InProgress]
        );
        assert!(check_step(Status::Proposed, Status::Verified, &[Party::Helper], "").is_err());
        assert!(check_step(Status::Proposed, Status::Verified, &[Party::Office], "").is_ok());
    }

    #[test]
    fn steps_outside_the_lifecycle_or_without_a_reason_are_refused() {
        assert!(matches!(
            check_step(Status::Proposed, Status::Completed, &[Party::Office], ""),
            Err(DomainError::NoSuchStep { .. })
        ));
        assert!(matches!(
            check_step(Status::Proposed, Status::Returned, &[Party::Office], " "),
            Err(DomainError::ReasonRequired)
        ));
        assert!(
            check_step(
                Status::Proposed,
                Status::Returned,
                &[Party::Office],
                "budget too high"
            )
            .is_ok()
        );
        assert!(
            next_steps(
                Status::Inspected,
                &[Party::Office, Party::Helper, Party::County]
            )
            .is_empty()
        );
    }

    #[test]
    fn every_status_code_is_a_project_status_choice() {
        for s in Status::ALL {
            assert!(
                crate::record::PROJECT_STATUSES
                    .iter()
                    .any(|c| c.code == s.code())
            );
        }
    }
}
