//! Reports as workbooks, one sheet per table: figures as numbers in the unit
//! their header names (万元 for money in Chinese, yuan in English), totals
//! rows where a column adds up.

use crate::chart::Chart;
use crate::export::{ExportCell, ExportTable};
use twinaid_domain::Lang;
use twinaid_domain::assessment::RankLine;
use twinaid_domain::quantity::{UnitOfMeasure, figure_unit};
use twinaid_domain::yearbook::{IndicatorFigures, UNALLOCATED, UNSPECIFIED, Yearbook};

/// The indicators a page-wide table shows by county (a sheet or Markdown
/// carries them all): the report's main figures.
pub const MAIN_INDICATORS: &[&str] = &[
    "aid_funds",
    "new_villages",
    "schools",
    "hospitals",
    "roads_km",
    "students_aided",
    "practical_trainees",
    "labour_transferred",
];

/// A raw figure as a number in the unit [`figure_unit`] names.
pub fn figure_cell(raw: i64, unit: UnitOfMeasure, lang: Lang) -> ExportCell {
    match (unit, lang) {
        (UnitOfMeasure::Yuan, Lang::Zh) => ExportCell::Number(raw as f64 / 1_000_000.0, "#,##0.00"),
        (UnitOfMeasure::Yuan, Lang::En) => ExportCell::Number(raw as f64 / 100.0, "#,##0"),
        (u, _) => ExportCell::Number(
            raw as f64 / u.scale() as f64,
            if u.scale() > 1 { "#,##0.0##" } else { "#,##0" },
        ),
    }
}

fn labelled(f: &IndicatorFigures, lang: Lang) -> String {
    let unit = figure_unit(f.definition.unit, lang);
    match lang {
        Lang::Zh => format!("{}（{unit}）", f.definition.name(lang)),
        Lang::En => format!("{} ({unit})", f.definition.name(lang)),
    }
}

fn text(s: impl Into<String>) -> ExportCell {
    ExportCell::Text(s.into())
}

const SOURCES: [&str; 4] = ["provincial_units", "cities", "social", UNSPECIFIED];

fn source_name(s: &str, lang: Lang) -> String {
    match s {
        UNSPECIFIED => lang.pick("未分来源", "source not recorded").to_string(),
        code => twinaid_domain::unit::SourceKind::parse(code)
            .map_or(code.to_string(), |k| k.name(lang).to_string()),
    }
}

/// A county's name, with its code where a table lists them.
fn county_name(yb: &Yearbook, c: &str, lang: Lang, with_code: bool) -> String {
    match c {
        UNALLOCATED => lang.pick("未分县", "not by county").to_string(),
        code => yb
            .region_names
            .get(code)
            .map_or(code.to_string(), |(zh, en)| {
                let name = lang.pick(zh, en);
                if with_code {
                    format!("{name} {code}")
                } else {
                    name.to_string()
                }
            }),
    }
}

/// A bar chart of one indicator's figure for the year, by county or by fund
/// source: `aid_funds_by_county`, `aid_funds_by_source`, ... None when the
/// indicator is not in the yearbook or the split is not known.
pub fn yearbook_chart(yb: &Yearbook, spec: &str, lang: Lang) -> Option<Chart> {
    let (code, by) = spec.rsplit_once("_by_")?;
    let f = yb.indicator(code)?;
    let value = |raw: i64| match figure_cell(raw, f.definition.unit, lang) {
        ExportCell::Number(n, _) => n,
        _ => 0.0,
    };
    let bars: Vec<(String, f64)> = match by {
        "county" => f
            .by_county
            .iter()
            .filter(|(_, s)| s.year != 0)
            .map(|(c, s)| (county_name(yb, c, lang, false), value(s.year)))
            .collect(),
        "source" => SOURCES
            .iter()
            .filter_map(|s| f.by_source.get(*s).filter(|x| x.year != 0).map(|x| (s, x)))
            .map(|(s, x)| (source_name(s, lang), value(x.year)))
            .collect(),
        _ => return None,
    };
    let by_name = match (by, lang) {
        ("county", Lang::Zh) => "按受帮扶县",
        ("county", Lang::En) => "by county",
        (_, Lang::Zh) => "按资金来源",
        (_, Lang::En) => "by source",
    };
    Some(Chart {
        title: match lang {
            Lang::Zh => format!("{} 年{}{}", yb.year, f.definition.name(lang), by_name),
            Lang::En => format!("{} {by_name}, {}", f.definition.name(lang), yb.year),
        },
        unit: figure_unit(f.definition.unit, lang).to_string(),
        bars,
    })
}

