//! Guards what every example prints: `check-all` and `bless` run each in its
//! own process, against its golden files; or, in the other modes, check it
//! for what must hold there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proc::{Exit, Finished};
use protocol::{Clock, EXIT_FAILED, EXIT_PANICKED, EXIT_TIMED_OUT, Flavor, Invocation, Kind};

use crate::flags::{self, CheckFlavor};
use crate::golden::{self, DUMP, STDOUT, TIMELINE};
use crate::parallel::parallel;
use crate::select::{Case, Selection};
use crate::stall::StallServer;
use crate::workspace::Workspace;
use crate::{Error, Outcome, Snapshots, Usage};

/// How long a timed-out example has to print where its tasks wait before it
/// is killed: longer than the runner's watchdog waits for the dump and to
/// say it (`crates/infra/runner/src/watch.rs`: 5 + 30 + 2 seconds), so that
/// what it says is never cut.
const DUMP_GRACE: Duration = Duration::from_secs(40);

/// What a run is checked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Its golden files, exactly, on the paused clock.
    Virtual,
    /// Its golden files on the real clock, times aside.
    Real,
    /// Success on the multi-thread runtime.
    MultiThread,
    /// Success against another httpbin.
    Server(String),
    /// An error, within its own time limits, against a server that never answers.
    Stall(String),
}

impl Mode {
    fn invocation(&self, example: &str) -> Invocation {
        let mut invocation = Invocation {
            examples: vec![example.to_owned()],
            ..Invocation::default()
        };
        match self {
            Mode::Virtual => invocation.clock = Clock::Virtual,
            Mode::Real => invocation.clock = Clock::Real,
            Mode::MultiThread => invocation.flavor = Flavor::MultiThread,
            Mode::Server(url) | Mode::Stall(url) => invocation.base_url = Some(url.clone()),
        }
        invocation
    }

    fn is_golden(&self) -> bool {
        matches!(self, Mode::Virtual | Mode::Real)
    }

    /// Whether a run that succeeds must have printed something: where no
    /// golden file says what, an example that printed nothing did nothing.
    /// Against a server that never answers, it must fail instead.
    fn must_print(&self) -> bool {
        match self {
            Mode::MultiThread | Mode::Server(_) => true,
            Mode::Virtual | Mode::Real | Mode::Stall(_) => false,
        }
    }

    /// The clock a golden file is compared on: times only on the virtual one.
    fn clock(&self) -> Clock {
        match self {
            Mode::Real => Clock::Real,
            Mode::Virtual | Mode::MultiThread | Mode::Server(_) | Mode::Stall(_) => Clock::Virtual,
        }
    }

    fn applies_to(&self, case: &Case) -> bool {
        match self {
            Mode::Server(_) | Mode::Stall(_) => case.example.kind == Kind::BaseUrl,
            _ => true,
        }
    }

    fn describe(&self) -> String {
        match self {
            Mode::Virtual => "on the virtual clock".to_owned(),
            Mode::Real => "on the real clock".to_owned(),
            Mode::MultiThread => "on the multi-thread runtime".to_owned(),
            Mode::Server(url) => format!("against {url}"),
            Mode::Stall(url) => format!("against {url}, which never answers"),
        }
    }
}

/// How one run went.
#[derive(Debug)]
pub struct Report {
    pub case: Case,
    /// What the run was checked for.
    pub mode: Mode,
    pub invocation: Invocation,
    pub output: Option<Finished>,
    /// Empty if it passed.
    pub problems: Vec<String>,
    /// Golden files written, with `SNAPSHOTS=overwrite`.
    pub blessed: Vec<PathBuf>,
    /// On the real clock, the most a line ran later than one due before it.
    pub lag: Option<Duration>,
    /// On the real clock, how long its threads waited for a CPU in all,
    /// where that could be read.
    pub held_up: Option<Duration>,
    /// On the real clock, a difference the machine may have made: it held
    /// the runtime up long enough on the way to it (see `judge_real`).
    pub cant_tell: Option<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report with one more problem, for a run that ends here.
    fn failing(mut self, problem: String) -> Self {
        self.problems.push(problem);
        self
    }

