//! The yearbook page: the same figures as `twinaid report yearbook`, each a
//! link to the records and aggregate values behind it; printable.

use super::{Scope, kept_page, render, resolve_report};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use twinaid_domain::Lang;
use twinaid_domain::quantity::{figure, figure_unit};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::{IndicatorFigures, UNALLOCATED, UNSPECIFIED, Yearbook};

/// A figure with the link that takes it apart.
#[derive(Debug, Clone)]
pub struct Linked {
    pub text: String,
    pub href: String,
}

/// One row of the headline table.
pub struct Row {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub year: Linked,
    /// The year's records awaiting verification, beside (not in) the figure.
    pub pending: Option<Linked>,
    pub cumulative: Linked,
    pub previous: String,
    pub change: String,
    pub change_pct: String,
    pub up: bool,
    pub down: bool,
    pub records: String,
    pub aggregates: String,
}

/// A table of figures split by some key.
pub struct SplitTable {
    pub columns: Vec<String>,
    /// A row's label, the address of its fact sheet (a county's; else
    /// empty) and its cells.
    pub rows: Vec<(String, String, Vec<Linked>)>,
}

#[derive(Template)]
#[template(path = "yearbook.html")]
struct YearbookPage {
    page: Page,
    rows: Vec<Row>,
    by_source: SplitTable,
    by_county: SplitTable,
}

/// An indicator's name with its unit, as a column header.
/// An indicator's name with its unit in brackets, as each language writes them.
pub(crate) fn labelled(def: &twinaid_domain::indicator::IndicatorDefinition, lang: Lang) -> String {
    let unit = figure_unit(def.unit, lang);
    match lang {
        Lang::Zh => format!("{}（{unit}）", def.name(lang)),
        Lang::En => format!("{} ({unit})", def.name(lang)),
    }
}

/// The link to the records (and aggregate values) behind a figure.
pub fn drill_href(
    program: &str,
    f: &IndicatorFigures,
    year: i32,
    cumulative: bool,
    region: Option<&str>,
    source: Option<&str>,
) -> String {
    // Figures that read no records still open a list, to show their aggregate values.
    // An indicator over an added kind opens that kind's list.
    let parts = f.definition.parts();
    let kind = parts.first().map_or("project", |p| p.kind.as_str());
    let mut href = format!(
        "/records/{}?program={}&indicator={}&year={year}",
        url_encode(kind),
        url_encode(program),
        url_encode(&f.definition.code)
    );
    if cumulative {
        href.push_str("&cumulative=1");
    }
    if let Some(r) = region {
        href.push_str(&format!("&region={}", url_encode(r)));
    }
    if let Some(s) = source {
        href.push_str(&format!("&source={}", url_encode(s)));
    }
    href
}

/// The headline row of one indicator.
pub fn row(program: &str, year: i32, f: &IndicatorFigures, lang: Lang) -> Row {
    let unit = f.definition.unit;
    let fig = |raw: i64| figure(raw, unit, lang);
    let change = f.change();
    Row {
        code: f.definition.code.clone(),
        name: f.definition.name(lang).to_string(),
        unit: figure_unit(unit, lang).to_string(),
        year: Linked {
            text: fig(f.year),
            href: drill_href(program, f, year, false, None, None),
        },
        pending: (f.pending != 0).then(|| Linked {
            text: fig(f.pending),
            href: drill_href(program, f, year, false, None, None) + "&standing=pending",
        }),
        cumulative: Linked {
            text: fig(f.cumulative),
            href: drill_href(program, f, year, true, None, None),
        },
        previous: f.previous_year.map_or("—".into(), fig),
        change: change.map_or("—".into(), |c| {
            format!("{}{}", if c > 0 { "+" } else { "" }, fig(c))
        }),
        change_pct: f.change_pct().map_or("—".into(), |p| format!("{p:+.1}%")),
        up: change.is_some_and(|c| c > 0),
        down: change.is_some_and(|c| c < 0),
        records: format!(
            "{} / {}",
            fig(f.from_records.year),
            fig(f.from_records.cumulative)
        ),
        aggregates: format!(
            "{} / {}",
            fig(f.from_aggregates.year),
            fig(f.from_aggregates.cumulative)
        ),
    }
}

