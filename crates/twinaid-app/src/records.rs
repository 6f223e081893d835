//! Reading and writing single records, and the drill-down from a figure to
//! the records and aggregate values that make it up. Every read is cut to
//! what the actor's role may see; every write is checked against its role.

use crate::App;
use crate::access::{Actor, COUNTY_FIELDS, HELPER_KINDS, Permissions, Role};
use crate::error::AppError;
use std::collections::BTreeMap;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::error::{DomainError, Location};
use twinaid_domain::indicator::{IndicatorDefinition, Measure, SOURCE_FIELD};
use twinaid_domain::lifecycle::Standing;
use twinaid_domain::record::{FieldValue, Record, RecordKind};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::{UNALLOCATED, UNSPECIFIED};
use twinaid_store::{AggregateQuery, AggregateRow, RecordPage, RecordQuery, UnitRow};

/// How many made codes a save tries when other clerks take them first: of
/// clerks saving the same stem at once one wins each round, so this bounds
/// how many may save at once, not how often one clerk saves.
const MADE_CODE_TRIES: usize = 200;

/// Why a project went back a step when its helper moved it.
pub(crate) const STEP_BACK_REASON: &str = "帮扶单位、县或年份已改动，待办公室重新登记 / unit, county or year changed: awaiting registration by the office";

/// What a list page asks for.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Equality filters on fields of the kind.
    pub filters: Vec<(String, String)>,
    pub year: Option<i32>,
    /// With `year`: every year up to it (a cumulative figure).
    pub cumulative: bool,
    /// A helped county (and the places in it), or `unallocated`.
    pub region: Option<String>,
    /// A fund source code, or `unspecified`.
    pub source: Option<String>,
    /// Keep only the records an indicator counts.
    pub indicator: Option<String>,
    /// Keep only records of this standing; with an indicator, the counted
    /// ones unless another standing is asked for.
    pub standing: Option<Standing>,
    pub search: Option<String>,
    pub sort: Option<String>,
    pub descending: bool,
    /// Every matching row at once (an export), instead of one page.
    pub unpaged: bool,
    /// 1-based page.
    pub page: i64,
    pub per_page: i64,
}

/// A figure taken apart: the records and aggregate values behind it.
#[derive(Debug, Clone)]
pub struct DrillDown {
    pub definition: IndicatorDefinition,
    /// The record kind the indicator reads first, if any.
    pub kind: Option<RecordKind>,
    /// Each record kind's share of the records part.
    pub parts: Vec<(RecordKind, i64)>,
    /// The records part of the figure (in the indicator's stored scale).
    pub from_records: i64,
    /// Each record kind's records awaiting verification, not in the figure.
    pub pending_parts: Vec<(RecordKind, i64)>,
    /// Their sum: shown beside the figure, never in it.
    pub pending: i64,
    pub aggregates: Vec<AggregateRow>,
    pub from_aggregates: i64,
}

impl DrillDown {
    /// The figure: records and aggregate values together.
    pub fn total(&self) -> i64 {
        self.from_records + self.from_aggregates
    }
}

impl Actor {
    /// May this actor read the program's records at all?
    pub(crate) fn require_program_reader(&self, program: &str) -> Result<(), AppError> {
        match &self.role {
            Role::Expert => Err(AppError::Forbidden),
            Role::ProgramOffice { program: p } if p != program => Err(AppError::Forbidden),
            Role::NationalOffice { programs, .. } if !programs.iter().any(|p| p == program) => {
                Err(AppError::Forbidden)
            }
            _ => Ok(()),
        }
    }

    /// Whether a single record lies within what the actor may see.
    fn sees(&self, record: &Record) -> bool {
        match &self.role {
            Role::HelperUnit { unit } => record.get("helper_unit").as_text() == Some(unit.as_str()),
            Role::HelpedCounty { region } => {
                let field = if record.kind.is_yearly() {
                    "region_code"
                } else {
                    "helped_region"
                };
                record
                    .get(field)
                    .as_text()
                    .is_some_and(|r| r.starts_with(region.as_str()))
            }
            Role::Expert => false,
            _ => true,
        }
    }
}

fn source_kinds(source: &str) -> Option<Vec<String>> {
    SourceKind::parse(source).map(|s| {
        s.unit_kinds()
            .iter()
            .map(|k| k.code().to_string())
            .collect()
    })
}

