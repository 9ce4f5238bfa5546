//! A dump's tasks as a learner reads them: under each task, the tasks it
//! spawned (the spawn hook says so for certain). Neither a `JoinHandle` nor
//! a `Mutex` says who awaits or holds it, so a task is "awaited" only where
//! its spawner waits in a handle at a line naming the one the spawn bound,
//! and "holds" a lock only where the code shows a guard still in scope.

use std::fmt::Write as _;

use super::code::{self, Code, Held};
use super::{BEAT, MAX_ENTRIES, Place, Wait};

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
    /// For a task with no waits: where its code awaits what leaves no frame.
    unseen: Option<Unseen>,
    /// Its waits on a lock or a channel, with the tasks that can end them:
    /// `waits for b.balance.lock(), held by #2`.
    ties: Vec<String>,
}

/// Where a task with no waits waits, read from the code: a `JoinSet` it
/// spawned into, or the one `.await` of its body on futures that are polled
/// only once woken (a stream's `next()`, `join_all`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Unseen {
    /// `run`, `async block in run`.
    function: String,
    line: usize,
    /// `set.join_next()`, `results.next()`.
    awaited: String,
    /// Why the dump shows no frame there.
    why: &'static str,
}

/// The tasks of a dump as a tree, as text; `source` is the example's file,
/// by its name (`deadlock.rs`) and its text, if the runner has it. `notes` follow the tasks. `earlier`, for a dump
/// taken twice [`BEAT`] apart, is the first: a deadlock is named only if
/// none of its tasks moved in between.
pub fn render(
    tasks: &[TaskDump],
    source: Option<(&str, &str)>,
    notes: &[String],
    earlier: Option<&[TaskDump]>,
) -> String {
    let code = source.map(|(_, text)| Code::new(text));
    let (note, ties) = match &code {
        Some(code) => graph_note(tasks, code, earlier),
        None => (None, Vec::new()),
    };
    let mut facts: Vec<Facts> = tasks
        .iter()
        .map(|task| facts(task, tasks, code.as_ref()))
        .collect();
    // Said under each task as well as in the note: a timeline keeps a
    // task's entry, and so each wait says whom it waits for.
    for (facts, ties) in facts.iter_mut().zip(ties) {
        facts.ties = ties;
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
        // Only what the code says names the file, and only with the code.
        file: source.map_or("", |(file, _)| file),
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
    if let Some(note) = note {
        let _ = writeln!(text, "\n{note}");
    }
    for note in notes {
        let _ = writeln!(text, "\n{note}");
    }
    text
}

struct Writer<'a> {
    tasks: &'a [TaskDump],
    file: &'a str,
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
        let file = self.file;
        if let Some(Unseen {
            function,
            line,
            awaited,
            why,
        }) = &facts.unseen
        {
            let _ = writeln!(
                self.text,
                "{pad}  {function} at {file}:{line} (read from the code: {why})\n{pad}    \
                 waits in {awaited}"
            );
        } else if task.waits.is_empty() {
            let _ = writeln!(
                self.text,
                "{pad}  waits where a task dump can't see: in a JoinSet none of whose tasks has \
                 finished, in futures none of which has woken (FuturesUnordered, buffered), in \
                 a future that is not Tokio's, or on nothing that will ever wake it \
                 (std::future::pending)"
            );
        }
        render_waits(&mut self.text, &task.waits, 0, depth + 1);
        for held in &facts.held {
            let _ = writeln!(
                self.text,
                "{pad}  holds the lock it took at {file}:{}: {}",
                held.line, held.lock
            );
        }
        for tie in &facts.ties {
            let _ = writeln!(self.text, "{pad}  {tie}");
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
        held: held(task, code).into_iter().map(|(held, _)| held).collect(),
        orphan_of,
        unseen: unseen(task, tasks, code),
        // Filled in by `render`, from the graph of every task's waits.
        ties: Vec::new(),
    }
}

