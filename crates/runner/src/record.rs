//! `--timeline`: records when each task of an example was spawned, polled
//! and ended, through Tokio's task hooks (`--cfg tokio_unstable`). The same
//! records name the tasks left running, the sweep's leftovers and a dump's
//! tasks.
//!
//! The hooks were chosen over wrapping `spawn` (examples call Tokio directly
//! and must stay copyable) and over Tokio's tracing spans (an example that
//! installs its own subscriber would take them away). They run inside the
//! runtime, so `Instant::now()` there reads the paused clock exactly.
#![cfg_attr(not(tokio_unstable), allow(dead_code, unused_imports))]

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use protocol::Clock;
use protocol::timeline::{self, EndKind, Ended, Micros, Row, RowKind, Timeline};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::Id;
use tokio::time::Instant;

use crate::dump::{TaskDump, Who};

/// Whether this build has the task hooks.
pub(crate) const HOOKS: bool = cfg!(tokio_unstable);

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
    /// until `run()` stops: the runtime holds the hooks, which hold this,
    /// and a handle kept longer would keep its driver alive for ever.
    runtime: Option<Handle>,
    rows: Vec<Row>,
    rows_by_id: HashMap<Id, usize>,
    hidden: HashSet<Id>,
    /// Rows being polled now, and since when.
    polling_since: HashMap<usize, Micros>,
    /// While set, tasks the main task spawns are the runner's (the local
    /// HTTP server), not the example's.
    scaffolding: bool,
    returned: Option<Micros>,
    /// A task dump polls every task in a tracing mode, then wakes each one;
    /// on the paused clock those polls start at the dump's instant. Neither
    /// is the example's work.
    dumping: bool,
    dumped_at: Vec<Micros>,
    /// When `run()` returned or panicked: the time of whatever ends while
    /// the runtime is dropped, maybe outside its context.
    stopped: Option<Micros>,
}

impl State {
    fn stop(&mut self, now: Micros) {
        self.stopped = Some(now);
        self.runtime = None;
    }

    fn now(&self) -> Micros {
        if let Some(stopped) = self.stopped {
            return stopped;
        }
        self.origin.map_or(0, |origin| {
            // `Handle::spawn` from a thread outside the runtime: there
            // `Instant::now()` would read the system clock.
            let _inside = match (Handle::try_current(), &self.runtime) {
                (Err(_), Some(runtime)) => Some(runtime.enter()),
                _ => None,
            };
            u64::try_from(Instant::now().saturating_duration_since(origin).as_micros())
                .unwrap_or(u64::MAX)
        })
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

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic inside a hook leaves the records usable.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn source(&self) -> &'static str {
        self.shared.source
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

    /// Where each of the example's tasks still alive was spawned, as
    /// `file:line: code`.
    pub(crate) fn live(&self) -> Vec<String> {
        let state = self.state();
        let live = state
            .rows
            .iter()
            .filter(|row| row.kind == RowKind::Task && row.ended.is_none());
        live.map(|row| {
            let place = row.spawned_at.as_deref().unwrap_or("an unknown place");
            match row.code.as_str() {
                "" => place.to_owned(),
                code => format!("{place}: {code}"),
            }
        })
        .collect()
    }

    /// Each task of the example's, by id, as a dump names it (with no
    /// waits yet), and the tasks it leaves out (the local server's).
    pub(crate) fn task_places(&self) -> (HashMap<Id, TaskDump>, HashSet<Id>) {
        let state = self.state();
        let (_, renumbered) = numbering(&state.rows);
        let who = |index: usize| {
            if index == 0 {
                Who::Main
            } else {
                Who::Task(index)
            }
        };
        let places = state.rows_by_id.iter().map(|(id, &index)| {
            let row = &state.rows[index];
            let at = row.spawned_at.as_deref().filter(|_| !row.code.is_empty());
            let line = at.and_then(|at| at.rsplit_once(':')?.1.parse().ok());
            let task = TaskDump {
                who: who(renumbered[index]),
                place: row.place(),
                parent: row.parent.map(|parent| who(renumbered[parent])),
                spawned_at: line.map(|line| (line, row.code.clone())),
                waits: Vec::new(),
            };
            (*id, task)
        });
        (places.collect(), state.hidden.clone())
    }

    /// The example's tasks still alive after `run()` returned, once those
    /// already told to stop (aborted, or in a dropped `JoinSet`) have had
    /// the turns they need to end. The paused clock does not move here; on
    /// the real clock, and for the multi-thread runtime's other workers, the
    /// runtime also gets a moment of real time.
    pub(crate) fn settle(&self, runtime: &Runtime, clock: Clock) -> Vec<String> {
        // A task that panics is caught by Tokio; this only guards against a
        // hook that does.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                for _ in 0..64 {
                    if self.live().is_empty() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
                let started = std::time::Instant::now();
                while clock == Clock::Real
                    && !self.live().is_empty()
                    && started.elapsed() < Duration::from_millis(300)
                {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
        }));
        self.live()
    }

    /// The records, once the runtime has been dropped.
    pub(crate) fn finish(self, example: String, clock: Clock) -> Timeline {
        let state = self.state();
        let notes = (!state.hidden.is_empty()).then(|| {
            "The local HTTP server's tasks are left out; they serve the requests the example \
             makes."
                .to_owned()
        });
        Timeline {
            example,
            clock,
            notes: notes.into_iter().collect(),
            rows: in_order(&state.rows),
            returned: state.returned,
        }
    }

    /// A task dump starts: what it polls is left off the timeline.
    pub(crate) fn dump_started(&self) {
        let mut state = self.state();
        state.dumping = true;
        let now = state.now();
        state.dumped_at.push(now);
    }

    pub(crate) fn dump_ended(&self) {
        self.state().dumping = false;
    }
}

