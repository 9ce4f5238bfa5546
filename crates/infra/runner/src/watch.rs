//! `--dump-at` and `--timeout`: where each task of an example waits, at an
//! instant of its clock, or when it outlives a deadline of real time.
//!
//! Without them `run()` is awaited as it is. With them it is polled beside
//! a `sleep` on the example's own clock (`--dump-at 1` is one virtual
//! second on the paused clock) and the watchdog: a thread that sleeps real
//! time, since a hung example never moves the paused clock, then asks the
//! runtime's thread for a dump (two, a beat apart, so that a deadlock is
//! named only if none of its tasks moved), waits a bounded time for it (a blocked
//! thread never answers; one that answers late says how late), prints it,
//! waiting a bounded time again (a stderr nobody reads never takes it), and
//! exits with code 124, whatever the example does meanwhile.

use std::future::Future;
use std::io::Write as _;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::Poll;
use std::time::{Duration, Instant};

use protocol::dump::header;
use protocol::{EXIT_TIMED_OUT, Kind};
use task_dump::{Dump, Taken, TaskDumps, Twice, seconds};
use tokio::sync::Notify;

use crate::dump;
use crate::lock;
use crate::record::{Held, LONG_POLL, Recorder};

/// How long the watchdog waits for the runtime's thread to answer: the
/// dump's own patience ([`task_dump::PATIENCE`]), and a moment to read the
/// debug info.
const ANSWER_PATIENCE: Duration = Duration::from_secs(5);
/// How late an answer says that something blocked the runtime's thread,
/// rather than that a busy machine was slow to run it.
const LATE: Duration = LONG_POLL;
/// How long the watchdog's message may take to write before the process
/// exits without it.
const SAY_PATIENCE: Duration = Duration::from_secs(2);

/// What the run is doing, for the watchdog's message.
#[derive(Clone)]
enum Phase {
    /// The files the flags name are being opened.
    Opening,
    Starting,
    /// `run()` of this example is running.
    Running {
        example: String,
        dumps: Dumpable,
    },
    /// `run()` returned; the runner waits for its tasks to end, or the
    /// runtime is shutting down.
    Stopping(String),
    /// Every example has run; `--timeline-file` and `--trace` are being
    /// written (a FIFO waits for a reader).
    Writing,
}

/// Whether the watchdog can show where the running example's tasks wait.
#[derive(Clone, Copy)]
enum Dumpable {
    Yes,
    /// No, for this reason.
    No(&'static str),
}

/// What holds a thread back, in the watchdog's words.
const BLOCKERS: &str = "a blocking call, such as a write to an output nobody reads, or a loop \
                        that never reaches an `.await`";

/// What the watchdog saw of the runtime's threads when the time was up.
struct Busy {
    asked: Instant,
    /// When the runtime's thread saw it was asked.
    noticed: Instant,
    /// When the longest poll running then began.
    since: Option<Instant>,
    /// Tasks in a long poll then: each held a worker of a multi-thread runtime.
    held: Vec<Held>,
}

/// The watchdog of `--timeout`, shared with the runtime's thread.
pub(crate) struct Watchdog {
    timeout: Duration,
    phase: Mutex<Phase>,
    /// Wakes the runtime's thread to take a dump.
    trigger: Notify,
    /// Where the runtime's thread answers the trigger: when it saw it, and
    /// its dump.
    answer: mpsc::Sender<Answer>,
    /// The timeout has passed: the process ends with code 124, whatever
    /// the example does meanwhile.
    fired: AtomicBool,
    /// When the runtime's thread last ended a dump of the runner's own
    /// (`--dump-at`, or the timeline's at the end of an instant): until
    /// then the runner kept it busy, not the example.
    ours_until: Mutex<Option<Instant>>,
    /// When the watchdog started: its timeout counts from then.
    started: Instant,
    /// The running example's records, which say when the poll running now
    /// began: where the runtime's thread is blocked, since when.
    polls: Mutex<Option<Recorder>>,
}

/// The runtime's thread's answer to the watchdog.
struct Answer {
    /// When it saw it was asked.
    noticed: Instant,
    /// Where each task waits, or `None` if `run()` returned first.
    dump: Option<String>,
}

impl Watchdog {
    /// Starts the thread that ends the process after `timeout`.
    pub(crate) fn start(timeout: Duration) -> Arc<Self> {
        let (sender, answers) = mpsc::channel();
        let watchdog = Arc::new(Watchdog {
            timeout,
            phase: Mutex::new(Phase::Starting),
            trigger: Notify::new(),
            answer: sender,
            fired: AtomicBool::new(false),
            ours_until: Mutex::new(None),
            started: Instant::now(),
            polls: Mutex::new(None),
        });
        let watching = Arc::clone(&watchdog);
        let started = std::thread::Builder::new()
            .name("runner-watchdog".to_owned())
            .spawn(move || watching.watch(&answers));
        if let Err(error) = started {
            eprintln!("warning: --timeout is not enforced: {error}");
        }
        watchdog
    }

