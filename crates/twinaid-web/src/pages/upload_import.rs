//! Importing an uploaded file, for the import page and the API alike: a CSV
//! file is read, checked and written a window of rows at a time in one
//! transaction (memory holds its text and one window, not every row as
//! records: 300,000 rows took the server to 319 MB whole); a workbook is
//! read whole, within the read limits.

use std::sync::atomic::{AtomicUsize, Ordering};
use twinaid_app::LoadSummary;
use twinaid_app::{Actor, App, AppError, ImportWindow};
use twinaid_domain::Problem;
use twinaid_domain::record::RecordKind;
use twinaid_exchange::import::{choose_sheet, names_in_sheet, window_records_named};

/// Rows checked and written at a time, as the command line's import does.
const WINDOW: usize = 10_000;

/// What an import of a file did: the sheet it read, the rows read and the
/// example rows skipped, and the outcome.
pub(crate) struct Imported {
    pub index: usize,
    pub rows: usize,
    pub examples: usize,
    pub result: Result<LoadSummary, AppError>,
}

/// Imports records of `kind` from an uploaded file; `heard` hears how many
/// more rows were dealt with and, first, how many the file has at most. A
/// file that cannot be read at all is the inner error.
pub(crate) async fn import_upload(
    app: &App,
    actor: &Actor,
    program: &str,
    upload: Upload<'_>,
    limits: twinaid_exchange::ReadLimits,
    heard: &(dyn Fn(Heard) + Sync),
) -> Result<Result<Imported, Problem>, AppError> {
    let Upload { name, bytes, kind } = upload;
    if !name.to_ascii_lowercase().ends_with(".csv") {
        let read =
            super::files::read_upload(app, actor, program, name.to_string(), bytes, kind, limits)
                .await?;
        let (index, read) = match read {
            Ok(r) => r,
            Err(problem) => return Ok(Err(problem)),
        };
        let (rows, examples) = (read.rows_read, read.examples_skipped);
        heard(Heard::Rows(read.records.len()));
        let written = |n: usize| heard(Heard::Written(n));
        let result = app
            .import_records_heard(
                actor,
                program,
                kind,
                read.records,
                read.problems,
                Some(&written),
            )
            .await;
        return Ok(Ok(Imported {
            index,
            rows,
            examples,
            result,
        }));
    }
    // Lines bound the rows from above: the bar's length, known at once.
    heard(Heard::Rows(bytes.iter().filter(|b| **b == b'\n').count()));
    let mut windows = twinaid_exchange::csv_windows(name, &bytes, &limits, WINDOW);
    let first = match windows.next() {
        Some(Ok(sheet)) => sheet,
        Some(Err(p)) => return Ok(Err(p)),
        None => return Err(AppError::Internal("a CSV file gave no sheet".into())),
    };
    let (index, kind) = match choose_sheet(std::slice::from_ref(&first), name, Some(kind)) {
        Ok(chosen) => chosen,
        Err(p) => return Ok(Err(p)),
    };
    // Units and places named instead of coded, found once for the whole file.
    let mut named = std::collections::BTreeSet::new();
    for sheet in twinaid_exchange::csv_windows(name, &bytes, &limits, WINDOW).map_while(Result::ok)
    {
        names_in_sheet(&sheet, kind, &mut named);
    }
    let codes = app.codes_of_names(actor, program, kind, &named).await?;
    let (rows, examples) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut stop = false;
    let windows = std::iter::once(Ok(first))
        .chain(windows)
        .map_while(|window| {
            if stop {
                return None;
            }
            let (read, last) = window_records_named(window, kind, &codes);
            stop = last;
            rows.fetch_add(read.rows_read, Ordering::Relaxed);
            examples.fetch_add(read.examples_skipped, Ordering::Relaxed);
            Some(ImportWindow {
                records: read.records,
                problems: read.problems,
            })
        });
    let written = |n: usize| heard(Heard::Written(n));
    let result = app
        .import_record_windows(actor, program, kind, windows, Some(&written))
        .await;
    Ok(Ok(Imported {
        index,
        rows: rows.into_inner(),
        examples: examples.into_inner(),
        result,
    }))
}

/// An uploaded file: its name (which says its format), its bytes, and the
/// kind of records it is to hold.
pub(crate) struct Upload<'a> {
    pub name: &'a str,
    pub bytes: axum::body::Bytes,
    pub kind: RecordKind,
}

/// What an import tells of its progress.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Heard {
    /// The file has at most so many rows.
    Rows(usize),
    /// So many more rows were checked and written.
    Written(usize),
}
