//! The tracker: a `tracing` layer that records what Tokio's own
//! instrumentation reports as the program runs, so that a dump can say who
//! holds a lock from the run rather than from reading code.
//!
//! A task's poll takes no lock the whole process shares: what a poll
//! changes (when it began, how many there were) sits in atomics of the
//! task's own, reached through its span. Only what a dump reads across
//! tasks (locks, their holders and waits, spawns and ends) goes through
//! one mutex.

use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Wake, Waker};
use std::time::Duration;

use tokio::time::Instant;
use tracing::field::{Field, Visit};
use tracing::span::{self, Attributes};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter, Layer, SubscriberExt as _};
use tracing_subscriber::registry::{LookupSpan, Registry, SpanRef};

/// A `tracing` layer that records what Tokio reports under `--cfg
/// tokio_unstable` with its `tracing` feature: each task's span (where it was
/// spawned, by whom), and each resource (`Mutex`, `RwLock`, `Semaphore`,
/// `Barrier`, `oneshot`, `sleep`) with the changes of its state and the
/// waits on it ("async ops"), each in the task that polled it. It keeps only
/// what is alive. Add [`Tracker::layer`] to the program's `Registry`, beside
/// its other layers (logs, OpenTelemetry), or set [`Tracker::subscriber`].
#[derive(Clone)]
pub struct Tracker {
    records: Arc<Mutex<Records>>,
    /// The records' own, reached without their lock.
    live: Arc<Live>,
}

impl Default for Tracker {
    fn default() -> Self {
        let records = Records::default();
        let live = Arc::clone(&records.live);
        Tracker {
            records: Arc::new(Mutex::new(records)),
            live,
        }
    }
}

/// The filter of [`Tracker::layer`]: the spans and events the tracker
/// reads, decided once for each place that makes them.
struct Reads;

impl<S> Filter<S> for Reads {
    fn enabled(&self, metadata: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        Tracker::reads(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Tracker::reads(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
}

/// Who did something: the task being polled, `main` (the future
/// [`Tracker::main`] wraps), or a thread outside both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Actor {
    Main,
    /// A task, by its Tokio id.
    Task(u64),
    Elsewhere,
}

thread_local! {
    /// Whether this thread polls a traced `main`.
    static POLLS_MAIN: Cell<bool> = const { Cell::new(false) };
    /// The spans of the tracker entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(u64, Spanned)>> = const { RefCell::new(Vec::new()) };
    /// The tasks being polled on this thread, innermost last, by their
    /// spans: a poll's end reaches its counters without a lookup.
    static POLLING: RefCell<Vec<(u64, Arc<Polls>)>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread is polling `main`.
    static IN_MAIN: Cell<bool> = const { Cell::new(false) };
    /// Whether what this thread spawns and makes now is the caller's own:
    /// [`Tracker::ignoring`].
    static IGNORING: Cell<bool> = const { Cell::new(false) };
    /// The last wait on a resource that ended on this thread: which resource,
    /// and by which call (a lock's guard is taken right after).
    static LAST_READY: Cell<Option<(u64, Guard)>> = const { Cell::new(None) };
}

/// Whether this thread is in a dump's poll of a task or of `main`, in
/// Tokio's tracing mode: it reports polls, but changes nothing. Tokio tells
/// through `Handle::is_tracing`, public for its own tests and hidden from
/// its docs: nothing else names the worker that traces, on the multi-thread
/// runtime any of them.
fn tracing() -> bool {
    #[cfg(taskdump)]
    {
        tokio::runtime::Handle::is_tracing()
    }
    #[cfg(not(taskdump))]
    false
}

fn actor() -> Actor {
    if let Some(task) = tokio::task::try_id().and_then(crate::task_number) {
        return Actor::Task(task);
    }
    if IN_MAIN.get() {
        Actor::Main
    } else {
        Actor::Elsewhere
    }
}

#[derive(Clone, Default)]
pub(crate) struct Records {
    /// What polls change, which they change without the records' lock.
    live: Arc<Live>,
    /// In a snapshot, the last step counted (see [`Live::step`]).
    pub(crate) step: u64,
    /// The last step that changed who holds or waits for what, or which
    /// tasks there are: a stall has none between two dumps.
    pub(crate) changed: u64,
    pub(crate) tasks: HashMap<u64, TaskRecord>,
    pub(crate) resources: HashMap<u64, Resource>,
    pub(crate) ops: HashMap<u64, Op>,
    /// How many resources and ops were made: each one's [`Resource::made_as`].
    made: u64,
    /// How many resources each place has made.
    pub(crate) made_at: HashMap<String, usize>,
    /// The stack the first lock made at each place was made on.
    made_on: HashMap<String, MadeOn>,
    /// In a snapshot, the step at which `main`'s latest poll began.
    pub(crate) main_polled: u64,
    /// The step at which `main` was last woken between two dumps.
    pub(crate) main_woken: u64,
    /// The tasks of the caller's own ([`Tracker::ignoring`]), such as a
    /// dump's, by their Tokio ids: what they make is not the program's.
    own_tasks: HashSet<u64>,
    /// Whether Tokio reported anything at all.
    pub(crate) heard: bool,
}

/// What the polls of `main` and of the tasks change.
#[derive(Default)]
struct Live {
    /// Counts what was recorded, to order it.
    step: AtomicU64,
    /// The step at which `main`'s latest poll began.
    main_polled: AtomicU64,
    /// Time zero of every time a dump shows.
    origin: OnceLock<Instant>,
    /// How many times a thread outside the runtime woke `main` (Tokio counts
    /// such wakes of a task, not of the future `block_on` polls).
    main_woken_outside: AtomicU64,
}

/// `main`'s waker, which counts the wakes that come from a thread other
/// than the one that polls `main`: on the current-thread runtime that is
/// the runtime's, so the others are outside it (a `std::thread`, one that
/// `Handle::block_on`s or `enter`s, a blocking job's), as Tokio counts
/// them for a task. Not on the multi-thread runtime, whose workers wake
/// `main` from threads of their own.
struct OutsideWakes {
    live: Arc<Live>,
    waker: Waker,
    counts: bool,
}

impl Wake for OutsideWakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.counts && !POLLS_MAIN.get() {
            self.live.main_woken_outside.fetch_add(1, Ordering::SeqCst);
        }
        self.waker.wake_by_ref();
    }
}

