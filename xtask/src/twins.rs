//! `cargo xtask twins`: each example's asyncio twin, `crates/<section>/python/<example>.py`,
//! prints what its golden file holds, which turns "prints what the Python prints" into a test.
//!
//! Both sides get one normalisation: `'` becomes `"`, `(` `)` become `[` `]`,
//! `True`/`False` become `true`/`false` (Python's reprs of what Rust's
//! `Debug` prints). A twin that can't match says why on a line
//! [`DIFFERS`]`<reason>`, and then only has to run cleanly and print.
//! Running cleanly includes a stderr without an uncaught exception, which
//! asyncio logs and runs on (in a connection's handler, say).
//!
//! A twin runs on a fast-forwarded event loop (looptime), where its times
//! are as exact as the example's on the virtual clock, and are compared. The
//! twins of HTTP examples, and those that declare [`REAL_CLOCK`], wait for
//! another process, so they run on the real clock, compared times aside.
//! On the fast-forwarded loop, a twin with a golden
//! `<example>.twin.timeline` records its tasks (when each was created, by
//! which line, each step, how it ended), which must match that file as
//! exactly, and `SNAPSHOTS=overwrite` writes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::time::Duration;

use proc::{Exit, Finished};
use protocol::{Clock, Kind};
use regex::{Captures, Regex};

use crate::flags;
use crate::golden;
use crate::parallel::parallel;
use crate::select::{Case, Selection};
use crate::twin_file::{DIFFERS, REAL_CLOCK, declared_difference, dir, on_the_real_clock, path};
use crate::workspace::Workspace;
use crate::{Error, Outcome, Snapshots, Usage};

/// Runs a program as `python FAST_FORWARD program args...` (from the
/// workspace's root), on an event loop whose clock jumps to the next timer
/// whenever nothing is ready; with [`RECORD`] set, it writes the program's
/// tasks there as a timeline.
const FAST_FORWARD: &str = "xtask/src/fast_forward.py";
const RECORD: &str = "TWIN_TIMELINE_FILE";
/// The twins' golden files are what Python 3.11 prints, and its tasks:
/// another version fails here, not with a diff per twin (since 3.12, for
/// one, `wait_for` makes no task of its own).
const PYTHON_CHECK: &str = "import sys, looptime\n\
    if sys.version_info[:2] != (3, 11):\n    \
    sys.exit(f'it is Python {sys.version.split()[0]}; the golden files are what 3.11 prints')";

/// The one normalisation; see the module's documentation.
pub fn normalize(text: &str) -> String {
    static BOOLEAN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(True|False)\b").expect("the pattern is valid"));
    let text = text.replace('\'', "\"").replace('(', "[").replace(')', "]");
    let lower = |word: &Captures| word[1].to_lowercase();
    BOOLEAN.replace_all(&text, lower).into_owned()
}

pub fn check_twins(options: &flags::Twins, snapshots: Snapshots) -> Result<Outcome, Error> {
    // Once, before anything is built: not one failure per twin.
    check_python(&options.python)?;
    let workspace = Workspace::locate();
    let root = workspace.root().to_path_buf();
    let selection = Selection::build(&workspace, options.timed.selected.filter.as_deref())?;
    let orphans = selection.file_orphans(|section| dir(&root, section), "py")?;
    if selection.cases.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let http = selection
        .cases
        .iter()
        .any(|case| case.example.kind == Kind::BaseUrl);
    // Serves the HTTP examples' twins until they are done.
    let httpbin = if http {
        Some(workspace.start_httpbin()?)
    } else {
        None
    };
    let url = httpbin.as_ref().map(|server| server.url().to_owned());
    let results = parallel(
        selection.cases,
        options.timed.selected.jobs(),
        |case| {
            let result = run_twin(&workspace, &case, url.as_deref(), options, snapshots);
            (case, result)
        },
        |(case, result)| match result {
            Ok(None) => println!("PASS {}", case.id()),
            Ok(Some(reason)) => println!("PASS {} (differs by design: {reason})", case.id()),
            Err(_) => println!("FAIL {}", case.id()),
        },
    );
    Ok(Outcome::of_failures(report(&results, &orphans)))
}

