//! `--timeline`: records when each task of an example was spawned, polled
//! and ended, through Tokio's task hooks (`--cfg tokio_unstable`). The same
//! records name the tasks left running, the sweep's leftovers and a dump's
//! tasks.
//!
//! The hooks were chosen over wrapping `spawn` (examples call Tokio directly
//! and must stay copyable) and over Tokio's tracing spans (an example that
//! installs its own subscriber would take them away). They run inside the
//! runtime, so `Instant::now()` there reads the paused clock exactly.
//!
//! Where a dump may be taken ([`Recorder::listen`]), the recorder is also
//! a layer of the runtime's `tracing` subscriber, beside the `task-dump`
//! crate's tracker, which follows who holds and waits for each lock from
//! Tokio's reports. Recorded for a reader, a run says more: which task's poll woke
//! which (Tokio's waker events, and a waker of our own around `run()`),
//! which tasks were aborted (their span entered only to drop the future),
//! and on the paused clock, what each task waits in, from a task dump at the
//! end of each instant something happened, when the runtime is about to
//! park and before the clock moves on.
#![cfg_attr(not(tokio_unstable), allow(dead_code, unused_imports))]

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use protocol::Clock;
use protocol::timeline::{self, EndKind, Ended, MAX_ROWS, Micros, Row, RowKind, Timeline};
use task_dump::{Taken, Tracker, task_number};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::Notify;
use tokio::task::Id;
use tokio::time::Instant;
use tracing::span::{self, Attributes};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber, field};
use tracing_subscriber::layer::{Context as LayerContext, Filter, Layer, SubscriberExt as _};
use tracing_subscriber::registry::{LookupSpan, Registry};

use crate::dump::{self, Named, Names, RowLines, Source, SpawnLine, Who};
use crate::line_instants::Stamps;
use crate::own_time::{Reading, Thread};

/// A poll that holds its thread this long, of the thread's own time
/// (`own_time.rs`), holds it up: the runtime's, or a worker of a
/// multi-thread runtime, which every other task and a dump then wait for.
pub(crate) const LONG_POLL: Duration = Duration::from_millis(250);
/// How long the watchdog waits for the records, which a hook holds only for
/// a moment: a thread descheduled while it held them gives them back long
/// before this, however busy the machine (taking them only if free left out
/// a blocked worker when one was, seen beside other tests). A hook blocked
/// with them would hang the watchdog without it.
const RECORDS_PATIENCE: Duration = Duration::from_secs(5);

/// A poll running now.
#[derive(Clone, Copy)]
pub(crate) struct Running {
    pub(crate) row: usize,
    /// When it began, in real time: a poll that blocks its thread says when
    /// the block began, on either clock (the paused one stands still
    /// meanwhile).
    pub(crate) since: std::time::Instant,
    pub(crate) thread: Option<Thread>,
}

/// A task's poll that held its thread long: see [`Recorder::held_workers`].
pub(crate) struct Held {
    /// `#2 line 82: tokio::spawn(...)`.
    pub(crate) task: String,
    pub(crate) since: std::time::Instant,
    pub(crate) ended: Option<std::time::Instant>,
    /// Whether its thread's own time says so, or only real time (where
    /// its own time can't be read).
    pub(crate) sure: bool,
}

/// How long, in real time, the tasks alive after `run()` returned may take
/// to end before they are said to be left running: a hang guard, far
/// longer than the turn a stopped task needs on a busy machine.
const SETTLE_GUARD: Duration = Duration::from_secs(10);

impl Running {
    /// A poll of `row` that begins now, on this thread.
    fn now(row: usize) -> Running {
        Running {
            row,
            since: std::time::Instant::now(),
            thread: Thread::current(),
        }
    }
}

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

/// What the recorder reads of a run besides the task hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reader {
    /// A dump may be taken (`--dump-at`, `--timeout`): the tracker follows
    /// the locks.
    Dumps,
    /// A timeline for a reader: also who woke whom, and which tasks were
    /// aborted.
    Timeline,
    /// On the paused clock, also what each task waits in, from a dump at the
    /// end of each instant.
    TimelineWithWaits,
}

