//! A long import written a window at a time in one transaction: the
//! figures move exactly as with the file in one piece; a problem in a late
//! window, or a code repeated across windows, leaves nothing written.
//! On SQLite, and on PostgreSQL when `TWINAID_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use twinaid_app::{Actor, App, AppError, ImportWindow};
use twinaid_domain::bundle::Located;
use twinaid_domain::error::Location;
use twinaid_domain::record::{FieldValue, Record, RecordKind};

mod common;
use common::demo;

/// `n` new projects like the Boshu bridge (2009, 1.3 million yuan each),
/// in windows of `size`, at file rows 2, 3, …
fn windows(model: &Record, n: usize, size: usize, prefix: &str) -> Vec<ImportWindow> {
    let records: Vec<Located<Record>> = (0..n)
        .map(|i| {
            let mut r = model.clone();
            r.set("code", FieldValue::Text(format!("{prefix}-{i}")));
            Located::new(
                Location {
                    file: Some("projects.csv".into()),
                    row: Some(i + 2),
                    ..Location::default()
                },
                r,
            )
        })
        .collect();
    records
        .chunks(size)
        .map(|c| ImportWindow {
            records: c.to_vec(),
            problems: Vec::new(),
        })
        .collect()
}

async fn aid_funds_2009(app: &App) -> i64 {
    let yb = app
        .yearbook(&Actor::local_operator(), "zj-sc", 2009)
        .await
        .unwrap();
    yb.indicators
        .iter()
        .find(|i| i.definition.code == "aid_funds")
        .unwrap()
        .year
}

async fn check(url: &str) {
    let app = demo(url).await;
    let actor = Actor::local_operator();
    let model = app
        .record(&actor, "zj-sc", RecordKind::Project, "2009-boshu-bridge")
        .await
        .unwrap();
    let before = aid_funds_2009(&app).await;
    let events = app.audit_log(&actor, 100_000).await.unwrap().len();

    // A problem in the last window: nothing of the earlier windows stays.
    let mut bad = windows(&model, 25, 10, "w-bad");
    bad[2].records[4]
        .item
        .set("helper_unit", FieldValue::Text("no-such-unit".into()));
    let heard = std::sync::atomic::AtomicUsize::new(0);
    let count = |n: usize| {
        heard.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let e = app
        .import_record_windows(
            &actor,
            "zj-sc",
            RecordKind::Project,
            bad.into_iter(),
            Some(&count),
        )
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = e else {
        panic!("{e:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].location.row, Some(26));
    assert_eq!(heard.into_inner(), 25, "every row was checked");
    assert_eq!(aid_funds_2009(&app).await, before, "nothing was written");
    assert_eq!(app.audit_log(&actor, 100_000).await.unwrap().len(), events);

    // A code repeated in a later window is refused, naming its row.
    let mut repeated = windows(&model, 25, 10, "w-dup");
    repeated[2].records[0]
        .item
        .set("code", FieldValue::Text("w-dup-3".into()));
    let e = app
        .import_record_windows(
            &actor,
            "zj-sc",
            RecordKind::Project,
            repeated.into_iter(),
            None,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = e else {
        panic!("{e:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].location.row, Some(22));
    assert_eq!(aid_funds_2009(&app).await, before);

    // Right: 25 new projects of 1.3 million each, written in three windows.
    let good = windows(&model, 25, 10, "w-good");
    let summary = app
        .import_record_windows(&actor, "zj-sc", RecordKind::Project, good.into_iter(), None)
        .await
        .unwrap();
    assert_eq!(summary.counts["project"], (25, 0, 0));
    // Money is held in fen: the bridge's 1.3 million yuan is 130,000,000.
    assert_eq!(model.get("amount"), &FieldValue::Int(130_000_000));
    assert_eq!(aid_funds_2009(&app).await, before + 25 * 130_000_000);
    let same = app
        .yearbook_recomputed(&actor, "zj-sc", 2009)
        .await
        .unwrap();
    assert_eq!(*app.yearbook(&actor, "zj-sc", 2009).await.unwrap(), *same);
    assert_eq!(
        app.audit_log(&actor, 100_000).await.unwrap().len(),
        events + 25,
        "one event per record"
    );
    assert!(app.verify_audit(&actor, None).await.unwrap().intact());

    // The same file again with changed amounts: updated, not added.
    let mut changed = windows(&model, 25, 10, "w-good");
    for w in &mut changed {
        for r in &mut w.records {
            r.item.set("amount", FieldValue::Int(100_000_000));
        }
    }
    let summary = app
        .import_record_windows(
            &actor,
            "zj-sc",
            RecordKind::Project,
            changed.into_iter(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(summary.counts["project"], (0, 25, 0));
    assert_eq!(aid_funds_2009(&app).await, before + 25 * 100_000_000);
    let same = app
        .yearbook_recomputed(&actor, "zj-sc", 2009)
        .await
        .unwrap();
    assert_eq!(*app.yearbook(&actor, "zj-sc", 2009).await.unwrap(), *same);
}

#[tokio::test]
async fn a_long_import_in_windows_is_all_or_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check(&format!("sqlite://{}", dir.path().join("w.db").display())).await;
}

#[tokio::test]
async fn a_long_import_in_windows_is_all_or_nothing_on_postgresql() {
    let Some(admin) = twinaid_store::testing::postgres_admin_url() else {
        return;
    };
    let url = twinaid_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    check(&url).await;
}
