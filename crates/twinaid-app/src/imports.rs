//! Importing records a person filled in: the whole file is checked first —
//! cells, references, the importer's scope, published years — and written in
//! one transaction only if every row is right. A record whose code is already
//! stored is updated, so importing a corrected file again duplicates nothing.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use std::collections::HashMap;
use twinaid_domain::DomainError;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::error::Problem;
use twinaid_domain::record::{FieldType, FieldValue, Record, RecordKind};
use twinaid_store::LoadSummary;

impl App {
    /// Whether `actor` may import into `program` at all (an office, a
    /// helper unit or a county of it): asked before a file is read, so that
    /// no one else makes the server read one.
    pub fn may_import(&self, actor: &Actor, program: &str) -> Result<(), AppError> {
        actor.require_program_reader(program)?;
        import_as_office(actor, program).map(|_| ())
    }

    /// Imports records of one kind read from a file, with the problems found
    /// while reading it; writes nothing unless there are no problems at all.
    pub async fn import_records(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        records: Vec<Located<Record>>,
        read_problems: Vec<Problem>,
    ) -> Result<LoadSummary, AppError> {
        self.import_records_heard(actor, program, kind, records, read_problems, None)
            .await
    }

    /// [`App::import_records`], telling `written` how many more records were
    /// written as the write goes on.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind = kind.code(), rows = records.len()))]
    pub async fn import_records_heard(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        records: Vec<Located<Record>>,
        read_problems: Vec<Problem>,
        written: Option<&(dyn Fn(usize) + Sync)>,
    ) -> Result<LoadSummary, AppError> {
        self.import_kinds_heard(
            actor,
            program,
            vec![(kind, records)],
            read_problems,
            written,
        )
        .await
    }

    /// Imports records of several kinds from one file (projects and the
    /// fund transactions that name them) in one transaction: each kind is
    /// held to the importer's scope, then all are checked together, so a
    /// record may name another of the same file; nothing is written unless
    /// there is no problem at all.
    pub async fn import_kinds_heard(
        &self,
        actor: &Actor,
        program: &str,
        parts: Vec<(RecordKind, Vec<Located<Record>>)>,
        read_problems: Vec<Problem>,
        written: Option<&(dyn Fn(usize) + Sync)>,
    ) -> Result<LoadSummary, AppError> {
        let office = import_as_office(actor, program)?;
        let mut all = Scoped {
            problems: read_problems,
            ..Scoped::default()
        };
        for (kind, records) in parts {
            let scoped = self
                .check_importer_scope(actor, program, kind, office, records, Vec::new())
                .await?;
            all.records.extend(scoped.records);
            all.problems.extend(scoped.problems);
            all.steps_back.extend(scoped.steps_back);
        }
        let checked = self.check_together(program, all).await?;
        if !checked.problems.is_empty() {
            let mut problems = checked.problems;
            problems.sort_by_key(|p| (p.location.row, p.location.column.clone()));
            return Err(AppError::Invalid(problems));
        }
        let (bundle, steps_back) = (checked.bundle, checked.steps_back);
        tracing::info!(program, rows = bundle.records.len(), actor = %actor.name, "importing records");
        let notes = twinaid_store::WriteNotes {
            steps_back: &steps_back,
            step_back_reason: crate::records::STEP_BACK_REASON,
            progress: written.map(twinaid_store::RecordsDone),
            ..Default::default()
        };
        Ok(self
            .store
            .apply_bundle_noted(&bundle, &actor.name, notes)
            .await?)
    }
}

