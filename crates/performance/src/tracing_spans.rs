//! Debugging with `tracing`: a span per task instead of task names, and a
//! `RUST_LOG`-style filter choosing what is printed.
//!
//! The guide names tasks so its log lines say whose they are; a Rust task runs
//! inside a `tracing` span, and every event in it carries the span's fields.
//! A filter such as `[task{name=Task-1}]=debug` shows debug output for one
//! span. A program installs one subscriber for the process (see the book's
//! page "Debugging and profiling"); this example scopes its own to its future.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Debugging Async Code"

use std::time::Duration;

use anyhow::Context;
use tokio::time::{sleep, timeout};
use tokio_util::task::JoinQueue;
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
    // In the order spawned, which a `JoinQueue` keeps; dropped, it aborts
    // them, as a cancelled `run` does.
    let mut tasks = JoinQueue::new();
    for i in 0..3 {
        let name = format!("Task-{i}");
        let span = info_span!("task", name = name.as_str());
        info!("created {name}");
        // 0.5, 0.6 and 0.7 s: distinct deadlines, so the tasks complete,
        // and log it, in the order spawned. The current-thread runtime also
        // starts them in that order, once all are created (its queue is first
        // in, first out, Tokio's behaviour "at the time of writing"); on the
        // multi-thread runtime their `starting` lines may come in any order,
        // between the `created` ones.
        let delay = Duration::from_millis(500 + 100 * i);
        // Without `with_current_subscriber`, the task would log to its
        // thread's default subscriber, since the runtime polls it outside
        // this future: none.
        tasks.spawn(
            named_task(name, delay)
                .instrument(span)
                .with_current_subscriber(),
        );
    }
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
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
        // Scoped to this future, not installed for the process: the
        // example runs beside others, and each spawned task carries it along
        // (`with_current_subscriber`).
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
