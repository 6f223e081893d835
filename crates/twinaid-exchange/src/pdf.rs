//! The yearbook as PDF: the document's blocks laid out on A4 pages (three-line
//! tables as Chinese reports print them, bar charts drawn as vectors, page
//! numbers, bookmarks for the headings), written by krilla with the Noto CJK
//! fonts embedded as subsets so every reader shows the Chinese text.

mod lines;

use crate::chart::Chart;
use crate::document::Block;
use crate::export::{ExportCell, ExportTable};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use twinaid_domain::Lang;

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 72.0;
const RIGHT: f32 = PAGE_W - 72.0;
const TOP: f32 = 72.0;
const BOTTOM: f32 = PAGE_H - 72.0;
const WIDTH: f32 = RIGHT - LEFT;
/// The ascent of the Noto CJK faces, as a share of the font size.
const ASCENT: f32 = 0.88;

/// Where to look for the fonts when no folder is named: Debian's and
/// Ubuntu's `fonts-noto-cjk`, then Fedora's and Arch's.
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/noto-cjk",
    "/usr/local/share/fonts",
];

/// The faces a document uses, by the file names they ship under.
const SERIF: &[&str] = &[
    "NotoSerifCJK-Regular.ttc",
    "NotoSerifCJKsc-Regular.otf",
    "NotoSerifSC-Regular.otf",
];
const SANS: &[&str] = &[
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
];
const BOLD: &[&str] = &[
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJKsc-Bold.otf",
    "NotoSansSC-Bold.otf",
];

/// A font file and the face in it with the Simplified Chinese glyphs.
#[derive(Clone)]
struct FontFile {
    path: PathBuf,
    data: Arc<Vec<u8>>,
    index: u32,
}

impl FontFile {
    fn read(path: &Path) -> Result<FontFile, String> {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        // In a collection (.ttc) the SC face is one of several; its family name says which.
        let index = (0..faces)
            .find(|i| {
                ttf_parser::Face::parse(&data, *i).is_ok_and(|f| {
                    f.names().into_iter().any(|n| {
                        n.name_id == ttf_parser::name_id::FAMILY
                            && n.to_string().is_some_and(|s| s.ends_with(" SC"))
                    })
                })
            })
            .unwrap_or(0);
        ttf_parser::Face::parse(&data, index).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(FontFile {
            path: path.to_path_buf(),
            data: Arc::new(data),
            index,
        })
    }
}

/// The three faces of a document: serif for the text, sans for tables and
/// charts, bold sans for headings.
pub struct PdfFonts {
    serif: FontFile,
    sans: FontFile,
    bold: FontFile,
}

