//! `asyncio.Event` is a `watch` channel holding a `bool`, a flag that stays
//! set; `Notify` is the lighter tool for a wake-up that leaves no state.
//!
//! `watch`'s `wait_for(|&set| set)` is `event.wait()`, and `send_replace` is
//! `set()` and `clear()`. One difference: `set()` then `clear()` at once still
//! wakes every asyncio waiter, while a `watch` receiver sees only the latest
//! value and waits on. `Notify` keeps no flag: `notify_waiters()` wakes the
//! waiters of that moment, `notify_one()` one waiter or the next to come.
//! `SetOnce` (added in Tokio 1.47), modelled on `asyncio.Event`, is set
//! once, carries a value and can't be cleared; for shutdown,
//! `CancellationToken` is a ready-made event.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, SetOnce, watch};
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

/// `SetOnce`, modelled on `asyncio.Event`, for a flag set once and never
/// cleared: `wait()` returns at once once it is set, a second `set` is
/// refused, and the flag carries a value.
async fn set_once_as_event() -> anyhow::Result<()> {
    let start = Instant::now();
    let ready = Arc::new(SetOnce::new());
    let waiter = {
        let ready = Arc::clone(&ready);
        AbortOnDropHandle::new(tokio::spawn(async move {
            let config = ready.wait().await;
            format!(
                "waiter got {config:?} at {:.1}s",
                start.elapsed().as_secs_f64()
            )
        }))
    };
    sleep(Duration::from_millis(500)).await;
    ready.set("config v1").context("set once, and only here")?;
    println!("{}", waiter.await.context("the waiter panicked")?);
    if let Err(refused) = ready.set("config v2") {
        println!(
            "set({:?}) refused: it holds {:?} for good, and has no clear()",
            refused.0,
            ready.get().context("set above")?
        );
    }
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    watch_as_event().await?;
    println!();
    notify_as_signal().await?;
    println!();
    set_once_as_event().await
}
