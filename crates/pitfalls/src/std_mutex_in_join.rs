//! A `std::sync::Mutex` guard held across an `.await`, in two futures joined
//! in one task on the current-thread runtime: it compiles, and the thread
//! blocks for ever.
//!
//! `tokio::spawn` refuses a future that holds a std guard across an `.await`,
//! since the guard is not `Send` (the compile-fail case
//! `std_mutex_across_await.rs`); `join!`, `select!`, a `LocalSet` and
//! `block_on` ask for no `Send`, so nothing stops it there. `a` takes the
//! lock and waits at its `.await`, guard in hand; `join!` then polls `b`,
//! whose `lock()` blocks the thread until that guard is dropped, and only
//! this thread could run `a` on to the drop. Nothing moves again, and no
//! task dump can say where: a dump runs on the thread that is blocked (on
//! an example's runtime, `--timeout` says that thread did not answer).
//! asyncio has the same trap: a `threading.Lock` held across an `await` in
//! `gather`.
//!
//! Clippy finds it: `cargo clippy` warns "this `MutexGuard` is held across
//! an await point" (its `await_holding_lock` lint, on by default), and
//! points at the guard and the `.await`; the function below allows it. The
//! fixes: drop the guard before the `.await`, or use `tokio::sync::Mutex`,
//! whose `lock().await` waits without blocking the thread. The stuck
//! runtime runs on a thread of its own, left blocked until the process
//! exits, so that the example can go on to the fix.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 5's fix, a lock held across an
//!   `await`, written with `std::sync::Mutex`)

use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::sleep;

/// Adds one to `count` after 0.1 s of async work, saying what it does on
/// `said`. The mistake: the std guard lives across the `.await`.
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
    // What the stuck thread says, until it has been silent for a second.
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(1)) {
        println!("{line}");
    }
    println!("silent for 1.0s: b's lock() blocks the one thread, which a needs to go on");

    println!();
    println!("Fixed: the guard dropped before .await");
    let count = Mutex::new(0);
    runtime()?.block_on(async { tokio::join!(biased; add_one("a", &count), add_one("b", &count)) });
    let count = count.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!("count: {count}");
    Ok(())
}
