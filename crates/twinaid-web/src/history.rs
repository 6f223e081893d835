//! Audit events as people read them: who by name, what was done in words,
//! and what changed as "字段：旧值 → 新值" lines instead of stored JSON.

use crate::i18n::Tr;
use crate::view::label;
use std::collections::HashMap;
use twinaid_domain::Lang;
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, RecordKind};

/// One changed field: its label and its value before and after, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    /// `None` for a field the event set (a creation).
    pub before: Option<String>,
    pub after: String,
}

/// Fields that name the row rather than say anything about it.
const IDENTITY: &[&str] = &["program_code", "code"];

/// What changed between an event's before and after (each a JSON object as
/// stored): for a record kind, its fields in their order with their labels,
/// each value shown by `show`; for anything else, its keys as stored. A
/// creation lists what it set; a deletion, what was there (its only trace);
/// a value that is not an object, one line of it.
pub fn changes(
    entity: &str,
    before: Option<&str>,
    after: Option<&str>,
    lang: Lang,
    show: &dyn Fn(&FieldSpec, &FieldValue) -> String,
    accounts: &HashMap<String, String>,
) -> Vec<Change> {
    let parse = |text: Option<&str>| {
        text.map(|t| serde_json::from_str::<serde_json::Value>(t).unwrap_or_else(|_| t.into()))
    };
    let (before, after) = match (parse(before), parse(after)) {
        (before, Some(serde_json::Value::Object(after))) => (
            before.and_then(|b| match b {
                serde_json::Value::Object(map) => Some(map),
                _ => None,
            }),
            after,
        ),
        // A deletion: what was there, each to nothing.
        (Some(serde_json::Value::Object(before)), None) => {
            let empty = serde_json::Map::new();
            return lines(entity, Some(&before), &empty, lang, show, accounts);
        }
        (None, None) => return Vec::new(),
        (before, after) => {
            let t = Tr { lang };
            let text =
                |v: Option<serde_json::Value>| v.as_ref().map(|v| plain(v, t)).unwrap_or_default();
            return vec![Change {
                field: Tr { lang }.s("audit_changes").to_string(),
                before: before.is_some().then(|| text(before.clone())),
                after: text(after),
            }];
        }
    };
    lines(entity, before.as_ref(), &after, lang, show, accounts)
}