/// Whether this thread's runtime is a current-thread one.
fn on_a_current_thread_runtime() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
}

/// A task's polls, counted in its span.
#[derive(Debug, Default)]
pub(crate) struct Polls {
    /// The step at which its latest poll began.
    polled: AtomicU64,
    /// How many times it was polled, but by a dump.
    count: AtomicU64,
    /// Whether a poll of it has begun and not yet returned.
    running: AtomicBool,
}

/// What the tracker keeps in the extensions of a span it reads.
struct Tracked {
    what: Spanned,
    /// A task's polls; none for other spans.
    polls: Option<Arc<Polls>>,
    /// An op's span, or its poll's: whether the op waits on a sleep, whose
    /// poll begins with Tokio's budget check. No other poll of an op needs
    /// the records' lock as it begins.
    on_sleep: bool,
}

#[derive(Clone, Copy)]
enum Spanned {
    /// A task's span, by the task's id.
    Task(u64),
    Resource,
    Op,
    /// The span each poll of an op enters, by the op's span.
    OpPoll(u64),
    /// A task of the caller's own, by its id: [`Tracker::ignoring`].
    Own(u64),
    /// A span the tracker does not follow.
    Other,
}

/// What Tokio spawned, by its span's `kind`: it reports all three alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spawn {
    /// A task of the program's (`tokio::spawn`, `spawn_local`).
    Task,
    /// A `spawn_blocking` job.
    Blocking,
    /// The future `block_on` drives, or a kind this tracker does not know.
    Other,
}

