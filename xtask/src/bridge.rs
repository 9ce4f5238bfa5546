//! `cargo xtask bridge`: builds the bridge's Python extension module with
//! maturin and runs each lesson against its golden file, on the real clock,
//! times aside, showing what it prints; then the hot-path recipe as a reader
//! copies it, whose tests' output has a golden file too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use protocol::Clock;
use tempfile::TempDir;

use crate::golden;
use crate::lessons::{Bridge, Lesson, SECTION};
use crate::select::Filter;
use crate::twins::run_python;
use crate::workspace::{Httpbin, Workspace};
use crate::{Error, Outcome, Snapshots, Usage, flags};

const REQUIREMENTS: &str = ".ci/bridge-requirements.txt";
/// Making the venv and building the module, from nothing.
const SETUP: Duration = Duration::from_secs(1800);
/// The book's recipe, `crates/bridge/recipe`: a crate of its own.
const RECIPE: &str = "hot_path";

pub fn bridge(options: &flags::Bridge, snapshots: Snapshots) -> Result<Outcome, Error> {
    let workspace = Workspace::locate();
    let bridge = Bridge::read(&workspace)?;
    let filter = Filter::parse(options.filter.as_deref(), &[SECTION.to_owned()])?;
    let wanted = |name: &str| filter.selects(SECTION, name);
    let selected: Vec<&Lesson> = bridge
        .lessons
        .iter()
        .filter(|lesson| wanted(&lesson.name))
        .collect();
    if selected.is_empty() && !wanted(RECIPE) {
        return Err(no_match(&bridge, options.filter.as_deref()));
    }
    let target = workspace.metadata()?.target_directory.as_std_path();
    let venv = target.join("bridge-venv");
    make_venv(&workspace, &bridge, &venv, &options.python)?;
    install_module(&workspace, &bridge, &venv, target)?;
    let httpbin = if selected.iter().any(|lesson| lesson.http) {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let golden_root = workspace.golden_root();
    let mut tally = Tally::new(snapshots);
    for lesson in &selected {
        let url = httpbin.as_ref().map(Httpbin::url);
        let golden_path = golden::path(&golden_root, SECTION, &lesson.name, golden::STDOUT);
        let rerun = rerun(&bridge, lesson);
        let result = run_lesson(&bridge, lesson, &venv, url, options.timeout, &rerun)
            .and_then(|stdout| check(&golden_path, &stdout, snapshots, &rerun));
        tally.record(format!("{SECTION}/{}", lesson.name), result);
    }
    if wanted(RECIPE) {
        // A recipe that doesn't build is its failure, told with the lessons'.
        let golden_path = golden::path(&golden_root, SECTION, RECIPE, golden::STDOUT);
        let rerun = format!("cargo xtask bridge {RECIPE}");
        let result = install_recipe(&workspace, &bridge, &venv, target)
            .map_err(|error| format!("  {error}"))
            .and_then(|copy| recipe_tests(&venv, copy.path(), options.timeout * 5))
            .and_then(|stdout| check(&golden_path, &stdout, snapshots, &rerun));
        tally.record(format!("{SECTION}/{RECIPE}"), result);
    }
    tally
        .failures
        .extend(without_a_lesson(&golden_root, &bridge)?);
    Ok(tally.report())
}

/// The usage error of a filter that selects no lesson and not the recipe.
fn no_match(bridge: &Bridge, filter: Option<&str>) -> Error {
    let names = bridge.lessons.iter().map(|l| l.name.as_str());
    let names: Vec<&str> = names.chain([RECIPE]).collect();
    Usage(format!(
        "no lesson matches `{}`; they are {}",
        filter.unwrap_or_default(),
        names.join(", ")
    ))
    .into()
}

/// Builds the module and installs it into `venv`, with `maturin develop`.
fn install_module(
    workspace: &Workspace,
    bridge: &Bridge,
    venv: &Path,
    target: &Path,
) -> Result<(), Error> {
    // A target directory of its own: maturin sets `PYO3_PYTHON`,
    // `PYO3_ENVIRONMENT_SIGNATURE` and `PYO3_BUILD_EXTENSION_MODULE`, which
    // PyO3's build scripts watch, so in the workspace's each build of PyO3
    // here or in a `cargo clippy` or `cargo doc` with the bridge's `python`
    // feature made the other's stale (about 50 CPU-s of each CI run). Apart,
    // its dependencies are built once, about 140 CPU-s.
    let mut maturin = Command::new(venv.join("bin/maturin"));
    maturin
        .args(["develop", "--locked", "--manifest-path"])
        .arg(bridge.dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.join("bridge-module"))
        .current_dir(workspace.root())
        .env("VIRTUAL_ENV", venv);
    proc::cargo::leave_out_crate_variables(&mut maturin);
    step(maturin, "maturin develop")
}

/// What `lesson` printed, run by the venv's Python (given the httpbin's
/// `url` if it makes HTTP requests); or the report of its failure, which
/// ends with `rerun`.
fn run_lesson(
    bridge: &Bridge,
    lesson: &Lesson,
    venv: &Path,
    url: Option<&str>,
    timeout: Duration,
    rerun: &str,
) -> Result<String, String> {
    let mut command = Command::new(venv.join("bin/python"));
    command.arg("-P").arg(bridge.python(&lesson.name));
    if lesson.http
        && let Some(url) = url
    {
        command.arg(url);
    }
    run_python(command, timeout, rerun)
}

/// The command that runs `lesson` again: one that needs an httpbin, by
/// what starts one.
fn rerun(bridge: &Bridge, lesson: &Lesson) -> String {
    if lesson.http {
        return format!("cargo xtask bridge {}", lesson.name);
    }
    let program = bridge.python(&lesson.name);
    format!(
        "target/bridge-venv/bin/python -P {}",
        bridge.relative(&program)
    )
}

/// The bridge's golden files that no lesson, nor the recipe, has: each a
/// failure.
fn without_a_lesson(golden_root: &Path, bridge: &Bridge) -> Result<Vec<String>, Error> {
    let mut failures = Vec::new();
    for golden in golden::all(golden_root, golden::STDOUT)? {
        let name = golden.example;
        let known = name == RECIPE || bridge.lessons.iter().any(|lesson| lesson.name == name);
        if golden.section == SECTION && !known {
            failures.push(format!(
                "FAIL {}: a golden file without a lesson; delete it",
                golden::name(&golden::path(golden_root, SECTION, &name, golden::STDOUT))
            ));
        }
    }
    Ok(failures)
}

/// The lessons and the recipe that passed, and why the others failed.
struct Tally {
    snapshots: Snapshots,
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(snapshots: Snapshots) -> Tally {
        Tally {
            snapshots,
            passed: 0,
            failures: Vec::new(),
        }
    }

    /// Counts the `result` of `id`, and says it at once.
    fn record(&mut self, id: String, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                let verdict = match self.snapshots {
                    Snapshots::Compare => "PASS",
                    Snapshots::Overwrite => "BLESSED",
                };
                println!("{verdict} {id}\n");
            }
            Err(details) => {
                println!("FAIL {id}\n");
                self.failures.push(format!("FAIL {id}\n{details}"));
            }
        }
    }

    /// Prints each failure, then the counts.
    fn report(self) -> Outcome {
        for failure in &self.failures {
            println!("{}\n", failure.trim_end());
        }
        println!("{} passed, {} failed", self.passed, self.failures.len());
        Outcome::of_failures(self.failures.len())
    }
}

