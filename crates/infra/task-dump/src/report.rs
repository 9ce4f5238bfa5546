//! What a dump proves: who holds which lock, who waits for what, and
//! whether some tasks wait for each other for good.
//!
//! Everything here comes from the run: the tracker's records of Tokio's
//! reports and the task dump's frames. A lock's holder is the task that took
//! its guard and has not dropped it; a guard that borrows its lock can't
//! leave that task (unless the lock is a `static`), an owned one can, so it
//! is only said to be "taken by" it. `mpsc` and the other channels report
//! nothing, so a wait on one names no one.

use std::collections::HashMap;
use std::time::Duration;

use crate::dump::Dump;
use crate::fold::{Wait, short_path};
use crate::tracker::{
    Actor, Guard, Holding, Kind, MadeOn, Op, Records, Resource, Spawn, TaskRecord,
};

/// A dump as a reader gets it: one entry per task, what each holds and
/// waits for, and a verdict where the run proves one.
#[derive(Clone, Debug)]
pub struct Report {
    /// The instant it shows, from the start of `main`.
    pub at: Duration,
    /// `main` first, then each task in spawn order.
    pub entries: Vec<Entry>,
    pub verdict: Option<Verdict>,
    pub notes: Vec<String>,
    /// What a verdict may call a task that has no entry: a `spawn_blocking`
    /// job, which Tokio's dump leaves out, by where it was spawned.
    pub unlisted: Vec<(Actor, String)>,
}

/// One task of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub who: Actor,
    /// `main`, `task 12`: how other lines name it.
    pub name: String,
    /// What follows its name: `spawned at main.rs:44`.
    pub label: String,
    /// The task whose poll spawned it, if the tracker saw one.
    pub parent: Option<Actor>,
    /// One per leaf future its poll reached; empty if it reached none, or
    /// if the dump took no frames of it.
    pub waits: Vec<Wait>,
    /// Whether the dump took its frames: none on the multi-thread runtime;
    /// on the current-thread one `main`'s always, a task's not where Tokio's
    /// dump failed.
    pub traced: bool,
    pub facts: Vec<Fact>,
}

/// What the run shows of a task besides where it waits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fact {
    /// It took a guard and has not dropped it.
    Holds {
        lock: String,
        since: Duration,
        guard: Guard,
    },
    /// A future of its own, which it has not polled since, was handed a lock.
    Parked { lock: String, handed: Duration },
    /// It waits for a lock, a permit, a value or a barrier.
    WaitsFor { what: String, holders: Vec<Holder> },
    /// It waits for a sleep to end.
    Sleeps {
        /// `None` where Tokio gives no place.
        made_at: Option<String>,
        made: Duration,
        ends: Duration,
    },
    /// It was in a poll when the dump was taken (on the multi-thread
    /// runtime, where the dump runs beside the workers): computing, or
    /// blocked in a call that does not await, between two waits.
    /// `through_both`: in the same poll when an earlier dump was taken too.
    InOnePoll { through_both: bool },
    /// A sentence the caller adds.
    Said(String),
}

/// Who holds a lock a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    /// A reader the run lost track of: one of several read guards was
    /// released where it can't say which.
    Lost,
    /// A guard that borrows the lock, so it stays in the task that took it.
    Guard(Actor),
    /// An owned guard, or one taken without waiting, which may have been
    /// handed on since.
    Took(Actor),
    /// A future of this task that was handed the lock and that the task
    /// has not polled since.
    Parked(Actor),
    /// A future that was handed the lock, whose task is woken to take it.
    Handed(Actor),
    /// A wait ahead in the queue that was handed part of the lock (a write
    /// lock's share of a reader's) and waits for the rest.
    Partly(Actor),
}

impl Holder {
    /// The task that can't let the lock go until it moves, if the run shows one.
    fn pins(self) -> Option<Actor> {
        match self {
            Holder::Guard(actor) | Holder::Parked(actor) | Holder::Partly(actor) => Some(actor),
            Holder::Took(_) | Holder::Handed(_) | Holder::Lost => None,
        }
    }

    /// The task the lock is with, if the run shows which: the one that
    /// holds it or that it was handed to.
    fn known(self) -> Option<Actor> {
        match self {
            Holder::Handed(actor) => Some(actor),
            Holder::Took(_) | Holder::Lost => None,
            pinned => pinned.pins(),
        }
    }
}

