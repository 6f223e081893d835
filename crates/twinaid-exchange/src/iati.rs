//! The program's projects as IATI 2.03 activities: identifiers, participating
//! organisations with their roles, status, dates, sectors, locations with
//! their GB/T 2260 codes, budgets, transactions by type and results.

use quick_xml::escape::escape;
use std::collections::BTreeMap;
use std::fmt::Write;
use twinaid_domain::record::{FieldValue, Record};

/// What the export needs to know besides the records.
#[derive(Debug, Clone, Default)]
pub struct IatiContext {
    /// The reporting organisation's IATI identifier and name.
    pub reporting_ref: String,
    pub reporting_name: String,
    /// Unit code → (name in Chinese, name in English).
    pub units: BTreeMap<String, (String, String)>,
    /// Region code → (name in Chinese, name in English).
    pub places: BTreeMap<String, (String, String)>,
    /// When the file is made, RFC 3339.
    pub generated: String,
}

/// IATI activity status for a project's step (codelist ActivityStatus).
fn status(step: &str) -> &'static str {
    match step {
        "proposed" | "verified" => "1",
        "registered" | "in_progress" => "2",
        "completed" => "3",
        "inspected" => "4",
        "returned" | "cancelled" => "5",
        _ => "2",
    }
}

/// The OECD-DAC five-digit purpose code of a project's category.
fn sector(category: &str) -> (&'static str, &'static str) {
    match category {
        "school" => ("11220", "Primary education"),
        "hospital" => ("12220", "Basic health care"),
        "road" | "bridge" => ("21020", "Road transport"),
        "drinking_water" => ("14030", "Basic drinking water supply and basic sanitation"),
        "small_pond" => ("31140", "Agricultural water resources"),
        "agriculture" => ("31120", "Agricultural development"),
        "industry" => (
            "32130",
            "Small and medium-sized enterprises (SME) development",
        ),
        _ => ("43040", "Rural development"),
    }
}

/// IATI transaction type of a fund transaction's kind (codelist TransactionType).
fn transaction_type(kind: &str) -> &'static str {
    match kind {
        "commitment" => "2",
        "expenditure" => "4",
        _ => "3",
    }
}

fn text<'a>(r: &'a Record, name: &str) -> &'a str {
    r.get(name).as_text().unwrap_or_default()
}

fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

fn narratives(out: &mut String, zh: &str, en: &str) {
    if !zh.is_empty() {
        let _ = write!(out, "<narrative xml:lang=\"zh\">{}</narrative>", escape(zh));
    }
    if !en.is_empty() {
        let _ = write!(out, "<narrative>{}</narrative>", escape(en));
    }
    if zh.is_empty() && en.is_empty() {
        out.push_str("<narrative>-</narrative>");
    }
}

