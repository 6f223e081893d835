//! Read activities made into a program's records: an activity a project
//! (or, tagged as money for no project, fund transactions only), its
//! commitments, disbursements and expenditures fund transactions, its
//! budget the project's budget, its measured results the project's
//! figures; the helper unit and place from its participating organisations
//! and locations. Whatever is left out is listed with its reason.

use super::read::{ReadActivity, ReadValue};
use super::{MEASURED_FIELDS, PROGRAM_FUNDS_TAG, hundredths_text};
use std::collections::{BTreeMap, BTreeSet};
use twinaid_domain::Lang;
use twinaid_domain::bundle::Located;
use twinaid_domain::currency::{Layered, YUAN};
use twinaid_domain::error::Location;
use twinaid_domain::record::{
    FIRST_YEAR, LAST_YEAR, MOST_WRITTEN, Record, RecordKind, parse_code, parse_date,
};
use twinaid_domain::sector::{SectorCategory, category_of_sector};

/// How read activities become records of a program.
#[derive(Debug, Clone, Default)]
pub struct IatiMapping {
    /// The helper unit an activity is recorded under when none of its
    /// participating organisations is a unit of the program.
    pub helper_unit: Option<String>,
    /// The place an activity is recorded in when none of its locations is
    /// a place of the program.
    pub region: Option<String>,
    pub file: String,
    /// The program's units: code and names (Chinese, English).
    pub units: Vec<(String, Vec<String>)>,
    /// The program's places: code → names.
    pub places: BTreeMap<String, Vec<String>>,
    /// The office's DAC sector → category rows, over twinaid's table.
    pub sectors: Vec<SectorCategory>,
}

/// Why something in an IATI file was not kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A transaction type twinaid does not keep (incoming funds, loan
    /// repayments …): not money the helper gave.
    TransactionType(String),
    /// A value with no currency, and no default on its activity.
    NoCurrency,
    /// A currency that is not three letters.
    BadCurrency(String),
    /// A value that is not a number, or past any real amount.
    BadValue(String),
    /// A date that is not a date.
    BadDate(String),
    /// Planned disbursements of an activity with budgets: the budget is kept.
    PlannedDisbursement,
    /// An activity with no date or transaction to place it in a year.
    NoYear,
    /// No participating organisation is a unit of the program, and no
    /// helper unit was named for the file (the organisations as written).
    NoHelperUnit(String),
    /// No location is a place of the program, and no region was named for
    /// the file (the locations as written).
    NoPlace(String),
}

impl SkipReason {
    /// The reason in words.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (SkipReason::TransactionType(t), Lang::Zh) => {
                format!("交易类型 {t} 不是帮扶方的承诺、拨付或支出（如进项资金、还款），不计入")
            }
            (SkipReason::TransactionType(t), Lang::En) => format!(
                "transaction type {t} is not a commitment, disbursement or expenditure of the helper (incoming funds, repayments …), not counted"
            ),
            (SkipReason::NoCurrency, Lang::Zh) => "金额和活动都没有写币种".into(),
            (SkipReason::NoCurrency, Lang::En) => {
                "neither the value nor its activity names a currency".into()
            }
            (SkipReason::BadCurrency(c), Lang::Zh) => format!("币种“{c}”不是三个字母的代码"),
            (SkipReason::BadCurrency(c), Lang::En) => {
                format!("the currency \"{c}\" is not a three-letter code")
            }
            (SkipReason::BadValue(v), Lang::Zh) => format!("金额“{v}”不是数字或大得不合实际"),
            (SkipReason::BadValue(v), Lang::En) => {
                format!("the value \"{v}\" is not a number, or past any real amount")
            }
            (SkipReason::BadDate(d), Lang::Zh) => format!("日期“{d}”不是日期"),
            (SkipReason::BadDate(d), Lang::En) => format!("the date \"{d}\" is not a date"),
            (SkipReason::PlannedDisbursement, Lang::Zh) => {
                "有预算（budget）时计划拨付不另保存，项目预算取自预算".into()
            }
            (SkipReason::PlannedDisbursement, Lang::En) => {
                "planned disbursements are not kept where the activity has budgets; the project's budget comes from those".into()
            }
            (SkipReason::NoYear, Lang::Zh) => "活动没有日期和交易，无法确定年度".into(),
            (SkipReason::NoYear, Lang::En) => {
                "the activity has no date or transaction to give it a year".into()
            }
            (SkipReason::NoHelperUnit(orgs), Lang::Zh) => format!(
                "参与组织（{orgs}）都不是本帮扶协作的单位：可把组织的 IATI 标识用作单位编号、把其名称用作单位名称，或指定对不上时记在哪个单位名下（导入页上选择，或用 --helper-unit）"
            ),
            (SkipReason::NoHelperUnit(orgs), Lang::En) => format!(
                "no participating organisation ({orgs}) is a unit of the program: give a unit the organisation's IATI identifier as its code or its name, or name the unit for unmatched activities (on the import page, or with --helper-unit)"
            ),
            (SkipReason::NoPlace(places), Lang::Zh) => format!(
                "地点（{places}）都不是本帮扶协作的地区：请指定对不上时记入哪个地区（导入页上选择，或用 --region）"
            ),
            (SkipReason::NoPlace(places), Lang::En) => format!(
                "no location ({places}) is a place of the program: name the place for unmatched activities (on the import page, or with --region)"
            ),
        }
    }
}

