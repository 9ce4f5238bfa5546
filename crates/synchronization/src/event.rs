//! `asyncio.Event` is a `watch` channel holding a `bool`, a flag that stays
//! set; `Notify` is the lighter tool for a wake-up that leaves no state.
//!
//! The guides use `asyncio.Event` only in passing, as a shutdown flag in
//! *Complete Guide to Async IO and Asynchronous Programming in Python*,
//! "Background Tasks and Services".
//!
//! An `asyncio.Event` is state: `set()` wakes every waiter, and `wait()`
//! returns at once while the flag is set, until `clear()`. A
//! `tokio::sync::watch` channel keeps a value and wakes every receiver when a
//! new one is sent; `receiver.wait_for(|&set| set)` is `event.wait()`,
//! returning at once if the flag is already up, and `send_replace(false)` is
//! `clear()` (`send_replace`, unlike `send`, works with no receiver left).
//!
//! One difference: `set()` followed at once by `clear()` still wakes every
//! task waiting on an `asyncio.Event`, because `set()` completes each
//! waiter's future. A `watch` receiver looks only at the latest value, so
//! `send_replace(true)` then `send_replace(false)` before a waiter runs wakes
//! it to find `false`, and it goes on waiting. For a pulse that must reach
//! every waiter, use `Notify::notify_waiters` (below) or a `broadcast`
//! channel.
//!
//! `Notify` keeps no flag. `notify_waiters()` wakes every `Notified` future
//! that exists at that moment, polled or not, and is then forgotten; a
//! future created afterwards waits for the next call. `notify_one()` wakes
//! one waiter or, if nobody waits, leaves a single permit for the next one.
//! Use it for "something changed, go and look", with the state kept
//! elsewhere. Unlike a `watch` channel, whose `wait_for` fails once the
//! sender is dropped, a `Notify` can't be closed: a task waiting for a call
//! that will never come waits for ever, so the one below is aborted if
//! `run()` is dropped first.
//!
//! For shutdown, `tokio_util::sync::CancellationToken` is a ready-made event
//! that is set once, with child tokens; the section `real-world` uses it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

async fn waiter(
    name: &str,
    mut event: watch::Receiver<bool>,
    start: Instant,
) -> Result<String, watch::error::RecvError> {
    event.wait_for(|&set| set).await?;
    Ok(format!(
        "{name} saw the event at {:.1}s",
        start.elapsed().as_secs_f64()
    ))
}

async fn watch_as_event() -> anyhow::Result<()> {
    let start = Instant::now();
    let (event, receiver) = watch::channel(false);

    let waiters: Vec<_> = ["waiter 1", "waiter 2", "waiter 3"]
        .into_iter()
        .map(|name| tokio::spawn(waiter(name, receiver.clone(), start)))
        .collect();
    sleep(Duration::from_secs(1)).await;
    event.send_replace(true);
    for waiter in waiters {
        println!("{}", waiter.await.context("a waiter panicked")??);
    }

    sleep(Duration::from_millis(500)).await;
    println!(
        "{} (already set)",
        waiter("late waiter", receiver.clone(), start).await?
    );

    event.send_replace(false);
    let next = tokio::spawn(waiter("next waiter", receiver.clone(), start));
    sleep(Duration::from_secs(1)).await;
    event.send_replace(true);
    println!(
        "{} (after clear and set)",
        next.await.context("a waiter panicked")??
    );
    Ok(())
}

async fn notify_as_signal() -> anyhow::Result<()> {
    let start = Instant::now();
    let seconds = move || start.elapsed().as_secs_f64();
    let signal = Arc::new(Notify::new());

    // Created here, not inside the task: a `Notified` future receives
    // `notify_waiters()` from the moment it exists, even before its first
    // poll, so the call below can't come too early for the task.
    let notified = signal.clone().notified_owned();
    let early = AbortOnDropHandle::new(tokio::spawn(async move {
        notified.await;
        format!("early waiter woken at {:.1}s", seconds())
    }));
    sleep(Duration::from_millis(500)).await;
    signal.notify_waiters();
    println!("{}", early.await.context("the early waiter panicked")?);

    if timeout(Duration::from_secs(1), signal.notified())
        .await
        .is_err()
    {
        println!(
            "late waiter gave up at {:.1}s: notify_waiters() is not remembered",
            seconds()
        );
    }

    signal.notify_one();
    signal.notified().await;
    println!(
        "notify_one() with nobody waiting left a permit, taken at {:.1}s",
        seconds()
    );
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    watch_as_event().await?;
    println!();
    notify_as_signal().await
}
