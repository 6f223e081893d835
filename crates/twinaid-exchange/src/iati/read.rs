//! Reading what twinaid keeps of a published IATI activity file, versions
//! 1.0x and 2.0x; everything else in the file is passed over.

use std::collections::BTreeMap;
use twinaid_domain::DomainError;

/// One transaction of an activity read from an IATI file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadTransaction {
    /// The type as written: a number (2.0x) or letters (1.0x: `D`, `C` …).
    pub type_code: String,
    pub date: String,
    /// The value as written (a decimal in the file's currency).
    pub value: String,
    pub currency: String,
    /// The day the value is converted at (the value's `value-date`).
    pub value_date: String,
    /// The publisher's own reference for it (`ref`), if any.
    pub reference: String,
}

/// A budget or planned disbursement: a value for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadValue {
    /// `type`: 1 original, 2 revised (budgets); as written.
    pub kind: String,
    pub period_start: String,
    pub value: String,
    pub currency: String,
    pub value_date: String,
}

/// A participating organisation: its role (2.0x number or 1.0x word),
/// IATI identifier and names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOrg {
    pub role: String,
    pub reference: String,
    pub names: Vec<String>,
}

/// A location: its reference, the codes it gives (administrative areas,
/// location ids) and its names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadLocation {
    pub reference: String,
    pub codes: Vec<String>,
    pub names: Vec<String>,
}

/// A result indicator: its references (vocabulary, code), titles, and the
/// sum of its periods' actual values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadIndicator {
    pub references: Vec<(String, String)>,
    pub titles: Vec<String>,
    pub actual: f64,
}

/// What twinaid reads of one IATI activity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadActivity {
    pub identifier: String,
    /// The activity's language (`xml:lang`), that of text not saying its own.
    pub lang: String,
    /// The reporting organisation's identifier.
    pub reporting_ref: String,
    pub title: Vec<(Option<String>, String)>,
    pub status: String,
    /// activity-date type → date.
    pub dates: BTreeMap<String, String>,
    pub default_currency: String,
    pub transactions: Vec<ReadTransaction>,
    /// The activity's version (its own, else the file's).
    pub version: String,
    /// Its sectors: (vocabulary, code, percentage), as written.
    pub sectors: Vec<(String, String, f64)>,
    /// Its tags: (vocabulary, code).
    pub tags: Vec<(String, String)>,
    /// Its other identifiers: (type, ref).
    pub other_identifiers: Vec<(String, String)>,
    pub participants: Vec<ReadOrg>,
    pub locations: Vec<ReadLocation>,
    pub budgets: Vec<ReadValue>,
    pub planned_disbursements: Vec<ReadValue>,
    pub indicators: Vec<ReadIndicator>,
}

/// The elements twinaid keeps something of: what a file's size is counted in.
const KEPT: &[&str] = &[
    "iati-activity",
    "transaction",
    "budget",
    "planned-disbursement",
    "participating-org",
    "location",
    "sector",
    "tag",
    "other-identifier",
    "indicator",
    "narrative",
];

/// The element `k` steps up the path (1 = the innermost open one).
fn up(path: &[String], k: usize) -> Option<&str> {
    path.len()
        .checked_sub(k)
        .and_then(|i| path.get(i))
        .map(String::as_str)
}

/// Text that closes with an element goes where that element says: an
/// organisation's or a location's name, an indicator's title (2.0x
/// narratives, or 1.0x text written straight into the element).
fn close_text(a: &mut ReadActivity, path: &[String], text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let named = |k: usize| up(path, k);
    let (owner, grand) = match named(1) {
        Some("narrative") => (named(2), named(3)),
        other => (other, named(2)),
    };
    match (owner, grand) {
        (Some("participating-org"), _) => {
            if let Some(o) = a.participants.last_mut() {
                o.names.push(text.to_string());
            }
        }
        (Some("name"), Some("location")) => {
            if let Some(l) = a.locations.last_mut() {
                l.names.push(text.to_string());
            }
        }
        (Some("title"), Some("indicator")) => {
            if let Some(i) = a.indicators.last_mut() {
                i.titles.push(text.to_string());
            }
        }
        _ => {}
    }
}

/// The longest identifier kept (IATI's are tens of characters).
const MOST_IDENTIFIER: usize = 200;
/// How deep elements may nest (IATI's go six or seven deep).
const MOST_DEPTH: usize = 64;

/// Reads the activities of an IATI activity file within the default limits.
pub fn read_activities(xml: &str) -> Result<Vec<ReadActivity>, DomainError> {
    read_activities_within(xml, &crate::ReadLimits::default())
}

