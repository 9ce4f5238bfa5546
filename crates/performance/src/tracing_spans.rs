//! Debugging with `tracing`: a span per task instead of task names, and a
//! `RUST_LOG`-style filter choosing what is printed.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Debugging Async Code"
//!
//! The guide names tasks (`create_task(..., name="Task-0")`) so its log
//! lines can say which task they come from. In Rust, a task runs inside a
//! `tracing` span (`future.instrument(info_span!("task", name))`), and every
//! event logged inside it, across every `.await`, is printed with the span's
//! fields. Spans nest, carry any fields, and cost almost nothing when
//! filtered out. Tokio can name tasks too
//! (`tokio::task::Builder::new().name("Task-0").spawn(...)`), but only with
//! `RUSTFLAGS="--cfg tokio_unstable"`; those names show up in tokio-console.
//!
//! The filter uses `RUST_LOG` syntax: a level, per-module levels, and span
//! filters such as `[task{name=Task-1}]=debug`, "debug output, but only
//! inside the span of Task-1". A program of your own reads it from the
//! environment with `EnvFilter::from_default_env()`, so that
//! `RUST_LOG=debug cargo run` turns debugging on without a rebuild. This
//! example passes the two filters it demonstrates explicitly, so its output
//! does not depend on your shell.
//!
//! For output that is the same on every run, the subscriber prints no
//! timestamps (`without_time`), no colors and no thread ids. It is set with
//! `set_default`, for this thread only, which covers every task on a
//! current-thread runtime; a program installs one globally with `.init()`.
//!
//! asyncio's debug mode has two more jobs. Its warning for a coroutine never
//! awaited is a compile-time warning in Rust (`pitfalls/forgotten_await`).
//! Its warning for a callback that runs too long is what tokio-console shows
//! live: the `console-subscriber` crate, `--cfg tokio_unstable`, then the
//! `tokio-console` command lists every task with its busy and idle time and
//! flags the ones that poll for too long (`performance/profile_futures`
//! measures that by hand).

use std::error::Error;
use std::time::Duration;

use futures::future::join_all;
use tokio::time::{sleep, timeout};
use tracing::{Instrument, debug, info, info_span, warn};
use tracing_subscriber::EnvFilter;

async fn named_task(name: String, delay: Duration) -> String {
    info!("starting");
    sleep(delay).await;
    debug!(slept_ms = delay.as_millis(), "woke up");
    info!("completed");
    name
}

async fn debug_async_operations() -> Result<(), Box<dyn Error>> {
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let name = format!("Task-{i}");
            let span = info_span!("task", name = name.as_str());
            info!("created {name}");
            tokio::spawn(named_task(name, Duration::from_millis(500)).instrument(span))
        })
        .collect();
    let mut results = Vec::new();
    for result in join_all(tasks).await {
        results.push(result?);
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

pub async fn run() -> Result<(), Box<dyn Error>> {
    for (index, filter) in ["info", "info,[task{name=Task-1}]=debug"]
        .into_iter()
        .enumerate()
    {
        if index > 0 {
            println!();
        }
        println!("With RUST_LOG={filter}:");
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::try_new(filter)?)
            .without_time()
            .with_ansi(false)
            .with_target(false)
            .with_writer(std::io::stdout)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        debug_async_operations().await?;
    }
    Ok(())
}
