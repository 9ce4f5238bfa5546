//! `cargo xtask export --check-all [FILTER]`: proof that every example is
//! a project of its own.
//!
//! Every example is exported, as `cargo xtask export` would write it, into
//! one throwaway workspace in a temporary directory outside the repository,
//! with the repository's `Cargo.lock` copied in (cargo only adds the new
//! members, so the exports use the versions the workspace tests; a crate
//! the lock lacks is a failure). Nothing of the workspace reaches them: no
//! feature another crate turns on, no `--cfg tokio_unstable`, no runner, no
//! provider installed for them.
//!
//! The exports whose `[dependencies]` are the same are checked together,
//! each group by a `cargo check` of its own at low CPU priority, so that
//! each export is compiled with exactly the features it lists; the groups
//! share one target directory under the repository's
//! (`target/export-check`), where a dependency with the same features is
//! checked once. The tests of an export whose file has some are checked
//! too (`cargo check --tests`), with only the dev-dependencies its export
//! lists.
//!
//! Nothing is run here: what an example prints is checked in the
//! workspace, from the same file and the same crate versions, with
//! features that include every export's. `cargo test --workspace` compares
//! it with its golden file on the paused clock and `cargo xtask check-all
//! --real` on the real one (both built with the workspace's `--cfg
//! tokio_unstable`, which the exports are checked without), and the file's
//! tests run there. A check rather than a build of each group costs 204
//! CPU-s from nothing, against 290 for the builds and the runs: the 72
//! dependency sets stop before code generation and linking.
//!
//! A failure names the example and shows the compiler's errors; the
//! throwaway workspace is then kept for a closer look.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use proc::cargo::{Build, Stderr};

use super::{Export, dependency_table, has_tests};
use crate::Error;
use crate::select::Selection;
use crate::workspace::Workspace;

pub use crate::flags::ExportCheckOptions as Options;

/// How one example fared outside the workspace.
#[derive(Debug)]
enum Verdict {
    Pass,
    /// The file itself keeps it from standing alone (a path into a
    /// workspace crate, a bad `Needs:` line).
    CantStandAlone(String),
    /// The compiler's errors, rendered.
    DoesNotCompile(String),
    /// The check reported nothing of it, and no error of its own: what
    /// failed instead (a dependency, or cargo itself).
    NotChecked(String),
    /// Its tests do not compile with only the dev-dependencies it lists:
    /// the compiler's errors.
    TestsDoNotCompile(String),
}

struct Report {
    id: String,
    verdict: Verdict,
}

