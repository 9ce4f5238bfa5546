//! A dump's tasks as a learner reads them: under each task, the tasks it
//! spawned (the spawn hook says so for certain). Neither a `JoinHandle` nor
//! a `Mutex` says who awaits or holds it, so a task is "awaited" only where
//! its spawner waits in a handle at a line naming the one the spawn bound,
//! and "holds" a lock only where the code shows a guard still in scope.

use std::fmt::Write as _;

use super::code::{self, Code, Held};
use super::{MAX_ENTRIES, Wait};

/// Which task a [`TaskDump`] is.
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
    fn name(self) -> String {
        match self {
            Who::Main => "main".to_owned(),
            Who::Task(number) => format!("#{number}"),
            Who::Unknown => "a task".to_owned(),
        }
    }
}

/// One task of a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDump {
    pub who: Who,
    /// What follows its number: `run()`, `line 44: tokio::spawn(...)`.
    pub place: String,
    /// The task whose poll spawned it, if the runner saw one.
    pub parent: Option<Who>,
    /// The line of the example's file that spawned it, if it was there, and
    /// that line's code.
    pub spawned_at: Option<(usize, String)>,
    /// One per Tokio leaf its poll reached; empty if it reached none.
    pub waits: Vec<Wait>,
}

/// What the tree says of one task besides its waits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Facts {
    /// `main at task_group.rs:88 in JoinHandle`.
    awaited_by: Vec<String>,
    /// The guards it holds, by the line of the file that took them.
    held: Vec<Held>,
    /// Its spawner is not in the dump: it has ended.
    orphan_of: Option<Who>,
    /// For a task that waits for a lock: the lock, and the tasks that hold
    /// one the same code took, in the same function.
    wanted: Option<(String, Vec<(Who, String)>)>,
}

/// The tasks of a dump as a tree, as text; `source` is the example's file,
/// if the runner has it. `notes` follow the tasks.
pub fn render(tasks: &[TaskDump], source: Option<&str>, notes: &[String]) -> String {
    let code = source.map(Code::new);
    let mut facts: Vec<Facts> = tasks
        .iter()
        .map(|task| facts(task, tasks, code.as_ref()))
        .collect();
    if let Some(code) = &code {
        for index in 0..tasks.len() {
            facts[index].wanted = wanted(index, tasks, &facts, code);
        }
    }
    let present = |who: Who| tasks.iter().any(|task| task.who == who);
    let roots: Vec<usize> = (0..tasks.len())
        .filter(|&index| {
            tasks[index]
                .parent
                .is_none_or(|parent| !present(parent) || parent == tasks[index].who)
        })
        .collect();
    let mut writer = Writer {
        tasks,
        facts: &facts,
        text: String::new(),
        shown: 0,
        hidden: 0,
    };
    writer.siblings(&roots, 0);
    if writer.hidden > 0 {
        let _ = writeln!(writer.text, "\n... and {} more tasks", writer.hidden);
    }
    let mut text = writer.text;
    if let Some(note) = lock_note(tasks, &facts, code.as_ref()) {
        let _ = writeln!(text, "\n{note}");
    }
    for note in notes {
        let _ = writeln!(text, "\n{note}");
    }
    text
}

struct Writer<'a> {
    tasks: &'a [TaskDump],
    facts: &'a [Facts],
    text: String,
    /// Entries written so far.
    shown: usize,
    /// Tasks left out once [`MAX_ENTRIES`] were written.
    hidden: usize,
}

