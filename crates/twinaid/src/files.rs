//! `twinaid template` and `twinaid import`: spreadsheets in and out at the command line.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use twinaid_app::{Actor, App, AppError, TemplateChoices};
use twinaid_domain::Lang;
use twinaid_domain::record::RecordKind;
use twinaid_exchange::import::{choose_sheet, names_in_sheet, records_from_sheet_named};
use twinaid_exchange::workbook::{TemplateLists, annotated_copy, template as write_template};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// The program meant: the one named, or the only one there is.
pub(crate) async fn program_of(
    app: &App,
    actor: &Actor,
    named: Option<String>,
) -> Result<String, AppError> {
    if let Some(p) = named {
        return Ok(p);
    }
    let programs = app.programs(actor).await?;
    match programs.as_slice() {
        [only] => Ok(only.code.clone()),
        _ => Err(AppError::Field(
            "program",
            twinaid_domain::DomainError::Required,
        )),
    }
}

fn kind_of(text: &str) -> Result<RecordKind, AppError> {
    RecordKind::parse(text).ok_or_else(|| {
        AppError::Field(
            "kind",
            twinaid_domain::DomainError::UnknownChoice {
                value: text.to_string(),
                allowed: RecordKind::ALL.iter().map(|k| k.code()).collect(),
            },
        )
    })
}

/// The template's lists from what the program offers.
pub(crate) fn lists(c: TemplateChoices) -> TemplateLists {
    TemplateLists {
        regions: c.regions,
        helper_units: c.helper_units,
        helped_units: c.helped_units,
        example_year: c.year,
    }
}

pub(crate) async fn template(
    app: &App,
    actor: &Actor,
    kind: &str,
    program: Option<String>,
    output: Option<PathBuf>,
    lang: Lang,
) -> Result<(), AppError> {
    let kind = kind_of(kind)?;
    let program = program_of(app, actor, program).await?;
    let choices = app.template_choices(actor, &program, lang).await?;
    let bytes = write_template(kind, &lists(choices), lang).map_err(internal)?;
    match output {
        Some(path) => std::fs::write(&path, &bytes).map_err(internal)?,
        None => std::io::stdout().write_all(&bytes).map_err(internal)?,
    }
    Ok(())
}

fn stage(bar: &ProgressBar, zh: &str, en: &str, lang: Lang) {
    bar.set_message(lang.pick(zh, en).to_string());
}

/// Where the bar cannot be drawn (output to a file or a pipe), a line with
/// its stage and count every five seconds while the import runs; stops
/// when dropped.
fn progress_lines(bar: &ProgressBar) -> Lines {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        return Lines(None);
    }
    let bar = bar.clone();
    Lines(Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.tick().await;
        loop {
            tick.tick().await;
            match bar.length() {
                Some(len) if len > 0 => {
                    eprintln!("{} {}/{len}", bar.message(), bar.position())
                }
                _ => eprintln!("{}", bar.message()),
            }
        }
    })))
}

/// The task printing progress lines, stopped when dropped.
struct Lines(Option<tokio::task::JoinHandle<()>>);

