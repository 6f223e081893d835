//! Errors as a person sees them: a translated page, or JSON for the API.

use crate::i18n::Tr;
use crate::view::Page;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use twinaid_app::AppError;
use twinaid_domain::Lang;

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    status: u16,
    message: String,
}

/// A failed page request, rendered in the user's language.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    pub lang: Lang,
}

/// The status an application error answers with.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::BadRequest(e) if e.is_state_conflict() => StatusCode::CONFLICT,
        // A report of a year the program does not span does not exist.
        AppError::BadRequest(twinaid_domain::DomainError::YearOutsideProgram { .. }) => {
            StatusCode::NOT_FOUND
        }
        AppError::BadRequest(_) | AppError::Invalid(_) | AppError::Field(..) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs, once, an error a person is not shown the cause of: a failure with
/// its whole cause chain (`outer: inner: innermost`), or a database out of
/// reach. Refusals of input are the person's to read, not the log's.
pub fn log_cause(e: &AppError) -> StatusCode {
    let status = status_of(e);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %cause_chain(e), "request failed");
    } else if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::warn!(error = %cause_chain(e), "database out of reach");
    }
    status
}

/// An error and its sources, outermost first.
pub fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let said = s.to_string();
        // Wrappers often repeat their source's words: say each once.
        if !out.ends_with(&said) {
            out.push_str(": ");
            out.push_str(&said);
        }
        source = s.source();
    }
    out
}

tokio::task_local! {
    /// The language of the request being served, read once from it by
    /// [`with_request_lang`].
    static REQUEST_LANG: Lang;
}

/// The language of the request being served: the API's `Accept-Language`
/// (else the language cookie), a page's cookie; Chinese outside a request.
pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or(Lang::Zh)
}

/// Serves a request with its language known to every error made while
/// serving it, so handlers turn an application error into an answer with `?`.
pub async fn with_request_lang(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let lang = if request.uri().path().starts_with("/api/") {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::parse)
            .unwrap_or_else(|| crate::session::lang_of(headers))
    } else {
        crate::session::lang_of(headers)
    };
    REQUEST_LANG.scope(lang, next.run(request)).await
}

/// An application error in the request's language.
impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        WebError::from_app(e, request_lang())
    }
}

impl WebError {
    /// An application error in a language; internal causes go to the log.
    pub fn from_app(e: AppError, lang: Lang) -> WebError {
        let status = log_cause(&e);
        WebError {
            status,
            message: e.message(lang),
            lang,
        }
    }

    /// An upload that could not be read: too large, or not a well-formed form.
    /// `too_large` says what a body past the limit is told.
    pub fn upload(
        e: axum::extract::multipart::MultipartError,
        lang: Lang,
        too_large: &twinaid_domain::DomainError,
    ) -> WebError {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            too_large.message(lang)
        } else {
            format!("{}: {}", Tr { lang }.s("error"), e.body_text())
        };
        WebError {
            status,
            message,
            lang,
        }
    }

    /// A page that does not exist.
    pub fn not_found(lang: Lang) -> WebError {
        WebError {
            status: StatusCode::NOT_FOUND,
            message: Tr { lang }.s("not_found").to_string(),
            lang,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let t = Tr { lang: self.lang };
        let page = ErrorPage {
            page: Page::bare(t, t.s("error")),
            status: self.status.as_u16(),
            message: self.message,
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, page_text(&t)).into_response(),
        }
    }
}

fn page_text(t: &Tr) -> String {
    t.s("error").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cause_chain_names_every_source_once() {
        let inner = std::io::Error::other("disk full");
        let e = twinaid_app::AppError::Internal(format!("cannot write: {inner}"));
        assert_eq!(super::cause_chain(&e), e.to_string());
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("saving failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        assert_eq!(
            super::cause_chain(&Outer(inner)),
            "saving failed: disk full"
        );
    }
}
