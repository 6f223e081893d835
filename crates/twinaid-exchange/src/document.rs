//! The yearbook as a document: its text written from the figures by a
//! template the program office edits (a file, not code), with the report's
//! tables, then laid out as Word (.docx).

use crate::chart::Chart;
use crate::export::{ExportCell, ExportTable};
use serde_json::{Map, Value, json};
use twinaid_domain::Lang;
use twinaid_domain::quantity::{figure, figure_unit};
use twinaid_domain::yearbook::Yearbook;

/// The templates twinaid ships (`data/report-templates/`), used when the office has none of its own.
pub const YEARBOOK_ZH: &str = include_str!("../../../data/report-templates/yearbook.zh.j2");
pub const YEARBOOK_EN: &str = include_str!("../../../data/report-templates/yearbook.en.j2");

/// A part of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    Table(ExportTable),
    Chart(Chart),
}

/// A project the text names.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedProject {
    pub name: String,
    pub place: String,
    /// Fen.
    pub amount: i64,
}

impl From<(String, String, i64)> for NamedProject {
    fn from((name, place, amount): (String, String, i64)) -> NamedProject {
        NamedProject {
            name,
            place,
            amount,
        }
    }
}

/// The year's guidance, as the text quotes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidanceText {
    pub title: String,
    pub priorities: Vec<String>,
    pub tasks: Vec<String>,
}

impl From<(String, Vec<String>, Vec<String>)> for GuidanceText {
    fn from((title, priorities, tasks): (String, Vec<String>, Vec<String>)) -> GuidanceText {
        GuidanceText {
            title,
            priorities,
            tasks,
        }
    }
}

/// The template a language uses: the office's own from `dir`
/// (`yearbook.zh.j2`, `yearbook.en.j2`) when there is one, else twinaid's.
pub fn yearbook_template(dir: Option<&std::path::Path>, lang: Lang) -> Result<String, String> {
    match dir {
        Some(dir) => {
            let file = dir.join(format!("yearbook.{}.j2", lang.pick("zh", "en")));
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))
        }
        None => Ok(lang.pick(YEARBOOK_ZH, YEARBOOK_EN).to_string()),
    }
}

