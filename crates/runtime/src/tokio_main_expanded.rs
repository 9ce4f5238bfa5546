//! What `#[tokio::main]` expands to: build a runtime, then `block_on` the
//! async body; and what dropping the runtime does with the work left on it.
//!
//! `asyncio.run(main())` creates an event loop, runs `main` on it until it
//! returns, and closes the loop. `#[tokio::main]` is a macro that writes the
//! same three steps into a plain `fn main`:
//!
//! ```ignore
//! #[tokio::main]
//! async fn main() {
//!     hello().await;
//! }
//!
//! // expands to, give or take the error message:
//! fn main() {
//!     tokio::runtime::Builder::new_multi_thread()
//!         .enable_all()
//!         .build()
//!         .expect("Failed building the Runtime")
//!         .block_on(async {
//!             hello().await;
//!         })
//! }
//! ```
//!
//! `#[tokio::main(flavor = "current_thread")]` swaps in
//! `Builder::new_current_thread()`: one thread, like asyncio's loop.
//! `enable_all()` turns on the I/O and timer drivers; without the timer
//! driver, `tokio::time::sleep` panics, where asyncio always has timers.
//!
//! Closing is dropping, and it treats the two kinds of left-over work
//! differently:
//!
//! - A task suspended at an `.await` is dropped right there: it is never
//!   polled again, so nothing after that `.await` runs, and its locals'
//!   `Drop` is all the cleanup it gets. (On the multi-thread runtime, a task
//!   that a worker is polling at that moment first runs until it yields.)
//!   `asyncio.run` instead throws `CancelledError` into each task and keeps
//!   the loop running until they finish, so their `except` and `finally`
//!   blocks can still `await`.
//! - A `spawn_blocking` job cannot be interrupted, so the drop waits for
//!   every one that has started, however long it takes. One still queued
//!   (every blocking thread busy) may be dropped without running; Tokio does
//!   not promise either way. `asyncio.run` likewise waits for the work
//!   given to its default executor, queued work included.
//!
//! A blocking job that never finishes therefore keeps the process from
//! exiting; `runtime/runtime_shutdown` shows why Ctrl-C then seems to hang,
//! and how `Runtime::shutdown_timeout` bounds the wait. The example builds
//! every runtime by hand, which is why it is synchronous: it must not itself
//! run inside a runtime. Its sleeps take real time and are shortened to a
//! tenth of a second.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop" (`asyncio.run(hello())`, the
//!   preferred method)

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use tokio::runtime::Builder;

async fn hello() {
    println!("Hello");
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("World");
}

/// `#[tokio::main]`, written out.
fn main_multi_thread() -> io::Result<()> {
    Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            hello().await;
        });
    Ok(())
}

/// Held by the left-over task: says when the task is dropped, and only then
/// (its field is dropped after `drop` runs) closes the channel the blocking
/// job is waiting on.
struct LeftOverTask {
    _closes_on_drop: mpsc::Sender<()>,
}

impl Drop for LeftOverTask {
    fn drop(&mut self) {
        println!("Left-over task dropped where it waited");
    }
}

/// `#[tokio::main(flavor = "current_thread")]`, written out, with a task and
/// a blocking job left running when the body returns.
fn main_current_thread() -> io::Result<()> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (task_alive, task_gone) = mpsc::channel::<()>();
        tokio::spawn(async move {
            let _announce = LeftOverTask {
                _closes_on_drop: task_alive,
            };
            tokio::time::sleep(Duration::from_secs(60)).await;
            println!("Left-over task finished (never printed)");
        });
        // Runs until the task is gone: `recv` fails once the sender is dropped.
        tokio::task::spawn_blocking(move || {
            let _ = task_gone.recv();
            println!("Blocking job finished");
        });
        hello().await;
    });
    println!("block_on returned");
    drop(runtime);
    println!("Runtime dropped, after its blocking job");
    Ok(())
}

pub fn run() -> io::Result<()> {
    println!("#[tokio::main]:");
    main_multi_thread()?;
    println!();
    println!("#[tokio::main(flavor = \"current_thread\")]:");
    main_current_thread()
}