fn lines(
    entity: &str,
    before: Option<&serde_json::Map<String, serde_json::Value>>,
    after: &serde_json::Map<String, serde_json::Value>,
    lang: Lang,
    show: &dyn Fn(&FieldSpec, &FieldValue) -> String,
    accounts: &HashMap<String, String>,
) -> Vec<Change> {
    let kind = RecordKind::parse(entity);
    let specs = kind.map(|k| k.fields()).unwrap_or_default();
    // The kind's fields first, in the form's order; then any other key.
    let mut keys: Vec<&str> = specs
        .iter()
        .map(|s| s.name)
        .filter(|k| after.contains_key(*k) || before.is_some_and(|b| b.contains_key(*k)))
        .collect();
    let mut rest: Vec<&str> = after
        .keys()
        .chain(before.iter().flat_map(|b| b.keys()))
        .map(String::as_str)
        .filter(|k| !specs.iter().any(|s| s.name == *k))
        .collect();
    rest.sort_unstable();
    rest.dedup();
    keys.extend(rest);
    let null = serde_json::Value::Null;
    keys.into_iter()
        .filter(|k| !IDENTITY.contains(k))
        .filter_map(|key| {
            let new = after.get(key).unwrap_or(&null);
            // Outside a record kind, a unit or a place is still shown by its name.
            let stand_in = match key {
                "unit" | "helper_unit" | "inspector_unit" | "helped_unit" => {
                    Some(FieldType::HelperUnit)
                }
                "region" | "region_code" | "county" => Some(FieldType::HelpedRegion),
                // An account's scope: a county by its code, else a unit.
                "scope" => Some(
                    match new
                        .as_str()
                        .or_else(|| before.and_then(|b| b.get(key)).and_then(|v| v.as_str()))
                        .map(twinaid_domain::RegionCode::parse)
                    {
                        Some(Ok(_)) => FieldType::HelpedRegion,
                        _ => FieldType::HelperUnit,
                    },
                ),
                _ => None,
            }
            .map(|ty| FieldSpec {
                name: "",
                ty,
                required: false,
                default: None,
                zh: "",
                en: "",
            });
            let spec = specs.iter().find(|s| s.name == key).or(stand_in.as_ref());
            let text = |v: &serde_json::Value| match spec {
                Some(spec) => show(spec, &field_value(spec, v)),
                // An account's role by its name.
                None if key == "role" => v
                    .as_str()
                    .and_then(|code| twinaid_app::Role::from_stored(code, Some("")))
                    .map_or_else(|| plain(v, Tr { lang }), |r| r.name(lang).to_string()),
                // An account (an expert assigned, who acted) by its display name.
                None if matches!(key, "expert" | "by") => {
                    let login = plain(v, Tr { lang });
                    accounts
                        .get(&login)
                        .filter(|n| !n.trim().is_empty())
                        .cloned()
                        .unwrap_or(login)
                }
                None => plain(v, Tr { lang }),
            };
            let field = match spec {
                Some(s) if !s.name.is_empty() => label(s, lang).to_string(),
                _ => Tr { lang }
                    .get(&format!("audit_field_{key}"))
                    .map_or_else(|| key.to_string(), str::to_string),
            };
            match before {
                None if new.is_null() => None,
                None => Some(Change {
                    field,
                    before: None,
                    after: text(new),
                }),
                Some(b) => {
                    let old = b.get(key).unwrap_or(&null);
                    (old != new).then(|| Change {
                        field,
                        before: Some(text(old)),
                        after: text(new),
                    })
                }
            }
        })
        .collect()
}

/// A value as an event stores it (a record's JSON: money in yuan, lengths
/// in km) as the field value it was (money in fen, lengths in metres).
fn field_value(spec: &FieldSpec, v: &serde_json::Value) -> FieldValue {
    let scale = spec.ty.scale();
    match (v, scale) {
        (serde_json::Value::Null, _) => FieldValue::Null,
        (serde_json::Value::Bool(b), _) => FieldValue::Int(i64::from(*b)),
        (serde_json::Value::Number(n), Some(scale)) => {
            match n.as_i64().and_then(|i| i.checked_mul(scale)) {
                Some(i) => FieldValue::Int(i),
                // A fraction of a yuan: whole fen, as it was stored.
                None => n.as_f64().map_or_else(
                    || FieldValue::Text(n.to_string()),
                    |f| FieldValue::Int((f * scale as f64).round() as i64),
                ),
            }
        }
        (serde_json::Value::String(s), _) => FieldValue::Text(s.clone()),
        (other, _) => FieldValue::Text(other.to_string()),
    }
}

/// A value of no known field: text as it is, a short list or structure as
/// written; a long one (a published assessment's results, say) by its
/// size, since pages of JSON tell a reader nothing the record's page does not.
fn plain(v: &serde_json::Value, t: Tr) -> String {
    const SHORT: usize = 80;
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => t.s(if *b { "yes" } else { "no" }).to_string(),
        // A score or a weight as a person writes it: 83, not 83.0.
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.is_finite() => {
                let text = format!("{f:.2}");
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            let text = v.to_string();
            let size = v
                .as_array()
                .map(Vec::len)
                .or_else(|| v.as_object().map(serde_json::Map::len))
                .unwrap_or_default();
            if text.chars().count() <= SHORT {
                text
            } else {
                t.s("audit_items").replace("{n}", &size.to_string())
            }
        }
    }
}

/// Who did it, as colleagues know them: an account by its display name, the
/// command line as such; anyone else as recorded. A failed sign-in's actor
/// is whatever name was typed, so it is shown as typed.
pub fn actor_name(actor: &str, action: &str, names: &HashMap<String, String>, t: Tr) -> String {
    if matches!(action, "sign_in_failed" | "sign_in_locked") {
        return actor.to_string();
    }
    if let Some(login) = actor.strip_prefix("cli:") {
        return format!(
            "{}{}{login}{}",
            t.s("command_line"),
            t.s("open"),
            t.s("close")
        );
    }
    names
        .get(actor)
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| actor.to_string())
}

