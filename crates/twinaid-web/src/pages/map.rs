//! The map page: the helped counties coloured by a chosen indicator, named,
//! with a legend and a table in the same unit, and the projects that have
//! coordinates as points; every county and point opens its records.

use super::yearbook::{drill_href, labelled};
use super::{Scope, render, resolve_report};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use twinaid_app::ListRequest;
use twinaid_domain::quantity::{figure, figure_number};
use twinaid_domain::record::RecordKind;
use twinaid_domain::yearbook::UNALLOCATED;

/// The most project points one map shows.
const MOST_POINTS: i64 = 500;
/// How many pages of a year's projects are looked through for points.
const PAGES_LOOKED: i64 = 20;

#[derive(Deserialize, Default)]
pub struct MapQuery {
    program: Option<String>,
    year: Option<i32>,
    ind: Option<String>,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    page: Page,
    /// (code, name, chosen)
    indicators: Vec<(String, String, bool)>,
    /// The mapped indicator with its unit.
    label: String,
    /// (county, value, link)
    counties: Vec<(String, String, String)>,
    /// (project, place, link) of the points shown.
    points: Vec<(String, String, String)>,
    data: String,
}

/// The map page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<MapQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve_report(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: q.year,
        },
    )
    .await?;
    let yb = state.app.yearbook(&user.actor, &program, year).await?;
    let chosen = q
        .ind
        .filter(|i| yb.indicator(i).is_some())
        .unwrap_or_else(|| "aid_funds".to_string());
    let mut counties = Vec::new();
    let mut shaded = Vec::new();
    let mut label = String::new();
    if let Some(f) = yb.indicator(&chosen) {
        label = labelled(&f.definition, lang);
        for key in yb.county_keys().into_iter().filter(|k| *k != UNALLOCATED) {
            let raw = f.by_county.get(key).map_or(0, |s| s.year);
            let (zh, en) = yb.county_names(key);
            let href = drill_href(&program, f, year, false, Some(key), None);
            shaded.push(json!({"code": key, "label": lang.pick(zh, en), "value": figure_number(raw, f.definition.unit, lang), "href": href}));
            counties.push((
                format!("{} {key}", lang.pick(zh, en)),
                figure(raw, f.definition.unit, lang),
                href,
            ));
        }
    }
    // The year's projects that say where they are, looked for a page at a time.
    let most = usize::try_from(MOST_POINTS).unwrap_or(usize::MAX);
    let mut located = Vec::new();
    for page in 1..=PAGES_LOOKED {
        let found = state
            .app
            .list_records(
                &user.actor,
                &program,
                RecordKind::Project,
                &ListRequest {
                    year: Some(year),
                    page,
                    per_page: MOST_POINTS,
                    ..ListRequest::default()
                },
            )
            .await?;
        let last = found.records.len() < most;
        located.extend(found.records.into_iter().filter(|r| {
            r.get("latitude").as_int().is_some() && r.get("longitude").as_int().is_some()
        }));
        if last || located.len() >= most {
            break;
        }
    }
    located.truncate(most);
    let degrees = |v: Option<i64>| v.map(|d| d as f64 / 1_000_000.0);
    let mut points = Vec::new();
    let mut marks = Vec::new();
    for r in &located {
        let (Some(lat), Some(lng)) = (
            degrees(r.get("latitude").as_int()),
            degrees(r.get("longitude").as_int()),
        ) else {
            continue;
        };
        let name = r.get("name_zh").as_text().unwrap_or(r.code()).to_string();
        let en = r.get("name_en").as_text().unwrap_or(&name).to_string();
        let shown = lang.pick(&name, &en).to_string();
        let href = format!(
            "/records/project/{}?program={}",
            url_encode(r.code()),
            url_encode(&program)
        );
        marks.push(json!({"code": r.code(), "label": shown, "lat": lat, "lng": lng, "href": href}));
        points.push((shown, format!("{lat:.4}, {lng:.4}"), href));
    }
    let data = json!({"counties": shaded, "unit": label, "points": marks})
        .to_string()
        // Kept inside a <script> element: no "<" may open a tag or comment there.
        .replace('<', "\\u003c");
    let indicators = yb
        .indicators
        .iter()
        .map(|f| {
            (
                f.definition.code.clone(),
                labelled(&f.definition, lang),
                f.definition.code == chosen,
            )
        })
        .collect();
    let title = crate::i18n::Tr { lang }.s("map_page");
    let here = format!(
        "/map?program={}&year={year}&ind={}",
        url_encode(&program),
        url_encode(&chosen)
    );
    let page = MapPage {
        page: Page::new(&user, title, &here, &program, year),
        indicators,
        label,
        counties,
        points,
        data,
    };
    Ok(super::remembering(
        render(&page, lang),
        &state,
        &user,
        &program,
        q.year,
    ))
}
