//! The yearly cycle: guidance, plans, inspections and their attachments,
//! expert scores, satisfaction and the assessment.

use super::caller::Caller;
use super::error::{ApiError, Json, Path, Query};
use super::params::{
    AttachmentPath, ExpertUnitPath, FileName, GroupPath, InspectionAction, InspectionActionPath,
    InspectionPath, PlanPath, PlanStep, PlanStepPath, ProgramPath, YearPath,
};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use twinaid_domain::Lang;
use utoipa::ToSchema;

/// A decimal number, written as a JSON number or as text (`"1,234.5"`).
#[derive(Debug, Clone, Default)]
pub struct Decimal(pub String);

/// A number, or a number written as text; with `blank`, also blank text.
fn decimal(blank: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    let number = "[-+]?[0-9][0-9,]*(\\.[0-9]+)?";
    let pattern = if blank {
        format!("^({number})?$")
    } else {
        format!("^{number}$")
    };
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        )
        .description(Some(
            "a number, or a number written as text (`\"1,234.5\"`)",
        ))
        .into()
}

impl utoipa::PartialSchema for Decimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal(false)
    }
}

super::schema::named_schema!(
    /// A [`Decimal`] that may be left blank.
    DecimalOrBlank, "DecimalOrBlank", {
    decimal(true)
    }
);

impl ToSchema for Decimal {
    fn name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(Decimal(super::params::number_text(&n))),
            Value::String(s) => Ok(Decimal(s)),
            Value::Null => Ok(Decimal(String::new())),
            other => Err(serde::de::Error::custom(
                match crate::error::request_lang() {
                    Lang::Zh => format!("{other} 不是数字"),
                    Lang::En => format!("{other} is not a number"),
                },
            )),
        }
    }
}

/// The years a record may have, as text.
const YEAR_PATTERN: &str = "(1949|19[5-9][0-9]|20[0-9][0-9]|2100)";

/// A year written as a number (`2010`) or as text (`"2010"`), or — when
/// `blank` — left blank.
fn year_text(blank: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use twinaid_domain::record::{FIRST_YEAR, LAST_YEAR};
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    let pattern = if blank {
        format!("^({YEAR_PATTERN})?$")
    } else {
        format!("^{YEAR_PATTERN}$")
    };
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(FIRST_YEAR))
                .maximum(Some(LAST_YEAR)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        )
        .into()
}

super::schema::named_schema!(
    /// A year written as a number (`2010`) or as text (`"2010"`).
    YearText, "YearText", {
    year_text(false)
    }
);

super::schema::named_schema!(
    /// A year as [`YearText`], or blank for none.
    YearOrBlank, "YearOrBlank", {
    year_text(true)
    }
);

/// A year's draw and the inspections the caller may see.
#[derive(Serialize, ToSchema)]
pub struct InspectionsOut {
    pub year: i32,
    pub draw: Option<DrawOut>,
    pub inspections: Vec<InspectionOut>,
}

/// A recorded draw of inspection teams.
#[derive(Serialize, ToSchema)]
pub struct DrawOut {
    pub seed: i64,
    pub drawn_by: String,
    pub drawn_at: String,
}

/// One project's inspection.
#[derive(Serialize, ToSchema)]
pub struct InspectionOut {
    pub project: String,
    pub inspected_unit: String,
    pub inspector_unit: String,
    /// 0–100.
    pub rating: Option<i64>,
    pub issues: Option<String>,
    /// Yuan.
    pub amount_verified: Option<f64>,
    pub rectification_required: bool,
    pub rectification_answer: Option<String>,
    pub closed: bool,
}

