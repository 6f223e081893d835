//! Spreadsheets in and out through the pages: a kind's import template, the
//! import form (whole file checked, nothing written unless all is right) and
//! the annotated copy of a refused file.

use super::progress::{Stage, Tracker};
use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::session::SignedIn;
use crate::view::{Page, file_response, url_encode};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use twinaid_app::AppError;
use twinaid_domain::record::RecordKind;
use twinaid_domain::{DomainError, Lang};
use twinaid_exchange::importing::{FileImport, Heard, ImportDone, import_file};
use twinaid_exchange::workbook::{TemplateLists, template as write_template};

/// How long an annotated copy stays downloadable.
const COPY_LIFETIME: Duration = Duration::from_secs(3600);

/// Annotated copies by token: (who may fetch it, made at, file name, bytes).
pub type Copies = Arc<Mutex<HashMap<String, (String, Instant, String, Vec<u8>)>>>;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The template of a kind, with the program's codes in its lists.
pub async fn template(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::template(&state, &user, &kind).await;
    };
    let (program, _) = resolve(&state, &user, &scope).await?;
    let c = state
        .app
        .template_choices(&user.actor, &program, lang)
        .await?;
    let lists = TemplateLists {
        regions: c.regions,
        helper_units: c.helper_units,
        helped_units: c.helped_units,
        example_year: c.year,
        catalog: c.catalog,
    };
    let bytes =
        write_template(kind, &lists, lang).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("{}-{}.xlsx", kind.code(), lang.pick("模板", "template"));
    Ok(file_response(&name, XLSX, bytes))
}

#[derive(Template)]
#[template(path = "import.html")]
pub(super) struct ImportPage {
    pub(super) page: Page,
    pub(super) kind: String,
    pub(super) kind_name: String,
    pub(super) problems: Vec<String>,
    pub(super) more: usize,
    pub(super) copy_href: String,
    /// After an IATI import: what it did, and its report a line each.
    pub(super) done: String,
    pub(super) report: Vec<String>,
    /// Whether the form takes an IATI file (projects), with the units and
    /// places an unmatched activity may go to.
    pub(super) iati: bool,
    pub(super) helper_units: Vec<(String, String)>,
    pub(super) regions: Vec<(String, String)>,
}

async fn import_page_for(
    state: &AppState,
    user: &SignedIn,
    (program, year): (&str, i32),
    kind: RecordKind,
    problems: Vec<String>,
    copy_href: String,
) -> Result<ImportPage, WebError> {
    let lang = user.lang;
    let title = format!(
        "{}{}{}",
        crate::i18n::Tr { lang }.s("import"),
        lang.pick("：", ": "),
        kind.name(lang)
    );
    let here = format!(
        "/records/{}/import?program={}",
        kind.code(),
        url_encode(program)
    );
    // A page of problems is enough to act on; the annotated copy has them all.
    const SHOWN: usize = 200;
    let more = problems.len().saturating_sub(SHOWN);
    let iati = kind == RecordKind::Project;
    let choices = if iati {
        Some(
            state
                .app
                .template_choices(&user.actor, program, lang)
                .await
                .map_err(|e| WebError::from_app(e, lang))?,
        )
    } else {
        None
    };
    let (helper_units, regions) = choices
        .map(|c| (c.helper_units, c.regions))
        .unwrap_or_default();
    Ok(ImportPage {
        page: Page::new(user, &title, &here, program, year),
        kind: kind.code().to_string(),
        kind_name: kind.name(lang).to_string(),
        problems: problems.into_iter().take(SHOWN).collect(),
        more,
        copy_href,
        done: String::new(),
        report: Vec::new(),
        iati,
        helper_units,
        regions,
    })
}

/// The import form of a kind.
pub async fn import_page(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::import_page(&state, &user, &kind, &scope).await;
    };
    let (program, year) = resolve(&state, &user, &scope).await?;
    let page = import_page_for(
        &state,
        &user,
        (&program, year),
        kind,
        Vec::new(),
        String::new(),
    )
    .await?;
    Ok(render(&page, user.lang))
}

