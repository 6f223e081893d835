//! One line in the log for each request, and its id on the response: the
//! id a proxy in front sent (`x-request-id`), or a new one.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header that carries a request's id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// An id a proxy may send: short and printable, so a log line stays one line.
fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Logs the request's method, route (the template, never the values in
/// it; the path of a request no route took), status, time and id, at `info` under the target
/// `twinaid_web::requests`, and returns the id with the response.
pub async fn trace(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(crate::session::random_token, str::to_string);
    let method = request.method().clone();
    // A request no route took is logged by its path: there is no template.
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || format!("(no route) {}", request.uri().path()),
        |p| p.as_str().to_string(),
    );
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "twinaid_web::requests",
        %method,
        route,
        status,
        elapsed_ms = format_args!("{elapsed_ms:.1}"),
        request_id = %id,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_short_printable_ids_are_taken_from_outside() {
        assert!(super::acceptable("3f2a-77b1.proxy:9"));
        assert!(!super::acceptable(""));
        assert!(!super::acceptable("a b"));
        assert!(!super::acceptable("a\nfake log line"));
        assert!(!super::acceptable(&"x".repeat(129)));
    }
}
