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
