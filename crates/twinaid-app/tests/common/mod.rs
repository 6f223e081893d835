//! What the app's test suites share: the demo program in a new database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::path::Path;
use twinaid_app::{Actor, App};
use twinaid_exchange::{FolderSource, read_program};

/// The demo program loaded into a new database at `url`.
pub async fn demo(url: &str) -> App {
    let app = App::open(url).await.unwrap();
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