/// Collects what the hooks report; cheap to clone into each hook.
#[derive(Clone)]
pub(crate) struct Recorder {
    shared: Arc<Shared>,
}

struct Shared {
    /// What Tokio's instrumentation says of the example's locks.
    tracker: Tracker,
    /// The example's file, to show the source of the lines that spawn.
    path: &'static str,
    source: &'static str,
    state: Mutex<State>,
    /// Told each time a task of the example's ends.
    ended: Notify,
    /// The thread that polls `run()`, as the kernel knows it, whose clocks
    /// say how long it was held up; read without the records' lock.
    runtime_thread: OnceLock<Thread>,
    /// The subscriber of `block_on`'s thread and of the runtime's, once
    /// [`Recorder::listen`] made it: one registry, whose spans each thread
    /// enters.
    dispatch: OnceLock<Dispatch>,
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
    /// The same, in real time.
    running: HashMap<usize, Running>,
    /// The rows whose poll was running when the watchdog asked for a dump,
    /// and for each that has ended since, when, by its thread's clocks.
    watched: HashMap<usize, Option<Reading>>,
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
    /// See [`Recorder::listen`].
    explain: bool,
    every_instant: bool,
    /// Whether the recorder is the runtime's subscriber.
    listening: bool,
    /// Rows by the number of their task's id, as Tokio's tracing gives it.
    rows_by_number: HashMap<u64, usize>,
    /// How often each row's span was entered in its latest poll.
    entered: HashMap<usize, u32>,
    /// Whether `run()` was woken since its last poll, and its runtime's
    /// waker, to take a dump when something else happened.
    main_woken: bool,
    main_waker: Option<Waker>,
    /// The last instant a poll started at, and the last one a dump followed.
    active: Option<Micros>,
    quieted: Option<Micros>,
    /// The runtime is about to park: every task waits.
    idle: bool,
    /// The last dump at the end of an instant.
    traced: Traced,
    /// A blocking job or a thread the runner does not know acted, at a
    /// moment of real time: on the paused clock, the run's wakes and waits
    /// would differ from run to run, and are left out.
    crowded: bool,
    /// The thread that polls `run()`, and how many the process ran before
    /// the runtime was built (`None` if that can't be read).
    thread: Option<std::thread::ThreadId>,
    threads: Option<usize>,
    /// When the last dump at the end of an instant ended, by the runtime's
    /// thread's clocks: until then the runner kept that thread busy, not the
    /// example.
    quiet_dump_ended: Option<Reading>,
}

/// What the last dump at the end of an instant traced.
#[derive(Default)]
struct Traced {
    at: Micros,
    /// The rows it traced that have not been polled since.
    rows: HashSet<usize>,
}

impl State {
    /// Something happened: on the paused clock, on another thread than
    /// `run()`'s, the run is crowded.
    fn acted(&mut self) {
        let elsewhere = self
            .thread
            .is_some_and(|id| id != std::thread::current().id());
        self.crowded |= self.every_instant && elsewhere;
    }