/// Writes the projects (with the fund transactions that name them) as an
/// IATI 2.03 activities file.
pub fn activities(projects: &[Record], transactions: &[Record], ctx: &IatiContext) -> String {
    let mut by_project: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for t in transactions {
        if let Some(p) = t.get("project_code").as_text() {
            by_project.entry(p).or_default().push(t);
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"{}\">\n",
        escape(&ctx.generated)
    );
    for p in projects {
        let code = p.code();
        let year = p.year().unwrap_or(0);
        let unit = text(p, "helper_unit");
        let region = text(p, "region_code");
        let (unit_zh, unit_en) = ctx.units.get(unit).cloned().unwrap_or_default();
        let (place_zh, place_en) = ctx.places.get(region).cloned().unwrap_or_default();
        let _ = write!(
            out,
            "<iati-activity xml:lang=\"en\" default-currency=\"CNY\" last-updated-datetime=\"{}\">",
            escape(&ctx.generated)
        );
        let _ = write!(
            out,
            "<iati-identifier>{}-{}</iati-identifier>",
            escape(&ctx.reporting_ref),
            escape(code)
        );
        let _ = write!(
            out,
            "<reporting-org ref=\"{}\" type=\"10\"><narrative>{}</narrative></reporting-org>",
            escape(&ctx.reporting_ref),
            escape(&ctx.reporting_name)
        );
        out.push_str("<title>");
        narratives(&mut out, text(p, "name_zh"), text(p, "name_en"));
        out.push_str("</title><description type=\"1\">");
        let (purpose, purpose_name) = sector(text(p, "category"));
        narratives(
            &mut out,
            &format!("{unit_zh}帮扶{place_zh}：{}", text(p, "name_zh")),
            &format!("{unit_en} helps {place_en}: {purpose_name}"),
        );
        out.push_str("</description>");
        // The helper unit funds and carries out the project; the county receives it.
        for role in ["1", "4"] {
            let _ = write!(
                out,
                "<participating-org ref=\"{}-{}\" type=\"10\" role=\"{role}\">",
                escape(&ctx.reporting_ref),
                escape(unit)
            );
            narratives(&mut out, &unit_zh, &unit_en);
            out.push_str("</participating-org>");
        }
        out.push_str("<participating-org type=\"10\" role=\"3\">");
        narratives(
            &mut out,
            &format!("{place_zh}人民政府"),
            &format!("{place_en} People's Government"),
        );
        out.push_str("</participating-org>");
        let _ = write!(
            out,
            "<other-identifier ref=\"{}\" type=\"A1\"/>",
            escape(code)
        );
        let _ = write!(
            out,
            "<activity-status code=\"{}\"/>",
            status(text(p, "status"))
        );
        let _ = write!(
            out,
            "<activity-date type=\"1\" iso-date=\"{year}-01-01\"/><activity-date type=\"3\" iso-date=\"{year}-12-31\"/>"
        );
        out.push_str("<recipient-country code=\"CN\" percentage=\"100\"/>");
        let _ = write!(out, "<location ref=\"GB2260-{}\">", escape(region));
        out.push_str("<name>");
        narratives(&mut out, &place_zh, &place_en);
        let _ = write!(
            out,
            "</name><administrative vocabulary=\"A4\" level=\"0\" code=\"CN\"/></location>"
        );
        let _ = write!(
            out,
            "<sector vocabulary=\"1\" code=\"{purpose}\" percentage=\"100\"/>"
        );
        let amount = p.get("amount").as_int().unwrap_or(0);
        let budget = p.get("budget").as_int().unwrap_or(amount);
        let _ = write!(
            out,
            "<budget type=\"1\" status=\"2\"><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><value currency=\"CNY\" value-date=\"{year}-01-01\">{}</value></budget>",
            yuan(budget)
        );
        // The project's aid funds are committed; the transactions that name it follow as they are.
        let _ = write!(
            out,
            "<transaction><transaction-type code=\"2\"/><transaction-date iso-date=\"{year}-01-01\"/><value currency=\"CNY\" value-date=\"{year}-01-01\">{}</value></transaction>",
            yuan(amount)
        );
        for t in by_project.get(code).into_iter().flatten() {
            let date = match t.get("date") {
                FieldValue::Text(d) => d.clone(),
                _ => format!("{}-12-31", t.year().unwrap_or(year)),
            };
            let _ = write!(
                out,
                "<transaction ref=\"{}\"><transaction-type code=\"{}\"/><transaction-date iso-date=\"{}\"/><value currency=\"CNY\" value-date=\"{}\">{}</value></transaction>",
                escape(t.code()),
                transaction_type(text(t, "kind")),
                escape(&date),
                escape(&date),
                yuan(t.get("amount").as_int().unwrap_or(0))
            );
        }
        if let Some(people) = p.get("beneficiaries").as_int() {
            let _ = write!(
                out,
                "<result type=\"1\"><title><narrative xml:lang=\"zh\">受益群众</narrative><narrative>People benefiting</narrative></title>\
                 <indicator measure=\"1\"><title><narrative xml:lang=\"zh\">受益人数</narrative><narrative>Beneficiaries</narrative></title>\
                 <period><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><actual value=\"{people}\"/></period></indicator></result>"
            );
        }
        out.push_str("</iati-activity>\n");
    }
    out.push_str("</iati-activities>\n");
    out
}

/// One transaction of an activity read from an IATI file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTransaction {
    pub type_code: String,
    pub date: String,
    /// The value as written (a decimal in the file's currency).
    pub value: String,
    pub currency: String,
}

/// What twinaid reads of one IATI activity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadActivity {
    pub identifier: String,
    pub title: Vec<(Option<String>, String)>,
    pub status: String,
    /// activity-date type → date.
    pub dates: BTreeMap<String, String>,
    pub default_currency: String,
    pub transactions: Vec<ReadTransaction>,
}

