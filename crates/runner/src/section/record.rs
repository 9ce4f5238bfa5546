//! Recording an example's [`Timeline`] from inside the runtime.
//!
//! The data comes from Tokio's task hooks (`on_task_spawn`,
//! `on_before_task_poll`, `on_after_task_poll`, `on_task_terminate`), which
//! exist under `--cfg tokio_unstable`. They were chosen over the other
//! routes after trying them:
//!
//! - Wrapping `spawn` can't work: examples call `tokio::spawn`, `JoinSet`
//!   and `TaskTracker` directly, and must stay copyable.
//! - Tokio's own tracing spans (the same cfg plus its `tracing` feature)
//!   carry a task's name, but they go to whichever subscriber is current,
//!   so an example that installs its own (`performance/tracing_spans`)
//!   would take them away from the runner, or print them.
//! - The hooks are installed only on the runtime that runs the example,
//!   only under `--timeline`, and run on the thread that spawns or polls
//!   the task, inside the runtime: `tokio::time::Instant::now()` there reads
//!   the paused clock exactly.
//!
//! What the hooks don't give, the chart says: a task's name (a
//! `task::Builder` name reaches only the tracing span, so a row is labelled
//! by the line that spawned it), whether a task returned or was aborted,
//! the start of a `spawn_blocking` call (only its end is reported), and the
//! tasks of a `LocalSet`, which has no hooks and runs its tasks inside the
//! poll of the task that drives it.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::Location;
use std::path::Path;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};

use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime, TaskMeta};
use tokio::task::Id;
use tokio::time::Instant;

use protocol::Clock;
use protocol::timeline::{self, EndKind, Ended, Micros, Row, RowKind, Timeline};

/// Whose poll this thread is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Polling {
    Row(usize),
    /// A task the chart leaves out, such as the local HTTP server's.
    Hidden,
}

thread_local! {
    static POLLING: Cell<Option<Polling>> = const { Cell::new(None) };
}

/// Collects what the hooks report; cheap to clone into each hook.
#[derive(Clone)]
pub(crate) struct Recorder {
    shared: Arc<Shared>,
}

struct Shared {
    /// The example's file, to show the source of the lines that spawn.
    path: &'static str,
    source: &'static str,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// When `run()` was first polled: time zero.
    origin: Option<Instant>,
    /// The example's runtime, to read its clock from threads outside it,
    /// until `run()` stops. It must not be kept longer: the runtime holds
    /// the hooks, which hold the recorder, and a handle kept here would
    /// keep the runtime's driver, and its file descriptors, alive for ever.
    runtime: Option<Handle>,
    rows: Vec<Row>,
    rows_by_id: HashMap<Id, usize>,
    hidden: HashSet<Id>,
    /// Rows being polled now, and since when.
    polling_since: HashMap<usize, Micros>,
    /// While set, tasks the main task spawns are scaffolding, not the
    /// example's: the local HTTP server starts this way.
    scaffolding: bool,
    returned: Option<Micros>,
    /// Whether a task dump is being taken: it polls every task, in a mode
    /// in which Tokio's futures only record where they are.
    dumping: bool,
    /// The instants dumps were taken at. A dump also wakes every task it
    /// saw waiting, and on the paused clock those polls come at the
    /// dump's instant: polls starting then are the dump's, not the
    /// example's, and the chart leaves them out.
    dumped_at: Vec<Micros>,
    /// When `run()` returned or panicked: the time of whatever happens
    /// after, while the runtime is dropped.
    stopped: Option<Micros>,
}

impl State {
    fn stop(&mut self, now: Micros) {
        self.stopped = Some(now);
        self.runtime = None;
    }

    fn now(&self) -> Micros {
        match self.stopped {
            // Once `run()` has stopped, the runtime is being dropped, maybe
            // outside its context, where `Instant::now()` would not read
            // its paused clock: what ends now ends when `run()` stopped.
            Some(stopped) => stopped,
            None => self.origin.map_or(0, |origin| {
                // A task can be spawned from a thread outside the runtime
                // (`Handle::spawn`), where `Instant::now()` would read the
                // system clock rather than the runtime's paused one.
                let _inside = match (Handle::try_current(), &self.runtime) {
                    (Err(_), Some(runtime)) => Some(runtime.enter()),
                    _ => None,
                };
                u64::try_from(Instant::now().saturating_duration_since(origin).as_micros())
                    .unwrap_or(u64::MAX)
            }),
        }
    }
}

