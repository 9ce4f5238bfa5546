//! A panic inside a spawned task stays in that task: awaiting its handle
//! gives a `JoinError` whose `is_panic()` is true, and the other tasks run on.
//!
//! Translates no guide block; it completes the guides' "Error Handling"
//! sections for the case Python folds into exceptions.
//!
//! In asyncio an exception inside a task is stored and raised again by
//! `await task` (or logged as "Task exception was never retrieved"). Rust
//! splits that case in two. An expected failure is a value: the task returns
//! `Result<T, E>`, and the caller handles the `Err`. A panic means a bug;
//! Tokio catches it at the task boundary, so it cannot take down the runtime
//! or the other tasks, and hands it to whoever awaits the handle as
//! `JoinError::is_panic()`. `into_panic()` gives back the payload, and
//! `std::panic::resume_unwind` would carry the panic on into the caller.
//!
//! The default panic hook still prints the panic message to stderr when it
//! happens, which is why this example writes some lines there.

use std::any::Any;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

/// Returns an error for the input it expects to be wrong, and panics on the
/// one its author never imagined: a bug, the kind of failure panics are for.
async fn average(name: &'static str, readings: Vec<u32>) -> Result<u32, String> {
    sleep(Duration::from_millis(100)).await;
    if readings.iter().any(|&reading| reading > 1_000) {
        return Err(format!("{name}: reading out of range"));
    }
    let total: u32 = readings.iter().sum();
    // Divides by zero, and so panics, for an empty list.
    Ok(total / readings.len() as u32)
}

/// The message of a panic payload: `panic!` with a literal carries a
/// `&'static str`, with a format string a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

pub async fn run() {
    let mut tasks = JoinSet::new();
    for (index, (name, readings)) in [
        ("kitchen", vec![20, 22, 21]),
        ("garage", vec![5, 5_000]),
        ("attic", vec![]),
        ("cellar", vec![12, 14]),
    ]
    .into_iter()
    .enumerate()
    {
        tasks.spawn(async move { (index, name, average(name, readings).await) });
    }

    let mut lines = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let line = match joined {
            Ok((index, name, Ok(average))) => (index, format!("{name}: average {average}")),
            Ok((index, _, Err(error))) => (index, format!("error: {error}")),
            Err(error) if error.is_panic() => {
                let payload = error.into_panic();
                (
                    usize::MAX,
                    format!("a task panicked: {}", panic_message(&*payload)),
                )
            }
            Err(error) => (usize::MAX, format!("a task was cancelled: {error}")),
        };
        lines.push(line);
    }
    // Results in input order; the panicked task lost its index with its future.
    lines.sort_by_key(|(index, _)| *index);
    for (_, line) in lines {
        println!("{line}");
    }
    println!("The panic stayed inside its task; the other three finished.");
}
