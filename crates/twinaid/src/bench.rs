//! `twinaid bench`: page speed on the demo data, measured over real HTTP
//! against a server started in this process on a fresh database.

use crate::{demo, init, load};
use std::time::{Duration, Instant};
use twinaid_app::{Actor, App, AppError, Role};
use twinaid_domain::Lang;

const PASSWORD: &str = "benchmark password";

/// The pages measured, by name and path.
const PAGES: [(&str, &str); 4] = [
    ("dashboard", "/?program=zj-sc&year=2009"),
    (
        "list (projects, filtered, totals)",
        "/records/project?program=zj-sc&year=2009&f.category=new_village&q=village",
    ),
    (
        "drill-down (aid funds, cumulative)",
        "/records/project?program=zj-sc&indicator=aid_funds&year=2009&cumulative=1",
    ),
    ("yearbook", "/yearbook?program=zj-sc&year=2009"),
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn measure(url: &str, requests: usize, lang: Lang) -> Result<Vec<String>, AppError> {
    let app = App::open(url).await?;
    let operator = Actor::local_operator();
    init(&app, &operator, lang).await?;
    load(&app, &operator, &demo::source(), lang).await?;
    app.add_user(
        &operator,
        "bench",
        "bench",
        PASSWORD,
        &Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    )
    .await?;
    let (secret, _) = app.sign_in("bench", PASSWORD).await?;
    let server = twinaid_web::Server::bind(app.clone(), "127.0.0.1:0")
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let base = format!(
        "http://{}",
        server
            .local_addr()
            .map_err(|e| AppError::Internal(e.to_string()))?
    );
    let handle = tokio::spawn(server.run(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let cookie = format!("twinaid_session={}", secret.0);
    let mut rows = Vec::new();
    for (name, path) in PAGES {
        let mut times = Vec::with_capacity(requests);
        // One warm-up request, not counted.
        for i in 0..=requests {
            let start = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .header(reqwest::header::COOKIE, &cookie)
                .send()
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let status = response.status();
            let _ = response
                .bytes()
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if !status.is_success() {
                return Err(AppError::Internal(format!("{path} answered {status}")));
            }
            if i > 0 {
                times.push(start.elapsed());
            }
        }
        times.sort();
        rows.push(format!(
            "| {name} | {requests} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 1.0)
        ));
    }
    handle.abort();
    app.close().await;
    Ok(rows)
}

/// Runs the benchmark on SQLite, and on PostgreSQL when a server URL is given.
pub async fn run(requests: usize, postgres: Option<String>, lang: Lang) -> Result<(), AppError> {
    let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
    let mut engines = vec![(
        "SQLite".to_string(),
        format!("sqlite://{}", dir.path().join("bench.db").display()),
    )];
    if let Some(admin) = postgres {
        let url = twinaid_store::testing::fresh_postgres_database(&admin).await?;
        engines.push(("PostgreSQL".to_string(), url));
    }
    println!(
        "twinaid bench: demo program (zj-sc), pages over HTTP on 127.0.0.1, sequential requests, times in ms"
    );
    println!(
        "{}",
        lang.pick(
            "目标：p95 < 50 ms（2 核）",
            "target: p95 < 50 ms on 2 cores"
        )
    );
    for (engine, url) in engines {
        println!("\n{engine}\n\n| page | requests | p50 | p95 | max |\n|---|---:|---:|---:|---:|");
        for row in measure(&url, requests, lang).await? {
            println!("{row}");
        }
    }
    Ok(())
}
