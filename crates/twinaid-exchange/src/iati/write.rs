//! The program's counted work as an IATI 2.03 activities file: a project
//! an activity, and the money given to no project under one activity per
//! helper unit, year and helped place.

use super::{
    MEASURED_FIELDS, PROGRAM_FUNDS_TAG, hundredths_text, sector, status, transaction_type,
};
use quick_xml::escape::escape;
use std::collections::BTreeMap;
use std::fmt::Write;
use twinaid_domain::record::{FieldValue, Record, RecordKind};

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

fn text<'a>(r: &'a Record, name: &str) -> &'a str {
    r.get(name).as_text().unwrap_or_default()
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

/// The parts every activity starts with, in the schema's order up to the
/// locations: identifier, reporting organisation, title, description,
/// participating organisations (the helper unit funds and carries out, the
/// place's government receives), the project code, status and dates.
struct Head<'a> {
    identifier: String,
    title: (String, String),
    description: (String, String),
    unit: &'a str,
    region: &'a str,
    /// The twinaid project code (`other-identifier` type A1), if a project.
    project: Option<&'a str>,
    status: &'static str,
    year: i32,
}

fn head(out: &mut String, h: &Head, ctx: &IatiContext) {
    let (unit_zh, unit_en) = ctx.units.get(h.unit).cloned().unwrap_or_default();
    let (place_zh, place_en) = ctx.places.get(h.region).cloned().unwrap_or_default();
    let _ = write!(
        out,
        "<iati-activity xml:lang=\"en\" default-currency=\"CNY\" last-updated-datetime=\"{}\">",
        escape(&ctx.generated)
    );
    let _ = write!(
        out,
        "<iati-identifier>{}</iati-identifier>",
        escape(&h.identifier)
    );
    let _ = write!(
        out,
        "<reporting-org ref=\"{}\" type=\"10\"><narrative>{}</narrative></reporting-org>",
        escape(&ctx.reporting_ref),
        escape(&ctx.reporting_name)
    );
    out.push_str("<title>");
    narratives(out, &h.title.0, &h.title.1);
    out.push_str("</title><description type=\"1\">");
    narratives(out, &h.description.0, &h.description.1);
    out.push_str("</description>");
    for role in ["1", "4"] {
        let _ = write!(
            out,
            "<participating-org ref=\"{}-{}\" type=\"10\" role=\"{role}\">",
            escape(&ctx.reporting_ref),
            escape(h.unit)
        );
        narratives(out, &unit_zh, &unit_en);
        out.push_str("</participating-org>");
    }
    out.push_str("<participating-org type=\"10\" role=\"3\">");
    narratives(
        out,
        &format!("{place_zh}人民政府"),
        &format!("{place_en} People's Government"),
    );
    out.push_str("</participating-org>");
    if let Some(code) = h.project {
        let _ = write!(
            out,
            "<other-identifier ref=\"{}\" type=\"A1\"/>",
            escape(code)
        );
    }
    let year = h.year;
    let _ = write!(
        out,
        "<activity-status code=\"{}\"/><activity-date type=\"1\" iso-date=\"{year}-01-01\"/><activity-date type=\"3\" iso-date=\"{year}-12-31\"/>",
        h.status
    );
    out.push_str("<recipient-country code=\"CN\" percentage=\"100\"/>");
    // The place by its GB/T 2260 code: IATI has no vocabulary for it, so
    // the code is the location's reference, read back by twinaid's import.
    let _ = write!(out, "<location ref=\"GB2260-{}\"><name>", escape(h.region));
    narratives(out, &place_zh, &place_en);
    out.push_str("</name><administrative vocabulary=\"A4\" level=\"0\" code=\"CN\"/></location>");
}

/// One fund transaction as it was given: in its own currency when that is
/// not yuan; its date, else the last day of its year.
fn transaction(out: &mut String, t: &Record) {
    let date = match t.get("date") {
        FieldValue::Text(d) => d.clone(),
        _ => format!("{}-12-31", t.year().unwrap_or(0)),
    };
    let (currency, value) = match (
        t.get("currency").as_text(),
        t.get("original_amount").as_int(),
    ) {
        (Some(c), Some(original)) if !c.is_empty() && c != "CNY" => (c, original),
        _ => ("CNY", t.get("amount").as_int().unwrap_or(0)),
    };
    let _ = write!(
        out,
        "<transaction ref=\"{}\"><transaction-type code=\"{}\"/><transaction-date iso-date=\"{}\"/><value currency=\"{}\" value-date=\"{}\">{}</value></transaction>",
        escape(t.code()),
        transaction_type(text(t, "kind")),
        escape(&date),
        escape(currency),
        escape(&date),
        hundredths_text(value)
    );
}

/// The project's measured results (people benefiting, km, things built),
/// each an indicator with twinaid's field name as its reference code.
fn results(out: &mut String, p: &Record, year: i32) {
    let measured: Vec<(&str, &str, &str, String)> = MEASURED_FIELDS
        .iter()
        .filter_map(|(field, zh, en)| {
            let spec = RecordKind::Project.field(field)?;
            let value = p.get(field);
            (!matches!(value, FieldValue::Null)).then(|| (*field, *zh, *en, spec.write(value)))
        })
        .collect();
    if measured.is_empty() {
        return;
    }
    out.push_str("<result type=\"1\"><title><narrative xml:lang=\"zh\">项目成效</narrative><narrative>Project results</narrative></title>");
    for (field, zh, en, value) in measured {
        let _ = write!(
            out,
            "<indicator measure=\"1\"><title><narrative xml:lang=\"zh\">{zh}</narrative><narrative>{en}</narrative></title>\
             <reference vocabulary=\"99\" code=\"{field}\"/>\
             <period><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><actual value=\"{}\"/></period></indicator>",
            escape(&value)
        );
    }
    out.push_str("</result>");
}

