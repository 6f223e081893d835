//! The audit log: who changed what, when, before and after.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::session::SignedIn;
use crate::view::Page;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<twinaid_app::AuditEntry>,
    /// The chain's head: the latest event's place and hash, for an auditor
    /// to keep outside the system.
    checkpoint: Option<(i64, String)>,
}

/// The newest 500 audit events.
pub async fn page(State(state): State<AppState>, user: SignedIn) -> Result<Response, WebError> {
    let lang = user.lang;
    let mut entries = state.app.audit_log(&user.actor, 500).await?;
    for e in &mut entries {
        e.at = crate::view::local_time(&e.at, state.time_zone);
    }
    let checkpoint = state.app.audit_checkpoint(&user.actor).await?;
    let title = crate::i18n::Tr { lang }.s("audit");
    Ok(render(
        &AuditPage {
            page: Page::new(&user, title, "/audit", "", 0),
            entries,
            checkpoint,
        },
        lang,
    ))
}
