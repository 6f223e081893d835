//! Program groups on the terminal: the list, and a group's yearbook with
//! its splits by program and by province.

use crate::render::{labelled, table, title, value, yearbook_table};
use twinaid_domain::Lang;
use twinaid_domain::yearbook::{IndicatorFigures, UNALLOCATED};

/// The program groups as a table or JSON.
pub fn groups(groups: &[twinaid_domain::group::ProgramGroup], lang: Lang, json: bool) -> String {
    if json {
        let list: Vec<serde_json::Value> = groups
            .iter()
            .map(|g| {
                serde_json::json!({
                    "code": g.code, "name_zh": g.name_zh, "name_en": g.name_en,
                    "programs": g.programs,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&list).unwrap_or_default();
    }
    let header: Vec<String> = match lang {
        Lang::Zh => vec!["编号".into(), "名称".into(), "成员帮扶协作".into()],
        Lang::En => vec!["code".into(), "name".into(), "programs".into()],
    };
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.code.clone(),
                lang.pick(&g.name_zh, &g.name_en).to_string(),
                g.programs.join(", "),
            ]
        })
        .collect();
    table(&header, &rows, false)
}

/// A group's yearbook: the program's tables for the group's sums, then
/// the year's figures by program, by helping and by helped province.
pub fn group_yearbook_table(
    report: &twinaid_app::GroupReport,
    lang: Lang,
    markdown: bool,
) -> String {
    let g = &report.yearbook;
    let yb = &g.yearbook;
    let y = yb.year;
    let mut out = yearbook_table(yb, lang, markdown);
    let headline = twinaid_exchange::reports::MAIN_INDICATORS;
    let shown: Vec<&IndicatorFigures> = yb
        .indicators
        .iter()
        .filter(|f| markdown || headline.contains(&f.definition.code.as_str()))
        .collect();
    let mut header = vec![lang.pick("帮扶协作", "program").to_string()];
    header.extend(shown.iter().map(|f| labelled(f, lang)));
    let rows: Vec<Vec<String>> = g
        .by_program
        .iter()
        .map(|m| {
            let mut r = vec![format!(
                "{} {}",
                lang.pick(&m.name_zh, &m.name_en),
                m.program
            )];
            r.extend(shown.iter().map(|f| {
                let year = m
                    .indicators
                    .iter()
                    .find(|t| t.definition.code == f.definition.code)
                    .map_or(0, |t| t.year);
                value(year, f.definition.unit, lang)
            }));
            r
        })
        .collect();
    out.push_str(&title(
        &match lang {
            Lang::Zh => format!("按帮扶协作（{y} 年）"),
            Lang::En => format!("By program ({y})"),
        },
        markdown,
    ));
    out.push_str(&table(&header, &rows, markdown));
    for (splits, zh, en) in [
        (&g.by_helping_province, "按帮扶省份", "By helping province"),
        (&g.by_helped_province, "按受帮扶省份", "By helped province"),
    ] {
        out.push_str(&title(
            &match lang {
                Lang::Zh => format!("{zh}（{y} 年）"),
                Lang::En => format!("{en} ({y})"),
            },
            markdown,
        ));
        let mut provinces: Vec<&String> = splits.values().flat_map(|m| m.keys()).collect();
        provinces.sort();
        provinces.dedup();
        let mut header = vec![lang.pick("省份", "province").to_string()];
        header.extend(shown.iter().map(|f| labelled(f, lang)));
        let rows: Vec<Vec<String>> = provinces
            .into_iter()
            .map(|p| {
                let label = match report.province_names.get(p) {
                    Some((zh, en)) => format!("{} {p}", lang.pick(zh, en)),
                    None if p == UNALLOCATED => lang.pick("未分地区", "no region").to_string(),
                    None => p.clone(),
                };
                let mut r = vec![label];
                r.extend(shown.iter().map(|f| {
                    let year = splits
                        .get(&f.definition.code)
                        .and_then(|m| m.get(p))
                        .map_or(0, |s| s.year);
                    value(year, f.definition.unit, lang)
                }));
                r
            })
            .collect();
        out.push_str(&table(&header, &rows, markdown));
    }
    out
}
