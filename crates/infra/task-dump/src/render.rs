//! A report as text: the tree of tasks, each under the one that spawned it,
//! then the verdict and the notes.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::fold::{Place, Wait};
use crate::report::{
    Doubt, Entry, Fact, Holder, Quiet, Report, Seen, Through, Unseen, Verdict, inside_tokio,
};
use crate::tracker::Actor;
use crate::tracker::Guard;
use crate::{BEAT, seconds};

/// The most entries a report shows; a program with thousands of tasks gets
/// the first ones and a count of the rest.
pub const MAX_ENTRIES: usize = 24;

impl Report {
    /// The tree of tasks, each under the task that spawned it, then the
    /// verdict and the notes. Tasks spawned by one line that wait alike are
    /// one entry, labelled by `group` from their names.
    pub fn render(&self, group: &dyn Fn(&[&str]) -> String) -> String {
        let present = |who: Actor| self.entries.iter().any(|entry| entry.who == who);
        let mut roots = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            match entry.parent {
                Some(parent) if present(parent) && parent != entry.who => {}
                _ => roots.push(index),
            }
        }
        let mut tree = Tree::new(self, group);
        tree.siblings(&roots, 0);
        let mut text = tree.text;
        if tree.hidden > 0 {
            let _ = writeln!(text, "\n... and {} more tasks", tree.hidden);
        }
        if let Some(verdict) = &self.verdict {
            let _ = writeln!(text, "\n{}", self.verdict_text(verdict));
        }
        for note in &self.notes {
            let _ = writeln!(text, "\n{note}");
        }
        text
    }

    /// The lines of entry `index` below its label, as the text shows them
    /// but not indented: what the caller says of the task, where it waits,
    /// what the run shows of its locks and timers. For a caller that keeps
    /// each task's entry, such as a timeline.
    pub fn lines(&self, index: usize) -> Vec<String> {
        let Some(entry) = self.entries.get(index) else {
            return Vec::new();
        };
        self.body(entry).into_iter().map(|line| line.text).collect()
    }

    /// An entry's lines below its label.
    fn body(&self, entry: &Entry) -> Vec<BodyLine> {
        // What the caller says of the task comes first, then where it waits,
        // then what the run shows of its locks and timers.
        let (said, shown): (Vec<&Fact>, Vec<&Fact>) = entry
            .facts
            .iter()
            .partition(|fact| matches!(fact, Fact::Said(_)));
        let top = |text| BodyLine { depth: 0, text };
        let mut lines: Vec<BodyLine> = said
            .into_iter()
            .map(|fact| top(self.fact_text(fact)))
            .collect();
        // A task the dump took no frames of is as the tracker saw it: the
        // report's note says so once.
        if entry.waits.is_empty() && entry.traced {
            lines.push(top(UNSEEN.to_owned()));
        }
        render_waits(&mut lines, &entry.waits, 0);
        lines.extend(shown.into_iter().map(|fact| top(self.fact_text(fact))));
        lines
    }

    /// How other lines name a task.
    pub fn name(&self, who: Actor) -> String {
        match self.entries.iter().find(|entry| entry.who == who) {
            Some(entry) => entry.name.clone(),
            // Neither a task nor `main` as the tracker follows it: another
            // thread, or code around `main` on its thread.
            None if who == Actor::Elsewhere => {
                "code outside `main` and the tasks (another thread, or around `main`)".to_owned()
            }
            None => match self.unlisted.iter().find(|(unlisted, _)| *unlisted == who) {
                Some((_, name)) => name.clone(),
                None => "a task the dump did not see".to_owned(),
            },
        }
    }

    fn names(&self, tasks: &[Actor]) -> String {
        let names: Vec<String> = tasks.iter().map(|&who| self.name(who)).collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    fn fact_text(&self, fact: &Fact) -> String {
        match fact {
            Fact::Holds { lock, since, guard } => {
                let since = seconds(*since);
                match guard {
                    Guard::Borrowed => format!("holds {lock}, since {since}"),
                    Guard::Owned => format!(
                        "took {lock} at {since} as an owned guard, which it may have handed on"
                    ),
                    Guard::Either => format!(
                        "took {lock} at {since} without waiting, perhaps as an owned guard, \
                         which it may have handed on"
                    ),
                    Guard::OfStatic => format!(
                        "took {lock} at {since}, a lock a lazy initializer made (one in a \
                         `static`, say), whose guard it may have handed on"
                    ),
                    // A blocking job is no entry of the report.
                    Guard::BeforeSpawning(task) if !self.entries.iter().any(|e| e.who == *task) => {
                        format!(
                            "took {lock} at {since}, then started a blocking job, which may run \
                             a future it polled (with `block_on`) and hold the guard"
                        )
                    }
                    Guard::BeforeSpawning(task) => format!(
                        "took {lock} at {since}, then spawned {}, whose future may be one it \
                         polled and may hold the guard",
                        self.name(*task)
                    ),
                    // A guard the run lost track of is no one's fact.
                    Guard::Lost => format!("may hold {lock}"),
                }
            }
            Fact::Parked { lock, handed } => format!(
                "holds {lock} through a future of its own that was handed it at {} and that it \
                 has not polled since (one a `select!` polls through `&mut`, say)",
                seconds(*handed)
            ),
            Fact::WaitsFor { what, holders } => {
                let mut text = format!("waits for {what}");
                for holder in holders {
                    text.push_str(", ");
                    text.push_str(&self.holder_text(*holder));
                }
                text
            }
            Fact::Sleeps {
                made_at,
                made,
                ends,
            } => {
                let from = match made_at.as_deref() {
                    Some(place) if inside_tokio(place) => "from inside Tokio".to_owned(),
                    Some(place) => format!("from {place}"),
                    None => "from where Tokio doesn't say".to_owned(),
                };
                format!(
                    "its sleep {from}, made at {}, ends at {}",
                    seconds(*made),
                    seconds(*ends)
                )
            }
            Fact::InOnePoll { through_both: true } => format!(
                "in one poll through both dumps, {} apart: it computes, or blocks in a call that \
                 does not await",
                seconds(BEAT)
            ),
            Fact::InOnePoll {
                through_both: false,
            } => "in a poll when the dump was taken: computing, or blocked in a call that does \
                  not await"
                .to_owned(),
            Fact::Said(text) => text.clone(),
        }
    }

    fn holder_text(&self, holder: Holder) -> String {
        match holder {
            Holder::Guard(who) => format!("held by {}", self.name(who)),
            Holder::Took(who) => format!("taken by {}", self.name(who)),
            Holder::Parked(who) => {
                format!(
                    "held by a future of {} that it no longer polls",
                    self.name(who)
                )
            }
            Holder::Handed(who) => format!("just handed to {}", self.name(who)),
            Holder::Lost => "held by a reader the run lost track of".to_owned(),
            Holder::Partly(who) => {
                format!(
                    "partly taken by {}, which waits for the rest",
                    self.name(who)
                )
            }
        }
    }

    fn verdict_text(&self, verdict: &Verdict) -> String {
        let beat = seconds(BEAT);
        match verdict {
            Verdict::Deadlock {
                tasks,
                through,
                seen,
            } => {
                let seen = match seen {
                    Seen::Once => String::new(),
                    Seen::Twice => format!(", and none moved between two dumps {beat} apart"),
                };
                let names = self.names(tasks);
                match (tasks.as_slice(), through) {
                    // Only a cancel from outside (an abort, a dropped
                    // future) moves them: the run can't see who could.
                    ([_], Through::ParkedFuture) => format!(
                        "Futurelock: {names} waits only for a lock that a future of its own holds \
                         and is no longer polled, so it will not move again unless it is \
                         cancelled{seen}."
                    ),
                    ([_], Through::Guards) => format!(
                        "Deadlock: {names} waits only for a lock it holds itself, so it will not \
                         move again unless it is cancelled{seen}."
                    ),
                    (_, Through::ParkedFuture) => format!(
                        "Futurelock: {names} each wait only for locks that one of them holds, \
                         one through a future that is no longer polled, so none of them will \
                         move again unless one is cancelled{seen}."
                    ),
                    (_, Through::Guards) => format!(
                        "Deadlock: {names} each wait only for locks that one of them holds, so \
                         none of them will move again unless one is cancelled{seen}."
                    ),
                }
            }
            Verdict::WayOut { tasks, through } => {
                let names = self.names(tasks);
                let other = "something else (a timeout, another branch of a `select!` or a \
                             `join!`), which may end its wait first";
                match (tasks.as_slice(), through) {
                    ([_], Through::ParkedFuture) => format!(
                        "Futurelock, unless another wait ends it: {names} waits for a lock \
                         that a future of its own holds and no longer polls, and also for {other}."
                    ),
                    ([_], Through::Guards) => format!(
                        "Deadlock, unless another wait ends it: {names} waits for a lock it \
                         holds itself, and also for {other}."
                    ),
                    (_, Through::ParkedFuture) => format!(
                        "Futurelock, unless another wait ends it: {names} wait in a cycle, each \
                         for a lock that one of them holds, one through a future that is no \
                         longer polled; and one of them also waits for {other}."
                    ),
                    (_, Through::Guards) => format!(
                        "Deadlock, unless another wait ends it: {names} wait in a cycle, each \
                         for a lock that one of them holds; and one of them also waits for {other}."
                    ),
                }
            }
            Verdict::Moved(tasks) => format!(
                "No verdict: {} waited only for each other's locks, yet moved between two dumps \
                 {beat} apart.",
                self.names(tasks)
            ),
            Verdict::Ended => format!(
                "No verdict: `main` ended before a second dump, {beat} later, so the program \
                 was moving."
            ),
            Verdict::Stalled => format!(
                "Stuck: nothing moved between two dumps {beat} apart, and no timer, socket, \
                 blocking job or thread outside the runtime is left to wake a task."
            ),
            Verdict::NotYielding(tasks) => format!(
                "Not yielding: {} stayed in one poll through both dumps, {beat} apart, \
                 without yielding once in between: each \
                 computes, or blocks in a call that does not await (`std::thread::sleep`, a \
                 `std` lock, blocking I/O), which the run can't tell apart. Such a task holds \
                 the thread it runs on; unless it called `block_in_place`, no other task runs \
                 on its worker meanwhile.",
                self.names(tasks)
            ),
            Verdict::NoCycle => {
                "No cycle: no task waits, through the locks' holders, for itself.".to_owned()
            }
            Verdict::Cycle {
                tasks,
                through,
                doubt,
            } => {
                let names = self.names(tasks);
                let cycle = match (tasks.as_slice(), through) {
                    ([_], Through::ParkedFuture) => format!(
                        "{names} waits for a lock that a future of its own holds and no longer \
                         polls"
                    ),
                    ([_], Through::Guards) => format!("{names} waits for a lock it holds itself"),
                    (_, Through::ParkedFuture) => format!(
                        "{names} wait in a cycle, each for a lock that one of them holds, one \
                         through a future that is no longer polled"
                    ),
                    (_, Through::Guards) => {
                        format!("{names} wait in a cycle, each for a lock that one of them holds")
                    }
                };
                let why = match doubt {
                    Doubt::NoFrames(who) => format!(
                        "this report has no frames of {}, so whether it also waits for \
                         something else (a timeout, another branch of a `select!`) the run \
                         can't see",
                        self.name(*who)
                    ),
                    Doubt::Select(who) => format!(
                        "{} waits in a `select!` or a `join!`, whose other branches may wait \
                         on what leaves no frame in a dump (a `JoinSet`'s `join_next`, a \
                         `futures` oneshot) and then end its wait or let its guard go",
                        self.name(*who)
                    ),
                };
                format!("Can't tell whether it is for good: {cycle}; but {why}.")
            }
            Verdict::Quiet(quiet) => {
                let why = match quiet {
                    Quiet::Unheard => "Tokio reported nothing to the tracker, so it counted no \
                                       timer, and one may still be pending"
                        .to_owned(),
                    Quiet::NoFrames => "this report has no frames of some of them, so whether \
                                        one waits on a socket or a signal the run can't see"
                        .to_owned(),
                    Quiet::Unseen(who) => format!(
                        "{} waits where a task dump can't see (a socket leaves no frame there, \
                         nor a future that is not Tokio's), which something besides the \
                         program's tasks may end",
                        self.name(*who)
                    ),
                    Quiet::Leaf { who, leaf } => format!(
                        "{} waits in {leaf}, which something besides the program's tasks (a \
                         signal, a peer, another process) may end",
                        self.name(*who)
                    ),
                    Quiet::HeldOutside(who) => format!(
                        "{} waits for a lock held by code outside `main` and the tasks \
                         (another thread, or around `main`), which the run can't follow",
                        self.name(*who)
                    ),
                    Quiet::Threads { counted: true } => "threads outside the runtime are \
                        alive (a `std::thread`, another runtime's, a library's), and one may wake \
                        a task"
                        .to_owned(),
                    Quiet::Threads { counted: false } => "the run can't count the threads \
                        outside the runtime (a `std::thread`, another runtime's, a library's), \
                        and one may wake a task"
                        .to_owned(),
                    Quiet::FromOutside(woken) => format!(
                        "a thread that is not one of the runtime's workers (a `std::thread`, a \
                         blocking job's, or on the multi-thread runtime `main`'s own) spawned or \
                         woke a task, or woke `main`, {} during the run, and may again",
                        match woken {
                            1 => "once".to_owned(),
                            n => format!("{n} times"),
                        }
                    ),
                };
                format!(
                    "Can't tell whether it is stuck: nothing moved between two dumps {beat} \
                     apart, but {why}."
                )
            }
            Verdict::CantTell {
                who,
                waited_by,
                unseen,
            } => self.cant_tell(*who, *waited_by, unseen),
        }
    }

    /// The verdict that can't rule a cycle out, and why, in one line.
    fn cant_tell(&self, who: Actor, waited_by: Option<Actor>, unseen: &Unseen) -> String {
        let who = match waited_by {
            Some(waiter) => format!(
                "{}, which holds a lock {} waits for,",
                self.name(who),
                self.name(waiter)
            ),
            None => self.name(who),
        };
        let why = match unseen {
            Unseen::Holder { lock, holder } => {
                let holder = self.holder_text(*holder);
                format!("waits for {lock}, {holder}, and who has that guard now the run can't tell")
            }
            Unseen::Resource(what) => {
                format!("waits for {what}, and Tokio doesn't say who could end that wait")
            }
            Unseen::Leaf(leaf) => {
                format!("waits in {leaf}, and Tokio doesn't say who could end that wait")
            }
            Unseen::Nowhere => "waits where a task dump can't see".to_owned(),
            Unseen::Job => "may wait in turn, and this report does not follow a blocking job's \
                            waits to the locks' holders"
                .to_owned(),
            Unseen::NoFrames => {
                "waits where this report can't see: the dump took no frames of it".to_owned()
            }
        };
        format!("Can't tell whether there is a cycle: {who} {why}.")
    }
}

