//! Every record kind: a list with filters, sorting, search, paging and the
//! totals of the filtered rows (and, from a figure, what makes it up), a
//! detail page, and forms that say what is wrong next to the field.

use super::{Scope, kept_page, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::session::SignedIn;
use crate::view::{Page, cell, label, url_encode};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{BTreeMap, HashMap};
use twinaid_app::{AppError, ListRequest};
use twinaid_domain::Lang;
use twinaid_domain::catalog::Catalog;
use twinaid_domain::quantity::{figure, figure_unit};
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, Record, RecordKind};
use twinaid_domain::unit::SourceKind;
use twinaid_domain::yearbook::UNALLOCATED;

/// A column header, with the link that sorts by it.
pub struct Column {
    pub label: String,
    pub sort_href: String,
    pub numeric: bool,
}

/// A cell of a list: its text, whether it is a number, and its column's
/// label (shown beside it on a phone, where each row is a card).
pub struct ListCell {
    pub text: String,
    pub numeric: bool,
    pub label: String,
    /// The record's name in the reader's language: a phone card's heading.
    pub title: bool,
}

/// One option of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A choice field offered as a filter.
pub struct ChoiceFilter {
    pub name: String,
    pub label: String,
    pub options: Vec<Opt>,
}

/// The figure a drill-down list takes apart.
pub struct Breakdown {
    pub title: String,
    pub unit: String,
    pub total: String,
    pub from_records: String,
    pub from_aggregates: String,
    pub reads_records: bool,
    /// Each record kind's share, with the link to its list: (kind, value, href).
    pub parts: Vec<(String, String, String)>,
    /// The records awaiting verification beside the figure (not in it):
    /// empty when there are none, with the link to their list.
    pub pending: String,
    pub pending_href: String,
    /// Whether the list below shows those pending records.
    pub showing_pending: bool,
    /// The link back to the counted records.
    pub counted_href: String,
    pub aggregates: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "list.html")]
pub(super) struct ListPage {
    pub(super) page: Page,
    pub(super) kind: String,
    pub(super) columns: Vec<Column>,
    /// Each row's link and cells.
    pub(super) rows: Vec<(String, Vec<ListCell>)>,
    /// Each column's total (empty where it has none), with its label.
    pub(super) totals: Vec<(String, String)>,
    /// The original currencies behind the rows' money, a line each.
    pub(super) currencies: Vec<String>,
    pub(super) total_rows: i64,
    /// Money in 万元 (the default in Chinese), with the link to show yuan; or the way back.
    pub(super) money_in_wan: bool,
    pub(super) money_toggle: String,
    pub(super) page_no: i64,
    pub(super) pages: i64,
    pub(super) prev_href: String,
    pub(super) next_href: String,
    pub(super) year: String,
    pub(super) cumulative: bool,
    pub(super) indicator: String,
    pub(super) search: String,
    pub(super) regions: Vec<Opt>,
    pub(super) sources: Vec<Opt>,
    pub(super) choices: Vec<ChoiceFilter>,
    pub(super) breakdown: Option<Breakdown>,
    pub(super) can_write: bool,
    /// What the last import did, when the list is shown after one.
    pub(super) notice: String,
    /// The list's query, for the export links.
    pub(super) query: String,
}

/// One currency behind a list's money, in words: rows, the amount as
/// given, the yuan it counts, and what waits for a rate.
fn currency_line(c: &twinaid_app::CurrencySum, lang: Lang) -> String {
    let amount = twinaid_domain::money::format_cents;
    let waiting = match (c.unconverted, lang) {
        (0, _) => String::new(),
        (n, Lang::Zh) => format!("，其中 {n} 笔待录入汇率、暂不计入"),
        (n, Lang::En) => format!(", {n} waiting for a rate and not counted yet"),
    };
    match lang {
        Lang::Zh => format!(
            "{} {} 笔，原币 {}，折合 {} 元{waiting}",
            c.currency,
            c.rows,
            amount(c.original),
            amount(c.yuan)
        ),
        Lang::En => format!(
            "{} {} rows, {} as given, {} yuan{waiting}",
            c.currency,
            c.rows,
            amount(c.original),
            amount(c.yuan)
        ),
    }
}

/// Unit and place names of a program, to show codes as people know them.
pub(crate) struct Names {
    pub(super) units: HashMap<String, String>,
    pub(super) places: BTreeMap<String, (String, String)>,
    /// Money shown in 万元 (Chinese lists), not yuan.
    pub(super) wan: bool,
    /// The installation's added choice values, named like built-in ones.
    catalog: Catalog,
}

impl Names {
    pub(crate) async fn load(
        state: &AppState,
        user: &SignedIn,
        program: &str,
        year: i32,
    ) -> Result<Names, WebError> {
        let lang = user.lang;
        let units = state
            .app
            .units(&user.actor, program)
            .await?
            .into_iter()
            .map(|u| (u.code.clone(), u.name(lang).to_string()))
            .collect();
        let places = state.app.place_names(&user.actor, program, year).await?;
        Ok(Names {
            units,
            places,
            wan: false,
            catalog: state.app.catalog().await?,
        })
    }

    /// A kind's fields, each choice list with the installation's added values.
    pub(crate) fn fields(&self, kind: RecordKind) -> Vec<FieldSpec> {
        self.catalog.fields(kind)
    }

    /// Adds the names of regions anywhere in the country that records
    /// name (a labour transfer's destination), as in `year`.
    async fn with_regions(
        mut self,
        state: &AppState,
        user: &SignedIn,
        codes: Vec<String>,
        year: i32,
    ) -> Result<Names, WebError> {
        let codes: Vec<String> = codes
            .into_iter()
            .filter(|c| !self.places.contains_key(c))
            .collect();
        if !codes.is_empty() {
            let named = state.app.region_names(&user.actor, codes, year).await?;
            self.places.extend(named);
        }
        Ok(self)
    }

