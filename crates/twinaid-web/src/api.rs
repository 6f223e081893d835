//! The JSON API under `/api/v1`: bearer tokens for scripts (a signed-in
//! browser session may read), JSON errors with a code and a message.

use crate::AppState;
use crate::kept::kept;
use crate::session::{SESSION_COOKIE, cookie, lang_of};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use twinaid_app::{Actor, AppError, ListRequest, TokenCheck};
use twinaid_domain::Lang;
use twinaid_domain::record::RecordKind;

/// An API error: a stable code and a translated message.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    problems: Vec<Value>,
}

impl ApiError {
    fn from_app(e: AppError, lang: Lang) -> ApiError {
        let status = crate::error::log_cause(&e);
        let code = match &e {
            e if e.is_unavailable() => "unavailable",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::BadCredentials => "unauthorized",
            AppError::Busy(_) => "busy",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) | AppError::Field(..) => "invalid",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        };
        let problems = match &e {
            AppError::Invalid(ps) => ps
                .iter()
                .map(|p| json!({"field": p.location.column, "row": p.location.row, "file": p.location.file, "message": p.error.message(lang)}))
                .collect(),
            AppError::Field(field, err) => vec![json!({"field": field, "message": err.message(lang)})],
            _ => Vec::new(),
        };
        ApiError {
            status,
            code,
            message: e.message(lang),
            problems,
        }
    }

    fn new(status: StatusCode, code: &'static str, message: &str) -> ApiError {
        ApiError {
            status,
            code,
            message: message.to_string(),
            problems: Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if !self.problems.is_empty() {
            body["error"]["problems"] = Value::from(self.problems);
        }
        (self.status, Json(body)).into_response()
    }
}

/// The language of an API answer: `Accept-Language`, else the language cookie.
fn api_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::parse)
        .unwrap_or_else(|| lang_of(headers))
}

/// The query string, read into `T`; a value that does not read is the
/// JSON error 422 `bad_parameter` naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(bad_parameter(&e.body_text(), parts)),
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
            Err(e) => Err(bad_parameter(&e.body_text(), parts)),
        }
    }
}

fn bad_parameter(text: &str, parts: &Parts) -> ApiError {
    let lang = api_lang(&parts.headers);
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_parameter",
        &crate::extract::bad_parameter(text, lang),
    )
}

/// Who calls the API: a bearer token, or (for reading only) a browser session.
pub struct Caller {
    actor: Actor,
    lang: Lang,
}

impl Caller {
    /// A report kept for this caller (actor and language of messages) until
    /// the program's data changes (see [`crate::kept`]).
    async fn kept(
        &self,
        state: &AppState,
        program: &str,
        uri: &Uri,
        made: impl std::future::Future<Output = Result<Response, ApiError>>,
    ) -> Result<Response, ApiError> {
        let who = format!("{:?}|{}", self.actor, self.lang.pick("zh", "en"));
        kept(state, &self.actor, who, program, uri.to_string(), made).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = api_lang(&parts.headers);
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                lang.pick(
                    "需要登录或有效的接口令牌（Authorization: Bearer …）",
                    "sign in or send a valid API token (Authorization: Bearer …)",
                ),
            )
        };
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            let client = crate::session::client_of(parts, state);
            return match state.app.actor_for_token(token, &client).await {
                Ok(TokenCheck::Valid(actor)) => {
                    crate::requests::WhoAsked::set(parts, &actor.name);
                    Ok(Caller { actor, lang })
                }
                Ok(TokenCheck::Unknown) => Err(unauthorized()),
                Ok(TokenCheck::Revoked) => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "token_revoked",
                    lang.pick(
                        "此接口令牌已被撤销：请在 /tokens 页面生成新令牌",
                        "this API token was revoked: create a new one on the /tokens page",
                    ),
                )),
                Ok(TokenCheck::Expired) => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "token_expired",
                    lang.pick(
                        "此接口令牌已过期：请在 /tokens 页面生成新令牌",
                        "this API token has expired: create a new one on the /tokens page",
                    ),
                )),
                Err(e) => Err(ApiError::from_app(e, lang)),
            };
        }
        // A cookie session may read; writes need a token, so no other site can make a browser write.
        if parts.method == Method::GET
            && let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Ok(Some(session)) = state.app.session(&token).await
        {
            crate::requests::WhoAsked::set(parts, &session.actor.name);
            return Ok(Caller {
                actor: session.actor,
                lang,
            });
        }
        Err(unauthorized())
    }
}

