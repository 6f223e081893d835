//! Reading a spreadsheet a person filled in — .xlsx, .xls, .ods, or .csv in
//! UTF-8 or GB18030 — into rows of text cells numbered as the spreadsheet
//! shows them.

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use std::io::Cursor;
use twinaid_domain::error::{DomainError, Location, Problem};

/// One sheet: its name, the header row and the rows under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<SheetRow>,
}

/// A row with its number as the spreadsheet shows it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub number: usize,
    pub cells: Vec<String>,
}

impl SheetRow {
    /// Whether every cell is empty (a spacer a person left).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// The kinds of file a sheet can come from, by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    /// .xlsx, .xls, .ods and the other workbooks calamine reads.
    Workbook,
}

impl SheetFormat {
    pub fn of(file_name: &str) -> Option<SheetFormat> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(SheetFormat::Csv),
            "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => Some(SheetFormat::Workbook),
            _ => None,
        }
    }
}

fn problem(file: &str, error: DomainError) -> Problem {
    Problem::at(
        Location {
            file: Some(file.to_string()),
            ..Location::default()
        },
        error,
    )
}

/// Text of CSV bytes: UTF-8 (with or without a byte-order mark), else GB18030,
/// which Chinese editions of Excel write by default.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// A cell as the person sees it: whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| {
                if t.time() == chrono::NaiveTime::MIN {
                    t.date().format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            })
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The most a workbook may unpack to by default. A filled-in template of
/// 100,000 rows unpacks to about 30 MB; a file that claims more is refused
/// before any of it is unpacked (a small file of a few MB can unpack to
/// gigabytes).
pub const WORKBOOK_UNPACKED_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How much of a file is read before it is refused: the size a workbook
/// unpacks to, the rows and columns of a sheet, the characters of a cell.
/// Each refusal names its limit and the setting that raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    pub unpacked_bytes: u64,
    pub rows: usize,
    pub columns: usize,
    pub cell_chars: usize,
}

impl Default for ReadLimits {
    /// Room for a million-row file of any kind's template, and for a long
    /// note in a cell.
    fn default() -> Self {
        ReadLimits {
            unpacked_bytes: WORKBOOK_UNPACKED_MAX_BYTES,
            rows: 1_000_000,
            columns: 200,
            cell_chars: 10_000,
        }
    }
}

/// A 1-based column as a spreadsheet names it: A … Z, AA, AB, ….
fn column_letters(mut n: usize) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

