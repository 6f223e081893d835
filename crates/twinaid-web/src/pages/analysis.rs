//! The analysis page: indicators laid out by county or fund source against
//! indicators or years, with totals, a chart and every cell linked to the
//! records behind it; the same table as a workbook.

use super::{Scope, render, resolve_report};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;
use twinaid_domain::Lang;
use twinaid_domain::quantity::{figure, figure_number};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::{UNALLOCATED, UNSPECIFIED, Yearbook};
use twinaid_exchange::export::{ExportCell, ExportTable};

/// The most years a table spans, so one request cannot ask for a century of yearbooks.
const MOST_YEARS: i32 = 30;

/// What the page is asked for, read from its query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    program: Option<String>,
    year: Option<i32>,
    /// The first year, when the columns are years.
    from: Option<i32>,
    indicators: Vec<String>,
    /// `county`, `source`, or a field of the records: `helper_unit`, `category`.
    rows: String,
    /// `indicators` or `years`.
    columns: String,
    cumulative: bool,
}

/// A year a record may have; anything else is taken as the nearest.
fn within_years(year: i32) -> i32 {
    year.clamp(
        twinaid_domain::record::FIRST_YEAR,
        twinaid_domain::record::LAST_YEAR,
    )
}

fn request(params: &[(String, String)]) -> Request {
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let pick = |k: &str, allowed: &[&str]| {
        get(k)
            .filter(|v| allowed.contains(&v.as_str()))
            .unwrap_or_else(|| allowed[0].to_string())
    };
    Request {
        program: get("program"),
        year: get("year").and_then(|y| y.parse().ok()).map(within_years),
        from: get("from").and_then(|y| y.parse().ok()).map(within_years),
        indicators: params
            .iter()
            .filter(|(n, v)| n == "ind" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        rows: pick("rows", &["county", "source", "helper_unit", "category"]),
        columns: pick("cols", &["indicators", "years"]),
        cumulative: get("measure").as_deref() == Some("cumulative"),
    }
}

/// One cell: the raw figure, as shown, and the records behind it.
struct Cell {
    raw: i64,
    text: String,
    href: String,
}

/// A column: one indicator in one year.
struct Column {
    label: String,
    /// The yearbook it reads (an index into the yearbooks asked).
    book: usize,
    indicator: String,
}

/// The table the page shows and the workbook holds.
struct Table {
    columns: Vec<Column>,
    rows: Vec<(String, Vec<Cell>)>,
    totals: Vec<Cell>,
}

/// Lays the yearbooks out as asked: rows by county (all counties any
/// yearbook has) or by source; a column per indicator (per year, when
/// the columns are years).
fn table(books: &[Arc<Yearbook>], asked: &Request, split: &Split, lang: Lang) -> Table {
    let Some(last) = books.last() else {
        return Table {
            columns: Vec::new(),
            rows: Vec::new(),
            totals: Vec::new(),
        };
    };
    let mut columns = Vec::new();
    for code in &asked.indicators {
        for (i, yb) in books.iter().enumerate() {
            if let Some(f) = yb.indicator(code) {
                let label = if books.len() > 1 {
                    format!(
                        "{} {}",
                        super::yearbook::labelled(&f.definition, lang),
                        yb.year
                    )
                } else {
                    super::yearbook::labelled(&f.definition, lang)
                };
                columns.push(Column {
                    label,
                    book: i,
                    indicator: code.clone(),
                });
            }
        }
    }
    let program = last.program.clone();
    let cumulative = asked.cumulative;
    let pick = |s: Option<&twinaid_domain::yearbook::Split>| {
        s.map_or(0, |s| if cumulative { s.cumulative } else { s.year })
    };
    let cell = |c: &Column, region: Option<&str>, source: Option<&str>| -> Cell {
        let yb = &books[c.book];
        let Some(f) = yb.indicator(&c.indicator) else {
            return Cell {
                raw: 0,
                text: "—".into(),
                href: String::new(),
            };
        };
        let raw = match (region, source) {
            (Some(r), _) => pick(f.by_county.get(r)),
            (_, Some(s)) => pick(f.by_source.get(s)),
            _ => {
                if cumulative {
                    f.cumulative
                } else {
                    f.year
                }
            }
        };
        Cell {
            raw,
            text: figure(raw, f.definition.unit, lang),
            href: super::yearbook::drill_href(&program, f, yb.year, cumulative, region, source),
        }
    };
    if let Some(field) = split.field {
        let totals = columns.iter().map(|c| cell(c, None, None)).collect();
        return by_field(books, &columns, asked, split, field, lang, totals);
    }
    let keys: Vec<(String, String)> = if asked.rows == "source" {
        SourceKind::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.name(lang).to_string()))
            .chain([(
                UNSPECIFIED.to_string(),
                lang.pick("未分来源", "source not recorded").to_string(),
            )])
            .collect()
    } else {
        let mut all = std::collections::BTreeSet::new();
        for yb in books {
            all.extend(yb.county_keys().into_iter().map(str::to_string));
        }
        // Counties by code, then work recorded in no county.
        let mut keys: Vec<String> = all.into_iter().filter(|k| k != UNALLOCATED).collect();
        if books
            .iter()
            .any(|yb| yb.county_keys().contains(UNALLOCATED))
        {
            keys.push(UNALLOCATED.to_string());
        }
        keys.into_iter()
            .map(|k| {
                let label = if k == UNALLOCATED {
                    lang.pick("未分地区", "no region").to_string()
                } else {
                    let (zh, en) = last.county_names(&k);
                    format!("{} {k}", lang.pick(zh, en))
                };
                (k, label)
            })
            .collect()
    };
    let rows = keys
        .iter()
        .map(|(key, label)| {
            let cells = columns
                .iter()
                .map(|c| {
                    if asked.rows == "source" {
                        cell(c, None, Some(key))
                    } else {
                        cell(c, Some(key), None)
                    }
                })
                .collect();
            (label.clone(), cells)
        })
        .collect();
    let totals = columns.iter().map(|c| cell(c, None, None)).collect();
    Table {
        columns,
        rows,
        totals,
    }
}

