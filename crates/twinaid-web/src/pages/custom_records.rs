//! The pages of record kinds an installation added (`kinds.csv`), at the
//! same addresses and on the same templates as the built-in kinds': a
//! list with filters, totals and paging (and, from a figure, the records
//! behind it), a detail page with the record's history, forms, deletion
//! and the list as a spreadsheet.

use super::records::{
    Column, DetailPage, DetailQuery, FormPage, ListCell, ListPage, Names, Opt, field_message_for,
    inputs, list_request, query_string,
};
use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::session::SignedIn;
use crate::view::{Page, label, url_encode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{BTreeMap, HashMap};
use twinaid_app::AppError;
use twinaid_domain::Lang;
use twinaid_domain::custom::{CustomKind, CustomRecord, common_fields};
use twinaid_domain::quantity::{figure, figure_unit};
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, RecordKind};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::UNALLOCATED;

/// The kind's fields as its pages show them: the common ones, then its own.
fn all_fields(own: &[FieldSpec]) -> Vec<FieldSpec> {
    common_fields()
        .into_iter()
        .chain(own.iter().copied())
        .collect()
}

fn is_number(f: &FieldSpec) -> bool {
    matches!(f.ty, FieldType::Money | FieldType::Km | FieldType::Count)
}

/// The address of a record's page.
fn record_href(kind: &str, code: &str, program: &str) -> String {
    format!(
        "/records/{}/{}?program={}",
        url_encode(kind),
        url_encode(code),
        url_encode(program)
    )
}

/// The kind, its own fields and the menu's added kinds, or the page's refusal.
async fn kind_of(
    state: &AppState,
    user: &SignedIn,
    code: &str,
) -> Result<(CustomKind, Vec<FieldSpec>, Vec<CustomKind>), WebError> {
    let (kind, own) = state
        .app
        .custom_kind(&user.actor, code)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => WebError::not_found(user.lang),
            e => WebError::from_app(e, user.lang),
        })?;
    let kinds = state.app.catalog().await?.custom_kinds().to_vec();
    Ok((kind, own, kinds))
}

