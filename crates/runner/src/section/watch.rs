//! `--dump-at` and `--timeout`: dumping an example's tasks at an instant of
//! its clock, and when it outlives a deadline of real time.
//!
//! Nothing here runs unless one of the options is given: without them the
//! runner drives `run()` exactly as before. With them, `run()` is wrapped in
//! a future that also waits for the instant (a `sleep` on the example's own
//! clock, so `--dump-at 1` is one virtual second on the paused clock) or for
//! the watchdog. The watchdog is a thread that sleeps for `--timeout` of
//! real time, because a hung example on the paused clock never moves its
//! clock; it then asks the runtime's thread for a dump, waits a bounded
//! time for it (a blocked thread never answers) and exits with code 124,
//! having printed what it got on stderr.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use tokio::sync::Notify;

use crate::dump;
use protocol::EXIT_TIMED_OUT;

/// How long the watchdog waits for the runtime's thread to answer with a
/// dump: the tasks' dump gets [`DUMP_PATIENCE`], reading the debug info a
/// moment more.
const ANSWER_PATIENCE: Duration = Duration::from_secs(5);

/// How long the tasks' dump may take, as Tokio's docs advise bounding it.
#[cfg_attr(not(tokio_unstable), allow(dead_code))]
pub(crate) const DUMP_PATIENCE: Duration = Duration::from_secs(2);

/// What the run is doing, for the watchdog's message.
#[derive(Clone, Debug)]
enum Phase {
    Starting,
    /// `run()` of this example is running; `Err` says why it can't be
    /// dumped.
    Running {
        example: String,
        dumpable: Result<(), &'static str>,
    },
    /// `run()` returned; the runtime is settling or shutting down.
    Stopping {
        example: String,
    },
}

/// The watchdog of `--timeout`, shared with the runtime's thread.
pub(crate) struct Watchdog {
    timeout: Duration,
    phase: Mutex<Phase>,
    /// Wakes the runtime's thread to take a dump.
    pub(crate) trigger: Notify,
    answer: Mutex<Option<mpsc::Sender<String>>>,
}

impl Watchdog {
    /// Starts the thread that ends the process after `timeout`.
    pub(crate) fn start(timeout: Duration) -> Arc<Self> {
        let (sender, answers) = mpsc::channel();
        let watchdog = Arc::new(Watchdog {
            timeout,
            phase: Mutex::new(Phase::Starting),
            trigger: Notify::new(),
            answer: Mutex::new(Some(sender)),
        });
        let watching = Arc::clone(&watchdog);
        std::thread::Builder::new()
            .name("runner-watchdog".to_owned())
            .spawn(move || watching.watch(&answers))
            .map_err(|error| eprintln!("warning: --timeout is not enforced: {error}"))
            .ok();
        watchdog
    }

    fn watch(&self, answers: &mpsc::Receiver<String>) -> ! {
        std::thread::sleep(self.timeout);
        let after = protocol::dump::seconds(self.timeout);
        let phase = self
            .phase
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let message = match phase {
            Phase::Starting => format!("error: timed out after {after}, before any example ran"),
            Phase::Running {
                example,
                dumpable: Ok(()),
            } => {
                self.trigger.notify_one();
                match answers.recv_timeout(ANSWER_PATIENCE) {
                    Ok(dump) => format!(
                        "error: example {example} timed out after {after}; where each of its \
                         tasks waits:\n{}",
                        dump.trim_end()
                    ),
                    Err(_) => format!(
                        "error: example {example} timed out after {after}, and its runtime's \
                         thread did not answer within {} to show where its tasks wait: \
                         something blocks that thread (a blocking call, or a loop that never \
                         reaches an `.await`)",
                        protocol::dump::seconds(ANSWER_PATIENCE)
                    ),
                }
            }
            Phase::Running {
                example,
                dumpable: Err(why),
            } => format!("error: example {example} timed out after {after}; no dump: {why}"),
            Phase::Stopping { example } => format!(
                "error: example {example} timed out after {after}, after run() returned: its \
                 runtime is still shutting down, which waits for every spawn_blocking job to \
                 end"
            ),
        };
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{message}");
        let _ = stderr.flush();
        std::process::exit(i32::from(EXIT_TIMED_OUT));
    }

    /// `example`'s `run()` starts; `dumpable` says whether its tasks can be
    /// dumped.
    pub(crate) fn running(&self, example: &str, dumpable: Result<(), &'static str>) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = Phase::Running {
            example: example.to_owned(),
            dumpable,
        };
    }

    /// `example`'s `run()` has returned.
    pub(crate) fn stopping(&self, example: &str) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = Phase::Stopping {
            example: example.to_owned(),
        };
    }

    /// Hands the watchdog the dump it asked for.
    #[cfg_attr(not(tokio_unstable), allow(dead_code))]
    pub(crate) fn answer(&self, dump: String) {
        if let Some(sender) = self
            .answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = sender.send(dump);
        }
    }
}

/// Why a run can't be dumped, or `Ok`.
pub(crate) fn dumpable(sync: bool) -> Result<(), &'static str> {
    if !dump::AVAILABLE {
        Err("this binary can't take task dumps (it needs Linux and `--cfg tokio_unstable`)")
    } else if sync {
        Err("it builds a runtime of its own, whose tasks the runner can't see")
    } else {
        Ok(())
    }
}

#[cfg(tokio_unstable)]
pub(crate) use dumping::{Dumps, watched};