impl Drop for Lines {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Rows of a CSV file read, checked and written at a time by `twinaid import`.
const IMPORT_WINDOW: usize = 10_000;

pub(crate) async fn import(
    app: &App,
    actor: &Actor,
    file: &Path,
    kind: Option<String>,
    program: Option<String>,
    errors: Option<PathBuf>,
    settings: &crate::settings::Settings,
) -> Result<(), AppError> {
    let (lang, limits) = (settings.lang, &settings.limits.read);
    let kind = kind.as_deref().map(kind_of).transpose()?;
    let program = program_of(app, actor, program).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let _lines = progress_lines(&bar);
    stage(&bar, "读取文件…", "reading the file…", lang);
    let bytes = std::fs::read(file).map_err(|e| {
        AppError::BadRequest(twinaid_domain::DomainError::Unreadable(format!(
            "{}: {e}",
            file.display()
        )))
    })?;
    let csv = name.to_ascii_lowercase().ends_with(".csv");
    let (index, kind, result, rows_read, examples) = if csv {
        // A CSV file is read, checked and written a window of rows at a
        // time in one transaction: memory holds its text and one window.
        let mut windows = twinaid_exchange::csv_windows(&name, &bytes, limits, IMPORT_WINDOW);
        let first = match windows.next() {
            Some(Ok(sheet)) => sheet,
            Some(Err(p)) => return Err(AppError::Invalid(vec![p])),
            None => return Err(AppError::Internal("a CSV file gave no sheet".into())),
        };
        let (index, kind) = choose_sheet(std::slice::from_ref(&first), &name, kind)
            .map_err(|p| AppError::Invalid(vec![p]))?;
        // Units and places named instead of coded, found once for the file.
        let mut named = std::collections::BTreeSet::new();
        for sheet in twinaid_exchange::csv_windows(&name, &bytes, limits, IMPORT_WINDOW)
            .map_while(Result::ok)
        {
            names_in_sheet(&sheet, kind, &mut named);
        }
        drop(bytes);
        let codes = app.codes_of_names(actor, &program, kind, &named).await?;
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {pos} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        stage(&bar, "检查并写入各行…", "checking and writing rows…", lang);
        // The next window is read and parsed on a thread of its own while
        // this one is checked and written: on two cores the parsing and
        // the database overlap. One window waits at most, so memory holds
        // three.
        let (send, windows_read) =
            std::sync::mpsc::sync_channel::<(twinaid_app::ImportWindow, usize, usize)>(1);
        let reader = std::thread::spawn(move || {
            for window in std::iter::once(Ok(first)).chain(windows) {
                let (read, last) =
                    twinaid_exchange::import::window_records_named(window, kind, &codes);
                let (rows, examples) = (read.rows_read, read.examples_skipped);
                let window = twinaid_app::ImportWindow {
                    records: read.records,
                    problems: read.problems,
                };
                // The importer stopped listening (it failed): stop reading.
                if send.send((window, rows, examples)).is_err() || last {
                    break;
                }
            }
        });
        let counts = std::cell::Cell::new((0usize, 0usize));
        let windows = windows_read.into_iter().map(|(window, rows, examples)| {
            let (r, e) = counts.get();
            counts.set((r + rows, e + examples));
            window
        });
        let heard = |n: usize| bar.inc(n as u64);
        let result = app
            .import_record_windows(actor, &program, kind, windows, Some(&heard))
            .await;
        if reader.join().is_err() {
            return Err(AppError::Internal("the file's reader stopped".into()));
        }
        let (rows, examples) = counts.get();
        (index, kind, result, rows, examples)
    } else {
        let sheets = twinaid_exchange::read_sheets_within(&name, &bytes, limits)
            .map_err(|p| AppError::Invalid(vec![p]))?;
        drop(bytes);
        let (index, kind) =
            choose_sheet(&sheets, &name, kind).map_err(|p| AppError::Invalid(vec![p]))?;
        let sheet = sheets
            .into_iter()
            .nth(index)
            .ok_or_else(|| AppError::Internal("sheet".into()))?;
        let rows = sheet.rows.len() as u64;
        let mut named = std::collections::BTreeSet::new();
        names_in_sheet(&sheet, kind, &mut named);
        let codes = app.codes_of_names(actor, &program, kind, &named).await?;
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_length(rows);
        stage(&bar, "检查各行…", "checking rows…", lang);
        tracing::debug!("import: file read");
        let read = records_from_sheet_named(sheet, kind, &codes);
        tracing::debug!("import: rows parsed");
        let (rows_read, examples) = (read.rows_read, read.examples_skipped);
        bar.set_position(rows);
        stage(&bar, "核对引用…", "checking references…", lang);
        let writing = std::sync::atomic::AtomicBool::new(false);
        let written = |n: usize| {
            if !writing.swap(true, std::sync::atomic::Ordering::Relaxed) {
                bar.set_position(0);
                stage(&bar, "写入…", "writing…", lang);
            }
            bar.inc(n as u64);
        };
        let result = app
            .import_records_heard(
                actor,
                &program,
                kind,
                read.records,
                read.problems,
                Some(&written),
            )
            .await;
        (index, kind, result, rows_read, examples)
    };
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            let (created, updated, unchanged) =
                summary.counts.get(kind.code()).copied().unwrap_or_default();
            eprintln!(
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "已导入 {name}（{}，{} 行）：新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条；跳过示例行 {} 行",
                        kind.name(lang),
                        rows_read,
                        examples
                    ),
                    Lang::En => format!(
                        "imported {name} ({}, {} rows): {created} added, {updated} updated, {unchanged} unchanged; {} example rows skipped",
                        kind.name(lang),
                        rows_read,
                        examples
                    ),
                }
            );
            Ok(())
        }
        Err(AppError::Invalid(problems)) => {
            if let Some(path) = errors {
                // The rows were let go while they were read: the copy reads the file again.
                let bytes = std::fs::read(file).map_err(|e| {
                    AppError::BadRequest(twinaid_domain::DomainError::Unreadable(format!(
                        "{}: {e}",
                        file.display()
                    )))
                })?;
                let sheets = twinaid_exchange::read_sheets_within(&name, &bytes, limits)
                    .map_err(|p| AppError::Invalid(vec![p]))?;
                let sheet = sheets
                    .get(index)
                    .ok_or_else(|| AppError::Internal("sheet".into()))?;
                let copy = annotated_copy(sheet, &problems, lang).map_err(internal)?;
                std::fs::write(&path, copy).map_err(internal)?;
                eprintln!(
                    "{}",
                    match lang {
                        Lang::Zh => format!("已写出带“错误”列的副本：{}", path.display()),
                        Lang::En => format!("a copy with an error column is in {}", path.display()),
                    }
                );
            }
            Err(AppError::Invalid(problems))
        }
        Err(e) => Err(e),
    }
}