    pub fn summary(&self) -> String {
        let id = self.case.id();
        let took = self
            .output
            .as_ref()
            .map(|output| format!(" ({:.1}s)", output.elapsed.as_secs_f64()))
            .unwrap_or_default();
        match self.problems.first() {
            None if let Some(why) = &self.cant_tell => {
                format!("CAN'T TELL {id}: {}{took}", first_line(why))
            }
            None if self.blessed.is_empty() => format!("PASS {id}{took}"),
            None => format!("BLESSED {id}{took}"),
            Some(problem) => format!("FAIL {id}: {}{took}", first_line(problem)),
        }
    }

    pub fn details(&self) -> String {
        let mut text = self.summary() + "\n";
        // The summary showed the first problem's first line.
        let said = self.problems.iter().chain(&self.cant_tell);
        let lines = said.flat_map(|problem| problem.lines());
        for line in lines.skip(1) {
            let _ = writeln!(text, "  {line}");
        }
        if let Some(output) = &self.output
            && !output.success()
        {
            push_tail(&mut text, "stdout", &output.stdout);
            push_tail(&mut text, "stderr", &output.stderr);
        }
        let rerun = self.invocation.rerun_command(&self.case.section.name);
        let _ = writeln!(text, "  re-run: {rerun}");
        // Blessing writes what a run on the virtual clock prints: it mends
        // only that check, and only a run that ended well.
        if self.mode == Mode::Virtual && self.output.as_ref().is_some_and(Finished::success) {
            let _ = writeln!(text, "  bless:  cargo xtask bless {}", self.case.id());
        }
        text
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn push_tail(text: &mut String, label: &str, stream: &str) {
    let lines: Vec<&str> = stream.lines().collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(text, "  {label}:");
    // A task dump is long: keep its start, which names the tasks, and its end.
    let (start, end) = match lines.len() {
        count if count > 220 => (&lines[..200], &lines[count - 10..]),
        _ => (&lines[..], &[][..]),
    };
    for line in start.iter().chain(end) {
        let _ = writeln!(text, "    {}", shortened(line));
    }
}

/// The most characters of one line of a failed run's output a report shows.
const SHOWN_LINE: usize = 2000;

/// `line`, or its start if it is longer than [`SHOWN_LINE`]: a run that
/// printed megabytes without a newline would bury the report.
fn shortened(line: &str) -> std::borrow::Cow<'_, str> {
    match line.char_indices().nth(SHOWN_LINE) {
        None => line.into(),
        Some((cut, _)) => {
            let more = line[cut..].chars().count();
            format!("{}... ({more} more characters)", &line[..cut]).into()
        }
    }
}

/// `cargo xtask check-all`.
pub fn check_all(options: &flags::Check, snapshots: Snapshots) -> Result<Outcome, Error> {
    // Serves `--stall` until the checks are done.
    let mut stall = None;
    let mode = if options.real {
        Mode::Real
    } else if options.stall {
        Mode::Stall(stall.insert(StallServer::start()?).url())
    } else if let Some(url) = &options.base_url {
        let url =
            protocol::parse_base_url(url).map_err(|error| Usage(format!("--base-url: {error}")))?;
        Mode::Server(url)
    } else {
        match options.flavor {
            Some(CheckFlavor::MultiThread) => Mode::MultiThread,
            None => Mode::Virtual,
        }
    };
    if snapshots == Snapshots::Overwrite && mode != Mode::Virtual {
        return Err(Usage(format!(
            "golden files are written from the virtual clock only, not {}",
            mode.describe()
        ))
        .into());
    }
    let timeout = match mode {
        Mode::Stall(_) => options.timed.timeout.unwrap_or(crate::limits::STALL),
        _ => options.timed.timeout(),
    };
    run(&options.timed.selected, timeout, &mode, snapshots)
}

fn run(
    selected: &flags::Selected,
    timeout: Duration,
    mode: &Mode,
    snapshots: Snapshots,
) -> Result<Outcome, Error> {
    let workspace = Workspace::locate();
    let golden_root = workspace.golden_root();
    let mut selection = Selection::build(&workspace, selected.filter.as_deref())?;
    let orphans = if mode.is_golden() {
        selection.golden_orphans(&golden_root)?
    } else {
        Vec::new()
    };
    selection.cases.retain(|case| mode.applies_to(case));
    if selection.cases.is_empty() && orphans.is_empty() {
        return Err(selection.matches_nothing("example"));
    }
    let count = selection.cases.len();
    let plural = if count == 1 { "" } else { "s" };
    eprintln!("running {count} example{plural} {}", mode.describe());
    // On the real clock, which lines may come in either order is read from
    // the instants at which a run on the virtual clock wrote them. Those runs
    // compute, so they all come first: none runs beside one on the real clock.
    let mut due: Vec<Option<Due>> = if *mode == Mode::Real {
        parallel(
            selection.cases.clone(),
            selected.jobs(),
            |case| Some(due_on_the_virtual_clock(&case, &golden_root, timeout)),
            |_| {},
        )
    } else {
        Vec::new()
    };
    due.resize_with(selection.cases.len(), || None);
    let reports = parallel(
        selection.cases.into_iter().zip(due).collect(),
        selected.jobs(),
        |(case, due)| check(case, mode, timeout, &golden_root, snapshots, due),
        |report| println!("{}", report.summary()),
    );
    let mut failures: Vec<String> = reports
        .iter()
        .filter(|report| !report.passed())
        .map(Report::details)
        .collect();
    failures.extend(orphans.iter().map(|orphan| {
        format!(
            "FAIL {}: a golden file without an example; delete it, or restore the example\n",
            golden::name(orphan)
        )
    }));
    // Said, but not failed: the machine may have made the difference.
    let cant_tell: Vec<String> = reports
        .iter()
        .filter(|report| report.passed() && report.cant_tell.is_some())
        .map(Report::details)
        .collect();
    for said in cant_tell.iter().chain(&failures) {
        println!("\n{}", said.trim_end());
    }
    // How close the machine came to swapping lines that must keep their order.
    if let Some(lagging) = reports
        .iter()
        .filter(|report| report.lag.is_some())
        .max_by_key(|report| report.lag)
    {
        let lag = lagging.lag.unwrap_or_default();
        println!(
            "\nThe most a line ran later than one due before it: {:.3}s ({}); lines due within \
             {:.3}s of each other may come in either order",
            lag.as_secs_f64(),
            lagging.case.id(),
            golden::EITHER_ORDER.as_secs_f64()
        );
    }
    if let Some(held) = reports
        .iter()
        .filter(|report| report.held_up.is_some())
        .max_by_key(|report| report.held_up)
    {
        println!(
            "The most the machine kept a run's threads from a CPU: {:.3}s ({}); a difference \
             that needs a line later by at most that and {:.3}s more is one it can't tell from \
             the example's",
            held.held_up.unwrap_or_default().as_secs_f64(),
            held.case.id(),
            golden::OWN_WORK.as_secs_f64()
        );
    }
    let failed = failures.len();
    let passed = reports.len() - (failed - orphans.len()) - cant_tell.len();
    let cant_tell = match cant_tell.len() {
        0 => String::new(),
        count => format!("{count} can't tell, "),
    };
    println!("\n{passed} passed, {cant_tell}{failed} failed");
    Ok(Outcome::of_failures(failures.len()))
}

/// When each line of an example's golden file is due, or why that is not known.
type Due = Result<Vec<(Duration, String)>, String>;

/// Runs one example as `mode` asks and judges it; with
/// [`Snapshots::Overwrite`], writes its golden files instead of comparing
/// them, if it ran cleanly. On the real clock, `due` is what `when_due` found.
pub fn check(
    case: Case,
    mode: &Mode,
    timeout: Duration,
    golden_root: &Path,
    snapshots: Snapshots,
    due: Option<Due>,
) -> Report {
    let mut report = Report {
        mode: mode.clone(),
        invocation: mode.invocation(&case.example.name),
        output: None,
        problems: Vec::new(),
        blessed: Vec::new(),
        lag: None,
        held_up: None,
        cant_tell: None,
        case: case.clone(),
    };
    // What this run adds to the command line a reader re-runs.
    let mut invocation = report.invocation.clone();
    invocation.timeout = Some(timeout);
    let file = |kind: &str| golden::path(golden_root, &case.section.name, &case.example.name, kind);
    // Where the run writes its timeline and its dump, for the golden files that ask for them.
    let scratch = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => return report.failing(format!("cannot make a scratch directory: {error}")),
    };
    let kinds = match recordings(mode, &file, scratch.path(), &mut invocation) {
        Ok(kinds) => kinds,
        Err(problem) => return report.failing(problem),
    };
    let due = match due.transpose() {
        Ok(due) => due,
        Err(problem) => return report.failing(problem),
    };
    let command = case.section.command(&invocation);
    let output = match proc::run_limited(command, timeout + DUMP_GRACE, crate::limits::OUTPUT) {
        Ok(output) => output,
        Err(error) => return report.failing(format!("could not be started: {error}")),
    };
    if let Some(problem) = judge_exit(&output, mode, timeout) {
        report.problems.push(problem);
    } else if mode.must_print() && output.stdout.trim().is_empty() {
        let problem = "succeeded but printed nothing".to_owned();
        report.problems.push(problem);
    }
    report.invocation.dump_at = invocation.dump_at;
    // What a run that failed wrote is not judged, and never blessed.
    if !report.passed() {
        report.output = Some(output);
        return report;
    }
    for kind in kinds {
        let judged = match &due {
            Some(due) => judge_real(&file(kind), scratch.path(), due).map(|real| {
                (report.lag, report.held_up) = (real.lag, real.held_up);
                report.cant_tell = real.cant_tell;
                None
            }),
            None => recorded(kind, &output.stdout, scratch.path()).and_then(|recorded| {
                judge_golden(kind, &file(kind), recorded, mode.clock(), snapshots)
            }),
        };
        match judged {
            Ok(blessed) => report.blessed.extend(blessed),
            Err(problem) => report.problems.push(problem),
        }
    }
    if let Some(trace) = &invocation.trace
        && let Err(why) = check_trace(trace)
    {
        let problem = format!("its --trace is not a trace the viewers open: {why}");
        report.problems.push(problem);
    }
    report.output = Some(output);
    report
}

