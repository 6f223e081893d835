//! Plan against actual during the year, with warnings where a target is behind
//! the pace of the year, and the list of what the user has to do next.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use std::collections::HashMap;
use twinaid_domain::Lang;
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
}

/// The plan-vs-actual page with the user's tasks.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let err = |e| WebError::from_app(e, lang);
    let (program, year) = resolve(&state, &user, &scope).await?;
    let app = &state.app;
    let now = chrono::Utc::now();
    let progress = app
        .plan_vs_actual(&user.actor, &program, year, (now.year(), now.ordinal()))
        .await
        .map_err(err)?;
    let defs: HashMap<String, _> = app
        .indicators(&user.actor)
        .await
        .map_err(err)?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let units: HashMap<String, String> = app
        .units(&user.actor, &program)
        .await
        .map_err(err)?
        .into_iter()
        .map(|u| {
            (
                u.code,
                if lang == Lang::Zh {
                    u.name_zh
                } else {
                    u.name_en.unwrap_or(u.name_zh)
                },
            )
        })
        .collect();
    let places = app
        .place_names(&user.actor, &program, year)
        .await
        .map_err(err)?;
    let rows = progress
        .iter()
        .map(|p| {
            let def = defs.get(&p.indicator);
            let unit = def.map_or(twinaid_domain::UnitOfMeasure::Count, |d| d.unit);
            let region = p.region.clone().unwrap_or_default();
            Row {
                unit: units.get(&p.unit).cloned().unwrap_or(p.unit.clone()),
                indicator: format!(
                    "{} ({})",
                    def.map_or(p.indicator.as_str(), |d| d.name(lang)),
                    figure_unit(unit, lang)
                ),
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
    let step_name = |step: &str| match step {
        "verify" => lang.pick("待核查", "to verify"),
        "register" => lang.pick("待登记", "to register"),
        "inspect" => lang.pick("待验收", "to inspect"),
        "start" => lang.pick("待开工", "to start"),
        "complete" => lang.pick("待报告完工", "to report complete"),
        _ => lang.pick("待重新申报", "to resubmit"),
    };
    let tasks = app
        .tasks(&user.actor, &program)
        .await
        .map_err(err)?
        .into_iter()
        .map(|t| {
            let href = format!(
                "/records/project/{}?program={}",
                url_encode(&t.project),
                url_encode(&program)
            );
            (step_name(t.step).to_string(), t.project, t.name, href)
        })
        .collect();
    let title = crate::i18n::Tr { lang }.s("plans");
    let here = format!("/plans?program={}&year={year}", url_encode(&program));
    Ok(render(
        &PlansPage {
            page: Page::new(&user, title, &here, &program, year),
            rows,
            tasks,
        },
        lang,
    ))
}
