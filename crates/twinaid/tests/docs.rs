//! The data format document must keep up with the record specs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where it unwraps

use twinaid_domain::record::RecordKind;

#[test]
fn data_format_document_names_every_file_and_field() {
    let doc = include_str!("../../../docs/data-format.md");
    for kind in RecordKind::ALL {
        assert!(
            doc.contains(&format!("`{}`", kind.file())),
            "{} missing",
            kind.file()
        );
        for field in kind.fields() {
            assert!(
                doc.contains(field.name),
                "{}: field {} missing",
                kind.file(),
                field.name
            );
        }
    }
}
