//! The JSON API under `/api/v1`: bearer tokens for scripts (a signed-in
//! browser session may read), JSON errors with a code and a message. Every
//! route is declared with its OpenAPI description beside its handler; the
//! document at `/api/v1/openapi.json` is made from those declarations.

mod caller;
mod cycle;
mod error;
mod params;
mod records;
mod reports;
mod schema;

use crate::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
pub use error::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Schemas no handler names: the refusals every operation may answer.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(error::ErrorBody)))]
struct Components;

/// The routes with their descriptions.
fn described() -> OpenApiRouter<AppState> {
    let (schemas, paths, upload) = routes!(cycle::attachment_upload);
    // An attachment is read whole, up to its own limit.
    let upload = (
        schemas,
        paths,
        upload.layer(DefaultBodyLimit::max(twinaid_app::ATTACHMENT_MAX_BYTES + 1)),
    );
    OpenApiRouter::with_openapi(<Components as utoipa::OpenApi>::openapi())
        .routes(routes!(reports::programs))
        .routes(routes!(reports::indicators))
        .routes(routes!(reports::yearbook))
        .routes(routes!(reports::groups))
        .routes(routes!(reports::group_yearbook))
        .routes(routes!(reports::pivot))
        .routes(routes!(records::list, records::create))
        .routes(routes!(records::get_one, records::update, records::delete))
        .routes(routes!(records::template))
        // The handler reads the body itself, up to the upload limit.
        .routes(routes!(records::import))
        .routes(routes!(records::steps, records::step))
        .routes(routes!(cycle::inspections))
        .routes(routes!(cycle::draw))
        .routes(routes!(cycle::inspection_action))
        .routes(routes!(cycle::attachments))
        .routes(upload)
        .routes(routes!(cycle::attachment_download))
        .routes(routes!(cycle::guidance_issue))
        .routes(routes!(cycle::group_guidance_issue))
        .routes(routes!(cycle::guidance_get))
        .routes(routes!(cycle::plan_get))
        .routes(routes!(cycle::plan_target))
        .routes(routes!(cycle::plan_step))
        .routes(routes!(cycle::experts))
        .routes(routes!(cycle::experts_assign))
        .routes(routes!(cycle::experts_score))
        .routes(routes!(cycle::assessment))
        .routes(routes!(cycle::assessment_publish))
        .routes(routes!(cycle::satisfaction, cycle::satisfaction_rate))
}

async fn not_found() -> ApiError {
    ApiError::not_found("没有这个接口", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        crate::error::request_lang().pick(
            "此接口不接受这种请求方法：请对照接口文档 /api/v1/docs",
            "this endpoint does not take that method: see the API document, /api/v1/docs",
        ),
    )
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("../../assets/api.html"))
}

/// The routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    let (router, doc) = described().split_for_parts();
    let document = std::sync::Arc::new(schema::finish(doc));
    router
        .route(
            "/openapi.json",
            get(move |State(state): State<AppState>| {
                let document = document.clone();
                async move {
                    // Values the installation added to choice lists are in the records' schemas.
                    let doc = match state.app.catalog().await {
                        Ok(catalog) => schema::with_catalog(&document, &catalog),
                        Err(e) => return error::ApiError::from(e).into_response(),
                    };
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        serde_json::to_vec(&doc).unwrap_or_default(),
                    )
                        .into_response()
                }
            }),
        )
        .route("/docs", get(docs))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

#[cfg(test)]
mod tests {
    fn document() -> serde_json::Value {
        let (_, doc) = super::described().split_for_parts();
        super::schema::finish(doc)
    }

    #[test]
    fn every_operation_says_how_it_is_refused() {
        let doc = document();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                operations += 1;
                for status in ["401", "403", "404", "422", "429"] {
                    assert_eq!(
                        op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
                if op
                    .pointer("/requestBody/content/application~1json")
                    .is_some()
                {
                    assert!(op["responses"]["415"].is_object(), "{method} {path}");
                }
            }
        }
        assert_eq!(operations, 34, "the API's operations");
        assert!(
            doc["components"]["schemas"]["project"]["properties"]["category"]["enum"].is_array()
        );
        assert_eq!(
            doc["paths"]["/programs/{program}/yearbook/{year}"]["get"]["parameters"][1]["schema"]["maximum"],
            2100
        );
    }
}
