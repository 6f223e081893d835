//! The twinaid command end to end: the real binary on a real database file
//! (and on PostgreSQL when `TWINAID_TEST_POSTGRES_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// A database to run against, with the temp folder that must outlive it.
struct Db {
    url: String,
    _dir: tempfile::TempDir,
}

fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let mut dbs = vec![Db {
        url: format!("sqlite://{}", dir.path().join("twinaid.db").display()),
        _dir: dir,
    }];
    if let Some(admin) = twinaid_store::testing::postgres_admin_url() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let url = runtime
            .block_on(twinaid_store::testing::fresh_postgres_database(&admin))
            .unwrap();
        dbs.push(Db {
            url,
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    dbs
}

fn twinaid(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twinaid"))
        .args(["--database-url", db])
        .args(args)
        .env_remove("TWINAID_LANG")
        .env_remove("TWINAID_DATABASE_URL")
        .output()
        .unwrap()
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = twinaid(db, args);
    assert!(
        out.status.success(),
        "twinaid {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn yearbook(db: &str, year: i32) -> Value {
    let text = ok(
        db,
        &[
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            &year.to_string(),
            "--format",
            "json",
        ],
    );
    serde_json::from_str(&text).unwrap()
}

fn audit_lines(db: &str) -> usize {
    ok(db, &["audit", "--limit", "1000000"]).lines().count()
}

fn write_folder(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The report's figures: (indicator, 2009, to end of 2009); `None` where the report gives none.
const REPORT_2009: &[(&str, Option<i64>, Option<i64>)] = &[
    ("aid_funds", Some(36_200_000), Some(416_000_000)),
    ("aid_funds_provincial_units", Some(5_740_000), None),
    ("aid_funds_cities", Some(30_460_000), None),
    ("aid_funds_social", Some(0), None),
    ("new_villages", Some(24), Some(280)),
    ("schools", Some(12), Some(262)),
    ("hospitals", Some(12), Some(131)),
    ("roads_km", Some(79), Some(1_000)),
    ("drinking_water_people", Some(30_000), None),
    ("small_ponds", None, Some(65_387)),
    ("students_aided", Some(820), Some(30_258)),
    ("cooperation_agreements", Some(16), Some(300)),
    (
        "cooperation_value",
        Some(1_261_000_000),
        Some(11_560_000_000),
    ),
    ("enterprises_introduced", Some(6), None),
    ("investment_introduced", Some(1_000_000_000), None),
    ("practical_trainees", Some(4_479), Some(18_369)),
    ("labour_transferred", Some(5_000), Some(80_000)),
    ("leaders_trained", Some(140), None),
    ("training_funds", Some(2_000_000), None),
    ("cadre_exchange_person_times", Some(296), Some(815)),
    ("beneficiaries", None, Some(180_000)),
    ("students_benefited", None, Some(15_000)),
    ("medical_access_people", None, Some(1_300_000)),
    ("jobs_created", None, Some(35_000)),
    ("profit_tax", None, Some(500_000_000)),
];

#[test]
fn demo_yearbook_for_2009_gives_every_figure_of_the_report() {
    for db in databases() {
        ok(&db.url, &["demo"]);
        let yb = yearbook(&db.url, 2009);
        for (code, year, cumulative) in REPORT_2009 {
            let i = &yb["indicators"][code];
            if let Some(y) = year {
                assert_eq!(i["year"], Value::from(*y), "{code} in 2009 on {}", db.url);
            }
            if let Some(c) = cumulative {
                assert_eq!(
                    i["cumulative"],
                    Value::from(*c),
                    "{code} to end of 2009 on {}",
                    db.url
                );
            }
        }
        let aid = &yb["indicators"]["aid_funds"];
        assert_eq!(aid["from_records"]["year"], Value::from(36_200_000));
        assert_eq!(
            aid["from_aggregates"]["cumulative"],
            Value::from(379_800_000)
        );
        assert_eq!(
            aid["previous_year"],
            Value::Null,
            "the report gives nothing for 2008"
        );
        assert_eq!(
            yb["by_county"]["510811"]["name_zh"], "元坝区",
            "the 2009 name of today's 昭化区"
        );
        assert_eq!(
            yb["by_county"]["511381"]["indicators"]["aid_funds"]["year"],
            Value::from(3_800_000)
        );
        assert_eq!(
            yb["by_source"]["provincial_units"]["aid_funds"]["year"],
            Value::from(5_740_000)
        );
        // Loading the demo again counts nothing twice.
        ok(&db.url, &["demo"]);
        assert_eq!(yearbook(&db.url, 2009), yb);
    }
}

const FURTHER: &[(&str, &str)] = &[
    ("program.toml", "code = \"zj-sc\"\n"),
    (
        "fund_transactions.csv",
        "code,year,helper_unit,region_code,kind,amount,date\n\
         2010-wz-nanbu,2010,wenzhou,511321,disbursement,\"25,000,000\",2010-05-01\n\
         2010-dot-langzhong,2010,zj-dot,511381,disbursement,15000000,\n\
         2010-wz-pledge,2010,wenzhou,511321,commitment,9000000,\n\
         2011-hz-qingchuan,2011,hangzhou,510822,disbursement,45000000,\n",
    ),
    (
        "projects.csv",
        "code,year,helper_unit,region_code,category,name_zh,status,beneficiaries\n\
         2010-nanbu-v1,2010,wenzhou,511321,new_village,南部县新村一,completed,700\n\
         2010-nanbu-v2,2010,wenzhou,511321,new_village,南部县新村二,completed,700\n\
         2010-nanbu-v3,2010,wenzhou,511321,扶贫新村,南部县新村三,completed,600\n\
         2011-qc-school,2011,hangzhou,510822,school,青川县小学,registered,120\n",
    ),
    (
        "trainings.csv",
        "code,year,helper_unit,region_code,kind,title_zh,participants,cost\n\
         2010-nanbu-tea,2010,wenzhou,511321,practical,茶叶培训,5000,300000\n",
    ),
];

#[test]
fn further_years_written_by_hand_move_the_yearbook_exactly_and_count_nothing_twice() {
    for db in databases() {
        ok(&db.url, &["demo"]);
        let dir = tempfile::tempdir().unwrap();
        write_folder(dir.path(), FURTHER);
        let folder = dir.path().to_str().unwrap();
        for _ in 0..2 {
            ok(&db.url, &["load", folder]);
            let y2010 = yearbook(&db.url, 2010);
            let aid = &y2010["indicators"]["aid_funds"];
            assert_eq!(
                aid["year"],
                Value::from(40_000_000),
                "commitments are not disbursements"
            );
            assert_eq!(aid["cumulative"], Value::from(456_000_000));
            assert_eq!(aid["previous_year"], Value::from(36_200_000));
            assert_eq!(aid["change"], Value::from(3_800_000));
            assert_eq!(aid["change_pct"], Value::from(10.5));
            assert_eq!(
                y2010["indicators"]["aid_funds_provincial_units"]["year"],
                Value::from(15_000_000)
            );
            let villages = &y2010["indicators"]["new_villages"];
            assert_eq!(
                (
                    villages["year"].clone(),
                    villages["cumulative"].clone(),
                    villages["change"].clone()
                ),
                (Value::from(3), Value::from(283), Value::from(-21))
            );
            assert_eq!(
                y2010["indicators"]["practical_trainees"]["cumulative"],
                Value::from(23_369)
            );
            assert_eq!(
                y2010["indicators"]["beneficiaries"]["cumulative"],
                Value::from(182_000)
            );
            let y2011 = yearbook(&db.url, 2011);
            let aid = &y2011["indicators"]["aid_funds"];
            assert_eq!(
                (
                    aid["year"].clone(),
                    aid["cumulative"].clone(),
                    aid["previous_year"].clone()
                ),
                (
                    Value::from(45_000_000),
                    Value::from(501_000_000),
                    Value::from(40_000_000)
                )
            );
            assert_eq!(
                y2011["indicators"]["schools"]["cumulative"],
                Value::from(263)
            );
            assert_eq!(
                y2011["by_county"]["510822"]["indicators"]["aid_funds"]["year"],
                Value::from(45_000_000)
            );
        }
        // 2009 is untouched by later years.
        assert_eq!(
            yearbook(&db.url, 2009)["indicators"]["aid_funds"]["cumulative"],
            Value::from(416_000_000)
        );
    }
}

/// A folder with one bad cell must be refused whole, naming the place, and change nothing.
fn assert_refused(db: &str, files: &[(&str, &str)], expected: &[&str]) {
    let before = (yearbook(db, 2009), audit_lines(db));
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), files);
    let out = twinaid(db, &["load", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "a bad folder was accepted: {files:?}"
    );
    for e in expected {
        assert!(stderr.contains(e), "{e:?} not in: {stderr}");
    }
    assert_eq!(
        (yearbook(db, 2009), audit_lines(db)),
        before,
        "the database changed"
    );
}

fn funds(row: &str) -> Vec<(&'static str, String)> {
    let mut text = String::from("code,year,helper_unit,region_code,kind,amount\n");
    for i in 0..35 {
        text.push_str(&format!("ok-{i},2010,wenzhou,511321,disbursement,100\n"));
    }
    text.push_str(row);
    text.push('\n');
    vec![
        ("program.toml", "code = \"zj-sc\"\n".to_string()),
        ("fund_transactions.csv", text),
    ]
}

fn as_files<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(n, t)| (*n, t.as_str())).collect()
}

