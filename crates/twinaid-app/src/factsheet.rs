//! A helped county's fact sheet: its figures of a year and to date, the
//! units paired with it, and its projects of the year, as a one-page
//! document an office prints or sends.

use crate::App;
use crate::access::Actor;
use crate::error::AppError;
use crate::records::ListRequest;
use std::collections::BTreeMap;
use twinaid_domain::DomainError;
use twinaid_domain::indicator::IndicatorDefinition;
use twinaid_domain::lifecycle::Standing;
use twinaid_domain::record::{Record, RecordKind};
use twinaid_domain::region::RegionCode;

/// The projects a sheet lists by name; the rest are counted and summed.
pub const SHEET_PROJECTS: i64 = 8;

/// What a county's fact sheet says.
#[derive(Debug, Clone)]
pub struct CountySheet {
    pub program_name: (String, String),
    pub county: String,
    pub county_name: (String, String),
    pub year: i32,
    /// Each indicator with a figure for the county (not its shares by
    /// source): the year's and to date.
    pub figures: Vec<(IndicatorDefinition, i64, i64)>,
    /// The pairings that reach the county (its own, or its prefecture's).
    pub pairings: Vec<Record>,
    /// The year's counted projects, the largest first, at most `SHEET_PROJECTS`.
    pub projects: Vec<Record>,
    /// All the year's counted projects: how many, and their aid funds (fen).
    pub projects_total: i64,
    pub projects_amount: i64,
    /// Unit code → (Chinese, English) names, for the units the sheet names.
    pub unit_names: BTreeMap<String, (String, String)>,
    /// Who the sheet is by: the program's cooperation office.
    pub author: String,
}

impl App {
    /// A helped county's fact sheet for a year: what the yearbook counts
    /// for it, its pairings and its projects.
    pub async fn county_sheet(
        &self,
        actor: &Actor,
        program: &str,
        county: &str,
        year: i32,
        lang: twinaid_domain::Lang,
    ) -> Result<CountySheet, AppError> {
        let yb = self.yearbook(actor, program, year).await?;
        if !yb.region_names.contains_key(county) {
            return Err(AppError::Field(
                "region",
                DomainError::UnknownRegion(county.to_string()),
            ));
        }
        let figures = yb
            .indicators
            .iter()
            // By source is the yearbook's table; the sheet is the county's.
            .filter(|f| !f.definition.is_source_share())
            .filter_map(|f| {
                let split = f.by_county.get(county)?;
                (split.year != 0 || split.cumulative != 0)
                    .then(|| (f.definition.clone(), split.year, split.cumulative))
            })
            .collect();
        let prefecture = RegionCode::parse(county)
            .ok()
            .and_then(|c| c.parent())
            .map(|p| p.to_string());
        let every = ListRequest {
            unpaged: true,
            page: 1,
            per_page: 1,
            ..ListRequest::default()
        };
        let pairings: Vec<Record> = self
            .list_records(actor, program, RecordKind::Pairing, &every)
            .await?
            .records
            .into_iter()
            .filter(|p| {
                let helped = p.get("helped_region").as_text();
                helped == Some(county) || (helped.is_some() && helped == prefecture.as_deref())
            })
            .collect();
        let projects = self
            .list_records(
                actor,
                program,
                RecordKind::Project,
                &ListRequest {
                    year: Some(year),
                    region: Some(county.to_string()),
                    standing: Some(Standing::Counted),
                    sort: Some("amount".into()),
                    descending: true,
                    page: 1,
                    per_page: SHEET_PROJECTS,
                    ..ListRequest::default()
                },
            )
            .await?;
        let projects_amount = projects
            .sums
            .iter()
            .find(|(f, _)| *f == "amount")
            .map_or(0, |(_, v)| *v);
        let unit_names = self
            .store
            .units(program)
            .await?
            .into_iter()
            .map(|u| {
                let en = u.name(twinaid_domain::Lang::En).to_string();
                (u.code, (u.name_zh, en))
            })
            .collect();
        let (zh, en) = yb.county_names(county);
        Ok(CountySheet {
            program_name: (yb.program_name_zh.clone(), yb.program_name_en.clone()),
            county: county.to_string(),
            county_name: (zh.to_string(), en.to_string()),
            year,
            figures,
            pairings,
            projects: projects.records,
            projects_total: projects.total_rows,
            projects_amount,
            unit_names,
            author: self.document_author(program, lang).await?,
        })
    }
}
