//! `cargo xtask bridge`: builds the `bridge` section's extension module and
//! runs each of its lessons against its golden file.
//!
//! 1. A virtualenv, `target/bridge-venv`, with maturin from PyPI at the
//!    version `.ci/bridge-requirements.txt` pins. It counts as made once
//!    its `complete` file holds that file's text, so a venv that failed
//!    halfway, or whose pins changed, is made again.
//! 2. `maturin develop`, at low CPU priority: a dev build of
//!    `crates/bridge`, installed into the venv. It builds into a target
//!    directory of its own, `target/bridge`. maturin builds the crate
//!    alone, so cargo resolves its dependencies' features apart from the
//!    workspace's, and they are compiled apart anyway (Tokio, hyper, url,
//!    syn: about 40 CPU-seconds from nothing); sharing `target/debug` would
//!    only make maturin wait on cargo's lock while `cargo test` or clippy
//!    runs beside it in CI.
//! 3. The workspace's httpbin, if a selected lesson makes HTTP requests.
//! 4. Each lesson, `python -P crates/bridge/python/<lesson>.py [URL]`, one
//!    at a time (they measure how long the event loop was held up, which
//!    other lessons running beside them would stretch), with a timeout,
//!    compared with `tests/golden/bridge/<lesson>.stdout` as every program
//!    on the real clock is ([`golden::compare_on_the_real_clock`]).
//!
//! With `SNAPSHOTS=overwrite` it writes the golden file of each lesson that
//! exited successfully instead, as `bless` does; never from a failed run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::BridgeOptions;
use crate::golden::{self, Golden, OnTheRealClock};
use crate::lessons::{Bridge, Lesson, SECTION};
use crate::twins::{excerpt, problem};
use crate::workspace::Workspace;
use crate::{Error, Usage, limits};

/// The pins of what the venv gets, relative to the workspace root.
const REQUIREMENTS: &str = ".ci/bridge-requirements.txt";

/// The venv's directory under the target directory.
const VENV: &str = "bridge-venv";

/// The extension's build directory under the target directory.
const BUILD_DIR: &str = "bridge";

/// How one lesson fared.
enum Outcome {
    Pass,
    /// Passed, with these times printed late, as the real clock allows.
    Late(Vec<golden::LateTime>),
    Blessed,
    Failed(String),
}

