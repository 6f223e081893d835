//! Records: list (with the figure they make up), read, create, change,
//! delete; a kind's import template and imports; a project's steps.

use super::caller::Caller;
use super::error::{ApiError, Json, Path, Query};
use super::params::{ImportName, KindPath, ListParams, ProjectPath, RecordPath, kind};
use super::schema::{ProjectStatus, RecordBody, RecordOut};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use twinaid_app::{AppError, ListRequest};
use twinaid_domain::lifecycle::Status;
use twinaid_domain::record::{FieldValue, RecordKind};
use utoipa::ToSchema;

/// A page of records, with the sums of every filtered row.
#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub kind: String,
    /// Rows the filters keep, on every page.
    pub total_rows: i64,
    /// Each number field's sum over those rows (money in yuan).
    #[schema(value_type = BTreeMap<String, f64>)]
    pub sums: Map<String, Value>,
    pub page: i64,
    pub per_page: i64,
    #[schema(value_type = Vec<RecordOut>)]
    pub records: Vec<Value>,
    /// With `indicator`: the figure these records make up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<FigureParts>,
    /// The original currencies behind the rows' money (fund transactions
    /// given in another currency), one entry each; empty when all is yuan.
    pub by_currency: Vec<CurrencySumOut>,
}

/// Hundredths (fen, or cents of another currency) as a JSON number of
/// whole units, written exactly.
fn hundredths(raw: i64) -> Value {
    twinaid_domain::quantity::raw_to_json(raw, twinaid_domain::UnitOfMeasure::Yuan)
}

/// The filtered rows' money given in one other currency.
#[derive(Serialize, ToSchema)]
pub struct CurrencySumOut {
    /// ISO 4217 code.
    pub currency: String,
    pub rows: i64,
    /// The amounts as given, in the currency.
    #[schema(value_type = f64)]
    pub original_amount: Value,
    /// The yuan they count in figures (those with a rate).
    #[schema(value_type = f64)]
    pub amount: Value,
    /// How many have no yuan yet, for want of a rate.
    pub unconverted: i64,
}

/// A figure taken apart: what its records and its aggregate values give.
#[derive(Serialize, ToSchema)]
pub struct FigureParts {
    pub indicator: String,
    pub unit: String,
    #[schema(value_type = f64)]
    pub total: Value,
    #[schema(value_type = f64)]
    pub from_records: Value,
    #[schema(value_type = f64)]
    pub from_aggregates: Value,
    pub aggregate_values: Vec<AggregateOut>,
}

/// A published total counted in a figure.
#[derive(Serialize, ToSchema)]
pub struct AggregateOut {
    pub year_from: i32,
    pub year_to: i32,
    pub region_code: Option<String>,
    pub helper_unit: Option<String>,
    #[schema(value_type = f64)]
    pub value: Value,
    pub note: Option<String>,
}

/// The list's filters as the use case takes them: the typed parameters,
/// and every `f.FIELD` filter.
fn list_request(p: &ListParams, all: &BTreeMap<String, String>) -> ListRequest {
    ListRequest {
        filters: all
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("f.").map(|f| (f.to_string(), v.clone())))
            .collect(),
        year: p.year.map(|y| y.0),
        cumulative: p.cumulative.is_some_and(|f| f.0),
        region: p.region.clone().filter(|r| !r.is_empty()),
        source: p.source.map(|s| s.code().to_string()),
        indicator: p.indicator.clone().filter(|i| !i.is_empty()),
        standing: p.standing.map(|s| match s {
            super::params::StandingParam::Counted => twinaid_domain::lifecycle::Standing::Counted,
            super::params::StandingParam::Pending => twinaid_domain::lifecycle::Standing::Pending,
            super::params::StandingParam::Excluded => twinaid_domain::lifecycle::Standing::Excluded,
        }),
        search: p.q.clone().filter(|q| !q.is_empty()),
        sort: p.sort.clone().filter(|s| !s.is_empty()),
        descending: p.desc.is_some_and(|f| f.0),
        unpaged: false,
        page: i64::from(p.page.unwrap_or(1)),
        per_page: i64::from(p.per_page.unwrap_or(100)),
    }
}