/// The list of an added kind (and, with `indicator`, the records behind a figure).
pub async fn list(
    state: &AppState,
    user: &SignedIn,
    code: &str,
    params: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (kind, own, kinds) = kind_of(state, user, code).await?;
    let (request, program) = list_request(&params);
    let (program, year) = resolve(
        state,
        user,
        &Scope {
            program,
            year: request.year,
        },
    )
    .await?;
    let app = &state.app;
    let page = app
        .list_custom_records(&user.actor, &program, &kind.code, &request)
        .await?;
    let fields: Vec<FieldSpec> = all_fields(&own)
        .into_iter()
        .filter(|f| f.name != "note")
        .collect();
    let money_in_wan = lang == Lang::Zh && !params.iter().any(|(k, v)| k == "unit" && v == "yuan");
    let mut names = Names::load(state, user, &program, year).await?;
    names.wan = money_in_wan;
    let sorted_by = request.sort.clone().unwrap_or_default();
    let columns: Vec<Column> = fields
        .iter()
        .map(|f| {
            let desc = if sorted_by == f.name && !request.descending {
                "1"
            } else {
                ""
            };
            Column {
                label: if money_in_wan && f.ty == FieldType::Money {
                    format!("{}{}", label(f, lang), "（万元）")
                } else {
                    crate::view::capitalized(label(f, lang))
                },
                sort_href: format!(
                    "?{}",
                    query_string(
                        &params,
                        &[
                            ("sort", f.name.to_string()),
                            ("desc", desc.to_string()),
                            ("page", String::new())
                        ]
                    )
                ),
                numeric: is_number(f),
            }
        })
        .collect();
    let rows = page
        .records
        .iter()
        .map(|r| {
            let cells = fields
                .iter()
                .zip(&columns)
                .map(|(f, c)| ListCell {
                    text: names.display(f, r.get(f.name), lang),
                    numeric: is_number(f),
                    label: c.label.clone(),
                    title: false,
                })
                .collect();
            (record_href(&kind.code, r.code(), &program), cells)
        })
        .collect();
    let totals = fields
        .iter()
        .map(|f| match page.sums.iter().find(|(n, _)| n == f.name) {
            Some((_, sum)) => names.display(f, &FieldValue::Int(*sum), lang),
            None => String::new(),
        })
        .zip(&columns)
        .map(|(v, c)| (v, c.label.clone()))
        .collect();
    let per_page = request.per_page.clamp(1, 500);
    let pages = ((page.total_rows + per_page - 1) / per_page).max(1);
    let page_no = request.page.clamp(1, pages);
    let nav = |p: i64| {
        if (1..=pages).contains(&p) && p != page_no {
            format!("?{}", query_string(&params, &[("page", p.to_string())]))
        } else {
            String::new()
        }
    };
    let tr = crate::i18n::Tr { lang };
    let all = |selected: bool| Opt {
        value: String::new(),
        label: tr.s("all").into(),
        selected,
    };
    let mut regions = vec![all(request.region.is_none())];
    regions.extend(names.places.iter().map(|(code, (zh, en))| Opt {
        value: code.clone(),
        label: format!("{} {code}", lang.pick(zh, en)),
        selected: request.region.as_deref() == Some(code),
    }));
    regions.push(Opt {
        value: UNALLOCATED.into(),
        label: tr.s("unallocated").into(),
        selected: request.region.as_deref() == Some(UNALLOCATED),
    });
    let mut sources = vec![all(request.source.is_none())];
    sources.extend(SourceKind::ALL.iter().map(|s| Opt {
        value: s.code().into(),
        label: s.name(lang).into(),
        selected: request.source.as_deref() == Some(s.code()),
    }));
    let choices = own
        .iter()
        .filter_map(|f| match f.ty {
            FieldType::Choice(cs) => {
                let current = request
                    .filters
                    .iter()
                    .find(|(n, _)| n == f.name)
                    .map(|(_, v)| v.clone());
                let mut options = vec![all(current.is_none())];
                options.extend(cs.iter().map(|c| Opt {
                    value: c.code.into(),
                    label: lang.pick(c.zh, c.en).into(),
                    selected: current.as_deref() == Some(c.code),
                }));
                Some(super::records::ChoiceFilter {
                    name: format!("f.{}", f.name),
                    label: label(f, lang).into(),
                    options,
                })
            }
            _ => None,
        })
        .collect();
    let breakdown = match &request.indicator {
        Some(code) => Some(
            breakdown(
                state,
                user,
                code,
                &request,
                &names,
                &kind.code,
                // A distinct count's records give it their different values.
                page.distinct.unwrap_or(page.total_rows),
                &page.sums,
            )
            .await?,
        ),
        None => None,
    };
    let here = format!(
        "/records/{}?{}",
        url_encode(&kind.code),
        query_string(&params, &[])
    );
    let list = ListPage {
        page: Page::new(user, kind.name(lang), &here, &program, year).with_added_kinds(&kinds),
        kind: kind.code.clone(),
        columns,
        rows,
        totals,
        currencies: Vec::new(),
        total_rows: page.total_rows,
        money_in_wan,
        money_toggle: if lang == Lang::Zh && own.iter().any(|f| f.ty == FieldType::Money) {
            format!(
                "?{}",
                query_string(
                    &params,
                    &[("unit", if money_in_wan { "yuan" } else { "" }.to_string())]
                )
            )
        } else {
            String::new()
        },
        page_no,
        pages,
        prev_href: nav(page_no - 1),
        next_href: nav(page_no + 1),
        year: request.year.map(|y| y.to_string()).unwrap_or_default(),
        cumulative: request.cumulative,
        indicator: request.indicator.clone().unwrap_or_default(),
        search: request.search.clone().unwrap_or_default(),
        regions,
        sources,
        choices,
        breakdown,
        can_write: app.writes_custom_records(&user.actor, &program),
        notice: params
            .iter()
            .find(|(k, _)| k == "notice")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        query: params
            .iter()
            .filter(|(k, _)| k != "notice" && k != "page")
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&"),
    };
    Ok(render(&list, lang))
}

