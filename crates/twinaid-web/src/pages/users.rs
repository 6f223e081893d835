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

/// Passwords made up for someone, kept for the administrator who made
/// them until shown once (at most five minutes): by id, (the
/// administrator, the user, the password, when made). A reload of the page
/// then asks for nothing again and shows no password twice.
pub type Shown =
    std::sync::Arc<std::sync::Mutex<HashMap<String, (String, String, String, std::time::Instant)>>>;

const SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// Keeps a made-up password for its one showing; the address that shows it.
fn keep_shown(state: &AppState, admin: &str, username: &str, password: String) -> String {
    let id = crate::session::random_token();
    if let Ok(mut kept) = state.shown.lock() {
        kept.retain(|_, (_, _, _, at)| at.elapsed() < SHOWN_FOR);
        kept.insert(
            id.clone(),
            (
                admin.to_string(),
                username.to_string(),
                password,
                std::time::Instant::now(),
            ),
        );
    }
    format!("/users?shown={id}")
}

/// The password kept under `id` for this administrator, taken out.
fn take_shown(state: &AppState, admin: &str, id: &str) -> Option<(String, String)> {
    let mut kept = state.shown.lock().ok()?;
    match kept.remove(id) {
        Some((made_by, user, password, at)) if made_by == admin && at.elapsed() < SHOWN_FOR => {
            Some((user, password))
        }
        Some(other) if other.0 != admin => {
            // Not theirs to see: left for the one who made it.
            kept.insert(id.to_string(), other);
            None
        }
        _ => None,
    }
}

/// What `/users` is opened with after a change: the password to show once,
/// or what was just done to whom.
#[derive(serde::Deserialize, Default)]
pub struct UsersQuery {
    shown: Option<String>,
    done: Option<String>,
    user: Option<String>,
}

/// An account as listed.
pub struct UserLine {
    pub username: String,
    pub name: String,
    pub role: String,
    pub role_code: String,
    pub scope: String,
    /// What the scope is, by name (empty when it has none).
    pub scope_name: String,
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
    /// What was just done, said in a sentence.
    notice: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
}

const ROLES: [&str; 7] = [
    "administrator",
    "program_office",
    "helper_unit",
    "helped_county",
    "expert",
    "viewer",
    "national_office",
];

async fn users_page(
    state: &AppState,
    user: &SignedIn,
    made: Option<(String, String)>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let locks = state.app.user_locks(&user.actor).await?;
    let scopes = state.app.user_scope_names(&user.actor).await?;
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
            scope_name: scopes
                .get(&u.username)
                .map(|(zh, en)| lang.pick(zh, en.as_deref().unwrap_or(zh)).to_string())
                .unwrap_or_default(),
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
            notice,
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

/// Every account, with what an administrator may do to each; after a
/// change, the password made up (once) or what was done.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    crate::extract::Query(q): crate::extract::Query<UsersQuery>,
) -> Result<Response, WebError> {
    let made = q
        .shown
        .as_deref()
        .and_then(|id| take_shown(&state, &user.actor.name, id));
    let t = crate::i18n::Tr { lang: user.lang };
    let notice = match (q.done.as_deref(), q.user.as_deref()) {
        (Some(done), Some(who)) => {
            let said = match done {
                "disable" => t.s("done_disable"),
                "enable" => t.s("done_enable"),
                "role" => t.s("done_role"),
                "unlock" => t.s("done_unlock"),
                _ => "",
            };
            (!said.is_empty()).then(|| format!("{said}{}{who}", t.s("colon")))
        }
        _ => None,
    };
    users_page(&state, &user, made, notice).await
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
    let shown = keep_shown(&state, &user.actor.name, username, password.0);
    Ok(Redirect::to(&shown).into_response())
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
            let shown = keep_shown(&state, &user.actor.name, &username, password.0);
            return Ok(Redirect::to(&shown).into_response());
        }
        _ => return Err(WebError::not_found(lang)),
    }
    let done = format!(
        "/users?done={action}&user={}",
        crate::view::url_encode(&username)
    );
    Ok(Redirect::to(&done).into_response())
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
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    // Typed twice, so a slip of the finger does not lock its owner out.
    if form
        .get("password_again")
        .is_some_and(|again| again != password)
    {
        let message = crate::i18n::Tr { lang: user.lang }.s("passwords_differ");
        let mut response = account_page(&user, message.to_string(), false);
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return response;
    }
    let session = cookie(&headers, SESSION_COOKIE);
    match state
        .app
        .change_password(
            &user.actor,
            field(&form, "current"),
            password,
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
