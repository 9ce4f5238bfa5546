//! `cargo xtask bridge`: builds the bridge's Python extension module with
//! maturin and runs each lesson against its golden file, on the real clock,
//! times aside, showing what it prints; then the hot-path recipe as a reader
//! copies it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use protocol::Clock;

use crate::golden;
use crate::lessons::{Bridge, SECTION};
use crate::select::Filter;
use crate::twins::run_python;
use crate::workspace::Workspace;
use crate::{Error, Snapshots, Usage, flags};

const REQUIREMENTS: &str = ".ci/bridge-requirements.txt";
/// Making the venv and building the module, from nothing.
const SETUP: Duration = Duration::from_secs(1800);
/// The book's recipe, `crates/bridge/recipe`: a crate of its own.
const RECIPE: &str = "hot_path";

pub fn bridge(options: &flags::Bridge, snapshots: Snapshots) -> Result<bool, Error> {
    let overwrite = snapshots == Snapshots::Overwrite;
    let workspace = Workspace::locate();
    let bridge = Bridge::read(&workspace)?;
    let filter = Filter::parse(options.filter.as_deref(), &[SECTION.to_owned()])?;
    let wanted = |name: &str| filter.selects(SECTION, name);
    let selected: Vec<_> = bridge
        .lessons
        .iter()
        .filter(|lesson| wanted(&lesson.name))
        .collect();
    if selected.is_empty() && !wanted(RECIPE) {
        let names = bridge.lessons.iter().map(|l| l.name.as_str());
        let names: Vec<&str> = names.chain([RECIPE]).collect();
        return Err(Usage(format!(
            "no lesson matches `{}`; they are {}",
            options.filter.as_deref().unwrap_or_default(),
            names.join(", ")
        ))
        .into());
    }
    let target = workspace.metadata()?.target_directory.as_std_path();
    let venv = target.join("bridge-venv");
    make_venv(&workspace, &venv, &options.python)?;
    // maturin builds the crate alone, so cargo resolves its features apart
    // from the workspace's: a target directory of its own keeps the two
    // builds from replacing each other's artifacts.
    let mut maturin = Command::new(venv.join("bin/maturin"));
    maturin
        .args(["develop", "--locked", "--manifest-path"])
        .arg(bridge.dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.join("bridge"))
        .current_dir(workspace.root())
        .env("VIRTUAL_ENV", &venv);
    proc::cargo::leave_out_crate_variables(&mut maturin);
    step(maturin, "maturin develop")?;
    let http = selected.iter().any(|lesson| lesson.http);
    let httpbin = if http {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let golden_root = workspace.golden_root();
    let (mut passed, mut failures) = (0, Vec::new());
    let mut tally = |id: String, result: Result<(), String>| match result {
        Ok(()) => {
            passed += 1;
            println!("{} {id}\n", if overwrite { "BLESSED" } else { "PASS" });
        }
        Err(details) => {
            println!("FAIL {id}\n");
            failures.push(format!("FAIL {id}\n{details}"));
        }
    };
    for lesson in &selected {
        let id = format!("{SECTION}/{}", lesson.name);
        let program = bridge.python(&lesson.name);
        let mut command = Command::new(venv.join("bin/python"));
        command.arg("-P").arg(&program);
        if lesson.http
            && let Some(httpbin) = &httpbin
        {
            command.arg(httpbin.url());
        }
        // A lesson that needs an httpbin is re-run by what starts one.
        let rerun = if lesson.http {
            format!("cargo xtask bridge {}", lesson.name)
        } else {
            format!(
                "target/bridge-venv/bin/python -P {}",
                bridge.relative(&program)
            )
        };
        let golden_path = golden::path(&golden_root, SECTION, &lesson.name, golden::STDOUT);
        let result = run_python(command, options.timeout, &rerun).and_then(|stdout| {
            // What the learner who runs a lesson came to see.
            print!("{stdout}");
            if overwrite {
                return crate::files::write(&golden_path, &stdout).map_err(|error| {
                    format!("  cannot write {}: {error}", golden::name(&golden_path))
                });
            }
            let expected = golden::read(&golden_path).map_err(|why| format!("  {why}"))?;
            match golden::diff(&golden::name(&golden_path), &expected, &stdout, Clock::Real) {
                None => Ok(()),
                Some(diff) => Err(format!(
                    "  it differs (times aside)\n{diff}  re-run: {rerun}"
                )),
            }
        });
        tally(id, result);
    }
    if wanted(RECIPE) && !overwrite {
        // A recipe that doesn't build is its failure, told with the lessons'.
        let result = recipe(&bridge, target, options.timeout * 5)
            .unwrap_or_else(|error| Err(format!("  {error}")));
        tally(format!("{SECTION}/{RECIPE}"), result);
    }
    for (section, name) in golden::all(&golden_root, golden::STDOUT)? {
        if section == SECTION && !bridge.lessons.iter().any(|lesson| lesson.name == name) {
            failures.push(format!(
                "FAIL {}: a golden file without a lesson; delete it",
                golden::name(&golden::path(&golden_root, SECTION, &name, golden::STDOUT))
            ));
        }
    }
    for failure in &failures {
        println!("{}\n", failure.trim_end());
    }
    println!("{passed} passed, {} failed", failures.len());
    Ok(failures.is_empty())
}

/// The recipe as a reader copies it: its directory, a project of its own
/// with its own lock, outside the repository, built as the release wheel it
/// ships, which is installed; then its tests: what the page says of its
/// awaitable, and its service run 30 times.
fn recipe(bridge: &Bridge, target: &Path, timeout: Duration) -> Result<Result<(), String>, Error> {
    let venv = target.join("bridge-venv");
    let copy = tempfile::Builder::new().prefix("hot-path-").tempdir()?;
    let mut cp = Command::new("cp");
    cp.arg("-r")
        .arg(bridge.dir().join("recipe/."))
        .arg(copy.path());
    step(cp, "cp")?;
    let dist = copy.path().join("dist");
    let mut maturin = Command::new(venv.join("bin/maturin"));
    maturin
        .args(["build", "--locked", "--target-dir"])
        .arg(target.join("bridge-recipe"))
        .arg("--out")
        .arg(&dist)
        .current_dir(copy.path())
        .env("VIRTUAL_ENV", &venv)
        // No workspace lints reach it: a warning is still a failure here.
        .env("RUSTFLAGS", "-D warnings");
    proc::cargo::leave_out_crate_variables(&mut maturin);
    step(maturin, "maturin build")?;
    let wheel = shipped_wheel(&venv, &dist)?;
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", "--no-deps", "--force-reinstall"])
        .arg(&wheel);
    step(pip, "pip install")?;
    let rerun = format!("cargo xtask bridge {RECIPE}");
    for file in ["test_asyncio.py", "test_exit.py"] {
        let mut test = Command::new(venv.join("bin/python"));
        test.args(["-P", file]).current_dir(copy.path());
        match run_python(test, timeout, &rerun) {
            Ok(stdout) => print!("{stdout}"),
            failed => return Ok(failed.map(drop)),
        }
    }
    Ok(Ok(()))
}

/// The one wheel in `dist`, if it is what the page says the recipe ships:
/// one wheel for every CPython from 3.11 (`cp311-abi3`), with the stubs and
/// the `py.typed` marker that tells type checkers to read them.
fn shipped_wheel(venv: &Path, dist: &Path) -> Result<PathBuf, Error> {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dist)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
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
    let listing = Command::new(venv.join("bin/python"))
        .args(["-m", "zipfile", "-l"])
        .arg(wheel)
        .output()?;
    if !listing.status.success() {
        let why = String::from_utf8_lossy(&listing.stderr);
        return Err(format!("cannot list the files of {name}: {why}").into());
    }
    let listing = String::from_utf8_lossy(&listing.stdout);
    for file in ["hot_path/__init__.pyi", "hot_path/py.typed"] {
        if !listing
            .lines()
            .any(|line| line.split_whitespace().next() == Some(file))
        {
            return Err(format!("the recipe's wheel {name} has no {file}").into());
        }
    }
    Ok(wheel.clone())
}

