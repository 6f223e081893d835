//! The one way a file of records comes in, whoever brings it — the import
//! page, the API, `twinaid import`: a spreadsheet (.xlsx .xls .ods, read
//! whole within the read limits), a CSV file (read, checked and written a
//! window of rows at a time in one transaction) or an IATI activity file
//! (.xml, projects and fund transactions together in one transaction).
//! Units and places a sheet names instead of coding are found first. The
//! outcome is what was done, or every problem with, for a sheet, a copy of
//! it with an error column.

use crate::iati::{self, FromIati, IatiMapping};
use crate::import::{choose_sheet, names_in_sheet, records_from_sheet_named, window_records_named};
use crate::{ReadLimits, Sheet};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use twinaid_app::{Actor, App, AppError, ImportWindow, LoadSummary};
use twinaid_domain::error::{Location, Problem};
use twinaid_domain::record::RecordKind;
use twinaid_domain::{DomainError, Lang};

/// Rows of a CSV file read, checked and written at a time.
pub const WINDOW: usize = 10_000;

/// A file to import and how.
pub struct FileImport {
    /// The file's name, which says its format.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The kind of records, when the sheet's name does not say.
    pub kind: Option<RecordKind>,
    pub limits: ReadLimits,
    /// For an IATI file: the helper unit and region an activity goes to
    /// when it names none of the program's.
    pub helper_unit: Option<String>,
    pub region: Option<String>,
    /// The language of a refused sheet's error column, if a copy is wanted.
    pub copy_in: Option<Lang>,
}

/// What an import tells of its progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// The file has at most so many rows (known before they are checked).
    Rows(usize),
    /// Rows are being checked; nothing is written yet.
    Checking,
    /// So many more rows were checked and written.
    Written(usize),
}

/// What an import did.
#[derive(Debug)]
pub struct ImportDone {
    /// The kind imported (an IATI file's: projects, with fund transactions).
    pub kind: RecordKind,
    /// Records added, updated and unchanged, by kind.
    pub summary: LoadSummary,
    /// Rows with content read, and example rows skipped.
    pub rows: usize,
    pub examples: usize,
    /// For an IATI file: what it mapped, converted and skipped.
    pub iati: Option<IatiImport>,
}

/// What an IATI import read besides its records.
#[derive(Debug)]
pub struct IatiImport {
    pub activities: usize,
    /// The read, with its records taken out.
    pub report: FromIati,
}

/// A refused import: every problem, and for a sheet, when a copy was
/// asked for, the copy's name and bytes.
#[derive(Debug)]
pub struct ImportRefused {
    pub problems: Vec<Problem>,
    pub copy: Option<(String, Vec<u8>)>,
}

/// Imports a file into a program as `actor`: nothing is written unless
/// every row is right. An error that is not the file's (no right to
/// import, the database) is the outer error.
pub async fn import_file(
    app: &App,
    actor: &Actor,
    program: &str,
    file: FileImport,
    heard: &(dyn Fn(Heard) + Sync),
) -> Result<Result<ImportDone, ImportRefused>, AppError> {
    // Who may not import is refused before the file is read at all.
    app.may_import(actor, program)?;
    let lower = file.name.to_ascii_lowercase();
    if lower.ends_with(".xml") {
        return iati_file(app, actor, program, file, heard).await;
    }
    let (copy_in, name, limits) = (file.copy_in, file.name.clone(), file.limits);
    let (read, kept) = if lower.ends_with(".csv") {
        csv_file(app, actor, program, file, heard).await?
    } else {
        workbook_file(app, actor, program, file, heard).await?
    };
    let refused = |problems: Vec<Problem>, copy: Option<(String, Vec<u8>)>| {
        Ok(Err(ImportRefused { problems, copy }))
    };
    let Sheeted {
        index,
        kind,
        rows,
        examples,
        result,
    } = match read {
        Ok(read) => read,
        Err(problem) => return refused(vec![problem], None),
    };
    match result {
        Ok(summary) => Ok(Ok(ImportDone {
            kind,
            summary,
            rows,
            examples,
            iati: None,
        })),
        Err(AppError::Invalid(problems)) => {
            let copy = match (copy_in, kept) {
                (Some(lang), Some(bytes)) => {
                    annotated(&name, &bytes, index, &problems, limits, lang)
                }
                _ => None,
            };
            refused(problems, copy)
        }
        Err(e) => Err(e),
    }
}

/// A sheet read and imported: which sheet, its kind, rows and examples,
/// and what the app made of it.
struct Sheeted {
    index: usize,
    kind: RecordKind,
    rows: usize,
    examples: usize,
    result: Result<LoadSummary, AppError>,
}

