//! Year-end inspection by cross-examination: the office draws the teams, the
//! inspecting unit records findings, the inspected unit answers demands for
//! rectification, the inspector closes.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use crate::records::ListRequest;
use std::collections::{BTreeMap, BTreeSet};
use twinaid_domain::DomainError;
use twinaid_domain::crossexam::{DrawError, Inspectable, Team, draw};
use twinaid_domain::money::parse_decimal;
use twinaid_domain::record::RecordKind;
use twinaid_store::FindingChange;
pub use twinaid_store::{AttachmentRow, InspectionRow, RoundRow};

/// A finding as an inspector writes it.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    /// 0–100.
    pub rating: String,
    pub issues: String,
    /// Yuan, as written.
    pub amount_verified: String,
    pub rectification_required: bool,
}

fn own_unit(actor: &Actor) -> Option<&str> {
    match &actor.role {
        Role::HelperUnit { unit } => Some(unit),
        _ => None,
    }
}

impl App {
    /// Draws the year's inspection teams with a recorded seed; once per year.
    pub async fn draw_inspections(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        seed: u64,
    ) -> Result<usize, AppError> {
        if !actor.is_office(program) {
            return Err(AppError::Forbidden);
        }
        let all = ListRequest {
            page: 1,
            per_page: 500,
            ..ListRequest::default()
        };
        let pairings = self
            .list_records(actor, program, RecordKind::Pairing, &all)
            .await?
            .records;
        // A team is a helper unit paired with counties; the counties decide who may not inspect whom.
        let mut counties: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &pairings {
            let level = p.get("level").as_text().unwrap_or_default();
            if level == "city_county" || level == "department_county" {
                let unit = p
                    .get("helper_unit")
                    .as_text()
                    .unwrap_or_default()
                    .to_string();
                let county = p
                    .get("helped_region")
                    .as_text()
                    .unwrap_or_default()
                    .to_string();
                counties.entry(unit).or_default().insert(county);
            }
        }
        let teams: Vec<Team> = counties
            .into_iter()
            .map(|(unit, counties)| Team { unit, counties })
            .collect();
        let mut projects = Vec::new();
        for status in ["registered", "in_progress", "completed"] {
            let request = ListRequest {
                filters: vec![("status".into(), status.into())],
                year: Some(year),
                page: 1,
                per_page: 500,
                ..ListRequest::default()
            };
            for r in self
                .list_records(actor, program, RecordKind::Project, &request)
                .await?
                .records
            {
                projects.push(Inspectable {
                    project: r.code().to_string(),
                    unit: r
                        .get("helper_unit")
                        .as_text()
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        let assignments = draw(&teams, &projects, seed).map_err(|e| match e {
            DrawError::NoEligibleInspector(unit) => {
                AppError::BadRequest(DomainError::NoInspector(unit))
            }
        })?;
        let rows: Vec<(String, String, String)> = assignments
            .into_iter()
            .map(|a| (a.project, a.inspected_unit, a.inspector))
            .collect();
        let seed = i64::try_from(seed)
            .map_err(|_| AppError::Field("seed", DomainError::NotANumber(seed.to_string())))?;
        if !self
            .store
            .save_draw(program, year, seed, &rows, &actor.name)
            .await?
        {
            return Err(AppError::BadRequest(DomainError::AlreadyDrawn(year)));
        }
        Ok(rows.len())
    }

    /// The year's draw, if made, and the inspections the actor may see.
    pub async fn inspections(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<(Option<RoundRow>, Vec<InspectionRow>), AppError> {
        let unit = match &actor.role {
            Role::Expert | Role::HelpedCounty { .. } => return Err(AppError::Forbidden),
            _ if actor.works_elsewhere(program) => return Err(AppError::Forbidden),
            Role::HelperUnit { unit } => Some(unit.as_str()),
            _ => None,
        };
        Ok((
            self.store.inspection_round(program, year).await?,
            self.store.inspections(program, year, unit).await?,
        ))
    }

    async fn inspection_for(
        &self,
        program: &str,
        year: i32,
        project: &str,
    ) -> Result<InspectionRow, AppError> {
        self.store
            .inspection(program, year, project)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(DomainError::UnknownReference {
                    kind: "inspection",
                    code: project.to_string(),
                })
            })
    }

    /// The inspecting unit records (or corrects) its finding on a project, until it is closed.
    pub async fn record_finding(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        project: &str,
        finding: &Finding,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[
            ("rating", &finding.rating),
            ("issues", &finding.issues),
            ("amount_verified", &finding.amount_verified),
        ])?;
        let row = self.inspection_for(program, year, project).await?;
        if !(actor.is_office(program) || own_unit(actor) == Some(row.inspector_unit.as_str())) {
            return Err(AppError::Forbidden);
        }
        if row.closed {
            return Err(AppError::BadRequest(DomainError::InspectionClosed(
                project.to_string(),
            )));
        }
        let rating = finding
            .rating
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|r| (0..=100).contains(r))
            .ok_or_else(|| {
                AppError::Field(
                    "rating",
                    DomainError::ScoreOutOfRange(finding.rating.trim().to_string()),
                )
            })?;
        let amount = match finding.amount_verified.trim() {
            "" => None,
            text => Some(
                parse_decimal(text, 100)
                    .ok()
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| {
                        AppError::Field(
                            "amount_verified",
                            DomainError::NotANumber(text.to_string()),
                        )
                    })?,
            ),
        };
        let change = FindingChange {
            rating: Some(rating),
            issues: Some(finding.issues.trim().to_string()),
            amount_verified: amount,
            rectification_required: Some(finding.rectification_required),
            ..FindingChange::default()
        };
        Ok(self
            .store
            .change_inspection(program, year, project, &change, "finding", &actor.name)
            .await?)
    }

