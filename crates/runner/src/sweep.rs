//! `--cancel-sweep`: runs an example on the paused clock again and again,
//! dropping `run()` after its 1st, 2nd, ... poll that returned `Pending`
//! (inside the runtime, as a `timeout` drops it), until a run completes
//! before its cut. After each cut, nothing may panic that the full run
//! does not; every task must stop at once (unless the example declares
//! [`Example::detaches_when_cancelled`]) and end within [`DRAIN`]; no
//! `spawn_blocking` job, thread, file descriptor or temporary file may be
//! left (temporary files are counted exactly only when `TMPDIR` is the
//! sweep's own, as `cargo xtask cancel-sweep` makes it). The examples'
//! output goes to `/dev/null`; the report is on stderr.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use protocol::{Clock, EXIT_FAILED, Flavor, SweepSummary};

use crate::record::Recorder;
use crate::section::{Entry, Example, ExampleFuture, Run, runtime};

/// How many turns the tasks of a cancelled example get to stop, with the
/// clock standing still: enough for a task told to stop to say goodbye over
/// a socket and end, not enough to wait out a timer.
pub const SETTLE_TURNS: usize = 256;
/// How long the tasks of a cancelled example get to end, in virtual time.
pub const DRAIN: Duration = Duration::from_secs(60);
/// How long a `spawn_blocking` job may still run once the tasks are done,
/// in real time: the runtime's shutdown timeout. A blocking job can't be
/// cancelled, only asked to stop; one that runs longer holds up the
/// shutdown of any runtime it runs on. A plain thread gets as long again
/// once the runtime is shut down: nothing waits for it, and it can only
/// end by itself.
pub const BLOCKING_PATIENCE: Duration = Duration::from_secs(5);
/// How long what a cut left is watched for, in real time, once no more
/// threads run than before it, before it counts as left behind.
const SETTLE: Duration = Duration::from_millis(200);
/// How long one cut may take in real time before the sweep gives up on the
/// example: the run waits for something that never comes, or something
/// blocks the thread (a blocking call, a `Drop` that waits), and the next
/// cut could never start.
const CUT_LIMIT: Duration = Duration::from_secs(30);
/// How much virtual time a run may have used, when it is polled, before the
/// sweep calls it a runaway.
///
/// It is checked at each poll, not by a timer: on the paused clock a timer
/// fires as soon as the runtime is idle, and a run that waits for a thread,
/// a child process or a signal leaves it idle while it waits. A run that
/// waits for nothing at all is left to [`CUT_LIMIT`].
const FULL_RUN_LIMIT: Duration = Duration::from_secs(3600);
/// A runaway example is cut at most this many times.
const MAX_CUTS: usize = 20_000;

/// Sweeps each example, its report on stderr, its output discarded.
pub(crate) fn sweep_all(section: &str, examples: &[Example]) -> ExitCode {
    let _ = std::io::stdout().flush();
    let null = std::fs::File::options().write(true).open("/dev/null");
    if let Err(error) = null.and_then(|null| Ok(rustix::stdio::dup2_stdout(null)?)) {
        eprintln!("error: cannot send the examples' output to /dev/null: {error}");
        return ExitCode::from(EXIT_FAILED);
    }
    let mut failed = false;
    for example in examples {
        let swept = sweep(&Run::new(section, example));
        for failure in &swept.failures {
            eprintln!("{}{failure}", SweepSummary::PROBLEM);
        }
        eprintln!("{}", swept.summary.to_line());
        failed |= swept.summary.failures > 0;
    }
    match failed {
        true => ExitCode::from(EXIT_FAILED),
        false => ExitCode::SUCCESS,
    }
}

/// What the sweep of one example found.
pub(crate) struct Sweep {
    pub(crate) summary: SweepSummary,
    /// Each distinct problem, with the cuts it was seen at.
    pub(crate) failures: Vec<String>,
}

