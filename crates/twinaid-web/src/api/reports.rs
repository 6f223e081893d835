//! Programs, indicator definitions and the figures: the yearbook and the
//! pivot of one indicator.

use super::caller::Caller;
use super::error::{ApiError, Path};
use super::params::{GroupYearPath, IndicatorPath, YearPath};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A program and the regions it helps.
#[derive(Serialize, ToSchema)]
pub struct ProgramOut {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub start_year: i32,
    pub end_year: Option<i32>,
    pub helped_regions: Vec<HelpedRegionOut>,
}

/// A region a program helps.
#[derive(Serialize, ToSchema)]
pub struct HelpedRegionOut {
    /// GB/T 2260 code.
    pub region_code: String,
    /// Whether the pairing is confirmed by a source.
    pub confirmed: bool,
}

/// The programs the caller may read.
#[utoipa::path(get, path = "/programs", tag = "figures",
    responses((status = 200, description = "programs and their helped regions", body = Vec<ProgramOut>)))]
pub async fn programs(
    State(state): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<ProgramOut>>, ApiError> {
    let list = state.app.programs(&c.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| ProgramOut {
                helped_regions: p
                    .helped
                    .iter()
                    .map(|h| HelpedRegionOut {
                        region_code: h.region.to_string(),
                        confirmed: h.confirmed,
                    })
                    .collect(),
                code: p.code,
                name_zh: p.name_zh,
                name_en: p.name_en,
                start_year: p.start_year,
                end_year: p.end_year,
            })
            .collect(),
    ))
}

/// An indicator's definition.
#[derive(Serialize, ToSchema)]
pub struct IndicatorOut {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `yuan`, `count`, `people`, `person_times`, `km`, …
    pub unit: String,
    /// A stock (counted as it stands) rather than a flow (summed over years).
    pub stock: bool,
    /// How it is counted from the records.
    #[schema(value_type = Object)]
    pub rule: Value,
}

/// The indicator definitions.
#[utoipa::path(get, path = "/indicators", tag = "figures",
    responses((status = 200, description = "indicator definitions", body = Vec<IndicatorOut>)))]
pub async fn indicators(
    State(state): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<IndicatorOut>>, ApiError> {
    let defs = state.app.indicators(&c.actor).await?;
    let mut out = Vec::with_capacity(defs.len());
    for d in defs {
        out.push(IndicatorOut {
            rule: serde_json::to_value(&d.rule)
                .map_err(|e| twinaid_app::AppError::Internal(e.to_string()))?,
            unit: d.unit.code().to_string(),
            code: d.code,
            name_zh: d.name_zh,
            name_en: d.name_en,
            stock: d.stock,
        });
    }
    Ok(Json(out))
}

/// One indicator's figures of a year, in its unit (money in yuan).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FigureOut {
    name_zh: String,
    name_en: String,
    /// `yuan`, `count`, `people`, …
    unit: String,
    year: f64,
    /// Every year up to this one.
    cumulative: f64,
    previous_year: Option<f64>,
    change: Option<f64>,
    change_pct: Option<f64>,
    /// The year's records awaiting verification, not counted in `year`.
    pending: f64,
    /// What of it comes from records.
    from_records: SplitFigure,
    /// What of it comes from aggregate values (published totals).
    from_aggregates: SplitFigure,
}

/// A part of a figure: the year and cumulative.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SplitFigure {
    year: f64,
    cumulative: f64,
}

/// The yearbook of a year (its shape; made by the figures' own code).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct YearbookOut {
    program: String,
    program_name_zh: String,
    program_name_en: String,
    year: i32,
    /// Indicator code → its figures.
    indicators: BTreeMap<String, FigureOut>,
    /// County code (or `unallocated`) → its names and its indicators' figures.
    #[schema(value_type = Object)]
    by_county: Value,
    /// Source (`provincial_units`, `cities`, `social`) → indicator code → figures.
    #[schema(value_type = Object)]
    by_source: Value,
}

/// The yearbook: each indicator's year, cumulative, previous year and
/// change, by county and by source.
#[utoipa::path(get, path = "/programs/{program}/yearbook/{year}", tag = "figures", params(YearPath),
    responses((status = 200, description = "the yearbook", body = YearbookOut)))]
