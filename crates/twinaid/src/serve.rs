//! `twinaid serve` and `twinaid user add`.

use crate::settings::Settings;
use crate::{demo, init, load};
use std::io::BufRead;
use twinaid_app::{Actor, App, AppError, Role};
use twinaid_domain::{DomainError, Lang};

/// A password of 16 letters and digits, for the first administrator.
fn made_up_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(buf
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

pub(crate) fn role(code: &str, scope: Option<&str>) -> Result<Role, AppError> {
    Role::from_stored(code, scope).ok_or_else(|| {
        AppError::Field(
            "role",
            DomainError::UnknownChoice {
                value: format!("{code} {}", scope.unwrap_or_default())
                    .trim()
                    .to_string(),
                allowed: vec![
                    "administrator",
                    "program_office --scope PROGRAM",
                    "helper_unit --scope UNIT",
                    "helped_county --scope REGION",
                    "expert",
                    "viewer",
                    "national_office --scope GROUP",
                ],
            },
        )
    })
}

/// Adds a user from the command line.
#[allow(clippy::too_many_arguments)]
pub async fn add_user(
    app: &App,
    actor: &Actor,
    username: &str,
    role_code: &str,
    scope: Option<&str>,
    name: Option<&str>,
    password_stdin: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let role = role(role_code, scope)?;
    let (password, made_up) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (made_up_password()?, true)
    };
    app.add_user(actor, username, name.unwrap_or(username), &password, &role)
        .await?;
    if made_up {
        println!(
            "{}",
            match lang {
                Lang::Zh => format!("已创建用户 {username}，密码（只显示这一次）：{password}"),
                Lang::En =>
                    format!("user {username} created; password (shown only once): {password}"),
            }
        );
    } else {
        eprintln!("{}", lang.pick("已创建用户", "user created"));
    }
    Ok(())
}

/// Whether the cookies are `Secure`, with what to tell the operator about it.
fn cookies_of(settings: &Settings, lang: Lang) -> (twinaid_web::CookieSecurity, Option<String>) {
    use twinaid_web::CookieSecurity;
    // Checked when the setting was read: a bad URL never gets here.
    let public_url = settings.public_url.as_deref();
    let cookies = CookieSecurity::of_public_url(public_url).unwrap_or_default();
    let loopback = twinaid_web::is_local_host(&settings.listen);
    let warning = match (cookies, public_url) {
        (CookieSecurity::PlainHttp, Some(url)) => Some(match lang {
            Lang::Zh => format!(
                "警告：公开地址 {url} 是 http：Cookie 不限于 HTTPS，密码和登录状态在网络上以明文传输。只在可信的办公网络内这样使用；有 HTTPS 时请设置 https:// 地址。"
            ),
            Lang::En => format!(
                "warning: the public URL {url} is http: cookies are not kept to HTTPS, and passwords and sessions cross the network unencrypted. Use it so only on a trusted office network; with HTTPS, give the https:// address."
            ),
        }),
        // Built-in HTTPS: the cookies are Secure, as they should be.
        (CookieSecurity::Secure, None) if !loopback && settings.tls.is_none() => Some(
            lang.pick(
                "提示：未设置 --public-url，Cookie 只在 HTTPS 下保存：用户以 http://主机名 打开时无法登录。无 HTTPS 的办公网络请设置 --public-url http://主机名:端口；在 HTTPS 反向代理之后请设置 --public-url https://……",
                "note: without --public-url cookies are kept only over HTTPS, so people who open http://HOST cannot sign in. On an office network without HTTPS set --public-url http://HOST:PORT; behind an HTTPS reverse proxy set --public-url https://…",
            )
            .to_string(),
        ),
        _ => None,
    };
    (cookies, warning)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn run(
    app: &App,
    actor: &Actor,
    settings: &Settings,
    with_demo: bool,
) -> Result<(), AppError> {
    let lang = settings.lang;
    let listen = settings.listen.as_str();
    let (cookies, warning) = cookies_of(settings, lang);
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    // Listening (and reading the certificate) first: a setting that cannot
    // work stops here, before a demo is loaded or a password printed.
    let site = twinaid_web::Site {
        limits: settings.limits,
        cookies,
        templates: settings.templates.clone(),
        fonts: settings.fonts.clone(),
        time_zone: settings.time_zone,
        tls: settings
            .tls
            .as_ref()
            .map(|t| (t.cert.clone(), t.key.clone())),
        metrics_listen: settings.metrics_listen.clone(),
        trusted_proxies: settings.trusted_proxies.clone(),
        public_url: settings.public_url.clone(),
    };
    let server = twinaid_web::Server::bind_site(app.clone(), listen, site)
        .await
        .map_err(|e| {
            let said = e.to_string();
            let (key, value) = match (&settings.tls, &settings.metrics_listen) {
                (Some(t), _) if said.starts_with("HTTPS") => {
                    ("tls_cert / tls_key", t.cert.display().to_string())
                }
                (_, Some(m)) => ("listen / metrics_listen", format!("{listen} / {m}")),
                _ => ("listen", listen.to_string()),
            };
            AppError::BadRequest(DomainError::BadSetting {
                key: key.into(),
                value,
                expected: (
                    format!("the server cannot start: {said}"),
                    format!("服务无法启动：{said}"),
                ),
            })
        })?;
    if with_demo {
        init(app, actor, lang).await?;
        if app.programs(actor).await?.is_empty() {
            load(app, actor, &demo::source(), lang).await?;
        }
        // Asked before the demo's cycle, which makes expert accounts of its own.
        let first_start = !app.has_users().await?;
        crate::demo_cycle(app, actor, lang).await?;
        if first_start {
            let password = made_up_password()?;
            app.add_user(
                actor,
                "admin",
                "管理员 Administrator",
                &password,
                &Role::Administrator,
            )
            .await?;
            println!(
                "{}",
                match lang {
                    Lang::Zh =>
                        format!("演示管理员：用户名 admin，密码 {password}（只显示这一次）"),
                    Lang::En => format!(
                        "demo administrator: username admin, password {password} (shown only once)"
                    ),
                }
            );
        }
    }
    let addr = server
        .local_addr()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let scheme = if server.is_https() { "https" } else { "http" };
    // The address people open, when set; else the one bound.
    let shown = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}/"));
    println!(
        "{}",
        match lang {
            Lang::Zh => format!("twinaid 已启动：{shown} （监听 {addr}，按 Ctrl-C 停止）"),
            Lang::En =>
                format!("twinaid is running at {shown} (listening on {addr}; Ctrl-C stops it)"),
        }
    );
    if let Some(m) = server.metrics_addr() {
        println!(
            "{}",
            lang.pick("监控指标：", "metrics: ").to_string() + &format!("http://{m}/metrics")
        );
    }
    server
        .run(shutdown_signal())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    eprintln!("{}", lang.pick("已停止", "stopped"));
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
