//! The asyncio twins: for every example, `crates/<section>/python/<example>.py`
//! is a short asyncio program, written for this project, that does what the
//! Rust does. `cargo xtask twins` runs each one with Python and compares what
//! it prints with the example's golden file, which turns "prints what the
//! Python prints" from a promise into a test.
//!
//! The comparison applies one normalisation to both sides, and nothing
//! looser: single quotes become double quotes (`'a'` is Python's `repr` of
//! what Rust's `Debug` prints as `"a"`), round brackets become square ones
//! (a tuple and a list print alike), and `True`/`False` become
//! `true`/`false`. A twin that cannot print the same lines by design says
//! why in a line of its own, [`DIFFERS`] followed by the reason; it then only
//! has to run cleanly and print something.
//!
//! Twins run on the real clock, in parallel, since asyncio has no paused
//! clock. An HTTP example's twin gets the base URL of the workspace's
//! httpbin, started once, as its first argument.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use proc::{Exit, Finished};
use protocol::{Kind, Listed};

use crate::Error;
use crate::golden::{self, Golden, OnTheRealClock};
use crate::parallel::parallel;
use crate::select::Selection;
use crate::twin_file::{DIFFERS, declared_difference, dir, path};
use crate::workspace::Workspace;

/// The one normalisation applied to a twin's output and to the golden file
/// before they are compared; see the module's documentation.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.as_str() {
            "True" => out.push_str("true"),
            "False" => out.push_str("false"),
            other => out.push_str(other),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        out.push(match c {
            '\'' => '"',
            '(' => '[',
            ')' => ']',
            other => other,
        });
    }
    flush(&mut word, &mut out);
    out
}

pub use crate::cli::TwinsOptions as Options;

/// How one twin fared.
#[derive(Debug)]
pub enum Outcome {
    Pass,
    /// Passed as a twin that declares it differs, for this reason.
    Differs(String),
    Missing,
    Failed(String),
    /// Passed, with these times printed late, as the real clock allows
    /// ([`golden::compare_on_the_real_clock`]).
    Late(Vec<golden::LateTime>),
    /// Differed only in times printed later than the real clock allows
    /// ([`golden::only_later`]): held up, or too slow every time. It runs
    /// again alone, after the others, and that run decides.
    TooLate(String),
    /// Passed when run again alone, after a run beside the others had
    /// printed these times too late.
    PassedAlone(String),
}