/// `target/bridge-venv` with maturin, made again when the pins change.
fn make_venv(workspace: &Workspace, venv: &Path, python: &Path) -> Result<(), Error> {
    let requirements = workspace.root().join(REQUIREMENTS);
    let pins = std::fs::read_to_string(&requirements)
        .map_err(|error| format!("{REQUIREMENTS}: {error}"))?;
    let complete = venv.join("complete");
    if std::fs::read_to_string(&complete).is_ok_and(|made_with| made_with == pins) {
        return Ok(());
    }
    if venv.exists() {
        std::fs::remove_dir_all(venv)?;
    }
    let mut make = Command::new(python);
    make.args(["-m", "venv"]).arg(venv);
    step(make, "python -m venv")?;
    let mut install = Command::new(venv.join("bin/pip"));
    install
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements);
    step(install, "pip install")?;
    Ok(crate::files::write(&complete, &pins)?)
}

fn step(command: Command, what: &str) -> Result<(), Error> {
    let mut group = proc::spawn(command).map_err(|error| format!("cannot run {what}: {error}"))?;
    match group.wait_timeout(SETUP)? {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!("{what} failed ({status})").into()),
        None => {
            group.kill()?;
            Err(format!("{what} took more than {}s and was killed", SETUP.as_secs()).into())
        }
    }
}
