//! Server-rendered pages.

pub mod analysis;
pub mod assessment;
pub mod assets;
pub mod audit;
pub mod custom_records;
pub mod dashboard;
pub mod files;
pub mod groups;
pub mod inspections;
pub mod map;
pub mod plans;
pub mod progress;
pub mod rates;
pub mod records;
pub mod registry;
pub mod search;
pub mod sectors;
pub mod signin;
pub mod structure;
pub mod tokens;
pub mod users;
pub mod yearbook;

use crate::AppState;
use crate::error::WebError;
use crate::session::{PageLang, SignedIn};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use twinaid_domain::Lang;

/// Any page that matches no route.
pub async fn not_found(PageLang(lang): PageLang) -> WebError {
    WebError::not_found(lang)
}

/// Renders a template, or an error page if rendering fails.
pub fn render(template: &impl Template, lang: Lang) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            WebError {
                status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                message: e.to_string(),
                lang,
            }
            .into_response()
        }
    }
}

/// After a form: back to `target`, with a message a person can act on when the
/// step was refused for a reason they can fix; anything else is an error page.
pub fn back_to(
    target: &str,
    result: Result<(), twinaid_app::AppError>,
    lang: Lang,
) -> Result<Response, WebError> {
    use twinaid_app::AppError;
    match result {
        Ok(()) => Ok(axum::response::Redirect::to(target).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Field(..) | AppError::Invalid(_))) => {
            let sep = if target.contains('?') { '&' } else { '?' };
            let with_error = format!(
                "{target}{sep}error={}",
                crate::view::url_encode(&e.message(lang))
            );
            Ok(axum::response::Redirect::to(&with_error).into_response())
        }
        Err(e) => Err(WebError::from_app(e, lang)),
    }
}

/// A page of a program and year, kept until the program's data changes
/// (see [`crate::kept`]).
pub async fn kept_page(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    year: i32,
    uri: &axum::http::Uri,
    make: impl std::future::Future<Output = Result<Response, WebError>>,
) -> Result<Response, WebError> {
    let what = format!("{program}|{year}|{uri}");
    crate::kept::kept(state, &user.actor, user.kept_key(), program, what, make).await
}

/// Remembers the year a user asked a report for, so the next report opens on it.
pub fn remembering(
    mut response: Response,
    state: &AppState,
    user: &SignedIn,
    program: &str,
    asked: Option<i32>,
) -> Response {
    if let Some(year) = asked
        && user.remembered_year.as_ref() != Some(&(program.to_string(), year))
    {
        let (name, value) = crate::session::remember_year(user, program, year, state.cookies);
        response.headers_mut().append(name, value);
    }
    response
}

/// The program and year a page is about.
#[derive(Debug, Deserialize, Default)]
pub struct Scope {
    pub program: Option<String>,
    pub year: Option<i32>,
}

/// Picks the program (the first one when none is named) and the year (its
/// latest year with data when none is named): where records are entered.
pub async fn resolve(
    state: &AppState,
    user: &SignedIn,
    scope: &Scope,
) -> Result<(String, i32), WebError> {
    resolve_for(state, user, scope, false).await
}

/// As [`resolve`], with the year a report opens on when none is named: the
/// latest the office closed (see `App::closed_year`).
pub async fn resolve_report(
    state: &AppState,
    user: &SignedIn,
    scope: &Scope,
) -> Result<(String, i32), WebError> {
    resolve_for(state, user, scope, true).await
}

async fn resolve_for(
    state: &AppState,
    user: &SignedIn,
    scope: &Scope,
    report: bool,
) -> Result<(String, i32), WebError> {
    let program = match &scope.program {
        Some(p) if !p.is_empty() => p.clone(),
        _ => state
            .app
            .programs(&user.actor)
            .await?
            .first()
            .map(|p| p.code.clone())
            .ok_or_else(|| WebError::not_found(user.lang))?,
    };
    let year = match scope.year {
        Some(y) => y,
        // A report opens on the year this user last chose, else the one the office closed.
        None if report => match &user.remembered_year {
            Some((p, y)) if *p == program => *y,
            _ => state.app.closed_year(&user.actor, &program).await?,
        },
        None => state.app.latest_year(&user.actor, &program).await?,
    };
    Ok((program, year))
}