    /// A unit's or a place's name, when the code is one.
    pub(crate) fn name_of(&self, code: &str, lang: Lang) -> Option<String> {
        self.units.get(code).cloned().or_else(|| {
            self.places
                .get(code)
                .map(|(zh, en)| lang.pick(zh, en).to_string())
        })
    }

    /// A cell with units and helped places by name.
    pub(crate) fn display(&self, spec: &FieldSpec, value: &FieldValue, lang: Lang) -> String {
        let text = cell(spec, value, lang);
        match spec.ty {
            // A value the installation added, given a spec without it (the
            // audit log's, the kind's own), shown by its name as a built-in one is.
            FieldType::Choice(list) if !list.iter().any(|c| Some(c.code) == value.as_text()) => {
                let mut added =
                    self.catalog.choices().iter().filter(|c| {
                        c.field == spec.name && Some(c.code.as_str()) == value.as_text()
                    });
                match (added.next(), added.next()) {
                    // Only when one kind's list has it: a field name two kinds share is no guide.
                    (Some(c), None) => lang.pick(&c.name_zh, &c.name_en).to_string(),
                    _ => text,
                }
            }
            FieldType::HelperUnit | FieldType::HelpedUnit => {
                self.units.get(&text).cloned().unwrap_or(text)
            }
            FieldType::Money | FieldType::SignedMoney if self.wan => match value {
                FieldValue::Int(fen) => figure(*fen, twinaid_domain::UnitOfMeasure::Yuan, Lang::Zh),
                _ => text,
            },
            FieldType::HelpedRegion | FieldType::Region => match self.places.get(&text) {
                Some((zh, en)) => format!("{} {text}", lang.pick(zh, en)),
                None => text,
            },
            _ => text,
        }
    }
}

/// Parses the list's query string; `f.FIELD=value` are field filters.
pub(super) fn list_request(params: &[(String, String)]) -> (ListRequest, Option<String>) {
    let mut r = ListRequest {
        page: 1,
        per_page: 50,
        ..ListRequest::default()
    };
    let mut program = None;
    for (k, v) in params {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "program" => program = Some(v.to_string()),
            "year" => r.year = v.parse().ok(),
            "cumulative" => r.cumulative = v == "1" || v == "true",
            "region" => r.region = Some(v.to_string()),
            "source" => r.source = Some(v.to_string()),
            "indicator" => r.indicator = Some(v.to_string()),
            "standing" => r.standing = twinaid_domain::lifecycle::Standing::parse(v),
            "q" => r.search = Some(v.to_string()),
            "sort" => r.sort = Some(v.to_string()),
            "desc" => r.descending = v == "1",
            "page" => r.page = v.parse().unwrap_or(1),
            "per_page" => r.per_page = v.parse().unwrap_or(50),
            _ => {
                if let Some(field) = k.strip_prefix("f.") {
                    r.filters.push((field.to_string(), v.to_string()));
                }
            }
        }
    }
    (r, program)
}

pub(super) fn query_string(params: &[(String, String)], replace: &[(&str, String)]) -> String {
    let mut out: Vec<String> = params
        .iter()
        .filter(|(k, _)| !replace.iter().any(|(r, _)| r == k))
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect();
    out.extend(
        replace
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", url_encode(v))),
    );
    out.join("&")
}

/// The list of a kind (and, with `indicator`, the drill-down of a figure).
pub async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    uri: Uri,
    Path(kind): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::list(&state, &user, &kind, params).await;
    };
    let (request, program) = list_request(&params);
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program,
            year: request.year,
        },
    )
    .await?;
    let make = make_list(&state, &user, kind, params, request, program.clone(), year);
    kept_page(&state, &user, &program, year, &uri, make).await
}

