//! Where is each task of my program waiting, and is one stuck for good? A
//! task dump on SIGUSR1, on stderr: each task under the one that spawned it,
//! your own code's frames down to the `.await` it waits at, the locks it
//! holds and waits for, and a verdict only where the run proves one.
//!
//! In asyncio, `asyncio.all_tasks()` and `task.print_stack()` (3.14: `python
//! -m asyncio pstree PID`). Copy this file down to `run`, with the `task-dump`
//! crate beside it (the export writes both), and run your `main`'s body
//! through `with_dumps_on_sigusr1` (frames need the current-thread runtime):
//!
//! ```rust,ignore
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     dump_stuck_tasks::with_dumps_on_sigusr1(serve(), std::io::stderr()).await?
//! }
//! ```
//!
//! `kill -USR1 PID` then writes the report of two dumps a moment apart; on the
//! multi-thread runtime, without frames (Tokio's dump there can block a
//! worker for good, or lose a wake). The book's page "Why is my
//! program stuck?" reads a report line by line and lists what your
//! `Cargo.toml` and `.cargo/config.toml` need: Linux only, `--cfg tokio_unstable`.
//!
//! Needs: `task-dump`

use std::future::Future;
use std::io::{self, Write};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use signal_hook::SigId;
use signal_hook::consts::SIGUSR1;
use signal_hook::iterator::Signals;
use task_dump::{Files, Own, Report, TaskDumps, Tracker, Twice};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, oneshot};

/// How long `main`'s end waits for the last dump to be written.
const WRITE_PATIENCE: Duration = Duration::from_secs(2);

/// How long a SIGUSR1 waits for the thread that runs `main` to take it up
/// before saying it has not.
const ANSWER_PATIENCE: Duration = Duration::from_secs(2);

/// The names of the threads this file starts, which wake none of your tasks.
const SIGNAL_THREAD: &str = "dump-signal";
const WRITER_THREAD: &str = "dump-writer";

/// Runs `main` (your `main`'s body) to its end, and writes a task dump to
/// `out` (`std::io::stderr()`, say) each time the process gets SIGUSR1
/// (`kill -USR1 PID`). `main` does not run while a dump is taken.
pub async fn with_dumps_on_sigusr1<F: Future>(
    main: F,
    out: impl Write + Send + 'static,
) -> io::Result<F::Output> {
    // Who holds a lock is what Tokio's own instrumentation (tokio-console's)
    // reports as the program runs, which the tracker, a `tracing`
    // subscriber, records: set it before anything else runs, as a lock made
    // earlier has no holder in a dump.
    let tracker = Tracker::default();
    let set = tracing::subscriber::set_global_default(tracker.subscriber());
    let writer = Writer::start(out)?;
    // Registered now: until then, SIGUSR1 ends the process.
    let mut asked = Asked::listen(writer.dumps.clone())?;
    // Your crate's files are your code; other frames are libraries'.
    let own = Own {
        files: Files::Under(env!("CARGO_MANIFEST_DIR")),
        module: env!("CARGO_CRATE_NAME"),
    };
    let mut dumps = TaskDumps::new(tracker.clone(), own);
    // Any other thread may wake a task: the dump can't tell a stall then.
    dumps.own_threads(&[SIGNAL_THREAD, WRITER_THREAD]);
    if set.is_err() {
        dumps.note("Another `tracing` subscriber was set first: no lock has a holder here.");
    }
    let mut main = pin!(tracker.main(main));
    let output = loop {
        tokio::select! {
            // A dump asked for is taken before `main` goes on.
            biased;
            () = asked.next() => {
                let _answering = Answering::start(&asked.answering);
                match dumps.dump_twice(main.as_mut()).await {
                    Twice::Both(report) => writer.send(&report),
                    Twice::Finished(output) => break output,
                    Twice::FinishedBetween(report, output) => {
                        writer.send(&report);
                        break output;
                    }
                }
            }
            output = &mut main => break output,
        }
    };
    // The signal's thread first: it may hold a way to the writer.
    drop(asked);
    writer.finish().await;
    Ok(output)
}

