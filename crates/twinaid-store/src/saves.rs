//! Saves of a few records (a form, an API call) queued per program and
//! written together, a batch to a transaction: group commit.
//!
//! Writes to one program go one at a time (its figures and the audit chain
//! need it), so under many clerks at once a save waits for those ahead of
//! it. Written alone, each pays for the program's lock, reading the
//! indicators, refreshing the figures, chaining its events and the commit's
//! flush to disk; written together, a batch pays for them once and each save
//! for its own rows alone. Every save keeps its own outcome: should the
//! batch fail (one save refused, say a code another clerk took a moment
//! before), nothing of it is stored and each save is written again alone,
//! so every clerk hears what became of their own save.

use crate::load::LoadSummary;
use crate::{Store, StoreError, WriteNotes};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use tokio::sync::oneshot;
use tracing::Instrument;
use twinaid_domain::bundle::ProgramBundle;

/// Records a save may hold to be queued: a form or an API call, not a file.
const RECORDS_PER_SAVE: usize = 10;

/// Records a batch may hold: the figures of so many are refreshed by
/// difference, whatever their counties hold.
const RECORDS_PER_BATCH: usize = crate::summary::RECORDS_BY_DIFFERENCE;

/// The saves waiting, per program, and whether a batch of it is being written.
#[derive(Default)]
pub(crate) struct Saves {
    programs: Mutex<HashMap<String, Waiting>>,
}

#[derive(Default)]
struct Waiting {
    saves: Vec<Save>,
    writing: bool,
}

/// One save: what to write, by whom and why, and where its outcome goes.
pub(crate) struct Save {
    pub bundle: ProgramBundle,
    pub actor: String,
    pub notes: OwnedNotes,
    reply: oneshot::Sender<Result<LoadSummary, StoreError>>,
}

/// [`WriteNotes`] owned, to travel to the task that writes the batch.
pub(crate) struct OwnedNotes {
    correction: Option<String>,
    unpaired: Option<String>,
    steps_back: Vec<(String, String, String)>,
    step_back_reason: String,
    create_only: bool,
}

impl OwnedNotes {
    fn from(notes: &WriteNotes<'_>) -> OwnedNotes {
        OwnedNotes {
            correction: notes.correction.map(str::to_string),
            unpaired: notes.unpaired.map(str::to_string),
            steps_back: notes.steps_back.to_vec(),
            step_back_reason: notes.step_back_reason.to_string(),
            create_only: notes.create_only,
        }
    }

    pub fn notes(&self) -> WriteNotes<'_> {
        WriteNotes {
            correction: self.correction.as_deref(),
            unpaired: self.unpaired.as_deref(),
            steps_back: &self.steps_back,
            step_back_reason: &self.step_back_reason,
            create_only: self.create_only,
            progress: None,
        }
    }
}

/// Whether a write is a save to queue: records alone, a few of them.
pub(crate) fn is_save(bundle: &ProgramBundle, notes: &WriteNotes<'_>) -> bool {
    notes.progress.is_none()
        && bundle.program.is_none()
        && bundle.helped.is_empty()
        && bundle.regions.is_empty()
        && bundle.designations.is_empty()
        && bundle.units.is_empty()
        && bundle.aggregates.is_empty()
        && bundle.targets.is_empty()
        && bundle.indicators.is_empty()
        && bundle.exchange_rates.is_empty()
        && bundle.sector_categories.is_empty()
        && bundle.kinds.is_empty()
        && bundle.fields.is_empty()
        && bundle.choices.is_empty()
        && bundle.custom_records.is_empty()
        && (1..=RECORDS_PER_SAVE).contains(&bundle.records.len())
}

