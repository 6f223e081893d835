//! Year-end inspection by cross-examination: the draw, findings, rectification.

use super::{Scope, back_to, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use std::collections::{BTreeMap, HashMap};
use twinaid_app::Finding;
use twinaid_domain::Lang;

/// One inspection as the page shows it.
pub struct Row {
    pub project: String,
    pub inspected: String,
    pub inspector: String,
    pub rating: String,
    pub issues: String,
    pub rectification: String,
    pub answer: String,
    pub closed: bool,
    /// The viewer inspects this project.
    pub may_find: bool,
    /// The viewer's project has a demand to answer.
    pub may_answer: bool,
    pub may_close: bool,
    /// (id, file name, size) of the photos and documents attached to the finding.
    pub attachments: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    page: Page,
    drawn: String,
    may_draw: bool,
    seed: i32,
    load: Vec<(String, usize)>,
    rows: Vec<Row>,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct InspectionQuery {
    program: Option<String>,
    year: Option<i32>,
    error: Option<String>,
}

/// The inspection page of a year.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<InspectionQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: q.year,
        },
    )
    .await?;
    let (round, inspections) = state.app.inspections(&user.actor, &program, year).await?;
    let units: HashMap<String, String> = state
        .app
        .units(&user.actor, &program)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u.name(lang).to_string()))
        .collect();
    let name = |c: &str| units.get(c).cloned().unwrap_or(c.to_string());
    let perms = state.app.permissions(&user.actor, &program);
    let (office, own) = (perms.office, perms.own_unit);
    let mut files: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for a in state
        .app
        .inspection_attachments(&user.actor, &program, year)
        .await?
    {
        files.entry(a.project.clone()).or_default().push((
            a.id,
            a.filename,
            format!("{:.0} KB", (a.size as f64 / 1024.0).ceil()),
        ));
    }
    let mut load: BTreeMap<String, usize> = BTreeMap::new();
    let rows = inspections
        .iter()
        .map(|i| {
            *load.entry(name(&i.inspector_unit)).or_default() += 1;
            let mine_to_inspect = office || own.as_deref() == Some(i.inspector_unit.as_str());
            Row {
                project: i.project.clone(),
                inspected: name(&i.inspected_unit),
                inspector: name(&i.inspector_unit),
                rating: i.rating.map(|r| r.to_string()).unwrap_or_default(),
                issues: i.issues.clone().unwrap_or_default(),
                rectification: if i.rectification_required {
                    lang.pick("须整改", "rectification demanded")
                } else {
                    ""
                }
                .to_string(),
                answer: i.rectification_answer.clone().unwrap_or_default(),
                closed: i.closed,
                may_find: mine_to_inspect && !i.closed,
                may_answer: (office || own.as_deref() == Some(i.inspected_unit.as_str()))
                    && i.rectification_required
                    && !i.closed,
                may_close: mine_to_inspect
                    && !i.closed
                    && i.rating.is_some()
                    && (!i.rectification_required || i.rectification_answer.is_some()),
                attachments: files.remove(&i.project).unwrap_or_default(),
            }
        })
        .collect();
    let drawn = match round {
        Some(r) => {
            let (by, at) =
                crate::history::by_and_when(&state, &user, &program, &r.drawn_by, &r.drawn_at)
                    .await?;
            match lang {
                Lang::Zh => format!("{by} 于 {at} 抽签，种子 {}", r.seed),
                Lang::En => format!("drawn by {by} at {at}, seed {}", r.seed),
            }
        }
        None => String::new(),
    };
    let title = crate::i18n::Tr { lang }.s("inspections");
    let here = format!("/inspections?program={}&year={year}", url_encode(&program));
    let page = InspectionsPage {
        page: Page::new(&user, title, &here, &program, year),
        may_draw: office && drawn.is_empty(),
        drawn,
        seed: year,
        load: load.into_iter().collect(),
        rows,
        error: q.error.unwrap_or_default(),
    };
    Ok(render(&page, lang))
}

/// The office draws the year's teams.
pub async fn draw(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let seed = form
        .get("seed")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(year as u64);
    let result = state
        .app
        .draw_inspections(&user.actor, &program, year, seed)
        .await
        .map(|_| ());
    back_to(
        &format!("/inspections?program={}&year={year}", url_encode(&program)),
        result,
        user.lang,
    )
}

/// The inspector records a finding, the inspected unit answers, the inspector closes.
pub async fn act(
    State(state): State<AppState>,
    user: SignedIn,
    Path((project, action)): Path<(String, String)>,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let app = &state.app;
    let result = match action.as_str() {
        "finding" => {
            let finding = Finding {
                rating: get("rating"),
                issues: get("issues"),
                amount_verified: get("amount_verified"),
                rectification_required: form.contains_key("rectification_required"),
            };
            app.record_finding(&user.actor, &program, year, &project, &finding)
                .await
        }
        "answer" => {
            app.answer_rectification(&user.actor, &program, year, &project, &get("answer"))
                .await
        }
        "close" => {
            app.close_inspection(&user.actor, &program, year, &project)
                .await
        }
        _ => return Err(WebError::not_found(user.lang)),
    };
    back_to(
        &format!("/inspections?program={}&year={year}", url_encode(&program)),
        result,
        user.lang,
    )
}

/// The inspector uploads a photo or document to a finding (a multipart form).
pub async fn attach(
    State(state): State<AppState>,
    user: SignedIn,
    Path(project): Path<String>,
    Query(scope): Query<Scope>,
    mut form: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let too_large = twinaid_domain::DomainError::AttachmentTooLarge {
        size: twinaid_app::ATTACHMENT_MAX_BYTES + 1,
        max: twinaid_app::ATTACHMENT_MAX_BYTES,
    };
    let super::files::UploadForm { csrf, file, .. } =
        super::files::upload_form(&mut form, lang, too_large).await?;
    user.check_csrf(csrf.as_ref())?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let (name, bytes) = file.unwrap_or_default();
    let result = state
        .app
        .attach_to_inspection(&user.actor, &program, year, &project, &name, &bytes)
        .await
        .map(|_| ());
    back_to(
        &format!("/inspections?program={}&year={year}", url_encode(&program)),
        result,
        lang,
    )
}

/// Downloads an attachment, always as a download: a file uploaded by one
/// user is never run as a page in another user's browser.
pub async fn download(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let (program, _) = resolve(&state, &user, &scope).await?;
    let (row, data) = state.app.attachment(&user.actor, &program, id).await?;
    Ok(crate::view::file_response(
        &row.filename,
        &row.content_type,
        data,
    ))
}