impl ReadLimits {
    /// Refuses a row past the limits: the `count`th row read, with its cells.
    fn check(&self, file_name: &str, count: usize, row: &SheetRow) -> Result<(), Problem> {
        let at = |column: Option<usize>| Location {
            file: Some(file_name.to_string()),
            row: Some(row.number),
            column: column.map(column_letters),
            ..Location::default()
        };
        if count > self.rows {
            return Err(Problem::at(
                at(None),
                DomainError::TooManyRows { max: self.rows },
            ));
        }
        if row.cells.len() > self.columns {
            return Err(Problem::at(
                at(None),
                DomainError::TooManyColumns {
                    found: row.cells.len(),
                    max: self.columns,
                },
            ));
        }
        // Bytes bound characters from above: most cells are not counted.
        for (i, cell) in row.cells.iter().enumerate() {
            if cell.len() > self.cell_chars {
                let chars = cell.chars().count();
                if chars > self.cell_chars {
                    return Err(Problem::at(
                        at(Some(i + 1)),
                        DomainError::CellTooLong {
                            chars,
                            max: self.cell_chars,
                        },
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Refuses a zipped workbook (.xlsx, .ods) whose entries add up to more
/// than [`WORKBOOK_UNPACKED_MAX_BYTES`], from its directory alone, before
/// any of it is unpacked. A directory that understates an entry does not
/// get further: the zip reader stops the entry at its declared size (seen
/// with three such files at once: refused, the server's peak under 45 MB).
fn check_unpacked(file_name: &str, bytes: &[u8], max: u64) -> Result<(), Problem> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| problem(file_name, DomainError::Unreadable(e.to_string())))?;
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| problem(file_name, DomainError::Unreadable(e.to_string())))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > max {
        return Err(problem(
            file_name,
            DomainError::WorkbookTooLarge { unpacked, max },
        ));
    }
    Ok(())
}

/// Reads every sheet of a file (a CSV file is one sheet named after the
/// file) within the default limits.
pub fn read_sheets(file_name: &str, bytes: &[u8]) -> Result<Vec<Sheet>, Problem> {
    read_sheets_within(file_name, bytes, &ReadLimits::default())
}

/// Reads every sheet of a file, refusing it at the first thing past `limits`.
pub fn read_sheets_within(
    file_name: &str,
    bytes: &[u8],
    limits: &ReadLimits,
) -> Result<Vec<Sheet>, Problem> {
    let format = SheetFormat::of(file_name)
        .ok_or_else(|| problem(file_name, DomainError::SheetFormat(file_name.to_string())))?;
    match format {
        SheetFormat::Csv => Ok(vec![read_csv(file_name, bytes, limits)?]),
        SheetFormat::Workbook => {
            check_unpacked(file_name, bytes, limits.unpacked_bytes)?;
            let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
                .map_err(|e| problem(file_name, DomainError::Unreadable(e.to_string())))?;
            let mut sheets = Vec::new();
            for name in workbook.sheet_names() {
                let range = workbook
                    .worksheet_range(&name)
                    .map_err(|e| problem(file_name, DomainError::Unreadable(e.to_string())))?;
                // Row numbers as the spreadsheet shows them, even when the used range starts lower.
                let first = range.start().map_or(0, |(r, _)| r as usize);
                let first_col = range.start().map_or(0, |(_, c)| c as usize);
                let mut rows = range.rows().enumerate().map(|(i, r)| {
                    let mut cells = vec![String::new(); first_col];
                    cells.extend(r.iter().map(cell_text));
                    SheetRow {
                        number: first + i + 1,
                        cells,
                    }
                });
                // The first non-blank row is the header.
                let header = rows.by_ref().find(|r| !r.is_blank());
                let Some(header) = header else {
                    sheets.push(Sheet {
                        name,
                        header: Vec::new(),
                        rows: Vec::new(),
                    });
                    continue;
                };
                limits.check(file_name, 0, &header)?;
                let mut kept = Vec::new();
                for row in rows {
                    limits.check(file_name, kept.len() + 1, &row)?;
                    kept.push(row);
                }
                sheets.push(Sheet {
                    name,
                    header: header.cells,
                    rows: kept,
                });
            }
            Ok(sheets)
        }
    }
}

/// The text of a CSV file, shared by its reader and its line counter.
#[derive(Clone)]
struct SharedText(std::sync::Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Counts lines forward through a text, so that finding the line of each
/// record in turn costs the length of the text once, not once per record.
struct LineCounter {
    text: SharedText,
    byte: usize,
    line: usize,
}

impl LineCounter {
    /// The 1-based line a record starting at `byte` is on, past any blank
    /// lines the reader skipped to get there.
    fn line_of(&mut self, byte: usize) -> usize {
        let text: &str = &self.text.0;
        if byte >= self.byte {
            let passed = text.get(self.byte..byte).unwrap_or_default();
            self.line += passed.matches('\n').count();
            self.byte = byte;
        }
        let mut line = self.line;
        for c in text.get(byte..).unwrap_or_default().chars() {
            match c {
                '\n' => line += 1,
                '\r' => {}
                _ => break,
            }
        }
        line
    }
}

/// A CSV file read a window of rows at a time: its text is held once and
/// the rows of one window at a time, so a file of a million rows is
/// checked and written without holding a million rows. Each item is a
/// sheet with the header and the window's rows (the first, even when
/// empty, so that a file of a header alone is still seen); reading stops
/// at the first row past a limit or that cannot be read.
pub struct CsvWindows {
    file_name: String,
    name: String,
    records: csv::StringRecordsIntoIter<Cursor<SharedText>>,
    lines: LineCounter,
    header: Option<Vec<String>>,
    limits: ReadLimits,
    window: usize,
    /// Records read, header and blank ones included.
    index: usize,
    /// Rows under the header read so far.
    kept: usize,
    done: bool,
    given: bool,
}

/// Reads a CSV file (UTF-8 or GB18030) `window` rows at a time.
pub fn csv_windows(
    file_name: &str,
    bytes: &[u8],
    limits: &ReadLimits,
    window: usize,
) -> CsvWindows {
    let text = SharedText(std::sync::Arc::from(decode_text(bytes)));
    let records = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(Cursor::new(text.clone()))
        .into_records();
    CsvWindows {
        file_name: file_name.to_string(),
        name: file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(file_name)
            .to_string(),
        records,
        lines: LineCounter {
            text,
            byte: 0,
            line: 1,
        },
        header: None,
        limits: *limits,
        window: window.max(1),
        index: 0,
        kept: 0,
        done: false,
        given: false,
    }
}

impl Iterator for CsvWindows {
    type Item = Result<Sheet, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut rows = Vec::new();
        while rows.len() < self.window {
            let Some(record) = self.records.next() else {
                self.done = true;
                break;
            };
            let i = self.index;
            self.index += 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    self.done = true;
                    return Some(Err(Problem::at(
                        Location {
                            file: Some(self.file_name.clone()),
                            row: Some(i + 1),
                            ..Location::default()
                        },
                        DomainError::Unreadable(e.to_string()),
                    )));
                }
            };
            // The line the row starts on: blank lines and quoted line breaks keep their place.
            let number = record
                .position()
                .and_then(|p| usize::try_from(p.byte()).ok())
                .map_or(i + 1, |byte| self.lines.line_of(byte));
            let row = SheetRow {
                number,
                cells: record.iter().map(|c| c.trim().to_string()).collect(),
            };
            let counted = self.kept + usize::from(self.header.is_some());
            if let Err(p) = self.limits.check(&self.file_name, counted, &row) {
                self.done = true;
                return Some(Err(p));
            }
            if self.header.is_none() {
                if !row.is_blank() {
                    self.header = Some(row.cells);
                }
            } else {
                self.kept += 1;
                rows.push(row);
            }
        }
        if rows.is_empty() && self.given {
            return None;
        }
        self.given = true;
        Some(Ok(Sheet {
            name: self.name.clone(),
            header: self.header.clone().unwrap_or_default(),
            rows,
        }))
    }
}

fn read_csv(file_name: &str, bytes: &[u8], limits: &ReadLimits) -> Result<Sheet, Problem> {
    let mut whole: Option<Sheet> = None;
    for window in csv_windows(file_name, bytes, limits, usize::MAX) {
        let window = window?;
        match whole.as_mut() {
            Some(w) => w.rows.extend(window.rows),
            None => whole = Some(window),
        }
    }
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_string();
    Ok(whole.unwrap_or(Sheet {
        name,
        header: Vec::new(),
        rows: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_past_a_limit_is_refused_naming_the_limit() {
        let limits = ReadLimits {
            rows: 2,
            columns: 3,
            cell_chars: 5,
            ..ReadLimits::default()
        };
        let ok = "a,b,c\n1,2,3\n4,5,6\n";
        assert_eq!(
            read_sheets_within("x.csv", ok.as_bytes(), &limits).unwrap()[0]
                .rows
                .len(),
            2
        );
        let rows =
            read_sheets_within("x.csv", format!("{ok}7,8,9\n").as_bytes(), &limits).unwrap_err();
        assert_eq!(rows.error, DomainError::TooManyRows { max: 2 });
        assert_eq!(rows.location.row, Some(4));
        assert!(
            rows.error
                .message(twinaid_domain::Lang::Zh)
                .contains("--max-rows")
        );
        let wide = read_sheets_within("x.csv", b"a,b,c,d\n", &limits).unwrap_err();
        assert_eq!(wide.error, DomainError::TooManyColumns { found: 4, max: 3 });
        let long = read_sheets_within("x.csv", "a,b,c\n1,长长长长长长,3\n".as_bytes(), &limits)
            .unwrap_err();
        assert_eq!(long.error, DomainError::CellTooLong { chars: 6, max: 5 });
        assert_eq!(long.location.column.as_deref(), Some("B"));
        // Five characters of three bytes each are within five characters.
        assert!(read_sheets_within("x.csv", "a,b,c\n1,长长长长长,3\n".as_bytes(), &limits).is_ok());
        assert_eq!(column_letters(28), "AB");
    }

    #[test]
    fn a_workbook_that_unpacks_to_more_than_the_limit_is_refused_unread() {
        use std::io::Write;
        // A sheet of zeros that packs to about 300 KB and unpacks to 300 MB.
        let mut packed = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut packed);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..300 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let bytes = packed.into_inner();
        assert!(bytes.len() < 2 * 1024 * 1024, "{}", bytes.len());
        let refused = read_sheets("projects.xlsx", &bytes).unwrap_err();
        assert!(
            matches!(
                refused.error,
                DomainError::WorkbookTooLarge {
                    max: WORKBOOK_UNPACKED_MAX_BYTES,
                    ..
                }
            ),
            "{refused:?}"
        );
        let said = refused.error.message(twinaid_domain::Lang::En);
        assert!(said.contains("300 MB") && said.contains("256 MB"), "{said}");
    }

    #[test]
    fn gb18030_csv_reads_as_utf8() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("项目名称,金额\n青川县小学,500000\n");
        let sheets = read_sheets("projects.csv", &bytes).unwrap();
        assert_eq!(sheets[0].header, vec!["项目名称", "金额"]);
        assert_eq!(sheets[0].rows[0].cells, vec!["青川县小学", "500000"]);
        assert_eq!(sheets[0].rows[0].number, 2);
    }

    #[test]
    fn utf8_with_a_byte_order_mark_and_blank_rows() {
        let text = "\u{feff}code,amount\n\na,1\n";
        let sheet = &read_sheets("x.csv", text.as_bytes()).unwrap()[0];
        assert_eq!(sheet.header, vec!["code", "amount"]);
        assert_eq!(sheet.rows[0].number, 3, "a blank row keeps its number");
    }

    #[test]
    fn an_unknown_file_type_is_named() {
        let e = read_sheets("notes.docx", b"").unwrap_err();
        assert!(e.message(twinaid_domain::Lang::En).contains("notes.docx"));
    }

    #[test]
    fn a_workbook_written_here_reads_back_with_spreadsheet_row_numbers() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("project").unwrap();
        sheet.write(0, 0, "code").unwrap();
        sheet.write(0, 1, "amount").unwrap();
        sheet.write(1, 0, "p1").unwrap();
        sheet.write(1, 1, 500000.0).unwrap();
        sheet.write(2, 1, 1234.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let sheets = read_sheets("p.xlsx", &bytes).unwrap();
        assert_eq!(sheets[0].name, "project");
        assert_eq!(sheets[0].rows[0].cells, vec!["p1", "500000"]);
        assert_eq!(sheets[0].rows[1].cells, vec!["", "1234.5"]);
        assert_eq!(sheets[0].rows[1].number, 3);
    }
}
