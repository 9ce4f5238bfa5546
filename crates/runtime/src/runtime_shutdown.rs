//! A `spawn_blocking` job that never finishes keeps the process from
//! exiting, because dropping the runtime waits for it: why Ctrl-C sometimes
//! seems to hang, and the two ways out, `shutdown_timeout` and a job that
//! can be told to stop.
//!
//! Its asyncio counterpart is the wait at the end of `asyncio.run`, which
//! calls `loop.shutdown_default_executor()`. On Python 3.11, after a first
//! Ctrl-C has cancelled `main`, `asyncio.run` still waits for every job
//! given to `run_in_executor`; a second Ctrl-C interrupts that wait, and the
//! interpreter then waits for the executor's threads on its way out anyway.
//!
//! In Tokio the wait is in dropping the runtime, which `#[tokio::main]` does
//! as `main` returns (`runtime/tokio_main_expanded` shows that drop, and what
//! it does to tasks). A blocking job cannot be interrupted, so the drop waits
//! for every one that has started. The usual culprits never finish on their
//! own: a loop with no way to be told to stop, a blocking read from a pipe or
//! a socket, and `tokio::io::stdin()`, which is a blocking read on Tokio's
//! blocking pool; its docs warn that it "can make shutdown of the runtime
//! hang until the user presses enter".
//!
//! Ctrl-C makes this look worse. With no handler, SIGINT ends the process at
//! once, hang or not. But on Unix, the first `tokio::signal::ctrl_c()` to
//! be awaited installs Tokio's handler for the rest of the process, even
//! after the listener is dropped (its docs say so): the Ctrl-C that makes
//! `main` return is caught, and so is every Ctrl-C after it while the drop
//! waits.
//!
//! The ways out:
//! - Give the job a way to stop: a flag it checks between pieces of work
//!   (an `AtomicBool`, or `CancellationToken::is_cancelled`), and reads with
//!   a timeout (`recv_timeout`, `TcpStream::set_read_timeout`) so that it
//!   gets to check. Set the flag before `main` returns.
//! - Bound the wait: build the runtime by hand and end it with
//!   `shutdown_timeout(d)`. It drops the tasks as a drop does, waits at most
//!   `d` for the blocking jobs, and returns, leaving them running on their
//!   threads; when `main` then returns, the process exits and they go with
//!   it. `shutdown_background()` does the same without waiting at all.
//! - For interactive input, Tokio's docs recommend a thread of its own
//!   (`std::thread`) doing blocking reads, whose lines can reach the async
//!   code on a channel: nothing waits for that thread when `main` returns.
//!
//! Here a channel stands in for the terminal, so the example can "press
//! Enter" itself. It builds its runtimes by hand, so it is synchronous; its
//! waits are real time, and a tenth or a fifth of a second long.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;

/// How long the example watches a drop that is waiting.
const PATIENCE: Duration = Duration::from_millis(200);

/// Builds a runtime, starts `job` on its blocking pool, and returns once the
/// job is running: where a program is when Ctrl-C makes `main`'s body return.
fn runtime_with_blocking_job(job: impl FnOnce() + Send + 'static) -> anyhow::Result<Runtime> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (started, has_started) = oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let _ = started.send(());
            job();
        });
        // A job still queued may be dropped without running; this one runs.
        has_started.await.context("the blocking job never started")
    })?;
    Ok(runtime)
}

/// A prompt on the blocking pool, like a read from `tokio::io::stdin()`: it
/// returns when a line is typed, and not before.
fn prompt(terminal: mpsc::Receiver<String>) -> impl FnOnce() + Send + 'static {
    move || match terminal.recv() {
        Ok(line) => println!("  The blocking read returned {line:?}"),
        Err(_) => println!("  The terminal closed"),
    }
}

/// `drop(runtime)`, as `#[tokio::main]` does it, waits for the read.
fn drop_waits() -> anyhow::Result<()> {
    let (keyboard, terminal) = mpsc::channel();
    let runtime = runtime_with_blocking_job(prompt(terminal))?;
    println!("main's body returned; dropping the runtime");
    // Dropped on another thread, so that this one can watch it wait.
    let (dropped, drop_done) = mpsc::channel();
    let dropping = thread::spawn(move || {
        drop(runtime);
        let _ = dropped.send(());
    });
    if drop_done.recv_timeout(PATIENCE) != Err(RecvTimeoutError::Timeout) {
        bail!("the drop returned while the read was still blocked");
    }
    println!(
        "  After {PATIENCE:?} the drop is still waiting for the read: the process would not exit"
    );
    println!("The user presses Enter");
    keyboard.send("\n".to_owned())?;
    drop_done.recv().context("the dropping thread died")?;
    println!("  Only then did the drop return");
    dropping
        .join()
        .map_err(|_| anyhow!("the dropping thread panicked"))
}

/// `shutdown_timeout` stops waiting, and leaves the read on its thread.
fn shutdown_with_timeout() -> anyhow::Result<()> {
    let (keyboard, terminal) = mpsc::channel();
    let (finished, read_done) = mpsc::channel();
    let read = prompt(terminal);
    let runtime = runtime_with_blocking_job(move || {
        read();
        let _ = finished.send(());
    })?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    println!("shutdown_timeout(100ms) returned, with the read still blocked: main can return");
    // A real program would exit here, ending the read's thread with it. The
    // example lets the read finish instead, to show it was still there.
    keyboard.send("late\n".to_owned())?;
    read_done
        .recv()
        .context("the read ended without finishing")?;
    println!("  (the read finished later, on a thread the runtime had left behind)");
    Ok(())
}

/// A job that checks a stop flag between short waits ends when told to.
fn stop_flag() -> anyhow::Result<()> {
    let (_keyboard, terminal) = mpsc::channel::<String>();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let runtime = runtime_with_blocking_job(move || {
        loop {
            if stopped.load(Ordering::SeqCst) {
                println!("  The read saw the stop flag and returned");
                return;
            }
            match terminal.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => println!("  The read returned {line:?}"),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    println!("  The terminal closed");
                    return;
                }
            }
        }
    })?;
    stop.store(true, Ordering::SeqCst);
    println!("Stop flag set; dropping the runtime");
    drop(runtime);
    println!("  The drop returned, and nobody pressed Enter");
    Ok(())
}

pub fn run() -> anyhow::Result<()> {
    drop_waits()?;
    println!();
    shutdown_with_timeout()?;
    println!();
    stop_flag()
}
