//! The golden check: run each example in its own process, classify how it
//! ended, and compare what it printed with its golden file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use protocol::{
    Clock, EXIT_FAILED, EXIT_PANICKED, EXIT_TIMED_OUT, Flavor, Invocation, Kind, Listed, Named,
};

use proc::{Exit, Finished};

use crate::Error;
use crate::golden::{self, Golden, OnTheRealClock};
use crate::parallel::parallel;
use crate::select::{Case, Selection};
use crate::stall::StallServer;

mod dump;
pub use dump::DUMP_GRACE;
use dump::{compare_dump, dump_run};

use crate::cli::CheckOptions;
use crate::workspace::Workspace;

/// `cargo xtask check-all`: builds, runs and judges; prints a line per
/// example as it finishes, then the failures and a count. `Ok(false)` means
/// something failed.
pub fn check_all(options: &CheckOptions) -> Result<bool, Error> {
    let stall = options
        .stall
        .then(StallServer::start)
        .transpose()
        .map_err(|error| format!("cannot start the stalling server: {error}"))?;
    let (workspace, plan, target) = prepare(options, stall.as_ref().map(StallServer::url))?;
    let started = std::time::Instant::now();
    let (reports, orphans) = run(&workspace, plan, &target, options, |report| {
        println!("{}", report.summary())
    });
    let failures: Vec<String> = reports
        .iter()
        .filter(|report| !report.passed())
        .map(Report::details)
        .chain(
            orphans
                .iter()
                .map(|orphan| orphan_details(orphan, &workspace.golden_root())),
        )
        .collect();
    let failed = failures.len();
    if failed > 0 {
        println!("\nfailures:");
        for failure in &failures {
            println!("\n{}", failure.trim_end());
        }
        println!();
    }
    let passed = reports.len() + orphans.len() - failed;
    eprintln!("finished in {:.1}s", started.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

/// Builds the sections and lists what to run ([`Selection`]), refusing a
/// filter that matches nothing. `stall_url` is the stalling server's, for
/// `--stall`.
pub fn prepare(
    options: &CheckOptions,
    stall_url: Option<String>,
) -> Result<(Workspace, Plan, Target), Error> {
    let workspace = Workspace::locate();
    let mut selection = Selection::build(&workspace, options.filter.as_deref())?;
    let target = match (&options.base_url, options.flavor) {
        _ if options.stall => {
            Target::Stall(stall_url.ok_or("no stalling server to check against")?)
        }
        (Some(url), _) => Target::Server(url.clone()),
        (None, Flavor::MultiThread) => Target::MultiThread,
        (None, Flavor::CurrentThread) => Target::Golden(options.clock),
    };
    // Without golden files, there are no orphans to find.
    let orphans = if target.is_golden() {
        selection.golden_orphans(&workspace.golden_root())?
    } else {
        selection.retain(|example| target.applies_to(example));
        Vec::new()
    };
    if selection.cases.is_empty() && orphans.is_empty() {
        let what = if target.is_golden() || target == Target::MultiThread {
            "example"
        } else {
            "HTTP example"
        };
        return Err(selection.matches_nothing(what));
    }
    let plan = Plan {
        cases: selection.cases,
        orphans,
    };
    Ok((workspace, plan, target))
}

/// Runs every case of the plan, `options.jobs` at a time.
pub fn run(
    workspace: &Workspace,
    plan: Plan,
    target: &Target,
    options: &CheckOptions,
    progress: impl Fn(&Report) + Sync,
) -> (Vec<Report>, Vec<PathBuf>) {
    let golden_root = workspace.golden_root();
    let count = plan.cases.len();
    eprintln!(
        "running {count} example{} {}, {} at a time",
        if count == 1 { "" } else { "s" },
        target.describe(),
        options.jobs.min(count.max(1))
    );
    let real = *target == Target::Golden(Clock::Real);
    let mut reports = parallel(
        plan.cases,
        options.jobs,
        |case| check(case, target, options.timeout, &golden_root),
        |report: &Report| {
            if real && held_up(report) {
                println!(
                    "LATE {}: its times came too late; it runs again alone",
                    report.case.id()
                );
            } else {
                progress(report);
            }
        },
    );
    if real {
        crate::parallel::again_alone(&mut reports, held_up, |report| {
            let again = check(report.case.clone(), target, options.timeout, &golden_root);
            if again.passed() {
                println!("PASS {}: in time when run again alone", again.case.id());
            } else {
                progress(&again);
            }
            again
        });
    }
    (reports, plan.orphans)
}

/// Whether a run on the real clock failed only because it printed times
/// later than [`golden::compare_on_the_real_clock`] allows
/// ([`golden::only_later`]).
fn held_up(report: &Report) -> bool {
    let (Verdict::Mismatch { .. }, Some(output)) = (&report.verdict, &report.output) else {
        return false;
    };
    matches!(golden::read(&report.golden), Golden::Text(expected) if golden::only_later(&expected, &output.stdout))
}

/// What to check: every selected example, and every golden file left without
/// an example.
#[derive(Debug, Default)]
pub struct Plan {
    pub cases: Vec<Case>,
    pub orphans: Vec<PathBuf>,
}

/// What a check compares an example's run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Its golden file, on this clock.
    Golden(Clock),
    /// Nothing: an HTTP example run against this outside server, whose
    /// bodies differ from the local server's, only has to succeed and print
    /// something.
    Server(String),
    /// Nothing: on the multi-thread runtime (real clock), where lines may
    /// come out in another order, an example only has to succeed and print
    /// something.
    MultiThread,
    /// A server at this URL that accepts and never answers: an HTTP example
    /// must give up on it, with an error, within [`crate::limits::STALL`].
    Stall(String),
}

impl Target {
    /// The arguments that run `example` for this target.
    pub fn invocation(&self, example: &str) -> Invocation {
        let mut invocation = Invocation {
            examples: vec![example.to_owned()],
            ..Invocation::default()
        };
        match self {
            Target::Golden(clock) => invocation.clock = *clock,
            Target::Server(url) | Target::Stall(url) => invocation.base_url = Some(url.clone()),
            Target::MultiThread => invocation.flavor = Flavor::MultiThread,
        }
        invocation
    }

    /// Whether this target checks `example` at all: a server check only
    /// runs the HTTP examples.
    pub fn applies_to(&self, example: &Listed) -> bool {
        match self {
            Target::Golden(_) | Target::MultiThread => true,
            Target::Server(_) | Target::Stall(_) => example.kind == Kind::BaseUrl,
        }
    }

    /// Whether the run is compared with the golden file.
    pub fn is_golden(&self) -> bool {
        matches!(self, Target::Golden(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Golden(clock) => format!("on the {} clock", clock.name()),
            Target::Server(url) => format!("against {url}"),
            Target::MultiThread => "on the multi-thread runtime".to_owned(),
            Target::Stall(url) => format!("against {url}, which never answers"),
        }
    }
}

/// How one example fared.
#[derive(Debug)]
pub enum Verdict {
    Pass,
    /// It ran cleanly but printed something else.
    Mismatch {
        diff: String,
    },
    /// It printed its golden output, but its tasks ran on another schedule
    /// than its timeline golden file's.
    TimelineMismatch {
        diff: String,
    },
    /// It printed its golden output, but its timeline can't be compared.
    TimelineUnreadable {
        why: String,
    },
    /// It printed its golden output, but its tasks waited elsewhere than its
    /// `.dump` golden file says.
    DumpMismatch {
        diff: String,
    },
    /// It printed its golden output, but its dump can't be compared.
    DumpUnreadable {
        why: String,
    },
    /// It ran cleanly but has no golden file to compare with.
    MissingGolden,
    /// It ran cleanly, but its golden file can't be read.
    UnreadableGolden {
        why: String,
    },
    /// It ran cleanly where no golden file is compared, but printed nothing.
    NoOutput,
    /// It exited 0 against a server that never answered: it did not
    /// report that anything went wrong.
    NoErrorReported,
    /// It exited with a non-zero code other than a panic's.
    Exited {
        code: i32,
    },
    /// It panicked (exit code 101).
    Panicked,
    /// A signal killed it.
    Killed {
        signal: i32,
    },
    /// It ran past the timeout: the runner printed where its tasks waited
    /// and stopped, or (if it did not answer) it was killed.
    TimedOut {
        after: Duration,
    },
    /// It could not be started at all.
    NotStarted {
        error: String,
    },
}

/// A case, how it ended and what it printed.
#[derive(Debug)]
pub struct Report {
    pub case: Case,
    pub invocation: Invocation,
    pub verdict: Verdict,
    pub output: Option<Finished>,
    /// On the real clock, the times it printed late, within what
    /// [`golden::compare_on_the_real_clock`] allows; the run passed.
    pub late: Vec<golden::LateTime>,
    /// The golden file, as a path to read and write.
    pub golden: PathBuf,
    /// The golden file relative to the workspace root, to show people.
    pub golden_name: String,
    /// The timeline golden file, if the example has one and the target
    /// compares it, and the timeline the run wrote.
    pub timeline: Option<TimelineRun>,
    /// The same for the `.dump` golden file: where each task waits at the
    /// instant its first line names.
    pub dump: Option<TimelineRun>,
}

/// A timeline (or dump) golden file and what the run recorded for it.
#[derive(Debug)]
pub struct TimelineRun {
    pub golden: PathBuf,
    pub golden_name: String,
    /// The text form the run wrote; `None` if it wrote none.
    pub recorded: Option<String>,
}

/// Runs one example and judges the run against `target`.
pub fn check(case: Case, target: &Target, timeout: Duration, golden_root: &Path) -> Report {
    let golden = golden::path(golden_root, &case.section.name, &case.example.name);
    let golden_name = golden::display_name(&golden, golden_root);
    let mut invocation = target.invocation(&case.example.name);
    // Only the paused clock makes a schedule exact enough to pin.
    let timeline_golden =
        golden::timeline_path(golden_root, &case.section.name, &case.example.name);
    let timeline_file = (*target == Target::Golden(Clock::Virtual) && timeline_golden.is_file())
        .then(tempfile::NamedTempFile::new);
    let timeline_file = match timeline_file.transpose() {
        Ok(file) => file,
        Err(error) => {
            return Report {
                case,
                invocation,
                verdict: Verdict::NotStarted {
                    error: format!("cannot create a file for its timeline: {error}"),
                },
                output: None,
                late: Vec::new(),
                golden,
                golden_name,
                timeline: None,
                dump: None,
            };
        }
    };
    invocation.timeline_file = timeline_file
        .as_ref()
        .map(|file| file.path().display().to_string());
    // The runner stops itself at the timeout, printing where each task of a
    // hung example waits; it is killed only if that does not come in time
    // (or, for a timeout longer than the runner takes, instead).
    if timeout <= protocol::MAX_SECONDS {
        invocation.timeout = Some(timeout);
    }
    let dump = dump_run(&case, target, golden_root, &mut invocation);
    let mut late = Vec::new();
    let (verdict, output) = match proc::run(
        case.section.command(&invocation),
        timeout.saturating_add(DUMP_GRACE),
    ) {
        Err(error) => (
            Verdict::NotStarted {
                error: error.to_string(),
            },
            None,
        ),
        Ok(output) => {
            let stalled = matches!(target, Target::Stall(_));
            let verdict = match output.exit {
                Exit::TimedOut => Verdict::TimedOut { after: timeout },
                Exit::Code(code) if code == i32::from(EXIT_TIMED_OUT) => {
                    Verdict::TimedOut { after: timeout }
                }
                Exit::Code(0) if stalled => Verdict::NoErrorReported,
                Exit::Code(code)
                    if stalled
                        && code == i32::from(EXIT_FAILED)
                        && output.stderr.contains("error: ") =>
                {
                    Verdict::Pass
                }
                Exit::Signal(signal) => Verdict::Killed { signal },
                Exit::Code(code) if code == i32::from(EXIT_PANICKED) => Verdict::Panicked,
                Exit::Code(code) if code != 0 => Verdict::Exited { code },
                Exit::Code(_) if target.is_golden() => {
                    let (verdict, late_times) =
                        compare(&golden, &golden_name, &output.stdout, target);
                    late = late_times;
                    verdict
                }
                Exit::Code(_) if output.stdout.trim().is_empty() => Verdict::NoOutput,
                Exit::Code(_) => Verdict::Pass,
            };
            (verdict, Some(output))
        }
    };
    let timeline = timeline_file.map(|file| TimelineRun {
        golden_name: golden::display_name(&timeline_golden, golden_root),
        golden: timeline_golden,
        recorded: std::fs::read_to_string(file.path())
            .ok()
            .filter(|text| !text.is_empty()),
    });
    let verdict = match (verdict, &timeline) {
        (Verdict::Pass, Some(timeline)) => compare_timeline(timeline),
        (verdict, _) => verdict,
    };
    let dump = dump.map(|(run, file)| match file {
        Ok(file) => TimelineRun {
            recorded: std::fs::read_to_string(file.path())
                .ok()
                .filter(|text| !text.is_empty()),
            ..run
        },
        Err(()) => run,
    });
    let verdict = match (verdict, &dump) {
        (Verdict::Pass, Some(dump)) => compare_dump(dump),
        (verdict, _) => verdict,
    };
    // The re-run command shows the run, not the temporary files or the
    // runner's own timeout.
    invocation.timeline_file = None;
    invocation.timeout = None;
    invocation.dump_file = None;
    Report {
        case,
        invocation,
        verdict,
        output,
        late,
        golden,
        golden_name,
        timeline,
        dump,
    }
}

fn compare_timeline(timeline: &TimelineRun) -> Verdict {
    let Some(recorded) = &timeline.recorded else {
        return Verdict::TimelineUnreadable {
            why: "the run wrote no timeline".to_owned(),
        };
    };
    match golden::read(&timeline.golden) {
        Golden::Text(expected) if expected == *recorded => Verdict::Pass,
        Golden::Text(expected) => Verdict::TimelineMismatch {
            diff: golden::diff(&timeline.golden_name, &expected, recorded),
        },
        Golden::Missing => Verdict::TimelineUnreadable {
            why: format!("{} went away during the run", timeline.golden_name),
        },
        Golden::Unreadable(why) => Verdict::TimelineUnreadable { why },
    }
}

/// Compares a run's output with its golden file: exactly, or on the real
/// clock with its times allowed to be late ([`golden::compare_on_the_real_clock`]),
/// in which case the times printed late come back with a pass.
fn compare(
    golden: &Path,
    golden_name: &str,
    actual: &str,
    target: &Target,
) -> (Verdict, Vec<golden::LateTime>) {
    let expected = match golden::read(golden) {
        Golden::Text(expected) => expected,
        Golden::Missing => return (Verdict::MissingGolden, Vec::new()),
        Golden::Unreadable(why) => return (Verdict::UnreadableGolden { why }, Vec::new()),
    };
    let mismatch = || Verdict::Mismatch {
        diff: golden::diff(golden_name, &expected, actual),
    };
    if *target != Target::Golden(Clock::Real) {
        let verdict = if expected == actual {
            Verdict::Pass
        } else {
            mismatch()
        };
        return (verdict, Vec::new());
    }
    match golden::compare_on_the_real_clock(&expected, actual) {
        OnTheRealClock::Same => (Verdict::Pass, Vec::new()),
        OnTheRealClock::Late(late) => (Verdict::Pass, late),
        OnTheRealClock::Differs => (mismatch(), Vec::new()),
    }
}

impl Report {
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Pass)
    }

    /// Did the example itself succeed, whatever its golden file says?
    pub fn ran_cleanly(&self) -> bool {
        self.output.as_ref().is_some_and(Finished::success)
    }

    /// One line: PASS or FAIL, the example, and why.
    pub fn summary(&self) -> String {
        let id = self.case.id();
        let elapsed = self
            .output
            .as_ref()
            .map(|output| format!(" ({:.1}s)", output.elapsed.as_secs_f64()))
            .unwrap_or_default();
        match &self.verdict {
            Verdict::Pass if self.late.is_empty() => format!("PASS {id}{elapsed}"),
            Verdict::Pass => format!("PASS {id}{elapsed}: {}", golden::describe_late(&self.late)),
            verdict => format!("FAIL {id}: {}{elapsed}", reason(verdict, &self.golden_name)),
        }
    }

    /// The summary line, then what a person needs to act on a failure: the
    /// diff or the stderr, and the commands to re-run or bless this example.
    pub fn details(&self) -> String {
        let mut text = self.summary();
        text.push('\n');
        match &self.verdict {
            Verdict::Pass => return text,
            Verdict::Mismatch { diff } => {
                text.push_str(diff);
                if self.invocation.clock == Clock::Real && self.invocation.base_url.is_none() {
                    let _ = writeln!(text, "(on the real clock, {})", golden::LATE_BY_AT_MOST);
                }
            }
            Verdict::TimelineMismatch { diff } | Verdict::DumpMismatch { diff } => {
                text.push_str(diff);
            }
            Verdict::MissingGolden
            | Verdict::UnreadableGolden { .. }
            | Verdict::NoOutput
            | Verdict::TimelineUnreadable { .. }
            | Verdict::DumpUnreadable { .. } => {}
            Verdict::NoErrorReported => {
                if let Some(output) = &self.output {
                    push_excerpt(&mut text, "stdout", &output.stdout);
                }
            }
            _ => {
                if let Some(output) = &self.output {
                    if matches!(self.verdict, Verdict::TimedOut { .. }) {
                        push_excerpt(&mut text, "stdout before it was stopped", &output.stdout);
                        // The runner's dump, which says where each task waits,
                        // is the point: show all of it (the runner bounds it).
                        push_lines(&mut text, "stderr", &output.stderr, DUMP_LINES, TAIL_LINES);
                    } else {
                        push_excerpt(&mut text, "stderr", &output.stderr);
                    }
                }
            }
        }
        let id = self.case.id();
        let _ = writeln!(
            text,
            "  re-run: {}",
            self.invocation.rerun_command(&self.case.section.name)
        );
        if matches!(self.verdict, Verdict::TimelineMismatch { .. }) {
            let _ = writeln!(
                text,
                "  chart:  {} --timeline",
                self.invocation.rerun_command(&self.case.section.name)
            );
        }
        if matches!(
            self.verdict,
            Verdict::Mismatch { .. }
                | Verdict::MissingGolden
                | Verdict::TimelineMismatch { .. }
                | Verdict::DumpMismatch { .. }
        ) {
            let _ = writeln!(text, "  bless:  cargo xtask bless {id}");
        }
        text
    }
}