/// Records of a kind, filtered, with totals of all filtered rows; with
/// `indicator`, the figure they make up.
#[utoipa::path(get, path = "/programs/{program}/records/{kind}", tag = "records",
    params(KindPath, ListParams),
    responses((status = 200, description = "a page of records", body = RecordList)))]
pub async fn list(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<KindPath>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<axum::Json<RecordList>, ApiError> {
    // A parameter given twice counts as its last value.
    let all: BTreeMap<String, String> = pairs.into_iter().collect();
    let params = ListParams::read(&all)?;
    params.check()?;
    let request = list_request(&params, &all);
    let Some(kind) = RecordKind::parse(&p.kind) else {
        return custom_list(&state, &c, &p, &request).await.map(axum::Json);
    };
    let page = state
        .app
        .list_records(&c.actor, &p.program, kind, &request)
        .await?;
    let sums = page
        .sums
        .iter()
        .filter_map(|(f, v)| {
            kind.field(f)
                .map(|spec| (f.to_string(), spec.to_json(&FieldValue::Int(*v))))
        })
        .collect();
    let figure = match request.indicator {
        Some(_) => {
            let d = state.app.drill_down(&c.actor, &p.program, &request).await?;
            let unit = d.definition.unit;
            let to = |raw: i64| twinaid_domain::quantity::raw_to_json(raw, unit);
            Some(FigureParts {
                total: to(d.total()),
                from_records: to(d.from_records),
                from_aggregates: to(d.from_aggregates),
                aggregate_values: d
                    .aggregates
                    .iter()
                    .map(|a| AggregateOut {
                        year_from: a.year_from,
                        year_to: a.year_to,
                        region_code: a.region_code.clone(),
                        helper_unit: a.helper_unit.clone(),
                        value: to(a.value),
                        note: a.note.clone(),
                    })
                    .collect(),
                unit: unit.code().to_string(),
                indicator: d.definition.code,
            })
        }
        None => None,
    };
    Ok(axum::Json(RecordList {
        kind: kind.code().to_string(),
        total_rows: page.total_rows,
        sums,
        page: request.page.max(1),
        per_page: request.per_page.clamp(1, 500),
        records: {
            let fields = state.app.catalog().await?.fields(kind);
            page.records.iter().map(|r| r.to_json_in(&fields)).collect()
        },
        figure,
        by_currency: page
            .by_currency
            .iter()
            .map(|c| CurrencySumOut {
                currency: c.currency.clone(),
                rows: c.rows,
                original_amount: hundredths(c.original),
                amount: hundredths(c.yuan),
                unconverted: c.unconverted,
            })
            .collect(),
    }))
}

/// One record.
#[utoipa::path(get, path = "/programs/{program}/records/{kind}/{code}", tag = "records",
    params(RecordPath),
    responses((status = 200, description = "the record", body = RecordOut)))]
pub async fn get_one(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<RecordPath>,
) -> Result<axum::Json<Value>, ApiError> {
    let Some(kind) = RecordKind::parse(&p.kind) else {
        let own = custom_fields(&state, &c, &p.kind).await?;
        let record = state
            .app
            .custom_record(&c.actor, &p.program, &p.kind, &p.code)
            .await?;
        return Ok(axum::Json(record.to_json_in(&own)));
    };
    let record = state
        .app
        .record(&c.actor, &p.program, kind, &p.code)
        .await?;
    let fields = state.app.catalog().await?.fields(record.kind);
    Ok(axum::Json(record.to_json_in(&fields)))
}

/// The own fields of the added kind a path names; else 404 as for any kind.
async fn custom_fields(
    state: &AppState,
    c: &Caller,
    code: &str,
) -> Result<Vec<twinaid_domain::record::FieldSpec>, ApiError> {
    match state.app.custom_kind(&c.actor, code).await {
        Ok((_, own)) => Ok(own),
        Err(AppError::NotFound(_)) => {
            Err(ApiError::not_found("没有这种记录", "no such record kind"))
        }
        Err(e) => Err(e.into()),
    }
}

