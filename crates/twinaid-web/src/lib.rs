//! The web application: server-rendered pages (Chinese first, English
//! complete) and a JSON API under `/api/v1`. Handlers parse, call `app`,
//! render; nothing else happens here.

mod api;
mod error;
mod extract;
mod headers;
mod history;
mod i18n;
mod kept;
mod metrics;
mod pages;
mod requests;
mod session;
mod view;

pub use session::{CookieSecurity, is_local_host};

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use twinaid_app::App;

/// How much one upload may bring and how many imports may run at once:
/// settings of the server, each refusal naming its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body an import takes, in bytes.
    pub upload_bytes: usize,
    /// What of a file is read before it is refused.
    pub read: twinaid_exchange::ReadLimits,
    /// Imports read and written at once; one more waits for a turn.
    pub imports_at_once: usize,
    /// How long an import waits for a turn before it is answered 429.
    pub import_wait: std::time::Duration,
}

impl Default for Limits {
    /// A million-row CSV is about 70 MB; two imports at once fit the
    /// server's memory target with room for pages.
    fn default() -> Self {
        Limits {
            upload_bytes: 100 * 1024 * 1024,
            read: twinaid_exchange::ReadLimits::default(),
            imports_at_once: 2,
            import_wait: std::time::Duration::from_secs(10),
        }
    }
}

/// How a server is set up: the operator's settings the pages need.
#[derive(Debug, Clone)]
pub struct Site {
    pub limits: Limits,
    /// Whether cookies are `Secure` (see `--public-url`).
    pub cookies: session::CookieSecurity,
    /// The folder of the office's yearbook text templates, if it has its own.
    pub templates: Option<PathBuf>,
    /// The Chinese fonts for PDF (a folder or one file); `None`: where
    /// fonts-noto-cjk installs them.
    pub fonts: Option<PathBuf>,
    /// The zone times are shown in.
    pub time_zone: chrono::FixedOffset,
    /// Built-in HTTPS: the certificate chain and the private key (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Where `/metrics` is served when not beside the pages.
    pub metrics_listen: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address people open (`--public-url`), if set.
    pub public_url: Option<String>,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            limits: Limits::default(),
            cookies: session::CookieSecurity::Secure,
            templates: None,
            fonts: None,
            time_zone: CHINA_TIME,
            tls: None,
            metrics_listen: None,
            trusted_proxies: Vec::new(),
            public_url: None,
        }
    }
}

/// UTC+8, the one zone of China (checked when this is compiled).
pub const CHINA_TIME: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(zone) => zone,
    None => panic!("+08:00 is an offset"),
};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Annotated copies of refused imports, kept a while for their download.
    pub copies: pages::files::Copies,
    /// Passwords made up on /users, kept for their one showing.
    pub shown: pages::users::Shown,
    /// Pages and reports kept at the data version they were made at.
    pub responses: kept::Responses,
    pub limits: Limits,
    /// One permit for each import that may run.
    pub imports: std::sync::Arc<tokio::sync::Semaphore>,
    /// How far the pages' running imports are.
    pub progress: pages::progress::Imports,
    /// Whether cookies are `Secure` (see `--public-url`).
    pub cookies: session::CookieSecurity,
    /// What the server counted, for `/metrics`.
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// The office's templates, fonts and time zone.
    pub templates: Option<PathBuf>,
    pub fonts: Option<PathBuf>,
    pub time_zone: chrono::FixedOffset,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
    /// The address people open, whose origin forms may come from.
    pub public_url: Option<String>,
    /// Whether people reach the server over HTTPS (its own, or a proxy's
    /// per the public URL): responses then ask browsers to stay on it.
    pub hsts: bool,
}

impl AppState {
    /// A turn to import, waited for a while; a refusal naming the limit when
    /// every turn stays taken. Nothing of the upload is read while it waits.
    pub(crate) async fn import_turn(
        &self,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, twinaid_app::AppError> {
        let turn = self.imports.clone().acquire_owned();
        match tokio::time::timeout(self.limits.import_wait, turn).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(twinaid_app::AppError::Busy(
                twinaid_domain::DomainError::ImportsBusy {
                    max: self.limits.imports_at_once,
                },
            )),
        }
    }
}

/// Builds the router of every page, the API and the assets, with the
/// default settings.
pub fn router(app: App) -> Router {
    router_for(app, &Site::default())
}

/// Builds the router of every page, the API and the assets.
pub fn router_for(app: App, site: &Site) -> Router {
    routes(state_for(app, site), site)
}

