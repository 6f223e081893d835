//! Static assets built into the binary.

use crate::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/favicon.svg"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/api.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/echarts.min.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/htmx.min.js"),
    ),
    (
        "geo-510800.json",
        "application/json",
        include_bytes!("../../assets/geo/guangyuan-510800.geojson"),
    ),
    (
        "geo-511300.json",
        "application/json",
        include_bytes!("../../assets/geo/nanchong-511300.geojson"),
    ),
];

/// The icon browsers ask for at `/favicon.ico` (an SVG: every browser
/// twinaid supports reads it by its type).
pub async fn favicon() -> Response {
    asset(Path("favicon.svg".to_string())).await
}

/// Serves one built-in asset, cached for a day.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vendored_echarts_is_the_version_the_lockfile_pins() {
        let lock = include_str!("../../assets/npm/package-lock.json");
        let lock: serde_json::Value = serde_json::from_str(lock).unwrap();
        let pinned = lock["packages"]["node_modules/echarts"]["version"]
            .as_str()
            .unwrap();
        let vendored = include_str!("../../assets/vendor/echarts.min.js");
        let htmx = lock["packages"]["node_modules/htmx.org"]["version"]
            .as_str()
            .unwrap();
        assert!(
            include_str!("../../assets/vendor/htmx.min.js")
                .contains(&format!("version:\"{htmx}\""))
        );
        assert!(
            vendored.contains(&format!("\"{pinned}\"")),
            "run assets/npm/vendor.sh after changing echarts"
        );
    }
}
