//! The tasks of a runtime that the runner does not build itself (the
//! exercise harness's): where each was spawned, and which were still alive
//! when the main future returned. The same records (Tokio's task hooks, see
//! `record.rs`) and the same settling as the sections' "left 1 task running",
//! so that a learner's program is judged as an example is.

use tokio::runtime::{Builder, Runtime};

use protocol::Clock;

use crate::dump::{SpawnLine, Who};
use crate::record::{self, Recorder};

/// The task hooks of one runtime on the paused clock, for the code of one
/// file.
pub struct Tasks {
    recorder: Recorder,
}

impl Tasks {
    /// For the file at `path` whose text is `source`: a spawn there is named
    /// by its file name, line and code. `path` is the file's path as the
    /// compiler was given it, or any path that ends with that one (an
    /// absolute one from `CARGO_MANIFEST_DIR`).
    pub fn new(path: &'static str, source: &'static str) -> Tasks {
        Tasks {
            recorder: Recorder::new(path, source),
        }
    }

    /// Puts the hooks on a runtime about to be built; without
    /// `--cfg tokio_unstable` there are none, and no task is seen.
    pub fn install(&self, builder: &mut Builder) {
        self.recorder.install(builder, None);
    }

    /// Where each task was spawned, `file:line`, by its Tokio id, in spawn
    /// order.
    pub fn spawned(&self) -> Vec<(u64, String)> {
        let name = self.recorder.source_file().name;
        let names = self.recorder.names();
        let mut spawned: Vec<(usize, u64, String)> = Vec::new();
        for (id, task) in names.tasks {
            let Who::Task(number) = task.who else {
                continue;
            };
            let place = match task.spawned_at {
                Some(SpawnLine { line, .. }) => format!("{name}:{line}"),
                None => task.place,
            };
            spawned.push((number, id, place));
        }
        spawned.sort_by_key(|(number, _, _)| *number);
        spawned
            .into_iter()
            .map(|(_, id, place)| (id, place))
            .collect()
    }

    /// The lines of the file at which tasks were spawned, each once, in
    /// order: a value dropped on such a line may be a task's `JoinHandle`,
    /// whose task runs whatever becomes of it. `None` without the task
    /// hooks, where no spawn is seen.
    pub fn spawn_lines(&self) -> Option<Vec<usize>> {
        if !record::HOOKS {
            return None;
        }
        let mut lines = Vec::new();
        for task in self.recorder.names().tasks.into_values() {
            if let Some(SpawnLine { line, .. }) = task.spawned_at {
                lines.push(line);
            }
        }
        lines.sort_unstable();
        lines.dedup();
        Some(lines)
    }

    /// Once the main future has returned on `runtime`'s paused clock: where
    /// each task still alive was spawned (`file:line: code`, or `file:line`
    /// outside the file), after those already told to stop (aborted, or in
    /// a dropped `JoinSet`) have had the turns they need to end. `None`
    /// without the task hooks, where it can't be known.
    pub fn left_running(&self, runtime: &Runtime) -> Option<Vec<String>> {
        if !record::HOOKS {
            return None;
        }
        Some(self.recorder.settle(runtime, Clock::Virtual, 0))
    }
}
