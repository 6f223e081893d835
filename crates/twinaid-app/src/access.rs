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

impl Actor {
    /// The operator at the command line of this machine, who owns the database file.
    pub fn local_operator() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_string());
        Actor {
            name: format!("cli:{user}"),
            role: Role::Administrator,
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