/// The year's cross-examination draw and the inspections the caller may see.
#[utoipa::path(get, path = "/programs/{program}/inspections/{year}", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the draw and the inspections", body = InspectionsOut)))]
pub async fn inspections(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<InspectionsOut>, ApiError> {
    let (round, rows) = state
        .app
        .inspections(&c.actor, &p.program, p.year.0)
        .await?;
    Ok(axum::Json(InspectionsOut {
        year: p.year.0,
        draw: round.map(|r| DrawOut {
            seed: r.seed,
            drawn_by: r.drawn_by,
            drawn_at: r.drawn_at,
        }),
        inspections: rows
            .into_iter()
            .map(|r| InspectionOut {
                amount_verified: r.amount_verified.map(|f| f as f64 / 100.0),
                project: r.project,
                inspected_unit: r.inspected_unit,
                inspector_unit: r.inspector_unit,
                rating: r.rating,
                issues: r.issues,
                rectification_required: r.rectification_required,
                rectification_answer: r.rectification_answer,
                closed: r.closed,
            })
            .collect(),
    }))
}

/// How to draw.
#[derive(Deserialize, ToSchema, Default)]
pub struct DrawIn {
    /// The seed of the draw, so anyone can repeat it (default: the year).
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    #[serde(default, deserialize_with = "super::params::whole")]
    pub seed: Option<u32>,
}

/// What a draw made.
#[derive(Serialize, ToSchema)]
pub struct DrawnOut {
    pub year: i32,
    pub seed: u64,
    /// Inspections assigned.
    pub assignments: usize,
}

/// Draw the inspection teams (the office, once a year).
#[utoipa::path(post, path = "/programs/{program}/inspections/{year}/draw", tag = "cycle",
    params(YearPath), request_body = DrawIn,
    responses((status = 201, description = "drawn", body = DrawnOut)))]
pub async fn draw(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
    Json(body): Json<DrawIn>,
) -> Result<Response, ApiError> {
    let year = p.year.0;
    let seed = body
        .seed
        .map_or_else(|| u64::try_from(year).unwrap_or_default(), u64::from);
    let n = state
        .app
        .draw_inspections(&c.actor, &p.program, year, seed)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DrawnOut {
            year,
            seed,
            assignments: n,
        }),
    )
        .into_response())
}

/// A finding (the inspector), an answer (the inspected unit), or nothing
/// (closing).
#[derive(Deserialize, ToSchema, Default)]
pub struct InspectionIn {
    /// `finding`: 0–100.
    #[schema(minimum = 0, maximum = 100)]
    #[serde(default, deserialize_with = "super::params::whole")]
    pub rating: Option<u8>,
    /// `finding`: the issues found.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub issues: Option<String>,
    /// `finding`: yuan the inspector verified.
    #[schema(value_type = Option<DecimalOrBlank>)]
    pub amount_verified: Option<Decimal>,
    /// `finding`: whether the unit must rectify.
    pub rectification_required: Option<bool>,
    /// `answer`: how the unit rectified.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub answer: Option<String>,
}

/// `finding` (the inspector: rating, issues, amount_verified,
/// rectification_required), `answer` (the inspected unit: answer), `close`
/// (the inspector).
#[utoipa::path(post, path = "/programs/{program}/inspections/{year}/{project}/{action}", tag = "cycle",
    params(InspectionActionPath), request_body = InspectionIn,
    responses((status = 204, description = "done")))]
pub async fn inspection_action(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<InspectionActionPath>,
    Json(body): Json<InspectionIn>,
) -> Result<StatusCode, ApiError> {
    let app = &state.app;
    let (program, year, project) = (&p.program, p.year.0, &p.project);
    match InspectionAction::parse(&p.action)? {
        InspectionAction::Finding => {
            let finding = twinaid_app::Finding {
                rating: body.rating.map(|r| r.to_string()).unwrap_or_default(),
                issues: body.issues.unwrap_or_default(),
                amount_verified: body.amount_verified.unwrap_or_default().0,
                rectification_required: body.rectification_required.unwrap_or(false),
            };
            app.record_finding(&c.actor, program, year, project, &finding)
                .await?
        }
        InspectionAction::Answer => {
            let answer = body.answer.unwrap_or_default();
            app.answer_rectification(&c.actor, program, year, project, &answer)
                .await?
        }
        InspectionAction::Close => {
            app.close_inspection(&c.actor, program, year, project)
                .await?
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// An attachment, without its bytes.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub project: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// Photos and documents attached to the year's findings the caller may see.
#[utoipa::path(get, path = "/programs/{program}/inspections/{year}/attachments", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the attachments", body = Vec<AttachmentOut>)))]
pub async fn attachments(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<Vec<AttachmentOut>>, ApiError> {
    let rows = state
        .app
        .inspection_attachments(&c.actor, &p.program, p.year.0)
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|a| AttachmentOut {
                id: a.id,
                project: a.project,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
                uploaded_by: a.uploaded_by,
                uploaded_at: a.uploaded_at,
            })
            .collect(),
    ))
}

/// A new attachment's number.
#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

/// The inspector attaches a file to a finding: the body is the file's
/// bytes, `filename` its name (jpg, png, webp, pdf, doc, docx, xls, xlsx,
/// odt, ods; at most 10 MB).
#[utoipa::path(post, path = "/programs/{program}/inspections/{year}/{project}/attachments", tag = "cycle",
    params(InspectionPath, FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"),
    responses((status = 201, description = "attached", body = CreatedId)))]
