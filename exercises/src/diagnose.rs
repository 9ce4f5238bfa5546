//! What a learner sees under a failed run: the classic async trap it fell
//! into, named with the line of their file ("A guard dropped at once. Line 31
//! of your file ..."), only where the run's evidence (its timing, its task
//! dump) and that line agree: a wrong note is worse than none. What the task
//! dump alone says is the harness's sentence for each wait (`waiting.rs`).

use exercises::Tasks;

use crate::check::{BLOCKING_LIMIT, Ended};
use crate::diff::format_time;

/// The exercises that fall into a trap as shipped: `verify` checks that each
/// names its trap, and that no other shipped exercise names one.
pub const SHIPPED_TRAPS: &[(&str, Trap)] = &[
    ("no_blocking", Trap::Blocking),
    ("worker_pool", Trap::LockAcrossAwait),
    ("ordered_log", Trap::GuardDropped),
    ("deadlock", Trap::LockOrder),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    GuardDropped,
    Blocking,
    LockAcrossAwait,
    LockOrder,
    FutureDropped,
    BlockingTask,
}

impl Trap {
    pub const ALL: [Trap; 6] = [
        Trap::GuardDropped,
        Trap::Blocking,
        Trap::LockAcrossAwait,
        Trap::LockOrder,
        Trap::FutureDropped,
        Trap::BlockingTask,
    ];

    /// The note's first words.
    pub fn title(self) -> &'static str {
        match self {
            Trap::GuardDropped => "A guard dropped at once",
            Trap::Blocking => "A blocking call in async code",
            Trap::LockAcrossAwait => "A lock held across `.await`",
            Trap::LockOrder => "Locks taken in different orders",
            Trap::FutureDropped => "A future never awaited",
            Trap::BlockingTask => "A blocking task on the paused clock",
        }
    }
}

/// A statement of the learner's file that makes a future and drops it, as
/// the compiler found it (rustc's `unused_must_use` on a future, clippy's
/// `let_underscore_future`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unawaited {
    /// The lines it spans, the first and the last.
    pub lines: (usize, usize),
    /// Its code, as the compiler's span has it: the expression, or the
    /// whole `let _ = ..;`.
    pub code: String,
    pub how: Dropped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// `make_future();`, which the compiler warns about, with a help that
    /// says `let _ = ...`.
    Unused,
    /// `let _ = make_future();`, that help followed.
    LetUnderscore,
}

/// What one run showed.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    pub expected: &'a [(u64, String)],
    pub printed: &'a [(u64, String)],
    pub ended: &'a Ended,
    /// Where each task of a hung run waited (the harness's sentences).
    pub waits: &'a [String],
    /// The learner's file, when it could be read.
    pub source: Option<&'a str>,
    /// What the compiler said of its futures.
    pub unawaited: &'a [Unawaited],
    /// The lines of the learner's file at which the run spawned tasks, and
    /// whether the harness saw its tasks at all.
    pub spawned: &'a [usize],
    pub tasks: Tasks,
}

/// The notes for `seen`, each with its trap.
pub fn diagnose(seen: &Seen<'_>) -> Vec<(Trap, String)> {
    let source = Source::new(seen.source.unwrap_or_default());
    let timing = matched(seen.expected, seen.printed);
    [
        guard_dropped(&timing, &source),
        blocking(seen, &timing, &source),
        blocking_task(seen, &timing, &source),
        lock_across_await(&timing, &source),
        lock_order(seen, &source),
        future_dropped(seen, &timing, &source),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The learner's file without comments: (line number, code, brace depth at
/// its start).
struct Source {
    lines: Vec<(usize, String, i32)>,
}

impl Source {
    fn new(text: &str) -> Source {
        let mut depth = 0;
        let mut lines = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let code = strip_comment(line).to_owned();
            let opened = code.matches('{').count() as i32 - code.matches('}').count() as i32;
            lines.push((index + 1, code, depth));
            depth += opened;
        }
        Source { lines }
    }

    /// The lines after line `index` that are deeper than it: the body of the
    /// block it opens.
    fn body(&self, index: usize) -> impl Iterator<Item = &(usize, String, i32)> {
        let depth = self.lines[index].2;
        self.lines[index + 1..]
            .iter()
            .take_while(move |line| line.2 > depth)
    }

    /// The lines after line `index` for as long as the value it binds as
    /// `name` lives: to the end of its block, or a `drop(name)`.
    fn while_held(&self, index: usize, name: &str) -> impl Iterator<Item = &(usize, String, i32)> {
        let (depth, dropped) = (self.lines[index].2, format!("drop({name})"));
        self.lines[index + 1..]
            .iter()
            .take_while(move |(_, code, d)| *d >= depth && !code.contains(&dropped))
    }
}

/// `line` up to a `//` that is not inside a string literal.
fn strip_comment(line: &str) -> &str {
    let (mut in_string, mut previous) = (false, ' ');
    for (at, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && previous == '/' => return &line[..at - 1],
            _ => {}
        }
        previous = c;
    }
    line
}

