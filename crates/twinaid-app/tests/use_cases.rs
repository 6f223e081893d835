//! Every public use case of the app says who is acting: the app is the only
//! door to the data, and a door that does not ask who comes in decides
//! nothing. This test reads the app's source and lists its public use cases;
//! one that takes no `Actor` fails it unless it is named below with why.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use std::collections::BTreeMap;

/// Use cases that need no actor, and why.
const WITHOUT_ACTOR: &[(&str, &str)] = &[
    ("open", "opens the database: nobody acts yet"),
    (
        "open_with",
        "opens the database with a pool size: nobody acts yet",
    ),
    (
        "with_signin_limits",
        "sets the sign-in limits when the server starts: nobody acts yet",
    ),
    (
        "with_rates",
        "sets the shipped exchange rates when the program starts: nobody acts yet",
    ),
    (
        "connections",
        "counts the database connections for /metrics: no data",
    ),
    (
        "kept_counts",
        "counts kept-result lookups for /metrics: no data",
    ),
    ("close", "closes the database"),
    (
        "close_as_one_file",
        "closes the database, leaving it one file",
    ),
    ("engine", "names the database engine"),
    (
        "catalog",
        "the installation's added fields and choice values, which every form, file and API document names: no records",
    ),
    ("chained_on_open", "what opening the database did"),
    ("sign_in", "who acts is what it finds out"),
    ("session", "who acts is what it finds out"),
    ("actor_for_token", "who acts is what it finds out"),
    ("sign_out", "ends a session by its secret"),
    (
        "has_users",
        "whether the first administrator is still to be made",
    ),
    (
        "indicator_units",
        "the units of the built-in definitions, to read files",
    ),
    (
        "ready",
        "whether the database answers, for a load balancer that signs in as nobody",
    ),
];

/// The public functions of `impl App` blocks in a source text: name → parameter list.
fn use_cases(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("impl App {") {
        let body_start = at + "impl App {".len();
        let mut depth = 1;
        let mut end = body_start;
        for (i, c) in rest[body_start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = body_start + i;
                break;
            }
        }
        let body = &rest[body_start..end];
        for (i, _) in body.match_indices("pub ") {
            let sig = &body[i..];
            let sig = sig
                .strip_prefix("pub async fn ")
                .or_else(|| sig.strip_prefix("pub fn "));
            let Some(sig) = sig else { continue };
            let name: String = sig
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let params = sig[name.len()..]
                .split_once(')')
                .map_or("", |(p, _)| p)
                .to_string();
            out.push((name, params));
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn every_public_use_case_takes_the_actor() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            for (name, params) in use_cases(&source) {
                found.insert(name, params);
            }
        }
    }
    assert!(
        found.len() > 40,
        "the app's use cases were not found: {found:?}"
    );
    let without: Vec<&String> = found
        .iter()
        .filter(|(_, params)| !params.contains("Actor"))
        .map(|(name, _)| name)
        .filter(|name| !WITHOUT_ACTOR.iter().any(|(n, _)| n == name))
        .collect();
    assert!(
        without.is_empty(),
        "public use cases that take no Actor: {without:?}"
    );
}
