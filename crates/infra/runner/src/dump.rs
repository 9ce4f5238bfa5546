//! `--dump-at`'s and `--timeout`'s text: the `task-dump` crate's report of
//! where each task waits, who holds what and whether some are stuck for good
//! (all from the run), with each task named as the timeline names it (`#3`,
//! by the line that spawned it), and two things read from the example's own
//! file, and marked so: the handle a task's spawner awaits it by, and where
//! a task waits that leaves no frame in a dump.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use task_dump::{Actor, Entry, Fact, Files, Own, Report, Taken, TaskDumps, Tracker};

mod code;
mod reading;

pub use task_dump::{AVAILABLE, BEAT, Frame, Place, Wait};

/// Why [`AVAILABLE`] is false, in one sentence, for this workspace.
pub const UNAVAILABLE: &str = "task dumps need Tokio's `Handle::dump`, which exists only \
    under `--cfg tokio_unstable` (the workspace sets it in .cargo/config.toml; a RUSTFLAGS \
    of your own replaces that) and only on Linux x86, x86_64, aarch64 and s390x";

/// Which frames are the example's own: those in one source file.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The file, as the compiler saw it or just its name: frames whose file
    /// ends with it (or that it ends with) are own frames.
    pub path: &'a str,
    /// The module the file is, such as `deadlock`; names are shown from
    /// after it (`deadlock::Bank::transfer` shows as `Bank::transfer`).
    pub module: &'a str,
}

impl<'a> Source<'a> {
    pub(crate) fn own(self) -> Own<'a> {
        Own {
            files: Files::One(self.path),
            module: self.module,
        }
    }
}

/// A dumper of the example's tasks that knows the runner's own threads,
/// which wake none of them.
pub(crate) fn task_dumps(tracker: Tracker, source: Source<'_>) -> TaskDumps<'_> {
    let mut dumps = TaskDumps::new(tracker, source.own());
    dumps.own_threads(&[
        crate::line_instants::THREAD,
        crate::watch::WATCHDOG_THREAD,
        crate::watch::SAYING_THREAD,
    ]);
    dumps
}

/// Folds one backtrace, given outermost frame first, into a [`Wait`].
pub fn fold(frames: &[Frame], source: Source<'_>) -> Wait {
    task_dump::fold(frames, source.own())
}

/// What a dump saw, with its backtraces resolved, each outermost frame first.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The backtraces of the future passed to [`snapshot`].
    pub main: Vec<Vec<Frame>>,
    /// Each task's backtraces, by its Tokio id, in no particular order.
    pub tasks: Vec<(u64, Vec<Vec<Frame>>)>,
    /// Why the tasks are missing, if they are.
    pub incomplete: Option<String>,
}

/// Tokio's dump of `main` and every task of the current runtime, waited
/// for `patience` at most, for a caller that reads the frames itself (the
/// exercise checker). `main`'s output if it finished meanwhile.
pub async fn snapshot<F: Future + ?Sized>(
    main: Pin<&mut F>,
    patience: Duration,
) -> (Option<F::Output>, Snapshot) {
    let mut dumps = TaskDumps::new(
        Tracker::default(),
        Source {
            path: "",
            module: "",
        }
        .own(),
    );
    let taken = tokio::time::timeout(patience, dumps.backtraces(main)).await;
    match taken {
        Ok(Taken::Finished(output)) => (Some(output), Snapshot::default()),
        Ok(Taken::Dump(backtraces)) => {
            let incomplete = backtraces.untraced.or(backtraces.notes.into_iter().next());
            let snapshot = Snapshot {
                main: backtraces.main,
                tasks: backtraces.tasks,
                incomplete,
            };
            (None, snapshot)
        }
        Err(_) => {
            let why = format!("no dump within {}", task_dump::seconds(patience));
            let incomplete = Some(why);
            let snapshot = Snapshot {
                incomplete,
                ..Snapshot::default()
            };
            (None, snapshot)
        }
    }
}

/// Which task an entry is, as the timeline numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    /// The one running `run()`.
    Main,
    /// A spawned task, by its number on the timeline.
    Task(usize),
    /// A task whose spawn the runner did not see.
    Unknown,
}

impl Who {
    pub(crate) fn name(self) -> String {
        match self {
            Who::Main => "main".to_owned(),
            Who::Task(number) => format!("#{number}"),
            Who::Unknown => "a task".to_owned(),
        }
    }
}

/// A task as the recorder knows it: its number, what its entry says after
/// it, who spawned it, and the line of the example that did, with its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) who: Who,
    /// `run()`, `line 44: tokio::spawn(...)`.
    pub(crate) place: String,
    pub(crate) parent: Option<Who>,
    pub(crate) spawned_at: Option<SpawnLine>,
}

/// The line of the example that spawned a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SpawnLine {
    /// From 1.
    pub(crate) line: usize,
    /// Its code, trimmed: `let side = tokio::spawn(async move {`.
    pub(crate) code: String,
}