/// The token a page names its import by, to ask how far it is.
#[derive(serde::Deserialize)]
pub struct Tracked {
    progress: Option<String>,
}

/// Whether a request says up front that its body is larger than `max`:
/// it is then refused before a byte of it is read, not after `max` bytes.
pub(crate) fn declared_over(headers: &axum::http::HeaderMap, max: usize) -> bool {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX))
}

/// Imports an uploaded file: on success back to the list with what was done;
/// on problems the page lists them and offers the annotated copy.
pub async fn import(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(scope): Query<Scope>,
    Query(tracked): Query<Tracked>,
    headers: axum::http::HeaderMap,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let too_large = DomainError::UploadTooLarge {
        max: state.limits.upload_bytes,
    };
    if declared_over(&headers, state.limits.upload_bytes) {
        return Err(WebError {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            message: too_large.message(lang),
            lang,
        });
    }
    // The turn first: an import past the limit is refused before its file is read.
    let _turn = state.import_turn().await?;
    let form = upload_form(&mut form, lang, too_large).await?;
    user.check_csrf(form.csrf.as_ref())?;
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::import(&state, &user, &kind, &scope, form).await;
    };
    let tracker = Tracker::start(
        &state.progress,
        &user.actor.name,
        tracked.progress.as_deref(),
    );
    let (program, year) = resolve(&state, &user, &scope).await?;
    let (name, bytes) = form.file.unwrap_or_default();
    let chosen = |field: &str| {
        form.fields
            .iter()
            .find(|(n, v)| n == field && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let heard = |h: Heard| match h {
        Heard::Rows(n) => tracker.stage(Stage::Writing, 0, n as u64),
        // Checking and writing go window by window: the bar counts both.
        Heard::Checking => {}
        Heard::Written(n) => tracker.written(n),
    };
    let outcome = import_file(
        &state.app,
        &user.actor,
        &program,
        FileImport {
            name: name.clone(),
            bytes: bytes.to_vec(),
            kind: Some(kind),
            limits: state.limits.read,
            helper_unit: chosen("helper_unit"),
            region: chosen("region"),
            copy_in: Some(lang),
        },
        &heard,
    )
    .await
    .map_err(|e| WebError::from_app(e, lang))?;
    let refused = match outcome {
        Ok(done) => {
            let notice = done_notice(&name, &done, lang);
            // An IATI file's report is long: the page shows it whole.
            if let Some(iati) = &done.iati {
                let mut page = import_page_for(
                    &state,
                    &user,
                    (&program, year),
                    kind,
                    Vec::new(),
                    String::new(),
                )
                .await?;
                page.done = notice;
                page.report = twinaid_exchange::iati::report::lines(&iati.report, lang);
                return Ok(render(&page, lang));
            }
            return Ok(Redirect::to(&format!(
                "/records/{}?program={}&notice={}",
                done.kind.code(),
                url_encode(&program),
                url_encode(&notice)
            ))
            .into_response());
        }
        Err(refused) => refused,
    };
    let copy_href = match refused.copy {
        Some((copy_name, copy)) => {
            let token = new_token();
            if let Ok(mut copies) = state.copies.lock() {
                copies.retain(|_, (_, at, _, _)| at.elapsed() < COPY_LIFETIME);
                copies.insert(
                    token.clone(),
                    (user.actor.name.clone(), Instant::now(), copy_name, copy),
                );
            }
            format!("/imports/{token}")
        }
        None => String::new(),
    };
    let page = import_page_for(
        &state,
        &user,
        (&program, year),
        kind,
        refused.problems.iter().map(|p| p.message(lang)).collect(),
        copy_href,
    )
    .await?;
    let mut response = render(&page, lang);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// What an import did, in a sentence for the list it goes back to.
fn done_notice(name: &str, done: &ImportDone, lang: Lang) -> String {
    let counts = |k: RecordKind| {
        done.summary
            .counts
            .get(k.code())
            .copied()
            .unwrap_or_default()
    };
    if let Some(iati) = &done.iati {
        let (pc, pu, _) = counts(RecordKind::Project);
        let (tc, tu, _) = counts(RecordKind::FundTransaction);
        return twinaid_exchange::iati::report::summary(
            name,
            iati.activities,
            (pc + pu, tc + tu),
            &iati.report,
            lang,
        );
    }
    let (created, updated, unchanged) = counts(done.kind);
    let (rows, examples) = (done.rows, done.examples);
    match lang {
        Lang::Zh => format!(
            "已导入 {name}：{rows} 行，新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条，跳过示例行 {examples} 行"
        ),
        Lang::En => format!(
            "imported {name}: {rows} rows, {created} added, {updated} updated, {unchanged} unchanged, {examples} example rows skipped"
        ),
    }
}

/// Reads a form with a CSRF token and one file, as the upload forms send it.
pub(crate) async fn upload_form(
    form: &mut Multipart,
    lang: Lang,
    too_large: DomainError,
) -> Result<UploadForm, WebError> {
    let (mut csrf, mut file, mut fields) = (None, None, Vec::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| WebError::upload(e, lang, &too_large))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| WebError::upload(e, lang, &too_large))?,
                )
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::upload(e, lang, &too_large))?;
                file = Some((name, bytes));
            }
            Some(other) => {
                let other = other.to_string();
                let text = field
                    .text()
                    .await
                    .map_err(|e| WebError::upload(e, lang, &too_large))?;
                fields.push((other, text));
            }
            None => {}
        }
    }
    Ok(UploadForm { csrf, file, fields })
}