impl PdfFonts {
    /// Finds the fonts in `dir` (a folder, or one font file used for
    /// everything: the `fonts` setting), else where Linux distributions
    /// install Noto CJK. Faces that are missing are replaced by one that is there.
    pub fn find(dir: Option<&Path>, lang: Lang) -> Result<PdfFonts, String> {
        let named = dir.map(Path::to_path_buf);
        if let Some(file) = named.as_ref().filter(|p| p.is_file()) {
            let f = FontFile::read(file)?;
            return Ok(PdfFonts {
                serif: f.clone(),
                sans: f.clone(),
                bold: f,
            });
        }
        let dirs: Vec<PathBuf> = match &named {
            Some(d) => vec![d.clone()],
            None => FONT_DIRS.iter().map(PathBuf::from).collect(),
        };
        let find = |names: &[&str]| -> Option<PathBuf> {
            dirs.iter()
                .flat_map(|d| names.iter().map(move |n| d.join(n)))
                .find(|p| p.is_file())
        };
        let (serif, sans, bold) = (find(SERIF), find(SANS), find(BOLD));
        let any = serif.clone().or(sans.clone()).or(bold.clone()).ok_or_else(|| {
            let looked = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            match lang {
                Lang::Zh => format!(
                    "没有找到中文字体（查找了 {looked}）。请安装 Noto CJK 字体（Debian/Ubuntu：apt install fonts-noto-cjk），或用设置 fonts（--fonts、TWINAID_FONTS）指向存放字体的文件夹或字体文件。"
                ),
                Lang::En => format!(
                    "No Chinese font found (looked in {looked}). Install the Noto CJK fonts (Debian/Ubuntu: apt install fonts-noto-cjk), or point the fonts setting (--fonts, TWINAID_FONTS) at a folder or font file."
                ),
            }
        })?;
        let read = |p: Option<PathBuf>| FontFile::read(&p.unwrap_or_else(|| any.clone()));
        let sans = read(sans.or(serif.clone()))?;
        Ok(PdfFonts {
            serif: match serif {
                Some(p) => FontFile::read(&p)?,
                None => sans.clone(),
            },
            bold: match bold {
                Some(p) => FontFile::read(&p)?,
                None => sans.clone(),
            },
            sans,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Face {
    Serif,
    Sans,
    Bold,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(u8, u8, u8);

const INK: Rgb = Rgb(0x1A, 0x1A, 0x1A);
const GREY: Rgb = Rgb(0x80, 0x80, 0x80);
const BAR: Rgb = Rgb(0x2F, 0x6E, 0xBA);

/// What a page draws, in page coordinates (origin top left, points).
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// Text on a baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
}

/// The faces opened for measuring.
struct Metrics<'a> {
    serif: ttf_parser::Face<'a>,
    sans: ttf_parser::Face<'a>,
    bold: ttf_parser::Face<'a>,
}

impl Metrics<'_> {
    fn face(&self, face: Face) -> &ttf_parser::Face<'_> {
        match face {
            Face::Serif => &self.serif,
            Face::Sans => &self.sans,
            Face::Bold => &self.bold,
        }
    }

    fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let f = self.face(face);
        let em = f32::from(f.units_per_em());
        let units: f32 = text
            .chars()
            .map(|c| {
                f.glyph_index(c)
                    .and_then(|g| f.glyph_hor_advance(g))
                    .map_or(em / 2.0, f32::from)
            })
            .sum();
        units * size / em
    }
}

/// A text style: face, size and line height.
#[derive(Clone, Copy)]
struct Style {
    face: Face,
    size: f32,
    leading: f32,
}

const TITLE: Style = Style {
    face: Face::Bold,
    size: 18.0,
    leading: 28.0,
};
const HEADING: Style = Style {
    face: Face::Bold,
    size: 13.0,
    leading: 22.0,
};
const BODY: Style = Style {
    face: Face::Serif,
    size: 11.0,
    leading: 19.5,
};
const CAPTION: Style = Style {
    face: Face::Bold,
    size: 10.0,
    leading: 16.0,
};
const CELL: Style = Style {
    face: Face::Sans,
    size: 8.5,
    leading: 12.0,
};

/// Pages being filled from the top down.
struct Layout<'a> {
    metrics: &'a Metrics<'a>,
    lang: Lang,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Headings for the bookmarks: level, text, page, y.
    outline: Vec<(u8, String, usize, f32)>,
    /// Characters the faces have no glyph for.
    missing: BTreeSet<char>,
}

