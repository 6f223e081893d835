//! `twinaid bench --group-programs N`: a synthetic scale split into N
//! programs in one database, put in one group, served by a separate
//! `twinaid serve`; the group's yearbook kept, and computed afresh after a
//! write to one of its programs, on each engine.

use crate::bench_scale::{ServerProcess, pct, spread, write_one};
use crate::demo::REGISTRY;
use std::time::Duration;
use std::time::Instant;
use twinaid_app::{Actor, App, AppError, Role};
use twinaid_domain::group::ProgramGroup;
use twinaid_domain::indicator::{IndicatorDefinition, Measure, Rule};
use twinaid_exchange::synthetic::{Scale, Synthetic};

const PASSWORD: &str = "benchmark password";
const GROUP: &str = "syn-group";

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// The helping provinces the programs are given in turn (their codes).
const PROVINCES: [&str; 9] = [
    "110000", "120000", "310000", "320000", "330000", "350000", "370000", "440000", "210000",
];

/// The member programs: `scale` split `n` ways, each with its own seed,
/// code, units and helping province.
fn members(scale: Scale, n: usize) -> Vec<Synthetic> {
    let plan = scale.plan().split(n);
    (0..n)
        .map(|i| {
            Synthetic::with_plan(scale, plan.clone(), 1 + i as u64, &REGISTRY).named(
                &format!("syn-{}-{:02}-of-{n}", scale.code(), i + 1),
                &format!("G{:02}-", i + 1),
            )
        })
        .collect()
}