/// The yearbook: headline figures, by fund source, and by county.
pub fn yearbook(yb: &Yearbook, lang: Lang) -> Vec<ExportTable> {
    let y = yb.year;
    let title = match lang {
        Lang::Zh => format!("{} {y} 年年鉴", yb.program_name_zh),
        Lang::En => format!("{} — yearbook {y}", yb.program_name_en),
    };
    let fig = |f: &IndicatorFigures, raw: i64| figure_cell(raw, f.definition.unit, lang);
    let headline = ExportTable {
        name: lang.pick("主要指标", "headline figures").into(),
        title: title.clone(),
        header: match lang {
            Lang::Zh => vec![
                "指标".into(),
                format!("{y} 年"),
                format!("累计（至 {y} 年底）"),
                format!("{} 年", y - 1),
                "增减".into(),
                "增减%".into(),
            ],
            Lang::En => vec![
                "indicator".into(),
                format!("{y}"),
                format!("to end of {y}"),
                format!("{}", y - 1),
                "change".into(),
                "change %".into(),
            ],
        },
        rows: yb
            .indicators
            .iter()
            .map(|f| {
                vec![
                    text(labelled(f, lang)),
                    fig(f, f.year),
                    fig(f, f.cumulative),
                    f.previous_year.map_or(ExportCell::Empty, |p| fig(f, p)),
                    f.change().map_or(ExportCell::Empty, |c| fig(f, c)),
                    f.change_pct()
                        .map_or(ExportCell::Empty, |p| ExportCell::Number(p, "0.00")),
                ]
            })
            .collect(),
        totals: None,
    };
    let mut headline = headline;
    // No previous year anywhere (the program's first, or no records of it):
    // its figure and the change would be empty columns.
    if yb.indicators.iter().all(|f| f.previous_year.is_none()) {
        headline.header.truncate(3);
        for row in &mut headline.rows {
            row.truncate(3);
        }
    }
    // Records on their way to being counted, beside the figures, where there are any.
    if yb.indicators.iter().any(|f| f.pending != 0) {
        headline.header.push(
            lang.pick(
                "另有待核查（未计入）",
                "awaiting verification (not counted)",
            )
            .into(),
        );
        for (row, f) in headline.rows.iter_mut().zip(&yb.indicators) {
            row.push(if f.pending == 0 {
                ExportCell::Empty
            } else {
                fig(f, f.pending)
            });
        }
    }
    let sources = SOURCES;
    let source_name = |s: &str| source_name(s, lang);
    let money: Vec<&IndicatorFigures> = yb
        .indicators
        .iter()
        .filter(|f| f.definition.unit == UnitOfMeasure::Yuan)
        .collect();
    let by_source = ExportTable {
        name: lang.pick("按资金来源", "by source").into(),
        title: format!("{title} · {}", lang.pick("本年", "the year")),
        header: std::iter::once(lang.pick("指标", "indicator").to_string())
            .chain(sources.iter().map(|s| source_name(s)))
            .collect(),
        rows: money
            .iter()
            .map(|f| {
                std::iter::once(text(labelled(f, lang)))
                    .chain(sources.iter().map(|s| {
                        f.by_source
                            .get(*s)
                            .map_or(ExportCell::Empty, |split| fig(f, split.year))
                    }))
                    .collect()
            })
            .collect(),
        totals: None,
    };
    let counties: Vec<&str> = yb.county_keys().into_iter().collect();
    let county_name = |c: &str| county_name(yb, c, lang, true);
    let by_county = ExportTable {
        name: lang.pick("按受帮扶县", "by county").into(),
        title: format!("{title} · {}", lang.pick("本年", "the year")),
        header: std::iter::once(lang.pick("受帮扶县", "county").to_string())
            .chain(yb.indicators.iter().map(|f| labelled(f, lang)))
            .collect(),
        rows: counties
            .iter()
            .copied()
            .map(|c| {
                std::iter::once(text(county_name(c)))
                    .chain(yb.indicators.iter().map(|f| {
                        f.by_county
                            .get(c)
                            .map_or(ExportCell::Empty, |split| fig(f, split.year))
                    }))
                    .collect()
            })
            .collect(),
        // The counties add up to the year's figure, records and aggregates together.
        totals: Some(
            std::iter::once(text(lang.pick("合计", "total")))
                .chain(yb.indicators.iter().map(|f| fig(f, f.year)))
                .collect(),
        ),
    };
    vec![headline, by_source, by_county]
}

