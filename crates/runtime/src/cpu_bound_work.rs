//! CPU-bound work blocks the runtime just like a blocking call; it belongs
//! on `spawn_blocking` (or a thread pool such as rayon), not in an async fn.
//!
//! Tokio, like asyncio, never preempts a task: `calculate_primes` has no
//! `.await`, so while it runs inline the heartbeat gets no turn. The guide
//! sends such work to multiprocessing, as CPython's threads can't compute in
//! parallel; Rust's can, so `spawn_blocking` is enough. Inline on the
//! multi-thread runtime it holds a worker; with all workers held, nothing runs.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Bad Use Cases (CPU-Bound Operations)"

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

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
/// turns at most, and sends a beat at each, for a thread to wait on. A
/// heartbeat that yielded forever would keep the runtime busy for as long
/// as it lived: a core spinning beside the computation, and a runtime that
/// never goes idle, so the paused clock could never advance.
async fn heartbeat(turns: Arc<AtomicUsize>, beats: mpsc::Sender<()>) {
    for _ in 0..HEARTBEAT_TURNS {
        turns.fetch_add(1, Ordering::SeqCst);
        // Unbounded: sending never blocks, and no one listening is fine.
        let _ = beats.send(());
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
    let (beats, beat) = mpsc::channel();
    let heartbeat = spawn_local(heartbeat(Arc::clone(&turns), beats));
    yield_now().await;

    let before = turns.load(Ordering::SeqCst);
    let primes = calculate_primes(LIMIT);
    let during = turns.load(Ordering::SeqCst) - before;
    println!("Inline: {} primes below {LIMIT}", primes.len());
    println!("Heartbeat turns while computing inline: {during}");
    assert_eq!(during, 0, "nothing else runs on this thread meanwhile");

    let before = turns.load(Ordering::SeqCst);
    while beat.try_recv().is_ok() {} // beats of turns already counted
    let primes = spawn_blocking(move || {
        // Computes from the heartbeat's next turn on (or its end): on a
        // busy machine, the runtime's thread could otherwise be held up
        // until the job was done, and `during` would be 0 for want of a
        // chance, not of a free runtime.
        let _ = beat.recv();
        calculate_primes(LIMIT)
    })
    .await?;
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