/// The records part of each column's figure by a field of the records,
/// when the rows are such a field: (indicator, year) → value → figure.
#[derive(Default)]
struct Split {
    field: Option<&'static str>,
    values: std::collections::HashMap<(String, i32), std::collections::BTreeMap<String, i64>>,
    /// The names of the field's values (units, categories).
    names: std::collections::HashMap<String, String>,
}

/// Reads what the rows need when they are a field of the records.
async fn split_for(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    books: &[Arc<Yearbook>],
    asked: &Request,
) -> Result<Split, WebError> {
    let lang = user.lang;
    let field = match asked.rows.as_str() {
        "helper_unit" => "helper_unit",
        "category" => "category",
        _ => return Ok(Split::default()),
    };
    let mut values = std::collections::HashMap::new();
    for code in &asked.indicators {
        for yb in books {
            if yb.indicator(code).is_none() {
                continue;
            }
            let by = state
                .app
                .figure_by_field(&user.actor, program, code, field, yb.year, asked.cumulative)
                .await?;
            values.insert((code.clone(), yb.year), by.into_iter().collect());
        }
    }
    let names = if field == "helper_unit" {
        state
            .app
            .units(&user.actor, program)
            .await?
            .into_iter()
            .map(|u| (u.code.clone(), u.name(lang).to_string()))
            .collect()
    } else {
        twinaid_domain::record::PROJECT_CATEGORIES
            .iter()
            .map(|c| (c.code.to_string(), lang.pick(c.zh, c.en).to_string()))
            .collect()
    };
    Ok(Split {
        field: Some(field),
        values,
        names,
    })
}