/// The golden files a run in `mode` records (none but for a golden mode),
/// each asked for on `invocation` with a file in `scratch` to write it to;
/// `file` is where each kind's golden file is.
fn recordings(
    mode: &Mode,
    file: &dyn Fn(&str) -> PathBuf,
    scratch: &Path,
    invocation: &mut Invocation,
) -> Result<Vec<&'static str>, String> {
    if !mode.is_golden() {
        return Ok(Vec::new());
    }
    let mut kinds = vec![STDOUT];
    if *mode == Mode::Real {
        // When it wrote each line, against when a run on the virtual clock did.
        invocation.line_instants = Some(scratch.join(LINE_INSTANTS).display().to_string());
        return Ok(kinds);
    }
    // Every example writes a trace on the virtual clock, which must open
    // in the viewers.
    invocation.trace = Some(scratch.join("trace.json").display().to_string());
    if file(TIMELINE).is_file() {
        invocation.timeline_file = Some(scratch.join(TIMELINE).display().to_string());
        kinds.push(TIMELINE);
    }
    // On the virtual clock only: a dump stops the runtime while it
    // traces, and on the real clock every timer then comes due at
    // once, which changes the schedule it was taken to show.
    if file(DUMP).is_file() {
        let Some(at) = protocol::dump::instant(&golden::read(&file(DUMP))?) else {
            return Err(format!(
                "the first line of {} must say when to take the dump: `{}`",
                golden::name(&file(DUMP)),
                protocol::dump::header("<section>/<example>", Duration::from_millis(1500))
            ));
        };
        invocation.dump_at = Some(at);
        invocation.dump_file = Some(scratch.join(DUMP).display().to_string());
        kinds.push(DUMP);
    }
    Ok(kinds)
}