/// Reads the activities of an IATI activity file (version 2.0x). Only the
/// parts twinaid keeps are read; the rest is left as it is in the file.
pub fn read_activities(xml: &str) -> Result<Vec<ReadActivity>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut out: Vec<ReadActivity> = Vec::new();
    let mut lang: Option<String> = None;
    // Whether the title narrative being read has text already (entities split it).
    let mut title_open = false;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.trim().to_string())
            })
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.name().as_ref().to_string();
                let empty = matches!(event, Event::Empty(_));
                match name.as_str() {
                    "iati-activity" => out.push(ReadActivity {
                        default_currency: attr(e, "default-currency").unwrap_or_default(),
                        ..ReadActivity::default()
                    }),
                    "activity-status" => {
                        if let Some(a) = out.last_mut() {
                            a.status = attr(e, "code").unwrap_or_default();
                        }
                    }
                    "activity-date" => {
                        if let (Some(a), Some(t), Some(d)) =
                            (out.last_mut(), attr(e, "type"), attr(e, "iso-date"))
                        {
                            a.dates.insert(t, d);
                        }
                    }
                    "transaction" => {
                        if let Some(a) = out.last_mut() {
                            a.transactions.push(ReadTransaction {
                                type_code: String::new(),
                                date: String::new(),
                                value: String::new(),
                                currency: String::new(),
                            });
                        }
                    }
                    "transaction-type" | "transaction-date" | "value"
                        if path.last().is_some_and(|p| p == "transaction") =>
                    {
                        if let Some(t) = out.last_mut().and_then(|a| a.transactions.last_mut()) {
                            match name.as_str() {
                                "transaction-type" => {
                                    t.type_code = attr(e, "code").unwrap_or_default()
                                }
                                "transaction-date" => {
                                    t.date = attr(e, "iso-date").unwrap_or_default()
                                }
                                _ => {
                                    t.currency = attr(e, "currency").unwrap_or_default();
                                    if t.date.is_empty() {
                                        t.date = attr(e, "value-date").unwrap_or_default();
                                    }
                                }
                            }
                        }
                    }
                    "narrative" => lang = attr(e, "xml:lang"),
                    _ => {}
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
                let n = path.len();
                let parent = |k: usize| {
                    n.checked_sub(k)
                        .and_then(|i| path.get(i))
                        .map(String::as_str)
                };
                match (parent(1), parent(2), parent(3)) {
                    (Some("iati-identifier"), _, _) => {
                        if let Some(a) = out.last_mut() {
                            a.identifier.push_str(&piece);
                        }
                    }
                    (Some("narrative"), Some("title"), Some("iati-activity")) => {
                        if let Some(a) = out.last_mut() {
                            match a.title.last_mut() {
                                Some((l, t)) if *l == lang && title_open => t.push_str(&piece),
                                _ => a.title.push((lang.clone(), piece)),
                            }
                            title_open = true;
                        }
                    }
                    (Some("value"), Some("transaction"), _) => {
                        if let Some(t) = out.last_mut().and_then(|a| a.transactions.last_mut()) {
                            t.value.push_str(piece.trim());
                        }
                    }
                    _ => {}
                }
            }
            Event::End(_) => {
                path.pop();
                title_open = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// A value to the cent, as twinaid keeps money: IATI files may carry more
/// decimals ("3228013.6201"); anything that is not a number is left to be refused.
fn cents(value: &str) -> String {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => format!("{v:.2}"),
        _ => value.to_string(),
    }
}

/// How read activities become records of a program.
#[derive(Debug, Clone)]
pub struct IatiMapping {
    /// The helper unit the activities are recorded under.
    pub helper_unit: String,
    /// The helped region they are recorded in.
    pub region: String,
    pub file: String,
}