    fn stop(&mut self, now: Micros) {
        self.stopped = Some(now);
        self.runtime = None;
        self.main_waker = None;
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
            main_woken: true,
            ..State::default()
        };
        Recorder {
            shared: Arc::new(Shared {
                tracker: Tracker::default(),
                path,
                source,
                state: Mutex::new(state),
                ended: Notify::new(),
                runtime_thread: OnceLock::new(),
                dispatch: OnceLock::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        crate::lock(&self.shared.state)
    }

    /// The thread that polls `run()`, which answers the watchdog, once it
    /// has.
    pub(crate) fn runtime_thread(&self) -> Option<Thread> {
        self.shared.runtime_thread.get().copied()
    }

    /// The polls running now; each one's end is read from now on, for
    /// [`Recorder::held_workers`]. None if the records stay locked past
    /// [`RECORDS_PATIENCE`] (the watchdog asks, and must never hang).
    pub(crate) fn asked(&self) -> Vec<Running> {
        let Some(mut state) = crate::lock_within(&self.shared.state, RECORDS_PATIENCE) else {
            return Vec::new();
        };
        let running: Vec<Running> = state.running.values().copied().collect();
        state.watched = running.iter().map(|poll| (poll.row, None)).collect();
        running
    }

    /// Of the tasks' polls that were running when the watchdog asked, each
    /// with its thread's clocks then, those that held their thread
    /// [`LONG_POLL`] or more of its own time from then to their end, or to
    /// now: each by its number and spawn line, with when that poll began
    /// and, if it has, ended. On a multi-thread runtime each held a worker.
    /// None if the records stay locked past
    /// [`RECORDS_PATIENCE`] (the watchdog asks, and must never hang).
    pub(crate) fn held_workers(&self, asked: &[(Running, Reading)]) -> Vec<Held> {
        let Some(state) = crate::lock_within(&self.shared.state, RECORDS_PATIENCE) else {
            return Vec::new();
        };
        let (_, renumbered) = numbering(&state.rows);
        let mut held = Vec::new();
        for (poll, then) in asked {
            if poll.row == 0 {
                continue;
            }
            let (ended, end) = match state.watched.get(&poll.row) {
                Some(Some(end)) => (Some(end.at()), *end),
                _ => (
                    None,
                    poll.thread.map_or_else(Reading::real_time, Thread::read),
                ),
            };
            let sure = match end.own_since(then) {
                Some(own) if own >= LONG_POLL => true,
                Some(_) => continue,
                None if end.at().saturating_duration_since(then.at()) >= LONG_POLL => false,
                None => continue,
            };
            let task = format!("#{} {}", renumbered[poll.row], state.rows[poll.row].place());
            held.push(Held {
                task,
                since: poll.since,
                ended,
                sure,
            });
        }
        held.sort_by_key(|held| held.since);
        held
    }

    /// The example's file.
    pub(crate) fn source_file(&self) -> dump::SourceFile<'static> {
        let name = Path::new(self.shared.path).file_name();
        let name = name
            .and_then(|name| name.to_str())
            .unwrap_or(self.shared.path);
        dump::SourceFile {
            name,
            text: self.shared.source,
        }
    }

    /// Makes the recorder the `tracing` subscriber of this thread
    /// (`block_on`'s) while the guard lives, and of the runtime's threads,
    /// for what `reader` reads. Before the runtime is built.
    pub(crate) fn listen(&self, reader: Reader) -> tracing::dispatcher::DefaultGuard {
        let mut state = self.state();
        (state.listening, state.threads) = (true, crate::threads());
        match reader {
            Reader::Dumps => {}
            Reader::Timeline => state.explain = true,
            Reader::TimelineWithWaits => {
                state.explain = true;
                state.every_instant = dump::AVAILABLE;
            }
        }
        drop(state);
        let dispatch = self.shared.dispatch.get_or_init(|| {
            let registry = Registry::default()
                .with(self.tracker().layer())
                .with(self.clone().with_filter(Reads(self.clone())));
            Dispatch::new(registry)
        });
        tracing::dispatcher::set_default(dispatch)
    }

    /// The tracker of the example's locks, for its dumps.
    pub(crate) fn tracker(&self) -> &Tracker {
        &self.shared.tracker
    }

    fn close_poll(&self, state: &mut State, index: usize) {
        let now = state.now();
        // Each task a dump traced is woken, and polled once more, then.
        let traced = state.traced.at == now && state.traced.rows.remove(&index);
        state.running.remove(&index);
        if let Some(end) = state.watched.get_mut(&index) {
            end.get_or_insert_with(Reading::now);
        }
        if let Some(start) = state.polling_since.remove(&index)
            && !state.dumping
            && !traced
            && !state.dumped_at.contains(&start)
        {
            state.rows[index].push_poll(timeline::Poll { start, end: now });
            state.active = state.active.max(Some(start));
        }
    }

    /// A poll of the current row woke row `to`.
    fn woke(&self, to: usize) {
        let Some(Polling::Row(from)) = POLLING.get() else {
            return;
        };
        let mut state = self.state();
        if from == to || state.dumping || !state.explain {
            return;
        }
        let at = state.now();
        state.rows[to].woken.push((at, from));
    }

    /// `future`, recorded as the main row: `block_on` polls it, not a task.
    /// Polled through a waker of ours, which says who woke it; on the paused
    /// clock also polled to take a dump at the end of an instant, and then
    /// only polled itself if it was woken.
    pub(crate) fn main<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        let recorder = self.clone();
        let future = self.shared.tracker.main(future);
        async move {
            let mut future = pin!(future);
            let waking = recorder.clone();
            let mut run = std::future::poll_fn(move |cx| {
                let outer = cx.waker().clone();
                let recorder = waking.clone();
                let waker = Waker::from(Arc::new(MainWaker { recorder, outer }));
                future.as_mut().poll(&mut Context::from_waker(&waker))
            });
            loop {
                let next = std::future::poll_fn(|cx| {
                    let mut state = recorder.state();
                    if state.origin.is_none() {
                        state.origin = Some(Instant::now());
                        state.runtime = Some(Handle::current());
                        state.thread = Some(std::thread::current().id());
                        if let Some(thread) = Thread::current() {
                            let _ = recorder.shared.runtime_thread.set(thread);
                        }
                    }
                    let every = state.every_instant;
                    state.main_waker = if every {
                        Some(cx.waker().clone())
                    } else {
                        None
                    };
                    let skip = every && !state.dumping && !std::mem::take(&mut state.main_woken);
                    if std::mem::take(&mut state.idle) && skip {
                        state.quieted = state.active;
                        return Poll::Ready(None);
                    }
                    drop(state);
                    if skip {
                        Poll::Pending
                    } else {
                        recorder.poll_main(Pin::new(&mut run), cx).map(Some)
                    }
                })
                .await;
                let finished = match next {
                    Some(output) => Some(output),
                    None => recorder.dump_quietly(Pin::new(&mut run)).await,
                };
                if let Some(output) = finished {
                    return output;
                }
            }
        }
    }

