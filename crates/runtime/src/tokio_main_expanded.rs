//! What `#[tokio::main]` expands to: build a runtime, then `block_on` the
//! async body; and what dropping the runtime does with the work left on it.
//!
//! `#[tokio::main]` writes `asyncio.run`'s three steps into a plain `fn main`:
//! build a runtime, `block_on` the body, drop the runtime. The drop ends a
//! task waiting at an `.await` right there, where `asyncio.run` lets its
//! `finally` await, and waits for a `spawn_blocking` job that has started:
//! see the book's page "The runtime".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop" (`asyncio.run(hello())`, the preferred method)

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

/// Synchronous: the example builds its runtimes by hand.
pub fn run() -> io::Result<()> {
    println!("#[tokio::main]:");
    main_multi_thread()?;
    println!();
    println!("#[tokio::main(flavor = \"current_thread\")]:");
    main_current_thread()
}
