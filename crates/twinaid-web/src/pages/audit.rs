//! The audit log: who changed what, when, and what changed — 50 events to
//! a page, filtered by who, what, which program and when.

use super::records::Names;
use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::history::{Change, action_name, actor_name, changes, entities, entity_name};
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use twinaid_app::AuditFilter;
use twinaid_domain::record::RecordKind;

const PER_PAGE: i64 = 50;

/// The filter as typed: every field may be empty.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: String,
}

/// One event as a row of the page.
struct EventRow {
    seq: String,
    at: String,
    who: String,
    /// The user name behind the display name.
    login: String,
    action: String,
    what: String,
    /// The key as people read it (units, places, accounts by name).
    key: String,
    /// The key as stored.
    code: String,
    program: String,
    program_name: String,
    /// Where the thing is shown, when it has a page (a record still there).
    href: String,
    changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    q: AuditQuery,
    /// Kinds of thing to filter by: (code, name).
    entities: Vec<(String, String)>,
    programs: Vec<(String, String)>,
    events: Vec<EventRow>,
    /// Which filter date could not be read.
    bad_from: bool,
    bad_until: bool,
    number: i64,
    newer: String,
    older: String,
    /// The chain's head: the latest event's place and hash, for an auditor
    /// to keep outside the system.
    checkpoint: Option<(i64, String)>,
}

/// A page of the audit log, newest first.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let zone = state.time_zone;
    let from = moment(&q.from, zone, 0);
    let until = moment(&q.until, zone, 1);
    let filter = AuditFilter {
        actor: given(&q.actor),
        entity: given(&q.entity),
        entity_key: given(&q.key),
        program: given(&q.program),
        from: from.clone().flatten(),
        until: until.clone().flatten(),
    };
    let number = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    // A date that cannot be read filters nothing in: no events rather than
    // all of them, which could be taken for the filtered ones.
    let (entries, more) = if from.is_none() || until.is_none() {
        (Vec::new(), false)
    } else {
        state
            .app
            .audit_page(&user.actor, &filter, number, PER_PAGE)
            .await?
    };
    let checkpoint = state.app.audit_checkpoint(&user.actor).await?;
    // Actors, and accounts a key names (an expert's assignment), by name.
    let mut logins: Vec<String> = entries
        .iter()
        .flat_map(|e| {
            std::iter::once(e.actor.clone()).chain(e.entity_key.split('/').map(str::to_string))
        })
        .collect();
    logins.sort_unstable();
    logins.dedup();
    let names = state
        .app
        .display_names(&user.actor, &q.program, &logins)
        .await?;
    // Units and places by name, one load per program on the page.
    let mut places: BTreeMap<String, Names> = BTreeMap::new();
    for e in &entries {
        if let Some(p) = &e.program
            && !places.contains_key(p)
        {
            // Places by the names they have now: the log spans years.
            let year = chrono::Datelike::year(&chrono::Utc::now());
            places.insert(p.clone(), Names::load(&state, &user, p, year).await?);
        }
    }
    let programs = state
        .app
        .programs(&user.actor)
        .await?
        .into_iter()
        .map(|p| {
            let name = lang.pick(&p.name_zh, &p.name_en).to_string();
            (p.code, name)
        })
        .collect::<Vec<(String, String)>>();
    let program_names: HashMap<String, String> = programs.iter().cloned().collect();
    let events = entries
        .into_iter()
        .map(|e| {
            let program = e.program.clone().unwrap_or_default();
            let show = |spec: &twinaid_domain::record::FieldSpec,
                        v: &twinaid_domain::record::FieldValue| {
                match places.get(&program) {
                    Some(n) => n.display(spec, v, lang),
                    None => crate::view::cell(spec, v, lang),
                }
            };
            let changes = changes(
                &e.entity,
                e.before_json.as_deref(),
                e.after_json.as_deref(),
                lang,
                &show,
                &names,
            );
            let href = match RecordKind::parse(&e.entity) {
                Some(kind) if !program.is_empty() && e.action != "delete" => format!(
                    "/records/{}/{}?program={}",
                    kind.code(),
                    url_encode(&e.entity_key),
                    url_encode(&program)
                ),
                _ => String::new(),
            };
            EventRow {
                seq: e.seq.map(|n| n.to_string()).unwrap_or_default(),
                at: crate::view::local_time(&e.at, zone),
                who: actor_name(&e.actor, &e.action, &names, t),
                login: e.actor,
                action: action_name(&e.action, t),
                what: entity_name(&e.entity, t),
                key: key_name(&e.entity_key, places.get(&program), &names, lang),
                code: e.entity_key,
                program_name: program_names
                    .get(&program)
                    .cloned()
                    .unwrap_or_else(|| program.clone()),
                program,
                href,
                changes,
            }
        })
        .collect();
    let link = |n: i64| {
        let mut parts = vec![];
        for (k, v) in [
            ("actor", &q.actor),
            ("entity", &q.entity),
            ("key", &q.key),
            ("program", &q.program),
            ("from", &q.from),
            ("until", &q.until),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", url_encode(v.trim())));
            }
        }
        parts.push(format!("page={n}"));
        format!("/audit?{}", parts.join("&"))
    };
    let page = AuditPage {
        page: Page::new(&user, t.s("audit"), &link(number), "", 0),
        entities: entities(t),
        programs,
        events,
        bad_from: from.is_none(),
        bad_until: until.is_none(),
        newer: if number > 1 {
            link(number - 1)
        } else {
            String::new()
        },
        older: if more {
            link(number + 1)
        } else {
            String::new()
        },
        number,
        checkpoint,
        q,
    };
    Ok(render(&page, lang))
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The moment a typed date (`2026-12-07`) begins in the office's zone,
/// `days_after` days later, as events store their times: `Some(None)` for
/// no date, `None` for one that cannot be read.
fn moment(text: &str, zone: chrono::FixedOffset, days_after: u64) -> Option<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let day = day.checked_add_days(chrono::Days::new(days_after))?;
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(zone)
        .single()?;
    Some(Some(
        start
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    ))
}

/// A key as people read it: each part that is a unit, a place or an
/// account by its name ("2009 / 王专家 / 温州市人民政府"); the rest as stored.
fn key_name(
    key: &str,
    places: Option<&Names>,
    accounts: &HashMap<String, String>,
    lang: twinaid_domain::Lang,
) -> String {
    if !key.contains('/')
        && places.and_then(|n| n.name_of(key, lang)).is_none()
        && !accounts.contains_key(key)
    {
        return key.to_string();
    }
    key.split('/')
        .map(|part| {
            places
                .and_then(|n| n.name_of(part, lang))
                .or_else(|| accounts.get(part).filter(|n| !n.trim().is_empty()).cloned())
                .unwrap_or_else(|| part.to_string())
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_start_of_that_day_in_the_office_zone() {
        let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(
            moment("2026-12-07", shanghai, 0),
            Some(Some("2026-12-06T16:00:00.000Z".to_string()))
        );
        assert_eq!(
            moment(" 2026-12-07 ", shanghai, 1),
            Some(Some("2026-12-07T16:00:00.000Z".to_string()))
        );
        assert_eq!(moment("", shanghai, 0), Some(None));
        assert_eq!(moment("7/12/2026", shanghai, 0), None);
    }
}