/// A group's yearbook: the yearbook's sheets for the group's sums, then the
/// year's and cumulative figures by program, by helping and by helped
/// province (every indicator; province names from `names`).
pub fn group_yearbook(
    g: &twinaid_domain::group::GroupYearbook,
    names: &std::collections::BTreeMap<String, (String, String)>,
    lang: Lang,
) -> Vec<ExportTable> {
    let yb = &g.yearbook;
    let y = yb.year;
    let mut tables = yearbook(yb, lang);
    let mut header = vec![lang.pick("指标", "indicator").to_string()];
    let columns = |header: &mut Vec<String>, label: String| {
        header.push(match lang {
            Lang::Zh => format!("{label} {y} 年"),
            Lang::En => format!("{label} {y}"),
        });
        header.push(match lang {
            Lang::Zh => format!("{label} 累计"),
            Lang::En => format!("{label} to date"),
        });
    };
    for m in &g.by_program {
        columns(&mut header, m.program.clone());
    }
    let rows = yb
        .indicators
        .iter()
        .map(|f| {
            let mut r = vec![text(labelled(f, lang))];
            for m in &g.by_program {
                let theirs = m
                    .indicators
                    .iter()
                    .find(|t| t.definition.code == f.definition.code);
                let unit = f.definition.unit;
                r.push(figure_cell(theirs.map_or(0, |t| t.year), unit, lang));
                r.push(figure_cell(theirs.map_or(0, |t| t.cumulative), unit, lang));
            }
            r
        })
        .collect();
    tables.push(ExportTable {
        name: lang.pick("按帮扶协作", "by program").into(),
        title: g
            .by_program
            .iter()
            .map(|m| format!("{} {}", m.program, lang.pick(&m.name_zh, &m.name_en)))
            .collect::<Vec<_>>()
            .join("; "),
        header,
        rows,
        totals: None,
    });
    for (splits, zh, en) in [
        (&g.by_helping_province, "按帮扶省份", "by helping province"),
        (&g.by_helped_province, "按受帮扶省份", "by helped province"),
    ] {
        let mut provinces: Vec<&String> = splits.values().flat_map(|m| m.keys()).collect();
        provinces.sort();
        provinces.dedup();
        let mut header = vec![lang.pick("指标", "indicator").to_string()];
        for p in &provinces {
            let label = match names.get(*p) {
                Some((name_zh, name_en)) => lang.pick(name_zh, name_en).to_string(),
                None if *p == UNALLOCATED => lang.pick("未分地区", "no region").to_string(),
                None => p.to_string(),
            };
            columns(&mut header, label);
        }
        let rows = yb
            .indicators
            .iter()
            .map(|f| {
                let mut r = vec![text(labelled(f, lang))];
                for p in &provinces {
                    let split = splits
                        .get(&f.definition.code)
                        .and_then(|m| m.get(*p))
                        .copied()
                        .unwrap_or_default();
                    r.push(figure_cell(split.year, f.definition.unit, lang));
                    r.push(figure_cell(split.cumulative, f.definition.unit, lang));
                }
                r
            })
            .collect();
        tables.push(ExportTable {
            name: lang.pick(zh, en).into(),
            title: lang
                .pick(&yb.program_name_zh, &yb.program_name_en)
                .to_string(),
            header,
            rows,
            totals: None,
        });
    }
    tables
}

/// The columns of an assessment's ranking, as every report of it names them.
pub fn ranking_header(lang: Lang) -> Vec<String> {
    match lang {
        Lang::Zh => [
            "名次",
            "帮扶单位",
            "统计评价",
            "交叉检查",
            "专家评估",
            "总分",
            "等次",
        ],
        Lang::En => [
            "rank",
            "helper unit",
            "statistical",
            "cross-examination",
            "experts",
            "total",
            "grade",
        ],
    }
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The assessment: the ranking, and every unit's explanation line by line.
pub fn assessment(title: &str, lines: &[RankLine], lang: Lang) -> Vec<ExportTable> {
    let score = |v: f64| ExportCell::Number(v, "0.00");
    let ranking = ExportTable {
        name: lang.pick("排名", "ranking").into(),
        title: title.to_string(),
        header: ranking_header(lang),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    ExportCell::Number(l.rank as f64, "0"),
                    text(l.unit.clone()),
                    score(l.statistical),
                    score(l.inspection),
                    score(l.expert),
                    score(l.total),
                    text(l.grade.clone()),
                ]
            })
            .collect(),
        totals: None,
    };
    let explanations = ExportTable {
        name: lang.pick("得分说明", "explanations").into(),
        title: title.to_string(),
        header: vec![
            lang.pick("帮扶单位", "helper unit").into(),
            lang.pick("序号", "line").into(),
            lang.pick("说明", "explanation").into(),
        ],
        rows: lines
            .iter()
            .flat_map(|l| {
                l.explanation.iter().enumerate().map(|(i, e)| {
                    vec![
                        text(l.unit.clone()),
                        ExportCell::Number((i + 1) as f64, "0"),
                        text(e.clone()),
                    ]
                })
            })
            .collect(),
        totals: None,
    };
    vec![ranking, explanations]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_in_wan_yuan_in_chinese_and_yuan_in_english() {
        assert_eq!(
            figure_cell(3_620_000_000, UnitOfMeasure::Yuan, Lang::Zh),
            ExportCell::Number(3620.0, "#,##0.00")
        );
        assert_eq!(
            figure_cell(3_620_000_000, UnitOfMeasure::Yuan, Lang::En),
            ExportCell::Number(36_200_000.0, "#,##0")
        );
        assert_eq!(
            figure_cell(1500, UnitOfMeasure::Km, Lang::Zh),
            ExportCell::Number(1.5, "#,##0.0##")
        );
    }
}