fn kind(code: &str, lang: Lang) -> Result<RecordKind, ApiError> {
    RecordKind::parse(code).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            lang.pick("没有这种记录", "no such record kind"),
        )
    })
}

async fn programs(State(state): State<AppState>, c: Caller) -> Result<Json<Value>, ApiError> {
    let list = state
        .app
        .programs(&c.actor)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(Value::from(
        list.iter()
            .map(|p| json!({"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en, "start_year": p.start_year, "end_year": p.end_year,
                "helped_regions": p.helped.iter().map(|h| json!({"region_code": h.region.to_string(), "confirmed": h.confirmed})).collect::<Vec<_>>()}))
            .collect::<Vec<_>>(),
    )))
}

async fn yearbook(
    State(state): State<AppState>,
    c: Caller,
    uri: Uri,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Response, ApiError> {
    let made = async {
        let yb = state
            .app
            .yearbook(&c.actor, &program, year)
            .await
            .map_err(|e| ApiError::from_app(e, c.lang))?;
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            yb.to_json_bytes(),
        )
            .into_response())
    };
    c.kept(&state, &program, &uri, made).await
}

/// An indicator by county and year: `{indicator, unit, cells: {county: {year: value}}}`, values as in the yearbook.
async fn pivot(
    State(state): State<AppState>,
    c: Caller,
    uri: Uri,
    Path((program, indicator)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let made =
        async { Ok(Json(pivot_json(&state, &c, &program, &indicator).await?).into_response()) };
    c.kept(&state, &program, &uri, made).await
}

async fn pivot_json(
    state: &AppState,
    c: &Caller,
    program: &str,
    indicator: &str,
) -> Result<Value, ApiError> {
    let Some((def, cells)) = state
        .app
        .pivot(&c.actor, program, indicator, false)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?
    else {
        return Ok(json!({}));
    };
    let mut by_county = serde_json::Map::new();
    for (county, year, raw) in cells {
        let key = if county.is_empty() {
            "unallocated".to_string()
        } else {
            county
        };
        if let Value::Object(years) = by_county.entry(key).or_insert_with(|| json!({})) {
            years.insert(
                year.to_string(),
                twinaid_domain::quantity::raw_to_json(raw, def.unit),
            );
        }
    }
    Ok(json!({
        "program": program,
        "indicator": def.code,
        "unit": def.unit.code(),
        "cells": by_county,
    }))
}

async fn indicators(State(state): State<AppState>, c: Caller) -> Result<Json<Value>, ApiError> {
    let defs = state
        .app
        .indicators(&c.actor)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(Value::from(
        defs.iter()
            .map(|d| json!({"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "unit": d.unit.code(), "stock": d.stock, "rule": d.rule}))
            .collect::<Vec<_>>(),
    )))
}

fn list_request(params: &BTreeMap<String, String>) -> ListRequest {
    let get = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    ListRequest {
        filters: params
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("f.").map(|f| (f.to_string(), v.clone())))
            .collect(),
        year: get("year").and_then(|y| y.parse().ok()),
        cumulative: get("cumulative").is_some_and(|v| v == "1" || v == "true"),
        region: get("region"),
        source: get("source"),
        indicator: get("indicator"),
        standing: get("standing").and_then(|s| twinaid_domain::lifecycle::Standing::parse(&s)),
        search: get("q"),
        sort: get("sort"),
        descending: get("desc").is_some_and(|v| v == "1" || v == "true"),
        unpaged: false,
        page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        per_page: get("per_page").and_then(|p| p.parse().ok()).unwrap_or(100),
    }
}

async fn list(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind_code)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let kind = kind(&kind_code, c.lang)?;
    let request = list_request(&params);
    let page = state
        .app
        .list_records(&c.actor, &program, kind, &request)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    let sums: serde_json::Map<String, Value> = page
        .sums
        .iter()
        .filter_map(|(f, v)| {
            kind.field(f).map(|spec| {
                (
                    f.to_string(),
                    spec.to_json(&twinaid_domain::record::FieldValue::Int(*v)),
                )
            })
        })
        .collect();
    let mut body = json!({
        "kind": kind.code(),
        "total_rows": page.total_rows,
        "sums": sums,
        "page": request.page.max(1),
        "per_page": request.per_page.clamp(1, 500),
        "records": page.records.iter().map(twinaid_domain::record::Record::to_json).collect::<Vec<_>>(),
    });
    if request.indicator.is_some() {
        let d = state
            .app
            .drill_down(&c.actor, &program, &request)
            .await
            .map_err(|e| ApiError::from_app(e, c.lang))?;
        let unit = d.definition.unit;
        let to = |raw: i64| twinaid_domain::quantity::raw_to_json(raw, unit);
        body["figure"] = json!({
            "indicator": d.definition.code,
            "unit": unit.code(),
            "total": to(d.total()),
            "from_records": to(d.from_records),
            "from_aggregates": to(d.from_aggregates),
            "aggregate_values": d.aggregates.iter().map(|a| json!({"year_from": a.year_from, "year_to": a.year_to, "region_code": a.region_code, "helper_unit": a.helper_unit, "value": to(a.value), "note": a.note})).collect::<Vec<_>>(),
        });
    }
    Ok(Json(body))
}

async fn get_one(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind_code, code)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let kind = kind(&kind_code, c.lang)?;
    let record = state
        .app
        .record(&c.actor, &program, kind, &code)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(record.to_json()))
}