impl Spawn {
    fn of(kind: &str) -> Self {
        match kind {
            "task" | "local" => Spawn::Task,
            "blocking" => Spawn::Blocking,
            _ => Spawn::Other,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TaskRecord {
    pub(crate) spawned_at: Option<String>,
    pub(crate) kind: Spawn,
    pub(crate) parent: Actor,
    /// The step it was spawned at, to list tasks in spawn order.
    pub(crate) spawned: u64,
    /// In a snapshot, the step at which its latest poll began.
    pub(crate) polled: u64,
    /// In a snapshot, how many times it was polled, but by a dump.
    pub(crate) polls: u64,
    /// In a snapshot, whether it was in a poll (on the multi-thread
    /// runtime, on a worker, while the dump ran on `main`'s thread).
    pub(crate) running: bool,
    live: Arc<Polls>,
}

#[derive(Clone, Debug)]
pub(crate) struct Resource {
    pub(crate) kind: Kind,
    /// `deadlock.rs:155`, or `None` where Tokio gives no place.
    pub(crate) place: Option<String>,
    /// 1 for the first resource its place made.
    pub(crate) ordinal: usize,
    /// Its rank among the resources and ops made (span ids are reused, and
    /// say no order).
    pub(crate) made_as: u64,
    pub(crate) made: Duration,
    /// For Tokio's own semaphore under a `Mutex`, `RwLock` or `Semaphore`,
    /// that primitive.
    pub(crate) within: Option<u64>,
    /// For a `Mutex` or `RwLock`, the stack it was made on.
    pub(crate) made_on: Option<MadeOn>,
    pub(crate) state: State,
}

/// The stack a lock was made on, read only if a dump or an `RwLock`'s
/// released reader needs it: the only `static` lock the tracker sees was
/// made in a lazy initializer (`Mutex::new` is no `const fn`, and a lock
/// made by `const_new` is not instrumented), so its borrowed guards are
/// `'static` and can move to another task. Taken for the first lock each
/// place makes, which speaks for the others: a capture costs tens of
/// microseconds and kilobytes, a lock a few bytes, and reading one (the
/// first in a process loads the program's debug info) took 80 ms. So a
/// place that made a `static`'s lock first makes the others' look like a
/// `static`'s too: their guards may have moved, and a cycle through them
/// is "can't tell", never a deadlock the run did not see.
#[derive(Clone, Debug)]
pub(crate) struct MadeOn(Arc<(Backtrace, OnceLock<bool>)>);

impl MadeOn {
    fn capture() -> Self {
        MadeOn(Arc::new((Backtrace::force_capture(), OnceLock::new())))
    }

    /// Whether `other` is this very capture.
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &MadeOn) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Whether it was read.
    #[cfg(test)]
    pub(crate) fn read(&self) -> bool {
        self.0.1.get().is_some()
    }

    /// Whether a lazy initializer (`LazyLock`, `OnceLock`, `once_cell`,
    /// `lazy_static`, `Once`) made the lock.
    pub(crate) fn lazily(&self) -> bool {
        let (stack, lazily) = &*self.0;
        *lazily.get_or_init(|| {
            let frames = format!("{stack:?}");
            LAZY_INITIALIZERS.iter().any(|name| frames.contains(name))
        })
    }
}

/// Names on the stack of a lazy initializer, in std, once_cell, lazy_static
/// and Tokio.
const LAZY_INITIALIZERS: [&str; 6] = [
    "LazyLock",
    "OnceLock",
    "OnceCell",
    "once_cell::",
    "lazy_static",
    "std::sync::once::Once",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Mutex,
    RwLock,
    Semaphore,
    Barrier,
    Oneshot,
    Sleep,
    /// Tokio's own semaphore under a `Mutex`, `RwLock` or `Semaphore`.
    Inner,
    Other,
}

impl Kind {
    /// The kind Tokio's `concrete_type` names.
    fn of(concrete_type: &str) -> Self {
        match concrete_type {
            "Mutex" => Kind::Mutex,
            "RwLock" => Kind::RwLock,
            "Semaphore" => Kind::Semaphore,
            "Barrier" => Kind::Barrier,
            "Sender|Receiver" => Kind::Oneshot,
            "Sleep" => Kind::Sleep,
            _ => Kind::Other,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Mutex => "Mutex",
            Kind::RwLock => "RwLock",
            Kind::Semaphore => "Semaphore",
            Kind::Barrier => "Barrier",
            Kind::Oneshot => "oneshot channel",
            Kind::Sleep => "sleep",
            Kind::Inner | Kind::Other => "resource",
        }
    }

    pub(crate) fn is_lock(self) -> bool {
        matches!(self, Kind::Mutex | Kind::RwLock)
    }
}

/// What a resource's state changes have said so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    /// A `Mutex`'s guard, or an `RwLock`'s write guard.
    pub(crate) writer: Option<Holding>,
    pub(crate) readers: Vec<Holding>,
    pub(crate) sender_dropped: bool,
    /// A sleep's end, once it is registered with the timer.
    pub(crate) due: Option<Duration>,
    pub(crate) elapsed: bool,
    pub(crate) barrier_size: Option<u64>,
    pub(crate) arrived: u64,
}

/// Who took a guard, when, and with which call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Holding {
    pub(crate) by: Actor,
    pub(crate) since: Duration,
    /// The step it was taken at, to tell the tasks its taker spawned since.
    pub(crate) taken: u64,
    pub(crate) guard: Guard,
}

/// What kind of guard a call hands out: one that borrows its lock stays in
/// the task that took it (unless the lock is a `static`); an owned one can
/// be handed to another task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guard {
    Borrowed,
    Owned,
    /// Taken without a wait (`try_lock`), so either.
    Either,
    /// One of several read guards one of which was released where the run
    /// can't say which: who holds it now, the run can't tell.
    Lost,
    /// A borrowed guard of a lock that a lazy initializer made, as one in a
    /// `static` is: `'static`, so it can be handed on. (The report's word:
    /// the tracker records it as borrowed.)
    OfStatic,
    /// A borrowed guard whose taker has since spawned this task or
    /// blocking job, which does not wait for the lock: the future that took
    /// the guard may be the one spawned (polled through `&mut` in a
    /// `select!`, then handed to `spawn`, or to a job that runs it with
    /// `block_on`). (The report's word, as `OfStatic`.)
    BeforeSpawning(Actor),
}

impl Guard {
    fn of(source: &str) -> Self {
        if source.ends_with("_owned") {
            Guard::Owned
        } else {
            Guard::Borrowed
        }
    }
}

/// A wait on a resource: one `lock().await`, `acquire().await`, a sleep.
#[derive(Clone, Debug)]
pub(crate) struct Op {
    /// Its rank among the resources and ops made, as [`Resource::made_as`].
    pub(crate) made_as: u64,
    /// The resource it waits on, as Tokio names it (an inner one for the
    /// semaphore under a `Mutex`).
    pub(crate) resource: u64,
    /// `Mutex::lock`, `Semaphore::acquire_owned`, `Acquire::new`.
    pub(crate) source: String,
    /// For a wait on an inner semaphore, the outer wait that polls it.
    pub(crate) outer: Option<u64>,
    pub(crate) owner: Option<Actor>,
    /// The step of its latest poll.
    pub(crate) polled: u64,
    pub(crate) ready: bool,
    pub(crate) requested: u64,
    pub(crate) obtained: u64,
    /// When its permits were all handed to it while it was not being
    /// polled: the lock is its future's, whether or not anyone polls it.
    pub(crate) handed: Option<(u64, Duration)>,
    /// A sleep's poll reports Tokio's budget check first (`is_ready=true`
    /// whenever the task has budget), then the timer's answer: set while
    /// the first is to come.
    budget_check: bool,
}

