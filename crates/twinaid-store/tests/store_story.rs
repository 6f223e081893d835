//! The store's behaviour, run on SQLite always and on PostgreSQL when
//! `TWINAID_TEST_POSTGRES_URL` is set: every test runs on every engine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::collections::BTreeSet;
use twinaid_domain::aggregate::AggregateValue;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::error::Location;
use twinaid_domain::indicator::built_in;
use twinaid_domain::program::{HelpedRegion, Program};
use twinaid_domain::record::{Record, RecordKind};
use twinaid_domain::region::{RegionCode, RegionName};
use twinaid_domain::unit::{Side, SourceKind, Unit, UnitKind};
use twinaid_domain::yearbook::{CountsIn, Origin};
use twinaid_store::{Store, testing};

/// One store per engine, each on an empty database.
async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut out = vec![(Store::open(&url).await.unwrap(), Some(dir))];
    if let Some(admin) = testing::postgres_admin_url() {
        let url = testing::fresh_postgres_database(&admin).await.unwrap();
        out.push((Store::open(&url).await.unwrap(), None));
    }
    out
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

fn located<T>(item: T) -> Located<T> {
    Located::new(Location::default(), item)
}

fn record(kind: RecordKind, cells: &[(&str, &str)]) -> Located<Record> {
    located(
        Record::parse(kind, |n| {
            cells.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        })
        .unwrap(),
    )
}

fn unit(code: &str, kind: UnitKind) -> Located<(Unit, Side)> {
    located((
        Unit {
            code: code.into(),
            name_zh: code.into(),
            name_en: None,
            kind,
            region: None,
            note: None,
        },
        Side::Helping,
    ))
}

fn fund(code: &str, year: &str, unit: &str, amount: &str) -> Located<Record> {
    record(
        RecordKind::FundTransaction,
        &[
            ("code", code),
            ("year", year),
            ("helper_unit", unit),
            ("region_code", "510822"),
            ("kind", "disbursement"),
            ("amount", amount),
        ],
    )
}

fn bundle() -> ProgramBundle {
    let mut program = Program::new("zj-sc", "浙川", "ZJ-SC", 1996, None).unwrap();
    program.helped.push(HelpedRegion {
        region: region("510822"),
        confirmed: true,
        note: None,
    });
    ProgramBundle {
        program_code: "zj-sc".into(),
        program: Some(program),
        regions: vec![located(RegionName {
            code: region("510822"),
            name_zh: "青川县".into(),
            name_en: Some("Qingchuan".into()),
            valid_from: None,
            valid_to: None,
        })],
        units: vec![
            unit("dot", UnitKind::ProvincialDepartment),
            unit("hz", UnitKind::City),
        ],
        records: vec![
            fund("f1", "2009", "dot", "1300000"),
            fund("f2", "2009", "hz", "2500000.50"),
            fund("f3", "2010", "hz", "100"),
        ],
        aggregates: vec![located(AggregateValue {
            indicator: "aid_funds".into(),
            year_from: 1996,
            year_to: 2008,
            helper_unit: None,
            region: None,
            value: 37_980_000_000,
            note: None,
        })],
        ..ProgramBundle::default()
    }
}

async fn audit_count(store: &Store) -> usize {
    store.audit_log(100_000).await.unwrap().len()
}

#[tokio::test]
async fn a_bundle_is_written_once_and_reloading_it_changes_nothing() {
    for (store, _dir) in stores().await {
        store.ensure_indicators(&built_in(), "test").await.unwrap();
        let first = store.apply_bundle(&bundle(), "test").await.unwrap();
        assert_eq!(
            first.counts["fund_transaction"],
            (3, 0, 0),
            "{:?}",
            store.engine()
        );
        let events = audit_count(&store).await;
        let again = store.apply_bundle(&bundle(), "test").await.unwrap();
        assert_eq!(again.changed(), 0);
        assert_eq!(
            audit_count(&store).await,
            events,
            "no audit event for an unchanged reload"
        );
        let stored = store
            .records("zj-sc", RecordKind::FundTransaction)
            .await
            .unwrap();
        let written: Vec<Record> = bundle().records.into_iter().map(|r| r.item).collect();
        assert_eq!(
            stored,
            written,
            "records read back as written on {:?}",
            store.engine()
        );
    }
}