/// Sweeps one example. Its stdout must already point at `/dev/null`.
fn sweep(run: &Run<'_>) -> Sweep {
    install_panic_hook();
    let mut summary = SweepSummary {
        example: run.name.clone(),
        cuts: 0,
        failures: 0,
        skipped: None,
    };
    if let Entry::Sync(_) = run.example.entry {
        summary.skipped = Some("it builds a runtime of its own, which the runner can't cut".into());
        return Sweep {
            summary,
            failures: Vec::new(),
        };
    }

    // The full run: how it ends, and where it may panic by design.
    let watchdog = Watchdog::start(run.name.clone());
    let baseline = Resources::take();
    let full = cut_at(run, None);
    // A thread that the full run stopped may not have ended yet; counted
    // as there before the first cut, it would hide one that cut leaves.
    let _ = Resources::left_since(&baseline);
    let expected_panics: BTreeSet<String> = full.panics.iter().cloned().collect();
    if let Some(problem) = full.unfinished {
        watchdog.stop();
        summary.failures = 1;
        return Sweep {
            summary,
            failures: vec![format!("the full run did not finish: {problem}")],
        };
    }

    let mut problems: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for cut in 1..=MAX_CUTS {
        watchdog.cut(cut);
        let before = Resources::take();
        let ended = cut_at(run, Some(cut));
        if ended.completed {
            break;
        }
        summary.cuts = cut;
        let mut found = ended.problems;
        // A blocking job still running holds its thread and the runtime's
        // driver: those leaks are its, already reported.
        if !ended.blocking_left {
            found.extend(Resources::left_since(&before));
        }
        found.extend(
            ended
                .panics
                .iter()
                .filter(|place| !expected_panics.contains(*place))
                .map(|place| format!("panicked at {place}")),
        );
        for problem in found {
            problems.entry(problem).or_default().push(cut);
        }
        if cut == MAX_CUTS {
            problems
                .entry(format!(
                    "still pending after {MAX_CUTS} polls; the sweep stopped"
                ))
                .or_default()
                .push(cut);
        }
    }
    watchdog.stop();
    summary.failures = problems.len();
    Sweep {
        summary,
        failures: problems
            .into_iter()
            .map(|(problem, cuts)| format!("{}: {problem}", describe_cuts(&cuts)))
            .collect(),
    }
}

/// How one run with a cut (or without one) ended.
#[derive(Default)]
struct Ended {
    /// `run()` finished before its cut.
    completed: bool,
    /// What went wrong after the cut.
    problems: Vec<String>,
    /// Where anything panicked during the run.
    panics: Vec<String>,
    /// Why a run without a cut did not finish cleanly.
    unfinished: Option<String>,
    /// A `spawn_blocking` job outlived [`BLOCKING_PATIENCE`].
    blocking_left: bool,
}

/// Runs the example, dropping `run()` after poll number `cut` if it is
/// still pending then; with no cut, runs it to the end.
fn cut_at(run: &Run<'_>, cut: Option<usize>) -> Ended {
    take_panics();
    let mut ended = Ended::default();
    let recorder = Recorder::new(run.example.path, run.example.source);
    let runtime = match runtime(Clock::Virtual, Flavor::CurrentThread, |builder| {
        recorder.install(builder)
    }) {
        Ok(runtime) => runtime,
        Err(error) => {
            ended.completed = true;
            ended.unfinished = Some(format!("could not start a Tokio runtime: {error}"));
            return ended;
        }
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(recorder.main(async {
            let future = run.start(&recorder).await?;
            Ok::<_, Box<dyn Error>>(
                CutAfter {
                    future: Some(future),
                    polls: 0,
                    cut: cut.unwrap_or(usize::MAX),
                    started: tokio::time::Instant::now(),
                }
                .await,
            )
        }))
    }));
    match result {
        Ok(Ok(Cut::Finished(Ok(())))) => ended.completed = true,
        Ok(Ok(Cut::Finished(Err(error)))) | Ok(Err(error)) => {
            ended.completed = true;
            ended.unfinished = Some(format!("run() returned an error: {error}"));
        }
        Ok(Ok(Cut::TooLong)) => {
            ended.completed = true;
            ended.unfinished = Some(format!(
                "run() was still running after {}s of virtual time",
                FULL_RUN_LIMIT.as_secs()
            ));
        }
        Err(_) if cut.is_none() => {
            ended.completed = true;
            ended.unfinished = Some("run() panicked".to_owned());
        }
        Err(_) => {
            ended
                .problems
                .push("run() panicked while it was being dropped".to_owned());
            after_the_cut(run.example, &runtime, &recorder, &mut ended);
        }
        Ok(Ok(Cut::Dropped)) => after_the_cut(run.example, &runtime, &recorder, &mut ended),
    }
    // Only a blocking job that outlived the check above can hold this up,
    // and that is already reported.
    runtime.shutdown_timeout(Duration::from_millis(100));
    ended.panics = take_panics();
    ended
}

