//! Who is acting, and what each role may do.

use crate::error::AppError;
use twinaid_domain::record::RecordKind;

/// A role of `DOMAIN.md`, scoped where the role is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Runs the installation: may do everything (the operator at the command line).
    Administrator,
    /// A program office: everything in its program.
    ProgramOffice { program: String },
    /// Staff of one helper unit.
    HelperUnit { unit: String },
    /// Staff of one helped county.
    HelpedCounty { region: String },
    /// An assessment expert.
    Expert,
    /// Reads what is published.
    Viewer,
    /// A national office: reads every program of its group (and the group's
    /// reports), changes none. `programs` are the group's members, read
    /// when the session or token is checked.
    NationalOffice {
        group: String,
        programs: Vec<String>,
    },
}

/// The kinds helper-unit staff may write for their own unit.
pub(crate) const HELPER_KINDS: [RecordKind; 7] = [
    RecordKind::Project,
    RecordKind::FundTransaction,
    RecordKind::CooperationAgreement,
    RecordKind::Training,
    RecordKind::LabourTransfer,
    RecordKind::StudentAid,
    RecordKind::CadreExchange,
];

/// Fields helped-county staff may change on a project in their county.
pub(crate) const COUNTY_FIELDS: [&str; 2] = ["beneficiaries", "note"];

/// What an actor may do and see in one program. Decided here, once: pages
/// and the API show what it says and never derive a rule of their own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions {
    /// Runs the program: guidance, pairings, verification, experts,
    /// assessment and publishing.
    pub office: bool,
    /// Issues the program's guidance: its office, or the national office
    /// of a group it is in (national guidance).
    pub guides: bool,
    /// Reads the program's records and reports.
    pub reads: bool,
    /// Sees person references (students, workers) unmasked.
    pub sees_people: bool,
    /// Kinds of record the actor may add (within its scope).
    pub adds: Vec<RecordKind>,
    /// Kinds of record the actor may change (within its scope; a county only
    /// a project's beneficiaries and note).
    pub edits: Vec<RecordKind>,
    /// Kinds of record the actor may delete (within its scope).
    pub deletes: Vec<RecordKind>,
    /// The helper unit whose records alone the actor writes and sees.
    pub own_unit: Option<String>,
    /// The county whose records alone the actor sees, and which rates its helpers.
    pub own_county: Option<String>,
    /// The only fields the actor may change on a record it edits; empty
    /// when it may change every field.
    pub edits_only: Vec<&'static str>,
    /// Parts of the site the actor can open, for its menu: the plans and
    /// to-do, the year-end inspection, the experts' scoring.
    pub opens_plans: bool,
    pub opens_inspections: bool,
    pub opens_experts: bool,
}

impl Permissions {
    /// What `actor` may do and see in `program`.
    pub fn of(actor: &Actor, program: &str) -> Permissions {
        let all = RecordKind::ALL.to_vec();
        match &actor.role {
            _ if actor.is_office(program) => Permissions {
                office: true,
                guides: true,
                reads: true,
                sees_people: true,
                adds: all.clone(),
                edits: all.clone(),
                deletes: all,
                opens_plans: true,
                opens_inspections: true,
                opens_experts: true,
                ..Permissions::default()
            },
            Role::HelperUnit { unit } => Permissions {
                reads: true,
                adds: HELPER_KINDS.to_vec(),
                edits: HELPER_KINDS.to_vec(),
                deletes: HELPER_KINDS.to_vec(),
                own_unit: Some(unit.clone()),
                opens_plans: true,
                opens_inspections: true,
                ..Permissions::default()
            },
            Role::HelpedCounty { region } => Permissions {
                reads: true,
                edits: vec![RecordKind::Project],
                own_county: Some(region.clone()),
                edits_only: COUNTY_FIELDS.to_vec(),
                opens_plans: true,
                ..Permissions::default()
            },
            Role::Viewer => Permissions {
                reads: true,
                opens_plans: true,
                ..Permissions::default()
            },
            Role::Expert => Permissions {
                opens_experts: true,
                ..Permissions::default()
            },
            Role::NationalOffice { programs, .. } if programs.iter().any(|p| p == program) => {
                Permissions {
                    reads: true,
                    guides: true,
                    opens_plans: true,
                    ..Permissions::default()
                }
            }
            Role::NationalOffice { .. } => Permissions::default(),
            Role::Administrator | Role::ProgramOffice { .. } => Permissions::default(),
        }
    }

    /// Whether the actor may add records of a kind.
    pub fn adds(&self, kind: RecordKind) -> bool {
        self.adds.contains(&kind)
    }

    /// Whether the actor may change records of a kind (those it sees).
    pub fn edits(&self, kind: RecordKind) -> bool {
        self.edits.contains(&kind)
    }

    /// Whether the actor works in the program and so keeps views of it for colleagues.
    pub fn keeps_views(&self) -> bool {
        self.office || self.own_unit.is_some() || self.own_county.is_some()
    }

    /// Whether the actor may delete records of a kind (those it sees).
    pub fn deletes(&self, kind: RecordKind) -> bool {
        self.deletes.contains(&kind)
    }
}

/// Someone acting through an adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Written to the audit log.
    pub name: String,
    pub role: Role,
}