fn reason(verdict: &Verdict, golden_name: &str) -> String {
    match verdict {
        Verdict::Pass => "passed".to_owned(),
        Verdict::Mismatch { .. } => "output differs from its golden file".to_owned(),
        Verdict::TimelineMismatch { .. } => {
            "its tasks ran on another schedule than its .timeline golden file's".to_owned()
        }
        Verdict::TimelineUnreadable { why } => format!("cannot compare its timeline: {why}"),
        Verdict::DumpMismatch { .. } => {
            "its tasks waited elsewhere than its .dump golden file says".to_owned()
        }
        Verdict::DumpUnreadable { why } => format!("cannot compare its dump: {why}"),
        Verdict::MissingGolden => format!("no golden file {golden_name}"),
        Verdict::UnreadableGolden { why } => {
            format!("cannot read its golden file {golden_name}: {why}")
        }
        Verdict::NoOutput => "succeeded but printed nothing".to_owned(),
        Verdict::NoErrorReported => {
            "exited 0 against a server that never answered: it reported no error".to_owned()
        }
        Verdict::Exited { code } => format!("exited with code {code}"),
        Verdict::Panicked => "panicked".to_owned(),
        Verdict::Killed { signal } => format!("killed by signal {signal}"),
        Verdict::TimedOut { after } => format!(
            "timed out after {}s and was stopped; is it hung?",
            after.as_secs_f64()
        ),
        Verdict::NotStarted { error } => format!("could not be started: {error}"),
    }
}