/// Activities as records, a project each with its fund transactions;
/// commitments, disbursements and expenditures are kept, other transaction
/// types are listed as skipped. The project's aid funds are its disbursements.
pub fn records_from_activities(
    activities: &[ReadActivity],
    mapping: &IatiMapping,
) -> (
    Vec<twinaid_domain::bundle::Located<Record>>,
    Vec<twinaid_domain::Problem>,
    Vec<String>,
) {
    use twinaid_domain::bundle::Located;
    use twinaid_domain::error::Location;
    use twinaid_domain::record::RecordKind;
    let (mut records, mut problems, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    let code_of = |id: &str| -> String {
        let mut c: String = id
            .trim()
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || "-_.".contains(ch) {
                    ch
                } else {
                    '-'
                }
            })
            .collect();
        while c.contains("--") {
            c = c.replace("--", "-");
        }
        c.chars().take(60).collect()
    };
    for (n, a) in activities.iter().enumerate() {
        let at = Location {
            file: Some(mapping.file.clone()),
            row: Some(n + 1),
            column: Some("iati-activity".into()),
            value: Some(a.identifier.clone()),
        };
        let code = code_of(&a.identifier);
        // A twinaid project belongs to one year: the latest year the file
        // reports money for, else the year the activity started.
        let start = ["2", "1"]
            .iter()
            .find_map(|t| a.dates.get(*t))
            .cloned()
            .unwrap_or_default();
        let year = a
            .transactions
            .iter()
            .filter_map(|t| t.date.get(..4))
            .max()
            .unwrap_or_else(|| start.get(..4).unwrap_or_default())
            .to_string();
        let title = |want_zh: bool| {
            a.title
                .iter()
                .find(|(l, _)| (l.as_deref() == Some("zh")) == want_zh)
                .map(|(_, t)| t.clone())
        };
        let name_zh = title(true)
            .or_else(|| title(false))
            .unwrap_or_else(|| code.clone());
        let status = match a.status.as_str() {
            "1" => "proposed",
            "3" | "4" => "completed",
            "5" => "cancelled",
            _ => "in_progress",
        };
        let mut kept = Vec::new();
        for (i, t) in a.transactions.iter().enumerate() {
            let kind = match t.type_code.as_str() {
                "2" => "commitment",
                "3" => "disbursement",
                "4" => "expenditure",
                other => {
                    skipped.push(format!(
                        "{} transaction {}: type {other}",
                        a.identifier,
                        i + 1
                    ));
                    continue;
                }
            };
            kept.push((i, kind, t));
        }
        let disbursed: f64 = kept
            .iter()
            .filter(|(_, k, _)| *k == "disbursement")
            .filter_map(|(_, _, t)| cents(&t.value).parse::<f64>().ok())
            .sum();
        let mut push =
            |kind: RecordKind, cells: Vec<(&str, String)>| match Record::parse(kind, |name| {
                cells
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.as_str())
            }) {
                Ok(r) => records.push(Located::new(at.clone(), r)),
                Err(errors) => problems.extend(errors.into_iter().map(|(field, e)| {
                    let mut l = at.clone();
                    l.column = Some(field.to_string());
                    twinaid_domain::Problem::at(l, e)
                })),
            };
        push(
            RecordKind::Project,
            vec![
                ("code", code.clone()),
                ("year", year.clone()),
                ("helper_unit", mapping.helper_unit.clone()),
                ("region_code", mapping.region.clone()),
                ("category", "other".into()),
                ("name_zh", name_zh),
                ("name_en", title(false).unwrap_or_default()),
                ("status", status.into()),
                ("amount", format!("{disbursed:.2}")),
                ("note", format!("IATI {}", a.identifier)),
            ],
        );
        for (i, kind, t) in kept {
            let currency = if t.currency.is_empty() {
                &a.default_currency
            } else {
                &t.currency
            };
            push(
                RecordKind::FundTransaction,
                vec![
                    ("code", format!("{code}-t{}", i + 1)),
                    ("year", t.date.get(..4).unwrap_or(&year).to_string()),
                    ("helper_unit", mapping.helper_unit.clone()),
                    ("region_code", mapping.region.clone()),
                    ("kind", kind.into()),
                    ("amount", cents(&t.value)),
                    ("date", t.date.clone()),
                    ("project_code", code.clone()),
                    ("note", format!("IATI {} {currency}", a.identifier)),
                ],
            );
        }
    }
    (records, problems, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_entities_and_transactions_are_read() {
        let xml = r#"<iati-activities version="2.03"><iati-activity default-currency="EUR">
            <iati-identifier>XM-1 &amp; 2</iati-identifier>
            <title><narrative>Roads &amp; bridges</narrative><narrative xml:lang="zh">道路&#x548C;桥梁</narrative></title>
            <activity-status code="3"/><activity-date type="2" iso-date="2019-03-01"/>
            <transaction><transaction-type code="3"/><transaction-date iso-date="2020-05-01"/><value currency="EUR">10.126</value></transaction>
            <transaction><transaction-type code="1"/><transaction-date iso-date="2020-05-01"/><value>5</value></transaction>
        </iati-activity></iati-activities>"#;
        let a = &read_activities(xml).unwrap()[0];
        assert_eq!(a.identifier, "XM-1 & 2");
        assert_eq!(a.title[0], (None, "Roads & bridges".to_string()));
        assert_eq!(a.title[1], (Some("zh".into()), "道路和桥梁".to_string()));
        let mapping = IatiMapping {
            helper_unit: "u".into(),
            region: "510800".into(),
            file: "f.xml".into(),
        };
        let (records, problems, skipped) =
            records_from_activities(std::slice::from_ref(a), &mapping);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(skipped.len(), 1, "incoming funds are not twinaid's to keep");
        let project = &records[0].item;
        assert_eq!(project.code(), "XM-1-2");
        assert_eq!(project.year(), Some(2020), "the year the money moved");
        assert_eq!(project.get("amount").as_int(), Some(1013), "to the cent");
        assert_eq!(project.get("status").as_text(), Some("completed"));
    }

    #[test]
    fn what_is_not_xml_is_refused_with_where() {
        assert!(read_activities("<iati-activities><a></b></iati-activities>").is_err());
    }
}