impl Recorder {
    pub(crate) fn new(path: &'static str, source: &'static str) -> Self {
        let mut main = Row::new(RowKind::Main);
        main.code = "run()".to_owned();
        let state = State {
            rows: vec![main],
            ..State::default()
        };
        Recorder {
            shared: Arc::new(Shared {
                path,
                source,
                state: Mutex::new(state),
            }),
        }
    }

    /// Puts the hooks on a runtime about to be built.
    pub(crate) fn install(&self, builder: &mut Builder) {
        let (spawn, before, after, terminate) =
            (self.clone(), self.clone(), self.clone(), self.clone());
        builder
            .on_task_spawn(move |meta| spawn.spawned(meta))
            .on_before_task_poll(move |meta| before.poll_started(meta.id()))
            .on_after_task_poll(move |meta| after.poll_ended(meta.id()))
            .on_task_terminate(move |meta| terminate.terminated(meta));
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic inside a hook leaves the records usable.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn spawned(&self, meta: &TaskMeta<'_>) {
        let parent = POLLING.get();
        let mut state = self.state();
        let hidden = parent == Some(Polling::Hidden)
            || (state.scaffolding && parent == Some(Polling::Row(0)));
        if hidden {
            state.hidden.insert(meta.id());
            return;
        }
        let mut row = self.row_at(RowKind::Task, meta.spawned_at());
        row.parent = match parent {
            Some(Polling::Row(parent)) => Some(parent),
            _ => None,
        };
        row.spawned = Some(state.now());
        let index = state.rows.len();
        state.rows.push(row);
        state.rows_by_id.insert(meta.id(), index);
    }

    fn poll_started(&self, id: Id) {
        let mut state = self.state();
        let polling = match state.rows_by_id.get(&id) {
            Some(&index) => {
                // After `run()` stopped, the runner only lets aborted tasks
                // finish (Tokio's hooks fire for that too): no work to draw.
                if state.stopped.is_none() {
                    let now = state.now();
                    state.polling_since.insert(index, now);
                }
                Polling::Row(index)
            }
            None => Polling::Hidden,
        };
        POLLING.set(Some(polling));
    }

    fn poll_ended(&self, id: Id) {
        POLLING.set(None);
        let mut state = self.state();
        if let Some(&index) = state.rows_by_id.get(&id) {
            self.close_poll(&mut state, index);
        }
    }

    fn close_poll(&self, state: &mut State, index: usize) {
        let now = state.now();
        if let Some(start) = state.polling_since.remove(&index)
            && !state.dumping
            && !state.dumped_at.contains(&start)
        {
            state.rows[index].push_poll(timeline::Poll { start, end: now });
        }
    }

    fn terminated(&self, meta: &TaskMeta<'_>) {
        let mut state = self.state();
        let how = if state.stopped.is_some() {
            EndKind::Dropped
        } else {
            EndKind::Ended
        };
        let at = state.now();
        let index = match state.rows_by_id.get(&meta.id()) {
            Some(&index) => index,
            None if state.hidden.contains(&meta.id()) => return,
            // No spawn was reported for it: a `spawn_blocking` call, which
            // runs on a blocking thread without hooks until it ends.
            None => {
                let row = self.row_at(RowKind::Blocking, meta.spawned_at());
                state.rows.push(row);
                state.rows.len() - 1
            }
        };
        // A blocking call is never cancelled: it ran to its end, even if
        // that came after `run()` returned.
        let how = match state.rows[index].kind {
            RowKind::Blocking => EndKind::Ended,
            _ => how,
        };
        state.rows[index].ended = Some(Ended { at, how });
    }

    fn row_at(&self, kind: RowKind, location: &Location<'_>) -> Row {
        let mut row = Row::new(kind);
        let file = Path::new(location.file());
        let line = location.line();
        if Path::new(self.shared.path).ends_with(file) {
            let name = file.file_name().map_or_else(
                || location.file().to_owned(),
                |name| name.to_string_lossy().into_owned(),
            );
            row.spawned_at = Some(format!("{name}:{line}"));
            row.code = line
                .checked_sub(1)
                .and_then(|index| self.shared.source.lines().nth(index as usize))
                .unwrap_or_default()
                .trim()
                .to_owned();
        } else {
            row.spawned_at = Some(format!("{}:{line}", short_path(location.file())));
        }
        row
    }

    /// `future`, recorded as the main row: `block_on` polls it, not a task.
    pub(crate) fn main<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        let recorder = self.clone();
        async move {
            let mut future = pin!(future);
            std::future::poll_fn(|cx| {
                {
                    let mut state = recorder.state();
                    if state.origin.is_none() {
                        state.origin = Some(Instant::now());
                        state.runtime = Some(Handle::current());
                    }
                    let now = state.now();
                    state.polling_since.insert(0, now);
                }
                let outer = POLLING.replace(Some(Polling::Row(0)));
                let unwinding = StopOnPanic(&recorder);
                let result = future.as_mut().poll(cx);
                std::mem::forget(unwinding);
                POLLING.set(outer);
                let mut state = recorder.state();
                recorder.close_poll(&mut state, 0);
                if result.is_ready() {
                    let now = state.now();
                    state.returned = Some(now);
                    state.stop(now);
                }
                result
            })
            .await
        }
    }

