//! A panic inside a spawned task stays in that task: awaiting it gives a
//! `JoinError` whose `is_panic()` is true, and the other tasks run on.
//!
//! It completes the guides' "Error Handling" sections for the case Python
//! folds into exceptions.
//!
//! In asyncio an exception inside a task is stored and raised again by
//! `await task` (or logged as "Task exception was never retrieved"). Rust
//! splits that case in two. An expected failure is a value: the task returns
//! `Result<T, E>`, and the caller handles the `Err`. A panic means a bug;
//! with the default `panic = "unwind"`, Tokio catches it at the task
//! boundary, so it does not take down the runtime or the other tasks, and
//! hands it to whoever awaits the task as a `JoinError` whose `is_panic()` is
//! true. `into_panic()` gives back the payload, and
//! `std::panic::resume_unwind` would carry the panic on into the caller.
//!
//! A panicked task returns nothing, so it can't say which input it was
//! working on. Its task ID can: `JoinSet::spawn` returns an `AbortHandle`
//! whose `id()` is known before the task runs, `join_next_with_id` pairs each
//! result with the ID of its task, and `JoinError::id()` names the task that
//! panicked. A map from ID to input recovers the rest. (Task IDs are unique
//! among the tasks alive at one time, and say nothing about spawn order.)
//!
//! The default panic hook still prints the panic message to stderr when it
//! happens, which is why this example writes some lines there.

use std::any::Any;
use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

#[derive(Debug, thiserror::Error)]
#[error("reading {0} out of range")]
struct OutOfRange(u32);

/// Returns an error for the input it expects to be wrong, and panics on the
/// one its author never imagined: a bug, the kind of failure panics are for.
async fn average(readings: Vec<u32>) -> Result<u32, OutOfRange> {
    sleep(Duration::from_millis(100)).await;
    if let Some(&reading) = readings.iter().find(|&&reading| reading > 1_000) {
        return Err(OutOfRange(reading));
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
    let sensors = [
        ("kitchen", vec![20, 22, 21]),
        ("garage", vec![5, 5_000]),
        ("attic", vec![]),
        ("cellar", vec![12, 14]),
    ];

    let mut tasks = JoinSet::new();
    // Which input each task works on, by task ID: the one thing a panicked
    // task still has.
    let mut inputs = HashMap::new();
    for (index, (name, readings)) in sensors.into_iter().enumerate() {
        let handle = tasks.spawn(average(readings));
        inputs.insert(handle.id(), (index, name));
    }

    let mut lines = Vec::new();
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, line) = match joined {
            Ok((id, Ok(average))) => (id, format!("average {average}")),
            Ok((id, Err(error))) => (id, format!("error: {error}")),
            Err(error) if error.is_panic() => {
                let id = error.id();
                let payload = error.into_panic();
                (id, format!("panicked: {}", panic_message(&*payload)))
            }
            Err(error) => (error.id(), format!("cancelled: {error}")),
        };
        let (index, name) = inputs[&id];
        lines.push((index, format!("{name}: {line}")));
    }
    // Tasks finish in an order nobody chose; print in input order.
    lines.sort_by_key(|(index, _)| *index);
    for (_, line) in lines {
        println!("{line}");
    }
    println!("The panic stayed inside its task; the other three finished.");
}
