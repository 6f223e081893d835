//! Writing reports for the terminal: aligned text tables or Markdown.

use twinaid_domain::Lang;
use twinaid_domain::indicator::{IndicatorDefinition, Rule};
use twinaid_domain::quantity::UnitOfMeasure;
use twinaid_domain::yearbook::{IndicatorFigures, UNALLOCATED, UNSPECIFIED, Yearbook};

pub(crate) use twinaid_domain::quantity::{figure as value, figure_unit as unit_label};

/// Display width in a terminal: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            let wide = (0x1100..=0x115F).contains(&cp)
                || (0x2E80..=0xA4CF).contains(&cp)
                || (0xAC00..=0xD7A3).contains(&cp)
                || (0xF900..=0xFAFF).contains(&cp)
                || (0xFE30..=0xFE4F).contains(&cp)
                || (0xFF00..=0xFF60).contains(&cp)
                || (0xFFE0..=0xFFE6).contains(&cp);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Lays out rows under a header, as aligned text or as a Markdown table.
pub(crate) fn table(header: &[String], rows: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        let rule: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---".into() } else { "---:".into() })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in rows {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        return out;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i] - width(c));
                if i == 0 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    out.push_str(&line(header));
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// An indicator's name with its unit, as a column header.
pub(crate) fn labelled(f: &IndicatorFigures, lang: Lang) -> String {
    let unit = unit_label(f.definition.unit, lang);
    match lang {
        Lang::Zh => format!("{}（{unit}）", f.definition.name(lang)),
        Lang::En => format!("{} ({unit})", f.definition.name(lang)),
    }
}

fn headline_row(f: &IndicatorFigures, lang: Lang) -> Vec<String> {
    let unit = f.definition.unit;
    let opt = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |r| value(r, unit, lang));
    vec![
        f.definition.name(lang).to_string(),
        unit_label(unit, lang).to_string(),
        value(f.year, unit, lang),
        value(f.cumulative, unit, lang),
        opt(f.previous_year),
        opt(f.change()),
        f.change_pct()
            .map_or_else(|| "—".to_string(), |p| format!("{p:.1}%")),
        format!(
            "{} / {}",
            value(f.from_records.year, unit, lang),
            value(f.from_records.cumulative, unit, lang)
        ),
        format!(
            "{} / {}",
            value(f.from_aggregates.year, unit, lang),
            value(f.from_aggregates.cumulative, unit, lang)
        ),
    ]
}

pub(crate) fn title(text: &str, markdown: bool) -> String {
    if markdown {
        format!("## {text}\n\n")
    } else {
        format!("\n{text}\n\n")
    }
}

