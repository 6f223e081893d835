//! The twinaid command: run pairing-assistance programs from one database.

mod bench;
mod bench_group;
mod bench_scale;
mod demo;
mod files;
mod render;
mod render_group;
mod serve;
mod settings;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use twinaid_app::{Actor, App, AppError};
use twinaid_domain::Lang;
use twinaid_exchange::synthetic::Scale;
use twinaid_exchange::{FolderSource, ProgramSource, read_program_in};

#[derive(Parser)]
#[command(
    name = "twinaid",
    version,
    about = "对口帮扶协作管理 · Run pairing-assistance programs (对口帮扶, East-West cooperation)"
)]
struct Cli {
    #[command(flatten)]
    global: settings::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 初始化数据库：全国行政区划与内置指标 · Create the database with the national region registry and built-in indicators
    Init,
    /// 载入演示帮扶协作（浙江—四川，2009 年报告）· Load the demo program: Zhejiang–Sichuan, the 2009 report, as data
    Demo {
        /// 生成合成数据（用于规模测试）而非演示数据 · Generate a synthetic program (for tests at size) instead
        #[arg(long)]
        synthetic: bool,
        /// 合成数据规模：county、province、national · Size of the synthetic program
        #[arg(long, default_value = "county", value_parser = parse_scale)]
        scale: Scale,
        /// 随机种子：同一种子生成相同数据 · Seed: the same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// 载入帮扶协作数据文件夹或帮扶协作组文件夹（格式见 docs/data-format.md）· Load a program folder, or a group folder with group.toml (format: docs/data-format.md)
    Load {
        /// 文件夹路径 · The folder holding program.toml and CSV files, or group.toml (and its programs' folders)
        path: PathBuf,
    },
    /// 列出帮扶协作组及其成员 · List the program groups and their programs
    Groups {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// 删除此帮扶协作组（其帮扶协作及数据保留）· Delete this group (its programs and their data stay)
        #[arg(long)]
        delete: Option<String>,
    },
    /// 生成报告 · Produce a report
    Report {
        #[command(subcommand)]
        report: Report,
    },
    /// 列出指标定义 · List the indicator definitions
    Indicators {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 审计日志：最新事件、校验哈希链、检查点 · The audit log: the newest events, verifying its hash chain, its checkpoint
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        action: Option<AuditCommand>,
        /// 显示的最新事件数 · How many of the newest events to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// 启动网页服务 · Serve the web pages and the JSON API
    Serve {
        /// 空数据库时载入演示数据并创建管理员 · Load the demo program into an empty database and create an administrator
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        server: settings::ServerArgs,
        #[command(flatten)]
        limits: settings::LimitArgs,
    },
    /// 设置：显示生效的设置及其来源（密码已遮蔽）· Settings: show those in force and where each came from (passwords masked)
    Config {
        #[command(subcommand)]
        config: ConfigCommand,
    },
    /// 测量页面速度（演示数据，HTTP）· Measure page speed on the demo data over HTTP (p50/p95)
    Bench {
        /// 每个页面的请求数 · Requests per page
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// 同时在 PostgreSQL 上测量（服务器地址）· Also measure on PostgreSQL: a server URL where a database may be created
        #[arg(long)]
        postgres: Option<String>,
        /// 另测导入这么多行的 CSV（0 为不测）· Also time importing a generated CSV of this many project rows (0: skip)
        #[arg(long, default_value_t = 0)]
        import_rows: usize,
        /// 另在这些规模的合成数据上测量（如 county,province,national）· Also measure synthetic programs of these sizes (e.g. county,province,national)
        #[arg(long, value_delimiter = ',', value_parser = parse_scale)]
        scales: Vec<Scale>,
        /// 合成数据库保存在此目录并在下次复用（PostgreSQL 上为 twinaid_bench_规模 数据库）· Keep the synthetic databases in this folder and reuse them next time (on PostgreSQL: databases named twinaid_bench_SCALE)
        #[arg(long)]
        keep: Option<PathBuf>,
        /// 另测帮扶协作组：把 --group-scale 规模的合成数据分成这么多个帮扶协作（0 为不测）· Also measure a program group: the --group-scale synthetic data split into this many programs (0: skip)
        #[arg(long, default_value_t = 0)]
        group_programs: usize,
        /// 帮扶协作组合计的规模 · The size of the group's data in all
        #[arg(long, default_value = "national", value_parser = parse_scale)]
        group_scale: Scale,
        /// 帮扶协作组测量时另加一个去重计数指标（签约企业数）· With the group: add a count_distinct indicator (distinct enterprises of all agreements) before measuring
        #[arg(long)]
        group_distinct: bool,
        /// 帮扶协作组只在 PostgreSQL 上测量（需 --postgres）· Measure the group on PostgreSQL only (with --postgres), its SQLite figures taken from an earlier run
        #[arg(long)]
        group_postgres_only: bool,
    },
    /// 生成某类记录的 Excel 导入模板 · Write the Excel import template of a kind of record
    Template {
        /// 记录类别 · Kind: project, fund_transaction, training, ...
        kind: String,
        /// 帮扶协作编号（只有一个时可省略）· Program code (may be left out when there is one)
        #[arg(long)]
        program: Option<String>,
        /// 写入文件（默认标准输出）· Write to this file (default: standard output)
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// 导入表格（.xlsx .xls .ods .csv）：全部无误才写入 · Import a spreadsheet; nothing is written unless every row is right
    Import {
        /// 要导入的文件：.xlsx、.xls、.ods、.csv 或 IATI .xml · The file to import: .xlsx, .xls, .ods, .csv or an IATI .xml
        file: PathBuf,
        /// 记录类别（工作表名不是类别时）· Kind of record, when the sheet's name does not say
        #[arg(long)]
        kind: Option<String>,
        /// 帮扶协作编号（只有一个时可省略）· Program code (may be left out when there is one)
        #[arg(long)]
        program: Option<String>,
        /// 有错误时，写出带“错误”列的副本 · On problems, write a copy with an error column here
        #[arg(long)]
        errors: Option<PathBuf>,
        /// IATI 文件：参与组织都不是本协作单位的活动记在哪个帮扶单位名下 · For an IATI file: the helper unit an activity is recorded under when none of its participating organisations is a unit of the program
        #[arg(long)]
        helper_unit: Option<String>,
        /// IATI 文件：地点都不是本协作地区的活动记在哪个受帮扶地区 · For an IATI file: the helped region an activity is recorded in when none of its locations is a place of the program
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        limits: settings::LimitArgs,
    },
    /// 导出 · Export
    Export {
        #[command(subcommand)]
        export: Export,
    },
    /// 备份整个数据库到一个 SQLite 文件（服务运行中也一致）· Back up the whole database to a new SQLite file, consistent while the server runs
    Backup {
        file: PathBuf,
        /// 不备份，而是单独打开已有的备份文件，检查其完整性、审计哈希链与各表行数和合计 · Instead of backing up, open an existing backup file alone: its integrity, its audit chain and every table's rows and totals
        #[arg(long)]
        verify: bool,
    },
    /// 从备份文件恢复到空数据库 · Restore a backup file into an empty database
    Restore { file: PathBuf },
    /// 整库复制（SQLite ⇄ PostgreSQL），核对两边行数与合计 · Copy a whole database (SQLite ⇄ PostgreSQL), checking rows and totals on both sides
    Copy {
        /// 源数据库（默认 --database-url）· Source (default: --database-url)
        #[arg(long)]
        from: Option<String>,
        /// 目标数据库，须为空 · Destination, which must be empty
        #[arg(long)]
        to: String,
    },
    /// 管理用户 · Manage user accounts
    User {
        #[command(subcommand)]
        user: UserCommand,
    },
    /// 接口令牌：生成、列出、撤销 · API tokens: make, list and revoke
    Token {
        #[command(subcommand)]
        token: TokenCommand,
    },
    /// 管理帮扶协作 · Manage programs
    Program {
        #[command(subcommand)]
        program: ProgramCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// 显示生效的设置：命令行参数优先，其次环境变量 TWINAID_…，再次 twinaid.toml，最后默认值 · Show the settings in force: flags first, then TWINAID_… variables, then twinaid.toml, then defaults
    Show {
        #[command(flatten)]
        server: settings::ServerArgs,
        #[command(flatten)]
        limits: settings::LimitArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// 列出全部接口令牌（不显示令牌本身）· List every API token (never the token itself)
    List,
    /// 为用户生成接口令牌（供脚本使用），令牌只显示这一次 · Make an API token for a user (for a script); the token is printed this once
    Add {
        /// 用户名 · The user the token acts as
        username: String,
        /// 令牌名称，说明用途 · The token's name, saying what it is for
        #[arg(long)]
        name: String,
        /// 有效天数（1–3650）· Days until it ends (1–3650)
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// 撤销一个接口令牌（编号见 token list），下次使用即得到 401 · Revoke an API token (its number from token list); its next use is answered 401
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum ProgramCommand {
    /// 删除一个帮扶协作及其全部数据，一个事务完成（审计日志保留其事件）· Delete a program and everything of it in one transaction (the audit log keeps its events)
    Delete {
        /// 帮扶协作编号 · Program code
        code: String,
        /// 不再询问确认 · Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// 新增用户 · Add a user; the password is read from standard input, or made up and printed once
    Add {
        username: String,
        /// administrator, program_office, helper_unit, helped_county, expert, viewer, national_office
        #[arg(long, default_value = "administrator")]
        role: String,
        /// 角色范围：帮扶协作、单位、地区或帮扶协作组编号 · What the role is scoped to: a program, unit, region or group code
        #[arg(long)]
        scope: Option<String>,
        /// 显示名称 · Display name
        #[arg(long)]
        name: Option<String>,
        /// 从标准输入读取密码 · Read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// 列出全部用户及其角色、范围、状态 · List every user with role, scope and standing
    List,
    /// 停用用户：立即结束其登录并撤销其接口令牌 · Disable a user: their sessions end and their API tokens are revoked at once
    Disable { username: String },
    /// 重新启用用户 · Enable a user again
    Enable { username: String },
    /// 解除因多次登录失败而加的锁定（不必等锁定期满）· Lift the lock failed sign-ins put on a user name, before it ends
    Unlock { username: String },
    /// 更改用户的角色与范围（其登录随之结束）· Change a user's role and scope (their sessions end)
    SetRole {
        username: String,
        /// administrator, program_office, helper_unit, helped_county, expert, viewer, national_office
        #[arg(long)]
        role: String,
        /// 角色范围：帮扶协作、单位、地区或帮扶协作组编号 · What the role is scoped to: a program, unit, region or group code
        #[arg(long)]
        scope: Option<String>,
    },
    /// 重设密码：生成一次性密码并显示一次（其登录随之结束）· Reset a password: a new one is made up and shown once (their sessions end)
    ResetPassword { username: String },
}

#[derive(Subcommand)]
enum Report {
    /// 年鉴：本年、累计、上年与增减，按来源和受帮扶县分列 · The yearbook: year, cumulative, previous year and change, by source and by county
    Yearbook {
        /// 帮扶协作编号 · Program code, e.g. zj-sc
        #[arg(long, required_unless_present = "group", conflicts_with = "group")]
        program: Option<String>,
        /// 帮扶协作组编号：各成员之和，另列 by_program 与按省分列 · A program group's code: its programs added up, with by_program and the splits by province
        #[arg(long)]
        group: Option<String>,
        /// 年度 · Year, e.g. 2009
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// 写入文件 · Write to this file (needed for xlsx, docx and pdf)
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// 受帮扶县概况（一页）：当年与累计数字、结对单位、当年项目 · A helped county's one-page fact sheet: the year's figures and to date, its pairings, its projects of the year
    County {
        #[arg(long)]
        program: String,
        /// 受帮扶县的行政区划代码 · The helped county's GB/T 2260 code, e.g. 510822
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        /// pdf（默认）或 docx · pdf (the default) or docx
        #[arg(long, value_enum, default_value_t = SheetFormat::Pdf)]
        format: SheetFormat,
        /// 写入文件 · Write to this file
        #[arg(long, short)]
        output: PathBuf,
    },
    /// 年度考核：排名、等次及每个单位的得分说明 · The year's assessment: ranking, grades and each unit's explanation
    Assessment {
        #[arg(long)]
        program: String,
        #[arg(long)]
        year: i32,
        /// 只看一个帮扶单位的得分说明 · Only this helper unit, with its explanation
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验哈希链、每条记录与其审计事件、统计汇总与记录是否一致；不一致时退出码为 1 · Walk the hash chain, check every record against its events and the figure summary against the records; exit 1 naming what is wrong
    Verify {
        /// 审计人员保存的检查点（序号:哈希），校验其仍然成立 · A checkpoint an auditor kept ("NUMBER:HASH" as `audit checkpoint` printed it): check that it still holds
        #[arg(long, value_parser = parse_checkpoint)]
        checkpoint: Option<(i64, String)>,
    },
    /// 打印最新事件的序号和哈希，供审计人员在系统外保存 · Print the latest event's number and hash, for an auditor to keep outside the system
    Checkpoint,
}

#[derive(Subcommand)]
enum Export {
    /// 按 IATI 2.03 标准导出项目（活动）· The program's projects as IATI 2.03 activities (XML)
    Iati {
        #[arg(long)]
        program: Option<String>,
        /// 报告机构的 IATI 标识 · The reporting organisation's IATI identifier (default: XI-TWINAID-<PROGRAM>)
        #[arg(long)]
        reporting_org: Option<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// How a fact sheet is written.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SheetFormat {
    Pdf,
    Docx,
}

/// How a report is written.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Markdown,
    /// 一个表一个工作表，需 --output · One sheet per table; needs --output
    Xlsx,
    /// Word 文档（年鉴），需 --output · A Word document (the yearbook); needs --output
    Docx,
    /// PDF 文档（年鉴，嵌入中文字体），需 --output · A PDF document (the yearbook, Chinese fonts embedded); needs --output
    Pdf,
}

fn parse_scale(s: &str) -> Result<Scale, String> {
    Scale::parse(s).ok_or_else(|| format!("unknown scale {s:?}; use county, province or national"))
}

/// A checkpoint as `audit checkpoint` prints it: "NUMBER:HASH".
fn parse_checkpoint(s: &str) -> Result<(i64, String), String> {
    let bad = || {
        format!(
            "checkpoint {s:?}: write it as NUMBER:HASH, as `twinaid audit checkpoint` prints it"
        )
    };
    let (seq, hash) = s.trim().split_once([':', ' ']).ok_or_else(bad)?;
    let seq = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

fn main() -> ExitCode {
    // One TLS provider for the server's HTTPS and any client the benchmark makes.
    twinaid_web::install_tls_provider();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `config show` shows the serve settings given with it; other commands have none.
    let (no_server, no_limits) = Default::default();
    let (server, limits) = match &cli.command {
        Command::Serve { server, limits, .. }
        | Command::Config {
            config: ConfigCommand::Show { server, limits },
        } => (server, limits),
        Command::Import { limits, .. } => (&no_server, limits),
        _ => (&no_server, &no_limits),
    };
    let settings = match settings::Settings::resolve(&cli.global, server, limits) {
        Ok(s) => s.given_by_environment(&from_environment(&matches)),
        Err(e) => {
            let lang = cli.global.lang.unwrap_or(Lang::Zh);
            eprintln!("{}{}", lang.pick("错误：", "error: "), e.message(lang));
            return ExitCode::FAILURE;
        }
    };
    init_log(&settings);
    let lang = settings.lang;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("twinaid: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if matches!(e, AppError::Store(_)) {
                tracing::error!(error = ?e, "command failed");
            } else {
                tracing::info!(error = ?e, "command refused");
            }
            eprintln!("{}{}", lang.pick("错误：", "error: "), e.message(lang));
            ExitCode::FAILURE
        }
    }
}

/// The arguments whose value came from a `TWINAID_…` variable, not a flag
/// (for `config show`), at every level of subcommand.
fn from_environment(matches: &clap::ArgMatches) -> Vec<String> {
    let mut out = Vec::new();
    let mut level = Some(matches);
    while let Some(m) = level {
        for id in m.ids() {
            if m.value_source(id.as_str()) == Some(clap::parser::ValueSource::EnvVariable) {
                out.push(id.as_str().to_string());
            }
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    out
}

/// The operator at this machine's command line, named by the login.
pub(crate) fn operator() -> Actor {
    Actor::operator_named(&std::env::var("USER").unwrap_or_else(|_| "operator".to_string()))
}

/// Log lines to standard error: text, coloured on a terminal only, or one
/// JSON object per line for a collector.
fn init_log(settings: &settings::Settings) {
    // Checked when the settings were resolved.
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(settings::DEFAULT_LOG));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        settings::LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        settings::LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}

async fn run(command: Command, settings: settings::Settings) -> Result<(), AppError> {
    let lang = settings.lang;
    // The operator at this machine's command line, named by the login.
    let actor = operator();
    let database_url = settings.database_url.clone();
    if let Command::Config {
        config: ConfigCommand::Show { .. },
    } = command
    {
        print!("{}", settings.show(lang));
        return Ok(());
    }
    if let Command::Bench {
        requests,
        postgres,
        import_rows,
        scales,
        keep,
        group_programs,
        group_scale,
        group_distinct,
        group_postgres_only,
    } = command
    {
        // The benchmark makes its own databases; the one named by --database-url is left alone.
        bench::run(requests, postgres.clone(), import_rows, lang).await?;
        if !scales.is_empty() {
            bench_scale::run(&scales, requests, postgres.as_deref(), keep.as_deref()).await?;
        }
        if group_programs > 0 {
            bench_group::run(
                group_scale,
                group_programs,
                requests,
                postgres.as_deref(),
                keep.as_deref(),
                group_distinct,
                group_postgres_only,
            )
            .await?;
        }
        return Ok(());
    }
    match &command {
        Command::Backup { file, verify: true } => {
            return files::verify_backup(file, lang).await;
        }
        Command::Backup { file, .. } => {
            if file.exists() {
                return Err(AppError::BadRequest(
                    twinaid_domain::DomainError::FileExists(file.display().to_string()),
                ));
            }
            let to = format!("sqlite://{}", file.display());
            files::copy(&database_url, &to, lang).await?;
            // A backup holds password hashes and person-level data: its owner's alone.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
            }
            return Ok(());
        }
        Command::Restore { file } => {
            files::sqlite_file(file)?;
            let from = format!("sqlite://{}", file.display());
            return files::copy(&from, &database_url, lang).await;
        }
        Command::Copy { from, to } => {
            let from = from.clone().unwrap_or(database_url.clone());
            return files::copy(&from, to, lang).await;
        }
        _ => {}
    }
    let app = App::open_with(&database_url, settings.pool_size)
        .await?
        .with_signin_limits(settings.signin)
        .with_rates(twinaid_exchange::rates::ecb_rates().clone());
    let chained = app.chained_on_open();
    if chained > 0 {
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!(
                    "审计日志：已将原有的 {chained} 条事件按写入顺序连成哈希链（SHA-256），此后可用 twinaid audit verify 校验"
                ),
                Lang::En => format!(
                    "audit log: the {chained} events already stored were chained (SHA-256) in the order they were written; `twinaid audit verify` checks them from now on"
                ),
            }
        );
    }
    let result = match command {
        Command::Init => init(&app, &actor, lang).await,
        Command::Demo {
            synthetic: true,
            scale,
            seed,
        } => {
            init(&app, &actor, lang).await?;
            demo::synthetic(&app, &actor, scale, seed, lang).await
        }
        Command::Demo { .. } => {
            init(&app, &actor, lang).await?;
            // The demo runs its year once; after that its records live their own life (inspected, corrected).
            if app
                .programs(&actor)
                .await?
                .iter()
                .any(|p| p.code == "zj-sc")
            {
                eprintln!(
                    "{}",
                    lang.pick(
                        "演示数据已载入，未重复载入",
                        "the demo is loaded already; nothing to do"
                    )
                );
                return Ok(());
            }
            load(&app, &actor, &demo::source(), lang).await?;
            demo_cycle(&app, &actor, lang).await
        }
        Command::Load { path } => {
            if let Some(folder) =
                twinaid_exchange::group_folder::read_group(&path).map_err(AppError::Invalid)?
            {
                return load_group(&app, &actor, folder, lang).await;
            }
            let source = FolderSource::open(&path).map_err(|p| AppError::Invalid(vec![p]))?;
            load(&app, &actor, &source, lang).await
        }
        Command::Groups {
            delete: Some(code), ..
        } => {
            app.delete_group(&actor, &code).await?;
            eprintln!(
                "{}",
                lang.pick(
                    &format!("已删除帮扶协作组 {code}"),
                    &format!("deleted group {code}")
                )
            );
            Ok(())
        }
        Command::Groups { format, .. } => {
            let groups = app.groups(&actor).await?;
            println!(
                "{}",
                render_group::groups(&groups, lang, format == Format::Json)
            );
            Ok(())
        }
        Command::Report {
            report:
                Report::Yearbook {
                    group: Some(group),
                    year,
                    format,
                    output,
                    ..
                },
        } => {
            let report = app.group_yearbook(&actor, &group, year).await?;
            let yearbook = &report.yearbook.yearbook;
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&report.to_json()).unwrap_or_default(),
                Format::Table => render_group::group_yearbook_table(&report, lang, false),
                Format::Markdown => render_group::group_yearbook_table(&report, lang, true),
                Format::Xlsx => {
                    let tables = twinaid_exchange::reports::group_yearbook(
                        &report.yearbook,
                        &report.province_names,
                        lang,
                    );
                    return files::write_workbook(&tables, output);
                }
                Format::Docx | Format::Pdf => {
                    let document = match format {
                        Format::Docx => files::YearbookDocument::Docx,
                        _ => files::YearbookDocument::Pdf(settings.fonts.clone()),
                    };
                    let place = files::DocumentPlace {
                        templates: settings.templates.clone(),
                        output,
                    };
                    let named = &report.yearbook.group;
                    let text = twinaid_app::YearbookText {
                        named_projects: Vec::new(),
                        guidance: None,
                        author: lang.pick(&named.name_zh, &named.name_en).to_string(),
                    };
                    return files::yearbook_document(
                        &app,
                        &actor,
                        yearbook,
                        Some(text),
                        place,
                        document,
                        lang,
                    )
                    .await;
                }
            };
            files::write_text(&text, output)
        }
        Command::Report {
            report:
                Report::Yearbook {
                    program,
                    year,
                    format,
                    output,
                    ..
                },
        } => {
            // clap asks for one of --program and --group.
            let program = program.unwrap_or_default();
            let yearbook = app.yearbook(&actor, &program, year).await?;
            let document = match format {
                Format::Docx => Some(files::YearbookDocument::Docx),
                Format::Pdf => Some(files::YearbookDocument::Pdf(settings.fonts.clone())),
                _ => None,
            };
            if let Some(document) = document {
                let place = files::DocumentPlace {
                    templates: settings.templates.clone(),
                    output,
                };
                return files::yearbook_document(
                    &app, &actor, &yearbook, None, place, document, lang,
                )
                .await;
            }
            let text = match format {
                Format::Json => {
                    serde_json::to_string_pretty(&yearbook.to_json()).unwrap_or_default()
                }
                Format::Table => render::yearbook_table(&yearbook, lang, false),
                Format::Markdown => render::yearbook_table(&yearbook, lang, true),
                Format::Xlsx | Format::Docx | Format::Pdf => {
                    let tables = twinaid_exchange::reports::yearbook(&yearbook, lang);
                    return files::write_workbook(&tables, output);
                }
            };
            files::write_text(&text, output)
        }
        Command::Report {
            report:
                Report::County {
                    program,
                    region,
                    year,
                    format,
                    output,
                },
        } => {
            let sheet = app
                .county_sheet(&actor, &program, &region, year, lang)
                .await?;
            files::county_document(
                &sheet,
                format == SheetFormat::Docx,
                settings.fonts.as_deref(),
                &output,
                lang,
            )
        }
        Command::Report {
            report:
                Report::Assessment {
                    program,
                    year,
                    unit,
                    format,
                    output,
                },
        } => {
            let assessment = app.assessment(&actor, &program, year).await?;
            let units = app.units(&actor, &program).await?;
            if format == Format::Xlsx {
                let (title, lines) = app.assessment_lines(&actor, &program, year, lang).await?;
                let tables = twinaid_exchange::reports::assessment(&title, &lines, lang);
                return files::write_workbook(&tables, output);
            }
            let text = render::assessment(&assessment, &units, unit.as_deref(), lang, format);
            files::write_text(&text, output)
        }
        Command::Export {
            export:
                Export::Iati {
                    program,
                    reporting_org,
                    output,
                },
        } => files::export_iati(&app, &actor, program, reporting_org, output).await,
        Command::Template {
            kind,
            program,
            output,
        } => files::template(&app, &actor, &kind, program, output, lang).await,
        Command::Import {
            file,
            kind,
            program,
            errors,
            helper_unit,
            region,
            ..
        } => {
            let args = files::ImportArgs {
                file,
                kind,
                program,
                errors,
                helper_unit,
                region,
            };
            files::import(&app, &actor, args, &settings).await
        }
        Command::Indicators { format } => {
            let defs = app.indicators(&actor).await?;
            println!(
                "{}",
                render::indicators(&defs, lang, format == Format::Json)
            );
            Ok(())
        }
        Command::Bench { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Copy { .. }
        | Command::Config { .. } => Ok(()),
        Command::Serve { demo, .. } => serve::run(&app, &actor, &settings, demo).await,
        Command::Token {
            token: TokenCommand::List,
        } => {
            let tokens = app.api_tokens(&actor).await?;
            print!("{}", render::tokens(&tokens, settings.time_zone, lang));
            Ok(())
        }
        Command::Token {
            token:
                TokenCommand::Add {
                    username,
                    name,
                    days,
                },
        } => {
            let token = app
                .create_api_token_for_user(&actor, &username, &name, days, "cli")
                .await?;
            // The token alone on standard output, for a script to take.
            println!("{}", token.0);
            eprintln!(
                "{}",
                match lang {
                    Lang::Zh =>
                        format!("已为 {username} 生成接口令牌（{days} 天后到期），只显示这一次"),
                    Lang::En => format!(
                        "API token made for {username} (ends in {days} days); it is shown this once"
                    ),
                }
            );
            Ok(())
        }
        Command::Token {
            token: TokenCommand::Revoke { id },
        } => {
            app.revoke_api_token(&actor, id, "cli").await?;
            eprintln!(
                "{}",
                match lang {
                    Lang::Zh => format!("已撤销接口令牌 {id}"),
                    Lang::En => format!("API token {id} revoked"),
                }
            );
            Ok(())
        }
        Command::User {
            user:
                UserCommand::Add {
                    username,
                    role,
                    scope,
                    name,
                    password_stdin,
                },
        } => {
            serve::add_user(
                &app,
                &actor,
                &username,
                &role,
                scope.as_deref(),
                name.as_deref(),
                password_stdin,
                lang,
            )
            .await
        }
        Command::User {
            user: UserCommand::List,
        } => {
            let users = app.users(&actor).await?;
            let locks = app.user_locks(&actor).await?;
            print!(
                "{}",
                render::users(&users, &locks, settings.time_zone, lang)
            );
            Ok(())
        }
        Command::User {
            user: UserCommand::Disable { username },
        } => {
            app.set_user_disabled(&actor, &username, true, "cli")
                .await?;
            eprintln!(
                "{}",
                lang.pick(
                    "已停用；其登录已结束，接口令牌已撤销",
                    "disabled; their sessions ended and their API tokens are revoked"
                )
            );
            Ok(())
        }
        Command::User {
            user: UserCommand::Unlock { username },
        } => {
            app.unlock_user(&actor, &username, "cli").await?;
            eprintln!("{}", lang.pick("已解除登录锁定", "sign-in lock lifted"));
            Ok(())
        }
        Command::User {
            user: UserCommand::Enable { username },
        } => {
            app.set_user_disabled(&actor, &username, false, "cli")
                .await?;
            eprintln!("{}", lang.pick("已重新启用", "enabled again"));
            Ok(())
        }
        Command::User {
            user:
                UserCommand::SetRole {
                    username,
                    role,
                    scope,
                },
        } => {
            let role = serve::role(&role, scope.as_deref())?;
            app.set_user_role(&actor, &username, &role).await?;
            eprintln!(
                "{}",
                lang.pick(
                    "角色已更改；其登录已结束",
                    "role changed; their sessions ended"
                )
            );
            Ok(())
        }
        Command::User {
            user: UserCommand::ResetPassword { username },
        } => {
            let password = app.reset_password(&actor, &username, "cli").await?;
            println!(
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "{username} 的新密码（只显示这一次，请当面或电话转告）：{}",
                        password.0
                    ),
                    Lang::En => format!(
                        "new password for {username} (shown only once; pass it on in person or by phone): {}",
                        password.0
                    ),
                }
            );
            Ok(())
        }
        Command::Program {
            program: ProgramCommand::Delete { code, yes },
        } => {
            if !yes && !confirmed(&code, lang) {
                app.close().await;
                return Err(AppError::BadRequest(
                    twinaid_domain::DomainError::NotConfirmed(code),
                ));
            }
            let removed = app.delete_program(&actor, &code).await?;
            let total: u64 = removed.values().sum();
            println!(
                "{}",
                lang.pick(
                    &format!("已删除帮扶协作 {code}：共 {total} 行"),
                    &format!("deleted program {code}: {total} rows"),
                )
            );
            for (table, rows) in removed {
                println!("  {table}: {rows}");
            }
            Ok(())
        }
        Command::Audit {
            action: Some(AuditCommand::Verify { checkpoint }),
            ..
        } => {
            let found = app.verify_audit(&actor, checkpoint).await?;
            let intact = found.intact();
            let text = render::audit_verification(&found, lang);
            if intact {
                println!("{text}");
                Ok(())
            } else {
                eprintln!("{text}");
                app.close().await;
                return Err(AppError::BadRequest(
                    twinaid_domain::DomainError::AuditBroken,
                ));
            }
        }
        Command::Audit {
            action: Some(AuditCommand::Checkpoint),
            ..
        } => {
            match app.audit_checkpoint(&actor).await? {
                Some((seq, hash)) => println!("{seq}:{hash}"),
                None => println!("0:{}", twinaid_domain::audit_chain::GENESIS),
            }
            Ok(())
        }
        Command::Audit {
            action: None,
            limit,
        } => {
            let events = app.audit_log(&actor, limit).await?;
            print!("{}", render::audit_events(&events, settings.time_zone));
            Ok(())
        }
    };
    app.close().await;
    result
}

/// Runs the demo's 2009 cycle once and says so.
pub(crate) async fn demo_cycle(app: &App, actor: &Actor, lang: Lang) -> Result<(), AppError> {
    if demo::run_cycle(app, actor).await? {
        eprintln!(
            "{}",
            lang.pick(
                "已完成演示年度考核：2009 年指导意见、年度计划、交叉检查、专家评分和考核结果公布（示意）",
                "ran the demo's 2009 cycle: guidance, plans, cross-examination, expert scores and a published assessment (illustrative)"
            )
        );
    }
    Ok(())
}

pub(crate) async fn init(app: &App, actor: &Actor, lang: Lang) -> Result<(), AppError> {
    let summary = app.init(actor, &demo::national_regions()).await?;
    if summary.regions_added + summary.indicators_added > 0 {
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!(
                    "数据库已初始化（{}）：新增行政区划 {} 个，指标 {} 个",
                    app.engine().name(),
                    summary.regions_added,
                    summary.indicators_added
                ),
                Lang::En => format!(
                    "database initialised ({}): {} regions and {} indicators added",
                    app.engine().name(),
                    summary.regions_added,
                    summary.indicators_added
                ),
            }
        );
    }
    Ok(())
}

pub(crate) async fn load(
    app: &App,
    actor: &Actor,
    source: &dyn ProgramSource,
    lang: Lang,
) -> Result<(), AppError> {
    let (units, catalog) = tokio::try_join!(app.indicator_units(), app.catalog())?;
    let bundle = read_program_in(source, &|code| units.get(code).copied(), &catalog)
        .map_err(AppError::Invalid)?;
    let summary = app.load(actor, &bundle).await?;
    say_loaded(&source.describe(), &bundle.program_code, &summary, lang);
    Ok(())
}

/// What a load wrote, on the terminal.
fn say_loaded(folder: &str, program: &str, summary: &twinaid_app::LoadSummary, lang: Lang) {
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    for (c, u, n) in summary.counts.values() {
        created += c;
        updated += u;
        unchanged += n;
    }
    eprintln!(
        "{}",
        match lang {
            Lang::Zh => format!(
                "已载入 {folder}（{program}）：新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条"
            ),
            Lang::En => format!(
                "loaded {folder} ({program}): {created} created, {updated} updated, {unchanged} unchanged"
            ),
        }
    );
}

/// Loads a group folder: its programs' folders first (each checked as a
/// whole and written in its own transaction, as `load` does), then the group.
async fn load_group(
    app: &App,
    actor: &Actor,
    folder: twinaid_exchange::group_folder::GroupFolder,
    lang: Lang,
) -> Result<(), AppError> {
    // Every program folder is read, and every member found, before any is
    // written: a bad cell in the last stops the load before the first is written.
    let (units, installed) = tokio::try_join!(app.indicator_units(), app.catalog())?;
    // The group folder's fields.csv and choices.csv apply to every program's folder.
    let group_source = FolderSource(folder.path.clone());
    let (additions, mut problems) = twinaid_exchange::read_additions(&group_source, &installed);
    for p in &mut problems {
        if let Some(file) = p.location.file.as_mut() {
            *file = folder.path.join(&*file).display().to_string();
        }
    }
    let catalog = installed.with(&additions.catalog());
    let mut bundles = Vec::new();
    for path in &folder.program_folders {
        let source = FolderSource(path.clone());
        match read_program_in(&source, &|code| units.get(code).copied(), &catalog) {
            Ok(mut bundle) => {
                // Kept with each program's load: the first stores them.
                bundle.kinds.splice(0..0, additions.kinds.iter().cloned());
                bundle.fields.splice(0..0, additions.fields.iter().cloned());
                bundle
                    .choices
                    .splice(0..0, additions.choices.iter().cloned());
                bundles.push((source, bundle));
            }
            Err(mut found) => {
                for p in &mut found {
                    if let Some(file) = p.location.file.as_mut() {
                        *file = path.join(&*file).display().to_string();
                    }
                }
                problems.extend(found);
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let loaded = app.programs(actor).await?;
    let group = &folder.group;
    let known: std::collections::HashSet<&str> = bundles
        .iter()
        .map(|(_, b)| b.program_code.as_str())
        .chain(loaded.iter().map(|p| p.code.as_str()))
        .collect();
    if let Some(missing) = group
        .programs
        .iter()
        .find(|code| !known.contains(code.as_str()))
    {
        return Err(AppError::BadRequest(
            twinaid_domain::DomainError::UnknownProgram(missing.clone()),
        ));
    }
    for (source, bundle) in &bundles {
        let summary = app.load(actor, bundle).await?;
        say_loaded(&source.describe(), &bundle.program_code, &summary, lang);
    }
    // Without program folders, the group's fields and choice values are kept on their own.
    let adds = !additions.kinds.is_empty()
        || !additions.fields.is_empty()
        || !additions.choices.is_empty();
    if let (true, Some(first)) = (bundles.is_empty() && adds, group.programs.first()) {
        let bundle = twinaid_domain::bundle::ProgramBundle {
            program_code: first.clone(),
            kinds: additions.kinds,
            fields: additions.fields,
            choices: additions.choices,
            ..Default::default()
        };
        let summary = app.load(actor, &bundle).await?;
        say_loaded(&group_source.describe(), first, &summary, lang);
    }
    let changed = app.put_group(actor, group).await?;
    let members = group.programs.join(", ");
    eprintln!(
        "{}",
        match (lang, changed) {
            (Lang::Zh, true) => format!("已载入帮扶协作组 {}：{members}", group.code),
            (Lang::Zh, false) => format!("帮扶协作组 {} 未变：{members}", group.code),
            (Lang::En, true) => format!("loaded program group {}: {members}", group.code),
            (Lang::En, false) => format!("program group {} unchanged: {members}", group.code),
        }
    );
    Ok(())
}

/// Asks on the terminal for the program code before deleting it; no
/// terminal, no confirmation.
fn confirmed(code: &str, lang: Lang) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!(
        "{}",
        lang.pick(
            &format!("将删除帮扶协作 {code} 的全部数据。请输入编号 {code} 确认："),
            &format!("This deletes program {code} and everything of it. Type {code} to confirm: "),
        )
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == code
}