impl App {
    /// A page of records, filtered, with totals over all rows the filters keep.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind = kind.code()))]
    pub async fn list_records(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        request: &ListRequest,
    ) -> Result<RecordPage, AppError> {
        actor.require_program_reader(program)?;
        if let Some(s) = &request.search {
            twinaid_domain::record::refuse_control(s).map_err(|e| AppError::Field("q", e))?;
        }
        let mut q = RecordQuery {
            search: request.search.clone(),
            standing: match (&request.indicator, request.standing) {
                (Some(_), None) => Some(Standing::Counted),
                (_, standing) => standing,
            },
            limit: if request.unpaged {
                i64::MAX
            } else {
                request.per_page.clamp(1, 500)
            },
            offset: if request.unpaged {
                0
            } else {
                (request.page.max(1) - 1) * request.per_page.clamp(1, 500)
            },
            ..RecordQuery::default()
        };
        let catalog = if request.filters.is_empty() {
            twinaid_domain::catalog::Catalog::default()
        } else {
            self.store.catalog().await?
        };
        for (field, value) in &request.filters {
            let spec = catalog
                .field(kind, field)
                .ok_or_else(|| AppError::BadRequest(DomainError::UnknownColumn(field.clone())))?;
            let parsed = spec
                .parse(Some(value))
                .map_err(|e| AppError::Field(spec.name, e))?;
            let text = match parsed {
                FieldValue::Text(t) => t,
                FieldValue::Int(i) => i.to_string(),
                FieldValue::Null => continue,
            };
            q.equals.push((spec.name.to_string(), vec![text]));
        }
        if let Some(sort) = &request.sort {
            // A built-in field, or one the installation added.
            let spec = match kind.field(sort) {
                Some(s) => Some(s),
                None => self.store.catalog().await?.field(kind, sort),
            };
            let Some(spec) = spec else {
                return Err(AppError::BadRequest(DomainError::UnknownColumn(
                    sort.clone(),
                )));
            };
            q.sort_numeric = kind.field(sort).is_none() && spec.ty.is_integer();
            q.sort = Some((sort.clone(), request.descending));
        }
        if let Some(year) = request.year {
            q.year_to = Some(year);
            if !request.cumulative {
                q.year_from = Some(year);
            }
        }
        match request.region.as_deref() {
            None => {}
            Some(UNALLOCATED) => q.equals.push(("code".into(), vec![])),
            Some(region) => q.region_within = Some(region.to_string()),
        }
        match request.source.as_deref() {
            None => {}
            Some(UNSPECIFIED) => q.equals.push(("code".into(), vec![])),
            Some(source) => {
                q.helper_unit_kinds = Some(source_kinds(source).ok_or_else(|| {
                    AppError::BadRequest(DomainError::UnknownChoice {
                        value: source.to_string(),
                        allowed: SourceKind::ALL.iter().map(|s| s.code()).collect(),
                    })
                })?);
            }
        }
        if let Some(code) = &request.indicator {
            let def = self.indicator(code).await?;
            // The part of the indicator that reads this kind, if any; else the list is empty.
            match def
                .parts()
                .into_iter()
                .find(|p| RecordKind::parse(&p.kind) == Some(kind))
            {
                Some(part) => {
                    match &part.measure {
                        Measure::CountDistinct(field) => q.distinct = Some(field.clone()),
                        Measure::Sum(field) if kind.field(field).is_none() => {
                            q.sum_added = Some(field.clone());
                        }
                        _ => {}
                    }
                    for f in part.filters {
                        if f.field == SOURCE_FIELD {
                            let kinds: Vec<String> = f
                                .values
                                .iter()
                                .filter_map(|v| source_kinds(v))
                                .flatten()
                                .collect();
                            q.helper_unit_kinds = Some(match q.helper_unit_kinds.take() {
                                Some(existing) => {
                                    existing.into_iter().filter(|k| kinds.contains(k)).collect()
                                }
                                None => kinds,
                            });
                        } else {
                            q.equals.push((f.field, f.values));
                        }
                    }
                }
                None => q.equals.push(("code".into(), vec![])),
            }
        }
        // What the role may see is a filter like any other, applied in the database.
        match &actor.role {
            Role::HelperUnit { unit } => {
                let field = "helper_unit";
                q.equals.push((field.into(), vec![unit.clone()]));
            }
            Role::HelpedCounty { region } => q.region_within = Some(region.clone()),
            _ => {}
        }
        let filters = RecordQuery {
            sort: None,
            offset: 0,
            limit: 0,
            ..q.clone()
        };
        let key = (program.to_string(), format!("{}:{filters:?}", kind.code()));
        let version = self.store.data_version(program).await?;
        let totals = match self.list_totals.get(&key, version) {
            Some(t) => t,
            None => {
                let t = self.store.list_totals(program, kind, &q).await?;
                self.list_totals.put(key, version, t.clone());
                t
            }
        };
        let mut page = self.store.list_page(program, kind, &q, totals).await?;
        if !Permissions::of(actor, program).sees_people {
            page.records = page.records.into_iter().map(Record::masked).collect();
        }
        Ok(page)
    }