/// SIGUSR1, heard twice over. Through the runtime, which sees it at its
/// next turn (on a paused clock, at the same instant). And on a thread of
/// its own, which wakes `main` when the runtime turns no more: a dump is
/// wanted most when every worker is held (a task that never yields, a
/// blocking call), and then no worker polls the signal. A flag that the
/// signal handler sets makes the two one dump; signals that come during a
/// dump make one more. The thread also says, once, when the thread that
/// runs `main` has taken no signal up for `ANSWER_PATIENCE` while it took
/// no dump: a blocking call in `main`'s own body, or in a task on the
/// current-thread runtime, stops every dump. Dropped, it stops the thread
/// and the flag's handler (Tokio's stays, as it always does: a later
/// SIGUSR1 is ignored).
struct Asked {
    flag: Arc<AtomicBool>,
    /// Set while a dump is taken and sent: then the signal waits its turn.
    answering: Arc<AtomicBool>,
    by_runtime: Signal,
    by_thread: Arc<Notify>,
    thread: signal_hook::iterator::Handle,
    // Removes the flag's handler when dropped, also when `listen` fails
    // after registering it.
    _flag_handler: Unregister,
}

impl Asked {
    fn listen(say: mpsc::SyncSender<String>) -> io::Result<Self> {
        // The flag first: signal-hook runs the handlers of a signal in the
        // order they were registered, so each path below finds it set.
        let flag = Arc::new(AtomicBool::new(false));
        let flag_handler = Unregister(signal_hook::flag::register(SIGUSR1, Arc::clone(&flag))?);
        let by_runtime = signal(SignalKind::user_defined1())?;
        let mut signals = Signals::new([SIGUSR1])?;
        let thread = signals.handle();
        let by_thread = Arc::new(Notify::new());
        let wake = Arc::clone(&by_thread);
        let answering = Arc::new(AtomicBool::new(false));
        let waiting = Waiting {
            taken: Arc::clone(&flag),
            answering: Arc::clone(&answering),
            closed: signals.handle(),
            say,
            started: Instant::now(),
            noted: false,
        };
        std::thread::Builder::new()
            .name(SIGNAL_THREAD.to_owned())
            .spawn(move || {
                let mut waiting = waiting;
                for _ in signals.forever() {
                    wake.notify_one();
                    waiting.for_answer();
                }
            })?;
        Ok(Asked {
            flag,
            answering,
            by_runtime,
            by_thread,
            thread,
            _flag_handler: flag_handler,
        })
    }

    /// The next SIGUSR1, by whichever path hears it first. Cancel-safe:
    /// the flag is taken in the poll that returns.
    async fn next(&mut self) {
        loop {
            tokio::select! {
                _ = self.by_runtime.recv() => {}
                () = self.by_thread.notified() => {}
            }
            if self.flag.swap(false, Ordering::SeqCst) {
                return;
            }
        }
    }
}

impl Drop for Asked {
    fn drop(&mut self) {
        self.thread.close();
    }
}

/// What the signal's thread needs to tell whether `main`'s side answers.
struct Waiting {
    /// The flag the signal handler sets and `Asked::next` takes.
    taken: Arc<AtomicBool>,
    answering: Arc<AtomicBool>,
    closed: signal_hook::iterator::Handle,
    say: mpsc::SyncSender<String>,
    started: Instant,
    /// Said since `main`'s side last took a signal up.
    noted: bool,
}