/// Reads the activities of an IATI activity file, versions 1.0x and 2.0x
/// (a 1.0x title is text in `title`, not narratives; its transaction types
/// are letters, mapped when the records are made). Only the parts twinaid
/// keeps are read; the rest is left as it is in the file. A file is
/// refused, naming the limit, when it holds more elements twinaid keeps
/// (activities, transactions, budgets, organisations, locations …) than
/// `limits.rows`, a text longer than `limits.cell_chars` (an identifier
/// longer than 200 characters), or elements nested deeper than 64.
pub fn read_activities_within(
    xml: &str,
    limits: &crate::ReadLimits,
) -> Result<Vec<ReadActivity>, DomainError> {
    let mut kept = 0usize;
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut out: Vec<ReadActivity> = Vec::new();
    let mut lang: Option<String> = None;
    let mut file_version = String::new();
    // Whether the title narrative being read has text already (entities split it).
    let mut title_open = false;
    // The text of the element being read, for names and indicator titles.
    let mut text = String::new();
    // An attribute past the cell limit is cut there: codes and references
    // that long are wrong anyway, and are refused where they are read.
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.trim().chars().take(limits.cell_chars).collect())
            })
    };
    let too_long = |chars: usize, max: usize| DomainError::CellTooLong { chars, max };
    loop {
        let event = reader.read_event().map_err(|e| {
            DomainError::BadIati(format!("at byte {}: {e}", reader.buffer_position()))
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                text.clear();
                if path.len() >= MOST_DEPTH {
                    return Err(DomainError::BadIati(format!(
                        "elements nested deeper than {MOST_DEPTH} at byte {}",
                        reader.buffer_position()
                    )));
                }
                let name = e.name().as_ref().to_string();
                let empty = matches!(event, Event::Empty(_));
                let get = |n: &str| attr(e, n).unwrap_or_default();
                if name == "iati-activities" {
                    file_version = get("version");
                } else if name == "iati-activity" {
                    out.push(ReadActivity {
                        lang: get("xml:lang"),
                        default_currency: get("default-currency"),
                        version: attr(e, "version").unwrap_or_else(|| file_version.clone()),
                        ..ReadActivity::default()
                    });
                }
                let parent = path.last().map(String::as_str);
                match (name.as_str(), parent, out.last_mut()) {
                    ("reporting-org", Some("iati-activity"), Some(a)) => {
                        a.reporting_ref = get("ref")
                    }
                    ("other-identifier", Some("iati-activity"), Some(a)) => {
                        a.other_identifiers.push((get("type"), get("ref")))
                    }
                    ("participating-org", Some("iati-activity"), Some(a)) => {
                        a.participants.push(ReadOrg {
                            role: get("role"),
                            reference: get("ref"),
                            names: Vec::new(),
                        })
                    }
                    ("location", Some("iati-activity"), Some(a)) => {
                        a.locations.push(ReadLocation {
                            reference: get("ref"),
                            ..ReadLocation::default()
                        })
                    }
                    ("administrative" | "location-id", Some("location"), Some(a)) => {
                        if let (Some(l), Some(code)) = (a.locations.last_mut(), attr(e, "code")) {
                            l.codes.push(code);
                        }
                    }
                    ("sector", Some("iati-activity"), Some(a)) => {
                        if let Some(code) = attr(e, "code") {
                            a.sectors.push((
                                get("vocabulary"),
                                code,
                                attr(e, "percentage")
                                    .and_then(|p| p.parse().ok())
                                    .unwrap_or(100.0),
                            ));
                        }
                    }
                    ("tag", Some("iati-activity"), Some(a)) => {
                        a.tags.push((get("vocabulary"), get("code")))
                    }
                    ("budget", Some("iati-activity"), Some(a)) => a.budgets.push(ReadValue {
                        kind: get("type"),
                        ..ReadValue::default()
                    }),
                    ("planned-disbursement", Some("iati-activity"), Some(a)) => {
                        a.planned_disbursements.push(ReadValue {
                            kind: get("type"),
                            ..ReadValue::default()
                        })
                    }
                    (
                        "period-start" | "value",
                        Some(p @ ("budget" | "planned-disbursement")),
                        Some(a),
                    ) => {
                        let list = if p == "budget" {
                            &mut a.budgets
                        } else {
                            &mut a.planned_disbursements
                        };
                        if let Some(v) = list.last_mut() {
                            if name == "value" {
                                v.currency = get("currency");
                                v.value_date = get("value-date");
                            } else {
                                v.period_start = get("iso-date");
                            }
                        }
                    }
                    ("indicator", Some("result"), Some(a)) => {
                        a.indicators.push(ReadIndicator::default())
                    }
                    ("reference", Some("indicator"), Some(a)) => {
                        if let Some(i) = a.indicators.last_mut() {
                            i.references.push((get("vocabulary"), get("code")));
                        }
                    }
                    ("actual", Some("period"), Some(a)) if up(&path, 2) == Some("indicator") => {
                        if let (Some(i), Some(v)) = (
                            a.indicators.last_mut(),
                            attr(e, "value").and_then(|v| v.parse::<f64>().ok()),
                        ) {
                            i.actual += v;
                        }
                    }
                    // A 1.0x title: its text is the title, in the title's language.
                    ("title", Some("iati-activity"), _) => {
                        lang = attr(e, "xml:lang");
                        title_open = false;
                    }
                    ("activity-status", _, Some(a)) => a.status = get("code"),
                    ("activity-date", _, Some(a)) => {
                        if let (Some(t), Some(d)) = (attr(e, "type"), attr(e, "iso-date")) {
                            a.dates.insert(t, d);
                        }
                    }
                    ("transaction", _, Some(a)) => a.transactions.push(ReadTransaction {
                        reference: get("ref"),
                        ..ReadTransaction::default()
                    }),
                    (
                        "transaction-type" | "transaction-date" | "value",
                        Some("transaction"),
                        Some(a),
                    ) => {
                        if let Some(t) = a.transactions.last_mut() {
                            match name.as_str() {
                                "transaction-type" => t.type_code = get("code"),
                                "transaction-date" => t.date = get("iso-date"),
                                _ => {
                                    t.currency = get("currency");
                                    t.value_date = get("value-date");
                                }
                            }
                        }
                    }
                    ("narrative", _, _) => lang = attr(e, "xml:lang"),
                    _ => {}
                }
                if KEPT.contains(&name.as_str()) {
                    kept += 1;
                    if kept > limits.rows {
                        return Err(DomainError::TooManyRows { max: limits.rows });
                    }
                }
                if !empty {
                    path.push(name);
                }
            }
            Event::Text(_) | Event::GeneralRef(_) => {
                // Entities arrive as their own events; each piece is added where the text goes.
                let piece = match &event {
                    Event::Text(t) => t.xml10_content().to_string(),
                    Event::GeneralRef(r) => match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match r.as_ref() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => format!("&{other};"),
                        },
                    },
                    _ => String::new(),
                };
                text.push_str(&piece);
                if text.len() > limits.cell_chars.saturating_mul(4) {
                    return Err(too_long(text.chars().count(), limits.cell_chars));
                }
                let Some(a) = out.last_mut() else {
                    continue;
                };
                match (up(&path, 1), up(&path, 2), up(&path, 3)) {
                    (Some("iati-identifier"), _, _) => {
                        a.identifier.push_str(&piece);
                        let chars = a.identifier.trim().chars().count();
                        if chars > MOST_IDENTIFIER {
                            return Err(too_long(chars, MOST_IDENTIFIER));
                        }
                    }
                    (Some("narrative"), Some("title"), Some("iati-activity"))
                    | (Some("title"), Some("iati-activity"), _) => {
                        if up(&path, 1) == Some("title") && piece.trim().is_empty() {
                            // The space between a 2.0x title's narratives.
                            continue;
                        }
                        match a.title.last_mut() {
                            Some((l, t)) if *l == lang && title_open => t.push_str(&piece),
                            _ => a.title.push((lang.clone(), piece)),
                        }
                        let chars = a.title.last().map_or(0, |(_, t)| t.chars().count());
                        if chars > limits.cell_chars {
                            return Err(too_long(chars, limits.cell_chars));
                        }
                        title_open = true;
                    }
                    (Some("value"), Some("transaction"), _) => {
                        if let Some(t) = a.transactions.last_mut() {
                            t.value.push_str(piece.trim());
                        }
                    }
                    (Some("value"), Some(p @ ("budget" | "planned-disbursement")), _) => {
                        let list = if p == "budget" {
                            &mut a.budgets
                        } else {
                            &mut a.planned_disbursements
                        };
                        if let Some(v) = list.last_mut() {
                            v.value.push_str(piece.trim());
                        }
                    }
                    _ => {}
                }
            }
            Event::End(_) => {
                if let Some(a) = out.last_mut() {
                    close_text(a, &path, &text);
                }
                text.clear();
                path.pop();
                title_open = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> crate::ReadLimits {
        crate::ReadLimits {
            rows: 10,
            cell_chars: 50,
            ..crate::ReadLimits::default()
        }
    }

    #[test]
    fn a_file_past_the_read_limits_is_refused_naming_the_limit() {
        let many = format!(
            "<iati-activities><iati-activity>{}</iati-activity></iati-activities>",
            "<transaction/>".repeat(20)
        );
        assert_eq!(
            read_activities_within(&many, &small()),
            Err(DomainError::TooManyRows { max: 10 })
        );
        let long = format!(
            "<iati-activities><iati-activity><title><narrative>{}</narrative></title></iati-activity></iati-activities>",
            "x".repeat(300)
        );
        assert!(matches!(
            read_activities_within(&long, &small()),
            Err(DomainError::CellTooLong { max: 50, .. })
        ));
        let id = format!(
            "<iati-activities><iati-activity><iati-identifier>{}</iati-identifier></iati-activity></iati-activities>",
            "I".repeat(201)
        );
        assert!(matches!(
            read_activities(&id),
            Err(DomainError::CellTooLong { max: 200, .. })
        ));
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(matches!(
            read_activities(&deep),
            Err(DomainError::BadIati(m)) if m.contains("deeper")
        ));
    }
}