    /// What the actor may do and see in the program: pages and the API
    /// show this and derive nothing of their own.
    pub fn permissions(&self, actor: &Actor, program: &str) -> Permissions {
        Permissions::of(actor, program)
    }

    /// One record, if the actor may see it; person references masked
    /// unless the actor's role needs them.
    pub async fn record(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<Record, AppError> {
        let record = self.record_as_stored(actor, program, kind, code).await?;
        Ok(if Permissions::of(actor, program).sees_people {
            record
        } else {
            record.masked()
        })
    }

    /// One record as its edit form needs it, unmasked: only for an actor
    /// who may change it.
    pub async fn record_to_edit(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<Record, AppError> {
        if !Permissions::of(actor, program).edits(kind) {
            return Err(AppError::Forbidden);
        }
        self.record_as_stored(actor, program, kind, code).await
    }

    /// One record as stored, if the actor may see it.
    async fn record_as_stored(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<Record, AppError> {
        actor.require_program_reader(program)?;
        let not_found = || {
            AppError::NotFound(DomainError::UnknownReference {
                kind: kind.code(),
                code: code.to_string(),
            })
        };
        let record = self
            .store
            .record(program, kind, code)
            .await?
            .ok_or_else(not_found)?;
        // A record outside the actor's scope is reported as missing, so its existence does not leak.
        if !actor.sees(&record) {
            return Err(not_found());
        }
        Ok(record)
    }

    /// Creates or updates one record from form cells, checked like a loaded file.
    /// `existing` is the code of the record being edited (its code cannot change).
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind = kind.code(), code = existing))]
    pub async fn save_record(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        cells: &BTreeMap<String, String>,
        existing: Option<&str>,
    ) -> Result<Record, AppError> {
        actor.require_program_reader(program)?;
        let mut cells = cells.clone();
        // What helpers and counties add to a project is a proposal, until the office verifies it.
        if kind == RecordKind::Project
            && existing.is_none()
            && matches!(
                actor.role,
                Role::HelperUnit { .. } | Role::HelpedCounty { .. }
            )
            && cells.get("status").is_none_or(|s| s.trim().is_empty())
        {
            cells.insert("status".into(), "proposed".into());
        }
        let before = match existing {
            Some(code) => {
                cells.insert("code".into(), code.to_string());
                Some(self.record_as_stored(actor, program, kind, code).await?)
            }
            None => None,
        };
        // A project's status moves only by the steps of its lifecycle: an
        // edit that does not say it keeps the one it has.
        if let Some(b) = &before
            && kind.field("status").is_some()
            && cells.get("status").is_none_or(|s| s.trim().is_empty())
        {
            cells.insert(
                "status".into(),
                b.get("status").as_text().unwrap_or_default().to_string(),
            );
        }
        self.codes_for_names(program, kind, &mut cells).await?;
        // A new record without a code gets one made from what it says; if
        // another clerk takes it first, the next one is tried.
        let made = before.is_none() && cells.get("code").is_none_or(|c| c.trim().is_empty());
        if made {
            let stem =
                twinaid_domain::record_code::code_stem(kind, |n| cells.get(n).map(String::as_str));
            let mut taken = self
                .store
                .codes_starting(program, kind, &format!("{stem}-"))
                .await?;
            for _ in 0..MADE_CODE_TRIES {
                let code =
                    twinaid_domain::record_code::next_code(&stem, taken.iter().map(String::as_str));
                cells.insert("code".into(), code.clone());
                match Box::pin(self.save_record(actor, program, kind, &cells, None)).await {
                    Err(AppError::Field("code", DomainError::DuplicateKey(_))) => {
                        // Taken: another clerk's, or one the quick read missed
                        // (a collation that does not sort bytewise); read them all.
                        taken = self
                            .store
                            .codes_like(program, kind, &format!("{stem}-"))
                            .await?;
                        taken.push(code);
                    }
                    other => return other,
                }
            }
            return Err(AppError::Field("code", DomainError::DuplicateKey(stem)));
        }
        // A record of a year whose assessment is published changes only as a correction with a reason;
        // the published scores are kept as they were published.
        let reason = cells
            .get("correction_reason")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let mut correcting = false;
        if let Some(b) = &before {
            correcting |= self
                .correction_needed(program, b.year(), reason.as_deref())
                .await?;
        }
        let fields = self.store.catalog().await?.fields(kind);
        let mut record =
            Record::parse_in(kind, &fields, |name| cells.get(name).map(String::as_str))
                .map_err(crate::error::on_fields)?;
        // A hidden field is asked for nowhere: its stored value stays.
        if let Some(b) = &before {
            for (name, value) in &b.custom {
                if !fields.iter().any(|f| f.name == name.as_str()) {
                    record.custom.insert(name.clone(), value.clone());
                }
            }
        }
        self.require_writer(actor, program, &record, before.as_ref())?;
        // Money in another currency counts in yuan at its date's rate.
        let mut one = [twinaid_domain::bundle::Located::new(
            Location::default(),
            record,
        )];
        self.convert_money(program, &mut one).await?;
        let [one] = one;
        let mut record = one.item;
        // Work stays inside the pairings: helpers and counties are refused,
        // the office says why it records work outside them.
        let here = Location::default();
        let unpaired = self
            .unpaired(program, [(&here, &record, before.as_ref())])
            .await?;
        let unpaired_reason = cells
            .get("unpaired_reason")
            .map(|r| r.trim())
            .filter(|r| !r.is_empty());
        if let Some(u) = unpaired.first() {
            if crate::pairing_scope::bound_by_pairings(actor) {
                return Err(AppError::Invalid(vec![u.refusal()]));
            }
            if unpaired_reason.is_none() {
                return Err(AppError::Field(
                    "unpaired_reason",
                    DomainError::UnpairedReasonRequired(Box::new(u.gap())),
                ));
            }
        }
        // A counted project moved to another unit, place or year by anyone
        // but the office stops counting until the office registers it again.
        let mut steps_back = Vec::new();
        if !actor.is_office(program) && kind == RecordKind::Project && before.is_some() {
            let rule = self.store.counting_rule(program).await?;
            if let Some((from, to)) =
                crate::pairing_scope::steps_back(&record, before.as_ref(), &rule)
            {
                record.set("status", FieldValue::Text(to.code().into()));
                steps_back.push((
                    record.code().to_string(),
                    from.code().to_string(),
                    to.code().to_string(),
                ));
            }
        }
        let bundle = ProgramBundle {
            program_code: program.to_string(),
            records: vec![Located::new(Location::default(), record.clone())],
            ..ProgramBundle::default()
        };
        let mentions = bundle.mentions();
        // The checks' reads go to the database together; their refusals
        // still come in this order.
        let taken = async {
            if before.is_some() {
                return Ok::<_, AppError>(false);
            }
            let found = self.store.record(program, kind, record.code()).await?;
            Ok(found.is_some())
        };
        let (needed, taken, stored) = tokio::join!(
            self.correction_needed(program, record.year(), reason.as_deref()),
            taken,
            self.store.stored_for(program, &mentions),
        );
        correcting |= needed?;
        if taken? {
            return Err(AppError::Field(
                "code",
                DomainError::DuplicateKey(record.code().to_string()),
            ));
        }
        let stored = stored?;
        let problems = bundle.check(&stored);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let notes = twinaid_store::WriteNotes {
            correction: reason.as_deref().filter(|_| correcting),
            unpaired: unpaired_reason.filter(|_| !unpaired.is_empty()),
            steps_back: &steps_back,
            step_back_reason: STEP_BACK_REASON,
            create_only: before.is_none(),
            progress: None,
        };
        // Two clerks saving one new code at once: the second is told on the
        // code's field, as if it had been taken before it was typed.
        self.store
            .apply_bundle_noted(&bundle, &actor.name, notes)
            .await?;
        Ok(record)
    }

