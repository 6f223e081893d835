//! The pairing structure: who helps whom at every level.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, cell, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;
use twinaid_app::ListRequest;
use twinaid_domain::record::RecordKind;

#[derive(Template)]
#[template(path = "structure.html")]
struct StructurePage {
    page: Page,
    /// (level, helper, helped, years, confirmed, note)
    rows: Vec<(String, String, String, String, String, String)>,
    /// (side, kind, code, name)
    units: Vec<(String, String, String, String)>,
    /// Nodes and links for the graph, as JSON.
    graph: String,
}

/// The pairings of a program and its units.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let (program, year) = resolve(&state, &user, &scope).await?;
    let app = &state.app;
    let units = app.units(&user.actor, &program).await?;
    let names: HashMap<String, String> = units
        .iter()
        .map(|u| (u.code.clone(), u.name(lang).to_string()))
        .collect();
    let places = app.place_names(&user.actor, &program, year).await?;
    let request = ListRequest {
        per_page: 500,
        page: 1,
        sort: Some("level".into()),
        ..ListRequest::default()
    };
    let pairings = app
        .list_records(&user.actor, &program, RecordKind::Pairing, &request)
        .await?;
    let fields = RecordKind::Pairing.fields();
    let spec = |name: &str| fields.iter().find(|f| f.name == name).copied();
    let text = |r: &twinaid_domain::record::Record, name: &str| {
        spec(name)
            .map(|s| cell(&s, r.get(name), lang))
            .unwrap_or_default()
    };
    let mut nodes: Vec<serde_json::Value> = Vec::new();
    let mut links = Vec::new();
    let add_node = |id: &str, label: &str, helper: bool, nodes: &mut Vec<serde_json::Value>| {
        if !nodes.iter().any(|n| n["id"] == id) {
            nodes.push(serde_json::json!({"id": id, "name": label, "category": if helper { 0 } else { 1 }, "symbolSize": if helper { 18 } else { 14 }}));
        }
    };
    for r in &pairings.records {
        let helper = text(r, "helper_unit");
        let region = text(r, "helped_region");
        let target = if region.is_empty() {
            text(r, "helped_unit")
        } else {
            region.clone()
        };
        if helper.is_empty() || target.is_empty() {
            continue;
        }
        let helper_label = names.get(&helper).cloned().unwrap_or(helper.clone());
        let target_label = places
            .get(&target)
            .map(|(zh, en)| lang.pick(zh, en).to_string())
            .or_else(|| names.get(&target).cloned())
            .unwrap_or(target.clone());
        add_node(&helper, &helper_label, true, &mut nodes);
        add_node(&target, &target_label, false, &mut nodes);
        links.push(serde_json::json!({"source": helper, "target": target, "confirmed": text(r, "confirmed")}));
    }
    let graph = serde_json::json!({"nodes": nodes, "links": links, "categories": [lang.pick("帮扶方", "helping"), lang.pick("受帮扶方", "helped")]})
        .to_string()
        // Kept inside a <script> element: no "<" may open a tag or comment there.
    .replace('<', "\\u003c");
    let rows = pairings
        .records
        .iter()
        .map(|r| {
            let helper = text(r, "helper_unit");
            let region = text(r, "helped_region");
            let helped_unit = text(r, "helped_unit");
            let helped = match places.get(&region) {
                Some((zh, en)) => format!("{} {region}", lang.pick(zh, en)),
                None => names.get(&helped_unit).cloned().unwrap_or(helped_unit),
            };
            let years = format!("{}–{}", text(r, "from_year"), text(r, "to_year"));
            (
                text(r, "level"),
                names.get(&helper).cloned().unwrap_or(helper),
                helped,
                years,
                text(r, "confirmed"),
                text(r, "note"),
            )
        })
        .collect();
    let units = units
        .iter()
        .map(|u| {
            let kind = twinaid_domain::unit::UnitKind::parse(&u.kind)
                .map_or(u.kind.clone(), |k| k.name(lang).to_string());
            let side = if u.side == "helping" {
                lang.pick("帮扶方", "helping")
            } else {
                lang.pick("受帮扶方", "helped")
            };
            (
                side.to_string(),
                kind,
                u.code.clone(),
                names.get(&u.code).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let here = format!("/structure?program={}", url_encode(&program));
    let title = crate::i18n::Tr { lang }.s("structure");
    Ok(render(
        &StructurePage {
            page: Page::new(&user, title, &here, &program, year),
            rows,
            units,
            graph,
        },
        lang,
    ))
}
