//! Responses kept at the data version they were made at. Every write raises
//! the version in its own transaction, so a kept page or report is served
//! only while nothing it could show has changed: the next request after a
//! write makes it afresh. Keyed by who asked (their session or token, and
//! language) and what they asked for, since pages differ by role.

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::sync::Arc;
use twinaid_app::Actor;
use twinaid_app::cache::VersionedCache;

/// A response's headers and body, as made.
#[derive(Clone)]
pub struct Kept {
    headers: HeaderMap,
    body: Bytes,
}

/// Kept responses by (who, what).
pub type Responses = Arc<VersionedCache<(String, String), Kept>>;

/// Room for the largest national yearbook pages many times over, well within
/// the server's memory target.
const BUDGET_BYTES: usize = 96 << 20;

pub fn responses() -> Responses {
    Arc::new(VersionedCache::with_budget(
        512,
        BUDGET_BYTES,
        |k: &Kept| k.body.len(),
    ))
}

/// The kept response to `what` for `who` if the program's data has not
/// changed since it was made; otherwise `make`'s, kept when it succeeded.
pub async fn kept<E>(
    state: &AppState,
    actor: &Actor,
    who: String,
    program: &str,
    what: String,
    make: impl Future<Output = Result<Response, E>>,
) -> Result<Response, E> {
    // Read before the data, so what is kept holds every write up to this version.
    let version = state.app.data_version(actor, program).await.ok();
    let key = (who, what);
    if let Some(hit) = version.and_then(|v| state.responses.get(&key, v)) {
        let mut response = Response::new(Body::from(hit.body));
        *response.headers_mut() = hit.headers;
        return Ok(response);
    }
    let response = make.await?;
    let Some(version) = version else {
        return Ok(response);
    };
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            state.responses.put(
                key,
                version,
                Kept {
                    headers: parts.headers.clone(),
                    body: bytes.clone(),
                },
            );
            Ok(Response::from_parts(parts, Body::from(bytes)))
        }
        Err(_) => Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}