impl Waiting {
    /// Waits until `main`'s side takes the signal up, or the dumper stops.
    /// Says once, if it has not for `ANSWER_PATIENCE` outside a dump.
    fn for_answer(&mut self) {
        let mut since = Instant::now();
        while self.taken.load(Ordering::SeqCst) && !self.closed.is_closed() {
            if self.answering.load(Ordering::SeqCst) {
                since = Instant::now();
            } else if !self.noted && since.elapsed() >= ANSWER_PATIENCE {
                let at = self.started.elapsed().as_secs_f64();
                self.noted = self.say.try_send(no_answer(at)).is_ok();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if !self.taken.load(Ordering::SeqCst) {
            self.noted = false;
        }
    }
}

/// What the signal's thread writes when `main`'s side has not answered.
fn no_answer(at: f64) -> String {
    format!(
        "SIGUSR1, at {at:.2}s of the run: the thread that runs `main` has not taken it up for \
         {ANSWER_PATIENCE:?}: it computes, or blocks in a call that does not await (in `main`'s \
         own body, or in a task on the current-thread runtime), and no dump can be taken until \
         it awaits\n"
    )
}

/// Marks a dump under way until dropped.
struct Answering<'a>(&'a AtomicBool);

impl<'a> Answering<'a> {
    fn start(answering: &'a AtomicBool) -> Self {
        answering.store(true, Ordering::SeqCst);
        Answering(answering)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A signal handler, removed when this is dropped.
struct Unregister(SigId);

impl Drop for Unregister {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.0);
    }
}

/// Writes each dump on a thread of its own: a write to a pipe no one reads
/// must hold up neither `main` nor the runtime's shutdown. `main`'s end
/// waits for it a bounded time, so that a dump taken as `main` ends is
/// written.
struct Writer {
    dumps: mpsc::SyncSender<String>,
    done: mpsc::Receiver<()>,
}

impl Writer {
    fn start(mut out: impl Write + Send + 'static) -> io::Result<Self> {
        // Room for one dump while another is written, and for the signal
        // thread's note; one more is dropped.
        let (dumps, to_write) = mpsc::sync_channel::<String>(2);
        let (finished, done) = mpsc::channel();
        std::thread::Builder::new()
            .name(WRITER_THREAD.to_owned())
            .spawn(move || {
                for text in to_write {
                    // Nowhere to report a dump that could not be written.
                    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                }
                let _ = finished.send(());
            })?;
        Ok(Writer { dumps, done })
    }

    fn send(&self, report: &Report) {
        let text = report.render(&task_dump::names_label);
        // A task that never yields delays the signal's turn: the instant
        // says when the dump was taken, to compare with when it was asked.
        let at = report.at.as_secs_f64();
        let _ = self.dumps.try_send(format!(
            "SIGUSR1: where each task waits, as it was at {at:.2}s of the run\n{text}"
        ));
    }

    /// Closes the queue and waits, a bounded time, for what it holds: on
    /// the blocking pool, in real time, whatever clock the runtime keeps.
    async fn finish(self) {
        drop(self.dumps);
        let done = self.done;
        let _ = tokio::task::spawn_blocking(move || done.recv_timeout(WRITE_PATIENCE)).await;
    }
}

pub async fn run() -> io::Result<()> {
    with_dumps_on_sigusr1(book_and_approve(), io::stderr()).await?
}

// What only feeds the demonstration: two tasks stuck for good.

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::timeout;

async fn book_and_approve() -> io::Result<()> {
    // A task that holds the ledger while it waits for an approval, and the
    // approver, which needs the ledger first: neither can go on. The
    // approver starts once the booking holds the ledger, on any runtime.
    let ledger = Arc::new(Mutex::new(Vec::<&str>::new()));
    let (approve, approval) = oneshot::channel::<()>();
    let (holding, held) = oneshot::channel::<()>();
    let mut tasks = JoinSet::new();
    tasks.spawn(book(Arc::clone(&ledger), holding, approval));
    tasks.spawn(approve_next(ledger, held, approve));
    println!("booking and approving");

    // From outside the program, `kill -USR1 PID` does the same.
    println!("sending SIGUSR1 to this process: a task dump goes to stderr");
    signal_hook::low_level::raise(SIGUSR1)?;

    let work = async { while tasks.join_next().await.is_some() {} };
    match timeout(Duration::from_secs(1), work).await {
        Ok(()) => println!("booked and approved"),
        // A watchdog can send SIGUSR1 here.
        Err(_elapsed) => println!("no progress within 1s: giving up"),
    }
    // Aborts the stuck tasks and waits until each has ended, so that they
    // end here, not whenever the runtime next runs them.
    tasks.shutdown().await;
    Ok(())
}

async fn book(
    ledger: Arc<Mutex<Vec<&'static str>>>,
    holding: oneshot::Sender<()>,
    approval: oneshot::Receiver<()>,
) {
    let mut entries = ledger.lock().await;
    let _ = holding.send(());
    if approval.await.is_ok() {
        entries.push("booking");
    }
}

async fn approve_next(
    ledger: Arc<Mutex<Vec<&'static str>>>,
    held: oneshot::Receiver<()>,
    approve: oneshot::Sender<()>,
) {
    if held.await.is_err() {
        return;
    }
    let entries = ledger.lock().await;
    if entries.len() < 100 {
        let _ = approve.send(());
    }
}
