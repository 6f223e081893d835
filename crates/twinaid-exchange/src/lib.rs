//! Files in and out of twinaid. This first part reads program folders:
//! `program.toml` and one CSV file per kind, as `docs/data-format.md` describes.

pub mod folder;
pub mod national_regions;
mod table;

pub use folder::{FolderSource, ProgramSource, StaticSource, read_program};
