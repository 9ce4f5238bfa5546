//! `cargo xtask export --check-all [FILTER]`: proof that every example is
//! a project of its own.
//!
//! Every example is exported, as `cargo xtask export` would write it, into
//! one throwaway workspace in a temporary directory outside the repository,
//! with the repository's `Cargo.lock` copied in (cargo only adds the new
//! members, so the exports build the versions the workspace tests; a crate
//! the lock lacks is a failure). Nothing of the workspace reaches them: no
//! feature another crate turns on, no `--cfg tokio_unstable`, no runner, no
//! provider installed for them.
//!
//! The exports whose `[dependencies]` are the same are built together, each
//! group by a `cargo build` of its own at low CPU priority, so that
//! each export is built with exactly the features it lists; the groups
//! share one target directory under the repository's
//! (`target/export-check`), where a dependency with the same features is
//! built once. The tests of an export whose file has some are built too
//! (`cargo build --tests`), with only the dev-dependencies its export
//! lists; they are not run here: the same tests, of the same file, run in
//! `cargo test --workspace`. Then each export runs on the real clock, HTTP
//! examples against the workspace's httpbin started once on a free port,
//! and its output is compared with its golden file.
//!
//! This costs a little less than one build of all the exports together
//! followed by a check of each group did (265 CPU-s from nothing, against
//! 280), and runs each example as built with the features it lists, not
//! with the union of everyone's.
//! A failure names the example and shows the compiler's errors or the diff;
//! the throwaway workspace is then kept for a closer look.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proc::cargo::{Build, Stderr};
use proc::{Exit, Httpbin};
use runner::protocol::Kind;

use super::{Export, dependency_table, has_tests};
use crate::Error;
use crate::golden::{self, Golden, OnTheRealClock};
use crate::parallel::parallel;
use crate::select::Selection;
use crate::workspace::Workspace;

pub use crate::cli::ExportCheckOptions as Options;

/// How one example fared outside the workspace.
#[derive(Debug)]
enum Verdict {
    Pass,
    /// The file itself keeps it from standing alone (a path into a
    /// workspace crate, a bad `Needs:` line).
    CantStandAlone(String),
    /// The compiler's errors, rendered.
    DoesNotCompile(String),
    /// The build produced no binary for it, and no error of its own: what
    /// failed instead (a dependency, or cargo itself).
    NotBuilt(String),
    Failed {
        exit: Exit,
        stderr: String,
    },
    /// Its output differs from its golden file by more than the real clock
    /// allows ([`golden::compare_on_the_real_clock`]): the diff.
    Mismatch(String),
    /// Passed, with these times printed late, as the real clock allows.
    Late(Vec<golden::LateTime>),
    MissingGolden,
    UnreadableGolden(String),
    /// Its tests do not compile with only the dev-dependencies it lists:
    /// the compiler's errors.
    TestsDoNotCompile(String),
}

struct Report {
    id: String,
    verdict: Verdict,
    elapsed: Option<Duration>,
}

impl Report {
    fn new(id: String, verdict: Verdict) -> Self {
        Self {
            id,
            verdict,
            elapsed: None,
        }
    }

    fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Pass | Verdict::Late(_))
    }

    fn summary(&self) -> String {
        let elapsed = self
            .elapsed
            .map(|elapsed| format!(" ({:.1}s)", elapsed.as_secs_f64()))
            .unwrap_or_default();
        let why = match &self.verdict {
            Verdict::Pass => return format!("PASS {}{elapsed}", self.id),
            Verdict::Late(late) => {
                return format!("PASS {}{elapsed}: {}", self.id, golden::describe_late(late));
            }
            Verdict::CantStandAlone(_) => "can't be exported".to_owned(),
            Verdict::DoesNotCompile(_) => {
                "does not compile as a project of its own, with only the crates and features its \
                 Cargo.toml lists"
                    .to_owned()
            }
            Verdict::NotBuilt(_) => "was not built".to_owned(),
            Verdict::Failed { exit, .. } => match exit {
                Exit::Code(code) => format!("exited with code {code}"),
                Exit::Signal(signal) => format!("killed by signal {signal}"),
                Exit::TimedOut => "timed out and was killed; is it hung?".to_owned(),
            },
            Verdict::Mismatch(_) => "output differs from its golden file".to_owned(),
            Verdict::MissingGolden => "has no golden file".to_owned(),
            Verdict::UnreadableGolden(why) => format!("cannot read its golden file: {why}"),
            Verdict::TestsDoNotCompile(_) => {
                "its tests do not compile with only the dev-dependencies it lists".to_owned()
            }
        };
        format!("FAIL {}: {why}{elapsed}", self.id)
    }

    fn details(&self) -> String {
        let mut text = self.summary();
        text.push('\n');
        match &self.verdict {
            Verdict::CantStandAlone(why) => {
                let _ = writeln!(text, "  {why}");
            }
            Verdict::DoesNotCompile(errors) | Verdict::NotBuilt(errors) => {
                text.push_str(&indent(errors));
            }
            Verdict::Failed { stderr, .. } if !stderr.trim().is_empty() => {
                text.push_str("  stderr:\n");
                text.push_str(&indent(stderr));
            }
            Verdict::Mismatch(diff) => {
                text.push_str(diff);
                let _ = writeln!(text, "(on the real clock, {})", golden::LATE_BY_AT_MOST);
            }
            Verdict::TestsDoNotCompile(errors) => text.push_str(&indent(errors)),
            _ => {}
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
            Err(why) => {
                let report = Report::new(case.id(), Verdict::CantStandAlone(why));
                println!("{}", report.summary());
                reports.insert(report.id.clone(), report);
            }
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
        "exported {} examples into {}; building them into {}",
        members.len(),
        scratch.path().display(),
        target_dir.display()
    );

    // Exports with the same `[dependencies]` lines give every dependency the
    // same features: each such group is built on its own, with nothing
    // another export turns on, and a dependency with the same features in
    // several groups is built once, in one target directory.
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
    let server = if members
        .iter()
        .any(|member| member.export.kind == Kind::BaseUrl)
    {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let url = server.as_ref().map(Httpbin::url);
    let golden_root = workspace.golden_root();

    // 1. The groups built one after another, then the tests of each export
    // that has some, at low CPU priority.
    let phase = Instant::now();
    let Built {
        binaries,
        failed,
        problems: general,
    } = build_groups(scratch.path(), &target_dir, &groups, &members, &lock)?;
    eprintln!(
        "built {} exports in {} groups in {:.1}s",
        members.len(),
        groups.len(),
        phase.elapsed().as_secs_f64()
    );
    let phase = Instant::now();
    let tests = build_tests(scratch.path(), &target_dir, &test_groups, &members)?;
    eprintln!(
        "built the tests of {} exports in {} groups in {:.1}s",
        test_groups.values().map(Vec::len).sum::<usize>(),
        test_groups.len(),
        phase.elapsed().as_secs_f64()
    );

    // 2. Then each export runs on the real clock, and its output is
    // compared with its golden file, with nothing of this check building
    // beside it: in one CI run of three, exports run while the next groups
    // were built printed times two and three tenths of a second late.
    let phase = Instant::now();
    let run = |(member, binary): (&Member, PathBuf)| {
        run_one(member, &binary, url, options.timeout, &golden_root)
    };
    let ran = parallel(binaries, options.jobs, run, |report| {
        if !report.passed() {
            println!("{}", report.summary());
        }
    });
    eprintln!("ran them in {:.1}s", phase.elapsed().as_secs_f64());
    drop(server);
    for (member, verdict) in failed {
        fail(&mut reports, member, verdict);
    }
    for report in ran {
        reports.insert(report.id.clone(), report);
    }
    // A build's or a run's failure is the one reported: it is what a reader
    // meets first.
    for (member, verdict) in tests {
        if reports.get(&member.export.id()).is_some_and(Report::passed) {
            fail(&mut reports, member, verdict);
        }
    }

    for report in reports.values().filter(|report| report.passed()) {
        println!("{}", report.summary());
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

/// What [`build_groups`] made.
struct Built<'a> {
    /// Each export built, and its binary.
    binaries: Vec<(&'a Member, PathBuf)>,
    /// The exports that were not built, each with why.
    failed: Vec<(&'a Member, Verdict)>,
    /// What is wrong with the build as a whole.
    problems: Vec<String>,
}

/// `cargo build` of each group of exports, one after another, each with
/// only the group's own dependencies.
fn build_groups<'a>(
    root: &Path,
    target_dir: &Path,
    groups: &BTreeMap<String, Vec<&'a Member>>,
    members: &[Member],
    workspace_lock: &Path,
) -> Result<Built<'a>, Error> {
    let mut built = Built {
        binaries: Vec::new(),
        failed: Vec::new(),
        problems: Vec::new(),
    };
    for group in groups.values() {
        let mut args = vec!["build", "--bins", "--keep-going"];
        for member in group {
            args.extend(["--package", member.package.as_str()]);
        }
        let build = cargo(root, target_dir, &args)?;
        for member in group {
            if let Some(errors) = build.errors.get(&member.package) {
                built
                    .failed
                    .push((*member, Verdict::DoesNotCompile(errors.join("\n"))));
            } else if let Some(binary) = build.binaries.get(&member.package) {
                built.binaries.push((*member, binary.clone()));
            } else {
                built
                    .failed
                    .push((*member, Verdict::NotBuilt(other_errors(&build, members))));
            }
        }
    }
    // Cargo has resolved the exports' dependencies by now.
    if !groups.is_empty() {
        built
            .problems
            .extend(new_crates(&root.join("Cargo.lock"), workspace_lock)?);
    }
    Ok(built)
}

/// `cargo build --tests` of each group of exports that have tests, one
/// after another, with only the group's own dependencies and
/// dev-dependencies: the exports whose tests fail it, each with why. A
/// build rather than a check, since the dependencies the groups have in
/// common with the exports' own builds are built already (16 CPU-s less
/// than a check from nothing).
fn build_tests<'a>(
    root: &Path,
    target_dir: &Path,
    groups: &BTreeMap<String, Vec<&'a Member>>,
    members: &[Member],
) -> Result<Vec<(&'a Member, Verdict)>, Error> {
    let mut failed = Vec::new();
    for group in groups.values() {
        let mut args = vec!["build", "--tests"];
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

/// Records that `member`, which had passed so far, failed.
fn fail(reports: &mut BTreeMap<String, Report>, member: &Member, verdict: Verdict) {
    let report = Report::new(member.export.id(), verdict);
    println!("{}", report.summary());
    reports.insert(report.id.clone(), report);
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
    let mut cargo = Workspace::at(root).cargo_at_low_priority();
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

/// Runs one built export and compares what it printed with its golden file.
fn run_one(
    member: &Member,
    binary: &Path,
    server: Option<&str>,
    timeout: Duration,
    golden_root: &Path,
) -> Report {
    let id = member.export.id();
    let report = |verdict, elapsed| Report {
        id: id.clone(),
        verdict,
        elapsed,
    };
    let mut command = Command::new(binary);
    if member.export.kind == Kind::BaseUrl
        && let Some(url) = server
    {
        command.arg(url);
    }
    let finished = match proc::run(command, timeout) {
        Ok(finished) => finished,
        Err(error) => {
            return report(
                Verdict::Failed {
                    exit: Exit::Code(-1),
                    stderr: format!("could not be started: {error}"),
                },
                None,
            );
        }
    };
    let elapsed = Some(finished.elapsed);
    if !finished.success() {
        return report(
            Verdict::Failed {
                exit: finished.exit,
                stderr: finished.stderr,
            },
            elapsed,
        );
    }
    let path = golden::path(golden_root, &member.export.section, &member.export.name);
    let verdict = match golden::read(&path) {
        Golden::Text(expected) => {
            match golden::compare_on_the_real_clock(&expected, &finished.stdout) {
                OnTheRealClock::Same => Verdict::Pass,
                OnTheRealClock::Late(late) => Verdict::Late(late),
                OnTheRealClock::Differs => Verdict::Mismatch(golden::diff(
                    &golden::display_name(&path, golden_root),
                    &expected,
                    &finished.stdout,
                )),
            }
        }
        Golden::Missing => Verdict::MissingGolden,
        Golden::Unreadable(why) => Verdict::UnreadableGolden(why),
    };
    report(verdict, elapsed)
}
