//! Many saves at once are written together, a batch to a transaction, yet
//! each has its own outcome: one refused (a code another save took a moment
//! before) refuses no other, every save written has its event by its own
//! actor, and the figures kept equal the records'. On SQLite, and on
//! PostgreSQL when `TWINAID_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::collections::BTreeMap;
use std::sync::Arc;
use twinaid_app::{Actor, AppError, Role};
use twinaid_domain::record::RecordKind;

mod common;
use common::demo;

async fn check(url: &str) {
    let app = Arc::new(demo(url).await);
    let operator = Actor::local_operator();
    let events_before = app.audit_log(&operator, 100_000).await.unwrap().len();
    let clerks: Vec<Actor> = ["clerk-a", "clerk-b"]
        .into_iter()
        .map(|name| Actor {
            name: name.into(),
            role: Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        })
        .collect();
    // 40 new disbursements by two clerks, and one code saved twice by both
    // among them: each twin is its own save, so they land in different
    // batches, and the later finds the code taken.
    let saves = (0..42usize).map(|i| {
        let app = app.clone();
        let actor = clerks[i % 2].clone();
        let code = if i >= 40 {
            "2010-twin".to_string()
        } else {
            format!("2010-batch-{i}")
        };
        tokio::spawn(async move {
            let cells: BTreeMap<String, String> = [
                ("code", code.as_str()),
                ("year", "2010"),
                ("helper_unit", "hangzhou"),
                ("region_code", "510822"),
                ("kind", "disbursement"),
                ("amount", "1000"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let saved = app
                .save_record(&actor, "zj-sc", RecordKind::FundTransaction, &cells, None)
                .await;
            (code, actor.name, saved)
        })
    });
    let mut outcomes = Vec::new();
    for s in saves.collect::<Vec<_>>() {
        outcomes.push(s.await.unwrap());
    }
    let mut twins = Vec::new();
    for (code, by, saved) in &outcomes {
        if code == "2010-twin" {
            twins.push((by.clone(), saved.is_ok()));
            if let Err(e) = saved {
                assert!(matches!(e, AppError::Field("code", _)), "{e:?}");
            }
        } else {
            assert!(saved.is_ok(), "{code}: {saved:?}");
        }
    }
    assert_eq!(twins.iter().filter(|(_, ok)| *ok).count(), 1, "{twins:?}");

    // One event for each save written, by its clerk.
    let events = app.audit_log(&operator, 100_000).await.unwrap();
    assert_eq!(events.len(), events_before + 41);
    for (code, by, saved) in &outcomes {
        if saved.is_err() {
            continue;
        }
        let mine: Vec<_> = events
            .iter()
            .filter(|e| e.entity == "fund_transaction" && e.entity_key == *code)
            .collect();
        assert_eq!(mine.len(), 1, "{code}");
        assert_eq!(mine[0].actor, *by, "{code}");
        assert_eq!(mine[0].action, "create", "{code}");
    }
    assert!(app.verify_audit(&operator, None).await.unwrap().intact());
    let kept = app.yearbook(&operator, "zj-sc", 2010).await.unwrap();
    let fresh = app
        .yearbook_recomputed(&operator, "zj-sc", 2010)
        .await
        .unwrap();
    assert_eq!(kept, fresh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_at_once_each_have_their_own_outcome_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check(&format!("sqlite://{}", dir.path().join("s.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_at_once_each_have_their_own_outcome_on_postgresql() {
    let Some(admin) = twinaid_store::testing::postgres_admin_url() else {
        return;
    };
    let url = twinaid_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    check(&url).await;
}
