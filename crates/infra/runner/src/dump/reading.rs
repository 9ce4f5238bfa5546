//! What the example's own file adds to a dump, each marked as read from the
//! code: the handle a task's spawner waits in for it, and the `.await` a
//! task waits at that leaves no frame in a dump. Neither a `JoinHandle` nor a
//! `JoinSet` says whose task it is, and a set none of whose tasks has
//! finished reaches no Tokio future, so only the code can say; it says so
//! only where its names leave one reading.

use task_dump::{Entry, Place, Wait};

use super::code::{Code, JOIN_NEXT, SiteKind, only};
use super::{Named, SpawnLine, Who};

/// The tasks of a dump, as the recorder names them, with their entries, in
/// one order; and the example's file.
pub(super) struct Reading<'a> {
    pub(super) tasks: &'a [Named],
    pub(super) entries: &'a [Entry],
    pub(super) code: &'a Code,
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
    /// `JoinSet` or a `TaskTracker` (the run shows it) at a suspension point
    /// whose code names the handle the spawning line bound, or the set it
    /// spawned into, as bound by the same `let` (the code shows it). A handle
    /// that a `let` in a loop binds anew each turn holds the newest task of
    /// its line only, so an older one is not said to be awaited.
    fn awaited_by(&self, task: &Named) -> Vec<String> {
        let (
            Some(parent),
            Some(SpawnLine {
                line: spawn_line, ..
            }),
        ) = (task.parent, &task.spawned_at)
        else {
            return Vec::new();
        };
        let spawn_line = *spawn_line;
        let code = self.code;
        let newest = !code.in_loop(spawn_line)
            || !self.tasks.iter().any(|other| {
                other.parent == task.parent
                    && other.spawned_at.as_ref().map(|spawned| spawned.line) == Some(spawn_line)
                    && other.who > task.who
            });
        let into = code.spawned_into(spawn_line);
        let mut handles: Vec<&str> = into.map(|spawn| spawn.set.as_str()).collect();
        if newest {
            handles.extend(code.bound_at(spawn_line));
        }
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
            let function = code.fn_around(line);
            if function.is_none() || code.fn_around(spawn_line) != function {
                continue;
            }
            let Some(site) = code.site_at(line) else {
                continue;
            };
            // The same binding at the spawn and at the wait: not one that
            // shadows it in between.
            let named = handles.iter().any(|handle| {
                let seen = code.binding_of(handle, line);
                site.names(handle) && seen.is_some() && seen == code.binding_for(handle, spawn_line)
            });
            let awaiter = format!("{} at {} in {}", parent.name(), frame.at, wait.leaf);
            if named && !awaited_by.contains(&awaiter) {
                awaited_by.push(awaiter);
            }
        }
        awaited_by
    }

    /// For task `index` with no waits, where its code shows it waits: the
    /// one place its code may suspend after it spawned into a set, if that
    /// place awaits the set; failing that, the one place its own body (`run`
    /// for main, the async block a spawn line opens) may suspend at, and down
    /// through the calls to the file's own `fn`s that place awaits, each of
    /// which may suspend at one place only. As a wait whose frames say they
    /// were read from the code.
    pub(super) fn unseen(&self, index: usize) -> Option<Wait> {
        let task = &self.tasks[index];
        let unseen = self.in_set(task).or_else(|| self.only_await(task))?;
        let last = unseen.frames.len().checked_sub(1)?;
        let frames = unseen.frames.into_iter().enumerate().map(|(at, frame)| {
            let why = if at == last {
                format!("read from the code: {}", unseen.why)
            } else {
                "read from the code".to_owned()
            };
            Place {
                function: frame.function,
                at: format!("{}:{} ({why})", self.file, frame.line),
            }
        });
        Some(Wait {
            frames: frames.collect(),
            leaf: unseen.awaited,
            in_select: false,
        })
    }

    /// The one place `task`'s code may suspend at after it spawned a task
    /// into a set, and before a wait that returns only once the set is
    /// empty (the task is alive), if that place is an `.await` on the set.
    fn in_set(&self, task: &Named) -> Option<Unseen> {
        let code = self.code;
        let children = self
            .tasks
            .iter()
            .filter(|child| child.parent == Some(task.who));
        for child in children {
            let Some(SpawnLine { line: spawn, .. }) = child.spawned_at else {
                continue;
            };
            for into in code.spawned_into(spawn) {
                let (set, Some(body)) = (into.set.as_str(), into.body) else {
                    continue;
                };
                let Some(function) = code.name(body) else {
                    continue;
                };
                // While the child is alive, the set is not empty: the code
                // is not past a wait that returns only then.
                let drained = code.drained(body, set, spawn).unwrap_or(usize::MAX);
                let mut sites = code.sites_after(body, spawn);
                sites.retain(|site| site.lines.first <= drained);
                let [site] = sites[..] else {
                    continue;
                };
                let seen = code.binding_of(set, site.lines.first);
                let same_set = seen.is_some() && seen == code.binding_for(set, spawn);
                if site.kind == SiteKind::Await && site.receiver.as_deref() == Some(set) && same_set
                {
                    return Some(Unseen {
                        frames: vec![UnseenFrame {
                            function,
                            line: site.lines.first,
                        }],
                        awaited: site.text.clone(),
                        why: IN_A_SET,
                    });
                }
            }
        }
        None
    }

    /// Where `task` waits if its own body may suspend at one place only: an
    /// `.await`, followed into a `fn` of the file it calls while that one
    /// may suspend at one place only too. Said only of an await on what
    /// [`UNWOKEN`] names or on a `JoinSet` (as declared), which a dump
    /// can't see into.
    fn only_await(&self, task: &Named) -> Option<Unseen> {
        let code = self.code;
        let mut body = match (&task.who, &task.spawned_at) {
            (Who::Main, _) => code.free_fn("run")?,
            (_, Some(spawned)) => code.async_block_at(spawned.line)?,
            _ => return None,
        };
        let mut frames = Vec::new();
        // Calls may recurse; a dump's chain of them is short.
        for _ in 0..16 {
            let site = only(code.sites_of(body))?;
            if site.kind != SiteKind::Await {
                return None;
            }
            frames.push(UnseenFrame {
                function: code.name(body)?,
                line: site.lines.first,
            });
            if let Some(called) = site.call.as_deref().and_then(|name| code.free_fn(name)) {
                body = called;
                continue;
            }
            let unwoken =
                site.calls_method(&UNWOKEN_METHODS) || site.calls_function(&UNWOKEN_FUNCTIONS);
            let why = if unwoken {
                UNWOKEN_WHY
            } else if let Some(set) = &site.receiver
                && site.calls_method(&JOIN_SET_WAITS)
                && code.declared_as(body, set, "JoinSet")
            {
                IN_A_SET
            } else {
                return None;
            };
            return Some(Unseen {
                frames,
                awaited: site.text.clone(),
                why,
            });
        }
        None
    }
}

