//! Who is acting, and what each role may do.

use crate::error::AppError;

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
        }
    }
}

impl Actor {
    /// The operator at the command line of this machine, who owns the database file.
    pub fn local_operator() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_string());
        Actor {
            name: format!("cli:{user}"),
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