#[cfg(not(tokio_unstable))]
impl Recorder {
    pub(crate) fn install(&self, _builder: &mut Builder) {}
}

#[cfg(tokio_unstable)]
impl Recorder {
    /// Puts the hooks on a runtime about to be built.
    pub(crate) fn install(&self, builder: &mut Builder) {
        let (spawn, before, after, end) = (self.clone(), self.clone(), self.clone(), self.clone());
        builder
            .on_task_spawn(move |meta| spawn.spawned(meta.id(), meta.spawned_at()))
            .on_before_task_poll(move |meta| before.poll_started(meta.id()))
            .on_after_task_poll(move |meta| after.poll_ended(meta.id()))
            .on_task_terminate(move |meta| end.terminated(meta.id(), meta.spawned_at()));
    }

    fn spawned(&self, id: Id, at: &std::panic::Location<'_>) {
        let parent = POLLING.get();
        let mut state = self.state();
        if parent == Some(Polling::Hidden) || (state.scaffolding && parent == Some(Polling::Row(0)))
        {
            state.hidden.insert(id);
            return;
        }
        let mut row = self.row_at(RowKind::Task, at);
        if let Some(Polling::Row(parent)) = parent {
            row.parent = Some(parent);
        }
        row.spawned = Some(state.now());
        let index = state.rows.len();
        state.rows.push(row);
        state.rows_by_id.insert(id, index);
    }

    fn poll_started(&self, id: Id) {
        let mut state = self.state();
        let polling = match state.rows_by_id.get(&id) {
            Some(&index) => {
                // After `run()` stopped, only aborted tasks finish: no work.
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

    fn terminated(&self, id: Id, at: &std::panic::Location<'_>) {
        let mut state = self.state();
        let ended = Ended {
            at: state.now(),
            how: match state.stopped {
                Some(_) => EndKind::Dropped,
                None => EndKind::Ended,
            },
        };
        let index = match state.rows_by_id.get(&id) {
            Some(&index) => index,
            None if state.hidden.contains(&id) => return,
            // No spawn was reported: a `spawn_blocking` call, which runs
            // without hooks until it ends, and is never cancelled.
            None => {
                let mut row = self.row_at(RowKind::Blocking, at);
                row.ended = Some(Ended {
                    how: EndKind::Ended,
                    ..ended
                });
                state.rows.push(row);
                return;
            }
        };
        state.rows[index].ended = Some(ended);
    }

    /// A row spawned at `location`: in the example's file, with that line's
    /// code; elsewhere, from the dependency's directory on
    /// (`tokio-1.54.1/src/fs/mod.rs:136`).
    fn row_at(&self, kind: RowKind, location: &std::panic::Location<'_>) -> Row {
        let mut row = Row::new(kind);
        let (file, line) = (Path::new(location.file()), location.line());
        if Path::new(self.shared.path).ends_with(file) {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            row.spawned_at = Some(format!("{name}:{line}"));
            let code = (line as usize)
                .checked_sub(1)
                .and_then(|i| self.shared.source.lines().nth(i));
            row.code = code.unwrap_or_default().trim().to_owned();
        } else {
            let parts: Vec<_> = file.iter().map(|part| part.to_string_lossy()).collect();
            let short = match parts.iter().rposition(|part| part == "src") {
                Some(src) if src > 0 => parts[src - 1..].join("/"),
                _ => location.file().to_owned(),
            };
            row.spawned_at = Some(format!("{short}:{line}"));
        }
        row
    }
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

/// The rows in an order that does not depend on threads: main, then by
/// the time each row starts. Tasks keep their spawn order; a blocking row,
/// recorded when its thread finished, goes after the tasks of its instant,
/// with those of other blocking calls of that instant in source order.
fn in_order(rows: &[Row]) -> Vec<Row> {
    let (order, renumbered) = numbering(rows);
    let ordered = order.iter().map(|&old| {
        let mut row = rows[old].clone();
        row.parent = row.parent.map(|parent| renumbered[parent]);
        row
    });
    ordered.collect()
}

/// The order of [`in_order`], and for each recorded row its number there.
fn numbering(rows: &[Row]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (1..rows.len()).collect();
    order.sort_by_key(|&index| {
        let row = &rows[index];
        match row.kind {
            RowKind::Blocking => (
                row.ended.map(|ended| ended.at),
                true,
                (row.spawned_at.clone(), row.code.clone(), 0),
            ),
            _ => (row.spawned, false, (None, String::new(), index)),
        }
    });
    order.insert(0, 0);
    let mut renumbered = vec![0; rows.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old] = new;
    }
    (order, renumbered)
}