/// Each expected line that was printed, the n-th expected occurrence of a
/// text paired with its n-th printed one.
fn matched<'a>(expected: &'a [(u64, String)], printed: &[(u64, String)]) -> Vec<Timed<'a>> {
    let mut used = vec![false; printed.len()];
    let mut matched = Vec::new();
    for (want, text) in expected {
        if let Some(index) = (0..printed.len()).find(|&i| !used[i] && printed[i].1 == *text) {
            used[index] = true;
            matched.push(Timed {
                text,
                expected_ms: *want,
                printed_ms: printed[index].0,
            });
        }
    }
    matched
}

/// An expected line that was printed, with when, in virtual ms.
struct Timed<'a> {
    text: &'a str,
    expected_ms: u64,
    printed_ms: u64,
}

impl Timed<'_> {
    fn is_early(&self) -> bool {
        self.printed_ms < self.expected_ms
    }

    fn is_late(&self) -> bool {
        self.printed_ms > self.expected_ms
    }

    fn quote(&self) -> String {
        let (got, want) = (format_time(self.printed_ms), format_time(self.expected_ms));
        format!("\"{}\" came at {got}, expected at {want}", self.text)
    }
}

/// The lock calls whose guard the line's code gets.
const TAKES: [&str; 3] = [".lock().await", ".read().await", ".write().await"];

/// `let _ = permits.acquire().await` drops the permit at once, so the work
/// it should hold back starts early.
fn guard_dropped(timing: &[Timed<'_>], source: &Source) -> Option<(Trap, String)> {
    let early = timing.iter().find(|line| line.is_early())?;
    let (number, code, _) = source.lines.iter().find(|(_, code, _)| {
        code.trim_start().starts_with("let _ =")
            && [".acquire", ".lock()", ".read()", ".write()"]
                .iter()
                .any(|call| code.contains(call))
    })?;
    Some((
        Trap::GuardDropped,
        format!(
            "Line {number} of your file, `{}`, drops what it gets at once: `let _ = ..` binds \
             nothing, so the permit or lock guard goes back before the next line runs, and \
             nothing is held back ({}). Give it a name that lives as long as the work it guards: \
             `let _permit = ..` or `let guard = ..`.",
            code.trim(),
            early.quote()
        ),
    ))
}

/// Real time taken on the paused clock, in a file that calls
/// `std::thread::sleep` and hands no work to a blocking thread.
fn blocking(seen: &Seen<'_>, timing: &[Timed<'_>], source: &Source) -> Option<(Trap, String)> {
    let &Ended::Finished { held_ms } = seen.ended else {
        return None;
    };
    // Blocked time is more than the limit, or about as much as a line came
    // early by: the clock stood still while the thread slept.
    let early_by = timing
        .iter()
        .find(|line| line.is_early())
        .map_or(0, |line| line.expected_ms - line.printed_ms);
    let stood_still = early_by > 0
        && took_real_time(held_ms)
        && held_ms.saturating_mul(5) >= early_by.saturating_mul(4);
    if u128::from(held_ms) <= BLOCKING_LIMIT.as_millis() && !stood_still {
        return None;
    }
    // Work handed to `spawn_blocking` is [`blocking_task`]'s to explain.
    // (`block_in_place` panics on the checker's one-thread runtime.)
    if source
        .lines
        .iter()
        .any(|(_, code, _)| code.contains("spawn_blocking"))
    {
        return None;
    }
    let (number, code, _) = source
        .lines
        .iter()
        .find(|(_, code, _)| code.contains("thread::sleep("))?;
    Some((
        Trap::Blocking,
        format!(
            "Line {number} of your file, `{}`, blocks the thread: `std::thread::sleep` does not \
             give the thread back to the runtime, so no other task runs meanwhile and the run \
             took {:.1}s of real time on a clock that is paused. In async code wait with \
             `tokio::time::sleep(..).await`. Work that must block belongs in \
             `tokio::task::spawn_blocking`, but not here: the paused clock stands still while \
             a blocking task runs, so the checker can't time it.",
            code.trim(),
            held_ms as f64 / 1000.0
        ),
    ))
}