/// Without `Handle::dump` (Tokio's `taskdump` exists only on some
/// platforms), `--dump-at` is refused and `--timeout` ends the run without
/// a dump.
#[cfg(all(
    tokio_unstable,
    not(all(
        target_os = "linux",
        any(
            target_arch = "aarch64",
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "s390x"
        )
    ))
))]
mod dumping {
    use std::future::Future;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::dump::Source;
    use crate::section::record::Recorder;

    use super::Watchdog;

    pub(crate) struct Dumps<'a> {
        pub(crate) at: Option<Duration>,
        pub(crate) file: Option<&'a Mutex<std::fs::File>>,
        pub(crate) watchdog: Option<Arc<Watchdog>>,
    }

    pub(crate) async fn watched<F: Future>(
        future: F,
        _dumps: &Dumps<'_>,
        _recorder: &Recorder,
        _example: &str,
        _source: Source<'_>,
    ) -> F::Output {
        future.await
    }
}

#[cfg(all(
    tokio_unstable,
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
))]
mod dumping {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::{Arc, Mutex, PoisonError};
    use std::task::Poll;
    use std::time::Duration;

    use crate::dump::capture::{self, Snapshot};
    use crate::dump::{self, Source, TaskDump, Who};
    use crate::section::record::Recorder;

    use super::{DUMP_PATIENCE, Watchdog};

    /// Where `--dump-at`'s dumps go, and the watchdog, for one run.
    pub(crate) struct Dumps<'a> {
        pub(crate) at: Option<Duration>,
        /// `--dump-file`, or `None` for stdout.
        pub(crate) file: Option<&'a Mutex<std::fs::File>>,
        pub(crate) watchdog: Option<Arc<Watchdog>>,
    }

    enum Reason {
        At,
        Timeout,
    }

    /// `future` (the example's `run()`), dumped at `dumps.at` on the
    /// runtime's clock and when the watchdog asks. Without either, just
    /// `future`.
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
        let mut at = dumps.at.map(|at| Box::pin(tokio::time::sleep(at)));
        let mut notified = dumps
            .watchdog
            .as_ref()
            .map(|watchdog| Box::pin(watchdog.trigger.notified()));
        loop {
            // The instant is looked at before `run()` is polled: a poll the
            // dump's own timer woke is the dump's, and the dump polls
            // `run()` itself.
            let next = std::future::poll_fn(|cx| {
                if let Some(sleep) = at.as_mut()
                    && sleep.as_mut().poll(cx).is_ready()
                {
                    at = None;
                    return Poll::Ready(Ok(Reason::At));
                }
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Err(output));
                }
                if let Some(waiting) = notified.as_mut()
                    && waiting.as_mut().poll(cx).is_ready()
                {
                    notified = None;
                    return Poll::Ready(Ok(Reason::Timeout));
                }
                Poll::Pending
            })
            .await;
            let reason = match next {
                Ok(reason) => reason,
                Err(output) => {
                    if let Some(instant) = dumps.at.filter(|_| at.is_some()) {
                        eprintln!(
                            "note: {example} finished before {}, so there was no dump",
                            protocol::dump::seconds(instant)
                        );
                    }
                    return output;
                }
            };
            recorder.dump_started();
            let (finished, snapshot) = capture::snapshot(future.as_mut(), DUMP_PATIENCE).await;
            recorder.dump_ended();
            let text = render(&snapshot, recorder, source);
            match reason {
                Reason::At => {
                    let at = dumps.at.unwrap_or_default();
                    emit(dumps, &format!("{}\n{text}", protocol::dump::header(example, at)));
                }
                Reason::Timeout => {
                    if let Some(watchdog) = &dumps.watchdog {
                        watchdog.answer(text);
                    }
                }
            }
            if let Some(output) = finished {
                return output;
            }
        }
    }

    fn emit(dumps: &Dumps<'_>, text: &str) {
        use std::io::Write as _;
        match dumps.file {
            Some(file) => {
                let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
                if let Err(error) = file.write_all(text.as_bytes()) {
                    eprintln!("error: cannot write the dump: {error}");
                }
            }
            // A blank line on either side keeps it apart from the example's
            // own lines.
            None => println!("\n{text}"),
        }
    }

    /// The snapshot as text: `run()` first, then each task by its number.
    fn render(snapshot: &Snapshot, recorder: &Recorder, source: Source<'_>) -> String {
        let (places, hidden) = recorder.task_places();
        let fold = |traces: &Vec<Vec<dump::Frame>>| {
            traces
                .iter()
                .map(|frames| dump::fold(frames, source))
                .collect::<Vec<_>>()
        };
        let mut tasks = vec![TaskDump {
            who: Who::Main,
            place: "run()".to_owned(),
            parent: None,
            spawned_at: None,
            waits: fold(&snapshot.main),
        }];
        let mut spawned: Vec<TaskDump> = snapshot
            .tasks
            .iter()
            .filter(|(id, _)| !hidden.contains(id))
            .map(|(id, traces)| match places.get(id) {
                Some(known) => TaskDump {
                    who: Who::Task(known.number),
                    place: known.place.clone(),
                    parent: known.parent.map(|parent| match parent {
                        0 => Who::Main,
                        number => Who::Task(number),
                    }),
                    spawned_at: known.spawned_at.clone(),
                    waits: fold(traces),
                },
                None => TaskDump {
                    who: Who::Unknown,
                    place: "the runner did not see spawned".to_owned(),
                    parent: None,
                    spawned_at: None,
                    waits: fold(traces),
                },
            })
            .collect();
        spawned.sort_by_key(|task| task.who);
        tasks.extend(spawned);
        let notes: Vec<String> = snapshot.incomplete.iter().cloned().collect();
        dump::render(&tasks, Some(recorder.source()), &notes)
    }
}
