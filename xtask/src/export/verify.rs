//! `cargo xtask export --check-all [FILTER]`: proof that every example
//! builds as a project of its own with only the crates and features its
//! export lists, and that its export reads the file as its binary does.
//!
//! Each export is written as a reader gets it, a workspace of its own, but
//! for its package's name (see `package_name`), outside the repository,
//! whose `.cargo` config would reach it. Each of `CHECKS` is a `cargo` of
//! its own: cargo unifies the features of the packages one command builds,
//! and no export may lend another a feature. They share one target
//! directory, where those listed alike find their dependencies built.
//! Nothing runs here: the workspace's own checks run the same files.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::manifest::UNSTABLE_RUSTFLAGS;
use super::{DependencyTable, ExampleFile, Export};
use crate::select::{Case, Selection};
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

/// The rustflags a check builds with, set whole (`CARGO_ENCODED_RUSTFLAGS`),
/// so that neither RUSTFLAGS nor a cargo config's rustflags (the user's,
/// whose `target.<triple>.rustflags` would replace the export's list)
/// changes them.
#[derive(Clone, Copy)]
enum Rustflags {
    /// None at all: as a reader's build without the cfg.
    Empty,
    /// `--cfg tokio_unstable`, which the export's `.cargo/config.toml`
    /// sets if it takes task dumps, and a reader sets for code written
    /// under that cfg.
    Unstable,
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
        selects: Export::has_unstable_code,
        rustflags: Rustflags::Unstable,
        why: "does not compile under --cfg tokio_unstable",
    },
];

impl Check {
    /// `cargo check` of the export in `dir`.
    fn command(&self, dir: &Path, target_dir: &Path) -> Command {
        let rustflags = match self.rustflags {
            Rustflags::Empty => String::new(),
            Rustflags::Unstable => UNSTABLE_RUSTFLAGS.join("\x1f"),
        };
        let mut cargo = proc::cargo::command();
        cargo
            .current_dir(dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags)
            .env("CARGO_INCREMENTAL", "0")
            .stderr(std::process::Stdio::piped())
            .args(["check", self.targets.arg(), "--keep-going", "--quiet"])
            .args(["--message-format=json", "--target-dir"])
            .arg(target_dir);
        cargo
    }

    /// What `build`, this check of the export `id`, found wrong, if
    /// anything. The compiler's diagnostics say which file each is in.
    fn failure(&self, id: &str, build: proc::cargo::Build) -> Option<String> {
        let (targets, why) = (self.targets.arg(), self.why);
        if !build.errors.is_empty() || !build.success() {
            let errors: Vec<String> = build.errors.into_values().flatten().collect();
            // Cargo's own words too: a build script, resolving, the lock.
            let (errors, stderr) = (errors.join("\n"), build.stderr);
            return Some(format!("FAIL {id} {why}:\n{errors}\n{stderr}"));
        }
        if !build.warnings.is_empty() {
            // A learner's first `cargo run` of the export shows them.
            let warnings: Vec<String> = build.warnings.into_values().flatten().collect();
            let warnings = warnings.join("\n");
            return Some(format!("FAIL {id} has warnings ({targets}):\n{warnings}"));
        }
        None
    }
}

/// Where the exports are written and built, and what they are held to.
struct Scratch<'a> {
    workspace: &'a Workspace,
    table: DependencyTable,
    root: &'a Path,
    target_dir: PathBuf,
    /// The crates.io packages of the workspace's lock.
    locked: BTreeSet<LockedCrate>,
}