/// The figure an added kind's list takes apart: its records count it
/// whole (added kinds have no aggregate values of their own), so the
/// figure's part from these records is what the list below totals.
#[allow(clippy::too_many_arguments)]
async fn breakdown(
    state: &AppState,
    user: &SignedIn,
    indicator: &str,
    request: &twinaid_app::ListRequest,
    names: &Names,
    kind: &str,
    rows: i64,
    sums: &[(String, i64)],
) -> Result<super::records::Breakdown, WebError> {
    let lang = user.lang;
    let def = state
        .app
        .indicators(&user.actor)
        .await?
        .into_iter()
        .find(|d| d.code == indicator)
        .ok_or_else(|| WebError::not_found(lang))?;
    let unit = def.unit;
    // What this kind's records give the figure: their count, or a field's sum
    // (kept in the field's stored scale, which is the figure's).
    let raw = match def
        .parts()
        .iter()
        .find(|p| p.kind == kind)
        .map(|p| &p.measure)
    {
        Some(twinaid_domain::indicator::Measure::Sum(field)) => {
            sums.iter().find(|(n, _)| n == field).map_or(0, |(_, v)| *v)
        }
        _ => rows,
    };
    let period = match (request.year, request.cumulative) {
        (Some(y), true) => format!("{}{y}", lang.pick("累计至", "to end of ")),
        (Some(y), false) => y.to_string(),
        (None, _) => String::new(),
    };
    let mut title = def.name(lang).to_string();
    if !period.is_empty() {
        title.push_str(&format!(" · {period}"));
    }
    if let Some(r) = &request.region {
        let name = names.name_of(r, lang).unwrap_or_else(|| r.clone());
        title.push_str(&format!(" · {name}"));
    }
    if let Some(s) = request.source.as_deref().and_then(SourceKind::parse) {
        title.push_str(&format!(" · {}", s.name(lang)));
    }
    let fig = |raw: i64| figure(raw, unit, lang);
    Ok(super::records::Breakdown {
        title,
        unit: figure_unit(unit, lang).to_string(),
        total: fig(raw),
        from_records: fig(raw),
        from_aggregates: fig(0),
        reads_records: true,
        parts: Vec::new(),
        pending: String::new(),
        pending_href: String::new(),
        showing_pending: false,
        counted_href: String::new(),
        aggregates: Vec::new(),
    })
}

/// One record of an added kind, with its history.
pub async fn detail(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    code: &str,
    q: DetailQuery,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (kind, own, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, year) = resolve(
        state,
        user,
        &Scope {
            program: q.program.clone(),
            year: None,
        },
    )
    .await?;
    let record = state
        .app
        .custom_record(&user.actor, &program, &kind.code, code)
        .await?;
    let names = Names::load(state, user, &program, year).await?;
    let fields = all_fields(&own)
        .iter()
        .map(|f| {
            (
                label(f, lang).to_string(),
                names.display(f, record.get(f.name), lang),
            )
        })
        .collect();
    let (history, _) = super::records::history(
        state,
        user,
        &program,
        "custom_record",
        &format!("{}/{code}", kind.code),
        &names,
    )
    .await?;
    let here = record_href(&kind.code, code, &program);
    let writes = state.app.writes_custom_records(&user.actor, &program);
    let page = DetailPage {
        steps: None,
        step_error: String::new(),
        page: Page::new(
            user,
            &format!("{} {code}", kind.name(lang)),
            &here,
            &program,
            year,
        )
        .with_added_kinds(&kinds),
        kind: kind.code.clone(),
        code: code.to_string(),
        fields,
        illustrative: record.get("illustrative").as_int() == Some(1),
        can_edit: writes,
        can_delete: writes,
        saved: q.saved.is_some(),
        history,
    };
    Ok(render(&page, lang))
}

