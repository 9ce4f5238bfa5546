//! `cargo xtask export --check-all [FILTER]`: proof that every example
//! builds as a project of its own with only the crates and features its
//! export lists, and that its export reads the file as its binary does.
//!
//! Each export is written as a reader gets it, a workspace of its own,
//! outside the repository (so none of its `.cargo` config reaches it), and
//! checked by a `cargo` of its own: cargo unifies the features of the
//! packages one command builds, and no export may lend another a feature.
//! They share one target directory, where those listed alike find their
//! dependencies built. Nothing runs here: the workspace's own checks run the
//! same files.

use std::fs;
use std::path::Path;

use super::{DependencyTable, ExampleFile, Export};
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

/// Where a check's rustflags come from.
#[derive(Clone, Copy)]
enum Rustflags {
    /// None: neither the caller's nor the export's `.cargo/config.toml`.
    None,
    /// The export's own `.cargo/config.toml`: an example that takes task
    /// dumps compiles its dumper only under `--cfg tokio_unstable`.
    OwnConfig,
}

impl Check {
    /// What `build`, this check of the export `id`, found wrong, if anything.
    fn failure(&self, id: &str, build: proc::cargo::Build) -> Option<String> {
        let (targets, why) = (self.targets.arg(), self.why);
        if !build.errors.is_empty() {
            let errors: Vec<String> = build.errors.into_values().flatten().collect();
            return Some(format!("FAIL {id} {why}:\n{}", errors.join("\n")));
        }
        if !build.success() {
            // A dependency, or cargo itself, failed.
            let stderr = build.stderr;
            return Some(format!(
                "FAIL {id}: cargo check {targets} failed:\n{stderr}"
            ));
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
        rustflags: Rustflags::None,
        why: "does not compile",
    },
    Check {
        targets: Targets::Tests,
        selects: Export::has_tests,
        rustflags: Rustflags::None,
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
    let mut failures = Vec::new();
    let mut exports = Vec::new();
    for case in &selection.cases {
        let example = ExampleFile {
            section: case.section.name.clone(),
            name: case.example.name.clone(),
            path: case.example.source.clone().into(),
        };
        let export = Export::plan(&example, &table)?;
        if export.kind != case.example.kind {
            let (id, read, listed) = (export.id(), export.kind, case.example.kind);
            failures.push(format!(
                "FAIL {id}: its export reads its `run` as {read:?}, its binary lists it as {listed:?}"
            ));
        }
        exports.push(export);
    }
    let scratch = tempfile::Builder::new().prefix("export-check-").tempdir()?;
    let root = scratch.path();
    if root.starts_with(workspace.root()) {
        return Err(format!("{} is in the repository: set TMPDIR", root.display()).into());
    }
    for export in &exports {
        export.write_files(&dir(root, export), &workspace)?;
    }
    let target_dir = workspace.root().join("target/export-check");
    let count = exports.len();
    eprintln!("exporting to {}: {count}", root.display());

    // Cargo drops from each export's copy of the workspace's lock what it
    // does not use: what it added is a version the workspace does not test.
    let known = locked_crates(&workspace.root().join("Cargo.lock"))?;
    for check in &CHECKS {
        let targets = check.targets.arg();
        let selected: Vec<&Export> = exports.iter().filter(|e| (check.selects)(e)).collect();
        eprintln!("cargo check {targets}: {}", selected.len());
        for export in selected {
            let mut cargo = proc::cargo::command();
            cargo.current_dir(dir(root, export));
            // RUSTFLAGS, even empty, replaces the config's list.
            match check.rustflags {
                Rustflags::None => cargo.env("RUSTFLAGS", ""),
                Rustflags::OwnConfig => cargo.env_remove("RUSTFLAGS"),
            };
            cargo
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env("CARGO_INCREMENTAL", "0");
            cargo.stderr(std::process::Stdio::piped());
            cargo.args(["check", targets, "--keep-going", "--quiet"]);
            cargo.args(["--message-format=json", "--target-dir"]);
            cargo.arg(&target_dir);
            let build = proc::cargo::build(cargo, None)?;
            let id = export.id();
            failures.extend(check.failure(&id, build));
            for (name, version) in locked_crates(&dir(root, export).join("Cargo.lock"))? {
                if !known.contains(&(name.clone(), version.clone())) {
                    failures.push(format!(
                        "FAIL {id}: the workspace's lock lacks {name} {version}"
                    ));
                }
            }
        }
    }

    for failure in &failures {
        println!("{}", failure.trim_end());
    }
    if !failures.is_empty() {
        println!("the exports are kept in {}", scratch.keep().display());
    }
    let failed = failures.len();
    println!("exports: {count} checked, {failed} failed");
    Ok(Outcome::of_failures(failed))
}

/// Where `export` is written in the scratch directory `root`: two sections
/// may have examples of one name.
fn dir(root: &Path, export: &Export) -> std::path::PathBuf {
    root.join(&export.section).join(&export.name)
}

/// The crates.io packages of a `Cargo.lock`, as (name, version).
fn locked_crates(lock: &std::path::Path) -> Result<Vec<(String, String)>, Error> {
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
