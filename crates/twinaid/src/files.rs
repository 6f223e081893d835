//! `twinaid template` and `twinaid import`: spreadsheets in and out at the command line.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use twinaid_app::{Actor, App, AppError, TemplateChoices};
use twinaid_domain::Lang;
use twinaid_domain::record::RecordKind;
use twinaid_exchange::workbook::{TemplateLists, template as write_template};

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
        catalog: c.catalog,
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

/// What `twinaid import` is asked: the file, and for a sheet its kind and
/// where a copy with an error column goes; for an IATI file, where an
/// activity goes when it names none of the program's units or places.
pub(crate) struct ImportArgs {
    pub file: PathBuf,
    pub kind: Option<String>,
    pub program: Option<String>,
    pub errors: Option<PathBuf>,
    pub helper_unit: Option<String>,
    pub region: Option<String>,
}

/// Imports a file through the one import path the web's page and API use,
/// drawing its progress on the terminal (or a line every five seconds).
pub(crate) async fn import(
    app: &App,
    actor: &Actor,
    args: ImportArgs,
    settings: &crate::settings::Settings,
) -> Result<(), AppError> {
    use twinaid_exchange::importing::{FileImport, Heard, ImportDone, import_file};
    let lang = settings.lang;
    let kind = args.kind.as_deref().map(kind_of).transpose()?;
    let program = program_of(app, actor, args.program).await?;
    let file = &args.file;
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
    let writing = std::sync::atomic::AtomicBool::new(false);
    let heard = |h: Heard| match h {
        Heard::Rows(n) => {
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_length(n as u64);
        }
        Heard::Checking => stage(&bar, "检查各行…", "checking rows…", lang),
        Heard::Written(n) => {
            if !writing.swap(true, std::sync::atomic::Ordering::Relaxed) {
                stage(&bar, "检查并写入…", "checking and writing…", lang);
            }
            bar.inc(n as u64);
        }
    };
    let outcome = import_file(
        app,
        actor,
        &program,
        FileImport {
            name: name.clone(),
            bytes,
            kind,
            limits: settings.limits.read,
            helper_unit: args.helper_unit,
            region: args.region,
            copy_in: args.errors.as_ref().map(|_| lang),
        },
        &heard,
    )
    .await?;
    bar.finish_and_clear();
    let refused = match outcome {
        Ok(ImportDone {
            summary,
            iati: Some(iati),
            ..
        }) => {
            print_iati(&name, &summary, iati, lang);
            return Ok(());
        }
        Ok(ImportDone {
            kind,
            summary,
            rows,
            examples,
            iati: None,
        }) => {
            let (created, updated, unchanged) =
                summary.counts.get(kind.code()).copied().unwrap_or_default();
            eprintln!(
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "已导入 {name}（{}，{rows} 行）：新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条；跳过示例行 {examples} 行",
                        kind.name(lang),
                    ),
                    Lang::En => format!(
                        "imported {name} ({}, {rows} rows): {created} added, {updated} updated, {unchanged} unchanged; {examples} example rows skipped",
                        kind.name(lang),
                    ),
                }
            );
            return Ok(());
        }
        Err(refused) => refused,
    };
    if let (Some(path), Some((_, copy))) = (&args.errors, &refused.copy) {
        std::fs::write(path, copy).map_err(internal)?;
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!("已写出带“错误”列的副本：{}", path.display()),
                Lang::En => format!("a copy with an error column is in {}", path.display()),
            }
        );
    }
    Err(AppError::Invalid(refused.problems))
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

/// What an IATI import did: activities, records added or updated, and
/// its report (totals per currency, categories, budgets, organisations and
/// places not matched, what was skipped and why).
fn print_iati(
    name: &str,
    summary: &twinaid_app::LoadSummary,
    iati: twinaid_exchange::importing::IatiImport,
    lang: Lang,
) {
    use twinaid_exchange::iati::report;
    let count = |k: RecordKind| summary.counts.get(k.code()).map_or(0, |(c, u, _)| c + u);
    let kept = (
        count(RecordKind::Project),
        count(RecordKind::FundTransaction),
    );
    eprintln!(
        "{}",
        report::summary(name, iati.activities, kept, &iati.report, lang)
    );
    for line in report::lines(&iati.report, lang) {
        eprintln!("{line}");
    }
}

/// A county's fact sheet as a PDF or Word document (fitted to one page
/// with the fonts found, in `fonts` when named).
pub(crate) fn county_document(
    sheet: &twinaid_app::CountySheet,
    docx: bool,
    fonts: Option<&std::path::Path>,
    output: &std::path::Path,
    lang: Lang,
) -> Result<(), AppError> {
    use twinaid_exchange::factsheet::{SheetFile, sheet_file};
    let file = if docx {
        SheetFile::Docx(fonts)
    } else {
        SheetFile::Pdf(fonts)
    };
    let bytes = sheet_file(sheet, lang, file)
        .map_err(|e| AppError::BadRequest(twinaid_domain::DomainError::Document(e)))?;
    std::fs::write(output, bytes).map_err(internal)
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
/// A program's yearbook quotes its named projects and guidance; a group's
/// (`text` given) only its figures.
pub(crate) async fn yearbook_document(
    app: &App,
    actor: &Actor,
    yearbook: &twinaid_domain::yearbook::Yearbook,
    text: Option<twinaid_app::YearbookText>,
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
    let text = match text {
        Some(text) => text,
        None => {
            app.yearbook_text(actor, &yearbook.program, yearbook.year, lang)
                .await?
        }
    };
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
