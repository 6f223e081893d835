//! The data built into the binary: the national region registry and the demo program.

use twinaid_domain::region::RegionName;
use twinaid_exchange::StaticSource;

macro_rules! data_file {
    ($dir:literal, $name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/",
                $dir,
                "/",
                $name
            )),
        )
    };
}

/// The files of `data/demo/`, the Zhejiang–Sichuan program.
const DEMO: &[(&str, &str)] = &[
    data_file!("demo", "program.toml"),
    data_file!("demo", "regions.csv"),
    data_file!("demo", "helped_regions.csv"),
    data_file!("demo", "designations.csv"),
    data_file!("demo", "units.csv"),
    data_file!("demo", "pairings.csv"),
    data_file!("demo", "projects.csv"),
    data_file!("demo", "fund_transactions.csv"),
    data_file!("demo", "cooperation_agreements.csv"),
    data_file!("demo", "industrial_parks.csv"),
    data_file!("demo", "park_enterprises.csv"),
    data_file!("demo", "trainings.csv"),
    data_file!("demo", "labour_transfers.csv"),
    data_file!("demo", "cadre_exchanges.csv"),
    data_file!("demo", "student_aid.csv"),
    data_file!("demo", "exchange_visits.csv"),
    data_file!("demo", "aggregate_values.csv"),
    data_file!("demo", "plan_targets.csv"),
];

/// The demo program as a program folder.
pub fn source() -> StaticSource {
    StaticSource {
        name: "data/demo",
        files: DEMO,
    }
}

/// The region registry's files: provinces, prefectures, counties.
pub const REGISTRY: [&str; 3] = [
    include_str!("../../../data/regions/provinces.csv"),
    include_str!("../../../data/regions/cities.csv"),
    include_str!("../../../data/regions/areas.csv"),
];

/// Today's provinces, prefectures and counties of China (GB/T 2260).
pub fn national_regions() -> Vec<RegionName> {
    twinaid_exchange::national_regions::parse(&REGISTRY)
}

