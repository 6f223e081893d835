//! Setup shared by the web test suites: a database with the national region
//! registry and the demo program, loaded through `app` like any input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::path::Path;
use twinaid_app::{Actor, App};
use twinaid_exchange::{FolderSource, read_program};

/// Opens the database at `url` and loads the demo program into it.
pub async fn demo_app(url: &str) -> App {
    twinaid_web::install_tls_provider();
    let app = App::open(url)
        .await
        .unwrap()
        .with_rates(twinaid_exchange::rates::ecb_rates().clone());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |f: &str| std::fs::read_to_string(root.join("data/regions").join(f)).unwrap();
    let regions = twinaid_exchange::national_regions::parse(&[
        &read("provinces.csv"),
        &read("cities.csv"),
        &read("areas.csv"),
    ]);
    let operator = Actor::local_operator();
    app.init(&operator, &regions).await.unwrap();
    let units = app.indicator_units().await.unwrap();
    let source = FolderSource::open(&root.join("data/demo")).unwrap();
    let bundle = read_program(&source, &|c| units.get(c).copied()).unwrap();
    app.load(&operator, &bundle).await.unwrap();
    app
}