    /// One poll of `run()`, recorded.
    fn poll_main<T>(
        &self,
        run: Pin<&mut impl Future<Output = T>>,
        cx: &mut Context<'_>,
    ) -> Poll<T> {
        {
            let mut state = self.state();
            let now = state.now();
            state.polling_since.insert(0, now);
            state.running.insert(0, Running::now(0));
        }
        let outer = POLLING.replace(Some(Polling::Row(0)));
        let unwinding = StopOnPanic(self);
        let result = run.poll(cx);
        std::mem::forget(unwinding);
        POLLING.set(outer);
        let mut state = self.state();
        self.close_poll(&mut state, 0);
        if result.is_ready() {
            let now = state.now();
            state.returned = Some(now);
            state.stop(now);
        }
        result
    }

    /// A dump at a quiet moment: what each row waits in, kept if it is the
    /// first of its waiting stretch. `run()`'s output if it finished in the
    /// dump's poll.
    async fn dump_quietly<T>(&self, run: Pin<&mut impl Future<Output = T>>) -> Option<T> {
        self.state().dumping = true;
        let mut dumps = crate::dump::task_dumps(self.tracker().clone(), self.source());
        let taken = dumps.dump(run).await;
        let mut state = self.state();
        state.dumping = false;
        state.quiet_dump_ended = Some(Reading::now());
        let at = state.now();
        let dump = match taken {
            Taken::Dump(dump) => dump,
            Taken::Finished(output) => {
                state.returned = Some(at);
                state.stop(at);
                return Some(output);
            }
        };
        drop(state);
        // What the dump of this instant says of each task, as the dumps of
        // `--dump-at` say it; `select!` polls its branches in a random order.
        let mut report = task_dump::report(&dump, None);
        for entry in &mut report.entries {
            entry.waits.sort_by_cached_key(|wait| format!("{wait:?}"));
        }
        let shown = dump::shown(report, &self.names(), self.source_file());
        let mut state = self.state();
        let (order, _) = numbering(&state.rows);
        let seen = shown.by_row(&order);
        let traced = dump.tasks.iter();
        let traced = traced.filter_map(|(id, _)| state.rows_by_number.get(id).copied());
        let rows = traced.chain([0]).collect();
        state.traced = Traced { at, rows };
        for RowLines { row: index, lines } in seen {
            let what = lines.join("; ");
            let row = &mut state.rows[index];
            let since = row.polls.last().map(|poll| poll.end).or(row.spawned);
            if row.waits.last().is_none_or(|(last, _)| Some(*last) < since) {
                row.waits.push((at, what));
            }
        }
        None
    }

