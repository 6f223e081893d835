//! Signing in and out, and switching language.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::i18n::Tr;
use crate::session::{
    Client, CookieSecurity, LANG_COOKIE, PageLang, SESSION_COOKIE, SIGNIN_CSRF_COOKIE, SignedIn,
    cookie, plain_http_off_localhost, random_token, set_cookie,
};
use crate::view::Page;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use twinaid_app::SESSION_HOURS;
use twinaid_domain::Lang;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: Page,
    csrf: String,
    next: String,
    username: String,
    error: String,
    /// Said on a site reached over plain HTTP on purpose.
    notice: String,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only paths on this site are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn sign_in_page(
    lang: Lang,
    cookies: CookieSecurity,
    next: &str,
    username: &str,
    error: &str,
) -> Response {
    let t = Tr { lang };
    let csrf = random_token();
    let page = SignInPage {
        page: Page::bare(t, t.s("sign_in")),
        csrf: csrf.clone(),
        next: next.to_string(),
        username: username.to_string(),
        error: error.to_string(),
        notice: match cookies {
            CookieSecurity::PlainHttp => t.s("plain_http_notice").to_string(),
            CookieSecurity::Secure => String::new(),
        },
    };
    let mut response = render(&page, lang);
    let (name, value) = set_cookie(SIGNIN_CSRF_COOKIE, &csrf, Some(3600), cookies);
    response.headers_mut().append(name, value);
    response
}

/// The sign-in form.
pub async fn form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(q): Query<Next>,
) -> Response {
    sign_in_page(lang, state.cookies, &safe_next(q.next.as_deref()), "", "")
}

/// Checks the password, opens a session with a new id, and goes on.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageLang(lang): PageLang,
    Client(client): Client,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let next = safe_next(Some(field("next")));
    let cookies = state.cookies;
    let expected = cookie(&headers, SIGNIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != field("csrf") {
        let t = Tr { lang };
        // No cookie at all: the browser did not keep the form's, and says why it could not.
        let message = if !expected.is_empty() {
            t.s("signin_form_expired")
        } else if cookies == CookieSecurity::Secure && plain_http_off_localhost(&headers) {
            t.s("cookie_dropped_over_http")
        } else {
            t.s("cookie_dropped")
        };
        return sign_in_page(lang, cookies, &next, field("username"), message);
    }
    match state
        .app
        .sign_in(field("username"), field("password"), &client)
        .await
    {
        Ok((secret, _session)) => {
            let mut response = Redirect::to(&next).into_response();
            let (name, value) = set_cookie(
                SESSION_COOKIE,
                &secret.0,
                Some(SESSION_HOURS * 3600),
                cookies,
            );
            response.headers_mut().append(name, value);
            let (name, value) = set_cookie(SIGNIN_CSRF_COOKIE, "", Some(0), cookies);
            response.headers_mut().append(name, value);
            response
        }
        Err(e) => {
            let mut response =
                sign_in_page(lang, cookies, &next, field("username"), &e.message(lang));
            *response.status_mut() = crate::error::status_of(&e);
            response
        }
    }
}

/// Ends the session and forgets the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Client(client): Client,
    user: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.app.sign_out(&token, &client).await?;
    }
    let mut response = Redirect::to("/signin").into_response();
    let (name, value) = set_cookie(SESSION_COOKIE, "", Some(0), state.cookies);
    response.headers_mut().append(name, value);
    Ok(response)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Remembers the chosen language for a year and returns to the page.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let mut response = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    let (name, value) = set_cookie(
        LANG_COOKIE,
        lang.pick("zh", "en"),
        Some(365 * 24 * 3600),
        state.cookies,
    );
    response.headers_mut().append(name, value);
    response
}
