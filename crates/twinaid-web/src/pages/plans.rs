//! Plan against actual during the year, with warnings where a target is behind
//! the pace of the year, and the list of what the user has to do next.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use std::collections::HashMap;
use twinaid_domain::quantity::{figure, figure_unit};

/// One row of the plan table.
pub struct Row {
    pub unit: String,
    pub indicator: String,
    pub region: String,
    pub target: String,
    pub actual: String,
    pub completion: String,
    pub expected: String,
    pub behind: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    page: Page,
    rows: Vec<Row>,
    /// (step label, project code, name, link)
    tasks: Vec<(String, String, String, String)>,
    /// Helper units whose plans the user may open.
    units: Vec<(String, String)>,
}

#[derive(serde::Deserialize, Default)]
pub struct Format {
    format: Option<String>,
}

/// The plan-vs-actual page with the user's tasks (`format=xlsx`: the table as a workbook).
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    Query(format): Query<Format>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let err = |e| WebError::from_app(e, lang);
    let (program, year) = resolve(&state, &user, &scope).await?;
    let app = &state.app;
    let now = chrono::Utc::now();
    let progress = app
        .plan_vs_actual(&user.actor, &program, year, (now.year(), now.ordinal()))
        .await?;
    let defs: HashMap<String, _> = app
        .indicators(&user.actor)
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let own_unit = app.permissions(&user.actor, &program).own_unit;
    let helping: Vec<(String, String)> = app
        .units(&user.actor, &program)
        .await?
        .into_iter()
        .filter(|u| u.side == "helping")
        .filter(|u| own_unit.as_ref().is_none_or(|own| *own == u.code))
        .map(|u| (u.code.clone(), u.name(lang).to_string()))
        .collect();
    let units: HashMap<String, String> = helping.iter().cloned().collect();
    let places = app.place_names(&user.actor, &program, year).await?;
    if format.format.as_deref() == Some("xlsx") {
        use twinaid_exchange::export::{ExportCell, ExportTable};
        use twinaid_exchange::reports::figure_cell;
        let t = crate::i18n::Tr { lang };
        let table = ExportTable {
            name: t.s("plans").into(),
            title: format!("{} · {year}", t.s("plans")),
            header: [
                "helper",
                "indicator",
                "region",
                "target",
                "actual",
                "completion",
                "year_gone",
            ]
            .iter()
            .map(|k| t.s(k).to_string())
            .collect(),
            rows: progress
                .iter()
                .map(|p| {
                    let def = defs.get(&p.indicator);
                    let unit = def.map_or(twinaid_domain::UnitOfMeasure::Count, |d| d.unit);
                    let region = p.region.clone().unwrap_or_default();
                    vec![
                        ExportCell::Text(units.get(&p.unit).cloned().unwrap_or(p.unit.clone())),
                        ExportCell::Text(match def {
                            Some(d) => super::yearbook::labelled(d, lang),
                            None => p.indicator.clone(),
                        }),
                        ExportCell::Text(
                            places
                                .get(&region)
                                .map_or(region.clone(), |(zh, en)| lang.pick(zh, en).to_string()),
                        ),
                        figure_cell(p.target, unit, lang),
                        figure_cell(p.actual, unit, lang),
                        ExportCell::Number(p.completion, "0.0%"),
                        ExportCell::Number(p.expected, "0.0%"),
                    ]
                })
                .collect(),
            totals: None,
        };
        let bytes = twinaid_exchange::export::xlsx(&[table])
            .map_err(|e| err(twinaid_app::AppError::Internal(e.to_string())))?;
        return Ok(crate::view::file_response(
            &format!(
                "{program}-{}-{year}.xlsx",
                lang.pick("计划完成情况", "plan-vs-actual")
            ),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes,
        ));
    }
    let rows = progress
        .iter()
        .map(|p| {
            let def = defs.get(&p.indicator);
            let unit = def.map_or(twinaid_domain::UnitOfMeasure::Count, |d| d.unit);
            let region = p.region.clone().unwrap_or_default();
            Row {
                unit: units.get(&p.unit).cloned().unwrap_or(p.unit.clone()),
                indicator: match def {
                    Some(d) => super::yearbook::labelled(d, lang),
                    None => p.indicator.clone(),
                },
                region: places
                    .get(&region)
                    .map_or(region.clone(), |(zh, en)| lang.pick(zh, en).to_string()),
                target: figure(p.target, unit, lang),
                actual: figure(p.actual, unit, lang),
                completion: format!("{:.1}%", p.completion * 100.0),
                expected: format!("{:.1}%", p.expected * 100.0),
                behind: p.behind,
                href: format!(
                    "/records/{}?program={}&indicator={}&year={year}&region={}&f.helper_unit={}",
                    def.and_then(|d| d.record_kind())
                        .map_or("project", |k| k.code()),
                    url_encode(&program),
                    url_encode(&p.indicator),
                    url_encode(&region),
                    url_encode(&p.unit)
                ),
            }
        })
        .collect();
    let tasks = task_rows(app.tasks(&user.actor, &program).await?, &program, lang);
    let title = crate::i18n::Tr { lang }.s("plans");
    let here = format!("/plans?program={}&year={year}", url_encode(&program));
    Ok(render(
        &PlansPage {
            page: Page::new(&user, title, &here, &program, year),
            rows,
            tasks,
            units: helping,
        },
        lang,
    ))
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    page: Page,
    unit: String,
    status: String,
    revision: i64,
    comment: String,
    /// (key, indicator name, region name, target)
    targets: Vec<(String, String, String, String)>,
    revisions: Vec<(i64, String, String, String)>,
    indicators: Vec<(String, String)>,
    regions: Vec<(String, String)>,
    may_edit: bool,
    may_submit: bool,
    may_decide: bool,
    may_revise: bool,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct PlanQuery {
    program: Option<String>,
    year: Option<i32>,
    error: Option<String>,
}

