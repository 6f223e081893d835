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
    let (secret, _) = app.sign_in("bench", PASSWORD, "127.0.0.1").await?;
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
pub async fn run(
    requests: usize,
    postgres: Option<String>,
    import_rows: usize,
    lang: Lang,
) -> Result<(), AppError> {
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
    for (engine, url) in &engines {
        println!("\n{engine}\n\n| page | requests | p50 | p95 | max |\n|---|---:|---:|---:|---:|");
        for row in measure(url, requests, lang).await? {
            println!("{row}");
        }
    }
    if import_rows > 0 {
        let csv = dir.path().join("projects.csv");
        write_projects_csv(&csv, import_rows)?;
        println!(
            "\n{}\n\n| engine | rows | seconds | rows/s | peak resident MB |\n|---|---:|---:|---:|---:|",
            lang.pick(
                "导入：生成的项目 CSV，读取、全部检查后一次写入（目标：10 万行 < 5 秒）",
                "import: a generated project CSV, read, checked whole, written in one transaction (target: 100,000 rows < 5 s)"
            )
        );
        for (engine, url) in &engines {
            let (seconds, rows) = time_import(url, &csv).await?;
            println!(
                "| {engine} | {rows} | {seconds:.2} | {:.0} | {} |",
                rows as f64 / seconds,
                peak_resident_mb("self")
            );
        }
    }
    Ok(())
}

/// A CSV of `rows` 2010 school projects of Hangzhou spread over six counties.
fn write_projects_csv(path: &std::path::Path, rows: usize) -> Result<(), AppError> {
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = std::io::BufWriter::new(file);
    let counties = ["510822", "510821", "510811", "510812", "510823", "510824"];
    let mut write = || -> std::io::Result<()> {
        writeln!(
            out,
            "code,year,helper_unit,region_code,category,name_zh,amount"
        )?;
        for i in 0..rows {
            writeln!(
                out,
                "2010-bench-{i},2010,hangzhou,{},school,导入测试小学{i},{}",
                counties[i % counties.len()],
                100_000 + i
            )?;
        }
        out.flush()
    };
    write().map_err(|e| AppError::Internal(e.to_string()))
}

/// Imports the CSV into the database as the command does; seconds and rows.
async fn time_import(url: &str, csv: &std::path::Path) -> Result<(f64, usize), AppError> {
    use twinaid_domain::record::RecordKind;
    let app = App::open(url).await?;
    let operator = Actor::local_operator();
    let start = Instant::now();
    let bytes = std::fs::read(csv).map_err(|e| AppError::Internal(e.to_string()))?;
    let sheets = twinaid_exchange::read_sheets("projects.csv", &bytes)
        .map_err(|p| AppError::Invalid(vec![p]))?;
    let sheet = sheets
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("no sheet".into()))?;
    let read = twinaid_exchange::import::records_from_sheet(sheet, RecordKind::Project);
    let rows = read.rows_read;
    app.import_records(
        &operator,
        "zj-sc",
        RecordKind::Project,
        read.records,
        read.problems,
    )
    .await?;
    Ok((start.elapsed().as_secs_f64(), rows))
}

/// The most memory a process (`self`, or a pid) has held, from /proc (0 where there is none), in MB.
pub(crate) fn peak_resident_mb(process: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