/// Who did something and when, as a page says it: the actor by display
/// name (when the reader may see names) and the time in the office's zone.
pub async fn by_and_when(
    state: &crate::AppState,
    user: &crate::session::SignedIn,
    program: &str,
    actor: &str,
    at: &str,
) -> Result<(String, String), twinaid_app::AppError> {
    let names = state
        .app
        .display_names(&user.actor, program, &[actor.to_string()])
        .await?;
    Ok((
        actor_name(actor, "", &names, Tr { lang: user.lang }),
        crate::view::local_time(at, state.time_zone),
    ))
}

/// What was done, in words (the stored word when it is not known).
pub fn action_name(action: &str, t: Tr) -> String {
    t.get(&format!("action_{action}"))
        .map_or_else(|| action.to_string(), str::to_string)
}

/// What it was done to: a kind of record or another thing, by name.
pub fn entity_name(entity: &str, t: Tr) -> String {
    match RecordKind::parse(entity) {
        Some(kind) => kind.name(t.lang).to_string(),
        None => t
            .get(&format!("entity_{entity}"))
            .map_or_else(|| entity.to_string(), str::to_string),
    }
}

/// The things the audit log can be filtered by, with their names: every
/// kind of record, then the rest.
pub fn entities(t: Tr) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = RecordKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.name(t.lang).to_string()))
        .collect();
    for e in OTHER_ENTITIES {
        out.push((e.to_string(), entity_name(e, t)));
    }
    out
}

