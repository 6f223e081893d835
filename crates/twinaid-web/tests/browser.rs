//! Browser tests: headless Chromium driven over WebDriver (chromedriver) clicks
//! through the real pages of a real server. They run where chromedriver is
//! installed (`.ci/run` installs Debian's chromium and chromium-driver, and sets
//! TWINAID_BROWSER_TESTS=1 so that a missing driver fails instead of skipping).

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

async fn start_server() -> (String, tempfile::TempDir) {
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
    let server = twinaid_web::Server::bind(app, "127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    (base, dir)
}

#[tokio::test]
async fn a_person_signs_in_edits_a_project_switches_language_drills_down_and_signs_out() {
    let Some(path) = driver_path() else {
        assert!(
            std::env::var("TWINAID_BROWSER_TESTS").is_err(),
            "TWINAID_BROWSER_TESTS is set but chromedriver is not installed"
        );
        eprintln!("skipped: chromedriver not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let (base, _dir) = start_server().await;
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
        d.wait_text("#error-amount", "").await.contains("负数"),
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
    d.type_into("#field-helper_unit", "hangzhou").await;
    d.type_into("#field-region_code", "510822").await;
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

    d.click("#sign-out").await;
    assert_eq!(d.wait_text("#sign-in", "Sign in").await, "Sign in");
    d.goto(&format!("{base}/yearbook")).await;
    assert!(d.url().await.contains("/signin"), "signed out for good");
}