fn project(out: &mut String, p: &Record, linked: &[&Record], ctx: &IatiContext) {
    let code = p.code();
    let year = p.year().unwrap_or(0);
    let unit = text(p, "helper_unit");
    let region = text(p, "region_code");
    let (unit_zh, unit_en) = ctx.units.get(unit).cloned().unwrap_or_default();
    let (place_zh, place_en) = ctx.places.get(region).cloned().unwrap_or_default();
    let (purpose, purpose_name) = sector(text(p, "category"));
    head(
        out,
        &Head {
            identifier: format!("{}-{}", ctx.reporting_ref, code),
            title: (text(p, "name_zh").into(), text(p, "name_en").into()),
            description: (
                format!("{unit_zh}帮扶{place_zh}：{}", text(p, "name_zh")),
                format!("{unit_en} helps {place_en}: {purpose_name}"),
            ),
            unit,
            region,
            project: Some(code),
            status: status(text(p, "status")),
            year,
        },
        ctx,
    );
    // The DAC code for everyone; twinaid's own category (vocabulary 99,
    // the reporting organisation's) so that an import gets it back.
    let _ = write!(
        out,
        "<sector vocabulary=\"1\" code=\"{purpose}\" percentage=\"100\"/><sector vocabulary=\"99\" code=\"{}\" percentage=\"100\"/>",
        escape(text(p, "category"))
    );
    if let Some(budget) = p.get("budget").as_int() {
        let _ = write!(
            out,
            "<budget type=\"1\" status=\"2\"><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><value currency=\"CNY\" value-date=\"{year}-01-01\">{}</value></budget>",
            hundredths_text(budget)
        );
    }
    for t in linked {
        transaction(out, t);
    }
    // What the project received beyond the disbursements recorded against
    // it is disbursed too, so that the file's disbursements are the
    // project's aid funds (as an import reads them back).
    let recorded: i64 = linked
        .iter()
        .filter(|t| text(t, "kind") == "disbursement")
        .filter_map(|t| t.get("amount").as_int())
        .sum();
    let rest = p.get("amount").as_int().unwrap_or(0) - recorded;
    if rest > 0 {
        let _ = write!(
            out,
            "<transaction><transaction-type code=\"3\"/><transaction-date iso-date=\"{year}-12-31\"/><value currency=\"CNY\" value-date=\"{year}-12-31\">{}</value></transaction>",
            hundredths_text(rest)
        );
    }
    results(out, p, year);
    out.push_str("</iati-activity>\n");
}

/// Money given to no project: one activity per helper unit, year and
/// place (an IATI transaction cannot name a place of its own), tagged so
/// that an import keeps it off every project.
fn program_funds(
    out: &mut String,
    (unit, year, region): (&str, i32, &str),
    given: &[&Record],
    ctx: &IatiContext,
) {
    let (unit_zh, unit_en) = ctx.units.get(unit).cloned().unwrap_or_default();
    let (place_zh, place_en) = ctx.places.get(region).cloned().unwrap_or_default();
    head(
        out,
        &Head {
            identifier: format!("{}-FUNDS-{unit}-{year}-{region}", ctx.reporting_ref),
            title: (
                format!("{unit_zh}{year}年帮扶{place_zh}资金（不属具体项目）"),
                format!("{unit_en}: {year} aid funds to {place_en} not for one project"),
            ),
            description: (
                format!("{unit_zh}{year}年拨付{place_zh}、未列入具体项目的帮扶资金"),
                format!("Aid funds {unit_en} gave {place_en} in {year} for no single project"),
            ),
            unit,
            region,
            project: None,
            status: "2",
            year,
        },
        ctx,
    );
    let _ = write!(
        out,
        "<sector vocabulary=\"1\" code=\"43040\" percentage=\"100\"/><tag vocabulary=\"99\" code=\"{PROGRAM_FUNDS_TAG}\"><narrative xml:lang=\"zh\">不属具体项目的帮扶资金</narrative><narrative>Aid funds for no single project</narrative></tag>"
    );
    for t in given {
        transaction(out, t);
    }
    out.push_str("</iati-activity>\n");
}

/// Writes the projects, the fund transactions that name them, and those
/// that name no project, as an IATI 2.03 activities file.
pub fn activities(projects: &[Record], transactions: &[Record], ctx: &IatiContext) -> String {
    let mut by_project: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    let mut unlinked: BTreeMap<(&str, i32, &str), Vec<&Record>> = BTreeMap::new();
    for t in transactions {
        match t.get("project_code").as_text().filter(|p| !p.is_empty()) {
            Some(p) => by_project.entry(p).or_default().push(t),
            None => unlinked
                .entry((
                    text(t, "helper_unit"),
                    t.year().unwrap_or(0),
                    text(t, "region_code"),
                ))
                .or_default()
                .push(t),
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"{}\">\n",
        escape(&ctx.generated)
    );
    for p in projects {
        let linked = by_project.get(p.code()).map(Vec::as_slice).unwrap_or(&[]);
        project(&mut out, p, linked, ctx);
    }
    for (key, given) in &unlinked {
        program_funds(&mut out, *key, given, ctx);
    }
    out.push_str("</iati-activities>\n");
    out
}
