//! `--cancel-sweep`: runs an example on the paused clock again and again,
//! dropping `run()` after its 1st, 2nd, ... poll that returned `Pending`
//! (inside the runtime, as a `timeout` drops it), until a run completes
//! before its cut; one that fails or runs away first, where the full run
//! did not, fails the sweep. After each cut, nothing may panic that the
//! full run does not; every task must stop at once, or as the blocking
//! jobs running then end (unless the example declares
//! [`Example::detaches_when_cancelled`]), and end within [`DRAIN`];
//! no `spawn_blocking` job, thread, file descriptor or temporary file may be
//! left (temporary files are counted exactly only when `TMPDIR` is the
//! sweep's own, as `cargo xtask cancel-sweep` makes it). A job or thread
//! is waited for until it ends, or has had [`PATIENCE`] of its own time
//! (`own_time.rs`: a busy machine does not make that shorter). The examples'
//! output goes to `/dev/null`; the report is on stderr.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::error::Error;
use std::ffi::OsString;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, Once};
use std::task::Poll;
use std::time::{Duration, Instant};

use protocol::{Clock, EXIT_FAILED, EXIT_OK, Flavor, SweepSummary};
use tokio::runtime::Runtime;

use crate::lock;
use crate::own_time::{Reading, Thread};
use crate::record::Recorder;
use crate::section::{Entry, Example, Run, builder};

/// How many turns the tasks of a cancelled example get to stop, with the
/// clock standing still: enough to say goodbye over a socket, not enough to
/// wait out a timer.
const SETTLE_TURNS: usize = 256;
/// How long the tasks of a cancelled example get to end, in virtual time.
const DRAIN: Duration = Duration::from_secs(60);
/// How much own time (running, or waiting on anything but a CPU) a thread
/// started since a cut may have, once the tasks are done, before what it
/// runs is said to be left running: a `spawn_blocking` job (which can't be
/// cancelled, only asked, and holds up its runtime's shutdown), then a
/// plain thread, as long again.
const PATIENCE: Duration = Duration::from_secs(5);
/// How long one cut may take in real time: longer, it waits for something
/// that never comes, or something blocks the thread, and the next cut could
/// never start.
const CUT_LIMIT: Duration = Duration::from_secs(30);
/// How much virtual time a run may have used, when it is polled, before it
/// is a runaway: checked at each poll, because on the paused clock a timer
/// fires as soon as the runtime is idle, as it is while a run waits for a
/// thread, a child process or a signal.
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
    install_panic_hook();
    let mut failed = false;
    for example in examples {
        let run = Run::new(section, example);
        let mut summary = SweepSummary {
            example: run.name.clone(),
            cuts: 0,
            failures: 0,
            skipped: None,
        };
        if let Entry::Sync(_) = example.entry {
            summary.skipped =
                Some("it builds a runtime of its own, which the runner can't cut".into());
        } else {
            let problems = sweep(&run, &mut summary.cuts);
            for problem in &problems {
                eprintln!("{}{problem}", SweepSummary::PROBLEM);
            }
            summary.failures = problems.len();
        }
        eprintln!("{}", summary.to_line());
        failed |= summary.failures > 0;
    }
    ExitCode::from(if failed { EXIT_FAILED } else { EXIT_OK })
}

/// Each distinct problem the cuts of one example showed, after the cuts it
/// was seen at; `cuts` counts the cuts.
fn sweep(run: &Run<'_>, cuts: &mut usize) -> Vec<String> {
    let watchdog = Watchdog::start(run.name.clone());
    let baseline = Resources::take();
    let (full, expected_panics) = cut_at(run, Until::End, &baseline);
    // A thread the full run stopped may not have ended yet; counted as there
    // before the first cut, it would hide one that cut leaves.
    let _ = Resources::left_since(&baseline);
    if let Ended::Badly(problem) = full {
        watchdog.stop();
        return vec![format!("the full run did not finish: {problem}")];
    }
    let expected_panics: BTreeSet<String> = expected_panics.into_iter().collect();
    let mut problems: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for cut in 1..=MAX_CUTS {
        watchdog.cut(cut);
        let before = Resources::take();
        let (ended, panics) = cut_at(run, Until::Poll(cut), &before);
        let left = match ended {
            Ended::Cut(left) => left,
            // It finished before its cut: every poll has been cut.
            Ended::Cleanly => break,
            // It failed or ran away before its cut, where the full run
            // finished: it depends on something outside the run (what an
            // earlier run left, chance), and later cuts would show it again.
            Ended::Badly(why) => {
                let problem = format!("a cut run ended on its own: {why}");
                problems.entry(problem).or_default().push(cut);
                break;
            }
        };
        *cuts = cut;
        let mut found = left.problems;
        // A blocking job still running holds its thread and the runtime's
        // driver: those leaks are its, already reported.
        if !left.blocking_job_outlived {
            found.extend(Resources::left_since(&before));
        }
        let unexpected = panics
            .iter()
            .filter(|place| !expected_panics.contains(*place));
        found.extend(unexpected.map(|place| format!("panicked at {place}")));
        if cut == MAX_CUTS {
            found.push(format!(
                "still pending after {MAX_CUTS} polls; the sweep stopped"
            ));
        }
        for problem in found {
            problems.entry(problem).or_default().push(cut);
        }
    }
    watchdog.stop();
    problems
        .into_iter()
        .map(|(problem, cuts)| format!("{}: {problem}", describe_cuts(&cuts)))
        .collect()
}

