//! Records stay inside their pairing: a helper unit (or a county) records
//! work only for the places its unit is paired with in that year. The
//! office may record work outside the pairings, with a reason that the
//! audit log keeps.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use twinaid_domain::error::{DomainError, Location, Named, PairingGap, Problem};
use twinaid_domain::lifecycle::{CountingRule, DEFAULT_COUNTS_FROM, FORWARD, Standing, Status};
use twinaid_domain::record::{Record, RecordKind};
use twinaid_domain::verification::pairing_for;

/// Where a record's work is done: its helper unit, place and year; None
/// for kinds that name no helper unit and place, or a record without a place.
fn placement(record: &Record) -> Option<(String, String, Option<i32>)> {
    let kind = record.kind;
    if !kind.is_yearly()
        || kind.field("helper_unit").is_none()
        || kind.field("region_code").is_none()
    {
        return None;
    }
    let unit = record.get("helper_unit").as_text()?.to_string();
    let region = record.get("region_code").as_text()?.to_string();
    Some((unit, region, record.year()))
}

/// Whether the save moves the record to another unit, place or year (or makes it).
pub(crate) fn placement_changed(record: &Record, before: Option<&Record>) -> bool {
    before.is_none_or(|b| placement(b) != placement(record))
}

/// When a save by anyone but the office moves a counted project to another
/// unit, place or year: the status it leaves and the one it goes back to,
/// the step just before the one its (new) year counts from ("verified" by
/// default). It stops counting until the office takes that step again.
pub(crate) fn steps_back(
    record: &Record,
    before: Option<&Record>,
    rule: &CountingRule,
) -> Option<(Status, Status)> {
    let before = before?;
    if record.kind != RecordKind::Project || !placement_changed(record, Some(before)) {
        return None;
    }
    let from = before
        .get("status")
        .as_text()
        .and_then(Status::parse)
        .unwrap_or(DEFAULT_COUNTS_FROM);
    let counted = rule.standing(before.year().unwrap_or_default(), from) == Standing::Counted;
    let counts_from = rule.counts_from(record.year().unwrap_or_default());
    let at = FORWARD.iter().position(|s| *s == counts_from)?;
    let to = *FORWARD.get(at.checked_sub(1)?)?;
    counted.then_some((from, to))
}

/// A record outside the pairings: where it is, and the pairing it lacks.
pub(crate) struct Unpaired {
    pub location: Location,
    pub unit: Named,
    pub region: Named,
    pub year: i32,
}

impl Unpaired {
    /// The pairing it lacks.
    pub(crate) fn gap(&self) -> PairingGap {
        PairingGap {
            unit: self.unit.clone(),
            region: self.region.clone(),
            year: self.year,
        }
    }

    /// The refusal a helper unit or county gets.
    pub(crate) fn refusal(&self) -> Problem {
        let mut location = self.location.clone();
        location.column = Some("region_code".into());
        location.value = Some(self.region.code.clone());
        Problem::at(location, DomainError::OutsidePairing(Box::new(self.gap())))
    }
}

/// Whether the actor is bound by the pairings (the office and the
/// administrator are not, with a reason).
pub(crate) fn bound_by_pairings(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::HelperUnit { .. } | Role::HelpedCounty { .. }
    )
}

/// What a record's form tells before saving, as the app decides it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditTerms {
    /// The form asks for a reason to record work outside the pairings
    /// (the office; others are refused).
    pub asks_unpaired_reason: bool,
    /// Moving the record to another unit, place or year sends it back a
    /// step, out of the figures, until the office takes the step again.
    pub steps_back_if_moved: bool,
}

impl App {
    /// What the form of a record (a new one, or `code`) tells the actor
    /// before saving.
    pub async fn edit_terms(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        code: Option<&str>,
    ) -> Result<EditTerms, AppError> {
        let office = actor.is_office(program);
        let mut terms = EditTerms {
            asks_unpaired_reason: office && kind.is_yearly() && kind.field("helper_unit").is_some(),
            steps_back_if_moved: false,
        };
        // Only a helper unit can move a project (a county changes only its beneficiaries and note).
        let moves = matches!(actor.role, Role::HelperUnit { .. });
        if let (Some(code), RecordKind::Project, false, true) = (code, kind, office, moves) {
            let before = self.record_to_edit(actor, program, kind, code).await?;
            let rule = self.store.counting_rule(program).await?;
            let status = before
                .get("status")
                .as_text()
                .and_then(Status::parse)
                .unwrap_or(DEFAULT_COUNTS_FROM);
            terms.steps_back_if_moved =
                rule.standing(before.year().unwrap_or_default(), status) == Standing::Counted;
        }
        Ok(terms)
    }

    /// The records, among those whose unit, place or year a save sets,
    /// whose helper unit is not paired with their place in their year.
    pub(crate) async fn unpaired<'a>(
        &self,
        program: &str,
        saves: impl IntoIterator<Item = (&'a Location, &'a Record, Option<&'a Record>)>,
    ) -> Result<Vec<Unpaired>, AppError> {
        let mut pairings: Option<Vec<Record>> = None;
        let mut out = Vec::new();
        for (location, record, before) in saves {
            if !placement_changed(record, before) {
                continue;
            }
            let Some((unit, region, year)) = placement(record) else {
                continue;
            };
            if pairings.is_none() {
                pairings = Some(self.store.records(program, RecordKind::Pairing).await?);
            }
            let all = pairings.as_deref().unwrap_or_default();
            if pairing_for(all, &unit, &region, year).is_none() {
                out.push(Unpaired {
                    location: location.clone(),
                    unit: Named {
                        code: unit,
                        ..Named::default()
                    },
                    region: Named {
                        code: region,
                        ..Named::default()
                    },
                    year: year.unwrap_or_default(),
                });
            }
        }
        // A refusal names the unit and the place as people know them.
        if !out.is_empty() {
            let units = self.store.units(program).await?;
            let mut places: std::collections::HashMap<(String, i32), Option<(String, String)>> =
                std::collections::HashMap::new();
            for u in &mut out {
                if let Some(row) = units.iter().find(|r| r.code == u.unit.code) {
                    u.unit.zh = row.name_zh.clone();
                    u.unit.en = row.name(twinaid_domain::Lang::En).to_string();
                }
                let key = (u.region.code.clone(), u.year);
                if !places.contains_key(&key) {
                    let names = self.names_in_year(vec![key.0.clone()], key.1, None).await?;
                    places.insert(key.clone(), names.get(&key.0).cloned());
                }
                if let Some(Some((zh, en))) = places.get(&key) {
                    (u.region.zh, u.region.en) = (zh.clone(), en.clone());
                }
            }
        }
        Ok(out)
    }
}
