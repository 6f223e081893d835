//! A helped county's one-page fact sheet as document blocks (written as
//! PDF or Word by the yearbook's writers): its figures of the year and to
//! date, the units paired with it, its largest projects of the year.

use crate::document::Block;
use crate::export::{ExportCell, ExportTable};
use crate::reports::figure_cell;
use twinaid_app::CountySheet;
use twinaid_domain::Lang;
use twinaid_domain::quantity::{UnitOfMeasure, figure_unit};
use twinaid_domain::record::{FieldType, Record, RecordKind};

/// A choice field's value in words.
fn choice(kind: RecordKind, field: &str, record: &Record, lang: Lang) -> String {
    let code = record.get(field).as_text().unwrap_or_default();
    match kind.field(field).map(|f| f.ty) {
        Some(FieldType::Choice(choices)) => choices
            .iter()
            .find(|c| c.code == code)
            .map_or(code.to_string(), |c| lang.pick(c.zh, c.en).to_string()),
        _ => code.to_string(),
    }
}

fn text(s: impl Into<String>) -> ExportCell {
    let s = s.into();
    if s.is_empty() {
        ExportCell::Empty
    } else {
        ExportCell::Text(s)
    }
}

/// The sheet's opening: the county's first money figure of the year and to
/// date, then what the figures count and who made the sheet.
fn lead(sheet: &CountySheet, lang: Lang) -> String {
    let county = lang.pick(&sheet.county_name.0, &sheet.county_name.1);
    let program = lang.pick(&sheet.program_name.0, &sheet.program_name.1);
    let y = sheet.year;
    let money = |fen: i64| twinaid_domain::money::format_money_for_table(fen, lang);
    let first = sheet
        .figures
        .iter()
        .find(|(d, _, _)| d.unit == UnitOfMeasure::Yuan)
        .map(|(d, year, cumulative)| match lang {
            Lang::Zh => format!(
                "{y} 年{county}{} {}，累计 {}。",
                d.name(lang),
                money(*year),
                money(*cumulative)
            ),
            Lang::En => format!(
                "In {y} {county} received {} of {}, {} to date. ",
                money(*year),
                d.name(lang),
                money(*cumulative)
            ),
        })
        .unwrap_or_default();
    match lang {
        Lang::Zh => format!(
            "{first}{program}：数字只计已核实的工作；累计数只含记到本县的记录和汇总数。{}编制。",
            sheet.author
        ),
        Lang::En => format!(
            "{first}{program}: figures count verified work only; those to date hold only what was recorded for the county. Prepared by {}.",
            sheet.author
        ),
    }
}

/// The sheet's blocks on one page as the PDF lays it out (with `fonts`):
/// as many of the largest projects as fit, the rest counted and summed.
pub fn one_page(sheet: &CountySheet, lang: Lang, fonts: &crate::pdf::PdfFonts) -> Vec<Block> {
    let mut listed = sheet.projects.len();
    loop {
        let blocks = county_blocks(sheet, lang, listed);
        let fits = crate::pdf::page_count(&blocks, lang, fonts).is_ok_and(|n| n <= 1);
        if fits || listed == 0 {
            return blocks;
        }
        listed -= 1;
    }
}