/// Whether `python` is a Python 3.11 with the twins' requirements.
fn check_python(python: &Path) -> Result<(), Usage> {
    let mut version = Command::new(python);
    version.args(["-c", PYTHON_CHECK]);
    let why = match proc::run(version, Duration::from_secs(30)) {
        Ok(finished) if finished.success() => return Ok(()),
        Ok(Finished { stderr, .. }) => stderr.lines().last().unwrap_or_default().to_owned(),
        Err(error) => error.to_string(),
    };
    Err(Usage(format!(
        "`{}` can't run the twins ({why}); make a Python 3.11 venv from \
         .ci/twins-requirements.txt and pass its python with --python",
        python.display()
    )))
}

/// Prints each failure, and a twin without an example as one; the number
/// of failures.
fn report(results: &[(Case, Result<Option<String>, String>)], orphans: &[PathBuf]) -> usize {
    let mut failed = 0;
    for (case, result) in results {
        if let Err(details) = result {
            failed += 1;
            println!("\nFAIL {}\n{}", case.id(), details.trim_end());
        }
    }
    for orphan in orphans {
        failed += 1;
        println!(
            "\nFAIL {}: a twin without an example; delete it",
            golden::name(orphan)
        );
    }
    println!(
        "\n{} passed, {failed} failed",
        results.len() + orphans.len() - failed
    );
    failed
}

/// `Ok(Some(reason))` for a twin that declares it differs.
fn run_twin(
    workspace: &Workspace,
    case: &Case,
    url: Option<&str>,
    options: &flags::Twins,
    snapshots: Snapshots,
) -> Result<Option<String>, String> {
    let root = workspace.root();
    let twin = path(root, &case.section.name, &case.example.name);
    let relative = golden::name(&twin);
    let source = match std::fs::read_to_string(&twin) {
        Ok(source) => source,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("  no twin: write {relative}"));
        }
        Err(error) => return Err(format!("  cannot read {relative}: {error}")),
    };
    let real = case.example.kind == Kind::BaseUrl || on_the_real_clock(&source);
    let clock = if real { Clock::Real } else { Clock::Virtual };
    let golden_root = workspace.golden_root();
    let file = |kind| golden::path(&golden_root, &case.section.name, &case.example.name, kind);
    let timeline = file(golden::TWIN_TIMELINE);
    if clock == Clock::Real && timeline.is_file() {
        return Err(format!(
            "  a twin on the real clock keeps no {}",
            golden::name(&timeline)
        ));
    }
    let scratch =
        tempfile::tempdir().map_err(|error| format!("  no scratch directory: {error}"))?;
    let recorded = scratch.path().join(golden::TWIN_TIMELINE);
    let record = if timeline.is_file() {
        Some(recorded.as_path())
    } else {
        None
    };
    let url = match case.example.kind {
        Kind::BaseUrl => url,
        Kind::Plain | Kind::Sync => None,
    };
    let command = twin_command(&options.python, root, &twin, clock, record, url);
    let rerun = rerun_command(
        &options.python.display().to_string(),
        &relative,
        clock,
        case.example.kind,
    );
    // On the real clock, when each line is due, from the example's run on
    // the virtual clock: lines due close together may swap.
    let due = match clock {
        Clock::Real if declared_difference(&source).is_none() => {
            let golden = file(golden::STDOUT);
            let due =
                crate::check::when_due(case, &golden, options.timed.timeout(), scratch.path());
            Some(due.map_err(|why| format!("  {why}"))?)
        }
        _ => None,
    };
    let finished = run_python_to_end(command, options.timed.timeout(), &rerun)?;
    if let Some(line) = crash_report(&finished.stderr) {
        return Err(format!(
            "  exited 0, but its stderr says something crashed (`{line}`)\n{}  re-run: {rerun}",
            tail(&finished.stderr)
        ));
    }
    let verdict = judge_stdout(
        &source,
        &finished.stdout,
        &file(golden::STDOUT),
        due.as_deref(),
        &rerun,
    )?;
    if timeline.is_file() {
        judge_timeline(case, &recorded, &timeline, snapshots, &rerun)?;
    }
    Ok(verdict)
}

/// The command that runs `twin` from the workspace's `root` on `clock`,
/// recording its timeline at `record` if given, with `url` as its argument.
fn twin_command(
    python: &Path,
    root: &Path,
    twin: &Path,
    clock: Clock,
    record: Option<&Path>,
    url: Option<&str>,
) -> Command {
    let mut command = Command::new(python);
    command.arg("-P").current_dir(root);
    if clock == Clock::Virtual {
        command.arg(FAST_FORWARD);
    }
    if let Some(record) = record {
        command.env(RECORD, record);
    }
    command.arg(twin);
    command.args(url);
    command
}