/// For a task with no waits, which a wait in a `JoinSet` leaves so: the
/// first `.await` after a spawn into a set, in the same `fn`, on that set.
/// Failing that, the one `.await` of the task's own body (`run` for main,
/// the async block a spawn line opens) on futures that a dump can't reach.
fn unseen(task: &TaskDump, tasks: &[TaskDump], code: &Code<'_>) -> Option<Unseen> {
    if !task.waits.is_empty() {
        return None;
    }
    let mut children = tasks.iter().filter(|child| child.parent == Some(task.who));
    let in_set = children.find_map(|child| {
        let (spawn, spawn_code) = child.spawned_at.as_ref()?;
        let start = code.fn_start(*spawn)?;
        let function = fn_name(code.line(start)?)?;
        handle_names(spawn_code).into_iter().find_map(|set| {
            (spawn + 1..)
                .take_while(|&n| code.in_body(start, n))
                .find_map(|n| {
                    let line = code.chain(n);
                    let before = &line[..line.find(".await")?];
                    let from = before.rfind(set).filter(|_| code::names(before, set))?;
                    Some(Unseen {
                        function: function.to_owned(),
                        line: n,
                        awaited: before[from..].to_owned(),
                        why: "a wait in a JoinSet leaves no frame in a dump",
                    })
                })
        })
    });
    in_set.or_else(|| unwoken(task, code))
}

/// What an `.await` awaits that polls only the futures woken since its last
/// poll, or none: a dump, which polls each task once, then reaches no Tokio
/// future in it and records no frame. A stream's `next()` of `buffered`,
/// `FuturesUnordered` and the like; `join_all` of many; `pending()`.
const UNWOKEN: [&str; 8] = [
    ".next()",
    ".try_next()",
    ".collect",
    ".try_collect",
    "join_all(",
    "select_all(",
    "select_ok(",
    "pending()",
];

/// For a task with no waits: the `.await` of its own body, if it has only
/// one, on what [`UNWOKEN`] names. With two or more (a `join!` or a
/// `select!` counts), it may wait at another, in a call that itself waits
/// where a dump can't see, and nothing is claimed.
fn unwoken(task: &TaskDump, code: &Code<'_>) -> Option<Unseen> {
    // The body's first line, and the async block it is, if it is one: an
    // `.await` in another async block inside it is another future's.
    let (start, block, function) = match (&task.who, &task.spawned_at) {
        (Who::Main, _) => {
            let start = code.fn_named("run")?;
            (start, None, "run".to_owned())
        }
        (_, Some((spawn, spawn_code))) if spawn_code.contains("async") => {
            let outer = fn_name(code.line(code.fn_start(*spawn)?)?)?;
            (*spawn, Some(*spawn), format!("async block in {outer}"))
        }
        _ => return None,
    };
    let own = |n: &usize| code.scope("async block in ", *n).filter(|&at| at >= start) == block;
    let points = |n: usize| {
        let line = code.line(n).unwrap_or_default();
        [".await", "join!", "select!"]
            .iter()
            .map(|point| line.matches(point).count())
            .sum::<usize>()
    };
    let body = (start + 1..).take_while(|&n| code.in_body(start, n));
    let mut waiting = body.filter(own).filter(|&n| points(n) > 0);
    let line = waiting.next()?;
    if points(line) > 1 || waiting.next().is_some() {
        return None;
    }
    let chain = code.chain(line);
    let awaited = awaited(&chain[..chain.find(".await")?]);
    UNWOKEN
        .iter()
        .any(|pattern| awaited.contains(pattern))
        .then(|| Unseen {
            function,
            line,
            awaited: awaited.to_owned(),
            why: "a wait on futures none of which has woken leaves no frame in a dump",
        })
}

/// The name of the `fn` a line declares: `run` in `pub async fn run() {`.
fn fn_name(line: &str) -> Option<&str> {
    let name = line.split("fn ").nth(1)?;
    Some(name.split(['(', '<']).next()?.trim())
}

