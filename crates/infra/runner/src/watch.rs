//! `--dump-at` and `--timeout`: where each task of an example waits, at an
//! instant of its clock, or when it outlives a deadline of real time.
//!
//! Without them `run()` is awaited as it is. With them it is polled beside
//! a `sleep` on the example's own clock (`--dump-at 1` is one virtual
//! second on the paused clock) and the watchdog: a thread that sleeps real
//! time, since a hung example never moves the paused clock, then asks the
//! runtime's thread for a dump (two, a beat apart, so that a deadlock is
//! named only if none of its tasks moved), waits a bounded time for it to
//! notice (a blocked thread never does; one that the example held up past
//! the ask says for how long, by its own time: `own_time.rs`) and a longer
//! one for the dump, prints it, waiting a bounded time again (a stderr
//! nobody reads never takes it), and exits with code 124, whatever the
//! example does meanwhile.

use std::future::Future;
use std::io::Write as _;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::Poll;
use std::time::{Duration, Instant};

use protocol::dump::header;
use protocol::{Clock, EXIT_TIMED_OUT, Kind};
use task_dump::{Dump, Taken, TaskDumps, Twice, seconds};
use tokio::sync::Notify;

use crate::dump;
use crate::lock;
use crate::own_time::{Reading, Thread};
use crate::record::{Held, LONG_POLL, Recorder, Running};

/// The names of the watchdog's thread and of the one it says its last
/// words on.
pub(crate) const WATCHDOG_THREAD: &str = "runner-watch";
pub(crate) const SAYING_THREAD: &str = "runner-says";

/// How long the watchdog waits for the runtime's thread to notice it was
/// asked, which it does at its next turn: one that has not by then is
/// blocked, and is said to be.
const NOTICE_PATIENCE: Duration = Duration::from_secs(5);
/// How long the watchdog then waits for the dump, a hang guard: twice the
/// dump's own patience ([`task_dump::PATIENCE`]), a beat, and reading the
/// debug info on a busy machine. (`cargo xtask check-all` waits longer than
/// this and the above.)
const DUMP_PATIENCE: Duration = Duration::from_secs(30);
/// How much of its own time the runtime's thread may take to notice that
/// it was asked before the example is said to have held it up.
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

/// Why a thread was late, by what the run can tell.
const HELD_UP: &str = "something blocked it";
const HELD_UP_OR_NOT_RUN: &str = "something blocked it, or the machine, busy with other work, did \
                                  not run it (the run can't tell which)";

/// What the watchdog saw of the runtime's threads when the time was up.
struct Busy {
    /// The runtime's thread's clocks when it was asked, and when it saw it
    /// was asked.
    asked: Reading,
    noticed: Reading,
    /// When the longest poll running on that thread then began.
    since: Option<Instant>,
    /// Tasks whose poll held their thread from then: each held a worker of a
    /// multi-thread runtime.
    held: Vec<Held>,
}

/// The watchdog of `--timeout`, shared with the runtime's thread.
pub(crate) struct Watchdog {
    timeout: Duration,
    phase: Mutex<Phase>,
    /// Wakes the runtime's thread to take a dump.
    trigger: Notify,
    /// Where the runtime's thread answers the trigger.
    answer: mpsc::Sender<Answer>,
    /// The timeout has passed: the process ends with code 124, whatever
    /// the example does meanwhile.
    fired: AtomicBool,
    /// When the runtime's thread last ended a dump of the runner's own
    /// (`--dump-at`, or the timeline's at the end of an instant), by its
    /// clocks: until then the runner kept it busy, not the example.
    ours_until: Mutex<Option<Reading>>,
    /// When the watchdog started: its timeout counts from then.
    started: Instant,
    /// The running example's records, which say when the poll running now
    /// began: where the runtime's thread is blocked, since when.
    polls: Mutex<Option<Recorder>>,
}

