//! Taking a dump: where `main` and each task wait, folded to the program's
//! own frames, with what the tracker had recorded until then.

use std::future::Future;
use std::path::Path;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::time::sleep;
#[cfg(taskdump)]
use tokio::time::timeout;

use crate::BEAT;
use crate::fold::{Wait, fold};
use crate::report::{Report, report, report_ended};
use crate::tracker::{Actor, Records, Spawn, Tracker};
#[cfg(taskdump)]
use crate::{seconds, task_number};

/// One frame of a resolved backtrace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The demangled name, as the debug info or the symbol table gives it.
    pub function: Option<String>,
    /// The source file, as the compiler saw it.
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Frame {
    pub fn new(function: &str, file: Option<&str>, line: Option<u32>) -> Self {
        Frame {
            function: Some(function.to_owned()),
            file: file.map(str::to_owned),
            line,
        }
    }
}

/// Which frames are the program's own, and the module their names are
/// shown from (`deadlock::Bank::transfer` shows as `Bank::transfer`).
#[derive(Clone, Copy, Debug)]
pub struct Own<'a> {
    pub files: Files<'a>,
    pub module: &'a str,
}

#[derive(Clone, Copy, Debug)]
pub enum Files<'a> {
    /// One file, by its path as the compiler saw it or a tail of it.
    One(&'a str),
    /// The files of a crate: relative paths, or paths under its directory.
    Under(&'a str),
}

impl Own<'_> {
    pub(crate) fn owns(&self, file: &str) -> bool {
        let theirs = Path::new(file);
        match self.files {
            _ if file.is_empty() => false,
            Files::One(path) => {
                let mine = Path::new(path);
                theirs.ends_with(mine) || mine.ends_with(theirs)
            }
            Files::Under(dir) => theirs.is_relative() || theirs.starts_with(dir),
        }
    }
}

/// What one dump saw: where each task waited, and what the tracker had
/// recorded until then.
#[derive(Clone)]
pub struct Dump {
    /// When, from the start of `main`.
    pub at: Duration,
    pub main: Vec<Wait>,
    /// Each task's waits, by its Tokio id, in spawn order where the tracker
    /// saw the spawns.
    pub tasks: Vec<(u64, Vec<Wait>)>,
    /// Why the dump is short of something, in sentences.
    pub notes: Vec<String>,
    /// The tasks have no frames: they are the tracker's, each with no waits.
    pub(crate) untraced: bool,
    /// Nor has `main`.
    pub(crate) main_untraced: bool,
    pub(crate) records: Records,
    /// What could still wake a task.
    pub(crate) wakers: Wakers,
}

impl Dump {
    /// The waits of `who`, if the dump saw it.
    pub fn waits_of(&self, who: Actor) -> Option<&[Wait]> {
        match who {
            Actor::Main => Some(&self.main),
            Actor::Task(id) => {
                let task = self.tasks.iter().find(|(task, _)| *task == id);
                task.map(|(_, waits)| waits.as_slice())
            }
            Actor::Elsewhere => None,
        }
    }
}

/// What could still wake a task when a dump was taken.
#[derive(Clone, Copy, Default)]
pub(crate) struct Wakers {
    /// Sleeps registered with the timer that have not ended.
    pub(crate) timers: usize,
    /// Sockets, pipes and signals registered with the I/O driver, but the
    /// caller's own (`None` where the runtime doesn't say).
    pub(crate) sockets: Option<u64>,
    /// Blocking threads at work (`None` where the runtime doesn't say).
    pub(crate) blocking: Option<usize>,
    /// How often a thread outside the runtime (a `std::thread`, a blocking
    /// job's) woke one of its tasks since the dumper was made: one that
    /// did may again (`None` where the runtime doesn't say).
    pub(crate) from_outside: Option<u64>,
    /// Threads alive that are neither the runtime's nor the caller's own
    /// (`None` where the runtime or the system doesn't say): one that has
    /// woken no task yet may still.
    pub(crate) threads: Option<usize>,
}

/// What taking a dump gave: `main`'s output if it finished meanwhile (it
/// must not be polled again), or the dump.
pub enum Taken<T, D> {
    Finished(T),
    Dump(D),
}