enum Cut {
    Finished(Result<(), Box<dyn Error>>),
    Dropped,
    /// Still pending when polled after [`FULL_RUN_LIMIT`].
    TooLong,
}

/// How far to let `run()` go before it is dropped.
#[derive(Clone, Copy)]
enum Until {
    /// Its end: the full run.
    End,
    /// Its poll of this number, if it is still pending then.
    Poll(usize),
}

/// How a run that [`cut_at`] made ended.
enum Ended {
    /// Dropped at its cut, leaving this.
    Cut(Left),
    /// It returned `Ok` first.
    Cleanly,
    /// It returned an error, ran too long, or (the full run) panicked.
    Badly(String),
}

/// What a cut left.
struct Left {
    problems: Vec<String>,
    /// A `spawn_blocking` job was still running when the check gave up.
    blocking_job_outlived: bool,
}

/// Runs the example until `until`, and says how it ended, and where
/// anything panicked; `before` is what the process held before it.
fn cut_at(run: &Run<'_>, until: Until, before: &Resources) -> (Ended, Vec<String>) {
    take_panics();
    let recorder = Recorder::new(run.example.path, run.example.source);
    let mut builder = builder(Clock::Virtual, Flavor::CurrentThread, &recorder, None);
    // A blocking thread with no job ends at once: a thread started since
    // the cut is then one that still runs something.
    builder.thread_keep_alive(Duration::ZERO);
    let runtime = match builder.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            let problem = format!("could not start a Tokio runtime: {error}");
            return (Ended::Badly(problem), Vec::new());
        }
    };
    let limit = match until {
        Until::End => usize::MAX,
        Until::Poll(cut) => cut,
    };
    let cut_after = async {
        let mut future = Some(run.start(&recorder).await?);
        let (mut polls, started) = (0, tokio::time::Instant::now());
        let cutting = std::future::poll_fn(|cx| {
            let Some(running) = future.as_mut() else {
                return Poll::Ready(Cut::Dropped);
            };
            polls += 1;
            let how = match running.as_mut().poll(cx) {
                Poll::Ready(result) => return Poll::Ready(Cut::Finished(result)),
                Poll::Pending if polls >= limit => Cut::Dropped,
                Poll::Pending if started.elapsed() > FULL_RUN_LIMIT => Cut::TooLong,
                Poll::Pending => return Poll::Pending,
            };
            // Dropped inside the runtime and the main task's poll, as a
            // `timeout` or a `select!` drops it.
            future = None;
            Poll::Ready(how)
        });
        Ok::<_, Box<dyn Error>>(cutting.await)
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(recorder.main(cut_after))
    }));
    let ended = match (result, until) {
        (Ok(Ok(Cut::Finished(Ok(())))), _) => Ended::Cleanly,
        (Ok(Ok(Cut::Finished(Err(error))) | Err(error)), _) => {
            Ended::Badly(format!("run() returned an error: {error}"))
        }
        (Ok(Ok(Cut::TooLong)), _) => {
            let limit = FULL_RUN_LIMIT.as_secs();
            Ended::Badly(format!(
                "run() was still running after {limit}s of virtual time"
            ))
        }
        (Err(_), Until::End) => Ended::Badly("run() panicked".to_owned()),
        (Err(_), Until::Poll(_)) => {
            let mut left = after_the_cut(run.example, &runtime, &recorder, before);
            let panicked = "run() panicked while it was being dropped".to_owned();
            left.problems.insert(0, panicked);
            Ended::Cut(left)
        }
        (Ok(Ok(Cut::Dropped)), _) => {
            Ended::Cut(after_the_cut(run.example, &runtime, &recorder, before))
        }
    };
    // A run that ended may leave a blocking job finishing what it started
    // (dropping its share of a temporary directory, say), which dropping the
    // runtime would wait for; given as long as a cut's, so that the shutdown
    // below does not abandon it half done.
    if let Ended::Cleanly = ended {
        let _ = outlives(before, || busy_blocking_jobs(&runtime) > 0);
    }
    // Only a blocking job that outlived one of those checks can hold this
    // up: after a cut that is already reported, and after a clean end the
    // process's files left behind show it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    (ended, take_panics())
}