/// One thing left out of an import: the activity, the element (`transaction
/// 3`, `budget 2`) and why.
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
    pub records: Vec<Located<Record>>,
    pub problems: Vec<twinaid_domain::Problem>,
    pub skipped: Vec<Skip>,
    /// Values kept in their own currency without yuan, for want of a
    /// rate: "identifier transaction N: 12.50 XDR (2015-06-30)".
    pub unconverted: Vec<String>,
    pub totals: BTreeMap<(String, String), CurrencyTotal>,
    /// How activities' sectors were read: (sector code, category) → activities.
    pub categories: BTreeMap<(String, String), usize>,
    /// Activities recorded under the named helper unit because none of
    /// their organisations is a unit: organisations as written → activities.
    pub unmatched_organisations: BTreeMap<String, usize>,
    /// Activities recorded in the named region because none of their
    /// locations is a place of the program: locations → activities.
    pub unmatched_locations: BTreeMap<String, usize>,
    /// Projects whose budget came from the file's budgets (or planned
    /// disbursements).
    pub budgets: usize,
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
/// more decimals ("3228013.6201"); nothing past what a field takes.
fn hundredths(value: &str) -> Option<i64> {
    let v: f64 = value.trim().replace(',', "").parse().ok()?;
    let h = (v * 100.0).round();
    (h.is_finite() && h.abs() <= (MOST_WRITTEN * 100) as f64).then_some(h as i64)
}

/// The day of an ISO date or date-time (`2015-06-30`, `2015-06-30Z`,
/// `2015-06-30T00:00:00`), in the years a record may have.
fn day(text: &str) -> Option<String> {
    let d = text.trim().get(..10)?;
    match parse_date(d) {
        Ok((y, _, _)) if (FIRST_YEAR..=LAST_YEAR).contains(&y) => Some(d.to_string()),
        _ => None,
    }
}

/// A title as one line: runs of spaces, line breaks and other control
/// characters become one space.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An activity's category: twinaid's own where the file gives one (a
/// vocabulary-99 sector naming a category, as twinaid's export writes),
/// else that of its largest DAC sector (vocabulary 1 or 2, or none given;
/// 1.0x's `DAC`, `DAC-3`) by the office's table over twinaid's, else
/// other; with the code it came from.
pub(super) fn activity_category(
    a: &ReadActivity,
    office: &[SectorCategory],
) -> (String, Option<String>) {
    let categories = twinaid_domain::sector::project_categories();
    if let Some(own) = a.sectors.iter().find_map(|(v, code, _)| {
        (v == "99")
            .then(|| categories.iter().find(|c| c.code == code.as_str()))
            .flatten()
    }) {
        return (own.code.to_string(), Some(format!("99:{}", own.code)));
    }
    a.sectors
        .iter()
        .filter(|(v, _, _)| matches!(v.as_str(), "" | "1" | "2" | "DAC" | "DAC-3"))
        .max_by(|x, y| x.2.total_cmp(&y.2))
        .map_or(("other".to_string(), None), |(_, code, _)| {
            (
                category_of_sector(code, office).to_string(),
                Some(code.clone()),
            )
        })
}

/// A code twinaid takes from an identifier: letters, digits, `-_.`.
fn code_of(id: &str) -> String {
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
}

/// The longest code a record takes.
const MOST_CODE: usize = 64;

/// `base` with `suffix`, cut so that the two fit a code, made unique among
/// `used` (a number added while it is taken); kept in `used`.
fn unique_code(base: &str, suffix: &str, used: &mut BTreeSet<String>) -> String {
    let fit = |tail: &str| {
        let room = MOST_CODE.saturating_sub(tail.len());
        format!("{}{tail}", base.chars().take(room).collect::<String>())
    };
    let mut code = fit(suffix);
    let mut n = 2;
    while used.contains(&code) {
        code = fit(&format!("{suffix}-{n}"));
        n += 1;
    }
    used.insert(code.clone());
    code
}

