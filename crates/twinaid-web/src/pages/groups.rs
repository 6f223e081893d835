//! Program groups: the list, and a group's yearbook — the group's sums,
//! each figure leading to its programs' figures and on to their records.

use super::render;
use super::yearbook::{Linked, Row, drill_href, labelled, row};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use twinaid_domain::Lang;
use twinaid_domain::quantity::figure;
use twinaid_domain::yearbook::{IndicatorFigures, Split, UNALLOCATED};

#[derive(Deserialize, Default)]
pub struct GroupQuery {
    year: Option<i32>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    page: Page,
    /// Code, name, members as "name code".
    groups: Vec<(String, String, String)>,
    /// The programs a group may hold: code and name, for the form.
    programs: Vec<(String, String)>,
    error: String,
    /// What the form was sent with, shown again when it was refused.
    typed: Typed,
}

/// A group form's values as typed.
#[derive(Default)]
struct Typed {
    code: String,
    name_zh: String,
    name_en: String,
    programs: String,
}

/// The list of groups, and for the administrator the form that defines one.
pub async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = groups_page(&state, &user, q.error.unwrap_or_default(), Typed::default()).await?;
    Ok(render(&page, user.lang))
}

async fn groups_page(
    state: &AppState,
    user: &SignedIn,
    error: String,
    typed: Typed,
) -> Result<GroupsPage, WebError> {
    let lang = user.lang;
    let groups = state.app.groups(&user.actor).await?;
    let programs = state.app.programs(&user.actor).await?;
    let name_of = |code: &str| {
        programs
            .iter()
            .find(|p| p.code == code)
            .map_or(code.to_string(), |p| {
                format!("{} {code}", lang.pick(&p.name_zh, &p.name_en))
            })
    };
    let title = lang.pick("帮扶协作组", "Program groups");
    let page = GroupsPage {
        page: Page::new(user, title, "/groups", "", 0),
        groups: groups
            .iter()
            .map(|g| {
                (
                    g.code.clone(),
                    lang.pick(&g.name_zh, &g.name_en).to_string(),
                    g.programs
                        .iter()
                        .map(|p| name_of(p))
                        .collect::<Vec<_>>()
                        .join(lang.pick("；", "; ")),
                )
            })
            .collect(),
        programs: programs
            .iter()
            .map(|p| {
                (
                    p.code.clone(),
                    lang.pick(&p.name_zh, &p.name_en).to_string(),
                )
            })
            .collect(),
        error,
        typed,
    };
    Ok(page)
}

#[derive(Deserialize)]
pub struct GroupForm {
    csrf: Option<String>,
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    programs: String,
}

