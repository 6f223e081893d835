//! The figure summary against the records themselves, on a synthetic
//! county-scale program (fifteen years, about 40,000 records, over three
//! counties): every
//! indicator of every year is the same whichever path computes it, after
//! the generation and after edits, moves between counties, deletions and
//! project steps. On SQLite, and on PostgreSQL when `TWINAID_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::collections::BTreeMap;
use twinaid_app::{Actor, App, AppError};
use twinaid_domain::record::RecordKind;
use twinaid_exchange::synthetic::{Scale, Synthetic};

const REGISTRY: [&str; 3] = [
    include_str!("../../../data/regions/provinces.csv"),
    include_str!("../../../data/regions/cities.csv"),
    include_str!("../../../data/regions/areas.csv"),
];

async fn same_figures(app: &App, actor: &Actor, program: &str, years: std::ops::Range<i32>) {
    for year in years {
        let fast = app.yearbook(actor, program, year).await.unwrap();
        let slow = app.yearbook_recomputed(actor, program, year).await.unwrap();
        for (f, s) in fast.indicators.iter().zip(&slow.indicators) {
            assert_eq!(f, s, "{} in {year}", f.definition.code);
        }
        assert_eq!(fast, slow, "{year}");
    }
}

async fn check(url: &str) {
    let app = App::open(url).await.unwrap();
    let actor = Actor::local_operator();
    let regions = twinaid_exchange::national_regions::parse(&REGISTRY);
    app.init(&actor, &regions).await.unwrap();
    // The county scale's records, spread over three counties so that records
    // move between counties and the roll-ups add several up.
    let mut plan = Scale::County.plan();
    plan.helped_counties = 3;
    let synthetic = Synthetic::with_plan(Scale::County, plan, 11, &REGISTRY);
    let structure = synthetic.structure(&REGISTRY).unwrap();
    let written = app
        .generate_synthetic(&actor, &structure, synthetic.batches(1_000), &|_| {})
        .await
        .unwrap();
    assert_eq!(written.records, synthetic.plan.total_records());
    let program = synthetic.program_code.as_str();
    let years = synthetic.plan.first_year..synthetic.plan.first_year + synthetic.plan.years;
    same_figures(&app, &actor, program, years.clone()).await;
    let before = app.yearbook(&actor, program, 2016).await.unwrap();

    // An edit that changes an amount, a year and a county at once.
    let project = app
        .record(&actor, program, RecordKind::Project, "P-2015-0000003")
        .await
        .unwrap();
    let mut cells: BTreeMap<String, String> = RecordKind::Project
        .fields()
        .iter()
        .zip(&project.values)
        .map(|(spec, v)| (spec.name.to_string(), spec.write(v)))
        .collect();
    cells.insert("amount".into(), "123456.78".into());
    cells.insert("year".into(), "2016".into());
    let here = project
        .get("region_code")
        .as_text()
        .unwrap_or("")
        .to_string();
    let other_county = structure
        .helped
        .iter()
        .map(|h| h.item.region.to_string())
        .find(|c| !here.starts_with(c.as_str()))
        .unwrap();
    cells.insert("region_code".into(), other_county);
    // The office moves work outside the pairings only with a reason.
    let refused = app
        .save_record(
            &actor,
            program,
            RecordKind::Project,
            &cells,
            Some("P-2015-0000003"),
        )
        .await;
    assert!(
        matches!(refused, Err(AppError::Field("unpaired_reason", _))),
        "{refused:?}"
    );
    cells.insert("unpaired_reason".into(), "moved by the office".into());
    app.save_record(
        &actor,
        program,
        RecordKind::Project,
        &cells,
        Some("P-2015-0000003"),
    )
    .await
    .unwrap();
    // The year's only industrial park moved to the next year: its county and
    // source have nothing left in the year it left.
    let park = app
        .record(
            &actor,
            program,
            RecordKind::IndustrialPark,
            "IP-2017-0000000",
        )
        .await
        .unwrap();
    let mut cells: BTreeMap<String, String> = RecordKind::IndustrialPark
        .fields()
        .iter()
        .zip(&park.values)
        .map(|(spec, v)| (spec.name.to_string(), spec.write(v)))
        .collect();
    cells.insert("year".into(), "2018".into());
    app.save_record(
        &actor,
        program,
        RecordKind::IndustrialPark,
        &cells,
        Some("IP-2017-0000000"),
    )
    .await
    .unwrap();
    // A disbursement deleted, a project moved on.
    app.delete_record(
        &actor,
        program,
        RecordKind::FundTransaction,
        "F-2016-0000007",
    )
    .await
    .unwrap();
    let steps = app
        .project_steps(&actor, program, "P-2024-0000001")
        .await
        .unwrap();
    if let Some(next) = steps.next.first() {
        app.move_project(&actor, program, "P-2024-0000001", next.code(), "test")
            .await
            .unwrap();
    }
    // Saves of a few records change their slices by the difference: an
    // amount changed, a copy added, a kind changed (a part loses a record).
    let cells_of = |r: &twinaid_domain::record::Record| -> BTreeMap<String, String> {
        r.kind
            .fields()
            .iter()
            .zip(&r.values)
            .map(|(spec, v)| (spec.name.to_string(), spec.write(v)))
            .collect()
    };
    for (code, change, to) in [
        ("F-2016-0000008", "amount", "7654.32"),
        ("F-2016-0000009", "code", "F-NEW-1"),
        ("F-2016-0000010", "kind", "commitment"),
        ("F-2017-0000011", "amount", "1.00"),
    ] {
        let found = app
            .record(&actor, program, RecordKind::FundTransaction, code)
            .await
            .unwrap();
        let mut cells = cells_of(&found);
        cells.insert(change.into(), to.into());
        let existing = (change != "code").then_some(code);
        app.save_record(
            &actor,
            program,
            RecordKind::FundTransaction,
            &cells,
            existing,
        )
        .await
        .unwrap();
    }
    same_figures(&app, &actor, program, years).await;
    // Every summary row kept by the writes is the one a rebuild from the records makes.
    let kept = twinaid_store::testing::summary_rows(url, program)
        .await
        .unwrap();
    twinaid_store::testing::rebuild_summary(url).await.unwrap();
    let rebuilt = twinaid_store::testing::summary_rows(url, program)
        .await
        .unwrap();
    let differ: Vec<_> = kept.iter().filter(|r| !rebuilt.contains(r)).collect();
    assert!(differ.is_empty(), "kept but not rebuilt: {differ:?}");
    assert_eq!(kept.len(), rebuilt.len());
    let after = app.yearbook(&actor, program, 2016).await.unwrap();
    assert_ne!(
        before.indicator("aid_funds").map(|f| f.year),
        after.indicator("aid_funds").map(|f| f.year),
        "the edit moved the year's aid funds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_gives_the_same_yearbook_as_the_records_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check(&format!("sqlite://{}", dir.path().join("f.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_gives_the_same_yearbook_as_the_records_on_postgresql() {
    let Ok(admin) = std::env::var("TWINAID_TEST_POSTGRES_URL") else {
        eprintln!("skipped: TWINAID_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = twinaid_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    check(&url).await;
}