impl App {
    /// Imports a long file a window at a time in one transaction, so that
    /// memory holds one window of rows, not the file. Each window is
    /// checked as a whole file is; while no problem has been found anywhere
    /// it is written. After the first problem nothing more is written (the
    /// transaction is let go, so nothing at all is stored) but the rest is
    /// still checked, so every problem in the file is reported. A code
    /// repeated in a later window is a problem too. `heard` hears how many
    /// more rows were checked (and written) after each window.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind = kind.code()))]
    pub async fn import_record_windows(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        windows: impl Iterator<Item = ImportWindow>,
        heard: Option<&(dyn Fn(usize) + Sync)>,
    ) -> Result<LoadSummary, AppError> {
        let office = import_as_office(actor, program)?;
        let mut writing: Option<twinaid_store::RecordImport<'_>> = None;
        let mut problems: Vec<Problem> = Vec::new();
        let mut steps_back = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut wrote_any = false;
        for window in windows {
            let ImportWindow {
                records,
                problems: read,
            } = window;
            let rows = records.len();
            for r in &records {
                if seen.contains(r.item.code()) {
                    let mut place = r.location.clone();
                    place.column = Some("code".into());
                    place.value = Some(r.item.code().to_string());
                    problems.push(Problem::at(
                        place,
                        DomainError::DuplicateKey(r.item.code().to_string()),
                    ));
                }
            }
            let codes: Vec<String> = records.iter().map(|r| r.item.code().to_string()).collect();
            let checked = self
                .check_window(actor, program, kind, office, records, read)
                .await?;
            seen.extend(codes);
            problems.extend(checked.problems);
            if problems.is_empty() {
                if writing.is_none() {
                    writing = Some(
                        self.store
                            .begin_record_import(program, &actor.name, None)
                            .await?,
                    );
                }
                if let Some(w) = writing.as_mut() {
                    w.write(&checked.bundle.records).await?;
                    wrote_any = true;
                }
                steps_back.extend(checked.steps_back);
            } else {
                // Dropped: what the earlier windows wrote is rolled back.
                writing = None;
            }
            if let Some(h) = heard {
                h(rows);
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.location.row, p.location.column.clone()));
            return Err(AppError::Invalid(problems));
        }
        match writing {
            Some(w) if wrote_any => Ok(w
                .finish(&steps_back, crate::records::STEP_BACK_REASON)
                .await?),
            _ => Ok(LoadSummary::default()),
        }
    }
}