/// An upload form as sent: its CSRF token, its file (name and bytes) and
/// any other fields.
pub(crate) struct UploadForm {
    pub csrf: Option<String>,
    pub file: Option<(String, axum::body::Bytes)>,
    pub fields: Vec<(String, String)>,
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the copy is still made, under a token nobody else is likely to guess.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The annotated copy of a refused import, to the person who imported it.
pub async fn copy(
    State(state): State<AppState>,
    user: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let found = state.copies.lock().ok().and_then(|copies| {
        copies
            .get(&token)
            .filter(|(who, at, _, _)| *who == user.actor.name && at.elapsed() < COPY_LIFETIME)
            .map(|(_, _, name, bytes)| (name.clone(), bytes.clone()))
    });
    match found {
        Some((name, bytes)) => Ok(file_response(&name, XLSX, bytes)),
        None => Err(WebError::not_found(user.lang)),
    }
}

pub(crate) fn workbook_response(
    tables: &[twinaid_exchange::export::ExportTable],
    name: &str,
) -> Result<Response, WebError> {
    let bytes =
        twinaid_exchange::export::xlsx(tables).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(file_response(name, XLSX, bytes))
}

/// The yearbook as a workbook: headline figures, by source, by county.
pub async fn yearbook_xlsx(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let yb = state.app.yearbook(&user.actor, &program, year).await?;
    let tables = twinaid_exchange::reports::yearbook(&yb, lang);
    let name = format!("{program}-{}-{year}.xlsx", lang.pick("年鉴", "yearbook"));
    workbook_response(&tables, &name)
}

/// The assessment as a workbook: the ranking and every explanation.
pub async fn assessment_xlsx(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let (title, lines) = state
        .app
        .assessment_lines(&user.actor, &program, year, lang)
        .await?;
    let tables = twinaid_exchange::reports::assessment(&title, &lines, lang);
    let name = format!("{program}-{}-{year}.xlsx", lang.pick("考核", "assessment"));
    workbook_response(&tables, &name)
}

/// The yearbook's text and tables, written from the office's templates in
/// `TWINAID_TEMPLATES` (a folder) or twinaid's own.
async fn yearbook_blocks(
    state: &AppState,
    user: &SignedIn,
    scope: &Scope,
) -> Result<
    (
        String,
        i32,
        Vec<twinaid_exchange::document::Block>,
        twinaid_exchange::document::DocProps,
    ),
    WebError,
> {
    use twinaid_exchange::document;
    let lang = user.lang;
    let refused = |e: String| {
        WebError::from_app(
            AppError::BadRequest(twinaid_domain::DomainError::Document(e)),
            lang,
        )
    };
    let (program, year) = resolve(state, user, scope).await?;
    let yb = state.app.yearbook(&user.actor, &program, year).await?;
    let text = state
        .app
        .yearbook_text(&user.actor, &program, year, lang)
        .await?;
    let template =
        document::yearbook_template(state.templates.as_deref(), lang).map_err(refused)?;
    let author = text.author.clone();
    let named: Vec<document::NamedProject> =
        text.named_projects.into_iter().map(Into::into).collect();
    let guidance = text.guidance.map(document::GuidanceText::from);
    let blocks = document::yearbook_blocks(&yb, &named, guidance.as_ref(), &template, lang)
        .map_err(refused)?;
    let props = document::DocProps {
        title: document::title(&blocks),
        author: author.clone(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    Ok((program, year, blocks, props))
}

/// A helped county's one-page fact sheet for the year, as PDF (`.pdf`)
/// or Word (`.docx`).
pub async fn county_sheet(
    State(state): State<AppState>,
    user: SignedIn,
    Path((county, format)): Path<(String, String)>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    use twinaid_exchange::factsheet::{SheetFile, sheet_file};
    let lang = user.lang;
    let docx = match format.as_str() {
        "factsheet.pdf" => false,
        "factsheet.docx" => true,
        _ => return Err(WebError::not_found(lang)),
    };
    let (program, year) = resolve(&state, &user, &scope).await?;
    let sheet = state
        .app
        .county_sheet(&user.actor, &program, &county, year, lang)
        .await?;
    let name = format!(
        "{}-{year}-{}.{}",
        county,
        lang.pick("概况", "factsheet"),
        if docx { "docx" } else { "pdf" }
    );
    // Laying out (and measuring for one page) is work for a blocking thread.
    let fonts = state.fonts.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let file = if docx {
            SheetFile::Docx(fonts.as_deref())
        } else {
            SheetFile::Pdf(fonts.as_deref())
        };
        sheet_file(&sheet, lang, file)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| {
        WebError::from_app(
            AppError::BadRequest(twinaid_domain::DomainError::Document(e)),
            lang,
        )
    })?;
    let mime = if docx {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else {
        "application/pdf"
    };
    Ok(file_response(&name, mime, bytes))
}

/// The yearbook as a Word document.
pub async fn yearbook_docx(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year, blocks, props) = yearbook_blocks(&state, &user, &scope).await?;
    let bytes = twinaid_exchange::document::docx(&blocks, lang, &props)
        .map_err(|e| WebError::from_app(AppError::Internal(e), lang))?;
    let name = format!("{program}-{}-{year}.docx", lang.pick("年鉴", "yearbook"));
    Ok(file_response(
        &name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes,
    ))
}

/// The yearbook as PDF with the Chinese fonts embedded (fonts from the
/// `fonts` setting or where fonts-noto-cjk installs them).
pub async fn yearbook_pdf(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    use twinaid_exchange::{document, pdf};
    let lang = user.lang;
    let (program, year, blocks, _) = yearbook_blocks(&state, &user, &scope).await?;
    // Laying out and subsetting the fonts is work for a blocking thread.
    let fonts = state.fonts.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let fonts = pdf::PdfFonts::find(fonts.as_deref(), lang)?;
        pdf::pdf(&blocks, &document::title(&blocks), lang, &fonts)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| {
        WebError::from_app(
            AppError::BadRequest(twinaid_domain::DomainError::Document(e)),
            lang,
        )
    })?;
    let name = format!("{program}-{}-{year}.pdf", lang.pick("年鉴", "yearbook"));
    Ok(file_response(&name, "application/pdf", bytes))
}
