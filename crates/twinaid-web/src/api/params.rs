//! What the API's paths and query strings carry, typed: the OpenAPI
//! document describes them from these types and a value that does not
//! read is refused before a handler runs.

use serde::{Deserialize, Deserializer};
use twinaid_domain::record::RecordKind;
use utoipa::{IntoParams, ToSchema};

/// The first and last year a program may have figures for: what the
/// record fields accept.
pub const FIRST_YEAR: i32 = 1949;
pub const LAST_YEAR: i32 = 2100;

/// A year, 1949–2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(value_type = i32, minimum = 1949, maximum = 2100, example = 2009)]
pub struct Year(pub i32);

impl<'de> Deserialize<'de> for Year {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let year = i32::deserialize(d)?;
        if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
            Ok(Year(year))
        } else {
            Err(serde::de::Error::custom(format!(
                "{year} is not a year from {FIRST_YEAR} to {LAST_YEAR}"
            )))
        }
    }
}

/// A kind of record, by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind(pub RecordKind);

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        RecordKind::parse(&code).map(Kind).ok_or_else(|| {
            let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.code()).collect();
            serde::de::Error::custom(format!(
                "no record kind \"{code}\"; one of {}",
                known.join(", ")
            ))
        })
    }
}

impl utoipa::PartialSchema for Kind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(RecordKind::ALL.iter().map(|k| k.code())))
            .description(Some("The kind of record"))
            .into()
    }
}

impl ToSchema for Kind {
    fn name() -> std::borrow::Cow<'static, str> {
        "Kind".into()
    }
}

/// A program.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProgramPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
}

/// A year of a program.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct YearPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub year: Year,
}

/// An indicator of a program.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IndicatorPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    /// The indicator's code, e.g. `aid_funds`.
    pub indicator: String,
}

/// The records of a kind in a program.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KindPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub kind: Kind,
}

/// One record.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RecordPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub kind: Kind,
    /// The record's code.
    pub code: String,
}

/// One project.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    /// The project's code.
    pub code: String,
}

/// One inspected project of a year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InspectionPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub year: Year,
    /// The inspected project's code.
    pub project: String,
}

/// What is done to an inspection.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionAction {
    /// The inspector records the finding.
    Finding,
    /// The inspected unit answers the rectification asked.
    Answer,
    /// The inspector closes the inspection.
    Close,
}

/// A step taken on an inspection.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InspectionActionPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub year: Year,
    /// The inspected project's code.
    pub project: String,
    #[param(inline)]
    pub action: InspectionAction,
}

/// An attachment.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AttachmentPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    /// The attachment's number.
    #[param(minimum = 1)]
    pub id: i64,
}

/// A helper unit's plan of a year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlanPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    /// The helper unit's code.
    pub unit: String,
    #[param(inline)]
    pub year: Year,
}

/// A step of a plan.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStep {
    /// The unit submits its plan.
    Submit,
    /// The office approves it.
    Approve,
    /// The office returns it, with a comment.
    Return,
    /// The unit revises an approved plan, with a reason as comment.
    Revise,
}

impl PlanStep {
    pub fn code(self) -> &'static str {
        match self {
            PlanStep::Submit => "submit",
            PlanStep::Approve => "approve",
            PlanStep::Return => "return",
            PlanStep::Revise => "revise",
        }
    }
}

/// A step of a helper unit's plan.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlanStepPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    /// The helper unit's code.
    pub unit: String,
    #[param(inline)]
    pub year: Year,
    #[param(inline)]
    pub step: PlanStep,
}

/// A unit an expert scores in a year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExpertUnitPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline)]
    pub year: Year,
    /// The helper unit's code.
    pub unit: String,
}

/// The name of an uploaded file.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileName {
    /// The file's name; its extension says how it is read.
    #[param(min_length = 1, max_length = 255)]
    pub filename: String,
}

/// Which records a list holds and in what order. Filters on a field are
/// `f.FIELD=VALUE` (e.g. `f.category=education`).
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    /// The year (with `cumulative`, all years up to it).
    #[param(inline)]
    pub year: Option<Year>,
    /// All years up to `year`.
    pub cumulative: Option<bool>,
    /// A helped county's code (its townships and villages included), or `unallocated`.
    pub region: Option<String>,
    /// Where the money came from.
    #[param(inline)]
    pub source: Option<Source>,
    /// An indicator's code: keep the records it counts, and give the figure they make up.
    pub indicator: Option<String>,
    /// Where a project stands: counted, pending, or excluded (returned or cancelled).
    #[param(inline)]
    pub standing: Option<StandingParam>,
    /// Text searched for in the records' text fields (no control characters).
    #[param(pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub q: Option<String>,
    /// The field to sort by.
    pub sort: Option<String>,
    /// Sort descending.
    pub desc: Option<bool>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Rows on a page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
}

impl ListParams {
    /// Refuses a page or page size outside its bounds, naming it.
    pub fn check(&self) -> Result<(), super::error::ApiError> {
        let out = |name: &str, value: u32, most: u32| {
            super::error::ApiError::bad_parameter(&format!(
                "query: {name}: {value} is not from 1 to {most}"
            ))
        };
        match (self.page, self.per_page) {
            (Some(p), _) if !(1..=1_000_000).contains(&p) => Err(out("page", p, 1_000_000)),
            (_, Some(n)) if !(1..=500).contains(&n) => Err(out("per_page", n, 500)),
            _ => Ok(()),
        }
    }
}

/// Where money came from.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    ProvincialUnits,
    Cities,
    Social,
    Unspecified,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::ProvincialUnits => "provincial_units",
            Source::Cities => "cities",
            Source::Social => "social",
            Source::Unspecified => "unspecified",
        }
    }
}

/// Where a project stands in the figures.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StandingParam {
    Counted,
    Pending,
    Excluded,
}

/// A whole number written in JSON, `4` or `4.0` alike (JSON Schema counts
/// both as integers), within `T`'s range.
pub fn whole<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let value = match n.as_i64() {
        Some(i) => Some(i),
        // Within ±2^53 a float holds a whole number exactly.
        None => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0)
            .map(|f| f as i64),
    };
    value
        .and_then(|v| T::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number in range")))
}

/// A JSON number as the text the records read: `2009.0` is the whole number
/// 2009 (JSON Schema agrees), written `2009`.
pub fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.as_i64().is_none() && f.fract() == 0.0 && f.abs() < 9e15 => {
            format!("{}", f as i64)
        }
        _ => n.to_string(),
    }
}
