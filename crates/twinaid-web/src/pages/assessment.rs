//! The guidance of the year, the experts' scoring, and the assessment with its
//! ranking, explanations and publication.

use super::{Scope, back_to, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use twinaid_app::AppError;
use twinaid_domain::Lang;
use twinaid_domain::assessment::Trace;
use twinaid_domain::guidance::{DocumentKind, GuidanceForm};

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    program: Option<String>,
    year: Option<i32>,
    error: Option<String>,
}

/// Whether the user runs the program, as the app decides.
fn office(state: &AppState, user: &SignedIn, program: &str) -> bool {
    state.app.permissions(&user.actor, program).office
}

/// Where a form of the cycle goes back to.
fn page_of(path: &str, program: &str, year: i32) -> String {
    format!("{path}?program={}&year={year}", url_encode(program))
}

#[derive(Template)]
#[template(path = "guidance.html")]
struct GuidancePage {
    page: Page,
    current: Option<(i64, String, twinaid_domain::guidance::Guidance)>,
    /// Multi-year outlines covering the year.
    outlines: Vec<(i64, String, twinaid_domain::guidance::Guidance)>,
    versions: Vec<(i64, String, String, String)>,
    may_issue: bool,
    /// A national office's group, whose every program it may give the
    /// guidance at once (empty for anyone else).
    whole_group: String,
    form: GuidanceForm,
    /// The steps projects may count from: (code, name).
    steps: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    error: String,
    /// Indicator names by code, in the user's language.
    indicator_names: BTreeMap<String, String>,
    /// The form's weights: every indicator (code, name, weight as typed),
    /// those of the form first in its order.
    weight_rows: Vec<(String, String, String)>,
}

impl GuidancePage {
    /// An indicator by its name (its code when it has none).
    fn indicator_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.indicator_names.get(code).map_or(code, String::as_str)
    }
}

/// Who issued a version of guidance and when, as people read it.
fn issued(state: &AppState, r: &twinaid_app::GuidanceRow, lang: Lang) -> String {
    let by = crate::history::actor_name(
        &r.issued_by,
        "",
        &std::collections::HashMap::new(),
        crate::i18n::Tr { lang },
    );
    format!(
        "{by} · {}",
        crate::view::local_time(&r.issued_at, state.time_zone)
    )
}

async fn guidance_page(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    year: i32,
    form: Option<GuidanceForm>,
    errors: BTreeMap<String, String>,
    error: String,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let versions = state.app.guidance_versions(&user.actor, program).await?;
    let outlines: Vec<(i64, String, twinaid_domain::guidance::Guidance)> = versions
        .iter()
        .filter(|(_, g)| g.kind == DocumentKind::Outline && g.covers(year))
        .map(|(r, g)| (r.version, issued(state, r, lang), g.clone()))
        .collect();
    let current = versions
        .iter()
        .find(|(_, g)| g.governs(year))
        .map(|(r, g)| (r.version, issued(state, r, lang), g.clone()));
    let form = form.unwrap_or_else(|| {
        current
            .as_ref()
            .map(|(_, _, g)| g.to_form())
            .unwrap_or(GuidanceForm {
                year_from: year.to_string(),
                cap: "1".into(),
                weights: "0.5, 0.3, 0.2".into(),
                bands: "90, 75, 60".into(),
                ..GuidanceForm::default()
            })
    });
    let list = versions
        .iter()
        .map(|(r, g)| {
            (
                r.version,
                format!("{} · {}", g.kind.name(lang), g.title),
                format!("{}–{}", r.year_from, r.year_to),
                issued(state, r, lang),
            )
        })
        .collect();
    let title = crate::i18n::Tr { lang }.s("guidance");
    let here = format!("/guidance?program={}&year={year}", url_encode(program));
    let page = GuidancePage {
        page: Page::new(user, title, &here, program, year),
        current,
        outlines,
        versions: list,
        may_issue: state.app.permissions(&user.actor, program).guides,
        whole_group: match &user.actor.role {
            twinaid_app::Role::NationalOffice { group, .. } => group.clone(),
            _ => String::new(),
        },
        form,
        steps: twinaid_domain::lifecycle::FORWARD
            .iter()
            .filter_map(|s| {
                twinaid_domain::record::PROJECT_STATUSES
                    .iter()
                    .find(|c| c.code == s.code())
                    .map(|c| (c.code, lang.pick(c.zh, c.en)))
            })
            .collect(),
        errors,
        error,
        weight_rows: Vec::new(),
        indicator_names: BTreeMap::new(),
    };
    let definitions: Vec<(String, String)> = state
        .app
        .indicators(&user.actor)
        .await?
        .iter()
        .map(|d| (d.code.clone(), d.name(lang).to_string()))
        .collect();
    let page = GuidancePage {
        weight_rows: weight_rows(&page.form.indicators, &definitions),
        indicator_names: definitions.into_iter().collect(),
        ..page
    };
    Ok(render(&page, lang))
}

