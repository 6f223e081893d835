//! Aid sectors → project categories: the office's rows (which come before
//! twinaid's table) and a form to set or remove one; the IATI import reads
//! an activity's category through them.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use twinaid_domain::Lang;

#[derive(Deserialize, Default)]
pub struct SectorsQuery {
    program: Option<String>,
    year: Option<i32>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "sectors.html")]
struct SectorsPage {
    page: Page,
    /// The office's rows: (sector, category in words).
    own: Vec<(String, String)>,
    /// twinaid's rows: (sector, category in words).
    built_in: Vec<(String, String)>,
    /// The categories to choose from: (code, name).
    categories: Vec<(String, String)>,
    may_set: bool,
    error: String,
}

/// The project categories, code and name in a language.
fn categories(lang: Lang) -> Vec<(String, String)> {
    twinaid_domain::sector::project_categories()
        .iter()
        .map(|c| (c.code.to_string(), lang.pick(c.zh, c.en).to_string()))
        .collect()
}

/// The sectors page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<SectorsQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: q.year,
        },
    )
    .await?;
    let categories = categories(lang);
    let named = |code: &str| {
        categories
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.to_string(), |(_, n)| format!("{n}（{code}）"))
    };
    let own = state
        .app
        .sector_categories(&user.actor, &program)
        .await?
        .into_iter()
        .map(|r| {
            let name = named(&r.category);
            (r.sector, name)
        })
        .collect();
    let built_in = twinaid_domain::sector::BUILT_IN
        .iter()
        .map(|(sector, category)| (sector.to_string(), named(category)))
        .collect();
    let here = format!("/sectors?program={}", url_encode(&program));
    let page = SectorsPage {
        page: Page::new(&user, t.s("sectors"), &here, &program, year),
        own,
        built_in,
        categories,
        may_set: state.app.permissions(&user.actor, &program).office,
        error: q.error.unwrap_or_default(),
    };
    Ok(render(&page, lang))
}

#[derive(Deserialize)]
pub struct SectorForm {
    csrf: Option<String>,
    sector: String,
    #[serde(default)]
    category: String,
}

/// Sets (or, with no category, removes) the office's row for a sector.
pub async fn set(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    axum::Form(form): axum::Form<SectorForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let (program, _) = resolve(&state, &user, &scope).await?;
    let back = format!("/sectors?program={}", url_encode(&program));
    let result = state
        .app
        .set_sector_category(&user.actor, &program, &form.sector, &form.category)
        .await
        .map(|_| ());
    super::back_to(&back, result, user.lang)
}
