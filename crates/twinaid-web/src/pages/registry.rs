//! The units of a program and the national region registry, as lists with
//! search, filters, paging and counts.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use twinaid_domain::unit::UnitKind;

/// One option of a filter: value, label, whether selected.
type Choice = (String, String, bool);
/// A filter: its query name, label and options.
type Select = (String, String, Vec<Choice>);

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    page: Page,
    action: String,
    search: String,
    /// (name, label, options of (value, label, selected))
    selects: Vec<Select>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    total: i64,
    page_no: i64,
    pages: i64,
    prev_href: String,
    next_href: String,
}

#[derive(Deserialize, Default)]
pub struct RegistryQuery {
    program: Option<String>,
    q: Option<String>,
    kind: Option<String>,
    side: Option<String>,
    level: Option<String>,
    /// `all` for the whole country; otherwise the program's regions.
    within: Option<String>,
    page: Option<i64>,
}

const PER_PAGE: i64 = 100;

fn pager(base: &str, page: i64, pages: i64) -> (String, String) {
    let link = |p: i64| {
        if (1..=pages).contains(&p) && p != page {
            format!("{base}&page={p}")
        } else {
            String::new()
        }
    };
    (link(page - 1), link(page + 1))
}

/// The units of a program, filtered by kind, side and text.
pub async fn units(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<RegistryQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: None,
        },
    )
    .await?;
    let all = state.app.units(&user.actor, &program).await?;
    let search = q.q.clone().unwrap_or_default().to_lowercase();
    let kind = q.kind.clone().unwrap_or_default();
    let side = q.side.clone().unwrap_or_default();
    let kept: Vec<_> = all
        .iter()
        .filter(|u| kind.is_empty() || u.kind == kind)
        .filter(|u| side.is_empty() || u.side == side)
        .filter(|u| {
            search.is_empty()
                || u.code.to_lowercase().contains(&search)
                || u.name_zh.to_lowercase().contains(&search)
                || u.name_en
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase()
                    .contains(&search)
        })
        .collect();
    let total = kept.len() as i64;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<_> = kept
        .iter()
        .skip(((page_no - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    // Where each unit is, by name.
    let places = state
        .app
        .region_names(
            &user.actor,
            shown.iter().filter_map(|u| u.region_code.clone()).collect(),
            year,
        )
        .await?;
    let rows = shown
        .iter()
        .map(|u| {
            vec![
                u.code.clone(),
                u.name(lang).to_string(),
                UnitKind::parse(&u.kind).map_or(u.kind.clone(), |k| k.name(lang).to_string()),
                if u.side == "helping" {
                    t.s("helper")
                } else {
                    t.s("helped")
                }
                .to_string(),
                match u.region_code.as_deref() {
                    Some(code) => match places.get(code) {
                        Some((zh, en)) => format!("{} {code}", lang.pick(zh, en)),
                        None => code.to_string(),
                    },
                    None => String::new(),
                },
            ]
        })
        .collect();
    let base = format!(
        "/units?program={}&q={}&kind={}&side={}",
        url_encode(&program),
        url_encode(&search),
        url_encode(&kind),
        url_encode(&side)
    );
    let (prev_href, next_href) = pager(&base, page_no, pages);
    let mut kinds = vec![(String::new(), t.s("all").to_string(), kind.is_empty())];
    kinds.extend(UnitKind::ALL.iter().map(|k| {
        (
            k.code().to_string(),
            k.name(lang).to_string(),
            k.code() == kind,
        )
    }));
    let sides = vec![
        (String::new(), t.s("all").to_string(), side.is_empty()),
        (
            "helping".to_string(),
            t.s("helper").to_string(),
            side == "helping",
        ),
        (
            "helped".to_string(),
            t.s("helped").to_string(),
            side == "helped",
        ),
    ];
    let page = RegistryPage {
        page: Page::new(&user, t.s("units"), &base, &program, year),
        action: "/units".into(),
        search: q.q.unwrap_or_default(),
        selects: vec![
            ("kind".into(), t.s("kind").into(), kinds),
            ("side".into(), t.s("side").into(), sides),
        ],
        headers: ["code", "name", "kind", "side", "region"]
            .iter()
            .map(|k| t.s(k).to_string())
            .collect(),
        rows,
        total,
        page_no,
        pages,
        prev_href,
        next_href,
    };
    Ok(render(&page, lang))
}

/// The national region registry.
pub async fn regions(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<RegistryQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: None,
        },
    )
    .await?;
    let level = q.level.clone().unwrap_or_default();
    // A program's office looks for its own counties first; all of China is a choice.
    let within = if q.within.as_deref() == Some("all") {
        "all"
    } else {
        "program"
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let (total, names) = state
        .app
        .regions(
            &user.actor,
            q.q.as_deref(),
            Some(level.as_str()),
            (within == "program").then_some(program.as_str()),
            page_no,
            PER_PAGE,
        )
        .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    // The level above by name, as today's registry names it.
    let parent_codes = names
        .iter()
        .filter_map(|n| n.code.parent().map(|p| p.to_string()))
        .collect();
    let today = chrono::Datelike::year(&chrono::Utc::now());
    let parents = state
        .app
        .region_names(&user.actor, parent_codes, today)
        .await?;
    let rows = names
        .iter()
        .map(|n| {
            let parent = n.code.parent().map(|p| p.to_string()).unwrap_or_default();
            let parent = match parents.get(&parent) {
                Some((zh, en)) => format!("{} {parent}", lang.pick(zh, en)),
                None => parent,
            };
            vec![
                n.code.to_string(),
                n.name(lang).to_string(),
                n.code.level().name(lang).to_string(),
                parent,
            ]
        })
        .collect();
    let search = q.q.unwrap_or_default();
    let base = format!(
        "/regions?program={}&q={}&level={}&within={within}",
        url_encode(&program),
        url_encode(&search),
        url_encode(&level)
    );
    let (prev_href, next_href) = pager(&base, page_no.min(pages), pages);
    let levels = ["", "province", "prefecture", "county"]
        .iter()
        .map(|l| {
            (
                l.to_string(),
                match twinaid_domain::region::RegionLevel::parse(l) {
                    Some(level) => level.name(lang).to_string(),
                    None => t.s("all").to_string(),
                },
                *l == level,
            )
        })
        .collect();
    let scopes = [
        ("program", t.s("regions_of_program")),
        ("all", t.s("regions_all")),
    ]
    .iter()
    .map(|(code, label)| (code.to_string(), label.to_string(), *code == within))
    .collect();
    let page = RegistryPage {
        page: Page::new(&user, t.s("regions"), &base, &program, year),
        action: "/regions".into(),
        search,
        selects: vec![
            ("within".into(), t.s("regions_within").into(), scopes),
            ("level".into(), t.s("level").into(), levels),
        ],
        headers: ["code", "name", "level", "parent"]
            .iter()
            .map(|k| t.s(k).to_string())
            .collect(),
        rows,
        total,
        page_no: page_no.min(pages),
        pages,
        prev_href,
        next_href,
    };
    Ok(render(&page, lang))
}

#[derive(Deserialize, Default)]
pub struct AggregateQueryParams {
    program: Option<String>,
    indicator: Option<String>,
}

/// The aggregate values of a program: figures for years before records were kept.
pub async fn aggregates(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AggregateQueryParams>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program.clone(),
            year: None,
        },
    )
    .await?;
    let indicator = q.indicator.clone().filter(|i| !i.is_empty());
    let defs = state.app.indicators(&user.actor).await?;
    let values = state
        .app
        .aggregate_values(&user.actor, &program, indicator.as_deref())
        .await?;
    let places = state.app.place_names(&user.actor, &program, year).await?;
    let rows: Vec<Vec<String>> = values
        .iter()
        .map(|a| {
            let def = defs.iter().find(|d| d.code == a.indicator);
            let unit = def.map_or(twinaid_domain::UnitOfMeasure::Count, |d| d.unit);
            let span = if a.year_from == a.year_to {
                a.year_from.to_string()
            } else {
                format!("{}–{}", a.year_from, a.year_to)
            };
            let region = a.region_code.clone().map(|r| match places.get(&r) {
                Some((zh, en)) => format!("{} {r}", lang.pick(zh, en)),
                None => r,
            });
            vec![
                def.map_or(a.indicator.clone(), |d| d.name(lang).to_string()),
                span,
                a.helper_unit.clone().unwrap_or_default(),
                region.unwrap_or_default(),
                format!(
                    "{} {}",
                    twinaid_domain::quantity::figure(a.value, unit, lang),
                    twinaid_domain::quantity::figure_unit(unit, lang)
                ),
                a.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut options = vec![(String::new(), t.s("all").to_string(), indicator.is_none())];
    options.extend(defs.iter().map(|d| {
        (
            d.code.clone(),
            d.name(lang).to_string(),
            indicator.as_deref() == Some(d.code.as_str()),
        )
    }));
    let base = format!(
        "/aggregates?program={}&indicator={}",
        url_encode(&program),
        url_encode(indicator.as_deref().unwrap_or_default())
    );
    let page = RegistryPage {
        page: Page::new(&user, t.s("aggregate_values"), &base, &program, year),
        action: "/aggregates".into(),
        search: String::new(),
        selects: vec![("indicator".into(), t.s("indicator").into(), options)],
        headers: ["indicator", "period", "helper", "region", "value", "note"]
            .iter()
            .map(|k| t.s(k).to_string())
            .collect(),
        total: rows.len() as i64,
        rows,
        page_no: 1,
        pages: 1,
        prev_href: String::new(),
        next_href: String::new(),
    };
    Ok(render(&page, lang))
}
