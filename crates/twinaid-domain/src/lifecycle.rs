//! A project's life: proposed at the start of the year, verified and
//! registered by the program office, carried out and reported by the helper
//! and the helped county, inspected at year end; returned or cancelled with a
//! reason. Which actor may take which step is decided here, as data.

use crate::error::DomainError;
use crate::lang::Lang;

/// A project status (the codes of [`crate::record::PROJECT_STATUSES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
            Status::Returned => lang.pick("退回修改", "return for changes"),
            Status::Cancelled => lang.pick("取消项目", "cancel the project"),
        }
    }

    /// Whether a step to this status must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Status::Returned | Status::Cancelled)
    }
}

/// Where a record stands in the official figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Standing {
    /// Counted in the yearbook, dashboard, assessment and exports.
    Counted,
    /// On its way to being counted (proposed, verified but not yet
    /// registered): shown beside a figure as "awaiting verification".
    Pending,
    /// Never counted: returned or cancelled.
    Excluded,
}

impl Standing {
    /// The code used in the summary's SQL and in request parameters.
    pub fn code(self) -> &'static str {
        match self {
            Standing::Counted => "counted",
            Standing::Pending => "pending",
            Standing::Excluded => "excluded",
        }
    }

    /// Reads a standing code.
    pub fn parse(code: &str) -> Option<Standing> {
        [Standing::Counted, Standing::Pending, Standing::Excluded]
            .into_iter()
            .find(|s| s.code() == code.trim())
    }
}

/// The statuses a project passes through on its way forward, in order.
pub const FORWARD: [Status; 6] = [
    Status::Proposed,
    Status::Verified,
    Status::Registered,
    Status::InProgress,
    Status::Completed,
    Status::Inspected,
];

/// The step from which projects count when the guidance says nothing.
pub const DEFAULT_COUNTS_FROM: Status = Status::Registered;

impl Status {
    /// Where a project of this status stands when projects count from `counts_from`.
    pub fn standing(self, counts_from: Status) -> Standing {
        let at = |s: Status| FORWARD.iter().position(|f| *f == s);
        match (at(self), at(counts_from)) {
            (Some(here), Some(from)) if here >= from => Standing::Counted,
            (Some(_), Some(_)) => Standing::Pending,
            // A rule that is no forward step counts from the default.
            (Some(here), None) => Status::standing(FORWARD[here], DEFAULT_COUNTS_FROM),
            (None, _) => Standing::Excluded,
        }
    }

    /// Whether a project may be counted from this step (a step forward).
    pub fn is_forward(self) -> bool {
        FORWARD.contains(&self)
    }
}

/// From which step a program's projects count, year by year: the guidance
/// in force for a year decides, and years no guidance covers count from
/// [`DEFAULT_COUNTS_FROM`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CountingRule {
    /// Years whose guidance names another step than the default.
    pub by_year: std::collections::BTreeMap<i32, Status>,
}

impl CountingRule {
    /// The step from which projects of `year` count.
    pub fn counts_from(&self, year: i32) -> Status {
        self.by_year
            .get(&year)
            .copied()
            .unwrap_or(DEFAULT_COUNTS_FROM)
    }

    /// Where a project of `year` with `status` stands.
    pub fn standing(&self, year: i32, status: Status) -> Standing {
        status.standing(self.counts_from(year))
    }

    /// The years for which two rules differ.
    pub fn differs(&self, other: &CountingRule) -> Vec<i32> {
        let years: std::collections::BTreeSet<i32> = self
            .by_year
            .keys()
            .chain(other.by_year.keys())
            .copied()
            .collect();
        years
            .into_iter()
            .filter(|y| self.counts_from(*y) != other.counts_from(*y))
            .collect()
    }

    /// The years of each step other than the default, for building a
    /// condition per step.
    pub fn exceptions(&self) -> Vec<(Status, Vec<i32>)> {
        let mut out: Vec<(Status, Vec<i32>)> = Vec::new();
        for (year, status) in &self.by_year {
            if *status == DEFAULT_COUNTS_FROM {
                continue;
            }
            match out.iter_mut().find(|(s, _)| s == status) {
                Some((_, years)) => years.push(*year),
                None => out.push((*status, vec![*year])),
            }
        }
        out
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
    fn projects_count_from_the_guidance_step_and_never_when_returned_or_cancelled() {
        let from = Status::Registered;
        assert_eq!(Status::Proposed.standing(from), Standing::Pending);
        assert_eq!(Status::Verified.standing(from), Standing::Pending);
        for s in [
            Status::Registered,
            Status::InProgress,
            Status::Completed,
            Status::Inspected,
        ] {
            assert_eq!(s.standing(from), Standing::Counted, "{s:?}");
        }
        assert_eq!(Status::Returned.standing(from), Standing::Excluded);
        assert_eq!(Status::Cancelled.standing(from), Standing::Excluded);
        assert_eq!(
            Status::Registered.standing(Status::Completed),
            Standing::Pending
        );
        let mut rule = CountingRule::default();
        rule.by_year.insert(2011, Status::Completed);
        assert_eq!(rule.standing(2010, Status::InProgress), Standing::Counted);
        assert_eq!(rule.standing(2011, Status::InProgress), Standing::Pending);
        assert_eq!(rule.differs(&CountingRule::default()), vec![2011]);
        assert_eq!(rule.exceptions(), vec![(Status::Completed, vec![2011])]);
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