/// The written form of a stored record, for its edit form.
fn written(record: &CustomRecord, own: &[FieldSpec]) -> BTreeMap<String, String> {
    all_fields(own)
        .iter()
        .map(|f| (f.name.to_string(), f.write(record.get(f.name))))
        .collect()
}

/// What a form of an added kind shows.
struct Form<'a> {
    kind: &'a CustomKind,
    own: &'a [FieldSpec],
    kinds: &'a [CustomKind],
    values: &'a BTreeMap<String, String>,
    errors: &'a BTreeMap<String, String>,
    general: String,
}

async fn form_page(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    year: i32,
    code: Option<&str>,
    form: Form<'_>,
) -> Result<FormPage, WebError> {
    let lang = user.lang;
    let tr = crate::i18n::Tr { lang };
    let kind = form.kind;
    let list_href = format!(
        "/records/{}?program={}",
        url_encode(&kind.code),
        url_encode(program)
    );
    let (title, action, cancel) = match code {
        Some(c) => (
            format!("{} · {c}", tr.s("edit")),
            record_href(&kind.code, c, program),
            record_href(&kind.code, c, program),
        ),
        None => (
            format!("{} · {}", tr.s("new_record"), kind.name(lang)),
            list_href.clone(),
            list_href,
        ),
    };
    // Units and places are picked from the program's, as on a project's form.
    let typed_year = form
        .values
        .get("year")
        .and_then(|y| twinaid_domain::record::parse_year(y).ok())
        .unwrap_or(year);
    let pickers = state
        .app
        .pickers(&user.actor, program, RecordKind::Project, typed_year)
        .await?;
    let catalog = state.app.catalog().await?;
    let help = |name: &str| {
        catalog
            .field_definition(&kind.code, name)
            .and_then(|f| f.help(lang))
            .unwrap_or_default()
            .to_string()
    };
    let mut list = inputs(
        &all_fields(form.own),
        &help,
        form.values,
        form.errors,
        &pickers,
        code.map(|_| &[][..]),
        lang,
    );
    if code.is_some() {
        // Only needed, and then required, for a year whose assessment is published.
        list.push(super::records::Input {
            name: "correction_reason".into(),
            label: tr.s("correction_reason").into(),
            value: form
                .values
                .get("correction_reason")
                .cloned()
                .unwrap_or_default(),
            required: false,
            readonly: false,
            widget: "text".into(),
            options: Vec::new(),
            error: form
                .errors
                .get("correction_reason")
                .cloned()
                .unwrap_or_default(),
            help: String::new(),
            placeholder: String::new(),
            shown: String::new(),
        });
    }
    // A code is not made for an added kind: the form asks for it.
    for input in list.iter_mut().filter(|i| i.name == "code") {
        input.required = true;
        input.placeholder = String::new();
    }
    Ok(FormPage {
        page: Page::new(user, &title, &action, program, year).with_added_kinds(form.kinds),
        action,
        inputs: list,
        error: form.general,
        cancel,
        notice: String::new(),
    })
}

/// The empty form for a new record of an added kind.
pub async fn new_form(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    scope: &Scope,
) -> Result<Response, WebError> {
    let (kind, own, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, year) = resolve(state, user, scope).await?;
    // A form that could only be refused on saving is not offered.
    if !state.app.writes_custom_records(&user.actor, &program) {
        return Err(WebError::from_app(AppError::Forbidden, user.lang));
    }
    let values = BTreeMap::from([("year".to_string(), year.to_string())]);
    let form = Form {
        kind: &kind,
        own: &own,
        kinds: &kinds,
        values: &values,
        errors: &BTreeMap::new(),
        general: String::new(),
    };
    let page = form_page(state, user, &program, year, None, form).await?;
    Ok(render(&page, user.lang))
}