/// Keeps a group as the form gives it (the administrator's); then its page.
pub async fn save(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<GroupForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let result = state
        .app
        .save_group(
            &user.actor,
            &form.code,
            &form.name_zh,
            &form.name_en,
            &form.programs,
        )
        .await;
    match result {
        Ok(_) => super::back_to(
            &format!("/groups/{}", url_encode(form.code.trim())),
            Ok(()),
            user.lang,
        ),
        // Refused: the form again with what was typed, and why.
        Err(
            e @ (twinaid_app::AppError::BadRequest(_)
            | twinaid_app::AppError::Field(..)
            | twinaid_app::AppError::Invalid(_)),
        ) => {
            let typed = Typed {
                code: form.code,
                name_zh: form.name_zh,
                name_en: form.name_en,
                programs: form.programs,
            };
            let page = groups_page(&state, &user, e.message(user.lang), typed).await?;
            let mut response = render(&page, user.lang);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(WebError::from_app(e, user.lang)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// Deletes a group (the administrator's; its programs stay); back to the list.
pub async fn delete(
    State(state): State<AppState>,
    user: SignedIn,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let result = state.app.delete_group(&user.actor, &code).await;
    super::back_to("/groups", result, user.lang)
}

/// A table of figures: its column headers, and rows of an anchor, a label and cells.
struct Table {
    columns: Vec<String>,
    rows: Vec<(String, String, Vec<Linked>)>,
}

/// A table under its heading.
struct Section {
    id: &'static str,
    heading: &'static str,
    /// The key of the first column's header.
    first: &'static str,
    table: Table,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    page: Page,
    code: String,
    rows: Vec<Row>,
    sections: Vec<Section>,
}

fn province_table(
    shown: &[&IndicatorFigures],
    splits: &BTreeMap<String, BTreeMap<String, Split>>,
    names: &BTreeMap<String, (String, String)>,
    lang: Lang,
) -> Table {
    let mut provinces: Vec<&String> = splits.values().flat_map(|m| m.keys()).collect();
    provinces.sort();
    provinces.dedup();
    Table {
        columns: shown
            .iter()
            .map(|f| labelled(&f.definition, lang))
            .collect(),
        rows: provinces
            .into_iter()
            // Records of no region make a row only when they add to something.
            .filter(|p| {
                *p != UNALLOCATED
                    || shown.iter().any(|f| {
                        splits
                            .get(&f.definition.code)
                            .and_then(|m| m.get(*p))
                            .is_some_and(|s| s.year != 0 || s.cumulative != 0)
                    })
            })
            .map(|p| {
                let label = match names.get(p) {
                    Some((zh, en)) => format!("{} {p}", lang.pick(zh, en)),
                    None if p == UNALLOCATED => lang.pick("未分地区", "no region").to_string(),
                    None => p.clone(),
                };
                let cells = shown
                    .iter()
                    .map(|f| Linked {
                        text: figure(
                            splits
                                .get(&f.definition.code)
                                .and_then(|m| m.get(p))
                                .map_or(0, |s| s.year),
                            f.definition.unit,
                            lang,
                        ),
                        href: String::new(),
                    })
                    .collect();
                (String::new(), label, cells)
            })
            .collect(),
    }
}

/// The group's yearbook of the year asked, else of the year its reports open on.
async fn report(
    state: &AppState,
    user: &SignedIn,
    code: &str,
    q: &GroupQuery,
) -> Result<(i32, std::sync::Arc<twinaid_app::GroupReport>), WebError> {
    let year = match q.year {
        Some(y) => y,
        None => state.app.group_closed_year(&user.actor, code).await?,
    };
    Ok((
        year,
        state.app.group_yearbook(&user.actor, code, year).await?,
    ))
}

/// A group's yearbook page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Path(code): Path<String>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (year, report) = report(&state, &user, &code, &q).await?;
    let g = &report.yearbook;
    let yb = &g.yearbook;
    let title = match lang {
        Lang::Zh => format!("{} {year} 年年鉴", g.group.name_zh),
        Lang::En => format!("{} — yearbook {year}", g.group.name_en),
    };
    let here = format!("/groups/{}?year={year}", url_encode(&code));
    // A group's figure leads to its programs' figures (the table below),
    // and each of those to the program's records.
    let rows = yb
        .indicators
        .iter()
        .map(|f| {
            let mut r = row(&code, year, f, lang);
            r.year.href = format!("#program-{}", f.definition.code);
            r.cumulative.href = r.year.href.clone();
            r.pending = None;
            r
        })
        .collect();
    let shown: Vec<&IndicatorFigures> = yb
        .indicators
        .iter()
        .filter(|f| f.year != 0 || f.cumulative != 0)
        .collect();
    // An indicator a row, a program a column: the group's figure's row
    // is where its link leads.
    let by_program = Table {
        columns: g
            .by_program
            .iter()
            .map(|m| format!("{} {}", lang.pick(&m.name_zh, &m.name_en), m.program))
            .collect(),
        rows: yb
            .indicators
            .iter()
            .map(|f| {
                let cells = g
                    .by_program
                    .iter()
                    .map(|m| {
                        let theirs = m
                            .indicators
                            .iter()
                            .find(|t| t.definition.code == f.definition.code);
                        Linked {
                            text: figure(theirs.map_or(0, |t| t.year), f.definition.unit, lang),
                            href: theirs
                                .map(|t| drill_href(&m.program, t, year, false, None, None))
                                .unwrap_or_default(),
                        }
                    })
                    .collect();
                (
                    format!("program-{}", f.definition.code),
                    labelled(&f.definition, lang),
                    cells,
                )
            })
            .collect(),
    };
    let names = &report.province_names;
    let page = GroupPage {
        page: Page::new(&user, &title, &here, "", year),
        code: code.clone(),
        rows,
        sections: vec![
            Section {
                id: "by-program",
                heading: "by_program",
                first: "indicator",
                table: by_program,
            },
            Section {
                id: "by-helping-province",
                heading: "by_helping_province",
                first: "province",
                table: province_table(&shown, &g.by_helping_province, names, lang),
            },
            Section {
                id: "by-helped-province",
                heading: "by_helped_province",
                first: "province",
                table: province_table(&shown, &g.by_helped_province, names, lang),
            },
        ],
    };
    Ok(render(&page, lang))
}

/// A group's yearbook as a workbook.
pub async fn xlsx(
    State(state): State<AppState>,
    user: SignedIn,
    Path(code): Path<String>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (year, report) = report(&state, &user, &code, &q).await?;
    let tables =
        twinaid_exchange::reports::group_yearbook(&report.yearbook, &report.province_names, lang);
    let name = format!("{code}-{}-{year}.xlsx", lang.pick("年鉴", "yearbook"));
    super::files::workbook_response(&tables, &name)
}