struct Tree<'a> {
    report: &'a Report,
    /// Each entry's children, by who spawned them: a report of thousands
    /// of tasks asks for each one's.
    children: HashMap<Actor, Vec<usize>>,
    group: &'a dyn Fn(&[&str]) -> String,
    text: String,
    /// Entries written so far.
    shown: usize,
    /// Tasks left out once [`MAX_ENTRIES`] were written.
    hidden: usize,
}

impl<'a> Tree<'a> {
    fn new(report: &'a Report, group: &'a dyn Fn(&[&str]) -> String) -> Self {
        let mut children: HashMap<Actor, Vec<usize>> = HashMap::new();
        for (index, entry) in report.entries.iter().enumerate() {
            if let Some(parent) = entry.parent {
                children.entry(parent).or_default().push(index);
            }
        }
        Tree {
            report,
            children,
            group,
            text: String::new(),
            shown: 0,
            hidden: 0,
        }
    }

    fn children(&self, index: usize) -> Vec<usize> {
        let who = self.report.entries[index].who;
        let children = self.children.get(&who).map_or(&[][..], Vec::as_slice);
        children
            .iter()
            .copied()
            .filter(|&child| child != index)
            .collect()
    }

    /// Entries that have one parent, in order; those spawned by one line
    /// that wait alike and spawned nothing themselves are one entry.
    fn siblings(&mut self, indices: &[usize], depth: usize) {
        let report = self.report;
        let mut groups: Vec<Vec<usize>> = Vec::new();
        // Each group of tasks alike, by what they share: found at once.
        let mut alike: HashMap<(&str, &[Wait], &[Fact]), usize> = HashMap::new();
        for &index in indices {
            let entry = &report.entries[index];
            if matches!(entry.who, Actor::Task(_)) && self.children(index).is_empty() {
                let key = (entry.label.as_str(), &entry.waits[..], &entry.facts[..]);
                if let Some(&group) = alike.get(&key) {
                    groups[group].push(index);
                    continue;
                }
                alike.insert(key, groups.len());
            }
            groups.push(vec![index]);
        }
        for group in groups {
            if self.shown >= MAX_ENTRIES {
                self.hidden += group.iter().map(|&index| self.count(index)).sum::<usize>();
                continue;
            }
            self.shown += 1;
            self.entry(&group, depth);
        }
    }