/// What the handlers of a server share.
fn state_for(app: App, site: &Site) -> AppState {
    let limits = site.limits;
    AppState {
        app,
        copies: Default::default(),
        shown: Default::default(),
        responses: kept::responses(),
        limits,
        imports: std::sync::Arc::new(tokio::sync::Semaphore::new(limits.imports_at_once)),
        progress: Default::default(),
        cookies: site.cookies,
        metrics: Default::default(),
        templates: site.templates.clone(),
        fonts: site.fonts.clone(),
        time_zone: site.time_zone,
        trusted_proxies: site.trusted_proxies.clone().into(),
        public_url: site.public_url.clone(),
        hsts: site.tls.is_some()
            || site
                .public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://")),
    }
}

fn routes(state: AppState, site: &Site) -> Router {
    let limits = site.limits;
    let pages = Router::new()
        // Alive: the process answers. Ready: so does its database.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/assets/{name}", get(pages::assets::asset))
        .route("/favicon.ico", get(pages::assets::favicon))
        .route(
            "/signin",
            get(pages::signin::form).post(pages::signin::submit),
        )
        .route("/signout", post(pages::signin::sign_out))
        .route("/lang/{lang}", get(pages::signin::switch_language))
        .route("/", get(pages::dashboard::page))
        .route("/yearbook", get(pages::yearbook::page))
        .route(
            "/groups",
            get(pages::groups::list).post(pages::groups::save),
        )
        .route("/groups/{code}", get(pages::groups::page))
        .route("/groups/{code}/delete", post(pages::groups::delete))
        .route("/groups/{code}/yearbook.xlsx", get(pages::groups::xlsx))
        .route("/yearbook.xlsx", get(pages::files::yearbook_xlsx))
        .route("/analysis", get(pages::analysis::page))
        .route("/analysis/views", post(pages::analysis::save_view))
        .route("/analysis/views/delete", post(pages::analysis::delete_view))
        .route("/search", get(pages::search::page))
        .route("/map", get(pages::map::page))
        .route("/analysis.xlsx", get(pages::analysis::xlsx))
        .route("/yearbook.docx", get(pages::files::yearbook_docx))
        .route("/yearbook.pdf", get(pages::files::yearbook_pdf))
        .route("/counties/{county}/{file}", get(pages::files::county_sheet))
        .route("/assessment.xlsx", get(pages::files::assessment_xlsx))
        .route("/structure", get(pages::structure::page))
        .route("/plans", get(pages::plans::page))
        .route("/plans/{unit}", get(pages::plans::unit_plan))
        .route("/plans/{unit}/{action}", post(pages::plans::plan_action))
        .route(
            "/guidance",
            get(pages::assessment::guidance).post(pages::assessment::issue_guidance),
        )
        .route("/experts", get(pages::assessment::experts))
        .route("/experts/assign", post(pages::assessment::assign))
        .route("/experts/{unit}/score", post(pages::assessment::score))
        .route("/assessment", get(pages::assessment::assessment))
        .route("/assessment/publish", post(pages::assessment::publish))
        .route("/assessment/satisfaction", post(pages::assessment::rate))
        .route(
            "/assessment/unit/{unit}",
            get(pages::assessment::unit_report),
        )
        .route("/inspections", get(pages::inspections::page))
        .route("/inspections/draw", post(pages::inspections::draw))
        .route(
            "/inspections/{project}/attachments",
            post(pages::inspections::attach).layer(axum::extract::DefaultBodyLimit::max(
                twinaid_app::ATTACHMENT_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/attachments/{id}", get(pages::inspections::download))
        .route(
            "/inspections/{project}/{action}",
            post(pages::inspections::act),
        )
        .route("/audit", get(pages::audit::page))
        .route("/units", get(pages::registry::units))
        .route("/rates", get(pages::rates::page).post(pages::rates::set))
        .route(
            "/sectors",
            get(pages::sectors::page).post(pages::sectors::set),
        )
        .route("/aggregates", get(pages::registry::aggregates))
        .route("/regions", get(pages::registry::regions))
        .route(
            "/tokens",
            get(pages::tokens::page).post(pages::tokens::create),
        )
        .route("/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/users", get(pages::users::page).post(pages::users::create))
        .route("/users/{username}/{action}", post(pages::users::act))
        .route("/account", get(pages::users::account))
        .route("/account/password", post(pages::users::change_password))
        .route(
            "/records/{kind}",
            get(pages::records::list).post(pages::records::create),
        )
        .route("/records/{kind}/new", get(pages::records::new_form))
        .route("/records/{kind}/template.xlsx", get(pages::files::template))
        .route(
            "/records/{kind}/export.xlsx",
            get(pages::records::export_xlsx),
        )
        .route(
            "/records/{kind}/export.csv",
            get(pages::records::export_csv),
        )
        .route(
            "/records/{kind}/import",
            get(pages::files::import_page)
                .post(pages::files::import)
                .layer(axum::extract::DefaultBodyLimit::max(limits.upload_bytes)),
        )
        .route("/imports/{token}", get(pages::files::copy))
        .route("/imports/progress/{token}", get(pages::progress::show))
        .route(
            "/records/{kind}/{code}",
            get(pages::records::detail).post(pages::records::update),
        )
        .route(
            "/records/{kind}/{code}/edit",
            get(pages::records::edit_form),
        )
        .route(
            "/records/{kind}/{code}/delete",
            post(pages::records::delete),
        )
        .route("/records/project/{code}/step", post(pages::records::step))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found);
    let pages = if site.metrics_listen.is_none() {
        pages.route("/metrics", get(show_metrics))
    } else {
        pages
    };
    pages
        .layer(axum::middleware::from_fn(error::with_request_lang))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::secure,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            requests::trace,
        ))
        .with_state(state)
}

