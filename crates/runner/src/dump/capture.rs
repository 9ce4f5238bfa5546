//! Taking a task dump: the backtraces of one future that no task runs (the
//! `run()` future `block_on` drives), and of every task of the runtime.
//!
//! `Handle::dump` re-polls every task in a tracing mode in which Tokio's leaf
//! futures record a backtrace and return `Pending`, then wakes each task so
//! it is polled again for real. It sees only tasks: the future `block_on`
//! drives is not one, so this polls that future once itself inside
//! `Trace::capture`, under a `Trace::root` that bounds its backtraces. That
//! keeps `run()` where the examples' schedules rely on it being (polled by
//! `block_on`, between batches of tasks) instead of spawning it as a task.
//!
//! Tokio's docs advise taking a dump under a timeout: on the multi-thread
//! runtime it waits for every worker, and a worker that never comes back
//! (a blocked thread) would hold it for ever.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::runtime::dump::{Backtrace, Trace};
use tokio::task::Id;

use super::Frame;

/// What a dump saw, with its backtraces resolved.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The backtraces of the future passed to [`snapshot`], each outermost
    /// frame first.
    pub main: Vec<Vec<Frame>>,
    /// Each task's backtraces, by task id, in no particular order.
    pub tasks: Vec<(Id, Vec<Vec<Frame>>)>,
    /// Why the tasks are missing, if they are.
    pub incomplete: Option<String>,
}

/// Dumps `main` (polled once, in tracing mode, here) and every task of the
/// current runtime, giving the tasks' dump `patience` to finish. If `main`
/// happens to finish during that poll, its output comes back too; the
/// caller must not poll it again then.
pub async fn snapshot<F: Future + ?Sized>(
    mut main: Pin<&mut F>,
    patience: Duration,
) -> (Option<F::Output>, Snapshot) {
    let (polled, trace) = Trace::root(std::future::poll_fn(|cx| {
        Poll::Ready(Trace::capture(|| main.as_mut().poll(cx)))
    }))
    .await;
    let output = match polled {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    };
    let mut snapshot = Snapshot {
        main: resolve(&trace),
        ..Snapshot::default()
    };
    let handle = Handle::current();
    let mut dump = std::pin::pin!(tokio::time::timeout(patience, handle.dump()));
    // A task that does work while it is traced (one spawned a moment ago
    // runs up to its first Tokio future) can trip Tokio's tracing up; the
    // dump is then lost, not the run.
    let dumped = std::future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| dump.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(_) => Poll::Ready(Err(())),
        }
    })
    .await;
    match dumped {
        Ok(Ok(dump)) => {
            snapshot.tasks = dump
                .tasks()
                .iter()
                .map(|task| (task.id(), resolve(task.trace())))
                .collect();
        }
        Ok(Err(_elapsed)) => {
            snapshot.incomplete = Some(format!(
                "The other tasks could not be dumped: the runtime's workers did not all \
                 answer within {}.",
                protocol::dump::seconds(patience)
            ));
        }
        Err(()) => {
            snapshot.incomplete = Some(
                "The other tasks could not be dumped: Tokio's tracing panicked (a task \
                 did work while it was traced)."
                    .to_owned(),
            );
        }
    }
    (output, snapshot)
}

/// A trace's backtraces, each outermost frame first. Resolving reads the
/// binary's debug info: the first time in a process takes a few
/// milliseconds to a few hundred, depending on the binary's size.
fn resolve(trace: &Trace) -> Vec<Vec<Frame>> {
    trace.resolve_backtraces().iter().map(frames).collect()
}

fn frames(backtrace: &Backtrace) -> Vec<Frame> {
    // Frames come innermost first, and so do the symbols inlined into one.
    let mut frames: Vec<Frame> = backtrace
        .frames()
        .flat_map(|frame| frame.symbols())
        .map(|symbol| Frame {
            function: symbol.name_demangled().map(str::to_owned),
            file: symbol
                .filename()
                .map(|file| file.to_string_lossy().into_owned()),
            line: symbol.lineno(),
        })
        .collect();
    frames.reverse();
    frames
}
