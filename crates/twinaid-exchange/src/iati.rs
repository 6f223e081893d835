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

/// The project category of an OECD-DAC purpose code (five digits) or
/// sector (three), read back as the export writes categories: water supply
/// and sanitation → drinking water, agricultural water → small ponds, road
/// transport → roads, education → schools, health → hospitals,
/// agriculture → agriculture, industry and SMEs → industry; anything else
/// (rural development included) → other. Documented in docs/data-format.md.
pub fn category_of_sector(code: &str) -> &'static str {
    let code = code.trim();
    match code {
        "14030" | "14031" | "14032" | "14021" | "14022" => return "drinking_water",
        "31140" => return "small_pond",
        "21020" => return "road",
        _ => {}
    }
    match code.get(..3).unwrap_or_default() {
        "111" | "112" | "113" | "114" => "school",
        "121" | "122" | "123" => "hospital",
        "311" => "agriculture",
        "321" | "322" | "323" => "industry",
        _ => "other",
    }
}

/// An activity's category: twinaid's own where the file gives one (a
/// vocabulary-99 sector naming a category, as twinaid's export writes),
/// else that of its largest DAC sector (vocabulary 1 or 2, or none given;
/// 1.0x's `DAC`, `DAC-3`), else other; with the code it came from.
fn activity_category(a: &ReadActivity) -> (&'static str, Option<String>) {
    let categories = match twinaid_domain::record::RecordKind::Project
        .field("category")
        .map(|f| f.ty)
    {
        Some(twinaid_domain::record::FieldType::Choice(choices)) => choices,
        _ => &[],
    };
    if let Some(own) = a.sectors.iter().find_map(|(v, code, _)| {
        (v == "99")
            .then(|| categories.iter().find(|c| c.code == code.as_str()))
            .flatten()
    }) {
        return (own.code, Some(format!("99:{}", own.code)));
    }
    a.sectors
        .iter()
        .filter(|(v, _, _)| matches!(v.as_str(), "" | "1" | "2" | "DAC" | "DAC-3"))
        .max_by(|x, y| x.2.total_cmp(&y.2))
        .map_or(("other", None), |(_, code, _)| {
            (category_of_sector(code), Some(code.clone()))
        })
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

/// Hundredths (fen, or cents of another currency) as IATI writes a value,
/// a reversal with its sign.
fn hundredths_text(hundredths: i64) -> String {
    twinaid_domain::money::format_decimal(hundredths, 100)
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
        // The DAC code for everyone; twinaid's own category (vocabulary 99,
        // the reporting organisation's) so that an import gets it back.
        let _ = write!(
            out,
            "<sector vocabulary=\"1\" code=\"{purpose}\" percentage=\"100\"/><sector vocabulary=\"99\" code=\"{}\" percentage=\"100\"/>",
            escape(text(p, "category"))
        );
        let amount = p.get("amount").as_int().unwrap_or(0);
        let budget = p.get("budget").as_int().unwrap_or(amount);
        let _ = write!(
            out,
            "<budget type=\"1\" status=\"2\"><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><value currency=\"CNY\" value-date=\"{year}-01-01\">{}</value></budget>",
            hundredths_text(budget)
        );
        // The project's aid funds are committed; the transactions that name it follow as they are.
        let _ = write!(
            out,
            "<transaction><transaction-type code=\"2\"/><transaction-date iso-date=\"{year}-01-01\"/><value currency=\"CNY\" value-date=\"{year}-01-01\">{}</value></transaction>",
            hundredths_text(amount)
        );
        for t in by_project.get(code).into_iter().flatten() {
            let date = match t.get("date") {
                FieldValue::Text(d) => d.clone(),
                _ => format!("{}-12-31", t.year().unwrap_or(year)),
            };
            // Money given in another currency goes out as it was given.
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
    /// The type as written: a number (2.0x) or letters (1.0x: `D`, `C` …).
    pub type_code: String,
    pub date: String,
    /// The value as written (a decimal in the file's currency).
    pub value: String,
    pub currency: String,
    /// The day the value is converted at (the value's `value-date`).
    pub value_date: String,
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
    /// The activity's version (its own, else the file's).
    pub version: String,
    /// Its sectors: (vocabulary, code, percentage), as written.
    pub sectors: Vec<(String, String, f64)>,
    /// How many `budget` and `planned-disbursement` elements it has (not kept yet).
    pub budgets: usize,
    pub planned_disbursements: usize,
}

/// Reads the activities of an IATI activity file, versions 1.0x and 2.0x
/// (a 1.0x title is text in `title`, not narratives; its transaction types
/// are letters, mapped when the records are made). Only the parts twinaid
/// keeps are read; the rest is left as it is in the file.
pub fn read_activities(xml: &str) -> Result<Vec<ReadActivity>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut out: Vec<ReadActivity> = Vec::new();
    let mut lang: Option<String> = None;
    let mut file_version = String::new();
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
                    "iati-activities" => {
                        file_version = attr(e, "version").unwrap_or_default();
                    }
                    "iati-activity" => out.push(ReadActivity {
                        default_currency: attr(e, "default-currency").unwrap_or_default(),
                        version: attr(e, "version").unwrap_or_else(|| file_version.clone()),
                        ..ReadActivity::default()
                    }),
                    "sector" if path.last().is_some_and(|p| p == "iati-activity") => {
                        if let (Some(a), Some(code)) = (out.last_mut(), attr(e, "code")) {
                            a.sectors.push((
                                attr(e, "vocabulary").unwrap_or_default(),
                                code,
                                attr(e, "percentage")
                                    .and_then(|p| p.parse().ok())
                                    .unwrap_or(100.0),
                            ));
                        }
                    }
                    "budget" | "planned-disbursement"
                        if path.last().is_some_and(|p| p == "iati-activity") =>
                    {
                        if let Some(a) = out.last_mut() {
                            if name == "budget" {
                                a.budgets += 1;
                            } else {
                                a.planned_disbursements += 1;
                            }
                        }
                    }
                    // A 1.0x title: its text is the title, in the title's language.
                    "title" if path.last().is_some_and(|p| p == "iati-activity") => {
                        lang = attr(e, "xml:lang");
                        title_open = false;
                    }
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
                                value_date: String::new(),
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
                                    t.value_date = attr(e, "value-date").unwrap_or_default();
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
                    (Some("narrative"), Some("title"), Some("iati-activity"))
                    | (Some("title"), Some("iati-activity"), _) => {
                        if parent(1) == Some("title") && piece.trim().is_empty() {
                            // The space between a 2.0x title's narratives.
                            continue;
                        }
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

/// How read activities become records of a program.
#[derive(Debug, Clone)]
pub struct IatiMapping {
    /// The helper unit the activities are recorded under.
    pub helper_unit: String,
    /// The helped region they are recorded in.
    pub region: String,
    pub file: String,
}

/// Why something in an IATI file was not kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A transaction type twinaid does not keep (incoming funds, loan
    /// repayments …): not money the helper gave.
    TransactionType(String),
    /// A transaction with no currency, and no default on its activity.
    NoCurrency,
    /// A transaction whose value is not a number.
    BadValue(String),
    /// Budgets and planned disbursements are not kept yet.
    Budget,
    PlannedDisbursement,
}

impl SkipReason {
    /// The reason in words.
    pub fn text(&self, lang: twinaid_domain::Lang) -> String {
        use twinaid_domain::Lang;
        match (self, lang) {
            (SkipReason::TransactionType(t), Lang::Zh) => {
                format!("交易类型 {t} 不是帮扶方的承诺、拨付或支出（如进项资金、还款），不计入")
            }
            (SkipReason::TransactionType(t), Lang::En) => format!(
                "transaction type {t} is not a commitment, disbursement or expenditure of the helper (incoming funds, repayments …), not counted"
            ),
            (SkipReason::NoCurrency, Lang::Zh) => "交易和活动都没有写币种".into(),
            (SkipReason::NoCurrency, Lang::En) => {
                "neither the transaction nor its activity names a currency".into()
            }
            (SkipReason::BadValue(v), Lang::Zh) => format!("金额“{v}”不是数字"),
            (SkipReason::BadValue(v), Lang::En) => format!("the value \"{v}\" is not a number"),
            (SkipReason::Budget, Lang::Zh) => "预算（budget）尚不保存".into(),
            (SkipReason::Budget, Lang::En) => "budgets are not kept yet".into(),
            (SkipReason::PlannedDisbursement, Lang::Zh) => {
                "计划拨付（planned-disbursement）尚不保存".into()
            }
            (SkipReason::PlannedDisbursement, Lang::En) => {
                "planned disbursements are not kept yet".into()
            }
        }
    }
}

/// One thing left out of an import: the activity, the element (`transaction
/// 3`, `budget ×2`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub activity: String,
    pub element: String,
    pub reason: SkipReason,
}

/// The money of one currency and transaction kind in a file, as kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub transactions: usize,
    /// Sum of the values as written, in hundredths of the currency.
    pub original: i64,
    /// Sum of the yuan they were converted to, in fen (those converted).
    pub yuan: i64,
    /// How many have no rate yet, so no yuan.
    pub unconverted: usize,
}

