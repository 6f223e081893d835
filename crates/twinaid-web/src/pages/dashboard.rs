//! The dashboard of a program and year: headline figures with change on the
//! previous year, chart data, and the helped counties by a chosen indicator.

use super::yearbook::{Row, drill_href, row};
use super::{Scope, kept_page, render, resolve_report};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use twinaid_domain::Lang;
use twinaid_domain::quantity::{figure, figure_number, figure_unit};
use twinaid_domain::record::{PROJECT_CATEGORIES, RecordKind};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::UNALLOCATED;

/// The indicators the dashboard leads with.
const HEADLINE: [&str; 10] = [
    "aid_funds",
    "new_villages",
    "schools",
    "hospitals",
    "students_aided",
    "cooperation_agreements",
    "cooperation_value",
    "practical_trainees",
    "labour_transferred",
    "cadre_exchange_person_times",
];

/// A labelled value with its link, for the small tables beside each chart.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub href: String,
}

/// What a helper unit or a county sees first: its own figures, its to-do
/// and the way to its records.
pub struct Home {
    pub title: String,
    /// (indicator with unit, the year's figure, cumulative) for a county.
    pub figures: Vec<(String, Bar, Bar)>,
    /// (step, project code, project name, link)
    pub tasks: Vec<(String, String, String, String)>,
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    home: Option<Home>,
    years: Vec<i32>,
    headline: Vec<Row>,
    funds_by_source: Vec<Bar>,
    funds_by_year: Vec<Bar>,
    projects_by_category: Vec<Bar>,
    people_by_year: Vec<(i32, String, String)>,
    map_indicator: String,
    map_choices: Vec<(String, String)>,
    /// The mapped indicator with its unit, over the counties' column and the legend.
    map_label: String,
    counties: Vec<Bar>,
    money_unit: String,
    chart_data: String,
}

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    program: Option<String>,
    year: Option<i32>,
    map: Option<String>,
}

/// The dashboard page, kept until the program's data changes.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    uri: Uri,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    // An expert's work is scoring; that is where it starts.
    if matches!(user.actor.role, twinaid_app::Role::Expert) {
        return Ok(axum::response::Redirect::to("/experts").into_response());
    }
    // A national office's work is its group's figures; a program's are a click away.
    if let twinaid_app::Role::NationalOffice { group, .. } = &user.actor.role
        && q.program.is_none()
    {
        return Ok(axum::response::Redirect::to(&format!(
            "/groups/{}",
            crate::view::url_encode(group)
        ))
        .into_response());
    }
    let (program, year) = resolve_report(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: q.year,
        },
    )
    .await?;
    let asked = q.year;
    let make = make(&state, &user, program.clone(), year, q);
    let response = kept_page(&state, &user, &program, year, &uri, make).await?;
    Ok(super::remembering(response, &state, &user, &program, asked))
}

