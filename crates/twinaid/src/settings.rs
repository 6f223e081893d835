//! The settings of a run, built once here and passed down: a flag first,
//! then its `TWINAID_…` environment variable (clap reads both), then the
//! key of the same name in `twinaid.toml`, then the default. No library
//! reads the environment; `twinaid config show` prints what is in force.

use chrono::FixedOffset;
use clap::ValueEnum;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use twinaid_app::AppError;
use twinaid_domain::{DomainError, Lang};

/// The file read when `--config` does not name one, if it is there.
pub const DEFAULT_FILE: &str = "twinaid.toml";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Settings every command has.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// 设置文件（默认当前目录下的 twinaid.toml，如有）· Settings file (default: twinaid.toml in the current folder, when there is one)
    #[arg(long, global = true, env = "TWINAID_CONFIG")]
    pub config: Option<PathBuf>,
    /// 数据库地址 · Database URL: sqlite://FILE.db (default sqlite://twinaid.db, created on first use) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "TWINAID_DATABASE_URL")]
    pub database_url: Option<String>,
    /// 数据库连接数（默认 SQLite 4 个读 + 1 个写，PostgreSQL 8）· Database connections (default: SQLite 4 readers and 1 writer, PostgreSQL 8)
    #[arg(long, global = true, env = "TWINAID_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// 界面语言 · Language of messages and reports: zh (default) or en
    #[arg(long, global = true, env = "TWINAID_LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// 日志内容（默认 error,twinaid_web::requests=info）· What is logged (default: errors, and one line per request)
    #[arg(long, global = true, env = "TWINAID_LOG")]
    pub log: Option<String>,
    /// 日志格式：text 或 json · Log lines as text (default) or json
    #[arg(long, global = true, env = "TWINAID_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// 年鉴文档模板所在文件夹 · Folder of the yearbook document templates an office edits
    #[arg(long, global = true, env = "TWINAID_TEMPLATES")]
    pub templates: Option<PathBuf>,
    /// PDF 所用中文字体（文件夹或字体文件）· Chinese fonts for PDF: a folder or one font file
    #[arg(long, global = true, env = "TWINAID_FONTS")]
    pub fonts: Option<PathBuf>,
    /// 网页与报告显示时间所用时区：与 UTC 的时差，如 +08:00（默认）或 UTC · Time zone of times on pages and in reports: an offset from UTC, e.g. +08:00 (default) or UTC
    #[arg(long, global = true, env = "TWINAID_TIME_ZONE", value_parser = parse_zone)]
    pub time_zone: Option<FixedOffset>,
}

/// Settings of `serve` (and of `config show`, which shows them).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServerArgs {
    /// 监听地址（默认 127.0.0.1:8080）· Address to listen on (default 127.0.0.1:8080)
    #[arg(long, env = "TWINAID_LISTEN")]
    pub listen: Option<String>,
    /// 用户访问的地址：https://… 时 Cookie 仅限 HTTPS；http://… 时（无 HTTPS 的办公网络）不加此限制 · The address people open: https://… keeps cookies to HTTPS; http://… (an office network without HTTPS) lets them travel over plain http
    #[arg(long, env = "TWINAID_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// HTTPS 证书链（PEM），须与 --tls-key 一起设置 · HTTPS certificate chain (PEM); set together with --tls-key
    #[arg(long, env = "TWINAID_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS 私钥（PEM）· HTTPS private key (PEM)
    #[arg(long, env = "TWINAID_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// 另在此地址提供 /metrics（默认与网页同一地址）· Serve /metrics on this address instead of the pages' one
    #[arg(long, env = "TWINAID_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// 可信的反向代理地址（逗号分隔）：只有来自它们的 X-Forwarded-For 被采信 · Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client
    #[arg(long, env = "TWINAID_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_ip)]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// 同一用户名连续登录失败多少次后锁定（默认 10）· Failed sign-ins under one user name before it is locked (default 10)
    #[arg(long, env = "TWINAID_SIGNIN_LOCK_AFTER")]
    pub signin_lock_after: Option<u32>,
    /// 同一地址登录失败（任何用户名）或接口令牌错误多少次后锁定（默认 30）· Failed sign-ins (any names) or bad API tokens from one address before it is locked (default 30)
    #[arg(long, env = "TWINAID_SIGNIN_LOCK_AFTER_ADDRESS")]
    pub signin_lock_after_address: Option<u32>,
    /// 锁定多少分钟，失败记录也保留这么久（默认 15）· Minutes a lock lasts, and failures are remembered (default 15)
    #[arg(long, env = "TWINAID_SIGNIN_LOCK_MINUTES")]
    pub signin_lock_minutes: Option<u32>,
}