pub async fn attachment_upload(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<InspectionPath>,
    Query(q): Query<FileName>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let id = state
        .app
        .attach_to_inspection(
            &c.actor,
            &p.program,
            p.year.0,
            &p.project,
            &q.filename,
            &body,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(CreatedId { id })).into_response())
}

/// Download an attachment (to those who see its inspection).
#[utoipa::path(get, path = "/programs/{program}/attachments/{id}", tag = "cycle",
    params(AttachmentPath),
    responses((status = 200, description = "the file", content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn attachment_download(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<AttachmentPath>,
) -> Result<Response, ApiError> {
    let (row, data) = state.app.attachment(&c.actor, &p.program, p.id).await?;
    Ok(crate::view::file_response(
        &row.filename,
        &row.content_type,
        data,
    ))
}

/// An issued guidance.
#[derive(Serialize, ToSchema)]
pub struct GuidanceOut {
    pub version: i64,
    pub issued_by: String,
    pub issued_at: String,
    /// Title, years, priorities, tasks, indicators with weights, cap,
    /// weights, bands and the experts' rubric.
    #[schema(value_type = Object)]
    pub guidance: Value,
}

/// The guidance in force for a year.
#[utoipa::path(get, path = "/programs/{program}/guidance/{year}", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the guidance", body = GuidanceOut)))]
pub async fn guidance_get(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<GuidanceOut>, ApiError> {
    let Some((row, g)) = state
        .app
        .guidance_for(&c.actor, &p.program, p.year.0)
        .await?
    else {
        return Err(
            twinaid_app::AppError::NotFound(twinaid_domain::DomainError::NoGuidance(p.year.0))
                .into(),
        );
    };
    Ok(axum::Json(GuidanceOut {
        version: row.version,
        issued_by: row.issued_by,
        issued_at: row.issued_at,
        guidance: serde_json::to_value(&g)
            .map_err(|e| twinaid_app::AppError::Internal(e.to_string()))?,
    }))
}

/// A guidance to issue, as its form is written: lists one item a line,
/// `code = weight` lines for indicators and the rubric.
#[derive(Deserialize, ToSchema)]
pub struct GuidanceIn {
    /// `guidance` (default) or `outline`.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub kind: Option<String>,
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub title: String,
    /// The first year it covers, e.g. `2010`.
    #[schema(value_type = YearText)]
    pub year_from: Decimal,
    /// The last year, or none.
    #[schema(value_type = Option<YearOrBlank>)]
    pub year_to: Option<Decimal>,
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub priorities: Option<String>,
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub tasks: Option<String>,
    /// `code = weight` lines.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub indicators: Option<String>,
    /// The capped-linear formula's cap, e.g. `1`.
    #[schema(value_type = Option<DecimalOrBlank>)]
    pub cap: Option<Decimal>,
    /// Statistics, cross-examination and experts, e.g. `"0.6, 0.2, 0.2"`.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub weights: Option<String>,
    /// Lowest totals of 好, 较好, 一般, e.g. `"90, 75, 60"`.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub bands: Option<String>,
    /// `item = weight` lines.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub rubric: Option<String>,
    /// The step from which projects count.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub counts_from: Option<String>,
}

/// A new version's number.
#[derive(Serialize, ToSchema)]
pub struct IssuedOut {
    pub version: i64,
}

/// Issue a new version of the guidance (the office).
#[utoipa::path(post, path = "/programs/{program}/guidance", tag = "cycle",
    params(ProgramPath), request_body = GuidanceIn,
    responses((status = 201, description = "issued", body = IssuedOut)))]
pub async fn guidance_issue(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<ProgramPath>,
    Json(b): Json<GuidanceIn>,
) -> Result<Response, ApiError> {
    let version = state
        .app
        .issue_guidance(&c.actor, &p.program, &guidance_form(b))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(IssuedOut { version })).into_response())
}