/// One helper unit's plan for a year.
pub async fn unit_plan(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::Path(unit): axum::extract::Path<String>,
    Query(q): Query<PlanQuery>,
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
    let app = &state.app;
    let plan = app.plan(&user.actor, &program, &unit, year).await?;
    let defs = app.indicators(&user.actor).await?;
    let places = app.place_names(&user.actor, &program, year).await?;
    let unit_name = app
        .units(&user.actor, &program)
        .await?
        .into_iter()
        .find(|u| u.code == unit)
        .map_or(unit.clone(), |u| u.name(lang).to_string());
    let place = |r: &str| {
        places.get(r).map_or(r.to_string(), |(zh, en)| {
            format!("{} {r}", lang.pick(zh, en))
        })
    };
    let t = crate::i18n::Tr { lang };
    let status_name = match plan.status.as_str() {
        "submitted" => lang.pick("已提交待审批", "submitted"),
        "approved" => lang.pick("已批准（锁定）", "approved (locked)"),
        "returned" => lang.pick("已退回", "returned"),
        _ => lang.pick("草稿", "draft"),
    };
    let targets = plan
        .targets
        .iter()
        .map(|(key, code, region, target)| {
            let def = defs.iter().find(|d| &d.code == code);
            let u = def.map_or(twinaid_domain::UnitOfMeasure::Count, |d| d.unit);
            (
                key.clone(),
                def.map_or(code.clone(), |d| d.name(lang).to_string()),
                region.as_deref().map(place).unwrap_or_default(),
                format!("{} {}", figure(*target, u, lang), figure_unit(u, lang)),
            )
        })
        .collect();
    let here = format!(
        "/plans/{}?program={}&year={year}",
        url_encode(&unit),
        url_encode(&program)
    );
    let title = format!("{} · {unit_name} · {year}", t.s("annual_plan"));
    let page = PlanPage {
        page: Page::new(&user, &title, &here, &program, year),
        unit: unit.clone(),
        status: status_name.to_string(),
        revision: plan.revision,
        comment: plan.comment.clone().unwrap_or_default(),
        targets,
        revisions: plan.revisions.clone(),
        indicators: defs
            .iter()
            .map(|d| (d.code.clone(), super::yearbook::labelled(d, lang)))
            .collect(),
        regions: places.keys().map(|r| (r.clone(), place(r))).collect(),
        may_edit: plan.may_edit,
        may_submit: plan.may_submit,
        may_decide: plan.may_decide,
        may_revise: plan.may_revise,
        error: q.error.unwrap_or_default(),
    };
    Ok(render(&page, lang))
}

/// Changes a plan: set or remove a target, or take a step.
pub async fn plan_action(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::Path((unit, action)): axum::extract::Path<(String, String)>,
    Query(scope): Query<Scope>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(f.get("csrf"))?;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let app = &state.app;
    let result = match action.as_str() {
        "target" => {
            let (indicator, region, value) = (get("indicator"), get("region_code"), get("target"));
            let input = twinaid_app::TargetInput {
                indicator: &indicator,
                region: &region,
                value: &value,
            };
            app.set_target(&user.actor, &program, &unit, year, &input)
                .await
        }
        "remove" => {
            app.remove_target(&user.actor, &program, &unit, year, &get("key"))
                .await
        }
        step => {
            app.plan_step(&user.actor, &program, &unit, year, step, &get("comment"))
                .await
        }
    };
    let mut target = format!(
        "/plans/{}?program={}&year={year}",
        url_encode(&unit),
        url_encode(&program)
    );
    match result {
        Ok(()) => {}
        Err(
            e @ (twinaid_app::AppError::BadRequest(_)
            | twinaid_app::AppError::Field(..)
            | twinaid_app::AppError::Invalid(_)),
        ) => {
            target.push_str(&format!("&error={}", url_encode(&e.message(user.lang))));
        }
        Err(e) => return Err(WebError::from_app(e, user.lang)),
    }
    Ok(axum::response::Redirect::to(&target).into_response())
}

/// The to-do list as pages show it: (step, project code, project name, link).
pub(crate) fn task_rows(
    tasks: Vec<twinaid_app::Task>,
    program: &str,
    lang: twinaid_domain::Lang,
) -> Vec<(String, String, String, String)> {
    let step_name = |step: &str| match step {
        "verify" => lang.pick("待核查", "to verify"),
        "register" => lang.pick("待登记", "to register"),
        "inspect" => lang.pick("待验收", "to inspect"),
        "start" => lang.pick("待开工", "to start"),
        "complete" => lang.pick("待报告完工", "to report complete"),
        _ => lang.pick("待重新申报", "to resubmit"),
    };
    tasks
        .into_iter()
        .map(|t| {
            let href = format!(
                "/records/project/{}?program={}",
                url_encode(&t.project),
                url_encode(program)
            );
            (step_name(t.step).to_string(), t.project, t.name, href)
        })
        .collect()
}