/// What one upload or file may bring and how many imports run at once
/// (`serve`, `import`, `config show`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// 导入上传的最大大小（MB，默认 100）· Largest upload an import takes, in MB (default 100)
    #[arg(long, env = "TWINAID_MAX_UPLOAD_MB")]
    pub max_upload_mb: Option<usize>,
    /// .xlsx/.ods 解压后的最大大小（MB，默认 256）· Most an .xlsx/.ods may unpack to, in MB (default 256)
    #[arg(long, env = "TWINAID_MAX_UNPACKED_MB")]
    pub max_unpacked_mb: Option<u64>,
    /// 每个工作表的最多行数（默认 1000000）· Most rows of a sheet (default 1,000,000)
    #[arg(long, env = "TWINAID_MAX_ROWS")]
    pub max_rows: Option<usize>,
    /// 每个工作表的最多列数（默认 200）· Most columns of a sheet (default 200)
    #[arg(long, env = "TWINAID_MAX_COLUMNS")]
    pub max_columns: Option<usize>,
    /// 每个单元格的最多字符数（默认 10000）· Most characters in a cell (default 10,000)
    #[arg(long, env = "TWINAID_MAX_CELL_CHARS")]
    pub max_cell_chars: Option<usize>,
    /// 同时进行的导入数，再多的排队等候（默认 2）· Imports at once; one more waits for a turn (default 2)
    #[arg(long, env = "TWINAID_IMPORTS_AT_ONCE")]
    pub imports_at_once: Option<usize>,
    /// 导入排队最多等候的秒数，超时得到 429（默认 10）· Seconds an import waits for a turn before it is answered 429 (default 10)
    #[arg(long, env = "TWINAID_IMPORT_WAIT_SECONDS")]
    pub import_wait_seconds: Option<u64>,
}

/// `twinaid.toml`: every key is a flag's name with `_` for `-`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    pool_size: Option<u32>,
    lang: Option<String>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    templates: Option<PathBuf>,
    fonts: Option<PathBuf>,
    time_zone: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    metrics_listen: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    signin_lock_after: Option<u32>,
    signin_lock_after_address: Option<u32>,
    signin_lock_minutes: Option<u32>,
    max_upload_mb: Option<usize>,
    max_unpacked_mb: Option<u64>,
    max_rows: Option<usize>,
    max_columns: Option<usize>,
    max_cell_chars: Option<usize>,
    imports_at_once: Option<usize>,
    import_wait_seconds: Option<u64>,
}

/// Where a setting's value came from, for `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A flag.
    Given,
    /// A `TWINAID_…` variable.
    Environment,
    File,
    Default,
}

/// The certificate and key of built-in HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything a run is set to.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    pub database_url: String,
    /// `None`: the engine's default.
    pub pool_size: Option<u32>,
    pub lang: Lang,
    pub log: String,
    pub log_format: LogFormat,
    pub templates: Option<PathBuf>,
    pub fonts: Option<PathBuf>,
    pub time_zone: FixedOffset,
    pub listen: String,
    pub public_url: Option<String>,
    pub tls: Option<Tls>,
    pub metrics_listen: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub signin: twinaid_app::SigninLimits,
    pub limits: twinaid_web::Limits,
    /// Each key's origin, in the order `config show` prints them.
    origins: Vec<(&'static str, Origin)>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://twinaid.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "error,twinaid_web::requests=info";

fn bad(key: &str, value: impl std::fmt::Display, en: &str, zh: &str) -> AppError {
    AppError::BadRequest(DomainError::BadSetting {
        key: key.to_string(),
        value: value.to_string(),
        expected: (en.to_string(), zh.to_string()),
    })
}

pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?}; use zh or en"))
}