/// What a report concludes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// These tasks each wait only for locks that one of them holds.
    Deadlock {
        tasks: Vec<Actor>,
        /// A lock of the cycle is held by a future its task no longer polls.
        through: Through,
        /// Two dumps, a beat apart, showed them so.
        seen: Seen,
    },
    /// They wait for locks in a cycle, but some also wait for something
    /// else (a timeout, another branch), which may end their wait first.
    WayOut { tasks: Vec<Actor>, through: Through },
    /// They waited only for each other's locks in the first of two dumps,
    /// and moved before the second.
    Moved(Vec<Actor>),
    /// `main` ended before a second dump: whatever the first showed, the
    /// program was moving.
    Ended,
    /// Nothing moved between two dumps, and no timer, socket, blocking job
    /// or thread outside the runtime is left to wake a task.
    Stalled,
    /// No lock cycle, and these tasks were in one poll through both dumps:
    /// each computes, or blocks in a call that does not await.
    NotYielding(Vec<Actor>),
    /// Some task holds or waits for a lock, and no cycle runs through them.
    NoCycle,
    /// They wait for locks in a cycle, but what else they wait for the
    /// run can't see.
    Cycle {
        tasks: Vec<Actor>,
        through: Through,
        doubt: Doubt,
    },
    /// Nothing moved between two dumps, and no timer, socket or blocking
    /// job is left, but a task may wait for what the run can't count.
    Quiet(Quiet),
    /// Some task holds or waits for a lock, and a cycle through them can't
    /// be ruled out: `who`, which holds a lock `waited_by` waits for (or
    /// waits for one itself), waits for something the run can't follow.
    CantTell {
        who: Actor,
        waited_by: Option<Actor>,
        unseen: Unseen,
    },
}

/// A wait whose end the run can't follow to a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unseen {
    /// A lock whose holder the run can't name.
    Holder { lock: String, holder: Holder },
    /// A resource Tokio names no holder of: a `oneshot` whose `Sender` is
    /// alive, a `Semaphore`, a `Barrier`.
    Resource(String),
    /// A future Tokio reports nothing of: `mpsc`, `JoinHandle`, `Notify`.
    Leaf(String),
    /// Nothing the dump can see.
    Nowhere,
    /// A blocking job, whose waits the search for a cycle does not follow.
    Job,
    /// The dump took no frames of it.
    NoFrames,
}

/// Why a cycle of lock waits may not be for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doubt {
    /// The dump took no frames of one of them: it may also wait for
    /// something else.
    NoFrames(Actor),
    /// One of them waits in a `select!` or a `join!`, whose other branches
    /// may wait on what leaves no frame, and end its wait or, done, let its
    /// guard go.
    Select(Actor),
}

/// Why a stall can't be proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quiet {
    /// The tracker heard nothing from Tokio (it is not the program's
    /// subscriber, or Tokio's `tracing` feature is off), so it counted no
    /// timer: one may still be pending.
    Unheard,
    /// The dump took no frames of `main` or of the tasks.
    NoFrames,
    /// `who` waits where a task dump can't see.
    Unseen(Actor),
    /// `who` waits in a leaf that something besides the program's tasks
    /// can end: a socket, a signal, a future that is not Tokio's.
    Leaf { who: Actor, leaf: String },
    /// Threads outside the runtime are alive, and one may wake a task; or
    /// the run could not count them (`counted` is false).
    Threads { counted: bool },
    /// A thread that is not one of the runtime's workers spawned or woke a
    /// task, or woke `main`, this many times in the run: Tokio counts a
    /// task's remote schedules, which on the multi-thread runtime include
    /// `main`'s own spawns and wakes from `block_on`'s thread.
    FromOutside(u64),
    /// `who` waits for a lock held outside `main` and the tasks (another
    /// thread's `blocking_lock`, or code around `main`), whose holder the run
    /// can't follow.
    HeldOutside(Actor),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Through {
    Guards,
    /// A future no one polls: a futurelock.
    ParkedFuture,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    Once,
    Twice,
}

/// The report of `first`, a dump after which `main` ended before a second
/// one could be taken: its waits as they were, and no verdict that `main`'s
/// end disproves (a stall, or a cycle `main` is in). A cycle of tasks alone
/// keeps its verdict, as one dump shows it: `main` may end while tasks
/// stay deadlocked.
pub fn report_ended(first: &Dump) -> Report {
    let mut report = report(first, None);
    let main_in = |tasks: &[Actor]| tasks.contains(&Actor::Main);
    let disproved = match &report.verdict {
        Some(Verdict::Deadlock { tasks, .. } | Verdict::WayOut { tasks, .. })
        | Some(Verdict::Cycle { tasks, .. } | Verdict::Moved(tasks)) => main_in(tasks),
        Some(Verdict::Stalled | Verdict::Quiet(_)) => true,
        Some(Verdict::NoCycle | Verdict::CantTell { .. } | Verdict::Ended)
        | Some(Verdict::NotYielding(_))
        | None => false,
    };
    if disproved {
        report.verdict = Some(Verdict::Ended);
    }
    report
}

