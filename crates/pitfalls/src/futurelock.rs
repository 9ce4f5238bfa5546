//! Futurelock: a task stuck because the future that was granted a lock is
//! one the task no longer polls, while the task itself waits for that lock.
//!
//! Beyond the guides: asyncio can't do this, since every `create_task`
//! coroutine is polled by the loop on its own. In Rust a `select!` over
//! `&mut future` keeps the losing future alive but stops polling it. Here
//! `first` queues for a fair `tokio::sync::Mutex` and a timeout wins the
//! `select!`; the lock, let go, goes to `first`, which nobody will ever poll,
//! and `second`, asking in the timeout's branch, waits for good. The fixes:
//! let `select!` own the future, or spawn it. Oxide's RFD 609 named it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

/// Takes the lock, uses it briefly, and says when it got it.
async fn use_lock(name: &str, lock: &Mutex<()>, start: Instant) -> String {
    let _guard = lock.lock().await;
    let message = format!("{name} got the lock at {}", seconds(start));
    sleep(Duration::from_millis(100)).await;
    message
}

/// A task that holds the lock for its first second.
fn busy_for_a_second(lock: &Arc<Mutex<()>>) -> AbortOnDropHandle<()> {
    let lock = Arc::clone(lock);
    AbortOnDropHandle::new(tokio::spawn(async move {
        let _guard = lock.lock().await;
        sleep(Duration::from_secs(1)).await;
    }))
}

/// The futurelock: `first` is polled through `&mut`, so it outlives the
/// `select!` that stopped polling it, and keeps its place in the lock's
/// queue. Cancel safety doesn't cover it, since nothing is dropped; a task
/// dump shows `main` waiting in `Mutex::lock` with no task holding the lock.
/// `second`'s timeout only ends the demonstration.
async fn futurelock(start: Instant) {
    let lock = Arc::new(Mutex::new(()));
    let _busy = busy_for_a_second(&lock);
    sleep(Duration::from_millis(10)).await; // the task takes the lock first
    let first = use_lock("first", &lock, start);
    tokio::pin!(first);
    tokio::select! {
        message = &mut first => println!("{message}"),
        () = sleep(Duration::from_millis(500)) => {
            println!("{}: first is still waiting; second asks for the lock", seconds(start));
            match timeout(Duration::from_secs(2), use_lock("second", &lock, start)).await {
                Ok(message) => println!("{message}"),
                Err(_) => println!(
                    "{}: second gave up: the lock went to first, which nothing polls any more",
                    seconds(start)
                ),
            }
        }
    }
}

/// Fix 1: `select!` owns `first`, so when the timeout wins, `first` is
/// dropped, and gives up its place in the queue.
async fn select_owns_the_future(start: Instant) {
    let lock = Arc::new(Mutex::new(()));
    let _busy = busy_for_a_second(&lock);
    sleep(Duration::from_millis(10)).await;
    tokio::select! {
        message = use_lock("first", &lock, start) => println!("{message}"),
        () = sleep(Duration::from_millis(500)) => {
            println!("{}: first dropped; second asks for the lock", seconds(start));
            println!("{}", use_lock("second", &lock, start).await);
        }
    }
}

/// Fix 2: `first` is a task, which the runtime polls whatever this task
/// does, so it takes the lock, finishes, and lets `second` have it.
async fn spawn_the_future(start: Instant) -> Result<(), tokio::task::JoinError> {
    let lock = Arc::new(Mutex::new(()));
    let _busy = busy_for_a_second(&lock);
    sleep(Duration::from_millis(10)).await;
    let mut first = AbortOnDropHandle::new(tokio::spawn({
        let lock = Arc::clone(&lock);
        async move { use_lock("first", &lock, start).await }
    }));
    tokio::select! {
        message = &mut first => println!("{}", message?),
        () = sleep(Duration::from_millis(500)) => {
            println!("{}: first runs on as a task; second asks for the lock", seconds(start));
            let (first, second) = tokio::join!(first, use_lock("second", &lock, start));
            println!("{}\n{second}", first?);
        }
    }
    Ok(())
}

pub async fn run() -> Result<(), tokio::task::JoinError> {
    println!("A task holds the lock for 1.0s; first queues for it at once.");
    futurelock(Instant::now()).await;
    println!();
    println!("Fix 1: select! owns first");
    select_owns_the_future(Instant::now()).await;
    println!();
    println!("Fix 2: first is a task");
    spawn_the_future(Instant::now()).await
}

// What only the demonstration needs.

fn seconds(start: Instant) -> String {
    format!("{:.1}s", start.elapsed().as_secs_f64())
}