/// Rows by a field of the records: one per value any column has, then what
/// no record of the field holds (reported totals, records of kinds without
/// the field), so the rows still add up to the figure.
fn by_field(
    books: &[Arc<Yearbook>],
    columns: &[Column],
    asked: &Request,
    split: &Split,
    field: &str,
    lang: Lang,
    totals: Vec<Cell>,
) -> Table {
    let program = books.last().map(|b| b.program.clone()).unwrap_or_default();
    let of = |c: &Column| split.values.get(&(c.indicator.clone(), books[c.book].year));
    let mut keys: Vec<String> = columns
        .iter()
        .filter_map(of)
        .flat_map(|m| m.keys().filter(|k| !k.is_empty()).cloned())
        .collect();
    keys.sort();
    keys.dedup();
    let unit_of = |c: &Column| {
        books[c.book]
            .indicator(&c.indicator)
            .map(|f| f.definition.unit)
    };
    let mut rows: Vec<(String, Vec<Cell>)> = keys
        .iter()
        .map(|key| {
            let cells = columns
                .iter()
                .map(|c| {
                    let raw = of(c).and_then(|m| m.get(key)).copied().unwrap_or(0);
                    let yb = &books[c.book];
                    let href = yb.indicator(&c.indicator).map_or(String::new(), |f| {
                        format!(
                            "{}&f.{field}={}",
                            super::yearbook::drill_href(
                                &program,
                                f,
                                yb.year,
                                asked.cumulative,
                                None,
                                None
                            ),
                            url_encode(key)
                        )
                    });
                    Cell {
                        raw,
                        text: unit_of(c).map_or("—".into(), |u| figure(raw, u, lang)),
                        href,
                    }
                })
                .collect();
            let label = match split.names.get(key) {
                Some(name) => format!("{name} {key}"),
                None => key.clone(),
            };
            (label, cells)
        })
        .collect();
    // What the rows above leave of each figure.
    let rest: Vec<Cell> = columns
        .iter()
        .zip(&totals)
        .map(|(c, t)| {
            let counted: i64 = of(c).map_or(0, |m| {
                m.iter()
                    .filter(|(k, _)| !k.is_empty())
                    .map(|(_, v)| v)
                    .sum()
            });
            let raw = t.raw - counted;
            Cell {
                raw,
                text: unit_of(c).map_or("—".into(), |u| figure(raw, u, lang)),
                href: String::new(),
            }
        })
        .collect();
    if rest.iter().any(|c| c.raw != 0) {
        rows.push((
            lang.pick("不分（汇总数据等）", "not split (reported totals etc.)")
                .to_string(),
            rest,
        ));
    }
    Table {
        columns: columns
            .iter()
            .map(|c| Column {
                label: c.label.clone(),
                book: c.book,
                indicator: c.indicator.clone(),
            })
            .collect(),
        rows,
        totals,
    }
}

#[derive(Template)]
#[template(path = "analysis.html")]
struct AnalysisPage {
    page: Page,
    /// Every indicator: (code, name, chosen).
    indicators: Vec<(String, String, bool)>,
    rows_by: String,
    columns_by: String,
    cumulative: bool,
    from: i32,
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>)>,
    totals: Vec<Cell>,
    xlsx_href: String,
    /// This view's address, to share.
    link: String,
    chart_data: String,
    /// The program's saved views: (name, link, who saved it, may forget it).
    views: Vec<(String, String, String, bool)>,
    /// This view's query without the program, as a saved view keeps it.
    view_query: String,
    may_save: bool,
    error: String,
}

/// The years the table reads and the indicators it shows, as asked or by default.
async fn books(
    state: &AppState,
    user: &SignedIn,
    asked: &mut Request,
) -> Result<(String, i32, Vec<Arc<Yearbook>>), WebError> {
    let (program, year) = resolve_report(
        state,
        user,
        &Scope {
            program: asked.program.clone(),
            year: asked.year,
        },
    )
    .await?;
    let years: Vec<i32> = if asked.columns == "years" {
        let from = asked
            .from
            .unwrap_or(year - 4)
            .clamp(year - MOST_YEARS + 1, year);
        asked.from = Some(from);
        (from..=year).collect()
    } else {
        vec![year]
    };
    let mut books = Vec::new();
    for y in years {
        books.push(state.app.yearbook(&user.actor, &program, y).await?);
    }
    if asked.indicators.is_empty() {
        // By default, what the yearbook's county table shows: every indicator
        // with a figure this year; over years, the first of them.
        if let Some(last) = books.last() {
            asked.indicators = last
                .indicators
                .iter()
                .filter(|f| f.year != 0)
                .map(|f| f.definition.code.clone())
                .take(if asked.columns == "years" {
                    1
                } else {
                    usize::MAX
                })
                .collect();
        }
    }
    Ok((program, year, books))
}