/// One GET of the group's yearbook with the token: its time and its aid funds of the year.
async fn group_yearbook(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> Result<(Duration, i64), AppError> {
    let start = Instant::now();
    let r = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(internal)?;
    let status = r.status();
    let bytes = r.bytes().await.map_err(internal)?;
    let took = start.elapsed();
    if !status.is_success() {
        return Err(internal(format!("{path} answered {status}")));
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(internal)?;
    let aid = v["indicators"]["aid_funds"]["year"]
        .as_f64()
        .map(|f| f.round() as i64)
        .ok_or_else(|| internal("no aid funds in the group's yearbook"))?;
    Ok((took, aid))
}

/// Generates what is missing of the members and keeps the group; the rows
/// saying what was generated.
async fn prepare(
    app: &App,
    operator: &Actor,
    members: &[Synthetic],
    rows: &mut Vec<(String, String, String)>,
) -> Result<(), AppError> {
    let started = Instant::now();
    let mut written = 0;
    for (i, m) in members.iter().enumerate() {
        let mut structure = m.structure(&REGISTRY).map_err(AppError::BadRequest)?;
        if let Some(p) = structure.program.as_mut() {
            p.helping_region =
                twinaid_domain::RegionCode::parse(PROVINCES[i % PROVINCES.len()]).ok();
        }
        // What an earlier run wrote is passed over batch by batch.
        let bar = indicatif::ProgressBar::new(m.plan.total_records() as u64);
        written += app
            .generate_synthetic(operator, &structure, m.batches(10_000), &|n| {
                bar.inc(n as u64)
            })
            .await?
            .records;
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    let total: usize = members.iter().map(|m| m.plan.total_records()).sum();
    rows.push((
        "generate".into(),
        if written == 0 {
            format!("{total} records kept from an earlier run")
        } else {
            format!(
                "{written} records in {seconds:.1} s ({:.0}/s); {total} in all",
                written as f64 / seconds
            )
        },
        String::new(),
    ));
    let codes: Vec<String> = members.iter().map(|m| m.program_code.clone()).collect();
    let group = ProgramGroup::new(GROUP, "合成帮扶协作组", "synthetic group", &codes)
        .map_err(AppError::BadRequest)?;
    app.put_group(operator, &group).await?;
    Ok(())
}

/// The indicator `--group-distinct` adds: the enterprises that signed
/// agreements, each counted once across all programs.
fn distinct_enterprises() -> IndicatorDefinition {
    IndicatorDefinition {
        code: "distinct_enterprises".into(),
        name_zh: "签约企业".into(),
        name_en: "enterprises that signed".into(),
        unit: twinaid_domain::UnitOfMeasure::Count,
        stock: false,
        rule: Rule::Records {
            kind: "cooperation_agreement".into(),
            measure: Measure::CountDistinct("enterprise".into()),
            filters: Vec::new(),
        },
    }
}

/// One engine: the table rows it measured.
async fn measure(
    url: &str,
    scale: Scale,
    n: usize,
    requests: usize,
    distinct: bool,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut rows = Vec::new();
    let app = App::open(url).await?;
    let operator = crate::operator();
    crate::init(&app, &operator, twinaid_domain::Lang::En).await?;
    let members = members(scale, n);
    prepare(&app, &operator, &members, &mut rows).await?;
    if distinct {
        let started = Instant::now();
        let bundle = twinaid_domain::bundle::ProgramBundle {
            program_code: members[0].program_code.clone(),
            indicators: vec![twinaid_domain::bundle::Located::new(
                Default::default(),
                distinct_enterprises(),
            )],
            ..Default::default()
        };
        app.load(&operator, &bundle).await?;
        rows.push((
            "count_distinct indicator added (distinct enterprises of all agreements; every summary rebuilt if new)".into(),
            format!("{:.1} s", started.elapsed().as_secs_f64()),
            String::new(),
        ));
    }
    let first = &members[0];
    let program = first.program_code.clone();
    let year = first.plan.first_year + first.plan.years - 1;
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // The first program's office writes to it and reads the group.
    let user = format!("groupbench{run}");
    let office = Actor {
        name: user.clone(),
        role: Role::ProgramOffice {
            program: program.clone(),
        },
    };
    app.add_user(&operator, &user, "bench", PASSWORD, &office.role)
        .await?;
    let token = app.create_api_token(&office, "bench", "127.0.0.1").await?.0;
    let structure = first.structure(&REGISTRY).map_err(AppError::BadRequest)?;
    let county = structure.helped[0].item.region.to_string();
    let unit = structure
        .units
        .first()
        .map(|u| u.item.0.code.clone())
        .unwrap_or_default();
    app.close().await;

    let server = ServerProcess::start(url).await?;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let path = format!("/api/v1/groups/{GROUP}/yearbook/{year}");
    // The first request after the server starts: every program's yearbook made.
    let (cold, _) = group_yearbook(&client, &base, &path, &token).await?;
    rows.push((
        format!("group yearbook (API), first request after start: all {n} programs' yearbooks computed afresh"),
        format!("{:.1} ms", cold.as_secs_f64() * 1000.0),
        String::new(),
    ));
    let mut kept = Vec::new();
    for _ in 0..requests {
        kept.push(group_yearbook(&client, &base, &path, &token).await?.0);
    }
    kept.sort();
    rows.push((
        "group yearbook (API), kept: the same request again".into(),
        spread(&kept),
        "< 50 ms".into(),
    ));
    let (mut fresh, mut shown) = (Vec::new(), 0);
    let rounds = requests.min(50);
    for i in 0..rounds {
        let (_, before) = group_yearbook(&client, &base, &path, &token).await?;
        let body = serde_json::json!({
            "code": format!("GROUP-BENCH-{run}-{i}"), "year": year, "helper_unit": unit,
            "region_code": county, "kind": "disbursement", "amount": 100
        });
        write_one(&client, &base, &program, body, &token).await?;
        let (took, after) = group_yearbook(&client, &base, &path, &token).await?;
        fresh.push(took);
        if after == before + 100 {
            shown += 1;
        }
    }
    fresh.sort();
    rows.push((
        "group yearbook (API) right after a write to one program: its yearbook computed afresh from the summary, the others' kept, the group summed anew".into(),
        format!("{}; the write shown {shown} of {rounds} times", spread(&fresh)),
        "< 300 ms".into(),
    ));
    rows.push((
        "p50 of the above".into(),
        format!("{:.1} ms", pct(&fresh, 0.5)),
        String::new(),
    ));
    rows.push((
        "server peak resident memory".into(),
        format!("{} MB", server.peak_mb()),
        String::new(),
    ));
    Ok(rows)
}

/// The group benchmark on SQLite, and on PostgreSQL when a server URL is given.
pub async fn run(
    scale: Scale,
    n: usize,
    requests: usize,
    postgres: Option<&str>,
    keep: Option<&std::path::Path>,
    distinct: bool,
    postgres_only: bool,
) -> Result<(), AppError> {
    if postgres_only && postgres.is_none() {
        return Err(AppError::Field(
            "--postgres",
            twinaid_domain::DomainError::Required,
        ));
    }
    let temporary = tempfile::tempdir().map_err(internal)?;
    let dir = match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(internal)?;
            dir.to_path_buf()
        }
        None => temporary.path().to_path_buf(),
    };
    let name = format!("group-{}-{n}", scale.code());
    let mut engines = vec![(
        "SQLite",
        format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
    )];
    if let Some(admin) = postgres {
        let url = match keep {
            Some(_) => {
                twinaid_store::testing::named_postgres_database(
                    admin,
                    &format!("twinaid_bench_{}", name.replace('-', "_")),
                )
                .await?
            }
            None => twinaid_store::testing::fresh_postgres_database(admin).await?,
        };
        engines.push(("PostgreSQL", url));
    }
    if postgres_only {
        engines.retain(|(engine, _)| *engine == "PostgreSQL");
    }
    println!(
        "\ntwinaid bench --group-programs {n} --group-scale {}{}: the synthetic {} scale split into {n} programs (seeds 1…{n}) in one group, served by a separate `twinaid serve`, one client over loopback{}\n",
        scale.code(),
        if distinct { " --group-distinct" } else { "" },
        scale.code(),
        if distinct {
            "; with a count_distinct indicator, counted afresh from the records of all members after a write"
        } else {
            ""
        }
    );
    println!("| engine | what | measured | target |\n|---|---|---|---|");
    for (engine, url) in &engines {
        let measured = measure(url, scale, n, requests, distinct).await;
        if let (Some(admin), None, "PostgreSQL") = (postgres, keep, *engine) {
            twinaid_store::testing::drop_postgres_database(admin, url).await?;
        }
        for (what, figure, target) in measured? {
            println!("| {engine} | {what} | {figure} | {target} |");
        }
    }
    Ok(())
}