impl Report {
    fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Pass)
    }

    fn summary(&self) -> String {
        let why = match &self.verdict {
            Verdict::Pass => return format!("PASS {}", self.id),
            Verdict::CantStandAlone(_) => "can't be exported",
            Verdict::DoesNotCompile(_) => {
                "does not compile as a project of its own, with only the crates and features its \
                 Cargo.toml lists"
            }
            Verdict::NotChecked(_) => "was not checked",
            Verdict::TestsDoNotCompile(_) => {
                "its tests do not compile with only the dev-dependencies it lists"
            }
        };
        format!("FAIL {}: {why}", self.id)
    }

    fn details(&self) -> String {
        let mut text = self.summary();
        text.push('\n');
        match &self.verdict {
            Verdict::Pass => {}
            Verdict::CantStandAlone(why) => {
                let _ = writeln!(text, "  {why}");
            }
            Verdict::DoesNotCompile(errors)
            | Verdict::NotChecked(errors)
            | Verdict::TestsDoNotCompile(errors) => text.push_str(&indent(errors)),
        }
        text
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// An export in the throwaway workspace.
struct Member {
    export: Export,
    /// `<section>-<example>`: two sections may have examples of one name.
    package: String,
    dir: PathBuf,
}

/// `cargo xtask export --check-all`. `Ok(false)` means an example failed.
pub fn check_all(options: &Options) -> Result<bool, Error> {
    let started = Instant::now();
    let workspace = Workspace::locate();
    let table = dependency_table(&workspace)?;
    let selection = Selection::build(&workspace, options.filter.as_deref())?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }

    let mut reports = BTreeMap::new();
    let mut members = Vec::new();
    for case in &selection.cases {
        match Export::plan(&case.section.name, &case.example, &table) {
            Ok(export) => members.push(Member {
                package: format!("{}-{}", export.section, export.name),
                dir: PathBuf::from(&export.section).join(&export.name),
                export,
            }),
            Err(why) => record(&mut reports, case.id(), Verdict::CantStandAlone(why)),
        }
    }

    let scratch = tempfile::Builder::new()
        .prefix("export-check-")
        .tempdir()
        .map_err(|error| format!("cannot make a temporary directory: {error}"))?;
    if scratch.path().starts_with(workspace.root()) {
        return Err(format!(
            "the temporary directory {} is inside the repository; point TMPDIR elsewhere",
            scratch.path().display()
        )
        .into());
    }
    let target_dir = workspace
        .metadata()?
        .target_directory
        .as_std_path()
        .join("export-check");
    let lock = workspace.root().join("Cargo.lock");
    write_workspace(scratch.path(), &members, &lock)?;
    eprintln!(
        "exported {} examples into {}; checking them into {}",
        members.len(),
        scratch.path().display(),
        target_dir.display()
    );

    // Exports with the same `[dependencies]` lines give every dependency the
    // same features: each such group is checked on its own, with nothing
    // another export turns on, and a dependency with the same features in
    // several groups is checked once, in one target directory.
    let mut groups: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    for member in &members {
        groups
            .entry(dependency_key(&member.export))
            .or_default()
            .push(member);
    }
    let mut test_groups: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    for member in members
        .iter()
        .filter(|member| has_tests(&member.export.source))
    {
        test_groups
            .entry(test_dependency_key(&member.export))
            .or_default()
            .push(member);
    }

    // The groups one after another, then the tests of each export that has
    // some, at low CPU priority.
    let phase = Instant::now();
    let Checked {
        failed,
        problems: general,
    } = check_groups(scratch.path(), &target_dir, &groups, &members, &lock)?;
    eprintln!(
        "checked {} exports in {} groups in {:.1}s",
        members.len(),
        groups.len(),
        phase.elapsed().as_secs_f64()
    );
    let phase = Instant::now();
    let tests = check_tests(scratch.path(), &target_dir, &test_groups, &members)?;
    eprintln!(
        "checked the tests of {} exports in {} groups in {:.1}s",
        test_groups.values().map(Vec::len).sum::<usize>(),
        test_groups.len(),
        phase.elapsed().as_secs_f64()
    );
    // An export's own failure is the one reported: it is what a reader
    // meets first.
    for (member, verdict) in failed.into_iter().chain(tests) {
        let id = member.export.id();
        if !reports.contains_key(&id) {
            record(&mut reports, id, verdict);
        }
    }
    for member in &members {
        let id = member.export.id();
        if !reports.contains_key(&id) {
            record(&mut reports, id, Verdict::Pass);
        }
    }

    let failures: Vec<String> = reports
        .values()
        .filter(|report| !report.passed())
        .map(Report::details)
        .chain(general.iter().cloned())
        .collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for failure in &failures {
            println!("\n{}", failure.trim_end());
        }
        let kept = scratch.keep();
        println!("\nthe exports are kept in {} to look into", kept.display());
    }
    let passed = reports.values().filter(|report| report.passed()).count();
    let failed = reports.len() - passed;
    eprintln!("finished in {:.1}s", started.elapsed().as_secs_f64());
    let other = match general.len() {
        0 => String::new(),
        1 => ", 1 other problem".to_owned(),
        n => format!(", {n} other problems"),
    };
    println!("{passed} passed, {failed} failed{other}");
    Ok(failures.is_empty())
}

/// Prints the summary of `id`'s verdict and keeps it.
fn record(reports: &mut BTreeMap<String, Report>, id: String, verdict: Verdict) {
    let report = Report {
        id: id.clone(),
        verdict,
    };
    println!("{}", report.summary());
    reports.insert(id, report);
}

/// What decides the features of an export's dependencies: its
/// `[dependencies]` lines.
fn dependency_key(export: &Export) -> String {
    export
        .dependencies
        .iter()
        .map(super::Dependency::toml_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What decides the features of an export's dependencies in its tests:
/// its `[dependencies]` and `[dev-dependencies]` lines.
fn test_dependency_key(export: &Export) -> String {
    let mut key = dependency_key(export);
    for dependency in &export.dev_dependencies {
        key.push_str("\ndev: ");
        key.push_str(&dependency.toml_line());
    }
    key
}

/// What [`check_groups`] found.
struct Checked<'a> {
    /// The exports that did not pass, each with why.
    failed: Vec<(&'a Member, Verdict)>,
    /// What is wrong with the check as a whole.
    problems: Vec<String>,
}

/// `cargo check` of each group of exports, one after another, each with
/// only the group's own dependencies.
fn check_groups<'a>(
    root: &Path,
    target_dir: &Path,
    groups: &BTreeMap<String, Vec<&'a Member>>,
    members: &[Member],
    workspace_lock: &Path,
) -> Result<Checked<'a>, Error> {
    let mut checked = Checked {
        failed: Vec::new(),
        problems: Vec::new(),
    };
    for group in groups.values() {
        let mut args = vec!["check", "--bins", "--keep-going"];
        for member in group {
            args.extend(["--package", member.package.as_str()]);
        }
        let check = cargo(root, target_dir, &args)?;
        for member in group {
            if let Some(errors) = check.errors.get(&member.package) {
                checked
                    .failed
                    .push((*member, Verdict::DoesNotCompile(errors.join("\n"))));
            } else if !check.compiled.contains(&member.package) {
                checked
                    .failed
                    .push((*member, Verdict::NotChecked(other_errors(&check, members))));
            }
        }
    }
    // Cargo has resolved the exports' dependencies by now.
    if !groups.is_empty() {
        checked
            .problems
            .extend(new_crates(&root.join("Cargo.lock"), workspace_lock)?);
    }
    Ok(checked)
}