/// Compares the timeline the twin recorded at `recorded` with its golden
/// file, `golden`, or writes it there.
fn judge_timeline(
    case: &Case,
    recorded: &Path,
    golden: &Path,
    snapshots: Snapshots,
    rerun: &str,
) -> Result<(), String> {
    let text = match std::fs::read_to_string(recorded) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(format!("  cannot read its {RECORD}: {error}")),
    };
    if let Some(Err(why)) = text.as_deref().map(protocol::timeline::Timeline::parse) {
        return Err(format!(
            "  its {RECORD} is no timeline: {why}\n  re-run: {RECORD}=twin.timeline {rerun}"
        ));
    }
    let judged = crate::check::judge_golden(
        golden::TWIN_TIMELINE,
        golden,
        text,
        Clock::Virtual,
        snapshots,
    );
    let bless = format!("SNAPSHOTS=overwrite cargo xtask twins {}", case.id());
    judged.map_err(|why| format!("  {why}  to write it: {bless}"))?;
    Ok(())
}

/// The command that runs a twin as the check did, from the workspace's
/// root, for a contributor to run: an HTTP example's twin takes the base
/// URL of an httpbin as its argument, the one `cargo run -p httpbin` serves
/// (the check's own was on a port of the moment, and is gone).
fn rerun_command(python: &str, relative: &str, clock: Clock, kind: Kind) -> String {
    let python = protocol::shell_word(python);
    let mut rerun = match clock {
        Clock::Virtual => format!("{python} -P {FAST_FORWARD} {relative}"),
        Clock::Real => format!("{python} -P {relative}"),
    };
    if kind == Kind::BaseUrl {
        rerun.push_str(&format!(
            " {HTTPBIN_URL}  # with `cargo run -p httpbin` serving it"
        ));
    }
    rerun
}

/// Where `cargo run -p httpbin` serves, by default.
const HTTPBIN_URL: &str = "http://127.0.0.1:8080";

/// Whether a twin printed its example's golden `stdout`, or declared why
/// not; on the real clock (`due`: when each golden line is due), as
/// `check-all --real` compares.
fn judge_stdout(
    source: &str,
    stdout: &str,
    golden_path: &std::path::Path,
    due: Option<&[(Duration, String)]>,
    rerun: &str,
) -> Result<Option<String>, String> {
    if let Some(reason) = declared_difference(source) {
        return if stdout.trim().is_empty() {
            Err(format!("  printed nothing\n  re-run: {rerun}"))
        } else {
            Ok(Some(reason.to_owned()))
        };
    }
    let actual = normalize(stdout);
    let diff = match due {
        None => {
            let expected = normalize(&golden::read(golden_path).map_err(|why| format!("  {why}"))?);
            golden::diff("golden", &expected, &actual, Clock::Virtual)
        }
        Some(due) => {
            let due: Vec<(Duration, String)> = due
                .iter()
                .map(|(at, line)| (*at, normalize(line)))
                .collect();
            // When the twin wrote each line is not known: no lag.
            let run: Vec<(Duration, &str)> = actual
                .split_terminator('\n')
                .map(|line| (Duration::ZERO, line))
                .collect();
            golden::on_the_real_clock("golden", &due, &run).diff
        }
    };
    let Some(diff) = diff else {
        return Ok(None);
    };
    // On the virtual clock, a twin may also say why it runs on the real one.
    let (times, or_real) = match due {
        Some(_) => (", times aside", String::new()),
        None => ("", format!(", or `{REAL_CLOCK}<reason>`")),
    };
    Err(format!(
        "  it differs from {} (both normalised{times})\n{diff}  re-run: {rerun}\n  or say why it \
         can't match in a line `{DIFFERS}<reason>`{or_real}",
        golden::name(golden_path),
    ))
}

/// Runs a Python program to its end: its stdout, or what went wrong.
pub(crate) fn run_python(
    command: Command,
    timeout: Duration,
    rerun: &str,
) -> Result<String, String> {
    run_python_to_end(command, timeout, rerun).map(|finished| finished.stdout)
}

/// Runs a Python program to its end: what it wrote, or what went wrong.
fn run_python_to_end(command: Command, timeout: Duration, rerun: &str) -> Result<Finished, String> {
    let finished = proc::run_limited(command, timeout, crate::limits::OUTPUT)
        .map_err(|error| format!("  cannot run: {error}"))?;
    let problem = match finished.exit {
        Exit::Code(0) => return Ok(finished),
        Exit::Code(code) => format!("exited with code {code}"),
        Exit::Signal(signal) => format!("killed by signal {signal}"),
        Exit::TimedOut => format!("timed out after {}s and was killed", timeout.as_secs()),
        ref exit @ Exit::TooMuchOutput { .. } => exit.to_string(),
    };
    Err(format!(
        "  {problem}\n{}  re-run: {rerun}",
        tail(&finished.stderr)
    ))
}