/// What [`TaskDumps::dump_twice`] gave.
pub enum Twice<T> {
    /// The report of both dumps.
    Both(Report),
    /// `main`'s output: it finished in the first dump's poll.
    Finished(T),
    /// `main` finished between the dumps: the first one's report, and its output.
    FinishedBetween(Report, T),
}

/// Task dumps of the current runtime, one at a time.
pub struct TaskDumps<'a> {
    tracker: Tracker,
    own: Own<'a>,
    notes: Vec<String>,
    /// Sockets and signals of the caller's own, which wake no task of the
    /// program's.
    own_sockets: u64,
    /// Tasks woken from outside the runtime before the dumper was made, and
    /// `main`.
    woken_before: u64,
    main_woken_before: u64,
    /// The names of the caller's threads that wake no task of the
    /// program's, as the system keeps them (see [`TaskDumps::own_threads`]).
    own_threads: Vec<Vec<u8>>,
}

/// The tasks' backtraces, by Tokio id, each outermost frame first.
type Captured = Vec<(u64, Vec<Vec<Frame>>)>;

/// Tokio's task dump as it is: the backtraces of `main` and of each task,
/// each outermost frame first, and why some are missing.
#[derive(Clone, Debug, Default)]
pub struct Backtraces {
    pub main: Vec<Vec<Frame>>,
    /// By Tokio task id, in no particular order.
    pub tasks: Captured,
    /// Why there are no tasks' backtraces, if there are none: a sentence.
    pub untraced: Option<String>,
    /// `main` has no backtraces either: not traced, as opposed to traced
    /// waiting nowhere. Set by every early return; `default()` says traced.
    pub main_untraced: bool,
    pub notes: Vec<String>,
}

/// How long a dump of the current-thread runtime may take, as Tokio's docs
/// advise bounding it.
pub const PATIENCE: Duration = Duration::from_secs(2);

impl<'a> TaskDumps<'a> {
    pub fn new(tracker: Tracker, own: Own<'a>) -> Self {
        let own_sockets = sockets().unwrap_or_default();
        let woken_before = woken_from_outside().unwrap_or_default();
        let main_woken_before = tracker.main_woken_outside();
        TaskDumps {
            tracker,
            own,
            notes: Vec::new(),
            own_sockets,
            woken_before,
            main_woken_before,
            own_threads: vec![thread_name(BEAT_THREAD)],
        }
    }

    /// The names of threads of the caller's own that wake no task of the
    /// program's (a signal's, a writer's). Any other thread that is not the
    /// runtime's (a `std::thread`, another runtime's, a library's) may wake
    /// one, so a dump where nothing moved is "stuck" only without one.
    /// Linux keeps a thread's first 15 bytes as its name: two names alike
    /// in those are one.
    pub fn own_threads(&mut self, names: &[&str]) {
        self.own_threads
            .extend(names.iter().copied().map(thread_name));
    }

    /// A sentence every dump adds.
    pub fn note(&mut self, note: &str) {
        self.notes.push(note.to_owned());
    }

    /// Two dumps [`BEAT`] apart, `main` polled in between, and their report:
    /// tasks that wait for each other are deadlocked only if none of them
    /// moved meanwhile, and a stall is one where nothing did.
    pub async fn dump_twice<F: Future + ?Sized>(
        &mut self,
        mut main: Pin<&mut F>,
    ) -> Twice<F::Output> {
        let first = match self.dump(main.as_mut()).await {
            Taken::Finished(output) => return Twice::Finished(output),
            Taken::Dump(dump) => dump,
        };
        if let Some(output) = self.beat(main.as_mut()).await {
            return Twice::FinishedBetween(report_ended(&first), output);
        }
        match self.dump(main).await {
            Taken::Finished(output) => Twice::FinishedBetween(report_ended(&first), output),
            Taken::Dump(second) => Twice::Both(report(&second, Some(&first))),
        }
    }