/// The form to change a record of an added kind.
pub async fn edit_form(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    code: &str,
    scope: &Scope,
) -> Result<Response, WebError> {
    let (kind, own, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, year) = resolve(state, user, scope).await?;
    if !state.app.writes_custom_records(&user.actor, &program) {
        return Err(WebError::from_app(AppError::Forbidden, user.lang));
    }
    let record = state
        .app
        .custom_record(&user.actor, &program, &kind.code, code)
        .await?;
    let values = written(&record, &own);
    let form = Form {
        kind: &kind,
        own: &own,
        kinds: &kinds,
        values: &values,
        errors: &BTreeMap::new(),
        general: String::new(),
    };
    let page = form_page(state, user, &program, year, Some(code), form).await?;
    Ok(render(&page, user.lang))
}

/// Saves a form, or shows it again with each problem next to its field.
pub async fn save(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    scope: &Scope,
    code: Option<&str>,
    form: HashMap<String, String>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let lang = user.lang;
    let (kind, own, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, year) = resolve(state, user, scope).await?;
    let values: BTreeMap<String, String> = form.into_iter().filter(|(k, _)| k != "csrf").collect();
    let fields = all_fields(&own);
    match state
        .app
        .save_custom_record(&user.actor, &program, &kind.code, &values, code)
        .await
    {
        Ok(record) => Ok(Redirect::to(&format!(
            "{}&saved=1",
            record_href(&kind.code, record.code(), &program)
        ))
        .into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Field(..))) => {
            let spec = |name: &str| fields.iter().find(|f| f.name == name).copied();
            let mut errors = BTreeMap::new();
            let mut general = Vec::new();
            match &e {
                AppError::Field(field, error) => {
                    errors.insert(
                        field.to_string(),
                        field_message_for(spec(field), error, lang),
                    );
                }
                AppError::Invalid(problems) => {
                    for p in problems {
                        match &p.location.column {
                            Some(c) if spec(c).is_some() || c == "correction_reason" => {
                                errors
                                    .entry(c.clone())
                                    .or_insert_with(|| field_message_for(spec(c), &p.error, lang));
                            }
                            _ => general.push(p.error.message(lang)),
                        }
                    }
                }
                _ => {}
            }
            let mut message = crate::i18n::Tr { lang }.s("fix_errors").to_string();
            if !general.is_empty() {
                message = format!("{message}：{}", general.join("；"));
            }
            let form = Form {
                kind: &kind,
                own: &own,
                kinds: &kinds,
                values: &values,
                errors: &errors,
                general: message,
            };
            let page = form_page(state, user, &program, year, code, form).await?;
            let mut response = render(&page, lang);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(WebError::from_app(e, lang)),
    }
}

/// Deletes a record of an added kind.
pub async fn delete(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    code: &str,
    scope: &Scope,
) -> Result<Response, WebError> {
    let (kind, _, _) = kind_of(state, user, code_of_kind).await?;
    let (program, _) = resolve(state, user, scope).await?;
    state
        .app
        .delete_custom_record(&user.actor, &program, &kind.code, code)
        .await?;
    Ok(Redirect::to(&format!(
        "/records/{}?program={}",
        url_encode(&kind.code),
        url_encode(&program)
    ))
    .into_response())
}