impl Role {
    /// The role as stored: a code and the scope it applies to.
    pub fn to_stored(&self) -> (&'static str, Option<String>) {
        match self {
            Role::Administrator => ("administrator", None),
            Role::ProgramOffice { program } => ("program_office", Some(program.clone())),
            Role::HelperUnit { unit } => ("helper_unit", Some(unit.clone())),
            Role::HelpedCounty { region } => ("helped_county", Some(region.clone())),
            Role::Expert => ("expert", None),
            Role::Viewer => ("viewer", None),
            Role::NationalOffice { group, .. } => ("national_office", Some(group.clone())),
        }
    }

    /// Reads a stored role; a scoped role needs its scope.
    pub fn from_stored(code: &str, scope: Option<&str>) -> Option<Role> {
        let scope = scope.map(str::to_string);
        Some(match code {
            "administrator" => Role::Administrator,
            "program_office" => Role::ProgramOffice { program: scope? },
            "helper_unit" => Role::HelperUnit { unit: scope? },
            "helped_county" => Role::HelpedCounty { region: scope? },
            "expert" => Role::Expert,
            "viewer" => Role::Viewer,
            "national_office" => Role::NationalOffice {
                group: scope?,
                programs: Vec::new(),
            },
            _ => return None,
        })
    }

    /// The role's name in a language.
    pub fn name(&self, lang: twinaid_domain::Lang) -> &'static str {
        match self {
            Role::Administrator => lang.pick("系统管理员", "administrator"),
            Role::ProgramOffice { .. } => lang.pick("帮扶协作办公室", "program office"),
            Role::HelperUnit { .. } => lang.pick("帮扶单位", "helper unit staff"),
            Role::HelpedCounty { .. } => lang.pick("受帮扶县", "helped county staff"),
            Role::Expert => lang.pick("评估专家", "expert"),
            Role::Viewer => lang.pick("查看者", "viewer"),
            Role::NationalOffice { .. } => lang.pick("全国协作办公室", "national office"),
        }
    }
}

impl Actor {
    /// The operator at the command line of this machine, who owns the database file
    /// (named "operator" when the binary does not say who is logged in).
    pub fn local_operator() -> Actor {
        Actor::operator_named("operator")
    }

    /// The operator at the command line, by the login the binary read.
    pub fn operator_named(login: &str) -> Actor {
        Actor {
            name: format!("cli:{login}"),
            role: Role::Administrator,
        }
    }

    /// Whether the actor runs the program: its office, or an administrator.
    pub fn is_office(&self, program: &str) -> bool {
        match &self.role {
            Role::Administrator => true,
            Role::ProgramOffice { program: p } => p == program,
            _ => false,
        }
    }

    pub(crate) fn require_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::Administrator => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    pub(crate) fn require_program_office(&self, program: &str) -> Result<(), AppError> {
        match &self.role {
            Role::Administrator => Ok(()),
            Role::ProgramOffice { program: p } if p == program => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Whether the actor's work lies in other programs: an office of
    /// another program, a national office of a group without this one.
    pub(crate) fn works_elsewhere(&self, program: &str) -> bool {
        match &self.role {
            Role::ProgramOffice { program: p } => p != program,
            Role::NationalOffice { programs, .. } => !programs.iter().any(|p| p == program),
            _ => false,
        }
    }

    /// Reads a group's reports: every reader but a national office of
    /// another group.
    pub(crate) fn require_group_reader(&self, group: &str) -> Result<(), AppError> {
        self.require_reader()?;
        match &self.role {
            Role::NationalOffice { group: own, .. } if own != group => Err(AppError::Forbidden),
            _ => Ok(()),
        }
    }

    pub(crate) fn require_reader(&self) -> Result<(), AppError> {
        // Every role may read reports and definitions; the expert reads only assignments.
        match self.role {
            Role::Expert => Err(AppError::Forbidden),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_and_see_what_its_place_gives_it() {
        let actor = |role: Role| Actor {
            name: "a".into(),
            role,
        };
        let office = Permissions::of(
            &actor(Role::ProgramOffice {
                program: "zj-sc".into(),
            }),
            "zj-sc",
        );
        assert!(office.office && office.sees_people && office.adds(RecordKind::Pairing));
        let other = Permissions::of(
            &actor(Role::ProgramOffice {
                program: "fj-nx".into(),
            }),
            "zj-sc",
        );
        assert_eq!(other, Permissions::default());
        let helper = Permissions::of(&actor(Role::HelperUnit { unit: "hz".into() }), "zj-sc");
        assert!(!helper.office && !helper.sees_people);
        assert!(helper.adds(RecordKind::Project) && !helper.adds(RecordKind::Pairing));
        let county = Permissions::of(
            &actor(Role::HelpedCounty {
                region: "510822".into(),
            }),
            "zj-sc",
        );
        assert!(county.edits(RecordKind::Project) && !county.adds(RecordKind::Project));
        assert!(!county.deletes(RecordKind::Project));
        assert!(!Permissions::of(&actor(Role::Expert), "zj-sc").reads);
    }

    #[test]
    fn only_the_programs_office_may_load_into_it() {
        let office = Actor {
            name: "o".into(),
            role: Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        };
        assert!(office.require_program_office("zj-sc").is_ok());
        assert!(office.require_program_office("fj-nx").is_err());
        let unit = Actor {
            name: "u".into(),
            role: Role::HelperUnit { unit: "hz".into() },
        };
        assert!(unit.require_program_office("zj-sc").is_err());
        assert!(unit.require_admin().is_err());
        assert!(Actor::local_operator().require_admin().is_ok());
    }
}
