//! The data built into the binary: the national region registry and the demo program.

use twinaid_domain::region::RegionName;
use twinaid_exchange::StaticSource;

macro_rules! data_file {
    ($dir:literal, $name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/",
                $dir,
                "/",
                $name
            )),
        )
    };
}

/// The files of `data/demo/`, the Zhejiang–Sichuan program.
const DEMO: &[(&str, &str)] = &[
    data_file!("demo", "program.toml"),
    data_file!("demo", "regions.csv"),
    data_file!("demo", "helped_regions.csv"),
    data_file!("demo", "designations.csv"),
    data_file!("demo", "units.csv"),
    data_file!("demo", "pairings.csv"),
    data_file!("demo", "projects.csv"),
    data_file!("demo", "fund_transactions.csv"),
    data_file!("demo", "cooperation_agreements.csv"),
    data_file!("demo", "industrial_parks.csv"),
    data_file!("demo", "park_enterprises.csv"),
    data_file!("demo", "trainings.csv"),
    data_file!("demo", "labour_transfers.csv"),
    data_file!("demo", "cadre_exchanges.csv"),
    data_file!("demo", "student_aid.csv"),
    data_file!("demo", "exchange_visits.csv"),
    data_file!("demo", "aggregate_values.csv"),
    data_file!("demo", "plan_targets.csv"),
];

/// The demo program as a program folder.
pub fn source() -> StaticSource {
    StaticSource {
        name: "data/demo",
        files: DEMO,
    }
}

/// Today's provinces, prefectures and counties of China (GB/T 2260).
pub fn national_regions() -> Vec<RegionName> {
    twinaid_exchange::national_regions::parse(&[
        include_str!("../../../data/regions/provinces.csv"),
        include_str!("../../../data/regions/cities.csv"),
        include_str!("../../../data/regions/areas.csv"),
    ])
}
