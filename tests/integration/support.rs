//! Guards the end-to-end tests against a binary rebuilt under them.
//!
//! The workspace's binaries, built once per test process and before any test
//! runs one: a cargo build links `target/debug`'s binaries anew even when it
//! has nothing to do, and a process started from the old link would read its
//! own path as "(deleted)" and find no debug info for its task dumps.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::workspace::{Profile, Section, Workspace};

/// A binary of the workspace.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let built = Workspace::locate().build_binaries(&[], Profile::Dev);
        built.unwrap_or_else(|error| panic!("cannot build the workspace's binaries: {error}"))
    });
    let binary = built.get(name);
    binary
        .unwrap_or_else(|| panic!("the workspace has no binary `{name}`"))
        .clone()
}

pub fn built_section(name: &str) -> Section {
    Section {
        name: name.to_owned(),
        binary: binary(name),
    }
}

/// The fixture section (`tests/fixture-section/`), whose examples fail in
/// every way an example can. Its section name is its package's.
pub fn fixture_section() -> Section {
    Section {
        name: "fixture-section".to_owned(),
        binary: binary("fixture-section"),
    }
}