impl Writer<'_> {
    fn children(&self, index: usize) -> Vec<usize> {
        let who = self.tasks[index].who;
        (0..self.tasks.len())
            .filter(|&child| child != index && self.tasks[child].parent == Some(who))
            .filter(|_| who != Who::Unknown)
            .collect()
    }

    /// Tasks that have one parent, in order; those spawned by one line
    /// that wait alike and spawned nothing themselves are one entry.
    fn siblings(&mut self, indices: &[usize], depth: usize) {
        let mut entries: Vec<Vec<usize>> = Vec::new();
        for &index in indices {
            let task = &self.tasks[index];
            let alike = |other: usize| {
                let other_task = &self.tasks[other];
                matches!(other_task.who, Who::Task(_))
                    && matches!(task.who, Who::Task(_))
                    && other_task.place == task.place
                    && other_task.waits == task.waits
                    && self.facts[other] == self.facts[index]
                    && self.children(other).is_empty()
                    && self.children(index).is_empty()
            };
            match entries.iter_mut().find(|entry| alike(entry[0])) {
                Some(entry) => entry.push(index),
                None => entries.push(vec![index]),
            }
        }
        for entry in entries {
            if self.shown >= MAX_ENTRIES {
                self.hidden += entry.iter().map(|&index| self.count(index)).sum::<usize>();
                continue;
            }
            self.shown += 1;
            self.entry(&entry, depth);
        }
    }

    /// A task and everything under it.
    fn count(&self, index: usize) -> usize {
        1 + self
            .children(index)
            .iter()
            .map(|&child| self.count(child))
            .sum::<usize>()
    }

    fn entry(&mut self, entry: &[usize], depth: usize) {
        let first = entry[0];
        let task = &self.tasks[first];
        let facts = &self.facts[first];
        let pad = "  ".repeat(depth);
        let label = match entry {
            [_] => format!("{} {}", task.who.name(), task.place),
            many => {
                let numbers: Vec<usize> = many
                    .iter()
                    .filter_map(|&index| match self.tasks[index].who {
                        Who::Task(number) => Some(number),
                        _ => None,
                    })
                    .collect();
                format!("{} {}", protocol::dump::numbers_label(&numbers), task.place)
            }
        };
        let _ = writeln!(self.text, "\n{pad}{label}");
        if let Some(parent) = facts.orphan_of {
            let _ = writeln!(
                self.text,
                "{pad}  spawned by {}, which has ended",
                parent.name()
            );
        }
        for awaiter in &facts.awaited_by {
            let _ = writeln!(self.text, "{pad}  awaited by {awaiter}");
        }
        if task.waits.is_empty() {
            let _ = writeln!(
                self.text,
                "{pad}  waits where a task dump can't see: in a JoinSet none of whose tasks has \
                 finished, in a future that is not Tokio's, or on nothing that will ever wake \
                 it (std::future::pending)"
            );
        }
        render_waits(&mut self.text, &task.waits, 0, depth + 1);
        for held in &facts.held {
            let file = task
                .waits
                .iter()
                .flat_map(|wait| &wait.frames)
                .find_map(|place| place.at.split_once(':').map(|(file, _)| file))
                .unwrap_or("line");
            let _ = writeln!(
                self.text,
                "{pad}  holds the lock it took at {file}:{}: {}",
                held.line, held.lock
            );
        }
        if let Some((lock, holders)) = &facts.wanted {
            for (holder, at) in holders {
                let _ = writeln!(
                    self.text,
                    "{pad}  waits for {lock}, which {} holds if both name the same lock \
                     (taken at {at})",
                    holder.name()
                );
            }
        }
        let children = self.children(first);
        self.siblings(&children, depth + 1);
    }
}

/// The waits that share their first `depth` frames, as a tree: each own
/// frame on a line, indented by its depth, and the leaf below the innermost.
fn render_waits(text: &mut String, waits: &[Wait], depth: usize, indent: usize) {
    let pad = "  ".repeat(indent);
    let mut leaves: Vec<&str> = Vec::new();
    let mut groups: Vec<(&super::Place, Vec<Wait>)> = Vec::new();
    for wait in waits {
        match wait.frames.get(depth) {
            None => {
                if !leaves.contains(&wait.leaf.as_str()) {
                    leaves.push(&wait.leaf);
                }
            }
            Some(frame) => match groups.iter_mut().find(|(place, _)| *place == frame) {
                Some((_, members)) => members.push(wait.clone()),
                None => groups.push((frame, vec![wait.clone()])),
            },
        }
    }
    for leaf in leaves {
        let _ = writeln!(text, "{pad}waits in {leaf}");
    }
    for (place, members) in groups {
        let _ = writeln!(text, "{pad}{} at {}", place.function, place.at);
        render_waits(text, &members, depth + 1, indent + 1);
    }
}