/// A fixed offset from UTC: `+08:00`, `-05:30`, `+8`, `UTC` or `Z`.
pub fn parse_zone(s: &str) -> Result<FixedOffset, String> {
    let t = s.trim();
    let bad = || format!("time zone {s:?}: write an offset from UTC such as +08:00, or UTC");
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(bad);
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

pub fn parse_ip(s: &str) -> Result<std::net::IpAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address, e.g. 127.0.0.1 or ::1"))
}

pub fn parse_public_url(url: &str) -> Result<String, String> {
    twinaid_web::CookieSecurity::of_public_url(Some(url)).map(|_| url.trim().to_string())
}

/// An address to listen on: `HOST:PORT` (`0.0.0.0:8080`, `[::]:8080`,
/// `localhost:8080`).
fn check_listen(key: &str, value: &str) -> Result<(), AppError> {
    let port = value
        .rsplit_once(':')
        .filter(|(host, _)| !host.is_empty())
        .and_then(|(_, p)| p.parse::<u16>().ok());
    if port.is_none() {
        return Err(bad(
            key,
            value,
            "write HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
            "请写成 主机:端口，如 127.0.0.1:8080 或 0.0.0.0:8080",
        ));
    }
    Ok(())
}

/// A file or folder that must be there when the setting is read.
fn check_path(key: &str, path: &Path, folder: bool) -> Result<(), AppError> {
    let there = if folder { path.is_dir() } else { path.exists() };
    if there {
        return Ok(());
    }
    let (en, zh) = if folder {
        (
            "no such folder; check the path",
            "没有这个文件夹，请检查路径",
        )
    } else {
        (
            "no such file or folder; check the path",
            "没有这个文件或文件夹，请检查路径",
        )
    };
    Err(bad(key, path.display(), en, zh))
}

/// The offset as people write it: `+08:00`.
pub fn show_zone(z: &FixedOffset) -> String {
    let s = z.local_minus_utc();
    let sign = if s < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", s.abs() / 3600, s.abs() % 3600 / 60)
}

/// Reads the settings file: the one named, which must be there, or
/// `twinaid.toml` here when there is one.
fn read_file(named: Option<&Path>) -> Result<(Option<PathBuf>, FileSettings), AppError> {
    let path = match named {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok((None, FileSettings::default())),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad(
            "config",
            path.display(),
            &format!("the file cannot be read ({e}); check the path"),
            &format!("无法读取该文件（{e}），请检查路径"),
        )
    })?;
    let file = toml::from_str(&text).map_err(|e| {
        let why = e.message().to_string();
        let at = e.span().map_or(0, |s| s.start);
        let line = text
            .get(..at)
            .map_or(1, |before| before.matches('\n').count() + 1);
        // The key and value on that line, when it has one, so the error
        // names the setting rather than the file.
        let (key, value) = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.split_once('='))
            .map_or_else(
                || ("config".to_string(), path.display().to_string()),
                |(k, v)| (k.trim().to_string(), v.trim().to_string()),
            );
        let file = path.display();
        bad(
            &key,
            value,
            &format!("{file} line {line}: {why}; every key is documented in docs/operations.md"),
            &format!("{file} 第 {line} 行：{why}；各项设置见 docs/operations.md"),
        )
    })?;
    Ok((Some(path), file))
}

/// The first of the given value, the file's, the default, with where it came from.
fn pick<T>(given: Option<T>, file: Option<T>, default: T) -> (T, Origin) {
    match (given, file) {
        (Some(v), _) => (v, Origin::Given),
        (None, Some(v)) => (v, Origin::File),
        (None, None) => (default, Origin::Default),
    }
}

/// Like `pick`, for a setting that may stay unset.
fn pick_opt<T>(given: Option<T>, file: Option<T>) -> (Option<T>, Origin) {
    match (given, file) {
        (Some(v), _) => (Some(v), Origin::Given),
        (None, Some(v)) => (Some(v), Origin::File),
        (None, None) => (None, Origin::Default),
    }
}

