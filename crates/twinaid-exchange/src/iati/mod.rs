//! IATI activity files, out and in: the program's counted work written as
//! IATI 2.03 activities (`write`), published activity files of versions
//! 1.0x and 2.0x read (`read`) and made into a program's records
//! (`records`). The codes both directions share are here.

mod read;
mod records;
pub mod report;
mod write;

pub use read::{
    ReadActivity, ReadIndicator, ReadLocation, ReadOrg, ReadTransaction, ReadValue,
    read_activities, read_activities_within,
};
pub use records::{
    CurrencyTotal, FromIati, IatiMapping, Skip, SkipReason, records_from_activities,
};
pub use write::{IatiContext, activities};

/// The tag (vocabulary 99) of an activity that holds money given to no
/// single project: its transactions are kept off every project on import.
pub const PROGRAM_FUNDS_TAG: &str = "twinaid-program-funds";

/// The project fields written as result indicators (reference vocabulary
/// 99, the field's name as code) and read back from them.
pub const MEASURED_FIELDS: [(&str, &str, &str); 3] = [
    ("beneficiaries", "受益人数", "Beneficiaries"),
    ("length_km", "长度（公里）", "Length (km)"),
    ("units_built", "建成数量", "Units built"),
];

/// IATI activity status for a project's step (codelist ActivityStatus).
fn status(step: &str) -> &'static str {
    match step {
        "proposed" | "verified" => "1",
        "registered" | "in_progress" => "2",
        "completed" => "3",
        "inspected" => "4",
        "returned" | "cancelled" => "5",
        _ => "2",
    }
}

/// The OECD-DAC five-digit purpose code of a project's category.
fn sector(category: &str) -> (&'static str, &'static str) {
    match category {
        "school" => ("11220", "Primary education"),
        "hospital" => ("12220", "Basic health care"),
        "road" | "bridge" => ("21020", "Road transport"),
        "drinking_water" => ("14030", "Basic drinking water supply and basic sanitation"),
        "small_pond" => ("31140", "Agricultural water resources"),
        "agriculture" => ("31120", "Agricultural development"),
        "industry" => (
            "32130",
            "Small and medium-sized enterprises (SME) development",
        ),
        _ => ("43040", "Rural development"),
    }
}

/// IATI transaction type of a fund transaction's kind (codelist TransactionType).
fn transaction_type(kind: &str) -> &'static str {
    match kind {
        "commitment" => "2",
        "expenditure" => "4",
        _ => "3",
    }
}

/// Hundredths (fen, or cents of another currency) as IATI writes a value,
/// a reversal with its sign.
fn hundredths_text(hundredths: i64) -> String {
    twinaid_domain::money::format_decimal(hundredths, 100)
}