const IN_A_SET: &str = "a wait in a JoinSet leaves no frame in a dump";
const UNWOKEN_WHY: &str = "a wait on futures none of which has woken leaves no frame in a dump";

/// A `JoinSet`'s methods that wait for its tasks.
const JOIN_SET_WAITS: [&str; 3] = [JOIN_NEXT[0], JOIN_NEXT[1], "join_all"];

/// Where a task with no waits waits, read from the code.
struct Unseen {
    /// Outermost first.
    frames: Vec<UnseenFrame>,
    /// `set.join_next()`, `results.next()`.
    awaited: String,
    /// Why the dump shows no frame there.
    why: &'static str,
}

/// A function of the file, and the line it waits at.
struct UnseenFrame {
    /// `run`, `async block in run`.
    function: String,
    line: usize,
}

/// What an `.await` awaits that polls only the futures woken since its last
/// poll, or none: a dump, which polls each task once, then reaches no Tokio
/// future in it and records no frame. A stream's `next()` of `buffered`,
/// `FuturesUnordered` and the like (these methods); `join_all` of many;
/// `pending()` (these functions).
const UNWOKEN_METHODS: [&str; 4] = ["next", "try_next", "collect", "try_collect"];
const UNWOKEN_FUNCTIONS: [&str; 4] = ["join_all", "select_all", "select_ok", "pending"];

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