#[test]
fn bad_input_is_refused_whole_with_its_row_and_column_and_changes_nothing() {
    for db in databases() {
        ok(&db.url, &["demo"]);
        // (A negative amount is a reversal now; an amount in words is not one.)
        let negative = funds("bad,2010,wenzhou,511321,disbursement,五元");
        assert_refused(
            &db.url,
            &as_files(&negative),
            &["fund_transactions.csv", "第 37 行", "amount", "五元"],
        );
        let unknown = funds("bad,2010,wenzhou,999999,disbursement,5");
        assert_refused(
            &db.url,
            &as_files(&unknown),
            &["第 37 行", "region_code", "999999"],
        );
        let not_helped = funds("bad,2010,wenzhou,510802,disbursement,5");
        assert_refused(
            &db.url,
            &as_files(&not_helped),
            &["第 37 行", "510802", "受帮扶地区"],
        );
        let too_early = funds("bad,1990,wenzhou,511321,disbursement,5");
        assert_refused(
            &db.url,
            &as_files(&too_early),
            &["第 37 行", "year", "1990", "1996"],
        );
        let no_unit = funds("bad,2010,nobody,511321,disbursement,5");
        assert_refused(&db.url, &as_files(&no_unit), &["helper_unit", "nobody"]);
        assert_refused(
            &db.url,
            &[
                ("program.toml", "code = \"zj-sc\"\n"),
                ("projects.csv", "code,yeer\n"),
            ],
            &["yeer"],
        );
        // A cell that does not parse and a code that does not exist are reported in the same run.
        let both = "code,year,helper_unit,region_code,kind,amount\n\
                    b1,2010,wenzhou,511321,disbursement,一元\n\
                    b2,2010,wenzhou,999999,disbursement,1\n";
        assert_refused(
            &db.url,
            &[
                ("program.toml", "code = \"zj-sc\"\n"),
                ("fund_transactions.csv", both),
            ],
            &["第 2 行，列 amount", "第 3 行，列 region_code", "2 处问题"],
        );
        assert_refused(
            &db.url,
            &[("program.toml", "code = \"no-such-program\"\n")],
            &["no-such-program"],
        );
        // The demo's 2009 assessment is published: a load may not add to that year.
        let published = "code,year,helper_unit,region_code,kind,amount\nlate,2009,wenzhou,511321,disbursement,5\n";
        assert_refused(
            &db.url,
            &[
                ("program.toml", "code = \"zj-sc\"\n"),
                ("fund_transactions.csv", published),
            ],
            &["第 2 行", "已公布"],
        );
    }
}

