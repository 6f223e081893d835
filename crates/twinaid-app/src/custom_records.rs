//! Records of the kinds an installation added (`kinds.csv`): listed,
//! filtered, read, written and deleted like built-in records, cut to what
//! the actor's role may see. Only the program's office writes them: no
//! role has been given a part in an added kind's work.

use crate::App;
use crate::access::{Actor, Permissions};
use crate::error::{AppError, on_fields as invalid};
use crate::records::ListRequest;
use std::collections::BTreeMap;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::custom::{CustomKind, CustomRecord, common_fields};
use twinaid_domain::error::{DomainError, Location};
use twinaid_domain::indicator::{Filter, SOURCE_FIELD};
use twinaid_domain::record::{FieldSpec, FieldType};
use twinaid_domain::yearbook::UNALLOCATED;
use twinaid_store::{CustomPage, CustomQuery};

/// Whether a field's values are numbers to total and sort as numbers.
fn is_number(spec: &FieldSpec) -> bool {
    matches!(
        spec.ty,
        FieldType::Money | FieldType::Count | FieldType::Km | FieldType::ProgramYear
    )
}

impl App {
    /// The added kind a path names, with its own (shown) fields; else not found.
    pub async fn custom_kind(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<(CustomKind, Vec<FieldSpec>), AppError> {
        actor.require_reader()?;
        let catalog = self.store.catalog().await?;
        // Its shown fields: a hidden one keeps its values but is asked for nowhere.
        let shown = |f: &FieldSpec| {
            !catalog
                .field_definition(code, f.name)
                .is_some_and(|d| d.hidden)
        };
        match catalog.custom_kind(code) {
            Some(kind) => Ok((
                kind.clone(),
                catalog
                    .kind_fields(code)
                    .into_iter()
                    .filter(shown)
                    .collect(),
            )),
            None => Err(AppError::NotFound(DomainError::UnknownReference {
                kind: "record_kind",
                code: code.to_string(),
            })),
        }
    }

    /// A page of an added kind's records with the totals of every row
    /// the filters keep; with `indicator`, only those its figure counts.
    pub async fn list_custom_records(
        &self,
        actor: &Actor,
        program: &str,
        kind: &str,
        request: &ListRequest,
    ) -> Result<CustomPage, AppError> {
        actor.require_program_reader(program)?;
        if let Some(s) = &request.search {
            twinaid_domain::record::refuse_control(s).map_err(|e| AppError::Field("q", e))?;
        }
        let (_, own) = self.custom_kind(actor, kind).await?;
        let all: Vec<FieldSpec> = common_fields().into_iter().chain(own.clone()).collect();
        let spec = |name: &str| all.iter().find(|f| f.name == name).copied();
        let mut q = CustomQuery {
            sum_fields: own
                .iter()
                .filter(|f| is_number(f))
                .map(|f| f.name.to_string())
                .collect(),
            search: request.search.clone(),
            search_fields: own
                .iter()
                .filter(|f| matches!(f.ty, FieldType::Text | FieldType::Choice(_)))
                .map(|f| f.name.to_string())
                .collect(),
            ..CustomQuery::default()
        };
        if let Some(y) = request.year {
            q.year_to = Some(y);
            if !request.cumulative {
                q.year_from = Some(y);
            }
        }
        match request.region.as_deref() {
            Some(UNALLOCATED) => q.region_empty = true,
            Some(r) => q.region_within = Some(r.to_string()),
            None => {}
        }
        if let Some(source) = &request.source {
            q.filters.push(Filter {
                field: SOURCE_FIELD.to_string(),
                values: vec![source.clone()],
            });
        }
        let mut unknown = Vec::new();
        for (name, value) in &request.filters {
            // Years are asked for by `year`; the code and the flag are no filter.
            let filterable = |f: &FieldSpec| !matches!(f.name, "code" | "year" | "illustrative");
            let Some(f) = spec(name).filter(filterable) else {
                unknown.push((name.as_str(), DomainError::UnknownField(name.clone())));
                continue;
            };
            // The value as the store keeps it: a flag as 0 or 1, money in fen.
            let stored = match f.parse(Some(value)) {
                Ok(v) => v.as_int().map_or_else(
                    || v.as_text().unwrap_or_default().to_string(),
                    |i| i.to_string(),
                ),
                Err(e) => {
                    unknown.push((name.as_str(), e));
                    continue;
                }
            };
            q.filters.push(Filter {
                field: f.name.to_string(),
                values: vec![stored],
            });
        }
        if !unknown.is_empty() {
            return Err(invalid(unknown));
        }
        if let Some(code) = &request.indicator {
            let def = self.indicator(code).await?;
            match def.parts().iter().find(|p| p.kind == kind) {
                Some(part) => {
                    q.filters.extend(part.filters.iter().cloned());
                    match &part.measure {
                        twinaid_domain::indicator::Measure::CountDistinct(f) => {
                            q.distinct = Some(f.clone());
                        }
                        // A figure may sum a field no longer shown: it is totalled still.
                        twinaid_domain::indicator::Measure::Sum(f) if !q.sum_fields.contains(f) => {
                            q.sum_fields.push(f.clone());
                        }
                        _ => {}
                    }
                }
                // A figure that reads none of this kind's records: none are behind it.
                None => q.filters.push(Filter {
                    field: "code".into(),
                    values: Vec::new(),
                }),
            }
        }
        // A unit sees its own records, a county those in it.
        let perms = Permissions::of(actor, program);
        if let Some(unit) = perms.own_unit {
            q.filters.push(Filter {
                field: "helper_unit".into(),
                values: vec![unit],
            });
        }
        if let Some(county) = perms.own_county {
            let inside = q
                .region_within
                .as_deref()
                .is_some_and(|r| r.starts_with(&county));
            if !inside {
                q.region_within = Some(county);
                q.region_empty = false;
            }
        }
        if let Some(sort) = request.sort.as_deref() {
            let Some(f) = spec(sort) else {
                return Err(invalid(vec![(
                    "sort",
                    DomainError::UnknownField(sort.to_string()),
                )]));
            };
            q.sort = Some((f.name.to_string(), request.descending));
            q.sort_numeric = is_number(&f) || f.ty == FieldType::Flag;
        }
        if request.unpaged {
            q.limit = i64::MAX;
        } else {
            let per_page = request.per_page.clamp(1, 500);
            q.limit = per_page;
            q.offset = (request.page.max(1) - 1).saturating_mul(per_page);
        }
        Ok(self.store.custom_records(program, kind, &q).await?)
    }

    /// One record of an added kind, if the actor may see it.
    pub async fn custom_record(
        &self,
        actor: &Actor,
        program: &str,
        kind: &str,
        code: &str,
    ) -> Result<CustomRecord, AppError> {
        actor.require_program_reader(program)?;
        self.custom_kind(actor, kind).await?;
        let not_found = || {
            // The kind is one the catalog holds, named already.
            AppError::NotFound(DomainError::UnknownReference {
                kind: twinaid_domain::catalog::intern(kind),
                code: code.to_string(),
            })
        };
        let record = self
            .store
            .custom_record(program, kind, code)
            .await?
            .ok_or_else(not_found)?;
        // A record outside the actor's scope is reported as missing, so its existence does not leak.
        let perms = Permissions::of(actor, program);
        let unit_ok = perms
            .own_unit
            .as_deref()
            .is_none_or(|u| record.get("helper_unit").as_text() == Some(u));
        let county_ok = perms.own_county.as_deref().is_none_or(|c| {
            record
                .get("region_code")
                .as_text()
                .is_some_and(|r| r.starts_with(c))
        });
        if unit_ok && county_ok {
            Ok(record)
        } else {
            Err(not_found())
        }
    }

    /// Whether the actor writes records of added kinds in the program.
    pub fn writes_custom_records(&self, actor: &Actor, program: &str) -> bool {
        Permissions::of(actor, program).office
    }

    /// Creates or changes one record of an added kind from form cells,
    /// checked like a loaded file; `existing` is the code of the record
    /// being changed (its code stays).
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind, code = existing))]
    pub async fn save_custom_record(
        &self,
        actor: &Actor,
        program: &str,
        kind: &str,
        cells: &BTreeMap<String, String>,
        existing: Option<&str>,
    ) -> Result<CustomRecord, AppError> {
        actor.require_program_reader(program)?;
        let (_, own) = self.custom_kind(actor, kind).await?;
        if !self.writes_custom_records(actor, program) {
            return Err(AppError::Forbidden);
        }
        let mut cells = cells.clone();
        let before = match existing {
            Some(code) => {
                cells.insert("code".into(), code.to_string());
                Some(self.custom_record(actor, program, kind, code).await?)
            }
            None => None,
        };
        let mut record =
            CustomRecord::parse(kind, &own, |name| cells.get(name).map(String::as_str))
                .map_err(invalid)?;
        // A hidden field is asked for nowhere: its stored value stays.
        if let Some(b) = &before {
            for (name, value) in &b.custom {
                if !own.iter().any(|f| f.name == name.as_str()) {
                    record.custom.insert(name.clone(), value.clone());
                }
            }
        }
        let year = |r: &CustomRecord| r.get("year").as_int().and_then(|y| i32::try_from(y).ok());
        // A record of a year whose assessment is published changes only as a
        // correction with a reason; a new one is not added to it.
        let reason = cells
            .get("correction_reason")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let correcting = match &before {
            Some(b) => {
                self.correction_needed(program, year(b), reason.as_deref())
                    .await?
                    | self
                        .correction_needed(program, year(&record), reason.as_deref())
                        .await?
            }
            None => {
                self.require_open_year(program, year(&record)).await?;
                false
            }
        };
        if before.is_none()
            && self
                .store
                .custom_record(program, kind, record.code())
                .await?
                .is_some()
        {
            return Err(AppError::Field(
                "code",
                DomainError::DuplicateKey(record.code().to_string()),
            ));
        }
        let bundle = ProgramBundle {
            program_code: program.to_string(),
            custom_records: vec![Located::new(Location::default(), record.clone())],
            ..ProgramBundle::default()
        };
        let stored = self.store.stored_for(program, &bundle.mentions()).await?;
        let problems = bundle.check(&stored);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let notes = twinaid_store::WriteNotes {
            correction: reason.as_deref().filter(|_| correcting),
            create_only: before.is_none(),
            ..twinaid_store::WriteNotes::default()
        };
        self.store
            .apply_bundle_noted(&bundle, &actor.name, notes)
            .await?;
        Ok(record)
    }

    /// Deletes one record of an added kind, outside a published year.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind, code))]
    pub async fn delete_custom_record(
        &self,
        actor: &Actor,
        program: &str,
        kind: &str,
        code: &str,
    ) -> Result<(), AppError> {
        let record = self.custom_record(actor, program, kind, code).await?;
        if !self.writes_custom_records(actor, program) {
            return Err(AppError::Forbidden);
        }
        let year = record
            .get("year")
            .as_int()
            .and_then(|y| i32::try_from(y).ok());
        self.require_open_year(program, year).await?;
        self.store
            .delete_custom_record(program, kind, code, &actor.name)
            .await?;
        Ok(())
    }

    /// Writes records of an added kind read from a file, all or none:
    /// checked like a loaded folder (units, places, published years).
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program, kind, rows = records.len()))]
    pub async fn import_custom_records(
        &self,
        actor: &Actor,
        program: &str,
        kind: &str,
        mut records: Vec<Located<CustomRecord>>,
    ) -> Result<twinaid_store::LoadSummary, AppError> {
        actor.require_program_reader(program)?;
        self.custom_kind(actor, kind).await?;
        if !self.writes_custom_records(actor, program) {
            return Err(AppError::Forbidden);
        }
        // A hidden field is in no file: its stored values stay.
        let catalog = self.store.catalog().await?;
        let hides = catalog
            .custom_fields()
            .iter()
            .any(|f| f.kind == kind && f.hidden);
        if hides {
            for r in &mut records {
                if let Some(stored) = self
                    .store
                    .custom_record(program, kind, r.item.code())
                    .await?
                {
                    for (name, value) in stored.custom {
                        let hidden = catalog
                            .field_definition(kind, &name)
                            .is_none_or(|f| f.hidden);
                        if hidden {
                            r.item.custom.entry(name).or_insert(value);
                        }
                    }
                }
            }
        }
        let bundle = ProgramBundle {
            program_code: program.to_string(),
            custom_records: records,
            ..ProgramBundle::default()
        };
        let mut problems = self.published_year_changes(&bundle).await?;
        let stored = self.store.stored_for(program, &bundle.mentions()).await?;
        problems.extend(bundle.check(&stored));
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        Ok(self
            .store
            .apply_bundle_noted(&bundle, &actor.name, twinaid_store::WriteNotes::default())
            .await?)
    }
}
