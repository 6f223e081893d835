//! `Query` and `Path` as axum's, but a value that does not read (a year of
//! `' OR 1=1--`, a token number of `abc`) is answered 422 naming the
//! parameter: a translated page for the pages, the JSON error for the API,
//! instead of axum's plain-text 400.

use crate::error::WebError;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use twinaid_domain::Lang;

/// What was wrong, from axum's rejection text ("…: year: invalid digit …").
pub(crate) fn detail(text: &str) -> String {
    text.split_once(": ")
        .map_or(text, |(_, rest)| rest)
        .chars()
        .take(300)
        .collect()
}

/// The sentence a person reads.
pub(crate) fn bad_parameter(text: &str, lang: Lang) -> String {
    let detail = detail(text);
    match lang {
        Lang::Zh => format!("网址中的参数无法读取（{detail}）：请检查网址，或从页面上的链接进入"),
        Lang::En => format!(
            "a parameter in the address cannot be read ({detail}): check the address, or follow a link on the page"
        ),
    }
}

fn page_refusal(text: &str, parts: &Parts) -> WebError {
    let lang = crate::session::lang_of(&parts.headers);
    WebError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: bad_parameter(text, lang),
        lang,
    }
}

/// The query string of a page, read into `T`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(page_refusal(&e.body_text(), parts)),
        }
    }
}

/// The parameters in a page's path, read into `T`.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(page_refusal(&e.body_text(), parts)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refusal_names_the_parameter() {
        let said = super::bad_parameter(
            "Failed to deserialize query string: year: invalid digit found in string",
            twinaid_domain::Lang::En,
        );
        assert!(said.contains("year: invalid digit"), "{said}");
    }
}
