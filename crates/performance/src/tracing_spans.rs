//! Debugging with `tracing`: a span per task instead of task names, and a
//! `RUST_LOG`-style filter choosing what is printed.
//!
//! The guide names tasks (`create_task(..., name="Task-0")`) so its log
//! lines can say which task they come from. In Rust, a task runs inside a
//! `tracing` span (`future.instrument(info_span!("task", name))`), and every
//! event logged inside it, across every `.await`, is printed with the span's
//! fields. Spans nest, carry any fields, and cost almost nothing when
//! filtered out. Tokio can name tasks too
//! (`tokio::task::Builder::new().name("Task-0").spawn(...)`), but only with
//! `RUSTFLAGS="--cfg tokio_unstable"` and Tokio's `tracing` feature; those
//! names show up in tokio-console.
//!
//! The filter uses `RUST_LOG` syntax: a level, per-module levels, and span
//! filters such as `[task{name=Task-1}]=debug`, "debug output, but only
//! inside the span of Task-1". A program of your own reads it from the
//! environment with `EnvFilter::from_default_env()`, so that
//! `RUST_LOG=debug cargo run` turns debugging on without a rebuild. This
//! example passes the two filters it demonstrates explicitly, so its output
//! does not depend on your shell.
//!
//! Where the events go is the subscriber's job, and there are two ways to
//! install one. A program installs one for the whole process, once, at the
//! top of `main`: `tracing_subscriber::fmt().init()` (or
//! `tracing::subscriber::set_global_default`), which every thread and so
//! every task sees. It can only be done once: a second `set_global_default`
//! returns an error, and a second `init()` panics. This example shows two
//! filters in turn, in a process that runs other examples too, so it uses
//! the other way, a subscriber scoped to one thread or one future. That
//! scope does not follow a spawned task by itself. `.with_subscriber(s)`
//! makes `s` the default only while its own future is being polled, and
//! the runtime polls a spawned task on its own, outside that future, on
//! either runtime flavor: the task's events go to whatever default its
//! thread has, here none, and are lost. So the whole demonstration runs
//! `.with_subscriber(subscriber)`, and each future it spawns carries the
//! current one along with `.with_current_subscriber()`.
//!
//! For output that is the same on every run, the subscriber prints no
//! timestamps (`without_time`), no colors and no thread ids, and the guide's
//! three equal 0.5 s sleeps become 0.5, 0.6 and 0.7 s, so the tasks finish
//! in a defined order: neither Tokio nor asyncio promises an order for
//! timers due at the same instant. The three `starting` lines come after
//! the three `created` ones, since on the current-thread runtime no task
//! runs while the spawning code does, and in spawn order because that
//! runtime runs new tasks first in, first out (how it behaves today, not a
//! promise); on the multi-thread runtime a worker can start each task at
//! once, between the `created` lines.
//!
//! asyncio's debug mode has two more jobs. Its warning for a coroutine never
//! awaited is a compile-time warning in Rust (`pitfalls/forgotten_await`).
//! Its warning for a callback that runs too long has its nearest counterpart
//! in tokio-console: with the `console-subscriber` crate and
//! `--cfg tokio_unstable`, the `tokio-console` command lists every task with
//! its busy and idle time and a histogram of its poll times, and warns about
//! a task that has not yielded for a second since it started
//! (`performance/profile_futures` measures the longest poll by hand).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Debugging Async Code"

use std::time::Duration;

use anyhow::Context;
use futures::future::join_all;
use tokio::time::{sleep, timeout};
use tokio_util::task::AbortOnDropHandle;
use tracing::instrument::WithSubscriber;
use tracing::{Instrument, debug, info, info_span, warn};
use tracing_subscriber::EnvFilter;

async fn named_task(name: String, delay: Duration) -> String {
    info!("starting");
    sleep(delay).await;
    debug!(slept_ms = delay.as_millis(), "woke up");
    info!("completed");
    name
}

async fn debug_async_operations() -> anyhow::Result<()> {
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let name = format!("Task-{i}");
            let span = info_span!("task", name = name.as_str());
            info!("created {name}");
            let delay = Duration::from_millis(500 + 100 * i);
            // Without `with_current_subscriber`, the task would log to its
            // thread's default subscriber, since the runtime polls it outside
            // this future: none.
            //
            // Aborted when dropped: a cancelled `run` leaves no task running
            // (`concurrency/shield` says why a plain `JoinHandle` would).
            AbortOnDropHandle::new(tokio::spawn(
                named_task(name, delay)
                    .instrument(span)
                    .with_current_subscriber(),
            ))
        })
        .collect();
    let mut results = Vec::new();
    for result in join_all(tasks).await {
        results.push(result.context("a named task panicked")?);
    }
    info!(?results, "all tasks done");

    if timeout(Duration::from_secs(1), sleep(Duration::from_secs(2)))
        .await
        .is_err()
    {
        warn!("operation timed out (expected)");
    }
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    for (index, filter) in ["info", "info,[task{name=Task-1}]=debug"]
        .into_iter()
        .enumerate()
    {
        if index > 0 {
            println!();
        }
        println!("With RUST_LOG={filter}:");
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(
                EnvFilter::try_new(filter).with_context(|| format!("bad filter {filter:?}"))?,
            )
            .without_time()
            .with_ansi(false)
            .with_target(false)
            .with_writer(std::io::stdout)
            .finish();
        debug_async_operations().with_subscriber(subscriber).await?;
    }
    Ok(())
}