    /// `main` polled between two dumps for a [`BEAT`] of the runtime's
    /// clock or of real time, whichever ends first (on the paused clock, a
    /// task that is always runnable keeps the clock from moving); its output
    /// if it finished meanwhile. The tracker hears when `main` is woken.
    pub async fn beat<F: Future + ?Sized>(&self, mut main: Pin<&mut F>) -> Option<F::Output> {
        let mut timer = pin!(self.tracker.ignoring(|| sleep(BEAT)));
        let mut real_time = real_beat();
        std::future::poll_fn(|cx| {
            let woken = Waker::from(Arc::new(MainWaker {
                tracker: self.tracker.clone(),
                waker: cx.waker().clone(),
            }));
            if let Poll::Ready(output) = main.as_mut().poll(&mut Context::from_waker(&woken)) {
                return Poll::Ready(Some(output));
            }
            let real_time_up = real_time
                .as_mut()
                .is_some_and(|beat| beat.as_mut().poll(cx).is_ready());
            match timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(None),
                Poll::Pending if real_time_up => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// Where `main` and every task of the current runtime wait, from
    /// [`Self::backtraces`] (frames on the current-thread runtime only) and
    /// the tracker.
    pub async fn dump<F: Future + ?Sized>(&mut self, main: Pin<&mut F>) -> Taken<F::Output, Dump> {
        let taken = self.backtraces(main).await;
        let Backtraces {
            main,
            tasks,
            untraced,
            main_untraced,
            mut notes,
        } = match taken {
            Taken::Finished(output) => return Taken::Finished(output),
            Taken::Dump(backtraces) => backtraces,
        };
        notes.extend(untraced.iter().cloned());
        notes.extend(self.notes.iter().cloned());
        let records = self.tracker.snapshot();
        if !records.heard {
            notes.push(SILENT.to_owned());
        }
        // A trace lists a task's waits in the order they were polled, and
        // `select!` polls its branches in a random order unless `biased;`:
        // sorted, so that one state of the program gives one dump.
        let fold_all = |traces: &[Vec<Frame>]| {
            let mut waits: Vec<Wait> = traces.iter().map(|t| fold(t, self.own)).collect();
            waits.sort_by(|a, b| (&a.frames, &a.leaf).cmp(&(&b.frames, &b.leaf)));
            waits
        };
        let mut tasks: Vec<(u64, Vec<Wait>)> = match untraced {
            None => tasks
                .iter()
                .map(|(id, traces)| (*id, fold_all(traces)))
                .collect(),
            // What the tracker saw alive.
            Some(_) => records
                .tasks
                .iter()
                .filter(|(_, task)| task.kind == Spawn::Task)
                .map(|(id, _)| (*id, Vec::new()))
                .collect(),
        };
        let spawned = |id: &u64| records.tasks.get(id).map_or(u64::MAX, |task| task.spawned);
        tasks.sort_by_key(|(id, _)| (spawned(id), *id));
        let wakers = Wakers {
            timers: records.pending_timers(),
            sockets: sockets().map(|open| open.saturating_sub(self.own_sockets)),
            blocking: busy_blocking_threads(),
            from_outside: self.woken_from_outside(),
            threads: self.threads_outside(),
        };
        Taken::Dump(Dump {
            at: Tracker::now(&records),
            main: fold_all(&main),
            tasks,
            notes,
            untraced: untraced.is_some(),
            main_untraced,
            records,
            wakers,
        })
    }
}

/// `main`'s waker between two dumps, which tells the tracker that `main`
/// was woken: it moves.
struct MainWaker {
    tracker: Tracker,
    waker: Waker,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.tracker.records().main_woken();
        self.waker.wake_by_ref();
    }
}

/// The name of [`real_beat`]'s thread.
const BEAT_THREAD: &str = "task-dump-beat";

/// A [`BEAT`] of real time, counted by a thread of its own; `None` if no
/// thread could start.
fn real_beat() -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
    let shared = Arc::new(RealBeat::default());
    let theirs = Arc::clone(&shared);
    let (named, is_named) = std::sync::mpsc::channel::<()>();
    let counting = std::thread::Builder::new()
        .name(BEAT_THREAD.to_owned())
        .spawn(move || {
            let _ = named.send(());
            std::thread::sleep(BEAT);
            theirs.up.store(true, Ordering::SeqCst);
            let waker = theirs
                .waker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(waker) = waker {
                waker.wake();
            }
        });
    counting.ok()?;
    // A new thread has its spawner's name until it names itself, before it
    // runs what it was given: a dump in between would count it as a thread
    // outside the runtime. Not for ever: a machine that holds it longer
    // makes that dump's verdict "can't tell", never "stuck".
    let _ = is_named.recv_timeout(Duration::from_secs(1));
    Some(Box::pin(std::future::poll_fn(move |cx| {
        // Stored before the flag is read: a wake can't fall in between.
        *shared.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        if shared.up.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })))
}

#[derive(Default)]
struct RealBeat {
    up: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// Whether this build can take task dumps (`cfg(taskdump)`, see build.rs).
pub const AVAILABLE: bool = cfg!(taskdump);

/// Why [`AVAILABLE`] is false, in one sentence.
pub const UNAVAILABLE: &str = "task dumps need Tokio's `Handle::dump`, which exists only under \
    `--cfg tokio_unstable` (a RUSTFLAGS of your own replaces the rustflags of \
    .cargo/config.toml) with Tokio's `taskdump` feature, and only on Linux x86, x86_64, aarch64 \
    and s390x";

const SILENT: &str = "Tokio reported nothing to the tracker, so no lock has a holder here: it \
                      needs `--cfg tokio_unstable`, Tokio's `tracing` feature, and the tracker \
                      as the program's subscriber from the start.";

/// The sockets, pipes and signals registered with the current runtime's I/O
/// driver: `None` outside a runtime, or where Tokio doesn't say (it needs
/// `--cfg tokio_unstable`).
pub fn sockets() -> Option<u64> {
    #[cfg(tokio_unstable)]
    {
        let metrics = tokio::runtime::Handle::try_current().ok()?.metrics();
        let registered = metrics.io_driver_fd_registered_count();
        Some(registered.saturating_sub(metrics.io_driver_fd_deregistered_count()))
    }
    #[cfg(not(tokio_unstable))]
    None
}

impl TaskDumps<'_> {
    /// How many times a thread outside the runtime woke a task (since
    /// these dumps were made) or `main` (`None` where the runtime doesn't say
    /// and `main` was not woken so).
    fn woken_from_outside(&self) -> Option<u64> {
        let main = self
            .tracker
            .main_woken_outside()
            .saturating_sub(self.main_woken_before);
        match woken_from_outside() {
            Some(tasks) => Some(tasks.saturating_sub(self.woken_before) + main),
            None => (main > 0).then_some(main),
        }
    }

