//! API tokens a user creates for scripts; each is shown once.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::session::{Client, SignedIn};
use crate::view::Page;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    token: String,
}

/// The token form.
pub async fn page(user: SignedIn) -> Response {
    let title = crate::i18n::Tr { lang: user.lang }.s("api_tokens");
    render(
        &TokensPage {
            page: Page::new(&user, title, "/tokens", "", 0),
            token: String::new(),
        },
        user.lang,
    )
}

/// Creates a token and shows it once.
pub async fn create(
    State(state): State<AppState>,
    Client(client): Client,
    user: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let name = form.get("name").map(String::as_str).unwrap_or("script");
    let secret = state
        .app
        .create_api_token(&user.actor, name, &client)
        .await
        .map_err(|e| WebError::from_app(e, user.lang))?;
    let title = crate::i18n::Tr { lang: user.lang }.s("api_tokens");
    Ok(render(
        &TokensPage {
            page: Page::new(&user, title, "/tokens", "", 0),
            token: secret.0,
        },
        user.lang,
    ))
}