/// The yearbook as text: headline figures, the split by source and by county.
pub fn yearbook_table(yb: &Yearbook, lang: Lang, markdown: bool) -> String {
    let y = yb.year;
    let mut out = String::new();
    let name = match lang {
        Lang::Zh => format!("{} {y} 年年鉴", yb.program_name_zh),
        Lang::En => format!("{} — yearbook {y}", yb.program_name_en),
    };
    out.push_str(&if markdown {
        format!("# {name}\n\n")
    } else {
        format!("{name}\n")
    });
    let header: Vec<String> = match lang {
        Lang::Zh => vec![
            "指标".into(),
            "单位".into(),
            format!("{y} 年"),
            format!("累计（至 {y} 年底）"),
            format!("{} 年", y - 1),
            "增减".into(),
            "增减%".into(),
            "其中记录（本年/累计）".into(),
            "其中汇总数据（本年/累计）".into(),
        ],
        Lang::En => vec![
            "indicator".into(),
            "unit".into(),
            format!("{y}"),
            format!("to end of {y}"),
            format!("{}", y - 1),
            "change".into(),
            "change %".into(),
            "from records (year / cumulative)".into(),
            "from aggregates (year / cumulative)".into(),
        ],
    };
    let mut header = header;
    let mut rows: Vec<Vec<String>> = yb
        .indicators
        .iter()
        .map(|f| headline_row(f, lang))
        .collect();
    // Records on their way to being counted, beside the figures, where there are any.
    if yb.indicators.iter().any(|f| f.pending != 0) {
        header.push(
            lang.pick(
                "另有待核查（未计入）",
                "awaiting verification (not counted)",
            )
            .into(),
        );
        for (r, f) in rows.iter_mut().zip(&yb.indicators) {
            r.push(if f.pending == 0 {
                String::new()
            } else {
                value(f.pending, f.definition.unit, lang)
            });
        }
    }
    out.push_str(&table(&header, &rows, markdown));

    out.push_str(&title(
        lang.pick("按资金来源（本年/累计）", "By source (year / cumulative)"),
        markdown,
    ));
    let sources = ["provincial_units", "cities", "social", UNSPECIFIED];
    let source_names = |s: &str| match (s, lang) {
        (UNSPECIFIED, _) => lang.pick("未分来源", "source not recorded").to_string(),
        (code, _) => twinaid_domain::unit::SourceKind::parse(code)
            .map_or(code.to_string(), |k| k.name(lang).to_string()),
    };
    let mut header = vec![lang.pick("指标", "indicator").to_string()];
    header.extend(sources.iter().map(|s| source_names(s)));
    let rows: Vec<Vec<String>> = yb
        .indicators
        .iter()
        .filter(|f| f.definition.unit == UnitOfMeasure::Yuan)
        .map(|f| {
            let mut r = vec![labelled(f, lang)];
            for s in sources {
                let split = f.by_source.get(s).copied().unwrap_or_default();
                r.push(format!(
                    "{} / {}",
                    value(split.year, f.definition.unit, lang),
                    value(split.cumulative, f.definition.unit, lang)
                ));
            }
            r
        })
        .collect();
    out.push_str(&table(&header, &rows, markdown));

    out.push_str(&title(
        &match lang {
            Lang::Zh => format!("按受帮扶地区（{y} 年）"),
            Lang::En => format!("By helped region ({y})"),
        },
        markdown,
    ));
    // A terminal has room for the headline figures; Markdown (and JSON) carry every indicator.
    let headline = twinaid_exchange::reports::MAIN_INDICATORS;
    let shown: Vec<&IndicatorFigures> = yb
        .indicators
        .iter()
        .filter(|f| f.year != 0 && (markdown || headline.contains(&f.definition.code.as_str())))
        .collect();
    let mut header = vec![lang.pick("地区", "region").to_string()];
    header.extend(shown.iter().map(|f| labelled(f, lang)));
    let mut rows = Vec::new();
    for key in yb.county_keys() {
        let label = if key == UNALLOCATED {
            lang.pick("未分地区", "no region").to_string()
        } else {
            let (zh, en) = yb.county_names(key);
            format!("{} {key}", if lang == Lang::Zh { zh } else { en })
        };
        let mut r = vec![label];
        r.extend(shown.iter().map(|f| {
            value(
                f.by_county.get(key).map_or(0, |s| s.year),
                f.definition.unit,
                lang,
            )
        }));
        rows.push(r);
    }
    out.push_str(&table(&header, &rows, markdown));
    out
}