    /// The inspected unit answers a demand for rectification.
    pub async fn answer_rectification(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        project: &str,
        answer: &str,
    ) -> Result<(), AppError> {
        crate::error::plain_text(&[("answer", answer)])?;
        let row = self.inspection_for(program, year, project).await?;
        if !(actor.is_office(program) || own_unit(actor) == Some(row.inspected_unit.as_str())) {
            return Err(AppError::Forbidden);
        }
        if !row.rectification_required || row.closed {
            return Err(AppError::BadRequest(DomainError::NothingToAnswer(
                project.to_string(),
            )));
        }
        if answer.trim().is_empty() {
            return Err(AppError::Field("answer", DomainError::Required));
        }
        let change = FindingChange {
            rectification_answer: Some(answer.trim().to_string()),
            ..FindingChange::default()
        };
        Ok(self
            .store
            .change_inspection(
                program,
                year,
                project,
                &change,
                "rectification",
                &actor.name,
            )
            .await?)
    }

    /// The inspector closes a finding: it must exist, and a demanded rectification must be answered.
    pub async fn close_inspection(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        project: &str,
    ) -> Result<(), AppError> {
        let row = self.inspection_for(program, year, project).await?;
        if !(actor.is_office(program) || own_unit(actor) == Some(row.inspector_unit.as_str())) {
            return Err(AppError::Forbidden);
        }
        if row.rating.is_none()
            || (row.rectification_required && row.rectification_answer.is_none())
        {
            return Err(AppError::BadRequest(DomainError::NotReadyToClose(
                project.to_string(),
            )));
        }
        let change = FindingChange {
            closed: Some(true),
            ..FindingChange::default()
        };
        self.store
            .change_inspection(program, year, project, &change, "close", &actor.name)
            .await?;
        // A completed project whose inspection is closed has been inspected.
        self.store
            .move_project(program, project, "completed", "inspected", "", &actor.name)
            .await?;
        Ok(())
    }
}

/// The largest attachment accepted: a phone photo or a scanned report.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The content type of an accepted attachment, from its file name; the type a
/// browser claims is not trusted.
fn attachment_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        _ => return None,
    })
}

impl App {
    /// The inspector (or the office) attaches a photo or document to a finding, until it is closed.
    pub async fn attach_to_inspection(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        project: &str,
        filename: &str,
        data: &[u8],
    ) -> Result<i64, AppError> {
        use sha2::{Digest, Sha256};
        let row = self.inspection_for(program, year, project).await?;
        if !(actor.is_office(program) || own_unit(actor) == Some(row.inspector_unit.as_str())) {
            return Err(AppError::Forbidden);
        }
        if row.closed {
            return Err(AppError::BadRequest(DomainError::InspectionClosed(
                project.to_string(),
            )));
        }
        // Only the last path segment of a name a browser sends is the file's name.
        let filename = filename
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .trim();
        let content_type = attachment_type(filename).ok_or_else(|| {
            AppError::Field("file", DomainError::AttachmentType(filename.to_string()))
        })?;
        if data.len() > ATTACHMENT_MAX_BYTES {
            return Err(AppError::Field(
                "file",
                DomainError::AttachmentTooLarge {
                    size: data.len(),
                    max: ATTACHMENT_MAX_BYTES,
                },
            ));
        }
        if data.is_empty() {
            return Err(AppError::Field("file", DomainError::Required));
        }
        let sha256: String = Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let file = twinaid_store::NewAttachment {
            year,
            project,
            filename,
            content_type,
            sha256: &sha256,
            data,
        };
        Ok(self
            .store
            .add_attachment(program, &file, &actor.name)
            .await?)
    }

    /// The attachments of the year's inspections the actor may see (those of
    /// the inspections it sees).
    pub async fn inspection_attachments(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Vec<AttachmentRow>, AppError> {
        let (_, visible) = self.inspections(actor, program, year).await?;
        let visible: BTreeSet<String> = visible.into_iter().map(|i| i.project).collect();
        Ok(self
            .store
            .attachments(program, year)
            .await?
            .into_iter()
            .filter(|a| visible.contains(&a.project))
            .collect())
    }

    /// One attachment with its bytes, for those who see its inspection.
    pub async fn attachment(
        &self,
        actor: &Actor,
        program: &str,
        id: i64,
    ) -> Result<(AttachmentRow, Vec<u8>), AppError> {
        let not_found = || {
            AppError::NotFound(DomainError::UnknownReference {
                kind: "attachment",
                code: id.to_string(),
            })
        };
        let (row, data) = self
            .store
            .attachment(program, id)
            .await?
            .ok_or_else(not_found)?;
        let (_, visible) = match self.inspections(actor, program, row.year).await {
            Ok(v) => v,
            Err(AppError::Forbidden) => return Err(not_found()),
            Err(e) => return Err(e),
        };
        if !visible.iter().any(|i| i.project == row.project) {
            return Err(not_found());
        }
        Ok((row, data))
    }
}