/// The recorder's names for a dump's tasks, by Tokio id, and the tasks the
/// runner leaves out (the local HTTP server's).
pub(crate) struct Names {
    pub(crate) tasks: HashMap<u64, Named>,
    pub(crate) hidden: HashSet<u64>,
}

/// The example's file, as [`text`] reads it for what a dump can't show.
#[derive(Clone, Copy)]
pub(crate) struct SourceFile<'a> {
    /// Its file name, as its frames in a dump name it.
    pub(crate) name: &'a str,
    pub(crate) text: &'a str,
}

/// A report as the runner shows it: each task named `#N` as on the
/// timeline, under the task that spawned it, with what the example's file
/// says of who awaits it and of a wait the dump can't see.
pub(crate) fn text(report: Report, names: &Names, source: SourceFile<'_>) -> String {
    shown(report, names, source).text
}

/// A report as the runner shows it ([`text`]), and each task's entry.
pub(crate) struct Shown {
    pub(crate) text: String,
    /// Each task of the report, its lines below its entry's label: those of
    /// an entry that stands for several tasks, and of tasks past the last
    /// entry the text has room for, too.
    pub(crate) entries: Vec<EntryLines>,
}

/// A task's lines below its entry's label.
pub(crate) struct EntryLines {
    pub(crate) who: Who,
    pub(crate) lines: Vec<String>,
}

/// A task's lines below its entry's label, by the index of its row on the
/// timeline.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RowLines {
    pub(crate) row: usize,
    pub(crate) lines: Vec<String>,
}

impl Shown {
    /// Each entry's lines by the index of its task's row, given `order`,
    /// the row of each timeline number (main's, 0, first).
    pub(crate) fn by_row(self, order: &[usize]) -> Vec<RowLines> {
        let row = |who| match who {
            Who::Main => order.first().copied(),
            Who::Task(number) => order.get(number).copied(),
            Who::Unknown => None,
        };
        let entries = self.entries.into_iter();
        entries
            .filter_map(|EntryLines { who, lines }| {
                Some(RowLines {
                    row: row(who)?,
                    lines,
                })
            })
            .collect()
    }
}

/// [`text`], with each task's entry.
pub(crate) fn shown(mut report: Report, names: &Names, source: SourceFile<'_>) -> Shown {
    let mut tasks: Vec<(Entry, Named)> = Vec::new();
    for entry in report.entries {
        if let Actor::Task(id) = entry.who
            && names.hidden.contains(&id)
        {
            continue;
        }
        let named = named(&entry, names);
        tasks.push((entry, named));
    }
    tasks.sort_by_key(|(_, named)| named.who);
    let (entries, named): (Vec<Entry>, Vec<Named>) = tasks.into_iter().unzip();
    let code = code::Code::new(source.text);
    let read = reading::Reading {
        tasks: &named,
        entries: &entries,
        code: &code,
        file: source.name,
    };
    let by_who: HashMap<Who, Actor> = named
        .iter()
        .map(|n| n.who)
        .zip(entries.iter().map(|e| e.who))
        .collect();
    let mut shown = Vec::new();
    for (index, (mut entry, task)) in entries.iter().cloned().zip(&named).enumerate() {
        let mut facts: Vec<Fact> = read.said(index).into_iter().map(Fact::Said).collect();
        facts.append(&mut entry.facts);
        if entry.waits.is_empty() && entry.traced {
            entry.waits.extend(read.unseen(index));
        }
        entry.facts = facts;
        entry.name = task.who.name();
        entry.label = task.place.clone();
        // A task spawned by one that has ended is a root, which `said` names.
        entry.parent = task.parent.and_then(|parent| by_who.get(&parent).copied());
        shown.push(entry);
    }
    report.entries = shown;
    let entries = named
        .iter()
        .enumerate()
        .map(|(index, task)| EntryLines {
            who: task.who,
            lines: report.lines(index),
        })
        .collect();
    Shown {
        text: report.render(&numbers_label),
        entries,
    }
}

/// The recorder's name for an entry's task.
fn named(entry: &Entry, names: &Names) -> Named {
    let unseen = |place: &str| Named {
        who: Who::Unknown,
        place: place.to_owned(),
        parent: None,
        spawned_at: None,
    };
    match entry.who {
        Actor::Main => Named {
            who: Who::Main,
            place: "run()".to_owned(),
            parent: None,
            spawned_at: None,
        },
        Actor::Task(id) => match names.tasks.get(&id) {
            Some(named) => named.clone(),
            None => unseen("the runner did not see spawned"),
        },
        Actor::Elsewhere => unseen("outside the runtime"),
    }
}

/// `#3 to #100 (98 tasks)`: the label of an entry that stands for tasks
/// the timeline numbers.
fn numbers_label(names: &[&str]) -> String {
    let numbers: Option<Vec<usize>> = names
        .iter()
        .map(|name| name.strip_prefix('#')?.parse().ok())
        .collect();
    match numbers {
        Some(numbers) => protocol::dump::numbers_label(&numbers),
        None => task_dump::names_label(names),
    }
}

#[cfg(test)]
mod tests;