/// A program's version of a national guidance.
#[derive(Serialize, ToSchema)]
pub struct IssuedToOut {
    pub program: String,
    pub version: i64,
}

/// Issue national guidance: the same guidance, as a new version, to every
/// program of the group (its national office). Each program's is checked
/// first: a refusal in one issues none.
#[utoipa::path(post, path = "/groups/{group}/guidance", tag = "cycle",
    params(GroupPath), request_body = GuidanceIn,
    responses((status = 201, description = "issued to each program", body = Vec<IssuedToOut>)))]
pub async fn group_guidance_issue(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<GroupPath>,
    Json(b): Json<GuidanceIn>,
) -> Result<Response, ApiError> {
    let issued = state
        .app
        .issue_group_guidance(&c.actor, &p.group, &guidance_form(b))
        .await?;
    let out: Vec<IssuedToOut> = issued
        .into_iter()
        .map(|(program, version)| IssuedToOut { program, version })
        .collect();
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

/// A guidance as the API writes it, as its form is filled in.
fn guidance_form(b: GuidanceIn) -> twinaid_domain::guidance::GuidanceForm {
    twinaid_domain::guidance::GuidanceForm {
        kind: b.kind.unwrap_or_default(),
        title: b.title,
        year_from: b.year_from.0,
        year_to: b.year_to.unwrap_or_default().0,
        priorities: b.priorities.unwrap_or_default(),
        tasks: b.tasks.unwrap_or_default(),
        indicators: b.indicators.unwrap_or_default(),
        cap: b.cap.unwrap_or_default().0,
        weights: b.weights.unwrap_or_default(),
        bands: b.bands.unwrap_or_default(),
        rubric: b.rubric.unwrap_or_default(),
        counts_from: b.counts_from.unwrap_or_default(),
    }
}

/// A helper unit's annual plan.
#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    pub unit: String,
    pub year: i32,
    /// `draft`, `submitted`, `approved`, `returned`.
    pub status: String,
    pub revision: i64,
    pub comment: Option<String>,
    pub targets: Vec<TargetOut>,
    pub revisions: Vec<RevisionOut>,
}

/// A plan's target.
#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    pub key: String,
    pub indicator: String,
    pub region_code: Option<String>,
    /// In the indicator's stored scale (fen for money).
    pub target_raw: i64,
}

/// A revision of an approved plan.
#[derive(Serialize, ToSchema)]
pub struct RevisionOut {
    pub revision: i64,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A helper unit's annual plan: status, targets, revisions.
#[utoipa::path(get, path = "/programs/{program}/plans/{unit}/{year}", tag = "cycle",
    params(PlanPath),
    responses((status = 200, description = "the plan", body = PlanOut)))]
pub async fn plan_get(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<PlanPath>,
) -> Result<axum::Json<PlanOut>, ApiError> {
    let plan = state
        .app
        .plan(&c.actor, &p.program, &p.unit, p.year.0)
        .await?;
    Ok(axum::Json(PlanOut {
        unit: plan.unit,
        year: plan.year,
        status: plan.status,
        revision: plan.revision,
        comment: plan.comment,
        targets: plan
            .targets
            .into_iter()
            .map(|(key, indicator, region_code, target_raw)| TargetOut {
                key,
                indicator,
                region_code,
                target_raw,
            })
            .collect(),
        revisions: plan
            .revisions
            .into_iter()
            .map(|(revision, reason, by, at)| RevisionOut {
                revision,
                reason,
                by,
                at,
            })
            .collect(),
    }))
}

/// A target of a draft plan.
#[derive(Deserialize, ToSchema)]
pub struct TargetIn {
    /// The indicator's code.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub indicator: String,
    /// A helped county's code, or none for the whole program.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub region_code: Option<String>,
    /// In the indicator's unit (yuan for money).
    pub target: Decimal,
}