/// What an IATI file gives: records, problems, what was left out and why,
/// and the money kept per (currency, kind).
#[derive(Debug, Clone, Default)]
pub struct FromIati {
    pub records: Vec<twinaid_domain::bundle::Located<Record>>,
    pub problems: Vec<twinaid_domain::Problem>,
    pub skipped: Vec<Skip>,
    /// Transactions kept in their own currency without yuan, for want of a
    /// rate: "identifier transaction N: 12.50 XDR on 2015-06-30".
    pub unconverted: Vec<String>,
    pub totals: BTreeMap<(String, String), CurrencyTotal>,
    /// How activities' sectors were read: (sector code, category) → activities.
    pub categories: BTreeMap<(String, String), usize>,
}

/// The transaction kind twinaid keeps for an IATI transaction type: 2.0x
/// numbers, or 1.0x letters.
fn fund_kind(type_code: &str) -> Option<&'static str> {
    match type_code.trim().to_ascii_uppercase().as_str() {
        "2" | "C" => Some("commitment"),
        "3" | "D" => Some("disbursement"),
        "4" | "E" => Some("expenditure"),
        _ => None,
    }
}

/// A value to the hundredth, as twinaid keeps money: IATI files may carry
/// more decimals ("3228013.6201").
fn hundredths(value: &str) -> Option<i64> {
    let v: f64 = value.trim().replace(',', "").parse().ok()?;
    let h = (v * 100.0).round();
    (h.is_finite() && h.abs() < 9.0e15).then_some(h as i64)
}

