//! Browser tests: headless Chromium driven over WebDriver (chromedriver) clicks
//! through the real pages of a real server. They run where chromedriver is
//! installed (`.ci/run` installs Debian's chromium and chromium-driver, and sets
//! TWINAID_BROWSER_TESTS=1 so that a missing driver fails instead of skipping).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

mod common;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use twinaid_app::{Actor, Role};

const PASSWORD: &str = "browser test password";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn driver_path() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

struct Driver {
    process: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Driver {
    async fn start(path: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        twinaid_web::install_tls_provider();
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1400,1000", format!("--user-data-dir={}", profile.path().display())]
        }}}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        let driver = Driver {
            process,
            base,
            session,
            http,
            _profile: profile,
        };
        // Elements of a page that is still loading are waited for, up to five seconds.
        driver
            .call(
                reqwest::Method::POST,
                "/timeouts",
                json!({"implicit": 5000, "pageLoad": 20000}),
            )
            .await;
        driver
    }

    /// Waits until an element's text is the expected one (a click may still be loading the next page).
    async fn wait_text(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            let found = self
                .call_lenient("/element", json!({"using": "css selector", "value": css}))
                .await;
            if let Some(e) = found.get(ELEMENT).and_then(Value::as_str) {
                last = self
                    .call_lenient(&format!("/element/{e}/text"), Value::Null)
                    .await
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if last == expected {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    /// Waits until an element's text contains `needle`; returns the text last seen.
    async fn wait_contains(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            let found = self
                .call_lenient("/element", json!({"using": "css selector", "value": css}))
                .await;
            if let Some(e) = found.get(ELEMENT).and_then(Value::as_str) {
                last = self
                    .call_lenient(&format!("/element/{e}/text"), Value::Null)
                    .await
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    /// A call whose failure (a stale element, a page mid-load) is an answer, not a panic.
    async fn call_lenient(&self, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let request = if body.is_null() {
            self.http.get(url)
        } else {
            self.http.post(url).json(&body)
        };
        match request.send().await {
            Ok(r) => r
                .json::<Value>()
                .await
                .map(|v| v["value"].clone())
                .unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let r = self
            .http
            .request(method, url)
            .json(&body)
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            json!({}),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", json!({}))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Saves a screenshot (base64 PNG) when TWINAID_SCREENSHOTS names a folder.
    async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("TWINAID_SCREENSHOTS") {
            let png = self
                .call(reqwest::Method::GET, "/screenshot", json!({}))
                .await;
            std::fs::write(
                Path::new(&dir).join(format!("{name}.png.b64")),
                png.as_str().unwrap_or_default(),
            )
            .unwrap();
        }
    }
}

async fn start_server() -> (String, tempfile::TempDir, twinaid_app::App) {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(&format!("sqlite://{}", dir.path().join("b.db").display())).await;
    let operator = Actor::local_operator();
    app.add_user(
        &operator,
        "office",
        "Office",
        PASSWORD,
        &Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    )
    .await
    .unwrap();
    let server = twinaid_web::Server::bind(app.clone(), "127.0.0.1:0")
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    (base, dir, app)
}

/// The chromedriver to use, or `None` when browser tests are to be skipped here.
fn driver_or_skip() -> Option<&'static str> {
    let path = driver_path();
    if path.is_none() {
        assert!(
            std::env::var("TWINAID_BROWSER_TESTS").is_err(),
            "TWINAID_BROWSER_TESTS is set but chromedriver is not installed"
        );
        eprintln!("skipped: chromedriver not installed (apt-get install chromium chromium-driver)");
    }
    path
}

impl Driver {
    /// Signs out whoever is signed in, then signs in as `user`.
    async fn sign_in_as(&self, base: &str, user: &str) {
        self.goto(&format!("{base}/signin")).await;
        if self.exists("#sign-out").await {
            self.click("#sign-out").await;
            self.wait_text("#sign-in", "登录").await;
        }
        self.type_into("#username", user).await;
        self.type_into("#password", PASSWORD).await;
        self.click("#sign-in").await;
        for _ in 0..50 {
            if !self.url().await.contains("/signin") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{user} could not sign in");
    }

    /// Ends the browser session, so that Chromium exits with the driver.
    async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }

    /// Chooses a file in a file input, as a person does with the file dialog.
    async fn choose_file(&self, css: &str, path: &Path) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": path.display().to_string()}),
        )
        .await;
    }

    /// Whether the page has an element, without waiting for one to appear.
    async fn exists(&self, css: &str) -> bool {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return document.querySelector(arguments[0]) !== null", "args": [css]}),
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// The whole text of the page.
    async fn page_text(&self) -> String {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return document.body.innerText", "args": []}),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }
}

#[tokio::test]
async fn a_person_signs_in_edits_a_project_switches_language_drills_down_and_signs_out() {
    let Some(path) = driver_or_skip() else {
        return;
    };
    let (base, _dir, _app) = start_server().await;
    let _dir = &_dir;
    let d = Driver::start(path).await;

    d.goto(&format!("{base}/")).await;
    assert_eq!(
        d.wait_text("#sign-in", "登录").await,
        "登录",
        "sent to sign in"
    );
    d.type_into("#username", "office").await;
    d.type_into("#password", PASSWORD).await;
    d.click("#sign-in").await;
    assert_eq!(
        d.wait_text("#figure-aid_funds .year", "3,620").await,
        "3,620",
        "the dashboard shows 2009's aid funds in 万元"
    );
    d.screenshot("dashboard").await;

    // Edit a project with a validation error on the way.
    d.goto(&format!(
        "{base}/records/project/2009-510822-school/edit?program=zj-sc"
    ))
    .await;
    d.type_into("#field-amount", "-5").await;
    d.click("#save").await;
    assert!(
        d.wait_contains("#error-amount", "负数")
            .await
            .contains("负数"),
        "the error sits next to the field"
    );
    d.screenshot("form-error").await;
    d.type_into("#field-amount", "500000").await;
    d.click("#save").await;
    assert_eq!(d.wait_text("#saved", "已保存").await, "已保存");

    // Create a project through the form.
    d.goto(&format!("{base}/records/project/new?program=zj-sc"))
        .await;
    d.type_into("#field-code", "2009-qc-browser").await;
    d.click("#field-helper_unit option[value='hangzhou']").await;
    d.click("#field-region_code option[value='510822']").await;
    d.click("#field-category option[value='school']").await;
    d.type_into("#field-name_zh", "浏览器测试小学").await;
    d.type_into("#field-amount", "100000").await;
    d.click("#save").await;
    assert_eq!(d.wait_text("#saved", "已保存").await, "已保存");

    // The yearbook moved by both amounts: 3,620 + 10 + 10 万元.
    d.goto(&format!("{base}/yearbook?program=zj-sc&year=2009"))
        .await;
    assert_eq!(d.wait_text("#row-aid_funds .year", "3,640").await, "3,640");

    // Switch language; the choice is remembered on the next page.
    d.click("a.lang").await;
    assert_eq!(
        d.wait_text("#row-aid_funds .year", "36,400,000").await,
        "36,400,000"
    );
    d.screenshot("yearbook-en").await;

    // Drill down from the figure: the list's total is the figure.
    d.click("#row-aid_funds .year").await;
    assert_eq!(
        d.wait_text("#drill-total", "36,400,000").await,
        "36,400,000"
    );
    assert_eq!(
        d.wait_text("#total-rows", "74").await,
        "74",
        "the 2009 projects, the new one among them"
    );
    d.screenshot("drill-down").await;

    // Filtering a list swaps the list in place (htmx) and keeps the filter in the address.
    d.goto(&format!("{base}/records/project?program=zj-sc&year=2009"))
        .await;
    assert_eq!(d.wait_text("#total-rows", "74").await, "74");
    d.click("#filters select[name='region'] option[value='510822']")
        .await;
    d.click("#filters button[type='submit']").await;
    assert_eq!(
        d.wait_text("#total-rows", "7").await,
        "7",
        "Qingchuan's six projects and the new one"
    );
    assert!(d.url().await.contains("region=510822"));

    // The charts and the map are drawn from the same figures.
    d.goto(&format!("{base}/?program=zj-sc&year=2009")).await;
    assert_eq!(
        d.wait_text("#figure-aid_funds .year", "36,400,000").await,
        "36,400,000"
    );
    for _ in 0..50 {
        let drawn = d.call(reqwest::Method::POST, "/execute/sync", json!({"script": "return document.querySelectorAll('#chart-map canvas').length", "args": []})).await;
        if drawn.as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let charts = d.call(reqwest::Method::POST, "/execute/sync", json!({"script": "return document.querySelectorAll('.chart canvas').length", "args": []})).await;
    assert_eq!(
        charts.as_i64(),
        Some(5),
        "four charts and the map are drawn"
    );
    d.call(
        reqwest::Method::POST,
        "/execute/sync",
        json!({"script": "window.scrollTo(0, 520)", "args": []}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    d.screenshot("charts").await;
    d.call(
        reqwest::Method::POST,
        "/execute/sync",
        json!({"script": "document.getElementById('chart-map').scrollIntoView()", "args": []}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    d.screenshot("map").await;

    // A sheet imported through the upload form (its progress bar and all).
    let sheet = _dir.path().join("trainings.csv");
    std::fs::write(
        &sheet,
        "code,year,helper_unit,region_code,kind,title_zh,participants\n2010-browser-training,2010,hangzhou,510822,practical,浏览器导入培训,45\n",
    )
    .unwrap();
    d.goto(&format!("{base}/records/training/import?program=zj-sc"))
        .await;
    // The page's script watches the form: the upload and the server's progress show on the bar.
    let watched = d.call(reqwest::Method::POST, "/execute/sync", json!({"script": "return document.getElementById('import-form').getAttribute('data-progress')", "args": []})).await;
    assert_eq!(
        watched.as_str(),
        Some("on"),
        "the import page runs its script"
    );
    d.choose_file("#import-file", &sheet).await;
    d.click("#import").await;
    assert!(
        d.wait_contains("#notice", "1 added")
            .await
            .contains("1 added"),
        "the list says what the import did"
    );

    d.click("#sign-out").await;
    assert_eq!(d.wait_text("#sign-in", "Sign in").await, "Sign in");
    d.goto(&format!("{base}/yearbook")).await;
    assert!(d.url().await.contains("/signin"), "signed out for good");
    d.quit().await;
}

/// A whole year (2010, which the demo leaves empty) run through the pages by
/// the roles that own each step: guidance → plan → proposal → verification and
/// registration → progress → cross-examination → expert scores → satisfaction
/// → assessment → publication; each role sees only the steps that are its own.
#[tokio::test]
async fn a_year_is_run_through_the_pages_by_the_roles_that_own_each_step() {
    let Some(path) = driver_or_skip() else {
        return;
    };
    let (base, dir, app) = start_server().await;
    let operator = Actor::local_operator();
    for (name, role) in [
        (
            "hz",
            Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        ),
        (
            "qc",
            Role::HelpedCounty {
                region: "510822".into(),
            },
        ),
        ("expert1", Role::Expert),
    ] {
        app.add_user(&operator, name, name, PASSWORD, &role)
            .await
            .unwrap();
    }
    let d = Driver::start(path).await;
    let at = |page: &str| format!("{base}{page}?program=zj-sc&year=2010");

    // 1. The office issues the 2010 guidance.
    d.sign_in_as(&base, "office").await;
    d.goto(&at("/guidance")).await;
    assert!(d.exists("#no-guidance").await);
    d.type_into(
        "#guidance-form input[name='title']",
        "2010年对口帮扶工作指导意见",
    )
    .await;
    d.type_into("#guidance-form input[name='year_from']", "2010")
        .await;
    d.type_into("#weight-aid_funds", "100").await;
    d.type_into("#guidance-form textarea[name='rubric']", "项目管理 = 100")
        .await;
    d.click("#issue").await;
    assert!(
        d.wait_contains("#current-guidance h2", "2010年对口帮扶工作指导意见")
            .await
            .contains("2010年对口帮扶工作指导意见"),
        "the guidance is in force"
    );

    // 2. Hangzhou drafts its plan and submits it; it cannot issue guidance.
    d.sign_in_as(&base, "hz").await;
    d.goto(&at("/guidance")).await;
    assert!(d.exists("#current-guidance").await && !d.exists("#guidance-form").await);
    d.goto(&at("/plans/hangzhou")).await;
    d.click("#target-form select[name='indicator'] option[value='aid_funds']")
        .await;
    d.click("#target-form select[name='region_code'] option[value='510822']")
        .await;
    d.type_into("#target-form input[name='target']", "2000000")
        .await;
    d.click("#target-form button[type='submit']").await;
    assert_eq!(
        d.wait_text("#targets tbody td.num", "200 万元").await,
        "200 万元"
    );
    d.click("#submit-plan").await;
    assert!(
        d.wait_contains("#plan-status", "提交")
            .await
            .contains("提交")
    );
    assert!(
        !d.exists("#approve-plan").await,
        "a unit does not approve its own plan"
    );

    // 3. The office approves it.
    d.sign_in_as(&base, "office").await;
    d.goto(&at("/plans/hangzhou")).await;
    d.click("#approve-plan").await;
    assert_eq!(
        d.wait_text("#plan-status", "已批准（锁定）").await,
        "已批准（锁定）"
    );

    // 4. Hangzhou proposes a project in Qingchuan.
    d.sign_in_as(&base, "hz").await;
    d.goto(&format!(
        "{base}/records/project/new?program=zj-sc&year=2010"
    ))
    .await;
    // Picked from lists only: the unit is its own, the year the page's,
    // the county one of its pairings; the code is made.
    assert_eq!(
        d.wait_text(
            "#field-helper_unit option:checked",
            "杭州市人民政府 hangzhou"
        )
        .await,
        "杭州市人民政府 hangzhou"
    );
    assert!(
        !d.exists("#field-helper_unit option:nth-child(2)").await,
        "a unit picks only itself"
    );
    assert!(
        !d.exists("#field-status").await,
        "status moves by steps only"
    );
    assert!(d.exists("#help-region_code").await);
    d.click("#field-region_code option[value='510822']").await;
    d.click("#field-category option[value='school']").await;
    d.type_into("#field-name_zh", "青川县希望小学（测试）")
        .await;
    d.type_into("#field-amount", "-5").await;
    d.click("#save").await;
    assert!(
        d.wait_contains("#form-error a[href='#field-amount']", "负数")
            .await
            .contains("负数"),
        "the summary links to the field in error"
    );
    let focused = d
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return document.activeElement.id + ' ' + document.getElementById('field-amount').getAttribute('aria-invalid') + ' ' + document.getElementById('field-amount').getAttribute('aria-describedby')", "args": []}),
        )
        .await;
    assert_eq!(
        focused.as_str().unwrap_or_default(),
        "form-error true help-amount error-amount"
    );
    d.type_into("#field-amount", "500000").await;
    d.click("#save").await;
    assert_eq!(d.wait_text("#saved", "已保存").await, "已保存");
    assert!(
        d.url()
            .await
            .contains("/records/project/2010-510822-school-001?"),
        "the code is made from year, county and category: {}",
        d.url().await
    );
    assert_eq!(
        d.wait_text("#status", "已申报").await,
        "已申报",
        "a unit's project starts as proposed"
    );
    assert!(
        !d.exists("#step-verified").await,
        "a unit does not verify its own project"
    );

    // 5. The office verifies and registers it.
    d.sign_in_as(&base, "office").await;
    d.goto(&format!(
        "{base}/records/project/2010-510822-school-001?program=zj-sc"
    ))
    .await;
    d.click("#step-verified").await;
    assert_eq!(d.wait_text("#status", "已核查").await, "已核查");
    d.click("#step-registered").await;
    assert_eq!(d.wait_text("#status", "已登记").await, "已登记");

    // 6. Qingchuan reports beneficiaries and progress to completion.
    d.sign_in_as(&base, "qc").await;
    d.goto(&format!(
        "{base}/records/project/2010-510822-school-001/edit?program=zj-sc"
    ))
    .await;
    d.type_into("#field-beneficiaries", "320").await;
    d.click("#save").await;
    assert_eq!(d.wait_text("#saved", "已保存").await, "已保存");
    d.click("#step-in_progress").await;
    assert_eq!(d.wait_text("#status", "实施中").await, "实施中");
    d.click("#step-completed").await;
    assert_eq!(d.wait_text("#status", "已完工").await, "已完工");
    d.goto(&at("/inspections")).await;
    assert!(
        d.page_text().await.contains("403") || !d.exists("#inspections").await,
        "a county does not see the inspection round"
    );

    // 7. The office draws the cross-examination.
    d.sign_in_as(&base, "office").await;
    d.goto(&at("/inspections")).await;
    d.type_into("#seed", "2010").await;
    d.click("#draw").await;
    assert_eq!(
        d.wait_text(
            "#inspection-2010-510822-school-001 td",
            "2010-510822-school-001"
        )
        .await,
        "2010-510822-school-001"
    );
    let (_, drawn) = app.inspections(&operator, "zj-sc", 2010).await.unwrap();
    let inspector = drawn
        .iter()
        .find(|i| i.project == "2010-510822-school-001")
        .map(|i| i.inspector_unit.clone())
        .expect("the project is drawn");
    assert_ne!(inspector, "hangzhou", "never inspected by itself");
    app.add_user(
        &operator,
        "inspector",
        "inspector",
        PASSWORD,
        &Role::HelperUnit {
            unit: inspector.clone(),
        },
    )
    .await
    .unwrap();

    // 8. The inspecting unit records a finding that demands rectification;
    //    Hangzhou answers; the inspector closes it.
    let row = "#inspection-2010-510822-school-001";
    d.sign_in_as(&base, "inspector").await;
    d.goto(&at("/inspections")).await;
    d.type_into(&format!("{row} input[name='rating']"), "90")
        .await;
    d.type_into(&format!("{row} input[name='issues']"), "账目不全")
        .await;
    d.click(&format!("{row} input[name='rectification_required']"))
        .await;
    d.click(&format!("{row} form[action*='finding'] button"))
        .await;
    assert_eq!(d.wait_text(&format!("{row} td.num"), "90").await, "90");
    let photo = dir.path().join("现场照片.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n photo").unwrap();
    d.choose_file(&format!("{row} form.attach input[type='file']"), &photo)
        .await;
    d.click(&format!("{row} form.attach button")).await;
    assert!(
        d.wait_contains(&format!("{row} ul.attachments"), "现场照片.png")
            .await
            .contains("现场照片.png"),
        "the photo is listed with the finding"
    );
    d.sign_in_as(&base, "hz").await;
    d.goto(&at("/inspections")).await;
    assert!(
        !d.exists(&format!("{row} form[action*='finding']")).await,
        "a unit does not rate its own project"
    );
    d.type_into(&format!("{row} input[name='answer']"), "已补齐账目")
        .await;
    d.click(&format!("{row} form[action*='answer'] button"))
        .await;
    assert!(
        d.wait_contains(&format!("{row} td:nth-child(6)"), "已补齐账目")
            .await
            .contains("已补齐账目")
    );
    d.sign_in_as(&base, "inspector").await;
    d.goto(&at("/inspections")).await;
    d.click(&format!("{row} form[action*='close'] button"))
        .await;
    assert!(
        d.wait_contains(&format!("{row} td:last-child"), "已结束")
            .await
            .contains("已结束"),
        "closed by the inspector"
    );

    // 9. The office assigns an expert, who scores once.
    d.sign_in_as(&base, "office").await;
    d.goto(&format!(
        "{base}/records/project/2010-510822-school-001?program=zj-sc"
    ))
    .await;
    assert_eq!(
        d.wait_text("#status", "已验收").await,
        "已验收",
        "closing the inspection marks the project inspected"
    );
    d.goto(&at("/experts")).await;
    d.click("form.filters select[name='expert'] option[value='expert1']")
        .await;
    d.click("form.filters select[name='unit'] option[value='hangzhou']")
        .await;
    d.click("form.filters button").await;
    assert!(
        d.wait_contains("#assignments tbody", "expert1")
            .await
            .contains("expert1")
    );
    d.sign_in_as(&base, "expert1").await;
    d.goto(&at("/experts")).await;
    d.type_into("#assignments input[name='item.项目管理']", "80")
        .await;
    d.click("#assignments form button").await;
    assert!(
        d.wait_contains("#assignments .scores", "项目管理 80")
            .await
            .contains("项目管理 80")
    );
    assert!(
        !d.exists("#assignments form").await,
        "scores are locked once submitted"
    );
    d.goto(&at("/assessment")).await;
    assert!(
        !d.exists("#ranking").await,
        "an expert does not see the ranking"
    );

    // 10. Qingchuan rates its helper's work.
    d.sign_in_as(&base, "qc").await;
    d.goto(&at("/assessment")).await;
    d.click("#rate-unit option[value='hangzhou']").await;
    d.type_into("#rate-rating", "90").await;
    d.type_into("#rate-comment", "满意").await;
    d.click("#rate").await;
    assert!(d.wait_contains("#ratings tbody", "90").await.contains("90"));
    assert!(!d.exists("#publish").await, "a county does not publish");

    // 11. The office reads the assessment, opens the unit's report, follows
    //     its first line to the records, and publishes.
    // statistical (25 points of 100, satisfaction 90): (25 × 1 + 90) / 2 = 57.5;
    // total 0.5 × 57.5 + 0.3 × 90 + 0.2 × 80 = 71.75, grade 一般.
    d.sign_in_as(&base, "office").await;
    d.goto(&at("/assessment")).await;
    assert_eq!(d.wait_text("#ranking tbody strong", "71.75").await, "71.75");
    d.click("#report-hangzhou").await;
    assert_eq!(d.wait_text("#grade", "一般").await, "一般");
    let explanation = d.wait_contains("#explanation", "= 71.75").await;
    assert!(
        explanation.contains("(25.00 × 1 + 90.00) ÷ 2"),
        "{explanation}"
    );
    assert!(explanation.contains("= 71.75"), "{explanation}");
    d.screenshot("assessment-report").await;
    d.click("#explanation li:first-child a").await;
    assert_eq!(
        d.wait_text("#drill-total", "50").await,
        "50",
        "the indicator line opens the records it counts (50 万元)"
    );
    d.goto(&at("/assessment")).await;
    d.click("#publish").await;
    d.call(reqwest::Method::POST, "/alert/accept", json!({}))
        .await;
    assert!(d.wait_contains("#published", "已由").await.contains("已由"));
    assert!(!d.exists("#publish").await, "published once");

    // 12. After publishing, the county may not rate any more.
    d.sign_in_as(&base, "qc").await;
    d.goto(&at("/assessment")).await;
    assert!(d.exists("#published").await && !d.exists("#rate-form").await);
    d.quit().await;
}

impl Driver {
    /// Runs axe-core on the page; the serious and critical violations, one line each.
    async fn serious_violations(&self) -> Vec<String> {
        let axe = include_str!("axe/axe.min.js");
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": format!("{axe}\n;window.axe = axe; return true;"), "args": []}),
        )
        .await;
        let found = self
            .call(
                reqwest::Method::POST,
                "/execute/async",
                json!({"script": "var done = arguments[arguments.length - 1];\
                    window.axe.run(document, {resultTypes: ['violations']}).then(function (r) {\
                      done({passes: r.passes.length, found: r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })\
                        .map(function (v) { return v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(' | '); })});\
                    }).catch(function (e) { done({passes: 0, found: ['axe failed: ' + e]}); });", "args": []}),
            )
            .await;
        // A run that checked nothing would pass anything.
        assert!(
            found["passes"].as_u64().unwrap_or(0) > 5,
            "axe did not run: {found}"
        );
        found["found"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How much wider than the window the page is, in CSS pixels (0 when it fits).
    async fn overflow(&self) -> i64 {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth)", "args": []}),
        )
        .await
        .as_i64()
        .unwrap_or(-1)
    }

    async fn window_size(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }
}

#[tokio::test]
async fn the_main_pages_pass_axe_and_fit_a_phone() {
    let Some(path) = driver_or_skip() else {
        return;
    };
    let (base, _dir, _app) = start_server().await;
    let d = Driver::start(path).await;
    let pages = [
        "/?program=zj-sc&year=2009",
        "/yearbook?program=zj-sc&year=2009",
        "/analysis?program=zj-sc&year=2009",
        "/search?program=zj-sc&q=青川",
        "/map?program=zj-sc&year=2009",
        "/records/project?program=zj-sc&year=2009",
        "/records/project/2009-510822-school?program=zj-sc",
        "/records/project/new?program=zj-sc&year=2009",
        "/structure?program=zj-sc",
        "/units?program=zj-sc",
        "/regions?program=zj-sc",
        "/guidance?program=zj-sc&year=2009",
        "/plans?program=zj-sc&year=2009",
        "/assessment?program=zj-sc&year=2009",
        "/audit",
        "/account",
    ];
    let mut problems = Vec::new();
    d.goto(&format!("{base}/signin")).await;
    for v in d.serious_violations().await {
        problems.push(format!("/signin: {v}"));
    }
    d.sign_in_as(&base, "office").await;
    for (width, height) in [(1366, 900), (390, 844)] {
        d.window_size(width, height).await;
        for page in pages {
            d.goto(&format!("{base}{page}")).await;
            // The charts draw after the page loads; let them.
            tokio::time::sleep(Duration::from_millis(300)).await;
            if width == 1366 {
                for v in d.serious_violations().await {
                    problems.push(format!("{page}: {v}"));
                }
            } else {
                let over = d.overflow().await;
                if over > 0 {
                    problems.push(format!("{page} is {over} px wider than a {width} px phone"));
                }
            }
        }
    }
    // The maps are drawn: the counties' shapes come in and a canvas is made.
    for (page, node) in [
        ("/map?program=zj-sc&year=2009", "#map-page canvas"),
        ("/?program=zj-sc&year=2009", "#chart-map canvas"),
    ] {
        d.goto(&format!("{base}{page}")).await;
        let mut drawn = false;
        for _ in 0..50 {
            if d.exists(node).await {
                drawn = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !drawn {
            problems.push(format!("{page}: no map drawn"));
        }
    }
    // On a phone a list's records are cards, labelled cell by cell.
    d.window_size(390, 844).await;
    d.goto(&format!("{base}/records/project?program=zj-sc&year=2009"))
        .await;
    let cards = d
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return getComputedStyle(document.querySelector('#records thead')).display + ' ' + getComputedStyle(document.querySelector('#records tbody td:nth-child(2)'), '::before').content", "args": []}),
        )
        .await;
    if !cards.as_str().unwrap_or_default().starts_with("none \"") {
        problems.push(format!("the list is not cards on a phone: {cards}"));
    }
    // A refused form, with its error summary, passes too.
    d.window_size(1366, 900).await;
    d.goto(&format!(
        "{base}/records/project/new?program=zj-sc&year=2009"
    ))
    .await;
    d.click("#save").await;
    d.wait_contains("#form-error", "更正").await;
    for v in d.serious_violations().await {
        problems.push(format!("refused form: {v}"));
    }
    d.quit().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