/// The list page itself.
async fn make_list(
    state: &AppState,
    user: &SignedIn,
    kind: RecordKind,
    params: Vec<(String, String)>,
    request: ListRequest,
    program: String,
    year: i32,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let app = &state.app;
    let page = app
        .list_records(&user.actor, &program, kind, &request)
        .await?;
    let fields: Vec<FieldSpec> = app
        .catalog()
        .await?
        .fields(kind)
        .into_iter()
        .filter(|f| f.name != "note")
        .collect();
    let sorted_by = request.sort.clone().unwrap_or_default();
    // Chinese lists show money in 万元, as officials read it; `unit=yuan` shows yuan.
    let money_in_wan = lang == Lang::Zh && !params.iter().any(|(k, v)| k == "unit" && v == "yuan");
    let columns: Vec<Column> = fields
        .iter()
        .map(|f| {
            let desc = if sorted_by == f.name && !request.descending {
                "1"
            } else {
                ""
            };
            Column {
                label: if money_in_wan && matches!(f.ty, FieldType::Money | FieldType::SignedMoney)
                {
                    label(f, lang).replace("（元）", "（万元）")
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
                numeric: matches!(
                    f.ty,
                    FieldType::Money
                        | FieldType::SignedMoney
                        | FieldType::Foreign
                        | FieldType::Km
                        | FieldType::Count
                ),
            }
        })
        .collect();
    let wide: Vec<String> = page
        .records
        .iter()
        .flat_map(|r| {
            fields
                .iter()
                .filter(|f| f.ty == FieldType::Region)
                .filter_map(|f| r.get(f.name).as_text().map(str::to_string))
        })
        .collect();
    let mut names = Names::load(state, user, &program, year)
        .await?
        .with_regions(state, user, wide, year)
        .await?;
    names.wan = money_in_wan;
    let names = names;
    let places = &names.places;
    let display = |spec: &FieldSpec, v: &FieldValue| names.display(spec, v, lang);
    let numeric = |f: &FieldSpec| {
        matches!(
            f.ty,
            FieldType::Money
                | FieldType::SignedMoney
                | FieldType::Foreign
                | FieldType::Km
                | FieldType::Count
        )
    };
    let rows = page
        .records
        .iter()
        .map(|r| {
            let cells = fields
                .iter()
                .zip(&columns)
                .map(|(f, c)| ListCell {
                    text: display(f, r.get(f.name)),
                    numeric: numeric(f),
                    label: c.label.clone(),
                    title: f.name == lang.pick("name_zh", "name_en")
                        || f.name == lang.pick("title_zh", "title_en"),
                })
                .collect();
            (
                format!(
                    "/records/{}/{}?program={}",
                    kind.code(),
                    url_encode(r.code()),
                    url_encode(&program)
                ),
                cells,
            )
        })
        .collect();
    let totals = fields
        .iter()
        .map(|f| match page.sums.iter().find(|(n, _)| *n == f.name) {
            Some((_, sum)) => display(f, &FieldValue::Int(*sum)),
            None => String::new(),
        })
        .zip(&columns)
        .map(|(v, c)| (v, c.label.clone()))
        .collect();
    let currencies = page
        .by_currency
        .iter()
        .map(|c| currency_line(c, lang))
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
    let mut regions = vec![Opt {
        value: String::new(),
        label: crate::i18n::Tr { lang }.s("all").into(),
        selected: request.region.is_none(),
    }];
    regions.extend(places.iter().map(|(code, (zh, en))| Opt {
        value: code.clone(),
        label: format!("{} {code}", lang.pick(zh, en)),
        selected: request.region.as_deref() == Some(code),
    }));
    regions.push(Opt {
        value: UNALLOCATED.into(),
        label: crate::i18n::Tr { lang }.s("unallocated").into(),
        selected: request.region.as_deref() == Some(UNALLOCATED),
    });
    let mut sources = vec![Opt {
        value: String::new(),
        label: crate::i18n::Tr { lang }.s("all").into(),
        selected: request.source.is_none(),
    }];
    sources.extend(SourceKind::ALL.iter().map(|s| Opt {
        value: s.code().into(),
        label: s.name(lang).into(),
        selected: request.source.as_deref() == Some(s.code()),
    }));
    let choices = app
        .catalog()
        .await?
        .fields(kind)
        .iter()
        .filter_map(|f| match f.ty {
            FieldType::Choice(cs) => {
                let current = request
                    .filters
                    .iter()
                    .find(|(n, _)| n == f.name)
                    .map(|(_, v)| v.clone());
                let mut options = vec![Opt {
                    value: String::new(),
                    label: crate::i18n::Tr { lang }.s("all").into(),
                    selected: current.is_none(),
                }];
                options.extend(cs.iter().map(|c| Opt {
                    value: c.code.into(),
                    label: lang.pick(c.zh, c.en).into(),
                    selected: current.as_deref() == Some(c.code),
                }));
                Some(ChoiceFilter {
                    name: format!("f.{}", f.name),
                    label: label(f, lang).into(),
                    options,
                })
            }
            _ => None,
        })
        .collect();
    let breakdown = match &request.indicator {
        None => None,
        Some(_) => {
            let d = app.drill_down(&user.actor, &program, &request).await?;
            let unit = d.definition.unit;
            let fig = |raw: i64| figure(raw, unit, lang);
            let period = if request.cumulative {
                lang.pick("累计至", "to end of ").to_string() + &year.to_string()
            } else {
                year.to_string()
            };
            let mut title = format!("{} · {period}", d.definition.name(lang));
            if let Some(r) = &request.region {
                let name = places
                    .get(r)
                    .map_or(r.clone(), |(zh, en)| lang.pick(zh, en).to_string());
                title.push_str(&format!(" · {name}"));
            }
            if let Some(s) = request.source.as_deref().and_then(SourceKind::parse) {
                title.push_str(&format!(" · {}", s.name(lang)));
            }
            Some(Breakdown {
                title,
                unit: figure_unit(unit, lang).to_string(),
                total: fig(d.total()),
                from_records: fig(d.from_records),
                from_aggregates: fig(d.from_aggregates),
                reads_records: d.parts.iter().any(|(k, _)| *k == kind),
                pending: if d.pending == 0 {
                    String::new()
                } else {
                    fig(d.pending)
                },
                pending_href: d.pending_parts.first().map_or(String::new(), |(k, _)| {
                    format!(
                        "/records/{}?{}",
                        k.code(),
                        query_string(
                            &params,
                            &[("page", String::new()), ("standing", "pending".to_string())]
                        )
                    )
                }),
                showing_pending: request.standing
                    == Some(twinaid_domain::lifecycle::Standing::Pending),
                counted_href: format!(
                    "/records/{}?{}",
                    kind.code(),
                    query_string(
                        &params,
                        &[("page", String::new()), ("standing", String::new())]
                    )
                ),
                // Each kind's share of what the list below shows: the
                // counted records, or those awaiting verification.
                parts: if request.standing == Some(twinaid_domain::lifecycle::Standing::Pending) {
                    &d.pending_parts
                } else {
                    &d.parts
                }
                .iter()
                .map(|(k, v)| {
                    let href = format!(
                        "/records/{}?{}",
                        k.code(),
                        query_string(&params, &[("page", String::new())])
                    );
                    (k.name(lang).to_string(), fig(*v), href)
                })
                .collect(),
                aggregates: d
                    .aggregates
                    .iter()
                    .map(|a| {
                        let span = if a.year_from == a.year_to {
                            a.year_from.to_string()
                        } else {
                            format!("{}–{}", a.year_from, a.year_to)
                        };
                        let place = a.region_code.clone().unwrap_or_default();
                        (
                            span,
                            place,
                            fig(a.value),
                            a.note.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
        }
    };
    let here = format!("/records/{}?{}", kind.code(), query_string(&params, &[]));
    let list = ListPage {
        page: Page::new(user, kind.name(lang), &here, &program, year)
            .with_added_kinds(app.catalog().await?.custom_kinds()),
        kind: kind.code().to_string(),
        columns,
        rows,
        totals,
        currencies,
        total_rows: page.total_rows,
        money_in_wan,
        money_toggle: if lang == Lang::Zh
            && fields
                .iter()
                .any(|f| matches!(f.ty, FieldType::Money | FieldType::SignedMoney))
        {
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
        can_write: app.permissions(&user.actor, &program).adds(kind),
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

/// A project's place in its lifecycle, for the detail page.
pub struct StepsView {
    pub status: String,
    /// (status code, button label, needs a reason)
    pub next: Vec<(String, String, bool)>,
    /// (passed, blocking, message)
    pub checks: Vec<(bool, bool, String)>,
    /// (when, who, from, to, reason)
    pub history: Vec<(String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "detail.html")]
pub(super) struct DetailPage {
    pub(super) page: Page,
    pub(super) steps: Option<StepsView>,
    pub(super) step_error: String,
    pub(super) kind: String,
    pub(super) code: String,
    pub(super) fields: Vec<(String, String)>,
    pub(super) illustrative: bool,
    /// What the app lets this actor do to the record (it is one they see).
    pub(super) can_edit: bool,
    pub(super) can_delete: bool,
    pub(super) saved: bool,
    pub(super) history: Vec<HistoryRow>,
}

/// One event of the record's history, as people read it.
pub(super) struct HistoryRow {
    pub(super) at: String,
    pub(super) who: String,
    pub(super) action: String,
    pub(super) changes: Vec<crate::history::Change>,
}

#[derive(serde::Deserialize, Default)]
pub struct DetailQuery {
    pub(super) program: Option<String>,
    pub(super) saved: Option<String>,
    step_error: Option<String>,
}

/// A record's history from the audit log as people read it, with the
/// display names of who acted (by login).
pub(super) async fn history(
    state: &AppState,
    user: &SignedIn,
    program: &str,
    entity: &str,
    key: &str,
    names: &Names,
) -> Result<(Vec<HistoryRow>, HashMap<String, String>), WebError> {
    let lang = user.lang;
    let events = state.app.history(&user.actor, program, entity, key).await?;
    let mut logins: Vec<String> = events.iter().map(|e| e.actor.clone()).collect();
    logins.sort_unstable();
    logins.dedup();
    let who = state
        .app
        .display_names(&user.actor, program, &logins)
        .await?;
    let tr = crate::i18n::Tr { lang };
    let show = |spec: &FieldSpec, v: &FieldValue| names.display(spec, v, lang);
    let rows = events
        .into_iter()
        .map(|e| HistoryRow {
            at: crate::view::local_time(&e.at, state.time_zone),
            who: crate::history::actor_name(&e.actor, &e.action, &who, tr),
            action: crate::history::action_name(&e.action, tr),
            changes: crate::history::changes(
                &e.entity,
                e.before_json.as_deref(),
                e.after_json.as_deref(),
                lang,
                &show,
                &who,
            ),
        })
        .collect();
    Ok((rows, who))
}

/// One record.
pub async fn detail(
    State(state): State<AppState>,
    user: SignedIn,
    Path((kind, code)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::detail(&state, &user, &kind, &code, q).await;
    };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: None,
        },
    )
    .await?;
    let record = state.app.record(&user.actor, &program, kind, &code).await?;
    let names = Names::load(&state, &user, &program, year).await?;
    let fields = names
        .fields(kind)
        .iter()
        .map(|f| {
            (
                label(f, lang).to_string(),
                names.display(f, record.get(f.name), lang),
            )
        })
        .collect();
    let (history, who) = history(&state, &user, &program, kind.code(), &code, &names).await?;
    let tr = crate::i18n::Tr { lang };
    let here = format!(
        "/records/{}/{}?program={}",
        kind.code(),
        url_encode(&code),
        url_encode(&program)
    );
    let steps = if kind == RecordKind::Project {
        let st = state
            .app
            .project_steps(&user.actor, &program, &code)
            .await?;
        let name = |code: &str| {
            twinaid_domain::record::PROJECT_STATUSES
                .iter()
                .find(|c| c.code == code)
                .map_or(code.to_string(), |c| lang.pick(c.zh, c.en).to_string())
        };
        Some(StepsView {
            status: name(st.status.code()),
            next: st
                .next
                .iter()
                .map(|s| {
                    (
                        s.code().to_string(),
                        s.step_name(lang).to_string(),
                        s.needs_reason(),
                    )
                })
                .collect(),
            checks: st
                .checks
                .iter()
                .map(|c| (c.passed, c.blocking, c.message(lang)))
                .collect(),
            history: st
                .history
                .into_iter()
                .map(|t| {
                    (
                        crate::view::local_time(&t.at, state.time_zone),
                        crate::history::actor_name(&t.actor, "transition", &who, tr),
                        name(&t.from_status),
                        name(&t.to_status),
                        t.reason.unwrap_or_default(),
                    )
                })
                .collect(),
        })
    } else {
        None
    };
    let perms = state.app.permissions(&user.actor, &program);
    let page = DetailPage {
        steps,
        step_error: q.step_error.clone().unwrap_or_default(),
        page: Page::new(
            &user,
            &detail_title(kind, &record, &code, lang),
            &here,
            &program,
            year,
        ),
        kind: kind.code().into(),
        code: code.clone(),
        fields,
        illustrative: record.get("illustrative").as_int() == Some(1),
        can_edit: perms.edits(kind),
        can_delete: perms.deletes(kind),
        saved: q.saved.is_some(),
        history,
    };
    Ok(render(&page, lang))
}

/// One input of a form.
pub struct Input {
    pub name: String,
    pub label: String,
    pub value: String,
    pub required: bool,
    pub readonly: bool,
    /// `select`, `picker` (typed, with suggestions), `date`, `textarea` or `text`.
    pub widget: String,
    pub options: Vec<Opt>,
    pub error: String,
    /// One line under the field saying what goes there.
    pub help: String,
    pub placeholder: String,
    /// A read-only field's value as shown (a choice by its name).
    pub shown: String,
}

#[derive(Template)]
#[template(path = "form.html")]
pub(super) struct FormPage {
    pub(super) page: Page,
    pub(super) action: String,
    pub(super) inputs: Vec<Input>,
    pub(super) error: String,
    pub(super) cancel: String,
    /// Said before saving: what the save will do to the project's standing.
    pub(super) notice: String,
}

impl FormPage {
    /// The fields in error, for the summary above the form.
    fn in_error(&self) -> Vec<&Input> {
        self.inputs.iter().filter(|i| !i.error.is_empty()).collect()
    }
}

/// A select's options: the empty choice unless one must be chosen from a
/// single option, then the options; a stored value outside them is kept,
/// shown as it is.
pub(super) fn select_options(
    value: &str,
    required: bool,
    choices: impl IntoIterator<Item = (String, String)>,
) -> Vec<Opt> {
    let mut opts: Vec<Opt> = choices
        .into_iter()
        .map(|(code, label)| Opt {
            selected: value == code,
            value: code,
            label,
        })
        .collect();
    if !value.is_empty() && !opts.iter().any(|o| o.selected) {
        opts.push(Opt {
            value: value.to_string(),
            label: value.to_string(),
            selected: true,
        });
    }
    if opts.len() == 1 && required {
        if let Some(o) = opts.first_mut() {
            o.selected = true;
        }
    } else {
        opts.insert(
            0,
            Opt {
                value: String::new(),
                label: "—".into(),
                selected: value.is_empty(),
            },
        );
    }
    opts
}

/// A form's inputs for `fields`, each with its help line from `help`.
pub(super) fn inputs(
    fields: &[FieldSpec],
    help: &dyn Fn(&str) -> String,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    pickers: &BTreeMap<&'static str, twinaid_app::Picker>,
    editing: Option<&[&'static str]>,
    lang: Lang,
) -> Vec<Input> {
    fields
        .iter()
        // A status moves only by the lifecycle's steps on the record's page.
        .filter(|f| f.name != "status")
        .map(|f| {
            let value = values.get(f.name).cloned().unwrap_or_default();
            let named = |p: &twinaid_app::PickOption| {
                (p.code.clone(), format!("{} {}", p.name(lang), p.code))
            };
            let (widget, options) = match (f.ty, pickers.get(f.name)) {
                (_, Some(p)) if p.open => (
                    "picker",
                    p.options
                        .iter()
                        .map(named)
                        .map(|(value, label)| Opt {
                            value,
                            label,
                            selected: false,
                        })
                        .collect(),
                ),
                (_, Some(p)) => (
                    "select",
                    select_options(&value, f.required, p.options.iter().map(named)),
                ),
                (FieldType::Choice(cs), _) => (
                    "select",
                    select_options(
                        &value,
                        false,
                        cs.iter()
                            .map(|c| (c.code.to_string(), lang.pick(c.zh, c.en).to_string())),
                    ),
                ),
                (FieldType::Flag, _) => {
                    let yes = matches!(value.as_str(), "yes" | "1" | "true" | "是");
                    (
                        "select",
                        vec![
                            Opt {
                                value: "no".into(),
                                label: lang.pick("否", "no").into(),
                                selected: !yes,
                            },
                            Opt {
                                value: "yes".into(),
                                label: lang.pick("是", "yes").into(),
                                selected: yes,
                            },
                        ],
                    )
                }
                (FieldType::Date, _) => ("date", Vec::new()),
                _ if f.name == "note" => ("textarea", Vec::new()),
                _ => ("text", Vec::new()),
            };
            let made = f.name == "code" && editing.is_none();
            // On an edit the code stays, and a role that may change only
            // some fields sees the others as they are.
            let readonly = editing.is_some_and(|only| {
                f.name == "code" || (!only.is_empty() && !only.contains(&f.name))
            });
            let shown = if readonly {
                match options.iter().find(|o| o.selected) {
                    Some(o) => o.label.clone(),
                    None if f.ty.is_integer() && f.ty != FieldType::ProgramYear => {
                        twinaid_domain::money::group_thousands(&value)
                    }
                    None => value.clone(),
                }
            } else {
                String::new()
            };
            Input {
                name: f.name.into(),
                label: crate::view::capitalized(label(f, lang)),
                value,
                // A new record's code is made when none is typed.
                required: f.required && !made,
                readonly,
                shown,
                widget: widget.into(),
                options,
                error: errors.get(f.name).cloned().unwrap_or_default(),
                help: help(f.name),
                placeholder: if made {
                    crate::i18n::Tr { lang }.s("code_made").into()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The written form of a stored record, for an edit form.
fn written(record: &Record, fields: &[FieldSpec]) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|f| (f.name.to_string(), f.write(record.get(f.name))))
        .collect()
}

/// What a form shows: the values typed and the problems found.
struct Filled<'a> {
    values: &'a BTreeMap<String, String>,
    errors: &'a BTreeMap<String, String>,
    general: String,
    pickers: &'a BTreeMap<&'static str, twinaid_app::Picker>,
    /// The only fields the user may change (empty: all).
    edits_only: &'a [&'static str],
    /// The installation's added fields and choice values.
    catalog: &'a Catalog,
}

fn form_page(
    user: &SignedIn,
    program: &str,
    year: i32,
    kind: RecordKind,
    code: Option<&str>,
    filled: Filled<'_>,
    terms: twinaid_app::EditTerms,
) -> FormPage {
    let lang = user.lang;
    let (title, action, cancel) = match code {
        Some(c) => (
            format!("{} · {c}", crate::i18n::Tr { lang }.s("edit")),
            format!(
                "/records/{}/{}?program={}",
                kind.code(),
                url_encode(c),
                url_encode(program)
            ),
            format!(
                "/records/{}/{}?program={}",
                kind.code(),
                url_encode(c),
                url_encode(program)
            ),
        ),
        None => (
            format!(
                "{} · {}",
                crate::i18n::Tr { lang }.s("new_record"),
                kind.name(lang)
            ),
            format!("/records/{}?program={}", kind.code(), url_encode(program)),
            format!("/records/{}?program={}", kind.code(), url_encode(program)),
        ),
    };
    FormPage {
        page: Page::new(user, &title, &action, program, year),
        action,
        inputs: {
            let mut list = inputs(
                &filled.catalog.fields(kind),
                &|name| filled.catalog.help(kind, name, lang),
                filled.values,
                filled.errors,
                filled.pickers,
                code.map(|_| filled.edits_only),
                lang,
            );
            let reason = |name: &str| Input {
                name: name.into(),
                label: crate::i18n::Tr { lang }.s(name).into(),
                value: filled.values.get(name).cloned().unwrap_or_default(),
                required: false,
                readonly: false,
                widget: "text".into(),
                options: Vec::new(),
                error: filled.errors.get(name).cloned().unwrap_or_default(),
                help: String::new(),
                placeholder: String::new(),
                shown: String::new(),
            };
            if code.is_some() {
                // Only needed, and then required, for a year whose assessment is published.
                list.push(reason("correction_reason"));
            }
            // Only needed, and then required, for work outside the pairings.
            if terms.asks_unpaired_reason {
                list.push(reason("unpaired_reason"));
            }
            list
        },
        error: filled.general,
        cancel,
        notice: if terms.steps_back_if_moved {
            crate::i18n::Tr { lang }.s("step_back_notice").to_string()
        } else {
            String::new()
        },
    }
}

/// The empty form for a new record.
pub async fn new_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::new_form(&state, &user, &kind, &scope).await;
    };
    let (program, year) = resolve(&state, &user, &scope).await?;
    let perms = state.app.permissions(&user.actor, &program);
    // A form that could only be refused on saving is not offered.
    if !perms.adds(kind) {
        return Err(WebError::from_app(
            twinaid_app::AppError::Forbidden,
            user.lang,
        ));
    }
    let terms = state
        .app
        .edit_terms(&user.actor, &program, kind, None)
        .await?;
    let mut values = BTreeMap::new();
    if kind.is_yearly() {
        values.insert("year".to_string(), year.to_string());
    }
    if let Some(unit) = perms.own_unit {
        values.insert("helper_unit".to_string(), unit);
    }
    if let (Some(county), Some(_)) = (perms.own_county, kind.field("region_code")) {
        values.insert("region_code".to_string(), county);
    }
    let pickers = state.app.pickers(&user.actor, &program, kind, year).await?;
    let page = form_page(
        &user,
        &program,
        year,
        kind,
        None,
        Filled {
            values: &values,
            errors: &BTreeMap::new(),
            general: String::new(),
            pickers: &pickers,
            edits_only: &[],
            catalog: &state.app.catalog().await?,
        },
        terms,
    );
    Ok(render(&page, user.lang))
}

/// The form to edit a record.
pub async fn edit_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path((kind, code)): Path<(String, String)>,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::edit_form(&state, &user, &kind, &code, &scope).await;
    };
    let (program, year) = resolve(&state, &user, &scope).await?;
    let record = state
        .app
        .record_to_edit(&user.actor, &program, kind, &code)
        .await?;
    let terms = state
        .app
        .edit_terms(&user.actor, &program, kind, Some(&code))
        .await?;
    let pickers = state
        .app
        .pickers(&user.actor, &program, kind, record.year().unwrap_or(year))
        .await?;
    let edits_only = state.app.permissions(&user.actor, &program).edits_only;
    let page = form_page(
        &user,
        &program,
        year,
        kind,
        Some(&code),
        Filled {
            values: &written(&record, &state.app.catalog().await?.fields(kind)),
            errors: &BTreeMap::new(),
            general: String::new(),
            pickers: &pickers,
            edits_only: &edits_only,
            catalog: &state.app.catalog().await?,
        },
        terms,
    );
    Ok(render(&page, user.lang))
}

/// Saves a form, or shows it again with each problem next to its field.
async fn save(
    state: AppState,
    user: SignedIn,
    kind: RecordKind,
    scope: Scope,
    code: Option<String>,
    form: HashMap<String, String>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let lang = user.lang;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let values: BTreeMap<String, String> = form.into_iter().filter(|(k, _)| k != "csrf").collect();
    match state
        .app
        .save_record(&user.actor, &program, kind, &values, code.as_deref())
        .await
    {
        Ok(record) => Ok(Redirect::to(&format!(
            "/records/{}/{}?program={}&saved=1",
            kind.code(),
            url_encode(record.code()),
            url_encode(&program)
        ))
        .into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Field(..))) => {
            let mut errors = BTreeMap::new();
            let mut general = Vec::new();
            match &e {
                AppError::Field(field, error) => {
                    errors.insert(field.to_string(), field_message(kind, field, error, lang));
                }
                AppError::Invalid(problems) => {
                    for p in problems {
                        match &p.location.column {
                            Some(c) if kind.field(c).is_some() => {
                                errors
                                    .entry(c.clone())
                                    .or_insert_with(|| field_message(kind, c, &p.error, lang));
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
            let terms = state
                .app
                .edit_terms(&user.actor, &program, kind, code.as_deref())
                .await
                .unwrap_or_default();
            let typed_year = values
                .get("year")
                .and_then(|y| twinaid_domain::record::parse_year(y).ok())
                .unwrap_or(year);
            let pickers = state
                .app
                .pickers(&user.actor, &program, kind, typed_year)
                .await
                .unwrap_or_default();
            let page = form_page(
                &user,
                &program,
                year,
                kind,
                code.as_deref(),
                Filled {
                    values: &values,
                    errors: &errors,
                    general: message,
                    pickers: &pickers,
                    edits_only: &state.app.permissions(&user.actor, &program).edits_only,
                    catalog: &state.app.catalog().await?,
                },
                terms,
            );
            let mut response = render(&page, lang);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(WebError::from_app(e, lang)),
    }
}

/// A field's error as its form says it: a list left unchosen asks to choose.
fn field_message(
    kind: RecordKind,
    field: &str,
    error: &twinaid_domain::DomainError,
    lang: Lang,
) -> String {
    field_message_for(kind.field(field), error, lang)
}

/// A field's error as its form says it, the field's spec given.
pub(super) fn field_message_for(
    spec: Option<FieldSpec>,
    error: &twinaid_domain::DomainError,
    lang: Lang,
) -> String {
    let chosen = spec.is_some_and(|f| {
        matches!(
            f.ty,
            FieldType::Choice(_)
                | FieldType::HelperUnit
                | FieldType::HelpedUnit
                | FieldType::HelpedRegion
                | FieldType::Region
                | FieldType::Ref(_)
        )
    });
    match error {
        twinaid_domain::DomainError::Required if chosen => {
            crate::i18n::Tr { lang }.s("required_choice").to_string()
        }
        e => e.message(lang),
    }
}

/// Creates a record from the form.
pub async fn create(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::save(&state, &user, &kind, &scope, None, form).await;
    };
    save(state, user, kind, scope, None, form).await
}

/// Updates a record from the form.
pub async fn update(
    State(state): State<AppState>,
    user: SignedIn,
    Path((kind, code)): Path<(String, String)>,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::save(&state, &user, &kind, &scope, Some(&code), form).await;
    };
    save(state, user, kind, scope, Some(code), form).await
}

/// Deletes a record.
pub async fn delete(
    State(state): State<AppState>,
    user: SignedIn,
    Path((kind, code)): Path<(String, String)>,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let Some(kind) = RecordKind::parse(&kind) else {
        return super::custom_records::delete(&state, &user, &kind, &code, &scope).await;
    };
    let (program, _) = resolve(&state, &user, &scope).await?;
    state
        .app
        .delete_record(&user.actor, &program, kind, &code)
        .await?;
    Ok(Redirect::to(&format!(
        "/records/{}?program={}",
        kind.code(),
        url_encode(&program)
    ))
    .into_response())
}

/// Takes one step of a project's life from the buttons on its page.
pub async fn step(
    State(state): State<AppState>,
    user: SignedIn,
    Path(code): Path<String>,
    Query(scope): Query<Scope>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.check_csrf(form.get("csrf"))?;
    let (program, _) = resolve(&state, &user, &scope).await?;
    let to = form.get("to").map(String::as_str).unwrap_or_default();
    let reason = form.get("reason").map(String::as_str).unwrap_or_default();
    let back = format!(
        "/records/project/{}?program={}",
        url_encode(&code),
        url_encode(&program)
    );
    match state
        .app
        .move_project(&user.actor, &program, &code, to, reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{back}&saved=1")).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Field(..))) => Ok(Redirect::to(&format!(
            "{back}&step_error={}",
            url_encode(&e.message(user.lang))
        ))
        .into_response()),
        Err(e) => Err(WebError::from_app(e, user.lang)),
    }
}

/// A list export's title: the kind and its filters as a reader says them
/// (2009年 · 青川县 · 累计 · 项目类别：学校), not as the address holds them.
fn list_title(kind: RecordKind, params: &[(String, String)], names: &Names, lang: Lang) -> String {
    let mut parts = vec![kind.name(lang).to_string()];
    let given = |key: &str| {
        params
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    if let Some(year) = given("year") {
        parts.push(lang.pick(&format!("{year}年"), &year).to_string());
    }
    if given("cumulative").is_some_and(|c| c == "1" || c == "true") {
        parts.push(lang.pick("累计", "cumulative").to_string());
    }
    if let Some(region) = given("region") {
        parts.push(names.name_of(&region, lang).unwrap_or(region));
    }
    if let Some(source) = given("source") {
        parts.push(names.name_of(&source, lang).unwrap_or(source));
    }
    for (k, v) in params {
        let Some(f) = k
            .strip_prefix("f.")
            .and_then(|name| names.fields(kind).into_iter().find(|f| f.name == name))
        else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let shown = f.parse(Some(v.trim())).map_or_else(
            |_| v.trim().to_string(),
            |value| names.display(&f, &value, lang),
        );
        parts.push(format!(
            "{}{}{shown}",
            label(&f, lang),
            lang.pick("：", ": ")
        ));
    }
    if let Some(q) = given("q") {
        parts.push(
            lang.pick(&format!("含“{q}”"), &format!("with \"{q}\""))
                .to_string(),
        );
    }
    parts.join(" · ")
}

/// A record page's heading: its kind and its name where it has one
/// (帮扶项目：阆中市博树乡大桥), else its code.
fn detail_title(kind: RecordKind, record: &Record, code: &str, lang: Lang) -> String {
    let named = |field: &str| record.get(field).as_text().filter(|t| !t.trim().is_empty());
    let name = [
        lang.pick("name_zh", "name_en"),
        lang.pick("title_zh", "title_en"),
        "name_zh",
        "title_zh",
    ]
    .iter()
    .find_map(|f| named(f));
    match name {
        Some(name) => format!("{}{}{name}", kind.name(lang), lang.pick("：", ": ")),
        None => format!("{} {code}", kind.name(lang)),
    }
}

/// The list with its filters as a spreadsheet: every matching row, numbers as
/// numbers, units in the headers, units and places as codes with their names
/// beside them, the totals row (not in CSV); people masked as on the page.
/// What it writes imports back unchanged.
async fn export(
    state: &AppState,
    user: &SignedIn,
    kind: &str,
    params: &[(String, String)],
    csv: bool,
) -> Result<Response, WebError> {
    use twinaid_exchange::export::{ExportCell, ExportTable};
    let lang = user.lang;
    let Some(kind) = RecordKind::parse(kind) else {
        return super::custom_records::export(state, user, kind, params, csv).await;
    };
    let (mut request, program) = list_request(params);
    request.unpaged = true;
    let (program, year) = resolve(
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
        .list_records(&user.actor, &program, kind, &request)
        .await?;
    let wide: Vec<String> = page
        .records
        .iter()
        .flat_map(|r| {
            kind.fields()
                .into_iter()
                .filter(|f| f.ty == FieldType::Region)
                .filter_map(|f| r.get(f.name).as_text().map(str::to_string))
        })
        .collect();
    let names = Names::load(state, user, &program, year)
        .await?
        .with_regions(state, user, wide, year)
        .await?;
    let fields = names.fields(kind);
    let number = |f: &FieldSpec, raw: i64| -> ExportCell {
        match f.ty {
            FieldType::Money | FieldType::SignedMoney | FieldType::Foreign => {
                ExportCell::Number(raw as f64 / 100.0, "#,##0.00")
            }
            FieldType::Km => ExportCell::Number(raw as f64 / 1000.0, "#,##0.000"),
            FieldType::Count => ExportCell::Number(raw as f64, "#,##0"),
            FieldType::Degrees(_) => ExportCell::Number(raw as f64 / 1_000_000.0, "0.000000"),
            _ => ExportCell::Number(raw as f64, "0"),
        }
    };
    // A unit or a place is written as its code, its name in a column beside
    // it that the importer reads past: the list imports back as it is.
    let named = |f: &FieldSpec| {
        matches!(
            f.ty,
            FieldType::HelperUnit
                | FieldType::HelpedUnit
                | FieldType::HelpedRegion
                | FieldType::Region
        )
    };
    let rows = page
        .records
        .iter()
        .map(|r| {
            let mut cells = Vec::with_capacity(fields.len() + 4);
            for f in &fields {
                let value = r.get(f.name);
                cells.push(match (f.ty, value) {
                    (_, FieldValue::Null) => ExportCell::Empty,
                    (
                        FieldType::Money
                        | FieldType::SignedMoney
                        | FieldType::Foreign
                        | FieldType::Km
                        | FieldType::Count
                        | FieldType::ProgramYear
                        | FieldType::Degrees(_),
                        FieldValue::Int(i),
                    ) => number(f, *i),
                    (_, v) if named(f) => ExportCell::Text(crate::view::cell(f, v, lang)),
                    (_, v) => ExportCell::Text(names.display(f, v, lang)),
                });
                if named(f) {
                    cells.push(
                        value
                            .as_text()
                            .and_then(|code| names.name_of(code, lang))
                            .map_or(ExportCell::Empty, ExportCell::Text),
                    );
                }
            }
            cells
        })
        .collect();
    let mut header = Vec::with_capacity(fields.len() + 4);
    for f in &fields {
        header.push(match f.ty {
            // The unit a number is in goes with its header, as officials read it.
            FieldType::Money | FieldType::SignedMoney if !f.zh.contains('元') => {
                format!("{}{}", label(f, lang), lang.pick("（元）", " (yuan)"))
            }
            _ => label(f, lang).to_string(),
        });
        if named(f) {
            let suffix = twinaid_exchange::import::NAME_COLUMN[usize::from(lang == Lang::En)];
            header.push(format!("{}{suffix}", label(f, lang)));
        }
    }
    let mut totals: Vec<ExportCell> = Vec::with_capacity(header.len());
    for f in &fields {
        totals.push(match page.sums.iter().find(|(n, _)| *n == f.name) {
            Some((_, sum)) => number(f, *sum),
            None => ExportCell::Empty,
        });
        if named(f) {
            totals.push(ExportCell::Empty);
        }
    }
    if let Some(first) = totals.first_mut() {
        *first = ExportCell::Text(format!(
            "{} {}",
            lang.pick("合计", "Total"),
            page.total_rows
        ));
    }
    let table = ExportTable {
        name: kind.name(lang).to_string(),
        title: list_title(kind, params, &names, lang),
        header,
        rows,
        // A CSV file is data only: it imports back as it is.
        totals: (!csv).then_some(totals),
    };
    let stem = format!("{}-{program}", kind.code());
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

/// The list as .xlsx.
pub async fn export_xlsx(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    export(&state, &user, &kind, &params, false).await
}

/// The list as .csv.
pub async fn export_csv(
    State(state): State<AppState>,
    user: SignedIn,
    Path(kind): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    export(&state, &user, &kind, &params, true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_filters_and_paging_are_read_from_the_query() {
        let params: Vec<(String, String)> = [
            ("program", "zj-sc"),
            ("f.category", "school"),
            ("q", "青 x"),
            ("year", "2009"),
            ("cumulative", "1"),
            ("page", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (r, program) = list_request(&params);
        assert_eq!(program.as_deref(), Some("zj-sc"));
        assert_eq!(
            r.filters,
            vec![("category".to_string(), "school".to_string())]
        );
        assert_eq!(r.search.as_deref(), Some("青 x"));
        assert_eq!((r.year, r.cumulative, r.page), (Some(2009), true, 2));
        assert_eq!(
            query_string(&params[..1], &[("page", "3".into())]),
            "program=zj-sc&page=3"
        );
    }
}
