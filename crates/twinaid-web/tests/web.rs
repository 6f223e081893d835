//! The web application over real HTTP: a server on a free port, a real
//! database (SQLite file; PostgreSQL too when TWINAID_TEST_POSTGRES_URL is set).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

mod common;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use twinaid_app::{Actor, App, Role};

const ADMIN_PASSWORD: &str = "correct horse battery";

struct TestServer {
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    app: App,
}

/// The demo program with an administrator `admin`.
async fn demo_with_admin(url: &str) -> App {
    let app = common::demo_app(url).await;
    app.add_user(
        &Actor::local_operator(),
        "admin",
        "Admin",
        ADMIN_PASSWORD,
        &Role::Administrator,
    )
    .await
    .unwrap();
    app
}

async fn spawn(url: Option<String>) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("web.db").display()));
    let app = demo_with_admin(&url).await;
    let server = twinaid_web::Server::bind(app.clone(), "127.0.0.1:0")
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestServer {
        base,
        client,
        _dir: dir,
        app,
    }
}

async fn servers() -> Vec<TestServer> {
    let mut out = vec![spawn(None).await];
    if let Some(admin) = twinaid_store::testing::postgres_admin_url() {
        let url = twinaid_store::testing::fresh_postgres_database(&admin)
            .await
            .unwrap();
        out.push(spawn(Some(url)).await);
    }
    out
}

/// A browser: cookies kept by hand, so the test sees exactly what the server sets.
struct Browser<'a> {
    server: &'a TestServer,
    cookies: Vec<(String, String)>,
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