/// The twinaid code an activity was exported with: its identifier is the
/// reporting organisation's, a dash and its own identifier (type A1).
fn own_code(a: &ReadActivity) -> Option<String> {
    a.other_identifiers
        .iter()
        .filter(|(t, _)| t == "A1")
        .find(|(_, own)| a.identifier.trim() == format!("{}-{own}", a.reporting_ref))
        .and_then(|(_, own)| parse_code(own).ok())
}

/// How strongly a role says "this organisation gave": funding, then
/// accountable, extending, implementing (2.0x numbers, 1.0x words).
fn role_rank(role: &str) -> u8 {
    match role.trim().to_ascii_lowercase().as_str() {
        "1" | "funding" => 0,
        "2" | "accountable" => 1,
        "3" | "extending" => 2,
        "4" | "implementing" => 3,
        _ => 4,
    }
}

/// A name or identifier as matched: trimmed, any case.
fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The program's units and places by what an IATI file may call them, made
/// once for a whole file.
struct Lookup {
    /// Unit code (any case) → code.
    unit_codes: BTreeMap<String, String>,
    /// Unit name (Chinese or English, any case) → code.
    unit_names: BTreeMap<String, String>,
    /// Place name (any case) → code.
    place_names: BTreeMap<String, String>,
}

impl Lookup {
    fn of(mapping: &IatiMapping) -> Lookup {
        let mut unit_names = BTreeMap::new();
        for (code, names) in &mapping.units {
            for n in names {
                unit_names.entry(key(n)).or_insert_with(|| code.clone());
            }
        }
        let mut place_names = BTreeMap::new();
        for (code, names) in &mapping.places {
            for n in names {
                place_names.entry(key(n)).or_insert_with(|| code.clone());
            }
        }
        Lookup {
            unit_codes: mapping
                .units
                .iter()
                .map(|(code, _)| (key(code), code.clone()))
                .collect(),
            unit_names,
            place_names,
        }
    }
}

fn skipping(a: &ReadActivity, element: String, reason: SkipReason) -> Skip {
    Skip {
        activity: a.identifier.clone(),
        element,
        reason,
    }
}

/// The program's unit among the activity's organisations: by IATI
/// identifier (the unit's code, or the reporting organisation's identifier,
/// a dash and the code, as twinaid writes), else by name.
fn unit_of(a: &ReadActivity, lookup: &Lookup) -> Option<String> {
    let mut orgs: Vec<_> = a.participants.iter().collect();
    orgs.sort_by_key(|o| role_rank(&o.role));
    let prefix = format!("{}-", a.reporting_ref.trim());
    orgs.iter().find_map(|o| {
        let r = o.reference.trim();
        let by_ref = (!r.is_empty())
            .then(|| {
                lookup.unit_codes.get(&key(r)).or_else(|| {
                    r.strip_prefix(&prefix)
                        .and_then(|code| lookup.unit_codes.get(&key(code)))
                })
            })
            .flatten();
        by_ref
            .or_else(|| o.names.iter().find_map(|n| lookup.unit_names.get(&key(n))))
            .cloned()
    })
}

/// The program's place among the activity's locations: by GB/T 2260 code
/// (a `GB2260-` reference, as twinaid writes, or an administrative code of
/// the program's places), else by name.
fn place_of(a: &ReadActivity, mapping: &IatiMapping, lookup: &Lookup) -> Option<String> {
    let ours = |c: &str| mapping.places.contains_key(c).then(|| c.to_string());
    a.locations.iter().find_map(|l| {
        l.reference
            .strip_prefix("GB2260-")
            .and_then(ours)
            .or_else(|| l.codes.iter().find_map(|c| ours(c)))
            .or_else(|| {
                l.names
                    .iter()
                    .find_map(|n| lookup.place_names.get(&key(n)).cloned())
            })
    })
}

/// What is written of some organisations or locations, for a message.
fn written(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.filter(|s| !s.trim().is_empty()).collect();
    if all.is_empty() {
        "—".into()
    } else {
        all.join("; ")
    }
}

/// One money value made ready: its currency, hundredths as written and
/// yuan (if a rate covers its day), or why it is left out.
struct Money {
    currency: String,
    original: i64,
    yuan: Option<i64>,
    on: String,
}

fn money(
    value: &str,
    currency: &str,
    default_currency: &str,
    on: &str,
    rates: &Layered,
) -> Result<Money, SkipReason> {
    let currency = [currency, default_currency]
        .into_iter()
        .map(str::trim)
        .find(|c| !c.is_empty())
        .ok_or(SkipReason::NoCurrency)?;
    let currency = twinaid_domain::currency::parse_currency(currency)
        .map_err(|_| SkipReason::BadCurrency(currency.to_string()))?;
    let original = hundredths(value).ok_or_else(|| SkipReason::BadValue(value.to_string()))?;
    let yuan = rates.to_fen(original, &currency, on);
    if yuan.is_some_and(|y| y.abs() > MOST_WRITTEN * 100) {
        return Err(SkipReason::BadValue(value.to_string()));
    }
    Ok(Money {
        currency,
        original,
        yuan,
        on: on.to_string(),
    })
}