/// What `dump` proves, given an `earlier` one [`crate::BEAT`] before it.
pub fn report(dump: &Dump, earlier: Option<&Dump>) -> Report {
    let locks = Locks::new(&dump.records);
    let mut entries = vec![Entry {
        who: Actor::Main,
        name: "main".to_owned(),
        label: "(the body of `main`)".to_owned(),
        parent: None,
        waits: dump.main.clone(),
        traced: !dump.main_untraced,
        facts: locks.facts(Actor::Main),
    }];
    for (id, waits) in &dump.tasks {
        let task = dump.records.tasks.get(id);
        let spawned_at = task.and_then(|task| task.spawned_at.as_deref());
        let label = match spawned_at {
            Some(at) if inside_tokio(&short_place(at)) => {
                "spawned inside Tokio, called from a place the run can't tell".to_owned()
            }
            Some(at) => format!("spawned at {}", short_place(at)),
            None => "spawned where the tracker did not see".to_owned(),
        };
        let who = Actor::Task(*id);
        let mut facts = locks.facts(who);
        if let Some(task) = task.filter(|task| task.kind == Spawn::Task && task.running) {
            facts.insert(
                0,
                Fact::InOnePoll {
                    through_both: earlier.is_some_and(|earlier| in_one_poll(*id, task, earlier)),
                },
            );
        }
        entries.push(Entry {
            who,
            name: format!("task {id}"),
            label,
            parent: task.map(|task| task.parent),
            waits: waits.clone(),
            traced: !dump.untraced,
            facts,
        });
    }
    let verdict = verdict(&entries, &locks, dump, earlier);
    Report {
        at: dump.at,
        entries,
        verdict,
        notes: dump.notes.clone(),
        unlisted: locks.blocking_jobs(),
    }
}