/// The indicator definitions as a table or JSON.
pub fn indicators(defs: &[IndicatorDefinition], lang: Lang, json: bool) -> String {
    if json {
        let list: Vec<serde_json::Value> = defs
            .iter()
            .map(|d| {
                serde_json::json!({
                    "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en,
                    "unit": d.unit.code(), "stock": d.stock, "rule": d.rule,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&list).unwrap_or_default();
    }
    let header: Vec<String> = match lang {
        Lang::Zh => vec!["代码".into(), "名称".into(), "单位".into(), "定义".into()],
        Lang::En => vec![
            "code".into(),
            "name".into(),
            "unit".into(),
            "definition".into(),
        ],
    };
    let rows: Vec<Vec<String>> = defs
        .iter()
        .map(|d| {
            let rule = match &d.rule {
                Rule::Records { .. } | Rule::Parts(_) => {
                    let parts: Vec<String> = d
                        .parts()
                        .iter()
                        .map(|p| {
                            let m = match &p.measure {
                                twinaid_domain::indicator::Measure::Count => "count".to_string(),
                                twinaid_domain::indicator::Measure::Sum(f) => format!("sum({f})"),
                                twinaid_domain::indicator::Measure::CountDistinct(f) => {
                                    format!("count_distinct({f})")
                                }
                            };
                            let fs: Vec<String> = p
                                .filters
                                .iter()
                                .map(|f| {
                                    let values: Vec<&str> = f
                                        .values
                                        .iter()
                                        .map(|v| if v.is_empty() { "(empty)" } else { v })
                                        .collect();
                                    format!("{}={}", f.field, values.join("|"))
                                })
                                .collect();
                            let mut text = format!("{m} of {}", p.kind);
                            if !fs.is_empty() {
                                text.push_str(&format!(" where {}", fs.join(", ")));
                            }
                            text
                        })
                        .collect();
                    format!("{} + aggregate values", parts.join(" + "))
                }
                Rule::AggregatesOnly => "aggregate values".to_string(),
                Rule::Formula(f) => format!("formula: {f}"),
            };
            vec![
                d.code.clone(),
                d.name(lang).to_string(),
                d.unit.name(lang).to_string(),
                rule,
            ]
        })
        .collect();
    table(&header, &rows, false)
}

/// The year's assessment: the ranking, then each unit's explanation (or one unit's).
pub fn assessment(
    a: &twinaid_app::Assessment,
    units: &[twinaid_app::UnitRow],
    only: Option<&str>,
    lang: Lang,
    format: crate::Format,
) -> String {
    let name = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map_or(code.to_string(), |u| u.name(lang).to_string())
    };
    let chosen: Vec<&twinaid_app::AssessedUnit> = a
        .units
        .iter()
        .filter(|u| only.is_none_or(|o| o == u.score.unit))
        .collect();
    let explanation = |u: &twinaid_app::AssessedUnit| {
        if lang == Lang::Zh {
            u.explanation_zh.clone()
        } else {
            u.explanation_en.clone()
        }
    };
    if format == crate::Format::Json {
        let v = serde_json::json!({
            "guidance_version": a.guidance_version,
            "published": a.published.as_ref().map(|(by, at)| serde_json::json!({"by": by, "at": at})),
            "units": chosen.iter().map(|u| serde_json::json!({
                "unit": u.score.unit, "rank": u.score.rank, "statistical": u.score.statistical,
                "inspection": u.score.inspection, "expert": u.score.expert, "total": u.score.total,
                "grade": u.score.grade.name(lang), "explanation": explanation(u),
            })).collect::<Vec<_>>(),
        });
        return serde_json::to_string_pretty(&v).unwrap_or_default();
    }
    let markdown = format == crate::Format::Markdown;
    let mut out = String::new();
    let status = match (&a.published, lang) {
        (Some((by, at)), Lang::Zh) => format!("已公布（{by}，{at}）"),
        (Some((by, at)), Lang::En) => format!("published by {by} at {at}"),
        (None, _) => lang
            .pick("未公布，随数据变化", "not published; follows the data")
            .to_string(),
    };
    out.push_str(&title(
        &format!(
            "{} · {} v{} · {status}",
            lang.pick("年度考核", "Assessment"),
            lang.pick("指导意见", "guidance"),
            a.guidance_version
        ),
        markdown,
    ));
    let header = twinaid_exchange::reports::ranking_header(lang);
    let rows: Vec<Vec<String>> = chosen
        .iter()
        .map(|u| {
            let s = &u.score;
            vec![
                s.rank.to_string(),
                name(&s.unit),
                format!("{:.2}", s.statistical),
                format!("{:.2}", s.inspection),
                format!("{:.2}", s.expert),
                format!("{:.2}", s.total),
                s.grade.name(lang).to_string(),
            ]
        })
        .collect();
    out.push_str(&table(&header, &rows, markdown));
    for u in &chosen {
        out.push_str(&title(&name(&u.score.unit), markdown));
        for (i, line) in explanation(u).iter().enumerate() {
            out.push_str(&format!("{}. {line}\n", i + 1));
        }
    }
    out
}

/// What `twinaid audit verify` found, for a person: one line when all is
/// well, else each finding on its own line.
/// The newest audit events, one a line (tab-separated, for a script or a
/// spreadsheet): when in the zone, who, what, on what, and from which
/// client address when the event says.
pub fn audit_events(events: &[twinaid_app::AuditEntry], zone: chrono::FixedOffset) -> String {
    let mut out = String::new();
    for e in events {
        let when = chrono::DateTime::parse_from_rfc3339(&e.at).map_or_else(
            |_| e.at.clone(),
            |t| {
                t.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M:%S %:z")
                    .to_string()
            },
        );
        let client = e
            .after_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .and_then(|v| v["client"].as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "{when}\t{}\t{}\t{}\t{}\t{client}\n",
            e.actor, e.action, e.entity, e.entity_key
        ));
    }
    out
}

pub fn audit_verification(found: &twinaid_app::AuditVerification, lang: Lang) -> String {
    use twinaid_app::Why;
    let mut lines = Vec::new();
    let events = found.chain.events;
    let chain = match &found.chain.broken {
        None => lang.pick("哈希链完整", "chain intact").to_string(),
        Some(b) => b.message(lang),
    };
    lines.push(match lang {
        Lang::Zh => format!("审计事件 {events} 条，{chain}"),
        Lang::En => format!("{events} events, {chain}"),
    });
    // Many findings are one cause: the first ones say what it is.
    const SHOWN: usize = 20;
    for u in found.unexplained.iter().take(SHOWN) {
        let what = format!("{} {}/{}", u.kind.code(), u.program, u.code);
        lines.push(match (&u.why, lang) {
            (Why::NoEvent, Lang::Zh) => format!("  {what}：没有审计事件写入过此记录"),
            (Why::NoEvent, Lang::En) => format!("  {what}: no audit event wrote this record"),
            (Why::Differs, Lang::Zh) => {
                format!("  {what}：存储的值与最后一条写入它的审计事件不符（被绕过系统改动）")
            }
            (Why::Differs, Lang::En) => format!(
                "  {what}: the stored value is not what its last audit event wrote (changed around the system)"
            ),
            (Why::Gone, Lang::Zh) => format!("  {what}：审计事件记载此记录存在，但它已不在数据库中"),
            (Why::Gone, Lang::En) => {
                format!("  {what}: its audit events say it exists, but it is not stored")
            }
        });
    }
    if found.unexplained.len() > SHOWN {
        let more = found.unexplained.len() - SHOWN;
        lines.push(match lang {
            Lang::Zh => format!("  ……另有 {more} 条记录"),
            Lang::En => format!("  … and {more} more records"),
        });
    }
    for (program, year) in &found.figures_differ {
        lines.push(match lang {
            Lang::Zh => format!("  {program} {year} 年：统计汇总与记录不符"),
            Lang::En => {
                format!("  {program} {year}: the figure summary does not match the records")
            }
        });
    }
    if let Some((seq, hash, held)) = &found.checkpoint {
        lines.push(match (held, lang) {
            (true, Lang::Zh) => format!("  检查点 {seq}:{hash} 成立：此前的事件未被改动"),
            (true, Lang::En) => {
                format!("  checkpoint {seq}:{hash} holds: nothing up to it changed")
            }
            (false, Lang::Zh) => format!(
                "  检查点 {seq}:{hash} 不成立：第 {seq} 条事件的哈希已不同，此前的审计日志被重写过"
            ),
            (false, Lang::En) => format!(
                "  checkpoint {seq}:{hash} does not hold: event {seq} has another hash now, so the log up to it was rewritten"
            ),
        });
    }
    if found.intact() {
        lines[0] = match lang {
            // The line an auditor's script looks for reads the same in both languages.
            Lang::Zh => format!(
                "审计事件 {events} 条，哈希链完整，统计汇总与记录一致 · {events} events, chain intact, figure summary matches the records"
            ),
            Lang::En => {
                format!("{events} events, chain intact, figure summary matches the records")
            }
        };
    } else if found.unexplained.is_empty() && found.figures_differ.is_empty() {
        lines.push(
            lang.pick(
                "  每条记录与其审计事件一致，统计汇总与记录一致",
                "  every record matches its events; the figure summary matches the records",
            )
            .to_string(),
        );
    }
    lines.join("\n")
}

/// The API tokens as a table: number, owner, name, made, ends, last used,
/// standing; times in the settings' zone.
/// A stored UTC time in the zone, to the minute (as it was if it does not read).
fn local(at: &str, zone: chrono::FixedOffset) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
    )
}

