//! Where each task of an exercise that awaits for ever waits, from a task
//! dump taken when `VIRTUAL_LIMIT` runs out, before its future is dropped
//! (see the runner's `dump` module); nothing where Tokio can't dump.

/// Where each task of an exercise that awaits for ever waits, from a task
/// dump taken when `VIRTUAL_LIMIT` runs out (see the runner's `dump`
/// module); nothing where Tokio can't dump.
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

    use runner::dump::{self, Source};
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
                spawns
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((meta.id(), format!("{file}:{}", at.line())));
            });
        }
    }

    /// One sentence per place a task waits: the main task first, then the
    /// tasks in the order they were spawned.
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
}

/// Without Tokio's task dumps, a hung exercise is reported without them.
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

    use runner::dump::Source;

    #[derive(Clone, Default)]
    pub struct Spawns;

    impl Spawns {
        pub fn install(&self, _builder: &mut tokio::runtime::Builder) {}
    }

    pub async fn describe(
        _run: Pin<&mut (dyn Future<Output = ()> + '_)>,
        _spawns: &Spawns,
        _source: Source<'_>,
    ) -> Vec<String> {
        Vec::new()
    }
}

pub use imp::*;