/// The line number of a place's `file:line`.
fn line_of(at: &str) -> Option<usize> {
    at.rsplit_once(':').and_then(|(_, line)| line.parse().ok())
}

fn is_lock(leaf: &str) -> bool {
    leaf.starts_with("Mutex::") || leaf.starts_with("RwLock::")
}

/// A leaf that waits for tasks to end.
fn awaits_tasks(leaf: &str) -> bool {
    let last = leaf.rsplit(" › ").next().unwrap_or(leaf);
    last == "JoinHandle"
        || last == "AbortOnDropHandle"
        || last.starts_with("JoinSet::")
        || last == "TaskTracker::wait"
}

fn facts(task: &TaskDump, tasks: &[TaskDump], code: Option<&Code<'_>>) -> Facts {
    let orphan_of = task
        .parent
        .filter(|parent| !tasks.iter().any(|other| other.who == *parent));
    let Some(code) = code else {
        return Facts {
            orphan_of,
            ..Facts::default()
        };
    };
    let mut awaited_by = Vec::new();
    if let (Some(parent), Some((spawn_line, spawn_code))) = (task.parent, &task.spawned_at) {
        let handles = handle_names(spawn_code);
        let waiter = tasks.iter().filter(|other| other.who == parent).take(1);
        for wait in waiter
            .flat_map(|waiter| &waiter.waits)
            .filter(|wait| awaits_tasks(&wait.leaf))
        {
            let Some((frame, line)) = wait
                .innermost()
                .and_then(|frame| Some((frame, line_of(&frame.at)?)))
            else {
                continue;
            };
            // The function, not an async block in it: handles are made in
            // the function and awaited in a block as often as not.
            let function = frame
                .function
                .strip_prefix("async block in ")
                .unwrap_or(&frame.function);
            let scope = code.scope(function, line);
            let same_function = scope.is_some() && code.scope(function, *spawn_line) == scope;
            let awaited_line = code.line(line).unwrap_or_default();
            let named = handles
                .iter()
                .any(|handle| code::names(awaited_line, handle));
            let awaiter = format!("{} at {} in {}", parent.name(), frame.at, wait.leaf);
            if same_function && named && !awaited_by.contains(&awaiter) {
                awaited_by.push(awaiter);
            }
        }
    }
    Facts {
        awaited_by,
        held: held(task, code),
        orphan_of,
        wanted: None,
    }
}

/// The names a spawning line gives what it spawned: the handle it binds
/// (`let handle = tokio::spawn(...)`) and the set, tracker or list it
/// spawns into (`tasks.spawn(...)`, `handles.push(tokio::spawn(...))`).
fn handle_names(spawn_code: &str) -> Vec<&str> {
    let mut names: Vec<&str> = code::bound_name(spawn_code)
        .filter(|name| *name != "_")
        .into_iter()
        .collect();
    for method in [".spawn(", ".spawn_local(", ".spawn_on(", ".push("] {
        for (at, _) in spawn_code.match_indices(method) {
            let before = &spawn_code[..at];
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |at| at + 1);
            let name = &before[start..];
            let is_path = before[..start].ends_with("::");
            if !name.is_empty() && !is_path && name != "tokio" && name != "task" {
                names.push(name);
            }
        }
    }
    names
}