pub fn tokens(tokens: &[twinaid_app::TokenRow], zone: chrono::FixedOffset, lang: Lang) -> String {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let when = |t: Option<&str>| {
        t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(
                || "—".to_string(),
                |t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
            )
    };
    let mut out = format!(
        "{:>6}  {:<16} {:<20} {:<16} {:<16} {:<16} {}\n",
        lang.pick("编号", "id"),
        lang.pick("用户", "owner"),
        lang.pick("名称", "name"),
        lang.pick("生成", "created"),
        lang.pick("到期", "expires"),
        lang.pick("最近使用", "last used"),
        lang.pick("状态", "status"),
    );
    for t in tokens {
        let standing = match t.standing(&now) {
            twinaid_app::TokenStanding::Revoked => lang.pick("已撤销", "revoked"),
            twinaid_app::TokenStanding::Expired => lang.pick("已过期", "expired"),
            twinaid_app::TokenStanding::InForce => lang.pick("有效", "in force"),
        };
        out.push_str(&format!(
            "{:>6}  {:<16} {:<20} {:<16} {:<16} {:<16} {}\n",
            t.id,
            t.username,
            t.name,
            when(Some(&t.created_at)),
            when(t.expires_at.as_deref()),
            when(t.last_used_at.as_deref()),
            standing
        ));
    }
    out
}