/// The activity's budget in yuan: its budgets, a revised one in place of
/// the original for the same period; without budgets, its planned
/// disbursements. `None` when it has neither.
fn budget(a: &ReadActivity, year: &str, rates: &Layered, out: &mut FromIati) -> Option<i64> {
    let (values, element): (&[ReadValue], &str) = if a.budgets.is_empty() {
        (&a.planned_disbursements, "planned-disbursement")
    } else {
        for n in 1..=a.planned_disbursements.len() {
            out.skipped.push(skipping(
                a,
                format!("planned-disbursement {n}"),
                SkipReason::PlannedDisbursement,
            ));
        }
        (&a.budgets, "budget")
    };
    if values.is_empty() {
        return None;
    }
    let revised: BTreeSet<&str> = values
        .iter()
        .filter(|v| v.kind == "2")
        .map(|v| v.period_start.as_str())
        .collect();
    let mut total: i64 = 0;
    for (n, v) in values.iter().enumerate() {
        if v.kind != "2" && revised.contains(v.period_start.as_str()) {
            continue;
        }
        let on = day(&v.value_date)
            .or_else(|| day(&v.period_start))
            .unwrap_or_else(|| year.to_string());
        match money(&v.value, &v.currency, &a.default_currency, &on, rates) {
            Ok(Money {
                yuan: Some(fen), ..
            }) => total = total.saturating_add(fen),
            Ok(m) => out.unconverted.push(format!(
                "{} {element} {}: {} {} ({})",
                a.identifier,
                n + 1,
                hundredths_text(m.original),
                m.currency,
                m.on
            )),
            Err(reason) => out
                .skipped
                .push(skipping(a, format!("{element} {}", n + 1), reason)),
        }
    }
    Some(total.clamp(0, MOST_WRITTEN * 100))
}

/// The year a twinaid project belongs to: the latest year the file reports
/// money for, else the year the activity started (or any date it has, or
/// its first budget period).
fn year_of(a: &ReadActivity) -> Option<String> {
    let money = a
        .transactions
        .iter()
        .filter_map(|t| day(&t.date).or_else(|| day(&t.value_date)))
        .max();
    let start = ["2", "1", "start-actual", "start-planned"]
        .iter()
        .find_map(|t| a.dates.get(*t).and_then(|d| day(d)));
    let any = a.dates.values().find_map(|d| day(d));
    let budget = a
        .budgets
        .iter()
        .chain(&a.planned_disbursements)
        .find_map(|b| day(&b.period_start));
    money
        .or(start)
        .or(any)
        .or(budget)
        .map(|d| d[..4].to_string())
}

/// A project's measured results read back from indicators that carry a
/// project field's name as their reference (vocabulary 99).
/// A figure that is no count or length twinaid keeps (negative, not a
/// number, past any real figure) is left out, with its reason.
fn measured(a: &ReadActivity, out: &mut FromIati) -> Vec<(&'static str, String)> {
    let mut kept = Vec::new();
    for (field, _, _) in MEASURED_FIELDS {
        let found: Vec<f64> = a
            .indicators
            .iter()
            .filter(|i| i.references.iter().any(|(v, c)| v == "99" && c == field))
            .map(|i| i.actual)
            .collect();
        if found.is_empty() {
            continue;
        }
        let total: f64 = found.iter().sum();
        // Written to the field's own precision (km to the hundredth, people whole).
        let scale = RecordKind::Project
            .field(field)
            .and_then(|f| f.ty.scale())
            .unwrap_or(1);
        let decimals = scale.max(1).ilog10() as usize;
        if !(total.is_finite() && total >= 0.0 && total <= MOST_WRITTEN as f64) {
            out.skipped.push(skipping(
                a,
                format!("result {field}"),
                SkipReason::BadValue(total.to_string()),
            ));
            continue;
        }
        kept.push((field, format!("{total:.decimals$}")));
    }
    kept
}