/// The sheet's blocks, in a language: a title, a line on what it counts
/// and who made it, three tables (the first `listed` projects, all of them
/// counted, so no status), and what the project table leaves out.
pub fn county_blocks(sheet: &CountySheet, lang: Lang, listed: usize) -> Vec<Block> {
    let shown = &sheet.projects[..listed.min(sheet.projects.len())];
    let county = lang.pick(&sheet.county_name.0, &sheet.county_name.1);
    let y = sheet.year;
    let unit_name = |code: &str| {
        sheet
            .unit_names
            .get(code)
            .map_or(code.to_string(), |(zh, en)| lang.pick(zh, en).to_string())
    };
    let mut blocks = vec![
        Block::Heading(
            1,
            match lang {
                Lang::Zh => format!("{county} {y} 年对口帮扶概况"),
                Lang::En => format!("{county}: pairing assistance in {y}"),
            },
        ),
        Block::Paragraph(lead(sheet, lang)),
    ];
    if !sheet.figures.is_empty() {
        blocks.push(Block::Table(ExportTable {
            name: lang.pick("主要数字", "Figures").into(),
            title: String::new(),
            header: vec![
                lang.pick("指标", "indicator").into(),
                match lang {
                    Lang::Zh => format!("{y} 年"),
                    Lang::En => y.to_string(),
                },
                match lang {
                    Lang::Zh => format!("累计（至 {y} 年底）"),
                    Lang::En => format!("to the end of {y}"),
                },
            ],
            rows: sheet
                .figures
                .iter()
                .map(|(d, year, cumulative)| {
                    let unit = figure_unit(d.unit, lang);
                    vec![
                        text(match lang {
                            Lang::Zh => format!("{}（{unit}）", d.name(lang)),
                            Lang::En => format!("{} ({unit})", d.name(lang)),
                        }),
                        figure_cell(*year, d.unit, lang),
                        figure_cell(*cumulative, d.unit, lang),
                    ]
                })
                .collect(),
            totals: None,
        }));
    }
    blocks.push(Block::Table(ExportTable {
        name: lang.pick("结对帮扶", "Pairings").into(),
        title: String::new(),
        header: vec![
            lang.pick("帮扶单位", "helper unit").into(),
            lang.pick("结对层级", "level").into(),
            lang.pick("起止年度", "years").into(),
        ],
        rows: sheet
            .pairings
            .iter()
            .map(|p| {
                let years = |f: &str| p.get(f).as_int().map(|y| y.to_string());
                let span = match (years("from_year"), years("to_year")) {
                    (Some(from), Some(to)) => format!("{from}–{to}"),
                    (Some(from), None) => lang
                        .pick(&format!("{from} 年起"), &format!("since {from}"))
                        .to_string(),
                    (None, Some(to)) => lang
                        .pick(&format!("至 {to} 年"), &format!("until {to}"))
                        .to_string(),
                    (None, None) => lang.pick("未记录", "not recorded").to_string(),
                };
                vec![
                    text(unit_name(
                        p.get("helper_unit").as_text().unwrap_or_default(),
                    )),
                    text(choice(RecordKind::Pairing, "level", p, lang)),
                    text(span),
                ]
            })
            .collect(),
        totals: None,
    }));
    blocks.push(Block::Table(ExportTable {
        name: match lang {
            Lang::Zh => format!("{y} 年帮扶项目（按资金从多到少）"),
            Lang::En => format!("Projects of {y}, the largest first"),
        },
        title: String::new(),
        header: vec![
            lang.pick("项目名称", "project").into(),
            lang.pick("帮扶单位", "helper unit").into(),
            lang.pick("类别", "category").into(),
            match lang {
                Lang::Zh => format!("帮扶资金（{}）", figure_unit(UnitOfMeasure::Yuan, lang)),
                Lang::En => format!("aid funds ({})", figure_unit(UnitOfMeasure::Yuan, lang)),
            },
        ],
        rows: shown
            .iter()
            .map(|p| {
                let name = |f: &str| p.get(f).as_text().unwrap_or_default().to_string();
                let shown = match lang {
                    Lang::En if !name("name_en").is_empty() => name("name_en"),
                    _ => name("name_zh"),
                };
                vec![
                    text(shown),
                    text(unit_name(&name("helper_unit"))),
                    text(choice(RecordKind::Project, "category", p, lang)),
                    p.get("amount").as_int().map_or(ExportCell::Empty, |fen| {
                        figure_cell(fen, UnitOfMeasure::Yuan, lang)
                    }),
                ]
            })
            .collect(),
        totals: None,
    }));
    let listed = shown.len() as i64;
    let listed_amount: i64 = shown
        .iter()
        .filter_map(|p| p.get("amount").as_int())
        .fold(0, i64::saturating_add);
    let more = sheet.projects_total - listed;
    if more > 0 {
        let rest = twinaid_domain::money::format_money_for_table(
            sheet.projects_amount - listed_amount,
            lang,
        );
        blocks.push(Block::Paragraph(match lang {
            Lang::Zh => format!("另有 {more} 个项目，帮扶资金合计 {rest}。"),
            Lang::En => format!("{more} more projects, with {rest} of aid funds."),
        }));
    }
    blocks
}

/// Which file a fact sheet is written as: a PDF (with the fonts' folder or
/// file, when one is named), or Word.
pub enum SheetFile<'a> {
    Pdf(Option<&'a std::path::Path>),
    /// With the fonts the PDF would use, to fit it as the PDF is fitted.
    Docx(Option<&'a std::path::Path>),
}

/// The fact sheet as a file on one page: a PDF with the fonts found, or a
/// Word document fitted as the PDF would be (all its projects when no
/// fonts are found to measure with). A refusal says what is missing.
pub fn sheet_file(sheet: &CountySheet, lang: Lang, file: SheetFile) -> Result<Vec<u8>, String> {
    use crate::document::{DocProps, docx, title};
    use crate::pdf::{PdfFonts, pdf};
    match file {
        SheetFile::Pdf(dir) => {
            let fonts = PdfFonts::find(dir, lang)?;
            let blocks = one_page(sheet, lang, &fonts);
            pdf(&blocks, &title(&blocks), lang, &fonts)
        }
        SheetFile::Docx(dir) => {
            let blocks = match PdfFonts::find(dir, lang) {
                Ok(fonts) => one_page(sheet, lang, &fonts),
                Err(_) => county_blocks(sheet, lang, sheet.projects.len()),
            };
            let props = DocProps {
                title: title(&blocks),
                author: sheet.author.clone(),
                created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            docx(&blocks, lang, &props)
        }
    }
}