impl Store {
    /// Queues a save for its program and waits for its outcome; the first
    /// save of a quiet program starts the task that writes the queue.
    pub(crate) async fn save_queued(
        &self,
        bundle: &ProgramBundle,
        actor: &str,
        notes: &WriteNotes<'_>,
    ) -> Result<LoadSummary, StoreError> {
        let (reply, outcome) = oneshot::channel();
        let program = bundle.program_code.clone();
        let save = Save {
            bundle: bundle.clone(),
            actor: actor.to_string(),
            notes: OwnedNotes::from(notes),
            reply,
        };
        let start = {
            let mut programs = self.saves.lock();
            let waiting = programs.entry(program.clone()).or_default();
            waiting.saves.push(save);
            !std::mem::replace(&mut waiting.writing, true)
        };
        if start {
            // A task of its own: a clerk who closes the page does not cut
            // short the batch that carries other clerks' saves (a save
            // queued is written, whether or not its clerk still waits).
            let store = self.clone();
            let span = tracing::info_span!("saves", program = %program);
            tokio::spawn(async move { store.write_queue(&program).await }.instrument(span));
        }
        // Dropped unanswered only if the writing task died: the save was not
        // written, and may be tried again.
        outcome
            .await
            .unwrap_or_else(|_| Err(unavailable("the task writing saves stopped")))
    }

    /// Writes a program's queue, a batch at a time, until it is empty.
    async fn write_queue(&self, program: &str) {
        let mut draining = Draining {
            saves: &self.saves,
            program,
            finished: false,
        };
        loop {
            let batch = {
                let mut programs = self.saves.lock();
                let Some(waiting) = programs.get_mut(program) else {
                    draining.finished = true;
                    return;
                };
                // A batch ends before a save that would take it past its
                // records, or that names a record a save in it names.
                let mut records = 0;
                let mut named = HashSet::new();
                let taken = waiting
                    .saves
                    .iter()
                    .take_while(|s| {
                        records += s.bundle.records.len();
                        let fresh = s
                            .bundle
                            .records
                            .iter()
                            .all(|r| named.insert((r.item.kind, r.item.code().to_string())));
                        records <= RECORDS_PER_BATCH && fresh
                    })
                    .count()
                    .max(1)
                    .min(waiting.saves.len());
                if taken == 0 {
                    programs.remove(program);
                    draining.finished = true;
                    return;
                }
                waiting.saves.drain(..taken).collect::<Vec<Save>>()
            };
            self.write_batch(batch).await;
        }
    }

    /// Writes a batch together, or, should a save of it refuse the batch,
    /// each save alone; every save hears its own outcome.
    async fn write_batch(&self, batch: Vec<Save>) {
        if batch.len() > 1 {
            let failed = match self.write_together(&batch).await {
                Ok((tx, outcomes)) => {
                    match tx.commit().await {
                        Ok(()) => {
                            for (save, outcome) in batch.into_iter().zip(outcomes) {
                                // A clerk who stopped waiting misses nothing to act on.
                                let _ = save.reply.send(Ok(outcome));
                            }
                        }
                        // Whether a commit that failed took effect is not
                        // known: written again, a save could be written twice.
                        Err(e) => answer_all(batch, &StoreError::from(e)),
                    }
                    return;
                }
                Err(e) => e,
            };
            tracing::warn!(error = %failed, cause = ?std::error::Error::source(&failed), saves = batch.len(), "saves written together failed");
            if let StoreError::Unavailable(_) = failed {
                // The database, not a save: alone, each would wait as long again.
                answer_all(batch, &failed);
                return;
            }
            // One save refused (a code taken a moment before) refuses the
            // batch; alone, it hears why and the others are written.
        }
        for save in batch {
            let outcome = self
                .apply_alone(&save.bundle, &save.actor, save.notes.notes())
                .await;
            let _ = save.reply.send(outcome);
        }
    }
}

impl Saves {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiting>> {
        // A panic while the map was held left it whole: each change to it is
        // one statement.
        self.programs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends a program's queue should its task stop before the queue is empty
/// (a panic): the saves waiting are answered, as unwritten, and the next
/// save starts a task again, instead of every save of the program waiting
/// for a task that is gone.
struct Draining<'a> {
    saves: &'a Saves,
    program: &'a str,
    finished: bool,
}

impl Drop for Draining<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // While this task lives no other writes the program's queue: the
            // entry is this task's to remove.
            self.saves.lock().remove(self.program);
        }
    }
}

/// The database could not take a save: nothing of it was written.
fn unavailable(why: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(std::io::Error::other(why.to_string())))
}

/// Answers every save of a batch that failed for all of them alike.
fn answer_all(batch: Vec<Save>, failed: &StoreError) {
    let why = match std::error::Error::source(failed) {
        Some(cause) => format!("{failed}: {cause}"),
        None => failed.to_string(),
    };
    for save in batch {
        let _ = save.reply.send(Err(unavailable(&why)));
    }
}
