//! Program groups: defining them, and their yearbooks made from their
//! programs' kept yearbooks.

use crate::App;
use crate::access::Actor;
use crate::error::AppError;
use std::collections::BTreeMap;
use std::sync::Arc;
use twinaid_domain::DomainError;
use twinaid_domain::group::{GroupDistinct, GroupYearbook, ProgramGroup, combine};

/// A group's yearbook with the names of the provinces it splits by.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupReport {
    pub yearbook: GroupYearbook,
    /// Province code → (Chinese, English) in the year.
    pub province_names: BTreeMap<String, (String, String)>,
    /// Its JSON as text, written once: a kept report is served as it is.
    json: std::sync::OnceLock<Vec<u8>>,
}

impl GroupReport {
    /// The JSON `report yearbook --group` writes: a program's keys plus
    /// `group`, `programs`, `by_program`, `by_helping_province`, `by_helped_province`.
    pub fn to_json(&self) -> serde_json::Value {
        self.yearbook.to_json(&self.province_names)
    }

    /// The same JSON as text, made the first time it is asked for.
    pub fn json_bytes(&self) -> &[u8] {
        self.json
            .get_or_init(|| serde_json::to_vec(&self.to_json()).unwrap_or_default())
    }
}

/// A kept group yearbook's key: the group, the year and each member with
/// the data version its figures were read at (so a member that leaves, or
/// any write to one, makes it another key).
pub(crate) type GroupKey = (String, i32, Vec<(String, i64)>);

fn unknown_group(code: &str) -> AppError {
    AppError::NotFound(DomainError::UnknownGroup(code.to_string()))
}

impl App {
    /// Every program group.
    pub async fn groups(&self, actor: &Actor) -> Result<Vec<ProgramGroup>, AppError> {
        actor.require_reader()?;
        let mut groups = self.store.groups().await?;
        // A national office sees its own group.
        if let crate::access::Role::NationalOffice { group, .. } = &actor.role {
            groups.retain(|g| &g.code == group);
        }
        Ok(groups)
    }

    /// One program group.
    pub async fn group(&self, actor: &Actor, code: &str) -> Result<ProgramGroup, AppError> {
        actor.require_group_reader(code)?;
        self.store
            .group(code)
            .await?
            .ok_or_else(|| unknown_group(code))
    }

    /// Deletes a group (the administrator's); its programs and their data
    /// stay. Refused while a national office is kept to it.
    pub async fn delete_group(&self, actor: &Actor, code: &str) -> Result<(), AppError> {
        actor.require_admin()?;
        let users = self.store.group_users(code).await?;
        if !users.is_empty() {
            return Err(AppError::BadRequest(DomainError::GroupHasUsers {
                group: code.to_string(),
                users,
            }));
        }
        if self.store.delete_group(code, &actor.name).await? {
            Ok(())
        } else {
            Err(unknown_group(code))
        }
    }

    /// Keeps a group as given (the administrator's, since it spans programs
    /// no single office runs); each member must be a program already
    /// loaded. Whether anything changed.
    pub async fn put_group(&self, actor: &Actor, group: &ProgramGroup) -> Result<bool, AppError> {
        actor.require_admin()?;
        // One read of the codes, however many members the group names.
        let codes: std::collections::HashSet<String> =
            self.store.program_codes().await?.into_iter().collect();
        if let Some(missing) = group.programs.iter().find(|p| !codes.contains(*p)) {
            return Err(AppError::BadRequest(DomainError::UnknownProgram(
                missing.clone(),
            )));
        }
        Ok(self.store.put_group(group, &actor.name).await?)
    }

    /// Keeps a group as the administrator typed it on the page: its code,
    /// names and its programs' codes separated by commas or spaces. A bad
    /// field is refused by its name. Whether anything changed.
    pub async fn save_group(
        &self,
        actor: &Actor,
        code: &str,
        name_zh: &str,
        name_en: &str,
        programs: &str,
    ) -> Result<bool, AppError> {
        actor.require_admin()?;
        crate::error::plain_text(&[("name_zh", name_zh), ("name_en", name_en)])?;
        let listed: Vec<String> = programs
            .split(|c: char| matches!(c, ',' | '，' | ';' | '；' | '、') || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let group = ProgramGroup::new(code, name_zh, name_en, &listed).map_err(|e| {
            let field = match e {
                DomainError::BadCode(ref bad) if bad == code.trim() => "code",
                _ => "programs",
            };
            AppError::Field(field, e)
        })?;
        self.put_group(actor, &group).await
    }

    /// The year a group's reports open on: the latest its programs' reports
    /// open on (see [`App::closed_year`]).
    pub async fn group_closed_year(&self, actor: &Actor, code: &str) -> Result<i32, AppError> {
        let group = self.group(actor, code).await?;
        let mut latest = None;
        for p in &group.programs {
            match self.closed_year_of(p).await {
                Ok(year) => latest = latest.max(Some(year)),
                // A member removed since has left the group.
                Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        latest.ok_or_else(|| AppError::BadRequest(DomainError::EmptyGroup(code.to_string())))
    }

    /// The group's yearbook of a year: its programs' yearbooks (each kept
    /// until its program changes) added up, formulas from the sums. Kept
    /// itself until any member changes.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, group = code, year))]
    pub async fn group_yearbook(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
    ) -> Result<Arc<GroupReport>, AppError> {
        actor.require_group_reader(code)?;
        // The versions are read before the group and the members' data, as
        // for any kept result: a change made meanwhile is made again next time.
        let (versions, shared) = self.store.data_versions().await?;
        let group = self
            .store
            .group(code)
            .await?
            .ok_or_else(|| unknown_group(code))?;
        if group.programs.is_empty() {
            // Every member has been removed since the group was made.
            return Err(AppError::BadRequest(DomainError::EmptyGroup(
                code.to_string(),
            )));
        }
        let members = group
            .programs
            .iter()
            .map(|p| (p.clone(), versions.get(p).copied().unwrap_or(0)))
            .collect();
        let key = (code.to_string(), year, members);
        let version = (0, shared);
        if let Some(kept) = self.group_yearbooks.get(&key, version) {
            return Ok(kept);
        }
        let (definitions, programs) = tokio::try_join!(self.store.indicators(), async {
            let mut out = Vec::new();
            for p in &group.programs {
                // A member removed since the group was made has left it.
                if let Some(program) = self.store.program(p).await? {
                    out.push(program);
                }
            }
            Ok(out)
        })?;
        // The year must be one of some member's years.
        if let Some(first) = programs.first()
            && programs.iter().all(|p| p.check_year(year).is_err())
        {
            first.check_year(year).map_err(AppError::BadRequest)?;
        }
        let mut yearbooks = Vec::with_capacity(programs.len());
        for p in &programs {
            yearbooks.push(
                self.yearbook_from(actor, &p.code, year, false, true)
                    .await?,
            );
        }
        let members: Vec<_> = programs
            .iter()
            .zip(yearbooks.iter().map(|y| &**y))
            .collect();
        // Across the programs from the values their yearbooks keep: no record read again.
        let distinct = GroupDistinct::from_members(&definitions, &members);
        let yearbook = combine(&group, &definitions, &members, year, &distinct);
        let province_names = self
            .names_in_year(yearbook.province_codes(), year, Some(shared))
            .await?;
        let report = Arc::new(GroupReport {
            yearbook,
            province_names,
            json: Default::default(),
        });
        self.group_yearbooks.put(key, version, report.clone());
        Ok(report)
    }
}
