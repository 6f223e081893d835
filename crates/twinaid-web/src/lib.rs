//! The web application: server-rendered pages (Chinese first, English
//! complete) and a JSON API under `/api/v1`. Handlers parse, call `app`,
//! render; nothing else happens here.

mod api;
mod error;
mod i18n;
mod kept;
mod openapi;
mod pages;
mod session;
mod view;

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use twinaid_app::App;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Annotated copies of refused imports, kept a while for their download.
    pub copies: pages::files::Copies,
    /// Pages and reports kept at the data version they were made at.
    pub responses: kept::Responses,
}

/// Builds the router of every page, the API and the assets.
pub fn router(app: App) -> Router {
    let state = AppState {
        app,
        copies: Default::default(),
        responses: kept::responses(),
    };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
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
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::files::IMPORT_MAX_BYTES,
                )),
        )
        .route("/imports/{token}", get(pages::files::copy))
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
        .with_state(state)
}

/// A bound server, ready to run; its address is known before it runs, so
/// tests can start it on port 0.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Server {
    /// Binds the address.
    pub async fn bind(app: App, addr: &str) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            router: router(app),
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