/// The copy of a refused sheet with an error column (the rows were let go
/// while they were read: the copy reads the file again).
fn annotated(
    name: &str,
    bytes: &[u8],
    index: usize,
    problems: &[Problem],
    limits: ReadLimits,
    lang: Lang,
) -> Option<(String, Vec<u8>)> {
    let sheets = crate::read_sheets_within(name, bytes, &limits).ok()?;
    let copy = crate::workbook::annotated_copy(sheets.get(index)?, problems, lang).ok()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    Some((format!("{stem}-{}.xlsx", lang.pick("错误", "errors")), copy))
}

fn off_thread(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// A workbook, read whole off the async threads (a large one takes a
/// while). The bytes come back for the copy.
async fn workbook_file(
    app: &App,
    actor: &Actor,
    program: &str,
    file: FileImport,
    heard: &(dyn Fn(Heard) + Sync),
) -> Result<(Result<Sheeted, Problem>, Option<Vec<u8>>), AppError> {
    let FileImport {
        name,
        bytes,
        kind,
        limits,
        copy_in,
        ..
    } = file;
    let chosen = tokio::task::spawn_blocking(move || {
        let chosen = (|| {
            let sheets = crate::read_sheets_within(&name, &bytes, &limits)?;
            let (index, kind) = choose_sheet(&sheets, &name, kind)?;
            let sheet = sheets.into_iter().nth(index).unwrap_or_else(|| Sheet {
                name: name.clone(),
                header: Vec::new(),
                rows: Vec::new(),
            });
            let mut named = BTreeSet::new();
            names_in_sheet(&sheet, kind, &mut named);
            Ok::<_, Problem>((index, kind, sheet, named))
        })();
        (chosen, copy_in.map(|_| bytes))
    })
    .await
    .map_err(off_thread)?;
    let (index, kind, sheet, named) = match chosen.0 {
        Ok(c) => c,
        Err(p) => return Ok((Err(p), None)),
    };
    let codes = app.codes_of_names(actor, program, kind, &named).await?;
    let catalog = app.catalog().await?;
    heard(Heard::Rows(sheet.rows.len()));
    heard(Heard::Checking);
    let read = tokio::task::spawn_blocking(move || {
        records_from_sheet_named(sheet, kind, &codes, &catalog)
    })
    .await
    .map_err(off_thread)?;
    let (rows, examples) = (read.rows_read, read.examples_skipped);
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
    Ok((
        Ok(Sheeted {
            index,
            kind,
            rows,
            examples,
            result,
        }),
        chosen.1,
    ))
}

/// A CSV file, a window of rows at a time in one transaction: memory holds
/// its text and a few windows. The next window is read and parsed on a
/// thread of its own while this one is checked and written, so on two
/// cores the parsing and the database overlap.
async fn csv_file(
    app: &App,
    actor: &Actor,
    program: &str,
    file: FileImport,
    heard: &(dyn Fn(Heard) + Sync),
) -> Result<(Result<Sheeted, Problem>, Option<Vec<u8>>), AppError> {
    let FileImport {
        name,
        bytes,
        kind,
        limits,
        copy_in,
        ..
    } = file;
    // Lines bound the rows from above: a progress bar's length, known at once.
    heard(Heard::Rows(bytecount_lines(&bytes)));
    let mut windows = crate::csv_windows(&name, &bytes, &limits, WINDOW);
    let first = match windows.next() {
        Some(Ok(sheet)) => sheet,
        Some(Err(p)) => return Ok((Err(p), None)),
        None => return Err(AppError::Internal("a CSV file gave no sheet".into())),
    };
    let (index, kind) = match choose_sheet(std::slice::from_ref(&first), &name, kind) {
        Ok(chosen) => chosen,
        Err(p) => return Ok((Err(p), None)),
    };
    // Units and places named instead of coded, found once for the whole file.
    let mut named = BTreeSet::new();
    for sheet in crate::csv_windows(&name, &bytes, &limits, WINDOW).map_while(Result::ok) {
        names_in_sheet(&sheet, kind, &mut named);
    }
    let kept = copy_in.map(|_| bytes);
    let codes = app.codes_of_names(actor, program, kind, &named).await?;
    let catalog = app.catalog().await?;
    // One window waits at most, so memory holds three.
    let (send, windows_read) = std::sync::mpsc::sync_channel::<(ImportWindow, usize, usize)>(1);
    let reader = std::thread::spawn(move || {
        for window in std::iter::once(Ok(first)).chain(windows) {
            let (read, last) = window_records_named(window, kind, &codes, &catalog);
            let (rows, examples) = (read.rows_read, read.examples_skipped);
            let window = ImportWindow {
                records: read.records,
                problems: read.problems,
            };
            // The importer stopped listening (it failed): stop reading.
            if send.send((window, rows, examples)).is_err() || last {
                break;
            }
        }
    });
    // Atomics, not a cell: the web's futures must be sendable across threads.
    let (rows, examples) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let windows = windows_read.into_iter().map(|(window, r, e)| {
        rows.fetch_add(r, Ordering::Relaxed);
        examples.fetch_add(e, Ordering::Relaxed);
        window
    });
    let written = |n: usize| heard(Heard::Written(n));
    let result = app
        .import_record_windows(actor, program, kind, windows, Some(&written))
        .await;
    if reader.join().is_err() {
        return Err(AppError::Internal("the file's reader stopped".into()));
    }
    let (rows, examples) = (rows.into_inner(), examples.into_inner());
    Ok((
        Ok(Sheeted {
            index,
            kind,
            rows,
            examples,
            result,
        }),
        kept,
    ))
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// An IATI activity file: each activity under the program's unit and place
/// it names (else those given), projects and their fund transactions
/// written together.
async fn iati_file(
    app: &App,
    actor: &Actor,
    program: &str,
    file: FileImport,
    heard: &(dyn Fn(Heard) + Sync),
) -> Result<Result<ImportDone, ImportRefused>, AppError> {
    let FileImport {
        name,
        bytes,
        helper_unit,
        region,
        limits,
        ..
    } = file;
    let whole = |e: DomainError| {
        Ok(Err(ImportRefused {
            problems: vec![Problem::at(
                Location {
                    file: Some(name.clone()),
                    ..Location::default()
                },
                e,
            )],
            copy: None,
        }))
    };
    let xml = match String::from_utf8(bytes) {
        Ok(xml) => xml,
        Err(e) => return whole(DomainError::BadIati(e.to_string())),
    };
    let activities =
        match tokio::task::spawn_blocking(move || iati::read_activities_within(&xml, &limits))
            .await
            .map_err(off_thread)?
        {
            Ok(a) => a,
            Err(e) => return whole(e),
        };
    let count = activities.len();
    let mapping = iati_mapping(app, actor, program, name.clone(), helper_unit, region).await?;
    let office = app.office_rates_of(actor, program).await?;
    // Matching and converting every transaction is work for a blocking thread.
    let mut read = tokio::task::spawn_blocking(move || {
        iati::records_from_activities(
            &activities,
            &mapping,
            &twinaid_domain::currency::Layered {
                office: &office,
                bank: crate::rates::ecb_rates(),
            },
        )
    })
    .await
    .map_err(off_thread)?;
    let records = std::mem::take(&mut read.records);
    let problems = std::mem::take(&mut read.problems);
    heard(Heard::Rows(records.len()));
    heard(Heard::Checking);
    let (projects, transactions): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r.item.kind == RecordKind::Project);
    let written = |n: usize| heard(Heard::Written(n));
    let rows = projects.len() + transactions.len();
    match app
        .import_kinds_heard(
            actor,
            program,
            vec![
                (RecordKind::Project, projects),
                (RecordKind::FundTransaction, transactions),
            ],
            problems,
            Some(&written),
        )
        .await
    {
        Ok(summary) => Ok(Ok(ImportDone {
            kind: RecordKind::Project,
            summary,
            rows,
            examples: 0,
            iati: Some(IatiImport {
                activities: count,
                report: read,
            }),
        })),
        Err(AppError::Invalid(problems)) => Ok(Err(ImportRefused {
            problems,
            copy: None,
        })),
        Err(e) => Err(e),
    }
}

/// The program's helping units and places, by their names, for matching
/// an IATI file's organisations and locations.
async fn iati_mapping(
    app: &App,
    actor: &Actor,
    program: &str,
    file: String,
    helper_unit: Option<String>,
    region: Option<String>,
) -> Result<IatiMapping, AppError> {
    let year = app.latest_year(actor, program).await?;
    let units = app
        .units(actor, program)
        .await?
        .into_iter()
        .filter(|u| u.side == twinaid_domain::unit::Side::Helping.code())
        .map(|u| {
            let names = [Some(u.name_zh), u.name_en].into_iter().flatten().collect();
            (u.code, names)
        })
        .collect();
    let places = app
        .place_names(actor, program, year)
        .await?
        .into_iter()
        .map(|(code, (zh, en))| (code, vec![zh, en]))
        .collect();
    Ok(IatiMapping {
        helper_unit,
        region,
        file,
        units,
        places,
        sectors: app.sector_categories(actor, program).await?,
    })
}
