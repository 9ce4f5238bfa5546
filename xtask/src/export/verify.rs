//! `cargo xtask export --check-all [FILTER]`: proof that every example
//! builds as a project of its own with only the crates and features its
//! export lists, and that its export reads the file as its binary does.
//!
//! Each export is written as a reader gets it, a workspace of its own
//! (but for its package's name, see [`package`]), outside the repository,
//! whose `.cargo` config would reach it, and checked by a `cargo` of its own
//! for each of [`CHECKS`]: cargo unifies the features of the packages one
//! command builds, and no export may lend another a feature. They share one
//! target directory, where those listed alike find their dependencies
//! built. Nothing runs here: the workspace's own checks run the same files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use super::{DependencyTable, ExampleFile, Export, task_dump_rustflags};
use crate::select::Selection;
use crate::workspace::Workspace;
use crate::{Error, Outcome};

/// One `cargo check` of each export it selects: its targets, the rustflags
/// it builds with and what its failure means.
struct Check {
    targets: Targets,
    selects: fn(&Export) -> bool,
    rustflags: Rustflags,
    why: &'static str,
}

/// The rustflags a check builds with, set whole, so that neither the
/// caller's environment nor a cargo config (the user's, whose
/// `target.<triple>.rustflags` would replace the export's list) changes
/// them.
#[derive(Clone, Copy)]
enum Rustflags {
    Empty,
    /// Those the export's own `.cargo/config.toml` lists: an example that
    /// takes task dumps compiles its dumper only under `--cfg tokio_unstable`.
    OwnConfig,
}

impl Check {
    /// `cargo check` of the export in `dir`.
    fn command(&self, dir: &Path, target_dir: &Path) -> Result<Command, Error> {
        let mut cargo = proc::cargo::command();
        cargo.current_dir(dir);
        // Whole: it wins over RUSTFLAGS and every config's rustflags.
        let rustflags = match self.rustflags {
            Rustflags::Empty => String::new(),
            Rustflags::OwnConfig => task_dump_rustflags()?.join("\x1f"),
        };
        cargo
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags)
            .env("CARGO_INCREMENTAL", "0");
        cargo.stderr(std::process::Stdio::piped());
        cargo.args(["check", self.targets.arg(), "--keep-going", "--quiet"]);
        cargo.args(["--message-format=json", "--target-dir"]);
        cargo.arg(target_dir);
        Ok(cargo)
    }

    /// What `build`, this check of the export `id` (its package `package`),
    /// found wrong, if anything.
    fn failure(&self, id: &str, package: &str, build: proc::cargo::Build) -> Option<String> {
        let (targets, why) = (self.targets.arg(), self.why);
        if !build.errors.is_empty() {
            return Some(format!(
                "FAIL {id} {why}:\n{}",
                by_target(build.errors, package)
            ));
        }
        if !build.success() {
            // No compiler error, yet cargo failed: a build script, or cargo
            // itself (resolving, reading the lock).
            let stderr = build.stderr;
            return Some(format!(
                "FAIL {id}: cargo check {targets} failed:\n{stderr}"
            ));
        }
        if !build.warnings.is_empty() {
            // A learner's first `cargo run` of the export shows them.
            let warnings = by_target(build.warnings, package);
            return Some(format!("FAIL {id} has warnings ({targets}):\n{warnings}"));
        }
        None
    }
}

/// Diagnostics by the target they are in, which is named where it is not
/// the export's own: a local crate it copies.
fn by_target(diagnostics: BTreeMap<String, Vec<String>>, package: &str) -> String {
    let mut text = String::new();
    for (target, diagnostics) in diagnostics {
        if target != package {
            text.push_str(&format!("in `{target}`:\n"));
        }
        text.push_str(&diagnostics.join("\n"));
    }
    text
}

/// Which of an export's targets a check builds.
#[derive(Clone, Copy)]
enum Targets {
    Bins,
    Tests,
    All,
}

impl Targets {
    /// As `cargo check` takes it.
    fn arg(self) -> &'static str {
        match self {
            Targets::Bins => "--bins",
            Targets::Tests => "--tests",
            Targets::All => "--all-targets",
        }
    }
}