/// Shows what a program printed, then compares it with its golden file or,
/// as `snapshots` asks, writes it there.
fn check(
    golden_path: &Path,
    stdout: &str,
    snapshots: Snapshots,
    rerun: &str,
) -> Result<(), String> {
    // What the learner who runs a lesson came to see.
    print!("{stdout}");
    let name = golden::name(golden_path);
    if snapshots == Snapshots::Overwrite {
        return crate::files::write(golden_path, stdout)
            .map_err(|error| format!("  cannot write {name}: {error}"));
    }
    let expected = golden::read(golden_path).map_err(|why| format!("  {why}"))?;
    match golden::diff(&name, &expected, stdout, Clock::Real) {
        None => Ok(()),
        Some(diff) => Err(format!(
            "  it differs (times aside)\n{diff}  re-run: {rerun}"
        )),
    }
}

/// The recipe as a reader copies it: its directory, a project of its own
/// with its own lock, copied outside the repository (removed when the copy
/// is dropped) and built as the release wheel it ships, which is installed.
fn install_recipe(
    workspace: &Workspace,
    bridge: &Bridge,
    venv: &Path,
    target: &Path,
) -> Result<TempDir, Error> {
    let copy = tempfile::Builder::new()
        .prefix("hot-path-")
        .tempdir()
        .map_err(|error| {
            let temp = std::env::temp_dir();
            format!("cannot make a directory in {}: {error}", temp.display())
        })?;
    crate::files::copy_tree(&bridge.dir().join("recipe"), copy.path())?;
    let dist = copy.path().join("dist");
    step(
        recipe_build(workspace, venv, target, copy.path(), &dist)?,
        "maturin build",
    )?;
    let wheel = shipped_wheel(venv, &dist)?;
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", "--no-deps", "--force-reinstall"])
        .arg(&wheel);
    step(pip, "pip install")?;
    Ok(copy)
}