/// The guidance in force for the year, its versions, and (for the office) the form to issue a new one.
pub async fn guidance(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: q.year,
        },
    )
    .await?;
    guidance_page(
        &state,
        &user,
        &program,
        year,
        None,
        BTreeMap::new(),
        q.error.unwrap_or_default(),
    )
    .await
}

/// Issues a new version of the guidance; problems are shown next to their fields.
pub async fn issue_guidance(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = GuidanceForm {
        kind: get("kind"),
        title: get("title"),
        year_from: get("year_from"),
        year_to: get("year_to"),
        priorities: get("priorities"),
        tasks: get("tasks"),
        indicators: weights_of(&f).unwrap_or_else(|| get("indicators")),
        cap: get("cap"),
        weights: get("weights"),
        bands: get("bands"),
        rubric: get("rubric"),
        counts_from: get("counts_from"),
    };
    // A national office may issue it to every program of its group at once.
    // From a page of one of its programs; any other is refused as it would be alone.
    let from_member = state.app.permissions(&user.actor, &program).guides;
    let issued = match (&user.actor.role, f.get("whole_group").map(String::as_str)) {
        (twinaid_app::Role::NationalOffice { group, .. }, Some("1")) if from_member => state
            .app
            .issue_group_guidance(&user.actor, group, &form)
            .await
            .map(|_| ()),
        _ => state
            .app
            .issue_guidance(&user.actor, &program, &form)
            .await
            .map(|_| ()),
    };
    match issued {
        Ok(()) => {
            Ok(axum::response::Redirect::to(&page_of("/guidance", &program, year)).into_response())
        }
        Err(AppError::Invalid(problems)) => {
            let errors = problems
                .iter()
                .filter_map(|p| {
                    p.location
                        .column
                        .clone()
                        .map(|c| (c, p.error.message(user.lang)))
                })
                .collect();
            let mut response = guidance_page(
                &state,
                &user,
                &program,
                year,
                Some(form),
                errors,
                String::new(),
            )
            .await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(WebError::from_app(e, user.lang)),
    }
}

#[derive(Template)]
#[template(path = "experts.html")]
struct ExpertsPage {
    page: Page,
    may_assign: bool,
    /// The experts the office may assign: (user name, display name).
    experts: Vec<(String, String)>,
    units: Vec<(String, String)>,
    /// (expert, unit code, unit name, submitted, scores)
    rows: Vec<(String, String, String, bool, String)>,
    rubric: Vec<String>,
    /// unit → spread of submitted totals
    spread: Vec<(String, String)>,
    error: String,
}

/// Expert assignments: the office assigns and sees the spread; an expert scores its own.
pub async fn experts(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: q.year,
        },
    )
    .await?;
    let rows = state
        .app
        .expert_assignments(&user.actor, &program, year)
        .await?;
    let guidance = state.app.guidance_for(&user.actor, &program, year).await?;
    let guidance = guidance.map(|(_, g)| g);
    let names: HashMap<String, String> = if office(&state, &user, &program) {
        state
            .app
            .units(&user.actor, &program)
            .await?
            .into_iter()
            .filter(|u| u.side == "helping")
            .map(|u| (u.code.clone(), u.name(lang).to_string()))
            .collect()
    } else {
        HashMap::new()
    };
    let total = |scores: &str| guidance.as_ref().and_then(|g| g.rubric_total(scores));
    let mut by_unit: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in &rows {
        if let Some(t) = r.scores.as_deref().and_then(total) {
            by_unit.entry(r.unit.clone()).or_default().push(t);
        }
    }
    let spread = by_unit
        .into_iter()
        .map(|(u, v)| {
            let (min, max) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            (
                names.get(&u).cloned().unwrap_or(u),
                format!("{:.2}–{:.2}（{:.2}）", min, max, max - min),
            )
        })
        .collect();
    let may_assign = office(&state, &user, &program);
    let experts = if may_assign {
        state.app.expert_accounts(&user.actor, &program).await?
    } else {
        Vec::new()
    };
    let mut logins: Vec<String> = rows.iter().map(|r| r.expert.clone()).collect();
    logins.sort_unstable();
    logins.dedup();
    let who = state
        .app
        .display_names(&user.actor, &program, &logins)
        .await?;
    let list = rows
        .iter()
        .map(|r| {
            (
                crate::history::actor_name(&r.expert, "", &who, crate::i18n::Tr { lang }),
                r.unit.clone(),
                names.get(&r.unit).cloned().unwrap_or(r.unit.clone()),
                r.submitted_at.is_some(),
                readable_scores(r.scores.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    let title = crate::i18n::Tr { lang }.s("experts");
    let here = format!("/experts?program={}&year={year}", url_encode(&program));
    let page = ExpertsPage {
        page: Page::new(&user, title, &here, &program, year),
        may_assign,
        experts,
        units: names
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect(),
        rows: list,
        rubric: guidance
            .iter()
            .flat_map(|g| g.rubric.iter().map(|(i, _)| i.clone()))
            .collect(),
        spread,
        error: q.error.unwrap_or_default(),
    };
    Ok(render(&page, lang))
}

/// The office assigns an expert to a unit.
pub async fn assign(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = state
        .app
        .assign_expert(&user.actor, &program, year, &get("expert"), &get("unit"))
        .await;
    back_to(&page_of("/experts", &program, year), result, user.lang)
}

/// An expert submits scores for one unit.
pub async fn score(
    State(state): State<AppState>,
    user: SignedIn,
    Path(unit): Path<String>,
    Query(scope): Query<Scope>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let scores: BTreeMap<String, String> = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("item.").map(|i| (i.to_string(), v.clone())))
        .collect();
    let result = state
        .app
        .submit_expert_scores(&user.actor, &program, year, &unit, &scores)
        .await;
    back_to(&page_of("/experts", &program, year), result, user.lang)
}

/// One unit's line of the ranking, with its explanation.
pub struct RankRow {
    pub rank: usize,
    pub code: String,
    pub unit: String,
    pub statistical: String,
    pub inspection: String,
    pub expert: String,
    pub total: String,
    pub grade: String,
    pub lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    page: Page,
    published: String,
    may_publish: bool,
    rows: Vec<RankRow>,
    error: String,
    /// (unit, county, rating, comment) as the viewer may see them.
    ratings: Vec<(String, String, i64, String)>,
    /// The units a county may rate; empty for other roles or a published year.
    may_rate: Vec<(String, String)>,
}

/// The year's assessment: ranking, grades and each unit's explanation.
pub async fn assessment(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let err = |e| WebError::from_app(e, lang);
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: q.year,
        },
    )
    .await?;
    let title = crate::i18n::Tr { lang }.s("assessment");
    let here = format!("/assessment?program={}&year={year}", url_encode(&program));
    let mut error = q.error.unwrap_or_default();
    let names: HashMap<String, String> = state
        .app
        .units(&user.actor, &program)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u.name(lang).to_string()))
        .collect();
    let (rows, published, open) = match state.app.assessment(&user.actor, &program, year).await {
        Ok(a) => {
            let rows = a
                .units
                .iter()
                .map(|u| {
                    let s = &u.score;
                    let lines = if lang == Lang::Zh {
                        u.explanation_zh.clone()
                    } else {
                        u.explanation_en.clone()
                    };
                    RankRow {
                        rank: s.rank,
                        code: s.unit.clone(),
                        unit: names.get(&s.unit).cloned().unwrap_or(s.unit.clone()),
                        statistical: format!("{:.2}", s.statistical),
                        inspection: format!("{:.2}", s.inspection),
                        expert: format!("{:.2}", s.expert),
                        total: format!("{:.2}", s.total),
                        grade: s.grade.name(lang).to_string(),
                        lines,
                    }
                })
                .collect();
            let published = match &a.published {
                Some((by, at)) => {
                    let (by, at) =
                        crate::history::by_and_when(&state, &user, &program, by, at).await?;
                    Some(match lang {
                        Lang::Zh => format!("已由 {by} 于 {at} 公布，结果已锁定"),
                        Lang::En => format!("published by {by} at {at}; locked"),
                    })
                }
                None => None,
            };
            let open = published.is_none();
            (rows, published.unwrap_or_default(), open)
        }
        // No guidance for the year yet: the page says so, and what to do.
        Err(e @ AppError::BadRequest(_)) => {
            error = e.message(lang);
            (Vec::new(), String::new(), false)
        }
        Err(e) => return Err(err(e)),
    };
    let name = |code: &str| names.get(code).cloned().unwrap_or(code.to_string());
    let places = state.app.place_names(&user.actor, &program, year).await?;
    let ratings = match state.app.satisfaction(&user.actor, &program, year).await {
        Ok(rows) => rows
            .into_iter()
            .map(|r| {
                (
                    name(&r.unit),
                    places
                        .get(&r.region)
                        .map_or(r.region.clone(), |(zh, en)| lang.pick(zh, en).to_string()),
                    r.rating,
                    r.comment.unwrap_or_default(),
                )
            })
            .collect(),
        Err(AppError::Forbidden) => Vec::new(),
        Err(e) => return Err(err(e)),
    };
    let may_rate = if open {
        state
            .app
            .units_to_rate(&user.actor, &program, year)
            .await?
            .into_iter()
            .map(|u| (u.clone(), name(&u)))
            .collect()
    } else {
        Vec::new()
    };
    let page = AssessmentPage {
        page: Page::new(&user, title, &here, &program, year),
        published,
        may_publish: open && office(&state, &user, &program),
        rows,
        error,
        ratings,
        may_rate,
    };
    Ok(render(&page, lang))
}