impl<'a> Layout<'a> {
    fn new(metrics: &'a Metrics<'a>, lang: Lang) -> Layout<'a> {
        Layout {
            metrics,
            lang,
            pages: vec![Vec::new()],
            y: TOP,
            outline: Vec::new(),
            missing: BTreeSet::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn op(&mut self, op: Op) {
        if let Op::Text { face, text, .. } = &op {
            let f = self.metrics.face(*face);
            self.missing.extend(
                text.chars()
                    .filter(|c| !c.is_whitespace() && f.glyph_index(*c).is_none()),
            );
        }
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn width(&self, style: Style, text: &str) -> f32 {
        self.metrics.width(style.face, style.size, text)
    }

    fn lines(&self, style: Style, text: &str, first: f32, rest: f32) -> Vec<String> {
        lines::break_lines(text, first, rest, &|s| self.width(style, s))
    }

    /// Text on one line whose box starts at `top`.
    fn text_at(&mut self, style: Style, x: f32, top: f32, text: &str) {
        let baseline = top + (style.leading - style.size) / 2.0 + ASCENT * style.size;
        self.op(Op::Text {
            x,
            y: baseline,
            face: style.face,
            size: style.size,
            text: text.to_string(),
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb) {
        self.op(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        });
    }

    fn heading(&mut self, level: u8, text: &str) {
        let style = if level == 1 { TITLE } else { HEADING };
        let lines = self.lines(style, text, WIDTH, WIDTH);
        let height = lines.len() as f32 * style.leading;
        // A heading is never left alone at the foot of a page.
        self.keep(height + 12.0 + 2.0 * BODY.leading);
        if self.y > TOP {
            self.y += if level == 1 { 18.0 } else { 10.0 };
        }
        self.outline
            .push((level, text.to_string(), self.pages.len() - 1, self.y));
        for line in lines {
            let x = if level == 1 {
                LEFT + (WIDTH - self.width(style, &line)) / 2.0
            } else {
                LEFT
            };
            let y = self.y;
            self.text_at(style, x, y, &line);
            self.y += style.leading;
        }
        self.y += if level == 1 { 12.0 } else { 4.0 };
    }

    fn paragraph(&mut self, text: &str) {
        // Chinese paragraphs open with a two-character indent.
        let indent = match self.lang {
            Lang::Zh => 2.0 * BODY.size,
            Lang::En => 0.0,
        };
        let lines = self.lines(BODY, text, WIDTH - indent, WIDTH);
        for (i, line) in lines.iter().enumerate() {
            self.keep(BODY.leading);
            let x = if i == 0 { LEFT + indent } else { LEFT };
            let y = self.y;
            self.text_at(BODY, x, y, line);
            self.y += BODY.leading;
        }
        self.y += 6.0;
    }

    fn caption(&mut self, text: &str) {
        for line in self.lines(CAPTION, text, WIDTH, WIDTH) {
            let x = LEFT + (WIDTH - self.width(CAPTION, &line)) / 2.0;
            let y = self.y;
            self.text_at(CAPTION, x, y, &line);
            self.y += CAPTION.leading;
        }
    }

    /// Column widths: each column as wide as its widest cell (headers may
    /// wrap at 90 pt), stretched to the text width; when that is too wide,
    /// every column keeps room for its widest word or number and the rest
    /// is shared by what the columns would like beyond that.
    fn column_widths(&self, t: &ExportTable) -> Vec<f32> {
        const PAD: f32 = 8.0;
        let columns = t.header.len().max(1);
        let mut want = vec![24.0_f32; columns];
        let mut least = vec![24.0_f32; columns];
        let piece = |s: &str| lines::widest_piece(s, &|x| self.width(CELL, x)) + PAD;
        for row in t.rows.iter().chain(t.totals.iter()) {
            for (i, cell) in row.iter().enumerate().take(columns) {
                let text = cell.printed();
                want[i] = want[i].max(self.width(CELL, &text) + PAD);
                least[i] = least[i].max(piece(&text));
            }
        }
        for (i, h) in t.header.iter().enumerate().take(columns) {
            want[i] = want[i].max((self.width(CELL, h) + PAD).min(90.0));
            least[i] = least[i].max(piece(h));
        }
        let total: f32 = want.iter().sum();
        if total <= WIDTH {
            return want.iter().map(|w| w * WIDTH / total).collect();
        }
        let floor: f32 = least.iter().sum();
        if floor >= WIDTH {
            return least.iter().map(|w| w * WIDTH / floor).collect();
        }
        let wish: Vec<f32> = want
            .iter()
            .zip(&least)
            .map(|(w, l)| (w - l).max(0.0))
            .collect();
        let wished: f32 = wish.iter().sum::<f32>().max(f32::MIN_POSITIVE);
        least
            .iter()
            .zip(&wish)
            .map(|(l, w)| l + w * (WIDTH - floor) / wished)
            .collect()
    }

    /// One row's cells broken into lines, and its height.
    fn row_lines(&self, cells: &[String], widths: &[f32]) -> (Vec<Vec<String>>, f32) {
        let lines: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.lines(CELL, c, w - 8.0, w - 8.0))
            .collect();
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (lines, n as f32 * CELL.leading + 4.0)
    }

    fn row(&mut self, lines: &[Vec<String>], widths: &[f32], align: &[Align], height: f32) {
        let mut x = LEFT;
        let top = self.y;
        for ((cell, w), a) in lines.iter().zip(widths).zip(align) {
            for (i, line) in cell.iter().enumerate() {
                let lw = self.width(CELL, line);
                let lx = match a {
                    Align::Left => x + 4.0,
                    Align::Right => x + w - 4.0 - lw,
                    Align::Centre => x + (w - lw) / 2.0,
                };
                self.text_at(CELL, lx, top + 2.0 + i as f32 * CELL.leading, line);
            }
            x += w;
        }
        self.y += height;
    }

    /// A three-line table (top rule, header rule, bottom rule), its header
    /// repeated on every page it runs onto.
    fn table(&mut self, t: &ExportTable) {
        let widths = self.column_widths(t);
        let (head, head_h) = self.row_lines(&t.header, &widths);
        let centre = vec![Align::Centre; widths.len()];
        let body: Vec<Row> = t
            .rows
            .iter()
            .map(|r| (r, false))
            .chain(t.totals.iter().map(|r| (r, true)))
            .map(|(r, total)| {
                let cells: Vec<String> = r.iter().map(ExportCell::printed).collect();
                let align = r
                    .iter()
                    .map(|c| match c {
                        ExportCell::Number(..) => Align::Right,
                        _ => Align::Left,
                    })
                    .collect();
                let (lines, height) = self.row_lines(&cells, &widths);
                Row {
                    lines,
                    height,
                    align,
                    total,
                }
            })
            .collect();
        let first_row = body.first().map_or(0.0, |b| b.height);
        self.y += 4.0;
        self.keep(CAPTION.leading + head_h + first_row + 6.0);
        self.caption(&t.name);
        self.y += 2.0;
        let header = |l: &mut Layout<'_>| {
            let y = l.y;
            l.line(LEFT, y, RIGHT, y, 1.0, INK);
            l.row(&head, &widths, &centre, head_h);
            let y = l.y;
            l.line(LEFT, y, RIGHT, y, 0.5, INK);
        };
        header(self);
        for r in &body {
            if self.y + r.height > BOTTOM {
                self.new_page();
                header(self);
            }
            if r.total {
                let y = self.y;
                self.line(LEFT, y, RIGHT, y, 0.5, INK);
            }
            self.row(&r.lines, &widths, &r.align, r.height);
        }
        let y = self.y;
        self.line(LEFT, y, RIGHT, y, 1.0, INK);
        self.y += 12.0;
    }

    /// A horizontal bar chart: labels on the left, bars from a common axis,
    /// each value written at the end of its bar.
    fn chart(&mut self, c: &Chart) {
        const ROW: f32 = 17.0;
        const BAR_H: f32 = 11.0;
        let title = match self.lang {
            Lang::Zh => format!("{}（{}）", c.title, c.unit),
            Lang::En => format!("{} ({})", c.title, c.unit),
        };
        let label_w = c
            .bars
            .iter()
            .map(|(l, _)| self.width(CELL, l))
            .fold(0.0, f32::max)
            .min(WIDTH * 0.35)
            + 8.0;
        let value_w = c
            .bars
            .iter()
            .map(|(_, v)| self.width(CELL, &Chart::value_label(*v)))
            .fold(0.0, f32::max)
            + 8.0;
        let height = CAPTION.leading + 6.0 + c.bars.len().max(1) as f32 * ROW + 10.0;
        self.y += 4.0;
        self.keep(height);
        self.caption(&title);
        self.y += 6.0;
        let axis = LEFT + label_w;
        let span = (WIDTH - label_w - value_w).max(10.0);
        let max = c.max();
        let top = self.y;
        for (label, value) in &c.bars {
            let y = self.y;
            let lw = self.width(CELL, label);
            self.text_at(CELL, axis - 6.0 - lw, y + (ROW - CELL.leading) / 2.0, label);
            let w = ((*value / max) as f32 * span).max(0.0);
            if w > 0.0 {
                self.op(Op::Rect {
                    x: axis,
                    y: y + (ROW - BAR_H) / 2.0,
                    w,
                    h: BAR_H,
                    color: BAR,
                });
            }
            self.text_at(
                CELL,
                axis + w + 4.0,
                y + (ROW - CELL.leading) / 2.0,
                &Chart::value_label(*value),
            );
            self.y += ROW;
        }
        let bottom = self.y;
        self.line(axis, top, axis, bottom, 0.75, GREY);
        self.y += 10.0;
    }

    /// Page numbers, centred at the foot of every page: — 1 —.
    fn number_pages(&mut self) {
        let style = Style {
            face: Face::Sans,
            size: 9.0,
            leading: 12.0,
        };
        for i in 0..self.pages.len() {
            let text = format!("— {} —", i + 1);
            let x = (PAGE_W - self.width(style, &text)) / 2.0;
            let baseline = PAGE_H - 40.0;
            self.pages[i].push(Op::Text {
                x,
                y: baseline,
                face: style.face,
                size: style.size,
                text,
            });
        }
    }
}

/// A table row laid out: each cell's lines, the row's height, how each
/// cell is aligned, and whether it is the totals row.
struct Row {
    lines: Vec<Vec<String>>,
    height: f32,
    align: Vec<Align>,
    total: bool,
}

#[derive(Debug, Clone, Copy)]
enum Align {
    Left,
    Right,
    Centre,
}

fn open_face(f: &FontFile) -> Result<ttf_parser::Face<'_>, String> {
    ttf_parser::Face::parse(&f.data, f.index).map_err(|e| format!("{}: {e}", f.path.display()))
}