impl Tracker {
    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many tasks of the program's were spawned and never polled yet.
    #[cfg(taskdump)]
    pub(crate) fn tasks_never_polled(&self) -> usize {
        let records = self.records();
        let tasks = records.tasks.values();
        tasks
            .filter(|task| task.kind == Spawn::Task && task.live.count.load(Ordering::SeqCst) == 0)
            .count()
    }

    /// The records as they are now, with what the polls changed.
    pub(crate) fn snapshot(&self) -> Records {
        let mut records = self.records().clone();
        let live = Arc::clone(&records.live);
        records.step = live.step.load(Ordering::SeqCst);
        records.main_polled = live.main_polled.load(Ordering::SeqCst);
        for task in records.tasks.values_mut() {
            task.polled = task.live.polled.load(Ordering::SeqCst);
            task.polls = task.live.count.load(Ordering::SeqCst);
            task.running = task.live.running.load(Ordering::SeqCst);
        }
        records
    }

    /// The tracker as a layer of the program's `Registry`, beside its
    /// other layers. Its filter is its own: it turns on no span or event
    /// for the others, nor off.
    pub fn layer<S>(&self) -> impl Layer<S> + Send + Sync + use<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.clone().with_filter(Reads)
    }

    /// A subscriber of the tracker alone, for a program with none of its own.
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync + use<> {
        Registry::default().with(self.layer())
    }

    /// `main` (your `main`'s body, or the runner's `run()`), whose polls the
    /// tracker tells apart from a task's: it is no task of Tokio's.
    pub fn main<F: Future>(&self, main: F) -> impl Future<Output = F::Output> + use<F> {
        let live = Arc::clone(&self.live);
        async move {
            let mut main = pin!(main);
            // The caller's waker, and the one `main` is polled with, which
            // counts wakes from outside: made anew only when the caller's
            // changes.
            let mut counting: Option<(Waker, Waker)> = None;
            std::future::poll_fn(move |cx| {
                live.origin.get_or_init(Instant::now);
                if !tracing() {
                    let step = live.step.fetch_add(1, Ordering::SeqCst) + 1;
                    live.main_polled.store(step, Ordering::SeqCst);
                }
                POLLS_MAIN.set(true);
                let known = counting
                    .as_ref()
                    .is_some_and(|(caller, _)| caller.will_wake(cx.waker()));
                if !known {
                    let ours = Waker::from(Arc::new(OutsideWakes {
                        live: Arc::clone(&live),
                        waker: cx.waker().clone(),
                        counts: on_a_current_thread_runtime(),
                    }));
                    counting = Some((cx.waker().clone(), ours));
                }
                let (_, ours) = counting.as_ref().expect("set above");
                let outer = IN_MAIN.replace(true);
                let polled = main
                    .as_mut()
                    .poll(&mut std::task::Context::from_waker(ours));
                IN_MAIN.set(outer);
                polled
            })
            .await
        }
    }

    /// How many times a thread outside the runtime woke `main`
    /// ([`OutsideWakes`]).
    pub(crate) fn main_woken_outside(&self) -> u64 {
        self.live.main_woken_outside.load(Ordering::SeqCst)
    }

    /// `make()`, whose resources (a sleep, say) and tasks (a dump's) are the
    /// caller's own, which the tracker does not follow: they are not the
    /// program's, nor is what those tasks make. Only what `make` itself does,
    /// on this thread: on the multi-thread runtime, another worker's spawns
    /// meanwhile are the program's.
    pub fn ignoring<T>(&self, make: impl FnOnce() -> T) -> T {
        // Restored on drop, so a `make` that panics (and is caught) leaves
        // the thread's spawns the program's again.
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                IGNORING.set(self.0);
            }
        }
        let _restore = Restore(IGNORING.replace(true));
        make()
    }

    /// Whether this thread is inside [`Tracker::ignoring`]: what it spawns
    /// now is the caller's own.
    pub fn is_ignoring() -> bool {
        IGNORING.get()
    }

    /// The task whose span `span` is, by its Tokio id, if the tracker's
    /// layer is in `span`'s registry.
    pub fn task_of<S>(span: &SpanRef<'_, S>) -> Option<u64>
    where
        S: for<'a> LookupSpan<'a>,
    {
        match span.extensions().get::<Tracked>()?.what {
            Spanned::Task(task) => Some(task),
            _ => None,
        }
    }

    /// Which of Tokio's spans and events the tracker reads.
    pub fn reads(metadata: &Metadata<'_>) -> bool {
        match metadata.name() {
            "runtime.spawn"
            | "runtime.resource"
            | "runtime.resource.async_op"
            | "runtime.resource.async_op.poll" => true,
            _ => metadata.target().starts_with("runtime::resource::"),
        }
    }

    pub(crate) fn now(records: &Records) -> Duration {
        match records.live.origin.get() {
            Some(origin) => Instant::now().saturating_duration_since(*origin),
            None => Duration::ZERO,
        }
    }
}