impl Settings {
    /// Resolves the settings of a run: the flags and variables given, then
    /// the file, then the defaults; refuses any value that cannot be used.
    pub fn resolve(
        global: &GlobalArgs,
        server: &ServerArgs,
        limits: &LimitArgs,
    ) -> Result<Settings, AppError> {
        let (file_path, f) = read_file(global.config.as_deref())?;
        let mut origins = Vec::new();
        let mut note = |key: &'static str, origin: Origin| origins.push((key, origin));

        let (database_url, o) = pick(
            global.database_url.clone(),
            f.database_url,
            DEFAULT_DATABASE_URL.to_string(),
        );
        note("database_url", o);
        if let Err(e) = twinaid_store::parse_url(&database_url) {
            return Err(bad(
                "database_url",
                mask_url(&database_url),
                &format!("{e}; write sqlite://FILE or postgres://USER@HOST/DATABASE"),
                "请写成 sqlite://文件 或 postgres://用户@主机/数据库",
            ));
        }
        let (pool_size, o) = pick_opt(global.pool_size, f.pool_size);
        note("pool_size", o);
        if let Some(n) = pool_size.filter(|n| !(1..=200).contains(n)) {
            return Err(bad(
                "pool_size",
                n,
                "give from 1 to 200 connections",
                "请填写 1 到 200 之间的连接数",
            ));
        }
        let file_lang = f
            .lang
            .map(|s| parse_lang(&s).map_err(|e| bad("lang", &s, &e, "请填写 zh 或 en")))
            .transpose()?;
        let (lang, o) = pick(global.lang, file_lang, Lang::Zh);
        note("lang", o);
        let (log, o) = pick(global.log.clone(), f.log, DEFAULT_LOG.to_string());
        note("log", o);
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log) {
            return Err(bad(
                "log",
                &log,
                &format!(
                    "{e}; write it as TWINAID_LOG is written, e.g. info or error,twinaid_web::requests=info"
                ),
                "请按日志过滤写法填写，如 info 或 error,twinaid_web::requests=info",
            ));
        }
        let (log_format, o) = pick(global.log_format, f.log_format, LogFormat::Text);
        note("log_format", o);
        let (templates, o) = pick_opt(global.templates.clone(), f.templates);
        note("templates", o);
        let (fonts, o) = pick_opt(global.fonts.clone(), f.fonts);
        note("fonts", o);
        if let Some(t) = &templates {
            check_path("templates", t, true)?;
        }
        if let Some(f) = &fonts {
            check_path("fonts", f, false)?;
        }
        let file_zone = f
            .time_zone
            .map(|s| {
                parse_zone(&s)
                    .map_err(|e| bad("time_zone", &s, &e, "请填写与 UTC 的时差，如 +08:00"))
            })
            .transpose()?;
        let (time_zone, o) = pick(global.time_zone, file_zone, twinaid_web::CHINA_TIME);
        note("time_zone", o);

