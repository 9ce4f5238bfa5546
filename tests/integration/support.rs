//! The workspace's binaries, built once per test process and before any test
//! runs one: a cargo build links `target/debug`'s binaries anew even when it
//! has nothing to do, and a process started from the old link would read its
//! own path as "(deleted)" and find no debug info for its task dumps.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::workspace::{Profile, Section, Workspace};

fn built() -> &'static BTreeMap<String, PathBuf> {
    static BUILT: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let workspace = Workspace::locate();
        let mut binaries = workspace
            .build_binaries(&[], Profile::Dev)
            .unwrap_or_else(|error| panic!("cannot build the workspace's binaries: {error}"));
        // The golden harness, as `cargo test --workspace` builds it.
        let mut cargo = workspace.cargo();
        cargo.args([
            "test",
            "--no-run",
            "--quiet",
            "--workspace",
            "--test",
            "golden",
        ]);
        cargo.arg("--message-format=json-render-diagnostics");
        let build = proc::cargo::build(cargo, None).expect("cargo runs");
        assert!(build.success(), "the golden harness does not build");
        let harness = build
            .tests
            .get("golden")
            .expect("cargo built `golden`")
            .clone();
        binaries.insert("golden".to_owned(), harness);
        binaries
    })
}

/// A binary of the workspace (or `golden`, the golden harness).
pub fn binary(name: &str) -> PathBuf {
    built()
        .get(name)
        .unwrap_or_else(|| panic!("the workspace has no binary `{name}`"))
        .clone()
}

pub fn built_section(name: &str) -> Section {
    Section {
        name: name.to_owned(),
        binary: binary(name),
    }
}

/// The fixture section (`src/main.rs`), whose examples fail in every way an
/// example can. Its section name is its package's, `tests`.
pub fn fixture_section() -> Section {
    Section {
        name: "tests".to_owned(),
        binary: binary("fixture-section"),
    }
}