    /// `future`, whose spawns are left out of the chart: the runner's own
    /// set-up inside the main task, such as starting the local server.
    pub(crate) fn scaffolding<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        let recorder = self.clone();
        async move {
            let mut future = pin!(future);
            std::future::poll_fn(|cx| {
                recorder.state().scaffolding = true;
                let result = future.as_mut().poll(cx);
                recorder.state().scaffolding = false;
                result
            })
            .await
        }
    }

    /// Where each of the example's tasks that is still alive was spawned, as
    /// `file:line: code`.
    pub(crate) fn live(&self) -> Vec<String> {
        let state = self.state();
        state
            .rows
            .iter()
            .filter(|row| row.kind == RowKind::Task && row.ended.is_none())
            .map(|row| {
                let place = row.spawned_at.as_deref().unwrap_or("an unknown place");
                match row.code.as_str() {
                    "" => place.to_owned(),
                    code => format!("{place}: {code}"),
                }
            })
            .collect()
    }

    /// Each task of the example's that the recorder saw spawned, by id, as
    /// a dump names it: its number on the timeline, its place (`line 81:
    /// tasks.spawn(...)`), the number of the task that spawned it (0 for
    /// main), and the line of the example's file that spawned it with that
    /// line's code; and the tasks it leaves out (the local server's).
    pub(crate) fn task_places(&self) -> (HashMap<Id, TaskPlace>, HashSet<Id>) {
        let state = self.state();
        let (_, renumbered) = numbering(&state.rows);
        let places = state
            .rows_by_id
            .iter()
            .map(|(id, &index)| {
                let row = &state.rows[index];
                let own_line = row
                    .spawned_at
                    .as_deref()
                    .filter(|_| !row.code.is_empty())
                    .and_then(|at| at.rsplit_once(':'))
                    .and_then(|(_, line)| line.parse().ok());
                let place = TaskPlace {
                    number: renumbered[index],
                    place: row.place(),
                    parent: row.parent.map(|parent| renumbered[parent]),
                    spawned_at: own_line.map(|line| (line, row.code.clone())),
                };
                (*id, place)
            })
            .collect();
        (places, state.hidden.clone())
    }

    /// The example's tasks still alive after `run()` returned, once the
    /// runtime has had a few turns to finish the ones already told to stop:
    /// an aborted task, or one whose `JoinSet` was dropped, ends at its next
    /// poll, which a yield gives it. The paused clock does not move here, so
    /// a task that would end only after a sleep is still alive. On the real
    /// clock, and on the multi-thread runtime, whose other workers take
    /// their own time, the runtime also gets a moment of real time.
    pub(crate) fn settle(&self, runtime: &Runtime, clock: Clock) -> Vec<String> {
        const TURNS: usize = 64;
        const REAL_TIME: Duration = Duration::from_millis(300);
        let settled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                for _ in 0..TURNS {
                    if self.live().is_empty() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
                if clock == Clock::Real {
                    let started = std::time::Instant::now();
                    while !self.live().is_empty() && started.elapsed() < REAL_TIME {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            });
        }));
        // A task that panics is caught by Tokio, not here; this only guards
        // against a hook that does.
        drop(settled);
        self.live()
    }

    /// The records, once the runtime has been dropped.
    pub(crate) fn finish(self, example: String, clock: Clock) -> Timeline {
        let state = self.state();
        let mut notes = Vec::new();
        if !state.hidden.is_empty() {
            notes.push(
                "The local HTTP server's tasks are left out; they serve the requests \
                 the example makes."
                    .to_owned(),
            );
        }
        Timeline {
            example,
            clock,
            notes,
            rows: in_order(&state.rows),
            returned: state.returned,
        }
    }
}

