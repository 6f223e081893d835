//! Accounts: the administrator's 用户管理 page (add, disable and enable,
//! lift a sign-in lock, change role, reset password) and everyone's own
//! password.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::extract::Path;
use crate::session::{Client, SESSION_COOKIE, SignedIn, cookie};
use crate::view::Page;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use twinaid_app::Role;

/// An account as listed.
pub struct UserLine {
    pub username: String,
    pub name: String,
    pub role: String,
    pub role_code: String,
    pub scope: String,
    pub disabled: bool,
    /// When a lock from failed sign-ins ends, in local time, if one holds.
    pub locked_until: Option<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserLine>,
    /// A password made up for someone, shown once: (user name, password).
    made: Option<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

const ROLES: [&str; 6] = [
    "administrator",
    "program_office",
    "helper_unit",
    "helped_county",
    "expert",
    "viewer",
];

async fn users_page(
    state: &AppState,
    user: &SignedIn,
    made: Option<(String, String)>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let locks = state.app.user_locks(&user.actor).await?;
    let users = state
        .app
        .users(&user.actor)
        .await?
        .into_iter()
        .map(|u| UserLine {
            locked_until: locks
                .get(&u.username.to_lowercase())
                .map(|until| crate::view::local_time(until, state.time_zone)),
            role: Role::from_stored(&u.role, u.scope.as_deref())
                .map_or_else(|| u.role.clone(), |r| r.name(lang).to_string()),
            role_code: u.role,
            scope: u.scope.unwrap_or_default(),
            disabled: u.disabled_at.is_some(),
            username: u.username,
            name: u.display_name,
        })
        .collect();
    let roles = ROLES
        .iter()
        .map(|code| {
            let name = Role::from_stored(code, Some("x")).map_or(*code, |r| r.name(lang));
            (*code, name)
        })
        .collect();
    let title = crate::i18n::Tr { lang }.s("users");
    let mut response = render(
        &UsersPage {
            page: Page::new(user, title, "/users", "", 0),
            users,
            made,
            roles,
        },
        lang,
    );
    // A password shown once is not kept by the browser or a proxy.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Every account, with what an administrator may do to each.
pub async fn page(State(state): State<AppState>, user: SignedIn) -> Result<Response, WebError> {
    users_page(&state, &user, None).await
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name)
        .map(String::as_str)
        .unwrap_or_default()
        .trim()
}

fn role_of(form: &HashMap<String, String>) -> Result<Role, twinaid_app::AppError> {
    let scope = Some(field(form, "scope")).filter(|s| !s.is_empty());
    let role = field(form, "role");
    // A role kept to a program, unit or county needs that code.
    if scope.is_none()
        && Role::from_stored(role, Some("x")).is_some()
        && Role::from_stored(role, None).is_none()
    {
        return Err(twinaid_app::AppError::Field(
            "scope",
            twinaid_domain::DomainError::Required,
        ));
    }
    Role::from_stored(role, scope).ok_or_else(|| {
        twinaid_app::AppError::Field(
            "role",
            twinaid_domain::DomainError::UnknownChoice {
                value: format!("{} {}", field(form, "role"), scope.unwrap_or_default()),
                allowed: ROLES.to_vec(),
            },
        )
    })
}

/// Adds an account with a password made up here, shown once.
pub async fn create(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let role = role_of(&form)?;
    let username = field(&form, "username");
    let name = Some(field(&form, "name"))
        .filter(|n| !n.is_empty())
        .unwrap_or(username);
    let password = state
        .app
        .add_user_made_up(&user.actor, username, name, &role)
        .await?;
    users_page(&state, &user, Some((username.to_string(), password.0))).await
}

/// disable, enable, unlock, role or reset-password on one account.
pub async fn act(
    State(state): State<AppState>,
    Client(client): Client,
    user: SignedIn,
    Path((username, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let lang = user.lang;
    let app = &state.app;
    match action.as_str() {
        "unlock" => app.unlock_user(&user.actor, &username, &client).await?,
        "disable" | "enable" => {
            app.set_user_disabled(&user.actor, &username, action == "disable", &client)
                .await?
        }
        "role" => {
            let role = role_of(&form)?;
            app.set_user_role(&user.actor, &username, &role).await?;
        }
        "reset-password" => {
            let password = app.reset_password(&user.actor, &username, &client).await?;
            return users_page(&state, &user, Some((username, password.0))).await;
        }
        _ => return Err(WebError::not_found(lang)),
    }
    Ok(Redirect::to("/users").into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    message: String,
    changed: bool,
}

fn account_page(user: &SignedIn, message: String, changed: bool) -> Response {
    let title = crate::i18n::Tr { lang: user.lang }.s("account");
    render(
        &AccountPage {
            page: Page::new(user, title, "/account", "", 0),
            message,
            changed,
        },
        user.lang,
    )
}

/// One's own account: the password form.
pub async fn account(user: SignedIn) -> Response {
    account_page(&user, String::new(), false)
}

/// Changes one's own password (the current one first); other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Client(client): Client,
    user: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(e) = user.check_csrf(form.get("csrf")) {
        return e.into_response();
    }
    let session = cookie(&headers, SESSION_COOKIE);
    match state
        .app
        .change_password(
            &user.actor,
            field(&form, "current"),
            form.get("password").map(String::as_str).unwrap_or_default(),
            session.as_deref(),
            &client,
        )
        .await
    {
        Ok(()) => account_page(&user, String::new(), true),
        Err(e) => {
            let status = crate::error::status_of(&e);
            let mut response = account_page(&user, e.message(user.lang), false);
            *response.status_mut() = status;
            response
        }
    }
}