pub async fn yearbook(
    State(state): State<AppState>,
    c: Caller,
    uri: Uri,
    Path(p): Path<YearPath>,
) -> Result<Response, ApiError> {
    let made = async {
        let yb = state.app.yearbook(&c.actor, &p.program, p.year.0).await?;
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            yb.to_json_bytes(),
        )
            .into_response())
    };
    c.kept(&state, &p.program, &uri, made).await
}

/// A program group: programs reported as one.
#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The member programs' codes.
    pub programs: Vec<String>,
}

/// The program groups.
#[utoipa::path(get, path = "/groups", tag = "figures",
    responses((status = 200, description = "program groups and their programs", body = Vec<GroupOut>)))]
pub async fn groups(
    State(state): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<GroupOut>>, ApiError> {
    let list = state.app.groups(&c.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|g| GroupOut {
                code: g.code,
                name_zh: g.name_zh,
                name_en: g.name_en,
                programs: g.programs,
            })
            .collect(),
    ))
}

/// A group's yearbook (its shape; made by the figures' own code): a
/// program's yearbook of the group's sums and the splits by program and province.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct GroupYearbookOut {
    /// The group's code, as `group`.
    program: String,
    program_name_zh: String,
    program_name_en: String,
    year: i32,
    group: String,
    programs: Vec<String>,
    /// Indicator code → the group's figures (formulas from its sums).
    indicators: BTreeMap<String, FigureOut>,
    #[schema(value_type = Object)]
    by_county: Value,
    #[schema(value_type = Object)]
    by_source: Value,
    /// Program code → its names, helping province and its indicators' own figures.
    #[schema(value_type = Object)]
    by_program: Value,
    /// Province code (or `unallocated`) → names and indicator → year and cumulative.
    #[schema(value_type = Object)]
    by_helping_province: Value,
    #[schema(value_type = Object)]
    by_helped_province: Value,
}

/// A program group's yearbook: its programs' figures added up.
#[utoipa::path(get, path = "/groups/{group}/yearbook/{year}", tag = "figures", params(GroupYearPath),
    responses((status = 200, description = "the group's yearbook", body = GroupYearbookOut)))]
pub async fn group_yearbook(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<GroupYearPath>,
) -> Result<Response, ApiError> {
    let report = state
        .app
        .group_yearbook(&c.actor, &p.group, p.year.0)
        .await?;
    // Written once per kept report: a national one has thousands of splits.
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        report.json_bytes().to_vec(),
    )
        .into_response())
}

/// One indicator by county and year.
#[derive(Serialize, ToSchema)]
pub struct PivotOut {
    pub program: String,
    pub indicator: String,
    pub unit: String,
    /// County code (or `unallocated`) → year → value (money in yuan).
    #[schema(value_type = BTreeMap<String, BTreeMap<String, f64>>)]
    pub cells: BTreeMap<String, BTreeMap<String, Value>>,
}

/// One indicator by county and year (every year of the program), from the
/// figure summary kept current by every write.
#[utoipa::path(get, path = "/programs/{program}/pivot/{indicator}", tag = "figures", params(IndicatorPath),
    responses((status = 200, description = "cells: county → year → value", body = PivotOut)))]
pub async fn pivot(
    State(state): State<AppState>,
    c: Caller,
    uri: Uri,
    Path(p): Path<IndicatorPath>,
) -> Result<Response, ApiError> {
    let made = async {
        let Some((def, cells)) = state
            .app
            .pivot(&c.actor, &p.program, &p.indicator, false)
            .await?
        else {
            return Err(ApiError::not_found("没有这个指标", "no such indicator"));
        };
        let mut by_county: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        for (county, year, raw) in cells {
            let key = if county.is_empty() {
                "unallocated".to_string()
            } else {
                county
            };
            let value = twinaid_domain::quantity::raw_to_json(raw, def.unit);
            by_county
                .entry(key)
                .or_default()
                .insert(year.to_string(), value);
        }
        Ok(Json(PivotOut {
            program: p.program.clone(),
            indicator: def.code,
            unit: def.unit.code().to_string(),
            cells: by_county,
        })
        .into_response())
    };
    c.kept(&state, &p.program, &uri, made).await
}