    fn watch(&self, answers: &mpsc::Receiver<Answer>) -> ! {
        std::thread::sleep(self.timeout);
        let asked = Instant::now();
        self.fired.store(true, Ordering::SeqCst);
        let after = seconds(self.timeout);
        let phase = lock(&self.phase).clone();
        let message = match phase {
            Phase::Opening => format!(
                "error: timed out after {after}, before any example ran, opening the files it \
                 writes (a FIFO waits for a reader)"
            ),
            Phase::Starting => format!("error: timed out after {after}, before any example ran"),
            Phase::Running {
                example,
                dumps: Dumpable::Yes,
            } => {
                // Read before the runtime's thread is asked: it may end the
                // poll that holds a worker, to take the dump.
                let polls = lock(&self.polls).clone();
                let busy_since = polls.as_ref().and_then(Recorder::busy_since);
                self.trigger.notify_one();
                match answers.recv_timeout(ANSWER_PATIENCE) {
                    Ok(Answer { noticed, dump }) => {
                        // A worker a poll held made the dump wait for it.
                        let held = polls.as_ref().map(|polls| polls.held_workers(asked));
                        let busy = Busy {
                            asked,
                            noticed,
                            since: busy_since,
                            held: held.unwrap_or_default(),
                        };
                        let example = format!(
                            "example {example} timed out after {after}{}",
                            self.busy(&busy)
                        );
                        match dump {
                            Some(dump) => format!(
                                "error: {example}; where each of its tasks waits:\n{}",
                                dump.trim_end()
                            ),
                            None => format!("error: {example}, and then run() returned"),
                        }
                    }
                    Err(_) => format!(
                        "error: example {example} timed out after {after}, and its runtime's \
                         thread did not answer within {} to show where its tasks wait: \
                         something blocks that thread ({BLOCKERS})",
                        seconds(ANSWER_PATIENCE)
                    ),
                }
            }
            Phase::Running {
                example,
                dumps: Dumpable::No(why),
            } => {
                format!("error: example {example} timed out after {after}; no dump: {why}")
            }
            Phase::Stopping(example) => format!(
                "error: example {example} timed out after {after}, after run() returned: the \
                 runner still waits for the tasks it left to end, or for its runtime to shut \
                 down, which waits for every spawn_blocking job to end"
            ),
            Phase::Writing => format!(
                "error: timed out after {after}, writing the timeline or the trace (a FIFO \
                 waits for a reader)"
            ),
        };
        // Said on a thread of its own and waited for a bounded time: a
        // stderr nobody reads (a full pipe) would block the write, and the
        // process would outlive its timeout.
        let (said, heard) = mpsc::channel();
        let saying = std::thread::Builder::new()
            .name("runner-watchdog-says".to_owned())
            .spawn(move || {
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "{message}");
                let _ = stderr.flush();
                let _ = said.send(());
            });
        if saying.is_ok() {
            let _ = heard.recv_timeout(SAY_PATIENCE);
        }
        std::process::exit(i32::from(EXIT_TIMED_OUT));
    }

    /// What the timeout's message says of a thread something blocked: the
    /// runtime's, if it answered late, or else a worker that a task's poll
    /// held; nothing if none was.
    fn busy(&self, busy: &Busy) -> String {
        let at = |instant: Instant| {
            let from = instant.saturating_duration_since(self.started);
            format!("{:.1}s", from.as_secs_f64())
        };
        let ours = *lock(&self.ours_until);
        let late = busy
            .noticed
            .saturating_duration_since(ours.unwrap_or(busy.asked).max(busy.asked));
        if late >= LATE {
            let until = (self.timeout + busy.noticed.duration_since(busy.asked)).as_secs_f64();
            let from = match busy.since {
                Some(since) => at(since),
                None => format!("before {}", seconds(self.timeout)),
            };
            return format!(
                "; its runtime's thread was busy from {from} to {until:.1}s: something blocked \
                 it ({BLOCKERS}), or the machine, busy with other work, did not run it (the run \
                 can't tell which)"
            );
        }
        let mut said = String::new();
        for held in &busy.held {
            let until = match held.ended {
                Some(ended) => format!("to {}", at(ended)),
                None => "on".to_owned(),
            };
            said.push_str(&format!(
                "; {} held its worker thread in one poll from {} {until}: something blocked \
                 it ({BLOCKERS}), and the dump waited for that poll to end",
                held.task,
                at(held.since)
            ));
        }
        said
    }

