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
/// The year a user last chose for a program's reports: `user|program|year`,
/// each part percent-encoded; honoured only for that user.
pub const YEAR_COOKIE: &str = "twinaid_year";
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

/// Whether the site's cookies are `Secure`, decided once from the address
/// people reach it at (`--public-url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieSecurity {
    /// Kept and sent by browsers only over HTTPS, or on localhost: the
    /// default, and what an `https://` public URL gives.
    #[default]
    Secure,
    /// Without `Secure`: the site is reached over plain HTTP on purpose
    /// (an `http://` public URL on an office network).
    PlainHttp,
}

impl CookieSecurity {
    /// From the public URL, when one is given: `https://…` or `http://…`.
    pub fn of_public_url(url: Option<&str>) -> Result<CookieSecurity, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(CookieSecurity::Secure);
        };
        let lower = url.to_ascii_lowercase();
        let host = |rest: &str| !rest.is_empty() && !rest.starts_with('/');
        if let Some(rest) = lower.strip_prefix("https://")
            && host(rest)
        {
            return Ok(CookieSecurity::Secure);
        }
        if let Some(rest) = lower.strip_prefix("http://")
            && host(rest)
        {
            return Ok(CookieSecurity::PlainHttp);
        }
        Err(format!(
            "公开地址 {url} 应是用户打开的地址，以 https:// 或 http:// 开头（如 http://twinaid.office:8080）· public URL {url}: give the address people open, starting with https:// or http:// (e.g. http://twinaid.office:8080)"
        ))
    }
}

/// Whether a request reached the server as plain HTTP at a name other
/// than localhost: a browser there drops `Secure` cookies. A proxy in
/// front that speaks HTTPS says so in `X-Forwarded-Proto`.
pub fn plain_http_off_localhost(headers: &HeaderMap) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !forwarded_https && !host.is_empty() && !is_local_host(host)
}

/// Whether a host (with or without its port: `[::1]:8080`,
/// `127.0.0.1:8080`, `localhost:8080`) names this machine only, where
/// browsers keep `Secure` cookies over plain http too.
pub fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => match host.rsplit_once(':') {
            // An address of IPv6 without brackets has colons of its own.
            Some((n, port)) if port.parse::<u16>().is_ok() && !n.contains(':') => n,
            _ => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A `Set-Cookie` header: HttpOnly, SameSite=Lax, for the whole site, and
/// `Secure` unless the site is reached over plain HTTP on purpose.
/// `max_age` of 0 deletes the cookie.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    security: CookieSecurity,
) -> (axum::http::HeaderName, HeaderValue) {
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    let secure = match security {
        CookieSecurity::Secure => "; Secure",
        CookieSecurity::PlainHttp => "",
    };
    let text = format!("{name}={value}; Path=/; HttpOnly{secure}; SameSite=Lax{age}");
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

/// Where a request came from, for the audit log of who came and went:
/// the peer's address, or, when the peer is a reverse proxy the operator
/// trusts (`trusted_proxies`), the nearest address before it in
/// `X-Forwarded-For` that is not itself such a proxy. "unknown" when the
/// server was not told.
pub struct Client(pub String);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(client_of(parts, state)))
    }
}

/// The client address of a request (see [`Client`]).
pub fn client_of(parts: &Parts, state: &AppState) -> String {
    {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        client_address(peer, &forwarded, &state.trusted_proxies)
    }
}

/// The client's address from the peer and the `X-Forwarded-For` chain
/// (`client, proxy1, proxy2`, each proxy appending the address it heard):
/// read from the right while the address is a trusted proxy, since only
/// those could have written what is left of them.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded: &str,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(mut address) = peer else {
        return "unknown".to_string();
    };
    let chain: Vec<&str> = forwarded.split(',').map(str::trim).collect();
    for hop in chain.iter().rev() {
        if !trusted.contains(&address) {
            break;
        }
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => address = ip,
            // A hop that is no address: stop at the last one believed.
            Err(_) => break,
        }
    }
    address.to_string()
}

