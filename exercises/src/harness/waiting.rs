//! Where each task of an exercise that awaits for ever waits, from a task
//! dump taken when `VIRTUAL_LIMIT` runs out (see the runner's `dump`
//! module); nothing where Tokio can't dump.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use runner::dump::{self, Source};

pub use runner::dump::Spawns;

/// One sentence per place a task waits: the main task first, then the
/// tasks in the order they were spawned.
pub async fn describe(
    run: Pin<&mut (dyn Future<Output = ()> + '_)>,
    spawns: &Spawns,
    source: Source<'_>,
) -> Vec<String> {
    if !dump::AVAILABLE {
        return Vec::new();
    }
    let (_, snapshot) = dump::snapshot(run, Duration::from_secs(2)).await;
    let mut lines = sentences("the main task", &snapshot.main, source);
    for (id, at) in spawns.places() {
        if let Some((_, traces)) = snapshot.tasks.iter().find(|(task, _)| *task == id) {
            let who = format!("the task spawned at {at}");
            lines.extend(sentences(&who, traces, source));
        }
    }
    lines.extend(snapshot.incomplete);
    lines
}

fn sentences(who: &str, traces: &[Vec<dump::Frame>], source: Source<'_>) -> Vec<String> {
    if traces.is_empty() {
        return vec![crate::describe_wait(who, None)];
    }
    let mut lines: Vec<String> = Vec::new();
    for frames in traces {
        let line = crate::describe_wait(who, Some(&dump::fold(frames, source)));
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}