    /// The threads alive that are neither the current runtime's nor the
    /// caller's own: a `std::thread`, another runtime's, a library's.
    /// `None` where the runtime or the system doesn't say.
    fn threads_outside(&self) -> Option<usize> {
        #[cfg(tokio_unstable)]
        {
            let handle = tokio::runtime::Handle::try_current().ok()?;
            let metrics = handle.metrics();
            // A dump is taken in `main`'s poll: on the multi-thread runtime
            // that is a thread in `block_on`, none of the workers.
            let runs_main = match handle.runtime_flavor() {
                tokio::runtime::RuntimeFlavor::CurrentThread => 0,
                _ => 1,
            };
            let runtimes = || metrics.num_workers() + metrics.num_blocking_threads() + runs_main;
            let before = runtimes();
            let mut names = Vec::new();
            for thread in std::fs::read_dir("/proc/self/task").ok()? {
                let thread = thread.ok()?.path();
                match std::fs::read(thread.join("comm")) {
                    Ok(mut name) => {
                        name.pop_if(|last| *last == b'\n');
                        names.push(name);
                    }
                    // It ended since the listing.
                    Err(_) if !thread.exists() => {}
                    // Alive, and may be anyone's.
                    Err(_) => names.push(Vec::new()),
                }
            }
            Some(outside(&names, &self.own_threads, [before, runtimes()]))
        }
        #[cfg(not(tokio_unstable))]
        None
    }
}

/// How many of the threads `listed` by name are neither `own` nor the
/// runtime's, which it counted on either side of the listing. A blocking
/// thread stops being counted before it ends, and is listed until it has:
/// with the smaller count, one that ends meanwhile is a thread too many,
/// never too few.
#[cfg(any(tokio_unstable, test))]
pub(crate) fn outside(listed: &[Vec<u8>], own: &[Vec<u8>], runtimes: [usize; 2]) -> usize {
    let alive = listed.iter().filter(|name| !own.contains(name)).count();
    let [before, after] = runtimes;
    alive.saturating_sub(before.min(after))
}

/// A thread's name as Linux keeps it: its first 15 bytes, even where they
/// cut a character in two.
pub(crate) fn thread_name(name: &str) -> Vec<u8> {
    name.as_bytes()[..name.len().min(15)].to_vec()
}

/// How many times a task of the current runtime was woken from a thread
/// outside it (`None` where the runtime doesn't say).
fn woken_from_outside() -> Option<u64> {
    #[cfg(tokio_unstable)]
    {
        let metrics = tokio::runtime::Handle::try_current().ok()?.metrics();
        Some(metrics.remote_schedule_count())
    }
    #[cfg(not(tokio_unstable))]
    None
}

/// The blocking threads at work (`None` where the runtime doesn't say).
fn busy_blocking_threads() -> Option<usize> {
    #[cfg(tokio_unstable)]
    {
        let metrics = tokio::runtime::Handle::try_current().ok()?.metrics();
        let threads = metrics.num_blocking_threads();
        Some(threads - metrics.num_idle_blocking_threads().min(threads))
    }
    #[cfg(not(tokio_unstable))]
    None
}

#[cfg(not(taskdump))]
impl TaskDumps<'_> {
    /// Why there is no dump here.
    pub async fn backtraces<F: Future + ?Sized>(
        &mut self,
        _main: Pin<&mut F>,
    ) -> Taken<F::Output, Backtraces> {
        Taken::Dump(Backtraces {
            untraced: Some(format!("No dump: {UNAVAILABLE}.")),
            main_untraced: true,
            ..Backtraces::default()
        })
    }
}

