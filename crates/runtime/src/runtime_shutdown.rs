//! A `spawn_blocking` job that never finishes keeps the process from
//! exiting, because dropping the runtime waits for it: why Ctrl-C sometimes
//! seems to hang, and three ways out.
//!
//! `asyncio.run` waits for its executor's jobs too. The usual culprit is a
//! blocking read with no end, such as `tokio::io::stdin()`. Once
//! `tokio::signal::ctrl_c()` has been awaited, Tokio's handler catches every
//! later Ctrl-C, so the wait can't be interrupted. The ways out: a job that
//! checks a flag and reads with a timeout; `shutdown_timeout(d)`, which waits
//! at most `d` and leaves the jobs to die with the process (both shown here);
//! and for terminal input, a `std::thread` of its own. A channel stands in
//! for the terminal here.

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
    // Said before it is done: once the flag is set, the job's thread may
    // print at once, while this one waits for a turn on a busy machine.
    println!("Stop flag set; dropping the runtime");
    stop.store(true, Ordering::SeqCst);
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