/// The router of `/metrics` alone, for its own address: it reports on the
/// pages' server, whose state it shares.
fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(show_metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            requests::trace,
        ))
        .with_state(state)
}

/// The server's counts in the Prometheus text format.
async fn show_metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut kept = state.app.kept_counts().to_vec();
    kept.push(("page_or_response", state.responses.counts()));
    let gauges = metrics::Gauges {
        connections: state.app.connections(),
        imports_running: state
            .limits
            .imports_at_once
            .saturating_sub(state.imports.available_permits()),
        imports_at_once: state.limits.imports_at_once,
        kept,
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

/// 200 "ready" while the database answers, 503 with why while it does not.
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {}", e.message(twinaid_domain::Lang::En)),
            )
                .into_response()
        }
    }
}

/// A bound server, ready to run; its address is known before it runs, so
/// tests can start it on port 0.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    /// Built-in HTTPS (HTTP/2 and HTTP/1.1, by ALPN).
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    /// `/metrics` on an address of its own.
    metrics: Option<(tokio::net::TcpListener, Router)>,
}

impl Server {
    /// Binds the address, with the default settings.
    pub async fn bind(app: App, addr: &str) -> std::io::Result<Server> {
        Self::bind_site(app, addr, Site::default()).await
    }

    /// Binds the address (and the metrics' own, if set) and reads the
    /// certificate and key of built-in HTTPS, if set: a file that cannot be
    /// read or used is an error here, before anyone connects.
    pub async fn bind_site(app: App, addr: &str, site: Site) -> std::io::Result<Server> {
        let tls = match &site.tls {
            Some((cert, key)) => Some(tls_config(cert, key).await?),
            None => None,
        };
        let state = state_for(app, &site);
        let router = routes(state.clone(), &site);
        let metrics = match &site.metrics_listen {
            // The metrics' own router shares the pages' state, so their counts.
            Some(at) => Some((
                tokio::net::TcpListener::bind(at).await?,
                metrics_router(state),
            )),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            router,
            tls,
            metrics,
        })
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served apart, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// Whether it speaks HTTPS.
    pub fn is_https(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
        let stopped = {
            let stop = stop.clone();
            move || {
                let mut rx = stop.subscribe();
                async move {
                    let _ = rx.recv().await;
                }
            }
        };
        if let Some((listener, router)) = self.metrics {
            let until = stopped();
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router)
                    .with_graceful_shutdown(until)
                    .await
                {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let main = stopped();
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(());
        });
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            None => {
                axum::serve(self.listener, service)
                    .with_graceful_shutdown(main)
                    .await
            }
            Some(config) => {
                let handle = axum_server::Handle::new();
                let closing = handle.clone();
                tokio::spawn(async move {
                    main.await;
                    closing.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
                });
                axum_server::tls_rustls::from_tcp_rustls(self.listener.into_std()?, config)?
                    .handle(handle)
                    .serve(service)
                    .await
            }
        }
    }
}

/// Makes `ring` the process's TLS provider (no C toolchain is needed to
/// build it): before the HTTPS settings are read, and before any HTTPS
/// client is made in the same process. A second call changes nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What is wrong with a certificate or key, said for the person who set
/// them rather than in the TLS library's words.
fn tls_trouble(e: &std::io::Error) -> String {
    let said = e.to_string();
    let has = |w: &str| said.to_ascii_lowercase().contains(w);
    if e.kind() == std::io::ErrorKind::NotFound {
        "a file is not there; check the paths".to_string()
    } else if has("no certificates") {
        "the certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string()
    } else if has("no keys") || has("private key") {
        "the key file holds no unencrypted PEM private key; an encrypted key must be decrypted first (openssl pkey -in key.pem -out plain-key.pem)".to_string()
    } else if has("keymismatch") || has("inconsistent") {
        "the private key does not belong to the certificate".to_string()
    } else {
        said
    }
}

/// The HTTPS settings from PEM files.
async fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<axum_server::tls_rustls::RustlsConfig> {
    install_tls_provider();
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "HTTPS certificate {} and key {}: {}",
                    cert.display(),
                    key.display(),
                    tls_trouble(&e)
                ),
            )
        })
}