    /// Deletes one record that nothing refers to.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind = kind.code(), code))]
    pub async fn delete_record(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        code: &str,
    ) -> Result<(), AppError> {
        let record = self.record_as_stored(actor, program, kind, code).await?;
        self.require_writer(actor, program, &record, Some(&record))?;
        self.require_open_year(program, record.year()).await?;
        if !Permissions::of(actor, program).deletes(kind) {
            return Err(AppError::Forbidden);
        }
        if self.store.references_to(program, kind, code).await? > 0 {
            return Err(AppError::BadRequest(DomainError::StillReferenced(
                code.to_string(),
            )));
        }
        self.store
            .delete_record(program, kind, code, &actor.name)
            .await?;
        Ok(())
    }

    pub(crate) fn require_writer(
        &self,
        actor: &Actor,
        program: &str,
        record: &Record,
        before: Option<&Record>,
    ) -> Result<(), AppError> {
        match &actor.role {
            Role::Administrator => Ok(()),
            Role::ProgramOffice { program: p } if p == program => Ok(()),
            Role::HelperUnit { unit } => {
                let own = |r: &Record| r.get("helper_unit").as_text() == Some(unit.as_str());
                // A helper proposes projects; later statuses are steps of the lifecycle.
                let status_ok = record.kind != RecordKind::Project
                    || match before {
                        None => record.get("status").as_text() == Some("proposed"),
                        Some(b) => record.get("status") == b.get("status"),
                    };
                if !status_ok {
                    return Err(AppError::Field(
                        "status",
                        DomainError::StepNotYours { to: "registered" },
                    ));
                }
                if HELPER_KINDS.contains(&record.kind) && own(record) && before.is_none_or(own) {
                    Ok(())
                } else {
                    Err(AppError::Forbidden)
                }
            }
            Role::HelpedCounty { .. } => {
                // Progress and beneficiaries of an existing project in the county, nothing else.
                let Some(before) = before else {
                    return Err(AppError::Forbidden);
                };
                let only_allowed_changed = record.kind == RecordKind::Project
                    && actor.sees(before)
                    && record.kind.fields().iter().all(|f| {
                        COUNTY_FIELDS.contains(&f.name) || record.get(f.name) == before.get(f.name)
                    })
                    && record.custom == before.custom;
                if only_allowed_changed {
                    Ok(())
                } else {
                    Err(AppError::Forbidden)
                }
            }
            _ => Err(AppError::Forbidden),
        }
    }