/// Copies a whole database into an empty one and prints each table's rows
/// and totals as found on both sides.
pub(crate) async fn copy(from: &str, to: &str, lang: Lang) -> Result<(), AppError> {
    let actor = crate::operator();
    let source = App::open(from).await?;
    let dest = App::open(to).await?;
    let report = source.copy_to(&actor, &dest).await?;
    source.close().await;
    // A backup (or any copy into a SQLite file) is one file on its own.
    dest.close_as_one_file().await?;
    let mut rows = 0;
    for t in &report {
        rows += t.rows;
        if t.rows > 0 {
            eprintln!(
                "{:<24} {:>10} {:>10}  {} = {}",
                t.table, t.rows, t.rows_there, t.totals.0, t.totals.1
            );
        }
    }
    eprintln!(
        "{}",
        match lang {
            Lang::Zh => format!(
                "已复制 {} 张表共 {rows} 行（{} → {}），两边行数与合计一致",
                report.len(),
                source.engine().name(),
                dest.engine().name()
            ),
            Lang::En => format!(
                "copied {} tables, {rows} rows ({} → {}); rows and totals match on both sides",
                report.len(),
                source.engine().name(),
                dest.engine().name()
            ),
        }
    );
    Ok(())
}

/// Opens a backup file alone and checks it: the file's integrity, every
/// table's rows and totals (printed), and the audit chain against its
/// records and figures. The file is left as one file again.
/// Refuses, before any database is opened, a path that is not a SQLite
/// database file: none there, or something else (its first 16 bytes say).
pub(crate) fn sqlite_file(file: &std::path::Path) -> Result<(), AppError> {
    use std::io::Read;
    let shown = file.display().to_string();
    if !file.is_file() {
        return Err(AppError::BadRequest(
            twinaid_domain::DomainError::NoSuchFile(shown),
        ));
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(file).and_then(|mut f| f.read_exact(&mut head));
    if read.is_err() || &head != b"SQLite format 3\0" {
        return Err(AppError::BadRequest(
            twinaid_domain::DomainError::NotABackup(shown),
        ));
    }
    Ok(())
}

pub(crate) async fn verify_backup(file: &std::path::Path, lang: Lang) -> Result<(), AppError> {
    sqlite_file(file)?;
    let actor = crate::operator();
    let app = App::open(&format!("sqlite://{}", file.display())).await?;
    let checked = async {
        for (table, rows, total) in app.tally_tables(&actor).await? {
            if rows > 0 {
                eprintln!("{table:<24} {rows:>10}  {total}");
            }
        }
        app.verify_audit(&actor, None).await
    }
    .await;
    app.close_as_one_file().await?;
    let found = checked?;
    let text = crate::render::audit_verification(&found, lang);
    if found.intact() {
        println!("{text}");
        Ok(())
    } else {
        eprintln!("{text}");
        Err(AppError::BadRequest(
            twinaid_domain::DomainError::AuditBroken,
        ))
    }
}

/// Writes the program's projects as IATI 2.03 activities.
pub(crate) async fn export_iati(
    app: &App,
    actor: &Actor,
    program: Option<String>,
    reporting_org: Option<String>,
    output: Option<PathBuf>,
) -> Result<(), AppError> {
    let program = program_of(app, actor, program).await?;
    // What the official figures count: a proposed, returned or cancelled
    // project (and money linked to it) is not published as done.
    let all = twinaid_app::ListRequest {
        standing: Some(twinaid_domain::lifecycle::Standing::Counted),
        unpaged: true,
        page: 1,
        per_page: 1,
        ..Default::default()
    };
    let projects = app
        .list_records(actor, &program, RecordKind::Project, &all)
        .await?
        .records;
    let transactions = app
        .list_records(actor, &program, RecordKind::FundTransaction, &all)
        .await?
        .records;
    let year = app.latest_year(actor, &program).await?;
    let name = app
        .programs(actor)
        .await?
        .into_iter()
        .find(|p| p.code == program)
        .map(|p| p.name_en)
        .unwrap_or_default();
    let ctx = twinaid_exchange::iati::IatiContext {
        reporting_ref: reporting_org
            .unwrap_or_else(|| format!("XI-TWINAID-{}", program.to_ascii_uppercase())),
        reporting_name: name,
        units: app
            .units(actor, &program)
            .await?
            .into_iter()
            .map(|u| {
                let en = u.name(Lang::En).to_string();
                (u.code, (u.name_zh, en))
            })
            .collect(),
        places: app.place_names(actor, &program, year).await?,
        generated: chrono_now(),
    };
    let xml = twinaid_exchange::iati::activities(&projects, &transactions, &ctx);
    match output {
        Some(path) => std::fs::write(&path, xml).map_err(internal)?,
        None => std::io::stdout()
            .write_all(xml.as_bytes())
            .map_err(internal)?,
    }
    Ok(())
}

/// Now, as IATI's datetimes write it (UTC, whole seconds).
fn chrono_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Writes a report's text to a file, or to standard output.
pub(crate) fn write_text(text: &str, output: Option<PathBuf>) -> Result<(), AppError> {
    match output {
        Some(path) => std::fs::write(&path, text).map_err(internal),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

/// Writes a report's tables as a workbook; a workbook goes to a file only.
pub(crate) fn write_workbook(
    tables: &[twinaid_exchange::export::ExportTable],
    output: Option<PathBuf>,
) -> Result<(), AppError> {
    let path = output.ok_or(AppError::Field(
        "output",
        twinaid_domain::DomainError::Required,
    ))?;
    let bytes = twinaid_exchange::export::xlsx(tables).map_err(internal)?;
    std::fs::write(&path, bytes).map_err(internal)
}

/// Imports an IATI activity file (2.0x) as projects and fund transactions,
/// recorded under one helper unit and helped region; says what it skipped.
pub(crate) async fn import_iati(
    app: &App,
    actor: &Actor,
    file: &Path,
    program: Option<String>,
    helper_unit: Option<String>,
    region: Option<String>,
    lang: Lang,
) -> Result<(), AppError> {
    let program = program_of(app, actor, program).await?;
    let required = |v: Option<String>, field: &'static str| {
        v.ok_or(AppError::Field(
            field,
            twinaid_domain::DomainError::Required,
        ))
    };
    let mapping = twinaid_exchange::iati::IatiMapping {
        helper_unit: required(helper_unit, "helper_unit")?,
        region: required(region, "region")?,
        file: file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    };
    let xml = std::fs::read_to_string(file).map_err(|e| {
        AppError::BadRequest(twinaid_domain::DomainError::Unreadable(format!(
            "{}: {e}",
            file.display()
        )))
    })?;
    let activities = twinaid_exchange::iati::read_activities(&xml)
        .map_err(|e| AppError::BadRequest(twinaid_domain::DomainError::Unreadable(e)))?;
    let office = app.office_rates_of(actor, &program).await?;
    let read = twinaid_exchange::iati::records_from_activities(
        &activities,
        &mapping,
        &twinaid_domain::currency::Layered {
            office: &office,
            bank: twinaid_exchange::rates::ecb_rates(),
        },
    );
    let twinaid_exchange::iati::FromIati {
        records,
        problems,
        skipped,
        unconverted,
        totals,
        categories,
    } = read;
    let (projects, transactions): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r.item.kind == RecordKind::Project);
    // Projects first: the transactions name them.
    let first = app
        .import_records(actor, &program, RecordKind::Project, projects, problems)
        .await?;
    let second = app
        .import_records(
            actor,
            &program,
            RecordKind::FundTransaction,
            transactions,
            Vec::new(),
        )
        .await?;
    let count = |s: &twinaid_app::LoadSummary, k: RecordKind| {
        s.counts.get(k.code()).map_or(0, |(c, u, _)| c + u)
    };
    eprintln!(
        "{}",
        match lang {
            Lang::Zh => format!(
                "已导入 IATI 文件 {}：活动 {} 个，新增或更新项目 {} 个、资金往来 {} 笔；跳过 {} 项",
                mapping.file,
                activities.len(),
                count(&first, RecordKind::Project),
                count(&second, RecordKind::FundTransaction),
                skipped.len()
            ),
            Lang::En => format!(
                "imported IATI file {}: {} activities, {} projects and {} fund transactions added or updated; {} items skipped",
                mapping.file,
                activities.len(),
                count(&first, RecordKind::Project),
                count(&second, RecordKind::FundTransaction),
                skipped.len()
            ),
        }
    );
    eprint!("{}", iati_report(&skipped, &unconverted, &totals, lang));
    eprintln!(
        "{}",
        lang.pick(
            "项目类别（按活动的行业代码）：",
            "project categories (from the activities' sectors):"
        )
    );
    for ((sector, category), n) in &categories {
        eprintln!("  {sector} → {category}: {n}");
    }
    Ok(())
}

/// What an IATI import kept per currency and kind, what it could not
/// convert, and what it left out, counted by reason.
fn iati_report(
    skipped: &[twinaid_exchange::iati::Skip],
    unconverted: &[String],
    totals: &std::collections::BTreeMap<(String, String), twinaid_exchange::iati::CurrencyTotal>,
    lang: Lang,
) -> String {
    use std::fmt::Write;
    let amount = |h: i64| {
        twinaid_domain::money::group_thousands(&twinaid_domain::money::format_decimal(h, 100))
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        lang.pick(
            "按币种和类型（原币金额合计；折合人民币元，未折算的不计）：",
            "by currency and kind (original amounts; yuan as converted, those without a rate left out):"
        )
    );
    for ((currency, kind), t) in totals {
        let _ = writeln!(
            out,
            "  {currency} {kind}: {} × {}，{} {}{}",
            t.transactions,
            amount(t.original),
            lang.pick("折合", "="),
            amount(t.yuan),
            lang.pick(" 元", " yuan"),
        );
        if t.unconverted > 0 {
            let _ = writeln!(
                out,
                "    {} {}",
                t.unconverted,
                lang.pick(
                    "笔没有汇率，暂不计入人民币数字（录入汇率后计入）",
                    "without a rate, not counted in yuan until one is entered"
                )
            );
        }
    }
    for u in unconverted {
        let _ = writeln!(out, "  - {}{u}", lang.pick("未折算：", "not converted: "));
    }
    let mut by_reason: std::collections::BTreeMap<String, usize> = Default::default();
    for s in skipped {
        *by_reason.entry(s.reason.text(lang)).or_default() += 1;
    }
    for (reason, n) in &by_reason {
        let _ = writeln!(out, "{}{reason}：{n}", lang.pick("跳过，", "skipped, "));
    }
    for s in skipped {
        let _ = writeln!(
            out,
            "  - {} {}: {}",
            s.activity,
            s.element,
            s.reason.text(lang)
        );
    }
    out
}

/// Which document the yearbook is written as.
pub(crate) enum YearbookDocument {
    Docx,
    /// With the fonts' folder or file, when one is named.
    Pdf(Option<PathBuf>),
}

/// Where a document's templates come from and where it goes.
pub(crate) struct DocumentPlace {
    pub templates: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

/// The yearbook as a Word or PDF document, its text from the office's
/// template (`DIR/yearbook.LANG.j2`) or the one twinaid ships.
pub(crate) async fn yearbook_document(
    app: &App,
    actor: &Actor,
    yearbook: &twinaid_domain::yearbook::Yearbook,
    place: DocumentPlace,
    kind: YearbookDocument,
    lang: Lang,
) -> Result<(), AppError> {
    use twinaid_exchange::document;
    let path = place.output.ok_or(AppError::Field(
        "output",
        twinaid_domain::DomainError::Required,
    ))?;
    let refused = |e: String| AppError::BadRequest(twinaid_domain::DomainError::Document(e));
    let template =
        document::yearbook_template(place.templates.as_deref(), lang).map_err(refused)?;
    let text = app
        .yearbook_text(actor, &yearbook.program, yearbook.year, lang)
        .await?;
    let author = text.author.clone();
    let named: Vec<document::NamedProject> =
        text.named_projects.into_iter().map(Into::into).collect();
    let guidance = text.guidance.map(document::GuidanceText::from);
    let blocks = document::yearbook_blocks(yearbook, &named, guidance.as_ref(), &template, lang)
        .map_err(refused)?;
    let props = document::DocProps {
        title: document::title(&blocks),
        author,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let bytes = match kind {
        YearbookDocument::Docx => document::docx(&blocks, lang, &props).map_err(internal)?,
        YearbookDocument::Pdf(fonts) => {
            let fonts =
                twinaid_exchange::pdf::PdfFonts::find(fonts.as_deref(), lang).map_err(refused)?;
            twinaid_exchange::pdf::pdf(&blocks, &document::title(&blocks), lang, &fonts)
                .map_err(refused)?
        }
    };
    std::fs::write(&path, bytes).map_err(internal)
}
