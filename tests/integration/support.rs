//! Shared by the test targets that drive the fixture section binary.

use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::workspace::{Profile, Section, Workspace};

/// The fixture section (`src/main.rs`): a section binary built on the
/// runner, whose examples fail in every way an example can. Its section name
/// is its package's, `tests`.
///
/// Built here as the tests build the sections (`tests::built_section`),
/// not taken from `CARGO_BIN_EXE_fixture-section`: `cargo test -p tests`
/// links that one with fewer features, and a test that builds the sections
/// then links the workspace's over it, at the same path, while another test
/// may be running it. A dump reads the debug info from that path, and found
/// another binary's (every frame "a library future").
pub fn fixture_section() -> Section {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        Workspace::locate()
            .build_binaries(&["tests".to_owned()], Profile::Dev)
            .unwrap_or_else(|error| panic!("cannot build the fixture section: {error}"))
            .remove("fixture-section")
            .expect("cargo built the fixture section")
    });
    Section {
        name: "tests".to_owned(),
        binary: binary.clone(),
    }
}