#[tokio::test]
async fn an_update_is_audited_with_before_and_after() {
    for (store, _dir) in stores().await {
        store.apply_bundle(&bundle(), "test").await.unwrap();
        let mut changed = bundle();
        changed.records = vec![fund("f1", "2009", "dot", "1400000")];
        let summary = store.apply_bundle(&changed, "someone").await.unwrap();
        assert_eq!(summary.counts["fund_transaction"], (0, 1, 0));
        let newest = &store.audit_log(1).await.unwrap()[0];
        assert_eq!(
            (
                newest.actor.as_str(),
                newest.action.as_str(),
                newest.entity_key.as_str()
            ),
            ("someone", "update", "f1")
        );
        assert!(newest.before_json.as_deref().unwrap().contains("1300000"));
        assert!(newest.after_json.as_deref().unwrap().contains("1400000"));
    }
}

#[tokio::test]
async fn a_failing_write_leaves_nothing_behind() {
    for (store, _dir) in stores().await {
        // Units are written first and succeed; the records then refer to a
        // program that does not exist, which the database refuses.
        let mut orphan = bundle();
        orphan.program = None;
        orphan.regions.clear();
        orphan.aggregates.clear();
        assert!(store.apply_bundle(&orphan, "test").await.is_err());
        assert!(
            store.stored("zj-sc").await.unwrap().units.is_empty(),
            "units rolled back on {:?}",
            store.engine()
        );
        assert_eq!(audit_count(&store).await, 0);
    }
}

#[tokio::test]
async fn contributions_are_summed_in_the_database_by_year_place_and_source() {
    for (store, _dir) in stores().await {
        store.ensure_indicators(&built_in(), "test").await.unwrap();
        store.apply_bundle(&bundle(), "test").await.unwrap();
        let defs: Vec<_> = built_in()
            .into_iter()
            .filter(|d| d.code.starts_with("aid_funds"))
            .collect();
        let cs = store.contributions("zj-sc", 2009, &defs).await.unwrap();
        // Records come twice, split by source (with the totals) and by county.
        let total = |code: &str, origin: Origin| -> i64 {
            cs.iter()
                .filter(|c| &*c.indicator == code && c.origin == origin)
                .filter(|c| c.counts_in != CountsIn::CountyOnly)
                .map(|c| c.raw)
                .sum()
        };
        let by_county: i64 = cs
            .iter()
            .filter(|c| &*c.indicator == "aid_funds" && c.counts_in == CountsIn::CountyOnly)
            .map(|c| c.raw)
            .sum();
        assert_eq!(by_county, 380_000_050, "the counties add up to the same");
        assert_eq!(
            total("aid_funds", Origin::Records),
            380_000_050,
            "2010 is left out"
        );
        assert_eq!(total("aid_funds", Origin::Aggregates), 37_980_000_000);
        assert_eq!(
            total("aid_funds_provincial_units", Origin::Records),
            130_000_000
        );
        assert_eq!(total("aid_funds_cities", Origin::Records), 250_000_050);
        assert!(
            cs.iter()
                .filter(|c| &*c.indicator == "aid_funds_cities")
                .filter(|c| c.counts_in != CountsIn::CountyOnly)
                .all(|c| c.source == Some(SourceKind::Cities))
        );
        assert_eq!(
            store.covered_years("zj-sc").await.unwrap(),
            BTreeSet::from([2009, 2010])
        );
    }
}