    /// An entry and every entry under it.
    fn count(&self, index: usize) -> usize {
        let children = self.children(index);
        1 + children
            .iter()
            .map(|&child| self.count(child))
            .sum::<usize>()
    }

    fn entry(&mut self, group: &[usize], depth: usize) {
        let entry = &self.report.entries[group[0]];
        let pad = "  ".repeat(depth);
        let name = match group {
            [_] => entry.name.clone(),
            many => {
                let names: Vec<&str> = many
                    .iter()
                    .map(|&index| self.report.entries[index].name.as_str())
                    .collect();
                (self.group)(&names)
            }
        };
        let _ = writeln!(self.text, "\n{pad}{name} {}", entry.label);
        for line in self.report.body(entry) {
            let indent = "  ".repeat(line.depth + 1);
            let _ = writeln!(self.text, "{pad}{indent}{}", line.text);
        }
        let children = self.children(group[0]);
        self.siblings(&children, depth + 1);
    }
}

/// What a task with no waits is said to wait in.
const UNSEEN: &str = "waits where a task dump can't see: in a listener's accept or a \
                      UdpSocket's recv, in a JoinSet none of whose tasks has finished, in futures none of which has woken (FuturesUnordered, \
                      buffered), in a future that is not Tokio's, or on nothing that will ever \
                      wake it (std::future::pending)";