    /// The polls of the example about to run are recorded by `recorder`.
    pub(crate) fn sees_polls(&self, recorder: &Recorder) {
        *lock(&self.polls) = Some(recorder.clone());
    }

    /// `example`'s `run()`, of this kind, starts.
    pub(crate) fn running(&self, example: &str, kind: Kind) {
        let dumps = if !dump::AVAILABLE {
            Dumpable::No(
                "this binary can't take task dumps (it needs Linux and `--cfg tokio_unstable`)",
            )
        } else {
            match kind {
                Kind::Sync => {
                    Dumpable::No("it builds a runtime of its own, whose tasks the runner can't see")
                }
                Kind::Plain | Kind::BaseUrl => Dumpable::Yes,
            }
        };
        let example = example.to_owned();
        self.set(Phase::Running { example, dumps });
    }

    /// `example`'s `run()` has returned.
    pub(crate) fn stopping(&self, example: &str) {
        self.hold_if_fired();
        *lock(&self.polls) = None;
        self.set(Phase::Stopping(example.to_owned()));
    }

    /// The files the flags name are being opened.
    pub(crate) fn opening(&self) {
        self.set(Phase::Opening);
    }

    /// The files the flags name are open; no example runs yet.
    pub(crate) fn opened(&self) {
        self.set(Phase::Starting);
    }

    /// Every example has run, and the files written whole at the end are
    /// being written.
    pub(crate) fn writing(&self) {
        self.set(Phase::Writing);
    }

    fn set(&self, phase: Phase) {
        *lock(&self.phase) = phase;
    }

    /// The runner kept the runtime's thread busy until `until`.
    fn kept_busy_until(&self, until: Instant) {
        let mut ours = lock(&self.ours_until);
        *ours = (*ours).max(Some(until));
    }

    fn reply(&self, noticed: Instant, dump: Option<String>) {
        let _ = self.answer.send(Answer { noticed, dump });
    }

    /// Once the timeout has passed, the watchdog ends the process, with
    /// code 124: nothing else may, nor run on meanwhile. If `run()` has
    /// returned first, the watchdog is told.
    pub(crate) fn hold_if_fired(&self) {
        if self.fired.load(Ordering::SeqCst) {
            self.reply(Instant::now(), None);
            loop {
                std::thread::park();
            }
        }
    }
}

/// `--dump-file`.
pub(crate) struct DumpFile {
    pub(crate) file: std::fs::File,
    /// A dump could not be written to it: then the run fails (exit code 1),
    /// as it does when stdout can't be written.
    pub(crate) failed: bool,
}

/// Where `--dump-at`'s dumps go (`--dump-file`, or else stdout), and the
/// watchdog, for one run.
pub(crate) struct Dumps<'a> {
    pub(crate) at: Option<Duration>,
    pub(crate) file: Option<&'a Mutex<DumpFile>>,
    pub(crate) watchdog: Option<Arc<Watchdog>>,
}