fn split_tables(yb: &Yearbook, lang: Lang) -> (SplitTable, SplitTable) {
    let program = &yb.program;
    let money: Vec<&IndicatorFigures> = yb
        .indicators
        .iter()
        .filter(|f| f.definition.unit == twinaid_domain::UnitOfMeasure::Yuan)
        .collect();
    let sources: Vec<(String, String)> = SourceKind::ALL
        .iter()
        .map(|s| (s.code().to_string(), s.name(lang).to_string()))
        .chain([(
            UNSPECIFIED.to_string(),
            lang.pick("未分来源", "source not recorded").to_string(),
        )])
        .collect();
    let by_source = SplitTable {
        columns: sources.iter().map(|(_, n)| n.clone()).collect(),
        rows: money
            .iter()
            .map(|f| {
                let cells = sources
                    .iter()
                    .map(|(code, _)| {
                        let split = f.by_source.get(code).copied().unwrap_or_default();
                        Linked {
                            text: format!(
                                "{} / {}",
                                figure(split.year, f.definition.unit, lang),
                                figure(split.cumulative, f.definition.unit, lang)
                            ),
                            href: drill_href(program, f, yb.year, false, None, Some(code)),
                        }
                    })
                    .collect();
                (labelled(&f.definition, lang), String::new(), cells)
            })
            .collect(),
    };
    let shown: Vec<&IndicatorFigures> = yb.indicators.iter().filter(|f| f.year != 0).collect();
    let by_county = SplitTable {
        columns: shown
            .iter()
            .map(|f| labelled(&f.definition, lang))
            .collect(),
        rows: yb
            .county_keys()
            .into_iter()
            .map(|key| {
                let (label, sheet) = if key == UNALLOCATED {
                    (
                        lang.pick("未分地区", "no region").to_string(),
                        String::new(),
                    )
                } else {
                    let (zh, en) = yb.county_names(key);
                    (
                        format!("{} {key}", lang.pick(zh, en)),
                        format!(
                            "/counties/{key}/factsheet.pdf?program={}&year={}",
                            url_encode(program),
                            yb.year
                        ),
                    )
                };
                let cells = shown
                    .iter()
                    .map(|f| Linked {
                        text: figure(
                            f.by_county.get(key).map_or(0, |s| s.year),
                            f.definition.unit,
                            lang,
                        ),
                        href: drill_href(program, f, yb.year, false, Some(key), None),
                    })
                    .collect();
                (label, sheet, cells)
            })
            .collect(),
    };
    (by_source, by_county)
}

/// The yearbook page, kept until the program's data changes.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    uri: Uri,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let (program, year) = resolve_report(&state, &user, &scope).await?;
    let make = make(&state, &user, program.clone(), year);
    let response = kept_page(&state, &user, &program, year, &uri, make).await?;
    Ok(super::remembering(
        response, &state, &user, &program, scope.year,
    ))
}

async fn make(
    state: &AppState,
    user: &SignedIn,
    program: String,
    year: i32,
) -> Result<Response, WebError> {
    let yb = state.app.yearbook(&user.actor, &program, year).await?;
    let lang = user.lang;
    let title = match lang {
        Lang::Zh => format!("{} {year} 年年鉴", yb.program_name_zh),
        Lang::En => format!("{} — yearbook {year}", yb.program_name_en),
    };
    let here = format!("/yearbook?program={}&year={year}", url_encode(&program));
    let rows = yb
        .indicators
        .iter()
        .map(|f| row(&program, year, f, lang))
        .collect();
    let (by_source, by_county) = split_tables(&yb, lang);
    let page = YearbookPage {
        page: Page::new(user, &title, &here, &program, year),
        rows,
        by_source,
        by_county,
    };
    Ok(render(&page, lang))
}
