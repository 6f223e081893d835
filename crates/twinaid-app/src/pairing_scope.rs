//! Records stay inside their pairing: a helper unit (or a county) records
//! work only for the places its unit is paired with in that year. The
//! office may record work outside the pairings, with a reason that the
//! audit log keeps.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use twinaid_domain::error::{DomainError, Location, Problem};
use twinaid_domain::lifecycle::{DEFAULT_COUNTS_FROM, Standing, Status};
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

/// When a save by anyone but the office moves a project at "registered" or
/// later to another unit, place or year, the status it leaves: the project
/// goes back to "verified" and stops counting until the office registers
/// it again.
pub(crate) fn steps_back(record: &Record, before: Option<&Record>) -> Option<String> {
    let before = before?;
    if record.kind != RecordKind::Project || !placement_changed(record, Some(before)) {
        return None;
    }
    let from = before
        .get("status")
        .as_text()
        .unwrap_or(DEFAULT_COUNTS_FROM.code());
    let registered =
        Status::parse(from).is_some_and(|s| s.standing(Status::Registered) == Standing::Counted);
    registered.then(|| from.to_string())
}

/// A record outside the pairings: where it is, and the pairing it lacks.
pub(crate) struct Unpaired {
    pub location: Location,
    pub unit: String,
    pub region: String,
    pub year: i32,
}

impl Unpaired {
    /// The refusal a helper unit or county gets.
    pub(crate) fn refusal(&self) -> Problem {
        let mut location = self.location.clone();
        location.column = Some("region_code".into());
        location.value = Some(self.region.clone());
        Problem::at(
            location,
            DomainError::OutsidePairing {
                unit: self.unit.clone(),
                region: self.region.clone(),
                year: self.year,
            },
        )
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

impl App {
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
                    unit,
                    region,
                    year: year.unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }
}