/// What the tasks and blocking jobs do once `run()` was dropped: they
/// must stop at once (unless the example says they outlive it), and end
/// within [`DRAIN`] and [`BLOCKING_PATIENCE`].
fn after_the_cut(
    example: &Example,
    runtime: &tokio::runtime::Runtime,
    recorder: &Recorder,
    ended: &mut Ended,
) {
    let settled = panic::catch_unwind(AssertUnwindSafe(|| {
        // `yield_now` lets every other task run, and the I/O driver be
        // polled, without the paused clock moving.
        runtime.block_on(async {
            for _ in 0..SETTLE_TURNS {
                tokio::task::yield_now().await;
            }
        })
    }));
    if settled.is_err() {
        ended
            .problems
            .push("a panic escaped while its tasks were stopping".to_owned());
    }
    if !example.detaches_when_cancelled {
        for place in recorder.live() {
            ended.problems.push(format!(
                "a task still running after run() was dropped, which detached it with its \
                 `JoinHandle` (hold the task in an `AbortOnDropHandle` or a `JoinSet`, or tell \
                 it to stop), spawned at {place}"
            ));
        }
    }
    let drained = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            let start = tokio::time::Instant::now();
            while !recorder.live().is_empty() && start.elapsed() < DRAIN {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    }));
    if drained.is_err() {
        ended
            .problems
            .push("a panic escaped while its tasks were ending".to_owned());
    }
    for place in recorder.live() {
        ended.problems.push(format!(
            "a task still running {}s (virtual) after run() was dropped, spawned at {place}",
            DRAIN.as_secs()
        ));
    }
    let started = Instant::now();
    while busy_blocking_jobs(runtime) > 0 && started.elapsed() < BLOCKING_PATIENCE {
        std::thread::sleep(Duration::from_millis(5));
    }
    if busy_blocking_jobs(runtime) > 0 {
        ended.blocking_left = true;
        ended.problems.push(format!(
            "a spawn_blocking job still running {}s (real) after run() was dropped and its \
             tasks were done",
            BLOCKING_PATIENCE.as_secs()
        ));
    }
}

/// `spawn_blocking` jobs running or queued. Without the metrics
/// (`--cfg tokio_unstable`) the command line refuses the sweep.
#[cfg(not(tokio_unstable))]
fn busy_blocking_jobs(_: &tokio::runtime::Runtime) -> usize {
    0
}

#[cfg(tokio_unstable)]
fn busy_blocking_jobs(runtime: &tokio::runtime::Runtime) -> usize {
    let metrics = runtime.metrics();
    metrics
        .num_blocking_threads()
        .saturating_sub(metrics.num_idle_blocking_threads())
        + metrics.blocking_queue_depth()
}

enum Cut<T> {
    Finished(T),
    Dropped,
    /// The run was still pending, polled after [`FULL_RUN_LIMIT`].
    TooLong,
}