/// A body for an added kind as form cells: its common fields and its own.
fn custom_cells(
    own: &[twinaid_domain::record::FieldSpec],
    body: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, AppError> {
    let fields: Vec<_> = twinaid_domain::custom::common_fields()
        .into_iter()
        .chain(own.iter().copied())
        .collect();
    cells(&fields, body)
}

/// A page of an added kind's records; with `indicator`, the figure they
/// make up (an added kind has no aggregate values: its records are all of it).
async fn custom_list(
    state: &AppState,
    c: &Caller,
    p: &KindPath,
    request: &ListRequest,
) -> Result<RecordList, ApiError> {
    let own = custom_fields(state, c, &p.kind).await?;
    let page = state
        .app
        .list_custom_records(&c.actor, &p.program, &p.kind, request)
        .await?;
    let spec = |name: &str| own.iter().find(|f| f.name == name);
    let sums = page
        .sums
        .iter()
        .filter_map(|(f, v)| spec(f).map(|s| (f.clone(), s.to_json(&FieldValue::Int(*v)))))
        .collect();
    let figure = match &request.indicator {
        Some(code) => {
            let def = state
                .app
                .indicators(&c.actor)
                .await?
                .into_iter()
                .find(|d| &d.code == code)
                .ok_or_else(|| {
                    ApiError::from(AppError::NotFound(
                        twinaid_domain::DomainError::UnknownIndicator(code.clone()),
                    ))
                })?;
            let raw = match def
                .parts()
                .iter()
                .find(|part| part.kind == p.kind)
                .map(|part| &part.measure)
            {
                Some(twinaid_domain::indicator::Measure::Sum(field)) => page
                    .sums
                    .iter()
                    .find(|(n, _)| n == field)
                    .map_or(0, |(_, v)| *v),
                // A distinct count's records give it their different values.
                _ => page.distinct.unwrap_or(page.total_rows),
            };
            let to = |raw: i64| twinaid_domain::quantity::raw_to_json(raw, def.unit);
            Some(FigureParts {
                total: to(raw),
                from_records: to(raw),
                from_aggregates: to(0),
                aggregate_values: Vec::new(),
                unit: def.unit.code().to_string(),
                indicator: def.code.clone(),
            })
        }
        None => None,
    };
    Ok(RecordList {
        kind: p.kind.clone(),
        total_rows: page.total_rows,
        sums,
        page: request.page.max(1),
        per_page: request.per_page.clamp(1, 500),
        records: page.records.iter().map(|r| r.to_json_in(&own)).collect(),
        figure,
        by_currency: Vec::new(),
    })
}

/// A JSON object of written values (money in yuan) as form cells; a list
/// or an object where a value belongs is refused on its field.
fn cells(
    fields: &[twinaid_domain::record::FieldSpec],
    body: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, AppError> {
    let known = |name: &str| WRITE_NOTES.contains(&name) || fields.iter().any(|f| f.name == name);
    let unknown: Vec<twinaid_domain::error::Problem> = body
        .keys()
        .filter(|k| !known(k))
        .map(|k| {
            twinaid_domain::error::Problem::at(
                twinaid_domain::error::Location {
                    column: Some(k.clone()),
                    ..Default::default()
                },
                twinaid_domain::DomainError::UnknownField(k.clone()),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Invalid(unknown));
    }
    let mut out = BTreeMap::new();
    for (k, v) in body {
        let text = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
            Value::Number(n) => super::params::number_text(n),
            Value::Array(_) | Value::Object(_) => {
                return Err(AppError::Invalid(vec![twinaid_domain::error::Problem::at(
                    twinaid_domain::error::Location {
                        column: Some(k.clone()),
                        ..Default::default()
                    },
                    twinaid_domain::DomainError::NotSingleValue,
                )]));
            }
        };
        out.insert(k.clone(), text);
    }
    Ok(out)
}

/// What a write may say beside a kind's fields (the record schemas list them too).
pub(crate) const WRITE_NOTES: [&str; 2] = ["correction_reason", "unpaired_reason"];

/// Create a record of the kind; its code may not be taken.
#[utoipa::path(post, path = "/programs/{program}/records/{kind}", tag = "records",
    params(KindPath), request_body = RecordBody,
    responses((status = 201, description = "created", body = RecordOut)))]
