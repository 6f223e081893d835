//! How far an import from the pages is: the page names its import with a
//! token of its own choosing and asks for the import's stage and count
//! while its upload is being read, checked and written.

use crate::AppState;
use crate::error::WebError;
use crate::extract::Path;
use crate::session::SignedIn;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Running imports by their page's token: (who runs it, how far it is).
pub type Imports = Arc<Mutex<HashMap<String, (String, Progress)>>>;

/// Where an import is, as its page shows it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The file read and its rows checked one by one.
    Reading,
    /// The rows checked together and against what is stored.
    CheckingReferences,
    Writing,
}

impl Stage {
    /// The i18n key of the stage's words, as the command line's bar says them.
    fn key(self) -> &'static str {
        match self {
            Stage::Reading => "import_reading",
            Stage::CheckingReferences => "import_checking_references",
            Stage::Writing => "import_writing",
        }
    }
}

/// An import's stage and, while rows are counted, how many of how many.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// A token a page may choose: long enough not to be guessed, short enough to keep.
fn acceptable(token: &str) -> bool {
    (16..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// One import's entry, kept up to date by the import and removed when it ends.
pub struct Tracker {
    imports: Imports,
    token: Option<String>,
}

impl Tracker {
    /// Tracks the import named `token` (when the page gave an acceptable
    /// one, not in use by another import) for `user`.
    pub fn start(imports: &Imports, user: &str, token: Option<&str>) -> Tracker {
        let token = token.filter(|t| acceptable(t)).and_then(|t| {
            let mut running = imports.lock().ok()?;
            // A token already running is someone's: it is neither taken over nor ended by this import.
            if running.contains_key(t) {
                return None;
            }
            let start = Progress {
                stage: Stage::Reading,
                done: 0,
                total: 0,
            };
            running.insert(t.to_string(), (user.to_string(), start));
            Some(t.to_string())
        });
        Tracker {
            imports: imports.clone(),
            token,
        }
    }

    fn update(&self, change: impl FnOnce(&mut Progress)) {
        let Some(token) = &self.token else {
            return;
        };
        if let Ok(mut imports) = self.imports.lock()
            && let Some((_, progress)) = imports.get_mut(token)
        {
            change(progress);
        }
    }

    /// The import moved on to `stage`, with `done` of `total` rows.
    pub fn stage(&self, stage: Stage, done: u64, total: u64) {
        self.update(|p| *p = Progress { stage, done, total });
    }

    /// `n` more rows written.
    pub fn written(&self, n: usize) {
        self.update(|p| {
            if p.stage != Stage::Writing {
                *p = Progress {
                    stage: Stage::Writing,
                    done: 0,
                    total: p.total,
                };
            }
            p.done += n as u64;
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if let (Some(token), Ok(mut imports)) = (&self.token, self.imports.lock()) {
            imports.remove(token);
        }
    }
}

/// What the page's bar shows: the stage, its words and the count.
#[derive(Serialize)]
pub struct Shown {
    #[serde(flatten)]
    progress: Progress,
    label: String,
}

/// GET /imports/progress/{token}: the signed-in user's import of that
/// token; 404 once it has ended (or for anyone else's).
pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Path(token): Path<String>,
) -> Result<Json<Shown>, WebError> {
    let found = state
        .progress
        .lock()
        .ok()
        .and_then(|imports| imports.get(&token).cloned())
        .filter(|(who, _)| *who == user.actor.name);
    let Some((_, progress)) = found else {
        return Err(WebError::not_found(user.lang));
    };
    let label = crate::i18n::Tr { lang: user.lang }
        .s(progress.stage.key())
        .to_string();
    Ok(Json(Shown { progress, label }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_is_shown_while_it_runs_and_forgotten_when_it_ends() {
        let imports = Imports::default();
        let token = "0123456789abcdef0123";
        {
            let t = Tracker::start(&imports, "clerk", Some(token));
            t.stage(Stage::CheckingReferences, 10, 10);
            t.written(4);
            let (who, p) = imports.lock().unwrap().get(token).cloned().unwrap();
            assert_eq!(who, "clerk");
            assert_eq!((p.stage, p.done, p.total), (Stage::Writing, 4, 10));
        }
        assert!(imports.lock().unwrap().is_empty());
        // A token too short to be the page's own is not kept at all.
        let _t = Tracker::start(&imports, "clerk", Some("abc"));
        assert!(imports.lock().unwrap().is_empty());
        // Another import naming a running token neither takes it over nor ends it.
        let first = Tracker::start(&imports, "clerk", Some(token));
        first.written(2);
        drop(Tracker::start(&imports, "intruder", Some(token)));
        let (who, p) = imports.lock().unwrap().get(token).cloned().unwrap();
        assert_eq!((who.as_str(), p.done), ("clerk", 2));
    }
}