impl<S> Layer<S> for Tracker
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, span: &Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if !Tracker::reads(span.metadata()) {
            return;
        }
        let mut fields = Fields::default();
        span.record(&mut fields);
        let id_number = id.into_u64();
        let explicit = span.parent().map(span::Id::into_u64);
        let current = ENTERED.with_borrow(|entered| entered.last().map(|&(id, _)| id));
        let name = span.metadata().name();
        if name == "runtime.resource.async_op.poll" {
            // A poll of an op: its op's span says all it needs, without the
            // records' lock.
            let op = explicit.or(current);
            let of_op = op.and_then(|op| {
                let span = ctx.span(&span::Id::from_u64(op))?;
                let extensions = span.extensions();
                let tracked = extensions.get::<Tracked>()?;
                matches!(tracked.what, Spanned::Op).then_some((op, tracked.on_sleep))
            });
            let (what, on_sleep) = match of_op {
                Some((op, on_sleep)) => (Spanned::OpPoll(op), on_sleep),
                None => (Spanned::Other, false),
            };
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(Tracked {
                    what,
                    polls: None,
                    on_sleep,
                });
            }
            return;
        }
        let mut records = self.records();
        let what = match name {
            // The task that takes a dump is no task of the program's, nor
            // is what it makes.
            "runtime.spawn" if IGNORING.get() => {
                records.own_tasks.insert(fields.task);
                Spanned::Own(fields.task)
            }
            "runtime.spawn" => records.spawned(fields),
            "runtime.resource" if IGNORING.get() || records.in_own_task() => Spanned::Other,
            "runtime.resource" => records.made(id_number, fields, current),
            "runtime.resource.async_op" => records.op_made(id_number, fields, explicit.or(current)),
            _ => Spanned::Other,
        };
        let polls = match what {
            Spanned::Task(task) => records.tasks.get(&task).map(|task| Arc::clone(&task.live)),
            _ => None,
        };
        let on_sleep = matches!(what, Spanned::Op) && records.op_on_sleep(id_number);
        drop(records);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Tracked {
                what,
                polls,
                on_sleep,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let target = event.metadata().target();
        // A dump polls every task in its tracing mode, which reports polls
        // but changes nothing; what else is reported meanwhile (another
        // worker's task, on the multi-thread runtime) is the program's.
        if target == "runtime::resource::poll_op" && tracing() {
            return;
        }
        let mut fields = Fields {
            reported_in: event.metadata().file(),
            ..Fields::default()
        };
        event.record(&mut fields);
        ENTERED.with_borrow(|entered| {
            let mut records = self.records();
            records.next_step();
            match target {
                "runtime::resource::poll_op" => records.op_polled(entered, &fields),
                "runtime::resource::state_update" => records.state_changed(entered, &fields),
                "runtime::resource::async_op::state_update" => {
                    records.op_changed(entered, &fields);
                }
                _ => {}
            }
        });
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let extensions = span.extensions();
        let Some(tracked) = extensions.get::<Tracked>() else {
            return;
        };
        ENTERED.with_borrow_mut(|entered| entered.push((id.into_u64(), tracked.what)));
        match (tracked.what, &tracked.polls) {
            // A poll of a task: its own atomics, no lock.
            (Spanned::Task(_), Some(polls)) if !tracing() => {
                let step = self.live.step.fetch_add(1, Ordering::SeqCst) + 1;
                polls.polled.store(step, Ordering::SeqCst);
                polls.count.fetch_add(1, Ordering::SeqCst);
                polls.running.store(true, Ordering::Release);
                POLLING.with_borrow_mut(|polling| polling.push((id.into_u64(), Arc::clone(polls))));
            }
            (Spanned::OpPoll(op), _) if tracked.on_sleep => self.records().sleep_poll_began(op),
            _ => {}
        }
    }

    fn on_exit(&self, id: &span::Id, _: Context<'_, S>) {
        let id = id.into_u64();
        let exited = ENTERED.with_borrow_mut(|entered| {
            let at = entered.iter().rposition(|&(entered, _)| entered == id)?;
            Some(entered.remove(at).1)
        });
        // A task's poll returned: its own atomic, no lock.
        if let Some(Spanned::Task(_)) = exited {
            POLLING.with_borrow_mut(|polling| {
                if let Some(at) = polling.iter().rposition(|(polled, _)| *polled == id) {
                    let (_, polls) = polling.remove(at);
                    polls.running.store(false, Ordering::Release);
                }
            });
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(what) = span
            .extensions()
            .get::<Tracked>()
            .map(|tracked| tracked.what)
        else {
            return;
        };
        // An op's poll and a span not followed leave nothing to drop.
        if !matches!(what, Spanned::OpPoll(_) | Spanned::Other) {
            self.records().dropped(id.into_u64(), what);
        }
    }
}