    pub(crate) async fn indicator(&self, code: &str) -> Result<IndicatorDefinition, AppError> {
        self.store
            .indicators()
            .await?
            .into_iter()
            .find(|d| d.code == code)
            .ok_or_else(|| AppError::NotFound(DomainError::UnknownIndicator(code.to_string())))
    }

    /// Takes a figure apart into the records and aggregate values behind it,
    /// with the same filters the yearbook used, so the parts add up to the figure.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program))]
    pub async fn drill_down(
        &self,
        actor: &Actor,
        program: &str,
        request: &ListRequest,
    ) -> Result<DrillDown, AppError> {
        actor.require_program_reader(program)?;
        let code = request
            .indicator
            .clone()
            .ok_or_else(|| AppError::BadRequest(DomainError::UnknownIndicator(String::new())))?;
        let definition = self.indicator(&code).await?;
        let kind = definition.record_kind();
        let (mut parts, mut pending_parts) = (Vec::new(), Vec::new());
        for part in definition.parts() {
            let Some(part_kind) = RecordKind::parse(&part.kind) else {
                continue;
            };
            for (standing, out) in [
                (Standing::Counted, &mut parts),
                (Standing::Pending, &mut pending_parts),
            ] {
                let mut all = request.clone();
                all.per_page = 1;
                all.page = 1;
                all.standing = Some(standing);
                let page = self.list_records(actor, program, part_kind, &all).await?;
                let value = match &part.measure {
                    Measure::Count => page.total_rows,
                    Measure::Sum(field) if part_kind.field(field).is_none() => {
                        page.sum_added.unwrap_or(0)
                    }
                    Measure::Sum(field) => page
                        .sums
                        .iter()
                        .find(|(f, _)| f == field)
                        .map_or(0, |(_, v)| *v),
                    Measure::CountDistinct(_) => page.distinct.unwrap_or(0),
                };
                if standing == Standing::Counted || value != 0 {
                    out.push((part_kind, value));
                }
            }
        }
        let from_records = parts.iter().map(|(_, v)| v).sum();
        let pending = pending_parts.iter().map(|(_, v)| v).sum();
        let mut q = AggregateQuery {
            indicator: Some(code),
            ..AggregateQuery::default()
        };
        if let Some(y) = request.year {
            if request.cumulative {
                q.year_to = Some(y);
            } else {
                q.year = Some(y);
            }
        }
        q.region = match request.region.as_deref() {
            None => None,
            Some(UNALLOCATED) => Some(None),
            Some(r) => Some(Some(r.to_string())),
        };
        q.helper_unit_kinds = match request.source.as_deref() {
            None => None,
            Some(UNSPECIFIED) => Some(None),
            Some(s) => Some(Some(source_kinds(s).unwrap_or_default())),
        };
        // Aggregate values are program-wide figures; scoped roles see only their own part of records.
        let aggregates = match actor.role {
            Role::HelperUnit { .. } | Role::HelpedCounty { .. } => Vec::new(),
            _ => self.store.aggregate_values(program, &q).await?,
        };
        let from_aggregates = aggregates.iter().map(|a| a.value).sum();
        Ok(DrillDown {
            definition,
            kind,
            parts,
            from_records,
            pending_parts,
            pending,
            aggregates,
            from_aggregates,
        })
    }