/// Whether a place, as [`short_place`] gives it, is in Tokio's own code:
/// Tokio names the place that made a resource by `#[track_caller]`, which
/// stops at its first caller without it (`Mutex::default` calls `new`,
/// `interval` calls `sleep_until`). Where in the program that caller was
/// called from, the span doesn't say.
pub(crate) fn inside_tokio(place: &str) -> bool {
    place
        .strip_prefix("tokio-")
        .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

/// `deadlock.rs:155` from a full path and line.
fn short_place(place: &str) -> String {
    match place.rsplit_once(':') {
        Some((file, line)) => format!("{}:{line}", short_path(file)),
        None => place.to_owned(),
    }
}

/// Who holds and waits for what, as of one dump, indexed once: a dump of
/// a thousand tasks and their sleeps asks for each task's.
struct Locks<'a> {
    records: &'a Records,
    /// The waits that have not ended, by who polled them last, oldest first.
    pending: HashMap<Actor, Vec<(u64, &'a Op)>>,
    /// The waits on the semaphore under each lock that were handed permits
    /// and have not ended, each with the id of the wait that polls it.
    handed: HashMap<u64, Vec<(u64, &'a Op)>>,
    /// The locks each task or `main` holds or was handed, by their rank
    /// among the resources made.
    locks_of: HashMap<Actor, Vec<(u64, u64)>>,
    /// How many live resources each kind and place has made.
    alike: HashMap<(Kind, Option<&'a str>), usize>,
}

/// A wait for a lock, and who holds that lock.
struct LockWait {
    holders: Vec<Holder>,
}

impl<'a> Locks<'a> {
    fn new(records: &'a Records) -> Self {
        let mut pending: HashMap<Actor, Vec<(u64, &Op)>> = HashMap::new();
        let mut handed: HashMap<u64, Vec<(u64, &Op)>> = HashMap::new();
        for (&id, op) in &records.ops {
            let Some(owner) = op.owner else { continue };
            if op.ready {
                continue;
            }
            if op.outer.is_none() {
                pending.entry(owner).or_default().push((id, op));
            }
            let within = records.resources.get(&op.resource).and_then(|r| r.within);
            if let Some(lock) = within
                && op.obtained > 0
            {
                handed
                    .entry(lock)
                    .or_default()
                    .push((op.outer.unwrap_or_default(), op));
            }
        }
        for ops in pending.values_mut().chain(handed.values_mut()) {
            ops.sort_by_key(|(_, op)| op.made_as);
        }
        // Each lock by whoever holds it or was handed it, in the order made:
        // a dump of thousands of tasks asks for each one's.
        let mut locks_of: HashMap<Actor, Vec<(u64, u64)>> = HashMap::new();
        for (&id, resource) in &records.resources {
            if !resource.kind.is_lock() {
                continue;
            }
            let state = &resource.state;
            let guards = state.writer.iter().chain(&state.readers);
            let mut actors: Vec<Actor> = guards.map(|holding| holding.by).collect();
            let handed_to = handed.get(&id).into_iter().flatten();
            actors.extend(handed_to.filter_map(|(_, op)| op.owner));
            actors.sort_unstable();
            actors.dedup();
            for actor in actors {
                locks_of
                    .entry(actor)
                    .or_default()
                    .push((resource.made_as, id));
            }
        }
        for locks in locks_of.values_mut() {
            locks.sort_unstable();
        }
        let mut alike = HashMap::new();
        for resource in records.resources.values() {
            *alike
                .entry((resource.kind, resource.place.as_deref()))
                .or_default() += 1;
        }
        Locks {
            records,
            pending,
            handed,
            locks_of,
            alike,
        }
    }

    /// `the Mutex made at deadlock.rs:155`, with its rank where its place
    /// made several that are alive: `the 2nd Mutex made at ...`.
    fn name(&self, id: u64) -> String {
        let Some(resource) = self.records.resources.get(&id) else {
            return "a resource that is gone".to_owned();
        };
        let kind = resource.kind.name();
        let Some(place) = &resource.place else {
            return format!("a {kind} made where Tokio doesn't say");
        };
        let alike = self.alike.get(&(resource.kind, Some(place.as_str())));
        let place = short_place(place);
        let made = if inside_tokio(&place) {
            format!("{kind} made inside Tokio, called from a place the run can't tell")
        } else {
            format!("{kind} made at {place}")
        };
        match alike.copied().unwrap_or(1) {
            1 => format!("the {made}"),
            _ => format!("the {} {made}", ordinal(resource.ordinal)),
        }
    }

    /// The step at which `who`'s latest poll began.
    fn polled(&self, who: Actor) -> Option<u64> {
        match who {
            Actor::Main => Some(self.records.main_polled),
            Actor::Task(id) => Some(self.records.tasks.get(&id)?.polled),
            Actor::Elsewhere => None,
        }
    }

    /// The waits `who` polled in its latest poll and that have not ended:
    /// what it waits for now. Each by its id, oldest first.
    fn waiting(&self, who: Actor) -> Vec<(u64, &'a Op)> {
        let (Some(latest), Some(pending)) = (self.polled(who), self.pending.get(&who)) else {
            return Vec::new();
        };
        let current = pending.iter().filter(|(_, op)| op.polled >= latest);
        current.copied().collect()
    }

    /// Whether `op`'s task has been polled since the op was handed its
    /// permits, and the op not: its future holds them and is polled no more.
    fn parked(&self, op: &Op) -> bool {
        let (Some((handed, _)), Some(owner)) = (op.handed, op.owner) else {
            return false;
        };
        // A wait on a lock polls the semaphore under it only once it may
        // take it: the wait's own polls count.
        let outer = op.outer.and_then(|outer| self.records.ops.get(&outer));
        let polled = outer.map_or(op.polled, |outer| outer.polled.max(op.polled));
        let latest = self.polled(owner).unwrap_or_default();
        latest > handed && polled < handed
    }

    /// The waits on the semaphore under lock `id` that were handed permits
    /// and have not ended, each with the id of the wait that polls it.
    fn handed(&self, id: u64) -> &[(u64, &'a Op)] {
        self.handed.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Who holds lock `id` so that the wait `asking` can't have it: a
    /// writer, and unless it asks to read, the readers; and the futures that
    /// were handed all or part of it but `asking`.
    fn holders(&self, id: u64, asking: u64) -> Vec<Holder> {
        let Some(resource) = self.records.resources.get(&id) else {
            return Vec::new();
        };
        let reads = |op: Option<&Op>| op.is_some_and(|op| op.source.starts_with("RwLock::read"));
        let asks_to_read = reads(self.records.ops.get(&asking));
        let state = &resource.state;
        let mut guards: Vec<&Holding> = state.writer.iter().collect();
        if !asks_to_read {
            guards.extend(&state.readers);
        }
        let mut holders: Vec<Holder> = guards
            .into_iter()
            .map(|holding| match self.guard(id, resource, holding) {
                Guard::Borrowed => Holder::Guard(holding.by),
                Guard::Owned | Guard::Either | Guard::OfStatic | Guard::BeforeSpawning(_) => {
                    Holder::Took(holding.by)
                }
                Guard::Lost => Holder::Lost,
            })
            .collect();
        for &(outer, op) in self.handed(id) {
            let Some(owner) = op.owner else { continue };
            // A reader handed its share stands in no other reader's way.
            if outer == asking || (asks_to_read && reads(self.records.ops.get(&outer))) {
                continue;
            }
            holders.push(if self.parked(op) {
                Holder::Parked(owner)
            } else if op.obtained < op.requested {
                Holder::Partly(owner)
            } else {
                Holder::Handed(owner)
            });
        }
        holders
    }

    /// The kind of guard `holding` (of lock `id`) is, as a reader should
    /// take it: a borrowed guard of a lock a lazy initializer made may be a
    /// `static`'s; one whose taker has since spawned a future it had polled
    /// may be in that future.
    fn guard(&self, id: u64, resource: &Resource, holding: &Holding) -> Guard {
        let made_lazily = resource.made_on.as_ref().is_some_and(MadeOn::lazily);
        match holding.guard {
            Guard::Borrowed if made_lazily => Guard::OfStatic,
            Guard::Borrowed => match self.spawned_since(id, holding) {
                Some(task) => Guard::BeforeSpawning(task),
                None => Guard::Borrowed,
            },
            guard => guard,
        }
    }

    /// The first live task or blocking job that `holding`'s taker spawned
    /// after taking it and that does not wait for lock `id`. A borrowed
    /// guard moves with the future that holds it, and a future the taker
    /// polled (through `&mut`, in a `select!`) may be the one it spawned, or
    /// the one a blocking job runs with `block_on`: Tokio reports no move,
    /// so the run can't rule one out. A task that waits for the lock it may
    /// hold moves no more than its taker would.
    fn spawned_since(&self, id: u64, holding: &Holding) -> Option<Actor> {
        let mut spawned: Vec<(u64, u64)> = self
            .records
            .tasks
            .iter()
            .filter(|(_, task)| {
                matches!(task.kind, Spawn::Task | Spawn::Blocking)
                    && task.parent == holding.by
                    && task.spawned > holding.taken
            })
            .map(|(&task, record)| (record.spawned, task))
            .collect();
        spawned.sort_unstable();
        spawned
            .into_iter()
            .map(|(_, task)| Actor::Task(task))
            .find(|&task| !self.waiting(task).iter().any(|(_, op)| op.resource == id))
    }

    /// What `who` holds and waits for, each resource in the order it was made.
    fn facts(&self, who: Actor) -> Vec<Fact> {
        let mut facts = Vec::new();
        let locks = self.locks_of.get(&who).map_or(&[][..], Vec::as_slice);
        for &(_, id) in locks {
            if let Some(resource) = self.records.resources.get(&id) {
                self.holdings(id, resource, who, &mut facts);
            }
        }
        // What it waits for, then its timers, each said once: a `select!`
        // polls its branches in a random order, so which of two waits on one
        // lock it polled last varies from run to run.
        let mut waits: Vec<Fact> = Vec::new();
        for (id, op) in self.waiting(who) {
            if let Some(fact) = self.wait(id, op)
                && !waits.contains(&fact)
            {
                waits.push(fact);
            }
        }
        waits.sort_by_key(|fact| matches!(fact, Fact::Sleeps { .. }));
        facts.extend(waits);
        facts
    }

    /// The guards of lock `id` that `who` holds, and the futures of its own
    /// it no longer polls that were handed the lock.
    fn holdings(&self, id: u64, resource: &Resource, who: Actor, facts: &mut Vec<Fact>) {
        let state = &resource.state;
        let writer = state.writer.iter().map(|holding| (holding, "for writing"));
        let readers = state.readers.iter().map(|holding| (holding, "for reading"));
        for (holding, how) in writer.chain(readers) {
            if holding.by != who || holding.guard == Guard::Lost {
                continue;
            }
            let lock = match resource.kind {
                Kind::RwLock => format!("{} {how}", self.name(id)),
                _ => self.name(id),
            };
            facts.push(Fact::Holds {
                lock,
                since: holding.since,
                guard: self.guard(id, resource, holding),
            });
        }
        for &(_, op) in self.handed(id) {
            if op.owner != Some(who) || !self.parked(op) {
                continue;
            }
            let Some((_, handed)) = op.handed else {
                continue;
            };
            let lock = self.name(id);
            facts.push(Fact::Parked { lock, handed });
        }
    }

    /// What the wait `id` waits for, and who holds it where the run says.
    fn wait(&self, id: u64, op: &Op) -> Option<Fact> {
        let resource = self.records.resources.get(&op.resource)?;
        let name = self.name(op.resource);
        let state = &resource.state;
        let (what, holders) = match resource.kind {
            Kind::Mutex | Kind::RwLock => (name, self.holders(op.resource, id)),
            // Permits are given back by whoever drops one, and handed to a
            // waiter without a report: a semaphore names no holder.
            Kind::Semaphore => (format!("a permit of {name}"), Vec::new()),
            Kind::Oneshot if state.sender_dropped => (
                format!("a value on {name}, whose Sender is gone"),
                Vec::new(),
            ),
            Kind::Oneshot => (
                format!("a value on {name}, whose Sender is alive"),
                Vec::new(),
            ),
            Kind::Barrier => {
                let size = state.barrier_size.unwrap_or_default();
                let arrived = state.arrived;
                (
                    format!("{name}, which {arrived} of {size} tasks reached"),
                    Vec::new(),
                )
            }
            Kind::Sleep => {
                let made_at = resource.place.as_deref().map(short_place);
                return Some(Fact::Sleeps {
                    made_at,
                    made: resource.made,
                    ends: state.due?,
                });
            }
            Kind::Inner | Kind::Other => return None,
        };
        Some(Fact::WaitsFor { what, holders })
    }

    /// The first wait that leaves a chain of lock waits where the run can't
    /// follow it: a lock whose holder it can't name, or a wait of a holder
    /// for something that names no holder. `None` if every chain ends in a
    /// task that sleeps, or in a cycle.
    fn unseen_in_chain(&self, entries: &[Entry]) -> Option<Verdict> {
        // A blocking job is no entry, but its `blocking_lock` is a wait.
        let mut waiters: Vec<Actor> = entries.iter().map(|entry| entry.who).collect();
        for (job, _) in self.blocking_jobs() {
            if !waiters.contains(&job) {
                waiters.push(job);
            }
        }
        for who in waiters {
            for (id, op) in self.waiting(who) {
                let is_lock = self.records.resources.get(&op.resource).map(|r| r.kind);
                if !is_lock.is_some_and(Kind::is_lock) {
                    continue;
                }
                for holder in self.holders(op.resource, id) {
                    let unseen = match holder.known() {
                        None => Unseen::Holder {
                            lock: self.name(op.resource),
                            holder,
                        },
                        Some(holder) => match self.unseen_wait(holder, entries) {
                            Some(unseen) => {
                                let waited_by = Some(who);
                                return Some(Verdict::CantTell {
                                    who: holder,
                                    waited_by,
                                    unseen,
                                });
                            }
                            None => continue,
                        },
                    };
                    return Some(Verdict::CantTell {
                        who,
                        waited_by: None,
                        unseen,
                    });
                }
            }
        }
        None
    }

    /// The live `spawn_blocking` jobs, in spawn order, each with where it
    /// was spawned.
    /// Jobs spawned at one place are told apart by their order there: `the
    /// 2nd blocking job spawned at main.rs:20`.
    fn blocking_jobs(&self) -> Vec<(Actor, String)> {
        let mut jobs: Vec<(u64, u64, String)> = self
            .records
            .tasks
            .iter()
            .filter(|(_, task)| task.kind == Spawn::Blocking)
            .map(|(&id, task)| {
                let at = task.spawned_at.as_deref().map(short_place);
                let at = at.map_or("where the tracker did not see".to_owned(), |at| {
                    format!("at {at}")
                });
                (task.spawned, id, at)
            })
            .collect();
        jobs.sort_unstable();
        let mut named = Vec::new();
        for (_, id, at) in &jobs {
            let alike: Vec<u64> = jobs
                .iter()
                .filter(|(_, _, other)| other == at)
                .map(|&(_, other, _)| other)
                .collect();
            let name = match alike.iter().position(|other| other == id) {
                Some(nth) if alike.len() > 1 => {
                    format!("the {} blocking job spawned {at}", ordinal(nth + 1))
                }
                _ => format!("the blocking job spawned {at}"),
            };
            named.push((Actor::Task(*id), name));
        }
        named
    }

    /// What `who` waits for that names no holder, if anything: its locks'
    /// holders are followed from its own lock waits, and a sleep ends.
    fn unseen_wait(&self, who: Actor, entries: &[Entry]) -> Option<Unseen> {
        let Some(entry) = entries.iter().find(|entry| entry.who == who) else {
            // A blocking job has no entry, and its own waits are no lock
            // waits' the search for a cycle follows.
            let job = |id| self.records.tasks.get(&id).map(|task| task.kind);
            let is_job = matches!(who, Actor::Task(id) if job(id) == Some(Spawn::Blocking));
            return Some(if is_job { Unseen::Job } else { Unseen::Nowhere });
        };
        // What the tracker saw it wait for comes first: without frames, too.
        for (id, op) in self.waiting(who) {
            let Some(resource) = self.records.resources.get(&op.resource) else {
                continue;
            };
            match resource.kind {
                Kind::Mutex | Kind::RwLock | Kind::Sleep => {}
                Kind::Oneshot if resource.state.sender_dropped => {}
                _ => {
                    if let Some(Fact::WaitsFor { what, .. }) = self.wait(id, op) {
                        return Some(Unseen::Resource(what));
                    }
                }
            }
        }
        if !entry.traced {
            return Some(Unseen::NoFrames);
        }
        if entry.waits.is_empty() {
            return Some(Unseen::Nowhere);
        }
        let leaves = entry.waits.iter().map(|wait| wait.leaf.as_str());
        let mut unseen = leaves.filter(|leaf| !followed(leaf, &entry.waits));
        unseen.next().map(|leaf| Unseen::Leaf(leaf.to_owned()))
    }

    /// For each task whose every wait is for a lock, who holds each lock.
    fn lock_waits(&self, entries: &[Entry], only: Only) -> Vec<(Actor, Vec<LockWait>)> {
        let mut tasks = Vec::new();
        for entry in entries {
            let waiting = self.waiting(entry.who);
            let mut waits = Vec::new();
            for (id, op) in &waiting {
                let kind = self.records.resources.get(&op.resource).map(|r| r.kind);
                if kind.is_some_and(Kind::is_lock) {
                    let holders = self.holders(op.resource, *id);
                    waits.push(LockWait { holders });
                }
            }
            // Its frames, where it has them, say what it polls now: a wait
            // the tracker saw begin in a future it no longer polls (a sleep
            // in a future a `select!` left behind) can wake it, but not move
            // it. Without frames, every wait the tracker saw may.
            let only_locks = (entry.traced || waits.len() == waiting.len())
                && !entry.waits.is_empty()
                && entry
                    .waits
                    .iter()
                    .all(|wait| wait.for_a_lock() && !wait.in_select);
            match only {
                Only::Locks if !only_locks => continue,
                _ if waits.is_empty() => continue,
                _ => tasks.push((entry.who, waits)),
            }
        }
        tasks
    }
}

/// Which tasks a search for a cycle starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    /// Those that wait for locks and nothing else: a cycle of them is stuck.
    Locks,
    /// Those that wait for a lock, among other things.
    AnyLock,
}

/// What a set of tasks waits for: each lock a task waits for counts as
/// ending its wait only if every task that pins the lock is outside the set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// A task stays in the set if each of its waits is pinned by one in the
    /// set: it can't move until they do.
    EveryWait,
    /// A task stays if one of its waits is: it waits, in part, on the set.
    SomeWait,
}

/// The largest set of `tasks` in which each task's waits (every one, or
/// some, as `ends` says) are for locks held by tasks of the set, found by
/// striking out the rest.
fn cycle(tasks: &[(Actor, Vec<LockWait>)], ends: Ends) -> Vec<Actor> {
    let mut set: Vec<Actor> = tasks.iter().map(|(who, _)| *who).collect();
    loop {
        let pinned = |wait: &LockWait| {
            let pins = wait.holders.iter().filter_map(|holder| holder.pins());
            pins.into_iter().any(|actor| set.contains(&actor))
        };
        let free = tasks.iter().find(|(who, waits)| {
            let held = match ends {
                Ends::EveryWait => waits.iter().all(pinned),
                Ends::SomeWait => waits.iter().any(pinned),
            };
            set.contains(who) && !held
        });
        let Some((free, _)) = free else {
            return set;
        };
        set.retain(|who| who != free);
    }
}

/// A deadlock where tasks wait only for locks held by one of them; else a
/// cycle of lock waits some of whose tasks also wait for something else;
/// else a stall between two dumps; else, if locks are involved, that no
/// cycle runs through them.
fn verdict(
    entries: &[Entry],
    locks: &Locks<'_>,
    dump: &Dump,
    earlier: Option<&Dump>,
) -> Option<Verdict> {
    let only_locks = locks.lock_waits(entries, Only::Locks);
    let stuck = cycle(&only_locks, Ends::EveryWait);
    if !stuck.is_empty() {
        let through = through(&only_locks, &stuck);
        let Some(earlier) = earlier else {
            let seen = Seen::Once;
            return Some(Verdict::Deadlock {
                tasks: stuck,
                through,
                seen,
            });
        };
        if moved(&stuck, dump, earlier) {
            return Some(Verdict::Moved(stuck));
        }
        let seen = Seen::Twice;
        return Some(Verdict::Deadlock {
            tasks: stuck,
            through,
            seen,
        });
    }
    let some_locks = locks.lock_waits(entries, Only::AnyLock);
    let waiting = cycle(&some_locks, Ends::SomeWait);
    if !waiting.is_empty() {
        let through = through(&some_locks, &waiting);
        if let Some(doubt) = doubt(entries, &waiting) {
            return Some(Verdict::Cycle {
                tasks: waiting,
                through,
                doubt,
            });
        }
        return Some(Verdict::WayOut {
            tasks: waiting,
            through,
        });
    }
    let running: Vec<Actor> = entries
        .iter()
        .filter(|entry| {
            entry
                .facts
                .contains(&Fact::InOnePoll { through_both: true })
        })
        .map(|entry| entry.who)
        .collect();
    if !running.is_empty() {
        return Some(Verdict::NotYielding(running));
    }
    if let Some(earlier) = earlier
        && stalled(dump, earlier)
        && !shows_a_timer(entries)
    {
        return Some(match unseen_waker(entries, dump) {
            Some(quiet) => Verdict::Quiet(quiet),
            None => Verdict::Stalled,
        });
    }
    let involved = entries
        .iter()
        .flat_map(|entry| &entry.facts)
        .any(|fact| match fact {
            Fact::Holds { .. } | Fact::Parked { .. } => true,
            Fact::WaitsFor { holders, .. } => !holders.is_empty(),
            Fact::Sleeps { .. } | Fact::InOnePoll { .. } | Fact::Said(_) => false,
        });
    if !involved {
        return None;
    }
    match locks.unseen_in_chain(entries) {
        Some(cant_tell) => Some(cant_tell),
        None => Some(Verdict::NoCycle),
    }
}

/// Why a cycle of `set` may not be for good, if the run can't rule out
/// another wait: a task of it the dump took no frames of, or whose only
/// waits it shows are for locks, in a `select!`. (One that shows another
/// wait, a timeout, has a way out.)
fn doubt(entries: &[Entry], set: &[Actor]) -> Option<Doubt> {
    let members = entries.iter().filter(|entry| set.contains(&entry.who));
    for entry in members {
        if !entry.traced {
            return Some(Doubt::NoFrames(entry.who));
        }
        let waits = &entry.waits;
        if waits.iter().any(|wait| wait.in_select) && waits.iter().all(Wait::for_a_lock) {
            return Some(Doubt::Select(entry.who));
        }
    }
    None
}

/// What may still wake a task that the run can't count, if anything: a
/// thread outside the runtime that has woken a task, a task it has no
/// frames of, one that waits where a dump can't see, or in a leaf that
/// something besides the program's tasks can end; else a thread outside
/// the runtime that is alive.
fn unseen_waker(entries: &[Entry], dump: &Dump) -> Option<Quiet> {
    if !dump.records.heard {
        return Some(Quiet::Unheard);
    }
    if let Some(woken) = dump.wakers.from_outside
        && woken > 0
    {
        return Some(Quiet::FromOutside(woken));
    }
    let held_outside = |fact: &Fact| match fact {
        Fact::WaitsFor { holders, .. } => holders.iter().any(|holder| {
            matches!(
                holder,
                Holder::Guard(Actor::Elsewhere)
                    | Holder::Took(Actor::Elsewhere)
                    | Holder::Parked(Actor::Elsewhere)
                    | Holder::Handed(Actor::Elsewhere)
                    | Holder::Partly(Actor::Elsewhere)
            )
        }),
        _ => false,
    };
    if let Some(entry) = entries
        .iter()
        .find(|entry| entry.facts.iter().any(held_outside))
    {
        return Some(Quiet::HeldOutside(entry.who));
    }
    for entry in entries {
        if !entry.traced {
            return Some(Quiet::NoFrames);
        }
        if entry.waits.is_empty() {
            return Some(Quiet::Unseen(entry.who));
        }
        if let Some(wait) = entry.waits.iter().find(|wait| !wait.on_tasks_only()) {
            let leaf = wait.leaf.clone();
            return Some(Quiet::Leaf {
                who: entry.who,
                leaf,
            });
        }
    }
    match dump.wakers.threads {
        Some(0) => None,
        threads => Some(Quiet::Threads {
            counted: threads.is_some(),
        }),
    }
}

/// Whether the run follows a wait that ends in `leaf` to its end: a lock
/// (its holders are followed), a sleep, a timeout around either. A timeout
/// around a future that reaches no Tokio leaf shows only its own sleep,
/// so `timeout › sleep` counts only beside another wait of the task's under a
/// timeout (any one: each of those is judged on its own, and one the run
/// can't follow makes the whole "can't tell").
fn followed(leaf: &str, waits: &[Wait]) -> bool {
    let steps: Vec<&str> = leaf.split(" › ").collect();
    let known = |step: &&str| {
        ["timeout", "sleep"].contains(step)
            || step.starts_with("Mutex::")
            || step.starts_with("RwLock::")
    };
    if !steps.iter().all(known) {
        return false;
    }
    if leaf != "timeout › sleep" {
        return true;
    }
    waits
        .iter()
        .any(|wait| wait.leaf.starts_with("timeout › ") && wait.leaf != leaf)
}

/// Whether a future no one polls holds one of the locks the `set` waits for.
fn through(tasks: &[(Actor, Vec<LockWait>)], set: &[Actor]) -> Through {
    for (who, waits) in tasks {
        if !set.contains(who) {
            continue;
        }
        let holders = waits.iter().flat_map(|wait| &wait.holders);
        let mut parked = holders.filter(|holder| matches!(holder, Holder::Parked(_)));
        if parked.next().is_some() {
            return Through::ParkedFuture;
        }
    }
    Through::Guards
}

/// Whether any of `tasks` waits elsewhere in `dump` than in `earlier`, or is
/// in only one of them. Frames, not polls: a dump wakes every task it traces.
fn moved(tasks: &[Actor], dump: &Dump, earlier: &Dump) -> bool {
    tasks.iter().any(|&who| {
        let now = dump.waits_of(who);
        now.is_none() || now != earlier.waits_of(who)
    })
}

/// Whether task `id`, `task` in a later dump, was in the same poll when
/// `earlier` was taken: running then too, and no poll of it began since.
fn in_one_poll(id: u64, task: &TaskRecord, earlier: &Dump) -> bool {
    earlier
        .records
        .tasks
        .get(&id)
        .is_some_and(|before| before.running && before.polled == task.polled)
}

/// Whether nothing moved between two dumps, and nothing is left that could
/// wake a task: no timer, socket or busy blocking thread.
fn stalled(dump: &Dump, earlier: &Dump) -> bool {
    let wakers = dump.wakers;
    let quiet = wakers.timers == 0 && wakers.sockets == Some(0) && wakers.blocking == Some(0);
    let unchanged = dump.records.changed <= earlier.records.step;
    let same_frames = dump.main == earlier.main && dump.tasks == earlier.tasks;
    // A task in a poll at either dump was running then (`block_on`'s
    // future, which Tokio reports as a task too, is in one as it dumps).
    let ran = [dump, earlier].iter().any(|dump| {
        let mut tasks = dump.records.tasks.values();
        tasks.any(|task| task.kind == Spawn::Task && task.running)
    });
    quiet && unchanged && same_frames && !ran && !polled_between(dump, earlier)
}

/// Whether a task, or `main`, waits in a timer the dump shows: one the
/// tracker did not count (made before it heard anything, as a `timeout`
/// around the whole program is) still wakes it.
fn shows_a_timer(entries: &[Entry]) -> bool {
    const TIMERS: [&str; 2] = ["sleep", "Interval::tick"];
    entries.iter().flat_map(|entry| &entry.waits).any(|wait| {
        wait.leaf
            .split(" › ")
            .any(|step| TIMERS.iter().any(|timer| step.starts_with(timer)))
    })
}

/// Whether `main` was woken between two dumps, or a task polled more than
/// the once the earlier dump gives each (it wakes every task it traces): a
/// task that yields all the time waits at the same place in both.
fn polled_between(dump: &Dump, earlier: &Dump) -> bool {
    if dump.records.main_woken > earlier.records.step {
        return true;
    }
    // Tasks the dump saw: `block_on`'s future, which Tokio reports as a
    // task too, is what polls `main`.
    dump.tasks.iter().any(|(id, _)| {
        let polls = |records: &Records| records.tasks.get(id).map_or(0, |task| task.polls);
        polls(&dump.records) > polls(&earlier.records) + 1
    })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