/// What the tasks and blocking jobs do once `run()` was dropped: they must
/// stop at once (unless the example says they outlive it), and end within
/// [`DRAIN`] and [`PATIENCE`]; `before` is what the process held before.
fn after_the_cut(
    example: &Example,
    runtime: &Runtime,
    recorder: &Recorder,
    before: &Resources,
) -> Left {
    let mut problems = Vec::new();
    // `yield_now` lets every other task run, and the I/O driver be polled,
    // without the paused clock moving.
    let settle = || {
        let turns = async {
            for _ in 0..SETTLE_TURNS {
                tokio::task::yield_now().await;
            }
        };
        panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(turns))).is_ok()
    };
    let mut settled = settle();
    // A task aborted just as a blocking job woke it is marked woken, and so
    // is not queued again by the abort: it is queued, and then ends, only
    // when that wake lands, which on a busy machine can come after every
    // turn above. A blocking thread is idle again only after the wakes its
    // job made: so the tasks settle once more after the jobs are done.
    // What it gives up: a task left running whose last step was to await
    // such a job, and that ends with it, is not told from an aborted one.
    if !recorder.live().is_empty() && busy_blocking_jobs(runtime) > 0 {
        let _ = outlives(before, || busy_blocking_jobs(runtime) > 0);
        settled &= settle();
    }
    if !settled {
        problems.push("a panic escaped while its tasks were stopping".to_owned());
    }
    if !example.detaches_when_cancelled {
        problems.extend(recorder.live().iter().map(|place| {
            format!(
                "a task still running after run() was dropped, which detached it with its \
                 `JoinHandle` (hold the task in an `AbortOnDropHandle` or a `JoinSet`, or tell \
                 it to stop), spawned at {place}"
            )
        }));
    }
    let drain = async {
        let start = tokio::time::Instant::now();
        while !recorder.live().is_empty() && start.elapsed() < DRAIN {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    if panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(drain))).is_err() {
        problems.push("a panic escaped while its tasks were ending".to_owned());
    }
    let drain = DRAIN.as_secs();
    problems.extend(recorder.live().iter().map(|place| {
        format!(
            "a task still running {drain}s (virtual) after run() was dropped, spawned at {place}"
        )
    }));
    let blocking_job_outlived = outlives(before, || busy_blocking_jobs(runtime) > 0);
    if blocking_job_outlived {
        problems.push(format!(
            "a spawn_blocking job still running after {}s of its thread's own time (time it \
             waited for a CPU left out) since run() was dropped and its tasks were done",
            PATIENCE.as_secs()
        ));
    }
    Left {
        problems,
        blocking_job_outlived,
    }
}

/// `spawn_blocking` jobs running or queued. Without the metrics
/// (`--cfg tokio_unstable`) the command line refuses the sweep.
#[cfg(not(tokio_unstable))]
fn busy_blocking_jobs(_: &Runtime) -> usize {
    0
}

#[cfg(tokio_unstable)]
fn busy_blocking_jobs(runtime: &Runtime) -> usize {
    let metrics = runtime.metrics();
    let idle = metrics.num_idle_blocking_threads();
    metrics.num_blocking_threads().saturating_sub(idle) + metrics.blocking_queue_depth()
}

/// `cuts 3-5, 9` for a problem seen at those cuts.
fn describe_cuts(cuts: &[usize]) -> String {
    let ranges = cuts.chunk_by(|cut, next| cut + 1 == *next);
    let ranges: Vec<String> = ranges
        .map(|range| match range {
            [first, .., last] => format!("{first}-{last}"),
            // A single cut (no chunk is empty).
            _ => range.iter().map(usize::to_string).collect(),
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
            let payload = info.payload();
            let message = payload.downcast_ref::<&str>().copied().map(str::to_owned);
            let message = message.or_else(|| payload.downcast_ref::<String>().cloned());
            lock(&PANICS).push(format!("{place}: {}", message.unwrap_or_default()));
        }));
    });
}