/// The expression that `before` (code up to an `.await`) ends with:
/// `results.next()` in `while let Some(result) = results.next()`.
fn awaited(before: &str) -> &str {
    let mut depth = 0i32;
    for (at, c) in before.char_indices().rev() {
        match c {
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            ' ' | '=' | '(' | '[' | '!' | '&' | '{' if depth == 0 => return &before[at + 1..],
            _ => {}
        }
    }
    before
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
/// wait (what an outer frame took is held while an inner one waits), each
/// with what it locks as the spawner names it.
fn held(task: &TaskDump, code: &Code<'_>) -> Vec<(Held, Option<Named>)> {
    let mut held: Vec<(Held, Option<Named>)> = Vec::new();
    for wait in &task.waits {
        let innermost = wait.frames.len().saturating_sub(1);
        for (depth, frame) in wait.frames.iter().enumerate() {
            let Some(line) = line_of(&frame.at) else {
                continue;
            };
            let past_lock = depth < innermost || !is_lock(&wait.leaf);
            for guard in code.held(&frame.function, line, past_lock) {
                if !held.iter().any(|(known, _)| *known == guard) {
                    let named = resolve(code, task, &wait.frames[..=depth], &guard.lock);
                    held.push((guard, named));
                }
            }
        }
    }
    held
}

/// A lock or a channel as the code that made it names it: the expression
/// (`checking.balance`), the task whose call of the `fn` it lives in made
/// it, and the line that `fn` starts at.
type Named = (String, Who, usize);

/// `expr` (`from.balance.lock()`, `queue`), named in the innermost of
/// `frames` of `task`, followed out to where it was named: each parameter
/// replaced by what its caller passed, through the spawn to the spawner.
/// `None` where a caller can't be read or passes more than a name.
fn resolve(code: &Code<'_>, task: &TaskDump, frames: &[Place], expr: &str) -> Option<Named> {
    let mut expr = expr
        .strip_suffix("()")
        .map_or(expr, |e| e.rsplit_once('.').map_or(e, |(base, _)| base))
        .to_owned();
    for (depth, frame) in frames.iter().enumerate().rev() {
        let line = line_of(&frame.at)?;
        let root = expr.split(['.', '[']).next().unwrap_or_default().to_owned();
        let params = code.params(&frame.function, line);
        let scope = code.scope(&frame.function, line)?;
        let local =
            (scope + 1..line).any(|n| code::bound_name(&code.chain(n)) == Some(root.as_str()));
        let param = params
            .as_ref()
            .and_then(|params| params.iter().position(|p| *p == root));
        let Some(index) = param.filter(|_| !local) else {
            if local || params.is_some() {
                let scope = code.fn_start(line)?;
                return Some((expr, task.who, scope));
            }
            continue; // an async block: the names it uses are its function's
        };
        let caller = match depth.checked_sub(1) {
            Some(outer) => line_of(&frames[outer].at)?,
            None => task.spawned_at.as_ref()?.0,
        };
        let function = frame.function.rsplit("::").next()?;
        let call = code.call(caller);
        let passed = *code::arguments(&call, function)?.get(index)?;
        // `Arc::clone(&a)`, `&a` and `a.clone()` name `a`.
        let passed = passed
            .trim_start_matches("Arc::clone(")
            .trim_start_matches('&');
        let passed = passed.trim_start_matches("mut ").trim_end_matches(')');
        let passed = passed.strip_suffix(".clone(").unwrap_or(passed);
        let place = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
        if passed.is_empty() || !passed.chars().all(place) {
            return None;
        }
        expr = format!("{passed}{}", &expr[root.len()..]);
    }
    let spawned = task.spawned_at.as_ref()?.0;
    let scope = code.fn_start(spawned)?;
    Some((expr, task.parent?, scope))
}

/// Who waits for whom, as far as the code names the locks and channels:
/// each task that holds a lock or waits for one, or on a channel whose
/// sender the dump can place; then a deadlock where some of them wait only
/// for each other, and nothing else. Also, per task, its waits whose ends
/// the code names (see [`Facts::ties`]).
fn graph_note(
    tasks: &[TaskDump],
    code: &Code<'_>,
    earlier: Option<&[TaskDump]>,
) -> (Option<String>, Vec<Vec<String>>) {
    let held: Vec<_> = tasks.iter().map(|task| held(task, code)).collect();
    let names = |of: &[usize]| {
        let names: Vec<String> = of.iter().map(|&j| tasks[j].who.name()).collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    // Per task, per wait: the tasks that can end it.
    let mut graph: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut ties: Vec<Vec<String>> = Vec::new();
    // The locks waited for that no task holds, as the code names them.
    let (mut text, mut untied) = (String::new(), Vec::new());
    for (i, task) in tasks.iter().enumerate() {
        let held_here = held[i].iter();
        let mut words: Vec<String> = held_here
            .map(|(h, named)| format!("holds {} (line {})", shown(&h.lock, named), h.line))
            .collect();
        let (mut involved, mut waits, mut tied) = (!words.is_empty(), Vec::new(), Vec::new());
        for wait in &task.waits {
            let line = wait.innermost().and_then(|frame| line_of(&frame.at));
            let taking = line.and_then(|line| code.taking(line));
            let receiving = line.and_then(|line| code.receiving(line));
            let (said, ends) = if let Some(lock) = taking.filter(|_| is_lock(&wait.leaf)) {
                let named = resolve(code, task, &wait.frames, &lock);
                let holds = |j: &usize| {
                    named.is_some() && held[*j].iter().any(|(_, other)| *other == named)
                };
                let ends: Vec<usize> = (0..tasks.len()).filter(holds).collect();
                let lock = shown(&lock, &named);
                if ends.is_empty() {
                    untied.push((task.who, lock.clone(), named));
                }
                (format!("waits for {lock}"), ends)
            } else if let Some((receiver, (sender, ends))) = receiving
                .filter(|_| wait.leaf.contains("Receiver"))
                .and_then(|receiver| resolve(code, task, &wait.frames, &receiver))
                .and_then(|named| Some((named.0.clone(), senders(tasks, code, &named)?)))
            {
                (
                    format!("waits for a message on {receiver} from {sender}"),
                    ends,
                )
            } else {
                (format!("waits in {}", wait.leaf), Vec::new())
            };
            involved |= !said.starts_with("waits in");
            let said = match ends.as_slice() {
                [] => said,
                ends => format!("{said}, held by {}", names(ends)),
            };
            if !ends.is_empty() && !tied.contains(&said) {
                tied.push(said.clone());
            }
            if !words.contains(&said) {
                words.push(said);
            }
            waits.push(ends);
        }
        ties.push(tied);
        if involved {
            let _ = writeln!(text, "  {} {}", task.who.name(), words.join("; "));
        }
        graph.push(waits);
    }
    if text.is_empty() {
        return (None, ties);
    }
    // A task is stuck if every wait of its can end only by tasks that are
    // stuck: the largest such set, found by striking out the rest.
    let mut stuck: Vec<bool> = graph.iter().map(|waits| !waits.is_empty()).collect();
    while let Some(i) = (0..tasks.len()).find(|&i| {
        let free = |ends: &Vec<usize>| ends.is_empty() || ends.iter().any(|&j| !stuck[j]);
        stuck[i] && graph[i].iter().any(free)
    }) {
        stuck[i] = false;
    }
    let stuck: Vec<usize> = (0..tasks.len()).filter(|&i| stuck[i]).collect();
    let moved = earlier.map(|earlier| moved(&stuck, tasks, earlier));
    // A lock no task holds is a futurelock's only where no guard held
    // could be it: one the code names otherwise is not; one it can't name
    // might be, and so might any guard if the waited-for lock has no name.
    let all_held = || held.iter().flatten();
    let futurelock = untied.iter().find(|(_, _, named)| match named {
        Some(_) => all_held().all(|(_, other)| other.is_some() && other != named),
        None => all_held().next().is_none(),
    });
    let beat = protocol::dump::seconds(BEAT);
    let verdict = match (stuck.as_slice(), moved, futurelock) {
        ([], _, Some((who, lock, _))) => format!(
            "A futurelock, by the look of it: {} waits for {lock}, and no task holds it. \
             The lock went to a future that holds its place in the queue and is polled no \
             more (one a select! polls through `&mut`, say), unless a guard is kept where no \
             `let` shows it.",
            who.name()
        ),
        // A wait with no holder the code can name counts as free above:
        // a guard it can't name may hold that lock, and close a cycle.
        ([], _, None) if !untied.is_empty() => match &untied[0] {
            (who, lock, Some(_)) => format!(
                "No verdict: {} waits for {lock}, which no guard the code names holds; \
                 one it can't name may.",
                who.name()
            ),
            // Not a futurelock, so some task holds a guard: it may be this lock.
            (who, lock, None) => format!(
                "No verdict: {} waits for {lock}, and the dump can't follow that name to \
                 the lock it was made from, so it may be one held by {}.",
                who.name(),
                names(
                    &(0..tasks.len())
                        .filter(|&j| !held[j].is_empty())
                        .collect::<Vec<_>>()
                )
            ),
        },
        ([], _, None) => "No cycle of waits, so no deadlock.".to_owned(),
        (_, Some(true), _) => format!("No deadlock: tasks moved between two dumps {beat} apart."),
        (stuck, moved, _) => format!(
            "Deadlock: each of {} waits only for one of them, so none of them will ever move{}.",
            names(stuck),
            moved.map_or(String::new(), |_| format!(
                ", and none moved between two dumps {beat} apart"
            ))
        ),
    };
    let title = "Locks and channels, as the code names them where each task was spawned:";
    let note = format!("{title}\n{text}{verdict}").trim_end().to_owned();
    (Some(note), ties)
}

/// Whether any of the `stuck` tasks moved since the `earlier` dump: it is
/// not there, or waits elsewhere. Only they are judged: a task outside the
/// cycle (a ticker) moves without freeing it. Frames, not poll counts: a
/// dump wakes every task it traces, so each is polled between two dumps.
fn moved(stuck: &[usize], tasks: &[TaskDump], earlier: &[TaskDump]) -> bool {
    stuck.iter().any(|&i| {
        let now = &tasks[i];
        !earlier
            .iter()
            .any(|then| then.who == now.who && then.place == now.place && then.waits == now.waits)
    })
}

/// A lock (`from.balance.lock()`) as its spawner names it, where it can.
fn shown(lock: &str, named: &Option<Named>) -> String {
    match (named, lock.rsplit_once('.')) {
        (Some((expr, ..)), Some((_, method))) => format!("{expr}.{method}"),
        _ => lock.to_owned(),
    }
}

/// The sender of the channel `receiver` is on, and the tasks that hold it:
/// those its spawner passed it to, and the spawner itself if it passed none
/// or a clone.
fn senders(tasks: &[TaskDump], code: &Code<'_>, named: &Named) -> Option<(String, Vec<usize>)> {
    let (receiver, owner, scope) = named;
    let sender = code.sender_of(receiver, *scope)?;
    let (mut ends, mut kept) = (Vec::new(), true);
    for (j, task) in tasks.iter().enumerate() {
        let Some((spawn, _)) = task.spawned_at else {
            continue;
        };
        let call = code.call(spawn);
        let mine = task.parent == Some(*owner) && code.fn_start(spawn) == Some(*scope);
        if mine && code::names(&call, &sender) {
            ends.push(j);
            kept &= call.contains(&format!("{sender}.clone()"));
        }
    }
    if kept {
        ends.extend(tasks.iter().position(|task| task.who == *owner));
    }
    Some((sender, ends))
}