/// A JSON object of written values (money in yuan) as form cells.
fn cells(body: &Value) -> BTreeMap<String, String> {
    body.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| {
                    let text = match v {
                        Value::Null => return None,
                        Value::String(s) => s.clone(),
                        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
                        other => other.to_string(),
                    };
                    Some((k.clone(), text))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn create(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind_code)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let kind = kind(&kind_code, c.lang)?;
    let record = state
        .app
        .save_record(&c.actor, &program, kind, &cells(&body), None)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(record.to_json())).into_response())
}

async fn update(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind_code, code)): Path<(String, String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let kind = kind(&kind_code, c.lang)?;
    let record = state
        .app
        .save_record(&c.actor, &program, kind, &cells(&body), Some(&code))
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(record.to_json()))
}

async fn delete(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind_code, code)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let kind = kind(&kind_code, c.lang)?;
    state
        .app
        .delete_record(&c.actor, &program, kind, &code)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn step(
    State(state): State<AppState>,
    c: Caller,
    Path((program, code)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let to = body["to"].as_str().unwrap_or_default();
    let reason = body["reason"].as_str().unwrap_or_default();
    let status = state
        .app
        .move_project(&c.actor, &program, &code, to, reason)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    let steps = state
        .app
        .project_steps(&c.actor, &program, &code)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(
        json!({"code": code, "status": status.code(), "next": steps.next.iter().map(|s| s.code()).collect::<Vec<_>>()}),
    ))
}

async fn steps(
    State(state): State<AppState>,
    c: Caller,
    Path((program, code)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let s = state
        .app
        .project_steps(&c.actor, &program, &code)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(json!({
        "code": code,
        "status": s.status.code(),
        "next": s.next.iter().map(|x| x.code()).collect::<Vec<_>>(),
        "checks": s.checks.iter().map(|k| json!({"passed": k.passed, "blocking": k.blocking, "message": k.message(c.lang)})).collect::<Vec<_>>(),
        "history": s.history.iter().map(|t| json!({"from": t.from_status, "to": t.to_status, "actor": t.actor, "at": t.at, "reason": t.reason})).collect::<Vec<_>>(),
    })))
}