/// The accounts as a table: user name, name, role and scope, standing.
pub fn users(
    users: &[twinaid_app::UserRow],
    locks: &std::collections::BTreeMap<String, String>,
    zone: chrono::FixedOffset,
    lang: Lang,
) -> String {
    let header: Vec<String> = [
        lang.pick("用户名", "username"),
        lang.pick("姓名", "name"),
        lang.pick("角色", "role"),
        lang.pick("范围", "scope"),
        lang.pick("状态", "status"),
    ]
    .map(str::to_string)
    .to_vec();
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            let status = match (
                u.disabled_at.is_some(),
                locks.get(&u.username.to_lowercase()),
            ) {
                (true, _) => lang.pick("已停用", "disabled").to_string(),
                (false, Some(until)) => format!(
                    "{} {}",
                    lang.pick("登录已锁定至", "sign-in locked until"),
                    local(until, zone)
                ),
                (false, None) => lang.pick("在用", "active").to_string(),
            };
            vec![
                u.username.clone(),
                u.display_name.clone(),
                u.role.clone(),
                u.scope.clone().unwrap_or_else(|| "—".into()),
                status,
            ]
        })
        .collect();
    text_columns(&header, &rows)
}

/// Lays out text under a header, every column left-aligned to its widest
/// cell as a terminal shows it (Chinese names take two columns a character).
fn text_columns(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - width(c))))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_double() {
        assert_eq!(width("青川县"), 6);
        assert_eq!(width("abc"), 3);
    }

    #[test]
    fn text_columns_line_up_with_chinese_names() {
        let header = vec!["name".to_string(), "role".to_string()];
        let rows = vec![
            vec!["青川县办".to_string(), "county".to_string()],
            vec!["office".to_string(), "program_office".to_string()],
        ];
        let out = text_columns(&header, &rows);
        let starts: Vec<usize> = out
            .lines()
            .map(|l| {
                // The second column begins after the last gap of two spaces.
                let at = l.rfind("  ").unwrap() + 2;
                width(&l[..at])
            })
            .collect();
        assert_eq!(starts, vec![10, 10, 10], "{out}");
    }
}