/// Whether the real time a run held its thread (`Record::Finished`, which
/// a busy machine does not lengthen) is more than its own work takes: the
/// thread, or the clock, stood still.
fn took_real_time(held_ms: u64) -> bool {
    held_ms >= 500
}

/// Lines early or missing, in a run that took real time, in a file that
/// hands work to `spawn_blocking`. On the current-thread runtime the checker
/// runs, Tokio's paused clock does not advance while a blocking task runs
/// (tokio's `BlockingSchedule` inhibits auto-advance until the task ends):
/// the time the work takes is not counted, and no timer fires meanwhile.
fn blocking_task(seen: &Seen<'_>, timing: &[Timed<'_>], source: &Source) -> Option<(Trap, String)> {
    match seen.ended {
        Ended::Finished { held_ms } if took_real_time(*held_ms) => {}
        Ended::Killed => {}
        _ => return None,
    }
    let early = timing.iter().find(|line| line.is_early());
    let missing = timing.len() < seen.expected.len();
    let shows = match early {
        Some(early) => format!(" ({})", early.quote()),
        None if missing => " (lines are missing)".to_owned(),
        None => return None,
    };
    let (number, code, _) = source
        .lines
        .iter()
        .find(|(_, code, _)| code.contains("spawn_blocking"))?;
    Some((
        Trap::BlockingTask,
        format!(
            "Line {number} of your file, `{}`, runs work on a blocking thread, which in a real \
             program lets the other tasks go on. But the checker runs your code on Tokio's \
             paused clock, and the paused clock does not move while a blocking task runs: no \
             timer fires until the task ends, and the time it took is not counted{shows}. So \
             blocking work can't be timed here. To wait, use `tokio::time::sleep(..).await`, \
             which the paused clock counts; keep `spawn_blocking` for work that must block \
             (a blocking library call, heavy computation), and don't time it.",
            code.trim()
        ),
    ))
}