/// The last lines of a program's stderr, indented.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    lines[lines.len().saturating_sub(15)..]
        .iter()
        .map(|line| format!("    {line}\n"))
        .collect()
}

/// The first line of a stderr that reports an exception nobody caught.
/// asyncio logs one raised in a connection callback, or in a task nobody
/// awaited, and runs on: the program still exits 0 and may print every
/// line. Not any stderr: some twins write there by design (a
/// `RuntimeWarning`, a dump of stuck tasks, unittest's report).
fn crash_report(stderr: &str) -> Option<&str> {
    const CRASHED: [&str; 2] = ["Traceback (most recent call last):", "Unhandled exception"];
    stderr
        .lines()
        .find(|line| CRASHED.iter().any(|marker| line.contains(marker)))
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
        assert_ne!(normalize("None"), normalize("null"));
    }

    /// The stderr of tcp_server's twin when its connection handler crashed
    /// on shutdown while the program exited 0, and stderr that twins write
    /// by design.
    #[test]
    fn an_uncaught_exception_on_stderr_is_a_crash_but_a_warning_is_not() {
        let crashed = "Unhandled exception in client_connected_cb\n\
            transport: <_SelectorSocketTransport closed fd=8>\n\
            Traceback (most recent call last):\n  \
            File \"crates/recipes/python/tcp_server.py\", line 89, in serve_lines\n\
            RuntimeError: read() called while another coroutine is already waiting\n";
        assert_eq!(
            crash_report(crashed),
            Some("Unhandled exception in client_connected_cb")
        );
        let unretrieved = "Task exception was never retrieved\n\
            future: <Task finished name='Task-2' coro=<work() done>>\n\
            Traceback (most recent call last):\n";
        assert_eq!(
            crash_report(unretrieved),
            Some("Traceback (most recent call last):")
        );
        let warned = "forgetting_await.py:19: RuntimeWarning: coroutine 'fetch_data' was never \
            awaited\n  fetch_data()\n\
            RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n";
        assert_eq!(crash_report(warned), None);
        let dumped = "SIGUSR1: 3 tasks\n\
            Stack for <Task pending name='Task-2'> (most recent call last):\n  \
            File \"dump_stuck_tasks.py\", line 29, in book\n";
        assert_eq!(crash_report(dumped), None);
        assert_eq!(crash_report("\nOK\n"), None);
    }

    /// An HTTP example's twin reads the server's URL from its argument: a
    /// re-run without one crashed with an `IndexError`.
    /// On the real clock, a twin's lines due close together may swap, as
    /// the example's may; lines further apart may not. Its lines are
    /// normalised as the golden file's are.
    #[test]
    fn on_the_real_clock_a_twin_may_swap_only_lines_due_close_together() {
        let golden = tempfile::NamedTempFile::new().unwrap();
        let ms = Duration::from_millis;
        let due = [
            (ms(0), "got ('a', True)".to_owned()),
            (ms(100), "got 'b'".to_owned()),
            (ms(1000), "done".to_owned()),
        ];
        let judge = |stdout| judge_stdout("", stdout, golden.path(), Some(&due), "rerun");
        assert_eq!(judge("got 'b'\ngot ('a', True)\ndone\n"), Ok(None));
        let swapped = judge("done\ngot ('a', True)\ngot 'b'\n").unwrap_err();
        assert!(swapped.contains("`done` came before"), "{swapped}");
    }

    #[test]
    fn the_rerun_of_an_http_twin_passes_a_server() {
        let twin = "crates/real-world/python/fetch_many.py";
        assert_eq!(
            rerun_command("python3", twin, Clock::Real, Kind::BaseUrl),
            "python3 -P crates/real-world/python/fetch_many.py http://127.0.0.1:8080  # with \
             `cargo run -p httpbin` serving it"
        );
        let twin = "crates/basics/python/hello_world.py";
        assert_eq!(
            rerun_command("python3", twin, Clock::Virtual, Kind::Plain),
            "python3 -P xtask/src/fast_forward.py crates/basics/python/hello_world.py"
        );
    }
}
