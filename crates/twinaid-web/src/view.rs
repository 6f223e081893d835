//! What templates are given: the page frame and values already formatted.

use crate::i18n::Tr;
use crate::session::SignedIn;
use twinaid_domain::Lang;
use twinaid_domain::money::{format_decimal, group_thousands};
use twinaid_domain::record::{FieldSpec, FieldType, FieldValue, RecordKind};

/// A link in the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: String,
    pub label: String,
}

/// The frame of every page: language, user, navigation.
#[derive(Debug, Clone)]
pub struct Page {
    pub t: Tr,
    pub title: String,
    pub user: String,
    pub signed_in: bool,
    pub csrf: String,
    /// The current path and query, encoded, to come back to after switching language.
    pub here_encoded: String,
    pub program: String,
    pub year: i32,
    pub kinds: Vec<NavItem>,
    /// Whether the user manages accounts (the menu links to 用户管理).
    pub admin: bool,
    /// What the user's role can open in the program, so the menu offers nothing else.
    pub can: twinaid_app::Permissions,
}

/// A heading or menu entry starts with a capital (English names are kept
/// in lower case for running text; Chinese is unchanged).
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Page {
    /// A page for a signed-in user.
    pub fn new(user: &SignedIn, title: &str, here: &str, program: &str, year: i32) -> Page {
        let t = Tr { lang: user.lang };
        let kinds = RecordKind::ALL
            .iter()
            .map(|k| NavItem {
                href: format!("/records/{}?program={}", k.code(), url_encode(program)),
                label: capitalized(k.name(user.lang)),
            })
            .collect();
        Page {
            t,
            title: capitalized(title),
            user: signed_in_as(user),
            signed_in: true,
            csrf: user.csrf.clone(),
            here_encoded: url_encode(here),
            program: program.to_string(),
            year,
            kinds,
            admin: matches!(user.actor.role, twinaid_app::Role::Administrator),
            can: {
                // A page of no program (the account, tokens) offers what the user's own program does.
                let scope = match &user.actor.role {
                    twinaid_app::Role::ProgramOffice { program: own } if program.is_empty() => {
                        own.as_str()
                    }
                    _ => program,
                };
                twinaid_app::Permissions::of(&user.actor, scope)
            },
        }
    }

    /// The menu with the record kinds the installation added, after the built-in ones.
    pub fn with_added_kinds(mut self, kinds: &[twinaid_domain::custom::CustomKind]) -> Page {
        let lang = self.t.lang;
        for k in kinds {
            self.kinds.push(NavItem {
                href: format!(
                    "/records/{}?program={}",
                    url_encode(&k.code),
                    url_encode(&self.program)
                ),
                label: capitalized(k.name(lang)),
            });
        }
        self
    }

    /// A page for nobody in particular (sign-in, errors).
    pub fn bare(t: Tr, title: &str) -> Page {
        Page {
            t,
            title: title.to_string(),
            user: String::new(),
            signed_in: false,
            csrf: String::new(),
            here_encoded: "/".to_string(),
            program: String::new(),
            year: 0,
            kinds: Vec::new(),
            admin: false,
            can: twinaid_app::Permissions::default(),
        }
    }
}

/// Who is signed in, as the header says it: the display name, then what
/// they work for (their unit, county or program) or else their role:
/// "王科长 · 杭州市人民政府".
fn signed_in_as(user: &SignedIn) -> String {
    let name = Some(user.display_name.trim())
        .filter(|n| !n.is_empty())
        .unwrap_or(&user.actor.name);
    let scope = match &user.scope_name {
        Some((zh, en)) => user.lang.pick(zh, en.as_deref().unwrap_or(zh)).to_string(),
        None => user.actor.role.name(user.lang).to_string(),
    };
    format!("{name} · {scope}")
}

/// A stored time (RFC 3339, UTC) as people read it in the server's zone:
/// `2026-11-29 11:48:50`. Anything else is shown as stored.
pub fn local_time(at: &str, zone: chrono::FixedOffset) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| {
            t.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// Reads back what [`url_encode`] wrote; `None` for malformed text.
pub fn url_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A stored value as a cell shows it: choices by name, money in yuan with separators.
/// Person references come from the app already masked where the role needs it.
pub fn cell(spec: &FieldSpec, value: &FieldValue, lang: Lang) -> String {
    match (spec.ty, value) {
        (_, FieldValue::Null) => String::new(),
        (FieldType::Choice(choices), FieldValue::Text(code)) => choices
            .iter()
            .find(|c| c.code == code)
            .map_or(code.clone(), |c| lang.pick(c.zh, c.en).to_string()),
        (FieldType::Flag, FieldValue::Int(i)) => lang
            .pick(
                if *i != 0 { "是" } else { "否" },
                if *i != 0 { "yes" } else { "no" },
            )
            .to_string(),
        (FieldType::ProgramYear, FieldValue::Int(i)) => i.to_string(),
        (ty, FieldValue::Int(i)) => group_thousands(&format_decimal(*i, ty.scale().unwrap_or(1))),
        (_, FieldValue::Text(t)) => t.clone(),
    }
}

/// A field's label in a language.
pub fn label(spec: &FieldSpec, lang: Lang) -> &'static str {
    lang.pick(spec.zh, spec.en)
}

/// A file sent as a download, with its name (UTF-8 names as RFC 6266 allows)
/// and a type the browser must not second-guess.
pub fn file_response(
    filename: &str,
    content_type: &str,
    data: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(filename)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_reads_back_what_encoding_wrote() {
        for text in ["zj-sc", "a b|c", "青川县", "%"] {
            assert_eq!(url_decode(&url_encode(text)).as_deref(), Some(text));
        }
        assert_eq!(url_decode("%zz"), None);
        assert_eq!(url_decode("%4"), None);
    }

    #[test]
    fn stored_times_are_shown_in_the_servers_zone() {
        assert_eq!(
            super::local_time("2026-11-29T03:48:50.086Z", crate::CHINA_TIME),
            "2026-11-29 11:48:50"
        );
        assert_eq!(
            super::local_time("yesterday", crate::CHINA_TIME),
            "yesterday"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            url_encode("/records?x=1&y=青"),
            "/records%3Fx%3D1%26y%3D%E9%9D%92"
        );
    }
}