    /// How many records of a kind the program has in a year, per value of a
    /// choice field (projects by category); cut to what the actor may see.
    pub async fn count_by(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        field: &str,
        year: i32,
    ) -> Result<Vec<(String, i64)>, AppError> {
        actor.require_program_reader(program)?;
        if matches!(
            actor.role,
            Role::HelperUnit { .. } | Role::HelpedCounty { .. }
        ) {
            // Scoped roles count through the list, which applies their scope.
            let mut out = Vec::new();
            let catalog = self.store.catalog().await?;
            if let Some(twinaid_domain::record::FieldType::Choice(choices)) =
                catalog.field(kind, field).map(|f| f.ty)
            {
                for c in choices {
                    let request = ListRequest {
                        filters: vec![(field.to_string(), c.code.to_string())],
                        year: Some(year),
                        standing: Some(Standing::Counted),
                        page: 1,
                        per_page: 1,
                        ..ListRequest::default()
                    };
                    let n = self
                        .list_records(actor, program, kind, &request)
                        .await?
                        .total_rows;
                    if n > 0 {
                        out.push((c.code.to_string(), n));
                    }
                }
            }
            return Ok(out);
        }
        Ok(self.store.count_by(program, kind, field, year).await?)
    }

    /// The aggregate values of a program, of one indicator or all.
    pub async fn aggregate_values(
        &self,
        actor: &Actor,
        program: &str,
        indicator: Option<&str>,
    ) -> Result<Vec<AggregateRow>, AppError> {
        actor.require_program_reader(program)?;
        let q = AggregateQuery {
            indicator: indicator.map(str::to_string),
            ..AggregateQuery::default()
        };
        Ok(self.store.aggregate_values(program, &q).await?)
    }

    /// The units of a program.
    pub async fn units(&self, actor: &Actor, program: &str) -> Result<Vec<UnitRow>, AppError> {
        actor.require_program_reader(program)?;
        Ok(self.store.units(program).await?)
    }

    /// The programs in the database.
    pub async fn programs(
        &self,
        actor: &Actor,
    ) -> Result<Vec<twinaid_domain::program::Program>, AppError> {
        // Which programs exist is no secret: every role, experts too, needs
        // it to find its work; a program's office works in its own.
        let mut out = Vec::new();
        for code in self.store.program_codes().await? {
            if matches!(&actor.role, Role::ProgramOffice { program } if *program != code) {
                continue;
            }
            // A national office works in its group's programs.
            if matches!(&actor.role, Role::NationalOffice { programs, .. } if !programs.contains(&code))
            {
                continue;
            }
            if let Some(p) = self.store.program(&code).await? {
                out.push(p);
            }
        }
        Ok(out)
    }
}