fn take_panics() -> Vec<String> {
    std::mem::take(&mut lock(&PANICS))
}

/// What the process holds that a run could leave behind.
struct Resources {
    /// Open file descriptors and what each refers to.
    fds: BTreeMap<String, String>,
    /// The threads, each by its id; `None` if they can't be listed: then
    /// no thread is said to be left.
    threads: Option<BTreeSet<Thread>>,
    temporary: BTreeSet<OsString>,
}

impl Resources {
    fn take() -> Self {
        // Counted first: a thread releases what it holds before it ends.
        let threads = threads();
        let entries = |dir: PathBuf| std::fs::read_dir(dir).into_iter().flatten().flatten();
        let fds = entries("/proc/self/fd".into()).filter_map(|entry| {
            let target = std::fs::read_link(entry.path())
                .ok()?
                .to_string_lossy()
                .into_owned();
            // The directory being read is itself open.
            let fd = entry.file_name().to_string_lossy().into_owned();
            if target.starts_with("/proc/") {
                return None;
            }
            Some((fd, target))
        });
        Resources {
            threads,
            fds: fds.collect(),
            temporary: entries(std::env::temp_dir())
                .map(|entry| entry.file_name())
                .collect(),
        }
    }

    /// What the process holds now that `before` did not, once the threads
    /// started since have ended, or one of them has had [`PATIENCE`] of own
    /// time. What they held is released before they end: the threads are
    /// listed before the rest is read.
    fn left_since(before: &Resources) -> Vec<String> {
        outlives(before, || !before.started_since().is_empty());
        before.leaked_by(&Resources::take())
    }