/// `cargo xtask twins`: runs every selected twin and compares it with its
/// example's golden file. `Ok(false)` means something failed.
pub fn check_twins(options: &Options) -> Result<bool, Error> {
    check_python(&options.python)?;
    let workspace = Workspace::locate();
    let root = workspace.root().to_path_buf();
    let selection = Selection::build(&workspace, options.filter.as_deref())?;
    let orphans = selection.file_orphans(|section| dir(&root, section), "py")?;
    if selection.cases.is_empty() && orphans.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let cases: Vec<(String, Listed)> = selection
        .cases
        .into_iter()
        .map(|case| (case.section.name, case.example))
        .collect();
    let server = if cases
        .iter()
        .any(|(_, example)| example.kind == Kind::BaseUrl)
    {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let url = server.as_ref().map(|server| server.url().to_owned());
    let golden_root = workspace.golden_root();
    eprintln!(
        "running {} twins with {}, {} at a time",
        cases.len(),
        options.python,
        options.jobs
    );
    let id = |section: &str, example: &Listed| format!("{section}/{}", example.name);
    let mut results = parallel(
        cases,
        options.jobs,
        |(section, example)| {
            let outcome = run_twin(
                &root,
                &golden_root,
                &section,
                &example,
                url.as_deref(),
                options,
            );
            (section, example, outcome)
        },
        |(section, example, outcome)| {
            let id = id(section, example);
            match outcome {
                Outcome::Pass => println!("PASS {id}"),
                Outcome::Late(late) => println!("PASS {id}: {}", golden::describe_late(late)),
                Outcome::Differs(reason) => println!("PASS {id} (differs by design: {reason})"),
                Outcome::Missing => println!("FAIL {id}: no twin"),
                Outcome::Failed(_) => println!("FAIL {id}"),
                Outcome::TooLate(_) => {
                    println!("LATE {id}: its times came too late; it runs again alone")
                }
                Outcome::PassedAlone(_) => {}
            }
        },
    );
    crate::parallel::again_alone(
        &mut results,
        |(_, _, outcome)| matches!(outcome, Outcome::TooLate(_)),
        |(section, example, first)| {
            let Outcome::TooLate(first) = first else {
                unreachable!("only a late twin runs again")
            };
            let again = run_twin(
                &root,
                &golden_root,
                section,
                example,
                url.as_deref(),
                options,
            );
            let outcome = match again {
                Outcome::Pass | Outcome::Late(_) => {
                    println!(
                        "PASS {}: in time when run again alone",
                        id(section, example)
                    );
                    Outcome::PassedAlone(first.clone())
                }
                Outcome::TooLate(second) => Outcome::Failed(format!(
                    "{}\n  run again alone, it was too late again:\n{}",
                    first.trim_end(),
                    second.trim_end()
                )),
                other => other,
            };
            (section.clone(), example.clone(), outcome)
        },
    );
    let mut failed = 0;
    for (section, example, outcome) in &results {
        let id = id(section, example);
        match outcome {
            Outcome::Failed(details) => {
                failed += 1;
                println!("\nFAIL {id}\n{}", details.trim_end());
            }
            Outcome::Missing => {
                failed += 1;
                println!(
                    "\nFAIL {id}: no twin; write {}",
                    relative(&root, &path(&root, section, &example.name))
                );
            }
            Outcome::Pass | Outcome::Late(_) | Outcome::Differs(_) => {}
            Outcome::PassedAlone(first) => {
                println!(
                    "\nnote: {id} printed times too late beside the others, and in time alone:\n{}",
                    first.trim_end()
                );
            }
            Outcome::TooLate(_) => unreachable!("every late twin ran again"),
        }
    }
    for orphan in &orphans {
        failed += 1;
        println!(
            "\nFAIL {}: a twin without an example; delete it, or restore the example",
            relative(&root, orphan)
        );
    }
    let passed = results
        .iter()
        .filter(|(_, _, outcome)| {
            !matches!(
                outcome,
                Outcome::Failed(_) | Outcome::Missing | Outcome::TooLate(_)
            )
        })
        .count();
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

/// Runs `python --version` once, up front, so that a Python that can't run
/// is one clear error rather than a failure per twin.
fn check_python(python: &str) -> Result<(), Error> {
    let mut command = Command::new(python);
    command.arg("--version");
    let finished = proc::run(command, Duration::from_secs(30))
        .map_err(|error| crate::Usage(format!("cannot run Python `{python}`: {error}")))?;
    if finished.success() {
        return Ok(());
    }
    let stderr = finished.stderr.trim();
    let why = if stderr.is_empty() { "" } else { ": " };
    Err(crate::Usage(format!(
        "`{python} --version` failed ({}){why}{stderr}",
        finished.exit
    ))
    .into())
}

fn run_twin(
    root: &Path,
    golden_root: &Path,
    section: &str,
    example: &Listed,
    url: Option<&str>,
    options: &Options,
) -> Outcome {
    let twin = path(root, section, &example.name);
    let Ok(source) = std::fs::read_to_string(&twin) else {
        return Outcome::Missing;
    };
    let mut command = Command::new(&options.python);
    // `-P`: the twin's own directory is not put on `sys.path`, so a twin
    // named like a standard module (`subprocess.py`) can't shadow it.
    command.arg("-P").arg(&twin).current_dir(root);
    if example.kind == Kind::BaseUrl
        && let Some(url) = url
    {
        command.arg(url);
    }
    let rerun = format!(
        "  re-run: {} -P {}{}",
        options.python,
        relative(root, &twin),
        if example.kind == Kind::BaseUrl {
            " <httpbin URL>"
        } else {
            ""
        }
    );
    let finished = match proc::run(command, options.timeout) {
        Ok(finished) => finished,
        Err(error) => return Outcome::Failed(format!("  cannot run {}: {error}", options.python)),
    };
    if let Some(problem) = problem(&finished) {
        return Outcome::Failed(format!("  {problem}\n{}{rerun}", excerpt(&finished.stderr)));
    }
    if let Some(reason) = declared_difference(&source) {
        return if finished.stdout.trim().is_empty() {
            Outcome::Failed(format!("  printed nothing\n{rerun}"))
        } else {
            Outcome::Differs(reason.to_owned())
        };
    }
    let golden_path = golden::path(golden_root, section, &example.name);
    let golden_name = golden::display_name(&golden_path, golden_root);
    match golden::read(&golden_path) {
        Golden::Text(expected) => {
            let (expected, actual) = (normalize(&expected), normalize(&finished.stdout));
            match golden::compare_on_the_real_clock(&expected, &actual) {
                OnTheRealClock::Same => Outcome::Pass,
                OnTheRealClock::Late(late) => Outcome::Late(late),
                OnTheRealClock::Differs => {
                    let diff = golden::diff(&golden_name, &expected, &actual);
                    let details = format!(
                        "  its output differs from {golden_name} (both normalised; {})\n{diff}{rerun}\n  or say why it can't match: a line `{DIFFERS}<reason>`",
                        golden::LATE_BY_AT_MOST
                    );
                    if golden::only_later(&expected, &actual) {
                        Outcome::TooLate(details)
                    } else {
                        Outcome::Failed(details)
                    }
                }
            }
        }
        Golden::Missing => Outcome::Failed(format!("  no golden file {golden_name}")),
        Golden::Unreadable(why) => Outcome::Failed(format!("  cannot read {golden_name}: {why}")),
    }
}

/// How a run went wrong, if it did; also the bridge's lessons'.
pub(crate) fn problem(finished: &Finished) -> Option<String> {
    match finished.exit {
        Exit::Code(0) => None,
        Exit::Code(code) => Some(format!("exited with code {code}")),
        Exit::Signal(signal) => Some(format!("killed by signal {signal}")),
        Exit::TimedOut => Some("timed out and was killed".to_owned()),
    }
}

/// The last lines of stderr, indented, each ending a line.
pub(crate) fn excerpt(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.len().saturating_sub(15);
    lines[start..]
        .iter()
        .map(|line| format!("    {line}\n"))
        .collect()
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normalisation_is_quotes_brackets_and_booleans_only() {
        assert_eq!(
            normalize("['a', ('b', True)] False\n"),
            normalize("[\"a\", [\"b\", true]] false\n")
        );
        assert_eq!(normalize("Truest Falsehood"), "Truest Falsehood");
        assert_eq!(normalize("done: 2.0s"), "done: 2.0s");
        // Nothing looser: other differences stay.
        assert_ne!(normalize("{'a': 1}"), normalize("{a: 1}"));
        assert_ne!(normalize("None"), normalize("null"));
    }
}
