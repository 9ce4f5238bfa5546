//! A panic inside a spawned task stays in that task: awaiting it gives a
//! `JoinError` whose `is_panic()` is true, and the other tasks run on.
//!
//! asyncio stores a task's exception and raises it again at `await task`.
//! Rust splits the case in two: an expected failure is a `Result`, and a panic
//! is a bug, which Tokio catches at the task's edge (with the default
//! `panic = "unwind"`) and hands over as a `JoinError` (`into_panic()`
//! gives the payload). A panicked task returns
//! nothing, so its task ID (`join_next_with_id`) says which input it had. The
//! default panic hook still prints the message to stderr.

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
