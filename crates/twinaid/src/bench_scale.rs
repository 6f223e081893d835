//! `twinaid bench --scales county,province,national`: a synthetic program of
//! each size on each engine, served by a separate `twinaid serve` process;
//! report and page times, write-then-read freshness, the summary against one
//! raw SQL statement, a concurrent HTTP load and the server's peak memory.

use crate::demo::REGISTRY;
use std::time::{Duration, Instant};
use twinaid_app::{Actor, App, AppError, Role};
use twinaid_exchange::synthetic::{Scale, Synthetic};

const PASSWORD: &str = "benchmark password";

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p-th percentile of sorted times, in ms.
pub(crate) fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    ms(sorted[((sorted.len() as f64 - 1.0) * p).round() as usize])
}

/// p50, p95 and the slowest of sorted times.
pub(crate) fn spread(sorted: &[Duration]) -> String {
    format!(
        "p50 {:.1} · p95 {:.1} · max {:.1} ms",
        pct(sorted, 0.5),
        pct(sorted, 0.95),
        pct(sorted, 1.0)
    )
}

/// p50, p95 and p99 of sorted times under load.
fn tail(sorted: &[Duration]) -> String {
    format!(
        "p50 {:.1} · p95 {:.1} · p99 {:.1} ms",
        pct(sorted, 0.5),
        pct(sorted, 0.95),
        pct(sorted, 0.99)
    )
}

/// A `twinaid serve` child process on a free port, killed when dropped.
pub(crate) struct ServerProcess {
    child: std::process::Child,
    pub(crate) base: String,
}

impl ServerProcess {
    pub(crate) async fn start(url: &str) -> Result<ServerProcess, AppError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(internal)?
            .port();
        // The server's log is dropped unless asked for: it would time its own writing.
        let log = match std::env::var_os("TWINAID_BENCH_SERVER_LOG") {
            Some(path) => std::process::Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(internal)?,
            ),
            None => std::process::Stdio::null(),
        };
        let child = std::process::Command::new(std::env::current_exe().map_err(internal)?)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("TWINAID_DATABASE_URL", url)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(internal)?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(ServerProcess { child, base });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(internal("the server did not start"))
    }

    /// The most memory the server process has held (VmHWM), in MB.
    pub(crate) fn peak_mb(&self) -> u64 {
        crate::bench::peak_resident_mb(&self.child.id().to_string())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Times `n` sequential GETs of `path` (after one warm-up).
async fn time_get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
    n: usize,
) -> Result<Vec<Duration>, AppError> {
    let mut times = Vec::with_capacity(n);
    // One warm-up request, not counted.
    for i in 0..=n {
        let t = time_once(client, base, path, cookie).await?;
        if i > 0 {
            times.push(t);
        }
    }
    times.sort();
    Ok(times)
}