#[tokio::test]
async fn reopening_a_database_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::open(&url).await.unwrap();
    store.apply_bundle(&bundle(), "test").await.unwrap();
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store
            .records("zj-sc", RecordKind::FundTransaction)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_malformed_url_or_a_server_that_is_down_is_a_clear_error() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(twinaid_store::StoreError::BadUrl(_))
    ));
    let down = Store::open("postgres://postgres:secret@127.0.0.1:1/none").await;
    match down {
        Err(e @ twinaid_store::StoreError::Unreachable { .. }) => {
            assert!(!e.to_string().contains("secret"))
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_attachment_and_a_rating_read_back_byte_for_byte_on_both_engines() {
    for (store, _dir) in stores().await {
        store.ensure_indicators(&built_in(), "test").await.unwrap();
        store.apply_bundle(&bundle(), "test").await.unwrap();
        let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let file = twinaid_store::NewAttachment {
            year: 2009,
            project: "p1",
            filename: "现场照片.jpg",
            content_type: "image/jpeg",
            sha256: "0",
            data: &data,
        };
        let id = store.add_attachment("zj-sc", &file, "test").await.unwrap();
        let (row, back) = store.attachment("zj-sc", id).await.unwrap().unwrap();
        assert_eq!((row.filename.as_str(), row.size), ("现场照片.jpg", 70_000));
        assert_eq!(back, data, "bytes on {:?}", store.engine());
        assert!(store.attachment("other", id).await.unwrap().is_none());
        assert_eq!(store.attachments("zj-sc", 2009).await.unwrap().len(), 1);
        let rating = twinaid_store::SatisfactionRow {
            unit: "hangzhou".into(),
            region: "510822".into(),
            rating: 90,
            comment: None,
            rated_by: "qc".into(),
            rated_at: String::new(),
        };
        store
            .rate_satisfaction("zj-sc", 2009, &rating)
            .await
            .unwrap();
        let again = twinaid_store::SatisfactionRow {
            rating: 70,
            ..rating
        };
        store
            .rate_satisfaction("zj-sc", 2009, &again)
            .await
            .unwrap();
        let rows = store.satisfaction("zj-sc", 2009).await.unwrap();
        assert_eq!(rows.len(), 1, "a second rating replaces the first");
        assert_eq!(rows[0].rating, 70);
    }
}

#[tokio::test]
async fn the_copy_knows_every_table_the_migrations_make() {
    for (store, _dir) in stores().await {
        let mut listed: Vec<String> = twinaid_store::TABLES
            .iter()
            .map(|t| t.to_string())
            .collect();
        listed.sort();
        assert_eq!(
            store.table_names().await.unwrap(),
            listed,
            "{:?}",
            store.engine()
        );
    }
}

#[tokio::test]
async fn a_database_from_before_the_chain_gets_its_events_chained_once_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.path().join("old.db").display())];
    if let Some(admin) = testing::postgres_admin_url() {
        urls.push(testing::fresh_postgres_database(&admin).await.unwrap());
    }
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        store.ensure_indicators(&built_in(), "test").await.unwrap();
        let (events, _) = store.checkpoint().await.unwrap().unwrap();
        assert!(events > 0);
        store.close().await;
        // As the log was before it had a chain.
        testing::execute(
            &url,
            "UPDATE audit_event SET seq = NULL, prev_hash = NULL, hash = NULL",
        )
        .await
        .unwrap();
        testing::execute(&url, "DELETE FROM audit_chain")
            .await
            .unwrap();
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.chained_on_open(), u64::try_from(events).unwrap());
        let check = store.verify_chain().await.unwrap();
        assert_eq!((check.events, check.broken), (events as u64, None));
        store.close().await;
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.chained_on_open(), 0, "said once");
        store.close().await;
    }
}

#[tokio::test]
async fn a_unit_changing_kind_moves_its_records_source_in_every_program_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.path().join("u.db").display())];
    if let Some(admin) = testing::postgres_admin_url() {
        urls.push(testing::fresh_postgres_database(&admin).await.unwrap());
    }
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        store.ensure_indicators(&built_in(), "test").await.unwrap();
        store.apply_bundle(&bundle(), "test").await.unwrap();
        // A second program served by the same city.
        let mut other = bundle();
        other.program_code = "other".into();
        if let Some(p) = other.program.as_mut() {
            p.code = "other".into();
        }
        other.aggregates.clear();
        other.units.retain(|u| u.item.0.code == "hz");
        other.records = vec![fund("o1", "2009", "hz", "700")];
        store.apply_bundle(&other, "test").await.unwrap();
        // The city is recorded as an enterprise by the first program.
        let mut changed = bundle();
        for u in &mut changed.units {
            if u.item.0.code == "hz" {
                u.item.0.kind = UnitKind::Enterprise;
            }
        }
        store.apply_bundle(&changed, "test").await.unwrap();
        // And the other program then changes one amount (by its difference).
        other.units.clear();
        other.records = vec![fund("o1", "2009", "hz", "900")];
        store.apply_bundle(&other, "test").await.unwrap();
        store.close().await;
        let kept = testing::summary_rows(&url, "other").await.unwrap();
        testing::rebuild_summary(&url).await.unwrap();
        let rebuilt = testing::summary_rows(&url, "other").await.unwrap();
        assert_eq!(kept, rebuilt, "{url}");
        assert!(
            kept.iter()
                .any(|r| r.contains("social") || r.contains("enterprise")),
            "{kept:?}"
        );
    }
}