        let (listen, o) = pick(server.listen.clone(), f.listen, DEFAULT_LISTEN.to_string());
        note("listen", o);
        check_listen("listen", &listen)?;
        let file_url = f
            .public_url
            .map(|s| {
                parse_public_url(&s).map_err(|e| {
                    bad(
                        "public_url",
                        &s,
                        &e,
                        "请填写 http:// 或 https:// 开头的完整地址",
                    )
                })
            })
            .transpose()?;
        let (public_url, o) = pick_opt(server.public_url.clone(), file_url);
        note("public_url", o);
        let (cert, o1) = pick_opt(server.tls_cert.clone(), f.tls_cert);
        let (key, o2) = pick_opt(server.tls_key.clone(), f.tls_key);
        note("tls_cert", o1);
        note("tls_key", o2);
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(Tls { cert, key }),
            (None, None) => None,
            (Some(c), None) => {
                return Err(bad(
                    "tls_key",
                    format!("(unset; tls_cert = {})", c.display()),
                    "set the private key too, or neither",
                    "请同时设置私钥 tls_key，或两者都不设",
                ));
            }
            (None, Some(k)) => {
                return Err(bad(
                    "tls_cert",
                    format!("(unset; tls_key = {})", k.display()),
                    "set the certificate chain too, or neither",
                    "请同时设置证书 tls_cert，或两者都不设",
                ));
            }
        };
        if let Some(t) = &tls {
            check_path("tls_cert", &t.cert, false)?;
            check_path("tls_key", &t.key, false)?;
        }
        let (metrics_listen, o) = pick_opt(server.metrics_listen.clone(), f.metrics_listen);
        note("metrics_listen", o);
        if let Some(m) = &metrics_listen {
            check_listen("metrics_listen", m)?;
            if m.eq_ignore_ascii_case(&listen) {
                return Err(bad(
                    "metrics_listen",
                    m,
                    "give an address other than listen's (another port), or leave it unset to serve /metrics beside the pages",
                    "请填写与 listen 不同的地址（另一个端口），或不设置以便在网页地址上提供 /metrics",
                ));
            }
        }
        let file_proxies = f
            .trusted_proxies
            .map(|list| {
                list.iter()
                    .map(|a| {
                        parse_ip(a).map_err(|e| {
                            bad("trusted_proxies", a, &e, "请填写 IP 地址，如 127.0.0.1")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let (trusted_proxies, o) = pick(server.trusted_proxies.clone(), file_proxies, Vec::new());
        note("trusted_proxies", o);
        let signin_defaults = twinaid_app::SigninLimits::default();
        let mut signin = signin_defaults;
        for (key, given, file, default, slot) in [
            (
                "signin_lock_after",
                server.signin_lock_after,
                f.signin_lock_after,
                signin_defaults.per_user,
                &mut signin.per_user,
            ),
            (
                "signin_lock_after_address",
                server.signin_lock_after_address,
                f.signin_lock_after_address,
                signin_defaults.per_address,
                &mut signin.per_address,
            ),
            (
                "signin_lock_minutes",
                server.signin_lock_minutes,
                f.signin_lock_minutes,
                signin_defaults.lock_minutes,
                &mut signin.lock_minutes,
            ),
        ] {
            let (value, o) = pick(given, file, default);
            note(key, o);
            if value == 0 {
                return Err(bad(key, 0, "give a number above 0", "请填写大于 0 的数"));
            }
            *slot = value;
        }

        let defaults = twinaid_web::Limits::default();
        let mb = 1024 * 1024;
        let (upload_mb, o) = pick(
            limits.max_upload_mb,
            f.max_upload_mb,
            defaults.upload_bytes / mb,
        );
        note("max_upload_mb", o);
        let (unpacked_mb, o) = pick(
            limits.max_unpacked_mb,
            f.max_unpacked_mb,
            defaults.read.unpacked_bytes / 1024 / 1024,
        );
        note("max_unpacked_mb", o);
        let (rows, o) = pick(limits.max_rows, f.max_rows, defaults.read.rows);
        note("max_rows", o);
        let (columns, o) = pick(limits.max_columns, f.max_columns, defaults.read.columns);
        note("max_columns", o);
        let (cell_chars, o) = pick(
            limits.max_cell_chars,
            f.max_cell_chars,
            defaults.read.cell_chars,
        );
        note("max_cell_chars", o);
        let (at_once, o) = pick(
            limits.imports_at_once,
            f.imports_at_once,
            defaults.imports_at_once,
        );
        note("imports_at_once", o);
        let (wait, o) = pick(
            limits.import_wait_seconds,
            f.import_wait_seconds,
            defaults.import_wait.as_secs(),
        );
        note("import_wait_seconds", o);
        for (key, value) in [
            ("max_upload_mb", upload_mb as u64),
            ("max_unpacked_mb", unpacked_mb),
            ("max_rows", rows as u64),
            ("max_columns", columns as u64),
            ("max_cell_chars", cell_chars as u64),
            ("imports_at_once", at_once as u64),
        ] {
            if value == 0 {
                return Err(bad(key, 0, "give a number above 0", "请填写大于 0 的数"));
            }
        }
        let limits = twinaid_web::Limits {
            upload_bytes: upload_mb.saturating_mul(mb),
            read: twinaid_exchange::ReadLimits {
                unpacked_bytes: unpacked_mb.saturating_mul(1024 * 1024),
                rows,
                columns,
                cell_chars,
            },
            imports_at_once: at_once,
            import_wait: std::time::Duration::from_secs(wait),
        };
        Ok(Settings {
            file: file_path,
            database_url,
            pool_size,
            lang,
            log,
            log_format,
            templates,
            fonts,
            time_zone,
            listen,
            public_url,
            tls,
            metrics_listen,
            trusted_proxies,
            signin,
            limits,
            origins,
        })
    }

    /// Marks the settings whose value a `TWINAID_…` variable gave (clap
    /// reads flags and variables alike; it tells which it was).
    pub fn given_by_environment(mut self, keys: &[String]) -> Settings {
        for (key, origin) in &mut self.origins {
            if *origin == Origin::Given && keys.iter().any(|k| k == key) {
                *origin = Origin::Environment;
            }
        }
        self
    }

    /// The settings as `twinaid.toml` lines, the database password masked,
    /// each with where its value came from.
    pub fn show(&self, lang: Lang) -> String {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let quoted = |v: Option<String>| v.map(|v| format!("{v:?}"));
        let mb = 1024 * 1024;
        let values: Vec<(&str, Option<String>)> = vec![
            ("database_url", quoted(Some(mask_url(&self.database_url)))),
            ("pool_size", self.pool_size.map(|n| n.to_string())),
            ("lang", quoted(Some(self.lang.pick("zh", "en").to_string()))),
            ("log", quoted(Some(self.log.clone()))),
            (
                "log_format",
                quoted(Some(
                    match self.log_format {
                        LogFormat::Text => "text",
                        LogFormat::Json => "json",
                    }
                    .to_string(),
                )),
            ),
            ("templates", quoted(path(&self.templates))),
            ("fonts", quoted(path(&self.fonts))),
            ("time_zone", quoted(Some(show_zone(&self.time_zone)))),
            ("listen", quoted(Some(self.listen.clone()))),
            ("public_url", quoted(self.public_url.clone())),
            (
                "tls_cert",
                quoted(self.tls.as_ref().map(|t| t.cert.display().to_string())),
            ),
            (
                "tls_key",
                quoted(self.tls.as_ref().map(|t| t.key.display().to_string())),
            ),
            ("metrics_listen", quoted(self.metrics_listen.clone())),
            (
                "trusted_proxies",
                Some(format!(
                    "[{}]",
                    self.trusted_proxies
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            ("signin_lock_after", Some(self.signin.per_user.to_string())),
            (
                "signin_lock_after_address",
                Some(self.signin.per_address.to_string()),
            ),
            (
                "signin_lock_minutes",
                Some(self.signin.lock_minutes.to_string()),
            ),
            (
                "max_upload_mb",
                Some((self.limits.upload_bytes / mb).to_string()),
            ),
            (
                "max_unpacked_mb",
                Some((self.limits.read.unpacked_bytes / 1024 / 1024).to_string()),
            ),
            ("max_rows", Some(self.limits.read.rows.to_string())),
            ("max_columns", Some(self.limits.read.columns.to_string())),
            (
                "max_cell_chars",
                Some(self.limits.read.cell_chars.to_string()),
            ),
            (
                "imports_at_once",
                Some(self.limits.imports_at_once.to_string()),
            ),
            (
                "import_wait_seconds",
                Some(self.limits.import_wait.as_secs().to_string()),
            ),
        ];
        let mut out = match &self.file {
            Some(p) => format!(
                "{}{}\n",
                lang.pick("# 设置文件：", "# settings file: "),
                p.display()
            ),
            None => lang
                .pick(
                    "# 没有设置文件（twinaid.toml）\n",
                    "# no settings file (twinaid.toml)\n",
                )
                .to_string(),
        };
        for (key, value) in values {
            let origin = self
                .origins
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Origin::Default, |(_, o)| *o);
            let from = match (origin, lang) {
                (Origin::Given, Lang::Zh) => "命令行参数",
                (Origin::Given, Lang::En) => "flag",
                (Origin::Environment, Lang::Zh) => "环境变量",
                (Origin::Environment, Lang::En) => "environment",
                (Origin::File, Lang::Zh) => "设置文件",
                (Origin::File, Lang::En) => "settings file",
                (Origin::Default, Lang::Zh) => "默认",
                (Origin::Default, Lang::En) => "default",
            };
            let line = match (value, key) {
                (Some(v), _) => format!("{key} = {v}"),
                // Unset: the engine decides.
                (None, "pool_size") => lang
                    .pick(
                        "# pool_size = （SQLite 4 读 + 1 写，PostgreSQL 8）",
                        "# pool_size = (SQLite 4 readers + 1 writer, PostgreSQL 8)",
                    )
                    .to_string(),
                (None, _) => format!("# {key} ="),
            };
            out.push_str(&format!("{line:<50} # {from}\n"));
        }
        out
    }
}

/// A database URL with its password hidden, in the user part or the query.
pub fn mask_url(url: &str) -> String {
    let masked = match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) => match user.split_once(':') {
                Some((name, _)) => format!("{scheme}://{name}:***@{host}"),
                None => url.to_string(),
            },
            None => url.to_string(),
        },
        None => url.to_string(),
    };
    match masked.split_once('?') {
        Some((base, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{base}?{}", query.join("&"))
        }
        None => masked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_wherever_the_url_holds_them() {
        assert_eq!(
            mask_url("postgres://app:s3cret@db:5432/twinaid"),
            "postgres://app:***@db:5432/twinaid"
        );
        assert_eq!(
            mask_url("postgres://app@db/twinaid?sslmode=require&password=x"),
            "postgres://app@db/twinaid?sslmode=require&password=***"
        );
        assert_eq!(mask_url("sqlite://twinaid.db"), "sqlite://twinaid.db");
    }

    #[test]
    fn zones_are_offsets_from_utc() {
        assert_eq!(show_zone(&parse_zone("+08:00").unwrap()), "+08:00");
        assert_eq!(show_zone(&parse_zone("-5:30").unwrap()), "-05:30");
        assert_eq!(show_zone(&parse_zone("+8").unwrap()), "+08:00");
        assert_eq!(show_zone(&parse_zone("UTC").unwrap()), "+00:00");
        assert!(parse_zone("Asia/Shanghai").is_err());
        assert!(parse_zone("+15:00").is_err());
    }

    #[test]
    fn a_flag_wins_over_the_file_and_the_file_over_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(
            &file,
            "database_url = \"sqlite://from-file.db\"\nlisten = \"0.0.0.0:9000\"\nmax_rows = 5\n",
        )
        .unwrap();
        let global = GlobalArgs {
            config: Some(file.clone()),
            database_url: Some("sqlite://given.db".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&global, &ServerArgs::default(), &LimitArgs::default()).unwrap();
        assert_eq!(s.database_url, "sqlite://given.db");
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.limits.read.rows, 5);
        assert_eq!(s.limits.read.columns, 200);
        let shown = s.show(Lang::En);
        assert!(shown.contains("listen = \"0.0.0.0:9000\""), "{shown}");
        assert!(shown.contains("settings file"), "{shown}");
    }

    #[test]
    fn an_unknown_key_or_half_a_tls_pair_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "# a comment\nlisen = \"0.0.0.0:9000\"\n").unwrap();
        let global = GlobalArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let e = Settings::resolve(&global, &ServerArgs::default(), &LimitArgs::default())
            .unwrap_err()
            .message(Lang::En);
        assert!(e.contains("line 2") && e.contains("lisen"), "{e}");
        std::fs::write(&file, "tls_cert = \"c.pem\"\n").unwrap();
        let e = Settings::resolve(&global, &ServerArgs::default(), &LimitArgs::default())
            .unwrap_err()
            .message(Lang::En);
        assert!(e.contains("tls_key"), "{e}");
    }
}