async fn make(
    state: &AppState,
    user: &SignedIn,
    program: String,
    year: i32,
    q: DashboardQuery,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let app = &state.app;
    // Independent reads, made at once: after a write each is made afresh.
    let (yb, years, series, counts) = tokio::try_join!(
        app.yearbook(&user.actor, &program, year),
        app.covered_years(&user.actor, &program),
        app.series(
            &user.actor,
            &program,
            &["aid_funds", "practical_trainees", "labour_transferred"],
        ),
        app.count_by(&user.actor, &program, RecordKind::Project, "category", year),
    )?;
    let headline = HEADLINE
        .iter()
        .filter_map(|c| yb.indicator(c))
        .map(|f| row(&program, year, f, lang))
        .collect();

    let aid = yb.indicator("aid_funds");
    let money = |raw: i64| figure(raw, twinaid_domain::UnitOfMeasure::Yuan, lang);
    let funds_by_source = match aid {
        Some(f) => SourceKind::ALL
            .iter()
            .map(|s| Bar {
                label: s.name(lang).to_string(),
                value: money(f.by_source.get(s.code()).map_or(0, |v| v.year)),
                href: drill_href(&program, f, year, false, None, Some(s.code())),
            })
            .collect(),
        None => Vec::new(),
    };
    let mut funds_by_year = Vec::new();
    let mut people_by_year = Vec::new();
    let mut chart_years = Vec::new();
    for y in years.iter().copied().filter(|y| *y <= year) {
        let value = |code: &str| {
            series
                .get(code)
                .and_then(|s| s.get(&y))
                .copied()
                .unwrap_or(0)
        };
        if let Some(f) = aid {
            funds_by_year.push(Bar {
                label: y.to_string(),
                value: money(value("aid_funds")),
                href: drill_href(&program, f, y, false, None, None),
            });
        }
        people_by_year.push((
            y,
            figure(
                value("practical_trainees"),
                twinaid_domain::UnitOfMeasure::People,
                lang,
            ),
            figure(
                value("labour_transferred"),
                twinaid_domain::UnitOfMeasure::People,
                lang,
            ),
        ));
        chart_years.push(json!({"year": y, "aid_funds": figure_number(value("aid_funds"), twinaid_domain::UnitOfMeasure::Yuan, lang), "practical_trainees": value("practical_trainees"), "labour_transferred": value("labour_transferred")}));
    }
    let projects_by_category: Vec<Bar> = PROJECT_CATEGORIES
        .iter()
        .filter_map(|c| {
            let n = counts.iter().find(|(code, _)| code == c.code)?.1;
            Some(Bar {
                label: lang.pick(c.zh, c.en).to_string(),
                value: n.to_string(),
                href: format!(
                    "/records/project?program={}&year={year}&f.category={}",
                    url_encode(&program),
                    c.code
                ),
            })
        })
        .collect();
    let map_indicator = q
        .map
        .filter(|m| yb.indicator(m).is_some())
        .unwrap_or_else(|| "aid_funds".to_string());
    let mut counties = Vec::new();
    let mut map_values = Vec::new();
    if let Some(f) = yb.indicator(&map_indicator) {
        for key in yb.county_keys().into_iter().filter(|k| *k != UNALLOCATED) {
            let raw = f.by_county.get(key).map_or(0, |s| s.year);
            let (zh, en) = yb.county_names(key);
            // In the table's unit, so the legend and the table agree.
            map_values.push(json!({"code": key, "name": zh, "label": lang.pick(zh, en), "value": figure_number(raw, f.definition.unit, lang), "href": drill_href(&program, f, year, false, Some(key), None)}));
            counties.push(Bar {
                label: format!("{} {key}", lang.pick(zh, en)),
                value: figure(raw, f.definition.unit, lang),
                href: drill_href(&program, f, year, false, Some(key), None),
            });
        }
    }
    let map_label = yb
        .indicator(&map_indicator)
        .map(|f| {
            format!(
                "{}{}{}{}",
                f.definition.name(lang),
                crate::i18n::Tr { lang }.s("open"),
                figure_unit(f.definition.unit, lang),
                crate::i18n::Tr { lang }.s("close")
            )
        })
        .unwrap_or_default();
    let map_choices = yb
        .indicators
        .iter()
        .map(|f| {
            (
                f.definition.code.clone(),
                f.definition.name(lang).to_string(),
            )
        })
        .collect();
    let chart_data = json!({
        "lang": lang.pick("zh", "en"),
        "years": chart_years,
        "sources": funds_by_source.iter().zip(SourceKind::ALL).map(|(b, s)| json!({"name": b.label, "value": figure_number(aid.map_or(0, |f| f.by_source.get(s.code()).map_or(0, |v| v.year)), twinaid_domain::UnitOfMeasure::Yuan, lang)})).collect::<Vec<_>>(),
        "categories": projects_by_category.iter().map(|b| json!({"name": b.label, "value": b.value.parse::<i64>().unwrap_or(0)})).collect::<Vec<_>>(),
        "map": map_values,
        "map_unit": map_label,
    })
    .to_string()
    // Kept inside a <script> element: no "<" may open a tag or comment there.
    .replace('<', "\\u003c");
    let title = match lang {
        Lang::Zh => format!("{} · {year} 年", yb.program_name_zh),
        Lang::En => format!("{} · {year}", yb.program_name_en),
    };
    let here = format!("/?program={}&year={year}", url_encode(&program));
    let home = home(state, user, &program, year, &yb).await?;
    let page = DashboardPage {
        page: Page::new(user, &title, &here, &program, year),
        home,
        years,
        headline,
        funds_by_source,
        funds_by_year,
        projects_by_category,
        people_by_year,
        map_indicator,
        map_choices,
        map_label,
        counties,
        money_unit: figure_unit(twinaid_domain::UnitOfMeasure::Yuan, lang).to_string(),
        chart_data,
    };
    Ok(render(&page, lang))
}