fn query_of(program: &str, year: i32, asked: &Request) -> String {
    let mut q = format!(
        "program={}&year={year}&rows={}&cols={}",
        url_encode(program),
        asked.rows,
        asked.columns
    );
    if let Some(from) = asked.from.filter(|_| asked.columns == "years") {
        q.push_str(&format!("&from={from}"));
    }
    if asked.cumulative {
        q.push_str("&measure=cumulative");
    }
    for i in &asked.indicators {
        q.push_str(&format!("&ind={}", url_encode(i)));
    }
    q
}

/// The analysis page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let mut asked = request(&params);
    let year_asked = asked.year;
    let (program, year, books) = books(&state, &user, &mut asked).await?;
    let split = split_for(&state, &user, &program, &books, &asked).await?;
    let table = table(&books, &asked, &split, lang);
    let Some(last) = books.last() else {
        return Err(WebError::not_found(lang));
    };
    let indicators = last
        .indicators
        .iter()
        .map(|f| {
            (
                f.definition.code.clone(),
                super::yearbook::labelled(&f.definition, lang),
                asked.indicators.contains(&f.definition.code),
            )
        })
        .collect();
    // The chart shows the first column by row, in the table's unit.
    let first = table.columns.first().and_then(|c| {
        books[c.book]
            .indicator(&c.indicator)
            .map(|f| (c, f.definition.unit))
    });
    let chart_data = match first {
        // Over years: the first indicator's figure, year by year.
        Some((c, unit)) if asked.columns == "years" => {
            let years: Vec<(String, f64)> = table
                .columns
                .iter()
                .zip(&table.totals)
                .filter(|(col, _)| col.indicator == c.indicator)
                .map(|(col, t)| {
                    (
                        books[col.book].year.to_string(),
                        figure_number(t.raw, unit, lang),
                    )
                })
                .collect();
            serde_json::json!({
                "title": books[c.book]
                    .indicator(&c.indicator)
                    .map(|f| super::yearbook::labelled(&f.definition, lang))
                    .unwrap_or_default(),
                "labels": years.iter().map(|(y, _)| y.clone()).collect::<Vec<_>>(),
                "values": years.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            })
        }
        Some((c, unit)) => serde_json::json!({
            "title": c.label,
            "labels": table.rows.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(),
            "values": table.rows.iter().map(|(_, cells)| cells.first().map_or(0.0, |x| figure_number(x.raw, unit, lang))).collect::<Vec<_>>(),
        }),
        None => serde_json::Value::Null,
    }
    .to_string()
    // Kept inside a <script> element: no "<" may open a tag or comment there.
    .replace('<', "\\u003c");
    let query = query_of(&program, year, &asked);
    let perms = state.app.permissions(&user.actor, &program);
    let views = state
        .app
        .saved_views(&user.actor, &program)
        .await?
        .into_iter()
        .map(|v| {
            let href = format!("/analysis?program={}&{}", url_encode(&program), v.query);
            let mine = perms.office || v.saved_by == user.actor.name;
            (v.name, href, v.saved_by, mine)
        })
        .collect();
    let error = params
        .iter()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let title = crate::i18n::Tr { lang }.s("analysis");
    let here = format!("/analysis?{query}");
    let page = AnalysisPage {
        page: Page::new(&user, title, &here, &program, year),
        indicators,
        rows_by: asked.rows.clone(),
        columns_by: asked.columns.clone(),
        cumulative: asked.cumulative,
        from: asked.from.unwrap_or(year - 4),
        columns: table.columns.iter().map(|c| c.label.clone()).collect(),
        rows: table.rows,
        totals: table.totals,
        xlsx_href: format!("/analysis.xlsx?{query}"),
        link: here.clone(),
        chart_data,
        views,
        view_query: query
            .split('&')
            .filter(|p| !p.starts_with("program="))
            .collect::<Vec<_>>()
            .join("&"),
        may_save: perms.keeps_views(),
        error,
    };
    Ok(super::remembering(
        render(&page, lang),
        &state,
        &user,
        &program,
        year_asked,
    ))
}