fn context(
    yb: &Yearbook,
    named: &[NamedProject],
    guidance: Option<&GuidanceText>,
    lang: Lang,
) -> Value {
    let mut f = Map::new();
    for i in &yb.indicators {
        let unit = i.definition.unit;
        let fig = |raw: i64| figure(raw, unit, lang);
        let change = i.change();
        f.insert(
            i.definition.code.clone(),
            json!({
                "name": i.definition.name(lang),
                "unit": figure_unit(unit, lang),
                "year": fig(i.year),
                "cumulative": fig(i.cumulative),
                "previous": i.previous_year.map(fig),
                "change": change.map(|c| format!("{}{}", if c > 0 { "+" } else { "" }, fig(c))),
                "change_abs": change.map(|c| fig(c.abs())),
                "change_word": change.map(|c| match (c >= 0, lang) {
                    (true, Lang::Zh) => "增加",
                    (false, Lang::Zh) => "减少",
                    (true, Lang::En) => "more",
                    (false, Lang::En) => "less",
                }),
                "change_pct": i.change_pct().map(|p| format!("{p:.1}")),
                "pending": (i.pending != 0).then(|| fig(i.pending)),
            }),
        );
    }
    let sources: Map<String, Value> = yb
        .indicator("aid_funds")
        .map(|a| {
            a.by_source
                .iter()
                .filter(|(_, s)| s.year != 0)
                .map(|(k, s)| {
                    (
                        k.clone(),
                        Value::from(figure(s.year, a.definition.unit, lang)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let money = twinaid_domain::quantity::UnitOfMeasure::Yuan;
    json!({
        "program": {
            "code": yb.program,
            "name": lang.pick(&yb.program_name_zh, &yb.program_name_en),
        },
        "year": yb.year,
        "f": f,
        "sources": sources,
        "named_projects": named.iter().map(|p| json!({
            "name": p.name, "place": p.place, "amount": figure(p.amount, money, lang),
            // The name with its place, unless the name says it already.
            "label": if p.name.contains(&p.place) { p.name.clone() } else {
                match lang { Lang::Zh => format!("{}{}", p.place, p.name), Lang::En => format!("{} ({})", p.name, p.place) }
            },
        })).collect::<Vec<_>>(),
        "guidance": guidance.map(|g| json!({
            "title": g.title, "priorities": g.priorities, "tasks": g.tasks,
            // Written in Chinese only: an English document says so rather than quoting it.
            "in_chinese": std::iter::once(&g.title).chain(&g.priorities).chain(&g.tasks)
                .any(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        })),
    })
}

/// Writes the yearbook's text from a template and places its tables; a
/// template that does not read is an error naming the line.
pub fn yearbook_blocks(
    yb: &Yearbook,
    named: &[NamedProject],
    guidance: Option<&GuidanceText>,
    template: &str,
    lang: Lang,
) -> Result<Vec<Block>, String> {
    let mut env = minijinja::Environment::new();
    env.add_template("yearbook", template)
        .map_err(|e| e.to_string())?;
    let text = env
        .get_template("yearbook")
        .and_then(|t| t.render(minijinja::value::Serde(context(yb, named, guidance, lang))))
        .map_err(|e| e.to_string())?;
    let mut tables = crate::reports::yearbook(yb, lang);
    // A page is narrower than a sheet: by county, the document keeps the main indicators.
    if let Some(by_county) = tables.get_mut(2) {
        let keep: Vec<usize> = std::iter::once(0)
            .chain(yb.indicators.iter().enumerate().filter_map(|(i, f)| {
                crate::reports::MAIN_INDICATORS
                    .contains(&f.definition.code.as_str())
                    .then_some(i + 1)
            }))
            .collect();
        let pick = |cells: &Vec<ExportCell>| -> Vec<ExportCell> {
            keep.iter().filter_map(|i| cells.get(*i).cloned()).collect()
        };
        by_county.header = keep
            .iter()
            .filter_map(|i| by_county.header.get(*i).cloned())
            .collect();
        by_county.rows = by_county.rows.iter().map(pick).collect();
        by_county.totals = by_county.totals.as_ref().map(pick);
    }
    let table = |name: &str| {
        let index = match name {
            "headline" => 0,
            "by_source" => 1,
            "by_county" => 2,
            _ => return None,
        };
        tables.get(index).cloned()
    };
    let mut blocks = Vec::new();
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, blocks: &mut Vec<Block>| {
        let p = paragraph.trim();
        if !p.is_empty() {
            blocks.push(Block::Paragraph(p.to_string()));
        }
        paragraph.clear();
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some(h) = line.strip_prefix("## ") {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading(2, h.trim().to_string()));
        } else if let Some(h) = line.strip_prefix("# ") {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading(1, h.trim().to_string()));
        } else if let Some(name) = line
            .strip_prefix("[[table:")
            .and_then(|r| r.strip_suffix("]]"))
        {
            flush(&mut paragraph, &mut blocks);
            blocks.extend(table(name.trim()).map(Block::Table));
        } else if let Some(spec) = line
            .strip_prefix("[[chart:")
            .and_then(|r| r.strip_suffix("]]"))
        {
            flush(&mut paragraph, &mut blocks);
            let chart = crate::reports::yearbook_chart(yb, spec.trim(), lang)
                .ok_or_else(|| format!("[[chart:{}]]: {}", spec.trim(), lang.pick(
                    "没有这个图表；可用“指标代码_by_county”或“指标代码_by_source”，如 aid_funds_by_county",
                    "no such chart; use INDICATOR_by_county or INDICATOR_by_source, e.g. aid_funds_by_county",
                )))?;
            blocks.push(Block::Chart(chart));
        } else {
            paragraph.push_str(line);
            if lang == Lang::En {
                paragraph.push(' ');
            }
        }
    }
    flush(&mut paragraph, &mut blocks);
    Ok(blocks)
}

/// The document's title: its first top-level heading.
pub fn title(blocks: &[Block]) -> String {
    blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// What a document says of itself (its properties in Word): title, who it
/// is by (the program's office), when it was made (RFC 3339).
#[derive(Debug, Clone, Default)]
pub struct DocProps {
    pub title: String,
    pub author: String,
    pub created: String,
}

/// An A4 page's margins, 2.54 cm, in twentieths of a point (twips).
const MARGIN: usize = 1440;

/// The width of the text on an A4 page between the margins, in twips:
/// what a table may take.
const TEXT_WIDTH: usize = 11906 - 2 * MARGIN;

/// The text size of table cells, in half-points: 9 pt, or 7.5 pt for a
/// table too wide for 9 pt.
const CELL_SIZE: usize = 18;
const SMALL_CELL_SIZE: usize = 15;

/// A table's column widths in twips and its cells' text size, fitted to
/// what the columns hold: each as wide as its longest cell (a CJK character
/// counts as two half-width ones), between 4 and 24 half-widths. Wider
/// than the page, the headers give way first (they wrap between words,
/// Chinese after four characters, never inside a figure or a word); still
/// too wide, the text gets smaller; then every column shrinks alike.
fn column_widths(t: &ExportTable) -> (Vec<usize>, usize) {
    let width = |s: &str| -> usize {
        s.lines()
            .map(|l| l.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
            .max()
            .unwrap_or(0)
    };
    // The narrowest a header may wrap to: its longest word, or four CJK characters.
    let least = |s: &str| -> usize {
        s.split_whitespace()
            .map(|w| {
                if w.is_ascii() {
                    width(w)
                } else {
                    width(w).min(8)
                }
            })
            .max()
            .unwrap_or(0)
    };
    let columns = t.header.len();
    let mut body = vec![0usize; columns];
    for row in t.rows.iter().chain(t.totals.iter()) {
        for (i, c) in row.iter().enumerate().take(columns) {
            body[i] = body[i].max(width(&c.display()));
        }
    }
    for size in [CELL_SIZE, SMALL_CELL_SIZE] {
        // Half-width of a character at this size, and a cell's padding.
        let (half, padding) = (95 * size / CELL_SIZE, 220);
        let twips = |u: usize| u.clamp(4, 24) * half + padding;
        let need: Vec<usize> = t
            .header
            .iter()
            .zip(&body)
            .map(|(h, b)| twips(least(h).max(*b)))
            .collect();
        // Never less than the column needs (a header word longer than 16).
        let want: Vec<usize> = t
            .header
            .iter()
            .zip(&body)
            .zip(&need)
            .map(|((h, b), n)| twips(width(h).min(16).max(*b)).max(*n))
            .collect();
        let (needed, wanted) = (need.iter().sum::<usize>(), want.iter().sum::<usize>());
        if wanted <= TEXT_WIDTH {
            return (want, size);
        }
        if needed <= TEXT_WIDTH {
            // What is left after what each column needs, shared as they want it.
            let (room, extra) = (TEXT_WIDTH - needed, wanted - needed);
            let widths = need
                .iter()
                .zip(&want)
                .map(|(n, w)| n + (w - n) * room / extra)
                .collect();
            return (widths, size);
        }
        if size == SMALL_CELL_SIZE {
            return (need.iter().map(|w| w * TEXT_WIDTH / needed).collect(), size);
        }
    }
    (vec![TEXT_WIDTH / columns.max(1); columns], SMALL_CELL_SIZE)
}

/// Whether a table's column holds figures: then every cell of it, "—" too,
/// is right-aligned.
fn numeric_columns(t: &ExportTable) -> Vec<bool> {
    (0..t.header.len())
        .map(|i| {
            t.rows
                .iter()
                .chain(t.totals.iter())
                .any(|r| matches!(r.get(i), Some(ExportCell::Number(..))))
        })
        .collect()
}

/// Lays the blocks out as a Word document, Chinese text in a Song face,
/// charts as Word charts, tables on a grid fitted to their contents.
pub fn docx(blocks: &[Block], lang: Lang, props: &DocProps) -> Result<Vec<u8>, String> {
    use docx_rs::{
        Docx, Footer, PageMargin, PageNum, Paragraph, Run, RunFonts, Style, StyleType, Table,
        TableCell, TableRow,
    };
    let fonts = || RunFonts::new().east_asia("SimSun").ascii("Times New Roman");
    let margin = MARGIN as i32;
    let mut doc = Docx::new()
        .page_margin(PageMargin {
            top: margin,
            left: margin,
            bottom: margin,
            right: margin,
            header: 851,
            footer: 851,
            gutter: 0,
        })
        // The page's number at its foot, centred.
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(docx_rs::AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(32)
                .bold(),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(28)
                .bold(),
        );
    let cell_text = ExportCell::printed;
    let mut charts = Vec::new();
    for block in blocks {
        doc = match block {
            Block::Chart(chart) => {
                let place = crate::chart::placeholder(charts.len());
                charts.push(chart.clone());
                doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(place)))
            }
            // A heading stays with what follows it, never alone at a page's foot.
            Block::Heading(level, text) => doc.add_paragraph(
                Paragraph::new()
                    .style(if *level == 1 { "Heading1" } else { "Heading2" })
                    .keep_next(true)
                    .add_run(Run::new().add_text(text).fonts(fonts())),
            ),
            Block::Paragraph(text) => doc
                .add_paragraph(Paragraph::new().add_run(Run::new().add_text(text).fonts(fonts()))),
            Block::Table(t) => {
                let (widths, size) = column_widths(t);
                let numeric = numeric_columns(t);
                // Figures right-aligned, as in the tables on the pages; a
                // row never splits across pages, and the header row keeps
                // with the first row under it.
                let row = |cells: Vec<(String, bool)>, bold: bool, header: bool| {
                    TableRow::new(
                        cells
                            .into_iter()
                            .zip(widths.iter())
                            .map(|((c, number), width)| {
                                let mut run = Run::new().add_text(c).fonts(fonts()).size(size);
                                if bold {
                                    run = run.bold();
                                }
                                let mut p = Paragraph::new().add_run(run).keep_next(header);
                                if number {
                                    p = p.align(docx_rs::AlignmentType::Right);
                                }
                                TableCell::new()
                                    .width(*width, docx_rs::WidthType::Dxa)
                                    .add_paragraph(p)
                            })
                            .collect(),
                    )
                    .cant_split()
                };
                let cells = |r: &Vec<ExportCell>| {
                    r.iter()
                        .enumerate()
                        .map(|(i, c)| (cell_text(c), numeric.get(i).copied().unwrap_or(false)))
                        .collect()
                };
                let mut rows = vec![row(
                    t.header
                        .iter()
                        .enumerate()
                        .map(|(i, h)| (h.clone(), numeric.get(i).copied().unwrap_or(false)))
                        .collect(),
                    true,
                    true,
                )];
                rows.extend(t.rows.iter().map(|r| row(cells(r), false, false)));
                if let Some(totals) = &t.totals {
                    rows.push(row(cells(totals), true, false));
                }
                doc.add_paragraph(
                    Paragraph::new()
                        .keep_next(true)
                        .add_run(Run::new().add_text(&t.name).bold().fonts(fonts())),
                )
                .add_table(
                    Table::new(rows)
                        .set_grid(widths.clone())
                        .layout(docx_rs::TableLayoutType::Fixed)
                        .width(widths.iter().sum(), docx_rs::WidthType::Dxa),
                )
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    let tag = lang.pick("zh-CN", "en-US");
    let with_charts = crate::chart::embed_in_docx(&out.into_inner(), &charts, tag)?;
    with_own_parts(&with_charts, props, tag)
}

/// The document's own properties (title, author, when made), written over
/// the ones the Word library leaves (created 1970 by "unknown"), and its
/// default language and faces.
fn with_own_parts(docx: &[u8], props: &DocProps, lang_tag: &str) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let core = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy><dc:language>{lang_tag}</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified></cp:coreProperties>"#,
        esc(&props.title),
        esc(&props.author),
        esc(&props.author),
        esc(&props.created),
        esc(&props.created),
    );
    let err = |e: zip::result::ZipError| e.to_string();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(err)?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(err)?;
        let name = file.name().map_err(err)?.to_string();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if name == "docProps/core.xml" {
            bytes = core.clone().into_bytes();
        }
        // The document's language and faces by default, so that a reader
        // without SimSun still picks Chinese (not Japanese) glyphs.
        if name == "word/styles.xml" {
            let defaults = format!(
                r#"<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="SimSun" w:cs="Times New Roman" /><w:lang w:val="{lang_tag}" w:eastAsia="zh-CN" /></w:rPr></w:rPrDefault>"#
            );
            bytes = String::from_utf8_lossy(&bytes)
                .replacen("<w:rPrDefault><w:rPr /></w:rPrDefault>", &defaults, 1)
                .into_bytes();
        }
        out.start_file(name, options).map_err(err)?;
        out.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    Ok(out.finish().map_err(err)?.into_inner())
}

/// The paragraphs of a .docx made here, one per line (for checks and tests).
pub fn docx_body_text(bytes: &[u8]) -> Result<String, String> {
    let docx = docx_rs::read_docx(bytes).map_err(|e| e.to_string())?;
    let mut out = String::new();
    let paragraph = |p: &docx_rs::Paragraph, out: &mut String| {
        for child in &p.children {
            if let docx_rs::ParagraphChild::Run(run) = child {
                for rc in &run.children {
                    if let docx_rs::RunChild::Text(t) = rc {
                        out.push_str(&t.text);
                    }
                }
            }
        }
        out.push('\n');
    };
    for child in &docx.document.children {
        match child {
            docx_rs::DocumentChild::Paragraph(p) => paragraph(p, &mut out),
            docx_rs::DocumentChild::Table(t) => {
                for row in &t.rows {
                    let docx_rs::TableChild::TableRow(row) = row;
                    for cell in &row.cells {
                        let docx_rs::TableRowChild::TableCell(cell) = cell;
                        for c in &cell.children {
                            if let docx_rs::TableCellContent::Paragraph(p) = c {
                                paragraph(p, &mut out);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