/// What else events are about, besides records.
const OTHER_ENTITIES: &[&str] = &[
    "program",
    "program_region",
    "program_unit",
    "unit",
    "region",
    "indicator",
    "guidance",
    "annual_plan",
    "plan_target",
    "saved_view",
    "exchange_rate",
    "sector_category",
    "inspection_round",
    "inspection",
    "expert_assignment",
    "assessment",
    "satisfaction",
    "aggregate_value",
    "designation",
    "app_user",
    "api_token",
    "account",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::cell;

    fn show(spec: &FieldSpec, v: &FieldValue) -> String {
        cell(spec, v, Lang::Zh)
    }

    #[test]
    fn an_update_lists_only_what_changed_by_label_in_the_form_order() {
        let before = r#"{"code":"F1","program_code":"p","amount":100,"kind":"disbursement","year":2010,"note":null}"#;
        let after = r#"{"code":"F1","program_code":"p","amount":2500.5,"kind":"disbursement","year":2011,"note":"补记"}"#;
        let c = changes(
            "fund_transaction",
            Some(before),
            Some(after),
            Lang::Zh,
            &show,
            &HashMap::new(),
        );
        let fields: Vec<&str> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["年度", "金额（元）", "备注"], "{c:?}");
        assert_eq!(c[1].before.as_deref(), Some("100"), "in yuan, as entered");
        assert_eq!(c[1].after, "2,500.5");
        assert_eq!(c[2].before.as_deref(), Some(""));
    }

    #[test]
    fn a_creation_lists_what_it_set_and_a_deletion_nothing() {
        let after = r#"{"code":"F1","kind":"disbursement","note":null,"extra":[1,2]}"#;
        let c = changes(
            "fund_transaction",
            None,
            Some(after),
            Lang::En,
            &show,
            &HashMap::new(),
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].before, None);
        assert_eq!(c[1].field, "extra");
        assert_eq!(c[1].after, "[1,2]", "a short list as written");
        let long = format!(
            r#"{{"units":[{}]}}"#,
            vec!["{\"expert\":88.3}"; 40].join(",")
        );
        let c = changes(
            "assessment",
            None,
            Some(&long),
            Lang::Zh,
            &show,
            &HashMap::new(),
        );
        assert_eq!(c[0].after, "（共 40 项，从略）", "a long one by its size");
        let gone = changes(
            "fund_transaction",
            Some(after),
            None,
            Lang::Zh,
            &show,
            &HashMap::new(),
        );
        assert_eq!(gone.len(), 2, "a deletion keeps what was there: {gone:?}");
        assert_eq!(
            (gone[0].before.as_deref(), gone[0].after.as_str()),
            (Some("拨付"), "")
        );
        let odd = changes(
            "region",
            Some("[1,2]"),
            Some("not json"),
            Lang::Zh,
            &show,
            &HashMap::new(),
        );
        assert_eq!(odd.len(), 1);
        assert_eq!(
            (odd[0].before.as_deref(), odd[0].after.as_str()),
            (Some("[1,2]"), "not json")
        );
    }

    #[test]
    fn units_and_places_outside_record_kinds_are_shown_as_the_page_names_them() {
        let named = |spec: &FieldSpec, v: &FieldValue| match (spec.ty, v) {
            (FieldType::HelperUnit, FieldValue::Text(t)) if t == "wenzhou" => {
                "温州市人民政府".into()
            }
            (FieldType::HelpedRegion, FieldValue::Text(t)) if t == "511324" => {
                "仪陇县 511324".into()
            }
            _ => cell(spec, v, Lang::Zh),
        };
        let after = r#"{"unit":"wenzhou","region":"511324","rating":90}"#;
        let c = changes(
            "satisfaction",
            None,
            Some(after),
            Lang::Zh,
            &named,
            &HashMap::new(),
        );
        let shown: Vec<&str> = c.iter().map(|c| c.after.as_str()).collect();
        assert_eq!(shown, ["90", "仪陇县 511324", "温州市人民政府"], "{c:?}");
    }

    #[test]
    fn accounts_scopes_and_scores_read_as_people_write_them() {
        let named = |spec: &FieldSpec, v: &FieldValue| match (spec.ty, v) {
            (FieldType::HelpedRegion, FieldValue::Text(t)) if t == "510822" => "青川县".into(),
            (FieldType::HelperUnit, FieldValue::Text(t)) if t == "hangzhou" => {
                "杭州市人民政府".into()
            }
            _ => cell(spec, v, Lang::Zh),
        };
        let accounts = HashMap::from([("expert-wang".to_string(), "王专家".to_string())]);
        let shown = |after: &str| {
            changes("app_user", None, Some(after), Lang::Zh, &named, &accounts)
                .into_iter()
                .map(|c| format!("{}={}", c.field, c.after))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(r#"{"scope":"510822"}"#), ["范围=青川县"]);
        assert_eq!(shown(r#"{"scope":"hangzhou"}"#), ["范围=杭州市人民政府"]);
        assert_eq!(shown(r#"{"expert":"expert-wang"}"#), ["专家=王专家"]);
        assert_eq!(shown(r#"{"expert":"expert-zhao"}"#), ["专家=expert-zhao"]);
        assert_eq!(
            shown(r#"{"guidance_version":1,"total":83.0,"statistical":41.254}"#),
            ["考核办法版本=1", "统计得分=41.25", "总分=83"]
        );
    }

    #[test]
    fn actors_and_actions_read_as_words() {
        let t = Tr { lang: Lang::Zh };
        let names = HashMap::from([("li".to_string(), "李明".to_string())]);
        assert_eq!(actor_name("li", "update", &names, t), "李明");
        assert_eq!(
            actor_name("cli:operator", "create", &names, t),
            "命令行（operator）"
        );
        assert_eq!(actor_name("gone", "update", &names, t), "gone");
        // What someone typed at a failed sign-in is not taken for a person.
        assert_eq!(actor_name("li", "sign_in_failed", &names, t), "li");
        assert_eq!(
            actor_name("cli:operator", "sign_in_failed", &names, t),
            "cli:operator"
        );
        assert_eq!(action_name("update", t), "修改");
        assert_eq!(action_name("unheard_of", t), "unheard_of");
        assert_eq!(entity_name("app_user", t), "用户账户");
        assert_eq!(
            entity_name("project", t),
            RecordKind::Project.name(Lang::Zh)
        );
    }
}