/// `while let Some(job) = queue.lock().await.recv().await { .. }`: the guard,
/// a temporary of the condition, lives through the body, so lines come late
/// while the others wait for the lock.
fn lock_across_await(timing: &[Timed<'_>], source: &Source) -> Option<(Trap, String)> {
    let late = timing.iter().find(|line| line.is_late())?;
    source.lines.iter().enumerate().find_map(|(index, (number, code, _))| {
        let condition = code.trim();
        if !condition.starts_with("while let") || !condition.ends_with('{') {
            return None;
        }
        TAKES.iter().find(|take| code.contains(*take))?;
        let (at, _, _) = source.body(index).find(|(_, code, _)| code.contains(".await"))?;
        Some((
            Trap::LockAcrossAwait,
            format!(
                "Line {number} of your file, `{condition}`, takes a lock in the loop's condition, \
                 where a temporary lives until the end of the body: the lock is still held at \
                 line {at}'s `.await`, so every other task that wants it waits for that as well \
                 and the work runs one at a time ({}). Take what you need in a statement of its \
                 own, which lets the guard go at its `;`, before the work.",
                late.quote()
            ),
        ))
    })
}

/// The leaf a task waits in, from a harness sentence: `Mutex::lock` in
/// "... waits at x.rs:5 in `Mutex::lock`: ...".
fn leaf(wait: &str) -> &str {
    wait.split_once(" in `")
        .map_or("", |(_, rest)| rest.split('`').next().unwrap_or(""))
}

/// Whether a task of a hung run waits on a timer, and so may yet go on.
fn some_task_may_go_on(waits: &[String]) -> bool {
    waits
        .iter()
        .map(|wait| leaf(wait))
        .any(|leaf| leaf.contains("sleep") || leaf.contains("Interval") || leaf.contains("imeout"))
}

/// A hung run in which two or more tasks wait for locks and none for a timer,
/// in a file that takes a second lock while it holds a first.
fn lock_order(seen: &Seen<'_>, source: &Source) -> Option<(Trap, String)> {
    if !matches!(seen.ended, Ended::VirtualTimeout) || some_task_may_go_on(seen.waits) {
        return None;
    }
    let locks = ["Mutex::lock", "RwLock::read", "RwLock::write"];
    let waiting = seen
        .waits
        .iter()
        .filter(|wait| locks.iter().any(|lock| leaf(wait).starts_with(lock)))
        .count();
    if waiting < 2 {
        return None;
    }
    source
        .lines
        .iter()
        .enumerate()
        .find_map(|(index, (number, code, _))| {
            let name = (code
                .trim_start()
                .strip_prefix("let ")?
                .trim_start_matches("mut "))
            .split([' ', ':', '='])
            .next()
            .filter(|name| !name.is_empty() && *name != "_")?;
            TAKES
                .iter()
                .find(|take| code.trim_end().ends_with(&format!("{take};")))?;
            let (at, later, _) = source
                .while_held(index, name)
                .find(|(_, later, _)| TAKES.iter().any(|take| later.contains(take)))?;
            Some((
                Trap::LockOrder,
                format!(
                    "Line {number} of your file, `{}`, takes a lock, and line {at}, `{}`, takes \
                 another while the first is still held; {waiting} tasks are stuck waiting for \
                 locks. Tasks that take the same locks in different orders can each end up \
                 holding the lock another waits for, and then none of them can go on: a \
                 deadlock. Take the locks in one order everywhere (by a key the locked things \
                 have, such as an id), or let the first go before taking the second.",
                    code.trim(),
                    later.trim()
                ),
            ))
        })
}

/// A future made and dropped unawaited, by the compiler's word, in a file
/// that still has its first line: nothing it stands for happened. Not a
/// statement that spawned a task: a `JoinHandle` is a future too, to clippy,
/// but its task runs whatever becomes of the handle (the note on tasks left
/// running says what dropping it does). Where the run's tasks were not seen,
/// a `let _ =` could be dropping a `JoinHandle`, and is not named; rustc's
/// warning is never about one (`JoinHandle` is not `#[must_use]`).
fn future_dropped(
    seen: &Seen<'_>,
    timing: &[Timed<'_>],
    source: &Source,
) -> Option<(Trap, String)> {
    let mut named = None;
    for unawaited in seen.unawaited {
        if spawned_by(unawaited, seen.spawned, source) {
            continue;
        }
        if unawaited.how == Dropped::LetUnderscore && seen.tasks == Tasks::Unseen {
            continue;
        }
        if source
            .lines
            .iter()
            .any(|(number, _, _)| *number == unawaited.lines.0)
        {
            named = Some(unawaited);
            break;
        }
    }
    let unawaited = named?;
    let code = one_line(&unawaited.code);
    let call = code.strip_prefix("let _ =").unwrap_or(&code).trim();
    let call = call.strip_suffix(';').unwrap_or(call).trim_end();
    let (what, help) = match unawaited.how {
        Dropped::LetUnderscore => (
            "makes a future and drops it: a future does nothing until it is awaited, and `let _ =` \
             drops it at once",
            "`let _ =` is for a value you don't need; on a future it only silences the compiler's \
             warning",
        ),
        Dropped::Unused => (
            "makes a future and never awaits it: a future does nothing until it is awaited",
            "`let _ = ...` would only silence the compiler's warning",
        ),
    };
    let early = match timing.iter().find(|line| line.is_early()) {
        Some(early) => format!(" ({})", early.quote()),
        None => String::new(),
    };
    let number = unawaited.lines.0;
    Some((
        Trap::FutureDropped,
        format!(
            "Line {number} of your file, `{code}`, {what}, so nothing it stands for happened \
             there{early}. Await it where it must happen: `{call}.await`; if that gives back a \
             `Result`, handle it (`?`, `.expect(..)` or a `match`). {help}."
        ),
    ))
}

/// Whether the statement `unawaited` spawned a task, by the lines at which
/// the run spawned tasks, `spawned`: one of its own, one in the body of a
/// function of the file that it calls (`let _ = start(..)`, where `start`
/// spawns and returns the `JoinHandle`), or, for a variable (`let _ =
/// handle;`), the statement that bound it.
fn spawned_by(unawaited: &Unawaited, spawned: &[usize], source: &Source) -> bool {
    let (first, last) = unawaited.lines;
    if spawned.iter().any(|line| (first..=last).contains(line)) {
        return true;
    }
    if let Some(binding) = binding_of(unawaited, source) {
        let mut statement = std::iter::once(&source.lines[binding]).chain(source.body(binding));
        if statement.any(|(number, _, _)| spawned.contains(number)) {
            return true;
        }
    }
    for name in called(&unawaited.code) {
        let fn_name = format!("fn {name}");
        let header = source.lines.iter().position(|(_, code, _)| {
            code.split(&fn_name)
                .skip(1)
                .any(|after| after.starts_with(['(', '<']))
        });
        let Some(header) = header else {
            continue;
        };
        // The body opens on the line of the signature's `{`.
        let opens = source.lines[header..]
            .iter()
            .position(|(_, code, _)| code.contains('{'));
        let Some(opens) = opens else {
            continue;
        };
        if source
            .body(header + opens)
            .any(|(number, _, _)| spawned.contains(number))
        {
            return true;
        }
    }
    false
}

/// Where the variable that `unawaited` drops was bound, as an index into
/// `source`'s lines: the last `let NAME =` before it, when it drops a
/// variable (`let _ = handle;`, `handle;`).
fn binding_of(unawaited: &Unawaited, source: &Source) -> Option<usize> {
    let code = one_line(&unawaited.code);
    let name = code.strip_prefix("let _ =").unwrap_or(&code).trim();
    let name = name.strip_suffix(';').unwrap_or(name).trim_end();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let bound = [format!("let {name} ="), format!("let mut {name} =")];
    source.lines.iter().rposition(|(number, code, _)| {
        *number < unawaited.lines.0 && bound.iter().any(|let_| code.contains(let_.as_str()))
    })
}

/// The names that `code` calls: each word just before a `(`.
fn called(code: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices('(') {
        let before = &code[..at];
        let start = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
        let name = &before[start.len()..];
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

/// Code the compiler quoted over several lines, on one, as rustfmt writes
/// it when it fits: `sleep(\n    one_second,\n)` is `sleep(one_second)`.
fn one_line(code: &str) -> String {
    let mut joined = String::new();
    for line in code.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let closes = line.starts_with([')', ']']);
        if closes && joined.ends_with(',') {
            joined.pop();
        }
        let glued = joined.is_empty() || joined.ends_with(['(', '[']) || closes;
        if !glued && !line.starts_with(['.', '?']) {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{SOLUTIONS, crate_dir};
    use crate::diff::parse_expected;

    type Notes = Vec<(Trap, String)>;

    fn finished(expected: &str, printed: &str, held_ms: u64, source: &str) -> Notes {
        let (expected, printed) = (parse_expected(expected), parse_expected(printed));
        let (expected, printed) = (&expected.unwrap(), &printed.unwrap());
        let ended = &Ended::Finished { held_ms };
        let source = Some(source);
        diagnose(&Seen {
            expected,
            printed,
            ended,
            waits: &[],
            source,
            unawaited: &[],
            spawned: &[],
            tasks: Tasks::Seen,
        })
    }

    /// A hung run whose tasks wait in `leaves`.
    fn hung(leaves: &[&str], source: &str) -> Notes {
        let waits: Vec<String> = leaves
            .iter()
            .map(|leaf| format!("the task spawned at x.rs:9 waits at x.rs:5 in `{leaf}`: .."))
            .collect();
        let (ended, source) = (&Ended::VirtualTimeout, Some(source));
        diagnose(&Seen {
            expected: &[],
            printed: &[],
            ended,
            waits: &waits,
            source,
            unawaited: &[],
            spawned: &[],
            tasks: Tasks::Seen,
        })
    }

    /// The one note given, or what was given instead.
    fn only(notes: Notes) -> String {
        match &notes[..] {
            [(trap, text)] => format!("{trap:?}: {text}"),
            _ => format!("{notes:?}"),
        }
    }

    const UPLOADS: &str = "
    for id in 1..=3 {
        tokio::spawn(async move {
            let _ = permits.acquire().await;
            upload(id).await;
        });
    }";

    #[test]
    fn a_guard_dropped_at_once_is_named_when_lines_come_early() {
        let (expected, early, late) = ("0.0s 1\n1.0s 2\n", "0.0s 1\n0.0s 2\n", "0.0s 1\n2.0s 2\n");
        let note = only(finished(expected, early, 5, UPLOADS));
        assert!(
            note.starts_with("GuardDropped: Line 4 of your file, `let _ = permits"),
            "{note}"
        );
        assert!(
            note.contains("(\"2\" came at 0.0s, expected at 1.0s)"),
            "{note}"
        );
        assert_eq!(finished(expected, late, 5, UPLOADS), []);
        for kept in ["let _permit =", "// let _ ="] {
            assert_eq!(
                finished(expected, early, 5, &UPLOADS.replace("let _ =", kept)),
                []
            );
        }
    }

    #[test]
    fn a_blocking_sleep_is_named_when_the_run_took_real_time() {
        let source = "async fn work() {\n    std::thread::sleep(Duration::from_secs(3));\n}";
        let handed_off = format!("{source}\nspawn_blocking(work);");
        // Right on the virtual clock but 3.1s of real time; or the clock stood
        // still while the thread slept, and a line came that early.
        for (printed, held_ms) in [("1.2s a\n", 3100), ("0.0s a\n", 1201)] {
            let note = only(finished("1.2s a\n", printed, held_ms, source));
            assert!(note.starts_with("Blocking: Line 2 of your file"), "{note}");
            assert!(
                finished("1.2s a\n", printed, held_ms, &handed_off)
                    .iter()
                    .all(|(trap, _)| *trap != Trap::Blocking)
            );
            assert_eq!(finished("1.2s a\n", printed, 30, source), []);
        }
        // Real time under the limit, and no line early: the clock did not
        // stand still (a busy machine is slow).
        assert_eq!(finished("1.2s a\n", "1.2s a\n", 1500, source), []);
    }

    /// `spawn_blocking` stops the paused clock while its task runs: a line
    /// that comes early, or none, in a run that took real time, is
    /// explained by it; the same lines in a run that took none are not.
    #[test]
    fn a_blocking_task_is_named_when_the_paused_clock_stood_still() {
        let source = "async fn work() {\n    spawn_blocking(|| thread::sleep(ms(1200))).await;\n}";
        let expected = "0.5s beat\n1.2s done\n";
        let early = only(finished(expected, "0.0s done\n0.5s beat\n", 1230, source));
        assert!(
            early.starts_with("BlockingTask: Line 2 of your file, `spawn_blocking("),
            "{early}"
        );
        assert!(
            early.contains("the paused clock does not move while a blocking task runs"),
            "{early}"
        );
        assert!(
            early.contains("(\"done\" came at 0.0s, expected at 1.2s)"),
            "{early}"
        );
        let (expected, printed) = (parse_expected(expected), parse_expected("0.0s done\n"));
        let (expected, printed) = (&expected.unwrap(), &printed.unwrap());
        let killed = diagnose(&Seen {
            expected,
            printed,
            ended: &Ended::Killed,
            waits: &[],
            source: Some(source),
            unawaited: &[],
            spawned: &[],
            tasks: Tasks::Seen,
        });
        assert!(only(killed).starts_with("BlockingTask: Line 2"));
        assert_eq!(finished("1.2s done\n", "1.2s done\n", 1230, source), []);
        assert_eq!(finished("1.2s done\n", "0.0s done\n", 30, source), []);
        // Without it, the sleep blocks the runtime's thread.
        let no_task = source.replace("spawn_blocking", "run_now");
        let blocked = only(finished("1.2s done\n", "0.0s done\n", 1230, &no_task));
        assert!(blocked.starts_with("Blocking: Line 2"), "{blocked}");
    }

    const WORKER: &str = "
async fn worker(queue: Arc<Mutex<Receiver<u64>>>) {
    while let Some(job) = queue.lock().await.recv().await {
        sleep(Duration::from_millis(job)).await;
    }
    if done {
        report().await;
    }
}";

    #[test]
    fn a_lock_held_through_a_loop_body_is_named_when_lines_come_late() {
        let (expected, late) = ("0.1s 1\n0.1s 2\n", "0.1s 1\n0.2s 2\n");
        let note = only(finished(expected, late, 5, WORKER));
        assert!(
            note.starts_with("LockAcrossAwait: Line 3 of your file"),
            "{note}"
        );
        assert!(note.contains("still held at line 4's `.await`"), "{note}");
        assert_eq!(finished(expected, expected, 5, WORKER), []);
        let own_statement = (WORKER
            .replace("while let Some(job) = queue", "loop {\n    let job = queue"))
        .replace(".await {", ".await;");
        let no_await = WORKER.replace("sleep(Duration::from_millis(job)).await", "work(job)");
        // An `if` condition's temporaries are dropped before its block.
        let if_condition = WORKER.replace("while let Some(job) =", "if");
        for fixed in [own_statement, no_await, if_condition] {
            assert_eq!(finished(expected, late, 5, &fixed), [], "{fixed}");
        }
    }

    /// No reference solution gets a note from its file, whatever its lines'
    /// times and however long it took: a program right but for one line is
    /// not told of a trap it does not fall into.
    #[test]
    fn no_solution_is_named_whatever_its_timing() {
        for entry in std::fs::read_dir(crate_dir().join(SOLUTIONS)).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let notes = finished("1.0s a\n1.0s b\n", "0.0s a\n2.0s b\n", 3000, &source);
            assert_eq!(notes, [], "{path:?}");
        }
    }

    const TRANSFER: &str = "
async fn transfer(from: Arc<Account>, to: Arc<Account>) {
    let mut source = from.balance.lock().await;
    sleep(Duration::from_millis(100)).await;
    let mut destination = to.balance.lock().await;
    *source -= 1;
}";

    #[test]
    fn locks_taken_in_different_orders_are_named_from_the_task_dump() {
        let stuck = ["Mutex::lock", "Mutex::lock"];
        let note = only(hung(&stuck, TRANSFER));
        assert!(
            note.starts_with("LockOrder: Line 3 of your file, `let mut source"),
            "{note}"
        );
        assert!(note.contains("line 5, `let mut destination"), "{note}");
        let let_go = "    drop(source);\n    let mut destination";
        assert_eq!(
            hung(&stuck, &TRANSFER.replace("    let mut destination", let_go)),
            []
        );
        // One task waiting for a lock, or a task that may yet let go.
        assert_eq!(hung(&stuck[..1], TRANSFER), []);
        assert_eq!(hung(&["Mutex::lock", "Mutex::lock", "sleep"], TRANSFER), []);
    }

    const HELLO: &str = "
pub async fn run() {
    println!(\"Hello\");
    let _ = tokio::time::sleep(one_second);
    println!(\"World\");
}";

    /// What the compiler found is named with the line, whichever way the
    /// future was dropped, with the call to await written whole although
    /// the statement spans lines; nothing is named where it found nothing,
    /// or where the file no longer has the line.
    #[test]
    fn a_future_dropped_unawaited_is_named_from_the_compilers_lint() {
        let (expected, printed) = ("0.0s Hello\n1.0s World\n", "0.0s Hello\n0.0s World\n");
        let (expected, printed) = (parse_expected(expected), parse_expected(printed));
        let (expected, printed) = (&expected.unwrap(), &printed.unwrap());
        let note = |source: &str, unawaited: &[Unawaited]| {
            diagnose(&Seen {
                expected,
                printed,
                ended: &Ended::Finished { held_ms: 3 },
                waits: &[],
                source: Some(source),
                unawaited,
                spawned: &[],
                tasks: Tasks::Seen,
            })
        };
        let dropped = |lines, code: &str, how| Unawaited {
            lines,
            code: code.to_owned(),
            how,
        };
        let let_underscore = [dropped(
            (4, 4),
            "let _ = tokio::time::sleep(one_second);",
            Dropped::LetUnderscore,
        )];
        let said = only(note(HELLO, &let_underscore));
        for says in [
            "FutureDropped: Line 4 of your file, `let _ = tokio::time::sleep(one_second);`",
            "`let _ =` drops it at once",
            "(\"World\" came at 0.0s, expected at 1.0s)",
            "`tokio::time::sleep(one_second).await`; if that gives back a `Result`, handle it",
        ] {
            assert!(said.contains(says), "{says}: {said}");
        }
        // As the compiler's spans quote them: rustc's the expression alone,
        // clippy's the whole statement.
        let over_lines = [
            dropped(
                (4, 6),
                "tokio::time::sleep(\n        one_second,\n    )",
                Dropped::Unused,
            ),
            dropped(
                (4, 6),
                "let _ = tokio::time::sleep(\n        one_second,\n    );",
                Dropped::LetUnderscore,
            ),
        ];
        for unawaited in over_lines {
            let said = only(note(HELLO, std::slice::from_ref(&unawaited)));
            assert!(
                said.contains("`tokio::time::sleep(one_second).await`"),
                "{unawaited:?}: {said}"
            );
            let never = unawaited.how == Dropped::Unused;
            assert_eq!(said.contains("never awaits it"), never, "{said}");
        }
        assert_eq!(note(HELLO, &[]), []);
        assert_eq!(note("pub async fn run() {}", &let_underscore), []);
        let send =
            "orders.send((\n            order,\n            format!(\"{order}, x\"),\n        ))";
        assert_eq!(
            one_line(send),
            "orders.send((order, format!(\"{order}, x\")))"
        );
        let chain = "client\n        .get(url)\n        .send()\n        .await?";
        assert_eq!(one_line(chain), "client.get(url).send().await?");
    }

    /// A `JoinHandle` dropped by `let _ =` is a future to clippy, but its
    /// task runs: a statement at which the run spawned a task, or that calls
    /// a function of the file in whose body it did, is not named, nor is a
    /// `let _ =` where the run's tasks were not seen (it may be one). A
    /// future dropped on the next line still is.
    #[test]
    fn a_join_handle_let_go_is_not_a_future_never_awaited() {
        let source = "
pub async fn run() {
    let _ = tokio::spawn(
        brew(\"coffee\"),
    );
    let _ = start(\"tea\");
    let _ = tokio::time::sleep(one_second);
}

fn start(drink: &'static str) -> JoinHandle<()> {
    tokio::spawn(brew(drink))
}";
        let dropped = |lines, code: &str| Unawaited {
            lines,
            code: code.to_owned(),
            how: Dropped::LetUnderscore,
        };
        let spawn = dropped(
            (3, 5),
            "let _ = tokio::spawn(\n        brew(\"coffee\"),\n    );",
        );
        let start = dropped((6, 6), "let _ = start(\"tea\");");
        let sleep = dropped((7, 7), "let _ = tokio::time::sleep(one_second);");
        let note = |unawaited: &[Unawaited], spawned: &[usize], tasks| {
            diagnose(&Seen {
                expected: &[],
                printed: &[],
                ended: &Ended::Finished { held_ms: 3 },
                waits: &[],
                source: Some(source),
                unawaited,
                spawned,
                tasks,
            })
        };
        let handles = [spawn.clone(), start.clone()];
        assert_eq!(note(&handles, &[3, 11], Tasks::Seen), []);
        let all = [spawn.clone(), start, sleep.clone()];
        let said = only(note(&all, &[3, 11], Tasks::Seen));
        assert!(
            said.starts_with("FutureDropped: Line 7 of your file"),
            "{said}"
        );
        // A statement at which the run spawned nothing is named.
        let said = only(note(std::slice::from_ref(&spawn), &[11], Tasks::Seen));
        assert!(
            said.starts_with("FutureDropped: Line 3 of your file"),
            "{said}"
        );
        assert_eq!(note(&all, &[], Tasks::Unseen), []);
        let unused = Unawaited {
            how: Dropped::Unused,
            ..sleep
        };
        assert_eq!(note(&[unused], &[], Tasks::Unseen).len(), 1);
        assert_eq!(
            called("let _ = tokio::spawn(brew(\"é\"), x.start_é())"),
            ["spawn", "brew", "start_é"]
        );
    }

    /// A `JoinHandle` bound to a variable, then let go with `let _ =`: its
    /// task was spawned where the variable was bound, so it is not named a
    /// future never awaited (whose note would say to await a task that may
    /// never end). A variable bound to a future, with nothing spawned
    /// there, still is.
    #[test]
    fn a_spawned_handle_let_go_by_name_is_not_a_future_never_awaited() {
        let source = "
pub async fn run() {
    let poller = tokio::spawn(async {
        poll().await;
    });
    let _ = poller;
    let nap = tokio::time::sleep(one_second);
    let _ = nap;
}";
        let dropped = |line, code: &str| Unawaited {
            lines: (line, line),
            code: code.to_owned(),
            how: Dropped::LetUnderscore,
        };
        let note = |unawaited: &[Unawaited]| {
            diagnose(&Seen {
                expected: &[],
                printed: &[],
                ended: &Ended::Finished { held_ms: 3 },
                waits: &[],
                source: Some(source),
                unawaited,
                spawned: &[3],
                tasks: Tasks::Seen,
            })
        };
        assert_eq!(note(&[dropped(6, "let _ = poller;")]), []);
        let said = only(note(&[dropped(8, "let _ = nap;")]));
        assert!(
            said.starts_with("FutureDropped: Line 8 of your file"),
            "{said}"
        );
    }
}
