//! `cargo xtask export --check-all [FILTER]`: proof that every example
//! builds as a project of its own with only the crates and features its
//! export lists, and that its export reads the file as its binary does.
//!
//! The exports are members of one throwaway workspace outside the repository
//! (so none of its `.cargo` config reaches them), with its `Cargo.lock`.
//! Cargo unifies the features of the packages one command builds, so each
//! command builds the exports whose dependencies are listed alike: none
//! lends another a feature. Nothing runs here: the workspace's own checks
//! run the same files.

use std::collections::BTreeMap;
use std::fs;

use super::{DependencyTable, ExampleFile, Export, ExportFor};
use crate::select::Selection;
use crate::workspace::Workspace;
use crate::{Error, Outcome};

/// One `cargo check` of the exports it selects: its targets, the rustflags
/// it builds with and what its failure means.
struct Check {
    targets: Targets,
    selects: fn(&Export) -> bool,
    /// Those of the export's own `.cargo/config.toml`, if it has one: an
    /// example that takes task dumps compiles its dumper only under
    /// `--cfg tokio_unstable`.
    rustflags: &'static str,
    why: &'static str,
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

impl Check {
    /// The dependencies this check builds, as the export lists them: a
    /// binary alone needs no dev-dependencies.
    fn built(&self, export: &Export) -> String {
        match self.targets {
            Targets::Bins => export.normal_dependency_tables(),
            Targets::Tests | Targets::All => export.dependency_tables(),
        }
    }
}

const CHECKS: [Check; 3] = [
    Check {
        targets: Targets::Bins,
        selects: |_| true,
        rustflags: "",
        why: "does not compile",
    },
    Check {
        targets: Targets::Tests,
        selects: Export::has_tests,
        rustflags: "",
        why: "its tests do not compile",
    },
    Check {
        targets: Targets::All,
        selects: Export::takes_task_dumps,
        rustflags: "--cfg tokio_unstable",
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
    let lock = workspace.root().join("Cargo.lock");
    let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"*/*\"]\n\n\
                    [profile.dev]\ndebug = false\nincremental = false\n";
    crate::files::write(&root.join("Cargo.toml"), manifest)?;
    crate::files::copy(&lock, &root.join("Cargo.lock"))?;
    for export in &exports {
        let dir = root.join(&export.section).join(&export.name);
        export.write_files(&dir, &package(export), ExportFor::CheckAll)?;
    }
    // Each local crate once, in `local/`: a path dependency inside the
    // workspace's directory is one of its members, and two of one name
    // would clash. Not at the root, where `*/*` would take its `src/` for a
    // member.
    for local in &table.locals {
        let needed = exports.iter().any(|export| export.locals.contains(local));
        if needed {
            local.copy(&table.manifest, &root.join("local").join(&local.name))?;
        }
    }
    let target_dir = workspace.root().join("target/export-check");
    let count = exports.len();
    eprintln!("exporting to {}: {count}", root.display());

    for check in &CHECKS {
        // The selected exports by the dependencies this check builds: those
        // listed alike are built together.
        let mut alike: BTreeMap<String, Vec<&Export>> = BTreeMap::new();
        for export in exports.iter().filter(|export| (check.selects)(export)) {
            alike.entry(check.built(export)).or_default().push(export);
        }
        let targets = check.targets.arg();
        eprintln!(
            "cargo check {targets}: {} sets of dependencies",
            alike.len()
        );
        for selected in alike.values() {
            let mut cargo = proc::cargo::command();
            // Not the caller's rustflags, nor the workspace's `--cfg tokio_unstable`.
            cargo.current_dir(root).env("RUSTFLAGS", check.rustflags);
            cargo.stderr(std::process::Stdio::piped());
            cargo.args(["check", targets, "--keep-going", "--quiet"]);
            cargo.args(["--message-format=json", "--target-dir"]);
            cargo.arg(&target_dir);
            for export in selected {
                cargo.arg("--package").arg(package(export));
            }
            let build = proc::cargo::build(cargo, None)?;
            let before = failures.len();
            for export in selected {
                let id = export.id();
                if let Some(errors) = build.errors.get(&package(export)) {
                    let (why, errors) = (check.why, errors.join("\n"));
                    failures.push(format!("FAIL {id} {why}:\n{errors}"));
                } else if let Some(warnings) = build.warnings.get(&package(export)) {
                    // A learner's first `cargo run` of the export shows them.
                    let warnings = warnings.join("\n");
                    failures.push(format!("FAIL {id} has warnings ({targets}):\n{warnings}"));
                }
            }
            // A dependency, or cargo itself, failed.
            if !build.success() && failures.len() == before {
                let errors: Vec<String> = build.errors.into_values().flatten().collect();
                let (errors, stderr) = (errors.join("\n"), build.stderr);
                failures.push(format!("FAIL cargo check {targets}:\n{errors}\n{stderr}"));
            }
        }
    }

    // Cargo drops from the copied lock what the exports don't use: what it
    // added is a version the workspace does not test.
    let known = locked_crates(&lock)?;
    for (name, version) in locked_crates(&root.join("Cargo.lock"))? {
        if !known.contains(&(name.clone(), version.clone())) {
            failures.push(format!("FAIL the workspace's lock lacks {name} {version}"));
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

/// `section-example`: two sections may have examples of one name.
fn package(export: &Export) -> String {
    format!("{}-{}", export.section, export.name)
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