/// The list as a spreadsheet: every matching row under the fields' codes
/// (as `custom_CODE.csv` has them, so it loads back in a folder), numbers
/// as numbers, the totals row (not in CSV).
pub async fn export(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    params: &[(String, String)],
    csv: bool,
) -> Result<Response, WebError> {
    use twinaid_exchange::export::{ExportCell, ExportTable};
    let lang = user.lang;
    let (kind, own, _) = kind_of(state, user, code_of_kind).await?;
    let (mut request, program) = list_request(params);
    request.unpaged = true;
    let (program, _) = resolve(
        state,
        user,
        &Scope {
            program,
            year: request.year,
        },
    )
    .await?;
    let page = state
        .app
        .list_custom_records(&user.actor, &program, &kind.code, &request)
        .await?;
    let fields = all_fields(&own);
    let number = |f: &FieldSpec, raw: i64| match f.ty {
        FieldType::Money => ExportCell::Number(raw as f64 / 100.0, "#,##0.00"),
        FieldType::Km => ExportCell::Number(raw as f64 / 1000.0, "#,##0.000"),
        FieldType::Count => ExportCell::Number(raw as f64, "#,##0"),
        _ => ExportCell::Number(raw as f64, "0"),
    };
    let rows = page
        .records
        .iter()
        .map(|r| {
            fields
                .iter()
                .map(|f| match (f.ty, r.get(f.name)) {
                    (_, FieldValue::Null) => ExportCell::Empty,
                    (
                        FieldType::Money
                        | FieldType::Km
                        | FieldType::Count
                        | FieldType::ProgramYear,
                        FieldValue::Int(i),
                    ) => number(f, *i),
                    (_, v) => ExportCell::Text(f.write(v)),
                })
                .collect()
        })
        .collect();
    let mut totals: Vec<ExportCell> = fields
        .iter()
        .map(|f| match page.sums.iter().find(|(n, _)| n == f.name) {
            Some((_, sum)) => number(f, *sum),
            None => ExportCell::Empty,
        })
        .collect();
    if let Some(first) = totals.first_mut() {
        *first = ExportCell::Text(format!(
            "{} {}",
            lang.pick("合计", "Total"),
            page.total_rows
        ));
    }
    let table = ExportTable {
        name: kind.name(lang).to_string(),
        title: kind.name(lang).to_string(),
        header: fields.iter().map(|f| f.name.to_string()).collect(),
        rows,
        totals: (!csv).then_some(totals),
    };
    let stem = format!("{}-{program}", kind.code);
    if csv {
        Ok(crate::view::file_response(
            &format!("{stem}.csv"),
            "text/csv; charset=utf-8",
            twinaid_exchange::export::csv(&table),
        ))
    } else {
        crate::pages::files::workbook_response(&[table], &format!("{stem}.xlsx"))
    }
}

/// The import template of an added kind: a sheet with its fields' codes
/// as headers, each field's name in the row under it (read past as an
/// example row would be: it has no code a record could have).
pub async fn template(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
) -> Result<Response, WebError> {
    use twinaid_exchange::export::ExportTable;
    let lang = user.lang;
    let (kind, own, _) = kind_of(state, user, code_of_kind).await?;
    let fields = all_fields(&own);
    let table = ExportTable {
        name: kind.name(lang).to_string(),
        title: kind.name(lang).to_string(),
        header: fields.iter().map(|f| f.name.to_string()).collect(),
        rows: Vec::new(),
        totals: None,
    };
    let name = format!("{}-{}.xlsx", kind.code, lang.pick("模板", "template"));
    crate::pages::files::workbook_response(&[table], &name)
}

/// The import form of an added kind, with the problems of a refused file.
async fn import_page_with(
    state: &AppState,
    user: &SignedIn,
    kind: &CustomKind,
    kinds: &[CustomKind],
    scope: &Scope,
    problems: Vec<String>,
) -> Result<super::files::ImportPage, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(state, user, scope).await?;
    let title = format!(
        "{} · {}",
        crate::i18n::Tr { lang }.s("import"),
        kind.name(lang)
    );
    let here = format!(
        "/records/{}/import?program={}",
        url_encode(&kind.code),
        url_encode(&program)
    );
    const SHOWN: usize = 200;
    Ok(super::files::ImportPage {
        page: Page::new(user, &title, &here, &program, year).with_added_kinds(kinds),
        kind: kind.code.clone(),
        kind_name: kind.name(lang).to_string(),
        more: problems.len().saturating_sub(SHOWN),
        problems: problems.into_iter().take(SHOWN).collect(),
        copy_href: String::new(),
        done: String::new(),
        report: Vec::new(),
        iati: false,
        helper_units: Vec::new(),
        regions: Vec::new(),
    })
}

