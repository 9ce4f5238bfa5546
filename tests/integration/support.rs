//! Shared by the test targets that drive the fixture section binary.

use xtask::workspace::Section;

/// The fixture section (`src/main.rs`): a section binary built on the
/// runner, whose examples fail in every way an example can. Its section name
/// is its package's, `tests`.
pub fn fixture_section() -> Section {
    Section {
        name: "tests".to_owned(),
        binary: env!("CARGO_BIN_EXE_fixture-section").into(),
    }
}
