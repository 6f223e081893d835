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
        AppError::BadRequest(_) | AppError::Invalid(_) | AppError::Field(..) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl WebError {
    /// An application error in a language; internal causes go to the log.
    pub fn from_app(e: AppError, lang: Lang) -> WebError {
        let status = status_of(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?e, "request failed");
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = ?e, "database out of reach");
        }
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
