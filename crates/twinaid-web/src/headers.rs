//! Headers every response carries against framing, sniffing, leaking and
//! injected script, and the refusal of a form sent from another site.

use crate::AppState;
use crate::error::WebError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Scripts only from the app's own files (the pages carry no inline
/// script); styles may be inline (charts and htmx set them); nothing may
/// frame the pages; forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, once the server is reached over HTTPS.
const STRICT_TRANSPORT: &str = "max-age=31536000";

/// Refuses a page's state-changing request whose `Origin` is another
/// site's, then sets the headers on whatever is answered.
pub async fn secure(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The API's writes need a bearer token, which a foreign page cannot send.
    let page = !request.uri().path().starts_with("/api/");
    if changes && page && !from_here(request.headers(), state.public_url.as_deref()) {
        let lang = crate::session::lang_of(request.headers());
        let refusal = WebError {
            status: axum::http::StatusCode::FORBIDDEN,
            message: crate::i18n::Tr { lang }.s("foreign_origin").to_string(),
            lang,
        };
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            "a form from another site was refused"
        );
        return with_headers(refusal.into_response(), state.hsts);
    }
    with_headers(next.run(request).await, state.hsts)
}

fn with_headers(mut response: Response, hsts: bool) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    if hsts {
        set(h, header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT);
    }
    response
}

/// Whether a request came from a page of this site: no `Origin` (an older
/// browser or a script; the form's CSRF token still decides), or one whose
/// host and port are the `Host` asked for, or the public URL's.
fn from_here(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(authority) else {
        // "null" (a sandboxed frame, a file) or garbage.
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    host.as_deref() == Some(origin.as_str()) || public_url.and_then(authority) == Some(origin)
}

/// `host[:port]` of `scheme://host[:port][/…]`, lower-cased.
fn authority(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split('/').next()?.to_ascii_lowercase();
    (!authority.is_empty()).then_some(authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn only_forms_from_this_site_may_change_anything() {
        assert!(from_here(&headers(None, "twinaid.test:8080"), None));
        assert!(from_here(
            &headers(Some("http://twinaid.test:8080"), "twinaid.test:8080"),
            None
        ));
        assert!(from_here(
            &headers(Some("https://TWINAID.example"), "twinaid.example"),
            None
        ));
        assert!(!from_here(
            &headers(Some("https://evil.example"), "twinaid.example"),
            None
        ));
        assert!(!from_here(&headers(Some("null"), "twinaid.example"), None));
        // Behind a proxy that rewrites Host, the public URL's origin is this site.
        assert!(from_here(
            &headers(Some("https://twinaid.gov.cn"), "127.0.0.1:8080"),
            Some("https://twinaid.gov.cn/")
        ));
    }

    #[test]
    fn the_policy_allows_no_inline_script() {
        let script = CONTENT_SECURITY_POLICY
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