    /// The threads running now that `self` did not list.
    fn started_since(&self) -> Vec<Thread> {
        match (&self.threads, threads()) {
            (Some(before), Some(now)) => now.difference(before).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// How many threads `after` runs that `self` did not, as far as both
    /// say.
    fn threads_left(&self, after: &Resources) -> usize {
        match (&self.threads, &after.threads) {
            (Some(before), Some(after)) => after.difference(before).count(),
            _ => 0,
        }
    }

    /// What `after` holds that `self` did not.
    fn leaked_by(&self, after: &Resources) -> Vec<String> {
        let fds = after
            .fds
            .iter()
            .filter(|(fd, target)| self.fds.get(*fd) != Some(target));
        let mut leaked: Vec<String> = fds
            .map(|(fd, target)| format!("file descriptor {fd} left open ({target})"))
            .collect();
        let threads = self.threads_left(after);
        if threads > 0 {
            leaked.push(format!("{threads} thread(s) left running"));
        }
        // Counted, not named: a temporary file's name differs from one cut
        // to the next, the problem does not.
        let temporary = after.temporary.difference(&self.temporary).count();
        if temporary > 0 {
            let dir = std::env::temp_dir();
            leaked.push(format!(
                "{temporary} temporary file(s) left behind in {}",
                dir.display()
            ));
        }
        leaked
    }
}

/// The threads of the process, each by its id; `None` if they can't be
/// listed. Listed again (a few times at most) while a listing holds fewer
/// than the process counts: it can miss one while another thread exits.
fn threads() -> Option<BTreeSet<Thread>> {
    let mut listed = BTreeSet::new();
    for _ in 0..10 {
        let count = crate::threads()?;
        listed = Thread::listed().into_iter().collect();
        if listed.len() >= count {
            break;
        }
    }
    Some(listed)
}

/// Waits while `busy` holds, until one of the threads started since
/// `before` has had [`PATIENCE`] of its own time since it was first seen
/// here (real time, where that can't be read): what it runs then runs on.
/// Whether `busy` still held then.
fn outlives(before: &Resources, busy: impl Fn() -> bool) -> bool {
    let mut first_seen: HashMap<Thread, Reading> = HashMap::new();
    loop {
        if !busy() {
            return false;
        }
        for thread in before.started_since() {
            let now = thread.read();
            let first = first_seen.entry(thread).or_insert(now);
            let own = now
                .own_since(first)
                .unwrap_or_else(|| now.at().saturating_duration_since(first.at()));
            if own >= PATIENCE {
                return busy();
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Ends the process when one cut runs longer than [`CUT_LIMIT`] of real
/// time: the thread is stuck and the sweep can't go on.
struct Watchdog(Arc<Mutex<Watched>>);

/// What the watchdog watches.
#[derive(Clone, Copy)]
enum Watched {
    /// A cut (number 0: the full run), and when it started.
    Cut { number: usize, started: Instant },
    /// Nothing: the sweep of the example is over.
    Stopped,
}

impl Watchdog {
    fn start(example: String) -> Self {
        let watchdog = Watchdog(Arc::new(Mutex::new(Watched::Cut {
            number: 0,
            started: Instant::now(),
        })));
        let state = Arc::clone(&watchdog.0);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(50));
                let Watched::Cut {
                    number: cut,
                    started,
                } = *lock(&state)
                else {
                    return;
                };
                if started.elapsed() > CUT_LIMIT {
                    let which = if cut == 0 {
                        "the full run".to_owned()
                    } else {
                        format!("cut {cut}")
                    };
                    let summary = SweepSummary {
                        example: example.clone(),
                        cuts: cut,
                        failures: 1,
                        skipped: None,
                    };
                    let report = format!(
                        "{}{which}: still running after {}s of real time; it waits for something \
                         that never comes, or something blocks the thread (a blocking call, a \
                         Drop that waits), so the sweep of {example} stops here\n{}\n",
                        SweepSummary::PROBLEM,
                        CUT_LIMIT.as_secs(),
                        summary.to_line()
                    );
                    let _ = std::io::stderr().write_all(report.as_bytes());
                    std::process::exit(i32::from(EXIT_FAILED));
                }
            }
        });
        watchdog
    }

    fn cut(&self, cut: usize) {
        *lock(&self.0) = Watched::Cut {
            number: cut,
            started: Instant::now(),
        };
    }

    fn stop(&self) {
        *lock(&self.0) = Watched::Stopped;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A run that fails before its cut, where the full run succeeded,
    /// fails the sweep; it used to end it as if the run had finished.
    #[test]
    fn a_cut_run_that_fails_fails_the_sweep() {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let example = Example::new(
            "fails_when_run_again",
            file!(),
            "",
            Entry::Plain(|| {
                Box::pin(async {
                    if RUNS.fetch_add(1, Ordering::SeqCst) > 0 {
                        return Err("it ran before in this process".into());
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Ok(())
                })
            }),
        );
        let mut cuts = 0;
        let problems = sweep(&Run::new("fixture", &example), &mut cuts);
        let expected = "cut 1: a cut run ended on its own: run() returned an error: it ran \
                        before in this process";
        assert_eq!(problems, [expected]);
        assert_eq!(cuts, 0);
    }

    #[test]
    fn cuts_are_grouped_into_ranges() {
        assert_eq!(describe_cuts(&[3]), "cut 3");
        assert_eq!(describe_cuts(&[1, 2, 3, 5, 7, 8]), "cuts 1-3, 5, 7-8");
    }

    #[test]
    fn a_new_descriptor_thread_or_temporary_file_is_a_leak() {
        let fd = |fd: &str, target: &str| (fd.to_owned(), target.to_owned());
        let before = Resources {
            fds: BTreeMap::from([fd("3", "anon_inode:[eventpoll]")]),
            threads: Some(BTreeSet::from([Thread::made_up(1), Thread::made_up(2)])),
            temporary: BTreeSet::new(),
        };
        let after = Resources {
            fds: BTreeMap::from([fd("3", "anon_inode:[eventpoll]"), fd("7", "socket:[1234]")]),
            threads: Some(BTreeSet::from([
                Thread::made_up(1),
                Thread::made_up(2),
                Thread::made_up(3),
            ])),
            temporary: BTreeSet::from([OsString::from(".tmpAbc")]),
        };
        let leaked = before.leaked_by(&after);
        assert_eq!(
            leaked[..2],
            [
                "file descriptor 7 left open (socket:[1234])",
                "1 thread(s) left running"
            ]
        );
        assert!(leaked[2].starts_with("1 temporary file(s) left behind in "));
        assert!(after.leaked_by(&after).is_empty());
        // A count that can't be read says nothing either way.
        let unread = Resources {
            fds: BTreeMap::new(),
            threads: None,
            temporary: BTreeSet::new(),
        };
        assert!(unread.threads_left(&after) == 0 && after.threads_left(&unread) == 0);
    }
}