/// The office publishes the year's assessment.
pub async fn publish(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let result = state
        .app
        .publish_assessment(&user.actor, &program, year)
        .await;
    back_to(&page_of("/assessment", &program, year), result, user.lang)
}

/// A helped county rates a unit paired with it.
pub async fn rate(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = state
        .app
        .rate_satisfaction(
            &user.actor,
            &program,
            year,
            &get("unit"),
            &get("rating"),
            &get("comment"),
        )
        .await;
    back_to(&page_of("/assessment", &program, year), result, user.lang)
}

/// A line of a unit's explanation, with a link to what it rests on.
pub struct ReportLine {
    pub text: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "assessment_unit.html")]
struct UnitReportPage {
    page: Page,
    published: String,
    guidance_version: i64,
    rank: usize,
    grade: String,
    parts: Vec<(&'static str, String)>,
    lines: Vec<ReportLine>,
    /// (project, inspector, rating, issues, closed)
    inspections: Vec<(String, String, String, String, bool)>,
    rubric: Vec<String>,
    experts: Vec<(Vec<String>, String)>,
    ratings: Vec<(String, i64, String)>,
}

/// A unit's assessment report: every point of its score down to the records, printable.
pub async fn unit_report(
    State(state): State<AppState>,
    user: SignedIn,
    Path(unit): Path<String>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let report = state
        .app
        .assessment_report(&user.actor, &program, year, &unit)
        .await?;
    let units = state.app.units(&user.actor, &program).await?;
    let name = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map_or(code.to_string(), |u| u.name(lang).to_string())
    };
    let definitions = state.app.indicators(&user.actor).await?;
    let places = state.app.place_names(&user.actor, &program, year).await?;
    let place = |r: &str| {
        places
            .get(r)
            .map_or(r.to_string(), |(zh, en)| lang.pick(zh, en).to_string())
    };
    let a = &report.assessed;
    let texts = if lang == Lang::Zh {
        &a.explanation_zh
    } else {
        &a.explanation_en
    };
    let lines = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let href = match a.traces.get(i) {
                Some(Trace::Indicator(code)) => format!(
                    "/records/{}?program={}&indicator={}&year={year}&f.helper_unit={}",
                    definitions
                        .iter()
                        .find(|d| &d.code == code)
                        .and_then(|d| d.record_kind())
                        .map_or("project", |k| k.code()),
                    url_encode(&program),
                    url_encode(code),
                    url_encode(&unit)
                ),
                Some(Trace::Inspections) => "#inspections".into(),
                Some(Trace::Experts) => "#experts".into(),
                Some(Trace::Satisfaction) => "#satisfaction".into(),
                Some(Trace::Computed) | None => String::new(),
            };
            ReportLine {
                text: text.clone(),
                href,
            }
        })
        .collect();
    let t = crate::i18n::Tr { lang };
    let s = &a.score;
    let title = format!("{} · {} · {year}", t.s("assessment_report"), name(&unit));
    let here = format!(
        "/assessment/unit/{}?program={}&year={year}",
        url_encode(&unit),
        url_encode(&program)
    );
    let rubric: Vec<String> = report
        .experts
        .first()
        .map(|(items, _)| items.iter().map(|(i, _)| i.clone()).collect())
        .unwrap_or_default();
    let published = match &report.published {
        Some((by, at)) => {
            let (by, at) = crate::history::by_and_when(&state, &user, &program, by, at).await?;
            format!("{by} · {at}")
        }
        None => String::new(),
    };
    let page = UnitReportPage {
        page: Page::new(&user, &title, &here, &program, year),
        published,
        guidance_version: report.guidance_version,
        rank: s.rank,
        grade: s.grade.name(lang).to_string(),
        parts: vec![
            ("statistical", format!("{:.2}", s.statistical)),
            ("inspections", format!("{:.2}", s.inspection)),
            ("experts", format!("{:.2}", s.expert)),
            ("total", format!("{:.2}", s.total)),
        ],
        lines,
        inspections: report
            .inspections
            .iter()
            .map(|i| {
                (
                    i.project.clone(),
                    name(&i.inspector_unit),
                    i.rating.map(|r| r.to_string()).unwrap_or_default(),
                    i.issues.clone().unwrap_or_default(),
                    i.closed,
                )
            })
            .collect(),
        rubric,
        experts: report
            .experts
            .iter()
            .map(|(items, total)| {
                (
                    items.iter().map(|(_, v)| format!("{v}")).collect(),
                    format!("{total:.2}"),
                )
            })
            .collect(),
        ratings: report
            .satisfaction
            .iter()
            .map(|r| {
                (
                    place(&r.region),
                    r.rating,
                    r.comment.clone().unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(render(&page, lang))
}

/// Submitted scores as people read them: "项目管理 80 · 组织领导 96"; text
/// that is not a JSON object of scores is shown as it is.
fn readable_scores(json: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
        Ok(map) => map
            .iter()
            .map(|(item, v)| match v.as_f64() {
                Some(n) => format!(
                    "{item} {}",
                    twinaid_domain::money::group_thousands(&format!("{n}"))
                ),
                None => format!("{item} {v}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Err(_) => json.to_string(),
    }
}
/// The weights form's rows: the indicators a text of "code = weight"
/// lines names, in its order, then every other indicator with no weight.
fn weight_rows(text: &str, definitions: &[(String, String)]) -> Vec<(String, String, String)> {
    let name = |code: &str| {
        definitions
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    };
    let mut rows: Vec<(String, String, String)> = text
        .lines()
        .filter_map(|l| {
            let (code, weight) = l.rsplit_once(['=', '：', ':'])?;
            let code = code.trim().to_string();
            Some((code.clone(), name(&code), weight.trim().to_string()))
        })
        .collect();
    for (code, n) in definitions {
        if !rows.iter().any(|(c, _, _)| c == code) {
            rows.push((code.clone(), n.clone(), String::new()));
        }
    }
    rows
}

/// The weights typed in the form's table (`weight.CODE` fields) as the
/// "code = weight" lines guidance is read from, in the table's order; `None`
/// when the form has no table (a script posting the text itself).
fn weights_of(form: &HashMap<String, String>) -> Option<String> {
    let order: Vec<&str> = form
        .get("weight_order")
        .map(|o| o.split(',').collect())
        .unwrap_or_default();
    let mut typed: Vec<(&str, &str)> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("weight.")?, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if !form.keys().any(|k| k.starts_with("weight.")) {
        return None;
    }
    typed.sort_by_key(|(code, _)| order.iter().position(|o| o == code).unwrap_or(usize::MAX));
    Some(
        typed
            .iter()
            .map(|(code, weight)| format!("{code} = {weight}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}