/// Times one GET of `path`, counted however cold.
async fn time_once(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
) -> Result<Duration, AppError> {
    let start = Instant::now();
    let r = client
        .get(format!("{base}{path}"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .map_err(internal)?;
    let status = r.status();
    r.bytes().await.map_err(internal)?;
    if !status.is_success() {
        return Err(internal(format!("{path} answered {status}")));
    }
    Ok(start.elapsed())
}

/// Aid funds of a year, as the yearbook API gives them (yuan).
async fn aid_funds(
    client: &reqwest::Client,
    base: &str,
    program: &str,
    year: i32,
    token: &str,
) -> Result<i64, AppError> {
    let v: serde_json::Value = client
        .get(format!("{base}/api/v1/programs/{program}/yearbook/{year}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(internal)?
        .json()
        .await
        .map_err(internal)?;
    v["indicators"]["aid_funds"]["year"]
        .as_f64()
        .map(|f| f.round() as i64)
        .ok_or_else(|| internal(format!("no aid funds in {v}")))
}

/// Writes one disbursement through the API; its time.
pub(crate) async fn write_one(
    client: &reqwest::Client,
    base: &str,
    program: &str,
    body: serde_json::Value,
    token: &str,
) -> Result<Duration, AppError> {
    let start = Instant::now();
    let r = client
        .post(format!(
            "{base}/api/v1/programs/{program}/records/fund_transaction"
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(internal)?;
    let status = r.status();
    let text = r.text().await.map_err(internal)?;
    if !status.is_success() {
        return Err(internal(format!("write answered {status}: {text}")));
    }
    Ok(start.elapsed())
}

/// What a concurrent load measured: requests per second, the sorted times
/// of every request and of the writes among them.
struct Loaded {
    rps: f64,
    times: Vec<Duration>,
    writes: Vec<Duration>,
}

/// A concurrent load of `paths` (and every tenth request a write) for
/// `seconds`.
async fn load(
    base: &str,
    paths: &[String],
    cookie: &str,
    writes: Option<(&str, &str, &serde_json::Value)>,
    unique: bool,
    seconds: u64,
) -> Result<Loaded, AppError> {
    const WORKERS: usize = 16;
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let client = client.clone();
        let paths = paths.to_vec();
        let cookie = cookie.to_string();
        let base = base.to_string();
        let writes = writes.map(|(p, t, b)| (p.to_string(), t.to_string(), b.clone()));
        tasks.push(tokio::spawn(async move {
            let (mut times, mut written) = (Vec::new(), Vec::new());
            let mut i = w;
            while Instant::now() < deadline {
                let start = Instant::now();
                let write = writes.is_some() && i % 10 == 0;
                let ok = match (&writes, i % 10) {
                    (Some((program, token, body)), 0) => {
                        let mut body = body.clone();
                        body["code"] = serde_json::Value::from(format!(
                            "LOAD-{}-{w}-{i}",
                            body["code"].as_str().unwrap_or_default()
                        ));
                        write_one(&client, &base, program, body, token)
                            .await
                            .is_ok()
                    }
                    _ => client
                        .get(if unique {
                            // A query no page reads, new each time: nothing kept matches it.
                            format!("{base}{}&bench_request={w}-{i}", paths[i % paths.len()])
                        } else {
                            format!("{base}{}", paths[i % paths.len()])
                        })
                        .header(reqwest::header::COOKIE, &cookie)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success()),
                };
                if ok {
                    times.push(start.elapsed());
                    if write {
                        written.push(start.elapsed());
                    }
                }
                i += WORKERS;
            }
            (times, written)
        }));
    }
    let started = Instant::now();
    let (mut all, mut writes) = (Vec::new(), Vec::new());
    for t in tasks {
        let (times, written) = t.await.map_err(internal)?;
        all.extend(times);
        writes.extend(written);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    writes.sort();
    Ok(Loaded {
        rps: all.len() as f64 / elapsed,
        times: all,
        writes,
    })
}

/// Many clients saving at once for `seconds`: each creates a disbursement,
/// then changes its amount, and again. Writes per second, sorted times of
/// the writes answered 2xx, and how many were not.
async fn write_load(
    base: &str,
    program: &str,
    token: &str,
    template: &serde_json::Value,
    clients: usize,
    seconds: u64,
) -> Result<(f64, Vec<Duration>, usize), AppError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .map_err(internal)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..clients {
        let (client, base, program, token) = (
            client.clone(),
            base.to_string(),
            program.to_string(),
            token.to_string(),
        );
        let template = template.clone();
        tasks.push(tokio::spawn(async move {
            let (mut times, mut errors) = (Vec::new(), 0usize);
            let mut i = 0;
            while Instant::now() < deadline {
                let mut body = template.clone();
                let code = format!(
                    "WRITE-{}-{w}-{i}",
                    template["code"].as_str().unwrap_or_default()
                );
                body["code"] = serde_json::Value::from(code.clone());
                let records = format!("{base}/api/v1/programs/{program}/records/fund_transaction");
                for update in [false, true] {
                    let start = Instant::now();
                    let request = if update {
                        body["amount"] = serde_json::Value::from(200);
                        client.put(format!("{records}/{code}"))
                    } else {
                        client.post(&records)
                    };
                    let ok = request
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        times.push(start.elapsed());
                    } else {
                        errors += 1;
                        break;
                    }
                }
                i += 1;
            }
            (times, errors)
        }));
    }
    let started = Instant::now();
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (times, e) = t.await.map_err(internal)?;
        all.extend(times);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Ok((all.len() as f64 / elapsed, all, errors))
}

/// One scale on one engine: the table rows it measured.
async fn measure(
    engine: &str,
    url: &str,
    scale: Scale,
    requests: usize,
) -> Result<(Vec<String>, f64), AppError> {
    let mut rows = Vec::new();
    let row = |rows: &mut Vec<String>, what: &str, figure: String, target: &str| {
        rows.push(format!(
            "| {} | {engine} | {what} | {figure} | {target} |",
            scale.code()
        ));
    };
    // Generation.
    let app = App::open(url).await?;
    let operator = crate::operator();
    crate::init(&app, &operator, twinaid_domain::Lang::En).await?;
    let synthetic = Synthetic::new(scale, 1, &REGISTRY);
    let structure = synthetic
        .structure(&REGISTRY)
        .map_err(AppError::BadRequest)?;
    let kept = app
        .programs(&operator)
        .await?
        .iter()
        .any(|p| p.code == synthetic.program_code);
    if kept {
        row(&mut rows, "generate", "kept from an earlier run".into(), "");
    } else {
        let total = synthetic.plan.total_records();
        let bar = indicatif::ProgressBar::new(total as u64);
        let started = Instant::now();
        let written = app
            .generate_synthetic(&operator, &structure, synthetic.batches(10_000), &|n| {
                bar.inc(n as u64)
            })
            .await?
            .records;
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        row(
            &mut rows,
            "generate",
            format!(
                "{written} records in {seconds:.1} s ({:.0}/s)",
                written as f64 / seconds
            ),
            "",
        );
    }
    let program = synthetic.program_code.clone();
    let year = synthetic.plan.first_year + synthetic.plan.years - 1;
    // A kept database already has earlier runs' accounts and records: this run's are its own.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let user = format!("bench{run}");
    let office = Actor {
        name: user.clone(),
        role: Role::ProgramOffice {
            program: program.clone(),
        },
    };
    app.add_user(&operator, &user, "bench", PASSWORD, &office.role)
        .await?;
    let (secret, _) = app.sign_in(&user, PASSWORD, "127.0.0.1").await?;
    let token = app.create_api_token(&office, "bench", "127.0.0.1").await?.0;
    let cookie = format!("twinaid_session={}", secret.0);
    // The raw SQL statement the pivot is compared with, timed in this process.
    // Five times, or once when one takes the better part of a minute (national).
    let mut raw = Vec::new();
    let timing = Instant::now();
    while raw.len() < 5 && timing.elapsed() < Duration::from_secs(30) {
        let start = Instant::now();
        app.pivot(&office, &program, "labour_transferred", true)
            .await?;
        raw.push(start.elapsed());
    }
    raw.sort();
    app.close().await;

    let server = ServerProcess::start(url).await?;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let pages = [
        (
            "yearbook (page)",
            format!("/yearbook?program={program}&year={year}"),
            "< 200 ms",
        ),
        (
            "yearbook (API)",
            format!("/api/v1/programs/{program}/yearbook/{year}"),
            "< 200 ms",
        ),
        (
            "dashboard",
            format!("/?program={program}&year={year}"),
            "p95 < 100 ms (province < 50)",
        ),
        (
            "list, filtered, with totals",
            format!("/records/fund_transaction?program={program}&year={year}&f.kind=disbursement"),
            "p95 < 50 ms",
        ),
        (
            "pivot: labour transferred by county × year",
            format!("/api/v1/programs/{program}/pivot/labour_transferred"),
            "",
        ),
    ];
    for (name, path, target) in &pages {
        let times = time_get(&client, &base, path, &cookie, requests).await?;
        row(
            &mut rows,
            &format!("{name} (kept: the same request again)"),
            spread(&times),
            target,
        );
    }
    // Write, then the very next read shows it.
    let county = structure.helped[0].item.region.to_string();
    let unit = structure
        .records
        .first()
        .and_then(|r| r.item.get("helper_unit").as_text().map(str::to_string))
        .unwrap_or_default();
    let body = |code: String| {
        serde_json::json!({
            "code": code, "year": year, "helper_unit": unit, "region_code": county,
            "kind": "disbursement", "amount": 100
        })
    };
    let mut writes = Vec::new();
    let mut recomputed = Vec::new();
    let mut dashboards = Vec::new();
    let mut fresh = 0;
    let dashboard = format!("/?program={program}&year={year}");
    for i in 0..requests.min(100) {
        let before = aid_funds(&client, &base, &program, year, &token).await?;
        writes.push(
            write_one(
                &client,
                &base,
                &program,
                body(format!("BENCH-{run}-{i}")),
                &token,
            )
            .await?,
        );
        // Alternately the dashboard and the yearbook first after the write: each computed afresh.
        if i % 2 == 0 {
            dashboards.push(time_once(&client, &base, &dashboard, &cookie).await?);
        }
        let start = Instant::now();
        let after = aid_funds(&client, &base, &program, year, &token).await?;
        if i % 2 == 1 {
            recomputed.push(start.elapsed());
        }
        if after == before + 100 {
            fresh += 1;
        }
    }
    writes.sort();
    recomputed.sort();
    dashboards.sort();
    row(
        &mut rows,
        "dashboard right after a write: computed afresh",
        spread(&dashboards),
        "p95 < 100 ms (province < 50)",
    );
    let yearbook_p50 = pct(&recomputed, 0.5);
    row(
        &mut rows,
        "yearbook (API) right after a write: computed afresh from the summary",
        spread(&recomputed),
        "< 200 ms",
    );
    row(
        &mut rows,
        "record write (API), then the yearbook",
        format!(
            "write p50 {:.1} · p95 {:.1} ms; shown on the next request {fresh} of {} times",
            pct(&writes, 0.5),
            pct(&writes, 0.95),
            writes.len()
        ),
        "next request; write p95 < 20 ms",
    );
    // The latest year is the usual report; a year in the middle has the most
    // years on either side of it to add up. Each request follows a write.
    let middle = synthetic.plan.first_year + (synthetic.plan.years - 1) / 2;
    let (mut middle_dashboards, mut middle_yearbooks) = (Vec::new(), Vec::new());
    for i in 0..requests.min(40) {
        write_one(
            &client,
            &base,
            &program,
            body(format!("BENCH-{run}-MIDDLE-{i}")),
            &token,
        )
        .await?;
        if i % 2 == 0 {
            let path = format!("/?program={program}&year={middle}");
            middle_dashboards.push(time_once(&client, &base, &path, &cookie).await?);
        } else {
            let start = Instant::now();
            aid_funds(&client, &base, &program, middle, &token).await?;
            middle_yearbooks.push(start.elapsed());
        }
    }
    middle_dashboards.sort();
    middle_yearbooks.sort();
    row(
        &mut rows,
        &format!("dashboard of the middle year ({middle}) right after a write: computed afresh"),
        spread(&middle_dashboards),
        "p95 < 100 ms (province < 50)",
    );
    row(
        &mut rows,
        &format!(
            "yearbook (API) of the middle year ({middle}) right after a write: computed afresh"
        ),
        spread(&middle_yearbooks),
        "< 200 ms",
    );
    // The filtered list with totals is kept too; right after a write its
    // totals are summed again over the filtered rows.
    let list = &pages[3].1;
    let mut lists = Vec::new();
    for i in 0..requests.min(40) {
        write_one(
            &client,
            &base,
            &program,
            body(format!("BENCH-{run}-LIST-{i}")),
            &token,
        )
        .await?;
        lists.push(time_once(&client, &base, list, &cookie).await?);
    }
    lists.sort();
    row(
        &mut rows,
        "list, filtered, with totals, right after a write: computed afresh",
        spread(&lists),
        "p95 < 50 ms",
    );
    // The pivot computed afresh (each right after a write) against the raw statement.
    let mut pivots = Vec::new();
    for i in 0..raw.len().max(5) {
        write_one(
            &client,
            &base,
            &program,
            body(format!("BENCH-{run}-PIVOT-{i}")),
            &token,
        )
        .await?;
        pivots.push(time_once(&client, &base, &pages[4].1, &cookie).await?);
    }
    pivots.sort();
    row(
        &mut rows,
        "pivot right after a write (fresh, from the summary) against the same aggregate as one raw SQL statement over the records",
        format!(
            "pivot p50 {:.1} ms; raw p50 {:.1} ms ({} runs); pivot / raw = {:.2}×",
            pct(&pivots, 0.5),
            pct(&raw, 0.5),
            raw.len(),
            pct(&pivots, 0.5) / pct(&raw, 0.5).max(0.001)
        ),
        "≤ 1.5×",
    );
    // Concurrent load from this process (the server is another).
    let mix: Vec<String> = pages.iter().take(4).map(|(_, p, _)| p.clone()).collect();
    let kept = load(&base, &mix, &cookie, None, false, 10).await?;
    row(
        &mut rows,
        "read mix, 16 connections, 10 s (kept responses)",
        format!("{:.0} req/s · {}", kept.rps, tail(&kept.times)),
        "≥ 1,000 req/s, p99 < 200 ms",
    );
    let fresh = load(&base, &mix, &cookie, None, true, 10).await?;
    row(
        &mut rows,
        "read mix, 16 connections, 10 s (every URL new: no kept response; yearbooks kept in the application)",
        format!("{:.0} req/s · {}", fresh.rps, tail(&fresh.times)),
        "p99 < 200 ms",
    );
    let template = body(format!("{run}"));
    let mixed = load(
        &base,
        &mix,
        &cookie,
        Some((&program, &token, &template)),
        false,
        10,
    )
    .await?;
    row(
        &mut rows,
        "mix with 10 % writes, 16 connections, 10 s (reads fresh after each write): all requests; the writes alone",
        format!(
            "{:.0} req/s · {}; {} writes · {}",
            mixed.rps,
            tail(&mixed.times),
            mixed.writes.len(),
            tail(&mixed.writes)
        ),
        "p99 < 200 ms; writes p99 < 50 ms (province)",
    );
    let (wps, times, errors) = write_load(&base, &program, &token, &template, 64, 10).await?;
    row(
        &mut rows,
        "writes: 64 clients each creating a disbursement then changing it, 10 s (fresh: every write computes)",
        format!("{wps:.0} writes/s · {} · {errors} errors", tail(&times)),
        "0 errors; p99 < 250 ms SQLite, < 150 ms PostgreSQL",
    );
    row(
        &mut rows,
        "server peak resident memory",
        format!("{} MB", server.peak_mb()),
        "< 300 MB",
    );
    Ok((rows, yearbook_p50))
}

/// Runs every scale on SQLite, and on PostgreSQL when a server URL is given.
pub async fn run(
    scales: &[Scale],
    requests: usize,
    postgres: Option<&str>,
    keep: Option<&std::path::Path>,
) -> Result<(), AppError> {
    let temporary = tempfile::tempdir().map_err(internal)?;
    let dir = match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(internal)?;
            dir.to_path_buf()
        }
        None => temporary.path().to_path_buf(),
    };
    println!(
        "\ntwinaid bench --scales: synthetic programs (seed 1), served by a separate `twinaid serve` process, requests over loopback\n"
    );
    println!("| scale | engine | what | measured | target |\n|---|---|---|---|---|");
    let mut growth = Vec::new();
    for scale in scales {
        let mut engines = vec![(
            "SQLite".to_string(),
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", scale.code())).display()
            ),
        )];
        if let Some(admin) = postgres {
            let url = match keep {
                Some(_) => {
                    twinaid_store::testing::named_postgres_database(
                        admin,
                        &format!("twinaid_bench_{}", scale.code()),
                    )
                    .await?
                }
                None => twinaid_store::testing::fresh_postgres_database(admin).await?,
            };
            engines.push(("PostgreSQL".to_string(), url));
        }
        for (engine, url) in &engines {
            let measured = measure(engine, url, *scale, requests).await;
            // A database made for this run goes, measured or not; a kept one stays.
            if let (Some(admin), None, "PostgreSQL") = (postgres, keep, engine.as_str()) {
                twinaid_store::testing::drop_postgres_database(admin, url).await?;
            }
            let (rows, yearbook) = measured?;
            for r in rows {
                println!("{r}");
            }
            growth.push((
                scale.code(),
                engine.clone(),
                scale.plan().total_records(),
                yearbook,
            ));
        }
    }
    println!(
        "\nreport time as data grows (yearbook API computed afresh after a write, p50)\n\n| scale | engine | records | yearbook ms |\n|---|---|---:|---:|"
    );
    for (scale, engine, records, ms) in growth {
        println!("| {scale} | {engine} | {records} | {ms:.1} |");
    }
    Ok(())
}