/// Activities as records, a project each with its fund transactions:
/// commitments, disbursements and expenditures (1.0x letters too) are kept,
/// reversals (negative values) as they are; money in another currency keeps
/// its currency and original amount and is converted to yuan with `rates`
/// at its value date (its transaction date when it has none), or kept
/// without yuan where there is no rate. Everything left out is listed with
/// its reason. The project's aid funds are its disbursements in yuan; an
/// activity tagged as money for no project gives fund transactions only.
pub fn records_from_activities(
    activities: &[ReadActivity],
    mapping: &IatiMapping,
    rates: &Layered,
) -> FromIati {
    let mut out = FromIati::default();
    let lookup = Lookup::of(mapping);
    let mut project_codes: BTreeSet<String> = BTreeSet::new();
    let mut transaction_codes: BTreeSet<String> = BTreeSet::new();
    for (n, a) in activities.iter().enumerate() {
        let at = Location {
            file: Some(mapping.file.clone()),
            row: Some(n + 1),
            column: Some("iati-activity".into()),
            value: Some(a.identifier.clone()),
        };
        let whole = || "iati-activity".to_string();
        let Some(year) = year_of(a) else {
            out.skipped.push(skipping(a, whole(), SkipReason::NoYear));
            continue;
        };
        let orgs = || {
            written(a.participants.iter().map(|o| {
                format!(
                    "{} {}",
                    o.reference,
                    o.names.first().cloned().unwrap_or_default()
                )
                .trim()
                .to_string()
            }))
        };
        let helper_unit = match (unit_of(a, &lookup), &mapping.helper_unit) {
            (Some(unit), _) => unit,
            (None, Some(unit)) => {
                *out.unmatched_organisations.entry(orgs()).or_default() += 1;
                unit.clone()
            }
            (None, None) => {
                out.skipped
                    .push(skipping(a, whole(), SkipReason::NoHelperUnit(orgs())));
                continue;
            }
        };
        let places = || {
            written(a.locations.iter().map(|l| {
                format!("{} {}", l.reference, l.names.join(" "))
                    .trim()
                    .to_string()
            }))
        };
        let region = match (place_of(a, mapping, &lookup), &mapping.region) {
            (Some(place), _) => place,
            (None, Some(place)) => {
                *out.unmatched_locations.entry(places()).or_default() += 1;
                place.clone()
            }
            (None, None) => {
                out.skipped
                    .push(skipping(a, whole(), SkipReason::NoPlace(places())));
                continue;
            }
        };
        let own = own_code(a);
        // Two activities may shorten to one code: the later one gets a number.
        let code = unique_code(
            &own.clone().unwrap_or_else(|| code_of(&a.identifier)),
            "",
            &mut project_codes,
        );
        let program_funds = a
            .tags
            .iter()
            .any(|(v, c)| v == "99" && c == PROGRAM_FUNDS_TAG);
        // Each kept transaction: (index, kind, money, day, reference).
        let mut kept = Vec::new();
        for (i, t) in a.transactions.iter().enumerate() {
            let element = format!("transaction {}", i + 1);
            let Some(kind) = fund_kind(&t.type_code) else {
                out.skipped.push(skipping(
                    a,
                    element,
                    SkipReason::TransactionType(t.type_code.clone()),
                ));
                continue;
            };
            let date = match (t.date.trim(), day(&t.date)) {
                ("", _) => day(&t.value_date),
                (_, Some(d)) => Some(d),
                (written, None) => {
                    out.skipped.push(skipping(
                        a,
                        element,
                        SkipReason::BadDate(written.to_string()),
                    ));
                    continue;
                }
            };
            let on = day(&t.value_date)
                .or_else(|| date.clone())
                .unwrap_or_else(|| year.clone());
            let m = match money(&t.value, &t.currency, &a.default_currency, &on, rates) {
                Ok(m) => m,
                Err(reason) => {
                    out.skipped.push(skipping(a, element, reason));
                    continue;
                }
            };
            let total = out
                .totals
                .entry((m.currency.clone(), kind.to_string()))
                .or_default();
            total.transactions += 1;
            // Saturating: a file of a million values at the most a field takes
            // must not wrap a total around.
            total.original = total.original.saturating_add(m.original);
            match m.yuan {
                Some(fen) => total.yuan = total.yuan.saturating_add(fen),
                None => {
                    total.unconverted += 1;
                    out.unconverted.push(format!(
                        "{} {element}: {} {} ({on})",
                        a.identifier,
                        hundredths_text(m.original),
                        m.currency
                    ));
                }
            }
            kept.push((i, kind, m, date, t.reference.trim()));
        }
        let budget = if program_funds {
            None
        } else {
            budget(a, &year, rates, &mut out)
        };
        let disbursed: i64 = kept
            .iter()
            .filter(|(_, k, ..)| *k == "disbursement")
            .filter_map(|(_, _, m, ..)| m.yuan)
            .fold(0, i64::saturating_add);
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
        if !program_funds {
            let (category, sector) = activity_category(a, &mapping.sectors);
            *out.categories
                .entry((sector.unwrap_or_else(|| "—".into()), category.clone()))
                .or_default() += 1;
            let title = |want_zh: bool| {
                // Chinese: `zh`, `zh-CN` …, said by the text or else by its activity.
                let chinese = |l: &Option<String>| {
                    l.as_deref()
                        .unwrap_or(a.lang.as_str())
                        .to_ascii_lowercase()
                        .starts_with("zh")
                };
                a.title
                    .iter()
                    .find(|(l, _)| chinese(l) == want_zh)
                    .map(|(_, t)| one_line(t))
                    .filter(|t| !t.is_empty())
            };
            let status = match a.status.as_str() {
                "1" => "proposed",
                "3" | "4" => "completed",
                "5" => "cancelled",
                _ => "in_progress",
            };
            if budget.is_some() {
                out.budgets += 1;
            }
            let mut cells = vec![
                ("code", code.clone()),
                ("year", year.clone()),
                ("helper_unit", helper_unit.clone()),
                ("region_code", region.clone()),
                ("category", category),
                (
                    "name_zh",
                    title(true)
                        .or_else(|| title(false))
                        .unwrap_or_else(|| code.clone()),
                ),
                ("name_en", title(false).unwrap_or_default()),
                ("status", status.into()),
                ("budget", budget.map(hundredths_text).unwrap_or_default()),
                // Reversals beyond what was paid leave nothing, not less than nothing.
                (
                    "amount",
                    hundredths_text(disbursed.clamp(0, MOST_WRITTEN * 100)),
                ),
                ("note", format!("IATI {}", a.identifier)),
            ];
            cells.extend(measured(a, &mut out));
            push(&mut out, RecordKind::Project, cells);
        }
        for (i, kind, m, date, reference) in kept {
            let foreign = m.currency != YUAN;
            // twinaid's own files keep the transaction's code as its reference.
            let t_code = match (own.is_some() || program_funds, parse_code(reference)) {
                (true, Ok(r)) => unique_code(&r, "", &mut transaction_codes),
                _ => unique_code(&code, &format!("-t{}", i + 1), &mut transaction_codes),
            };
            let t_year = date
                .as_deref()
                .and_then(|d| d.get(..4))
                .unwrap_or(&year)
                .to_string();
            push(
                &mut out,
                RecordKind::FundTransaction,
                vec![
                    ("code", t_code),
                    ("year", t_year),
                    ("helper_unit", helper_unit.clone()),
                    ("region_code", region.clone()),
                    ("kind", kind.into()),
                    ("amount", m.yuan.map(hundredths_text).unwrap_or_default()),
                    (
                        "currency",
                        if foreign {
                            m.currency.clone()
                        } else {
                            String::new()
                        },
                    ),
                    (
                        "original_amount",
                        if foreign {
                            hundredths_text(m.original)
                        } else {
                            String::new()
                        },
                    ),
                    ("date", date.unwrap_or_default()),
                    (
                        "project_code",
                        if program_funds {
                            String::new()
                        } else {
                            code.clone()
                        },
                    ),
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
    use crate::iati::read_activities;

    fn fallback() -> IatiMapping {
        IatiMapping {
            helper_unit: Some("u".into()),
            region: Some("510800".into()),
            file: "f.xml".into(),
            ..IatiMapping::default()
        }
    }

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
        let mapping = fallback();
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
        assert_eq!((a.version.as_str(), a.budgets.len()), ("1.03", 2));
        assert_eq!(
            a.title,
            vec![(Some("en".to_string()), "Wells & pumps".to_string())]
        );
        let mapping = fallback();
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
        assert_eq!(reasons, [&SkipReason::TransactionType("IF".into())]);
        assert_eq!(
            read.records[0].item.get("budget").as_int(),
            Some(15000 * 7),
            "USD 150 budgeted, at the year's last rate"
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
        let got: Vec<String> = read_activities(xml)
            .unwrap()
            .iter()
            .map(|a| activity_category(a, &[]).0)
            .collect();
        assert_eq!(got, ["bridge", "drinking_water", "other"]);
        let office = [SectorCategory::parse("91010", "industry").unwrap()];
        let b = &read_activities(
            r#"<iati-activities><iati-activity><iati-identifier>D</iati-identifier><sector code="91010"/></iati-activity></iati-activities>"#,
        )
        .unwrap()[0];
        assert_eq!(
            activity_category(b, &office).0,
            "industry",
            "the office's row"
        );
        assert_eq!(activity_category(b, &[]).0, "other");
    }

    fn record(kind: RecordKind, cells: &[(&str, &str)]) -> Record {
        Record::parse(kind, |n| {
            cells.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        })
        .expect("a good record")
    }

    #[test]
    fn twinaids_own_file_reads_back_to_the_same_records() {
        use crate::iati::{IatiContext, activities};
        let project = record(
            RecordKind::Project,
            &[
                ("code", "2009-bridge"),
                ("year", "2009"),
                ("helper_unit", "zj-dot"),
                ("region_code", "511381"),
                ("category", "bridge"),
                ("name_zh", "博树乡大桥"),
                ("status", "completed"),
                ("budget", "1500000"),
                ("amount", "1300000"),
                ("length_km", "0.5"),
                ("beneficiaries", "9000"),
            ],
        );
        let t = |code: &str, unit: &str, region: &str, extra: &[(&str, &str)]| {
            let mut cells = vec![
                ("code", code),
                ("year", "2009"),
                ("helper_unit", unit),
                ("region_code", region),
                ("kind", "disbursement"),
            ];
            cells.extend_from_slice(extra);
            record(RecordKind::FundTransaction, &cells)
        };
        let transactions = [
            t(
                "2009-dot",
                "zj-dot",
                "511381",
                &[("amount", "1000000"), ("project_code", "2009-bridge")],
            ),
            t(
                "2009-office-gy",
                "zj-office",
                "510800",
                &[("amount", "1220000")],
            ),
            t(
                "2009-eu",
                "zj-office",
                "510800",
                &[
                    ("currency", "EUR"),
                    ("original_amount", "1000"),
                    ("amount", "9800"),
                    ("date", "2009-06-30"),
                ],
            ),
        ];
        let names = |zh: &str, en: &str| (zh.to_string(), en.to_string());
        let ctx = IatiContext {
            reporting_ref: "XI-TWINAID-ZJ".into(),
            reporting_name: "Zhejiang".into(),
            units: [
                (
                    "zj-dot".to_string(),
                    names("浙江省交通运输厅", "Department of Transport"),
                ),
                (
                    "zj-office".to_string(),
                    names("浙江省经合办", "Cooperation Office"),
                ),
            ]
            .into(),
            places: [
                ("511381".to_string(), names("阆中市", "Langzhong")),
                ("510800".to_string(), names("广元市", "Guangyuan")),
            ]
            .into(),
            generated: "2026-01-01T00:00:00Z".into(),
        };
        let xml = activities(std::slice::from_ref(&project), &transactions, &ctx);
        let mapping = IatiMapping {
            file: "own.xml".into(),
            // Another program's units go by the same names, not the same codes.
            units: vec![
                ("dot".into(), vec!["浙江省交通运输厅".into()]),
                ("office".into(), vec!["Cooperation Office".into()]),
            ],
            places: ctx
                .places
                .iter()
                .map(|(c, (zh, en))| (c.clone(), vec![zh.clone(), en.clone()]))
                .collect(),
            ..IatiMapping::default()
        };
        let mut bank = twinaid_domain::currency::Rates::default();
        bank.add_per_euro("CNY", "2009-06-30", 9.8);
        let (bank, none) = (bank.sorted(), twinaid_domain::currency::Rates::default());
        let rates = Layered {
            office: &none,
            bank: &bank,
        };
        let read = records_from_activities(&read_activities(&xml).unwrap(), &mapping, &rates);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert!(read.skipped.is_empty(), "{:?}", read.skipped);
        let by_code = |code: &str| {
            read.records
                .iter()
                .map(|r| &r.item)
                .find(|r| r.code() == code)
                .unwrap_or_else(|| panic!("{code} read back"))
        };
        let back = by_code("2009-bridge");
        for field in [
            "year",
            "region_code",
            "category",
            "status",
            "budget",
            "amount",
            "length_km",
            "beneficiaries",
        ] {
            assert_eq!(back.get(field), project.get(field), "{field}");
        }
        assert_eq!(back.get("helper_unit").as_text(), Some("dot"));
        let rest = by_code("2009-bridge-t2");
        assert_eq!(
            (
                rest.get("amount").as_int(),
                rest.get("project_code").as_text()
            ),
            (Some(30_000_000), Some("2009-bridge")),
            "what the project got beyond its recorded disbursement"
        );
        let loose = by_code("2009-office-gy");
        assert_eq!(
            loose.get("project_code").as_text(),
            None,
            "money for no project stays so"
        );
        assert_eq!(loose.get("helper_unit").as_text(), Some("office"));
        assert_eq!(loose.get("region_code").as_text(), Some("510800"));
        let euro = by_code("2009-eu");
        for field in ["currency", "original_amount", "amount", "date"] {
            assert_eq!(euro.get(field), transactions[2].get(field), "{field}");
        }
        assert_eq!(
            read.records
                .iter()
                .filter(|r| r.item.kind == RecordKind::Project)
                .count(),
            1,
            "the money for no project makes no project"
        );
    }

    #[test]
    fn an_activity_no_unit_or_place_fits_is_listed_not_guessed() {
        let xml = r#"<iati-activities version="2.03"><iati-activity default-currency="CNY">
            <iati-identifier>X-1</iati-identifier><reporting-org ref="X"/>
            <participating-org ref="GB-1" role="1"><narrative>Someone</narrative></participating-org>
            <activity-date type="2" iso-date="2019-01-01"/>
            <budget type="1"><period-start iso-date="2019-01-01"/><value>10</value></budget>
            <budget type="2"><period-start iso-date="2019-01-01"/><value>12</value></budget>
            <planned-disbursement><period-start iso-date="2019-01-01"/><value>5</value></planned-disbursement>
          </iati-activity></iati-activities>"#;
        let activities = read_activities(xml).unwrap();
        let none = twinaid_domain::currency::Rates::default();
        let rates = Layered {
            office: &none,
            bank: &none,
        };
        let bare = IatiMapping {
            file: "f.xml".into(),
            ..IatiMapping::default()
        };
        let read = records_from_activities(&activities, &bare, &rates);
        assert!(read.records.is_empty());
        assert_eq!(
            read.skipped[0].reason,
            SkipReason::NoHelperUnit("GB-1 Someone".into())
        );
        let read = records_from_activities(&activities, &fallback(), &rates);
        assert_eq!(read.unmatched_organisations.get("GB-1 Someone"), Some(&1));
        assert_eq!(
            read.records[0].item.get("budget").as_int(),
            Some(1200),
            "the revised budget in place of the original"
        );
        assert_eq!(read.skipped[0].reason, SkipReason::PlannedDisbursement);
    }

    #[test]
    fn odd_values_are_skipped_by_reason_and_never_refuse_the_file() {
        let xml = r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
            <iati-identifier>ODD-1</iati-identifier>
            <title><narrative>Wells
                and   pumps</narrative></title>
            <transaction><transaction-type code="3"/><transaction-date iso-date="2015-06-30T00:00:00Z"/><value>10</value></transaction>
            <transaction><transaction-type code="3"/><transaction-date iso-date="1800-01-01"/><value>10</value></transaction>
            <transaction><transaction-type code="3"/><transaction-date iso-date="2015-06-30"/><value>1e20</value></transaction>
            <transaction><transaction-type code="3"/><transaction-date iso-date="2015-06-30"/><value currency="EURO">10</value></transaction>
          </iati-activity></iati-activities>"#;
        let none = twinaid_domain::currency::Rates::default();
        let rates = Layered {
            office: &none,
            bank: &none,
        };
        let read = records_from_activities(&read_activities(xml).unwrap(), &fallback(), &rates);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let reasons: Vec<&SkipReason> = read.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &SkipReason::BadDate("1800-01-01".into()),
                &SkipReason::BadValue("1e20".into()),
                &SkipReason::BadCurrency("EURO".into()),
            ]
        );
        let project = &read.records[0].item;
        assert_eq!(project.get("name_zh").as_text(), Some("Wells and pumps"));
        assert_eq!(project.year(), Some(2015));
        assert_eq!(
            read.records[1].item.get("date").as_text(),
            Some("2015-06-30")
        );
    }

    #[test]
    fn long_look_alike_identifiers_and_many_transactions_still_give_distinct_good_codes() {
        let stem = "X".repeat(70);
        let tx = "<transaction><transaction-type code=\"3\"/><transaction-date iso-date=\"2015-01-01\"/><value>1</value></transaction>".repeat(120);
        let xml = format!(
            r#"<iati-activities><iati-activity default-currency="CNY"><iati-identifier>{stem}-A</iati-identifier>{tx}
              <result><indicator><reference vocabulary="99" code="length_km"/><period><actual value="0.1"/></period><period><actual value="0.2"/></period></indicator>
                      <indicator><reference vocabulary="99" code="beneficiaries"/><period><actual value="-5"/></period></indicator></result></iati-activity>
              <iati-activity default-currency="CNY"><iati-identifier>{stem}-B</iati-identifier>{tx}</iati-activity></iati-activities>"#
        );
        let none = twinaid_domain::currency::Rates::default();
        let rates = Layered {
            office: &none,
            bank: &none,
        };
        let read = records_from_activities(&read_activities(&xml).unwrap(), &fallback(), &rates);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let codes: BTreeSet<&str> = read.records.iter().map(|r| r.item.code()).collect();
        assert_eq!(codes.len(), read.records.len(), "every code distinct");
        assert_eq!(read.records.len(), 2 + 240);
        assert!(codes.iter().all(|c| c.len() <= 64));
        let project = &read.records[0].item;
        assert_eq!(
            RecordKind::Project
                .field("length_km")
                .map(|f| f.write(project.get("length_km"))),
            Some("0.3".to_string()),
            "0.1 + 0.2 written to the field's precision"
        );
        assert_eq!(project.get("beneficiaries").as_int(), None);
        assert!(
            read.skipped
                .iter()
                .any(|s| s.element == "result beneficiaries"),
            "a negative count is left out with its reason"
        );
    }

    #[test]
    fn what_is_not_xml_is_refused_with_where() {
        assert!(read_activities("<iati-activities><a></b></iati-activities>").is_err());
    }
}
