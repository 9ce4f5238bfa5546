//! What a learner sees of an exercise that awaits for ever: where each task
//! waits, from a task dump taken when `VIRTUAL_LIMIT` runs out (see the runner's `dump`
//! module); nothing where Tokio can't dump.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use runner::Tasks;
use runner::dump::{self, Source, Wait};

/// One sentence per place a task waits: the main task first, then the
/// tasks in the order they were spawned.
pub async fn describe(
    run: Pin<&mut (dyn Future<Output = ()> + '_)>,
    tasks: &Tasks,
    source: Source<'_>,
) -> Vec<String> {
    if !dump::AVAILABLE {
        return Vec::new();
    }
    let (_, snapshot) = dump::snapshot(run, Duration::from_secs(2)).await;
    let mut lines = sentences("the main task", &snapshot.main, source);
    for (id, at) in tasks.spawned() {
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
        return vec![describe_wait(who, None)];
    }
    let mut lines: Vec<String> = Vec::new();
    for frames in traces {
        let line = describe_wait(who, Some(&dump::fold(frames, source)));
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// "`who` waits at `file:line` in `leaf`: why that can last for ever".
pub fn describe_wait(who: &str, wait: Option<&Wait>) -> String {
    let Some(wait) = wait else {
        return format!(
            "{who} waits where a task dump can't see: in a `JoinSet` none of whose tasks \
             has finished, in a future that is not Tokio's, or on nothing that will ever \
             wake it"
        );
    };
    let place = match wait.innermost() {
        Some(place) => format!(" at {}", place.at),
        None => " outside your file".to_owned(),
    };
    let why = why_it_waits(&wait.leaf).map_or(String::new(), |why| format!(": {why}"));
    format!("{who} waits{place} in `{}`{why}", wait.leaf)
}

fn why_it_waits(leaf: &str) -> Option<&'static str> {
    Some(match leaf.rsplit(" › ").next().unwrap_or(leaf) {
        "mpsc::Receiver::recv" | "mpsc::UnboundedReceiver::recv" => {
            "a channel ends when its last sender is dropped"
        }
        "mpsc::Sender::send" => "the channel is full, and nothing receives from it",
        "oneshot::Receiver" => "its sender is never used, nor dropped",
        "broadcast::Receiver::recv" | "watch::Receiver::changed" => {
            "nothing sends any more, and a sender is still alive"
        }
        "JoinHandle" => "it waits for that task to end",
        "JoinSet::join_next" => "it waits for a task of the set to end",
        "Mutex::lock" | "RwLock::read" | "RwLock::write" => {
            "the lock is held, by another task or by a future of this one that nothing \
             polls any more (a futurelock), and never let go"
        }
        "Semaphore::acquire" | "Semaphore::acquire_owned" => "every permit is held",
        "Notify::notified" => "nothing calls `notify_one` or `notify_waiters` any more",
        "CancellationToken::cancelled" => "nothing cancels the token",
        "Barrier::wait" => "fewer tasks than the barrier's count reached it",
        _ => return None,
    })
}

#[cfg(test)]
#[test]
fn a_wait_names_the_line_the_leaf_and_why() {
    let place = runner::dump::Place {
        function: "run".into(),
        at: "x.rs:36".into(),
    };
    let recv = Wait {
        frames: vec![place],
        leaf: "mpsc::Receiver::recv".into(),
        in_select: false,
    };
    assert_eq!(
        describe_wait("the main task", Some(&recv)),
        "the main task waits at x.rs:36 in `mpsc::Receiver::recv`: a channel ends when its \
         last sender is dropped"
    );
    let sleep = Wait {
        frames: vec![],
        leaf: "sleep".into(),
        in_select: false,
    };
    let outside = "a task waits outside your file in `sleep`";
    assert_eq!(describe_wait("a task", Some(&sleep)), outside);
    assert!(describe_wait("a task", None).contains("where a task dump can't see"));
}
