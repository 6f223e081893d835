//! Cookies, the signed-in user of a page, and CSRF checks.

use crate::AppState;
use crate::error::WebError;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use twinaid_app::Actor;
use twinaid_domain::Lang;

/// The session cookie: a random id whose hash the store keeps.
pub const SESSION_COOKIE: &str = "twinaid_session";
/// The remembered language.
pub const LANG_COOKIE: &str = "twinaid_lang";
/// The sign-in form's CSRF token (there is no session yet to hold it).
pub const SIGNIN_CSRF_COOKIE: &str = "twinaid_signin";

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The language the user chose, Chinese by default.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default()
}

/// A `Set-Cookie` header: HttpOnly, Secure, SameSite=Lax, for the whole site.
/// `max_age` of 0 deletes the cookie.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> (axum::http::HeaderName, HeaderValue) {
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    let text = format!("{name}={value}; Path=/; HttpOnly; Secure; SameSite=Lax{age}");
    (
        SET_COOKIE,
        HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("")),
    )
}

/// A random token for forms.
pub fn random_token() -> String {
    let mut buf = [0u8; 24];
    // Without randomness no form can be protected; an empty token then matches nothing.
    if getrandom::fill(&mut buf).is_err() {
        return String::new();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The language of any page, signed in or not.
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(&parts.headers)))
    }
}

/// Where a request came from (the peer's address), for the audit log of
/// who came and went; "unknown" when the server was not told.
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The signed-in user of a page; without a session the browser goes to the sign-in page.
pub struct SignedIn {
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
}

impl SignedIn {
    /// Who this is for a kept page: the session (its form token) and language.
    pub fn kept_key(&self) -> String {
        format!("{}|{}", self.csrf, self.lang.pick("zh", "en"))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        if let Some(token) = token {
            match state.app.session(&token).await {
                Ok(Some(session)) => {
                    return Ok(SignedIn {
                        actor: session.actor,
                        csrf: session.csrf_token,
                        lang,
                    });
                }
                Ok(None) => {}
                Err(e) => return Err(WebError::from_app(e, lang).into_response()),
            }
        }
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = format!("/signin?next={}", crate::view::url_encode(next));
        Err(Redirect::to(&target).into_response())
    }
}

impl SignedIn {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: Option<&String>) -> Result<(), WebError> {
        match submitted {
            Some(token) if !self.csrf.is_empty() && token == &self.csrf => Ok(()),
            _ => Err(WebError {
                status: StatusCode::FORBIDDEN,
                message: self
                    .lang
                    .pick(
                        "表单已过期，请刷新页面后重试",
                        "the form has expired; reload the page and try again",
                    )
                    .to_string(),
                lang: self.lang,
            }),
        }
    }
}