async fn inspections(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let (round, rows) = state
        .app
        .inspections(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(json!({
        "year": year,
        "draw": round.map(|r| json!({"seed": r.seed, "drawn_by": r.drawn_by, "drawn_at": r.drawn_at})),
        "inspections": rows.iter().map(|r| json!({
            "project": r.project, "inspected_unit": r.inspected_unit, "inspector_unit": r.inspector_unit, "rating": r.rating,
            "issues": r.issues, "amount_verified": r.amount_verified.map(|f| f as f64 / 100.0),
            "rectification_required": r.rectification_required, "rectification_answer": r.rectification_answer, "closed": r.closed,
        })).collect::<Vec<_>>(),
    })))
}

async fn draw_inspections(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let seed = body["seed"].as_u64().unwrap_or(year as u64);
    let n = state
        .app
        .draw_inspections(&c.actor, &program, year, seed)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"year": year, "seed": seed, "assignments": n})),
    )
        .into_response())
}

async fn template(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = self::kind(&kind, c.lang)?;
    let choices = state
        .app
        .template_choices(&c.actor, &program, c.lang)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    let lists = twinaid_exchange::workbook::TemplateLists {
        regions: choices.regions,
        helper_units: choices.helper_units,
        helped_units: choices.helped_units,
        example_year: choices.year,
    };
    let bytes = twinaid_exchange::workbook::template(kind, &lists, c.lang)
        .map_err(|e| ApiError::from_app(AppError::Internal(e.to_string()), c.lang))?;
    Ok(crate::view::file_response(
        &format!("{}.xlsx", kind.code()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

async fn import(
    State(state): State<AppState>,
    c: Caller,
    Path((program, kind)): Path<(String, String)>,
    Query(q): Query<FileName>,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let kind = self::kind(&kind, c.lang)?;
    // The turn first: an import past the limit is refused before its body is read.
    let _turn = state
        .import_turn()
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    let max = state.limits.upload_bytes;
    let body = axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &twinaid_domain::DomainError::UploadTooLarge { max }.message(c.lang),
        )
    })?;
    let name = q.filename.unwrap_or_else(|| format!("{}.csv", kind.code()));
    let (_, read) = crate::pages::files::read_upload(name, body, kind, state.limits.read)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?
        .map_err(|p| ApiError::from_app(AppError::Invalid(vec![p]), c.lang))?;
    let (rows, examples) = (read.rows_read, read.examples_skipped);
    let summary = state
        .app
        .import_records(&c.actor, &program, kind, read.records, read.problems)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    let (created, updated, unchanged) =
        summary.counts.get(kind.code()).copied().unwrap_or_default();
    Ok(Json(json!({
        "rows": rows, "examples_skipped": examples,
        "created": created, "updated": updated, "unchanged": unchanged,
    })))
}

#[derive(serde::Deserialize)]
struct FileName {
    filename: Option<String>,
}

async fn attachments_list(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let rows = state
        .app
        .inspection_attachments(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(Value::from(
        rows.iter()
            .map(|a| json!({"id": a.id, "project": a.project, "filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at}))
            .collect::<Vec<_>>(),
    )))
}

async fn attachment_upload(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year, project)): Path<(String, i32, String)>,
    Query(q): Query<FileName>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let id = state
        .app
        .attach_to_inspection(
            &c.actor,
            &program,
            year,
            &project,
            q.filename.as_deref().unwrap_or_default(),
            &body,
        )
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

async fn attachment_download(
    State(state): State<AppState>,
    c: Caller,
    Path((program, id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let (row, data) = state
        .app
        .attachment(&c.actor, &program, id)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(crate::view::file_response(
        &row.filename,
        &row.content_type,
        data,
    ))
}

async fn inspection_action(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year, project, action)): Path<(String, i32, String, String)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    let text = |k: &str| match &body[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let app = &state.app;
    let result = match action.as_str() {
        "finding" => {
            let finding = twinaid_app::Finding {
                rating: text("rating"),
                issues: text("issues"),
                amount_verified: text("amount_verified"),
                rectification_required: body["rectification_required"].as_bool().unwrap_or(false),
            };
            app.record_finding(&c.actor, &program, year, &project, &finding)
                .await
        }
        "answer" => {
            app.answer_rectification(&c.actor, &program, year, &project, &text("answer"))
                .await
        }
        "close" => {
            app.close_inspection(&c.actor, &program, year, &project)
                .await
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                c.lang.pick("没有这个操作", "no such action"),
            ));
        }
    };
    result.map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

fn text_of(body: &Value, key: &str) -> String {
    match &body[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn guidance_get(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let found = state
        .app
        .guidance_for(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    match found {
        Some((row, g)) => Ok(Json(
            json!({"version": row.version, "issued_by": row.issued_by, "issued_at": row.issued_at, "guidance": g}),
        )),
        None => Err(ApiError::from_app(
            AppError::NotFound(twinaid_domain::DomainError::NoGuidance(year)),
            c.lang,
        )),
    }
}

async fn guidance_issue(
    State(state): State<AppState>,
    c: Caller,
    Path(program): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let form = twinaid_domain::guidance::GuidanceForm {
        kind: text_of(&body, "kind"),
        title: text_of(&body, "title"),
        year_from: text_of(&body, "year_from"),
        year_to: text_of(&body, "year_to"),
        priorities: text_of(&body, "priorities"),
        tasks: text_of(&body, "tasks"),
        indicators: text_of(&body, "indicators"),
        cap: text_of(&body, "cap"),
        weights: text_of(&body, "weights"),
        bands: text_of(&body, "bands"),
        rubric: text_of(&body, "rubric"),
        counts_from: text_of(&body, "counts_from"),
    };
    let version = state
        .app
        .issue_guidance(&c.actor, &program, &form)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(json!({"version": version}))).into_response())
}

async fn plan_get(
    State(state): State<AppState>,
    c: Caller,
    Path((program, unit, year)): Path<(String, String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let p = state
        .app
        .plan(&c.actor, &program, &unit, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(json!({
        "unit": p.unit, "year": p.year, "status": p.status, "revision": p.revision, "comment": p.comment,
        "targets": p.targets.iter().map(|(key, indicator, region, target)| json!({"key": key, "indicator": indicator, "region_code": region, "target_raw": target})).collect::<Vec<_>>(),
        "revisions": p.revisions.iter().map(|(n, reason, by, at)| json!({"revision": n, "reason": reason, "by": by, "at": at})).collect::<Vec<_>>(),
    })))
}

async fn plan_target(
    State(state): State<AppState>,
    c: Caller,
    Path((program, unit, year)): Path<(String, String, i32)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    let (indicator, region, value) = (
        text_of(&body, "indicator"),
        text_of(&body, "region_code"),
        text_of(&body, "target"),
    );
    let input = twinaid_app::TargetInput {
        indicator: &indicator,
        region: &region,
        value: &value,
    };
    state
        .app
        .set_target(&c.actor, &program, &unit, year, &input)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn plan_step(
    State(state): State<AppState>,
    c: Caller,
    Path((program, unit, year, step)): Path<(String, String, i32, String)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .plan_step(
            &c.actor,
            &program,
            &unit,
            year,
            &step,
            &text_of(&body, "comment"),
        )
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn experts_get(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let rows = state
        .app
        .expert_assignments(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(Value::from(
        rows.iter()
            .map(|r| json!({"expert": r.expert, "unit": r.unit, "scores": r.scores.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()), "submitted_at": r.submitted_at}))
            .collect::<Vec<_>>(),
    )))
}

async fn experts_assign(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .assign_expert(
            &c.actor,
            &program,
            year,
            &text_of(&body, "expert"),
            &text_of(&body, "unit"),
        )
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn experts_score(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year, unit)): Path<(String, i32, String)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    let scores = body
        .as_object()
        .map(|o| o.keys().map(|k| (k.clone(), text_of(&body, k))).collect())
        .unwrap_or_default();
    state
        .app
        .submit_expert_scores(&c.actor, &program, year, &unit, &scores)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn assessment_get(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let a = state
        .app
        .assessment(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(json!({
        "year": year,
        "guidance_version": a.guidance_version,
        "published": a.published.map(|(by, at)| json!({"by": by, "at": at})),
        "units": a.units.iter().map(|u| json!({
            "unit": u.score.unit, "rank": u.score.rank, "statistical": u.score.statistical, "inspection": u.score.inspection,
            "expert": u.score.expert, "expert_spread": u.score.expert_spread, "total": u.score.total,
            "grade": u.score.grade.name(c.lang), "explanation": if c.lang == Lang::Zh { &u.explanation_zh } else { &u.explanation_en },
            "traces": u.traces.iter().map(|t| t.code()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}

async fn satisfaction_get(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    let rows = state
        .app
        .satisfaction(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(Json(Value::from(
        rows.iter()
            .map(|r| json!({"unit": r.unit, "region": r.region, "rating": r.rating, "comment": r.comment, "rated_by": r.rated_by, "rated_at": r.rated_at}))
            .collect::<Vec<_>>(),
    )))
}

async fn satisfaction_rate(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .rate_satisfaction(
            &c.actor,
            &program,
            year,
            &text_of(&body, "unit"),
            &text_of(&body, "rating"),
            &text_of(&body, "comment"),
        )
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn assessment_publish(
    State(state): State<AppState>,
    c: Caller,
    Path((program, year)): Path<(String, i32)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .publish_assessment(&c.actor, &program, year)
        .await
        .map_err(|e| ApiError::from_app(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn not_found(headers: HeaderMap) -> ApiError {
    let lang = api_lang(&headers);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        lang.pick("没有这个接口", "no such endpoint"),
    )
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("../assets/api.html"))
}

/// The routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/docs", get(docs))
        .route("/programs", get(programs))
        .route("/indicators", get(indicators))
        .route("/programs/{program}/yearbook/{year}", get(yearbook))
        .route("/programs/{program}/pivot/{indicator}", get(pivot))
        .route(
            "/programs/{program}/projects/{code}/steps",
            get(steps).post(step),
        )
        .route("/programs/{program}/inspections/{year}", get(inspections))
        .route(
            "/programs/{program}/inspections/{year}/draw",
            axum::routing::post(draw_inspections),
        )
        .route(
            "/programs/{program}/inspections/{year}/{project}/{action}",
            axum::routing::post(inspection_action),
        )
        .route(
            "/programs/{program}/inspections/{year}/attachments",
            get(attachments_list),
        )
        .route(
            "/programs/{program}/inspections/{year}/{project}/attachments",
            axum::routing::post(attachment_upload).layer(axum::extract::DefaultBodyLimit::max(
                twinaid_app::ATTACHMENT_MAX_BYTES + 1,
            )),
        )
        .route(
            "/programs/{program}/attachments/{id}",
            get(attachment_download),
        )
        .route("/programs/{program}/records/{kind}", get(list).post(create))
        .route(
            "/programs/{program}/records/{kind}/template.xlsx",
            get(template),
        )
        .route(
            "/programs/{program}/records/{kind}/import",
            // The handler reads the body itself, up to the upload limit.
            axum::routing::post(import),
        )
        .route(
            "/programs/{program}/records/{kind}/{code}",
            get(get_one).put(update).delete(delete),
        )
        .route(
            "/programs/{program}/guidance",
            axum::routing::post(guidance_issue),
        )
        .route("/programs/{program}/guidance/{year}", get(guidance_get))
        .route("/programs/{program}/plans/{unit}/{year}", get(plan_get))
        .route(
            "/programs/{program}/plans/{unit}/{year}/targets",
            axum::routing::post(plan_target),
        )
        .route(
            "/programs/{program}/plans/{unit}/{year}/{step}",
            axum::routing::post(plan_step),
        )
        .route("/programs/{program}/experts/{year}", get(experts_get))
        .route(
            "/programs/{program}/experts/{year}/assign",
            axum::routing::post(experts_assign),
        )
        .route(
            "/programs/{program}/experts/{year}/{unit}/scores",
            axum::routing::post(experts_score),
        )
        .route("/programs/{program}/assessment/{year}", get(assessment_get))
        .route(
            "/programs/{program}/satisfaction/{year}",
            get(satisfaction_get).post(satisfaction_rate),
        )
        .route(
            "/programs/{program}/assessment/{year}/publish",
            axum::routing::post(assessment_publish),
        )
        .fallback(not_found)
}
