//! Use cases through `App`, on a real SQLite file: who may load, and what a
//! refused load leaves behind.

use twinaid_app::{Actor, App, AppError, Role};
use twinaid_domain::region::{RegionCode, RegionName};
use twinaid_exchange::{StaticSource, read_program};

const PROGRAM: &[(&str, &str)] = &[
    (
        "program.toml",
        "code = \"zj-sc\"\nname_zh = \"浙川\"\nname_en = \"ZJ-SC\"\nstart_year = 1996\n",
    ),
    ("helped_regions.csv", "region_code\n510822\n"),
    (
        "units.csv",
        "code,name_zh,kind,side\nhz,杭州市,city,helping\n",
    ),
    (
        "fund_transactions.csv",
        "code,year,helper_unit,region_code,kind,amount\nf1,2009,hz,510822,disbursement,100\n",
    ),
];

fn regions() -> Vec<RegionName> {
    ["510000", "510800", "510822"]
        .iter()
        .map(|c| RegionName {
            code: RegionCode::parse(c).unwrap(),
            name_zh: c.to_string(),
            name_en: None,
            valid_from: None,
            valid_to: None,
        })
        .collect()
}

async fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    app.init(&Actor::local_operator(), &regions())
        .await
        .unwrap();
    (app, dir)
}

fn actor(role: Role) -> Actor {
    Actor {
        name: "someone".into(),
        role,
    }
}

async fn load(app: &App, who: &Actor) -> Result<(), AppError> {
    load_files(app, who, PROGRAM).await
}

async fn load_files(
    app: &App,
    who: &Actor,
    files: &'static [(&'static str, &'static str)],
) -> Result<(), AppError> {
    let units = app.indicator_units().await.unwrap();
    let source = StaticSource {
        name: "test",
        files,
    };
    let bundle = read_program(&source, &|c| units.get(c).copied()).unwrap();
    app.load(who, &bundle).await.map(|_| ())
}

#[tokio::test]
async fn only_an_administrator_or_the_programs_office_may_load() {
    let (app, _dir) = app().await;
    let refused = [
        Role::HelperUnit { unit: "hz".into() },
        Role::HelpedCounty {
            region: "510822".into(),
        },
        Role::Expert,
        Role::Viewer,
        Role::ProgramOffice {
            program: "fj-nx".into(),
        },
    ];
    for role in refused {
        let result = load(&app, &actor(role.clone())).await;
        assert!(matches!(result, Err(AppError::Forbidden)), "{role:?}");
    }
    let admin = Actor::local_operator();
    assert!(
        app.audit_log(&admin, 100)
            .await
            .unwrap()
            .iter()
            .all(|e| e.entity != "fund_transaction"),
        "a refused load writes nothing"
    );
    load(
        &app,
        &actor(Role::ProgramOffice {
            program: "zj-sc".into(),
        }),
    )
    .await
    .unwrap();
    let yb = app.yearbook(&admin, "zj-sc", 2009).await.unwrap();
    assert_eq!(yb.indicator("aid_funds").unwrap().year, 10_000);
}

#[tokio::test]
async fn the_audit_log_is_for_administrators_and_experts_read_no_reports_yet() {
    let (app, _dir) = app().await;
    load(&app, &Actor::local_operator()).await.unwrap();
    assert!(matches!(
        app.audit_log(&actor(Role::Viewer), 10).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.yearbook(&actor(Role::Expert), "zj-sc", 2009).await,
        Err(AppError::Forbidden)
    ));
    assert!(
        app.yearbook(&actor(Role::Viewer), "zj-sc", 2009)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_region_renamed_by_one_program_is_named_so_in_every_programs_yearbook() {
    let (app, _dir) = app().await;
    let admin = Actor::local_operator();
    load(&app, &admin).await.unwrap();
    const OTHER: &[(&str, &str)] = &[
        (
            "program.toml",
            "code = \"gd-sc\"\nname_zh = \"粤川\"\nname_en = \"GD-SC\"\nstart_year = 2000\n",
        ),
        ("helped_regions.csv", "region_code\n510822\n"),
        (
            "units.csv",
            "code,name_zh,kind,side\ngz,广州市,city,helping\n",
        ),
        (
            "fund_transactions.csv",
            "code,year,helper_unit,region_code,kind,amount\ng1,2009,gz,510822,disbursement,5\n",
        ),
    ];
    load_files(&app, &admin, OTHER).await.unwrap();
    let name = |yb: &twinaid_domain::yearbook::Yearbook| yb.county_names("510822").0.to_string();
    // Both yearbooks are kept with the registry's names as they were.
    assert_eq!(
        name(&app.yearbook(&admin, "gd-sc", 2009).await.unwrap()),
        "510822"
    );
    assert_eq!(
        name(&app.yearbook(&admin, "zj-sc", 2009).await.unwrap()),
        "510822"
    );
    const RENAMED: &[(&str, &str)] = &[
        (
            "program.toml",
            "code = \"zj-sc\"\nname_zh = \"浙川\"\nname_en = \"ZJ-SC\"\nstart_year = 1996\n",
        ),
        ("helped_regions.csv", "region_code\n510822\n"),
        (
            "regions.csv",
            "code,name_zh,name_en\n510822,青川县,Qingchuan\n",
        ),
    ];
    load_files(&app, &admin, RENAMED).await.unwrap();
    assert_eq!(
        name(&app.yearbook(&admin, "zj-sc", 2009).await.unwrap()),
        "青川县"
    );
    assert_eq!(
        name(&app.yearbook(&admin, "gd-sc", 2009).await.unwrap()),
        "青川县",
        "the other program's kept yearbook and names went with the shared version"
    );
}

#[tokio::test]
async fn requests_that_miss_together_share_one_making_of_the_yearbook() {
    let (app, _dir) = app().await;
    let admin = Actor::local_operator();
    load(&app, &admin).await.unwrap();
    let mut asking = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let app = app.clone();
        asking.spawn(async move {
            app.yearbook(&Actor::local_operator(), "zj-sc", 2009)
                .await
                .unwrap()
        });
    }
    let made = asking.join_all().await;
    assert!(
        made.iter().all(|yb| std::sync::Arc::ptr_eq(yb, &made[0])),
        "one request made the yearbook and the others waited for it"
    );
}
