//! The dump_stuck_tasks recipe's dumper, `with_dumps_on_sigusr1`: a dump
//! leaves out the dumper's own tasks, a dump taken as `main` ends is
//! written, and neither a stuck stderr nor a held worker holds anything
//! up. Kept out of the example's file, which a reader copies: some of these
//! tests need the multi-thread runtime, which a project of theirs may not
//! have. What a report says of spawns and locks, which the tracker records,
//! is tested in `dump_stuck_tasks.rs`, in a process of its own.
//!
//! Each `with_dumps_on_sigusr1` here sets its tracker as the process's
//! global subscriber if none is set yet: the first to run does, and the
//! others note that another was set first. That one is the only subscriber
//! this process ever has, and no test here asserts on what a tracker saw,
//! so which test sets it changes no verdict.

// The example's own file: its demonstration is the section binary's.
#[allow(dead_code)]
#[path = "../src/dump_stuck_tasks.rs"]
mod dump_stuck_tasks;

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use dump_stuck_tasks::with_dumps_on_sigusr1;
use tokio::sync::{Mutex, oneshot};

/// The tests that raise SIGUSR1, one at a time: the signal reaches every
/// listener in the process.
static SIGNALS: Mutex<()> = Mutex::const_new(());

/// A writer into a buffer the test reads.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, text: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(text);
        Ok(text.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the signal's thread's note that `main` has not answered says.
const NO_ANSWER: &str = "the thread that runs `main` has not taken it up for 2s";

impl Captured {
    /// Returns once a dump was written.
    async fn written(&self) {
        while !self.text().contains("SIGUSR1: where") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The dumps written: without the note that `main` has not answered,
    /// which a machine busy enough to hold `main`'s thread 2 s may add.
    fn text(&self) -> String {
        let all = self.all();
        let notes = all.lines().filter(|line| line.contains(NO_ANSWER));
        notes.fold(all.clone(), |text, note| {
            text.replacen(&format!("{note}\n"), "", 1)
        })
    }

    fn all(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A dump leaves out the dumper's own thread and tasks: here `main` is all
/// there is.
#[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_dump_leaves_out_the_dumpers_own_tasks() {
    let _one_at_a_time = SIGNALS.lock().await;
    let captured = Captured::default();
    let main = {
        let captured = captured.clone();
        async move {
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
            captured.written().await;
        }
    };
    tokio::time::timeout(
        Duration::from_secs(20),
        with_dumps_on_sigusr1(main, captured.clone()),
    )
    .await
    .expect("no dump within 20s")
    .unwrap();
    let dump = captured.text();
    let (first, rest) = dump.split_once('\n').unwrap();
    assert!(
        first.starts_with("SIGUSR1: where each task waits, as it was at "),
        "{dump}"
    );
    assert!(first.ends_with("s of the run"), "{dump}");
    assert!(rest.starts_with("\nmain (the body of `main`)\n"), "{dump}");
    assert!(!dump.contains("\n  task "), "{dump}");
}

/// One SIGUSR1 is one dump, though both the runtime and the dumper's thread
/// hear it. Seen failing without the flag that makes them one: two dumps.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn one_signal_is_one_dump() {
    let _one_at_a_time = SIGNALS.lock().await;
    let captured = Captured::default();
    let main = {
        let captured = captured.clone();
        async move {
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
            captured.written().await;
            // Time for a second dump, were there one: the first took two dumps
            // a beat apart.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    with_dumps_on_sigusr1(main, captured.clone()).await.unwrap();
    let dumps = captured.text();
    assert_eq!(dumps.matches("SIGUSR1: ").count(), 1, "{dumps}");
}

/// A `main` that asks for a dump in its first poll, runs `in_the_dump` in
/// the poll the dump makes, and ends in the next.
fn asks_for_a_dump_then(mut in_the_dump: impl FnMut()) -> impl Future<Output = ()> {
    let mut polls = 0;
    std::future::poll_fn(move |cx| {
        polls += 1;
        match polls {
            1 => {
                signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
                std::task::Poll::Pending
            }
            2 => {
                in_the_dump();
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
            _ => std::task::Poll::Ready(()),
        }
    })
}

/// `main` asks for a dump, and is done by its next poll after the one the
/// dump makes: it ends right after the dump was taken, before the writer had
/// a turn. The dump is written all the same.
#[tokio::test]
async fn a_dump_taken_as_main_ends_is_written() {
    let _one_at_a_time = SIGNALS.lock().await;
    let captured = Captured::default();
    let main = asks_for_a_dump_then(|| {});
    with_dumps_on_sigusr1(main, captured.clone()).await.unwrap();
    let text = captured.text();
    assert!(
        text.starts_with("SIGUSR1: where each task waits, as it was at "),
        "{text:?}"
    );
}

/// A writer that blocks, as a pipe no one reads does, until it is
/// released; it reports whether it was released. The bound only ends a
/// test whose write held up `main`, which would never release it.
struct Stuck {
    started: Option<oneshot::Sender<()>>,
    release: std::sync::mpsc::Receiver<()>,
    released: Option<oneshot::Sender<bool>>,
}

impl Write for Stuck {
    fn write(&mut self, text: &[u8]) -> io::Result<usize> {
        if let Some(started) = self.started.take() {
            let _ = started.send(());
        }
        let released = self.release.recv_timeout(Duration::from_secs(30));
        if let Some(report) = self.released.take() {
            let _ = report.send(released.is_ok());
        }
        Ok(text.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A stderr that blocks holds the writing task only: `main` goes on, and
/// here releases it.
#[tokio::test]
async fn a_write_that_blocks_stops_no_worker_and_not_main() {
    let _one_at_a_time = SIGNALS.lock().await;
    let (started, has_started) = oneshot::channel();
    let (release, to_release) = std::sync::mpsc::channel();
    let (released, was_released) = oneshot::channel();
    let stuck = Stuck {
        started: Some(started),
        release: to_release,
        released: Some(released),
    };
    let main = async move {
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        has_started.await.unwrap();
        release.send(()).unwrap();
        was_released.await.unwrap()
    };
    let released = with_dumps_on_sigusr1(main, stuck).await.unwrap();
    assert!(released, "the write held the runtime");
}

/// On the multi-thread runtime a dump takes no Tokio task dump, whose
/// rendezvous of every worker can leave one blocked for good
/// (tokio-rs/tokio#7478): with the only worker held, a dump is done in the
/// poll that asks for it, and spawns nothing. Seen failing with the dump
/// spawned as a task of its own, as it was: never done while the worker is
/// held.
#[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
#[test]
fn a_multi_thread_dump_waits_for_no_worker() {
    use futures::FutureExt;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // A task that holds the only worker until the dumps are done.
    let (started, has_started) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    runtime.spawn(async move {
        started.send(()).unwrap();
        let _ = released.recv_timeout(Duration::from_secs(30));
    });
    has_started.recv().unwrap();

    runtime.block_on(async {
        let own = task_dump::Own {
            files: task_dump::Files::Under(env!("CARGO_MANIFEST_DIR")),
            module: env!("CARGO_CRATE_NAME"),
        };
        let mut dumps = task_dump::TaskDumps::new(task_dump::Tracker::default(), own);
        let mut main = std::pin::pin!(std::future::pending::<()>());
        for _ in 0..2 {
            let dumped = dumps.dump(main.as_mut()).now_or_never();
            assert!(matches!(dumped, Some(task_dump::Taken::Dump(_))));
        }
    });
    release.send(()).unwrap();
    // The task that held the worker, and nothing of a dump's.
    assert_eq!(runtime.metrics().spawned_tasks_count(), 1);
}

/// SIGUSR1 is heard while every worker is held by a task that never
/// yields: a runtime in that state drives no signal of its own, so the
/// dumper hears it on a thread. Seen failing with the signal heard through
/// Tokio's `signal`: no dump until the task let its worker go, 20 s later.
#[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
#[test]
fn a_dump_comes_while_every_worker_is_held() {
    /// A writer that tells `main` when the dump is written.
    struct Told(Arc<tokio::sync::Notify>);

    impl Write for Told {
        fn write(&mut self, text: &[u8]) -> io::Result<usize> {
            self.0.notify_one();
            Ok(text.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    let _one_at_a_time = SIGNALS.blocking_lock();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (started, has_started) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let busy = runtime.spawn(async move {
        started.send(()).unwrap();
        // Holds the only worker, as a loop that computes would; the bound
        // ends a test whose dump never comes.
        released.recv_timeout(Duration::from_secs(20)).is_ok()
    });
    has_started.recv().unwrap();
    let written = Arc::new(tokio::sync::Notify::new());
    let main = {
        let written = Arc::clone(&written);
        async move {
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
            written.notified().await;
            let _ = release.send(());
        }
    };
    runtime
        .block_on(with_dumps_on_sigusr1(main, Told(written)))
        .unwrap();
    let released_by_the_dump = runtime.block_on(busy).unwrap();
    assert!(released_by_the_dump, "no dump while the worker was held");
}

/// The `main` the recipe's page and "Why is my program stuck?" tell a
/// reader to write, compiled as they print it.
#[allow(dead_code)]
mod in_your_program {
    use super::dump_stuck_tasks;

    async fn serve() -> std::io::Result<()> {
        Ok(())
    }

    #[tokio::main(flavor = "current_thread")]
    async fn main() -> std::io::Result<()> {
        dump_stuck_tasks::with_dumps_on_sigusr1(serve(), std::io::stderr()).await?
    }
}

/// A `main` whose own body blocks its thread can take no dump, and the
/// signal's thread says so once `ANSWER_PATIENCE` has passed; the dump
/// follows when `main` awaits again. Seen failing without the thread's
/// watch: nothing was written while the thread was blocked.
#[tokio::test]
async fn a_blocked_main_thread_is_said_to_be() {
    let _one_at_a_time = SIGNALS.lock().await;
    let captured = Captured::default();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let seen = captured.clone();
    // Lets `main` go once the note is written, or after a minute (then
    // the test fails: the note is due after 2 s).
    let watcher = std::thread::spawn(move || {
        let given_up = std::time::Instant::now() + Duration::from_secs(60);
        while !seen.all().contains(NO_ANSWER) && std::time::Instant::now() < given_up {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = release.send(());
    });
    let main = {
        let captured = captured.clone();
        async move {
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
            // Blocks the thread that runs `main`, as a blocking call would,
            // then awaits, which lets the dump be taken.
            released.recv().unwrap();
            captured.written().await;
        }
    };
    with_dumps_on_sigusr1(main, captured.clone()).await.unwrap();
    watcher.join().unwrap();
    let all = captured.all();
    assert!(all.starts_with("SIGUSR1, at "), "{all}");
    assert_eq!(all.matches(NO_ANSWER).count(), 1, "{all}");
    assert!(
        captured
            .text()
            .starts_with("SIGUSR1: where each task waits, as it was at "),
        "{all}"
    );
}

/// A signal that comes while a dump is taken waits for it, and is no sign
/// that `main`'s thread is blocked. Seen failing while the signal's thread
/// counted a dump's time too (a note 2 s after the second signal). Can only
/// miss that bug on a machine that holds the signal's thread past the
/// dump's end, never fail a good run.
#[tokio::test]
async fn a_signal_during_a_long_dump_gets_no_note() {
    let _one_at_a_time = SIGNALS.lock().await;
    let captured = Captured::default();
    // Another signal, and a dump that takes longer than the patience.
    let main = asks_for_a_dump_then(|| {
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        std::thread::sleep(Duration::from_secs(3));
    });
    with_dumps_on_sigusr1(main, captured.clone()).await.unwrap();
    let all = captured.all();
    assert!(!all.contains(NO_ANSWER), "{all}");
    assert!(all.starts_with("SIGUSR1: where each task waits"), "{all}");
}