pub async fn create(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<KindPath>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let Some(kind) = RecordKind::parse(&p.kind) else {
        let own = custom_fields(&state, &c, &p.kind).await?;
        let record = state
            .app
            .save_custom_record(
                &c.actor,
                &p.program,
                &p.kind,
                &custom_cells(&own, &body)?,
                None,
            )
            .await?;
        return Ok((StatusCode::CREATED, axum::Json(record.to_json_in(&own))).into_response());
    };
    let fields = state.app.catalog().await?.fields(kind);
    let record = state
        .app
        .save_record(&c.actor, &p.program, kind, &cells(&fields, &body)?, None)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(record.to_json_in(&fields))).into_response())
}

/// Change a record (its code stays).
#[utoipa::path(put, path = "/programs/{program}/records/{kind}/{code}", tag = "records",
    params(RecordPath), request_body = RecordBody,
    responses((status = 200, description = "changed", body = RecordOut)))]
pub async fn update(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<RecordPath>,
    Json(body): Json<Map<String, Value>>,
) -> Result<axum::Json<Value>, ApiError> {
    let Some(kind) = RecordKind::parse(&p.kind) else {
        let own = custom_fields(&state, &c, &p.kind).await?;
        let record = state
            .app
            .save_custom_record(
                &c.actor,
                &p.program,
                &p.kind,
                &custom_cells(&own, &body)?,
                Some(&p.code),
            )
            .await?;
        return Ok(axum::Json(record.to_json_in(&own)));
    };
    let fields = state.app.catalog().await?.fields(kind);
    let record = state
        .app
        .save_record(
            &c.actor,
            &p.program,
            kind,
            &cells(&fields, &body)?,
            Some(&p.code),
        )
        .await?;
    Ok(axum::Json(record.to_json_in(&fields)))
}