/// `cargo check --tests` of each group of exports that have tests, one
/// after another, with only the group's own dependencies and
/// dev-dependencies: the exports whose tests fail it, each with why.
fn check_tests<'a>(
    root: &Path,
    target_dir: &Path,
    groups: &BTreeMap<String, Vec<&'a Member>>,
    members: &[Member],
) -> Result<Vec<(&'a Member, Verdict)>, Error> {
    let mut failed = Vec::new();
    for group in groups.values() {
        let mut args = vec!["check", "--tests"];
        for member in group {
            args.extend(["--package", member.package.as_str()]);
        }
        let checked = cargo(root, target_dir, &args)?;
        for member in group {
            let errors = match checked.errors.get(&member.package) {
                Some(errors) => errors.join("\n"),
                None if checked.success() => continue,
                None => other_errors(&checked, members),
            };
            failed.push((*member, Verdict::TestsDoNotCompile(errors)));
        }
    }
    Ok(failed)
}

/// The throwaway workspace: its `Cargo.toml`, the lock, and every member.
fn write_workspace(root: &Path, members: &[Member], lock: &Path) -> Result<(), Error> {
    let mut manifest = String::from(
        "# Written by `cargo xtask export --check-all`: every example as a project\n\
         # of its own, in one workspace so their dependencies build once.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for member in members {
        let _ = writeln!(manifest, "    \"{}\",", member.dir.display());
    }
    manifest.push_str(
        "]\n\n# Nobody debugs these builds: no debug info, no incremental state.\n\
         [profile.dev]\ndebug = false\nincremental = false\n",
    );
    crate::files::write(&root.join("Cargo.toml"), manifest)?;
    crate::files::copy(lock, &root.join("Cargo.lock"))
        .map_err(|error| format!("cannot copy {}: {error}", lock.display()))?;
    for member in members {
        member
            .export
            .write(&root.join(&member.dir), &member.package, false, lock)?;
    }
    Ok(())
}

/// What failed that is not one of the exports (a dependency), or else
/// cargo's own messages.
fn other_errors(build: &Build, members: &[Member]) -> String {
    let other: Vec<&str> = build
        .errors
        .iter()
        .filter(|(name, _)| !members.iter().any(|member| member.package == **name))
        .flat_map(|(_, errors)| errors.iter().map(String::as_str))
        .collect();
    if other.is_empty() {
        build.stderr.clone()
    } else {
        other.join("\n")
    }
}

/// Runs `cargo <args>` in the throwaway workspace at low CPU
/// priority, reading its JSON messages.
fn cargo(root: &Path, target_dir: &Path, args: &[&str]) -> Result<Build, Error> {
    let mut cargo = Workspace::at(root).cargo();
    cargo
        .args(args)
        .args(["--quiet", "--message-format=json"])
        .arg("--target-dir")
        .arg(target_dir);
    Ok(proc::cargo::build(cargo, Stderr::Capture)?)
}

/// The registry crates of `exports_lock` that `workspace_lock` lacks, one
/// problem each: the exports must build the versions the workspace tests.
fn new_crates(exports_lock: &Path, workspace_lock: &Path) -> Result<Vec<String>, Error> {
    let known = registry_packages(workspace_lock)?;
    Ok(registry_packages(exports_lock)?
        .into_iter()
        .filter(|package| !known.contains(package))
        .map(|(name, version)| {
            format!(
                "the exports build {name} {version}, which the workspace's Cargo.lock does not \
                 have: an export needs a crate or a feature the workspace never builds"
            )
        })
        .collect())
}

fn registry_packages(lock: &Path) -> Result<Vec<(String, String)>, Error> {
    let text =
        std::fs::read_to_string(lock).map_err(|error| format!("{}: {error}", lock.display()))?;
    let parsed: toml::Table = text
        .parse()
        .map_err(|error| format!("{}: {error}", lock.display()))?;
    let packages = parsed
        .get("package")
        .and_then(toml::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(packages
        .iter()
        .filter(|package| package.get("source").is_some())
        .filter_map(|package| {
            Some((
                package.get("name")?.as_str()?.to_owned(),
                package.get("version")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}