/// The home card of a helper unit or a county, or none for other roles.
async fn home(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    year: i32,
    yb: &twinaid_domain::yearbook::Yearbook,
) -> Result<Option<Home>, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let perms = state.app.permissions(&user.actor, program);
    let (title, figures, mut links) = match (&perms.own_county, &perms.own_unit) {
        (Some(county), _) => {
            let (zh, en) = yb.county_names(county);
            let figures = yb
                .indicators
                .iter()
                .filter(|f| {
                    f.by_county
                        .get(county.as_str())
                        .is_some_and(|s| s.cumulative != 0)
                })
                .map(|f| {
                    let split = f
                        .by_county
                        .get(county.as_str())
                        .copied()
                        .unwrap_or_default();
                    let unit = f.definition.unit;
                    (
                        format!(
                            "{}{}{}{}",
                            f.definition.name(lang),
                            t.s("open"),
                            figure_unit(unit, lang),
                            t.s("close")
                        ),
                        Bar {
                            label: String::new(),
                            value: figure(split.year, unit, lang),
                            href: drill_href(program, f, year, false, Some(county), None),
                        },
                        Bar {
                            label: String::new(),
                            value: figure(split.cumulative, unit, lang),
                            href: drill_href(program, f, year, true, Some(county), None),
                        },
                    )
                })
                .collect();
            let links = vec![
                (
                    t.s("home_county_projects").to_string(),
                    format!(
                        "/records/project?program={}&year={year}&region={}",
                        url_encode(program),
                        url_encode(county)
                    ),
                ),
                (
                    t.s("factsheet").to_string(),
                    format!(
                        "/counties/{}/factsheet.pdf?program={}&year={year}",
                        url_encode(county),
                        url_encode(program)
                    ),
                ),
            ];
            (
                format!("{}{}", t.s("home_county"), lang.pick(zh, en)),
                figures,
                links,
            )
        }
        (None, Some(unit)) => {
            let name = state
                .app
                .units(&user.actor, program)
                .await?
                .into_iter()
                .find(|u| &u.code == unit)
                .map_or(unit.clone(), |u| u.name(lang).to_string());
            let links = vec![
                (
                    t.s("home_plan").to_string(),
                    format!(
                        "/plans/{}?program={}&year={year}",
                        url_encode(unit),
                        url_encode(program)
                    ),
                ),
                (
                    t.s("home_unit_projects").to_string(),
                    format!(
                        "/records/project?program={}&year={year}",
                        url_encode(program)
                    ),
                ),
                (
                    t.s("home_new_project").to_string(),
                    format!(
                        "/records/project/new?program={}&year={year}",
                        url_encode(program)
                    ),
                ),
            ];
            (format!("{}{name}", t.s("home_unit")), Vec::new(), links)
        }
        _ => return Ok(None),
    };
    links.push((
        t.s("plans").to_string(),
        format!("/plans?program={}&year={year}", url_encode(program)),
    ));
    let tasks =
        super::plans::task_rows(state.app.tasks(&user.actor, program).await?, program, lang);
    Ok(Some(Home {
        title,
        figures,
        tasks,
        links,
    }))
}