impl Records {
    /// Counts one more step, and says which.
    fn next_step(&self) -> u64 {
        self.live.step.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The last step counted.
    fn step(&self) -> u64 {
        self.live.step.load(Ordering::SeqCst)
    }

    /// A sleep's poll begins with Tokio's budget check.
    fn sleep_poll_began(&mut self, id: u64) {
        if let Some(op) = self.ops.get_mut(&id) {
            op.budget_check = true;
        }
    }

    /// Whether op `id` waits on a sleep.
    fn op_on_sleep(&self, id: u64) -> bool {
        let op = self.ops.get(&id);
        let resource = op.and_then(|op| self.resources.get(&op.resource));
        resource.is_some_and(|resource| resource.kind == Kind::Sleep)
    }

    /// Whether the task being polled on this thread is one of the caller's own.
    fn in_own_task(&self) -> bool {
        match actor() {
            Actor::Task(task) => self.own_tasks.contains(&task),
            Actor::Main | Actor::Elsewhere => false,
        }
    }

    /// `main` was woken: it moves.
    pub(crate) fn main_woken(&mut self) {
        self.main_woken = self.next_step();
    }

    fn change(&mut self) {
        self.changed = self.step();
        self.heard = true;
    }

    fn spawned(&mut self, fields: Fields) -> Spanned {
        let spawned = self.next_step();
        self.change();
        let spawned_at = fields.place();
        let task = TaskRecord {
            spawned_at,
            kind: Spawn::of(&fields.kind),
            parent: actor(),
            spawned,
            polled: 0,
            polls: 0,
            running: false,
            live: Arc::default(),
        };
        self.tasks.insert(fields.task, task);
        Spanned::Task(fields.task)
    }

    /// The stack of the lock made now at `place`: the first one's there
    /// (see [`MadeOn`]), not read now.
    fn made_on(&mut self, place: &str) -> MadeOn {
        if let Some(first) = self.made_on.get(place) {
            return first.clone();
        }
        let first = MadeOn::capture();
        self.made_on.insert(place.to_owned(), first.clone());
        first
    }

    fn made(&mut self, id: u64, fields: Fields, current: Option<u64>) -> Spanned {
        let kind = if fields.is_internal {
            Kind::Inner
        } else {
            Kind::of(&fields.concrete_type)
        };
        let place = fields.place();
        let ordinal = match &place {
            Some(place) => {
                let count = self.made_at.entry(format!("{}@{place}", kind.name()));
                *count.and_modify(|made| *made += 1).or_insert(1)
            }
            None => 1,
        };
        let within = match kind {
            Kind::Inner => current,
            _ => None,
        };
        let made = Tracker::now(self);
        let made_on = match &place {
            Some(place) if kind.is_lock() => Some(self.made_on(place)),
            _ => None,
        };
        let state = State::default();
        self.made += 1;
        let resource = Resource {
            kind,
            place,
            ordinal,
            made_as: self.made,
            made,
            within,
            made_on,
            state,
        };
        self.resources.insert(id, resource);
        self.heard = true;
        Spanned::Resource
    }

    fn op_made(&mut self, id: u64, fields: Fields, parent: Option<u64>) -> Spanned {
        let resource = parent.unwrap_or_default();
        if !self.resources.contains_key(&resource) {
            return Spanned::Other;
        }
        // A wait on the semaphore under a lock is polled by the wait on the lock.
        let inner = self.resources.get(&resource).map(|r| r.kind) == Some(Kind::Inner);
        let outer = if inner {
            ENTERED.with_borrow(|entered| self.op_in(entered))
        } else {
            None
        };
        self.made += 1;
        let op = Op {
            made_as: self.made,
            resource,
            source: fields.source,
            outer,
            owner: None,
            polled: 0,
            ready: false,
            requested: 0,
            obtained: 0,
            handed: None,
            budget_check: false,
        };
        self.ops.insert(id, op);
        Spanned::Op
    }

    /// The op the innermost op's span of `entered` belongs to; none if a
    /// span the tracker does not follow is inside it.
    fn op_in(&self, entered: &[(u64, Spanned)]) -> Option<u64> {
        for &(span, what) in entered.iter().rev() {
            match what {
                Spanned::Op => return Some(span),
                Spanned::OpPoll(op) => return Some(op),
                Spanned::Own(_) | Spanned::Other => return None,
                Spanned::Task(_) | Spanned::Resource => {}
            }
        }
        None
    }

    /// The resource the innermost resource's or op's span of `entered`
    /// belongs to; none if a span the tracker does not follow is inside it.
    fn resource_in(&self, entered: &[(u64, Spanned)]) -> Option<u64> {
        for &(span, what) in entered.iter().rev() {
            match what {
                Spanned::Resource => return Some(span),
                Spanned::Op => return Some(self.ops.get(&span)?.resource),
                Spanned::OpPoll(op) => return Some(self.ops.get(&op)?.resource),
                Spanned::Own(_) | Spanned::Other => return None,
                Spanned::Task(_) => {}
            }
        }
        None
    }

    fn op_polled(&mut self, entered: &[(u64, Spanned)], fields: &Fields) {
        let Some(id) = self.op_in(entered) else {
            return;
        };
        let step = self.step();
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        op.owner = Some(actor());
        op.polled = step;
        // Budget to go on is no end of the sleep; the timer's answer follows.
        if std::mem::take(&mut op.budget_check) && fields.is_ready {
            return;
        }
        op.ready = fields.is_ready;
        if fields.is_ready {
            op.handed = None;
            let resource = op.resource;
            LAST_READY.set(Some((resource, Guard::of(&op.source))));
            if let Some(sleep) = self.resources.get_mut(&resource)
                && sleep.kind == Kind::Sleep
            {
                sleep.state.elapsed = true;
            }
            self.change();
        }
    }

    fn op_changed(&mut self, entered: &[(u64, Spanned)], fields: &Fields) {
        let Some(id) = self.op_in(entered) else {
            return;
        };
        // Handed over by another's release, not taken in its own poll.
        let polling = entered
            .iter()
            .any(|span| matches!(span, (_, Spanned::OpPoll(op)) if *op == id));
        let now = Tracker::now(self);
        let step = self.step();
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        if let Some(requested) = fields.permits_requested {
            op.requested = requested;
        }
        if let Some(obtained) = fields.permits_obtained {
            op.obtained = match fields.op.as_str() {
                "add" => op.obtained + obtained,
                _ => obtained,
            };
        }
        if !polling && op.requested > 0 && op.obtained >= op.requested {
            op.handed = Some((step, now));
            self.change();
        }
    }

    fn state_changed(&mut self, entered: &[(u64, Spanned)], fields: &Fields) {
        let Some(id) = self.resource_in(entered) else {
            return;
        };
        let holding = Holding {
            by: actor(),
            since: Tracker::now(self),
            taken: self.step(),
            guard: self.guard_taken(entered, id),
        };
        let Some(resource) = self.resources.get_mut(&id) else {
            return;
        };
        let made_on = &resource.made_on;
        let state = &mut resource.state;
        match resource.kind {
            Kind::Mutex => {
                if let Some(locked) = fields.locked {
                    state.writer = if locked { Some(holding) } else { None };
                }
            }
            Kind::RwLock => {
                let made_lazily = || made_on.as_ref().is_some_and(MadeOn::lazily);
                state.lock_changed(fields, holding, made_lazily);
            }
            Kind::Oneshot => state.sender_dropped |= fields.tx_dropped,
            Kind::Barrier => state.barrier_changed(fields),
            Kind::Sleep => {
                if let Some(due) = fields.duration {
                    state.due = Some(holding.since + Duration::from_millis(due));
                    state.elapsed = false;
                }
            }
            // A `Semaphore`'s permits are given back by whoever drops one,
            // and handed to a waiter without a word: no holder is told.
            Kind::Semaphore | Kind::Inner | Kind::Other => return,
        }
        self.change();
    }

    /// The kind of guard the wait that just took resource `id` hands out:
    /// the wait's call names it, and a lock's guard is taken right after it.
    fn guard_taken(&self, entered: &[(u64, Spanned)], id: u64) -> Guard {
        for (span, _) in entered.iter().rev() {
            if let Some(op) = self.ops.get(span)
                && op.resource == id
            {
                return Guard::of(&op.source);
            }
        }
        match LAST_READY.take() {
            Some((resource, guard)) if resource == id => guard,
            _ => Guard::Either,
        }
    }

    fn dropped(&mut self, id: u64, what: Spanned) {
        match what {
            Spanned::Task(task) => {
                self.tasks.remove(&task);
                self.change();
            }
            Spanned::Resource => {
                self.resources.remove(&id);
            }
            Spanned::Op => {
                self.ops.remove(&id);
            }
            Spanned::Own(task) => {
                self.own_tasks.remove(&task);
            }
            Spanned::OpPoll(_) | Spanned::Other => {}
        }
    }
}

impl Records {
    /// Sleeps registered with the timer that have not ended: each will
    /// wake the task that polled it.
    pub(crate) fn pending_timers(&self) -> usize {
        let sleeps = self.resources.values().filter(|r| r.kind == Kind::Sleep);
        sleeps
            .filter(|r| r.state.due.is_some() && !r.state.elapsed)
            .count()
    }
}

impl State {
    /// `made_lazily` says whether the lock may be a `static`'s.
    fn lock_changed(
        &mut self,
        fields: &Fields,
        holding: Holding,
        made_lazily: impl FnOnce() -> bool,
    ) {
        if let Some(locked) = fields.write_locked {
            self.writer = if locked { Some(holding) } else { None };
        }
        let Some(readers) = fields.current_readers else {
            return;
        };
        match fields.readers_op.as_str() {
            "add" => self.readers.push(holding),
            "sub" => {
                let released = Released::of(fields.reported_in);
                self.reader_released(released, holding.by, made_lazily);
            }
            _ => self
                .readers
                .truncate(usize::try_from(readers).unwrap_or(usize::MAX)),
        }
    }

