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

use protocol::EXIT_TIMED_OUT;
use protocol::dump::{header, seconds};
use tokio::sync::Notify;

use crate::dump::{self, BEAT, Source, TaskDump, Who};
use crate::lock;
use crate::record::Recorder;

/// How long the watchdog waits for the runtime's thread to answer: the
/// dump's own [`DUMP_PATIENCE`], and a moment to read the debug info.
const ANSWER_PATIENCE: Duration = Duration::from_secs(5);
/// How late an answer says that something blocked the runtime's thread,
/// rather than that a busy machine was slow to run it.
const LATE: Duration = Duration::from_millis(250);
/// How long the tasks' dump may take, as Tokio's docs advise bounding it.
const DUMP_PATIENCE: Duration = Duration::from_secs(2);
/// How long the watchdog's message may take to write before the process
/// exits without it.
const SAY_PATIENCE: Duration = Duration::from_secs(2);

/// What the run is doing, for the watchdog's message.
#[derive(Clone)]
enum Phase {
    Starting,
    /// `run()` of this example is running; `Err` says why it can't be dumped.
    Running(String, Result<(), &'static str>),
    /// `run()` returned; the runtime is settling or shutting down.
    Stopping(String),
}

/// The watchdog of `--timeout`, shared with the runtime's thread.
pub(crate) struct Watchdog {
    timeout: Duration,
    phase: Mutex<Phase>,
    /// Wakes the runtime's thread to take a dump.
    trigger: Notify,
    /// When the runtime's thread saw the trigger, and its dump, or `None`
    /// if `run()` returned first.
    answer: Mutex<Option<mpsc::Sender<Answer>>>,
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

type Answer = (Instant, Option<String>);

impl Watchdog {
    /// Starts the thread that ends the process after `timeout`.
    pub(crate) fn start(timeout: Duration) -> Arc<Self> {
        let (sender, answers) = mpsc::channel();
        let watchdog = Arc::new(Watchdog {
            timeout,
            phase: Mutex::new(Phase::Starting),
            trigger: Notify::new(),
            answer: Mutex::new(Some(sender)),
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
        let busy_since = lock(&self.polls).as_ref().and_then(Recorder::busy_since);
        let after = seconds(self.timeout);
        let blockers = "a blocking call, such as a write to an output nobody reads, or a loop \
                        that never reaches an `.await`";
        let phase = lock(&self.phase).clone();
        let message = match phase {
            Phase::Starting => format!("error: timed out after {after}, before any example ran"),
            Phase::Running(example, Ok(())) => {
                self.trigger.notify_one();
                match answers.recv_timeout(ANSWER_PATIENCE) {
                    Ok((noticed, dump)) => {
                        let ours = *lock(&self.ours_until);
                        let late =
                            noticed.saturating_duration_since(ours.unwrap_or(asked).max(asked));
                        let until = (self.timeout + noticed.duration_since(asked)).as_secs_f64();
                        let from = match busy_since {
                            Some(since) => {
                                let from = since.saturating_duration_since(self.started);
                                format!("{:.1}s", from.as_secs_f64())
                            }
                            None => format!("before {after}"),
                        };
                        let busy = format!(
                            "; its runtime's thread was busy from {from} to {until:.1}s: \
                             something blocked it ({blockers})"
                        );
                        let busy = if late < LATE { "" } else { &busy };
                        let example = format!("example {example} timed out after {after}{busy}");
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
                         something blocks that thread ({blockers})",
                        seconds(ANSWER_PATIENCE)
                    ),
                }
            }
            Phase::Running(example, Err(why)) => {
                format!("error: example {example} timed out after {after}; no dump: {why}")
            }
            Phase::Stopping(example) => format!(
                "error: example {example} timed out after {after}, after run() returned: its \
                 runtime is still shutting down, which waits for every spawn_blocking job to \
                 end"
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

    /// The polls of the example about to run are recorded by `recorder`.
    pub(crate) fn sees_polls(&self, recorder: &Recorder) {
        *lock(&self.polls) = Some(recorder.clone());
    }

    /// `example`'s `run()` starts; `sync` if it builds its own runtime.
    pub(crate) fn running(&self, example: &str, sync: bool) {
        let dumpable = if !dump::AVAILABLE {
            Err("this binary can't take task dumps (it needs Linux and `--cfg tokio_unstable`)")
        } else if sync {
            Err("it builds a runtime of its own, whose tasks the runner can't see")
        } else {
            Ok(())
        };
        self.set(Phase::Running(example.to_owned(), dumpable));
    }

    /// `example`'s `run()` has returned.
    pub(crate) fn stopping(&self, example: &str) {
        self.hold_if_fired();
        *lock(&self.polls) = None;
        self.set(Phase::Stopping(example.to_owned()));
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
        if let Some(answer) = lock(&self.answer).as_ref() {
            let _ = answer.send((noticed, dump));
        }
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

/// `--dump-file`, and whether a dump could not be written to it: then the
/// run fails (exit code 1), as it does when stdout can't be written.
pub(crate) type DumpFile = (std::fs::File, bool);

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
    source: Source<'_>,
) -> F::Output {
    let mut future = pin!(future);
    if dumps.at.is_none() && dumps.watchdog.is_none() {
        return future.await;
    }
    if let Some(watchdog) = &dumps.watchdog {
        watchdog.sees_polls(recorder);
    }
    let mut at = dumps.at.map(|at| Box::pin(tokio::time::sleep(at)));
    let mut notified = dumps
        .watchdog
        .as_ref()
        .map(|w| Box::pin(w.trigger.notified()));
    loop {
        // The instant is looked at before `run()` is polled: a poll the
        // dump's own timer woke is the dump's, and the dump polls `run()`.
        let next = std::future::poll_fn(|cx| {
            if let Some(sleep) = at.as_mut()
                && sleep.as_mut().poll(cx).is_ready()
            {
                at = None;
                return Poll::Ready(Ok(true));
            }
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Err(output));
            }
            if let Some(waiting) = notified.as_mut()
                && waiting.as_mut().poll(cx).is_ready()
            {
                notified = None;
                return Poll::Ready(Ok(false));
            }
            Poll::Pending
        })
        .await;
        let at_instant = match next {
            Ok(at_instant) => at_instant,
            Err(output) => {
                if let Some(instant) = dumps.at.filter(|_| at.is_some()) {
                    eprintln!(
                        "note: {example} finished before {}, so there was no dump",
                        seconds(instant)
                    );
                }
                return output;
            }
        };
        let noticed = Instant::now();
        let take = async |future: Pin<&mut F>| {
            recorder.dump_started();
            let (finished, snapshot) = dump::snapshot(future, DUMP_PATIENCE).await;
            recorder.dump_ended();
            (finished, tasks(&snapshot, recorder, source))
        };
        let (mut finished, (mut tasks, mut notes)) = take(future.as_mut()).await;
        let mut earlier = None;
        // The watchdog's dump is taken twice, a beat apart: tasks that wait
        // for each other are deadlocked only if none of them moved meanwhile.
        if !at_instant && finished.is_none() {
            let mut beat = pin!(tokio::time::sleep(BEAT));
            let polled = std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
                Poll::Ready(output) => Poll::Ready(Some(output)),
                Poll::Pending => beat.as_mut().poll(cx).map(|()| None),
            });
            finished = polled.await;
            if finished.is_none() {
                let (again, (second, second_notes)) = take(future.as_mut()).await;
                earlier = Some(std::mem::replace(&mut tasks, second));
                (finished, notes) = (again, second_notes);
            }
        }
        let text = dump::render(
            &tasks,
            Some(recorder.source_file()),
            &notes,
            earlier.as_deref(),
        );
        if at_instant {
            let at = header(example, dumps.at.unwrap_or_default());
            emit(dumps.file, &format!("{at}\n{text}"));
            if let Some(watchdog) = &dumps.watchdog {
                watchdog.kept_busy_until(Instant::now());
            }
        } else if let Some(watchdog) = &dumps.watchdog {
            if let Some(ended) = recorder.quiet_dump_ended() {
                watchdog.kept_busy_until(ended);
            }
            watchdog.reply(noticed, Some(text));
        }
        if let Some(output) = finished {
            return output;
        }
    }
}

fn emit(file: Option<&Mutex<DumpFile>>, text: &str) {
    match file {
        Some(file) => {
            let mut file = lock(file);
            if let Err(error) = file.0.write_all(text.as_bytes()) {
                eprintln!("error: cannot write the dump: {error}");
                file.1 = true;
            }
        }
        // A blank line keeps it apart from the example's own lines.
        None => println!("\n{text}"),
    }
}

/// The snapshot's tasks, `run()` first, then each task by its number, and
/// its notes.
pub(crate) fn tasks(
    snapshot: &dump::Snapshot,
    recorder: &Recorder,
    source: Source<'_>,
) -> (Vec<TaskDump>, Vec<String>) {
    let (places, hidden) = recorder.task_places();
    let fold = |traces: &[Vec<dump::Frame>]| {
        traces
            .iter()
            .map(|frames| dump::fold(frames, source))
            .collect()
    };
    let main = TaskDump {
        who: Who::Main,
        place: "run()".to_owned(),
        parent: None,
        spawned_at: None,
        waits: fold(&snapshot.main),
    };
    let mut spawned: Vec<TaskDump> = snapshot
        .tasks
        .iter()
        .filter(|(id, _)| !hidden.contains(id))
        .map(|(id, traces)| {
            let unknown = TaskDump {
                who: Who::Unknown,
                place: "the runner did not see spawned".to_owned(),
                ..main.clone()
            };
            TaskDump {
                waits: fold(traces),
                ..places.get(id).cloned().unwrap_or(unknown)
            }
        })
        .collect();
    spawned.sort_by_key(|task| task.who);
    let notes = snapshot.incomplete.iter().cloned().collect();
    ([vec![main], spawned].concat(), notes)
}