/// The guards a task holds where it waits, from every own frame of every
/// wait: what an outer frame took is held while an inner one waits.
fn held(task: &TaskDump, code: &Code<'_>) -> Vec<Held> {
    let mut held: Vec<Held> = Vec::new();
    for wait in &task.waits {
        let innermost = wait.frames.len().saturating_sub(1);
        for (depth, frame) in wait.frames.iter().enumerate() {
            let Some(line) = line_of(&frame.at) else {
                continue;
            };
            let past_lock = depth < innermost || !is_lock(&wait.leaf);
            for guard in code.held(&frame.function, line, past_lock) {
                if !held.contains(&guard) {
                    held.push(guard);
                }
            }
        }
    }
    held
}

/// The lock task `index` waits for, and the other tasks holding a lock
/// that the same code in the same function took.
fn wanted(
    index: usize,
    tasks: &[TaskDump],
    facts: &[Facts],
    code: &Code<'_>,
) -> Option<(String, Vec<(Who, String)>)> {
    let wait = tasks[index].waits.iter().find(|wait| is_lock(&wait.leaf))?;
    let frame = wait.innermost()?;
    let line = line_of(&frame.at)?;
    let lock = code.taking(line)?;
    let scope = code.scope(&frame.function, line)?;
    let file = frame.at.split_once(':').map_or("", |(file, _)| file);
    let holders = tasks
        .iter()
        .zip(facts)
        .enumerate()
        .filter(|(other, _)| *other != index)
        .flat_map(|(_, (task, facts))| {
            facts
                .held
                .iter()
                .filter(|held| {
                    held.lock == lock && code.scope(&frame.function, held.line) == Some(scope)
                })
                .map(move |held| (task.who, format!("{file}:{}", held.line)))
        })
        .collect();
    Some((lock, holders))
}

/// When tasks each hold a lock and wait for one, what the dump can and
/// can't tell about it.
fn lock_note(tasks: &[TaskDump], facts: &[Facts], code: Option<&Code<'_>>) -> Option<String> {
    let code = code?;
    let mut stuck: Vec<(String, String)> = Vec::new();
    for (task, facts) in tasks.iter().zip(facts) {
        let only_locks = !task.waits.is_empty() && task.waits.iter().all(|w| is_lock(&w.leaf));
        if !only_locks || facts.held.is_empty() {
            continue;
        }
        let wanted: Vec<String> = task
            .waits
            .iter()
            .filter_map(|wait| {
                let line = line_of(&wait.innermost()?.at)?;
                Some(format!("{} at line {line}", code.taking(line)?))
            })
            .collect();
        let wanted = if wanted.is_empty() {
            "a lock".to_owned()
        } else {
            wanted.join(" and ")
        };
        let held: Vec<String> = facts
            .held
            .iter()
            .map(|held| format!("{} from line {}", held.lock, held.line))
            .collect();
        let name = task.who.name();
        stuck.push((
            name.clone(),
            format!(
                "  {name} holds {}, waits for {wanted}\n",
                held.join(" and ")
            ),
        ));
    }
    let (names, each): (Vec<String>, String) = stuck.into_iter().unzip();
    let [rest @ .., last] = &names[..] else {
        return None;
    };
    let (all, cycle) = match rest {
        [] => return None,
        [one] => (
            format!("{one} and {last}"),
            format!(
                "If {one} waits for the lock {last} holds and {last} for the one {one} holds, neither \
                 will ever move."
            ),
        ),
        _ => (
            format!("{} and {last}", rest.join(", ")),
            "If each waits for a lock another of them holds, none of them will ever move."
                .to_owned(),
        ),
    };
    Some(format!(
        "Maybe a deadlock: {all} each hold a lock and wait for a lock.\n{each}{cycle} The dump \
         can't tell which lock is which: Tokio's Mutex doesn't say who holds it, and one name \
         can be a different lock in each task. Read how each task was given its locks; tasks \
         that take locks in one order, everywhere, can't end up like this."
    ))
}