/// `future` (the example's `run()`), dumped at `dumps.at` on the runtime's
/// clock and when the watchdog asks.
pub(crate) async fn watched<F: Future>(
    future: F,
    dumps: &Dumps<'_>,
    recorder: &Recorder,
    example: &str,
) -> F::Output {
    let mut future = pin!(future);
    if dumps.at.is_none() && dumps.watchdog.is_none() {
        return future.await;
    }
    if let Some(watchdog) = &dumps.watchdog {
        watchdog.sees_polls(recorder);
    }
    // The runner's own timer: the tracker leaves it out of the example's.
    let tracker = recorder.tracker();
    let mut at = dumps
        .at
        .map(|at| Box::pin(tracker.ignoring(|| tokio::time::sleep(at))));
    let mut notified = dumps
        .watchdog
        .as_ref()
        .map(|w| Box::pin(w.trigger.notified()));
    let mut taker = Taker {
        dumps: TaskDumps::new(tracker.clone(), recorder.source().own()),
        recorder,
    };
    loop {
        // The instant is looked at before `run()` is polled: a poll the
        // dump's own timer woke is the dump's, and the dump polls `run()`.
        let next = std::future::poll_fn(|cx| {
            if let Some(sleep) = at.as_mut()
                && sleep.as_mut().poll(cx).is_ready()
            {
                at = None;
                return Poll::Ready(Next::Instant);
            }
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Next::Returned(output));
            }
            if let Some(waiting) = notified.as_mut()
                && waiting.as_mut().poll(cx).is_ready()
            {
                notified = None;
                return Poll::Ready(Next::Watchdog);
            }
            Poll::Pending
        })
        .await;
        let noticed = Instant::now();
        let (asked, answer) = match next {
            Next::Instant => (Asked::Instant, taker.once(future.as_mut()).await),
            Next::Watchdog => (Asked::Watchdog, taker.twice(future.as_mut()).await),
            Next::Returned(output) => {
                if let (Some(instant), Some(_)) = (dumps.at, &at) {
                    let at = seconds(instant);
                    eprintln!("note: {example} finished before {at}, so there was no dump");
                }
                return output;
            }
        };
        let (report, finished) = match answer {
            Twice::Both(report) => (Some(report), None),
            Twice::Finished(output) => (None, Some(output)),
            Twice::FinishedBetween(report, output) => (Some(report), Some(output)),
        };
        if let Some(report) = report {
            let text = dump::text(report, &recorder.names(), recorder.source_file());
            match (asked, &dumps.watchdog) {
                (Asked::Instant, watchdog) => {
                    let at = header(example, dumps.at.unwrap_or_default());
                    emit(dumps.file, &format!("{at}\n{text}"));
                    if let Some(watchdog) = watchdog {
                        watchdog.kept_busy_until(Instant::now());
                    }
                }
                (Asked::Watchdog, Some(watchdog)) => {
                    if let Some(ended) = recorder.quiet_dump_ended() {
                        watchdog.kept_busy_until(ended);
                    }
                    watchdog.reply(noticed, Some(text));
                }
                (Asked::Watchdog, None) => {}
            }
        }
        if let Some(output) = finished {
            return output;
        }
    }
}

/// What woke the watch.
enum Next<T> {
    /// `--dump-at`'s instant came.
    Instant,
    /// The watchdog asks for a dump.
    Watchdog,
    Returned(T),
}

/// Who asked for the dump just taken.
#[derive(Clone, Copy)]
enum Asked {
    Instant,
    Watchdog,
}

/// The dumps of one run, each taken with the recorder told, so that what
/// they poll is left off the timeline.
struct Taker<'a> {
    dumps: TaskDumps<'a>,
    recorder: &'a Recorder,
}

impl Taker<'_> {
    async fn take<F: Future + ?Sized>(&mut self, future: Pin<&mut F>) -> Taken<F::Output, Dump> {
        self.recorder.dump_started();
        let taken = self.dumps.dump(future).await;
        self.recorder.dump_ended();
        taken
    }

    /// One dump's report; or `run()`'s output, if it finished in the
    /// dump's poll.
    async fn once<F: Future + ?Sized>(&mut self, future: Pin<&mut F>) -> Twice<F::Output> {
        match self.take(future).await {
            Taken::Dump(dump) => Twice::Both(task_dump::report(&dump, None)),
            Taken::Finished(output) => Twice::Finished(output),
        }
    }

    /// The report of two dumps a beat apart, `run()` polled in between, as
    /// [`TaskDumps::dump_twice`] takes them, each with the recorder told.
    async fn twice<F: Future + ?Sized>(&mut self, mut future: Pin<&mut F>) -> Twice<F::Output> {
        let first = match self.take(future.as_mut()).await {
            Taken::Dump(dump) => dump,
            Taken::Finished(output) => return Twice::Finished(output),
        };
        if let Some(output) = self.dumps.beat(future.as_mut()).await {
            return Twice::FinishedBetween(task_dump::report(&first, None), output);
        }
        match self.take(future).await {
            Taken::Dump(second) => Twice::Both(task_dump::report(&second, Some(&first))),
            Taken::Finished(output) => {
                Twice::FinishedBetween(task_dump::report(&first, None), output)
            }
        }
    }
}

fn emit(file: Option<&Mutex<DumpFile>>, text: &str) {
    match file {
        Some(file) => {
            let mut file = lock(file);
            if let Err(error) = file.file.write_all(text.as_bytes()) {
                eprintln!("error: cannot write the dump: {error}");
                file.failed = true;
            }
        }
        // A blank line keeps it apart from the example's own lines.
        None => println!("\n{text}"),
    }
}