/// The signed-in user of a page; without a session the browser goes to the sign-in page.
pub struct SignedIn {
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
    /// How the header names the person: display name and what they work for.
    pub display_name: String,
    pub scope_name: Option<(String, Option<String>)>,
    /// The year this user last chose for a program's reports: (program, year).
    pub remembered_year: Option<(String, i32)>,
}

/// Reads the remembered year if it is this user's.
fn remembered_year(headers: &axum::http::HeaderMap, user: &str) -> Option<(String, i32)> {
    let value = cookie(headers, YEAR_COOKIE)?;
    let mut parts = value.split('|');
    let (who, program, year) = (parts.next()?, parts.next()?, parts.next()?);
    let decode = |s: &str| crate::view::url_decode(s);
    (decode(who)? == user).then_some(())?;
    Some((decode(program)?, year.parse().ok()?))
}

/// The cookie that remembers the year a user chose for a program's reports.
pub fn remember_year(
    user: &SignedIn,
    program: &str,
    year: i32,
    security: CookieSecurity,
) -> (axum::http::HeaderName, HeaderValue) {
    let value = format!(
        "{}|{}|{year}",
        crate::view::url_encode(&user.actor.name),
        crate::view::url_encode(program)
    );
    set_cookie(YEAR_COOKIE, &value, Some(365 * 24 * 3600), security)
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
                    crate::requests::WhoAsked::set(parts, &session.actor.name);
                    let remembered_year = remembered_year(&parts.headers, &session.actor.name);
                    return Ok(SignedIn {
                        remembered_year,
                        actor: session.actor,
                        csrf: session.csrf_token,
                        lang,
                        display_name: session.display_name,
                        scope_name: session.scope_name,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let proxy = [ip("10.0.0.2")];
        // No proxy trusted: the peer, whatever the header says.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), "203.0.113.7", &[]),
            "10.0.0.2"
        );
        // The trusted proxy's word is taken.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), "203.0.113.7", &proxy),
            "203.0.113.7"
        );
        // A client that forged a header before the proxy appended its peer:
        // the proxy's own entry (the rightmost) is the one believed.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), "1.2.3.4, 203.0.113.7", &proxy),
            "203.0.113.7"
        );
        // Straight to the server, past the proxy: the header is ignored.
        assert_eq!(
            client_address(Some(ip("198.51.100.1")), "1.2.3.4", &proxy),
            "198.51.100.1"
        );
        assert_eq!(client_address(None, "", &proxy), "unknown");
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), "garbage", &proxy),
            "10.0.0.2"
        );
    }

    #[test]
    fn the_public_url_decides_whether_cookies_are_secure() {
        use CookieSecurity::*;
        assert_eq!(CookieSecurity::of_public_url(None), Ok(Secure));
        assert_eq!(
            CookieSecurity::of_public_url(Some("https://twinaid.example.org")),
            Ok(Secure)
        );
        assert_eq!(
            CookieSecurity::of_public_url(Some("HTTP://twinaid.test:8080/")),
            Ok(PlainHttp)
        );
        for bad in ["twinaid.test:8080", "ftp://x", "http://", "https:///x"] {
            assert!(CookieSecurity::of_public_url(Some(bad)).is_err(), "{bad}");
        }
        let (_, with) = set_cookie("a", "b", None, Secure);
        let (_, without) = set_cookie("a", "b", Some(0), PlainHttp);
        assert!(with.to_str().unwrap().contains("; Secure"));
        assert!(!without.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn a_plain_request_to_a_name_other_than_localhost_is_told_apart() {
        let at = |host: &str, proto: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(
                axum::http::header::HOST,
                HeaderValue::from_str(host).unwrap(),
            );
            if let Some(p) = proto {
                h.insert("x-forwarded-proto", HeaderValue::from_str(p).unwrap());
            }
            plain_http_off_localhost(&h)
        };
        assert!(at("twinaid.test:8080", None));
        assert!(at("192.168.1.20:8080", None));
        assert!(!at("twinaid.test", Some("https")));
        for local in [
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "app.localhost",
        ] {
            assert!(!at(local, None), "{local}");
        }
    }
}