impl App {
    /// Puts back the people a list export masked (for a role that may not
    /// see them), so that the export imports back unchanged: a masked value
    /// that masks the stored one keeps the stored one; any other masked
    /// value (a new record's, or one that masks something else) is refused
    /// at its cell. `stored` holds the rows' stored records when the caller
    /// read them (an office's import reads none).
    async fn unmask(
        &self,
        program: &str,
        kind: RecordKind,
        records: &mut [Located<Record>],
        stored: &HashMap<String, Record>,
        problems: &mut Vec<Problem>,
    ) -> Result<(), AppError> {
        let people: Vec<&'static str> = kind
            .fields()
            .iter()
            .filter(|f| f.ty == FieldType::PersonRef)
            .map(|f| f.name)
            .collect();
        let masked = |r: &Record| {
            people.iter().any(|f| {
                r.get(f)
                    .as_text()
                    .is_some_and(twinaid_domain::record::is_masked)
            })
        };
        let codes: Vec<String> = records
            .iter()
            .filter(|r| masked(&r.item))
            .map(|r| r.item.code().to_string())
            .collect();
        if codes.is_empty() {
            return Ok(());
        }
        let read: HashMap<String, Record> = if stored.is_empty() {
            self.store
                .records_with_codes(program, kind, &codes)
                .await?
                .into_iter()
                .map(|r| (r.code().to_string(), r))
                .collect()
        } else {
            HashMap::new()
        };
        for located in records.iter_mut() {
            let code = located.item.code().to_string();
            let before = stored.get(&code).or_else(|| read.get(&code));
            for field in &people {
                let Some(shown) = located
                    .item
                    .get(field)
                    .as_text()
                    .filter(|t| twinaid_domain::record::is_masked(t))
                    .map(str::to_string)
                else {
                    continue;
                };
                match before.map(|b| b.get(field)) {
                    Some(FieldValue::Text(kept)) if twinaid_domain::record::mask(kept) == shown => {
                        located.item.set(field, FieldValue::Text(kept.clone()));
                    }
                    _ => {
                        let mut place = located.location.clone();
                        place.column = Some((*field).to_string());
                        place.value = Some(shown.clone());
                        problems.push(Problem::at(place, DomainError::MaskedValue(shown)));
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a template's drop-down lists offer: codes with their names.
#[derive(Debug, Clone, Default)]
pub struct TemplateChoices {
    /// Helped counties and the places above them, named as in `year`.
    pub regions: Vec<(String, String)>,
    pub helper_units: Vec<(String, String)>,
    pub helped_units: Vec<(String, String)>,
    /// The latest year with data, for examples.
    pub year: i32,
    /// The installation's added choice values, offered in the drop-downs.
    pub catalog: twinaid_domain::catalog::Catalog,
}

impl App {
    /// The codes a template of the program offers, named in a language; a
    /// helper unit's template offers only its own unit.
    pub async fn template_choices(
        &self,
        actor: &Actor,
        program: &str,
        lang: twinaid_domain::Lang,
    ) -> Result<TemplateChoices, AppError> {
        let year = self.latest_year(actor, program).await?;
        let regions = self
            .place_names(actor, program, year)
            .await?
            .into_iter()
            .map(|(code, (zh, en))| (code, lang.pick(&zh, &en).to_string()))
            .collect();
        let units = self.units(actor, program).await?;
        let side = |s: &str| -> Vec<(String, String)> {
            units
                .iter()
                .filter(|u| u.side == s)
                .filter(|u| match &actor.role {
                    Role::HelperUnit { unit } => s != "helping" || &u.code == unit,
                    _ => true,
                })
                .map(|u| (u.code.clone(), u.name(lang).to_string()))
                .collect()
        };
        Ok(TemplateChoices {
            regions,
            helper_units: side("helping"),
            helped_units: side("helped"),
            year,
            catalog: self.store.catalog().await?,
        })
    }
}

/// Whether the importer writes as the program's office (held to no one's
/// scope) or as a helper unit or county (each row must be theirs).
fn import_as_office(actor: &Actor, program: &str) -> Result<bool, AppError> {
    match &actor.role {
        Role::Administrator => Ok(true),
        Role::ProgramOffice { program: p } if p == program => Ok(true),
        Role::HelperUnit { .. } | Role::HelpedCounty { .. } => Ok(false),
        _ => Err(AppError::Forbidden),
    }
}

/// Rows checked against the importer's scope: the records (a project's
/// step set), what is wrong so far, the projects sent back a step.
#[derive(Default)]
struct Scoped {
    records: Vec<Located<Record>>,
    problems: Vec<Problem>,
    steps_back: Vec<(String, String, String)>,
}

/// Rows checked for writing: the bundle to write, what is wrong with them,
/// and the projects the write sends back a step.
struct CheckedWindow {
    bundle: ProgramBundle,
    problems: Vec<Problem>,
    steps_back: Vec<(String, String, String)>,
}

/// A part of a long file: its records and the problems found reading them.
#[derive(Debug, Default)]
pub struct ImportWindow {
    pub records: Vec<Located<Record>>,
    pub problems: Vec<Problem>,
}

impl App {
    /// Checks records read from a file (all of it, or a window of it):
    /// the importer's scope, the pairings, references and published years.
    async fn check_window(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        office: bool,
        records: Vec<Located<Record>>,
        read_problems: Vec<Problem>,
    ) -> Result<CheckedWindow, AppError> {
        let scoped = self
            .check_importer_scope(actor, program, kind, office, records, read_problems)
            .await?;
        self.check_together(program, scoped).await
    }

    /// Checks records of one kind against the importer's scope and the
    /// pairings (money in other currencies converted first); a helper's or
    /// county's new project is a proposal.
    async fn check_importer_scope(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        office: bool,
        mut records: Vec<Located<Record>>,
        read_problems: Vec<Problem>,
    ) -> Result<Scoped, AppError> {
        let started = std::time::Instant::now();
        if kind == RecordKind::FundTransaction {
            self.convert_money(program, &mut records).await?;
        }
        // The stored records the file names, by code: at national scale a
        // kind holds millions, which a small file should not read.
        let codes: Vec<String> = records
            .iter()
            .map(|r| r.item.code().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // An office's import is held to no one's scope: it needs none of them.
        let stored = if office {
            Vec::new()
        } else if codes.len() <= 50_000 {
            self.store.records_with_codes(program, kind, &codes).await?
        } else {
            self.store.records(program, kind).await?
        };
        let stored: HashMap<String, Record> = stored
            .into_iter()
            .map(|r| (r.code().to_string(), r))
            .collect();
        let mut problems = read_problems;
        self.unmask(program, kind, &mut records, &stored, &mut problems)
            .await?;
        let mut steps_back = Vec::new();
        if !office {
            for located in &mut records {
                let before = stored.get(located.item.code());
                // What a helper or county adds is a proposal; a stored project keeps its step.
                if kind == RecordKind::Project {
                    let status = before
                        .map(|b| b.get("status").clone())
                        .unwrap_or(FieldValue::Text("proposed".into()));
                    located.item.set("status", status);
                }
                // A row as stored (another unit's, in a list exported whole)
                // writes nothing, so it is no one's to refuse.
                if before == Some(&located.item) {
                    continue;
                }
                if self
                    .require_writer(actor, program, &located.item, before)
                    .is_err()
                {
                    problems.push(Problem::at(
                        located.location.clone(),
                        DomainError::RowNotYours(located.item.code().to_string()),
                    ));
                }
            }
        }
        if !office {
            // Work stays inside the pairings; a counted project moved to
            // another unit, place or year goes back to "verified".
            let saves: Vec<(&twinaid_domain::error::Location, &Record, Option<&Record>)> = records
                .iter()
                .map(|l| (&l.location, &l.item, stored.get(l.item.code())))
                .filter(|(_, item, before)| *before != Some(*item))
                .collect();
            problems.extend(
                self.unpaired(program, saves)
                    .await?
                    .iter()
                    .map(|u| u.refusal()),
            );
            if kind == RecordKind::Project {
                let rule = self.store.counting_rule(program).await?;
                for located in &mut records {
                    let before = stored.get(located.item.code());
                    if let Some((from, to)) =
                        crate::pairing_scope::steps_back(&located.item, before, &rule)
                    {
                        located
                            .item
                            .set("status", FieldValue::Text(to.code().into()));
                        steps_back.push((
                            located.item.code().to_string(),
                            from.code().to_string(),
                            to.code().to_string(),
                        ));
                    }
                }
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), "import: scope checked");
        Ok(Scoped {
            records,
            problems,
            steps_back,
        })
    }

    /// Checks records of one or more kinds together, as one file gives
    /// them: references between them and to what is stored, published years.
    async fn check_together(
        &self,
        program: &str,
        scoped: Scoped,
    ) -> Result<CheckedWindow, AppError> {
        let started = std::time::Instant::now();
        let Scoped {
            records,
            problems,
            steps_back,
        } = scoped;
        let bundle = ProgramBundle {
            program_code: program.to_string(),
            records,
            problems,
            ..ProgramBundle::default()
        };
        let known = self.store.stored_for(program, &bundle.mentions()).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "import: stored read");
        let mut problems = bundle.check(&known);
        tracing::debug!(elapsed = ?started.elapsed(), "import: bundle checked");
        problems.extend(self.published_year_changes(&bundle).await?);
        tracing::debug!(elapsed = ?started.elapsed(), "import: published years checked");
        Ok(CheckedWindow {
            bundle,
            problems,
            steps_back,
        })
    }
}
