//! Profiling async code: a sampling profiler for CPU time, and a wrapper
//! future for what it can't see: polls, time taken, and a poll held too long.
//!
//! The guide's `async_profile` runs cProfile while a coroutine is alive, which
//! records everything the thread did, the event loop included. Rust's CPU
//! profilers (the book's page "Debugging and profiling") sample the whole
//! program, and a future waiting at an `.await` is on no stack, so a wrapper
//! counts its polls, times them, and flags one past 100 ms, as asyncio warns.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Profiling Async Code"

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::task::{JoinError, yield_now};
use tokio::time::{Instant, sleep};
use tokio_util::task::JoinQueue;

/// asyncio's `slow_callback_duration` in debug mode.
const SLOW_POLL: Duration = Duration::from_millis(100);

/// What [`Profiled`] measured.
#[derive(Debug)]
struct Profile {
    name: String,
    polls: u32,
    /// From the first poll to the last, on Tokio's clock.
    elapsed: Duration,
    /// On the real clock, which a poll that blocks the thread moves.
    longest_poll: Duration,
}

impl Profile {
    fn blocked_the_runtime(&self) -> bool {
        self.longest_poll > SLOW_POLL
    }
}

/// Wraps a future and measures every poll. The inner future is boxed so the
/// wrapper is `Unpin` and needs no pin projection; `pin-project-lite`, which
/// Tokio itself depends on, would project the pin instead and save the
/// allocation per wrapped future.
struct Profiled<F> {
    name: String,
    inner: Pin<Box<F>>,
    polls: u32,
    first_poll: Option<Instant>,
    longest_poll: Duration,
}

impl<F: Future> Future for Profiled<F> {
    type Output = (F::Output, Profile);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let first_poll = *this.first_poll.get_or_insert_with(Instant::now);
        let started = std::time::Instant::now();
        let poll = this.inner.as_mut().poll(cx);
        this.longest_poll = this.longest_poll.max(started.elapsed());
        this.polls += 1;
        poll.map(|output| {
            let profile = Profile {
                name: std::mem::take(&mut this.name),
                polls: this.polls,
                elapsed: first_poll.elapsed(),
                longest_poll: this.longest_poll,
            };
            (output, profile)
        })
    }
}

trait ProfileExt: Future + Sized {
    fn profiled(self, name: impl Into<String>) -> Profiled<Self> {
        Profiled {
            name: name.into(),
            inner: Box::pin(self),
            polls: 0,
            first_poll: None,
            longest_poll: Duration::ZERO,
        }
    }
}

impl<F: Future> ProfileExt for F {}

/// Computes, then yields once, as the guide's `cpu_intensive` does.
async fn cpu_intensive() -> u64 {
    let total = (0..10_000u64).map(|i| std::hint::black_box(i * i)).sum();
    yield_now().await;
    total
}

async fn io_intensive() -> u64 {
    sleep(Duration::from_millis(100)).await;
    0
}

/// A blocking call in an async fn: what the slow-poll check is for.
async fn blocking_call() {
    std::thread::sleep(Duration::from_millis(150));
}

async fn performance_test() -> Result<Vec<Profile>, JoinError> {
    // In the order spawned, which a `JoinQueue` keeps.
    let mut tasks = JoinQueue::new();
    for i in 0..10 {
        if i % 2 == 0 {
            tasks.spawn(cpu_intensive().profiled(format!("cpu_intensive #{i}")));
        } else {
            tasks.spawn(io_intensive().profiled(format!("io_intensive #{i}")));
        }
    }
    let mut profiles = Vec::new();
    while let Some(finished) = tasks.join_next().await {
        let (_result, profile) = finished?;
        profiles.push(profile);
    }
    Ok(profiles)
}

pub async fn run() -> Result<(), JoinError> {
    let (profiles, total) = performance_test().profiled("performance_test").await;
    // On the real clock, the elapsed time of the CPU-bound futures is how
    // long the others computed in between, so only the waits are printed.
    // Their verdicts are not: a busy machine can take the CPU from a thread
    // in the middle of a quick poll for longer than 100 ms, and the wall
    // clock counts that too.
    for profile in profiles? {
        let elapsed = if profile.name.starts_with("io_intensive") {
            format!(", {} elapsed", tenths(profile.elapsed))
        } else {
            String::new()
        };
        println!("{}: {} polls{elapsed}", profile.name, profile.polls);
    }
    println!("{}: {} elapsed", total.name, tenths(total.elapsed));

    // Its elapsed time is real time the paused clock does not see, so only
    // the polls and the verdict are printed: a poll that sleeps 150 ms held
    // the thread at least that long, however busy the machine.
    let ((), profile) = blocking_call().profiled("blocking_call").await;
    println!(
        "{}: {} poll, blocked the runtime: {}",
        profile.name,
        profile.polls,
        profile.blocked_the_runtime()
    );
    Ok(())
}

/// Elapsed time in tenths of a second, rounded down. On the real clock a
/// timer fires late, never early, and the lateness adds up over sequential
/// waits; rounding down prints the time the schedule gives as long as that
/// lateness stays under 0.1 s. On the paused clock the time is exact.
fn tenths(elapsed: Duration) -> String {
    let tenths = elapsed.as_millis() / 100;
    format!("{}.{}s", tenths / 10, tenths % 10)
}