/// The import form of an added kind.
pub async fn import_page(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    scope: &Scope,
) -> Result<Response, WebError> {
    let (kind, _, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, _) = resolve(state, user, scope).await?;
    // A form that could only be refused on sending is not offered.
    if !state.app.writes_custom_records(&user.actor, &program) {
        return Err(WebError::from_app(AppError::Forbidden, user.lang));
    }
    let page = import_page_with(state, user, &kind, &kinds, scope, Vec::new()).await?;
    Ok(render(&page, user.lang))
}

/// Imports an uploaded sheet of an added kind's records, all or none: on
/// success back to the list with what was done, else the problems.
pub async fn import(
    state: &AppState,
    user: &SignedIn,
    code_of_kind: &str,
    scope: &Scope,
    form: super::files::UploadForm,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (kind, own, kinds) = kind_of(state, user, code_of_kind).await?;
    let (program, _) = resolve(state, user, scope).await?;
    // Refused before the file is read.
    if !state.app.writes_custom_records(&user.actor, &program) {
        return Err(WebError::from_app(AppError::Forbidden, lang));
    }
    let (name, bytes) = form.file.unwrap_or_default();
    let refused = |problems: Vec<twinaid_domain::error::Problem>| async move {
        let shown = problems.iter().map(|p| p.message(lang)).collect();
        let page = import_page_with(
            state,
            user,
            &kind_ref(&kinds, code_of_kind),
            &kinds,
            scope,
            shown,
        )
        .await?;
        let mut response = render(&page, lang);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok::<_, WebError>(response)
    };
    let sheets =
        match twinaid_exchange::sheet::read_sheets_within(&name, &bytes, &state.limits.read) {
            Ok(s) => s,
            Err(p) => return refused(vec![p]).await,
        };
    let Some(sheet) = sheets.first() else {
        return refused(Vec::new()).await;
    };
    let read = twinaid_exchange::import::custom_records_from_sheet(sheet, &name, &kind.code, &own);
    if !read.problems.is_empty() {
        return refused(read.problems).await;
    }
    let rows = read.rows_read;
    match state
        .app
        .import_custom_records(&user.actor, &program, &kind.code, read.records)
        .await
    {
        Ok(summary) => {
            let (created, updated, unchanged) = summary
                .counts
                .get("custom_record")
                .copied()
                .unwrap_or_default();
            let notice = match lang {
                Lang::Zh => format!(
                    "已导入 {name}：{rows} 行，新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条"
                ),
                Lang::En => format!(
                    "imported {name}: {rows} rows, {created} added, {updated} updated, {unchanged} unchanged"
                ),
            };
            Ok(Redirect::to(&format!(
                "/records/{}?program={}&notice={}",
                url_encode(&kind.code),
                url_encode(&program),
                url_encode(&notice)
            ))
            .into_response())
        }
        Err(AppError::Invalid(problems)) => refused(problems).await,
        Err(e) => Err(WebError::from_app(e, lang)),
    }
}

/// The added kind of `code` among `kinds` (it was found there already).
fn kind_ref(kinds: &[CustomKind], code: &str) -> CustomKind {
    kinds
        .iter()
        .find(|k| k.code == code)
        .cloned()
        .unwrap_or_else(|| CustomKind {
            code: code.to_string(),
            name_zh: code.to_string(),
            name_en: code.to_string(),
        })
}
