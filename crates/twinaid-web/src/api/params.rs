//! What the API's paths and query strings carry, typed: the OpenAPI
//! document describes them from these types and a value that does not
//! read is refused before a handler runs.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use twinaid_domain::record::RecordKind;
use utoipa::{IntoParams, ToSchema};

use twinaid_domain::record::{FIRST_YEAR, LAST_YEAR};

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
            Err(serde::de::Error::custom(
                match crate::error::request_lang() {
                    twinaid_domain::Lang::Zh => {
                        format!("{year} 不是 {FIRST_YEAR}–{LAST_YEAR} 年之间的年份")
                    }
                    twinaid_domain::Lang::En => {
                        format!("{year} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
                    }
                },
            ))
        }
    }
}

super::schema::named_schema!(
    /// A kind of record, by its code: documented as the enum of kinds; a
    /// code that is none of them is a thing that is not there (404).
    Kind, "Kind", {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(RecordKind::ALL.iter().map(|k| k.code())))
            .description(Some("The kind of record"))
            .into()
    }
);

/// The kind a path names, or 404.
pub fn kind(code: &str) -> Result<RecordKind, super::error::ApiError> {
    RecordKind::parse(code)
        .ok_or_else(|| super::error::ApiError::not_found("没有这种记录", "no such record kind"))
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

/// A program group and a year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupYearPath {
    /// The group's code, e.g. `national`.
    #[param(example = "national")]
    pub group: String,
    #[param(inline)]
    pub year: Year,
}

/// A program group.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    /// The group's code, e.g. `national`.
    #[param(example = "national")]
    pub group: String,
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
    #[param(inline, value_type = Kind)]
    pub kind: String,
}

/// One record.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RecordPath {
    /// The program's code, e.g. `zj-sc`.
    #[param(example = "zj-sc")]
    pub program: String,
    #[param(inline, value_type = Kind)]
    pub kind: String,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
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
    #[param(inline, value_type = InspectionAction)]
    pub action: String,
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

impl InspectionAction {
    /// The action a path names, or 404.
    pub fn parse(code: &str) -> Result<InspectionAction, super::error::ApiError> {
        match code {
            "finding" => Ok(InspectionAction::Finding),
            "answer" => Ok(InspectionAction::Answer),
            "close" => Ok(InspectionAction::Close),
            _ => Err(super::error::ApiError::not_found(
                "没有这个操作",
                "no such action",
            )),
        }
    }
}

impl PlanStep {
    /// The step a path names, or 404.
    pub fn parse(code: &str) -> Result<PlanStep, super::error::ApiError> {
        [
            PlanStep::Submit,
            PlanStep::Approve,
            PlanStep::Return,
            PlanStep::Revise,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .ok_or_else(|| super::error::ApiError::not_found("没有这个步骤", "no such step"))
    }

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
    #[param(inline, value_type = PlanStep)]
    pub step: String,
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
    #[serde(deserialize_with = "given")]
    pub filename: String,
}

/// The name of an imported file.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportName {
    /// The file's name; its extension says how it is read (`.xlsx`, `.xls`,
    /// `.ods`, `.csv`, `.xml` for IATI). Without it, the body is read as `KIND.csv`.
    #[param(min_length = 1, max_length = 255)]
    #[serde(default, deserialize_with = "given_if_any")]
    pub filename: Option<String>,
    /// For an IATI file: the helper unit an activity is recorded under when
    /// none of its participating organisations is a unit of the program.
    #[param(min_length = 1, max_length = 255)]
    #[serde(default, deserialize_with = "given_if_any")]
    pub helper_unit: Option<String>,
    /// For an IATI file: the region an activity is recorded in when none of
    /// its locations is a place of the program.
    #[param(min_length = 1, max_length = 255)]
    #[serde(default, deserialize_with = "given_if_any")]
    pub region: Option<String>,
}

fn given<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() || text.chars().count() > 255 {
        return Err(serde::de::Error::custom(
            match crate::error::request_lang() {
                twinaid_domain::Lang::Zh => "文件名须为 1 到 255 个字符",
                twinaid_domain::Lang::En => "a file name is 1 to 255 characters",
            },
        ));
    }
    Ok(text)
}

fn given_if_any<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    given(d).map(Some)
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
    #[param(inline, value_type = Option<FlagText>)]
    pub cumulative: Option<Flag>,
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
    /// The field to sort by (with the code after it); without it, records
    /// list newest year first, then by code.
    pub sort: Option<String>,
    /// Sort by `sort` descending; without `sort` the order above stays.
    #[param(inline, value_type = Option<FlagText>)]
    pub desc: Option<Flag>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Rows on a page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
}

impl ListParams {
    /// The typed parameters out of the query's (last) values.
    pub fn read(all: &BTreeMap<String, String>) -> Result<ListParams, super::error::ApiError> {
        let query = serde_urlencoded::to_string(all)
            .map_err(|e| super::error::ApiError::bad_parameter(&e.to_string()))?;
        serde_urlencoded::from_str(&query)
            .map_err(|e| super::error::ApiError::bad_parameter(&format!("query: {e}")))
    }

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
    whole_number(&n)
        .and_then(|v| T::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(match crate::error::request_lang() {
                twinaid_domain::Lang::Zh => format!("{n} 不是范围内的整数"),
                twinaid_domain::Lang::En => format!("{n} is not a whole number in range"),
            })
        })
}

/// A JSON number that is whole, `4` or `4.0` alike: within ±2^53 a float
/// holds a whole number exactly.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0)
            .map(|f| f as i64)
    })
}

/// A JSON number as the text the records read: `2009.0` is the whole number
/// 2009 (JSON Schema agrees), written `2009`.
pub fn number_text(n: &serde_json::Number) -> String {
    whole_number(n).map_or_else(|| n.to_string(), |i| i.to_string())
}

/// Yes or no in a query: `true`/`1` or `false`/`0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "true" | "1" => Ok(Flag(true)),
            "false" | "0" => Ok(Flag(false)),
            other => Err(serde::de::Error::custom(
                match crate::error::request_lang() {
                    twinaid_domain::Lang::Zh => format!("“{other}”应为 true、false、1 或 0"),
                    twinaid_domain::Lang::En => format!("\"{other}\" is not true, false, 1 or 0"),
                },
            )),
        }
    }
}

super::schema::named_schema!(
    /// How a yes/no is written in a query.
    FlagText, "FlagText", {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["true", "false", "1", "0"]))
        .into()
    }
);
