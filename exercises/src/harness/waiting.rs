//! Where each task of a hung exercise waits, in the exercise's own file: the
//! report's "Where each task was waiting" (from the runner's task dump; none
//! where Tokio can't dump).

#[cfg(all(
    tokio_unstable,
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
))]
mod imp {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use runner::dump::{self, Source, Wait};
    use tokio::task::Id;

    /// Where each task was spawned, in spawn order, from Tokio's spawn hook.
    #[derive(Clone, Default)]
    pub struct Spawns(Arc<Mutex<Vec<(Id, String)>>>);

    impl Spawns {
        pub fn install(&self, builder: &mut tokio::runtime::Builder) {
            let spawns = self.clone();
            builder.on_task_spawn(move |meta| {
                let at = meta.spawned_at();
                let file = at.file().rsplit('/').next().unwrap_or(at.file());
                let mut spawns = spawns.0.lock().unwrap_or_else(PoisonError::into_inner);
                spawns.push((meta.id(), format!("{file}:{}", at.line())));
            });
        }
    }

    /// A sentence per place a task waits: the main task's, then the others'
    /// in spawn order.
    pub async fn describe(
        run: Pin<&mut (dyn Future<Output = ()> + '_)>,
        spawns: &Spawns,
        source: Source<'_>,
    ) -> Vec<String> {
        let (_, snapshot) = dump::capture::snapshot(run, Duration::from_secs(2)).await;
        let mut lines = sentences("the main task", &snapshot.main, source);
        let spawns = spawns.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, at) in spawns.iter() {
            if let Some((_, traces)) = snapshot.tasks.iter().find(|(task, _)| task == id) {
                lines.extend(sentences(
                    &format!("the task spawned at {at}"),
                    traces,
                    source,
                ));
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
        };
        assert_eq!(
            describe_wait("the main task", Some(&recv)),
            "the main task waits at x.rs:36 in `mpsc::Receiver::recv`: a channel ends when its \
             last sender is dropped"
        );
        let sleep = Wait {
            frames: vec![],
            leaf: "sleep".into(),
        };
        let outside = "a task waits outside your file in `sleep`";
        assert_eq!(describe_wait("a task", Some(&sleep)), outside);
        assert!(describe_wait("a task", None).contains("where a task dump can't see"));
    }
}

#[cfg(not(all(
    tokio_unstable,
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
)))]
mod imp {
    use std::future::Future;
    use std::pin::Pin;

    #[derive(Clone, Default)]
    pub struct Spawns;

    impl Spawns {
        pub fn install(&self, _builder: &mut tokio::runtime::Builder) {}
    }

    pub async fn describe(
        _run: Pin<&mut (dyn Future<Output = ()> + '_)>,
        _spawns: &Spawns,
        _source: runner::dump::Source<'_>,
    ) -> Vec<String> {
        Vec::new()
    }
}

pub use imp::*;
