//! Profiling async code: a sampling profiler (perf, samply, cargo
//! flamegraph) for CPU time, and a wrapper future for what it cannot see:
//! how often a future was polled, how long it took from start to finish,
//! and whether one poll held the thread too long.
//!
//! The guide's `async_profile` turns `cProfile` on when the decorated
//! coroutine starts and off when it returns (its own call is commented out;
//! run it, and it prints a table). cProfile records every Python function the
//! thread runs in between, whichever coroutine it belongs to: the guide's
//! `cpu_intensive` and `io_intensive` are in its top ten, beside the event
//! loop's own functions, where `_run_once` tops the list by cumulative time
//! and the selector's `select` holds the 0.1 s the tasks slept. A profile of
//! everything the thread did while one coroutine was alive, not of that
//! coroutine alone.
//!
//! Rust's counterpart is a sampling profiler, run on the whole program:
//! `perf` on Linux, `samply` (its UI is the Firefox Profiler), or
//! `cargo flamegraph` (perf or dtrace, drawn as a flame graph). They sample
//! the stack of every thread many times a second, so a hot async fn shows up
//! by name, inside the `poll` of the task that runs it. Build with debug
//! info, then record an example that computes, such as
//! `runtime/cpu_bound_work`:
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p runtime
//! perf record --call-graph dwarf target/release/runtime cpu_bound_work
//! perf report
//! ```
//!
//! `perf report` finds the primes computation on two threads: on the main
//! thread, inside the async fn's future (`cpu_bound_work::compare::{{closure}}`)
//! that Tokio's `block_on` polls, and on a blocking-pool thread
//! (`tokio-rt-worker`), where `spawn_blocking` runs it.
//! `samply record target/release/runtime cpu_bound_work` records the same
//! run, and `CARGO_PROFILE_RELEASE_DEBUG=true cargo flamegraph -p runtime --
//! cpu_bound_work` builds, records and writes `flamegraph.svg` in one step.
//!
//! A CPU profile shows where threads compute. A future waiting at an
//! `.await` is on no thread's stack, so a slow wait does not show in it. A
//! future can be wrapped in another future that sees every `poll`, which
//! measures what the profiler cannot:
//!
//! - the number of polls: how often the future was woken and ran;
//! - the elapsed time from the first poll to the last, on Tokio's clock, so
//!   it is exact (and instant) on the paused clock;
//! - the longest single poll, on the real clock: a poll is time a runtime
//!   thread spends in this future, and a long one (asyncio's debug mode warns
//!   above 100 ms) keeps every other task waiting for that thread.
//!
//! A poll's exact duration depends on the machine, so it is not printed;
//! only whether it crossed the threshold, by a margin too large to flip.
//! `tracing-subscriber`'s `FmtSpan::CLOSE` and `tokio-console` report the
//! same busy and idle times per span and per task, without a wrapper.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Profiling Async Code"

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::join_all;
use tokio::task::{JoinError, yield_now};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// asyncio's `slow_callback_duration` in debug mode.
const SLOW_POLL: Duration = Duration::from_millis(100);

/// What [`Profiled`] measured.
#[derive(Debug)]
struct Profile {
    name: String,
    polls: u32,
    elapsed: Duration,
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
    let total = (0..100_000u64).map(|i| std::hint::black_box(i * i)).sum();
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
    let tasks = (0..10).map(|i| {
        if i % 2 == 0 {
            // Aborted when dropped: a cancelled `run` leaves no task running
            // (`concurrency/shield` says why a plain `JoinHandle` would).
            AbortOnDropHandle::new(tokio::spawn(
                cpu_intensive().profiled(format!("cpu_intensive #{i}")),
            ))
        } else {
            AbortOnDropHandle::new(tokio::spawn(
                io_intensive().profiled(format!("io_intensive #{i}")),
            ))
        }
    });
    let mut profiles = Vec::new();
    for finished in join_all(tasks).await {
        let (_result, profile) = finished?;
        profiles.push(profile);
    }
    Ok(profiles)
}

pub async fn run() -> Result<(), JoinError> {
    let (profiles, total) = performance_test().profiled("performance_test").await;
    // On the real clock, the elapsed time of the CPU-bound futures is how
    // long the others computed in between, so only the waits are printed.
    for profile in profiles? {
        let elapsed = if profile.name.starts_with("io_intensive") {
            format!(", {} elapsed", tenths(profile.elapsed))
        } else {
            String::new()
        };
        println!(
            "{}: {} polls{elapsed}, blocked the runtime: {}",
            profile.name,
            profile.polls,
            profile.blocked_the_runtime()
        );
    }
    println!("{}: {} elapsed", total.name, tenths(total.elapsed));

    // Its elapsed time is real time the paused clock does not see, so only
    // the polls and the verdict are printed.
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