/// Activities as records, a project each with its fund transactions:
/// commitments, disbursements and expenditures (1.0x letters too) are kept,
/// reversals (negative values) as they are; money in another currency keeps
/// its currency and original amount and is converted to yuan with `rates`
/// at its value date (its transaction date when it has none), or kept
/// without yuan where there is no rate. Everything left out is listed with
/// its reason. The project's aid funds are its disbursements in yuan.
pub fn records_from_activities(
    activities: &[ReadActivity],
    mapping: &IatiMapping,
    rates: &twinaid_domain::currency::Layered<'_>,
) -> FromIati {
    use twinaid_domain::bundle::Located;
    use twinaid_domain::currency::YUAN;
    use twinaid_domain::error::Location;
    use twinaid_domain::record::RecordKind;
    let mut out = FromIati::default();
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
        let skip = |out: &mut FromIati, element: String, reason: SkipReason| {
            out.skipped.push(Skip {
                activity: a.identifier.clone(),
                element,
                reason,
            })
        };
        if a.budgets > 0 {
            skip(
                &mut out,
                format!("budget ×{}", a.budgets),
                SkipReason::Budget,
            );
        }
        if a.planned_disbursements > 0 {
            skip(
                &mut out,
                format!("planned-disbursement ×{}", a.planned_disbursements),
                SkipReason::PlannedDisbursement,
            );
        }
        let code = code_of(&a.identifier);
        let (category, sector) = activity_category(a);
        *out.categories
            .entry((sector.unwrap_or_else(|| "—".into()), category.to_string()))
            .or_default() += 1;
        // A twinaid project belongs to one year: the latest year the file
        // reports money for, else the year the activity started.
        let start = ["2", "1", "start-actual", "start-planned"]
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
                .map(|(_, t)| t.trim().to_string())
                .filter(|t| !t.is_empty())
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
        // Each kept transaction: (index, kind, currency, original hundredths, yuan fen if any, date).
        let mut kept = Vec::new();
        for (i, t) in a.transactions.iter().enumerate() {
            let element = format!("transaction {}", i + 1);
            let Some(kind) = fund_kind(&t.type_code) else {
                skip(
                    &mut out,
                    element,
                    SkipReason::TransactionType(t.type_code.clone()),
                );
                continue;
            };
            let currency = [&t.currency, &a.default_currency]
                .into_iter()
                .find(|c| !c.trim().is_empty())
                .map(|c| c.trim().to_ascii_uppercase());
            let Some(currency) = currency else {
                skip(&mut out, element, SkipReason::NoCurrency);
                continue;
            };
            let Some(original) = hundredths(&t.value) else {
                skip(&mut out, element, SkipReason::BadValue(t.value.clone()));
                continue;
            };
            let value_date = if t.value_date.is_empty() {
                t.date.clone()
            } else {
                t.value_date.clone()
            };
            let on = if value_date.is_empty() {
                year.clone()
            } else {
                value_date
            };
            let yuan = rates.to_fen(original, &currency, &on);
            let total = out
                .totals
                .entry((currency.clone(), kind.to_string()))
                .or_default();
            total.transactions += 1;
            total.original += original;
            match yuan {
                Some(fen) => total.yuan += fen,
                None => {
                    total.unconverted += 1;
                    out.unconverted.push(format!(
                        "{} {element}: {} {currency} ({on})",
                        a.identifier,
                        hundredths_text(original)
                    ));
                }
            }
            kept.push((i, kind, currency, original, yuan, t));
        }
        let disbursed: i64 = kept
            .iter()
            .filter(|(_, k, ..)| *k == "disbursement")
            .filter_map(|(_, _, _, _, yuan, _)| *yuan)
            .sum();
        let push =
            |out: &mut FromIati, kind: RecordKind, cells: Vec<(&str, String)>| match Record::parse(
                kind,
                |name| {
                    cells
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.as_str())
                },
            ) {
                Ok(r) => out.records.push(Located::new(at.clone(), r)),
                Err(errors) => out.problems.extend(errors.into_iter().map(|(field, e)| {
                    let mut l = at.clone();
                    l.column = Some(field.to_string());
                    twinaid_domain::Problem::at(l, e)
                })),
            };
        push(
            &mut out,
            RecordKind::Project,
            vec![
                ("code", code.clone()),
                ("year", year.clone()),
                ("helper_unit", mapping.helper_unit.clone()),
                ("region_code", mapping.region.clone()),
                ("category", category.into()),
                ("name_zh", name_zh),
                ("name_en", title(false).unwrap_or_default()),
                ("status", status.into()),
                // Reversals beyond what was paid leave nothing, not less than nothing.
                ("amount", hundredths_text(disbursed.max(0))),
                ("note", format!("IATI {}", a.identifier)),
            ],
        );
        for (i, kind, currency, original, yuan, t) in kept {
            let foreign = currency != YUAN;
            push(
                &mut out,
                RecordKind::FundTransaction,
                vec![
                    ("code", format!("{code}-t{}", i + 1)),
                    ("year", t.date.get(..4).unwrap_or(&year).to_string()),
                    ("helper_unit", mapping.helper_unit.clone()),
                    ("region_code", mapping.region.clone()),
                    ("kind", kind.into()),
                    ("amount", yuan.map(hundredths_text).unwrap_or_default()),
                    (
                        "currency",
                        if foreign {
                            currency.clone()
                        } else {
                            String::new()
                        },
                    ),
                    (
                        "original_amount",
                        if foreign {
                            hundredths_text(original)
                        } else {
                            String::new()
                        },
                    ),
                    ("date", t.date.clone()),
                    ("project_code", code.clone()),
                    ("note", format!("IATI {}", a.identifier)),
                ],
            );
        }
    }
    out
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
        let mut rates = twinaid_domain::currency::Rates::default();
        rates.add_per_euro("CNY", "2020-04-30", 7.7);
        let rates = rates.sorted();
        let none = twinaid_domain::currency::Rates::default();
        let layered = twinaid_domain::currency::Layered {
            office: &none,
            bank: &rates,
        };
        let read = records_from_activities(std::slice::from_ref(a), &mapping, &layered);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(
            read.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>(),
            [&SkipReason::TransactionType("1".into())],
            "incoming funds are not twinaid's to keep"
        );
        let project = &read.records[0].item;
        assert_eq!(project.code(), "XM-1-2");
        assert_eq!(project.year(), Some(2020), "the year the money moved");
        assert_eq!(
            project.get("amount").as_int(),
            Some((1013.0_f64 * 7.7).round() as i64),
            "EUR 10.13 at the last rate before 1 May"
        );
        assert_eq!(project.get("status").as_text(), Some("completed"));
        let t = &read.records[1].item;
        assert_eq!(
            (
                t.get("currency").as_text(),
                t.get("original_amount").as_int()
            ),
            (Some("EUR"), Some(1013))
        );
        let total = &read.totals[&("EUR".to_string(), "disbursement".to_string())];
        assert_eq!(
            (total.transactions, total.original, total.unconverted),
            (1, 1013, 0)
        );
    }

    #[test]
    fn reversals_old_versions_unknown_rates_and_budgets_are_kept_or_listed() {
        let xml = r#"<iati-activities version="1.03">
          <iati-activity default-currency="USD"><iati-identifier>OLD-1</iati-identifier>
            <title xml:lang="en">Wells &amp; pumps</title>
            <budget><value>100</value></budget><budget><value>50</value></budget>
            <transaction><transaction-type code="D"/><transaction-date iso-date="2015-06-30"/><value>1000</value></transaction>
            <transaction><transaction-type code="D"/><transaction-date iso-date="2015-06-30"/><value value-date="2015-06-30">-250.5</value></transaction>
            <transaction><transaction-type code="C"/><transaction-date iso-date="2015-06-30"/><value currency="XDR">80</value></transaction>
            <transaction><transaction-type code="IF"/><value>5</value></transaction>
          </iati-activity></iati-activities>"#;
        let activities = read_activities(xml).unwrap();
        let a = &activities[0];
        assert_eq!((a.version.as_str(), a.budgets), ("1.03", 2));
        assert_eq!(
            a.title,
            vec![(Some("en".to_string()), "Wells & pumps".to_string())]
        );
        let mapping = IatiMapping {
            helper_unit: "u".into(),
            region: "510800".into(),
            file: "f.xml".into(),
        };
        let mut rates = twinaid_domain::currency::Rates::default();
        rates.add_per_euro("CNY", "2015-06-30", 7.0);
        rates.add_per_euro("USD", "2015-06-30", 1.0);
        let (bank, none) = (rates.sorted(), twinaid_domain::currency::Rates::default());
        let layered = twinaid_domain::currency::Layered {
            office: &none,
            bank: &bank,
        };
        let read = records_from_activities(&activities, &mapping, &layered);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let kinds: Vec<&str> = read
            .records
            .iter()
            .filter_map(|r| r.item.get("kind").as_text())
            .collect();
        assert_eq!(kinds, ["disbursement", "disbursement", "commitment"]);
        let reversal = &read.records[2].item;
        assert_eq!(reversal.get("original_amount").as_int(), Some(-25050));
        assert_eq!(
            reversal.get("amount").as_int(),
            Some(-175350),
            "negative in yuan too"
        );
        assert_eq!(
            read.records[0].item.get("amount").as_int(),
            Some(700000 - 175350)
        );
        let xdr = &read.records[3].item;
        assert_eq!(
            xdr.get("amount").as_int(),
            None,
            "no rate: kept without yuan"
        );
        assert_eq!(read.unconverted.len(), 1);
        let usd = &read.totals[&("USD".to_string(), "disbursement".to_string())];
        assert_eq!((usd.original, usd.yuan), (100000 - 25050, 700000 - 175350));
        let reasons: Vec<&SkipReason> = read.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &SkipReason::Budget,
                &SkipReason::TransactionType("IF".into())
            ]
        );
    }

    #[test]
    fn categories_come_from_twinaids_own_sector_else_the_largest_dac_one() {
        let xml = r#"<iati-activities version="2.03">
          <iati-activity><iati-identifier>A</iati-identifier>
            <sector vocabulary="1" code="21020" percentage="100"/><sector vocabulary="99" code="bridge" percentage="100"/></iati-activity>
          <iati-activity><iati-identifier>B</iati-identifier>
            <sector vocabulary="1" code="11220" percentage="30"/><sector vocabulary="1" code="14030" percentage="70"/></iati-activity>
          <iati-activity><iati-identifier>C</iati-identifier><sector vocabulary="7" code="x"/></iati-activity>
        </iati-activities>"#;
        let got: Vec<&str> = read_activities(xml)
            .unwrap()
            .iter()
            .map(|a| activity_category(a).0)
            .collect();
        assert_eq!(got, ["bridge", "drinking_water", "other"]);
        assert_eq!(category_of_sector("12220"), "hospital");
        assert_eq!(category_of_sector("43040"), "other");
    }

    #[test]
    fn what_is_not_xml_is_refused_with_where() {
        assert!(read_activities("<iati-activities><a></b></iati-activities>").is_err());
    }
}