/// What the installed recipe's tests print, run in its copy: what the page
/// says of its awaitable, and its service run 30 times and interrupted. Or
/// the report of the first that fails.
fn recipe_tests(venv: &Path, copy: &Path, timeout: Duration) -> Result<String, String> {
    let rerun = format!("cargo xtask bridge {RECIPE}");
    let mut printed = String::new();
    for file in ["test_asyncio.py", "test_exit.py"] {
        let mut test = Command::new(venv.join("bin/python"));
        test.args(["-P", file]).current_dir(copy);
        printed.push_str(&run_python(test, timeout, &rerun)?);
    }
    Ok(printed)
}

/// `maturin build` of the recipe's copy in `dir`, into `dist`, with the
/// maturin of `venv`: the release wheel it ships.
fn recipe_build(
    workspace: &Workspace,
    venv: &Path,
    target: &Path,
    dir: &Path,
    dist: &Path,
) -> Result<Command, Error> {
    let mut maturin = Command::new(venv.join("bin/maturin"));
    maturin
        .args(["build", "--locked", "--target-dir"])
        .arg(target.join("bridge-recipe"))
        .arg("--out")
        .arg(dist)
        .current_dir(dir)
        .env("VIRTUAL_ENV", venv)
        // Outside the repository rustup finds no rust-toolchain.toml and
        // would take its default toolchain; the recipe is built with the
        // one the workspace pins.
        .env("RUSTUP_TOOLCHAIN", workspace.toolchain()?)
        // No workspace lints reach it: a warning is still a failure here.
        .env("RUSTFLAGS", "-D warnings");
    proc::cargo::leave_out_crate_variables(&mut maturin);
    Ok(maturin)
}

/// The one wheel in `dist`, if it is what the page says the recipe ships:
/// one wheel for every CPython from 3.11 (`cp311-abi3`), with the stubs and
/// the `py.typed` marker that tells type checkers to read them.
fn shipped_wheel(venv: &Path, dist: &Path) -> Result<PathBuf, Error> {
    let cannot_list = |error: std::io::Error| format!("cannot list {}: {error}", dist.display());
    let mut wheels = Vec::new();
    for entry in std::fs::read_dir(dist).map_err(cannot_list)? {
        wheels.push(entry.map_err(cannot_list)?.path());
    }
    let [wheel] = wheels.as_slice() else {
        return Err(format!(
            "maturin build left {} files in dist/, not one wheel",
            wheels.len()
        )
        .into());
    };
    let name = wheel.file_name().unwrap_or_default().to_string_lossy();
    if !name.contains("-cp311-abi3-") {
        return Err(format!(
            "the recipe's wheel is {name}, not one for every CPython from 3.11 (cp311-abi3)"
        )
        .into());
    }
    let python = venv.join("bin/python");
    let mut command = Command::new(&python);
    command.args(["-m", "zipfile", "-l"]).arg(wheel);
    let listing = proc::run(command, Duration::from_secs(60))
        .map_err(|error| format!("cannot run {}: {error}", python.display()))?;
    if !listing.success() {
        let (exit, why) = (&listing.exit, listing.stderr.trim());
        return Err(format!("cannot list the files of {name} ({exit}): {why}").into());
    }
    for file in ["hot_path/__init__.pyi", "hot_path/py.typed"] {
        if !listing
            .stdout
            .lines()
            .any(|line| line.split_whitespace().next() == Some(file))
        {
            return Err(format!("the recipe's wheel {name} has no {file}").into());
        }
    }
    Ok(wheel.clone())
}