/// What a run recorded for the golden file of `kind`: what it printed, or
/// the file it wrote in `scratch`, `None` if it wrote none.
fn recorded(kind: &str, stdout: &str, scratch: &Path) -> Result<Option<String>, String> {
    if kind == STDOUT {
        return Ok(Some(stdout.to_owned()));
    }
    match std::fs::read_to_string(scratch.join(kind)) {
        Ok(recorded) => Ok(Some(recorded)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("cannot read the run's {kind}: {error}")),
    }
}

/// Where a run writes when it wrote each line (`--line-instants`).
const LINE_INSTANTS: &str = "line-instants";

/// [`when_due`] for `case`'s golden stdout under `golden_root`.
fn due_on_the_virtual_clock(case: &Case, golden_root: &Path, timeout: Duration) -> Due {
    let golden = golden::path(golden_root, &case.section.name, &case.example.name, STDOUT);
    let scratch =
        tempfile::tempdir().map_err(|error| format!("cannot make a scratch directory: {error}"))?;
    when_due(case, &golden, timeout, scratch.path())
}

/// Each line of `case`'s golden file at `golden`, with the instant at which
/// a run on the virtual clock wrote it (see [`golden::on_the_real_clock`]);
/// or why not, if that run failed or printed otherwise.
pub(crate) fn when_due(
    case: &Case,
    golden: &Path,
    timeout: Duration,
    scratch: &Path,
) -> Result<Vec<(Duration, String)>, String> {
    let path = scratch.join(format!("virtual-{LINE_INSTANTS}"));
    let invocation = Invocation {
        examples: vec![case.example.name.clone()],
        clock: Clock::Virtual,
        timeout: Some(timeout),
        line_instants: Some(path.display().to_string()),
        ..Invocation::default()
    };
    let command = case.section.command(&invocation);
    let rerun = invocation.rerun_command(&case.section.name);
    let output = proc::run_limited(command, timeout + DUMP_GRACE, crate::limits::OUTPUT)
        .map_err(|error| format!("could not be started on the virtual clock: {error}"))?;
    if !output.success() {
        return Err(format!(
            "on the virtual clock, which says how far apart its lines are due, it {}: \
             `cargo xtask check-all {}` says more\n  re-run: {rerun}",
            output.exit,
            case.id()
        ));
    }
    let due = read_line_instants(&path)?;
    let name = golden::name(golden);
    let expected = golden::read(golden)?;
    if !expected
        .split_terminator('\n')
        .eq(due.iter().map(|(_, line)| line.as_str()))
    {
        return Err(format!(
            "on the virtual clock, which says how far apart its lines are due, it printed other \
             than {name}: `cargo xtask check-all` says how"
        ));
    }
    Ok(due)
}

