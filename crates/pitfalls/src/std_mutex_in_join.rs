//! A `std::sync::Mutex` guard held across an `.await` in two futures joined in
//! one task: it compiles, and the second `lock()` never returns.
//!
//! `tokio::spawn` refuses such a future, the guard not being `Send`; `join!`,
//! `select!`, a `LocalSet` and `block_on` don't ask. `a` takes the lock and
//! waits at its `.await`, guard in hand; `join!` then polls `b`, whose `lock()`
//! runs on the thread that holds the lock, the only one that could run `a` on
//! to the drop. std promises only that such a `lock()` does not return, and
//! leaves open what it does instead ("it might panic or deadlock"); on Linux
//! this run sees it block, where no task dump can look. asyncio has the same
//! trap (a `threading.Lock` held across an `await` in `gather`). Clippy's
//! `await_holding_lock` warns; the fixes: drop the guard before the `.await`,
//! or use `tokio::sync::Mutex`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 5's fix, a lock held across an
//!   `await`, written with `std::sync::Mutex`)

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::sleep;

/// Adds one to `count` after 0.1 s of async work, saying what it does on
/// `said`. The mistake: the std guard lives across the `.await`. Spawned,
/// it would not compile (the crate's compile-fail case
/// `std_mutex_across_await.rs`). `cargo clippy` warns "this `MutexGuard` is
/// held across an await point" (`await_holding_lock`, on by default), and
/// points at the guard and the `.await`; allowed here.
#[allow(clippy::await_holding_lock, reason = "the mistake this example shows")]
async fn add_one_holding_the_guard(name: &str, count: &Mutex<u32>, said: &Sender<String>) {
    let _ = said.send(format!("{name} asks for the lock"));
    let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = said.send(format!("{name} has the lock, and awaits with it"));
    sleep(Duration::from_millis(100)).await;
    *count += 1;
}

/// The fix: the guard lives in a block that ends before the `.await`.
async fn add_one(name: &str, count: &Mutex<u32>) {
    sleep(Duration::from_millis(100)).await;
    {
        let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
        *count += 1;
    }
    println!("{name} added one");
}

pub fn run() -> anyhow::Result<()> {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };

    println!("As written: a and b in one join!, each holding a std guard across .await");
    let (said, lines) = mpsc::channel();
    // The stuck runtime runs on a thread of its own, left stuck until the
    // process exits, so that the example can go on to the fix. (On an
    // example's runtime, `--timeout` says that thread did not answer.)
    let stuck_runtime = runtime()?;
    std::thread::Builder::new()
        .name("stuck".to_owned())
        .spawn(move || {
            let count = Mutex::new(0);
            stuck_runtime.block_on(async {
                tokio::join!(
                    biased;
                    add_one_holding_the_guard("a", &count, &said),
                    add_one_holding_the_guard("b", &count, &said),
                )
            });
            let _ = said.send("both added one".to_owned());
        })?;
    // What the stuck thread says, until it has been silent for a second, or
    // has ended: std leaves open whether b's `lock()` blocks or panics.
    let silence = loop {
        match lines.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => println!("{line}"),
            Err(silence) => break silence,
        }
    };
    match silence {
        RecvTimeoutError::Timeout => {
            println!("silent for 1.0s: b's lock() blocks the one thread, which a needs to go on");
        }
        RecvTimeoutError::Disconnected => {
            println!("the thread ended: b's lock() panicked rather than block");
        }
    }

    println!();
    println!("Fixed: the guard dropped before .await");
    let count = Mutex::new(0);
    runtime()?.block_on(async { tokio::join!(biased; add_one("a", &count), add_one("b", &count)) });
    let count = count.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!("count: {count}");
    Ok(())
}