#[test]
fn errors_speak_english_when_asked() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    write_folder(
        dir.path(),
        &as_files(&funds("bad,1990,wenzhou,511321,disbursement,5")),
    );
    let out = twinaid(
        &db.url,
        &["--lang", "en", "load", dir.path().to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("row 37")
            && stderr.contains("column year")
            && stderr.contains("outside the program"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_database_url_is_refused_with_a_fix() {
    let out = twinaid("mysql://localhost/x", &["init"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sqlite://") && stderr.contains("postgres://"),
        "{stderr}"
    );
}

#[test]
fn a_postgresql_that_is_down_is_a_clear_error_without_the_password() {
    let out = twinaid(
        "postgres://postgres:hunter2@127.0.0.1:1/twinaid",
        &["--lang", "en", "init"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot connect") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[test]
fn tables_show_wan_yuan_in_chinese_and_yuan_in_english() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let zh = ok(
        &db.url,
        &["report", "yearbook", "--program", "zj-sc", "--year", "2009"],
    );
    assert!(
        zh.contains("万元") && zh.contains("3,620") && zh.contains("41,600"),
        "{zh}"
    );
    let en = ok(
        &db.url,
        &[
            "--lang",
            "en",
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "markdown",
        ],
    );
    assert!(
        en.contains("| aid funds | yuan | 36,200,000 | 416,000,000 |"),
        "{en}"
    );
    let indicators = ok(&db.url, &["indicators", "--format", "json"]);
    let list: Value = serde_json::from_str(&indicators).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 25);
}

#[test]
fn a_year_before_the_program_or_an_unknown_program_is_refused() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let out = twinaid(
        &db.url,
        &["report", "yearbook", "--program", "zj-sc", "--year", "1990"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1996"));
    let out = twinaid(
        &db.url,
        &[
            "report",
            "yearbook",
            "--program",
            "nowhere",
            "--year",
            "2009",
        ],
    );
    assert!(!out.status.success());
}

#[test]
fn the_published_2009_assessment_is_reported_and_each_total_recomputes_from_its_parts() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let v: Value = serde_json::from_str(&ok(
        &db.url,
        &[
            "report",
            "assessment",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert!(v["published"].is_object(), "the demo publishes 2009");
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), 8, "the eight helper cities with plans");
    for u in units {
        let part = |k: &str| u[k].as_f64().unwrap();
        // The demo guidance weighs statistics, cross-examination and experts 0.5 / 0.3 / 0.2.
        let total = 0.5 * part("statistical") + 0.3 * part("inspection") + 0.2 * part("expert");
        assert!((total - part("total")).abs() < 0.006, "{u}");
        let lines = u["explanation"].as_array().unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.as_str().unwrap().contains("受帮扶方满意度")),
            "the paired side's satisfaction counts: {u}"
        );
    }
    let one = ok(
        &db.url,
        &[
            "--lang",
            "en",
            "report",
            "assessment",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--unit",
            "wenzhou",
        ],
    );
    assert!(one.contains("Wenzhou") && one.contains("total = (0.5 ×") && !one.contains("Hangzhou"));
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("assessment.xlsx");
    ok(
        &db.url,
        &[
            "report",
            "assessment",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "xlsx",
            "-o",
            book.to_str().unwrap(),
        ],
    );
    let sheets = twinaid_exchange::read_sheets("a.xlsx", &std::fs::read(&book).unwrap()).unwrap();
    assert_eq!(sheets[0].name, "排名");
    assert_eq!(
        sheets[0]
            .rows
            .iter()
            .filter(|r| r.cells.len() > 6 && !r.cells[6].is_empty())
            .count(),
        9,
        "the header and eight units"
    );
}

/// A template filled in as a clerk would: its header kept, example rows
/// deleted, one row per project; `bad_row` (a spreadsheet row number) gets a
/// county code that does not exist.
fn filled_template(template: &[u8], rows: usize, bad_row: Option<usize>) -> Vec<u8> {
    use twinaid_exchange::export::{ExportCell, ExportTable, xlsx};
    let sheets = twinaid_exchange::read_sheets("project.xlsx", template).unwrap();
    let header = sheets[0].header.clone();
    let column = |name: &str| header.iter().position(|h| h.ends_with(name)).unwrap();
    let data = (0..rows)
        .map(|i| {
            let mut cells = vec![ExportCell::Empty; header.len()];
            let text = |s: &str| ExportCell::Text(s.to_string());
            cells[column("\ncode")] = text(&format!("2010-xlsx-{i}"));
            cells[column("\nyear")] = ExportCell::Number(2010.0, "0");
            cells[column("\nhelper_unit")] = text("hangzhou 杭州市人民政府");
            let county = if bad_row == Some(i + 2) {
                "519999"
            } else {
                "510822 青川县"
            };
            cells[column("\nregion_code")] = text(county);
            cells[column("\ncategory")] = text("学校");
            cells[column("\nname_zh")] = text(&format!("模板导入小学{i}"));
            cells[column("\namount")] = ExportCell::Number(100_000.0, "#,##0.00");
            cells
        })
        .collect();
    xlsx(&[ExportTable {
        name: "project".into(),
        header,
        rows: data,
        ..ExportTable::default()
    }])
    .unwrap()
}

#[test]
fn a_filled_template_imports_a_bad_row_refuses_the_whole_file_and_a_fixed_file_duplicates_nothing()
{
    let db = &databases()[0];
    let dir = tempfile::tempdir().unwrap();
    ok(&db.url, &["demo"]);
    let template = dir.path().join("project.xlsx");
    ok(
        &db.url,
        &["template", "project", "-o", template.to_str().unwrap()],
    );
    let template = std::fs::read(&template).unwrap();
    let projects = |db: &str| -> i64 {
        yearbook(db, 2010)["indicators"]["schools"]["year"]
            .as_i64()
            .unwrap_or(0)
    };
    let before = projects(&db.url);

    // Row 37 names a county that does not exist: the whole file is refused, that row named.
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, filled_template(&template, 40, Some(37))).unwrap();
    let copy = dir.path().join("bad-errors.xlsx");
    let out = twinaid(
        &db.url,
        &[
            "import",
            bad.to_str().unwrap(),
            "--errors",
            copy.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("第 37 行") && stderr.contains("519999"),
        "{stderr}"
    );
    assert_eq!(projects(&db.url), before, "nothing written");
    let annotated =
        twinaid_exchange::read_sheets("copy.xlsx", &std::fs::read(&copy).unwrap()).unwrap();
    let row37 = annotated[0].rows.iter().find(|r| r.number == 37).unwrap();
    assert!(
        row37.cells.last().unwrap().contains("519999"),
        "{:?}",
        row37.cells
    );

    // Fixed, it is imported; imported again, nothing is duplicated.
    let good = dir.path().join("good.xlsx");
    std::fs::write(&good, filled_template(&template, 40, None)).unwrap();
    let out = twinaid(&db.url, &["import", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("新增 40 条"));
    let out = twinaid(&db.url, &["--lang", "en", "import", good.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 added, 0 updated, 40 unchanged"));
    assert_eq!(projects(&db.url), before + 40);
}

#[test]
fn backup_restore_and_a_move_to_postgresql_and_back_keep_the_yearbook_counts_and_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    // A group travels with its programs.
    let group = dir.path().join("group");
    write_folder(
        &group,
        &[(
            "group.toml",
            "code = \"all\"\nname_zh = \"全部\"\nprograms = [\"zj-sc\"]\n",
        )],
    );
    ok(&db.url, &["load", group.to_str().unwrap()]);
    let same = |a: &str, b: &str| {
        assert_eq!(yearbook(a, 2009), yearbook(b, 2009), "yearbook");
        assert_eq!(
            ok(a, &["groups", "--format", "json"]),
            ok(b, &["groups", "--format", "json"]),
            "groups"
        );
        assert_eq!(
            ok(a, &["audit", "--limit", "1000000"]),
            ok(b, &["audit", "--limit", "1000000"]),
            "audit log"
        );
        let assessment = |d: &str| {
            ok(
                d,
                &[
                    "report",
                    "assessment",
                    "--program",
                    "zj-sc",
                    "--year",
                    "2009",
                    "--format",
                    "json",
                ],
            )
        };
        assert_eq!(assessment(a), assessment(b), "published assessment");
    };
    let backup = dir.path().join("backup.db");
    ok(&db.url, &["backup", backup.to_str().unwrap()]);
    let out = twinaid(&db.url, &["backup", backup.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "an existing file is never overwritten"
    );

    // Restored into an empty database, it is the same; into a full one, refused.
    let restored = format!("sqlite://{}", dir.path().join("restored.db").display());
    ok(&restored, &["restore", backup.to_str().unwrap()]);
    same(&db.url, &restored);
    let out = twinaid(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是空的"));

    // SQLite → PostgreSQL → SQLite, when a PostgreSQL server is at hand.
    if let Some(pg) = databases().into_iter().nth(1) {
        let out = twinaid(&db.url, &["copy", "--to", &pg.url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("SQLite → PostgreSQL"));
        same(&db.url, &pg.url);
        let back = format!("sqlite://{}", dir.path().join("back.db").display());
        ok(&pg.url, &["copy", "--to", &back]);
        same(&db.url, &back);
        // The moved database goes on working: new rows get fresh ids after the copied ones.
        let csv = dir.path().join("projects.csv");
        std::fs::write(
            &csv,
            "code,year,helper_unit,region_code,category,name_zh,amount\n2010-moved,2010,hangzhou,510822,school,迁移后新增,1\n",
        )
        .unwrap();
        ok(&pg.url, &["import", csv.to_str().unwrap()]);
    }
}

/// xmllint, when the machine has it; `TWINAID_XSD_TESTS=1` (set by `.ci/run`) makes its absence a failure.
fn xmllint() -> Option<&'static str> {
    let found = std::path::Path::new("/usr/bin/xmllint").exists();
    assert!(
        found || std::env::var("TWINAID_XSD_TESTS").is_err(),
        "TWINAID_XSD_TESTS is set but xmllint is not installed (apt-get install libxml2-utils)"
    );
    found.then_some("/usr/bin/xmllint")
}

#[test]
fn the_iati_export_is_valid_against_the_official_2_03_schema_and_keeps_the_totals() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zj-sc.xml");
    ok(&db.url, &["export", "iati", "-o", file.to_str().unwrap()]);
    let xml = std::fs::read_to_string(&file).unwrap();
    let activities = xml.matches("<iati-activity ").count();
    let yb = yearbook(&db.url, 2009);
    // Every project is an activity (all the demo's are of 2009), and the
    // money for no project one per helper unit and place: eight.
    assert_eq!(activities, 73 + 8, "the demo's projects and program funds");
    let disbursed: f64 = xml
        .split("<transaction-type code=\"3\"/>")
        .skip(1)
        .filter_map(|rest| {
            rest.split("\">")
                .nth(1)
                .and_then(|v| v.split('<').next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .sum();
    let aid = yb["indicators"]["aid_funds"]["from_records"]["year"]
        .as_f64()
        .unwrap();
    assert_eq!(
        disbursed, aid,
        "the file disburses every yuan of the year's aid funds"
    );
    assert!(xml.contains("<location ref=\"GB2260-510822\">") && xml.contains("xml:lang=\"zh\""));
    let Some(xmllint) = xmllint() else {
        eprintln!("skipped the schema check: xmllint not installed");
        return;
    };
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/iati/schema-2.03/iati-activities-schema.xsd");
    let out = Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_iati_export_imports_into_another_program_with_the_same_yearbook() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zj-sc.xml");
    ok(&db.url, &["export", "iati", "-o", file.to_str().unwrap()]);
    // An empty program with the demo's units and places, under another code.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let folder = dir.path().join("copy");
    std::fs::create_dir(&folder).unwrap();
    for name in ["units.csv", "regions.csv", "helped_regions.csv"] {
        std::fs::copy(demo.join(name), folder.join(name)).unwrap();
    }
    let toml = std::fs::read_to_string(demo.join("program.toml"))
        .unwrap()
        .replace("code = \"zj-sc\"", "code = \"zj-sc-copy\"");
    std::fs::write(folder.join("program.toml"), toml).unwrap();
    ok(&db.url, &["load", folder.to_str().unwrap()]);
    let out = twinaid(
        &db.url,
        &[
            "--lang",
            "en",
            "import",
            file.to_str().unwrap(),
            "--program",
            "zj-sc-copy",
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        !said.contains("recorded under") && !said.contains("skipped,"),
        "every unit and place matched, nothing skipped: {said}"
    );
    let of = |program: &str| -> Value {
        serde_json::from_str(&ok(
            &db.url,
            &[
                "report",
                "yearbook",
                "--program",
                program,
                "--year",
                "2009",
                "--format",
                "json",
            ],
        ))
        .unwrap()
    };
    let (before, after) = (of("zj-sc"), of("zj-sc-copy"));
    for indicator in [
        "aid_funds",
        "aid_funds_provincial_units",
        "aid_funds_cities",
        "schools",
        "hospitals",
        "roads_km",
        "new_villages",
        "beneficiaries",
        "students_benefited",
        "drinking_water_people",
        "small_ponds",
    ] {
        assert_eq!(
            after["indicators"][indicator]["from_records"]["year"],
            before["indicators"][indicator]["from_records"]["year"],
            "{indicator}"
        );
    }
    assert_eq!(
        after["indicators"]["aid_funds"]["from_records"]["year"],
        Value::from(36_200_000)
    );
}

/// A second program, Fujian helping Yanchi in Ningxia, small enough to
/// add up by hand: 2008 one school, 2009 a new village.
const FJ_NX: &[(&str, &str)] = &[
    (
        "program.toml",
        "code = \"fj-nx\"\nname_zh = \"闽宁协作\"\nname_en = \"Fujian–Ningxia\"\nstart_year = 2008\nhelping_region = \"350000\"\n",
    ),
    (
        "units.csv",
        "code,name_zh,name_en,kind,region_code,side\nxiamen,厦门市人民政府,Xiamen,city,350200,helping\n",
    ),
    ("helped_regions.csv", "region_code\n640323\n"),
    (
        "projects.csv",
        "code,year,helper_unit,region_code,category,name_zh,amount,beneficiaries\n\
         fj-2008-school,2008,xiamen,640323,school,盐池希望小学,500000,300\n\
         fj-2009-village,2009,xiamen,640323,new_village,盐池扶贫新村,1000000,700\n",
    ),
    (
        "indicators.csv",
        "code,name_zh,name_en,unit,kind,measure,filter,formula\n\
         aid_per_beneficiary,人均帮扶资金,aid per beneficiary,yuan,,,,aid_funds / beneficiaries\n",
    ),
];

/// A program of cooperation agreements for the distinct-count tests:
/// `rows` are (code, year, enterprise) in `county`.
fn agreements_program(
    code: &str,
    helping: &str,
    county: &str,
    rows: &[(&str, i32, &str)],
) -> Vec<(String, String)> {
    let mut agreements =
        String::from("code,year,helper_unit,region_code,name_zh,enterprise,value\n");
    for (c, year, enterprise) in rows {
        agreements.push_str(&format!(
            "{c},{year},{code}-unit,{county},协议 {c},{enterprise},1000\n"
        ));
    }
    vec![
        (
            "program.toml".to_string(),
            format!("code = \"{code}\"\nname_zh = \"{code}\"\nname_en = \"{code}\"\nstart_year = 2008\nhelping_region = \"{helping}\"\n"),
        ),
        (
            "units.csv".to_string(),
            format!("code,name_zh,name_en,kind,region_code,side\n{code}-unit,{code} 单位,{code} unit,city,{helping},helping\n"),
        ),
        ("helped_regions.csv".to_string(), format!("region_code\n{county}\n")),
        ("cooperation_agreements.csv".to_string(), agreements),
        (
            "indicators.csv".to_string(),
            "code,name_zh,name_en,unit,kind,measure,filter,formula\n\
             enterprises_signed,签约企业,enterprises that signed,count,cooperation_agreement,count_distinct:enterprise,,\n\
             agreements_per_enterprise,每家企业协议数,agreements per enterprise,count,,,,cooperation_agreements / enterprises_signed\n"
                .to_string(),
        ),
    ]
}

#[test]
fn added_choice_values_are_read_counted_imported_and_copied() {
    let dbs = databases();
    let db = dbs[0].url.as_str();
    ok(db, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("zj-sc");
    write_folder(
        &folder,
        &[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "choices.csv",
                "field,code,name_zh,name_en\nproject.category,nursing_home,敬老院,nursing home\n",
            ),
            // By its Chinese name, in the same folder that adds it.
            (
                "projects.csv",
                "code,year,helper_unit,region_code,category,name_zh,amount\n\
                 nh-1,2010,hangzhou,510822,敬老院,青川敬老院,200000\n",
            ),
            (
                "indicators.csv",
                "code,name_zh,name_en,unit,kind,measure,filter\n\
                 nursing_homes,援建敬老院,nursing homes built,count,project,count,category=nursing_home\n",
            ),
        ],
    );
    let out = twinaid(db, &["--lang", "en", "load", folder.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let homes = |db: &str| -> Value {
        let yb: Value = serde_json::from_str(&ok(
            db,
            &[
                "report",
                "yearbook",
                "--program",
                "zj-sc",
                "--year",
                "2010",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        yb["indicators"]["nursing_homes"]["year"].clone()
    };
    assert_eq!(homes(db), Value::from(1));
    // A sheet imported later takes it by its English name.
    let sheet = dir.path().join("projects.csv");
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,category,name_zh,amount\nnh-2,2010,hangzhou,510822,nursing home,苍溪敬老院,1\n",
    )
    .unwrap();
    ok(
        db,
        &["import", sheet.to_str().unwrap(), "--program", "zj-sc"],
    );
    assert_eq!(homes(db), Value::from(2));
    // A value no list has is refused naming the added one among the allowed.
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,category,name_zh,amount\nnh-3,2010,hangzhou,510822,养老院,某养老院,1\n",
    )
    .unwrap();
    let out = twinaid(
        db,
        &[
            "--lang",
            "en",
            "import",
            sheet.to_str().unwrap(),
            "--program",
            "zj-sc",
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("nursing_home"),
        "{said}"
    );
    // A built-in value's code or name cannot be added again; a field without a list takes none.
    let bad = dir.path().join("bad");
    write_folder(
        &bad,
        &[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "choices.csv",
                "field,code,name_zh\nproject.category,school,学校\nproject.name_zh,x,甲\n",
            ),
        ],
    );
    let out = twinaid(db, &["--lang", "en", "load", bad.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("choices.csv, row 2, column code")
            && said.contains("already a built-in value of project.category")
            && said.contains("choices.csv, row 3, column field"),
        "{said}"
    );
    // The values travel with the database: SQLite → PostgreSQL → SQLite.
    if let Some(pg) = dbs.get(1) {
        ok(db, &["copy", "--to", &pg.url]);
        assert_eq!(homes(&pg.url), Value::from(2));
        let back = format!("sqlite://{}", dir.path().join("back.db").display());
        ok(&pg.url, &["copy", "--to", &back]);
        assert_eq!(homes(&back), Value::from(2));
        let listed = ok(&back, &["--lang", "en", "indicators"]);
        assert!(listed.contains("nursing_homes"), "{listed}");
    }
}

#[test]
fn added_fields_are_read_summed_filtered_imported_and_copied() {
    let dbs = databases();
    let db = dbs[0].url.as_str();
    ok(db, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("zj-sc");
    write_folder(
        &folder,
        &[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "fields.csv",
                "kind,code,name_zh,name_en,type,choices,required,help_zh,help_en\n\
                 labour_transfer,income,劳务收入（元）,labour service income (yuan),money,,no,全年劳务收入,income over the year\n\
                 exchange_visit,provincial_leaders,省级领导人次,provincial leaders,person_times,,,,\n\
                 exchange_visit,level,互访级别,visit level,choice,provincial=省级=provincial|city=市级=city,,,\n",
            ),
            (
                "labour_transfers.csv",
                "code,year,helper_unit,region_code,people,income\n\
                 lt-1,2010,hangzhou,510822,10,50000.50\n\
                 lt-2,2010,hangzhou,510822,5,20000\n",
            ),
            (
                "exchange_visits.csv",
                "code,year,helper_unit,region_code,kind,title_zh,provincial_leaders,level\n\
                 ev-1,2010,hangzhou,510822,leaders,省领导考察,3,省级\n\
                 ev-2,2010,hangzhou,510822,department,部门互访,,city\n",
            ),
            (
                "indicators.csv",
                "code,name_zh,name_en,unit,kind,measure,filter\n\
                 labour_income,劳务收入,labour service income,yuan,labour_transfer,sum:income,\n\
                 provincial_leaders,省级领导,provincial leaders,person_times,exchange_visit,sum:provincial_leaders,\n\
                 provincial_visits,省级互访,provincial visits,count,exchange_visit,count,level=provincial\n",
            ),
        ],
    );
    let out = twinaid(db, &["--lang", "en", "load", folder.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures = |db: &str| -> (Value, Value, Value) {
        let yb: Value = serde_json::from_str(&ok(
            db,
            &[
                "report",
                "yearbook",
                "--program",
                "zj-sc",
                "--year",
                "2010",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let f = |code: &str| yb["indicators"][code]["year"].clone();
        (
            f("labour_income"),
            f("provincial_leaders"),
            f("provincial_visits"),
        )
    };
    assert_eq!(
        figures(db),
        (Value::from(70_000.5), Value::from(3), Value::from(1))
    );
    // A sheet with the added column, by its label.
    let sheet = dir.path().join("labour_transfers.csv");
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,劳务收入（元）\nlt-3,2010,hangzhou,510822,1000\n",
    )
    .unwrap();
    ok(
        db,
        &["import", sheet.to_str().unwrap(), "--program", "zj-sc"],
    );
    assert_eq!(figures(db).0, Value::from(71_000.5));
    // A bad value of an added field is refused at its row and column.
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,income\nlt-4,2010,hangzhou,510822,lots\n",
    )
    .unwrap();
    let out = twinaid(
        db,
        &[
            "--lang",
            "en",
            "import",
            sheet.to_str().unwrap(),
            "--program",
            "zj-sc",
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("column income"),
        "{said}"
    );
    // Hidden: a sheet without the column writes the record again and keeps
    // the stored value; its type cannot change.
    let hide = dir.path().join("hide");
    write_folder(
        &hide,
        &[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "fields.csv",
                "kind,code,name_zh,type,hidden\nlabour_transfer,income,劳务收入,money,yes\n",
            ),
        ],
    );
    ok(db, &["load", hide.to_str().unwrap()]);
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,people\nlt-1,2010,hangzhou,510822,11\n",
    )
    .unwrap();
    ok(
        db,
        &["import", sheet.to_str().unwrap(), "--program", "zj-sc"],
    );
    assert_eq!(figures(db).0, Value::from(71_000.5), "lt-1's income kept");
    std::fs::write(
        hide.join("fields.csv"),
        "kind,code,name_zh,type,hidden\nlabour_transfer,income,劳务收入,text,no\n",
    )
    .unwrap();
    let out = twinaid(db, &["--lang", "en", "load", hide.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("fields.csv, row 2, column type"),
        "{said}"
    );
    std::fs::write(
        hide.join("fields.csv"),
        "kind,code,name_zh,type,hidden\nlabour_transfer,income,劳务收入,money,no\n",
    )
    .unwrap();
    ok(db, &["load", hide.to_str().unwrap()]);
    // Bad definitions are named by row and column.
    let bad = dir.path().join("bad");
    write_folder(
        &bad,
        &[
            ("program.toml", "code = \"zj-sc\"\n"),
            (
                "fields.csv",
                "kind,code,name_zh,type,choices\nproject,amount,金额,money,\nproject,Level,级别,choice,\nvillage,x,甲,decimal,\n",
            ),
        ],
    );
    let out = twinaid(db, &["--lang", "en", "load", bad.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    for place in [
        "fields.csv, row 2, column code",
        "fields.csv, row 3, column code",
        "fields.csv, row 3, column choices",
        "fields.csv, row 4, column kind",
        "fields.csv, row 4, column type",
    ] {
        assert!(said.contains(place), "{place}: {said}");
    }
    // The values travel with the database, and are still counted from the
    // records after it: a new record's slice is counted again from all of them.
    if let Some(pg) = dbs.get(1) {
        ok(db, &["copy", "--to", &pg.url]);
        assert_eq!(figures(&pg.url).0, Value::from(71_000.5));
        let back = format!("sqlite://{}", dir.path().join("back.db").display());
        ok(&pg.url, &["copy", "--to", &back]);
        std::fs::write(
            &sheet,
            "code,year,helper_unit,region_code,income\nlt-5,2010,hangzhou,510822,9\n",
        )
        .unwrap();
        ok(
            &back,
            &["import", sheet.to_str().unwrap(), "--program", "zj-sc"],
        );
        assert_eq!(figures(&back).0, Value::from(71_009.5));
        ok(
            &pg.url,
            &["import", sheet.to_str().unwrap(), "--program", "zj-sc"],
        );
        assert_eq!(figures(&pg.url).0, Value::from(71_009.5));
    }
}

#[test]
fn an_added_record_kind_is_loaded_counted_with_its_change_and_added_up_in_a_group() {
    let dbs = databases();
    let db = dbs[0].url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let group = dir.path().join("g");
    // The kind and its field are the group's, for all its programs.
    write_folder(
        &group,
        &[
            ("group.toml", "code = \"g\"\nname_zh = \"组\"\n"),
            (
                "kinds.csv",
                "code,name_zh,name_en\nvolunteer,志愿服务,volunteer service\n",
            ),
            (
                "fields.csv",
                "kind,code,name_zh,name_en,type,required\nvolunteer,person_times,服务人次,person-times,person_times,yes\n",
            ),
        ],
    );
    let program = |code: &str, helping: &str, county: &str, rows: &str, indicators: bool| {
        let mut files = vec![
            (
                "program.toml".to_string(),
                format!(
                    "code = \"{code}\"\nname_zh = \"{code}\"\nname_en = \"{code}\"\nstart_year = 2008\nhelping_region = \"{helping}\"\n"
                ),
            ),
            (
                "units.csv".to_string(),
                format!(
                    "code,name_zh,name_en,kind,region_code,side\n{code}-unit,{code} 单位,{code} unit,city,{helping},helping\n"
                ),
            ),
            (
                "helped_regions.csv".to_string(),
                format!("region_code\n{county}\n"),
            ),
            (
                "custom_volunteer.csv".to_string(),
                format!("code,year,helper_unit,region_code,person_times\n{rows}"),
            ),
        ];
        if indicators {
            files.push((
                "indicators.csv".to_string(),
                "code,name_zh,name_en,unit,kind,measure\n\
                 volunteer_person_times,志愿服务人次,volunteer person-times,person_times,volunteer,sum:person_times\n\
                 volunteer_services,志愿服务次数,volunteer services,count,volunteer,count\n\
                 volunteer_units,开展志愿服务的单位,units volunteering,count,volunteer,count_distinct:helper_unit\n"
                    .to_string(),
            ));
        }
        files
    };
    let aa = program(
        "aa",
        "330000",
        "510822",
        "v1,2008,aa-unit,510822,100\nv2,2009,aa-unit,510822,50\nv3,2009,aa-unit,510822,25\n",
        true,
    );
    let bb = program(
        "bb",
        "350000",
        "640323",
        "w1,2009,bb-unit,640323,1000\n",
        false,
    );
    for (name, files) in [("aa", &aa), ("bb", &bb)] {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        write_folder(&group.join(name), &files);
    }
    ok(db, &["demo"]);
    let out = twinaid(db, &["--lang", "en", "load", group.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let of = |db: &str, args: &[&str]| -> Value {
        let mut all = vec!["report", "yearbook", "--year", "2009", "--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&ok(db, &all)).unwrap()
    };
    let f = |v: &Value, code: &str| {
        let f = &v["indicators"][code];
        (
            f["year"].clone(),
            f["previous_year"].clone(),
            f["change"].clone(),
            f["cumulative"].clone(),
        )
    };
    let n = Value::from;
    let aa_yb = of(db, &["--program", "aa"]);
    assert_eq!(
        f(&aa_yb, "volunteer_person_times"),
        (n(75), n(100), n(-25), n(175))
    );
    assert_eq!(f(&aa_yb, "volunteer_services"), (n(2), n(1), n(1), n(3)));
    assert_eq!(
        aa_yb["by_county"]["510822"]["indicators"]["volunteer_person_times"]["year"],
        n(75)
    );
    // Each unit once: aa's in 2008 and 2009; across the group, bb's too.
    assert_eq!(f(&aa_yb, "volunteer_units"), (n(1), n(1), n(0), n(1)));
    let g = of(db, &["--group", "g"]);
    assert_eq!(f(&g, "volunteer_person_times").0, n(1075));
    assert_eq!(f(&g, "volunteer_units").0, n(2));
    assert_eq!(
        g["by_helping_province"]["350000"]["indicators"]["volunteer_person_times"]["year"],
        n(1000)
    );
    // Loaded again, nothing changes; a record changed moves the figure.
    let again = twinaid(db, &["--lang", "en", "load", group.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("0 created, 0 updated"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::write(
        group.join("aa").join("custom_volunteer.csv"),
        "code,year,helper_unit,region_code,person_times\nv1,2008,aa-unit,510822,100\nv2,2009,aa-unit,510822,60\nv3,2009,aa-unit,510822,25\n",
    )
    .unwrap();
    ok(db, &["load", group.join("aa").to_str().unwrap()]);
    assert_eq!(
        f(&of(db, &["--group", "g"]), "volunteer_person_times").0,
        n(1085)
    );
    // Bad rows are named: a record of the kind without its required field or
    // with a unit of no program side, a kind that is built in, a distinct
    // count over a field the added kind does not have.
    let bad = dir.path().join("bad");
    write_folder(
        &bad,
        &[
            ("program.toml", "code = \"aa\"\n"),
            ("kinds.csv", "code,name_zh\nproject,项目\n"),
            (
                "custom_volunteer.csv",
                "code,year,helper_unit,region_code,person_times\nx1,2009,aa-unit,510822,\nx2,2009,nobody,510822,5\n",
            ),
            (
                "indicators.csv",
                "code,name_zh,unit,kind,measure\nvolunteers_distinct,志愿者,count,volunteer,count_distinct:nothing\n",
            ),
        ],
    );
    let out = twinaid(db, &["--lang", "en", "load", bad.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    for place in [
        "kinds.csv, row 2, column code",
        "custom_volunteer.csv, row 2, column person_times",
        "custom_volunteer.csv, row 3, column helper_unit",
        "volunteer has no field nothing",
    ] {
        assert!(said.contains(place), "{place}: {said}");
    }
    if let Some(pg) = dbs.get(1) {
        ok(db, &["copy", "--to", &pg.url]);
        assert_eq!(
            f(&of(&pg.url, &["--group", "g"]), "volunteer_person_times").0,
            n(1085)
        );
    }
}

#[test]
fn a_distinct_count_counts_each_value_once_in_a_program_and_across_a_group() {
    for db in databases() {
        let db = db.url.as_str();
        // The regions and built-in indicators come with the demo.
        ok(db, &["demo"]);
        let dir = tempfile::tempdir().unwrap();
        let group = dir.path().join("g");
        write_folder(
            &group,
            &[("group.toml", "code = \"g\"\nname_zh = \"组\"\n")],
        );
        // Zhejiang's program: A in 2008 and 2009, B twice in 2009, one without an enterprise.
        let aa = agreements_program(
            "aa",
            "330000",
            "510822",
            &[
                ("a1", 2008, "甲公司"),
                ("a2", 2009, "甲公司"),
                ("a3", 2009, "乙公司"),
                ("a4", 2009, "乙公司"),
                ("a5", 2009, ""),
            ],
        );
        // Fujian's: B (also Zhejiang's) and C in 2009, D in 2008.
        let bb = agreements_program(
            "bb",
            "350000",
            "640323",
            &[
                ("b1", 2009, "乙公司"),
                ("b2", 2009, "丙公司"),
                ("b3", 2008, "丁公司"),
            ],
        );
        for (name, files) in [("aa", &aa), ("bb", &bb)] {
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(f, t)| (f.as_str(), t.as_str()))
                .collect();
            write_folder(&group.join(name), &files);
        }
        let out = twinaid(db, &["--lang", "en", "load", group.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let of = |args: &[&str]| -> Value {
            let mut all = vec!["report", "yearbook", "--year", "2009", "--format", "json"];
            all.extend_from_slice(args);
            serde_json::from_str(&ok(db, &all)).unwrap()
        };
        let figures = |v: &Value| {
            let f = &v["indicators"]["enterprises_signed"];
            (
                f["year"].clone(),
                f["previous_year"].clone(),
                f["cumulative"].clone(),
                f["change"].clone(),
            )
        };
        let n = Value::from;
        assert_eq!(figures(&of(&["--program", "aa"])), (n(2), n(1), n(2), n(1)));
        assert_eq!(figures(&of(&["--program", "bb"])), (n(2), n(1), n(3), n(1)));
        let g = of(&["--group", "g"]);
        // 乙公司 signed with both programs: 3 in 2009, not 4; 4 in all, not 5.
        assert_eq!(figures(&g), (n(3), n(2), n(4), n(1)));
        assert_eq!(
            g["indicators"]["enterprises_signed"]["from_records"]["year"],
            n(3)
        );
        assert_eq!(
            g["by_program"]["aa"]["indicators"]["enterprises_signed"]["year"],
            n(2)
        );
        assert_eq!(
            g["by_helping_province"]["350000"]["indicators"]["enterprises_signed"]["year"],
            n(2)
        );
        assert_eq!(
            g["by_helped_province"]["510000"]["indicators"]["enterprises_signed"]["cumulative"],
            n(2)
        );
        // A formula over a distinct count: 6 agreements in 2009 for 3 enterprises.
        assert_eq!(g["indicators"]["agreements_per_enterprise"]["year"], n(2));
        assert_eq!(g["indicators"]["cooperation_agreements"]["year"], n(6));
        // A measure that is neither is refused by its row and column.
        let bad = dir.path().join("bad");
        let mut files = aa.clone();
        files[4].1 = "code,name_zh,unit,kind,measure\nx,甲,count,cooperation_agreement,distinct:enterprise\n".to_string();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        write_folder(&bad, &files);
        let out = twinaid(db, &["--lang", "en", "load", bad.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            said.contains("indicators.csv") && said.contains("count_distinct:FIELD"),
            "{said}"
        );
    }
}

#[test]
fn a_group_folder_loads_its_programs_and_its_yearbook_adds_them_up_with_formulas_from_the_sums() {
    for db in databases() {
        let db = db.url.as_str();
        ok(db, &["demo"]);
        let dir = tempfile::tempdir().unwrap();
        let group = dir.path().join("national");
        write_folder(
            &group,
            &[(
                "group.toml",
                "code = \"national\"\nname_zh = \"东西部协作（全国）\"\nname_en = \"East-West cooperation\"\n",
            )],
        );
        write_folder(&group.join("fj-nx"), FJ_NX);
        write_folder(
            &group.join("zj-sc"),
            &[("program.toml", "code = \"zj-sc\"\n")],
        );
        let out = twinaid(db, &["--lang", "en", "load", group.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{said}");
        assert!(
            said.contains("loaded program group national: fj-nx, zj-sc"),
            "{said}"
        );
        let out = twinaid(db, &["--lang", "en", "load", group.to_str().unwrap()]);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("program group national unchanged"),
            "loading again changes nothing"
        );
        let listed: Value = serde_json::from_str(&ok(db, &["groups", "--format", "json"])).unwrap();
        assert_eq!(listed[0]["programs"], serde_json::json!(["fj-nx", "zj-sc"]));

        let of = |args: &[&str]| -> Value {
            let mut all = vec!["report", "yearbook", "--year", "2009", "--format", "json"];
            all.extend_from_slice(args);
            serde_json::from_str(&ok(db, &all)).unwrap()
        };
        let g = of(&["--group", "national"]);
        let (zj, fj) = (of(&["--program", "zj-sc"]), of(&["--program", "fj-nx"]));
        assert_eq!(g["group"], "national");
        assert_eq!(g["program_name_en"], "East-West cooperation");
        let n = |v: &Value| v.as_f64().unwrap_or(0.0);
        for indicator in [
            "aid_funds",
            "schools",
            "roads_km",
            "beneficiaries",
            "new_villages",
        ] {
            for part in ["year", "cumulative"] {
                assert_eq!(
                    n(&g["indicators"][indicator][part]),
                    n(&zj["indicators"][indicator][part]) + n(&fj["indicators"][indicator][part]),
                    "{indicator} {part}"
                );
            }
            assert_eq!(
                g["by_program"]["fj-nx"]["indicators"][indicator]["year"],
                fj["indicators"][indicator]["year"]
            );
        }
        assert_eq!(
            g["indicators"]["aid_funds"]["year"],
            Value::from(37_200_000)
        );
        // zj-sc ran in 2008 but has it only inside 1996–2008: fj-nx's 2008
        // alone is not the group's, so there is no previous year or change.
        assert_eq!(zj["indicators"]["aid_funds"]["previous_year"], Value::Null);
        assert_eq!(
            g["by_program"]["fj-nx"]["indicators"]["aid_funds"]["previous_year"],
            Value::from(500_000)
        );
        assert_eq!(g["indicators"]["aid_funds"]["previous_year"], Value::Null);
        assert_eq!(g["indicators"]["aid_funds"]["change"], Value::Null);
        // The formula from the group's sums, not the programs' ratios added.
        let per_head = n(&g["indicators"]["aid_per_beneficiary"]["year"]);
        let expected = 37_200_000.0 / (n(&zj["indicators"]["beneficiaries"]["year"]) + 700.0);
        assert!(
            (per_head - expected).abs() < 0.01,
            "{per_head} vs {expected}"
        );
        assert_eq!(
            g["by_helping_province"]["350000"]["indicators"]["aid_funds"]["year"],
            Value::from(1_000_000)
        );
        assert_eq!(g["by_helping_province"]["350000"]["name_zh"], "福建省");
        assert_eq!(
            n(&g["by_helped_province"]["640000"]["indicators"]["aid_per_beneficiary"]["year"]),
            1_428.57,
            "1,000,000 yuan for 700 people"
        );
        assert_eq!(
            n(&g["by_helped_province"]["510000"]["indicators"]["aid_funds"]["year"]),
            n(&zj["indicators"]["aid_funds"]["year"])
        );
        assert!(g["by_county"]["640323"].is_object());
        // A table and a workbook of the same yearbook.
        let table = ok(
            db,
            &[
                "report", "yearbook", "--group", "national", "--year", "2009",
            ],
        );
        assert!(
            table.contains("按帮扶协作") && table.contains("闽宁协作 fj-nx"),
            "{table}"
        );
        let xlsx = dir.path().join("national.xlsx");
        ok(
            db,
            &[
                "report",
                "yearbook",
                "--group",
                "national",
                "--year",
                "2009",
                "--format",
                "xlsx",
                "-o",
                xlsx.to_str().unwrap(),
            ],
        );
        assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
        // The Word yearbook of the group's sums, by the group.
        let docx = dir.path().join("national.docx");
        ok(
            db,
            &[
                "--lang",
                "en",
                "report",
                "yearbook",
                "--group",
                "national",
                "--year",
                "2009",
                "--format",
                "docx",
                "-o",
                docx.to_str().unwrap(),
            ],
        );
        let text = docx_text(&docx);
        assert!(
            text.contains("East-West cooperation")
                && text.contains("Aid funds of 37,200,000 yuan were provided"),
            "{text}"
        );

        // Refusals that name what to do.
        let out = twinaid(
            db,
            &["report", "yearbook", "--group", "nowhere", "--year", "2009"],
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("帮扶协作组 nowhere 不存在"));
        let bad = dir.path().join("bad");
        write_folder(
            &bad,
            &[(
                "group.toml",
                "code = \"bad\"\nprograms = [\"zj-sc\", \"no-such\"]\n",
            )],
        );
        let out = twinaid(db, &["--lang", "en", "load", bad.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("program no-such does not exist"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            ok(db, &["groups", "--format", "json"])
                .matches("\"code\"")
                .count(),
            1
        );
        // Deleted, the group is gone and its programs stay; once only.
        let before: Value = serde_json::from_str(&ok(db, &["groups", "--format", "json"])).unwrap();
        let code = before[0]["code"].as_str().unwrap().to_string();
        ok(db, &["groups", "--delete", &code]);
        assert_eq!(
            ok(db, &["groups", "--format", "json"])
                .matches("\"code\"")
                .count(),
            0
        );
        let again = twinaid(db, &["--lang", "en", "groups", "--delete", &code]);
        assert!(!again.status.success());
        ok(
            db,
            &[
                "report",
                "yearbook",
                "--program",
                "zj-sc",
                "--year",
                "2009",
                "--format",
                "json",
            ],
        );
    }
}

#[test]
fn a_real_iati_file_imports_with_its_totals_and_again_duplicates_nothing() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/iati/samples/finland-mfa-activities-2.03.xml");
    let import = |lang: &str| {
        let out = twinaid(
            &db.url,
            &[
                "--lang",
                lang,
                "import",
                sample.to_str().unwrap(),
                "--helper-unit",
                "zj-coop-office",
                "--region",
                "510800",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let first = import("en");
    assert!(
        first.contains("6 activities, 6 projects and 9 fund transactions"),
        "{first}"
    );
    // The file disburses 3,520,633.0501 euro in 2020, each valued on
    // 2020-01-01, a holiday: at the bank's rate of 2019-12-31, 7.8205 yuan a
    // euro, 27,533,110.77 yuan (each transaction rounded to the fen).
    assert!(
        first.contains(
            "EUR disbursement: 4 transactions, 3,520,633.05 as written, 27,533,110.77 yuan"
        ),
        "the euro kept as written and converted: {first}"
    );
    let yb = yearbook(&db.url, 2020);
    assert_eq!(
        yb["indicators"]["aid_funds"]["year"],
        Value::from(27_533_110.77)
    );
    let again = import("en");
    assert!(
        again.contains("0 projects and 0 fund transactions"),
        "{again}"
    );
    assert_eq!(yearbook(&db.url, 2020), yb, "nothing counted twice");
}

/// The text of a .docx: its paragraphs, one per line.
fn docx_text(path: &Path) -> String {
    twinaid_exchange::document::docx_body_text(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_yearbook_document_carries_the_reports_figures_in_both_languages_from_editable_templates() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let zh = dir.path().join("yearbook-zh.docx");
    ok(
        &db.url,
        &[
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "docx",
            "-o",
            zh.to_str().unwrap(),
        ],
    );
    let text = docx_text(&zh);
    // Its charts are Word charts: aid funds by county and by source, in 万元.
    let charts = twinaid_exchange::chart::docx_chart_parts(&std::fs::read(&zh).unwrap()).unwrap();
    assert_eq!(charts.len(), 2);
    assert!(
        charts[0].contains("2009 年帮扶资金按受帮扶县（万元）"),
        "{}",
        charts[0]
    );
    assert!(charts[0].contains("<c:v>青川县</c:v>") && charts[0].contains("<c:v>380</c:v>"));
    assert!(charts[1].contains("<c:v>各市</c:v>") && charts[1].contains("<c:v>3046</c:v>"));
    assert!(
        !text.contains("twinaid-chart"),
        "every chart's place was filled"
    );
    for expected in [
        "全年投入帮扶资金 3,620 万元，其中省直单位 574 万元、各市 3,046 万元",
        "建设扶贫新村 24 个、学校 12 所、医院（卫生院）12 所，修建村级道路 79 公里，解决 30,000 人的饮水困难，资助“1+1”助学学生 820 名",
        "阆中市博树乡大桥投入帮扶资金 130 万元",
        "累计投入帮扶资金 41,600 万元",
        "基础设施建设",
        "经贸合作",
        "工作措施",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let en = dir.path().join("yearbook-en.docx");
    ok(
        &db.url,
        &[
            "--lang",
            "en",
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "docx",
            "-o",
            en.to_str().unwrap(),
        ],
    );
    let text = docx_text(&en);
    assert!(text.contains("Aid funds of 36,200,000 yuan were provided, of which 5,740,000 yuan from provincial units"), "{text}");
    // No Chinese sentence in the English document: only names (of places,
    // projects, units) may be Chinese, never a run of Chinese ending a sentence.
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for line in text.lines() {
        assert!(
            !(line.chars().filter(|c| han(*c)).count() > 12
                && (line.contains('。') || line.contains('；'))),
            "a Chinese sentence in the English document: {line}"
        );
    }
    // What the document says of itself, and tables on a fitted grid.
    let part = |file: &Path, name: &str| {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let core = part(&zh, "docProps/core.xml");
    assert!(
        core.contains("<dc:creator>浙江省经济技术协作办公室</dc:creator>")
            && core.contains("<dc:title>")
            && !core.contains("1970-01-01"),
        "{core}"
    );
    let body = part(&zh, "word/document.xml");
    assert!(body.contains("<w:tblGrid>") && body.contains(r#"w:type="fixed""#));
    let widths: Vec<usize> = body
        .split("<w:gridCol w:w=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert!(
        widths.iter().any(|w| *w != widths[0]),
        "columns fitted, not equal: {widths:?}"
    );
    // Every table fits between the margins the document itself sets.
    let attr = |tag: &str, name: &str| -> usize {
        let element = body.split(tag).nth(1).unwrap().split('>').next().unwrap();
        element
            .split(&format!("w:{name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{tag} {name} in {element}"))
    };
    let text_width = attr("<w:pgSz", "w") - attr("<w:pgMar", "left") - attr("<w:pgMar", "right");
    for grid in body.split("<w:tblGrid>").skip(1) {
        let width: usize = grid
            .split("</w:tblGrid>")
            .next()
            .unwrap()
            .split("<w:gridCol w:w=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse::<usize>().ok())
            .sum();
        assert!(
            width <= text_width,
            "a table fits the page: {width} > {text_width}"
        );
    }
    let footers: String = (1..=3)
        .filter_map(|n| {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&zh).unwrap()).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut zip.by_name(&format!("word/footer{n}.xml")).ok()?,
                &mut text,
            )
            .ok()?;
            Some(text)
        })
        .collect();
    assert!(footers.contains("PAGE"), "pages are numbered: {footers}");
    // The office's own template, a file it edits.
    let own = dir.path().join("templates");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(
        own.join("yearbook.zh.j2"),
        "# {{ year }} 年报\n\n本年帮扶资金 {{ f.aid_funds.year }} {{ f.aid_funds.unit }}，比上年{{ f.aid_funds.change_word or '（无上年数据）' }}。\n",
    )
    .unwrap();
    let custom = dir.path().join("custom.docx");
    ok(
        &db.url,
        &[
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "docx",
            "-o",
            custom.to_str().unwrap(),
            "--templates",
            own.to_str().unwrap(),
        ],
    );
    assert!(docx_text(&custom).contains("本年帮扶资金 3,620 万元，比上年（无上年数据）"));
    // A template that does not read is refused with what is wrong.
    std::fs::write(own.join("yearbook.zh.j2"), "{% if %}").unwrap();
    let out = twinaid(
        &db.url,
        &[
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "docx",
            "-o",
            custom.to_str().unwrap(),
            "--templates",
            own.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
}

/// A tool of poppler-utils, when the machine has it; `TWINAID_PDF_TESTS=1`
/// (set by `.ci/run`) makes its absence, or the fonts', a failure.
fn poppler(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    assert!(
        found || std::env::var("TWINAID_PDF_TESTS").is_err(),
        "TWINAID_PDF_TESTS is set but {tool} is not installed (apt-get install poppler-utils)"
    );
    found
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The share of a binary PPM page (as pdftoppm writes it) that is not white.
fn ink(ppm: &[u8]) -> f64 {
    // Header: P6, width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    let pixels = &ppm[at + 1..];
    let dark = pixels
        .chunks(3)
        .filter(|p| p.iter().map(|c| u32::from(*c)).sum::<u32>() < 3 * 200)
        .count();
    dark as f64 / (pixels.len() / 3) as f64
}

#[test]
fn the_yearbook_pdf_embeds_its_chinese_fonts_and_shows_the_reports_figures_on_its_pages() {
    let fonts = twinaid_exchange::pdf::PdfFonts::find(None, twinaid_domain::Lang::En);
    if fonts.is_err() && std::env::var("TWINAID_PDF_TESTS").is_err() {
        eprintln!("skipped: no Noto CJK fonts (apt-get install fonts-noto-cjk)");
        return;
    }
    fonts.expect("TWINAID_PDF_TESTS is set: the Noto CJK fonts must be installed");
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let zh = dir.path().join("yearbook-zh.pdf");
    let en = dir.path().join("yearbook-en.pdf");
    for (lang, file) in [("zh", &zh), ("en", &en)] {
        ok(
            &db.url,
            &[
                "--lang",
                lang,
                "report",
                "yearbook",
                "--program",
                "zj-sc",
                "--year",
                "2009",
                "--format",
                "pdf",
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert!(std::fs::read(file).unwrap().starts_with(b"%PDF-"));
    }
    // Without fonts the PDF is refused with what to install.
    let empty = tempfile::tempdir().unwrap();
    let out = twinaid(
        &db.url,
        &[
            "report",
            "yearbook",
            "--program",
            "zj-sc",
            "--year",
            "2009",
            "--format",
            "pdf",
            "-o",
            dir.path().join("none.pdf").to_str().unwrap(),
            "--fonts",
            empty.path().to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fonts-noto-cjk"));
    assert!(
        !dir.path().join("none.pdf").exists(),
        "nothing half-written"
    );
    if !poppler("pdftotext") || !poppler("pdffonts") || !poppler("pdftoppm") {
        return;
    }
    // Every font is embedded (as a subset, with its Unicode map).
    let fonts = run("pdffonts", &[zh.to_str().unwrap()]);
    let lines: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!lines.is_empty(), "{fonts}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("CJK") && l.contains(" yes yes yes ")),
        "{fonts}"
    );
    // The text reads back with the report's figures (lines joined as a reader would).
    let plain = |f: &Path| -> String {
        run("pdftotext", &[f.to_str().unwrap(), "-"])
            .lines()
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            // Page numbers (— 1 —) sit between a page's last line and the next page's first.
            .filter(|l| {
                let n = l.trim_matches('—');
                !(l.starts_with('—') && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            })
            .collect()
    };
    let text = plain(&zh);
    for expected in [
        "全年投入帮扶资金3,620万元，其中省直单位574万元、各市3,046万元",
        "阆中市博树乡大桥投入帮扶资金130万元",
        "2009年帮扶资金按受帮扶县（万元）",
        "工作措施",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(plain(&en).contains("Aidfundsof36,200,000yuanwereprovided"));
    // Every page renders, with ink on it: rendered at 40 dpi as the check.
    let pages = run("pdfinfo", &[zh.to_str().unwrap()])
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse::<usize>().unwrap())
        })
        .unwrap();
    assert!(pages >= 3, "{pages} pages");
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &["-r", "40", zh.to_str().unwrap(), prefix.to_str().unwrap()],
    );
    let mut rendered: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ppm"))
        .collect();
    rendered.sort();
    assert_eq!(rendered.len(), pages);
    for page in &rendered {
        let share = ink(&std::fs::read(page).unwrap());
        assert!(share > 0.005, "{} is blank ({share})", page.display());
    }
}

#[test]
fn serve_demo_on_a_fresh_database_prints_the_administrators_password() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_twinaid"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env(
            "TWINAID_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env_remove("TWINAID_LANG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("密码 ").nth(1) {
            password = rest.split('（').next().map(str::to_string);
        }
        if line.contains("已启动") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let password = password.expect("the demo administrator's password is printed");
    assert_eq!(password.len(), 16);
}

#[test]
fn audit_verify_names_what_was_changed_around_the_system_and_holds_across_engines() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let verify = |db: &str| twinaid(db, &["--lang", "en", "audit", "verify"]);
    for db in databases() {
        let db = db.url.as_str();
        ok(db, &["demo"]);
        let out = verify(db);
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{said} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("events, chain intact, figure summary matches the records"),
            "{said}"
        );
        let checkpoint = ok(db, &["audit", "checkpoint"]).trim().to_string();
        let tampers = [
            (
                "UPDATE audit_event SET actor = 'mallory' WHERE seq = 100",
                "audit event 100 (id",
            ),
            (
                "DELETE FROM audit_event WHERE seq = 200",
                "audit event 200 was deleted",
            ),
            (
                "UPDATE project SET amount = amount + 100 WHERE code = '2009-boshu-bridge'",
                "project zj-sc/2009-boshu-bridge: the stored value is not what its last audit event wrote",
            ),
        ];
        for (sql, named) in tampers {
            let dir = tempfile::tempdir().unwrap();
            let copy = format!("sqlite://{}", dir.path().join("copy.db").display());
            ok(db, &["copy", "--to", &copy]);
            assert_eq!(
                runtime
                    .block_on(twinaid_store::testing::execute(&copy, sql))
                    .unwrap(),
                1
            );
            let out = verify(&copy);
            let said = String::from_utf8_lossy(&out.stderr).to_string();
            assert_eq!(out.status.code(), Some(1), "{sql}: {said}");
            assert!(said.contains(named), "{sql}: {said}");
            // A kept checkpoint no longer holds once an event before it was edited.
            if sql.starts_with("UPDATE audit_event") {
                let out = twinaid(
                    &copy,
                    &[
                        "--lang",
                        "en",
                        "audit",
                        "verify",
                        "--checkpoint",
                        &checkpoint,
                    ],
                );
                assert_eq!(out.status.code(), Some(1));
            }
        }
        // To PostgreSQL and back: the chain still verifies, at the same checkpoint.
        if let Some(admin) = twinaid_store::testing::postgres_admin_url() {
            let pg = runtime
                .block_on(twinaid_store::testing::fresh_postgres_database(&admin))
                .unwrap();
            ok(db, &["copy", "--to", &pg]);
            assert!(verify(&pg).status.success());
            let dir = tempfile::tempdir().unwrap();
            let back = format!("sqlite://{}", dir.path().join("back.db").display());
            ok(&pg, &["copy", "--to", &back]);
            let out = twinaid(
                &back,
                &[
                    "--lang",
                    "en",
                    "audit",
                    "verify",
                    "--checkpoint",
                    &checkpoint,
                ],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("holds"));
        }
    }
}

#[test]
fn a_backup_is_one_file_that_a_plain_copy_carries_whole() {
    for db in databases() {
        let db = db.url.as_str();
        ok(db, &["demo"]);
        let dir = tempfile::tempdir().unwrap();
        let backup = dir.path().join("b.db");
        ok(db, &["backup", backup.to_str().unwrap()]);
        let beside: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(
            beside,
            vec!["b.db".to_string()],
            "no -wal or -shm beside it"
        );
        // What anyone would do with a backup: copy the file alone.
        let copy = dir.path().join("c.db");
        std::fs::copy(&backup, &copy).unwrap();
        std::fs::remove_file(&backup).unwrap();
        let copy_url = format!("sqlite://{}", copy.display());
        assert_eq!(
            ok(&copy_url, &["audit", "checkpoint"]),
            ok(db, &["audit", "checkpoint"])
        );
        assert!(twinaid(&copy_url, &["audit", "verify"]).status.success());
        // The backup checked on its own: integrity, tables, chain.
        let out = twinaid(db, &["backup", "--verify", copy.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("audit_event"));
    }
}

#[test]
fn a_synthetic_program_run_again_resumes_and_a_program_is_deleted_whole() {
    for db in databases() {
        let db = db.url.as_str();
        let generate = ["--lang", "en", "demo", "--synthetic", "--scale", "county"];
        let first = twinaid(db, &generate);
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let count = |db: &str| {
            let v: Value = serde_json::from_str(&ok(
                db,
                &[
                    "report",
                    "yearbook",
                    "--program",
                    "syn-county",
                    "--year",
                    "2020",
                    "--format",
                    "json",
                ],
            ))
            .unwrap();
            v["indicators"]["aid_funds"]["year"].clone()
        };
        let funds = count(db);
        // The same command again writes nothing twice: every kind and year is there.
        let again = twinaid(db, &generate);
        let said = String::from_utf8_lossy(&again.stderr);
        assert!(again.status.success(), "{said}");
        assert!(
            said.contains("resumed") && said.contains(": 0 records"),
            "{said}"
        );
        assert_eq!(count(db), funds);
        // Another seed is another program: refused, nothing changed.
        let other = twinaid(
            db,
            &["demo", "--synthetic", "--scale", "county", "--seed", "2"],
        );
        assert!(!other.status.success());
        // Deleting asks for confirmation; without a terminal it is refused.
        let unconfirmed = twinaid(db, &["--lang", "en", "program", "delete", "syn-county"]);
        assert!(!unconfirmed.status.success());
        assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
        assert_eq!(count(db), funds);
        let deleted = ok(
            db,
            &["--lang", "en", "program", "delete", "syn-county", "--yes"],
        );
        assert!(deleted.contains("deleted program syn-county"), "{deleted}");
        assert!(deleted.contains("project:"), "{deleted}");
        let gone = twinaid(
            db,
            &[
                "report",
                "yearbook",
                "--program",
                "syn-county",
                "--year",
                "2020",
            ],
        );
        assert!(!gone.status.success());
        // The chain and the figures still agree with what is stored, and the
        // removal is in the log.
        let verified = ok(db, &["--lang", "en", "audit", "verify"]);
        assert!(verified.contains("chain intact"), "{verified}");
        assert!(ok(db, &["audit", "--limit", "3"]).contains("syn-county"));
        // Generating again after the removal starts afresh.
        ok(db, &["demo"]);
        let regenerated = twinaid(db, &generate);
        assert!(regenerated.status.success());
        assert!(!String::from_utf8_lossy(&regenerated.stderr).contains("resumed"));
        assert_eq!(count(db), funds);
        assert!(ok(db, &["--lang", "en", "audit", "verify"]).contains("chain intact"));
    }
}

/// `twinaid` run in `dir` with only the given environment of its own.
fn twinaid_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_twinaid"));
    c.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TWINAID_") {
            c.env_remove(k);
        }
    }
    c.envs(env.iter().copied()).output().unwrap()
}

#[test]
fn settings_come_from_flags_then_environment_then_twinaid_toml_and_config_show_masks_passwords() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("twinaid.toml"),
        "database_url = \"postgres://app:s3cret@db.example/twinaid\"\n\
         listen = \"0.0.0.0:9000\"\n\
         max_rows = 5000\n\
         imports_at_once = 3\n",
    )
    .unwrap();
    let out = twinaid_in(
        dir.path(),
        &["--lang", "en", "config", "show", "--max-rows", "7"],
        &[("TWINAID_IMPORTS_AT_ONCE", "4")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("{key} in {shown}"))
            .to_string()
    };
    assert!(line("database_url").contains("postgres://app:***@db.example/twinaid"));
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        line("listen").contains("\"0.0.0.0:9000\"") && line("listen").contains("settings file")
    );
    assert!(line("max_rows").contains("= 7") && line("max_rows").contains("# flag"));
    assert!(
        line("imports_at_once").contains("= 4")
            && line("imports_at_once").contains("# environment"),
        "the environment over the file"
    );
    assert!(line("max_columns").contains("= 200") && line("max_columns").contains("default"));

    // A key the file should not have is refused with its line, before anything runs.
    std::fs::write(dir.path().join("twinaid.toml"), "\n\nlisen = \"x\"\n").unwrap();
    let out = twinaid_in(dir.path(), &["--lang", "en", "init"], &[]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("line 3") && said.contains("lisen"), "{said}");
    assert!(!dir.path().join("twinaid.db").exists(), "nothing was made");

    // A value that cannot work is refused before anything is made.
    for (file, key) in [
        ("listen = \"nonsense\"\n", "listen"),
        ("database_url = \"mysql://x\"\n", "database_url"),
        ("templates = \"/no/such/folder\"\n", "templates"),
        ("pool_size = \"8\"\n", "pool_size"),
        (
            "listen = \"127.0.0.1:8080\"\nmetrics_listen = \"127.0.0.1:8080\"\n",
            "metrics_listen",
        ),
    ] {
        std::fs::write(dir.path().join("twinaid.toml"), file).unwrap();
        let out = twinaid_in(dir.path(), &["--lang", "en", "serve", "--demo"], &[]);
        assert!(!out.status.success(), "{file}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(&format!("setting {key} ")), "{file}: {said}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("password"));
        assert!(
            !dir.path().join("twinaid.db").exists(),
            "{file}: nothing was made"
        );
    }

    // Half an HTTPS pair, and an impossible time zone, name the setting.
    std::fs::remove_file(dir.path().join("twinaid.toml")).unwrap();
    let out = twinaid_in(
        dir.path(),
        &["serve", "--tls-cert", "cert.pem"],
        &[("TWINAID_LANG", "en")],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls_key"));
    let out = twinaid_in(
        dir.path(),
        &["config", "show"],
        &[("TWINAID_TIME_ZONE", "Mars/Olympus")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("+08:00"));
}

#[test]
fn every_setting_is_in_the_operators_guide_and_the_example_file_which_reads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let example = root.join("deploy/twinaid.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = twinaid_in(
        dir.path(),
        &["config", "show", "--config", example.to_str().unwrap()],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    let guide = std::fs::read_to_string(root.join("docs/operations.md")).unwrap();
    let example = std::fs::read_to_string(example).unwrap();
    let keys: Vec<&str> = shown
        .lines()
        .filter(|l| !l.starts_with("# ") || l.contains(" ="))
        .filter_map(|l| l.trim_start_matches("# ").split(" =").next())
        .filter(|k| !k.is_empty() && !k.contains(' '))
        .collect();
    assert!(keys.len() >= 20, "{keys:?}");
    for key in keys {
        assert!(
            guide.contains(&format!("| `{key}` |")),
            "{key} is not in docs/operations.md"
        );
        assert!(
            example.contains(&format!("# {key} = ")),
            "{key} is not in deploy/twinaid.toml"
        );
        let flag = format!("--{}", key.replace('_', "-"));
        let env = format!("TWINAID_{}", key.to_ascii_uppercase());
        assert!(
            guide.contains(&format!("`{flag}` / `{env}`")),
            "{flag} / {env}"
        );
    }
}

#[test]
fn tokens_are_listed_and_a_token_no_one_made_cannot_be_revoked() {
    let db = &databases()[0];
    ok(&db.url, &["init"]);
    let listed = ok(&db.url, &["--lang", "en", "token", "list"]);
    assert!(listed.starts_with("    id  owner"), "{listed}");
    let out = twinaid(&db.url, &["--lang", "en", "token", "revoke", "999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("999"));
}

#[test]
fn accounts_are_listed_disabled_given_a_role_and_a_new_password_on_the_command_line() {
    let db = &databases()[0];
    ok(&db.url, &["init"]);
    let add = Command::new(env!("CARGO_BIN_EXE_twinaid"))
        .args([
            "--database-url",
            &db.url,
            "user",
            "add",
            "clerk",
            "--role",
            "viewer",
        ])
        .env_remove("TWINAID_LANG")
        .output()
        .unwrap();
    assert!(add.status.success());
    let en = |args: &[&str]| {
        let mut all = vec!["--lang", "en"];
        all.extend_from_slice(args);
        twinaid(&db.url, &all)
    };
    assert!(en(&["user", "disable", "clerk"]).status.success());
    let list = String::from_utf8(en(&["user", "list"]).stdout).unwrap();
    let line = list.lines().find(|l| l.starts_with("clerk")).unwrap();
    assert!(line.contains("disabled"), "{list}");
    assert!(en(&["user", "enable", "clerk"]).status.success());
    let set = en(&[
        "user",
        "set-role",
        "clerk",
        "--role",
        "helped_county",
        "--scope",
        "510822",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let list = String::from_utf8(en(&["user", "list"]).stdout).unwrap();
    let line = list.lines().find(|l| l.starts_with("clerk")).unwrap();
    assert!(
        line.contains("helped_county") && line.contains("510822") && line.contains("active"),
        "{list}"
    );
    let reset = String::from_utf8(en(&["user", "reset-password", "clerk"]).stdout).unwrap();
    assert!(reset.contains("new password for clerk"), "{reset}");
    let nobody = en(&["user", "disable", "nobody"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("nobody"));
    assert!(en(&["user", "unlock", "clerk"]).status.success());
    assert!(!en(&["user", "unlock", "nobody"]).status.success());
    // A script's token, made by the operator: the token alone on standard output.
    let made = en(&[
        "token",
        "add",
        "clerk",
        "--name",
        "nightly import",
        "--days",
        "5",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let token = String::from_utf8(made.stdout).unwrap();
    let token = token.trim();
    assert!(token.starts_with("twa_") && token.len() == 68, "{token}");
    let list = String::from_utf8(en(&["token", "list"]).stdout).unwrap();
    assert!(
        list.contains("nightly import") && list.contains("clerk"),
        "{list}"
    );
    assert!(!list.contains(token), "the token itself is never listed");
    let bad = en(&["token", "add", "clerk", "--name", "x", "--days", "9999"]);
    assert!(!bad.status.success());
    // The log in the program's time zone, with where each access came from.
    let log = String::from_utf8(en(&["audit", "--limit", "50"]).stdout).unwrap();
    let reset = log
        .lines()
        .find(|l| l.contains("\treset_password\t"))
        .unwrap_or_else(|| panic!("{log}"));
    let cells: Vec<&str> = reset.split('\t').collect();
    assert_eq!(cells.len(), 6, "{reset}");
    assert!(cells[0].ends_with("+08:00"), "{reset}");
    assert_eq!(cells[5], "cli", "{reset}");
}

#[test]
fn a_countys_fact_sheet_is_one_page_of_its_figures_pairings_and_projects_in_either_language() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let sheet = |lang: &str, region: &str, format: &str| -> std::path::PathBuf {
        let file = dir.path().join(format!("{region}-{lang}.{format}"));
        ok(
            &db.url,
            &[
                "--lang",
                lang,
                "report",
                "county",
                "--program",
                "zj-sc",
                "--region",
                region,
                "--year",
                "2009",
                "--format",
                format,
                "-o",
                file.to_str().unwrap(),
            ],
        );
        file
    };
    // Word first: it needs no fonts.
    let word = docx_text(&sheet("zh", "510822", "docx"));
    for expected in [
        "青川县 2009 年对口帮扶概况",
        "杭州市人民政府",
        "省对市",
        "青川希望小学",
    ] {
        assert!(word.contains(expected), "{expected} missing from:\n{word}");
    }
    // A place the program does not help is refused by its code.
    let out = twinaid(
        &db.url,
        &[
            "report",
            "county",
            "--program",
            "zj-sc",
            "--region",
            "110101",
            "--year",
            "2009",
            "-o",
            dir.path().join("none.pdf").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("110101"));
    let fonts = twinaid_exchange::pdf::PdfFonts::find(None, twinaid_domain::Lang::En);
    if fonts.is_err() && std::env::var("TWINAID_PDF_TESTS").is_err() {
        eprintln!("skipped the PDF: no Noto CJK fonts (apt-get install fonts-noto-cjk)");
        return;
    }
    if !poppler("pdftotext") || !poppler("pdfinfo") {
        return;
    }
    for region in ["510822", "511381", "511321"] {
        for lang in ["zh", "en"] {
            let pdf = sheet(lang, region, "pdf");
            let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
            assert!(
                info.lines()
                    .any(|l| l.starts_with("Pages:") && l.ends_with(" 1")),
                "{region} {lang} on one page: {info}"
            );
            let text = run("pdftotext", &[pdf.to_str().unwrap(), "-"]);
            if lang == "en" {
                let chinese: String = text
                    .chars()
                    .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                    .collect();
                assert!(
                    chinese.is_empty(),
                    "{region}: Chinese in English: {chinese}\n{text}"
                );
            }
        }
    }
    let qingchuan = run(
        "pdftotext",
        &[
            "-layout",
            dir.path().join("510822-zh.pdf").to_str().unwrap(),
            "-",
        ],
    );
    assert!(
        qingchuan.contains("青川县 2009 年对口帮扶概况") && qingchuan.contains("250.00"),
        "the county's aid funds in 万元: {qingchuan}"
    );
}

#[test]
fn the_offices_sector_table_decides_an_imported_activitys_category() {
    let db = &databases()[0];
    ok(&db.url, &["demo"]);
    // The program's folder with only its office's rows: rural development
    // and government sectors read as agriculture.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo.join("program.toml"), dir.path().join("program.toml")).unwrap();
    std::fs::write(
        dir.path().join("sector_categories.csv"),
        "sector,category\n910,agriculture\n91010,agriculture\n",
    )
    .unwrap();
    ok(&db.url, &["load", dir.path().to_str().unwrap()]);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/iati/samples/finland-mfa-activities-2.03.xml");
    let out = twinaid(
        &db.url,
        &[
            "--lang",
            "en",
            "import",
            sample.to_str().unwrap(),
            "--helper-unit",
            "zj-coop-office",
            "--region",
            "510800",
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("91010 → agriculture: 2"), "{said}");
    assert!(
        said.contains("12281 → hospital: 1"),
        "twinaid's table below: {said}"
    );
    // A bad row is refused by its file, row and column.
    std::fs::write(
        dir.path().join("sector_categories.csv"),
        "sector,category\n9101,agriculture\n",
    )
    .unwrap();
    let out = twinaid(&db.url, &["load", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("sector_categories.csv") && said.contains("9101"),
        "{said}"
    );
}