#[cfg(taskdump)]
impl TaskDumps<'_> {
    /// On the current-thread runtime, Tokio's task dump of `main`, polled
    /// once here in its tracing mode (no task runs it, so `Handle::dump`
    /// can't see it), and of every task, waited for [`PATIENCE`] at most. If
    /// `main` finishes in that poll, its output comes back instead. On the
    /// multi-thread runtime, none: `untraced` says why.
    pub async fn backtraces<F: Future + ?Sized>(
        &mut self,
        mut main: Pin<&mut F>,
    ) -> Taken<F::Output, Backtraces> {
        use tokio::runtime::dump::Trace;

        if tokio::runtime::Handle::current().runtime_flavor()
            != tokio::runtime::RuntimeFlavor::CurrentThread
        {
            return Taken::Dump(Backtraces {
                main_untraced: true,
                untraced: Some(MULTI_THREAD.to_owned()),
                ..Backtraces::default()
            });
        }
        let mut unstarted = 0;
        if !until_no_task_is_ready(READY_YIELDS).await {
            unstarted = self.tracker.tasks_never_polled();
        }
        let (polled, main_trace) = Trace::root(std::future::poll_fn(|cx| {
            Poll::Ready(Trace::capture(|| main.as_mut().poll(cx)))
        }))
        .await;
        if let Poll::Ready(output) = polled {
            return Taken::Finished(output);
        }
        let main = resolve(&main_trace);
        if unstarted > 0 {
            return Taken::Dump(Backtraces {
                main,
                untraced: Some(format!(
                    "No frames for the tasks: {unstarted} just spawned had still not started \
                     after the dump let the runtime run {READY_YIELDS} times, and Tokio's \
                     tracing would run their code, where a spawn is lost; each task is as the \
                     tracker saw it."
                )),
                ..Backtraces::default()
            });
        }
        let dump = match self.in_place().await {
            Ok(dump) => dump,
            Err(why) => {
                return Taken::Dump(Backtraces {
                    main,
                    untraced: Some(why),
                    ..Backtraces::default()
                });
            }
        };
        let mut tasks = Vec::new();
        let mut notes = Vec::new();
        for task in dump.tasks().iter() {
            let Some(id) = task_number(task.id()) else {
                notes.push(format!(
                    "Task {} is left out: its id is no number.",
                    task.id()
                ));
                continue;
            };
            tasks.push((id, resolve(task.trace())));
        }
        Taken::Dump(Backtraces {
            main,
            tasks,
            untraced: None,
            main_untraced: false,
            notes,
        })
    }
}

