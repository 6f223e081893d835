//! Reading one CSV file into rows of named cells, with the place of every cell.

use std::collections::HashMap;
use twinaid_domain::error::{DomainError, Location, Problem};

/// A CSV file read into memory: a header and rows of cells.
pub(crate) struct Table {
    pub file: String,
    columns: HashMap<String, usize>,
    pub rows: Vec<Vec<String>>,
}

/// One row of a table, with its line number as a spreadsheet shows it.
pub(crate) struct TableRow<'a> {
    table: &'a Table,
    cells: &'a [String],
    pub line: usize,
}

impl Table {
    /// Parses CSV text whose first row names the columns; a leading byte-order mark is ignored.
    pub fn parse(file: &str, text: &str, allowed: &[&str]) -> Result<Table, Vec<Problem>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let location = |row: Option<usize>, column: Option<String>| Location {
            file: Some(file.to_string()),
            row,
            column,
            value: None,
        };
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                return Err(vec![Problem::at(
                    location(Some(1), None),
                    DomainError::BadDefinition(e.to_string()),
                )]);
            }
        };
        let mut problems = Vec::new();
        let mut columns = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if allowed.contains(&name) {
                columns.insert(name.to_string(), i);
            } else if !name.is_empty() {
                problems.push(Problem::at(
                    location(Some(1), Some(name.to_string())),
                    DomainError::UnknownColumn(name.to_string()),
                ));
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            match record {
                Ok(r) => {
                    if r.iter().all(|c| c.is_empty()) {
                        rows.push(Vec::new());
                    } else {
                        rows.push(r.iter().map(str::to_string).collect());
                    }
                }
                Err(e) => problems.push(Problem::at(
                    location(Some(i + 2), None),
                    DomainError::BadDefinition(e.to_string()),
                )),
            }
        }
        if problems.is_empty() {
            Ok(Table {
                file: file.to_string(),
                columns,
                rows,
            })
        } else {
            Err(problems)
        }
    }

    /// The non-empty rows with their line numbers (the header is line 1).
    pub fn rows(&self) -> impl Iterator<Item = TableRow<'_>> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(i, cells)| TableRow {
                table: self,
                cells,
                line: i + 2,
            })
    }
}

impl TableRow<'_> {
    /// The cell of a column, if the column exists and the cell is not empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.table
            .columns
            .get(column)
            .and_then(|i| self.cells.get(*i))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The place of a cell, for problems.
    pub fn at(&self, column: &str) -> Location {
        Location {
            file: Some(self.table.file.clone()),
            row: Some(self.line),
            column: Some(column.to_string()),
            value: self.get(column).map(str::to_string),
        }
    }

    /// The place of the row.
    pub fn location(&self) -> Location {
        Location {
            file: Some(self.table.file.clone()),
            row: Some(self.line),
            column: None,
            value: None,
        }
    }

    /// A problem in a cell.
    pub fn problem(&self, column: &str, error: DomainError) -> Problem {
        Problem::at(self.at(column), error)
    }
}
