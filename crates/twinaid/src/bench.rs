//! `twinaid bench`: page speed on the demo data, measured over real HTTP
//! against a server started in this process on a fresh database.

use crate::{demo, init, load};
use std::time::{Duration, Instant};
use twinaid_app::{App, AppError, Role};
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
    let operator = crate::operator();
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
    if let Some(admin) = &postgres {
        let url = twinaid_store::testing::fresh_postgres_database(admin).await?;
        engines.push(("PostgreSQL".to_string(), url));
    }
    let measured = measure_all(&engines, requests, import_rows, dir.path(), lang).await;
    // The database made on the operator's server goes, measured or not.
    if let (Some(admin), Some((_, url))) = (&postgres, engines.get(1)) {
        twinaid_store::testing::drop_postgres_database(admin, url).await?;
    }
    measured
}

async fn measure_all(
    engines: &[(String, String)],
    requests: usize,
    import_rows: usize,
    dir: &std::path::Path,
    lang: Lang,
) -> Result<(), AppError> {
    println!(
        "twinaid bench: demo program (zj-sc), pages over HTTP on 127.0.0.1, one client, sequential requests of one page, times in ms; kept: after the first request (a warm-up, not counted) a page is answered from the response kept at its data version"
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
        for row in measure(url, requests, lang).await? {
            println!("{row}");
        }
    }
    if import_rows > 0 {
        let new = dir.join("projects.csv");
        let changed = dir.join("projects-changed.csv");
        write_projects_csv(&new, import_rows, 100_000)?;
        write_projects_csv(&changed, import_rows, 200_000)?;
        println!(
            "\n{}\n\n| engine | rows | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---:|---:|",
            lang.pick(
                "导入：`twinaid import` 子进程导入生成的项目 CSV（每 1 万行读取、检查并写入，整个文件一个事务）；先全部新增，再同样的行改了金额（目标：10 万行 < 5 秒；改动 ≤ 新增的 1.5 倍；峰值 < 400 MB）",
                "import: a `twinaid import` child process imports a generated project CSV (read, checked and written 10,000 rows at a time, the whole file in one transaction); first all rows new, then the same rows with changed amounts (targets: 100,000 rows < 5 s; changed ≤ 1.5 × new; peak < 400 MB)"
            ),
            lang.pick("新增 秒", "new s"),
            lang.pick("改动 秒", "changed s"),
            lang.pick("改动/新增", "changed / new"),
            lang.pick("新增 峰值 MB", "new peak MB"),
            lang.pick("改动 峰值 MB", "changed peak MB"),
        );
        for (engine, url) in engines {
            let (new_s, new_mb) = time_import(url, &new)?;
            let (changed_s, changed_mb) = time_import(url, &changed)?;
            println!(
                "| {engine} | {import_rows} | {new_s:.2} | {changed_s:.2} | {:.2} | {new_mb} | {changed_mb} |",
                changed_s / new_s
            );
        }
    }
    Ok(())
}

/// A CSV of `rows` 2010 school projects of Hangzhou spread over six
/// counties, the amounts from `base` up.
fn write_projects_csv(path: &std::path::Path, rows: usize, base: usize) -> Result<(), AppError> {
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
                base + i
            )?;
        }
        out.flush()
    };
    write().map_err(|e| AppError::Internal(e.to_string()))
}

/// Imports the CSV into the database with the `twinaid import` command, in a
/// child process: its seconds and its peak resident memory (MB), read
/// every 20 ms while it runs.
fn time_import(url: &str, csv: &std::path::Path) -> Result<(f64, u64), AppError> {
    let internal = |e: std::io::Error| AppError::Internal(e.to_string());
    let start = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().map_err(internal)?)
        .args(["--database-url", url, "import", "--program", "zj-sc"])
        .args(["--kind", "project"])
        .arg(csv)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(internal)?;
    let pid = child.id().to_string();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(peak_resident_mb(&pid));
        if let Some(status) = child.try_wait().map_err(internal)? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(AppError::Internal(format!("import failed: {err}")));
    }
    Ok((seconds, peak))
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
