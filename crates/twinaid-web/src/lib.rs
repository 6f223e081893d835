//! The web application: server-rendered pages (Chinese first, English
//! complete) and a JSON API under `/api/v1`. Handlers parse, call `app`,
//! render; nothing else happens here.

mod api;
mod error;
mod i18n;
mod kept;
mod openapi;
mod pages;
mod requests;
mod session;
mod view;

pub use session::{CookieSecurity, is_local_host};

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
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

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Annotated copies of refused imports, kept a while for their download.
    pub copies: pages::files::Copies,
    /// Pages and reports kept at the data version they were made at.
    pub responses: kept::Responses,
    pub limits: Limits,
    /// One permit for each import that may run.
    pub imports: std::sync::Arc<tokio::sync::Semaphore>,
    /// How far the pages' running imports are.
    pub progress: pages::progress::Imports,
    /// Whether cookies are `Secure` (see `--public-url`).
    pub cookies: session::CookieSecurity,
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
/// default limits.
pub fn router(app: App) -> Router {
    router_within(app, Limits::default())
}

/// Builds the router of every page, the API and the assets, with `Secure` cookies.
pub fn router_within(app: App, limits: Limits) -> Router {
    router_with(app, limits, session::CookieSecurity::Secure)
}

/// Builds the router of every page, the API and the assets.
pub fn router_with(app: App, limits: Limits, cookies: session::CookieSecurity) -> Router {
    let state = AppState {
        app,
        copies: Default::default(),
        responses: kept::responses(),
        limits,
        imports: std::sync::Arc::new(tokio::sync::Semaphore::new(limits.imports_at_once)),
        progress: Default::default(),
        cookies,
    };
    Router::new()
        // Alive: the process answers. Ready: so does its database.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/assets/{name}", get(pages::assets::asset))
        .route(
            "/signin",
            get(pages::signin::form).post(pages::signin::submit),
        )
        .route("/signout", post(pages::signin::sign_out))
        .route("/lang/{lang}", get(pages::signin::switch_language))
        .route("/", get(pages::dashboard::page))
        .route("/yearbook", get(pages::yearbook::page))
        .route("/yearbook.xlsx", get(pages::files::yearbook_xlsx))
        .route("/yearbook.docx", get(pages::files::yearbook_docx))
        .route("/yearbook.pdf", get(pages::files::yearbook_pdf))
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
        .route("/aggregates", get(pages::registry::aggregates))
        .route("/regions", get(pages::registry::regions))
        .route(
            "/tokens",
            get(pages::tokens::page).post(pages::tokens::create),
        )
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
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(requests::trace))
        .with_state(state)
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
}

impl Server {
    /// Binds the address, with the default limits.
    pub async fn bind(app: App, addr: &str) -> std::io::Result<Server> {
        Self::bind_within(app, addr, Limits::default()).await
    }

    /// Binds the address, with `Secure` cookies.
    pub async fn bind_within(app: App, addr: &str, limits: Limits) -> std::io::Result<Server> {
        Self::bind_with(app, addr, limits, session::CookieSecurity::Secure).await
    }

    /// Binds the address.
    pub async fn bind_with(
        app: App,
        addr: &str,
        limits: Limits,
        cookies: session::CookieSecurity,
    ) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            router: router_with(app, limits, cookies),
        })
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