/// What the runtime's thread tells the watchdog, by its clocks then.
enum Answer {
    /// It saw it was asked, and takes the dump.
    Noticed(Reading),
    /// Where each task waits.
    Dump(String),
    /// `run()` returned, before a dump or instead of one.
    Returned(Reading),
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
            .name(WATCHDOG_THREAD.to_owned())
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
                let running = polls.as_ref().map(Recorder::asked).unwrap_or_default();
                let thread = polls.as_ref().and_then(Recorder::runtime_thread);
                let read =
                    |thread: Option<Thread>| thread.map_or_else(Reading::real_time, Thread::read);
                let running: Vec<(Running, Reading)> = running
                    .into_iter()
                    .map(|poll| (poll, read(poll.thread)))
                    .collect();
                self.trigger.notify_one();
                // Read once it is asked: a runtime thread asleep until then
                // is not held up by the time this thread took to ask (CI
                // once said "answered only at 5.5s: something blocked it" of
                // a thread asleep in a deadlock, on a busy machine).
                let asked_runtime = read(thread);
                let noticed = match answers.recv_timeout(NOTICE_PATIENCE) {
                    Ok(Answer::Noticed(noticed)) => Ok(noticed),
                    Ok(Answer::Returned(noticed)) => Err(noticed),
                    // Nothing else comes first.
                    Ok(Answer::Dump(_)) | Err(_) => {
                        let message = format!(
                            "error: example {example} timed out after {after}, and its \
                             runtime's thread did not answer within {} to show where its \
                             tasks wait: something blocks that thread ({BLOCKERS})",
                            seconds(NOTICE_PATIENCE)
                        );
                        self.say(message);
                    }
                };
                let (noticed, dump) = match noticed {
                    Err(returned) => (returned, Ok(None)),
                    Ok(noticed) => match answers.recv_timeout(DUMP_PATIENCE) {
                        Ok(Answer::Dump(dump)) => (noticed, Ok(Some(dump))),
                        Ok(Answer::Returned(_)) => (noticed, Ok(None)),
                        Ok(Answer::Noticed(_)) | Err(_) => (noticed, Err(())),
                    },
                };
                // A worker a poll held made the dump wait for it.
                let held = polls.as_ref().map(|polls| polls.held_workers(&running));
                let since = running
                    .iter()
                    .filter(|(poll, _)| thread.is_none() || poll.thread == thread)
                    .map(|(poll, _)| poll.since)
                    .min();
                let busy = Busy {
                    asked: asked_runtime,
                    noticed,
                    since,
                    held: held.unwrap_or_default(),
                };
                let example = format!(
                    "example {example} timed out after {after}{}",
                    self.busy(asked, &busy)
                );
                match dump {
                    Ok(Some(dump)) => format!(
                        "error: {example}; where each of its tasks waits:\n{}",
                        dump.trim_end()
                    ),
                    Ok(None) => format!("error: {example}, and then run() returned"),
                    Err(()) => format!(
                        "error: {example}; its runtime's thread saw it was asked, but did not \
                         show where its tasks wait within {}",
                        seconds(DUMP_PATIENCE)
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
        self.say(message)
    }

    /// Says `message` on stderr and exits with code 124. Said on a thread of
    /// its own and waited for a bounded time: a stderr nobody reads (a full
    /// pipe) would block the write, and the process would outlive its
    /// timeout.
    fn say(&self, message: String) -> ! {
        let (said, heard) = mpsc::channel();
        let saying = std::thread::Builder::new()
            .name(SAYING_THREAD.to_owned())
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

    /// What the timeout's message says of a thread the example held up, past
    /// the ask at `asked`, by that thread's own time (real time alone where
    /// that can't be read, which can't tell a blocked thread from one the
    /// machine did not run): the runtime's, if it noticed late, or else a
    /// worker that a task's poll held; nothing if none was.
    fn busy(&self, asked: Instant, busy: &Busy) -> String {
        let at = |instant: Instant| {
            let from = instant.saturating_duration_since(self.started);
            format!("{:.1}s", from.as_secs_f64())
        };
        // The runner's own dump kept the thread busy until it ended.
        let ours = *lock(&self.ours_until);
        let start = ours
            .filter(|ours| ours.at() > busy.asked.at())
            .unwrap_or(busy.asked);
        let late = match busy.noticed.own_since(&start) {
            Some(own) => (own >= LATE).then_some(HELD_UP),
            None => {
                let real = busy.noticed.at().saturating_duration_since(start.at());
                (real >= LATE).then_some(HELD_UP_OR_NOT_RUN)
            }
        };
        if let Some(why) = late {
            let noticed = busy.noticed.at().saturating_duration_since(asked);
            let until = (self.timeout + noticed).as_secs_f64();
            return match busy.since {
                Some(since) => format!(
                    "; its runtime's thread was busy from {} to {until:.1}s: {why} ({BLOCKERS})",
                    at(since)
                ),
                // Idle when asked, and held up after.
                None => format!(
                    "; its runtime's thread answered only at {until:.1}s: {why} ({BLOCKERS})"
                ),
            };
        }
        let mut said = String::new();
        for held in &busy.held {
            let why = if held.sure {
                HELD_UP
            } else {
                HELD_UP_OR_NOT_RUN
            };
            said.push_str(&match held.ended {
                Some(ended) => format!(
                    "; {} held its worker thread in one poll from {} to {}: {why} ({BLOCKERS})",
                    held.task,
                    at(held.since),
                    at(ended)
                ),
                None => format!(
                    "; {} has held its worker thread in one poll since {}: {why} ({BLOCKERS})",
                    held.task,
                    at(held.since)
                ),
            });
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
        // The runner's own dump at the end of an instant, not the example,
        // kept the thread until it ended: told before `run()` returned is.
        let polls = lock(&self.polls).clone();
        if let Some(ended) = polls.as_ref().and_then(Recorder::quiet_dump_ended) {
            self.kept_busy_until(ended);
        }
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
    fn kept_busy_until(&self, until: Reading) {
        let mut ours = lock(&self.ours_until);
        if ours.is_none_or(|ours| ours.at() < until.at()) {
            *ours = Some(until);
        }
    }

    fn reply(&self, answer: Answer) {
        let _ = self.answer.send(answer);
    }

    /// Once the timeout has passed, the watchdog ends the process, with
    /// code 124: nothing else may, nor run on meanwhile. If `run()` has
    /// returned first, the watchdog is told.
    pub(crate) fn hold_if_fired(&self) {
        if self.fired.load(Ordering::SeqCst) {
            self.reply(Answer::Returned(Reading::now()));
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
    /// On the real clock a dump comes when the runtime's thread gets to it,
    /// later than asked by however busy the machine or the example kept it:
    /// its text says which instant it shows.
    pub(crate) clock: Clock,
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
        dumps: dump::task_dumps(tracker.clone(), recorder.source()),
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
        let (asked, answer) = match next {
            Next::Instant => (Asked::Instant, taker.once(future.as_mut()).await),
            Next::Watchdog => {
                if let Some(watchdog) = &dumps.watchdog {
                    watchdog.reply(Answer::Noticed(Reading::now()));
                }
                (Asked::Watchdog, taker.twice(future.as_mut()).await)
            }
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
            let shows = match dumps.clock {
                Clock::Real => format!("as it was at {} of the run\n", seconds(report.at)),
                Clock::Virtual => String::new(),
            };
            let text = dump::text(report, &recorder.names(), recorder.source_file());
            let text = format!("{shows}{text}");
            match (asked, &dumps.watchdog) {
                (Asked::Instant, watchdog) => {
                    let at = header(example, dumps.at.unwrap_or_default());
                    emit(dumps.file, &format!("{at}\n{text}"));
                    if let Some(watchdog) = watchdog {
                        watchdog.kept_busy_until(Reading::now());
                    }
                }
                (Asked::Watchdog, Some(watchdog)) => {
                    if let Some(ended) = recorder.quiet_dump_ended() {
                        watchdog.kept_busy_until(ended);
                    }
                    watchdog.reply(Answer::Dump(text));
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
            return Twice::FinishedBetween(task_dump::report_ended(&first), output);
        }
        match self.take(future).await {
            Taken::Dump(second) => Twice::Both(task_dump::report(&second, Some(&first))),
            Taken::Finished(output) => {
                Twice::FinishedBetween(task_dump::report_ended(&first), output)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A watchdog whose thread never started, and where it is answered.
    fn unstarted() -> (Watchdog, mpsc::Receiver<Answer>) {
        let (answer, answers) = mpsc::channel();
        let watchdog = Watchdog {
            timeout: Duration::from_secs(1),
            phase: Mutex::new(Phase::Starting),
            trigger: Notify::new(),
            answer,
            fired: AtomicBool::new(false),
            ours_until: Mutex::new(None),
            started: Instant::now(),
            polls: Mutex::new(None),
        };
        (watchdog, answers)
    }

    /// What the watchdog says of a runtime's thread asked 1s in, that
    /// answered 0.6s later having waited `waited` of it for a CPU, in a
    /// poll that began at 0.2s if `in_a_poll`.
    fn said(waited: Option<Duration>, in_a_poll: bool) -> String {
        let (watchdog, _) = unstarted();
        let asked = watchdog.started + Duration::from_secs(1);
        let ran = Some(Duration::ZERO);
        let busy = Busy {
            asked: Reading::made_up(asked, ran, waited.map(|_| Duration::ZERO)),
            noticed: Reading::made_up(asked + Duration::from_millis(600), ran, waited),
            since: in_a_poll.then(|| watchdog.started + Duration::from_millis(200)),
            held: Vec::new(),
        };
        watchdog.busy(asked, &busy)
    }

    #[test]
    fn a_thread_held_up_past_the_ask_is_said_to_be_and_one_that_waited_for_a_cpu_is_not() {
        let held = said(Some(Duration::from_millis(100)), true);
        assert!(
            held.starts_with("; its runtime's thread was busy from 0.2s to 1.6s: something blocked it (a blocking call"),
            "{held}"
        );
        assert!(!held.contains("can't tell"), "{held}");
        let idle = said(Some(Duration::from_millis(100)), false);
        assert!(
            idle.starts_with("; its runtime's thread answered only at 1.6s: something blocked it"),
            "{idle}"
        );
        // Late only for want of a CPU: a busy machine, not the example.
        assert_eq!(said(Some(Duration::from_millis(500)), true), "");
        // Where the thread's clocks can't be read, real time can't tell.
        let unread = said(None, true);
        assert!(
            unread.contains(
                "or the machine, busy with other work, did not run it (the run can't tell which)"
            ),
            "{unread}"
        );
    }

    /// Until the runner's own dump ended, the runner held the thread.
    #[test]
    fn the_runners_own_dump_is_not_the_examples_doing() {
        let (watchdog, _) = unstarted();
        let asked = watchdog.started + Duration::from_secs(1);
        let ran = Some(Duration::ZERO);
        let waited = Some(Duration::ZERO);
        let ours = Reading::made_up(asked + Duration::from_millis(500), ran, waited);
        watchdog.kept_busy_until(ours);
        let busy = Busy {
            asked: Reading::made_up(asked, ran, waited),
            noticed: Reading::made_up(asked + Duration::from_millis(600), ran, waited),
            since: None,
            held: Vec::new(),
        };
        assert_eq!(watchdog.busy(asked, &busy), "");
    }

    /// `run()` returning after the timeout fired neither ends the process
    /// nor goes unsaid: the watchdog is told, and the thread waits for it
    /// to end the process.
    #[test]
    fn a_run_that_returns_after_the_timeout_tells_the_watchdog_and_waits() {
        let (watchdog, answers) = unstarted();
        let watchdog = Arc::new(watchdog);
        watchdog.fired.store(true, Ordering::SeqCst);
        let stopping = Arc::clone(&watchdog);
        std::thread::spawn(move || stopping.stopping("fixture/x"));
        let answer = answers.recv_timeout(Duration::from_secs(30));
        assert!(matches!(answer, Ok(Answer::Returned(_))));
    }
}