impl<'a> Browser<'a> {
    fn new(server: &'a TestServer) -> Browser<'a> {
        Browser {
            server,
            cookies: Vec::new(),
        }
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for v in response.headers().get_all(SET_COOKIE) {
            let text = v.to_str().unwrap();
            assert!(
                text.contains("HttpOnly") && text.contains("SameSite") && text.contains("Secure"),
                "{text}"
            );
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !text.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let r = self
            .server
            .client
            .get(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        (r.status(), r.text().await.unwrap(), location)
    }

    /// A download's bytes (a workbook is not text).
    async fn bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let r = self
            .server
            .client
            .get(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&r);
        (r.status(), r.bytes().await.unwrap().to_vec())
    }

    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let r = self
            .server
            .client
            .post(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        (r.status(), r.text().await.unwrap(), location)
    }

    /// Posts a multipart form with one file, as a browser's file input does.
    async fn upload(
        &mut self,
        path: &str,
        csrf: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Option<String>) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
            );
        let r = self
            .server
            .client
            .post(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        (r.status(), location)
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> StatusCode {
        let (_, html, _) = self.get("/signin").await;
        let csrf = hidden(&html, "csrf");
        let (status, _, _) = self
            .post(
                "/signin",
                &[
                    ("csrf", &csrf),
                    ("next", "/"),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        status
    }

    /// The CSRF token of the signed-in session, from any page's sign-out form.
    async fn csrf(&mut self) -> String {
        let (_, html, _) = self.get("/tokens").await;
        hidden(&html, "csrf")
    }
}

fn number_in(html: &str, id: &str) -> String {
    html.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn sign_in_edit_a_project_and_every_figure_moves_by_exactly_that_amount() {
    for server in servers().await {
        let mut b = Browser::new(&server);
        let (status, _, location) = b.get("/").await;
        assert_eq!(
            (status, location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/signin?next=/"))
        );
        assert_eq!(
            b.sign_in("admin", ADMIN_PASSWORD).await,
            StatusCode::SEE_OTHER
        );
        let (status, dashboard, _) = b.get("/?program=zj-sc&year=2009").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            dashboard.contains("3,620") && dashboard.contains("41,600"),
            "dashboard shows the 2009 aid funds in 万元"
        );

        // Edit one project's aid funds from 400,000 to 500,000 yuan through the form.
        let (_, form, _) = b
            .get("/records/project/2009-510822-school/edit?program=zj-sc")
            .await;
        let mut fields: Vec<(String, String)> = Vec::new();
        for spec in twinaid_domain::record::RecordKind::Project.fields() {
            let value = match spec.name {
                "amount" => "500000".to_string(),
                name if form.contains(&format!("name=\"{name}\" id=\"field-{name}\" value=\"")) => {
                    hidden_input(&form, name)
                }
                name => selected(&form, name),
            };
            fields.push((spec.name.to_string(), value));
        }
        let csrf = hidden(&form, "csrf");
        let mut post: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        post.push(("csrf", &csrf));

        // First a validation error: the message sits next to the field and nothing changes.
        let mut bad = post.clone();
        bad.retain(|(k, _)| *k != "amount");
        bad.push(("amount", "-5"));
        let (status, html, _) = b
            .post("/records/project/2009-510822-school?program=zj-sc", &bad)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"error-amount\"") && html.contains("负数"),
            "{html}"
        );

        let (status, _, location) = b
            .post("/records/project/2009-510822-school?program=zj-sc", &post)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "saved");
        assert!(location.unwrap().contains("saved=1"));

        let (_, yearbook, _) = b.get("/yearbook?program=zj-sc&year=2009").await;
        assert!(
            yearbook.contains(">3,630</a>") && yearbook.contains(">41,610</a>"),
            "the yearbook moved by 10 万元"
        );
        let (_, dashboard, _) = b.get("/?program=zj-sc&year=2009").await;
        assert!(dashboard.contains(">3,630</a>"));
        // The drill-down of the year's figure shows the same total, made of its parts.
        let (_, drill, _) = b
            .get("/records/project?program=zj-sc&indicator=aid_funds&year=2009")
            .await;
        assert_eq!(number_in(&drill, "drill-total"), "3,630");
        assert_eq!(number_in(&drill, "drill-aggregates"), "0");
        let (_, drill, _) = b
            .get("/records/project?program=zj-sc&indicator=aid_funds&year=2009&region=510822")
            .await;
        assert_eq!(
            number_in(&drill, "drill-total"),
            "260",
            "Qingchuan: 2.6 million yuan"
        );
        let api: Value = b
            .server
            .client
            .get(format!(
                "{}/api/v1/programs/zj-sc/yearbook/2009",
                server.base
            ))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            api["indicators"]["aid_funds"]["year"],
            Value::from(36_300_000)
        );
        // The pivot by county and year adds up to the same, after the edit.
        let pivot: Value = b
            .server
            .client
            .get(format!(
                "{}/api/v1/programs/zj-sc/pivot/aid_funds",
                server.base
            ))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let cells = pivot["cells"].as_object().unwrap();
        let year_total: i64 = cells
            .values()
            .filter_map(|years| years["2009"].as_i64())
            .sum();
        assert_eq!(year_total, 36_300_000, "{pivot}");
        assert_eq!(cells["510822"]["2009"], Value::from(2_600_000));
        let (_, history, _) = b
            .get("/records/project/2009-510822-school?program=zj-sc")
            .await;
        assert!(
            history.contains("400,000 → 500,000"),
            "the change is in the record's history, as people read it"
        );

        // Sign out ends the session for good.
        let old = b.cookie_header();
        let csrf = b.csrf().await;
        let (status, _, _) = b.post("/signout", &[("csrf", &csrf)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = server
            .client
            .get(format!("{}/", server.base))
            .header(COOKIE, old)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "the old session id no longer works"
        );
        // Who came and went is in the audit log, with the client's address.
        let log = server
            .app
            .audit_log(&Actor::local_operator(), 50)
            .await
            .unwrap();
        for action in ["sign_in", "sign_out"] {
            assert!(
                log.iter().any(|e| e.action == action
                    && e.actor == "admin"
                    && e.after_json.as_deref().unwrap_or("").contains("127.0.0.1")),
                "{action}: {log:?}"
            );
        }
    }
}

fn hidden_input(form: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" id=\"field-{name}\" value=\"");
    let raw = form
        .split(&marker)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default();
    raw.replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

fn selected(form: &str, name: &str) -> String {
    let Some(block) = form
        .split(&format!("<select name=\"{name}\""))
        .nth(1)
        .and_then(|r| r.split("</select>").next())
    else {
        return form
            .split(&format!("name=\"{name}\" id=\"field-{name}\" rows=\"3\">"))
            .nth(1)
            .and_then(|r| r.split("</textarea>").next())
            .unwrap_or_default()
            .to_string();
    };
    block
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains("selected"))
        .and_then(|o| o.split('"').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, _, _) = b
        .post(
            "/records/project/2009-510822-school/delete?program=zj-sc",
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .get("/records/project/2009-510822-school?program=zj-sc")
        .await;
    assert_eq!(status, StatusCode::OK, "still there");
}

#[tokio::test]
async fn wrong_passwords_are_refused_without_saying_which_part_was_wrong() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", "wrong password!").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.sign_in("nobody", "wrong password!").await,
        StatusCode::UNAUTHORIZED
    );
    let (status, _, _) = b.get("/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Each failure is an audit event naming the user name tried, never the password.
    let log = server
        .app
        .audit_log(&Actor::local_operator(), 50)
        .await
        .unwrap();
    let failed: Vec<_> = log
        .iter()
        .filter(|e| e.action == "sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{log:?}");
    assert!(failed.iter().any(|e| e.entity_key == "nobody"));
    assert!(
        log.iter().all(|e| !e
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("wrong password")),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_helper_unit_sees_and_changes_only_its_own_records_by_page_and_by_api() {
    for server in servers().await {
        let operator = Actor::local_operator();
        server
            .app
            .add_user(
                &operator,
                "hz",
                "杭州",
                "hangzhou password",
                &Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            )
            .await
            .unwrap();
        let mut b = Browser::new(&server);
        assert_eq!(
            b.sign_in("hz", "hangzhou password").await,
            StatusCode::SEE_OTHER
        );
        let (_, list, _) = b.get("/records/project?program=zj-sc&per_page=500").await;
        assert_eq!(
            number_in(&list, "total-rows"),
            "12",
            "Hangzhou's two counties have six projects each"
        );
        assert!(
            !list.contains("2009-511321-school"),
            "Wenzhou's project is not listed"
        );
        let (status, _, _) = b
            .get("/records/project/2009-511321-school?program=zj-sc")
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "another unit's record by URL"
        );
        let (status, _, _) = b
            .get("/records/project/2009-511321-school/edit?program=zj-sc")
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let csrf = b.csrf().await;
        let (status, _, _) = b
            .post(
                "/records/project/2009-511321-school/delete?program=zj-sc",
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = b.get("/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The same through the API with a token.
        let token = server
            .app
            .create_api_token(
                &Actor {
                    name: "hz".into(),
                    role: Role::HelperUnit {
                        unit: "hangzhou".into(),
                    },
                },
                "script",
                "127.0.0.1",
            )
            .await
            .unwrap()
            .0;
        let api = |method: reqwest::Method, path: &str| {
            server
                .client
                .request(method, format!("{}/api/v1{path}", server.base))
                .bearer_auth(&token)
        };
        let r = api(
            reqwest::Method::GET,
            "/programs/zj-sc/records/project/2009-511321-school",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let r = api(
            reqwest::Method::DELETE,
            "/programs/zj-sc/records/project/2009-511321-school",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let list: Value = api(
            reqwest::Method::GET,
            "/programs/zj-sc/records/fund_transaction?per_page=500",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert!(
            list["records"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["helper_unit"] == "hangzhou")
        );
        let new = serde_json::json!({"code": "2010-hz-x", "year": 2010, "helper_unit": "wenzhou", "region_code": "511321", "category": "school", "name_zh": "冒名项目"});
        let r = api(reqwest::Method::POST, "/programs/zj-sc/records/project")
            .json(&new)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "cannot write for another unit"
        );
        let own = serde_json::json!({"code": "2010-hz-school", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "青川县新校", "amount": 800000});
        let r = api(reqwest::Method::POST, "/programs/zj-sc/records/project")
            .json(&own)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let bad = serde_json::json!({"code": "2010-hz-bad", "year": 1990, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "x"});
        let r = api(reqwest::Method::POST, "/programs/zj-sc/records/project")
            .header("Accept-Language", "en")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["problems"][0]["field"], "year");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("outside the program")
        );
    }
}

#[tokio::test]
async fn the_api_says_no_in_json_and_describes_itself() {
    let server = spawn(None).await;
    let r = server
        .client
        .get(format!("{}/api/v1/programs", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let r = server
        .client
        .get(format!("{}/api/v1/programs", server.base))
        .bearer_auth("twa_not_a_token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let doc: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/programs/{program}/yearbook/{year}"]["get"].is_object());
    // A file sent is bytes, not an array of numbers.
    assert_eq!(
        doc["paths"]["/programs/{program}/records/{kind}/import"]["post"]["requestBody"]["content"]
            ["application/octet-stream"]["schema"],
        serde_json::json!({"type": "string", "format": "binary"})
    );
    let docs = server
        .client
        .get(format!("{}/api/v1/docs", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(docs.contains("openapi.json"));
}

#[tokio::test]
async fn every_documented_operation_is_served_and_refuses_a_stranger_in_json() {
    let server = spawn(None).await;
    let doc: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sample = |name: &str| match name {
        "program" => "zj-sc",
        "year" => "2009",
        "kind" => "project",
        "action" => "close",
        "step" => "submit",
        "id" => "1",
        _ => "x",
    };
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let mut url = path.clone();
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    url = url.replace(&format!("{{{name}}}"), sample(name));
                }
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = server
                .client
                .request(
                    method.clone(),
                    format!("{}/api/v1{url}?filename=x.csv", server.base),
                )
                .header("Content-Type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            // Routed (not the fallback's 404, not 405) and refused as documented.
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {url}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{method} {url}");
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
        }
    }
    assert_eq!(operations, 34);
    // And what is not documented is not there.
    let r = server
        .client
        .get(format!("{}/api/v1/programs/zj-sc/nothing", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_reads_what_scripts_write_and_refuses_the_rest_naming_it() {
    let server = spawn(None).await;
    let tokens = api_tokens(
        &server,
        &[(
            "office",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )],
        "loose and strict!",
    )
    .await;
    let token = tokens["office"].clone();
    let call = |method: reqwest::Method, path: &str| {
        server
            .client
            .request(method, format!("{}/api/v1{path}", server.base))
            .bearer_auth(&token)
            .header("Accept-Language", "en")
    };
    // Yes/no as 1/0, a parameter given twice counts as its last value.
    let r = call(
        reqwest::Method::GET,
        "/programs/zj-sc/records/fund_transaction?year=2009&cumulative=1&sort=amount&desc=1&per_page=1&per_page=2",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["per_page"], 2, "{v}");
    let amounts: Vec<f64> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_f64().unwrap())
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    let r = call(
        reqwest::Method::GET,
        "/programs/zj-sc/records/project?desc=maybe",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_parameter");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("maybe"),
        "{v}"
    );
    // A kind or an action there is not: 404.
    let r = call(
        reqwest::Method::GET,
        "/programs/zj-sc/records/aggregate_value",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = call(
        reqwest::Method::POST,
        "/programs/zj-sc/inspections/2009/x/dance",
    )
    .json(&serde_json::json!({}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A method a path does not take: 405, in JSON, saying which it takes.
    let r = call(reqwest::Method::DELETE, "/programs")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "method_not_allowed");
    // One value per field; none past what any field takes.
    let project = |extra: Value| {
        let mut body = serde_json::json!({"code": "2010-hz-loose", "year": 2010, "helper_unit": "hangzhou",
            "region_code": "510822", "category": "school", "name_zh": "学校"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        call(reqwest::Method::POST, "/programs/zj-sc/records/project").json(&body)
    };
    for (extra, field) in [
        (serde_json::json!({"name_zh": {"a": 1}}), "name_zh"),
        (
            serde_json::json!({"amount": 92233720368547758_i64}),
            "amount",
        ),
        (
            serde_json::json!({"units_built": 9223372036854775807_i64}),
            "units_built",
        ),
        // A misspelt field is named, not dropped.
        (serde_json::json!({"amout": 1000}), "amout"),
    ] {
        let r = project(extra.clone()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{extra}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["problems"][0]["field"], field, "{v}");
        if field == "amout" {
            let message = v["error"]["problems"][0]["message"].as_str().unwrap();
            assert!(message.contains("unknown field \"amout\""), "{v}");
        }
    }
    // The reasons a write may give are fields too.
    let r = project(serde_json::json!({"code": "2010-hz-reasoned", "unpaired_reason": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    // The list still sums.
    let r = call(reqwest::Method::GET, "/programs/zj-sc/records/project")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Control characters in a reason are refused on the field.
    let r = call(
        reqwest::Method::POST,
        "/programs/zj-sc/projects/2009-boshu-bridge/steps",
    )
    .json(&serde_json::json!({"to": "returned", "reason": "a\u{0}b"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["problems"][0]["field"], "reason", "{v}");
}

#[tokio::test]
async fn guessed_tokens_lock_the_address_but_garbage_is_not_a_guess() {
    let server = spawn(None).await;
    let programs = |token: String| {
        server
            .client
            .get(format!("{}/api/v1/programs", server.base))
            .bearer_auth(token)
            .send()
    };
    // Forty guesses shaped like tokens at once: past the address's limit
    // (30) they are answered 429, however parallel.
    let guesses = (0..40).map(|i| programs(format!("twa_{i:064x}")));
    let statuses: Vec<StatusCode> = futures_join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED), "{statuses:?}");
    // A guess during the lock is still refused with 429 ...
    let r = programs(format!("twa_{:064x}", 99)).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // ... while what cannot be a token is plainly not one.
    let r = programs("SCHEMATHESIS-INVALID-VALUE".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn no_page_or_answer_shows_a_password_a_session_id_or_a_token() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let session = b
        .cookies
        .iter()
        .find(|(k, _)| k == "twinaid_session")
        .map(|(_, v)| v.clone())
        .unwrap();
    let csrf = b.csrf().await;
    let (_, tokens, _) = b
        .post("/tokens", &[("csrf", &csrf), ("name", "nightly")])
        .await;
    let token = tokens
        .split("id=\"token\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .to_string();
    assert!(
        token.starts_with("twa_"),
        "the token is shown once, on creation"
    );
    for path in [
        "/",
        "/yearbook",
        "/audit",
        "/structure",
        "/records/project?program=zj-sc",
        "/tokens",
        "/api/v1/programs",
    ] {
        let (_, body, _) = b.get(path).await;
        for secret in [ADMIN_PASSWORD, session.as_str(), token.as_str(), "$argon2"] {
            assert!(!body.contains(secret), "{path} shows a secret");
        }
    }
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (_, zh, _) = b.get("/yearbook?program=zj-sc&year=2009").await;
    assert!(zh.contains("年鉴") && zh.contains("万元"));
    let (status, _, location) = b
        .get("/lang/en?back=/yearbook%3Fprogram%3Dzj-sc%26year%3D2009")
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some("/yearbook?program=zj-sc&year=2009")
        )
    );
    let (_, en, _) = b.get("/yearbook?program=zj-sc&year=2009").await;
    assert!(en.contains("Yearbook") || en.contains("yearbook"));
    assert!(en.contains("36,200,000"), "English shows yuan");
    let (_, en2, _) = b.get("/").await;
    assert!(en2.contains("Dashboard"));
}

#[tokio::test]
async fn units_and_regions_have_list_pages_with_search_and_counts() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, units, _) = b.get("/units?program=zj-sc&kind=city&side=helping").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(number_in(&units, "total-rows"), "8", "eight helper cities");
    let (_, regions, _) = b.get("/regions?q=%E9%9D%92%E5%B7%9D").await;
    assert_eq!(number_in(&regions, "total-rows"), "1");
    assert!(regions.contains("510822"));
    // The list opens on the program's regions: 12 counties, the prefectures
    // and provinces holding them, Zhejiang; all of China is a choice.
    let (_, own, _) = b.get("/regions?program=zj-sc").await;
    let own_rows: i64 = number_in(&own, "total-rows").parse().unwrap();
    assert!(
        (14..40).contains(&own_rows),
        "{own_rows} regions of the program"
    );
    assert!(own.contains("510822") && own.contains("330000") && !own.contains("110000"));
    assert!(
        own.contains("县级") && !own.contains(">county<"),
        "levels by name"
    );
    assert!(
        own.contains("<td>广元市 510800</td>"),
        "the level above by name"
    );
    let (_, counties, _) = b.get("/regions?level=county&within=all").await;
    assert!(
        number_in(&counties, "total-rows").parse::<i64>().unwrap() > 2800,
        "the national registry"
    );
    let (_, aggregates, _) = b.get("/aggregates?program=zj-sc&indicator=aid_funds").await;
    assert_eq!(number_in(&aggregates, "total-rows"), "1");
    assert!(
        aggregates.contains("1996–2008") && aggregates.contains("37,980"),
        "1996–2008 aid funds in 万元"
    );
    let (_, structure, _) = b.get("/structure?program=zj-sc").await;
    assert!(structure.contains("structure-data") && structure.contains("511321"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_field_is_in_the_form_the_list_the_api_and_its_document() {
    let server = spawn(None).await;
    let load = |fields: &'static str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("program.toml"), "code = \"zj-sc\"\n").unwrap();
        std::fs::write(dir.path().join("fields.csv"), fields).unwrap();
        std::fs::write(
            dir.path().join("indicators.csv"),
            "code,name_zh,name_en,unit,kind,measure\n\
             labour_income,劳务收入,labour service income,yuan,labour_transfer,sum:income\n\
             skills,技能证书种类,skill certificates,count,labour_transfer,count_distinct:skill\n",
        )
        .unwrap();
        let app = server.app.clone();
        async move {
            let units = app.indicator_units().await.unwrap();
            let catalog = app.catalog().await.unwrap();
            let source = twinaid_exchange::FolderSource::open(dir.path()).unwrap();
            let bundle =
                twinaid_exchange::read_program_in(&source, &|c| units.get(c).copied(), &catalog)
                    .unwrap();
            app.load(&Actor::local_operator(), &bundle).await.unwrap();
        }
    };
    load(
        "kind,code,name_zh,name_en,type,help_zh,help_en\n\
         labour_transfer,income,劳务收入,labour service income,money,全年劳务收入（元）,income over the year (yuan)\n\
         labour_transfer,skill,技能证书,skill certificate,text,,\n",
    )
    .await;
    let doc: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let income = &doc["components"]["schemas"]["labour_transfer"]["properties"]["income"];
    assert!(
        income["title"].as_str().unwrap().contains("劳务收入"),
        "{income}"
    );
    let tokens = api_tokens(
        &server,
        &[(
            "office",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )],
        "loose and strict!",
    )
    .await;
    let api = |method: reqwest::Method, path: &str| {
        server
            .client
            .request(
                method,
                format!(
                    "{}/api/v1/programs/zj-sc/records/labour_transfer{path}",
                    server.base
                ),
            )
            .bearer_auth(&tokens["office"])
    };
    let r = api(reqwest::Method::POST, "")
        .json(&serde_json::json!({
            "code": "lt-api", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "people": 2, "income": 1234.5, "skill": "电工", "unpaired_reason": "test"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let got: Value = api(reqwest::Method::GET, "/lt-api")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["income"], Value::from(1234.5));
    assert_eq!(got["skill"], "电工");
    let r = api(reqwest::Method::POST, "")
        .json(&serde_json::json!({
            "code": "lt-bad", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "income": "a lot", "unpaired_reason": "test"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("income"),
        "the field is named"
    );
    // The form asks for it with its help; the list shows it.
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (_, form, _) = b.get("/records/labour_transfer/new?program=zj-sc").await;
    assert!(
        form.contains("name=\"income\"") && form.contains("全年劳务收入（元）"),
        "{form}"
    );
    let (status, list, _) = b
        .get("/records/labour_transfer?program=zj-sc&year=2010&sort=income&desc=1")
        .await;
    assert_eq!(status, StatusCode::OK, "sorted by it");
    assert!(
        list.contains("data-label=\"劳务收入\">0.12<"),
        "1,234.5 yuan as 万元: {list}"
    );
    // A figure that sums it, or counts its values, drills down to the same.
    let (_, drill, _) = b
        .get("/records/labour_transfer?program=zj-sc&indicator=labour_income&year=2010")
        .await;
    assert_eq!(
        number_in(&drill, "drill-total"),
        "0.12",
        "1,234.5 yuan in 万元"
    );
    let (_, drill, _) = b
        .get("/records/labour_transfer?program=zj-sc&indicator=skills&year=2010")
        .await;
    assert_eq!(number_in(&drill, "drill-total"), "1");
    // Hidden later: not asked for any more, but what was stored stays,
    // through an edit that does not name it.
    load(
        "kind,code,name_zh,name_en,type,hidden\n\
         labour_transfer,income,劳务收入,labour service income,money,no\n\
         labour_transfer,skill,技能证书,skill certificate,text,yes\n",
    )
    .await;
    let (_, form, _) = b.get("/records/labour_transfer/new?program=zj-sc").await;
    assert!(!form.contains("name=\"skill\""));
    let r = api(reqwest::Method::PUT, "/lt-api")
        .json(&serde_json::json!({
            "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "people": 3, "income": 1234.5, "unpaired_reason": "test"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let stored = server
        .app
        .record(
            &Actor::local_operator(),
            "zj-sc",
            twinaid_domain::record::RecordKind::LabourTransfer,
            "lt-api",
        )
        .await
        .unwrap();
    assert_eq!(
        stored.get("skill").as_text(),
        Some("电工"),
        "kept while hidden"
    );
    assert_eq!(stored.get("people").as_int(), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_kind_is_listed_written_imported_exported_and_served_like_a_built_in_one() {
    // On SQLite, and on PostgreSQL when the tests have one.
    for server in servers().await {
        added_kind_on(&server).await;
    }
}

async fn added_kind_on(server: &TestServer) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("program.toml", "code = \"zj-sc\"\n"),
        (
            "kinds.csv",
            "code,name_zh,name_en\nvolunteer,志愿服务,volunteer service\n",
        ),
        (
            "fields.csv",
            "kind,code,name_zh,name_en,type,choices,required,help_zh\n\
             volunteer,person_times,服务人次,person-times,person_times,,yes,全年服务人次\n\
             volunteer,activity,服务类型,activity,choice,teach=支教=teaching|clinic=义诊=clinic,no,\n",
        ),
        (
            "indicators.csv",
            "code,name_zh,name_en,unit,kind,measure,filter\n\
             volunteer_person_times,志愿服务人次,volunteer person-times,person_times,volunteer,sum:person_times,\n\
             clinics,义诊次数,clinics,count,volunteer,count,activity=clinic\n\
             volunteer_units,开展志愿服务的单位,units volunteering,count,volunteer,count_distinct:helper_unit,\n",
        ),
        (
            "custom_volunteer.csv",
            "code,year,helper_unit,region_code,person_times,activity\n\
             v1,2010,hangzhou,510822,100,teach\n\
             v2,2010,hangzhou,510822,30,clinic\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let units = server.app.indicator_units().await.unwrap();
    let catalog = server.app.catalog().await.unwrap();
    let source = twinaid_exchange::FolderSource::open(dir.path()).unwrap();
    let bundle =
        twinaid_exchange::read_program_in(&source, &|c| units.get(c).copied(), &catalog).unwrap();
    server
        .app
        .load(&Actor::local_operator(), &bundle)
        .await
        .unwrap();
    let tokens = api_tokens(
        server,
        &[
            (
                "office",
                Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            ),
            (
                "hz",
                Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            ),
        ],
        "volunteer password!",
    )
    .await;
    let api = |method: reqwest::Method, path: &str, who: &str| {
        server
            .client
            .request(
                method,
                format!(
                    "{}/api/v1/programs/zj-sc/records/volunteer{path}",
                    server.base
                ),
            )
            .bearer_auth(&tokens[who])
    };
    // The API document names the kind and its fields.
    let doc: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = &doc["components"]["schemas"]["volunteer"];
    assert!(
        schema["properties"]["person_times"]["title"]
            .as_str()
            .unwrap()
            .contains("服务人次")
    );
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&Value::from("person_times"))
    );
    let kinds = doc["paths"]["/programs/{program}/records/{kind}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "kind")
        .unwrap()["schema"]["enum"]
        .clone();
    assert!(
        kinds
            .as_array()
            .unwrap()
            .contains(&Value::from("volunteer")),
        "{kinds}"
    );

    // Written, read, refused on the field, listed with its figure, deleted.
    let r = api(reqwest::Method::POST, "", "office")
        .json(&serde_json::json!({
            "code": "v3", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "person_times": 12, "activity": "clinic"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let got: Value = api(reqwest::Method::GET, "/v3", "office")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (got["person_times"].clone(), got["activity"].clone()),
        (Value::from(12), Value::from("clinic"))
    );
    let r = api(reqwest::Method::POST, "", "office")
        .json(&serde_json::json!({
            "code": "v4", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "activity": "party"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = r.text().await.unwrap();
    assert!(
        said.contains("person_times") && said.contains("activity"),
        "{said}"
    );
    let r = api(reqwest::Method::POST, "", "office")
        .json(&serde_json::json!({
            "code": "v1", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "person_times": 1
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a taken code");
    let r = api(reqwest::Method::POST, "", "hz")
        .json(&serde_json::json!({
            "code": "v9", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822",
            "person_times": 1
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "only the office writes them"
    );
    let list: Value = api(
        reqwest::Method::GET,
        "?year=2010&indicator=clinics",
        "office",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(list["total_rows"], 2, "{list}");
    assert_eq!(list["figure"]["total"], 2, "{list}");
    assert_eq!(list["sums"]["person_times"], 42, "{list}");
    let units: Value = api(
        reqwest::Method::GET,
        "?year=2010&indicator=volunteer_units",
        "office",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            units["total_rows"].clone(),
            units["figure"]["total"].clone()
        ),
        (Value::from(3), Value::from(1)),
        "three records of one unit: {units}"
    );
    let yearbook: Value = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/yearbook/2010",
            server.base
        ))
        .bearer_auth(&tokens["office"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let figure = |code: &str| yearbook["indicators"][code]["year"].clone();
    assert_eq!(
        figure("volunteer_person_times"),
        Value::from(142),
        "{yearbook}"
    );
    assert_eq!(figure("clinics"), Value::from(2));
    let r = api(reqwest::Method::DELETE, "/v3", "office")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = api(reqwest::Method::GET, "/v3", "office")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/records/nothing",
            server.base
        ))
        .bearer_auth(&tokens["office"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "a kind no one added");

    // The pages: menu, list with the figure, form with its help, a refusal
    // on the field, the detail with its history, import and export.
    let mut b = Browser::new(server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, list, _) = b
        .get("/records/volunteer?program=zj-sc&year=2010&indicator=volunteer_person_times")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        list.contains("href=\"/records/volunteer?program=zj-sc\""),
        "in the menu"
    );
    assert_eq!(number_in(&list, "drill-total"), "130");
    let (_, yearbook, _) = b.get("/yearbook?program=zj-sc&year=2010").await;
    assert!(
        yearbook.contains("/records/volunteer?program=zj-sc&#38;indicator=volunteer_person_times"),
        "the figure leads to its records"
    );
    assert_eq!(number_in(&list, "total-rows"), "2");
    let (_, form, _) = b.get("/records/volunteer/new?program=zj-sc").await;
    assert!(
        form.contains("name=\"person_times\"") && form.contains("全年服务人次"),
        "{form}"
    );
    let csrf = hidden(&form, "csrf");
    let (status, again, _) = b
        .post(
            "/records/volunteer?program=zj-sc",
            &[
                ("csrf", &csrf),
                ("code", "v5"),
                ("year", "2010"),
                ("helper_unit", "hangzhou"),
                ("region_code", "510822"),
                ("person_times", "many"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("value=\"many\""), "what was typed stays");
    let (status, _, to) = b
        .post(
            "/records/volunteer?program=zj-sc",
            &[
                ("csrf", &csrf),
                ("code", "v5"),
                ("year", "2010"),
                ("helper_unit", "hangzhou"),
                ("region_code", "510822"),
                ("person_times", "7"),
                ("activity", "teach"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, detail, _) = b.get(to.as_deref().unwrap()).await;
    assert!(
        detail.contains("支教") && detail.contains("服务人次"),
        "{detail}"
    );
    let (status, csv) = b
        .bytes("/records/volunteer/export.csv?program=zj-sc&year=2010")
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("person_times") && csv.contains("v5"), "{csv}");
    // The export, changed, imports back; a bad row refuses the whole file.
    let changed = csv.replace(",7,", ",8,");
    let (status, to) = b
        .upload(
            "/records/volunteer/import?program=zj-sc",
            &csrf,
            "v.csv",
            changed.clone().into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to:?}");
    assert!(to.unwrap().contains("notice="));
    let stored = server
        .app
        .custom_record(&Actor::local_operator(), "zj-sc", "volunteer", "v5")
        .await
        .unwrap();
    assert_eq!(stored.get("person_times").as_int(), Some(8));
    let bad = changed.replace(",8,", ",eight,").replace(",100,", ",101,");
    let (status, _) = b
        .upload(
            "/records/volunteer/import?program=zj-sc",
            &csrf,
            "v.csv",
            bad.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v1 = server
        .app
        .custom_record(&Actor::local_operator(), "zj-sc", "volunteer", "v1")
        .await
        .unwrap();
    assert_eq!(
        v1.get("person_times").as_int(),
        Some(100),
        "nothing written"
    );
    let (status, template) = b
        .bytes("/records/volunteer/template.xlsx?program=zj-sc")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(template.starts_with(b"PK"));
    let (_, audit, _) = b.get("/audit").await;
    assert!(audit.contains("volunteer/v5"), "the audit log names it");
    // A field hidden later is asked for nowhere, and its values stay
    // through a change that does not name it.
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("program.toml", "code = \"zj-sc\"\n"),
        (
            "kinds.csv",
            "code,name_zh,name_en\nvolunteer,志愿服务,volunteer service\n",
        ),
        (
            "fields.csv",
            "kind,code,name_zh,name_en,type,choices,required,hidden\n\
             volunteer,person_times,服务人次,person-times,person_times,,yes,no\n\
             volunteer,activity,服务类型,activity,choice,teach=支教=teaching|clinic=义诊=clinic,no,yes\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let catalog = server.app.catalog().await.unwrap();
    let measured = server.app.indicator_units().await.unwrap();
    let source = twinaid_exchange::FolderSource::open(dir.path()).unwrap();
    let bundle =
        twinaid_exchange::read_program_in(&source, &|c| measured.get(c).copied(), &catalog)
            .unwrap();
    server
        .app
        .load(&Actor::local_operator(), &bundle)
        .await
        .unwrap();
    let (_, form, _) = b.get("/records/volunteer/v5/edit?program=zj-sc").await;
    assert!(!form.contains("name=\"activity\""), "hidden");
    let r = api(reqwest::Method::PUT, "/v5", "office")
        .json(&serde_json::json!({
            "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "person_times": 9
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let kept = server
        .app
        .custom_record(&Actor::local_operator(), "zj-sc", "volunteer", "v5")
        .await
        .unwrap();
    assert_eq!(
        kept.get("activity").as_text(),
        Some("teach"),
        "kept while hidden"
    );
    assert_eq!(kept.get("person_times").as_int(), Some(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_choice_value_is_offered_accepted_named_and_in_the_api_document() {
    let server = spawn(None).await;
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("program.toml", "code = \"zj-sc\"\n"),
        (
            "choices.csv",
            "field,code,name_zh,name_en\nproject.category,nursing_home,敬老院,nursing home\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let operator = Actor::local_operator();
    let units = server.app.indicator_units().await.unwrap();
    let catalog = server.app.catalog().await.unwrap();
    let source = twinaid_exchange::FolderSource::open(dir.path()).unwrap();
    let bundle =
        twinaid_exchange::read_program_in(&source, &|c| units.get(c).copied(), &catalog).unwrap();
    server.app.load(&operator, &bundle).await.unwrap();

    // The API document lists it, and a script may write it.
    let doc: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let allowed = &doc["components"]["schemas"]["project"]["properties"]["category"]["enum"];
    assert!(
        allowed
            .as_array()
            .unwrap()
            .contains(&Value::from("nursing_home")),
        "{allowed}"
    );
    let tokens = api_tokens(
        &server,
        &[(
            "office",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )],
        "loose and strict!",
    )
    .await;
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/records/project",
            server.base
        ))
        .bearer_auth(&tokens["office"])
        .json(&serde_json::json!({
            "code": "nh-api", "year": 2010, "helper_unit": "hangzhou",
            "region_code": "510822", "category": "nursing_home", "name_zh": "青川敬老院",
            "unpaired_reason": "test"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    // The form offers it, the list names it and filters by it.
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, form, _) = b.get("/records/project/new?program=zj-sc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("value=\"nursing_home\"") && form.contains("敬老院"),
        "the form offers it"
    );
    let (_, list, _) = b
        .get("/records/project?program=zj-sc&year=2010&f.category=nursing_home")
        .await;
    assert!(
        list.contains("nh-api") && list.contains(">敬老院<"),
        "{list}"
    );
    assert!(!list.contains("2010-510822-school"), "filtered to it");
}

#[tokio::test]
async fn a_group_page_adds_up_its_programs_and_leads_to_each_programs_records() {
    let server = spawn(None).await;
    // A second program beside the demo, read from a folder like any other.
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
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
            "pairings.csv",
            "code,level,helper_unit,helped_region\npair-xiamen-yanchi,city_county,xiamen,640323\n",
        ),
        (
            "projects.csv",
            "code,year,helper_unit,region_code,category,name_zh,amount\nfj-2009-road,2009,xiamen,640323,road,盐池通村公路,1000000\n",
        ),
        // One enterprise that also signed with zj-sc, one of its own.
        (
            "cooperation_agreements.csv",
            "code,year,helper_unit,region_code,name_zh,enterprise,value\n\
             fj-2009-a,2009,xiamen,640323,饮料厂合作,杭州娃哈哈集团有限公司,1000\n\
             fj-2009-b,2009,xiamen,640323,枸杞基地合作,宁夏枸杞公司,1000\n",
        ),
        (
            "indicators.csv",
            "code,name_zh,name_en,unit,kind,measure\n\
             enterprises_signed,签约企业,enterprises that signed,count,cooperation_agreement,count_distinct:enterprise\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let operator = Actor::local_operator();
    let units = server.app.indicator_units().await.unwrap();
    let source = twinaid_exchange::FolderSource::open(dir.path()).unwrap();
    let bundle = twinaid_exchange::read_program(&source, &|c| units.get(c).copied()).unwrap();
    server.app.load(&operator, &bundle).await.unwrap();
    let group = twinaid_domain::group::ProgramGroup::new(
        "national",
        "东西部协作（全国）",
        "East-West cooperation",
        &["zj-sc".into(), "fj-nx".into()],
    )
    .unwrap();
    assert!(server.app.put_group(&operator, &group).await.unwrap());

    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, list, _) = b.get("/groups").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/groups/national\"") && list.contains("闽宁协作 fj-nx"));
    let (status, page, _) = b.get("/groups/national?year=2009").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("东西部协作（全国） 2009 年年鉴"),
        "titled by the group"
    );
    // The group's figure leads to its programs' row, each of which leads to records.
    assert!(page.contains("href=\"#program-aid_funds\""));
    assert!(page.contains("id=\"program-aid_funds\""));
    let row = page.split("id=\"program-aid_funds\"").nth(1).unwrap();
    let row = row.split("</tr>").next().unwrap();
    assert!(
        row.contains("/records/project?program=fj-nx&#38;indicator=aid_funds&#38;year=2009\">100<"),
        "1,000,000 yuan as 100 万元: {row}"
    );
    assert!(row.contains("program=zj-sc&#38;indicator=aid_funds&#38;year=2009\">3,620<"));
    assert!(page.contains("福建省 350000") && page.contains("宁夏回族自治区 640000"));
    let (status, _, _) = b.get("/groups/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The administrator defines a group on the page; a program that is not
    // there is refused by name and nothing is kept.
    assert!(list.contains("id=\"group-form\""));
    let csrf = b.csrf().await;
    let (status, refused, _) = b
        .post(
            "/groups",
            &[
                ("csrf", &csrf),
                ("code", "east"),
                ("name_zh", "东部"),
                ("name_en", "East"),
                ("programs", "zj-sc，no-such"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("id=\"group-error\"") && refused.contains("no-such"));
    assert!(
        refused.contains("value=\"东部\"") && refused.contains("value=\"zj-sc，no-such\""),
        "what was typed stays to be put right"
    );
    let (status, _, to) = b
        .post(
            "/groups",
            &[
                ("csrf", &csrf),
                ("code", "east"),
                ("name_zh", "东部"),
                ("name_en", "East"),
                ("programs", "zj-sc, fj-nx"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/groups/east"));
    let east = server.app.group(&operator, "east").await.unwrap();
    assert_eq!(east.programs, ["zj-sc", "fj-nx"]);
    // Only the administrator: a viewer sees no form and is refused.
    server
        .app
        .add_user(
            &operator,
            "looker",
            "Looker",
            "looker password",
            &Role::Viewer,
        )
        .await
        .unwrap();
    let mut v = Browser::new(&server);
    v.sign_in("looker", "looker password").await;
    let (_, seen, _) = v.get("/groups").await;
    assert!(!seen.contains("id=\"group-form\"") && seen.contains("href=\"/groups/east\""));
    let csrf = v.csrf().await;
    let (status, _, _) = v
        .post(
            "/groups",
            &[("csrf", &csrf), ("code", "mine"), ("programs", "zj-sc")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = server
        .client
        .get(format!(
            "{}/groups/national/yearbook.xlsx?year=2009",
            server.base
        ))
        .header(COOKIE, b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    let tokens = api_tokens(&server, &[("reader", Role::Viewer)], "loose and strict!").await;
    let get = |path: String| {
        server
            .client
            .get(format!("{}/api/v1{path}", server.base))
            .bearer_auth(&tokens["reader"])
            .send()
    };
    let groups: Value = get("/groups".into()).await.unwrap().json().await.unwrap();
    assert_eq!(groups[1]["code"], "national", "by code, after east");
    assert_eq!(groups[1]["programs"], serde_json::json!(["zj-sc", "fj-nx"]));
    let yb: Value = get("/groups/national/yearbook/2009".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        yb["indicators"]["aid_funds"]["year"],
        Value::from(37_200_000)
    );
    assert_eq!(
        yb["by_program"]["fj-nx"]["indicators"]["aid_funds"]["year"],
        Value::from(1_000_000)
    );
    // A write to one program moves the group's figure on the next request.
    let before = yb["indicators"]["aid_funds"]["cumulative"]
        .as_f64()
        .unwrap();
    let office = api_tokens(
        &server,
        &[(
            "fj-office",
            Role::ProgramOffice {
                program: "fj-nx".into(),
            },
        )],
        "loose and strict!",
    )
    .await;
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/fj-nx/records/fund_transaction",
            server.base
        ))
        .bearer_auth(&office["fj-office"])
        .json(&serde_json::json!({
            "code": "fj-2009-cash", "year": 2009, "helper_unit": "xiamen",
            "region_code": "640323", "kind": "disbursement", "amount": 250
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let after: Value = get("/groups/national/yearbook/2009".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["indicators"]["aid_funds"]["cumulative"]
            .as_f64()
            .unwrap(),
        before + 250.0
    );
    // Distinct enterprises: zj-sc's four and fj-nx's two, one of them the
    // same: five in the group, each program keeping its own; a program's
    // figure drills down to its records, counted the same way.
    let enterprises = |v: &Value| v["indicators"]["enterprises_signed"]["year"].clone();
    assert_eq!(enterprises(&after), Value::from(5));
    assert_eq!(enterprises(&after["by_program"]["zj-sc"]), Value::from(4));
    let (_, drill, _) = b
        .get("/records/cooperation_agreement?program=zj-sc&indicator=enterprises_signed&year=2009")
        .await;
    assert_eq!(number_in(&drill, "drill-total"), "4");
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/fj-nx/records/cooperation_agreement",
            server.base
        ))
        .bearer_auth(&office["fj-office"])
        .json(&serde_json::json!({
            "code": "fj-2009-c", "year": 2009, "helper_unit": "xiamen",
            "region_code": "640323", "name_zh": "新协议", "enterprise": "福建新企业",
            "value": 10
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let after: Value = get("/groups/national/yearbook/2009".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        enterprises(&after),
        Value::from(6),
        "a new enterprise counts at once"
    );
    let r = get("/groups/nowhere/yearbook/2009".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The group of 2007 holds fj-nx before it began; fj-nx's own 2007 is
    // still refused, not answered from what the group made.
    let r = get("/groups/national/yearbook/2007".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = get("/programs/fj-nx/yearbook/2007".into()).await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // A national office reads its group's programs and their reports, and
    // nothing else; it writes nothing.
    let fujian =
        twinaid_domain::group::ProgramGroup::new("fujian", "闽宁", "Fujian", &["fj-nx".into()])
            .unwrap();
    server.app.put_group(&operator, &fujian).await.unwrap();
    let national_office = Role::NationalOffice {
        group: "fujian".into(),
        programs: Vec::new(),
    };
    server
        .app
        .add_user(
            &operator,
            "nat",
            "全国办",
            "national password",
            &national_office,
        )
        .await
        .unwrap();
    let mut n = Browser::new(&server);
    n.sign_in("nat", "national password").await;
    let (status, _, to) = n.get("/").await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/groups/fujian"))
    );
    let (status, page, _) = n.get("/groups/fujian?year=2009").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, _, _) = n.get("/groups/national?year=2009").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another group");
    let (status, _, _) = n.get("/records/project?program=fj-nx").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = n.get("/records/project?program=zj-sc").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a program outside its group");
    let (status, _, _) = n.get("/records/project/new?program=fj-nx").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "it writes nothing");
    let (_, groups, _) = n.get("/groups").await;
    assert!(groups.contains("/groups/fujian") && !groups.contains("/groups/national"));
    // National guidance: issued from a member's guidance page to every
    // program of the group; no other program's.
    let (_, page, _) = n.get("/guidance?program=fj-nx&year=2009").await;
    assert!(page.contains("id=\"whole-group\""), "{page}");
    let csrf = hidden(&page, "csrf");
    let national = [
        ("csrf", csrf.as_str()),
        ("title", "东西部协作指导意见"),
        ("year_from", "2009"),
        ("indicators", "aid_funds = 100"),
        ("cap", "1"),
        ("weights", "0.5, 0.3, 0.2"),
        ("bands", "90, 75, 60"),
        ("rubric", "组织领导 = 100"),
        ("whole_group", "1"),
    ];
    let (status, _, _) = n.post("/guidance?program=fj-nx&year=2009", &national).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let versions = server
        .app
        .guidance_versions(&operator, "fj-nx")
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].0.issued_by, "nat");
    let (status, _, _) = n.post("/guidance?program=zj-sc&year=2009", &national).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not its group's");
    // A group its national office is kept to is not deleted from under it.
    let mut a = Browser::new(&server);
    a.sign_in("admin", ADMIN_PASSWORD).await;
    let (_, list, _) = a.get("/groups").await;
    let (status, _, to) = a
        .post("/groups/fujian/delete", &[("csrf", &hidden(&list, "csrf"))])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list, _) = a.get(to.as_deref().unwrap()).await;
    assert!(
        list.contains("id=\"group-error\"") && list.contains("nat"),
        "{list}"
    );
    assert!(server.app.group(&operator, "fujian").await.is_ok());
    let bad = server
        .app
        .add_user(
            &operator,
            "nat2",
            "x",
            "national password",
            &Role::NationalOffice {
                group: "nowhere".into(),
                programs: Vec::new(),
            },
        )
        .await;
    assert!(bad.is_err(), "a group that does not exist");
    // A member removed leaves the group, and the kept report with it.
    server.app.delete_program(&operator, "fj-nx").await.unwrap();
    let after: Value = get("/groups/national/yearbook/2009".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["indicators"]["aid_funds"]["year"],
        Value::from(36_200_000)
    );
    assert_eq!(after["programs"], serde_json::json!(["zj-sc"]));
}

#[tokio::test]
async fn a_project_goes_through_its_life_each_step_taken_by_its_owner() {
    for server in servers().await {
        let roles = [
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
            (
                "office",
                Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            ),
        ];
        let tokens = api_tokens(&server, &roles, "lifecycle password").await;
        let call = |who: &str, method: reqwest::Method, path: &str, body: Option<Value>| {
            api_request(&server, &tokens[who], method, path, body).send()
        };
        let step =
            |who: &'static str, code: &'static str, to: &'static str, reason: &'static str| {
                call(
                    who,
                    reqwest::Method::POST,
                    &format!("/projects/{code}/steps"),
                    Some(serde_json::json!({"to": to, "reason": reason})),
                )
            };
        // The helper proposes; a project it adds is a proposal whatever it says.
        let new = serde_json::json!({"code": "2010-qc-clinic", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "hospital", "name_zh": "青川县卫生室", "amount": 300000});
        let r = call("hz", reqwest::Method::POST, "/records/project", Some(new))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["status"], "proposed");
        assert_eq!(
            step("hz", "2010-qc-clinic", "verified", "")
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "only the office verifies"
        );
        assert_eq!(
            step("qc", "2010-qc-clinic", "verified", "")
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        let steps: Value = call(
            "office",
            reqwest::Method::GET,
            "/projects/2010-qc-clinic/steps",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(
            steps["next"],
            serde_json::json!(["verified", "returned", "cancelled"])
        );
        assert!(
            steps["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["passed"] == true || c["blocking"] == false),
            "{steps}"
        );
        for to in ["verified", "registered"] {
            assert_eq!(
                step("office", "2010-qc-clinic", to, "")
                    .await
                    .unwrap()
                    .status(),
                StatusCode::OK,
                "{to}"
            );
        }
        assert_eq!(
            step("qc", "2010-qc-clinic", "in_progress", "")
                .await
                .unwrap()
                .status(),
            StatusCode::OK,
            "the county reports progress"
        );
        assert_eq!(
            step("hz", "2010-qc-clinic", "completed", "")
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            step("hz", "2010-qc-clinic", "inspected", "")
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            step("office", "2010-qc-clinic", "inspected", "")
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        let steps: Value = call(
            "qc",
            reqwest::Method::GET,
            "/projects/2010-qc-clinic/steps",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(steps["status"], "inspected");
        assert_eq!(
            steps["history"].as_array().unwrap().len(),
            5,
            "every step with who and when"
        );

        // A helper cannot propose a project in a county it is not paired with:
        // the refusal names the missing pairing.
        let elsewhere = serde_json::json!({"code": "2010-nb-x", "year": 2010, "helper_unit": "hangzhou", "region_code": "511321", "category": "school", "name_zh": "南部县某校", "amount": 100000, "status": "proposed"});
        let r = call(
            "hz",
            reqwest::Method::POST,
            "/records/project",
            Some(elsewhere.clone()),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("hangzhou") && body.contains("511321") && body.contains("2010"),
            "{body}"
        );
        assert!(
            body.contains("杭州市人民政府") && body.contains("南部县"),
            "the pairing is named as people know it: {body}"
        );
        // The office may record it, with a reason; it then fails verification,
        // and returning it needs a reason.
        let mut with_reason = elsewhere;
        with_reason["unpaired_reason"] = Value::from("proposed at the joint meeting");
        assert_eq!(
            call(
                "office",
                reqwest::Method::POST,
                "/records/project",
                Some(with_reason)
            )
            .await
            .unwrap()
            .status(),
            StatusCode::CREATED
        );
        // Verification failed: not the input's fault, the project's state.
        let r = step("office", "2010-nb-x", "verified", "").await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("核查未通过"),
            "{body}"
        );
        let r = step("office", "2010-nb-x", "returned", "").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            step(
                "office",
                "2010-nb-x",
                "returned",
                "Nanbu is Wenzhou's county"
            )
            .await
            .unwrap()
            .status(),
            StatusCode::OK
        );

        // The project page shows the steps and their history.
        let mut b = Browser::new(&server);
        assert_eq!(
            b.sign_in("office", "lifecycle password").await,
            StatusCode::SEE_OTHER
        );
        let (_, page, _) = b.get("/records/project/2010-nb-x?program=zj-sc").await;
        assert!(
            page.contains("id=\"lifecycle\"") && page.contains("Nanbu is Wenzhou"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn plans_show_progress_against_targets_and_each_role_its_tasks() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    server
        .app
        .add_user(
            &operator,
            "hz",
            "hz",
            "hangzhou password",
            &Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        )
        .await
        .unwrap();
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, plans, _) = b.get("/plans?program=zj-sc&year=2009").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        plans.matches("<tr class=").count(),
        24,
        "two targets for each of the twelve city–county pairings"
    );
    assert!(plans.contains("98.4%"), "Peng'an: 2.46 of 2.5 million yuan");
    assert!(
        plans.contains("/records/project/2009-510822-school?program=zj-sc"),
        "completed projects wait for inspection"
    );
    let mut h = Browser::new(&server);
    h.sign_in("hz", "hangzhou password").await;
    let (_, own, _) = h.get("/plans?program=zj-sc&year=2009").await;
    assert_eq!(
        own.matches("<tr class=").count(),
        4,
        "Hangzhou sees its own targets only"
    );
    assert!(!own.contains("511321"));
}

#[tokio::test]
async fn the_cross_examination_is_drawn_once_and_each_party_does_its_part() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    let office = Actor {
        name: "office".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    server
        .app
        .add_user(
            &operator,
            "office",
            "office",
            "office password!",
            &office.role,
        )
        .await
        .unwrap();
    let mut o = Browser::new(&server);
    o.sign_in("office", "office password!").await;
    let csrf = o.csrf().await;
    let (status, _, _) = o
        .post(
            "/inspections/draw?program=zj-sc&year=2009",
            &[("csrf", &csrf), ("seed", "2009")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = o.get("/inspections?program=zj-sc&year=2009").await;
    assert!(page.contains("id=\"drawn\"") && page.contains("2009"));
    let (_, rows) = server
        .app
        .inspections(&office, "zj-sc", 2009)
        .await
        .unwrap();
    assert_eq!(rows.len(), 73, "every 2009 project of a paired unit");
    let counties = |unit: &str| -> Vec<String> {
        let pairs = [
            ("hangzhou", ["510822", "510812"].as_slice()),
            ("wenzhou", &["511321", "511324"]),
            ("huzhou", &["510821", "510811"]),
            ("jinhua", &["511381", "511304"]),
            ("jiaxing", &["510824"]),
            ("shaoxing", &["510823"]),
            ("taizhou", &["511322"]),
            ("quzhou", &["511323"]),
            ("zj-dot", &["511381"]),
        ];
        pairs
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, c)| c.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default()
    };
    let mut load = std::collections::BTreeMap::new();
    for r in &rows {
        assert_ne!(r.inspector_unit, r.inspected_unit);
        assert!(
            counties(&r.inspector_unit)
                .iter()
                .all(|c| !counties(&r.inspected_unit).contains(c)),
            "{r:?}"
        );
        *load.entry(r.inspector_unit.clone()).or_insert(0) += 1;
    }
    let (min, max) = (load.values().min().unwrap(), load.values().max().unwrap());
    assert!(max - min <= 1, "even load {load:?}");
    // The same seed on another database gives the same draw.
    let other = spawn(None).await;
    other
        .app
        .draw_inspections(&operator, "zj-sc", 2009, 2009)
        .await
        .unwrap();
    let (_, again) = other
        .app
        .inspections(&operator, "zj-sc", 2009)
        .await
        .unwrap();
    assert_eq!(again, rows);
    // Once a year only.
    let (_, _, location) = o
        .post(
            "/inspections/draw?program=zj-sc&year=2009",
            &[("csrf", &csrf), ("seed", "7")],
        )
        .await;
    assert!(location.unwrap().contains("error="));

    // The inspecting unit records a finding demanding rectification; only it may.
    let target = rows
        .iter()
        .find(|r| r.inspector_unit == "hangzhou")
        .unwrap()
        .clone();
    let not_ours = rows
        .iter()
        .find(|r| r.inspector_unit != "hangzhou" && r.inspected_unit != "hangzhou")
        .unwrap()
        .clone();
    server
        .app
        .add_user(
            &operator,
            "hz",
            "hz",
            "hangzhou password",
            &Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        )
        .await
        .unwrap();
    server
        .app
        .add_user(
            &operator,
            "them",
            "them",
            "inspected password",
            &Role::HelperUnit {
                unit: target.inspected_unit.clone(),
            },
        )
        .await
        .unwrap();
    let mut h = Browser::new(&server);
    h.sign_in("hz", "hangzhou password").await;
    let csrf_h = h.csrf().await;
    let (status, _, _) = h
        .post(
            &format!(
                "/inspections/{}/finding?program=zj-sc&year=2009",
                not_ours.project
            ),
            &[("csrf", &csrf_h), ("rating", "90")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another team's project");
    let (status, _, _) = h
        .post(
            &format!(
                "/inspections/{}/finding?program=zj-sc&year=2009",
                target.project
            ),
            &[
                ("csrf", &csrf_h),
                ("rating", "85"),
                ("issues", "accounts incomplete"),
                ("rectification_required", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, location) = h
        .post(
            &format!(
                "/inspections/{}/close?program=zj-sc&year=2009",
                target.project
            ),
            &[("csrf", &csrf_h)],
        )
        .await;
    assert!(
        location.unwrap().contains("error="),
        "not closed before the answer"
    );
    // The inspector attaches a photo; a file type that could run in a browser is refused.
    let png = b"\x89PNG\r\n\x1a\n fake photo of the school".to_vec();
    let attach = format!(
        "/inspections/{}/attachments?program=zj-sc&year=2009",
        target.project
    );
    let (status, location) = h
        .upload(&attach, &csrf_h, "现场照片.png", png.clone())
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!location.unwrap().contains("error="));
    let (_, location) = h
        .upload(
            &attach,
            &csrf_h,
            "page.html",
            b"<script>alert(1)</script>".to_vec(),
        )
        .await;
    assert!(location.unwrap().contains("error="), "not an accepted type");
    let (status, _) = h.upload(&attach, "forged", "x.png", png.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the CSRF token is checked");
    let (_, page, _) = h.get("/inspections?program=zj-sc&year=2009").await;
    let id: i64 = page
        .split("/attachments/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .expect("the photo is listed with its finding");
    assert!(page.contains("现场照片.png"));
    let mut t = Browser::new(&server);
    t.sign_in("them", "inspected password").await;
    let csrf_t = t.csrf().await;
    // The inspected unit sees the photo, as a download.
    let r = server
        .client
        .get(format!("{}/attachments/{id}?program=zj-sc", server.base))
        .header(COOKIE, t.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let (status, _, _) = t
        .post(
            &format!(
                "/inspections/{}/answer?program=zj-sc&year=2009",
                target.project
            ),
            &[("csrf", &csrf_t), ("answer", "accounts completed")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, location) = h
        .post(
            &format!(
                "/inspections/{}/close?program=zj-sc&year=2009",
                target.project
            ),
            &[("csrf", &csrf_h)],
        )
        .await;
    assert_eq!(
        (status, location.unwrap().contains("error=")),
        (StatusCode::SEE_OTHER, false)
    );
    let (_, _, location) = h
        .post(
            &format!(
                "/inspections/{}/finding?program=zj-sc&year=2009",
                target.project
            ),
            &[("csrf", &csrf_h), ("rating", "10")],
        )
        .await;
    assert!(
        location.unwrap().contains("error="),
        "a closed inspection does not change"
    );
    let (_, location) = h.upload(&attach, &csrf_h, "late.png", png.clone()).await;
    assert!(
        location.unwrap().contains("error="),
        "nothing is attached to a closed inspection"
    );
    // The API refuses other roles the same way.
    let token = server
        .app
        .create_api_token(
            &Actor {
                name: "hz".into(),
                role: Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            },
            "t",
            "127.0.0.1",
        )
        .await
        .unwrap()
        .0;
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/inspections/2009/draw",
            server.base
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"seed": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only the office draws");
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/inspections/2009/{}/finding",
            server.base, not_ours.project
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"rating": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let listed: Value = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/inspections/2009",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed["inspections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["inspector_unit"] == "hangzhou" || r["inspected_unit"] == "hangzhou")
    );
    let closed = server
        .app
        .inspections(&office, "zj-sc", 2009)
        .await
        .unwrap()
        .1
        .into_iter()
        .find(|r| r.project == target.project)
        .unwrap();
    assert_eq!(
        (
            closed.rating,
            closed.closed,
            closed.rectification_answer.as_deref()
        ),
        (Some(85), true, Some("accounts completed"))
    );
    // By API: the inspector lists and downloads its attachment; an expert is told nothing exists.
    let listed: Value = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/inspections/2009/attachments",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["filename"], "现场照片.png");
    assert_eq!(listed[0]["size"], Value::from(png.len()));
    server
        .app
        .add_user(&operator, "ex", "ex", "expert password!", &Role::Expert)
        .await
        .unwrap();
    let expert = server
        .app
        .create_api_token(
            &Actor {
                name: "ex".into(),
                role: Role::Expert,
            },
            "t",
            "127.0.0.1",
        )
        .await
        .unwrap()
        .0;
    for (who, expected) in [(&token, StatusCode::OK), (&expert, StatusCode::NOT_FOUND)] {
        let r = server
            .client
            .get(format!(
                "{}/api/v1/programs/zj-sc/attachments/{id}",
                server.base
            ))
            .bearer_auth(who)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected);
    }
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/inspections/2009/{}/attachments?filename=report.pdf",
            server.base, not_ours.project
        ))
        .bearer_auth(&token)
        .body(b"%PDF-1.4".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "not the inspector of that project"
    );
}

#[tokio::test]
async fn guidance_expert_scores_assessment_and_publishing_lock_the_year() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    server
        .app
        .add_user(
            &operator,
            "office",
            "office",
            "office password!",
            &Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )
        .await
        .unwrap();
    server
        .app
        .add_user(
            &operator,
            "expert1",
            "Expert",
            "expert password!",
            &Role::Expert,
        )
        .await
        .unwrap();
    server
        .app
        .add_user(
            &operator,
            "hz",
            "hz",
            "hangzhou password",
            &Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        )
        .await
        .unwrap();
    let mut o = Browser::new(&server);
    o.sign_in("office", "office password!").await;
    let csrf = o.csrf().await;
    let guidance = |indicators: &'static str| {
        vec![
            ("title", "2009年浙江省对口帮扶工作指导意见"),
            ("year_from", "2009"),
            ("year_to", ""),
            ("priorities", "整村推进\n产业扶持\n劳务培训"),
            ("tasks", "建设扶贫新村24个"),
            ("indicators", indicators),
            ("cap", "1"),
            ("weights", "0.5, 0.3, 0.2"),
            ("bands", "90, 75, 60"),
            ("rubric", "组织领导 = 30\n项目管理 = 40\n资金管理 = 30"),
        ]
    };
    let mut bad = guidance("aid_funds = 60\nno_such_indicator = 40");
    bad.push(("csrf", &csrf));
    let (status, html, _) = o.post("/guidance?program=zj-sc&year=2009", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"error-indicators\"") && html.contains("no_such_indicator"));
    // The page's form: a weight typed beside each indicator's name.
    let mut good = guidance("");
    good.retain(|(k, _)| *k != "indicators");
    good.extend([
        ("weight_order", "aid_funds,new_villages,beneficiaries"),
        ("weight.aid_funds", "60"),
        ("weight.new_villages", " 40 "),
        ("weight.beneficiaries", ""),
        ("csrf", &csrf),
    ]);
    let (status, _, _) = o.post("/guidance?program=zj-sc&year=2009", &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = o.get("/guidance?program=zj-sc&year=2009").await;
    assert!(page.contains("id=\"current-guidance\"") && page.contains("v1"));
    assert!(
        page.contains("name=\"weight.aid_funds\" value=\"60\"")
            && page.contains("name=\"weight.new_villages\" value=\"40\"")
            && page.contains("name=\"weight.beneficiaries\" value=\"\""),
        "the next version starts from these weights, by name"
    );

    // A helper unit may not issue guidance, assign experts or publish.
    let mut h = Browser::new(&server);
    h.sign_in("hz", "hangzhou password").await;
    let csrf_h = h.csrf().await;
    let mut forged = guidance("aid_funds = 1");
    forged.push(("csrf", &csrf_h));
    assert_eq!(
        h.post("/guidance?program=zj-sc&year=2009", &forged).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.post(
            "/experts/assign?program=zj-sc&year=2009",
            &[
                ("csrf", &csrf_h),
                ("expert", "expert1"),
                ("unit", "hangzhou")
            ]
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.post(
            "/assessment/publish?program=zj-sc&year=2009",
            &[("csrf", &csrf_h)]
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // The office assigns an expert; the expert sees only its assignment and scores once.
    let (_, _, location) = o
        .post(
            "/experts/assign?program=zj-sc&year=2009",
            &[("csrf", &csrf), ("expert", "expert1"), ("unit", "hangzhou")],
        )
        .await;
    assert!(!location.unwrap().contains("error="));
    let mut e = Browser::new(&server);
    e.sign_in("expert1", "expert password!").await;
    let (_, mine, _) = e.get("/experts?program=zj-sc&year=2009").await;
    assert!(mine.contains("/experts/hangzhou/score"));
    let (status, _, _) = e.get("/records/project?program=zj-sc").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an expert sees only what is assigned"
    );
    let csrf_e = e.csrf().await;
    let (_, _, location) = e
        .post(
            "/experts/wenzhou/score?program=zj-sc&year=2009",
            &[("csrf", &csrf_e), ("item.组织领导", "90")],
        )
        .await;
    assert!(location.is_none(), "not assigned: refused");
    let scores = [
        ("csrf", csrf_e.as_str()),
        ("item.组织领导", "90"),
        ("item.项目管理", "80"),
        ("item.资金管理", "70"),
    ];
    let (status, body, location) = e
        .post("/experts/hangzhou/score?program=zj-sc&year=2009", &scores)
        .await;
    assert!(
        !location
            .unwrap_or_else(|| panic!("{status} {body}"))
            .contains("error=")
    );
    let (_, _, location) = e
        .post("/experts/hangzhou/score?program=zj-sc&year=2009", &scores)
        .await;
    assert!(
        location.unwrap().contains("error="),
        "scores are locked once submitted"
    );

    // An outline spans years and sets direction; it does not replace the year's guidance.
    let mut outline = guidance("");
    outline.retain(|(k, _)| !matches!(*k, "year_from" | "year_to" | "title" | "rubric"));
    outline.extend([
        ("kind", "outline"),
        ("title", "2009—2010年东西扶贫协作规划纲要"),
        ("year_from", "2009"),
        ("year_to", "2010"),
        ("csrf", csrf.as_str()),
    ]);
    assert_eq!(
        o.post("/guidance?program=zj-sc&year=2009", &outline)
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let (_, page, _) = o.get("/guidance?program=zj-sc&year=2010").await;
    assert!(page.contains("id=\"outline-2\"") && page.contains("规划纲要"));
    assert!(
        page.contains("id=\"no-guidance\""),
        "an outline is not a year's guidance"
    );

    // Satisfaction: Qingchuan rates Hangzhou; a unit may not rate, nor a county rate a unit not paired with it.
    server
        .app
        .add_user(
            &operator,
            "qc",
            "qc",
            "qingchuan password",
            &Role::HelpedCounty {
                region: "510822".into(),
            },
        )
        .await
        .unwrap();
    let mut c = Browser::new(&server);
    c.sign_in("qc", "qingchuan password").await;
    let csrf_c = c.csrf().await;
    let to = "/assessment/satisfaction?program=zj-sc&year=2009";
    let rate = |unit: &'static str, rating: &'static str, csrf: &str| {
        [
            ("unit", unit.to_string()),
            ("rating", rating.to_string()),
            ("comment", "满意".to_string()),
            ("csrf", csrf.to_string()),
        ]
    };
    for (unit, rating, why) in [
        ("wenzhou", "90", "Wenzhou is not paired with Qingchuan"),
        ("hangzhou", "101", "a rating is 0 to 100"),
    ] {
        let f = rate(unit, rating, &csrf_c);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, _, location) = c.post(to, &f).await;
        assert!(location.unwrap().contains("error="), "{why}");
    }
    let f = rate("hangzhou", "100", &csrf_c);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, location) = c.post(to, &f).await;
    assert!(!location.unwrap().contains("error="));
    let f = rate("hangzhou", "100", &csrf_h);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        h.post(to, &f).await.0,
        StatusCode::FORBIDDEN,
        "a unit does not rate itself"
    );

    // The assessment: Hangzhou met its targets (statistics 100, satisfaction 100), no inspection yet, experts 80.
    let (_, ranking, _) = o.get("/assessment?program=zj-sc&year=2009").await;
    let (status, report, _) = o
        .get("/assessment/unit/hangzhou?program=zj-sc&year=2009")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report.contains("/records/project?program=zj-sc&#38;indicator=aid_funds&#38;year=2009&#38;f.helper_unit=hangzhou")
            && report.contains("href=\"#satisfaction\"")
            && report.contains("满意"),
        "every line links to what it rests on: {report}"
    );
    assert!(
        ranking.contains("100.00") && ranking.contains("80.00"),
        "{ranking}"
    );
    assert!(
        ranking.contains("总分 = (0.5 × 100.00 + 0.3 × 0.00 + 0.2 × 80.00) ÷ 1 = 66.00"),
        "the explanation recomputes the total"
    );
    assert_eq!(
        o.post(
            "/assessment/publish?program=zj-sc&year=2009",
            &[("csrf", &csrf)]
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let (_, published, _) = o.get("/assessment?program=zj-sc&year=2009").await;
    assert!(published.contains("id=\"published\""));
    // The published year keeps the step its projects count from.
    let mut recount = guidance("aid_funds = 60\nnew_villages = 40");
    recount.push(("counts_from", "completed"));
    let csrf_o = o.csrf().await;
    recount.push(("csrf", &csrf_o));
    let (status, html, _) = o.post("/guidance?program=zj-sc&year=2009", &recount).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("计入起点不能再改"), "{html}");
    let f = rate("hangzhou", "50", &csrf_c);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, location) = c.post(to, &f).await;
    assert!(
        location.unwrap().contains("error="),
        "no rating once the year is published"
    );
    // A record of the published year cannot change any more; the published score stays.
    let r = server
        .app
        .save_record(
            &operator,
            "zj-sc",
            twinaid_domain::record::RecordKind::Project,
            &[("amount".to_string(), "1".to_string())]
                .into_iter()
                .collect(),
            Some("2009-510822-school"),
        )
        .await;
    assert!(
        matches!(
            r,
            Err(twinaid_app::AppError::Field(
                "correction_reason",
                twinaid_domain::DomainError::YearPublished(2009)
            ))
        ),
        "{r:?}"
    );
    // With a reason it is recorded as a correction: the figures move, the published scores do not.
    let (_, form, _) = o
        .get("/records/project/2009-510822-school/edit?program=zj-sc")
        .await;
    let mut cells: std::collections::BTreeMap<String, String> =
        twinaid_domain::record::RecordKind::Project
            .fields()
            .iter()
            .map(|f| {
                let value = if form.contains(&format!(
                    "name=\"{}\" id=\"field-{}\" value=\"",
                    f.name, f.name
                )) {
                    hidden_input(&form, f.name)
                } else {
                    selected(&form, f.name)
                };
                (f.name.to_string(), value)
            })
            .collect();
    cells.insert("amount".into(), "500000".into());
    cells.insert(
        "correction_reason".into(),
        "audit found 100,000 yuan more".into(),
    );
    server
        .app
        .save_record(
            &operator,
            "zj-sc",
            twinaid_domain::record::RecordKind::Project,
            &cells,
            Some("2009-510822-school"),
        )
        .await
        .unwrap();
    let (_, after, _) = o.get("/assessment?program=zj-sc&year=2009").await;
    assert!(after.contains("66.00"), "the published score stays");
    let (_, yearbook, _) = o.get("/yearbook?program=zj-sc&year=2009").await;
    assert!(
        yearbook.contains(">3,630</a>"),
        "the figures follow the records"
    );
    let audit = server.app.audit_log(&operator, 1).await.unwrap();
    assert_eq!(audit[0].action, "correction");
    assert!(
        audit[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("audit found 100,000 yuan more")
    );
}

#[tokio::test]
async fn an_annual_plan_is_drafted_submitted_returned_approved_and_revised_with_a_reason() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    server
        .app
        .add_user(
            &operator,
            "office",
            "office",
            "office password!",
            &Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )
        .await
        .unwrap();
    server
        .app
        .add_user(
            &operator,
            "hz",
            "hz",
            "hangzhou password",
            &Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        )
        .await
        .unwrap();
    server
        .app
        .add_user(
            &operator,
            "wz",
            "wz",
            "wenzhou password",
            &Role::HelperUnit {
                unit: "wenzhou".into(),
            },
        )
        .await
        .unwrap();
    let (mut h, mut o, mut w) = (
        Browser::new(&server),
        Browser::new(&server),
        Browser::new(&server),
    );
    h.sign_in("hz", "hangzhou password").await;
    o.sign_in("office", "office password!").await;
    w.sign_in("wz", "wenzhou password").await;
    let (ch, co, cw) = (h.csrf().await, o.csrf().await, w.csrf().await);
    let plan = "/plans/hangzhou?program=zj-sc&year=2010";
    let act = |a: &str| format!("/plans/hangzhou/{a}?program=zj-sc&year=2010");
    let ok = |r: (StatusCode, String, Option<String>)| {
        r.0 == StatusCode::SEE_OTHER && !r.2.unwrap_or_default().contains("error=")
    };
    assert!(ok(h
        .post(
            &act("target"),
            &[
                ("csrf", &ch),
                ("indicator", "aid_funds"),
                ("region_code", "510822"),
                ("target", "3,000,000")
            ]
        )
        .await));
    assert!(
        !ok(h
            .post(
                &act("target"),
                &[
                    ("csrf", &ch),
                    ("indicator", "aid_funds"),
                    ("region_code", "511321"),
                    ("target", "5")
                ]
            )
            .await),
        "Nanbu is Wenzhou's county, not Hangzhou's"
    );
    assert!(!ok(h
        .post(
            &act("target"),
            &[
                ("csrf", &ch),
                ("indicator", "aid_funds"),
                ("region_code", ""),
                ("target", "abc")
            ]
        )
        .await));
    assert_eq!(
        w.post(
            &act("target"),
            &[
                ("csrf", &cw),
                ("indicator", "aid_funds"),
                ("region_code", ""),
                ("target", "1")
            ]
        )
        .await
        .0,
        StatusCode::FORBIDDEN,
        "another unit's plan"
    );
    assert!(ok(h.post(&act("submit"), &[("csrf", &ch)]).await));
    assert_eq!(
        h.post(&act("approve"), &[("csrf", &ch)]).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, page, _) = h.get(plan).await;
    assert!(page.contains("已提交待审批"));
    assert!(
        !ok(o
            .post(&act("return"), &[("csrf", &co), ("comment", "")])
            .await),
        "returning needs a comment"
    );
    assert!(ok(o
        .post(
            &act("return"),
            &[("csrf", &co), ("comment", "add a target for Chaotian")]
        )
        .await));
    assert!(ok(h
        .post(
            &act("target"),
            &[
                ("csrf", &ch),
                ("indicator", "new_villages"),
                ("region_code", "510812"),
                ("target", "2")
            ]
        )
        .await));
    assert!(ok(h.post(&act("submit"), &[("csrf", &ch)]).await));
    assert!(ok(o.post(&act("approve"), &[("csrf", &co)]).await));
    assert!(
        !ok(h
            .post(
                &act("target"),
                &[
                    ("csrf", &ch),
                    ("indicator", "schools"),
                    ("region_code", "510812"),
                    ("target", "1")
                ]
            )
            .await),
        "an approved plan is locked"
    );
    assert!(
        !ok(h
            .post(&act("revise"), &[("csrf", &ch), ("comment", "")])
            .await),
        "a revision needs a reason"
    );
    assert!(ok(h
        .post(
            &act("revise"),
            &[
                ("csrf", &ch),
                ("comment", "earthquake repairs moved to 2011")
            ]
        )
        .await));
    let (_, page, _) = o.get(plan).await;
    assert!(
        page.contains("草稿")
            && page.contains("earthquake repairs moved to 2011")
            && page.contains("id=\"revisions\""),
        "{page}"
    );
}

#[tokio::test]
async fn each_step_of_the_year_is_refused_to_the_roles_that_do_not_own_it_by_api() {
    let server = spawn(None).await;
    let roles = [
        (
            "office",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        ),
        (
            "hz",
            Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        ),
        (
            "wz",
            Role::HelperUnit {
                unit: "wenzhou".into(),
            },
        ),
        ("expert1", Role::Expert),
        ("viewer", Role::Viewer),
        (
            "qc",
            Role::HelpedCounty {
                region: "510822".into(),
            },
        ),
    ];
    let tokens = api_tokens(&server, &roles, "cycle password!").await;
    let post = |who: &str, path: &str, body: Value| {
        server
            .client
            .post(format!("{}/api/v1/programs/zj-sc{path}", server.base))
            .bearer_auth(&tokens[who])
            .json(&body)
            .send()
    };
    let get = |who: &str, path: &str| {
        server
            .client
            .get(format!("{}/api/v1/programs/zj-sc{path}", server.base))
            .bearer_auth(&tokens[who])
            .send()
    };
    let guidance = serde_json::json!({"title": "2010 guidance", "year_from": "2010", "indicators": "aid_funds = 100", "cap": "1", "weights": "0.6, 0.2, 0.2", "bands": "90, 75, 60", "rubric": "管理 = 100"});
    for who in ["hz", "expert1", "viewer"] {
        assert_eq!(
            post(who, "/guidance", guidance.clone())
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "{who} issues guidance"
        );
    }
    assert_eq!(
        post("office", "/guidance", guidance)
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        get("wz", "/plans/hangzhou/2010").await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "another unit's plan"
    );
    assert_eq!(
        post(
            "wz",
            "/plans/hangzhou/2010/targets",
            serde_json::json!({"indicator": "aid_funds", "region_code": "510822", "target": "100"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            "hz",
            "/plans/hangzhou/2010/targets",
            serde_json::json!({"indicator": "aid_funds", "region_code": "510822", "target": "100"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post("hz", "/plans/hangzhou/2010/submit", serde_json::json!({}))
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    for who in ["hz", "wz", "expert1", "viewer"] {
        assert_eq!(
            post(who, "/plans/hangzhou/2010/approve", serde_json::json!({}))
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "{who} approves"
        );
    }
    assert_eq!(
        post(
            "office",
            "/plans/hangzhou/2010/approve",
            serde_json::json!({})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(
            "hz",
            "/experts/2010/assign",
            serde_json::json!({"expert": "expert1", "unit": "hangzhou"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            "office",
            "/experts/2010/assign",
            serde_json::json!({"expert": "expert1", "unit": "hangzhou"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(
            "hz",
            "/experts/2010/hangzhou/scores",
            serde_json::json!({"管理": 99})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::FORBIDDEN,
        "units do not score themselves"
    );
    assert_eq!(
        post(
            "expert1",
            "/experts/2010/hangzhou/scores",
            serde_json::json!({"管理": 150})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(
            "expert1",
            "/experts/2010/hangzhou/scores",
            serde_json::json!({"管理": 90})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(
            "expert1",
            "/experts/2010/hangzhou/scores",
            serde_json::json!({"管理": 10})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::CONFLICT,
        "locked"
    );
    let experts: Value = get("expert1", "/experts/2010")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(experts.as_array().unwrap().len(), 1);
    assert_eq!(
        get("expert1", "/assessment/2010").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    // Only the paired county rates its helper.
    let rating = serde_json::json!({"unit": "hangzhou", "rating": 80, "comment": "good"});
    for who in ["office", "hz", "expert1", "viewer"] {
        assert_eq!(
            post(who, "/satisfaction/2010", rating.clone())
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "{who} rates"
        );
    }
    assert_eq!(
        post("qc", "/satisfaction/2010", rating)
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let ratings: Value = get("hz", "/satisfaction/2010")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ratings[0]["rating"], Value::from(80));
    let assessment: Value = get("viewer", "/assessment/2010")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(assessment["units"][0]["unit"], "hangzhou");
    assert_eq!(assessment["units"][0]["expert"], Value::from(90.0));
    for who in ["hz", "expert1", "viewer"] {
        assert_eq!(
            post(who, "/assessment/2010/publish", serde_json::json!({}))
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "{who} publishes"
        );
    }
    assert_eq!(
        post("office", "/assessment/2010/publish", serde_json::json!({}))
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let published: Value = get("hz", "/assessment/2010")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(published["published"].is_object());
}

#[tokio::test]
async fn a_sheet_is_imported_through_the_page_refused_whole_with_its_rows_named_and_lists_export() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    for (name, role) in [
        (
            "office",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        ),
        (
            "hz",
            Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        ),
    ] {
        server
            .app
            .add_user(&operator, name, name, "import password", &role)
            .await
            .unwrap();
    }
    let mut o = Browser::new(&server);
    o.sign_in("office", "import password").await;
    let csrf = o.csrf().await;

    // The template downloads as a workbook.
    let r = server
        .client
        .get(format!(
            "{}/records/training/template.xlsx?program=zj-sc",
            server.base
        ))
        .header(COOKIE, o.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let template = r.bytes().await.unwrap().to_vec();
    let sheets = twinaid_exchange::read_sheets("t.xlsx", &template).unwrap();
    assert_eq!(sheets[0].name, "training");

    // A CSV with a bad amount on row 3 is refused whole, the row named, with an annotated copy.
    let csv = |amount: &str| {
        format!(
            "编号,年度,帮扶单位,受帮扶地区,项目类别,项目名称,帮扶资金\n\
             2010-web-1,2010,hangzhou,510822,school,网页导入小学一,100000\n\
             2010-web-2,2010,hangzhou,510822,school,网页导入小学二,{amount}\n"
        )
        .into_bytes()
    };
    let to = "/records/project/import?program=zj-sc";
    let form = |bytes: Vec<u8>, csrf: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("projects.csv"),
            )
    };
    let post = |cookies: String, bytes: Vec<u8>, csrf: String| {
        server
            .client
            .post(format!("{}{to}", server.base))
            .header(COOKIE, cookies)
            .multipart(form(bytes, &csrf))
            .send()
    };
    let r = post(o.cookie_header(), csv("-5"), csrf.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("第 3 行") && page.contains("amount") && page.contains("-5"),
        "{page}"
    );
    let copy = page
        .split("id=\"error-copy\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let (status, _, _) = o.get(&copy).await;
    assert_eq!(status, StatusCode::OK, "the importer downloads the copy");
    let mut h = Browser::new(&server);
    h.sign_in("hz", "import password").await;
    let (status, _, _) = h.get(&copy).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nobody else does");
    let (_, list, _) = o.get("/records/project?program=zj-sc&year=2010").await;
    assert!(!list.contains("2010-web-1"), "nothing was written");

    // Fixed, it is imported, and the list says what was done.
    let r = post(o.cookie_header(), csv("200000"), csrf.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()[LOCATION].to_str().unwrap().to_string();
    let (_, list, _) = o.get(&location).await;
    assert!(list.contains("id=\"notice\"") && list.contains("2010-web-2"));

    // A helper unit may not import another unit's rows.
    let csrf_h = h.csrf().await;
    let theirs = "code,year,helper_unit,region_code,category,name_zh,amount\n\
                  2010-web-3,2010,wenzhou,511321,school,别人的项目,1\n"
        .as_bytes()
        .to_vec();
    let r = post(h.cookie_header(), theirs, csrf_h).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("2010-web-3"));

    // The filtered list exports with its rows and a totals row.
    let r = server
        .client
        .get(format!(
            "{}/records/project/export.xlsx?program=zj-sc&year=2010",
            server.base
        ))
        .header(COOKIE, o.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let book = twinaid_exchange::read_sheets("e.xlsx", &r.bytes().await.unwrap()).unwrap();
    let text: Vec<String> = book[0].rows.iter().flat_map(|r| r.cells.clone()).collect();
    assert!(
        text.contains(&"2010-web-1".to_string()) && text.contains(&"300000".to_string()),
        "{text:?}"
    );
    let r = server
        .client
        .get(format!(
            "{}/records/project/export.csv?program=zj-sc&year=2010",
            server.base
        ))
        .header(COOKIE, o.cookie_header())
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"));
    assert_eq!(
        String::from_utf8_lossy(&bytes).lines().count(),
        3,
        "header and two rows: a CSV is data only, no totals"
    );
}

#[tokio::test]
async fn the_yearbook_and_assessment_download_as_workbooks_in_wan_yuan() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    server
        .app
        .add_user(
            &operator,
            "viewer",
            "viewer",
            "viewer password",
            &Role::Viewer,
        )
        .await
        .unwrap();
    let mut v = Browser::new(&server);
    v.sign_in("viewer", "viewer password").await;
    let (_, page, _) = v.get("/yearbook?program=zj-sc&year=2009").await;
    assert!(page.contains("id=\"yearbook-xlsx\""));
    let r = server
        .client
        .get(format!(
            "{}/yearbook.xlsx?program=zj-sc&year=2009",
            server.base
        ))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let book = twinaid_exchange::read_sheets("y.xlsx", &r.bytes().await.unwrap()).unwrap();
    let names: Vec<&str> = book.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["主要指标", "按资金来源", "按受帮扶县"]);
    let aid = book[0]
        .rows
        .iter()
        .find(|r| r.cells[0].starts_with("帮扶资金（万元）"))
        .unwrap();
    assert_eq!(
        aid.cells[1], "3620",
        "the report's 36.2 million yuan, in 万元"
    );
    let total = book[2].rows.last().unwrap();
    assert_eq!(total.cells[0], "合计");
    // The yearbook as a Word document, with the report's figures in its text.
    let r = server
        .client
        .get(format!(
            "{}/yearbook.docx?program=zj-sc&year=2009",
            server.base
        ))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = twinaid_exchange::document::docx_body_text(&r.bytes().await.unwrap()).unwrap();
    assert!(text.contains("全年投入帮扶资金 3,620 万元"), "{text}");
    // And as PDF, when the machine has the Chinese fonts (.ci/run installs them).
    let r = server
        .client
        .get(format!(
            "{}/yearbook.pdf?program=zj-sc&year=2009",
            server.base
        ))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    if twinaid_exchange::pdf::PdfFonts::find(None, twinaid_domain::Lang::Zh).is_ok() {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    } else {
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("fonts-noto-cjk"));
    }
    // A county's fact sheet, linked from the yearbook's table by county.
    let page = server
        .client
        .get(format!("{}/yearbook?program=zj-sc&year=2009", server.base))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/counties/510822/factsheet.pdf?program=zj-sc&#38;year=2009\""));
    let get = |path: &str| {
        server
            .client
            .get(format!("{}{path}", server.base))
            .header(COOKIE, v.cookie_header())
            .send()
    };
    let r = get("/counties/510822/factsheet.docx?program=zj-sc&year=2009")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = twinaid_exchange::document::docx_body_text(&r.bytes().await.unwrap()).unwrap();
    assert!(text.contains("青川县 2009 年对口帮扶概况"), "{text}");
    let r = get("/counties/510822/factsheet.pdf?program=zj-sc&year=2009")
        .await
        .unwrap();
    if twinaid_exchange::pdf::PdfFonts::find(None, twinaid_domain::Lang::Zh).is_ok() {
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    }
    let r = get("/counties/110101/factsheet.pdf?program=zj-sc&year=2009")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("110101"));
    let r = get("/counties/510822/other.txt?program=zj-sc&year=2009")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Plan against actual, one row per target.
    let r = server
        .client
        .get(format!(
            "{}/plans?program=zj-sc&year=2009&format=xlsx",
            server.base
        ))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let plan = twinaid_exchange::read_sheets("p.xlsx", &r.bytes().await.unwrap()).unwrap();
    assert_eq!(
        plan[0].rows.iter().filter(|r| !r.is_blank()).count(),
        1 + 24,
        "under the title, the header and the demo's 24 targets"
    );
    // No guidance for 2009 in this database: the assessment says what to do instead of a file.
    let r = server
        .client
        .get(format!(
            "{}/assessment.xlsx?program=zj-sc&year=2009",
            server.base
        ))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_api_gives_templates_and_imports_files_refusing_them_whole_with_problems() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    let office = Actor {
        name: "office".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    server
        .app
        .add_user(
            &operator,
            "office",
            "office",
            "office password!",
            &office.role,
        )
        .await
        .unwrap();
    let token = server
        .app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let api = |path: &str| format!("{}/api/v1/programs/zj-sc{path}", server.base);
    let r = server
        .client
        .get(api("/records/fund_transaction/template.xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let sheets = twinaid_exchange::read_sheets("t.xlsx", &r.bytes().await.unwrap()).unwrap();
    assert_eq!(sheets[0].name, "fund_transaction");
    let csv = |amount: &str| {
        format!(
            "code,year,helper_unit,region_code,kind,amount\n\
             2010-api-1,2010,hangzhou,510822,disbursement,{amount}\n"
        )
    };
    let post = |body: String| {
        server
            .client
            .post(api("/records/fund_transaction/import?filename=funds.csv"))
            .bearer_auth(&token)
            .body(body)
            .send()
    };
    let r = post(csv("lots")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["problems"].to_string().contains("amount"),
        "{body}"
    );
    let r = post(csv("1000")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["rows"].as_i64(), body["created"].as_i64()),
        (Some(1), Some(1))
    );
    let body: Value = post(csv("1000")).await.unwrap().json().await.unwrap();
    assert_eq!(
        body["unchanged"].as_i64(),
        Some(1),
        "again: nothing duplicated"
    );
    // Units and places by name alone, as a clerk writes them.
    let named = "code,year,helper_unit,region_code,kind,amount\n\
                 2010-api-1,2010,杭州市人民政府,青川县,disbursement,1000\n\
                 2010-api-2,2010,HANGZHOU MUNICIPAL GOVERNMENT,Qingchuan County,disbursement,5\n";
    let body: Value = post(named.into()).await.unwrap().json().await.unwrap();
    assert_eq!(
        (body["unchanged"].as_i64(), body["created"].as_i64()),
        (Some(1), Some(1)),
        "names read as the codes they stand for: {body}"
    );
    let stored = server
        .app
        .record(
            &office,
            "zj-sc",
            twinaid_domain::record::RecordKind::FundTransaction,
            "2010-api-2",
        )
        .await
        .unwrap();
    assert_eq!(
        (
            stored.get("helper_unit").as_text(),
            stored.get("region_code").as_text()
        ),
        (Some("hangzhou"), Some("510822"))
    );
    let r = post("code,year,helper_unit,region_code,kind,amount\n2010-api-3,2010,杭州市,无此县,disbursement,1\n".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("helper_unit") && text.contains("杭州市") && text.contains("无此县"),
        "an unknown name is refused at its column, by the name: {text}"
    );
}

#[tokio::test]
async fn only_registered_projects_count_and_records_stay_inside_their_pairing() {
    for server in servers().await {
        let roles = [
            (
                "hz2",
                Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            ),
            (
                "office2",
                Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            ),
        ];
        let tokens = api_tokens(&server, &roles, "counting password").await;
        let call = |who: &str, method: reqwest::Method, path: &str, body: Option<Value>| {
            api_request(&server, &tokens[who], method, path, body).send()
        };
        let aid_funds_2010 = || async {
            let yb: Value = call("office2", reqwest::Method::GET, "/yearbook/2010", None)
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let f = &yb["indicators"]["aid_funds"];
            (f["year"].as_f64().unwrap(), f["pending"].as_f64().unwrap())
        };
        let step = |code: &'static str, to: &'static str, reason: &'static str| {
            call(
                "office2",
                reqwest::Method::POST,
                &format!("/projects/{code}/steps"),
                Some(serde_json::json!({"to": to, "reason": reason})),
            )
        };
        let (counted, pending) = aid_funds_2010().await;

        // Proposed: awaiting verification, beside the figure, not in it.
        let new = serde_json::json!({"code": "2010-count-1", "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "青川县某校", "amount": 250000});
        let r = call("hz2", reqwest::Method::POST, "/records/project", Some(new))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(aid_funds_2010().await, (counted, pending + 250000.0));
        // The yearbook page and the dashboard say so beside the figure, and
        // the drill-down lists the pending records apart.
        let mut b = Browser::new(&server);
        assert_eq!(
            b.sign_in("office2", "counting password").await,
            StatusCode::SEE_OTHER
        );
        let (_, page, _) = b.get("/yearbook?program=zj-sc&year=2010").await;
        assert!(page.contains("另有待核查"), "{page}");
        let (_, page, _) = b.get("/?program=zj-sc&year=2010").await;
        assert!(page.contains("另有待核查"), "{page}");
        let (_, page, _) = b
            .get("/records/project?program=zj-sc&indicator=aid_funds&year=2010")
            .await;
        assert!(page.contains("id=\"drill-pending\""), "{page}");
        assert!(
            !page.contains("2010-count-1"),
            "not among the counted records"
        );
        let (_, page, _) = b
            .get("/records/project?program=zj-sc&indicator=aid_funds&year=2010&standing=pending")
            .await;
        assert!(
            page.contains("id=\"showing-pending\"") && page.contains("2010-count-1"),
            "{page}"
        );
        // Verified: still pending.
        assert_eq!(
            step("2010-count-1", "verified", "").await.unwrap().status(),
            StatusCode::OK
        );
        assert_eq!(aid_funds_2010().await, (counted, pending + 250000.0));
        // Registered: counted, by exactly its amount.
        assert_eq!(
            step("2010-count-1", "registered", "")
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(aid_funds_2010().await, (counted + 250000.0, pending));

        // The helper moves it to a county it is not paired with: refused,
        // the missing pairing named, nothing changed.
        let mut moved: Value = call(
            "hz2",
            reqwest::Method::GET,
            "/records/project/2010-count-1",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        moved["region_code"] = Value::from("511321");
        let r = call(
            "hz2",
            reqwest::Method::PUT,
            "/records/project/2010-count-1",
            Some(moved.clone()),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("hangzhou") && body.contains("511321"),
            "{body}"
        );
        assert_eq!(aid_funds_2010().await, (counted + 250000.0, pending));

        // Moved to another county it is paired with: back to verified, not counted.
        moved["region_code"] = Value::from("510812");
        let r = call(
            "hz2",
            reqwest::Method::PUT,
            "/records/project/2010-count-1",
            Some(moved),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let now: Value = call(
            "hz2",
            reqwest::Method::GET,
            "/records/project/2010-count-1",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(now["status"], "verified");
        assert_eq!(aid_funds_2010().await, (counted, pending + 250000.0));
        // The step back is in the project's history, with why.
        let steps: Value = call(
            "office2",
            reqwest::Method::GET,
            "/projects/2010-count-1/steps",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let last = steps["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["to"], "verified", "{steps}");
        assert!(
            last["reason"].as_str().unwrap_or("").contains("重新登记"),
            "{steps}"
        );
        // Registered again, then cancelled: it moves back.
        assert_eq!(
            step("2010-count-1", "registered", "")
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(aid_funds_2010().await, (counted + 250000.0, pending));
        assert_eq!(
            step("2010-count-1", "cancelled", "duplicate of another school")
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(aid_funds_2010().await, (counted, pending));

        // A guidance that counts 2010's projects only once completed: 2010
        // is counted afresh.
        let guidance = |year: i32| serde_json::json!({"kind": "guidance", "title": format!("{year} guidance"), "year_from": year, "year_to": year, "indicators": "aid_funds = 100", "counts_from": "completed"});
        let r = call(
            "office2",
            reqwest::Method::POST,
            "/guidance",
            Some(guidance(2010)),
        )
        .await
        .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let (counted_2010, _) = aid_funds_2010().await;
        assert!(counted_2010 <= counted, "{counted_2010} {counted}");

        // The summary still equals the records, pending share included.
        let office = Actor {
            name: "office2".into(),
            role: roles[1].1.clone(),
        };
        let kept = server.app.yearbook(&office, "zj-sc", 2010).await.unwrap();
        let fresh = server
            .app
            .yearbook_recomputed(&office, "zj-sc", 2010)
            .await
            .unwrap();
        assert_eq!(kept, fresh);
    }
}

#[tokio::test]
async fn writers_at_once_leave_one_unbroken_audit_chain() {
    for server in servers().await {
        writers_at_once(server).await;
    }
}

/// 200 creates and 20 edits of one record at once: every one is taken, and
/// the audit chain and the figures verify after.
async fn writers_at_once(server: TestServer) {
    let office = Actor {
        name: "admin".into(),
        role: Role::Administrator,
    };
    let token = server
        .app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let clerk = api_tokens(
        &server,
        &[(
            "clerk",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        )],
        "a clerk saving at once",
    )
    .await["clerk"]
        .clone();
    let base = format!("{}/api/v1/programs/zj-sc", server.base);
    // New projects and edits of one project, 220 at once by two people:
    // rows of their own and rows they share (saves are written together,
    // a batch to a transaction), each write with its audit event and actor.
    let writes = (0..220usize).map(|i| {
        let client = server.client.clone();
        let base = base.clone();
        let token = if i.is_multiple_of(2) { token.clone() } else { clerk.clone() };
        async move {
            let r = if i % 11 != 0 {
                let body = serde_json::json!({"code": format!("2010-at-once-{i}"), "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "并发写入", "amount": 1000 + i});
                client
                    .post(format!("{base}/records/project"))
                    .bearer_auth(&token)
                    .json(&body)
            } else {
                let body = serde_json::json!({"code": "2009-510822-school", "year": 2009, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "青川希望小学", "status": "completed", "amount": 400000 + i});
                client
                    .put(format!("{base}/records/project/2009-510822-school"))
                    .bearer_auth(&token)
                    .json(&body)
            };
            r.send().await.unwrap().status()
        }
    });
    let statuses = futures_join_all(writes).await;
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");
    // Two clerks saving one new code at once: one is taken, the other is
    // told the code is taken, on its field; never a 500.
    for pair in 0..5 {
        let same = (0..2).map(|_| {
            let client = server.client.clone();
            let (base, token) = (base.clone(), token.clone());
            async move {
                let body = serde_json::json!({"code": format!("2010-same-{pair}"), "year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "同一编号", "amount": 1});
                let r = client
                    .post(format!("{base}/records/project"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        });
        let mut answers = futures_join_all(same).await;
        answers.sort_by_key(|(s, _)| s.as_u16());
        assert_eq!(answers[0].0, StatusCode::CREATED, "{answers:?}");
        assert_eq!(
            answers[1].0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{answers:?}"
        );
        assert!(
            answers[1].1.contains(&format!("2010-same-{pair}")),
            "{answers:?}"
        );
    }
    let found = server.app.verify_audit(&office, None).await.unwrap();
    assert!(found.intact(), "{found:?}");
    // One event a write, by whoever made it.
    let events = server
        .app
        .audit_log(&Actor::local_operator(), 2000)
        .await
        .unwrap();
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.action == "create" && e.entity_key.starts_with("2010-at-once-"))
        .collect();
    assert_eq!(created.len(), 200);
    for e in &created {
        let i: usize = e.entity_key["2010-at-once-".len()..].parse().unwrap();
        let by = if i.is_multiple_of(2) {
            "admin"
        } else {
            "clerk"
        };
        assert_eq!(e.actor, by, "{e:?}");
    }
    let edited = events
        .iter()
        .filter(|e| e.action == "update" && e.entity_key == "2009-510822-school")
        .count();
    assert_eq!(edited, 20);
    // The figures kept through the batches are the records' figures.
    for year in [2009, 2010] {
        let kept = server.app.yearbook(&office, "zj-sc", year).await.unwrap();
        let fresh = server
            .app
            .yearbook_recomputed(&office, "zj-sc", year)
            .await
            .unwrap();
        assert_eq!(kept, fresh, "{year}");
    }
}

/// Runs futures together (no extra dependency for one test).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// An account and an API token for each (name, role), all with one password.
async fn api_tokens(
    server: &TestServer,
    roles: &[(&'static str, Role)],
    password: &str,
) -> std::collections::HashMap<&'static str, String> {
    let operator = Actor::local_operator();
    let mut tokens = std::collections::HashMap::new();
    for (name, role) in roles {
        server
            .app
            .add_user(&operator, name, name, password, role)
            .await
            .unwrap();
        let actor = Actor {
            name: name.to_string(),
            role: role.clone(),
        };
        let token = server
            .app
            .create_api_token(&actor, "t", "127.0.0.1")
            .await
            .unwrap();
        tokens.insert(*name, token.0);
    }
    tokens
}

/// A request to the demo program's API with a bearer token, and a JSON body if any.
fn api_request(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::RequestBuilder {
    let r = server
        .client
        .request(
            method,
            format!("{}/api/v1/programs/zj-sc{path}", server.base),
        )
        .bearer_auth(token);
    match body {
        Some(b) => r.json(&b),
        None => r,
    }
}

/// A server with the given limits on a demo database, and an office token.
async fn limited(limits: twinaid_web::Limits) -> (String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("limits.db").display());
    let app = common::demo_app(&url).await;
    let office = Actor {
        name: "office".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    app.add_user(
        &Actor::local_operator(),
        "office",
        "Office",
        ADMIN_PASSWORD,
        &office.role,
    )
    .await
    .unwrap();
    let token = app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let site = twinaid_web::Site {
        limits,
        ..Default::default()
    };
    let server = twinaid_web::Server::bind_site(app, "127.0.0.1:0", site)
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    (base, token, dir)
}

#[tokio::test]
async fn an_import_past_a_limit_is_refused_naming_the_limit_and_nothing_is_written() {
    let limits = twinaid_web::Limits {
        upload_bytes: 64 * 1024,
        read: twinaid_exchange::ReadLimits {
            rows: 2,
            ..Default::default()
        },
        imports_at_once: 1,
        import_wait: std::time::Duration::from_secs(10),
    };
    let (base, token, _dir) = limited(limits).await;
    let client = reqwest::Client::new();
    let import = format!("{base}/api/v1/programs/zj-sc/records/project/import?filename=p.csv");
    let row = |i: usize| format!("2010-lim-{i},2010,hangzhou,510822,school,限额小学{i},100000\n");
    let csv = |rows: usize| {
        let mut text = "code,year,helper_unit,region_code,category,name_zh,amount\n".to_string();
        (0..rows).for_each(|i| text.push_str(&row(i)));
        text
    };
    let post = |body: String, lang: &'static str| {
        client
            .post(&import)
            .bearer_auth(&token)
            .header("accept-language", lang)
            .body(body)
            .send()
    };
    // Three rows where two are allowed: the row past the limit, the setting named.
    let r = post(csv(3), "zh").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let text = v.to_string();
    assert!(
        text.contains("2 行") && text.contains("--max-rows"),
        "{text}"
    );
    assert_eq!(v["error"]["problems"][0]["row"], 4, "{text}");
    // A body past the upload limit: 413 in JSON, the limit in MB named.
    let r = post("x".repeat(200 * 1024), "en").await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_large", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-upload-mb"),
        "{v}"
    );
    // The same body sent without saying its length (chunked): read up to
    // the limit, then refused the same way.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/programs/zj-sc/records/project/import?filename=p.csv HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "x".repeat(16 * 1024));
        for _ in 0..8 {
            if stream.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("too_large"), "{answer}");
    }
    // Within the limits it goes in.
    let r = post(csv(2), "en").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let listed: Value = client
        .get(format!(
            "{base}/api/v1/programs/zj-sc/records/project?q=2010-lim"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = listed.to_string();
    assert!(
        listed.contains("2010-lim-0") && listed.contains("2010-lim-1"),
        "{listed}"
    );
}

#[tokio::test]
async fn an_import_past_the_imports_at_once_is_answered_429() {
    // No turn at all: every import is one too many.
    let limits = twinaid_web::Limits {
        imports_at_once: 0,
        import_wait: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let (base, token, _dir) = limited(limits).await;
    let r = reqwest::Client::new()
        .post(format!(
            "{base}/api/v1/programs/zj-sc/records/project/import?filename=p.csv"
        ))
        .bearer_auth(&token)
        .header("accept-language", "en")
        .body("code,year\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "busy", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--imports-at-once"),
        "{v}"
    );
}

#[tokio::test]
async fn a_page_import_tells_its_page_how_far_it_is_and_no_one_else() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    for name in ["office", "other"] {
        server
            .app
            .add_user(
                &operator,
                name,
                name,
                "progress password",
                &Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            )
            .await
            .unwrap();
    }
    let mut o = Browser::new(&server);
    o.sign_in("office", "progress password").await;
    let csrf = o.csrf().await;
    let mut someone = Browser::new(&server);
    someone.sign_in("other", "progress password").await;
    // Enough rows that the import is seen running, and that it stores its
    // audit events as it goes (past 20,000).
    let mut csv = String::from("code,year,helper_unit,region_code,kind,title_zh,participants\n");
    for i in 0..30_000 {
        csv.push_str(&format!(
            "2010-progress-{i},2010,hangzhou,510822,practical,进度培训{i},3\n"
        ));
    }
    let token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let progress = format!("{}/imports/progress/{token}", server.base);
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("trainings.csv"),
    );
    let import = server
        .client
        .post(format!(
            "{}/records/training/import?program=zj-sc&progress={token}",
            server.base
        ))
        .header(COOKIE, o.cookie_header())
        .multipart(form)
        .send();
    let watch = async {
        let (mut seen, mut others) = (Vec::new(), Vec::new());
        for _ in 0..3_000 {
            let r = server
                .client
                .get(&progress)
                .header(COOKIE, o.cookie_header())
                .send()
                .await
                .unwrap();
            if r.status() == StatusCode::OK {
                let v: Value = r.json().await.unwrap();
                assert!(!v["label"].as_str().unwrap_or("").is_empty(), "{v}");
                seen.push((
                    v["stage"].as_str().unwrap_or("").to_string(),
                    v["done"].as_u64(),
                ));
                let r = server
                    .client
                    .get(&progress)
                    .header(COOKIE, someone.cookie_header())
                    .send()
                    .await
                    .unwrap();
                others.push(r.status());
            } else if !seen.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (seen, others)
    };
    let (r, (seen, others)) = tokio::join!(import, watch);
    let r = r.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "imported, to the list");
    assert!(!seen.is_empty(), "the import was seen while it ran");
    assert!(
        seen.iter()
            .all(|(s, _)| ["reading", "checking_references", "writing"].contains(&s.as_str())),
        "{seen:?}"
    );
    assert!(
        others.iter().all(|s| *s == StatusCode::NOT_FOUND),
        "another user is not shown it: {others:?}"
    );
    // Once done, it is forgotten.
    let r = server
        .client
        .get(&progress)
        .header(COOKIE, o.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Every row's event is in the chain, in order.
    let found = server
        .app
        .verify_audit(&Actor::local_operator(), None)
        .await
        .unwrap();
    assert!(found.intact(), "{found:?}");
}

/// A server on a free port with the given cookie rule, reached as
/// `twinaid.test:8080` by a client that, as a browser does off localhost,
/// keeps a `Secure` cookie only over HTTPS (here: never).
async fn reached_as_office_host(
    cookies: twinaid_web::CookieSecurity,
) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let app = demo_with_admin(&url).await;
    let site = twinaid_web::Site {
        cookies,
        ..Default::default()
    };
    let server = twinaid_web::Server::bind_site(app, "127.0.0.1:0", site)
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    (base, dir)
}

/// Signs in as a browser at `http://twinaid.test:8080` would: the cookies it
/// keeps (none that are `Secure`), and the sign-in answer's status and body.
async fn sign_in_over_plain_http(base: &str) -> (Vec<String>, StatusCode, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let host = "twinaid.test:8080";
    let kept = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .filter(|c| !c.contains("; Secure"))
            .map(|c| c.split(';').next().unwrap().to_string())
            .collect()
    };
    let r = client
        .get(format!("{base}/signin"))
        .header("host", host)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let mut cookies = kept(&r);
    let form = r.text().await.unwrap();
    let r = client
        .post(format!("{base}/signin"))
        .header("host", host)
        .header(COOKIE, cookies.join("; "))
        .form(&[
            ("csrf", hidden(&form, "csrf")),
            ("next", "/".to_string()),
            ("username", "admin".to_string()),
            ("password", ADMIN_PASSWORD.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    cookies.extend(kept(&r));
    let body = r.text().await.unwrap();
    (cookies, status, form + &body)
}

#[tokio::test]
async fn an_office_network_without_https_signs_in_once_its_public_url_says_http() {
    // Cookies kept to HTTPS (the default): the browser drops them, and the
    // page says why and what to set, not that the form expired.
    let (base, _dir) = reached_as_office_host(twinaid_web::CookieSecurity::Secure).await;
    let (cookies, status, page) = sign_in_over_plain_http(&base).await;
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("--public-url http://"), "{page}");
    assert!(!page.contains("已过期"), "{page}");

    // `--public-url http://…`: cookies without Secure, a notice on the page,
    // and signing in leads on to the pages.
    let (base, _dir) = reached_as_office_host(twinaid_web::CookieSecurity::PlainHttp).await;
    let (cookies, status, page) = sign_in_over_plain_http(&base).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(page.contains("id=\"plain-http\""), "{page}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("twinaid_session="))
        .cloned()
        .unwrap_or_else(|| panic!("{cookies:?}"));
    let r = reqwest::Client::new()
        .get(format!("{base}/"))
        .header("host", "twinaid.test:8080")
        .header(COOKIE, session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn ready_and_saves_are_503_while_postgresql_refuses_connections_and_200_once_it_takes_them() {
    let Some(admin) = twinaid_store::testing::postgres_admin_url() else {
        return;
    };
    let url = twinaid_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    let name = url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .unwrap()
        .to_string();
    let server = spawn(Some(url)).await;
    let office = Actor {
        name: "office".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    server
        .app
        .add_user(
            &Actor::local_operator(),
            "office",
            "Office",
            ADMIN_PASSWORD,
            &office.role,
        )
        .await
        .unwrap();
    let token = server
        .app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let ready = || async {
        let r = server
            .client
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    let alive = || async {
        server
            .client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(ready().await.0, StatusCode::OK);
    let admin_sql = |sql: String| {
        let admin = admin.clone();
        async move {
            twinaid_store::testing::execute_as_admin(&admin, &sql)
                .await
                .unwrap()
        }
    };
    admin_sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    admin_sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    let (status, why) = ready().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{why}");
    assert!(why.starts_with("not ready"), "{why}");
    // A save meanwhile is told to try again, not that something broke.
    for i in 0..3 {
        let r = server
            .client
            .post(format!(
                "{}/api/v1/programs/zj-sc/records/fund_transaction",
                server.base
            ))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"code": format!("2010-outage-{i}"), "year": 2010,
                "helper_unit": "hangzhou", "region_code": "510822",
                "kind": "disbursement", "amount": 100}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "save {i}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unavailable", "{v}");
    }
    assert_eq!(alive().await, StatusCode::OK, "alive all the same");
    admin_sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = ready().await.0;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "ready again once the database answers"
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_keeps_the_one_a_proxy_sent() {
    let server = spawn(None).await;
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut ids = std::collections::BTreeSet::new();
    for path in [
        "/healthz",
        "/readyz",
        "/signin",
        "/no-such-page",
        "/api/v1/programs",
    ] {
        let r = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let id = id_of(&r);
        assert!(id.len() >= 16, "{path}: {id:?}");
        ids.insert(id);
    }
    assert_eq!(ids.len(), 5, "each request its own id");
    // A proxy's id comes back; one unfit for a log line is replaced.
    for (sent, kept) in [("proxy-7f3a.1", true), ("two words", false)] {
        let r = server
            .client
            .get(format!("{}/healthz", server.base))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(id_of(&r) == sent, kept, "{sent}");
    }
}

/// A server with built-in HTTPS from a certificate made here, reached as
/// `https://localhost:PORT` by a client that trusts only that certificate.
async fn spawn_https() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let url = format!("sqlite://{}", dir.path().join("tls.db").display());
    let app = demo_with_admin(&url).await;
    let site = twinaid_web::Site {
        tls: Some((cert, key)),
        ..Default::default()
    };
    let server = twinaid_web::Server::bind_site(app.clone(), "127.0.0.1:0", site)
        .await
        .unwrap();
    assert!(server.is_https());
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run(std::future::pending()));
    let trusted = reqwest::Certificate::from_pem(made.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([trusted])
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestServer {
        base: format!("https://localhost:{}", addr.port()),
        client,
        _dir: dir,
        app,
    }
}

#[tokio::test]
async fn built_in_https_signs_in_over_http2_with_secure_cookies() {
    let server = spawn_https().await;
    let r = server
        .client
        .get(format!("{}/signin", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.version(), reqwest::Version::HTTP_2, "ALPN offers h2");
    // The browser of these tests refuses any cookie without `Secure`.
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let (status, html, _) = b.get("/").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Plain http to the HTTPS port is not served.
    let plain = reqwest::Client::new()
        .get(server.base.replace("https://localhost", "http://127.0.0.1"))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test]
async fn a_certificate_that_cannot_be_read_stops_the_server_before_it_listens() {
    twinaid_web::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let app = App::open(&url).await.unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let site = twinaid_web::Site {
        tls: Some((cert, dir.path().join("missing-key.pem"))),
        ..Default::default()
    };
    let err = twinaid_web::Server::bind_site(app, "127.0.0.1:0", site)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("cert.pem"), "{err}");
}

/// The value of the sample `name{labels}` in Prometheus text; every other
/// line must be a comment or another sample, as a scraper reads it.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        assert!(
            series[..name_end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        if series == name_and_labels {
            found = Some(value);
        }
    }
    found
}

#[tokio::test]
async fn metrics_count_the_requests_made_and_every_response_carries_a_request_id() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    for _ in 0..3 {
        let r = server
            .client
            .get(format!("{}/records/project", server.base))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().contains_key("x-request-id"));
    }
    // An id a proxy sent comes back; a missing page has one too.
    let r = server
        .client
        .get(format!("{}/no/such/page", server.base))
        .header("x-request-id", "proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["x-request-id"], "proxy-42");
    let r = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    let count = |labels: &str| sample(&text, labels).unwrap_or(0.0);
    assert_eq!(
        count(
            "twinaid_http_requests_total{method=\"GET\",route=\"/records/{kind}\",status=\"200\"}"
        ),
        3.0,
        "{text}"
    );
    assert_eq!(
        count("twinaid_http_requests_total{method=\"POST\",route=\"/signin\",status=\"303\"}"),
        1.0
    );
    assert_eq!(
        count("twinaid_http_requests_total{method=\"GET\",route=\"(no route)\",status=\"404\"}"),
        1.0,
        "a missing page is counted without its path"
    );
    assert_eq!(
        count("twinaid_http_request_duration_seconds_count{route=\"/records/{kind}\"}"),
        3.0
    );
    assert_eq!(
        count(
            "twinaid_http_request_duration_seconds_bucket{route=\"/records/{kind}\",le=\"+Inf\"}"
        ),
        3.0
    );
    assert!(
        sample(
            &text,
            "twinaid_db_connections{pool=\"main\",state=\"idle\"}"
        )
        .is_some()
    );
    assert!(
        sample(
            &text,
            "twinaid_db_connections{pool=\"writer\",state=\"in_use\"}"
        )
        .is_some()
    );
    assert_eq!(count("twinaid_imports_running"), 0.0);
    assert!(
        sample(
            &text,
            "twinaid_kept_lookups_total{kept=\"list_totals\",outcome=\"miss\"}"
        )
        .is_some()
    );
}

#[tokio::test]
async fn metrics_on_their_own_address_leave_the_pages_address() {
    twinaid_web::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let app = App::open(&url).await.unwrap();
    let site = twinaid_web::Site {
        metrics_listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let server = twinaid_web::Server::bind_site(app, "127.0.0.1:0", site)
        .await
        .unwrap();
    let (pages, metrics) = (server.local_addr().unwrap(), server.metrics_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    let client = reqwest::Client::new();
    let r = client
        .get(format!("http://{pages}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client
        .get(format!("http://{pages}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    let text = r.text().await.unwrap();
    assert_eq!(
        sample(
            &text,
            "twinaid_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn two_servers_on_one_postgresql_database_answer_alike() {
    let Some(admin) = twinaid_store::testing::postgres_admin_url() else {
        return;
    };
    let url = twinaid_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    let one = spawn(Some(url.clone())).await;
    // The second server opens the same database as a second process would.
    let other_app = App::open(&url).await.unwrap();
    let server = twinaid_web::Server::bind(other_app.clone(), "127.0.0.1:0")
        .await
        .unwrap();
    let two = TestServer {
        base: format!("http://{}", server.local_addr().unwrap()),
        client: one.client.clone(),
        _dir: tempfile::tempdir().unwrap(),
        app: other_app,
    };
    tokio::spawn(server.run(std::future::pending()));

    // A session made on one server works on the other.
    let mut on_one = Browser::new(&one);
    assert_eq!(
        on_one.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let mut on_two = Browser::new(&two);
    on_two.cookies = on_one.cookies.clone();
    let (status, before, _) = on_two.get("/yearbook?program=zj-sc&year=2009").await;
    assert_eq!(status, StatusCode::OK);
    assert!(before.contains(">3,620</a>"), "{before}");

    // The other has kept the yearbook; a write through one shows on the
    // other's next request (it checks the data version in the database).
    let (_, form, _) = on_one
        .get("/records/project/2009-510822-school/edit?program=zj-sc")
        .await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for spec in twinaid_domain::record::RecordKind::Project.fields() {
        let value = match spec.name {
            "amount" => "500000".to_string(),
            name if form.contains(&format!("name=\"{name}\" id=\"field-{name}\" value=\"")) => {
                hidden_input(&form, name)
            }
            name => selected(&form, name),
        };
        fields.push((spec.name.to_string(), value));
    }
    let csrf = hidden(&form, "csrf");
    let mut post: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post.push(("csrf", &csrf));
    let (status, body, _) = on_one
        .post("/records/project/2009-510822-school?program=zj-sc", &post)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, after, _) = on_two.get("/yearbook?program=zj-sc&year=2009").await;
    assert!(after.contains(">3,630</a>"), "{after}");

    // Sign-in attempts are counted in the database: those made on either
    // server slow down the next, wherever it is made.
    for server in [&one, &two, &one, &two, &one] {
        let mut b = Browser::new(server);
        assert_eq!(
            b.sign_in("admin", "wrong password!").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let started = std::time::Instant::now();
    let mut b = Browser::new(&two);
    assert_eq!(
        b.sign_in("admin", "wrong password!").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1_400),
        "the sixth attempt waits 1.5 s: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_foreign_forms_are_refused() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    for path in [
        "/",
        "/signin",
        "/records/project?program=zj-sc",
        "/no/such/page",
        "/api/v1/programs",
        "/assets/app.js",
    ] {
        let r = server
            .client
            .get(format!("{}{path}", server.base))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "plain http: {path}"
        );
        if h["content-type"].to_str().unwrap().starts_with("text/html") {
            let html = r.text().await.unwrap();
            assert!(!html.contains("<script>"), "{path}: an inline script");
            assert!(
                !html.contains(" onclick=") && !html.contains(" onsubmit="),
                "{path}"
            );
        }
    }

    // A form posted from another site is refused before it is read, even
    // with the session's cookie and token; from this site it goes through.
    let csrf = b.csrf().await;
    let post = |origin: &'static str| {
        server
            .client
            .post(format!("{}/tokens", server.base))
            .header(COOKIE, b.cookie_header())
            .header("origin", origin)
            .form(&[("csrf", csrf.as_str()), ("name", "from elsewhere")])
            .send()
    };
    let r = post("https://evil.example").await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("其他网站"));
    let here: &'static str = Box::leak(server.base.clone().into_boxed_str());
    let r = post(here).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the same site");
}

#[tokio::test]
async fn https_responses_ask_browsers_to_stay_on_https() {
    let server = spawn_https().await;
    let r = server
        .client
        .get(format!("{}/signin", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}

#[tokio::test]
async fn nul_wildcards_and_formulas_are_input_not_commands() {
    for server in servers().await {
        let office = Role::ProgramOffice {
            program: "zj-sc".into(),
        };
        let tokens = api_tokens(&server, &[("office", office)], ADMIN_PASSWORD).await;
        let token = &tokens["office"];
        let project = |code: &str, name: &str| {
            serde_json::json!({"code": code, "year": 2010, "helper_unit": "hangzhou",
                "region_code": "510822", "category": "school", "name_zh": name, "amount": 1000})
        };
        // A NUL in a field is the field's problem (PostgreSQL cannot store it).
        let r = api_request(
            &server,
            token,
            reqwest::Method::POST,
            "/records/project",
            Some(project("2010-nul", "学校\u{0}名称")),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        assert!(v.to_string().contains("name_zh"), "{v}");

        // A formula as a name is stored as typed, exported so that a
        // spreadsheet shows it rather than runs it.
        let r = api_request(
            &server,
            token,
            reqwest::Method::POST,
            "/records/project",
            Some(project(
                "2010-formula",
                "=HYPERLINK(\"http://evil.example\",\"x\")",
            )),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let mut b = Browser::new(&server);
        assert_eq!(
            b.sign_in("admin", ADMIN_PASSWORD).await,
            StatusCode::SEE_OTHER
        );
        let (status, csv, _) = b
            .get("/records/project/export.csv?program=zj-sc&q=2010-formula")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains("'=HYPERLINK("), "{csv}");
        assert!(!csv.contains(",=HYPERLINK("), "{csv}");

        // A search for % or _ finds those characters, not every row.
        for (q, rows) in [("%25", "0"), ("_", "0"), ("2010-formula", "1")] {
            let (status, html, _) = b
                .get(&format!("/records/project?program=zj-sc&q={q}"))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(number_in(&html, "total-rows"), rows, "q={q}");
        }
        // A NUL in the search box is a 422 naming it, not a 500.
        let (status, html, _) = b.get("/records/project?program=zj-sc&q=a%00b").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        let r = api_request(
            &server,
            token,
            reqwest::Method::GET,
            "/records/project?q=a%00b",
            None,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Posts a sign-in as a fresh browser would: the form's cookie and token
/// first. Owned arguments, so that many run at once on their own tasks.
async fn try_sign_in(
    base: String,
    client: reqwest::Client,
    username: String,
    password: String,
) -> (StatusCode, String) {
    let r = client.get(format!("{base}/signin")).send().await.unwrap();
    let cookies: Vec<String> = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let form = r.text().await.unwrap();
    let r = client
        .post(format!("{base}/signin"))
        .header(COOKIE, cookies.join("; "))
        .form(&[
            ("csrf", hidden(&form, "csrf")),
            ("next", "/".to_string()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A program-office account "clerk" with the administrator's password.
async fn add_clerk(server: &TestServer) {
    let clerk = Role::ProgramOffice {
        program: "zj-sc".into(),
    };
    server
        .app
        .add_user(
            &Actor::local_operator(),
            "clerk",
            "Clerk",
            ADMIN_PASSWORD,
            &clerk,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn parallel_guessing_and_spraying_are_locked_out_and_the_lock_is_audited() {
    let server = spawn(None).await;
    add_clerk(&server).await;
    // 20 wrong passwords for one name at once: each counts, the eleventh on is locked.
    let attempt = |name: &str, password: &str| {
        try_sign_in(
            server.base.clone(),
            server.client.clone(),
            name.to_string(),
            password.to_string(),
        )
    };
    let tries = (0..20).map(|_| attempt("clerk", "wrong password!"));
    let answers = futures_join_all(tries).await;
    let locked = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        locked >= 10,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS)
    );
    // The right password during the lock is refused too, saying so.
    let (status, page) = attempt("clerk", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("锁定"), "{page}");
    // The message says to ask an administrator: a password they reset ends the lock.
    let reset = server
        .app
        .reset_password(&Actor::local_operator(), "clerk", "127.0.0.1")
        .await
        .unwrap();
    let (status, _) = attempt("clerk", &reset.0).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed in after the reset");

    // Then 20 over 10 other names from the same address: past the
    // address's 30 failures, every name is refused, even a right password.
    let names: Vec<String> = (0..10).map(|i| format!("guess{i}")).collect();
    let tries = names
        .iter()
        .cycle()
        .take(20)
        .map(|n| attempt(n, "Summer2026!"));
    let answers = futures_join_all(tries).await;
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
            .count()
            >= 9,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let (status, _) = attempt("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is locked"
    );

    let log = server
        .app
        .audit_log(&Actor::local_operator(), 500)
        .await
        .unwrap();
    let locks: Vec<_> = log
        .iter()
        .filter(|e| e.action == "sign_in_locked")
        .collect();
    assert!(
        locks.len() >= 2,
        "a lock for the name and one for the address"
    );
    assert!(locks.iter().any(|e| e.actor == "clerk"));
}

#[tokio::test]
async fn an_administrator_sees_a_locked_name_and_lifts_the_lock() {
    let server = spawn(None).await;
    add_clerk(&server).await;
    let attempt = |password: &str| {
        try_sign_in(
            server.base.clone(),
            server.client.clone(),
            "clerk".to_string(),
            password.to_string(),
        )
    };
    // Twelve wrong passwords at once lock the name (ten), not the address (thirty).
    futures_join_all((0..12).map(|_| attempt("wrong password!"))).await;
    assert_eq!(
        attempt(ADMIN_PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut admin = Browser::new(&server);
    assert_eq!(
        admin.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let (_, page, _) = admin.get("/users").await;
    let row = page.split("id=\"user-clerk\"").nth(1).unwrap();
    let row = row.split("</tr>").next().unwrap();
    assert!(row.contains("登录已锁定至"), "{row}");
    assert!(row.contains("/users/clerk/unlock"), "{row}");
    let csrf = admin.csrf().await;
    let (status, _, done) = admin
        .post("/users/clerk/unlock", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = admin.get(&done.unwrap()).await;
    assert!(page.contains("已解除登录锁定：clerk"), "{page}");
    assert!(!page.contains("登录已锁定至"), "the lock is gone");
    assert_eq!(
        attempt(ADMIN_PASSWORD).await.0,
        StatusCode::SEE_OTHER,
        "the clerk signs in at once"
    );
    let log = server
        .app
        .audit_log(&Actor::local_operator(), 100)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "sign_in_unlocked" && e.actor == "admin")
    );
}

#[tokio::test]
async fn a_revoked_or_expired_token_is_refused_saying_which() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tokens.db").display());
    let server = spawn(Some(url.clone())).await;
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let csrf = b.csrf().await;
    let mut made = Vec::new();
    for name in ["nightly", "old"] {
        let (status, html, _) = b
            .post(
                "/tokens",
                &[("csrf", csrf.as_str()), ("name", name), ("days", "30")],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let token = html
            .split("id=\"token\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        made.push(token);
    }
    let programs = |token: String| {
        server
            .client
            .get(format!("{}/api/v1/programs", server.base))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        programs(made[0].clone()).await.unwrap().status(),
        StatusCode::OK
    );

    // The page lists both, in force, with when they end and were last used.
    let (_, page, _) = b.get("/tokens").await;
    assert!(page.contains("nightly") && page.contains("old"), "{page}");
    assert_eq!(page.matches("有效</td>").count(), 2, "{page}");
    let tokens = server
        .app
        .api_tokens(&Actor::local_operator())
        .await
        .unwrap();
    let nightly = tokens.iter().find(|t| t.name == "nightly").unwrap();
    assert!(nightly.last_used_at.is_some(), "its use was noted");
    assert!(nightly.expires_at.is_some());

    // Revoked on the page: 401 "revoked" on its next use, and audited.
    let (status, _, _) = b
        .post(
            &format!("/tokens/{}/revoke", nightly.id),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let r = programs(made[0].clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "token_revoked", "{v}");
    let log = server
        .app
        .audit_log(&Actor::local_operator(), 50)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "revoke" && e.entity == "api_token")
    );

    // Past its end: 401 "expired".
    twinaid_store::testing::execute(
        &url,
        "UPDATE api_token SET expires_at = '2020-01-01T00:00:00.000Z' WHERE name = 'old'",
    )
    .await
    .unwrap();
    let r = programs(made[1].clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "token_expired", "{v}");
    // A token no one made: plain 401.
    let r = programs("twa_0000".into()).await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unauthorized", "{v}");
    let (_, page, _) = b.get("/tokens").await;
    assert!(page.contains("已撤销") && page.contains("已过期"), "{page}");
}

#[tokio::test]
async fn an_administrator_manages_accounts_and_a_disabled_user_is_out_at_once() {
    for server in servers().await {
        let mut admin = Browser::new(&server);
        assert_eq!(
            admin.sign_in("admin", ADMIN_PASSWORD).await,
            StatusCode::SEE_OTHER
        );
        let csrf = admin.csrf().await;
        // Added with a password made up and shown once, on the page the
        // form's answer sends the browser to (a reload asks nothing again).
        let (status, page, location) = admin
            .post(
                "/users",
                &[
                    ("csrf", csrf.as_str()),
                    ("username", "clerk2"),
                    ("name", "县办文员"),
                    ("role", "helped_county"),
                    ("scope", "510822"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let shown = location.unwrap();
        assert!(shown.starts_with("/users?shown="), "{shown}");
        let (status, page, _) = admin.get(&shown).await;
        assert_eq!(status, StatusCode::OK);
        let (_, again, _) = admin.get(&shown).await;
        assert!(!again.contains("id=\"password\""), "shown once only");
        let first = page
            .split("id=\"password\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        assert_eq!(first.len(), 16, "{page}");
        assert!(page.contains("id=\"user-clerk2\""));
        // A scope that names no county, or none at all, is refused.
        for scope in ["999999", ""] {
            let (status, _, _) = admin
                .post(
                    "/users",
                    &[
                        ("csrf", csrf.as_str()),
                        ("username", "clerk3"),
                        ("role", "helped_county"),
                        ("scope", scope),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "scope {scope:?}");
        }

        // The clerk signs in, changes the password: the current one first,
        // then not a common one.
        let mut clerk = Browser::new(&server);
        assert_eq!(clerk.sign_in("clerk2", &first).await, StatusCode::SEE_OTHER);
        let clerk_csrf = clerk.csrf().await;
        for (current, new, again, status) in [
            (
                "not it at all",
                "blue kettle on the hill",
                "blue kettle on the hill",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                first.as_str(),
                "1234567890",
                "1234567890",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // A slip in the second typing: nothing changes.
            (
                first.as_str(),
                "blue kettle on the hill",
                "blue kettle on the hil",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                first.as_str(),
                "blue kettle on the hill",
                "blue kettle on the hill",
                StatusCode::OK,
            ),
        ] {
            let (s, html, _) = clerk
                .post(
                    "/account/password",
                    &[
                        ("csrf", clerk_csrf.as_str()),
                        ("current", current),
                        ("password", new),
                        ("password_again", again),
                    ],
                )
                .await;
            assert_eq!(s, status, "{html}");
        }
        let token = server
            .app
            .create_api_token(
                &Actor {
                    name: "clerk2".into(),
                    role: Role::HelpedCounty {
                        region: "510822".parse().unwrap(),
                    },
                },
                "t",
                "127.0.0.1",
            )
            .await
            .unwrap()
            .0;

        // Disabled: the session ends and the token is refused at once.
        let (status, _, _) = admin
            .post("/users/clerk2/disable", &[("csrf", csrf.as_str())])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, location) = clerk.get("/").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap().starts_with("/signin"));
        let r = server
            .client
            .get(format!("{}/api/v1/programs", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            Browser::new(&server)
                .sign_in("clerk2", "blue kettle on the hill")
                .await,
            StatusCode::UNAUTHORIZED
        );

        // Enabled again, with a new role; a reset password replaces the old.
        for (path, form) in [
            ("/users/clerk2/enable", vec![("csrf", csrf.as_str())]),
            (
                "/users/clerk2/role",
                vec![("csrf", csrf.as_str()), ("role", "viewer"), ("scope", "")],
            ),
        ] {
            let (status, html, _) = admin.post(path, &form).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {html}");
        }
        let (_, _, shown) = admin
            .post("/users/clerk2/reset-password", &[("csrf", csrf.as_str())])
            .await;
        let (_, page, _) = admin.get(&shown.unwrap()).await;
        let reset = page
            .split("id=\"password\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        assert_eq!(
            Browser::new(&server)
                .sign_in("clerk2", "blue kettle on the hill")
                .await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            Browser::new(&server).sign_in("clerk2", &reset).await,
            StatusCode::SEE_OTHER
        );
        // An administrator cannot disable their own account; others cannot manage any.
        let (status, _, _) = admin
            .post("/users/admin/disable", &[("csrf", csrf.as_str())])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut viewer = Browser::new(&server);
        assert_eq!(
            viewer.sign_in("clerk2", &reset).await,
            StatusCode::SEE_OTHER
        );
        let (status, _, _) = viewer.get("/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let log = server
            .app
            .audit_log(&Actor::local_operator(), 100)
            .await
            .unwrap();
        for action in [
            "disable",
            "enable",
            "set_role",
            "reset_password",
            "change_password",
        ] {
            assert!(
                log.iter()
                    .any(|e| e.action == action && e.entity == "app_user"),
                "{action}"
            );
        }
    }
}

#[tokio::test]
async fn a_parameter_that_does_not_read_is_a_422_naming_it() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    assert_eq!(
        b.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let (status, page, _) = b
        .get("/yearbook?program=zj-sc&year=%27%20OR%201%3D1--")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("year"), "{page}");
    assert!(
        page.contains("参数"),
        "a page in the user's language: {page}"
    );
    let csrf = b.csrf().await;
    let (status, _, _) = b
        .post("/tokens/abc/revoke", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/yearbook/20x9",
            server.base
        ))
        .header(COOKIE, b.cookie_header())
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_parameter", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{v}"
    );
}

#[tokio::test]
async fn the_audit_log_reads_as_words_in_pages_with_filters() {
    let server = spawn(None).await;
    let app = &server.app;
    let operator = Actor::local_operator();
    app.add_user(
        &operator,
        "wang",
        "王科长",
        "a long enough password",
        &Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    )
    .await
    .unwrap();
    let wang = Actor {
        name: "wang".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    let kind = twinaid_domain::record::RecordKind::FundTransaction;
    let mut cells = disbursement("AUDIT-F1", "2010");
    app.save_record(&wang, "zj-sc", kind, &cells, None)
        .await
        .unwrap();
    cells.insert("amount".into(), "2500".into());
    app.save_record(&wang, "zj-sc", kind, &cells, Some("AUDIT-F1"))
        .await
        .unwrap();

    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, page, _) = b.get("/audit").await;
    assert_eq!(status, StatusCode::OK);
    // The newest first (after the sign-in): the change, by name, in words,
    // without stored JSON.
    let first = page
        .split("</tr>")
        .find(|row| row.contains("AUDIT-F1"))
        .unwrap();
    assert!(
        first.contains("王科长") && first.contains("修改"),
        "{first}"
    );
    assert!(first.contains("金额（元）：1,000 → 2,500"), "{first}");
    assert!(
        first.contains("href=\"/records/fund_transaction/AUDIT-F1?program=zj-sc\""),
        "the event links to its record: {first}"
    );
    // askama writes a quote inside text as &#34;: stored JSON would show them.
    assert!(!page.contains("&#34;") && !page.contains("{\""), "no JSON");
    assert!(
        !page.contains(">cli:operator<") && page.contains(">命令行（operator）<"),
        "the command line by name"
    );
    // 50 to a page: the demo's loading alone fills more than one.
    assert!(page.matches("<td class=\"num\">").count() == 50);
    assert!(page.contains("id=\"older\"") && !page.contains("id=\"newer\""));
    let (_, second, _) = b.get("/audit?page=2").await;
    assert!(second.contains("id=\"newer\"") && second.contains("第 2 页"));
    assert!(!second.contains("AUDIT-F1"), "page 2 holds older events");

    // Filtered by who, then by what: only those events, and no more pages.
    let (_, by_wang, _) = b.get("/audit?actor=wang").await;
    assert_eq!(by_wang.matches("title=\"wang\"").count(), 2, "{by_wang}");
    assert!(!by_wang.contains("id=\"older\""));
    let (_, by_record, _) = b
        .get("/audit?entity=fund_transaction&key=AUDIT-F1&program=zj-sc")
        .await;
    assert_eq!(by_record.matches("<td class=\"num\">").count(), 2);
    assert!(by_record.contains("新增") && by_record.contains("修改"));
    // By day in the office's zone: today has them, a day long past none.
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let (_, today_page, _) = b
        .get(&format!("/audit?actor=wang&from={today}&until={today}"))
        .await;
    assert_eq!(today_page.matches("title=\"wang\"").count(), 2);
    let (_, past, _) = b.get("/audit?actor=wang&until=2000-01-01").await;
    assert!(past.contains("id=\"audit-empty\""));
    // A date that cannot be read is said next to its field, and nothing is
    // shown as if it were filtered by it.
    let (status, bad, _) = b.get("/audit?actor=wang&from=7/12/2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bad.contains("aria-invalid=\"true\"") && bad.contains("2026-12-07 的形式"));
    assert!(bad.contains("id=\"audit-empty\""));

    // The record's own history reads the same way.
    let (_, detail, _) = b
        .get("/records/fund_transaction/AUDIT-F1?program=zj-sc")
        .await;
    let history = detail.split("id=\"history\"").nth(1).unwrap();
    assert!(history.contains("王科长") && history.contains("1,000 → 2,500"));

    // Only an administrator has the log in the menu.
    let (_, admin_home, _) = b.get("/").await;
    assert!(admin_home.contains("href=\"/audit\""));
    let mut w = Browser::new(&server);
    w.sign_in("wang", "a long enough password").await;
    let (_, home, _) = w.get("/").await;
    assert!(!home.contains("href=\"/audit\""), "not in an office's menu");
    // The header names the person and what they work for, not the login.
    assert!(
        home.contains("王科长 · 浙江—四川东西部扶贫协作（广元、南充）"),
        "{}",
        home.split("class=\"user\"").nth(1).unwrap_or_default()
    );
}

#[tokio::test]
async fn reports_open_on_the_year_the_office_closed() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let opens_on = |html: &str| {
        html.split("selected")
            .next()
            .and_then(|before| before.rsplit("<option value=\"").next())
            .and_then(|v| v.split('"').next())
            .unwrap_or_default()
            .to_string()
    };
    let (_, home, _) = b.get("/").await;
    assert_eq!(opens_on(&home), "2009");
    // One record of a new year: the reports stay on the year with its data.
    let add = |code: &'static str, year: &'static str| {
        let (app, cells) = (server.app.clone(), disbursement(code, year));
        async move {
            let kind = twinaid_domain::record::RecordKind::FundTransaction;
            app.save_record(&Actor::local_operator(), "zj-sc", kind, &cells, None)
                .await
        }
    };
    add("NEW-YEAR-1", "2010").await.unwrap();
    let (_, home, _) = b.get("/").await;
    assert_eq!(opens_on(&home), "2009", "not the year just begun");
    assert!(
        home.contains("<option value=\"2010\""),
        "which can be chosen"
    );
    let (_, yearbook, _) = b.get("/yearbook").await;
    assert!(
        yearbook.contains("name=\"year\" type=\"number\" value=\"2009\""),
        "the yearbook too"
    );
    let (_, chosen, _) = b.get("/?program=zj-sc&year=2010").await;
    assert_eq!(opens_on(&chosen), "2010", "a chosen year is shown");
    // ... and remembered for this user; a new browser opens on the default again.
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    // With 2011 begun, 2010 is the year before the latest.
    add("NEW-YEAR-2", "2011").await.unwrap();
    let (_, home, _) = b.get("/").await;
    assert_eq!(opens_on(&home), "2010");
    // Once the office publishes 2009's assessment, the reports open on it.
    let csrf = b.csrf().await;
    let guidance = [
        ("csrf", csrf.as_str()),
        ("title", "2009年指导意见"),
        ("year_from", "2009"),
        ("year_to", "2009"),
        ("indicators", "aid_funds = 100"),
        ("cap", "1"),
        ("weights", "0.5, 0.3, 0.2"),
        ("bands", "90, 75, 60"),
        ("rubric", "项目管理 = 100"),
    ];
    let (status, _, _) = b.post("/guidance?program=zj-sc&year=2009", &guidance).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    server
        .app
        .publish_assessment(&Actor::local_operator(), "zj-sc", 2009)
        .await
        .unwrap();
    let (_, home, _) = b.get("/").await;
    assert_eq!(opens_on(&home), "2009", "the year the office closed");
}

/// A form's cells for a disbursement of 1,000 yuan from Hangzhou to Wangcang.
fn disbursement(code: &str, year: &str) -> std::collections::BTreeMap<String, String> {
    [
        ("code", code),
        ("year", year),
        ("helper_unit", "hangzhou"),
        ("region_code", "510822"),
        ("kind", "disbursement"),
        ("amount", "1000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[tokio::test]
async fn a_clerk_picks_names_instead_of_codes_and_gets_a_made_code() {
    for server in servers().await {
        let roles = [
            (
                "hzp",
                Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            ),
            (
                "officep",
                Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            ),
        ];
        let password = "picker test password";
        let tokens = api_tokens(&server, &roles, password).await;
        let call = |who: &str, method: reqwest::Method, path: &str, body: Value| {
            api_request(&server, &tokens[who], method, path, Some(body)).send()
        };
        // Names in place of codes; no code typed.
        let named = serde_json::json!({"year": 2010, "helper_unit": "杭州市人民政府", "region_code": "青川县", "category": "school", "name_zh": "青川县某小学", "amount": 1000});
        let r = call(
            "hzp",
            reqwest::Method::POST,
            "/records/project",
            named.clone(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let first: Value = r.json().await.unwrap();
        assert_eq!(
            (
                first["code"].as_str(),
                first["helper_unit"].as_str(),
                first["region_code"].as_str(),
                first["status"].as_str()
            ),
            (
                Some("2010-510822-school-001"),
                Some("hangzhou"),
                Some("510822"),
                Some("proposed")
            )
        );
        let second: Value = call("hzp", reqwest::Method::POST, "/records/project", named)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(second["code"], "2010-510822-school-002");
        // A name with its code, as lists export it; an English name in any case.
        let office = serde_json::json!({"year": 2010, "helper_unit": "HANGZHOU municipal government", "region_code": "青川县 510822", "category": "school", "name_zh": "另一所小学"});
        let third: Value = call("officep", reqwest::Method::POST, "/records/project", office)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(third["code"], "2010-510822-school-003");
        assert_eq!(third["helper_unit"], "hangzhou");
        // A name that is no unit is refused on its field.
        let unknown = serde_json::json!({"year": 2010, "helper_unit": "不存在的单位", "region_code": "510822", "category": "school", "name_zh": "x"});
        let r = call(
            "officep",
            reqwest::Method::POST,
            "/records/project",
            unknown,
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("helper_unit"));
        // An edit that does not name the status keeps it.
        let edit = serde_json::json!({"year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "青川县某小学（改）", "amount": 2000});
        let edited: Value = call(
            "officep",
            reqwest::Method::PUT,
            "/records/project/2010-510822-school-001",
            edit,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(edited["status"], "proposed", "{edited}");

        // The unit's form offers only itself and the counties it is paired with.
        let mut b = Browser::new(&server);
        b.sign_in("hzp", password).await;
        let (status, form, _) = b.get("/records/project/new?program=zj-sc&year=2010").await;
        assert_eq!(status, StatusCode::OK);
        let select = |name: &str| -> String {
            let start = form
                .find(&format!("<select name=\"{name}\""))
                .unwrap_or_else(|| panic!("{name} is a select"));
            let end = start + form[start..].find("</select>").unwrap();
            form[start..end].to_string()
        };
        let units = select("helper_unit");
        assert!(
            units.contains("value=\"hangzhou\" selected") && units.matches("<option").count() == 1,
            "{units}"
        );
        let places = select("region_code");
        assert!(
            places.contains("value=\"510822\"") && places.contains("青川县"),
            "{places}"
        );
        assert!(
            !places.contains("511321"),
            "not paired with 南部县: {places}"
        );
        assert!(
            !form.contains("name=\"status\""),
            "status moves by steps only"
        );
        assert!(form.contains("id=\"help-code\""));
        // A refused form says what is wrong above it, linked to each field.
        let csrf = hidden(&form, "csrf");
        let (status, refused, _) = b
            .post(
                "/records/project?program=zj-sc&year=2010",
                &[
                    ("csrf", csrf.as_str()),
                    ("year", "2010"),
                    ("helper_unit", "hangzhou"),
                    ("region_code", "510822"),
                    ("category", ""),
                    ("name_zh", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.contains("项目类别：此项必填，请选择"),
            "a list left unchosen asks to choose"
        );
        assert!(refused.contains("href=\"#field-name_zh\""), "{refused}");
        assert!(
            refused
                .contains("aria-invalid=\"true\" aria-describedby=\"help-name_zh error-name_zh\"")
        );
    }
}

/// The text of each cell of a table's body, row by row, from a page's HTML
/// (the first `<tbody>` after `marker`).
fn body_cells(html: &str, marker: &str) -> Vec<Vec<String>> {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    let text = |cell: &str| -> String {
        let mut out = String::new();
        let mut inside = false;
        for ch in cell.chars() {
            match ch {
                '<' => inside = true,
                '>' => inside = false,
                c if !inside => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|c| text(&format!("<td{c}")))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_analysis_page_reproduces_the_yearbook_county_table_and_exports_it() {
    for server in servers().await {
        let mut b = Browser::new(&server);
        b.sign_in("admin", ADMIN_PASSWORD).await;
        let (_, yearbook, _) = b.get("/yearbook?program=zj-sc&year=2009").await;
        let (status, analysis, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=county&cols=indicators")
            .await;
        assert_eq!(status, StatusCode::OK);
        // The yearbook's rows name each county with a link to its fact sheet.
        let expected: Vec<Vec<String>> = body_cells(&yearbook, "<h2>按受帮扶地区")
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|c| c.trim_end_matches("概况（PDF）").trim().to_string())
                    .collect()
            })
            .collect();
        let got = body_cells(&analysis, "id=\"analysis\"");
        assert!(expected.len() > 10, "{expected:?}");
        assert_eq!(got, expected, "the yearbook's county table, cell by cell");
        assert!(analysis.contains("<tfoot><tr class=\"total\"><td>合计</td>"));
        // Each cell opens the records behind it.
        assert!(analysis.contains("href=\"/records/"), "cells drill down");
        // The export has the same rows, in the headers' units.
        let r = server
            .client
            .get(format!(
                "{}/analysis.xlsx?program=zj-sc&year=2009&ind=aid_funds&ind=projects",
                server.base
            ))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let book = twinaid_exchange::read_sheets("a.xlsx", &r.bytes().await.unwrap()).unwrap();
        let sheet = &book[0];
        let aid = sheet
            .rows
            .iter()
            .find(|r| r.cells[0] == "合计")
            .expect("a totals row");
        assert_eq!(aid.cells[1], "3620", "36.2 million yuan in 万元: {aid:?}");
        let qingchuan = sheet
            .rows
            .iter()
            .find(|r| r.cells[0].ends_with("510822"))
            .expect("青川县");
        let page_qc = expected.iter().find(|r| r[0].ends_with("510822")).unwrap();
        assert_eq!(
            qingchuan.cells[1].parse::<f64>().unwrap(),
            page_qc[1].replace(',', "").parse::<f64>().unwrap()
        );
        // By source, cumulative, over years: the totals are the yearbook's.
        let (status, by_source, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=source&cols=years&from=2008&measure=cumulative&ind=aid_funds")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            by_source.contains("帮扶资金（万元） 2009"),
            "a column per year"
        );
        assert!(by_source.contains("<td>省直单位</td>"), "rows by source");
    }
}

#[tokio::test]
async fn lists_show_money_in_wan_yuan_right_aligned_and_places_by_name() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (_, list, _) = b.get("/records/project?program=zj-sc&year=2009").await;
    assert!(list.contains("帮扶资金（万元）"), "the unit in the header");
    assert!(list.contains("<td class=\"num\">"), "numbers right-aligned");
    assert!(list.contains("id=\"money-toggle\""));
    let (_, yuan, _) = b
        .get("/records/project?program=zj-sc&year=2009&unit=yuan")
        .await;
    assert!(yuan.contains("帮扶资金（元）") && !yuan.contains("帮扶资金（万元）"));
    let (_, labour, _) = b
        .get("/records/labour_transfer?program=zj-sc&year=2009")
        .await;
    assert!(labour.contains("浙江省 330000"), "a destination by name");
    assert!(
        !labour.contains("id=\"money-toggle\""),
        "no money, no 元/万元 switch"
    );
    // A county's edit form shows what it may not change as text.
    let operator = Actor::local_operator();
    server
        .app
        .add_user(
            &operator,
            "qcform",
            "青川",
            "county form password",
            &Role::HelpedCounty {
                region: "510822".into(),
            },
        )
        .await
        .unwrap();
    let mut c = Browser::new(&server);
    c.sign_in("qcform", "county form password").await;
    let (status, form, _) = c
        .get("/records/project/2009-510822-school/edit?program=zj-sc")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("<span class=\"readonly\" id=\"field-helper_unit\">"));
    assert!(form.contains("<input name=\"beneficiaries\""));
    assert!(!form.contains("step-back-notice"), "a county moves nothing");
}

#[tokio::test]
async fn each_role_starts_on_its_own_work_with_a_menu_of_what_it_can_open() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    for (name, role) in [
        (
            "homeqc",
            Role::HelpedCounty {
                region: "510822".into(),
            },
        ),
        (
            "homehz",
            Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        ),
        ("homeexpert", Role::Expert),
    ] {
        server
            .app
            .add_user(&operator, name, name, "home page password", &role)
            .await
            .unwrap();
    }
    // A county: its county's figures and to-do first; no inspections or experts in its menu.
    let mut c = Browser::new(&server);
    c.sign_in("homeqc", "home page password").await;
    let (status, home, _) = c.get("/?program=zj-sc&year=2009").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("id=\"home\"") && home.contains("本县：青川县"),
        "the county's card"
    );
    assert!(home.contains("id=\"home-figures\"") && home.contains("region=510822"));
    assert!(!home.contains("href=\"/inspections") && !home.contains("href=\"/experts"));
    assert!(home.contains("href=\"/plans"), "its to-do list");
    // It edits its projects but adds none: no form to fill in and be refused.
    let (status, _, _) = c.get("/records/project/new?program=zj-sc&year=2010").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A helper unit: its unit, its plan, a new project.
    let mut h = Browser::new(&server);
    h.sign_in("homehz", "home page password").await;
    let (_, home, _) = h.get("/?program=zj-sc&year=2009").await;
    assert!(home.contains("本单位：杭州市人民政府") && home.contains("/plans/hangzhou?"));
    assert!(home.contains("href=\"/inspections") && !home.contains("href=\"/experts"));
    // An expert goes to its scoring, and its menu offers nothing else to read.
    let mut e = Browser::new(&server);
    e.sign_in("homeexpert", "home page password").await;
    let (status, _, location) = e.get("/").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/experts"))
    );
    let (_, experts, _) = e.get("/experts?program=zj-sc&year=2009").await;
    assert!(!experts.contains("href=\"/yearbook") && experts.contains("href=\"/experts"));
    // The year a user chose is where the next report opens, for that user only.
    let (_, first, _) = h.get("/yearbook?program=zj-sc").await;
    assert!(first.contains("2009"), "the closed year");
    let _ = h.get("/?program=zj-sc&year=2010").await;
    let (_, again, _) = h.get("/yearbook?program=zj-sc").await;
    assert!(again.contains("value=\"2010\""), "remembered: 2010");
    let (_, other, _) = c.get("/yearbook?program=zj-sc").await;
    assert!(
        other.contains("value=\"2009\""),
        "another user still opens on 2009"
    );
}

#[tokio::test]
async fn search_finds_units_places_and_records_by_name_or_code_within_what_a_role_sees() {
    let server = spawn(None).await;
    let mut b = Browser::new(&server);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    let (status, found, _) = b.get("/search?program=zj-sc&q=博树").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found.contains("阆中市博树乡大桥") && found.contains("/records/project/2009-boshu-bridge?")
    );
    let (_, units, _) = b.get("/search?program=zj-sc&q=杭州").await;
    assert!(units.contains("杭州市人民政府"), "a unit by name");
    let (_, places, _) = b.get("/search?program=zj-sc&q=510822").await;
    assert!(places.contains("青川县"), "a place by code");
    let (_, none, _) = b.get("/search?program=zj-sc&q=没有这个词").await;
    assert!(none.contains("id=\"no-hits\""));
    // A county finds only what is in its county.
    server
        .app
        .add_user(
            &Actor::local_operator(),
            "searchqc",
            "青川",
            "search test password",
            &Role::HelpedCounty {
                region: "510822".into(),
            },
        )
        .await
        .unwrap();
    let mut c = Browser::new(&server);
    c.sign_in("searchqc", "search test password").await;
    let (_, theirs, _) = c.get("/search?program=zj-sc&q=博树").await;
    assert!(
        !theirs.contains("阆中市博树乡大桥"),
        "Langzhong is not its county"
    );
    let (_, header, _) = c.get("/?program=zj-sc&year=2009").await;
    assert!(
        header.contains("id=\"header-search\""),
        "searched from every page"
    );
}

#[tokio::test]
async fn an_analysis_view_is_saved_by_name_shared_and_forgotten() {
    for server in servers().await {
        let operator = Actor::local_operator();
        for (name, role) in [
            (
                "viewhz",
                Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            ),
            ("viewer9", Role::Viewer),
        ] {
            server
                .app
                .add_user(&operator, name, name, "saved view password", &role)
                .await
                .unwrap();
        }
        let mut b = Browser::new(&server);
        b.sign_in("admin", ADMIN_PASSWORD).await;
        let (_, page, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=source&ind=aid_funds")
            .await;
        let csrf = hidden(&page, "csrf");
        let query = hidden(&page, "query");
        assert_eq!(
            query.replace("&#38;", "&"),
            "year=2009&rows=source&cols=indicators&ind=aid_funds"
        );
        let (status, _, location) = b
            .post(
                "/analysis/views?program=zj-sc",
                &[
                    ("csrf", csrf.as_str()),
                    ("name", "资金来源 2009"),
                    (
                        "query",
                        "year=2009&rows=source&cols=indicators&ind=aid_funds&evil=1",
                    ),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location.as_deref(),
            Some("/analysis?program=zj-sc&year=2009&rows=source&cols=indicators&ind=aid_funds"),
            "only the page's own parameters are kept"
        );
        // A colleague finds it and opens it; only the office or its author forgets it.
        let mut h = Browser::new(&server);
        h.sign_in("viewhz", "saved view password").await;
        let (_, theirs, _) = h.get("/analysis?program=zj-sc").await;
        assert!(theirs.contains("资金来源 2009") && theirs.contains("rows=source"));
        assert!(!theirs.contains("/analysis/views/delete"), "not its view");
        let hcsrf = hidden(&theirs, "csrf");
        let (status, refused, _) = h
            .post(
                "/analysis/views/delete?program=zj-sc",
                &[("csrf", hcsrf.as_str()), ("name", "资金来源 2009")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        // ... nor replaces it under the same name.
        let (_, _, location) = h
            .post(
                "/analysis/views?program=zj-sc",
                &[
                    ("csrf", hcsrf.as_str()),
                    ("name", "资金来源 2009"),
                    ("query", "year=2009&ind=schools"),
                ],
            )
            .await;
        assert!(
            location.unwrap_or_default().contains("error="),
            "the name is taken"
        );
        let (_, kept, _) = h.get("/analysis?program=zj-sc").await;
        assert!(
            kept.contains("rows=source"),
            "the office's view is as it was"
        );
        // Parameters in any script are kept encoded; a year past any record's is taken as the last.
        let (status, _, location) = h
            .post(
                "/analysis/views?program=zj-sc",
                &[
                    ("csrf", hcsrf.as_str()),
                    ("name", "杭州"),
                    ("query", "year=99999&ind=资金&cols=years"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap_or_default().contains("year=2100"));
        let (status, _, _) = h
            .get("/analysis?program=zj-sc&cols=years&year=-2147483648&from=-2147483648")
            .await;
        assert!(
            status == StatusCode::OK || status == StatusCode::NOT_FOUND,
            "answered, not crashed: {status}"
        );
        // A viewer reads views but keeps none.
        let mut v = Browser::new(&server);
        v.sign_in("viewer9", "saved view password").await;
        let (_, viewer, _) = v.get("/analysis?program=zj-sc").await;
        assert!(viewer.contains("资金来源 2009") && !viewer.contains("id=\"save-view\""));
        // An empty name is refused by name.
        let (_, _, location) = b
            .post(
                "/analysis/views?program=zj-sc",
                &[
                    ("csrf", csrf.as_str()),
                    ("name", " "),
                    ("query", "year=2009"),
                ],
            )
            .await;
        assert!(location.unwrap_or_default().contains("error="));
        let (status, _, _) = b
            .post(
                "/analysis/views/delete?program=zj-sc",
                &[("csrf", csrf.as_str()), ("name", "资金来源 2009")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, after, _) = b.get("/analysis?program=zj-sc").await;
        assert!(!after.contains("资金来源 2009"));
        let (events, _) = server
            .app
            .audit_page(
                &operator,
                &twinaid_app::AuditFilter {
                    entity: Some("saved_view".into()),
                    ..Default::default()
                },
                1,
                10,
            )
            .await
            .unwrap();
        assert_eq!(events.len(), 3, "two saved, one forgotten, each audited");
    }
}

#[tokio::test]
async fn projects_with_coordinates_are_points_on_the_map_page() {
    for server in servers().await {
        let tokens = api_tokens(
            &server,
            &[(
                "mapoffice",
                Role::ProgramOffice {
                    program: "zj-sc".into(),
                },
            )],
            "map page password",
        )
        .await;
        let put = |body: Value| {
            api_request(
                &server,
                &tokens["mapoffice"],
                reqwest::Method::PUT,
                "/records/project/2009-510822-school",
                Some(body),
            )
            .send()
        };
        let mut project = serde_json::json!({"year": 2009, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": "青川希望小学", "amount": 400000, "latitude": 91});
        let r = put(project.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().await.unwrap().contains("latitude"),
            "refused by its field"
        );
        project["name_zh"] = serde_json::json!("青川希望小学<!--<script>");
        project["latitude"] = serde_json::json!(32.576);
        project["longitude"] = serde_json::json!(105.228456);
        let r = put(project).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let saved: Value = r.json().await.unwrap();
        assert_eq!(
            (saved["latitude"].as_f64(), saved["longitude"].as_f64()),
            (Some(32.576), Some(105.228456))
        );
        let mut b = Browser::new(&server);
        b.sign_in("admin", ADMIN_PASSWORD).await;
        let (status, map, _) = b.get("/map?program=zj-sc&year=2009&ind=aid_funds").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            map.contains("id=\"map-points\"") && map.contains("32.5760, 105.2285"),
            "the point is listed"
        );
        assert!(
            map.contains("\"lat\":32.576") && map.contains("/records/project/2009-510822-school?")
        );
        assert!(
            map.contains("帮扶资金（万元）"),
            "the legend and table in the table's unit"
        );
        assert!(
            map.contains("青川希望小学\\u003c!--\\u003cscript>") && !map.contains("<!--<script>"),
            "a name cannot open a comment or tag inside the page's script"
        );
        let (_, other, _) = b.get("/map?program=zj-sc&year=2010").await;
        assert!(other.contains("id=\"no-points\""));
    }
}

#[tokio::test]
async fn the_analysis_page_splits_figures_by_helper_unit_and_category_adding_up_to_them() {
    for server in servers().await {
        let mut b = Browser::new(&server);
        b.sign_in("admin", ADMIN_PASSWORD).await;
        // Every indicator the yearbook shows (some read only some sources) splits.
        let (status, all, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=helper_unit")
            .await;
        assert_eq!(status, StatusCode::OK, "{all}");
        let (_, by_county, _) = b.get("/analysis?program=zj-sc&year=2009").await;
        let foot = |html: &str| {
            html[html.find("<tfoot>").unwrap()..html.find("</tfoot>").unwrap()].to_string()
        };
        assert_eq!(
            foot(&all),
            foot(&by_county),
            "by unit or by county, the same totals"
        );
        let (status, _, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=category")
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, years, _) = b.get("/analysis?program=zj-sc&year=2009&cols=years").await;
        assert!(
            years.contains("帮扶资金（万元） 2009") && !years.contains("援建学校（个） 2009"),
            "over years, one indicator unless more are chosen"
        );
        let (status, units, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=helper_unit&ind=aid_funds&ind=schools")
            .await;
        assert_eq!(status, StatusCode::OK);
        let rows = body_cells(&units, "id=\"analysis\"");
        assert!(
            rows.iter()
                .any(|r| r[0].starts_with("杭州市人民政府 hangzhou")),
            "a row per helper unit: {rows:?}"
        );
        assert!(
            units.contains("f.helper_unit=hangzhou"),
            "cells open the unit's records"
        );
        // The rows add up to the yearbook's figure.
        let wan = |t: &str| t.replace(',', "").parse::<f64>().unwrap_or(0.0);
        let sum: f64 = rows.iter().map(|r| wan(&r[1])).sum();
        assert!(
            (sum - 3620.0).abs() < 0.5,
            "the rows add up to 3,620 万元: {sum}"
        );
        let (_, categories, _) = b
            .get("/analysis?program=zj-sc&year=2009&rows=category&ind=schools")
            .await;
        let rows = body_cells(&categories, "id=\"analysis\"");
        let school = rows
            .iter()
            .find(|r| r[0].starts_with("学校"))
            .expect("a school row");
        assert_eq!(school[1], "12", "the report's 12 schools");
        // The export has the same rows.
        let r = server
            .client
            .get(format!(
                "{}/analysis.xlsx?program=zj-sc&year=2009&rows=category&ind=schools",
                server.base
            ))
            .header(COOKIE, b.cookie_header())
            .send()
            .await
            .unwrap();
        let book = twinaid_exchange::read_sheets("c.xlsx", &r.bytes().await.unwrap()).unwrap();
        assert!(
            book[0]
                .rows
                .iter()
                .any(|r| r.cells.first().map(String::as_str) == Some("项目类别")),
            "{:?}",
            book[0].rows
        );
        assert!(
            book[0]
                .rows
                .iter()
                .any(|r| r.cells.first().is_some_and(|c| c.starts_with("学校"))
                    && r.cells.get(1).map(String::as_str) == Some("12"))
        );
    }
}

#[tokio::test]
async fn fifty_clerks_adding_without_codes_at_once_each_get_their_own() {
    for server in servers().await {
        let tokens = api_tokens(
            &server,
            &[(
                "rush",
                Role::HelperUnit {
                    unit: "hangzhou".into(),
                },
            )],
            "rush hour password",
        )
        .await;
        let saves = (0..50).map(|i| {
            let body = serde_json::json!({"year": 2010, "helper_unit": "hangzhou", "region_code": "510822", "category": "school", "name_zh": format!("同时{i}")});
            api_request(&server, &tokens["rush"], reqwest::Method::POST, "/records/project", Some(body)).send()
        });
        let mut codes = Vec::new();
        for r in futures_join_all(saves).await {
            let r = r.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            let v: Value = r.json().await.unwrap();
            codes.push(v["code"].as_str().unwrap().to_string());
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 50, "fifty distinct made codes");
        assert_eq!(
            codes.last().map(String::as_str),
            Some("2010-510822-school-050")
        );
    }
}

#[tokio::test]
async fn every_list_export_imports_back_unchanged_in_either_language_even_masked() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    let office = Actor {
        name: "rtoffice".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    let helper = Actor {
        name: "rthz".into(),
        role: Role::HelperUnit {
            unit: "hangzhou".into(),
        },
    };
    for a in [&office, &helper] {
        server
            .app
            .add_user(&operator, &a.name, &a.name, "round trip password", &a.role)
            .await
            .unwrap();
    }
    // A worker a helper unit's lists show masked.
    let cells: std::collections::BTreeMap<String, String> = [
        ("code", "2010-rt-worker"),
        ("year", "2010"),
        ("helper_unit", "hangzhou"),
        ("region_code", "510822"),
        ("people", "1"),
        ("destination_region", "330100"),
        ("worker_ref", "QC-2010-0042"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    server
        .app
        .save_record(
            &office,
            "zj-sc",
            twinaid_domain::record::RecordKind::LabourTransfer,
            &cells,
            None,
        )
        .await
        .unwrap();
    let mut who = Vec::new();
    for a in [&office, &helper] {
        let token = server
            .app
            .create_api_token(a, "t", "127.0.0.1")
            .await
            .unwrap()
            .0;
        let mut b = Browser::new(&server);
        b.sign_in(&a.name, "round trip password").await;
        who.push((b, token));
    }
    for ((b, token), actor) in who.iter_mut().zip([&office, &helper]) {
        for lang in ["en", "zh"] {
            b.get(&format!("/lang/{lang}?back=/")).await;
            for kind in twinaid_domain::record::RecordKind::ALL {
                // Each what it may write; its list holds others' rows too.
                if !server.app.permissions(actor, "zj-sc").adds(kind) {
                    continue;
                }
                let kind = kind.code();
                for ext in ["csv", "xlsx"] {
                    let (status, file) = b
                        .bytes(&format!("/records/{kind}/export.{ext}?program=zj-sc"))
                        .await;
                    assert_eq!(status, StatusCode::OK);
                    let r = server
                        .client
                        .post(format!(
                            "{}/api/v1/programs/zj-sc/records/{kind}/import?filename=list.{ext}",
                            server.base
                        ))
                        .bearer_auth(&*token)
                        .body(file)
                        .send()
                        .await
                        .unwrap();
                    let status = r.status();
                    let body: Value = r.json().await.unwrap();
                    assert_eq!(status, StatusCode::OK, "{kind}.{ext} ({lang}): {body}");
                    assert_eq!(
                        (body["created"].as_i64(), body["updated"].as_i64()),
                        (Some(0), Some(0)),
                        "{kind}.{ext} ({lang}) imports back unchanged: {body}"
                    );
                }
            }
        }
    }
    let (b, _) = &mut who[1];
    let (_, masked) = b
        .bytes("/records/labour_transfer/export.csv?program=zj-sc&year=2010")
        .await;
    let masked = String::from_utf8(masked).unwrap();
    assert!(
        masked.contains("•••42") && !masked.contains("QC-2010-0042"),
        "the helper's export masks the worker: {masked}"
    );
    let stored = server
        .app
        .record(
            &office,
            "zj-sc",
            twinaid_domain::record::RecordKind::LabourTransfer,
            "2010-rt-worker",
        )
        .await
        .unwrap();
    assert_eq!(
        stored.get("worker_ref").as_text(),
        Some("QC-2010-0042"),
        "importing the masked export kept the worker"
    );
    // A masked value that masks nothing stored is refused at its cell.
    let forged = masked.replace("2010-rt-worker", "2010-rt-new");
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/records/labour_transfer/import?filename=list.csv",
            server.base
        ))
        .bearer_auth(&*who[1].1)
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("worker_ref"));
}

#[tokio::test]
async fn money_in_another_currency_counts_in_yuan_at_its_dates_rate_and_reversals_subtract() {
    let server = spawn(None).await;
    let office = Actor {
        name: "fxoffice".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    server
        .app
        .add_user(
            &Actor::local_operator(),
            "fxoffice",
            "fxoffice",
            "currency password",
            &office.role,
        )
        .await
        .unwrap();
    let token = server
        .app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let post = |body: Value| {
        server
            .client
            .post(format!(
                "{}/api/v1/programs/zj-sc/records/fund_transaction",
                server.base
            ))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let base = |code: &str| serde_json::json!({"code": code, "year": 2015, "helper_unit": "hangzhou", "region_code": "510822", "kind": "disbursement", "date": "2015-06-28"});
    let with = |code: &str, more: Value| {
        let mut b = base(code);
        b.as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        b
    };
    // 1,000 dollars on a Sunday: the bank's Friday rates, USD 1.1202 and CNY 6.9553 a euro (2015-06-26).
    let r = post(with(
        "fx-usd",
        serde_json::json!({"currency": "usd", "original_amount": 1000}),
    ))
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let (app, office) = (&server.app, &office);
    let get = |code: &'static str| async move {
        app.record(
            office,
            "zj-sc",
            twinaid_domain::record::RecordKind::FundTransaction,
            code,
        )
        .await
        .unwrap()
    };
    let usd = get("fx-usd").await;
    let expected = (100_000.0_f64 * 6.9553 / 1.1202).round() as i64;
    assert_eq!(usd.get("currency").as_text(), Some("USD"));
    assert_eq!(
        usd.get("amount").as_int(),
        Some(expected),
        "converted at the Friday's rate"
    );
    // A reversal of 250 dollars: negative in both.
    let r = post(with(
        "fx-rev",
        serde_json::json!({"currency": "USD", "original_amount": -250}),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(get("fx-rev").await.get("amount").as_int().unwrap() < 0);
    // No rate for special drawing rights: kept, counting nothing in yuan.
    let r = post(with(
        "fx-xdr",
        serde_json::json!({"currency": "XDR", "original_amount": 80}),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(get("fx-xdr").await.get("amount").as_int(), None);
    // The list (and a figure's drill-down) says which currencies are behind its money.
    let mut b = Browser::new(&server);
    b.sign_in("fxoffice", "currency password").await;
    let (_, list, _) = b
        .get("/records/fund_transaction?program=zj-sc&year=2015")
        .await;
    assert!(
        list.contains("id=\"currencies\"")
            && list.contains("USD 2 笔，原币 750.00，折合 4,656.73 元")
            && list.contains("XDR 1 笔，原币 80.00，折合 0.00 元，其中 1 笔待录入汇率"),
        "{}",
        list.split("id=\"currencies\"")
            .nth(1)
            .unwrap_or("no currencies line")
    );
    let listed: Value = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/records/fund_transaction?year=2015",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let usd = &listed["by_currency"][0];
    assert_eq!(
        (
            usd["currency"].as_str(),
            usd["rows"].as_i64(),
            usd["original_amount"].as_f64()
        ),
        (Some("USD"), Some(2), Some(750.0)),
        "{listed}"
    );
    let (status, page, _) = b.get("/rates?program=zj-sc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"waiting\"") && page.contains("fx-xdr"),
        "waiting for a rate"
    );
    let csrf = b.csrf().await;
    let (status, _, to) = b
        .post(
            "/rates?program=zj-sc",
            &[
                ("csrf", &csrf),
                ("currency", "xdr"),
                ("date", "2015"),
                ("rate", "9.5"),
                ("source", "IMF"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.as_deref().unwrap_or_default().contains("converted=1"),
        "{to:?}"
    );
    assert_eq!(
        get("fx-xdr").await.get("amount").as_int(),
        Some(76_000),
        "80 XDR at 9.5"
    );
    let (_, page, _) = b.get(to.as_deref().unwrap()).await;
    assert!(page.contains("id=\"rate-notice\"") && page.contains("id=\"none-waiting\""));
    assert!(page.contains("<td>XDR</td><td>2015</td>"));
    let (_, _, to) = b
        .post(
            "/rates?program=zj-sc",
            &[
                ("csrf", &csrf),
                ("currency", "XDR"),
                ("date", "soon"),
                ("rate", "-1"),
            ],
        )
        .await;
    let (_, page, _) = b.get(to.as_deref().unwrap()).await;
    assert!(
        page.contains("id=\"rate-error\""),
        "a bad rate is refused, saying why"
    );
    // What cannot be: no amount in yuan, a bad code, signs that differ, a negative project.
    for (body, field) in [
        (base("fx-none"), "amount"),
        (
            with(
                "fx-bad",
                serde_json::json!({"currency": "US$", "original_amount": 1}),
            ),
            "currency",
        ),
        (
            with(
                "fx-sign",
                serde_json::json!({"currency": "USD", "original_amount": 5, "amount": -30}),
            ),
            "amount",
        ),
        (
            with("fx-orig", serde_json::json!({"currency": "USD"})),
            "original_amount",
        ),
    ] {
        let r = post(body).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["problems"][0]["field"], field, "{body}");
    }
    let yb: Value = server
        .client
        .get(format!(
            "{}/api/v1/programs/zj-sc/yearbook/2015",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rev = get("fx-rev").await.get("amount").as_int().unwrap();
    let aid = yb["indicators"]["aid_funds"]["year"]
        .as_f64()
        .unwrap_or_default();
    assert!(
        ((aid * 100.0).round() as i64 - (expected + rev + 76_000)).abs() <= 1,
        "the reversal subtracts; the XDR counts at the office's rate: {aid} vs {}",
        expected + rev + 76_000
    );
}

#[tokio::test]
async fn an_iati_file_imports_through_the_page_and_the_api_as_at_the_command_line() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    let office = Actor {
        name: "office".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    server
        .app
        .add_user(&operator, "office", "office", "iati password", &office.role)
        .await
        .unwrap();
    let sample = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/iati/samples/finland-mfa-activities-2.03.xml"),
    )
    .unwrap();
    let mut o = Browser::new(&server);
    o.sign_in("office", "iati password").await;
    let csrf = o.csrf().await;
    let page = server
        .client
        .get(format!(
            "{}/records/project/import?program=zj-sc",
            server.base
        ))
        .header(COOKIE, o.cookie_header())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(".xml") && page.contains("id=\"iati-helper-unit\""),
        "the project import takes IATI files"
    );
    let post = |fields: &[(&str, &str)]| {
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(sample.clone()).file_name("finland.xml"),
        );
        server
            .client
            .post(format!(
                "{}/records/project/import?program=zj-sc",
                server.base
            ))
            .header(COOKIE, o.cookie_header())
            .multipart(form)
            .send()
    };
    // No unit of the program is a Finnish ministry: with nothing chosen, every
    // activity is skipped and listed, nothing written.
    // The page shows what the import did and its whole report.
    let r = post(&[]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("活动 6 个，新增或更新项目 0 个、资金往来 0 笔；跳过 6 项")
            && page.contains("id=\"iati-report\"")
            && page.contains("FI-3 Ministry for Foreign Affairs of Finland"),
        "{page}"
    );
    let r = post(&[("helper_unit", "zj-coop-office"), ("region", "510800")])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("活动 6 个，新增或更新项目 6 个、资金往来 9 笔；跳过 0 项")
            && page
                .contains("EUR disbursement：4 笔，原币合计 3,520,633.05，折合 27,533,110.77 元"),
        "{page}"
    );
    // The API says the same, with the money per currency.
    let token = server
        .app
        .create_api_token(&office, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let body: Value = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/records/project/import?filename=finland.xml&helper_unit=zj-coop-office&region=510800",
            server.base
        ))
        .bearer_auth(&token)
        .body(sample.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["unchanged"].as_i64(), Some(6), "{body}");
    assert_eq!(
        body["iati"]["fund_transactions_unchanged"].as_i64(),
        Some(9)
    );
    let euro = body["iati"]["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["currency"] == "EUR" && t["kind"] == "disbursement")
        .unwrap();
    assert_eq!(euro["yuan"].as_f64(), Some(27_533_110.77));
    // A viewer is refused before the file is read at all.
    let viewer = Actor {
        name: "iativiewer".into(),
        role: Role::Viewer,
    };
    server
        .app
        .add_user(&operator, "iativiewer", "v", "iati password", &viewer.role)
        .await
        .unwrap();
    let viewer_token = server
        .app
        .create_api_token(&viewer, "t", "127.0.0.1")
        .await
        .unwrap()
        .0;
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/records/project/import?filename=x.xml",
            server.base
        ))
        .bearer_auth(&viewer_token)
        .body("<iati-activities><a></b>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A file that is not XML is refused whole, by name.
    let r = server
        .client
        .post(format!(
            "{}/api/v1/programs/zj-sc/records/project/import?filename=bad.xml",
            server.base
        ))
        .bearer_auth(&token)
        .body("<iati-activities><a></b>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("bad.xml"));
}

#[tokio::test]
async fn the_office_sets_its_sector_table_and_no_one_else_may() {
    let server = spawn(None).await;
    let operator = Actor::local_operator();
    for (name, role) in [
        (
            "secoffice",
            Role::ProgramOffice {
                program: "zj-sc".into(),
            },
        ),
        (
            "sechelper",
            Role::HelperUnit {
                unit: "hangzhou".into(),
            },
        ),
    ] {
        server
            .app
            .add_user(&operator, name, name, "sector password", &role)
            .await
            .unwrap();
    }
    let mut b = Browser::new(&server);
    b.sign_in("secoffice", "sector password").await;
    let (status, page, _) = b.get("/sectors?program=zj-sc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"no-sectors\"") && page.contains("id=\"sectors-built-in\""));
    let csrf = b.csrf().await;
    let (status, _, _) = b
        .post(
            "/sectors?program=zj-sc",
            &[
                ("csrf", &csrf),
                ("sector", "91010"),
                ("category", "agriculture"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = b.get("/sectors?program=zj-sc").await;
    assert!(
        page.contains("<td>91010</td>"),
        "the office's row is listed"
    );
    let office = Actor {
        name: "secoffice".into(),
        role: Role::ProgramOffice {
            program: "zj-sc".into(),
        },
    };
    let rows = server
        .app
        .sector_categories(&office, "zj-sc")
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].category, "agriculture");
    // A code that is no DAC code is refused by name, nothing kept.
    let (status, _, to) = b
        .post(
            "/sectors?program=zj-sc",
            &[("csrf", &csrf), ("sector", "9x"), ("category", "school")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = b.get(to.as_deref().unwrap()).await;
    assert!(
        page.contains("id=\"sector-error\"") && page.contains("9x"),
        "{page}"
    );
    // Removing it: no category.
    b.post(
        "/sectors?program=zj-sc",
        &[("csrf", &csrf), ("sector", "91010"), ("category", "")],
    )
    .await;
    assert!(
        server
            .app
            .sector_categories(&office, "zj-sc")
            .await
            .unwrap()
            .is_empty()
    );
    // A helper unit reads the table but may not change it.
    let mut h = Browser::new(&server);
    h.sign_in("sechelper", "sector password").await;
    let (status, page, _) = h.get("/sectors?program=zj-sc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("id=\"sector-form\""));
    let csrf = h.csrf().await;
    let (status, _, _) = h
        .post(
            "/sectors?program=zj-sc",
            &[("csrf", &csrf), ("sector", "122"), ("category", "other")],
        )
        .await;
    assert_ne!(status, StatusCode::SEE_OTHER);
    assert!(
        server
            .app
            .sector_categories(&office, "zj-sc")
            .await
            .unwrap()
            .is_empty()
    );
}
