//! Files in and out of twinaid: program folders (`program.toml` and one CSV
//! file per kind, as `docs/data-format.md` describes), spreadsheets filled in
//! by people (templates, imports, annotated copies) and exports.

pub mod chart;
pub mod document;
pub mod export;
pub mod factsheet;
pub mod folder;
pub mod group_folder;
pub mod iati;
pub mod import;
pub mod importing;
pub mod national_regions;
pub mod pdf;
pub mod rates;
pub mod reports;
pub mod sheet;
pub mod synthetic;
mod table;
pub mod workbook;

pub use folder::{
    FolderSource, ProgramSource, StaticSource, read_additions, read_program, read_program_in,
};
pub use sheet::{
    CsvWindows, ReadLimits, Sheet, SheetRow, csv_windows, read_sheets, read_sheets_within,
};
