//! Shared by the test targets that drive the fixture section binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use xtask::workspace::{Profile, Section, Workspace};

/// The fixture section (`src/main.rs`): a section binary built on the
/// runner, whose examples fail in every way an example can. Its section name
/// is its package's, `tests`.
///
/// Built here as the tests build the sections (`tests::built_section`),
/// with the workspace's features, then run from a copy of its own. Any
/// cargo build, even one with nothing to do, links `target/debug`'s binaries
/// anew, and a process started from the old link then reads its path as
/// "(deleted)": its dump finds no debug info, and every frame was "a library
/// future" (a test that builds the sections ran beside one that dumps).
pub fn fixture_section() -> Section {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        let built = Workspace::locate()
            .build_binaries(&["tests".to_owned()], Profile::Dev)
            .unwrap_or_else(|error| panic!("cannot build the fixture section: {error}"))
            .remove("fixture-section")
            .expect("cargo built the fixture section");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let copy = dir.join("fixture-section");
        let partial = dir.join(format!("fixture-section.{}", std::process::id()));
        std::fs::copy(&built, &partial).expect("copy the fixture section");
        std::fs::rename(&partial, &copy).expect("put the fixture section's copy in place");
        copy
    });
    Section {
        name: "tests".to_owned(),
        binary: binary.clone(),
    }
}
