//! API tokens a user creates for scripts (each shown once), with when they
//! end and were last used, and revoked here.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::extract::Path;
use crate::session::{Client, SignedIn};
use crate::view::{Page, local_time};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use twinaid_app::TokenStanding;

/// A token as listed: id, owner, name, made, ends, last used, standing.
pub struct TokenLine {
    pub id: i64,
    pub owner: String,
    pub name: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// "in_force", "revoked" or "expired" (an i18n key).
    pub standing: &'static str,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    token: String,
    tokens: Vec<TokenLine>,
    days: i64,
}

async fn lines(state: &AppState, user: &SignedIn) -> Result<Vec<TokenLine>, WebError> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let shown = |t: &Option<String>| {
        t.as_deref()
            .map_or_else(|| "—".to_string(), |t| local_time(t, state.time_zone))
    };
    Ok(state
        .app
        .api_tokens(&user.actor)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            standing: match t.standing(&now) {
                TokenStanding::Revoked => "token_revoked",
                TokenStanding::Expired => "token_expired",
                TokenStanding::InForce => "token_in_force",
            },
            owner: t.username,
            name: t.name,
            created: local_time(&t.created_at, state.time_zone),
            expires: shown(&t.expires_at),
            last_used: shown(&t.last_used_at),
        })
        .collect())
}

async fn show(state: &AppState, user: &SignedIn, token: String) -> Result<Response, WebError> {
    let title = crate::i18n::Tr { lang: user.lang }.s("api_tokens");
    let mut response = render(
        &TokensPage {
            page: Page::new(user, title, "/tokens", "", 0),
            token,
            tokens: lines(state, user).await?,
            days: twinaid_app::TOKEN_DAYS,
        },
        user.lang,
    );
    // A token shown once is not kept by the browser or a proxy.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The tokens and the form for a new one.
pub async fn page(State(state): State<AppState>, user: SignedIn) -> Result<Response, WebError> {
    show(&state, &user, String::new()).await
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
    let days = match form.get("days").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        None => twinaid_app::TOKEN_DAYS,
        Some(d) => d.parse().unwrap_or(0),
    };
    let secret = state
        .app
        .create_api_token_for(&user.actor, name, days, &client)
        .await?;
    show(&state, &user, secret.0).await
}

/// Revokes a token; it answers 401 from its next use on.
pub async fn revoke(
    State(state): State<AppState>,
    Client(client): Client,
    user: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    state.app.revoke_api_token(&user.actor, id, &client).await?;
    Ok(Redirect::to("/tokens").into_response())
}
