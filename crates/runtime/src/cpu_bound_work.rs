//! CPU-bound work blocks the runtime just like a blocking call; it belongs
//! on `spawn_blocking` (or a thread pool such as rayon), not in an async fn.
//!
//! An async fn runs on the runtime's thread between two `.await`s, and
//! nothing can interrupt it there: Tokio, like asyncio, never preempts a
//! task. `calculate_primes` has no `.await` at all, so while it runs, every
//! other task on the thread waits.
//!
//! The guide says to use multiprocessing or threading instead, and its
//! decision guide keeps CPU-intensive work for multiprocessing: CPython's
//! threads would keep the loop responsive, but with the GIL they cannot
//! compute in parallel. Rust's threads can. `spawn_blocking` runs the
//! computation on another thread and gives back a future for its result,
//! which is right for a computation that takes milliseconds or more. For many
//! such jobs, or one that splits into parallel parts, a dedicated pool
//! (`rayon`, or a `std::thread::scope`) fits better; on a multi-thread
//! runtime, `tokio::task::block_in_place` is a third option.
//!
//! The heartbeat below is a task that counts its turns on the runtime, up
//! to a hundred. The count is logical, not timed: while the computation runs
//! inline it gets no turn at all; once the computation runs on
//! `spawn_blocking` it gets them at once (how many before the computation
//! ends depends on the machine, so only that it got some is printed). It
//! stops after its hundred turns rather than yielding for ever, which would
//! spin a core beside the computation and keep the runtime from ever going
//! idle.
//!
//! The heartbeat is spawned with `spawn_local` on a `LocalSet`, which keeps
//! it on the thread that runs `run`, as every task is on asyncio's loop and
//! on a current-thread runtime. On the multi-thread runtime of plain
//! `#[tokio::main]`, a `tokio::spawn`ed heartbeat would run on a worker
//! thread and keep its turns while `run` computes on the thread that called
//! `block_on`: a computation holds only the thread it runs on. That is no
//! excuse to compute inline there: each computation takes a worker away
//! from every other task, and once every worker computes, nothing else runs.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Bad Use Cases (CPU-Bound Operations)"

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::task::{JoinError, LocalSet, spawn_blocking, spawn_local, yield_now};

/// Primes below `n`, by trial division, as the guide computes them.
fn calculate_primes(n: u32) -> Vec<u32> {
    (2..n)
        .filter(|&candidate| {
            (2..)
                .take_while(|divisor| divisor * divisor <= candidate)
                .all(|divisor| candidate % divisor != 0)
        })
        .collect()
}

/// Counts how often the runtime gives it a turn, for `HEARTBEAT_TURNS`
/// turns at most. A heartbeat that yielded forever would keep the runtime
/// busy for as long as it lived: a core spinning beside the computation, and
/// a runtime that never goes idle, so the paused clock could never advance.
async fn heartbeat(turns: Arc<AtomicUsize>) {
    for _ in 0..HEARTBEAT_TURNS {
        turns.fetch_add(1, Ordering::SeqCst);
        yield_now().await;
    }
}

/// Enough to show the runtime was free; few enough to take microseconds.
const HEARTBEAT_TURNS: usize = 100;

const LIMIT: u32 = 50_000;

pub async fn run() -> Result<(), JoinError> {
    LocalSet::new().run_until(compare()).await
}

async fn compare() -> Result<(), JoinError> {
    let turns = Arc::new(AtomicUsize::new(0));
    let heartbeat = spawn_local(heartbeat(Arc::clone(&turns)));
    yield_now().await;

    let before = turns.load(Ordering::SeqCst);
    let primes = calculate_primes(LIMIT);
    let during = turns.load(Ordering::SeqCst) - before;
    println!("Inline: {} primes below {LIMIT}", primes.len());
    println!("Heartbeat turns while computing inline: {during}");
    assert_eq!(during, 0, "nothing else runs on this thread meanwhile");

    let before = turns.load(Ordering::SeqCst);
    let primes = spawn_blocking(|| calculate_primes(LIMIT)).await?;
    let during = turns.load(Ordering::SeqCst) - before;
    println!("spawn_blocking: {} primes below {LIMIT}", primes.len());
    println!(
        "Heartbeat got turns while computing on spawn_blocking: {}",
        during > 0
    );
    assert!(
        during > 0,
        "the runtime stayed free while another thread computed"
    );

    // Done after its hundred turns, if it is not already.
    heartbeat.await
}
