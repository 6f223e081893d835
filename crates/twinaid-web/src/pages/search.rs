//! Search from the header: the program's units, places and named records
//! whose name or code holds the words, each as far as the user may see.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, capitalized, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use twinaid_app::ListRequest;
use twinaid_domain::record::RecordKind;

/// How many hits a group shows; its link opens the whole list.
const SHOWN: i64 = 10;

/// The kinds searched: those that carry names (person-level kinds are not).
const NAMED: [RecordKind; 7] = [
    RecordKind::Project,
    RecordKind::CooperationAgreement,
    RecordKind::IndustrialPark,
    RecordKind::ParkEnterprise,
    RecordKind::Training,
    RecordKind::ExchangeVisit,
    RecordKind::Pairing,
];

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    program: Option<String>,
    year: Option<i32>,
    q: Option<String>,
}

/// One hit: what it is called, its code and where it leads.
pub struct Hit {
    pub name: String,
    pub code: String,
    pub href: String,
}

/// The hits of one kind of thing, with how many there are in all.
pub struct Group {
    pub title: String,
    pub total: i64,
    pub hits: Vec<Hit>,
    /// The whole list of them, when there are more than shown.
    pub more: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Page,
    q: String,
    groups: Vec<Group>,
}

/// The search page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: sq.program.clone(),
            year: sq.year,
        },
    )
    .await?;
    let q = sq.q.unwrap_or_default().trim().to_string();
    let mut groups = Vec::new();
    if !q.is_empty() && state.app.permissions(&user.actor, &program).reads {
        let needle = q.to_lowercase();
        let p = url_encode(&program);
        // Units by name or code.
        let units: Vec<Hit> = state
            .app
            .units(&user.actor, &program)
            .await?
            .into_iter()
            .filter(|u| {
                u.code.to_lowercase().contains(&needle)
                    || u.name_zh.contains(&q)
                    || u.name_en
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&needle))
            })
            .map(|u| Hit {
                href: format!(
                    "/records/project?program={p}&f.helper_unit={}",
                    url_encode(&u.code)
                ),
                name: u.name(lang).to_string(),
                code: u.code,
            })
            .collect();
        groups.push(Group {
            title: t.s("units").to_string(),
            total: i64::try_from(units.len()).unwrap_or(i64::MAX),
            more: String::new(),
            hits: units,
        });
        // The program's own places (the regions page searches the country).
        let (total, places) = state
            .app
            .regions(&user.actor, Some(&q), None, Some(&program), 1, SHOWN)
            .await?;
        groups.push(Group {
            title: t.s("regions").to_string(),
            total,
            more: format!("/regions?program={p}&q={}", url_encode(&q)),
            hits: places
                .into_iter()
                .map(|r| Hit {
                    href: format!("/records/project?program={p}&region={}", r.code),
                    name: r.name(lang).to_string(),
                    code: r.code.to_string(),
                })
                .collect(),
        });
        for kind in NAMED {
            let found = state
                .app
                .list_records(
                    &user.actor,
                    &program,
                    kind,
                    &ListRequest {
                        search: Some(q.clone()),
                        page: 1,
                        per_page: SHOWN,
                        ..ListRequest::default()
                    },
                )
                .await?;
            let text = |r: &twinaid_domain::record::Record, f: &str| {
                r.get(f).as_text().unwrap_or_default().to_string()
            };
            groups.push(Group {
                title: capitalized(kind.name(lang)),
                total: found.total_rows,
                more: format!("/records/{}?program={p}&q={}", kind.code(), url_encode(&q)),
                hits: found
                    .records
                    .iter()
                    .map(|r| {
                        let zh = [
                            text(r, "name_zh"),
                            text(r, "title_zh"),
                            text(r, "enterprise"),
                        ]
                        .into_iter()
                        .find(|n| !n.is_empty())
                        .unwrap_or_default();
                        let en = [text(r, "name_en"), text(r, "title_en")]
                            .into_iter()
                            .find(|n| !n.is_empty())
                            .unwrap_or_else(|| zh.clone());
                        Hit {
                            name: lang.pick(&zh, &en).to_string(),
                            code: r.code().to_string(),
                            href: format!(
                                "/records/{}/{}?program={p}",
                                kind.code(),
                                url_encode(r.code())
                            ),
                        }
                    })
                    .collect(),
            });
        }
        groups.retain(|g| g.total > 0);
        for g in &mut groups {
            if g.total <= i64::try_from(g.hits.len()).unwrap_or(i64::MAX) {
                g.more.clear();
            }
            g.hits.truncate(usize::try_from(SHOWN).unwrap_or(10));
        }
    }
    let title = t.s("search");
    let here = format!(
        "/search?program={}&q={}",
        url_encode(&program),
        url_encode(&q)
    );
    let page = SearchPage {
        page: Page::new(&user, title, &here, &program, year),
        q,
        groups,
    };
    Ok(render(&page, lang))
}