/// Set a target of a draft plan.
#[utoipa::path(post, path = "/programs/{program}/plans/{unit}/{year}/targets", tag = "cycle",
    params(PlanPath), request_body = TargetIn,
    responses((status = 204, description = "set")))]
pub async fn plan_target(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<PlanPath>,
    Json(b): Json<TargetIn>,
) -> Result<StatusCode, ApiError> {
    let region = b.region_code.unwrap_or_default();
    let input = twinaid_app::TargetInput {
        indicator: &b.indicator,
        region: &region,
        value: &b.target.0,
    };
    state
        .app
        .set_target(&c.actor, &p.program, &p.unit, p.year.0, &input)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A comment on a plan's step: why it is returned or revised.
#[derive(Deserialize, ToSchema, Default)]
pub struct CommentIn {
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub comment: Option<String>,
}

/// `submit` (the unit), `approve` / `return` (the office; a comment to
/// return), `revise` (the unit, with its reason as comment).
#[utoipa::path(post, path = "/programs/{program}/plans/{unit}/{year}/{step}", tag = "cycle",
    params(PlanStepPath), request_body = CommentIn,
    responses((status = 204, description = "done")))]
pub async fn plan_step(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<PlanStepPath>,
    Json(b): Json<CommentIn>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .plan_step(
            &c.actor,
            &p.program,
            &p.unit,
            p.year.0,
            PlanStep::parse(&p.step)?.code(),
            &b.comment.unwrap_or_default(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An expert's assignment and the scores once submitted.
#[derive(Serialize, ToSchema)]
pub struct ExpertOut {
    pub expert: String,
    pub unit: String,
    /// Rubric item → score.
    #[schema(value_type = Option<BTreeMap<String, f64>>)]
    pub scores: Option<Value>,
    pub submitted_at: Option<String>,
}

/// Expert assignments: all for the office, its own for an expert.
#[utoipa::path(get, path = "/programs/{program}/experts/{year}", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the assignments", body = Vec<ExpertOut>)))]
pub async fn experts(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<Vec<ExpertOut>>, ApiError> {
    let rows = state
        .app
        .expert_assignments(&c.actor, &p.program, p.year.0)
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| ExpertOut {
                scores: r
                    .scores
                    .as_deref()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok()),
                expert: r.expert,
                unit: r.unit,
                submitted_at: r.submitted_at,
            })
            .collect(),
    ))
}

/// An expert to assign to a unit.
#[derive(Deserialize, ToSchema)]
pub struct AssignIn {
    /// The expert's user name.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub expert: String,
    /// The helper unit's code.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub unit: String,
}

/// Assign an expert to a unit (the office).
#[utoipa::path(post, path = "/programs/{program}/experts/{year}/assign", tag = "cycle",
    params(YearPath), request_body = AssignIn,
    responses((status = 204, description = "assigned")))]
pub async fn experts_assign(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
    Json(b): Json<AssignIn>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .assign_expert(&c.actor, &p.program, p.year.0, &b.expert, &b.unit)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submit scores once (the expert): rubric item → 0–100.
#[utoipa::path(post, path = "/programs/{program}/experts/{year}/{unit}/scores", tag = "cycle",
    params(ExpertUnitPath), request_body = BTreeMap<String, Decimal>,
    responses((status = 204, description = "submitted and locked")))]
