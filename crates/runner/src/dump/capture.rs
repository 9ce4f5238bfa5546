//! Taking a task dump, where this build can (`cfg(taskdump)`): elsewhere a
//! snapshot says why it is empty, and the callers need no cfg of their own.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::task::Id;

use super::Frame;

/// What a dump saw, with its backtraces resolved, each outermost frame first.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The backtraces of the future passed to [`snapshot`].
    pub main: Vec<Vec<Frame>>,
    /// Each task's backtraces, in no particular order.
    pub tasks: Vec<(Id, Vec<Vec<Frame>>)>,
    /// Why the tasks are missing, if they are.
    pub incomplete: Option<String>,
}

#[cfg(not(taskdump))]
pub async fn snapshot<F: Future + ?Sized>(
    _main: Pin<&mut F>,
    _patience: Duration,
) -> (Option<F::Output>, Snapshot) {
    let incomplete = Some(format!("No dump: {}.", super::UNAVAILABLE));
    (
        None,
        Snapshot {
            incomplete,
            ..Snapshot::default()
        },
    )
}

/// Dumps `main`, polled once here in tracing mode (no task runs the future
/// `block_on` drives, so `Handle::dump` can't see it), and every task of
/// the current runtime, giving them `patience`: on the multi-thread runtime
/// a blocked worker would hold the dump for ever. If `main` finishes during
/// that poll, its output comes back, and it must not be polled again.
#[cfg(taskdump)]
pub async fn snapshot<F: Future + ?Sized>(
    mut main: Pin<&mut F>,
    patience: Duration,
) -> (Option<F::Output>, Snapshot) {
    use std::panic::{self, AssertUnwindSafe};
    use std::task::Poll;
    use tokio::runtime::dump::Trace;

    let (polled, trace) = Trace::root(std::future::poll_fn(|cx| {
        Poll::Ready(Trace::capture(|| main.as_mut().poll(cx)))
    }))
    .await;
    let mut snapshot = Snapshot {
        main: resolve(&trace),
        ..Snapshot::default()
    };
    let handle = tokio::runtime::Handle::current();
    let mut dump = std::pin::pin!(tokio::time::timeout(patience, handle.dump()));
    // A task that does work while it is traced (one spawned a moment ago)
    // can trip Tokio's tracing up: the dump is lost then, not the run.
    let dumped = std::future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| dump.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Some(result)),
            Err(_) => Poll::Ready(None),
        }
    })
    .await;
    let why = match dumped {
        Some(Ok(dump)) => {
            let tasks = dump.tasks().iter();
            snapshot.tasks = tasks
                .map(|task| (task.id(), resolve(task.trace())))
                .collect();
            None
        }
        Some(Err(_elapsed)) => Some(format!(
            "the runtime's workers did not all answer within {}",
            protocol::dump::seconds(patience)
        )),
        None => Some("Tokio's tracing panicked (a task did work while it was traced)".to_owned()),
    };
    snapshot.incomplete = why.map(|why| format!("The other tasks could not be dumped: {why}."));
    let output = match polled {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    };
    (output, snapshot)
}

/// A trace's backtraces, each outermost frame first. The first resolve in a
/// process reads the binary's debug info: milliseconds to a few hundred.
#[cfg(taskdump)]
fn resolve(trace: &tokio::runtime::dump::Trace) -> Vec<Vec<Frame>> {
    let backtraces = trace.resolve_backtraces();
    let frames = backtraces.iter().map(|backtrace| {
        // Frames come innermost first, and so do the symbols inlined into one.
        let symbols = backtrace.frames().flat_map(|frame| frame.symbols());
        let mut frames: Vec<Frame> = symbols
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
    });
    frames.collect()
}