    /// One reader is gone: the one `released` and `by` say, if they name
    /// one; else one of those they may be, and the others' holders are no
    /// longer known.
    fn reader_released(
        &mut self,
        released: Released,
        by: Actor,
        made_lazily: impl FnOnce() -> bool,
    ) {
        let candidates = self.released_readers(released, by, made_lazily);
        let Some(&gone) = candidates.first() else {
            return;
        };
        let first = self.readers[gone];
        let alike = candidates.iter().all(|&at| {
            let reader = self.readers[at];
            reader.by == first.by && reader.guard == first.guard
        });
        if !alike {
            for &at in &candidates {
                self.readers[at].guard = Guard::Lost;
            }
        }
        self.readers.remove(gone);
    }

    /// The readers that may be the one `released` by `by`, by index.
    fn released_readers(
        &self,
        released: Released,
        by: Actor,
        made_lazily: impl FnOnce() -> bool,
    ) -> Vec<usize> {
        let mut candidates: Vec<usize> = (0..self.readers.len())
            .filter(|&at| released.may_be(self.readers[at].guard))
            .collect();
        // A borrowed guard stays in the task that took it, unless its lock
        // is a `static`'s.
        let own = |at: &usize| self.readers[*at].by == by && self.readers[*at].guard != Guard::Lost;
        if released == Released::Borrowed
            && candidates.iter().any(own)
            && (candidates.iter().all(own) || !made_lazily())
        {
            candidates.retain(own);
        }
        if candidates.is_empty() {
            return (0..self.readers.len()).collect();
        }
        candidates
    }