/// A stream, indented; when long, its first and last lines. A panic's
/// message is at the top of stderr and a failure's last words at the bottom,
/// with a backtrace possibly in between.
fn push_excerpt(text: &mut String, label: &str, stream: &str) {
    push_lines(text, label, stream, 10, TAIL_LINES);
}

/// How many lines of a timed-out run's stderr are shown from its top, where
/// the runner's dump is.
const DUMP_LINES: usize = 200;
const TAIL_LINES: usize = 10;

/// [`push_excerpt`], keeping `head` lines from the top and `tail` from the
/// bottom.
fn push_lines(text: &mut String, label: &str, stream: &str, head: usize, tail: usize) {
    let lines: Vec<&str> = stream.lines().collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(text, "  {label}:");
    let mut push = |line: &str| {
        let _ = writeln!(text, "    {line}");
    };
    if lines.len() <= head + tail {
        lines.iter().for_each(|line| push(line));
    } else {
        lines[..head].iter().for_each(|line| push(line));
        push(&format!("... {} more lines ...", lines.len() - head - tail));
        lines[lines.len() - tail..]
            .iter()
            .for_each(|line| push(line));
    }
}

/// The failure reported for a golden file with no example.
pub fn orphan_details(path: &Path, golden_root: &Path) -> String {
    format!(
        "FAIL {}: golden file without an example; delete it, or restore the example\n",
        golden::display_name(path, golden_root)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_stream_keeps_its_first_and_last_lines() {
        let stream: String = (1..=50).map(|n| format!("line {n}\n")).collect();
        let mut text = String::new();
        push_excerpt(&mut text, "stderr", &stream);
        assert!(text.starts_with("  stderr:\n    line 1\n"), "{text}");
        assert!(
            text.contains("    line 10\n    ... 30 more lines ...\n    line 41\n"),
            "{text}"
        );
        assert!(text.ends_with("    line 50\n"), "{text}");
    }
}
