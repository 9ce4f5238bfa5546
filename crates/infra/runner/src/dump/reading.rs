//! What the example's own file adds to a dump, each marked as read from the
//! code: the handle a task's spawner waits in for it, and the `.await` a
//! task waits at that leaves no frame in a dump. Neither a `JoinHandle` nor a
//! `JoinSet` says whose task it is, and a set none of whose tasks has
//! finished reaches no Tokio future, so only the code can say; it says so
//! only where its names leave one reading.

use task_dump::{Entry, Place, Wait};

use super::code::{self, Code};
use super::{Named, Who};

/// The tasks of a dump, as the recorder names them, with their entries, in
/// one order; and the example's file.
pub(super) struct Reading<'a> {
    pub(super) tasks: &'a [Named],
    pub(super) entries: &'a [Entry],
    pub(super) code: &'a Code<'a>,
    /// The file's name, as frames name it: `task_group.rs`.
    pub(super) file: &'a str,
}

impl Reading<'_> {
    /// The sentences said of task `index` before its facts: whose task
    /// spawned it, if that one has ended, and who awaits it.
    pub(super) fn said(&self, index: usize) -> Vec<String> {
        let task = &self.tasks[index];
        let mut said = Vec::new();
        if let Some(parent) = task.parent
            && !self.tasks.iter().any(|other| other.who == parent)
        {
            said.push(format!("spawned by {}, which has ended", parent.name()));
        }
        for awaiter in self.awaited_by(task) {
            said.push(format!("awaited by {awaiter} (read from the code)"));
        }
        said
    }

    /// Where task `task` is awaited: its spawner waits in a `JoinHandle`, a
    /// `JoinSet` or a `TaskTracker` at a line that names the handle or set
    /// the spawning line bound or spawned into, in the same function.
    fn awaited_by(&self, task: &Named) -> Vec<String> {
        let (Some(parent), Some((spawn_line, spawn_code))) = (task.parent, &task.spawned_at) else {
            return Vec::new();
        };
        let handles = handle_names(spawn_code);
        let Some(spawner) = self.tasks.iter().position(|other| other.who == parent) else {
            return Vec::new();
        };
        let mut awaited_by = Vec::new();
        for wait in &self.entries[spawner].waits {
            if !awaits_tasks(&wait.leaf) {
                continue;
            }
            let Some(frame) = wait.innermost() else {
                continue;
            };
            let Some(line) = line_of(&frame.at) else {
                continue;
            };
            // The function, not an async block in it: handles are made in
            // the function and awaited in a block as often as not.
            let function = frame
                .function
                .strip_prefix("async block in ")
                .unwrap_or(&frame.function);
            let scope = self.code.scope(function, line);
            let same_function = scope.is_some() && self.code.scope(function, *spawn_line) == scope;
            let awaited_line = self.code.line(line).unwrap_or_default();
            let named = handles
                .iter()
                .any(|handle| code::names(awaited_line, handle));
            let awaiter = format!("{} at {} in {}", parent.name(), frame.at, wait.leaf);
            if same_function && named && !awaited_by.contains(&awaiter) {
                awaited_by.push(awaiter);
            }
        }
        awaited_by
    }

    /// For task `index` with no waits, where its code shows it waits: the
    /// first `.await` after a spawn into a set, in the same `fn`, on that
    /// set; failing that, the one `.await` of its own body (`run` for main,
    /// the async block a spawn line opens) on futures that a dump can't
    /// reach. As a wait whose innermost frame says it was read from the code.
    pub(super) fn unseen(&self, index: usize) -> Option<Wait> {
        let task = &self.tasks[index];
        let unseen = self.in_set(task).or_else(|| self.unwoken(task))?;
        let place = Place {
            function: unseen.function,
            at: format!(
                "{}:{} (read from the code: {})",
                self.file, unseen.line, unseen.why
            ),
        };
        Some(Wait {
            frames: vec![place],
            leaf: unseen.awaited,
        })
    }

    /// The first `.await` on a set `task` spawned a task into, after the
    /// spawn, in the same `fn`.
    fn in_set(&self, task: &Named) -> Option<Unseen> {
        let children = self
            .tasks
            .iter()
            .filter(|child| child.parent == Some(task.who));
        for child in children {
            let Some((spawn, spawn_code)) = &child.spawned_at else {
                continue;
            };
            let Some(start) = self.code.fn_start(*spawn) else {
                continue;
            };
            let Some(function) = self.code.line(start).and_then(fn_name) else {
                continue;
            };
            for set in handle_names(spawn_code) {
                let body = (spawn + 1..).take_while(|&n| self.code.in_body(start, n));
                for line in body {
                    let chain = self.code.chain(line);
                    let Some(at) = chain.find(".await") else {
                        continue;
                    };
                    let before = &chain[..at];
                    if !code::names(before, set) {
                        continue;
                    }
                    let Some(from) = before.rfind(set) else {
                        continue;
                    };
                    return Some(Unseen {
                        function: function.to_owned(),
                        line,
                        awaited: before[from..].to_owned(),
                        why: "a wait in a JoinSet leaves no frame in a dump",
                    });
                }
            }
        }
        None
    }

    /// The `.await` of `task`'s own body, if it has only one, on what
    /// [`UNWOKEN`] names. With two or more (a `join!` or a `select!`
    /// counts), it may wait at another, in a call that itself waits where a
    /// dump can't see, and nothing is claimed.
    fn unwoken(&self, task: &Named) -> Option<Unseen> {
        let code = self.code;
        // The body's first line, and the async block it is, if it is one: an
        // `.await` in another async block inside it is another future's.
        let (start, block, function) = match (&task.who, &task.spawned_at) {
            (Who::Main, _) => (code.fn_named("run")?, None, "run".to_owned()),
            (_, Some((spawn, spawn_code))) if spawn_code.contains("async") => {
                let outer = fn_name(code.line(code.fn_start(*spawn)?)?)?;
                (*spawn, Some(*spawn), format!("async block in {outer}"))
            }
            _ => return None,
        };
        let mut waiting = Vec::new();
        for line in (start + 1..).take_while(|&n| code.in_body(start, n)) {
            let block_of_line = match code.scope("async block in ", line) {
                Some(at) if at >= start => Some(at),
                _ => None,
            };
            if block_of_line == block && suspension_points(code.line(line).unwrap_or_default()) > 0
            {
                waiting.push(line);
            }
        }
        let [line] = waiting[..] else {
            return None;
        };
        if suspension_points(code.line(line).unwrap_or_default()) > 1 {
            return None;
        }
        let chain = code.chain(line);
        let awaited = awaited(&chain[..chain.find(".await")?]);
        if !UNWOKEN.iter().any(|pattern| awaited.contains(pattern)) {
            return None;
        }
        Some(Unseen {
            function,
            line,
            awaited: awaited.to_owned(),
            why: "a wait on futures none of which has woken leaves no frame in a dump",
        })
    }
}

/// Where a task with no waits waits, read from the code.
struct Unseen {
    /// `run`, `async block in run`.
    function: String,
    line: usize,
    /// `set.join_next()`, `results.next()`.
    awaited: String,
    /// Why the dump shows no frame there.
    why: &'static str,
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

/// How many places a line may suspend at: `.await`s, `join!`s, `select!`s.
fn suspension_points(line: &str) -> usize {
    let points = [".await", "join!", "select!"];
    points.iter().map(|point| line.matches(point).count()).sum()
}

/// The line number of a place's `file:line`.
fn line_of(at: &str) -> Option<usize> {
    at.rsplit_once(':').and_then(|(_, line)| line.parse().ok())
}

/// A leaf that waits for tasks to end.
fn awaits_tasks(leaf: &str) -> bool {
    let last = leaf.rsplit(" › ").next().unwrap_or(leaf);
    last == "JoinHandle"
        || last == "AbortOnDropHandle"
        || last.starts_with("JoinSet::")
        || last == "TaskTracker::wait"
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
    let mut names = Vec::new();
    if let Some(bound) = code::bound_name(spawn_code)
        && bound != "_"
    {
        names.push(bound);
    }
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
