//! What an IATI import did, in words, for the command line and the import
//! page alike: a summary sentence, then the money per currency and kind,
//! what waits for a rate, the categories read, the budgets kept, the
//! organisations and places not matched, and what was skipped and why.

use super::records::FromIati;
use twinaid_domain::Lang;
use twinaid_domain::money::format_cents;

/// The sentence an import ends with.
pub fn summary(
    file: &str,
    activities: usize,
    (projects, transactions): (usize, usize),
    report: &FromIati,
    lang: Lang,
) -> String {
    let (skipped, waiting) = (report.skipped.len(), report.unconverted.len());
    match lang {
        Lang::Zh => format!(
            "已导入 IATI 文件 {file}：活动 {activities} 个，新增或更新项目 {projects} 个、资金往来 {transactions} 笔；跳过 {skipped} 项；没有汇率、暂不计入的金额 {waiting} 笔"
        ),
        Lang::En => format!(
            "imported IATI file {file}: {activities} activities, {projects} projects and {transactions} fund transactions added or updated; {skipped} items skipped; {waiting} amounts without a rate, not counted yet"
        ),
    }
}

/// The report, a line each (items indented by two spaces).
pub fn lines(report: &FromIati, lang: Lang) -> Vec<String> {
    let mut out = vec![
        lang.pick(
            "按币种和类型（原币金额合计；折合人民币元，未折算的不计）：",
            "by currency and kind (original amounts; yuan as converted, those without a rate left out):",
        )
        .to_string(),
    ];
    for ((currency, kind), t) in &report.totals {
        let (n, original, yuan) = (
            t.transactions,
            format_cents(t.original),
            format_cents(t.yuan),
        );
        out.push(match lang {
            Lang::Zh => format!("  {currency} {kind}：{n} 笔，原币合计 {original}，折合 {yuan} 元"),
            Lang::En => {
                format!("  {currency} {kind}: {n} transactions, {original} as written, {yuan} yuan")
            }
        });
        if t.unconverted > 0 {
            out.push(match lang {
                Lang::Zh => format!(
                    "    其中 {} 笔没有汇率，暂不计入人民币数字（录入汇率后计入）",
                    t.unconverted
                ),
                Lang::En => format!(
                    "    {} without a rate, not counted in yuan until one is entered",
                    t.unconverted
                ),
            });
        }
    }
    for u in &report.unconverted {
        out.push(format!(
            "  - {}{u}",
            lang.pick("未折算：", "not converted: ")
        ));
    }
    out.push(
        lang.pick(
            "项目类别（按活动的行业代码）：",
            "project categories (from the activities' sectors):",
        )
        .to_string(),
    );
    for ((sector, category), n) in &report.categories {
        out.push(format!("  {sector} → {category}: {n}"));
    }
    if report.budgets > 0 {
        out.push(match lang {
            Lang::Zh => format!(
                "{} 个项目的预算取自文件的预算（或计划拨付）",
                report.budgets
            ),
            Lang::En => format!(
                "{} projects' budgets taken from the file's budgets (or planned disbursements)",
                report.budgets
            ),
        });
    }
    let mut unmatched = |list: &std::collections::BTreeMap<String, usize>, zh: &str, en: &str| {
        if !list.is_empty() {
            out.push(lang.pick(zh, en).to_string());
            out.extend(list.iter().map(|(written, n)| format!("  {written}: {n}")));
        }
    };
    unmatched(
        &report.unmatched_organisations,
        "参与组织不是本帮扶协作单位、记在指定帮扶单位名下的活动（要对上，可把组织的 IATI 标识用作单位编号，或把其名称用作单位名称）：",
        "activities recorded under the helper unit given, their organisations being no unit of the program (to match them, give a unit the organisation's IATI identifier as its code, or its name):",
    );
    unmatched(
        &report.unmatched_locations,
        "地点不是本帮扶协作地区、记入指定地区的活动：",
        "activities recorded in the region given, their locations being no place of the program:",
    );
    let mut by_reason: std::collections::BTreeMap<String, usize> = Default::default();
    for s in &report.skipped {
        *by_reason.entry(s.reason.text(lang)).or_default() += 1;
    }
    for (reason, n) in &by_reason {
        out.push(format!(
            "{}{reason}{}{n}",
            lang.pick("跳过，", "skipped, "),
            lang.pick("：", ": ")
        ));
    }
    out.extend(
        report
            .skipped
            .iter()
            .map(|s| format!("  - {} {}: {}", s.activity, s.element, s.reason.text(lang))),
    );
    out
}