/// Lays the blocks out on pages.
fn layout<'a>(metrics: &'a Metrics<'a>, blocks: &[Block], lang: Lang) -> Layout<'a> {
    let mut l = Layout::new(metrics, lang);
    for block in blocks {
        match block {
            Block::Heading(level, text) => l.heading(*level, text),
            Block::Paragraph(text) => l.paragraph(text),
            Block::Table(t) => l.table(t),
            Block::Chart(c) => l.chart(c),
        }
    }
    l.number_pages();
    l
}

/// How many pages the blocks take as a PDF.
pub fn page_count(blocks: &[Block], lang: Lang, fonts: &PdfFonts) -> Result<usize, String> {
    let metrics = Metrics {
        serif: open_face(&fonts.serif)?,
        sans: open_face(&fonts.sans)?,
        bold: open_face(&fonts.bold)?,
    };
    Ok(layout(&metrics, blocks, lang).pages.len())
}

/// Writes the blocks as a PDF titled `title`. Refused, naming them, when
/// the fonts lack characters the text uses (they would print as boxes).
pub fn pdf(blocks: &[Block], title: &str, lang: Lang, fonts: &PdfFonts) -> Result<Vec<u8>, String> {
    use krilla::color::rgb;
    use krilla::geom::{PathBuilder, Point, Rect};
    use krilla::num::NormalizedF32;
    use krilla::paint::{Fill, Stroke};
    use krilla::text::{Font, TextDirection};

    let metrics = Metrics {
        serif: open_face(&fonts.serif)?,
        sans: open_face(&fonts.sans)?,
        bold: open_face(&fonts.bold)?,
    };
    let laid = layout(&metrics, blocks, lang);
    if !laid.missing.is_empty() {
        let chars: String = laid.missing.iter().collect();
        return Err(match lang {
            Lang::Zh => format!(
                "字体中没有这些字符，无法印出：{chars}。请换用包含它们的字体（TWINAID_FONTS），或修改模板中的文字。"
            ),
            Lang::En => format!(
                "The fonts have no glyphs for: {chars}. Use fonts that have them (TWINAID_FONTS), or change the template's text."
            ),
        });
    }
    let font = |f: &FontFile| {
        Font::new(f.data.clone().into(), f.index)
            .ok_or_else(|| format!("{}: not a font krilla can embed", f.path.display()))
    };
    let serif = font(&fonts.serif)?;
    let sans = font(&fonts.sans)?;
    let bold = font(&fonts.bold)?;
    let colour = |c: Rgb| rgb::Color::new(c.0, c.1, c.2);
    let mut document = krilla::Document::new();
    let settings = krilla::page::PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| "page size".to_string())?;
    for ops in &laid.pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    face,
                    size,
                    text,
                } => {
                    let f = match face {
                        Face::Serif => serif.clone(),
                        Face::Sans => sans.clone(),
                        Face::Bold => bold.clone(),
                    };
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: colour(INK).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        f,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    color,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: colour(*color).into(),
                            width: *width,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Rect { x, y, w, h, color } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: colour(*color).into(),
                            opacity: NormalizedF32::ONE,
                            rule: Default::default(),
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.set_outline(outline(&laid.outline));
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_string())
            .language(lang.pick("zh-CN", "en").to_string())
            .creator("twinaid".to_string()),
    );
    document.finish().map_err(|e| format!("PDF: {e:?}"))
}