/// `target/bridge-venv` with maturin, made again when the pins or the
/// Python it was made with change, or a program in it is missing. A Python
/// older than the module's `requires-python` is refused before anything is
/// made or built. It holds the pins and nothing else (`--no-deps`), so that
/// they say what it holds; `pip check` fails it if one is missing.
fn make_venv(
    workspace: &Workspace,
    bridge: &Bridge,
    venv: &Path,
    python: &Path,
) -> Result<(), Error> {
    let requirements = workspace.root().join(REQUIREMENTS);
    let pins = std::fs::read_to_string(&requirements)
        .map_err(|error| format!("{REQUIREMENTS}: {error}"))?;
    let needed = requires_python(&bridge.dir().join("pyproject.toml"))?;
    let found = PythonVersion::of(python)?;
    if found < needed {
        return Err(format!(
            "{} is Python {found}; the bridge needs Python {}.{} or later \
             (`requires-python` in crates/bridge/pyproject.toml): pass another with --python",
            python.display(),
            needed.major,
            needed.minor
        )
        .into());
    }
    let made_with = format!("{pins}# made with {} (Python {found})\n", python.display());
    let complete = venv.join("complete");
    let programs = ["bin/python", "bin/pip", "bin/maturin"];
    if std::fs::read_to_string(&complete).is_ok_and(|text| text == made_with)
        && programs.iter().all(|program| venv.join(program).is_file())
    {
        return Ok(());
    }
    if venv.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(venv)
            .map_err(|error| format!("cannot remove {}: {error}", venv.display()))?;
    }
    let mut make = Command::new(python);
    make.args(["-m", "venv"]).arg(venv);
    step(make, "python -m venv")?;
    let mut install = Command::new(venv.join("bin/pip"));
    install
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(["--no-deps", "-r"])
        .arg(&requirements);
    step(install, "pip install")?;
    let mut check = Command::new(venv.join("bin/pip"));
    check.args(["check", "--disable-pip-version-check"]);
    step(check, "pip check")?;
    crate::files::write(&complete, &made_with)
        .map_err(|error| format!("cannot write {}: {error}", complete.display()).into())
}

/// A Python's version, as `sys.version_info` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PythonVersion {
    major: u32,
    minor: u32,
    micro: u32,
}

impl PythonVersion {
    /// The version of the Python `python` runs.
    fn of(python: &Path) -> Result<Self, Error> {
        let mut command = Command::new(python);
        command.args(["-c", "import sys; print(*sys.version_info[:3], sep='.')"]);
        let finished = proc::run(command, Duration::from_secs(60))
            .map_err(|error| format!("cannot run {}: {error}", python.display()))?;
        let printed = finished.stdout.trim();
        if !finished.success() {
            let why = finished.stderr.trim();
            return Err(format!("{} failed ({}): {why}", python.display(), finished.exit).into());
        }
        Self::parse(printed).ok_or_else(|| {
            format!("{} printed {printed:?}, not its version", python.display()).into()
        })
    }

    /// `3.11` or `3.11.7`.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.').map(str::parse::<u32>);
        let (major, minor) = (parts.next()?.ok()?, parts.next()?.ok()?);
        let micro = match parts.next() {
            None => 0,
            Some(micro) => micro.ok()?,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            major,
            minor,
            micro,
        })
    }
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// The oldest Python a `pyproject.toml` allows: its `requires-python`,
/// which must read `>=X.Y`.
fn requires_python(pyproject: &Path) -> Result<PythonVersion, Error> {
    let file = pyproject.display();
    let text = std::fs::read_to_string(pyproject).map_err(|error| format!("{file}: {error}"))?;
    let table: toml::Table = toml::from_str(&text).map_err(|error| format!("{file}: {error}"))?;
    let requires = table
        .get("project")
        .and_then(|project| project.get("requires-python"))
        .and_then(toml::Value::as_str)
        .unwrap_or_default();
    let Some(version) = requires.strip_prefix(">=").and_then(PythonVersion::parse) else {
        return Err(
            format!("{file}: `requires-python` must read \">=X.Y\", not {requires:?}").into(),
        );
    };
    Ok(version)
}