/// A `--line-instants` file: each line with its instant.
fn read_line_instants(path: &Path) -> Result<Vec<(Duration, String)>, String> {
    Ok(read_recording(path)?.lines)
}

/// What a run on the real clock recorded: each line with its instant, and
/// how long the machine held its runtime up before each line and after the
/// last, where the file says.
struct Recorded {
    lines: Vec<(Duration, String)>,
    held_up: Vec<Option<Duration>>,
    held_up_after: Option<Duration>,
}

fn read_recording(path: &Path) -> Result<Recorded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the run's line instants: {error}"))?;
    let recording = protocol::line_instants::parse(&text)
        .map_err(|error| format!("its line instants can't be read: {error}"))?;
    let lines = recording.lines.iter();
    Ok(Recorded {
        lines: lines.map(|line| (line.at, line.text.to_owned())).collect(),
        held_up: recording.lines.iter().map(|line| line.held_up).collect(),
        held_up_after: recording.held_up_after,
    })
}

/// What a run on the real clock showed, where it did not fail.
struct OnTheRealClock {
    lag: Option<Duration>,
    held_up: Option<Duration>,
    cant_tell: Option<String>,
}

/// Compares what a run on the real clock wrote (its line instants, in
/// `scratch`) with the golden file at `path`, given when each of its lines
/// is due. A difference fails it, unless the machine kept the run's threads
/// from a CPU, on the way to it, for as long as the difference needs a line to
/// be late, less what the example's own work may add ([`golden::OWN_WORK`]):
/// then the run can't tell whose it is.
fn judge_real(
    path: &Path,
    scratch: &Path,
    due: &[(Duration, String)],
) -> Result<OnTheRealClock, String> {
    let name = golden::name(path);
    let run = read_recording(&scratch.join(LINE_INSTANTS))?;
    let compared = golden::on_the_real_clock(&name, due, &run.lines);
    // The counts only grow: the last is the run's.
    let counted = run.held_up.iter().chain([&run.held_up_after]);
    let held_up = counted.copied().max().flatten();
    let Some(diff) = compared.diff else {
        let lag = Some(compared.lag);
        return Ok(OnTheRealClock {
            lag,
            held_up,
            cant_tell: None,
        });
    };
    let differs = format!("its stdout differs from {name}\n{diff}");
    let needed = compared.needed;
    // How long the machine had held the run up by the line that differs
    // (for lines left out at the end, by the end).
    let held_up = match compared.first_difference {
        Some(line) => run.held_up[line],
        None => run.held_up_after,
    };
    match held_up {
        Some(held) if held + golden::OWN_WORK >= needed => Ok(OnTheRealClock {
            lag: None,
            held_up,
            cant_tell: Some(format!(
                "{differs}but on the way to it the machine kept the run's threads from a CPU \
                 for {:.3}s in all, and with the {:.3}s its own work may take, a line could have \
                 come the {:.3}s late this difference needs: run it again on a quieter machine",
                held.as_secs_f64(),
                golden::OWN_WORK.as_secs_f64(),
                needed.as_secs_f64(),
            )),
        }),
        Some(held) => Err(format!(
            "{differs}it needs a line {:.3}s late, and on the way to it the machine kept the \
             run's threads from a CPU for {:.3}s in all: too little, with the {:.3}s its own work may \
             take, to have made this difference",
            needed.as_secs_f64(),
            held.as_secs_f64(),
            golden::OWN_WORK.as_secs_f64(),
        )),
        None => Err(format!(
            "{differs}how long the machine kept the run's threads from a CPU on the way to it can't \
             be read here (no /proc/<pid>/task/<tid>/schedstat), so it fails"
        )),
    }
}

