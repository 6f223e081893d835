//! One line in the log for each request, and its id on the response: the
//! id a proxy in front sent (`x-request-id`), or a new one.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, OnceLock};

/// The header that carries a request's id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// Who made a request, once a session or token says: filled in by the
/// extractors that sign people in, read when the request is logged.
#[derive(Clone, Default)]
pub struct WhoAsked(Arc<OnceLock<String>>);

impl WhoAsked {
    /// Names the user of the request this slot travels with.
    pub fn set(parts: &axum::http::request::Parts, name: &str) {
        if let Some(slot) = parts.extensions.get::<WhoAsked>() {
            let _ = slot.0.set(name.to_string());
        }
    }
}

/// An id a proxy may send: short and printable, so a log line stays one line.
fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Logs the request's method, route (the template, never the values in
/// it), status, time, id and user (`-` when it needed no sign-in), at
/// `info` under the target `twinaid_web::requests`; counts it for
/// `/metrics`; and returns the id with the response.
pub async fn trace(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(crate::session::random_token, str::to_string);
    let method = request.method().clone();
    // A request no route took has no template; its path may hold anything
    // (a name, an id number), so it is not written down.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let who = WhoAsked::default();
    request.extensions_mut().insert(who.clone());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = tracing::Instrument::instrument(next.run(request), span).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    let user = who.0.get().map_or("-", String::as_str);
    tracing::info!(
        target: "twinaid_web::requests",
        %method,
        route,
        status,
        elapsed_ms = (seconds * 10_000.0).round() / 10.0,
        request_id = %id,
        user,
        "request"
    );
    state
        .metrics
        .record(method.as_str(), &route, status, seconds);
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