/// The rows in an order that does not depend on threads: main, then by
/// the time each row starts. Tasks keep their spawn order; a blocking row,
/// recorded when its thread finished, goes after the tasks of its instant,
/// with those of other blocking calls of that instant in source order.
fn in_order(rows: &[Row]) -> Vec<Row> {
    let (order, renumbered) = numbering(rows);
    order
        .iter()
        .map(|&old| {
            let mut row = rows[old].clone();
            row.parent = row.parent.map(|parent| renumbered[parent]);
            row
        })
        .collect()
}

/// The order of [`in_order`], and for each recorded row its number there.
fn numbering(rows: &[Row]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (1..rows.len()).collect();
    order.sort_by_key(|&index| {
        let row = &rows[index];
        let blocking = row.kind == RowKind::Blocking;
        let start = if blocking {
            row.ended.map(|ended| ended.at)
        } else {
            row.spawned
        };
        let place = if blocking {
            (row.spawned_at.clone(), row.code.clone(), 0)
        } else {
            (None, String::new(), index)
        };
        (start, blocking, place)
    });
    order.insert(0, 0);
    let mut renumbered = vec![0; rows.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old] = new;
    }
    (order, renumbered)
}

/// What only the dumps use (`watch.rs`, where Tokio can take them).
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
impl Recorder {
    /// The example's own file.
    pub(crate) fn source(&self) -> &'static str {
        self.shared.source
    }

    /// A task dump starts: what it polls is left off the timeline.
    pub(crate) fn dump_started(&self) {
        let mut state = self.state();
        state.dumping = true;
        let now = state.now();
        state.dumped_at.push(now);
    }

    /// The task dump is over.
    pub(crate) fn dump_ended(&self) {
        self.state().dumping = false;
    }
}

/// A spawned task as [`Recorder::task_places`] gives it.
pub(crate) struct TaskPlace {
    pub(crate) number: usize,
    pub(crate) place: String,
    pub(crate) parent: Option<usize>,
    pub(crate) spawned_at: Option<(usize, String)>,
}

/// Dropped only when `run()` panics out of a poll: its time is when it
/// stopped.
struct StopOnPanic<'a>(&'a Recorder);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        POLLING.set(None);
        let mut state = self.0.state();
        self.0.close_poll(&mut state, 0);
        let now = state.now();
        state.stop(now);
    }
}

/// A dependency's file from the path the compiler saw: from the crate's
/// directory on, as in `tokio-1.54.1/src/fs/mod.rs`.
fn short_path(file: &str) -> String {
    let path = Path::new(file);
    let components: Vec<_> = path.components().collect();
    match components
        .iter()
        .rposition(|component| component.as_os_str() == "src")
    {
        Some(src) if src > 0 => components[src - 1..]
            .iter()
            .map(|component| component.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => file.to_owned(),
    }
}
