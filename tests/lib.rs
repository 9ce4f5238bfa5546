//! Tests that span the workspace; see the test targets in `Cargo.toml`.
//!
//! - `golden`: every example of every section, run in its own process on the
//!   virtual clock and compared with `golden/<section>/<example>.stdout`, by
//!   the same code as `cargo xtask check-all`.
//! - `runner_cli`: the cases of `cmd/runner/*.md` (trycmd): a section
//!   binary's command line, exit codes and messages, timelines and dumps,
//!   through the fixture section binary (`src/main.rs`).
//! - `closed_stdout`: every binary of the workspace dies of SIGPIPE, quietly,
//!   when its stdout is closed.
//! - `xtask_check`: the check and bless logic against the fixture section,
//!   whose examples fail, panic, hang or print the wrong thing.
//! - `hostile_servers`: every server binary the project ships, fed a huge
//!   line, bytes that are not UTF-8, a client that never reads, 500
//!   connections and a half-close, then stopped with SIGINT.
//! - `interrupt`: Ctrl-C to `check-all`, `bless`, `cancel-sweep` and the
//!   golden harness kills every process group they started; they exit 130.
//! - `seed_map`: `docs/seed-map.tsv` reads cleanly, and every row names a real
//!   example.

use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::workspace::{Profile, Section, Workspace};

/// A section's binary, built for the calling test process. All sections are
/// built together, once, as `cargo xtask check-all` does, so the shared
/// dependencies keep one feature set and are not rebuilt.
pub fn built_section(name: &str) -> Section {
    static SECTIONS: OnceLock<Vec<Section>> = OnceLock::new();
    SECTIONS
        .get_or_init(|| {
            Workspace::locate()
                .build_all()
                .unwrap_or_else(|error| panic!("cannot build the sections: {error}"))
        })
        .iter()
        .find(|section| section.name == name)
        .unwrap_or_else(|| panic!("the workspace has no section `{name}`"))
        .clone()
}

/// The `xtask` binary, built once for the calling test process.
pub fn xtask_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            Workspace::locate()
                .build_binaries(&["xtask".to_owned()], Profile::Dev)
                .unwrap_or_else(|error| panic!("cannot build xtask: {error}"))
                .remove("xtask")
                .expect("cargo built xtask")
        })
        .clone()
}

/// The golden harness (`golden.rs`), built as `cargo test --workspace`
/// builds it. `--package tests` would resolve features for this package
/// alone and build 43 of its dependencies a second time, with other
/// features; `--workspace` selects the same target and finds it built.
pub fn golden_harness() -> PathBuf {
    let mut cargo = Workspace::locate().cargo();
    cargo.args([
        "test",
        "--no-run",
        "--quiet",
        "--message-format=json-render-diagnostics",
        "--workspace",
        "--test",
        "golden",
    ]);
    let build = proc::cargo::build(cargo, proc::cargo::Stderr::Inherit).expect("cargo runs");
    assert!(build.success(), "the golden harness does not build");
    build
        .tests
        .get("golden")
        .expect("cargo built `golden`")
        .clone()
}