const CHECKS: [Check; 3] = [
    Check {
        targets: Targets::Bins,
        selects: |_| true,
        rustflags: Rustflags::Empty,
        why: "does not compile",
    },
    Check {
        targets: Targets::Tests,
        selects: Export::has_tests,
        rustflags: Rustflags::Empty,
        why: "its tests do not compile",
    },
    Check {
        targets: Targets::All,
        selects: Export::takes_task_dumps,
        rustflags: Rustflags::OwnConfig,
        why: "does not compile with its .cargo/config.toml",
    },
];

/// `cargo xtask export --check-all`.
pub fn check_all(filter: Option<&str>) -> Result<Outcome, Error> {
    let workspace = Workspace::locate();
    let table = DependencyTable::read(&workspace)?;
    let selection = Selection::build(&workspace, filter)?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let scratch = tempfile::Builder::new().prefix("export-check-").tempdir()?;
    let root = scratch.path();
    if root.starts_with(workspace.root()) {
        return Err(format!("{} is in the repository: set TMPDIR", root.display()).into());
    }
    let target_dir = workspace.root().join("target/export-check");
    // Cargo drops from each export's copy of the workspace's lock what it
    // does not use: what it added is a version the workspace does not test.
    let known: BTreeSet<(String, String)> = locked_crates(&workspace.root().join("Cargo.lock"))?
        .into_iter()
        .collect();
    let count = selection.cases.len();
    eprintln!("checking {count} exports in {}", root.display());

    let mut failed = 0;
    for case in &selection.cases {
        let example = ExampleFile {
            section: case.section.name.clone(),
            name: case.example.name.clone(),
            path: case.example.source.clone().into(),
        };
        let export = Export::plan(&example, &table)?;
        let id = export.id();
        let mut failures = Vec::new();
        if export.kind != case.example.kind {
            let (read, listed) = (export.kind, case.example.kind);
            failures.push(format!(
                "FAIL {id}: its export reads its `run` as {read:?}, its binary lists it as {listed:?}"
            ));
        }
        let dir = root.join(&export.section).join(&export.name);
        let package = package(&export);
        match export.write_files(&dir, &workspace, &package) {
            Ok(()) => {
                for check in &CHECKS {
                    if !(check.selects)(&export) {
                        continue;
                    }
                    let build = proc::cargo::build(check.command(&dir, &target_dir)?, None)?;
                    if let Some(failure) = check.failure(&id, &package, build) {
                        failures.push(failure);
                    }
                }
                for (name, version) in locked_crates(&dir.join("Cargo.lock"))? {
                    if !known.contains(&(name.clone(), version.clone())) {
                        failures.push(format!(
                            "FAIL {id}: the workspace's lock lacks {name} {version}"
                        ));
                    }
                }
            }
            Err(error) => failures.push(format!("FAIL {id}: cannot be exported: {error}")),
        }
        for failure in &failures {
            println!("{}", failure.trim_end());
        }
        if !failures.is_empty() {
            failed += 1;
        }
    }

    if failed > 0 {
        println!("the exports are kept in {}", scratch.keep().display());
    }
    println!("exports: {count} checked, {failed} failed");
    Ok(Outcome::of_failures(failed))
}

/// The package name of `export` here, `section-example`, where a reader's
/// is the example's: two sections may have examples of one name, and in the
/// shared target directory cargo would find the first one's build fresh for
/// the second (a path package's hash takes its path from its workspace's
/// root, the export itself).
fn package(export: &Export) -> String {
    format!("{}-{}", export.section, export.name)
}

/// The crates.io packages of a `Cargo.lock`, as (name, version).
fn locked_crates(lock: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = fs::read_to_string(lock)?;
    let lock: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", lock.display()))?;
    let packages = lock.get("package").and_then(toml::Value::as_array);
    let field = |package: &toml::Value, key| package.get(key)?.as_str().map(str::to_owned);
    let crates = packages.into_iter().flatten().filter_map(|p| {
        field(p, "source")?;
        Some((field(p, "name")?, field(p, "version")?))
    });
    Ok(crates.collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn locked_crates_are_those_from_a_registry() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let text = "version = 4\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\n\n\
                    [[package]]\nname = \"tokio\"\nversion = \"1.54.1\"\n\
                    source = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        std::fs::write(&lock, text).unwrap();
        let crates = super::locked_crates(&lock).unwrap();
        assert_eq!(crates, [("tokio".to_owned(), "1.54.1".to_owned())]);
    }
}