/// A line of an entry below its label.
struct BodyLine {
    /// Its depth in the entry: a frame's below the one that calls it.
    depth: usize,
    text: String,
}

/// The waits that share their first `depth` frames, as a tree: each own
/// frame on a line, indented by its depth, and the leaf below the innermost.
fn render_waits(lines: &mut Vec<BodyLine>, waits: &[Wait], depth: usize) {
    let mut leaves: Vec<&str> = Vec::new();
    let mut groups: Vec<(&Place, Vec<Wait>)> = Vec::new();
    for wait in waits {
        let Some(frame) = wait.frames.get(depth) else {
            if !leaves.contains(&wait.leaf.as_str()) {
                leaves.push(&wait.leaf);
            }
            continue;
        };
        match groups.iter_mut().find(|(place, _)| *place == frame) {
            Some((_, members)) => members.push(wait.clone()),
            None => groups.push((frame, vec![wait.clone()])),
        }
    }
    for leaf in leaves {
        lines.push(BodyLine {
            depth,
            text: format!("waits in {leaf}"),
        });
    }
    for (place, members) in groups {
        lines.push(BodyLine {
            depth,
            text: format!("{} at {}", place.function, place.at),
        });
        render_waits(lines, &members, depth + 1);
    }
}

/// `task 3, task 4 and task 5 (3 tasks)`: the label of an entry that
/// stands for several tasks.
pub fn names_label(names: &[&str]) -> String {
    let count = names.len();
    match names.split_last() {
        _ if count > 4 => format!("{}, ... ({count} tasks)", names[..3].join(", ")),
        Some((last, rest)) => format!("{} and {last} ({count} tasks)", rest.join(", ")),
        None => String::new(),
    }
}
