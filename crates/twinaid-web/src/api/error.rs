//! The API's answers when it refuses: a stable code, a translated message
//! and, for input, each problem with its field — and the extractors that
//! refuse malformed parameters and bodies the same way.

use crate::error::request_lang;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use twinaid_app::AppError;
use twinaid_domain::Lang;
use utoipa::ToSchema;

/// The body of every refusal.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What was refused and why.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `unauthorized`, `token_revoked`, `token_expired`,
    /// `forbidden`, `not_found`, `bad_parameter`, `bad_body`,
    /// `unsupported_media_type`, `too_large`, `invalid`, `bad_request`,
    /// `conflict`, `busy`, `unavailable`, `internal`.
    pub code: String,
    /// In the caller's language (`Accept-Language`).
    pub message: String,
    /// Each problem of the input, with the field (and row of a file) it is in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemOut>,
}

/// One problem of a refused input.
#[derive(Serialize, ToSchema)]
pub struct ProblemOut {
    pub field: Option<String>,
    pub row: Option<u64>,
    pub file: Option<String>,
    pub message: String,
}

/// An API error: a status, a stable code and a translated message.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    problems: Vec<ProblemOut>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// 404 in the request's language.
    pub fn not_found(zh: &str, en: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            request_lang().pick(zh, en),
        )
    }
}

/// Answered in the language of the request being served (see
/// [`crate::error::with_request_lang`]), so a handler only writes `?`.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let lang = request_lang();
        let status = crate::error::log_cause(&e);
        let code = match &e {
            e if e.is_unavailable() => "unavailable",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::BadCredentials => "unauthorized",
            AppError::Busy(_) => "busy",
            AppError::BadRequest(e) if e.is_state_conflict() => "conflict",
            AppError::BadRequest(twinaid_domain::DomainError::YearOutsideProgram { .. }) => {
                "not_found"
            }
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) | AppError::Field(..) => "invalid",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        };
        let problems = match &e {
            AppError::Invalid(ps) => ps
                .iter()
                .map(|p| ProblemOut {
                    field: p.location.column.clone(),
                    row: p.location.row.map(|r| r as u64),
                    file: p.location.file.clone(),
                    message: p.error.message(lang),
                })
                .collect(),
            AppError::Field(field, err) => vec![ProblemOut {
                field: Some(field.to_string()),
                row: None,
                file: None,
                message: err.message(lang),
            }],
            _ => Vec::new(),
        };
        ApiError {
            status,
            code,
            message: e.message(lang),
            problems,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                problems: self.problems,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl ApiError {
    /// 422 `bad_parameter` naming what in the address did not read.
    pub fn bad_parameter(text: &str) -> ApiError {
        let detail = crate::extract::detail(text);
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_parameter",
            match request_lang() {
                Lang::Zh => {
                    format!("请求中的参数无法读取（{detail}）：请对照接口文档 /api/v1/docs 检查")
                }
                Lang::En => format!(
                    "a parameter cannot be read ({detail}): check it against the API document, /api/v1/docs"
                ),
            },
        )
    }
}

/// The query string, read into `T`; a value that does not read is 422
/// `bad_parameter` naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::bad_parameter(&e.body_text())),
        }
    }
}

/// The path's parameters, read into `T`, refused as [`Query`] refuses.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(ApiError::bad_parameter(&e.body_text())),
        }
    }
}

/// A JSON body read into `T`: no `Content-Type: application/json` is 415,
/// JSON that does not parse 400, JSON of the wrong shape 422 — each the
/// JSON error, naming what is wrong.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        let lang = request_lang();
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                lang.pick(
                    "请求体须为 JSON，并带 Content-Type: application/json",
                    "send the body as JSON with Content-Type: application/json",
                ),
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(body_refusal(StatusCode::BAD_REQUEST, lang, &e.body_text()))
            }
            Err(e) => Err(body_refusal(e.status(), lang, &e.body_text())),
        }
    }
}

fn body_refusal(status: StatusCode, lang: Lang, text: &str) -> ApiError {
    let detail = crate::extract::detail(text);
    // Too large stays 413, not JSON 400; any other shape is 422.
    let (status, code) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (status, "too_large"),
        StatusCode::BAD_REQUEST => (status, "bad_body"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "bad_body"),
    };
    ApiError::new(
        status,
        code,
        match lang {
            Lang::Zh => format!("请求体无法读取（{detail}）：请对照接口文档 /api/v1/docs 检查"),
            Lang::En => format!(
                "the request body cannot be read ({detail}): check it against the API document, /api/v1/docs"
            ),
        },
    )
}