fn step(command: Command, what: &str) -> Result<(), Error> {
    let program = Path::new(command.get_program()).display().to_string();
    let mut group =
        proc::spawn(command).map_err(|error| format!("cannot run {what} ({program}): {error}"))?;
    match group.wait_timeout(SETUP)? {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!("{what} failed ({status})").into()),
        None => {
            group.kill()?;
            Err(format!("{what} took more than {}s and was killed", SETUP.as_secs()).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    /// A `python` that only says it is `version`, and makes nothing.
    fn fake_python(dir: &Path, version: &str) -> PathBuf {
        let path = dir.join(format!("python{version}"));
        std::fs::write(
            &path,
            format!("#!/bin/sh\n[ \"$1\" = -c ] && echo {version}\nexit 0\n"),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn bridge() -> (Workspace, Bridge) {
        let workspace = Workspace::locate();
        let bridge = Bridge::read(&workspace).unwrap();
        (workspace, bridge)
    }

    #[test]
    fn a_python_older_than_requires_python_is_refused_before_anything_is_made() {
        let (workspace, bridge) = bridge();
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("bridge-venv");
        let python = fake_python(dir.path(), "3.10.13");
        let error = make_venv(&workspace, &bridge, &venv, &python).unwrap_err();
        let expected = format!(
            "{} is Python 3.10.13; the bridge needs Python 3.11 or later",
            python.display()
        );
        assert!(error.to_string().starts_with(&expected), "{error}");
        assert!(!venv.exists());
    }

    /// A venv made with one Python, and a run with another: the venv is
    /// made anew, here with a Python that makes nothing, so that its `pip`
    /// is missing, and the error names it.
    #[test]
    fn a_venv_is_reused_only_by_the_python_it_was_made_with() {
        let (workspace, bridge) = bridge();
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("bridge-venv");
        let pins = std::fs::read_to_string(workspace.root().join(REQUIREMENTS)).unwrap();
        let made_with = fake_python(dir.path(), "3.11.7");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        for program in ["python", "pip", "maturin"] {
            std::fs::write(venv.join("bin").join(program), "").unwrap();
        }
        let marker = format!(
            "{pins}# made with {} (Python 3.11.7)\n",
            made_with.display()
        );
        std::fs::write(venv.join("complete"), marker).unwrap();

        make_venv(&workspace, &bridge, &venv, &made_with).unwrap();
        assert!(venv.join("complete").exists(), "reused");

        let other = fake_python(dir.path(), "3.12.1");
        let error = make_venv(&workspace, &bridge, &venv, &other).unwrap_err();
        let pip = venv.join("bin/pip");
        assert!(
            error.to_string().contains(&format!("({})", pip.display())),
            "{error}"
        );
        assert!(!venv.join("complete").exists(), "not reused");
    }

    #[test]
    fn requires_python_reads_only_a_lower_bound() {
        let dir = tempfile::tempdir().unwrap();
        let pyproject = dir.path().join("pyproject.toml");
        std::fs::write(&pyproject, "[project]\nrequires-python = \">=3.11\"\n").unwrap();
        let version = requires_python(&pyproject).unwrap();
        assert_eq!(version, PythonVersion::parse("3.11.0").unwrap());
        std::fs::write(&pyproject, "[project]\nrequires-python = \"~=3.11\"\n").unwrap();
        let error = requires_python(&pyproject).unwrap_err().to_string();
        assert!(
            error.contains("must read \">=X.Y\", not \"~=3.11\""),
            "{error}"
        );
        assert!(PythonVersion::parse("3.11.7.1").is_none());
        assert!(PythonVersion::parse("3.x").is_none());
    }

    #[test]
    fn the_recipe_is_built_with_the_toolchain_the_workspace_pins() {
        let workspace = Workspace::locate();
        let target = Path::new("target");
        let build = recipe_build(&workspace, target, target, target, target).unwrap();
        let pinned = workspace.toolchain().unwrap();
        let toolchain = build
            .get_envs()
            .find(|(name, _)| *name == "RUSTUP_TOOLCHAIN")
            .and_then(|(_, value)| value);
        assert_eq!(toolchain, Some(std::ffi::OsStr::new(&pinned)));
        assert!(!pinned.is_empty());
    }
}