/// Bookmarks: the title and its parts.
fn outline(headings: &[(u8, String, usize, f32)]) -> krilla::outline::Outline {
    use krilla::destination::XyzDestination;
    use krilla::geom::Point;
    use krilla::outline::{Outline, OutlineNode};
    let mut outline = Outline::new();
    let mut open: Option<OutlineNode> = None;
    for (level, text, page, y) in headings {
        let node = OutlineNode::new(
            text.clone(),
            XyzDestination::new(*page, Point::from_xy(LEFT, *y)),
        );
        if *level == 1 {
            if let Some(done) = open.replace(node) {
                outline.push_child(done);
            }
        } else {
            match open.as_mut() {
                Some(parent) => parent.push_child(node),
                None => outline.push_child(node),
            }
        }
    }
    if let Some(done) = open {
        outline.push_child(done);
    }
    outline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Option<PdfFonts> {
        PdfFonts::find(None, Lang::En).ok()
    }

    #[test]
    fn no_fonts_is_an_error_that_says_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let err = PdfFonts::find(Some(dir.path()), Lang::Zh).err().unwrap();
        assert!(err.contains("fonts-noto-cjk"), "{err}");
        let err = PdfFonts::find(Some(dir.path()), Lang::En).err().unwrap();
        assert!(err.contains("TWINAID_FONTS"), "{err}");
    }

    #[test]
    fn a_long_table_runs_onto_pages_with_its_header_and_within_the_margins() {
        let Some(fonts) = fonts() else {
            eprintln!("skipped: no Noto CJK fonts installed");
            return;
        };
        let metrics = Metrics {
            serif: open_face(&fonts.serif).unwrap(),
            sans: open_face(&fonts.sans).unwrap(),
            bold: open_face(&fonts.bold).unwrap(),
        };
        let table = ExportTable {
            name: "按受帮扶县".into(),
            header: vec!["受帮扶县".into(), "帮扶资金（万元）".into()],
            rows: (0..120)
                .map(|i| {
                    vec![
                        ExportCell::Text(format!("县 {i}")),
                        ExportCell::Number(f64::from(i) * 10.5, "#,##0.00"),
                    ]
                })
                .collect(),
            ..Default::default()
        };
        let l = layout(
            &metrics,
            &[
                Block::Heading(1, "年鉴".into()),
                Block::Table(table),
                Block::Paragraph("全年投入帮扶资金".repeat(40)),
            ],
            Lang::Zh,
        );
        assert!(l.pages.len() >= 3, "{} pages", l.pages.len());
        for (i, page) in l.pages.iter().enumerate() {
            let texts: Vec<&str> = page
                .iter()
                .filter_map(|op| match op {
                    Op::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            if i < 2 {
                assert!(texts.contains(&"受帮扶县"), "page {i} repeats the header");
            }
            for op in page {
                if let Op::Text { x, y, .. } = op {
                    assert!(*x >= LEFT - 0.01 && *y <= PAGE_H - 30.0, "{op:?}");
                }
            }
        }
        assert!(l.missing.is_empty());
    }
}
