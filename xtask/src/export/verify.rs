//! `cargo xtask export --check-all [FILTER]`: proof that every example
//! compiles as a project of its own, with only the crates its export lists.
//!
//! The exports are members of one throwaway workspace outside the repository
//! (so none of its `.cargo` config reaches them), with its `Cargo.lock`.
//! Nothing runs here: the workspace's own checks run the same files.

use std::fs;

use super::{DependencyTable, Export};
use crate::Error;
use crate::select::{Case, Selection};
use crate::workspace::Workspace;

/// The `cargo check`s, the exports each selects, the rustflags it builds with
/// and what its failure means. One build unifies the members' features,
/// which changes little, as every export of a crate lists the same entry:
/// only what one's dependencies turn on in a crate another lists (axum:
/// serde_json's `raw_value`), and Tokio's `test-util`, which tokio-test and
/// turmoil turn on for every program here: `Export::plan` lists it for a
/// program that pauses a clock. The rustflags are those of the export's own
/// `.cargo/config.toml`, if it has one: an example that takes task dumps
/// compiles its dumper only under `--cfg tokio_unstable`.
const CHECKS: [(&str, Selects, &str, &str); 3] = [
    ("--bins", |_| true, "", "does not compile"),
    ("--tests", Export::has_tests, "", "its tests do not compile"),
    (
        "--all-targets",
        Export::takes_task_dumps,
        "--cfg tokio_unstable",
        "does not compile with its .cargo/config.toml",
    ),
];

type Selects = fn(&Export) -> bool;

/// `cargo xtask export --check-all`. `Ok(false)` means an example failed.
pub fn check_all(filter: Option<&str>) -> Result<bool, Error> {
    let workspace = Workspace::locate();
    let table = DependencyTable::read(&workspace)?;
    let selection = Selection::build(&workspace, filter)?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let plan = |case: &Case| Export::plan(&case.section.name, &case.example, &table);
    let exports: Vec<Export> = selection.cases.iter().map(plan).collect::<Result<_, _>>()?;
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
    // `section-example`: two sections may have examples of one name.
    let package = |export: &Export| format!("{}-{}", export.section, export.name);
    for export in &exports {
        let dir = root.join(&export.section).join(&export.name);
        export.write(&dir, &package(export), None)?;
    }
    let target_dir = workspace.root().join("target/export-check");
    eprintln!("exporting to {}: {}", root.display(), exports.len());

    let mut failures = Vec::new();
    for (targets, selects, rustflags, why) in CHECKS {
        let selected: Vec<&Export> = exports.iter().filter(|e| selects(e)).collect();
        if selected.is_empty() {
            continue;
        }
        let mut cargo = proc::cargo::command();
        // Not the caller's rustflags, nor the workspace's `--cfg tokio_unstable`.
        cargo.current_dir(root).env("RUSTFLAGS", rustflags);
        cargo.stderr(std::process::Stdio::piped());
        cargo.args(["check", targets, "--keep-going", "--quiet"]);
        cargo.args(["--message-format=json", "--target-dir"]);
        cargo.arg(&target_dir);
        for export in &selected {
            cargo.arg("--package").arg(package(export));
        }
        let build = proc::cargo::build(cargo, None)?;
        let before = failures.len();
        for export in &selected {
            if let Some(errors) = build.errors.get(&package(export)) {
                let (id, errors) = (export.id(), errors.join("\n"));
                failures.push(format!("FAIL {id} {why}:\n{errors}"));
            } else if let Some(warnings) = build.warnings.get(&package(export)) {
                // A learner's first `cargo run` of the export shows them.
                let (id, warnings) = (export.id(), warnings.join("\n"));
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
    let (checked, failed) = (exports.len(), failures.len());
    println!("exports: {checked} checked, {failed} failed");
    Ok(failures.is_empty())
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