/// Why nothing has frames on the multi-thread runtime.
#[cfg(taskdump)]
const MULTI_THREAD: &str = "No frames: on the multi-thread runtime, Tokio's task dump can leave a \
    worker blocked for good in its rendezvous (Tokio 1.54, tokio-rs/tokio#7478), and tracing \
    `main` off a worker thread loses the wake of each resource it stops, so that a `JoinSet` \
    never hears that its task ended (tokio-rs/tokio#8434); none is taken there. `main` and each \
    task are as the tracker saw them, with what they wait for and hold, and a verdict only from \
    that.";

#[cfg(taskdump)]
impl TaskDumps<'_> {
    /// On the current-thread runtime, the dump of every task as they are,
    /// taken in this poll, where no other task can run first; called once
    /// no task is ready to run, or [`READY_YIELDS`] later. A panic inside
    /// Tokio's tracing (from a task still ready, whose code ran) is caught,
    /// so the program goes on, but the dump has no frames.
    async fn in_place(&self) -> Result<tokio::runtime::Dump, String> {
        use std::panic::{self, AssertUnwindSafe};

        let handle = tokio::runtime::Handle::current();
        let mut dump = pin!(self.tracker.ignoring(|| timeout(PATIENCE, handle.dump())));
        let dumped = std::future::poll_fn(|cx| {
            match panic::catch_unwind(AssertUnwindSafe(|| dump.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(dumped)) => Poll::Ready(Some(dumped)),
                Err(_) => Poll::Ready(None),
            }
        });
        match dumped.await {
            Some(Ok(dump)) => Ok(dump),
            Some(Err(_)) => Err(format!(
                "No frames for the tasks: the runtime did not answer within {}; each task is as \
                 the tracker saw it.",
                seconds(PATIENCE)
            )),
            None => Err(PANICKED.to_owned()),
        }
    }
}

/// How many times a dump on the current-thread runtime lets the tasks that
/// are ready run first, for none to be. Tokio's tracing polls every task,
/// and a ready one can run its own code while traced (one never polled
/// yet, or one whose future is ready without a Tokio resource in the way):
/// a `spawn` there panics inside Tokio, inside that task, which loses what
/// it was doing, and nothing outside sees the panic (seen: `--dump-at 0` on
/// a server that had just accepted; the connection it spawned was never
/// served). Each time runs a batch of them (up to 61 in Tokio 1.54, its
/// default `event_interval`). If some are still
/// ready after these, and one of them has never started, no frames are
/// taken; if all have started (a task that yields in a loop: the runner's
/// `yields_all_the_time` case), they are, at the Tokio resource each waits
/// in, which runs none of its code. One ready outside a Tokio resource (a
/// `futures` channel) can still lose work.
#[cfg(taskdump)]
pub(crate) const READY_YIELDS: usize = 16;

/// Lets the runtime run the tasks that are ready, up to `yields` times,
/// until none is: whether none was.
#[cfg(taskdump)]
async fn until_no_task_is_ready(yields: usize) -> bool {
    for _ in 0..yields {
        let metrics = tokio::runtime::Handle::current().metrics();
        let ready = metrics.global_queue_depth()
            + (0..metrics.num_workers())
                .map(|worker| metrics.worker_local_queue_depth(worker))
                .sum::<usize>();
        if ready == 0 {
            return true;
        }
        tokio::task::yield_now().await;
    }
    false
}

#[cfg(taskdump)]
const PANICKED: &str = "No frames for the tasks: Tokio's tracing panicked (a task did work while \
                        it was traced, and may have lost it); each task is as the tracker saw it.";

/// A trace's backtraces, each outermost frame first. The first resolve in a
/// process reads the binary's debug info: milliseconds to a few hundred.
#[cfg(taskdump)]
fn resolve(trace: &tokio::runtime::dump::Trace) -> Vec<Vec<Frame>> {
    let backtraces = trace.resolve_backtraces();
    let frames = backtraces.iter().map(|backtrace| {
        // Frames come innermost first, and so do the symbols inlined into one.
        let symbols = backtrace.frames().flat_map(|frame| frame.symbols());
        let mut frames: Vec<Frame> = symbols
            .map(|symbol| Frame {
                function: symbol.name_demangled().map(str::to_owned),
                file: symbol
                    .filename()
                    .map(|file| file.to_string_lossy().into_owned()),
                line: symbol.lineno(),
            })
            .collect();
        frames.reverse();
        frames
    });
    frames.collect()
}