pub async fn experts_score(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<ExpertUnitPath>,
    Json(b): Json<BTreeMap<String, Decimal>>,
) -> Result<StatusCode, ApiError> {
    let scores = b.into_iter().map(|(k, v)| (k, v.0)).collect();
    state
        .app
        .submit_expert_scores(&c.actor, &p.program, p.year.0, &p.unit, &scores)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A year's assessment.
#[derive(Serialize, ToSchema)]
pub struct AssessmentOut {
    pub year: i32,
    pub guidance_version: i64,
    /// Who published it and when, once published.
    pub published: Option<PublishedOut>,
    pub units: Vec<UnitScoreOut>,
}

/// Who published an assessment, and when.
#[derive(Serialize, ToSchema)]
pub struct PublishedOut {
    pub by: String,
    pub at: String,
}

/// One unit's scores, grade and rank.
#[derive(Serialize, ToSchema)]
pub struct UnitScoreOut {
    pub unit: String,
    pub rank: usize,
    pub statistical: f64,
    pub inspection: f64,
    pub expert: f64,
    pub expert_spread: f64,
    pub total: f64,
    pub grade: String,
    pub explanation: Vec<String>,
    /// Where each line of the explanation comes from.
    pub traces: Vec<String>,
}

/// The assessment: scores, grades, ranks and explanations (as published,
/// once published).
#[utoipa::path(get, path = "/programs/{program}/assessment/{year}", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the assessment", body = AssessmentOut)))]
pub async fn assessment(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<AssessmentOut>, ApiError> {
    let a = state.app.assessment(&c.actor, &p.program, p.year.0).await?;
    Ok(axum::Json(AssessmentOut {
        year: p.year.0,
        guidance_version: a.guidance_version,
        published: a.published.map(|(by, at)| PublishedOut { by, at }),
        units: a
            .units
            .into_iter()
            .map(|u| UnitScoreOut {
                grade: u.score.grade.name(c.lang).to_string(),
                explanation: if c.lang == Lang::Zh {
                    u.explanation_zh
                } else {
                    u.explanation_en
                },
                traces: u.traces.iter().map(|t| t.code().to_string()).collect(),
                unit: u.score.unit,
                rank: u.score.rank,
                statistical: u.score.statistical,
                inspection: u.score.inspection,
                expert: u.score.expert,
                expert_spread: u.score.expert_spread,
                total: u.score.total,
            })
            .collect(),
    }))
}

/// Publish the year's assessment (the office); it is then kept as published.
#[utoipa::path(post, path = "/programs/{program}/assessment/{year}/publish", tag = "cycle",
    params(YearPath),
    responses((status = 204, description = "published")))]
pub async fn assessment_publish(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .publish_assessment(&c.actor, &p.program, p.year.0)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A helped county's rating of a unit.
#[derive(Serialize, ToSchema)]
pub struct RatingOut {
    pub unit: String,
    pub region: String,
    /// 0–100.
    pub rating: i64,
    pub comment: Option<String>,
    pub rated_by: String,
    pub rated_at: String,
}

/// The paired side's satisfaction ratings of the year (all for the office,
/// a county's own, a unit's own).
#[utoipa::path(get, path = "/programs/{program}/satisfaction/{year}", tag = "cycle",
    params(YearPath),
    responses((status = 200, description = "the ratings", body = Vec<RatingOut>)))]
pub async fn satisfaction(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
) -> Result<axum::Json<Vec<RatingOut>>, ApiError> {
    let rows = state
        .app
        .satisfaction(&c.actor, &p.program, p.year.0)
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| RatingOut {
                unit: r.unit,
                region: r.region,
                rating: r.rating,
                comment: r.comment,
                rated_by: r.rated_by,
                rated_at: r.rated_at,
            })
            .collect(),
    ))
}

/// A helped county's rating of a unit paired with it.
#[derive(Deserialize, ToSchema)]
pub struct RateIn {
    /// The helper unit's code.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub unit: String,
    /// 0–100.
    #[schema(value_type = u8, required = true, minimum = 0, maximum = 100)]
    #[serde(deserialize_with = "super::params::whole")]
    pub rating: Option<u8>,
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub comment: Option<String>,
}

/// A helped county rates a unit paired with it; again replaces its rating
/// until the year is published.
#[utoipa::path(post, path = "/programs/{program}/satisfaction/{year}", tag = "cycle",
    params(YearPath), request_body = RateIn,
    responses((status = 204, description = "rated")))]
pub async fn satisfaction_rate(
    State(state): State<AppState>,
    c: Caller,
    Path(p): Path<YearPath>,
    Json(b): Json<RateIn>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .rate_satisfaction(
            &c.actor,
            &p.program,
            p.year.0,
            &b.unit,
            &b.rating.map(|r| r.to_string()).unwrap_or_default(),
            &b.comment.unwrap_or_default(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