/// Delete a record nothing refers to.
#[utoipa::path(delete, path = "/programs/{program}/records/{kind}/{code}", tag = "records",
    params(RecordPath),
    responses((status = 204, description = "deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<RecordPath>,
) -> Result<StatusCode, ApiError> {
    match RecordKind::parse(&p.kind) {
        Some(kind) => {
            state
                .app
                .delete_record(&c.actor, &p.program, kind, &p.code)
                .await?
        }
        None => {
            custom_fields(&state, &c, &p.kind).await?;
            state
                .app
                .delete_custom_record(&c.actor, &p.program, &p.kind, &p.code)
                .await?
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The Excel import template of a kind: bilingual headers, a notes sheet,
/// drop-down lists of the program's codes, example rows (skipped on import).
#[utoipa::path(get, path = "/programs/{program}/records/{kind}/template.xlsx", tag = "records",
    params(KindPath),
    responses((status = 200, description = "the .xlsx file",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn template(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<KindPath>,
) -> Result<Response, ApiError> {
    let kind = kind(&p.kind)?;
    let choices = state
        .app
        .template_choices(&c.actor, &p.program, c.lang)
        .await?;
    let lists = twinaid_exchange::workbook::TemplateLists {
        regions: choices.regions,
        helper_units: choices.helper_units,
        helped_units: choices.helped_units,
        example_year: choices.year,
        catalog: choices.catalog,
    };
    let bytes = twinaid_exchange::workbook::template(kind, &lists, c.lang)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::view::file_response(
        &format!("{}.xlsx", kind.code()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// Rows read (example rows not counted).
    pub rows: usize,
    /// The template's example rows, left out.
    pub examples_skipped: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// For an IATI activity file: the fund transactions and what was
    /// converted, matched and skipped (the counts above are its projects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iati: Option<IatiOut>,
}

/// Import a filled-in sheet (.xlsx, .xls, .ods or .csv in UTF-8/GB18030),
/// or an IATI activity file (.xml: projects with their fund transactions,
/// whatever the kind in the path): the body is the file, `filename` its
/// name. The whole file is checked first; nothing is written unless every
/// row is right; a stored code is updated, not duplicated.
#[utoipa::path(post, path = "/programs/{program}/records/{kind}/import", tag = "records",
    params(KindPath, ImportName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"),
    responses((status = 200, description = "written", body = ImportOut)))]
pub async fn import(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<KindPath>,
    Query(q): Query<ImportName>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<axum::Json<ImportOut>, ApiError> {
    let kind = kind(&p.kind)?;
    let max = state.limits.upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            twinaid_domain::DomainError::UploadTooLarge { max }.message(c.lang),
        )
    };
    // A body that says it is too large is refused before it is read.
    if crate::pages::files::declared_over(&headers, max) {
        return Err(too_large());
    }
    // The turn first: an import past the limit is refused before its body is read.
    let _turn = state.import_turn().await?;
    let body = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large())?;
    let name = q.filename.unwrap_or_else(|| format!("{}.csv", kind.code()));
    let outcome = twinaid_exchange::importing::import_file(
        &state.app,
        &c.actor,
        &p.program,
        twinaid_exchange::importing::FileImport {
            name,
            bytes: body.to_vec(),
            kind: Some(kind),
            limits: state.limits.read,
            helper_unit: q.helper_unit,
            region: q.region,
            copy_in: None,
        },
        &|_| {},
    )
    .await?;
    let done = outcome.map_err(|refused| AppError::Invalid(refused.problems))?;
    let counts = |k: twinaid_domain::record::RecordKind| {
        done.summary
            .counts
            .get(k.code())
            .copied()
            .unwrap_or_default()
    };
    let (created, updated, unchanged) = counts(done.kind);
    Ok(axum::Json(ImportOut {
        rows: done.rows,
        examples_skipped: done.examples,
        created,
        updated,
        unchanged,
        iati: done.iati.map(|iati| {
            let (created, updated, unchanged) =
                counts(twinaid_domain::record::RecordKind::FundTransaction);
            IatiOut::new(iati, [created, updated, unchanged], c.lang)
        }),
    }))
}

/// What an IATI file gave besides its projects.
#[derive(Serialize, ToSchema)]
pub struct IatiOut {
    pub activities: usize,
    /// Fund transactions added, updated and unchanged.
    pub fund_transactions_created: usize,
    pub fund_transactions_updated: usize,
    pub fund_transactions_unchanged: usize,
    /// Money kept, per currency and transaction kind.
    pub totals: Vec<IatiTotalOut>,
    /// Amounts kept without yuan for want of a rate.
    pub unconverted: Vec<String>,
    /// What was left out, and why.
    pub skipped: Vec<IatiSkipOut>,
    /// Organisations (as written) that are no unit of the program, with the
    /// activities recorded under the helper unit given instead.
    pub unmatched_organisations: std::collections::BTreeMap<String, usize>,
    /// Locations (as written) that are no place of the program, with the
    /// activities recorded in the region given instead.
    pub unmatched_locations: std::collections::BTreeMap<String, usize>,
}

/// The money of one currency and kind in an IATI file, as kept.
#[derive(Serialize, ToSchema)]
pub struct IatiTotalOut {
    pub currency: String,
    pub kind: String,
    pub transactions: usize,
    /// The values as written, in the currency.
    #[schema(value_type = f64)]
    pub original: Value,
    /// In yuan, those converted.
    #[schema(value_type = f64)]
    pub yuan: Value,
    /// How many have no rate yet.
    pub unconverted: usize,
}

/// Something an IATI import left out.
#[derive(Serialize, ToSchema)]
pub struct IatiSkipOut {
    pub activity: String,
    pub element: String,
    pub reason: String,
}

impl IatiOut {
    fn new(
        iati: twinaid_exchange::importing::IatiImport,
        [created, updated, unchanged]: [usize; 3],
        lang: twinaid_domain::Lang,
    ) -> IatiOut {
        let report = iati.report;
        IatiOut {
            activities: iati.activities,
            fund_transactions_created: created,
            fund_transactions_updated: updated,
            fund_transactions_unchanged: unchanged,
            totals: report
                .totals
                .into_iter()
                .map(|((currency, kind), t)| IatiTotalOut {
                    currency,
                    kind,
                    transactions: t.transactions,
                    original: hundredths(t.original),
                    yuan: hundredths(t.yuan),
                    unconverted: t.unconverted,
                })
                .collect(),
            unconverted: report.unconverted,
            skipped: report
                .skipped
                .into_iter()
                .map(|s| IatiSkipOut {
                    reason: s.reason.text(lang),
                    activity: s.activity,
                    element: s.element,
                })
                .collect(),
            unmatched_organisations: report.unmatched_organisations,
            unmatched_locations: report.unmatched_locations,
        }
    }
}

/// A project's status and what may happen to it.
#[derive(Serialize, ToSchema)]
pub struct StepsOut {
    pub code: String,
    #[schema(value_type = ProjectStatus)]
    pub status: &'static str,
    /// The statuses the caller may move it to.
    #[schema(value_type = Vec<ProjectStatus>)]
    pub next: Vec<&'static str>,
    /// The verification checks of a proposed project.
    pub checks: Vec<CheckOut>,
    pub history: Vec<TransitionOut>,
}

/// A verification check.
#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    pub passed: bool,
    /// A failed blocking check stops verification; others warn.
    pub blocking: bool,
    pub message: String,
}

/// A step a project took.
#[derive(Serialize, ToSchema)]
pub struct TransitionOut {
    pub from: String,
    pub to: String,
    pub actor: String,
    pub at: String,
    pub reason: Option<String>,
}

/// A project's status, the steps the caller may take, verification checks
/// and history.
#[utoipa::path(get, path = "/programs/{program}/projects/{code}/steps", tag = "records",
    params(ProjectPath),
    responses((status = 200, description = "where the project stands", body = StepsOut)))]
pub async fn steps(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<ProjectPath>,
) -> Result<axum::Json<StepsOut>, ApiError> {
    let s = state
        .app
        .project_steps(&c.actor, &p.program, &p.code)
        .await?;
    Ok(axum::Json(StepsOut {
        code: p.code,
        status: s.status.code(),
        next: s.next.iter().map(|x| x.code()).collect(),
        checks: s
            .checks
            .iter()
            .map(|k| CheckOut {
                passed: k.passed,
                blocking: k.blocking,
                message: k.message(c.lang),
            })
            .collect(),
        history: s
            .history
            .into_iter()
            .map(|t| TransitionOut {
                from: t.from_status,
                to: t.to_status,
                actor: t.actor,
                at: t.at,
                reason: t.reason,
            })
            .collect(),
    }))
}

/// A step to take.
#[derive(Deserialize, ToSchema)]
pub struct StepIn {
    /// The status to move to.
    #[schema(value_type = ProjectStatus)]
    pub to: String,
    /// Why: required to return or cancel.
    #[serde(default)]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub reason: Option<String>,
}

/// A project's new status and what may follow.
#[derive(Serialize, ToSchema)]
pub struct MovedOut {
    pub code: String,
    #[schema(value_type = ProjectStatus)]
    pub status: &'static str,
    #[schema(value_type = Vec<ProjectStatus>)]
    pub next: Vec<&'static str>,
}

/// Take a step: `{"to": "verified"}` (a reason is required to return or cancel).
#[utoipa::path(post, path = "/programs/{program}/projects/{code}/steps", tag = "records",
    params(ProjectPath), request_body = StepIn,
    responses((status = 200, description = "moved", body = MovedOut)))]
pub async fn step(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<ProjectPath>,
    Json(body): Json<StepIn>,
) -> Result<axum::Json<MovedOut>, ApiError> {
    let reason = body.reason.unwrap_or_default();
    let status: Status = state
        .app
        .move_project(&c.actor, &p.program, &p.code, &body.to, &reason)
        .await?;
    let steps = state
        .app
        .project_steps(&c.actor, &p.program, &p.code)
        .await?;
    Ok(axum::Json(MovedOut {
        code: p.code,
        status: status.code(),
        next: steps.next.iter().map(|s| s.code()).collect(),
    }))
}