/// Whether the trace at `path` opens in the viewers.
fn check_trace(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    protocol::timeline::check_trace(&text)
}

/// Compares what a run on `clock` recorded for the golden file of `kind` at
/// `path` with it, or writes it there: the path, if written.
pub(crate) fn judge_golden(
    kind: &str,
    path: &Path,
    recorded: Option<String>,
    clock: Clock,
    snapshots: Snapshots,
) -> Result<Option<PathBuf>, String> {
    let Some(recorded) = recorded else {
        // The dump alone is taken at an instant, which run() may not reach.
        let why = match kind {
            DUMP => " (did run() end before the dump's instant?)",
            _ => "",
        };
        return Err(format!("the run wrote no {kind}{why}"));
    };
    let name = golden::name(path);
    if snapshots == Snapshots::Overwrite {
        if std::fs::read_to_string(path).ok() == Some(recorded.clone()) {
            return Ok(None);
        }
        let written = crate::files::write(path, recorded);
        written.map_err(|error| format!("cannot write {name}: {error}"))?;
        return Ok(Some(path.to_path_buf()));
    }
    let expected = golden::read(path)?;
    match golden::diff(&name, &expected, &recorded, clock) {
        None => Ok(None),
        Some(diff) => Err(format!("its {kind} differs from {name}\n{diff}")),
    }
}