/// `cargo xtask bridge`. `Ok(false)` means a lesson failed.
pub fn bridge(options: &BridgeOptions) -> Result<bool, Error> {
    let workspace = Workspace::locate();
    let bridge = Bridge::read(&workspace)?;
    let selected: Vec<&Lesson> = bridge
        .lessons
        .iter()
        .filter(|lesson| {
            options.filter.as_deref().is_none_or(|filter| {
                filter == SECTION || format!("{SECTION}/{}", lesson.name).contains(filter)
            })
        })
        .collect();
    if selected.is_empty() {
        return Err(Usage(format!(
            "no lesson of the bridge matches `{}`; they are {}",
            options.filter.as_deref().unwrap_or(""),
            bridge
                .lessons
                .iter()
                .map(|lesson| lesson.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    let target = workspace.metadata()?.target_directory.as_std_path();
    let venv = target.join(VENV);
    make_venv(&workspace, &venv, &options.python)?;
    build_extension(&workspace, &bridge, &venv, &target.join(BUILD_DIR))?;
    let server = if selected.iter().any(|lesson| lesson.http) {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let url = server.as_ref().map(|server| server.url().to_owned());
    let golden_root = workspace.golden_root();
    let python = venv.join("bin").join("python");
    let mut failures = Vec::new();
    let mut passed = 0;
    for lesson in selected {
        let id = format!("{SECTION}/{}", lesson.name);
        match run_lesson(
            &bridge,
            &golden_root,
            &python,
            lesson,
            url.as_deref(),
            options,
        ) {
            Outcome::Pass => {
                passed += 1;
                println!("PASS {id}");
            }
            Outcome::Late(late) => {
                passed += 1;
                println!("PASS {id}: {}", golden::describe_late(&late));
            }
            Outcome::Blessed => {
                passed += 1;
                println!("BLESSED {id}");
            }
            Outcome::Failed(details) => {
                println!("FAIL {id}");
                failures.push(format!("FAIL {id}\n{}", details.trim_end()));
            }
        }
    }
    // A golden file whose lesson is gone fails, whatever the filter.
    for (section, name) in golden::all(&golden_root, golden::STDOUT)? {
        if section == SECTION && !bridge.lessons.iter().any(|lesson| lesson.name == name) {
            let path = golden::path(&golden_root, SECTION, &name);
            failures.push(format!(
                "FAIL {}: a golden file without a lesson; delete it, or restore the lesson",
                golden::display_name(&path, &golden_root)
            ));
        }
    }
    for failure in &failures {
        println!("\n{failure}");
    }
    println!("{passed} passed, {} failed", failures.len());
    Ok(failures.is_empty())
}

/// Makes the venv with maturin in it, unless it is made already with the
/// pins it has now.
fn make_venv(workspace: &Workspace, venv: &Path, python: &str) -> Result<(), Error> {
    let requirements = workspace.root().join(REQUIREMENTS);
    let pins = std::fs::read_to_string(&requirements)
        .map_err(|error| format!("{REQUIREMENTS}: {error}"))?;
    let complete = venv.join("complete");
    if std::fs::read_to_string(&complete).is_ok_and(|made_with| made_with == pins) {
        return Ok(());
    }
    eprintln!("making {} with maturin from {REQUIREMENTS}", venv.display());
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(|error| format!("cannot remove {}: {error}", venv.display()))?;
    }
    let mut make = Command::new(python);
    make.args(["-m", "venv"]).arg(venv);
    step(make, &format!("`{python} -m venv`"))?;
    let mut install = Command::new(venv.join("bin").join("pip"));
    install
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements);
    step(install, &format!("`pip install -r {REQUIREMENTS}`"))?;
    crate::files::write(&complete, &pins)?;
    Ok(())
}

/// `maturin develop`: builds the extension and installs it into the venv.
fn build_extension(
    workspace: &Workspace,
    bridge: &Bridge,
    venv: &Path,
    build_dir: &Path,
) -> Result<(), Error> {
    // At low priority, like every build beside programs that print times on
    // the real clock; maturin runs cargo, which inherits it.
    let mut maturin = Command::new("nice");
    maturin
        .args(["-n", proc::cargo::BUILD_NICENESS])
        .arg(venv.join("bin").join("maturin"))
        .args(["develop", "--locked", "--manifest-path"])
        .arg(bridge.dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(build_dir)
        .current_dir(workspace.root())
        .env("VIRTUAL_ENV", venv);
    proc::cargo::leave_out_crate_variables(&mut maturin);
    let mut build = proc::spawn(maturin)?;
    match build.wait_timeout(limits::BRIDGE_SETUP)? {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!("`maturin develop` failed ({status})").into()),
        None => {
            build.kill()?;
            Err(format!(
                "`maturin develop` took more than {} s, and was killed",
                limits::BRIDGE_SETUP.as_secs()
            )
            .into())
        }
    }
}

/// Runs a step of making the venv, and says what went wrong if it fails.
fn step(command: Command, what: &str) -> Result<(), Error> {
    let finished = proc::run(command, limits::BRIDGE_SETUP)
        .map_err(|error| format!("cannot run {what}: {error}"))?;
    if finished.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        finished.exit,
        finished.stdout.trim_end(),
        finished.stderr.trim_end()
    )
    .into())
}

fn run_lesson(
    bridge: &Bridge,
    golden_root: &Path,
    python: &PathBuf,
    lesson: &Lesson,
    url: Option<&str>,
    options: &BridgeOptions,
) -> Outcome {
    let program = bridge.python(&lesson.name);
    let mut command = Command::new(python);
    // `-P`: the program's own directory is not put on `sys.path`.
    command.arg("-P").arg(&program);
    if lesson.http
        && let Some(url) = url
    {
        command.arg(url);
    }
    let rerun = format!(
        "  re-run: {} -P {}{}",
        python.display(),
        bridge.relative(&program),
        if lesson.http { " <httpbin URL>" } else { "" }
    );
    let finished = match proc::run(command, options.timeout) {
        Ok(finished) => finished,
        Err(error) => {
            return Outcome::Failed(format!("  cannot run {}: {error}", python.display()));
        }
    };
    if let Some(problem) = problem(&finished) {
        return Outcome::Failed(format!("  {problem}\n{}{rerun}", excerpt(&finished.stderr)));
    }
    let golden_path = golden::path(golden_root, SECTION, &lesson.name);
    let golden_name = golden::display_name(&golden_path, golden_root);
    if options.overwrite {
        return match crate::files::write(&golden_path, &finished.stdout) {
            Ok(()) => Outcome::Blessed,
            Err(error) => Outcome::Failed(format!("  cannot write {golden_name}: {error}")),
        };
    }
    match golden::read(&golden_path) {
        Golden::Text(expected) => {
            match golden::compare_on_the_real_clock(&expected, &finished.stdout) {
                OnTheRealClock::Same => Outcome::Pass,
                OnTheRealClock::Late(late) => Outcome::Late(late),
                OnTheRealClock::Differs => Outcome::Failed(format!(
                    "  its output differs from {golden_name} ({})\n{}{rerun}",
                    golden::LATE_BY_AT_MOST,
                    golden::diff(&golden_name, &expected, &finished.stdout)
                )),
            }
        }
        Golden::Missing => Outcome::Failed(format!(
            "  no golden file {golden_name}; write it with `SNAPSHOTS=overwrite cargo xtask bridge {}`",
            lesson.name
        )),
        Golden::Unreadable(why) => Outcome::Failed(format!("  cannot read {golden_name}: {why}")),
    }
}