/// `cargo xtask export --check-all`.
pub fn check_all(filter: Option<&str>) -> Result<Outcome, Error> {
    let workspace = Workspace::locate();
    let selection = Selection::build(&workspace, filter)?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let temp = tempfile::Builder::new().prefix("export-check-").tempdir()?;
    if temp.path().starts_with(workspace.root()) {
        let temp = temp.path().display();
        return Err(format!("{temp} is in the repository: set TMPDIR").into());
    }
    let scratch = Scratch {
        workspace: &workspace,
        table: DependencyTable::read(&workspace)?,
        root: temp.path(),
        target_dir: workspace
            .metadata()?
            .target_directory
            .join("export-check")
            .into_std_path_buf(),
        locked: locked_crates(&workspace.root().join("Cargo.lock"))?,
    };
    let count = selection.cases.len();
    eprintln!("checking {count} exports in {}", temp.path().display());
    let mut failed = 0;
    for case in &selection.cases {
        let failures = match scratch.check(case) {
            Ok(failures) => failures,
            Err(error) => vec![format!("FAIL {}: {error}", case.id())],
        };
        for failure in &failures {
            println!("{}", failure.trim_end());
        }
        if !failures.is_empty() {
            failed += 1;
        }
    }
    if failed > 0 {
        let kept = temp.keep();
        println!(
            "the exports are kept in {} (each package named section-example)",
            kept.display()
        );
    }
    println!("exports: {count} checked, {failed} failed");
    Ok(Outcome::of_failures(failed))
}

impl Scratch<'_> {
    /// What is wrong with the export of `case`: its first failing check
    /// (the later ones would say it again), and a crate its lock has that
    /// the workspace's lacks.
    fn check(&self, case: &Case) -> Result<Vec<String>, Error> {
        let example = ExampleFile {
            section: case.section.name.clone(),
            name: case.example.name.clone(),
            path: case.example.source.clone().into(),
        };
        let export = Export::plan(&example, &self.table)?;
        let id = export.id();
        let mut failures = Vec::new();
        if export.kind != case.example.kind {
            let (read, listed) = (export.kind, case.example.kind);
            failures.push(format!(
                "FAIL {id}: its export reads its `run` as {read:?}, its binary lists it as {listed:?}"
            ));
        }
        let dir = self.root.join(&export.section).join(&export.name);
        export.write_files(&dir, self.workspace, &package_name(&export))?;
        for check in &CHECKS {
            if !(check.selects)(&export) {
                continue;
            }
            let build = proc::cargo::build(check.command(&dir, &self.target_dir), None)?;
            if let Some(failure) = check.failure(&id, build) {
                failures.push(failure);
                break;
            }
        }
        // Cargo drops from the export's copy of the workspace's lock what it
        // does not use: what it added is a version the workspace does not test.
        let locked = locked_crates(&dir.join("Cargo.lock"))?;
        for LockedCrate { name, version } in locked.difference(&self.locked) {
            failures.push(format!(
                "FAIL {id}: the workspace's lock lacks {name} {version}"
            ));
        }
        Ok(failures)
    }
}

/// The package name of `export` here, `section-example`, where a reader's
/// is the example's: two sections may have examples of one name, and cargo
/// hashes a path package by its name and its path from its workspace's
/// root, the export itself. Of two alike, one could find the other's build
/// fresh in the shared target directory (seen when all were written before
/// the first was checked); apart, neither depends on the files' times.
fn package_name(export: &Export) -> String {
    format!("{}-{}", export.section, export.name)
}

/// A crates.io package of a `Cargo.lock`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct LockedCrate {
    name: String,
    version: String,
}

/// The crates.io packages of a `Cargo.lock`.
fn locked_crates(lock: &Path) -> Result<BTreeSet<LockedCrate>, Error> {
    let text = fs::read_to_string(lock)?;
    let lock: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", lock.display()))?;
    let packages = lock.get("package").and_then(toml::Value::as_array);
    let field = |package: &toml::Value, key| package.get(key)?.as_str().map(str::to_owned);
    let crates = packages.into_iter().flatten().filter_map(|p| {
        field(p, "source")?;
        Some(LockedCrate {
            name: field(p, "name")?,
            version: field(p, "version")?,
        })
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
        let tokio = super::LockedCrate {
            name: "tokio".to_owned(),
            version: "1.54.1".to_owned(),
        };
        assert_eq!(crates, [tokio].into());
    }
}