/// What is wrong with how the run ended, if anything.
fn judge_exit(output: &Finished, mode: &Mode, timeout: Duration) -> Option<String> {
    // The runner's exit codes, as patterns.
    const TIMED_OUT: i32 = EXIT_TIMED_OUT as i32;
    const FAILED: i32 = EXIT_FAILED as i32;
    let stalled = matches!(mode, Mode::Stall(_));
    match output.exit {
        Exit::TimedOut | Exit::Code(TIMED_OUT) => Some(format!(
            "timed out after {}s; is it hung?",
            timeout.as_secs_f64()
        )),
        Exit::Signal(signal) => Some(format!("killed by signal {signal}")),
        ref exit @ Exit::TooMuchOutput { .. } => Some(exit.to_string()),
        Exit::Code(code) if code == i32::from(EXIT_PANICKED) => Some("panicked".to_owned()),
        Exit::Code(0) if stalled => {
            Some("exited 0 against a server that never answered: it reported no error".to_owned())
        }
        Exit::Code(FAILED) if stalled && output.stderr.contains("error: ") => None,
        Exit::Code(0) => None,
        Exit::Code(code) => Some(format!("exited with code {code}")),
    }
}

/// `cargo xtask bless`: `check-all` on the virtual clock, writing instead of comparing.
pub fn bless(timed: &flags::TimedExamples) -> Result<Outcome, Error> {
    run(
        &timed.selected,
        timed.timeout(),
        &Mode::Virtual,
        Snapshots::Overwrite,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A difference on the real clock fails, unless the machine had held
    /// the runtime up, by the line that differs, for as long as the
    /// difference needs a line to be late, less the example's own work; a
    /// match passes however long.
    #[test]
    fn only_a_run_the_machine_held_up_on_the_way_cant_tell_a_difference() {
        let scratch = tempfile::tempdir().unwrap();
        let ms = Duration::from_millis;
        let due = [
            (ms(0), "a".to_owned()),
            (ms(1000), "b".to_owned()),
            (ms(1600), "c".to_owned()),
        ];
        // Each line after how long the machine had held the runtime up by it.
        let judge = |lines: &[(Option<Duration>, &str)]| {
            let mut text = String::new();
            for (held, line) in lines {
                text.extend(held.map(protocol::line_instants::held_up));
                text.push_str(&protocol::line_instants::line(ms(0), line));
            }
            std::fs::write(scratch.path().join(LINE_INSTANTS), text).unwrap();
            judge_real(Path::new("golden"), scratch.path(), &due)
        };
        let own = golden::OWN_WORK;
        // `c` ahead of `b`: `b` came 0.6 s late.
        let enough = Some(ms(600) - own);
        let short = Some(ms(599) - own);
        let failed = judge(&[(None, "a"), (short, "c"), (None, "b")])
            .err()
            .unwrap();
        assert!(failed.contains("needs a line 0.600s late"), "{failed}");
        assert!(failed.contains("for 0.499s in all"), "{failed}");
        let unsure = judge(&[(None, "a"), (enough, "c"), (None, "b")]).unwrap();
        let why = unsure.cant_tell.unwrap();
        assert!(why.starts_with("its stdout differs from golden"), "{why}");
        assert!(why.contains("for 0.500s in all"), "{why}");
        // A line the golden file lacks needs the least that changes an order.
        let either = golden::EITHER_ORDER;
        assert!(judge(&[(None, "a"), (Some(either - own), "d")]).is_ok());
        assert!(judge(&[(None, "a"), (Some(either - own - ms(1)), "d")]).is_err());
        // Held up only after the line that differs: too late to have made it.
        assert!(judge(&[(None, "a"), (short, "c"), (enough, "b")]).is_err());
        assert!(judge(&[(None, "a"), (None, "c"), (None, "b")]).is_err());
        let passed = judge(&[(None, "a"), (Some(ms(400)), "b"), (None, "c")]).unwrap();
        assert_eq!((passed.cant_tell, passed.held_up), (None, Some(ms(400))));
    }

    /// Only a dump is taken at an instant run() may not reach; a timeline
    /// missing is another matter.
    #[test]
    fn only_a_missing_dump_asks_about_its_instant() {
        let missing = |kind| {
            let path = Path::new("tests/golden/basics/hello_world").with_extension(kind);
            judge_golden(kind, &path, None, Clock::Virtual, Snapshots::Compare).unwrap_err()
        };
        assert_eq!(missing(TIMELINE), "the run wrote no timeline");
        assert_eq!(
            missing(DUMP),
            "the run wrote no dump (did run() end before the dump's instant?)"
        );
    }
}