/// The analysis table as a workbook: the same rows, columns and totals,
/// numbers in the unit the headers name.
pub async fn xlsx(
    State(state): State<AppState>,
    user: SignedIn,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let mut asked = request(&params);
    let (program, year, books) = books(&state, &user, &mut asked).await?;
    let split = split_for(&state, &user, &program, &books, &asked).await?;
    let table = table(&books, &asked, &split, lang);
    let unit_of = |i: usize| {
        table
            .columns
            .get(i)
            .and_then(|c| books[c.book].indicator(&c.indicator))
            .map(|f| f.definition.unit)
    };
    let number = |i: usize, c: &Cell| match unit_of(i) {
        Some(u) => twinaid_exchange::reports::figure_cell(c.raw, u, lang),
        None => ExportCell::Empty,
    };
    let first = match asked.rows.as_str() {
        "source" => lang.pick("资金来源", "source"),
        "helper_unit" => lang.pick("帮扶单位", "helper unit"),
        "category" => lang.pick("项目类别", "category"),
        _ => lang.pick("县（市、区）", "county"),
    };
    let export = ExportTable {
        name: lang.pick("分析", "analysis").to_string(),
        title: format!(
            "{} · {year}{}",
            books
                .last()
                .map_or("", |b| lang.pick(&b.program_name_zh, &b.program_name_en)),
            if asked.cumulative {
                lang.pick("（累计）", " (cumulative)")
            } else {
                ""
            }
        ),
        header: std::iter::once(first.to_string())
            .chain(table.columns.iter().map(|c| c.label.clone()))
            .collect(),
        rows: table
            .rows
            .iter()
            .map(|(label, cells)| {
                std::iter::once(ExportCell::Text(label.clone()))
                    .chain(cells.iter().enumerate().map(|(i, c)| number(i, c)))
                    .collect()
            })
            .collect(),
        totals: Some(
            std::iter::once(ExportCell::Text(lang.pick("合计", "total").to_string()))
                .chain(table.totals.iter().enumerate().map(|(i, c)| number(i, c)))
                .collect(),
        ),
    };
    let name = format!("{program}-{}-{year}.xlsx", lang.pick("分析", "analysis"));
    super::files::workbook_response(&[export], &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn the_query_is_read_with_defaults_for_what_is_unknown() {
        let r = request(&params(&[
            ("ind", "aid_funds"),
            ("ind", " projects "),
            ("rows", "helper"),
            ("cols", "years"),
            ("measure", "cumulative"),
            ("year", "2009"),
        ]));
        assert_eq!(r.indicators, ["aid_funds", "projects"]);
        assert_eq!((r.rows.as_str(), r.columns.as_str()), ("county", "years"));
        assert!(r.cumulative);
        assert_eq!(r.year, Some(2009));
        assert_eq!(
            query_of("zj-sc", 2009, &r),
            "program=zj-sc&year=2009&rows=county&cols=years&measure=cumulative&ind=aid_funds&ind=projects"
        );
    }
}

/// What the save and forget forms send.
#[derive(serde::Deserialize)]
pub struct ViewForm {
    csrf: Option<String>,
    name: String,
    #[serde(default)]
    query: String,
}

/// Keeps the view on the page under a name.
pub async fn save_view(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    axum::Form(form): axum::Form<ViewForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let (program, _) = super::resolve(&state, &user, &scope).await?;
    // Only the analysis page's own parameters are kept, read as the page
    // reads them and written back encoded.
    let pairs: Vec<(String, String)> = form
        .query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let v = crate::view::url_decode(&v.replace('+', " ")).unwrap_or_default();
            (k.to_string(), v)
        })
        .collect();
    let asked = request(&pairs);
    let query = query_of("", asked.year.unwrap_or_default(), &asked)
        .split('&')
        .filter(|p| !p.starts_with("program=") && (asked.year.is_some() || !p.starts_with("year=")))
        .collect::<Vec<_>>()
        .join("&");
    let result = state
        .app
        .save_view(&user.actor, &program, &form.name, &query)
        .await;
    let back = format!("/analysis?program={}&{query}", url_encode(&program));
    super::back_to(&back, result, user.lang)
}

/// Forgets a saved view.
pub async fn delete_view(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    axum::Form(form): axum::Form<ViewForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let (program, _) = super::resolve(&state, &user, &scope).await?;
    let result = state
        .app
        .delete_view(&user.actor, &program, &form.name)
        .await;
    let back = format!("/analysis?program={}", url_encode(&program));
    super::back_to(&back, result, user.lang)
}