/// `twinaid demo --synthetic`: generates a synthetic program with a progress
/// bar and says how fast it went.
pub async fn synthetic(
    app: &twinaid_app::App,
    actor: &twinaid_app::Actor,
    scale: twinaid_exchange::synthetic::Scale,
    seed: u64,
    lang: twinaid_domain::Lang,
) -> Result<(), twinaid_app::AppError> {
    use twinaid_exchange::synthetic::Synthetic;
    let started = std::time::Instant::now();
    let synthetic = Synthetic::new(scale, seed, &REGISTRY);
    let total = synthetic.plan.total_records() as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |n: usize| bar.inc(n as u64);
    let structure = synthetic
        .structure(&REGISTRY)
        .map_err(twinaid_app::AppError::BadRequest)?;
    let twinaid_app::Generated { records, resumed } = app
        .generate_synthetic(actor, &structure, synthetic.batches(10_000), &progress)
        .await?;
    bar.finish_and_clear();
    if resumed > 0 {
        eprintln!(
            "{}",
            lang.pick(
                &format!("接着上次中断处继续：已有 {resumed} 组（类别×年度）写好，未重写"),
                &format!("resumed where an earlier run stopped: {resumed} kind-years were written already and were left as they are"),
            )
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = records as f64 / seconds.max(0.001);
    eprintln!(
        "{}",
        match lang {
            twinaid_domain::Lang::Zh => format!(
                "已生成合成帮扶协作 {}（{}，种子 {seed}）：{} 条记录，用时 {seconds:.1} 秒（每秒 {rate:.0} 条）",
                synthetic.program_code,
                scale.code(),
                records
            ),
            twinaid_domain::Lang::En => format!(
                "generated synthetic program {} ({}, seed {seed}): {} records in {seconds:.1} s ({rate:.0} records/s)",
                synthetic.program_code,
                scale.code(),
                records
            ),
        }
    );
    Ok(())
}

/// The demo's yearly cycle for 2009, run through the same use cases as the
/// web pages: guidance, approved plans, an inspection round, expert scores and
/// a published assessment. Every score here is illustrative (the report gives
/// none); it is documented in data/demo/README.md. Runs once: a program that
/// already has 2009 guidance is left as it is.
pub async fn run_cycle(
    app: &twinaid_app::App,
    operator: &twinaid_app::Actor,
) -> Result<bool, twinaid_app::AppError> {
    use twinaid_app::{Actor, Role};
    const PROGRAM: &str = "zj-sc";
    const YEAR: i32 = 2009;
    if app.guidance_for(operator, PROGRAM, YEAR).await?.is_some() {
        return Ok(false);
    }
    let form = twinaid_domain::guidance::GuidanceForm {
        kind: "guidance".into(),
        title: "浙江省2009年东西部对口帮扶工作指导意见（示意）".into(),
        year_from: YEAR.to_string(),
        year_to: YEAR.to_string(),
        priorities: "整村推进\n产业扶持\n劳务培训".into(),
        tasks: "新建扶贫新村24个\n援建学校、医院各12所\n组织实用技术培训和劳务输出".into(),
        indicators: "aid_funds = 60\nnew_villages = 40".into(),
        cap: "1".into(),
        weights: "0.5, 0.3, 0.2".into(),
        bands: "90, 75, 60".into(),
        rubric: "组织领导 = 30\n项目管理 = 40\n资金管理 = 30".into(),
        counts_from: "registered".into(),
    };
    app.issue_guidance(operator, PROGRAM, &form).await?;
    // The national guidance for 2009–2010 the report names, as the outline the year's guidance follows.
    let outline = twinaid_domain::guidance::GuidanceForm {
        kind: "outline".into(),
        title: "2009—2010年东西扶贫协作工作指导意见（国务院扶贫办，摘要示意）".into(),
        year_from: "2009".into(),
        year_to: "2010".into(),
        priorities: "整村推进\n劳务输出培训\n产业开发与经贸合作\n干部交流".into(),
        tasks: "东部省市制定年度实施计划，明确目标任务\n实行目标管理，完善年度考核制度".into(),
        ..Default::default()
    };
    app.issue_guidance(operator, PROGRAM, &outline).await?;
    let units: Vec<String> = app
        .plan_vs_actual(operator, PROGRAM, YEAR, (YEAR + 1, 1))
        .await?
        .into_iter()
        .map(|p| p.unit)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for unit in &units {
        app.plan_step(operator, PROGRAM, unit, YEAR, "submit", "")
            .await?;
        app.plan_step(operator, PROGRAM, unit, YEAR, "approve", "")
            .await?;
    }
    app.draw_inspections(operator, PROGRAM, YEAR, 2009).await?;
    let (_, inspections) = app.inspections(operator, PROGRAM, YEAR).await?;
    for i in &inspections {
        // An illustrative rating from 80 to 98, fixed by the project's code.
        let rating = 80 + i.project.bytes().map(u32::from).sum::<u32>() % 19;
        let finding = twinaid_app::Finding {
            rating: rating.to_string(),
            issues: "（示意）".into(),
            amount_verified: String::new(),
            rectification_required: false,
        };
        app.record_finding(operator, PROGRAM, YEAR, &i.project, &finding)
            .await?;
        app.close_inspection(operator, PROGRAM, YEAR, &i.project)
            .await?;
    }
    for (n, expert) in ["expert-li", "expert-wang"].iter().enumerate() {
        demo_account(
            app,
            operator,
            expert,
            &format!("评估专家{}（示意）", n + 1),
            &Role::Expert,
        )
        .await?;
        let actor = Actor {
            name: expert.to_string(),
            role: Role::Expert,
        };
        for (k, unit) in units.iter().enumerate() {
            app.assign_expert(operator, PROGRAM, YEAR, expert, unit)
                .await?;
            let base = 78 + ((k * 7 + n * 3) % 17) as i32;
            let scores = [
                ("组织领导", base + 4),
                ("项目管理", base),
                ("资金管理", base + 2),
            ]
            .iter()
            .map(|(item, s)| (item.to_string(), s.min(&100).to_string()))
            .collect();
            app.submit_expert_scores(&actor, PROGRAM, YEAR, unit, &scores)
                .await?;
        }
    }
    // Each helped county rates the cities paired with it: an illustrative 85 to 99.
    let all = twinaid_app::ListRequest {
        page: 1,
        per_page: 1_000,
        ..Default::default()
    };
    let pairings = app
        .list_records(
            operator,
            PROGRAM,
            twinaid_domain::record::RecordKind::Pairing,
            &all,
        )
        .await?
        .records;
    for p in &pairings {
        let (Some(unit), Some(region)) = (
            p.get("helper_unit").as_text(),
            p.get("helped_region").as_text(),
        ) else {
            continue;
        };
        if !units.iter().any(|u| u == unit) || region.ends_with("00") {
            continue;
        }
        let county = Actor {
            name: format!("county-{region}"),
            role: Role::HelpedCounty {
                region: region.to_string(),
            },
        };
        // The rating is signed by an account the log can name.
        let named = app
            .region_names(operator, vec![region.to_string()], YEAR)
            .await?;
        let place = named.get(region).map_or(region, |(zh, _)| zh.as_str());
        demo_account(
            app,
            operator,
            &county.name,
            &format!("{place}经办人（示意）"),
            &county.role,
        )
        .await?;
        let rating = 85 + (region.bytes().map(u32::from).sum::<u32>() + unit.len() as u32) % 15;
        app.rate_satisfaction(
            &county,
            PROGRAM,
            YEAR,
            unit,
            &rating.to_string(),
            "（示意）",
        )
        .await?;
    }
    app.publish_assessment(operator, PROGRAM, YEAR).await?;
    Ok(true)
}

/// An account the demo acts as, with a password no one is told (`user
/// reset-password` gives it one, to try the role); kept if it is there.
async fn demo_account(
    app: &twinaid_app::App,
    operator: &twinaid_app::Actor,
    username: &str,
    display_name: &str,
    role: &twinaid_app::Role,
) -> Result<(), twinaid_app::AppError> {
    use twinaid_app::AppError;
    let mut password = [0u8; 16];
    getrandom::fill(&mut password).map_err(|e| AppError::Internal(e.to_string()))?;
    let password: String = password.iter().map(|b| format!("{b:02x}")).collect();
    match app
        .add_user(operator, username, display_name, &password, role)
        .await
    {
        Ok(()) | Err(AppError::Field("username", _)) => Ok(()),
        Err(e) => Err(e),
    }
}