/// `future`, dropped right after its `cut`-th poll if that returned
/// `Pending`.
struct CutAfter {
    future: Option<ExampleFuture>,
    polls: usize,
    cut: usize,
    /// When the run started, on the runtime's clock.
    started: tokio::time::Instant,
}

impl Future for CutAfter {
    type Output = Cut<Result<(), Box<dyn Error>>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(Cut::Dropped);
        };
        this.polls += 1;
        match future.as_mut().poll(cx) {
            Poll::Ready(result) => Poll::Ready(Cut::Finished(result)),
            Poll::Pending if this.polls >= this.cut => {
                // Dropped here, inside the runtime and inside the main
                // task's poll, as a `timeout` or a `select!` drops it.
                this.future = None;
                Poll::Ready(Cut::Dropped)
            }
            Poll::Pending if this.started.elapsed() > FULL_RUN_LIMIT => {
                this.future = None;
                Poll::Ready(Cut::TooLong)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `cuts 3-5, 9` for a problem seen at those cuts.
fn describe_cuts(cuts: &[usize]) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &cut in cuts {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == cut => *end = cut,
            _ => ranges.push((cut, cut)),
        }
    }
    let ranges: Vec<String> = ranges
        .iter()
        .map(|&(start, end)| match end - start {
            0 => start.to_string(),
            _ => format!("{start}-{end}"),
        })
        .collect();
    let noun = if cuts.len() == 1 { "cut" } else { "cuts" };
    format!("{noun} {}", ranges.join(", "))
}

/// Where each panic of the process happened, since it was last asked.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records where each panic happened, with its message, instead of printing
/// it: a cut can panic many times, and the report says where.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let place = info.location().map_or_else(
                || "an unknown place".to_owned(),
                |location| format!("{}:{}", location.file(), location.line()),
            );
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            PANICS
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .push(format!("{place}: {message}"));
        }));
    });
}

fn take_panics() -> Vec<String> {
    std::mem::take(&mut PANICS.lock().unwrap_or_else(|poison| poison.into_inner()))
}

/// What the process holds that a run could leave behind.
struct Resources {
    /// Open file descriptors and what each refers to.
    fds: BTreeMap<String, String>,
    threads: usize,
    temporary: BTreeSet<OsString>,
}