    /// The example's file as a dump reads its frames: its path, and the
    /// module it is, by its name.
    pub(crate) fn source(&self) -> Source<'static> {
        let path = self.shared.path;
        let stem = Path::new(path).file_stem().and_then(|stem| stem.to_str());
        Source {
            path,
            module: stem.unwrap_or(path),
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

    /// Each task of the example's, by its Tokio id, as a dump names it,
    /// and the tasks it leaves out (the local server's, a dump's own).
    pub(crate) fn names(&self) -> Names {
        let state = self.state();
        let (_, renumbered) = numbering(&state.rows);
        let who = |index: usize| match index {
            0 => Who::Main,
            index => Who::Task(index),
        };
        let mut tasks = HashMap::new();
        for (&number, &index) in &state.rows_by_number {
            let row = &state.rows[index];
            let line = match row.spawned_at.as_deref() {
                Some(at) if !row.code.is_empty() => {
                    at.rsplit_once(':').and_then(|(_, l)| l.parse().ok())
                }
                _ => None,
            };
            let named = Named {
                who: who(renumbered[index]),
                place: row.place(),
                parent: row.parent.map(|parent| who(renumbered[parent])),
                spawned_at: line.map(|line| SpawnLine {
                    line,
                    code: row.code.clone(),
                }),
            };
            tasks.insert(number, named);
        }
        let hidden = state
            .hidden
            .iter()
            .copied()
            .filter_map(task_number)
            .collect();
        Names { tasks, hidden }
    }

    /// The example's tasks still alive after `run()` returned, once those
    /// already told to stop (aborted, or in a dropped `JoinSet`) have had
    /// the turns they need to end. The paused clock does not move here. On
    /// the real clock a task may also be waiting for another thread (a
    /// worker of the multi-thread runtime, the blocking pool) or another
    /// process (a server at `--base-url`) to end: the runtime runs until
    /// no more than the `detached` tasks the example declares are alive,
    /// each end counted as its hook reports it, or [`SETTLE_GUARD`] has
    /// passed, which only a task that runs on decides.
    pub(crate) fn settle(&self, runtime: &Runtime, clock: Clock, detached: usize) -> Vec<String> {
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
                if clock == Clock::Virtual {
                    return;
                }
                let guard = tokio::time::Instant::now() + SETTLE_GUARD;
                loop {
                    let ended = self.shared.ended.notified();
                    let mut ended = pin!(ended);
                    // Registered before the count is read: an end between
                    // the two still wakes it.
                    ended.as_mut().enable();
                    if self.live().len() <= detached {
                        return;
                    }
                    if tokio::time::timeout_at(guard, ended).await.is_err() {
                        return;
                    }
                }
            });
        }));
        self.live()
    }

    /// The records, once the runtime has been dropped.
    pub(crate) fn finish(self, example: String, clock: Clock) -> Timeline {
        let state = self.state();
        let mut rows = in_order(&state.rows);
        let mut notes = Vec::new();
        if !state.hidden.is_empty() {
            notes.push("The local HTTP server's tasks are left out; they serve the requests the example makes.".to_owned());
        }
        if state.crowded {
            rows.iter_mut()
                .for_each(|row| (row.woken, row.waits) = Default::default());
            notes.push("A blocking job or another thread acted at a moment of real time: who woke whom and what each task waited in would differ from run to run, and are left out.".to_owned());
        }
        Timeline {
            example,
            clock,
            notes,
            rows,
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

    /// When the runner's own dump at the end of an instant last ended, in
    /// real time.
    pub(crate) fn quiet_dump_ended(&self) -> Option<Reading> {
        self.state().quiet_dump_ended
    }
}

#[cfg(not(tokio_unstable))]
impl Recorder {
    /// Puts the hook that stamps stdout's lines, if any, on a runtime about
    /// to be built: without Tokio's task hooks, the recorder has none.
    pub(crate) fn install(&self, builder: &mut Builder, lines: Option<Stamps>) {
        if let Some(lines) = lines {
            let (woke, stopping) = (lines.clone(), lines.clone());
            builder
                .on_thread_park(move || lines.stamp())
                .on_thread_unpark(move || woke.woke())
                .on_thread_stop(move || stopping.stopping());
        }
    }
}

#[cfg(tokio_unstable)]
impl Recorder {
    /// Puts the hooks on a runtime about to be built, and the one that
    /// stamps stdout's lines, if any (a runtime keeps one park hook).
    pub(crate) fn install(&self, builder: &mut Builder, lines: Option<Stamps>) {
        let (spawn, before, after, end) = (self.clone(), self.clone(), self.clone(), self.clone());
        builder
            .on_task_spawn(move |meta| spawn.spawned(meta.id(), meta.spawned_at()))
            .on_before_task_poll(move |meta| before.poll_started(meta.id()))
            .on_after_task_poll(move |meta| after.poll_ended(meta.id()))
            .on_task_terminate(move |meta| end.terminated(meta.id(), meta.spawned_at()));
        let parking = self.state().every_instant.then(|| self.clone());
        if let Some(lines) = &lines {
            let (woke, stopping) = (lines.clone(), lines.clone());
            builder
                .on_thread_unpark(move || woke.woke())
                .on_thread_stop(move || stopping.stopping());
        }
        if parking.is_some() || lines.is_some() {
            builder.on_thread_park(move || {
                if let Some(recorder) = &parking {
                    recorder.parking();
                }
                if let Some(lines) = &lines {
                    lines.stamp();
                }
            });
        }
        if let Some(dispatch) = self.shared.dispatch.get().cloned() {
            // The runtime's threads end with it, and their default with them.
            builder.on_thread_start(move || {
                std::mem::forget(tracing::dispatcher::set_default(&dispatch));
            });
        }
    }

    /// The runtime is about to park, every task waiting: if something
    /// happened since the last dump, `run()` is woken to take one. The
    /// paused clock does not move on while it is. None is taken past as many
    /// tasks as a chart draws (they would cost more than they tell); while a
    /// socket is open (a traced task can do I/O: Tokio traces `accept` and
    /// the like as ordinary polls); or once the run is crowded.
    fn parking(&self) {
        let metrics = Handle::current().metrics();
        let mut state = self.state();
        // A thread the runtime didn't start can act without a hook seeing
        // it; where the threads can't be counted, one may have.
        let others = match (crate::threads(), state.threads) {
            (Some(now), Some(before)) => now > before + metrics.num_blocking_threads(),
            _ => true,
        };
        state.crowded |= others;
        let alive = state.rows.iter().filter(|row| row.ended.is_none()).count();
        if task_dump::sockets() == Some(0)
            && !state.crowded
            && alive <= MAX_ROWS
            && state.active > state.quieted
            && !state.main_woken
            && !state.dumping
        {
            state.idle = true;
            if let Some(main) = &state.main_waker {
                main.wake_by_ref();
            }
        }
    }

    fn spawned(&self, id: Id, at: &std::panic::Location<'_>) {
        let parent = POLLING.get();
        let mut state = self.state();
        // The local server's tasks, and a dump's own task: spawned on this
        // thread as the dump asks, not whatever another worker spawns
        // meanwhile.
        let scaffolding = state.scaffolding && parent == Some(Polling::Row(0));
        if parent == Some(Polling::Hidden) || scaffolding || Tracker::is_ignoring() {
            state.hidden.insert(id);
            return;
        }
        state.acted();
        let mut row = self.row_at(RowKind::Task, at);
        if let Some(Polling::Row(parent)) = parent {
            row.parent = Some(parent);
        }
        row.spawned = Some(state.now());
        let index = state.rows.len();
        state.rows.push(row);
        state.rows_by_id.insert(id, index);
        if let Some(number) = task_number(id) {
            state.rows_by_number.insert(number, index);
        }
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
                state.running.insert(index, Running::now(index));
                state.entered.insert(index, 0);
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
        let index = state.rows_by_id.get(&id).copied();
        let now = state.now();
        match index {
            Some(index) => {
                let how = ending(&state, index);
                state.rows[index].ended = Some(Ended { at: now, how });
                self.shared.ended.notify_waiters();
            }
            None if state.hidden.contains(&id) => {}
            // A multi-thread runtime's workers run as blocking jobs of its own.
            None if is_tokio_scheduler(at.file()) => {}
            // No spawn was reported: a `spawn_blocking` call, which runs
            // without hooks until it ends, and is never cancelled.
            None => {
                let mut row = self.row_at(RowKind::Blocking, at);
                let how = EndKind::Ended;
                row.ended = Some(Ended { at: now, how });
                state.rows.push(row);
            }
        }
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

/// How the task of row `index` ended, as Tokio's terminate hook reports it:
/// in a poll of its own when its future returned or was aborted (Tokio
/// calls the hook before the poll's end, on whichever worker ran it), and
/// outside any when the runtime dropped it as it shut down.
#[cfg(tokio_unstable)]
fn ending(state: &State, index: usize) -> EndKind {
    if POLLING.get() != Some(Polling::Row(index)) {
        return EndKind::Dropped;
    }
    // A future dropped unfinished: its span was entered only for that.
    let dropped_unfinished = state.entered.get(&index) == Some(&1);
    match (dropped_unfinished, state.stopped) {
        // Its handle or set was dropped as `run()` returned.
        (true, Some(_)) => EndKind::Dropped,
        (true, None) => EndKind::Aborted,
        (false, _) => EndKind::Ended,
    }
}

/// Whether `file` is Tokio's scheduler, whose blocking jobs are a
/// multi-thread runtime's own workers, not `spawn_blocking` calls.
fn is_tokio_scheduler(file: &str) -> bool {
    let parts: Vec<_> = Path::new(file)
        .iter()
        .map(|part| part.to_string_lossy())
        .collect();
    parts.windows(4).any(|window| {
        window[0].starts_with("tokio-") && window[1..] == ["src", "runtime", "scheduler"]
    })
}

/// `run()`'s waker, which says when it was woken and by whose poll.
struct MainWaker {
    recorder: Recorder,
    outer: Waker,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.recorder.state();
        state.main_woken = true;
        state.acted();
        drop(state);
        self.recorder.woke(0);
        self.outer.wake_by_ref();
    }
}

/// The target of Tokio's waker events, which say whose poll woke a task.
const WAKER: &str = "tokio::task::waker";

/// What the recorder's layer reads of Tokio's tracing: what the tracker
/// reads (its task spans among them), and the waker events for a timeline.
struct Reads(Recorder);

impl<S> Filter<S> for Reads {
    fn enabled(&self, metadata: &Metadata<'_>, _: &LayerContext<'_, S>) -> bool {
        Tracker::reads(metadata) || (metadata.target() == WAKER && self.0.state().explain)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Tracker::reads(metadata) {
            Interest::always()
        } else if metadata.target() == WAKER {
            // Read for a timeline only: `enabled` says.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
}

/// Tokio's tracing (its `tracing` feature, under `--cfg tokio_unstable`), as
/// far as the recorder reads it itself, beside the tracker: for a timeline,
/// each task's span, entered to poll the task or to drop it, and its
/// waker's wakes.
impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, span: &Attributes<'_>, _: &span::Id, _: LayerContext<'_, S>) {
        if span.metadata().target() == "tokio::task::blocking" {
            // It ends at a moment of real time.
            let mut state = self.state();
            state.crowded |= state.every_instant;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        if event.metadata().target() != WAKER {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        // A waker event names the task by its span.
        let span = ctx.span(&span::Id::from_u64(fields.span));
        let task = span.and_then(|span| Tracker::task_of(&span));
        let row = task.and_then(|task| self.state().rows_by_number.get(&task).copied());
        if let Some(row) = row
            && fields.wake
        {
            self.woke(row);
        }
    }

    fn on_enter(&self, span: &span::Id, ctx: LayerContext<'_, S>) {
        let Some(task) = ctx.span(span).and_then(|span| Tracker::task_of(&span)) else {
            return;
        };
        let mut state = self.state();
        if let Some(&row) = state.rows_by_number.get(&task)
            && let Some(entered) = state.entered.get_mut(&row)
        {
            *entered += 1;
        }
    }
}

/// The fields of a waker event the recorder reads: the woken task's span,
/// and whether it wakes it.
#[derive(Default)]
struct Fields {
    span: u64,
    wake: bool,
}

impl field::Visit for Fields {
    fn record_u64(&mut self, field: &field::Field, value: u64) {
        if field.name() == "task.id" {
            self.span = value;
        }
    }

    fn record_str(&mut self, field: &field::Field, value: &str) {
        if field.name() == "op" {
            self.wake = value.starts_with("waker.wake");
        }
    }

    fn record_debug(&mut self, _: &field::Field, _: &dyn std::fmt::Debug) {}
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
        // Wakes at one instant may come in any order (a `watch` channel,
        // which `Barrier` uses, wakes its receivers in a random order).
        for (_, by) in &mut row.woken {
            *by = renumbered[*by];
        }
        row.woken.sort_unstable();
        row.woken.dedup();
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

#[cfg(all(test, tokio_unstable))]
mod tests {
    use super::*;

    /// Tokio reports a task's end inside the poll that ended it, after it
    /// woke whoever awaits it: on the multi-thread runtime `run()` may have
    /// returned by then, and the task still returned. Outside any poll of
    /// its own, the runtime dropped it.
    #[test]
    fn a_task_ends_as_its_own_poll_says() {
        let mut state = State {
            rows: vec![Row::new(RowKind::Main), Row::new(RowKind::Task)],
            stopped: Some(1_000_000),
            ..State::default()
        };
        state.entered.insert(1, 2);
        POLLING.set(Some(Polling::Row(1)));
        assert_eq!(ending(&state, 1), EndKind::Ended);
        // Only dropped: its span was entered once, to drop its future.
        state.entered.insert(1, 1);
        assert_eq!(ending(&state, 1), EndKind::Dropped);
        state.stopped = None;
        assert_eq!(ending(&state, 1), EndKind::Aborted);
        POLLING.set(None);
        assert_eq!(ending(&state, 1), EndKind::Dropped);
    }

    /// While a dump is in progress, only the task it spawns itself is left
    /// off the chart: on the multi-thread runtime other workers (here, a
    /// thread outside the runtime) go on spawning the example's.
    #[test]
    fn only_a_dumps_own_task_is_left_off_the_timeline() {
        let recorder = Recorder::new("examples/x.rs", "");
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(1).enable_all();
        recorder.install(&mut builder, None);
        let runtime = builder.build().unwrap();
        recorder.dump_started();
        let _examples = runtime.spawn(std::future::pending::<()>());
        let tracker = recorder.tracker();
        let _dumps = tracker.ignoring(|| runtime.spawn(std::future::pending::<()>()));
        recorder.dump_ended();
        assert_eq!(recorder.live().len(), 1, "{:?}", recorder.live());
    }

    #[test]
    fn tokio_s_own_workers_are_no_blocking_calls_of_the_example() {
        let worker = "/r/tokio-1.54.1/src/runtime/scheduler/multi_thread/worker.rs";
        assert!(is_tokio_scheduler(worker));
        assert!(!is_tokio_scheduler("/r/tokio-1.54.1/src/fs/mod.rs"));
        assert!(!is_tokio_scheduler("/w/crates/runtime/src/scheduler/x.rs"));
    }
}