    fn barrier_changed(&mut self, fields: &Fields) {
        if let Some(size) = fields.size {
            self.barrier_size = Some(size);
        }
        if let Some(arrived) = fields.arrived {
            self.arrived = match fields.arrived_op.as_str() {
                "add" => self.arrived + arrived,
                _ => arrived,
            };
        }
    }
}

/// Which kind of read guard a reader's release came from, by the file of
/// Tokio's that reported it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Released {
    Borrowed,
    Owned,
    Unknown,
}

impl Released {
    fn of(file: Option<&str>) -> Self {
        let file = Path::new(file.unwrap_or_default());
        if file.ends_with("rwlock/owned_read_guard.rs") {
            Released::Owned
        } else if file.ends_with("rwlock/read_guard.rs") {
            Released::Borrowed
        } else {
            Released::Unknown
        }
    }

    /// Whether a reader holding `guard` may be the one released.
    fn may_be(self, guard: Guard) -> bool {
        !matches!(
            (self, guard),
            (Released::Borrowed, Guard::Owned) | (Released::Owned, Guard::Borrowed)
        )
    }
}

/// The fields of Tokio's spans and events that the tracker reads.
#[derive(Default)]
struct Fields {
    /// The file of Tokio's that reported an event.
    reported_in: Option<&'static str>,
    task: u64,
    /// A task's kind: `task`, `local`, `block_on`, `blocking`.
    kind: String,
    file: Option<String>,
    line: Option<u64>,
    concrete_type: String,
    is_internal: bool,
    source: String,
    is_ready: bool,
    locked: Option<bool>,
    write_locked: Option<bool>,
    current_readers: Option<u64>,
    readers_op: String,
    permits: Option<u64>,
    /// `permits.op`: `add`, `sub` or `override`.
    op: String,
    permits_requested: Option<u64>,
    permits_obtained: Option<u64>,
    duration: Option<u64>,
    tx_dropped: bool,
    size: Option<u64>,
    arrived: Option<u64>,
    arrived_op: String,
}

impl Fields {
    /// `file.rs:12` from `loc.file` and `loc.line`.
    fn place(&self) -> Option<String> {
        Some(format!("{}:{}", self.file.as_ref()?, self.line?))
    }

    fn number(&mut self, field: &Field, value: u64) {
        match field.name() {
            "task.id" => self.task = value,
            "loc.line" => self.line = Some(value),
            "current_readers" => self.current_readers = Some(value),
            "permits" => self.permits = Some(value),
            "permits_requested" => self.permits_requested = Some(value),
            "permits_obtained" => self.permits_obtained = Some(value),
            "duration" => self.duration = Some(value),
            "size" => self.size = Some(value),
            "arrived" => self.arrived = Some(value),
            _ => {}
        }
    }
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, value.max(0).unsigned_abs());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        match field.name() {
            "is_internal" => self.is_internal = value,
            "is_ready" => self.is_ready = value,
            "locked" => self.locked = Some(value),
            "write_locked" => self.write_locked = Some(value),
            "tx_dropped" => self.tx_dropped = value,
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "loc.file" => self.file = Some(value.to_owned()),
            "kind" => self.kind = value.to_owned(),
            "concrete_type" => self.concrete_type = value.to_owned(),
            "source" => self.source = value.to_owned(),
            "permits.op" => self.op = value.to_owned(),
            "current_readers.op" => self.readers_op = value.to_owned(),
            "arrived.op" => self.arrived_op = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}