impl Resources {
    fn take() -> Self {
        let fds = std::fs::read_dir("/proc/self/fd")
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|entry| {
                        let target = std::fs::read_link(entry.path()).ok()?;
                        let target = target.to_string_lossy().into_owned();
                        // The directory being read is itself open.
                        (!target.starts_with("/proc/"))
                            .then(|| (entry.file_name().to_string_lossy().into_owned(), target))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Not a listing of /proc/self/task, which can miss a live thread
        // while another one exits.
        let threads = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|line| line.starts_with("Threads:"))?;
                line["Threads:".len()..].trim().parse().ok()
            })
            .unwrap_or(0);
        let temporary = std::fs::read_dir(std::env::temp_dir())
            .map(|entries| entries.flatten().map(|entry| entry.file_name()).collect())
            .unwrap_or_default();
        Resources {
            fds,
            threads,
            temporary,
        }
    }

    /// What the process holds now that `before` did not, once the threads
    /// started since have ended, or [`BLOCKING_PATIENCE`] has passed, and
    /// what they were releasing has had [`SETTLE`] more. A thread that still
    /// runs holds what it opened; one that was just joined can still be
    /// listed for a moment; and the last owner of a runtime's driver closes
    /// its descriptors one after another.
    fn left_since(before: &Resources) -> Vec<String> {
        let started = Instant::now();
        let mut settled: Option<Instant> = None;
        loop {
            let now = Resources::take();
            let leaked = before.leaked_by(&now);
            if leaked.is_empty() {
                return leaked;
            }
            if now.threads <= before.threads {
                settled.get_or_insert_with(Instant::now);
            }
            if started.elapsed() >= BLOCKING_PATIENCE
                || settled.is_some_and(|since| since.elapsed() >= SETTLE)
            {
                return leaked;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// What `after` holds that `self` did not.
    fn leaked_by(&self, after: &Resources) -> Vec<String> {
        let mut leaked: Vec<String> = after
            .fds
            .iter()
            .filter(|(fd, target)| self.fds.get(*fd) != Some(target))
            .map(|(fd, target)| format!("file descriptor {fd} left open ({target})"))
            .collect();
        if after.threads > self.threads {
            leaked.push(format!(
                "{} thread(s) left running",
                after.threads - self.threads
            ));
        }
        // Named apart from the other problems: a temporary file's name
        // differs from one cut to the next, the problem does not.
        let temporary = after.temporary.difference(&self.temporary).count();
        if temporary > 0 {
            leaked.push(format!(
                "{temporary} temporary file(s) left behind in {}",
                std::env::temp_dir().display()
            ));
        }
        leaked
    }
}

/// Ends the process if one cut runs for longer than [`CUT_LIMIT`] of real
/// time: the thread is stuck and the sweep can't go on.
struct Watchdog {
    cut: Arc<AtomicU64>,
    started: Arc<Mutex<Instant>>,
    stop: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(example: String) -> Self {
        let watchdog = Watchdog {
            cut: Arc::new(AtomicU64::new(0)),
            started: Arc::new(Mutex::new(Instant::now())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (cut, started, stop) = (
            watchdog.cut.clone(),
            watchdog.started.clone(),
            watchdog.stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let since = started
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .elapsed();
                if since > CUT_LIMIT && !stop.load(Ordering::Relaxed) {
                    let cut = cut.load(Ordering::Relaxed);
                    let mut report = String::new();
                    let which = match cut {
                        0 => "the full run".to_owned(),
                        cut => format!("cut {cut}"),
                    };
                    let _ = writeln!(
                        report,
                        "{}{which}: still running after {}s of real time; it waits for \
                         something that never comes, or something blocks the thread (a \
                         blocking call, a Drop that waits), so the sweep of {example} stops here",
                        SweepSummary::PROBLEM,
                        CUT_LIMIT.as_secs()
                    );
                    let _ = writeln!(
                        report,
                        "{}",
                        SweepSummary {
                            example: example.clone(),
                            cuts: usize::try_from(cut).unwrap_or(usize::MAX),
                            failures: 1,
                            skipped: None,
                        }
                        .to_line()
                    );
                    let _ = std::io::stderr().write_all(report.as_bytes());
                    std::process::exit(i32::from(EXIT_FAILED));
                }
            }
        });
        watchdog
    }

    fn cut(&self, cut: usize) {
        self.cut
            .store(u64::try_from(cut).unwrap_or(u64::MAX), Ordering::Relaxed);
        *self
            .started
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Instant::now();
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_are_grouped_into_ranges() {
        assert_eq!(describe_cuts(&[3]), "cut 3");
        assert_eq!(describe_cuts(&[1, 2, 3, 5, 7, 8]), "cuts 1-3, 5, 7-8");
    }

    #[test]
    fn a_new_descriptor_or_temporary_file_is_a_leak() {
        let before = Resources {
            fds: BTreeMap::from([("3".to_owned(), "anon_inode:[eventpoll]".to_owned())]),
            threads: 2,
            temporary: BTreeSet::new(),
        };
        let after = Resources {
            fds: BTreeMap::from([
                ("3".to_owned(), "anon_inode:[eventpoll]".to_owned()),
                ("7".to_owned(), "socket:[1234]".to_owned()),
            ]),
            threads: 3,
            temporary: BTreeSet::from([OsString::from(".tmpAbc")]),
        };
        let temporary = format!(
            "1 temporary file(s) left behind in {}",
            std::env::temp_dir().display()
        );
        assert_eq!(
            before.leaked_by(&after),
            [
                "file descriptor 7 left open (socket:[1234])",
                "1 thread(s) left running",
                temporary.as_str(),
            ]
        );
        assert!(after.leaked_by(&after).is_empty());
    }
}
